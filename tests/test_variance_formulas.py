"""The Excel formulas of kpitool.variance compute what Python cached, as LibreOffice sees it.

One row per arithmetic case goes through the real master writer (kpitool.master.writer, from a
Consolidation whose variance columns come from kpitool.variance as the survey computes them);
LibreOffice recalculates the master with a profile that forces recalculation, and every
formula cell must equal the value Python cached. A master with one wrong cached value proves
that the recalculation really happens and that the comparison notices.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from libreoffice import recalculate, require_soffice
from master_cases import figure, kpi, make_consolidation, rewrite_cached_value
from test_master_recalc import cached_formula_values, mismatches

from kpitool.master.layout import FIGURES, FIRST_DATA_ROW, KPIS, SHEET_ORDER, layouts
from kpitool.master.writer import write_master

pytestmark = [pytest.mark.libreoffice, pytest.mark.slow]


@dataclass(frozen=True)
class Row:
    """One 実績数値 row: numbers, markers as text, blanks as None."""

    item: str
    unit: str
    direction: str
    prev: float | str | None
    curr: float | str | None
    curr_unit: str | None = None  # a unit typed in the 当年度 cell


ROWS = (
    Row("業務改善 提出件数", "件", "↑", 498, 515),
    Row("減少", "件", "↑", 1972, 1500),
    Row("合併特例債", "千円", "↑", 1_167_400, 347_800),
    Row("収入増加", "円", "↑", 2_025_230, 25_035_874),
    Row("事務時間削減", "時間", "↑", 2459.3, 4618),
    Row("小数の誤差", "時間", "↑", 201.4, 202.7),
    Row("小数の誤差2", "件", "↑", 0.1, 0.3),
    Row("小さい値", "件", "↑", 0.125, 0.1),
    Row("大きい小数", "千円", "↑", 9_999_999.9, 0.1),
    Row("△から△へ", "千円", "↑", -1972, -1000),
    Row("△がさらに", "千円", "↑", -1972, -2500),
    Row("△から0へ", "千円", "↑", -5, 0),
    Row("正から△へ", "千円", "↑", 5, -5),
    Row("皆増", "件", "↑", 0, 8),
    Row("皆減", "件", "↑", 8, 0),
    Row("ともに0", "件", "↑", 0, 0),
    Row("0から△へ", "件", "↑", 0, -3),
    Row("割合", "%", "↑", 34, 39),
    Row("割合の小数", "％", "↑", 14.8, 15.1),
    Row("割合 0から", "%", "↑", 0, 12.5),
    Row("割合 ↓", "%", "↓", 3.2, 2.9),
    Row("割合 横ばい", "%", "↑", 50, 50),
    Row("順位 改善", "位", "↓", 370, 350),
    Row("順位 悪化", "位", "↓", 350, 370),
    Row("順位 横ばい", "位", "↓", 350, 350),
    Row("事故 皆減", "件", "↓", 4, 0),
    Row("参考値 増加", "回", "→", 1, 2),
    Row("参考値 変わらず", "回", "→", 2, 2),  # no 評価, not 横ばい
    Row("秘匿", "件", "↑", "x", 12),
    Row("不詳", "件", "↑", 12, "…"),
    Row("該当なし", "件", "↑", "-", "-"),
    Row("前年度なし", "件", "↑", None, 12),
    Row("当年度なし", "件", "↑", 12, None),
    Row("単位違い", "千円", "↑", 1_167_400, 347_800_000, curr_unit="円"),
)

TARGETS = (  # 事業成果目標: (指標, 方向, 目標, 実績)
    ("参加者数", "↑", 60, 52),
    ("達成", "↑", 60, 60),
    ("超過", "↑", 6, 7.5),
    ("80%ちょうど", "↑", 6, 4.8),
    ("順位", "↓", 350, 370),
    ("順位 超過", "↓", 370, 350),
    ("目標0", "↑", 0, 5),
    ("実績0 ↓", "↓", 5, 0),
    ("実績0 ↑", "↑", 5, 0),
    ("目標なし", "↑", None, 5),
    ("実績なし", "↓", 5, None),
    ("未定", "↑", "-", 5),
)


def write_cases(folder: Path) -> Path:
    """The master of every case, written by the real writer."""
    figures = [figure("総務部", "1", r.item, r.unit, r.direction, r.prev, r.curr, excel_row=i + 4,
                      curr_unit=r.curr_unit) for i, r in enumerate(ROWS)]
    targets = [kpi("総務部", str(i + 1), name, "件", direction, target, None, actual, None, excel_row=i + 4)
               for i, (name, direction, target, actual) in enumerate(TARGETS)]
    (folder / "inbox").mkdir()
    consolidation = make_consolidation(folder / "inbox", figures=figures, kpis=targets)
    return write_master(consolidation, folder / "master.xlsx").master


def cell(sheet: str, key: str, index: int) -> tuple[str, str]:
    """(sheet, A1 reference) of column ``key`` on the row of case ``index``."""
    return sheet, f"{layouts((2022, 2023))[sheet].letter(key)}{FIRST_DATA_ROW + index}"


def on_sheets(cells: dict[tuple[str, str], Any], *sheets: str) -> dict[tuple[str, str], Any]:
    return {k: v for k, v in cells.items() if k[0] in sheets}


@pytest.fixture(scope="module")
def soffice() -> str:
    return require_soffice()


@pytest.fixture
def master(tmp_path: Path) -> Path:
    return write_cases(tmp_path)


def test_recalculated_formulas_equal_the_cached_python_values(soffice, master, tmp_path):
    cached = on_sheets(cached_formula_values(master), FIGURES, KPIS)
    mismatch_rows = sum(1 for r in ROWS if r.curr_unit)  # static values: no formula would fit
    # 増減/増減率/評価 per figure; per KPI also 達成率 and 進捗率 (a formula giving "" without 基準値)
    assert len(cached) == 3 * (len(ROWS) - mismatch_rows) + 5 * len(TARGETS)
    recalculated = recalculate(master, tmp_path)

    assert mismatches(master, recalculated) == {}
    sheet, ref = cell(FIGURES, "change", 0)
    assert str(openpyxl.load_workbook(recalculated)[sheet][ref].value).startswith("=IF(AND(ISNUMBER(")


def test_a_wrong_cached_value_is_caught(soffice, master, tmp_path):
    sheet, ref = cell(FIGURES, "change", 0)  # 498 -> 515 件: 17, cached as 18
    rewrite_cached_value(master, SHEET_ORDER.index(sheet) + 1, ref, "18")
    assert cached_formula_values(master)[(sheet, ref)] == 18  # not recalculated: the lie

    assert mismatches(master, recalculate(master, tmp_path)) == {(sheet, ref): (18, 17)}


def test_a_wrong_cached_text_is_caught(soffice, master, tmp_path):
    index = next(i for i, r in enumerate(ROWS) if r.item == "皆増")
    sheet, ref = cell(FIGURES, "rate", index)
    rewrite_cached_value(master, SHEET_ORDER.index(sheet) + 1, ref, "改竄")

    assert mismatches(master, recalculate(master, tmp_path)) == {(sheet, ref): ("改竄", "皆増")}
