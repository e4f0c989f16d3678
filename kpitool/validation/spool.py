"""Findings of a large 検証 run kept on disk, not in memory, until someone reads them.

A national inbox (1,741 files) has ~200,000 findings, most of them 情報 suggestions with a
quote, a hint and their parameters: ~1.5 KB each, 300 MB held to the end of the run. A
:class:`SpooledReport` writes a file's findings to one temporary file as the file finishes and
keeps only its counts; ``findings`` reads them back (for the table, the report workbook, a
return copy), one file at a time. Same answers as a :class:`~kpitool.findings.Report`.
"""

from __future__ import annotations

import pickle
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from typing import IO, Any

from kpitool.findings import Finding, Report, Severity


class Spool:
    """One temporary file holding pickled finding lists; deleted when the last report goes."""

    def __init__(self) -> None:
        # open for the spool's lifetime (closed and deleted when it is collected)
        self._file: IO[bytes] = tempfile.TemporaryFile(prefix="kpitool-findings-")  # noqa: SIM115

    def put(self, findings: list[Finding]) -> tuple[int, int]:
        data = pickle.dumps(findings, protocol=pickle.HIGHEST_PROTOCOL)
        at = self._file.seek(0, 2)
        self._file.write(data)
        return at, len(data)

    def get(self, at: int, size: int) -> list[Finding]:
        self._file.seek(at)
        findings: list[Finding] = pickle.loads(self._file.read(size))
        return findings


class SpooledReport(Report):
    """A :class:`Report` whose findings wait in a :class:`Spool`; the counts are kept."""

    def __init__(self, spool: Spool, findings: list[Finding]) -> None:
        self._spool = spool
        self._at = spool.put(findings)
        self._extra: list[Finding] = []
        self._severities = Counter(f.severity for f in findings)
        self._codes = Counter(f.code for f in findings)

    @property  # type: ignore[override]
    def findings(self) -> list[Finding]:
        """The findings, read back (a new list each time: extend() adds, not appending to it)."""
        return [*self._spool.get(*self._at), *self._extra]

    def extend(self, findings: Iterable[Finding]) -> None:
        for f in findings:
            self._extra.append(f)
            self._severities[f.severity] += 1
            self._codes[f.code] += 1

    @property
    def ok(self) -> bool:
        return not self._severities[Severity.ERROR]

    @property
    def errors(self) -> int:
        return self._severities[Severity.ERROR]

    @property
    def warnings(self) -> int:
        return self._severities[Severity.WARNING]

    @property
    def infos(self) -> int:
        return self._severities[Severity.INFO]

    @property
    def to_send_back(self) -> bool:
        return any(n for severity, n in self._severities.items() if severity is not Severity.INFO)

    def counts(self) -> Counter[str]:
        return Counter({code: n for code, n in self._codes.items() if n})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Report) and self.findings == other.findings

    __hash__ = None  # type: ignore[assignment]  # like the dataclass it stands for


def spooler() -> Callable[[Any], Any]:
    """What :func:`kpitool.validate.validate_paths` applies to each result as it arrives: its
    report becomes a :class:`SpooledReport` of a spool shared by the run."""
    spool = Spool()

    def keep(result: Any) -> Any:
        result.report = SpooledReport(spool, result.report.findings)
        return result

    return keep
