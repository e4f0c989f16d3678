"""Write a whole data row at once into XlsxWriter's ``constant_memory`` row stream (issue 17).

XlsxWriter's per-cell API costs more than everything else the master's writer does: each cell
passes an argument-converting decorator, a dimension check, a named tuple in a row table and,
when the row is flushed, an attribute list, a class-name dispatch and several small writes.
At national scale (2.9 M cells) that was 53 s, while rendering the same sheet XML directly took
about 8 s. :class:`FastRowWorksheet` renders one row of cells in one pass and writes it with one
call, producing exactly the bytes XlsxWriter's ``_write_single_row`` would; the committed golden
master and ``tests/test_fastrows.py`` (every kind of value through both paths, worksheet XML
compared byte for byte) prove it.

It relies on XlsxWriter's private internals (``_write_single_row``, ``_check_dimensions``'s
fields, ``_write_url``, the ``row_info`` / ``col_info`` / ``hyperlinks`` tables, the XML
escapes), read from the version pinned in constraints.txt: :data:`SUPPORTED_XLSXWRITER`. On any
other XlsxWriter version :func:`fast_rows_supported` is False and the writer keeps the per-cell
API, so an upgrade can only cost speed, never a different workbook.

How it stays exact:

- A row's cells are kept until XlsxWriter would write that row (when a later row starts or the
  workbook closes), so formats get their style index (``_get_xf_index``, assigned on first use)
  in the same order as on the per-cell path.
- Dimensions, the previous row and row heights (``set_row``) are XlsxWriter's own bookkeeping.
  Hyperlinks go into XlsxWriter's table of them: a plain ``external:`` link (every 出典) as a
  small record that becomes XlsxWriter's Url only when the sheet's hyperlinks are written out
  (issue 17: Url objects of 65,530 links per sheet were the writer's largest memory), any
  other through ``_write_url`` itself, told not to write the text, which this row renders.
- Anything outside the plain cases — a formula with a dynamic-array or newer function, an array
  formula, NaN or infinity, a value of another type, a row already passed — goes through
  XlsxWriter's own per-cell method, and the row is rendered from both in column order.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from kpitool.xlsx_text import looks_rich

SUPPORTED_XLSXWRITER = frozenset({"3.3.1"})  # the version pinned in constraints.txt

# What a cell of a row is (the first item of a cell tuple); see FastRowWorksheet.write_cells.
STRING, NUMBER, DATETIME, FORMULA, URL = range(5)

# Functions kpitool's formulas use that Excel has always had: XlsxWriter need not prefix them.
CLASSIC_FUNCTIONS = frozenset({
    "ABS", "AND", "COUNTIF", "IF", "IFERROR", "ISBLANK", "ISNUMBER", "LEN", "MAX", "MIN", "NOT", "OR",
    "ROUND", "SUM", "SUMIF", "TEXT",
})
FUNCTION_NAME = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\(")
_ERROR_CODES = frozenset({"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"})

_MEMO_LIMIT = 1 << 13  # distinct strings rendered, files linked; cleared when full, so memory stays flat
# A string XlsxWriter writes as it is: no control character, non-character, _xHHHH_ escape,
# XML special character, leading or trailing whitespace (its xml:space test), nor rich string.
_NEEDS_WORK = re.compile(r"[\x00-\x08\x0b-\x1f&<>\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s$")

Cell = tuple[int, int, Any, Any, Any]  # (kind, column, value, format, extra)


def fast_rows_supported() -> bool:
    """True when the installed XlsxWriter is the one this module was checked against."""
    import xlsxwriter

    return getattr(xlsxwriter, "__version__", "") in SUPPORTED_XLSXWRITER


def classic_formula(formula: str) -> str | None:
    """The formula as XlsxWriter stores it (no ``=``) when it calls only
    :data:`CLASSIC_FUNCTIONS` and is no array formula, else None.

    Such a formula can match none of XlsxWriter's dynamic-array patterns (each is
    ``\\bNAME\\(`` for a name not in the list), so XlsxWriter would store exactly this text.
    """
    if not formula or formula[0] == "{" or "_xlfn." in formula:
        return None
    text = formula[1:] if formula[0] == "=" else formula
    text = text[:-1] if text.endswith("}") else text
    if all(name in CLASSIC_FUNCTIONS for name in FUNCTION_NAME.findall(text)):
        return text
    return None


def write_cell(sheet: Any, row: int, col: int, kind: int, value: Any, fmt: Any, extra: Any) -> int:
    """One cell through XlsxWriter's public per-cell API (the reference the fast path equals,
    and the path on any XlsxWriter version)."""
    if kind == STRING:
        return sheet.write_string(row, col, value, fmt)
    if kind == NUMBER:
        return sheet.write_number(row, col, value, fmt)
    if kind == DATETIME:
        return sheet.write_datetime(row, col, value, fmt)
    if kind == FORMULA:
        return sheet.write_formula(row, col, value, fmt, extra)
    if kind == URL:
        string, tip = extra
        return sheet.write_url(row, col, value, fmt, string, tip)
    raise ValueError(f"unknown cell kind {kind!r}")


class _Link:
    """A hyperlink :meth:`FastRowWorksheet.write_cells` recorded: the cell, and the URL (its
    path part shared by every link to that file), text and tip that ``write_url`` would have
    turned into XlsxWriter's Url at once. The Url (a dozen fields, half a kilobyte) is made
    only when the sheet's hyperlinks are written out, one at a time (:class:`_LinkRow`), so a
    sheet's 65,530 links do not stay in memory as Url objects (issue 17)."""

    __slots__ = ("anchor", "col", "head", "row", "text", "tip")

    def __init__(self, row: int, col: int, head: str, anchor: str | None, text: str, tip: str | None) -> None:
        self.row, self.col, self.head, self.anchor, self.text, self.tip = row, col, head, anchor, text, tip


