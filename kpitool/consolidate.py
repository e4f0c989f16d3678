"""Consolidate an inbox: roster status per department and the rows of every included file.

``consolidate(inbox, config)`` is the planning office's 集約 click as a plain function. It
scans the inbox (:mod:`kpitool.inbox`), reads and validates each candidate once
(:func:`process_file`, via :func:`kpitool.validate.validate_file`), decides which file speaks
for each department, and returns a :class:`kpitool.model.Consolidation` of DataFrames.

Status per department (:class:`kpitool.model.Status`):

- 提出済 — one file (or the latest of several), no エラー: consolidated.
- 未提出 — a roster department without any file.
- 要修正 — the department's file has エラー findings; left out unless
  ``config.consolidate_with_errors``. An older clean file is *not* used instead: publishing a
  version the department has replaced would be wrong without a word.
- 重複 — older files of a department that sent several, as
  :func:`kpitool.validation.duplicates.choose` decides (the same rule ``validate`` applies):
  later 作成日, then a modification time more than 2 s later; the note names the file taken
  and the true reason.
- 要確認 — files tied on 作成日 and time (within 2 s) when not exactly one of them is free of
  エラー: none is taken, and an エラー E-CONS-001 names every tied file.
- a file whose 部局名 is not on the roster (as :mod:`kpitool.validation.roster` decides, the
  same matcher ``validate`` uses) is 要修正 with the validator's E-BASIC-002, never consolidated;
  it is listed under the suggested roster name when there is one, so that department does not
  show 未提出 while its misnamed file waits to be fixed.
- 取込不可 — not a readable workbook (the reason is in the note and the findings). Its
  department is taken from the file name when a roster name appears in it, so a department
  whose only file is unreadable is not reported as 未提出.

Scale: the per-file work is a pure module-level function returning small picklable row lists,
run over processes when the inbox has more than :data:`kpitool.parallel.PARALLEL_THRESHOLD` files; the master
process keeps only those rows and builds each DataFrame once at the end. Results are sorted by
file name, so the same inbox gives equal DataFrames however the work was scheduled. Equal texts
of the rows are kept once (:class:`SharedStrings`): each worker's rows arrive with their own copies.

DataFrame dtypes: numeric columns (values, 増減, rates, sizes, counts) are float64 / int64 with
NaN for a missing number; ``included`` is bool; every other column is object dtype holding
``str`` or ``None`` exactly as the model's comments say.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpitool import codes
from kpitool.errors import InputError
from kpitool.findings import CATALOGUE, FINDING_COLUMNS, Finding, Severity
from kpitool.inbox import InboxFile, file_sha256, modified_time, read_once, scan_inbox
from kpitool.model import (
    FIGURE_COLUMNS,
    JST,
    KPI_COLUMNS,
    SUBMISSION_COLUMNS,
    SURVEY_COLUMNS,
    Consolidation,
    Status,
)
from kpitool.package import DEFAULT_LIMITS
from kpitool.parallel import map_files
from kpitool.paths import display_name, is_link_outside, real
from kpitool.validation.duplicates import Candidate, choose, created_date, tie_finding
from kpitool.validation.roster import department_from_filename

if TYPE_CHECKING:
    from kpitool.config import Config
    from kpitool.table import Table

Progress = Callable[[int, int, str], None]

FINDING_KEYS = tuple(key for key, _label in FINDING_COLUMNS)
_SEVERITY = FINDING_KEYS.index("severity")
_FILE = FINDING_KEYS.index("file")

# Numeric columns of each frame (the rest hold str or None).
KPI_FLOATS = frozenset({"base", "target", "prev", "curr", "achievement", "progress", "change", "rate"})
FIGURE_FLOATS = frozenset({"prev", "curr", "change", "rate"})
INT_COLUMNS = frozenset({"size", "errors", "warnings"})
BOOL_COLUMNS = frozenset({"included", "points", "variance_formula", "achievement_formula", "progress_formula"})


@dataclass
class FileOutcome:
    """What one inbox file contributes, as small picklable rows (built in a worker process)."""

    name: str
    size: int
    sha256: str
    modified: str  # ISO 8601 JST
    readable: bool  # a Submission was read (False: 取込不可)
    department: str  # listed under: DepartmentMatch.department (roster name, suggestion, as written, "")
    on_roster: bool  # may speak for its roster department (name matched, or guessed from the file name)
    guessed: bool  # department taken from the file name (unreadable file or blank 部局名)
    created: str  # 作成日 as an ISO date, "" when missing or invalid
    created_cell: str = ""  # where 作成日 was read ("B8"), for the tie finding
    contacts: tuple[str, str, str] = ("", "", "")  # 部局長名, 担当者, 連絡先 as written in 基本情報
    problem: str = ""  # Japanese reason a file is 取込不可
    findings: list[tuple[str, ...]] = field(default_factory=list)  # FINDING_KEYS order
    kpis: list[tuple[Any, ...]] = field(default_factory=list)
    survey: list[tuple[Any, ...]] = field(default_factory=list)
    figures: list[tuple[Any, ...]] = field(default_factory=list)
    written: str = ""  # 部局名 as typed, when it is not on the roster
    suggestion: str = ""  # the roster name validation suggested for it
    mtime: float = 0.0  # file modification time (POSIX seconds), for choosing between duplicates

    @property
    def errors(self) -> int:
        return sum(row[_SEVERITY] == Severity.ERROR for row in self.findings)

    @property
    def warnings(self) -> int:
        return sum(row[_SEVERITY] == Severity.WARNING for row in self.findings)


def _finding_row(finding: Finding, file_name: str) -> tuple[str, ...]:
    row = [str(getattr(finding, key)) for key in FINDING_KEYS]
    if not row[_FILE]:
        row[_FILE] = file_name
    return tuple(row)


def _contacts(sub: Any) -> tuple[str, str, str]:
    """部局長名, 担当者 and 連絡先 of 基本情報 as text ("" when blank): who to ask about the file."""
    cells = (sub.basic.get(key) for key in ("head", "contact_person", "contact"))
    texts = tuple("" if c is None else c.text.strip() for c in cells)
    return texts[0], texts[1], texts[2]


def process_file(path: Path, config: Config) -> FileOutcome:
    """Read, validate and assemble one inbox file; never raises for a bad file.

    Pure and module-level so that it runs in worker processes: the file is read once,
    read-only, and hashed; the validator and the survey work from those bytes; only row
    tuples travel back.
    """
    from kpitool.survey import submission_rows
    from kpitool.validate import validate_file

    path = Path(path)
    name = path.name
    modified, mtime = modified_time(path), _mtime(path)
    roster = config.roster
    if is_link_outside(path, path.parent):  # issue 16: a link out of the inbox is not read
        finding = CATALOGUE.make(codes.INBOX_LINK_OUTSIDE, file=name, value=str(real(path)))
        guess = department_from_filename(name, roster)
        return FileOutcome(name, 0, "", modified, False, guess, bool(guess), bool(guess), "",
                           problem=finding.message, findings=[_finding_row(finding, name)])
    try:
        try:
            data, sha256, size = read_once(path, DEFAULT_LIMITS.max_file_bytes)
        except OSError:
            data, sha256, size = None, "", 0  # the validator reports why it cannot be opened
        result = validate_file(path, config, data=data)
        sha256 = sha256 or result.sha256
        size = size or result.size
        sub = result.submission
        match = result.department
        assert match is not None, "validate_file decides the department"
        speaks = match.on_roster or match.guessed
        if sub is None:
            findings = [_finding_row(f, name) for f in result.report.findings]
            errors = [row for row in findings if row[_SEVERITY] == Severity.ERROR]
            problem = errors[0][FINDING_KEYS.index("message")] if errors else "ファイルを読み込めません。"
            return FileOutcome(name, size, sha256, modified, False, match.department, speaks, match.guessed, "",
                               problem=problem, findings=findings, mtime=mtime)
        # 情報 (a figure of the 実績 text without a 実績数値 row) is a suggestion to the department,
        # not a finding of the consolidation: the master's 検証結果 lists errors and warnings.
        report = [f for f in result.report.findings if f.severity is not Severity.INFO]
        rows = submission_rows(sub, result.values, config, department=match.department, file_name=name)
        unit_cells = {(f.sheet, f.cell) for f in report if f.code == codes.UNIT_MISMATCH}
        report = [*report, *(f for f in rows.findings if (f.sheet, f.cell) not in unit_cells)]
        findings = [_finding_row(f, name) for f in report]
        # Texts shared within the file's rows pickle once (smaller messages from the workers).
        return SharedStrings()(FileOutcome(
            name, size, sha256, modified, True, match.department, speaks, match.guessed, created_date(sub),
            created_cell=sub.basic["created"].cell if "created" in sub.basic else "",
            contacts=_contacts(sub), findings=findings, kpis=rows.kpis, survey=rows.survey, figures=rows.figures,
            written="" if speaks else match.written, suggestion=match.suggestion, mtime=mtime,
        ))
    except Exception as exc:  # one bad file never stops the run
        return _failed(path, modified, f"{type(exc).__name__}: {exc}", roster)


def _mtime(path: Path) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0


def _failed(path: Path, modified: str, detail: str, roster: Sequence[str]) -> FileOutcome:
    """The outcome of a file whose processing failed unexpectedly (取込不可, with the detail)."""
    finding = CATALOGUE.make(codes.RUN_READ_FAILED, file=path.name, error=detail)
    guess = department_from_filename(path.name, roster)
    return FileOutcome(path.name, 0, "", modified, False, guess, bool(guess), bool(guess), "",
                       problem=finding.message, findings=[_finding_row(finding, path.name)])


# --- running over files -------------------------------------------------------------------


def _process_all(
    files: Sequence[InboxFile], config: Config, progress: Progress | None, workers: int | None
) -> list[FileOutcome]:
    """Every file's outcome, sorted by file name whatever order the workers finished in."""
    # Imported here first so that forked workers inherit the modules instead of each
    # importing them again (spawned workers import them anyway).
    import kpitool.survey
    import kpitool.validate  # noqa: F401

    ordered = sorted(files, key=lambda f: f.name)
    return map_files(
        process_file, [f.path for f in ordered], config, progress=progress, workers=workers,
        on_crash=lambda path, reason: _failed(path, modified_time(path), reason, config.roster),
        keep=SharedStrings(),
    )


