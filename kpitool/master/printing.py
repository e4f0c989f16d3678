"""How the master's sheets print: what goes on paper, on which paper, and how small.

Auditors and committees read the master on paper. Every sheet prints landscape, fitted to
the page width, with its header row repeated and page numbers; a data sheet prints only its
printed columns (the layout puts the audit columns — 出典, SHA-256, 行の検証値, values as
written — last, so the print area is one block and they stay on screen only).

"Fitted to the width" shrinks the text; below 8 pt it is unreadable. :func:`effective_font_size`
computes the size the text will print at from the column widths and the paper, so the layout's
widths can be checked (tests do, for every sheet) instead of discovered on a printout. One
column-width unit of the 11 pt default font prints about 7.5 pt wide at 100 % in LibreOffice
(measured on its PDF, 7.65 taken; Excel draws it narrower, about 6.4 pt, so the estimate is
on the safe side): A4 landscape then holds about 140 units at 8 pt, A3 about 203.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kpitool.model import ACTION_STATUSES, Status

MIN_FONT_PT = 8.0  # the smallest text that may be printed
POINTS_PER_UNIT = 7.65 / 11  # printed width of one column-width unit, per point of the default font
MARGIN_SIDE_IN = 0.4  # left and right margins (inches); header/footer in the top and bottom ones
MARGIN_TOP_IN = 0.6
MARGIN_BOTTOM_IN = 0.6


@dataclass(frozen=True)
class Paper:
    """A paper size: XlsxWriter's index and the landscape width in points."""

    name: str
    index: int
    landscape_width_pt: float

    @property
    def printable_width_pt(self) -> float:
        return self.landscape_width_pt - 2 * MARGIN_SIDE_IN * 72


PAPERS = {
    "A4": Paper("A4", 9, 297 / 25.4 * 72),
    "A3": Paper("A3", 8, 420 / 25.4 * 72),
}


def column_points(width: float, font_size: float) -> float:
    """The printed width of a column of ``width`` character units at 100 %, in points."""
    return width * POINTS_PER_UNIT * font_size


def fit_scale(widths: Sequence[float], paper: Paper, font_size: float) -> float:
    """The scale "fit to page width" prints at (never above 100 %)."""
    total = sum(column_points(w, font_size) for w in widths)
    return min(1.0, paper.printable_width_pt / total) if total else 1.0


def effective_font_size(widths: Sequence[float], paper: Paper, font_size: float) -> float:
    """The size, in points, that text of ``font_size`` prints at on ``paper``."""
    return font_size * fit_scale(widths, paper, font_size)


def paper_for(widths: Sequence[float], font_size: float, papers: Sequence[str] = ("A4", "A3")) -> Paper:
    """The first paper of ``papers`` on which the text prints at :data:`MIN_FONT_PT` or more."""
    for name in papers:
        if effective_font_size(widths, PAPERS[name], font_size) >= MIN_FONT_PT:
            return PAPERS[name]
    return PAPERS[papers[-1]]


def printed_columns(columns: Sequence[Any]) -> int:
    """How many leading columns of a layout print; the rest must all be audit columns."""
    count = 0
    for column in columns:
        if not getattr(column, "printed", True):
            break
        count += 1
    if any(getattr(c, "printed", True) for c in columns[count:]):
        raise ValueError("a printed column follows an audit column: the print area would not be one block")
    return count


def setup_print(sheet: Any, widths: Sequence[float], font_size: float, *, last_row: int | None = None,
                repeat_rows: int | None = 0, paper: Paper | None = None, gridlines: bool = True) -> Paper:
    """Landscape on the paper that keeps the text ≥ 8 pt, fitted to the width of ``widths``.

    ``widths`` are the printed columns, from column A. With ``last_row`` the print area ends
    at the last printed column; without, the whole used range prints (free-form sheets).
    ``gridlines=False`` keeps the gridlines on screen only, for a sheet whose tables carry their
    own borders (概要, 実績調査（公表用）): printed gridlines would draw a grid over its empty
    cells, around and between 概要's charts. Returns the paper chosen.
    """
    chosen = paper or paper_for(widths, font_size)
    sheet.set_paper(chosen.index)
    sheet.set_landscape()
    sheet.set_margins(left=MARGIN_SIDE_IN, right=MARGIN_SIDE_IN, top=MARGIN_TOP_IN, bottom=MARGIN_BOTTOM_IN)
    sheet.fit_to_pages(1, 0)
    if repeat_rows is not None:
        sheet.repeat_rows(repeat_rows)
    if last_row is not None:
        sheet.print_area(0, 0, max(last_row, 1), len(widths) - 1)
    sheet.set_header("&L&A", {"margin": 0.3})
    sheet.set_footer("&C&P / &N", {"margin": 0.3})
    # The data sheets' tables have no borders: gridlines on screen and on paper.
    sheet.hide_gridlines(0 if gridlines else 1)
    return chosen


AUDIT_WIDTHS = (24, 18, 6, 12, 34, 22, 18)  # 監査ログ's columns; a SHA-256 wraps onto two lines
CHASED_STATUSES = (Status.MISSING, *ACTION_STATUSES)  # 提出状況 rows the office must follow up


def mark_statuses(sheet: Any, workbook: Any, layout: Any, last_row: int) -> None:
    """Bold, boxed rows for departments to chase; the 状況 column says why in words."""
    status = f"${layout.letter('status')}2"
    test = ",".join(f'{status}="{s}"' for s in CHASED_STATUSES)
    marked = workbook.add_format({"bold": True, "bg_color": "#FFF2CC", "border": 1})
    sheet.conditional_format(1, 0, max(last_row, 1), len(layout.columns) - 1,
                             {"type": "formula", "criteria": f"=OR({test})", "format": marked})
