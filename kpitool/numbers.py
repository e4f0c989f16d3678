"""Numbers as municipal staff type them into Excel cells (dates: :mod:`kpitool.dates`).

Department workbooks hold 全角数字, thousands separators, units typed into the cell (515件,
1,167,400千円, 14.8%), negatives written △, 和暦 dates and the statistical markers of
Japanese tables. The reader passes every cell through this one normaliser so that the
validator, the 実績調査 arithmetic and the master agree on what a cell says.

It never guesses: whatever is not clearly one number (約60人, 集計中, 201件、2,459.3時間) is
returned as "invalid" with a short machine reason, so the validator can tell the department
exactly what to fix. Pure standard library, and fast, because it runs for every cell of
thousands of files.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Literal

from kpitool.lazy_re import lazy_pattern

__all__ = [
    "MARKER_MEANINGS",
    "PERCENT",
    "ParsedNumber",
    "format_number",
    "parse_number",
    "unit_key",
    "unit_scale",
]

# ---------------------------------------------------------------------------------------------
# Numbers


@dataclass(frozen=True, slots=True)
class ParsedNumber:
    """One cell read as a number, a statistical marker, nothing, or an invalid entry.

    ``text`` keeps the value as written so findings and provenance can quote it.
    """

    kind: Literal["number", "marker", "empty", "invalid"]
    value: float | None  # for "number"; 14.8 for "14.8%"
    unit: str | None  # the unit typed in the cell, via unit_key(); None if none typed
    marker: str | None  # "-" 該当なし, "…" 不詳, "x" 秘匿
    text: str  # the value as written; str(raw) for non-strings, "" for None
    reason: str | None  # for "invalid": approximate, pending, multiple_numbers, ...


# Canonical statistical marker -> its meaning in Japanese statistical tables.
MARKER_MEANINGS = {"-": "該当なし", "…": "不詳", "x": "秘匿"}
# The largest magnitude kpitool accepts: the range of the template's data validation. Beyond
# it a 増減 can overflow to infinity, which no spreadsheet can store (issue 7).
NUMBER_LIMIT = 1e15

# Marker spellings after NFKC (which turns … into ... and ･ into ・).
_MARKERS = {
    **dict.fromkeys(("...", "......", "・・・", "・・・・・・"), "…"),
    **dict.fromkeys(("x", "X", "×"), "x"),
}
# A dash, alone or doubled as in ――: every dash people use for 該当なし.
_DASH_RUN_RE = re.compile(r"[-—―‐–−ー─]{1,3}")

_PLAIN_RE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")  # the fast path for plain ASCII strings
_WS = r"\s\u200b\ufeff"
_WS_RE = re.compile(f"[{_WS}]+")
# Space inside a number ("1 234", "1, 234") is not a separator we accept.
_SPACED_RE = lazy_pattern(f"[0-9][{_WS}]+[0-9]|[,.][{_WS}]+[0-9]|[0-9][{_WS}]+[,.]")

_NUM = r"(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?|\.[0-9]+)"
_NUM_RE = lazy_pattern(_NUM)
# A unit: up to 8 characters, starting with a letter or %, with no digits except m2/m3/CO2.
_UNIT = r"(?:[^\W\d_]|[%°‰])(?:[^\W\d_]|[%°‰・/()\-]|(?<=m)[23]|(?<=CO)2){0,7}"
_NUMBER_RE = re.compile(
    r"(?P<prefix>[-+−△▲¥\\]{0,2})"
    r"(?:(?P<sci>[0-9]+(?:\.[0-9]+)?[eE][-+]?[0-9]+)"
    # 万/億/兆 groups; 千/百/十 multiply only after a 万/億/兆 group (1億2千万円), so that
    # 1,167,400千円 and 3,456百万円 keep their unit as the spec asks.
    rf"|(?P<big>{_NUM}[兆億万](?:{_NUM}[千百十]?[兆億万])*(?:{_NUM}[千百十]?)?)"
    rf"|(?P<num>{_NUM}))"
    rf"(?P<unit>{_UNIT})?"
)
_GROUP_RE = lazy_pattern(rf"({_NUM})([千百十]?)([兆億万]?)")
_SMALL = {"": 1, "十": 10, "百": 100, "千": 1000}
_LARGE = {"": 1, "万": 10**4, "億": 10**8, "兆": 10**12}
_NEGATIVE = frozenset("-−△▲")
_YEN = frozenset("¥\\")  # a half-width ¥ typed on a Japanese keyboard is a backslash

# The value is not available yet.
_PENDING_RE = re.compile(
    "集計中|作業中|調査中|未定|検討中|精査中|確認中|算定中|算出中|照会中|調整中|把握中"
    "|準備中|作成中|集計前|未集計|未確定|未公表|公表前|後日|判明次第|集計次第"
)
# The number is qualified: approximate, a bound, an estimate or provisional.
_APPROX_RE = re.compile(
    "約|程度|前後|以上|以下|以内|未満|おおむね|概ね|およそ|凡そ|ほぼ|大体|だいたい"
    "|くらい|ぐらい|ほど|余|超|強|弱|見込|見通し|概算|推計|推定|暫定|速報|予定|[?~〜]"
)
_RANGE_RE = lazy_pattern(r"[0-9][^0-9]{0,6}(?:[-−–—ー]|から)[^0-9]{0,6}[0-9]")
_DATE_LIKE_RE = lazy_pattern(
    r"(?:(?:令和|平成|昭和|[RHSrhs令平昭])(?:元|[0-9]{1,2})|[0-9]{4})"
    r"(?:[./\-][0-9]{1,2}[./\-][0-9]{1,2}|年[0-9]{1,2}月[0-9]{1,2}日?)"
)
# What a formula shows when it fails; a reader that returns error values as text gives these.
_EXCEL_ERRORS = frozenset(
    ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!", "#CALC!")
)
_TOKEN_RE = re.compile(r"[0-9.,]+")  # runs without a digit are dropped after matching

_EMPTY_NUMBER = ParsedNumber("empty", None, None, None, "", None)


def parse_number(raw: object, *, percent_format: bool = False) -> ParsedNumber:
    """Read one cell as a number, a statistical marker, nothing, or an invalid entry.

    ``percent_format`` says the cell had a percent number format, so Excel stored 0.148 for
    what the user typed and sees as 14.8%; the value is then 14.8 in unit "%", like a cell
    typed as the text "14.8%".

    Reasons for "invalid", for the validator to turn into findings: ``approximate`` (約60人,
    60人以上, 60～70人, 5件(見込み)), ``pending`` (集計中, 確認作業中), ``multiple_numbers``
    (201件、2,459.3時間), ``bad_separator`` (1,23, 1 234), ``date`` (a date in a number
    column), ``excel_error`` (#DIV/0!) and ``not_a_number`` for everything else.
    """
    if isinstance(raw, str):
        if raw.isascii() and _PLAIN_RE.fullmatch(raw):
            return ParsedNumber("number", float(raw) + 0.0, None, None, raw, None)
        return _parse_text(raw)
    tp = type(raw)
    if tp is int or tp is float:  # not bool, whose type is bool
        return _from_real(raw, percent_format)
    if raw is None:
        return _EMPTY_NUMBER
    if isinstance(raw, bool | date):  # True is an int and a datetime is a date, but neither counts
        return _invalid(str(raw), "not_a_number")
    if hasattr(raw, "__index__") or hasattr(raw, "__float__"):  # numpy scalars, Decimal
        return _from_real(raw, percent_format)
    return _invalid(str(raw), "not_a_number")


def _from_real(raw: object, percent_format: bool) -> ParsedNumber:
    text = str(raw)
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (OverflowError, TypeError, ValueError):
        return _invalid(text, "not_a_number")
    if not math.isfinite(value):
        return _invalid(text, "not_a_number")
    if percent_format:
        # 0.148 * 100 is 14.799999999999999; 10 significant digits drop the float noise.
        return ParsedNumber("number", float(f"{value * 100:.10g}") + 0.0, "%", None, text, None)
    return ParsedNumber("number", value + 0.0, None, None, text, None)


def _invalid(text: str, reason: str) -> ParsedNumber:
    return ParsedNumber("invalid", None, None, None, text, reason)


def _parse_text(raw: str) -> ParsedNumber:
    s = (raw if raw.isascii() else unicodedata.normalize("NFKC", raw)).strip()
    if not s:
        return ParsedNumber("empty", None, None, None, raw, None)
    compact = _WS_RE.sub("", s)
    marker = _MARKERS.get(compact) or ("-" if _DASH_RUN_RE.fullmatch(compact) else None)
    if marker:
        return ParsedNumber("marker", None, None, marker, raw, None)
    spaced = compact != s and _SPACED_RE.search(s) is not None
    match = None if spaced else _NUMBER_RE.fullmatch(compact)
    if match:
        result = _from_match(match, raw)
        if result is not None:
            return result
    return _invalid(raw, _reason(compact, spaced))


def _from_match(m: re.Match[str], raw: str) -> ParsedNumber | None:
    """Build the number from a match, or None when it is not one after all."""
    prefix, unit = m["prefix"], m["unit"]
    signs = [ch for ch in prefix if ch not in _YEN]
    if len(signs) > 1 or len(prefix) - len(signs) > 1:
        return None  # +-5, ¥¥5
    negative = bool(signs) and signs[0] in _NEGATIVE
    yen = len(signs) < len(prefix)
    if unit and (_APPROX_RE.search(unit) or _PENDING_RE.search(unit)):
        return None  # 60人程度, 5件集計中: _reason() says which
    if m["big"]:
        if unit and unit[0] in "千百十万億兆":
            return None
        value = _big_value(m["big"])
        if value is None:
            return None
    else:
        value = float((m["num"] or m["sci"]).replace(",", ""))
    if not math.isfinite(value):
        return None
    if yen:
        if unit not in (None, "円"):
            return None
        unit = "円"
    return ParsedNumber(
        "number", (-value if negative else value) + 0.0, unit_key(unit), None, raw, None
    )


def _big_value(body: str) -> float | None:
    """Value of 450万, 1.2万, 1億2,345万6,789 or 1億2千万; None when malformed (1億20000万).

    Decimal keeps the multiplication exact: 0.07万 is 700, not 700.0000000000001.
    """
    total = Decimal(0)
    last = 10**16  # larger than any multiplier
    first = True
    for num, small, large in _GROUP_RE.findall(body):
        scale = _LARGE[large]
        part = Decimal(num.replace(",", "")) * _SMALL[small]
        if scale >= last or (not first and part >= 10**4):
            return None  # out of order (1万2億) or overflowing its group (1億20000万)
        total += part * scale
        last, first = scale, False
    return float(total)


def _reason(s: str, spaced: bool) -> str:
    """Why a cell that did not parse is not a number, most specific reason first."""
    if s in _EXCEL_ERRORS:
        return "excel_error"
    if _PENDING_RE.search(s):
        return "pending"
    tokens = [t for t in _TOKEN_RE.findall(s) if t.strip(".,")]
    if not tokens:
        return "not_a_number"
    if _APPROX_RE.search(s):
        return "approximate"
    if _DATE_LIKE_RE.fullmatch(s):
        return "date"
    if _RANGE_RE.search(s):
        return "approximate"  # 60-70人, 60人から70人
    if not spaced and _NUMBER_RE.fullmatch(s):
        return "not_a_number"  # shaped like a number but is not one: 1億20000万, 1e400
    if len(tokens) > 1:
        return "multiple_numbers"
    if spaced or not _NUM_RE.fullmatch(tokens[0]):
        return "bad_separator"
    return "not_a_number"  # 年間515件


PERCENT = "%"  # the canonical spelling of %, ％ and パーセント

# Spellings of one unit that a 単位 column and a typed cell may differ by (after NFKC).
_UNIT_SYNONYMS = {
    **dict.fromkeys(("か所", "カ所", "ヶ所", "ヵ所", "ケ所", "个所"), "箇所"),
    **dict.fromkeys(("か月", "カ月", "ヶ月", "ヵ月", "ケ月"), "箇月"),
    **dict.fromkeys(("パーセント", "％"), PERCENT),
    "平米": "m2",
}
_BRACKETS = {"(": ")", "[": "]", "【": "】", "「": "」", "〔": "〕", "<": ">", "〈": "〉"}


@lru_cache(maxsize=4096)
def unit_key(unit: str | None) -> str | None:
    """The unit in one canonical spelling, so a typed unit compares with the 単位 column.

    NFKC (％ -> %, ㎡ -> m2), no spaces, no enclosing brackets ((件) -> 件), and one spelling
    for か所/箇所/ヶ所 and か月/箇月. Multipliers stay: 千円 is not 円 (see unit_scale).
    """
    if unit is None:
        return None
    key = _WS_RE.sub("", unicodedata.normalize("NFKC", unit))
    while len(key) >= 2 and _BRACKETS.get(key[0]) == key[-1]:
        key = key[1:-1]
    return _UNIT_SYNONYMS.get(key, key) or None


_SCALE_PREFIXES = (
    ("千万", 10**7),
    ("百万", 10**6),
    ("十万", 10**5),
    ("兆", 10**12),
    ("億", 10**8),
    ("万", 10**4),
    ("千", 10**3),
    ("百", 10**2),
)


def unit_scale(unit: str | None) -> tuple[str | None, int]:
    """Split a unit into its base unit and multiplier: 千円 -> ("円", 1000).

    parse_number() multiplies out 万/億 (450万円 is 4,500,000 in 円) but keeps 千円 and
    百万円, and a 単位 column may say 万円; this lets a caller compare such values.
    """
    key = unit_key(unit)
    if key is None:
        return None, 1
    for prefix, factor in _SCALE_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            return key[len(prefix) :], factor
    return key, 1


def format_number(value: float) -> str:
    """A number for messages, exact and without float noise: 2,459.3, -1,972, 0.0001."""
    if not math.isfinite(value):
        return str(value)
    if value == int(value) and abs(value) < 2**63:
        return f"{int(value):,}"
    # repr() is the shortest text that reads back as the same float.
    return f"{Decimal(repr(float(value))):,f}"
