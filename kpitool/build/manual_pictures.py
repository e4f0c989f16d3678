"""Pictures of the real outputs for the operation manual (``docs/manual/img/``), and their manifest.

Build-time code, never imported at run time. The manual shows city staff what the current
code produces, so every picture is made from the demo (:func:`kpitool.demo.prepare` and the
same validation, consolidation and publish steps), never drawn by hand:

- a workbook range: a copy of the workbook whose other sheets are hidden and whose print area
  is the range, printed to PDF by LibreOffice on one page, rendered by ``pdftoppm`` and cropped
  to its ink with Pillow;
- a published page: a headless Chromium screenshot, cropped the same way.

The manifest records, per picture, a SHA-256 of the *source* it shows — the cell values,
number formats, fonts, fills, borders, comments, links and column widths of the range plus the
sheet's drawings (charts, buttons), or the HTML text — with run-dependent text (times, the
demo folder, file hashes) masked. ``tests/test_manual.py`` recomputes those hashes from a fresh
demo without rendering and names the stale pictures. Regenerate with
``python -m kpitool.build.manual_pictures``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
IMG_DIR = ROOT / "docs" / "manual" / "img"
MANIFEST = IMG_DIR / "manifest.json"
REGENERATE = "python -m kpitool.build.manual_pictures"
DPI = 150
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_N = {"m": MAIN_NS, "r": REL_NS, "p": PKG_REL_NS}


@dataclass(frozen=True)
class Picture:
    """One picture of the manual: which demo output, which sheet and range (or an HTML page)."""

    name: str  # file stem under docs/manual/img
    source: str  # a key of :func:`demo_outputs`
    sheet: str = ""  # empty for an HTML page
    cells: str = ""  # A1 range; empty for an HTML page

    @property
    def file(self) -> str:
        return f"{self.name}.png"


PICTURES: tuple[Picture, ...] = (
    # 部局の担当者: the template, a filled file, a return copy
    Picture("template-guide", "template", "記入方法", "A1:L21"),
    Picture("template-basic", "filled", "基本情報", "A1:B8"),
    Picture("template-kpis", "filled", "事業成果目標", "A1:M8"),
    Picture("template-survey", "filled", "実績調査", "A1:G6"),
    Picture("template-figures", "filled", "実績数値", "A1:G10"),
    Picture("return-findings", "return_copy", "検証結果", "A1:I18"),
    Picture("return-kpis", "return_copy", "事業成果目標", "A1:M8"),
    Picture("return-figures", "return_copy", "実績数値", "A1:G14"),
    # 企画課: the panel, the report, the master
    Picture("panel-buttons", "panel", "操作", "B1:C23"),
    Picture("panel-settings", "panel", "設定", "A1:C10"),
    Picture("report-files", "report", "ファイル別", "A1:F8"),
    Picture("master-summary", "master", "概要", "A1:I39"),
    Picture("master-submissions", "master", "提出状況", "A1:L9"),
    Picture("master-survey", "master", "実績調査", "A1:I4"),
    Picture("master-kpis", "master", "事業成果目標", "A1:R8"),
    Picture("master-findings", "master", "検証結果", "A1:K11"),
    # 監査委員: 出典 and 監査ログ
    Picture("master-figures-source", "master", "実績数値", "O1:S6"),
    Picture("master-auditlog", "master", "監査ログ", "A1:G24"),
    # 公表: the published page
    Picture("publish-survey", "published"),
)


# --------------------------------------------------------------------------- demo outputs


def demo_outputs(root: Path) -> dict[str, Path]:
    """Run the demo under ``root`` (template, inbox, 検証, 集約, 公表) and name its outputs."""
    from kpitool.build.panel import PANEL_FILENAME
    from kpitool.demo import (
        MASTER_FILENAME,
        REPORT_FILENAME,
        RETURN_COPIES_DIR,
        consolidation_step,
        prepare,
        validation_step,
    )
    from kpitool.publish import publish_master
    from kpitool.template import template_filename

    config, inbox = prepare(root)
    validation_step(root, config, inbox, lambda _line: None)
    master = consolidation_step(root, config, inbox, lambda _line: None)
    site = root / "公表用"
    publish_master(master, site)
    return {
        "template": root / template_filename(config.fiscal_years),
        "filled": inbox / "01_総合政策部.xlsx",
        "return_copy": root / RETURN_COPIES_DIR / "05_地域支援部_検証結果.xlsx",
        "report": root / REPORT_FILENAME,
        "master": root / MASTER_FILENAME,
        "panel": ROOT / "workbook_templates" / PANEL_FILENAME,
        "published": site / "実績調査.html",
    }


# --------------------------------------------------------------------------- source hashes

_VOLATILE = (
    (re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:[+-]\d\d:\d\d|Z)?"), "<time>"),
    (re.compile(r"令和\d+年\d+月\d+日(?:\s*\d+:\d\d(?::\d\d)?)?"), "<date>"),
    (re.compile(r"[0-9a-f]{16,}"), "<hex>"),
)


def mask(text: str, root: Path) -> str:
    """``text`` without what differs between two runs of the demo (times, folder, file hashes)."""
    text = text.replace(str(root), "<demo>").replace(root.as_uri(), "<demo>")
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return text


def _color(color: Any) -> str:
    if color is None:
        return ""
    return str(color.rgb if color.type == "rgb" else f"{color.type}:{color.value}")


def _cell_print(cell: Any, root: Path) -> list[Any]:
    value = cell.value
    shown = mask(value, root) if isinstance(value, str) else (value.isoformat() if hasattr(value, "isoformat") else value)
    fill = cell.fill
    # a long text wraps; the demo folder's path differs in length from run to run
    wraps = None if isinstance(value, str) and str(root) in value else bool(cell.alignment.wrap_text)
    return [
        cell.coordinate, type(value).__name__, shown, cell.number_format,
        bool(cell.font.b), _color(cell.font.color), cell.font.sz,
        fill.fill_type or "", _color(fill.fgColor) if fill.fill_type else "",
        wraps, cell.alignment.horizontal or "",
        bool(cell.border.left.style), bool(cell.border.top.style),
        mask(cell.comment.text, root) if cell.comment else "",
        mask(cell.hyperlink.target or cell.hyperlink.location or "", root) if cell.hyperlink else "",
    ]


def _sheet_parts(book: Path, sheet: str) -> list[tuple[str, bytes]]:
    """The drawing parts (charts, buttons, comment shapes) a sheet refers to, as (name, bytes)."""
    with zipfile.ZipFile(book) as package:
        names = set(package.namelist())
        workbook = etree.fromstring(package.read("xl/workbook.xml"))
        rels = _rels(package, "xl/workbook.xml")
        rid = next((s.get(f"{{{REL_NS}}}id") for s in workbook.iterfind("m:sheets/m:sheet", _N)
                    if s.get("name") == sheet), None)
        if rid is None:
            raise KeyError(f"{book.name} has no sheet {sheet}")
        start = rels[rid]
        seen: list[tuple[str, bytes]] = []
        todo = [start]
        visited = {start}
        while todo:
            part = todo.pop()
            for target in _rels(package, part).values():
                if target in visited or target not in names:
                    continue
                visited.add(target)
                if re.search(r"(drawing|chart|vmlDrawing|ctrlProp)", target):
                    data = package.read(target)
                    if target.startswith("xl/charts/") and target.endswith(".xml"):
                        data = re.sub(rb"<c:date1904[^>]*/>", b"", data)
                    seen.append((posixpath.basename(target).rstrip("0123456789.xmlv"), data))
                    todo.append(target)
    return sorted(seen)


def _rels(package: zipfile.ZipFile, part: str) -> dict[str, str]:
    folder, name = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", f"{name}.rels")
    try:
        root = etree.fromstring(package.read(rels_name))
    except KeyError:
        return {}
    out = {}
    for rel in root.iterfind("p:Relationship", _N):
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target")
        out[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join(folder, target))
    return out


def source_hash(picture: Picture, outputs: dict[str, Path], root: Path) -> str:
    """SHA-256 of what ``picture`` shows, read back from the output (not from the pixels)."""
    path = outputs[picture.source]
    digest = hashlib.sha256()
    if not picture.sheet:
        digest.update(mask(path.read_text(encoding="utf-8"), root).encode("utf-8"))
        return digest.hexdigest()
    import openpyxl
    from openpyxl.utils.cell import range_boundaries

    book = openpyxl.load_workbook(path, keep_vba=path.suffix == ".xlsm")
    ws = book[picture.sheet]
    min_col, min_row, max_col, max_row = range_boundaries(picture.cells)
    cells = [_cell_print(c, root) for row in ws.iter_rows(min_row=min_row, max_row=max_row,
                                                         min_col=min_col, max_col=max_col) for c in row]
    layout = {
        "widths": [ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width for c in range(min_col, max_col + 1)],
        # row heights follow the text (kpitool.master.layout), and the demo folder's path differs per run
        "hidden_rows": [r for r in range(min_row, max_row + 1) if ws.row_dimensions[r].hidden],
        "merged": sorted(str(m) for m in ws.merged_cells.ranges),
        "freeze": ws.freeze_panes,
    }
    digest.update(json.dumps([picture.sheet, picture.cells, cells, layout], ensure_ascii=False,
                             default=str).encode("utf-8"))
    for name, data in _sheet_parts(path, picture.sheet):
        digest.update(name.encode("utf-8"))
        digest.update(mask(data.decode("utf-8", "replace"), root).encode("utf-8"))
    return digest.hexdigest()


def source_hashes(outputs: dict[str, Path], root: Path,
                  pictures: Iterable[Picture] = PICTURES) -> dict[str, str]:
    return {p.file: source_hash(p, outputs, root) for p in pictures}


def stale_pictures(current: dict[str, str], manifest: Path = MANIFEST) -> list[str]:
    """Pictures whose recorded source hash differs from ``current`` (or that are missing)."""
    recorded = json.loads(manifest.read_text(encoding="utf-8")) if manifest.is_file() else {}
    recorded_hashes = {name: entry.get("source_sha256") for name, entry in recorded.get("pictures", {}).items()}
    stale = [name for name, value in current.items()
             if recorded_hashes.get(name) != value or not (manifest.parent / name).is_file()]
    stale += [name for name in recorded_hashes if name not in current]
    return sorted(stale)


# --------------------------------------------------------------------------- rendering


def _print_only(book: Path, sheet: str, cells: str, out: Path) -> None:
    """Copy ``book`` to ``out`` with ``sheet`` moved first, printing ``cells`` on its first page.

    LibreOffice prints every sheet; the picture is the first page of the PDF, so the sheet
    goes first (sheet-local names are renumbered) and the others are hidden.
    """
    with zipfile.ZipFile(book) as src:
        workbook = etree.fromstring(src.read("xl/workbook.xml"))
        rels = _rels(src, "xl/workbook.xml")
        sheets = workbook.find("m:sheets", _N)
        elements = list(sheets)
        index = next(i for i, e in enumerate(elements) if e.get("name") == sheet)
        part = rels[elements[index].get(f"{{{REL_NS}}}id")]
        target = elements[index]
        sheets.remove(target)
        sheets.insert(0, target)
        target.attrib.pop("state", None)
        for element in elements:
            if element is not target and element.get("state") != "veryHidden":
                element.set("state", "hidden")
        view = workbook.find("m:bookViews/m:workbookView", _N)
        if view is not None:
            view.set("activeTab", "0")
            view.set("firstSheet", "0")
        names = workbook.find("m:definedNames", _N)
        if names is None:
            names = etree.Element(f"{{{MAIN_NS}}}definedNames")
            sheets.addnext(names)
        for name in list(names):
            local = name.get("localSheetId")
            if local is None:
                continue
            old = int(local)
            if old == index and name.get("name") == "_xlnm.Print_Area":
                names.remove(name)
                continue
            name.set("localSheetId", str(0 if old == index else old + 1 if old < index else old))
        area = etree.SubElement(names, f"{{{MAIN_NS}}}definedName", name="_xlnm.Print_Area", localSheetId="0")
        col1, row1, col2, row2 = re.match(r"([A-Z]+)(\d+):([A-Z]+)(\d+)", cells).groups()
        area.text = f"'{sheet}'!${col1}${row1}:${col2}${row2}"
        worksheet = _one_page(etree.fromstring(src.read(part)))
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for item in src.infolist():
                if item.filename == "xl/workbook.xml":
                    dst.writestr(item, etree.tostring(workbook, xml_declaration=True, encoding="UTF-8", standalone=True))
                elif item.filename == part:
                    dst.writestr(item, etree.tostring(worksheet, xml_declaration=True, encoding="UTF-8", standalone=True))
                elif item.filename.endswith(".vml"):  # buttons are on screen, so print them too
                    dst.writestr(item, src.read(item.filename).replace(
                        b"<x:PrintObject>False</x:PrintObject>", b"<x:PrintObject>True</x:PrintObject>"))
                elif not item.filename.startswith("xl/worksheets/") or item.filename.endswith(".rels"):
                    dst.writestr(item, src.read(item.filename))
                else:
                    dst.writestr(item, _deselect(src.read(item.filename)))


def _deselect(data: bytes) -> bytes:
    return data.replace(b' tabSelected="1"', b"")


def _one_page(worksheet: Any) -> Any:
    """Fit the sheet's print to one landscape page, without headers, footers or page breaks."""
    m = f"{{{MAIN_NS}}}"
    for view in worksheet.iterfind("m:sheetViews/m:sheetView", _N):
        view.set("tabSelected", "1")
    pr = worksheet.find("m:sheetPr", _N)
    if pr is None:
        pr = etree.Element(m + "sheetPr")
        worksheet.insert(0, pr)
    setup_pr = pr.find("m:pageSetUpPr", _N)
    if setup_pr is None:
        setup_pr = etree.Element(m + "pageSetUpPr")
        outline = pr.find("m:outlinePr", _N)
        (outline.addnext(setup_pr) if outline is not None else pr.append(setup_pr))
    setup_pr.set("fitToPage", "1")
    for tag in ("headerFooter", "rowBreaks", "colBreaks", "printOptions"):
        for element in worksheet.findall(f"m:{tag}", _N):
            worksheet.remove(element)
    setup = worksheet.find("m:pageSetup", _N)
    if setup is None:
        setup = etree.Element(m + "pageSetup")
        worksheet.find("m:pageMargins", _N).addnext(setup)
    footer = etree.Element(m + "headerFooter")  # present and empty: LibreOffice adds no page number
    setup.addnext(footer)
    for key in list(setup.attrib):
        if key.startswith(f"{{{REL_NS}}}"):
            del setup.attrib[key]
    setup.set("paperSize", "9")
    setup.set("orientation", "landscape")
    setup.set("fitToWidth", "1")
    setup.set("fitToHeight", "1")
    setup.attrib.pop("scale", None)
    return worksheet


