"""Build the operation manual (``docs/manual/``) into one HTML page and one printable PDF.

Build-time code, never imported at run time. The manual is written in Markdown, one file per
reader (:data:`PARTS`), with ``docs/findings.md`` as its appendix. This module

- fills the generated blocks of the Markdown (``<!-- generated:NAME -->`` … ``<!-- /generated -->``),
  e.g. the table of run and Excel codes from :data:`kpitool.errors.RUN_CODES`, so it cannot drift;
- joins the parts into one HTML page (Python-Markdown) that follows the rules of
  ``kpitool publish``: ``lang="ja"``, one ``h1``, headings, a table of contents in a ``nav``,
  ``alt`` on every picture, tables with a ``caption`` and ``th scope``;
- prints that page to PDF with headless Chromium (CSS page counters in the footer), then puts
  the page number of each chapter into the table of contents (found with ``pdftotext``) and
  prints again.

``python -m kpitool.build.manual`` writes ``docs/manual/kpitool_manual.html`` and
``kpitool_manual.pdf``; ``--check`` only compares the Markdown and the HTML with what the code
would write (the tests do the same).
"""

from __future__ import annotations

import argparse
import hashlib
import html
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kpitool.errors import CodeTable

ROOT = Path(__file__).resolve().parents[2]
MANUAL_DIR = ROOT / "docs" / "manual"
PARTS: tuple[str, ...] = ("1-department.md", "2-planning.md", "3-audit.md", "4-it.md")
APPENDIX = ROOT / "docs" / "findings.md"
HTML_PATH = MANUAL_DIR / "kpitool_manual.html"
PDF_PATH = MANUAL_DIR / "kpitool_manual.pdf"
PDF_SOURCE = MANUAL_DIR / "kpitool_manual.pdf.sha256"  # SHA-256 of the HTML the committed PDF was printed from
TITLE = "kpitool 操作マニュアル"
APPENDIX_TITLE = "付録 指摘コードの一覧（docs/findings.md）"
REGENERATE = "python -m kpitool.build.manual"
_GENERATED = re.compile(r"(<!-- generated:([\w-]+) -->\n)(.*?)(<!-- /generated -->)", re.S)

STYLE = """
@page{size:A4;margin:18mm 16mm 20mm 16mm;
@bottom-center{content:counter(page) " / " counter(pages);font-family:"IPAPGothic","IPAゴシック",sans-serif;font-size:9pt}}
body{font-family:"BIZ UDPGothic","BIZ UDPゴシック","IPAPGothic","IPAゴシック",sans-serif;color:#1a1a1a;background:#fff;
line-height:1.7;margin:0 auto;max-width:60rem;padding:1rem}
h1{font-size:1.6rem}h2{font-size:1.35rem;border-bottom:2px solid #1a1a1a;margin-top:2.5rem}
h3{font-size:1.15rem;margin-top:1.8rem}h4{font-size:1rem}
a{color:#0645ad}a:focus{outline:3px solid #1a1a1a;outline-offset:2px}
table{border-collapse:collapse;margin:0.5rem 0 1.2rem;font-size:0.92rem}
caption{text-align:left;font-weight:bold;padding:0.25rem 0;caption-side:top}
th,td{border:1px solid #595959;padding:0.3rem 0.5rem;vertical-align:top;text-align:left}
thead th{background:#e8e8e8}
code{font-family:"IPAGothic",monospace;background:#f3f3f3;padding:0 0.2rem}
pre{background:#f3f3f3;padding:0.6rem;white-space:pre-wrap;overflow-wrap:anywhere}
img{max-width:100%;border:1px solid #bbb}
figure{margin:0.8rem 0}figcaption{font-size:0.9rem;color:#404040}
nav.toc ol{list-style:none;padding-left:1rem}nav.toc .page{float:right}
.part{break-before:page}
@media print{a{color:#1a1a1a;text-decoration:none}h2,h3{break-after:avoid}figure,tr{break-inside:avoid}}
"""


# --------------------------------------------------------------------------- generated blocks


def _code_table(caption: str, meaning: str, infos: CodeTable) -> str:
    """A Markdown table of codes with their title and hint, one row per registry entry."""
    lines = [caption, "", f"| コード | {meaning} | 対処 |", "|---|---|---|"]
    lines += [f"| {info.code} | {_cell(info.title)} | {_cell(info.hint)} |" for info in infos]
    return "\n".join(lines) + "\n"


def run_codes_table() -> str:
    """The run and Excel codes (E-RUN, E-CFG, E-XL, …) with what to do, from the code registry."""
    from kpitool.errors import RUN_CODES

    return _code_table("表: 実行時のエラーコードと対処（kpitool.errors から自動生成）", "意味", RUN_CODES)


