"""The return copy (差し戻し用のコピー): the department's own workbook with its problems marked.

For each file with findings, a copy of the workbook exactly as the department sent it, plus a
``検証結果`` sheet first (every finding, with a link to its cell) and, on each problem cell, a
fill colour and a Japanese comment saying what is wrong and how to fix it. Colour is never the
only signal (the comment and the sheet carry the words). Everything else stays: values, rich
text, the template's data validations and input messages, tables, protection, the hidden
identity sheet. The original is only read, and the copy is written atomically elsewhere.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kpitool.errors import RETURN_COPY_FAILED, KpitoolError
from kpitool.findings import FINDING_COLUMNS, Finding, Severity
from kpitool.page_setup import fit_widths, landscape_openpyxl, wrapped_row_height

if TYPE_CHECKING:
    from openpyxl import Workbook

    from kpitool.validate import FileResult

RESULT_SHEET = "検証結果"
SUFFIX = "_検証結果"
FONT = "BIZ UDPゴシック"
ERROR_FILL = "FFC7CE"  # light red
WARNING_FILL = "FFEB9C"  # light yellow
INFO_FILL = "E2EFDA"  # light green: a suggestion, not a problem
HEADER_FILL = "DDEBF7"
COMMENT_AUTHOR = "kpitool"
TABLE_ROW = 5  # header row of the findings table on the 検証結果 sheet
COLUMNS = tuple((key, label) for key, label in FINDING_COLUMNS if key != "file")
# Screen widths, narrowed for A4 landscape by fit_widths (the long texts wrap).
WIDTHS = dict(zip(
    (key for key, _label in COLUMNS),
    fit_widths([{"severity": 7, "code": 12, "sheet": 13, "cell": 6, "label": 14, "value": 16,
                 "title": 24, "message": 44, "hint": 40}.get(key, 12) for key, _label in COLUMNS]),
    strict=True,
))


class ReturnCopyError(KpitoolError):
    """A return copy could not be made for one file (the run goes on with the others)."""

    code = RETURN_COPY_FAILED


MAX_COPY_BYTES = 16 * 2**20
"""Largest uncompressed workbook copied: openpyxl rewrites every cell, so a copy of a 60 MB
sheet would take minutes where validation stopped in a second (issue 16). A filled template
is well under 1 MiB."""

NO_COPY_CODES = frozenset({"E-TPL-001", "E-STRUCT-004", "E-FILE-011"})
"""Findings after which no copy is made: not the template (a department's own workbook gains
nothing from marks), or too many rows to rewrite in bounded time."""


def full_return_copy_name(path: Path) -> str:
    """``05_地域支援部.xlsx`` -> ``05_地域支援部_検証結果.xlsx`` (a macro workbook stays .xlsm)."""
    return f"{path.stem}{_tail(path)}"


def _tail(path: Path) -> str:
    return f"{SUFFIX}{path.suffix.lower() if path.suffix.lower() == '.xlsm' else '.xlsx'}"


def return_copy_name(path: Path) -> str:
    """:func:`full_return_copy_name`, its stem shortened when the name (and the temp file
    written beside it) would pass the file system's 255 bytes (issue 16)."""
    from kpitool.paths import fit_name

    return fit_name(path.stem, _tail(path))


