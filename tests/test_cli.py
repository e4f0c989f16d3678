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
    assert "usage" in capsys.readouterr().out


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
