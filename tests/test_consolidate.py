"""consolidate(): roster status per department, rows of the included files, determinism, and
an inbox that is read but never changed. Every workbook is a real file written by the
project's template generator or the bundled example."""

from __future__ import annotations

import dataclasses
import hashlib
import multiprocessing
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pandas.testing as pdt
import pytest
from conftest import ROSTER, sample_data

import kpitool.consolidate as consolidate_module
from kpitool import codes
from kpitool.config import Config, Grades
from kpitool.consolidate import (
    consolidate,
    process_file,
    summary_lines,
)
from kpitool.demo import prepare
from kpitool.demo.examples import NON_SUBMITTER
from kpitool.findings import FINDING_COLUMNS
from kpitool.inbox import IGNORED_HIDDEN, IGNORED_NOT_WORKBOOK, IGNORED_OWNER
from kpitool.model import (
    FIGURE_COLUMNS,
    KPI_COLUMNS,
    SUBMISSION_COLUMNS,
    SURVEY_COLUMNS,
    Consolidation,
)
from kpitool.template import write_template

FRAMES = ("submissions", "kpis", "survey", "figures", "findings")


def write_department(folder: Path, filename: str, department: str, created: Any, **changes: Any) -> Path:
    """A clean filled template of ``department`` (sample_data with another 部局名 and 作成日)."""
    data = sample_data()
    basic = {**data.basic, "department": department, "created": created}
    data = dataclasses.replace(data, basic=basic, **changes)
    folder.mkdir(parents=True, exist_ok=True)
    return write_template(folder / filename, roster=ROSTER, data=data)


def rows(c: Consolidation) -> list[tuple[str, str, bool, str]]:
    s = c.submissions
    return list(zip(s["department"], s["status"], s["included"], s["file"], strict=True))


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    return {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in folder.iterdir() if p.is_file()}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Path]:
    return prepare(tmp_path_factory.mktemp("demo"))


def test_demo_inbox_statuses(demo: tuple[Config, Path]) -> None:
    config, inbox = demo
    c = consolidate(inbox, config)
    assert list(c.submissions.columns) == list(SUBMISSION_COLUMNS)
    assert rows(c) == [
        ("総合政策部", "提出済", True, "01_総合政策部.xlsx"),
        ("企画政策部", "提出済", True, "02_企画政策部.xlsx"),
        ("総務部", "提出済", True, "03_総務部.xlsx"),  # warnings only
        ("財務部", "提出済", True, "04_財務部.xlsx"),  # 作成日 2024-04-12
        ("財務部", "重複", False, "04_財務部_第1版.xlsx"),  # 作成日 2024-04-05
        ("地域支援部", "要修正", False, "05_地域支援部.xlsx"),
        ("市長公室", "提出済", True, "06_市長公室.xlsx"),
        (NON_SUBMITTER, "未提出", False, ""),
    ]
    assert c.counts() == {"提出済": 5, "未提出": 1, "要修正": 1, "重複": 1, "要確認": 0, "取込不可": 0}
    s = c.submissions.set_index("file")
    assert s.loc["04_財務部_第1版.xlsx", "note"] == "同じ部局のファイル「04_財務部.xlsx」（作成日 2024-04-12）を優先しました。"
    assert s.loc["05_地域支援部.xlsx", "errors"] > 0
    assert s.loc["03_総務部.xlsx", "errors"] == 0 and s.loc["03_総務部.xlsx", "warnings"] > 0
    assert s.loc["01_総合政策部.xlsx", "created"] == "2024-04-01"  # typed as 令和6年4月1日
    raw = (inbox / "01_総合政策部.xlsx").read_bytes()
    assert s.loc["01_総合政策部.xlsx", "sha256"] == hashlib.sha256(raw).hexdigest()
    assert s.loc["01_総合政策部.xlsx", "size"] == len(raw)
    # Only included files contribute rows; 財務部's rows come from the later file.
    assert set(c.kpis["department"]) == {"総合政策部", "企画政策部", "総務部", "財務部", "市長公室"}
    assert set(c.figures.loc[c.figures["department"] == "財務部", "source"].str.split("!").str[0]) == {"04_財務部.xlsx"}
    assert "市有地売却代決算額" in set(c.figures["item"])  # only in the later 財務部 file
    assert list(c.kpis.columns) == list(KPI_COLUMNS) and list(c.survey.columns) == list(SURVEY_COLUMNS)
    assert list(c.figures.columns) == list(FIGURE_COLUMNS)
    assert list(c.findings.columns) == [key for key, _label in FINDING_COLUMNS]
    assert set(c.findings["file"]) == {"03_総務部.xlsx", "04_財務部.xlsx", "04_財務部_第1版.xlsx", "05_地域支援部.xlsx"}


