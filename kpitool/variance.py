"""The 実績調査 arithmetic: 増減, 増減率, 評価, 達成率, grades and their tallies.

This is the one module that owns these numbers (DESIGN.md, "実績調査 arithmetic"). The
survey step computes them in Python; the writer puts the matching Excel formulas from this
module into the master and caches the Python result in each formula cell, so an auditor who
opens the master with macros disabled sees values that a recalculation would reproduce.

Conventions, stated once so that Python and the formulas cannot drift apart:

- 増減 = 当年度 − 前年度, rounded to 8 decimal places (``round`` here, ``ROUND`` in the
  formula), so that 15.1 − 14.8 is 0.3 and not 0.29999999999999893. Eight places keep any
  KPI's own decimals and remove the binary noise of figures up to about 10,000,000 with
  decimals (whole numbers, such as 円 amounts, are exact at any size).
- 増減率 = 増減 / |前年度| as a fraction (0.034 = 3.4%), computed from the rounded 増減;
  a single IEEE division, so Python and the spreadsheet compute the same double (LibreOffice
  then stores 15 significant digits; the tests compare within 1e-9).
- 前年度 = 0: 「皆増」 when 当年度 > 0, 「―」 when 当年度 = 0 or 当年度 < 0 (a fall from
  nothing has no meaningful rate and published tables have no word for it).
  当年度 = 0 and 前年度 > 0: 「皆減」 (not −100%). 前年度 < 0 and 当年度 = 0 is an ordinary
  rate (+100%): the base is |前年度|.
- Unit %: 増減 is in ポイント and 増減率 is 「―」 (a rate of a rate misleads).
- 方向 ``↑``: an increase is 改善; ``↓`` (順位, 事故件数): a decrease is 改善; no change is
  横ばい. ``→`` (参考値) keeps 増減 and 増減率 but has no 評価 and no 達成率.

What the master must know about the formulas:

- They only reference numeric cells. Statistical markers (``-``, ``…``, ``x``) are written as
  text and blanks stay blank, so ``ISNUMBER`` turns those rows into ``""`` — exactly what
  :func:`cached_change` and :func:`cached_rate` return for a :class:`Variance` whose
  ``reason`` is ``"marker"`` or ``"missing"``.
- A row whose two cells are numbers but which has no variance here (a unit typed in a cell
  that differs from the row's unit, an invalid 方向, a value out of range) would get a number
  from the formula, so :func:`variance_formulas_fit` says no and the survey step marks the row
  for static values; the cached helpers return ``""`` too.
- Units live in their own column; 増減 cells of % rows take :data:`POINT_FORMAT`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from kpitool.numbers import NUMBER_LIMIT, PERCENT, unit_key
from kpitool.spec import DIRECTIONS, GRADE_MEANINGS, NEUTRAL

if TYPE_CHECKING:
    from kpitool.validation.values import Quantity

POINTS = "ポイント"
INCREASE_FROM_ZERO = "皆増"
DECREASE_TO_ZERO = "皆減"
NOT_APPLICABLE = "―"  # U+2015, the dash of published Japanese tables
IMPROVED, WORSENED, UNCHANGED = "改善", "悪化", "横ばい"
UNGRADED = "未評価"
DIGITS = 8  # decimal places kept in 増減 (see the module docstring)


def change_format(decimals: int = 0, *, points: bool = False) -> str:
    """Number format for 増減 with △ for negatives (never red alone, never a typed △).

    ``#,##0.##`` would leave a dangling "." on whole numbers in Excel, so the writer picks
    the decimals a row needs (see :func:`decimals_shown`). ``points`` appends ポイント, so a
    % row's 増減 cannot be misread as a relative change.
    """
    if decimals < 0:
        raise ValueError(f"decimals must be >= 0, not {decimals}")
    number = "#,##0" + ("." + "0" * decimals if decimals else "")
    zero = "0" + ("." + "0" * decimals if decimals else "")
    suffix = f'"{POINTS}"' if points else ""
    return f'{number}{suffix};"△"{number}{suffix};{zero}{suffix}'


CHANGE_FORMAT = change_format(0)  # '#,##0;"△"#,##0;0' as in DESIGN.md
POINT_FORMAT = change_format(1, points=True)  # '#,##0.0"ポイント";"△"#,##0.0"ポイント";…'
RATE_FORMAT = '0.0%;"△"0.0%;0.0%'  # 増減率; text results (皆増/皆減/―) show as written
ACHIEVEMENT_FORMAT = RATE_FORMAT  # 達成率


def decimals_shown(*values: float | None, limit: int = 4) -> int:
    """Decimal places needed to show these values as written (2,459.3 -> 1), at most ``limit``.

    The 増減 of 2,459.3 時間 and 4,618 時間 must show 2,158.7, not 2,159; whole-number rows
    must not show a trailing ".0".
    """
    places = 0
    for value in values:
        if value is None or not math.isfinite(value):
            continue
        exponent = Decimal(repr(float(value))).normalize().as_tuple().exponent
        if isinstance(exponent, int) and exponent < 0:
            places = max(places, -exponent)
    return min(places, limit)


def is_percent_unit(unit: str | None) -> bool:
    """Whether a row's unit is % (増減 in ポイント, no 増減率): %, ％ and パーセント alike."""
    return unit_key(unit) == PERCENT


