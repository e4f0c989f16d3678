"""Pair the figures of a 取り組み's 前年度 and 当年度 texts: the same thing counted in both years.

Two 実績 texts of one 取り組み are usually written from one mould (「①提出件数：498件」, next year
「①提出件数：515件」). A figure pairs with the figure of the other year that has the same section,
label and unit; a label's 令和N年度 is read relative to its own year first (「令和4年度課税のみ滞納者」
in the R4 text and 「令和5年度課税のみ滞納者」 in the R5 text are both 当年度課税のみ滞納者). When
several figures share a key (「寄附」 in 円, five times), the sentences decide: the most similar
sentences pair, and only when they are similar enough — a figure with no counterpart stays alone
rather than being paired with the wrong one.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kpitool.narrative.extract import Mention, relative_years
from kpitool.numbers import unit_key

__all__ = ["Pair", "label_key", "pair_mentions", "similarity"]

# Sentences of one thing in two years differ in their numbers and a word or two.
MIN_SIMILARITY = 0.5
# Above this many sentence comparisons in one group, figures pair in their order (bounded time).
MAX_COMPARISONS = 2_500


@dataclass(frozen=True)
class Pair:
    """One figure in both years (either may be None when a year does not mention it)."""

    item: str  # 「業務改善 提出件数」: section and label, years relative (当年度…)
    unit: str
    prev: Mention | None
    curr: Mention | None


@functools.lru_cache(maxsize=8192)  # the same labels and texts, compared per mention, row and file
def label_key(text: str, year: int) -> str:
    """A label as compared: years relative to ``year``, NFKC, no spaces or brackets' spacing."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", relative_years(text, year)))


@functools.lru_cache(maxsize=1024)  # a few units, asked for every mention of every file
def _unit_key(unit: str) -> str:
    return unit_key(unit) or ""


def _context(m: Mention, year: int) -> str:
    return _sentence_context(m.sentence, year)


@functools.lru_cache(maxsize=4096)
def _sentence_context(sentence: str, year: int) -> str:
    return _DIGITS_RE.sub("#", label_key(sentence, year))


_DIGITS_RE = re.compile(r"\d[\d,.]*")


def similarity(a: str, b: str) -> float:
    """Dice coefficient of character bigrams (1.0 for equal texts)."""
    if a == b:
        return 1.0
    ga = {a[i:i + 2] for i in range(len(a) - 1)}
    gb = {b[i:i + 2] for i in range(len(b) - 1)}
    if not ga or not gb:
        return 0.0
    return 2 * len(ga & gb) / (len(ga) + len(gb))


def pair_mentions(prev: Sequence[Mention], curr: Sequence[Mention], years: tuple[int, int]) -> list[Pair]:
    """Every figure of both texts once: paired when the other year has it, alone otherwise.

    Order: the 当年度 text's order, with figures found only in 前年度 placed after the pair
    that precedes them in the 前年度 text.
    """
    y_prev, y_curr = years
    matched: dict[int, int] = {}  # index in prev -> index in curr

    def key_full(m: Mention, year: int) -> tuple[str, str, str]:
        return (label_key(m.section, year), label_key(m.label, year), _unit_key(m.unit))

    def key_label(m: Mention, year: int) -> tuple[str, str]:
        return (label_key(m.label, year), _unit_key(m.unit))

    for keyer in (key_full, key_label):
        _match(prev, curr, y_prev, y_curr, keyer, matched)
    paired_curr = {c: p for p, c in matched.items()}
    out: list[Pair] = []
    for ci, m in enumerate(curr):
        p = prev[paired_curr[ci]] if ci in paired_curr else None
        out.append(_pair(p, m, y_prev, y_curr))
    for pi, m in enumerate(prev):
        if pi in matched:
            continue
        at = 0
        for k, pair in enumerate(out):
            if pair.prev is not None and pair.prev.start < m.start:
                at = k + 1
        out.insert(at, _pair(m, None, y_prev, y_curr))
    return out


def _match(
    prev: Sequence[Mention],
    curr: Sequence[Mention],
    y_prev: int,
    y_curr: int,
    keyer: Callable[[Mention, int], tuple[str, ...]],
    matched: dict[int, int],
) -> None:
    taken = set(matched.values())
    groups: dict[tuple[str, ...], tuple[list[int], list[int]]] = {}
    for i, m in enumerate(prev):
        if i not in matched:
            groups.setdefault(keyer(m, y_prev), ([], []))[0].append(i)
    for j, m in enumerate(curr):
        if j not in taken:
            groups.setdefault(keyer(m, y_curr), ([], []))[1].append(j)
    for ps, cs in groups.values():
        if not ps or not cs:
            continue
        if len(ps) == 1 and len(cs) == 1:
            matched[ps[0]] = cs[0]
            continue
        if len(ps) * len(cs) > MAX_COMPARISONS:  # a text repeating one sentence: pair in order
            matched.update(zip(ps, cs, strict=False))
            continue
        scores = sorted(
            ((similarity(_context(prev[i], y_prev), _context(curr[j], y_curr)), -abs(n - k), i, j)
             for n, i in enumerate(ps) for k, j in enumerate(cs)),
            reverse=True,
        )
        used_p: set[int] = set()
        used_c: set[int] = set()
        for score, _dist, i, j in scores:
            if score < MIN_SIMILARITY or i in used_p or j in used_c:
                continue
            matched[i] = j
            used_p.add(i)
            used_c.add(j)


def _pair(prev: Mention | None, curr: Mention | None, y_prev: int, y_curr: int) -> Pair:
    shown, year = (curr, y_curr) if curr is not None else (prev, y_prev)
    assert shown is not None
    section = relative_years(shown.section, year)
    label = relative_years(shown.label, year)
    item = label if not section or section == label else f"{section} {label}"
    return Pair(item=item, unit=shown.unit, prev=prev, curr=curr)
