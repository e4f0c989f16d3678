"""The 実績調査 arithmetic against hand-computed figures.

Expected rates are written as decimal quotients worked out by hand (long division to ~20
digits), not by calling the code's formula again, so a wrong formula cannot agree with
itself. Figures come from a published 実績調査 (業務改善 498件 -> 515件, 合併特例債
1,167,400千円 -> 347,800千円, 2,459.3時間 -> 4,618時間).
"""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpitool.variance import (
    ACHIEVEMENT_FORMAT,
    CHANGE_FORMAT,
    POINT_FORMAT,
    RATE_FORMAT,
    Variance,
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
    tally,
    tally_sentence,
    variance,
)

REL = 1e-12


def approx(value: float) -> object:
    return pytest.approx(value, rel=REL, abs=1e-15)


# 増減 and 増減率 -------------------------------------------------------------


def test_plain_increase():
    v = variance(498, 515, unit="件")
    assert v.change == 17
    assert v.change_unit == "件"
    assert v.rate == approx(0.03413654618473895582)  # 17 / 498 = 3.41%
    assert v.rate_text is None
    assert v.evaluation == "改善"
    assert v.reason is None


def test_decrease():
    v = variance(1972, 1500, unit="件")
    assert v.change == -472
    assert v.rate == approx(-0.23935091277890466531)  # -472 / 1972
    assert v.evaluation == "悪化"


def test_thousand_yen_rows():
    v = variance(1_167_400, 347_800, unit="千円")
    assert v.change == -819_600
    assert v.change_unit == "千円"
    assert v.rate == approx(-0.70207298269659071441)
    assert v.evaluation == "悪化"


def test_decimal_figures():
    v = variance(2459.3, 4618, unit="時間")
    assert v.change == 2158.7
    assert v.rate == approx(0.87777009718212499492)


def test_decimal_figures_have_no_float_noise():
    assert 202.7 - 201.4 != 1.3  # the binary noise the rounding removes
    v = variance(201.4, 202.7, unit="時間")
    assert v.change == 1.3
    assert v.rate == approx(0.00645481628599801390)  # 1.3 / 201.4


@pytest.mark.parametrize(
    ("prev", "curr", "change", "rate", "evaluation"),
    [
        (-1972, -1000, 972, 0.49290060851926977688, "改善"),  # △1,972 -> △1,000: base |△1,972|
        (-1972, -2500, -528, -0.26774847870182555781, "悪化"),
        (-5, 0, 5, 1.0, "改善"),  # from a negative to 0 is +100%, not 皆増/皆減
        (5, -5, -10, -2.0, "悪化"),
        (-4, 4, 8, 2.0, "改善"),
    ],
)
def test_negative_values(prev, curr, change, rate, evaluation):
    v = variance(prev, curr, unit="千円")
    assert (v.change, v.evaluation, v.rate_text) == (change, evaluation, None)
    assert v.rate == approx(rate)


@pytest.mark.parametrize(
    ("prev", "curr", "change", "rate_text", "evaluation"),
    [
        (0, 8, 8, "皆増", "改善"),
        (0, 0.5, 0.5, "皆増", "改善"),
        (8, 0, -8, "皆減", "悪化"),
        (0, 0, 0, "―", "横ばい"),
        (0, -3, -3, "―", "悪化"),  # a fall from nothing: no rate and no word for it
    ],
)
def test_zero_bases(prev, curr, change, rate_text, evaluation):
    v = variance(prev, curr, unit="件")
    assert v == Variance(change, "件", None, rate_text, evaluation, None)


def test_percent_gives_points_and_no_rate():
    assert variance(34, 39, unit="%") == Variance(5, "ポイント", None, "―", "改善", None)


@pytest.mark.parametrize("unit", ["%", "％", " % ", "\u3000％"])
def test_percent_unit_as_typed(unit):
    assert is_percent_unit(unit)
    v = variance(14.8, 15.1, unit=unit)
    assert v.change == 0.3  # not 0.29999999999999893
    assert (v.change_unit, v.rate, v.rate_text) == ("ポイント", None, "―")


def test_percent_from_zero_is_still_points():
    assert variance(0, 12.5, unit="%") == Variance(12.5, "ポイント", None, "―", "改善", None)


@pytest.mark.parametrize(
    ("prev", "curr", "evaluation"),
    [(370, 350, "改善"), (350, 370, "悪化"), (350, 350, "横ばい")],
)
def test_direction_down(prev, curr, evaluation):
    v = variance(prev, curr, unit="位", direction="↓")
    assert v.evaluation == evaluation


def test_rank_improvement_keeps_the_arithmetic():
    v = variance(370, 350, unit="位", direction="↓")
    assert v.change == -20
    assert v.rate == approx(-0.05405405405405405405)


