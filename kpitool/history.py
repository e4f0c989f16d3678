"""Read back what an earlier master workbook recorded: the years, the config and its tables.

Next year's templates (:mod:`kpitool.rollover`), the restated-figure check and the 経年推移
sheet all start from a master that kpitool wrote a year ago. They read its cached values (what
Excel shows), find each table by its header labels for the master's own fiscal years (read
from 監査ログ) and key every row by the master's column ids, so later code never repeats a
Japanese header. Columns this version does not know are ignored, so an older or newer master
still reads.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpitool.errors import InputError
from kpitool.master.layout import AUDIT_LOG, FIGURES, KPIS, SUBMISSIONS, SURVEY, layouts
from kpitool.master.log import KEY_CONFIG, KEY_DIGEST, parse_log

ROW = "_row"  # the Excel row a record was read from (1-based)
TABLES = (SUBMISSIONS, SURVEY, FIGURES, KPIS)


@dataclass(frozen=True)
class MasterData:
    """One master workbook as read back: its years, config, digest and tables by column id."""

    path: Path
    fiscal_years: tuple[int, int]
    config: dict[str, Any]
    digest: str
    sha256: str
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def rows(self, sheet: str, department: str | None = None) -> list[dict[str, Any]]:
        """The rows of ``sheet`` (optionally of one department), in the master's order."""
        rows = self.tables.get(sheet, [])
        return rows if department is None else [r for r in rows if r.get("department") == department]

    @property
    def departments(self) -> list[str]:
        """Every department that has a row in any table, in first-seen order."""
        seen: dict[str, None] = {}
        for sheet in (KPIS, SURVEY, FIGURES):
            for row in self.tables.get(sheet, []):
                if row.get("department"):
                    seen.setdefault(str(row["department"]), None)
        return list(seen)


def _sheets(path: Path) -> dict[str, list[list[Any]]]:
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError, XmlError, ZipError

    try:
        book = CalamineWorkbook.from_path(str(path))
        return {name: [list(r) for r in book.get_sheet_by_name(name).to_python(skip_empty_area=False)]
                for name in book.sheet_names}
    except (CalamineError, PasswordError, XmlError, ZipError, zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(f"{path.name} を集約ファイルとして読めません（{exc}）。") from None


def _table(grid: list[list[Any]], labels: dict[str, str]) -> list[dict[str, Any]]:
    """Rows under the header row (row 1) keyed by column id; blank rows skipped."""
    if not grid:
        return []
    keys = [labels.get(str(h).strip()) if h is not None else None for h in grid[0]]
    out = []
    for index, values in enumerate(grid[1:], start=2):
        if not any(v not in (None, "") for v in values):
            continue
        record = {k: (None if v == "" else v) for k, v in zip(keys, values, strict=False) if k}
        record[ROW] = index
        out.append(record)
    return out


def read_master(path: Path | str) -> MasterData:
    """Read a kpitool master; :class:`InputError` (Japanese) when it is not one."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"集約ファイルが見つかりません: {path}")
    sheets = _sheets(path)
    if AUDIT_LOG not in sheets:
        raise InputError(f"{path.name} は kpitool の集約ファイルではありません（監査ログのシートがありません）。")
    log = parse_log(sheets[AUDIT_LOG])
    try:
        config = json.loads(str(log.values[KEY_CONFIG]))
        years = tuple(int(y) for y in config["fiscal_years"])
        if len(years) != 2:
            raise ValueError(years)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{path.name} の監査ログから年度を読めません（{exc}）。") from None
    fiscal_years = (years[0], years[1])
    tables = {}
    for name, layout in layouts(fiscal_years).items():
        if name in TABLES:
            labels = {c.label: c.key for c in layout.columns}
            tables[name] = _table(sheets.get(name, []), labels)
    return MasterData(
        path=path,
        fiscal_years=fiscal_years,
        config=config,
        digest=str(log.values.get(KEY_DIGEST) or ""),
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        tables=tables,
    )
