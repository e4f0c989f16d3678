"""Do a department's 実績 texts and its 実績数値 rows say the same numbers?

A department types each figure twice — in the 実績 text of 実績調査 (「①提出件数：498件」) and as a
row of 実績数値 (業務改善 提出件数 | 件 | 489) — and the two drift. Within one file, for each
取り組み (by 取り組み番号):

- a 実績数値 value whose 項目 and 単位 match a figure of the same year's text, but whose value
  differs, is a warning (W-NARR-001) at the figure's cell quoting the text and its cell;
- a figure of the text that no 実績数値 row of that 取り組み covers is information (I-NARR-001)
  at the text's cell, suggesting the row (項目, 単位, both years' values). It is never added:
  the department decides.

Approximate figures (約, 以上 …) and ranges are not compared: they are not the exact figure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from kpitool import codes
from kpitool.narrative.extract import Mention, extract
from kpitool.narrative.pairing import Pair, label_key, pair_mentions
from kpitool.numbers import format_number, unit_key, unit_scale
from kpitool.reader import CellValue, Record
from kpitool.spec import TemplateSpec
from kpitool.validation.context import Context, normalized, usable

__all__ = ["UNCONFIRMED", "check_narrative_figures", "check_unconfirmed", "covers", "quote"]

# Put by import-survey on every value it prefills; the department removes it after checking.
UNCONFIRMED = "【要確認】"

YEAR_KEYS = ("prev", "curr")
# Longer texts do not fit an Excel cell (E-CELL-005 says so); they are not read for figures.
MAX_TEXT = 32_767
# Suggestions (I-NARR-001) per 取り組み: enough to act on, never thousands for one pasted text.
MAX_SUGGESTIONS = 30


@dataclass(frozen=True)
class _Text:
    """The mentions of one 実績 cell."""

    cell: CellValue
    mentions: list[Mention]


_SENTENCE_END_RE = re.compile(r"[。\n]")
_WORD_START_RE = re.compile(r"[、,\s・:：（(]")


def quote(text: str, m: Mention, before: int = 20) -> str:
    """The figure with the words just before it, within its sentence: 「①提出件数：498件」."""
    lead = text[max(0, m.start - before):m.start]
    lead = _SENTENCE_END_RE.split(lead)[-1]
    if len(lead) >= before - 1 and (cut := _WORD_START_RE.search(lead[:-4])):
        lead = lead[cut.end():]  # start at a word, not inside one
    lead = lead.lstrip(" 、,・")
    return f"{lead}{text[m.start:m.end]}"


_PURE_MEASURES = frozenset(("件数", "人数", "回数", "者数", "数", "額", "金額", "総額", "件", "人"))


def _squeeze(text: str) -> str:
    return text.replace("の", "").replace("・", "")


@lru_cache(maxsize=8192)  # the same 項目, labels and texts recur per row, per pair and per file
def _tier_of(item: str, mention_item: str, mention_label: str, year: int, text: str) -> int:
    """How well a 項目 names a mention: 1 section and label, 2 label, 3 one ends the other,
    4 the label inside the 項目 with only a measure word or words of the text around it
    (「業務改善 経費削減額」 for 「経費削減8,782,546円」), 0 not at all."""
    want = label_key(item, year)
    full, label = label_key(mention_item, year), label_key(mention_label, year)
    if not want or not label:
        return 0
    if want == full:
        return 1
    if want == label or _squeeze(want) == _squeeze(label):
        return 2
    if (len(label) >= 2 and want.endswith(label)) or (len(want) >= 2 and label.endswith(want)):
        return 3
    squeezed, inner = _squeeze(want), _squeeze(label)
    at = squeezed.find(inner) if len(inner) >= 2 else -1
    if at >= 0:
        context = _squeezed_text(text, year)
        rest = (squeezed[:at], squeezed[at + len(inner):])
        if all(not r or r in _PURE_MEASURES or r in context for r in rest):
            return 4
    return 0


@lru_cache(maxsize=1024)
def _squeezed_text(text: str, year: int) -> str:
    return _squeeze(label_key(text, year))


def _in_unit(value: float, unit: str, target: str) -> float | None:
    """``value`` in ``unit`` expressed in ``target`` (千円 <-> 円), or None when they differ."""
    factors = _unit_factors(unit, target)
    if factors is None:
        return None
    if not factors:
        return value
    factor, target_factor = factors
    return value * factor / target_factor


@lru_cache(maxsize=1024)
def _unit_factors(unit: str, target: str) -> tuple[int, int] | tuple[()] | None:
    """How ``unit`` converts to ``target``: () the same unit, (factor, target factor), None never."""
    if unit_key(unit) == unit_key(target):
        return ()
    base, factor = unit_scale(unit)
    target_base, target_factor = unit_scale(target)
    if base is None or base != target_base:
        return None
    return factor, target_factor


def covers(item: str, unit: str, m: Mention, year: int, text: str = "") -> int:
    """The match tier of a 実績数値 row (項目, 単位) for a mention of ``text``; 0: not the same figure."""
    if _unit_factors(m.unit, unit) is None:
        return 0  # most rows and figures differ in unit: decided before naming the figure
    return _tier_of(_bare_item(item, unit), m.item, m.label, year, text)


@lru_cache(maxsize=4096)
def _bare_item(item: str, unit: str) -> str:
    """A 項目 without its unit in brackets or a trailing row number: 経費削減（円）, 寄附 2."""
    return re.sub(rf"[（(]{re.escape(unit)}[)）]( \d+)?$| \d+$", "", item.strip())


def _best(item: str, unit: str, mentions: Sequence[Mention], year: int, text: str) -> list[Mention]:
    scored = [(covers(item, unit, m, year, text), m) for m in mentions]
    scored = [(t, m) for t, m in scored if t]
    if not scored:
        return []
    top = min(t for t, _m in scored)
    return [m for t, m in scored if t == top]


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def check_unconfirmed(ctx: Context) -> None:
    """E-NARR-001 for each imported value still marked 【要確認】: never consolidated unchecked."""
    for sheet_key, keys in (("survey", ("prev", "curr")), ("figures", ("note",))):
        sheet = ctx.sub.spec.sheet(sheet_key)
        for record in ctx.sub.records(sheet_key):
            for key in keys:
                cell = record.cells.get(key)
                if usable(cell) and UNCONFIRMED in cell.text:
                    ctx.add(codes.NARR_UNCONFIRMED, cell, label=sheet.column(key).label, value=cell.text[:40])


def check_narrative_figures(ctx: Context) -> None:
    """W-NARR-001 for a 実績数値 value the text contradicts; I-NARR-001 for a figure with no row."""
    spec = ctx.sub.spec
    years = tuple(spec.fiscal_years)
    texts: dict[str, dict[str, _Text]] = {}
    for record in ctx.sub.survey:
        no = normalized(record.text("no"))
        if not no or no in texts:
            continue
        texts[no] = {}
        for key in YEAR_KEYS:
            cell = record.cells.get(key)
            if usable(cell) and isinstance(cell.value, str) and len(cell.value) <= MAX_TEXT:
                exact = [m for m in extract(cell.value) if not m.approximate and not m.is_range]
                texts[no][key] = _Text(cell, exact)
    rows: dict[str, list[Record]] = {}
    for record in ctx.sub.figures:
        no = normalized(record.text("initiative_no"))
        if no in texts:
            rows.setdefault(no, []).append(record)
    figures_label = spec.sheet("figures")
    for no, records in rows.items():
        for record in records:
            item, unit = record.text("item"), record.text("unit")
            if not item or not unit:
                continue
            for key, year in zip(YEAR_KEYS, years, strict=True):
                text = texts[no].get(key)
                cell = record.cells.get(key)
                if text is None or not usable(cell):
                    continue
                parsed = ctx.number(cell)
                if parsed.kind != "number" or parsed.value is None:
                    continue
                row_unit = parsed.unit or unit
                candidates = _best(item, row_unit, text.mentions, year, text.cell.value)
                values = [_in_unit(m.value, m.unit, row_unit) for m in candidates]
                if not candidates or any(v is not None and _same(v, parsed.value) for v in values):
                    continue
                m = candidates[0]
                ctx.add(codes.NARR_FIGURE_DIFFERS, cell, label=figures_label.column(key).label,
                        text_cell=text.cell.ref, quote=quote(text.cell.value, m),
                        item=item, figure=format_number(parsed.value), unit=unit)
    labels = _labels(spec)
    for no, by_year in texts.items():
        prev, curr = by_year.get("prev"), by_year.get("curr")
        pairs = pair_mentions(prev.mentions if prev else [], curr.mentions if curr else [], years)
        named = [(r.text("item"), r.text("unit")) for r in rows.get(no, [])]
        for pair in [p for p in pairs if not _covered(p, named, years, (_text_of(prev), _text_of(curr)))][
                :MAX_SUGGESTIONS]:
            _suggest(ctx, pair, prev, curr, no, labels)


def _text_of(found: _Text | None) -> str:
    return found.cell.value if found is not None else ""


def _covered(pair: Pair, named: Sequence[tuple[str, str]], years: tuple[int, ...], texts: tuple[str, str]) -> bool:
    """Whether a 実績数値 row of the 取り組み, given as its (項目, 単位), covers either figure."""
    found = [(m, year, text) for m, year, text in ((pair.prev, years[0], texts[0]), (pair.curr, years[1], texts[1]))
             if m is not None]
    for item, unit in named:
        if item and unit:
            for m, year, text in found:
                if covers(item, unit, m, year, text):
                    return True
    return False


def _suggest(ctx: Context, pair: Pair, prev: _Text | None, curr: _Text | None, no: str,
             labels: tuple[dict[str, str], dict[str, str]]) -> None:
    where = curr if pair.curr is not None else prev
    assert where is not None
    shown = pair.curr if pair.curr is not None else pair.prev
    assert shown is not None
    figures, survey = labels
    values = "、".join(
        f"{figures[key]} {format_number(m.value)}"
        for key, m in (("prev", pair.prev), ("curr", pair.curr)) if m is not None
    )
    ctx.add(codes.NARR_FIGURE_WITHOUT_ROW, where.cell, label=survey["curr" if where is curr else "prev"],
            value=shown.text, quote=quote(where.cell.value, shown), initiative=no, item=pair.item,
            unit=pair.unit, values=values)


def _labels(spec: TemplateSpec) -> tuple[dict[str, str], dict[str, str]]:
    """The 前年度/当年度 column labels of 実績数値 and 実績調査, looked up once per file."""
    figures, survey = spec.sheet("figures"), spec.sheet("survey")
    return ({key: figures.column(key).label for key in YEAR_KEYS},
            {key: survey.column(key).label for key in YEAR_KEYS})
