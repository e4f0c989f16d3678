"""A click, as Excel makes it (issue 15): the exact RunPython command line, in a new process.

For every button of the committed panel, the test takes the Python command from the panel's
own VBA, builds the command line the way xlwings.bas' ExecuteWindows builds it (``python -B -c
"import xlwings.utils;xlwings.utils.prepare_sys_path(\\"…\\"); import kpitool.xl as x;
x.validate_button()" --wb="kpitool_panel.xlsm" --from_xl=1 --app=… --hwnd=…``), runs it in a
subprocess and checks the files on disk and what was written to 実行結果. The calling workbook
comes from a recorded Excel (tests/excel_click/sitecustomize.py: the remote engine's Book, shown
as COM shows it), found by xlwings' real ``Book.caller()`` from ``--wb=``/``--from_xl=1``; so a
button that needs an argument, or a broken ``_caller_book()``, fails here. What only Windows
can show is left out: cmd.exe itself, ``WScript.Run``, COM and the VBA around RunPython.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import xlwings
from test_xl import PANEL, _labelled, _payload, _trim, remote_engine

from kpitool.build import panel

pytestmark = [*remote_engine, pytest.mark.filterwarnings("ignore::DeprecationWarning")]
HERE = Path(__file__).resolve().parent
XLWINGS_BAS = Path(xlwings.__file__).with_name("xlwings.bas")
EXCEL_APP = r"C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE"
HWND = "265880"

# The lines of xlwings.bas (ExecuteWindows / RunPython) that excel_argv copies.
VBA_RUN_COMMAND = ('RunCommand = CondaCmd & PythonInterpreter & " -B -c ""import xlwings.utils;'
                   'xlwings.utils.prepare_sys_path(\\""" & PYTHONPATH & "\\""); " & PythonCommand & """ "')
VBA_ARGS = '" --wb=" & """" & ThisWorkbook.Name & """ --from_xl=1" & " --app=" & Chr(34) & _'
VBA_PYTHONPATH = ('PYTHONPATH = AddExcelDir & ";" & ActiveFullName & ";" & ThisFullName & ";" & '
                  'GetConfig("ONEDRIVE_CONSUMER_WIN") & ";" & GetConfig("ONEDRIVE_COMMERCIAL_WIN") & ";" & '
                  'GetConfig("SHAREPOINT_WIN") & ";" & GetConfig("PYTHONPATH")')
VBA_ESCAPES = ('PYTHONPATH = Replace(PYTHONPATH, "&", "^&")', 'PYTHONPATH = Replace(PYTHONPATH, "\\", "\\\\")')


def test_the_command_line_copied_here_is_the_one_xlwings_bas_builds() -> None:
    """If a new xlwings builds its command line differently, excel_argv must follow it."""
    source = XLWINGS_BAS.read_text(encoding="latin-1")
    for line in (VBA_RUN_COMMAND, VBA_ARGS, VBA_PYTHONPATH, *VBA_ESCAPES):
        assert line in source, line


def panel_python_commands() -> dict[str, str]:
    """Sub name -> the Python command its button passes to RunPython, from the committed panel."""
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser(str(PANEL))
    try:
        modules = {Path(name).stem: code for _f, _s, name, code in parser.extract_macros()}
    finally:
        parser.close()
    return dict(re.findall(r'^Sub (\w+)\(\)\s*\r?\n\s*KPIToolRun "([^"]+)"', modules["KPITool"], re.MULTILINE))


def excel_argv(python: str, python_command: str, full_name: str, *, add_workbook: str = "false",
               conf_pythonpath: str = "") -> list[str]:
    """The argv that python.exe receives from xlwings.bas' ExecuteWindows (after cmd.exe and the C runtime).

    VBA: PYTHONPATH = AddExcelDir;ActiveFullName;ThisFullName;ONEDRIVE_CONSUMER_WIN;
    ONEDRIVE_COMMERCIAL_WIN;SHAREPOINT_WIN;PYTHONPATH, then & -> ^& (removed again by cmd.exe)
    and \\ -> \\\\ (inside the Python string literal, read back as \\); the command is
    ``-c "…prepare_sys_path(\\"PYTHONPATH\\"); COMMAND"`` and the workbook's Name, Excel's path and
    window handle follow as --wb, --from_xl=1, --app, --hwnd.
    """
    pythonpath = ";".join([add_workbook, full_name, full_name, "", "", "", conf_pythonpath])
    pythonpath = pythonpath.replace("\\", "\\\\")
    code = f'import xlwings.utils;xlwings.utils.prepare_sys_path("{pythonpath}"); {python_command}'
    name = re.split(r"[\\/]", full_name)[-1]
    return [python, "-B", "-c", code, f"--wb={name}", "--from_xl=1", f"--app={EXCEL_APP}", f"--hwnd={HWND}"]