class SharedStrings:
    """Keeps one copy of each text in the rows of every file's outcome (issue 17: memory).

    Each outcome arrives unpickled from a worker with its own copy of every text: the same
    file name, sheet name, department, unit, code or cell address stands in thousands of rows,
    once per row. At N = 500 the consolidation's texts took 78 MiB of which 26 MiB were
    distinct; sharing them more than halves the consolidation's memory. The values are equal
    strings, so nothing downstream can tell.
    """

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}

    def __call__(self, outcome: FileOutcome) -> FileOutcome:
        share = self._texts.setdefault
        for name in ("findings", "kpis", "survey", "figures"):
            rows = getattr(outcome, name)
            rows[:] = [
                tuple(share(v, v) if v.__class__ is str else v for v in row) for row in rows
            ]
        return outcome


# --- deciding status ----------------------------------------------------------------------


@dataclass
class _Decision:
    status: Status
    included: bool
    note: str


def _decide_department(
    files: list[FileOutcome], config: Config, extra: dict[str, list[tuple[str, ...]]]
) -> list[tuple[FileOutcome, _Decision]]:
    """Status of each file of one department, in listing order: the chosen file (or the tied
    ones), the superseded ones newest first, off-roster ones, unreadable ones. Which file speaks
    for the department is :func:`kpitool.validation.duplicates.choose`'s decision, the same
    ``validate`` makes; its tie finding is added to ``extra``."""
    readable = {o.name: o for o in files if o.readable and o.on_roster}
    unreadable = []
    for o in sorted((o for o in files if not o.readable), key=lambda o: o.name):
        note = o.problem + ("（部局名はファイル名から推定しました）" if o.guessed else "")
        unreadable.append((o, _Decision(Status.UNREADABLE, False, note)))
    off_roster = [(o, _Decision(Status.NEEDS_FIX, False, _off_roster_note(o)))
                  for o in sorted((o for o in files if o.readable and not o.on_roster), key=lambda o: o.name)]
    if not readable:
        return [*off_roster, *unreadable]
    choice = choose([Candidate(o.name, o.created, o.mtime, o.errors) for o in readable.values()])
    created = {name: o.created for name, o in readable.items()}
    holder = readable[choice.chosen or choice.tied[0]]
    finding = tie_finding(choice, holder.department, holder.created, holder.name, holder.created_cell)
    if finding is not None:
        extra.setdefault(holder.name, []).append(_finding_row(finding, holder.name))
    superseded = [(readable[name], _Decision(Status.SUPERSEDED, False, choice.note(name, created)))
                  for name in choice.superseded]
    if choice.chosen is None:
        review = [(readable[name], _Decision(Status.REVIEW, False, "どのファイルが最新か決められないため、集約していません。"))
                  for name in choice.tied]
        return [*review, *superseded, *off_roster, *unreadable]
    winner = readable[choice.chosen]
    notes = []
    if winner.guessed:
        notes.append("部局名が空欄のため、ファイル名から部局を推定しました。")
    errors = winner.errors + sum(r[_SEVERITY] == Severity.ERROR for r in extra.get(winner.name, []))
    if errors:
        status = Status.NEEDS_FIX
        included = config.consolidate_with_errors
        notes.append("エラーがありますが、設定（consolidate_with_errors）により集約しました。"
                     if included else "エラーがあるため集約していません。")
    else:
        status, included = Status.SUBMITTED, True
    if superseded:
        notes.append(f"ほかに{len(superseded)}件のファイルがあります（重複）。")
    return [(winner, _Decision(status, included, "".join(notes))), *superseded, *off_roster, *unreadable]


