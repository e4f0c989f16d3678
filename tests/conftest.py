"""Shared fixtures: real workbooks built by the project's own template generator."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings
from paths import IN_CI, REAL_XLSX, corpus_problem, corpus_required

from kpitool.config import Config, Department
from kpitool.template import FilledData, write_template

ROSTER = ("総務部", "財政部", "企画政策部")

# CI must be repeatable: the same examples every run, so a green main stays green. Developers
# get fresh random examples (and the database of past failures) to keep finding new bugs.
settings.register_profile("ci", derandomize=True, database=None, deadline=None)
settings.register_profile("dev", deadline=None)
settings.register_profile("fuzz", deadline=None, max_examples=5000)  # --hypothesis-profile=fuzz
settings.load_profile("ci" if IN_CI else "dev")


__all__ = ["IN_CI", "REAL_XLSX", "ROSTER"]


def pytest_sessionstart(session: pytest.Session) -> None:
    """Under CI a missing corpus fails the run loudly instead of skipping its tests."""
    problem = corpus_problem()
    if problem and corpus_required():
        raise pytest.UsageError(f"{problem} (required under CI=true; see tests/paths.py)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow end-to-end tests carry the ``slow`` marker (``pytest -m "not slow"`` while iterating;
    ``make test`` runs them all): LibreOffice round trips, and the hostile inbox run."""
    for item in items:
        hostile_run = item.module is not None and item.module.__name__ == "test_hostile" and (
            "run" in getattr(item, "fixturenames", ())
        )
        if hostile_run or item.get_closest_marker("libreoffice"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def config() -> Config:
    return Config(municipality="菊川市", departments=tuple(Department(n) for n in ROSTER))


@pytest.fixture
def template_path(tmp_path: Path) -> Path:
    return write_template(tmp_path / "template.xlsx", roster=ROSTER)


def sample_data() -> FilledData:
    """A small, clean filled template as a department would send it."""
    import datetime as dt

    return FilledData(
        basic={"municipality": "菊川市", "department": "総務部", "head": "菊川 太郎",
               "contact_person": "企画政策課 山田 花子", "contact": "内線 1234", "created": dt.date(2024, 4, 1)},
        kpis=[
            {"no": "1", "policy": "業務改善の推進", "indicator": "業務改善提出件数", "unit": "件",
             "direction": "↑", "target": 500, "prev": 498, "curr": 515, "grade": "A", "note": ""},
            {"no": "2", "policy": "広報", "indicator": "認知度", "unit": "%", "direction": "↑",
             "target": 39, "prev": "-", "curr": 34, "grade": "C", "note": "見込み"},
        ],
        survey=[
            {"no": "1", "viewpoint": "視点1 効果的・効率的な行政運営の推進", "initiative": "業務改善",
             "content": "業務の効率化を意識し、改善・見直しを実施します。", "plan": "行政経営推進方針", "prev": "提出件数498件", "curr": "提出件数515件"},
        ],
        figures=[
            {"initiative_no": "1", "item": "提出件数", "unit": "件", "direction": "↑", "prev": 498, "curr": "515件", "note": ""},
            {"initiative_no": "1", "item": "事務時間削減", "unit": "時間", "direction": "↑", "prev": "2,459.3", "curr": 4618, "note": ""},
            {"initiative_no": "1", "item": "経費削減", "unit": "円", "direction": "↑", "prev": "８，７８２，５４６", "curr": 11752258, "note": ""},
        ],
    )


@pytest.fixture
def filled_path(tmp_path: Path) -> Path:
    return write_template(tmp_path / "filled.xlsx", roster=ROSTER, data=sample_data())
