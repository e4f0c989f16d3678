"""Import a published 実績調査 (text/TSV, HTML or .docx) as figure candidates for departments to confirm.

A city starting with kpitool has last year's 実績調査 as a web page, a Word file or text, with the
figures inside the prose. :func:`import_survey` reads its table (視点 | 主な取り組み | 関連する計画・制度 |
令和N年度実績 | 令和N+1年度実績), extracts the figures of both 実績 cells of each 取り組み
(:mod:`kpitool.narrative.extract`), pairs them by label and unit (:mod:`kpitool.narrative.pairing`) and
writes ``実績数値候補.csv``; optionally it prefills one department template per 視点.

Nothing imported is final: every prefilled 実績 text and 実績数値 row carries the marker
``【要確認】`` (:data:`UNCONFIRMED`), which validation reports as an error (E-NARR-001) until the
department has checked the row and removed it — so an extracted figure is never consolidated
without a department confirming it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from kpitool.dates import western_year
from kpitool.errors import InputError
from kpitool.narrative.consistency import UNCONFIRMED
from kpitool.narrative.extract import extract, fold, plain_text
from kpitool.narrative.pairing import Pair, pair_mentions
from kpitool.narrative.prefill import unique_items

__all__ = ["CSV_COLUMNS", "UNCONFIRMED", "ImportResult", "Initiative", "import_survey", "read_survey"]

CSV_NAME = "実績数値候補.csv"
CSV_COLUMNS = ("行", "視点", "取り組み", "項目", "単位", "前年度", "当年度", "根拠（前年度）", "根拠（当年度）")
_YEAR_HEADER_RE = re.compile(r"令和\s*(元|\d{1,2})\s*年度\s*実績")
_TITLE_RE = re.compile(r"<b>(.*?)</b>", re.S)
_DANGEROUS = ("=", "+", "-", "@")


@dataclass
class Initiative:
    """One 取り組み row of the published table."""

    number: int  # its row in the table (1, 2, …), used as 番号 in the templates
    viewpoint: str
    title: str  # 取り組み名: the bold titles of the cell
    content: str  # 内容: the rest of the cell (●…)
    plan: str
    prev: str  # 前年度実績, as plain text
    curr: str
    pairs: list[Pair] = field(default_factory=list)


@dataclass
class ImportResult:
    years: tuple[int, int]
    initiatives: list[Initiative]
    csv_path: Path
    templates: list[Path] = field(default_factory=list)

    @property
    def figures(self) -> int:
        return sum(len(i.pairs) for i in self.initiatives)


# --- reading the table -----------------------------------------------------------------------


def read_survey(path: Path) -> tuple[tuple[int, int], list[Initiative]]:
    """The fiscal years of the 実績 columns and the 取り組み of a published 実績調査."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".docx":
            rows = _docx_rows(path)
        else:
            text = path.read_bytes().decode("utf-8-sig")
            rows = _html_rows(text) if suffix in (".html", ".htm") or "<table" in text.lower() else _tsv_rows(text)
    except FileNotFoundError:
        raise InputError(f"ファイルが見つかりません: {path}") from None
    except UnicodeDecodeError:
        raise InputError(f"UTF-8 のテキストとして読めません: {path}（.txt/.tsv/.html は UTF-8 で保存してください）") from None
    return _initiatives(rows, path)


def _tsv_rows(text: str) -> list[list[str]]:
    return [line.split("\t") for line in text.splitlines() if line.strip()]


