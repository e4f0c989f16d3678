"""Text that XlsxWriter would take for rich-text XML is written as text.

XlsxWriter writes a string that starts with ``<r>`` and ends with ``</r>`` unescaped, as
pre-rendered rich-text XML (that is how its own rich strings travel). A department may type
such a text (pasted markup, a test of the form): ``<r>a & b</r>`` made the master, the
検証結果 report or a prefilled template corrupt (nothing could open it). Every worksheet kpitool
writes user text into is a :func:`safe_text_worksheet`: such a text goes out as a rich string of
runs in the cell's own format, the same characters, escaped, looking the same.

:func:`text_workbook` is the one way kpitool opens an XlsxWriter workbook that carries user
text: those worksheets, and no conversion of typed text (a ``=`` is not a formula, a URL not a
link, ``0123`` not a number).
"""

from __future__ import annotations

import functools
from typing import Any


def looks_rich(text: str) -> bool:
    """Whether XlsxWriter would write ``text`` unescaped, as rich-text XML."""
    return text.startswith("<r>") and text.endswith("</r>")


def rich_runs(text: str, cell_format: Any = None) -> list[Any]:
    """``write_rich_string`` arguments that spell ``text``: runs in ``cell_format``, then it."""
    if cell_format is None:  # the first run needs no format; the others get XlsxWriter's default
        return [text[:1], text[1:2], text[2:]]
    return [cell_format, text[:2], cell_format, text[2:], cell_format]


def text_workbook(target: Any, font: str, font_size: float, **options: Any) -> Any:
    """An XlsxWriter Workbook for user text: typed text kept as typed, in ``font``.

    ``target`` is a path or a file object; ``options`` are further XlsxWriter options
    (``constant_memory``, ``in_memory``).
    """
    import xlsxwriter

    workbook = xlsxwriter.Workbook(target, {
        **options,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        "default_format_properties": {"font_name": font, "font_size": font_size},
    })
    workbook.worksheet_class = safe_text_worksheet()
    return workbook


@functools.cache
def safe_text_worksheet(base: type | None = None) -> type:
    """``base`` (XlsxWriter's Worksheet by default) whose text cells are never taken for XML."""
    if base is None:
        from xlsxwriter.worksheet import Worksheet as base

    class SafeTextWorksheet(base):  # type: ignore[misc,valid-type]
        def _write_string(self, row: int, col: int, string: str, cell_format: Any = None) -> int:
            if isinstance(string, str) and looks_rich(string):
                return self._write_rich_string(row, col, *rich_runs(string, cell_format))
            return super()._write_string(row, col, string, cell_format)

    SafeTextWorksheet.__name__ = SafeTextWorksheet.__qualname__ = f"SafeText{base.__name__}"
    return SafeTextWorksheet
