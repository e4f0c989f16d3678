"""kpitool.xl: the Excel button wrappers (issue 5).

The pure parts (paths, years, messages) are tested directly. The buttons themselves run
against real xlwings Book objects on xlwings' remote engine: the payload is built from the
committed panel's own sheets and the test asserts the actions the wrapper sends back (values
written to 実行結果, the message box). That engine is PolyForm-Noncommercial code, so those
tests are opt-in: they run only with KPITOOL_REMOTE_ENGINE_TESTS=1, which `.ci/run` sets.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
from pathlib import Path, PurePosixPath, PureWindowsPath
from types import SimpleNamespace
from typing import Any

import pytest

from kpitool import xl, xl_results, xl_settings
from kpitool.errors import ConfigError, KpitoolError

ROOT = Path(__file__).resolve().parents[1]
PANEL = ROOT / "workbook_templates" / "kpitool_panel.xlsm"
RESULTS_INDEX = 2  # 実行結果 is the third sheet of the panel

remote_engine = [
    pytest.mark.remote_engine,
    pytest.mark.skipif(
        os.environ.get("KPITOOL_REMOTE_ENGINE_TESTS") != "1",
        reason="xlwings の remote エンジンを使うテストは KPITOOL_REMOTE_ENGINE_TESTS=1 のときだけ実行します（.ci/run が設定）",
    ),
]


# --- import cost ---------------------------------------------------------------------------


def test_import_kpitool_xl_loads_nothing_heavy() -> None:
    """Each click starts a fresh Python: importing the module must stay cheap."""
    heavy = ("pandas", "numpy", "xlsxwriter", "openpyxl", "xlwings", "xlwings.pro")
    code = f"import sys, kpitool.xl; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_kpitool_never_imports_xlwings_pro() -> None:
    """xlwings.pro (PolyForm-Noncommercial) stays out of kpitool's runtime; only tests use it."""
    offenders = [
        p.name for p in (ROOT / "kpitool").rglob("*.py")
        if "xlwings.pro" in p.read_text(encoding="utf-8") or "from xlwings import pro" in p.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_each_button_function_is_public() -> None:
    assert sorted(xl.button_functions()) == ["audit_button", "consolidate_button", "doctor_button", "template_button",
                                             "validate_button"]


# --- paths ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("folder", "value", "expected"),
    [
        (PureWindowsPath(r"C:\Users\kikaku\KPI"), "受付", PureWindowsPath(r"C:\Users\kikaku\KPI\受付")),
        (PureWindowsPath(r"\\fileserver\企画課\KPI"), "inbox", PureWindowsPath(r"\\fileserver\企画課\KPI\inbox")),
        (PureWindowsPath(r"C:\KPI"), r"\\fileserver\共有\受付", PureWindowsPath(r"\\fileserver\共有\受付")),
        (PureWindowsPath(r"\\fileserver\企画課\KPI"), r"D:\データ\受付", PureWindowsPath(r"D:\データ\受付")),
        (PureWindowsPath(r"C:\KPI"), '"C:\\令和5年度\\受付"', PureWindowsPath(r"C:\令和5年度\受付")),
        (PurePosixPath("/srv/企画課"), "inbox", PurePosixPath("/srv/企画課/inbox")),
        (PurePosixPath("/srv/企画課"), "/data/受付", PurePosixPath("/data/受付")),
    ],
)
def test_relative_paths_resolve_against_the_workbook_folder(folder: Any, value: str, expected: Any) -> None:
    resolved = xl_settings.resolve_path(value, folder)
    assert resolved == expected
    assert type(resolved) is type(folder)


def test_dotdot_is_kept_for_windows_to_resolve() -> None:
    # Windows resolves ..; pathlib keeps it, which is what Excel users expect to see in messages.
    assert xl_settings.resolve_path(r"..\集約", PureWindowsPath(r"C:\KPI\panel")) == PureWindowsPath(r"C:\KPI\panel\..\集約")


def test_empty_path_is_a_setting_error() -> None:
    with pytest.raises(KpitoolError) as err:
        xl_settings.resolve_path('  ""  ', PureWindowsPath(r"C:\KPI"))
    assert err.value.code == "E-XL-002"


