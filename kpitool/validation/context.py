"""What every validation rule sees: the file read, the config, and where findings go.

:class:`Context` is shared by :mod:`kpitool.validation.rules` and :mod:`kpitool.validation.checks`; it parses each
number cell once for all rules (:class:`~kpitool.validation.values.Values`, which validation
hands on to the survey) and builds findings with the file name and the cell's place.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

from kpitool.codes import CATALOGUE
from kpitool.reader import CellValue, Record
from kpitool.spec import SheetSpec
from kpitool.validation.values import Quantity, Values

if TYPE_CHECKING:
    from kpitool.config import Config
    from kpitool.findings import Finding
    from kpitool.reader import Submission


class Context:
    """What every rule sees: the submission, the config, and the findings collected so far."""

    def __init__(self, sub: Submission, config: Config) -> None:
        self.sub = sub
        self.config = config
        self.file = sub.path.name
        self.findings: list[Finding] = []
        self.values = Values()  # every number cell parsed once; handed on to the survey
        self.failed_rules: set[str] = set()  # titles of rules that raised (reported once each)

    def add(
        self,
        code: str,
        cell: CellValue | None = None,
        *,
        sheet: str = "",
        label: str = "",
        value: object = None,
        **params: object,
    ) -> None:
        """Record one finding at ``cell`` (or at ``sheet`` when there is no cell)."""
        self.findings.append(
            CATALOGUE.make(
                code,
                file=self.file,
                sheet=cell.sheet if cell else sheet,
                cell=cell.cell if cell else "",
                label=label,
                value=(cell.text if cell else "") if value is None else value,
                **params,
            )
        )

    def number(self, cell: CellValue) -> Quantity:
        """The cell read as a number, parsed once per cell and shared by all rules."""
        return self.values.of(cell)

    def rows(self, sheet: SheetSpec) -> list[Record]:
        """The sheet's records; the 基本情報 form is one record of its fields."""
        if sheet.layout == "form":
            return [Record(sheet.key, 0, self.sub.basic)] if self.sub.basic else []
        return self.sub.records(sheet.key)

    def has_problem(self, sheet_name: str, *kinds: str) -> bool:
        return any(p.sheet == sheet_name and p.kind in kinds for p in self.sub.structure)


def normalized(text: str) -> str:
    """Compare what users type: NFKC (全角 -> 半角) and no surrounding spaces."""
    return unicodedata.normalize("NFKC", text).strip()


def is_blank(cell: CellValue | None) -> bool:
    return cell is not None and cell.is_empty


def usable(cell: CellValue | None) -> bool:
    """A cell with a value to check: present, not empty, not a formula error or uncalculated."""
    # not cell.is_empty, spelled out: asked for most cells by several rules
    return (cell is not None and cell.error is None and not cell.uncached and cell.value is not None
            and cell.text.strip() != "")
