"""概要 sentences that can be published as they stand (issue 11).

Expectations are counted from the planted inputs, not from kpitool's output.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kpitool.config import Config, Department, Grades
from kpitool.consolidate import consolidate
from kpitool.grades import Grades as _Grades
from kpitool.master.layout import SUMMARY
from kpitool.master.summary import integer_step, summary_facts
from kpitool.master.writer import write_master
from kpitool.template import FilledData, write_template

KIKUGAWA = ("総務部", "企画政策部", "財務部", "健康福祉部", "建設経済部", "教育文化部")
# 菊川市 令和4年度: 重点施策60件のうち、A 49件、B 3件、C 8件 (seed 004). Spread over six departments.
PLAN = {"総務部": "AAAAAAAABC", "企画政策部": "AAAAAAAACC", "財務部": "AAAAAAAABC",
        "健康福祉部": "AAAAAAAABC", "建設経済部": "AAAAAAAAAC", "教育文化部": "AAAAAAAACC"}


def _kpi(i: int, letter: str, department: str = "") -> dict[str, Any]:
    actual = {"A": 105, "B": 104, "C": 95}[letter]  # A and B at or above target, C below
    return {"no": str(i + 1), "policy": "重点施策", "indicator": f"{department}指標{i + 1}", "unit": "件",
            "direction": "↑",
            "target": 100, "prev": 90, "curr": actual, "grade": letter}


def _department(inbox: Path, name: str, kpis: list[dict[str, Any]]) -> None:
    data = FilledData(
        basic={"municipality": "菊川市", "department": name, "head": "部長", "contact_person": "担当",
               "contact": "内線 1", "created": dt.date(2024, 4, 1)},
        kpis=kpis,
        survey=[{"no": "1", "viewpoint": "視点1", "initiative": "取り組み", "plan": "方針", "prev": "実績", "curr": "実績"}],
        figures=[{"initiative_no": "1", "item": "件数", "unit": "件", "direction": "↑", "prev": 1, "curr": 2}],
    )
    write_template(inbox / f"{name}.xlsx", roster=KIKUGAWA, data=data)


def test_kikugawa_counts_reproduce_from_a_synthetic_inbox(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name, letters in PLAN.items():
        _department(inbox, name, [_kpi(i, letter, name) for i, letter in enumerate(letters)])
    assert sum(letters.count("A") for letters in PLAN.values()) == 49
    assert sum(letters.count("B") for letters in PLAN.values()) == 3
    config = Config(municipality="菊川市", departments=tuple(Department(n) for n in KIKUGAWA),
                    grades=Grades(subject="重点施策"))
    c = consolidate(inbox, config)
    assert c.findings.empty  # B at 104 % passes silently under the judgement rule
    master = write_master(c, tmp_path / "master.xlsx").master
    summary = openpyxl.load_workbook(master)[SUMMARY]
    assert summary["B5"].value == (
        "集計対象6部局の重点施策60件のうち、A（目標どおり達成）49件、B（達成したが課題が残る）3件、"
        "C（達成できなかった）8件となっています。"
    )


def test_rate_scheme_fills_a_blank_grade_and_says_so(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    kpis = [_kpi(0, "A") | {"curr": 125, "grade": None}, _kpi(1, "A") | {"curr": 85, "grade": None},
            _kpi(2, "A") | {"curr": 50, "grade": "C"}]
    _department(inbox, "総務部", kpis)
    config = Config(municipality="菊川市", departments=(Department("総務部"),),
                    grades=Grades(("S", "A", "B", "C"), (1.2, 1.0, 0.8)))
    c = consolidate(inbox, config)
    assert list(c.kpis["grade"]) == ["S", "B", "C"]  # 125 % ≥ 120 %, 85 % ≥ 80 %, as typed
    assert list(c.kpis["grade_basis"]) == ["達成率から補完（空欄のため）"] * 2 + ["部局の判断"]
    master = write_master(c, tmp_path / "master.xlsx").master
    headline = openpyxl.load_workbook(master)[SUMMARY]["B5"].value
    assert headline == (
        "集計対象1部局の成果指標3件のうち、S（達成率120%以上）1件、A（達成率100%以上120%未満）0件、"
        "B（達成率80%以上100%未満）1件、C（達成率80%未満）1件（うち2件は区分が空欄のため達成率から補完）となっています。"
    )


def test_the_demo_sentence_states_the_excluded_departments(tmp_path: Path) -> None:
    from kpitool.demo import prepare

    config, inbox = prepare(tmp_path / "demo")
    master = write_master(consolidate(inbox, config), tmp_path / "master.xlsx").master
    cells = [[c.value for c in row] for row in openpyxl.load_workbook(master)[SUMMARY].iter_rows()]
    headline = cells[4][1]
    # The demo: 7 departments, 教育文化部 未提出, 地域支援部 要修正 (kpitool.demo.examples).
    assert headline.startswith("集計対象5部局の成果指標19件（要修正1部局・未提出1部局を除く）のうち、")
    assert headline.endswith("となっています。")
    text = "\n".join(str(v) for row in cells for v in row if v is not None)
    assert "増減なし" not in text
    changes = cells[6][1]
    # 財務部's 合併特例債 and 市有地賃貸料 対前年度増減 are 参考値 (→); 不詳 … rows are 比較不可.
    assert "（要修正1部局・未提出1部局、参考値2件を除く）" in changes
    assert "比較不可" in changes and "不詳" in changes
    by_name = {row[0]: row for row in cells if row and row[0]}
    assert by_name["教育文化部"][2] == "未提出（集計外）"  # 部局名, まとめ, 集計 (issue 12: the sentence wraps in B)
    assert by_name["地域支援部"][2] == "要修正（集計外）"


def test_not_comparable_is_counted_with_its_reason() -> None:
    grades = _Grades()
    facts = summary_facts(
        grades,
        [("総務部", "提出済", True)],
        [],
        [("総務部", "↑", "", "不詳"), ("総務部", "↑", "", "不詳"), ("総務部", "↑", "", "単位不一致"),
         ("総務部", "↑", "横ばい", None), ("総務部", "→", "", None), ("総務部", "↓", "改善", None)],
    )
    t = facts.total
    assert t.evaluations == {"改善": 1, "横ばい": 1, "悪化": 0, "比較不可": 3}
    assert t.reasons == {"不詳": 2, "単位不一致": 1}
    assert t.reference_figures == 1


@pytest.mark.parametrize(("largest", "step"), [(0, 1), (3, 1), (10, 1), (11, 2), (19, 2), (21, 5), (60, 10), (480, 50)])
def test_count_axes_step_by_whole_numbers(largest: int, step: int) -> None:
    assert integer_step(largest) == step


def test_a_city_s_many_departments_get_their_charts_in_readable_parts(tmp_path: Path) -> None:
    """25 departments in one chart of 概要 were unreadable on paper (100 clustered columns a few
    pixels wide, count labels overlapping, every other department's name dropped by the bar
    chart). Each chart shows at most DEPARTMENTS_PER_CHART departments; the parts cover every
    department once, in order, on one scale, two charts a page."""
    import re
    import zipfile

    import xlsxwriter

    from kpitool.master.summary import (
        DEPARTMENTS_PER_CHART,
        status_counts,
        summary_grid,
        write_summary,
    )
    from kpitool.master.writer import Formats

    names = [f"部局{i:02d}" for i in range(25)]
    config = Config("菊川市", tuple(Department(n) for n in names))
    facts = summary_facts(config.grades, [(n, "提出済", True) for n in names],
                          [(n, "↑", "ABC"[i % 3], "") for i, n in enumerate(names)],
                          [(n, "↑", "改善", None) for n in names])
    grid = summary_grid(config, "", status_counts(["提出済"] * 25), facts)
    path = tmp_path / "summary.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet(SUMMARY)
    write_summary(workbook, sheet, grid, Formats(workbook), config)
    workbook.close()
    with zipfile.ZipFile(path) as z:
        charts = [z.read(n).decode() for n in sorted(z.namelist(), key=lambda n: int(re.sub(r"\D", "", n) or 0))
                  if n.startswith("xl/charts/chart")]
        sheet_xml = z.read("xl/worksheets/sheet1.xml").decode()
    parts = 25 // DEPARTMENTS_PER_CHART + 1
    assert len(charts) == 2 * parts
    for kind, group, (first, last, _column) in (("col", charts[:parts], grid.tally_block),
                                               ("bar", charts[parts:], grid.change_block)):
        covered: list[int] = []
        for chart in group:
            assert f'<c:barDir val="{kind}"/>' in chart
            spans = set(re.findall(r"<c:cat>.*?\$A\$(\d+):\$A\$(\d+)", chart, re.S))
            assert len(spans) == 1
            a, b = (int(x) for x in spans.pop())
            assert b - a + 1 <= DEPARTMENTS_PER_CHART
            covered += range(a, b + 1)
        assert covered == list(range(first + 1, last + 2)) and len(covered) == 25, kind  # 1-based rows
    assert len(re.findall(r"<brk ", sheet_xml)) == parts  # two charts a page
