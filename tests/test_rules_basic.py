"""Rules of the 基本情報 sheet: required fields, the roster, the municipality and 作成日."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from workbooks import filled, findings, make_config, rows

from kpitool import codes
from kpitool.spec import template_spec

BASIC = template_spec((2022, 2023)).sheet("basic")


@pytest.mark.parametrize("column", [c for c in BASIC.columns if c.required], ids=lambda c: c.key)
def test_required_fields(tmp_path: Path, column) -> None:
    cell = f"B{3 + BASIC.columns.index(column)}"
    (finding,) = findings(filled(tmp_path, basic={column.key: None}))
    assert finding.compact() == ("基本情報", cell, codes.BASIC_REQUIRED)
    assert finding.label == column.label
    assert finding.message == f"「{column.label}」が入力されていません。"
    assert finding.hint == column.prompt


def test_optional_contact_may_stay_empty(tmp_path: Path) -> None:
    assert rows(filled(tmp_path, basic={"contact": None})) == []


def test_department_not_in_roster_suggests_the_closest_name(tmp_path: Path) -> None:
    (finding,) = findings(filled(tmp_path, basic={"department": "企画部"}))
    assert finding.compact() == ("基本情報", "B4", codes.BASIC_NOT_IN_ROSTER)
    assert finding.message == "部局名「企画部」は名簿にありません。「企画政策部」ではありませんか。"
    assert finding.hint == "一覧から部局名を選んでください（名簿の名前と一字一句同じにします）。"


def test_department_far_from_every_name_has_no_suggestion(tmp_path: Path) -> None:
    (finding,) = findings(filled(tmp_path, basic={"department": "上下水道局"}))
    assert finding.message == "部局名「上下水道局」は名簿にありません。"


def test_department_written_in_zenkaku_or_with_spaces_is_in_the_roster(tmp_path: Path) -> None:
    assert rows(filled(tmp_path, basic={"department": "総務部 "})) == [("基本情報", "B4", codes.CELL_SPACES)]


def test_municipality_must_match_the_config(tmp_path: Path) -> None:
    (finding,) = findings(filled(tmp_path, basic={"municipality": "掛川市"}))
    assert finding.compact() == ("基本情報", "B3", codes.BASIC_MUNICIPALITY)
    assert finding.message == "自治体名「掛川市」が設定の「菊川市」と一致しません。"


@pytest.mark.parametrize("typed", ["令和6年4月1日", "R6.4.1", "2024/4/1", "令和６年４月１日（月）", "20240401"])
def test_created_as_users_write_dates(tmp_path: Path, typed: str) -> None:
    assert rows(filled(tmp_path, basic={"created": typed})) == []


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("4月上旬", codes.DATE_NOT_A_DATE),
        ("令和6年2月30日", codes.DATE_IMPOSSIBLE),
        ("令和6年4月1日（火）", codes.DATE_IMPOSSIBLE),
        ("4/1", codes.DATE_AMBIGUOUS),
        ("令和6年4月", codes.DATE_AMBIGUOUS),
    ],
)
def test_created_not_a_real_date(tmp_path: Path, typed: str, code: str) -> None:
    assert rows(filled(tmp_path, basic={"created": typed})) == [("基本情報", "B8", code)]


def test_weekday_mismatch_says_so(tmp_path: Path) -> None:
    (finding,) = findings(filled(tmp_path, basic={"created": "令和6年4月1日（火）"}))
    assert finding.message == "「令和6年4月1日（火）」は存在しない日付です（曜日が合いません）。"


def test_created_in_the_future_is_a_warning(tmp_path: Path) -> None:
    (finding,) = findings(filled(tmp_path, basic={"created": dt.date(2099, 4, 1)}))
    assert finding.compact() == ("基本情報", "B8", codes.BASIC_DATE_IMPLAUSIBLE)
    assert finding.message == "作成日 2099/4/1 は未来の日付です。"


def test_created_before_the_previous_fiscal_year_is_a_warning(tmp_path: Path) -> None:
    (finding,) = findings(filled(tmp_path, basic={"created": dt.date(2021, 4, 1)}))
    assert finding.message == "作成日 2021/4/1 は前年度の初日（2022/4/1）より前です。"


@pytest.mark.parametrize("formatted", [True, False], ids=["date-format", "serial"])
def test_1904_date_system(tmp_path: Path, formatted: bool) -> None:
    """A Mac workbook counts serials from 1904: 2024-04-01 is 43,921, not 45,383."""
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    path = filled(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb.epoch = CALENDAR_MAC_1904
    cell = wb["基本情報"]["B8"]
    if formatted:
        cell.value = dt.datetime(2024, 4, 1)
    else:
        cell.value = 43_921
        cell.number_format = "General"
    wb.save(path)
    assert rows(path) == []
    later = findings(path, make_config(fiscal_years=(2025, 2026)))  # proves the date read
    assert [f.message for f in later if f.code == codes.BASIC_DATE_IMPLAUSIBLE] == [
        "作成日 2024/4/1 は前年度の初日（2025/4/1）より前です。"
    ]
