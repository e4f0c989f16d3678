"""The master writer alone: ``write_master`` over a city and a generated inbox (issue 17).

    python benchmarks/writer_bench.py [--city] [--files 500] [--runs 3] [--out DIR] [--json FILE]

Each scenario is consolidated once in this process (not timed), its run time pinned, and then
:func:`kpitool.master.writer.write_master` writes the master and its CSVs ``--runs`` times; the
best wall and CPU seconds are reported, beside the best of the data sheets' row builders
alone (:data:`kpitool.master.tables.ROW_BUILDERS`: the rows before hashing and XlsxWriter), the
number of data cells, the load average before and after, and the sha256 of every part of the master but
``docProps/`` and of the CSVs. With the run time pinned, two versions of the writer that
write the same workbook print the same hashes: run this script on the old and the new code
(another checkout's venv, the same ``--out``) to compare speed and bytes in one go.

Scenarios: ``--city`` is :func:`city.make_city` (30 files of the bundled examples);
``--files N`` is :func:`generate.make_inbox` (N generated departments, cached).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

PINNED_RUN_AT = dt.datetime(2024, 6, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))


def _load() -> float:
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else float("nan")


def _inbox(scenario: str, out: Path) -> tuple[Path, Path]:
    """(inbox, config path) of a scenario: ``city`` or ``n<N>``."""
    if scenario == "city":  # built once per --out, so that two writers read the same files
        from city import make_city

        done = out / "city" / "inbox.complete"
        if done.exists():
            return out / "city" / "inbox", out / "city" / "kpitool.toml"
        inbox, config = make_city(out / "city")
        done.write_text("30\n", encoding="utf-8")
        return inbox, config
    from generate import make_inbox
    from run import write_config

    n = int(scenario[1:])
    inbox, roster = make_inbox(n)
    folder = out / scenario
    folder.mkdir(parents=True, exist_ok=True)
    return inbox, write_config(folder / "kpitool.toml", roster)


def _part_hashes(master: Path) -> str:
    """One sha256 over every part of the master but docProps/ (names and bytes)."""
    h = hashlib.sha256()
    with zipfile.ZipFile(master) as z:
        for name in sorted(z.namelist()):
            if not name.startswith("docProps/"):
                h.update(name.encode() + b"\0" + z.read(name))
    return h.hexdigest()


def measure(scenario: str, out: Path, runs: int) -> dict[str, Any]:
    from kpitool.config import load_config
    from kpitool.consolidate import consolidate
    from kpitool.master.layout import DATA_SHEETS, SourceLinks, layouts
    from kpitool.master.tables import ROW_BUILDERS
    from kpitool.master.writer import write_master

    inbox, config_path = _inbox(scenario, out)
    consolidation = consolidate(inbox, load_config(config_path))
    consolidation.run_at = PINNED_RUN_AT
    folder = out / scenario / "out"
    folder.mkdir(parents=True, exist_ok=True)
    load_before = _load()
    write_wall, write_cpu, table_cpu = [], [], []
    outputs = None
    for _ in range(runs):
        for old in folder.iterdir():
            old.unlink()
        wall, cpu = time.perf_counter(), time.process_time()
        outputs = write_master(consolidation, folder / "master.xlsx")
        write_wall.append(time.perf_counter() - wall)
        write_cpu.append(time.process_time() - cpu)
        cpu = time.process_time()
        links, sheets = SourceLinks(folder, inbox), layouts(consolidation.config.fiscal_years)
        tables = {name: list(ROW_BUILDERS[name](consolidation, sheets[name], links)) for name in DATA_SHEETS}
        table_cpu.append(time.process_time() - cpu)
    assert outputs is not None
    cells = sum(1 for rows in tables.values() for row in rows for cell in row if cell is not None)
    return {
        "scenario": scenario,
        "files": len(list(inbox.glob("*.xlsx"))),
        "rows": sum(len(rows) for rows in tables.values()),
        "cells": cells,
        "write_master_wall_s": round(min(write_wall), 3),
        "write_master_cpu_s": round(min(write_cpu), 3),
        "build_rows_cpu_s": round(min(table_cpu), 3),
        "runs": runs,
        "load": [load_before, _load()],
        "master_bytes": outputs.master.stat().st_size,
        "master_parts_sha256": _part_hashes(outputs.master),
        "csv_sha256": hashlib.sha256(b"".join(p.read_bytes() for p in outputs.csvs)).hexdigest(),
        "kpitool": str(Path(sys.modules["kpitool"].__file__).parent),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--city", action="store_true", help="the 30-file city inbox")
    parser.add_argument("--files", type=int, action="append", default=[], help="a generated inbox of N files")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None, help="append one JSON line per scenario")
    args = parser.parse_args(argv)
    scenarios = (["city"] if args.city or not args.files else []) + [f"n{n}" for n in args.files]
    out = args.out or Path(tempfile.mkdtemp(prefix="kpitool-writer-"))
    for scenario in scenarios:
        result = measure(scenario, out, args.runs)
        line = json.dumps(result, ensure_ascii=False)
        print(line, flush=True)
        if args.json:
            with args.json.open("a", encoding="utf-8") as f:
                f.write(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
