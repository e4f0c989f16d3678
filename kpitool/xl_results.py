"""What a button shows: the 実行結果 rows, the message box text of a failure, the log file.

:mod:`kpitool.xl` builds an :class:`Outcome` per run; this module turns it into rows for the
実行結果 sheet (text that would read as a formula kept as text), turns an exception into a
coded Japanese message, and appends the traceback to a log beside the workbook.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
import tempfile
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpitool import __version__
from kpitool.errors import (
    MASTER_LOCKED,
    RUN_CODES,
    RUN_IN_PROGRESS,
    WRITE_FAILED,
    XL_ACCESS_FAILED,
    XL_UNEXPECTED,
    KpitoolError,
)

if TYPE_CHECKING:

    pass

# 提出状況 columns shown in 実行結果 (the master has them all, hashes included).


LOG_FILENAME = "kpitool_error.log"
JST = dt.timezone(dt.timedelta(hours=9), "JST")  # fixed offset: Windows has no tz database
MAX_TABLE_ROWS = 10_000  # more rows than anyone reads in a message sheet; the rest is summarised


@dataclass
class Outcome:
    """What a button reports: the message box text, a summary and one table for 実行結果."""

    message: str
    summary: list[tuple[str, Any]] = field(default_factory=list)
    table_title: str = ""
    table: list[list[Any]] = field(default_factory=list)  # header row first
    warning: bool = False  # the run worked but found problems: the box gets a warning icon


# What to do, by code (or by group); the exception's own message says what happened.
HINTS = {
    **{code: RUN_CODES[code].hint for code in (MASTER_LOCKED, RUN_IN_PROGRESS, WRITE_FAILED)},
    "E-CFG": "「設定」シートの「設定ファイル」と、その中身を確認してください。",
    "E-RUN": "「設定」シートのフォルダやファイルの指定を確認してください。",
}


def failure_message(action: str, exc: BaseException, log: Path | None) -> str:
    """The Japanese message box text for a failure: code, what happened, what to do; no traceback."""
    where = f"\n\n詳細はログファイルに記録しました:\n{log}" if log else ""
    if isinstance(exc, KpitoolError):
        hint = HINTS.get(exc.code) or HINTS.get(exc.code.rsplit("-", 1)[0], "")
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


def result_rows(action: str, started: dt.datetime, result: str, outcome: Outcome) -> list[list[Any]]:
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


def excel_cell(value: Any) -> Any:
    """Text that Excel would read as a formula (= + - @) is kept as text with a leading '."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and len(value) > 1:
        return "'" + value
    return value


def frame_rows(
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
        from kpitool.table import Table

        keys = [c for c in (columns or data.columns) if c in data.columns]
        frame = data.select(keys) if isinstance(data, Table) else data[keys]
        rows = [[plain(v) for v in row] for row in frame.itertuples(index=False, name=None)]
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

        return [[labels.get(k, k) for k in keys], *([plain(get(item, k)) for k in keys] for item in items)]
    if isinstance(first, list | tuple):
        return [[default_header], *([plain(v) for v in item] for item in items)]
    return [[default_header], *([plain(item)] for item in items)]


def plain(value: Any) -> Any:
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
            return plain(value.item())
        except (TypeError, ValueError):
            pass
    return str(value)


def write_log(folder: Path | None, action: str, started: dt.datetime, book: Any) -> Path | None:
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
        if append_log(log, text):
            return log
    return None


def append_log(log: Path | None, text: str) -> bool:
    if log is None:
        return False
    try:
        # utf-8-sig writes the BOM only at the start of a new file, so Notepad shows Japanese.
        with log.open("a", encoding="utf-8-sig", newline="\r\n") as handle:
            handle.write(text)
        return True
    except OSError:
        return False


def fallback_message(text: str) -> None:
    """Show a message without Excel's help (Windows), or print it where a console can see it."""
    if sys.platform.startswith("win"):
        try:
            import ctypes

            ctypes.windll.user32.MessageBoxW(None, text, "kpitool", 0x10)  # MB_ICONERROR
            return
        except Exception:
            pass
    print(text, file=sys.stderr)
