"""The findings report (``kpitool validate --report findings.xlsx``) for the planning office.

One workbook for a whole validation run: every finding with its key columns first (重要度,
コード, ファイル, シート, セル), one row per file with its verdict and hash, and the count per
code. Columns are fitted to their contents, headers are frozen and filtered, and every value is
written as text (a value such as ``=SUM(…)`` stays a string). Written atomically.
"""

from __future__ import annotations

import io
import unicodedata
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpitool.codes import CATALOGUE
from kpitool.findings import FINDING_COLUMNS
from kpitool.page_setup import fit_widths, landscape_xlsxwriter, wrapped_row_height

if TYPE_CHECKING:
    from kpitool.validate import FileResult

FONT = "BIZ UDPゴシック"
FINDINGS_SHEET = "検証結果"
FILES_SHEET = "ファイル別"
CODES_SHEET = "コード別"
FILE_COLUMNS = ("ファイル", "部局名", "判定", "エラー", "警告", "サイズ（バイト）", "SHA-256")
CODE_COLUMNS = ("コード", "重要度", "内容", "件数", "ファイル数")
MAX_WIDTH = 60  # characters; longer texts wrap


def display_width(text: str) -> int:
    """Columns a text takes in a monospace terminal or an Excel column: 全角 counts 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` display columns (… marks a cut) and padded to it."""
    text = text.replace("\n", "↵")
    if display_width(text) > width:
        while display_width(text) > width - 1:
            text = text[:-1]
        text += "…"
    return text + " " * (width - display_width(text))


def report_rows(results: Sequence[FileResult]) -> list[list[str]]:
    """One row per finding in FINDING_COLUMNS order; a finding without a file gets the result's."""
    rows = []
    for result in results:
        for finding in result.report.findings:
            row = [str(getattr(finding, key)) for key, _label in FINDING_COLUMNS]
            if not finding.file:
                row[[k for k, _ in FINDING_COLUMNS].index("file")] = result.name
            rows.append(row)
    return rows


def file_rows(results: Sequence[FileResult]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for r in results:
        department = r.facts.department if r.facts is not None else ""
        rows.append([r.name, department, r.status, r.report.errors, r.report.warnings, r.size, r.sha256])
    return rows


def code_rows(results: Sequence[FileResult]) -> list[list[Any]]:
    counts: Counter[str] = Counter()
    files: Counter[str] = Counter()
    for r in results:
        per_file = r.report.counts()
        counts.update(per_file)
        files.update(per_file.keys())
    return [[code, str(CATALOGUE[code].severity), CATALOGUE[code].title, counts[code], files[code]]
            for code in sorted(counts)]


def build_findings_report(results: Sequence[FileResult]) -> bytes:
    """The report workbook as bytes (XlsxWriter, in memory)."""
    from kpitool.xlsx_text import text_workbook

    out = io.BytesIO()
    wb = text_workbook(out, FONT, 10, in_memory=True)  # a quoted input value stays as typed
    wb.set_properties({"title": "kpitool 検証結果", "author": "kpitool"})
    header = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "valign": "top"})
    text = wb.add_format({"valign": "top", "text_wrap": True})
    error = wb.add_format({"valign": "top", "bg_color": "#FFC7CE"})
    warning = wb.add_format({"valign": "top", "bg_color": "#FFEB9C"})
    number = wb.add_format({"valign": "top", "num_format": "#,##0"})
    severity_formats = {"エラー": error, "警告": warning, "要修正": error, "警告あり": warning, "number": number}
    _table(wb.add_worksheet(FINDINGS_SHEET), [label for _k, label in FINDING_COLUMNS], report_rows(results),
           header, text, severity_formats, severity_column=0)
    # SHA-256 stays on screen for the auditor; on paper it would only crowd the page.
    _table(wb.add_worksheet(FILES_SHEET), list(FILE_COLUMNS), file_rows(results), header, text,
           severity_formats, severity_column=2, printed_columns=len(FILE_COLUMNS) - 1)
    _table(wb.add_worksheet(CODES_SHEET), list(CODE_COLUMNS), code_rows(results), header, text,
           severity_formats, severity_column=1)
    wb.close()
    return out.getvalue()


