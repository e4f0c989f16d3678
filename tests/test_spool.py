"""kpitool.validation.spool: a large 検証 run keeps findings on disk, with the same answers (issue 17)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from workbooks import filled

import kpitool.validate
from kpitool import codes
from kpitool.config import Config
from kpitool.findings import Report
from kpitool.findings_report import results_json
from kpitool.pipeline import run_validation
from kpitool.validation.spool import Spool, SpooledReport

PLANTED = {0: {"curr": "集計中"}, 1: {"prev": "約60"}}  # 実績数値 F4 and E5 (header on row 3, 前年度 E, 当年度 F)


def _inbox(tmp_path: Path) -> Path:
    """総務部 twice (the same 作成日, saved a second apart; only the older is clean: a tie
    finding joins its report), 財政部 with two planted errors, an unreadable file."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    newer = filled(inbox, "総務部_1.xlsx", figures=PLANTED)
    older = filled(inbox, "総務部_2.xlsx")
    os.utime(newer, (1_712_000_001, 1_712_000_001))
    os.utime(older, (1_712_000_000, 1_712_000_000))
    filled(inbox, "財政部.xlsx", basic={"department": "財政部"}, figures=PLANTED)
    (inbox / "壊れた.xlsx").write_bytes(b"not a zip")
    return inbox


@pytest.mark.parametrize("workers", [1, 2])
def test_a_spooled_run_says_what_an_in_memory_run_says(tmp_path: Path, config: Config,
                                                        monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    inbox = _inbox(tmp_path)
    in_memory = run_validation([inbox], config, workers=workers)
    monkeypatch.setattr(kpitool.validate, "SPOOL_THRESHOLD", 0)
    spooled = run_validation([inbox], config, workers=workers)

    assert all(isinstance(r.report, SpooledReport) for r in spooled.results)
    assert not any(isinstance(r.report, SpooledReport) for r in in_memory.results)
    status = {r.name: r.status for r in spooled.results}
    assert status == {"総務部_1.xlsx": "重複", "総務部_2.xlsx": "警告あり", "壊れた.xlsx": "要修正", "財政部.xlsx": "要修正"}
    assert spooled.lines() == in_memory.lines()
    assert results_json(spooled.results) == results_json(in_memory.results)
    by_name = {r.name: r for r in spooled.results}
    assert codes.DUPLICATE_TIE in by_name["総務部_2.xlsx"].report.counts()  # added after spooling
    finance = by_name["財政部.xlsx"].report
    assert (finance.errors, finance.ok, finance.to_send_back) == (2, False, True)
    assert {(f.sheet, f.cell) for f in finance.findings if f.is_error} == {("実績数値", "F4"), ("実績数値", "E5")}


def test_a_spooled_report_keeps_counts_not_findings(config: Config, tmp_path: Path) -> None:
    from kpitool.validate import validate_file

    report = validate_file(filled(tmp_path, "財政部.xlsx", basic={"department": "財政部"}, figures=PLANTED),
                           config).report
    spooled = SpooledReport(Spool(), report.findings)
    assert not any(isinstance(v, list) and v for v in vars(spooled).values())  # nothing held but counts
    assert spooled.findings == report.findings and spooled == report
    assert (spooled.errors, spooled.warnings, spooled.infos, spooled.ok) == (
        report.errors, report.warnings, report.infos, report.ok)
    assert spooled.counts() == report.counts() and spooled.flatten() == report.flatten()
    assert Report(spooled.findings) == report
