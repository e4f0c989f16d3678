"""Benchmark kpitool against the calamine floor and a naive pandas loop (issue 6).

    python benchmarks/run.py [--files N ...] [--quick | --scaling] [--out DIR] [--json-only]
                             [--repeat K] [--stages a,b] [--no-startup] [--markdown FILE]
                             [--city | --city-only] [--city-runs K]

For each N (default 50, 500 and 1,741; ``--quick``: 50) it generates or reuses an inbox of N
realistic filled templates (``generate.py``), then runs each stage in a fresh subprocess
(``stages.py``) while sampling the RSS of that process tree, and measures process start →
finished validation of one file (``python -m kpitool validate``). It prints a table per N and,
last, one JSON line with every figure; ``--markdown`` also writes them for RESULTS.md.
``--repeat K`` keeps the fastest of K runs of each stage but the naive loop (a shared machine
is noisy; the load average before each run is recorded). ``--city`` first runs the city
scenario (``city.py``, issue 17): one city's 集約 of 30 department files from process start,
median of 7 fresh processes beside its floor measured in the same run; ``--city-only`` runs
nothing else. ``--scaling`` is issue 17's scaling run in one command: N = 50, 500, 1,741 and
5,000, every stage but the naive pandas loop (minutes per N, not a goal of issue 17), with wall,
CPU and peak RSS of the whole process tree and the cost per file of the end-to-end stage
(``--files 5000 --stages floor,floor_parallel,read_validate,kpitool`` runs one N of it).

Every child runs as an installed kpitool would: the package is byte-compiled first and the
children's environment has no ``PYTHONDONTWRITEBYTECODE`` (``city.child_env``), so no stage and
no start-up measurement pays for compiling kpitool's source (a development sandbox sets that
variable; ``pip install`` compiles the ``.pyc`` once).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from city import child_env, precompile, run_city  # noqa: E402
from city import report as city_report  # noqa: E402
from generate import FISCAL_YEARS, MUNICIPALITY, make_inbox  # noqa: E402
from stages import STAGES  # noqa: E402

DEFAULT_FILES = (50, 500, 1741)
QUICK_FILES = (50,)
SCALING_FILES = (50, 500, 1741, 5000)  # issue 17: cost per file flat, RSS bounded
SCALING_STAGES = ("floor", "floor_parallel", "read_validate", "kpitool")
STARTUP_RUNS, QUICK_STARTUP_RUNS = 7, 3
SINGLE_RUN_STAGES = ("naive",)  # minutes at N = 1,741: run once
SAMPLE_SECONDS = 0.02
GOALS = {
    "read_validate_over_floor_max": 3.0,
    "naive_over_kpitool_min": 15.0,
    "peak_rss_mb_max": 1024.0,
    "one_file_validation_s_max": 1.0,
}
LIBRARIES = ("python-calamine", "openpyxl", "pandas", "XlsxWriter", "numpy", "defusedxml")


def _say(text: str = "", *, quiet: bool = False) -> None:
    if not quiet:
        print(text, flush=True)


# --- memory of a process tree -------------------------------------------------------------


def _children(pid: int) -> list[int]:
    """Direct children of ``pid`` (Linux /proc; empty where it is not available)."""
    kids: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                kids.extend(int(k) for k in handle.read().split())
    except OSError:
        pass
    return kids


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_mb(pid: int) -> float:
    """Sum of the RSS of ``pid`` and all its descendants, in MiB (shared pages counted twice)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += _rss_kb(current)
        todo.extend(_children(current))
    return total / 1024


@dataclass
class _Sampler:
    """Samples the RSS of a process tree in a thread until stopped; keeps the peak."""

    pid: int
    peak_mb: float = 0.0
    samples: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, tree_rss_mb(self.pid))
            self.samples += 1
            self._stop.wait(SAMPLE_SECONDS)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_mb


# --- running the stages -------------------------------------------------------------------


