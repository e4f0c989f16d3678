"""The validation rules, declared as data over the template spec.

One place to read what is checked. The spec (:mod:`kpitool.spec`) names, per column, a kind
and the checks that apply; this module says what each kind and each check means:

- :data:`FILE_PROBLEM_CODES` — a file that is not a readable workbook.
- :func:`check_package`, :func:`check_template`, :data:`STRUCTURE_CODES` — macros, links,
  the template's identity, missing sheets and renamed headers.
- :data:`REQUIRED_CODES` — required columns left empty, per sheet.
- :func:`check_cell` — what any cell may hold (formula errors, control characters, spaces…).
- :data:`KIND_RULES` — a value of the column's kind (number, date, 方向, 達成状況, 番号).
- :data:`CHECKS` — the named checks of ``Column.checks`` (unique, in_roster, year_jump…).

Rules only add findings to a :class:`Context`; running them in order and guarding each
against exceptions is :mod:`kpitool.validate`'s job. Every rule is O(cells) of one file.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kpitool import codes
from kpitool.codes import CATALOGUE
from kpitool.numbers import (
    ParsedNumber,
    format_number,
    parse_date,
    parse_number,
    unit_key,
    unit_scale,
)
from kpitool.package import FileProblem
from kpitool.reader import MAX_ROWS, CellValue, Record
from kpitool.spec import (
    DIRECTIONS,
    TEMPLATE_ID,
    TEMPLATE_VERSION,
    Column,
    Kind,
    SheetSpec,
    fiscal_year_label,
)
from kpitool.variance import GradeThresholds, achievement_rate, suggest_grade

if TYPE_CHECKING:
    from kpitool.config import Config
    from kpitool.findings import Finding
    from kpitool.reader import Submission

JST = dt.timezone(dt.timedelta(hours=9), "JST")


class Context:
    """What every rule sees: the submission, the config, and the findings collected so far."""

    def __init__(self, sub: Submission, config: Config) -> None:
        self.sub = sub
        self.config = config
        self.file = sub.path.name
        self.findings: list[Finding] = []
        self.thresholds = GradeThresholds(config.grades.letters, config.grades.minimum_rates)
        self._numbers: dict[tuple[str, str], ParsedNumber] = {}

    def add(
        self,
        code: str,
        cell: CellValue | None = None,
        *,
        sheet: str = "",
        label: str = "",
        value: object = None,
        **params: object,
    ) -> None:
        """Record one finding at ``cell`` (or at ``sheet`` when there is no cell)."""
        self.findings.append(
            CATALOGUE.make(
                code,
                file=self.file,
                sheet=cell.sheet if cell else sheet,
                cell=cell.cell if cell else "",
                label=label,
                value=(cell.text if cell else "") if value is None else value,
                **params,
            )
        )

    def number(self, cell: CellValue) -> ParsedNumber:
        """The cell read as a number, parsed once per cell and shared by all rules."""
        key = (cell.sheet, cell.cell)
        parsed = self._numbers.get(key)
        if parsed is None:
            parsed = parse_number(cell.value, percent_format=cell.percent)
            self._numbers[key] = parsed
        return parsed

    def rows(self, sheet: SheetSpec) -> list[Record]:
        """The sheet's records; the 基本情報 form is one record of its fields."""
        if sheet.layout == "form":
            return [Record(sheet.key, 0, self.sub.basic)] if self.sub.basic else []
        return self.sub.records(sheet.key)

    def has_problem(self, sheet_name: str, *kinds: str) -> bool:
        return any(p.sheet == sheet_name and p.kind in kinds for p in self.sub.structure)


def normalized(text: str) -> str:
    """Compare what users type: NFKC (全角 -> 半角) and no surrounding spaces."""
    return unicodedata.normalize("NFKC", text).strip()


def is_blank(cell: CellValue | None) -> bool:
    return cell is not None and cell.is_empty


