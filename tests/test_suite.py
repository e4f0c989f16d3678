"""The test suite itself: it cannot shrink silently (issue 10).

A moved checkout without the real-workbook corpus, or a kpitool module that fails to import,
must fail the run, not turn tests into skips.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from paths import CORPUS_ENV, REAL_XLSX, ROOT, corpus_dir

TESTS = ROOT / "tests"


def test_no_test_skips_when_kpitool_fails_to_import() -> None:
    """An ImportError in kpitool's own code is a failure: no importorskip or guarded import of it."""
    pattern = re.compile(r"importorskip\(\s*[\"']kpitool|find_spec\(\s*[\"']kpitool|except\s+(ImportError|ModuleNotFoundError)")
    offenders = [
        f"{path.name}:{n}" for path in sorted(TESTS.glob("*.py")) if path.name != "test_suite.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)
    ]
    assert offenders == []


def test_corpus_is_beside_the_repository_or_named_by_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                                     tmp_path: Path) -> None:
    monkeypatch.delenv(CORPUS_ENV, raising=False)
    assert corpus_dir() == ROOT.parent / "shared" / "real_xlsx"
    monkeypatch.setenv(CORPUS_ENV, str(tmp_path))
    assert corpus_dir() == tmp_path.resolve()


def _copy_checkout(target: Path) -> Path:
    """The repository's code and tests, as if the checkout had been moved to ``target``."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
    for name in ("kpitool", "tests", "workbook_templates"):
        shutil.copytree(ROOT / name, target / name, ignore=ignore)
    shutil.copy2(ROOT / "pyproject.toml", target / "pyproject.toml")
    return target


@pytest.mark.slow
def test_a_moved_checkout_without_the_corpus_fails_under_ci(tmp_path: Path) -> None:
    checkout = _copy_checkout(tmp_path / "elsewhere" / "kpitool")
    assert not (checkout.parent.parent / "shared").exists()
    env = {k: v for k, v in os.environ.items() if k not in (CORPUS_ENV, "CI")}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_roster.py"]

    in_ci = subprocess.run(command, cwd=checkout, env={**env, "CI": "true"}, capture_output=True, text=True,
                           timeout=600)
    assert in_ci.returncode != 0
    assert "real-workbook corpus is missing" in in_ci.stdout + in_ci.stderr

    on_a_laptop = subprocess.run(command, cwd=checkout, env=env, capture_output=True, text=True, timeout=600)
    assert on_a_laptop.returncode == 0, on_a_laptop.stdout[-2000:]

    named = subprocess.run(command, cwd=checkout, env={**env, CORPUS_ENV: str(REAL_XLSX)},
                           capture_output=True, text=True, timeout=600)
    assert named.returncode == 0, named.stdout[-2000:]
