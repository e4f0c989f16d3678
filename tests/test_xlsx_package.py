"""The master's parts are assembled in memory when small, from temp files when not (issue 17).

Both ways must give the same parts, byte for byte: the golden master covers the small way; here
the same master is also written with the limits at zero (every sheet's rows spilled to a temp
file, the parts packaged from temp files) and compared part by part, docProps included.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

import pytest
from golden import build, parts

import kpitool.xlsx_package as package
from kpitool.xlsx_package import RowBuffer, package_in_memory_if_small, streamed_size
from kpitool.xlsx_text import text_workbook


def test_row_buffer_keeps_small_rows_in_memory(tmp_path: Path) -> None:
    rows = RowBuffer(limit=100, tmpdir=str(tmp_path))
    rows.write("<row>一</row>")
    rows.write("<row>二</row>")
    assert not rows.spilled and rows.size() == len("<row>一</row><row>二</row>")
    rows.seek(0)
    assert rows.read(5) + rows.read() == "<row>一</row><row>二</row>"
    rows.close()
    rows.close()  # XlsxWriter closes it again when the workbook closes
    assert rows.closed and os.listdir(tmp_path) == []


def test_row_buffer_spills_to_a_file_without_a_name(tmp_path: Path) -> None:
    rows = RowBuffer(limit=10, tmpdir=str(tmp_path))
    texts = [f"<row r=\"{i}\">実績{i}</row>" for i in range(200)]
    for text in texts:
        rows.write(text)
    assert rows.spilled and rows.size() == 0
    assert os.listdir(tmp_path) == []  # anonymous: nothing left behind to delete
    rows.seek(0)
    read = []
    while chunk := rows.read(7):
        read.append(chunk)
    assert "".join(read) == "".join(texts)
    rows.close()


def test_a_small_master_is_written_without_temp_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[object] = []
    for name in ("mkstemp", "TemporaryFile", "NamedTemporaryFile"):
        original = getattr(tempfile, name)
        monkeypatch.setattr(tempfile, name, lambda *a, _original=original, **k: made.append(a) or _original(*a, **k))
    master = build(tmp_path)
    assert made == []
    assert zipfile.ZipFile(master).testzip() is None


def test_parts_are_the_same_from_memory_and_from_temp_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    small = build(tmp_path / "memory")
    monkeypatch.setattr(package, "ROW_BUFFER_CHARS", 0)  # every sheet's rows spill
    monkeypatch.setattr(package, "IN_MEMORY_LIMIT", 0)
    spilled: list[bool] = []
    original = package.streamed_size
    monkeypatch.setattr(package, "streamed_size", lambda wb: spilled.append(original(wb) is None) or original(wb))
    large = build(tmp_path / "files")
    assert spilled == [True]
    memory, files = parts(small), parts(large)  # every part but docProps, 監査ログ's volatile rows masked
    assert sorted(memory) == sorted(files) and len(memory) > 20
    assert [name for name in memory if memory[name] != files[name]] == []


def test_rows_that_spilled_keep_temp_file_packaging(tmp_path: Path) -> None:
    workbook = text_workbook(str(tmp_path / "a.xlsx"), "BIZ UDPゴシック", 11, constant_memory=True)
    from kpitool.master.writer import _worksheet_class

    sheet = workbook.add_worksheet("表", worksheet_class=_worksheet_class())
    assert isinstance(sheet.row_data_fh, RowBuffer)
    sheet.write_string(0, 0, "短い")
    sheet.write_string(1, 0, "短い")
    assert streamed_size(workbook) is not None and package_in_memory_if_small(workbook, limit=1) is False
    sheet.row_data_fh._spill(sheet.row_data_fh._memory)
    assert streamed_size(workbook) is None and package_in_memory_if_small(workbook) is False
    workbook.close()
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:
        assert b"<t>\xe7\x9f\xad\xe3\x81\x84</t>" in z.read("xl/worksheets/sheet1.xml")
    with pytest.raises(ValueError, match="closed"):
        package_in_memory_if_small(workbook)
