"""The findings report (xlsx), the terminal table and the --json data."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from workbooks import filled, make_config

from kpitool import codes
from kpitool.errors import MasterLocked
from kpitool.findings import FINDING_COLUMNS
from kpitool.findings_report import (
    CODES_SHEET,
    FILES_SHEET,
    FINDINGS_SHEET,
    display_width,
    results_json,
    summary_line,
    text_lines,
    write_findings_report,
)
from kpitool.page_setup import PRINTABLE_WIDTH
from kpitool.validate import validate_paths


@pytest.fixture
def results(tmp_path: Path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    filled(inbox, "1_clean.xlsx")
    filled(inbox, "2_bad.xlsx", kpis={0: {"target": "約60", "note": "=SUM(F4:F5)"}})
    (inbox / "3_empty.xlsx").write_bytes(b"")
    return validate_paths([inbox], make_config())


def test_report_sheets_and_rows(results, tmp_path: Path) -> None:
    path = write_findings_report(results, tmp_path / "out" / "findings.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [FINDINGS_SHEET, FILES_SHEET, CODES_SHEET]
    ws = wb[FINDINGS_SHEET]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0] == [label for _key, label in FINDING_COLUMNS]
    assert [(r[2], r[3], r[4], r[1]) for r in rows[1:]] == [
        ("2_bad.xlsx", "事業成果目標", "H4", codes.NUM_APPROXIMATE),
        ("2_bad.xlsx", "事業成果目標", "M4", codes.CELL_FORMULA_LIKE),
        ("3_empty.xlsx", None, None, codes.FILE_EMPTY),
    ]
    assert rows[2][6] == "=SUM(F4:F5)" and ws["G3"].data_type == "s"  # text, never a formula
    assert ws.auto_filter.ref == "A1:J4" and ws.freeze_panes == "A2"
    # fitted: the widest text plus 2 (XlsxWriter adds its own padding below one character)
    assert display_width("重要度") + 2 <= ws.column_dimensions["A"].width < display_width("重要度") + 3
    # long messages wrap: the table fits A4 landscape at ≥ 8 pt (XlsxWriter pads each column by < 1)
    total = sum(d.width * (d.max - d.min + 1) for d in ws.column_dimensions.values())
    assert PRINTABLE_WIDTH < total <= PRINTABLE_WIDTH + len(FINDING_COLUMNS)
    assert ws.column_dimensions["I"].width < 40 and ws.print_title_rows == "$1:$1"
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToHeight == 0  # one page wide, as many pages tall as needed


def test_report_files_and_codes(results, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(write_findings_report(results, tmp_path / "findings.xlsx"))
    files = [[c.value for c in row] for row in wb[FILES_SHEET].iter_rows(min_row=2)]
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in files] == [
        ("1_clean.xlsx", "総務部", "問題なし", 0, 0),
        ("2_bad.xlsx", "総務部", "要修正", 1, 1),
        ("3_empty.xlsx", None, "要修正", 1, 0),
    ]
    assert files[0][5] == results[0].size and files[0][6] == results[0].sha256
    codes_rows = [[c.value for c in row] for row in wb[CODES_SHEET].iter_rows(min_row=2)]
    assert codes_rows == [
        [codes.FILE_EMPTY, "エラー", "空のファイル", 1, 1],
        [codes.NUM_APPROXIMATE, "エラー", "概数・範囲は集計できません", 1, 1],
        [codes.CELL_FORMULA_LIKE, "警告", "数式のように見える文字列", 1, 1],
    ]


def test_report_replaces_an_old_one_and_refuses_one_open_in_excel(results, tmp_path: Path) -> None:
    path = tmp_path / "findings.xlsx"
    path.write_bytes(b"old")
    write_findings_report(results, path)
    assert path.read_bytes()[:2] == b"PK"
    (tmp_path / "~$findings.xlsx").write_bytes(b"owner")
    before = path.read_bytes()
    with pytest.raises(MasterLocked):
        write_findings_report(results, path)
    assert path.read_bytes() == before


def test_terminal_lines(results) -> None:
    assert text_lines(results) == [
        "1_clean.xlsx: 問題なし",
        "2_bad.xlsx: 要修正（エラー 1件・警告 1件）",
        "  重要度 コード       場所               項目           入力値           説明",
        "  エラー E-NUM-002    事業成果目標!H4    目標値         約60             「約60」は概数や範囲のため集計できません。",
        "  警告   W-CELL-002   事業成果目標!M4    備考           =SUM(F4:F5)      "
        "「=SUM(F4:F5)」は = + - @ で始まるため数式と誤解されるおそれがあります。文字列のまま取り込みます。",
        "3_empty.xlsx: 要修正（エラー 1件・警告 0件）",
        "  重要度 コード       場所               項目           入力値           説明",
        "  エラー E-FILE-002                                                      "
        "ファイルの大きさが0バイトです。保存やコピーが途中で失敗した可能性があります。",
    ]
    assert summary_line(results) == "3ファイルを検証しました。問題なし 1、警告あり 0、要修正 2（エラー 2件・警告 1件）。"


def test_long_values_are_cut_to_the_column(tmp_path: Path) -> None:
    path = filled(tmp_path, survey={0: {"initiative": "業務改善の推進と職員提案制度の見直し "}})
    (_name, _header, line) = text_lines(validate_paths([path], make_config()))
    assert "業務改善の推進… " in line


def test_json_data(results) -> None:
    data = json.loads(json.dumps(results_json(results), ensure_ascii=False))
    assert data["summary"] == {"files": 3, "ok": 1, "warnings_only": 0, "needs_fix": 2, "superseded": 0, "undecided": 0,
                               "errors": 2, "warnings": 1}
    bad = data["files"][1]
    assert (bad["file"], bad["department"], bad["status"], bad["ok"]) == ("2_bad.xlsx", "総務部", "要修正", False)
    assert bad["findings"][0] == {
        "code": "E-NUM-002", "severity": "エラー", "title": "概数・範囲は集計できません",
        "message": "「約60」は概数や範囲のため集計できません。",
        "hint": "確定した数値を入力してください。見込みの数値なら数値だけを入力し、備考に「見込み」と書いてください。",
        "file": "2_bad.xlsx", "sheet": "事業成果目標", "cell": "H4", "label": "目標値", "value": "約60",
        "row": 4, "column": 8, "params": {},  # H4, as planted
    }
