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
import re
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from kpitool import __version__
from kpitool.dates import western_year
from kpitool.errors import (
    MASTER_LOCKED,
    RUN_CODES,
    RUN_IN_PROGRESS,
    WRITE_FAILED,
    XL_ACCESS_FAILED,
    XL_LOCATION_UNKNOWN,
    XL_SETTING_INVALID,
    XL_SHEET_MISSING,
    XL_UNEXPECTED,
    XL_XLWINGS_MISMATCH,
    InputError,
    KpitoolError,
)

if TYPE_CHECKING:
    import xlwings as xw

    from kpitool.config import Config

SETTINGS_SHEET = "設定"
RESULTS_SHEET = "実行結果"
PANEL_SHEET = "操作"
XLWINGS_CONF_SHEET = "xlwings.conf"
XLWINGS_CONF_RANGE = "A1:B30"
LOG_FILENAME = "kpitool_error.log"
JST = dt.timezone(dt.timedelta(hours=9), "JST")  # fixed offset: Windows has no tz database
SETTINGS_RANGE = "A1:C60"  # where the 設定 labels are looked for
MAX_TABLE_ROWS = 10_000  # more rows than anyone reads in a message sheet; the rest is summarised
# 提出状況 columns shown in 実行結果 (the master has them all, hashes included).
SUBMISSION_SUMMARY_COLUMNS = ("department", "status", "included", "file", "errors", "warnings", "note")
DISCREPANCY_LABELS = {"code": "コード", "file": "ファイル", "sheet": "シート", "cell": "セル", "message": "内容"}


class PanelError(KpitoolError):
    """The control panel itself is unusable: a sheet, a setting or its location is wrong."""

    code = XL_SHEET_MISSING


@dataclass(frozen=True)
class Setting:
    """One row of the ``設定`` sheet: the label the user sees, its default and a hint."""

    key: str
    label: str
    default: str | int
    description: str
    required: bool = True
    row_optional: bool = False  # added after panels were handed out: a missing row means the default


SETTINGS: tuple[Setting, ...] = (
    Setting("config", "設定ファイル", "kpitool.toml",
            "自治体名・年度・部局の名簿を書いた設定ファイル（kpitool.toml）。"),
    Setting("inbox", "受付フォルダ", "inbox",
            "部局から届いた提出ファイル（.xlsx）を置くフォルダ。"),
    Setting("master", "集約ファイル", "kpi_集約.xlsx",
            "［集約・実績調査］で作成する集約ファイル。［監査］はこのファイルを確かめます。"),
    Setting("template_dir", "提出様式の出力先", "提出様式",
            "［提出様式を作成］で様式を書き出すフォルダ（無ければ作成します）。"),
    Setting("fiscal_year", "当年度（西暦）", "",
            "空欄なら設定ファイルの年度。2023 または 令和5 と書くと、前年度（2022）と比べます。",
            required=False),
    Setting("report", "検証結果の一覧", "検証結果.xlsx",
            "［検証］で書き出す、すべての指摘の一覧（.xlsx）。コマンドの kpitool validate --report と同じものです。",
            row_optional=True),
    Setting("return_copies", "差し戻しフォルダ", "差し戻し",
            "［検証］で、指摘のあるファイルごとに問題のセルに印を付けたコピーを作るフォルダ。"
            "直って問題がなくなったファイルの古いコピーは、中の「修正済み」フォルダに移します。",
            row_optional=True),
)


@dataclass(frozen=True)
class PanelSettings:
    """The settings of one run, paths already resolved against the workbook's folder."""

    folder: Path
    config: Path
    inbox: Path
    master: Path
    template_dir: Path
    fiscal_year: int | None = None
    report: Path | None = None
    return_copies: Path | None = None


