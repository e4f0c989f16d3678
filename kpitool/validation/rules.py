"""The validation rules, declared as data over the template spec.

One place to read what is checked. The spec (:mod:`kpitool.spec`) names, per column, a kind
and the checks that apply; this module says what each kind and each check means:

- :data:`FILE_PROBLEM_CODES` — a file that is not a readable workbook.
- :func:`check_package`, :func:`check_template`, :data:`STRUCTURE_CODES` — macros, links,
  the template's identity, missing sheets and renamed headers.
- :data:`REQUIRED_CODES` — required columns left empty, per sheet.
- :func:`check_cell` — what any cell may hold (formula errors, control characters, spaces…).
- :data:`KIND_RULES` — a value of the column's kind (number, date, 方向, 達成状況, 番号).
- :data:`CHECKS` — the named checks of ``Column.checks`` (unique, in_roster, year_jump…);
  what they do is in :mod:`kpitool.validation.checks`.

Rules only add findings to a :class:`~kpitool.validation.context.Context`; running them in order and
guarding each against exceptions is :mod:`kpitool.validate`'s job. Every rule is O(cells) of
one file.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from kpitool import codes, reader
from kpitool.codes import CATALOGUE
from kpitool.dates import parse_date
from kpitool.master.digest import INVISIBLE, escape_invisible
from kpitool.model import JST
from kpitool.numbers import NUMBER_LIMIT
from kpitool.package import FileProblem
from kpitool.reader import CellValue, Record
from kpitool.spec import (
    DIRECTIONS,
    META_ID,
    META_VERSION,
    TEMPLATE_ID,
    TEMPLATE_VERSION,
    Column,
    Kind,
    SheetSpec,
    fiscal_year_label,
    meta_years,
)
from kpitool.targets import is_description
from kpitool.validation.checks import (
    EXPECTED_CODES,
    UNIQUE_CODES,
    check_expected,
    check_grade_consistent,
    check_in_roster,
    check_in_viewpoints,
    check_municipality,
    check_rank_direction,
    check_refers_to_survey,
    check_target_given,
    check_target_jump,
    check_unique,
    check_unique_in_initiative,
    check_unit_matches,
    check_year_jump,
    check_year_order,
)
from kpitool.validation.context import Context, is_blank

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


_STATE_NAMES = {"hidden": "非表示", "veryHidden": "完全に非表示"}


def sheet_key(name: str) -> str:
    """A sheet name as people read it: NFKC, without surrounding spaces, case folded.

    ``実績数値`` and ``実績数値 `` (or ``ＫＰＩ`` and ``kpi``) look the same in Excel's sheet tabs,
    so two such sheets are ambiguous, and a hidden one can hide behind a visible one.
    """
    return unicodedata.normalize("NFKC", name).strip().casefold()


def check_package(ctx: Context) -> None:
    """Macros and links to other workbooks: read as values only, but the sender should know.

    Sheet names that differ only by case are one name to Excel (it repairs such a file), so
    which of them is the template's sheet cannot be told: an error, not a guess (issue 7); the
    same for names equal after NFKC and trimming, and for a hidden sheet under (or normalising
    to) a template sheet's name (issue 16).
    """
    info = ctx.sub.info
    contract = {sheet_key(s.name) for s in ctx.sub.spec.sheets}
    seen: set[str] = set()
    for name, state, _part in info.sheets:
        key = sheet_key(name)
        if key in seen:
            ctx.add(codes.FILE_DUPLICATE_SHEET_NAMES, value=name)
        seen.add(key)
        if state != "visible" and key in contract:  # a hidden 実績数値 is never read (issue 16)
            ctx.add(codes.FILE_HIDDEN_SHEET, value=name, state=_STATE_NAMES.get(state, state))
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
    template_id = meta.get(META_ID)
    if template_id != TEMPLATE_ID:
        present = [s for s in sub.spec.sheets if not ctx.has_problem(s.name, "missing_sheet")]
        if template_id is None and present:
            ctx.add(codes.TPL_NO_IDENTITY)
            return True
        ctx.add(codes.TPL_NOT_TEMPLATE)
        return False
    version = meta.get(META_VERSION)
    if version != TEMPLATE_VERSION:
        ctx.add(codes.TPL_VERSION, value=version, found=version, expected=TEMPLATE_VERSION)
    years = meta_years(meta)
    if years is None:
        return True
    if years != tuple(ctx.config.fiscal_years):
        found = _years_label(years)
        if years < tuple(ctx.config.fiscal_years):
            advice = "前年度以前の様式のため、今年度の列がありません。"
        else:
            advice = "設定（kpitool.toml の fiscal_years）より新しい年度の様式です。設定の年度を確認してください。"
        ctx.add(codes.TPL_YEARS, value=found, found=found, expected=_years_label(ctx.config.fiscal_years),
                advice=advice)
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
    "bad_shared_string": codes.FILE_BAD_SHARED_STRING,
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
                limit=f"{reader.MAX_ROWS:,}",
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
EXCEL_CELL_CHARS = 32_767  # Excel's limit per cell, counted in UTF-16 units as Excel does


def check_required(ctx: Context, sheet: SheetSpec, column: Column, cell: CellValue | None) -> None:
    if column.required and is_blank(cell):
        ctx.add(REQUIRED_CODES[sheet.key], cell, label=column.label, prompt=column.prompt)


def _excel_length(text: str) -> int:
    """Characters as Excel counts them (UTF-16 units: 𠮷 is two); cheap for short text."""
    return len(text) if len(text) <= EXCEL_CELL_CHARS // 2 else len(text.encode("utf-16-le")) // 2


def _char_name(char: str) -> str:
    """``U+202E（RIGHT-TO-LEFT OVERRIDE）``: the code point and its Unicode name."""
    return f"U+{ord(char):04X}（{unicodedata.name(char, 'UNNAMED')}）"


def _check_printable(ctx: Context, column: Column, cell: CellValue, text: str) -> None:
    """A 実績調査 text too long for one printed row of the master (issue 12): it would be cut."""
    from kpitool.master.publication import MAX_LINES, lines_of, tidy_width

    width = tidy_width(column.key)
    if width is None or len(text) < MAX_LINES * 4:  # surely fits: skip the estimate
        return
    # No character is wider than 2 units: when even that many lines fit, the text fits (the
    # common case, decided without measuring every character's width).
    usable = max(int(width - 1), 1)
    if sum(max(1, -(-2 * len(part) // usable)) for part in text.split("\n")) <= MAX_LINES:
        return
    lines = lines_of(text, width)
    if lines > MAX_LINES:
        ctx.add(codes.CELL_TEXT_CUT_IN_PRINT, cell, label=column.label, count=f"{_excel_length(text):,}",
                lines=lines, limit=MAX_LINES)


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
    length = _excel_length(text)
    if length > EXCEL_CELL_CHARS:  # the master could keep only a cut copy (issue 7)
        ctx.add(codes.CELL_TEXT_TOO_LONG, cell, label=column.label, value=text[:40] + "…",
                count=f"{length:,}", limit=f"{EXCEL_CELL_CHARS:,}")
    if not text.isprintable():  # control and invisible characters are never printable
        if _CONTROL_RE.search(text):
            ctx.add(codes.CELL_CONTROL_CHARS, cell, label=column.label, value=_CONTROL_RE.sub("?", text))
        inner = text.strip(_SPACES)  # a zero-width space or BOM at either end is W-CELL-001's
        if not inner.isprintable() and INVISIBLE.search(inner):  # issue 16: U+202E, U+200B, BOM…
            ctx.add(codes.CELL_INVISIBLE_CHARS, cell, label=column.label, value=escape_invisible(text),
                    chars="、".join(_char_name(c) for c in dict.fromkeys(INVISIBLE.findall(inner))))
    if column.kind is Kind.LONG_TEXT and length <= EXCEL_CELL_CHARS:  # else it is cut anyway (E-CELL-005)
        _check_printable(ctx, column, cell, text)
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
    if parsed.kind == "invalid" and column.text_ok and is_description(parsed):
        return  # a 定性 目標値 (「すべての項目」) or a 基準値 of 「新規」: text, not a wrong number
    if parsed.kind == "invalid":
        ctx.add(NUMBER_REASON_CODES.get(parsed.reason or "", codes.NUM_NOT_A_NUMBER), cell, label=column.label)
    elif parsed.kind == "number" and abs(parsed.value or 0.0) > NUMBER_LIMIT:
        # 1.8e308 is a valid double, but its 増減 overflows to infinity (issue 7)
        ctx.add(codes.NUM_OUT_OF_RANGE, cell, label=column.label, limit=f"{NUMBER_LIMIT:,.0f}")
    elif parsed.kind == "number" and RANK_UNIT in (parsed.unit, ctx.values.row_unit(record)):
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


def check_year(ctx: Context, sheet: SheetSpec, record: Record, column: Column, cell: CellValue) -> None:
    """基準年度 / 目標年度: any fiscal year, 西暦 or 和暦 (2016, 平成28年度, R4)."""
    if not ctx.values.year(cell).ok:
        ctx.add(codes.KPI_BAD_YEAR, cell, label=column.label)


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
    Kind.YEAR: KindRule("年度", check_year),
}
# Kinds without a value rule: free text, 部局名 (checked by in_roster), 視点 (by in_viewpoints).
FREE_KINDS = frozenset((Kind.TEXT, Kind.LONG_TEXT, Kind.DEPARTMENT, Kind.VIEWPOINT))


# --- the named checks of Column.checks (their functions are in kpitool.validation.checks) ------------

CheckFn = Callable[[Context, SheetSpec, tuple[Column, ...]], None]


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
    "rank_direction": Check("順位の方向", check_rank_direction, {"*": codes.UNIT_RANK_UP}),
    "year_order": Check("基準年度と目標年度", check_year_order, {"kpis": codes.KPI_YEAR_ORDER}),
    "refers_to_survey": Check("取り組み番号", check_refers_to_survey, {"figures": codes.FIG_UNKNOWN_INITIATIVE}),
    "unique_in_initiative": Check("項目の重複", check_unique_in_initiative, {"figures": codes.FIG_DUPLICATE_ITEM}),
    "expected": Check("実績の記入", check_expected, EXPECTED_CODES),
    "target_given": Check("目標値の記入", check_target_given, {"kpis": codes.KPI_TARGET_EMPTY}),
    "in_viewpoints": Check("視点の一覧", check_in_viewpoints, {"survey": codes.SURVEY_UNKNOWN_VIEWPOINT}),
}


def checks_of(sheet: SheetSpec) -> list[tuple[str, tuple[Column, ...]]]:
    """The checks named on a sheet's columns, each with the columns naming it, in spec order."""
    by_name: dict[str, list[Column]] = {}
    for column in sheet.columns:
        for name in column.checks:
            by_name.setdefault(name, []).append(column)
    return [(name, tuple(cols)) for name, cols in by_name.items()]
