"""kpitool.numbers and kpitool.dates: numbers and dates as municipal staff type them into Excel cells.

The example tables use values from real department KPI sheets and 実績調査 tables; the
property tests check that every spelling of one number reads as that number.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpitool.dates import ParsedDate, date_to_serial, parse_date, serial_to_date, wareki
from kpitool.numbers import (
    MARKER_MEANINGS,
    ParsedNumber,
    format_number,
    parse_number,
    unit_key,
    unit_scale,
)

# ---------------------------------------------------------------------------------------------
# Numbers: example tables


@pytest.mark.parametrize(
    ("raw", "value", "unit"),
    [
        # plain and full-width digits
        ("515", 515.0, None),
        ("0", 0.0, None),
        ("-5", -5.0, None),
        ("0.5", 0.5, None),
        (" 12 ", 12.0, None),
        ("１２３", 123.0, None),
        ("　１２３　", 123.0, None),
        ("１，２３４．５", 1234.5, None),
        # thousands separators
        ("2,459.3", 2459.3, None),
        ("8,782,546", 8782546.0, None),
        ("1,000,000", 1000000.0, None),
        # negatives: △ ▲ and every minus
        ("△1,972", -1972.0, None),
        ("▲1,972", -1972.0, None),
        ("△ 1,972", -1972.0, None),
        ("-1,972", -1972.0, None),
        ("－1,972", -1972.0, None),
        ("−1,972", -1972.0, None),
        ("△0.5", -0.5, None),
        ("+5", 5.0, None),
        ("△0", 0.0, None),
        # units typed into the cell
        ("515件", 515.0, "件"),
        ("515 件", 515.0, "件"),
        ("8,782,546円", 8782546.0, "円"),
        ("1,167,400千円", 1167400.0, "千円"),
        ("3,456百万円", 3456.0, "百万円"),
        ("14.8%", 14.8, "%"),
        ("１４．８％", 14.8, "%"),
        ("39%", 39.0, "%"),
        ("△2.5%", -2.5, "%"),
        ("370位", 370.0, "位"),
        ("2,459.3時間", 2459.3, "時間"),
        ("21,852件", 21852.0, "件"),
        ("7社", 7.0, "社"),
        ("115組", 115.0, "組"),
        ("60団体", 60.0, "団体"),
        ("4回", 4.0, "回"),
        ("201件", 201.0, "件"),
        ("1,234人", 1234.0, "人"),
        ("12人・社", 12.0, "人・社"),
        ("3日", 3.0, "日"),
        ("15か所", 15.0, "箇所"),
        ("15箇所", 15.0, "箇所"),
        ("15ヶ所", 15.0, "箇所"),
        ("12.5ha", 12.5, "ha"),
        ("3.2km", 3.2, "km"),
        ("120t", 120.0, "t"),
        ("1,500kWh", 1500.0, "kWh"),
        ("3kWh/年", 3.0, "kWh/年"),
        ("5,432t-CO₂", 5432.0, "t-CO2"),
        ("10㎡", 10.0, "m2"),
        ("8校", 8.0, "校"),
        ("24講座", 24.0, "講座"),
        ("5施設", 5.0, "施設"),
        ("3.5ポイント", 3.5, "ポイント"),
        # 万/億/兆 are exact multipliers; the unit is recorded without them
        ("450万件", 4500000.0, "件"),
        ("1.2万人", 12000.0, "人"),
        ("3億円", 300000000.0, "円"),
        ("0.07万", 700.0, None),
        ("1億2,345万円", 123450000.0, "円"),
        ("1億2千万円", 120000000.0, "円"),
        ("1万5千人", 15000.0, "人"),
        ("2兆3億円", 2000300000000.0, "円"),
        ("△1.5億円", -150000000.0, "円"),
        ("5千万円", 5.0, "千万円"),  # 千 and 百 stay in the unit, like 千円
        # yen signs, including the backslash a Japanese keyboard types for ¥
        ("¥1,000", 1000.0, "円"),
        ("￥1,000", 1000.0, "円"),
        ("\\1,000", 1000.0, "円"),
        ("△¥500", -500.0, "円"),
        # scientific notation, as Excel's 標準 format displays large numbers
        ("1.5E+05", 150000.0, None),
    ],
)
def test_numbers_as_written(raw: str, value: float, unit: str | None) -> None:
    assert parse_number(raw) == ParsedNumber("number", value, unit, None, raw, None)


@pytest.mark.parametrize(
    ("raw", "value"),
    [(515, 515.0), (2459.3, 2459.3), (-1972, -1972.0), (0, 0.0), (-0.0, 0.0), (1e15, 1e15)],
)
def test_numeric_cells_pass_through(raw: float, value: float) -> None:
    assert parse_number(raw) == ParsedNumber("number", value, None, None, str(raw), None)


@pytest.mark.parametrize(
    ("stored", "value"),
    [(0.148, 14.8), (0.39, 39.0), (1, 100.0), (0.001, 0.1), (-0.025, -2.5), (0.1 + 0.2, 30.0)],
)
def test_percent_formatted_cells_read_as_shown(stored: float, value: float) -> None:
    parsed = parse_number(stored, percent_format=True)
    assert (parsed.kind, parsed.value, parsed.unit) == ("number", value, "%")


def test_percent_format_does_not_apply_to_text() -> None:
    assert parse_number("14.8%", percent_format=True).value == 14.8
    assert parse_number("14.8", percent_format=True).value == 14.8


def test_other_numeric_types() -> None:
    assert parse_number(Decimal("2459.3")).value == 2459.3


@pytest.mark.parametrize(
    ("raw", "marker"),
    [
        ("-", "-"),
        ("－", "-"),
        ("—", "-"),
        ("―", "-"),
        ("‐", "-"),
        ("ー", "-"),
        ("ｰ", "-"),
        ("−", "-"),
        ("――", "-"),
        (" - ", "-"),
        ("　－　", "-"),
        ("…", "…"),
        ("……", "…"),
        ("...", "…"),
        ("･･･", "…"),
        ("・・・", "…"),
        ("x", "x"),
        ("X", "x"),
        ("ｘ", "x"),
        ("Ｘ", "x"),
        ("×", "x"),
    ],
)
def test_statistical_markers(raw: str, marker: str) -> None:
    assert parse_number(raw) == ParsedNumber("marker", None, None, marker, raw, None)
    assert marker in MARKER_MEANINGS


@pytest.mark.parametrize("raw", [None, "", " ", "　", " \u3000\n"])
def test_empty(raw: str | None) -> None:
    parsed = parse_number(raw)
    assert (parsed.kind, parsed.value, parsed.text) == ("empty", None, raw or "")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        # approximate, bounded or provisional numbers
        ("約60人", "approximate"),
        ("約 60 人", "approximate"),
        ("60人程度", "approximate"),
        ("おおむね60人", "approximate"),
        ("概ね60人", "approximate"),
        ("60人以上", "approximate"),
        ("60人以上?", "approximate"),
        ("60人以上？", "approximate"),
        ("60人前後", "approximate"),
        ("60人未満", "approximate"),
        ("60人強", "approximate"),
        ("60～70人", "approximate"),
        ("60〜70人", "approximate"),
        ("60-70人", "approximate"),
        ("60人から70人", "approximate"),
        ("5件(見込み)", "approximate"),
        ("1,200千円（概算）", "approximate"),
        ("120（暫定値）", "approximate"),
        ("60?", "approximate"),
        # not available yet
        ("集計中", "pending"),
        ("確認作業中", "pending"),
        ("調査中", "pending"),
        ("未定", "pending"),
        ("検討中", "pending"),
        ("精査中", "pending"),
        ("現在集計中", "pending"),
        ("R5実績は確認作業中", "pending"),
        ("5件集計中", "pending"),
        # more than one number in a cell
        ("201件、2,459.3時間", "multiple_numbers"),
        ("201件 2,459.3時間", "multiple_numbers"),
        ("男12人女15人", "multiple_numbers"),
        ("12/15", "multiple_numbers"),
        ("R5:12件", "multiple_numbers"),
        # separators that are not thousands separators
        ("1,23", "bad_separator"),
        ("12,3456", "bad_separator"),
        ("1234,567", "bad_separator"),
        ("2.459,3", "bad_separator"),
        ("1.2.3", "bad_separator"),
        ("1 234", "bad_separator"),
        ("1, 234", "bad_separator"),
        # a date typed into a number column
        ("2024/4/1", "date"),
        ("令和6年4月1日", "date"),
        ("R6.4.1", "date"),
        # anything else
        ("abc", "not_a_number"),
        ("なし", "not_a_number"),
        ("年間515件", "not_a_number"),
        ("ー100", "not_a_number"),  # a katakana ー is not a minus
        ("--5", "not_a_number"),
        ("1億20000万", "not_a_number"),
        ("1万2億", "not_a_number"),
        ("1e400", "not_a_number"),
        ("¥5件", "not_a_number"),
        ("515件です。", "not_a_number"),
        # a formula error shown as text
        ("#DIV/0!", "excel_error"),
        ("#N/A", "excel_error"),
        ("#VALUE!", "excel_error"),
    ],
)
def test_invalid_with_reason(raw: str, reason: str) -> None:
    assert parse_number(raw) == ParsedNumber("invalid", None, None, None, raw, reason)


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (True, "True"),
        (False, "False"),
        (datetime(2024, 4, 1), "2024-04-01 00:00:00"),
        (date(2024, 4, 1), "2024-04-01"),
        (float("nan"), "nan"),
        (float("inf"), "inf"),
        (object, "<class 'object'>"),
    ],
)
def test_non_numbers_are_invalid(raw: object, text: str) -> None:
    assert parse_number(raw) == ParsedNumber("invalid", None, None, None, text, "not_a_number")


@pytest.mark.parametrize(
    ("unit", "key"),
    [
        ("件", "件"),
        ("％", "%"),
        ("%", "%"),
        ("パーセント", "%"),
        ("千円", "千円"),
        (" 千 円 ", "千円"),
        ("千　円", "千円"),
        ("（件）", "件"),
        ("(千円)", "千円"),
        ("[人]", "人"),
        ("㎡", "m2"),
        ("ｋｍ", "km"),
        ("か所", "箇所"),
        ("ヵ所", "箇所"),
        ("ヶ月", "箇月"),
        ("人・社", "人・社"),
        ("", None),
        ("　", None),
        (None, None),
    ],
)
def test_unit_key(unit: str | None, key: str | None) -> None:
    assert unit_key(unit) == key


@pytest.mark.parametrize(
    ("unit", "scaled"),
    [
        ("千円", ("円", 1000)),
        ("百万円", ("円", 1_000_000)),
        ("万円", ("円", 10_000)),
        ("億円", ("円", 100_000_000)),
        ("千万円", ("円", 10_000_000)),
        ("万人", ("人", 10_000)),
        ("千t-CO2", ("t-CO2", 1000)),
        ("円", ("円", 1)),
        ("%", ("%", 1)),
        ("千", ("千", 1)),
        (None, (None, 1)),
    ],
)
def test_unit_scale(unit: str | None, scaled: tuple[str | None, int]) -> None:
    assert unit_scale(unit) == scaled


def test_a_typed_unit_compares_with_the_unit_column() -> None:
    assert parse_number("１４．８％").unit == unit_key("％")
    assert parse_number("15ヶ所").unit == unit_key("か所")
    # 450万円 against a 単位 column of 万円: the same amount once scaled
    typed = parse_number("450万円")
    base, factor = unit_scale("万円")
    assert (typed.unit, typed.value) == (base, 450 * factor)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2459.3, "2,459.3"),
        (-1972.0, "-1,972"),
        (1972, "1,972"),
        (0.0, "0"),
        (-0.0, "0"),
        (14.8, "14.8"),
        (0.0001, "0.0001"),
        (1e-7, "0.0000001"),
        (1167400.0, "1,167,400"),
        (1e20, "100,000,000,000,000,000,000"),
        (0.1 + 0.2, "0.30000000000000004"),
    ],
)
def test_format_number(value: float, text: str) -> None:
    assert format_number(value) == text


# ---------------------------------------------------------------------------------------------
# Numbers: properties

_FULL_WIDTH = str.maketrans("0123456789,.-", "０１２３４５６７８９，．－")


@st.composite
def decimals(draw: st.DrawFn) -> Decimal:
    """A number as people type it: up to 12 digits before and 4 after the point."""
    digits = draw(st.integers(-(10**12), 10**12))
    return Decimal(digits).scaleb(-draw(st.integers(0, 4)))


@given(decimals())
def test_every_spelling_of_a_number_reads_the_same(d: Decimal) -> None:
    value = float(d)
    plain, grouped = f"{d:f}", f"{d:,f}"
    for spelling in (plain, grouped, plain.translate(_FULL_WIDTH), grouped.translate(_FULL_WIDTH)):
        assert parse_number(spelling).value == value, spelling
    if d > 0:
        for sign in ("△", "▲", "－", "−"):
            assert parse_number(sign + grouped).value == -value


@given(decimals(), st.sampled_from(["件", "円", "千円", "%", "％", "位", "時間", "人", "団体"]))
def test_a_typed_unit_keeps_the_value(d: Decimal, unit: str) -> None:
    parsed = parse_number(f"{d:,f}{unit}")
    assert (parsed.value, parsed.unit) == (float(d), unit_key(unit))


@given(st.one_of(st.integers(-(10**15), 10**15), st.floats(-1e15, 1e15, allow_nan=False)))
def test_format_number_reads_back(x: float) -> None:
    assert parse_number(x).value == x
    assert parse_number(format_number(x)).value == x


@given(st.integers(-(10**9), 10**9), st.integers(0, 4))
def test_percent_format_reads_what_was_typed(digits: int, places: int) -> None:
    typed = Decimal(digits).scaleb(-places)  # what the user typed before the %
    stored = float(typed / 100)  # what Excel keeps in the cell
    assert parse_number(stored, percent_format=True).value == float(typed)


_MARKER_SPELLINGS = (
    *("-", "－", "—", "―", "‐", "ー"),
    *("…", "...", "･･･", "・・・"),
    *("x", "X", "ｘ", "Ｘ", "×"),
)
_PAD = st.sampled_from(["", " ", "\u3000", "  "])


@given(_PAD, st.sampled_from(_MARKER_SPELLINGS), _PAD)
def test_markers_are_never_numbers(before: str, marker: str, after: str) -> None:
    parsed = parse_number(before + marker + after)
    assert (parsed.kind, parsed.value) == ("marker", None)


@given(
    st.one_of(st.text(max_size=6), decimals().map(lambda d: f"{d:,f}")),
    st.sampled_from(["約", "程度", "集計中", "確認作業中", "前後", "以上"]),
    st.text(max_size=6),
)
def test_qualified_numbers_are_never_numbers(before: str, word: str, after: str) -> None:
    parsed = parse_number(before + word + after)
    assert parsed.kind != "number"
    assert parsed.value is None


@given(st.one_of(st.none(), st.text(), st.integers(), st.floats(), st.booleans(), st.datetimes()))
def test_parse_number_never_raises(raw: object) -> None:
    parsed = parse_number(raw)
    assert parsed.kind in {"number", "marker", "empty", "invalid"}
    assert (parsed.kind == "invalid") == (parsed.reason is not None)
    assert (parsed.kind == "number") == (parsed.value is not None)
    assert parsed.text == ("" if raw is None else str(raw))


# ---------------------------------------------------------------------------------------------
# Dates: example tables


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("令和6年4月1日", date(2024, 4, 1)),
        ("令和６年４月１日", date(2024, 4, 1)),
        ("令和 6 年 4 月 1 日", date(2024, 4, 1)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("令和1年5月1日", date(2019, 5, 1)),
        ("R6.4.1", date(2024, 4, 1)),
        ("R6/4/1", date(2024, 4, 1)),
        ("R6-4-1", date(2024, 4, 1)),
        ("r6.4.1", date(2024, 4, 1)),
        ("Ｒ６．４．１", date(2024, 4, 1)),
        ("R6年4月1日", date(2024, 4, 1)),
        ("R元.5.1", date(2019, 5, 1)),
        ("令6.4.1", date(2024, 4, 1)),
        ("㋿6.4.1", date(2024, 4, 1)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("H31.4.30", date(2019, 4, 30)),
        ("㍻31.4.30", date(2019, 4, 30)),
        ("平成元年1月8日", date(1989, 1, 8)),
        ("昭和64年1月7日", date(1989, 1, 7)),
        ("S50.10.1", date(1975, 10, 1)),
        ("2024/4/1", date(2024, 4, 1)),
        ("2024/04/01", date(2024, 4, 1)),
        ("2024-04-01", date(2024, 4, 1)),
        ("2024年4月1日", date(2024, 4, 1)),
        ("2024.4.1", date(2024, 4, 1)),
        ("２０２４/４/１", date(2024, 4, 1)),
        ("20240401", date(2024, 4, 1)),
        ("2024-04-01 00:00:00", date(2024, 4, 1)),
        ("2024-04-01T09:30:00", date(2024, 4, 1)),
        ("令和6年4月1日(月)", date(2024, 4, 1)),
        ("令和6年4月1日（月）", date(2024, 4, 1)),
        ("R6.4.1(月曜日)", date(2024, 4, 1)),
        ("2024/4/1㈪", date(2024, 4, 1)),
        (" 2024/4/1 ", date(2024, 4, 1)),
    ],
)
def test_dates_as_written(raw: str, value: date) -> None:
    assert parse_date(raw) == ParsedDate("date", value, raw, None)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("平成31年5月1日", "impossible_date"),  # 平成 ended on 2019-04-30
        ("H32.1.1", "impossible_date"),
        ("令和元年4月30日", "impossible_date"),  # 令和 began on 2019-05-01
        ("令和0年5月1日", "impossible_date"),
        ("令和6年2月30日", "impossible_date"),
        ("令和5年2月29日", "impossible_date"),
        ("2024/13/1", "impossible_date"),
        ("2023-02-29", "impossible_date"),
        ("令和6年4月1日(火)", "weekday_mismatch"),
        ("4/1", "ambiguous"),
        ("4月1日", "ambiguous"),
        ("24/4/1", "ambiguous"),
        ("6.4.1", "ambiguous"),
        ("令和6年4月", "ambiguous"),
        ("2024/4", "ambiguous"),
        ("R6.4", "ambiguous"),
        ("令和6年度", "not_a_date"),
        ("未定", "not_a_date"),
        ("45383", "not_a_date"),
        ("2024/4-1", "not_a_date"),
        ("abc", "not_a_date"),
    ],
)
def test_invalid_dates(raw: str, reason: str) -> None:
    assert parse_date(raw) == ParsedDate("invalid", None, raw, reason)


@pytest.mark.parametrize(
    ("raw", "date1904", "value"),
    [
        (45383, False, date(2024, 4, 1)),
        (45383.75, False, date(2024, 4, 1)),  # the time of day is dropped
        (32874, False, date(1990, 1, 1)),
        (73415, False, date(2100, 12, 31)),
        (43921, True, date(2024, 4, 1)),
        (date(2024, 4, 1), False, date(2024, 4, 1)),
        (datetime(2024, 4, 1, 13, 5), False, date(2024, 4, 1)),
    ],
)
def test_date_cells_and_serials(raw: object, date1904: bool, value: date) -> None:
    assert parse_date(raw, date1904=date1904) == ParsedDate("date", value, str(raw), None)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (60, "impossible_date"),  # Lotus' phantom 1900-02-29
        (61, "out_of_range"),  # 1900-03-01 is a date, but not a plausible one here
        (2024, "out_of_range"),  # a year typed into a date cell
        (0, "impossible_date"),
        (-5, "impossible_date"),
        (32873, "out_of_range"),
        (73416, "out_of_range"),
        (float("nan"), "not_a_date"),
        (True, "not_a_date"),
        (object, "not_a_date"),
    ],
)
def test_invalid_serials(raw: object, reason: str) -> None:
    assert parse_date(raw) == ParsedDate("invalid", None, str(raw), reason)


@pytest.mark.parametrize("raw", [None, "", " ", "　"])
def test_empty_dates(raw: str | None) -> None:
    assert parse_date(raw).kind == "empty"


@pytest.mark.parametrize(
    ("serial", "date1904", "value"),
    [
        (1, False, date(1900, 1, 1)),
        (59, False, date(1900, 2, 28)),
        (61, False, date(1900, 3, 1)),
        (45383, False, date(2024, 4, 1)),
        (0, True, date(1904, 1, 1)),
        (1462, True, date(1908, 1, 2)),
    ],
)
def test_serial_to_date(serial: int, date1904: bool, value: date) -> None:
    assert serial_to_date(serial, date1904=date1904) == value
    assert date_to_serial(value, date1904=date1904) == serial


def test_serial_60_is_not_a_date() -> None:
    with pytest.raises(ValueError, match="impossible_date"):
        serial_to_date(60)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (date(2024, 4, 1), "令和6年4月1日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2020, 1, 1), "令和2年1月1日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
        (datetime(2024, 4, 1, 9, 0), "令和6年4月1日"),
    ],
)
def test_wareki(value: date, text: str) -> None:
    assert wareki(value) == text


def test_wareki_before_the_gregorian_calendar() -> None:
    with pytest.raises(ValueError, match="明治6年"):
        wareki(date(1872, 12, 31))


# ---------------------------------------------------------------------------------------------
# Dates: properties


@given(st.dates(date(2019, 5, 1), date(2100, 12, 31)))
def test_wareki_reads_back(d: date) -> None:
    assert parse_date(wareki(d)).value == d
    assert parse_date(wareki(d).translate(_FULL_WIDTH)).value == d


@given(st.dates(date(1873, 1, 1), date(2100, 12, 31)))
def test_wareki_reads_back_in_every_era(d: date) -> None:
    assert parse_date(wareki(d)).value == d


@given(st.dates(date(1989, 1, 8), date(2100, 12, 31)))
def test_abbreviated_era_reads_back(d: date) -> None:
    era, rest = wareki(d)[:2], wareki(d)[2:]
    year = rest.split("年")[0].replace("元", "1")
    letter = {"令和": "R", "平成": "H"}[era]
    assert parse_date(f"{letter}{year}.{d.month}.{d.day}").value == d


@given(
    st.dates(date(1990, 1, 1), date(2100, 12, 31)),
    st.booleans(),
    st.floats(0, 0.999999, exclude_max=True),
)
def test_serials_read_back(d: date, date1904: bool, time_of_day: float) -> None:
    serial = date_to_serial(d, date1904=date1904)
    assert parse_date(serial, date1904=date1904).value == d
    assert parse_date(serial + time_of_day, date1904=date1904).value == d
    # the two date systems are 1,462 days apart
    assert date_to_serial(d) - date_to_serial(d, date1904=True) == 1462


@given(st.dates(date(1900, 1, 1), date(9999, 12, 31)), st.booleans())
def test_serial_conversion_is_exact(d: date, date1904: bool) -> None:
    if date1904 and d < date(1904, 1, 1):
        return
    assert serial_to_date(date_to_serial(d, date1904=date1904), date1904=date1904) == d


@given(st.dates(date(1900, 1, 1), date(1900, 12, 31)))
def test_no_date_has_serial_60(d: date) -> None:
    assert date_to_serial(d) != 60
    assert date_to_serial(d + timedelta(days=1)) - date_to_serial(d) in (1, 2)


@given(st.one_of(st.none(), st.text(), st.integers(), st.floats(), st.booleans(), st.dates()))
def test_parse_date_never_raises(raw: object) -> None:
    parsed = parse_date(raw)
    assert parsed.kind in {"date", "empty", "invalid"}
    assert (parsed.kind == "invalid") == (parsed.reason is not None)
    assert (parsed.kind == "date") == (parsed.value is not None)
