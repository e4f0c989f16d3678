"""The template contract (v2) as one declarative spec.

The template generator, the reader and the validator all read this module; none of them
repeats a sheet name or a column label. Year labels depend on the configured fiscal years,
so labels are produced by :func:`template_spec` for a pair of years.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import Any

from kpitool.dates import fiscal_year_era

TEMPLATE_ID = "kpitool-department-template"
TEMPLATE_VERSION = 2  # v2: 実績調査 has 取り組み名 and 内容 apart, 視点 from the config's list
META_SHEET = "_kpitool"
INSTRUCTIONS_SHEET = "記入方法"
DEPARTMENT_LIST_NAME = "部局名一覧"
VIEWPOINT_LIST_NAME = "視点一覧"
DEFAULT_FISCAL_YEARS = (2022, 2023)  # (前年度, 当年度) when neither the config nor a file says
# Keys of the hidden identity sheet (META_SHEET): column A names, column B values.
META_ID, META_VERSION, META_YEAR_PREV, META_YEAR_CURR = (
    "template_id", "template_version", "fiscal_year_prev", "fiscal_year_curr",
)

UP, DOWN, NEUTRAL = "↑", "↓", "→"
DIRECTIONS = (UP, DOWN, NEUTRAL)  # → 参考値: no 改善/悪化, no 達成率, not counted in tallies
GRADED_DIRECTIONS = (UP, DOWN)
DIRECTION_WORDS = {UP: "高いほど良い", DOWN: "低いほど良い", NEUTRAL: "参考値"}
RANK_UNITS = frozenset(("位", "番目", "順位", "等"))  # a smaller number is better
DIRECTION_PROMPT = "↑（高いほど良い）、↓（低いほど良い：順位・事故件数など）、→（参考値：良し悪しを問わない）から選んでください。"
GRADE_MEANINGS = {
    "S": "目標を大きく上回って達成",
    "A": "目標どおり達成",
    "B": "達成したが課題が残る",
    "C": "達成できなかった",
}


class Kind(StrEnum):
    """What a cell holds; drives data validation, reading and checks."""

    TEXT = "text"
    LONG_TEXT = "long_text"
    NUMBER = "number"  # a number, a statistical marker, or a unit typed in the cell
    DATE = "date"
    DIRECTION = "direction"
    GRADE = "grade"
    DEPARTMENT = "department"
    VIEWPOINT = "viewpoint"  # 視点: a dropdown of the config's list (free text without one)
    YEAR = "year"  # a fiscal year: 2016, 2016年度, 平成28年度, R4
    ID = "id"  # 番号: a short code such as 1, 1-1, A-2


@dataclass(frozen=True)
class Column:
    """One column (or one labelled field of a key-value sheet)."""

    key: str  # stable English id used in code and DataFrames
    label: str  # the Japanese header as the user sees it
    kind: Kind
    required: bool = False
    width: float = 12
    prompt: str = ""  # input message shown in Excel: what to type
    example: str = ""  # one example value, used in the prompt and on 記入方法
    checks: tuple[str, ...] = ()  # names of the rules in kpitool.validation.rules.CHECKS that apply
    text_ok: bool = False  # NUMBER: a description without digits is accepted (定性の目標値, 基準値「新規」)
    optional: bool = False  # a file without this column still reads (columns added in v2)


@dataclass(frozen=True)
class SheetSpec:
    """A sheet of the template: a key-value form or a table found by its header row."""

    key: str
    name: str
    columns: tuple[Column, ...]
    layout: str  # "form" (labels in A, values in B) or "table"
    table_name: str = ""  # Excel Table (ListObject) name
    description: str = ""

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(c.label for c in self.columns)

    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(key)


@dataclass(frozen=True)
class TemplateSpec:
    """The whole template for one pair of fiscal years."""

    fiscal_years: tuple[int, int]
    sheets: tuple[SheetSpec, ...] = field(default_factory=tuple)

    @property
    def year_labels(self) -> tuple[str, str]:
        return (fiscal_year_label(self.fiscal_years[0]), fiscal_year_label(self.fiscal_years[1]))

    def sheet(self, key: str) -> SheetSpec:
        for sheet in self.sheets:
            if sheet.key == key:
                return sheet
        raise KeyError(key)


def meta_years(meta: Mapping[str, Any]) -> tuple[int, int] | None:
    """The (前年度, 当年度) a template's identity sheet records, or None when it has none."""
    try:
        return int(meta[META_YEAR_PREV]), int(meta[META_YEAR_CURR])
    except (KeyError, TypeError, ValueError):
        return None


