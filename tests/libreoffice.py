"""Recalculate a workbook with LibreOffice, to prove that cached formula values are right.

A test helper, not a test file. LibreOffice keeps the cached values of an .xlsx it did not
write unless its profile says "always recalculate", so each run gets a fresh profile with
``OOXMLRecalcMode`` (and ``ODFRecalcMode``) set to 0; a fresh profile also keeps runs from
sharing a lock with a LibreOffice the developer has open.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

TIMEOUT_SECONDS = 120

_ALWAYS_RECALCULATE = """\
<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
           xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def find_soffice() -> str | None:
    """The LibreOffice executable on PATH, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def require_soffice() -> str:
    """The LibreOffice executable; skip the test without one, but fail on CI.

    On a developer's laptop a missing LibreOffice should not block the other tests; on CI
    (``CI=true``) a skip would silently drop the proof that our cached values are right.
    """
    soffice = find_soffice()
    if soffice is None:
        message = "LibreOffice (soffice) が見つかりません。数式の再計算テストには LibreOffice が必要です。"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return soffice


def make_profile(directory: Path) -> Path:
    """Create a LibreOffice user profile that recalculates every file on load."""
    user = directory / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(_ALWAYS_RECALCULATE, encoding="utf-8")
    return directory


def recalculate(workbook: Path, workdir: Path, *, timeout: float = TIMEOUT_SECONDS) -> Path:
    """Open ``workbook`` in headless LibreOffice, recalculate, save as .xlsx; return the copy.

    The copy goes to ``workdir/recalculated/<name>``; the input is left untouched.
    """
    return convert(workbook, workdir, "xlsx", outdir=workdir / "recalculated", timeout=timeout)


def convert(
    workbook: Path, workdir: Path, fmt: str, *, outdir: Path | None = None, timeout: float = TIMEOUT_SECONDS
) -> Path:
    """Open ``workbook`` in headless LibreOffice (recalculating) and save it as ``fmt``.

    On a timeout the whole LibreOffice process group is killed, so no soffice.bin lingers.
    """
    soffice = require_soffice()
    profile = make_profile(workdir / "lo-profile")
    outdir = outdir or workdir / fmt
    outdir.mkdir(parents=True, exist_ok=True)
    command = [
        soffice,
        f"-env:UserInstallation={profile.resolve().as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        fmt,
        "--outdir",
        str(outdir),
        str(workbook),
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise RuntimeError(f"LibreOffice did not finish within {timeout} s: {workbook}") from None
    result = outdir / f"{workbook.stem}.{fmt}"
    if process.returncode != 0 or not result.exists():
        raise RuntimeError(
            f"LibreOffice could not convert {workbook} (exit {process.returncode}):\n"
            f"{stdout}\n{stderr}"
        )
    return result


def to_pdf(workbooks: list[Path], workdir: Path, *, timeout: float = TIMEOUT_SECONDS) -> list[Path]:
    """Print ``workbooks`` to PDF with headless LibreOffice (as a user would print them)."""
    soffice = require_soffice()
    profile = make_profile(workdir / "lo-profile")
    outdir = workdir / "pdf"
    outdir.mkdir(parents=True, exist_ok=True)
    command = [soffice, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
               "--convert-to", "pdf", "--outdir", str(outdir), *map(str, workbooks)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise RuntimeError(f"LibreOffice did not finish within {timeout} s") from None
    results = [outdir / (w.stem + ".pdf") for w in workbooks]
    if process.returncode != 0 or not all(r.exists() for r in results):
        raise RuntimeError(f"LibreOffice could not print (exit {process.returncode}):\n{stdout}\n{stderr}")
    return results


def pdf_pages(pdf: Path) -> list[str]:
    """The text of each page (poppler's pdftotext, layout kept)."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]+)</word>')
_KANJI = re.compile(r"[\u4e00-\u9fff]{2,}")


def smallest_text_pt(pdf: Path, pages: tuple[int, int] | None = None) -> float:
    """The smallest printed size of the text in ``pdf``, in points.

    A kanji is one em wide in every Japanese font, so the width of a word of kanji divided
    by its length is the size the text was printed at (scaling to fit included). ``pages``:
    the first and last page (1-based) to look at.
    """
    first_last = ["-f", str(pages[0]), "-l", str(pages[1])] if pages else []
    xml = subprocess.run(["pdftotext", "-bbox", *first_last, str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    sizes = [(float(x1) - float(x0)) / len(word) for x0, x1, word in _WORD.findall(xml) if _KANJI.fullmatch(word)]
    assert sizes, f"no kanji words found in {pdf}"
    return min(sizes)


# LibreOffice stores formula results to 15 significant digits: compare floats within this.
TOLERANCE = 1e-9


def same(expected: object, actual: object) -> bool:
    """A cached value equals a recalculated one: floats within TOLERANCE, text exactly; a
    number never equals a text."""
    if isinstance(expected, str) or isinstance(actual, str):
        return expected == actual
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return math.isclose(expected, actual, rel_tol=TOLERANCE, abs_tol=TOLERANCE)
    return False
