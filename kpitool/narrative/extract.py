"""Figures in Japanese administrative prose: (label, value, unit, position), never guessed.

A 実績 text such as 「1.業務改善 ①提出件数：498件 … ・経費削減：86件、8,782,546円」 holds the same
figures a department types again in 実績数値. :func:`extract` finds them with a small grammar,
pure functions and no model, and it prefers missing a figure to inventing one: a number is
reported only when a known unit follows it.

Grammar. The text is first folded one character for one (全角 ASCII -> 半角, so positions hold;
circled ①…⑳ are *not* folded to digits)::

    figure     := approx? sign? number multiplier? space? unit range? bound?
    number     := d{1,3}(,ddd)+(.d+)? | d+(.d+)?
    sign       := △ | ▲ | − | -            (negative; 「-」 only after a space or a bracket)
    multiplier := 万 | 億 | 千 | 億 number 万   (1.2万人 = 12,000 人; money keeps its scaled unit:
                                               1,167,400千円 is 1,167,400 in 千円, 約699万円 699 in 万円)
    unit       := one of UNITS, longest first (件 人 人・社 円 千円 % ポイント 講座 団体 時間 …)
    range      := (～|〜|~|から) number unit?   -> value is the low end, ``high`` the high end
    approx     := 約 | 概ね | おおむね | およそ | 最大 | 最小            -> approximate
    bound      := 以上 | 以下 | 未満 | 以内 | 程度 | 前後 | 余り | 超 -> approximate, ``qualifier``
                  (a following （…概算…）/（…見込…） note also makes it approximate)

A number is *not* a figure when
    - no unit of UNITS follows it: 4つの方向性, 5か年計画, 17の取組項目, 3市, 2次元コード, 18節;
    - it is a date or a year: 令和3年度, 4月1日, 平成 28 年 (年/月/日 are not units; a number after
      an era name or joined to digits by - / : is skipped: 2024/4/1, 0537-35-0923, 10:30);
    - it is an ordinal, an article or a list number: 第1回, 第3条, 第2期, ①, (1), 1., 3回目;
    - it follows a Latin letter or No.: R4, H30, No.17;
    - it sits in 「」『』 (up to 40 characters: a name, 「静岡県公募公債10年」) or in a （※…） note;
    - it is a percentage glued to a noun (1%地域づくり活動交付金: a name);
    - it is a frequency: 週1回, 毎月2回, 月1回.

Label (what the figure counts), first rule that applies:
    L1 head   text from the clause start to the figure: 「差押件数 235件」, 「交付確定額は12,402,000円」,
              「R4決算額 1,167,400千円」; trailing particles and prefixes (約 延べ 全 各 …) are stripped,
              and a head with a topic particle keeps what follows it (令和4年度は市内全11地区 -> 市内).
    L2 colon  a figure right after 「LABEL：」: 「①提出件数：498件」, 「改善（かえる）：434件」.
    L3 run    figures separated only by spaces, 、 or list markers share the first one's label
              (「経費削減：86件、8,782,546円」); k figures under a head of k parts joined by ・ take one
              part each, a bare measure word taking the stem of the first (「換価件数・金額 463件
              21,925,394円」 -> 換価件数, 換価金額).
    L4 after  「N単位の NOUN」 (349,000円の寄附 -> 寄附), 「N単位が NOUN する」 (630人が受講した -> 受講者数,
              40団体…が活動され -> 活動団体数); a run before it shares the noun.
    L5 clause the end of the clause before (rule "clause"), so that every figure has a label.

Clause boundaries are 。！？, line breaks, tabs, list markers (①…⑳ ●■◆○※, a bullet ・ after a space,
(1), 1.), and 、 , ： （ 「 【; looking back, a （…） group is skipped whole, so 「A（目標どおり達成した）
49件」 is labelled A（目標どおり達成した）.

Section: the heading a figure is under — 「1.業務改善」, a circled item without a figure (「②広告事業」), a
paragraph that is only 「…」 or <…> — so that two 提出件数 (業務改善, 職員提案) stay apart.
"""

