"""kpitool.launchers and ``kpitool init --launchers`` (issue 15): .cmd files that need no macros.

Their text is checked the way cmd.exe reads it (code page switch before any non-ASCII byte,
CRLF, no BOM, quoting), and the command line each one holds is run here, split as Windows
would split it, to show it writes the same files as the CLI.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from kpitool import cli, launchers

FILENAMES = ["提出様式.cmd", "検証.cmd", "集約.cmd", "監査.cmd", "診断.cmd"]


def split_windows(line: str) -> list[str]:
    """Split a cmd.exe command line into argv as the C runtime does for our launchers.

    Launchers quote with "…" and double % (cmd's escape); they never need backslash escapes.
    """
    line = line.replace("%%", "%")
    args, current, quoted, started = [], [], False, False
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == '"':
            if quoted and line[i + 1 : i + 2] == '"':
                current.append('"')
                i += 1
            else:
                quoted = not quoted
            started = True
        elif ch == " " and not quoted:
            if started:
                args.append("".join(current))
            current, started = [], False
        else:
            current.append(ch)
            started = True
        i += 1
    if started:
        args.append("".join(current))
    return args


def test_split_windows_follows_the_quoting_rules() -> None:
    assert split_windows('"C:\\Program Files (x86)\\py.exe" -m kpitool "a b" 100%%') == [
        "C:\\Program Files (x86)\\py.exe", "-m", "kpitool", "a b", "100%"]


@pytest.fixture
def written(tmp_path: Path) -> list[Path]:
    return launchers.write_launchers(tmp_path, python=r"C:\Users\山田\AppData\Local\kpitool\venv\Scripts\python.exe")


def test_one_launcher_per_step_in_the_years_order(written: list[Path]) -> None:
    assert [p.name for p in written] == FILENAMES


def test_encoding_is_what_cmd_exe_can_read(written: list[Path]) -> None:
    for path in written:
        data = path.read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf"), "a BOM would break @echo off"
        assert data.count(b"\n") == data.count(b"\r\n"), "CRLF line ends only"
        text = data.decode("utf-8")
        lines = text.split("\r\n")
        switch = lines.index("chcp 65001 >nul")
        before = "\r\n".join(lines[: switch + 1]).encode("utf-8")
        assert before.isascii(), "cmd reads these lines in the old code page"
        assert lines[0] == "@echo off"
        assert any(not line.isascii() for line in lines[switch + 1 :])


def test_title_interpreter_pause_and_exit_codes(written: list[Path]) -> None:
    texts = {p.name: p.read_text(encoding="utf-8") for p in written}
    for name, text in texts.items():
        lines = text.splitlines()
        assert lines.index("chcp 65001 >nul") < next(i for i, line in enumerate(lines) if line.startswith("title kpitool "))
        assert 'pushd "%~dp0"' in lines  # works from a UNC share too (cd /d does not)
        assert "pause" in lines and lines[-1] == "exit /b %KPITOOL_EXIT%"
        assert lines.index("pause") > lines.index(launchers.command_line(text))
        command = split_windows(launchers.command_line(text))
        assert command[:3] == [r"C:\Users\山田\AppData\Local\kpitool\venv\Scripts\python.exe", "-m", "kpitool"]
        assert 'if exist "C:\\Users\\山田\\AppData\\Local\\kpitool\\venv\\Scripts\\python.exe" goto :run' in lines
        for code in (0, 2):
            assert any(line.startswith(f'if "%KPITOOL_EXIT%"=="{code}" echo 終了コード {code}: ') for line in lines), name
    assert "title kpitool 検証" in texts["検証.cmd"].splitlines()
    assert 'echo 終了コード 1: 要修正のファイルがあります。「差し戻し」フォルダのコピーを部局に返してください（一覧は 検証結果.xlsx）。' in texts["検証.cmd"]
    assert split_windows(launchers.command_line(texts["検証.cmd"]))[3:] == [
        "validate", "inbox", "--config", "kpitool.toml", "--report", "検証結果.xlsx", "--return-copies", "差し戻し"]
    assert split_windows(launchers.command_line(texts["集約.cmd"]))[3:] == [
        "consolidate", "inbox", "-o", "kpi_集約.xlsx", "--config", "kpitool.toml"]
    assert split_windows(launchers.command_line(texts["監査.cmd"]))[3:] == ["audit", "kpi_集約.xlsx", "--inbox", "inbox"]
    assert split_windows(launchers.command_line(texts["提出様式.cmd"]))[3:] == [
        "template", "--config", "kpitool.toml", "-o", "提出様式"]


def test_awkward_interpreter_paths_are_quoted_and_escaped(tmp_path: Path) -> None:
    python = r"C:\Program Files (x86)\100%\python.exe"
    [first, *_] = launchers.write_launchers(tmp_path, python=python)
    text = first.read_text(encoding="utf-8")
    assert split_windows(launchers.command_line(text))[0] == python
    assert 'if exist "C:\\Program Files (x86)\\100%%\\python.exe" goto :run' in text.splitlines()


def test_echo_texts_escape_cmd_metacharacters() -> None:
    assert launchers._echo("a & b | c <d> 5%") == "a ^& b ^| c ^<d^> 5%%"


def test_init_launchers_keeps_an_existing_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "kpitool.toml"
    config.write_text('municipality = "菊川市"\n', encoding="utf-8")
    assert cli.main(["init", str(config), "--launchers"]) == 0
    assert config.read_text(encoding="utf-8") == 'municipality = "菊川市"\n'
    out = capsys.readouterr().out
    assert f"ランチャーを作成しました（Python: {sys.executable}）:" in out
    assert sorted(p.name for p in tmp_path.glob("*.cmd")) == sorted(FILENAMES)
    assert split_windows(launchers.command_line((tmp_path / "検証.cmd").read_text(encoding="utf-8")))[0] == sys.executable


def test_init_without_launchers_still_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "kpitool.toml"
    config.write_text("x", encoding="utf-8")
    assert cli.main(["init", str(config)]) == 2
    assert "既にあります" in capsys.readouterr().err


# --- the command lines, run --------------------------------------------------------------------


def _tree(folder: Path) -> dict[str, Path]:
    skip = {".cmd", ".lock", ".log"}
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*"))
            if p.is_file() and p.suffix not in skip and "backup" not in p.name}


ROW_CHECK = re.compile(r"[0-9a-f]{16}-[0-9a-f]+")  # 行の検証値: row hash and cell prints
CLOCK = re.compile(r"\d{4}[-/]\d{2}[-/]\d{2}[ T][0-9:.]+(?:[+-]\d{2}:\d{2}|Z)?")


def _values(path: Path, folder: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every sheet's cell values, without the clock (file times, run time) or the folder's own name."""
    import datetime as dt

    import openpyxl

    def plain(value: object) -> object:
        if isinstance(value, dt.datetime | dt.date):
            return "<time>"
        if isinstance(value, str):
            if ROW_CHECK.fullmatch(value):  # covers 更新日時 (a file time) since issue 16
                return "<row check>"
            return CLOCK.sub("<time>", value.replace(str(folder), "<folder>"))
        return value

    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: [tuple(plain(v) for v in row) for row in ws.iter_rows(values_only=True)]
                for ws in book.worksheets if ws.title != "監査ログ"}  # digest of the run, by design
    finally:
        book.close()


