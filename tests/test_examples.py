"""The bundled example data: shape, seed figures, quirks and the planted errors."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Iterator

import pytest

from kpitool.demo.examples import (
    FISCAL_YEARS,
    MUNICIPALITY,
    NON_SUBMITTER,
    ROSTER,
    ExampleSubmission,
    duplicate_submission,
    example_config_toml,
    example_submissions,
)
from kpitool.spec import template_spec

SHEETS = ("kpis", "survey", "figures")
ROW_COUNTS = {"kpis": (2, 7), "survey": (2, 5), "figures": (3, 12)}
MARKERS = {"-", "…"}


def number(value: object) -> float | None:
    """A deliberately small parser for the test: 全角, separators, units, △, %."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value).strip().replace(",", "")
    negative = text.startswith(("△", "▲"))
    match = re.fullmatch(r"[△▲]?(\d+(?:\.\d+)?)(?:[^\d.]+)?", text)
    if not match:
        return None
    result = float(match.group(1))
    return -result if negative else result


def all_submissions() -> list[ExampleSubmission]:
    return [*example_submissions(), duplicate_submission()]


def values(sub: ExampleSubmission) -> Iterator[object]:
    yield from sub.basic.values()
    for key in SHEETS:
        for row in getattr(sub, key):
            yield from row.values()


def all_values() -> list[object]:
    return [v for sub in example_submissions() for v in values(sub)]


def strings() -> list[str]:
    return [v for v in all_values() if isinstance(v, str)]


def error_submission() -> ExampleSubmission:
    (sub,) = [s for s in example_submissions() if s.has_errors]
    return sub


@pytest.mark.parametrize("sub", all_submissions(), ids=lambda s: s.filename)
def test_keys_are_the_spec_column_keys(sub: ExampleSubmission) -> None:
    spec = template_spec(FISCAL_YEARS)
    assert set(sub.basic) == {c.key for c in spec.sheet("basic").columns}
    for key in SHEETS:
        expected = {c.key for c in spec.sheet(key).columns}
        for row in getattr(sub, key):
            assert set(row) == expected, (sub.filename, key, row)


@pytest.mark.parametrize("sub", all_submissions(), ids=lambda s: s.filename)
def test_values_are_what_a_user_types(sub: ExampleSubmission) -> None:
    for value in values(sub):
        assert value is None or isinstance(value, str | int | float | dt.date), value
        assert not isinstance(value, bool)
    assert sub.basic["municipality"] == MUNICIPALITY
    assert sub.basic["department"] in ROSTER
    for key, (low, high) in ROW_COUNTS.items():
        assert low <= len(getattr(sub, key)) <= high, (sub.filename, key)
    for row in [*sub.kpis, *sub.figures]:
        assert row["direction"] in ("↑", "↓", "→")
    for row in sub.kpis:
        assert row["grade"] in ("A", "B", "C", None)
    for key in SHEETS:
        for row in getattr(sub, key):
            ident = row["initiative_no" if key == "figures" else "no"]
            assert isinstance(ident, str) and re.fullmatch(r"\d+(-\d+)?", ident), ident
    assert sub.description


def test_submitters_and_roster() -> None:
    subs = example_submissions()
    departments = [s.basic["department"] for s in subs]
    assert len(departments) >= 6
    assert len(set(departments)) == len(departments)
    assert len(ROSTER) >= 7 and len(set(ROSTER)) == len(ROSTER)
    assert NON_SUBMITTER in ROSTER
    assert NON_SUBMITTER not in departments
    assert set(departments) | {NON_SUBMITTER} == set(ROSTER)
    assert sum(s.has_errors for s in subs) == 1


def test_filenames_are_unique() -> None:
    names = [s.filename for s in all_submissions()]
    assert len(set(names)) == len(names)
    assert all(n.endswith(".xlsx") for n in names)


def test_initiative_numbers_refer_to_survey_rows() -> None:
    for sub in all_submissions():
        survey_nos = {row["no"] for row in sub.survey}
        dangling = [row["initiative_no"] for row in sub.figures if row["initiative_no"] not in survey_nos]
        if sub.has_errors:
            assert dangling == ["3-2"]
        else:
            assert dangling == [], sub.filename


def test_numbers_are_unique_except_in_the_error_department() -> None:
    for sub in all_submissions():
        for key in ("kpis", "survey"):
            counts = Counter(row["no"] for row in getattr(sub, key))
            duplicated = [no for no, n in counts.items() if n > 1]
            if sub.has_errors and key == "kpis":
                assert duplicated == ["2-2"]
            else:
                assert duplicated == [], (sub.filename, key)


def test_grades_follow_the_judgement_rule() -> None:
    """菊川市's rule (the demo's default): A and B need 達成率 ≥ 100 %, C is below."""
    graded = 0
    for sub in example_submissions():
        for row in sub.kpis:
            target, actual = number(row["target"]), number(row["curr"])
            if target is None or actual is None or not target or row["direction"] == "→":
                continue
            rate = actual / target if row["direction"] == "↑" else target / actual
            assert row["grade"] in (("A", "B") if rate >= 1.0 else ("C",)), (sub.filename, row["indicator"], rate)
            graded += 1
    assert graded >= 15
    grades = [row["grade"] for sub in example_submissions() for row in sub.kpis]
    assert {"A", "B", "C", None} <= set(grades)


