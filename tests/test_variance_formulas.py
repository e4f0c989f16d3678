"""The Excel formulas of kpitool.variance compute what Python cached, as LibreOffice sees it.

A workbook with one row per arithmetic case is written with XlsxWriter (formulas plus the
Python results as cached values), recalculated by LibreOffice with a profile that forces
recalculation, and read back: every formula cell must equal the value Python cached. A
second workbook carries one wrong cached value on purpose, to prove that the recalculation
really happens and that the comparison notices.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from libreoffice import recalculate, require_soffice, same

from kpitool.variance import (
    ACHIEVEMENT_FORMAT,
    POINT_FORMAT,
    RATE_FORMAT,
    achievement_formula,
    achievement_rate,
    cached_achievement,
    cached_change,
    cached_evaluation,
    cached_rate,
    change_format,
    change_formula,
    decimals_shown,
    evaluation_formula,
    is_percent_unit,
    rate_formula,
    variance,
)

pytestmark = [pytest.mark.libreoffice, pytest.mark.slow]


Cell = tuple[str, str]  # (sheet, A1 reference)


@dataclass(frozen=True)
class Row:
    """One 実績数値 row: values as the writer puts them (markers as text, blanks as None)."""

    item: str
    unit: str
    direction: str
    prev: float | str | None
    curr: float | str | None
    curr_unit: str | None = None  # a unit typed in the 当年度 cell


def number(cell: float | str | None) -> float | None:
    """The numeric value of a cell as the reader would hand it over."""
    return cell if isinstance(cell, int | float) else None


def marker(cell: float | str | None) -> str | None:
    """The statistical marker of a cell, if it holds one."""
    return cell if isinstance(cell, str) else None


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


def write_workbook(path: Path, sabotage: Cell | None = None) -> dict[Cell, float | str]:
    """Write the cases as the master's writer would; return the cached value of each formula.

    With ``sabotage``, that one cell gets a wrong cached value, and the returned map holds
    the wrong value, as a buggy writer would have believed.
    """
    expected: dict[Cell, float | str] = {}
    workbook = xlsxwriter.Workbook(str(path))
    rate_format = workbook.add_format({"num_format": RATE_FORMAT})
    point_format = workbook.add_format({"num_format": POINT_FORMAT})
    achievement_format = workbook.add_format({"num_format": ACHIEVEMENT_FORMAT})

    def formula(sheet, cell: str, text: str, fmt, cached: float | str) -> None:
        if (sheet.name, cell) == sabotage:
            cached = cached + 1 if isinstance(cached, float) else "改竄"
        sheet.write_formula(cell, text, fmt, cached)
        expected[(sheet.name, cell)] = cached

    figures = workbook.add_worksheet("実績数値")
    figures.write_row(0, 0, ["項目", "単位", "方向", "前年度", "当年度", "増減", "増減率", "評価"])
    for index, row in enumerate(ROWS, start=2):
        v = variance(
            number(row.prev),
            number(row.curr),
            unit=row.unit,
            direction=row.direction,
            prev_marker=marker(row.prev),
            curr_marker=marker(row.curr),
            curr_unit=row.curr_unit,
        )
        figures.write_row(f"A{index}", [row.item, row.unit, row.direction])
        for column, cell in (("D", row.prev), ("E", row.curr)):
            if isinstance(cell, str):
                figures.write_string(f"{column}{index}", cell)
            elif cell is not None:
                figures.write_number(f"{column}{index}", cell)
        prev, curr, direction = f"D{index}", f"E{index}", f"C{index}"
        percent = is_percent_unit(row.unit)
        if v.reason == "unit_mismatch":  # two numbers the formula would subtract
            figures.write_string(f"F{index}", "")
            figures.write_string(f"G{index}", "")
        else:
            places = decimals_shown(number(row.prev), number(row.curr))
            change_fmt = (
                point_format
                if percent
                else workbook.add_format({"num_format": change_format(places)})
            )
            formula(figures, f"F{index}", change_formula(prev, curr), change_fmt, cached_change(v))
            formula(
                figures, f"G{index}", rate_formula(prev, curr, percent), rate_format, cached_rate(v)
            )
        formula(
            figures,
            f"H{index}",
            evaluation_formula(f"F{index}", direction),
            None,
            cached_evaluation(v),
        )

    targets = workbook.add_worksheet("事業成果目標")
    targets.write_row(0, 0, ["指標名", "方向", "目標値", "実績", "達成率"])
    for index, (name, direction, target, actual) in enumerate(TARGETS, start=2):
        targets.write_row(f"A{index}", [name, direction])
        for column, cell in (("C", target), ("D", actual)):
            if cell is not None:
                targets.write(f"{column}{index}", cell)
        rate = achievement_rate(number(target), number(actual), direction)
        formula(
            targets,
            f"E{index}",
            achievement_formula(f"C{index}", f"D{index}", f"B{index}"),
            achievement_format,
            cached_achievement(rate),
        )

    workbook.close()
    return expected


def read_values(path: Path, cells: dict[Cell, object]) -> dict[Cell, object]:
    """The values stored for ``cells``.

    LibreOffice stores an empty text result as ``t="str"`` with ``<v></v>``, which openpyxl
    reads as None; that one case reads as ``""``. (XlsxWriter caches ``""`` as an untyped
    ``<v></v>``, so an unrecalculated file reads None there and does not compare equal.)
    """
    workbook = openpyxl.load_workbook(path, data_only=True)
    values: dict[Cell, object] = {}
    for sheet, ref in cells:
        cell = workbook[sheet][ref]
        value = cell.value
        if value is None and cell.data_type == "str":  # openpyxl's reading of an empty string
            value = ""
        values[(sheet, ref)] = value
    return values



def mismatches(path: Path, expected: dict[Cell, float | str]) -> dict[Cell, tuple[object, object]]:
    """Cells whose stored value differs from the expected one: {cell: (expected, stored)}."""
    actual = read_values(path, expected)
    return {
        cell: (value, actual[cell])
        for cell, value in expected.items()
        if not same(value, actual[cell])
    }


@pytest.fixture(scope="module")
def soffice() -> str:
    return require_soffice()


def test_recalculated_formulas_equal_the_cached_python_values(soffice, tmp_path):
    source = tmp_path / "variance-cases.xlsx"
    expected = write_workbook(source)
    assert len(expected) == 3 * len(ROWS) - 2 + len(TARGETS)  # no formula on the mismatch row
    recalculated = recalculate(source, tmp_path)

    assert mismatches(recalculated, expected) == {}
    formulas = openpyxl.load_workbook(recalculated)["実績数値"]
    assert str(formulas["F2"].value).startswith("=IF(AND(ISNUMBER(D2)")  # still live formulas


def test_a_wrong_cached_value_is_caught(soffice, tmp_path):
    source = tmp_path / "sabotaged.xlsx"
    sabotaged = ("実績数値", "F2")  # 498 -> 515 件: 17, cached as 18
    expected = write_workbook(source, sabotage=sabotaged)
    assert expected[sabotaged] == 18
    assert read_values(source, {sabotaged: 18}) == {sabotaged: 18}  # not recalculated: the lie

    recalculated = recalculate(source, tmp_path)

    assert mismatches(recalculated, expected) == {sabotaged: (18, 17)}


def test_a_wrong_cached_text_is_caught(soffice, tmp_path):
    source = tmp_path / "sabotaged-text.xlsx"
    sabotaged = ("実績数値", "G15")  # the 皆増 row
    expected = write_workbook(source, sabotage=sabotaged)
    assert expected[sabotaged] == "改竄"

    recalculated = recalculate(source, tmp_path)

    assert mismatches(recalculated, expected) == {sabotaged: ("改竄", "皆増")}
