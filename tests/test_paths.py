"""kpitool.paths and the outputs that must never land in the inbox (issue 16).

Each test builds a real inbox with the project's template generator and runs the CLI as users
do; the failures they pin down are those of the hostile test of issue 16: ``-o`` through a
symlink, a symlinked inbox entry pointing outside, names too long for derived files, and a
sparse 4 GiB file hashed in full.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from pathlib import Path

import openpyxl
import pytest
from test_consolidate import write_department
from workbooks import make_config

from kpitool.cli import main
from kpitool.consolidate import consolidate
from kpitool.master.writer import CSV_SHEETS
from kpitool.model import Status
from kpitool.paths import NAME_MAX, fit_name, inside, is_link_outside, real

posix_only = pytest.mark.skipif(os.name != "posix", reason="symlinks without privileges")


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    """A folder with kpitool.toml (roster 総務部, 財政部, 企画政策部) and an inbox of one file."""
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0
    write_department(tmp_path / "inbox", "総務部.xlsx", "総務部", "2024/4/1")
    capsys.readouterr()
    return tmp_path


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


# --- fit_name ------------------------------------------------------------------------------------


def test_fit_name_keeps_short_names_and_cuts_long_ones_at_characters() -> None:
    assert fit_name("総務部", "_検証結果.xlsx") == "総務部_検証結果.xlsx"
    long_stem = "令和5年度部局経営目標" * 20  # 600 bytes of UTF-8
    name = fit_name(long_stem, "_検証結果.xlsx")
    assert name.endswith("_検証結果.xlsx") and len(name.encode()) <= NAME_MAX - 40
    kept = name[: name.index("~")]
    assert long_stem.startswith(kept) and kept
    other = fit_name(long_stem + "別", "_検証結果.xlsx")
    assert other != name  # two long names sharing their start stay two files


def test_inside_and_links_are_judged_on_resolved_paths(tmp_path: Path) -> None:
    inbox, outside = tmp_path / "inbox", tmp_path / "elsewhere"
    inbox.mkdir(), outside.mkdir()
    (outside / "a.xlsx").write_bytes(b"x")
    (tmp_path / "alias").symlink_to(inbox, target_is_directory=True)
    assert inside(tmp_path / "alias" / "m.xlsx", inbox)
    assert real(tmp_path / "alias" / "m.xlsx") == real(inbox) / "m.xlsx"
    (inbox / "link.xlsx").symlink_to(outside / "a.xlsx")
    (inbox / "b.xlsx").write_bytes(b"x")
    (inbox / "inner.xlsx").symlink_to(inbox / "b.xlsx")
    assert is_link_outside(inbox / "link.xlsx", inbox)
    assert not is_link_outside(inbox / "inner.xlsx", inbox)
    assert not is_link_outside(inbox / "b.xlsx", inbox)


# --- outputs never land in the inbox --------------------------------------------------------------


@posix_only
def test_output_through_a_symlink_to_an_inbox_file_is_refused(office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inbox = office / "inbox"
    before = snapshot(inbox)
    (office / "out.xlsx").symlink_to(inbox / "総務部.xlsx")
    assert main(["consolidate", "inbox", "-o", "out.xlsx"]) == 2
    assert "受付フォルダ" in capsys.readouterr().err
    assert snapshot(inbox) == before  # the submission was not replaced


@posix_only
def test_output_through_a_symlinked_folder_is_refused(office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inbox = office / "inbox"
    before = snapshot(inbox)
    (office / "out").symlink_to(inbox, target_is_directory=True)
    assert main(["consolidate", "inbox", "-o", "out/master.xlsx"]) == 2
    assert "E-RUN-001" in capsys.readouterr().err
    assert snapshot(inbox) == before  # no master, no CSV, no lock left in the inbox


@posix_only
def test_report_through_a_symlink_to_an_input_is_refused(office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inbox = office / "inbox"
    before = snapshot(inbox)
    (office / "report.xlsx").symlink_to(inbox / "総務部.xlsx")
    assert main(["validate", "inbox", "--report", "report.xlsx"]) == 2
    assert snapshot(inbox) == before


@posix_only
def test_symlinked_inbox_entry_pointing_outside_is_refused_with_a_code(tmp_path: Path) -> None:
    inbox, elsewhere = tmp_path / "inbox", tmp_path / "private"
    write_department(inbox, "総務部.xlsx", "総務部", "2024/4/1")
    write_department(elsewhere, "財政部.xlsx", "財政部", "2024/4/1")
    (inbox / "財政部.xlsx").symlink_to(elsewhere / "財政部.xlsx")
    (inbox / "企画政策部.xlsx").symlink_to(inbox / "総務部.xlsx")  # inside the inbox: read
    c = consolidate(inbox, make_config(), workers=1)
    status = dict(zip(c.submissions["file"], c.submissions["status"], strict=True))
    assert status["財政部.xlsx"] == str(Status.UNREADABLE)
    assert status["総務部.xlsx"] != str(Status.UNREADABLE)
    found = c.findings[c.findings["file"] == "財政部.xlsx"]
    assert list(found["code"]) == ["E-INBOX-001"]
    assert str(real(elsewhere / "財政部.xlsx")) in found["message"].iloc[0]


# --- long names ------------------------------------------------------------------------------------


@posix_only
@pytest.mark.parametrize("stem_bytes", [202, 229, 240])
def test_long_inbox_names_get_return_copies_with_the_mapping_reported(
    office: Path, capsys: pytest.CaptureFixture[str], stem_bytes: int
) -> None:
    stem = "財政部" + "x" * (stem_bytes - len("財政部".encode()) - len(".xlsx"))
    name = f"{stem}.xlsx"
    assert len(name.encode()) == stem_bytes
    write_department(office / "inbox", name, "財政部", "2024/13/1")  # an impossible date: a finding
    code = main(["validate", "inbox", "--return-copies", "copies"])
    captured = capsys.readouterr()
    assert code == 1 and "Traceback" not in captured.err
    copies = sorted(p.name for p in (office / "copies").iterdir())
    assert len(copies) == 1 and copies[0].endswith("_検証結果.xlsx")
    assert len(copies[0].encode()) <= NAME_MAX
    if len(f"{stem}_検証結果.xlsx".encode()) + 40 > NAME_MAX:
        assert f"名前が長いため短縮しました: {stem}_検証結果.xlsx → {copies[0]}" in captured.out
    assert "差し戻し用のコピーを作成しました: 1ファイル" in captured.out


@posix_only
def test_long_master_name_gets_csvs_it_can_write(office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stem = "m" * 231
    code = main(["consolidate", "inbox", "-o", f"out/{stem}.xlsx"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    out = office / "out"
    csvs = sorted(p.name for p in out.iterdir() if p.suffix == ".csv")
    assert len(csvs) == len(CSV_SHEETS) and all(len(n.encode()) <= NAME_MAX for n in csvs)
    for name in csvs:
        assert f"CSV: {Path('out') / name}" in captured.out
    assert (out / f"{stem}.xlsx").is_file()


# --- sizes before hashing ---------------------------------------------------------------------------


def test_sparse_huge_file_is_refused_by_size_without_hashing(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    write_department(inbox, "総務部.xlsx", "総務部", "2024/4/1")
    with open(inbox / "財政部.xlsx", "wb") as f:
        f.write(b"PK\x03\x04")
        f.truncate(4 * 2**30)  # sparse: costs no disk, but hashing it reads 4 GiB
    c = consolidate(inbox, make_config(), workers=1)
    row = c.submissions[c.submissions["file"] == "財政部.xlsx"].iloc[0]
    assert row["status"] == str(Status.UNREADABLE)
    assert row["sha256"] == ""  # never hashed: refused by its size first
    assert row["size"] == 4 * 2**30
    found = c.findings[c.findings["file"] == "財政部.xlsx"]
    assert list(found["code"]) == ["E-FILE-013"]


# --- names that look alike -----------------------------------------------------------------------


def test_nfc_nfd_twins_are_distinguishable() -> None:
    from kpitool.paths import display_name

    nfc = unicodedata.normalize("NFC", "データ.xlsx")
    nfd = unicodedata.normalize("NFD", "データ.xlsx")
    assert nfc != nfd
    assert display_name(nfc) == nfc
    assert display_name(nfd) != display_name(nfc)


def test_audit_and_the_log_check_sizes_before_hashing(tmp_path: Path) -> None:
    """A sparse 4 GiB file swapped in after the run, or lying in the inbox as a non-workbook,
    is judged by its size: never read in full (issue 16)."""
    from kpitool.audit import SOURCE_CHANGED, audit_master
    from kpitool.master.log import parse_log
    from kpitool.master.writer import write_master

    inbox = tmp_path / "inbox"
    write_department(inbox, "総務部.xlsx", "総務部", "2024/4/1")
    with open(inbox / "資料.zip", "wb") as f:
        f.truncate(4 * 2**30)
    outputs = write_master(consolidate(inbox, make_config(), workers=1), tmp_path / "master.xlsx")
    book = openpyxl.load_workbook(outputs.master, read_only=True)
    log = parse_log([list(r) for r in book["監査ログ"].iter_rows(values_only=True)])
    book.close()
    (row,) = [r for r in log.ignored if r[0] == "資料.zip"]
    assert row[2] == 4 * 2**30 and row[3] in (None, "")  # its size, but no hash
    with open(inbox / "総務部.xlsx", "wb") as f:
        f.truncate(4 * 2**30)
    report = audit_master(outputs.master, inbox)
    (changed,) = [d for d in report.discrepancies if d.code == SOURCE_CHANGED]
    assert changed.file == "総務部.xlsx" and "大きさが集約時と異なります" in changed.message
