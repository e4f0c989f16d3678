"""The consolidated data: what ``consolidate`` returns and the master workbook is written from.

One place names the DataFrame columns so that the consolidation, the master writer, the CSV
twin and the audit agree. Column ids are English; :data:`LABELS` gives the Japanese header each
one has in the master workbook. Every data row carries its source (``file!sheet!cell``).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from kpitool.config import Config
    from kpitool.table import Table

JST = dt.timezone(dt.timedelta(hours=9), "JST")


class Status(StrEnum):
    """Submission status of a department (提出状況)."""

    SUBMITTED = "提出済"
    MISSING = "未提出"
    NEEDS_FIX = "要修正"  # errors found; left out unless config.consolidate_with_errors
    SUPERSEDED = "重複"  # an older file of a department that sent several (not consolidated)
    REVIEW = "要確認"  # tied with another file of its department; none consolidated
    UNREADABLE = "取込不可"  # not a readable kpitool template


# Statuses that leave work for the planning office: a run with any of them exits with 1.
ACTION_STATUSES = (Status.NEEDS_FIX, Status.UNREADABLE, Status.REVIEW)


# 提出状況: one row per file found in the inbox, plus one row per roster department without a file.
SUBMISSION_COLUMNS = (
    "department",  # 部局名 (as configured; the suggested roster name or as written when off roster)
    "status",  # Status value
    "included",  # bool: its data is in the master
    "head", "contact_person", "contact",  # 部局長名, 担当者, 連絡先 from 基本情報: whom to ask
    "file",  # file name in the inbox ("" for 未提出)
    "size",  # bytes
    "sha256",
    "modified",  # file mtime, ISO 8601 JST
    "created",  # 作成日 (ISO date) as read from 基本情報
    "errors",  # number of エラー findings
    "warnings",  # number of 警告 findings
    "note",  # Japanese explanation (e.g. which file superseded this one)
)

# 事業成果目標: one row per KPI of an included submission.
KPI_COLUMNS = (
    "department", "no", "policy", "indicator", "unit", "direction",
    "base", "target", "prev", "curr",  # float or None
    "base_text", "target_text", "prev_text", "curr_text",  # as written in the cell
    "base_marker", "target_marker", "prev_marker", "curr_marker",  # "-", "…", "x" or None
    "base_year", "target_year",  # 基準年度 / 目標年度 (Western fiscal year) or None
    "target_kind",  # 目標の種類: 数値 / 定性 / なし (kpitool.targets)
    "grade",  # 達成状況: as submitted, or filled from the bands (rate scheme, blank grade)
    "grade_basis",  # how the grade came about (kpitool.grades BASIS_*), None when blank
    "achievement",  # 達成率 (当年度実績 vs 目標値, follows 方向) or None
    "progress",  # 進捗率 (実績 − 基準値) / (目標値 − 基準値) or None
    "suggested_grade",  # the band of 達成率 under the rate scheme, or None
    "change", "change_unit", "rate", "rate_text", "evaluation", "reason",  # variance prev→curr
    "points",  # bool: the unit is % (増減 in ポイント, 増減率 ―), decided by the survey
    "variance_formula",  # bool: 増減/増減率/評価 are live formulas (else static values)
    "achievement_formula",  # bool: 達成率 is a live formula (else a static value)
    "progress_formula",  # bool: 進捗率 is a live formula (else a static value)
    "source",  # "file!事業成果目標!A7": the row
    "source_base", "source_target", "source_prev", "source_curr",  # "file!事業成果目標!F7" …
)

# 実績調査: one row per 取り組み.
SURVEY_COLUMNS = (
    "department", "no", "viewpoint", "heading", "initiative", "content", "plan", "prev", "curr",
    "source",
)

# 実績数値: one row per figure, with the variance.
FIGURE_COLUMNS = (
    "department", "initiative_no", "item", "unit", "direction",
    "prev", "curr", "prev_text", "curr_text", "prev_marker", "curr_marker",
    "change", "change_unit", "rate", "rate_text", "evaluation", "reason",
    "points", "variance_formula",  # bool, as in KPI_COLUMNS
    "note", "source", "source_prev", "source_curr",
)

LABELS: dict[str, str] = {
    "department": "部局名", "status": "状況", "included": "集約", "file": "ファイル", "size": "サイズ（バイト）",
    "sha256": "SHA-256", "modified": "更新日時", "created": "作成日", "errors": "エラー", "warnings": "警告",
    "note": "備考", "no": "番号", "policy": "施策・事業名", "indicator": "指標名", "unit": "単位",
    "direction": "方向", "target": "目標値", "grade": "達成状況", "achievement": "達成率",
    "suggested_grade": "達成率による区分", "change": "増減", "change_unit": "増減の単位", "rate": "増減率",
    "rate_text": "増減率（表示）", "evaluation": "評価", "reason": "比較不可の理由",
    "viewpoint": "視点", "heading": "中見出し", "initiative": "取り組み名", "content": "内容", "plan": "関連する計画・制度",
    "direction_words": "方向の意味", "base": "基準値", "base_year": "基準年度", "target_year": "目標年度",
    "target_kind": "目標の種類", "grade_basis": "区分の根拠", "progress": "進捗率", "source_base": "出典（基準値）",
    "initiative_no": "取り組み番号", "initiative_name": "取り組み名", "item": "項目", "source": "出典",
    "head": "部局長名", "contact_person": "担当者", "contact": "連絡先",
    "source_target": "出典（目標値）", "source_prev": "出典（前年度）", "source_curr": "出典（当年度）",
}


TABLES = ("submissions", "kpis", "survey", "figures", "findings")


class Consolidation:
    """Result of :func:`kpitool.consolidate.consolidate`: five tables plus run facts.

    ``submissions``, ``kpis``, ``survey``, ``figures`` and ``findings`` are DataFrames (the
    public API), built on first access. The 集約 path itself reads :meth:`table`, the same rows
    as a :class:`kpitool.table.Table`, so that a run from the CLI or a button never imports
    pandas (issue 17: pandas took longer to import than a city's whole 集約). Either a Table or
    a DataFrame may be given for each.
    """

    def __init__(
        self,
        config: Config,
        inbox: Path,
        run_at: dt.datetime,  # timezone-aware, JST
        submissions: Table | pd.DataFrame,  # SUBMISSION_COLUMNS
        kpis: Table | pd.DataFrame,  # KPI_COLUMNS
        survey: Table | pd.DataFrame,  # SURVEY_COLUMNS
        figures: Table | pd.DataFrame,  # FIGURE_COLUMNS
        findings: Table | pd.DataFrame,  # kpitool.findings.FINDING_COLUMNS keys (English ids)
        ignored: list[tuple[str, str]] | None = None,  # (file name, Japanese reason)
        tallies: dict[str, dict[str, int]] | None = None,
        previous: tuple[Any, ...] = (),
    ) -> None:
        self.config = config
        self.inbox = inbox
        self.run_at = run_at
        self._given: dict[str, Any] = {
            "submissions": submissions, "kpis": kpis, "survey": survey, "figures": figures, "findings": findings,
        }
        self.ignored = list(ignored or [])
        # 達成状況 counts of the consolidated KPIs: department -> {grade: n, …, "未評価": n}, in
        # roster order, plus "合計" for all departments (kpitool.survey.grade_tallies).
        self.tallies = dict(tallies or {})
        # Earlier masters of ``[history] masters`` (kpitool.history.MasterData), oldest first: the
        # 経年推移 sheet is built from them and this run; 監査ログ records their hashes.
        self.previous = previous

    def table(self, name: str) -> Table:
        """One of :data:`TABLES` as a :class:`~kpitool.table.Table` (no pandas needed).

        Once the DataFrame has been handed out, the Table is made from it on every call: the
        caller may have changed it, and the master must show what the DataFrame holds.
        """
        from kpitool.table import Table

        given = self._given[name]
        return given if isinstance(given, Table) else Table.from_frame(given)

    def frame(self, name: str) -> pd.DataFrame:
        """One of :data:`TABLES` as a DataFrame (imports pandas; built once)."""
        from kpitool.table import Table

        given = self._given[name]
        if isinstance(given, Table):
            given = self._given[name] = given.to_frame()
        return given

    @property
    def submissions(self) -> pd.DataFrame:
        return self.frame("submissions")

    @submissions.setter
    def submissions(self, value: Table | pd.DataFrame) -> None:
        self._given["submissions"] = value

    @property
    def kpis(self) -> pd.DataFrame:
        return self.frame("kpis")

    @kpis.setter
    def kpis(self, value: Table | pd.DataFrame) -> None:
        self._given["kpis"] = value

    @property
    def survey(self) -> pd.DataFrame:
        return self.frame("survey")

    @survey.setter
    def survey(self, value: Table | pd.DataFrame) -> None:
        self._given["survey"] = value

    @property
    def figures(self) -> pd.DataFrame:
        return self.frame("figures")

    @figures.setter
    def figures(self, value: Table | pd.DataFrame) -> None:
        self._given["figures"] = value

    @property
    def findings(self) -> pd.DataFrame:
        return self.frame("findings")

    @findings.setter
    def findings(self, value: Table | pd.DataFrame) -> None:
        self._given["findings"] = value

    def counts(self) -> dict[str, int]:
        """Number of departments/files per status, for summaries."""
        statuses = self.table("submissions")["status"]
        return {str(s): sum(1 for x in statuses if x == str(s)) for s in Status}
