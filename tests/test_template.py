"""The department template: generated from the spec, committed, and its features read back."""

from __future__ import annotations

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
    assert kpis[f"E{first}"].type == "list" and kpis[f"E{first}"].formula1 == '"↑,↓"'
    assert kpis[f"F{first}"].type == "decimal"
    assert kpis[f"I{first}"].formula1 == '"A,B,C"'
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
