"""Start-up stays light (issue 6): a click in Excel and ``kpitool --help`` start a fresh Python,
so the shells import no heavy library until a command needs it.

Each check runs ``python -X importtime`` in a fresh process and reads the modules it imported.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

HEAVY = ("pandas", "xlsxwriter", "openpyxl", "numpy")


def imported_modules(*args: str) -> set[str]:
    """Every module a fresh ``python -X importtime ARGS`` imported (names as Python lists them)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    modules = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            name = line.rsplit("|", 1)[1].strip()
            if name != "package":  # the header line
                modules.add(name)
    return modules


def heavy_in(modules: set[str]) -> list[str]:
    return sorted({m.split(".")[0] for m in modules} & set(HEAVY))


def test_the_check_sees_a_heavy_import() -> None:
    """The parser of -X importtime output does find a heavy library when one is imported."""
    assert heavy_in(imported_modules("-c", "import xlsxwriter")) == ["xlsxwriter"]


@pytest.mark.parametrize("module", ["kpitool.cli", "kpitool.xl", "kpitool.validate"])
def test_import_is_light(module: str) -> None:
    modules = imported_modules("-c", f"import {module}")
    assert module in modules
    assert heavy_in(modules) == []


def test_help_is_light() -> None:
    modules = imported_modules("-m", "kpitool", "--help")
    assert "kpitool.cli" in modules
    assert heavy_in(modules) == []


# Modules a whole 集約 of the demo inbox imports (kpitool, the standard library, python-calamine,
# XlsxWriter, filelock): 308 when the first budget was set (issue 17), 282 since the worker pool's
# modules (multiprocessing, concurrent.futures) are imported only when a pool starts; 65 for
# `python -c pass`. A 検証 of the demo inbox: 219, then 181.
CONSOLIDATE_MODULE_BUDGET = 290
VALIDATE_MODULE_BUDGET = 190


def _run_modules(tmp_path_factory: pytest.TempPathFactory, *command: str) -> set[str]:
    """The modules a fresh ``python -X importtime -m kpitool COMMAND`` imported on the demo."""
    from kpitool.demo import prepare

    root = tmp_path_factory.mktemp("startup")
    prepare(root)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "kpitool", *command],
        capture_output=True, text=True, timeout=300, cwd=root,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]  # 1: the demo has a 要修正 department
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    return {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines()
            if line.startswith("import time:") and line.count("|") == 2} - {"package"}


def test_consolidate_never_imports_pandas(tmp_path_factory: pytest.TempPathFactory) -> None:
    """集約 from the CLI writes the master and CSVs without pandas or numpy (the API's
    DataFrames are built only when asked for): pandas took longer to import than the run."""
    modules = _run_modules(tmp_path_factory, "consolidate", "inbox", "-o", "out/master.xlsx")
    assert "kpitool.master.writer" in modules and "kpitool.consolidate" in modules
    assert heavy_in(modules) == ["xlsxwriter"]
    assert len(modules) <= CONSOLIDATE_MODULE_BUDGET, len(modules)


def test_validate_imports_nothing_heavy(tmp_path_factory: pytest.TempPathFactory) -> None:
    modules = _run_modules(tmp_path_factory, "validate", "inbox")
    assert "kpitool.validate" in modules
    assert heavy_in(modules) == []
    assert len(modules) <= VALIDATE_MODULE_BUDGET, len(modules)


def test_a_small_inbox_starts_no_pool(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The demo's 7 files are validated in this process (kpitool.parallel's threshold), so the
    pool's 38 modules (multiprocessing, concurrent.futures and what they import) are never imported."""
    modules = _run_modules(tmp_path_factory, "validate", "inbox")
    assert "kpitool.parallel" in modules
    assert not {m for m in modules if m.split(".")[0] in ("multiprocessing", "concurrent")}


EXIT_SCRIPT = """
import atexit, sys, threading
from kpitool.cli import exit_now
atexit.register(lambda: print("exit handler ran", flush=True))
if sys.argv[1] == "thread":
    threading.Thread(target=lambda: (__import__("time").sleep(0.2), print("thread finished"))).start()
print("output before exit", end="")
sys.stderr.write("unflushed error text")
exit_now(int(sys.argv[2]))
print("never printed")
"""


@pytest.mark.parametrize("mode", ["alone", "thread"])
def test_exit_now_keeps_exit_code_output_and_exit_handlers(mode: str) -> None:
    """kpitool.cli.exit_now skips the interpreter's teardown (issue 17) but not what a user or a
    caller sees: the exit code, buffered output, the exit handlers; a running thread is waited for."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # stdout buffered, as in use
    done = subprocess.run([sys.executable, "-c", EXIT_SCRIPT, mode, "3"], capture_output=True, text=True,
                          timeout=60, env=env)
    assert done.returncode == 3
    assert done.stdout.startswith("output before exit")
    assert "exit handler ran" in done.stdout and "never printed" not in done.stdout
    assert done.stderr == "unflushed error text"
    assert ("thread finished" in done.stdout) == (mode == "thread")