def test_dtypes(demo: tuple[Config, Path]) -> None:
    c = consolidate(demo[1], demo[0])
    for column in ("target", "prev", "curr", "achievement", "change", "rate"):
        assert c.kpis[column].dtype == "float64", column
    for column in ("size", "errors", "warnings"):
        assert c.submissions[column].dtype == "int64"
    assert c.submissions["included"].dtype == bool
    # Text columns keep None (not NaN) for "nothing", as the model documents.
    assert c.figures["curr_marker"].dtype == object and None in set(c.figures["curr_marker"])


def test_tallies_and_summary(demo: tuple[Config, Path]) -> None:
    c = consolidate(demo[1], demo[0])
    # By hand from kpitool.demo.examples (included departments only; 地域支援部 is 要修正).
    assert c.tallies["総合政策部"] == {"A": 2, "B": 1, "C": 3, "未評価": 1}
    assert c.tallies["市長公室"] == {"A": 0, "B": 0, "C": 3, "未評価": 1}
    assert c.tallies["合計"] == {"A": 2, "B": 1, "C": 8, "未評価": 8}
    assert "地域支援部" not in c.tallies
    current = c.findings[c.findings["file"] != "04_財務部_第1版.xlsx"]  # the superseded file's are left out

    def count(severity: str) -> int:
        return int((current["severity"] == severity).sum())

    assert summary_lines(c) == [
        "提出済 5 / 未提出 1 / 要修正 1 / 重複 1 / 要確認 0 / 取込不可 0",
        "未提出の部局: 教育文化部",
        "要修正: 地域支援部（05_地域支援部.xlsx）",
        "重複（集約しなかったファイル）: 財務部（04_財務部_第1版.xlsx）",
        f"指摘: エラー {count('エラー')}件・警告 {count('警告')}件（重複のファイルの指摘は除く）",  # 第1版: W-CELL-005
        "集約した行: 事業成果目標 19行・実績調査 18行・実績数値 33行",
        "達成状況: 集計対象5部局の成果指標19件（要修正1部局・未提出1部局を除く）のうち、A（目標どおり達成）2件、"
        "B（達成したが課題が残る）1件、C（達成できなかった）8件、未評価8件となっています。",
    ]


def test_errors_included_when_configured(demo: tuple[Config, Path]) -> None:
    config, inbox = demo
    c = consolidate(inbox, dataclasses.replace(config, consolidate_with_errors=True))
    s = c.submissions.set_index("file")
    assert (s.loc["05_地域支援部.xlsx", "status"], s.loc["05_地域支援部.xlsx", "included"]) == ("要修正", True)
    assert "設定" in s.loc["05_地域支援部.xlsx", "note"]
    figures = c.figures[c.figures["department"] == "地域支援部"]
    assert len(figures) == 10
    pending = figures[figures["item"] == "1%地域づくり活動交付金 交付確定額"].iloc[0]
    assert (pending["curr_text"], pending["reason"]) == ("集計中", "invalid") and pd.isna(pending["change"])
    assert c.tallies["地域支援部"] == {"A": 1, "B": 0, "C": 5, "未評価": 0}


