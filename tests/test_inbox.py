"""The inbox scan: which entries are submissions, and reading each file once, read-only."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from conftest import ROSTER, sample_data

from kpitool.errors import InputError
from kpitool.inbox import (
    IGNORED_FOLDER,
    IGNORED_HIDDEN,
    IGNORED_NOT_WORKBOOK,
    IGNORED_OWNER,
    file_sha256,
    read_once,
    scan_inbox,
)
from kpitool.template import write_template


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    write_template(folder / "02_総務部.xlsx", roster=ROSTER, data=sample_data())
    write_template(folder / "01_財政部.XLSX", roster=ROSTER)
    (folder / "03_企画.xlsm").write_bytes((folder / "02_総務部.xlsx").read_bytes())
    (folder / "~$02_総務部.xlsx").write_bytes(b"owner")  # Excel's owner file while open
    (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (folder / ".~lock.02_総務部.xlsx#").write_text("lock", encoding="utf-8")  # LibreOffice
    (folder / "送付状.txt").write_text("提出します", encoding="utf-8")
    (folder / "古い形式.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    (folder / "old").mkdir()
    (folder / "old" / "01_財政部.xlsx").write_bytes(b"PK")
    return folder


def test_candidates_and_ignored_sorted_by_name(inbox: Path) -> None:
    scan = scan_inbox(inbox)
    assert [f.name for f in scan.files] == ["01_財政部.XLSX", "02_総務部.xlsx", "03_企画.xlsm", "古い形式.xls"]
    assert dict(scan.ignored) == {
        ".DS_Store": IGNORED_HIDDEN,
        ".~lock.02_総務部.xlsx#": IGNORED_HIDDEN,
        "old": IGNORED_FOLDER,
        "~$02_総務部.xlsx": IGNORED_OWNER,
        "送付状.txt": IGNORED_NOT_WORKBOOK,
    }
    assert [name for name, _ in scan.ignored] == sorted(name for name, _ in scan.ignored)
    first = scan.files[1]
    assert first.size == (inbox / "02_総務部.xlsx").stat().st_size
    assert first.modified.endswith("+09:00")


def test_reasons_are_japanese(inbox: Path) -> None:
    for _name, reason in scan_inbox(inbox).ignored:
        assert reason.endswith("。") and any("\u3040" <= ch <= "\u30ff" for ch in reason)


def test_missing_inbox_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="受付フォルダが見つかりません"):
        scan_inbox(tmp_path / "nowhere")
    (tmp_path / "file.xlsx").write_bytes(b"PK")
    with pytest.raises(InputError):
        scan_inbox(tmp_path / "file.xlsx")


def test_read_once_returns_bytes_and_their_hash(inbox: Path) -> None:
    path = inbox / "02_総務部.xlsx"
    raw = path.read_bytes()
    data, sha, size = read_once(path, max_bytes=10 * 2**20)
    assert data == raw and size == len(raw)
    assert sha == hashlib.sha256(raw).hexdigest() == file_sha256(path)


def test_read_once_neither_keeps_nor_hashes_an_oversized_file(tmp_path: Path) -> None:
    """Refused by stat before any read (issue 16: a sparse 4 GiB file was hashed in full)."""
    path = tmp_path / "big.xlsx"
    payload = os.urandom(3 * 2**20 + 5)
    path.write_bytes(payload)
    data, sha, size = read_once(path, max_bytes=2**20)
    assert data is None
    assert size == len(payload) and sha == ""


def test_file_sha256_of_a_missing_file_is_none(tmp_path: Path) -> None:
    assert file_sha256(tmp_path / "gone.xlsx") is None


def test_scanning_and_reading_change_nothing(inbox: Path) -> None:
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in inbox.iterdir() if p.is_file()}
    for f in scan_inbox(inbox).files:
        read_once(f.path, max_bytes=2**26)
        file_sha256(f.path)
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in inbox.iterdir() if p.is_file()}
    assert after == before
