"""The master workbook's tables: columns, cells and formulas, shared by writer, CSV and audit.

One module decides what each data sheet holds, so that :mod:`kpitool.master.writer` writes it,
:mod:`kpitool.master.opendata` publishes it and :mod:`kpitool.audit` reads it back and checks it
without repeating a column. The cells are :class:`Number`, :class:`Formula`, :class:`Link`,
text, dates and blanks; :mod:`kpitool.master.rows` builds the rows of a
:class:`~kpitool.model.Consolidation` from them, and the writer only decides formats and
positions.

Formulas: 増減 / 増減率 / 評価 / 達成率 are the Excel formulas of :mod:`kpitool.variance`,
cached with the values the consolidation computed. Whether a row gets live formulas or static
values, and whether its 増減 is in ポイント, was decided by the survey step (the row's
``variance_formula``, ``achievement_formula``, ``progress_formula`` and ``points``); the rows
only lay that out and never read the unit text again. :func:`variance_results` and :func:`achievement_result`
recompute what a formula gives from the cells of a master read back, for the audit.
"""

from __future__ import annotations

import functools
import math
import os
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpitool.findings import FINDING_COLUMNS
from kpitool.master.digest import clean_text
from kpitool.model import LABELS
from kpitool.numbers import PERCENT
from kpitool.reader import column_letter
from kpitool.spec import DIRECTION_WORDS, DIRECTIONS, fiscal_year_label
from kpitool.variance import (
    achievement_rate,
    cached_achievement,
    cached_change,
    cached_evaluation,
    cached_progress,
    cached_rate,
    progress_rate,
    variance,
)

if TYPE_CHECKING:
    import pandas as pd

    from kpitool.table import Table


SUMMARY, SUBMISSIONS, SURVEY, FIGURES, KPIS, FINDINGS, AUDIT_LOG = (
    "概要", "提出状況", "実績調査", "実績数値", "事業成果目標", "検証結果", "監査ログ",
)
TREND = "経年推移"  # every indicator across the known years (kpitool.master.trend)
PUBLICATION = "実績調査（公表用）"  # laid out for paper (kpitool.master.publication); not a data sheet
SHEET_ORDER = (SUMMARY, SUBMISSIONS, SURVEY, PUBLICATION, TREND, FIGURES, KPIS, FINDINGS, AUDIT_LOG)
DATA_SHEETS = (SUBMISSIONS, SURVEY, TREND, FIGURES, KPIS, FINDINGS)
OPTIONAL_SHEETS = (TREND,)  # masters written before it existed still audit without it
FIRST_DATA_ROW = 2  # Excel row of the first data row (row 1 is the header)
ROW_HASH = "row_hash"
YES, NO = "はい", "いいえ"
TOLERANCE = 1e-9  # floats equal within this (relative and absolute), as the recalculation tests
SIZE_FORMAT = "#,##0"
COUNT_FORMAT = "#,##0"
DATE_FORMAT = "yyyy/mm/dd"
YEAR_FORMAT = '0"年度"'  # 基準年度 / 目標年度 stay numbers (2016), shown as 2016年度

Cell = Any  # None | str | dt.date | Number | Formula | Link


@dataclass(frozen=True, slots=True)
class Number:
    """A number cell with its display format (△ for negatives comes from the format)."""

    value: float
    num_format: str


@dataclass(frozen=True, slots=True)
class Formula:
    """A formula cell and the value Python computed for it (cached in the file)."""

    text: str
    cached: float | str
    num_format: str | None = None


@dataclass(frozen=True, slots=True)
class Link:
    """A text cell that is also a hyperlink to a source file (``url`` "" means no link)."""

    text: str
    url: str = ""


@dataclass(frozen=True)
class MasterColumn:
    """One column of a data sheet: id, Japanese header, width, and whether the digest covers it."""

    key: str
    label: str
    width: float = 12
    formula: bool = False  # 増減 etc.: a formula (or a static value where no formula fits)
    covered: bool = True  # part of the digest (False: informational, e.g. file times)
    wrap: bool = False
    printed: bool = True  # False: an audit column (出典, hashes, as written) kept on screen, not on paper


