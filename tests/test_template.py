"""The department template: generated from the spec, committed, and its features read back."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import openpyxl
import pytest

from kpitool.build.templates import TEMPLATES_DIR, default_template
from kpitool.spec import (
    DEPARTMENT_LIST_NAME,
    META_SHEET,
    TEMPLATE_ID,
    TEMPLATE_VERSION,
    template_spec,
)
from kpitool.template import FONT, TABLE_HEADER_ROW, write_template

SPEC = template_spec((2022, 2023))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_committed_template_is_current(tmp_path: Path) -> None:
    fresh = default_template(tmp_path)
    committed = TEMPLATES_DIR / fresh.name
    assert committed.exists(), "run `make template` and commit workbook_templates/"
    assert sha(committed) == sha(fresh), "workbook_templates/ is stale: run `make template`"


def test_generation_is_deterministic(tmp_path: Path) -> None:
    a = write_template(tmp_path / "a.xlsx", roster=["総務部"])
    b = write_template(tmp_path / "b.xlsx", roster=["総務部"])
    assert sha(a) == sha(b)
    c = write_template(tmp_path / "c.xlsx", roster=["財政部"])
    assert sha(a) != sha(c)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    path = write_template(tmp_path_factory.mktemp("tpl") / "t.xlsx", roster=["総務部", "財政部"])
    return openpyxl.load_workbook(path)


def test_sheets_and_hidden_meta(book: openpyxl.Workbook) -> None:
    assert book.sheetnames == ["記入方法", *(s.name for s in SPEC.sheets), META_SHEET]
    meta = book[META_SHEET]
    assert meta.sheet_state == "veryHidden"
    assert meta.protection.sheet
    values = {meta.cell(r, 1).value: meta.cell(r, 2).value for r in range(1, 5)}
    assert values == {"template_id": TEMPLATE_ID, "template_version": TEMPLATE_VERSION,
                      "fiscal_year_prev": 2022, "fiscal_year_curr": 2023}


def test_headers_tables_freeze_print(book: openpyxl.Workbook) -> None:
    for sheet in SPEC.sheets:
        if sheet.layout != "table":
            continue
        ws = book[sheet.name]
        header = [ws.cell(TABLE_HEADER_ROW + 1, c + 1).value for c in range(len(sheet.columns))]
        assert header == list(sheet.labels)
        table = ws.tables[sheet.table_name]
        assert table.ref.startswith(f"A{TABLE_HEADER_ROW + 1}:")
        assert [c.name for c in table.tableColumns] == list(sheet.labels)
        assert ws.freeze_panes == f"A{TABLE_HEADER_ROW + 2}"
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.paperSize == 9
        assert ws.print_title_rows == f"${TABLE_HEADER_ROW + 1}:${TABLE_HEADER_ROW + 1}"
        assert ws.column_dimensions["A"].width >= 6


def test_year_labels_follow_config(tmp_path: Path) -> None:
    path = write_template(tmp_path / "r5r6.xlsx", roster=["総務部"], fiscal_years=(2023, 2024))
    ws = openpyxl.load_workbook(path)["実績数値"]
    header = [c.value for c in ws[TABLE_HEADER_ROW + 1]]
    assert "令和5年度" in header and "令和6年度" in header and "令和4年度" not in header


def _validations(ws) -> dict[str, object]:
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            out[rng.split(":")[0]] = dv
    return out


def test_data_validation_and_input_messages(book: openpyxl.Workbook) -> None:
    assert DEPARTMENT_LIST_NAME in book.defined_names
    assert book.defined_names[DEPARTMENT_LIST_NAME].attr_text == f"'{META_SHEET}'!$D$2:$D$3"
    basic = _validations(book["基本情報"])
    assert basic["B4"].type == "list" and basic["B4"].formula1 == DEPARTMENT_LIST_NAME
    assert basic["B8"].type == "date"
    kpis = _validations(book["事業成果目標"])
    first = TABLE_HEADER_ROW + 2
    assert kpis[f"E{first}"].type == "list" and kpis[f"E{first}"].formula1 == '"↑,↓,→"'
    assert kpis[f"F{first}"].type == "decimal" and kpis[f"H{first}"].type == "decimal"
    assert kpis[f"L{first}"].formula1 == '"A,B,C"'
    assert "B（達成したが課題が残る）は達成率100%以上" in kpis[f"L{first}"].prompt
    for sheet in SPEC.sheets:
        ws = book[sheet.name]
        dvs = _validations(ws)
        for c, column in enumerate(sheet.columns):
            where = f"A{c + 3}" if sheet.layout == "form" else f"{chr(65 + c)}{TABLE_HEADER_ROW + 1}"
            assert dvs[where].showInputMessage, where
            assert "例" in (dvs[where].prompt or "") or not column.example, where


def test_protection_locks_structure_not_inputs(book: openpyxl.Workbook) -> None:
    for sheet in SPEC.sheets:
        ws = book[sheet.name]
        assert ws.protection.sheet
        if sheet.layout == "table":
            assert ws.cell(TABLE_HEADER_ROW + 1, 1).protection.locked
            assert not ws.cell(TABLE_HEADER_ROW + 2, 1).protection.locked
        else:
            assert ws["A3"].protection.locked and not ws["B3"].protection.locked


def test_font_and_instructions(book: openpyxl.Workbook) -> None:
    assert book["基本情報"]["B3"].font.name == FONT
    text = "\n".join(str(c.value) for row in book["記入方法"].iter_rows() for c in row if c.value)
    assert "該当なし" in text and "↑" in text
    for sheet in SPEC.sheets:
        assert f"記入例：{sheet.name}" in text


# --- v2: configured template, input rows under protection (issue 12) -----------------------

CONFIG_V2 = """\
municipality = "菊川市"
departments = ["総務部", "財政部"]
[template]
submit_to = "行政経営課"
submit_contact = "内線 1234"
input_rows = 25
[survey]
viewpoints = [
  { name = "視点1 効果的・効率的な行政運営の推進", headings = ["(1) 計画的な行政運営", "(2) 官民連携の推進"] },
  "視点2 健全な財政運営の推進",
]
"""


@pytest.fixture(scope="module")
def configured(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    import tomllib

    from kpitool.config import config_from_dict

    config = config_from_dict(tomllib.loads(CONFIG_V2))
    path = write_template(tmp_path_factory.mktemp("v2") / "t.xlsx", roster=config.roster,
                          municipality=config.municipality, survey=config.survey, settings=config.template)
    return path, config


def test_input_rows_unlocked_with_validations_to_the_limit(configured: tuple[Path, object]) -> None:
    path, _config = configured
    book = openpyxl.load_workbook(path)
    first, limit = TABLE_HEADER_ROW + 2, TABLE_HEADER_ROW + 1 + 25
    for sheet in SPEC.sheets:
        if sheet.layout != "table":
            continue
        ws = book[sheet.name]
        for c in range(1, len(sheet.columns) + 1):
            letter = ws.cell(1, c).column_letter
            assert not ws.cell(first, c).protection.locked and not ws.cell(limit, c).protection.locked
            assert ws.cell(limit + 1, c).protection.locked, f"{sheet.name}!{letter}{limit + 1}"
            covering = [dv for dv in ws.data_validations.dataValidation if f"{letter}{limit}" in dv.sqref]
            assert covering and covering[0].showInputMessage, f"{sheet.name}!{letter}{limit}"
            for title_row in (1, 2):  # no borders across the titles
                side = ws.cell(title_row, c).border
                assert not (side.left.style or side.right.style or side.top.style or side.bottom.style)
        assert ws.tables[sheet.table_name].ref.endswith(str(limit))


def test_number_format_never_shows_a_trailing_dot(configured: tuple[Path, object]) -> None:
    book = openpyxl.load_workbook(configured[0])
    ws = book["実績数値"]
    formats = {ws.cell(TABLE_HEADER_ROW + 2, c).number_format for c in range(1, 8)}
    assert "General" in formats and not any(f.endswith(".##") or ".#" in f for f in formats)


def test_municipality_prefilled_and_locked_destination_named(configured: tuple[Path, object]) -> None:
    book = openpyxl.load_workbook(configured[0])
    ws = book["基本情報"]
    assert (ws["A3"].value, ws["B3"].value) == ("自治体名", "菊川市")
    assert ws["B3"].protection.locked and not ws["B4"].protection.locked
    text = "\n".join(str(c.value) for row in book["記入方法"].iter_rows() for c in row if c.value)
    assert "提出先：行政経営課（内線 1234）" in text
    assert "行政経営課（内線 1234）へ提出してください" in text and "企画課" not in text


def test_viewpoint_dropdown_from_the_config(configured: tuple[Path, object]) -> None:
    from kpitool.spec import VIEWPOINT_LIST_NAME

    path, _config = configured
    book = openpyxl.load_workbook(path)
    ref = book.defined_names[VIEWPOINT_LIST_NAME].attr_text
    assert ref == f"'{META_SHEET}'!$F$2:$F$4"
    meta = book[META_SHEET]
    assert [meta.cell(r, 6).value for r in (2, 3, 4)] == [
        "視点1 効果的・効率的な行政運営の推進 ／ (1) 計画的な行政運営",
        "視点1 効果的・効率的な行政運営の推進 ／ (2) 官民連携の推進",
        "視点2 健全な財政運営の推進",
    ]
    dvs = _validations(book["実績調査"])
    assert dvs[f"B{TABLE_HEADER_ROW + 2}"].type == "list"
    assert dvs[f"B{TABLE_HEADER_ROW + 2}"].formula1 == VIEWPOINT_LIST_NAME


def test_typing_into_the_last_input_row_validates_clean(configured: tuple[Path, object], tmp_path: Path) -> None:
    """What a department does in Excel: fill 基本情報 and one row of each table at its LAST input row."""
    from kpitool.validate import validate_file

    path, config = configured
    book = openpyxl.load_workbook(path)
    last = TABLE_HEADER_ROW + 1 + 25
    basic = book["基本情報"]
    for ref, value in (("B4", "総務部"), ("B5", "菊川 太郎"), ("B6", "総務課 山田"), ("B7", "内線 1"),
                       ("B8", dt.datetime(2024, 4, 1))):
        basic[ref] = value
    rows = {
        "事業成果目標": {"番号": "1", "指標名": "研修受講者数", "単位": "人", "方向": "↑", "目標値": 600,
                     "令和4年度実績": 630, "令和5年度実績": 557, "達成状況": "C"},
        "実績調査": {"番号": "1", "視点": "視点１ 効果的・効率的な行政運営の推進 ／ (2) 官民連携の推進",
                 "取り組み名": "人材育成の推進", "内容": "職員の育成を進めます。",
                 "令和4年度実績": "91講座、630人が受講した。", "令和5年度実績": "102講座、557人が受講した。"},
        "実績数値": {"取り組み番号": "1", "項目": "研修受講者数", "単位": "人", "方向": "↑",
                 "令和4年度": 630, "令和5年度": 557},
    }
    for name, values in rows.items():
        ws = book[name]
        header = {ws.cell(TABLE_HEADER_ROW + 1, c).value: c for c in range(1, 20)}
        for label, value in values.items():
            ws.cell(last, header[label], value)
    typed = tmp_path / "typed.xlsx"
    book.save(typed)
    report = validate_file(typed, config).report
    assert [f.compact() for f in report.findings if f.severity != "情報"] == []  # 情報 only suggests


def test_a_version_1_file_gets_a_message_naming_its_version_and_what_to_do(tmp_path: Path) -> None:
    from workbooks import filled, make_config

    from kpitool import codes
    from kpitool.validate import validate_file

    wb = openpyxl.load_workbook(filled(tmp_path))
    wb[META_SHEET]["B2"] = 1  # template_version of last year's files
    old = tmp_path / "v1.xlsx"
    wb.save(old)
    findings = [f for f in validate_file(old, make_config()).report.findings if f.code == codes.TPL_VERSION]
    assert len(findings) == 1
    assert findings[0].message == "この提出様式は第1版です。現在の様式は第2版で、列が異なるため集約できません。"
    assert "最新の提出様式（第2版）" in findings[0].hint and "「取り組み名」と「内容」" in findings[0].hint


def test_a_template_is_written_without_temp_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its parts are assembled in memory (kpitool.xlsx_package): a rollover writes one template
    per department, and each temp file is created, scanned and deleted on a 自治体 PC."""
    import tempfile

    made: list[object] = []
    original = tempfile.mkstemp
    monkeypatch.setattr(tempfile, "mkstemp", lambda *a, **k: made.append(a) or original(*a, **k))
    path = write_template(tmp_path / "t.xlsx", roster=["総務部"])
    assert made == []
    assert openpyxl.load_workbook(path).sheetnames[0] == "記入方法"
