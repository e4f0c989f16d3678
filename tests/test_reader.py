"""read_submission: every value at its cell, tables found by their header row."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from conftest import ROSTER, sample_data
from libreoffice import require_soffice

from kpitool.reader import cell_address, column_letter, read_submission
from kpitool.spec import TEMPLATE_VERSION, template_spec
from kpitool.template import TABLE_HEADER_ROW, write_template

SPEC = template_spec((2022, 2023))


def expected_cells(shift_rows: int = 0, shift_cols: int = 0) -> dict[str, object]:
    """Where each value of sample_data() must be read, computed from the layout independently."""
    data = sample_data()
    out: dict[str, object] = {}
    basic = SPEC.sheet("basic")
    for i, column in enumerate(basic.columns):
        out[f"基本情報!B{3 + i}"] = data.basic[column.key]
    for sheet in SPEC.sheets[1:]:
        for r, row in enumerate(data.rows(sheet.key)):
            for c, column in enumerate(sheet.columns):
                value = row.get(column.key)
                if value not in (None, ""):
                    excel_row = TABLE_HEADER_ROW + 2 + r + shift_rows
                    out[f"{sheet.name}!{column_letter(c + shift_cols)}{excel_row}"] = value
    return out


def read_cells(path: Path) -> dict[str, object]:
    sub = read_submission(path)
    return {cell.ref: cell.value for cell in sub.all_cells() if not cell.is_empty}


def test_addresses() -> None:
    assert column_letter(0) == "A" and column_letter(25) == "Z" and column_letter(26) == "AA"
    assert cell_address(6, 4) == "E7"


def test_every_value_at_its_cell(filled_path: Path) -> None:
    sub = read_submission(filled_path)
    assert sub.structure == []
    assert sub.meta["template_version"] == TEMPLATE_VERSION
    assert sub.department == "総務部"
    assert read_cells(filled_path) == expected_cells()
    figure = sub.figures[0]
    assert figure["curr"].ref == f"実績数値!F{TABLE_HEADER_ROW + 2}"
    assert figure["curr"].text == "515件"
    assert sub.figures[2]["prev"].text == "８，７８２，５４６"
    assert sub.basic["created"].value == dt.date(2024, 4, 1)


def test_rows_and_columns_inserted_above_and_beside(filled_path: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(filled_path)
    for sheet in SPEC.sheets[1:]:
        ws = wb[sheet.name]
        ws.insert_rows(1, 2)
        ws.insert_cols(1)
        ws["A1"] = "部局で追加したメモ"
    moved = tmp_path / "moved.xlsx"
    wb.save(moved)
    sub = read_submission(moved)
    assert [p for p in sub.structure if p.kind != "extra_column"] == []
    got = read_cells(moved)
    want = {k: v for k, v in expected_cells(2, 1).items() if not k.startswith("基本情報")}
    assert {k: v for k, v in got.items() if not k.startswith("基本情報")} == want


def test_formula_errors_uncached_and_percent(filled_path: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(filled_path)
    ws = wb["実績数値"]
    row = TABLE_HEADER_ROW + 2
    ws[f"E{row}"] = "=1/0"  # openpyxl writes no cached value
    ws[f"F{row + 1}"] = 0.148
    ws[f"F{row + 1}"].number_format = "0.0%"
    path = tmp_path / "formulas.xlsx"
    wb.save(path)
    sub = read_submission(path)
    prev = sub.figures[0]["prev"]
    assert prev.formula and prev.uncached and prev.value is None
    pct = sub.figures[1]["curr"]
    assert pct.percent and pct.value == pytest.approx(0.148)


def test_cached_error_value(tmp_path: Path) -> None:
    import xlsxwriter

    path = write_template(tmp_path / "t.xlsx", roster=ROSTER, data=sample_data())
    # XlsxWriter can store a formula with a cached error, as Excel does after #DIV/0!.
    wb = xlsxwriter.Workbook(tmp_path / "err.xlsx")
    ws = wb.add_worksheet("実績数値")
    for c, label in enumerate(SPEC.sheet("figures").labels):
        ws.write_string(0, c, label)
    ws.write_string(1, 0, "1")
    ws.write_formula(1, 4, "=1/0", None, "#DIV/0!")
    wb.close()
    sub = read_submission(tmp_path / "err.xlsx")
    cell = sub.figures[0]["prev"]
    assert cell.error == "#DIV/0!" and cell.cell == "E2"
    assert {p.kind for p in sub.structure} >= {"missing_sheet"}
    assert path.exists()


def test_structure_problems(filled_path: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(filled_path)
    header = TABLE_HEADER_ROW + 1
    wb["事業成果目標"][f"C{header}"] = "指標"  # renamed header
    wb["実績数値"][f"H{header}"] = "担当課"  # extra column beside the table
    del wb["実績調査"]
    path = tmp_path / "broken.xlsx"
    wb.save(path)
    sub = read_submission(path)
    kinds = {(p.kind, p.sheet, p.detail) for p in sub.structure}
    assert ("missing_column", "事業成果目標", "指標名") in kinds
    assert ("extra_column", "実績数値", "担当課") in kinds
    assert ("missing_sheet", "実績調査", "") in kinds


@pytest.mark.libreoffice
def test_libreoffice_saved_file_reads_back(filled_path: Path, tmp_path: Path) -> None:
    """A filled template saved by LibreOffice reads back with every value at its cell."""
    import subprocess

    soffice = require_soffice()
    from libreoffice import make_profile

    profile = make_profile(tmp_path / "profile")
    out = tmp_path / "lo"
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
         "--convert-to", "xlsx", "--outdir", str(out), str(filled_path)],
        check=True, capture_output=True, timeout=180,
    )
    saved = out / filled_path.name
    assert saved.read_bytes() != filled_path.read_bytes()
    sub = read_submission(saved)
    assert sub.structure == []
    assert sub.meta["fiscal_year_curr"] == 2023
    assert read_cells(saved) == expected_cells()



def test_meta_sheet_read_the_same_by_the_fast_path_and_by_calamine(
    filled_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hidden meta sheet's keys are read from its XML; anything unusual (here a styled
    number and a formula) makes the fast path step aside for calamine, with the same result."""
    import kpitool.reader as reader
    from kpitool.spec import META_SHEET

    answers: list[object] = []
    fast_path = reader.meta_rows_from_xml

    def spy(*args: object) -> object:
        answers.append(fast_path(*args))
        return answers[-1]

    monkeypatch.setattr(reader, "meta_rows_from_xml", spy)
    fast = read_submission(filled_path).meta
    assert answers[-1] is not None  # the plain template: read from its XML
    wb = openpyxl.load_workbook(filled_path)
    meta = wb[META_SHEET]
    meta["B2"].number_format = "0.00"  # a styled number may be a date: calamine decides
    meta["B3"] = "=2021+1"  # a formula without a cached value
    edited = tmp_path / "meta_edited.xlsx"
    wb.save(edited)
    slow = read_submission(edited).meta
    assert answers[-1] is None  # fell back to calamine
    assert fast["template_version"] == slow["template_version"] == TEMPLATE_VERSION
    assert fast["template_id"] == slow["template_id"]
    assert fast["fiscal_year_prev"] == 2022
    assert slow.get("fiscal_year_prev") in ("", None)  # the uncached formula reads as empty


