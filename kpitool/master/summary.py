"""The 概要 sheet: sentences a city can publish as they stand, the tallies behind them, charts.

Every tally says what it counts (成果指標 n件 — the noun is the config's ``grades.subject``)
and what it leaves out: departments not consolidated (要修正1部局・未提出1部局を除く) and 参考値
rows (方向 →), by department and in total. A figure whose 増減 cannot be computed is 「比較不可」
with its reason (該当なし / 不詳 / 秘匿 / 単位不一致 / 未入力), never 「増減なし」, which
readers take for 横ばい. The grade rule of the city is stated beside the counts.

Its cells are static values, not COUNTIFS formulas: the tallies follow
:func:`kpitool.survey.normalize_grade` (全角 Ａ counts as A, an unknown grade as 未評価), which
Excel's criteria would not reproduce. Instead the audit rebuilds the whole grid with
:func:`summary_grid` from the master's own data sheets (:func:`facts_from_columns`) and compares
it cell by cell, so an edited count is found just as an edited formula would be.

Charts colour by meaning (achieved / 改善 green, missed / 悪化 red, neutral grey), carry data
labels and patterns so that colour is never the only cue, and count on integer axes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kpitool.master.layout import Grid
from kpitool.model import Status
from kpitool.spec import NEUTRAL, fiscal_year_label
from kpitool.variance import IMPROVED, UNCHANGED, UNGRADED, WORSENED

if TYPE_CHECKING:
    from kpitool.config import Config
    from kpitool.grades import Grades
    from kpitool.model import Consolidation

TOTAL = "合計"
NOT_COMPARABLE = "比較不可"  # no 増減: marker, missing value, unit mismatch (with the reason)
REFERENCE = "参考値"  # 方向 →: neither 改善 nor 悪化, not counted
EVALUATIONS = (IMPROVED, UNCHANGED, WORSENED, NOT_COMPARABLE)
REASON_ORDER = ("該当なし", "不詳", "秘匿", "単位不一致", "未入力", "入力誤り", "範囲外")
STATUS_CAPTION = "【提出状況】"
SUM_LABEL = "計"
INCLUDED = "集計"
COUNTS_COLUMN = 3  # the tables read 部局名, the sentence (wide, wrapped, as the sentences above), 集計, counts
FILLED_NOTE = "達成率から補完"
# Exclusion reasons of a department, most telling first (a 要修正 file beats a 重複 copy).
_EXCLUSION_ORDER = (Status.NEEDS_FIX, Status.UNREADABLE, Status.MISSING, Status.SUPERSEDED)


def changes_caption(fiscal_years: tuple[int, int]) -> str:
    prev, curr = (fiscal_year_label(y) for y in fiscal_years)
    return f"【実績数値の増減（{prev}→{curr}）】"


def tally_caption(subject: str) -> str:
    return f"【達成状況の集計（事業成果目標の{subject}）】"


def years_text(fiscal_years: tuple[int, int]) -> str:
    """令和4年度（2022年度）・令和5年度（2023年度）: 和暦 with 西暦 beside it."""
    return "・".join(f"{fiscal_year_label(y)}（{y}年度）" for y in fiscal_years)


def run_at_text(run_at: dt.datetime) -> str:
    """The run time for people: 2024-05-01 10:00（令和6年5月1日）, always in JST."""
    from kpitool.dates import wareki
    from kpitool.model import JST

    local = run_at.astimezone(JST)
    return f"{local:%Y-%m-%d %H:%M}（{wareki(local.date())}）"


def status_counts(statuses: Iterable[Any]) -> dict[str, int]:
    """Rows of 提出状況 per status, every status listed (0 included)."""
    counts = dict.fromkeys((str(s) for s in Status), 0)
    for status in statuses:
        if status in counts:
            counts[status] += 1
    return counts


# --- the facts behind the sentences -------------------------------------------------------


@dataclass
class Tally:
    """One department's (or the total's) counts."""

    grades: dict[str, int]  # every letter, then 未評価
    filled: int = 0  # grades filled from the bands (rate scheme)
    reference_kpis: int = 0  # 参考値 KPIs left out of the grades
    evaluations: dict[str, int] = field(default_factory=lambda: dict.fromkeys(EVALUATIONS, 0))
    reasons: dict[str, int] = field(default_factory=dict)  # 比較不可 by reason
    reference_figures: int = 0  # 参考値 figures left out of 改善/悪化

    @property
    def kpis(self) -> int:
        return sum(self.grades.values())

    @property
    def figures(self) -> int:
        return sum(self.evaluations.values())


@dataclass
class SummaryFacts:
    """What 概要 states: the included departments' tallies and who was left out, and why."""

    included: dict[str, Tally]  # department -> counts, in 提出状況 order
    excluded: dict[str, str]  # department -> 要修正 / 未提出 / 取込不可
    total: Tally
    unreadable_unknown: int = 0  # 取込不可 files whose department could not be read


