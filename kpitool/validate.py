"""Validate department files: every problem in one pass, by cell, in Japanese.

:func:`validate_submission` runs the rules of :mod:`kpitool.validation.rules` over one read file and
returns its :class:`~kpitool.findings.Report` with the typed values it read
(:class:`~kpitool.validation.values.Values`: each number parsed once, for the survey step); :func:`validate_file` and :func:`validate_paths`
add the file handling around it. One bad file never stops a run: an unreadable file becomes a
file-level finding, and a rule that fails unexpectedly becomes an E-RUN finding naming the
exception type (the rest of the file is still validated), never a traceback for the user.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kpitool import codes
from kpitool.codes import CATALOGUE
from kpitool.config import Config
from kpitool.errors import InputError
from kpitool.findings import Finding, Report, cell_position
from kpitool.narrative.consistency import check_narrative_figures, check_unconfirmed
from kpitool.package import DEFAULT_LIMITS, Limits, PackageError
from kpitool.package_zip import read_file
from kpitool.parallel import Progress, map_files
from kpitool.reader import Submission, read_submission
from kpitool.spec import meta_years
from kpitool.validation.restated import check_restated
from kpitool.validation.roster import DepartmentMatch, match_department
from kpitool.validation.rules import (
    CHECKS,
    FILE_PROBLEM_CODES,
    FREE_KINDS,
    KIND_RULES,
    Context,
    check_cell,
    check_empty_tables,
    check_package,
    check_required,
    check_structure,
    check_template,
    checks_of,
)
from kpitool.validation.values import Values

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
# Above this many files, validate_paths keeps each file's findings in a temporary file until
# they are read (kpitool.validation.spool): memory stays bounded on a national inbox.
SPOOL_THRESHOLD = 100


@dataclass
class Validated:
    """What validating one read file gives: its findings and the typed values it read."""

    report: Report
    values: Values


@dataclass(frozen=True)
class SubmissionFacts:
    """What 検証's later steps (duplicates, the report, return copies) need from a read file.

    A few strings instead of every cell: :func:`validate_paths` keeps these, not the
    :class:`Submission`, so a national inbox is validated in bounded memory and a worker's
    result is cheap to send back.
    """

    department: str  # 部局名 as written (stripped)
    created: str  # 作成日 as an ISO date, "" when missing or not a date
    created_cell: str  # where 作成日 was read ("B8"), "" when there is no such field
    uncompressed_size: int  # the workbook's size unzipped (return copies refuse huge ones)

    @classmethod
    def of(cls, sub: Submission) -> SubmissionFacts:
        from kpitool.validation.duplicates import created_date

        cell = sub.basic.get("created")
        return cls(sub.department, created_date(sub), cell.cell if cell is not None else "",
                   sub.info.uncompressed_size)


@dataclass
class FileResult:
    """One file's validation: the report, what was read (None if unreadable) and its identity.

    ``values`` are the typed number cells of ``submission``; later steps consume them instead
    of parsing the cells again. :func:`validate_paths` returns results without either
    (:meth:`compact`): ``facts`` keeps what the later steps of 検証 need.
    """

    path: Path
    submission: Submission | None
    report: Report
    size: int
    sha256: str
    department: DepartmentMatch | None = None  # which roster department it is (None: not decided)
    superseded_by: str = ""  # 重複: the file of the same department that speaks for it instead
    undecided: bool = False  # 要確認: tied with another file of its department, none chosen
    note: str = ""  # why it is 重複 (which file was preferred, and why)
    values: Values = field(default_factory=Values)
    facts: SubmissionFacts | None = None  # set for every readable file (None: 取込不可)

    def __post_init__(self) -> None:
        if self.facts is None and self.submission is not None:
            self.facts = SubmissionFacts.of(self.submission)

    def compact(self) -> FileResult:
        """This result without the cells read and the typed values (the facts and the report stay)."""
        if self.submission is None and not self.values._cells:
            return self
        return replace(self, submission=None, values=Values())

    @property
    def readable(self) -> bool:
        """The file was read as a workbook (its findings are about its content)."""
        return self.facts is not None

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def superseded(self) -> bool:
        return bool(self.superseded_by)

    @property
    def needs_return_copy(self) -> bool:
        """A file with findings the department must see; a superseded file's are not open."""
        return self.report.to_send_back and not self.superseded  # 情報 alone is not sent back

    @property
    def status(self) -> str:
        """問題なし / 警告あり / 要修正 / 重複 / 要確認, as the planning office reads it."""
        if self.superseded:
            return "重複"
        if self.undecided:
            return "要確認"
        if not self.report.ok:
            return "要修正"
        return "警告あり" if self.report.warnings else "問題なし"  # 情報 alone leaves a file 問題なし


