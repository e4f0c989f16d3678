"""The Excel buttons of the control panel: thin wrappers that xlwings' ``RunPython`` calls.

Each button starts a fresh Python (``RunPython "import kpitool.xl as x; x.validate_button()"``),
so this module imports nothing heavy at import time: xlwings, pandas and the library steps are
imported inside the functions. Each wrapper reads the ``設定`` sheet, calls one library
function, writes a summary and a table to ``実行結果`` and ends with a short Japanese message
box. Whatever goes wrong, the user sees a Japanese message with a stable code and what to do,
the traceback goes to a log file beside the workbook, and the Python process ends normally —
so xlwings never turns a failure into a bare VBA error dialog.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import traceback
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpitool.errors import (
    RUN_CODES,
    XL_SHEET_MISSING,
    XL_UNEXPECTED,
    XL_XLWINGS_MISMATCH,
    InputError,
)
from kpitool.xl_results import (
    JST,
    Outcome,
    append_log,
    excel_cell,
    failure_message,
    fallback_message,
    frame_rows,
    result_rows,
    write_log,
)
from kpitool.xl_settings import (
    RESULTS_SHEET,
    XLWINGS_CONF_RANGE,
    XLWINGS_CONF_SHEET,
    PanelError,
    PanelSettings,
    folder_only,
    load_panel_config,
    read_settings,
    workbook_folder,
)

if TYPE_CHECKING:
    import xlwings as xw


# 提出状況 columns shown in 実行結果 (the master has them all, hashes included).
SUBMISSION_SUMMARY_COLUMNS = ("department", "status", "included", "file", "errors", "warnings", "note")
DISCREPANCY_LABELS = {"code": "コード", "file": "ファイル", "sheet": "シート", "cell": "セル", "message": "内容"}


# --- the buttons -------------------------------------------------------------------------


def validate_button(book: xw.Book | None = None) -> None:
    """［検証］: check every file in the inbox and list each problem with its cell."""
    _run("検証", _validate, book)


def consolidate_button(book: xw.Book | None = None) -> None:
    """［集約・実績調査］: build the master workbook (提出状況, 実績調査, 検証結果, 監査ログ)."""
    _run("集約", _consolidate, book)


def template_button(book: xw.Book | None = None) -> None:
    """［提出様式を作成］: write the department template for the configured roster and years."""
    _run("提出様式の作成", _template, book)


def audit_button(book: xw.Book | None = None) -> None:
    """［監査］: prove that the master workbook is unchanged since consolidation."""
    _run("監査", _audit, book)


def doctor_button(book: xw.Book | None = None) -> None:
    """［診断］: is this PC ready (Python, kpitool, xlwings, folder)? The same checks as ``kpitool doctor``."""
    _run("診断", _doctor, book, needs_settings=False)


# --- what each button does --------------------------------------------------------------


class _Panel:
    """The calling workbook, behind the few operations the buttons need.

    Status bar and sheet activation are conveniences: engines that lack them (xlwings'
    remote engine has no status bar) must not turn a successful run into a failure.
    """

    def __init__(self, book: xw.Book) -> None:
        self.book = book

    def sheet(self, name: str) -> Any:
        names = [s.name for s in self.book.sheets]
        if name not in names:
            raise PanelError(
                f"このブックに「{name}」シートがありません。配布された kpitool_panel.xlsm を"
                "使うか、シート名を元に戻してください。",
                code=XL_SHEET_MISSING,
            )
        return self.book.sheets[name]

    def status(self, text: str | None) -> None:
        with contextlib.suppress(Exception):  # a missing status bar is not worth a failure
            self.book.app.status_bar = text if text else False

    def progress(self, action: str) -> Callable[..., None]:
        """A callback for the library's ``progress=``: (done, total), (done, total, name) or text."""

        def report(*args: Any, **_kwargs: Any) -> None:
            if len(args) >= 2 and all(isinstance(a, int) for a in args[:2]):
                tail = f" {args[2]}" if len(args) > 2 and args[2] else ""
                self.status(f"kpitool: {action}中… {args[0]}/{args[1]}{tail}")
            elif args:
                self.status(f"kpitool: {action}中… {args[0]}")

        return report

    def alert(self, text: str, *, critical: bool) -> None:
        self.book.app.alert(text, title="kpitool", buttons="ok", mode="critical" if critical else "info")

    def write_results(self, rows: list[list[Any]]) -> None:
        sheet = self.sheet(RESULTS_SHEET)
        sheet.clear_contents()
        width = max(len(r) for r in rows)
        sheet.range("A1").value = [[excel_cell(v) for v in r] + [None] * (width - len(r)) for r in rows]
        with contextlib.suppress(Exception):  # showing the sheet is a convenience
            sheet.activate()


