"""The CSV twins of the master: 実績数値, 実績調査 and 事業成果目標 as open data (UTF-8 with BOM).

Municipalities publish these tables on their open-data pages, where people open them in
Excel: the BOM makes Excel read UTF-8, CRLF and minimal quoting follow RFC 4180, the headers
are the master's Japanese labels. Values are the master's: numbers as plain numbers (``-1972``,
no △, no thousands separators), 増減率 and 達成率 as a percentage with the one decimal the master
shows (the header says ``（％）``), units in their own column (総務省's rules for machine-readable
data: one value per cell, one header row, numbers as numbers),
皆増 / 皆減 / ― and statistical markers as written. Internal columns (出典, 記入値, 行の検証値)
stay in the master.

CSV injection: a text cell that starts with ``=``, ``+``, ``-``, ``@``, tab or CR would run
as a formula when the file is opened in a spreadsheet, so it gets a leading ``'`` (OWASP).
Numbers are never prefixed (a negative number stays numeric), and neither is a bare
statistical marker ``-`` (one character cannot form a formula, and ``'-`` would misstate it).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from decimal import ROUND_HALF_UP, Context, Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from kpitool.master.layout import (
    FIGURES,
    KPIS,
    SURVEY,
    TREND,
    Cell,
    SheetLayout,
    shown_value,
)

if TYPE_CHECKING:
    pass

ENCODING = "utf-8-sig"
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MARKERS = ("-", "－", "…", "x", "X")
CSV_COLUMNS = {
    FIGURES: ("department", "initiative_no", "item", "unit", "direction", "prev", "curr", "change",
              "change_unit", "rate", "evaluation", "reason", "note"),
    SURVEY: ("department", "no", "viewpoint", "heading", "initiative", "content", "plan", "prev", "curr"),
    TREND: ("department", "no", "indicator", "unit", "direction", "year_label", "year", "target", "actual",
            "achievement", "source"),
    # 基準値 and 進捗率 (with the years of 基準値 and 目標値) as on the published 事業成果目標 page.
    KPIS: ("department", "no", "policy", "indicator", "unit", "direction", "base", "base_year", "target",
           "target_year", "prev", "curr", "achievement", "progress", "grade", "suggested_grade", "change",
           "change_unit", "rate", "evaluation", "reason"),
}
OPEN_DATA_SHEETS = (FIGURES, SURVEY, KPIS)  # the CSVs kpitool publish writes (its pages show these tables)
RATE_LABEL = "増減率（％）"
PERCENT_LABELS = {"rate": RATE_LABEL, "achievement": "達成率（％）", "progress": "進捗率（％）"}


def safe_text(value: str) -> str:
    """Text a spreadsheet will not run as a formula: a leading ``'`` where needed."""
    if value in MARKERS:
        return value
    if value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


def number_text(value: float) -> str:
    """A number as plain text: 2158.7, -1972, 0.0001 (no exponent, no float noise)."""
    if value == int(value) and abs(value) < 2**63:
        return str(int(value))
    return format(Decimal(repr(float(value))), "f")


def percent_text(rate: float) -> str:
    """A fraction as the master's 0.0% shows it, half away from zero: 0.0345 -> 3.5."""
    # A rate of 1e26 (a base of 1e-12, within the template's limits) has more digits than the
    # default 28-digit context can quantize: an exact context (issue 16, found by the
    # LibreOffice re-save test with random values).
    exact = Context(prec=800, rounding=ROUND_HALF_UP)
    shown = exact.multiply(Decimal(repr(float(rate))), 100).quantize(Decimal("0.1"), context=exact)
    return format(exact.plus(shown), "f")  # plus() turns -0.0 into 0.0


def csv_value(cell: Cell, *, percent: bool = False) -> str:
    """One CSV field from a master cell (formulas give their cached value)."""
    value = shown_value(cell)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        key = (value, percent)  # 3 and 3.0, 0.0 and -0.0 give the same text
        found = _NUMBER_TEXTS.get(key)
        if found is None:
            if len(_NUMBER_TEXTS) >= 1 << 16:
                _NUMBER_TEXTS.clear()
            found = _NUMBER_TEXTS[key] = percent_text(value) if percent else number_text(value)
        return found
    return safe_text(str(value))


# Numbers recur (counts, years, rates): each distinct one is formatted once (issue 17). Bounded.
_NUMBER_TEXTS: dict[tuple[float, bool], str] = {}


def _columns(layout: SheetLayout) -> tuple[list[str], list[int], list[bool]]:
    """The published columns of one sheet: header labels, cell indexes, percent or not."""
    keys = CSV_COLUMNS[layout.name]
    indexes = [layout.index(k) for k in keys]
    labels = [PERCENT_LABELS.get(k, layout.columns[i].label) for k, i in zip(keys, indexes, strict=True)]
    return labels, indexes, [k in PERCENT_LABELS for k in keys]


def csv_text(layout: SheetLayout, rows: Iterable[Sequence[Cell]]) -> str:
    """The CSV of one sheet's published columns (CRLF line ends; the BOM is added on write)."""
    labels, indexes, percents = _columns(layout)
    columns = list(zip(indexes, percents, strict=True))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(labels)
    for row in rows:
        writer.writerow(_fields(row, columns))
    return out.getvalue()


def _fields(row: Sequence[Cell], columns: Sequence[tuple[int, bool]]) -> list[str]:
    """One row's published fields: (cell index, percent or not) per column."""
    fields = []
    for i, percent in columns:
        cell = row[i]
        if type(cell) is str:  # most cells: csv_value in short
            fields.append(safe_text(cell))
        else:
            fields.append("" if cell is None else csv_value(cell, percent=percent))
    return fields


class CsvStream:
    """One sheet's CSV written row by row as the master's writer streams that sheet (issue 17):
    the bytes of ``csv_text(...).encode(ENCODING)``, handed to ``write`` in blocks and hashed on
    the way, so the table is never held."""

    BLOCK = 1 << 20  # characters buffered before a block is written

    def __init__(self, layout: SheetLayout, write: Callable[[bytes], object]) -> None:
        import hashlib

        self._write = write
        self._sha = hashlib.sha256()
        labels, indexes, percents = _columns(layout)
        self._columns = list(zip(indexes, percents, strict=True))
        self._out = io.StringIO()
        self._writer = csv.writer(self._out, lineterminator="\r\n")
        self._writer.writerow(labels)
        self._bom = True

    def add(self, row: Sequence[Cell]) -> None:
        self._writer.writerow(_fields(row, self._columns))
        if self._out.tell() >= self.BLOCK:
            self._flush()

    def _flush(self) -> None:
        data = self._out.getvalue().encode(ENCODING if self._bom else "utf-8")
        self._bom = False
        self._out.seek(0)
        self._out.truncate()
        self._sha.update(data)
        self._write(data)

    def close(self) -> str:
        """Write what is left; return the sha256 (hex) of all the bytes written."""
        self._flush()
        return self._sha.hexdigest()


def write_csv(layout: SheetLayout, rows: Iterable[Sequence[Cell]], path: Path) -> Path:
    """Write one CSV to ``path`` as is (the caller decides about atomic replacement)."""
    Path(path).write_bytes(csv_text(layout, rows).encode(ENCODING))
    return Path(path)
