"""The figure extractor (issue 14): figures of real 実績 texts, and nothing from dates, ordinals or names.

Expected figures are written by hand from the seed texts, not copied from the program's output.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpitool.narrative.extract import extract, fold, plain_text, relative_years

SEEDS = Path(__file__).resolve().parents[1] / ".." / "shared" / "seeds"


def figures(text: str) -> list[tuple[str, float, str]]:
    return [(m.label, m.value, m.unit) for m in extract(text)]


def seed(name: str) -> str:
    path = next(SEEDS.glob(f"{name}_*.txt"), None)
    if path is None:
        pytest.skip(f"seed {name} is not in {SEEDS}")
    return path.read_text(encoding="utf-8")


# --- seed 004 (菊川市 実績調査 R4/R5), sentence by sentence --------------------------------

GYOMU_R4 = ("1.業務改善 ①提出件数：498件 ②改善の種類 ・改善（かえる）：434件 ・縮小・統合（へらす）：25件 "
            "・終了（やめる）：7件 ・前年度事例の展開：32件 ③実施効果（※1件が複数項目に該当のケースあり） "
            "・事務時間削減、能率向上：201件、2,459.3時間 ・経費削減：86件、8,782,546円")


def test_colon_labels_and_shared_labels_of_a_list() -> None:
    assert figures(GYOMU_R4) == [
        ("提出件数", 498, "件"),
        ("改善（かえる）", 434, "件"),
        ("縮小・統合（へらす）", 25, "件"),
        ("終了（やめる）", 7, "件"),
        ("前年度事例の展開", 32, "件"),
        ("事務時間削減、能率向上", 201, "件"),
        ("事務時間削減、能率向上", 2459.3, "時間"),
        ("経費削減", 86, "件"),
        ("経費削減", 8782546, "円"),
    ]
    # the note （※1件が…） and the list numbers 1. ①②③ give no figure
    assert [m.section for m in extract(GYOMU_R4)][:2] == ["業務改善", "改善の種類"]


def test_head_labels_and_a_head_shared_by_two_figures() -> None:
    text = "・差押件数 235件\n・換価件数・金額 463件 21,925,394円\n・執行停止人数・金額 273 人・社 36,562,227円"
    assert figures(text) == [
        ("差押件数", 235, "件"),
        ("換価件数", 463, "件"),
        ("換価金額", 21925394, "円"),
        ("執行停止人数", 273, "人・社"),
        ("執行停止金額", 36562227, "円"),
    ]


def test_a_figure_after_は_and_a_count_before_its_noun() -> None:
    text = ("①令和4年度1%地域づくり活動交付金事業は、40団体（コミュニティ協議会11団体、地域づくり団体28団体、"
            "学生団体1団体）が活動され、交付確定額は12,402,000円であった。")
    found = figures(text)
    assert ("交付確定額", 12402000, "円") in found
    assert ("コミュニティ協議会", 11, "団体") in found and ("地域づくり団体", 28, "団体") in found
    assert [v for _l, v, u in found if u == "団体"] == [40, 11, 28, 1]
    assert all(u != "%" for _l, _v, u in found)  # 1%地域づくり活動交付金 is a name


def test_an_enumeration_before_a_verb_shares_the_verb() -> None:
    found = figures("目指すべき職員像の実現に向けて研修の積極的な受講を促し、91講座、630人が受講した。")
    assert [(v, u) for _l, v, u in found] == [(91, "講座"), (630, "人")]
    assert found[1][0] == "受講者数"


def test_money_with_scale_percent_and_approximate() -> None:
    text = ("【合併特例債(充当率95%、交付税措置率70%)：R4決算額 1,167,400千円(内:地域振興等基金積立分746,100千円)】\n"
            "・令和5年5月「静岡県公募公債10年」約定、利率年0.711%、利金額約699万円")
    found = extract(text)
    assert [(m.label, m.value, m.unit) for m in found] == [
        ("充当率", 95, "%"), ("交付税措置率", 70, "%"), ("R4決算額", 1167400, "千円"),
        ("地域振興等基金積立分", 746100, "千円"), ("利率", 0.711, "%"), ("利金額", 699, "万円"),
    ]
    assert [m.approximate for m in found] == [False] * 5 + [True]
    assert found[-1].text == "約699万円"


def test_positions_point_at_the_figure_as_written() -> None:
    text = "提出件数：４９８件、経費削減：△1,972円"
    for m in extract(text):
        assert text[m.start:m.end] == m.text
    assert [(m.value, m.text) for m in extract(text)] == [(498, "４９８件"), (-1972, "△1,972円")]


@pytest.mark.parametrize("text", [
    "令和3年度分の行政評価を実施した。",
    "令和4年10月7日に閣議決定され、令和5年1月30日に第1回ワーキングを開催した。",
    "協働の指針に示す4つの方向性と17の取組項目の進捗管理を行う。",
    "第2期まち・ひと・しごと創生総合戦略と第3次計画、5か年計画",
    "地方公務員法第3条の規定により、60歳以降の働き方に関する制度を構築した。",
    "(1) 計画的な行政運営 ①地方公務員法が改正され 1.業務改善",
    "問い合わせ 電話 0537-35-0923（内線1234）、〒439-8650",
    "3市広域研修計画、2次元コード、18節 負担金",
    "令和5～7年度の業務を委託した。令和6年度から令和10年度までの計画",
    "【No.17：パートナーシップで目標を達成しよう】 R4 H30",
    "2024/4/1の10:30から開催",
    "「静岡県公募公債10年」約定",
    "磐田財務事務所から週1回派遣していただいた。",
    "更新日:2023年6月22日更新 記事番号:0001099",
])
def test_no_figure_from_dates_ordinals_names_phone_numbers(text: str) -> None:
    assert figures(text) == []


def test_ranges_and_bounds_are_flagged() -> None:
    (r,) = extract("参加者は5～10人")
    assert (r.value, r.high, r.is_range) == (5, 10, True)
    (b,) = extract("定員は100人以内")
    assert (b.value, b.approximate, b.qualifier) == (100, True, "以内")
    (a,) = extract("参加者は概ね60人")
    assert a.approximate and a.label == "参加者"
    (n,) = extract("前年比 ▲3.2ポイント")
    assert (n.value, n.unit) == (-3.2, "ポイント")


def test_multipliers() -> None:
    assert figures("来場者数 1.2万人") == [("来場者数", 12000, "人")]
    assert figures("総額は1億2,000万円") == [("総額", 12000, "万円")]


# --- every seed ----------------------------------------------------------------------------


def test_seed_000_targets_and_results() -> None:
    text = plain_text(seed("000"))
    found = figures(text)
    assert ("目標値", 60, "人") in found  # 「指標:SDGsミーティング参加者数</p> <p>目標値:60人」
    assert ("令和5年度実績値", 115, "組") in found  # 「(令和5年度実績値:115組)」
    assert ("インターンシップ参加人数", 39, "人") in found
    assert not any(u in ("年", "月", "日") for _l, _v, u in found)
    assert all(v not in (6, 2040) or u != "年度" for _l, v, u in found)


def test_seed_001_has_no_figures_only_dates_and_numbers_of_goals() -> None:
    # 真庭市's page: 記事番号, 更新日, 【No.17…】, 第2期 — and no figure at all
    assert figures(seed("001")) == []


def test_seed_002_indicator_table_and_prose() -> None:
    text = seed("002")
    found = extract(text)
    values = {(m.value, m.unit) for m in found}
    assert {(58, "団体"), (84, "団体"), (76.1, "%"), (16249, "件")} <= values
    approx = [m for m in found if m.value == 14.8 and "満足度は約" in m.sentence]
    assert approx and approx[0].approximate and approx[0].text == "約 14.8%"  # 「満足度は約 14.8%と低く」
    assert not any(m.value in (2016, 2022) for m in found)  # 実績値 2016年 / 将来値 2022年


def test_seed_003_dates_and_plan_numbers_give_nothing_dated() -> None:
    text = seed("003")
    found = extract(text)
    # 「平成26年12月に」「令和2年4月には」「第2期」「令和8年度~令和11年度」: dates and plan numbers only
    assert not [m for m in found if text[m.end:m.end + 1] in "年月日期"]
    for m in found:  # every figure reported ends in a unit, never in 年/月/日/期/次/条
        assert not m.text.endswith(("年", "月", "日", "期", "次", "条"))


def test_seed_004_key_figures_both_years() -> None:
    text = seed("004")
    found = {(m.label, m.value, m.unit) for m in extract(plain_text(text))}
    for expected in [("提出件数", 498, "件"), ("提出件数", 515, "件"), ("改善（かえる）", 434, "件"),
                     ("改善（かえる）", 452, "件"), ("受講者数", 630, "人"), ("受講者数", 557, "人"),
                     ("差押件数", 235, "件"), ("差押件数", 310, "件"), ("換価金額", 21925394, "円"),
                     ("換価金額", 21780983, "円"), ("交付確定額", 12402000, "円")]:
        assert expected in found, expected
    assert (91, "講座") in {(v, u) for _l, v, u in found} and (102, "講座") in {(v, u) for _l, v, u in found}


# --- properties ----------------------------------------------------------------------------

LABELS = st.sampled_from(["提出件数", "受講者数", "交付確定額", "差押件数", "経費削減", "参加団体数", "市有地賃貸料"])
UNITS = st.sampled_from(["件", "人", "円", "千円", "団体", "講座", "時間", "%"])
ZENKAKU = str.maketrans("0123456789,", "０１２３４５６７８９，")


@given(LABELS, st.integers(0, 10**10), UNITS, st.booleans(), st.booleans(), st.sampled_from(["：", ":", " ", "は"]))
def test_any_labelled_figure_is_found_once(label: str, value: int, unit: str, grouped: bool, zenkaku: bool,
                                           sep: str) -> None:
    number = f"{value:,}" if grouped else str(value)
    if zenkaku:
        number = number.translate(ZENKAKU)
    text = f"令和5年度の実績。・{label}{sep}{number}{unit}、前年度と比べた。"
    (m,) = extract(text)
    assert (m.label, m.value, m.unit) == (label, value, unit)
    assert text[m.start:m.end] == f"{number}{unit}"


@given(st.integers(1, 60), st.integers(1, 12), st.integers(1, 31), st.integers(1, 99))
def test_dates_and_ordinals_are_never_figures(year: int, month: int, day: int, n: int) -> None:
    text = (f"令和{year}年{month}月{day}日に第{n}回会議を開催し、{n}つの方向性と第{n}条、"
            f"{2000 + year}/{month}/{day}、({n})、{n}か年計画、0{n}-{month}-{day}を確認した。")
    assert extract(text) == []
    assert extract(fold(text).translate(ZENKAKU)) == []


def test_relative_years() -> None:
    assert relative_years("令和4年度課税のみ滞納者", 2022) == "当年度課税のみ滞納者"
    assert relative_years("令和3年度分の行政評価", 2022) == "前年度分の行政評価"
    assert relative_years("令和元年度", 2019) == "当年度"
