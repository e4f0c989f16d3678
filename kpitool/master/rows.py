"""The rows of the master's data sheets, built from a Consolidation as the survey decided.

Each builder yields one list of cells (:class:`~kpitool.master.layout.Number`,
:class:`~kpitool.master.layout.Formula`, :class:`~kpitool.master.layout.Link`, text, dates,
blanks) per row, in the column order of :func:`kpitool.master.layout.layouts`. Where a row gets
live formulas or static values, and whether its 増減 is in ポイント, comes with the row
(``variance_formula``, ``achievement_formula``, ``progress_formula``, ``points``); nothing here
reads a unit or compares a formula's result again. 経年推移's rows come from
:mod:`kpitool.master.trend`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from kpitool.master.layout import (
    COUNT_FORMAT,
    FIGURES,
    FINDINGS,
    FIRST_DATA_ROW,
    KPIS,
    NO,
    SIZE_FORMAT,
    SUBMISSIONS,
    SURVEY,
    YEAR_FORMAT,
    YES,
    Cell,
    Formula,
    Link,
    Number,
    SheetLayout,
    SourceLinks,
    cell_refs,
    clean,
    direction_words,
    frame_records,
    text,
)
from kpitool.variance import (
    ACHIEVEMENT_FORMAT,
    RATE_FORMAT,
    Variance,
    achievement_formula,
    cached_achievement,
    cached_change,
    cached_evaluation,
    cached_progress,
    cached_rate,
    change_format,
    change_formula,
    decimals_shown,
    evaluation_formula,
    progress_formula,
    rate_formula,
)

if TYPE_CHECKING:
    from kpitool.model import Consolidation


def _value_cell(number: Any, marker: Any, written: Any, num_format: str) -> Cell:
    """A value as the formulas need it: a number, else the marker, else the text as written."""
    number = clean(number)
    if number is not None:
        return Number(float(number), num_format)
    return text(marker) or text(written)


def _row_variance(row: Mapping[str, Any]) -> Variance:
    return Variance(row["change"], row["change_unit"], row["rate"], row["rate_text"], row["evaluation"], row["reason"])


def _variance_cells(row: Mapping[str, Any], refs: Mapping[str, str], places: int) -> dict[str, Cell]:
    """増減 / 増減率 / 評価 cells as the survey decided: live formulas caching its values, or static."""
    v = _row_variance(row)
    python = (cached_change(v), cached_rate(v), cached_evaluation(v))
    points = bool(row["points"])
    change_fmt = change_format(max(places, 1), points=True) if points else change_format(places)
    if row["variance_formula"]:
        return {
            "change": Formula(change_formula(refs["prev"], refs["curr"]), python[0], change_fmt),
            "rate": Formula(rate_formula(refs["prev"], refs["curr"], points), python[1], RATE_FORMAT),
            "evaluation": Formula(evaluation_formula(refs["change"], refs["direction"]), python[2]),
        }
    change = Number(python[0], change_fmt) if isinstance(python[0], float) else (python[0] or None)
    rate = Number(python[1], RATE_FORMAT) if isinstance(python[1], float) else (python[1] or None)
    return {"change": change, "rate": rate, "evaluation": python[2] or None}


def _reason(row: Mapping[str, Any]) -> str | None:
    """比較不可の理由 in one word (該当なし, 不詳, 秘匿, 単位不一致, 未入力 …)."""
    from kpitool.survey import comparison_reason

    return comparison_reason(row["reason"], row["prev_marker"], row["curr_marker"])


RowBuilder = Callable[["Consolidation", SheetLayout, SourceLinks], Iterator[list[Cell]]]


def submission_rows(c: Consolidation, layout: SheetLayout, links: SourceLinks) -> Iterator[list[Cell]]:
    """提出状況: one row per file (linked) and per department without a file."""
    from kpitool.dates import wareki

    for row in frame_records(c.table("submissions")):
        file = text(row["file"])
        created: Any = text(row["created"])
        created_wareki = None
        if created:
            try:
                created = dt.date.fromisoformat(created)
                created_wareki = wareki(created)
            except ValueError:
                pass
        cells = {
            "department": text(row["department"]), "status": text(row["status"]),
            "included": YES if row["included"] else NO,
            "file": Link(file, links.url(file)) if file else None,
            "size": Number(float(row["size"]), SIZE_FORMAT) if file and row["size"] is not None else None,
            "sha256": text(row["sha256"]), "modified": text(row["modified"]),
            "created": created, "created_wareki": created_wareki,
            "head": text(row["head"]), "contact_person": text(row["contact_person"]), "contact": text(row["contact"]),
            "errors": Number(float(row["errors"] or 0), COUNT_FORMAT),
            "warnings": Number(float(row["warnings"] or 0), COUNT_FORMAT),
            "note": text(row["note"]),
        }
        yield [cells[k] for k in layout.keys[:-1]]


def survey_rows(c: Consolidation, layout: SheetLayout, links: SourceLinks) -> Iterator[list[Cell]]:
    """実績調査: the texts of each 取り組み, exactly as submitted."""
    for row in frame_records(c.table("survey")):
        cells = {k: text(row[k]) for k in layout.keys[:-1] if k != "source"}
        cells["source"] = links.source(row["source"])
        yield [cells[k] for k in layout.keys[:-1]]


def figure_rows(c: Consolidation, layout: SheetLayout, links: SourceLinks) -> Iterator[list[Cell]]:
    """実績数値: one row per figure with its 増減 / 増減率 / 評価, and its 取り組み's name."""
    names = {(r["department"], r["no"]): r["initiative"] for r in frame_records(c.table("survey"))}
    for excel_row, row in enumerate(frame_records(c.table("figures")), start=FIRST_DATA_ROW):
        places = decimals_shown(row["prev"], row["curr"])
        fmt = change_format(places)
        cells: dict[str, Cell] = {
            "prev": _value_cell(row["prev"], row["prev_marker"], row["prev_text"], fmt),
            "curr": _value_cell(row["curr"], row["curr_marker"], row["curr_text"], fmt),
        }
        refs = cell_refs(layout, excel_row, "prev", "curr", "change", "direction")
        cells |= _variance_cells(row, refs, places)
        for key in ("department", "initiative_no", "item", "unit", "direction", "change_unit", "note",
                    "prev_text", "curr_text", "source_prev", "source_curr"):
            cells[key] = text(row[key])
        cells["direction_words"] = direction_words(row["direction"])
        cells["reason"] = _reason(row)
        cells["source"] = links.source(row["source"])
        cells["initiative_name"] = text(names.get((row["department"], row["initiative_no"])))
        yield [cells[k] for k in layout.keys[:-1]]