def _usable(cell: CellValue | None) -> bool:
    """A cell with a value to check: present, not empty, not a formula error or uncalculated."""
    return cell is not None and not cell.is_empty and cell.error is None and not cell.uncached


# --- file level ----------------------------------------------------------------------------

FILE_PROBLEM_CODES: dict[FileProblem, str] = {
    FileProblem.NOT_FOUND: codes.FILE_NOT_FOUND,
    FileProblem.EMPTY: codes.FILE_EMPTY,
    FileProblem.LEGACY_XLS: codes.FILE_LEGACY_XLS,
    FileProblem.ENCRYPTED: codes.FILE_ENCRYPTED,
    FileProblem.XLSB: codes.FILE_XLSB,
    FileProblem.CSV_OR_TEXT: codes.FILE_CSV_OR_TEXT,
    FileProblem.NOT_A_ZIP: codes.FILE_NOT_A_ZIP,
    FileProblem.TRUNCATED_ZIP: codes.FILE_DAMAGED,
    FileProblem.NOT_SPREADSHEET: codes.FILE_NOT_SPREADSHEET,
    FileProblem.STRICT_OOXML: codes.FILE_STRICT_OOXML,
    FileProblem.ZIP_BOMB: codes.FILE_ZIP_BOMB,
    FileProblem.XML_ATTACK: codes.FILE_XML_ATTACK,
    FileProblem.TOO_LARGE: codes.FILE_TOO_LARGE,
}


def check_package(ctx: Context) -> None:
    """Macros and links to other workbooks: read as values only, but the sender should know."""
    info = ctx.sub.info
    if info.has_macros:
        ctx.add(codes.FILE_HAS_MACROS)
    if info.external_links:
        ctx.add(codes.FILE_EXTERNAL_LINKS, count=info.external_links)


def _years_label(years: tuple[int, int]) -> str:
    return f"{fiscal_year_label(years[0])}・{fiscal_year_label(years[1])}"


def check_template(ctx: Context) -> bool:
    """The workbook is this year's kpitool template. False: not a template, stop validating.

    A workbook without the hidden identity sheet but with the template's sheets is most
    likely the template's sheets copied into a new book: warn and validate it anyway.
    """
    sub, meta = ctx.sub, ctx.sub.meta
    template_id = meta.get("template_id")
    if template_id != TEMPLATE_ID:
        present = [s for s in sub.spec.sheets if not ctx.has_problem(s.name, "missing_sheet")]
        if template_id is None and present:
            ctx.add(codes.TPL_NO_IDENTITY)
            return True
        ctx.add(codes.TPL_NOT_TEMPLATE)
        return False
    version = meta.get("template_version")
    if version != TEMPLATE_VERSION:
        ctx.add(codes.TPL_VERSION, value=version, found=version, expected=TEMPLATE_VERSION)
    try:
        years = (int(meta["fiscal_year_prev"]), int(meta["fiscal_year_curr"]))
    except (KeyError, TypeError, ValueError):
        return True
    if years != tuple(ctx.config.fiscal_years):
        found = _years_label(years)
        ctx.add(codes.TPL_YEARS, value=found, found=found, expected=_years_label(ctx.config.fiscal_years))
    return True


# reader.StructureProblem.kind -> code; the label or value is the problem's detail.
STRUCTURE_CODES: dict[str, str] = {
    "missing_sheet": codes.STRUCT_MISSING_SHEET,
    "missing_header_row": codes.STRUCT_MISSING_HEADER_ROW,
    "missing_column": codes.STRUCT_MISSING_COLUMN,
    "too_many_rows": codes.STRUCT_TOO_MANY_ROWS,
    "missing_label": codes.STRUCT_MISSING_LABEL,
    "extra_column": codes.STRUCT_EXTRA_COLUMN,
    "not_template": codes.TPL_NOT_TEMPLATE,
    "template_version": codes.TPL_VERSION,
    "template_years": codes.TPL_YEARS,
}
_DETAIL_IS_LABEL = frozenset(("missing_column", "missing_label"))


