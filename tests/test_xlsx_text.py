"""A text that looks like XlsxWriter's rich-text XML reaches every workbook kpitool writes as typed.

XlsxWriter writes ``<r>…</r>`` unescaped (kpitool.xlsx_text): typed into a template, such a
text made the prefilled template, the master, the 検証結果 report and the publication workbook
unreadable. Each is written here with such texts and read back by python-calamine (as kpitool
and the auditors read) and openpyxl.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
from python_calamine import CalamineWorkbook
from workbooks import filled, make_config

from kpitool.audit import audit_master
from kpitool.findings_report import write_findings_report
from kpitool.pipeline import run_consolidation
from kpitool.publish.pdf import write_publication_workbook
from kpitool.publish.tables import read_master_tables
from kpitool.validate import validate_paths
from kpitool.xlsx_text import looks_rich

PLAN = "<r>a & b</r>"
CONTENT = "<r><t>見直し</t><rPr/></r>"
NOTE = "<r>備考 & 見込み</r>"


def _calamine_values(path: Path) -> set[object]:
    book = CalamineWorkbook.from_path(str(path))
    return {v for name in book.sheet_names for row in book.get_sheet_by_name(name).to_python() for v in row}


def _openpyxl_values(path: Path) -> set[object]:
    book = openpyxl.load_workbook(path)
    return {c.value for ws in book.worksheets for row in ws.iter_rows() for c in row}


def _inbox(tmp_path: Path) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    filled(inbox, "01_総務部.xlsx", survey={0: {"plan": PLAN, "content": CONTENT}}, figures={0: {"note": NOTE}})
    return inbox


def test_the_texts_look_rich_to_xlsxwriter() -> None:
    assert all(looks_rich(t) for t in (PLAN, CONTENT, NOTE))
    assert not looks_rich("<r>x") and not looks_rich("x</r>")


def test_template_master_and_publication_keep_the_texts(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    template = next(inbox.iterdir())
    for values in (_calamine_values(template), _openpyxl_values(template)):
        assert {PLAN, CONTENT, NOTE} <= values  # the template writer (rollover prefills with it)

    master = tmp_path / "out" / "master.xlsx"
    run = run_consolidation(inbox, make_config(), master)
    assert run.ok
    for values in (_calamine_values(master), _openpyxl_values(master)):
        assert {PLAN, CONTENT, NOTE} <= values
    report = audit_master(master, inbox)
    assert report.ok, [f.code for f in report.findings]

    publication = write_publication_workbook(read_master_tables(master), tmp_path / "pub.xlsx")
    assert any(PLAN in str(v) for v in _calamine_values(publication))


def test_the_findings_report_quotes_such_an_input(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    bad = "<r>1 & 2</r>"
    filled(inbox, "01_総務部.xlsx", figures={0: {"curr": bad}})
    results = validate_paths([inbox], make_config())
    assert any(f.code.startswith("E-NUM") for r in results for f in r.report.findings)
    path = write_findings_report(results, tmp_path / "検証結果.xlsx")
    for values in (_calamine_values(path), _openpyxl_values(path)):
        assert bad in values
