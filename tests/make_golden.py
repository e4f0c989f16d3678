"""Regenerate the golden master (tests/golden/master.xlsx) after an intended change to the master.

Run from the repository root: ``.venv/bin/python tests/make_golden.py``. Then look at what
changed (``git diff --stat``, and render the master if the change is visible) and commit it.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from golden import GOLDEN, build


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        master = build(Path(folder))
        GOLDEN.parent.mkdir(exist_ok=True)
        shutil.copyfile(master, GOLDEN)
    print(GOLDEN)


if __name__ == "__main__":
    main()
