"""kpitool.doctor and ``kpitool doctor`` (issue 15): each line OK, or a code and what to do."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from kpitool import __version__, cli, doctor
from kpitool.doctor import ACTION, NOTE, OK, PanelFacts
from kpitool.errors import RUN_CODES

ROOT = Path(__file__).resolve().parents[1]
PANEL = ROOT / "workbook_templates" / "kpitool_panel.xlsm"


def _by_item(checks: list[doctor.Check]) -> dict[str, doctor.Check]:
    return {check.item: check for check in checks}


def _diagnose(folder: Path, panel: PanelFacts | None, **kwargs: object) -> dict[str, doctor.Check]:
    defaults: dict[str, object] = {"executable": "/opt/kpitool/bin/python", "python_version": (3, 11, 9),
                                   "xlwings_version": lambda: "0.37.8", "env": {},
                                   "soffice": lambda _env: "/usr/bin/soffice"}
    return _by_item(doctor.diagnose(folder, panel, **{**defaults, **kwargs}))


def test_a_ready_pc_is_all_ok(tmp_path: Path) -> None:
    panel = PanelFacts("kpitool_panel.xlsm", "/opt/kpitool/bin/python", "0.37.8")
    checks = _diagnose(tmp_path, panel)
    assert [c.status for c in checks.values()] == [OK] * 7
    assert checks["Python"].found == "3.11.9（/opt/kpitool/bin/python）"
    assert checks["kpitool"].found == __version__
    assert checks["xlwings"].found == "0.37.8（パネルの VBA と同じ版）"
    assert checks["Interpreter_Win"].found == "/opt/kpitool/bin/python（この Python と同じ）"
    assert not doctor.needs_action(checks.values())
    assert doctor.summary(list(checks.values())) == "kpitool を使う準備はできています。"
    assert list(tmp_path.iterdir()) == [], "the write probe is removed"


def test_each_problem_has_its_code_and_what_to_do(tmp_path: Path) -> None:
    panel = PanelFacts("kpitool_panel.xlsm", r"%LOCALAPPDATA%\kpitool\venv\Scripts\python.exe", "0.36.0")
    checks = _diagnose(tmp_path, panel, python_version=(3, 10, 4), xlwings_version=lambda: "0.37.8",
                       env={"LOCALAPPDATA": r"C:\Users\kikaku\AppData\Local"}, soffice=lambda _env: None)
    assert checks["Python"].code == "E-ENV-001" and checks["Python"].status == ACTION
    assert checks["xlwings"].code == "E-XL-005"
    assert checks["xlwings"].found == "Python は 0.37.8、パネル（VBA）は 0.36.0 で版が違います"
    interpreter = checks["Interpreter_Win"]
    assert interpreter.code == "E-ENV-003"
    assert r"C:\Users\kikaku\AppData\Local\kpitool\venv\Scripts\python.exe" in interpreter.found  # expanded
    assert checks["LibreOffice"].status == NOTE and checks["LibreOffice"].code == "E-ENV-007"
    for check in checks.values():
        if not check.ok:
            assert check.advice == RUN_CODES[check.code].hint
            assert check.line() == f"[{check.status}] {check.item}: {check.found}\n    {check.code} {check.advice}"
    assert doctor.summary(list(checks.values())).startswith("要対応が 3件あります（E-ENV-001、E-XL-005、E-ENV-003）")


def test_windows_interpreter_paths_compare_without_case() -> None:
    panel = PanelFacts("p", r"%localappdata%\KPITOOL\venv\Scripts\python.exe", None)
    check = doctor.check_interpreter(panel, r"C:\Users\k\AppData\Local\kpitool\venv\Scripts\PYTHON.EXE",
                                     {"LOCALAPPDATA": r"C:\Users\k\AppData\Local"})
    assert check.status == OK


def test_no_panel_is_a_note_and_no_xlwings_is_an_action(tmp_path: Path) -> None:
    checks = _diagnose(tmp_path, None, xlwings_version=lambda: None)
    assert checks["操作パネル"].status == NOTE and checks["操作パネル"].code == "E-ENV-008"
    assert checks["xlwings"].code == "E-ENV-002"


@pytest.mark.skipif(sys.platform.startswith("win") or os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_folder_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        assert doctor.check_writable(folder).code == "E-ENV-004"
    finally:
        folder.chmod(0o755)


def test_a_folder_that_is_a_file_is_not_writable(tmp_path: Path) -> None:
    """Works as root too: the probe cannot be created under a regular file."""
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    check = doctor.check_writable(blocker)
    assert check.status == ACTION and check.code == "E-ENV-004"
    assert str(blocker) in check.found


@pytest.mark.parametrize(
    ("folder", "env", "code"),
    [
        (r"C:\KPI\令和6年度", {}, ""),
        (r"\\fileserver\企画課\KPI", {}, ""),
        (r"\\192.168.10.5\企画課\KPI", {}, "E-ENV-006"),
        (r"\\10.0.0.1\share", {}, "E-ENV-006"),
        (r"C:\Users\kikaku\OneDrive - 菊川市\KPI", {"OneDrive": r"C:\Users\kikaku\OneDrive - 菊川市"}, "E-ENV-005"),
        (r"c:\users\kikaku\onedrive - 菊川市\kpi", {"OneDriveCommercial": r"C:\Users\kikaku\OneDrive - 菊川市"}, "E-ENV-005"),
        (r"D:\OneDrive\KPI", {}, "E-ENV-005"),
        ("https://kikugawa.sharepoint.com/sites/kikaku/Shared Documents/KPI", {}, "E-ENV-005"),
        ("/srv/企画課/KPI", {}, ""),
        (r"C:\Users\kikaku\OneDriveBackup", {"OneDrive": r"C:\Users\kikaku\OneDrive"}, "E-ENV-005"),
    ],
)
def test_location_of_the_work_folder(folder: str, env: dict[str, str], code: str) -> None:
    check = doctor.check_location(folder, env)
    assert check.code == code, check
    assert check.ok == (code == "")


def test_a_named_share_is_ok_but_asks_for_a_trusted_location() -> None:
    check = doctor.check_location(r"\\fileserver\企画課\KPI", {})
    assert "信頼できる場所" in check.found


def test_panel_facts_are_read_from_the_committed_panel() -> None:
    import xlwings

    facts = doctor.read_panel_facts(PANEL)
    assert facts == PanelFacts(str(PANEL), r"%LOCALAPPDATA%\kpitool\venv\Scripts\python.exe", xlwings.__version__)
    assert doctor.read_panel_facts(PANEL.with_name("missing.xlsm")) is None


def test_damaged_panel_is_unreadable(tmp_path: Path) -> None:
    broken = tmp_path / "kpitool_panel.xlsm"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    assert doctor.read_panel_facts(broken) is None


# --- the command ------------------------------------------------------------------------------


def _panel_with_interpreter(folder: Path, interpreter: str, version: str | None = None) -> Path:
    """A copy of the committed panel whose xlwings.conf names ``interpreter`` (and a version)."""
    import openpyxl

    book = openpyxl.load_workbook(PANEL, keep_vba=True)
    sheet = book["xlwings.conf"]
    sheet["B1"] = interpreter
    if version:
        for row in sheet.iter_rows(min_col=1, max_col=2):
            if row[0].value == "XLWINGS_VERSION":
                row[1].value = version
    path = folder / "kpitool_panel.xlsm"
    book.save(path)
    return path


def test_cli_doctor_ok_on_this_machine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _panel_with_interpreter(tmp_path, sys.executable)
    code = cli.main(["doctor", str(tmp_path)])
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == f"kpitool の診断（作業フォルダ {tmp_path}、パネル {tmp_path / 'kpitool_panel.xlsm'}）"
    assert f"[OK] Python: {sys.version.split()[0]}（{sys.executable}）" in lines
    assert f"[OK] kpitool: {__version__}" in lines
    assert f"[OK] Interpreter_Win: {sys.executable}（この Python と同じ）" in lines
    assert f"[OK] 作業フォルダへの書き込み: {tmp_path} に書き込めます" in lines
    assert any(line.startswith("[OK] xlwings: ") and "パネルの VBA と同じ版" in line for line in lines)
    assert code == 0, out


def test_cli_doctor_reports_a_wrong_interpreter_and_version_with_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _panel_with_interpreter(tmp_path, r"C:\Python39\python.exe", version="0.30.0")
    assert cli.main(["doctor", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "[要対応] Interpreter_Win: パネルは C:\\Python39\\python.exe を起動しますが" in out
    assert f"    E-ENV-003 {RUN_CODES['E-ENV-003'].hint}" in out
    assert "[要対応] xlwings: " in out and "パネル（VBA）は 0.30.0 で版が違います" in out
    assert out.splitlines()[-1].startswith("要対応が 2件あります（E-XL-005、E-ENV-003）")


def test_cli_doctor_explicit_panel_and_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["doctor", str(tmp_path), "--panel", str(PANEL)]) == 1  # Interpreter_Win is the Windows default
    assert "E-ENV-003" in capsys.readouterr().out
    assert cli.main(["doctor", str(tmp_path / "nope")]) == 2
    assert "エラー [E-RUN-001]: 作業フォルダが見つかりません" in capsys.readouterr().err