@pytest.mark.slow
def test_each_launchers_command_writes_what_the_cli_writes(tmp_path: Path) -> None:
    from kpitool.demo import prepare

    by_launcher, by_cli = tmp_path / "launcher", tmp_path / "cli"
    for folder in (by_launcher, by_cli):
        prepare(folder)
    assert cli.main(["init", str(by_launcher / "kpitool.toml"), "--launchers"]) == 0
    expected_exit = {"提出様式.cmd": 0, "検証.cmd": 1, "集約.cmd": 1, "監査.cmd": 0}
    for name, code in expected_exit.items():
        argv = split_windows(launchers.command_line((by_launcher / name).read_text(encoding="utf-8")))
        run = subprocess.run(argv, cwd=by_launcher, capture_output=True, text=True, timeout=600)
        assert run.returncode == code, (name, run.stdout, run.stderr)

    import os

    here = Path.cwd()
    os.chdir(by_cli)
    try:
        assert cli.main(["template", "--config", "kpitool.toml", "-o", "提出様式"]) == 0
        assert cli.main(["validate", "inbox", "--config", "kpitool.toml", "--report", "検証結果.xlsx",
                         "--return-copies", "差し戻し"]) == 1
        assert cli.main(["consolidate", "inbox", "-o", "kpi_集約.xlsx", "--config", "kpitool.toml"]) == 1
        assert cli.main(["audit", "kpi_集約.xlsx", "--inbox", "inbox"]) == 0
    finally:
        os.chdir(here)

    launcher_files, cli_files = _tree(by_launcher), _tree(by_cli)
    assert sorted(launcher_files) == sorted(cli_files)
    for planted in ("検証結果.xlsx", "kpi_集約.xlsx", "提出様式/kpi_template_2022_2023.xlsx"):
        assert planted in launcher_files
    assert any(name.startswith("差し戻し/") for name in launcher_files)
    for name, path in launcher_files.items():
        if name.startswith("inbox/") or name == "kpitool.toml":
            continue
        if path.suffix == ".xlsx":
            assert _values(path, by_launcher) == _values(cli_files[name], by_cli), name
        else:
            assert path.read_bytes() == cli_files[name].read_bytes(), name


# --- the README section for the information policy division ------------------------------------


def _it_section() -> str:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    start = readme.index("## 情報政策課の方へ")
    return readme[start : readme.index("\n## ", start + 1)]


def test_readme_it_section_covers_what_it_staff_must_decide() -> None:
    section = _it_section()
    for needed in ("cmd.exe /C", "WScript.Shell", "python.exe", "d4f940ab-401b-4efc-aadc-ad5f3c50688a",
                   "Office アプリケーションによる子プロセスの作成をブロック", "パス単位の除外", "SELFCERT.EXE",
                   "コード署名証明書", "信頼できる場所", "インターネット ゾーン", "無害化", ".whl", "［許可する］",
                   "AppLocker", "kpitool doctor", "kpitool init --launchers", "chcp 65001", "BOM"):
        assert needed in section, needed
    for launcher in launchers.launchers():
        assert f"`{launcher.filename}`" in section, launcher.filename


def test_readme_it_section_lists_every_doctor_check_and_code() -> None:
    from kpitool.doctor import diagnose

    section = _it_section()
    items = {c.item for c in diagnose(Path("."), None, executable="python", python_version=(3, 11, 0),
                                      xlwings_version=lambda: "0", env={}, soffice=lambda _env: None)}
    for item in items - {"操作パネル"}:
        assert f"| {item} |" in section, item
    for code in ("E-ENV-001", "E-ENV-002", "E-ENV-003", "E-ENV-004", "E-ENV-005", "E-ENV-006", "E-ENV-007",
                 "E-ENV-008", "E-XL-005"):
        assert code in section, code