def _off_roster_note(o: FileOutcome) -> str:
    """A file whose 部局名 is not on the roster: never consolidated, even with
    ``consolidate_with_errors`` (its rows would speak for a department nobody named)."""
    maybe = f"（「{o.suggestion}」ではありませんか）" if o.suggestion else ""
    return f"部局名「{o.written}」は名簿にありません{maybe}。部局名を直したファイルを提出してもらってください。"


def _undecidable(files: list[FileOutcome]) -> list[tuple[FileOutcome, _Decision]]:
    """Files whose department is unknown (no 部局名, no roster name in the file name)."""
    out = []
    for o in sorted(files, key=lambda o: o.name):
        if o.readable:
            out.append((o, _Decision(Status.NEEDS_FIX, False, "部局名がないため部局を特定できません。")))
        else:
            out.append((o, _Decision(Status.UNREADABLE, False, o.problem)))
    return out


def _department_order(outcomes: Sequence[FileOutcome], config: Config) -> list[str]:
    """Roster order first, then departments not on the roster by name, then unknown ("")."""
    seen = {o.department for o in outcomes}
    roster = config.roster
    on_roster = set(roster)
    off = sorted(d for d in seen if d and d not in on_roster)
    return [*roster, *off, *([""] if "" in seen else [])]


# --- building the frames ------------------------------------------------------------------