def test_percent_direction_down():
    assert variance(3.2, 2.9, unit="%", direction="↓").evaluation == "改善"


NO_VARIANCE = ("change", "change_unit", "rate", "evaluation")


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"prev": None, "curr": 5, "prev_marker": "x"}, "marker"),
        ({"prev": 5, "curr": None, "curr_marker": "…"}, "marker"),
        ({"prev": None, "curr": None, "prev_marker": "-", "curr_marker": "-"}, "marker"),
        ({"prev": 3, "curr": 5, "curr_marker": "x"}, "marker"),  # a marker wins over a value
        ({"prev": None, "curr": 5}, "missing"),
        ({"prev": 5, "curr": None}, "missing"),
        ({"prev": math.nan, "curr": 5}, "missing"),  # pandas' empty cell
        ({"prev": 1_167_400, "curr": 347_800, "curr_unit": "円"}, "unit_mismatch"),
        ({"prev": 1_167_400, "curr": 347_800, "prev_unit": "円"}, "unit_mismatch"),
    ],
)
def test_no_variance(kwargs, reason):
    v = variance(unit="千円", **kwargs)
    assert v == Variance(None, None, None, "―", None, reason)
    assert cached_change(v) == ""
    assert cached_rate(v) == ""
    assert cached_evaluation(v) == ""


@pytest.mark.parametrize(
    ("unit", "typed"), [("件", " 件"), ("%", "％"), ("千円", "千 円"), ("千円", "\u3000千円")]
)
def test_typed_units_that_match(unit, typed):
    assert variance(1, 2, unit=unit, prev_unit=typed, curr_unit=typed).reason is None


def test_typed_unit_on_a_row_without_unit_is_a_mismatch():
    assert variance(1, 2, unit=None, curr_unit="件").reason == "unit_mismatch"


def test_row_without_unit_and_nothing_typed():
    assert variance(1, 2, unit=None) == Variance(1, None, 1.0, None, "改善", None)


def test_misuse_raises():
    with pytest.raises(ValueError, match="方向"):
        variance(1, 2, unit="件", direction="up")
    with pytest.raises(ValueError, match="finite"):
        variance(1, math.inf, unit="件")


# cached values for the formulas -----------------------------------------------


def test_cached_values():
    assert cached_change(variance(498, 515, unit="件")) == 17
    assert cached_rate(variance(498, 515, unit="件")) == approx(0.03413654618473895582)
    assert cached_rate(variance(0, 8, unit="件")) == "皆増"
    assert cached_rate(variance(8, 0, unit="件")) == "皆減"
    assert cached_rate(variance(0, 0, unit="件")) == "―"
    assert cached_rate(variance(34, 39, unit="%")) == "―"
    assert cached_evaluation(variance(370, 350, unit="位", direction="↓")) == "改善"


# 達成率 and grades --------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "actual", "direction", "expected"),
    [
        (60, 52, "↑", 0.86666666666666666667),
        (60, 60, "↑", 1.0),
        (350, 370, "↓", 0.94594594594594594595),  # 目標 350位, 実績 370位
        (370, 350, "↓", 1.05714285714285714286),
        (0, 5, "↑", None),  # no target to divide by
        (5, 0, "↓", None),
        (None, 5, "↑", None),
        (5, None, "↓", None),
        (math.nan, 5, "↑", None),
        (5, 0, "↑", 0.0),
    ],
)
def test_achievement_rate(target, actual, direction, expected):
    rate = achievement_rate(target, actual, direction)
    assert rate == (None if expected is None else approx(expected))
    assert cached_achievement(rate) == ("" if expected is None else rate)


# tallies -------------------------------------------------------------------------


def test_tally_of_the_published_survey():
    counts = tally(["A"] * 49 + ["B"] * 3 + ["C"] * 8)
    assert counts == {"A": 49, "B": 3, "C": 8, "未評価": 0}
    assert list(counts) == ["A", "B", "C", "未評価"]
    assert tally_sentence(counts) == (
        "重点施策60件のうち、A（目標どおり達成）49件、B（達成したが課題が残る）3件、"
        "C（達成できなかった）8件"
    )


def test_tally_counts_blanks_as_ungraded():
    counts = tally(["A", None, "", "  ", " B", "C"])
    assert counts == {"A": 1, "B": 1, "C": 1, "未評価": 3}
    assert tally_sentence(counts, subject="指標") == (
        "指標6件のうち、A（目標どおり達成）1件、B（達成したが課題が残る）1件、"
        "C（達成できなかった）1件、未評価3件"
    )


def test_tally_rejects_unknown_grades():
    with pytest.raises(ValueError, match="'D'"):
        tally(["A", "D"])
    with pytest.raises(ValueError, match="'S'"):
        tally(["S"])  # S only exists with S/A/B/C thresholds