_PARSED_LINKS: dict[str, Any] = {}  # a link's path part -> XlsxWriter's Url of it


def xlsxwriter_url(link: _Link) -> Any:
    """XlsxWriter's Url of a recorded ``external:`` link, as ``write_url`` would have made it:
    the path part is parsed once per file and the part after ``#`` (the cell) set on a copy,
    as Url's parser sets it (with ``/`` as ``\\``)."""
    from xlsxwriter.url import Url

    parsed = _PARSED_LINKS.get(link.head)
    if parsed is None:
        if len(_PARSED_LINKS) >= _MEMO_LIMIT:
            _PARSED_LINKS.clear()
        parsed = _PARSED_LINKS[link.head] = Url(link.head)
    url = Url.__new__(Url)
    url.__dict__.update(parsed.__dict__)
    if link.anchor is None:
        url._original_url = link.head
    else:
        url._original_url = f"{link.head}#{link.anchor}"
        url._anchor = link.anchor.replace("/", "\\")
    url._text = link.text
    if link.tip is not None:
        url.tip = link.tip
    return url


class _LinkRow(dict):  # type: ignore[type-arg]
    """One row of ``Worksheet.hyperlinks`` (XlsxWriter's ``defaultdict(dict)``) as the sheet
    is written out: a recorded :class:`_Link` is handed out as XlsxWriter's Url."""

    __slots__ = ()

    def __getitem__(self, col: int) -> Any:
        found = dict.__getitem__(self, col)
        return xlsxwriter_url(found) if type(found) is _Link else found


