"""kpitool.lazy_re: a pattern compiled on first use behaves as ``re.compile`` (issue 17)."""

from __future__ import annotations

import re

import pytest

from kpitool.lazy_re import LazyPattern, lazy_pattern


def test_nothing_is_compiled_until_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[object] = []
    real = re.compile
    monkeypatch.setattr(re, "compile", lambda *a: compiled.append(a) or real(*a))
    pattern = lazy_pattern(r"(\d+)年", re.I)
    assert compiled == []
    assert pattern.search("令和6年度").group(1) == "6"
    assert compiled == [(r"(\d+)年", re.I)]
    assert pattern.sub("X", "5年と6年") == "XとX"  # a second method: compiled once only
    assert len(compiled) == 1


def test_it_matches_as_the_compiled_pattern() -> None:
    source = rb"<(?:\w+:)?is>(.*?)</(?:\w+:)?is>"
    lazy, real = lazy_pattern(source, re.S), re.compile(source, re.S)
    data = b"<x:is>a\nb</x:is><is>c</is>"
    assert [m.group(1) for m in lazy.finditer(data)] == [b"a\nb", b"c"]
    assert lazy.findall(data) == real.findall(data)
    assert lazy.pattern == source and lazy.flags == real.flags
    assert isinstance(lazy, LazyPattern) and lazy.compiled() is lazy.compiled()


def test_a_used_method_is_then_a_plain_attribute() -> None:
    pattern = lazy_pattern(r"\s+")
    assert "split" not in vars(pattern)
    assert pattern.split("a b") == ["a", "b"]
    assert "split" in vars(pattern)  # no proxy call from now on
    assert repr(pattern) == r"lazy_pattern('\\s+')"
