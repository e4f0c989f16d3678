"""LibreOffice recalculates the master and gets every value we cached (issue 4, done-when).

The master is written (hand-built cases and the bundled demo), recalculated by LibreOffice
with a profile that forces recalculation on load (tests/libreoffice.py), and every formula cell
of every sheet is compared with the value the writer cached. A master with one cached value
changed on purpose proves that the recalculation really happens and that the check can fail.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from libreoffice import recalculate, require_soffice, same
from master_cases import make_consolidation, rewrite_cached_value

from kpitool.master.layout import FIGURES, KPIS, SHEET_ORDER
from kpitool.master.writer import write_master
from kpitool.variance import RATE_FORMAT

pytestmark = [pytest.mark.libreoffice, pytest.mark.slow]

Cell = tuple[str, str]


def cached_formula_values(path: Path) -> dict[Cell, object]:
    """Every formula cell of the workbook with the value stored for it ("" for a blank result)."""
    formulas = openpyxl.load_workbook(path)
    values = openpyxl.load_workbook(path, data_only=True)
    out: dict[Cell, object] = {}
    for sheet in formulas.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    value = values[sheet.title][cell.coordinate].value
                    out[(sheet.title, cell.coordinate)] = "" if value is None else value
    return out



def mismatches(original: Path, recalculated: Path) -> dict[Cell, tuple[object, object]]:
    expected = cached_formula_values(original)
    actual = cached_formula_values(recalculated)
    assert set(actual) == set(expected), "LibreOffice must keep every formula"
    return {cell: (v, actual[cell]) for cell, v in expected.items() if not same(v, actual[cell])}


@pytest.fixture(scope="module")
def soffice() -> str:
    return require_soffice()


@pytest.fixture
def master(tmp_path: Path) -> Path:
    (tmp_path / "inbox").mkdir()
    return write_master(make_consolidation(tmp_path / "inbox"), tmp_path / "master.xlsx").master


def test_every_formula_of_the_master_recalculates_to_its_cached_value(soffice, master, tmp_path):
    expected = cached_formula_values(master)
    assert len(expected) >= 40
    recalculated = recalculate(master, tmp_path)
    assert mismatches(master, recalculated) == {}
    assert openpyxl.load_workbook(recalculated).sheetnames == list(SHEET_ORDER)


def test_the_demo_master_recalculates_to_its_cached_values(soffice, tmp_path):
    from kpitool.consolidate import consolidate
    from kpitool.demo import prepare

    config, inbox = prepare(tmp_path / "demo")
    master = write_master(consolidate(inbox, config), tmp_path / "demo" / "master.xlsx").master
    assert len(cached_formula_values(master)) > 100
    assert mismatches(master, recalculate(master, tmp_path)) == {}


def test_a_wrong_cached_value_is_caught(soffice, master, tmp_path):
    rewrite_cached_value(master, SHEET_ORDER.index(FIGURES) + 1, "J2", "18")  # 498 -> 515: 17
    assert cached_formula_values(master)[(FIGURES, "J2")] == 18  # not recalculated: the lie

    recalculated = recalculate(master, tmp_path)

    assert mismatches(master, recalculated) == {(FIGURES, "J2"): (18, 17)}


def test_progress_rates_recalculate_and_a_wrong_one_is_caught(soffice, master, tmp_path):
    """進捗率 = (実績 − 基準値) / (目標値 − 基準値) as a live formula (issue 11)."""
    expected = cached_formula_values(master)
    assert expected[(KPIS, "L6")] == pytest.approx(18 / 26)  # 58 団体 (2016) → 84 (2022), 実績 76
    assert expected[(KPIS, "L7")] == pytest.approx(52 / 70)  # 370位 (2016) → 300位, 実績 318位
    assert expected[(KPIS, "L2")] == ""  # no 基準値
    assert expected[(KPIS, "L8")] == ""  # 参考値 (→)
    assert openpyxl.load_workbook(master)[KPIS]["L6"].number_format == RATE_FORMAT  # △ for a step back
    assert mismatches(master, recalculate(master, tmp_path)) == {}

    rewrite_cached_value(master, SHEET_ORDER.index(KPIS) + 1, "L6", "0.5")
    assert mismatches(master, recalculate(master, tmp_path)) == {(KPIS, "L6"): (0.5, pytest.approx(18 / 26))}


def test_a_master_saved_again_by_another_program_still_passes_the_audit(soffice, tmp_path):
    """LibreOffice rewrites the whole file (shared strings, its own number text) but not the
    data: the digest, the formulas and 概要 must still check out."""
    from kpitool.audit import audit_master
    from kpitool.consolidate import consolidate
    from kpitool.demo import prepare

    config, inbox = prepare(tmp_path / "demo")
    outputs = write_master(consolidate(inbox, config), tmp_path / "demo" / "master.xlsx")
    resaved = recalculate(outputs.master, tmp_path)
    for csv in outputs.csvs:  # the CSV twin travels with the master
        shutil.copyfile(csv, resaved.parent / csv.name)
    report = audit_master(resaved, inbox)
    assert report.ok, [str(d) for d in report.discrepancies]
    assert report.recorded_digest == report.computed_digest


HOSTILE_BUT_VALID = (  # (前年度, 当年度): numbers a department may really type (issue 16)
    (100 / 3, 1234567.891234567),  # =100/3 typed as a formula; 16 significant digits typed
    (0.1 + 0.2, 123456789012.34567),  # binary noise; 17 significant digits
    (1e-310, 5),  # a subnormal base: 増減率 out of range, LibreOffice computes a number
    (-999999999999999.0, 999999999999999.0),  # the template's limits
    (2 / 3, -2 / 3),
)


def test_libreoffice_resave_of_hostile_but_valid_numbers_passes_the_audit(soffice, tmp_path):
    """An untouched master re-saved by LibreOffice (15 significant digits, its own formula
    results) passes: no innocent office accused (issue 16)."""
    import random

    from master_cases import FIGURES as CASES
    from master_cases import figure, make_consolidation

    from kpitool.audit import audit_master

    rng = random.Random(16)  # and 40 random doubles within the template's ±1e15, 17 digits each
    drawn = [(rng.uniform(-1, 1) * 10 ** rng.randint(-12, 14), rng.uniform(-1, 1) * 10 ** rng.randint(-12, 14))
             for _ in range(40)]
    rows = [figure("総務部", "9", f"数値{i}", "件", "↑", prev, curr, excel_row=40 + i)
            for i, (prev, curr) in enumerate([*HOSTILE_BUT_VALID, *drawn])]
    (tmp_path / "inbox").mkdir()
    outputs = write_master(make_consolidation(tmp_path / "inbox", figures=[*CASES, *rows]),
                           tmp_path / "master.xlsx")
    assert audit_master(outputs.master).ok
    resaved = recalculate(outputs.master, tmp_path)
    for csv in outputs.csvs:
        shutil.copyfile(csv, resaved.parent / csv.name)
    report = audit_master(resaved)
    assert report.ok, [str(d) for d in report.discrepancies]