from __future__ import annotations

import bisect
import html
import re
from dataclasses import dataclass, replace
from functools import lru_cache

from kpitool.dates import western_year
from kpitool.lazy_re import lazy_pattern

__all__ = ["UNITS", "Mention", "extract", "fold", "plain_text", "relative_years"]

UNITS: tuple[str, ...] = tuple(sorted({
    "件", "人", "名", "人・社", "社・団体", "社", "団体", "法人", "者", "世帯", "戸", "人日", "人泊", "泊",
    "円", "千円", "万円", "億円", "百万円", "千万円", "兆円",
    "時間", "日間", "週間", "講座", "回", "業務", "手続", "手続き", "債権",
    "箇所", "か所", "カ所", "ヶ所", "ヵ所", "地区", "校", "園", "施設", "台", "本", "冊", "組", "枚", "通",
    "個", "品", "点", "棟", "室", "区画", "路線", "便", "店舗", "事業所", "事業", "種類", "項目", "コース",
    "教室", "食", "頭", "匹", "部", "票", "割", "倍", "位", "%", "パーセント", "ポイント",
    "km", "m", "m2", "㎡", "ha", "t", "トン", "kg", "kWh", "kW", "L", "か国", "ヶ国", "カ国", "市町",
    "市町村", "自治体", "グループ", "チーム", "ページ", "サイト", "アカウント",
}, key=lambda u: (-len(u), u)))
MONEY_SCALES = {"円": 1, "千円": 10**3, "万円": 10**4, "百万円": 10**6, "千万円": 10**7, "億円": 10**8,
                "兆円": 10**12}
_COUNT_MULTIPLIERS = {"万": 10**4, "億": 10**8, "千": 10**3}

MAX_CLAUSE = 160
_NUM_RE = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_CIRCLED = "".join(chr(c) for c in range(0x2460, 0x2474)) + "".join(chr(c) for c in range(0x3251, 0x325F))
_STRONG = set("。!?\n\t●■◆◇○□★☆※【】<>") | set(_CIRCLED)
_WEAK = set("、,:;「『」』") | {"("}
_PARTICLES = "はがをにでもへと"
_PREFIXES = ("合計", "延べ", "累計", "最大", "最小", "およそ", "おおむね", "概ね", "約", "全", "各", "計", "年", "計画")
_APPROX_PREFIXES = ("約", "概ね", "おおむね", "およそ", "最大", "最小")
_BOUNDS = ("以上", "以下", "未満", "以内", "程度", "前後", "余り", "超")
_ERAS = ("令和", "平成", "昭和", "大正", "明治", "西暦")
_FREQUENCY = ("毎週", "毎月", "毎日", "週", "月")
_COMPOUND_RE = re.compile(r"億(\d{1,3}(?:,\d{3})+|\d+)万円")
_RANGE_RE = re.compile(r"\s?(?:~|〜|から)\s?")
_NOTE_APPROX_RE = re.compile(r"\([^()]{0,20}(?:概算|見込|速報|暫定)[^()]{0,20}\)")
_QUOTE_RE = re.compile(r"「[^「」]{0,40}」|『[^『』]{0,40}』|\(※[^()]{0,60}\)")
_NOUN_RE = re.compile(r"[一-龥々ァ-ヶーA-Za-z]+")
_KANJI_KATA = re.compile(r"[一-龥々ァ-ヶ]")
_TIME_PHRASE = re.compile(r"(?:年度?|月|日)|(?:時点|現在|末|中|まで|時)$")
_NOT_NOUNS = frozenset(("内", "中", "方", "他", "計", "合計", "増", "減", "割合", "うち"))
_MEASURES = ("件数", "人数", "金額", "額", "数", "件", "人")
_HEADING_NUM_RE = re.compile(r"(?:^|(?<=[\s>]))\d{1,2}\.(?!\d)\s*([^\s:、。]{2,20})(?=\s|$)", re.M)
_HEADING_CIRCLED_RE = re.compile(rf"[{_CIRCLED}]\s*([^\s:、。{_CIRCLED}]{{2,24}})(?=\s|$)", re.M)
_HEADING_LINE_RE = re.compile(r"^\s*[「<]([^「」<>\n]{2,24})[」>]\s*$", re.M)
_TAG_BREAK_RE = lazy_pattern(r"</?(?:p|br|li|div|tr|h\d)\b[^>]*>", re.I)
_TAG_RE = lazy_pattern(r"<[^>]*>")
_REIWA_RE = re.compile(r"(令和|R|Ｒ)[ \u3000]?(元|[0-9０-９]{1,2})[ \u3000]?(年度|年)")


