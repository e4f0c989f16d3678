"""The city's grade rule (達成状況): letters, labels and what each letter requires of 達成率.

Municipalities grade KPIs in two ways (DESIGN.md "Grades"), and the labels must never
contradict the rule:

- ``judgement`` (default, 菊川市): the department judges. A 目標どおり達成 and B 達成したが課題が
  残る both require 達成率 ≥ 100 %, C 達成できなかった requires < 100 %. A contradiction is a
  warning that quotes this rule; the tool never proposes another letter.
- ``rate``: bands of 達成率 with lower bounds from the config (S ≥ 120 %, A ≥ 100 %, B ≥ 80 %,
  C below); the tool may fill a blank grade from the bands, marked as filled.

Letters, labels and thresholds live in :class:`Grades` (the config's ``[grades]``) once; the
template's dropdowns and messages, 記入方法, the validator, the consolidation, 概要 and its
charts all read them from here.

Existing configs: ``letters`` + ``minimum_rates`` without ``scheme`` (what ``kpitool init``
wrote before) mean ``scheme = "rate"`` with those bands; their labels then describe the band
(「達成率80%以上100%未満」) unless ``labels`` is given. A ``[grades]`` without
``minimum_rates`` means ``judgement``.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from kpitool.variance import DIGITS, UNGRADED

JUDGEMENT, RATE = "judgement", "rate"
SCHEMES = (JUDGEMENT, RATE)
ACHIEVED_RATE = 1.0  # judgement: the letters of `achieved` need 達成率 ≥ 100 %
DEFAULT_LETTERS = ("A", "B", "C")
DEFAULT_RATES = (1.0, 0.8)  # rate scheme with the default letters and no minimum_rates
JUDGEMENT_LABELS = {"A": "目標どおり達成", "B": "達成したが課題が残る", "C": "達成できなかった"}
DEFAULT_SUBJECT = "成果指標"

# How a KPI's 達成状況 came about (the master's 区分の根拠 column).
BASIS_JUDGED = "部局の判断"
BASIS_FILLED = "達成率から補完（空欄のため）"
BASIS_QUALITATIVE = "部局の判断（定性）"


def percent(rate: float) -> str:
    """1.2 -> 120%, 0.875 -> 87.5% (no float noise, no trailing .0)."""
    value = round(rate * 100, 6)
    return f"{value:g}%" if value != int(value) else f"{int(value)}%"


def _check_bands(letters: tuple[str, ...], rates: tuple[float, ...]) -> None:
    """Raise ValueError unless ``rates`` are lower bounds of ``letters`` (best first) but the last."""
    if len(letters) < 2 or len(set(letters)) != len(letters):
        raise ValueError(f"grades must be at least two distinct letters: {letters}")
    if UNGRADED in letters or any(not g.strip() for g in letters):
        raise ValueError(f"grades must not be blank or {UNGRADED}: {letters}")
    if len(rates) != len(letters) - 1:
        raise ValueError("minimum_rates needs one rate per grade except the last")
    if any(a <= b for a, b in pairwise(rates)):
        raise ValueError(f"minimum_rates must fall strictly: {rates}")


@dataclass(frozen=True)
class Grades:
    """The ``[grades]`` of kpitool.toml, with defaults filled in (see the module docstring).

    ``scheme``, ``labels`` and ``achieved`` may be left empty: they are derived in
    ``__post_init__`` (``rate`` when ``minimum_rates`` is given, band labels for ``rate``, the
    菊川市 labels for judgement, all letters but the last achieved).
    """

    letters: tuple[str, ...] = DEFAULT_LETTERS
    minimum_rates: tuple[float, ...] = ()
    scheme: str = ""
    labels: tuple[str, ...] = ()
    achieved: tuple[str, ...] = ()
    subject: str = DEFAULT_SUBJECT  # what a tally counts: 成果指標, 重点施策 …

    def __post_init__(self) -> None:
        scheme = self.scheme or (RATE if self.minimum_rates else JUDGEMENT)
        if scheme not in SCHEMES:
            raise ValueError(f"scheme must be one of {SCHEMES}, not {scheme!r}")
        object.__setattr__(self, "scheme", scheme)
        rates = tuple(self.minimum_rates)
        if scheme == RATE and not rates and tuple(self.letters) == DEFAULT_LETTERS:
            rates = DEFAULT_RATES
        object.__setattr__(self, "minimum_rates", rates)
        if scheme == RATE:
            _check_bands(tuple(self.letters), rates)
        if not self.labels:
            labels = self._band_labels() if scheme == RATE else tuple(
                JUDGEMENT_LABELS.get(letter, "") for letter in self.letters)
            object.__setattr__(self, "labels", labels)
        if len(self.labels) != len(self.letters):
            raise ValueError("labels needs one label per letter")
        if scheme == JUDGEMENT and not self.achieved:
            object.__setattr__(self, "achieved", tuple(self.letters[:-1]))

    # --- what the letters mean ---------------------------------------------------------------

    @property
    def is_rate(self) -> bool:
        return self.scheme == RATE

    def label(self, letter: str) -> str:
        return dict(zip(self.letters, self.labels, strict=True)).get(letter, "")

    def display(self, letter: str) -> str:
        """``A（目標どおり達成）``, or the letter alone when it has no label."""
        label = self.label(letter)
        return f"{letter}（{label}）" if label else letter

    def _bounds(self, letter: str) -> tuple[float | None, float | None]:
        """(lower, upper) 達成率 of a letter under this scheme; None is unbounded."""
        if self.is_rate:
            i = self.letters.index(letter)
            lower = self.minimum_rates[i] if i < len(self.minimum_rates) else None
            upper = self.minimum_rates[i - 1] if i > 0 else None
            return lower, upper
        return (ACHIEVED_RATE, None) if letter in self.achieved else (None, ACHIEVED_RATE)

    def requirement(self, letter: str) -> str:
        """What a letter requires: 達成率100%以上 / 達成率80%以上100%未満 / 達成率80%未満."""
        lower, upper = self._bounds(letter)
        parts = []
        if lower is not None:
            parts.append(f"{percent(lower)}以上")
        if upper is not None:
            parts.append(f"{percent(upper)}未満")
        return "達成率" + "".join(parts) if parts else "達成率によらない"

    def _band_labels(self) -> tuple[str, ...]:
        return tuple(self.requirement(letter) for letter in self.letters)

    def rule_text(self) -> str:
        """The rule in one sentence, for 記入方法, 概要 and findings."""
        if self.is_rate:
            bands = "、".join(
                f"{self.display(g)}: {self.requirement(g)}" if self.label(g) != self.requirement(g)
                else f"{g}: {self.requirement(g)}"
                for g in self.letters
            )
            return f"{bands}。区分は達成率で決まり、空欄の場合は達成率から補完します。"
        achieved = "・".join(self.display(g) for g in self.letters if g in self.achieved)
        missed = "・".join(self.display(g) for g in self.letters if g not in self.achieved)
        return (
            f"{achieved}は達成率{percent(ACHIEVED_RATE)}以上、{missed}は達成率{percent(ACHIEVED_RATE)}未満。"
            "区分は各部局が判断します。"
        )

    def choices_text(self) -> str:
        """``A（目標どおり達成）/B（…）/C（…）`` for input messages."""
        return "/".join(self.display(g) for g in self.letters)

    # --- checking and filling --------------------------------------------------------------

    def violation(self, letter: str, rate: float | None) -> str | None:
        """The requirement a letter breaks at this 達成率, or None when it is consistent.

        Rounded to 8 places like :meth:`band`, so 4.8 / 6 is 80 %.
        """
        if rate is None or letter not in self.letters:
            return None
        rounded = round(rate, DIGITS)
        lower, upper = self._bounds(letter)
        if (lower is not None and rounded < lower) or (upper is not None and rounded >= upper):
            return self.requirement(letter)
        return None

    def band(self, rate: float | None) -> str | None:
        """The letter a 達成率 falls in under the rate scheme; None for judgement or no rate.

        The rate is rounded to 8 decimals first: 4.8 / 6 is 0.7999999999999999 in binary but
        80 % to the department, and must not drop a band.
        """
        if not self.is_rate or rate is None:
            return None
        rounded = round(rate, DIGITS)
        for letter, minimum in zip(self.letters, self.minimum_rates, strict=False):
            if rounded >= minimum:
                return letter
        return self.letters[-1]

    def tally_keys(self) -> tuple[str, ...]:
        """Columns of a tally: every letter, best first, then 未評価."""
        return (*self.letters, UNGRADED)