def test_owner_hidden_and_other_files_are_ignored(tmp_path: Path, config: Config) -> None:
    inbox = tmp_path / "inbox"
    write_department(inbox, "総務部.xlsx", "総務部", "2024/4/1")
    (inbox / "~$総務部.xlsx").write_bytes(b"\x00owner")
    (inbox / ".hidden.xlsx").write_bytes(b"PK")
    (inbox / "送付状.txt").write_text("よろしくお願いします", encoding="utf-8")
    c = consolidate(inbox, config)
    assert c.ignored == [(".hidden.xlsx", IGNORED_HIDDEN), ("~$総務部.xlsx", IGNORED_OWNER),
                         ("送付状.txt", IGNORED_NOT_WORKBOOK)]
    assert rows(c) == [("総務部", "提出済", True, "総務部.xlsx"), ("財政部", "未提出", False, ""),
                       ("企画政策部", "未提出", False, "")]
    assert c.findings.empty
    assert "対象外のファイル: 3件" in "\n".join(summary_lines(c))


def test_latest_created_wins_whatever_the_file_names(tmp_path: Path, config: Config) -> None:
    inbox = tmp_path / "inbox"
    write_department(inbox, "a_新しい版.xlsx", "総務部", "令和6年4月20日")
    write_department(inbox, "b_古い版.xlsx", "総務部", "2024/4/3")
    write_department(inbox, "c_最初の版.xlsx", "総務部　", 45383)  # serial 45383 = 2024-04-01; spaces in 部局名
    c = consolidate(inbox, config)
    assert rows(c)[:3] == [
        ("総務部", "提出済", True, "a_新しい版.xlsx"),
        ("総務部", "重複", False, "b_古い版.xlsx"),
        ("総務部", "重複", False, "c_最初の版.xlsx"),
    ]
    s = c.submissions.set_index("file")
    assert list(s["created"].iloc[:3]) == ["2024-04-20", "2024-04-03", "2024-04-01"]
    assert s.loc["b_古い版.xlsx", "note"] == "同じ部局のファイル「a_新しい版.xlsx」（作成日 2024-04-20）を優先しました。"
    assert s.loc["a_新しい版.xlsx", "note"] == "ほかに2件のファイルがあります（重複）。"
    assert set(c.kpis["source"].str.split("!").str[0]) == {"a_新しい版.xlsx"}
    assert codes.DUPLICATE_TIE not in set(c.findings["code"])


def test_same_created_and_a_later_file_time_is_newer_without_a_tie(tmp_path: Path, config: Config) -> None:
    inbox = tmp_path / "inbox"
    first = write_department(inbox, "総務部_1.xlsx", "総務部", "2024/4/1")
    second = write_department(inbox, "総務部_2.xlsx", "総務部", "令和6年4月1日")
    os.utime(first, (1_712_000_000, 1_712_000_000))
    os.utime(second, (1_711_000_000, 1_711_000_000))  # far older file time: 総務部_1 is newer
    c = consolidate(inbox, config)
    assert rows(c)[:2] == [("総務部", "提出済", True, "総務部_1.xlsx"), ("総務部", "重複", False, "総務部_2.xlsx")]
    assert c.findings.empty
    note = c.submissions.set_index("file").loc["総務部_2.xlsx", "note"]
    assert note == "同じ部局のファイル「総務部_1.xlsx」（作成日が同じで、更新日時が2秒以上新しい）を優先しました。"


def test_tie_in_created_and_time_takes_the_clean_file_with_a_finding(tmp_path: Path, config: Config) -> None:
    inbox = tmp_path / "inbox"
    first = write_department(inbox, "総務部_1.xlsx", "総務部", "2024/4/1")
    second = write_department(inbox, "総務部_2.xlsx", "総務部", "令和6年4月1日",
                              kpis=[{**sample_data().kpis[0], "target": "約500"}])  # one エラー
    os.utime(first, (1_712_000_000, 1_712_000_000))
    os.utime(second, (1_712_000_001, 1_712_000_001))  # a second later: not "newer"
    c = consolidate(inbox, config)
    assert rows(c)[:2] == [("総務部", "提出済", True, "総務部_1.xlsx"), ("総務部", "重複", False, "総務部_2.xlsx")]
    tie = c.findings[c.findings["code"] == codes.DUPLICATE_TIE]
    assert len(tie) == 1
    found = tie.iloc[0]
    assert (found["severity"], found["file"], found["value"]) == ("警告", "総務部_1.xlsx", "2024-04-01")
    assert (found["sheet"], found["cell"]) == ("基本情報", "B8")
    assert "「総務部_1.xlsx」、「総務部_2.xlsx」" in found["message"] and "エラーのない「総務部_1.xlsx」を集約しました" in found["message"]
    assert c.submissions.set_index("file").loc["総務部_1.xlsx", "warnings"] == 1