def write_return_copy(result: FileResult, out_dir: Path, *, destination: str = "") -> Path:
    """Write the return copy of one validated file into ``out_dir``; returns its path.

    ``destination`` (the config's 提出先, e.g. 「企画課（内線 1234）」) is named where the copy
    says to send the corrected file.

    Raises :class:`ReturnCopyError` with a Japanese reason when there is nothing to copy (the
    file could not be read as a workbook), when the file changed since it was validated, or
    when openpyxl cannot rewrite it.
    """
    from kpitool.safe_write import atomic_write_bytes

    if result.facts is None:
        raise ReturnCopyError(f"{result.name}: Excelのブックとして読めないため、差し戻し用のコピーは作成できません。")
    stop = sorted({f.code for f in result.report.findings} & NO_COPY_CODES)
    if stop:
        raise ReturnCopyError(
            f"{result.name}: 提出様式ではないか、行が多すぎるため（{'、'.join(stop)}）、"
            "差し戻し用のコピーは作成しません。指摘の一覧を添えて部局に再提出を依頼してください。"
        )
    if result.facts.uncompressed_size > MAX_COPY_BYTES:
        raise ReturnCopyError(
            f"{result.name}: 展開後の大きさが{MAX_COPY_BYTES // 2**20} MiBを超えるため、"
            "差し戻し用のコピーは作成しません。指摘の一覧を添えて部局に再提出を依頼してください。"
        )
    try:
        data = result.path.read_bytes()
    except OSError as exc:
        raise ReturnCopyError(f"{result.name}: ファイルを読めません（{exc.strerror}）。") from None
    if hashlib.sha256(data).hexdigest() != result.sha256:
        raise ReturnCopyError(f"{result.name}: 検証の後でファイルが変更されました。もう一度検証してください。")
    try:
        copy = build_return_copy(data, result.report.findings, macros=result.path.suffix.lower() == ".xlsm",
                                 destination=destination)
    except Exception as exc:  # openpyxl on a workbook it cannot rewrite
        raise ReturnCopyError(
            f"{result.name}: 差し戻し用のコピーを作成できませんでした（{type(exc).__name__}）。"
        ) from exc
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / return_copy_name(result.path)
    atomic_write_bytes(target, copy)
    return target


def build_return_copy(data: bytes, findings: Sequence[Finding], *, macros: bool = False,
                      destination: str = "") -> bytes:
    """The bytes of the return copy of workbook ``data`` marked with ``findings``."""
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl's notes on extensions it does not read
        wb = openpyxl.load_workbook(io.BytesIO(data), keep_vba=macros, keep_links=True, rich_text=True)
    if RESULT_SHEET in wb.sheetnames:  # a copy sent back in again: replace the old results
        del wb[RESULT_SHEET]
    _mark_cells(wb, findings)
    _fit_row_heights(wb)
    _write_results_sheet(wb, findings, destination)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _fit_row_heights(wb: Workbook) -> None:
    """Rows of wrapped text get the height their text needs, so the printed copy is readable.

    Excel sizes a row as the user types, but a file written by a program (or saved by some
    tools) keeps the default height and prints the lines over each other. Rows with a height
    of their own are left alone.
    """
    from openpyxl.utils import get_column_letter

    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        widths: dict[int, float] = {}
        for r, cells in enumerate(ws.iter_rows(), start=1):
            if ws.row_dimensions[r].height is not None:
                continue
            texts = []
            for cell in cells:
                if isinstance(cell.value, str) and cell.alignment is not None and cell.alignment.wrap_text:
                    if cell.column not in widths:
                        widths[cell.column] = ws.column_dimensions[get_column_letter(cell.column)].width or 8.43
                    texts.append((cell.value, widths[cell.column]))
            height = wrapped_row_height(texts)
            if height:
                ws.row_dimensions[r].height = height


def _comment_text(findings: Sequence[Finding]) -> str:
    parts = [f"【{f.severity} {f.code}】{f.message}\n直し方: {f.hint}" for f in findings]
    return "\n\n".join(parts)