def panel_buttons_table() -> str:
    """The panel's buttons and the command that does the same (the .cmd launcher's, in the same order)."""
    from kpitool.build.panel import BUTTONS
    from kpitool.launchers import launchers

    lines = ["表: 操作パネルのボタンと、同じ処理をするコマンド・ランチャー（パネルの定義から自動生成）", "",
             "| ボタン | すること | 同じ処理のコマンド | ランチャー |", "|---|---|---|---|"]
    for button, launcher in zip(BUTTONS, launchers(), strict=True):
        command = " ".join(["kpitool", *launcher.args])
        lines.append(f"| ［{button.caption}］ボタン | {_cell(button.description)} | `{command}` | {launcher.filename} |")
    return "\n".join(lines) + "\n"


def audit_codes_table() -> str:
    """What each discrepancy of ``kpitool audit`` means and what to do, from the audit's registry."""
    from kpitool.audit import AUDIT_CODES

    return _code_table("表: 監査の不一致のコードと対処（kpitool.audit から自動生成）", "不一致", AUDIT_CODES)


GENERATORS = {"run-codes": run_codes_table, "panel-buttons": panel_buttons_table, "audit-codes": audit_codes_table}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def fill_generated(text: str) -> str:
    """``text`` with every generated block replaced by what the code gives now."""
    def replace(match: re.Match[str]) -> str:
        return match.group(1) + GENERATORS[match.group(2)]() + match.group(4)
    return _GENERATED.sub(replace, text)


# --------------------------------------------------------------------------- HTML


def _markdown_source() -> str:
    """The parts and the appendix as one Markdown text, links between files made internal."""
    chunks = []
    for name in PARTS:
        text = fill_generated((MANUAL_DIR / name).read_text(encoding="utf-8"))
        chunks.append(f'<div class="part" markdown="1">\n\n{_demote(text)}\n\n</div>')
    appendix = _demote(APPENDIX.read_text(encoding="utf-8"))
    appendix = re.sub(r"^## .*$", f"## {APPENDIX_TITLE} {{#appendix}}", appendix, count=1, flags=re.M)
    chunks.append(f'<div class="part" markdown="1">\n\n{appendix}\n\n</div>')
    source = "\n\n".join(chunks)
    source = re.sub(r"\]\((?:\.\./)?findings\.md\)", "](#appendix)", source)
    return source


def _demote(text: str) -> str:
    """Every heading one level down (each part's ``#`` becomes an ``h2`` under the manual's ``h1``)."""
    return re.sub(r"^(#{1,5}) ", lambda m: "#" + m.group(1) + " ", text, flags=re.M)