def check_structure(ctx: Context) -> None:
    for problem in ctx.sub.structure:
        as_label = problem.kind in _DETAIL_IS_LABEL
        ctx.findings.append(
            CATALOGUE.make(
                STRUCTURE_CODES[problem.kind],
                file=ctx.file,
                sheet=problem.sheet,
                cell=problem.cell,
                label=problem.detail if as_label else "",
                value="" if as_label else problem.detail,
                limit=f"{MAX_ROWS:,}",
            )
        )


def check_empty_tables(ctx: Context) -> None:
    """A table sheet with no rows at all: fine if nothing applies, but often an oversight."""
    for sheet in ctx.sub.spec.sheets:
        if sheet.layout != "table" or ctx.has_problem(sheet.name, "missing_sheet", "missing_header_row"):
            continue
        if not ctx.rows(sheet):
            ctx.add(codes.STRUCT_EMPTY_TABLE, sheet=sheet.name)


# --- every cell --------------------------------------------------------------------------

REQUIRED_CODES: dict[str, str] = {
    "basic": codes.BASIC_REQUIRED,
    "kpis": codes.KPI_REQUIRED,
    "survey": codes.SURVEY_REQUIRED,
    "figures": codes.FIG_REQUIRED,
}

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # tab and line breaks are fine
_SPACES = " \t\r\n\u3000\u00a0\u200b\ufeff"
FORMULA_PREFIXES = ("=", "+", "-", "@")


def check_required(ctx: Context, sheet: SheetSpec, column: Column, cell: CellValue | None) -> None:
    if column.required and is_blank(cell):
        ctx.add(REQUIRED_CODES[sheet.key], cell, label=column.label, prompt=column.prompt)


def check_cell(ctx: Context, column: Column, cell: CellValue) -> bool:
    """What any cell may hold. False when the cell has no usable value (error, uncalculated)."""
    if cell.error is not None:
        ctx.add(codes.CELL_FORMULA_ERROR, cell, label=column.label)
        return False
    if cell.uncached:
        ctx.add(codes.CELL_UNCACHED_FORMULA, cell, label=column.label)
        return False
    if cell.formula:
        ctx.add(codes.CELL_FORMULA, cell, label=column.label)
    text = cell.value
    if not isinstance(text, str):
        return True
    if _CONTROL_RE.search(text):
        ctx.add(codes.CELL_CONTROL_CHARS, cell, label=column.label, value=_CONTROL_RE.sub("?", text))
    if column.kind is Kind.NUMBER:
        return True  # the number rule reads spaces and signs; it reports what it cannot read
    if text != text.strip(_SPACES):
        ctx.add(codes.CELL_SPACES, cell, label=column.label)
    if text.startswith(FORMULA_PREFIXES) and ctx.number(cell).kind != "marker":  # a lone - is 該当なし
        ctx.add(codes.CELL_FORMULA_LIKE, cell, label=column.label)
    return True


# --- values by the column's kind ---------------------------------------------------------

KindFn = Callable[[Context, SheetSpec, Record, Column, CellValue], None]

NUMBER_REASON_CODES: dict[str, str] = {
    "not_a_number": codes.NUM_NOT_A_NUMBER,
    "bad_separator": codes.NUM_NOT_A_NUMBER,
    "approximate": codes.NUM_APPROXIMATE,
    "pending": codes.NUM_PENDING,
    "multiple_numbers": codes.NUM_MULTIPLE,
    "date": codes.NUM_DATE,
    "excel_error": codes.CELL_FORMULA_ERROR,
}
RANK_UNIT = "位"


def check_number(ctx: Context, sheet: SheetSpec, record: Record, column: Column, cell: CellValue) -> None:
    """A number, a statistical marker or a unit typed with the number; never a guess."""
    if isinstance(cell.value, dt.date):
        ctx.add(codes.NUM_DATE, cell, label=column.label)
        return
    parsed = ctx.number(cell)
    if parsed.kind == "invalid":
        ctx.add(NUMBER_REASON_CODES.get(parsed.reason or "", codes.NUM_NOT_A_NUMBER), cell, label=column.label)
    elif parsed.kind == "number" and RANK_UNIT in (parsed.unit, unit_key(record.text("unit"))):
        value = parsed.value or 0.0
        if value < 1 or not value.is_integer():
            ctx.add(codes.NUM_BAD_RANK, cell, label=column.label)


