"""``kpitool publish``: what the city puts on its website, made from the master workbook.

:func:`publish_master` reads the master (:mod:`kpitool.publish.tables`) and writes into one
folder: ``実績調査.html`` and ``事業成果目標.html`` (:mod:`kpitool.publish.html`), the open-data
CSVs of 実績数値, 実績調査 and 事業成果目標 (:mod:`kpitool.master.opendata`, the same bytes as
the CSV twins ``consolidate`` writes), and ``実績調査.pdf`` printed by LibreOffice when it is
installed (:mod:`kpitool.publish.pdf`). Without LibreOffice the other files are still written
and the result says why there is no PDF. Every file is replaced atomically.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kpitool.errors import InputError
from kpitool.master.layout import KPIS, SURVEY
from kpitool.master.opendata import ENCODING, OPEN_DATA_SHEETS, csv_text
from kpitool.publish.html import kpi_page, survey_page
from kpitool.publish.tables import MasterTables, read_master_tables

HTML_PAGES: dict[str, Callable[[MasterTables], str]] = {
    f"{SURVEY}.html": survey_page,
    f"{KPIS}.html": kpi_page,
}
PDF_NAME = f"{SURVEY}.pdf"


@dataclass
class PublishOutputs:
    """What :func:`publish_master` wrote, and why a file is missing (Japanese, for the user)."""

    html: list[Path] = field(default_factory=list)
    csvs: list[Path] = field(default_factory=list)
    pdf: Path | None = None
    notes: list[str] = field(default_factory=list)

    def files(self) -> list[Path]:
        return [*self.html, *self.csvs, *([self.pdf] if self.pdf else [])]


def csv_bytes(tables: MasterTables, sheet: str) -> bytes:
    """The open-data CSV of one sheet, from the master as read back."""
    layout = tables.layouts[sheet]
    rows = ([row.get(k) for k in layout.keys] for row in tables.rows(sheet))
    return csv_text(layout, rows).encode(ENCODING)


def publish_master(master: Path, out_dir: Path, *, pdf: bool = True, paper: str = "A4") -> PublishOutputs:
    """Write the website's files for ``master`` into ``out_dir`` (created when missing)."""
    from kpitool.safe_write import atomic_write_bytes

    master, out_dir = Path(master), Path(out_dir)
    tables = read_master_tables(master)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"出力先 {out_dir} はフォルダではありません。")
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs = PublishOutputs()
    for name, render in HTML_PAGES.items():
        path = out_dir / name
        atomic_write_bytes(path, render(tables).encode("utf-8"))
        outputs.html.append(path)
    for sheet in OPEN_DATA_SHEETS:
        path = out_dir / f"{sheet}.csv"
        atomic_write_bytes(path, csv_bytes(tables, sheet))
        outputs.csvs.append(path)
    if pdf:
        from kpitool.publish.pdf import write_survey_pdf

        outputs.pdf, note = write_survey_pdf(tables, out_dir / PDF_NAME, paper=paper)
        if note:
            outputs.notes.append(note)
    return outputs
