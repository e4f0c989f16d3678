"""Rules of the 事業成果目標 sheet: 番号, required columns, 方向, 達成状況 and orders of magnitude."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from workbooks import filled, findings, make_config, rows

from kpitool import codes
from kpitool.config import Grades


def test_duplicate_number_points_at_the_repeat(tmp_path: Path) -> None:
    path = filled(tmp_path, kpis={1: {"no": "1"}})
    (finding,) = findings(path)
    assert finding.compact() == ("事業成果目標", "A5", codes.KPI_DUPLICATE_NO)
    assert finding.message == "番号「1」がセルA4と重複しています。"


def test_duplicate_number_written_in_zenkaku(tmp_path: Path) -> None:
    path = filled(tmp_path, kpis={0: {"no": "1-1"}, 1: {"no": "１－１"}})
    assert rows(path) == [("事業成果目標", "A5", codes.KPI_DUPLICATE_NO)]


@pytest.mark.parametrize(
    ("key", "cell", "label"),
    [("no", "A4", "番号"), ("indicator", "C4", "指標名"), ("unit", "D4", "単位"), ("direction", "E4", "方向")],
)
def test_required_columns(tmp_path: Path, key: str, cell: str, label: str) -> None:
    (finding,) = findings(filled(tmp_path, kpis={0: {key: None}}))
    assert finding.compact() == ("事業成果目標", cell, codes.KPI_REQUIRED)
    assert finding.label == label
    assert finding.message == f"「{label}」が入力されていません。"


def test_required_hint_is_the_templates_input_message(tmp_path: Path) -> None:
    (finding,) = findings(filled(tmp_path, kpis={0: {"unit": None}}))
    assert finding.hint == "単位を入力してください（人、件、円、千円、%、位など）。"


def test_optional_columns_may_stay_empty(tmp_path: Path) -> None:
    path = filled(tmp_path, kpis={0: {"policy": None, "target": None, "prev": None, "curr": None,
                                       "grade": None, "note": None}})
    assert rows(path) == []


@pytest.mark.parametrize("typed", ["上", "→", "↑↓", "高"])
def test_direction(tmp_path: Path, typed: str) -> None:
    assert rows(filled(tmp_path, kpis={0: {"direction": typed}})) == [("事業成果目標", "E4", codes.KPI_BAD_DIRECTION)]


@pytest.mark.parametrize("typed", ["D", "S", "a", "Ａ", "達成"])
def test_grade_outside_the_configured_grades(tmp_path: Path, typed: str) -> None:
    (finding,) = findings(filled(tmp_path, kpis={0: {"grade": typed}}))
    assert finding.compact() == ("事業成果目標", "I4", codes.KPI_BAD_GRADE)
    assert finding.message == f"達成状況「{typed}」は区分（A・B・C）にありません。"


def test_grade_inconsistent_with_the_achievement_rate_is_a_warning(tmp_path: Path) -> None:
    path = filled(tmp_path, kpis={0: {"target": 500, "curr": 390, "grade": "A"}})
    (finding,) = findings(path)
    assert finding.compact() == ("事業成果目標", "I4", codes.KPI_GRADE_INCONSISTENT)
    assert not finding.is_error
    assert finding.message == "達成状況は「A」ですが、目標値 500 と実績 390 から計算した達成率 78.0% では「C」です。"
    assert finding.hint == "達成状況か、目標値・実績の値を確認してください（区分の基準: A: 100%以上、B: 80%以上、C: それ未満）。"


def test_grade_boundary_is_not_lost_to_float_noise(tmp_path: Path) -> None:
    """4.8 / 6 is 0.7999999999999999 in binary but 80% (B) to the department."""
    assert rows(filled(tmp_path, kpis={0: {"target": 6, "curr": 4.8, "grade": "B"}})) == []


def test_grade_follows_direction_down(tmp_path: Path) -> None:
    """順位 300位 目標, 370位 実績, ↓: 達成率 = 目標 / 実績 = 81% (B)."""
    kpi = {"no": "9", "indicator": "住みよさランキング", "unit": "位", "direction": "↓",
           "target": "300位", "prev": "…", "curr": "370位"}
    assert rows(filled(tmp_path, kpis={2: {**kpi, "grade": "B"}})) == []
    assert rows(filled(tmp_path, "c.xlsx", kpis={2: {**kpi, "grade": "C"}})) == [
        ("事業成果目標", "I6", codes.KPI_GRADE_INCONSISTENT)
    ]


def test_grade_thresholds_come_from_the_config(tmp_path: Path) -> None:
    config = make_config(grades=Grades(("S", "A", "B", "C"), (1.2, 1.0, 0.8)))
    path = filled(tmp_path, kpis={0: {"target": 400, "curr": 515, "grade": "S"}, 1: {"grade": "B"}})
    assert rows(path, config) == []
    assert rows(path) == [("事業成果目標", "I4", codes.KPI_BAD_GRADE)]


def test_no_grade_check_without_a_rate(tmp_path: Path) -> None:
    """目標値 - (該当なし) or 0: no 達成率, so any grade stands."""
    path = filled(tmp_path, kpis={0: {"target": "-", "grade": "C"}, 1: {"target": 0, "grade": "A"}})
    assert rows(path) == []


def test_target_and_actual_of_different_magnitude(tmp_path: Path) -> None:
    path = filled(tmp_path, kpis={0: {"unit": "千円", "target": 1_000_000, "prev": 990, "curr": 1_020, "grade": None}})
    (finding,) = findings(path)
    assert finding.compact() == ("事業成果目標", "H4", codes.UNIT_TARGET_JUMP)
    assert finding.message == "目標値 1,000,000 と実績 1,020 で約980倍の差があります（円と千円の取り違えの可能性があります）。"


def test_year_jump_on_kpis(tmp_path: Path) -> None:
    path = filled(tmp_path, kpis={0: {"target": None, "prev": 498_000, "curr": 515, "grade": None}})
    assert rows(path) == [("事業成果目標", "H4", codes.UNIT_YEAR_JUMP)]


def test_number_turned_into_a_date_by_excel(tmp_path: Path) -> None:
    """Excel reads 1-1 typed in a General cell as 1月1日."""
    import datetime as dt

    path = filled(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["事業成果目標"]["A4"] = dt.datetime(2024, 1, 1)
    wb["事業成果目標"]["A4"].number_format = "m月d日"
    wb.save(path)
    (finding,) = findings(path)
    assert finding.compact() == ("事業成果目標", "A4", codes.CELL_ID_AS_DATE)
    assert finding.value == "2024-01-01"
