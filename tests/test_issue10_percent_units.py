"""Issue 10: a % row is a % row however its 単位 is spelled (パーセント, ％, %).

Before the fix the survey read 「パーセント」 as % (0.3 ポイント, 増減率 ―) but the writer
normalised the raw unit text again with a second normaliser, disagreed, and wrote static values
without ポイント and without live formulas. These tests build a real inbox with the project's
template generator, consolidate and write the master, and check what the master holds; the
LibreOffice test recalculates it and compares every formula with its cached value.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from conftest import ROSTER
from libreoffice import recalculate, require_soffice
from test_master_recalc import cached_formula_values, mismatches

from kpitool.config import Config, Department
from kpitool.consolidate import consolidate
from kpitool.master.layout import FIGURES, KPIS, layouts
from kpitool.master.writer import write_master
from kpitool.template import FilledData, write_template

PERCENT_SPELLINGS = ("パーセント", "％", "%", " % ")
BASIC = {"municipality": "菊川市", "department": "総務部", "head": "菊川 太郎",
         "contact_person": "総務課 山田", "contact": "内線 1", "created": dt.date(2024, 4, 1)}


def _figure(no: int, unit: str, prev: object = 14.8, curr: object = 15.1) -> dict[str, object]:
    return {"initiative_no": "1", "item": f"割合{no}", "unit": unit, "direction": "↑",
            "prev": prev, "curr": curr, "note": ""}


def _kpi(no: str, unit: str) -> dict[str, object]:
    return {"no": no, "policy": "施策", "indicator": f"認知度{no}", "unit": unit, "direction": "↑",
            "target": 16, "prev": 14.8, "curr": 15.1, "grade": "B"}


@pytest.fixture
def master(tmp_path: Path) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    data = FilledData(
        basic=BASIC,
        survey=[{"no": "1", "viewpoint": "視点1 効果的・効率的な行政運営の推進", "initiative": "広報",
                 "plan": "", "prev": "14.8%", "curr": "15.1%"}],
        figures=[*(_figure(i, u) for i, u in enumerate(PERCENT_SPELLINGS)), _figure(8, "パーセント", "-", 15.1),
                 _figure(9, "件", 498, 515)],
        kpis=[_kpi(str(i), u) for i, u in enumerate(PERCENT_SPELLINGS, start=1)],
    )
    write_template(inbox / "01_総務部.xlsx", roster=ROSTER, data=data)
    config = Config(municipality="菊川市", departments=tuple(Department(n) for n in ROSTER))
    (tmp_path / "out").mkdir()
    return write_master(consolidate(inbox, config), tmp_path / "out" / "master.xlsx").master


def _sheet_rows(path: Path, sheet: str, *, data_only: bool) -> list[dict[str, object]]:
    ws = openpyxl.load_workbook(path, data_only=data_only)[sheet]
    layout = layouts((2022, 2023))[sheet]
    return [dict(zip(layout.keys, (c.value for c in row), strict=False))
            for row in ws.iter_rows(min_row=2) if row[0].value is not None]


def _formats(path: Path, sheet: str, key: str) -> list[str]:
    ws = openpyxl.load_workbook(path)[sheet]
    col = layouts((2022, 2023))[sheet].index(key) + 1
    return [ws.cell(r, col).number_format for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value]


@pytest.mark.parametrize("sheet", [FIGURES, KPIS])
def test_every_percent_spelling_gets_points_and_live_formulas(master: Path, sheet: str) -> None:
    formulas = _sheet_rows(master, sheet, data_only=False)
    values = _sheet_rows(master, sheet, data_only=True)
    percent_rows = [i for i, row in enumerate(formulas) if str(row["unit"]).strip() in {u.strip() for u in PERCENT_SPELLINGS}
                    and row["prev"] == 14.8]
    assert len(percent_rows) == len(PERCENT_SPELLINGS)  # planted: one row per spelling
    change_formats = _formats(master, sheet, "change")
    for i in percent_rows:
        for key in ("change", "rate", "evaluation"):
            assert str(formulas[i][key]).startswith("="), (formulas[i]["unit"], key, formulas[i][key])
        assert values[i]["change"] == pytest.approx(0.3)  # 15.1 − 14.8, in ポイント
        assert (values[i]["change_unit"], values[i]["rate"], values[i]["evaluation"]) == ("ポイント", "―", "改善")
        assert "ポイント" in change_formats[i], formulas[i]["unit"]


def test_a_percent_row_with_a_marker_keeps_the_percent_formulas(master: Path) -> None:
    formulas = _sheet_rows(master, FIGURES, data_only=False)
    marker = next(i for i, row in enumerate(formulas) if row["prev"] == "-")
    assert str(formulas[marker]["rate"]).startswith('=IF(AND(ISNUMBER(')
    assert "皆増" not in str(formulas[marker]["rate"])  # the % formula: no rate of a rate
    assert "ポイント" in _formats(master, FIGURES, "change")[marker]


def test_an_ordinary_row_keeps_its_rate(master: Path) -> None:
    values = _sheet_rows(master, FIGURES, data_only=True)
    row = next(r for r in values if r["unit"] == "件")
    assert (row["change"], row["change_unit"]) == (17, "件")
    assert row["rate"] == pytest.approx(17 / 498)


@pytest.mark.libreoffice
def test_libreoffice_reproduces_every_cached_value_of_the_percent_rows(master: Path, tmp_path: Path) -> None:
    require_soffice()
    cached = cached_formula_values(master)
    planted = len(PERCENT_SPELLINGS) * 2 + 1 + 1  # % figures and KPIs, the marker row, the 件 row
    change = {sheet: layouts((2022, 2023))[sheet].letter("change") for sheet in (FIGURES, KPIS)}

    def in_change_column(sheet: str, ref: str) -> bool:
        return sheet in change and ref.rstrip("0123456789") == change[sheet]

    assert sum(1 for (sheet, ref) in cached if sheet == FIGURES and in_change_column(sheet, ref)) >= len(
        PERCENT_SPELLINGS) + 2
    assert sum(1 for (sheet, ref) in cached if in_change_column(sheet, ref)) >= planted
    assert mismatches(master, recalculate(master, tmp_path)) == {}
