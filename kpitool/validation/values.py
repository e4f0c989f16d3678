"""The typed values validation hands on: every number cell parsed once, with its unit.

Like pandera's ``validate`` returning the coerced frame, validating a submission yields, beside
its findings, a :class:`Values`: each number cell read once into a :class:`Quantity` (number,
statistical marker, blank or invalid, with the unit typed in the cell in its canonical
spelling) and each row's 単位 in the same canonical spelling (:func:`kpitool.numbers.unit_key`,
the one unit normaliser). The rules, the survey step and the 実績調査 arithmetic read these
values; none of them parses a cell or normalises a unit again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from kpitool.numbers import format_number, parse_number, unit_key
from kpitool.reader import CellValue, Record
from kpitool.targets import ParsedYear, parse_year


@dataclass(frozen=True, slots=True)
class Quantity:
    """One number cell as validation read it."""

    kind: Literal["number", "marker", "empty", "invalid"]
    value: float | None  # for "number"; 14.8 for "14.8%" and for 0.148 formatted as a percent
    unit: str | None  # the unit typed in the cell, canonical (unit_key); None when none typed
    marker: str | None  # "-" 該当なし, "…" 不詳, "x" 秘匿
    text: str  # as the user sees it: "515件", "14.8%" for a percent-formatted 0.148
    reason: str | None  # why "invalid": approximate, pending, excel_error, uncached, ...
    sheet: str = ""  # where the cell is: "実績数値" ("" for a cell that is not there)
    cell: str = ""  # "E7"

    @property
    def ref(self) -> str:
        """``sheet!cell`` ("実績数値!E7"), "" for a cell that is not there."""
        return f"{self.sheet}!{self.cell}" if self.sheet else ""

    @property
    def number(self) -> float | None:
        return self.value if self.kind == "number" else None

    @property
    def invalid(self) -> bool:
        """Not a number, a marker or blank (約60人, 集計中, #DIV/0!): no variance, no guess."""
        return self.kind == "invalid"


ABSENT = Quantity("empty", None, None, None, "", None)


def quantity(cell: CellValue) -> Quantity:
    """Read one cell; a formula error or an uncalculated formula is invalid, never zero."""
    if cell.error or cell.uncached:
        reason = "excel_error" if cell.error else "uncached"
        return Quantity("invalid", None, None, None, cell.text, reason, cell.sheet, cell.cell)
    parsed = parse_number(cell.value, percent_format=cell.percent)
    text = cell.text
    if cell.percent and parsed.kind == "number" and parsed.value is not None:
        text = f"{format_number(parsed.value)}%"
    return Quantity(parsed.kind, parsed.value, parsed.unit, parsed.marker, text, parsed.reason, cell.sheet, cell.cell)


@dataclass
class Values:
    """The typed values of one submission, filled as cells are first asked for.

    Each cell is parsed at most once however many rules and steps ask for it; the survey
    step reads the same object the validator filled (:class:`kpitool.validate.FileResult`).
    """

    _cells: dict[str, Quantity] = field(default_factory=dict)
    _units: dict[tuple[str, int], str | None] = field(default_factory=dict)
    _years: dict[str, ParsedYear] = field(default_factory=dict)

    def of(self, cell: CellValue | None) -> Quantity:
        """The cell as a :class:`Quantity`; a missing cell is :data:`ABSENT`."""
        if cell is None:
            return ABSENT
        ref = cell.ref
        typed = self._cells.get(ref)
        if typed is None:
            typed = self._cells[ref] = quantity(cell)
        return typed

    def row_unit(self, record: Record) -> str | None:
        """The row's 単位 in canonical spelling (None when blank or the sheet has no 単位)."""
        key = (record.sheet_key, record.row)
        if key not in self._units:
            self._units[key] = unit_key(record.text("unit")) if "unit" in record.cells else None
        return self._units[key]

    def year(self, cell: CellValue) -> ParsedYear:
        """A 基準年度 / 目標年度 cell read as a fiscal year, once (2016, 平成28年度, R4)."""
        typed = self._years.get(cell.ref)
        if typed is None:
            typed = self._years[cell.ref] = parse_year(cell.value)
        return typed

    def __len__(self) -> int:
        return len(self._cells)

