"""Read a filled department template into a :class:`Submission`.

Every value keeps the exact cell it came from (``実績数値!E7``) and its text as written, so a
finding can point at the cell and an auditor can trace a figure back to it. Tables are found by
their header row, so rows or columns that users insert above or beside them do not break
reading. Values are read with python-calamine (fast); one light pass over the raw sheet XML
(:mod:`kpitool.sheet_xml`) adds what calamine does not report: formula errors, formulas without
a cached value, and percent number formats.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpitool.package import Limits, PackageInfo, inspect_and_keep
from kpitool.sheet_xml import (
    CellNote,
    Parts,
    bad_shared_string_refs,
    meta_rows_from_xml,
    needed_part,
    percent_styles,
    scan_sheet,
    shared_string_count,
)
from kpitool.spec import (
    DEFAULT_FISCAL_YEARS,
    META_SHEET,
    SheetSpec,
    TemplateSpec,
    meta_years,
    template_spec,
)
from kpitool.template import read_meta_rows

MAX_HEADER_SEARCH_ROWS = 50  # a header row further down than this is "not found"
MAX_ROWS = 20_000  # rows per table read; more is reported as a structure problem


@dataclass(frozen=True, slots=True)
class CellValue:
    """One cell as read: its value, where it is and how it was written."""

    sheet: str
    cell: str  # A1-style address as the user sees it, e.g. "E7"
    value: Any  # str, float, int, bool, datetime.date/datetime, or None
    text: str  # the value as written ("" for an empty cell)
    error: str | None = None  # cached formula error such as "#DIV/0!"
    formula: bool = False  # the cell holds a formula
    uncached: bool = False  # a formula without a cached value (never calculated)
    percent: bool = False  # the cell has a percent number format (0.148 shown as 14.8%)

    @property
    def ref(self) -> str:
        return f"{self.sheet}!{self.cell}"

    @property
    def is_empty(self) -> bool:
        return self.error is None and not self.uncached and (self.value is None or self.text.strip() == "")


@dataclass(frozen=True)
class Record:
    """One data row of a table sheet, keyed by spec column keys."""

    sheet_key: str
    row: int  # Excel row number (1-based)
    cells: dict[str, CellValue]

    def __getitem__(self, key: str) -> CellValue:
        return self.cells[key]

    def text(self, key: str) -> str:
        cell = self.cells.get(key)
        return cell.text.strip() if cell else ""


@dataclass(frozen=True)
class StructureProblem:
    """A structural defect the validator turns into a finding (missing sheet, renamed header…)."""

    kind: str  # missing_sheet, missing_header_row, missing_column, extra_column, not_template,
    #            template_version, template_years, too_many_rows, missing_label, bad_shared_string
    sheet: str
    cell: str = ""
    detail: str = ""  # the label or value concerned


@dataclass
class Submission:
    """Everything read from one department file."""

    path: Path
    info: PackageInfo
    spec: TemplateSpec
    meta: dict[str, Any] = field(default_factory=dict)
    basic: dict[str, CellValue] = field(default_factory=dict)
    kpis: list[Record] = field(default_factory=list)
    survey: list[Record] = field(default_factory=list)
    figures: list[Record] = field(default_factory=list)
    structure: list[StructureProblem] = field(default_factory=list)

    def records(self, sheet_key: str) -> list[Record]:
        return getattr(self, sheet_key)

    def all_cells(self) -> list[CellValue]:
        cells = list(self.basic.values())
        for key in ("kpis", "survey", "figures"):
            for record in self.records(key):
                cells.extend(record.cells.values())
        return cells

    @property
    def department(self) -> str:
        cell = self.basic.get("department")
        return cell.text.strip() if cell else ""


def column_letter(index: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


_LETTERS = tuple(column_letter(i) for i in range(702))  # A..ZZ: every column a template uses


def _column_letters(col: int) -> str:
    return _LETTERS[col] if col < 702 else column_letter(col)


def cell_address(row: int, col: int) -> str:
    """0-based (row, col) -> "E7"."""
    return f"{_LETTERS[col] if col < 702 else column_letter(col)}{row + 1}"


def _text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time() else value.date().isoformat()
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    return str(value)


class _Grid:
    """A sheet's values from A1, plus the notes from the XML pass."""

    def __init__(self, name: str, rows: list[list[Any]], notes: dict[tuple[int, int], CellNote]) -> None:
        self.name = name
        self.rows = rows
        self.notes = notes
        self.note_rows = {r for r, _ in notes}

    def cell(self, row: int, col: int) -> CellValue:
        rows = self.rows
        values = rows[row] if row < len(rows) else ()
        value = values[col] if col < len(values) else None
        kind = type(value)
        if kind is str:
            text = value
            if value == "":
                value = None
        elif kind is float:
            if value.is_integer() and abs(value) < 2**53:
                value = int(value)
                text = str(value)
            else:
                text = repr(value)
        else:
            text = _text_of(value)
        note = self.notes.get((row, col)) if self.notes else None
        if note is None:
            return CellValue(self.name, cell_address(row, col), value, text)
        if note.error or note.uncached:
            value = None
        return CellValue(
            self.name, cell_address(row, col), value, note.error or _text_of(value),
            error=note.error, formula=note.formula, uncached=note.uncached, percent=note.percent,
        )

    def record_cells(self, row: int, picks: list[tuple[str, int, str]]) -> dict[str, CellValue] | None:
        """The cells of ``row`` at ``picks`` (key, column, column letters) by key; None when every
        one reads as empty. The common case, a plain text or number without a note, is built
        here without going through :meth:`cell` (this loop runs once per read cell)."""
        rows = self.rows
        values = rows[row] if row < len(rows) else ()
        n = len(values)
        notes = self.notes if row in self.note_rows else None
        number = str(row + 1)
        name = self.name
        cells: dict[str, CellValue] = {}
        empty = True
        for key, col, letters in picks:
            value = values[col] if col < n else None
            kind = type(value)
            if notes is not None and (row, col) in notes:
                cell = self.cell(row, col)
                if not cell.is_empty:
                    empty = False
            elif kind is str:
                if value == "":
                    cell = CellValue(name, letters + number, None, value)
                else:
                    cell = CellValue(name, letters + number, value, value)
                    if empty and value.strip() != "":
                        empty = False
            elif value is None:
                cell = CellValue(name, letters + number, None, "")
            else:
                cell = self.cell(row, col)
                if empty and not cell.is_empty:
                    empty = False
            cells[key] = cell
        return None if empty else cells

    def blank_row(self, row: int, cols: list[int]) -> bool:
        """Whether every cell of ``row`` in ``cols`` would read as empty (no CellValue needed)."""
        if row >= len(self.rows):
            return True
        if row in self.note_rows:
            return False
        values = self.rows[row]
        for col in cols:
            value = values[col] if col < len(values) else None
            if value is not None and (type(value) is not str or value.strip()):
                return False
        return True


