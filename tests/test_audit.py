"""``kpitool audit``: a fresh master passes; edits, swapped sources and extra files are named."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from master_cases import make_consolidation, rewrite_cached_value

from kpitool.audit import (
    CELL_CHANGED,
    DIGEST_MISMATCH,
    FORMULA_UNCACHED,
    FORMULA_VALUE,
    HEADER_CHANGED,
    ROWS_CHANGED,
    SOURCE_CHANGED,
    SOURCE_EXTRA,
    SOURCE_MISSING,
    SUMMARY_CHANGED,
    audit_master,
)
from kpitool.cli import main
from kpitool.errors import InputError
from kpitool.master.layout import FIGURES, SHEET_ORDER, SUMMARY, SURVEY
from kpitool.master.writer import write_master


@pytest.fixture
def master(tmp_path: Path) -> Path:
    (tmp_path / "inbox").mkdir()
    return write_master(make_consolidation(tmp_path / "inbox"), tmp_path / "master.xlsx").master


def codes(report) -> set[str]:
    return {d.code for d in report.discrepancies}


def edit(path: Path, sheet: str, ref: str, value: object) -> Path:
    """Change one cell with openpyxl, as someone fixing a number by hand would."""
    book = openpyxl.load_workbook(path)
    book[sheet][ref] = value
    edited = path.with_name("edited.xlsx")
    book.save(edited)
    return edited


def test_a_fresh_master_passes(master):
    report = audit_master(master)
    assert report.ok, [str(d) for d in report.discrepancies]
    assert report.recorded_digest == report.computed_digest
    # 実績数値 12 rows × 3 (the unit mismatch row is static: 11 × 3) + 事業成果目標 8 rows × 5
    assert report.formulas_checked == 11 * 3 + 8 * 5


def test_an_edited_value_is_named_by_its_cell(master):
    report = audit_master(edit(master, FIGURES, "I3", 4619))  # 事務時間削減 令和5年度 4,618 -> 4,619

    assert not report.ok
    assert (FIGURES, "I3", CELL_CHANGED) in report.flatten()
    assert [d for d in report.discrepancies if d.code == CELL_CHANGED] == [
        next(d for d in report.discrepancies if d.cell == "I3")]
    assert DIGEST_MISMATCH in codes(report)
    assert "4,619" in str(next(d for d in report.discrepancies if d.cell == "I3"))


def test_an_edited_text_is_named_by_its_cell(master):
    report = audit_master(edit(master, SURVEY, "G2", "業務改善提案を募集し、600件の提出があった。"))
    assert [d.compact() for d in report.discrepancies if d.code == CELL_CHANGED] == [(SURVEY, "G2", CELL_CHANGED)]


def test_openpyxl_dropping_the_cached_values_is_reported_once_per_sheet(master):
    report = audit_master(edit(master, SURVEY, "G2", "変更"))
    uncached = [d for d in report.discrepancies if d.code == FORMULA_UNCACHED]
    assert {d.sheet for d in uncached} == {FIGURES, "事業成果目標"}
    assert SUMMARY_CHANGED not in codes(report)  # 概要 is rebuilt from the data, not from caches


def test_a_wrong_cached_value_is_caught_without_touching_the_data(master):
    rewrite_cached_value(master, SHEET_ORDER.index(FIGURES) + 1, "J2", "18")  # 515 - 498 = 17
    report = audit_master(master)
    assert report.flatten() == [(FIGURES, "J2", FORMULA_VALUE)]


def test_a_replaced_formula_is_named(master):
    report = audit_master(edit(master, FIGURES, "J2", 18))
    assert (FIGURES, "J2", CELL_CHANGED) in report.flatten()


def test_an_edited_summary_count_is_named(master):
    book = openpyxl.load_workbook(master)
    sheet = book[SUMMARY]
    ref = next(row[1].coordinate for row in sheet.iter_rows() if row[0].value == "提出済")
    report = audit_master(edit(master, SUMMARY, ref, 3))
    assert (SUMMARY, ref, SUMMARY_CHANGED) in report.flatten()
    assert DIGEST_MISMATCH not in codes(report)


def test_a_renamed_header_and_a_deleted_row_are_reported(master):
    assert HEADER_CHANGED in codes(audit_master(edit(master, FIGURES, "D1", "項目名")))
    book = openpyxl.load_workbook(master)
    book[FIGURES].delete_rows(3)
    deleted = master.with_name("deleted.xlsx")
    book.save(deleted)
    report = audit_master(deleted)
    assert DIGEST_MISMATCH in codes(report) and ROWS_CHANGED in codes(report)


def test_not_a_master_cannot_be_audited(tmp_path):
    with pytest.raises(InputError, match="見つかりません"):
        audit_master(tmp_path / "missing.xlsx")
    text = tmp_path / "notes.xlsx"
    text.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(InputError, match="Excel ファイルとして読めません"):
        audit_master(text)
    other = tmp_path / "other.xlsx"
    openpyxl.Workbook().save(other)
    with pytest.raises(InputError, match="kpitool の集約ファイルではありません"):
        audit_master(other)


# --- with the inbox: the bundled example, consolidated for real --------------------------


@pytest.fixture
def demo(tmp_path: Path):
    from kpitool.consolidate import consolidate
    from kpitool.demo import prepare

    config, inbox = prepare(tmp_path / "demo")
    outputs = write_master(consolidate(inbox, config), tmp_path / "demo" / "master.xlsx")
    return config, inbox, outputs


def test_the_demo_master_passes_with_its_inbox(demo):
    _config, inbox, outputs = demo
    report = audit_master(outputs.master, inbox)
    assert report.ok, [str(d) for d in report.discrepancies]
    assert report.files_checked == len(list(inbox.glob("*.xlsx")))
    assert report.formulas_checked > 100


def test_a_swapped_source_file_is_named(demo):
    _config, inbox, outputs = demo
    shutil.copyfile(inbox / "06_市長公室.xlsx", inbox / "03_総務部.xlsx")
    report = audit_master(outputs.master, inbox)
    assert [(d.file, d.code) for d in report.discrepancies] == [("03_総務部.xlsx", SOURCE_CHANGED)]
    assert "03_総務部.xlsx" in str(report.discrepancies[0])


def test_missing_and_extra_source_files_are_named(demo):
    _config, inbox, outputs = demo
    (inbox / "01_総合政策部.xlsx").rename(inbox / "01_総合政策部_再提出.xlsx")
    (inbox / "~$04_財務部.xlsx").write_bytes(b"owner file: ignored")
    report = audit_master(outputs.master, inbox)
    assert sorted((d.file, d.code) for d in report.discrepancies) == [
        ("01_総合政策部.xlsx", SOURCE_MISSING), ("01_総合政策部_再提出.xlsx", SOURCE_EXTRA)]


def test_the_same_inbox_consolidated_twice_gives_the_same_digest(demo, tmp_path):
    from kpitool.consolidate import consolidate

    config, inbox, outputs = demo
    (tmp_path / "elsewhere").mkdir()
    again = write_master(consolidate(inbox, config), tmp_path / "elsewhere" / "master.xlsx")
    assert again.digest == outputs.digest
    assert audit_master(again.master, inbox).ok


# --- the command ---------------------------------------------------------------------------


def test_cli_exit_codes_and_messages(master, capsys):
    assert main(["audit", str(master)]) == 0
    out = capsys.readouterr().out
    assert "（一致）" in out and "問題はありません。" in out

    edited = edit(master, FIGURES, "I3", 4619)
    assert main(["audit", str(edited)]) == 1
    out = capsys.readouterr().out
    assert f"[{CELL_CHANGED}] {FIGURES}!I3: 集約後に値・表示形式・リンク先のいずれかが変更されています（現在の値: 4,619）。" in out
    assert "件の不一致があります。" in out

    assert main(["audit", str(master.with_name("none.xlsx"))]) == 2
    assert capsys.readouterr().err.startswith("エラー [E-RUN-001]: 集約ファイルが見つかりません")


def test_cli_with_inbox(demo, capsys):
    _config, inbox, outputs = demo
    assert main(["audit", str(outputs.master), "--inbox", str(inbox)]) == 0
    assert "入力ファイル: 7 件のハッシュを照合しました" in capsys.readouterr().out
    assert main(["audit", str(outputs.master), "--inbox", str(inbox / "none")]) == 2


# --- hostile and empty input: a fresh master must always pass ---------------------------


def test_hostile_text_and_odd_rows_round_trip_through_the_digest(tmp_path):
    from master_cases import FIGURES as CASES
    from master_cases import figure

    hostile = [
        figure("総務部", "9", "制御\x01文字\x0bと\r\n改行", "件", "↑", 1, 2, excel_row=20, note="_x0041_ のような並び"),
        figure("総務部", "9", "長い" * 20_000, "件", "↑", 1.1, 2.2, excel_row=21, note="🙂" * 17_000),
        figure("総務部", "9", "  前後の空白  ", "件", "↑", 0.1, 0.30000000000000004, excel_row=22),
    ]
    invalid = figure("総務部", "9", "方向が不正", "件", "↑", 5, 7, excel_row=23)
    invalid |= {"direction": "上", "change": None, "change_unit": None, "rate": None, "rate_text": "―",
                "evaluation": None, "reason": "invalid", "variance_formula": False}  # as the survey decides
    (tmp_path / "inbox").mkdir()
    consolidation = make_consolidation(tmp_path / "inbox", figures=[*CASES, *hostile, invalid])
    consolidation.kpis.loc[0, "achievement"] = float("nan")  # e.g. a 目標値 typed in another unit
    consolidation.kpis.loc[0, "suggested_grade"] = None
    consolidation.kpis.loc[0, "achievement_formula"] = False  # the survey's decision for such a row
    master = write_master(consolidation, tmp_path / "master.xlsx").master

    report = audit_master(master)
    assert report.ok, [str(d) for d in report.discrepancies]
    book = openpyxl.load_workbook(master)
    row = 2 + len(CASES) + len(hostile)
    assert book[FIGURES][f"J{row}"].value is None  # no formula that would subtract with an invalid 方向
    assert book["事業成果目標"]["K2"].value is None  # no 達成率 formula that Python did not compute


def test_an_inbox_without_submissions_gives_a_master_that_passes(tmp_path):
    import pandas as pd

    (tmp_path / "inbox").mkdir()
    consolidation = make_consolidation(tmp_path / "inbox", figures=[])
    consolidation.kpis = consolidation.kpis.iloc[0:0]
    consolidation.survey = consolidation.survey.iloc[0:0]
    consolidation.findings = consolidation.findings.iloc[0:0]
    consolidation.submissions = pd.DataFrame(
        [{**row, "status": "未提出", "included": False, "file": "", "size": 0, "sha256": "", "modified": "",
          "created": ""} for row in consolidation.submissions.to_dict("records")])
    master = write_master(consolidation, tmp_path / "master.xlsx").master
    assert audit_master(master, tmp_path / "inbox").ok