def _check_direction(direction: str) -> None:
    if direction not in DIRECTIONS:
        raise ValueError(f"方向 must be one of {DIRECTIONS}, not {direction!r}")


@dataclass(frozen=True, slots=True)
class Variance:
    """The 増減 / 増減率 / 評価 of one row, or why there is none.

    Exactly one of ``rate`` and ``rate_text`` is set: a number, or the word the table shows
    instead (皆増, 皆減, ―).
    """

    change: float | None  # 増減 = 当年度 − 前年度 (in ポイント when the unit is %)
    change_unit: str | None  # the row unit, or ポイント for %
    rate: float | None  # 増減率 = 増減 / |前年度| as a fraction
    rate_text: str | None  # 皆増, 皆減 or ― when there is no numeric rate
    evaluation: str | None  # 改善, 悪化 or 横ばい following 方向; None without a change
    reason: str | None  # why no variance: None, "marker", "missing", "unit_mismatch"


def _no_variance(reason: str) -> Variance:
    return Variance(None, None, None, NOT_APPLICABLE, None, reason)


def variance(
    prev: float | None,
    curr: float | None,
    *,
    unit: str | None,
    direction: str = "↑",
    prev_marker: str | None = None,
    curr_marker: str | None = None,
    prev_unit: str | None = None,
    curr_unit: str | None = None,
) -> Variance:
    """The 増減 of one row from 前年度 ``prev`` to 当年度 ``curr``.

    A marker wins over a value (the reader keeps the marker and may leave a value of None);
    then a missing value (None or NaN, as pandas gives for an empty cell); then a unit typed
    in a cell (``prev_unit``/``curr_unit``) that differs from the row's ``unit``. Each gives
    a Variance without numbers and with the ``reason``, because a department's gap is data,
    not an error. An unknown ``direction`` or an infinite value is misuse and raises.

    Units are compared in their canonical spelling (:func:`kpitool.numbers.unit_key`, the
    one unit normaliser), so 「パーセント」, 「％」 and 「%」 are all %.
    """
    _check_direction(direction)
    if prev_marker or curr_marker:
        return _no_variance("marker")
    if prev is None or curr is None or math.isnan(prev) or math.isnan(curr):
        return _no_variance("missing")
    if not (math.isfinite(prev) and math.isfinite(curr)):
        raise ValueError(f"values must be finite, not {prev!r} and {curr!r}")
    if abs(prev) > NUMBER_LIMIT or abs(curr) > NUMBER_LIMIT:
        return _no_variance("out_of_range")  # the validator refuses these (E-NUM-006)
    row_unit = unit_key(unit)
    for typed in (prev_unit, curr_unit):
        if typed is not None and unit_key(typed) != row_unit:
            return _no_variance("unit_mismatch")

    change = round(curr - prev, DIGITS) + 0.0  # + 0.0 turns -0.0 into 0.0
    evaluation: str | None
    if direction == NEUTRAL:
        evaluation = None  # 参考値: no 改善/悪化
    elif change == 0:
        evaluation = UNCHANGED
    elif (change > 0) == (direction == "↑"):
        evaluation = IMPROVED
    else:
        evaluation = WORSENED

    if row_unit == PERCENT:
        return Variance(change, POINTS, None, NOT_APPLICABLE, evaluation, None)
    rate: float | None = None
    rate_text: str | None = None
    if prev == 0:
        rate_text = INCREASE_FROM_ZERO if curr > 0 else NOT_APPLICABLE
    elif curr == 0 and prev > 0:
        rate_text = DECREASE_TO_ZERO
    else:
        rate = change / abs(prev)
        if not math.isfinite(rate):  # a base like 2e-224: no rate Excel could show
            return _no_variance("out_of_range")
    return Variance(change, unit, rate, rate_text, evaluation, None)