def _validate(panel: _Panel, settings: PanelSettings) -> Outcome:
    from kpitool.findings import FINDING_COLUMNS
    from kpitool.pipeline import run_validation

    config = load_panel_config(settings)
    if not settings.inbox.is_dir():
        raise InputError(f"受付フォルダが見つかりません: {settings.inbox}")
    run = run_validation([settings.inbox], config, panel.progress("検証"),
                         report=settings.report, return_copies=settings.return_copies)
    results = run.results
    summary_rows: list[list[Any]] = [["ファイル", "判定", "エラー", "警告"]]
    findings: list[list[Any]] = [[label for _key, label in FINDING_COLUMNS]]
    file_column = [key for key, _label in FINDING_COLUMNS].index("file")
    for result in results:
        report = result.report
        summary_rows.append([result.path.name, result.status, report.errors, report.warnings])
        if result.superseded:  # its findings are not open: the department's newer file counts
            continue
        for finding in report.findings:
            row = [str(getattr(finding, key)) for key, _label in FINDING_COLUMNS]
            row[file_column] = row[file_column] or result.path.name
            findings.append(row)
    bad = sum(1 for r in results if r.status in ("要修正", "要確認"))
    open_results = [r for r in results if not r.superseded]
    errors = sum(r.report.errors for r in open_results)
    warnings = sum(r.report.warnings for r in open_results)
    superseded = len(results) - len(open_results)
    outputs = run.output_lines()
    if run.output_error is not None:  # the results stand; say what could not be written, with its code
        outputs.append(f"[{run.output_error.code}] {run.output_error.message_ja}")
    message = (
        f"検証が終わりました。{len(results)}ファイルのうち、問題なし・警告のみ {len(open_results) - bad}、"
        f"要修正 {bad}" + (f"、重複 {superseded}" if superseded else "")
        + f"（エラー {errors}件・警告 {warnings}件）です。\n"
        + "".join(f"{line}\n" for line in outputs)
        + "ファイルごとの問題は「実行結果」シートをご覧ください。"
    )
    ignored = [["対象外のファイル", "理由"], *([name, reason] for name, reason in run.ignored)]
    return Outcome(
        message=message,
        summary=[("ファイル数", len(results)), ("要修正", bad), ("エラー", errors), ("警告", warnings),
                 ("対象外のファイル", len(run.ignored)), ("受付フォルダ", str(settings.inbox)),
                 ("検証結果の一覧", str(run.report) if run.output_error is None else "（書き出せませんでした）"),
                 ("差し戻し用のコピー", len(run.copies)), ("差し戻しフォルダ", str(run.copies_dir)),
                 ("修正済みに移したコピー", len(run.archived)),
                 *(("作成できなかったコピー", text) for text in run.copy_failures)],
        table_title="検証結果（ファイル別）",
        table=[*summary_rows, [], ["指摘の一覧"], *findings, *([[], *ignored] if run.ignored else [])],
        warning=not run.ok or run.output_error is not None or bool(run.copy_failures),
    )


