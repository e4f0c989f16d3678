"""The sheet 実績調査（公表用）: the 実績調査 laid out as the city publishes it, nothing cut.

菊川市's published 実績調査 (seed 004) reads 視点 → middle heading such as 「(1) 計画的な行政運営」
→ each 取り組み with a bold title and a ● description → 令和4年度実績 / 令和5年度実績. This sheet
prints that way: 視点 in the configured order (else in order of first appearance; 「視点１」 and
「視点1」 are one group), headings as their own rows, the header row repeated on every page.

Excel cannot print more of a cell than its row shows, and a row is at most 409 pt high: the
real 1,090-character 実績 of 菊川市 財務部 (令和4年度) would lose ③④⑤. So a long text goes on
following rows, cut at its paragraphs or before ①②③…, failing that after a sentence (。), and
only as a last resort inside a sentence. Each row's height is the estimate of
:func:`kpitool.master.writer.row_height` (which errs on the tall side), so what a row holds
prints in full. There are no merged cells: the tidy 実績調査 sheet stays the machine-readable one,
this one is for paper and PDF (``kpitool publish`` prints it to 実績調査.pdf).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kpitool.master.layout import PUBLICATION  # noqa: F401  (the sheet's name, with the other sheets)
from kpitool.spec import fiscal_year_label

NO_VIEWPOINT = "（視点の記入なし）"
CONTINUED = "（続き）"
BULLET = "●"
MAX_ROW_HEIGHT = 409.0  # Excel's limit, in points
LINE_HEIGHT = 16.5  # points per line of the 11 pt font (as kpitool.master.writer)
MAX_LINES = int((MAX_ROW_HEIGHT - 3) // LINE_HEIGHT)  # lines one row can show: 24

_NUMBERED = re.compile(r"(?=[\u2460-\u2473\u3251-\u325f\u32b1-\u32bf])")  # before ①…⑳, ㉑…㊿
_SENTENCE = re.compile(r"(?<=。)")


@dataclass(frozen=True)
class PubColumn:
    key: str
    label: str
    width: float


def columns(fiscal_years: tuple[int, int]) -> tuple[PubColumn, ...]:
    """The printed columns; they add up to 134 units, ≥ 8 pt on A4 landscape."""
    prev, curr = (fiscal_year_label(y) for y in fiscal_years)
    return (
        PubColumn("no", "番号", 5),
        PubColumn("initiative", "主な取り組み", 28),
        PubColumn("plan", "関連する計画・制度", 15),
        PubColumn("prev", f"{prev}実績", 38),
        PubColumn("curr", f"{curr}実績", 38),
        PubColumn("department", "担当部局", 10),
    )


# --- how much a row can show -----------------------------------------------------------------


def _display_width(text: str) -> int:
    """Width in column units (全角 two); pure ASCII, the common case of numbers, is its length."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _lines(widths: Iterable[int], usable: int) -> int:
    """Lines the wrapped lines of these display widths need in a column of ``usable`` units."""
    return sum(max(1, -(-w // usable)) for w in widths)


@functools.lru_cache(maxsize=8192)
def lines_of(text: str, width: float) -> int:
    """Lines a wrapped cell of ``width`` units needs (the estimate of the writer's row heights).

    Cached: every chunk of :func:`split_text` is measured again for its row's height, and the
    validator asks the same of the same texts.
    """
    usable = max(int(width - 1), 1)
    return _lines((_display_width(part) for part in text.split("\n")), usable)


def fits_one_row(text: str, width: float) -> bool:
    """Whether ``text`` prints in full in one row of a column ``width`` units wide."""
    return lines_of(text, width) <= MAX_LINES


@functools.cache
def _tidy_widths() -> dict[str, float]:
    from kpitool.master.layout import SURVEY, layouts

    layout = layouts((2022, 2023))[SURVEY]  # widths do not depend on the years
    return {c.key: c.width for c in layout.columns if c.wrap and c.key in ("initiative", "plan", "prev", "curr")}


def tidy_width(key: str) -> float | None:
    """The width of a text column of the master's 実績調査 sheet (None: not a printed text)."""
    return _tidy_widths().get(key)


def _pieces(text: str) -> list[tuple[str, str]]:
    """(separator before it, piece): paragraphs, then the parts before each ①②③."""
    out: list[tuple[str, str]] = []
    for p, paragraph in enumerate(text.split("\n")):
        for n, part in enumerate(x for x in _NUMBERED.split(paragraph) if x):
            out.append(("\n" if p and not n else "", part))
    return out


def _smaller(piece: str, width: float) -> list[str]:
    """A piece too long for one row, cut after its sentences, else inside them."""
    sentences = [s for s in _SENTENCE.split(piece) if s]
    if len(sentences) > 1:
        return sentences
    usable = max(int(width - 1), 1)
    per_row = usable * MAX_LINES // 2  # 全角 characters that surely fit
    return [piece[i:i + per_row] for i in range(0, len(piece), per_row)]


def split_text(text: str, width: float) -> list[str]:
    """``text`` in chunks that each print in full in one row of ``width`` units.

    Pieces are added to the current chunk while it still fits. A chunk is tracked as the display
    widths of its lines (a piece holds no line break; its separator is "" or a line break), so
    each character is measured once, not once per candidate chunk.
    """
    if fits_one_row(text, width):
        return [text]
    usable = max(int(width - 1), 1)
    queue = _pieces(text)
    chunks: list[str] = []
    current = ""
    current_widths: list[int] = []
    while queue:
        separator, piece = queue.pop(0)
        piece_width = _display_width(piece)
        if _lines((piece_width,), usable) > MAX_LINES:
            queue[:0] = [(separator if i == 0 else "", part) for i, part in enumerate(_smaller(piece, width))]
            continue
        if not current:
            candidate, widths = piece, [piece_width]
        elif separator:  # a line break: the piece starts a new line
            candidate, widths = current + separator + piece, [*current_widths, piece_width]
        else:  # the piece continues the last line
            candidate, widths = current + piece, [*current_widths[:-1], current_widths[-1] + piece_width]
        if _lines(widths, usable) <= MAX_LINES:
            current, current_widths = candidate, widths
        else:
            chunks.append(current)
            current, current_widths = piece, [piece_width]
    if current:
        chunks.append(current)
    return chunks


# --- grouping -----------------------------------------------------------------------------------


def viewpoint_key(value: Any) -> str:
    """The grouping key of a 視点: 「視点１」 and 「視点1 」 are one group (NFKC, spaces collapsed)."""
    if value is None or not str(value).strip():
        return NO_VIEWPOINT
    return " ".join(unicodedata.normalize("NFKC", str(value)).split())


def configured_viewpoints(config: Any) -> list[tuple[str, tuple[str, ...]]]:
    """(視点, its middle headings) from a Config or its recorded dict; [] when not configured."""
    if isinstance(config, Mapping):
        survey = config.get("survey") or {}
        raw = survey.get("viewpoints", []) if isinstance(survey, Mapping) else []
        raw = raw or config.get("viewpoints") or []
    else:
        raw = getattr(getattr(config, "survey", None), "viewpoints", ()) or ()
    out = []
    for v in raw:
        if isinstance(v, Mapping):
            out.append((str(v.get("name", "")), tuple(str(h) for h in v.get("headings", ()) or ())))
        elif isinstance(v, str):
            out.append((v, ()))
        else:
            out.append((str(getattr(v, "name", v)), tuple(getattr(v, "headings", ()) or ())))
    return out


def group_rows(rows: Iterable[Mapping[str, Any]], config: Any = None) -> dict[str, dict[str, list[Mapping[str, Any]]]]:
    """視点 -> middle heading ("" for none) -> rows, in configured order, then first appearance.

    The rows without a middle heading come first in their 視点: printed after a heading, they
    would read as that heading's 取り組み.
    """
    configured = configured_viewpoints(config)
    groups: dict[str, dict[str, list[Mapping[str, Any]]]] = {}
    names: dict[str, str] = {}
    for name, headings in configured:
        key = viewpoint_key(name)
        names[key] = name
        groups[key] = {viewpoint_key(h) if h else "": [] for h in headings}
    spelled: dict[str, str] = {}
    for row in rows:
        key = viewpoint_key(row.get("viewpoint"))
        spelled.setdefault(key, str(row.get("viewpoint") or NO_VIEWPOINT).strip())
        heading = row.get("heading")
        groups.setdefault(key, {}).setdefault(viewpoint_key(heading) if heading else "", []).append(row)
    out = {}
    for key, by_heading in groups.items():
        kept = {h: r for h, r in sorted(by_heading.items(), key=lambda item: item[0] != "") if r}
        if kept:
            out[names.get(key, spelled.get(key, key))] = kept
    return out


# --- the rows of the sheet ----------------------------------------------------------------------


@dataclass
class PrintRow:
    """One row of the sheet: what kind, its cells (key -> text) and its height (None: default)."""

    kind: str  # "title", "header", "viewpoint", "heading", "initiative", "continued"
    cells: dict[str, str] = field(default_factory=dict)
    height: float | None = None
    title: str = ""  # the bold part of the 主な取り組み cell (first row of a 取り組み only)


def _height(cells: Mapping[str, str], widths: Mapping[str, float]) -> float | None:
    lines = max((lines_of(text, widths[key]) for key, text in cells.items() if text), default=1)
    return None if lines <= 1 else min(lines * LINE_HEIGHT + 3, MAX_ROW_HEIGHT)


def initiative_text(row: Mapping[str, Any]) -> tuple[str, str]:
    """(bold title, whole cell text): the title, then ● and the description when there is one."""
    title = str(row.get("initiative") or "").strip()
    content = str(row.get("content") or "").strip()
    if content and not content.startswith(BULLET):
        content = BULLET + content
    return title, "\n".join(t for t in (title, content) if t)


def publication_rows(rows: Iterable[Mapping[str, Any]], municipality: str, fiscal_years: tuple[int, int],
                     config: Any = None) -> list[PrintRow]:
    """Every row of 実績調査（公表用）, from the 実績調査 rows (keys of :data:`kpitool.model.SURVEY_COLUMNS`)."""
    cols = columns(fiscal_years)
    widths = {c.key: c.width for c in cols}
    prev, curr = (fiscal_year_label(y) for y in fiscal_years)
    out = [
        PrintRow("title", {"no": f"{municipality} 主な取り組み実績調査（{prev}・{curr} 実績）"}),
        PrintRow("header", {c.key: c.label for c in cols}),
    ]
    out[1].height = _height(out[1].cells, widths)
    for viewpoint, by_heading in group_rows(rows, config).items():
        out.append(PrintRow("viewpoint", {"no": viewpoint}))
        for heading, items in by_heading.items():
            if heading:
                first = items[0].get("heading")
                out.append(PrintRow("heading", {"no": str(first).strip() if first else heading}))
            for item in items:
                title, initiative = initiative_text(item)
                texts = {
                    "initiative": initiative,
                    "plan": str(item.get("plan") or "").strip(),
                    "prev": str(item.get("prev") or "").strip(),
                    "curr": str(item.get("curr") or "").strip(),
                }
                chunks = {k: split_text(v, widths[k]) if v else [] for k, v in texts.items()}
                count = max(1, *(len(c) for c in chunks.values()))
                for i in range(count):
                    cells = {k: c[i] for k, c in chunks.items() if i < len(c)}
                    if i == 0:
                        cells["no"] = str(item.get("no") or "")
                        cells["department"] = str(item.get("department") or "")
                        kind = "initiative"
                    else:  # the number again (its column is narrow), （続き） where the 取り組み is
                        cells["no"] = str(item.get("no") or "")
                        cells.setdefault("initiative", CONTINUED)
                        kind = "continued"
                    row = PrintRow(kind, cells, _height(cells, widths))
                    if i == 0 and title and cells.get("initiative", "").startswith(title):
                        row.title = title
                    out.append(row)
    return out


# --- writing (XlsxWriter) ---------------------------------------------------------------------


def write_publication(workbook: Any, sheet: Any, rows: Sequence[PrintRow], fiscal_years: tuple[int, int], *,
                      font: str, font_size: float, paper: str = "A4") -> None:
    """Write the rows into ``sheet``: wrapped text, bold headings, print setup, no merged cells."""
    from kpitool.master.printing import PAPERS, setup_print

    cols = columns(fiscal_years)
    base = {"font_name": font, "font_size": font_size, "valign": "top", "text_wrap": True, "border": 1}
    band = {k: v for k, v in base.items() if k != "border"} | {"top": 1, "bottom": 1}
    # A 視点 or middle heading overflows from A across the row: boxed as one band (outer borders
    # only), since a border between its cells would strike through the heading's text.
    bands = {
        kind: [workbook.add_format({**band, "bold": True, "text_wrap": False, **fill, **side})
               for side in ({"left": 1}, {}, {"right": 1})]
        for kind, fill in (("viewpoint", {"bg_color": "#F2F2F2"}), ("heading", {}))
    }
    formats = {
        "title": workbook.add_format({"font_name": font, "font_size": font_size + 3, "bold": True}),
        "header": workbook.add_format({**base, "bold": True, "bg_color": "#DDEBF7", "valign": "vcenter"}),
        "cell": workbook.add_format(base),
        "bold_cell": workbook.add_format({**base, "bold": True}),
        "continued": workbook.add_format({**base, "italic": True}),
    }
    bold = workbook.add_format({"font_name": font, "font_size": font_size, "bold": True})
    for c, column in enumerate(cols):
        sheet.set_column(c, c, column.width)
    header_row = 1
    for r, row in enumerate(rows):
        if row.height is not None:
            sheet.set_row(r, row.height)
        if row.kind == "title":
            sheet.write_string(r, 0, row.cells["no"], formats["title"])
            continue
        if row.kind in ("viewpoint", "heading"):  # a heading row: text in A, the row boxed
            first, middle, last = bands[row.kind]
            sheet.write_string(r, 0, row.cells["no"], first)
            for c in range(1, len(cols)):
                sheet.write_blank(r, c, None, last if c == len(cols) - 1 else middle)
            continue
        fmt = formats["header"] if row.kind == "header" else formats["cell"]
        for c, column in enumerate(cols):
            value = row.cells.get(column.key, "")
            if column.key == "initiative" and row.kind == "continued" and value == CONTINUED:
                sheet.write_string(r, c, value, formats["continued"])
            elif column.key == "initiative" and row.title and len(value) > len(row.title):
                sheet.write_rich_string(r, c, bold, row.title, value[len(row.title):], fmt)
            elif column.key == "initiative" and row.title:  # a title without description: all bold
                sheet.write_string(r, c, value, formats["bold_cell"])
            elif value:
                sheet.write_string(r, c, value, fmt)
            else:
                sheet.write_blank(r, c, None, fmt)
    sheet.freeze_panes(header_row + 1, 0)
    setup_print(sheet, [c.width for c in cols], font_size, last_row=len(rows) - 1, repeat_rows=header_row,
                paper=PAPERS[paper], gridlines=False)