def achievement_rate(
    target: float | None, actual: float | None, direction: str = "↑"
) -> float | None:
    """達成率: 実績 / 目標 when higher is better (↑), 目標 / 実績 when lower is better (↓).

    None when either is missing or the divisor is 0; a target of 0 has no rate to grade.
    Not rounded, so it equals the spreadsheet's single division (:meth:`kpitool.grades.Grades.band`
    absorbs the float noise at the boundaries).
    """
    _check_direction(direction)
    if direction == NEUTRAL:
        return None  # 参考値: no good or bad direction, so no 達成率
    if target is None or actual is None or math.isnan(target) or math.isnan(actual):
        return None
    numerator, divisor = (actual, target) if direction == "↑" else (target, actual)
    if divisor == 0:
        return None
    rate = numerator / divisor
    return rate if math.isfinite(rate) else None


def tally(grades: Iterable[str | None], letters: Sequence[str] = ("A", "B", "C")) -> dict[str, int]:
    """Count grades in the configured order (:attr:`kpitool.grades.Grades.letters`), plus 未評価.

    A grade outside the letters raises: the validator should have reported it, and
    counting it as 未評価 would publish a wrong tally without a word. The grade rule itself
    (letters, labels, bands of 達成率) is :class:`kpitool.grades.Grades`.
    """
    letters = tuple(letters)
    counts = dict.fromkeys((*letters, UNGRADED), 0)
    for grade in grades:
        key = grade.strip() if grade is not None else ""
        if not key:
            counts[UNGRADED] += 1
        elif key in letters:
            counts[key] += 1
        else:
            raise ValueError(f"unknown grade {grade!r}; expected one of {letters}")
    return counts


def tally_sentence(
    counts: Mapping[str, int],
    subject: str = "重点施策",
    meanings: Mapping[str, str] | None = None,
) -> str:
    """The tally as the published 実績調査 writes it.

    ``重点施策60件のうち、A（目標どおり達成）49件、B（達成したが課題が残る）3件、C（達成できなかった）8件``
    — every grade (also 0件), 未評価 only when there is one, no final 。 so the caller can go
    on (…となり、ホームページに公表した。). ``meanings`` defaults to the template's wording.
    """
    words = GRADE_MEANINGS if meanings is None else meanings
    total = sum(counts.values())
    parts = []
    for grade, count in counts.items():
        if grade == UNGRADED:
            continue
        meaning = words.get(grade)
        label = f"{grade}（{meaning}）" if meaning else grade
        parts.append(f"{label}{count:,}件")
    if counts.get(UNGRADED):
        parts.append(f"{UNGRADED}{counts[UNGRADED]:,}件")
    return f"{subject}{total:,}件のうち、" + "、".join(parts)


INVALID = "invalid"  # a value or 方向 the validator rejects: no variance, no guess


