"""The row fast path writes exactly the bytes of XlsxWriter's per-cell API (issue 17).

The same planted rows — every kind of value kpitool writes and the awkward ones XlsxWriter
escapes — go through XlsxWriter's own per-cell methods into one workbook and through
:meth:`FastRowWorksheet.write_cells` into another; every part of the two files, unzipped, must be
byte-equal. The real master is compared the same way (fast path on and off), and the fast path
must be in use with the pinned XlsxWriter, or the golden master would not be testing it.
"""

from __future__ import annotations

import datetime as dt
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from master_cases import make_consolidation

from kpitool.master import writer as master_writer
from kpitool.master.fastrows import (
    CLASSIC_FUNCTIONS,
    DATETIME,
    FORMULA,
    NUMBER,
    STRING,
    URL,
    classic_formula,
    fast_rows_supported,
    write_cell,
)
from kpitool.master.writer import _worksheet_class, write_master

CREATED = dt.datetime(2024, 6, 1, 9, 0)
LONG_URL = "external:inbox/" + "a" * 2100 + ".xlsx"  # past Excel's 2,079 characters: refused


def _workbook(path: Path) -> Any:
    book = xlsxwriter.Workbook(str(path), {
        "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
        "strings_to_numbers": False, "default_format_properties": {"font_name": "BIZ UDPゴシック"},
    })
    book.set_properties({"created": CREATED})
    return book


def _planted(book: Any) -> list[tuple[int, float | None, Any, list[tuple[int, int, Any, Any, Any]]]]:
    """(row, height, row format, cells) of the planted rows; cells as write_cells takes them."""
    text = book.add_format({"valign": "top"})
    wrap = book.add_format({"valign": "top", "text_wrap": True})
    change = book.add_format({"valign": "top", "num_format": '#,##0.0;"△"#,##0.0'})
    date = book.add_format({"valign": "top", "num_format": "yyyy/mm/dd"})
    link = book.add_format({"valign": "top", "font_color": "#0563C1", "underline": 1})
    row_format = book.add_format({"bold": True})
    last_only = book.add_format({"italic": True})  # first used in the last row: style order
    huge = "𠮷" * 16_000 + "a" * 767 + "😀😀"  # 32,767 UTF-16 units reached inside the emoji
    strings = [
        "総務部", "はい", "", '<>&"\'', "a & b < c > d", " leading", "trailing ", " both ", "\u3000全角空白",
        "改行\nあり", "\n", "末尾改行\n", "tab\there", "ctrl\x01\x07\x08\x0b\x0c\x1f end", "_x0041_ literal",
        "_x005F_x0041_", "non\ufffechar\uffff", "😀 emoji 𠮷", "<r>not rich</r>", "<r>x", "=1+1", "'quoted",
        "x" * 40_000, huge, "\xa0nbsp",
    ]
    numbers = [0, 1, -1, 0.1 + 0.2, 1e20, 1e-7, -0.0, 123456789012345678, 2**53 + 1, 1 / 3, 1e308,
               -2.5e-310, 498.0, True, False, 100 / 3]
    formulas = [
        ("=ROUND(I2-H2,1)", 0.1 + 0.2), ("=IF(H2>0,\"高\",\"低\")", "高"), ("=IF(H2<0,\"a&b<c\",\"\")", ""),
        ("=IFERROR(H2/I2,\"#DIV/0!\")", "#DIV/0!"), ("=ISNUMBER(H2)", True), ("=MAX(H2:I2)", 12),
        ("=SORT(H2:I2)", 0), ("=_xlfn.XLOOKUP(1,H2:H3,I2:I3)", 1), ("=VLOOKUP(H2,H2:I3,2,0)", 1.5),
        ("{=SUM(H2:I2)}", 3), ("=SUM(H2:I2)}", 3), ("ROUND(1.25,1)", 1.3), ("=TEXT(H2,\"0\")&\" 件\"", " 1 件"),
        ("=xSINGLE(1)", 0),
    ]
    links = [
        ("external:inbox/03_総務部.xlsx#'実績数値'!A7", "03_総務部.xlsx!実績数値!A7"),
        ("external:inbox/a%20b c.xlsx", "a b c.xlsx"), ("https://example.org/?a=1&b=<2>", "web & <link>"),
        (LONG_URL, "too long"), ("external:../inbox/x.xlsx#A1", " spaced text "),
        # Issue 17: links the fast path records and XlsxWriter parses when the sheet is written out.
        ("external:inbox/03_総務部.xlsx#'実績数値'!A8", "same file, another cell"),
        ("external:C:\\提出\\a.xlsx#'表 1'!B2", "absolute"), ("external:\\\\server\\share\\b.xlsx", "UNC"),
        ("external:../inbox/x.xlsx#'a/b'!A1", "slash after #"), ("external:inbox/50%20.xlsx#A1", "escaped"),
        ("external:inbox/a b [1].xlsx#'シート'!C3", "escape needed"), ("external:#A1", "no file"),
        ("external:file:///d/e.xlsx", "file: inside"), ("internal:'次'!A1", "internal"),
        ("mailto:kikaku@example.org", "mail"), ("external:inbox/tip.xlsx", "😀" * 120),
    ]
    rows: list[tuple[int, float | None, Any, list[tuple[int, int, Any, Any, Any]]]] = []
    r = 1
    for i, s in enumerate(strings):
        rows.append((r, 36.0 if i % 3 == 0 else None, None, [
            (STRING, 0, s, wrap if i % 2 else text, None), (STRING, 2, s, None, None),
            (NUMBER, 3, i, change, None), (STRING, 6, f"{i}-check", text, None),
        ]))
        r += 1
    r += 2  # a gap of empty rows
    for i, n in enumerate(numbers):
        rows.append((r, None, row_format if i == 3 else None, [
            (NUMBER, 0, n, change, None), (NUMBER, 1, n, None, None), (NUMBER, 5, -n, text, None),
        ]))
        r += 1
    for formula, cached in formulas:
        rows.append((r, 20.25, None, [
            (STRING, 0, formula, text, None), (FORMULA, 1, formula, change, cached),
            (FORMULA, 2, "=ROUND(A1,2)", None, cached), (STRING, 3, "after", None, None),
        ]))
        r += 1
    for i, (url, shown) in enumerate(links):
        rows.append((r, None, None, [
            (URL, 0, url, link, (shown, shown[:255])), (URL, 1, url, None, (shown, None)),
            (DATETIME, 2, dt.datetime(2024, 4, 1 + i), date, None), (DATETIME, 3, dt.datetime(2023, 3, 31, 12), None, None),
            (STRING, 4, "last", last_only if i == len(links) - 1 else text, None),
        ]))
        r += 1
    return rows