@dataclass
class Outcome:
    """What a button reports: the message box text, a summary and one table for 実行結果."""

    message: str
    summary: list[tuple[str, Any]] = field(default_factory=list)
    table_title: str = ""
    table: list[list[Any]] = field(default_factory=list)  # header row first
    warning: bool = False  # the run worked but found problems: the box gets a warning icon


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
        sheet.range("A1").value = [[_cell(v) for v in r] + [None] * (width - len(r)) for r in rows]
        with contextlib.suppress(Exception):  # showing the sheet is a convenience
            sheet.activate()


def _validate(panel: _Panel, settings: PanelSettings) -> Outcome:
    from kpitool.findings import FINDING_COLUMNS
    from kpitool.pipeline import run_validation

    config = _load_config(settings)
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

    config = _load_config(settings)
    if not settings.inbox.is_dir():
        raise InputError(f"受付フォルダが見つかりません: {settings.inbox}")
    run = run_consolidation(settings.inbox, config, settings.master, panel.progress("集約"),
                            on_stage=lambda text: panel.status(f"kpitool: {text}"))
    consolidation, outputs = run.consolidation, run.outputs
    written = outputs.master
    counts = [(status, n) for status, n in consolidation.counts().items() if n]
    submissions = _frame_rows(consolidation.submissions, labels=LABELS, columns=SUBMISSION_SUMMARY_COLUMNS)
    findings = _frame_rows(consolidation.findings, labels=dict(FINDING_COLUMNS))
    tally = "、".join(f"{status} {n}" for status, n in counts)
    message = (
        f"集約ファイルを作成しました。\n{written}\n"
        + (f"提出状況: {tally}\n" if tally else "")
        + "提出状況と指摘の一覧は「実行結果」シートにもあります。"
    )
    return Outcome(
        message=message,
        summary=[*counts, ("実績調査の行数", len(consolidation.survey)),
                 ("指摘の件数", len(consolidation.findings)), ("集約ファイル", str(written)),
                 *(("CSV（オープンデータ）", str(csv)) for csv in outputs.csvs)],
        table_title="提出状況",
        table=[*submissions, *([[], ["指摘の一覧"], *findings] if len(findings) > 1 else [])],
    )


def _template(panel: _Panel, settings: PanelSettings) -> Outcome:
    from kpitool.template import template_filename, write_template

    config = _load_config(settings)
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
    discrepancies = _frame_rows(report.discrepancies, labels=DISCREPANCY_LABELS, columns=tuple(DISCREPANCY_LABELS))
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
        log = _write_log(None, action, started, None)
        _fallback_message(f"[{XL_UNEXPECTED}] Excel のブックに接続できなかったため、{action}を実行できませんでした。\n"
                          f"詳細はログファイルをご覧ください:\n{log}")
        return
    panel = _Panel(book)
    folder: Path | None = None
    try:
        panel.status(f"kpitool: {action}を実行中…")
        folder = workbook_folder(book)
        settings = read_settings(panel, folder) if needs_settings else _folder_only(folder)
        outcome = body(panel, settings)
        if mismatch := xlwings_mismatch(panel):
            outcome = replace(outcome, message=f"{outcome.message}\n\n{mismatch}", warning=True,
                              summary=[*outcome.summary, ("xlwings の版", mismatch)])
        panel.write_results(_result_rows(action, started, "正常終了", outcome))
        panel.status(None)
        panel.alert(outcome.message, critical=outcome.warning)
    except Exception as exc:  # every failure becomes a message, never a VBA dialog
        log = _write_log(folder, action, started, book)
        text = failure_message(action, exc, log)
        try:
            panel.write_results(_result_rows(action, started, "エラー", Outcome(message=text)))
        except Exception:  # the message box below still tells the user
            _append_log(log, "実行結果シートに書けませんでした:\n" + traceback.format_exc())
        panel.status(None)
        try:
            panel.alert(text, critical=True)
        except Exception:
            _append_log(log, "メッセージを表示できませんでした:\n" + traceback.format_exc())
            _fallback_message(text)


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