def row_variance(prev: Quantity, curr: Quantity, unit: str | None, direction: str) -> Variance:
    """The variance of one row from the typed values validation read (no parsing here).

    ``unit`` is the row's 単位 in canonical spelling. An invalid value (not a marker) or an
    unknown 方向 gives no variance rather than a guess.
    """
    if direction not in DIRECTIONS or ((prev.invalid or curr.invalid) and not (prev.marker or curr.marker)):
        return Variance(None, None, None, NOT_APPLICABLE, None, INVALID)
    return variance(
        prev.number, curr.number, unit=unit, direction=direction,
        prev_marker=prev.marker, curr_marker=curr.marker, prev_unit=prev.unit, curr_unit=curr.unit,
    )


def variance_formulas_fit(v: Variance, prev: float | None, curr: float | None) -> bool:
    """Whether the 増減 / 増減率 / 評価 formulas over the two value cells reproduce ``v``.

    The formulas give ``""`` unless both cells hold numbers; with two numbers they compute a
    variance, which is right only when Python computed one too. Where they would not (a unit
    typed in a cell that differs from the row's, an invalid 方向, a value out of range) the
    master holds Python's result as a static value, so no formula contradicts its cache.
    """
    return v.reason is None or prev is None or curr is None


def achievement_formula_fits(
    achievement: float | None, target: float | None, actual: float | None, direction: str
) -> bool:
    """Whether the 達成率 formula over the two value cells reproduces ``achievement``."""
    formula = achievement_rate(target, actual, direction) if direction in DIRECTIONS else None
    return formula == achievement


def progress_formula_fits(
    progress: float | None, base: float | None, target: float | None, actual: float | None, direction: str
) -> bool:
    """Whether the 進捗率 formula over the three value cells reproduces ``progress``.

    It does not where the survey left a value out (a unit typed in 基準値, 目標値 or 実績 that
    differs from the row's): the master then holds Python's result as a static value.
    """
    formula = progress_rate(base, target, actual, direction) if direction in DIRECTIONS else None
    return formula == progress


# Excel formulas. Each is the exact counterpart of a Python function above; the tests
# recalculate them with LibreOffice and compare with the cached Python values.


def _both_numbers(prev_ref: str, curr_ref: str) -> str:
    return f"AND(ISNUMBER({prev_ref}),ISNUMBER({curr_ref}))"


def change_formula(prev_ref: str, curr_ref: str) -> str:
    """増減: ``=IF(AND(ISNUMBER(E5),ISNUMBER(F5)),ROUND(F5-E5,8),"")``."""
    return f'=IF({_both_numbers(prev_ref, curr_ref)},ROUND({curr_ref}-{prev_ref},{DIGITS}),"")'


def rate_formula(prev_ref: str, curr_ref: str, is_percent: bool) -> str:
    """増減率: the fraction, or 皆増 / 皆減 / ― as :func:`variance` decides; ― for % rows.

    Excel evaluates only the chosen branch of IF, so the division never sees a zero base.
    """
    both = _both_numbers(prev_ref, curr_ref)
    if is_percent:
        return f'=IF({both},"{NOT_APPLICABLE}","")'
    ratio = f"ROUND({curr_ref}-{prev_ref},{DIGITS})/ABS({prev_ref})"
    return (
        f"=IF({both},"
        f'IF({prev_ref}=0,IF({curr_ref}>0,"{INCREASE_FROM_ZERO}","{NOT_APPLICABLE}"),'
        f'IF(AND({curr_ref}=0,{prev_ref}>0),"{DECREASE_TO_ZERO}",{ratio})),"")'
    )


