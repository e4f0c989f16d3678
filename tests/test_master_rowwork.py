"""The writer's per-row work, made cheaper, gives the values it gave before (issue 17).

Cell prints, row hashes and canonical values are stored in the master (行の検証値, the digest):
the shortcuts in :mod:`kpitool.master.digest`, :mod:`kpitool.master.tables` and
:mod:`kpitool.master.layout` must equal the plain definitions they replace — ``json.dumps`` with
the digest's options, ``canonical_value(written_value(cell))``, and the line count of a text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpitool.master import digest, layout
from kpitool.master.digest import PRINT_DIGITS, canonical_value, cell_print, row_hash
from kpitool.master.layout import Formula, Link, Number, _display_width, row_height, written_value
from kpitool.master.tables import canonical_cell


def _json(data: object) -> bytes:
    """The digest's JSON as the standard library writes it (the definition)."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


AWKWARD_TEXT = ["", "総務部", '"quoted" \\ back', "改行\nタブ\t復帰\r", "\x00\x01\x1f\x7f", "\u2028\u2029",
                "😀𠮷", "\ufeff", "<U+202E>", "a" * 5000]
VALUES = [None, True, False, 0.0, -0.0, 0.1 + 0.2, 1e20, 1e-310, 1.7976931348623157e308, 123.0, *AWKWARD_TEXT]


@given(st.one_of(st.none(), st.booleans(), st.floats(allow_nan=False, allow_infinity=False), st.text()),
       st.sampled_from(["", "0.0", '#,##0;"△"#,##0']), st.sampled_from(["", "inbox/a.xlsx#'実績数値'!A7"]))
def test_a_cell_print_is_the_hash_of_the_json_of_its_value_format_and_link(value: object, fmt: str, link: str) -> None:
    digest._PRINTS.clear()  # the memo would answer from an earlier call
    data = _json([value, fmt if value is not None else "", link])
    assert cell_print(value, fmt, link) == hashlib.sha256(data).hexdigest()[:PRINT_DIGITS]


@pytest.mark.parametrize("value", VALUES)
def test_a_cell_print_of_awkward_values(value: object) -> None:
    digest._PRINTS.clear()
    data = _json([value, "" if value is None else "0.0", "a.xlsx#A1"])
    assert cell_print(value, "0.0", "a.xlsx#A1") == hashlib.sha256(data).hexdigest()[:PRINT_DIGITS]


def test_values_json_cannot_hold_are_refused_as_before() -> None:
    digest._PRINTS.clear()
    with pytest.raises(UnicodeEncodeError):  # a lone surrogate (clean_text removes them first)
        _json(["\ud800"])
    with pytest.raises(UnicodeEncodeError):
        cell_print("\ud800", "", "")
    with pytest.raises(ValueError, match="JSON"):
        cell_print(math.inf, "", "")
    with pytest.raises(ValueError, match="JSON"):
        row_hash([1.0, -math.inf])


def test_a_row_hash_is_the_hash_of_the_rows_json() -> None:
    row = list(VALUES)
    assert row_hash(row) == hashlib.sha256(_json(row)).hexdigest()[:16]
    assert row_hash(tuple(row)) == row_hash(row)


CELLS = [
    None, "総務部", "", "認知度\u202e%001", "a\ufffeb", "x" * 40_000, Number(498.0, "#,##0"), Number(1 / 3, "0.0"),
    Number(-0.0, ""), Formula("=ROUND(I7-H7,1)", 0.3, "0.0"), Formula("=IF(H7>0,\"高\",\"\")", "高"),
    Link("03_総務部.xlsx!実績数値!A7", "external:inbox/03_総務部.xlsx#'実績数値'!A7"), Link("a.xlsx", ""),
    dt.date(2024, 4, 1), dt.datetime(2024, 4, 1, 12, 30), 7, 2.5, True,
]


@pytest.mark.parametrize("cell", CELLS, ids=repr)
def test_a_cells_canonical_value_is_that_of_what_it_holds(cell: object) -> None:
    expected = canonical_value(written_value(cell))
    got = canonical_cell(cell)
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize("value", ["総務部", "", "a\u202eb", "x" * 40_000, " spaced "])
def test_a_strings_canonical_value_takes_the_short_way_to_the_same_end(value: str) -> None:
    cleaned = digest.clean_text(str(value)) or None
    assert canonical_value(value) == cleaned


@pytest.mark.parametrize("text", ["短い", "市民の健康づくりを推進するため、各種検診の受診率向上に取り組んだ。" * 3,
                                  "一行目\n二行目\n\n四行目", "ascii only text that wraps " * 4, "長" * 600])
@pytest.mark.parametrize("width", [4, 10, 30.5])
def test_row_heights_count_the_lines_of_each_text(text: str, width: float) -> None:
    usable = int(max(width - 1, 1))
    lines = sum(max(1, -(-_display_width(part) // usable)) for part in text.split("\n"))
    expected = None if lines == 1 else min(lines * layout.LINE_HEIGHT + 3, layout.MAX_ROW_HEIGHT)
    for _ in range(2):  # computed, then remembered
        assert row_height([text, "x" * 100], [width, 4], [True, False]) == expected


ROWS = [["総務部", "一行目\n二行目", Link("a.xlsx", ""), None, "長" * 40],
        [None, "短い", 3.0, "ascii only text that wraps " * 4, ""],
        ["x"], [], ["長" * 600, "a\n" * 30, Number(1.0, "0"), "b", "c" * 9]]


@pytest.mark.parametrize("row", ROWS)
def test_row_heights_of_a_layout_equal_row_height(row: list[object]) -> None:
    """The writer's per-layout shortcut (issue 17) gives what row_height gives."""
    widths, wraps = [9, 12, 10, 20, 6, 18], [True, True, True, False, True, False]
    assert layout.row_heights(widths, wraps)(row) == row_height(row, widths, wraps)
    assert layout.row_heights(widths, [False] * 6)(row) is None