def click(folder: Path, python_command: str, tmp: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """Run one button's command line as Excel would; return the process and what it recorded."""
    full_name = str(folder / "kpitool_panel.xlsm")
    spec = tmp / "recorded_excel.json"
    record = tmp / "recorded_actions.json"
    record.unlink(missing_ok=True)
    spec.write_text(json.dumps({"payload": _payload(PANEL, full_name), "record": str(record)}, ensure_ascii=False),
                    encoding="utf-8")
    env = {**os.environ, "KPITOOL_RECORDED_EXCEL": str(spec), "PYTHONPATH": str(HERE / "excel_click")}
    argv = excel_argv(sys.executable, python_command, full_name)
    # Excel starts python in its own folder (cmd.exe ... cd "<python folder>"), not in the panel's.
    run = subprocess.run(argv, cwd=Path(sys.executable).parent, env=env, capture_output=True, text=True, timeout=600)
    recorded = json.loads(record.read_text(encoding="utf-8")) if record.is_file() else {"actions": [], "status": []}
    return run, recorded


def results_sheet(recorded: dict[str, Any]) -> list[list[Any]]:
    """The rows written to 実行結果 (the third sheet) in the one setValues after clearing it."""
    actions = [a for a in recorded["actions"] if a["sheet_position"] == 2]
    assert actions and actions[0]["func"] == "sheetClearContents", recorded["actions"]
    [write] = [a for a in actions if a["func"] == "setValues"]
    return [_trim(row) for row in write["values"]]


def alerts(recorded: dict[str, Any]) -> list[str]:
    return [a["args"][0] for a in recorded["actions"] if a["func"] == "alert"]


@pytest.fixture(scope="module")
def commands() -> dict[str, str]:
    found = panel_python_commands()
    assert set(found) == {b.macro for b in panel.BUTTONS}
    return {b.function: found[b.macro] for b in panel.BUTTONS}


@pytest.mark.slow
def test_every_button_clicked_as_excel_does_it(commands: dict[str, str], tmp_path: Path) -> None:
    """The year's order in one office folder: 提出様式 → 検証 → 集約 → 監査, then 診断."""
    from kpitool.demo import prepare

    office = tmp_path / "企画課 KPI"
    prepare(office)
    inbox_files = sorted(p.name for p in (office / "inbox").glob("*.xlsx"))

    statuses: dict[str, list[Any]] = {}

    def run(function: str) -> tuple[dict[str, Any], list[list[Any]], str]:
        assert commands[function] == f"import kpitool.xl as x; x.{function}()"
        process, recorded = click(office, commands[function], tmp_path)
        assert process.returncode == 0, process.stderr  # xlwings would show this stderr as an error box
        rows = results_sheet(recorded)
        [message] = alerts(recorded)
        statuses[function] = recorded["status"]
        assert recorded["status"][0] == f"kpitool: {_labelled(rows)['操作']}を実行中…"
        assert recorded["status"][-1] is False  # the status bar is handed back to Excel
        return _labelled(rows), rows, message

    summary, rows, message = run("template_button")
    assert summary["操作"] == "提出様式の作成" and summary["結果"] == "正常終了", summary
    assert (office / "提出様式" / "kpi_template_2022_2023.xlsx").is_file()
    assert message.startswith("提出様式を作成しました")

    summary, rows, message = run("validate_button")
    assert summary["結果"] == "正常終了", summary
    assert summary["ファイル数"] == len(inbox_files)
    assert message.startswith(f"検証が終わりました。{len(inbox_files)}ファイルのうち")
    header = rows.index(["ファイル", "判定", "エラー", "警告"])
    assert sorted(r[0] for r in rows[header + 1 : header + 1 + len(inbox_files)]) == inbox_files
    assert (office / "検証結果.xlsx").is_file()  # as `kpitool validate --report` writes it
    assert (office / "差し戻し" / "05_地域支援部_検証結果.xlsx").is_file()  # the demo's faulty file

    summary, rows, message = run("consolidate_button")
    assert summary["結果"] == "正常終了", summary
    assert (office / "kpi_集約.xlsx").is_file() and summary["集約ファイル"] == str(office / "kpi_集約.xlsx")
    assert message.startswith(f"集約ファイルを作成しました。\n{office / 'kpi_集約.xlsx'}")

    summary, rows, message = run("audit_button")
    assert summary["判定"] == "相違なし", summary
    assert message.startswith("監査が終わりました。")
    audit_status = statuses["audit_button"]
    assert "kpitool: 監査中… 集約ファイルを読み込み中" in audit_status
    assert "kpitool: 監査中… 数式の表示値を照合中" in audit_status
    assert [s for s in audit_status if isinstance(s, str) and s.startswith("kpitool: 監査中… 0/")] == [
        f"kpitool: 監査中… 0/{len(inbox_files)} {inbox_files[0]}"]

    summary, rows, message = run("doctor_button")
    assert summary["操作"] == "診断" and summary["結果"] == "正常終了", summary
    assert ["作業フォルダへの書き込み", "OK", f"{office} に書き込めます"] in [r[:3] for r in rows]


def test_a_click_without_a_calling_workbook_fails_here(commands: dict[str, str], tmp_path: Path) -> None:
    """Proof that the recorded Excel matters: with another --wb name, Book.caller() finds no book."""
    from kpitool.demo import prepare

    office = tmp_path / "office"
    prepare(office)
    argv = excel_argv(sys.executable, commands["template_button"], str(office / "kpitool_panel.xlsm"))
    argv[4] = "--wb=other.xlsm"
    spec = tmp_path / "spec.json"
    record = tmp_path / "record.json"
    spec.write_text(json.dumps({"payload": _payload(PANEL, str(office / "kpitool_panel.xlsm")),
                                "record": str(record)}), encoding="utf-8")
    env = {**os.environ, "KPITOOL_RECORDED_EXCEL": str(spec), "PYTHONPATH": str(HERE / "excel_click")}
    run = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
    assert not (office / "提出様式").exists()
    assert "[E-XL-900]" in run.stderr  # the fallback message: no workbook to show it in
