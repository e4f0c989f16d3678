"""The 経年推移 sheet: every indicator by 番号 across all the years kpitool has consolidated.

Commercial 行政評価 systems sell 経年蓄積 as their main feature; kpitool gets it from the masters
it already wrote. Each earlier master listed in ``[history] masters`` contributes the years it
consolidated, this run contributes its own, and rows are matched by department and 番号 (the
key across years, DESIGN.md). For a year reported in several masters, the master whose 当年度 it
was wins (a later master's 前年度 is a restatement, which validation warns about instead).

The sheet is tidy (one row per indicator and year) so it is covered by the digest and the
audit like every data sheet, and it has a CSV twin; a native line chart per indicator sits
beside it for the first indicators with at least two years.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpitool.master.layout import (
    FIRST_DATA_ROW,
    KPIS,
    Cell,
    Formula,
    Link,
    Number,
    SheetLayout,
    SourceLinks,
    cell_refs,
    frame_records,
    layouts,
    text,
)
from kpitool.spec import fiscal_year_label
from kpitool.variance import (
    ACHIEVEMENT_FORMAT,
    achievement_formula,
    achievement_formula_fits,
    achievement_rate,
    cached_achievement,
    change_format,
    decimals_shown,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from kpitool.history import MasterData
    from kpitool.model import Consolidation

TREND = "経年推移"
CHART_LIMIT = 8  # charts beside the table: the first indicators with two or more numeric years


@dataclass(frozen=True)
class PreviousMaster:
    """An earlier master as recorded in 監査ログ: where it is and what it held."""

    name: str  # path relative to this master's folder (forward slashes)
    fiscal_years: tuple[int, int]
    sha256: str
    digest: str


def previous_records(previous: Sequence[MasterData], master_dir: Path) -> list[PreviousMaster]:
    out = []
    for m in previous:
        try:
            rel = os.path.relpath(os.path.abspath(m.path), os.path.abspath(master_dir))
        except ValueError:  # another drive on Windows
            rel = str(m.path)
        out.append(PreviousMaster(rel.replace(os.sep, "/"), m.fiscal_years, m.sha256, m.digest))
    return out


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _shown(value: Any) -> Any:
    """What a cell held: a number, else its text (a marker such as -), else None."""
    number = _number(value)
    if number is not None:
        return number
    return str(value) if value not in (None, "") else None


def _key(department: Any, no: Any) -> tuple[str, str]:
    import unicodedata

    return (str(department or ""), unicodedata.normalize("NFKC", str(no or "")).strip())


def trend_records(
    previous: Sequence[MasterData],
    current: Iterable[Mapping[str, Any]],
    fiscal_years: tuple[int, int],
    current_file: str,
    master_dir: Path,
    renamed: Iterable[tuple[str, str]] = (),
) -> list[dict[str, Any]]:
    """One record per (department, 番号, year): 目標値, 実績 and where the value came from.

    ``current`` are this run's 事業成果目標 rows (model.KPI_COLUMNS); earlier masters give
    theirs through :class:`~kpitool.history.MasterData`. ``renamed`` are the (旧名, 新名) pairs
    of ``[rollover] renamed``: an earlier master's rows of a renamed department continue the
    new name's series, as rollover carried them (番号 unchanged), instead of a second series.
    Sorted by department (first seen), 番号 (as first seen) and year.
    """
    new_names = {str(old): str(new) for old, new in renamed}
    # (department, 番号) -> year -> (priority, record); priority 2 = 当年度 of that source.
    found: dict[tuple[str, str], dict[int, tuple[int, int, dict[str, Any]]]] = {}
    order: dict[tuple[str, str], int] = {}
    names: dict[tuple[str, str], dict[str, Any]] = {}

    def put(row: Mapping[str, Any], year: int, priority: int, rank: int, target: Any, actual: Any, source: str,
            url: str = "") -> None:
        key = _key(row.get("department"), row.get("no"))
        if not key[1]:
            return
        order.setdefault(key, len(order))
        names[key] = {k: row.get(k) for k in ("department", "no", "indicator", "unit", "direction")}
        years = found.setdefault(key, {})
        held = years.get(year)
        if held is None or (priority, rank) >= (held[0], held[1]):
            years[year] = (priority, rank, {"target": _shown(target), "actual": _shown(actual), "source": source,
                                            "source_url": url})

    for rank, m in enumerate(previous):
        rel = previous_records([m], master_dir)[0].name
        layout = layouts(m.fiscal_years)[KPIS]
        for row in m.rows(KPIS):
            new_name = new_names.get(str(row.get("department") or ""))
            if new_name is not None:
                row = {**row, "department": new_name}
            for year, priority, target, key in ((m.fiscal_years[1], 2, row.get("target"), "curr"),
                                                (m.fiscal_years[0], 1, None, "prev")):
                cell = f"{layout.letter(key)}{row['_row']}"
                url = "" if "#" in rel else f"external:{rel}#'{KPIS}'!{cell}"
                put(row, year, priority, rank, target, row.get(key), f"{rel}!{KPIS}!{cell}", url)
    rank = len(previous)
    for row in current:
        def value(key: str, row: Mapping[str, Any] = row) -> Any:
            number = _number(row.get(key))
            return number if number is not None else row.get(f"{key}_marker") or row.get(f"{key}_text")

        put(row, fiscal_years[1], 2, rank, value("target"), value("curr"),
            str(row.get("source_curr") or row.get("source") or current_file))
        put(row, fiscal_years[0], 1, rank, None, value("prev"),
            str(row.get("source_prev") or row.get("source") or current_file))

    records = []
    for key in sorted(found, key=order.__getitem__):
        for year in sorted(found[key]):
            _p, _r, values = found[key][year]
            direction = str(names[key].get("direction") or "")
            target, actual = _number(values["target"]), _number(values["actual"])
            rate = achievement_rate(target, actual, direction) if direction in ("↑", "↓") else None
            records.append({**names[key], "year": year, "year_label": fiscal_year_label(year),
                            "target": values["target"], "actual": values["actual"], "achievement": rate,
                            "achievement_formula": achievement_formula_fits(rate, target, actual, direction),
                            "source": values["source"], "source_url": values["source_url"]})
    return records


def chart_groups(records: Sequence[Mapping[str, Any]], limit: int = CHART_LIMIT) -> list[tuple[int, int, str]]:
    """(first index, last index, title) of the first ``limit`` indicators with ≥ 2 numeric years."""
    groups: list[tuple[int, int, str]] = []
    start = 0
    for i in range(1, len(records) + 1):
        if i == len(records) or _key(records[i]["department"], records[i]["no"]) != _key(
                records[start]["department"], records[start]["no"]):
            block = records[start:i]
            if sum(_number(r["actual"]) is not None for r in block) >= 2:
                first = block[0]
                title = f"{first['department']} {first['no']} {first.get('indicator') or ''}（{first.get('unit') or ''}）"
                groups.append((start, i - 1, title))
                if len(groups) >= limit:
                    break
            start = i
    return groups


def chart_record(layout: Any, row: Sequence[Any]) -> dict[str, Any]:
    """What :func:`add_trend_charts` needs of one 経年推移 row (the writer keeps only this)."""
    actual = row[layout.index("actual")]
    return {"department": row[layout.index("department")], "no": row[layout.index("no")],
            "indicator": row[layout.index("indicator")], "unit": row[layout.index("unit")],
            "actual": actual.value if isinstance(actual, Number) else None,
            "direction": row[layout.index("direction")]}


def add_trend_charts(workbook: Any, sheet: Any, layout: Any, records: Sequence[Mapping[str, Any]]) -> int:
    """Native line charts of 実績 by year beside the table (``records``: :func:`chart_record`
    of each row); returns how many were added."""
    actual = layout.index("actual")
    name = sheet.get_name().replace("'", "''")
    label_col, actual_col = layout.index("year_label"), actual
    anchor_col = len(layout.columns) + 1
    groups = chart_groups(records)
    for n, (first, last, title) in enumerate(groups):
        chart = workbook.add_chart({"type": "line"})
        r0, r1 = first + FIRST_DATA_ROW - 1, last + FIRST_DATA_ROW - 1  # 0-based rows
        chart.add_series({
            "name": "実績",
            "categories": [name, r0, label_col, r1, label_col],
            "values": [name, r0, actual_col, r1, actual_col],
            "marker": {"type": "circle"},
        })
        lower_is_better = records[first]["direction"] == "↓"
        suffix = "（低いほど良い：軸を反転）" if lower_is_better else ""
        # Department text, never a reference: XlsxWriter reads "=..." or "Sheet!A1" as one.
        safe_title = (title + suffix)[:100].lstrip("=+-@").replace("!", "！")
        chart.set_title({"name": safe_title, "name_font": {"size": 10}})
        chart.set_legend({"none": True})
        chart.set_y_axis({"num_format": "#,##0.##", "reverse": lower_is_better})
        chart.set_size({"width": 420, "height": 220})
        sheet.insert_chart(1 + n * 12, anchor_col, chart)
    return len(groups)


def trend_rows(c: Consolidation, layout: SheetLayout, links: SourceLinks) -> Iterator[list[Cell]]:
    """経年推移: one row per indicator and year, 達成率 as a formula over the row's cells."""
    built = trend_records(c.previous, frame_records(c.table("kpis")), c.config.fiscal_years, "", links.master_dir,
                          c.config.renamed)
    for excel_row, row in enumerate(built, start=FIRST_DATA_ROW):
        places = decimals_shown(*(v for v in (row["target"], row["actual"]) if isinstance(v, float)))
        fmt = change_format(places)
        cells: dict[str, Cell] = {
            key: Number(row[key], fmt) if isinstance(row[key], float) else text(row[key])
            for key in ("target", "actual")
        }
        refs = cell_refs(layout, excel_row, "target", "actual", "direction")
        python = cached_achievement(row["achievement"])
        if row["achievement_formula"]:  # decided with the record (trend_records), laid out here
            formula = achievement_formula(refs["target"], refs["actual"], refs["direction"])
            cells["achievement"] = Formula(formula, python, ACHIEVEMENT_FORMAT)
        else:
            cells["achievement"] = Number(python, ACHIEVEMENT_FORMAT) if isinstance(python, float) else None
        for key in ("department", "no", "indicator", "unit", "direction", "year_label"):
            cells[key] = text(row[key])
        cells["year"] = Number(float(row["year"]), "0")
        source = str(row["source"])
        cells["source"] = Link(source, row["source_url"]) if row.get("source_url") else links.source(source)
        yield [cells[k] for k in layout.keys[:-1]]