@dataclass(frozen=True)
class Mention:
    """One figure in a text, with where it is and what it counts."""

    label: str  # what it counts, as written (「提出件数」); see the label grammar
    value: float  # the number; the low end of a range; negative after △/▲
    unit: str  # 件, 円, 千円, %, 人・社 … as written (folded to 半角)
    start: int  # position in the text given to extract(), prefix and sign included
    end: int
    text: str  # the figure as written (「約699万円」)
    section: str = ""  # the heading above it (「業務改善」)
    approximate: bool = False  # 約/概ね…, a bound (以上…), or a note saying 概算/見込
    high: float | None = None  # the high end of a range
    qualifier: str = ""  # 以上, 以下, 未満 …
    rule: str = ""  # which label rule applied: head, colon, run, after, clause
    sentence: str = ""  # the sentence holding it, to quote as evidence

    @property
    def is_range(self) -> bool:
        return self.high is not None

    @property
    def item(self) -> str:
        """Section and label, as a 実績数値 項目 would say it (「業務改善 提出件数」)."""
        return f"{self.section} {self.label}".strip() if self.section != self.label else self.label


def fold(text: str) -> str:
    """全角 ASCII -> 半角 and the ideographic space -> space, one character for one."""
    # A regex touching only the folded characters: str.translate with a dict looks up every
    # character of a Japanese text (the most of this function's time before).
    return _FOLD_RE.sub(_fold_match, text)


_FOLD = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20, 0x2212: 0x2D, 0xFF5E: 0x7E}
_FOLD_CHARS = {chr(k): chr(v) for k, v in _FOLD.items()}
_FOLD_RE = re.compile("[" + "".join(re.escape(c) for c in sorted(_FOLD_CHARS)) + "]+")


def _fold_match(m: re.Match[str]) -> str:
    return m.group().translate(_FOLD)


def plain_text(fragment: str) -> str:
    """An HTML fragment (<p>…</p> <b>…</b> &lt;…&gt;) as plain text, one paragraph per line."""
    text = _TAG_BREAK_RE.sub("\n", fragment)
    text = html.unescape(_TAG_RE.sub("", text))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def relative_years(text: str, year: int) -> str:
    """令和N年度 in a text of fiscal ``year`` as 当年度/前年度/翌年度, so that labels of two years compare."""
    if "年" not in text:  # every era year ends in 年 or 年度: most labels have none
        return text
    reiwa = year - western_year("令和", 1) + 1

    def sub(m: re.Match[str]) -> str:
        n = 1 if m.group(2) == "元" else int(fold(m.group(2)))
        word = {reiwa: "当", reiwa - 1: "前", reiwa + 1: "翌"}.get(n)
        return f"{word}{m.group(3)}" if word else m.group(0)

    return _REIWA_RE.sub(sub, text)


# --- finding the figures -----------------------------------------------------------------


@dataclass
class _Raw:
    start: int
    end: int
    value: float
    unit: str
    approximate: bool
    high: float | None
    qualifier: str
    num_start: int


def _masked(s: str) -> list[tuple[int, int]]:
    return [m.span() for m in _QUOTE_RE.finditer(s)]


def _in(spans: list[tuple[int, int]], pos: int) -> bool:
    return bool(spans) and any(a < pos < b for a, b in spans)  # usually none: no generator then


