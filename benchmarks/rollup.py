"""A national roll-up on one machine: consolidate N files, write Parquet, query it (issue 17).

    python benchmarks/rollup.py [--files 1741]

The generated inbox of N realistic files (``generate.py``) is consolidated on all cores as
``kpitool consolidate --parquet`` runs it (:func:`kpitool.pipeline.run_consolidation`: master,
CSVs and Parquet); the Parquet part is timed again on its own (:func:`kpitool.parquet.write_parquet`);
then the Parquet files are read back with pyarrow and the 達成状況 counted per grade, as a
roll-up over many such folders would. Prints each step's wall time, the Parquet sizes, the load
average, and one JSON line. Needs the ``parquet`` extra.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import make_inbox  # noqa: E402
from run import write_config  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1741)
    args = parser.parse_args(argv)
    import pyarrow.dataset as ds

    from kpitool.config import load_config
    from kpitool.parquet import write_parquet
    from kpitool.pipeline import run_consolidation

    inbox, roster = make_inbox(args.files)
    out = Path(tempfile.mkdtemp(prefix="kpitool-rollup-"))
    config = load_config(write_config(out / "kpitool.toml", roster))
    figures: dict[str, object] = {"files": args.files, "load_before": round(os.getloadavg()[0], 2)}
    marks: list[float] = []
    started = time.perf_counter()
    run = run_consolidation(inbox, config, out / "master.xlsx", parquet=out / "parquet",
                            on_stage=lambda _text: marks.append(time.perf_counter()))
    done = time.perf_counter()
    figures["consolidate_s"] = round(marks[0] - started, 2)
    figures["master_csv_parquet_s"] = round(done - marks[0], 2)
    started = time.perf_counter()
    written = write_parquet(run.consolidation, out / "parquet-again")
    figures["parquet_s"] = round(time.perf_counter() - started, 2)
    figures["parquet_bytes"] = {p.name: p.stat().st_size for p in written}
    figures["master_bytes"] = (out / "master.xlsx").stat().st_size
    started = time.perf_counter()
    kpis = ds.dataset(out / "parquet" / "kpis.parquet").to_table(columns=["municipality", "department", "grade"])
    counts = kpis.group_by("grade").aggregate([("department", "count")]).to_pylist()
    figures["query_s"] = round(time.perf_counter() - started, 3)
    figures["kpi_rows"] = kpis.num_rows
    figures["grades"] = {str(r["grade"]): r["department_count"] for r in counts}
    figures["load_after"] = round(os.getloadavg()[0], 2)
    for key, value in figures.items():
        print(f"{key}: {value}", flush=True)
    print(json.dumps(figures, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