def _frame(
    rows: Sequence[Sequence[Any]], columns: Sequence[str], floats: frozenset[str] = frozenset()
) -> Table:
    """One table from row tuples, with the documented column types (None stays None in text);
    :meth:`kpitool.table.Table.to_frame` makes it the DataFrame when a caller asks."""
    from kpitool.table import Table

    return Table(rows, columns, floats, INT_COLUMNS, BOOL_COLUMNS)


def _across_departments(kpi_rows: Sequence[Sequence[Any]], config: Config) -> list[Finding]:
    """The same indicator with different values in two departments (kpitool.crosscheck)."""
    from kpitool.crosscheck import conflicting_kpis
    from kpitool.spec import template_spec

    sheet = template_spec(tuple(config.fiscal_years)).sheet("kpis")
    labels = (sheet.column("prev").label, sheet.column("curr").label)
    return conflicting_kpis((dict(zip(KPI_COLUMNS, row, strict=True)) for row in kpi_rows), labels)


def consolidate(
    inbox: Path | str,
    config: Config,
    *,
    progress: Progress | None = None,
    workers: int | None = None,
) -> Consolidation:
    """Consolidate every submission in ``inbox`` against the roster of ``config``.

    ``progress(done, total, file_name)`` is called as files finish (first with ``(0, total,
    "")``). ``workers`` forces the number of processes (1 = in this process); by default
    files are read in parallel when there are more than :data:`kpitool.parallel.PARALLEL_THRESHOLD`.
    Raises :class:`kpitool.errors.InputError` when the inbox folder does not exist; a bad
    file never raises, it is reported as 取込不可.
    """
    run_at = dt.datetime.now(JST).replace(microsecond=0)
    previous = previous_masters(config)
    scan = scan_inbox(inbox)
    outcomes = _process_all(scan.files, config, progress, workers)

    extra: dict[str, list[tuple[str, ...]]] = {}
    for o, f in zip(outcomes, sorted(scan.files, key=lambda f: f.name), strict=True):
        if o.sha256 and file_sha256(f.path, DEFAULT_LIMITS.max_file_bytes) != o.sha256:
            finding = CATALOGUE.make(codes.INBOX_FILE_CHANGED, file=o.name, value=o.sha256)
            extra.setdefault(o.name, []).append(_finding_row(finding, o.name))

    by_department: dict[str, list[FileOutcome]] = {}
    for o in outcomes:
        by_department.setdefault(o.department, []).append(o)

    submissions: list[tuple[Any, ...]] = []
    included: list[FileOutcome] = []
    for department in _department_order(outcomes, config):
        files = by_department.get(department, [])
        if not files:
            missing = {c: "" for c in SUBMISSION_COLUMNS} | {
                "department": department, "status": str(Status.MISSING), "included": False,
                "size": 0, "errors": 0, "warnings": 0,
            }
            submissions.append(tuple(missing[c] for c in SUBMISSION_COLUMNS))
            continue
        decided = _decide_department(files, config, extra) if department else _undecidable(files)
        for o, d in decided:
            extra_rows = extra.get(o.name, [])
            errors = o.errors + sum(r[_SEVERITY] == Severity.ERROR for r in extra_rows)
            warnings = o.warnings + sum(r[_SEVERITY] == Severity.WARNING for r in extra_rows)
            row = {
                "department": department, "status": str(d.status), "included": d.included,
                "file": o.name, "size": o.size, "sha256": o.sha256, "modified": o.modified,
                "created": o.created, "errors": errors, "warnings": warnings, "note": d.note,
                "head": o.contacts[0], "contact_person": o.contacts[1], "contact": o.contacts[2],
            }
            submissions.append(tuple(row[c] for c in SUBMISSION_COLUMNS))
            if d.included:
                included.append(o)

    findings = [row for o in outcomes for row in (*o.findings, *extra.get(o.name, []))]
    kpi_rows = [r for o in included for r in o.kpis]
    findings.extend(_finding_row(f, f.file) for f in _across_departments(kpi_rows, config))
    kpis = _frame(kpi_rows, KPI_COLUMNS, KPI_FLOATS)
    from kpitool.survey import grade_tallies

    return Consolidation(
        config=config,
        inbox=Path(inbox),
        run_at=run_at,
        submissions=_frame(submissions, SUBMISSION_COLUMNS),
        kpis=kpis,
        survey=_frame([r for o in included for r in o.survey], SURVEY_COLUMNS),
        figures=_frame([r for o in included for r in o.figures], FIGURE_COLUMNS, FIGURE_FLOATS),
        findings=_frame(findings, FINDING_KEYS),
        ignored=list(scan.ignored),
        tallies=grade_tallies(kpis, config),
        previous=previous,
    )


