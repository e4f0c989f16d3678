"""kpitool.validation.roster: the one roster matcher of 検証 and 集約 (issue 10)."""

from __future__ import annotations

import pytest

from kpitool.validation.roster import department_from_filename, match_department

ROSTER = ("総務部", "子ども福祉課", "財政部", "企画政策部")


@pytest.mark.parametrize("typed", ["総務部", " 総務部　", "総務部 "])
def test_the_roster_name_with_outer_spaces_matches(typed: str) -> None:
    match = match_department(typed, ROSTER)
    assert (match.on_roster, match.department, match.suggestion) == (True, "総務部", "")


@pytest.mark.parametrize(
    ("typed", "suggestion"),
    [("総務 部", "総務部"), ("総　務　部", "総務部"), ("こども福祉課", "子ども福祉課"), ("企画部", "企画政策部")],
)
def test_a_near_name_is_off_the_roster_with_a_suggestion(typed: str, suggestion: str) -> None:
    match = match_department(typed, ROSTER)
    assert (match.on_roster, match.guessed, match.suggestion) == (False, False, suggestion)
    assert match.department == suggestion  # listed under it, never counted as it
    assert match.speaks_for == ""


def test_a_name_far_from_the_roster_is_listed_as_written() -> None:
    match = match_department("上下水道局", ROSTER)
    assert (match.on_roster, match.department, match.suggestion) == (False, "上下水道局", "")


def test_blank_name_is_guessed_from_the_file_name() -> None:
    match = match_department("", ROSTER, "03_財政部_令和5年度.xlsx")
    assert (match.on_roster, match.guessed, match.department, match.speaks_for) == (False, True, "財政部", "財政部")
    assert match_department(None, ROSTER, "提出.xlsx").department == ""


def test_file_name_guess_takes_the_longest_unambiguous_name() -> None:
    assert department_from_filename("企画政策部.xlsx", (*ROSTER, "企画部")) == "企画政策部"
    assert department_from_filename("総務部と財政部.xlsx", ROSTER) == ""
