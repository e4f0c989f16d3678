"""The inbox folder: which files are submissions, and reading each one exactly once.

Departments mail their workbooks to the planning office, who saves them into one folder.
That folder also collects what Excel and the file system leave behind: owner files
(``~$総務部.xlsx``, written while a workbook is open), hidden files (``.DS_Store``,
LibreOffice's ``.~lock.*#``), a cover letter as .pdf or .txt. Those are listed as ignored with a
Japanese reason, so the office can see that nothing was silently dropped.

The inbox is evidence for the auditors: files are opened read-only, read once into memory and
hashed, and never written, moved or renamed. Everything downstream works from those bytes, and
the hash of the bytes read is what the master records, so a file replaced during the run is
detected by hashing it again afterwards (:func:`file_sha256`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from kpitool.errors import InputError
from kpitool.model import JST

# Read and validated as submissions.
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
# Workbooks kpitool cannot read: still candidates, so the department shows as 取込不可 with
# the reason ("save as .xlsx") instead of 未提出 with its file quietly ignored.
UNSUPPORTED_WORKBOOK_SUFFIXES = (".xls", ".xlsb")
OWNER_FILE_PREFIX = "~$"
READ_CHUNK = 1 << 20

IGNORED_OWNER = "Excelが作業中に作成する一時ファイル（~$）のため対象外です。"
IGNORED_HIDDEN = "隠しファイルのため対象外です。"
IGNORED_FOLDER = "フォルダのため対象外です（受付フォルダの直下のファイルだけを読み込みます）。"
IGNORED_NOT_WORKBOOK = "Excelファイル（.xlsx・.xlsm）ではないため対象外です。"
IGNORED_NOT_REGULAR = "通常のファイルではないため対象外です。"


@dataclass(frozen=True, slots=True)
class InboxFile:
    """A candidate submission as found in the inbox (before it is read)."""

    path: Path
    size: int  # bytes, from stat at scan time
    modified: str  # mtime, ISO 8601 in JST (seconds)

    @property
    def name(self) -> str:
        return self.path.name


@dataclass
class InboxScan:
    """The candidates, sorted by file name, and every other entry with the reason it is ignored."""

    inbox: Path
    files: list[InboxFile] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (file name, Japanese reason)


def _is_hidden(entry: os.DirEntry[str], st: os.stat_result) -> bool:
    if entry.name.startswith("."):
        return True
    attributes = getattr(st, "st_file_attributes", 0)  # Windows only
    return bool(attributes & getattr(stat, "FILE_ATTRIBUTE_HIDDEN", 0))


def _modified(st: os.stat_result) -> str:
    return dt.datetime.fromtimestamp(int(st.st_mtime), JST).isoformat()


def modified_time(path: Path) -> str:
    """A file's mtime as ISO 8601 in JST (whole seconds), "" when it cannot be read."""
    try:
        return _modified(os.stat(path))
    except OSError:
        return ""


def ignore_reason(name: str, st: os.stat_result, *, hidden: bool = False) -> str | None:
    """Why an inbox entry is not a candidate submission, or None when it is one.

    Owner files come first: they end in .xlsx, so the suffix test alone would take them for
    submissions (and they cannot even be opened while Excel holds the workbook).
    """
    if name.startswith(OWNER_FILE_PREFIX):
        return IGNORED_OWNER
    if hidden or name.startswith("."):
        return IGNORED_HIDDEN
    if stat.S_ISDIR(st.st_mode):
        return IGNORED_FOLDER
    if not stat.S_ISREG(st.st_mode):
        return IGNORED_NOT_REGULAR
    if Path(name).suffix.lower() not in WORKBOOK_SUFFIXES + UNSUPPORTED_WORKBOOK_SUFFIXES:
        return IGNORED_NOT_WORKBOOK
    return None


def scan_inbox(inbox: Path | str) -> InboxScan:
    """List the inbox (not its subfolders): candidates and ignored entries, sorted by name.

    Sorting by name makes every later step deterministic whatever order the file system
    lists entries in. Raises :class:`InputError` when the folder does not exist.
    """
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise InputError(f"受付フォルダが見つかりません: {inbox}")
    scan = InboxScan(inbox=inbox)
    try:
        entries = sorted(os.scandir(inbox), key=lambda e: e.name)
    except OSError as exc:
        raise InputError(f"受付フォルダを読めません: {inbox}（{exc.strerror}）") from None
    for entry in entries:
        try:
            st = entry.stat()  # follows symlinks: a link to a workbook is a workbook
        except OSError:
            scan.ignored.append((entry.name, IGNORED_NOT_REGULAR))
            continue
        reason = ignore_reason(entry.name, st, hidden=_is_hidden(entry, st))
        if reason:
            scan.ignored.append((entry.name, reason))
        else:
            scan.files.append(InboxFile(Path(entry.path), st.st_size, _modified(st)))
    return scan


def read_once(path: Path, max_bytes: int) -> tuple[bytes | None, str, int]:
    """Read a file once, read-only: ``(bytes, sha256, size)``.

    The whole file is hashed in one streaming pass; its bytes are kept only up to
    ``max_bytes``. A file larger than that by stat is neither read nor hashed (``None`` bytes,
    sha256 ""), so a huge or sparse file costs no time; the reader refuses it as too large.
    Raises OSError when the file cannot be opened.
    """
    digest = hashlib.sha256()
    chunks: list[bytes] | None = []
    size = 0
    with open(path, "rb") as f:
        st = os.fstat(f.fileno())
        if st.st_size > max_bytes:  # refused by size: not hashed either (a sparse 4 GiB file, issue 16)
            return None, "", st.st_size
        while chunk := f.read(READ_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if chunks is not None:
                if size > max_bytes:
                    chunks = None
                else:
                    chunks.append(chunk)
    return (b"".join(chunks) if chunks is not None else None), digest.hexdigest(), size


def file_sha256(path: Path, max_bytes: int | None = None) -> str | None:
    """The sha256 of a file as it is now, or None when it is gone, unreadable or (by stat,
    before any read) larger than ``max_bytes``."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            if max_bytes is not None and os.fstat(f.fileno()).st_size > max_bytes:
                return None
            while chunk := f.read(READ_CHUNK):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()