# One alternation in the order of UNITS (longest first): the regex engine tries the same units
# in the same order as a loop over UNITS would, in one call instead of ~100 startswith.
_UNIT_RE = re.compile("|".join(re.escape(u) for u in UNITS))


def _unit_at(s: str, j: int) -> str:
    m = _UNIT_RE.match(s, j)
    if m is None:
        return ""
    unit = m.group()
    if not (unit.isascii() and unit[-1].isalpha()):
        return unit
    for unit in UNITS:  # rare: a Latin unit glued to more letters or digits (5min: not m)
        if s.startswith(unit, j):
            after = s[j + len(unit): j + len(unit) + 1]
            if unit.isascii() and unit[-1].isalpha() and after.isascii() and after.isalnum():
                continue  # 5min, 3times: not m, not t
            return unit
    return ""


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _read(s: str, m: re.Match[str], masked: list[tuple[int, int]]) -> _Raw | None:
    """The figure whose number ``m`` is, or None when the number is not a figure."""
    a, b = m.span()
    before = s[max(0, a - 4):a]
    prev = before[-1:]
    if prev and ((prev.isascii() and prev.isalpha()) or prev in "第#."):
        return None  # R4, No.17, 第3条
    if (prev and prev in "-/:" and before[-2:-1].isdigit()) or (s[b:b + 1] in ("-", "/", ":") and s[b + 1:b + 2].isdigit()):
        return None  # 0537-35-0923, 2024/4/1, 10:30
    trimmed = before.rstrip()
    if trimmed.endswith(_ERAS) or trimmed.endswith(_FREQUENCY) or _in(masked, a):
        return None
    value, j, unit = _number(m.group()), b, ""
    compound = _COMPOUND_RE.match(s, j)
    if compound:  # 1億2,000万円 -> 12,000 万円
        value, j, unit = value * 10**4 + _number(compound.group(1)), compound.end() - 2, "万円"
    elif s[j:j + 1] in _COUNT_MULTIPLIERS and (after := _unit_at(s, j + 1)) and not after.endswith("円") \
            and not _unit_at(s, j).endswith("円"):
        value, j = value * _COUNT_MULTIPLIERS[s[j]], j + 1  # 1.2万人
    high = None
    rng = _RANGE_RE.match(s, j)
    if not unit and rng and (m2 := _NUM_RE.match(s, rng.end())) and _unit_at(s, m2.end()):
        high, j = _number(m2.group()), m2.end()  # 5～10件
    if not unit and s[j:j + 1] == " " and (spaced_unit := _unit_at(s, j + 1)):
        if _KANJI_KATA.match(s[j + 1 + len(spaced_unit):j + 2 + len(spaced_unit)] or " "):
            return None  # 「1201 人権啓発」「4 位置付け」: a number before a word, not a count
        j += 1  # 2,528 人・社
    unit = unit or _unit_at(s, j)
    if not unit:
        return None
    j += len(unit)
    if high is None and (rng := _RANGE_RE.match(s, j)) and (m2 := _NUM_RE.match(s, rng.end())) \
            and s.startswith(unit, m2.end()):
        high, j = _number(m2.group()), m2.end() + len(unit)  # 5件～10件
    nxt = s[j:j + 1]
    if nxt == "目" or (unit == "%" and _KANJI_KATA.match(nxt)):
        return None  # 3回目 (an ordinal); 1%地域づくり活動交付金 (a name)
    start, approximate, qualifier = a, False, ""
    if prev and (prev in "△▲" or (prev == "-" and (a < 2 or s[a - 2] in " (:、\n"))):
        value, start = -value, a - 1
    head = s[:start].rstrip(" ")
    for word in _APPROX_PREFIXES:
        if head.endswith(word):
            approximate, start = True, len(head) - len(word)
            break
    for word in _BOUNDS:
        if s.startswith(word, j) and not (word == "超" and _KANJI_KATA.match(s[j + 1:j + 2] or " ")):
            approximate, qualifier, j = True, word, j + len(word)
            break
    if _NOTE_APPROX_RE.match(s, j):
        approximate = True
    return _Raw(start, j, value, unit, approximate, high, qualifier, a)


