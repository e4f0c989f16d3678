"""The return copy: the department's own workbook, everything kept, problems marked."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from libreoffice import recalculate
from workbooks import filled, make_config

from kpitool import codes
from kpitool.reader import read_submission
from kpitool.return_copy import (
    ERROR_FILL,
    RESULT_SHEET,
    TABLE_ROW,
    WARNING_FILL,
    ReturnCopyError,
    build_return_copy,
    return_copy_name,
    write_return_copy,
)
from kpitool.validate import validate_file

PROBLEMS = {
    "kpis": {0: {"target": "約60", "note": "=SUM(F4:F5)"}, 1: {"no": "1"}},
    "figures": {2: {"prev": "117,858,500", "curr": 92434}},
}


@pytest.fixture
def original(tmp_path: Path) -> Path:
    (tmp_path / "inbox").mkdir()
    return filled(tmp_path / "inbox", "05_地域支援部.xlsx", **PROBLEMS)


@pytest.fixture
def copy(original: Path, tmp_path: Path) -> Path:
    return write_return_copy(validate_file(original, make_config()), tmp_path / "out")


def cell_values(path: Path) -> dict[str, object]:
    return {c.ref: (c.value, c.text) for c in read_submission(path).all_cells()}


def validations(wb: openpyxl.Workbook, sheet: str) -> list[tuple]:
    return sorted(
        (str(dv.sqref), dv.type, dv.formula1, dv.formula2, dv.operator, dv.allow_blank, dv.showInputMessage,
         dv.promptTitle, dv.prompt, dv.showErrorMessage, dv.errorStyle, dv.errorTitle, dv.error)
        for dv in wb[sheet].data_validations.dataValidation
    )


def test_name_and_place(copy: Path, tmp_path: Path) -> None:
    assert copy == tmp_path / "out" / "05_地域支援部_検証結果.xlsx"
    assert return_copy_name(Path("a.XLSM")) == "a_検証結果.xlsm"


def test_original_is_never_touched(original: Path, tmp_path: Path) -> None:
    before = (hashlib.sha256(original.read_bytes()).hexdigest(), original.stat().st_mtime_ns)
    result = validate_file(original, make_config())
    write_return_copy(result, tmp_path / "out")
    assert (hashlib.sha256(original.read_bytes()).hexdigest(), original.stat().st_mtime_ns) == before
    assert sorted(p.name for p in original.parent.iterdir()) == [original.name]


def test_departments_values_are_unchanged(original: Path, copy: Path) -> None:
    assert cell_values(copy) == cell_values(original)


def test_the_copy_validates_to_the_same_findings(original: Path, copy: Path) -> None:
    config = make_config()
    assert validate_file(copy, config).report.flatten() == validate_file(original, config).report.flatten()


def test_every_data_validation_of_the_template_is_kept(original: Path, copy: Path) -> None:
    before, after = openpyxl.load_workbook(original), openpyxl.load_workbook(copy)
    for sheet in before.sheetnames:
        assert validations(after, sheet) == validations(before, sheet), sheet
    assert sum(len(validations(before, s)) for s in before.sheetnames) > 40
    # the 部局名 dropdown still lists the roster through its defined name
    assert str(after.defined_names["部局名一覧"].attr_text) == str(before.defined_names["部局名一覧"].attr_text)


def test_workbook_structure_is_kept(original: Path, copy: Path) -> None:
    before, after = openpyxl.load_workbook(original), openpyxl.load_workbook(copy)
    assert after.sheetnames == [RESULT_SHEET, *before.sheetnames]
    assert after.active.title == RESULT_SHEET
    for sheet in before.worksheets:
        kept = after[sheet.title]
        assert kept.sheet_state == sheet.sheet_state
        assert kept.protection.sheet == sheet.protection.sheet
        assert sorted(kept.tables) == sorted(sheet.tables)
        assert kept.print_title_rows == sheet.print_title_rows
        assert kept.freeze_panes == sheet.freeze_panes
    assert after["_kpitool"].sheet_state == "veryHidden"
    assert [ws.title for ws in after.worksheets if ws.sheet_view.tabSelected] == [RESULT_SHEET]


def test_problem_cells_are_filled_and_commented(copy: Path) -> None:
    wb = openpyxl.load_workbook(copy)
    kpis = wb["事業成果目標"]
    error = kpis["H4"]
    assert error.fill.fgColor.rgb.endswith(ERROR_FILL)
    assert error.comment.text == (
        "【エラー E-NUM-002】「約60」は概数や範囲のため集計できません。\n"
        "直し方: 確定した数値を入力してください。見込みの数値なら数値だけを入力し、備考に「見込み」と書いてください。"
    )
    assert kpis["M4"].fill.fgColor.rgb.endswith(WARNING_FILL)
    assert "W-CELL-002" in kpis["M4"].comment.text
    assert "W-UNIT-001" in wb["実績数値"]["F6"].comment.text
    assert kpis["C4"].comment is None and kpis["C4"].fill.fgColor.rgb not in (ERROR_FILL, WARNING_FILL)


def test_results_sheet_lists_every_finding_with_a_link(original: Path, copy: Path) -> None:
    report = validate_file(original, make_config()).report
    ws = openpyxl.load_workbook(copy)[RESULT_SHEET]
    assert ws["A1"].value == "検証結果：05_地域支援部.xlsx"
    assert ws["A2"].value == "エラー 2件・警告 2件。要修正です。エラーを直して再提出してください。"
    header = [c.value for c in ws[TABLE_ROW]]
    assert header == ["重要度", "コード", "シート", "セル", "項目", "入力値", "内容", "説明", "直し方"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=TABLE_ROW + 1)]
    assert [(r[2], r[3], r[1]) for r in rows] == report.flatten()
    assert [r[7] for r in rows] == [f.message for f in report.findings]
    for row in ws.iter_rows(min_row=TABLE_ROW + 1):
        assert row[3].hyperlink.location == f"'{row[2].value}'!{row[3].value}"
    formula_like = [row for row in ws.iter_rows(min_row=TABLE_ROW + 1) if row[1].value == codes.CELL_FORMULA_LIKE]
    assert formula_like[0][5].value == "=SUM(F4:F5)" and formula_like[0][5].data_type == "s"
    assert ws.auto_filter.ref == f"A{TABLE_ROW}:I{TABLE_ROW + len(rows)}"


def test_a_departments_own_comment_stays(tmp_path: Path) -> None:
    from openpyxl.comments import Comment

    path = filled(tmp_path, kpis={0: {"target": "約60"}})
    wb = openpyxl.load_workbook(path)
    wb["事業成果目標"]["H4"].comment = Comment("目標は総合計画による", "山田")
    wb.save(path)
    out = write_return_copy(validate_file(path, make_config()), tmp_path / "out")
    text = openpyxl.load_workbook(out)["事業成果目標"]["H4"].comment.text
    assert text.startswith("目標は総合計画による\n\n【エラー E-NUM-002】")


def test_a_copy_sent_back_in_gets_fresh_results(copy: Path, tmp_path: Path) -> None:
    again = write_return_copy(validate_file(copy, make_config()), tmp_path / "again")
    assert openpyxl.load_workbook(again).sheetnames.count(RESULT_SHEET) == 1


def test_file_level_findings_link_nowhere(tmp_path: Path) -> None:
    path = filled(tmp_path, fiscal_years=(2023, 2024))
    out = write_return_copy(validate_file(path, make_config()), tmp_path / "out")
    ws = openpyxl.load_workbook(out)[RESULT_SHEET]
    row = [c for c in ws[TABLE_ROW + 1]]
    assert row[1].value == codes.TPL_YEARS and row[3].hyperlink is None


def test_macro_workbook_keeps_its_macros(tmp_path: Path) -> None:
    path = filled(tmp_path, "m.xlsm", kpis={0: {"target": "約60"}})
    data = io.BytesIO()
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(data, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info))
        zout.writestr("xl/vbaProject.bin", b"\x00" * 64)
    path.write_bytes(data.getvalue())
    out = write_return_copy(validate_file(path, make_config()), tmp_path / "out")
    assert out.name == "m_検証結果.xlsm"
    with zipfile.ZipFile(out) as zf:
        assert zf.read("xl/vbaProject.bin") == b"\x00" * 64


def test_no_copy_of_an_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    with pytest.raises(ReturnCopyError, match="Excelのブックとして読めないため"):
        write_return_copy(validate_file(path, make_config()), tmp_path / "out")


def test_no_copy_when_the_file_changed_after_validation(original: Path, tmp_path: Path) -> None:
    result = validate_file(original, make_config())
    filled(original.parent, original.name)  # the department sent a new version meanwhile
    with pytest.raises(ReturnCopyError, match="検証の後でファイルが変更されました"):
        write_return_copy(result, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_build_is_pure_bytes_to_bytes(original: Path) -> None:
    data = original.read_bytes()
    report = validate_file(original, make_config()).report
    assert build_return_copy(data, report.findings)[:2] == b"PK"
    assert original.read_bytes() == data


@pytest.mark.libreoffice
def test_return_copy_opens_in_libreoffice_and_reads_back(original: Path, copy: Path, tmp_path: Path) -> None:
    """LibreOffice opens the copy and saves it again; the department's values and the whole
    findings sheet survive, so the copy is a normal workbook and not only openpyxl's."""
    saved = recalculate(copy, tmp_path / "lo")
    assert saved.read_bytes() != copy.read_bytes()
    assert cell_values(saved) == cell_values(original)
    report = validate_file(original, make_config()).report
    ws = openpyxl.load_workbook(saved)[RESULT_SHEET]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=TABLE_ROW + 1) if row[0].value]
    assert [(r[2], r[3], r[1], r[7], r[8]) for r in rows] == [
        (f.sheet, f.cell, f.code, f.message, f.hint) for f in report.findings
    ]
    assert "E-NUM-002" in openpyxl.load_workbook(saved)["事業成果目標"]["H4"].comment.text
    assert validate_file(saved, make_config()).report.flatten() == report.flatten()


