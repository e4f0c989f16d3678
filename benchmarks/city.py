"""The click people make most often: one city's 集約, from process start (issue 17).

    python benchmarks/city.py [--runs 7] [--files 30] [--out DIR]

A city inbox of ``--files`` department files (default 30) is built with the project's own
generator: the six bundled example departments (:mod:`kpitool.demo.examples`, real rows from
the seed documents, quirks and one faulty file included) repeated under 30 city department
names, each written by :func:`kpitool.template.write_template` as ``kpitool template`` would.
The roster has one more department that does not submit.

Then, alternating so that both see the same load, ``--runs`` fresh processes of each:

- **kpitool**: ``python -m kpitool consolidate --config kpitool.toml -o OUT/master.xlsx INBOX``,
  the real CLI entry (the 集約 button runs the same :func:`kpitool.pipeline.run_consolidation`),
  from process start until the master and its CSVs are written and the process has exited;
- **the floor**: a bare interpreter that imports python-calamine and XlsxWriter, reads every
  cell of every sheet of the same files and writes the data sheets' non-empty cells into one
  workbook (``constant_memory``, ``write_row``) and the same rows as CSV.

One warm-up run of each (OS file cache) is not counted. It prints the medians (wall, and the CPU
time of each process tree, which other load on a shared machine disturbs less), the ratio, the
load average before and after, and one JSON line.

Byte code: ``pip install`` compiles every module to ``.pyc`` once, so a user's click never compiles
kpitool's source. A development checkout under ``PYTHONDONTWRITEBYTECODE=1`` (as in the project's
sandbox) compiles it on every start instead (≈ 0.2 s of the click). So the benchmark first
byte-compiles the kpitool package (:func:`precompile`, ``compileall`` as pip does) and runs every
child process with ``PYTHONDONTWRITEBYTECODE`` removed from its environment (:func:`child_env`):
it measures what an installed kpitool costs, not the checkout.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

FILES = 30
RUNS = 7
GOALS = {"median_s_max": 0.6, "over_floor_max": 2.0}

# 30 city departments (部局) besides the six of the bundled example; the non-submitter last.
CITY_DEPARTMENTS = (
    "総合政策部", "企画政策部", "総務部", "財務部", "地域支援部", "市長公室",
    "危機管理部", "市民部", "税務部", "健康福祉部", "こども未来部", "環境部",
    "産業経済部", "農林水産部", "観光交流部", "建設部", "都市整備部", "上下水道部",
    "会計課", "消防本部", "教育総務部", "学校教育部", "生涯学習部", "文化スポーツ部",
    "議会事務局", "選挙管理委員会事務局", "監査委員事務局", "農業委員会事務局",
    "病院事業部", "デジタル推進部", "教育文化部",
)

FLOOR_SCRIPT = r"""
import csv, sys
from python_calamine import CalamineWorkbook
import xlsxwriter
out, files = sys.argv[1], sys.argv[2:]
sheets = {}
for path in files:
    book = CalamineWorkbook.from_path(path)
    for name in book.sheet_names:
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        if name.startswith("_") or len(rows) < 2:
            continue
        sheets.setdefault(name, []).extend(r for r in rows if any(v != "" for v in r))
wb = xlsxwriter.Workbook(out + "/floor.xlsx", {"constant_memory": True})
for i, (name, rows) in enumerate(sheets.items()):
    ws = wb.add_worksheet(f"s{i}")
    for r, row in enumerate(rows):
        ws.write_row(r, 0, row)
    with open(f"{out}/floor_{i}.csv", "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
wb.close()
"""


def child_env() -> dict[str, str]:
    """The environment of the measured processes: this one without ``PYTHONDONTWRITEBYTECODE``
    (an installed kpitool has its ``.pyc``; see the module docstring)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def precompile() -> None:
    """Byte-compile the kpitool package in place, as ``pip install`` does at install time."""
    import compileall

    import kpitool

    compileall.compile_dir(str(Path(kpitool.__file__).parent), quiet=1)


def _load() -> float:
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else float("nan")


def make_city(root: Path, n_files: int = FILES) -> tuple[Path, Path]:
    """Write ``root/kpitool.toml`` (a city roster) and ``root/inbox`` of ``n_files`` files."""
    from kpitool.config import CONFIG_FILENAME, load_config
    from kpitool.demo.examples import ROSTER, example_config_toml, example_submissions
    from kpitool.template import FilledData, write_template

    if n_files > len(CITY_DEPARTMENTS) - 1:
        raise ValueError(f"at most {len(CITY_DEPARTMENTS) - 1} city departments")
    senders = list(CITY_DEPARTMENTS[:n_files])
    roster = [*senders, CITY_DEPARTMENTS[-1]]
    toml = example_config_toml()
    old = "departments = [\n" + "".join(f'  "{name}",\n' for name in ROSTER) + "]\n"
    assert old in toml, "the demo config changed its roster layout"
    toml = toml.replace(old, "departments = [\n" + "".join(f'  "{n}",\n' for n in roster) + "]\n")
    root.mkdir(parents=True, exist_ok=True)
    config_path = root / CONFIG_FILENAME
    config_path.write_text(toml, encoding="utf-8")
    config = load_config(config_path)
    inbox = root / "inbox"
    if inbox.exists():
        shutil.rmtree(inbox)
    inbox.mkdir()
    examples = example_submissions()
    for i, name in enumerate(senders):
        example = examples[i % len(examples)]
        basic = dict(example.basic, department=name)
        data = FilledData(basic=basic, kpis=example.kpis, survey=example.survey, figures=example.figures)
        write_template(
            inbox / f"{i + 1:02d}_{name}.xlsx", roster=config.roster, fiscal_years=config.fiscal_years,
            grades=config.grades, survey=config.survey, settings=config.template, data=data,
        )
    return inbox, config_path


def _children_cpu() -> float:
    """User + system CPU of this process's finished children (and theirs: the pool workers)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds from start to exit of ``command`` and the CPU seconds of its process tree."""
    cpu = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=child_env())
    elapsed = time.perf_counter() - started
    cpu = _children_cpu() - cpu
    if done.returncode not in (0, 1) or "Traceback" in done.stderr:  # 1: 要修正 departments
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"{' '.join(command[:4])}: exit {done.returncode}: {tail}")
    return elapsed, cpu


