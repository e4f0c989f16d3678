"""The CLI as users call it: help texts, documented commands, init/template/demo."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kpitool.cli import COMMANDS, main

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_command_has_help_and_is_documented() -> None:
    readme = README.read_text(encoding="utf-8")
    assert COMMANDS, "no commands registered"
    for name, (help_ja, _configure, _handler) in COMMANDS.items():
        assert help_ja.strip(), name
        assert f"kpitool {name}" in readme, f"`kpitool {name}` is not documented in README.md"


def test_help_lists_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert name in out


def test_no_command_prints_help_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert capsys.readouterr().out.startswith("使い方: kpitool ")


def test_init_then_template(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0
    assert "設定ファイルを作成しました: kpitool.toml" in capsys.readouterr().out
    assert main(["init"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("エラー [E-CFG-001]: ") and "--force" in err
    assert main(["template", "-o", "out"]) == 0
    assert "提出様式を作成しました: out/kpi_template_2022_2023.xlsx" in capsys.readouterr().out
    assert (tmp_path / "out" / "kpi_template_2022_2023.xlsx").is_file()


def test_missing_config_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["template"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "kpitool.toml" in err[0]


def test_python_dash_m_works() -> None:
    result = subprocess.run([sys.executable, "-m", "kpitool", "--version"], capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert result.stdout.startswith("kpitool ")


def test_output_cut_short_by_a_pipe_is_not_a_traceback(tmp_path: Path) -> None:
    """`kpitool validate --json | head -1` must end quietly, not print a BrokenPipeError."""
    from kpitool.config import write_example_config
    from kpitool.template import write_template

    write_example_config(tmp_path / "kpitool.toml")
    files = [write_template(tmp_path / f"{i:02}.xlsx", roster=["総務部"]) for i in range(40)]
    script = (
        "import subprocess, sys\n"
        "p = subprocess.Popen([sys.executable, '-m', 'kpitool', 'validate', '--json', *sys.argv[1:]],"
        " stdout=subprocess.PIPE, stderr=subprocess.PIPE)\n"
        "p.stdout.close()  # the reader goes away before kpitool prints\n"
        "err = p.stderr.read().decode(); p.wait()\n"
        "print(err)\n"
    )
    result = subprocess.run([sys.executable, "-c", script, *map(str, files)], capture_output=True, text=True,
                            check=True, cwd=tmp_path)
    assert "Traceback" not in result.stdout and "BrokenPipe" not in result.stdout
    assert "エラー [" not in result.stdout  # it did run (the config was found)
