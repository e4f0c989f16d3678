"""The 概要 sheet: counts per status, 達成状況 tallies, 増減 counts, and two native charts.

Its cells are static values, not COUNTIFS formulas: the tallies follow
:func:`kpitool.survey.grade_tallies` (全角 Ａ counts as A, an unknown grade as 未評価), which
Excel's case-insensitive, width-sensitive criteria would not reproduce. Instead the audit
rebuilds the whole grid with :func:`summary_grid` from the master's own data sheets and
compares it cell by cell, so an edited count is found just as an edited formula would be.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kpitool.master.layout import Grid
from kpitool.model import Status
from kpitool.spec import fiscal_year_label
from kpitool.variance import IMPROVED, UNCHANGED, WORSENED

if TYPE_CHECKING:
    import pandas as pd

    from kpitool.config import Config

TOTAL = "合計"
NO_CHANGE = "増減なし"  # 評価 blank: a marker, a missing value or a unit mismatch
EVALUATIONS = (IMPROVED, UNCHANGED, WORSENED, NO_CHANGE)
STATUS_CAPTION = "【提出状況】"
TALLY_CAPTION = "【達成状況の集計（事業成果目標）】"
SUM_LABEL = "計"


def changes_caption(fiscal_years: tuple[int, int]) -> str:
    prev, curr = (fiscal_year_label(y) for y in fiscal_years)
    return f"【実績数値の増減（{prev}→{curr}）】"


def years_text(fiscal_years: tuple[int, int]) -> str:
    """令和4年度（2022年度）・令和5年度（2023年度）: 和暦 with 西暦 beside it."""
    return "・".join(f"{fiscal_year_label(y)}（{y}年度）" for y in fiscal_years)


def run_at_text(run_at: dt.datetime) -> str:
    """The run time for people: 2024-05-01 10:00（令和6年5月1日）, always in JST."""
    from kpitool.model import JST
    from kpitool.numbers import wareki

    local = run_at.astimezone(JST)
    return f"{local:%Y-%m-%d %H:%M}（{wareki(local.date())}）"


def status_counts(statuses: Iterable[Any]) -> dict[str, int]:
    """Rows of 提出状況 per status, every status listed (0 included)."""
    counts = dict.fromkeys((str(s) for s in Status), 0)
    for status in statuses:
        if status in counts:
            counts[status] += 1
    return counts


def evaluation_counts(pairs: Iterable[tuple[Any, Any]]) -> dict[str, dict[str, int]]:
    """改善 / 横ばい / 悪化 / 増減なし per department (in order of appearance) and in total."""
    out: dict[str, dict[str, int]] = {}
    total = dict.fromkeys(EVALUATIONS, 0)
    for department, evaluation in pairs:
        key = evaluation if evaluation in EVALUATIONS[:3] else NO_CHANGE
        out.setdefault(str(department or ""), dict.fromkeys(EVALUATIONS, 0))[key] += 1
        total[key] += 1
    out[TOTAL] = total
    return out


def tallies_of(kpis: pd.DataFrame, config: Config) -> dict[str, dict[str, int]]:
    """The 達成状況 tallies (kpitool.survey owns the rule); an empty frame has only 合計."""
    from kpitool.survey import grade_tallies

    return grade_tallies(kpis, config)


@dataclass
class SummaryGrid(Grid):
    """The 概要 cells (row-major, ``None`` blank) and where the chart data are."""

    tally_block: tuple[int, int, int] = (0, 0, 0)  # first row, last row (departments), grade columns
    change_block: tuple[int, int, int] = (0, 0, 0)


def summary_grid(
    config: Config,
    run_at_text: str,
    statuses: Mapping[str, int],
    tallies: Mapping[str, Mapping[str, int]],
    evaluations: Mapping[str, Mapping[str, int]],
) -> SummaryGrid:
    """The 概要 sheet's values; the writer writes them and the audit recomputes them."""
    from kpitool.survey import tally_sentences

    sentences = tally_sentences(tallies)
    grid = SummaryGrid()
    grid.add(("項目", "内容"), header=True)
    grid.add(("自治体名", config.municipality))
    grid.add(("対象年度", years_text(config.fiscal_years)))
    grid.add(("集約日時", run_at_text))
    grid.add(("達成状況のまとめ", f"{sentences[TOTAL]}となっています。" if TOTAL in sentences else None))
    grid.add()

    grid.add((STATUS_CAPTION,), caption=True)
    grid.add(("状況", "件数"), header=True)
    for status, count in statuses.items():
        grid.add((status, count))
    grid.add((SUM_LABEL, sum(statuses.values())))
    grid.add()

    grades = [*config.grades.letters, "未評価"]
    grid.add((TALLY_CAPTION,), caption=True)
    grid.add(("部局名", *grades, SUM_LABEL, "まとめ"), header=True)
    first = len(grid.rows)
    for department, counts in tallies.items():
        if department == TOTAL:
            continue
        grid.add((department, *(counts.get(g, 0) for g in grades), sum(counts.values()), sentences[department]))
    grid.tally_block = (first, len(grid.rows) - 1, len(grades) - 1)
    total = tallies.get(TOTAL, dict.fromkeys(grades, 0))
    grid.add((TOTAL, *(total.get(g, 0) for g in grades), sum(total.values()), sentences.get(TOTAL)))
    grid.add()

    grid.add((changes_caption(config.fiscal_years),), caption=True)
    grid.add(("部局名", *EVALUATIONS, SUM_LABEL), header=True)
    first = len(grid.rows)
    for department, counts in evaluations.items():
        if department == TOTAL:
            continue
        grid.add((department, *(counts[e] for e in EVALUATIONS), sum(counts.values())))
    grid.change_block = (first, len(grid.rows) - 1, len(EVALUATIONS))
    total = evaluations[TOTAL]
    grid.add((TOTAL, *(total[e] for e in EVALUATIONS), sum(total.values())))
    return grid


