"""The 実績調査 rows of one submission: KPIs, 取り組み and figures with their variances.

This module assembles; :mod:`kpitool.variance` computes. It parses nothing: every number comes
typed from validation (:class:`~kpitool.validation.values.Values`: 全角, separators, △, units
typed into the cell, percent formats and statistical markers already read, units in their
canonical spelling). The row's 増減 / 増減率 / 評価 and, for KPIs, 達成率 and the suggested
grade come from the one arithmetic module, and this step also decides how the master shows
them (``points``: 増減 in ポイント; ``variance_formula`` / ``achievement_formula``: live
formulas or static values), so the writer only lays the rows out.

Rows are matched across years by their 番号: a row holds both years, so the 番号 (and, for
figures, 取り組み番号 + 項目) is what identifies an indicator from one year's file to the next.

Rows are plain tuples in the column order of :mod:`kpitool.model`, built per file so that
reading can run in worker processes and the master process only concatenates small lists.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kpitool import codes
from kpitool.findings import CATALOGUE, Finding
from kpitool.grades import BASIS_FILLED, BASIS_JUDGED, BASIS_QUALITATIVE, Grades
from kpitool.model import FIGURE_COLUMNS, KPI_COLUMNS, SURVEY_COLUMNS
from kpitool.numbers import MARKER_MEANINGS, PERCENT, unit_scale
from kpitool.spec import DIRECTIONS, NEUTRAL
from kpitool.targets import NUMERIC, QUALITATIVE, is_description, target_kind
from kpitool.variance import (
    Variance,
    achievement_formula_fits,
    achievement_rate,
    progress_formula_fits,
    progress_rate,
    row_variance,
    tally,
    tally_sentence,
    variance_formulas_fit,
)

if TYPE_CHECKING:
    import pandas as pd

    from kpitool.config import Config
    from kpitool.reader import Record, Submission
    from kpitool.structure import SurveyStructure
    from kpitool.validation.values import Quantity, Values

TOTAL = "合計"

# Why a row has no 増減 (Variance.reason), in the word the master and 概要 show for 比較不可:
# never 「増減なし」, which readers take for 横ばい. Markers say which one (comparison_reason).
NOT_COMPARABLE = "比較不可"
REASONS_JA = {
    "missing": "未入力",
    "unit_mismatch": "単位不一致",
    "invalid": "入力誤り",
    "out_of_range": "範囲外",
}


def comparison_reason(reason: str | None, prev_marker: str | None, curr_marker: str | None) -> str | None:
    """比較不可の理由 of a row: 該当なし / 不詳 / 秘匿 (from its markers), 単位不一致, 未入力 …

    None when the row has a variance (or is a 参考値 row, which has one without 評価).
    """
    if not reason:
        return None
    if reason == "marker":
        words = dict.fromkeys(MARKER_MEANINGS[m] for m in (prev_marker, curr_marker) if m in MARKER_MEANINGS)
        return "・".join(words) or "統計記号"
    return REASONS_JA.get(reason, reason)


@dataclass
class SubmissionRows:
    """What one submission contributes: row tuples (model column order) and survey findings."""

    kpis: list[tuple[Any, ...]] = field(default_factory=list)
    survey: list[tuple[Any, ...]] = field(default_factory=list)
    figures: list[tuple[Any, ...]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def _source(file_name: str, ref: str) -> str:
    return f"{file_name}!{ref}" if ref else ""


def _row_ref(record: Record) -> str:
    """The row's first cell (its 番号) as ``sheet!cell``: where the row starts for the user."""
    first = next(iter(record.cells.values()), None)
    return first.ref if first else ""


def _mismatch_finding(value: Quantity, row_unit: str | None, label: str, file_name: str) -> Finding:
    """A cell whose typed unit differs from the row's 単位: no variance, and the reason why.

    The validator reports a typed unit against a filled 単位 as an エラー; the consolidation
    drops this 警告 where that エラー already points at the cell, so it only speaks where the
    validator could not (a blank 単位 with units typed in the cells).
    """
    typed_base, typed_factor = unit_scale(value.unit)
    row_base, row_factor = unit_scale(row_unit)
    scale = ""
    if typed_base == row_base and typed_factor != row_factor:
        bigger, smaller = max(typed_factor, row_factor), min(typed_factor, row_factor)
        scale = f"（{bigger // smaller:,}倍の違いがあります）"
    return CATALOGUE.make(
        codes.CONS_UNIT_MISMATCH,
        file=file_name, sheet=value.sheet, cell=value.cell, label=label, value=value.text,
        typed=value.unit or "", unit=row_unit or "（空欄）", scale=scale,
    )


