"""kpitool.pipeline: the one place that validates, consolidates, writes and locks (issue 10)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from workbooks import filled

from kpitool.config import Config
from kpitool.pipeline import ARCHIVE_DIR, run_consolidation, run_validation
from kpitool.return_copy import return_copy_name

KPITOOL = Path(__file__).resolve().parents[1] / "kpitool"
# Where each owned step is defined, and the pipeline that alone calls them.
OWNERS = {  # benchmarks/writer_bench.py times the writer alone on one consolidation (issue 17)
    "consolidate": {"consolidate.py", "pipeline.py", "writer_bench.py"},
    "write_master": {"master/writer.py", "pipeline.py", "writer_bench.py"},
    "run_lock": {"run_lock.py", "pipeline.py", "lock_trials.py"},  # the benchmark trials the lock itself
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
    for path in sorted([*KPITOOL.rglob("*.py"), *(KPITOOL.parent / "benchmarks").rglob("*.py")]):
        module = path.relative_to(KPITOOL).as_posix() if path.is_relative_to(KPITOOL) else path.name
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
    from kpitool.run_lock import run_lock

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


def _tied_pair(inbox: Path, *, first_errors: bool, second_errors: bool) -> tuple[Path, Path]:
    """Two files of 総務部 with one 作成日, saved a second apart (attachments saved together):
    the *newer* one by a second is 総務部_1 (planted with errors when asked)."""
    import os

    errors = {0: {"curr": "集計中"}, 1: {"prev": "約60"}}  # two E-NUM findings
    first = filled(inbox, "総務部_1.xlsx", figures=errors if first_errors else None)
    second = filled(inbox, "総務部_2.xlsx", figures=errors if second_errors else None)
    os.utime(first, (1_712_000_001, 1_712_000_001))
    os.utime(second, (1_712_000_000, 1_712_000_000))
    return first, second


def test_a_tie_takes_the_only_clean_file_in_validate_and_consolidate_issue_10(tmp_path: Path, config: Config) -> None:
    from conftest import sample_data

    from kpitool import codes

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with_errors, corrected = _tied_pair(inbox, first_errors=True, second_errors=False)

    validation = run_validation([inbox], config)
    status = {r.name: r.status for r in validation.results}
    assert status == {with_errors.name: "重複", corrected.name: "警告あり"}
    assert validation.ok  # the superseded file's errors are not open: fix-until-clean ends
    lines = validation.lines()
    assert lines[0] == (f"{with_errors.name}: 重複 — 同じ部局のファイル「{corrected.name}」"
                        "（作成日と更新日時が同じで、エラーがないのはこのファイルだけです）を優先しました。")
    assert "更新日時が新しい" not in "\n".join(lines)

    run = run_consolidation(inbox, config, tmp_path / "out" / "集約.xlsx")
    subs = run.consolidation.submissions.set_index("file")
    assert (subs.loc[corrected.name, "status"], subs.loc[corrected.name, "included"]) == ("提出済", True)
    assert subs.loc[with_errors.name, "status"] == "重複"
    kpis = run.consolidation.kpis
    assert len(kpis) == len(sample_data().kpis)
    assert set(kpis["source"].str.split("!").str[0]) == {corrected.name}
    findings = run.consolidation.findings
    tie = findings[findings["code"] == codes.DUPLICATE_TIE].iloc[0]
    assert f"「{with_errors.name}」" in tie["message"] and f"「{corrected.name}」" in tie["message"]
    assert "更新日時が新しい" not in "\n".join([*findings["message"], *run.consolidation.submissions["note"]])
    assert run.ok
    # Both commands count the open findings alike: the tie 警告, not the superseded file's エラー.
    assert lines[-1].endswith("（エラー 0件・警告 1件）。")
    assert "指摘: エラー 0件・警告 1件（重複のファイルの指摘は除く）" in run.lines()


@pytest.mark.parametrize("errors", [True, False], ids=["both_with_errors", "both_clean"])
def test_a_tie_without_one_clean_file_takes_none_issue_10(tmp_path: Path, config: Config, errors: bool) -> None:
    from kpitool import codes

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    first, second = _tied_pair(inbox, first_errors=errors, second_errors=errors)
    names = sorted([first.name, second.name])

    validation = run_validation([inbox], config)
    assert {r.name: r.status for r in validation.results} == dict.fromkeys(names, "要確認")
    assert not validation.ok

    run = run_consolidation(inbox, config, tmp_path / "out" / "集約.xlsx")
    subs = run.consolidation.submissions
    assert list(subs.loc[subs["department"] == "総務部", "status"]) == ["要確認", "要確認"]
    assert not subs["included"].any() and run.consolidation.kpis.empty
    findings = run.consolidation.findings
    [message] = findings.loc[findings["code"] == codes.DUPLICATE_UNDECIDED, "message"]
    assert all(f"「{name}」" in message for name in names)
    assert not run.ok
    assert "要確認（どのファイルが最新か決められない）: 総務部（総務部_1.xlsx）、総務部（総務部_2.xlsx）" in run.lines()


def test_a_file_newer_by_more_than_the_tie_wins_honestly(tmp_path: Path, config: Config) -> None:
    import os

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    old = filled(inbox, "総務部_旧.xlsx")
    new = filled(inbox, "総務部_新.xlsx", figures={0: {"curr": "集計中"}})
    os.utime(old, (1_712_000_000, 1_712_000_000))
    os.utime(new, (1_712_000_003, 1_712_000_003))  # 3 s later: really newer, even with errors
    validation = run_validation([inbox], config)
    assert {r.name: r.status for r in validation.results} == {old.name: "重複", new.name: "要修正"}
    assert validation.results[1].note == f"同じ部局のファイル「{new.name}」（作成日が同じで、更新日時が2秒以上新しい）を優先しました。"


def test_the_readme_architecture_names_real_modules() -> None:
    readme = (KPITOOL.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Architecture: who owns what", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"kpitool/[\w/]+\.py", section))
    for group in re.findall(r"(kpitool/[\w/]*?)(\w+\.py), ([\w., ]+\.py)", section):
        named |= {group[0] + name.strip() for name in group[2].split(",")}
    assert len(named) >= 15
    assert [n for n in sorted(named) if not (KPITOOL.parent / n).is_file()] == []
    assert {"kpitool/pipeline.py", "kpitool/validation/roster.py", "kpitool/validation/duplicates.py"} <= named
