"""実績調査（公表用） (issue 12, item 2): laid out like the published report, nothing cut.

The real 1,090-character 実績 of 菊川市 財務部 (令和4年度, seed 004) is the case that matters:
on one row Excel prints at most 409 pt of it, and ③④⑤ were lost.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import openpyxl
import pytest
import workbooks
from libreoffice import make_profile, require_soffice

from kpitool.demo.examples import ZAIMU_R4_FULL
from kpitool.master.layout import PUBLICATION, SHEET_ORDER
from kpitool.master.publication import (
    CONTINUED,
    MAX_LINES,
    columns,
    fits_one_row,
    group_rows,
    lines_of,
    publication_rows,
    split_text,
)
from kpitool.publish import publish_master

LAST_SENTENCE = "「資金の安全性及び流動性を確保した上で、効率的な資金の管理を行うこと」を目的とする「菊川市資金管理方針」を策定した。"
WIDTH = 38  # 令和4年度実績 of the sheet


def flat(text: str) -> str:
    return re.sub(r"\s", "", text)


def test_the_real_text_is_the_seed_s_1090_characters():
    assert len(ZAIMU_R4_FULL) == 1090 and ZAIMU_R4_FULL.endswith(LAST_SENTENCE)
    assert not fits_one_row(ZAIMU_R4_FULL, WIDTH) and lines_of(ZAIMU_R4_FULL, WIDTH) > MAX_LINES


def test_a_long_text_is_cut_only_at_paragraphs_or_numbered_items():
    chunks = split_text(ZAIMU_R4_FULL, WIDTH)
    assert len(chunks) >= 3
    assert all(fits_one_row(c, WIDTH) for c in chunks)
    assert flat("".join(chunks)) == flat(ZAIMU_R4_FULL)  # nothing lost, nothing added
    paragraphs = ZAIMU_R4_FULL.split("\n")
    for chunk in chunks[1:]:
        assert chunk.split("\n")[0] in paragraphs or chunk[0] in "①②③④⑤", chunk[:20]
    assert any(c.startswith("③") or "\n③" in c for c in chunks)


def test_a_paragraph_longer_than_a_row_is_cut_after_a_sentence_then_inside():
    sentence = "令和5年度は" + "事業を実施した" * 6 + "。"
    paragraph = sentence * 12
    chunks = split_text(paragraph, WIDTH)
    assert len(chunks) > 1 and all(c.endswith("。") for c in chunks)
    assert "".join(chunks) == paragraph
    endless = "あ" * 2000
    chunks = split_text(endless, WIDTH)
    assert "".join(chunks) == endless and all(fits_one_row(c, WIDTH) for c in chunks)


def test_viewpoints_group_by_their_normalised_name_in_the_configured_order():
    rows = [
        {"viewpoint": "視点１ 効果的", "no": "1", "initiative": "a"},
        {"viewpoint": "視点3 地域", "no": "2", "initiative": "b"},
        {"viewpoint": "視点1  効果的", "no": "3", "initiative": "c"},
        {"viewpoint": "視点2 財政", "no": "4", "initiative": "d", "heading": "(1) 計画的な財政運営"},
    ]
    assert [[r["no"] for rs in g.values() for r in rs] for g in group_rows(rows).values()] == [["1", "3"], ["2"], ["4"]]
    config = {"survey": {"viewpoints": [{"name": "視点2 財政", "headings": ["(1) 計画的な財政運営"]},
                                        {"name": "視点1 効果的"}, {"name": "視点3 地域"}]}}
    grouped = group_rows(rows, config)
    assert list(grouped) == ["視点2 財政", "視点1 効果的", "視点3 地域"]
    printed = publication_rows(rows, "菊川市", (2022, 2023), config)
    kinds = [(p.kind, p.cells.get("no")) for p in printed]
    assert kinds[:5] == [("title", "菊川市 主な取り組み実績調査（令和4年度・令和5年度 実績）"), ("header", "番号"),
                         ("viewpoint", "視点2 財政"), ("heading", "(1) 計画的な財政運営"), ("initiative", "4")]


def test_a_row_without_a_middle_heading_is_not_printed_under_another_s_heading():
    rows = [
        {"viewpoint": "視点2 財政", "no": "2", "initiative": "財産運用の推進", "heading": "(1) 計画的な財政運営"},
        {"viewpoint": "視点2 財政", "no": "1", "initiative": "市税等の納付環境の拡充"},  # no heading
    ]
    config = {"survey": {"viewpoints": [{"name": "視点2 財政", "headings": ["(1) 計画的な財政運営"]}]}}
    for grouping in (None, config):
        assert [list(g) for g in group_rows(rows, grouping).values()] == [["", "(1) 計画的な財政運営"]]
        printed = publication_rows(rows, "菊川市", (2022, 2023), grouping)
        assert [(p.kind, p.cells.get("no")) for p in printed[2:]] == [
            ("viewpoint", "視点2 財政"), ("initiative", "1"), ("heading", "(1) 計画的な財政運営"), ("initiative", "2")]


def test_rows_of_a_long_text_continue_and_fit_excel_s_row_limit():
    row = {"department": "財務部", "no": "2-1", "viewpoint": "視点2", "initiative": "市税等の納付環境の拡充",
           "content": "納税機会の拡充", "plan": "市税の収納", "prev": ZAIMU_R4_FULL, "curr": "短い。"}
    printed = [p for p in publication_rows([row], "菊川市", (2022, 2023)) if p.kind in ("initiative", "continued")]
    assert [p.kind for p in printed] == ["initiative"] + ["continued"] * (len(printed) - 1)
    assert len(printed) >= 3 and all(p.height is None or p.height <= 409 for p in printed)
    assert flat("".join(p.cells.get("prev", "") for p in printed)) == flat(ZAIMU_R4_FULL)
    assert printed[0].cells["initiative"] == "市税等の納付環境の拡充\n●納税機会の拡充"
    assert printed[0].title == "市税等の納付環境の拡充"
    assert all(p.cells["no"] == "2-1" and p.cells["initiative"] == CONTINUED for p in printed[1:])
    assert sum(c.width for c in columns((2022, 2023))) <= 136  # A4 landscape at ≥ 8 pt


@pytest.fixture(scope="module")
def demo_master(tmp_path_factory) -> Path:
    return workbooks.demo_master(tmp_path_factory.mktemp("publication"))


def test_the_master_has_the_sheet_without_merged_cells(demo_master):
    book = openpyxl.load_workbook(demo_master)
    assert book.sheetnames == list(SHEET_ORDER) and PUBLICATION in book.sheetnames
    sheet = book[PUBLICATION]
    assert not sheet.merged_cells.ranges
    assert sheet.print_title_rows == "$2:$2" and sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 9 and sheet.oddFooter.center.text == "&P / &N"
    texts = [c for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert LAST_SENTENCE in "".join(texts).replace("\n", "")
    assert max(d.height or 0 for d in sheet.row_dimensions.values()) <= 409


def test_a_heading_row_is_one_band_without_borders_through_its_text(demo_master):
    """A 視点 or middle heading overflows from column A across its row: a border between the
    cells struck through its text on paper. The row is boxed as one band; no printed grid."""
    sheet = openpyxl.load_workbook(demo_master)[PUBLICATION]
    assert not sheet.print_options.gridLines
    headings = [r for r in sheet.iter_rows(min_row=3, max_col=6)
                if r[0].value and all(c.value is None for c in r[1:])]
    assert len(headings) >= 10  # 3 視点 and their middle headings
    for row in headings:
        assert row[0].border.left.style and row[-1].border.right.style, row[0].value
        assert all(c.border.top.style and c.border.bottom.style for c in row), row[0].value
        inner = [c.border.right.style for c in row[:-1]] + [c.border.left.style for c in row[1:]]
        assert not any(inner), row[0].value


@pytest.mark.slow
def test_the_printed_master_contains_the_whole_1090_character_text(demo_master, tmp_path):
    soffice = require_soffice()
    profile = make_profile(tmp_path / "lo-profile")
    subprocess.run([soffice, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(demo_master)],
                   capture_output=True, timeout=300, check=True)
    pages = subprocess.run(["pdftotext", str(tmp_path / "master.pdf"), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    publication = flat("".join(p for p in pages if p.lstrip().startswith(PUBLICATION)))
    assert flat(LAST_SENTENCE) in publication
    for paragraph in ZAIMU_R4_FULL.split("\n"):  # every paragraph, ③④⑤ included (its first and
        # last words: lines of the other columns interleave with a long paragraph in pdftotext's text)
        assert flat(paragraph)[:8] in publication and flat(paragraph)[-6:] in publication, paragraph


@pytest.mark.slow
def test_publish_prints_the_pdf_and_says_so_without_libreoffice(demo_master, tmp_path, monkeypatch):
    require_soffice()
    outputs = publish_master(demo_master, tmp_path / "web")
    assert outputs.pdf == tmp_path / "web" / "実績調査.pdf" and outputs.notes == []
    text = subprocess.run(["pdftotext", str(outputs.pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert flat(LAST_SENTENCE) in flat(text)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    without = publish_master(demo_master, tmp_path / "web2")
    assert without.pdf is None and not (tmp_path / "web2" / "実績調査.pdf").exists()
    assert without.notes == ["[W-PUB-001] LibreOffice（soffice）が見つからないため、実績調査.pdf は作成しませんでした。"
                             "HTML と CSV は作成しました。"]
    assert len(without.files()) == 5