class _TableParser(HTMLParser):
    """Rows of the HTML tables, each cell kept as HTML (<p>, <b>, <br> matter to the extractor)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th") and self.rows:
            self._cell = []
        elif self._cell is not None and tag in ("p", "br", "b", "li", "div"):
            self._cell.append(f"<{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None
        elif self._cell is not None and tag in ("p", "b", "li", "div"):
            self._cell.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_entityref(self, name: str) -> None:
        if self._cell is not None:
            self._cell.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        if self._cell is not None:
            self._cell.append(f"&#{name};")


def _html_rows(text: str) -> list[list[str]]:
    parser = _TableParser()
    parser.feed(text)
    parser.close()
    return [row for row in parser.rows if row]


def _docx_rows(path: Path) -> list[list[str]]:
    try:
        import docx  # python-docx
        from docx.opc.exceptions import PackageNotFoundError
    except ImportError as exc:  # a dependency, but say so plainly if it is missing
        raise InputError("Word ファイル（.docx）を読むには python-docx が必要です。") from exc
    try:
        document = docx.Document(str(path))
    except PackageNotFoundError:
        raise InputError(f"Word ファイル（.docx）として開けません: {path}") from None
    rows: list[list[str]] = []
    for table in document.tables:
        for row in table.rows:
            cells: list[str] = []
            last = None
            for cell in row.cells:
                if cell._tc is last:  # a merged cell repeats: keep it once
                    continue
                last = cell._tc
                cells.append("".join(f"<p>{_escape(p.text)}</p>" for p in cell.paragraphs if p.text.strip()))
            rows.append(cells)
    return rows


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _year(token: str) -> int:
    return western_year("令和", 1 if token == "元" else int(fold(token)))


_VIEWPOINT_RE = re.compile(r"^視点\s*[0-9０-９]+")


def _initiatives(rows: Iterable[list[str]], path: Path) -> tuple[tuple[int, int], list[Initiative]]:
    """The 取り組み of every table; a table's 視点 is its 「視点N …」 cell wherever the flattened
    rowspan put it (seed 004 prints it on the middle row of its group, beside 「(2) …」)."""
    years: tuple[int, int] | None = None
    columns: tuple[int, int] = (3, 4)
    out: list[Initiative] = []
    table: list[Initiative] = []

    def close(group: list[Initiative]) -> None:
        named = next((i.viewpoint for i in group if _VIEWPOINT_RE.match(i.viewpoint)), "")
        last = ""
        for initiative in group:
            last = initiative.viewpoint or last
            initiative.viewpoint = named or last
        out.extend(group)

    for cells in rows:
        found = [(i, _YEAR_HEADER_RE.search(plain_text(c))) for i, c in enumerate(cells)]
        found = [(i, m) for i, m in found if m]
        if len(found) >= 2:  # a header row: where the two 実績 columns are, and their years
            years = (_year(found[0][1].group(1)), _year(found[1][1].group(1)))
            columns = (found[0][0], found[1][0])
            close(table)
            table = []
            continue
        if years is None or len(cells) <= columns[1]:
            continue
        prev, curr = plain_text(cells[columns[0]]), plain_text(cells[columns[1]])
        if not prev and not curr:
            continue  # a 視点's description row
        viewpoint = plain_text(cells[0]) if columns[0] >= 3 else ""
        titles = [plain_text(t) for t in _TITLE_RE.findall(cells[1])] if len(cells) > 1 else []
        body = plain_text(_TITLE_RE.sub("", cells[1])) if len(cells) > 1 else ""
        if not titles and body:
            titles, body = [body.splitlines()[0]], "\n".join(body.splitlines()[1:])
        plan = plain_text(cells[2]) if columns[0] >= 3 and len(cells) > 2 else ""
        table.append(Initiative(len(out) + len(table) + 1, viewpoint, "、".join(titles), body, plan, prev, curr))
    close(table)
    if years is None:
        raise InputError(
            f"実績調査の表が見つかりません: {path}（見出しに「令和4年度実績」「令和5年度実績」のような列が必要です）"
        )
    return years, out


# --- the candidates ------------------------------------------------------------------------


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _safe(text: str) -> str:
    """Text a spreadsheet must not read as a formula."""
    return "'" + text if text.startswith(_DANGEROUS) else text


def candidate_rows(years: tuple[int, int], initiatives: Sequence[Initiative]) -> list[list[str]]:
    """One CSV row per paired figure, in the table's order."""
    rows: list[list[str]] = []
    for initiative in initiatives:
        prev = extract(initiative.prev)
        curr = extract(initiative.curr)
        initiative.pairs = pair_mentions(prev, curr, years)
        for item, pair in zip(unique_items(initiative.pairs), initiative.pairs, strict=True):
            rows.append([
                str(initiative.number), initiative.viewpoint, initiative.title, item, pair.unit,
                _number(pair.prev.value if pair.prev else None), _number(pair.curr.value if pair.curr else None),
                pair.prev.sentence if pair.prev else "", pair.curr.sentence if pair.curr else "",
            ])
    return [[_safe(v) for v in row] for row in rows]


def write_candidates(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8-sig", newline="")
    return path


def import_survey(
    source: Path,
    out_dir: Path,
    *,
    templates: bool = False,
    municipality: str = "",
    roster: Sequence[str] = (),
    grades: Sequence[str] = ("A", "B", "C"),
) -> ImportResult:
    """Read ``source``, write ``実績数値候補.csv`` (and templates) into ``out_dir``."""
    years, initiatives = read_survey(Path(source))
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = candidate_rows(years, initiatives)
    result = ImportResult(years, initiatives, write_candidates(out_dir / CSV_NAME, rows))
    if templates:
        from kpitool.narrative.prefill import (
            write_prefilled_templates,  # imports the template writer
        )

        result.templates = write_prefilled_templates(
            out_dir, years, initiatives, municipality=municipality, roster=roster, grades=grades)
    return result
