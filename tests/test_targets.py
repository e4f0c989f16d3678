"""Targets as cities write them (issue 11): 基準値/基準年度/目標年度, 進捗率 and 定性 targets.

The rows come from the seeds: 小美玉市 総合計画 「主な成果指標」 (実績値 2016年 → 将来値 2022年,
seed 002) and 真庭市 総合政策部 令和6年度 部局経営目標 (目標値「すべての項目」, seed 000).
The seeds give no 令和4・5年度 実績 for 小美玉市; the 令和5年度 values below are invented for
the test and the expected 進捗率 is worked out by hand beside each.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import ROSTER

from kpitool.config import Config, Department
from kpitool.consolidate import consolidate
from kpitool.master.layout import KPIS, layouts
from kpitool.master.writer import write_master
from kpitool.targets import NO_TARGET, NUMERIC, QUALITATIVE, parse_year
from kpitool.template import FilledData, write_template
from kpitool.validate import validate_file

CONFIG = Config(municipality="菊川市", departments=tuple(Department(n) for n in ROSTER))
BASIC = {"municipality": "菊川市", "department": "総務部", "head": "部長", "contact_person": "担当",
         "contact": "内線 1", "created": dt.date(2024, 4, 1)}
SURVEY = [{"no": "1", "viewpoint": "視点1", "initiative": "取り組み", "plan": "方針", "prev": "実績", "curr": "実績"}]


def omitama(no: str, name: str, unit: str, direction: str, base: Any, target: Any, curr: Any) -> dict[str, Any]:
    return {"no": no, "policy": "総合計画 主な成果指標", "indicator": name, "unit": unit, "direction": direction,
            "base": base, "base_year": "2016年", "target": target, "target_year": "2022年", "prev": "…",
            "curr": curr, "grade": None, "note": ""}


OMITAMA = [
    omitama("1", "まちづくり組織認定団体数", "団体", "↑", "58 団体", "84 団体", 76),  # (76−58)/(84−58) = 18/26
    omitama("2", "人権が尊重された地域社会であると思う市民の割合", "%", "↑", "14.8%", "20.0%", "16.1%"),  # 1.3/5.2
    omitama("3", "ホームページアクセス件数", "件", "↑", "393,118件", "417,000件", "405,059"),  # 11,941/23,882
    omitama("4", "住みよさランキング", "位", "↓", "370位", "300位", "318位"),  # (318−370)/(300−370) = 52/70
    omitama("5", "「第3次小美玉市行財政改革」の計画達成度", "%", "↑", "新規", "100.0%", "80%"),  # no 基準値
    omitama("6", "コンクール・コンテスト・表彰等への応募回数", "件", "↑", "—", "25件", 12),  # — 該当なし
]
EXPECTED_PROGRESS = [18 / 26, 1.3 / 5.2, 11_941 / 23_882, 52 / 70, None, None]

MANIWA = [
    {"no": "1", "policy": "第2期まち・ひと・しごと創生総合戦略に基づいた人口減少対策の全庁的推進",
     "indicator": "総合戦略の評価検証によりすべての基本目標においてA評価以上", "unit": "基本目標", "direction": "↑",
     "target": "すべての項目", "prev": "…", "curr": "…", "grade": "A", "note": "数値目標のない定性の目標"},
    {"no": "2", "policy": "まにわ版SDGsの普及促進及び実践", "indicator": "SDGsミーティング参加者数", "unit": "人",
     "direction": "↑", "target": "60人", "prev": "…", "curr": "20人", "grade": "C", "note": "令和5年度実績値（見込み）"},
    {"no": "3", "policy": "行政経営の推進", "indicator": "重層的支援体制の方針立案", "unit": "件", "direction": "↑",
     "target": None, "prev": "…", "curr": "…", "grade": "B", "note": "年度内に方針を立案する（定性の目標）"},
]


def write(path: Path, kpis: list[dict[str, Any]]) -> Path:
    return write_template(path, roster=ROSTER, data=FilledData(basic=BASIC, kpis=kpis, survey=SURVEY))


@pytest.fixture(scope="module")
def consolidated(tmp_path_factory: pytest.TempPathFactory) -> Any:
    inbox = tmp_path_factory.mktemp("inbox")
    write(inbox / "総務部.xlsx", [*OMITAMA, *(row | {"no": f"M{row['no']}"} for row in MANIWA)])
    return consolidate(inbox, CONFIG)


@pytest.mark.parametrize(
    ("typed", "year"),
    [(2016, 2016), ("2016年", 2016), ("2016年度", 2016), ("平成28年度", 2016), ("H28", 2016), ("Ｈ２８", 2016),
     ("令和元年度", 2019), ("R4", 2022), ("平成元年", 1989), (dt.date(2016, 4, 1), 2016), (None, None)],
)
def test_years_in_any_era(typed: object, year: int | None) -> None:
    assert parse_year(typed).year == year and parse_year(typed).ok


def test_seed_rows_validate_without_errors(tmp_path: Path) -> None:
    kpis = [*OMITAMA, *(row | {"no": f"M{row['no']}"} for row in MANIWA)]
    report = validate_file(write(tmp_path / "seed.xlsx", kpis), CONFIG).report
    assert [f for f in report.findings if f.sheet == "事業成果目標"] == []  # C at 33 %, B without a rate: silent


def test_omitama_base_to_target_years_and_progress(consolidated: Any) -> None:
    kpis = consolidated.kpis.iloc[: len(OMITAMA)]
    assert list(kpis["base_year"]) == [2016] * 6 and list(kpis["target_year"]) == [2022] * 6
    assert list(kpis["base"])[:4] == [58, 14.8, 393_118, 370]
    for got, expected in zip(kpis["progress"], EXPECTED_PROGRESS, strict=True):
        assert got == pytest.approx(expected) if expected is not None else got != got  # NaN
    assert list(kpis["base_text"])[4:] == ["新規", "—"]
    assert list(kpis["target_kind"]) == [NUMERIC] * 6


def test_maniwa_qualitative_target_is_accepted_and_labelled(consolidated: Any) -> None:
    rows = consolidated.kpis.iloc[len(OMITAMA):]
    assert list(rows["target_kind"]) == [QUALITATIVE, NUMERIC, QUALITATIVE]
    assert rows["target_text"].iloc[0] == "すべての項目"
    assert rows["achievement"].isna().tolist() == [True, False, True]
    assert list(rows["grade_basis"]) == ["部局の判断（定性）", "部局の判断", "部局の判断（定性）"]
    assert set(consolidated.findings["sheet"]) == {"実績数値"}  # only: the 実績数値 sheet is empty


def test_the_master_shows_the_new_columns(consolidated: Any, tmp_path: Path) -> None:
    (tmp_path / "inbox").mkdir()
    consolidated.inbox = tmp_path / "inbox"
    master = write_master(consolidated, tmp_path / "master.xlsx").master
    sheet = openpyxl.load_workbook(master)[KPIS]
    layout = layouts((2022, 2023))[KPIS]

    def cell(key: str, row: int) -> Any:
        return sheet.cell(row, layout.index(key) + 1)

    assert cell("base_year", 2).value == 2016 and cell("base_year", 2).number_format == '0"年度"'
    assert cell("progress", 2).value.startswith("=IF(")
    assert cell("direction_words", 5).value == "低いほど良い"
    qualitative = 2 + len(OMITAMA)
    assert (cell("target", qualitative).value, cell("target_kind", qualitative).value) == ("すべての項目", QUALITATIVE)
    assert cell("achievement", qualitative).value.startswith("=IF(")  # text target: the formula gives ""
    assert NO_TARGET == "なし"