def _write(path: Path, write_row: Callable[[Any, int, list[Any]], None], fast: bool) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # XlsxWriter warns about the refused links
        _write_planted(path, write_row, fast)


def _write_planted(path: Path, write_row: Callable[[Any, int, list[Any]], None], fast: bool) -> None:
    book = _workbook(path)
    sheet = book.add_worksheet("実績数値", worksheet_class=_worksheet_class(fast))
    other = book.add_worksheet("次", worksheet_class=_worksheet_class(fast))
    column_format = book.add_format({"num_format": "0.00"})
    sheet.set_column(0, 0, 20)
    sheet.set_column(2, 2, 12, column_format)  # cells without a format take the column's
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7"})
    for c, label in enumerate(("部局", "数値", "式", "値", "リンク", "日付", "検証")):
        sheet.write_string(0, c, label, header)
    rows = _planted(book)
    for r, height, row_format, cells in rows:
        if height is not None or row_format is not None:
            sheet.set_row(r, height, row_format)
        write_row(sheet, r, cells)
    last = rows[-1][0]
    sheet.write_string(last, 6, "written after the row, same row")  # both paths in one row
    sheet.write_string(last, 0, "replaces the link's text")
    sheet.write_url(last, 1, "external:replaced.xlsx#'S'!A1", None, "replaces the link")  # a later link wins
    sheet.hlink_count = 65_529  # Excel's limit of 65,530 links per sheet: one more fits
    write_row(sheet, last + 1, [(URL, 0, "external:a.xlsx", None, ("a", None)), (URL, 1, "external:b.xlsx", None, ("b", None)),
                                (STRING, 2, "after the limit", None, None)])
    write_row(sheet, last + 2, [(URL, 0, "external:c.xlsx", None, ("c", None))])  # refused: no cell at all
    write_row(sheet, last + 1, [(STRING, 3, "still the previous row", None, None)])  # (no cell kept since)
    write_row(sheet, last + 3, [(STRING, 0, "next", None, None)])
    write_row(sheet, last + 1, [(STRING, 3, "a row already passed", None, None)])  # refused
    sheet.write_number(last + 5, 0, 5)  # the per-cell path after fast rows
    write_row(sheet, last + 6, [(STRING, 0, "fast after per-cell", None, None)])
    if fast:  # the plain external links were recorded, not parsed (issue 17)
        assert len(sheet._links) == 2 * 10 + 1  # + the last before the limit
    other.write_string(0, 0, "header")
    write_row(other, 0, [(STRING, 1, "row 0 is the previous row: per cell", None, None)])
    write_row(other, 1, [(STRING, 0, "only row", None, None)])  # flushed when the workbook closes
    book.close()


def _per_cell(sheet: Any, row: int, cells: list[Any]) -> None:
    for kind, col, value, fmt, extra in cells:
        write_cell(sheet, row, col, kind, value, fmt, extra)


