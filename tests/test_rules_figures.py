"""Rules of the 実績調査 and 実績数値 sheets: 番号, references, items, both years, year jumps."""

from __future__ import annotations

from pathlib import Path

import pytest
from workbooks import filled, findings, make_config, rows

from kpitool import codes

SURVEY_2 = {"no": "2", "viewpoint": "視点1", "initiative": "人材育成", "plan": "", "prev": "研修91講座", "curr": "研修102講座"}


# --- 実績調査 ------------------------------------------------------------------------------


def test_survey_duplicate_number(tmp_path: Path) -> None:
    path = filled(tmp_path, survey={1: {**SURVEY_2, "no": "1"}})
    (finding,) = findings(path)
    assert finding.compact() == ("実績調査", "A5", codes.SURVEY_DUPLICATE_NO)
    assert finding.message == "番号「1」がセルA4と重複しています。"


@pytest.mark.parametrize(("key", "cell"), [("no", "A4"), ("viewpoint", "B4"), ("initiative", "C4")])
def test_survey_required(tmp_path: Path, key: str, cell: str) -> None:
    path = filled(tmp_path, survey={0: {key: None}}, figures=[])
    assert ("実績調査", cell, codes.SURVEY_REQUIRED) in rows(path)


def test_survey_year_left_empty_is_a_warning(tmp_path: Path) -> None:
    (finding,) = findings(filled(tmp_path, survey={0: {"prev": None}}))
    assert finding.compact() == ("実績調査", "F4", codes.SURVEY_YEAR_EMPTY)
    assert finding.message == "「令和4年度実績」が入力されていません。"


def test_survey_year_marked_none_passes(tmp_path: Path) -> None:
    assert rows(filled(tmp_path, survey={0: {"prev": "-"}})) == []


# --- 実績数値 ------------------------------------------------------------------------------


def test_figure_refers_to_a_missing_initiative(tmp_path: Path) -> None:
    path = filled(tmp_path, survey={1: SURVEY_2}, figures={1: {"initiative_no": "3-2"}})
    (finding,) = findings(path)
    assert finding.compact() == ("実績数値", "A5", codes.FIG_UNKNOWN_INITIATIVE)
    assert finding.message == "取り組み番号「3-2」は実績調査シートにありません。"
    assert finding.hint == "実績調査シートの番号（1、2）から入力してください。"


def test_figure_refers_to_a_number_written_differently(tmp_path: Path) -> None:
    """１ (全角) and 1 are the same 取り組み; a number typed as a number is its text."""
    path = filled(tmp_path, survey={0: {"no": 1}}, figures={0: {"initiative_no": "１"}})
    assert rows(path) == []


def test_no_reference_findings_without_a_survey_sheet(tmp_path: Path) -> None:
    import openpyxl

    path = filled(tmp_path)
    wb = openpyxl.load_workbook(path)
    del wb["実績調査"]
    wb.save(path)
    assert rows(path) == [("実績調査", "", codes.STRUCT_MISSING_SHEET)]


def test_duplicate_item_within_an_initiative(tmp_path: Path) -> None:
    path = filled(tmp_path, survey={1: SURVEY_2}, figures={
        2: {"item": "提出件数"},  # same 取り組み 1 as row 0
        3: {"initiative_no": "2", "item": "提出件数", "unit": "件", "direction": "↑", "prev": 1, "curr": 2},
    })
    (finding,) = findings(path)
    assert finding.compact() == ("実績数値", "B6", codes.FIG_DUPLICATE_ITEM)
    assert finding.message == "取り組み番号「1」の項目「提出件数」がセルB4と重複しています。"


@pytest.mark.parametrize(("key", "cell"), [("initiative_no", "A5"), ("item", "B5"), ("unit", "C5"),
                                           ("direction", "D5"), ("prev", "E5"), ("curr", "F5")])
def test_figure_required(tmp_path: Path, key: str, cell: str) -> None:
    assert rows(filled(tmp_path, figures={1: {key: None}})) == [("実績数値", cell, codes.FIG_REQUIRED)]


def test_empty_year_hint_names_the_markers(tmp_path: Path) -> None:
    (finding,) = findings(filled(tmp_path, figures={1: {"curr": None}}))
    assert finding.hint == "令和5年度の数値を入力してください。該当なしは -、不詳は …、秘匿は x。"


def test_figure_direction(tmp_path: Path) -> None:
    assert rows(filled(tmp_path, figures={0: {"direction": "↗"}})) == [("実績数値", "D4", codes.FIG_BAD_DIRECTION)]


def test_year_jump_yen_and_thousand_yen(tmp_path: Path) -> None:
    path = filled(tmp_path, figures={2: {"prev": "117,858,500", "curr": 92434}})
    (finding,) = findings(path)
    assert finding.compact() == ("実績数値", "F6", codes.UNIT_YEAR_JUMP)
    assert not finding.is_error
    assert finding.message == "前年度 117,858,500 と当年度 92,434 で約1,275倍の差があります（円と千円の取り違えの可能性があります）。"


def test_year_jump_of_other_units_names_no_cause(tmp_path: Path) -> None:
    (finding,) = findings(filled(tmp_path, figures={0: {"prev": 2, "curr": 5000}}))
    assert finding.message == "前年度 2 と当年度 5,000 で約2,500倍の差があります。"


def test_year_jump_ratio_is_configurable(tmp_path: Path) -> None:
    path = filled(tmp_path, figures={0: {"prev": 10, "curr": 1000}})
    assert rows(path) == []
    assert rows(path, make_config(year_jump_ratio=50)) == [("実績数値", "F4", codes.UNIT_YEAR_JUMP)]


@pytest.mark.parametrize(("prev", "curr"), [(0, 5000), ("-", 5000), (5000, "…"), ("△1", 2000)])
def test_no_year_jump_from_zero_markers_or_a_change_of_sign(tmp_path: Path, prev: object, curr: object) -> None:
    assert rows(filled(tmp_path, figures={0: {"prev": prev, "curr": curr}})) == []


def test_no_year_jump_when_a_typed_unit_is_already_wrong(tmp_path: Path) -> None:
    path = filled(tmp_path, figures={2: {"prev": "117,858,500", "curr": "92,434千円"}})
    assert rows(path) == [("実績数値", "F6", codes.UNIT_MISMATCH)]
