"""Department templates prefilled from an imported 実績調査, every imported value marked 【要確認】.

One template per 視点 (the published table has no department column; a 視点 is what one
department answers for). 実績調査 gets the published texts, 実績数値 one row per paired figure;
both carry :data:`~kpitool.narrative.consistency.UNCONFIRMED`, which validation reports
(E-NARR-001) until the department has checked the value and removed the marker. 方向 stays empty:
whether more is better is the department's call, not the text's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kpitool.narrative.consistency import UNCONFIRMED
from kpitool.narrative.pairing import Pair
from kpitool.spec import template_spec
from kpitool.template import FilledData, write_template

__all__ = ["unique_items", "write_prefilled_templates"]

_UNSAFE_NAME = re.compile(r"[\\/:*?\"<>|\s]+")


def unique_items(pairs: Sequence[Pair]) -> list[str]:
    """Each pair's 項目, made unique within the 取り組み (実績数値 allows a 項目 once):
    the unit in brackets for 経費削減 in 件 and in 円, then a running number."""
    count: dict[str, int] = {}
    for pair in pairs:
        count[pair.item] = count.get(pair.item, 0) + 1
    items = [f"{p.item}（{p.unit}）" if count[p.item] > 1 else p.item for p in pairs]
    seen: dict[str, int] = {}
    out: list[str] = []
    for item in items:
        seen[item] = seen.get(item, 0) + 1
        out.append(item if seen[item] == 1 else f"{item} {seen[item]}")
    return out


def _value(value: float | None) -> Any:
    if value is None:
        return ""
    return int(value) if float(value).is_integer() else value


def _note(marker: str) -> str:
    """Short enough to print on one line; the sentences quoted are in 実績数値候補.csv."""
    return f"{marker}文章から取り込み"


def write_prefilled_templates(
    out_dir: Path,
    years: tuple[int, int],
    initiatives: Sequence[Any],
    *,
    municipality: str = "",
    roster: Sequence[str] = (),
    grades: Sequence[str] = ("A", "B", "C"),
) -> list[Path]:
    """Write the templates (one per 視点) and return their paths."""
    keys = {c.key for c in template_spec(tuple(years)).sheet("survey").columns}
    groups: dict[str, list[Any]] = {}
    for initiative in initiatives:
        groups.setdefault(initiative.viewpoint, []).append(initiative)
    paths: list[Path] = []
    for n, (viewpoint, members) in enumerate(groups.items(), start=1):
        survey: list[dict[str, Any]] = []
        figures: list[dict[str, Any]] = []
        for initiative in members:
            row: dict[str, Any] = {"no": str(initiative.number), "viewpoint": viewpoint, "plan": initiative.plan,
                                   "prev": f"{UNCONFIRMED}{initiative.prev}" if initiative.prev else "",
                                   "curr": f"{UNCONFIRMED}{initiative.curr}" if initiative.curr else ""}
            if "content" in keys:  # the v2 template has 取り組み名 and 内容 apart
                row["initiative"], row["content"] = initiative.title, initiative.content
            else:
                row["initiative"] = "\n".join(t for t in (initiative.title, initiative.content) if t)
            survey.append(row)
            for item, pair in zip(unique_items(initiative.pairs), initiative.pairs, strict=True):
                figures.append({
                    "initiative_no": str(initiative.number), "item": item, "unit": pair.unit, "direction": "",
                    "prev": _value(pair.prev.value if pair.prev else None),
                    "curr": _value(pair.curr.value if pair.curr else None),
                    "note": _note(UNCONFIRMED),
                })
        name = _UNSAFE_NAME.sub("_", viewpoint).strip("_")[:40] or "視点なし"
        data = FilledData(basic={"municipality": municipality} if municipality else {},
                          survey=survey, figures=figures)
        paths.append(write_template(out_dir / f"実績調査_{n:02d}_{name}.xlsx", roster=roster,
                                    fiscal_years=years, grades=grades, data=data))
    return paths
