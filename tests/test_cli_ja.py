"""argparse in Japanese (kpitool.cli_ja): its own texts, errors with the subcommand's usage, suggestions."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest
from test_consolidate import write_department

from kpitool.cli import COMMANDS, main
from kpitool.cli_ja import JapaneseArgumentParser, nearest

ENGLISH = ("usage:", "positional arguments", "options:", "optional arguments", "invalid choice",
           "the following arguments are required", "unrecognized arguments", "error:",
           "show this help message", "expected one argument")


def _fails(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as info:
        main(list(argv))
    assert info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err


def _no_english(text: str) -> None:
    assert [word for word in ENGLISH if word in text] == []


def test_a_mistyped_command_suggests_the_nearest(capsys: pytest.CaptureFixture[str]) -> None:
    err = _fails(capsys, "valdate")
    assert err.splitlines() == [
        "使い方: kpitool [-h] [--version] コマンド ...",
        "kpitool: エラー [E-RUN-010]: コマンド: 「valdate」というコマンドはありません。もしかして「validate」ですか？",
    ]


def test_a_mistyped_flag_prints_the_subcommand_usage_and_suggests(capsys: pytest.CaptureFixture[str]) -> None:
    err = _fails(capsys, "validate", "--repot", "x")
    assert err.startswith("使い方: kpitool validate [-h]")
    assert err.splitlines()[-1] == (
        "kpitool validate: エラー [E-RUN-010]: 使えない引数があります: --repot（もしかして --report ですか？）")
    _no_english(err)


def test_an_unknown_word_far_from_any_command_lists_nothing_wrong(capsys: pytest.CaptureFixture[str]) -> None:
    err = _fails(capsys, "zzzzzz")
    assert "「zzzzzz」というコマンドはありません。選べるもの: " + ", ".join(COMMANDS) in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["validate"], "kpitool validate: エラー [E-RUN-010]: 次の引数を指定してください: FILE|DIR"),
        (["validate", "a.xlsx", "--jobs", "x"], "kpitool validate: エラー [E-RUN-010]: -j/--jobs: 整数を指定してください（'x'）"),
        (["validate", "a.xlsx", "--report"], "kpitool validate: エラー [E-RUN-010]: --report: 値を1つ指定してください"),
        (["consolidate"], "kpitool consolidate: エラー [E-RUN-010]: 次の引数を指定してください: INBOX"),
        (["validate", "a.xlsx", "--re", "x"],
         "kpitool validate: エラー [E-RUN-010]: オプション --re があいまいです（候補: --report, --return-copies）"),
    ],
)
def test_argparse_errors_are_japanese(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    err = _fails(capsys, *argv)
    assert err.startswith(f"使い方: kpitool {argv[0]} ")
    assert err.splitlines()[-1] == message
    _no_english(err)


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_help_is_japanese(capsys: pytest.CaptureFixture[str], command: str | None) -> None:
    with pytest.raises(SystemExit) as info:
        main([command, "--help"] if command else ["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("使い方: kpitool")
    assert "オプション:" in out and "この説明を表示して終了します" in out
    _no_english(out)


def test_other_argparse_users_keep_their_english() -> None:
    """pytest and others in the same process use argparse: the translation is only lent."""
    JapaneseArgumentParser(prog="x").format_help()
    with pytest.raises(SystemExit):
        main(["valdate"])
    plain = argparse.ArgumentParser(prog="plain")
    assert plain.format_usage().startswith("usage: plain")
    assert "options:" in plain.format_help()


def test_nearest() -> None:
    assert nearest("valdate", list(COMMANDS)) == "validate"
    assert nearest("--inbx", ["--inbox", "-h", "--help"]) == "--inbox"
    assert nearest("xyz", list(COMMANDS)) is None


def test_progress_bar_ends_before_the_summary(tmp_path: Path) -> None:
    """With stdout and stderr in one log, the finished bar comes before the summary."""
    (tmp_path / "kpitool.toml").write_text('municipality = "菊川市"\ndepartments = ["総務部"]\n', encoding="utf-8")
    write_department(tmp_path / "inbox", "総務部.xlsx", "総務部", "2024/4/1")
    result = subprocess.run([sys.executable, "-m", "kpitool", "consolidate", "inbox"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stdout
    assert lines[0] == "読み込み [########################] 1/1"
    assert lines[1] == f"集約しました: 菊川市（受付フォルダ {Path('inbox')}）"


def test_a_master_inside_the_inbox_is_refused_before_reading(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import kpitool.consolidate

    (tmp_path / "kpitool.toml").write_text('municipality = "菊川市"\ndepartments = ["総務部"]\n', encoding="utf-8")
    (tmp_path / "inbox").mkdir()

    def must_not_read(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the inbox was read before the refusal")

    monkeypatch.setattr(kpitool.consolidate, "consolidate", must_not_read)
    monkeypatch.chdir(tmp_path)
    assert main(["consolidate", "inbox", "-o", "inbox/master.xlsx"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("エラー [E-RUN-001]: 集約ファイルを受付フォルダ（inbox）の中には作成できません。")
    assert list((tmp_path / "inbox").iterdir()) == []
