"""Findings: every problem found in a file, as a record with a stable code.

A finding is data, not an exception: each kind has a stable code (``E-NUM-001``), a severity
(エラー / 警告 / 情報), a Japanese title, a message template and a hint, and each instance carries its
location (file, sheet, cell, column label) and the value as written. The catalogue below is the
single source of the codes; ``docs/findings.md`` is generated from it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


class Severity(StrEnum):
    """エラー makes a file 要修正; 警告 asks to check; 情報 only suggests (never changes a status or exit code)."""

    ERROR = "エラー"
    WARNING = "警告"
    INFO = "情報"


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


@dataclass(frozen=True)
class Finding:
    """One problem at one place."""

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

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def is_warning(self) -> bool:
        return self.severity is Severity.WARNING

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
        return data


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
    """The registry of finding types; codes are unique and never reused."""

    def __init__(self) -> None:
        self._types: dict[str, FindingType] = {}

    def add(self, code: str, severity: Severity, title: str, message: str, hint: str, group: str = "") -> str:
        if code in self._types:
            raise ValueError(f"duplicate finding code {code}")
        self._types[code] = FindingType(code, severity, title, message, hint, group)
        return code

    def __getitem__(self, code: str) -> FindingType:
        return self._types[code]

    def __iter__(self) -> Iterator[FindingType]:
        return iter(sorted(self._types.values(), key=lambda t: t.code))

    def __len__(self) -> int:
        return len(self._types)

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

    def to_frame(self) -> pd.DataFrame:
        """The findings as a DataFrame with Japanese column labels, key columns first."""
        import pandas as pd

        rows = [{label: str(getattr(f, key)) for key, label in FINDING_COLUMNS} for f in self.findings]
        return pd.DataFrame(rows, columns=[label for _key, label in FINDING_COLUMNS])
