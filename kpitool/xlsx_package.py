"""How the master's .xlsx is assembled: in memory when it is small, from temp files when not (issue 17).

XlsxWriter writes every part of an .xlsx (each sheet, styles, relations, charts, drawings:
about 40 for the master) to a temp file of its own, adds it to the zip and deletes it; in
``constant_memory`` mode each sheet's rows first go to one more temp file. For a city's master
that is 48 files created and deleted, and it cost more than writing the cells: 0.1 s of a
city's 集約 on the 2-core test machine (ext4 mounted with ``discard``: each delete trims), and a
自治体 PC's antivirus scans every file created. XlsxWriter's ``in_memory`` option assembles the
parts in memory, but it also turns ``constant_memory`` off, which the master needs at national
scale (its data sheets are streamed row by row, hundreds of MB of XML).

So the master keeps ``constant_memory`` and takes both decisions itself:

- each sheet's rows go to a :class:`RowBuffer` (:func:`memory_rows_worksheet`): in memory up to
  :data:`ROW_BUFFER_CHARS`, then in an anonymous temp file (no name, nothing to delete);
- :func:`package_in_memory_if_small`, right before ``close``: when no sheet's rows spilled and
  all of them are at most :data:`IN_MEMORY_LIMIT`, XlsxWriter assembles the parts in memory.

Every part is the same bytes either way (tests/test_xlsx_package.py compares them); only the
zip's record of a part differs (XlsxWriter dates in-memory parts 1980-01-01 instead of
1980-01-31 and records no file mode). The sheet override relies on XlsxWriter internals
(``_initialize``, ``row_data_fh``, ``_write_optimized_sheet_data``) of the version pinned for
:mod:`kpitool.master.fastrows`, and is used only with it.
"""

from __future__ import annotations

import io
import os
import tempfile
from typing import IO, Any

ROW_BUFFER_CHARS = 2 << 20  # characters of row XML one sheet keeps in memory before spilling
IN_MEMORY_LIMIT = 8 << 20  # characters (or bytes) of row XML of all sheets, to assemble in memory


class RowBuffer:
    """A ``constant_memory`` sheet's row XML: in memory up to ``limit`` characters, then in an
    anonymous temp file (``tempfile.TemporaryFile``: removed by the system when closed).

    It offers what XlsxWriter asks of its row file: ``write`` while rows come, then ``seek(0)``
    and ``read`` when the sheet is assembled, and ``close``.
    """

    def __init__(self, limit: int = ROW_BUFFER_CHARS, tmpdir: str | None = None) -> None:
        self._memory: io.StringIO | None = io.StringIO()
        self._file: IO[str] | None = None
        self._limit = limit
        self._tmpdir = tmpdir
        self.closed = False

    @property
    def spilled(self) -> bool:
        """Whether the rows outgrew the memory and went to a temp file."""
        return self._file is not None

    def size(self) -> int:
        """Characters held in memory (0 once spilled)."""
        return 0 if self._memory is None else self._memory.tell()

    def write(self, text: str) -> int:
        memory = self._memory
        if memory is None:
            assert self._file is not None
            return self._file.write(text)
        written = memory.write(text)
        if memory.tell() > self._limit:
            self._spill(memory)
        return written

    def _spill(self, memory: io.StringIO) -> None:
        file = tempfile.TemporaryFile("w+", encoding="utf-8", dir=self._tmpdir)  # noqa: SIM115
        file.write(memory.getvalue())
        self._memory, self._file = None, file

    def _handle(self) -> IO[str]:
        handle = self._memory if self._memory is not None else self._file
        assert handle is not None
        return handle

    def seek(self, position: int) -> int:
        return self._handle().seek(position)

    def read(self, size: int = -1) -> str:
        return self._handle().read(size)

    def flush(self) -> None:
        self._handle().flush()

    def close(self) -> None:
        if not self.closed:
            self._handle().close()
            self.closed = True


def memory_rows_worksheet(base: type) -> type:
    """``base`` (an XlsxWriter Worksheet subclass) whose ``constant_memory`` rows go to a
    :class:`RowBuffer` instead of a named temp file."""

    class MemoryRowsWorksheet(base):  # type: ignore[misc,valid-type]
        def _initialize(self, init_data: dict[str, Any]) -> None:
            streamed = init_data["constant_memory"]
            super()._initialize({**init_data, "constant_memory": False})  # no named temp file
            if streamed:
                self.constant_memory = streamed
                self.row_data_fh = self.fh = RowBuffer(ROW_BUFFER_CHARS, self.tmpdir)
                self.row_data_filename = None

        def _write_optimized_sheet_data(self) -> None:
            """XlsxWriter's, without the named file to delete (and a buffer closed even when
            the sheet has no rows)."""
            rows = self.row_data_fh
            if not isinstance(rows, RowBuffer):
                super()._write_optimized_sheet_data()
                return
            if self.dim_rowmin is None:
                self._xml_empty_tag("sheetData")
            else:
                self._xml_start_tag("sheetData")
                rows.seek(0)
                data = rows.read(65536)
                while data:
                    self.fh.write(data)
                    data = rows.read(65536)
                self._xml_end_tag("sheetData")
            rows.close()

    MemoryRowsWorksheet.__name__ = MemoryRowsWorksheet.__qualname__ = f"MemoryRows{base.__name__}"
    return MemoryRowsWorksheet


def streamed_size(workbook: Any) -> int | None:
    """Row XML the workbook's ``constant_memory`` sheets hold (characters in memory, bytes in a
    named temp file), or None when a sheet's rows spilled out of memory."""
    total = 0
    for sheet in workbook.worksheets():
        rows = getattr(sheet, "row_data_fh", None)
        if not getattr(sheet, "constant_memory", False) or rows is None or rows.closed:
            continue
        if isinstance(rows, RowBuffer):
            if rows.spilled:
                return None
            total += rows.size()
        else:  # XlsxWriter's own named temp file
            rows.flush()
            total += os.fstat(rows.fileno()).st_size
    return total


def package_in_memory_if_small(workbook: Any, limit: int | None = None) -> bool:
    """Have ``workbook.close()`` assemble the parts in memory when the streamed rows are at most
    ``limit`` (default :data:`IN_MEMORY_LIMIT`); return whether it will. Call it after the last
    cell, right before ``close``.

    XlsxWriter reads ``in_memory`` only when it stores the workbook, so setting it now leaves
    the sheets' ``constant_memory`` streams as they are.
    """
    if workbook.fileclosed:
        raise ValueError("the workbook is already closed")
    size = streamed_size(workbook)
    if size is None or size > (IN_MEMORY_LIMIT if limit is None else limit):
        return False
    workbook.in_memory = True
    return True
