"""Read a filled department template into a :class:`Submission`.

Every value keeps the exact cell it came from (``実績数値!E7``) and its text as written, so a
finding can point at the cell and an auditor can trace a figure back to it. Tables are found by
their header row, so rows or columns that users insert above or beside them do not break
reading. Values are read with python-calamine (fast); one light pass over the raw sheet XML adds
what calamine does not report: formula errors, formulas without a cached value, and percent
number formats.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpitool.package import Limits, PackageInfo, inspect_and_keep, parse_xml_safely, read_part
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
SHARED_STRINGS_PART = "xl/sharedStrings.xml"


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


def cell_address(row: int, col: int) -> str:
    """0-based (row, col) -> "E7"."""
    return f"{_LETTERS[col] if col < 702 else column_letter(col)}{row + 1}"


_CELL_RE = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(/>|>(.*?)</(?:\w+:)?c>)", re.S)
_CELL_OPEN_RE = re.compile(rb"<(?:\w+:)?c[\s/>]")
_FORMULA_RE = re.compile(rb"<(?:\w+:)?f[\s/>]")  # in a cell's body
_ATTR_RE = re.compile(rb'\b(r|s|t)="([^"]*)"')
_VALUE_RE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_REF_RE = re.compile(r"([A-Z]+)(\d+)")


@dataclass(frozen=True, slots=True)
class _CellNote:
    error: str | None
    formula: bool
    uncached: bool
    percent: bool


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _percent_styles(styles_xml: bytes | None) -> frozenset[int]:
    """Indexes of cellXfs whose number format shows a percent."""
    if not styles_xml or (b"%" not in styles_xml and b'numFmtId="9"' not in styles_xml and b'numFmtId="10"' not in styles_xml):
        return frozenset()
    root = parse_xml_safely(styles_xml)
    ns = root.tag.split("}")[0] + "}" if root.tag.startswith("{") else ""
    percent_ids = {9, 10}
    numfmts = root.find(f"{ns}numFmts")
    if numfmts is not None:
        for nf in numfmts:
            code = re.sub(r'"[^"]*"|\\.', "", nf.get("formatCode", ""))
            if "%" in code:
                percent_ids.add(int(nf.get("numFmtId", "-1")))
    xfs = root.find(f"{ns}cellXfs")
    if xfs is None:
        return frozenset()
    return frozenset(i for i, xf in enumerate(xfs) if int(xf.get("numFmtId", "0")) in percent_ids)


_FORMULA_TAG_RE = re.compile(rb"<f[\s/>]")  # separate literal-led patterns: ~30x faster
_PREFIXED_FORMULA_RE = re.compile(rb":f[\s/>]")  # than one alternation over the sheet
_ERROR_ATTR_RE = re.compile(rb't="e"')
_WORD_RE = re.compile(rb"\w+")


@functools.lru_cache(maxsize=64)
def _percent_attr_re(percent_styles: frozenset[int]) -> re.Pattern[bytes] | None:
    if not percent_styles:
        return None
    return re.compile(rb's="(?:' + b"|".join(str(i).encode() for i in sorted(percent_styles)) + rb')"')


def _note_positions(xml: bytes, percent_styles: frozenset[int]) -> Iterator[int]:
    """Where something worth a note starts: a formula tag, or an error/percent attribute."""
    for match in _FORMULA_TAG_RE.finditer(xml):
        yield match.start()
    for match in _PREFIXED_FORMULA_RE.finditer(xml):
        tag = xml.rfind(b"<", 0, match.start())
        if tag >= 0 and _WORD_RE.fullmatch(xml, tag + 1, match.start()):
            yield tag
    for pattern in (_ERROR_ATTR_RE, _percent_attr_re(percent_styles)):
        if pattern is None:
            continue
        for match in pattern.finditer(xml):
            if match.start() and xml[match.start() - 1 : match.start()].isspace():
                yield match.start()


def _scan_sheet(xml: bytes, percent_styles: frozenset[int]) -> dict[tuple[int, int], _CellNote]:
    """Cells with formulas, errors or percent formats: what calamine's values do not tell.

    Only the cells that can carry a note are parsed: each formula element, error type or
    percent style attribute found in the XML leads back to the cell tag that holds it, so a
    sheet of plain values costs a few literal searches, not a parse of every cell.
    """
    notes: dict[tuple[int, int], _CellNote] = {}
    seen: set[int] = set()
    for position in _note_positions(xml, percent_styles):
        # A formula element is the first child of its cell; an attribute sits in the cell tag.
        start = xml.rfind(b"<", 0, position)
        if start < 0 or start in seen or not _CELL_OPEN_RE.match(xml, start):
            continue  # e.g. <xm:f> of a data validation, or s="9" of a row: not a cell
        match = _CELL_RE.match(xml, start)
        if match is None or match.end() <= position:
            continue
        seen.add(start)
        attrs = dict(_ATTR_RE.findall(match.group(1)))
        body = match.group(3) or b""
        has_formula = _FORMULA_RE.search(body) is not None
        is_error = attrs.get(b"t") == b"e"
        style = attrs.get(b"s")
        percent = bool(percent_styles) and style is not None and style.isdigit() and int(style) in percent_styles
        if not (has_formula or is_error or percent):
            continue
        ref = attrs.get(b"r")
        if ref is None:
            continue
        m = _REF_RE.fullmatch(ref.decode())
        if not m:
            continue
        value = _VALUE_RE.search(body)
        notes[(int(m.group(2)) - 1, _col_index(m.group(1)))] = _CellNote(
            error=value.group(1).decode() if is_error and value else None,
            formula=has_formula,
            # openpyxl with lxml writes <v></v> for a formula it never calculated; only a text
            # result (t="str") may cache the empty string
            uncached=has_formula and (value is None or (value.group(1) == b"" and attrs.get(b"t") != b"str")),
            percent=percent,
        )
    return notes


def _needed_part(name: str) -> bool:
    """Members the reader parses itself: kept by the package check, not inflated twice."""
    return name in ("xl/styles.xml", SHARED_STRINGS_PART) or (
        name.startswith("xl/worksheets/") and name.endswith(".xml")
    )


class _Parts:
    """The zip members the reader needs: those kept by the package check, others on demand."""

    def __init__(self, data: bytes, kept: dict[str, bytes], limits: Limits) -> None:
        self._data = data
        self._kept = kept
        self._limits = limits
        self._zip: zipfile.ZipFile | None = None

    def read(self, name: str) -> bytes:
        """A member's bytes, bounded like :func:`kpitool.package.read_part`."""
        kept = self._kept.get(name)
        if kept is not None:
            return kept
        if self._zip is None:
            self._zip = zipfile.ZipFile(io.BytesIO(self._data))
        return read_part(self._zip, name, self._limits)

    def __enter__(self) -> _Parts:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._zip is not None:
            self._zip.close()


