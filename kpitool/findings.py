"""Findings: every problem found, as a record with a stable code (frictionless style).

A finding is data, not an exception: each kind has a stable code (``E-NUM-001``), a severity
(エラー / 警告 / 情報), a Japanese title, a message template and a hint, and each instance carries its
location (file, sheet, cell, its row and column numbers, column label), the value as written
and the parameters its message was rendered from, so callers sort and filter by fields and
never parse the Japanese text. The audit's discrepancies are findings too.

:data:`CATALOGUE` is the one registry of every user-visible code: validation findings (declared
in :mod:`kpitool.codes`), run and Excel-panel codes (:data:`kpitool.errors.RUN_CODES`) and audit
codes (:data:`kpitool.audit.AUDIT_CODES`); a code is unique across all of them.
``docs/findings.md`` is generated from it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """エラー makes a file 要修正; 警告 asks to check; 情報 only suggests (never changes a status or exit code)."""

    ERROR = "エラー"
    WARNING = "警告"
    INFO = "情報"


FINDINGS = "findings"  # the table of validation findings in the registry


@dataclass(frozen=True)
class FindingType:
    """One kind of finding: its code, severity and Japanese texts.

    ``message`` is a ``str.format`` template; it may use ``{value}``, ``{label}`` and any
    keyword passed to :meth:`Catalogue.make`.
    """

    code: str
    severity: Severity
    title: str
    message: str
    hint: str
    group: str = ""
    table: str = FINDINGS  # which list of docs/findings.md: FINDINGS, or a CodeTable's name


@dataclass(frozen=True)
class Finding:
    """One problem at one place, with the parameters its message was rendered from."""

    code: str
    severity: Severity
    title: str
    message: str
    hint: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    label: str = ""  # the column label or field name
    value: str = ""  # the value as written
    row: int = 0  # Excel row number of ``cell`` (1-based); 0 when not about a cell
    column: int = 0  # Excel column number of ``cell`` (1-based); 0 when not about a cell
    params: tuple[tuple[str, str], ...] = ()  # the message parameters, as (name, text)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def is_warning(self) -> bool:
        return self.severity is Severity.WARNING

    @property
    def parameters(self) -> dict[str, str]:
        return dict(self.params)

    @property
    def location(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet

    def compact(self) -> tuple[str, str, str]:
        """``(sheet, cell, code)`` — the shape tests compare."""
        return (self.sheet, self.cell, self.code)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = str(self.severity)
        data["params"] = dict(self.params)
        return data

    def __str__(self) -> str:
        where = self.location or self.file
        return f"[{self.code}]{f' {where}' if where else ''}: {self.message}"


def cell_position(cell: str) -> tuple[int, int]:
    """(row, column), both 1-based, of an A1 address such as ``E12``; (0, 0) for anything else."""
    letters = cell.rstrip("0123456789")
    digits = cell[len(letters):]
    if not digits or not letters or not letters.isascii() or not letters.isalpha() or not letters.isupper():
        return 0, 0
    column = 0
    for ch in letters:
        column = column * 26 + ord(ch) - 64
    return int(digits), column


# Columns of the findings table, Japanese labels, key columns first.
FINDING_COLUMNS: tuple[tuple[str, str], ...] = (
    ("severity", "重要度"),
    ("code", "コード"),
    ("file", "ファイル"),
    ("sheet", "シート"),
    ("cell", "セル"),
    ("label", "項目"),
    ("value", "入力値"),
    ("title", "内容"),
    ("message", "説明"),
    ("hint", "直し方"),
)


class Catalogue:
    """The one registry of codes; a code is unique across every table and never reused.

    Iterating gives the validation findings; :meth:`table` gives another table's codes.
    """

    def __init__(self) -> None:
        self._types: dict[str, FindingType] = {}

    def add(self, code: str, severity: Severity, title: str, message: str, hint: str, group: str = "",
            *, table: str = FINDINGS) -> str:
        if code in self._types:
            raise ValueError(f"duplicate code {code}")
        self._types[code] = FindingType(code, severity, title, message, hint, group, table)
        return code

    def __getitem__(self, code: str) -> FindingType:
        return self._types[code]

    def __contains__(self, code: object) -> bool:
        return code in self._types

    def table(self, name: str) -> list[FindingType]:
        """The codes of one table, in code order."""
        return sorted((t for t in self._types.values() if t.table == name), key=lambda t: t.code)

    def __iter__(self) -> Iterator[FindingType]:
        return iter(self.table(FINDINGS))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def make(
        self,
        code: str,
        *,
        file: str = "",
        sheet: str = "",
        cell: str = "",
        label: str = "",
        value: object = "",
        **params: object,
    ) -> Finding:
        """Build a finding of type ``code``; the message template is filled with the params."""
        kind = self._types[code]
        text = "" if value is None else str(value)
        fields = {"value": text, "label": label, "sheet": sheet, "cell": cell, **params}
        row, column = cell_position(cell)
        return Finding(
            code=code,
            severity=kind.severity,
            title=kind.title,
            message=kind.message.format_map(_Default(fields)),
            hint=kind.hint.format_map(_Default(fields)),
            file=file,
            sheet=sheet,
            cell=cell,
            label=label,
            value=text,
            row=row,
            column=column,
            params=tuple((k, "" if v is None else str(v)) for k, v in params.items()),
        )


class _Default(dict):
    """format_map helper: a missing key shows as an empty string instead of raising."""

    def __missing__(self, key: str) -> str:
        return ""


CATALOGUE = Catalogue()


@dataclass
class Report:
    """The findings of one run (one file or many), with a small surface."""

    findings: list[Finding] = field(default_factory=list)

    def extend(self, findings: Iterable[Finding]) -> None:
        self.findings.extend(findings)

    @property
    def ok(self) -> bool:
        """True when there is no エラー (警告 alone do not stop a file)."""
        return not any(f.is_error for f in self.findings)

    @property
    def errors(self) -> int:
        return sum(f.is_error for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.is_warning for f in self.findings)

    @property
    def to_send_back(self) -> bool:
        """An エラー or a 警告: worth a return copy. 情報 alone is not sent back."""
        return any(f.severity is not Severity.INFO for f in self.findings)

    @property
    def infos(self) -> int:
        """情報 findings: suggestions that neither stop a file nor count as 警告."""
        return sum(f.severity is Severity.INFO for f in self.findings)

    def counts(self) -> Counter[str]:
        """Number of findings per code."""
        return Counter(f.code for f in self.findings)

    def flatten(self) -> list[tuple[str, str, str]]:
        return [f.compact() for f in self.findings]
