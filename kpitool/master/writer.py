"""Write the master workbook (集約ファイル) that auditors open, and its CSV twin.

``write_master(consolidation, path)`` turns a :class:`~kpitool.model.Consolidation` into the
seven sheets of DESIGN.md ("The master workbook") with XlsxWriter:

- every figure as a number (△ only through number formats), markers and submitted text as
  text written with ``write_string`` (a text starting with ``=`` never becomes a formula), one
  value per cell, no merged cells, a header row, frozen panes and a filter on every table,
  BIZ UDPゴシック, A4 landscape with repeated headers, fitted to the page width;
- 増減 / 増減率 / 評価 / 達成率 / 進捗率 as live formulas caching the values Python computed, or
  as static values where the survey step decided that no formula fits (:mod:`kpitool.master.rows`
  lays the rows out as the survey decided, :mod:`kpitool.master.tables` hashes them);
- on every data row its 出典 (``file!sheet!cell``) linked to that cell of the inbox file;
- sheets protected against accidental edits (filtering stays possible);
- 監査ログ with the digest of the data (:mod:`kpitool.master.digest`), so ``kpitool audit`` can prove
  later that nothing changed.

Output is deterministic: the workbook's ``created`` property is the run time, so the same
consolidation gives the same bytes. The master is streamed (issue 17): XlsxWriter runs in
``constant_memory`` mode (each sheet's rows go to its own temp file as they are written), and
each data sheet's rows are built one at a time, hashed into the digest
(:class:`~kpitool.master.digest.DigestStream`), written to the sheet and to its CSV, and
dropped, so memory does not grow with the number of rows beyond what the consolidation holds.
概要, the first sheet, is written after the data sheets (its counts come from them) with its
formats numbered first, as if written first; the digest goes into the workbook's properties
and 監査ログ at the end. The master and the CSVs are replaced atomically
(:mod:`kpitool.safe_write`): the master last, and if it cannot be replaced nothing is.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from kpitool import __version__
from kpitool.config import config_to_dict
from kpitool.errors import InputError, KpitoolError
from kpitool.master.digest import (
    DIGEST_FORMAT,
    ROW_CHECK_VALUE,
    DigestStream,
    canonical_format,
    canonical_link,
    cell_print,
    json_value,
)
from kpitool.master.fastrows import (
    CLASSIC_FUNCTIONS,
    DATETIME,
    FORMULA,
    FUNCTION_NAME,
    NUMBER,
    STRING,
    URL,
    fast_rows_supported,
    write_cell,
)
from kpitool.master.fastrows import worksheet_class as fastrows_worksheet_class
from kpitool.master.layout import (
    AUDIT_LOG,
    DATA_SHEETS,
    DATE_FORMAT,
    FIGURES,
    KPIS,
    PUBLICATION,
    SHEET_ORDER,
    SUBMISSIONS,
    SUMMARY,
    SURVEY,
    TREND,
    Cell,
    Formula,
    Link,
    Number,
    SheetLayout,
    SourceLinks,
    _display_width,
    frame_records,
    layouts,
    row_height,
    row_heights,
    shown_value,
    text,
)
from kpitool.master.log import INPUTS_LAYOUT, INPUTS_TABLE, input_rows, log_grid, sheets_record
from kpitool.master.printing import AUDIT_WIDTHS, mark_statuses, printed_columns, setup_print
from kpitool.master.summary import (
    facts_from_columns,
    run_at_text,
    status_counts,
    summary_facts,
    summary_grid,
    summary_widths,
    write_summary,
)
from kpitool.master.tables import ROW_BUILDERS, CoveredTable, canonical_cell
from kpitool.master.trend import add_trend_charts, chart_record, previous_records

T = TypeVar("T")
log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from kpitool.model import Consolidation

FONT = "BIZ UDPゴシック"
FONT_SIZE = 11
A4 = 9  # XlsxWriter's paper index
MAX_LINKS = 65_530  # Excel's limit of hyperlinks per worksheet; further 出典 stay plain text
PROTECT_OPTIONS = {"autofilter": True, "format_columns": True, "format_rows": True}


@functools.cache
def _worksheet_class(fast_rows: bool = True) -> type:
    """XlsxWriter's Worksheet, minus the cost of checking ~30 function names in every formula,
    and with the row fast path (:mod:`kpitool.master.fastrows`) on the XlsxWriter version it
    was checked against (``fast_rows=False``: the per-cell API only, for comparison).

    XlsxWriter 3.3 runs one uncompiled ``re.sub`` per dynamic-array function (29 of them)
    over every formula to add ``_xlfn.`` prefixes: a third of the master's write time at
    national scale. A formula that calls only :data:`~kpitool.master.fastrows.CLASSIC_FUNCTIONS`
    needs none, so it is returned as XlsxWriter would return it; any other formula goes
    through XlsxWriter.
    """
    from kpitool.xlsx_text import safe_text_worksheet

    class FastFormulaWorksheet(safe_text_worksheet()):  # type: ignore[misc]
        def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
            if not (self.use_future_functions or expand_future_functions):
                text = formula[1:] if formula.startswith("{") else formula
                text = text[1:] if text.startswith("=") else text
                text = text[:-1] if text.endswith("}") else text
                if "_xlfn." in text or all(n in CLASSIC_FUNCTIONS for n in FUNCTION_NAME.findall(text)):
                    return text
            return super()._prepare_formula(formula, expand_future_functions)

    if fast_rows and fast_rows_supported():
        from kpitool.xlsx_package import memory_rows_worksheet

        return fastrows_worksheet_class(memory_rows_worksheet(FastFormulaWorksheet))
    return FastFormulaWorksheet


@dataclass(frozen=True)
class MasterOutputs:
    """What :func:`write_master` wrote: the master, its CSV twin and the data digest."""

    master: Path
    csvs: tuple[Path, ...]
    digest: str


def csv_paths(master: Path) -> tuple[Path, ...]:
    """The CSV twin beside the master: ``<stem>_実績数値.csv``, ``_実績調査.csv``, ``_経年推移.csv``.

    A stem too long for the file system is shortened (:func:`kpitool.paths.fit_name`); the run
    summary names the CSVs as written.
    """
    from kpitool.paths import fit_name

    return tuple(master.with_name(fit_name(master.stem, f"_{name}.csv")) for name in CSV_SHEETS)


CSV_SHEETS = (FIGURES, SURVEY, TREND, KPIS)  # the sheets published as CSV beside the master


class Formats:
    """XlsxWriter formats, created once per distinct combination (Excel has a limit)."""

    def __init__(self, workbook: Any, font: str = FONT) -> None:
        self.workbook = workbook
        self.font = font
        self._cache: dict[tuple[Any, ...], Any] = {}

    def get(self, *, num_format: str | None = None, wrap: bool = False, bold: bool = False,
            link: bool = False, border: bool = False) -> Any:
        key = (num_format, wrap, bold, link, border)
        if key not in self._cache:
            props: dict[str, Any] = {"valign": "top"}
            if border:
                props["border"] = 1
            if num_format:
                props["num_format"] = num_format
            if wrap:
                props["text_wrap"] = True
            if bold:
                props["bold"] = True
            if link:
                props |= {"font_color": "#0563C1", "underline": 1}
            self._cache[key] = self.workbook.add_format(props)
        return self._cache[key]

    def header(self) -> Any:
        if "header" not in self._cache:
            self._cache["header"] = self.workbook.add_format({  # type: ignore[index]
                "bold": True, "text_wrap": True, "valign": "vcenter", "bg_color": "#DDEBF7", "border": 1,
            })
        return self._cache["header"]  # type: ignore[index]


class _Writer:
    """Writes cells of the layout types; counts hyperlinks per sheet against Excel's limit."""

    def __init__(self, formats: Formats) -> None:
        self.formats = formats
        self.links: dict[str, int] = {}

    def spec(self, sheet: Any, cell: Cell, wrap: bool = False) -> tuple[int, Any, Any, Any, str, str] | None:
        """How one cell is written: (kind, value, format, extra) for :func:`~kpitool.master.fastrows.write_cell`
        and the row fast path, then its number format code and its link as written (canonical,
        for the cell's print in 行の検証値); None for a blank. Counts the sheet's links."""
        f = self.formats
        if cell is None:
            return None
        if type(cell) is str:  # most cells: skip the checks below (none of them is a str)
            return STRING, cell, f.get(wrap=wrap), None, "", ""
        if isinstance(cell, Formula):
            return FORMULA, cell.text, f.get(num_format=cell.num_format), cell.cached, canonical_format(cell.num_format), ""
        if isinstance(cell, Number):
            return NUMBER, cell.value, f.get(num_format=cell.num_format), None, canonical_format(cell.num_format), ""
        if isinstance(cell, Link):
            used = self.links.get(sheet.name, 0)
            if cell.url and used < MAX_LINKS:
                self.links[sheet.name] = used + 1
                path, _, location = cell.url.removeprefix("external:").partition("#")
                return URL, cell.url, f.get(link=True), (cell.text, cell.text[:255]), "", canonical_link(path, location)
            return STRING, cell.text, f.get(), None, "", ""
        if isinstance(cell, dt.date):
            date = dt.datetime.combine(cell, dt.time())
            return DATETIME, date, f.get(num_format=DATE_FORMAT), None, canonical_format(DATE_FORMAT), ""
        if isinstance(cell, int | float):
            return NUMBER, cell, f.get(), None, "", ""
        return STRING, str(cell), f.get(wrap=wrap), None, "", ""

    def cell(self, sheet: Any, r: int, c: int, cell: Cell, wrap: bool = False) -> tuple[str, str]:
        """Write one cell; return its number format code and its link as written (canonical,
        for the cell's print in 行の検証値)."""
        spec = self.spec(sheet, cell, wrap)
        if spec is None:
            return "", ""
        kind, value, fmt, extra, num_format, link = spec
        write_cell(sheet, r, c, kind, value, fmt, extra)
        return num_format, link

    def grid(self, sheet: Any, rows: list[list[Cell]], header_rows: list[int], caption_rows: list[int],
             widths: Sequence[float] = ()) -> None:
        """A free-form sheet; with ``widths``, rows of wrapped text get the height they need."""
        for r, row in enumerate(rows):
            if widths:  # wrap what is wider than its column, and make the row tall enough
                wraps = [isinstance(cell, str) and (r in header_rows or _display_width(cell) > w - 1)
                         for cell, w in zip(row, widths, strict=False)]
                height = row_height(row, list(widths), wraps)
                if height is not None:
                    sheet.set_row(r, height)
            else:
                wraps = [isinstance(cell, str) and len(cell) > 40 for cell in row]
            for c, cell in enumerate(row):
                if cell is not None and r in header_rows:
                    sheet.write_string(r, c, str(cell), self.formats.header())
                elif cell is not None and r in caption_rows:
                    sheet.write_string(r, c, str(cell), self.formats.get(bold=True))
                else:
                    self.cell(sheet, r, c, cell, wrap=c < len(wraps) and wraps[c])


