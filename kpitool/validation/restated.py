"""Restated figures: a submitted 前年度 value that differs from what was consolidated last year.

Each year a department reports last year's figure again (前年度実績). When it differs from the
figure the planning office consolidated a year ago, either the department corrected it (a
確定値 replacing a 速報値, which must be explained in 備考) or it was mistyped. Rows are matched
by 番号 (事業成果目標) and by 取り組み番号 + 項目 (実績数値), the keys that stay stable across
years (DESIGN.md); departments renamed in a 組織改編 are matched through ``[rollover] renamed``.

The previous master is the one in ``[history] masters`` (or ``--previous``) whose 当年度 is this
run's 前年度; it is read once per run and per file version.
"""

from __future__ import annotations

import functools
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpitool import codes
from kpitool.master.layout import FIGURES, KPIS, layouts
from kpitool.numbers import format_number
from kpitool.spec import fiscal_year_label, meta_years
from kpitool.validation.context import normalized

if TYPE_CHECKING:
    from collections.abc import Sequence

    from kpitool.history import MasterData
    from kpitool.validation.context import Context

TOLERANCE = 1e-9


@functools.lru_cache(maxsize=8)
def _read(path: str, _mtime_ns: int, _size: int) -> MasterData:
    from kpitool.history import read_master

    return read_master(Path(path))


def is_previous_cycle(master: MasterData, fiscal_years: Sequence[int]) -> bool:
    """Whether ``master`` is the previous cycle's: its 当年度 is this year's 前年度, the only
    master the 前年度 values are compared with (W-HIST-001)."""
    return master.fiscal_years[1] == fiscal_years[0]


def previous_master(config: Any) -> MasterData | None:
    """The master of the previous cycle among ``config.history_masters``, if one is listed."""
    for path in reversed(getattr(config, "history_masters", ()) or ()):
        try:
            stat = os.stat(path)
        except OSError:
            continue
        master = _read(str(path), stat.st_mtime_ns, stat.st_size)
        if is_previous_cycle(master, config.fiscal_years):
            return master
    return None


def _key(text: Any) -> str:
    return normalized(str(text)) if text not in (None, "") else ""


def _recorded(row: dict[str, Any]) -> tuple[float | None, str]:
    """The consolidated 当年度 value (a number, or None) and how it was shown."""
    value = row.get("curr")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value), format_number(float(value))
    shown = str(value) if value not in (None, "") else "空欄"
    return None, shown


def _differs(submitted: float | None, recorded: float | None) -> bool:
    if submitted is None or recorded is None:
        return True
    return not math.isclose(submitted, recorded, rel_tol=TOLERANCE, abs_tol=TOLERANCE)


def check_restated(ctx: Context) -> None:
    """Warn (W-HIST-001) where a 前年度 value differs from last year's master, unless 備考 explains."""
    master = previous_master(ctx.config)
    if master is None:
        return
    years = meta_years(ctx.sub.meta)
    if years is not None and years != tuple(ctx.config.fiscal_years):
        return  # another year's form (E-TPL-003): its 前年度 column is not this year's 前年度
    department_cell = ctx.sub.basic.get("department")
    department = _key(department_cell.value) if department_cell else ""
    if not department:
        return
    old_names = {department} | {_key(old) for old, new in ctx.config.renamed if _key(new) == department}
    sheets = layouts(master.fiscal_years)
    year = fiscal_year_label(ctx.config.fiscal_years[0])

    def index(sheet: str, key_of) -> dict[tuple[str, ...], dict[str, Any]]:
        return {key_of(r): r for r in master.rows(sheet) if _key(r.get("department")) in old_names}

    kpis = index(KPIS, lambda r: (_key(r.get("no")),))
    figures = index(FIGURES, lambda r: (_key(r.get("initiative_no")), _key(r.get("item"))))
    for sheet_key, table, found, key_of, what_of in (
        ("kpis", KPIS, kpis, lambda c: (_key(c["no"].value),) if c.get("no") else None,
         lambda c: f"番号 {c['no'].text}（{c['indicator'].text if c.get('indicator') else ''}）"),
        ("figures", FIGURES, figures,
         lambda c: (_key(c["initiative_no"].value), _key(c["item"].value))
         if c.get("initiative_no") and c.get("item") else None,
         lambda c: f"取り組み {c['initiative_no'].text}「{c['item'].text}」"),
    ):
        for record in ctx.sub.records(sheet_key):
            cells = record.cells
            cell = cells.get("prev")
            key = key_of(cells)
            if cell is None or key is None or key not in found:
                continue
            note = cells.get("note")
            if note is not None and not note.is_empty:
                continue  # the department explained the change
            parsed = ctx.number(cell)
            if parsed.kind == "invalid":
                continue  # already an error of its own
            submitted = parsed.value if parsed.kind == "number" else None
            row = found[key]
            recorded, shown = _recorded(row)
            if submitted is None and recorded is None:
                if (parsed.marker or "") == str(row.get("curr") or "").strip():
                    continue
            elif not _differs(submitted, recorded):
                continue
            master_cell = f"{table}!{sheets[table].letter('curr')}{row['_row']}"
            ctx.add(codes.HIST_RESTATED, cell, label=ctx.sub.spec.sheet(sheet_key).column("prev").label,
                    what=what_of(cells), year=year,
                    submitted=cell.text or "空欄", recorded=shown, master=master.path.name, master_cell=master_cell)