def test_workbook_folder_is_the_folder_of_the_saved_book(tmp_path: Path) -> None:
    book = SimpleNamespace(fullname=str(tmp_path / "企画課" / "kpitool_panel.xlsm"))
    assert xl_settings.workbook_folder(book) == tmp_path / "企画課"


@pytest.mark.parametrize("fullname", ["Book1", "kpitool_panel.xlsm"])
def test_unsaved_book_has_no_folder(fullname: str) -> None:
    with pytest.raises(KpitoolError) as err:
        xl_settings.workbook_folder(SimpleNamespace(fullname=fullname))
    assert err.value.code == "E-XL-003"
    assert "保存" in err.value.message_ja


def test_onedrive_url_without_a_local_sync_folder_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OneDrive", "OneDriveConsumer", "OneDriveCommercial"):
        monkeypatch.delenv(name, raising=False)
    book = SimpleNamespace(fullname="https://d.docs.live.net/abc123/企画課/kpitool_panel.xlsm")
    with pytest.raises(KpitoolError) as err:
        xl_settings.workbook_folder(book)
    assert err.value.code == "E-XL-003"
    assert "OneDrive" in err.value.message_ja


# --- fiscal year ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "year"),
    [(2023, 2023), (2023.0, 2023), ("2023", 2023), ("２０２３年度", 2023), ("令和5", 2023),
     ("令和５年度", 2023), ("R6", 2024), ("r6年度", 2024), (None, None), ("", None), ("  ", None)],
)
def test_fiscal_year_as_users_type_it(value: Any, year: int | None) -> None:
    assert xl_settings.parse_fiscal_year(value) == year


@pytest.mark.parametrize("value", ["来年度", 1999, 2023.5, True, "平成30", "23"])
def test_fiscal_year_that_is_not_a_year_is_refused(value: Any) -> None:
    with pytest.raises(KpitoolError) as err:
        xl_settings.parse_fiscal_year(value)
    assert err.value.code == "E-XL-002"


# --- messages ------------------------------------------------------------------------------


def test_message_for_kpitool_error_has_code_text_and_what_to_do() -> None:
    text = xl_results.failure_message("集約", ConfigError("設定ファイルが見つかりません: kpitool.toml"), Path("C:/KPI/kpitool_error.log"))
    assert text.startswith("[E-CFG-001] 集約を実行できませんでした。")
    assert "設定ファイルが見つかりません" in text
    assert "「設定」シート" in text
    assert "kpitool_error.log" in text


def test_message_for_a_locked_master_says_to_close_it() -> None:
    from kpitool.errors import MasterLocked

    text = xl_results.failure_message("集約", MasterLocked("集約ファイル kpi_集約.xlsx を置き換えられません。"), None)
    assert text.startswith("[E-RUN-002] 集約を実行できませんでした。")
    assert "閉じてから" in text and "「設定」シート" not in text


def test_message_for_unexpected_error_hides_the_exception() -> None:
    text = xl_results.failure_message("検証", KeyError("internal_key"), Path("/x/kpitool_error.log"))
    assert text.startswith("[E-XL-900]")
    assert "internal_key" not in text and "Traceback" not in text and "KeyError" not in text


def test_message_for_locked_file_names_the_file() -> None:
    exc = PermissionError(13, "Permission denied", r"\\fileserver\企画課\kpi_集約.xlsx")
    text = xl_results.failure_message("集約", exc, None)
    assert text.startswith("[E-XL-004]")
    assert r"\\fileserver\企画課\kpi_集約.xlsx" in text
    assert "Permission denied" not in text


@pytest.mark.parametrize(
    ("value", "written"),
    [("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+81", "'+81"), ("@SUM", "'@SUM"),
     ("-", "-"), ("△1,972", "△1,972"), (-5, -5), (None, None)],
)
def test_text_that_excel_would_read_as_a_formula_stays_text(value: Any, written: Any) -> None:
    assert xl_results.excel_cell(value) == written


