"""validate_submission / validate_file / validate_paths: the bundled example, bad files, guards."""

from __future__ import annotations

import hashlib
import shutil
import time
from pathlib import Path

import pytest
from conftest import REAL_XLSX
from workbooks import filled, make_config

import kpitool.validate
from kpitool import codes
from kpitool.codes import CATALOGUE
from kpitool.demo import write_inbox
from kpitool.demo.examples import ERROR_DEPARTMENT, WARNING_DEPARTMENT, example_config_toml
from kpitool.findings import Severity
from kpitool.validate import (
    FileResult,
    expand_paths,
    validate_file,
    validate_paths,
    validate_submission,
)
from kpitool.validation.rules import CHECKS, Check

REAL_FILES = sorted(p for p in REAL_XLSX.rglob("*") if p.suffix.lower() in (".xlsx", ".xlsm")) if REAL_XLSX.is_dir() else []


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory):
    """The bundled example inbox and its config, validated once."""
    import tomllib

    from kpitool.config import config_from_dict

    config = config_from_dict(tomllib.loads(example_config_toml()))
    inbox = tmp_path_factory.mktemp("inbox")
    write_inbox(inbox, config)
    return config, {r.name: r for r in validate_paths([inbox], config)}


def test_file_result_of_a_clean_file(tmp_path: Path) -> None:
    path = filled(tmp_path)
    result = validate_file(path, make_config())
    assert isinstance(result, FileResult)
    assert result.path == path and result.name == "filled.xlsx"
    assert result.report.ok and result.report.findings == [] and result.status == "問題なし"
    assert result.size == path.stat().st_size
    assert result.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert result.submission is not None and result.submission.department == "総務部"


def test_data_given_is_what_is_validated(tmp_path: Path) -> None:
    data = filled(tmp_path).read_bytes()
    result = validate_file(tmp_path / "gone" / "named.xlsx", make_config(), data=data)
    assert result.report.findings == [] and result.sha256 == hashlib.sha256(data).hexdigest()


def without_information(result: FileResult) -> list[tuple[str, str, str]]:
    """Errors and warnings: 情報 (a figure of the 実績 text without a 実績数値 row) is not a problem."""
    return [f.compact() for f in result.report.findings if f.severity is not Severity.INFO]


def test_example_error_department(example) -> None:
    _config, results = example
    (result,) = [r for r in results.values() if ERROR_DEPARTMENT in r.name]
    assert result.status == "要修正"
    assert without_information(result) == [
        ("事業成果目標", "H4", codes.NUM_APPROXIMATE),  # 約60人
        ("事業成果目標", "A7", codes.KPI_DUPLICATE_NO),  # 2-2 twice
        ("実績数値", "F7", codes.NUM_PENDING),  # 集計中
        ("実績数値", "A9", codes.FIG_UNKNOWN_INITIATIVE),  # 3-2
        ("実績数値", "C10", codes.FIG_REQUIRED),  # 単位 empty
        ("実績数値", "F13", codes.NARR_FIGURE_DIFFERS),  # the text says 92,434,000円 (issue 14)
        ("実績数値", "F13", codes.UNIT_YEAR_JUMP),  # 92,434 after 117,858,500 円
    ]
    assert {f.file for f in result.report.findings} == {result.name}


def test_example_warning_department(example) -> None:
    _config, results = example
    (result,) = [r for r in results.values() if WARNING_DEPARTMENT in r.name]
    assert result.status == "警告あり" and result.report.ok
    assert without_information(result) == [
        ("基本情報", "B5", codes.CELL_SPACES),
        ("事業成果目標", "C6", codes.CELL_SPACES),
        ("実績数値", "B5", codes.CELL_SPACES),
    ]


def test_example_other_departments_are_clean(example) -> None:
    _config, results = example
    clean = [r.name for r in results.values() if not r.report.errors and not r.report.warnings]
    assert len(clean) == len(results) - 4  # 総務部, 地域支援部 and 財務部's two files (W-CELL-005)
    for name in ("04_財務部.xlsx", "04_財務部_第1版.xlsx"):
        assert codes.CELL_TEXT_CUT_IN_PRINT in [f.code for f in results[name].report.findings], name


def test_findings_carry_every_location_field(example) -> None:
    _config, results = example
    for result in results.values():
        for f in result.report.findings:
            assert f.file == result.name and f.sheet and f.cell and f.label and f.title and f.hint


def test_a_failing_rule_becomes_a_finding_and_the_rest_still_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_args: object) -> None:
        raise ZeroDivisionError("inside a rule")

    monkeypatch.setitem(CHECKS, "unique", Check("番号の重複", boom, {"*": codes.KPI_DUPLICATE_NO}))
    path = filled(tmp_path, figures={0: {"prev": "約60"}})
    report = validate_file(path, make_config()).report
    run = [f for f in report.findings if f.code == codes.RUN_RULE_FAILED]
    assert len(run) == 1  # 事業成果目標 and 実績調査 both name the check: reported once
    assert run[0].message == (
        "検証規則「番号の重複」の実行中に内部エラー（ZeroDivisionError）が起きました。この規則の結果は含まれていません。"
    )
    assert ("実績数値", "E4", codes.NUM_APPROXIMATE) in report.flatten()
    assert not report.ok