def _mismatches(values: Iterable[tuple[Quantity, str]], row_unit: str | None) -> list[tuple[Quantity, str]]:
    return [(v, label) for v, label in values if v.number is not None and v.unit is not None and v.unit != row_unit]


def _kpi_row(
    record: Record, values: Values, department: str, file_name: str, grades: Grades,
    labels: Mapping[str, str],
) -> tuple[tuple[Any, ...], list[Finding]]:
    unit_text = record.text("unit")
    row_unit = values.row_unit(record)
    direction = record.text("direction")
    base, target, prev, curr = (values.of(record.cells.get(k)) for k in ("base", "target", "prev", "curr"))
    bad = _mismatches(
        ((base, labels["base"]), (target, labels["target"]), (prev, labels["prev"]), (curr, labels["curr"])),
        row_unit,
    )
    findings = [_mismatch_finding(v, row_unit, label, file_name) for v, label in bad]
    v = row_variance(prev, curr, row_unit, direction)
    achievement = progress = None
    if direction in DIRECTIONS and not any(b is target or b is curr for b, _ in bad):
        achievement = achievement_rate(target.number, curr.number, direction)
        if not any(b is base for b, _ in bad):
            progress = progress_rate(base.number, target.number, curr.number, direction)
    note = record.text("note")
    described = target.text if is_description(target) else ""
    kind = target_kind(target.number, target.marker, described, "" if target.text.strip() else note)
    grade, basis = _grade(record.text("grade"), achievement, kind, grades)
    row = {
        "department": department,
        "no": record.text("no"),
        "policy": record.text("policy"),
        "indicator": record.text("indicator"),
        "unit": unit_text,
        "direction": direction,
        "base": base.number, "target": target.number, "prev": prev.number, "curr": curr.number,
        "base_text": base.text, "target_text": target.text, "prev_text": prev.text, "curr_text": curr.text,
        "base_marker": base.marker, "target_marker": target.marker,
        "prev_marker": prev.marker, "curr_marker": curr.marker,
        "base_year": _year(record, values, "base_year"), "target_year": _year(record, values, "target_year"),
        "target_kind": kind,
        "grade": grade,
        "grade_basis": basis,
        "achievement": achievement,
        "progress": progress,
        "suggested_grade": grades.band(achievement),
        **_variance_fields(v, row_unit, prev, curr),
        "achievement_formula": achievement_formula_fits(achievement, target.number, curr.number, direction),
        "progress_formula": progress_formula_fits(progress, base.number, target.number, curr.number, direction),
        "source": _source(file_name, _row_ref(record)),
        "source_base": _source(file_name, base.ref),
        "source_target": _source(file_name, target.ref),
        "source_prev": _source(file_name, prev.ref),
        "source_curr": _source(file_name, curr.ref),
    }
    return tuple(row[c] for c in KPI_COLUMNS), findings


def _year(record: Record, values: Values, key: str) -> int | None:
    cell = record.cells.get(key)
    return values.year(cell).year if cell is not None and not cell.error else None


def _grade(submitted: str, achievement: float | None, kind: str, grades: Grades) -> tuple[str | None, str | None]:
    """達成状況 and how it came about: the department's letter, or under the rate scheme a
    blank filled from the bands (only for a numeric target with a 達成率)."""
    if submitted:
        return submitted, BASIS_QUALITATIVE if kind == QUALITATIVE else BASIS_JUDGED
    band = grades.band(achievement) if kind == NUMERIC else None
    return (band, BASIS_FILLED) if band else (None, None)


def _variance_fields(v: Variance, row_unit: str | None, prev: Quantity, curr: Quantity) -> dict[str, Any]:
    return {
        "change": v.change, "change_unit": v.change_unit, "rate": v.rate, "rate_text": v.rate_text,
        "evaluation": v.evaluation, "reason": v.reason,
        "points": row_unit == PERCENT,
        "variance_formula": variance_formulas_fit(v, prev.number, curr.number),
    }