def _truthy(value: Any) -> bool:
    return value is True or value == "はい"


def summary_facts(
    grades: Grades,
    submissions: Iterable[tuple[Any, Any, Any]],
    kpis: Iterable[tuple[Any, Any, Any, Any]],
    figures: Iterable[tuple[Any, Any, Any, Any]],
) -> SummaryFacts:
    """Count from plain columns, as written to (or read back from) the master.

    ``submissions``: (部局名, 状況, 集約), ``kpis``: (部局名, 方向, 達成状況, 区分の根拠),
    ``figures``: (部局名, 方向, 評価, 比較不可の理由).
    """
    from kpitool.survey import normalize_grade

    statuses: dict[str, list[str]] = {}
    included_names: list[str] = []
    unknown = 0
    for department, status, included in submissions:
        name = str(department or "")
        if not name:
            unknown += str(status) == Status.UNREADABLE
            continue
        statuses.setdefault(name, []).append(str(status))
        if _truthy(included) and name not in included_names:
            included_names.append(name)
    excluded = {}
    for name, found in statuses.items():
        if name not in included_names:
            excluded[name] = next((str(s) for s in _EXCLUSION_ORDER if str(s) in found), found[0])

    def fresh() -> Tally:
        return Tally(dict.fromkeys(grades.tally_keys(), 0))

    included = {name: fresh() for name in included_names}
    total = fresh()
    for department, direction, grade, basis in kpis:
        tallies = (included.setdefault(str(department or ""), fresh()), total)
        for t in tallies:
            if direction == NEUTRAL:
                t.reference_kpis += 1
                continue
            letter = normalize_grade(grade, grades)
            t.grades[letter or UNGRADED] += 1
            t.filled += bool(letter) and bool(basis) and FILLED_NOTE in str(basis)
    for department, direction, evaluation, reason in figures:
        tallies = (included.setdefault(str(department or ""), fresh()), total)
        for t in tallies:
            if direction == NEUTRAL:
                t.reference_figures += 1
            elif evaluation in (IMPROVED, UNCHANGED, WORSENED):
                t.evaluations[evaluation] += 1
            else:
                t.evaluations[NOT_COMPARABLE] += 1
                word = str(reason) if reason else "未入力"
                t.reasons[word] = t.reasons.get(word, 0) + 1
    return SummaryFacts(included, excluded, total, unknown)


def facts_from_columns(grades: Grades, column: Any, evaluations: Sequence[Any] | None = None) -> SummaryFacts:
    """:func:`summary_facts` from the master's sheets; ``column(sheet, key)`` gives a column's values.

    ``evaluations`` replaces the 評価 column of 実績数値 (the audit recomputes formulas).
    """
    from kpitool.master.layout import FIGURES, KPIS, SUBMISSIONS

    figure_evaluations = evaluations if evaluations is not None else column(FIGURES, "evaluation")
    return summary_facts(
        grades,
        zip(column(SUBMISSIONS, "department"), column(SUBMISSIONS, "status"), column(SUBMISSIONS, "included"),
            strict=True),
        zip(column(KPIS, "department"), column(KPIS, "direction"), column(KPIS, "grade"),
            column(KPIS, "grade_basis"), strict=True),
        zip(column(FIGURES, "department"), column(FIGURES, "direction"), figure_evaluations,
            column(FIGURES, "reason"), strict=True),
    )


def facts_from_consolidation(c: Consolidation) -> SummaryFacts:
    """:func:`summary_facts` from the consolidation's frames (the CLI's summary lines)."""
    from kpitool.master.layout import clean
    from kpitool.survey import comparison_reason

    f, s, k = c.table("figures"), c.table("submissions"), c.table("kpis")
    reasons = [comparison_reason(clean(r), clean(p), clean(m))
               for r, p, m in zip(f["reason"], f["prev_marker"], f["curr_marker"], strict=True)]
    return summary_facts(
        c.config.grades,
        zip(s["department"], s["status"], s["included"], strict=True),
        zip(k["department"], k["direction"], map(clean, k["grade"]), map(clean, k["grade_basis"]), strict=True),
        zip(f["department"], f["direction"], map(clean, f["evaluation"]), reasons, strict=True),
    )