def test_long_tables_are_cut_with_a_note() -> None:
    table = [["番号"], *([i] for i in range(xl_results.MAX_TABLE_ROWS + 5))]
    rows = xl_results.result_rows("検証", dt.datetime(2024, 4, 1, 9, 0, tzinfo=xl_results.JST), "正常終了",
                           xl_results.Outcome(message="m", table_title="表", table=table))
    assert rows[2] == ["実行日時", "2024-04-01 09:00:00 JST"]
    assert rows[-1] == ["ほか 5行は省略しました。"]
    assert rows[-2] == [xl_results.MAX_TABLE_ROWS - 1]


def test_tables_from_frames_and_records_get_japanese_headers() -> None:
    import dataclasses

    import pandas as pd

    frame = pd.DataFrame({"department": ["総務部"], "status": ["提出済"], "size": [1], "errors": [float("nan")]})
    assert xl_results.frame_rows(frame, labels={"department": "部局名", "status": "状況"}, columns=("department", "status", "errors")) == [
        ["部局名", "状況", "errors"], ["総務部", "提出済", None]]
    assert xl_results.frame_rows([{"included": True}, {"included": False}]) == [["included"], ["はい"], ["いいえ"]]

    @dataclasses.dataclass
    class Discrepancy:
        sheet: str
        cell: str

    assert xl_results.frame_rows([Discrepancy("実績数値", "E7")]) == [["sheet", "cell"], ["実績数値", "E7"]]
    assert xl_results.frame_rows(["ハッシュが違います"], default_header="相違点") == [["相違点"], ["ハッシュが違います"]]
    assert xl_results.frame_rows([]) == [] and xl_results.frame_rows(None) == []


def test_progress_goes_to_the_status_bar_and_a_missing_status_bar_is_harmless() -> None:
    shown: list[Any] = []

    class App:
        @property
        def status_bar(self) -> Any:
            return None

        @status_bar.setter
        def status_bar(self, value: Any) -> None:
            shown.append(value)

    panel = xl._Panel(SimpleNamespace(app=App()))
    report = panel.progress("集約")
    report(3, 12)
    report(4, 12, "総務部.xlsx")
    report("読み込み")
    panel.status(None)
    assert shown == ["kpitool: 集約中… 3/12", "kpitool: 集約中… 4/12 総務部.xlsx", "kpitool: 集約中… 読み込み", False]

    class NoStatusBar:
        @property
        def status_bar(self) -> Any:
            raise NotImplementedError

        @status_bar.setter
        def status_bar(self, value: Any) -> None:
            raise NotImplementedError

    xl._Panel(SimpleNamespace(app=NoStatusBar())).progress("集約")(1, 2)


# --- the buttons through xlwings' remote engine -------------------------------------------