def _consolidate(panel: _Panel, settings: PanelSettings) -> Outcome:
    from kpitool.findings import FINDING_COLUMNS
    from kpitool.model import LABELS
    from kpitool.pipeline import run_consolidation

    config = load_panel_config(settings)
    if not settings.inbox.is_dir():
        raise InputError(f"受付フォルダが見つかりません: {settings.inbox}")
    run = run_consolidation(settings.inbox, config, settings.master, panel.progress("集約"),
                            on_stage=lambda text: panel.status(f"kpitool: {text}"))
    consolidation, outputs = run.consolidation, run.outputs
    written = outputs.master
    counts = [(status, n) for status, n in consolidation.counts().items() if n]
    submissions = frame_rows(consolidation.table("submissions"), labels=LABELS, columns=SUBMISSION_SUMMARY_COLUMNS)
    findings = frame_rows(consolidation.table("findings"), labels=dict(FINDING_COLUMNS))
    tally = "、".join(f"{status} {n}" for status, n in counts)
    message = (
        f"集約ファイルを作成しました。\n{written}\n"
        + (f"提出状況: {tally}\n" if tally else "")
        + "提出状況と指摘の一覧は「実行結果」シートにもあります。"
    )
    return Outcome(
        message=message,
        summary=[*counts, ("実績調査の行数", len(consolidation.table("survey"))),
                 ("指摘の件数", len(consolidation.table("findings"))), ("集約ファイル", str(written)),
                 *(("CSV（オープンデータ）", str(csv)) for csv in outputs.csvs)],
        table_title="提出状況",
        table=[*submissions, *([[], ["指摘の一覧"], *findings] if len(findings) > 1 else [])],
    )


def _template(panel: _Panel, settings: PanelSettings) -> Outcome:
    from kpitool.template import template_filename, write_template

    config = load_panel_config(settings)
    settings.template_dir.mkdir(parents=True, exist_ok=True)
    path = write_template(
        settings.template_dir / template_filename(config.fiscal_years),
        roster=config.roster,
        fiscal_years=config.fiscal_years,
        grades=config.grades,
        municipality=config.municipality, survey=config.survey, settings=config.template,
    )
    years = f"{config.fiscal_years[0]}・{config.fiscal_years[1]}年度"
    return Outcome(
        message=f"提出様式を作成しました（{years}、{len(config.roster)}部局）。\n{path}\n"
        "このファイルを各部局に配布してください。",
        summary=[("提出様式", str(path)), ("年度", years), ("部局数", len(config.roster))],
        table_title="部局の名簿",
        table=[["部局名"], *([name] for name in config.roster)],
    )


def _doctor(panel: _Panel, settings: PanelSettings) -> Outcome:
    from kpitool.doctor import diagnose, facts_from_rows, needs_action, summary

    name = str(panel.book.fullname)
    facts = None
    with contextlib.suppress(Exception):  # no conf sheet: diagnose says the panel is unreadable
        facts = facts_from_rows(panel.sheet(XLWINGS_CONF_SHEET).range(XLWINGS_CONF_RANGE).value, name)
    checks = diagnose(settings.folder, facts)
    text = summary(checks)
    return Outcome(
        message=f"診断が終わりました。{text}\n各項目は「実行結果」シートをご覧ください。",
        summary=[("判定", "要対応あり" if needs_action(checks) else "準備できています"), ("パネル", name)],
        table_title="診断の結果",
        table=[["項目", "判定", "内容", "コード", "対処"],
               *([c.item, c.status, c.found, c.code, c.advice] for c in checks)],
        warning=needs_action(checks),
    )


