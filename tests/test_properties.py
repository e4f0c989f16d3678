"""Property tests across the normaliser and the arithmetic (issue 7, item 4).

tests/test_numbers.py and tests/test_variance.py already hold the single-module properties
(every spelling of a number reads the same, 増減 antisymmetric, 皆増/皆減 exactly at zero
bases, rate × base = change). What they do not check is the path a figure really takes:
*written text -> parse_number -> variance*. Here a row written the way departments write it
(全角数字, separators, △/▲ negatives, the row's unit typed into the cell, stray spaces, an
Excel percent format) must give exactly the Variance of the same row written plainly, and
the same date in every spelling must read as one date.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

from hypothesis import assume, given
from hypothesis import strategies as st

from kpitool.dates import date_to_serial, parse_date, wareki
from kpitool.numbers import NUMBER_LIMIT, parse_number, unit_key
from kpitool.variance import DECREASE_TO_ZERO, INCREASE_FROM_ZERO, Variance, variance

_FULL_WIDTH = str.maketrans("0123456789,.", "０１２３４５６７８９，．")
UNITS = ("件", "円", "千円", "時間", "人", "%", "位")


@st.composite
def amounts(draw: st.DrawFn, *, negative: bool = True) -> Decimal:
    """A figure as departments write them: up to 10 integer digits and 3 decimals."""
    low = -(10**10) if negative else 0
    return Decimal(draw(st.integers(low, 10**10))).scaleb(-draw(st.integers(0, 3)))


@st.composite
def spellings(draw: st.DrawFn, d: Decimal, unit: str) -> str:
    """One way of writing ``d`` in a cell of a row whose unit is ``unit``."""
    body = f"{abs(d):,f}" if draw(st.booleans()) else f"{abs(d):f}"
    if draw(st.booleans()):
        body = body.translate(_FULL_WIDTH)
    if d < 0:
        body = draw(st.sampled_from(["-", "－", "−", "△", "▲"])) + body
    if draw(st.booleans()):
        body += unit if unit != "%" else draw(st.sampled_from(["%", "％"]))
    pad = st.sampled_from(["", " ", "\u3000"])
    return draw(pad) + body + draw(pad)


def variance_of_text(prev: str, curr: str, unit: str, direction: str) -> Variance:
    """What survey.py does with one row: parse both cells, then the one arithmetic."""
    p, c = parse_number(prev), parse_number(curr)
    assert p.kind == c.kind == "number", (prev, curr)
    return variance(p.value, c.value, unit=unit, direction=direction,
                    prev_unit=p.unit, curr_unit=c.unit)


@given(st.data(), amounts(), amounts(), st.sampled_from(UNITS), st.sampled_from(["↑", "↓"]))
def test_a_row_as_written_has_the_variance_of_the_plain_row(
    data: st.DataObject, a: Decimal, b: Decimal, unit: str, direction: str
) -> None:
    prev = data.draw(spellings(a, unit), label="prev")
    curr = data.draw(spellings(b, unit), label="curr")
    written = variance_of_text(prev, curr, unit, direction)
    plain = variance(float(a), float(b), unit=unit, direction=direction)
    assert written == plain
    assert written.reason is None


@given(st.data(), amounts(negative=False).filter(lambda d: d > 0), st.sampled_from(UNITS[:-2]))
def test_zero_bases_hold_through_the_parser(data: st.DataObject, x: Decimal, unit: str) -> None:
    zero = data.draw(st.sampled_from(["0", "０", "0" + unit, " ０ ", "0.0"]), label="zero")
    x_text = data.draw(spellings(x, unit), label="x")
    assert variance_of_text(zero, x_text, unit, "↑").rate_text == INCREASE_FROM_ZERO
    assert variance_of_text(x_text, zero, unit, "↑").rate_text == DECREASE_TO_ZERO


@given(st.integers(-(10**6), 10**6), st.integers(0, 2), st.integers(-(10**6), 10**6))
def test_percent_cells_and_percent_text_agree(p: int, places: int, q: int) -> None:
    """14.8 typed in a %-formatted cell (stored 0.148) reads like the text 14.8%, and the
    row's 増減 is in ポイント either way."""
    a, b = Decimal(p).scaleb(-places), Decimal(q).scaleb(-places)
    stored = parse_number(float(a / 100), percent_format=True)
    typed = parse_number(f"{a:f}%")
    assert (stored.value, stored.unit) == (typed.value, typed.unit) == (float(a), unit_key("%"))
    v = variance(stored.value, parse_number(f"{b:f}％").value, unit="%")
    assert (v.change_unit, v.rate) == ("ポイント", None)
    assert v.change == float(b - a)


@given(amounts(), amounts(), st.sampled_from(["-", "－", "…", "...", "x", "Ｘ", "―"]),
       st.booleans())
def test_a_marker_on_either_side_gives_no_variance(
    a: Decimal, b: Decimal, marker: str, marker_first: bool
) -> None:
    cells = [parse_number(f"{a:f}"), parse_number(marker)]
    prev, curr = cells if not marker_first else cells[::-1]
    v = variance(prev.value, curr.value, unit="件", prev_marker=prev.marker,
                 curr_marker=curr.marker)
    assert (v.change, v.rate, v.evaluation, v.reason) == (None, None, None, "marker")


@given(amounts(), amounts(), st.sampled_from([1000, 10**4, 10**6]))
def test_rate_and_evaluation_do_not_depend_on_the_scale(a: Decimal, b: Decimal, k: int) -> None:
    """The same row in 円 and in 千円 (values 1,000 times apart) has the same 増減率 and 評価."""
    assume(max(abs(a), abs(b)) * k <= NUMBER_LIMIT)  # beyond the limit there is no variance
    small = variance(float(a), float(b), unit="千円")
    large = variance(float(a * k), float(b * k), unit="円")
    assert (small.rate_text, small.evaluation) == (large.rate_text, large.evaluation)
    if small.rate is None:
        assert large.rate is None
    else:
        assert math.isclose(small.rate, large.rate, rel_tol=1e-9)


@given(st.dates(date(1990, 1, 1), date(2100, 12, 31)), st.booleans())
def test_one_date_in_every_spelling_reads_as_that_date(d: date, full_width: bool) -> None:
    y, m, day = d.year, d.month, d.day
    texts = [
        f"{y}/{m}/{day}", f"{y}/{m:02d}/{day:02d}", f"{y}-{m:02d}-{day:02d}", f"{y}.{m}.{day}",
        f"{y}年{m}月{day}日", wareki(d),
    ]
    if d >= date(1989, 1, 8):
        era, rest = ("R", d.year - 2018) if d >= date(2019, 5, 1) else ("H", d.year - 1988)
        texts.append(f"{era}{rest}.{m}.{day}")
    if full_width:
        texts = [t.translate(_FULL_WIDTH).replace("/", "／") for t in texts]
    read = {t: parse_date(t).value for t in texts}
    assert set(read.values()) == {d}, read
    assert parse_date(date_to_serial(d)).value == d
    assert parse_date(date_to_serial(d, date1904=True), date1904=True).value == d


FINITE_CELLS = st.floats(allow_nan=False, allow_infinity=False)


@given(FINITE_CELLS, FINITE_CELLS)
def test_any_two_numbers_the_parser_accepts_have_a_finite_variance(x: float, y: float) -> None:
    p, c = parse_number(x), parse_number(y)
    if p.kind == c.kind == "number":
        v = variance(p.value, c.value, unit="件")
        assert v.change is None or math.isfinite(v.change)
        assert v.rate is None or math.isfinite(v.rate)
        assert (v.change is None) == (v.reason is not None)
