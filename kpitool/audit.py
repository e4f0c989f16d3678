"""``kpitool audit``: prove that a master workbook is as consolidated, and its sources unchanged.

An auditor reopens the master months later. :func:`audit_master` re-reads its data sheets,
recomputes the digest with the writer's own canonical form (:mod:`kpitool.master.digest`) and
compares it with the one in 監査ログ; when they differ, the row and column hashes name the
edited cells. Every formula's cached value (what Excel shows with macros disabled) is checked
against a recomputation with :mod:`kpitool.variance`, and 概要 is rebuilt from the data
sheets. With an inbox, every source file is hashed again: a missing, swapped or extra file is
named.

Data problems are findings of :data:`AUDIT_CODES` in the report (the same
:class:`~kpitool.findings.Finding` record as validation's, with severity, title and hint; exit
1); a file that is not a
kpitool master or cannot be read raises :class:`~kpitool.errors.InputError` (exit 2).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpitool.errors import CodeTable, InputError
from kpitool.findings import CATALOGUE, Finding
from kpitool.master.digest import (
    DIGEST_FORMAT,
    ROW_CHECK_VALUE,
    Canonical,
    Table,
    canonical_format,
    canonical_row,
    canonical_value,
    cell_print,
    column_hash,
    data_digest,
    row_hash,
    split_row_check,
)
from kpitool.master.layout import (
    AUDIT_LOG,
    DATA_SHEETS,
    FIGURES,
    KPIS,
    OPTIONAL_SHEETS,
    SUBMISSIONS,
    SUMMARY,
    SheetLayout,
    achievement_result,
    column_letter,
    layouts,
    progress_result,
    same,
    variance_results,
)
from kpitool.master.log import (
    INPUTS_LAYOUT,
    INPUTS_TABLE,
    KEY_CONFIG,
    KEY_DIGEST,
    KEY_FORMAT,
    KEY_RUN_AT,
    KEY_SHEETS,
    csv_key,
    parse_csv_value,
    parse_log,
)
from kpitool.master.package_view import PackageView, package_view
from kpitool.variance import POINTS

Grid = list[list[Any]]

# Each discrepancy code, declared once with its title and what to do (docs/findings.md lists
# them); the message of each discrepancy is written where it is found.
AUDIT_CODES = CodeTable("audit")

DIGEST_MISMATCH = AUDIT_CODES.add(
    "E-AUD-001", "データのダイジェストが一致しない",
    "集約後にデータのシートが変更されています。続く指摘で変更されたセル・行を確かめ、"
    "意図しない変更なら受付フォルダから集約し直してください。",
)
CELL_CHANGED = AUDIT_CODES.add(
    "E-AUD-002", "集約後に変更されたセル",
    "変更が正しいか確かめてください。集約時の値に戻すには、受付フォルダから集約し直してください。",
)
ROWS_CHANGED = AUDIT_CODES.add(
    "E-AUD-003", "行の追加・削除・並べ替え",
    "集約ファイルの行は追加・削除・並べ替えをしないでください。元に戻すには、受付フォルダから集約し直してください。",
)
HEADER_CHANGED = AUDIT_CODES.add(
    "E-AUD-004", "見出しの変更",
    "見出しを元に戻すか、受付フォルダから集約し直してください。",
)
FORMULA_VALUE = AUDIT_CODES.add(
    "E-AUD-005", "数式の表示値が計算結果と一致しない",
    "数式や参照先のセルが変更されていないか確かめ、受付フォルダから集約し直してください。",
)
FORMULA_UNCACHED = AUDIT_CODES.add(
    "E-AUD-006", "数式の計算結果が保存されていない",
    "Excel で開いて保存し直すと計算結果が保存されます。集約ファイルは Excel 以外のツールで保存しないでください。",
)
SUMMARY_CHANGED = AUDIT_CODES.add(
    "E-AUD-007", "概要の値がデータと一致しない",
    "概要シートは編集しないでください。集約し直すと作り直されます。",
)
SHEETS_CHANGED = AUDIT_CODES.add(
    "E-AUD-008", "シートの順序・表示・保護の変更",
    "シートを並べ替えたり、非表示にしたり、保護を解除したりしないでください。元に戻すには、受付フォルダから集約し直してください。",
)
SOURCE_MISSING = AUDIT_CODES.add(
    "E-AUD-010", "受付フォルダにない入力ファイル",
    "移動・削除・名前の変更をしたファイルを、集約時の名前で受付フォルダに戻してください。",
)
SOURCE_CHANGED = AUDIT_CODES.add(
    "E-AUD-011", "集約時と内容が異なる入力ファイル",
    "差し替えが正しい提出なら、検証してから集約し直してください。そうでなければ集約時のファイルに戻してください。",
)
SOURCE_EXTRA = AUDIT_CODES.add(
    "E-AUD-012", "集約時になかったファイル",
    "集約の後に届いたファイルなら、検証してから集約し直してください。",
)

CSV_MISMATCH = AUDIT_CODES.add(
    "E-AUD-015", "集約ファイルと一致しない公開用CSV",
    "公開用CSVが見つからないか、別の実行で作成されたものです。受付フォルダから集約し直すと、集約ファイルとCSVが同時に作り直されます。",
)

PREVIOUS_MISSING = AUDIT_CODES.add(
    "E-AUD-013", "経年推移の元になった前年度の集約ファイルが見つからない",
    "監査ログの設定（history）に記録された前年度の集約ファイルを、集約ファイルから見て記録どおりの場所に戻してください。",
)
PREVIOUS_CHANGED = AUDIT_CODES.add(
    "E-AUD-014", "経年推移の元になった前年度の集約ファイルが集約時と異なる",
    "前年度の集約ファイルが集約後に変更・差し替えされています。前年度の集約ファイルを kpitool audit で確認し、"
    "正しいファイルに戻してください。",
)


@dataclass
class AuditReport:
    """The result of :func:`audit_master`."""

    master: Path
    recorded_digest: str = ""
    computed_digest: str = ""
    formulas_checked: int = 0
    files_checked: int = 0
    discrepancies: list[Finding] = field(default_factory=list)  # findings of AUDIT_CODES

    @property
    def ok(self) -> bool:
        return not self.discrepancies

    def flatten(self) -> list[tuple[str, str, str]]:
        """``(sheet or file, cell, code)`` of each discrepancy — the shape tests compare."""
        return [(d.sheet or d.file, d.cell, d.code) for d in self.discrepancies]

    def add(self, code: str, message: str, **where: str) -> None:
        """Record a discrepancy: a finding of an audit code, ``message`` its Japanese detail."""
        self.discrepancies.append(CATALOGUE.make(code, detail=message, **where))


# --- reading ----------------------------------------------------------------------------


def _grids(master: Path, formats: dict[str, dict[tuple[int, int], str]]) -> tuple[dict[str, Grid], dict[str, Grid]]:
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


def _at(grid: Grid, row: int, col: int) -> Any:
    """Cell value by 0-based position; rows of a read-only sheet may be ragged."""
    if row >= len(grid):
        return None
    values = grid[row]
    return values[col] if col < len(values) else None


def _data_rows(grid: Grid, start: int = 1) -> list[int]:
    """0-based indexes of the data rows below the header, trailing blank rows dropped."""
    rows = [i for i in range(start, len(grid)) if any(v not in (None, "") for v in grid[i])]
    return list(range(start, rows[-1] + 1)) if rows else []


def _config_from_log(data: dict[str, Any]) -> Any:
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
class _Read:
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


def _check_header(report: AuditReport, read: _Read, header_row: int) -> None:
    for i, label in enumerate(read.layout.labels):
        actual = read.header[i] if i < len(read.header) else None
        if actual != label:
            report.add(HEADER_CHANGED, f"見出しが「{label}」ではなく「{actual or ''}」になっています。",
                       sheet=read.sheet, cell=f"{column_letter(i)}{header_row}")


def _localise(report: AuditReport, read: _Read, column_hashes: dict[tuple[str, str], tuple[str, int]],
              *, rows_named: set[int] | None = None) -> None:
    """Name the cells whose row hash and column hash both differ from the recorded ones.

    For the data sheets the cell prints name edited cells exactly (:func:`_check_cells`);
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


