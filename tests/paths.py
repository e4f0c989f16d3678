"""Where the tests find things outside the repository, found the same way by every test.

The real-workbook corpus (``real_xlsx``: government workbooks, see its SOURCES.md) is not in
the repository. It is ``$KPITOOL_CORPUS`` when set, else ``../shared/real_xlsx`` beside the
repository root. Without it the corpus tests skip on a developer's machine, but under
``CI=true`` (or with ``KPITOOL_CORPUS`` pointing nowhere) the whole run fails at its start
(``conftest.pytest_sessionstart``): a moved checkout must not turn 200 tests into quiet skips.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the repository root
IN_CI = os.environ.get("CI", "").lower() == "true"
CORPUS_ENV = "KPITOOL_CORPUS"


def corpus_dir() -> Path:
    """``$KPITOOL_CORPUS``, else ``<root>/../shared/real_xlsx``."""
    configured = os.environ.get(CORPUS_ENV, "").strip()
    return Path(configured).expanduser().resolve() if configured else ROOT.parent / "shared" / "real_xlsx"


REAL_XLSX = corpus_dir()


def corpus_problem() -> str | None:
    """Why the corpus is unusable here (None when it is there), in words for the failure."""
    if REAL_XLSX.is_dir() and any(REAL_XLSX.rglob("*.xls*")):
        return None
    where = f"{CORPUS_ENV}={os.environ[CORPUS_ENV]}" if os.environ.get(CORPUS_ENV, "").strip() else (
        f"{REAL_XLSX} (../shared/real_xlsx beside the repository; set {CORPUS_ENV} to its folder)"
    )
    return f"the real-workbook corpus is missing or empty: {where}"


def corpus_required() -> bool:
    """A missing corpus fails the run under CI, or when KPITOOL_CORPUS names it explicitly."""
    return IN_CI or bool(os.environ.get(CORPUS_ENV, "").strip())