@dataclass(frozen=True)
class SheetLayout:
    """The columns of one data sheet, in order; the last is always the row hash."""

    name: str
    columns: tuple[MasterColumn, ...]

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(c.label for c in self.columns)

    @functools.cached_property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)

    @functools.cached_property
    def _letters(self) -> dict[str, tuple[int, str]]:
        """Each key's first position and column letter, computed once (rows look them up often)."""
        positions: dict[str, tuple[int, str]] = {}
        for i, key in enumerate(self.keys):
            positions.setdefault(key, (i, column_letter(i)))
        return positions

    def index(self, key: str) -> int:
        try:
            return self._letters[key][0]
        except KeyError:
            raise ValueError(f"{key!r} is not a column of {self.name}") from None

    def letter(self, key: str) -> str:
        try:
            return self._letters[key][1]
        except KeyError:
            raise ValueError(f"{key!r} is not a column of {self.name}") from None

    def covered(self) -> list[int]:
        """Indexes of the columns in the digest (everything but the row hash and uncovered)."""
        return [i for i, c in enumerate(self.columns) if c.covered and c.key != ROW_HASH]


@dataclass
class Grid:
    """Cells of a free-form sheet (概要, 監査ログ), row-major, and which rows are styled."""

    rows: list[list[Any]] = field(default_factory=list)
    header_rows: list[int] = field(default_factory=list)  # 0-based rows styled as headers
    caption_rows: list[int] = field(default_factory=list)

    def add(self, row: Sequence[Any] = (), *, header: bool = False, caption: bool = False) -> int:
        self.rows.append(list(row))
        index = len(self.rows) - 1
        if header:
            self.header_rows.append(index)
        if caption:
            self.caption_rows.append(index)
        return index


def _col(key: str, width: float = 12, label: str | None = None, **kw: Any) -> MasterColumn:
    return MasterColumn(key, label or LABELS[key], width, **kw)


_HASH = MasterColumn(ROW_HASH, "行の検証値", 18, printed=False)


FINDING_WIDTHS = {"severity": 6, "code": 10, "file": 14, "sheet": 9, "cell": 5, "label": 10, "value": 12,
                  "title": 16, "message": 28, "hint": 26}


