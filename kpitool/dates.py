"""Dates as municipal staff type them into Excel cells, and the 和暦 of dates and fiscal years.

和暦 and 西暦 text (令和6年4月1日, R6.4.1, 2024/4/1), date cells and Excel serials (1900 and
1904 systems) are read into dates, and whatever is ambiguous or impossible is refused with a
reason for the validator. The one table of eras (:data:`_ERAS`) also gives the 和暦 the master
writes (:func:`wareki`) and the names of fiscal years (:func:`fiscal_year_era`).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from kpitool.lazy_re import lazy_pattern

__all__ = [
    "ParsedDate",
    "date_to_serial",
    "fiscal_year_era",
    "parse_date",
    "serial_to_date",
    "wareki",
    "western_year",
]

@dataclass(frozen=True, slots=True)
class ParsedDate:
    """One cell read as a date, nothing, or an invalid entry, with the text as written."""

    kind: Literal["date", "empty", "invalid"]
    value: date | None
    text: str
    reason: str | None  # not_a_date, impossible_date, ambiguous, out_of_range, weekday_mismatch


@dataclass(frozen=True, slots=True)
class _Era:
    name: str
    first_year: int  # the 西暦 year of 元年
    start: date
    end: date | None


# Newest first. 明治 starts at 明治6年1月1日, when Japan adopted the Gregorian calendar.
_ERAS = (
    _Era("令和", 2019, date(2019, 5, 1), None),
    _Era("平成", 1989, date(1989, 1, 8), date(2019, 4, 30)),
    _Era("昭和", 1926, date(1926, 12, 25), date(1989, 1, 7)),
    _Era("大正", 1912, date(1912, 7, 30), date(1926, 12, 25)),
    _Era("明治", 1868, date(1873, 1, 1), date(1912, 7, 30)),
)
_ERA_BY_NAME = {
    **{e.name: e for e in _ERAS},
    **{e.name[0]: e for e in _ERAS[:3]},  # 令6.4.1
    **{letter: e for e, letter in zip(_ERAS, "RHSTM", strict=True)},
}
_ERA = r"令和|平成|昭和|大正|明治|[RHSTMrhstm令平昭]"
_TAIL = (
    r"(?:\s*\((?P<wd>[月火水木金土日])(?:曜日?)?\))?"  # (月) and ㈪ after NFKC
    r"(?:(?:\s+|T)[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"  # a time, as text exports have
)
_YMD = (
    r"(?:\s*年\s*(?P<m>[0-9]{1,2})\s*月\s*(?P<d>[0-9]{1,2})\s*日?"
    r"|\s*(?P<sep>[./\-])\s*(?P<m2>[0-9]{1,2})\s*(?P=sep)\s*(?P<d2>[0-9]{1,2}))"
)
_ERA_DATE_RE = re.compile(rf"(?P<era>{_ERA})\s*(?P<y>元|[0-9]{{1,2}}){_YMD}{_TAIL}")
_WESTERN_DATE_RE = lazy_pattern(rf"(?P<y>[0-9]{{4}}){_YMD}{_TAIL}")
_COMPACT_DATE_RE = lazy_pattern(r"([0-9]{4})([0-9]{2})([0-9]{2})")  # 20240401
_SEP = r"\s*[./\-]\s*"
_AMBIGUOUS_DATE_RE = lazy_pattern(  # no era or year, a two-digit year, or no day
    rf"(?:(?:{_ERA})\s*)?(?:元|[0-9]{{1,4}}){_SEP}[0-9]{{1,2}}"
    rf"|[0-9]{{1,2}}{_SEP}[0-9]{{1,2}}{_SEP}[0-9]{{1,2}}"
    rf"|(?:(?:{_ERA})\s*)?(?:元|[0-9]{{1,4}})\s*年\s*[0-9]{{1,2}}\s*月"
    r"|[0-9]{1,2}\s*月\s*[0-9]{1,2}\s*日?"
)
_WEEKDAYS = "月火水木金土日"

# Serials outside these years are far more likely a count typed into a date cell.
_SERIAL_MIN = date(1990, 1, 1)
_SERIAL_MAX = date(2100, 12, 31)
_EPOCH_1900 = date(1899, 12, 30)  # serial 61 -> 1900-03-01, past Lotus' phantom 1900-02-29
_EPOCH_1904 = date(1904, 1, 1)
_EMPTY_DATE = ParsedDate("empty", None, "", None)


def parse_date(raw: object, *, date1904: bool = False) -> ParsedDate:
    """Read one cell as a date: a date value, an Excel serial, or 和暦/西暦 text.

    ``date1904`` is the workbook's date system (Mac Excel files may use the 1904 system).
    """
    if raw is None:
        return _EMPTY_DATE
    if isinstance(raw, datetime):
        return ParsedDate("date", raw.date(), str(raw), None)
    if isinstance(raw, date):
        return ParsedDate("date", raw, str(raw), None)
    if isinstance(raw, str):
        return _parse_date_text(raw)
    if isinstance(raw, bool) or not (hasattr(raw, "__index__") or hasattr(raw, "__float__")):
        return ParsedDate("invalid", None, str(raw), "not_a_date")
    try:
        value = serial_to_date(raw, date1904=date1904)  # type: ignore[arg-type]
    except ValueError as e:
        return ParsedDate("invalid", None, str(raw), str(e))
    if not _SERIAL_MIN <= value <= _SERIAL_MAX:
        return ParsedDate("invalid", None, str(raw), "out_of_range")
    return ParsedDate("date", value, str(raw), None)


def serial_to_date(serial: float, *, date1904: bool = False) -> date:
    """The date of an Excel serial number; a time of day (the fraction) is dropped.

    Raises ValueError("impossible_date") for serial 60, the 1900-02-29 that Excel keeps for
    Lotus 1-2-3 compatibility, and for serials before day 1.
    """
    try:
        day = math.floor(float(serial))
    except (OverflowError, TypeError, ValueError):
        raise ValueError("not_a_date") from None
    if date1904:
        if day < 0:
            raise ValueError("impossible_date")
        epoch = _EPOCH_1904
    elif day < 1 or day == 60:
        raise ValueError("impossible_date")
    else:
        epoch = _EPOCH_1900 if day > 60 else _EPOCH_1900 + timedelta(days=1)
    try:
        return epoch + timedelta(days=day)
    except OverflowError:
        raise ValueError("out_of_range") from None


def date_to_serial(d: date, *, date1904: bool = False) -> int:
    """The Excel serial number of a date, in the 1900 or the 1904 date system."""
    if isinstance(d, datetime):
        d = d.date()
    if date1904:
        return (d - _EPOCH_1904).days
    if d < date(1900, 3, 1):
        return (d - _EPOCH_1900).days - 1
    return (d - _EPOCH_1900).days


def wareki(d: date) -> str:
    """The 和暦 spelling of a date, 令和6年4月1日 or 令和元年5月1日, for the master and messages."""
    if isinstance(d, datetime):
        d = d.date()
    for era in _ERAS:
        if d >= era.start:
            year = d.year - era.first_year + 1
            return f"{era.name}{'元' if year == 1 else year}年{d.month}月{d.day}日"
    raise ValueError(f"no 和暦 before 明治6年 (1873): {d}")


def fiscal_year_era(year: int) -> tuple[str, int]:
    """(era, year of the era) that names a fiscal year: 2022 -> ("令和", 4), 2019 -> ("令和", 1).

    A fiscal year (April to March) takes the era in force after its first month, as the
    government names them: FY2019 is 令和元年度 although April 2019 was still 平成31年.
    """
    start = date(year, 5, 1)
    for era in _ERAS:
        if start >= era.start:
            return era.name, year - era.first_year + 1
    raise ValueError(f"no 和暦 before 明治6年 (1873): {year}")


def western_year(era: str, year: int) -> int:
    """The 西暦 year of an era year: ("令和", 5) and ("R", 5) -> 2023."""
    return _ERA_BY_NAME[era.upper()].first_year + year - 1


def _parse_date_text(raw: str) -> ParsedDate:
    s = unicodedata.normalize("NFKC", raw).strip()
    if not s:
        return ParsedDate("empty", None, raw, None)
    m = _ERA_DATE_RE.fullmatch(s)
    if m:
        era = _ERA_BY_NAME[m["era"].upper()]
        year = 1 if m["y"] == "元" else int(m["y"])
        result = _make_date(era.first_year + year - 1, m, raw)
        if result.value and (
            year < 1 or result.value < era.start or (era.end and result.value > era.end)
        ):
            return ParsedDate("invalid", None, raw, "impossible_date")  # 平成31年5月1日
        return result
    m = _WESTERN_DATE_RE.fullmatch(s)
    if m:
        return _make_date(int(m["y"]), m, raw)
    m = _COMPACT_DATE_RE.fullmatch(s)
    if m:
        return _checked_date(int(m[1]), int(m[2]), int(m[3]), None, raw)
    if _AMBIGUOUS_DATE_RE.fullmatch(s):
        return ParsedDate("invalid", None, raw, "ambiguous")
    return ParsedDate("invalid", None, raw, "not_a_date")


def _make_date(year: int, m: re.Match[str], raw: str) -> ParsedDate:
    month, day = (m["m"], m["d"]) if m["m"] else (m["m2"], m["d2"])
    return _checked_date(year, int(month), int(day), m["wd"], raw)


def _checked_date(year: int, month: int, day: int, weekday: str | None, raw: str) -> ParsedDate:
    try:
        value = date(year, month, day)
    except ValueError:
        return ParsedDate("invalid", None, raw, "impossible_date")  # 令和6年2月30日
    if weekday and _WEEKDAYS[value.weekday()] != weekday:
        return ParsedDate("invalid", None, raw, "weekday_mismatch")  # 令和6年4月1日(火)
    return ParsedDate("date", value, raw, None)
