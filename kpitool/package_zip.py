"""The zip layer of the package check: what the bytes are, and whether the archive is safe.

A file is sniffed by its first bytes (legacy .xls, encrypted workbook, CSV renamed .xlsx), the
zip's directory is checked against :class:`Limits` (entries, sizes, compression ratio) before
anything is inflated, and each XML member is streamed through a bounded scan that refuses DTDs.
:mod:`kpitool.package` builds on this and re-exports :class:`FileProblem`,
:class:`PackageError`, :class:`Limits` and :func:`read_part`.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from xml.parsers import expat

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_EMPTY_MAGIC = b"PK\x05\x06"  # an archive with no entries starts with its end record

_RATIO_MIN_BYTES = 2**20  # small parts compress well for harmless reasons; judge ratio above this
_CHUNK = 64 * 2**10
_PROLOG_SCAN_BYTES = 64 * 2**10  # no legitimate part has this much before its root element
_TEXT_SAMPLE_BYTES = 64 * 2**10
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_SUPPORTED_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # all Excel can open
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")

# Errors the zip and zlib layers raise for damaged archives; anything here means "unreadable".
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    ValueError,
    OSError,
    struct.error,
    OverflowError,
    NotImplementedError,  # "zip file version", unknown compression
)


class FileProblem(StrEnum):
    """Why a file cannot be read as a workbook; each value becomes a finding code."""

    NOT_FOUND = "NOT_FOUND"  # missing, or not a regular file we can open
    EMPTY = "EMPTY"
    LEGACY_XLS = "LEGACY_XLS"  # OLE/CFB with a Workbook stream: BIFF .xls
    ENCRYPTED = "ENCRYPTED"  # password-protected OOXML (OLE EncryptedPackage)
    XLSB = "XLSB"
    CSV_OR_TEXT = "CSV_OR_TEXT"  # text content, e.g. a CSV or HTML renamed .xlsx
    NOT_A_ZIP = "NOT_A_ZIP"
    TRUNCATED_ZIP = "TRUNCATED_ZIP"  # zip magic but damaged: cut off, CRC or inflate errors
    NOT_SPREADSHEET = "NOT_SPREADSHEET"  # a zip, but no usable xl/workbook.xml
    STRICT_OOXML = "STRICT_OOXML"
    ZIP_BOMB = "ZIP_BOMB"
    XML_ATTACK = "XML_ATTACK"  # DTD, entity declarations or external references
    TOO_LARGE = "TOO_LARGE"


class PackageError(Exception):
    """A file that cannot be read as a workbook, with the reason as a :class:`FileProblem`.

    Not a frozen dataclass on purpose: Python sets ``__traceback__`` and ``__notes__`` on
    exceptions, and ``concurrent.futures`` pickles them out of worker processes; a frozen
    dataclass refuses both. The fields are read-only properties over ``args`` instead, so
    the error pickles and compares like any exception.
    """

    def __init__(self, problem: FileProblem, detail: str) -> None:
        super().__init__(FileProblem(problem), detail)

    @property
    def problem(self) -> FileProblem:
        return self.args[0]

    @property
    def detail(self) -> str:
        return self.args[1]

    def __str__(self) -> str:
        return f"{self.problem.value}: {self.detail}"


@dataclass(frozen=True)
class Limits:
    """Resource limits for one untrusted file; the defaults fit department workbooks.

    A department KPI workbook is well under 1 MiB; the defaults leave two orders of
    magnitude of headroom and still keep one file's memory bounded on a laptop.
    """

    max_file_bytes: int = 50 * 2**20
    """Largest file read at all (checked with stat before reading)."""
    max_uncompressed_bytes: int = 200 * 2**20
    """Largest total of the members' uncompressed sizes."""
    max_ratio: float = 200.0
    """Largest uncompressed/compressed ratio of one member over 1 MiB uncompressed."""
    max_entries: int = 10_000
    """Most zip members (Excel writes tens; a hundred sheets is a few hundred)."""
    max_part_bytes: int = 32 * 2**20
    """Largest single part read into memory by :func:`read_part` (workbook.xml, rels)."""
    verify_members: bool = True
    """Inflate every member once, discarding the output, to check its CRC and that it is no
    larger than the directory says. The directory alone can lie, and the workbook readers
    trust it; this costs a few milliseconds for a normal workbook. False trusts the
    directory and reads only the start of each XML part."""


