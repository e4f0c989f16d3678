"""One light pass over a sheet's raw XML: what python-calamine does not report.

Formula errors, formulas without a cached value and percent number formats (per cell), bad
shared-string indexes, and a fast read of the small identity sheet. :mod:`kpitool.reader`
combines these notes with calamine's values; the zip members come through :class:`Parts`,
bounded like :func:`kpitool.package.read_part`.
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kpitool.package import Limits, parse_xml_safely, read_part

SHARED_STRINGS_PART = "xl/sharedStrings.xml"


_CELL_RE = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(/>|>(.*?)</(?:\w+:)?c>)", re.S)
_CELL_OPEN_RE = re.compile(rb"<(?:\w+:)?c[\s/>]")
_FORMULA_RE = re.compile(rb"<(?:\w+:)?f[\s/>]")  # in a cell's body
_ATTR_RE = re.compile(rb'\b(r|s|t)="([^"]*)"')
_VALUE_RE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_REF_RE = re.compile(r"([A-Z]+)(\d+)")


@dataclass(frozen=True, slots=True)
class CellNote:
    error: str | None
    formula: bool
    uncached: bool
    percent: bool


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def percent_styles(styles_xml: bytes | None) -> frozenset[int]:
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


def scan_sheet(xml: bytes, percent_styles: frozenset[int]) -> dict[tuple[int, int], CellNote]:
    """Cells with formulas, errors or percent formats: what calamine's values do not tell.

    Only the cells that can carry a note are parsed: each formula element, error type or
    percent style attribute found in the XML leads back to the cell tag that holds it, so a
    sheet of plain values costs a few literal searches, not a parse of every cell.
    """
    notes: dict[tuple[int, int], CellNote] = {}
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
        notes[(int(m.group(2)) - 1, _col_index(m.group(1)))] = CellNote(
            error=value.group(1).decode() if is_error and value else None,
            formula=has_formula,
            # openpyxl with lxml writes <v></v> for a formula it never calculated; only a text
            # result (t="str") may cache the empty string
            uncached=has_formula and (value is None or (value.group(1) == b"" and attrs.get(b"t") != b"str")),
            percent=percent,
        )
    return notes


def needed_part(name: str) -> bool:
    """Members the reader parses itself: kept by the package check, not inflated twice."""
    return name in ("xl/styles.xml", SHARED_STRINGS_PART) or (
        name.startswith("xl/worksheets/") and name.endswith(".xml")
    )


class Parts:
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

    def __enter__(self) -> Parts:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._zip is not None:
            self._zip.close()


_KEY_CELL_RE = re.compile(rb'r="([AB])(\d+)"')  # the meta sheet's keys (A) and values (B)
# The body up to the first closing tag, as (.*?) would find it, a run of plain text at a time.
_SHARED_STRING_RE = re.compile(rb"<(?:\w+:)?si\b[^>]*?(?:/>|>([^<]*(?:<(?!/(?:\w+:)?si>)[^<]*)*)</(?:\w+:)?si>)")
_PLAIN_TEXT_RE = re.compile(rb'<(?:\w+:)?t(?: xml:space="preserve")?>([^<&]*)</(?:\w+:)?t>')
_INLINE_TEXT_RE = re.compile(
    rb'\s*<(?:\w+:)?is>\s*<(?:\w+:)?t(?: xml:space="preserve")?>([^<&]*)</(?:\w+:)?t>\s*</(?:\w+:)?is>\s*'
)
_NUMBER_RE = re.compile(rb"\s*<(?:\w+:)?v>(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)</(?:\w+:)?v>\s*")


_SST_ITEM_RE = re.compile(rb"<(?:\w+:)?si[\s/>]")
_SST_ITEM_STARTS = tuple(b"<si" + end for end in (b" ", b"\t", b"\n", b"\r", b"\f", b"\v", b"/", b">"))


def _at_least(count: int) -> bytes:
    """A regex of the digit strings of at least ``len(str(count))`` digits that can be >= count:
    more digits, a leading zero (checked with int), or as many digits and not smaller."""
    digits = str(count)
    width = len(digits)
    alternatives = [rb"[1-9]\d{%d,}" % width, rb"0\d{%d,}" % (width - 1)]
    for i, ch in enumerate(digits):
        if ch != "9":
            alternatives.append(digits[:i].encode() + b"[%d-9]" % (int(ch) + 1) + rb"\d{%d}" % (width - i - 1))
    alternatives.append(digits.encode())
    return b"|".join(alternatives)


@functools.lru_cache(maxsize=256)
def _sst_suspect_re(count: int) -> re.Pattern[bytes]:
    """Shared-string cells whose index is not digits only (group 1), or may be >= ``count``
    (group 2): one literal-led pass finds every suspect, and a sheet of good cells yields none."""
    return re.compile(
        rb't="s"[^>]*>\s*<(?:\w+:)?v>(?:(?!\d+<)([^<]*)|(' + _at_least(count) + rb'))<'
    )


def shared_string_count(zf: Parts, names: frozenset[str]) -> int:
    """How many strings xl/sharedStrings.xml holds (0 without the part)."""
    if SHARED_STRINGS_PART not in names:
        return 0
    sst = zf.read(SHARED_STRINGS_PART)
    if b":si" not in sst:  # no prefixed tags: literal counts find what _SST_ITEM_RE finds
        return sum(sst.count(start) for start in _SST_ITEM_STARTS)
    return len(_SST_ITEM_RE.findall(sst))


def bad_shared_string_refs(xml: bytes, count: int) -> list[tuple[str, str]]:
    """(cell, index as written) of shared-string cells whose index is not 0 … count-1.

    Readers disagree on ``<v>abc</v>``, ``-1``, ``1.5`` or ``1e2`` in a ``t="s"`` cell, and
    calamine reads most of them as string #0 (the 記入方法 title would become an 項目): a
    silent misread, so the cell is an error instead (issue 16). Two literal-led searches find
    only the suspects (not digits; as many digits as ``count`` has), so a sheet of 800,000
    shared-string cells costs two regex passes, not a Python loop over its cells.
    """
    bad: list[tuple[int, str]] = []
    for match in _sst_suspect_re(count).finditer(xml):
        text, index = match.group(1, 2)
        if text is not None:
            bad.append((match.start(), text.strip().decode("utf-8", "replace")))
        elif int(index) >= count:
            bad.append((match.start(), index.decode("ascii")))
    found: list[tuple[str, str]] = []
    for position, raw in bad:
        start = xml.rfind(b"<", 0, position)
        cell = _CELL_RE.match(xml, start) if start >= 0 and _CELL_OPEN_RE.match(xml, start) else None
        if cell is None or cell.end() <= position:
            continue  # t="s" of something that is not a cell tag
        ref = dict(_ATTR_RE.findall(cell.group(1))).get(b"r", b"").decode("ascii", "replace")
        found.append((ref, raw))
    return found


def meta_rows_from_xml(zf: Parts, part: str, names: frozenset[str]) -> list[list[Any]] | None:
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


def _shared_strings(zf: Parts, names: frozenset[str], wanted: set[int]) -> dict[int, str] | None:
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