def measure(inbox: Path, config: Path, out: Path, runs: int = RUNS) -> dict[str, Any]:
    """Medians of ``runs`` fresh kpitool and floor processes, interleaved (plus one warm-up)."""
    files = sorted(str(p) for p in inbox.glob("*.xlsx"))
    precompile()
    python = sys.executable
    kpitool_s: list[float] = []
    kpitool_cpu: list[float] = []
    floor_s: list[float] = []
    floor_cpu: list[float] = []
    bare_s: list[float] = []
    load_before = _load()
    for i in range(runs + 1):
        run_out = out / f"run{i}"
        shutil.rmtree(run_out, ignore_errors=True)
        run_out.mkdir(parents=True)
        k, k_cpu = _timed([python, "-m", "kpitool", "consolidate", "--config", str(config),
                    "-o", str(run_out / "master.xlsx"), str(inbox)], config.parent)
        f, f_cpu = _timed([python, "-c", FLOOR_SCRIPT, str(run_out), *files], config.parent)
        b, _ = _timed([python, "-c", "pass"], config.parent)
        if i:  # the first round warms the file cache
            kpitool_s.append(k)
            kpitool_cpu.append(k_cpu)
            floor_s.append(f)
            floor_cpu.append(f_cpu)
            bare_s.append(b)
    written = sorted(p.name for p in (out / f"run{runs}").iterdir())
    median, floor = statistics.median(kpitool_s), statistics.median(floor_s)
    return {
        "files": len(files),
        "runs": runs,
        "kpitool_median_s": round(median, 3),
        "kpitool_runs_s": [round(x, 3) for x in kpitool_s],
        "kpitool_cpu_median_s": round(statistics.median(kpitool_cpu), 3),
        "floor_median_s": round(floor, 3),
        "floor_cpu_median_s": round(statistics.median(floor_cpu), 3),
        "floor_runs_s": [round(x, 3) for x in floor_s],
        "bare_python_median_s": round(statistics.median(bare_s), 3),
        "over_floor": round(median / floor, 2),
        "load_before": load_before,
        "load_after": _load(),
        "outputs": written,
        "goals": {
            "median_s": {"value": round(median, 3), "max": GOALS["median_s_max"],
                         "met": median <= GOALS["median_s_max"]},
            "over_floor": {"value": round(median / floor, 2), "max": GOALS["over_floor_max"],
                           "met": median / floor <= GOALS["over_floor_max"]},
        },
    }


def report(result: dict[str, Any]) -> str:
    """The figures as a few lines of text."""
    return "\n".join([
        f"city 集約, {result['files']} files, median of {result['runs']} fresh processes "
        f"(load {result['load_before']} → {result['load_after']}):",
        f"  kpitool consolidate  {result['kpitool_median_s']:.3f} s (CPU {result['kpitool_cpu_median_s']:.3f} s)"
        f"  runs {result['kpitool_runs_s']}",
        f"  floor (calamine + XlsxWriter + CSV)  {result['floor_median_s']:.3f} s (CPU {result['floor_cpu_median_s']:.3f} s)"
        f"  runs {result['floor_runs_s']}",
        f"  bare python  {result['bare_python_median_s']:.3f} s",
        f"  kpitool / floor = {result['over_floor']:.2f}  "
        f"(goals: ≤ {GOALS['median_s_max']} s {'met' if result['goals']['median_s']['met'] else 'MISSED'}, "
        f"≤ {GOALS['over_floor_max']}× {'met' if result['goals']['over_floor']['met'] else 'MISSED'})",
    ])


def run_city(out: Path, *, n_files: int = FILES, runs: int = RUNS, quiet: bool = False) -> dict[str, Any]:
    """Build the city inbox under ``out`` and measure it."""
    inbox, config = make_city(out / "city", n_files)
    result = measure(inbox, config, out / "city-out", runs)
    if not quiet:
        print(report(result), flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="kpitool benchmark: one city's 集約 from process start")
    parser.add_argument("--files", type=int, default=FILES)
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="kpitool-city-"))
    result = run_city(out, n_files=args.files, runs=args.runs)
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