DEFAULT_LIMITS = Limits()


def read_part(data_or_zip: bytes | zipfile.ZipFile, name: str, limits: Limits) -> bytes:
    """Read one zip member, stopping as soon as it grows past ``limits.max_part_bytes``.

    The size in the zip directory is checked first, but the read itself is bounded too, so
    a directory that lies cannot make us allocate more than the limit. Names are matched
    case-insensitively, as OPC part names are. A missing part is NOT_SPREADSHEET.
    """
    zf = data_or_zip if isinstance(data_or_zip, zipfile.ZipFile) else open_zip(data_or_zip)
    info = members_by_name(zf.infolist()).get(name.lower())
    if info is None:
        raise PackageError(FileProblem.NOT_SPREADSHEET, f"missing part {name}")
    cap = limits.max_part_bytes
    if info.file_size > cap:
        raise PackageError(
            FileProblem.ZIP_BOMB, f"{info.filename}: {info.file_size} bytes > part limit {cap}"
        )
    buf = bytearray()
    with member_errors(info.filename), zf.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            buf += chunk
            if len(buf) > cap:
                raise PackageError(
                    FileProblem.ZIP_BOMB, f"{info.filename}: expands past part limit {cap}"
                )
    return bytes(buf)


def read_file(path: Path, limits: Limits) -> bytes:
    """Read the whole file once, read-only, refusing what is not a small regular file.

    stat comes first so that a huge file, a directory or a FIFO (which would block on
    open) is refused without reading it.
    """
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise PackageError(FileProblem.NOT_FOUND, f"not a regular file: {path}")
        if st.st_size > limits.max_file_bytes:
            raise PackageError(
                FileProblem.TOO_LARGE, f"{st.st_size} bytes > limit {limits.max_file_bytes}"
            )
        with open(path, "rb") as f:
            data = f.read(limits.max_file_bytes + 1)
    except FileNotFoundError:
        raise PackageError(FileProblem.NOT_FOUND, f"no such file: {path}") from None
    except OSError as exc:  # permission denied, locked, vanished meanwhile
        raise PackageError(FileProblem.NOT_FOUND, f"cannot open: {exc}") from None
    if len(data) > limits.max_file_bytes:  # grew between stat and read
        raise PackageError(
            FileProblem.TOO_LARGE, f"more than {limits.max_file_bytes} bytes"
        )
    return data


def sniff(data: bytes) -> None:
    """Raise the problem of anything that is not a zip, judged by the first bytes."""
    if data.startswith((ZIP_MAGIC, _ZIP_EMPTY_MAGIC)):
        return
    if data.startswith(OLE_MAGIC):
        raise _ole_problem(data)
    text = _sniff_text(data)
    if text is not None:
        raise PackageError(FileProblem.CSV_OR_TEXT, text)
    raise PackageError(FileProblem.NOT_A_ZIP, f"unknown content starting {data[:8].hex(' ')}")


def _ole_problem(data: bytes) -> PackageError:
    """Tell encrypted OOXML from a BIFF .xls by the stream names in the OLE directory.

    Directory entry names are UTF-16LE, so a byte search finds them without parsing the
    compound file. Names are case-insensitive in CFB; ASCII lower-casing keeps UTF-16LE.
    """
    lowered = data.lower()

    def has(name: str) -> bool:
        return name.lower().encode("utf-16-le") + b"\x00\x00" in lowered

    if has("EncryptionInfo") or has("EncryptedPackage"):
        return PackageError(
            FileProblem.ENCRYPTED, "OLE container with EncryptionInfo/EncryptedPackage"
        )
    if has("Workbook") or has("Book"):
        return PackageError(FileProblem.LEGACY_XLS, "OLE container with a Workbook stream (BIFF)")
    return PackageError(
        FileProblem.NOT_A_ZIP, "OLE container without a Workbook stream (e.g. .doc, .msg)"
    )