def test_tally_sabc_keeps_zero_grades_and_order():
    counts = tally(["C", "S", "A", "A"], ("S", "A", "B", "C"))
    assert list(counts.items()) == [("S", 1), ("A", 2), ("B", 0), ("C", 1), ("未評価", 0)]
    assert tally_sentence(counts, meanings={"A": "目標取り達成した"}) == (
        "重点施策4件のうち、S1件、A（目標取り達成した）2件、B0件、C1件"
    )


def test_tally_sentence_separates_thousands():
    counts = {"A": 1200, "B": 541, "C": 0, "未評価": 0}
    assert tally_sentence(counts, subject="指標").startswith(
        "指標1,741件のうち、A（目標どおり達成）1,200件"
    )


# formulas and formats (their results are checked by test_variance_formulas.py) ---------


def test_formula_text():
    assert change_formula("E5", "F5") == '=IF(AND(ISNUMBER(E5),ISNUMBER(F5)),ROUND(F5-E5,8),"")'
    assert rate_formula("E5", "F5", is_percent=True) == '=IF(AND(ISNUMBER(E5),ISNUMBER(F5)),"―","")'
    assert rate_formula("E5", "F5", is_percent=False) == (
        '=IF(AND(ISNUMBER(E5),ISNUMBER(F5)),IF(E5=0,IF(F5>0,"皆増","―"),'
        'IF(AND(F5=0,E5>0),"皆減",ROUND(F5-E5,8)/ABS(E5))),"")'
    )
    assert "G5" in evaluation_formula("G5", "D5")
    assert "J5/I5" in achievement_formula("I5", "J5", "D5")
    assert "I5/J5" in achievement_formula("I5", "J5", "D5")


def test_number_formats():
    assert CHANGE_FORMAT == '#,##0;"△"#,##0;0'
    assert change_format(1) == '#,##0.0;"△"#,##0.0;0.0'
    assert POINT_FORMAT == '#,##0.0"ポイント";"△"#,##0.0"ポイント";0.0"ポイント"'
    assert RATE_FORMAT == ACHIEVEMENT_FORMAT == '0.0%;"△"0.0%;0.0%'
    with pytest.raises(ValueError):
        change_format(-1)


@pytest.mark.parametrize(
    ("values", "places"),
    [((498, 515), 0), ((2459.3, 4618), 1), ((14.8, 15.25), 2), ((0.123456,), 4), ((None, 1.0), 0)],
)
def test_decimals_shown(values, places):
    assert decimals_shown(*values) == places


# properties ---------------------------------------------------------------------------

# Numbers as departments write them: up to 3 decimals, up to 10,000,000 in size.
# Each is drawn as (the decimal as written, the float a reader makes of it).
written = st.integers(0, 3).flatmap(
    lambda d: st.integers(-(10 ** (7 + d)), 10 ** (7 + d)).map(
        lambda n: (Decimal(n).scaleb(-d), n / 10**d)
    )
)
units = st.sampled_from(["件", "千円", "時間", "%", "位"])
directions = st.sampled_from(["↑", "↓"])


@given(written, written, units, directions)
def test_change_is_antisymmetric(a, b, unit, direction):
    forward = variance(a[1], b[1], unit=unit, direction=direction)
    backward = variance(b[1], a[1], unit=unit, direction=direction)
    assert forward.change == -backward.change
    swapped = {"改善": "悪化", "悪化": "改善", "横ばい": "横ばい"}
    assert backward.evaluation == swapped[forward.evaluation]


@given(written, written, units)
def test_change_is_the_decimal_difference(a, b, unit):
    assert variance(a[1], b[1], unit=unit).change == float(b[0] - a[0])


@given(written.filter(lambda pair: pair[0] > 0))
def test_zero_bases_exactly(x):
    assert variance(0, x[1], unit="件").rate_text == "皆増"
    assert variance(x[1], 0, unit="件").rate_text == "皆減"
    assert variance(0.0, -x[1], unit="件").rate_text == "―"
    assert variance(-x[1], 0, unit="件").rate == 1.0


@given(written.filter(lambda pair: pair[0] != 0), written)
def test_rate_times_base_is_change(a, b):
    v = variance(a[1], b[1], unit="件")
    if b[0] == 0 and a[0] > 0:
        assert (v.rate, v.rate_text) == (None, "皆減")
    else:
        assert v.rate_text is None
        assert math.isclose(v.rate * abs(a[1]), v.change, rel_tol=REL)


@given(written, written, units)
def test_rate_or_word_never_both(a, b, unit):
    v = variance(a[1], b[1], unit=unit)
    assert (v.rate is None) != (v.rate_text is None)
