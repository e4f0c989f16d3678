"""Replace output files safely: whole new file or untouched old file, never a partial one.

Auditors open the master workbook months after a run, so a run that is killed, runs out of
disk or meets a master open in Excel must never leave a half-written master, and the previous
master must survive as a dated backup. Everything is written to a temporary file beside the
target (same folder, so same file system and :func:`os.replace` is atomic), flushed to disk,
and only then moved over the target.

- :func:`atomic_output` — yields the temporary path to write to; on success backs up the old
  target into ``backup/<stem>_YYYYMMDD-HHMMSS<suffix>`` beside it and replaces it.
- :func:`kpitool.run_lock.run_lock` (its own module) — an OS lock on ``<name>.lock`` beside
  the target so that two consolidations of the same master do not run at once.
- :func:`atomic_write_bytes` / :func:`atomic_write_text` — the same for CSVs and logs.

Failures become the Japanese errors of :mod:`kpitool.errors`: :class:`MasterLocked` (the
target cannot be replaced: open in Excel, read-only, no permission), :class:`WriteFailed`
(disk full and other I/O errors) and :class:`RunInProgress` (the lock). In every case the old target is
left byte-identical. Stdlib only (filelock imported lazily, small), so the shells can use it
before any heavy import.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import secrets
import shutil
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from kpitool.errors import MasterLocked, RunInProgress, WriteFailed
from kpitool.model import JST

__all__ = [
    "BACKUP_DIR",
    "ORPHAN_AGE",
    "atomic_output",
    "atomic_write_bytes",
    "atomic_write_text",
    "backup_path",
    "lock_path",
    "output_error",
    "owner_files",
    "temp_pattern",
]

log = logging.getLogger(__name__)

BACKUP_DIR = "backup"
"""Backups go into this subfolder beside the target, so the folder users open keeps one
master (no look-alike dated copies next to it) and the backups are easy to find and archive."""

ORPHAN_AGE = 60.0
"""Seconds after which a temp file of ours is an orphan of a killed run. A live writer keeps
touching its file, so one minute without a change is safely dead."""

_TEMP_PREFIX = ".~kpitool-"
_WINDOWS = os.name == "nt"
_REPLACE_RETRIES = 5 if _WINDOWS else 1  # virus scanners and indexers hold files for a moment
_REPLACE_RETRY_DELAY = 0.2
_DISK_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG}
_NO_PERMISSION = {errno.EACCES, errno.EPERM, errno.EROFS}


def _no_checkpoint(point: str) -> None:
    """Production default: the named points of the write sequence do nothing."""


_checkpoint: Callable[[str], None] = _no_checkpoint
"""Test seam for fault injection: called with ``"written"`` (the block ended), ``"synced"``
(temp file flushed), ``"backed-up"`` and ``"replaced"``. The kill tests set it in a child
process to SIGKILL itself at an exact point; nothing in production sets it."""


# --- names ---------------------------------------------------------------------------------


def temp_pattern(target: Path) -> re.Pattern[str]:
    """The names of our temp files for ``target``: ``.~kpitool-<name>-<hex>.tmp<suffix>``.

    The leading dot hides them on Unix and from the inbox scanner; the suffix is kept because
    some writers (openpyxl, pandas) choose the format from the extension.
    """
    return re.compile(
        re.escape(f"{_TEMP_PREFIX}{_temp_key(target)}-") + r"[0-9a-f]{16}" + re.escape(f".tmp{target.suffix}")
    )


def _temp_key(target: Path) -> str:
    """The target's name as it appears in its temp names: shortened when the temp name would
    pass the file system's 255 bytes (a master named with 236 characters, issue 16)."""
    from kpitool.paths import fit_name

    overhead = len(_TEMP_PREFIX) + len("-") + 16 + len(f".tmp{target.suffix}".encode())
    return fit_name(target.name, "", reserve=overhead)


def _temp_name(target: Path) -> str:
    return f"{_TEMP_PREFIX}{_temp_key(target)}-{secrets.token_hex(8)}.tmp{target.suffix}"


