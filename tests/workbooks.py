"""Build filled templates that break one rule each, and validate them.

A test helper, not a test file. Workbooks come from the project's own template generator with
:func:`conftest.sample_data` (a clean file) changed in the few cells a test is about, so each
test states only what it breaks. What a generator cannot write as a user would (cached formula
errors, formulas with or without cached values) is patched into the sheet XML directly.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from conftest import ROSTER, sample_data

from kpitool.config import Config, Department, Grades
from kpitool.package import inspect_package
from kpitool.template import FilledData, write_template
from kpitool.validate import validate_file

Rows = Mapping[int, Mapping[str, Any]] | Sequence[Mapping[str, Any]]


def _rows(base: Sequence[Mapping[str, Any]], change: Rows | None) -> list[dict[str, Any]]:
    if change is None:
        return [dict(r) for r in base]
    if isinstance(change, Mapping):
        rows = [dict(r) for r in base]
        for index, fields in change.items():
            if index >= len(rows):
                rows.append({})
            rows[index].update(fields)
        return rows
    return [dict(r) for r in change]


def filled(
    directory: Path,
    name: str = "filled.xlsx",
    *,
    basic: Mapping[str, Any] | None = None,
    kpis: Rows | None = None,
    survey: Rows | None = None,
    figures: Rows | None = None,
    fiscal_years: tuple[int, int] = (2022, 2023),
    roster: Sequence[str] = ROSTER,
) -> Path:
    """sample_data() with changes: ``basic`` updates fields; the tables map a row index to the
    fields to change (an index past the end appends a row), or replace all rows (a list)."""
    base = sample_data()
    data = FilledData(
        basic={**base.basic, **(basic or {})},
        kpis=_rows(base.kpis, kpis),
        survey=_rows(base.survey, survey),
        figures=_rows(base.figures, figures),
    )
    return write_template(directory / name, roster=roster, fiscal_years=fiscal_years, data=data)


def make_config(
    *,
    municipality: str = "菊川市",
    roster: Sequence[str] = ROSTER,
    fiscal_years: tuple[int, int] = (2022, 2023),
    grades: Grades | None = None,
    year_jump_ratio: float = 500.0,
) -> Config:
    return Config(
        municipality=municipality,
        departments=tuple(Department(n) for n in roster),
        fiscal_years=fiscal_years,
        grades=grades or Grades(),
        year_jump_ratio=year_jump_ratio,
    )


# The rule tests change figures without rewriting the sample's 実績 text (「提出件数498件」); whether
# text and figures agree (W-NARR-001, I-NARR-001) is tested on its own in test_narrative_consistency.
NARRATIVE_CODES = ("W-NARR-", "I-NARR-")


def rows(path: Path, config: Config | None = None) -> list[tuple[str, str, str]]:
    """The compact ``(sheet, cell, code)`` rows of a file's findings (text/figure agreement aside)."""
    return [f.compact() for f in findings(path, config)]


def findings(path: Path, config: Config | None = None):
    """A file's findings, but for the text/figure agreement (NARRATIVE_CODES)."""
    report = validate_file(path, config or make_config()).report
    return [f for f in report.findings if not f.code.startswith(NARRATIVE_CODES)]


def patch_cell(path: Path, sheet: str, ref: str, inner: str, *, cell_type: str | None = None) -> Path:
    """Replace the cell ``ref`` of ``sheet`` with ``<c r=ref s=… t=cell_type>inner</c>``.

    For what Excel writes but a generator cannot: ``<f>1/0</f><v>#DIV/0!</v>`` with type "e",
    a formula without ``<v>`` (never calculated), or a formula with its cached value.
    """
    data = path.read_bytes()
    part = {name: part for name, _state, part in inspect_package(path, data=data).sheets}[sheet]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            content = zin.read(info)
            if info.filename == part:
                xml = content.decode("utf-8")
                pattern = re.compile(rf'<c r="{ref}"(?P<attrs>[^>]*?)(?:/>|>.*?</c>)', re.S)
                match = pattern.search(xml)
                if match is None:
                    raise ValueError(f"{sheet}!{ref} not in {part}")
                style = re.search(r'\bs="(\d+)"', match["attrs"])
                attrs = f' s="{style[1]}"' if style else ""
                attrs += f' t="{cell_type}"' if cell_type else ""
                xml = xml[: match.start()] + f'<c r="{ref}"{attrs}>{inner}</c>' + xml[match.end() :]
                content = xml.encode("utf-8")
            zout.writestr(info, content)
    path.write_bytes(out.getvalue())
    return path


def demo_master(root: Path) -> Path:
    """The demo's master (菊川市's six departments) under ``root``, written as ``kpitool demo`` does."""
    from kpitool.consolidate import consolidate
    from kpitool.demo import prepare
    from kpitool.master.writer import write_master

    config, inbox = prepare(root)
    return write_master(consolidate(inbox, config), root / "master.xlsx").master