def _sniff_text(data: bytes) -> str | None:
    """Describe ``data`` if it is text (a CSV, TSV or HTML table renamed .xlsx), else None.

    UTF-16 with a BOM covers Excel's "Unicode text"; cp932 covers CSVs saved by Japanese
    Excel. Only control characters mark binary, since 全角 spaces are not "printable".
    """
    sample = data[:_TEXT_SAMPLE_BYTES]
    final = len(data) <= _TEXT_SAMPLE_BYTES
    if sample.startswith(codecs.BOM_UTF8):
        encodings: tuple[str, ...] = ("utf-8-sig",)
    elif sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8", "cp932")
    for encoding in encodings:
        try:
            text = codecs.getincrementaldecoder(encoding)().decode(sample, final)
        except UnicodeDecodeError:
            continue
        if not text.strip() or _CONTROL_CHARS.search(text):
            continue
        head = text.lstrip()[:2048].lower()
        first_line = text.lstrip().partition("\n")[0]
        if head.startswith("<") and any(t in head for t in ("<html", "<table", "<?xml")):
            kind = "HTML/XML"
        elif "\t" in first_line:
            kind = "tab-separated"
        elif "," in first_line:
            kind = "comma-separated"
        else:
            kind = "plain"
        return f"text file ({encoding}, {kind})"
    return None


def check_end_record(data: bytes, limits: Limits) -> None:
    """Refuse a zip announcing too many entries before zipfile parses its whole directory."""
    pos = data.rfind(_ZIP_EMPTY_MAGIC, max(0, len(data) - 65_557))
    if pos < 0 or pos + 22 > len(data):
        return  # zipfile reports the damage
    (total,) = struct.unpack_from("<H", data, pos + 10)
    if total != 0xFFFF and total > limits.max_entries:
        raise PackageError(
            FileProblem.ZIP_BOMB, f"{total} zip entries > limit {limits.max_entries}"
        )


def open_zip(data: bytes | bytearray | memoryview) -> zipfile.ZipFile:
    """Open bytes as a zip; a damaged central directory is TRUNCATED_ZIP."""
    try:
        return zipfile.ZipFile(io.BytesIO(bytes(data)))
    except _ZIP_ERRORS as exc:
        raise PackageError(FileProblem.TRUNCATED_ZIP, f"unreadable zip: {exc}") from None