def layouts(fiscal_years: tuple[int, int]) -> dict[str, SheetLayout]:
    """The data sheets for a pair of fiscal years (their labels carry the year names)."""
    prev, curr = (fiscal_year_label(y) for y in fiscal_years)
    # Printed columns first, audit columns (printed=False) last: a print area is one block. The
    # printed columns add up to at most 136 units, so A4 landscape prints them at ≥ 8 pt
    # (kpitool.master.printing); text columns wrap instead of widening.
    submissions = (
        _col("department", 10, wrap=True), _col("status", 7), _col("included", 5),
        _col("head", 10, wrap=True), _col("contact_person", 12, wrap=True), _col("contact", 10, wrap=True),
        _col("created", 11), _col("created_wareki", 14, "作成日（和暦）"),
        _col("errors", 6), _col("warnings", 6), _col("note", 24, wrap=True), _col("file", 20, wrap=True),
        _col("size", 12, printed=False), _col("sha256", 20, printed=False),
        _col("modified", 22, printed=False),
    )
    survey = (
        _col("department", 9, wrap=True), _col("no", 4), _col("viewpoint", 10, wrap=True), _col("heading", 10, wrap=True),
        _col("initiative", 14, wrap=True), _col("content", 18, wrap=True), _col("plan", 11, wrap=True),
        _col("prev", 30, f"{prev}実績", wrap=True), _col("curr", 30, f"{curr}実績", wrap=True),
        _col("source", 30, printed=False),
    )
    figures = (
        _col("department", 9, wrap=True), _col("initiative_no", 5, wrap=True),
        _col("initiative_name", 13, wrap=True), _col("item", 15, wrap=True), _col("unit", 6, wrap=True),
        _col("direction", 4), _col("direction_words", 7, wrap=True), _col("prev", 10, prev),
        _col("curr", 10, curr), _col("change", 10, formula=True), _col("change_unit", 6, wrap=True),
        _col("rate", 8, formula=True), _col("evaluation", 5, formula=True), _col("reason", 10, wrap=True),
        _col("note", 12, wrap=True),
        _col("prev_text", 16, f"{prev}（記入値）", printed=False), _col("curr_text", 16, f"{curr}（記入値）", printed=False),
        _col("source", 30, printed=False), _col("source_prev", 30, printed=False),
        _col("source_curr", 30, printed=False),
    )
    kpis = (  # 方向の意味, years, 目標の種類 and 区分 stay on screen: 17 columns fit A4 at 8 pt
        _col("department", 8, wrap=True), _col("no", 4), _col("policy", 11, wrap=True),
        _col("indicator", 13, wrap=True), _col("unit", 5, wrap=True), _col("direction", 4),
        _col("base", 9, wrap=True), _col("target", 9, wrap=True), _col("prev", 10, f"{prev}実績"),
        _col("curr", 10, f"{curr}実績"), _col("achievement", 7, formula=True),
        _col("progress", 7, formula=True), _col("grade", 5, wrap=True), _col("change", 10, formula=True),
        _col("rate", 7, formula=True), _col("evaluation", 5, formula=True), _col("reason", 9, wrap=True),
        _col("direction_words", 12, printed=False), _col("base_year", 10, printed=False),
        _col("target_year", 10, printed=False), _col("target_kind", 8, printed=False),
        _col("grade_basis", 16, wrap=True, printed=False), _col("suggested_grade", 10, printed=False),
        _col("change_unit", 10, printed=False),
        _col("base_text", 14, "基準値（記入値）", printed=False), _col("target_text", 14, "目標値（記入値）", printed=False),
        _col("prev_text", 16, f"{prev}実績（記入値）", printed=False),
        _col("curr_text", 16, f"{curr}実績（記入値）", printed=False),
        _col("source", 30, printed=False), _col("source_base", 30, printed=False),
        _col("source_target", 30, printed=False), _col("source_prev", 30, printed=False),
        _col("source_curr", 30, printed=False),
    )
    trend = (
        _col("department", 12), _col("no", 6), _col("indicator", 28, wrap=True), _col("unit", 8),
        _col("direction", 6), _col("year_label", 12, "年度"), _col("year", 8, "年度（西暦）"),
        _col("target", 12), _col("actual", 14, "実績"), _col("achievement", 10, formula=True),
        _col("source", 36, printed=False),
    )
    findings = (
        *(MasterColumn(key, label, FINDING_WIDTHS.get(key, 12), wrap=key in ("message", "hint", "file", "value", "sheet", "label", "title"))
          for key, label in FINDING_COLUMNS),
        _col("source", 30, printed=False),
    )
    return {
        name: SheetLayout(name, (*columns, _HASH))
        for name, columns in (
            (SUBMISSIONS, submissions), (SURVEY, survey), (TREND, trend), (FIGURES, figures), (KPIS, kpis),
            (FINDINGS, findings),
        )
    }


# --- row heights ------------------------------------------------------------------------

LINE_HEIGHT = 16.5  # points per line of 11 pt BIZ UDPゴシック
MAX_ROW_HEIGHT = 409  # Excel's maximum row height in points


@functools.lru_cache(maxsize=16384)
def _display_width(text: str) -> int:
    """Width in column units: 全角 characters take two (East Asian width W/F).

    Cached per distinct text: the same labels and remarks recur on many rows.
    """
    if text.isascii():  # no ASCII character is W or F
        return len(text)
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def row_height(row: list[Cell], widths: list[float], wraps: list[bool]) -> float | None:
    """The height a row of wrapped text needs, or None for the default height.

    Neither LibreOffice nor Excel grows rows of a generated file to fit wrapped text
    reliably, so the printed 実績調査 would overlap; the estimate errs on the tall side.
    """
    lines = 1
    for cell, width, wrap in zip(row, widths, wraps, strict=False):
        if not wrap or not isinstance(cell, str):
            continue
        usable = int(max(width - 1, 1))
        if 2 * len(cell) <= usable and "\n" not in cell:  # surely one line: no character is wider than 2
            continue
        count = _text_lines(cell, usable)
        lines = max(lines, count)
    return None if lines == 1 else min(lines * LINE_HEIGHT + 3, MAX_ROW_HEIGHT)


