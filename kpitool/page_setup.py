"""Print setup shared by the sheets people print: A4 landscape, fit to width, readable text.

A finding list or a return copy is printed and marked up by hand, so it must come out of the
printer as a few landscape pages whose text is still readable. Fitting to the page width
shrinks the text by (page width / table width); with 10 pt text the table must stay within
:data:`PRINTABLE_WIDTH` column-width units for the result to stay at or above 8 pt. The wide
text columns wrap instead, so :func:`fit_widths` narrows them until the table fits.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

A4 = 9  # paper size code of Excel's page setup
# Column-width units that fit the printable width of A4 landscape (with the margins below) at
# a scale of at least 80 %: 784 pt / 0.8 = 980 pt of sheet, and LibreOffice draws one unit of
# the 10 pt default font as about 6.7 pt (measured on its PDF), so about 146; some room kept.
PRINTABLE_WIDTH = 140.0
MARGINS_INCH = {"left": 0.4, "right": 0.4, "top": 0.6, "bottom": 0.6}
FOOTER = "&C&P / &N"  # page / pages
LINE_HEIGHT = 13.5  # points per line of 10 pt BIZ UDPゴシック (and LibreOffice's fallback)
MAX_ROW_HEIGHT = 409.0  # Excel's maximum row height in points


def display_width(text: str) -> int:
    """Column-width units a text takes: 全角 characters count two."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


_BREAK_AFTER = "、。・）」』 ,."


def split_line(text: str, width: float, indent: str = "    ") -> list[str]:
    """``text`` in pieces of at most ``width`` units, broken after 、。・ or a space where one is
    near the end, continued with ``indent``: a long line written to one cell would run off the
    printed page (a cell's text overflows to the right, it does not wrap)."""
    pieces: list[str] = []
    rest = text
    limit = int(width)
    while display_width(rest) > limit:
        used, cut = 0, 0
        for i, ch in enumerate(rest):
            used += display_width(ch)
            if used > limit:
                break
            cut = i + 1
        soft = max((i + 1 for i in range(cut) if rest[i] in _BREAK_AFTER), default=0)
        if soft * 2 > cut:  # a break point in the second half of the piece
            cut = soft
        pieces.append(rest[:cut].rstrip())
        rest = indent + rest[cut:].lstrip()
        limit = int(width)
    pieces.append(rest)
    return pieces


def wrapped_row_height(cells: Iterable[tuple[str, float]]) -> float | None:
    """The height a row of wrapped ``(text, column width)`` cells needs, None for one line.

    Neither Excel nor LibreOffice reliably grows the rows of a generated file to fit wrapped
    text, so printed rows would overlap; the estimate errs on the tall side.
    """
    lines = 1
    for text, width in cells:
        usable = max(int(width) - 1, 1)
        lines = max(lines, sum(max(1, -(-display_width(part) // usable)) for part in text.split("\n")))
    return None if lines == 1 else min(lines * LINE_HEIGHT + 3, MAX_ROW_HEIGHT)


def fit_widths(widths: Sequence[float], total: float = PRINTABLE_WIDTH, floor: float = 12.0) -> list[float]:
    """``widths`` narrowed so that they add up to at most ``total``.

    Only the columns wider than ``floor`` give up width, each in proportion to what it has
    above ``floor`` (their text wraps); narrow columns (codes, cells) keep theirs.
    """
    excess = sum(widths) - total
    slack = sum(max(0.0, w - floor) for w in widths)
    if excess <= 0 or slack <= 0:
        return list(widths)
    factor = min(1.0, excess / slack)
    return [w - (w - floor) * factor if w > floor else w for w in widths]


def landscape_xlsxwriter(ws: Any, *, repeat_rows: tuple[int, int] | None = None,
                         print_area: tuple[int, int, int, int] | None = None, header: str = "") -> None:
    """A4 landscape, one page wide, titles repeated, page numbers (an XlsxWriter worksheet)."""
    ws.set_paper(A4)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(**MARGINS_INCH)
    ws.set_footer(FOOTER)
    if header:
        ws.set_header("&L" + header.replace("&", "&&"))
    if repeat_rows is not None:
        ws.repeat_rows(*repeat_rows)
    if print_area is not None:
        ws.print_area(*print_area)


def landscape_openpyxl(ws: Any, *, repeat_rows: str = "", print_area: str = "", header: str = "") -> None:
    """The same print setup on an openpyxl worksheet (the return copy's 検証結果 sheet)."""
    ws.page_setup.paperSize = A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    for side, inches in MARGINS_INCH.items():
        setattr(ws.page_margins, side, inches)
    ws.oddFooter.center.text = "&P / &N"
    if header:
        ws.oddHeader.left.text = header.replace("&", "&&")
    if repeat_rows:
        ws.print_title_rows = repeat_rows
    if print_area:
        ws.print_area = print_area