# What to do, by code (or by group); the exception's own message says what happened.
_HINTS = {
    **{code: RUN_CODES[code].hint for code in (MASTER_LOCKED, RUN_IN_PROGRESS, WRITE_FAILED)},
    "E-CFG": "「設定」シートの「設定ファイル」と、その中身を確認してください。",
    "E-RUN": "「設定」シートのフォルダやファイルの指定を確認してください。",
}


def failure_message(action: str, exc: BaseException, log: Path | None) -> str:
    """The Japanese message box text for a failure: code, what happened, what to do; no traceback."""
    where = f"\n\n詳細はログファイルに記録しました:\n{log}" if log else ""
    if isinstance(exc, KpitoolError):
        hint = _HINTS.get(exc.code) or _HINTS.get(exc.code.rsplit("-", 1)[0], "")
        return f"[{exc.code}] {action}を実行できませんでした。\n{exc.message_ja}" + (f"\n\n{hint}" if hint else "") + where
    if isinstance(exc, OSError):
        target = exc.filename or ""
        reason = {
            PermissionError: "アクセスが拒否されました（ファイルを他の人が開いているか、権限がありません）",
            FileNotFoundError: "見つかりません",
        }.get(type(exc), "読み書きできません")
        return (
            f"[{XL_ACCESS_FAILED}] {action}を実行できませんでした。\n"
            f"ファイルまたはフォルダ {target} に{reason}。\n\n"
            + RUN_CODES[XL_ACCESS_FAILED].hint + where
        )
    return (
        f"[{XL_UNEXPECTED}] 予期しないエラーのため、{action}を中止しました。\n"
        "お手数ですが、下のログファイルを kpitool の担当者に送ってください。" + where
    )


def read_settings(panel: _Panel, folder: Path) -> PanelSettings:
    """Read the ``設定`` sheet by its labels (rows may be moved or inserted) and resolve paths."""
    values = panel.sheet(SETTINGS_SHEET).range(SETTINGS_RANGE).value
    by_label: dict[str, Any] = {}
    for row in values:
        if row and isinstance(row[0], str) and row[0].strip():
            by_label.setdefault(row[0].strip(), row[1] if len(row) > 1 else None)
    raw: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.label not in by_label and setting.row_optional:
            raw[setting.key] = setting.default
            continue
        if setting.label not in by_label:
            raise PanelError(
                f"「設定」シートに「{setting.label}」の行がありません（A列の項目名を元に戻してください）。",
                code=XL_SHEET_MISSING,
            )
        value = by_label[setting.label]
        if setting.required and (value is None or str(value).strip() == ""):
            raise PanelError(f"「設定」シートの「{setting.label}」が空欄です。", code=XL_SETTING_INVALID)
        raw[setting.key] = value

    def path(key: str) -> Path:
        return Path(resolve_path(_text(raw[key]), folder))

    return PanelSettings(
        folder=folder,
        config=path("config"),
        inbox=path("inbox"),
        master=path("master"),
        template_dir=path("template_dir"),
        fiscal_year=parse_fiscal_year(raw["fiscal_year"]),
        report=path("report"),
        return_copies=path("return_copies"),
    )


def _folder_only(folder: Path) -> PanelSettings:
    """Settings for a button that reads none (診断 must work when 設定 is broken)."""
    return PanelSettings(folder=folder, config=folder, inbox=folder, master=folder, template_dir=folder)


def resolve_path(value: str, folder: PurePath) -> PurePath:
    """A path typed in 設定, relative to the workbook's folder unless absolute (drive or UNC).

    Quotes from Explorer's「パスのコピー」are removed. The result has the flavour of
    ``folder``, so Windows paths (``C:\\…``, ``\\\\server\\share\\…``) are handled the Windows
    way even when tested elsewhere.
    """
    text = value.strip().strip('"').strip()
    if not text:
        raise PanelError("パスが空欄です。", code=XL_SETTING_INVALID)
    candidate = type(folder)(text)
    return candidate if candidate.is_absolute() else folder / candidate


_REIWA = re.compile(r"^(?:令和|R)\s*(\d{1,2})(?:年度?)?$", re.IGNORECASE)
_SEIREKI = re.compile(r"^(\d{4})(?:年度?)?$")