def previous_masters(config: Config) -> tuple[Any, ...]:
    """The masters of ``[history] masters`` (read before any file, so a wrong path stops early).

    Validation reads them first too (:func:`kpitool.pipeline.run_validation`): a missing path
    would otherwise compare nothing and a file that is not a master fail every file's check.
    """
    from kpitool.history import read_master

    out = []
    for path in config.history_masters:
        if not Path(path).is_file():
            raise InputError(
                f"設定の [history] masters にある前年度の集約ファイルが見つかりません: {path}。"
                "パス（設定ファイルのフォルダからの相対パス）を確認してください。"
            )
        out.append(read_master(path))
    return tuple(sorted(out, key=lambda m: m.fiscal_years))


# --- summary for people -------------------------------------------------------------------


def summary_lines(consolidation: Consolidation, outputs: Any = None) -> list[str]:
    """The Japanese summary the CLI and the demo print: counts, who is missing, what to fix,
    and where the outputs are (``outputs``: a :class:`kpitool.master.MasterOutputs`)."""
    counts = consolidation.counts()
    subs = list(consolidation.table("submissions").records())
    lines = [" / ".join(f"{status} {counts[str(status)]}" for status in Status)]

    def names(status: Status) -> list[str]:
        return [f"{r['department']}（{display_name(r['file'])}）" if r["file"] and r["department"]
                else (r["department"] or display_name(r["file"]))
                for r in subs if r["status"] == str(status)]

    for status, label in ((Status.MISSING, "未提出の部局"), (Status.NEEDS_FIX, "要修正"),
                          (Status.UNREADABLE, "取込不可"), (Status.REVIEW, "要確認（どのファイルが最新か決められない）"),
                          (Status.SUPERSEDED, "重複（集約しなかったファイル）")):
        listed = names(status)
        if listed:
            lines.append(f"{label}: {'、'.join(listed)}")
    if consolidation.ignored:
        lines.append(f"対象外のファイル: {len(consolidation.ignored)}件（{'、'.join(display_name(n) for n, _ in consolidation.ignored)}）")
    # A superseded file's findings stay in the master's 検証結果 but are not open: the file that
    # speaks for its department is the one to fix (validate counts the same way).
    findings = consolidation.table("findings")
    superseded = {r["file"] for r in subs if r["status"] == str(Status.SUPERSEDED)}
    open_severities = [severity for severity, file in zip(findings["severity"], findings["file"], strict=True)
                       if file not in superseded]
    errors = sum(1 for s in open_severities if s == str(Severity.ERROR))
    warnings = sum(1 for s in open_severities if s == str(Severity.WARNING))
    left_out = "（重複のファイルの指摘は除く）" if len(open_severities) < len(findings) else ""
    lines.append(f"指摘: エラー {errors}件・警告 {warnings}件{left_out}")
    n_kpis = len(consolidation.table("kpis"))
    lines.append(
        f"集約した行: 事業成果目標 {n_kpis}行・実績調査 {len(consolidation.table('survey'))}行・"
        f"実績数値 {len(consolidation.table('figures'))}行"
    )
    from kpitool.master.summary import facts_from_consolidation, headline

    if n_kpis:
        lines.append(f"達成状況: {headline(facts_from_consolidation(consolidation), consolidation.config.grades)}")
    if outputs is not None:
        lines.append(f"集約ファイル: {outputs.master}")
        for path in outputs.csvs:
            lines.append(f"CSV: {path}")
            if not path.name.startswith(f"{outputs.master.stem}_"):  # kpitool.paths.fit_name
                lines.append(f"  （集約ファイルの名前が長いため短縮しました: {outputs.master.stem}_… → {path.name}）")
    return lines