def _norm_label(value: Any) -> str:
    """A label without any whitespace (spaces, 全角 spaces, line breaks typed into headers)."""
    if not value:
        return ""
    return "".join((value if type(value) is str else str(value)).split())


def _read_form(grid: _Grid, sheet: SheetSpec, sub: Submission) -> None:
    wanted = {_norm_label(c.label): c for c in sheet.columns}
    found: set[str] = set()
    for r, row in enumerate(grid.rows[:MAX_HEADER_SEARCH_ROWS]):
        for c, value in enumerate(row[:10]):
            column = wanted.get(_norm_label(value))
            if column and column.key not in found:
                found.add(column.key)
                sub.basic[column.key] = grid.cell(r, c + 1)
                break
    for column in sheet.columns:
        if column.key not in found:
            sub.structure.append(StructureProblem("missing_label", sheet.name, "", column.label))


def _find_header(grid: _Grid, labels: list[str]) -> tuple[int, dict[str, int]] | None:
    """The row holding most of the expected labels, and where each label is."""
    best: tuple[int, dict[str, int]] | None = None
    need = max(2, len(labels) // 2)
    wanted = set(labels)
    for r, row in enumerate(grid.rows[:MAX_HEADER_SEARCH_ROWS]):
        positions: dict[str, int] = {}
        for c, value in enumerate(row):
            if not value:
                continue  # an empty cell: no label (most cells of a sheet's first rows)
            if type(value) is str:  # _norm_label inline: this loop sees every cell of 50 rows
                label = value if value in wanted else "".join(value.split())
            else:
                label = _norm_label(value)
            if label in wanted and label not in positions:
                positions[label] = c
        if len(positions) >= need and (best is None or len(positions) > len(best[1])):
            best = (r, positions)
    return best


def _read_table(grid: _Grid, sheet: SheetSpec, sub: Submission) -> None:
    labels = [_norm_label(c.label) for c in sheet.columns]
    header = _find_header(grid, labels)
    if header is None:
        sub.structure.append(StructureProblem("missing_header_row", sheet.name, "", "・".join(sheet.labels)))
        return
    header_row, positions = header
    for column, label in zip(sheet.columns, labels, strict=True):
        if label not in positions and not column.optional:
            sub.structure.append(StructureProblem("missing_column", sheet.name, cell_address(header_row, 0), column.label))
    used = set(positions.values())
    first, last = min(used), max(used)
    header_values = grid.rows[header_row]
    for c in range(first, min(last + 2, len(header_values))):
        if c not in used and _norm_label(header_values[c]):
            sub.structure.append(StructureProblem("extra_column", sheet.name, cell_address(header_row, c), str(header_values[c])))
    records = sub.records(sheet.key)
    end = len(grid.rows)
    if end - header_row - 1 > MAX_ROWS:
        sub.structure.append(StructureProblem("too_many_rows", sheet.name, "", str(end - header_row - 1)))
        end = header_row + 1 + MAX_ROWS
    cols = [positions[label] for label in labels if label in positions]
    picks = [
        (column.key, positions[label], _column_letters(positions[label]))
        for column, label in zip(sheet.columns, labels, strict=True)
        if label in positions
    ]
    for r in range(header_row + 1, end):
        if grid.blank_row(r, cols):
            continue
        cells = grid.record_cells(r, picks)
        if cells is not None:
            records.append(Record(sheet.key, r + 1, cells))


def read_submission(
    path: Path | str,
    *,
    fiscal_years: tuple[int, int] | None = None,
    limits: Limits | None = None,
    data: bytes | None = None,
) -> Submission:
    """Read one department file. Raises :class:`kpitool.package.PackageError` for files that are
    not readable workbooks; everything else is recorded on the Submission for the validator.

    ``fiscal_years`` is the configured pair; when omitted, the file's own meta sheet decides.
    """
    import python_calamine  # lazy: start-up time of the Excel buttons

    path = Path(path)
    limits = limits or Limits()
    if data is None:
        data = path.read_bytes()
    info, kept, names = inspect_and_keep(path, limits, data=data, keep=needed_part)
    with Parts(data, kept, limits) as zf:
        styles = zf.read("xl/styles.xml") if "xl/styles.xml" in names else None
        percent = percent_styles(styles)
        visible = {name: part for name, state, part in info.sheets if state == "visible"}
        hidden = {name: part for name, state, part in info.sheets if state != "visible"}
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sst_count: int | None = None
        bad_refs: list[tuple[str, str, str]] = []  # (sheet, cell, index as written)

        def sheet_xml(name: str, part: str | None) -> bytes:
            nonlocal sst_count
            xml = zf.read(part) if part and part in names else b""
            if b't="s"' in xml:
                if sst_count is None:
                    sst_count = shared_string_count(zf, names)
                bad_refs.extend((name, ref, raw) for ref, raw in bad_shared_string_refs(xml, sst_count))
            return xml

        def grid(name: str) -> _Grid | None:
            before = len(bad_refs)
            xml = sheet_xml(name, visible.get(name))
            if len(bad_refs) > before:
                return None  # what a reader would make of it is a guess: not read at all
            rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            return _Grid(name, rows, scan_sheet(xml, percent))

        meta: dict[str, Any] = {}
        meta_part = hidden.get(META_SHEET) or visible.get(META_SHEET)
        if meta_part is not None:
            before = len(bad_refs)
            sheet_xml(META_SHEET, meta_part)
            rows = None
            if len(bad_refs) == before and meta_part in names:
                rows = meta_rows_from_xml(zf, meta_part, names)
            if rows is None and len(bad_refs) == before:  # anything unusual: calamine reads it all
                rows = book.get_sheet_by_name(META_SHEET).to_python(skip_empty_area=False)
            meta = read_meta_rows(rows) if rows is not None else {}
        years = fiscal_years
        if years is None:
            years = meta_years(meta) or DEFAULT_FISCAL_YEARS
        spec = template_spec(years)
        sub = Submission(path=path, info=info, spec=spec, meta=meta)
        for sheet in spec.sheets:
            if sheet.name not in visible:  # a hidden sheet of the name is not read (issue 16)
                sub.structure.append(StructureProblem("missing_sheet", sheet.name))
                continue
            g = grid(sheet.name)
            if g is None:
                continue
            if sheet.layout == "form":
                _read_form(g, sheet, sub)
            else:
                _read_table(g, sheet, sub)
        sub.structure.extend(
            StructureProblem("bad_shared_string", sheet, ref, raw) for sheet, ref, raw in bad_refs
        )
    return sub