def check_directory(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Judge the archive from its directory alone: bombs, encryption, odd compression."""
    if len(infos) > limits.max_entries:
        raise PackageError(
            FileProblem.ZIP_BOMB, f"{len(infos)} zip entries > limit {limits.max_entries}"
        )
    seen: set[str] = set()
    total = 0
    for info in infos:
        key = info.filename.lower()
        if key in seen:  # readers disagree on which copy wins: refuse rather than guess
            raise PackageError(FileProblem.TRUNCATED_ZIP, f"duplicate zip entry {info.filename}")
        seen.add(key)
        total += info.file_size
        if total > limits.max_uncompressed_bytes:
            raise PackageError(
                FileProblem.ZIP_BOMB,
                f"uncompressed total over limit {limits.max_uncompressed_bytes}",
            )
        if info.file_size > _RATIO_MIN_BYTES:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_ratio:
                raise PackageError(
                    FileProblem.ZIP_BOMB,
                    f"{info.filename}: compression ratio {ratio:.0f} > {limits.max_ratio:g}",
                )
        if info.flag_bits & 0x1:
            raise PackageError(FileProblem.ENCRYPTED, f"zip entry {info.filename} is encrypted")
        if info.compress_type not in _SUPPORTED_COMPRESSION:
            raise PackageError(
                FileProblem.TRUNCATED_ZIP,
                f"{info.filename}: unsupported compression method {info.compress_type}",
            )


def members_by_name(infos: list[zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
    """Members keyed by lower-cased name: OPC part names are case-insensitive."""
    return {info.filename.lower(): info for info in infos}


@contextmanager
def member_errors(name: str) -> Iterator[None]:
    """Turn zip/zlib errors while reading a member into TRUNCATED_ZIP (or ENCRYPTED)."""
    try:
        yield
    except PackageError:
        raise
    except _ZIP_ERRORS as exc:
        raise PackageError(FileProblem.TRUNCATED_ZIP, f"{name}: {exc}") from None
    except RuntimeError as exc:  # zipfile: "File ... is encrypted, password required"
        raise PackageError(FileProblem.ENCRYPTED, f"{name}: {exc}") from None


class _RootFound(Exception):
    """The prolog is over: the first element started without a DOCTYPE."""


class _DoctypeFound(Exception):
    """A DOCTYPE appeared in the prolog."""


def scan_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits) -> None:
    """Check one member: no DTD before the root of any XML part; optionally CRC and size.

    A DTD can only appear before the root element, so reading each XML part up to its
    root is enough to keep DTD tricks away from the readers, which parse parts (shared
    strings, sheets) that we never parse ourselves.
    """
    is_xml = info.filename.lower().endswith(_XML_SUFFIXES)
    is_dir = info.filename.endswith("/")  # ZipInfo.is_dir() raises IndexError on an empty name
    if is_dir or (not is_xml and not limits.verify_members):
        return
    parser = expat.ParserCreate() if is_xml else None
    if parser is not None:
        parser.StartDoctypeDeclHandler = _raise_doctype
        parser.StartElementHandler = _raise_root
    seen = 0
    with member_errors(info.filename), zf.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            seen += len(chunk)
            if parser is not None:
                parser = _feed_prolog(parser, chunk, info.filename)
                if parser is not None and seen >= _PROLOG_SCAN_BYTES:
                    raise PackageError(
                        FileProblem.XML_ATTACK,
                        f"{info.filename}: no root element in the first {seen} bytes",
                    )
            if parser is None and not limits.verify_members:
                return
        if parser is not None:
            _feed_prolog(parser, b"", info.filename, final=True)


def read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """Inflate one member whole (its size already checked), with the checks of :func:`scan_member`.

    zipfile stops at the directory's size and verifies the CRC at the end, as the streaming
    pass does; an XML part must still have no DTD before its root.
    """
    with member_errors(info.filename), zf.open(info) as stream:
        data = stream.read()
    if info.filename.lower().endswith(_XML_SUFFIXES) and not info.filename.endswith("/"):
        parser = expat.ParserCreate()
        parser.StartDoctypeDeclHandler = _raise_doctype
        parser.StartElementHandler = _raise_root
        rest = _feed_prolog(parser, data[:_PROLOG_SCAN_BYTES], info.filename, final=len(data) <= _PROLOG_SCAN_BYTES)
        if rest is not None and len(data) > _PROLOG_SCAN_BYTES:
            raise PackageError(
                FileProblem.XML_ATTACK,
                f"{info.filename}: no root element in the first {_PROLOG_SCAN_BYTES} bytes",
            )
    return data


def _feed_prolog(
    parser: expat.XMLParserType, chunk: bytes, name: str, *, final: bool = False
) -> expat.XMLParserType | None:
    """Feed one chunk; None once the prolog is known to be clean (or not XML at all)."""
    try:
        parser.Parse(chunk, final)
    except _RootFound:
        return None
    except _DoctypeFound:
        raise PackageError(FileProblem.XML_ATTACK, f"{name}: DOCTYPE declaration") from None
    except (expat.ExpatError, LookupError, ValueError):  # LookupError: unknown encoding
        return None  # not well-formed: the reader reports it; no DTD was seen before this
    return parser


def _raise_doctype(*_args: object) -> None:
    raise _DoctypeFound


def _raise_root(*_args: object) -> None:
    raise _RootFound


def guess_other_package(zf: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo]) -> str:
    """Name the kind of zip it is instead, for the log."""
    if "word/document.xml" in members:
        return "a Word document (word/document.xml), no xl/workbook.xml"
    if "ppt/presentation.xml" in members:
        return "a PowerPoint file (ppt/presentation.xml), no xl/workbook.xml"
    if "mimetype" in members and "content.xml" in members:
        info = members["mimetype"]
        mimetype = b""
        if info.file_size < 200:
            with member_errors(info.filename), zf.open(info) as stream:
                mimetype = stream.read(200)
        return f"OpenDocument ({mimetype.decode('ascii', 'replace').strip()}), no xl/workbook.xml"
    return f"zip of {len(members)} entries without xl/workbook.xml"
