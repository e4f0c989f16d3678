"""``kpitool audit`` names exactly the cells that differ: values, formats, links (issue 16).

The master is edited at the XML level, as the hostile test of issue 16 did: a value in a
sheet, the style index of one cell, a hyperlink's target in the sheet's rels, a number format
in styles.xml, a sheet's state. Each edit must fail the audit and be named by its cell; the
CSV twin must be of the same run as the master.
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from master_cases import make_consolidation

from kpitool.audit import CELL_CHANGED, CSV_MISMATCH, SHEETS_CHANGED, audit_master
from kpitool.master.layout import DATA_SHEETS, FIGURES, SHEET_ORDER, SUBMISSIONS
from kpitool.master.writer import write_master

Parts = dict[str, bytes]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("audit_cells")
    (root / "inbox").mkdir()
    return write_master(make_consolidation(root / "inbox"), root / "master.xlsx")


def read_parts(path: Path) -> Parts:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def save_parts(parts: Parts, path: Path) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    path.write_bytes(buffer.getvalue())
    return path


def edited_copy(built, tmp_path: Path, edit) -> Path:
    """A copy of the master (with its CSVs beside it) after ``edit(parts)``."""
    for csv in built.csvs:
        shutil.copyfile(csv, tmp_path / csv.name)
    parts = read_parts(built.master)
    edit(parts)
    return save_parts(parts, tmp_path / built.master.name)


def sheet_part(sheet: str) -> str:
    return f"xl/worksheets/sheet{SHEET_ORDER.index(sheet) + 1}.xml"


CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)


def cells(parts: Parts, sheet: str) -> dict[str, tuple[bytes, bytes]]:
    """Data cells (row 2 on) of a sheet: ref -> (attributes, body)."""
    xml = parts[sheet_part(sheet)]
    return {f"{m[1].decode()}{m[2].decode()}": (m[3], m[4] or b"")
            for m in CELL.finditer(xml) if int(m[2]) > 1}


def replace_cell(parts: Parts, sheet: str, ref: str, new_xml: bytes) -> None:
    name = sheet_part(sheet)
    pattern = re.compile(rb'<c r="' + ref.encode() + rb'"[^>]*?(?:/>|>.*?</c>)', re.S)
    parts[name], count = pattern.subn(lambda _m: new_xml, parts[name], count=1)
    assert count == 1, (sheet, ref)


def edit_value(parts: Parts, sheet: str, ref: str) -> None:
    attrs, body = cells(parts, sheet)[ref]
    style = re.search(rb's="\d+"', attrs)
    s = b" " + style.group() if style else b""
    if b"<f>" in body:  # a formula: replaced by another formula with the same cached value
        formula = re.search(rb"<f>(.*?)</f>", body, re.S).group(1)
        cached = re.search(rb"<v>(.*?)</v>", body, re.S)
        kind = re.search(rb't="\w+"', attrs)
        t = b" " + kind.group() if kind else b""
        v = b"<v>" + cached.group(1) + b"</v>" if cached else b""
        replace_cell(parts, sheet, ref, b'<c r="' + ref.encode() + b'"' + s + t + b"><f>" + formula
                     + b"&amp;&quot;&quot;</f>" + v + b"</c>")
    elif b"<v>" in body:
        number = float(re.search(rb"<v>(.*?)</v>", body).group(1))
        replace_cell(parts, sheet, ref, b'<c r="' + ref.encode() + b'"' + s + b"><v>"
                     + repr(number + 7.5).encode() + b"</v></c>")
    else:
        text = re.search(rb"<t[^>]*>(.*?)</t>", body, re.S)
        new = (text.group(1) if text else b"") + "改".encode()
        replace_cell(parts, sheet, ref, b'<c r="' + ref.encode() + b'"' + s
                     + b' t="inlineStr"><is><t>' + new + b"</t></is></c>")


def add_style(parts: Parts, format_code: str) -> int:
    """A new cell style showing numbers with ``format_code``; returns its index."""
    styles = parts["xl/styles.xml"].decode()
    styles = re.sub(r'<numFmts count="(\d+)">',
                    lambda m: f'<numFmts count="{int(m[1]) + 1}"><numFmt numFmtId="300" formatCode="{format_code}"/>',
                    styles, count=1)
    xfs = re.search(r'<cellXfs count="(\d+)">', styles)
    index = int(xfs[1])
    styles = styles.replace(xfs.group(), f'<cellXfs count="{index + 1}">', 1)
    styles = styles.replace("</cellXfs>", '<xf numFmtId="300" fontId="0" fillId="0" borderId="0" '
                            'xfId="0" applyNumberFormat="1"/></cellXfs>', 1)
    parts["xl/styles.xml"] = styles.encode()
    return index


def edit_format(parts: Parts, sheet: str, ref: str) -> None:
    index = add_style(parts, "0.00000000")
    attrs, body = cells(parts, sheet)[ref]
    attrs = re.sub(rb'\s*s="\d+"', b"", attrs)
    replace_cell(parts, sheet, ref, b'<c r="' + ref.encode() + b'" s="' + str(index).encode() + b'"'
                 + attrs + (b">" + body + b"</c>" if body else b"/>"))


def sheet_rels(sheet: str) -> str:
    return f"xl/worksheets/_rels/sheet{SHEET_ORDER.index(sheet) + 1}.xml.rels"


def link_refs(parts: Parts, sheet: str) -> dict[str, str]:
    """Cells with a hyperlink -> relationship id."""
    return {m[1].decode(): m[2].decode() for m in
            re.finditer(rb'<hyperlink ref="([A-Z]+\d+)" r:id="(rId\d+)"', parts[sheet_part(sheet)])}


def edit_link(parts: Parts, sheet: str, ref: str) -> None:
    """Retarget the cell's link in the sheet's rels, or give the cell a link it did not have."""
    links = link_refs(parts, sheet)
    rels = sheet_rels(sheet)
    if ref in links:
        rid = links[ref].encode()
        parts[rels] = re.sub(rb'(Id="' + rid + rb'"[^>]*Target=")[^"]*(")',
                             lambda m: m[1] + "inbox\\改ざん.xlsx".encode() + m[2], parts[rels], count=1)
        return
    rel = (b'<Relationship Id="rId999" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
           b'relationships/hyperlink" Target="http://evil.example/" TargetMode="External"/>')
    if rels not in parts:
        parts[rels] = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns='
                       b'"http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>')
    parts[rels] = parts[rels].replace(b"</Relationships>", rel + b"</Relationships>")
    xml = parts[sheet_part(sheet)]
    link = b'<hyperlink ref="' + ref.encode() + b'" r:id="rId999"/>'
    if b"<hyperlinks>" in xml:
        xml = xml.replace(b"<hyperlinks>", b"<hyperlinks>" + link, 1)
    else:
        xml = re.sub(rb"(</sheetData>(?:<sheetProtection[^>]*/>)?(?:<autoFilter[^>]*/>)?)",
                     lambda m: m[1] + b"<hyperlinks>" + link + b"</hyperlinks>", xml, count=1)
    parts[sheet_part(sheet)] = xml


def named(report) -> set[tuple[str, str]]:
    return {(d.sheet, d.cell) for d in report.discrepancies if d.cell}


def changed_cells(report) -> set[tuple[str, str]]:
    return {(d.sheet, d.cell) for d in report.discrepancies if d.code == CELL_CHANGED}


# --- single edits ---------------------------------------------------------------------------------


def test_fresh_master_and_its_csvs_pass(built) -> None:
    report = audit_master(built.master)
    assert report.ok, [str(d) for d in report.discrepancies]


def test_an_edited_row_check_is_named(built, tmp_path: Path) -> None:
    def edit(parts: Parts) -> None:
        replace_cell(parts, FIGURES, "U3", b'<c r="U3" t="inlineStr"><is><t>0000000000000000</t></is></c>')

    report = audit_master(edited_copy(built, tmp_path, edit))
    assert changed_cells(report) == {(FIGURES, "U3")}


def test_an_edited_file_time_of_submissions_is_named(built, tmp_path: Path) -> None:
    """提出状況's 更新日時 decides between duplicate files: it is covered now."""
    parts = read_parts(built.master)
    header = re.search(r'<c r="([A-Z]+)1"[^>]*><is><t>更新日時</t>', parts[sheet_part(SUBMISSIONS)].decode())
    assert header is not None
    column = header[1]
    report = audit_master(edited_copy(built, tmp_path, lambda p: edit_value(p, SUBMISSIONS, f"{column}2")))
    assert changed_cells(report) == {(SUBMISSIONS, f"{column}2")}


