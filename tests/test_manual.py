"""The operation manual (docs/manual, issue 18) stays true to the code.

- every command, subcommand, flag and panel button the Markdown names exists (argparse, the
  panel's buttons as written in the committed panel workbook);
- every picture comes from the demo: the source hashes in img/manifest.json equal those of a
  fresh demo, and a change to a sheet changes its hash (so a layout change makes pictures stale);
- the generated Markdown blocks, the HTML page and the committed PDF are current;
- the HTML follows the publish rules (lang, headings, alt text, captions, th scope) and passes
  axe-core; the PDF has an embedded Japanese font, page numbers and a table of contents.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from a11y import axe_check, require_chromium

from kpitool.build import manual, manual_pictures
from kpitool.build.panel import BUTTONS
from kpitool.cli import build_parser

PARTS = [manual.MANUAL_DIR / name for name in manual.PARTS]
PANEL = manual.ROOT / "workbook_templates" / "kpitool_panel.xlsm"
_CODE = re.compile(r"```[^\n]*\n(.*?)```|`([^`\n]+)`", re.S)
_COMMAND = re.compile(r'(?:^|[\s"(\\])kpitool(?:\.exe)?"?[ \t]+(\S+)([^\n]*)')
_BUTTON = re.compile(r"［([^］]+)］ボタン")


def _manual_text() -> str:
    return "\n".join(manual.fill_generated(p.read_text(encoding="utf-8")) for p in PARTS)


def _code_snippets(text: str) -> list[str]:
    snippets = []
    for block, span in _CODE.findall(text):
        snippets += block.splitlines() if block else [span]
    return snippets


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def named_commands(text: str) -> list[tuple[str, list[str]]]:
    """(subcommand, flags) for every ``kpitool …`` command line in the code of ``text``."""
    found = []
    for snippet in _code_snippets(text):
        for match in _COMMAND.finditer(snippet):
            if not re.fullmatch(r"[a-z][a-z-]*|--?[a-z][\w-]*", match.group(1)):
                continue  # prose such as 「kpitool コマンド --help」 names no command
            rest = re.split(r"\s", match.group(2))
            flags = [token.split("=")[0] for token in rest if re.fullmatch(r"--?[A-Za-z][\w-]*(=\S*)?", token)]
            found.append((match.group(1), flags))
    return found


def test_the_extractor_finds_commands_and_flags():
    text = ('手順: `kpitool validate inbox --report a.xlsx -j 2` と\n```bat\n'
            '"%LOCALAPPDATA%\\kpitool\\venv\\Scripts\\kpitool.exe" doctor . --panel p.xlsm\n'
            'python -m kpitool.build.manual\n```\n`kpitool_panel.xlsm` を開きます。')
    assert named_commands(text) == [("validate", ["--report", "-j"]), ("doctor", ["--panel"])]


def test_every_command_and_flag_named_in_the_manual_exists():
    subparsers = _subparsers()
    commands = named_commands(_manual_text())
    assert len(commands) >= 15  # the extractor did find the manual's commands
    unknown = []
    for name, flags in commands:
        if name == "--version":
            continue
        if name not in subparsers:
            unknown.append(f"kpitool {name}")
            continue
        options = {s for a in subparsers[name]._actions for s in a.option_strings}
        unknown += [f"kpitool {name} {flag}" for flag in flags if flag not in options]
    assert unknown == [], f"マニュアルに存在しないコマンド・オプションがあります / unknown in the manual: {unknown}"
    named = {name for name, _ in commands}
    for needed in ("init", "template", "validate", "consolidate", "audit", "publish", "rollover", "demo", "doctor"):
        assert needed in named, needed


def _panel_captions() -> set[str]:
    with zipfile.ZipFile(PANEL) as package:
        vml = "".join(package.read(n).decode("utf-8") for n in package.namelist() if n.endswith(".vml"))
    return set(re.findall(r"<font[^>]*>([^<]+)</font>", vml))


def test_every_button_named_in_the_manual_is_on_the_panel():
    captions = _panel_captions()
    assert captions == {b.caption for b in BUTTONS}  # the committed panel carries the buttons of the code
    named = set(_BUTTON.findall(_manual_text()))
    assert named - captions == set(), f"パネルにないボタン / buttons not on the panel: {named - captions}"
    assert captions - named == set(), f"マニュアルが説明していないボタン / buttons not explained: {captions - named}"


# --------------------------------------------------------------------------- pictures


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, dict[str, Path]]:
    root = tmp_path_factory.mktemp("manual-demo") / "demo"
    return root, manual_pictures.demo_outputs(root)


def test_pictures_show_what_the_current_code_produces(demo):
    root, outputs = demo
    stale = manual_pictures.stale_pictures(manual_pictures.source_hashes(outputs, root))
    assert stale == [], (
        f"マニュアルの図が古くなっています（様式・集約ファイルの内容やレイアウトが変わりました）: {', '.join(stale)}。"
        f"作り直してください: {manual_pictures.REGENERATE} と {manual.REGENERATE}\n"
        f"Stale manual pictures: {stale}. Regenerate with `{manual_pictures.REGENERATE}` "
        f"then `{manual.REGENERATE}`, and look at the PNGs."
    )


def test_a_changed_sheet_makes_its_picture_stale(demo, tmp_path):
    root, outputs = demo
    picture = next(p for p in manual_pictures.PICTURES if p.name == "template-kpis")
    before = manual_pictures.source_hash(picture, outputs, root)
    changed = tmp_path / "changed.xlsx"
    shutil.copy(outputs["filled"], changed)
    book = openpyxl.load_workbook(changed)
    book["事業成果目標"].column_dimensions["C"].width = 40  # a layout change, no value changed
    book.save(changed)
    assert manual_pictures.source_hash(picture, {**outputs, "filled": changed}, root) != before
    other = next(p for p in manual_pictures.PICTURES if p.name == "template-basic")
    assert manual_pictures.source_hash(other, {**outputs, "filled": changed}, root) == \
        manual_pictures.source_hash(other, outputs, root)


def test_every_picture_is_used_with_alt_text_and_exists():
    text = _manual_text()
    used = re.findall(r"!\[([^\]]*)\]\(img/([^)]+)\)", text)
    assert all(alt.strip() for alt, _ in used), "alt text missing"
    files = {name for _, name in used}
    assert files == {p.file for p in manual_pictures.PICTURES}
    for name in files:
        assert (manual_pictures.IMG_DIR / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name


# --------------------------------------------------------------------------- HTML and PDF


def test_generated_blocks_html_and_pdf_are_current():
    assert manual.stale_files() == [], f"古いファイルがあります / stale: {manual.stale_files()}; run {manual.REGENERATE}"


def test_generated_tables_come_from_the_registries():
    from kpitool.audit import AUDIT_CODES
    from kpitool.errors import RUN_CODES

    text = _manual_text()
    for info in [*RUN_CODES, *AUDIT_CODES]:
        assert f"| {info.code} |" in text, info.code
    assert any(info.code.startswith("E-XL-") for info in RUN_CODES)


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {**dict(attrs), "_in": "/".join(self.stack)}))
        if tag not in ("img", "meta", "br", "hr", "link", "input"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass


def test_html_follows_the_publish_rules():
    page = manual.render_html()
    parsed = _Page()
    parsed.feed(page)
    tags = parsed.tags
    assert tags[0] == ("html", {"lang": "ja", "_in": ""})
    assert sum(1 for t, _ in tags if t == "h1") == 1
    images = [a for t, a in tags if t == "img"]
    assert len(images) == len(manual_pictures.PICTURES)
    assert all((a.get("alt") or "").strip() for a in images)
    tables = page.count("<table>")
    assert tables >= 10 and page.count("<table><caption>") == tables
    header_cells = [a for t, a in tags if t == "th" and "thead" in a["_in"]]
    assert header_cells and all(a.get("scope") == "col" for a in header_cells)
    assert 'href="#appendix"' in page and 'id="appendix"' in page


def test_html_passes_axe(tmp_path):
    page = tmp_path / "manual.html"
    page.write_text(manual.render_html(), encoding="utf-8")
    result = axe_check(page, tmp_path)
    assert result["violations"] == []
    for rule in ("html-has-lang", "document-title", "image-alt", "th-has-data-cells", "page-has-heading-one"):
        assert rule in result["passes"], rule


def _poppler(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        if __import__("os").environ.get("CI", "").lower() == "true":
            pytest.fail(f"{tool} がありません（poppler-utils）")
        pytest.skip(f"{tool} がありません（poppler-utils）")
    return found


@pytest.mark.slow
def test_pdf_has_japanese_fonts_page_numbers_and_a_toc(tmp_path):
    require_chromium()
    html_path, pdf = tmp_path / "manual.html", tmp_path / "manual.pdf"
    # a copy beside the pictures, so the PDF shows them as the committed one does
    shutil.copytree(manual_pictures.IMG_DIR, tmp_path / "img")
    html_path.write_text(manual.render_html(), encoding="utf-8")
    manual.print_pdf(html_path, pdf, tmp_path)
    fonts = subprocess.run([_poppler("pdffonts"), str(pdf)], capture_output=True, text=True, check=True).stdout
    japanese = [line for line in fonts.splitlines() if re.search(r"IPA|Gothic|Mincho|Noto.*CJK", line)]
    assert japanese and all(" yes " in line for line in japanese), fonts
    text = subprocess.run([_poppler("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = text.split("\f")[:-1]
    assert len(pages) > 10
    for number, body in enumerate(pages, start=1):
        assert re.search(rf"\b{number} / {len(pages)}\s*$", body), f"page {number} has no page number"
    assert "目次" in pages[0]
    chapters = manual.chapter_pages(pdf, manual._chapter_tokens())
    assert len(chapters) == len(manual.PARTS) + 1  # four parts and the appendix, each found after the TOC
    assert list(chapters.values()) == sorted(chapters.values())


def test_committed_pdf_has_japanese_fonts_page_numbers_and_toc_page_numbers():
    pdf = manual.PDF_PATH
    fonts = subprocess.run([_poppler("pdffonts"), str(pdf)], capture_output=True, text=True, check=True).stdout
    assert any(re.search(r"IPA\w*Gothic.* yes ", line) for line in fonts.splitlines()), fonts
    first = subprocess.run([_poppler("pdftotext"), "-layout", "-f", "1", "-l", "1", str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout
    assert "目次" in first
    # each chapter's line in the table of contents ends with its page number
    assert re.search(r"第1章 部局の担当者の方へ.*\s(\d+)\s*$", first, re.M), first
