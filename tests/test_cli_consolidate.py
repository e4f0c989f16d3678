"""``kpitool consolidate`` as users call it: exit codes, the exact summary, the progress bar."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from test_consolidate import write_department

from kpitool.cli import COMMANDS, ProgressBar, main
from kpitool.config import CONFIG_FILENAME
from kpitool.demo import prepare, run_demo


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli")
    prepare(root)
    return root


def test_consolidate_demo_inbox(demo_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = demo_root / "out"
    code = main(["consolidate", str(demo_root / "inbox"), "-o", str(out_dir / "master.xlsx"),
                 "--config", str(demo_root / CONFIG_FILENAME)])
    captured = capsys.readouterr()
    assert code == 1  # 地域支援部 has errors: something to fix
    lines = captured.out.splitlines()
    assert lines[0] == f"集約しました: 菊川市（受付フォルダ {demo_root / 'inbox'}）"
    assert lines[1:5] == [
        "  提出済 5 / 未提出 1 / 要修正 1 / 重複 1 / 要確認 0 / 取込不可 0",
        "  未提出の部局: 教育文化部",
        "  要修正: 地域支援部（05_地域支援部.xlsx）",
        "  重複（集約しなかったファイル）: 財務部（04_財務部_第1版.xlsx）",
    ]
    assert lines[-5:] == [
        f"  集約ファイル: {out_dir / 'master.xlsx'}",
        f"  CSV: {out_dir / 'master_実績数値.csv'}",
        f"  CSV: {out_dir / 'master_実績調査.csv'}",
        f"  CSV: {out_dir / 'master_経年推移.csv'}",
        f"  CSV: {out_dir / 'master_事業成果目標.csv'}",
    ]
    assert captured.err == "読み込み [########################] 7/7\n"
    assert (out_dir / "master_実績数値.csv").is_file() and (out_dir / "master_実績調査.csv").is_file()
    wb = openpyxl.load_workbook(out_dir / "master.xlsx", read_only=True)
    assert "提出状況" in wb.sheetnames
    wb.close()


def test_clean_inbox_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0
    write_department(tmp_path / "inbox", "総務部.xlsx", "総務部", "2024/4/1")
    capsys.readouterr()
    assert main(["consolidate", "inbox"]) == 0  # 未提出 alone is not a failure of the run
    out = capsys.readouterr().out
    assert "  提出済 1 / 未提出 2 / 要修正 0 / 重複 0 / 要確認 0 / 取込不可 0" in out
    assert "  集約ファイル: master.xlsx" in out
    assert (tmp_path / "master.xlsx").is_file()


def test_missing_inbox_is_a_one_line_error(demo_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["consolidate", str(tmp_path / "nowhere"), "-o", str(tmp_path / "m.xlsx"),
                 "--config", str(demo_root / CONFIG_FILENAME)])
    assert code == 2
    err = capsys.readouterr().err
    assert err == f"エラー [E-RUN-001]: 受付フォルダが見つかりません: {tmp_path / 'nowhere'}\n"
    assert not (tmp_path / "m.xlsx").exists()


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert "consolidate" in COMMANDS
    with pytest.raises(SystemExit) as info:
        main(["consolidate", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "INBOX" in out and "--config" in out and "master.xlsx" in out


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_redraws_in_place() -> None:
    stream = _Terminal()
    bar = ProgressBar("読み込み", stream)
    bar(0, 4, "")
    bar(1, 4, "総務部.xlsx")
    bar(2, 4, "a.xlsx")
    bar(4, 4, "b.xlsx")
    frames = stream.getvalue().split("\r")[1:]
    assert frames[0] == "読み込み [------------------------] 0/4"
    assert frames[1] == "読み込み [######------------------] 1/4 総務部.xlsx"
    # the shorter name is padded so that no character of the previous frame is left over
    assert frames[2] == "読み込み [############------------] 2/4 a.xlsx" + " " * 5
    assert frames[3].startswith("読み込み [########################] 4/4") and frames[3].endswith("\n")


def test_progress_bar_in_a_log_prints_one_line() -> None:
    stream = io.StringIO()
    bar = ProgressBar("読み込み", stream)
    for i in range(11):
        bar(i, 10, f"{i}.xlsx")
    assert stream.getvalue() == "読み込み [########################] 10/10\n"
    bar(0, 0, "")  # an empty inbox draws nothing
    assert stream.getvalue().count("\n") == 1


def test_demo_prints_the_consolidation(tmp_path: Path) -> None:
    lines: list[str] = []
    assert run_demo(tmp_path, lines.append) == 0
    text = "\n".join(lines)
    assert "集約:" in lines
    assert "  提出済 5 / 未提出 1 / 要修正 1 / 重複 1 / 要確認 0 / 取込不可 0" in lines
    assert f"  集約ファイル: {tmp_path / 'master.xlsx'}" in lines
    assert f"  CSV: {tmp_path / 'master_実績数値.csv'}" in text
    assert (tmp_path / "master.xlsx").is_file()


def test_a_second_run_on_the_same_master_is_refused(demo_root: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from kpitool.run_lock import run_lock
    from kpitool.safe_write import lock_path

    master = tmp_path / "master.xlsx"
    with run_lock(master):
        code = main(["consolidate", str(demo_root / "inbox"), "-o", str(master),
                     "--config", str(demo_root / CONFIG_FILENAME)])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("エラー [E-RUN-003]: master.xlsx は別の集約処理が実行中です。")
    assert len(err.strip().splitlines()) == 1
    assert not master.exists() and not lock_path(master).exists()
    assert main(["consolidate", str(demo_root / "inbox"), "-o", str(master),
                 "--config", str(demo_root / CONFIG_FILENAME)]) == 1  # the lock is gone with the run
    assert master.is_file() and not lock_path(master).exists()