# --- sentences ---------------------------------------------------------------------------


def exclusion_text(excluded: Mapping[str, str], unreadable_unknown: int = 0) -> str:
    """要修正1部局・未提出1部局 (statuses in a fixed order), or "" when nobody is left out."""
    counts: dict[str, int] = {}
    for status in excluded.values():
        counts[status] = counts.get(status, 0) + 1
    order = [str(s) for s in _EXCLUSION_ORDER]
    parts = [f"{s}{counts[s]}部局" for s in sorted(counts, key=lambda s: order.index(s) if s in order else 99)]
    if unreadable_unknown:
        parts.append(f"部局不明の取込不可ファイル{unreadable_unknown}件")
    return "・".join(parts)


def _scope(left_out: Sequence[str]) -> str:
    parts = [p for p in left_out if p]
    return f"（{'、'.join(parts)}を除く）" if parts else ""


def grade_sentence(t: Tally, grades: Grades, departments: str = "", excluded: str = "") -> str:
    """成果指標18件（…を除く）のうち、A（目標どおり達成）5件、…、未評価7件 (no final 。)."""
    parts = [f"{grades.display(g)}{t.grades[g]:,}件" for g in grades.letters]
    if t.grades[UNGRADED]:
        parts.append(f"{UNGRADED}{t.grades[UNGRADED]:,}件")
    reference = f"参考値の指標{t.reference_kpis:,}件" if t.reference_kpis else ""
    text = f"{departments}{grades.subject}{t.kpis:,}件{_scope([excluded, reference])}のうち、" + "、".join(parts)
    if t.filled:
        text += f"（うち{t.filled:,}件は区分が空欄のため達成率から補完）"
    return text


def change_sentence(t: Tally, departments: str = "", excluded: str = "") -> str:
    """実績数値40件（…を除く）のうち、改善20件、横ばい3件、悪化9件、比較不可8件（不詳5件・…）."""
    parts = [f"{e}{t.evaluations[e]:,}件" for e in EVALUATIONS]
    reference = f"参考値{t.reference_figures:,}件" if t.reference_figures else ""
    text = f"{departments}実績数値{t.figures:,}件{_scope([excluded, reference])}のうち、" + "、".join(parts)
    reasons = reason_text(t.reasons)
    return text + (f"（{reasons}）" if reasons else "")


def reason_text(reasons: Mapping[str, int]) -> str:
    """該当なし3件・不詳5件 in a fixed order (combined reasons such as 該当なし・秘匿 last)."""
    def rank(word: str) -> int:
        return REASON_ORDER.index(word) if word in REASON_ORDER else len(REASON_ORDER)

    return "・".join(f"{w}{n:,}件" for w, n in sorted(reasons.items(), key=lambda kv: (rank(kv[0]), kv[0])) if n)


def headline(facts: SummaryFacts, grades: Grades) -> str:
    """The published sentence: 集計対象5部局の成果指標18件（要修正1部局・未提出1部局を除く）のうち…となっています。"""
    excluded = exclusion_text(facts.excluded, facts.unreadable_unknown)
    departments = f"集計対象{len(facts.included):,}部局の"
    return grade_sentence(facts.total, grades, departments, excluded) + "となっています。"


def change_headline(facts: SummaryFacts) -> str:
    excluded = exclusion_text(facts.excluded, facts.unreadable_unknown)
    departments = f"集計対象{len(facts.included):,}部局の"
    return change_sentence(facts.total, departments, excluded) + "です。"


# --- the grid ----------------------------------------------------------------------------


@dataclass
class SummaryGrid(Grid):
    """The 概要 cells (row-major, ``None`` blank) and where the chart data are."""

    tally_block: tuple[int, int, int] = (0, 0, 0)  # first row, last row (included departments), first count column
    change_block: tuple[int, int, int] = (0, 0, 0)
    series: dict[str, list[str]] = field(default_factory=dict)  # chart -> series names, in column order


