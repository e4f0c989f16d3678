"""The consolidated tables as Parquet, for roll-ups that outgrow one workbook (issue 17).

``kpitool consolidate --parquet DIR`` writes, beside the master, one Parquet file per table of
the consolidation: ``submissions``, ``kpis``, ``survey``, ``figures`` and ``findings``, with the
English column ids of :mod:`kpitool.model` and typed columns (float64 with nulls for missing
numbers, int64, bool, UTF-8 text). Every row also carries ``municipality`` and the two fiscal
years, so the files of many municipalities (or prefectures) can be read as one table by any
Parquet engine (DuckDB: ``SELECT … FROM 'out/*/kpis.parquet'``; pandas, Polars, Spark, Dask).

pyarrow is an optional extra (``pip install 'kpitool[parquet]'``): the master and the CSVs never
need it, and the 集約 button does not import it. Each file is replaced atomically
(:mod:`kpitool.safe_write`), so a reader never sees half a file.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from kpitool.errors import PARQUET_MISSING, KpitoolError

if TYPE_CHECKING:
    from kpitool.model import Consolidation
    from kpitool.table import Table

TABLE_FILES = ("submissions", "kpis", "survey", "figures", "findings")
CONTEXT_COLUMNS = ("municipality", "fiscal_year_prev", "fiscal_year_curr")


class ParquetUnavailable(KpitoolError):
    """``--parquet`` was asked for but pyarrow is not installed."""

    code = PARQUET_MISSING


def _arrow_table(table: Table, municipality: str, years: tuple[int, int]):  # -> pyarrow.Table
    import pyarrow as pa

    n = len(table)
    columns = {
        "municipality": pa.array([municipality] * n, pa.string()),
        "fiscal_year_prev": pa.array([years[0]] * n, pa.int32()),
        "fiscal_year_curr": pa.array([years[1]] * n, pa.int32()),
    }
    for name in table.columns:
        values = table[name]
        if name in table.floats:
            columns[name] = pa.array([None if v != v else v for v in values], pa.float64())  # NaN → null
        elif name in table.ints:
            columns[name] = pa.array(values, pa.int64())
        elif name in table.bools:
            columns[name] = pa.array(values, pa.bool_())
        else:
            columns[name] = pa.array([None if v is None else str(v) for v in values], pa.string())
    return pa.table(columns)


def require_pyarrow() -> None:
    """Raise :class:`ParquetUnavailable` unless pyarrow can be imported (checked before a run
    reads anything, so a missing extra costs no time and writes nothing)."""
    import importlib.util

    if importlib.util.find_spec("pyarrow") is None:
        raise ParquetUnavailable(
            "Parquet を書き出すには pyarrow が必要です。`python -m pip install \"kpitool[parquet]\"` を実行してください。"
        )


def write_parquet(consolidation: Consolidation, folder: Path | str) -> tuple[Path, ...]:
    """Write the five tables to ``folder/<table>.parquet``; returns the paths written.

    Raises :class:`ParquetUnavailable` without pyarrow, and the errors of
    :func:`kpitool.safe_write.atomic_write_bytes` when a file cannot be written.
    """
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise ParquetUnavailable(
            "Parquet を書き出すには pyarrow が必要です。`python -m pip install \"kpitool[parquet]\"` を実行してください。"
        ) from exc
    from kpitool.safe_write import atomic_write_bytes

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    config = consolidation.config
    years = (int(config.fiscal_years[0]), int(config.fiscal_years[1]))
    written = []
    for name in TABLE_FILES:
        data = _arrow_table(consolidation.table(name), config.municipality, years)
        buffer = io.BytesIO()
        pq.write_table(data, buffer, compression="zstd")
        target = out / f"{name}.parquet"
        atomic_write_bytes(target, buffer.getvalue())
        written.append(target)
    return tuple(written)
