"""The benchmark's quick mode runs on a fresh clone and reports every stage (issue 6).

A smoke test: five generated files, every stage in its own process, the final JSON line parsed.
Timings are not asserted; they belong in benchmarks/RESULTS.md, measured on a known machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
STAGES = {"floor", "floor_parallel", "naive", "read_validate", "kpitool"}
GOALS = {"read_validate_over_floor", "naive_over_kpitool", "kpitool_peak_rss_mb", "one_file_validation_s"}


@pytest.mark.slow
def test_quick_benchmark_reports_every_stage(tmp_path: Path) -> None:
    env = dict(os.environ, KPITOOL_BENCH_CACHE=str(tmp_path / "cache"))
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--files", "5", "--json-only",
         "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=900, env=env, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1  # --json-only: nothing but the JSON line
    report = json.loads(lines[0])

    assert report["machine"]["cores"] >= 1 and report["machine"]["python"]
    (result,) = report["results"]
    assert result["files"] == 5 and len(list(Path(result["inbox"]).glob("*.xlsx"))) == 5
    assert set(result["stages"]) == STAGES
    for name, stage in result["stages"].items():
        assert "error" not in stage, (name, stage)
        assert stage["files"] == 5
        assert stage["seconds"] >= 0 and stage["peak_rss_mb"] > 0
    assert result["stages"]["floor"]["detail"]["cells"] > 0
    assert set(result["ratios"]) >= {"kpitool_over_floor", "naive_over_kpitool", "read_validate_over_floor"}
    assert set(report["goals"]) >= GOALS
    assert report["startup"]["median_s"] > 0, report["startup"]


@pytest.mark.slow
def test_city_scenario_writes_master_and_csvs_and_a_floor(tmp_path: Path) -> None:
    """The city scenario (issue 17) runs the real CLI and the floor on planted city files."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--city-only", "--city-runs", "1",
         "--json-only", "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=900, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    city = json.loads(done.stdout.strip().splitlines()[-1])["city"]
    assert city["files"] == 30 and len(city["kpitool_runs_s"]) == len(city["floor_runs_s"]) == 1
    assert {"master.xlsx", "master_実績数値.csv", "master_実績調査.csv", "floor.xlsx"} <= set(city["outputs"])
    assert city["over_floor"] > 0 and set(city["goals"]) == {"median_s", "over_floor"}
    names = sorted(p.name for p in (tmp_path / "out" / "city" / "inbox").glob("*.xlsx"))
    assert len(names) == 30 and names[0] == "01_総合政策部.xlsx" and names[-1] == "30_デジタル推進部.xlsx"


def _benchmark_module(name: str) -> Any:  # benchmarks/ is a script folder, not a package
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        return __import__(name)
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


def test_the_generator_names_a_roster_of_5000_files() -> None:
    """N = 5,000 (issue 17) needs 5,100 distinct names; those of smaller N stay as they were."""
    generate = _benchmark_module("generate")
    roster = generate.roster_for(5000)
    assert len(roster) == 5100 == len(set(roster))
    assert generate.roster_for(1741) == roster[:1775]  # the same names first: rosters did not change
    two = [n for n in roster if len(n) == 3]
    assert len(two) == 4746 and roster[:4746] == two  # 北山市 …, then three-character names
    assert all(n[-1] in "市町村" for n in roster)


def test_scaling_reports_the_cost_per_file_against_1741() -> None:
    """run.py's scaling figures: per-file cost of each N relative to N = 1,741's."""
    run = _benchmark_module("run")

    def result(n: int, wall: float, cpu: float) -> dict[str, object]:
        return {"files": n, "stages": {"kpitool": {"seconds": wall, "cpu_seconds": cpu, "peak_rss_mb": 100.0}},
                "per_file_ms": {"kpitool_wall": 1000 * wall / n, "kpitool_cpu": 1000 * cpu / n},
                "ratios": {"kpitool_over_floor_parallel": 3.0}}

    rows = run.scaling([result(1741, 17.41, 34.82), result(5000, 60.0, 100.0)])["by_n"]
    assert [r["wall_per_file_vs_1741"] for r in rows] == [1.0, 1.2]
    assert [r["cpu_per_file_vs_1741"] for r in rows] == [1.0, 1.0]
    assert "| 5000 | 60.000 | 100.000 | 100 | 12.00 | 20.00 | 1.20 / 1.00 | 3.00 |" in run.scaling_markdown(
        [result(1741, 17.41, 34.82), result(5000, 60.0, 100.0)])


def test_scaling_judges_the_issue_17_goals() -> None:
    """The goals table: E2E ≤ 4× the all-core floor and RSS ≤ 500 MiB at N = 1,741, per-file
    drift ≤ 20 % at N = 5,000, read+validate ≤ 2× the floor at every N from 50."""
    run = _benchmark_module("run")

    def result(n: int, wall: float, rss: float, over: float, rv: float) -> dict[str, object]:
        return {"files": n, "stages": {"kpitool": {"seconds": wall, "cpu_seconds": wall, "peak_rss_mb": rss}},
                "per_file_ms": {"kpitool_wall": 1000 * wall / n, "kpitool_cpu": 1000 * wall / n},
                "ratios": {"kpitool_over_floor_parallel": over, "read_validate_over_floor": rv}}

    goals = {name: (value, met) for name, value, _, met in run.scaling_goals(
        [result(50, 1.0, 90, 9.0, 1.5), result(1741, 17.41, 501, 3.9, 2.5), result(5000, 60.0, 600, 4.1, 1.9)])}
    assert goals["N = 1,741: E2E / all-core floor"] == (3.9, True)
    assert goals["N = 1,741: peak RSS MiB (process tree)"] == (501, False)
    assert goals["N = 5,000: wall per file / N = 1,741's"] == (1.2, True)
    assert goals["N = 50: read+validate / floor"] == (1.5, True)
    assert goals["N = 1,741: read+validate / floor"] == (2.5, False)
    missing = {name: met for name, _, _, met in run.scaling_goals([result(50, 1.0, 90, 9.0, 1.5)])}
    assert missing["N = 1,741: E2E / all-core floor"] is None  # not measured, not passed