def row_heights(widths: Sequence[float], wraps: Sequence[bool]) -> Any:
    """:func:`row_height` for many rows of one layout: ``height(row)``, with the wrapped
    columns and their usable widths worked out once (issue 17: it runs for every row)."""
    wrapped = [(c, int(max(width - 1, 1))) for c, (width, wrap) in enumerate(zip(widths, wraps, strict=False)) if wrap]

    def height(row: Sequence[Cell]) -> float | None:
        lines = 1
        size = len(row)
        for c, usable in wrapped:
            if c >= size:
                break
            cell = row[c]
            if not isinstance(cell, str) or (2 * len(cell) <= usable and "\n" not in cell):
                continue
            count = _text_lines(cell, usable)
            if count > lines:
                lines = count
        return None if lines == 1 else min(lines * LINE_HEIGHT + 3, MAX_ROW_HEIGHT)

    return height


_LINES: dict[tuple[str, int], int] = {}


def _text_lines(text: str, usable: int) -> int:
    """Lines ``text`` takes in a column ``usable`` units wide; memoised per distinct short text
    (issue 17: the same departments and remarks recur on many rows). Bounded: cleared when full."""
    key = (text, usable)
    found = _LINES.get(key)
    if found is None:
        found = sum(max(1, -(-_display_width(part) // usable)) for part in text.split("\n"))
        if len(text) <= 512:
            if len(_LINES) >= 1 << 15:
                _LINES.clear()
            _LINES[key] = found
    return found


# --- values ---------------------------------------------------------------------------------


def clean(value: Any) -> Any:
    """A DataFrame value as plain Python: NaN, NA and None are None; numpy scalars unwrapped."""
    if value is None:
        return None
    if isinstance(value, str):  # the common case first: hasattr on a str raises inside
        return value
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    pd = sys.modules.get("pandas")  # only a DataFrame can hold NA/NaT: never import pandas here
    if pd is not None and (value is pd.NA or value is pd.NaT):
        return None
    return value


def text(value: Any) -> str | None:
    """Text from a submission or the consolidation, as the cell will hold it (blank is None)."""
    value = clean(value)
    if value is None:
        return None
    return clean_text(str(value)) or None


def written_value(cell: Cell) -> Any:
    """What a cell holds as read back without cached values: the formula text for formulas."""
    if isinstance(cell, Formula):
        return cell.text
    if isinstance(cell, Number):
        return cell.value
    if isinstance(cell, Link):
        return cell.text
    return cell


def shown_value(cell: Cell) -> Any:
    """What a cell shows: the cached value for formulas (the CSV twin publishes this)."""
    if isinstance(cell, Formula):
        return cell.cached
    return written_value(cell)


def same(expected: Any, actual: Any) -> bool:
    """Cell values equal for the audit: floats within :data:`TOLERANCE`, blank equals ""."""
    expected = "" if expected is None else expected
    actual = "" if actual is None else actual
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected == actual
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return math.isclose(expected, actual, rel_tol=TOLERANCE, abs_tol=TOLERANCE)
    return expected == actual


def number_of(cell_value: Any) -> float | None:
    """The number a formula's ISNUMBER sees in a cell, or None."""
    if isinstance(cell_value, bool):
        return None
    if isinstance(cell_value, Number):
        return cell_value.value
    if isinstance(cell_value, int | float) and math.isfinite(cell_value):
        return float(cell_value)
    return None


def variance_results(prev: Any, curr: Any, direction: str | None, *, points: bool) -> tuple[Any, Any, Any]:
    """What the 増減 / 増減率 / 評価 formulas compute from these cells (via kpitool.variance).

    The formulas see only the two cells: both numbers give a variance (in ポイント with no
    増減率 for a ``points`` row, whose 増減率 formula is the % one); anything else (marker,
    text, blank) gives ``""``. 評価 needs a valid 方向.
    """
    p, c = number_of(prev), number_of(curr)
    if p is None or c is None:
        return "", "", ""
    valid = direction in DIRECTIONS
    v = variance(p, c, unit=PERCENT if points else None, direction=direction if valid else DIRECTIONS[0])
    return cached_change(v), cached_rate(v), cached_evaluation(v) if valid else ""


def achievement_result(target: Any, curr: Any, direction: str | None) -> Any:
    """What the 達成率 formula computes from these cells (via kpitool.variance)."""
    t, c = number_of(target), number_of(curr)
    if t is None or c is None or direction not in DIRECTIONS:
        return ""
    return cached_achievement(achievement_rate(t, c, direction))


def progress_result(base: Any, target: Any, curr: Any, direction: str | None) -> Any:
    """What the 進捗率 formula computes from these cells (via kpitool.variance)."""
    b, t, c = number_of(base), number_of(target), number_of(curr)
    if direction not in DIRECTIONS:
        return ""
    return cached_progress(progress_rate(b, t, c, direction))


def direction_words(direction: Any) -> str | None:
    """高いほど良い / 低いほど良い / 参考値 beside the arrow (None for an invalid 方向)."""
    return DIRECTION_WORDS.get(text(direction) or "")


# --- links ----------------------------------------------------------------------------------


MAX_URL = 2000  # Excel refuses hyperlinks longer than 2,079 characters


_ESCAPED = re.compile("%[0-9a-fA-F]{2}")


def _escape_url(path: str) -> str:
    """Escape a path as XlsxWriter does when it finds no escape in it (``%`` first), so a file
    named ``a%20b.xlsx`` links to itself and not to ``a b.xlsx`` (issue 16)."""
    for char, code in (("%", "%25"), ('"', "%22"), (" ", "%20"), ("<", "%3c"), (">", "%3e"),
                       ("[", "%5b"), ("]", "%5d"), ("^", "%5e"), ("`", "%60"), ("{", "%7b"),
                       ("}", "%7d")):
        path = path.replace(char, code)
    return path


class SourceLinks:
    """Hyperlinks from the master to the cells of the inbox files.

    Links are relative to the master's folder (``inbox/03_総務部.xlsx#'実績数値'!A7``), so the
    master and the inbox folder can be moved or archived together and the links keep working.
    When no relative path exists (another drive on Windows) the absolute path is used. A file
    name with ``#`` cannot be linked (Excel reads ``#`` as the start of the cell address), so
    its 出典 stays text only.
    """

    def __init__(self, master_dir: Path, inbox: Path) -> None:
        self.master_dir = Path(master_dir)
        inbox_abs = Path(os.path.abspath(inbox))
        try:
            base = os.path.relpath(inbox_abs, os.path.abspath(master_dir))
        except ValueError:
            base = str(inbox_abs)
        self.base = base.replace(os.sep, "/")

    def folder_url(self) -> str:
        return self.base

    def url(self, file: str, sheet: str = "", cell: str = "") -> str:
        """``external:`` URL of a file (and cell), or "" when it cannot be a link."""
        if not file or "#" in file or "#" in self.base:
            return ""
        path = file if self.base == "." else f"{self.base}/{file}"
        if _ESCAPED.search(path):  # XlsxWriter would take 50%20 for an escape: escape it first
            path = _escape_url(path)
        url = f"external:{path}"
        if sheet and cell:
            url += f"#'{sheet.replace(chr(39), chr(39) * 2)}'!{cell}"
        return url if len(url) <= MAX_URL else ""

    def source(self, source: Any) -> Link | None:
        """The 出典 cell of ``file!sheet!cell`` (file names may contain ``!``)."""
        value = text(source)
        if value is None:
            return None
        parts = value.rsplit("!", 2)
        if len(parts) == 3:
            return Link(value, self.url(*parts))
        return Link(value, self.url(value))


# --- rows: helpers shared by the row builders (kpitool.master.rows, kpitool.master.trend) ---


def frame_records(frame: Table | pd.DataFrame) -> Iterator[dict[str, Any]]:
    """The rows of a table as dicts of clean values (NaN and NaT as None)."""
    columns = list(frame.columns)
    for values in frame.itertuples(index=False, name=None):
        yield {k: clean(v) for k, v in zip(columns, values, strict=True)}


def cell_refs(layout: SheetLayout, excel_row: int, *keys: str) -> dict[str, str]:
    """Cell addresses (``F7``) of the given columns in one Excel row, for formulas."""
    return {k: f"{layout.letter(k)}{excel_row}" for k in keys}
