"""The tables the master's digest covers: each row's canonical values and 行の検証値 (row hash).

The writer streams every data sheet (issue 17): a :class:`CoveredTable` takes one row of a
row builder (:data:`ROW_BUILDERS`: :mod:`kpitool.master.rows`, 経年推移's in
:mod:`kpitool.master.trend`) at a time, gives it its canonical values and row hash, and feeds
the data digest and the column hashes (:class:`~kpitool.master.digest.DigestStream`), so no
table is held. :func:`build_tables` builds whole tables in memory (:class:`BuiltTable`) for
callers that want them at once (benchmarks, tests).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kpitool.master.digest import (
    Canonical,
    DigestStream,
    Table,
    canonical_row,
    canonical_value,
    clean_text,
    column_hash,
    data_digest,
    row_hash,
)
from kpitool.master.layout import (
    DATA_SHEETS,
    TREND,
    Cell,
    Formula,
    Link,
    Number,
    SheetLayout,
    SourceLinks,
    column_letter,
    layouts,
    shown_value,
    written_value,
)
from kpitool.master.log import INPUTS_LAYOUT, INPUTS_TABLE, input_rows
from kpitool.master.rows import ROW_BUILDERS as TABLE_BUILDERS
from kpitool.master.trend import trend_rows

if TYPE_CHECKING:
    from kpitool.model import Consolidation


@dataclass
class BuiltTable:
    """One table covered by the digest: its layout, rows (row hash last) and canonical rows."""

    name: str  # the digest's table name
    layout: SheetLayout
    rows: list[list[Cell]] = field(default_factory=list)
    canonical: list[list[Canonical]] = field(default_factory=list)  # covered columns only
    _covered: list[int] | None = field(default=None, init=False, repr=False, compare=False)

    def add(self, row: list[Cell]) -> None:
        if self._covered is None:  # once per table, not per row
            self._covered = self.layout.covered()
        values = [canonical_cell(row[i]) for i in self._covered]
        self.canonical.append(values)
        self.rows.append([*row, row_hash(values)])

    def digest_table(self) -> Table:
        labels = [self.layout.columns[i].label for i in self.layout.covered()]
        return Table(self.name, canonical_row(labels), self.canonical)

    def column_hashes(self) -> list[tuple[str, str, str, str]]:
        """(table, column letter, label, hash) for each covered column."""
        out = []
        for position, i in enumerate(self.layout.covered()):
            label = self.layout.columns[i].label
            values = (row[position] for row in self.canonical)
            out.append((self.name, column_letter(i), label, column_hash(canonical_value(label), values)))
        return out


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
        """(table, column letter, label, hash) for each covered column, as
        :meth:`BuiltTable.column_hashes` gives them."""
        hashes = self._stream.column_hashes()
        return [(self.name, column_letter(i), label, h)
                for i, label, h in zip(self.covered, self._labels, hashes, strict=True)]


def _with_row_hashes(name: str, layout: SheetLayout, rows: Iterable[list[Cell]]) -> BuiltTable:
    table = BuiltTable(name, layout)
    for row in rows:
        table.add(row)
    return table


# Every data sheet's row builder (経年推移's lives in kpitool.master.trend).
ROW_BUILDERS = {**TABLE_BUILDERS, TREND: trend_rows}


def build_tables(consolidation: Consolidation, links: SourceLinks) -> dict[str, BuiltTable]:
    """Every covered table in digest order: the data sheets, then 監査ログ's input files."""
    sheets = layouts(consolidation.config.fiscal_years)
    tables = {
        name: _with_row_hashes(name, sheets[name], ROW_BUILDERS[name](consolidation, sheets[name], links))
        for name in DATA_SHEETS
    }
    tables[INPUTS_TABLE] = _with_row_hashes(INPUTS_TABLE, INPUTS_LAYOUT, input_rows(consolidation, links))
    return tables


def shown_column(tables: dict[str, BuiltTable]) -> Any:
    """``column(sheet, key)``: the values a data sheet shows, as 概要 and the audit count them."""

    def column(sheet: str, key: str) -> list[Any]:
        table = tables[sheet]
        index = table.layout.index(key)
        return [shown_value(row[index]) for row in table.rows]

    return column


def digest_of(config_dict: dict[str, Any], tables: dict[str, BuiltTable]) -> str:
    """The data digest 監査ログ records: the config and every covered table."""
    return data_digest(config_dict, (t.digest_table() for t in tables.values()))