_KEY_CELL_RE = re.compile(rb'r="([AB])(\d+)"')  # the meta sheet's keys (A) and values (B)
_SHARED_STRING_RE = re.compile(rb"<(?:\w+:)?si\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?si>)", re.S)
_PLAIN_TEXT_RE = re.compile(rb'<(?:\w+:)?t(?: xml:space="preserve")?>([^<&]*)</(?:\w+:)?t>')
_INLINE_TEXT_RE = re.compile(
    rb'\s*<(?:\w+:)?is>\s*<(?:\w+:)?t(?: xml:space="preserve")?>([^<&]*)</(?:\w+:)?t>\s*</(?:\w+:)?is>\s*'
)
_NUMBER_RE = re.compile(rb"\s*<(?:\w+:)?v>(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)</(?:\w+:)?v>\s*")


_SST_ITEM_RE = re.compile(rb"<(?:\w+:)?si[\s/>]")
_SST_BAD_RE = re.compile(rb't="s"[^>]*>\s*<(?:\w+:)?v>(?!\d+<)([^<]*)<')  # not digits only


@functools.lru_cache(maxsize=64)
def _sst_long_re(width: int) -> re.Pattern[bytes]:
    """Shared-string indexes of at least ``width`` digits: the only ones that can be too big."""
    return re.compile(rb't="s"[^>]*>\s*<(?:\w+:)?v>(\d{' + str(width).encode() + rb',})<')


def shared_string_count(zf: _Parts, names: frozenset[str]) -> int:
    """How many strings xl/sharedStrings.xml holds (0 without the part)."""
    if SHARED_STRINGS_PART not in names:
        return 0
    return len(_SST_ITEM_RE.findall(zf.read(SHARED_STRINGS_PART)))


def bad_shared_string_refs(xml: bytes, count: int) -> list[tuple[str, str]]:
    """(cell, index as written) of shared-string cells whose index is not 0 … count-1.

    Readers disagree on ``<v>abc</v>``, ``-1``, ``1.5`` or ``1e2`` in a ``t="s"`` cell, and
    calamine reads most of them as string #0 (the 記入方法 title would become an 項目): a
    silent misread, so the cell is an error instead (issue 16). Two literal-led searches find
    only the suspects (not digits; as many digits as ``count`` has), so a sheet of 800,000
    shared-string cells costs two regex passes, not a Python loop over its cells.
    """
    bad: list[tuple[int, str]] = []
    for match in _SST_BAD_RE.finditer(xml):
        bad.append((match.start(), match.group(1).strip().decode("utf-8", "replace")))
    for match in _sst_long_re(len(str(count))).finditer(xml):
        if int(match.group(1)) >= count:
            bad.append((match.start(), match.group(1).decode("ascii")))
    found: list[tuple[str, str]] = []
    for position, raw in sorted(bad):
        start = xml.rfind(b"<", 0, position)
        cell = _CELL_RE.match(xml, start) if start >= 0 and _CELL_OPEN_RE.match(xml, start) else None
        if cell is None or cell.end() <= position:
            continue  # t="s" of something that is not a cell tag
        ref = dict(_ATTR_RE.findall(cell.group(1))).get(b"r", b"").decode("ascii", "replace")
        found.append((ref, raw))
    return found


