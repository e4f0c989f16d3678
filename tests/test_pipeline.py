"""kpitool.pipeline: the one place that validates, consolidates, writes and locks (issue 10)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from workbooks import filled

from kpitool.config import Config
from kpitool.pipeline import ARCHIVE_DIR, run_consolidation, run_validation
from kpitool.return_copy import return_copy_name

KPITOOL = Path(__file__).resolve().parents[1] / "kpitool"
# Where each owned step is defined, and the pipeline that alone calls them.
OWNERS = {
    "consolidate": {"consolidate.py", "pipeline.py"},
    "write_master": {"master/writer.py", "pipeline.py"},
    "run_lock": {"safe_write.py", "pipeline.py"},
}


def _calls(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            names.add(func.id if isinstance(func, ast.Name) else getattr(func, "attr", ""))
    return names


def test_only_the_pipeline_consolidates_writes_the_master_and_locks_issue_10() -> None:
    offenders = []
    for path in sorted(KPITOOL.rglob("*.py")):
        module = path.relative_to(KPITOOL).as_posix()
        offenders += [(module, name) for name in _calls(path) & set(OWNERS) if module not in OWNERS[name]]
    assert offenders == []


def test_a_fixed_file_leaves_no_stale_return_copy_issue_10(tmp_path: Path, config: Config) -> None:
    inbox, copies = tmp_path / "inbox", tmp_path / "差し戻し"
    inbox.mkdir()
    broken = filled(inbox, "総務部.xlsx", figures={0: {"curr": "集計中"}})
    filled(inbox, "財政部.xlsx", basic={"department": "財政部"}, figures={0: {"curr": "集計中"}})
    first = run_validation([inbox], config, return_copies=copies)
    assert sorted(p.name for p in first.copies) == ["総務部_検証結果.xlsx", "財政部_検証結果.xlsx"]
    assert not first.ok

    filled(inbox, broken.name)  # 総務部 sends the corrected file
    second = run_validation([inbox], config, return_copies=copies)
    assert [p.name for p in second.copies] == ["財政部_検証結果.xlsx"]
    assert sorted(p.name for p in copies.iterdir() if p.is_file()) == ["財政部_検証結果.xlsx"]
    assert [p.name for p in (copies / ARCHIVE_DIR).iterdir()] == [return_copy_name(broken)]
    assert second.archived == [copies / ARCHIVE_DIR / return_copy_name(broken)]
    assert any("修正済み・重複" in line for line in second.output_lines())

    filled(inbox, "財政部.xlsx", basic={"department": "財政部"})
    third = run_validation([inbox], config, return_copies=copies, stale_copies="delete")
    assert third.ok and third.copies == []
    assert [p for p in copies.iterdir() if p.is_file()] == []


def test_stale_copies_can_be_kept(tmp_path: Path, config: Config) -> None:
    inbox, copies = tmp_path / "inbox", tmp_path / "差し戻し"
    inbox.mkdir()
    path = filled(inbox, "総務部.xlsx", figures={0: {"curr": "集計中"}})
    run_validation([inbox], config, return_copies=copies)
    filled(inbox, path.name)
    run = run_validation([inbox], config, return_copies=copies, stale_copies="keep")
    assert run.archived == [] and (copies / return_copy_name(path)).is_file()


def test_validation_lists_what_consolidation_ignores(tmp_path: Path, config: Config) -> None:
    """検証 of a folder sees the files 集約 sees: an .xls is checked (and refused), ~$ is ignored."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    filled(inbox, "総務部.xlsx")
    (inbox / "財政部.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000)
    (inbox / "~$総務部.xlsx").write_bytes(b"\x00owner")
    run = run_validation([inbox], config)
    assert [r.name for r in run.results] == ["総務部.xlsx", "財政部.xls"]
    assert [name for name, _reason in run.ignored] == ["~$総務部.xlsx"]
    assert run.results[1].status == "要修正" and not run.ok


def test_consolidation_run_writes_master_and_csvs_and_releases_the_lock(tmp_path: Path, config: Config) -> None:
    from kpitool.safe_write import lock_path

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("総務部", "財政部", "企画政策部"):
        filled(inbox, f"{name}.xlsx", basic={"department": name})
    master = tmp_path / "out" / "集約.xlsx"
    run = run_consolidation(inbox, config, master)
    assert run.ok
    assert run.outputs.master == master and master.is_file()
    assert all(p.is_file() for p in run.outputs.csvs)
    assert not lock_path(master).exists()
    assert run.lines()[0].startswith("提出済 3 / 未提出 0")


def test_a_held_lock_refuses_the_run_before_reading(tmp_path: Path, config: Config) -> None:
    from kpitool.errors import RunInProgress
    from kpitool.safe_write import run_lock

    master = tmp_path / "集約.xlsx"
    with run_lock(master), pytest.raises(RunInProgress):
        run_consolidation(tmp_path / "no inbox", config, master)  # refused before the inbox is read


# --- validate and consolidate agree -----------------------------------------------------------

ROSTER_10 = ("総務部", "子ども福祉課", "財政部")


def test_a_name_off_the_roster_is_the_same_error_in_validate_and_consolidate_issue_10(tmp_path: Path) -> None:
    """「こども福祉課」 for 子ども福祉課 and 「総務 部」 (an inner space): an エラー naming the roster
    name in both commands; never mapped silently, never imported as 名簿外 beside a 未提出."""
    from kpitool import codes
    from kpitool.config import Department

    config = Config(municipality="菊川市", departments=tuple(Department(n) for n in ROSTER_10))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    filled(inbox, "こども福祉課.xlsx", basic={"department": "こども福祉課"}, roster=ROSTER_10)
    filled(inbox, "総務部.xlsx", basic={"department": "総務 部"}, roster=ROSTER_10)
    planted = {"こども福祉課.xlsx": "子ども福祉課", "総務部.xlsx": "総務部"}

    validation = run_validation([inbox], config)
    assert {r.name: r.status for r in validation.results} == dict.fromkeys(planted, "要修正")
    for result in validation.results:
        [finding] = [f for f in result.report.findings if f.code == codes.BASIC_NOT_IN_ROSTER]
        assert f"「{planted[result.name]}」ではありませんか" in finding.message
    assert not validation.ok

    run = run_consolidation(inbox, config, tmp_path / "out" / "集約.xlsx")
    subs = run.consolidation.submissions
    rows = list(zip(subs["department"], subs["status"], subs["included"], subs["file"], strict=True))
    assert rows == [
        ("総務部", "要修正", False, "総務部.xlsx"),
        ("子ども福祉課", "要修正", False, "こども福祉課.xlsx"),
        ("財政部", "未提出", False, ""),
    ]
    findings = run.consolidation.findings
    roster_findings = findings[findings["code"] == codes.BASIC_NOT_IN_ROSTER]
    assert sorted(roster_findings["file"]) == sorted(planted)
    assert set(roster_findings["severity"]) == {"エラー"}
    for file_name, message in zip(roster_findings["file"], roster_findings["message"], strict=True):
        assert f"「{planted[file_name]}」ではありませんか" in message
    assert run.consolidation.kpis.empty
    assert not run.ok