def validate_submission(sub: Submission, config: Config) -> Validated:
    """All findings of one read file, in sheet and cell order, and the typed values read."""
    ctx = Context(sub, config)
    _guarded(ctx, "ファイルの性質", check_package, ctx)
    if not _guarded(ctx, "提出様式の確認", check_template, ctx, default=True):
        return Validated(Report(_sorted(ctx.findings, sub)), ctx.values)
    _guarded(ctx, "シートと見出し", check_structure, ctx)
    for sheet in sub.spec.sheets:
        rows = ctx.rows(sheet)
        # Per column once, not per cell: this loop runs for every cell read (issue 17).
        plan = [(column, column.key, column.required, None if column.kind in FREE_KINDS else KIND_RULES[column.kind])
                for column in sheet.columns]
        for record in rows:
            cells = record.cells
            for column, key, required, rule in plan:
                cell = cells.get(key)
                if cell is None:
                    continue  # check_required reports only a present, empty cell
                if cell.is_empty:
                    if required:
                        _guarded(ctx, "必須項目", check_required, ctx, sheet, column, cell)
                    continue
                try:
                    usable = check_cell(ctx, column, cell)
                except Exception as exc:  # as _guarded: reported once, the rest goes on
                    _failed(ctx, "セルの内容", exc)
                    continue
                if usable and rule is not None:
                    try:
                        rule.run(ctx, sheet, record, column, cell)
                    except Exception as exc:
                        _failed(ctx, rule.title, exc)
        for name, columns in checks_of(sheet):
            check = CHECKS[name]
            _guarded(ctx, check.title, check.run, ctx, sheet, columns)
    _guarded(ctx, "入力の有無", check_empty_tables, ctx)
    _guarded(ctx, "前年度の集約ファイルとの照合", check_restated, ctx)
    _guarded(ctx, "実績の文章と数値", check_narrative_figures, ctx)
    _guarded(ctx, "取り込んだ内容の確認", check_unconfirmed, ctx)
    return Validated(Report(_sorted(ctx.findings, sub)), ctx.values)


def _guarded(ctx: Context, title: str, rule: Callable[..., Any], *args: object, default: Any = None) -> Any:
    """Run one rule; an unexpected exception becomes an E-RUN finding instead of stopping.

    A rule that fails on one cell usually fails on every cell, so each rule is reported once.
    """
    try:
        return rule(*args)
    except Exception as exc:  # a bug in one rule must not hide the other findings
        _failed(ctx, title, exc)
        return default


def _failed(ctx: Context, title: str, exc: Exception) -> None:
    """The E-RUN finding of a rule that raised, once per rule."""
    if title not in ctx.failed_rules:
        ctx.failed_rules.add(title)
        ctx.add(codes.RUN_RULE_FAILED, rule=title, error=type(exc).__name__)


def _sorted(findings: list[Finding], sub: Submission) -> list[Finding]:
    """File-level findings first, then by sheet (template order), row and column."""
    rank = {sheet.name: i + 1 for i, sheet in enumerate(sub.spec.sheets)}

    def key(f: Finding) -> tuple[int, int, int, str]:
        row, column = (f.row, f.column) if f.row else cell_position(f.cell)  # a Finding built by hand
        return (rank.get(f.sheet, 0 if not f.sheet else len(rank) + 1), row, column, f.code)

    return sorted(findings, key=key)


def _file_finding(path: Path, code: str, **params: object) -> Finding:
    return CATALOGUE.make(code, file=path.name, **params)