def test_off_roster_department_is_an_error_and_not_consolidated(tmp_path: Path, config: Config) -> None:
    inbox = tmp_path / "inbox"
    write_department(inbox, "議会.xlsx", "議会事務局", "2024/4/1")
    write_department(inbox, "総務課.xlsx", "総務課", "2024/4/1")  # near the roster's 総務部
    c = consolidate(inbox, config)
    assert rows(c) == [
        ("総務部", "要修正", False, "総務課.xlsx"),  # listed under the suggested name, not 未提出
        ("財政部", "未提出", False, ""), ("企画政策部", "未提出", False, ""),
        ("議会事務局", "要修正", False, "議会.xlsx"),
    ]
    assert list(c.findings["code"]) == [codes.BASIC_NOT_IN_ROSTER, codes.BASIC_NOT_IN_ROSTER]
    assert set(c.findings["severity"]) == {"エラー"} and set(c.findings["cell"]) == {"B4"}
    message = c.findings.set_index("file").loc["総務課.xlsx", "message"]
    assert message == "部局名「総務課」は名簿にありません。「総務部」ではありませんか。"
    notes = c.submissions.set_index("file")["note"]
    assert notes["総務課.xlsx"] == "部局名「総務課」は名簿にありません（「総務部」ではありませんか）。部局名を直したファイルを提出してもらってください。"
    assert notes["議会.xlsx"] == "部局名「議会事務局」は名簿にありません。部局名を直したファイルを提出してもらってください。"
    assert c.kpis.empty


def test_off_roster_file_never_displaces_the_departments_own_file(tmp_path: Path, config: Config) -> None:
    inbox = tmp_path / "inbox"
    write_department(inbox, "a_総務部.xlsx", "総務部", "2024/4/1")
    write_department(inbox, "b_総務課.xlsx", "総務課", "2024/4/20")  # newer, but not a roster name
    c = consolidate(inbox, dataclasses.replace(config, consolidate_with_errors=True))
    assert rows(c)[:2] == [("総務部", "提出済", True, "a_総務部.xlsx"), ("総務部", "要修正", False, "b_総務課.xlsx")]
    assert set(c.kpis["source"].str.split("!").str[0]) == {"a_総務部.xlsx"}