def _crop(png: Path, *, margin: int = 8) -> None:
    """Crop ``png`` to its non-white content plus a small margin."""
    from PIL import Image, ImageChops

    with Image.open(png) as image:
        rgb = image.convert("RGB")
    background = Image.new("RGB", rgb.size, (255, 255, 255))
    box = ImageChops.difference(rgb, background).convert("L").point(lambda v: 255 if v > 12 else 0).getbbox()
    if box:
        left, top, right, bottom = box
        rgb = rgb.crop((max(0, left - margin), max(0, top - margin),
                        min(rgb.width, right + margin), min(rgb.height, bottom + margin)))
    rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=256).save(png, optimize=True)


def render(pictures: Iterable[Picture], outputs: dict[str, Path], img_dir: Path, work: Path) -> list[Path]:
    """Render every picture into ``img_dir``; returns the PNGs written."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    pdftoppm = shutil.which("pdftoppm")
    if not (soffice and chromium and pdftoppm):
        raise SystemExit("LibreOffice (soffice)、Chromium、pdftoppm が必要です / soffice, chromium and pdftoppm are required")
    img_dir.mkdir(parents=True, exist_ok=True)
    pictures = list(pictures)
    copies = work / "copies"
    copies.mkdir()
    books = []
    for picture in pictures:
        if picture.sheet:
            book = outputs[picture.source]
            copy = copies / f"{picture.name}{book.suffix}"
            _print_only(book, picture.sheet, picture.cells, copy)
            books.append(copy)
    profile = work / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(work / "pdf"), *map(str, books)],
                   check=True, capture_output=True, timeout=600)
    written = []
    for picture in pictures:
        png = img_dir / picture.file
        if picture.sheet:
            pdf = work / "pdf" / f"{picture.name}.pdf"
            subprocess.run([pdftoppm, "-png", "-r", str(DPI), "-f", "1", "-l", "1", "-singlefile", str(pdf),
                            str(png.with_suffix(""))], check=True, timeout=120)
        else:
            subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                            "--disable-extensions", f"--user-data-dir={work / 'chromium'}", "--hide-scrollbars",
                            "--window-size=1100,1300", f"--screenshot={png}", outputs[picture.source].resolve().as_uri()],
                           check=True, capture_output=True, timeout=120)
        _crop(png)
        written.append(png)
    return written


def write_manifest(hashes: dict[str, str], manifest: Path = MANIFEST) -> None:
    by_file = {p.file: p for p in PICTURES}
    entries = {
        name: {"source": by_file[name].source, "sheet": by_file[name].sheet, "cells": by_file[name].cells,
               "source_sha256": value}
        for name, value in sorted(hashes.items())
    }
    data = {"regenerate": REGENERATE, "pictures": entries}
    manifest.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render the manual's pictures from the demo")
    parser.add_argument("--only", nargs="*", help="picture names to render (default: all)")
    parser.add_argument("--keep", type=Path, help="keep the demo and the PDFs in this folder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kpitool-manual-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        root = work / "demo"
        outputs = demo_outputs(root)
        chosen = [p for p in PICTURES if not args.only or p.name in args.only]
        for png in render(chosen, outputs, IMG_DIR, work):
            print(png.relative_to(ROOT))
        hashes = source_hashes(outputs, root)
        if args.only and MANIFEST.is_file():
            old = json.loads(MANIFEST.read_text(encoding="utf-8"))["pictures"]
            hashes = {**{k: v["source_sha256"] for k, v in old.items()}, **{p.file: hashes[p.file] for p in chosen}}
        write_manifest(hashes)
        print(MANIFEST.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