def parse_fiscal_year(value: Any) -> int | None:
    """当年度 as typed: 2023, 2023.0 (Excel numbers), '2023年度', '令和5', 'R5'; blank is None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        year = None
    elif isinstance(value, int | float) and float(value).is_integer():
        year = int(value)
    else:
        text = str(value).strip().translate(str.maketrans("０１２３４５６７８９Ｒｒ", "0123456789Rr"))
        if match := _SEIREKI.match(text):
            year = int(match.group(1))
        elif match := _REIWA.match(text):
            year = western_year("令和", int(match.group(1)))
        else:
            year = None
    if year is None or not 2020 <= year <= 2100:
        raise PanelError(
            f"「設定」シートの当年度「{value}」を年度として読めません。2023 や 令和5 のように書くか、"
            "空欄にしてください。",
            code=XL_SETTING_INVALID,
        )
    return year


_ONEDRIVE_UNKNOWN = (
    "このブックは OneDrive/SharePoint 上で開かれているため、保存場所のフォルダが分かりません。"
    "PC またはファイルサーバーのフォルダに保存してから実行してください。"
)


def _is_xlwings_error(exc: BaseException) -> bool:
    try:
        from xlwings import XlwingsError
    except ImportError:  # pragma: no cover - xlwings is a dependency
        return False
    return isinstance(exc, XlwingsError)


def workbook_folder(book: xw.Book) -> Path:
    """The folder of the calling workbook: relative settings and the log file live there.

    A workbook synced with OneDrive/SharePoint reports a URL; xlwings knows how to map it to
    the local sync folder, and when it cannot, the user is told to save the file locally.
    """
    try:
        fullname = str(book.fullname)
    except Exception as exc:
        # On Windows, xlwings maps a OneDrive/SharePoint URL inside Book.fullname and raises
        # XlwingsError when the file is not synced locally: the same situation as below.
        if not _is_xlwings_error(exc):
            raise
        raise PanelError(_ONEDRIVE_UNKNOWN, code=XL_LOCATION_UNKNOWN) from None
    if "://" in fullname:
        try:
            from xlwings.utils import fullname_url_to_local_path

            return Path(fullname_url_to_local_path(fullname)).parent
        except Exception:  # any failure means: we cannot know the folder
            raise PanelError(_ONEDRIVE_UNKNOWN, code=XL_LOCATION_UNKNOWN) from None
    path = Path(fullname)
    if not path.is_absolute():
        raise PanelError(
            "このブックはまだ保存されていません。受付フォルダなどの相対パスはブックのフォルダを基準にするため、"
            "先にブックを保存してください。",
            code=XL_LOCATION_UNKNOWN,
        )
    return path.parent


def _load_config(settings: PanelSettings) -> Config:
    from kpitool.config import load_config

    config = load_config(settings.config)
    if settings.fiscal_year is not None:
        config = replace(config, fiscal_years=(settings.fiscal_year - 1, settings.fiscal_year))
    return config


def _result_rows(action: str, started: dt.datetime, result: str, outcome: Outcome) -> list[list[Any]]:
    """The 実行結果 sheet: what ran, when, the outcome, the summary, then the table."""
    rows: list[list[Any]] = [
        ["実行結果"],
        ["操作", action],
        ["実行日時", started.strftime("%Y-%m-%d %H:%M:%S JST")],
        ["結果", result],
        ["メッセージ", outcome.message],
        ["kpitool", __version__],
    ]
    if outcome.summary:
        rows += [[], ["概要"], *([label, value] for label, value in outcome.summary)]
    if outcome.table:
        table = outcome.table
        if len(table) > MAX_TABLE_ROWS + 1:
            omitted = len(table) - MAX_TABLE_ROWS - 1
            table = [*table[: MAX_TABLE_ROWS + 1], [f"ほか {omitted}行は省略しました。"]]
        rows += [[], [outcome.table_title], *table]
    return rows


def _cell(value: Any) -> Any:
    """Text that Excel would read as a formula (= + - @) is kept as text with a leading '."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and len(value) > 1:
        return "'" + value
    return value


