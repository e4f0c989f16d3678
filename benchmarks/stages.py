"""One benchmark stage, run in a fresh process so that its peak memory is its own.

``python benchmarks/stages.py STAGE --inbox DIR --work DIR --config kpitool.toml`` does the work
of one stage over every file of the inbox and prints one JSON line: the wall time of the work
(imports of the stage's libraries excluded and reported apart), files/s, the CPU time of the
stage's processes, and the process's own peak RSS (``VmHWM``) and that of its largest child
(``RUSAGE_CHILDREN``). The parent
(``run.py``) also samples the RSS of the whole process tree while the stage runs.

Stages:

- ``floor``: python-calamine reads every cell of every sheet of every file, nothing else.
- ``floor_parallel``: the same on every core (the like-for-like floor of a parallel reader).
- ``naive``: ``pandas.read_excel(engine="openpyxl")`` for every sheet of every file, the four
  data sheets concatenated and written with openpyxl (``to_excel``): the hand-written pandas
  loop. (The instructions and the hidden roster list are read but not written: concatenating
  1,741 copies of a 1,776-name list would exceed Excel's row limit and only slow the baseline.)
- ``read_validate``: kpitool's read + validate of every file, in parallel as consolidate does.
- ``kpitool``: kpitool's full 集約 (``pipeline.run_consolidation``: consolidate, then the master workbook and CSV).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

STAGES = ("floor", "floor_parallel", "naive", "read_validate", "kpitool")
DATA_SHEETS = ("基本情報", "事業成果目標", "実績調査", "実績数値")


def inbox_files(inbox: Path) -> list[Path]:
    """The generated submissions, in name order."""
    return sorted(p for p in inbox.iterdir() if p.suffix == ".xlsx" and not p.name.startswith("~$"))


def peak_rss_mb() -> float:
    """This process's peak resident set size (VmHWM) in MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children (pool workers).

    On a shared machine wall time depends on the other load; CPU time much less so.
    """
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def children_peak_rss_mb() -> float:
    """The largest peak RSS of any finished child process (e.g. a pool worker), in MiB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _calamine_cells(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    cells = 0
    for name in book.sheet_names:
        for row in book.get_sheet_by_name(name).to_python(skip_empty_area=False):
            cells += len(row)
    return cells


def _floor(files: list[Path], _work: Path, _config: Path) -> dict[str, Any]:
    return {"cells": sum(_calamine_cells(p) for p in files)}


def _floor_parallel(files: list[Path], _work: Path, _config: Path) -> dict[str, Any]:
    workers = os.cpu_count() or 1
    with ProcessPoolExecutor(workers) as pool:
        cells = sum(pool.map(_calamine_cells, files, chunksize=max(1, len(files) // (workers * 8))))
    return {"cells": cells, "workers": workers}


def _naive(files: list[Path], work: Path, _config: Path) -> dict[str, Any]:
    import pandas as pd

    frames: dict[str, list[pd.DataFrame]] = {}
    for path in files:
        for sheet, frame in pd.read_excel(path, sheet_name=None, header=None, engine="openpyxl").items():
            frame.insert(0, "file", path.name)
            frames.setdefault(sheet, []).append(frame)
    out = work / "naive_master.xlsx"
    rows = 0
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        for sheet, parts in frames.items():
            if sheet not in DATA_SHEETS:  # instructions and the hidden roster list: not data
                continue
            combined = pd.concat(parts, ignore_index=True)
            rows += len(combined)
            combined.to_excel(writer, sheet_name=sheet[:31], index=False)
    return {"rows": rows, "output_bytes": out.stat().st_size}


def _read_validate(files: list[Path], _work: Path, config_path: Path) -> dict[str, Any]:
    """kpitool's own read + validate of every file (:func:`kpitool.validate.validate_paths` with
    its default runner: in this process below the pool threshold, on all cores above it)."""
    from kpitool.config import load_config
    from kpitool.parallel import worker_count
    from kpitool.validate import validate_paths

    config = load_config(config_path)
    results = validate_paths(files, config, workers=None)
    counts = [(r.report.errors, r.report.warnings) for r in results]
    return {
        "errors": sum(e for e, _ in counts),
        "warnings": sum(w for _, w in counts),
        "files_with_errors": sum(1 for e, _ in counts if e),
        "workers": worker_count(len(files), None),
    }


def _paths_in(value: Any) -> list[Path]:
    """Every path in what write_master returned (a dataclass of paths and tuples of paths)."""
    if isinstance(value, Path):
        return [value]
    if isinstance(value, tuple | list):
        return [p for item in value for p in _paths_in(item)]
    if hasattr(value, "__dict__"):
        return _paths_in(list(vars(value).values()))
    return []


def _kpitool(files: list[Path], work: Path, config_path: Path) -> dict[str, Any]:
    from kpitool.config import load_config

    run_consolidation = importlib.import_module("kpitool.pipeline").run_consolidation
    config = load_config(config_path)
    inbox = files[0].parent
    marks: list[float] = []
    started = time.perf_counter()
    # What the 集約 click runs; on_stage marks the end of consolidation, the start of writing.
    run = run_consolidation(inbox, config, work / "master.xlsx", on_stage=lambda _text: marks.append(time.perf_counter()))
    written = time.perf_counter()
    consolidated = marks[0]
    consolidation, outputs = run.consolidation, run.outputs
    paths = _paths_in(outputs)
    return {
        "consolidate_seconds": round(consolidated - started, 3),
        "write_seconds": round(written - consolidated, 3),
        "counts": consolidation.counts(),
        "kpi_rows": len(consolidation.table("kpis")),
        "figure_rows": len(consolidation.table("figures")),
        "findings": len(consolidation.table("findings")),
        "outputs": {p.name: p.stat().st_size for p in paths if p.exists()},
    }


PRELOAD = {
    "floor": ("python_calamine",),
    "floor_parallel": ("python_calamine",),
    "naive": ("pandas", "openpyxl"),
    "read_validate": ("kpitool.config", "kpitool.validate"),
    "kpitool": ("kpitool.config", "kpitool.validate", "kpitool.consolidate", "kpitool.master.writer"),
}


def _preload(stage: str) -> None:
    """Import what the stage needs before the clock starts (start-up is measured apart)."""
    for module in PRELOAD[stage]:
        importlib.import_module(module)


RUNNERS: dict[str, Callable[[list[Path], Path, Path], dict[str, Any]]] = {
    "floor": _floor,
    "floor_parallel": _floor_parallel,
    "naive": _naive,
    "read_validate": _read_validate,
    "kpitool": _kpitool,
}


def run_stage(stage: str, inbox: Path, work: Path, config: Path) -> dict[str, Any]:
    """Run one stage and return its measurements (an ``error`` key when it could not run)."""
    files = inbox_files(inbox)
    result: dict[str, Any] = {"stage": stage, "files": len(files)}
    started = time.perf_counter()
    try:
        _preload(stage)
        imported = time.perf_counter()
        cpu_before = cpu_seconds()
        detail = RUNNERS[stage](files, work, config)
    except ImportError as exc:
        result["error"] = f"unavailable: {exc}"
        return result
    except Exception as exc:  # a benchmark reports a failing stage and goes on with the others
        result["error"] = f"{type(exc).__name__}: {exc}"
        return result
    done = time.perf_counter()
    seconds = done - imported
    result.update(
        seconds=round(seconds, 3),
        import_seconds=round(imported - started, 3),
        files_per_s=round(len(files) / seconds, 1) if seconds > 0 else None,
        cpu_seconds=round(cpu_seconds() - cpu_before, 3),
        self_peak_rss_mb=round(peak_rss_mb(), 1),
        children_peak_rss_mb=round(children_peak_rss_mb(), 1),
        detail=detail,
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", choices=STAGES)
    parser.add_argument("--inbox", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--config", type=Path, required=True)
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    print(json.dumps(run_stage(args.stage, args.inbox, args.work, args.config), ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