def fiscal_year_label(year: int) -> str:
    """``2022`` -> ``令和4年度`` (``令和元年度`` for 2019, ``平成30年度`` for 2018)."""
    era, n = fiscal_year_era(year)
    return f"{era}{'元' if n == 1 else n}年度"


@cache
def template_spec(fiscal_years: tuple[int, int] = DEFAULT_FISCAL_YEARS) -> TemplateSpec:
    """Build the template contract for the given (前年度, 当年度)."""
    prev, curr = (fiscal_year_label(y) for y in fiscal_years)
    basic = SheetSpec(
        key="basic",
        name="基本情報",
        layout="form",
        description="提出する部局の情報です。B列に入力してください。",
        columns=(
            Column("municipality", "自治体名", Kind.TEXT, True, 24,
                   "自治体名を入力してください。", "菊川市", ("municipality_matches",)),
            Column("department", "部局名", Kind.DEPARTMENT, True, 24,
                   "一覧から部局名を選んでください。", "総務部", ("in_roster",)),
            Column("head", "部局長名", Kind.TEXT, True, 24,
                   "部局長の氏名を入力してください。", "菊川 太郎"),
            Column("contact_person", "担当者", Kind.TEXT, True, 24,
                   "担当者の所属と氏名を入力してください。", "企画政策課 山田 花子"),
            Column("contact", "連絡先", Kind.TEXT, False, 24,
                   "内線番号またはメールアドレスを入力してください。", "内線 1234"),
            Column("created", "作成日", Kind.DATE, True, 24,
                   "作成日を日付で入力してください。", "2024/4/1"),
        ),
    )
    kpis = SheetSpec(
        key="kpis",
        name="事業成果目標",
        layout="table",
        table_name="事業成果目標",
        description="部局経営目標の指標（KPI）を1行に1つ入力してください。",
        columns=(
            Column("no", "番号", Kind.ID, True, 8,
                   "指標ごとの番号（毎年同じ番号）を入力してください。", "1-1", ("unique",)),
            Column("policy", "施策・事業名", Kind.LONG_TEXT, False, 36,
                   "指標が属する施策・事業名を入力してください。", "まにわ版SDGsの普及促進"),
            Column("indicator", "指標名", Kind.TEXT, True, 30,
                   "指標の名称を入力してください。", "SDGsミーティング参加者数"),
            Column("unit", "単位", Kind.TEXT, True, 8,
                   "単位を入力してください（人、件、円、千円、%、位など）。", "人"),
            Column("direction", "方向", Kind.DIRECTION, True, 6, DIRECTION_PROMPT, "↑", ("rank_direction",)),
            Column("base", "基準値", Kind.NUMBER, False, 12,
                   "計画策定時などの基準値を数値で入力してください（任意）。", "20",
                   ("unit_matches",), text_ok=True, optional=True),
            Column("base_year", "基準年度", Kind.YEAR, False, 10,
                   "基準値の年度を入力してください（例: 2016、平成28年度）。", "2016", optional=True),
            Column("target", "目標値", Kind.NUMBER, False, 12,
                   "目標値を数値で入力してください。数値でない目標は文章で入力し、備考に説明を書いてください。", "60",
                   ("unit_matches", "target_jump", "target_given"), text_ok=True),
            Column("target_year", "目標年度", Kind.YEAR, False, 10,
                   "目標の年度を入力してください（例: 2022、令和6年度）。", "2024",
                   ("year_order",), optional=True),
            Column("prev", f"{prev}実績", Kind.NUMBER, False, 14,
                   f"{prev}の実績を数値で入力してください。", "45",
                   ("unit_matches", "year_jump", "expected")),
            Column("curr", f"{curr}実績", Kind.NUMBER, False, 14,
                   f"{curr}の実績を数値で入力してください。", "63",
                   ("unit_matches", "year_jump", "target_jump", "expected")),
            Column("grade", "達成状況", Kind.GRADE, False, 8,
                   "A（目標どおり達成）/B（達成したが課題が残る）/C（達成できなかった）。", "A",
                   ("grade_consistent",)),
            Column("note", "備考", Kind.LONG_TEXT, False, 30,
                   "補足があれば入力してください。", "見込み値"),
        ),
    )
    survey = SheetSpec(
        key="survey",
        name="実績調査",
        layout="table",
        table_name="実績調査",
        description="主な取り組みごとに、各年度の実績を文章で入力してください。",
        columns=(
            Column("no", "番号", Kind.ID, True, 8,
                   "取り組みの番号を入力してください。", "1", ("unique",)),
            Column("viewpoint", "視点", Kind.VIEWPOINT, True, 18,
                   "方針に掲載の視点（中見出し）を一覧から選んでください。", "視点1 効果的・効率的な行政運営の推進",
                   ("in_viewpoints",)),
            Column("initiative", "取り組み名", Kind.LONG_TEXT, True, 20,
                   "主な取り組みの名称（公表資料の太字の見出し）を入力してください。", "業務改善・職員提案制度の推進"),
            Column("content", "内容", Kind.LONG_TEXT, False, 28,
                   "取り組みの内容（公表資料の●の説明）を入力してください。",
                   "職員一人一人が業務の効率化を意識し、改善・見直し・工夫等を実施します。"),
            Column("plan", "関連する計画・制度", Kind.LONG_TEXT, False, 14,
                   "関連する計画・制度を入力してください。", "業務改善職員提案制度"),
            Column("prev", f"{prev}実績", Kind.LONG_TEXT, False, 28,
                   f"{prev}の実績を文章で入力してください。", "業務改善提案を募集し、498件の提出があった。",
                   ("expected",)),
            Column("curr", f"{curr}実績", Kind.LONG_TEXT, False, 28,
                   f"{curr}の実績を文章で入力してください。", "業務改善提案を募集し、515件の提出があった。",
                   ("expected",)),
        ),
    )
    figures = SheetSpec(
        key="figures",
        name="実績数値",
        layout="table",
        table_name="実績数値",
        description="実績調査の取り組みを裏付ける数値を、項目ごとに1行で入力してください。",
        columns=(
            Column("initiative_no", "取り組み番号", Kind.ID, True, 10,
                   "実績調査シートの番号を入力してください。", "1", ("refers_to_survey",)),
            Column("item", "項目", Kind.TEXT, True, 30,
                   "数値の項目名を入力してください。", "業務改善 提出件数", ("unique_in_initiative",)),
            Column("unit", "単位", Kind.TEXT, True, 8,
                   "単位を入力してください（件、円、千円、時間、%など）。", "件"),
            Column("direction", "方向", Kind.DIRECTION, True, 6, DIRECTION_PROMPT, "↑", ("rank_direction",)),
            Column("prev", prev, Kind.NUMBER, True, 14,
                   f"{prev}の数値を入力してください。該当なしは -、不詳は …、秘匿は x。", "498",
                   ("unit_matches", "year_jump")),
            Column("curr", curr, Kind.NUMBER, True, 14,
                   f"{curr}の数値を入力してください。該当なしは -、不詳は …、秘匿は x。", "515",
                   ("unit_matches", "year_jump")),
            Column("note", "備考", Kind.LONG_TEXT, False, 30,
                   "補足があれば入力してください。", ""),
        ),
    )
    return TemplateSpec(fiscal_years=fiscal_years, sheets=(basic, kpis, survey, figures))