def _figure_row(
    record: Record, values: Values, department: str, file_name: str, labels: Mapping[str, str]
) -> tuple[tuple[Any, ...], list[Finding]]:
    unit_text = record.text("unit")
    row_unit = values.row_unit(record)
    direction = record.text("direction")
    prev, curr = (values.of(record.cells.get(k)) for k in ("prev", "curr"))
    bad = _mismatches(((prev, labels["prev"]), (curr, labels["curr"])), row_unit)
    findings = [_mismatch_finding(v, row_unit, label, file_name) for v, label in bad]
    v = row_variance(prev, curr, row_unit, direction)
    row = {
        "department": department,
        "initiative_no": record.text("initiative_no"),
        "item": record.text("item"),
        "unit": unit_text,
        "direction": direction,
        "prev": prev.number, "curr": curr.number, "prev_text": prev.text, "curr_text": curr.text,
        "prev_marker": prev.marker, "curr_marker": curr.marker,
        **_variance_fields(v, row_unit, prev, curr),
        "note": record.text("note"),
        "source": _source(file_name, _row_ref(record)),
        "source_prev": _source(file_name, prev.ref),
        "source_curr": _source(file_name, curr.ref),
    }
    return tuple(row[c] for c in FIGURE_COLUMNS), findings


def _survey_row(record: Record, department: str, file_name: str, structure: SurveyStructure) -> tuple[Any, ...]:
    """One 取り組み; 視点 as configured (「視点１」 → the list's spelling) with its 中見出し."""
    typed = record.text("viewpoint")
    viewpoint, heading = structure.resolve(typed) or (typed, "")
    row = {
        "department": department,
        "no": record.text("no"),
        "viewpoint": viewpoint,
        "heading": heading,
        "initiative": record.text("initiative"),
        "content": record.text("content"),
        "plan": record.text("plan"),
        "prev": record.text("prev"),
        "curr": record.text("curr"),
        "source": _source(file_name, _row_ref(record)),
    }
    return tuple(row[c] for c in SURVEY_COLUMNS)


def submission_rows(
    sub: Submission, values: Values, config: Config, *, department: str, file_name: str
) -> SubmissionRows:
    """The KPI, 取り組み and figure rows of one submission, and its unit-mismatch findings.

    ``values`` are the typed values validation read from ``sub``
    (:attr:`kpitool.validate.FileResult.values`). ``department`` is the name the rows carry
    (the roster's spelling when the file's 部局名 matched it); ``file_name`` prefixes every
    source reference.
    """
    grades = config.grades
    out = SubmissionRows()
    kpi_labels = {c.key: c.label for c in sub.spec.sheet("kpis").columns}
    figure_labels = {c.key: c.label for c in sub.spec.sheet("figures").columns}
    for record in sub.kpis:
        row, findings = _kpi_row(record, values, department, file_name, grades, kpi_labels)
        out.kpis.append(row)
        out.findings.extend(findings)
    for record in sub.survey:
        out.survey.append(_survey_row(record, department, file_name, config.survey))
    for record in sub.figures:
        row, findings = _figure_row(record, values, department, file_name, figure_labels)
        out.figures.append(row)
        out.findings.extend(findings)
    return out


# --- tallies of 達成状況 ------------------------------------------------------------------


def normalize_grade(grade: object, grades: Grades) -> str | None:
    """A submitted 達成状況 as a tally key: 全角 Ａ reads A; blank or unknown is None (未評価).

    An unknown grade is an エラー finding of the validator, so such a file is only here when
    the office chose to consolidate files with errors; counting it as 未評価 keeps the totals
    equal to the number of KPIs instead of stopping the run.
    """
    if grade is None or (isinstance(grade, float) and grade != grade):
        return None
    key = unicodedata.normalize("NFKC", str(grade)).strip()
    return key if key in grades.letters else None


def grade_tallies(kpis: pd.DataFrame, config: Config) -> dict[str, dict[str, int]]:
    """達成状況 counts per department (in the order they appear) and in total (key :data:`TOTAL`).

    Each count dict has every configured grade, best first, then 未評価. 参考値 rows (方向 →)
    are not graded and not counted (概要 says how many were left out).
    """
    grades = config.grades
    per_department: dict[str, list[str | None]] = {}
    directions = kpis["direction"] if "direction" in kpis else [None] * len(kpis)
    for department, grade, direction in zip(kpis["department"], kpis["grade"], directions, strict=True):
        values = per_department.setdefault(str(department), [])
        if direction != NEUTRAL:
            values.append(normalize_grade(grade, grades))
    out = {name: tally(values, grades.letters) for name, values in per_department.items()}
    out[TOTAL] = tally((g for values in per_department.values() for g in values), grades.letters)
    return out


def tally_sentences(
    tallies: Mapping[str, Mapping[str, int]], grades: Grades, subject: str | None = None
) -> dict[str, str]:
    """The sentence per department and in total: 成果指標60件のうち、A（目標どおり達成）49件…"""
    meanings = dict(zip(grades.letters, grades.labels, strict=True))
    noun = subject or grades.subject
    return {name: tally_sentence(counts, noun, meanings) for name, counts in tallies.items()}
