"""The demo: its validation step on the bundled example (the file with errors included)."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from kpitool.demo import REPORT_FILENAME, RETURN_COPIES_DIR, prepare, validation_step
from kpitool.demo.examples import ERROR_DEPARTMENT


def test_validation_step_shows_the_errors_and_writes_the_outputs(tmp_path: Path) -> None:
    config, inbox = prepare(tmp_path)
    lines: list[str] = []
    results = validation_step(tmp_path, config, inbox, lines.append)
    assert lines[0] == "検証:"
    assert f"  05_{ERROR_DEPARTMENT}.xlsx: 要修正（エラー 5件・警告 2件）" in lines
    assert "  04_財務部_第1版.xlsx: 重複 — 同じ部局のファイル「04_財務部.xlsx」（作成日 2024-04-12）を優先しました。" in lines
    # 財務部: the real 1,090-character 実績 cannot print in one row (W-CELL-005, issue 12)
    assert "  7ファイルを検証しました。問題なし 3、警告あり 2、要修正 1、重複 1（エラー 5件・警告 6件）。" in lines
    assert lines[-2:] == [
        f"  検証結果の一覧:     {tmp_path / REPORT_FILENAME}",
        f"  差し戻し用のコピー: {tmp_path / RETURN_COPIES_DIR}（3ファイル）",  # 財務部 too (W-CELL-005)
    ]
    assert len(results) == 7
    copies = sorted(p.name for p in (tmp_path / RETURN_COPIES_DIR).iterdir())
    assert copies == ["03_総務部_検証結果.xlsx", "04_財務部_検証結果.xlsx", f"05_{ERROR_DEPARTMENT}_検証結果.xlsx"]
    assert openpyxl.load_workbook(tmp_path / REPORT_FILENAME).sheetnames[0] == "検証結果"
    # the outputs are beside the inbox, never in it (they would be read as submissions)
    assert sorted(p.name for p in inbox.iterdir()) == sorted(r.name for r in results)