def summary_grid(config: Config, run_at_text: str, statuses: Mapping[str, int], facts: SummaryFacts) -> SummaryGrid:
    """The 概要 sheet's values; the writer writes them and the audit recomputes them."""
    grades = config.grades
    grid = SummaryGrid()
    grid.add(("項目", "内容"), header=True)
    grid.add(("自治体名", config.municipality))
    grid.add(("対象年度", years_text(config.fiscal_years)))
    grid.add(("集約日時", run_at_text))
    grid.add(("達成状況のまとめ", headline(facts, grades)))
    grid.add(("達成状況の区分", grades.rule_text()))
    grid.add(("増減のまとめ", change_headline(facts)))
    grid.add()

    grid.add((STATUS_CAPTION,), caption=True)
    grid.add(("状況", "件数"), header=True)
    for status, count in statuses.items():
        grid.add((status, count))
    grid.add((SUM_LABEL, sum(statuses.values())))
    grid.add()

    keys = list(grades.tally_keys())
    grid.add((tally_caption(grades.subject),), caption=True)
    grid.add(("部局名", "まとめ", "集計", *keys, SUM_LABEL, REFERENCE), header=True)
    first = len(grid.rows)
    for department, t in facts.included.items():
        grid.add((department, grade_sentence(t, grades), INCLUDED, *(t.grades[g] for g in keys), t.kpis,
                  t.reference_kpis))
    grid.tally_block = (first, len(grid.rows) - 1, COUNTS_COLUMN)
    grid.series["grades"] = keys
    for department, status in facts.excluded.items():
        grid.add((department, f"{status}のため集計に含まれていません", f"{status}（集計外）"))
    t = facts.total
    grid.add((TOTAL, headline(facts, grades), f"{len(facts.included)}部局", *(t.grades[g] for g in keys), t.kpis,
              t.reference_kpis))
    grid.add()

    grid.add((changes_caption(config.fiscal_years),), caption=True)
    grid.add(("部局名", "比較不可の内訳", "集計", *EVALUATIONS, SUM_LABEL, REFERENCE), header=True)
    first = len(grid.rows)
    for department, t in facts.included.items():
        grid.add((department, reason_text(t.reasons) or None, INCLUDED, *(t.evaluations[e] for e in EVALUATIONS),
                  t.figures, t.reference_figures))
    grid.change_block = (first, len(grid.rows) - 1, COUNTS_COLUMN)
    grid.series["changes"] = list(EVALUATIONS)
    for department, status in facts.excluded.items():
        grid.add((department, f"{status}のため集計に含まれていません", f"{status}（集計外）"))
    t = facts.total
    grid.add((TOTAL, reason_text(t.reasons) or None, f"{len(facts.included)}部局",
              *(t.evaluations[e] for e in EVALUATIONS), t.figures, t.reference_figures))
    return grid


# --- writing -----------------------------------------------------------------------------

GREEN_DARK, GREEN, GREEN_LIGHT = "#1B7837", "#5AAE61", "#A6DBA0"
AMBER, RED, GREY, GREY_LIGHT = "#E0A526", "#C0392B", "#8C8C8C", "#D0D0D0"
WORSE_PATTERN = "wide_upward_diagonal"  # missed / 悪化: a pattern as well as red
NEUTRAL_PATTERN = "percent_20"  # 未評価 / 比較不可


def grade_fills(grades: Grades) -> dict[str, dict[str, Any]]:
    """Chart fill per tally column by meaning: achieved letters green (darker is better),
    missed letters amber then red (the last, hatched), 未評価 grey (dotted)."""
    if grades.is_rate:
        achieved = [g for g, r in zip(grades.letters, grades.minimum_rates, strict=False) if r >= 1.0]
    else:
        achieved = list(grades.achieved)
    greens = [GREEN_DARK, GREEN, GREEN_LIGHT]
    fills: dict[str, dict[str, Any]] = {}
    for i, g in enumerate(achieved):
        fills[g] = {"fill": {"color": greens[min(i, len(greens) - 1)]}}
    missed = [g for g in grades.letters if g not in achieved]
    for i, g in enumerate(missed):
        last = i == len(missed) - 1
        fills[g] = _pattern(RED, WORSE_PATTERN, "#F4CCCC") if last else {"fill": {"color": AMBER}}
    fills[UNGRADED] = _pattern(GREY, NEUTRAL_PATTERN, GREY_LIGHT)
    return fills


CHANGE_FILLS: dict[str, dict[str, Any]] = {
    IMPROVED: {"fill": {"color": GREEN_DARK}},
    UNCHANGED: {"fill": {"color": GREY}},
    WORSENED: {"pattern": {"pattern": WORSE_PATTERN, "fg_color": RED, "bg_color": "#F4CCCC"}},
    NOT_COMPARABLE: {"pattern": {"pattern": NEUTRAL_PATTERN, "fg_color": GREY, "bg_color": GREY_LIGHT}},
}


