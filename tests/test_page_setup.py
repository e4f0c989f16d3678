"""Print setup of the return copy and the findings report: rendered by LibreOffice and read back."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from libreoffice import pdf_pages, smallest_text_pt, to_pdf

from kpitool.demo import prepare
from kpitool.findings_report import write_findings_report
from kpitool.page_setup import (
    PRINTABLE_WIDTH,
    display_width,
    fit_widths,
    split_line,
    wrapped_row_height,
)
from kpitool.return_copy import WIDTHS, write_return_copy
from kpitool.validate import validate_paths


def test_fit_widths_narrows_only_the_wide_columns() -> None:
    widths = [6, 10, 60, 60, 40]
    fitted = fit_widths(widths, total=100, floor=12)
    assert sum(fitted) == pytest.approx(100)
    assert fitted[:2] == [6, 10]
    assert fitted[2] == fitted[3] > fitted[4] > 12
    assert fit_widths([10, 20], total=100) == [10, 20]  # already fits: unchanged


def test_wrapped_row_height_counts_lines() -> None:
    assert wrapped_row_height([("短い", 20)]) is None
    two = wrapped_row_height([("あ" * 15, 20)])  # 30 units in a 20-wide column: two lines
    three = wrapped_row_height([("あ" * 15, 20), ("一\n二\n三", 10)])
    assert two is not None and three is not None and three > two


def test_split_line_breaks_after_punctuation_within_the_width() -> None:
    text = "、".join(["取り組みの実績"] * 12)  # 14 units a clause, 178 units in all
    pieces = split_line(text, 40)
    assert len(pieces) > 1 and all(display_width(p) <= 40 for p in pieces)
    assert "".join(p.strip() for p in pieces) == text
    assert all(p.endswith("、") for p in pieces[:-1]) and all(p.startswith("    ") for p in pieces[1:])
    assert split_line("短い行", 40) == ["短い行"]
    unbroken = "あ" * 50  # no break point: cut at the width
    assert [display_width(p) for p in split_line(unbroken, 40)] == [40, 40, 28]  # 4 units of indent


def test_template_instructions_fit_the_page(tmp_path: Path) -> None:
    """記入方法: its columns add up to one A4 page at ≥ 8 pt and no line runs off it (issue 12)."""
    import openpyxl

    from kpitool.build.templates import default_template

    ws = openpyxl.load_workbook(default_template(tmp_path))["記入方法"]
    widths = [d.width - 0.71 for d in ws.column_dimensions.values() for _ in range(d.min, d.max + 1)]  # spans
    assert len(widths) == ws.max_column  # every used column has its width
    assert sum(widths) <= PRINTABLE_WIDTH
    for row in ws.iter_rows(min_row=2):
        text = row[0].value
        if isinstance(text, str) and all(c.value is None for c in row[1:]):  # a line, overflowing to the right
            assert display_width(text) <= sum(widths), text


def test_return_copy_widths_fit_the_page() -> None:
    assert sum(WIDTHS.values()) <= PRINTABLE_WIDTH + 1e-9


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("print")
    config, inbox = prepare(root)
    results = validate_paths([inbox], config)
    worst = max(results, key=lambda r: len(r.report.findings))
    report = write_findings_report(results, root / "検証結果.xlsx")
    copy = write_return_copy(worst, root / "copies")
    pdfs = to_pdf([report, copy], root)
    return {"results": results, "worst": worst, "report": pdfs[0], "copy": pdfs[1]}


def _landscape_a4(pdf: Path) -> None:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    size = next(line for line in info.splitlines() if line.startswith("Page size:"))
    width, height = (float(x) for x in size.split()[2:5:2])
    assert (round(width), round(height)) == (842, 595), size


def test_findings_report_prints_one_landscape_page_per_sheet(printed: dict) -> None:
    pdf = printed["report"]
    _landscape_a4(pdf)
    pages = pdf_pages(pdf)
    # 検証結果 (as many pages as the demo's findings need, header repeated), ファイル別, コード別.
    listing = [page for page in pages if "重要度" in page]
    assert listing and len(pages) >= 3
    findings = [f for r in printed["results"] for f in r.report.findings]
    assert findings
    for f in findings:
        assert f.code in "".join(listing)
    assert smallest_text_pt(pdf) >= 8.0
    for r in printed["results"]:  # the SHA-256 column stays on screen, not on paper
        assert r.name in "".join(pages) and r.sha256[:16] not in "".join(pages)


def test_return_copy_findings_print_on_the_first_page(printed: dict) -> None:
    pdf = printed["copy"]
    _landscape_a4(pdf)
    pages = pdf_pages(pdf)
    first = pages[0]
    assert "重要度" in first and "直し方" in first
    listing = "".join(page for page in pages if "重要度" in page)  # the finding list, header repeated
    for f in printed["worst"].report.findings:
        assert f.code in listing
    assert smallest_text_pt(pdf, (1, 1)) >= 8.0
    assert smallest_text_pt(pdf) >= 8.0  # every sheet of the copy, 記入方法 included (issue 12: was 5.1 pt)


def test_repeated_header_on_a_long_list(tmp_path: Path) -> None:
    """A list longer than a page repeats its header row on every page."""
    from workbooks import filled, make_config

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for i in range(12):
        filled(inbox, f"{i:02}_bad.xlsx", kpis={0: {"target": "約60"}, 1: {"target": "集計中"}},
               figures={0: {"curr": "確認作業中"}, 1: {"prev": "約3件"}})
    report = write_findings_report(validate_paths([inbox], make_config()), tmp_path / "findings.xlsx")
    pages = pdf_pages(to_pdf([report], tmp_path)[0])
    finding_pages = [p for p in pages if "_bad.xlsx" in p and "E-NUM" in p]
    assert len(finding_pages) >= 2
    assert all("重要度" in p and "直し方" in p for p in finding_pages)


def test_return_copy_rows_of_long_text_are_tall_enough(tmp_path: Path) -> None:
    """A department's long 実績 gets a row height for its lines; the copy prints without overlap."""
    import openpyxl
    from workbooks import filled, make_config

    long_text = "協働推進委員会を2回開催した。" * 8  # 120 全角 characters
    path = filled(tmp_path, survey={0: {"prev": long_text}}, kpis={0: {"target": "約60"}})
    copy = write_return_copy(validate_paths([path], make_config())[0], tmp_path / "out")
    ws = openpyxl.load_workbook(copy)["実績調査"]
    column = ws.column_dimensions["F"].width  # 令和4年度実績
    lines = -(-display_width(long_text) // int(column - 1))
    assert ws.row_dimensions[4].height >= lines * 13.5
    assert ws.row_dimensions[3].height in (None, 30)  # the header keeps its own height
