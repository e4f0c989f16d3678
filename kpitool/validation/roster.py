"""Which roster department a file speaks for: decided once, here, for 検証 and 集約 alike.

The 部局名 typed in 基本情報 matches a roster name when the two are equal after NFKC
(全角 -> 半角) and without surrounding spaces. Nothing looser: 「総務 部」 (an inner space) or
「こども福祉課」 for 子ども福祉課 is not on the roster. Such a file gets an エラー with the closest
roster name as a suggestion (E-BASIC-002) in both commands; it is never silently mapped to
that name, and never consolidated as a department of its own while the real one shows 未提出.

Only when the 部局名 is blank or the file cannot be read is the department guessed from the
file name (a roster name that appears in it), so that such a file is listed with its department
instead of as an unknown one; a guess never makes a file count as submitted.
"""

from __future__ import annotations

import difflib
import functools
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

SUGGESTION_CUTOFF = 0.6  # difflib ratio: 「こども福祉課」~「子ども福祉課」 0.83, 「総務課」~「総務部」 0.67


def roster_key(name: str) -> str:
    """How a typed 部局名 is compared with the roster: NFKC, no surrounding spaces."""
    return unicodedata.normalize("NFKC", name).strip()


@functools.lru_cache(maxsize=8)
def _by_key(roster: tuple[str, ...]) -> dict[str, str]:
    """Roster names by their comparison key, built once per roster (not once per file)."""
    return {roster_key(name): name for name in roster}


@dataclass(frozen=True, slots=True)
class DepartmentMatch:
    """The department of one file as validation decided it.

    ``department`` is the roster name when ``on_roster``; otherwise the name the file is listed
    under: the suggested roster name when there is one, else the name as written, else a name
    guessed from the file name, else "" (unknown).
    """

    written: str  # 部局名 as typed ("" when blank or unreadable)
    department: str
    on_roster: bool  # written is a roster name (after NFKC and trimming)
    suggestion: str = ""  # the closest roster name when written is not on the roster
    guessed: bool = False  # department taken from the file name

    @property
    def speaks_for(self) -> str:
        """The roster department this file may stand for in a choice between files ("" none)."""
        return self.department if self.on_roster or self.guessed else ""


def suggest(written: str, roster: Sequence[str]) -> str:
    """The roster name closest to ``written`` (spaces ignored), or "" when none is close."""
    keys = _by_key(tuple(roster))
    squeezed = {"".join(key.split()): name for key, name in keys.items()}
    typed = "".join(roster_key(written).split())
    if typed in squeezed:
        return squeezed[typed]
    close = difflib.get_close_matches(typed, list(squeezed), n=1, cutoff=SUGGESTION_CUTOFF)
    return squeezed[close[0]] if close else ""


def department_from_filename(name: str, roster: Sequence[str]) -> str:
    """The roster name that appears in a file name (the longest, if unambiguous), else ""."""
    stem = "".join(roster_key(Path(name).stem).split())
    keys = [("".join(roster_key(d).split()), d) for d in roster]
    hits = [(k, d) for k, d in keys if k and k in stem]
    if not hits:
        return ""
    longest = max(len(k) for k, _d in hits)
    best = [d for k, d in hits if len(k) == longest]
    return best[0] if len(best) == 1 else ""


def match_department(written: str | None, roster: Sequence[str], file_name: str = "") -> DepartmentMatch:
    """Match a typed 部局名 (None: the file could not be read) against the roster."""
    text = (written or "").strip()
    if text:
        exact = _by_key(tuple(roster)).get(roster_key(text))
        if exact is not None:
            return DepartmentMatch(text, exact, True)
        suggestion = suggest(text, roster)
        return DepartmentMatch(text, suggestion or roster_key(text), False, suggestion)
    guess = department_from_filename(file_name, roster) if file_name else ""
    return DepartmentMatch("", guess, False, guessed=bool(guess))