_DATE_REASON_CODES: dict[str, tuple[str, str]] = {
    "impossible_date": (codes.DATE_IMPOSSIBLE, ""),
    "weekday_mismatch": (codes.DATE_IMPOSSIBLE, "（曜日が合いません）"),
    "ambiguous": (codes.DATE_AMBIGUOUS, ""),
}
IMPLAUSIBLE_DATE_CODES: dict[str, str] = {"basic": codes.BASIC_DATE_IMPLAUSIBLE}


def check_date(ctx: Context, sheet: SheetSpec, record: Record, column: Column, cell: CellValue) -> None:
    """A real date: 和暦 or 西暦 text, a date cell or a serial (1900 or 1904 system)."""
    parsed = parse_date(cell.value, date1904=ctx.sub.info.date1904)
    if parsed.kind == "invalid":
        code, detail = _DATE_REASON_CODES.get(parsed.reason or "", (codes.DATE_NOT_A_DATE, ""))
        ctx.add(code, cell, label=column.label, detail=detail)
        return
    if parsed.value is None or sheet.key not in IMPLAUSIBLE_DATE_CODES:
        return
    today = dt.datetime.now(JST).date()
    earliest = dt.date(ctx.config.fiscal_years[0], 4, 1)
    if parsed.value > today:
        reason = "未来の日付です"
    elif parsed.value < earliest:
        reason = f"前年度の初日（{_slashed(earliest)}）より前です"
    else:
        return
    ctx.add(IMPLAUSIBLE_DATE_CODES[sheet.key], cell, label=column.label,
            date=_slashed(parsed.value), reason=reason)


def _slashed(d: dt.date) -> str:
    """2024/4/1, as Japanese forms write dates (strftime's %-m is not portable)."""
    return f"{d.year}/{d.month}/{d.day}"


DIRECTION_CODES: dict[str, str] = {"kpis": codes.KPI_BAD_DIRECTION, "figures": codes.FIG_BAD_DIRECTION}


def check_direction(ctx: Context, sheet: SheetSpec, record: Record, column: Column, cell: CellValue) -> None:
    if cell.text.strip() not in DIRECTIONS:
        ctx.add(DIRECTION_CODES[sheet.key], cell, label=column.label)


def check_grade(ctx: Context, sheet: SheetSpec, record: Record, column: Column, cell: CellValue) -> None:
    letters = ctx.config.grades.letters
    if cell.text.strip() not in letters:
        ctx.add(codes.KPI_BAD_GRADE, cell, label=column.label, grades="・".join(letters))


def check_id(ctx: Context, sheet: SheetSpec, record: Record, column: Column, cell: CellValue) -> None:
    """番号 turned into a date: Excel reads 1-1 as 1月1日 unless the cell is text."""
    if isinstance(cell.value, dt.date):
        ctx.add(codes.CELL_ID_AS_DATE, cell, label=column.label)


@dataclass(frozen=True)
class KindRule:
    title: str  # Japanese, for the internal-error finding
    run: KindFn


KIND_RULES: dict[Kind, KindRule] = {
    Kind.NUMBER: KindRule("数値の読み取り", check_number),
    Kind.DATE: KindRule("日付の読み取り", check_date),
    Kind.DIRECTION: KindRule("方向", check_direction),
    Kind.GRADE: KindRule("達成状況の区分", check_grade),
    Kind.ID: KindRule("番号", check_id),
}
# Kinds without a value rule: free text and 部局名 (checked by in_roster).
FREE_KINDS = frozenset((Kind.TEXT, Kind.LONG_TEXT, Kind.DEPARTMENT))