def write_publication_sheet(workbook: Any, sheet: Any, c: Consolidation, password: str) -> None:
    """実績調査（公表用）: the 実績調査 as the city publishes it (kpitool.master.publication)."""
    from kpitool.master.publication import publication_rows, write_publication

    records = [{k: text(v) for k, v in row.items()} for row in frame_records(c.table("survey"))]
    rows = publication_rows(records, c.config.municipality, c.config.fiscal_years, c.config)
    write_publication(workbook, sheet, rows, c.config.fiscal_years, font=FONT, font_size=FONT_SIZE)
    _protect(sheet, password)


def _protect(sheet: Any, password: str) -> None:
    sheet.protect(password, PROTECT_OPTIONS)


def _write_table(sheet: Any, writer: _Writer, table: CoveredTable, rows: Iterable[list[Cell]], password: str,
                 observers: Sequence[Callable[[list[Cell]], object]] = ()) -> None:
    """A data sheet, streamed: header row, then each row of ``rows`` (a row builder's) hashed by
    ``table``, written and shown to ``observers`` (CSV, 概要's facts, charts) before the next
    is built; then widths, frozen header, filter, print setup, protection."""
    layout = table.layout
    header = writer.formats.header()
    for c, column in enumerate(layout.columns):
        sheet.write_string(0, c, column.label, header)
        sheet.set_column(c, c, column.width)
    wraps = [column.wrap for column in layout.columns]
    widths = [column.width for column in layout.columns]
    last = len(layout.columns) - 1  # 行の検証値: the row hash, then each cell's print
    header_height = row_height(list(layout.labels), widths, [True] * len(widths))
    if header_height is not None:  # set before the row is written (constant_memory)
        sheet.set_row(0, header_height)
    # Every column but the last is covered, so a row's canonical values (computed once, for
    # the digest and the row hash) are its cells' values for their prints too.
    assert table.covered == list(range(last)), "a data sheet covers every column but the last"
    write_cells = getattr(sheet, "write_cells", None)  # the row fast path (kpitool.master.fastrows)
    text_formats = [writer.formats.get(wrap=wrap) for wrap in wraps]  # what spec() gives a str
    check_format = text_formats[last]
    check_print = cell_print(ROW_CHECK_VALUE, "", "")  # written as plain text, no link
    height_of = row_heights(widths, wraps)
    # A text cell's canonical value (as JSON, for the digest and the row hash) and its print
    # depend on the text alone: worked out once per distinct short text (most cells).
    texts: dict[str | None, tuple[str, str]] = {None: (json_value(None), cell_print(None, "", ""))}
    r = 0
    for r, row in enumerate(rows, start=1):
        height = height_of(row)
        if height is not None:
            sheet.set_row(r, height)
        cells = []
        prints = []
        encoded = []
        for c in range(last):
            cell = row[c]
            if type(cell) is str or cell is None:  # most cells: spec() and the hashes in short
                known = texts.get(cell)
                if known is None:
                    value = canonical_cell(cell)
                    known = (json_value(value), cell_print(value, "", ""))
                    if len(cell) <= 256:  # type: ignore[arg-type]
                        if len(texts) >= 1 << 14:
                            texts.clear()
                            texts[None] = (json_value(None), cell_print(None, "", ""))
                        texts[cell] = known
                encoded.append(known[0])
                prints.append(known[1])
                if cell is not None:
                    cells.append((STRING, c, cell, text_formats[c], None))
                continue
            value = canonical_cell(cell)
            encoded.append(json_value(value))
            spec = writer.spec(sheet, cell, wraps[c])
            if spec is None:
                prints.append(cell_print(value, "", ""))
                continue
            kind, written, fmt, extra, num_format, link = spec
            cells.append((kind, c, written, fmt, extra))
            prints.append(cell_print(value, num_format, link))
        hashed = table.add_encoded(encoded)
        prints.append(check_print)
        cells.append((STRING, last, f"{hashed}-{''.join(prints)}", check_format, None))
        if write_cells is not None:
            write_cells(r, cells)
        else:
            for kind, c, written, fmt, extra in cells:
                write_cell(sheet, r, c, kind, written, fmt, extra)
        for observe in observers:
            observe(row)
    last_row = max(r, 1)
    sheet.freeze_panes(1, 1)
    sheet.autofilter(0, 0, last_row, len(layout.columns) - 1)
    printed = printed_columns(layout.columns)  # without 出典, hashes and values as written
    setup_print(sheet, widths[:printed], FONT_SIZE, last_row=last_row)
    if layout.name == SUBMISSIONS:
        mark_statuses(sheet, writer.formats.workbook, layout, last_row)
    _protect(sheet, password)


