"""The audit's checks: a master read back, cell by cell, against its own 監査ログ and sources.

:func:`kpitool.audit.audit_master` runs them in order; each adds findings of
:mod:`kpitool.audit_codes` to the :class:`~kpitool.audit_codes.AuditReport` and never raises
for a data problem.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpitool.audit_codes import (
    CELL_CHANGED,
    CSV_MISMATCH,
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
    ROW_CHECK_VALUE,
    Canonical,
    Table,
    canonical_format,
    canonical_row,
    canonical_value,
    cell_print,
    column_hash,
    row_hash,
    split_row_check,
)
from kpitool.master.layout import (
    AUDIT_LOG,
    DATA_SHEETS,
    SUBMISSIONS,
    SUMMARY,
    SheetLayout,
    achievement_result,
    column_letter,
    progress_result,
    same,
    variance_results,
)
from kpitool.master.log import (
    INPUTS_LAYOUT,
    csv_key,
    parse_csv_value,
)
from kpitool.master.package_view import PackageView
from kpitool.variance import POINTS

Grid = list[list[Any]]


# --- reading ----------------------------------------------------------------------------


def read_grids(master: Path, formats: dict[str, dict[tuple[int, int], str]]) -> tuple[dict[str, Grid], dict[str, Grid]]:
    """Every sheet as rows of values: the formula view (formula text where a cell holds a
    formula, else its value) and the value view (cached results of formulas). The canonical
    number format of each non-blank cell of the data sheets goes into ``formats``.

    Values come from python-calamine, which unescapes text exactly as Excel shows it
    (``_x000D_`` is CR); openpyxl leaves such escapes in inline strings, which would make a
    fresh master look edited. openpyxl supplies only which cells are formulas, and their text.
    """
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError, XmlError, ZipError

    if not master.is_file():
        raise InputError(f"集約ファイルが見つかりません: {master}")
    try:
        calamine = CalamineWorkbook.from_path(str(master))
        values = {
            name: [list(row) for row in calamine.get_sheet_by_name(name).to_python(skip_empty_area=False)]
            for name in calamine.sheet_names
        }
        book = openpyxl.load_workbook(master, read_only=True)
        try:
            formulas: dict[str, dict[tuple[int, int], str]] = {}
            for ws in book.worksheets:
                found = formulas.setdefault(ws.title, {})
                shown = formats.setdefault(ws.title, {}) if ws.title in DATA_SHEETS else None
                for r, row in enumerate(ws.iter_rows()):
                    for c, cell in enumerate(row):
                        if getattr(cell, "data_type", None) == "f":
                            found[(r, c)] = str(cell.value)
                        if shown is not None and getattr(cell, "value", None) is not None:
                            shown[(r, c)] = canonical_format(getattr(cell, "number_format", None))
        finally:
            book.close()
    except (zipfile.BadZipFile, InvalidFileException, CalamineError, PasswordError, XmlError, ZipError, KeyError,
            OSError, ValueError) as exc:
        raise InputError(f"{master} を Excel ファイルとして読めません（{exc}）。") from None
    views: dict[str, Grid] = {}
    for name, grid in values.items():
        view = [list(row) for row in grid]
        for (r, c), text in formulas.get(name, {}).items():
            while len(view) <= r:
                view.append([])
            view[r].extend([None] * (c + 1 - len(view[r])))
            view[r][c] = text if text.startswith("=") else f"={text}"
        views[name] = view
    return views, values


def cell_at(grid: Grid, row: int, col: int) -> Any:
    """Cell value by 0-based position; rows of a read-only sheet may be ragged."""
    if row >= len(grid):
        return None
    values = grid[row]
    return values[col] if col < len(values) else None


def data_rows(grid: Grid, start: int = 1) -> list[int]:
    """0-based indexes of the data rows below the header, trailing blank rows dropped."""
    rows = [i for i in range(start, len(grid)) if any(v not in (None, "") for v in grid[i])]
    return list(range(start, rows[-1] + 1)) if rows else []


def config_from_log(data: dict[str, Any]) -> Any:
    """The Config recorded in 監査ログ (config_to_dict's shape) as a Config again."""
    from kpitool.config import config_from_dict

    return config_from_dict({
        "municipality": data["municipality"],
        "fiscal_years": data["fiscal_years"],
        "departments": data["departments"],
        "grades": data["grades"],
        "validation": data["validation"],
        "master": {"keep_backups": data["master"]["keep_backups"]},
    })


@dataclass
class SheetRead:
    """One covered table as read back, with the canonical values of its covered columns."""

    name: str
    sheet: str
    layout: SheetLayout
    header: list[Any]
    rows: list[tuple[int, list[Any]]]  # (Excel row, formula-view values)
    canonical: list[list[Canonical]] = field(default_factory=list)

    def __post_init__(self) -> None:
        width = len(self.layout.columns)
        self.header = (self.header + [None] * width)[:width]
        self.rows = [(r, (values + [None] * width)[:width]) for r, values in self.rows]
        covered = self.layout.covered()
        self.canonical = [canonical_row(values[i] for i in covered) for _r, values in self.rows]

    def table(self) -> Table:
        return Table(self.name, canonical_row(self.header[i] for i in self.layout.covered()), self.canonical)


# --- checks -----------------------------------------------------------------------------


def check_header(report: AuditReport, read: SheetRead, header_row: int) -> None:
    for i, label in enumerate(read.layout.labels):
        actual = read.header[i] if i < len(read.header) else None
        if actual != label:
            report.add(HEADER_CHANGED, f"見出しが「{label}」ではなく「{actual or ''}」になっています。",
                       sheet=read.sheet, cell=f"{column_letter(i)}{header_row}")


def localise(report: AuditReport, read: SheetRead, column_hashes: dict[tuple[str, str], tuple[str, int]],
              *, rows_named: set[int] | None = None) -> None:
    """Name the cells whose row hash and column hash both differ from the recorded ones.

    For the data sheets the cell prints name edited cells exactly (:func:`check_cells`);
    there this only reports columns whose hash differs where no cell was named
    (``rows_named``: the columns named): rows added, deleted or moved.
    """
    layout = read.layout
    covered = layout.covered()
    hash_index = len(layout.columns) - 1
    bad_rows = [] if rows_named is not None else [
        (excel_row, values)
        for (excel_row, values), canonical in zip(read.rows, read.canonical, strict=True)
        if values[hash_index] != row_hash(canonical)
    ]
    bad_columns = []
    for position, i in enumerate(covered):
        recorded = column_hashes.get((read.name, layout.columns[i].label))
        computed = column_hash(canonical_value(read.header[i]), (row[position] for row in read.canonical))
        if (recorded is None or recorded[0] != computed) and i not in (rows_named or ()):
            bad_columns.append(i)
    for excel_row, values in bad_rows:
        for i in bad_columns:
            report.add(CELL_CHANGED, f"集約後に値が変更されています（現在の値: {_show(values[i])}）。",
                       sheet=read.sheet, cell=f"{column_letter(i)}{excel_row}")
        if not bad_columns:
            report.add(ROWS_CHANGED, "この行の内容（または行の検証値）が集約時と一致しません。",
                       sheet=read.sheet, cell=f"{column_letter(hash_index)}{excel_row}")
    if bad_columns and not bad_rows:
        header_row = read.rows[0][0] - 1 if read.rows else 1
        for i in bad_columns:
            report.add(ROWS_CHANGED, "この列の内容が集約時と一致しません（行の追加・削除・並べ替えの可能性）。",
                       sheet=read.sheet, cell=f"{column_letter(i)}{header_row}")


def check_cells(report: AuditReport, read: SheetRead, formats: dict[tuple[int, int], str],
                 links: dict[tuple[int, int], str]) -> set[int]:
    """Each cell of a data sheet against its print in the row's 行の検証値: value, displayed
    format and link. Returns the columns where a cell was named."""
    last = len(read.layout.columns) - 1
    named: set[int] = set()
    for (excel_row, values), canonical in zip(read.rows, read.canonical, strict=True):
        stored = split_row_check(values[last])
        r = excel_row - 1
        if stored is None or len(stored[1]) != last + 1:
            report.add(CELL_CHANGED, "行の検証値が変更されています（集約時の形ではありません）。",
                       sheet=read.sheet, cell=f"{column_letter(last)}{excel_row}")
            named.add(last)
            continue
        head, prints = stored
        bad = [
            c for c in range(last + 1)
            if prints[c] != cell_print(ROW_CHECK_VALUE if c == last else canonical_value(values[c]),
                                       formats.get((r, c), ""), links.get((r, c), ""))
        ]
        for c in bad:
            report.add(CELL_CHANGED, f"集約後に値・表示形式・リンク先のいずれかが変更されています"
                       f"（現在の値: {_show(values[c])}）。", sheet=read.sheet, cell=f"{column_letter(c)}{excel_row}")
        named.update(bad)
        if not bad and head != row_hash(canonical):  # the hash itself was edited
            report.add(CELL_CHANGED, "行の検証値が変更されています。",
                       sheet=read.sheet, cell=f"{column_letter(last)}{excel_row}")
            named.add(last)
    return named


def check_sheets(report: AuditReport, recorded: Any, view: PackageView) -> None:
    """Sheet order, visibility and protection as recorded in 監査ログ."""
    if str(recorded or "") == view.sheets:
        return
    wanted = {part.split(":")[0]: part for part in str(recorded or "").split(" / ") if part}
    named = False
    for name, state in view.states.items():
        if wanted.get(name) != state:
            report.add(SHEETS_CHANGED, f"シート「{name}」が集約時（{wanted.get(name, 'なし')}）と異なります（現在 {state}）。",
                       sheet=name)
            named = True
    for name in wanted.keys() - view.states.keys():
        report.add(SHEETS_CHANGED, f"シート「{name}」がありません。", sheet=name)
        named = True
    if not named:
        report.add(SHEETS_CHANGED, f"シートの順序が集約時と異なります（集約時: {recorded}）。", sheet=AUDIT_LOG)


def check_csvs(report: AuditReport, master: Path, log_values: dict[str, Any]) -> None:
    """The CSV twin beside the master is the one written with it (SHA-256 in 監査ログ)."""
    import hashlib

    keys = [key for key in log_values if key.startswith(csv_key(""))]
    if not keys:
        report.add(CSV_MISMATCH, "公開用CSVの記録が監査ログにありません。", sheet=AUDIT_LOG)
    for key in keys:
        recorded = parse_csv_value(log_values.get(key))
        if recorded is None:
            report.add(CSV_MISMATCH, f"{key}の記録を読めません。", sheet=AUDIT_LOG)
            continue
        name, digest = recorded
        path = master.parent / name
        try:
            current = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            report.add(CSV_MISMATCH, f"公開用CSV {name} が集約ファイルと同じフォルダにありません。", file=name)
            continue
        if current != digest:
            report.add(CSV_MISMATCH, f"公開用CSV {name} が集約時に書き出したものと異なります（別の実行のCSVか、"
                       f"変更された可能性）。記録 {digest}、現在 {current}。", file=name)


def _show(value: Any) -> str:
    from kpitool.numbers import format_number

    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_number(value)
    text = "（空欄）" if value in (None, "") else str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def check_formulas(report: AuditReport, sheet: str, layout: SheetLayout, formulas: Grid, values: Grid) -> None:
    """Each formula's cached value against a recomputation from the cells it reads."""
    col = {key: layout.index(key) for key in layout.keys}
    uncached: list[str] = []
    for r in data_rows(formulas):
        def formula(key: str, row: int = r) -> bool:
            text = cell_at(formulas, row, col[key])
            return isinstance(text, str) and text.startswith("=")

        def value(key: str, row: int = r) -> Any:
            return cell_at(values, row, col[key])

        expected: dict[str, Any] = {}
        points = value("change_unit") == POINTS  # the survey's decision, as the writer laid it out
        change, rate, evaluation = variance_results(value("prev"), value("curr"), value("direction"), points=points)
        expected |= {"change": change, "rate": rate, "evaluation": evaluation}
        if "achievement" in col:
            expected["achievement"] = achievement_result(value("target"), value("curr"), value("direction"))
        if "progress" in col:
            expected["progress"] = progress_result(value("base"), value("target"), value("curr"), value("direction"))
        for key, wanted in expected.items():
            if not formula(key):
                continue
            report.formulas_checked += 1
            cached = value(key)
            ref = f"{column_letter(col[key])}{r + 1}"
            if cached in (None, "") and wanted not in (None, ""):  # no cached result at all
                uncached.append(ref)
            elif not same(wanted, cached):
                report.add(FORMULA_VALUE, f"表示値 {_show(cached)} が計算結果 {_show(wanted)} と一致しません。",
                           sheet=sheet, cell=ref)
    if uncached:
        more = f" ほか {len(uncached) - 1} セル" if len(uncached) > 1 else ""
        report.add(FORMULA_UNCACHED, f"数式の計算結果が保存されていません（{uncached[0]}{more}）。"
                   "Excel 以外のツールで保存された可能性があります。", sheet=sheet, cell=uncached[0])


def figure_evaluations(layout: SheetLayout, formulas: Grid, values: Grid) -> list[Any]:
    """評価 of each 実績数値 row as the data give it: recomputed where the cell is a formula
    (so a file saved without cached values is not reported twice), else the static value."""
    col = {key: layout.index(key) for key in ("prev", "curr", "direction", "evaluation")}
    out = []
    for r in data_rows(formulas):
        text = cell_at(formulas, r, col["evaluation"])
        if isinstance(text, str) and text.startswith("="):
            cells = [cell_at(values, r, col[k]) for k in ("prev", "curr", "direction")]
            out.append(variance_results(*cells, points=False)[2])  # 評価 is the same for % rows
        else:
            out.append(cell_at(values, r, col["evaluation"]))
    return out


def check_summary(report: AuditReport, config: Any, run_at: str, sheets: dict[str, SheetLayout],
                   values: dict[str, Grid], evaluations: list[Any]) -> None:
    """Rebuild 概要 from the data sheets and compare every cell."""
    from kpitool.master.summary import facts_from_columns, status_counts, summary_grid

    def column(sheet: str, key: str) -> list[Any]:
        index = sheets[sheet].index(key)
        return [cell_at(values[sheet], r, index) for r in data_rows(values[sheet])]

    facts = facts_from_columns(config.grades, column, evaluations)
    expected = summary_grid(config, run_at, status_counts(column(SUBMISSIONS, "status")), facts)
    actual = values.get(SUMMARY, [])
    height = max(len(expected.rows), len(data_rows(actual, 0)) and data_rows(actual, 0)[-1] + 1)
    for r in range(height):
        width = max(len(expected.rows[r]) if r < len(expected.rows) else 0, len(actual[r]) if r < len(actual) else 0)
        for c in range(width):
            wanted = expected.rows[r][c] if r < len(expected.rows) and c < len(expected.rows[r]) else None
            if not same(wanted, cell_at(actual, r, c)):
                report.add(SUMMARY_CHANGED, f"値 {_show(cell_at(actual, r, c))} がデータからの集計 {_show(wanted)} "
                           "と一致しません。", sheet=SUMMARY, cell=f"{column_letter(c)}{r + 1}")


def check_inbox(report: AuditReport, inbox: Path, inputs: list[tuple[int, list[Any]]],
                 progress: Callable[..., None] | None = None) -> None:
    """Hash every recorded input again; name missing, changed and extra files."""
    from kpitool.inbox import file_sha256, scan_inbox
    from kpitool.package import DEFAULT_LIMITS

    if not inbox.is_dir():
        raise InputError(f"受付フォルダが見つかりません: {inbox}")
    file_col, sha_col = INPUTS_LAYOUT.index("file"), INPUTS_LAYOUT.index("sha256")
    size_col = INPUTS_LAYOUT.index("size")
    recorded = set()
    for done, (excel_row, values) in enumerate(inputs):
        name = str(values[file_col])
        if progress is not None:
            progress(done, len(inputs), name)
        recorded.add(name)
        path = inbox / name
        report.files_checked += 1
        where = {"file": name, "sheet": AUDIT_LOG, "cell": f"{column_letter(sha_col)}{excel_row}"}
        if not path.is_file():
            report.add(SOURCE_MISSING, f"受付フォルダに {name} がありません（移動・削除・名前の変更の可能性）。", **where)
            continue
        recorded_size = values[size_col]
        try:
            size = path.stat().st_size
        except OSError:
            size = None
        if isinstance(recorded_size, int | float) and size != recorded_size:  # no need to hash
            report.add(SOURCE_CHANGED, f"{name} の大きさが集約時と異なります（記録 {recorded_size:,.0f} バイト、"
                       f"現在 {size if size is not None else '不明'} バイト）。差し替えまたは変更の可能性があります。", **where)
            continue
        if not values[sha_col]:  # over the size limit at consolidation: never hashed, size matches
            continue
        current = file_sha256(path, DEFAULT_LIMITS.max_file_bytes)
        if current != values[sha_col]:
            report.add(SOURCE_CHANGED, f"{name} の内容が集約時と異なります（差し替えまたは変更の可能性）。"
                       f"記録 {values[sha_col]}、現在 {current or '読めません'}。", **where)
    for candidate in scan_inbox(inbox).files:
        if candidate.name not in recorded:
            report.add(SOURCE_EXTRA, f"{candidate.name} は集約時の受付フォルダになかったファイルです。",
                       file=candidate.name)


def check_previous(report: AuditReport, master: Path, config_dict: dict[str, Any]) -> None:
    """The earlier masters 経年推移 was built from must still be there, unchanged."""
    import hashlib

    history = config_dict.get("history")
    entries = history.get("masters", []) if isinstance(history, dict) else []
    for entry in entries:
        if not isinstance(entry, dict) or "sha256" not in entry:
            continue
        name = str(entry.get("name", ""))
        path = master.parent / name
        report.files_checked += 1
        if not path.is_file():
            report.add(PREVIOUS_MISSING, f"前年度の集約ファイル {name} が見つかりません（経年推移の元データを確かめられません）。",
                       file=name, sheet=AUDIT_LOG)
            continue
        current = hashlib.sha256(path.read_bytes()).hexdigest()
        if current != entry["sha256"]:
            report.add(PREVIOUS_CHANGED, f"前年度の集約ファイル {name} の内容が集約時と異なります。"
                       f"記録 {entry['sha256']}、現在 {current}。", file=name, sheet=AUDIT_LOG)
