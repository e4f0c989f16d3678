"""``kpitool validate`` through the CLI entry point: exit codes and the exact Japanese output."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from conftest import REAL_XLSX, ROSTER
from workbooks import filled

from kpitool.cli import EXIT_FAILED, EXIT_FINDINGS, EXIT_OK, main

CONFIG_TOML = 'municipality = "菊川市"\ndepartments = [{}]\n'.format(", ".join(f'"{n}"' for n in ROSTER))


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "kpitool.toml"
    path.write_text(CONFIG_TOML, encoding="utf-8")
    return path


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    filled(inbox, "1_総務部.xlsx")
    filled(inbox, "2_企画政策部.xlsx", basic={"department": "企画政策部"},
           figures={0: {"curr": "集計中"}, 1: {"item": "事務時間削減 "}})
    return inbox


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    code = main(["validate", *args])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def test_clean_file(tmp_path: Path, config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = filled(tmp_path, "総務部.xlsx")
    code, out, err = run(capsys, str(path), "--config", str(config_path))
    assert (code, err) == (EXIT_OK, "")
    assert out == [
        "総務部.xlsx: 問題なし",
        "1ファイルを検証しました。問題なし 1、警告あり 0、要修正 0（エラー 0件・警告 0件）。",
    ]


def test_folder_with_errors(inbox: Path, config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(inbox), "--config", str(config_path))
    assert (code, err) == (EXIT_FINDINGS, "")
    assert out == [
        "1_総務部.xlsx: 問題なし",
        "2_企画政策部.xlsx: 要修正（エラー 1件・警告 1件）",
        "  重要度 コード       場所               項目           入力値           説明",
        "  エラー E-NUM-003    実績数値!F4        令和5年度      集計中           「集計中」は数値ではありません（未確定）。",
        "  警告   W-CELL-001   実績数値!B5        項目           事務時間削減     先頭または末尾に空白があります。",
        "2ファイルを検証しました。問題なし 1、警告あり 0、要修正 1（エラー 1件・警告 1件）。",
    ]


def test_warnings_only_exit_zero(tmp_path: Path, config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = filled(tmp_path, figures={0: {"item": "提出件数 "}})
    code, out, _err = run(capsys, str(path), "--config", str(config_path))
    assert code == EXIT_OK
    assert out[0] == "filled.xlsx: 警告あり（エラー 0件・警告 1件）"


def test_report_and_return_copies(inbox: Path, config_path: Path, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    report, copies = tmp_path / "out" / "findings.xlsx", tmp_path / "copies"
    code, out, _err = run(capsys, str(inbox), "--config", str(config_path),
                          "--report", str(report), "--return-copies", str(copies))
    assert code == EXIT_FINDINGS
    assert out[-2:] == [
        f"検証結果の一覧を書き出しました: {report}",
        f"差し戻し用のコピーを作成しました: 1ファイル（{copies}）",
    ]
    assert openpyxl.load_workbook(report).sheetnames[0] == "検証結果"
    assert [p.name for p in copies.iterdir()] == ["2_企画政策部_検証結果.xlsx"]


def test_json_keeps_stdout_for_the_data(inbox: Path, config_path: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "findings.xlsx"
    code = main(["validate", str(inbox), "--config", str(config_path), "--json", "--report", str(report)])
    captured = capsys.readouterr()
    assert code == EXIT_FINDINGS
    data = json.loads(captured.out)
    assert data["summary"]["needs_fix"] == 1
    assert [f["code"] for f in data["files"][1]["findings"]] == ["E-NUM-003", "W-CELL-001"]
    assert captured.err == f"検証結果の一覧を書き出しました: {report}\n"


def test_jobs_give_the_same_output(inbox: Path, config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one = run(capsys, str(inbox), "--config", str(config_path))
    two = run(capsys, str(inbox), "--config", str(config_path), "--jobs", "2")
    assert one == two


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope.xlsx"], "エラー [E-RUN-001]: ファイルまたはフォルダが見つかりません: nope.xlsx"),
        (["{empty}"], "エラー [E-RUN-001]: 検証するファイル（.xlsx / .xlsm）がありません。"),
        (["{inbox}", "--return-copies", "{inbox}"],
         "エラー [E-RUN-001]: 差し戻し用のコピーの出力先に、検証するフォルダ（{inbox}）は指定できません。"
         "別のフォルダを指定してください。"),
        (["{inbox}", "--report", "{inbox}/findings.xlsx"],
         "エラー [E-RUN-001]: 検証結果の一覧の出力先に、検証するフォルダ（{inbox}）は指定できません。"
         "別のフォルダを指定してください。"),
    ],
)
def test_could_not_run(inbox: Path, config_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                       monkeypatch: pytest.MonkeyPatch, args: list[str], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    fill = {"inbox": str(inbox.resolve()), "empty": str(tmp_path / "empty")}
    code, out, err = run(capsys, *[a.format(**fill) for a in args], "--config", str(config_path))
    assert (code, out) == (EXIT_FAILED, [])
    assert err == message.format(**fill) + "\n"
    assert not (inbox / "findings.xlsx").exists()


def test_missing_config(inbox: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path / "inbox")
    code, out, err = run(capsys, ".")
    assert (code, out) == (EXIT_FAILED, [])
    assert err.startswith("エラー [E-CFG-001]: 設定ファイル kpitool.toml が現在のフォルダにありません。")


def test_report_open_in_excel(inbox: Path, config_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "findings.xlsx"
    report.write_bytes(b"old")
    (tmp_path / "~$findings.xlsx").write_bytes(b"owner")
    code, out, err = run(capsys, str(inbox), "--config", str(config_path), "--report", str(report))
    assert code == EXIT_FAILED
    assert out[-1].startswith("2ファイルを検証しました。")  # the table was shown before the failure
    assert err.startswith("エラー [E-RUN-002]: ") and "Traceback" not in err
    assert report.read_bytes() == b"old"


def test_help_is_japanese(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "提出ファイルを検証し、問題をシート・セルごとに一覧にします。" in out
    assert "--return-copies DIR" in out and "--report XLSX" in out


@pytest.mark.slow
@pytest.mark.skipif(not REAL_XLSX.is_dir(), reason=f"{REAL_XLSX} がありません（実際の Excel ファイルのコーパス）")
def test_real_excel_files_never_give_a_traceback(config_path: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    folders = [str(p) for p in sorted(REAL_XLSX.iterdir()) if p.is_dir()]
    code, out, err = run(capsys, *folders, "--config", str(config_path),
                         "--report", str(tmp_path / "findings.xlsx"), "--return-copies", str(tmp_path / "copies"))
    assert code == EXIT_FINDINGS
    assert "Traceback" not in err
    files = sorted(p for p in REAL_XLSX.rglob("*") if p.suffix.lower() in (".xlsx", ".xlsm"))
    verdicts = [line for line in out if line.endswith("件）") and ".xls" in line.split(":")[0]]
    assert len(verdicts) == len(files)
    assert all("要修正" in line for line in verdicts)
    # No file is a template: none gets a return copy (issue 16: openpyxl rewriting a large
    # workbook took 86 s), and each says why; no other run code appears.
    notes = [line for line in out if "E-RUN-" in line]
    assert len(notes) == len(files)
    assert all(line.startswith("差し戻し用のコピーを作成できません: [E-RUN-005] ") for line in notes)
    assert sum("提出様式ではないか" in line for line in notes) == len(files) - 2  # 2 unreadable
    assert not (tmp_path / "copies").exists() or not any((tmp_path / "copies").iterdir())


def test_a_previous_master_that_is_missing_or_not_a_master_stops_the_run(
        tmp_path: Path, config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--previous naming nothing, or a submission instead of a master: E-RUN-001 naming it, not
    a silent 問題なし (nothing compared) or an internal error (E-RUN-100) in every file."""
    path = filled(tmp_path, "総務部.xlsx")
    code, out, err = run(capsys, str(path), "--config", str(config_path), "--previous", str(tmp_path / "R5.xlsx"))
    assert (code, out) == (EXIT_FAILED, [])
    assert "[E-RUN-001]" in err and "R5.xlsx" in err and "--previous" in err
    submission = filled(tmp_path, "企画政策部.xlsx", basic={"department": "企画政策部"})
    code, out, err = run(capsys, str(path), "--config", str(config_path), "--previous", str(submission))
    assert (code, out) == (EXIT_FAILED, [])
    assert "[E-RUN-001]" in err and "企画政策部.xlsx は kpitool の集約ファイルではありません" in err