def _audit(panel: _Panel, settings: PanelSettings) -> Outcome:
    from kpitool.audit import audit_master

    if not settings.master.is_file():
        raise InputError(f"集約ファイルが見つかりません: {settings.master}\n先に［集約・実績調査］を実行してください。")
    inbox = settings.inbox if settings.inbox.is_dir() else None
    report = audit_master(settings.master, inbox=inbox, progress=panel.progress("監査"))
    discrepancies = frame_rows(report.discrepancies, labels=DISCREPANCY_LABELS, columns=tuple(DISCREPANCY_LABELS))
    count = max(len(discrepancies) - 1, 0)
    if report.ok:
        message = "監査が終わりました。集約ファイルは集約したときのままです（相違はありません）。"
    else:
        message = f"監査で {count}件の相違が見つかりました。「実行結果」シートをご覧ください。"
    return Outcome(
        message=message,
        summary=[("判定", "相違なし" if report.ok else "相違あり"), ("相違の件数", count),
                 ("集約ファイル", str(settings.master)),
                 ("照合した受付フォルダ", str(inbox) if inbox else "（なし）")],
        table_title="相違点",
        table=discrepancies if count else [],
        warning=not report.ok,
    )


# --- the run: settings, results, messages, the log ---------------------------------------


Body = Callable[[_Panel, PanelSettings], Outcome]


def _run(action: str, body: Body, book: xw.Book | None, *, needs_settings: bool = True) -> None:
    """Run one button: never raises, always ends with a message box (or a logged fallback)."""
    started = dt.datetime.now(JST)
    try:
        if book is None:
            book = _caller_book()
    except Exception:  # without a workbook there is no other way to tell the user
        log = write_log(None, action, started, None)
        fallback_message(f"[{XL_UNEXPECTED}] Excel のブックに接続できなかったため、{action}を実行できませんでした。\n"
                          f"詳細はログファイルをご覧ください:\n{log}")
        return
    panel = _Panel(book)
    folder: Path | None = None
    try:
        panel.status(f"kpitool: {action}を実行中…")
        folder = workbook_folder(book)
        settings = read_settings(panel, folder) if needs_settings else folder_only(folder)
        outcome = body(panel, settings)
        if mismatch := xlwings_mismatch(panel):
            outcome = replace(outcome, message=f"{outcome.message}\n\n{mismatch}", warning=True,
                              summary=[*outcome.summary, ("xlwings の版", mismatch)])
        panel.write_results(result_rows(action, started, "正常終了", outcome))
        panel.status(None)
        panel.alert(outcome.message, critical=outcome.warning)
    except Exception as exc:  # every failure becomes a message, never a VBA dialog
        log = write_log(folder, action, started, book)
        text = failure_message(action, exc, log)
        try:
            panel.write_results(result_rows(action, started, "エラー", Outcome(message=text)))
        except Exception:  # the message box below still tells the user
            append_log(log, "実行結果シートに書けませんでした:\n" + traceback.format_exc())
        panel.status(None)
        try:
            panel.alert(text, critical=True)
        except Exception:
            append_log(log, "メッセージを表示できませんでした:\n" + traceback.format_exc())
            fallback_message(text)


def xlwings_mismatch(panel: _Panel) -> str | None:
    """A coded note when the panel's VBA module and the installed xlwings differ, else None.

    RunPython mostly works across versions, so the run's result stands; the note says how to
    line them up before a difference breaks a click.
    """
    from kpitool.doctor import facts_from_rows, installed_xlwings

    try:
        rows = panel.sheet(XLWINGS_CONF_SHEET).range(XLWINGS_CONF_RANGE).value
    except Exception:  # no conf sheet: nothing to compare
        return None
    embedded = facts_from_rows(rows or [], "").xlwings_version
    installed = installed_xlwings()
    if not embedded or embedded == installed:
        return None
    return (f"[{XL_XLWINGS_MISMATCH}] パネルの xlwings（VBA）は {embedded}、Python の xlwings は {installed} で、"
            f"版が違います。{RUN_CODES[XL_XLWINGS_MISMATCH].hint}")


def _caller_book() -> xw.Book:
    import xlwings as xw

    return xw.Book.caller()


def button_functions() -> dict[str, Callable[..., None]]:
    """The public button functions by name: the panel binds one button to each."""
    return {f.__name__: f for f in (validate_button, consolidate_button, template_button, audit_button, doctor_button)}