def _mark_cells(wb: Workbook, findings: Sequence[Finding]) -> None:
    """Fill and comment every cell that has findings; the department's own comments stay."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        if f.sheet in wb.sheetnames and f.cell:
            by_cell[(f.sheet, f.cell)].append(f)
    fills = {Severity.ERROR: PatternFill("solid", fgColor=ERROR_FILL),
             Severity.WARNING: PatternFill("solid", fgColor=WARNING_FILL),
             Severity.INFO: PatternFill("solid", fgColor=INFO_FILL)}
    for (sheet, ref), cell_findings in by_cell.items():
        cell = wb[sheet][ref]
        worst = min((f.severity for f in cell_findings), key=list(Severity).index)
        cell.fill = fills[worst]
        text = _comment_text(cell_findings)
        if cell.comment is not None and cell.comment.text:
            text = f"{cell.comment.text}\n\n{text}"
        comment = Comment(text, COMMENT_AUTHOR)
        comment.width, comment.height = 320, min(80 + 70 * len(cell_findings), 600)
        cell.comment = comment


def _write_results_sheet(wb: Workbook, findings: Sequence[Finding], destination: str = "") -> None:
    """The 検証結果 sheet, first and active: a summary and one row per finding with a link."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    ws = wb.create_sheet(RESULT_SHEET, 0)
    errors = sum(f.is_error for f in findings)
    warnings_ = sum(f.is_warning for f in findings)
    infos = len(findings) - errors - warnings_  # 情報: notes (I-NARR …), not counted as 警告
    file = findings[0].file if findings else ""
    bold = Font(name=FONT, bold=True)
    plain = Font(name=FONT)
    ws["A1"] = f"検証結果：{file}" if file else "検証結果"
    ws["A1"].font = Font(name=FONT, bold=True, size=14)
    to = f"{destination}へ" if destination else ""
    verdict = f"要修正です。エラーを直して{to}再提出してください。" if errors else "エラーはありません。警告の内容を確認してください。"
    if not errors and not warnings_:
        verdict = "エラー・警告はありません。情報の内容を必要に応じて確認してください。"
    ws["A2"] = f"エラー {errors}件・警告 {warnings_}件{f'・情報 {infos}件' if infos else ''}。{verdict}"
    # Two short lines rather than one long one: each must fit the printed page width.
    ws["A3"] = "赤色（エラー）・黄色（警告）のセルに問題があります。セルのコメントに内容と直し方があります。"
    ws["A4"] = "セル欄のリンクから該当のセルへ移動できます。修正は提出した元のファイルで行ってください。"
    for ref in ("A2", "A3", "A4"):
        ws[ref].font = plain
    header_fill = PatternFill("solid", fgColor=HEADER_FILL)
    for c, (key, label) in enumerate(COLUMNS, start=1):
        cell = ws.cell(TABLE_ROW, c, label)
        cell.font, cell.fill = bold, header_fill
        ws.column_dimensions[cell.column_letter].width = WIDTHS.get(key, 12)
    link_font = Font(name=FONT, color="0563C1", underline="single")
    fills = {Severity.ERROR: PatternFill("solid", fgColor=ERROR_FILL),
             Severity.WARNING: PatternFill("solid", fgColor=WARNING_FILL),
             Severity.INFO: PatternFill("solid", fgColor=INFO_FILL)}
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, finding in enumerate(findings, start=TABLE_ROW + 1):
        for c, (key, _label) in enumerate(COLUMNS, start=1):
            value = str(getattr(finding, key))
            cell = ws.cell(r, c)
            cell.value = value
            cell.data_type = "s"  # text as written, never a formula (= + - @)
            cell.font, cell.alignment = plain, wrap
            if key == "severity":
                cell.fill = fills[finding.severity]
        height = wrapped_row_height((str(getattr(finding, key)), WIDTHS.get(key, 12)) for key, _label in COLUMNS)
        if height:
            ws.row_dimensions[r].height = height
        target = _link_target(wb, finding)
        if target:
            cell = ws.cell(r, 1 + [k for k, _ in COLUMNS].index("cell"))
            cell.hyperlink = Hyperlink(ref=cell.coordinate, location=target, display=cell.value)
            cell.font = link_font
    last = TABLE_ROW + max(len(findings), 1)
    last_column = ws.cell(TABLE_ROW, len(COLUMNS)).column_letter
    ws.auto_filter.ref = f"A{TABLE_ROW}:{last_column}{last}"
    ws.freeze_panes = f"A{TABLE_ROW + 1}"
    landscape_openpyxl(ws, repeat_rows=f"{TABLE_ROW}:{TABLE_ROW}", print_area=f"A1:{last_column}{last}")
    ws.sheet_properties.tabColor = "C00000" if errors else "FFC000"
    for sheet in wb.worksheets:
        sheet.sheet_view.tabSelected = False
    ws.sheet_view.tabSelected = True
    wb.active = 0


def _link_target(wb: Workbook, finding: Finding) -> str:
    """``'実績数値'!F7`` for a finding on a cell (A1 of its sheet without one), "" for none."""
    if finding.sheet not in wb.sheetnames:
        return ""
    quoted = finding.sheet.replace("'", "''")
    return f"'{quoted}'!{finding.cell or 'A1'}"
