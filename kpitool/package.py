"""Inspect an untrusted workbook file as a package before any workbook reader touches it.

Submissions arrive in an inbox from many departments, so a file may be anything: a legacy
.xls, a password-protected workbook, a CSV renamed .xlsx, a cut-off download or a hostile
zip. python-calamine and openpyxl fail on such files with generic errors, or (zip bombs,
DTD tricks) use unbounded memory. This module looks at the bytes first, cheaply, and either
returns the facts the later steps need (:class:`PackageInfo`) or raises :class:`PackageError`
with a precise :class:`FileProblem` that becomes a finding code.

The file is read once, read-only, into memory and hashed; everything else works from those
bytes, so the caller can detect a file changed during the run by comparing ``sha256``.
Only the stdlib and defusedxml are used, so the check runs before any heavy import.
"""

from __future__ import annotations

import hashlib
import posixpath
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as _defused_fromstring

from kpitool.package_zip import (
    DEFAULT_LIMITS,
    FileProblem,
    Limits,
    PackageError,
    check_directory,
    check_end_record,
    guess_other_package,
    members_by_name,
    open_zip,
    read_file,
    read_member,
    read_part,
    scan_member,
    sniff,
)

__all__ = [
    "DEFAULT_LIMITS",
    "FileProblem",
    "Limits",
    "PackageError",
    "PackageInfo",
    "inspect_package",
    "parse_xml_safely",
    "read_part",
]


NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
STRICT_PREFIX = "http://purl.oclc.org/ooxml/"

WORKBOOK_PART = "xl/workbook.xml"
WORKBOOK_RELS_PART = "xl/_rels/workbook.xml.rels"
SHEET_STATES = ("visible", "hidden", "veryHidden")
_SHEET_STATE_BY_LOWER = {state.lower(): state for state in SHEET_STATES}


@dataclass(frozen=True)
class PackageInfo:
    """What later steps need to know about a readable workbook package."""

    path: Path
    size: int
    sha256: str
    sheets: tuple[tuple[str, str, str], ...]
    """(name, state "visible"/"hidden"/"veryHidden", part path) in workbook order."""
    date1904: bool
    has_macros: bool
    """A VBA project (xl/vbaProject.bin) or Excel 4.0 macro sheets (xl/macrosheets/)."""
    external_links: int
    """Number of xl/externalLinks/* parts (links to other workbooks)."""
    defined_names: dict[str, str]
    """Name -> formula text; sheet-scoped names are keyed ``"<sheet name>!<name>"``."""
    uncompressed_size: int


def inspect_package(
    path: Path, limits: Limits = DEFAULT_LIMITS, *, data: bytes | None = None
) -> PackageInfo:
    """Check one untrusted file and return its package facts, or raise :class:`PackageError`.

    ``data`` lets a caller that already holds the bytes skip the read; ``path`` is then only
    recorded. Reads workbook.xml, its rels and the zip directory, plus (see
    :attr:`Limits.verify_members`) one bounded streaming pass over the members.
    """
    return inspect_and_keep(path, limits, data=data)[0]


def inspect_and_keep(
    path: Path,
    limits: Limits = DEFAULT_LIMITS,
    *,
    data: bytes | None = None,
    keep: Callable[[str], bool] | None = None,
) -> tuple[PackageInfo, dict[str, bytes], frozenset[str]]:
    """:func:`inspect_package`, also returning the inflated bytes of the members ``keep`` names
    and the names of all members.

    The check inflates every member anyway; a reader that needs some parts (sheet XML,
    styles) takes them from here instead of inflating them a second time. A member is kept
    only when its size is within :attr:`Limits.max_part_bytes` (what :func:`read_part` would
    refuse is left to :func:`read_part`); the bytes are CRC-checked as they are inflated.
    Keys are the member names as stored in the zip.
    """
    kept: dict[str, bytes] = {}
    path = Path(path)
    if data is None:
        data = read_file(path, limits)
    elif len(data) > limits.max_file_bytes:
        raise PackageError(
            FileProblem.TOO_LARGE, f"{len(data)} bytes > limit {limits.max_file_bytes}"
        )
    data = bytes(data)
    if not data:
        raise PackageError(FileProblem.EMPTY, "file is 0 bytes")
    sha256 = hashlib.sha256(data).hexdigest()
    sniff(data)
    check_end_record(data, limits)
    zf = open_zip(data)
    with zf:
        infos = zf.infolist()
        check_directory(infos, limits)
        members = members_by_name(infos)
        if "xl/workbook.bin" in members:
            raise PackageError(FileProblem.XLSB, "binary workbook (xl/workbook.bin): .xlsb")
        if WORKBOOK_PART not in members:
            raise PackageError(FileProblem.NOT_SPREADSHEET, guess_other_package(zf, members))
        for info in infos:
            if keep is not None and info.file_size <= limits.max_part_bytes and keep(info.filename):
                kept[info.filename] = read_member(zf, info)
            else:
                scan_member(zf, info, limits)
        workbook = parse_xml_safely(read_part(zf, WORKBOOK_PART, limits))
        if workbook.tag.startswith("{" + STRICT_PREFIX):
            raise PackageError(
                FileProblem.STRICT_OOXML, "Strict Open XML namespaces (purl.oclc.org/ooxml)"
            )
        if workbook.tag != f"{{{NS_MAIN}}}workbook":
            raise PackageError(
                FileProblem.NOT_SPREADSHEET, f"xl/workbook.xml root is {workbook.tag!r}"
            )
        if WORKBOOK_RELS_PART not in members:
            raise PackageError(FileProblem.NOT_SPREADSHEET, f"missing {WORKBOOK_RELS_PART}")
        rels = parse_xml_safely(read_part(zf, WORKBOOK_RELS_PART, limits))
        sheets = _sheets(workbook, _relationship_targets(rels), members)
        names = list(members)
    info = PackageInfo(
        path=path,
        size=len(data),
        sha256=sha256,
        sheets=sheets,
        date1904=_date1904(workbook),
        has_macros="xl/vbaproject.bin" in members
        or any(n.startswith("xl/macrosheets/") for n in names),
        external_links=sum(1 for n in names if posixpath.dirname(n) == "xl/externallinks"),
        defined_names=_defined_names(workbook, sheets),
        uncompressed_size=sum(info.file_size for info in infos),
    )
    return info, kept, frozenset(i.filename for i in infos)


