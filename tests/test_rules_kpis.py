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
    path = filled(tmp_path, kpis={0: {"policy": None, "target": "-", "prev": "-", "curr": "-",
                                       "grade": None, "note": None}})
    assert rows(path) == []


def test_empty_target_without_note_is_a_warning(tmp_path: Path) -> None:
    """An empty 目標値 would silently count as 目標なし (never graded): most likely forgotten."""
    (finding,) = findings(filled(tmp_path, kpis={0: {"target": None, "grade": None, "note": None}}))
    assert finding.compact() == ("事業成果目標", "H4", codes.KPI_TARGET_EMPTY)
    assert finding.message == "「目標値」も備考も入力されていないため、目標なしとして扱い、達成率を計算しません。"
    assert "-（該当なし）" in finding.hint


@pytest.mark.parametrize("key, cell, label", [("prev", "J4", "令和4年度実績"), ("curr", "K4", "令和5年度実績")])
def test_empty_result_is_a_warning(tmp_path: Path, key: str, cell: str, label: str) -> None:
    """An empty 実績 is never graded: most likely forgotten (- and … say it on purpose)."""
    (finding,) = findings(filled(tmp_path, kpis={0: {key: None, "grade": None}}))
    assert finding.compact() == ("事業成果目標", cell, codes.KPI_RESULT_EMPTY)
    assert finding.label == label


@pytest.mark.parametrize("prev, curr", [("-", "…"), ("…", "-"), ("x", 12)])
def test_result_said_on_purpose_is_no_warning(tmp_path: Path, prev: str, curr: object) -> None:
    path = filled(tmp_path, kpis={0: {"prev": prev, "curr": curr, "grade": None}})
    assert codes.KPI_RESULT_EMPTY not in [code for _sheet, _cell, code in rows(path)]


@pytest.mark.parametrize("target, note", [
    ("-", None),  # 該当なし: no target, said on purpose
    ("すべての項目", "全項目の実施を目標とする"),  # a described (定性) target
    (None, "目標は次期計画で設定する"),  # empty, explained in 備考: 定性
])
def test_target_said_on_purpose_is_no_warning(tmp_path: Path, target: str | None, note: str | None) -> None:
    path = filled(tmp_path, kpis={0: {"target": target, "grade": None, "note": note}})
    assert codes.KPI_TARGET_EMPTY not in [code for _sheet, _cell, code in rows(path)]


@pytest.mark.parametrize("typed", ["上", "←", "↑↓", "高"])
def test_direction(tmp_path: Path, typed: str) -> None:
    assert rows(filled(tmp_path, kpis={0: {"direction": typed}})) == [("事業成果目標", "E4", codes.KPI_BAD_DIRECTION)]


@pytest.mark.parametrize("typed", ["D", "S", "a", "Ａ", "達成"])
def test_grade_outside_the_configured_grades(tmp_path: Path, typed: str) -> None:
    (finding,) = findings(filled(tmp_path, kpis={0: {"grade": typed}}))
    assert finding.compact() == ("事業成果目標", "L4", codes.KPI_BAD_GRADE)
    assert finding.message == f"達成状況「{typed}」は区分（A・B・C）にありません。"


# --- grade schemes (issue 11) -------------------------------------------------------------

RATE_SABC = Grades(("S", "A", "B", "C"), (1.2, 1.0, 0.8))  # letters + minimum_rates: the rate scheme
JUDGEMENT_RULE = "A（目標どおり達成）・B（達成したが課題が残る）は達成率100%以上、C（達成できなかった）は達成率100%未満。区分は各部局が判断します。"


def test_judgement_b_above_target_passes_silently(tmp_path: Path) -> None:
    """菊川市: B 達成したが課題が残る is an achieved target; 52,000 of 50,000 (104 %) is fine."""
    path = filled(tmp_path, kpis={0: {"target": 50_000, "curr": 52_000, "grade": "B"}})
    assert rows(path) == []


def test_judgement_a_below_target_warns_with_the_rule(tmp_path: Path) -> None:
    path = filled(tmp_path, kpis={0: {"target": 50_000, "curr": 47_500, "grade": "A"}})
    (finding,) = findings(path)
    assert finding.compact() == ("事業成果目標", "L4", codes.KPI_GRADE_INCONSISTENT)
    assert not finding.is_error
    assert finding.message == (
        "達成状況「A（目標どおり達成）」は達成率100%以上の区分ですが、目標値 50,000 と実績 47,500 から計算した達成率は 95.0% です。"
    )
    assert finding.hint == f"目標値・実績・方向の値を確認してください。区分の基準: {JUDGEMENT_RULE}"