# --- labels -----------------------------------------------------------------------------


def _is_bullet(s: str, i: int) -> bool:
    return s[i] == "・" and (i == 0 or s[i - 1] in " \n\t" or s[i - 1] in _STRONG)


def _clause_start(s: str, pos: int, lo: int, *, weak: bool = True) -> int:
    """Where the clause ending at ``pos`` starts; a (…) group is skipped whole. A clause is at
    most MAX_CLAUSE characters, so a text without punctuation stays linear."""
    lo = max(lo, pos - MAX_CLAUSE)
    depth, i = 0, pos - 1
    while i >= lo:
        c = s[i]
        if c == ")":
            depth += 1
        elif c == "(":
            if not depth:
                return i + 1
            depth -= 1
        elif depth:
            pass
        elif c in _STRONG or _is_bullet(s, i) or (c in _WEAK if weak else c == ":"):
            return i + 1
        elif c == "." and i > 0 and s[i - 1].isdigit() and (i < 2 or not s[i - 2].isdigit()):
            return i + 1  # 1.業務改善
        i -= 1
    return lo


_HIRAGANA_RE = re.compile(r"[ぁ-ん]")
_HIRAGANA_END_RE = re.compile(r"[ぁ-ん]$")
_CONTENT_END_RE = re.compile(r"[一-龥々ァ-ヶA-Za-z0-9)」）]")
_DEPTH = {")": 1, "）": 1, "(": -1, "（": -1}


def _clean(label: str, *, verb_ok: bool = False) -> str:
    """A head as a label: no list markers, particles or prefixes at the ends; after a topic particle.

    ``verb_ok``: a label before a colon may end in a verb (「無償提供を受ける：1件」); a head may not.
    """
    text = label.strip().lstrip("・-、, " + _CIRCLED).strip()
    if len(text) > 1 and text[0] in "でにをとのはがも" and not _HIRAGANA_RE.match(text[1]):
        text = text[1:]  # 「…」で決算額が -> 決算額
    changed = True
    while changed and text:
        changed = False
        text = text.rstrip(" 、,・:")
        if text and text[-1] in _PARTICLES and len(text) > 1:
            text, changed = text[:-1], True
        for word in _PREFIXES:
            if (text.endswith(word) and len(text) > len(word)) or text == word:
                text, changed = text[: -len(word)], True
                break
    # keep what follows the last topic/subject particle after a content word: 令和4年度は市内 -> 市内
    depth = 0
    for i in range(len(text) - 1, 0, -1):
        c = text[i]
        depth += _DEPTH.get(c, 0)
        if depth == 0 and c in "はがも" and i + 1 < len(text) \
                and _CONTENT_END_RE.match(text[i - 1]) and not _HIRAGANA_RE.match(text[i + 1]):
            text = text[i + 1:]
            break
    text = text.strip()
    if not text or (not verb_ok and _HIRAGANA_END_RE.search(text) and not text.endswith("のみ")):
        return ""
    return text


def _after_noun(s: str, j: int) -> tuple[str, bool]:
    """The noun of 「…の NOUN」/「…が NOUN する」 after position ``j``, and whether it is a verb."""
    if s[j:j + 1] == "(":
        depth, k = 0, j
        while k < len(s):
            depth += {"(": 1, ")": -1}.get(s[k], 0)
            k += 1
            if depth == 0:
                break
        j = k
    particle = s[j:j + 1]
    if particle not in ("の", "が"):
        return "", False
    m = _NOUN_RE.match(s, j + 1)
    if not m or (len(m.group()) < 2 and not _KANJI_KATA.match(m.group())):
        return "", False
    noun = m.group()
    if noun in _NOT_NOUNS:
        return "", False
    verbal = s[m.end():m.end() + 1] in ("し", "す", "さ")
    if particle == "が" and not verbal:
        return "", False  # 5割以上が重要: not what the figure counts
    return noun, verbal