def backup_path(target: Path, when: datetime) -> Path:
    """Where the backup of ``target`` taken at ``when`` goes (``backup/<stem>_YYYYMMDD-HHMMSS<suffix>``).

    A second backup within the same second gets ``-2``, ``-3`` … so no backup is overwritten.
    """
    from kpitool.paths import fit_name

    folder = target.parent / BACKUP_DIR
    base = fit_name(target.stem, f"_{when:%Y%m%d-%H%M%S}", reserve=len(f"-99{target.suffix}".encode()))
    candidate = folder / f"{base}{target.suffix}"
    n = 2
    while candidate.exists():
        candidate = folder / f"{base}-{n}{target.suffix}"
        n += 1
    return candidate


def lock_path(target: Path) -> Path:
    """The lock file of ``target``: ``<name>.lock`` beside it, visible so users can find it."""
    return target.with_name(f"{target.name}.lock")


def owner_files(target: Path) -> list[Path]:
    """Owner files that say ``target`` is open in a spreadsheet program right now.

    Excel keeps ``~$<name>`` beside a workbook it has open (LibreOffice ``.~lock.<name>#``). On
    Windows the open file also refuses replacement, but on Linux and many network shares
    nothing locks, so the owner file is the only sign that a user would lose the master they
    are looking at (or save their stale copy over ours).
    """
    candidates = (target.with_name(f"~${target.name}"), target.with_name(f".~lock.{target.name}#"))
    return [p for p in candidates if p.exists()]


# --- messages ------------------------------------------------------------------------------


def _kept(target: Path, existed: bool) -> str:
    return "元のファイルは変更されていません。" if existed else f"{target.name} は作成されていません。"


def _locked_error(target: Path, existed: bool, exc: OSError | None = None) -> MasterLocked:
    detail = f"（{exc.filename}: {exc.strerror}）" if exc is not None and exc.filename else ""
    return MasterLocked(
        f"{target} を置き換えられませんでした{detail}。Excel で開いている場合は閉じてから、"
        "もう一度実行してください。ファイルが読み取り専用の場合や、フォルダーに書き込む権限が"
        f"ない場合も置き換えられません。{_kept(target, existed)}"
    )


def _write_error(target: Path, existed: bool, exc: OSError) -> WriteFailed:
    if exc.errno in _DISK_FULL:
        reason = "ディスクの空き容量が不足しています。空き容量を増やしてから、もう一度実行してください。"
    elif isinstance(exc, FileNotFoundError) and not target.parent.is_dir():
        reason = f"出力先のフォルダー {target.parent} がありません。"
    else:
        where = f"{exc.filename}: " if exc.filename else ""
        reason = f"書き込み中にエラーが発生しました（{where}{exc.strerror or exc}）。"
    return WriteFailed(f"{target} を書き込めませんでした。{reason}{_kept(target, existed)}")


def translate_os_error(target: Path, existed: bool, exc: OSError) -> MasterLocked | WriteFailed:
    """Name an OS error in the user's terms: locked (close it, check permissions) or failed."""
    if isinstance(exc, PermissionError) or exc.errno in _NO_PERMISSION:
        return _locked_error(target, existed, exc)
    return _write_error(target, existed, exc)


def _os_error_in(exc: BaseException, temp: Path) -> OSError | None:
    """The OSError behind ``exc`` that is ours to explain: disk full, or about the temp file.

    Writers wrap I/O errors (XlsxWriter raises ``FileCreateError`` from the ``OSError``), so
    the cause chain is searched. Other OSErrors (e.g. reading an input) are not ours and pass
    through unchanged.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError):
            names = {str(n) for n in (current.filename, current.filename2) if n is not None}
            if current.errno in _DISK_FULL or str(temp) in names:
                return current
        for arg in current.args:  # FileCreateError(e) keeps e in args, not only as the cause
            if isinstance(arg, OSError) and id(arg) not in seen:
                found = _os_error_in(arg, temp)
                if found is not None:
                    return found
        current = current.__cause__ or current.__context__
    return None


def output_error(target: Path, temp: Path, exc: BaseException) -> MasterLocked | WriteFailed | None:
    """The Japanese error naming ``target`` for ``exc`` raised while writing its ``temp``
    file (disk full, or an OSError about ``temp``), or None when ``exc`` is not about it.

    For callers writing several outputs in one block: translate at the write of each, so the
    error names the file that failed, not the outermost output (issue 16).
    """
    found = _os_error_in(exc, temp)
    if found is None:
        return None
    target = real_target(target)
    return translate_os_error(target, target.exists(), found)


# --- file system steps ---------------------------------------------------------------------


def _fsync_file(path: Path) -> None:
    """Flush a finished file to the disk, so a power cut after the rename cannot leave zeros."""
    fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))  # Windows flushes writable handles only
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable (POSIX). Best effort: some file systems refuse, Windows cannot."""
    if _WINDOWS:
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_quietly(path: Path | None) -> None:
    if path is None:
        return
    with contextlib.suppress(OSError):
        path.unlink()