@pytest.mark.parametrize("letter", ["A", "B", "C"])
def test_judgement_never_proposes_another_letter(tmp_path: Path, letter: str) -> None:
    target, curr = (50_000, 42_500) if letter != "C" else (50_000, 52_000)
    (finding,) = findings(filled(tmp_path, kpis={0: {"target": target, "curr": curr, "grade": letter}}))
    others = {"A", "B", "C"} - {letter}
    assert not any(f"「{other}」" in finding.message + finding.hint for other in others)
    assert not any(word in finding.message + finding.hint for word in ("ではありませんか", "にしてください", "では「"))


def test_judgement_c_at_or_above_target_warns(tmp_path: Path) -> None:
    path = filled(tmp_path, kpis={0: {"target": 500, "curr": 500, "grade": "C"}})
    (finding,) = findings(path)
    assert finding.message.startswith("達成状況「C（達成できなかった）」は達成率100%未満の区分ですが、")


def test_judgement_boundary_is_not_lost_to_float_noise(tmp_path: Path) -> None:
    """0.3 / 0.1 … : 達成率 exactly 100 % after rounding stays achieved."""
    kpi = {"target": 0.3, "prev": "-", "curr": 0.30000000000000004, "grade": "A"}
    assert rows(filled(tmp_path, kpis={0: kpi})) == []


def test_rate_boundary_is_not_lost_to_float_noise(tmp_path: Path) -> None:
    """4.8 / 6 is 0.7999999999999999 in binary but 80% (B) to the department."""
    config = make_config(grades=RATE_SABC)
    path = filled(tmp_path, kpis={0: {"target": 6, "prev": 5, "curr": 4.8, "grade": "B"}, 1: {"grade": "B"}})
    assert rows(path, config) == []


def test_rate_grade_outside_its_band_warns_with_the_band(tmp_path: Path) -> None:
    config = make_config(grades=RATE_SABC)
    path = filled(tmp_path, kpis={0: {"target": 500, "curr": 390, "grade": "A"}, 1: {"grade": "B"}})
    (finding,) = findings(path, config)
    assert finding.compact() == ("事業成果目標", "L4", codes.KPI_GRADE_INCONSISTENT)
    assert finding.message == (
        "達成状況「A（達成率100%以上120%未満）」は達成率100%以上120%未満の区分ですが、"
        "目標値 500 と実績 390 から計算した達成率は 78.0% です。"
    )
    assert "S: 達成率120%以上、A: 達成率100%以上120%未満、B: 達成率80%以上100%未満、C: 達成率80%未満" in finding.hint


def test_grade_follows_direction_down(tmp_path: Path) -> None:
    """順位 300位 目標, 370位 実績, ↓: 達成率 = 目標 / 実績 = 81 %: C under judgement, B in the rate bands."""
    kpi = {"no": "9", "indicator": "住みよさランキング", "unit": "位", "direction": "↓",
           "target": "300位", "prev": "…", "curr": "370位"}
    assert rows(filled(tmp_path, kpis={2: {**kpi, "grade": "C"}})) == []
    assert rows(filled(tmp_path, "b.xlsx", kpis={2: {**kpi, "grade": "B"}})) == [
        ("事業成果目標", "L6", codes.KPI_GRADE_INCONSISTENT)
    ]
    path = filled(tmp_path, "r.xlsx", kpis={1: {"grade": "B"}, 2: {**kpi, "grade": "B"}})
    assert rows(path, make_config(grades=RATE_SABC)) == []


def test_grade_letters_come_from_the_config(tmp_path: Path) -> None:
    config = make_config(grades=RATE_SABC)
    path = filled(tmp_path, kpis={0: {"target": 400, "curr": 515, "grade": "S"}, 1: {"grade": "B"}})
    assert rows(path, config) == []
    # under the default judgement rule S is no letter, and B at 34 / 39 = 87 % misses the target
    assert rows(path) == [("事業成果目標", "L4", codes.KPI_BAD_GRADE), ("事業成果目標", "L5", codes.KPI_GRADE_INCONSISTENT)]


def test_neutral_direction_has_no_grade_check(tmp_path: Path) -> None:
    """→ 参考値: no 達成率, so no grade rule to break."""
    path = filled(tmp_path, kpis={0: {"direction": "→", "target": 500, "curr": 100, "grade": "A"}})
    assert rows(path) == []


# --- directions, years, qualitative targets (issue 11) -------------------------------------


