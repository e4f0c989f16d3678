"""``kpitool publish`` (issue 12, item 4): HTML pages, CSVs and PDF for the city's website.

The pages are parsed with a real HTML parser (:mod:`html.parser`) into tables, and the
expected figures are read from the master with openpyxl, independently of kpitool's reader.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
import workbooks
from master_cases import make_consolidation

from kpitool.cli import main
from kpitool.master.writer import write_master
from kpitool.publish import publish_master

SCRIPT = "<script>alert('x')</script> & \"引用\""


# --- a small DOM of what matters: tables, headings, hidden text -------------------------------


@dataclass
class Cell:
    tag: str
    attrs: dict[str, str | None]
    seen: str = ""  # what a sighted reader sees (screen-reader-only text left out)
    heard: str = ""  # what a screen reader reads (aria-hidden text left out)


@dataclass
class Table:
    caption: str = ""
    header: list[Cell] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)
    nested: bool = False

    def column(self, label: str) -> int:
        return [c.seen for c in self.header].index(label)


class Page(HTMLParser):
    """Tables with their cells, headings, the html lang, and every tag seen."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.lang: str | None = None
        self.tables: list[Table] = []
        self.headings: list[tuple[str, str]] = []
        self.tags: list[str] = []
        self._open: list[tuple[str, bool, bool]] = []  # (tag, aria-hidden, visually hidden)
        self._table: Table | None = None
        self._cell: Cell | None = None
        self._caption = False
        self._in_head = False
        self._heading: list[str] | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "html":
            self.lang = a.get("lang")
        hidden = a.get("aria-hidden") == "true"
        visually_hidden = "vh" in (a.get("class") or "").split()
        if tag not in ("br", "meta", "img", "input", "hr", "link"):
            self._open.append((tag, hidden, visually_hidden))
        if tag == "table":
            if self._table is not None:
                self._table.nested = True
            self._table = Table()
            self.tables.append(self._table)
        elif tag == "caption":
            self._caption = True
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr" and self._table is not None and not self._in_head:
            self._table.rows.append([])
        elif tag in ("th", "td") and self._table is not None:
            self._cell = Cell(tag, a)
            (self._table.header if self._in_head else self._table.rows[-1]).append(self._cell)
        elif tag in ("h1", "h2", "h3"):
            self._heading = [tag, ""]

    def handle_endtag(self, tag):
        while self._open:
            name, _h, _v = self._open.pop()
            if name == tag:
                break
        if tag == "caption":
            self._caption = False
        elif tag == "table":
            self._table = None
        elif tag == "thead":
            self._in_head = False
        elif tag in ("th", "td"):
            self._cell = None
        elif tag in ("h1", "h2", "h3") and self._heading:
            self.headings.append((self._heading[0], self._heading[1]))
            self._heading = None

    def handle_data(self, data):
        hidden = any(h for _t, h, _v in self._open)
        visually_hidden = any(v for _t, _h, v in self._open)
        if self._caption and self._table is not None:
            self._table.caption += data
        if self._heading is not None:
            self._heading[1] += data
        if self._cell is not None:
            if not visually_hidden:
                self._cell.seen += data
            if not hidden:
                self._cell.heard += data


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_master(tmp_path_factory) -> Path:
    """The demo's master (菊川市's six departments), written as ``kpitool demo`` writes it."""
    return workbooks.demo_master(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def demo_site(demo_master, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    publish_master(demo_master, out)
    return out


@pytest.fixture
def small_site(tmp_path) -> Path:
    """The master of the shared test cases, with markup planted in department texts."""
    (tmp_path / "inbox").mkdir()
    consolidation = make_consolidation(tmp_path / "inbox")
    consolidation.survey.loc[0, "initiative"] = SCRIPT
    consolidation.survey.loc[0, "curr"] = f"前半\n{SCRIPT}"
    master = write_master(consolidation, tmp_path / "master.xlsx").master
    publish_master(master, tmp_path / "site")
    return tmp_path / "site"


def page(site: Path, name: str) -> Page:
    return Page((site / name).read_text(encoding="utf-8"))


def sheet_rows(master: Path, name: str) -> list[dict[str, object]]:
    book = openpyxl.load_workbook(master, data_only=True, read_only=True)
    try:
        rows = list(book[name].iter_rows(values_only=True))
    finally:
        book.close()
    header = [str(v) for v in rows[0]]
    return [dict(zip(header, r, strict=False)) for r in rows[1:] if any(v is not None for v in r)]


def shown(value: object) -> tuple[str, str]:
    """(seen, heard) for a figure of the master: 1,972 / △1,972 and マイナス1,972; markers as is."""
    if not isinstance(value, int | float):
        return str(value), ""
    digits = f"{abs(value):,.0f}" if float(value).is_integer() else f"{abs(value):,}"
    return ("△" + digits, "マイナス" + digits) if value < 0 else (digits, digits)


# --- structure -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["実績調査.html", "事業成果目標.html"])
def test_pages_are_japanese_with_captions_and_scoped_headers(demo_site, name):
    p = page(demo_site, name)
    assert p.lang == "ja"
    assert [h for h, _ in p.headings].count("h1") == 1
    assert "script" not in p.tags and "img" not in p.tags
    assert p.tables, "no table"
    for table in p.tables:
        assert table.caption.strip(), "a table without caption"
        assert not table.nested, "a table inside a table (layout table)"
        assert table.header and all(c.tag == "th" and c.attrs.get("scope") == "col" for c in table.header)
        for row in table.rows:
            assert len(row) == len(table.header)
            headers = [c for c in row if c.tag == "th"]
            assert len(headers) == 1 and headers[0].attrs.get("scope") == "row"


def test_survey_page_groups_by_viewpoint_with_every_text(demo_site, demo_master):
    p = page(demo_site, "実績調査.html")
    survey = sheet_rows(demo_master, "実績調査")
    viewpoints = list(dict.fromkeys(str(r["視点"]) for r in survey))
    # in the config's 視点 order (the demo config lists 視点1, 視点2, 視点3), not in order of appearance
    assert [text for h, text in p.headings if h == "h2"] == ["目次", *sorted(viewpoints)]
    assert viewpoints != sorted(viewpoints)
    name = "主な取り組み" if "主な取り組み" in survey[0] else "取り組み名"
    for r in survey:
        found = [(t, row) for t in p.tables if t.caption.startswith(str(r["視点"])) and "主な取り組み" in t.caption
                 for row in t.rows if row[t.column("主な取り組み")].seen == r[name]
                 and row[t.column("部局名")].seen == r["部局名"]]
        assert len(found) == 1, r[name]
        table, row = found[0]
        for label in ("令和4年度実績", "令和5年度実績"):
            assert row[table.column(label)].seen == str(r[label] or "").replace("\n", "")


def test_every_figure_of_the_master_is_on_the_pages(demo_site, demo_master):
    checked = 0
    for page_name, sheet, key, labels in (
        ("実績調査.html", "実績数値", "項目", ("令和4年度", "令和5年度")),
        ("事業成果目標.html", "事業成果目標", "指標名", ("基準値", "目標値", "令和4年度実績", "令和5年度実績")),
    ):
        tables = [t for t in page(demo_site, page_name).tables if key in [c.seen for c in t.header]]
        rows = {(row[t.column("部局名")].seen if "部局名" in [c.seen for c in t.header] else t.caption,
                 row[t.column(key)].seen): (t, row) for t in tables for row in t.rows}
        for r in sheet_rows(demo_master, sheet):
            department = r["部局名"] if page_name == "実績調査.html" else f"{r['部局名']}の事業成果目標"
            table, row = rows[(department, r[key])]
            for label in labels:
                seen, heard = shown(r[label] if r[label] is not None else "")
                assert row[table.column(label)].seen == seen, (r[key], label)
                if heard:
                    assert row[table.column(label)].heard == heard
                checked += 1
    assert checked >= 2 * 33 + 4 * 18  # the demo's 33 figures and 18 indicators


def test_kpi_page_shows_the_masters_rates(demo_site, demo_master):
    """達成率 and 進捗率 on the page are the master's cached formula results, one decimal, in %."""
    tables = [t for t in page(demo_site, "事業成果目標.html").tables if "進捗率" in [c.seen for c in t.header]]
    rows = {(t.caption, row[t.column("指標名")].seen): (t, row) for t in tables for row in t.rows}
    progressed = 0
    for r in sheet_rows(demo_master, "事業成果目標"):
        table, row = rows[(f"{r['部局名']}の事業成果目標", r["指標名"])]
        for label in ("達成率", "進捗率"):
            value = r[label]
            expected = f"{value * 100:.1f}%".replace("-", "△") if isinstance(value, float | int) else str(value or "")
            assert row[table.column(label)].seen == expected, (r["指標名"], label)
        progressed += isinstance(r["進捗率"], float | int)
    assert progressed >= 1  # the demo has a 総合計画 KPI with 基準値, 目標値 and 実績


def test_negatives_are_a_triangle_that_reads_as_minus(small_site):
    p = page(small_site, "実績調査.html")
    table = next(t for t in p.tables if "実績数値" in t.caption and "視点2" in t.caption)
    row = next(r for r in table.rows if r[table.column("項目")].seen == "△から△へ")
    assert row[table.column("令和4年度")].seen == "△1,972"
    assert row[table.column("令和4年度")].heard == "マイナス1,972"
    assert row[table.column("増減")].seen == "972"
    html = (small_site / "実績調査.html").read_text(encoding="utf-8")
    assert '<span aria-hidden="true">△</span><span class="vh">マイナス</span>1,972' in html


def test_meaning_is_in_words_not_colour(small_site):
    p = page(small_site, "実績調査.html")
    evaluations = {c.seen for t in p.tables if "実績数値" in t.caption for r in t.rows
                   for c in [r[t.column("評価")]]}
    assert {"改善", "悪化"} <= evaluations
    rates = {c.seen for t in p.tables if "実績数値" in t.caption for r in t.rows for c in [r[t.column("増減率")]]}
    assert {"皆増", "皆減", "3.4%"} <= rates
    style = (small_site / "実績調査.html").read_text(encoding="utf-8").split("<style>")[1].split("</style>")[0]
    assert "red" not in style and "#f00" not in style.lower()


def test_figures_without_a_variance_are_not_comparable_never_unchanged(demo_site, demo_master):
    """A figure with no 増減 (a marker, a missing value) is 「比較不可」 with its reason, never
    「増減なし」, which readers take for 横ばい (DESIGN: 実績調査 arithmetic)."""
    html = (demo_site / "実績調査.html").read_text(encoding="utf-8")
    assert "増減なし" not in html
    p = page(demo_site, "実績調査.html")
    rows = {row[t.column("項目")].seen: (t, row) for t in p.tables if "実績数値" in t.caption for row in t.rows}
    reasons = [r for r in sheet_rows(demo_master, "実績数値") if r["比較不可の理由"]]
    assert reasons  # the demo has 不詳 figures
    for r in reasons:
        table, row = rows[r["項目"]]
        assert row[table.column("比較不可の理由・備考")].seen.startswith(str(r["比較不可の理由"])), r["項目"]


def test_department_text_is_escaped(small_site):
    html = (small_site / "実績調査.html").read_text(encoding="utf-8")
    assert "<script" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;引用&quot;" in html
    p = page(small_site, "実績調査.html")
    table = next(t for t in p.tables if "主な取り組み" in t.caption and "視点1" in t.caption)
    assert table.rows[0][table.column("主な取り組み")].seen == SCRIPT
    assert table.rows[0][table.column("令和5年度実績")].seen == "前半" + SCRIPT  # two paragraphs


def test_csvs_are_the_consolidation_twins(demo_master, demo_site):
    for name in ("実績数値", "実績調査", "事業成果目標"):
        twin = demo_master.with_name(f"master_{name}.csv")
        assert (demo_site / f"{name}.csv").read_bytes() == twin.read_bytes(), name


def test_kpi_csv_carries_the_page_s_base_values_and_progress(demo_site, demo_master):
    """事業成果目標.csv left out 基準値 and 進捗率, which the published page shows: the open data
    lacked figures of its own page. The demo's 総合計画 KPI (市長公室 2: 基準値 30 in 2017, 目標値
    39 for 2024, 令和5年度 34) has 進捗率 (34 − 30) / (39 − 30) = 44.4 %."""
    import csv
    import io

    text = (demo_site / "事業成果目標.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    by_key = {(r["部局名"], r["番号"]): r for r in rows}
    planted = by_key[("市長公室", "2")]
    assert [planted[k] for k in ("基準値", "基準年度", "目標値", "目標年度", "令和5年度実績", "進捗率（％）")] == [
        "30", "2017", "39", "2024", "34", "44.4"]
    for r in sheet_rows(demo_master, "事業成果目標"):  # every row: as the page shows them
        row = by_key[(r["部局名"], r["番号"])]
        base, progress = r["基準値"], r["進捗率"]
        assert row["基準値"] == ("" if base is None else f"{base:g}" if isinstance(base, float | int) else str(base))
        assert row["進捗率（％）"] == (f"{progress * 100:.1f}" if isinstance(progress, float | int) else "")


# --- the command --------------------------------------------------------------------------------


def test_cli_publish_lists_the_files(demo_master, tmp_path, capsys):
    assert main(["publish", str(demo_master), "-o", str(tmp_path / "web")]) == 0
    out = capsys.readouterr().out
    for name in ("実績調査.html", "事業成果目標.html", "実績数値.csv", "実績調査.csv", "事業成果目標.csv"):
        assert f"  {name}\n" in out
        assert (tmp_path / "web" / name).is_file()


def test_cli_publish_refuses_what_is_not_a_master(tmp_path, capsys, template_path):
    assert main(["publish", str(tmp_path / "ない.xlsx"), "-o", str(tmp_path / "web")]) == 2
    assert "集約ファイルが見つかりません" in capsys.readouterr().err
    assert main(["publish", str(template_path), "-o", str(tmp_path / "web")]) == 2
    assert "kpitool で作成した集約ファイルを指定してください" in capsys.readouterr().err
    assert not (tmp_path / "web").exists()


def test_run_date_does_not_matter(tmp_path):
    """The pages depend on the data only: two runs of the same master give the same bytes."""
    (tmp_path / "inbox").mkdir()
    consolidation = make_consolidation(tmp_path / "inbox")
    master = write_master(consolidation, tmp_path / "master.xlsx").master
    publish_master(master, tmp_path / "a")
    consolidation.run_at += dt.timedelta(days=1)
    publish_master(write_master(consolidation, tmp_path / "master.xlsx").master, tmp_path / "b")
    for name in ("実績調査.html", "事業成果目標.html", "事業成果目標.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
