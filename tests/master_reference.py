"""The master's tables built whole, as the writer did before it streamed (issue 17).

The reference the streamed writer is checked against (tests/test_master_stream.py): every data
sheet's rows and 監査ログ's input files held in memory with their canonical values and row
hashes, and the data digest computed over them at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kpitool.master.digest import (
    Canonical,
    Table,
    canonical_row,
    canonical_value,
    column_hash,
    data_digest,
    row_hash,
)
from kpitool.master.layout import (
    DATA_SHEETS,
    Cell,
    SheetLayout,
    SourceLinks,
    column_letter,
    layouts,
    shown_value,
)
from kpitool.master.log import INPUTS_LAYOUT, INPUTS_TABLE, input_rows
from kpitool.master.tables import ROW_BUILDERS, canonical_cell

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


def _with_row_hashes(name: str, layout: SheetLayout, rows: Iterable[list[Cell]]) -> BuiltTable:
    table = BuiltTable(name, layout)
    for row in rows:
        table.add(row)
    return table


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