def _frame_rows(
    data: Any,
    *,
    labels: dict[str, str] | None = None,
    columns: Sequence[str] | None = None,
    default_header: str = "内容",
) -> list[list[Any]]:
    """A header row (Japanese labels where known) plus data rows.

    ``data`` is a DataFrame, a list of dataclass records or dicts, or a list of plain values;
    ``columns`` picks and orders the columns that exist.
    """
    labels = labels or {}
    if data is None:
        return []
    if hasattr(data, "columns") and hasattr(data, "itertuples"):
        keys = [c for c in (columns or data.columns) if c in data.columns]
        frame = data[keys]
        rows = [[_plain(v) for v in row] for row in frame.itertuples(index=False, name=None)]
        return [[labels.get(str(k), str(k)) for k in keys], *rows]
    items = list(data)
    if not items:
        return []
    first = items[0]
    if hasattr(first, "__dataclass_fields__") or isinstance(first, dict):
        fields = list(first) if isinstance(first, dict) else list(first.__dataclass_fields__)
        keys = [k for k in (columns or fields) if k in fields]

        def get(item: Any, key: str) -> Any:
            return item.get(key) if isinstance(item, dict) else getattr(item, key)

        return [[labels.get(k, k) for k in keys], *([_plain(get(item, k)) for k in keys] for item in items)]
    if isinstance(first, list | tuple):
        return [[default_header], *([_plain(v) for v in item] for item in items)]
    return [[default_header], *([_plain(item)] for item in items)]


def _plain(value: Any) -> Any:
    """A value xlwings can write on any engine: numbers and text stay, the rest becomes text."""
    if isinstance(value, bool):
        return "はい" if value else "いいえ"  # TRUE/FALSE means little to the reader of 実行結果
    if value is None or isinstance(value, int | float | str):
        if isinstance(value, float) and value != value:  # NaN
            return None
        return value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalar
        try:
            return _plain(value.item())
        except (TypeError, ValueError):
            pass
    return str(value)


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _caller_book() -> xw.Book:
    import xlwings as xw

    return xw.Book.caller()


def _write_log(folder: Path | None, action: str, started: dt.datetime, book: Any) -> Path | None:
    """Append the current traceback to the log beside the workbook (or in %TEMP%); return it."""
    lines = [
        f"===== {started.strftime('%Y-%m-%d %H:%M:%S JST')}  {action}  kpitool {__version__}  "
        f"Python {sys.version.split()[0]} =====",
    ]
    if book is not None:
        with contextlib.suppress(Exception):
            lines.append(f"ブック: {book.fullname}")
    lines.append(traceback.format_exc())
    text = "\n".join(lines) + "\n"
    for directory in ([folder] if folder else []) + [Path(tempfile.gettempdir())]:
        log = directory / LOG_FILENAME
        if _append_log(log, text):
            return log
    return None


def _append_log(log: Path | None, text: str) -> bool:
    if log is None:
        return False
    try:
        # utf-8-sig writes the BOM only at the start of a new file, so Notepad shows Japanese.
        with log.open("a", encoding="utf-8-sig", newline="\r\n") as handle:
            handle.write(text)
        return True
    except OSError:
        return False


def _fallback_message(text: str) -> None:
    """Show a message without Excel's help (Windows), or print it where a console can see it."""
    if sys.platform.startswith("win"):
        try:
            import ctypes

            ctypes.windll.user32.MessageBoxW(None, text, "kpitool", 0x10)  # MB_ICONERROR
            return
        except Exception:
            pass
    print(text, file=sys.stderr)


def button_functions() -> dict[str, Callable[..., None]]:
    """The public button functions by name: the panel binds one button to each."""
    return {f.__name__: f for f in (validate_button, consolidate_button, template_button, audit_button, doctor_button)}