def validate_file(
    path: Path | str,
    config: Config,
    *,
    data: bytes | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> FileResult:
    """Read and validate one file. Never raises for a bad file: its problem is a finding.

    The result also says which roster department the file is (:attr:`FileResult.department`),
    decided here once for 検証 and 集約.
    """
    result = _read_and_validate(Path(path), config, data, limits)
    written = result.submission.department if result.submission is not None else None
    result.department = match_department(written, config.roster, result.path.name)
    return result


def _read_and_validate(path: Path, config: Config, data: bytes | None, limits: Limits) -> FileResult:
    import python_calamine  # lazy, like the reader

    try:
        if data is None:
            data = read_file(path, limits)
    except PackageError as exc:
        return FileResult(path, None, Report([_file_finding(path, FILE_PROBLEM_CODES[exc.problem])]), 0, "")
    size, sha256 = len(data), hashlib.sha256(data).hexdigest()

    def failed(code: str, **params: object) -> FileResult:
        return FileResult(path, None, Report([_file_finding(path, code, **params)]), size, sha256)

    try:
        sub = read_submission(path, data=data, limits=limits)
        if meta_years(sub.meta) is None and sub.spec.fiscal_years != tuple(config.fiscal_years):
            # No years in the file (not a template, or sheets copied out of it): read the
            # headers as this year's template has them.
            sub = read_submission(path, data=data, limits=limits, fiscal_years=tuple(config.fiscal_years))
    except PackageError as exc:
        return failed(FILE_PROBLEM_CODES[exc.problem])
    except python_calamine.CalamineError as exc:
        return failed(codes.FILE_UNREADABLE, error=type(exc).__name__)
    except Exception as exc:  # a reader bug on one file must not stop the run
        return failed(codes.RUN_READ_FAILED, error=type(exc).__name__)
    validated = validate_submission(sub, config)
    return FileResult(path, sub, validated.report, size, sha256, values=validated.values)


def is_workbook_name(path: Path) -> bool:
    """A workbook a directory listing should include: not an Excel owner file (~$), not hidden."""
    name = path.name
    return path.suffix.lower() in WORKBOOK_SUFFIXES and not name.startswith(("~$", "."))


def expand_paths(paths: Iterable[Path | str]) -> list[Path]:
    """Files as given, and each directory's workbooks (not recursive), in name order.

    A directory holds what departments sent plus what Excel leaves beside an open file
    (``~$name.xlsx``) and hidden files of sync clients; only the workbooks count. A file named
    explicitly is kept whatever its name, so that a wrong file gives a finding, not silence.
    A folder that cannot be listed raises :class:`~kpitool.errors.InputError`.
    """
    out: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            try:
                found = sorted(p for p in path.iterdir() if p.is_file() and is_workbook_name(p))
            except OSError as exc:
                raise InputError(f"フォルダの中を読めません: {path}（{exc.strerror}）") from None
        else:
            found = [path]
        for p in found:
            if p not in seen:
                seen.add(p)
                out.append(p)
    return out


def validate_compact(path: Path, config: Config) -> FileResult:
    """:func:`validate_file` without the cells read (:meth:`FileResult.compact`): what a worker
    sends back and a run over many files keeps."""
    return validate_file(path, config).compact()


def validate_paths(
    paths: Sequence[Path | str],
    config: Config,
    *,
    workers: int | None = 1,
    progress: Progress | None = None,
) -> list[FileResult]:
    """Validate files and directories (expanded with :func:`expand_paths`), in order.

    Files run through :func:`kpitool.parallel.map_files`, the runner consolidation uses:
    ``workers=None`` picks in-process or a pool by the number of files, ``1`` stays in this
    process, more forces a pool. A worker that dies costs only its own file.

    The results are compact (:meth:`FileResult.compact`: no ``submission``, no ``values``;
    ``facts`` instead): memory stays bounded at thousands of files, and a worker sends back
    its findings, not every cell it read (that pickling cost more than validating).
    """
    files = expand_paths(paths)

    def crashed(path: Path, reason: str) -> FileResult:
        """The result of a file whose worker process died (the rest of the run goes on)."""
        finding = _file_finding(path, codes.RUN_READ_FAILED, error=reason)
        return FileResult(path, None, Report([finding]), 0, "",
                          department=match_department(None, config.roster, path.name))

    keep = None
    if len(files) > SPOOL_THRESHOLD:
        from kpitool.validation.spool import spooler

        keep = spooler()
    return map_files(validate_compact, files, config, progress=progress, workers=workers, on_crash=crashed,
                     keep=keep)