def _fast(sheet: Any, row: int, cells: list[Any]) -> None:
    sheet.write_cells(row, cells)


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def test_the_pinned_xlsxwriter_takes_the_fast_path() -> None:
    # If this fails, XlsxWriter is not the version fastrows was checked against: read its
    # worksheet.py again (_write_single_row, _write_cell, _write_url) before adding the version.
    assert fast_rows_supported(), f"XlsxWriter {xlsxwriter.__version__} is not in SUPPORTED_XLSXWRITER"
    assert hasattr(_worksheet_class(True), "write_cells")
    assert not hasattr(_worksheet_class(False), "write_cells")


def test_planted_rows_give_the_same_bytes_on_both_paths(tmp_path: Path) -> None:
    reference, fast = tmp_path / "per_cell.xlsx", tmp_path / "fast.xlsx"
    _write(reference, _per_cell, fast=False)
    _write(fast, _fast, fast=True)
    want, got = _parts(reference), _parts(fast)
    assert sorted(got) == sorted(want)
    assert [name for name in want if got[name] != want[name]] == []
    sheet = want["xl/worksheets/sheet1.xml"].decode()
    # The planted cases reached the XML as XlsxWriter writes them (so the comparison covers them).
    for expected in ('xml:space="preserve"> leading', "_x0001__x0007__x0008__x000B__x000C__x001F_",
                     "_x005F_x0041_ literal", "_xFFFE_", "&lt;&gt;&amp;\"'", 't="str"><f>IF(H2&gt;0',
                     't="e"', 't="b"', "<v>0.30000000000000004</v>", "<v>1E+20</v>", "_xlfn._xlws.SORT(",
                     "<t>&gt;not rich&lt;/r&gt;</t>", 'ht="36" customHeight="1"', "<f>SUM(H2:I2)</f>",
                     "fast after per-cell", "replaces the link"):
        assert expected in sheet, expected
    assert "too long" not in sheet and "a row already passed" not in sheet and ">c<" not in sheet
    assert "still the previous row" in sheet
    # Links: two on each planted row whose URL fits (but the internal one: no relationship), one
    # before the per-sheet limit.
    assert want["xl/worksheets/_rels/sheet1.xml.rels"].count(b"Target=") == (4 + 10) * 2 + 1
    assert b"replaced.xlsx" in want["xl/worksheets/_rels/sheet1.xml.rels"]
    for expected in ('location="\'a\\b\'!A1"', 'location="\'実績数値\'!A8"', 'location="\'次\'!A1"',
                     'tooltip="' + "😀" * 120):
        assert expected in sheet, expected


def test_the_master_is_the_same_with_and_without_the_fast_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "inbox").mkdir()
    consolidation = make_consolidation(tmp_path / "inbox")
    (tmp_path / "fast").mkdir()
    (tmp_path / "per_cell").mkdir()
    fast = write_master(consolidation, tmp_path / "fast" / "master.xlsx").master
    monkeypatch.setattr(master_writer, "_worksheet_class", lambda fast_rows=True: _worksheet_class(False))
    reference = write_master(consolidation, tmp_path / "per_cell" / "master.xlsx").master
    want, got = _parts(reference), _parts(fast)
    assert sorted(got) == sorted(want)
    assert [name for name in want if got[name] != want[name]] == []


def test_another_xlsxwriter_version_keeps_the_per_cell_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsxwriter, "__version__", "3.3.2")
    _worksheet_class.cache_clear()
    try:
        assert not hasattr(_worksheet_class(), "write_cells")
    finally:
        monkeypatch.undo()
        _worksheet_class.cache_clear()
    assert hasattr(_worksheet_class(), "write_cells")


@pytest.mark.parametrize(("formula", "expected"), [
    ("=ROUND(A1-B1,1)", "ROUND(A1-B1,1)"),
    ('=IF(AND(ISNUMBER(A1),A1<>0),ROUND(B1/A1-1,3),"")', 'IF(AND(ISNUMBER(A1),A1<>0),ROUND(B1/A1-1,3),"")'),
    ("A1+1", "A1+1"),
    ("=SORT(A1:A3)", None), ("=VLOOKUP(A1,B:C,2,0)", None), ('=IF(A1,"SINGLE(","")', None),
    ("{=SUM(A1:A3)}", None), ("=_xlfn.XLOOKUP(1,A:A,B:B)", None), ("", None), ("=round(A1,1)", None),
])
def test_a_classic_formula_is_stored_as_xlsxwriter_stores_it(formula: str, expected: str | None) -> None:
    assert classic_formula(formula) == expected
    if expected is not None:
        from xlsxwriter.worksheet import Worksheet

        assert Worksheet()._prepare_formula(formula) == expected


def test_xlsxwriter_prefixes_none_of_the_classic_functions() -> None:
    from xlsxwriter.worksheet import Worksheet

    sheet = Worksheet()
    sheet.use_future_functions = True
    for name in CLASSIC_FUNCTIONS:
        assert sheet._prepare_formula(f"={name}(A1,{name}(B2))") == f"{name}(A1,{name}(B2))"