def _clean_orphans(target: Path) -> None:
    """Remove temp files that killed runs left for this target (beside it and in ``backup/``).

    Only names matching :func:`temp_pattern` and untouched for :data:`ORPHAN_AGE` seconds are
    removed, so another live run's file and the user's own files are never touched.
    """
    pattern = temp_pattern(target)
    cutoff = time.time() - ORPHAN_AGE
    for folder in (target.parent, target.parent / BACKUP_DIR):
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if not pattern.fullmatch(entry.name):
                continue
            try:
                if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < cutoff:
                    os.unlink(entry.path)
                    log.info("前回中断された処理の一時ファイルを削除しました: %s", entry.path)
            except OSError:
                continue  # another run removed it first, or it is not ours to remove


def _check_replaceable(target: Path, existed: bool) -> None:
    """Refuse early what would refuse the replacement, before any expensive work is done."""
    owners = owner_files(target)
    if owners:
        names = "、".join(p.name for p in owners)
        raise MasterLocked(
            f"{target} は Excel などで開かれています（所有者ファイル {names} があります）。"
            "Excel で閉じてから、もう一度実行してください。閉じてもこのメッセージが出る場合は、"
            f"前回 Excel が異常終了して残ったファイルですので {names} を削除してください。"
            f"{_kept(target, existed)}"
        )
    if existed:
        mode = target.stat().st_mode
        if not stat.S_ISREG(mode):
            raise WriteFailed(f"{target} はファイルではないため、書き込めません。{_kept(target, existed)}")
        if not mode & stat.S_IWUSR:  # POSIX would replace it silently, Windows refuses: refuse both
            raise MasterLocked(
                f"{target} は読み取り専用のため置き換えられません。読み取り専用を解除するか別の"
                f"出力先を指定してから、もう一度実行してください。{_kept(target, existed)}"
            )


def real_target(target: Path) -> Path:
    """The absolute path of the file to replace; a symlink is followed so the link survives."""
    target = Path(target)
    if target.is_symlink():
        target = target.resolve()
    return Path(os.path.abspath(target))


def _reserve_temp(target: Path, existed: bool) -> Path:
    """Choose a fresh temp name; creating it once proves the folder is writable, early."""
    temp = target.with_name(_temp_name(target))
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise translate_os_error(target, existed, exc) from exc
    os.close(fd)
    # Removed again: a block that writes nothing must fail, not replace the master with 0 bytes.
    remove_quietly(temp)
    return temp


def _make_backup(target: Path, temp: Path, when: datetime) -> Path:
    """Copy the current target into ``backup/`` via ``temp`` (a name in that folder).

    A copy, not a rename: renaming the old master away first would leave a moment with no
    master at all, which a kill at that moment would make permanent.
    """
    temp.parent.mkdir(exist_ok=True)
    shutil.copy2(target, temp)  # copy2 keeps the old master's modification time
    _fsync_file(temp)
    backup = backup_path(target, when)
    os.replace(temp, backup)
    _fsync_dir(temp.parent)
    return backup


def _replace(temp: Path, target: Path) -> None:
    """``os.replace``, retried briefly on Windows where scanners hold new files for a moment."""
    for attempt in range(_REPLACE_RETRIES):
        try:
            os.replace(temp, target)
            return
        except PermissionError:
            if attempt == _REPLACE_RETRIES - 1:
                raise
            time.sleep(_REPLACE_RETRY_DELAY)


