"""Stale-lock trials for :func:`kpitool.run_lock.run_lock` (issue 16).

    python benchmarks/lock_trials.py [--trials 2000] [--processes 8]

Each trial plants a stale lock file beside a fresh target (the record of a dead process, an
empty file, or unreadable bytes, in turn), then releases ``--processes`` worker processes at
once through a barrier; each tries ``run_lock`` and, when it gets it, counts itself in a shared
counter of current holders, stays a moment and counts itself out. The result line says how
many trials had two holders at once (must be 0) and how many had no holder at all.

The hand-written lock this replaced had two holders in 7 of 2,200 such trials. The test suite
runs a smaller version (tests/test_safe_write.py) through :func:`run_trials`.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

STALE_KINDS = ("dead_pid", "empty", "garbage")


@dataclass(frozen=True)
class TrialResult:
    trials: int
    processes: int
    overlaps: int  # trials in which two processes held the lock at once
    no_holder: int  # trials in which every process was refused
    acquisitions: int  # successful run_lock entries in all trials
    seconds: float


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _plant(lock: Path, kind: str, pid: int) -> None:
    if kind == "dead_pid":
        lock.write_text(json.dumps({"pid": pid, "host": socket.gethostname(), "user": "yamada",
                                    "started": "2024-04-01T09:00:00+09:00", "token": "x"}),
                        encoding="utf-8")
    elif kind == "empty":
        lock.write_bytes(b"")
    else:
        lock.write_bytes(b"\x00{not json")


def _worker(folder: str, trials: int, start: mp.synchronize.Barrier, done: mp.synchronize.Barrier,
            holders: mp.sharedctypes.Synchronized, overlaps: mp.sharedctypes.Synchronized,
            wins: mp.sharedctypes.Synchronized) -> None:
    import logging

    from kpitool.errors import KpitoolError
    from kpitool.run_lock import run_lock

    logging.disable(logging.CRITICAL)
    for trial in range(trials):
        target = Path(folder) / f"t{trial}" / "master.xlsx"
        start.wait()
        try:
            with run_lock(target):
                with holders.get_lock():
                    holders.value += 1
                    if holders.value > 1:
                        overlaps.value += 1
                with wins.get_lock():
                    wins.value += 1
                time.sleep(0.002)
                with holders.get_lock():
                    holders.value -= 1
        except KpitoolError:
            pass
        done.wait()


def run_trials(trials: int, processes: int, folder: Path | None = None) -> TrialResult:
    """Run ``trials`` stale-lock trials with ``processes`` competing processes each."""
    ctx = mp.get_context("fork" if hasattr(os, "fork") else "spawn")
    own = folder is None
    root = Path(tempfile.mkdtemp(prefix="kpitool-lock-")) if own else folder
    assert root is not None
    pid = _dead_pid()
    from kpitool.safe_write import lock_path

    for trial in range(trials):
        target = root / f"t{trial}" / "master.xlsx"
        target.parent.mkdir(parents=True)
        _plant(lock_path(target), STALE_KINDS[trial % len(STALE_KINDS)], pid)
    start, done = ctx.Barrier(processes), ctx.Barrier(processes)
    holders, overlaps, wins = ctx.Value("i", 0), ctx.Value("i", 0), ctx.Value("i", 0)
    began = time.perf_counter()
    workers = [ctx.Process(target=_worker, args=(str(root), trials, start, done, holders,
                                                 overlaps, wins)) for _ in range(processes)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    seconds = time.perf_counter() - began
    if any(w.exitcode != 0 for w in workers):
        raise RuntimeError(f"worker exit codes {[w.exitcode for w in workers]}")
    no_holder = sum(1 for trial in range(trials)
                    if lock_path(root / f"t{trial}" / "master.xlsx").exists())
    if own:
        shutil.rmtree(root, ignore_errors=True)
    return TrialResult(trials, processes, overlaps.value, no_holder, wins.value, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=2000)
    parser.add_argument("--processes", type=int, default=8)
    args = parser.parse_args()
    result = run_trials(args.trials, args.processes)
    print(f"{result.trials} trials x {result.processes} processes: {result.overlaps} with two "
          f"holders at once, {result.no_holder} with a stale lock left untaken, "
          f"{result.acquisitions} acquisitions, {result.seconds:.1f} s")
    sys.exit(1 if result.overlaps else 0)


if __name__ == "__main__":
    main()
