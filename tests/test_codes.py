"""The catalogue of finding codes, its generated page, and the rules declared on the spec."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import kpitool
from kpitool import codes
from kpitool.codes import CATALOGUE, GROUP_TITLES
from kpitool.findings import Severity
from kpitool.findings_doc import DOC_PATH, main, render
from kpitool.rules import CHECKS, FREE_KINDS, KIND_RULES, REQUIRED_CODES
from kpitool.spec import Kind, template_spec

CODE_RE = re.compile(r"(?P<sev>[EW])-(?P<group>[A-Z]+)-\d{3}")
PACKAGE = Path(kpitool.__file__).parent


def test_codes_are_well_formed() -> None:
    assert len(CATALOGUE) >= 50
    for kind in CATALOGUE:
        m = CODE_RE.fullmatch(kind.code)
        assert m, kind.code
        assert (m["sev"] == "E") == (kind.severity is Severity.ERROR), kind.code
        assert m["group"] == kind.group and kind.group in GROUP_TITLES, kind.code
        assert kind.title and kind.message and kind.hint, kind.code
        assert re.search(r"[ぁ-んァ-ン一-龥]", kind.title + kind.message + kind.hint), kind.code


def test_every_constant_names_a_registered_code() -> None:
    constants = {name: value for name, value in vars(codes).items()
                 if name.isupper() and isinstance(value, str) and CODE_RE.fullmatch(value)}
    assert set(constants.values()) == {kind.code for kind in CATALOGUE}


def test_the_consolidation_section_marker_is_there() -> None:
    text = (PACKAGE / "codes.py").read_text(encoding="utf-8")
    assert "# --- consolidation (kpitool.consolidate) ---" in text


def test_validation_codes_are_used_by_a_rule() -> None:
    """Each code of the validation groups is reported somewhere in the validator."""
    source = "".join((PACKAGE / name).read_text(encoding="utf-8")
                     for name in ("rules.py", "checks.py", "validate.py"))
    unused = [name for name, value in vars(codes).items()
              if name.isupper() and isinstance(value, str) and CODE_RE.fullmatch(value)
              and CODE_RE.fullmatch(value)["group"] not in ("CONS", "INBOX")
              and f"codes.{name}" not in source]
    assert unused == []


def test_every_check_named_in_the_spec_has_a_rule_and_a_code() -> None:
    spec = template_spec()
    for sheet in spec.sheets:
        for column in sheet.columns:
            for name in column.checks:
                check = CHECKS[name]
                assert sheet.key in check.codes or "*" in check.codes, (sheet.key, name)
            if column.required:
                assert sheet.key in REQUIRED_CODES


def test_every_kind_has_a_value_rule_or_is_free_text() -> None:
    assert set(KIND_RULES) | FREE_KINDS == set(Kind)
    assert not set(KIND_RULES) & FREE_KINDS


def test_docs_page_is_current() -> None:
    assert DOC_PATH.read_text(encoding="utf-8") == render(), (
        "docs/findings.md が最新ではありません。python -m kpitool.findings_doc で作成し直してください。"
    )


def test_docs_check_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--check"]) == 0
    assert capsys.readouterr().out == ""


def test_docs_page_shows_placeholders_in_japanese() -> None:
    page = render()
    assert "| `E-NUM-001` | エラー | 数値として読めません | 「〈入力値〉」は数値として読めません。 |" in page
    assert "{value}" not in page