# --- public API ----------------------------------------------------------------------------


@contextmanager
def atomic_output(
    target: Path, *, keep_backup: bool = True, now: datetime | None = None
) -> Iterator[Path]:
    """Yield a temp path beside ``target``; when the block ends normally, it becomes ``target``.

    Write the whole output to the yielded path (it does not exist yet; the writer creates it).
    On normal exit the temp file is flushed to disk, the previous target (if any) is copied to
    :func:`backup_path` (when ``keep_backup``; ``now`` stamps its name, default the current
    time in JST), and the temp file atomically replaces the target. If the block raises, the
    temp file is removed and the exception propagates; an OSError of ours (disk full, or one
    about the temp file) is re-raised as :class:`WriteFailed` / :class:`MasterLocked`.

    Raises :class:`MasterLocked` before the block runs when the target is open in Excel (owner
    file present) or read-only, and when the replacement is refused; :class:`WriteFailed` for
    disk full and other I/O errors. The old target is intact whenever an error is raised.
    A symlinked target is followed, so the link stays and the file it points to is replaced.
    """
    target = real_target(target)
    existed = target.exists()
    _clean_orphans(target)
    _check_replaceable(target, existed)
    temp = _reserve_temp(target, existed)
    backup: Path | None = None
    backup_temp: Path | None = None
    try:
        try:
            yield temp
        except (MasterLocked, WriteFailed, RunInProgress):
            raise  # already names its file (an inner output's): not ours to rename (issue 16)
        except BaseException as exc:
            found = _os_error_in(exc, temp) if isinstance(exc, Exception) else None
            if found is not None:
                raise translate_os_error(target, existed, found) from exc
            raise
        _checkpoint("written")
        if not temp.is_file():
            raise WriteFailed(
                f"{target} を書き込めませんでした。出力が作成されませんでした（内部エラー）。"
                f"{_kept(target, existed)}"
            )
        try:
            _fsync_file(temp)
            if existed:
                with contextlib.suppress(OSError):
                    os.chmod(temp, stat.S_IMODE(target.stat().st_mode))
            _checkpoint("synced")
            # The block may have taken minutes: Excel may have opened the master meanwhile.
            existed = target.exists()
            _check_replaceable(target, existed)
            if existed and keep_backup:
                backup_temp = target.parent / BACKUP_DIR / _temp_name(target)
                backup = _make_backup(target, backup_temp, now or datetime.now(JST))
                _checkpoint("backed-up")
            _replace(temp, target)
        except OSError as exc:
            raise translate_os_error(target, existed, exc) from exc
    except BaseException:
        remove_quietly(temp)
        remove_quietly(backup_temp)
        remove_quietly(backup)  # an exact copy of the still-current target: only clutter
        raise
    _checkpoint("replaced")
    _fsync_dir(target.parent)
    if backup is not None:
        log.info("以前のファイルをバックアップしました: %s", backup)


def atomic_write_bytes(
    target: Path, data: bytes, *, keep_backup: bool = False, now: datetime | None = None
) -> None:
    """Write ``data`` to ``target`` through :func:`atomic_output`.

    No backup by default: CSVs and logs are regenerated from the master, whose backups keep
    the history; pass ``keep_backup=True`` for files that are the only copy of something.
    """
    with atomic_output(target, keep_backup=keep_backup, now=now) as temp:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
        finally:
            os.close(fd)


def atomic_write_text(
    target: Path,
    text: str,
    encoding: str = "utf-8",
    *,
    keep_backup: bool = False,
    now: datetime | None = None,
) -> None:
    """Write ``text`` encoded with ``encoding`` (``"utf-8-sig"`` for Excel-friendly CSV).

    Line endings are written exactly as given (no platform translation), so a CSV built with
    ``\\r\\n`` stays so and the same text gives the same bytes on every machine.
    """
    atomic_write_bytes(Path(target), text.encode(encoding), keep_backup=keep_backup, now=now)
