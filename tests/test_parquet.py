"""kpitool.parquet: ``consolidate --parquet DIR`` writes the consolidated tables as typed Parquet
(issue 17), read back here with pyarrow; without pyarrow the run stops before reading anything."""

from __future__ import annotations

import importlib.util
import math
import subprocess
import sys
from pathlib import Path

import pytest
from paths import IN_CI

from kpitool.demo import prepare
from kpitool.demo.examples import FISCAL_YEARS, MUNICIPALITY, NON_SUBMITTER, example_submissions
from kpitool.parquet import TABLE_FILES, ParquetUnavailable
from kpitool.pipeline import run_consolidation


def _parquet():
    """pyarrow.parquet; skip without it, but fail on CI, where `make install` puts it in."""
    if IN_CI:
        import pyarrow.parquet as pq

        return pq
    return pytest.importorskip("pyarrow.parquet")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    prepare(root)
    return root


def test_cli_writes_every_table_typed_with_its_municipality(demo: Path, tmp_path: Path) -> None:
    pq = _parquet()
    done = subprocess.run(
        [sys.executable, "-m", "kpitool", "consolidate", "inbox", "-o", str(tmp_path / "master.xlsx"),
         "--parquet", str(tmp_path / "pq")],
        capture_output=True, text=True, cwd=demo, timeout=300,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    assert {p.name for p in (tmp_path / "pq").iterdir()} == {f"{t}.parquet" for t in TABLE_FILES}
    assert f"Parquet: {tmp_path / 'pq' / 'kpis.parquet'}" in done.stdout

    clean = [e for e in example_submissions() if not e.has_errors]
    kpis = pq.read_table(tmp_path / "pq" / "kpis.parquet").to_pylist()
    assert len(kpis) == sum(len(e.kpis) for e in clean)
    assert {r["municipality"] for r in kpis} == {MUNICIPALITY}
    assert {(r["fiscal_year_prev"], r["fiscal_year_curr"]) for r in kpis} == {FISCAL_YEARS}
    assert {r["department"] for r in kpis} == {e.basic["department"] for e in clean}
    schema = pq.read_schema(tmp_path / "pq" / "kpis.parquet")
    assert str(schema.field("target").type) == "double" and str(schema.field("indicator").type) == "string"
    assert all(r["target"] is None or not math.isnan(r["target"]) for r in kpis)  # missing is null, not NaN

    figures = pq.read_table(tmp_path / "pq" / "figures.parquet")
    assert figures.num_rows == sum(len(e.figures) for e in clean)
    submissions = pq.read_table(tmp_path / "pq" / "submissions.parquet").to_pylist()
    missing = [r for r in submissions if r["department"] == NON_SUBMITTER]
    assert len(missing) == 1 and missing[0]["included"] is False and missing[0]["size"] == 0


def test_without_pyarrow_nothing_is_read_or_written(demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kpitool.config import load_config

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pyarrow" else real(name, *a))
    with pytest.raises(ParquetUnavailable) as caught:
        run_consolidation(demo / "inbox", load_config(demo / "kpitool.toml"), tmp_path / "master.xlsx",
                          parquet=tmp_path / "pq")
    assert caught.value.code == "E-RUN-020"
    assert "pyarrow" in str(caught.value)
    assert not (tmp_path / "master.xlsx").exists() and not (tmp_path / "pq").exists()