# --- the named checks of Column.checks ---------------------------------------------------

CheckFn = Callable[[Context, SheetSpec, tuple[Column, ...]], None]


def _cells(ctx: Context, sheet: SheetSpec, column: Column) -> list[tuple[Record, CellValue]]:
    """The usable cells of one column, with their records."""
    out = []
    for record in ctx.rows(sheet):
        cell = record.cells.get(column.key)
        if _usable(cell):
            out.append((record, cell))
    return out


def _first(cell: CellValue) -> str:
    return f"セル{cell.cell}"


def check_unique(ctx: Context, sheet: SheetSpec, columns: tuple[Column, ...]) -> None:
    """No two rows share a 番号: rows are matched across years by it."""
    code = UNIQUE_CODES[sheet.key]
    for column in columns:
        seen: dict[str, CellValue] = {}
        for _record, cell in _cells(ctx, sheet, column):
            key = normalized(cell.text)
            if key in seen:
                ctx.add(code, cell, label=column.label, first=_first(seen[key]))
            else:
                seen[key] = cell


UNIQUE_CODES: dict[str, str] = {"kpis": codes.KPI_DUPLICATE_NO, "survey": codes.SURVEY_DUPLICATE_NO}


def check_in_roster(ctx: Context, sheet: SheetSpec, columns: tuple[Column, ...]) -> None:
    """部局名 is one of the roster's names, which decide 提出済 / 未提出."""
    roster = {normalized(name): name for name in ctx.config.roster}
    for column in columns:
        for _record, cell in _cells(ctx, sheet, column):
            name = normalized(cell.text)
            if name in roster:
                continue
            close = difflib.get_close_matches(name, list(roster), n=1, cutoff=0.4)
            suggestion = f"「{roster[close[0]]}」ではありませんか。" if close else ""
            ctx.add(codes.BASIC_NOT_IN_ROSTER, cell, label=column.label, suggestion=suggestion)


def check_municipality(ctx: Context, sheet: SheetSpec, columns: tuple[Column, ...]) -> None:
    expected = ctx.config.municipality
    for column in columns:
        for _record, cell in _cells(ctx, sheet, column):
            if normalized(cell.text) != normalized(expected):
                ctx.add(codes.BASIC_MUNICIPALITY, cell, label=column.label, expected=expected)


def _row_unit(record: Record) -> str | None:
    return unit_key(record.text("unit")) if "unit" in record.cells else None


def check_unit_matches(ctx: Context, sheet: SheetSpec, columns: tuple[Column, ...]) -> None:
    """A unit typed with the number (1,167,400千円) is the row's 単位, or the value is wrong."""
    for column in columns:
        for record, cell in _cells(ctx, sheet, column):
            parsed = ctx.number(cell)
            unit = _row_unit(record)
            if parsed.kind != "number" or parsed.unit is None or unit is None or parsed.unit == unit:
                continue
            typed_base, typed_scale = unit_scale(parsed.unit)
            base, scale = unit_scale(unit)
            suggestion = ""
            if typed_base == base and parsed.value is not None:
                converted = format_number(round(parsed.value * typed_scale / scale, 6))
                suggestion = f"「{record.text('unit')}」で表すと {converted} です。"
            ctx.add(codes.UNIT_MISMATCH, cell, label=column.label, typed=parsed.unit,
                    unit=record.text("unit"), suggestion=suggestion)


def _value_in_row_unit(ctx: Context, record: Record, cell: CellValue | None) -> float | None:
    """The number of a cell, if it is one in the row's unit (no typed unit, or the same)."""
    if not _usable(cell):
        return None
    assert cell is not None
    parsed = ctx.number(cell)
    if parsed.kind != "number" or parsed.value is None:
        return None
    if parsed.unit is not None and parsed.unit != _row_unit(record):
        return None  # check_unit_matches reports it
    return parsed.value


