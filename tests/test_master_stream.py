"""The master is streamed sheet by sheet, row by row, and gives the bytes it gave whole (issue 17).

The digest, the row and column hashes and the CSVs are computed as each row passes instead of
from tables held in memory; each shortcut must equal the definition it replaces
(:func:`~kpitool.master.digest.data_digest`, :func:`~kpitool.master.digest.column_hash`,
:func:`~kpitool.master.opendata.csv_text`). 概要 is written after the data sheets, with its
formats numbered first (:func:`~kpitool.master.writer.summary_format_order`).
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import pytest
from master_cases import make_consolidation, many_figures
from master_reference import build_tables, digest_of

from kpitool.master import writer
from kpitool.master.digest import (
    DigestStream,
    Table,
    canonical_json,
    column_hash,
    data_digest,
    row_hash,
)
from kpitool.master.layout import (
    FIGURES,
    KPIS,
    SURVEY,
    TREND,
    Formula,
    Link,
    Number,
    SourceLinks,
    layouts,
)
from kpitool.master.opendata import ENCODING, CsvStream, csv_text
from kpitool.master.tables import ROW_BUILDERS

AWKWARD = [None, True, False, 0.0, 0.1 + 0.2, 1e20, 1e-310, -2.5, "", "総務部", '"q" \\ b', "改行\nタブ\t",
           "\x00\x1f\x7f", "\u2028", "😀𠮷", "<U+202E>", "a" * 3000]


def _json(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


def test_a_rows_json_built_value_by_value_is_the_json_of_the_row() -> None:
    assert canonical_json(AWKWARD).encode() == _json(AWKWARD)
    assert canonical_json([]).encode() == _json([])
    with pytest.raises(ValueError, match="JSON"):  # refused as the encoder refuses it
        canonical_json([math.inf])


@pytest.mark.parametrize("rows", [0, 1, 511, 512, 513, 1100])
def test_the_streamed_digest_and_hashes_equal_those_of_whole_tables(rows: int) -> None:
    config = {"municipality": "架空市", "fiscal_years": [2022, 2023], "nested": {"b": 1, "a": [1.5, None]}}
    labels = ["部局名", "値", "旗"]
    table = [[AWKWARD[(r + c) % len(AWKWARD)] for c in range(3)] for r in range(rows)]
    other = [["x", float(r), None] for r in range(3)]
    stream = DigestStream(config)
    first = stream.table("一", labels)
    assert [first.add(row) for row in table] == [row_hash(row) for row in table]
    second = stream.table("二", labels)
    for row in other:
        second.add(row)
    assert first.rows == rows
    assert stream.hexdigest() == data_digest(config, [Table("一", labels, table), Table("二", labels, other)])
    assert first.column_hashes() == [column_hash(label, [row[c] for row in table]) for c, label in enumerate(labels)]
    assert first.column_hashes() == first.column_hashes()  # asking twice changes nothing


def test_the_written_digest_is_that_of_the_tables_built_whole(tmp_path: Path) -> None:
    from kpitool.config import config_to_dict

    (tmp_path / "inbox").mkdir()
    c = make_consolidation(tmp_path / "inbox", figures=many_figures(600))
    outputs = writer.write_master(c, tmp_path / "master.xlsx")
    tables = build_tables(c, SourceLinks(tmp_path, c.inbox))
    assert outputs.digest == digest_of(config_to_dict(c.config), tables)


@pytest.mark.parametrize("sheet", [FIGURES, SURVEY, TREND, KPIS])
def test_a_streamed_csv_is_the_csv_of_the_whole_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      sheet: str) -> None:
    (tmp_path / "inbox").mkdir()
    c = make_consolidation(tmp_path / "inbox", figures=many_figures(300))
    layout = layouts(c.config.fiscal_years)[sheet]
    rows = list(ROW_BUILDERS[sheet](c, layout, SourceLinks(tmp_path, c.inbox)))
    monkeypatch.setattr(CsvStream, "BLOCK", 100)  # many blocks, the BOM only in the first
    blocks: list[bytes] = []
    stream = CsvStream(layout, blocks.append)
    for row in rows:
        stream.add(row)
    sha = stream.close()
    expected = csv_text(layout, rows).encode(ENCODING)
    assert b"".join(blocks) == expected
    assert len(blocks) > 2 or len(rows) < 3
    assert sha == hashlib.sha256(expected).hexdigest()


def test_each_row_is_written_before_the_next_is_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Streaming: the CSV has row k before the builder makes row k+1 (nothing is held)."""
    (tmp_path / "inbox").mkdir()
    c = make_consolidation(tmp_path / "inbox", figures=many_figures(50))
    events: list[tuple[str, int]] = []
    build = ROW_BUILDERS[FIGURES]

    def spying_builder(*args):
        for n, row in enumerate(build(*args)):
            events.append(("built", n))
            yield row

    original_add = CsvStream.add

    def spying_add(self, row):
        if events and events[-1][0] == "built":
            events.append(("csv", events[-1][1]))
        original_add(self, row)

    monkeypatch.setitem(writer.ROW_BUILDERS, FIGURES, spying_builder)
    monkeypatch.setattr(CsvStream, "add", spying_add)
    writer.write_master(c, tmp_path / "master.xlsx")
    built = [n for kind, n in events if kind == "built"]
    assert built == list(range(50))
    assert events == [event for n in range(50) for event in (("built", n), ("csv", n))]