def _pattern(color: str, pattern: str, background: str) -> dict[str, Any]:
    return {"pattern": {"pattern": pattern, "fg_color": color, "bg_color": background}}


def integer_step(largest: int) -> int:
    """A whole-number axis step giving at most ten gridlines: 1, 2, 5, 10, 20, 50 …"""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            if largest <= 10 * factor * magnitude:
                return factor * magnitude
        magnitude *= 10


CHART_WIDTH_PX, CHART_Y_SCALE, CHART_ROWS = 480, 1.2, 19  # XlsxWriter's default width; rows per chart
CHARTS_PER_PAGE = 2  # 2 x 19 rows of 15 pt at the ~77 % of "fit to width": within an A4 landscape page
# Departments per chart: more, and the clustered columns (4 to 6 a department) or the bars grow too
# thin for their count labels (a 25-department city's chart was unreadable); a city with more
# departments gets the chart in parts, one scale for all.
DEPARTMENTS_PER_CHART = 8


def chart_parts(first: int, last: int, size: int) -> list[tuple[int, int]]:
    """Rows ``first``..``last`` in near-equal runs of at most ``size`` rows ([] when none)."""
    count = last - first + 1
    if count <= 0:
        return []
    step = -(-count // -(-count // size))
    return [(a, min(a + step - 1, last)) for a in range(first, last + 1, step)]


def part_label(number: int, parts: int) -> str:
    """（2/3） after a chart's title when its departments are split over several charts."""
    return f"（{number}/{parts}）" if parts > 1 else ""
PRINT_UNITS = 132  # column-width units that print at ≥ 8 pt on A4 landscape (kpitool.master.printing)
LABEL_WIDTH, STATUS_WIDTH, COUNT_WIDTH = 16.0, 17.0, 7.0  # 「要修正（集計外）」 on one line


def summary_widths(grid: SummaryGrid) -> list[float]:
    """Column widths of 概要: the sentence column (B) takes what the others leave of one A4 page.

    The sentences (達成状況のまとめ …, each department's まとめ) wrap in column B, so the sheet
    prints one page wide at ≥ 8 pt however long they are, and each stays one cell.
    """
    width = max(len(r) for r in grid.rows)
    counts = max(width - COUNTS_COLUMN, 0)
    sentence = max(40.0, PRINT_UNITS - LABEL_WIDTH - STATUS_WIDTH - COUNT_WIDTH * counts)
    return [LABEL_WIDTH, sentence, STATUS_WIDTH, *([COUNT_WIDTH] * counts)][:max(width, 2)]


def _column_pixels(width: float) -> int:
    """Pixels of a column ``width`` units wide, as XlsxWriter sizes it (7 px per unit + 5)."""
    return int(width * 7 + 0.5) + 5


def table_widths(grid: Grid) -> dict[int, int]:
    """Row -> columns of the table it belongs to: a table is a run of rows between blank rows
    and captions, as wide as its widest row (a department left out has fewer cells)."""
    out: dict[int, int] = {}
    block: list[int] = []
    for r, row in enumerate([*grid.rows, []]):
        if row and r not in grid.caption_rows:
            block.append(r)
            continue
        width = max((len(grid.rows[b]) for b in block), default=0)
        out.update(dict.fromkeys(block, width))
        block = []
    return out


def write_summary(workbook: Any, sheet: Any, grid: SummaryGrid, formats: Any, config: Config) -> None:
    """Write the grid and the two charts (column chart of tallies, stacked bars of 増減).

    The tables are boxed by cell borders, every cell of their width (blank ones too), and the
    sheet prints without gridlines: a printed grid would cover the empty cells beside the
    tables, the blank rows between them and the strips around and between the charts.
    """
    from kpitool.master.layout import row_height

    header = formats.header()
    caption = formats.get(bold=True)
    plain = formats.get(border=True)
    wrap = formats.get(wrap=True, border=True)
    count = formats.get(num_format="#,##0", border=True)
    widths = summary_widths(grid)
    wraps = [c in (1, 2) for c in range(len(widths))]
    boxed = table_widths(grid)
    for r, row in enumerate(grid.rows):
        if r not in grid.caption_rows:  # a caption overflows into the empty cells to its right
            height = row_height(row, widths, wraps)
            if height is not None:
                sheet.set_row(r, height)
        for c in range(max(len(row), boxed.get(r, 0))):
            value = row[c] if c < len(row) else None
            if value is None:
                if c < boxed.get(r, 0):
                    sheet.write_blank(r, c, None, header if r in grid.header_rows else plain)
                continue
            if isinstance(value, int | float):
                sheet.write_number(r, c, value, count)
            elif r in grid.header_rows:
                sheet.write_string(r, c, str(value), header)
            elif r in grid.caption_rows:
                sheet.write_string(r, c, str(value), caption)
            else:
                sheet.write_string(r, c, str(value), wrap if wraps[c] else plain)
    for c, w in enumerate(widths):
        sheet.set_column(c, c, w)
    # The charts fill the page width (nothing of the empty grid beside them) on a page of their own.
    x_scale = 0.98 * sum(_column_pixels(w) for w in widths) / CHART_WIDTH_PX
    chart_options = {"x_scale": x_scale, "y_scale": CHART_Y_SCALE}

    name = sheet.get_name()
    font = {"name": formats.font, "size": 11}  # charts default to 10 pt: under 8 pt once fitted to the page
    charts = []
    first, last, column = grid.tally_block
    keys = grid.series.get("grades", [])
    parts = chart_parts(first, last, DEPARTMENTS_PER_CHART)
    largest = max((max(row[column:column + len(keys)] or [0]) for row in grid.rows[first:last + 1]), default=0)
    fills = grade_fills(config.grades)
    for n, (a, b) in enumerate(parts, start=1):
        chart = workbook.add_chart({"type": "column"})
        for i, key in enumerate(keys):
            c = column + i
            chart.add_series({
                "name": [name, first - 1, c],
                "categories": [name, a, 0, b, 0],
                "values": [name, a, c, b, c],
                "data_labels": {"value": True, "font": font},
                "border": {"color": "#404040"},
                **fills.get(key, {}),
            })
        title = f"達成状況（部局別、{config.grades.subject}の件数）{part_label(n, len(parts))}"
        chart.set_title({"name": title, "name_font": {**font, "size": 13}})
        _style(chart, font, integer_step(int(largest)))  # one scale for every part: they compare
        charts.append(chart)
    first, last, column = grid.change_block
    parts = chart_parts(first, last, DEPARTMENTS_PER_CHART)
    largest = max((sum(row[column:column + len(EVALUATIONS)]) for row in grid.rows[first:last + 1]), default=0)
    prev, curr = (fiscal_year_label(y) for y in config.fiscal_years)
    for n, (a, b) in enumerate(parts, start=1):
        chart = workbook.add_chart({"type": "bar", "subtype": "stacked"})
        for i, key in enumerate(grid.series.get("changes", [])):
            c = column + i
            chart.add_series({
                "name": [name, first - 1, c],
                "categories": [name, a, 0, b, 0],
                "values": [name, a, c, b, c],
                "data_labels": {"value": True, "font": font, "num_format": "#,##0;-#,##0;;"},  # no "0" on a bar of nothing
                "border": {"color": "#404040"},
                **CHANGE_FILLS[key],
            })
        title = f"実績数値の増減（{prev}→{curr}、件数）{part_label(n, len(parts))}"
        chart.set_title({"name": title, "name_font": {**font, "size": 13}})
        _style(chart, font, integer_step(int(largest)), reverse_categories=True)
        charts.append(chart)
    # The charts print on pages of their own, two a page, never cut.
    anchor_row = len(grid.rows) + 1
    breaks = []
    for i, chart in enumerate(charts):
        row = anchor_row + i * CHART_ROWS
        if i % CHARTS_PER_PAGE == 0:
            breaks.append(row)
        sheet.insert_chart(row, 0, chart, chart_options)
    sheet.set_h_pagebreaks(breaks or [anchor_row])


def _style(chart: Any, font: dict[str, str], step: int, *, reverse_categories: bool = False) -> None:
    """Fonts, legend, whole-number value axis from 0. In XlsxWriter's bar charts the x axis
    is the (horizontal) value axis and the y axis holds the categories."""
    bar = reverse_categories
    chart.set_legend({"position": "bottom", "font": font})
    value = {"num_font": font, "major_gridlines": {"visible": True}, "min": 0, "major_unit": step,
             "num_format": "0"}
    category = {"num_font": font, "reverse": reverse_categories}
    chart.set_x_axis(value if bar else category)
    chart.set_y_axis(category if bar else value)