def run_stage(stage: str, inbox: Path, work: Path, config: Path) -> dict[str, Any]:
    """Run one stage in a fresh interpreter; its JSON plus the peak RSS of its process tree."""
    command = [sys.executable, str(HERE / "stages.py"), stage,
               "--inbox", str(inbox), "--work", str(work), "--config", str(config)]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env())
    sampler = _Sampler(process.pid)
    stdout, stderr = process.communicate()
    tree_peak = sampler.stop()
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    if process.returncode or not lines:
        tail = (stderr.strip().splitlines() or ["no output"])[-1]
        return {"stage": stage, "error": f"exit {process.returncode}: {tail}"}
    result: dict[str, Any] = json.loads(lines[-1])
    result["process_seconds"] = round(time.perf_counter() - started, 3)
    if "error" not in result:
        result["tree_peak_rss_mb"] = round(tree_peak, 1)
        result["peak_rss_mb"] = round(max(tree_peak, result["self_peak_rss_mb"], result["children_peak_rss_mb"]), 1)
    return result


def write_config(path: Path, roster: list[str]) -> Path:
    """A kpitool.toml for the generated roster (the roll-up's 自治体名 and fiscal years)."""
    names = "\n".join(f'  "{name}",' for name in roster)
    path.write_text(
        f'municipality = "{MUNICIPALITY}"\nfiscal_years = [{FISCAL_YEARS[0]}, {FISCAL_YEARS[1]}]\n'
        f"departments = [\n{names}\n]\n",
        encoding="utf-8",
    )
    return path


def measure_startup(file: Path, config: Path, runs: int) -> dict[str, Any]:
    """Process start → finished validation of one file: ``python -m kpitool validate FILE``.

    The median of ``runs`` fresh processes (the first run warms the OS file cache and is not
    counted). Exit codes 0 and 1 (findings) are both a finished validation.
    """
    command = [sys.executable, "-m", "kpitool", "validate", "--config", str(config), str(file)]
    times: list[float] = []
    for i in range(runs + 1):
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd=config.parent, env=child_env())
        elapsed = time.perf_counter() - started
        if done.returncode not in (0, 1) or "Traceback" in done.stderr:
            tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
            return {"error": f"exit {done.returncode}: {tail}", "command": " ".join(command[1:])}
        if i:
            times.append(elapsed)
    bare = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True, env=child_env())
        bare.append(time.perf_counter() - started)
    return {
        "median_s": round(statistics.median(times), 3),
        "min_s": round(min(times), 3),
        "max_s": round(max(times), 3),
        "runs": runs,
        "python_bare_start_s": round(statistics.median(bare), 3),
        "command": "python -m kpitool validate --config kpitool.toml FILE",
    }


def _ratio(numerator: dict[str, Any], denominator: dict[str, Any], key: str = "seconds") -> float | None:
    a, b = numerator.get(key), denominator.get(key)
    return round(a / b, 2) if a and b else None


def best_of(runs: int, stage: str, inbox: Path, work: Path, config: Path) -> dict[str, Any]:
    """The fastest of ``runs`` runs (the least disturbed by other load), with every run's time
    and the highest peak RSS of all runs."""
    results = []
    for i in range(runs):
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
        result = run_stage(stage, inbox, work / f"run{i + 1}", config)  # fresh: no master to back up
        result["load_before"] = round(load, 2) if load is not None else None
        results.append(result)
        if "error" in result:
            return result
    best = min(results, key=lambda r: r["seconds"])
    best["runs_seconds"] = [r["seconds"] for r in results]
    best["peak_rss_mb"] = max(r["peak_rss_mb"] for r in results)
    return best


