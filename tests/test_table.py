"""kpitool.table: the consolidation's rows without pandas, and the DataFrame built from them.

The 集約 path writes the master from Tables (issue 17); the public API hands out DataFrames.
Both must describe the same data: the master written from the Tables of a real consolidation
is byte for byte the master written from its DataFrames, and the DataFrames have the
documented dtypes.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from kpitool.consolidate import consolidate
from kpitool.demo import prepare
from kpitool.master.writer import write_master
from kpitool.model import TABLES, Consolidation
from kpitool.table import Table


def test_columns_rows_and_types_follow_the_declared_kinds() -> None:
    t = Table([("a", None, 3, 1), ("b", 2, 4, 0)], ["name", "x", "n", "ok"], floats={"x"}, ints={"n"}, bools={"ok"})
    assert len(t) == 2 and t.columns == ["name", "x", "n", "ok"] and "x" in t and "y" not in t
    assert t["name"] == ("a", "b")
    x = t["x"]
    assert math.isnan(x[0]) and x[1] == 2.0 and isinstance(x[1], float)
    assert t["ok"] == (True, False) and all(isinstance(v, bool) for v in t["ok"])
    assert list(t.itertuples(index=False, name=None))[1] == ("b", 2.0, 4, False)
    assert t.to_dict("records")[0]["name"] == "a"
    assert t.select(["ok", "name", "missing"]).rows == [(True, "a"), (False, "b")]
    frame = t.to_frame()
    assert [str(d) for d in frame.dtypes] == ["object", "float64", "int64", "bool"]
    assert frame["name"].tolist() == ["a", "b"] and frame["x"].isna().tolist() == [True, False]
    with pytest.raises(ValueError):
        Table([("a",)], ["name", "x"])


def test_a_row_already_typed_is_kept_and_any_other_is_cast() -> None:
    typed = ("a", 2.0, 4, True)
    loose = ["b", 2, True, 1]  # an int in a float column, a bool in an int column, an int flag
    t = Table([typed, loose], ["name", "x", "n", "ok"], floats={"x"}, ints={"n"}, bools={"ok"})
    assert t.rows[0] is typed  # not copied: the consolidation's rows arrive typed
    assert t.rows[1] == ("b", 2.0, 1, True)
    assert [type(v) for v in t.rows[1]] == [str, float, int, bool]


@pytest.fixture(scope="module")
def demo_consolidation(tmp_path_factory: pytest.TempPathFactory) -> Consolidation:
    config, inbox = prepare(tmp_path_factory.mktemp("demo"))
    return consolidate(inbox, config, workers=1)


def test_master_from_tables_equals_master_from_dataframes(demo_consolidation: Consolidation, tmp_path: Path) -> None:
    c = demo_consolidation
    (tmp_path / "tables").mkdir()
    (tmp_path / "frames").mkdir()
    from_tables = write_master(c, tmp_path / "tables" / "master.xlsx")
    frames = {name: Table.from_frame(c.table(name).to_frame()).to_frame() for name in TABLES}
    assert all(isinstance(f, pd.DataFrame) for f in frames.values())
    twin = Consolidation(config=c.config, inbox=c.inbox, run_at=c.run_at, ignored=c.ignored, tallies=c.tallies,
                         previous=c.previous, **frames)
    from_frames = write_master(twin, tmp_path / "frames" / "master.xlsx")
    assert from_tables.digest == from_frames.digest
    assert from_tables.master.read_bytes() == from_frames.master.read_bytes()
    for a, b in zip(from_tables.csvs, from_frames.csvs, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_a_changed_dataframe_is_what_the_master_shows(demo_consolidation: Consolidation) -> None:
    c = Consolidation(config=demo_consolidation.config, inbox=demo_consolidation.inbox,
                      run_at=demo_consolidation.run_at,
                      **{name: demo_consolidation.table(name) for name in TABLES})
    c.figures.loc[0, "note"] = "追記"
    assert c.table("figures")["note"][0] == "追記"