class _Shown:
    """The columns of the data sheets that 概要 counts (:func:`facts_from_columns`), kept as
    the sheets stream past: a few values per row, not the rows."""

    COLUMNS: ClassVar[dict[str, tuple[str, ...]]] = {
        SUBMISSIONS: ("department", "status", "included"),
        KPIS: ("department", "direction", "grade", "grade_basis"),
        FIGURES: ("department", "direction", "evaluation", "reason"),
    }

    def __init__(self, sheets: dict[str, SheetLayout]) -> None:
        self.values: dict[tuple[str, str], list[Any]] = {
            (sheet, key): [] for sheet, keys in self.COLUMNS.items() for key in keys
        }
        self._sheets = sheets

    def observer(self, sheet: str) -> Callable[[list[Cell]], None] | None:
        keys = self.COLUMNS.get(sheet)
        if keys is None:
            return None
        layout = self._sheets[sheet]
        columns = [(layout.index(k), self.values[sheet, k]) for k in keys]

        def observe(row: list[Cell]) -> None:
            for index, values in columns:
                values.append(shown_value(row[index]))

        return observe

    def column(self, sheet: str, key: str) -> list[Any]:
        return self.values[sheet, key]


class _FormatRecorder:
    """Stands in for the workbook and 概要's sheet to learn which formats :func:`write_summary`
    uses, cell by cell (anything else it is asked to do, it ignores)."""

    def __init__(self) -> None:
        self.cells: list[tuple[int, int, Any]] = []

    def write_string(self, row: int, col: int, _value: Any, fmt: Any = None) -> None:
        self.cells.append((row, col, fmt))

    write_number = write_blank = write_string

    def __getattr__(self, _name: str) -> Any:
        return self._ignore

    def _ignore(self, *_args: Any, **_kwargs: Any) -> Any:
        return self