def test_a_retargeted_source_link_is_named(built, tmp_path: Path) -> None:
    report = audit_master(edited_copy(built, tmp_path, lambda p: edit_link(p, FIGURES, "R3")))
    assert not report.ok and changed_cells(report) == {(FIGURES, "R3")}


def test_a_number_format_changed_in_styles_is_named_on_every_cell(built, tmp_path: Path) -> None:
    """The issue-16 attack: one format code in styles.xml changed so every figure shows 8."""
    def edit(parts: Parts) -> None:
        attrs, _body = cells(parts, FIGURES)["H3"]
        style = int(re.search(rb's="(\d+)"', attrs)[1])
        styles = parts["xl/styles.xml"]
        xfs = re.search(rb"<cellXfs[^>]*>(.*?)</cellXfs>", styles, re.S)[1]
        number_format = re.findall(rb"<xf [^>]*>", xfs)[style]
        fmt_id = re.search(rb'numFmtId="(\d+)"', number_format)[1]
        parts["xl/styles.xml"] = re.sub(rb'(<numFmt numFmtId="' + fmt_id + rb'" formatCode=")[^"]*(")',
                                        lambda m: m[1] + b"&quot;8&quot;" + m[2], styles, count=1)

    report = audit_master(edited_copy(built, tmp_path, edit))
    assert not report.ok
    cells_named = changed_cells(report)
    assert (FIGURES, "H3") in cells_named and (FIGURES, "D3") not in cells_named


