"""How the master prints (issue 12, item 3): audit columns off paper, one page wide, text ≥ 8 pt.

The widths are checked by computation (:mod:`kpitool.master.printing`) and on paper: the demo
master printed by LibreOffice, its PDF's words measured with ``pdftotext -bbox``.
"""

from __future__ import annotations

import re
import statistics
import subprocess
from pathlib import Path

import openpyxl
import pytest
import workbooks
from libreoffice import make_profile, require_soffice, smallest_text_pt

from kpitool.master.layout import DATA_SHEETS, FIGURES, PUBLICATION, SUBMISSIONS, SUMMARY, layouts
from kpitool.master.printing import (
    AUDIT_WIDTHS,
    MIN_FONT_PT,
    PAPERS,
    effective_font_size,
    paper_for,
    printed_columns,
)
from kpitool.master.summary import SummaryGrid
from kpitool.master.writer import FONT_SIZE

AUDIT_LABELS = ("出典", "SHA-256", "行の検証値", "（記入値）", "サイズ（バイト）", "更新日時")
# Word boxes of pdftotext are 1.3 times the font size (11 pt text: 14.3 pt boxes, measured).
BOX_PER_POINT = 1.3


@pytest.mark.parametrize("name", DATA_SHEETS)
def test_printed_columns_fit_a4_at_8_pt(name):
    layout = layouts((2022, 2023))[name]
    count = printed_columns(layout.columns)
    printed = [c.label for c in layout.columns[:count]]
    assert not [label for label in printed if any(a in label for a in AUDIT_LABELS)]
    assert all(not c.printed for c in layout.columns[count:])
    widths = [c.width for c in layout.columns[:count]]
    assert paper_for(widths, FONT_SIZE) == PAPERS["A4"]
    assert effective_font_size(widths, PAPERS["A4"], FONT_SIZE) >= MIN_FONT_PT


def test_audit_log_fits_a4_at_8_pt():
    assert effective_font_size(AUDIT_WIDTHS, PAPERS["A4"], FONT_SIZE) >= MIN_FONT_PT


@pytest.mark.parametrize("letters", [("A", "B", "C"), ("S", "A", "B", "C", "D")])
def test_the_summary_fits_a4_at_8_pt_whatever_the_grades(letters):
    from kpitool.master.summary import summary_widths

    grid = SummaryGrid()
    grid.add(("部局名", "まとめ", "集計", *letters, "未評価", "計", "参考値"), header=True)
    widths = summary_widths(grid)
    assert len(widths) == len(letters) + 6
    assert effective_font_size(widths, PAPERS["A4"], FONT_SIZE) >= MIN_FONT_PT


def test_a_table_too_wide_for_a4_goes_on_a3_and_an_audit_column_must_come_last():
    assert paper_for([20.0] * 9, FONT_SIZE) == PAPERS["A3"]  # 180 units: 6.4 pt on A4
    assert effective_font_size([20.0] * 9, PAPERS["A4"], FONT_SIZE) < MIN_FONT_PT
    layout = layouts((2022, 2023))[FIGURES]
    source, item = layout.columns[layout.index("source")], layout.columns[layout.index("item")]
    with pytest.raises(ValueError, match="one block"):
        printed_columns([item, source, item])


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    return workbooks.demo_master(tmp_path_factory.mktemp("print"))


def test_submissions_say_whom_to_ask_and_mark_rows_to_chase(demo):
    from kpitool.demo.examples import NON_SUBMITTER, example_submissions

    book = openpyxl.load_workbook(demo)
    sheet = book[SUBMISSIONS]
    header = [c.value for c in sheet[1]]
    assert header[:8] == ["部局名", "状況", "集約", "部局長名", "担当者", "連絡先", "作成日", "作成日（和暦）"]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True) if r[1] != "重複"}
    for example in example_submissions():
        basic = example.basic
        expected = tuple(str(basic[k]).strip() for k in ("head", "contact_person", "contact"))
        assert rows[basic["department"]][3:6] == expected  # 総務部 typed stray spaces
    assert rows[NON_SUBMITTER][1] == "未提出" and rows[NON_SUBMITTER][3] is None
    rules = [r for cf in sheet.conditional_formatting for r in cf.rules]
    assert len(rules) == 1 and rules[0].type == "expression"
    assert rules[0].formula == ['OR($B2="未提出",$B2="要修正",$B2="取込不可",$B2="要確認")']
    assert rules[0].dxf.font.b  # bold, not colour alone; the 状況 column says it in words