def summary_format_order(grid: Any, formats: Formats, config: Any) -> list[Any]:
    """The formats of 概要's cells in the order XlsxWriter gives them their style index as it
    writes the rows out (row by row, column by column), first use only; without the last row,
    which constant_memory writes out only when the workbook is closed."""
    recorder = _FormatRecorder()
    write_summary(recorder, recorder, grid, formats, config)
    last = len(grid.rows) - 1
    order: list[Any] = []
    for _row, _col, fmt in sorted(cell for cell in recorder.cells if cell[0] != last):
        if fmt is not None and all(fmt is not seen for seen in order):
            order.append(fmt)
    return order


def _pin_summary_formats(formats: Formats, config: Any, statuses: dict[str, int]) -> None:
    """概要 is the first sheet but is written last (its counts come from the data sheets as
    they stream). XlsxWriter numbers a format's style on first use, so 概要's formats are
    numbered first, as if it had been written first: its formats' first uses all fall in its
    rows before the counts (header, texts, caption, the status counts), which do not depend on
    the data sheets, so a grid without counts gives the same order."""
    empty = summary_grid(config, "", statuses, summary_facts(config.grades, (), (), ()))
    for fmt in summary_format_order(empty, formats, config):
        fmt._get_xf_index()


def write_workbook(
    consolidation: Consolidation,
    path: Path,
    *,
    links: SourceLinks | None = None,
    csv_writers: dict[str, Callable[[bytes], object]] | None = None,
    csv_names: dict[str, str] | None = None,
) -> tuple[str, tuple[tuple[str, str, str], ...]]:
    """Write the master to ``path`` directly (no atomic replacement); return the digest and the
    CSV twin's records (sheet, file name, sha256).

    :func:`write_master` is the public entry; this is the part that only writes one file. Each
    data sheet is streamed (issue 17): its rows are built, hashed into the digest, written to
    the sheet and to its CSV (``csv_writers``: sheet -> a function taking the CSV's bytes in
    blocks; ``csv_names``: the file names 監査ログ records) one at a time, so memory does not
    grow with the number of rows. 概要 and 監査ログ, which need every row, are written last.
    """
    from kpitool.master.opendata import CsvStream
    from kpitool.xlsx_package import package_in_memory_if_small
    from kpitool.xlsx_text import text_workbook

    c = consolidation
    links = links or SourceLinks(Path(path).parent, c.inbox)
    config_dict = config_to_dict(c.config)
    if c.previous:  # recorded (and so covered by the digest) for the audit to check the files
        config_dict["history"] = {"masters": [
            {"name": p.name, "fiscal_years": list(p.fiscal_years), "sha256": p.sha256, "digest": p.digest}
            for p in previous_records(c.previous, Path(path).parent)
        ]}
    digest = DigestStream(config_dict)
    workbook = text_workbook(str(path), FONT, FONT_SIZE, constant_memory=True)
    formats = Formats(workbook)
    writer = _Writer(formats)
    sheets = {name: workbook.add_worksheet(name, worksheet_class=_worksheet_class()) for name in SHEET_ORDER}
    password = c.config.protect_password
    statuses = status_counts(c.table("submissions")["status"])
    _pin_summary_formats(formats, c.config, statuses)

    sheet_layouts = layouts(c.config.fiscal_years)
    shown = _Shown(sheet_layouts)
    csv_streams = {name: CsvStream(sheet_layouts[name], write) for name, write in (csv_writers or {}).items()}
    chart_records: list[dict[str, Any]] = []
    hashes: list[tuple[str, str, str, str]] = []
    for name in DATA_SHEETS:
        layout = sheet_layouts[name]
        table = CoveredTable(name, layout, digest)
        observers = [o for o in (shown.observer(name), getattr(csv_streams.get(name), "add", None)) if o]
        if name == TREND:
            observers.append(lambda row, layout=layout: chart_records.append(chart_record(layout, row)))
        _write_table(sheets[name], writer, table, ROW_BUILDERS[name](c, layout, links), password, observers)
        hashes += table.column_hashes()
    inputs_table = CoveredTable(INPUTS_TABLE, INPUTS_LAYOUT, digest)
    inputs = [[*row, inputs_table.add(row)[1]] for row in input_rows(c, links)]
    hashes += inputs_table.column_hashes()
    data_digest = digest.hexdigest()
    names = csv_names or {}
    csvs = tuple((name, names.get(name, name), stream.close()) for name, stream in csv_streams.items())

    years = "・".join(str(y) for y in c.config.fiscal_years)
    workbook.set_properties({
        "title": f"{c.config.municipality} 実績調査 集約ファイル（{years}年度）",
        "subject": "部局KPI・実績調査の集約",
        "author": "kpitool",
        "company": c.config.municipality,
        "comments": f"kpitool {__version__} / データのダイジェスト（SHA-256） {data_digest}",
        "created": c.run_at.astimezone(dt.UTC).replace(tzinfo=None),
    })
    add_trend_charts(workbook, sheets[TREND], sheet_layouts[TREND], chart_records)
    write_publication_sheet(workbook, sheets[PUBLICATION], c, password)

    summary = summary_grid(c.config, run_at_text(c.run_at), statuses,
                           facts_from_columns(c.config.grades, shown.column))
    write_summary(workbook, sheets[SUMMARY], summary, formats, c.config)
    setup_print(sheets[SUMMARY], summary_widths(summary), FONT_SIZE, repeat_rows=None, gridlines=False)
    _protect(sheets[SUMMARY], password)

    audit = sheets[AUDIT_LOG]
    _protect(audit, password)
    log = log_grid(
        c, version=__version__, digest=data_digest, digest_format=DIGEST_FORMAT, config_dict=config_dict,
        links=links, inputs=inputs, column_hashes=hashes,
        sheets_record=sheets_record(
            (name, ("visible", "hidden", "veryHidden")[ws.hidden], bool(ws.protect_options))
            for name, ws in sheets.items()
        ),
        csvs=csvs,
    )
    writer.grid(audit, log.rows, log.header_rows, log.caption_rows, widths=AUDIT_WIDTHS)
    for col, width in enumerate(AUDIT_WIDTHS):
        audit.set_column(col, col, width)
    audit.freeze_panes(1, 0)
    setup_print(audit, AUDIT_WIDTHS, FONT_SIZE)
    sheets[SUMMARY].activate()
    package_in_memory_if_small(workbook)
    workbook.close()
    return data_digest, csvs