def _ratio(a: float, b: float) -> float | None:
    """How many times larger the larger is; None across zero or a change of sign (増減 rows)."""
    if a == 0 or b == 0 or (a < 0) != (b < 0):
        return None
    a, b = abs(a), abs(b)
    return max(a, b) / min(a, b)


def _yen_cause(record: Record, ratio: float) -> str:
    """円 and 千円 differ by 1,000: name the likely cause when the ratio is near it."""
    base, _scale = unit_scale(record.text("unit"))
    if base == "円" and 10**2.5 <= ratio <= 10**3.5:
        return "（円と千円の取り違えの可能性があります）"
    return ""


def _jumps(ctx: Context, sheet: SheetSpec, columns: tuple[Column, ...]):
    """(record, earlier value, later value, later cell, ratio) for pairs at or over the ratio."""
    if len(columns) != 2:
        raise ValueError(f"{sheet.name}: a jump check needs two columns, not {len(columns)}")
    first, second = columns
    for record in ctx.rows(sheet):
        later = record.cells.get(second.key)
        a = _value_in_row_unit(ctx, record, record.cells.get(first.key))
        b = _value_in_row_unit(ctx, record, later)
        if a is None or b is None or later is None:
            continue
        ratio = _ratio(a, b)
        if ratio is not None and ratio >= ctx.config.year_jump_ratio:
            yield record, a, b, later, ratio


def check_year_jump(ctx: Context, sheet: SheetSpec, columns: tuple[Column, ...]) -> None:
    """前年度 -> 当年度 by a factor of about 1,000: 円 and 千円 mixed up (警告)."""
    for record, prev, curr, cell, ratio in _jumps(ctx, sheet, columns):
        ctx.add(codes.UNIT_YEAR_JUMP, cell, label=columns[1].label, prev=format_number(prev),
                curr=format_number(curr), ratio=f"{ratio:,.0f}", cause=_yen_cause(record, ratio))


def check_target_jump(ctx: Context, sheet: SheetSpec, columns: tuple[Column, ...]) -> None:
    """目標値 and 実績 of different orders of magnitude: one is in another unit (警告)."""
    for record, target, actual, cell, ratio in _jumps(ctx, sheet, columns):
        ctx.add(codes.UNIT_TARGET_JUMP, cell, label=columns[1].label, target=format_number(target),
                actual=format_number(actual), ratio=f"{ratio:,.0f}", cause=_yen_cause(record, ratio))


def _criteria(thresholds: GradeThresholds) -> str:
    parts = [f"{g}: {format_number(round(r * 100, 6))}%以上"
             for g, r in zip(thresholds.grades, thresholds.minimum_rates, strict=False)]
    parts.append(f"{thresholds.grades[-1]}: それ未満")
    return "、".join(parts)


def check_grade_consistent(ctx: Context, sheet: SheetSpec, columns: tuple[Column, ...]) -> None:
    """達成状況 against the 達成率 of 当年度実績 and 目標値 under the configured thresholds (警告)."""
    for column in columns:
        for record, cell in _cells(ctx, sheet, column):
            grade = cell.text.strip()
            direction = record.text("direction")
            if grade not in ctx.thresholds.grades or direction not in DIRECTIONS:
                continue
            target = _value_in_row_unit(ctx, record, record.cells.get("target"))
            actual = _value_in_row_unit(ctx, record, record.cells.get("curr"))
            rate = achievement_rate(target, actual, direction)
            suggested = suggest_grade(rate, ctx.thresholds)
            if suggested is None or suggested == grade or rate is None:
                continue
            assert target is not None and actual is not None
            ctx.add(codes.KPI_GRADE_INCONSISTENT, cell, label=column.label,
                    target=format_number(target), actual=format_number(actual),
                    rate=f"{rate:.1%}", suggested=suggested, criteria=_criteria(ctx.thresholds))


