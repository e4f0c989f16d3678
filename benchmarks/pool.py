"""Where the worker pool starts paying off: consolidate() in-process vs on all cores (issue 17).

    python benchmarks/pool.py [--sizes 5,10,20,30,50,100] [--repeat 3] [--start fork,spawn]

For each inbox size k (the first k files of a generated inbox of realistic department files,
``generate.py``) it times consolidation's per-file step (:func:`kpitool.consolidate.process_file`
through :func:`kpitool.parallel.map_files`, the runner 検証 and 集約 share) with ``workers=1`` and
with all cores, under each process start method (``fork`` is Linux's default; ``spawn`` is what
Windows, where the Excel buttons run, always uses). The fastest of ``--repeat`` runs of each,
after the imports, in this process. ``kpitool.parallel.PARALLEL_THRESHOLD`` should sit where
the pool wins under ``spawn``. Prints a table, the load average, and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import make_inbox  # noqa: E402
from run import write_config  # noqa: E402


def _crashed(path: Path, reason: str) -> None:
    raise RuntimeError(f"{path.name}: {reason}")


def _time(inbox: Path, config: Any, workers: int, repeat: int) -> float:
    from kpitool.consolidate import process_file
    from kpitool.parallel import map_files

    files = sorted(inbox.glob("*.xlsx"))
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        map_files(process_file, files, config, workers=workers, on_crash=_crashed)
        best = min(best, time.perf_counter() - started)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5,10,20,30,50,100")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--start", default="fork,spawn")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    from kpitool.config import load_config

    source, roster = make_inbox(max(sizes))
    files = sorted(source.glob("*.xlsx"))
    root = Path(tempfile.mkdtemp(prefix="kpitool-pool-"))
    config = load_config(write_config(root / "kpitool.toml", roster))
    cores = os.cpu_count() or 1
    rows = []
    load_before = os.getloadavg()[0]
    for method in args.start.split(","):
        multiprocessing.set_start_method(method, force=True)
        for k in sizes:
            inbox = root / f"inbox{k}"
            if not inbox.exists():
                inbox.mkdir()
                for f in files[:k]:
                    shutil.copy2(f, inbox / f.name)
            one = _time(inbox, config, 1, args.repeat)
            pool = _time(inbox, config, cores, args.repeat)
            rows.append({"start": method, "files": k, "in_process_s": round(one, 3),
                         "pool_s": round(pool, 3), "pool_over_in_process": round(pool / one, 2),
                         "load": round(os.getloadavg()[0], 2)})
            r = rows[-1]
            print(f"{method:6} {k:5d} files: in-process {one:7.3f} s   {cores} workers {pool:7.3f} s   "
                  f"pool/in-process {r['pool_over_in_process']:.2f}   load {r['load']}", flush=True)
    shutil.rmtree(root, ignore_errors=True)
    print(json.dumps({"cores": cores, "load_before": round(load_before, 2), "rows": rows}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
