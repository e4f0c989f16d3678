"""The tables the master's digest covers: each row's canonical values and 行の検証値 (row hash).

The writer streams every data sheet (issue 17): a :class:`CoveredTable` takes one row of a
row builder (:data:`ROW_BUILDERS`: :mod:`kpitool.master.rows`, 経年推移's in
:mod:`kpitool.master.trend`) at a time, gives it its canonical values and row hash, and feeds
the data digest and the column hashes (:class:`~kpitool.master.digest.DigestStream`), so no
table is held.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kpitool.master.digest import (
    Canonical,
    DigestStream,
    canonical_row,
    canonical_value,
    clean_text,
)
from kpitool.master.layout import (
    TREND,
    Cell,
    Formula,
    Link,
    Number,
    SheetLayout,
    column_letter,
    written_value,
)
from kpitool.master.rows import ROW_BUILDERS as TABLE_BUILDERS
from kpitool.master.trend import trend_rows

if TYPE_CHECKING:
    pass


def canonical_cell(cell: Cell) -> Canonical:
    """``canonical_value(written_value(cell))``, the one canonicalisation of writer and audit,
    with the common kinds of cell first (it runs for every cell of the master)."""
    kind = type(cell)
    if kind is str:
        return clean_text(cell) or None  # what canonical_value does with a str
    if cell is None:
        return None
    if kind is Number:
        return canonical_value(cell.value)
    if kind is Formula or kind is Link:
        return canonical_value(cell.text)
    return canonical_value(written_value(cell))


class CoveredTable:
    """One covered table hashed as its rows stream past: each row's canonical values and row
    hash, the table's lines of the data digest, and its column hashes."""

    def __init__(self, name: str, layout: SheetLayout, digest: DigestStream) -> None:
        self.name = name
        self.layout = layout
        self.covered = layout.covered()
        self._labels = [layout.columns[i].label for i in self.covered]
        self._stream = digest.table(name, canonical_row(self._labels))

    def add(self, row: list[Cell]) -> tuple[list[Canonical], str]:
        """The row's canonical values (covered columns) and its row hash; rows in table order."""
        covered = self.covered
        values = [canonical_cell(row[i]) for i in covered]
        return values, self._stream.add(values)

    def add_encoded(self, encoded: list[str]) -> str:
        """The row hash of a row given as the JSON of its canonical values (covered columns),
        which the writer works out with each cell's print."""
        return self._stream.add_encoded(encoded)

    @property
    def rows(self) -> int:
        return self._stream.rows

    def column_hashes(self) -> list[tuple[str, str, str, str]]:
        """(table, column letter, label, hash) for each covered column."""
        hashes = self._stream.column_hashes()
        return [(self.name, column_letter(i), label, h)
                for i, label, h in zip(self.covered, self._labels, hashes, strict=True)]


# Every data sheet's row builder (経年推移's lives in kpitool.master.trend).
ROW_BUILDERS = {**TABLE_BUILDERS, TREND: trend_rows}


