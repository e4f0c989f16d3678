"""One way to run a per-file step over many files: in this process or in a pool, with progress.

Validation (``kpitool validate``, the 検証 button) and consolidation (``kpitool consolidate``,
the 集約 button) both run one pure, module-level function per file. They share this runner so
that the CLI and the buttons take the same path: the same choice of in-process or worker
processes, the same progress calls, the same recovery when a worker dies.

A worker that dies (out of memory, a crash in a native reader) breaks the whole pool; the files
it left unfinished are run again one by one in fresh pools, so that only the culprit is lost
and reported through ``on_crash``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Future

T = TypeVar("T")
Progress = Callable[[int, int, str], None]
Work = Callable[[Path, Any], T]

# More files than this are run in worker processes by default. Measured (benchmarks/pool.py,
# 2 cores, issue 17): with ``fork`` (Linux) the pool breaks even near 20 files and wins from 30;
# with ``spawn`` (Windows, where the Excel buttons run; every worker imports kpitool afresh) it
# costs 1.3-2.4x at 10-50 files and only breaks even near 100.
PARALLEL_THRESHOLD = 20
SPAWN_PARALLEL_THRESHOLD = 100
WORKER_DIED = "処理用のプロセスが異常終了しました。メモリ不足の可能性があります"


def worker_count(n_files: int, workers: int | None) -> int:
    """``workers`` when given (at least 1); otherwise all cores above the threshold, else 1.

    Small inboxes stay in this process: starting processes costs more than it saves there,
    and an Excel button then spawns nothing on Windows. The threshold depends on how processes
    start (:data:`PARALLEL_THRESHOLD` for ``fork``, :data:`SPAWN_PARALLEL_THRESHOLD` else).
    """
    if workers is not None:
        return max(1, workers)
    if n_files <= min(PARALLEL_THRESHOLD, SPAWN_PARALLEL_THRESHOLD):
        return 1  # in this process whatever the start method: multiprocessing is not even imported
    import multiprocessing

    forks = multiprocessing.get_context().get_start_method() == "fork"
    threshold = PARALLEL_THRESHOLD if forks else SPAWN_PARALLEL_THRESHOLD
    return (os.cpu_count() or 1) if n_files > threshold else 1


def map_files(
    work: Work[T],
    paths: Sequence[Path],
    config: Any,
    *,
    progress: Progress | None = None,
    workers: int | None = None,
    on_crash: Callable[[Path, str], T],
    keep: Callable[[T], T] | None = None,
) -> list[T]:
    """``work(path, config)`` for every path, results in the order of ``paths``.

    ``progress(done, total, file_name)`` is called first with ``(0, total, "")`` and then as
    each file finishes. ``work`` must be a module-level function (it travels to the workers by
    name); ``config`` travels once per worker, not once per file. ``keep``, when given, is
    applied in this process to each result as it arrives, and what it returns is kept: a
    caller can put away what it does not need in memory (bounded memory over many files).
    """
    total = len(paths)
    done = 0

    def report(name: str) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, total, name)

    if progress:
        progress(0, total, "")
    results: dict[int, T] = {}
    put = keep or _same
    n = worker_count(total, workers)
    if n <= 1 or total <= 1:
        for i, path in enumerate(paths):
            results[i] = put(work(path, config))
            report(Path(path).name)
    else:
        broken = _run_pool(work, paths, list(range(total)), config, n, results, report, put)
        for i in broken:
            if _run_pool(work, paths, [i], config, 1, results, report, put):
                results[i] = put(on_crash(Path(paths[i]), WORKER_DIED))
                report(Path(paths[i]).name)
    return [results[i] for i in range(total)]


def _same(result: T) -> T:
    return result


_worker_state: tuple[Callable[..., Any], Any] | None = None  # set once per worker process


def _init_worker(work: Callable[..., Any], config: Any) -> None:
    """Pool initializer: the config (with a roster of up to thousands of names) travels once
    per worker, not pickled again with every file (at 1,741 files that was a third of the CPU)."""
    global _worker_state
    _worker_state = (work, config)


def _in_worker(path: Path) -> Any:
    assert _worker_state is not None, "_init_worker did not run"
    work, config = _worker_state
    return work(path, config)


def _run_pool(
    work: Callable[..., T],
    paths: Sequence[Path],
    indexes: list[int],
    config: Any,
    workers: int,
    results: dict[int, T],
    report: Callable[[str], None],
    put: Callable[[T], T] = _same,
) -> list[int]:
    """Run the files at ``indexes`` in a process pool; returns the indexes lost to a broken pool."""
    from concurrent.futures import BrokenExecutor, ProcessPoolExecutor, as_completed

    broken: list[int] = []
    with ProcessPoolExecutor(
        max_workers=min(workers, len(indexes)), initializer=_init_worker, initargs=(work, config)
    ) as pool:
        futures: dict[Future[T], int] = {pool.submit(_in_worker, paths[i]): i for i in indexes}
        for future in as_completed(futures):
            i = futures[future]
            try:
                results[i] = put(future.result())
            except BrokenExecutor:
                broken.append(i)
                continue
            report(Path(paths[i]).name)
    return sorted(broken)