# --- issue 16: no silent misreads --------------------------------------------------------------


def _hostile_findings(tmp_path: Path, generator_name: str) -> list[tuple[str, str, str]]:
    import hostile

    from kpitool.config import Config, Department
    from kpitool.validate import validate_file

    path = getattr(hostile, generator_name)(tmp_path, "総務部")
    config = Config(municipality=hostile.MUNICIPALITY,
                    departments=tuple(Department(n) for n in hostile.roster()))
    return validate_file(path, config).report.flatten()


def test_shared_string_index_that_is_not_an_index_is_an_error_at_its_cell(tmp_path: Path) -> None:
    import hostile

    found = _hostile_findings(tmp_path, "shared_string_bad_index")
    bad = sorted((s, c) for s, c, code in found if code == "E-FILE-016")
    assert bad == sorted((hostile.FIGURES, ref) for ref in hostile.BAD_SHARED_STRING_INDEXES)


def test_shared_string_index_check_accepts_every_valid_index() -> None:
    from kpitool.reader import bad_shared_string_refs

    xml = b'<c r="A1" t="s"><v>0</v></c><c r="A2" s="3" t="s"><v>9</v></c><c r="A3"><v>-1</v></c>'
    assert bad_shared_string_refs(xml, 10) == []
    assert bad_shared_string_refs(xml, 9) == [("A2", "9")]
    odd = b'<c r="B7" t="s"><v> 1e2 </v></c><c r="B8" t="s"><v></v></c>'
    assert bad_shared_string_refs(odd, 500) == [("B7", "1e2"), ("B8", "")]


@pytest.mark.parametrize("case", ["hidden_sheet_behind_visible", "very_hidden_data_sheet"])
def test_hidden_data_sheet_is_not_read_and_is_an_error(tmp_path: Path, case: str) -> None:
    import hostile

    found = _hostile_findings(tmp_path, case)
    assert "E-FILE-017" in {code for _s, _c, code in found}
    path = getattr(hostile, case)(tmp_path / "again", "総務部")
    sub = read_submission(path)
    assert sub.figures == []  # neither the hidden sheet nor a near-namesake was read
    assert any(p.kind == "missing_sheet" and p.sheet == hostile.FIGURES for p in sub.structure)


def test_sheet_names_equal_after_nfkc_and_trimming(tmp_path: Path) -> None:
    found = _hostile_findings(tmp_path, "sheet_names_nfkc")
    assert any(code == "E-FILE-015" for *_x, code in found)
