"""The master written today equals the committed golden master, part by part (issue 10).

Formats, print setup, protection, formulas, cached values, links and charts are all in the
compared XML parts; only docProps, the tool version, the data digest and the inbox's absolute
path are masked (tests/golden.py). A change to the master made on purpose regenerates the
golden file with ``.venv/bin/python tests/make_golden.py``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from golden import GOLDEN, MASK, REGENERATE, build, differences, parts
from master_cases import make_consolidation

from kpitool.master.layout import AUDIT_LOG, FIGURES, SHEET_ORDER
from kpitool.master.writer import write_master


def _part(sheet: str) -> str:
    return f"xl/worksheets/sheet{SHEET_ORDER.index(sheet) + 1}.xml"


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("golden"))


def test_the_master_equals_the_golden_master(written: Path) -> None:
    diff = differences(GOLDEN, written)
    assert diff == {}, (
        f"The master differs from {GOLDEN.name} in {sorted(diff)}. If the change is intended, run "
        f"`{REGENERATE}` and commit the result.\n" + "\n".join(f"== {k}\n{v}" for k, v in diff.items())
    )


def test_every_sheet_styles_and_workbook_are_compared(written: Path) -> None:
    compared = parts(written)
    sheets = {n for n in compared if n.startswith("xl/worksheets/sheet")}
    assert len(sheets) == len(SHEET_ORDER)  # 概要 … 監査ログ
    assert {"xl/styles.xml", "xl/workbook.xml", "[Content_Types].xml"} <= set(compared)
    assert not any(n.startswith("docProps/") for n in compared)
    assert MASK in compared[_part(AUDIT_LOG)]  # digest, version, inbox in 監査ログ


def _rewrite(path: Path, part: str, old: str, new: str) -> None:
    with zipfile.ZipFile(path) as z:
        items = [(i, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in items:
            if info.filename == part:
                assert old.encode() in data
                data = data.replace(old.encode(), new.encode(), 1)
            z.writestr(info, data)


@pytest.mark.parametrize(("part", "old", "new"), [
    ("xl/styles.xml", "#,##0", "#,##0.0"),  # a number format
    (_part(FIGURES), "<pageSetup ", '<pageSetup scale="50" '),  # print setup
    (_part(FIGURES), "<sheetProtection ", '<sheetProtection sort="0" '),  # protection
    (_part(FIGURES), "ROUND(", "TRUNC("),  # a formula
])
def test_drift_in_any_part_is_caught(written: Path, tmp_path: Path, part: str, old: str, new: str) -> None:
    drifted = tmp_path / "drifted.xlsx"
    drifted.write_bytes(written.read_bytes())
    _rewrite(drifted, part, old, new)
    assert list(differences(written, drifted)) == [part]


def test_another_configuration_is_not_the_golden_master(tmp_path: Path) -> None:
    (tmp_path / "inbox").mkdir()
    other = write_master(make_consolidation(tmp_path / "inbox", protect_password="secret"), tmp_path / "master.xlsx")
    changed = differences(GOLDEN, other.master)
    assert "xl/worksheets/sheet1.xml" in changed  # the password hash of every protected sheet