def _check_cells(report: AuditReport, read: _Read, formats: dict[tuple[int, int], str],
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


def _check_sheets(report: AuditReport, recorded: Any, view: PackageView) -> None:
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


def _check_csvs(report: AuditReport, master: Path, log_values: dict[str, Any]) -> None:
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


def _check_formulas(report: AuditReport, sheet: str, layout: SheetLayout, formulas: Grid, values: Grid) -> None:
    """Each formula's cached value against a recomputation from the cells it reads."""
    col = {key: layout.index(key) for key in layout.keys}
    uncached: list[str] = []
    for r in _data_rows(formulas):
        def formula(key: str, row: int = r) -> bool:
            text = _at(formulas, row, col[key])
            return isinstance(text, str) and text.startswith("=")

        def value(key: str, row: int = r) -> Any:
            return _at(values, row, col[key])

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


def _evaluations(layout: SheetLayout, formulas: Grid, values: Grid) -> list[Any]:
    """評価 of each 実績数値 row as the data give it: recomputed where the cell is a formula
    (so a file saved without cached values is not reported twice), else the static value."""
    col = {key: layout.index(key) for key in ("prev", "curr", "direction", "evaluation")}
    out = []
    for r in _data_rows(formulas):
        text = _at(formulas, r, col["evaluation"])
        if isinstance(text, str) and text.startswith("="):
            cells = [_at(values, r, col[k]) for k in ("prev", "curr", "direction")]
            out.append(variance_results(*cells, points=False)[2])  # 評価 is the same for % rows
        else:
            out.append(_at(values, r, col["evaluation"]))
    return out


def _check_summary(report: AuditReport, config: Any, run_at: str, sheets: dict[str, SheetLayout],
                   values: dict[str, Grid], evaluations: list[Any]) -> None:
    """Rebuild 概要 from the data sheets and compare every cell."""
    from kpitool.master.summary import facts_from_columns, status_counts, summary_grid

    def column(sheet: str, key: str) -> list[Any]:
        index = sheets[sheet].index(key)
        return [_at(values[sheet], r, index) for r in _data_rows(values[sheet])]

    facts = facts_from_columns(config.grades, column, evaluations)
    expected = summary_grid(config, run_at, status_counts(column(SUBMISSIONS, "status")), facts)
    actual = values.get(SUMMARY, [])
    height = max(len(expected.rows), len(_data_rows(actual, 0)) and _data_rows(actual, 0)[-1] + 1)
    for r in range(height):
        width = max(len(expected.rows[r]) if r < len(expected.rows) else 0, len(actual[r]) if r < len(actual) else 0)
        for c in range(width):
            wanted = expected.rows[r][c] if r < len(expected.rows) and c < len(expected.rows[r]) else None
            if not same(wanted, _at(actual, r, c)):
                report.add(SUMMARY_CHANGED, f"値 {_show(_at(actual, r, c))} がデータからの集計 {_show(wanted)} "
                           "と一致しません。", sheet=SUMMARY, cell=f"{column_letter(c)}{r + 1}")


def _check_inbox(report: AuditReport, inbox: Path, inputs: list[tuple[int, list[Any]]],
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
    formulas, values = _grids(master, formats)
    if AUDIT_LOG not in formulas or any(name not in formulas for name in DATA_SHEETS if name not in OPTIONAL_SHEETS):
        raise InputError(f"{master.name} は kpitool の集約ファイルではありません（監査ログまたはデータのシートがありません）。")
    log = parse_log(formulas[AUDIT_LOG])
    report = AuditReport(master, recorded_digest=str(log.values.get(KEY_DIGEST) or ""))
    if log.values.get(KEY_FORMAT) != DIGEST_FORMAT:
        raise InputError(f"{master.name} のダイジェストの方式「{log.values.get(KEY_FORMAT)}」には対応していません。")
    try:
        config_dict = json.loads(str(log.values[KEY_CONFIG]))
        config = _config_from_log(config_dict)
        run_at = dt.datetime.fromisoformat(str(log.values[KEY_RUN_AT])).isoformat(timespec="seconds")
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{master.name} の監査ログ（設定・実行日時）を読めません（{exc}）。改変された可能性があります。") from None
    except Exception as exc:  # ConfigError: an edited config no longer validates
        raise InputError(f"{master.name} の監査ログの設定を読めません（{exc}）。改変された可能性があります。") from None

    sheets = layouts(config.fiscal_years)
    reads = [
        _Read(name, name, sheets[name], list(formulas[name][0]) if formulas[name] else [],
              [(r + 1, list(formulas[name][r])) for r in _data_rows(formulas[name])])
        for name in DATA_SHEETS if name in formulas
    ]
    reads.append(_Read(INPUTS_TABLE, AUDIT_LOG, INPUTS_LAYOUT, log.inputs_header, log.inputs))
    for read in reads:
        header_row = 1 if read.sheet != AUDIT_LOG else (read.rows[0][0] - 1 if read.rows else 0)
        _check_header(report, read, header_row)

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
            named = _check_cells(report, read, formats.get(read.sheet, {}), view.links.get(read.sheet, {}))
            if digest_differs:  # columns changed with no cell named: rows added, deleted, moved
                _localise(report, read, log.column_hashes, rows_named=named)
        elif digest_differs:
            _localise(report, read, log.column_hashes)
    _check_sheets(report, log.values.get(KEY_SHEETS), view)
    _check_csvs(report, master, log.values)

    stage("数式の表示値を照合中")
    for name in (FIGURES, KPIS):
        _check_formulas(report, name, sheets[name], formulas[name], values[name])
    evaluations = _evaluations(sheets[FIGURES], formulas[FIGURES], values[FIGURES])
    _check_summary(report, config, _run_at_text(run_at), sheets, values, evaluations)
    if inbox is not None:
        _check_inbox(report, Path(inbox), log.inputs, progress)
    _check_previous(report, master, config_dict)
    return report


def _check_previous(report: AuditReport, master: Path, config_dict: dict[str, Any]) -> None:
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


def _run_at_text(iso: str) -> str:
    from kpitool.master.summary import run_at_text

    return run_at_text(dt.datetime.fromisoformat(iso))

