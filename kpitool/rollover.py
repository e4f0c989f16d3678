"""``kpitool rollover``: next year's department templates, prefilled from this year's master.

Every year the departments report the same indicators again. Retyping 番号, 施策, 指標, 単位,
方向, 目標値 and last year's actual is the error-prone step this tool exists to remove, so the
new template carries them from the master the planning office consolidated: this year's
当年度実績 becomes next year's 前年度実績, and the 実績調査 and 実績数値 rows come back with the
new year's column empty. 番号 is the key across years (DESIGN.md); a 組織改編 maps old
department names to new ones through ``[rollover] renamed`` in kpitool.toml, and the rows keep
their 番号. Carried cells are shown in a distinct fill; departments may edit them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpitool.config import Config
from kpitool.errors import ROLLOVER_UNMATCHED, InputError
from kpitool.history import MasterData, read_master
from kpitool.master.layout import FIGURES, KPIS, SUBMISSIONS, SURVEY
from kpitool.spec import fiscal_year_label, template_spec
from kpitool.structure import HEADING_SEPARATOR
from kpitool.template import FilledData, write_template

# Columns carried as they are (when both the master and the new template have them).
_KPI_CARRIED = ("no", "policy", "indicator", "unit", "direction", "target", "base", "base_year",
                "target_year", "qualitative")
_SURVEY_CARRIED = ("no", "viewpoint", "initiative", "content", "plan")
_FIGURE_CARRIED = ("initiative_no", "item", "unit", "direction")
_BASIC_CARRIED = ("head", "contact_person", "contact")
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


@dataclass
class RolloverResult:
    """What ``rollover`` wrote: one file per roster department, and what it could not map."""

    fiscal_years: tuple[int, int]
    files: dict[str, Path] = field(default_factory=dict)  # department -> template
    carried_rows: dict[str, int] = field(default_factory=dict)  # department -> rows carried
    blank: list[str] = field(default_factory=list)  # roster departments with nothing to carry
    unmatched: list[str] = field(default_factory=list)  # master departments not in the new roster

    def summary_lines(self) -> list[str]:
        y0, y1 = (fiscal_year_label(y) for y in self.fiscal_years)
        lines = [f"{y0}・{y1}の提出様式を {len(self.files)} 部局分作成しました。"]
        for department, path in self.files.items():
            n = self.carried_rows.get(department, 0)
            state = f"前年度から {n} 行を転記" if n else "転記する行なし（白紙の様式）"
            lines.append(f"  {department}: {path.name}（{state}）")
        if self.unmatched:
            lines.append(
                f"{ROLLOVER_UNMATCHED} 集約ファイルにあるが新しい名簿にない部局: " + "、".join(self.unmatched)
                + "（組織改編の場合は kpitool.toml の [rollover] renamed に 旧名 = 新名 を書いてください）"
            )
        return lines


def template_name(department: str, fiscal_years: tuple[int, int]) -> str:
    """``kpi_template_2023_2024_総務部.xlsx``: safe on Windows, sorted by year then name."""
    safe = _UNSAFE.sub("_", department).strip(" .") or "部局"
    return f"kpi_template_{fiscal_years[0]}_{fiscal_years[1]}_{safe}.xlsx"


def _value(row: Mapping[str, Any], key: str) -> Any:
    """A master cell as a department would type it: the number, else the text written."""
    value = row.get(key)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def _carry(row: Mapping[str, Any], keys: tuple[str, ...], allowed: set[str]) -> dict[str, Any]:
    return {k: _value(row, k) for k in keys if k in allowed and row.get(k) not in (None, "")}


def _department_map(master: MasterData, config: Config) -> tuple[dict[str, str], list[str]]:
    """Old department name -> roster name (same name, or renamed); and the unmatched ones."""
    renamed = dict(config.renamed)
    roster = set(config.roster)
    mapping, unmatched = {}, []
    for old in master.departments:
        new = renamed.get(old, old)
        if new in roster:
            mapping[old] = new
        else:
            unmatched.append(old)
    return mapping, unmatched


def filled_data(master: MasterData, config: Config, department: str, old_names: list[str]) -> FilledData:
    """The prefilled rows of one department, from the master rows of its old name(s)."""
    spec = template_spec(config.fiscal_years)
    keys = {s.key: {c.key for c in s.columns} for s in spec.sheets}
    carried: set[tuple[str, int, str]] = set()

    def rows(sheet: str, spec_key: str, carry: tuple[str, ...], prev_from: str) -> list[dict[str, Any]]:
        out = []
        for old in old_names:
            for row in master.rows(sheet, old):
                values = _carry(row, carry, keys[spec_key])
                prev = _value(row, prev_from)
                if prev not in (None, "") and "prev" in keys[spec_key]:
                    values["prev"] = prev
                carried.update((spec_key, len(out), k) for k in values)
                out.append(values)
        return out

    kpis = rows(KPIS, "kpis", _KPI_CARRIED, "curr")
    survey = rows(SURVEY, "survey", _SURVEY_CARRIED, "curr")
    for values, row in zip(survey, (r for old in old_names for r in master.rows(SURVEY, old)), strict=True):
        heading = _value(row, "heading")
        if heading and values.get("viewpoint"):  # back to the dropdown's 「視点 ／ 中見出し」
            values["viewpoint"] = f"{values['viewpoint']}{HEADING_SEPARATOR}{heading}"
    figures = rows(FIGURES, "figures", _FIGURE_CARRIED, "curr")
    basic: dict[str, Any] = {"municipality": config.municipality, "department": department}
    for old in old_names:
        for row in master.rows(SUBMISSIONS, old):
            for key in _BASIC_CARRIED:
                if row.get(key) and key not in basic and key in keys["basic"]:
                    basic[key] = row[key]
    return FilledData(basic=basic, kpis=kpis, survey=survey, figures=figures, carried=frozenset(carried))


def rollover(master_path: Path | str, config: Config, out_dir: Path | str) -> RolloverResult:
    """Write one prefilled template per roster department for ``config.fiscal_years``."""
    master = read_master(master_path)
    expected = (master.fiscal_years[1], master.fiscal_years[1] + 1)
    if tuple(config.fiscal_years) != expected:
        y0, y1 = (fiscal_year_label(y) for y in master.fiscal_years)
        raise InputError(
            f"{Path(master_path).name} は {y0}・{y1} の集約ファイルです。翌年度の様式を作るには、"
            f"kpitool.toml の fiscal_years を [{expected[0]}, {expected[1]}] にしてから実行してください"
            f"（現在の設定: {list(config.fiscal_years)}）。"
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    mapping, unmatched = _department_map(master, config)
    result = RolloverResult(fiscal_years=tuple(config.fiscal_years), unmatched=unmatched)
    for department in config.roster:
        old_names = [old for old, new in mapping.items() if new == department]
        data = filled_data(master, config, department, old_names)
        n = len(data.kpis) + len(data.survey) + len(data.figures)
        path = out / template_name(department, config.fiscal_years)
        write_template(path, roster=config.roster, fiscal_years=config.fiscal_years,
                       grades=config.grades, data=data, municipality=config.municipality,
                       survey=config.survey, settings=config.template)
        result.files[department] = path
        result.carried_rows[department] = n
        if not n:
            result.blank.append(department)
    return result
