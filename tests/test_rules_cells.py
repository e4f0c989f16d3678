"""Rules for any cell and for numbers, units and dates as users type them (kpitool.validation.rules)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from workbooks import filled, findings, make_config, patch_cell, rows

from kpitool import codes
from kpitool.package import PackageInfo
from kpitool.reader import CellValue, Record, Submission
from kpitool.spec import template_spec
from kpitool.validate import validate_submission

SPEC = template_spec((2022, 2023))


def test_clean_file_has_no_findings(tmp_path: Path) -> None:
    assert rows(filled(tmp_path)) == []


# --- numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("約60", codes.NUM_APPROXIMATE),
        ("60人以上", codes.NUM_APPROXIMATE),
        ("60～70", codes.NUM_APPROXIMATE),
        ("集計中", codes.NUM_PENDING),
        ("確認作業中", codes.NUM_PENDING),
        ("201件、2,459.3時間", codes.NUM_MULTIPLE),
        ("令和6年4月1日", codes.NUM_DATE),
        ("1,23", codes.NUM_NOT_A_NUMBER),
        ("多数", codes.NUM_NOT_A_NUMBER),
        ("#DIV/0!", codes.CELL_FORMULA_ERROR),
    ],
)
def test_not_a_number(tmp_path: Path, typed: str, code: str) -> None:
    path = filled(tmp_path, figures={0: {"prev": typed}})
    assert rows(path) == [("実績数値", "E4", code)]


def test_finding_carries_location_label_and_value(tmp_path: Path) -> None:
    (finding,) = findings(filled(tmp_path, figures={0: {"prev": "約60人"}}))
    assert (finding.file, finding.sheet, finding.cell) == ("filled.xlsx", "実績数値", "E4")
    assert finding.label == "令和4年度"
    assert finding.value == "約60人"
    assert finding.message == "「約60人」は概数や範囲のため集計できません。"
    assert finding.hint.startswith("確定した数値を入力してください。")


def test_date_value_in_a_number_column(tmp_path: Path) -> None:
    """Excel turns 1/1 typed into a cell into a date with a date format."""
    path = filled(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["実績数値"]["E4"] = dt.datetime(2024, 1, 1)
    wb["実績数値"]["E4"].number_format = "m月d日"
    wb.save(path)
    assert rows(path) == [("実績数値", "E4", codes.NUM_DATE)]


@pytest.mark.parametrize("typed", ["-", "－", "…", "x", "Ｘ", "１２３", "2,459.3", "△1,972", "▲5", "515件", "1.5万"])
def test_numbers_and_markers_as_written_pass(tmp_path: Path, typed: str) -> None:
    path = filled(tmp_path, figures={0: {"prev": typed, "curr": typed}})
    assert rows(path) == []


def test_rank_must_be_a_positive_whole_number(tmp_path: Path) -> None:
    path = filled(tmp_path, kpis=[
        {"no": "1", "indicator": "住みよさランキング", "unit": "位", "direction": "↓",
         "target": "300位", "prev": 0, "curr": 12.5},
    ])
    assert rows(path) == [("事業成果目標", "J4", codes.NUM_BAD_RANK), ("事業成果目標", "K4", codes.NUM_BAD_RANK)]


# --- units --------------------------------------------------------------------------------


def test_unit_typed_in_the_cell_contradicts_the_unit_column(tmp_path: Path) -> None:
    path = filled(tmp_path, figures={2: {"prev": "1,167,400千円", "curr": "8,782,546円"}})
    (finding,) = findings(path)
    assert finding.compact() == ("実績数値", "E6", codes.UNIT_MISMATCH)
    assert finding.message == "セルに書かれた単位「千円」が、単位列の「円」と違います。"
    assert finding.hint == "「円」で表すと 1,167,400,000 です。単位列の単位（円）で表した数値だけを入力してください。"


def test_unit_mismatch_without_a_common_base_has_no_conversion(tmp_path: Path) -> None:
    (finding,) = findings(filled(tmp_path, figures={0: {"prev": "498人"}}))
    assert finding.compact() == ("実績数値", "E4", codes.UNIT_MISMATCH)
    assert finding.hint == "単位列の単位（件）で表した数値だけを入力してください。"


def test_unit_spellings_that_mean_the_same_unit_pass(tmp_path: Path) -> None:
    path = filled(tmp_path, figures={0: {"unit": "か所", "prev": "12ヶ所", "curr": "13箇所"}})
    assert rows(path) == []


def test_percent_formatted_cell(tmp_path: Path) -> None:
    """A cell typed 34% in Excel is 0.34 with a percent format: fine under 単位 %, not under 件."""
    path = filled(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb["事業成果目標"]
    ws["K5"] = 0.34  # 単位 %
    ws["K5"].number_format = "0%"
    ws["K4"] = 0.34  # 単位 件
    ws["K4"].number_format = "0%"
    wb.save(path)
    assert rows(path) == [("事業成果目標", "K4", codes.UNIT_MISMATCH)]


# --- cells --------------------------------------------------------------------------------


def test_cached_formula_error(tmp_path: Path) -> None:
    path = patch_cell(filled(tmp_path), "実績数値", "F5", "<f>E5/0</f><v>#DIV/0!</v>", cell_type="e")
    (finding,) = findings(path)
    assert finding.compact() == ("実績数値", "F5", codes.CELL_FORMULA_ERROR)
    assert finding.message == "セルが #DIV/0! のエラーになっています。"


def test_formula_without_cached_value(tmp_path: Path) -> None:
    path = patch_cell(filled(tmp_path), "事業成果目標", "K4", "<f>J4+17</f>")
    assert rows(path) == [("事業成果目標", "K4", codes.CELL_UNCACHED_FORMULA)]


def test_formula_with_cached_value_is_a_warning_and_the_value_counts(tmp_path: Path) -> None:
    path = patch_cell(filled(tmp_path), "事業成果目標", "K4", "<f>J4+17</f><v>515</v>")
    (finding,) = findings(path)
    assert finding.compact() == ("事業成果目標", "K4", codes.CELL_FORMULA)
    assert finding.value == "515"


def test_uncached_formula_in_a_required_cell_is_not_also_empty(tmp_path: Path) -> None:
    path = patch_cell(filled(tmp_path), "実績数値", "C4", "<f>\"件\"</f>")
    assert rows(path) == [("実績数値", "C4", codes.CELL_UNCACHED_FORMULA)]


def test_control_characters(tmp_path: Path) -> None:
    path = filled(tmp_path, survey={0: {"curr": "提出件数\x07515件"}})
    (finding,) = findings(path)
    assert finding.compact() == ("実績調査", "G4", codes.CELL_CONTROL_CHARS)  # 令和5年度実績 (v2 columns)
    assert finding.value == "提出件数?515件"


def test_line_breaks_in_long_text_are_fine(tmp_path: Path) -> None:
    assert rows(filled(tmp_path, survey={0: {"curr": "提出件数515件。\n職員提案5件。"}})) == []


@pytest.mark.parametrize("typed", [" 業務改善", "業務改善 ", "業務改善\u3000", "\u200b業務改善"])
def test_leading_and_trailing_spaces(tmp_path: Path, typed: str) -> None:
    assert rows(filled(tmp_path, survey={0: {"initiative": typed}})) == [("実績調査", "C4", codes.CELL_SPACES)]


def test_spaces_around_a_number_typed_as_text_are_read(tmp_path: Path) -> None:
    assert rows(filled(tmp_path, figures={0: {"prev": " 498 "}})) == []


@pytest.mark.parametrize("typed", ["=SUM(A1:A3)", "+81 3 1234", "-研修の実施", "@担当"])
def test_formula_like_text_is_a_warning(tmp_path: Path, typed: str) -> None:
    (finding,) = findings(filled(tmp_path, kpis={0: {"note": typed}}))
    assert finding.compact() == ("事業成果目標", "M4", codes.CELL_FORMULA_LIKE)
    assert finding.value == typed


@pytest.mark.parametrize("typed", ["-", "－", "―", "--"])
def test_a_lone_dash_is_the_none_marker_not_a_formula(tmp_path: Path, typed: str) -> None:
    assert rows(filled(tmp_path, survey={0: {"plan": typed}})) == []


# --- properties ---------------------------------------------------------------------------

_ANY_VALUE = st.one_of(
    st.none(),
    st.text(max_size=20),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 12, 31)),
)


def _synthetic(values: list[object]) -> Submission:
    """A read file whose every input cell holds the next value: no workbook needed."""
    info = PackageInfo(Path("x.xlsx"), 1, "0" * 64, (), False, False, 0, {}, 1)
    sub = Submission(path=Path("x.xlsx"), info=info, spec=SPEC,
                     meta={"template_id": "kpitool-department-template", "template_version": 1,
                           "fiscal_year_prev": 2022, "fiscal_year_curr": 2023})
    it = iter(values)

    def cell(sheet: str, ref: str) -> CellValue:
        value = next(it, None)
        return CellValue(sheet, ref, value, "" if value is None else str(value))

    basic = SPEC.sheet("basic")
    sub.basic = {c.key: cell(basic.name, f"B{3 + i}") for i, c in enumerate(basic.columns)}
    for key in ("kpis", "survey", "figures"):
        sheet = SPEC.sheet(key)
        for r in range(2):
            cells = {c.key: cell(sheet.name, f"{chr(65 + i)}{4 + r}") for i, c in enumerate(sheet.columns)}
            sub.records(key).append(Record(key, 4 + r, cells))
    return sub


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(_ANY_VALUE, min_size=60, max_size=60))
def test_any_values_give_registered_findings_and_no_internal_error(values: list[object]) -> None:
    report = validate_submission(_synthetic(values), make_config()).report
    for finding in report.findings:
        assert finding.code in {t.code for t in codes.CATALOGUE}
        assert not finding.code.startswith("E-RUN"), finding
        assert finding.file == "x.xlsx"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=10**9), min_size=2, max_size=2))
def test_whole_numbers_in_number_columns_never_fail_to_read(pair: list[int]) -> None:
    sub = _synthetic([None] * 60)
    for record in sub.figures:
        for key, value in zip(("prev", "curr"), pair, strict=True):
            cell = record.cells[key]
            record.cells[key] = CellValue(cell.sheet, cell.cell, value, str(value))
    codes_found = {f.code for f in validate_submission(sub, make_config()).report.findings}
    assert not codes_found & {codes.NUM_NOT_A_NUMBER, codes.NUM_APPROXIMATE, codes.NUM_MULTIPLE, codes.UNIT_MISMATCH}


# --- invisible characters (issue 16) ----------------------------------------------------------


def test_bidi_zero_width_and_bom_are_warned_by_name(tmp_path: Path) -> None:
    path = filled(tmp_path, kpis={0: {"indicator": "認知度\u202e%001", "note": "備\ufeff考\u200bです"}})
    found = [f for f in findings(path) if f.code == "W-CELL-004"]
    by_cell = {f.cell: f for f in found}
    note = f"{chr(ord('A') + [c.key for c in template_spec().sheet('kpis').columns].index('note'))}4"  # 備考
    assert set(by_cell) == {"C4", note}
    assert "U+202E（RIGHT-TO-LEFT OVERRIDE）" in by_cell["C4"].message
    assert by_cell["C4"].value == "認知度<U+202E>%001"
    assert "U+FEFF（ZERO WIDTH NO-BREAK SPACE）" in by_cell[note].message
    assert "U+200B（ZERO WIDTH SPACE）" in by_cell[note].message
    assert not any(f.is_error for f in findings(path))  # a warning: the file is still accepted


def test_master_and_csv_show_invisible_characters_escaped(tmp_path: Path) -> None:
    from test_consolidate import write_department

    from kpitool.consolidate import consolidate
    from kpitool.master.writer import write_master

    inbox = tmp_path / "inbox"
    sample = __import__("conftest").sample_data()
    kpis = [dict(r) for r in sample.kpis]
    kpis[0]["indicator"] = "認知度\u202e%001"
    write_department(inbox, "総務部.xlsx", "総務部", "2024/4/1", kpis=kpis)
    outputs = write_master(consolidate(inbox, make_config(), workers=1), tmp_path / "m.xlsx")
    wb = openpyxl.load_workbook(outputs.master, read_only=True)
    texts = {v for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row
             if isinstance(v, str)}
    wb.close()
    assert "認知度<U+202E>%001" in texts
    assert not any("\u202e" in t for t in texts)
    for csv in outputs.csvs:
        assert "\u202e" not in csv.read_text(encoding="utf-8-sig")