def parse_xml_safely(xml: bytes) -> Element:
    """Parse XML with defusedxml, refusing any DTD, entity or external reference.

    No part of a real workbook needs a DTD, so any DOCTYPE is treated as an attack
    (billion laughs, XXE) rather than expanded. XML that is not well-formed is
    NOT_SPREADSHEET: the package has no readable workbook structure.
    """
    try:
        return _defused_fromstring(
            xml, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as exc:
        raise PackageError(FileProblem.XML_ATTACK, f"{type(exc).__name__}: {exc}") from None
    except (ParseError, LookupError, ValueError) as exc:  # LookupError: unknown encoding
        raise PackageError(FileProblem.NOT_SPREADSHEET, f"XML not well-formed: {exc}") from None


# -- workbook.xml and its relationships ------------------------------------------------------


def _relationship_targets(rels: Element) -> dict[str, str]:
    """Map relationship id -> zip member name (lower-cased key into the members dict).

    Targets are relative to xl/ unless they start with "/" (absolute in the package).
    """
    if rels.tag != f"{{{NS_PKG_REL}}}Relationships":
        raise PackageError(
            FileProblem.NOT_SPREADSHEET, f"{WORKBOOK_RELS_PART} root is {rels.tag!r}"
        )
    targets: dict[str, str] = {}
    for rel in rels.iter(f"{{{NS_PKG_REL}}}Relationship"):
        rid, target = rel.get("Id"), rel.get("Target")
        if not rid or not target or rel.get("TargetMode") == "External":
            continue
        if target.startswith("/"):
            part = target.lstrip("/")
        else:
            part = posixpath.join(posixpath.dirname(WORKBOOK_PART), target)
        targets[rid] = posixpath.normpath(part)
    return targets


def _sheets(
    workbook: Element, targets: dict[str, str], members: dict[str, zipfile.ZipInfo]
) -> tuple[tuple[str, str, str], ...]:
    """(name, state, part path) of every sheet in workbook order; each part must exist."""
    sheets = []
    for sheet in workbook.iterfind(f"{{{NS_MAIN}}}sheets/{{{NS_MAIN}}}sheet"):
        name = sheet.get("name", "")
        rid = sheet.get(f"{{{NS_REL}}}id", "")
        state = _SHEET_STATE_BY_LOWER.get(sheet.get("state", "visible").lower())
        if state is None:  # Excel refuses such a file; guessing could show a hidden sheet
            raise PackageError(
                FileProblem.NOT_SPREADSHEET, f"sheet {name!r}: unknown state {sheet.get('state')!r}"
            )
        part = targets.get(rid)
        if part is None:
            raise PackageError(
                FileProblem.NOT_SPREADSHEET, f"sheet {name!r}: relationship {rid!r} not found"
            )
        info = members.get(part.lower()) or members.get(unquote(part).lower())
        if info is None:
            raise PackageError(
                FileProblem.NOT_SPREADSHEET, f"sheet {name!r}: part {part} missing from the zip"
            )
        sheets.append((name, state, info.filename))
    if not sheets:
        raise PackageError(FileProblem.NOT_SPREADSHEET, "xl/workbook.xml lists no sheets")
    return tuple(sheets)


def _date1904(workbook: Element) -> bool:
    """Whether serial dates count from 1904 (old Mac Excel): every date shifts 1,462 days."""
    pr = workbook.find(f"{{{NS_MAIN}}}workbookPr")
    return pr is not None and pr.get("date1904", "").strip().lower() in ("1", "true")


def _defined_names(
    workbook: Element, sheets: tuple[tuple[str, str, str], ...]
) -> dict[str, str]:
    """Defined names; a sheet-scoped name is keyed "<sheet>!<name>" so none overwrites another."""
    names: dict[str, str] = {}
    for dn in workbook.iterfind(f"{{{NS_MAIN}}}definedNames/{{{NS_MAIN}}}definedName"):
        name = dn.get("name", "")
        local = dn.get("localSheetId")
        if local is not None:
            index = int(local) if local.isdigit() else -1
            scope = sheets[index][0] if 0 <= index < len(sheets) else f"#{local}"
            name = f"{scope}!{name}"
        names[name] = dn.text or ""
    return names

