"""The golden master: a committed master built from fixed cases, compared part by part.

As XlsxWriter tests itself (``test/comparison/``): the .xlsx is a zip of XML parts; each part
of a freshly written master is compared with the committed one after removing what may
change without anyone meaning it — the document properties (``docProps/``), the tool version
and the data digest in 監査ログ. Everything else (cell values, formulas and their cached
values, number formats, styles, column widths, print setup, protection, defined names,
charts) must be byte-equal, so an unintended change anywhere in the master fails a test.

A helper, not a test file: ``tests/make_golden.py`` regenerates the committed file,
``tests/test_golden_master.py`` compares.
"""

from __future__ import annotations

import difflib
import re
import zipfile
from pathlib import Path

from kpitool.master.log import KEY_DIGEST, KEY_INBOX, KEY_VERSION

GOLDEN = Path(__file__).resolve().parent / "golden" / "master.xlsx"
REGENERATE = ".venv/bin/python tests/make_golden.py"
IGNORED_PREFIXES = ("docProps/",)
MASK = "«masked»"
# 監査ログ rows whose value changes without a change to the master: the tool's version, the
# inbox's absolute path and the data digest (which the golden comparison covers cell by cell).
VOLATILE_LABELS = (KEY_VERSION, KEY_INBOX, KEY_DIGEST)


def build(folder: Path) -> Path:
    """Write the master of the fixed cases (run time pinned) into ``folder``; return its path.

    The inbox is ``folder/inbox`` and the master ``folder/master.xlsx``, so the relative
    出典 links are the same wherever the folder is.
    """
    from master_cases import make_consolidation

    from kpitool.master.writer import write_master

    inbox = folder / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    return write_master(make_consolidation(inbox), folder / "master.xlsx").master


def _masked(xml: str) -> str:
    """The part with the value cells of :data:`VOLATILE_LABELS` masked, style included.

    The style and the row's height go too: a long inbox path wraps (and so has another style
    and a taller row) where a short one does not.
    """
    for label in VOLATILE_LABELS:
        pattern = rf'(<t>{re.escape(label)}</t></is></c><c r="[A-Z]+[0-9]+")(?: s="[0-9]+")?( t="inlineStr"><is><t>)[^<]*(</t>)'
        xml = re.sub(pattern, rf"\1\2{MASK}\3", xml)
        # and its row's height: a long path wraps onto more lines (issue 12: rows fit their text)
        row = rf'(<row r="[0-9]+")[^>]*(><c r="A[0-9]+"[^>]*><is><t>{re.escape(label)}</t>)'
        xml = re.sub(row, r"\1\2", xml)
    return xml


def parts(master: Path) -> dict[str, str]:
    """Every compared part of the workbook, as text with the volatile values masked."""
    out: dict[str, str] = {}
    with zipfile.ZipFile(master) as z:
        for name in sorted(z.namelist()):
            if not name.startswith(IGNORED_PREFIXES):
                out[name] = _masked(z.read(name).decode("utf-8"))
    return out


def _lines(xml: str) -> list[str]:
    """One tag per line, so a difference shows as a few lines, not one long line."""
    return re.sub(r">\s*<", ">\n<", xml).splitlines()


def differences(expected: Path, actual: Path, *, context: int = 2, limit: int = 40) -> dict[str, str]:
    """Parts that differ, each with a short unified diff ({} when the workbooks match)."""
    want, got = parts(expected), parts(actual)
    out: dict[str, str] = {}
    for name in sorted(set(want) | set(got)):
        if want.get(name) == got.get(name):
            continue
        if name not in got or name not in want:
            out[name] = "missing" if name not in got else "unexpected"
            continue
        diff = difflib.unified_diff(_lines(want[name]), _lines(got[name]), "golden", "written", n=context, lineterm="")
        out[name] = "\n".join(list(diff)[:limit])
    return out
