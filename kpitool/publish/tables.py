"""The master's published tables, read back from the workbook as its readers see them.

``kpitool publish`` starts from the master (the file the office keeps and the auditors check),
not from the inbox: what goes on the website is exactly what the master shows. Values are the
cached results python-calamine reads (a formula gives the value Excel shows), columns are
found by their header labels from :func:`kpitool.master.layout.layouts`, so a column another
version adds or moves does not shift the others. The municipality and the fiscal years come
from the config recorded in 監査ログ.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpitool.errors import InputError
from kpitool.master.layout import AUDIT_LOG, FIGURES, KPIS, SURVEY, SheetLayout, layouts
from kpitool.master.log import KEY_CONFIG, parse_log

Row = dict[str, Any]  # column key -> value as shown (float, str, date or None)


@dataclass
class MasterTables:
    """The master's data as plain rows keyed by the layout's column ids."""

    path: Path
    municipality: str
    fiscal_years: tuple[int, int]
    config: dict[str, Any]
    layouts: dict[str, SheetLayout]
    survey: list[Row] = field(default_factory=list)
    figures: list[Row] = field(default_factory=list)
    kpis: list[Row] = field(default_factory=list)

    def rows(self, sheet: str) -> list[Row]:
        return {SURVEY: self.survey, FIGURES: self.figures, KPIS: self.kpis}[sheet]


def _blank(value: Any) -> Any:
    return None if value == "" else value


def _rows(grid: Sequence[Sequence[Any]], layout: SheetLayout, master: Path) -> list[Row]:
    """Rows below the header as dicts; a layout column missing from the header reads None."""
    if not grid:
        raise InputError(f"{master} のシート「{layout.name}」に見出しの行がありません。")
    header = [str(v).strip() if v is not None else "" for v in grid[0]]
    positions: dict[str, int] = {}
    for column in layout.columns:
        if column.label in header and column.key not in positions:
            positions[column.key] = header.index(column.label)
    if "department" not in positions:
        raise InputError(
            f"{master} のシート「{layout.name}」に見出し「{layout.columns[0].label}」がありません。"
            "kpitool で作成した集約ファイルを指定してください。"
        )
    out = []
    for values in grid[1:]:
        if not any(v not in (None, "") for v in values):
            continue
        out.append({k: _blank(values[i]) if i < len(values) else None for k, i in positions.items()})
    return out


def read_master_tables(master: Path) -> MasterTables:
    """Read 実績調査, 実績数値 and 事業成果目標 of a kpitool master (InputError otherwise)."""
    from python_calamine import CalamineError, CalamineWorkbook

    master = Path(master)
    if not master.is_file():
        raise InputError(f"集約ファイルが見つかりません: {master}")
    try:
        book = CalamineWorkbook.from_path(str(master))
        names = set(book.sheet_names)
        missing = [n for n in (AUDIT_LOG, SURVEY, FIGURES, KPIS) if n not in names]
        if missing:
            raise InputError(
                f"{master} にシート「{'」「'.join(missing)}」がありません。kpitool で作成した集約ファイルを指定してください。"
            )
        grids = {n: book.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in (AUDIT_LOG, SURVEY, FIGURES, KPIS)}
    except (CalamineError, OSError, ValueError) as exc:
        raise InputError(f"{master} を Excel ファイルとして読めません（{exc}）。") from None
    log = parse_log(grids[AUDIT_LOG])
    try:
        config = json.loads(str(log.values[KEY_CONFIG]))
        municipality = str(config["municipality"])
        years = (int(config["fiscal_years"][0]), int(config["fiscal_years"][1]))
    except (KeyError, TypeError, ValueError, IndexError):
        raise InputError(f"{master} の監査ログに設定（{KEY_CONFIG}）が読めません。kpitool で作成した集約ファイルを指定してください。") from None
    sheets = layouts(years)
    tables = MasterTables(master, municipality, years, config, sheets)
    for name in (SURVEY, FIGURES, KPIS):
        tables.rows(name).extend(_rows(grids[name], sheets[name], master))
    return tables