def test_a_cell_rule_failing_on_every_cell_is_reported_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kpitool.spec import Kind
    from kpitool.validation.rules import KIND_RULES, KindRule

    def boom(*_args: object) -> None:
        raise ValueError("every number")

    monkeypatch.setitem(KIND_RULES, Kind.NUMBER, KindRule("数値の読み取り", boom))
    report = validate_file(filled(tmp_path, kpis={0: {"indicator": " 件数"}}), make_config()).report
    assert report.flatten() == [("", "", codes.RUN_RULE_FAILED), ("事業成果目標", "C4", codes.CELL_SPACES)]


@pytest.mark.parametrize(
    ("error", "code"),
    [("calamine", codes.FILE_UNREADABLE), ("other", codes.RUN_READ_FAILED)],
)
def test_reader_failures_become_file_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: str, code: str) -> None:
    import python_calamine

    def broken(*_args: object, **_kwargs: object) -> None:
        raise python_calamine.CalamineError("bad") if error == "calamine" else KeyError("sheet")

    monkeypatch.setattr(kpitool.validate, "read_submission", broken)
    path = filled(tmp_path)
    result = validate_file(path, make_config())
    assert result.submission is None and result.size == path.stat().st_size
    assert result.report.flatten() == [("", "", code)]
    (finding,) = result.report.findings
    assert ("CalamineError" if error == "calamine" else "KeyError") in finding.message


def test_validate_submission_of_a_read_file(filled_path: Path, config) -> None:
    from kpitool.reader import read_submission

    assert validate_submission(read_submission(filled_path), config).report.findings == []


# --- paths -------------------------------------------------------------------------------


def test_directories_expand_to_workbooks_only(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("b.xlsx", "a.XLSX", "c.xlsm", "~$b.xlsx", ".hidden.xlsx", "notes.txt", "old.xls"):
        (inbox / name).write_bytes(b"x")
    (inbox / "sub").mkdir()
    (inbox / "sub" / "d.xlsx").write_bytes(b"x")
    loose = tmp_path / "loose.xls"
    loose.write_bytes(b"x")
    assert [p.name for p in expand_paths([inbox, loose, inbox / "b.xlsx"])] == ["a.XLSX", "b.xlsx", "c.xlsm", "loose.xls"]


def test_validate_paths_keeps_order_and_reports_bad_files(tmp_path: Path) -> None:
    good = filled(tmp_path, "1_good.xlsx")
    (tmp_path / "2_empty.xlsx").write_bytes(b"")
    missing = tmp_path / "3_missing.xlsx"
    results = validate_paths([tmp_path, missing], make_config())
    assert [(r.name, r.report.flatten()) for r in results] == [
        ("1_good.xlsx", []),
        ("2_empty.xlsx", [("", "", codes.FILE_EMPTY)]),
        ("3_missing.xlsx", [("", "", codes.FILE_NOT_FOUND)]),
    ]
    assert results[0].path == good


def test_workers_give_the_same_results(tmp_path: Path) -> None:
    for i in range(3):
        filled(tmp_path, f"{i}.xlsx", figures={0: {"prev": "約60"}} if i else None)
    one = validate_paths([tmp_path], make_config())
    many = validate_paths([tmp_path], make_config(), workers=2)
    assert [(r.name, r.report.findings, r.sha256) for r in one] == [(r.name, r.report.findings, r.sha256) for r in many]


def test_original_file_is_not_changed(tmp_path: Path) -> None:
    path = filled(tmp_path, figures={0: {"prev": "約60"}})
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    validate_paths([tmp_path], make_config())
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


@pytest.mark.skipif(not REAL_FILES, reason=f"{REAL_XLSX} がありません（実際の Excel ファイルのコーパス）")
@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.name)
def test_real_workbooks_give_a_coded_finding_in_bounded_time(path: Path, tmp_path: Path) -> None:
    copy = tmp_path / path.name  # the corpus is read-only; work on a copy like an inbox would
    shutil.copyfile(path, copy)
    start = time.perf_counter()
    result = validate_file(copy, make_config())
    elapsed = time.perf_counter() - start
    assert elapsed < 5, f"{elapsed:.1f} s"
    assert result.report.findings, "a non-template must give a finding"
    known = {t.code for t in CATALOGUE}
    for finding in result.report.findings:
        assert finding.code in known and finding.file == path.name
        assert not finding.code.startswith("E-RUN"), finding
    assert not result.report.ok