def worksheet_class(base: type) -> type:
    """``base`` (an XlsxWriter Worksheet subclass) with :meth:`write_cells`, the row fast path."""
    from xlsxwriter.utility import _preserve_whitespace, _utf16_len, _utf16_truncate, xl_col_to_name
    from xlsxwriter.xmlwriter import XMLwriter

    escape_control = XMLwriter._escape_control_characters
    column_names: list[str] = []

    def column_name(col: int) -> str:
        while len(column_names) <= col:
            column_names.append(xl_col_to_name(len(column_names)))
        return column_names[col]

    class FastRowWorksheet(base):  # type: ignore[misc,valid-type]
        """A Worksheet that can take a whole row of cells in one call (:meth:`write_cells`)."""

        def __init__(self) -> None:
            super().__init__()
            self._pending: tuple[int, list[Cell]] | None = None
            self._strings: dict[str, str] = {}
            self._styles: dict[int, str] = {}  # id(format) -> its s attribute, once it has an index
            self._row_tags: dict[tuple[Any, ...], str] = {}
            self._links: list[_Link] = []  # links recorded by write_cells, in the order written
            self._link_heads: dict[str, str] = {}

        def _write_hyperlinks(self) -> None:
            """XlsxWriter's, with the recorded links put in its table first (but where a later
            ``write_url`` replaced them), then the table dropped: nothing reads it afterwards."""
            if self._links:
                table = defaultdict(_LinkRow)
                for link in self._links:  # a later one replaces an earlier one in the same cell
                    dict.__setitem__(table[link.row], link.col, link)
                for row, links in self.hyperlinks.items():  # each later than any recorded in its cell
                    table[row].update(links)
                self._links = []
                self.hyperlinks = table
            super()._write_hyperlinks()
            self.hyperlinks = defaultdict(dict)

        def _plain_link(self, url: Any, string: Any, tip: Any) -> bool:
            """A link XlsxWriter would take as it is: an ``external:`` path of ordinary length
            without ``file:`` in it, with a text, a short tip, and room under Excel's limit of
            links per sheet (anything else goes through ``write_url``)."""
            return (type(url) is str and url.startswith("external:") and url[9:10] not in ("", "#")
                    and 2 * len(url) <= self.max_url_length and "file:" not in url and type(string) is str
                    and (tip is None or (type(tip) is str and (len(tip) <= 127 or _utf16_len(tip) <= 255)))
                    and self.hlink_count < 65_530)

        def write_cells(self, row: int, cells: Sequence[Cell]) -> None:
            """Write one row's cells: ``(kind, column, value, format, extra)`` tuples in column
            order, as the per-cell methods would write them one by one (:func:`write_cell`:
            ``extra`` is a formula's cached value, a link's (text, tip)).

            Rows must come in increasing order after anything else written to this sheet; a row
            that does not (or a sheet not in ``constant_memory`` mode) is written cell by cell.
            """
            if not cells:
                return
            first, last = cells[0][1], cells[-1][1]
            if (not self.constant_memory or row <= self.previous_row or row >= self.xls_rowmax
                    or first < 0 or last >= self.xls_colmax or first > last):
                for kind, col, value, fmt, extra in cells:
                    write_cell(self, row, col, kind, value, fmt, extra)
                return
            # _check_dimensions for every cell: the row, the first and the last column.
            if self.dim_rowmin is None or row < self.dim_rowmin:
                self.dim_rowmin = row
            if self.dim_rowmax is None or row > self.dim_rowmax:
                self.dim_rowmax = row
            if self.dim_colmin is None or first < self.dim_colmin:
                self.dim_colmin = first
            if self.dim_colmax is None or last > self.dim_colmax:
                self.dim_colmax = last
            kept: list[Cell] = []
            strmax = self.xls_strmax
            for cell in cells:
                kind, col, value, fmt, extra = cell
                if kind == STRING:
                    if value.startswith("<r>") and looks_rich(value):  # kpitool.xlsx_text
                        write_cell(self, row, col, kind, value, fmt, extra)
                        continue
                    if len(value) > strmax // 2 and _utf16_len(value) > strmax:
                        cell = (STRING, col, _utf16_truncate(value, strmax), fmt, None)
                elif kind == NUMBER:
                    if value.__class__ not in (float, int) or not math.isfinite(value):
                        write_cell(self, row, col, kind, value, fmt, extra)  # NaN, Fraction, …
                        continue
                elif kind == FORMULA:
                    prepared = None if self.use_future_functions else classic_formula(value)
                    if prepared is None:
                        write_cell(self, row, col, kind, value, fmt, extra)
                        continue
                    cell = (FORMULA, col, prepared, fmt, extra)
                elif kind == URL:
                    string, tip = extra
                    if self._plain_link(value, string, tip):  # recorded now, parsed when written out
                        self.hlink_count += 1
                        earlier = self.hyperlinks.get(row)
                        if earlier:  # replaced by this one (a later write_url replaces it in turn)
                            earlier.pop(col, None)
                        head, sep, anchor = value.partition("#")
                        head = self._link_heads.setdefault(head, head)
                        self._links.append(_Link(row, col, head, anchor if sep else None, string, tip))
                        text = string
                    else:  # XlsxWriter's own checks and hyperlink record; the text is rendered here
                        self.ignore_write_string = True
                        try:
                            status = write_cell(self, row, col, kind, value, fmt, extra)
                        finally:
                            self.ignore_write_string = False
                        if status != 0:
                            continue
                        text = self.hyperlinks[row][col].text
                    if len(text) > strmax // 2 and _utf16_len(text) > strmax:
                        text = _utf16_truncate(text, strmax)
                    link_format = self.default_url_format if fmt is None else fmt
                    if looks_rich(text):  # written as runs (kpitool.xlsx_text), cell by cell
                        self._write_string(row, col, text, link_format)
                        continue
                    cell = (STRING, col, text, link_format, None)
                elif kind == DATETIME:
                    number = self._convert_date_time(value)
                    cell = (NUMBER, col, number, self.default_date_format if fmt is None else fmt, None)
                else:
                    raise ValueError(f"unknown cell kind {kind!r}")
                kept.append(cell)
            if kept:
                if row > self.previous_row:  # the previous row goes out when the first cell is kept
                    self._write_single_row(row)
                self._pending = (row, kept)

        def _write_single_row(self, current_row_num: int = 0) -> None:
            pending = self._pending
            if pending is None or pending[0] != self.previous_row:
                super()._write_single_row(current_row_num)
                return
            self._pending = None
            row_num, cells = pending
            self.previous_row = current_row_num
            written = self.table.get(row_num)  # cells of this row that took the per-cell path
            order: Any = ((cell[1], cell) for cell in cells)
            if written:  # both paths in one row: column order, a later write replacing an earlier
                merged: dict[int, Cell | None] = {cell[1]: cell for cell in cells}
                merged.update(dict.fromkeys(written))
                order = sorted(merged.items())
            parts = [self._row_tag(row_num)]
            number = str(row_num + 1)
            styles, strings = self._styles, self._strings
            for col, cell in order:
                if cell is None:  # XlsxWriter renders its own cell
                    self.fh.write("".join(parts))
                    parts.clear()
                    self._write_cell(row_num, col, written[col])
                    continue
                kind, _, value, fmt, extra = cell
                if fmt is not None:
                    # The index is fixed by the first call (in XlsxWriter's order: this one).
                    style = styles.get(id(fmt))
                    if style is None:
                        style = styles[id(fmt)] = f' s="{fmt._get_xf_index()}"'
                else:
                    style = self._implicit_style(row_num, col)
                ref = column_name(col) + number
                if kind == STRING:
                    body = strings.get(value)
                    if body is None:
                        body = self._string_body(value)
                    parts.append(f'<c r="{ref}"{style}{body}')
                elif kind == NUMBER:
                    parts.append(f'<c r="{ref}"{style}><v>{value:.16G}</v></c>')
                else:  # FORMULA, as XlsxWriter's _write_cell and _xml_formula_element write it
                    result = extra
                    kind_attr = ""
                    if isinstance(result, bool):
                        kind_attr = ' t="b"'
                        result = 1 if result else 0
                    elif isinstance(result, str) and result:
                        kind_attr = ' t="e"' if result in _ERROR_CODES else ' t="str"'
                    parts.append(f'<c r="{ref}"{style}{kind_attr}><f>{self._escape_data(value)}</f>'
                                 f'<v>{self._escape_data(result)}</v></c>')
            parts.append("</row>")
            self.fh.write("".join(parts))
            self.table.clear()
            # The row is out: its set_row record is read by nothing else (row_sizes, which
            # places charts, stays). Dropped, so a sheet's row records do not pile up.
            self.row_info.pop(row_num, None)

        def _implicit_style(self, row: int, col: int) -> str:
            """The ``s`` attribute of a cell without a format (the row's, else the column's)."""
            info = self.row_info.get(row)
            if info is not None and info.row_format:
                return f' s="{info.row_format._get_xf_index()}"'
            column = self.col_info.get(col)
            if column is not None and column.column_format is not None:
                return f' s="{column.column_format._get_xf_index()}"'
            return ""

        def _row_tag(self, row_num: int) -> str:
            """``<row …>`` as XlsxWriter's ``_write_row`` writes it (cached per distinct row info)."""
            info = self.row_info.get(row_num)
            if info is not None and info.row_format is not None:  # a style index: not cacheable
                return self._rendered(lambda: self._write_row(row_num, None, info))
            key = (None if info is None else (info.height, info.hidden, info.level, info.collapsed),
                   self.default_row_height, self.original_row_height, self.excel_version)
            tail = self._row_tags.get(key)
            if tail is None:
                tag = self._rendered(lambda: self._write_row(0, None, info))
                assert tag.startswith('<row r="1"'), tag
                tail = self._row_tags[key] = tag[len('<row r="1"'):]
            return f'<row r="{row_num + 1}"{tail}'

        def _rendered(self, write: Any) -> str:
            """What ``write()`` writes to the sheet's file handle, captured as text."""
            from io import StringIO

            fh, self.fh = self.fh, StringIO()
            try:
                write()
                return self.fh.getvalue()
            finally:
                self.fh = fh

        def _string_body(self, string: str) -> str:
            """An inline string cell after ``<c r=… s=…``, as XlsxWriter's ``_write_cell`` and
            ``_xml_inline_string`` write it in constant_memory mode."""
            original = string
            if _NEEDS_WORK.search(string) is None:  # most texts: nothing to escape or preserve
                body = f' t="inlineStr"><is><t>{string}</t></is></c>'
            else:  # never a text XlsxWriter would take for rich-text XML: write_cells routes those
                string = escape_control(string)
                preserve = ' xml:space="preserve"' if _preserve_whitespace(string) else ""
                body = f' t="inlineStr"><is><t{preserve}>{self._escape_data(string)}</t></is></c>'
            if len(original) <= 256:  # short texts recur (departments, units, はい); long ones rarely
                if len(self._strings) >= _MEMO_LIMIT:
                    self._strings.clear()
                self._strings[original] = body
            return body

    FastRowWorksheet.__name__ = FastRowWorksheet.__qualname__ = f"FastRow{base.__name__}"
    return FastRowWorksheet
