"""``kpitool audit``: prove that a master workbook is as consolidated, and its sources unchanged.

An auditor reopens the master months later. :func:`audit_master` re-reads its data sheets,
recomputes the digest with the writer's own canonical form (:mod:`kpitool.master.digest`) and
compares it with the one in 監査ログ; when they differ, the row and column hashes name the
edited cells. Every formula's cached value (what Excel shows with macros disabled) is checked
against a recomputation with :mod:`kpitool.variance`, and 概要 is rebuilt from the data
sheets. With an inbox, every source file is hashed again: a missing, swapped or extra file is
named.

Data problems are findings of :data:`~kpitool.audit_codes.AUDIT_CODES` in the report (the same
:class:`~kpitool.findings.Finding` record as validation's, with severity, title and hint; exit
1); a file that is not a kpitool master or cannot be read raises
:class:`~kpitool.errors.InputError` (exit 2). This module runs the audit in order; the checks
are in :mod:`kpitool.audit_checks`, the codes and the report in :mod:`kpitool.audit_codes`
(re-exported here).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

from kpitool.audit_checks import (
    SheetRead,
    check_cells,
    check_csvs,
    check_formulas,
    check_header,
    check_inbox,
    check_previous,
    check_sheets,
    check_summary,
    config_from_log,
    data_rows,
    figure_evaluations,
    localise,
    read_grids,
)
from kpitool.audit_codes import (
    AUDIT_CODES,
    CELL_CHANGED,
    CSV_MISMATCH,
    DIGEST_MISMATCH,
    FORMULA_UNCACHED,
    FORMULA_VALUE,
    HEADER_CHANGED,
    PREVIOUS_CHANGED,
    PREVIOUS_MISSING,
    ROWS_CHANGED,
    SHEETS_CHANGED,
    SOURCE_CHANGED,
    SOURCE_EXTRA,
    SOURCE_MISSING,
    SUMMARY_CHANGED,
    AuditReport,
)
from kpitool.errors import InputError
from kpitool.master.digest import (
    DIGEST_FORMAT,
    data_digest,
)
from kpitool.master.layout import (
    AUDIT_LOG,
    DATA_SHEETS,
    FIGURES,
    KPIS,
    OPTIONAL_SHEETS,
    layouts,
)
from kpitool.master.log import (
    INPUTS_LAYOUT,
    INPUTS_TABLE,
    KEY_CONFIG,
    KEY_DIGEST,
    KEY_FORMAT,
    KEY_RUN_AT,
    KEY_SHEETS,
    parse_log,
)
from kpitool.master.package_view import package_view

__all__ = [
    "AUDIT_CODES",
    "CELL_CHANGED",
    "CSV_MISMATCH",
    "DIGEST_MISMATCH",
    "FORMULA_UNCACHED",
    "FORMULA_VALUE",
    "HEADER_CHANGED",
    "PREVIOUS_CHANGED",
    "PREVIOUS_MISSING",
    "ROWS_CHANGED",
    "SHEETS_CHANGED",
    "SOURCE_CHANGED",
    "SOURCE_EXTRA",
    "SOURCE_MISSING",
    "SUMMARY_CHANGED",
    "AuditReport",
    "audit_master",
]


# --- entry ------------------------------------------------------------------------------


def audit_master(master: Path, inbox: Path | None = None, progress: Callable[..., None] | None = None) -> AuditReport:
    """Check ``master`` against its own 監査ログ and, with ``inbox``, against the source files.

    ``progress`` hears a text per stage and ``(done, total, file)`` while the inbox files are
    hashed again, so the Excel button can show that a long audit is still working.

    Raises :class:`InputError` when the master (or inbox) cannot be used at all: missing,
    not a workbook, not written by kpitool, or with an unreadable 監査ログ.
    """
    master = Path(master)

    def stage(text: str) -> None:
        if progress is not None:
            progress(text)

    stage("集約ファイルを読み込み中")
    formats: dict[str, dict[tuple[int, int], str]] = {}
    formulas, values = read_grids(master, formats)
    if AUDIT_LOG not in formulas or any(name not in formulas for name in DATA_SHEETS if name not in OPTIONAL_SHEETS):
        raise InputError(f"{master.name} は kpitool の集約ファイルではありません（監査ログまたはデータのシートがありません）。")
    log = parse_log(formulas[AUDIT_LOG])
    report = AuditReport(master, recorded_digest=str(log.values.get(KEY_DIGEST) or ""))
    if log.values.get(KEY_FORMAT) != DIGEST_FORMAT:
        raise InputError(f"{master.name} のダイジェストの方式「{log.values.get(KEY_FORMAT)}」には対応していません。")
    try:
        config_dict = json.loads(str(log.values[KEY_CONFIG]))
        config = config_from_log(config_dict)
        run_at = dt.datetime.fromisoformat(str(log.values[KEY_RUN_AT])).isoformat(timespec="seconds")
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{master.name} の監査ログ（設定・実行日時）を読めません（{exc}）。改変された可能性があります。") from None
    except Exception as exc:  # ConfigError: an edited config no longer validates
        raise InputError(f"{master.name} の監査ログの設定を読めません（{exc}）。改変された可能性があります。") from None

    sheets = layouts(config.fiscal_years)
    reads = [
        SheetRead(name, name, sheets[name], list(formulas[name][0]) if formulas[name] else [],
              [(r + 1, list(formulas[name][r])) for r in data_rows(formulas[name])])
        for name in DATA_SHEETS if name in formulas
    ]
    reads.append(SheetRead(INPUTS_TABLE, AUDIT_LOG, INPUTS_LAYOUT, log.inputs_header, log.inputs))
    for read in reads:
        header_row = 1 if read.sheet != AUDIT_LOG else (read.rows[0][0] - 1 if read.rows else 0)
        check_header(report, read, header_row)

    stage("ダイジェストを照合中")
    try:
        view = package_view(master, DATA_SHEETS)
    except Exception as exc:  # a damaged package: openpyxl and calamine read it, we could not
        raise InputError(f"{master} のシート構成を読めません（{exc}）。") from None
    report.computed_digest = data_digest(config_dict, (read.table() for read in reads))
    digest_differs = report.computed_digest != report.recorded_digest
    if digest_differs:
        row = log.key_rows.get(KEY_DIGEST, 0)
        report.add(DIGEST_MISMATCH, f"データのダイジェストが記録（{report.recorded_digest}）と一致しません"
                   f"（再計算 {report.computed_digest}）。集約後に内容が変更されています。",
                   sheet=AUDIT_LOG, cell=f"B{row}" if row else "")
    for read in reads:
        if read.sheet in DATA_SHEETS:  # exact cells, every time: formats and links too (issue 16)
            named = check_cells(report, read, formats.get(read.sheet, {}), view.links.get(read.sheet, {}))
            if digest_differs:  # columns changed with no cell named: rows added, deleted, moved
                localise(report, read, log.column_hashes, rows_named=named)
        elif digest_differs:
            localise(report, read, log.column_hashes)
    check_sheets(report, log.values.get(KEY_SHEETS), view)
    check_csvs(report, master, log.values)

    stage("数式の表示値を照合中")
    for name in (FIGURES, KPIS):
        check_formulas(report, name, sheets[name], formulas[name], values[name])
    evaluations = figure_evaluations(sheets[FIGURES], formulas[FIGURES], values[FIGURES])
    check_summary(report, config, _run_at_text(run_at), sheets, values, evaluations)
    if inbox is not None:
        check_inbox(report, Path(inbox), log.inputs, progress)
    check_previous(report, master, config_dict)
    return report


def _run_at_text(iso: str) -> str:
    from kpitool.master.summary import run_at_text

    return run_at_text(dt.datetime.fromisoformat(iso))