def check_refers_to_survey(ctx: Context, sheet: SheetSpec, columns: tuple[Column, ...]) -> None:
    """Every figure belongs to a 取り組み of the 実績調査 sheet."""
    survey = ctx.sub.spec.sheet("survey")
    if ctx.has_problem(survey.name, "missing_sheet", "missing_header_row") or any(
        p.kind == "missing_column" and p.sheet == survey.name and p.detail == survey.column("no").label
        for p in ctx.sub.structure
    ):
        return  # the structure finding says it; every figure would be reported otherwise
    known: dict[str, str] = {}
    for record in ctx.sub.survey:
        text = record.text("no")
        if text:
            known.setdefault(normalized(text), text)
    listed = "、".join(list(known.values())[:20]) or "なし"
    for column in columns:
        for _record, cell in _cells(ctx, sheet, column):
            if normalized(cell.text) not in known:
                ctx.add(codes.FIG_UNKNOWN_INITIATIVE, cell, label=column.label, numbers=listed)


def check_unique_in_initiative(ctx: Context, sheet: SheetSpec, columns: tuple[Column, ...]) -> None:
    """項目 names one figure within its 取り組み; a repeat is a copy-paste or a typo."""
    for column in columns:
        seen: dict[tuple[str, str], CellValue] = {}
        for record, cell in _cells(ctx, sheet, column):
            initiative = record.text("initiative_no")
            key = (normalized(initiative), normalized(cell.text))
            if key in seen:
                ctx.add(codes.FIG_DUPLICATE_ITEM, cell, label=column.label, initiative=initiative,
                        first=_first(seen[key]))
            else:
                seen[key] = cell


EXPECTED_CODES: dict[str, str] = {"survey": codes.SURVEY_YEAR_EMPTY}


def check_expected(ctx: Context, sheet: SheetSpec, columns: tuple[Column, ...]) -> None:
    """Not required, but an empty one is usually an oversight (警告): each year's 実績."""
    for column in columns:
        for record in ctx.rows(sheet):
            cell = record.cells.get(column.key)
            if is_blank(cell):
                ctx.add(EXPECTED_CODES[sheet.key], cell, label=column.label)


@dataclass(frozen=True)
class Check:
    """A named check of the spec: what it means and which codes it may report.

    ``run`` gets the sheet and every column of it that names the check, in spec order (the
    jump checks compare the two columns that name them).
    """

    title: str  # Japanese, for the internal-error finding
    run: CheckFn
    codes: Mapping[str, str]  # sheet key -> code ("*" for every sheet)


CHECKS: dict[str, Check] = {
    "unique": Check("番号の重複", check_unique, UNIQUE_CODES),
    "in_roster": Check("部局名の名簿", check_in_roster, {"basic": codes.BASIC_NOT_IN_ROSTER}),
    "municipality_matches": Check("自治体名", check_municipality, {"basic": codes.BASIC_MUNICIPALITY}),
    "unit_matches": Check("セルの単位", check_unit_matches, {"*": codes.UNIT_MISMATCH}),
    "year_jump": Check("前年度からの変化", check_year_jump, {"*": codes.UNIT_YEAR_JUMP}),
    "target_jump": Check("目標値と実績の桁", check_target_jump, {"kpis": codes.UNIT_TARGET_JUMP}),
    "grade_consistent": Check("達成状況と達成率", check_grade_consistent, {"kpis": codes.KPI_GRADE_INCONSISTENT}),
    "refers_to_survey": Check("取り組み番号", check_refers_to_survey, {"figures": codes.FIG_UNKNOWN_INITIATIVE}),
    "unique_in_initiative": Check("項目の重複", check_unique_in_initiative, {"figures": codes.FIG_DUPLICATE_ITEM}),
    "expected": Check("実績の記入", check_expected, EXPECTED_CODES),
}


def checks_of(sheet: SheetSpec) -> list[tuple[str, tuple[Column, ...]]]:
    """The checks named on a sheet's columns, each with the columns naming it, in spec order."""
    by_name: dict[str, list[Column]] = {}
    for column in sheet.columns:
        for name in column.checks:
            by_name.setdefault(name, []).append(column)
    return [(name, tuple(cols)) for name, cols in by_name.items()]