def test_the_copy_names_where_to_send_the_fix(original: Path, tmp_path: Path) -> None:
    out = write_return_copy(validate_file(original, make_config()), tmp_path / "to", destination="行政経営課（内線 1234）")
    verdict = openpyxl.load_workbook(out)[RESULT_SHEET]["A2"].value
    assert verdict.endswith("要修正です。エラーを直して行政経営課（内線 1234）へ再提出してください。")


def test_notes_are_counted_as_information_not_warnings(tmp_path: Path) -> None:
    """The demo's 財務部 file: one W-CELL-005 (its 1,090-character 実績) and I-NARR notes (issue 12)."""
    from kpitool.demo import prepare

    config, inbox = prepare(tmp_path / "demo")
    result = validate_file(inbox / "04_財務部.xlsx", config)
    codes = [f.code for f in result.report.findings]
    notes = sum(code.startswith("I-") for code in codes)
    assert codes.count("W-CELL-005") == 1 and notes and not any(c.startswith("E-") for c in codes)
    warnings = sum(code.startswith("W-") for code in codes)
    out = write_return_copy(result, tmp_path / "copies")
    assert openpyxl.load_workbook(out)[RESULT_SHEET]["A2"].value == (
        f"エラー 0件・警告 {warnings}件・情報 {notes}件。エラーはありません。警告の内容を確認してください。")