def write_summary(workbook: Any, sheet: Any, grid: SummaryGrid, formats: Any, config: Config) -> None:
    """Write the grid and the two charts (column chart of tallies, stacked bars of 増減)."""
    header = formats.header()
    caption = formats.get(bold=True)
    plain = formats.get()
    wrap = formats.get(wrap=True)
    count = formats.get(num_format="#,##0")
    sentence_column = len(config.grades.letters) + 3  # まとめ of the tally table
    from kpitool.master.writer import row_height

    widths = [22.0] + [10.0] * (sentence_column - 1) + [60.0]
    wraps = [c == sentence_column for c in range(len(widths))]
    for r, row in enumerate(grid.rows):
        height = row_height(row, widths, wraps)
        if height is not None:
            sheet.set_row(r, height)
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, int | float):
                sheet.write_number(r, c, value, count)
            elif r in grid.header_rows:
                sheet.write_string(r, c, str(value), header)
            elif r in grid.caption_rows:
                sheet.write_string(r, c, str(value), caption)
            else:  # unwrapped text overflows into the empty cells to its right
                sheet.write_string(r, c, str(value), wrap if c == sentence_column else plain)
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, sentence_column - 1, 10)
    sheet.set_column(sentence_column, sentence_column, 60)

    name = sheet.get_name()
    font = {"name": formats.font}
    first, last, grades = grid.tally_block
    if last >= first:
        chart = workbook.add_chart({"type": "column"})
        for g in range(1, grades + 2):
            chart.add_series({
                "name": [name, first - 1, g],
                "categories": [name, first, 0, last, 0],
                "values": [name, first, g, last, g],
            })
        chart.set_title({"name": "達成状況（部局別）", "name_font": font})
        _style(chart, font)
        sheet.insert_chart(1, 10, chart, {"x_scale": 1.3, "y_scale": 1.2})
    first, last, columns = grid.change_block
    if last >= first:
        chart = workbook.add_chart({"type": "bar", "subtype": "stacked"})
        for c in range(1, columns + 1):
            chart.add_series({
                "name": [name, first - 1, c],
                "categories": [name, first, 0, last, 0],
                "values": [name, first, c, last, c],
            })
        prev, curr = (fiscal_year_label(y) for y in config.fiscal_years)
        chart.set_title({"name": f"実績数値の増減（{prev}→{curr}）", "name_font": font})
        _style(chart, font, reverse_categories=True)  # departments top to bottom, as in the table
        sheet.insert_chart(22, 10, chart, {"x_scale": 1.3, "y_scale": 1.2})


def _style(chart: Any, font: dict[str, str], *, reverse_categories: bool = False) -> None:
    """Fonts, legend and value gridlines. In XlsxWriter's bar charts the x axis is the
    (horizontal) value axis and the y axis holds the categories."""
    bar = reverse_categories
    chart.set_legend({"position": "bottom", "font": font})
    value = {"num_font": font, "major_gridlines": {"visible": True}}
    category = {"num_font": font, "reverse": reverse_categories}
    chart.set_x_axis(value if bar else category)
    chart.set_y_axis(category if bar else value)
