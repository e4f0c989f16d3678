"""The digest of the consolidated data: one canonical form that the writer and the audit share.

The master records a sha256 of what it holds, so an auditor can prove months later that no
value was edited after consolidation. The writer computes it from the values it writes; the
audit recomputes it from the values it reads back. Both go through :func:`canonical_lines`,
so the two cannot disagree about formatting: a value is canonicalised the way it survives an
.xlsx round trip through any writer (numbers to the 15 significant digits Excel and
LibreOffice keep, so a master re-saved by LibreOffice still passes; dates as ISO text, blank
as ``None``).

What is covered is decided by the caller (:mod:`kpitool.master.layout`): every written cell of
the data tables (formula cells by their formula text), the header labels and the config, but
not the run time, the tool version or file modification times, so consolidating the same inbox
with the same config again gives the same digest.

Besides the digest, each row gets a short :func:`row_hash` and each column a
:func:`column_hash`, and each cell of a data sheet a 16-bit :func:`cell_print` of its value,
its displayed number format and its hyperlink target (stored after the row hash in the row's
行の検証値 cell), so the audit names exactly the cells that differ, including a changed format
or a retargeted link (issue 16). A digest without a signature detects edits, not a
forger who recomputes it: keep the digest printed in the approval papers as well.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

DIGEST_FORMAT = "kpitool-digest-2"
ROW_HASH_LENGTH = 16  # hex digits: 64 bits are plenty to notice an accidental edit
MAX_TEXT = 32_767  # Excel's limit for one cell; XlsxWriter truncates longer strings

Canonical = None | bool | float | str

# Characters XlsxWriter cannot store (it escapes control characters as _x0001_, but not these).
_UNSTORABLE = re.compile("[\ufffe\uffff\ud800-\udfff]")

INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]"
)
"""Characters that change how text shows without showing themselves: bidi controls (U+202E
shows ``認知度%001`` as ``認知度100%``), zero-width characters and the BOM (two values that
look equal differ). Validation warns about them (W-CELL-004); the master and the CSV show
each as ``<U+202E>`` (issue 16)."""


def escape_invisible(text: str) -> str:
    """``認知度\u202e%001`` -> ``認知度<U+202E>%001``."""
    return INVISIBLE.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)


def clean_text(text: str) -> str:
    """A string as a cell can hold it: without U+FFFE/U+FFFF and lone surrogates, invisible
    characters shown as ``<U+XXXX>`` (:data:`INVISIBLE`), and at most 32,767 UTF-16 units
    (Excel's limit, where XlsxWriter would truncate).

    Control characters, tabs and CR stay: XlsxWriter escapes them (``_x000D_``) and
    python-calamine, which the audit reads with, unescapes them as Excel does. The writer
    writes this form, so what the audit reads back is the same string.
    """
    if len(text) <= MAX_TEXT // 2 and text.isprintable():  # the common case, checked fast
        return text
    text = escape_invisible(_UNSTORABLE.sub("", text))
    encoded = text.encode("utf-16-le")
    if len(encoded) > 2 * MAX_TEXT:
        text = encoded[: 2 * MAX_TEXT].decode("utf-16-le", errors="ignore")
    return text


def canonical_value(value: Any) -> Canonical:
    """One cell value in the form both sides agree on.

    Numbers become floats rounded to 15 significant digits, what Excel shows and LibreOffice
    writes back (so 498 and 498.0 are equal, and =100/3 re-saved by LibreOffice as
    33.3333333333333 equals XlsxWriter's 33.33333333333334); ``-0.0`` is ``0.0``.
    A date (or a midnight datetime, as openpyxl reads a date cell) is its ISO date.
    """
    if type(value) is str:  # most values (the checks below would end the same way)
        return clean_text(value) or None
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        number = float(value)
        if math.isnan(number):
            return None
        rounded = _fifteen_digits(number)
        return rounded if math.isfinite(rounded) else number  # 1.797…e308 rounds past the max
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars from pandas
        return canonical_value(value.item())
    return clean_text(str(value)) or None


# Memo tables of pure functions called once per cell (issue 17): a master repeats few distinct
# numbers and prints. Bounded: cleared when full, so memory stays flat at any N.
_MEMO_LIMIT = 1 << 16
_FIFTEEN: dict[float, float] = {}
_PRINTS: dict[tuple[type, Canonical, str, str], str] = {}


def _fifteen_digits(number: float) -> float:
    """``number`` as XlsxWriter writes it (16 significant digits), then rounded half up to 15
    from its shortest decimal form, as LibreOffice rounds when it saves: so the value written,
    the value read back and the value LibreOffice saves again all give the same float.
    (Python's own rounding of the exact binary value differs on a 16th digit of 5.)"""
    found = _FIFTEEN.get(number)
    if found is None:
        if len(_FIFTEEN) >= _MEMO_LIMIT:
            _FIFTEEN.clear()
        found = _FIFTEEN[number] = _fifteen_digits_of(number)
    return found


def _fifteen_digits_of(number: float) -> float:
    written = float(f"{number:.16G}")
    if not math.isfinite(written):
        return written
    exact = Decimal(repr(written))
    if exact.is_zero():
        return 0.0
    quantum = Decimal(1).scaleb(exact.adjusted() - 14)
    return float(exact.quantize(quantum, rounding=ROUND_HALF_UP)) + 0.0


# One shared encoder: json.dumps with these options would build a new encoder for every row.
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
_ENCODE_STRING = json.encoder.encode_basestring  # what _ENCODER writes a str with (ensure_ascii=False)


def _dumps(data: Any) -> bytes:
    return _ENCODER.encode(data).encode("utf-8")


def _json_scalar(value: Any) -> str:
    """``_ENCODER.encode(value)`` for one canonical value, without the encoder's set-up per call
    (a cell print encodes three values; see tests/test_fastrows.py for the equality)."""
    if value is None:
        return "null"
    kind = type(value)
    if kind is str:
        return _ENCODE_STRING(value)
    if kind is float and value - value == 0.0:  # finite: JSON writes float.__repr__
        return float.__repr__(value)
    return _ENCODER.encode(value)  # bool, and what the encoder refuses (infinity) or turns otherwise


json_value = _json_scalar  # the JSON of one canonical value, as the digest's lines hold it


def _canonical_tree(data: Any) -> Any:
    if isinstance(data, Mapping):
        return {str(k): _canonical_tree(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_canonical_tree(v) for v in data]
    return canonical_value(data)


@dataclass(frozen=True)
class Table:
    """One covered table: its name, header labels and rows of canonical values.

    Build the rows with :func:`canonical_row` (once per row: the digest, the row hash and the
    column hashes all use the same canonical values).
    """

    name: str
    labels: Sequence[Canonical]
    rows: Sequence[Sequence[Canonical]]


def canonical_row(values: Iterable[Any]) -> list[Canonical]:
    """The canonical values of one row: the one canonicalisation of writer and audit."""
    return [canonical_value(v) for v in values]


def canonical_lines(config: Mapping[str, Any], tables: Iterable[Table]) -> Iterator[bytes]:
    """The canonical serialisation: one JSON line for the format and config, then per table a
    header line and one line per row. The writer and the audit both hash exactly these lines.
    """
    yield _dumps({"format": DIGEST_FORMAT, "config": _canonical_tree(config)}) + b"\n"
    for table in tables:
        yield _dumps({"table": table.name, "labels": list(table.labels)}) + b"\n"
        for row in table.rows:
            yield _dumps(list(row)) + b"\n"


def data_digest(config: Mapping[str, Any], tables: Iterable[Table]) -> str:
    """sha256 (hex) of :func:`canonical_lines`."""
    digest = hashlib.sha256()
    for line in canonical_lines(config, tables):
        digest.update(line)
    return digest.hexdigest()


def canonical_json(row: Sequence[Canonical]) -> str:
    """``_dumps(list(row))`` as text, value by value: the JSON of a list of canonical values is
    ``[`` + their JSON joined by ``,`` + ``]`` (tests/test_master_rowwork.py checks the equality)."""
    return "[" + ",".join(map(_json_scalar, row)) + "]"


class TableStream:
    """One covered table fed row by row (issue 17): its lines of :func:`canonical_lines` go into
    the data digest as they come, each row gets its :func:`row_hash`, and each column's
    :func:`column_hash` is updated, so no table has to be held to hash it."""

    _FLUSH_ROWS = 512  # column hashes are updated in blocks of rows (one sha256 call per block)

    def __init__(self, digest: Any, name: str, labels: Sequence[Canonical]) -> None:
        self._digest = digest
        digest.update(_dumps({"table": name, "labels": list(labels)}) + b"\n")
        self._columns = [hashlib.sha256(("[" + _json_scalar(label)).encode()) for label in labels]
        self._pending: list[list[str]] = []
        self.rows = 0

    def add(self, row: Sequence[Canonical]) -> str:
        """Hash one canonical row (in table order); return its row hash."""
        return self.add_encoded([_json_scalar(v) for v in row])

    def add_encoded(self, encoded: list[str]) -> str:
        """:meth:`add` for a row whose values are already JSON (:func:`json_value` of each)."""
        line = ("[" + ",".join(encoded) + "]").encode()
        self._digest.update(line + b"\n")
        self._pending.append(encoded)
        if len(self._pending) >= self._FLUSH_ROWS:
            self._flush()
        self.rows += 1
        return hashlib.sha256(line).hexdigest()[:ROW_HASH_LENGTH]

    def _flush(self) -> None:
        pending = self._pending
        if pending:
            for position, column in enumerate(self._columns):
                column.update(("," + ",".join([r[position] for r in pending])).encode())
            pending.clear()

    def column_hashes(self) -> list[str]:
        """Each column's :func:`column_hash` over the rows added so far."""
        self._flush()
        out = []
        for column in self._columns:
            final = column.copy()
            final.update(b"]")
            out.append(final.hexdigest()[:ROW_HASH_LENGTH])
        return out


class DigestStream:
    """:func:`data_digest` fed table by table and row by row (:class:`TableStream`), in the
    order of :func:`canonical_lines`: the same bytes, so the same digest."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self._sha = hashlib.sha256(_dumps({"format": DIGEST_FORMAT, "config": _canonical_tree(config)}) + b"\n")

    def table(self, name: str, labels: Sequence[Canonical]) -> TableStream:
        """Start the next table; add its rows before starting another."""
        return TableStream(self._sha, name, labels)

    def hexdigest(self) -> str:
        return self._sha.hexdigest()


def row_hash(row: Sequence[Canonical]) -> str:
    """A short hash of one canonical row, stored in the row's 行の検証値 cell."""
    return hashlib.sha256(_dumps(row if type(row) is list else list(row))).hexdigest()[:ROW_HASH_LENGTH]


def column_hash(label: Canonical, values: Iterable[Canonical]) -> str:
    """A short hash of one column (its label, then its canonical values in row order)."""
    return hashlib.sha256(_dumps([label, *values])).hexdigest()[:ROW_HASH_LENGTH]


# --- what each cell shows besides its value (issue 16) ------------------------------------

PRINT_DIGITS = 4  # hex digits per cell: a changed cell goes unnamed once in 65,536
_QUOTED = re.compile(r'"([^"]*)"')


@functools.lru_cache(maxsize=1024)  # called per written cell; a master has a few dozen formats
def canonical_format(code: str | None) -> str:
    """A number format code in the form both writers produce: "" for General, and literal
    text as backslash escapes (XlsxWriter writes ``"△"``, LibreOffice ``\\△``)."""
    if not code or code == "General":
        return ""
    return _QUOTED.sub(lambda m: "".join("\\" + ch for ch in m.group(1)), code)


def canonical_link(target: str | None, location: str | None = None) -> str:
    """A hyperlink as both writers store it: the last two path segments of its target
    (folder and file: XlsxWriter writes ``inbox\\a.xlsx`` relative to the master, LibreOffice
    ``inbox/a.xlsx`` or ``../inbox/a.xlsx`` from where it saved), percent-decoded, and the
    cell it points to. A web address is kept whole."""
    from urllib.parse import unquote

    target = unquote(target or "").replace("\\", "/")
    if target.startswith("file:///"):
        target = target[len("file:///"):]
    if "://" not in target and target:
        parts = [p for p in target.split("/") if p not in ("", ".")]
        target = "/".join(parts[-2:])
    location = (location or "").lstrip("#")
    return f"{target}#{location}" if location else target


def cell_print(value: Canonical, num_format: str, link: str) -> str:
    """:data:`PRINT_DIGITS` hex digits of one cell's canonical value, format and link."""
    key = (type(value), value, num_format, link)  # the type: True == 1.0, but they print apart
    found = _PRINTS.get(key)
    if found is None:
        if len(_PRINTS) >= _MEMO_LIMIT:
            _PRINTS.clear()
        shown = _json_scalar(num_format if value is not None else "")
        data = f"[{_json_scalar(value)},{shown},{_json_scalar(link)}]".encode()  # == _dumps([...])
        found = _PRINTS[key] = hashlib.sha256(data).hexdigest()[:PRINT_DIGITS]
    return found


ROW_CHECK_VALUE = "#"
"""The value the 行の検証値 cell's own print is taken of: its format and link count, its text
cannot (it holds the prints)."""


def split_row_check(stored: Any) -> tuple[str, list[str]] | None:
    """A 行の検証値 cell (``<row hash>-<cell prints>``) as (row hash, prints); None when it is
    not in that form (edited by hand)."""
    if not isinstance(stored, str) or "-" not in stored:
        return None
    head, _, prints = stored.partition("-")
    if len(head) != ROW_HASH_LENGTH or len(prints) % PRINT_DIGITS:
        return None
    return head, [prints[i : i + PRINT_DIGITS] for i in range(0, len(prints), PRINT_DIGITS)]
