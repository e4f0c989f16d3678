"""Targets as cities write them: 基準値 / 基準年度 / 目標年度, and targets that are not numbers.

総合計画 KPIs run from a 基準値 of one year to a 目標値 of another (小美玉市: 実績値 2016 →
将来値 2022), so the years are any fiscal year, 平成 included, not only the two survey years.
Some targets are not numbers at all (真庭市: 目標値「すべての項目」, a plan 「策定」): such a
定性 target is accepted as text — it gets no 達成率 and its grade is the department's judgement.
A text that looks like an approximate or pending number (約60人, 集計中) is still refused by
the validator: it is a number written wrongly, not a different kind of target.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Protocol

from kpitool.dates import western_year

FIRST_YEAR, LAST_YEAR = 1900, 2100
_WESTERN_RE = re.compile(r"(?P<y>[0-9]{4})(?:年度?)?")
_ERA_RE = re.compile(r"(?P<era>令和|平成|昭和|[RHS])\.?(?P<y>元|[0-9]{1,2})(?:年度?)?")
_DIGIT_RE = re.compile(r"[0-9]")

# 目標の種類 (the master's column): a number, a 定性 description, or none.
NUMERIC, QUALITATIVE, NO_TARGET = "数値", "定性", "なし"


@dataclass(frozen=True, slots=True)
class ParsedYear:
    """A fiscal-year cell: ``year`` when read, ``ok`` False when it is not a year."""

    year: int | None
    ok: bool


def parse_year(raw: object) -> ParsedYear:
    """2016, 2016.0, "2016年度", "平成28年度", "H28", "R4", "令和元年" -> the Western fiscal year.

    Blank is ``ParsedYear(None, True)``; anything else that is not a year in 1900–2100 is
    ``ParsedYear(None, False)``. A date cell reads as its year (users pick 2016/4/1 for 2016).
    """
    if raw is None:
        return ParsedYear(None, True)
    if isinstance(raw, bool):
        return ParsedYear(None, False)
    if isinstance(raw, dt.date):
        return _checked(raw.year)
    if isinstance(raw, int | float):
        if not math.isfinite(raw) or not float(raw).is_integer():
            return ParsedYear(None, False)
        return _checked(int(raw))
    text = "".join(unicodedata.normalize("NFKC", str(raw)).split()).upper()
    if not text:
        return ParsedYear(None, True)
    m = _WESTERN_RE.fullmatch(text)
    if m:
        return _checked(int(m["y"]))
    m = _ERA_RE.fullmatch(text)
    if m:
        era = m["era"]
        number = 1 if m["y"] == "元" else int(m["y"])
        if number < 1:
            return ParsedYear(None, False)
        return _checked(western_year(era, number))
    return ParsedYear(None, False)


def _checked(year: int) -> ParsedYear:
    return ParsedYear(year, True) if FIRST_YEAR <= year <= LAST_YEAR else ParsedYear(None, False)


class _Read(Protocol):
    """A cell as read for numbers: :class:`~kpitool.validation.values.Quantity` (or ParsedNumber)."""

    @property
    def kind(self) -> str: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def text(self) -> str: ...


def is_description(parsed: _Read) -> bool:
    """A text without any digit that is not a number (「すべての項目」「新規」「策定」).

    Such text in 目標値 is a 定性 target and in 基準値 says there was no base figure; text
    with digits (約60人, 60人以上, 年間515件) or a pending note (集計中) is a number written
    wrongly and stays an error.
    """
    if parsed.kind != "invalid" or parsed.reason != "not_a_number":
        return False
    return not _DIGIT_RE.search(unicodedata.normalize("NFKC", parsed.text))


def target_kind(number: float | None, marker: str | None, text: str, note: str) -> str:
    """数値 for a numeric target; 定性 for a described one (text, or blank with a 備考); else なし.

    A marker (- 該当なし) says there is no target, whatever the 備考 says.
    """
    if number is not None:
        return NUMERIC
    if marker:
        return NO_TARGET
    if text.strip() or note.strip():
        return QUALITATIVE
    return NO_TARGET