def bench_n(
    n_files: int, out: Path, *, quiet: bool, only: tuple[str, ...] = STAGES, repeat: int = 1
) -> dict[str, Any]:
    """Generate the inbox for ``n_files`` and run every stage (or those in ``only``) on it."""
    started = time.perf_counter()
    inbox, roster = make_inbox(n_files, log=None if quiet else _say)
    generated = time.perf_counter() - started
    work = out / f"n{n_files}"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    config = write_config(work / "kpitool.toml", roster)
    stages = {}
    for stage in STAGES:
        if stage not in only:
            stages[stage] = {"stage": stage, "error": "skipped (--stages)"}
            continue
        runs = 1 if stage in SINGLE_RUN_STAGES else repeat
        _say(f"  N={n_files}: {stage} …" + (f" (best of {runs})" if runs > 1 else ""), quiet=quiet)
        stages[stage] = best_of(runs, stage, inbox, work / f"stage-{stage}", config)
    sizes = [p.stat().st_size for p in inbox.glob("*.xlsx")]
    floor, kpitool, naive = stages["floor"], stages["kpitool"], stages["naive"]
    return {
        "files": n_files,
        "roster": len(roster),
        "inbox": str(inbox),
        "mean_file_bytes": round(statistics.mean(sizes)) if sizes else 0,
        "generate_seconds": round(generated, 2),
        "stages": stages,
        "ratios": {
            "kpitool_over_floor": _ratio(kpitool, floor),
            "naive_over_kpitool": _ratio(naive, kpitool),
            "read_validate_over_floor": _ratio(stages["read_validate"], floor),
            "read_validate_over_floor_parallel": _ratio(stages["read_validate"], stages["floor_parallel"]),
            "kpitool_over_floor_parallel": _ratio(kpitool, stages["floor_parallel"]),  # issue 17: ≤ 4
        },
        # issue 17: the cost per file stays flat as N grows (wall and CPU of the whole run / N)
        "per_file_ms": {
            "kpitool_wall": round(1000 * kpitool["seconds"] / n_files, 2) if kpitool.get("seconds") else None,
            "kpitool_cpu": round(1000 * kpitool["cpu_seconds"] / n_files, 2) if kpitool.get("cpu_seconds") else None,
        },
        "cpu_ratios": {  # the same ratios in CPU time, which other load on the machine disturbs less
            "kpitool_over_floor": _ratio(kpitool, floor, "cpu_seconds"),
            "naive_over_kpitool": _ratio(naive, kpitool, "cpu_seconds"),
            "read_validate_over_floor": _ratio(stages["read_validate"], floor, "cpu_seconds"),
        },
        "config": str(config),
    }


# --- reporting -----------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """CPU model, cores, RAM, OS, Python and library versions."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = None
    with contextlib.suppress(ValueError, OSError, AttributeError):
        ram_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    versions = {}
    for name in ("kpitool", *LIBRARIES):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": ram_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
    }