def _part_links(source: str, anchors: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        target = match.group(1)
        file, _, anchor = target.partition("#")
        return f'href="#{anchor or anchors.get(file, "")}"'
    return re.sub(r'href="((?:\d-[a-z]+)\.md(?:#[^"]*)?)"', replace, source)


def _tables(body: str) -> str:
    """A caption (the 「表: …」 line before a table, else the heading above it) and th scopes."""
    body = re.sub(r"<p>表: (.*?)</p>\s*<table>", r"<table><caption>\1</caption>", body)
    out, heading = [], TITLE
    for piece in re.split(r"(<h[2-5][^>]*>.*?</h[2-5]>|<table>(?!<caption>))", body):
        if re.match(r"<h[2-5]", piece):
            heading = re.sub(r"<[^>]+>", "", piece)
        if piece == "<table>":
            piece = f"<table><caption>{heading}</caption>"
        out.append(piece)
    body = "".join(out)
    body = re.sub(r"<thead>(.*?)</thead>", lambda m: "<thead>" + m.group(1).replace("<th>", '<th scope="col">')
                  .replace('<th style', '<th scope="col" style') + "</thead>", body, flags=re.S)
    return body


def _figures(body: str) -> str:
    """Each picture alone in a paragraph becomes a figure whose caption is its alt text."""
    return re.sub(r'<p><img alt="([^"]+)" src="([^"]+)"\s*/?></p>',
                  r'<figure><img alt="\1" src="\2"><figcaption>図: \1</figcaption></figure>', body)


def _markdown() -> Any:
    import markdown
    from markdown.extensions.toc import slugify_unicode

    return markdown.Markdown(extensions=["tables", "fenced_code", "md_in_html", "attr_list", "toc"],
                             extension_configs={"toc": {"slugify": slugify_unicode, "toc_depth": "2-3"}})


def render_html(pages: dict[str, int] | None = None) -> str:
    """The whole manual as one accessible HTML page (``pages``: chapter id → PDF page, for the TOC)."""
    md = _markdown()
    body = md.convert(_markdown_source())
    anchors = {name: token["id"] for name, token in zip(PARTS, md.toc_tokens, strict=False)}
    body = _figures(_tables(_part_links(body, anchors)))
    toc = _toc(md.toc_tokens, pages or {})
    return (
        '<!DOCTYPE html>\n<html lang="ja">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{TITLE}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f'<header><h1>{TITLE}</h1>\n<p>部局経営目標・実績調査の提出、検証、集約、公表、監査の手順書です。'
        "読む人ごとに1つの章があります。画面の図は、同梱の例（<code>kpitool demo</code>）で今の kpitool が作る"
        "ファイルから自動で作っています。</p></header>\n"
        f'<nav class="toc" aria-labelledby="toc-heading"><h2 id="toc-heading">目次</h2>\n{toc}</nav>\n'
        f"<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _toc(tokens: list[dict], pages: dict[str, int]) -> str:
    def items(level: list[dict]) -> str:
        parts = []
        for token in level:
            page = f'<span class="page">{pages[token["id"]]}</span>' if token["id"] in pages else ""
            children = f"\n{items(token['children'])}" if token.get("children") else ""
            parts.append(f'<li><a href="#{token["id"]}">{token["name"]}</a>{page}{children}</li>')
        return "<ol>\n" + "\n".join(parts) + "\n</ol>"
    return items(tokens)


# --------------------------------------------------------------------------- PDF


def print_pdf(page: Path, pdf: Path, work: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("Chromium が必要です / chromium is required to print the manual")
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                    f"--user-data-dir={work / 'chromium'}", "--no-pdf-header-footer", "--virtual-time-budget=10000",
                    f"--print-to-pdf={pdf}", page.resolve().as_uri()], check=True, capture_output=True, timeout=300)


def chapter_pages(pdf: Path, tokens: list[dict]) -> dict[str, int]:
    """The PDF page each chapter (``h2``) starts on, by its heading text (after the TOC pages)."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = text.split("\f")
    found: dict[str, int] = {}
    start = 1
    for token in tokens:
        name = re.sub(r"\s+", "", html.unescape(token["name"]))
        for number in range(start + 1, len(pages) + 1):
            if name in re.sub(r"\s+", "", pages[number - 1]):
                found[token["id"]] = number
                start = number
                break
    return found


def build(html_path: Path = HTML_PATH, pdf_path: Path | None = PDF_PATH) -> None:
    """Write the Markdown's generated blocks, the HTML page and (with Chromium) the PDF."""
    import markdown  # noqa: F401  (fail early without the build extra)

    for name in PARTS:
        path = MANUAL_DIR / name
        text = path.read_text(encoding="utf-8")
        filled = fill_generated(text)
        if filled != text:
            path.write_text(filled, encoding="utf-8")
    page = render_html()
    html_path.write_text(page, encoding="utf-8")
    if pdf_path is None:
        return
    with tempfile.TemporaryDirectory(prefix="kpitool-manual-pdf-") as tmp:
        work = Path(tmp)
        draft = html_path.with_name(".draft-" + html_path.name)
        try:
            draft.write_text(page, encoding="utf-8")
            print_pdf(draft, work / "draft.pdf", work)
            pages = chapter_pages(work / "draft.pdf", _chapter_tokens())
            draft.write_text(render_html(pages), encoding="utf-8")
            print_pdf(draft, pdf_path, work)
        finally:
            draft.unlink(missing_ok=True)
    PDF_SOURCE.write_text(hashlib.sha256(page.encode("utf-8")).hexdigest() + "\n", encoding="utf-8")


def _chapter_tokens() -> list[dict]:
    md = _markdown()
    md.convert(_markdown_source())
    return md.toc_tokens


def stale_files() -> list[str]:
    """Generated manual files that differ from what the code would write now."""
    stale = [name for name in PARTS
             if fill_generated((MANUAL_DIR / name).read_text(encoding="utf-8"))
             != (MANUAL_DIR / name).read_text(encoding="utf-8")]
    page = render_html()
    if not HTML_PATH.is_file() or HTML_PATH.read_text(encoding="utf-8") != page:
        stale.append(HTML_PATH.name)
    recorded = PDF_SOURCE.read_text(encoding="utf-8").strip() if PDF_SOURCE.is_file() else ""
    if not PDF_PATH.is_file() or recorded != hashlib.sha256(page.encode("utf-8")).hexdigest():
        stale.append(PDF_PATH.name)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build docs/manual into HTML and PDF")
    parser.add_argument("--check", action="store_true", help="only report stale files")
    parser.add_argument("--no-pdf", action="store_true", help="write the HTML only")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files()
        for name in stale:
            print(f"stale: {name} ({REGENERATE})")
        return 1 if stale else 0
    build(pdf_path=None if args.no_pdf else PDF_PATH)
    print(HTML_PATH.relative_to(ROOT))
    if not args.no_pdf:
        print(PDF_PATH.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
