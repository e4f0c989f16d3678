"""Accessible web pages of the 実績調査 and the 事業成果目標, for the city's website.

Each page is one self-contained HTML file (styles inline, no scripts, no external resources)
that follows JIS X 8341-3:2016 / WCAG 2.1 AA as far as a generated table page can:

- ``<html lang="ja">``, a ``<title>``, one ``<h1>``, a heading per 視点 or 部局, landmarks
  (``header``, ``nav``, ``main``), a table of contents;
- data tables only (no layout tables), each with a ``<caption>``, ``<th scope="col">`` headers
  and a ``<th scope="row">`` per row; a wide table scrolls inside a labelled, focusable region
  (WCAG 1.4.10 reflow, 2.1.1 keyboard);
- nothing said by colour alone: 評価 and 達成状況 are words, negatives are △ in text with a
  screen-reader form (``△`` hidden from speech, 「マイナス」 read instead), statistical markers
  (－ … x) are explained in a legend and spoken as words; black text on white or light grey
  (contrast above 7:1);
- every text from a department is escaped (:func:`html.escape`), so a submitted ``<script>``
  is shown as text.

Figures are formatted as the master shows them: thousands separators, the decimals the
submitted values carry, 増減率 and 達成率 as percentages with one decimal.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from kpitool.master.opendata import percent_text
from kpitool.master.publication import NO_VIEWPOINT, group_rows
from kpitool.numbers import format_number
from kpitool.publish.tables import MasterTables, Row
from kpitool.spec import fiscal_year_label
from kpitool.variance import POINTS, decimals_shown

MINUS_SIGN = "△"
MARKER_WORDS = {"-": "該当なし", "－": "該当なし", "…": "不詳", "x": "秘匿", "X": "秘匿"}
DIRECTION_WORDS = {"↑": "高いほど良い", "↓": "低いほど良い", "→": "参考値"}

STYLE = """
body{font-family:"BIZ UDPGothic","BIZ UDPゴシック",sans-serif;color:#1a1a1a;background:#fff;line-height:1.7;
margin:0 auto;max-width:80rem;padding:1rem}
h1{font-size:1.5rem}h2{font-size:1.25rem;border-bottom:2px solid #1a1a1a;margin-top:2.5rem}
h3{font-size:1.1rem;margin-top:1.5rem}
a{color:#0645ad}a:focus,.scroll:focus{outline:3px solid #1a1a1a;outline-offset:2px}
.scroll{overflow-x:auto;margin:0.5rem 0 1.5rem}
table{border-collapse:collapse;min-width:100%}
caption{text-align:left;font-weight:bold;padding:0.25rem 0;caption-side:top}
th,td{border:1px solid #595959;padding:0.35rem 0.5rem;vertical-align:top;text-align:left}
thead th{background:#e8e8e8}
tbody th{font-weight:bold;background:#f7f7f7}
td.num{text-align:right;white-space:nowrap}td.short{white-space:nowrap}
td p,th p{margin:0 0 0.4rem}
.vh{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);
white-space:nowrap;border:0}
.legend{font-size:0.95rem}
"""


def esc(value: Any) -> str:
    """Text from the master, escaped for HTML (blank is an empty string)."""
    return "" if value is None else html.escape(str(value), quote=True)


def paragraphs(value: Any) -> str:
    """A text cell as paragraphs: each line of the cell is one ``<p>``."""
    if value is None:
        return ""
    lines = [line.strip() for line in str(value).splitlines() if line.strip()]
    if len(lines) <= 1:
        return esc(lines[0] if lines else "")
    return "".join(f"<p>{esc(line)}</p>" for line in lines)


def minus() -> str:
    """The △ of a negative number: seen as △, read as 「マイナス」."""
    return f'<span aria-hidden="true">{MINUS_SIGN}</span><span class="vh">マイナス</span>'


def marker(value: str) -> str:
    word = MARKER_WORDS.get(value)
    if word is None:
        return esc(value)
    return f'<span aria-hidden="true">{esc(value)}</span><span class="vh">{word}</span>'


def number(value: Any, places: int | None = None) -> str:
    """A figure as the master shows it: 1,972 / △1,972 (△ only through :func:`minus`)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return marker(str(value)) if value is not None else ""
    shown = f"{abs(value):,.{places}f}" if places is not None else format_number(abs(float(value)))
    return (minus() if value < 0 else "") + shown


def percent(value: Any) -> str:
    """A fraction as a percentage with one decimal (0.0345 -> 3.5%); text (皆増, ―) as written."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return esc(value)
    shown = percent_text(value)
    return (minus() + shown[1:] if shown.startswith("-") else shown) + "%"


def direction(value: Any) -> str:
    word = DIRECTION_WORDS.get(str(value)) if value is not None else None
    if word is None:
        return esc(value)
    return f'<span aria-hidden="true">{esc(value)}</span><span class="vh">{word}</span>'


def change(row: Row) -> str:
    """増減 with the decimals of the two values it comes from; ポイント for percent rows."""
    value = row.get("change")
    if not isinstance(value, int | float) or isinstance(value, bool):
        return esc(value)
    values = [v for v in (row.get("prev"), row.get("curr")) if isinstance(v, int | float)]
    text = number(value, decimals_shown(*values))
    return text + POINTS if row.get("change_unit") == POINTS else text


@dataclass(frozen=True)
class Column:
    """One column of a published table: header text, cell renderer, numeric alignment."""

    label: str
    render: Any  # Callable[[Row], str]
    numeric: bool = False
    row_header: bool = False
    short: bool = False  # a short word (部局名, 単位, 評価): kept on one line


def table(caption: str, table_id: str, columns: Sequence[Column], rows: Iterable[Row]) -> str:
    """A data table with caption and scoped headers, in a focusable scroll region."""
    head = "".join(f'<th scope="col">{esc(c.label)}</th>' for c in columns)
    body = []
    for row in rows:
        cells = []
        for c in columns:
            content = c.render(row)
            if c.row_header:
                cells.append(f'<th scope="row">{content}</th>')
            elif c.numeric or c.short:
                cells.append(f'<td class="{"num" if c.numeric else "short"}">{content}</td>')
            else:
                cells.append(f"<td>{content}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    caption_id = f"{table_id}-caption"
    return (
        f'<div class="scroll" role="region" aria-labelledby="{caption_id}" tabindex="0">'
        f'<table id="{table_id}"><caption id="{caption_id}">{esc(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def page(title: str, intro: str, toc: Sequence[tuple[str, str]], body: str) -> str:
    """The whole page: lang, title, landmarks, table of contents."""
    links = "".join(f'<li><a href="#{anchor}">{esc(label)}</a></li>' for anchor, label in toc)
    nav = f'<nav aria-label="目次"><h2>目次</h2><ul>{links}</ul></nav>' if toc else ""
    return (
        '<!DOCTYPE html>\n<html lang="ja">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<header><h1>{esc(title)}</h1>{intro}</header>\n{nav}\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _years(tables: MasterTables) -> tuple[str, str]:
    prev, curr = (fiscal_year_label(y) for y in tables.fiscal_years)
    return prev, curr


MARKER_LEGEND = (
    '<p class="legend">表の記号: △ はマイナス（減少）、－ は該当なし、… は不詳、x は秘匿を表します。'
    "増減率の「皆増」は前年度が0、「皆減」は当年度が0の場合です。</p>"
)


def initiative_names(tables: MasterTables) -> dict[tuple[str, str], str]:
    """(部局名, 番号) -> 主な取り組み: 実績数値 names its 取り組み by number only."""
    return {
        (str(r.get("department")), str(r.get("no"))): str(r.get("initiative") or "")
        for r in tables.survey
    }


def survey_page(tables: MasterTables) -> str:
    """実績調査.html: per 視点, the 取り組み with their 実績 and the figures behind them."""
    prev, curr = _years(tables)
    title = f"{tables.municipality} 主な取り組み実績調査（{prev}・{curr}実績）"
    names = initiative_names(tables)
    groups = group_rows(tables.survey, tables.config)  # 視点 -> middle heading -> rows
    viewpoint_of = {(str(r.get("department")), str(r.get("no"))): viewpoint
                    for viewpoint, by_heading in groups.items() for rows in by_heading.values() for r in rows}
    figures_by: dict[str, list[Row]] = {}
    for f in tables.figures:
        key = (str(f.get("department")), str(f.get("initiative_no")))
        figures_by.setdefault(viewpoint_of.get(key, NO_VIEWPOINT), []).append(f)
    survey_columns = (
        Column("部局名", lambda r: esc(r.get("department")), short=True),
        Column("番号", lambda r: esc(r.get("no")), short=True),
        Column("主な取り組み", lambda r: paragraphs(r.get("initiative")), row_header=True),
        Column("関連する計画・制度", lambda r: paragraphs(r.get("plan"))),
        Column(f"{prev}実績", lambda r: paragraphs(r.get("prev"))),
        Column(f"{curr}実績", lambda r: paragraphs(r.get("curr"))),
    )
    figure_columns = (
        Column("部局名", lambda r: esc(r.get("department")), short=True),
        Column("取り組み", lambda r: esc(
            f"{r.get('initiative_no')} {names.get((str(r.get('department')), str(r.get('initiative_no'))), '')}".strip()
        )),
        Column("項目", lambda r: esc(r.get("item")), row_header=True),
        Column("単位", lambda r: esc(r.get("unit")), short=True),
        Column("方向", lambda r: direction(r.get("direction")), short=True),
        Column(prev, lambda r: number(r.get("prev")), numeric=True),
        Column(curr, lambda r: number(r.get("curr")), numeric=True),
        Column("増減", change, numeric=True),
        Column("増減率", lambda r: percent(r.get("rate")), numeric=True),
        Column("評価", lambda r: esc(r.get("evaluation")), short=True),
        Column("比較不可の理由・備考", lambda r: esc("／".join(
            str(v) for v in (r.get("reason"), r.get("note")) if v))),
    )
    toc, sections = [], []
    order = [*groups, *(v for v in figures_by if v not in groups)]
    for i, viewpoint in enumerate(order, start=1):
        anchor = f"viewpoint-{i}"
        toc.append((anchor, viewpoint))
        parts = [f'<section aria-labelledby="{anchor}"><h2 id="{anchor}">{esc(viewpoint)}</h2>']
        for j, (heading, rows) in enumerate(groups.get(viewpoint, {}).items(), start=1):
            shown = str(rows[0].get("heading") or "").strip() if heading else ""
            if shown:
                parts.append(f"<h3>{esc(shown)}</h3>")
            caption = f"{viewpoint}{'：' + shown if shown else ''}：主な取り組みと実績"
            parts.append(table(caption, f"survey-{i}-{j}", survey_columns, rows))
        if figures_by.get(viewpoint):
            parts.append(f"<h3>{esc(viewpoint)}の実績数値</h3>")
            parts.append(table(f"{viewpoint}：実績数値（{prev}・{curr}）", f"figures-{i}", figure_columns,
                               figures_by[viewpoint]))
        parts.append("</section>")
        sections.append("".join(parts))
    intro = (
        f"<p>{esc(tables.municipality)}の各部局が取り組みの実績を報告したものです。"
        f"取り組み {len(tables.survey):,}件、実績数値 {len(tables.figures):,}件。</p>{MARKER_LEGEND}"
    )
    return page(title, intro, toc, "\n".join(sections))


def kpi_page(tables: MasterTables) -> str:
    """事業成果目標.html: per 部局, each indicator with its 基準値, target, 実績, 達成率 and 進捗率."""
    prev, curr = _years(tables)
    title = f"{tables.municipality} 部局経営目標 事業成果目標（{prev}・{curr}実績）"
    columns = (
        Column("番号", lambda r: esc(r.get("no")), short=True),
        Column("施策・事業名", lambda r: esc(r.get("policy"))),
        Column("指標名", lambda r: esc(r.get("indicator")), row_header=True),
        Column("単位", lambda r: esc(r.get("unit")), short=True),
        Column("方向", lambda r: direction(r.get("direction")), short=True),
        Column("基準値", lambda r: number(r.get("base")), numeric=True),
        Column("目標値", lambda r: number(r.get("target")), numeric=True),
        Column(f"{prev}実績", lambda r: number(r.get("prev")), numeric=True),
        Column(f"{curr}実績", lambda r: number(r.get("curr")), numeric=True),
        Column("達成率", lambda r: percent(r.get("achievement")), numeric=True),
        Column("進捗率", lambda r: percent(r.get("progress")), numeric=True),
        Column("達成状況", lambda r: esc(r.get("grade") or "未評価"), short=True),
    )
    by_department: dict[str, list[Row]] = {}
    for r in tables.kpis:
        by_department.setdefault(str(r.get("department")), []).append(r)
    toc, sections = [], []
    for i, department in enumerate(by_department, start=1):
        anchor = f"department-{i}"
        toc.append((anchor, department))
        sections.append(
            f'<section aria-labelledby="{anchor}"><h2 id="{anchor}">{esc(department)}</h2>'
            + table(f"{department}の事業成果目標", f"kpis-{i}", columns, by_department[department])
            + "</section>"
        )
    letters = tables.config.get("grades", {}).get("letters") or []
    grades = "、".join(str(g) for g in letters)
    intro = (
        f"<p>{esc(tables.municipality)}の各部局の事業成果目標（指標）と、その実績です。"
        f"指標 {len(tables.kpis):,}件。方向の ↑ は値が高いほど良い指標、↓ は低いほど良い指標、→ は参考値です。"
        f"達成率は目標値に対する{esc(curr)}実績の割合、進捗率は基準値から目標値までのうち{esc(curr)}実績が進んだ割合、達成状況（{esc(grades)}）は各部局の評価です。</p>{MARKER_LEGEND}"
    )
    return page(title, intro, toc, "\n".join(sections))