def evaluation_formula(change_ref: str, direction_ref: str) -> str:
    """評価 from the 増減 cell and the 方向 cell; ``""`` when 増減 is not a number.

    It reads the 増減 cell rather than the values, so a unit-mismatch row (static ``""``)
    gets no 評価 without a special case. 方向 is tested before the zero change, so a 参考値
    (→) row without change stays ``""`` as :func:`variance` says, not 横ばい.
    """
    up, down = DIRECTIONS[:2]  # → (参考値) falls through to ""
    return (
        f'=IF(ISNUMBER({change_ref}),'
        f'IF({direction_ref}="{up}",IF({change_ref}=0,"{UNCHANGED}",IF({change_ref}>0,"{IMPROVED}","{WORSENED}")),'
        f'IF({direction_ref}="{down}",IF({change_ref}=0,"{UNCHANGED}",IF({change_ref}<0,"{IMPROVED}","{WORSENED}")),"")),"")'
    )


def achievement_formula(target_ref: str, actual_ref: str, direction_ref: str) -> str:
    """達成率: 実績/目標 for ↑, 目標/実績 for ↓; ``""`` when missing, divisor 0 or bad 方向."""
    up, down = DIRECTIONS[:2]  # → (参考値) falls through to ""
    return (
        f"=IF({_both_numbers(target_ref, actual_ref)},"
        f'IF({direction_ref}="{up}",IF({target_ref}=0,"",{actual_ref}/{target_ref}),'
        f'IF({direction_ref}="{down}",IF({actual_ref}=0,"",{target_ref}/{actual_ref}),"")),"")'
    )


def cached_change(v: Variance) -> float | str:
    """The value to cache in a :func:`change_formula` cell (``""`` when there is no 増減)."""
    return "" if v.change is None else v.change


def cached_rate(v: Variance) -> float | str:
    """The value to cache in a :func:`rate_formula` cell.

    ``""`` when there is no variance at all (marker, missing, unit mismatch), as the formula
    gives for text or blank cells; otherwise the fraction or 皆増 / 皆減 / ―.
    """
    if v.reason is not None:
        return ""
    if v.rate is not None:
        return v.rate
    return v.rate_text or ""


def cached_evaluation(v: Variance) -> str:
    """The value to cache in an :func:`evaluation_formula` cell."""
    return v.evaluation or ""


def cached_achievement(rate: float | None) -> float | str:
    """The value to cache in an :func:`achievement_formula` cell."""
    return "" if rate is None else rate


# 進捗率: how far 実績 has come from the 基準値 towards the 目標値 (総合計画 KPIs).


def progress_rate(
    base: float | None, target: float | None, actual: float | None, direction: str = "↑"
) -> float | None:
    """進捗率 = (実績 − 基準値) / (目標値 − 基準値), or None.

    None without a 基準値, 目標値 or 実績, when 目標値 = 基準値 (no distance to cover) and for
    参考値 (→). The same formula serves ↑ and ↓: 370位 → 目標 300位, 実績 318位 is
    (318 − 370) / (300 − 370) = 74.3 %. Not rounded: one subtraction each and one division,
    as in the spreadsheet.
    """
    _check_direction(direction)
    values = (base, target, actual)
    if direction == NEUTRAL or any(v is None or not math.isfinite(v) for v in values):
        return None
    assert base is not None and target is not None and actual is not None
    span = target - base
    if span == 0:
        return None
    rate = (actual - base) / span
    return rate if math.isfinite(rate) else None


def progress_formula(base_ref: str, target_ref: str, actual_ref: str, direction_ref: str) -> str:
    """進捗率: ``""`` unless all three are numbers, 目標値 ≠ 基準値 and 方向 is ↑ or ↓."""
    up, down = DIRECTIONS[:2]
    both = f"AND(ISNUMBER({base_ref}),ISNUMBER({target_ref}),ISNUMBER({actual_ref}))"
    graded = f'OR({direction_ref}="{up}",{direction_ref}="{down}")'
    return (
        f"=IF(AND({both},{graded}),"
        f'IF({target_ref}={base_ref},"",({actual_ref}-{base_ref})/({target_ref}-{base_ref})),"")'
    )


def cached_progress(rate: float | None) -> float | str:
    """The value to cache in a :func:`progress_formula` cell."""
    return "" if rate is None else rate
