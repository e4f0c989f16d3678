"""The grade rule of a city (kpitool.grades): labels never contradict the rule (issue 11)."""

from __future__ import annotations

import pytest

from kpitool.grades import RATE, Grades

JUDGEMENT = Grades()
SABC = Grades(("S", "A", "B", "C"), (1.2, 1.0, 0.8), labels=("大きく上回った", "達成", "おおむね達成", "未達成"))


@pytest.mark.parametrize(
    ("letter", "rate", "broken"),
    [("A", 1.04, None), ("B", 1.04, None), ("B", 1.0, None), ("C", 0.95, None), ("A", 0.95, "達成率100%以上"),
     ("B", 0.85, "達成率100%以上"), ("C", 1.0, "達成率100%未満"), ("A", None, None), ("A", 0.7999999999999999 * 1.25, None)],
)
def test_judgement(letter: str, rate: float | None, broken: str | None) -> None:
    assert JUDGEMENT.violation(letter, rate) == broken


@pytest.mark.parametrize(
    ("rate", "band"), [(1.2, "S"), (1.19, "A"), (1.0, "A"), (0.8, "B"), (4.8 / 6, "B"), (0.79, "C"), (None, None)],
)
def test_rate_bands(rate: float | None, band: str | None) -> None:
    assert SABC.band(rate) == band
    if band is not None:
        assert SABC.violation(band, rate) is None
        assert all(SABC.violation(g, rate) is not None for g in SABC.letters if g != band)


def test_judgement_has_no_bands_and_never_fills() -> None:
    assert JUDGEMENT.band(1.3) is None and not JUDGEMENT.is_rate


def test_rules_as_people_read_them() -> None:
    assert JUDGEMENT.rule_text() == (
        "A（目標どおり達成）・B（達成したが課題が残る）は達成率100%以上、C（達成できなかった）は達成率100%未満。"
        "区分は各部局が判断します。"
    )
    assert SABC.rule_text().startswith("S（大きく上回った）: 達成率120%以上、A（達成）: 達成率100%以上120%未満、")
    assert SABC.choices_text() == "S（大きく上回った）/A（達成）/B（おおむね達成）/C（未達成）"


def test_bad_bands_are_refused() -> None:
    with pytest.raises(ValueError):
        Grades(("A", "B", "C"), (0.8, 1.0))
    with pytest.raises(ValueError):
        Grades(("A", "B"), (1.0,), labels=("x",))


# --- bands of the rate scheme (formerly variance.GradeThresholds) -------------------------


@pytest.mark.parametrize(
    ("rate", "grade"),
    [
        (1.5, "A"),
        (1.0, "A"),
        (0.9999999, "B"),
        (0.8, "B"),
        (4.8 / 6, "B"),  # 0.7999999999999999 in binary, 80% to the department
        (0.7999999, "C"),
        (0.0, "C"),
        (-0.5, "C"),
        (None, None),
    ],
)
def test_default_rate_bands_at_the_boundaries(rate, grade):
    assert Grades(scheme=RATE).band(rate) == grade


@pytest.mark.parametrize(
    ("rate", "grade"),
    [
        (1.2, "S"),
        (1.1999999, "A"),
        (1.0, "A"),
        (0.9999999, "B"),
        (0.8, "B"),
        (0.7999999, "C"),
    ],
)
def test_sabc_bands_at_the_boundaries(rate, grade):
    assert Grades(("S", "A", "B", "C"), (1.2, 1.0, 0.8)).band(rate) == grade


@pytest.mark.parametrize(
    ("grades", "rates"),
    [
        (("A",), ()),
        (("A", "A"), (1.0,)),
        (("A", "B", "C"), (1.0,)),
        (("A", "B", "C"), (0.8, 1.0)),
        (("A", "B", "C"), (1.0, 1.0)),
        (("A", "未評価"), (1.0,)),
        (("A", " "), (1.0,)),
    ],
)
def test_bad_bands(grades, rates):
    with pytest.raises(ValueError):
        Grades(grades, rates, scheme=RATE)
