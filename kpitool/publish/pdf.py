"""実績調査.pdf: the 実績調査（公表用） sheet printed by LibreOffice, for the city's website.

The sheet is written again from the master's 実績調査 rows into a workbook of its own (the
master also holds audit sheets nobody publishes), then ``soffice --headless --convert-to pdf``
prints it with a fresh profile (no lock shared with a LibreOffice the user has open). Without
LibreOffice, or when it fails, there is no PDF and a Japanese note with its code says why; the
HTML and CSV files are written all the same.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from kpitool.errors import PUBLISH_NO_LIBREOFFICE, PUBLISH_PDF_FAILED
from kpitool.master.publication import PUBLICATION, publication_rows, write_publication
from kpitool.publish.tables import MasterTables

TIMEOUT_SECONDS = 180


def find_soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def write_publication_workbook(tables: MasterTables, path: Path, *, paper: str = "A4") -> Path:
    """A workbook with only the 実績調査（公表用） sheet of ``tables``."""
    from kpitool.master.writer import FONT, FONT_SIZE
    from kpitool.xlsx_text import text_workbook

    workbook = text_workbook(str(path), FONT, FONT_SIZE, in_memory=True)  # no temp file per part
    sheet = workbook.add_worksheet(PUBLICATION)
    rows = publication_rows(tables.survey, tables.municipality, tables.fiscal_years, tables.config)
    write_publication(workbook, sheet, rows, tables.fiscal_years, font=FONT, font_size=FONT_SIZE, paper=paper)
    workbook.close()
    return path


def write_survey_pdf(tables: MasterTables, path: Path, *, paper: str = "A4") -> tuple[Path | None, str]:
    """Print the 公表用 sheet to ``path``; (path, "") or (None, the Japanese note why not)."""
    from kpitool.safe_write import atomic_write_bytes

    soffice = find_soffice()
    if soffice is None:
        return None, (f"[{PUBLISH_NO_LIBREOFFICE}] LibreOffice（soffice）が見つからないため、{path.name} は"
                      "作成しませんでした。HTML と CSV は作成しました。")
    with tempfile.TemporaryDirectory(prefix="kpitool-pdf-") as tmp:
        work = Path(tmp)
        source = write_publication_workbook(tables, work / f"{path.stem}.xlsx", paper=paper)
        command = [soffice, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore",
                   "--convert-to", "pdf", "--outdir", str(work / "out"), str(source)]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            process.communicate(timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
        printed = work / "out" / f"{path.stem}.pdf"
        if process.returncode != 0 or not printed.is_file():
            return None, (f"[{PUBLISH_PDF_FAILED}] LibreOffice で {path.name} を作成できませんでした"
                          f"（終了コード {process.returncode}）。HTML と CSV は作成しました。")
        atomic_write_bytes(path, printed.read_bytes())
    return path, ""