@pytest.mark.parametrize("unit", ["位", "番目", "順位"])
def test_rank_with_up_warns(tmp_path: Path, unit: str) -> None:
    kpi = {"no": "9", "indicator": "住みよさランキング", "unit": unit, "direction": "↑",
           "target": 300, "prev": "…", "curr": 318, "grade": None}
    (finding,) = findings(filled(tmp_path, kpis={2: kpi}))
    assert finding.compact() == ("事業成果目標", "E6", codes.UNIT_RANK_UP)
    assert finding.message.startswith(f"単位「{unit}」は順位ですが、方向が「↑（高いほど良い）」です。")


def test_rank_with_down_or_percent_either_way_passes(tmp_path: Path) -> None:
    path = filled(tmp_path, kpis={0: {"unit": "%", "direction": "↓", "target": 39, "curr": 34, "grade": "A"},
                                  2: {"no": "9", "indicator": "順位", "unit": "位", "direction": "↓",
                                      "target": 300, "prev": "…", "curr": 290, "grade": "A"}})
    assert rows(path) == []


def test_rank_with_up_on_figures_warns(tmp_path: Path) -> None:
    path = filled(tmp_path, figures={0: {"unit": "位", "direction": "↑", "prev": 370, "curr": 318}})
    assert rows(path) == [("実績数値", "D4", codes.UNIT_RANK_UP)]


@pytest.mark.parametrize("typed", [2016, "2016", "2016年度", "平成28年度", "H28", "Ｈ２８年度"])
def test_base_year_in_any_era(tmp_path: Path, typed: object) -> None:
    path = filled(tmp_path, kpis={0: {"base": 480, "base_year": typed, "target_year": "令和6年度"}})
    assert rows(path) == []


@pytest.mark.parametrize("typed", ["昔", "20160", "令和100年度", 1.5])
def test_unreadable_year_is_an_error(tmp_path: Path, typed: object) -> None:
    (finding,) = findings(filled(tmp_path, kpis={0: {"base_year": typed}}))
    assert finding.compact() == ("事業成果目標", "G4", codes.KPI_BAD_YEAR)


def test_target_year_before_base_year_warns(tmp_path: Path) -> None:
    path = filled(tmp_path, kpis={0: {"base": 480, "base_year": 2022, "target_year": 2016}})
    assert rows(path) == [("事業成果目標", "I4", codes.KPI_YEAR_ORDER)]


def test_qualitative_target_text_is_accepted(tmp_path: Path) -> None:
    """真庭市: 指標「総合戦略の評価検証によりすべての基本目標においてA評価以上」, 目標値「すべての項目」."""
    kpi = {"no": "9", "indicator": "総合戦略の評価検証によりすべての基本目標においてA評価以上", "unit": "項目",
           "direction": "↑", "target": "すべての項目", "prev": "…", "curr": "…", "grade": "A",
           "note": "定性の目標（すべての基本目標でA評価以上）"}
    assert rows(filled(tmp_path, kpis={2: kpi})) == []


@pytest.mark.parametrize(("typed", "code"), [("約60人", codes.NUM_APPROXIMATE), ("集計中", codes.NUM_PENDING)])
def test_numbers_written_wrongly_stay_errors_in_the_target(tmp_path: Path, typed: str, code: str) -> None:
    assert rows(filled(tmp_path, kpis={0: {"target": typed}})) == [("事業成果目標", "H4", code)]


def test_text_in_an_actual_is_still_an_error(tmp_path: Path) -> None:
    assert rows(filled(tmp_path, kpis={0: {"curr": "すべての項目", "grade": None}})) == [
        ("事業成果目標", "K4", codes.NUM_NOT_A_NUMBER)
    ]


def test_no_grade_check_without_a_rate(tmp_path: Path) -> None:
    """目標値 - (該当なし) or 0: no 達成率, so any grade stands."""
    path = filled(tmp_path, kpis={0: {"target": "-", "grade": "C"}, 1: {"target": 0, "grade": "A"}})
    assert rows(path) == []


def test_target_and_actual_of_different_magnitude(tmp_path: Path) -> None:
    path = filled(tmp_path, kpis={0: {"unit": "千円", "target": 1_000_000, "prev": 990, "curr": 1_020, "grade": None}})
    (finding,) = findings(path)
    assert finding.compact() == ("事業成果目標", "K4", codes.UNIT_TARGET_JUMP)
    assert finding.message == "目標値 1,000,000 と実績 1,020 で約980倍の差があります（円と千円の取り違えの可能性があります）。"


def test_year_jump_on_kpis(tmp_path: Path) -> None:
    path = filled(tmp_path, kpis={0: {"target": "-", "prev": 498_000, "curr": 515, "grade": None}})
    assert rows(path) == [("事業成果目標", "K4", codes.UNIT_YEAR_JUMP)]


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