def test_two_edits_name_exactly_two_cells(built, tmp_path: Path) -> None:
    """Rows × columns are not crossed: H3 and D5 edited, H5 and D3 not named."""
    def edit(parts: Parts) -> None:
        edit_value(parts, FIGURES, "H3")
        edit_value(parts, FIGURES, "D5")

    report = audit_master(edited_copy(built, tmp_path, edit))
    assert changed_cells(report) == {(FIGURES, "H3"), (FIGURES, "D5")}


def test_a_hidden_or_unprotected_sheet_is_named(built, tmp_path: Path) -> None:
    def edit(parts: Parts) -> None:
        parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
            f'<sheet name="{FIGURES}"'.encode(), f'<sheet name="{FIGURES}" state="hidden"'.encode(), 1)
        name = sheet_part(SUBMISSIONS)
        parts[name] = re.sub(rb"<sheetProtection[^>]*/>", b"", parts[name], count=1)

    report = audit_master(edited_copy(built, tmp_path, edit))
    assert {(d.sheet, d.code) for d in report.discrepancies} >= {(FIGURES, SHEETS_CHANGED),
                                                                 (SUBMISSIONS, SHEETS_CHANGED)}


def test_csvs_of_another_run_or_missing_fail_the_audit(built, tmp_path: Path) -> None:
    master = edited_copy(built, tmp_path, lambda _parts: None)
    assert audit_master(master).ok
    figures_csv = tmp_path / built.csvs[0].name
    figures_csv.write_bytes(figures_csv.read_bytes().replace("総務部".encode(), "財政部".encode(), 1))
    report = audit_master(master)
    assert [(d.file, d.code) for d in report.discrepancies] == [(figures_csv.name, CSV_MISMATCH)]
    figures_csv.unlink()
    assert [(d.file, d.code) for d in audit_master(master).discrepancies] == [(figures_csv.name, CSV_MISMATCH)]


# --- the property: any single-cell edit is named -------------------------------------------------


EDITS = {"value": edit_value, "format": edit_format, "link": edit_link}


@st.composite
def single_edits(draw, refs: dict[str, list[str]]):
    sheet = draw(st.sampled_from(sorted(refs)))
    ref = draw(st.sampled_from(refs[sheet]))
    kind = draw(st.sampled_from(sorted(EDITS)))
    return sheet, ref, kind


def _editable(built) -> dict[str, list[str]]:
    parts = read_parts(built.master)
    out = {}
    for sheet in DATA_SHEETS:
        refs = [ref for ref, (_attrs, body) in cells(parts, sheet).items() if body]
        if refs:
            out[sheet] = refs
    return out


def test_any_single_cell_edit_fails_the_audit_and_names_the_cell(built, tmp_path_factory) -> None:
    refs = _editable(built)

    @settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                      HealthCheck.too_slow])
    @given(single_edits(refs))
    def check(edit: tuple[str, str, str]) -> None:
        sheet, ref, kind = edit
        folder = tmp_path_factory.mktemp("edit")
        report = audit_master(edited_copy(built, folder, lambda p: EDITS[kind](p, sheet, ref)))
        assert not report.ok, edit
        assert (sheet, ref) in named(report), (edit, [str(d) for d in report.discrepancies])
        wrongly = {c for c in changed_cells(report) if c != (sheet, ref)}
        assert not wrongly, (edit, wrongly)

    check()
