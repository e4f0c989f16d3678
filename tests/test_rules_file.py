"""File-level rules: unreadable files, the template's identity, sheets and headers, macros."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from corpus import CORPUS
from workbooks import filled, findings, make_config, rows

from kpitool import codes
from kpitool.package import FileProblem
from kpitool.template import TABLE_HEADER_ROW, write_template
from kpitool.validate import validate_file
from kpitool.validation.rules import FILE_PROBLEM_CODES

HEADER = TABLE_HEADER_ROW + 1  # Excel row of the table headers


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_every_bad_file_gives_one_file_finding(tmp_path: Path, case: str) -> None:
    generator, problem = CORPUS[case]
    path = generator(tmp_path)
    result = validate_file(path, make_config())
    assert result.submission is None
    assert result.report.flatten() == [("", "", FILE_PROBLEM_CODES[problem])]
    (finding,) = result.report.findings
    assert finding.file == path.name and finding.is_error


def test_every_file_problem_has_its_stable_code() -> None:
    assert FILE_PROBLEM_CODES == {
        FileProblem.NOT_FOUND: "E-FILE-001",
        FileProblem.EMPTY: "E-FILE-002",
        FileProblem.LEGACY_XLS: "E-FILE-003",
        FileProblem.ENCRYPTED: "E-FILE-004",
        FileProblem.XLSB: "E-FILE-005",
        FileProblem.CSV_OR_TEXT: "E-FILE-006",
        FileProblem.NOT_A_ZIP: "E-FILE-007",
        FileProblem.TRUNCATED_ZIP: "E-FILE-008",
        FileProblem.NOT_SPREADSHEET: "E-FILE-009",
        FileProblem.STRICT_OOXML: "E-FILE-010",
        FileProblem.ZIP_BOMB: "E-FILE-011",
        FileProblem.XML_ATTACK: "E-FILE-012",
        FileProblem.TOO_LARGE: "E-FILE-013",
    }


def test_encrypted_file_message(tmp_path: Path) -> None:
    generator, _ = CORPUS["encrypted_ooxml"]
    (finding,) = validate_file(generator(tmp_path), make_config()).report.findings
    assert finding.code == codes.FILE_ENCRYPTED
    assert finding.message == "パスワードで保護（暗号化）されているため、内容を読み取れません。"


# --- the template's identity -------------------------------------------------------------


def test_a_workbook_that_is_not_the_template_gives_one_finding(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "令和5年度 事業一覧"
    path = tmp_path / "other.xlsx"
    wb.save(path)
    assert rows(path) == [("", "", codes.TPL_NOT_TEMPLATE)]


def test_template_sheets_copied_into_a_new_book(tmp_path: Path) -> None:
    path = filled(tmp_path)
    wb = openpyxl.load_workbook(path)
    del wb["_kpitool"]
    wb.save(path)
    assert rows(path) == [("", "", codes.TPL_NO_IDENTITY)]


def test_other_template_version(tmp_path: Path) -> None:
    path = filled(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["_kpitool"]["B2"] = 3
    wb.save(path)
    (finding,) = findings(path)
    assert finding.compact() == ("", "", codes.TPL_VERSION)
    assert finding.message == "この提出様式は第3版です。現在の様式は第2版で、列が異なるため集約できません。"


def test_template_of_other_fiscal_years_is_read_with_its_own_headers(tmp_path: Path) -> None:
    path = filled(tmp_path, fiscal_years=(2023, 2024))
    (finding,) = findings(path)
    assert finding.compact() == ("", "", codes.TPL_YEARS)
    assert finding.message == ("令和5年度・令和6年度の様式です。今回は令和4年度・令和5年度の様式で提出してください。"
                               "設定（kpitool.toml の fiscal_years）より新しい年度の様式です。設定の年度を確認してください。")


def test_copied_sheets_are_read_with_the_configured_years(tmp_path: Path) -> None:
    path = filled(tmp_path, fiscal_years=(2023, 2024))
    wb = openpyxl.load_workbook(path)
    del wb["_kpitool"]
    wb.save(path)
    assert rows(path, make_config(fiscal_years=(2023, 2024))) == [("", "", codes.TPL_NO_IDENTITY)]


# --- sheets and headers ------------------------------------------------------------------


def test_missing_sheet(tmp_path: Path) -> None:
    path = filled(tmp_path)
    wb = openpyxl.load_workbook(path)
    del wb["実績数値"]
    wb.save(path)
    (finding,) = findings(path)
    assert finding.compact() == ("実績数値", "", codes.STRUCT_MISSING_SHEET)
    assert finding.message == "シート「実績数値」がありません。"


def test_renamed_header(tmp_path: Path) -> None:
    path = filled(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["事業成果目標"][f"C{HEADER}"] = "指標"
    wb.save(path)
    missing, extra = findings(path)
    assert missing.compact() == ("事業成果目標", f"A{HEADER}", codes.STRUCT_MISSING_COLUMN)
    assert missing.label == "指標名"
    assert missing.message == "見出し「指標名」が見つかりません。列を削除したか、見出しを書き換えた可能性があります。"
    # the renamed column itself is not read: the department is told so, too
    assert extra.compact() == ("事業成果目標", f"C{HEADER}", codes.STRUCT_EXTRA_COLUMN)
    assert extra.value == "指標"


def test_missing_header_row(tmp_path: Path) -> None:
    path = filled(tmp_path)
    wb = openpyxl.load_workbook(path)
    for cell in wb["実績調査"][HEADER]:
        cell.value = None
    wb.save(path)
    assert rows(path) == [("実績調査", "", codes.STRUCT_MISSING_HEADER_ROW)]


def test_extra_column_is_a_warning(tmp_path: Path) -> None:
    path = filled(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["実績数値"][f"H{HEADER}"] = "担当課"
    wb["実績数値"][f"H{HEADER + 1}"] = "企画政策課"
    wb.save(path)
    (finding,) = findings(path)
    assert finding.compact() == ("実績数値", f"H{HEADER}", codes.STRUCT_EXTRA_COLUMN)
    assert not finding.is_error
    assert finding.message == "様式にない列「担当課」があります。この列は取り込みません。"


def test_missing_form_label(tmp_path: Path) -> None:
    path = filled(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["基本情報"]["A5"] = "部長名"
    wb.save(path)
    assert rows(path) == [("基本情報", "", codes.STRUCT_MISSING_LABEL)]


def test_too_many_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kpitool.reader

    monkeypatch.setattr(kpitool.reader, "MAX_ROWS", 10)
    kpis = [{"no": str(i), "indicator": f"指標{i}", "unit": "件", "direction": "↑", "target": "-",
             "prev": "-", "curr": "-"} for i in range(12)]
    path = filled(tmp_path, kpis=kpis)
    result = validate_file(path, make_config())
    (finding,) = result.report.findings
    assert finding.compact() == ("事業成果目標", "", codes.STRUCT_TOO_MANY_ROWS)
    assert finding.message == "表の行数（12行）が上限の10行を超えています。上限までの行だけを読み取りました。"
    assert len(result.submission.kpis) == 10


def test_empty_tables_are_warnings(tmp_path: Path) -> None:
    path = filled(tmp_path, kpis=[], survey=[], figures=[])
    assert rows(path) == [
        ("事業成果目標", "", codes.STRUCT_EMPTY_TABLE),
        ("実績調査", "", codes.STRUCT_EMPTY_TABLE),
        ("実績数値", "", codes.STRUCT_EMPTY_TABLE),
    ]


def test_blank_template_lists_every_required_field(tmp_path: Path) -> None:
    path = write_template(tmp_path / "blank.xlsx", roster=("総務部",))
    got = rows(path)
    assert [r for r in got if r[2] == codes.BASIC_REQUIRED] == [
        ("基本情報", f"B{r}", codes.BASIC_REQUIRED) for r in (3, 4, 5, 6, 8)
    ]
    assert len(got) == 8


# --- what the package holds --------------------------------------------------------------


def _add_members(path: Path, members: dict[str, bytes]) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info))
        for name, content in members.items():
            zout.writestr(name, content)
    path.write_bytes(buffer.getvalue())
    return path


def test_macros_are_a_warning(tmp_path: Path) -> None:
    path = _add_members(filled(tmp_path, "macro.xlsm"), {"xl/vbaProject.bin": b"\x00" * 64})
    assert rows(path) == [("", "", codes.FILE_HAS_MACROS)]


def test_external_links_are_a_warning(tmp_path: Path) -> None:
    link = b'<?xml version="1.0"?><externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
    path = _add_members(filled(tmp_path), {"xl/externalLinks/externalLink1.xml": link,
                                           "xl/externalLinks/externalLink2.xml": link})
    (finding,) = findings(path)
    assert finding.compact() == ("", "", codes.FILE_EXTERNAL_LINKS)
    assert finding.message.startswith("ほかのブックへのリンクが2件あります。")