def _payload(panel: Path, fullname: str, settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON the xlwings client sends for the panel workbook, built from its own sheets."""
    import openpyxl
    import xlwings as xw

    wb = openpyxl.load_workbook(panel)
    sheets = []
    for ws in wb.worksheets:
        values = [
            list(row)
            for row in ws.iter_rows(min_row=1, min_col=1, max_row=max(ws.max_row, 1),
                                    max_col=max(ws.max_column, 1), values_only=True)
        ]
        if ws.title == xl_settings.SETTINGS_SHEET and settings:
            for row in values:
                if row[0] in settings:
                    row[1] = settings[row[0]]
        sheets.append({"name": ws.title, "values": values, "pictures": [], "tables": []})
    return {
        "client": "Office.js",
        "version": xw.__version__,
        "book": {"name": fullname, "active_sheet_index": 0, "selection": "A1"},
        "names": [],
        "sheets": sheets,
    }


@pytest.fixture
def remote_book(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Make ``xw.Book(json=...)`` books on the remote engine (license: noncommercial use)."""
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    import xlwings as xw

    if "remote" not in [engine.name for engine in xw.engines]:
        from xlwings.pro import _xlremote  # only the tests touch xlwings.pro

        xw.engines.add(xw.main.Engine(impl=_xlremote.engine))

    def make(fullname: str, settings: dict[str, Any] | None = None) -> Any:
        return xw.Book(json=_payload(PANEL, fullname, settings))

    return make


def _actions(book: Any) -> list[dict[str, Any]]:
    return book.impl.json()["actions"]


def _results(book: Any) -> list[list[Any]]:
    """The values the wrapper wrote to 実行結果 (after clearing it)."""
    actions = [a for a in _actions(book) if a["sheet_position"] == RESULTS_INDEX]
    assert actions[0]["func"] == "sheetClearContents"
    writes = [a for a in actions if a["func"] == "setValues"]
    assert len(writes) == 1
    assert (writes[0]["start_row"], writes[0]["start_column"]) == (0, 0)
    values = writes[0]["values"]
    assert len({len(row) for row in values}) == 1, "rows are padded to one width"
    return [_trim(row) for row in values]


def _trim(row: list[Any]) -> list[Any]:
    """A written row without the padding the engine turns into empty cells."""
    while row and row[-1] in ("", None):
        row = row[:-1]
    return row


def _labelled(rows: list[list[Any]]) -> dict[str, Any]:
    return {row[0]: row[1] for row in rows if row and row[0] and len(row) > 1}


def _alerts(book: Any) -> list[list[Any]]:
    return [a["args"] for a in _actions(book) if a["func"] == "alert"]


@pytest.fixture
def office(tmp_path: Path) -> Path:
    """The planning office's folder (Japanese name): panel, config and inbox side by side."""
    from kpitool.demo import prepare

    folder = tmp_path / "企画課 KPI"
    prepare(folder)
    return folder


class TestButtonsOnTheRemoteEngine:
    pytestmark = remote_engine

    def test_template_button_writes_the_template_and_reports_it(self, remote_book: Any, office: Path) -> None:
        book = remote_book(str(office / "kpitool_panel.xlsm"))
        xl.template_button(book)
        expected = office / "提出様式" / "kpi_template_2022_2023.xlsx"
        assert expected.is_file()
        rows = _results(book)
        summary = _labelled(rows)
        assert summary["操作"] == "提出様式の作成"
        assert summary["結果"] == "正常終了"
        assert summary["提出様式"] == str(expected)
        assert rows[-1][0] == _roster_last(office)
        [[message, title, buttons, mode, _callback]] = _alerts(book)
        assert message.startswith("提出様式を作成しました（2022・2023年度")
        assert (title, buttons, mode) == ("kpitool", "ok", "info")

    def test_fiscal_year_in_settings_overrides_the_config(self, remote_book: Any, office: Path) -> None:
        book = remote_book(str(office / "kpitool_panel.xlsm"), {"当年度（西暦）": "令和6"})
        xl.template_button(book)
        assert (office / "提出様式" / "kpi_template_2023_2024.xlsx").is_file()

    def test_absolute_unc_like_and_japanese_paths_in_settings(self, remote_book: Any, office: Path, tmp_path: Path) -> None:
        target = tmp_path / "共有" / "令和5年度 様式"
        book = remote_book(str(office / "kpitool_panel.xlsm"),
                           {"提出様式の出力先": f'"{target}"', "設定ファイル": str(office / "kpitool.toml")})
        xl.template_button(book)
        assert (target / "kpi_template_2022_2023.xlsx").is_file()

    def test_injected_failure_shows_japanese_message_and_writes_the_log(
        self, remote_book: Any, office: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import kpitool.template

        def broken(*_args: Any, **_kwargs: Any) -> Path:
            raise RuntimeError("injected failure 0xDEAD")

        monkeypatch.setattr(kpitool.template, "write_template", broken)
        book = remote_book(str(office / "kpitool_panel.xlsm"))
        xl.template_button(book)  # must not raise: a raise would become a VBA error dialog
        [[message, _title, _buttons, mode, _callback]] = _alerts(book)
        assert mode == "critical"
        assert message.startswith("[E-XL-900] 予期しないエラーのため、提出様式の作成を中止しました。")
        assert "Traceback" not in message and "0xDEAD" not in message and "RuntimeError" not in message
        log = office / "kpitool_error.log"
        assert str(log) in message
        text = log.read_text(encoding="utf-8-sig")
        assert "Traceback (most recent call last)" in text
        assert "RuntimeError: injected failure 0xDEAD" in text
        assert "提出様式の作成" in text
        assert _labelled(_results(book))["結果"] == "エラー"

    def test_missing_config_is_a_coded_japanese_message(self, remote_book: Any, office: Path) -> None:
        (office / "kpitool.toml").unlink()
        book = remote_book(str(office / "kpitool_panel.xlsm"))
        xl.template_button(book)
        [[message, *_rest]] = _alerts(book)
        assert message.startswith("[E-CFG-001] 提出様式の作成を実行できませんでした。")
        assert str(office / "kpitool.toml") in message
        assert "Traceback" not in message
        assert (office / "kpitool_error.log").is_file()

    def test_renamed_settings_label_is_explained(self, remote_book: Any, office: Path) -> None:
        payload_book = remote_book(str(office / "kpitool_panel.xlsm"))
        settings = payload_book.impl.api["sheets"][1]["values"]
        for row in settings:
            if row[0] == "受付フォルダ":
                row[0] = "受付"
        xl.template_button(payload_book)
        [[message, *_rest]] = _alerts(payload_book)
        assert message.startswith("[E-XL-001]")
        assert "「受付フォルダ」" in message

    def test_unsaved_book_logs_to_the_temp_folder(
        self, remote_book: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
        book = remote_book("Book1")
        xl.validate_button(book)
        [[message, *_rest]] = _alerts(book)
        assert message.startswith("[E-XL-003]")
        assert (tmp_path / "kpitool_error.log").is_file()

    def test_validate_button_lists_every_file_and_finding(self, remote_book: Any, office: Path) -> None:
        book = remote_book(str(office / "kpitool_panel.xlsm"))
        xl.validate_button(book)
        rows = _results(book)
        summary = _labelled(rows)
        assert summary["結果"] == "正常終了", summary.get("メッセージ")
        files = sorted(p.name for p in (office / "inbox").glob("*.xlsx"))
        assert summary["ファイル数"] == len(files)
        header = rows.index(["ファイル", "判定", "エラー", "警告"])
        assert sorted(r[0] for r in rows[header + 1 : header + 1 + len(files)]) == files
        findings = rows.index(["重要度", "コード", "ファイル", "シート", "セル", "項目", "入力値", "内容", "説明", "直し方"])
        flagged = {r[2] for r in rows[findings + 1 :] if len(r) > 2}
        needs_fix = {r[0] for r in rows[header + 1 : header + 1 + len(files)] if r[1] == "要修正"}
        assert needs_fix, "the bundled example has a faulty file"
        assert needs_fix <= flagged
        assert summary["要修正"] == len(needs_fix)
        [[message, *_rest]] = _alerts(book)
        assert message.startswith(f"検証が終わりました。{len(files)}ファイルのうち")

    def test_consolidate_then_audit(self, remote_book: Any, office: Path) -> None:
        book = remote_book(str(office / "kpitool_panel.xlsm"))
        xl.consolidate_button(book)
        summary = _labelled(_results(book))
        assert summary["結果"] == "正常終了", summary.get("メッセージ")
        master = office / "kpi_集約.xlsx"
        assert master.is_file()
        assert summary["集約ファイル"] == str(master)
        [[message, *_rest]] = _alerts(book)
        assert message.startswith(f"集約ファイルを作成しました。\n{master}")

        book = remote_book(str(office / "kpitool_panel.xlsm"))
        xl.audit_button(book)
        summary = _labelled(_results(book))
        assert summary["判定"] == "相違なし", summary.get("メッセージ")
        [[message, *_rest]] = _alerts(book)
        assert message.startswith("監査が終わりました。")

        import openpyxl

        tampered = openpyxl.load_workbook(master)
        sheet = tampered["実績数値"]
        sheet.cell(row=sheet.max_row, column=1).value = "書き換え"
        tampered.save(master)
        book = remote_book(str(office / "kpitool_panel.xlsm"))
        xl.audit_button(book)
        rows = _results(book)
        assert _labelled(rows)["判定"] == "相違あり"
        assert ["コード", "ファイル", "シート", "セル", "内容"] in rows
        [[message, _title, _buttons, mode, _callback]] = _alerts(book)
        assert mode == "critical"
        assert message.startswith("監査で ") and "相違が見つかりました" in message

    def test_two_consolidate_clicks_at_once_one_is_refused_issue_10(
        self, remote_book: Any, office: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Two 集約 clicks on one shared master (two PCs, or a double click): the second is
        refused with E-RUN-003 while the first holds the run lock, and the first completes."""
        import threading

        import kpitool.consolidate

        real = kpitool.consolidate.consolidate
        inside, release = threading.Event(), threading.Event()

        def held(*args: Any, **kwargs: Any) -> Any:
            inside.set()  # the first click is past the lock and consolidating
            assert release.wait(timeout=600)
            return real(*args, **kwargs)

        monkeypatch.setattr(kpitool.consolidate, "consolidate", held)
        first = remote_book(str(office / "kpitool_panel.xlsm"))
        second = remote_book(str(office / "kpitool_panel_2.xlsm"))  # a distinct book on the engine
        thread = threading.Thread(target=xl.consolidate_button, args=(first,))
        thread.start()
        try:
            assert inside.wait(timeout=600)
            monkeypatch.setattr(kpitool.consolidate, "consolidate", real)
            xl.consolidate_button(second)
        finally:
            release.set()
            thread.join()
        # The engine sends every message box through the active book; 実行結果 is per book.
        messages = sorted(args[0].split("\n")[0] for args in _alerts(first) + _alerts(second))
        assert messages == ["[E-RUN-003] 集約を実行できませんでした。", "集約ファイルを作成しました。"]
        assert _labelled(_results(second))["結果"] == "エラー"
        assert _labelled(_results(first))["結果"] == "正常終了"
        assert (office / "kpi_集約.xlsx").is_file()


class TestDoctorAndVersionOnTheRemoteEngine:
    pytestmark = remote_engine

    def test_doctor_button_lists_each_check(self, remote_book: Any, office: Path) -> None:
        book = remote_book(str(office / "kpitool_panel.xlsm"))
        xl.doctor_button(book)
        rows = _results(book)
        assert _labelled(rows)["操作"] == "診断"
        header = rows.index(["項目", "判定", "内容", "コード", "対処"])
        checks = {row[0]: row for row in rows[header + 1 :]}
        assert set(checks) == {"Python", "kpitool", "xlwings", "Interpreter_Win", "作業フォルダへの書き込み",
                               "作業フォルダの場所", "LibreOffice"}
        assert checks["作業フォルダへの書き込み"][1:3] == ["OK", f"{office} に書き込めます"]
        # The panel still names the Windows default python.exe, not this test's interpreter.
        assert checks["Interpreter_Win"][1] == "要対応" and checks["Interpreter_Win"][3] == "E-ENV-003"
        [[message, _title, _buttons, mode, _callback]] = _alerts(book)
        assert message.startswith("診断が終わりました。要対応が 1件あります（E-ENV-003）")
        assert mode == "critical"

    def test_doctor_button_works_when_settings_are_broken(self, remote_book: Any, office: Path) -> None:
        book = remote_book(str(office / "kpitool_panel.xlsm"))
        for row in book.impl.api["sheets"][1]["values"]:
            if row[0] == "受付フォルダ":
                row[0] = "受付"
        xl.doctor_button(book)
        assert _labelled(_results(book))["結果"] == "正常終了"

    def test_xlwings_version_mismatch_is_a_coded_note(self, remote_book: Any, office: Path) -> None:
        book = remote_book(str(office / "kpitool_panel.xlsm"))
        conf = next(sheet for sheet in book.impl.api["sheets"] if sheet["name"] == "xlwings.conf")
        row = next(row for row in conf["values"] if row[0] == "XLWINGS_VERSION")
        row[1] = "0.30.0"
        xl.template_button(book)
        [[message, _title, _buttons, mode, _callback]] = _alerts(book)
        assert message.startswith("提出様式を作成しました")
        assert "[E-XL-005] パネルの xlwings（VBA）は 0.30.0、Python の xlwings は " in message
        assert mode == "critical"
        assert _labelled(_results(book))["xlwings の版"].startswith("[E-XL-005]")


class TestValidateButtonWritesWhatTheCliWrites:
    """Parity (issue 15): the report and the return copies, and no stale 要修正 copy after a fix."""

    pytestmark = remote_engine

    def test_report_and_return_copies_equal_the_clis(self, remote_book: Any, office: Path, tmp_path: Path) -> None:
        from test_launchers import _tree, _values

        from kpitool import cli
        from kpitool.demo import prepare

        book = remote_book(str(office / "kpitool_panel.xlsm"))
        xl.validate_button(book)
        summary = _labelled(_results(book))
        assert summary["検証結果の一覧"] == str(office / "検証結果.xlsx")
        assert summary["差し戻しフォルダ"] == str(office / "差し戻し")
        copies = sorted(p.name for p in (office / "差し戻し").glob("*.xlsx"))
        assert "05_地域支援部_検証結果.xlsx" in copies
        assert summary["差し戻し用のコピー"] == len(copies)
        [[message, *_rest]] = _alerts(book)
        assert f"検証結果の一覧を書き出しました: {office / '検証結果.xlsx'}" in message
        assert f"差し戻し用のコピーを作成しました: {len(copies)}ファイル（{office / '差し戻し'}）" in message

        twin = tmp_path / "cli"
        prepare(twin)
        code = cli.main(["validate", str(twin / "inbox"), "--config", str(twin / "kpitool.toml"),
                         "--report", str(twin / "検証結果.xlsx"), "--return-copies", str(twin / "差し戻し")])
        assert code == 1
        panel_files = {k: v for k, v in _tree(office).items() if k == "検証結果.xlsx" or k.startswith("差し戻し/")}
        cli_files = {k: v for k, v in _tree(twin).items() if k == "検証結果.xlsx" or k.startswith("差し戻し/")}
        assert sorted(panel_files) == sorted(cli_files)
        for name, path in panel_files.items():
            assert _values(path, office) == _values(cli_files[name], twin), name

    def test_second_run_after_a_fix_leaves_no_stale_copy(self, remote_book: Any, office: Path) -> None:
        from kpitool.config import load_config
        from kpitool.demo.examples import example_submissions
        from kpitool.template import FilledData, write_template

        xl.validate_button(remote_book(str(office / "kpitool_panel.xlsm")))
        stale = office / "差し戻し" / "05_地域支援部_検証結果.xlsx"
        assert stale.is_file()

        # 地域支援部 sends a corrected file under the same name (clean data, its own 部局名).
        clean = next(e for e in example_submissions() if e.filename == "06_市長公室.xlsx")
        basic = {**clean.basic, "department": "地域支援部"}
        config = load_config(office / "kpitool.toml")
        write_template(office / "inbox" / "05_地域支援部.xlsx", roster=config.roster, fiscal_years=config.fiscal_years,
                       grades=config.grades.letters,
                       data=FilledData(basic=basic, kpis=clean.kpis, survey=clean.survey, figures=clean.figures))

        book = remote_book(str(office / "kpitool_panel.xlsm"))
        xl.validate_button(book)
        rows = _results(book)
        header = rows.index(["ファイル", "判定", "エラー", "警告"])
        status = {r[0]: r[1] for r in rows[header + 1 :] if len(r) > 1 and str(r[0]).endswith(".xlsx")}
        assert status["05_地域支援部.xlsx"] == "問題なし"
        assert not stale.exists(), "the old 要修正 copy must not stay next to the new state"
        assert (office / "差し戻し" / "修正済み" / stale.name).is_file()
        assert _labelled(rows)["修正済みに移したコピー"] == 1


def _roster_last(office: Path) -> str:
    from kpitool.config import load_config

    return load_config(office / "kpitool.toml").roster[-1]


# --- OneDrive through xlwings' own Windows code (issue 15) -------------------------------------


def _xlwings_windows_fullname() -> Any:
    """xlwings' real ``_xlwindows.Book.fullname`` (that module cannot be imported off Windows).

    The function is compiled from xlwings' own source file with the names it uses bound to
    xlwings' real helpers, so the test follows whatever the installed xlwings does on Windows.
    """
    import ast

    import xlwings
    import xlwings.utils

    path = Path(xlwings.__file__).with_name("_xlwindows.py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    book = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Book")
    func = next(n for n in book.body if isinstance(n, ast.FunctionDef) and n.name == "fullname")
    func.decorator_list = []
    namespace: dict[str, Any] = {
        "xlwings": xlwings,
        "read_config_sheet": xlwings.utils.read_config_sheet,
        "fullname_url_to_local_path": xlwings.utils.fullname_url_to_local_path,
    }
    exec(compile(ast.Module(body=[func], type_ignores=[]), str(path), "exec"), namespace)
    return namespace["fullname"]


class _WindowsExcel:
    """Excel's COM objects as far as the button touches them before it needs the folder."""

    def __init__(self, full_name: str) -> None:
        self.FullName = full_name
        self.Name = full_name.rsplit("/", 1)[-1]
        self.alerts: list[str] = []


def _onedrive_book(url: str) -> Any:
    import xlwings as xw
    from xlwings import base_classes

    com = _WindowsExcel(url)

    class App:
        pid = 4242

        def alert(self, prompt: str, *_args: Any, **_kwargs: Any) -> None:
            com.alerts.append(prompt)

    class WindowsBook(base_classes.Book):
        fullname = property(_xlwings_windows_fullname())

        def __init__(self, xl_book: _WindowsExcel) -> None:
            self.xl = xl_book

        @property
        def name(self) -> str:
            return self.xl.Name

        @property
        def sheets(self) -> Any:  # xlwings' read_config_sheet tolerates this (no xlwings.conf read)
            raise RuntimeError("no COM sheets in this test")

        @property
        def app(self) -> Any:
            return App()

    return xw.Book(impl=WindowsBook(com)), com


def test_unsynced_onedrive_book_raises_xlwings_error_in_xlwings_fullname(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The premise: on Windows, Book.fullname itself raises XlwingsError for an unsynced OneDrive file."""
    from xlwings import XlwingsError

    for name in ("OneDrive", "OneDriveConsumer", "OneDriveCommercial"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    book, _com = _onedrive_book("https://d.docs.live.net/abc123/企画課/kpitool_panel.xlsm")
    with pytest.raises(XlwingsError):
        _ = book.fullname


@pytest.mark.parametrize("url", [
    "https://d.docs.live.net/abc123/企画課/kpitool_panel.xlsm",
    "https://kikugawa-my.sharepoint.com/personal/kikaku_city_jp/Documents/KPI/kpitool_panel.xlsm",
])
def test_unsynced_onedrive_book_is_e_xl_003_not_unexpected(
    url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("OneDrive", "OneDriveConsumer", "OneDriveCommercial"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    book, com = _onedrive_book(url)
    with pytest.raises(KpitoolError) as err:
        xl_settings.workbook_folder(book)
    assert err.value.code == "E-XL-003"
    assert "OneDrive/SharePoint" in err.value.message_ja

    xl.validate_button(book)  # the whole button: a message box, not E-XL-900
    [message] = com.alerts
    assert message.startswith("[E-XL-003] 検証を実行できませんでした。")
    assert "予期しない" not in message


def test_synced_onedrive_book_gives_its_local_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The same real code maps a synced file to its local folder: the button works there."""
    local = tmp_path / "OneDrive" / "企画課"
    local.mkdir(parents=True)
    (local / "kpitool_panel.xlsm").write_bytes(b"")
    monkeypatch.setenv("OneDrive", str(tmp_path / "OneDrive"))
    book, _com = _onedrive_book("https://d.docs.live.net/def456/企画課/kpitool_panel.xlsm")
    assert xl_settings.workbook_folder(book) == local