def test_the_new_target_columns_are_shown() -> None:
    """Issue 11: 基準値/基準年度/目標年度 (平成 and 西暦), a 定性 target, 参考値 rows."""
    kpis = [row for sub in example_submissions() for row in sub.kpis]
    figures = [row for sub in example_submissions() for row in sub.figures]
    assert any(row["base_year"] == "平成29年度" and row["base"] == "30%" for row in kpis)
    assert any(row["base_year"] == 2016 and row["target_year"] == 2022 and row["base"] == "370位" for row in kpis)
    assert any(row["target"] == "すべての項目" and row["note"] for row in kpis)
    assert any(row["direction"] == "→" and row["item"] == "合併特例債" for row in figures)


def test_the_quirks_staff_produce_are_present() -> None:
    texts = strings()
    assert "５１５" in texts  # 全角数字
    assert "2,459.3" in texts  # separator typed as text
    assert "515件" in texts and "8,782,546円" in texts  # unit typed in the cell
    assert any(t.startswith("△") and number(t) is not None and number(t) < 0 for t in texts)
    assert "△1,972" in texts
    assert "-" in texts and "…" in texts  # 該当なし, 不詳
    assert "令和6年4月1日" in texts
    assert any(isinstance(v, dt.date) for v in all_values())
    assert any(isinstance(t, str) and re.fullmatch(r"\d+(\.\d+)?%", t) for t in texts)
    kpis = [row for sub in example_submissions() for row in sub.kpis]
    figures = [row for sub in example_submissions() for row in sub.figures]
    assert any(row["unit"] == "%" for row in kpis)
    assert any(row["unit"] == "位" and row["direction"] == "↓" for row in kpis)
    assert any(row["unit"] == "千円" and str(row["prev"]).endswith("千円") for row in figures)


def test_created_is_wareki_text_once_and_a_date_elsewhere() -> None:
    created = [s.basic["created"] for s in example_submissions()]
    assert sum(isinstance(c, str) for c in created) == 1
    assert sum(isinstance(c, dt.date) for c in created) == len(created) - 1


def test_seed_figures_are_verbatim() -> None:
    texts = strings()
    numbers = {number(v) for v in all_values()} - {None}
    assert "8,782,546円" in texts and "11,752,258円" in texts
    assert {498, 515, 2528, 2509, 235, 310, 323, 326, 91, 630, 102, 557, 9, 12} <= numbers
    assert {24122814, 21653896, 1167400, 347800, 12402000, 5271, 3299} <= numbers
    assert {828, 811, 752, 667, 316, 401, 658, 442, 829, 793, 193, 201} <= numbers
    # 真庭市 総合政策部 (seed 000): 目標値 and 令和5年度実績値
    assert {150, 125000, 148974, 164, 39, 34, 450, 416, 1500, 1487} <= numbers
    assert "約60人" in texts  # the seed's 目標値 60人, mistyped in the error file


def test_the_error_department_has_every_planted_error() -> None:
    sub = error_submission()
    kpi_targets = [row["target"] for row in sub.kpis]
    assert "約60人" in kpi_targets
    assert "集計中" in [row["curr"] for row in sub.figures]
    assert any(row["unit"] in (None, "") for row in sub.figures)
    jumps = [
        row for row in sub.figures
        if (p := number(row["prev"])) and (c := number(row["curr"])) and max(p, c) / min(p, c) >= 500
    ]
    assert [row["item"] for row in jumps] == ["ふるさと納税 寄附額"]
    assert all(row["unit"] == "円" for row in jumps)


def test_only_the_error_department_has_errors() -> None:
    for sub in all_submissions():
        if sub.has_errors:
            continue
        for key in ("kpis", "figures"):
            for row in getattr(sub, key):
                assert row["unit"], (sub.filename, row)
                for col in ("target", "prev", "curr") if key == "kpis" else ("prev", "curr"):
                    value = row[col]
                    if value is None:
                        continue
                    if col == "target" and value == "すべての項目":
                        continue  # a 定性 target: text is the target
                    assert value in MARKERS or number(value) is not None, (sub.filename, col, value)
                p, c = number(row["prev"]), number(row["curr"])
                if p and c:
                    assert max(abs(p), abs(c)) / min(abs(p), abs(c)) < 500, (sub.filename, row)


def test_warning_department_has_stray_spaces_only() -> None:
    (sub,) = [s for s in example_submissions() if s.basic["department"] == "総務部"]
    texts = [v for v in values(sub) if isinstance(v, str)]
    assert any(t != t.strip() for t in texts)
    assert sub.basic["department"] == "総務部"


def test_duplicate_is_an_older_version_of_a_submitted_file() -> None:
    dup = duplicate_submission()
    (current,) = [s for s in example_submissions() if s.basic["department"] == dup.basic["department"]]
    assert dup.filename != current.filename
    assert isinstance(dup.basic["created"], dt.date) and isinstance(current.basic["created"], dt.date)
    assert dup.basic["created"] < current.basic["created"]
    assert not dup.has_errors


def test_calls_return_fresh_data() -> None:
    first = example_submissions()
    first[0].kpis.clear()
    assert example_submissions()[0].kpis


def test_config_toml_parses_and_lists_the_roster() -> None:
    data = tomllib.loads(example_config_toml())
    assert data["municipality"] == MUNICIPALITY
    assert data["fiscal_years"] == [2022, 2023]
    assert data["departments"] == ROSTER
    assert "grades" not in data


def test_config_toml_is_accepted_by_the_config_loader() -> None:
    from kpitool.config import config_from_dict

    config = config_from_dict(tomllib.loads(example_config_toml()))
    assert list(config.roster) == ROSTER
    assert config.fiscal_years == FISCAL_YEARS