def test_figures_carry_the_initiative_name(demo):
    from kpitool.demo.examples import example_submissions

    names = {(e.basic["department"], s["no"]): s["initiative"] for e in example_submissions() for s in e.survey}
    sheet = openpyxl.load_workbook(demo, read_only=True)[FIGURES]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows and all(r[2] == names.get((r[0], r[1])) for r in rows)
    assert sum(r[2] is not None for r in rows) >= len(rows) - 1  # one figure names a missing 取り組み


def test_summary_tables_are_boxed_and_the_sheet_prints_without_a_grid(demo):
    """概要 printed its gridlines over every used cell: a grid beside its tables, on the blank rows
    between them and in strips around and between the two charts. Its tables carry borders
    instead (every cell of a table's width, a left-out department's short row too)."""
    sheet = openpyxl.load_workbook(demo)[SUMMARY]
    assert not sheet.print_options.gridLines
    assert sheet.sheet_view.showGridLines is not False  # still on screen

    def boxed(cell) -> bool:
        return all(getattr(cell.border, side).style for side in ("left", "right", "top", "bottom"))

    rows = list(sheet.iter_rows(max_col=9))
    captions = [r for r in rows if isinstance(r[0].value, str) and r[0].value.startswith("【")]
    assert len(captions) == 3 and not any(boxed(r[0]) for r in captions)
    blank = [r for r in rows if all(c.value is None for c in r)]
    assert blank and not any(boxed(c) for r in blank for c in r)
    filled = [c for r in rows if r not in captions for c in r if c.value is not None]
    assert filled and all(boxed(c) for c in filled)
    left_out = [r for r in rows if str(r[2].value or "").endswith("（集計外）")]
    assert len(left_out) == 4  # 要修正 and 未提出, in both tally tables
    assert all(boxed(c) for r in left_out for c in r)  # as wide as the table: 9 columns


# --- on paper -----------------------------------------------------------------------------------


def render(master: Path, workdir: Path) -> Path:
    soffice = require_soffice()
    profile = make_profile(workdir / "lo-profile")
    subprocess.run([soffice, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(workdir), str(master)],
                   capture_output=True, timeout=300, check=True)
    return workdir / f"{master.stem}.pdf"


def pages(pdf: Path) -> list[tuple[str, list[tuple[float, float, float, float, str]]]]:
    """(sheet name from the page header, words with their boxes) per page."""
    text = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    out = []
    for page in text.split("<page ")[1:]:
        words = [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', page)]
        top = min(words, key=lambda w: (w[1], w[0]))
        out.append((top[4], words))
    return out


@pytest.mark.slow
def test_every_sheet_prints_one_page_wide_at_8_pt_without_audit_columns(demo, tmp_path):
    pdf = render(demo, tmp_path)
    printed = pages(pdf)
    sheets = {name for name, _ in printed}
    assert set(layouts((2022, 2023))) | {"監査ログ", SUMMARY, PUBLICATION} <= sheets  # 概要 too (was 4.6 pt)
    for name, words in printed:
        body = [w for w in words if w[1] > 40 and w[3] < 560]  # without page header and footer
        size = statistics.median(w[3] - w[1] for w in body) / BOX_PER_POINT
        assert size >= MIN_FONT_PT * 0.97, (name, round(size, 2))
        assert max(w[2] for w in words) <= PAPERS["A4"].landscape_width_pt, name
        if name in DATA_SHEETS:
            texts = " ".join(w[4] for w in words)
            assert not [a for a in ("出典", "行の検証値", "記入値") if a in texts], name
            assert "部局名" in texts or name == "検証結果", name  # the header row, repeated
    for number, (name, _words) in enumerate(printed, start=1):  # every word of kanji, charts' labels too
        assert smallest_text_pt(pdf, (number, number)) >= MIN_FONT_PT, (name, number)
