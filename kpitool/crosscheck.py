"""Checks across departments: one indicator, one value per year.

Two departments often report the same city-wide figure (経常収支比率, 人口, ふるさと納税件数).
When both give it under the same 指標名 (after normalisation) and unit for the same year but
with different values, at most one is right and the published report would contradict itself:
a 警告 in 検証結果 that names both cells. Only values that were read as numbers are compared;
markers and blanks say nothing about the other department's figure.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kpitool import codes
from kpitool.codes import CATALOGUE
from kpitool.findings import Finding
from kpitool.numbers import format_number, unit_key

_YEAR_KEYS = ("prev", "curr")


def indicator_key(name: Any, unit: Any) -> tuple[str, str] | None:
    """指標名 and 単位 as compared: NFKC, no spaces, case-folded; None when the name is blank."""
    if not isinstance(name, str) or not name.strip():
        return None
    text = "".join(unicodedata.normalize("NFKC", name).split()).casefold()
    return text, unit_key(unit if isinstance(unit, str) else None) or ""


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _split_source(source: str) -> tuple[str, str, str]:
    parts = source.rsplit("!", 2)
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 else (source, "", "")


def conflicting_kpis(rows: Iterable[Mapping[str, Any]], year_labels: Sequence[str]) -> list[Finding]:
    """W-CONS-004 for each KPI whose value differs from the first department's for the same year.

    ``rows`` are KPI rows as dicts (kpitool.model.KPI_COLUMNS); ``year_labels`` name the
    前年度 and 当年度 columns as the template shows them (令和4年度実績, 令和5年度実績).
    """
    first: dict[tuple[tuple[str, str], str], Mapping[str, Any]] = {}
    findings: list[Finding] = []
    for row in rows:
        key = indicator_key(row.get("indicator"), row.get("unit"))
        if key is None:
            continue
        for year, label in zip(_YEAR_KEYS, year_labels, strict=True):
            value = _number(row.get(year))
            if value is None:
                continue
            seen = first.get((key, year))
            if seen is None:
                first[(key, year)] = row
                continue
            if seen.get("department") == row.get("department"):
                continue
            other = _number(seen.get(year))
            assert other is not None
            if math.isclose(value, other, rel_tol=1e-9, abs_tol=1e-9):
                continue
            file, sheet, cell = _split_source(str(row.get(f"source_{year}") or ""))
            findings.append(CATALOGUE.make(
                codes.CONS_SAME_INDICATOR, file=file, sheet=sheet, cell=cell, label=label,
                value=format_number(value), indicator=str(row.get("indicator")).strip(),
                unit=str(row.get("unit") or "単位なし"), year=label,
                here=f"{row.get('department')}（{row.get(f'source_{year}')}）",
                there=f"{seen.get('department')}（{seen.get(f'source_{year}')}）",
                other=format_number(other),
            ))
    return findings
