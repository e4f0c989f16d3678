"""kpitool import-survey (issue 14): a published 実績調査 as text, HTML or .docx -> paired figure candidates.

The expected pairs are written by hand from seed 004 (菊川市 実績調査 R4/R5), not from the program.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from workbooks import make_config

from kpitool import codes
from kpitool.cli import main
from kpitool.narrative.import_survey import CSV_COLUMNS, CSV_NAME, import_survey
from kpitool.validate import validate_file

SEEDS = Path(__file__).resolve().parents[1] / ".." / "shared" / "seeds"

# (a word of 項目, 単位, 令和4年度, 令和5年度), read off the seed text by hand.
EXPECTED = [
    ("提出件数", "件", 498, 515),  # 1.業務改善 ①提出件数：498件 / 515件
    ("改善（かえる）", "件", 434, 452),
    ("縮小・統合（へらす）", "件", 25, 44),
    ("市民サービス向上", "件", 135, 141),
    ("講座", "講座", 91, 102),  # 研修 91講座、630人が受講 / 102講座、557人
    ("受講", "人", 630, 557),
    ("差押件数", "件", 235, 310),
    ("換価金額", "円", 21925394, 21780983),
    ("換価件数", "件", 463, 494),
    ("団体", "団体", 40, 43),  # 1%地域づくり活動交付金事業は、40団体 / 43団体
    ("参加者数", "人", 323, 326),  # 市政懇談会 延べ323人 / 326人
]


def seed004() -> Path:
    path = next(SEEDS.glob("004_*.txt"), None)
    if path is None:
        pytest.skip(f"seed 004 is not in {SEEDS}")
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert tuple(rows[0]) == CSV_COLUMNS
    return [dict(zip(CSV_COLUMNS, r, strict=True)) for r in rows[1:]]


def pairs(rows: list[dict[str, str]]) -> set[tuple[str, str, str, str]]:
    return {(r["項目"], r["単位"], r["前年度"], r["当年度"]) for r in rows}


def has_pair(rows: list[dict[str, str]], word: str, unit: str, prev: int, curr: int) -> bool:
    return any(word in r["項目"] and r["単位"] == unit and r["前年度"] == str(prev) and r["当年度"] == str(curr)
               for r in rows)


def test_seed_004_pairs_written_by_hand(tmp_path: Path) -> None:
    result = import_survey(seed004(), tmp_path)
    assert result.years == (2022, 2023)
    rows = read_csv(tmp_path / CSV_NAME)
    for word, unit, prev, curr in EXPECTED:
        assert has_pair(rows, word, unit, prev, curr), (word, unit, prev, curr)
    # a figure of one year only keeps the other blank: 交付確定額 is 確認作業中 in R5
    assert any("交付確定額" in r["項目"] and r["前年度"] == "12402000" and r["当年度"] == "" for r in rows)
    # 根拠 quotes the sentence each figure came from
    (row,) = [r for r in rows if "差押件数" in r["項目"]]
    assert "差押件数 235件" in row["根拠（前年度）"] and "差押件数 310件" in row["根拠（当年度）"]


def test_no_figure_from_dates_ordinals_or_names(tmp_path: Path) -> None:
    rows = read_csv(import_survey(seed004(), tmp_path).csv_path)
    for r in rows:
        for year, quote in (("前年度", "根拠（前年度）"), ("当年度", "根拠（当年度）")):
            if not r[year]:
                continue
            # every value is written in its sentence, followed by its unit (no date, no list number)
            value = float(r[year])
            written = {f"{value:,.0f}", f"{value:.0f}"} if value.is_integer() else {r[year], f"{value:,}"}
            assert any(re.search(rf"(?<![\d,.]){re.escape(w)}\s?{re.escape(r['単位'])}", r[quote]) for w in written), r
    sentences = " ".join(r["根拠（前年度）"] + r["根拠（当年度）"] for r in rows)
    assert "4つの方向性" in sentences  # the sentence is there (協働推進委員会を2回開催) ...
    assert not [r for r in rows if r["単位"] in ("つ", "年", "年度", "月", "日", "回目", "条")]
    assert not [r for r in rows if r["前年度"] in ("4", "17") and "4つの方向性" in r["根拠（前年度）"]]  # ... not its 4 or 17


def test_every_figure_changed_gives_the_changed_numbers(tmp_path: Path) -> None:
    """Nothing is hard-coded: the same document with every figure of these units plus 7."""
    text = seed004().read_text(encoding="utf-8")

    def bump(m: re.Match[str]) -> str:
        value = int(m.group(1).replace(",", "")) + 7
        return f"{value:,}" if "," in m.group(1) else str(value)

    changed = re.sub(r"(?<![\d,.])(\d{1,3}(?:,\d{3})+|\d+)(?=\s?(?:件|円|人|講座|団体))", bump, text)
    assert changed != text
    source = tmp_path / "changed.txt"
    source.write_text(changed, encoding="utf-8")
    rows = read_csv(import_survey(source, tmp_path / "out").csv_path)
    for word, unit, prev, curr in EXPECTED:
        assert has_pair(rows, word, unit, prev + 7, curr + 7), (word, unit, prev + 7, curr + 7)
        assert not has_pair(rows, word, unit, prev, curr)


def _cells(line: str) -> list[str]:
    return line.split("\t")


def test_an_html_page_with_the_table_gives_the_same_candidates(tmp_path: Path) -> None:
    lines = [line for line in seed004().read_text(encoding="utf-8").splitlines() if "\t" in line]
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in _cells(line)) + "</tr>" for line in lines)
    page = tmp_path / "page.html"
    page.write_text(f"<!DOCTYPE html><html lang='ja'><body><h1>実績調査</h1><table>{body}</table></body></html>",
                    encoding="utf-8")
    from_text = read_csv(import_survey(seed004(), tmp_path / "t").csv_path)
    from_html = read_csv(import_survey(page, tmp_path / "h").csv_path)
    assert pairs(from_html) == pairs(from_text)
    for word, unit, prev, curr in EXPECTED:
        assert has_pair(from_html, word, unit, prev, curr)


def test_a_docx_with_the_table(tmp_path: Path) -> None:
    import docx

    from kpitool.narrative.extract import plain_text

    document = docx.Document()
    document.add_paragraph("行政経営推進方針における主な取り組み実績調査")
    header = ["視点", "主な取り組み", "関連する計画・制度", "令和4年度実績", "令和5年度実績"]
    rows = [
        ["視点2 健全な財政運営の推進", "市税等の納付環境の拡充及び滞納整理事務の強化", "「徴収管理」",
         "「徴収管理」\n・差押件数 235件\n・換価件数・金額 463件 21,925,394円",
         "「徴収管理」\n・差押件数 310件\n・換価件数・金額 494件 21,780,983円"],
        ["", "人材育成の推進", "「人材育成基本方針」",  # a merged 視点 cell: the 視点 above
         "目指すべき職員像の実現に向けて研修の積極的な受講を促し、91講座、630人が受講した。",
         "目指すべき職員像の実現に向けて研修の積極的な受講を促し、102講座、557人が受講した。"],
    ]
    table = document.add_table(rows=1, cols=5)
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=True):
            cell.text = ""
            for i, paragraph in enumerate(text.split("\n")):
                (cell.paragraphs[0] if i == 0 else cell.add_paragraph()).add_run(paragraph)
    path = tmp_path / "実績調査.docx"
    document.save(str(path))
    found = read_csv(import_survey(path, tmp_path / "out").csv_path)
    for word, unit, prev, curr in EXPECTED[4:9]:
        assert has_pair(found, word, unit, prev, curr), (word, unit, prev, curr)
    assert {r["視点"] for r in found} == {"視点2 健全な財政運営の推進"}
    assert {r["取り組み"] for r in found} == {"市税等の納付環境の拡充及び滞納整理事務の強化", "人材育成の推進"}
    assert plain_text("<p>a</p><p>b</p>") == "a\nb"


def test_cli_writes_the_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["import-survey", str(seed004()), "-o", str(out)]) == 0
    rows = read_csv(out / CSV_NAME)
    assert has_pair(rows, "提出件数", "件", 498, 515)
    said = capsys.readouterr().out
    assert f"数値 {len(rows)}件を取り出しました" in said
    assert not list(out.glob("*.xlsx"))  # templates only with --templates


def test_cli_refuses_a_file_without_the_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "memo.txt"
    path.write_text("提出件数は498件でした。", encoding="utf-8")
    assert main(["import-survey", str(path), "-o", str(tmp_path / "out")]) == 2
    assert "実績調査の表が見つかりません" in capsys.readouterr().err


UNCONFIRMED = "【要確認】"


def test_templates_open_validate_and_need_confirming(tmp_path: Path) -> None:
    import openpyxl

    out = tmp_path / "out"
    assert main(["import-survey", str(seed004()), "-o", str(out), "--templates"]) == 0
    templates = sorted(out.glob("*.xlsx"))
    assert [p.name for p in templates] == [  # one per 視点 of the published table
        "実績調査_01_視点1_効果的・効率的な行政運営の推進.xlsx",
        "実績調査_02_視点2_健全な財政運営の推進.xlsx",
        "実績調査_03_視点3_地域の力の向上及び連携の強化の推進.xlsx",
    ]
    config = make_config(roster=("財務部", "総務部"))
    for path in templates:
        wb = openpyxl.load_workbook(path)  # it opens
        marked = {(ws.title, c.coordinate) for ws in wb for row in ws.iter_rows() for c in row
                  if isinstance(c.value, str) and UNCONFIRMED in c.value}
        marked_rows = {(sheet, re.sub(r"[A-Z]+", "", ref)) for sheet, ref in marked}
        result = validate_file(path, config)
        assert not result.report.ok  # nothing imported is consolidated before a department confirms it
        for f in result.report.findings:
            if f.sheet == "基本情報":
                assert f.code.startswith("E-BASIC"), f  # the department fills in who it is
                continue
            if f.code == codes.STRUCT_EMPTY_TABLE:
                assert f.sheet == "事業成果目標"  # a 実績調査 has no KPIs to import
                continue
            # every other finding is on a row left 要確認
            assert (f.sheet, re.sub(r"[A-Z]+", "", f.cell)) in marked_rows, (path.name, f.compact(), f.message)
        assert codes.NARR_UNCONFIRMED in {f.code for f in result.report.findings}
        assert not [f for f in result.report.findings if f.code == codes.NARR_FIGURE_DIFFERS]


def test_a_confirmed_template_is_clean(tmp_path: Path) -> None:
    """What a department does: check, remove 【要確認】, choose 方向, fill 基本情報 — and nothing is left."""
    import datetime as dt

    import openpyxl

    out = tmp_path / "out"
    result = import_survey(seed004(), out, templates=True, municipality="菊川市")
    path = next(p for p in result.templates if "健全な財政運営" in p.name)
    wb = openpyxl.load_workbook(path)
    for ws in wb:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and UNCONFIRMED in c.value:
                    c.value = c.value.replace(UNCONFIRMED, "")
    basic = wb["基本情報"]
    values = {"部局名": "財務部", "部局長名": "菊川 次郎", "担当者": "財政課 山田 花子", "作成日": dt.date(2024, 4, 1)}
    for row in basic.iter_rows():
        if row[0].value in values:
            basic.cell(row[0].row, 2, values[row[0].value])
    figures = wb["実績数値"]
    header = next(r for r in figures.iter_rows() if r[0].value == "取り組み番号")
    col = {c.value: c.column for c in header}
    for r in range(header[0].row + 1, figures.max_row + 1):
        if figures.cell(r, col["取り組み番号"]).value:
            figures.cell(r, col["方向"], "↑")
            for label in ("令和4年度", "令和5年度"):
                if figures.cell(r, col[label]).value in (None, ""):
                    figures.cell(r, col[label], "-")  # 該当なし
    wb.save(path)
    report = validate_file(path, make_config(roster=("財務部",))).report
    assert report.ok, [(f.compact(), f.message) for f in report.findings if f.is_error]
    assert not [f for f in report.findings if f.code == codes.NARR_FIGURE_DIFFERS]
