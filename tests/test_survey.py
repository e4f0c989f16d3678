"""The 実績調査 rows assembled from real workbooks: every arithmetic case with expectations
computed by hand (not by kpitool.variance), units, markers and the 達成状況 tallies."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from conftest import ROSTER

from kpitool import codes
from kpitool.config import Config, Department, Grades
from kpitool.model import FIGURE_COLUMNS, KPI_COLUMNS, SURVEY_COLUMNS
from kpitool.reader import read_submission
from kpitool.survey import (
    TOTAL,
    grade_tallies,
    normalize_grade,
    submission_rows,
    tally_sentences,
)
from kpitool.template import FilledData, write_template
from kpitool.validate import validate_submission


def survey_of(path: Path, config: Config, file_name: str) -> Any:
    """The survey rows of a file from the typed values its validation read, as consolidate does."""
    sub = read_submission(path)
    return submission_rows(sub, validate_submission(sub, config).values, config, department="総務部",
                           file_name=file_name)


FIRST_ROW = 4  # the template's header is in row 3, so data starts in Excel row 4
BASIC = {"municipality": "菊川市", "department": "総務部", "head": "菊川 太郎",
         "contact_person": "総務課 山田", "contact": "内線 1", "created": dt.date(2024, 4, 1)}


def fig(item: str, unit: str | None, direction: str, prev: Any, curr: Any, no: str = "1") -> dict[str, Any]:
    return {"initiative_no": no, "item": item, "unit": unit, "direction": direction, "prev": prev, "curr": curr}


def kpi(no: str, unit: str, direction: str, target: Any, prev: Any, curr: Any, grade: str | None = None) -> dict[str, Any]:
    return {"no": no, "policy": "施策", "indicator": f"指標{no}", "unit": unit, "direction": direction,
            "target": target, "prev": prev, "curr": curr, "grade": grade}


FIGURES = [
    fig("提出件数", "件", "↑", 498, "515件"),  # 0 ordinary rate, unit typed in the cell
    fig("マッチング件数", "件", "↑", 0, 11),  # 1 皆増
    fig("C評価件数", "件", "↓", 8, 0),  # 2 皆減, lower is better
    fig("認知度", "%", "↑", 33, "34%"),  # 3 ポイント
    fig("住みよさランキング", "位", "↓", "370位", 360),  # 4 ↓ improvement
    fig("手続数", "手続", "↑", 27, "…"),  # 5 marker 不詳
    fig("合併特例債", "千円", "↑", "1,167,400千円", "347,800千円"),  # 6 千円, both typed
    fig("合併特例債（単位違い）", "千円", "↑", "1,167,400千円", "347,800円"),  # 7 unit mismatch
    fig("寄附件数 増減", "件", "↑", "△1,972", 100),  # 8 △ negative base
    fig("経費削減", "円", "↑", "８，７８２，５４６", 11752258),  # 9 全角
    fig("事務時間削減", "時間", "↑", "2,459.3", 4618),  # 10 decimals
    fig("交付確定額", "円", "↑", 12402000, "集計中"),  # 11 invalid: not a number yet
    fig("開催回数", "回", "上", 2, 3),  # 12 invalid 方向
    fig("該当なし", "件", "↑", "-", "x"),  # 13 markers 該当なし・秘匿
    fig("横ばい", "地区", "↑", 11, 11),  # 14 no change
    fig("単位空欄", None, "↑", "5件", "7件"),  # 15 blank 単位, units typed in the cells
    fig("ゼロからゼロ", "件", "↑", 0, 0),  # 16 both zero
]

KPIS = [
    kpi("1", "件", "↑", 500, 498, 515, "A"),
    kpi("2", "位", "↓", "300位", "370位", 330, "B"),
    kpi("3", "件", "↑", "-", 49, "…"),
    kpi("4", "%", "↑", 39, "…", "34%", "Ｂ"),
    kpi("5", "千円", "↑", "100千円", 90, "95円", "C"),
    kpi("6", "人", "↑", 6, "…", "4.8", "B"),
]


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("survey")
    data = FilledData(
        basic=BASIC, kpis=KPIS, figures=FIGURES,
        survey=[{"no": "1", "viewpoint": "視点1", "initiative": "業務改善", "plan": "方針",
                 "prev": "=498件の提出", "curr": "515件の提出"}],
    )
    path = write_template(folder / "総務部.xlsx", roster=ROSTER, data=data)
    config = Config(municipality="菊川市", departments=tuple(Department(n) for n in ROSTER),
                    grades=Grades(("A", "B", "C"), (1.0, 0.8)))  # rate bands: suggested_grade is set
    return survey_of(path, config, "総務部.xlsx")


def figure(rows: Any, i: int) -> dict[str, Any]:
    return dict(zip(FIGURE_COLUMNS, rows.figures[i], strict=True))


def kpi_row(rows: Any, i: int) -> dict[str, Any]:
    return dict(zip(KPI_COLUMNS, rows.kpis[i], strict=True))


def test_row_shapes(rows: Any) -> None:
    assert len(rows.figures) == len(FIGURES) and len(rows.kpis) == len(KPIS) and len(rows.survey) == 1
    assert all(len(r) == len(FIGURE_COLUMNS) for r in rows.figures)
    assert all(len(r) == len(KPI_COLUMNS) for r in rows.kpis)
    survey = dict(zip(SURVEY_COLUMNS, rows.survey[0], strict=True))
    assert survey == {"department": "総務部", "no": "1", "viewpoint": "視点1", "heading": "",
                      "initiative": "業務改善", "content": "", "plan": "方針", "prev": "=498件の提出", "curr": "515件の提出",
                      "source": f"総務部.xlsx!実績調査!A{FIRST_ROW}"}


def test_ordinary_rate_with_unit_typed_in_the_cell(rows: Any) -> None:
    r = figure(rows, 0)
    assert (r["prev"], r["curr"], r["curr_text"]) == (498.0, 515.0, "515件")
    assert r["change"] == 17 and r["change_unit"] == "件"
    assert r["rate"] == pytest.approx(17 / 498) and r["rate_text"] is None
    assert (r["evaluation"], r["reason"]) == ("改善", None)
    assert r["source"] == f"総務部.xlsx!実績数値!A{FIRST_ROW}"
    assert r["source_prev"] == f"総務部.xlsx!実績数値!E{FIRST_ROW}"
    assert r["source_curr"] == f"総務部.xlsx!実績数値!F{FIRST_ROW}"


def test_increase_from_zero_and_decrease_to_zero(rows: Any) -> None:
    up = figure(rows, 1)
    assert (up["change"], up["rate"], up["rate_text"], up["evaluation"]) == (11, None, "皆増", "改善")
    down = figure(rows, 2)  # 8 -> 0 with ↓: fewer C grades is better
    assert (down["change"], down["rate"], down["rate_text"], down["evaluation"]) == (-8, None, "皆減", "改善")
    zero = figure(rows, 16)
    assert (zero["change"], zero["rate"], zero["rate_text"], zero["evaluation"]) == (0, None, "―", "横ばい")


def test_percent_rows_change_in_points(rows: Any) -> None:
    r = figure(rows, 3)
    assert (r["change"], r["change_unit"], r["rate"], r["rate_text"]) == (1, "ポイント", None, "―")


def test_lower_is_better(rows: Any) -> None:
    r = figure(rows, 4)
    assert (r["prev"], r["change"], r["evaluation"]) == (370, -10, "改善")
    assert r["rate"] == pytest.approx(-10 / 370)


def test_markers_give_no_variance(rows: Any) -> None:
    r = figure(rows, 5)
    assert (r["curr"], r["curr_marker"], r["curr_text"]) == (None, "…", "…")
    assert (r["change"], r["rate"], r["evaluation"], r["reason"]) == (None, None, None, "marker")
    both = figure(rows, 13)
    assert (both["prev_marker"], both["curr_marker"], both["reason"]) == ("-", "x", "marker")


def test_thousand_yen(rows: Any) -> None:
    r = figure(rows, 6)
    assert (r["prev"], r["curr"], r["change"], r["change_unit"]) == (1167400, 347800, -819600, "千円")
    assert r["rate"] == pytest.approx(-819600 / 1167400)
    assert r["evaluation"] == "悪化"


def test_unit_mismatch_gives_no_variance_and_a_finding(rows: Any) -> None:
    r = figure(rows, 7)
    assert (r["prev"], r["curr"]) == (1167400, 347800)  # values kept as written, not converted
    assert (r["change"], r["rate"], r["evaluation"], r["reason"]) == (None, None, None, "unit_mismatch")
    found = {(f.sheet, f.cell): f for f in rows.findings}
    f = found[("実績数値", f"F{FIRST_ROW + 7}")]
    assert f.code == codes.CONS_UNIT_MISMATCH == "W-CONS-003"
    assert "「円」" in f.message and "「千円」" in f.message and "1,000倍" in f.message
    blank = figure(rows, 15)  # no 単位: the typed units cannot be checked, so no guess
    assert blank["reason"] == "unit_mismatch"
    assert ("実績数値", f"E{FIRST_ROW + 15}") in found and "（空欄）" in found[("実績数値", f"E{FIRST_ROW + 15}")].message


def test_negative_full_width_and_decimals(rows: Any) -> None:
    r = figure(rows, 8)
    assert (r["prev"], r["change"]) == (-1972, 2072) and r["rate"] == pytest.approx(2072 / 1972)
    r = figure(rows, 9)
    assert (r["prev"], r["change"]) == (8782546, 2969712)
    r = figure(rows, 10)
    assert r["change"] == 2158.7  # exactly, not 2158.6999999999998
    flat = figure(rows, 14)
    assert (flat["change"], flat["rate"], flat["evaluation"]) == (0, 0, "横ばい")


def test_invalid_values_and_directions_give_no_variance(rows: Any) -> None:
    r = figure(rows, 11)
    assert (r["curr"], r["curr_text"], r["change"], r["reason"]) == (None, "集計中", None, "invalid")
    r = figure(rows, 12)
    assert (r["change"], r["evaluation"], r["reason"]) == (None, None, "invalid")


def test_kpi_achievement_and_suggested_grade(rows: Any) -> None:
    r = kpi_row(rows, 0)
    assert r["achievement"] == pytest.approx(515 / 500) and r["suggested_grade"] == "A"
    assert (r["change"], r["grade"]) == (17, "A")
    assert r["source_target"] == f"総務部.xlsx!事業成果目標!H{FIRST_ROW}"
    r = kpi_row(rows, 1)  # rank, lower is better: 目標 / 実績
    assert r["achievement"] == pytest.approx(300 / 330) and r["suggested_grade"] == "B"
    assert (r["target"], r["target_text"], r["change"], r["evaluation"]) == (300, "300位", -40, "改善")
    r = kpi_row(rows, 2)
    assert (r["target"], r["target_marker"], r["achievement"], r["suggested_grade"]) == (None, "-", None, None)
    r = kpi_row(rows, 3)
    assert r["achievement"] == pytest.approx(34 / 39) and r["suggested_grade"] == "B"
    assert r["reason"] == "marker"
    r = kpi_row(rows, 5)  # 4.8 / 6 is 0.7999999999999999 in binary, but 80 % to the department
    assert r["suggested_grade"] == "B"


def test_kpi_unit_mismatch_gives_no_achievement(rows: Any) -> None:
    r = kpi_row(rows, 4)
    assert (r["achievement"], r["suggested_grade"], r["reason"]) == (None, None, "unit_mismatch")
    cells = {f.cell for f in rows.findings if f.sheet == "事業成果目標"}
    assert cells == {f"K{FIRST_ROW + 4}"}  # 95円 under 千円; 100千円 matches its row


def test_percent_formatted_cell_reads_as_percent(tmp_path: Path) -> None:
    data = FilledData(basic=BASIC, figures=[fig("認知度", "%", "↑", 33, 0)])
    path = write_template(tmp_path / "p.xlsx", roster=ROSTER, data=data)
    wb = openpyxl.load_workbook(path)
    ws = wb["実績数値"]
    ws[f"F{FIRST_ROW}"].value = 0.348
    ws[f"F{FIRST_ROW}"].number_format = "0.0%"
    wb.save(path)
    config = Config(municipality="菊川市", departments=(Department("総務部"),))
    out = survey_of(path, config, "p.xlsx")
    r = figure(out, 0)
    assert (r["curr"], r["curr_text"], r["change"], r["change_unit"]) == (34.8, "34.8%", pytest.approx(1.8), "ポイント")
    assert out.findings == []


# --- tallies ------------------------------------------------------------------------------


def frame(pairs: list[tuple[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame({"department": [d for d, _ in pairs], "grade": pd.Series([g for _, g in pairs], dtype=object)})


def test_tallies_per_department_and_total() -> None:
    config = Config(municipality="菊川市", departments=(Department("総務部"), Department("財務部")))
    kpis = frame([("総務部", "A"), ("総務部", "Ａ"), ("総務部", None), ("財務部", "B"), ("財務部", "C"),
                  ("財務部", "Z"), ("財務部", " A ")])
    tallies = grade_tallies(kpis, config)
    assert tallies == {
        "総務部": {"A": 2, "B": 0, "C": 0, "未評価": 1},
        "財務部": {"A": 1, "B": 1, "C": 1, "未評価": 1},
        TOTAL: {"A": 3, "B": 1, "C": 1, "未評価": 2},
    }
    assert list(tallies) == ["総務部", "財務部", TOTAL]


def test_tally_sentence_as_published() -> None:
    counts = {"A": 49, "B": 3, "C": 8, "未評価": 0}
    assert tally_sentences({TOTAL: counts}, Grades(), "重点施策")[TOTAL] == (
        "重点施策60件のうち、A（目標どおり達成）49件、B（達成したが課題が残る）3件、C（達成できなかった）8件"
    )
    assert tally_sentences({TOTAL: counts}, Grades())[TOTAL].startswith("成果指標60件のうち、")


def test_configured_grades() -> None:
    config = Config(municipality="市", departments=(Department("総務部"),),
                    grades=Grades(("S", "A", "B", "C"), (1.2, 1.0, 0.8)))
    assert config.grades.letters == ("S", "A", "B", "C")
    assert normalize_grade("Ｓ", config.grades) == "S"
    assert normalize_grade(float("nan"), config.grades) is None
    tallies = grade_tallies(frame([("総務部", "S"), ("総務部", "A")]), config)
    assert tallies[TOTAL] == {"S": 1, "A": 1, "B": 0, "C": 0, "未評価": 0}


def test_empty_kpis_tally() -> None:
    config = Config(municipality="市", departments=(Department("総務部"),))
    assert grade_tallies(frame([]), config) == {TOTAL: {"A": 0, "B": 0, "C": 0, "未評価": 0}}