def _noun_label(noun: str, verbal: bool, unit: str) -> str:
    if not verbal:
        return noun
    if unit in ("人", "名"):
        return noun + "者数"
    if unit in MONEY_SCALES:
        return noun + "額"
    return noun + unit + "数"


_SEPARATOR_RE = re.compile(rf"[\s、,・{_CIRCLED}]*")


def _split_parts(label: str, k: int, first_unit: str) -> list[str] | None:
    parts = [p for p in re.split(r"(?<=[一-龥々ァ-ヶ])・(?=[一-龥々ァ-ヶ])", label) if p]
    if k < 2 or len(parts) != k:
        return None
    first = parts[0]
    stem = next((first[: -len(w)] for w in (*_MEASURES, first_unit) if first.endswith(w) and len(first) > len(w)),
                first)
    return [first] + [stem + p if p in _MEASURES or p in ("金額", "人数", "件数") else p for p in parts[1:]]


@lru_cache(maxsize=256)
def _headings(s: str) -> tuple[tuple[int, str], ...]:
    found: list[tuple[int, str]] = []
    for rx in (_HEADING_NUM_RE, _HEADING_CIRCLED_RE, _HEADING_LINE_RE):
        for m in rx.finditer(s):
            found.append((m.start(), m.group(1)))
    return tuple(sorted(found))


_NOTE_IN_SECTION_RE = re.compile(r"\(※[^()]*\)|（※[^（）]*）")


def _sections(s: str, raws: list[_Raw]) -> tuple[list[int], list[str]]:
    """The headings of ``s`` that are not items (「①提出件数：498件」 holds a figure: an item, not
    a heading), as start positions and cleaned texts, for :func:`_section`."""
    starts: list[int] = []
    texts: list[str] = []
    nums = sorted(r.num_start for r in raws)
    for start, text in _headings(s):
        end = start + len(text) + 3
        at = bisect.bisect_left(nums, start)
        if at < len(nums) and nums[at] < end:
            continue  # 「①提出件数：498件」 is an item, not a heading
        starts.append(start)
        texts.append(_NOTE_IN_SECTION_RE.sub("", text).strip())
    return starts, texts


def _section(sections: tuple[list[int], list[str]], pos: int) -> str:
    """The heading a figure at ``pos`` is under: the last heading that starts before it."""
    starts, texts = sections
    at = bisect.bisect_left(starts, pos)
    return texts[at - 1] if at else ""


