"""The two user actions, 検証 and 集約, as one function each.

The CLI (``kpitool validate`` / ``consolidate``), the Excel buttons (``kpitool.xl``) and the
demo each parse their input, call :func:`run_validation` or :func:`run_consolidation` and
present what comes back. Everything a run decides or touches lives here, once: which outputs
may be written where, the run lock on the master, the worker pool (through
:mod:`kpitool.parallel`), validation then the report and the return copies, consolidation then
the master and its CSVs, stale return copies cleared away, and whether the run is "ok" (the
exit code). No shell consolidates, writes a master or takes the lock by itself.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from kpitool.errors import InputError, KpitoolError
from kpitool.parallel import Progress

if TYPE_CHECKING:
    from kpitool.config import Config
    from kpitool.master.writer import MasterOutputs
    from kpitool.model import Consolidation
    from kpitool.validate import FileResult

StaleCopies = Literal["archive", "delete", "keep"]
ARCHIVE_DIR = "修正済み"  # stale return copies are moved here (inside the return-copy folder)
REPORT_WHAT = "検証結果の一覧"
COPIES_WHAT = "差し戻し用のコピー"


# --- 検証 ----------------------------------------------------------------------------------


@dataclass
class ValidationRun:
    """What a validation run found and wrote.

    ``output_error`` holds a failure to write the report (open in Excel, disk full): the results
    are still valid and worth showing, so the shell presents them and then reports the error.
    """

    results: list[FileResult]
    report: Path | None = None
    copies_dir: Path | None = None
    copies: list[Path] = field(default_factory=list)
    copy_failures: list[str] = field(default_factory=list)  # Japanese, one per file
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (full name, shortened name)
    archived: list[Path] = field(default_factory=list)  # stale return copies moved or deleted
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (name, reason) in the folders
    notes: list[str] = field(default_factory=list)  # Japanese: what the run could not check, and why
    output_error: KpitoolError | None = None

    @property
    def ok(self) -> bool:
        """No open error: every file is clean, has warnings only, or was superseded (重複)."""
        return all(r.report.ok or r.superseded for r in self.results) and not any(
            r.undecided for r in self.results
        )

    def lines(self) -> list[str]:
        """The terminal table and the summary line."""
        from kpitool.findings_report import summary_line, text_lines

        return [*text_lines(self.results), summary_line(self.results)]

    def output_lines(self) -> list[str]:
        """Where the outputs went: the report, the return copies, what was cleared away."""
        lines = list(self.notes)
        if self.report is not None and self.output_error is None:
            lines.append(f"{REPORT_WHAT}を書き出しました: {self.report}")
        lines.extend(f"{COPIES_WHAT}を作成できません: {message}" for message in self.copy_failures)
        lines.extend(f"名前が長いため短縮しました: {full} → {short}" for full, short in self.renamed)
        if self.copies_dir is not None:
            lines.append(f"{COPIES_WHAT}を作成しました: {len(self.copies)}ファイル（{self.copies_dir}）")
            if self.archived:
                where = "削除しました" if self.archived[0].parent == self.copies_dir else f"{self.archived[0].parent} に移しました"
                lines.append(f"修正済み・重複のファイルの古い{COPIES_WHAT}を{where}: {len(self.archived)}ファイル")
        return lines


def _refuse_inside(inputs: Sequence[Path], output: Path, what: str) -> None:
    """Outputs written into a folder being validated would be read as submissions next time.

    Resolved first (issue 16): a report path that is a symlink to a submission, or a folder
    reached through a symlink, is the input it points to.
    """
    from kpitool.paths import real, same_file

    folder = real(output) if what == COPIES_WHAT else real(output).parent
    if any((p.is_dir() and same_file(p, folder)) or (p.is_file() and same_file(p, real(output)))
           for p in inputs):
        raise InputError(f"{what}の出力先に、検証するフォルダ（{folder}）は指定できません。別のフォルダを指定してください。")


def run_validation(
    paths: Sequence[Path | str],
    config: Config,
    progress: Progress | None = None,
    *,
    report: Path | str | None = None,
    return_copies: Path | str | None = None,
    stale_copies: StaleCopies = "archive",
    workers: int | None = None,
) -> ValidationRun:
    """検証: validate files and folders, then write the report and the return copies.

    ``report``: an .xlsx listing every finding. ``return_copies``: a folder that receives, for
    each file with findings, a copy with its problems marked (差し戻し). ``stale_copies`` says
    what happens to copies already in that folder for files that are now clean or superseded
    by a newer file of the same department: ``"archive"`` (default) moves them into
    :data:`ARCHIVE_DIR` inside the folder, ``"delete"`` removes them, ``"keep"`` leaves them. So
    a department that fixed its file never finds an old 要修正 copy next to the new state.

    Raises :class:`~kpitool.errors.InputError` for a path that does not exist, an output inside
    a folder being validated, or nothing to validate.
    """
    from kpitool.validate import validate_paths
    from kpitool.validation.duplicates import mark_duplicates

    inputs = [Path(p) for p in paths]
    for path in inputs:
        if not path.exists():
            raise InputError(f"ファイルまたはフォルダが見つかりません: {path}")
    report_path = Path(report) if report is not None else None
    copies_dir = Path(return_copies) if return_copies is not None else None
    if report_path is not None:
        _refuse_inside(inputs, report_path, REPORT_WHAT)
    if copies_dir is not None:
        _refuse_inside(inputs, copies_dir, COPIES_WHAT)
    notes = []
    if config.history_masters:
        from kpitool.consolidate import previous_masters

        masters = previous_masters(config)  # a missing or unreadable earlier master stops here (E-RUN-001)
        notes.extend(_unmatched_previous(masters, config))
    files, ignored = _candidates(inputs)
    results = validate_paths(files, config, workers=workers, progress=progress)
    if not results:
        raise InputError("検証するファイル（.xlsx / .xlsm）がありません。")
    mark_duplicates(results)  # the rule consolidation applies: 重複 is not an open error
    run = ValidationRun(results, report=report_path, copies_dir=copies_dir, ignored=ignored, notes=notes)
    if report_path is not None:
        from kpitool.findings_report import write_findings_report

        try:
            write_findings_report(results, report_path)
        except KpitoolError as exc:
            run.output_error = exc
    if copies_dir is not None:
        _write_return_copies(run, copies_dir, stale_copies, config.template.destination)
    return run


def _unmatched_previous(masters: Sequence[Any], config: Config) -> list[str]:
    """A note when earlier masters were given but none is the previous cycle's (its 当年度 is
    this year's 前年度): the 前年度 values were then compared with nothing (W-HIST-001)."""
    from kpitool.spec import fiscal_year_label
    from kpitool.validation.restated import is_previous_cycle

    previous = config.fiscal_years[0]
    if not masters or any(is_previous_cycle(m, config.fiscal_years) for m in masters):
        return []
    given = "、".join(f"{m.path.name}（{fiscal_year_label(m.fiscal_years[1])}まで）" for m in masters)
    return [f"前年度の値は照合していません: 指定された集約ファイル {given} に、"
            f"{fiscal_year_label(previous)}を当年度とする前年度の集約ファイルがありません。"]


