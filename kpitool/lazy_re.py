"""Regular expressions compiled on first use, not at import (issue 17).

Every ``kpitool`` run starts a fresh Python (a click in Excel, ``kpitool consolidate``), and a
module-level ``re.compile`` costs its compile time on every start, whether or not the run ever
meets that kind of text: the date-like and spaced-number checks, HTML in a narrative, inline
strings in sheet XML are rare. :func:`lazy_pattern` stands in for ``re.compile`` for such
patterns: the pattern is compiled the first time any attribute (``search``, ``sub``,
``pattern`` …) is used, and that attribute is then stored on the object, so later calls cost a
plain attribute lookup (the bound method of the compiled pattern), not a proxy call.

Patterns used by nearly every run (the plain-number fast path, the cell regex of the sheet
reader) stay compiled at import: with worker processes forked from the main one, compiling
them once before the fork is cheaper than once in each worker.
"""

from __future__ import annotations

import re
from typing import Any


class LazyPattern:
    """A ``re.Pattern`` compiled on first use; attributes of the compiled pattern once used."""

    def __init__(self, pattern: str | bytes, flags: int = 0) -> None:
        self._source = (pattern, flags)

    def compiled(self) -> re.Pattern[Any]:
        """The compiled pattern (compiled now if it was not yet)."""
        found = self.__dict__.get("_compiled")
        if found is None:
            found = self.__dict__["_compiled"] = re.compile(*self._source)
        return found

    def __getattr__(self, name: str) -> Any:  # only for attributes not yet stored
        if name.startswith("__"):
            raise AttributeError(name)
        value = getattr(self.compiled(), name)
        self.__dict__[name] = value  # next time found directly, without __getattr__
        return value

    def __repr__(self) -> str:
        return f"lazy_pattern({self._source[0]!r})"


def lazy_pattern(pattern: str | bytes, flags: int = 0) -> Any:
    """A pattern like ``re.compile(pattern, flags)`` that compiles on first use.

    Typed ``Any`` so callers keep using it as a ``re.Pattern`` (``.search``, ``.sub`` …).
    """
    return LazyPattern(pattern, flags)
