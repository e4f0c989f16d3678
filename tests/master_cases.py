"""Hand-built Consolidations for the master, CSV and audit tests (a helper, not a test file).

Rows follow kpitool.model exactly (column order and dtypes as consolidate documents them);
the variance columns come from kpitool.variance, as the survey step would compute them, so
the tests check the writer and not a second copy of the arithmetic.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pandas as pd

from kpitool.config import Config, Department
from kpitool.consolidate import BOOL_COLUMNS, INT_COLUMNS
from kpitool.findings import FINDING_COLUMNS
from kpitool.model import (
    FIGURE_COLUMNS,
    JST,
    KPI_COLUMNS,
    SUBMISSION_COLUMNS,
    SURVEY_COLUMNS,
    Consolidation,
)
from kpitool.targets import target_kind
from kpitool.variance import (
    achievement_formula_fits,
    achievement_rate,
    is_percent_unit,
    progress_formula_fits,
    progress_rate,
    variance,
    variance_formulas_fit,
)

RUN_AT = dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=JST)
ROSTER = ("総務部", "財政部", "企画政策部")
FILES = {"総務部": "01_総務部.xlsx", "財政部": "02_財政部.xlsx"}
INJECTION = "=HYPERLINK(\"http://evil.example\",\"click\")"
MARKERS = {"-", "…", "x"}
NUMERIC = frozenset({"base", "target", "prev", "curr", "achievement", "progress", "change", "rate"})


def _split(value: Any) -> tuple[float | None, str | None, str]:
    """(number, marker, text as written) for a test value."""
    if value is None:
        return None, None, ""
    if isinstance(value, str):
        return None, (value if value in MARKERS else None), value
    return float(value), None, f"{value:,}"


def figure(department: str, no: str, item: str, unit: str, direction: str, prev: Any, curr: Any,
           *, excel_row: int, note: str = "", curr_unit: str | None = None) -> dict[str, Any]:
    p, pm, pt = _split(prev)
    c, cm, ct = _split(curr)
    v = variance(p, c, unit=unit, direction=direction, prev_marker=pm, curr_marker=cm, curr_unit=curr_unit)
    file = FILES[department]
    return {
        "department": department, "initiative_no": no, "item": item, "unit": unit, "direction": direction,
        "prev": p, "curr": c, "prev_text": pt, "curr_text": ct + (curr_unit or ""), "prev_marker": pm,
        "curr_marker": cm, "change": v.change, "change_unit": v.change_unit, "rate": v.rate,
        "rate_text": v.rate_text, "evaluation": v.evaluation, "reason": v.reason,
        "points": is_percent_unit(unit), "variance_formula": variance_formulas_fit(v, p, c), "note": note,
        "source": f"{file}!実績数値!A{excel_row}", "source_prev": f"{file}!実績数値!E{excel_row}",
        "source_curr": f"{file}!実績数値!F{excel_row}",
    }


def kpi(department: str, no: str, indicator: str, unit: str, direction: str, target: Any, prev: Any,
        curr: Any, grade: str | None, *, excel_row: int, base: Any = None, base_year: int | None = None,
        target_year: int | None = None, note: str = "") -> dict[str, Any]:
    b, bm, bt = _split(base)
    t, tm, tt = _split(target)
    p, pm, pt = _split(prev)
    c, cm, ct = _split(curr)
    v = variance(p, c, unit=unit, direction=direction, prev_marker=pm, curr_marker=cm)
    rate = achievement_rate(t, c, direction)
    progress = progress_rate(b, t, c, direction)
    kind = target_kind(t, tm, tt if t is None and tm is None else "", note)
    file = FILES[department]
    return {
        "department": department, "no": no, "policy": "施策", "indicator": indicator, "unit": unit,
        "direction": direction, "base": b, "target": t, "prev": p, "curr": c, "base_text": bt, "target_text": tt,
        "prev_text": pt, "curr_text": ct, "base_marker": bm, "target_marker": tm, "prev_marker": pm,
        "curr_marker": cm, "base_year": base_year, "target_year": target_year, "target_kind": kind,
        "grade": grade, "grade_basis": "部局の判断" if grade else None,
        "achievement": rate, "progress": progress, "suggested_grade": None,
        "change": v.change, "change_unit": v.change_unit, "rate": v.rate, "rate_text": v.rate_text,
        "evaluation": v.evaluation, "reason": v.reason,
        "points": is_percent_unit(unit), "variance_formula": variance_formulas_fit(v, p, c),
        "achievement_formula": achievement_formula_fits(rate, t, c, direction),
        "progress_formula": progress_formula_fits(progress, b, t, c, direction),
        "source": f"{file}!事業成果目標!A{excel_row}",
        "source_base": f"{file}!事業成果目標!F{excel_row}" if base is not None else "",
        "source_target": f"{file}!事業成果目標!H{excel_row}", "source_prev": f"{file}!事業成果目標!J{excel_row}",
        "source_curr": f"{file}!事業成果目標!K{excel_row}",
    }


FIGURES = [
    figure("総務部", "1", "業務改善 提出件数", "件", "↑", 498, 515, excel_row=5),
    figure("総務部", "1", "事務時間削減", "時間", "↑", 2459.3, 4618, excel_row=6),
    figure("総務部", "1", "合併特例債", "千円", "↑", 1_167_400, 347_800, excel_row=7),
    figure("総務部", "2", "皆増の例", "件", "↑", 0, 8, excel_row=8),
    figure("総務部", "2", "皆減の例", "件", "↓", 4, 0, excel_row=9),
    figure("総務部", "2", "割合", "%", "↑", 14.8, 15.1, excel_row=10),
    figure("財政部", "1", "順位", "位", "↓", 370, 350, excel_row=5),
    figure("財政部", "1", "秘匿", "件", "↑", "x", 12, excel_row=6),
    figure("財政部", "1", "△から△へ", "千円", "↑", -1972, -1000, excel_row=7),
    figure("財政部", "1", "単位違い", "千円", "↑", 1_167_400, 347_800_000, excel_row=8, curr_unit="円"),
    figure("財政部", "2", INJECTION, "件", "↑", None, 5, excel_row=9, note="+SUM(1,2)"),
    figure("財政部", "2", "職員数の増減", "人", "→", 5, -3, excel_row=10),  # 参考値: no 評価
]
KPIS = [
    kpi("総務部", "1-1", "参加者数", "人", "↑", 60, 45, 52, "B", excel_row=5),
    kpi("総務部", "1-2", "認知度", "%", "↑", 39, "-", 34, "C", excel_row=6),
    kpi("財政部", "1", "順位", "位", "↓", 350, 380, 370, "Ａ", excel_row=5),
    kpi("財政部", "2", "目標なし", "件", "↑", None, 3, 5, None, excel_row=6),
    # issue 11: 基準値 → 目標値 (小美玉市 2016 → 2022), a rank going down, 参考値, a 定性 target
    kpi("財政部", "3", "まちづくり組織認定団体数", "団体", "↑", 84, 70, 76, "C", excel_row=7,
        base=58, base_year=2016, target_year=2022),
    kpi("財政部", "4", "住みよさランキング", "位", "↓", 300, 330, 318, None, excel_row=8,
        base=370, base_year=2016, target_year=2022),
    kpi("財政部", "5", "職員数の増減", "人", "→", None, 5, -3, None, excel_row=9),
    kpi("財政部", "6", "総合戦略の基本目標のA評価", "項目", "↑", "すべての項目", "…", "…", "A", excel_row=10,
        note="定性の目標"),
]
SURVEY = [
    {"department": "総務部", "no": "1", "viewpoint": "視点1 効果的・効率的な行政運営の推進",
     "heading": "(1) 計画的な行政運営", "initiative": "業務改善の推進",
     "content": "職員一人一人が業務の効率化を意識し、改善を実施します。", "plan": "行政経営推進方針",
     "prev": "業務改善提案を募集し、498件の提出があった。\n事務時間を削減した。",
     "curr": "業務改善提案を募集し、515件の提出があった。", "source": "01_総務部.xlsx!実績調査!A5"},
    {"department": "財政部", "no": "1", "viewpoint": "視点2 健全な財政運営の推進", "heading": "",
     "initiative": "@SUM(A1)", "content": "", "plan": "-1+1", "prev": "=1+1", "curr": "\t先頭がタブ",
     "source": "02_財政部.xlsx!実績調査!A5"},
]


def _sha(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def submissions() -> list[dict[str, Any]]:
    common = {"modified": "2024-04-20T09:00:00+09:00", "errors": 0, "warnings": 0, "note": ""}
    return [
        {"department": "総務部", "status": "提出済", "included": True, "file": FILES["総務部"], "size": 12345,
         "sha256": _sha("総務部"), "created": "2024-04-01", "head": "菊川 一郎", "contact_person": "総務課 佐藤",
         "contact": "内線 2301", **common},
        {"department": "財政部", "status": "提出済", "included": True, "file": FILES["財政部"], "size": 23456,
         "sha256": _sha("財政部"), "created": "2024-04-02", "head": "横地 二郎", "contact_person": "財政課 高橋",
         "contact": "内線 2401", **common, "warnings": 1},
        {"department": "企画政策部", "status": "未提出", "included": False, "file": "", "size": 0,
         "sha256": "", "modified": "", "created": "", "errors": 0, "warnings": 0, "note": "",
         "head": "", "contact_person": "", "contact": ""},
    ]


FINDINGS = [
    {"severity": "警告", "code": "W-TXT-001", "file": FILES["財政部"], "sheet": "実績数値", "cell": "C9",
     "label": "項目", "value": INJECTION, "title": "数式のような文字列", "message": "=で始まる文字列です。",
     "hint": "文字列として扱います。"},
    {"severity": "エラー", "code": "E-RUN-000", "file": "", "sheet": "", "cell": "", "label": "",
     "value": "", "title": "未提出", "message": "企画政策部の提出がありません。", "hint": ""},
]


def _frame(rows: list[dict[str, Any]], columns: tuple[str, ...], floats: frozenset[str] = frozenset()
           ) -> pd.DataFrame:
    data = {}
    for column in columns:
        values = [row[column] for row in rows]
        if column in floats:
            data[column] = pd.Series([float("nan") if v is None else v for v in values], dtype="float64")
        elif column in INT_COLUMNS:
            data[column] = pd.Series(values, dtype="int64")
        elif column in BOOL_COLUMNS:
            data[column] = pd.Series(values, dtype="bool")
        else:
            data[column] = pd.Series(values, dtype="object")
    return pd.DataFrame(data, columns=list(columns))


def config(**overrides: Any) -> Config:
    return Config(municipality="菊川市", departments=tuple(Department(n) for n in ROSTER), **overrides)


def make_consolidation(inbox: Path, *, figures: list[dict[str, Any]] | None = None,
                       kpis: list[dict[str, Any]] | None = None, **config_overrides: Any) -> Consolidation:
    """The small consolidation above; ``figures`` and ``kpis`` replace its rows (e.g. for scale)."""
    return Consolidation(
        config=config(**config_overrides),
        inbox=inbox,
        run_at=RUN_AT,
        submissions=_frame(submissions(), SUBMISSION_COLUMNS),
        kpis=_frame(KPIS if kpis is None else kpis, KPI_COLUMNS, NUMERIC),
        survey=_frame(SURVEY, SURVEY_COLUMNS),
        figures=_frame(FIGURES if figures is None else figures, FIGURE_COLUMNS, NUMERIC),
        findings=_frame(FINDINGS, tuple(k for k, _ in FINDING_COLUMNS)),
        ignored=[("~$01_総務部.xlsx", "Excelが作業中に作成する一時ファイル（~$）のため対象外です。")],
    )


def many_figures(n: int) -> list[dict[str, Any]]:
    """``n`` figure rows cycling through the arithmetic cases, for scale and timing."""
    out = []
    for i in range(n):
        base = FIGURES[i % len(FIGURES)]
        row = dict(base)
        row["item"] = f"{base['item']} {i + 1}"
        out.append(row)
    return out


def rewrite_cached_value(path: Path, sheet_index: int, ref: str, value: str) -> None:
    """Change the cached value of one formula cell inside the .xlsx, leaving its formula.

    This is what a tool that edits the XML (or a buggy writer) would do; openpyxl cannot,
    because it drops every cached value on save. ``sheet_index`` is 1-based in sheet order.
    """
    import re
    import zipfile

    part = f"xl/worksheets/sheet{sheet_index}.xml"
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    xml = parts[part].decode("utf-8")
    pattern = re.compile(rf'(<c r="{ref}"[^>]*>(?:<f>[^<]*</f>)<v>)([^<]*)(</v>)')
    xml, count = pattern.subn(lambda m: m.group(1) + value + m.group(3), xml)
    assert count == 1, f"no cached formula value at {ref} in {part}"
    parts[part] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
