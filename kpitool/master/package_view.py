"""What a master's XML says beyond its cell values: sheets, protection and hyperlinks.

openpyxl's read-only mode, which the audit reads values with, gives neither sheet protection
nor hyperlinks, and LibreOffice rewrites both parts when it re-saves a master. This reads
them from the package in the canonical form of :mod:`kpitool.master.digest`, so the audit
can compare them with what the writer recorded (issue 16).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from kpitool.master.digest import canonical_link
from kpitool.master.log import sheets_record

__all__ = ["PackageView", "package_view"]

_ATTR = re.compile(r'([\w:]+)="([^"]*)"')
_HYPERLINK = re.compile(rb"<(?:\w+:)?hyperlink\b[^>]*>")
_PROTECTION = re.compile(rb"<(?:\w+:)?sheetProtection\b[^>]*>")
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


@dataclass
class PackageView:
    """What the master's XML says beyond cell values: sheets and hyperlinks."""

    sheets: str = ""  # sheets_record() of the file as it is
    states: dict[str, str] = field(default_factory=dict)  # sheet -> "name:state:保護"
    links: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)  # canonical


def _attrs(tag: bytes) -> dict[str, str]:
    """Attributes of one tag, unescaped: openpyxl writes a Japanese sheet name in a link's
    location as character references (``&#23455;``), XlsxWriter as UTF-8."""
    import html

    text = tag.decode("utf-8", "replace")
    return {k.split(":")[-1] if k != "r:id" else "r:id": html.unescape(v) for k, v in _ATTR.findall(text)}


def package_view(master: Path, data_sheets: tuple[str, ...] | frozenset[str]) -> PackageView:
    """Sheet order, visibility and protection, and every hyperlink of the data sheets, read
    from the XML (openpyxl's read-only mode gives neither): what the audit compares with the
    record in 監査ログ and with the cell prints (issue 16)."""
    import posixpath
    import zipfile

    from kpitool.package import NS_MAIN, NS_PKG_REL, NS_REL, parse_xml_safely

    view = PackageView()
    with zipfile.ZipFile(master) as zf:
        names = set(zf.namelist())
        workbook = parse_xml_safely(zf.read("xl/workbook.xml"))
        rels = parse_xml_safely(zf.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{{{NS_PKG_REL}}}Relationship")}
        entries = []
        for sheet in workbook.iterfind(f"{{{NS_MAIN}}}sheets/{{{NS_MAIN}}}sheet"):
            name, state = sheet.get("name", ""), sheet.get("state", "visible")
            target = targets.get(sheet.get(f"{{{NS_REL}}}id", ""), "")
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            xml = zf.read(part) if part in names else b""
            protection = _PROTECTION.search(xml)
            protected = protection is not None and _attrs(protection.group()).get("sheet", "0") in ("1", "true")
            entries.append((name, state, protected))
            if name not in data_sheets:
                continue
            folder, _, base = part.rpartition("/")
            rels_part = f"{folder}/_rels/{base}.rels"
            link_targets: dict[str, str] = {}
            if rels_part in names:
                for rel in parse_xml_safely(zf.read(rels_part)).iter(f"{{{NS_PKG_REL}}}Relationship"):
                    link_targets[rel.get("Id", "")] = rel.get("Target", "")
            found = view.links.setdefault(name, {})
            for match in _HYPERLINK.finditer(xml):
                attrs = _attrs(match.group())
                ref = _CELL_REF.fullmatch(attrs.get("ref", ""))
                if ref is None:
                    continue
                position = (int(ref.group(2)) - 1, _column_index(ref.group(1)))
                found[position] = canonical_link(link_targets.get(attrs.get("r:id", ""), ""), attrs.get("location"))
    view.sheets = sheets_record(entries)
    view.states = {name: sheets_record([(name, state, protected)]) for name, state, protected in entries}
    return view


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1
