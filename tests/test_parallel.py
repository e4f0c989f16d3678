"""kpitool.parallel: the pool threshold follows how worker processes start (issue 17)."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from kpitool.parallel import PARALLEL_THRESHOLD, SPAWN_PARALLEL_THRESHOLD, worker_count


@pytest.mark.parametrize(("method", "threshold"), [("fork", PARALLEL_THRESHOLD), ("spawn", SPAWN_PARALLEL_THRESHOLD)])
def test_pool_only_above_the_threshold_of_the_start_method(
    monkeypatch: pytest.MonkeyPatch, method: str, threshold: int
) -> None:
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"{method} is not available here")
    context = multiprocessing.get_context(method)
    monkeypatch.setattr(multiprocessing, "get_context", lambda *_: context)  # parallel imports it when needed
    assert worker_count(threshold, None) == 1
    assert worker_count(threshold + 1, None) == (os.cpu_count() or 1)
    assert worker_count(threshold + 1, 1) == 1


def test_spawn_waits_for_more_files_than_fork() -> None:
    assert SPAWN_PARALLEL_THRESHOLD > PARALLEL_THRESHOLD