def _table(
    ws: Any,
    headers: list[str],
    rows: list[list[Any]],
    header: Any,
    text: Any,
    severity_formats: dict[str, Any],
    *,
    severity_column: int,
    printed_columns: int | None = None,
) -> None:
    """Headers, rows (numbers as numbers, everything else as text), fitted widths, filter, freeze.

    Printed A4 landscape one page wide: the columns that would make the page too wide for
    8 pt text are narrowed (their text wraps), and the header row repeats on every page.
    """
    ws.write_row(0, 0, headers, header)
    number = severity_formats["number"]
    widths = [display_width(h) for h in headers]
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if isinstance(value, int | float) and not isinstance(value, bool):
                ws.write_number(r, c, value, number)
                shown = f"{value:,}"
            else:
                shown = str(value)
                fmt = severity_formats.get(shown, text) if c == severity_column else text
                if shown:
                    ws.write_string(r, c, shown, fmt)
                else:
                    ws.write_blank(r, c, None, fmt)  # a blank filters as (空白セル), not as ""
            widths[c] = max(widths[c], max((display_width(line) for line in shown.split("\n")), default=0))
    printed = len(headers) if printed_columns is None else printed_columns
    fitted = [min(width + 2, MAX_WIDTH) for width in widths]
    fitted[:printed] = fit_widths(fitted[:printed])
    for c, width in enumerate(fitted):
        ws.set_column(c, c, width)
    for r, row in enumerate(rows, start=1):
        height = wrapped_row_height((v, w) for v, w in zip(row[:printed], fitted, strict=False) if isinstance(v, str))
        if height:
            ws.set_row(r, height)
    ws.autofilter(0, 0, max(len(rows), 1), len(headers) - 1)
    ws.freeze_panes(1, 0)
    landscape_xlsxwriter(ws, repeat_rows=(0, 0), print_area=(0, 0, max(len(rows), 1), printed - 1),
                         header=f"kpitool 検証結果　{ws.name}")


# --- the terminal and --json ------------------------------------------------------------

TEXT_COLUMNS = (("severity", "重要度", 6), ("code", "コード", 12), ("location", "場所", 18),
                ("label", "項目", 14), ("value", "入力値", 16))


def summary_line(results: Sequence[FileResult]) -> str:
    """``7ファイルを検証しました。問題なし 4、警告あり 1、要修正 1、重複 1（エラー 5件・警告 3件）。``

    Superseded files (重複) and files tied with another (要確認) are counted only when there are
    any; the findings of a superseded file are not open, so they are not counted.
    """
    statuses = Counter(r.status for r in results)
    open_results = [r for r in results if not r.superseded]
    errors = sum(r.report.errors for r in open_results)
    warnings = sum(r.report.warnings for r in open_results)
    extra = "".join(f"、{status} {statuses[status]}" for status in ("重複", "要確認") if statuses[status])
    return (f"{len(results)}ファイルを検証しました。問題なし {statuses['問題なし']}、警告あり {statuses['警告あり']}、"
            f"要修正 {statuses['要修正']}{extra}（エラー {errors}件・警告 {warnings}件）。")


def text_lines(results: Sequence[FileResult]) -> list[str]:
    """The terminal table: a line per file, then its findings under aligned Japanese headers.

    A superseded file (重複) gets one line saying which file counts instead: its findings are
    not open (the department's newer file is the one to fix).
    """
    from kpitool.paths import display_name

    lines = []
    for r in results:
        if r.superseded:
            name = display_name(r.name)
            lines.append(f"{name}: {r.status} — {r.note}" if r.note else f"{name}: {r.status}")
            continue
        if not r.report.findings:
            lines.append(f"{display_name(r.name)}: {r.status}")
            continue
        lines.append(f"{display_name(r.name)}: {r.status}（エラー {r.report.errors}件・警告 {r.report.warnings}件）")
        lines.append("  " + "".join(_fit(label, width) + " " for _key, label, width in TEXT_COLUMNS) + "説明")
        for f in r.report.findings:
            cells = "".join(_fit(str(getattr(f, key)), width) + " " for key, _label, width in TEXT_COLUMNS)
            lines.append(f"  {cells}{f.message}".rstrip())
    return lines


def results_json(results: Sequence[FileResult]) -> dict[str, Any]:
    """The run as plain data for scripts (``--json``): a summary and every finding per file."""
    statuses = Counter(r.status for r in results)
    return {
        "summary": {
            "files": len(results),
            "ok": statuses["問題なし"],
            "warnings_only": statuses["警告あり"],
            "needs_fix": statuses["要修正"],
            "superseded": statuses["重複"],
            "undecided": statuses["要確認"],
            "errors": sum(r.report.errors for r in results),
            "warnings": sum(r.report.warnings for r in results),
        },
        "files": [
            {
                "file": r.name,
                "path": str(r.path),
                "department": r.facts.department if r.facts is not None else "",
                "status": r.status,
                "note": r.note,
                "ok": r.report.ok,
                "errors": r.report.errors,
                "warnings": r.report.warnings,
                "size": r.size,
                "sha256": r.sha256,
                "findings": [f.as_dict() for f in r.report.findings],
            }
            for r in results
        ],
    }


def write_findings_report(results: Sequence[FileResult], path: Path) -> Path:
    """Write the report for ``results`` to ``path`` atomically (the old file is kept on failure).

    Raises :class:`~kpitool.errors.MasterLocked` when ``path`` is open in Excel and
    :class:`~kpitool.errors.WriteFailed` when it cannot be written.
    """
    from kpitool.safe_write import atomic_write_bytes

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, build_findings_report(results))
    return path