def test_summary_formats_are_numbered_as_if_it_were_written_first(tmp_path: Path) -> None:
    """The grid without counts, which numbers 概要's formats before the data sheets, uses them
    in the order the real grid does."""
    import xlsxwriter

    from kpitool.master.summary import (
        facts_from_consolidation,
        status_counts,
        summary_facts,
        summary_grid,
    )

    (tmp_path / "inbox").mkdir()
    c = make_consolidation(tmp_path / "inbox")
    statuses = status_counts(c.table("submissions")["status"])
    book = xlsxwriter.Workbook(str(tmp_path / "x.xlsx"))
    formats = writer.Formats(book)
    real = summary_grid(c.config, "2024年", statuses, facts_from_consolidation(c))
    empty = summary_grid(c.config, "", statuses, summary_facts(c.config.grades, (), (), ()))
    assert len(real.rows) > len(empty.rows)  # departments counted: the grids differ
    order = writer.summary_format_order(real, formats, c.config)
    assert len(order) == 5  # header, text, wrapped text, caption, count
    assert writer.summary_format_order(empty, formats, c.config) == order
    book.close()


def test_cells_of_every_kind_stream_into_the_right_columns(tmp_path: Path) -> None:
    """Spot check of the streamed sheet read back: a formula, a number, a link, a row check."""
    import openpyxl

    (tmp_path / "inbox").mkdir()
    c = make_consolidation(tmp_path / "inbox", figures=many_figures(20))
    outputs = writer.write_master(c, tmp_path / "master.xlsx")
    layout = layouts(c.config.fiscal_years)[FIGURES]
    rows = list(ROW_BUILDERS[FIGURES](c, layout, SourceLinks(tmp_path, c.inbox)))
    sheet = openpyxl.load_workbook(outputs.master)[FIGURES]
    for r, row in enumerate(rows, start=2):
        for col, cell in enumerate(row, start=1):
            got = sheet.cell(r, col)
            if isinstance(cell, Formula):
                assert got.value == cell.text
            elif isinstance(cell, Number):
                assert got.value == cell.value
            elif isinstance(cell, Link):
                assert got.value == cell.text and (got.hyperlink is not None) == bool(cell.url)
            else:
                assert got.value == cell
        assert sheet.cell(r, len(layout.columns)).value.count("-") == 1


@pytest.mark.parametrize("percent", [False, True])
def test_remembered_number_texts_are_the_texts_of_each_number(percent: bool) -> None:
    from kpitool.master import opendata

    numbers = [3, 3.0, -0.0, 0.0, 0.0345, -1972, 2158.7, 1e-4, 1e26, 12345678901234567890, 0.1 + 0.2]
    opendata._NUMBER_TEXTS.clear()
    for _ in range(2):  # worked out, then remembered
        for n in numbers:
            expected = opendata.percent_text(n) if percent else opendata.number_text(n)
            assert opendata.csv_value(Number(n, ""), percent=percent) == expected
            assert opendata.csv_value(n, percent=percent) == expected