def _candidates(inputs: Sequence[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files as given, and each folder's candidates as consolidation lists them
    (:func:`kpitool.inbox.scan_inbox`: an .xls is a candidate that gets a finding, an owner
    file ~$ is ignored with a reason), so 検証 and 集約 see the same files."""
    from kpitool.inbox import scan_inbox

    files: list[Path] = []
    seen: set[Path] = set()
    ignored: list[tuple[str, str]] = []
    for path in inputs:
        if path.is_dir():
            scan = scan_inbox(path)
            found = [f.path for f in scan.files]
            ignored.extend(scan.ignored)
        else:
            found = [path]
        for p in found:
            if p not in seen:
                seen.add(p)
                files.append(p)
    return files, ignored


def _write_return_copies(run: ValidationRun, out_dir: Path, stale: StaleCopies, destination: str = "") -> None:
    from kpitool.return_copy import (
        ReturnCopyError,
        full_return_copy_name,
        return_copy_name,
        write_return_copy,
    )

    for result in run.results:
        if not result.needs_return_copy:
            continue
        try:
            written = write_return_copy(result, out_dir, destination=destination)
        except ReturnCopyError as exc:
            run.copy_failures.append(f"[{exc.code}] {exc.message_ja}")
            continue
        run.copies.append(written)
        if written.name != full_return_copy_name(result.path):  # kpitool.paths.fit_name
            run.renamed.append((full_return_copy_name(result.path), written.name))
    if stale == "keep" or not out_dir.is_dir():
        return
    for result in run.results:
        if result.needs_return_copy:
            continue
        copy = out_dir / return_copy_name(result.path)
        if not copy.is_file():
            continue
        if stale == "delete":
            copy.unlink(missing_ok=True)
            run.archived.append(copy)
            continue
        archive = out_dir / ARCHIVE_DIR
        archive.mkdir(exist_ok=True)
        target = archive / copy.name
        try:
            os.replace(copy, target)
        except FileNotFoundError:  # another run moved it first
            continue
        run.archived.append(target)


# --- 集約 ----------------------------------------------------------------------------------


@dataclass
class ConsolidationRun:
    """A consolidation and the files it wrote (master and CSV twins)."""

    consolidation: Consolidation
    outputs: MasterOutputs
    parquet: tuple[Path, ...] = ()  # --parquet: the tables as Parquet files (kpitool.parquet)

    @property
    def ok(self) -> bool:
        """No department needs action: nothing 要修正, 取込不可 or 要確認."""
        from kpitool.model import ACTION_STATUSES

        return not set(self.consolidation.table("submissions")["status"]) & {str(s) for s in ACTION_STATUSES}

    def lines(self) -> list[str]:
        """The Japanese summary: counts, who is missing, what to fix, where the outputs are."""
        from kpitool.consolidate import summary_lines

        return [*summary_lines(self.consolidation, self.outputs), *(f"Parquet: {p}" for p in self.parquet)]


def _warm_up_writer() -> None:
    """Import what the main process needs only after the files are read: XlsxWriter, the CSV
    writer, the publication sheet and the cross-department check (≈ 40 ms of a start)."""
    import xlsxwriter  # noqa: F401

    import kpitool.crosscheck
    import kpitool.master.opendata
    import kpitool.master.publication  # noqa: F401


def _warm_up_while_reading(progress: Progress | None) -> Progress:
    """``progress``, which also imports the writer's libraries when the first file is done.

    With a worker pool the main process only waits while the workers read (issue 17: ≈ 0.3 s
    for a city's 30 files), so the imports cost nothing there. They run in the main thread, in
    the callback, not in a thread of their own: a thread importing while the pool forks
    replacement workers (after a worker died) could leave a module lock held in a child. Without
    a pool they cost the same as at write time.
    """
    warmed = False

    def report(done: int, total: int, name: str) -> None:
        nonlocal warmed
        if done and not warmed:
            warmed = True
            _warm_up_writer()
        if progress is not None:
            progress(done, total, name)

    return report


def run_consolidation(
    inbox: Path | str,
    config: Config,
    master_path: Path | str,
    progress: Progress | None = None,
    *,
    on_stage: Callable[[str], None] | None = None,
    workers: int | None = None,
    parquet: Path | str | None = None,
) -> ConsolidationRun:
    """集約: consolidate ``inbox`` and write the master and its CSVs, holding the run lock.

    One run per master: a second run (another PC on the shared folder, a second click) is
    refused with :class:`~kpitool.errors.RunInProgress` naming who holds the lock, before it
    reads anything. ``on_stage(text)`` is told when writing starts (the buttons show it).
    ``parquet``: a folder that also receives the tables as Parquet (needs the ``parquet`` extra,
    checked before anything is read).
    """
    from kpitool.consolidate import consolidate
    from kpitool.master.writer import refuse_master_in_inbox, write_master
    from kpitool.run_lock import run_lock

    master = Path(master_path)
    refuse_master_in_inbox(master, inbox)  # before any file is read
    if parquet is not None:
        from kpitool.parquet import require_pyarrow

        require_pyarrow()
        _refuse_inside([Path(inbox)], Path(parquet) / "kpis.parquet", "Parquet の出力先")
    master.parent.mkdir(parents=True, exist_ok=True)
    with run_lock(master):
        consolidation = consolidate(Path(inbox), config, progress=_warm_up_while_reading(progress), workers=workers)
        if on_stage is not None:
            on_stage("集約ファイルを書き出し中…")
        outputs = write_master(consolidation, master)
        written: tuple[Path, ...] = ()
        if parquet is not None:
            from kpitool.parquet import write_parquet

            written = write_parquet(consolidation, parquet)
    return ConsolidationRun(consolidation, outputs, written)