def _fmt(value: Any, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def table(result: dict[str, Any]) -> str:
    """The figures of one N as a fixed-width table."""
    labels = {k: v if v.startswith("(") else "    " + v for k, v in STAGE_LABELS.items()}
    lines = [
        f"N = {result['files']} files (roster {result['roster']}, mean file {result['mean_file_bytes'] / 1024:.1f} KiB)",
        f"{'stage':<40} {'wall s':>9} {'CPU s':>9} {'files/s':>9} {'peak RSS MiB':>13}",
    ]
    for stage, label in labels.items():
        r = result["stages"][stage]
        if "error" in r:
            lines.append(f"{label:<40} {r['error']}")
            continue
        lines.append(f"{label:<40} {r['seconds']:>9.3f} {_fmt(r.get('cpu_seconds'), '9.3f')} "
                     f"{_fmt(r['files_per_s'], '9.1f')} {r['peak_rss_mb']:>13.1f}")
    ratios = result["ratios"]
    lines.append(
        f"kpitool / all-core floor = {_fmt(ratios.get('kpitool_over_floor_parallel'), '.2f')}   per file: "
        f"{_fmt(result['per_file_ms']['kpitool_wall'], '.2f')} ms wall, {_fmt(result['per_file_ms']['kpitool_cpu'], '.2f')} ms CPU"
    )
    lines.append(
        f"c/a = {_fmt(ratios['kpitool_over_floor'], '.2f')}   b/c = {_fmt(ratios['naive_over_kpitool'], '.2f')}   "
        f"read+validate/floor = {_fmt(ratios['read_validate_over_floor'], '.2f')} "
        f"(vs all-core floor {_fmt(ratios['read_validate_over_floor_parallel'], '.2f')})"
    )
    cpu = result["cpu_ratios"]
    lines.append(
        f"in CPU time: c/a = {_fmt(cpu['kpitool_over_floor'], '.2f')}   b/c = {_fmt(cpu['naive_over_kpitool'], '.2f')}   "
        f"read+validate/floor = {_fmt(cpu['read_validate_over_floor'], '.2f')}"
    )
    detail = result["stages"]["kpitool"].get("detail")
    if detail:
        lines.append(f"kpitool: consolidate {detail['consolidate_seconds']:.3f} s + write {detail['write_seconds']:.3f} s")
    return "\n".join(lines)


def goals(results: list[dict[str, Any]], startup: dict[str, Any]) -> dict[str, Any]:
    """Each goal of issue 6, judged at the largest N measured."""
    last = results[-1]
    rv = last["ratios"]["read_validate_over_floor"]
    speedup = last["ratios"]["naive_over_kpitool"]
    rss = [r["stages"]["kpitool"].get("peak_rss_mb") for r in results]
    one = startup.get("median_s")
    return {
        "at_files": last["files"],
        "read_validate_over_floor": {"value": rv, "max": GOALS["read_validate_over_floor_max"],
                                     "met": rv is not None and rv <= GOALS["read_validate_over_floor_max"]},
        "naive_over_kpitool": {"value": speedup, "min": GOALS["naive_over_kpitool_min"],
                               "met": speedup is not None and speedup >= GOALS["naive_over_kpitool_min"]},
        "kpitool_peak_rss_mb": {"value": rss[-1], "max": GOALS["peak_rss_mb_max"], "by_n": rss,
                                "met": rss[-1] is not None and rss[-1] <= GOALS["peak_rss_mb_max"]},
        "one_file_validation_s": {"value": one, "max": GOALS["one_file_validation_s_max"],
                                  "met": one is not None and one <= GOALS["one_file_validation_s_max"]},
    }


STAGE_LABELS = {
    "floor": "(a) floor: calamine, 1 process",
    "floor_parallel": "floor: calamine, all cores",
    "naive": "(b) naive: pandas + openpyxl",
    "read_validate": "kpitool read + validate",
    "kpitool": "(c) kpitool consolidate + master + CSV",
}


def markdown(info: dict[str, Any], results: list[dict[str, Any]], startup: dict[str, Any],
             verdict: dict[str, Any], command: str) -> str:
    """The whole run as Markdown, for benchmarks/RESULTS.md."""
    v = info["versions"]
    lines = [
        f"Command: `{command}`",
        "",
        "| CPU | cores | RAM | OS | Python | load average at start (1/5/15 min) |",
        "|---|---|---|---|---|---|",
        f"| {info['cpu']} | {info['cores']} | {info['ram_gb']} GiB | {info['os']} | {info['python']} | "
        f"{' / '.join(map(str, info.get('load_average_at_start') or []))} |",
        "",
        "Libraries: " + ", ".join(f"{name} {version}" for name, version in v.items() if version),
        "",
        "| N | (a) floor s | all-core floor s | (b) naive s | read+validate s | (c) kpitool s | kpitool CPU s | "
        "c/a | c / all-core floor | b/c | read+validate / floor | kpitool ms per file | kpitool peak RSS MiB |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        st, ra = r["stages"], r["ratios"]

        def sec(name: str, stages: dict[str, Any] = st) -> str:
            return _fmt(stages[name].get("seconds"), ".3f")

        lines.append(
            f"| {r['files']} | {sec('floor')} | {sec('floor_parallel')} | {sec('naive')} | {sec('read_validate')} | "
            f"{sec('kpitool')} | {_fmt(st['kpitool'].get('cpu_seconds'), '.3f')} | {_fmt(ra['kpitool_over_floor'], '.1f')} | "
            f"{_fmt(ra.get('kpitool_over_floor_parallel'), '.2f')} | {_fmt(ra['naive_over_kpitool'], '.2f')} | "
            f"{_fmt(ra['read_validate_over_floor'], '.2f')} | {_fmt(r['per_file_ms']['kpitool_wall'], '.2f')} | "
            f"{_fmt(st['kpitool'].get('peak_rss_mb'), '.0f')} |"
        )
    for r in results:
        lines += [
            "",
            f"### N = {r['files']} (roster {r['roster']}, mean file {r['mean_file_bytes'] / 1024:.1f} KiB, "
            f"generated in {r['generate_seconds']} s or cached)",
            "",
            "| stage | wall s | CPU s | files/s | peak RSS MiB (process tree) | runs, wall (s) | load before |",
            "|---|---|---|---|---|---|---|",
        ]
        for stage, label in STAGE_LABELS.items():
            s = r["stages"][stage]
            if "error" in s:
                lines.append(f"| {label} | {s['error']} | | | | | |")
                continue
            runs = ", ".join(f"{x:.3f}" for x in s.get("runs_seconds", [s["seconds"]]))
            lines.append(f"| {label} | {s['seconds']:.3f} | {_fmt(s.get('cpu_seconds'), '.3f')} | {_fmt(s['files_per_s'], '.1f')} | "
                         f"{s['peak_rss_mb']:.1f} | {runs} | {_fmt(s.get('load_before'), '.2f')} |")
        cpu = r["cpu_ratios"]
        lines += ["", f"In CPU time: c/a = {_fmt(cpu['kpitool_over_floor'], '.2f')}, "
                      f"b/c = {_fmt(cpu['naive_over_kpitool'], '.2f')}, "
                      f"read+validate / floor = {_fmt(cpu['read_validate_over_floor'], '.2f')}."]
        detail = r["stages"]["kpitool"].get("detail")
        if detail:
            counts = ", ".join(f"{k} {v}" for k, v in detail["counts"].items() if v)
            lines.append("")
            lines.append(f"kpitool: consolidate {detail['consolidate_seconds']:.3f} s + write master and CSV "
                         f"{detail['write_seconds']:.3f} s; {counts}; {detail['findings']} findings; "
                         f"master {detail['outputs'].get('master.xlsx', 0) / 2**20:.1f} MiB.")
    lines += ["", "### One-file validation from process start", ""]
    if "error" in startup:
        lines.append(f"Not measured: {startup['error']}")
    else:
        lines.append(f"`{startup['command']}`: median {startup['median_s']:.3f} s of {startup['runs']} runs "
                     f"(min {startup['min_s']:.3f}, max {startup['max_s']:.3f}); a bare `python -c pass` takes "
                     f"{startup['python_bare_start_s']:.3f} s.")
    lines += ["", f"### Goals (at N = {verdict['at_files']})", "", "| goal | measured | target | met |", "|---|---|---|---|"]
    for name, goal in verdict.items():
        if isinstance(goal, dict):
            target = f"≤ {goal['max']}" if "max" in goal else f"≥ {goal['min']}"
            met = "not measured" if goal["value"] is None else "yes" if goal["met"] else "**no**"
            lines.append(f"| {name} | {goal['value']} | {target} | {met} |")
    return "\n".join(lines) + "\n"


def scaling(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Issue 17's scaling figures of the end-to-end stage: per N its wall, CPU and peak RSS of
    the process tree, the cost per file, and that cost relative to N = 1,741's (linear: ≈ 1)."""
    rows = []
    for r in results:
        k = r["stages"]["kpitool"]
        rows.append({"files": r["files"], "wall_s": k.get("seconds"), "cpu_s": k.get("cpu_seconds"),
                     "tree_peak_rss_mb": k.get("peak_rss_mb"), "wall_ms_per_file": r["per_file_ms"]["kpitool_wall"],
                     "cpu_ms_per_file": r["per_file_ms"]["kpitool_cpu"],
                     "over_all_core_floor": r["ratios"].get("kpitool_over_floor_parallel"),
                     "error": k.get("error")})
    base = next((row for row in rows if row["files"] == 1741 and row["wall_ms_per_file"]), None)
    for row in rows:
        for key in ("wall", "cpu"):
            a, b = row[f"{key}_ms_per_file"], base and base[f"{key}_ms_per_file"]
            row[f"{key}_per_file_vs_1741"] = round(a / b, 2) if a and b else None
    return {"by_n": rows, "per_file_within": 0.20, "rss_mb_max_at_1741": 500.0}


def scaling_markdown(results: list[dict[str, Any]]) -> str:
    """The scaling table (issue 17 goal: per-file cost at N = 5,000 within 20 % of N = 1,741's)."""
    lines = [
        "### End to end by N (issue 17: per-file cost flat, peak RSS ≤ 500 MB at N = 1,741)", "",
        "| N | wall s | CPU s (process tree) | peak RSS MiB (process tree) | wall ms per file | CPU ms per file | "
        "per file vs N = 1,741 (wall / CPU) | E2E / all-core floor |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in scaling(results)["by_n"]:
        if row["error"]:
            lines.append(f"| {row['files']} | {row['error']} | | | | | | |")
            continue
        lines.append(
            f"| {row['files']} | {_fmt(row['wall_s'], '.3f')} | {_fmt(row['cpu_s'], '.3f')} | "
            f"{_fmt(row['tree_peak_rss_mb'], '.0f')} | {_fmt(row['wall_ms_per_file'], '.2f')} | "
            f"{_fmt(row['cpu_ms_per_file'], '.2f')} | {_fmt(row['wall_per_file_vs_1741'], '.2f')} / "
            f"{_fmt(row['cpu_per_file_vs_1741'], '.2f')} | {_fmt(row['over_all_core_floor'], '.2f')} |")
    return "\n".join(lines) + "\n\n" + scaling_goals_markdown(results)


def scaling_goals(results: list[dict[str, Any]]) -> list[tuple[str, float | None, str, bool | None]]:
    """Issue 17's goals beyond the city: (goal, measured, target, met); None where not measured."""
    by_n = {r["files"]: r for r in results}
    rows = {row["files"]: row for row in scaling(results)["by_n"]}
    goals: list[tuple[str, float | None, str, bool | None]] = []

    def add(name: str, value: float | None, limit: float) -> None:
        goals.append((name, value, f"≤ {limit:g}", None if value is None else value <= limit))

    at = by_n.get(1741)
    add("N = 1,741: E2E / all-core floor", at and at["ratios"].get("kpitool_over_floor_parallel"), 4)
    add("N = 1,741: peak RSS MiB (process tree)", rows.get(1741, {}).get("tree_peak_rss_mb"), 500)
    five = rows.get(5000, {})
    drift = five.get("wall_per_file_vs_1741")
    add("N = 5,000: wall per file / N = 1,741's", drift, 1.2)
    for n in sorted(by_n):
        if n >= 50:
            add(f"N = {n:,}: read+validate / floor", by_n[n]["ratios"].get("read_validate_over_floor"), 2)
    return goals


def scaling_goals_markdown(results: list[dict[str, Any]]) -> str:
    """The goals of issue 17 measured by this run, as a table."""
    lines = ["#### Issue 17 goals in this run", "", "| goal | measured | target | met |", "|---|---|---|---|"]
    for name, value, target, met in scaling_goals(results):
        shown = "not measured" if met is None else "yes" if met else "**no**"
        lines.append(f"| {name} | {_fmt(value, '.2f')} | {target} | {shown} |")
    return "\n".join(lines) + "\n"


def city_markdown(city: dict[str, Any]) -> str:
    """The city scenario as a Markdown section."""
    return "\n".join([
        "### City 集約 from process start (issue 17)", "",
        "```", city_report(city), "```", "",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="kpitool benchmark (issue 6)")
    parser.add_argument("--files", type=int, action="append", metavar="N",
                        help=f"inbox size; repeatable (default {', '.join(map(str, DEFAULT_FILES))})")
    parser.add_argument("--quick", action="store_true", help=f"N = {QUICK_FILES[0]} only, fewer start-up runs")
    parser.add_argument("--scaling", action="store_true",
                        help=f"N = {', '.join(map(str, SCALING_FILES))}, stages {','.join(SCALING_STAGES)} (issue 17)")
    parser.add_argument("--out", type=Path, help="folder for outputs (default: a temp folder)")
    parser.add_argument("--json-only", action="store_true", help="print only the final JSON line")
    parser.add_argument("--stages", help="comma-separated stages to run (default: all, with --scaling all but "
                                         "naive; for profiling one stage)")
    parser.add_argument("--repeat", type=int, default=1, metavar="K",
                        help="run each stage but the naive loop K times and keep the fastest (default 1)")
    parser.add_argument("--markdown", type=Path, metavar="FILE", help="also write the results as Markdown")
    parser.add_argument("--no-startup", action="store_true", help="skip the one-file start-up measurement")
    parser.add_argument("--city", action="store_true", help="also run the city scenario (30 files, from process start)")
    parser.add_argument("--city-only", action="store_true", help="run only the city scenario")
    parser.add_argument("--city-runs", type=int, default=7, metavar="K", help="fresh processes per city measurement")
    args = parser.parse_args(argv)
    quiet = args.json_only
    stages_arg = args.stages or ",".join(SCALING_STAGES if args.scaling else STAGES)
    only = tuple(s.strip() for s in stages_arg.split(",") if s.strip())
    unknown = sorted(set(only) - set(STAGES))
    if unknown:
        parser.error(f"unknown stage(s): {', '.join(unknown)} (choose from {', '.join(STAGES)})")
    sizes = args.files or list(QUICK_FILES if args.quick else SCALING_FILES if args.scaling else DEFAULT_FILES)
    out = args.out or Path(tempfile.mkdtemp(prefix="kpitool-bench-out-"))
    out.mkdir(parents=True, exist_ok=True)
    precompile()  # as pip install does: no child compiles kpitool's source (see the docstring)
    info = machine()
    _say(f"{info['cpu']}, {info['cores']} cores, {info['ram_gb']} GiB, Python {info['python']}", quiet=quiet)
    city = run_city(out, runs=args.city_runs, quiet=quiet) if args.city or args.city_only else None
    if args.city_only:
        assert city is not None
        if args.markdown:
            args.markdown.write_text(city_markdown(city), encoding="utf-8")
        print(json.dumps({"machine": info, "city": city}, ensure_ascii=False), flush=True)
        return 0
    results = []
    for n in sizes:
        result = bench_n(n, out, quiet=quiet, only=only, repeat=args.repeat)
        results.append(result)
        _say(table(result) + "\n", quiet=quiet)
    first = next(iter(sorted(Path(results[0]["inbox"]).glob("*.xlsx"))))
    if args.no_startup:
        startup: dict[str, Any] = {"error": "skipped (--no-startup)"}
    else:
        _say("  start-up: python -m kpitool validate (one file) …", quiet=quiet)
        startup = measure_startup(first, Path(results[0]["config"]),
                                  QUICK_STARTUP_RUNS if args.quick else STARTUP_RUNS)
    if "error" in startup:
        _say(f"one-file validation from process start: {startup['error']}", quiet=quiet)
    else:
        _say(f"one-file validation from process start: median {startup['median_s']:.3f} s "
             f"(min {startup['min_s']:.3f}, max {startup['max_s']:.3f}; bare python {startup['python_bare_start_s']:.3f} s)",
             quiet=quiet)
    verdict = goals(results, startup)
    for name, goal in verdict.items():
        if isinstance(goal, dict):
            verdict_text = "not measured" if goal["value"] is None else "met" if goal["met"] else "MISSED"
            _say(f"goal {name}: {goal['value']} ({verdict_text})", quiet=quiet)
    if args.markdown:
        command = "python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
        text = markdown(info, results, startup, verdict, command) + "\n" + scaling_markdown(results)
        args.markdown.write_text(text + ("\n" + city_markdown(city) if city else ""), encoding="utf-8")
    _say(scaling_markdown(results), quiet=quiet)
    print(json.dumps({"machine": info, "results": results, "startup": startup, "goals": verdict, "city": city,
                      "scaling": scaling(results)},
                     ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
