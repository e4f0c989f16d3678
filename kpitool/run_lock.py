"""The run lock: one consolidation of a master at a time, and who holds it when refused.

:func:`run_lock` holds an OS lock (:mod:`filelock`) on ``<name>.lock`` beside the master, with a
JSON record of pid, host, user and start time for the refusal message; a record left by a run
that died is taken over with a logged note. The pipeline takes it around 集約
(:func:`kpitool.pipeline.run_consolidation`); errors are those of :mod:`kpitool.safe_write`.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import secrets
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from kpitool.errors import RunInProgress
from kpitool.model import JST
from kpitool.safe_write import lock_path, real_target, remove_quietly, translate_os_error

__all__ = ["run_lock"]

log = logging.getLogger(__name__)
_WINDOWS = os.name == "nt"


@contextmanager
def run_lock(target: Path, *, stale_after: float = 6 * 3600) -> Iterator[None]:
    """Hold ``<name>.lock`` beside ``target`` for the duration of a run.

    Mutual exclusion is an OS lock on the file (``flock`` on POSIX, ``LockFileEx`` on Windows,
    through the maintained :mod:`filelock` library): the kernel releases it when the holder
    dies, however it dies, so a killed run can never leave two later runs both believing they
    hold it. The file also holds JSON with pid, host, user and start time, so a refused user is
    told who runs since when. A record left by a run that died is taken over with a logged
    note. A record of another computer (a shared folder whose server may not pass OS locks
    on) is respected until it is older than ``stale_after`` seconds. The file is removed when
    the block ends, while the OS lock is still held, so no other run can hold the same file
    at that moment (filelock refuses an inode that was unlinked before its flock succeeded).

    Raises :class:`RunInProgress` when another live run holds the lock; :class:`MasterLocked`
    or :class:`WriteFailed` when the lock file cannot be created at all.
    """
    import filelock  # lazy: the Excel buttons import this module at start-up

    target = real_target(target)
    lock = lock_path(target)
    token = secrets.token_hex(8)
    info = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "user": _user_name(),
        "started": datetime.now(JST).isoformat(timespec="seconds"),
        "token": token,
        "tool": "kpitool",
    }
    payload = json.dumps(info, ensure_ascii=False).encode("utf-8")
    if not lock.parent.is_dir():  # filelock would create the folder; a missing one is an error
        missing = FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(lock))
        raise translate_os_error(target, False, missing)
    os_lock = filelock.FileLock(lock, timeout=0, thread_local=False)
    try:
        os_lock.acquire()
    except filelock.Timeout:
        raise _in_progress(target, lock, _read_lock(lock)) from None
    except OSError as exc:
        raise translate_os_error(target, target.exists(), exc) from exc
    try:
        previous_bytes = _read_bytes(lock)
        previous = _read_lock(lock)
        reason = _stale_reason(lock, previous, previous_bytes, stale_after)
        if reason is None:
            raise _in_progress(target, lock, previous)
        _write_record(lock, payload, target)
        if reason:
            log.warning(
                "前回の処理が残したロックファイル %s を引き継ぎました（%s）。%s",
                lock, reason, _describe(previous),
            )
    except BaseException:
        os_lock.release()
        raise
    try:
        yield
    finally:
        try:
            holder = _read_lock(lock)
            if holder is not None and holder.get("token") == token:
                remove_quietly(lock)  # while the OS lock is held: see the docstring
            else:
                log.warning("ロックファイル %s は別の処理に引き継がれていたため、削除しませんでした。", lock)
        finally:
            os_lock.release()


def _user_name() -> str:
    for var in ("USERNAME", "USER", "LOGNAME"):
        if os.environ.get(var):
            return os.environ[var]
    return ""


def _read_lock(lock: Path) -> dict[str, object] | None:
    """The holder recorded in ``lock``; None when it is gone, empty or not our JSON."""
    try:
        data = json.loads(lock.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists on this host (errs on the side of alive)."""
    if pid <= 0:
        return False
    if _WINDOWS:  # os.kill(pid, 0) would terminate the process on Windows
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return kernel32.GetLastError() == 5  # ERROR_ACCESS_DENIED: exists, not ours
        try:
            code = ctypes.c_ulong()
            if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                return True
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_bytes(lock: Path) -> bytes | None:
    try:
        return lock.read_bytes()
    except OSError:
        return None


def _write_record(lock: Path, payload: bytes, target: Path) -> None:
    """Replace the lock file's content with our record (the OS lock is ours already)."""
    try:
        fd = os.open(lock, os.O_WRONLY | getattr(os, "O_BINARY", 0))
        try:
            os.ftruncate(fd, 0)
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise translate_os_error(target, target.exists(), exc) from exc


def _lock_age(lock: Path, holder: dict[str, object] | None) -> float:
    """Seconds since the lock was taken: its recorded start, else the file's mtime."""
    if holder is not None:
        try:
            started = datetime.fromisoformat(str(holder["started"]))
            if started.tzinfo is not None:
                return (datetime.now(JST) - started).total_seconds()
        except (KeyError, ValueError):
            pass
    try:
        return time.time() - lock.stat().st_mtime
    except OSError:
        return 0.0


def _stale_reason(
    lock: Path, holder: dict[str, object] | None, raw: bytes | None, stale_after: float
) -> str | None:
    """With the OS lock ours: "" for a fresh lock file, why an old record is surely dead, or
    None when the record may belong to a live run the OS lock cannot see (another computer)."""
    if not raw:
        return ""  # created by us just now, or by a run killed before it wrote its record
    if holder is None:
        return "内容を読めないロックファイル"
    age = _lock_age(lock, holder)
    if age > stale_after:
        return f"{age / 3600:.1f}時間前に開始"
    pid = holder.get("pid")
    if holder.get("host") != socket.gethostname():
        return None  # a run on another computer: the OS lock may not reach it
    if isinstance(pid, int) and not _pid_alive(pid):
        return f"プロセス {pid} は終了済み"
    return "ロックは解放済み"


def _describe(holder: dict[str, object] | None) -> str:
    if holder is None:
        return "実行者は不明です。"
    who = "、".join(
        s for s in (
            f"コンピューター {holder.get('host')}" if holder.get("host") else "",
            f"ユーザー {holder.get('user')}" if holder.get("user") else "",
            f"プロセス番号 {holder.get('pid')}" if holder.get("pid") else "",
        ) if s
    )
    started = str(holder.get("started", ""))
    with contextlib.suppress(ValueError):
        started = datetime.fromisoformat(started).astimezone(JST).strftime("%Y-%m-%d %H:%M:%S")
    return f"実行者: {who or '不明'}、開始: {started or '不明'}。"


def _in_progress(target: Path, lock: Path, holder: dict[str, object] | None) -> RunInProgress:
    return RunInProgress(
        f"{target.name} は別の集約処理が実行中です。{_describe(holder)}"
        "その処理が終わってから、もう一度実行してください。実行中の処理がないことが確かな場合は、"
        f"ロックファイル {lock} を削除してください。"
    )