def refuse_master_in_inbox(master: Path | str, inbox: Path | str) -> None:
    """A master inside the inbox would be read as a submission by the next run: refuse it.

    Callers check this before reading the inbox, so the refusal costs nothing.
    """
    from kpitool.paths import real, same_file

    # Resolved first (issue 16): -o through a symlink to an inbox file, or through a symlinked
    # folder, must not write over a submission or into the inbox (nor its CSVs).
    master = Path(master)
    if any(same_file(real(p).parent, inbox) for p in (master, *csv_paths(master))):
        raise InputError(
            f"集約ファイルを受付フォルダ（{inbox}）の中には作成できません。"
            "次の集約で提出ファイルとして読み込まれてしまうため、別のフォルダを指定してください。"
        )


def _write_or_name(target: Path, temp: Path, write: Callable[[], T]) -> T:
    """Run ``write``; a disk-full error (or one about ``temp``) names ``target``, the file that
    failed (issue 16: a full disk while writing the master was reported as the CSV's)."""
    from kpitool.safe_write import output_error

    try:
        return write()
    except KpitoolError:
        raise
    except Exception as exc:
        error = output_error(target, temp, exc)
        if error is None:
            raise
        raise error from exc


def _read_quietly(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _restore(targets: dict[str, Path], previous: dict[str, bytes | None], written: dict[str, str]) -> None:
    """Put back the CSVs of the previous run where this run replaced them (best effort);
    ``written``: the sha256 of each CSV this run wrote."""
    from kpitool.safe_write import atomic_write_bytes

    for name, target in targets.items():
        found = _read_quietly(target)
        if name not in written or found is None or hashlib.sha256(found).hexdigest() != written[name]:
            continue  # not replaced by this run
        try:
            if previous[name] is None:
                target.unlink()
            else:
                atomic_write_bytes(target, previous[name])  # type: ignore[arg-type]
        except (OSError, KpitoolError):
            log.warning("公開用CSV %s を元に戻せませんでした。", target)


def write_master(consolidation: Consolidation, path: Path) -> MasterOutputs:
    """Write the master workbook and its CSV twin, replacing the old ones atomically.

    The previous master is kept as a dated backup when ``config.keep_backups``. If the master
    cannot be replaced (open in Excel: :class:`~kpitool.errors.MasterLocked`), neither it nor
    the CSVs change (CSVs already replaced are put back). The CSVs are replaced first and their
    SHA-256 recorded in 監査ログ. The inbox is referenced relative to the master's folder in hyperlinks
    (:class:`~kpitool.master.layout.SourceLinks`); a master inside the inbox itself is refused
    with :class:`~kpitool.errors.InputError`, as the next run would read it as a submission.
    """
    from kpitool.safe_write import atomic_output

    path = Path(path)
    refuse_master_in_inbox(path, consolidation.inbox)
    links = SourceLinks(path.parent, consolidation.inbox)
    paths = csv_paths(path)
    # The CSVs are written as their sheets stream past, and their hashes recorded in the
    # master's 監査ログ: they are replaced before the master, so it never points at CSVs that
    # are not there, and the audit tells CSVs of another run (issue 16).
    targets = dict(zip(CSV_SHEETS, paths, strict=True))
    previous = {name: _read_quietly(target) for name, target in targets.items()}
    csvs: tuple[tuple[str, str, str], ...] = ()
    try:
        with ExitStack() as stack:
            master_tmp = stack.enter_context(
                atomic_output(path, keep_backup=consolidation.config.keep_backups)
            )  # entered first, left last: replaced after the CSVs
            writers = {}
            for name, target in targets.items():
                temp = stack.enter_context(atomic_output(target, keep_backup=False))
                handle = stack.enter_context(_write_or_name(target, temp, lambda temp=temp: open(temp, "wb")))  # noqa: SIM115
                writers[name] = functools.partial(_write_csv_block, target, temp, handle)
            digest, csvs = _write_or_name(path, master_tmp, lambda: write_workbook(
                consolidation, master_tmp, links=links, csv_writers=writers,
                csv_names={name: target.name for name, target in targets.items()}))
    except KpitoolError:
        _restore(targets, previous, {name: sha for name, _file, sha in csvs})  # the master was kept: so are its CSVs
        raise
    return MasterOutputs(path, paths, digest)


def _write_csv_block(target: Path, temp: Path, handle: Any, data: bytes) -> None:
    """One block of a CSV to its temp file; a full disk names the CSV (issue 16)."""
    _write_or_name(target, temp, lambda: handle.write(data))


def write_open_data(consolidation: Consolidation, master: Path) -> tuple[Path, ...]:
    """Write only the CSV twin beside ``master`` (atomically), e.g. to republish it.

    :func:`kpitool.master.write_master` writes it together with the master.
    """
    from kpitool.master.opendata import ENCODING, csv_text
    from kpitool.safe_write import atomic_write_bytes

    sheets = layouts(consolidation.config.fiscal_years)
    links = SourceLinks(Path(master).parent, consolidation.inbox)
    paths = csv_paths(Path(master))
    for name, path in zip(CSV_SHEETS, paths, strict=True):
        rows: list[list[Any]] = list(ROW_BUILDERS[name](consolidation, sheets[name], links))
        atomic_write_bytes(path, csv_text(sheets[name], rows).encode(ENCODING))
    return paths