def test_unreadable_files(tmp_path: Path, config: Config) -> None:
    inbox = tmp_path / "inbox"
    write_department(inbox, "総務部.xlsx", "総務部", "2024/4/1")
    (inbox / "財政部.xlsx").write_text("部局名,値\n財政部,1\n", encoding="utf-8")  # a CSV renamed
    (inbox / "企画政策部.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000)
    (inbox / "zzz.xlsx").write_bytes(b"")
    c = consolidate(inbox, config)
    assert rows(c) == [
        ("総務部", "提出済", True, "総務部.xlsx"),
        ("財政部", "取込不可", False, "財政部.xlsx"),
        ("企画政策部", "取込不可", False, "企画政策部.xls"),
        ("", "取込不可", False, "zzz.xlsx"),
    ]
    s = c.submissions.set_index("file")
    assert s.loc["財政部.xlsx", "note"].endswith("（部局名はファイル名から推定しました）")
    assert "CSV" in s.loc["財政部.xlsx", "note"]
    assert s.loc["zzz.xlsx", "note"] == "ファイルの大きさが0バイトです。保存やコピーが途中で失敗した可能性があります。"
    assert c.counts()["未提出"] == 0 and c.counts()["取込不可"] == 3
    by_file = dict(zip(c.findings["file"], c.findings["code"], strict=True))
    assert by_file == {"財政部.xlsx": codes.FILE_CSV_OR_TEXT, "企画政策部.xls": by_file["企画政策部.xls"],
                       "zzz.xlsx": codes.FILE_EMPTY}
    assert by_file["企画政策部.xls"].startswith("E-FILE-")


def test_blank_department_is_taken_from_the_file_name(tmp_path: Path, config: Config) -> None:
    inbox = tmp_path / "inbox"
    write_department(inbox, "03_企画政策部.xlsx", "", "2024/4/1")
    write_department(inbox, "名無し.xlsx", "", "2024/4/1")
    c = consolidate(inbox, config)
    assert rows(c) == [
        ("総務部", "未提出", False, ""), ("財政部", "未提出", False, ""),
        ("企画政策部", "要修正", False, "03_企画政策部.xlsx"), ("", "要修正", False, "名無し.xlsx"),
    ]
    assert "ファイル名から部局を推定しました" in c.submissions["note"][2]


def test_unexpected_failure_of_one_file_does_not_stop_the_run(
    tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kpitool.validate

    inbox = tmp_path / "inbox"
    write_department(inbox, "総務部.xlsx", "総務部", "2024/4/1")
    write_department(inbox, "財政部.xlsx", "財政部", "2024/4/1")
    real = kpitool.validate.validate_file

    def flaky(path: Path, *args: Any, **kwargs: Any) -> Any:
        if Path(path).name == "財政部.xlsx":
            raise RuntimeError("boom")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(kpitool.validate, "validate_file", flaky)
    c = consolidate(inbox, config, workers=1)
    assert rows(c)[:2] == [("総務部", "提出済", True, "総務部.xlsx"), ("財政部", "取込不可", False, "財政部.xlsx")]
    found = c.findings.iloc[0]
    assert found["code"] == codes.RUN_READ_FAILED and "RuntimeError: boom" in found["message"]


def test_inbox_file_changed_during_the_run(tmp_path: Path, config: Config) -> None:
    inbox = tmp_path / "inbox"
    write_department(inbox, "総務部.xlsx", "総務部", "2024/4/1")
    target = write_department(inbox, "財政部.xlsx", "財政部", "2024/4/1")
    original = hashlib.sha256(target.read_bytes()).hexdigest()

    def progress(done: int, total: int, name: str) -> None:
        if name == "財政部.xlsx":  # the department saves again right after it was read
            target.write_bytes(target.read_bytes() + b"\0")

    c = consolidate(inbox, config, progress=progress, workers=1)
    changed = c.findings[c.findings["code"] == codes.INBOX_FILE_CHANGED]
    assert list(changed["file"]) == ["財政部.xlsx"] and list(changed["value"]) == [original]
    s = c.submissions.set_index("file")
    assert s.loc["財政部.xlsx", "sha256"] == original  # what was read, not what is there now
    assert (s.loc["財政部.xlsx", "status"], s.loc["財政部.xlsx", "warnings"]) == ("提出済", 1)


def test_progress_reports_every_file(demo: tuple[Config, Path]) -> None:
    calls: list[tuple[int, int, str]] = []
    consolidate(demo[1], demo[0], progress=lambda *args: calls.append(args), workers=1)
    names = sorted(p.name for p in demo[1].glob("*.xlsx"))
    assert calls == [(0, 7, ""), *((i + 1, 7, name) for i, name in enumerate(names))]


def test_same_inbox_twice_gives_equal_frames_and_leaves_it_unchanged(demo: tuple[Config, Path]) -> None:
    config, inbox = demo
    before = snapshot(inbox)
    first = consolidate(inbox, config)
    second = consolidate(inbox, config)
    for name in FRAMES:
        pdt.assert_frame_equal(getattr(first, name), getattr(second, name))
    assert first.tallies == second.tallies and first.ignored == second.ignored
    assert snapshot(inbox) == before


def test_parallel_and_sequential_give_equal_results(demo: tuple[Config, Path], tmp_path: Path) -> None:
    config, demo_inbox = demo
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for p in demo_inbox.iterdir():
        (inbox / p.name).write_bytes(p.read_bytes())
    (inbox / "壊れた.xlsx").write_bytes(b"PK\x03\x04broken")
    before = snapshot(inbox)
    calls: list[tuple[int, int, str]] = []
    sequential = consolidate(inbox, config, workers=1)
    parallel = consolidate(inbox, config, workers=2, progress=lambda *a: calls.append(a))
    for name in FRAMES:
        pdt.assert_frame_equal(getattr(sequential, name), getattr(parallel, name))
    assert sequential.tallies == parallel.tallies
    assert sorted(n for _, _, n in calls if n) == sorted(before)
    assert [d for d, _, _ in calls] == list(range(len(before) + 1))
    assert snapshot(inbox) == before


def test_texts_repeated_across_files_are_kept_once(demo: tuple[Config, Path]) -> None:
    """Rows from different worker processes share one copy of each equal text (memory)."""
    config, inbox = demo
    c = consolidate(inbox, config, workers=2)
    for name, column in (("kpis", "unit"), ("figures", "unit"), ("findings", "severity")):
        values = [v for v in c.table(name)[column] if isinstance(v, str)]
        repeated = {v for v in values if values.count(v) > 1}
        assert repeated, f"the demo inbox repeats some {name}.{column} across files"
        for text in repeated:
            assert len({id(v) for v in values if v == text}) == 1, (name, column, text)


def test_parallel_only_above_the_threshold() -> None:
    from kpitool.parallel import PARALLEL_THRESHOLD, worker_count

    assert worker_count(PARALLEL_THRESHOLD, None) == 1
    assert worker_count(PARALLEL_THRESHOLD + 1, None) == (os.cpu_count() or 1)
    assert worker_count(500, 1) == 1 and worker_count(3, 4) == 4


def _dies_on_fiscal(path: Path, config: Config) -> Any:
    """process_file, except that the worker process dies on 財政部.xlsx (as out of memory)."""
    if Path(path).name == "財政部.xlsx":
        os._exit(1)
    return process_file(path, config)


@pytest.mark.skipif(multiprocessing.get_start_method() != "fork", reason="patching workers needs fork")
def test_a_dying_worker_costs_only_its_file(tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    inbox = tmp_path / "inbox"
    for name in ROSTER:
        write_department(inbox, f"{name}.xlsx", name, "2024/4/1")
    monkeypatch.setattr(consolidate_module, "process_file", _dies_on_fiscal)
    c = consolidate(inbox, config, workers=2)
    assert rows(c) == [
        ("総務部", "提出済", True, "総務部.xlsx"),
        ("財政部", "取込不可", False, "財政部.xlsx"),
        ("企画政策部", "提出済", True, "企画政策部.xlsx"),
    ]
    assert "プロセスが異常終了しました" in c.submissions["note"][1]


def test_missing_inbox_raises(tmp_path: Path, config: Config) -> None:
    from kpitool.errors import InputError

    with pytest.raises(InputError):
        consolidate(tmp_path / "nowhere", config)


def test_empty_inbox(tmp_path: Path, config: Config) -> None:
    c = consolidate(tmp_path, config)
    assert c.counts()["未提出"] == 3 and c.kpis.empty and c.findings.empty
    assert c.tallies == {"合計": {"A": 0, "B": 0, "C": 0, "未評価": 0}}
    assert list(c.kpis.columns) == list(KPI_COLUMNS)


def test_filled_data_kpis_survive(tmp_path: Path, config: Config) -> None:
    inbox = tmp_path / "inbox"
    write_department(inbox, "総務部.xlsx", "総務部", "2024/4/1",
                     kpis=[*sample_data().kpis, {"no": "3", "indicator": "x", "unit": "件", "direction": "↑",
                                                 "target": 10, "prev": 5, "curr": 10, "grade": "A"}])
    c = consolidate(inbox, dataclasses.replace(config, grades=Grades(("A", "B", "C"), (1.0, 0.8))))
    assert list(c.kpis["no"]) == ["1", "2", "3"]
    assert list(c.kpis["suggested_grade"]) == ["A", "B", "A"]  # the rate bands
    assert c.kpis["achievement"].tolist()[2] == 1.0