def kpi_rows(c: Consolidation, layout: SheetLayout, links: SourceLinks) -> Iterator[list[Cell]]:
    """事業成果目標: one row per KPI with 達成率 and the prev→curr variance."""
    for excel_row, row in enumerate(frame_records(c.table("kpis")), start=FIRST_DATA_ROW):
        places = decimals_shown(row["target"], row["prev"], row["curr"])
        fmt = change_format(places)
        cells: dict[str, Cell] = {
            key: _value_cell(row[key], row[f"{key}_marker"], row[f"{key}_text"], fmt)
            for key in ("base", "target", "prev", "curr")
        }
        refs = cell_refs(layout, excel_row, "base", "target", "prev", "curr", "change", "direction")
        cells |= _variance_cells(row, refs, places)
        python = cached_achievement(row["achievement"])
        if row["achievement_formula"]:
            formula = achievement_formula(refs["target"], refs["curr"], refs["direction"])
            cells["achievement"] = Formula(formula, python, ACHIEVEMENT_FORMAT)
        else:
            cells["achievement"] = Number(python, ACHIEVEMENT_FORMAT) if isinstance(python, float) else None
        python = cached_progress(row["progress"])
        if row["progress_formula"]:
            formula = progress_formula(refs["base"], refs["target"], refs["curr"], refs["direction"])
            cells["progress"] = Formula(formula, python, ACHIEVEMENT_FORMAT)
        else:
            cells["progress"] = Number(python, ACHIEVEMENT_FORMAT) if isinstance(python, float) else None
        for key in ("base_year", "target_year"):
            year = clean(row[key])
            cells[key] = Number(float(year), YEAR_FORMAT) if year is not None else None
        for key in ("department", "no", "policy", "indicator", "unit", "direction", "grade", "grade_basis",
                    "suggested_grade", "target_kind", "change_unit", "base_text", "target_text", "prev_text",
                    "curr_text", "source_base", "source_target", "source_prev", "source_curr"):
            cells[key] = text(row[key])
        cells["direction_words"] = direction_words(row["direction"])
        cells["reason"] = _reason(row)
        cells["source"] = links.source(row["source"])
        yield [cells[k] for k in layout.keys[:-1]]


def finding_rows(c: Consolidation, layout: SheetLayout, links: SourceLinks) -> Iterator[list[Cell]]:
    """検証結果: every finding, with a link to the cell it is about."""
    for row in frame_records(c.table("findings")):
        cells = {k: text(row.get(k)) for k in layout.keys[:-2]}
        file, sheet, cell = cells["file"], cells["sheet"], cells["cell"]
        source = "!".join(p for p in (file, sheet, cell) if p) if file else None
        cells["source"] = Link(source, links.url(file or "", sheet or "", cell or "")) if source else None
        yield [cells[k] for k in layout.keys[:-1]]


# 経年推移's rows come from kpitool.master.trend (which builds on this module): see
# kpitool.master.tables.ROW_BUILDERS for every data sheet.
ROW_BUILDERS: dict[str, RowBuilder] = {
    SUBMISSIONS: submission_rows, SURVEY: survey_rows, FIGURES: figure_rows, KPIS: kpi_rows,
    FINDINGS: finding_rows,
}