def _sentence(text: str, start: int, end: int, width: int = 120) -> str:
    lo = max(text.rfind("。", 0, start), text.rfind("\n", 0, start)) + 1
    hi_candidates = [i for i in (text.find("。", end), text.find("\n", end)) if i >= 0]
    hi = min(hi_candidates) + 1 if hi_candidates else len(text)
    sentence = text[lo:hi].strip()
    if len(sentence) <= width:
        return sentence
    a = max(lo, start - width // 2)
    b = min(hi, a + width)
    return ("…" if a > lo else "") + text[a:b].strip() + ("…" if b < hi else "")


def extract(text: str) -> list[Mention]:
    """Every figure of ``text`` in order, each with its label, section and sentence.

    Memoised per distinct text (a worker validates many files; the same 実績 text recurs in a
    department's files and across years): Mentions are frozen, the list is a fresh copy.
    """
    return list(_extract(text))


_DIGIT_RE = re.compile(r"\d")


@lru_cache(maxsize=2048)
def _extract(text: str) -> tuple[Mention, ...]:
    if not _DIGIT_RE.search(text):  # no number, no figure (folding keeps digits digits)
        return ()
    s = fold(text)
    masked = _masked(s)
    raws: list[_Raw] = []
    pos = 0
    for m in _NUM_RE.finditer(s):
        if m.start() < pos:
            continue
        raw = _read(s, m, masked)
        if raw is not None:
            raws.append(raw)
            pos = raw.end
    mentions: list[Mention] = []
    labels: list[tuple[str, str]] = []
    runs: list[int] = []  # index of the first figure of each figure's run
    for i, raw in enumerate(raws):
        lo = raws[i - 1].end if i else 0
        in_run = i > 0 and _SEPARATOR_RE.fullmatch(s[lo:raw.start]) is not None \
            and "\n" not in s[lo:raw.start]
        runs.append(runs[i - 1] if in_run else i)
        cs = _clause_start(s, raw.start, 0)
        lo_head = lo if i and lo > cs else cs  # a figure before in this clause: only what follows it
        label, rule = _clean(text[lo_head:raw.start]), "head"
        noun, verbal = _after_noun(s, raw.end)
        if noun and (not label or (not verbal and _TIME_PHRASE.search(label))):
            label, rule = _noun_label(noun, verbal, raw.unit), "after"  # 9業務の導入実績, 630人が受講した
        if not label:
            k = raw.start
            while k > lo and (s[k - 1] in " " + _CIRCLED or any(s.endswith(w, 0, k) for w in _PREFIXES)):
                k -= next((len(w) for w in _PREFIXES if s.endswith(w, 0, k)), 1)
            if k > 0 and s[k - 1] == ":":
                ls = _clause_start(s, k - 1, 0, weak=False)
                if i and lo > ls:  # 「17人参加 スキルアップ講座：」: the noun glued to the figure before is its own
                    glued = re.match(r"[^\s、,]*", s[lo:k - 1])
                    ls = lo + (glued.end() if glued else 0)
                label, rule = _clean(text[ls:k - 1], verb_ok=True), "colon"
        labels.append((label, rule if label else ""))
    # runs share the first figure's label, or the noun after the run
    by_run: dict[int, list[int]] = {}
    for i, first in enumerate(runs):
        by_run.setdefault(first, []).append(i)
    for first, members in by_run.items():
        if len(members) < 2:
            continue
        lead, lead_rule = labels[first]
        if lead and lead_rule != "after":  # 「経費削減：86件、8,782,546円」, 「換価件数・金額 463件 21,925,394円」
            parts = _split_parts(lead, len(members), raws[first].unit)
            for n, i in enumerate(members):
                if parts:
                    labels[i] = (parts[n], "run")
                elif not labels[i][0]:
                    labels[i] = (lead, "run")
            continue
        noun, verbal = _after_noun(s, raws[members[-1]].end)  # 「91講座、630人が受講した」
        for i in members:
            if noun and (not labels[i][0] or labels[i][1] == "after"):
                labels[i] = (_noun_label(noun, verbal, raws[i].unit), "after")
    sections = _sections(s, raws)
    for raw, (label, rule) in zip(raws, labels, strict=True):
        if not label:
            cs = _clause_start(s, raw.start, 0)
            prev_cs = _clause_start(s, max(cs - 1, 0), 0)
            label = _clean(text[prev_cs:max(cs - 1, prev_cs)])[-20:]
            rule = "clause" if label else ""
        if not label:  # 「返礼品の送料のうち、500円を」: the words before it, so the figure is not lost
            lead = text[max(0, raw.start - 12):raw.start]
            lead = re.split(r"[。\n\t]", lead)[-1]
            lead = re.sub(r"^[\s、,・:()（）]+|[\s、,・:()（）]+$", "", lead)
            label, rule = lead, "context"
        mentions.append(Mention(
            label=label, value=raw.value, unit=raw.unit, start=raw.start, end=raw.end,
            text=text[raw.start:raw.end], section=_section(sections, raw.start),
            approximate=raw.approximate, high=raw.high, qualifier=raw.qualifier, rule=rule,
            sentence=_sentence(text, raw.start, raw.end),
        ))
    return tuple(mentions)


def with_label(mention: Mention, label: str) -> Mention:
    """A copy with another label (import-survey names unlabelled figures by their clause)."""
    return replace(mention, label=label)