def _meta_rows_from_xml(zf: _Parts, part: str, names: frozenset[str]) -> list[list[Any]] | None:
    """The key/value rows (columns A and B) of the hidden meta sheet, read from its XML.

    The meta sheet also holds the roster (column D): a national roll-up has 1,741 names in
    every file, and calamine would parse them all (about 1 ms a file) to find four keys. Only
    the plain cases are read here: A/B cells with an ``r`` address holding a shared or inline
    string of plain text, or an unstyled number. Anything else returns None and the caller reads the
    sheet with calamine, so the result never differs from calamine's.
    """
    xml = zf.read(part)
    cells: dict[tuple[int, int], tuple[bytes, bytes]] = {}  # (row, col) -> (type, body)
    for match in _KEY_CELL_RE.finditer(xml):
        start = xml.rfind(b"<", 0, match.start())
        cell = _CELL_RE.match(xml, start) if start >= 0 and _CELL_OPEN_RE.match(xml, start) else None
        if cell is None:
            continue
        attrs = dict(_ATTR_RE.findall(cell.group(1)))
        if attrs.get(b"r") != match.group(1) + match.group(2):
            continue
        kind = attrs.get(b"t", b"n")
        if kind not in (b"s", b"n", b"inlineStr") or (kind == b"n" and attrs.get(b"s", b"0") != b"0"):
            return None  # a styled number may be a date, other types are rare: calamine
        cells[(int(match.group(2)) - 1, ord(match.group(1)) - 65)] = (kind, cell.group(3) or b"")
    if not cells:
        return None  # no keys where the template puts them (or cells without addresses)
    wanted: set[int] = set()
    for kind, body in cells.values():
        if kind == b"s":
            index = _VALUE_RE.fullmatch(body.strip())
            if index is None or not index.group(1).isdigit():
                return None
            wanted.add(int(index.group(1)))
    strings = _shared_strings(zf, names, wanted) if wanted else {}
    if strings is None:
        return None
    rows: dict[int, list[Any]] = {}
    for (row, col), (kind, body) in sorted(cells.items()):
        if kind == b"s":
            value: Any = strings[int(_VALUE_RE.fullmatch(body.strip()).group(1))]  # type: ignore[union-attr]
        elif kind == b"inlineStr":
            inline = _INLINE_TEXT_RE.fullmatch(body)
            if inline is None or b"_x" in inline.group(1):
                return None
            value = inline.group(1).decode("utf-8")
        elif not body.strip():
            value = ""
        else:
            number = _NUMBER_RE.fullmatch(body)
            if number is None:
                return None  # a formula, an inline string…
            value = float(number.group(1))
        rows.setdefault(row, ["", ""])[col] = value
    return [rows[r] for r in sorted(rows)]


def _shared_strings(zf: _Parts, names: frozenset[str], wanted: set[int]) -> dict[int, str] | None:
    """The shared strings at ``wanted`` indexes, when each is one run of plain text; else None."""
    if SHARED_STRINGS_PART not in names:
        return None
    sst = zf.read(SHARED_STRINGS_PART)
    found: dict[int, str] = {}
    last = max(wanted)
    for index, item in enumerate(_SHARED_STRING_RE.finditer(sst)):
        if index > last:
            break
        if index in wanted:
            text = _PLAIN_TEXT_RE.fullmatch(item.group(1) or b"")
            if text is None or b"_x" in text.group(1):
                return None  # rich text, phonetic runs, entities or _xHHHH_ escapes
            found[index] = text.group(1).decode("utf-8")
    return found if len(found) == len(wanted) else None


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

    def __init__(self, name: str, rows: list[list[Any]], notes: dict[tuple[int, int], _CellNote]) -> None:
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
    for r in range(header_row + 1, end):
        if grid.blank_row(r, cols):
            continue
        cells = {
            column.key: grid.cell(r, positions[label])
            for column, label in zip(sheet.columns, labels, strict=True)
            if label in positions
        }
        if all(cell.is_empty for cell in cells.values()):
            continue
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
    info, kept, names = inspect_and_keep(path, limits, data=data, keep=_needed_part)
    with _Parts(data, kept, limits) as zf:
        styles = zf.read("xl/styles.xml") if "xl/styles.xml" in names else None
        percent_styles = _percent_styles(styles)
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
            return _Grid(name, rows, _scan_sheet(xml, percent_styles))

        meta: dict[str, Any] = {}
        meta_part = hidden.get(META_SHEET) or visible.get(META_SHEET)
        if meta_part is not None:
            before = len(bad_refs)
            sheet_xml(META_SHEET, meta_part)
            rows = None
            if len(bad_refs) == before and meta_part in names:
                rows = _meta_rows_from_xml(zf, meta_part, names)
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
