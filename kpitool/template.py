"""Generate the department template (.xlsx) from the spec.

The template is the contract between departments and the planning office: dropdowns, input
messages, examples and a protected structure guide the user, and a very hidden sheet names the
template id, version and fiscal years so that a file for another year is recognised.

Each table offers pre-sized input rows (``[template] input_rows``, default 200), each cell
unlocked with its dropdown, input message and format: Excel cannot grow a Table on a
protected sheet, so the rows a department may need must exist beforehand. Title rows carry no
borders, 自治体名 comes prefilled (and locked) from the config, and 記入方法 names the office
the file goes to (``[template] submit_to``). The same
function can also write a *filled* template (used for the bundled example and the benchmark):
the data goes into the input cells exactly as a user would type it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpitool.grades import Grades
from kpitool.numbers import NUMBER_LIMIT
from kpitool.page_setup import fit_widths, landscape_xlsxwriter, split_line, wrapped_row_height
from kpitool.spec import (
    DEFAULT_FISCAL_YEARS,
    DEPARTMENT_LIST_NAME,
    DIRECTION_WORDS,
    DIRECTIONS,
    INSTRUCTIONS_SHEET,
    META_ID,
    META_SHEET,
    META_VERSION,
    META_YEAR_CURR,
    META_YEAR_PREV,
    TEMPLATE_ID,
    TEMPLATE_VERSION,
    VIEWPOINT_LIST_NAME,
    Column,
    Kind,
    SheetSpec,
    TemplateSpec,
    template_spec,
)
from kpitool.structure import SurveyStructure, TemplateSettings

FONT = "BIZ UDPゴシック"
TABLE_HEADER_ROW = 2  # 0-based: title in row 1, description in row 2, headers in row 3
FORM_FIRST_ROW = 2  # 0-based row of the first 基本情報 field (labels in A, values in B)
DEFAULT_GRADES = Grades()  # the judgement rule of 菊川市
PINNED_TIME = dt.datetime(2024, 1, 1, 0, 0, 0)  # workbook "created": keeps output deterministic
DEFAULT_FILENAME = "kpi_template_{y0}_{y1}.xlsx"
INSTRUCTION_WIDTH = 136.0  # column units of 記入方法 that print at ≥ 8 pt (kpitool.page_setup)
INSTRUCTION_LABEL_WIDTH = 16.0


@dataclass(frozen=True)
class FilledData:
    """Values to put into the input cells, keyed by spec column keys (as a user types them)."""

    basic: Mapping[str, Any] = field(default_factory=dict)
    kpis: Sequence[Mapping[str, Any]] = ()
    survey: Sequence[Mapping[str, Any]] = ()
    figures: Sequence[Mapping[str, Any]] = ()
    # (sheet key, row index, column key) of values carried from last year's master (rollover):
    # shown in a distinct fill so the department sees what it did not type itself.
    carried: frozenset[tuple[str, int, str]] = frozenset()

    def rows(self, sheet_key: str) -> Sequence[Mapping[str, Any]]:
        return getattr(self, sheet_key)


def template_filename(fiscal_years: tuple[int, int]) -> str:
    return DEFAULT_FILENAME.format(y0=fiscal_years[0], y1=fiscal_years[1])


def write_template(
    path: Path | str,
    *,
    roster: Sequence[str],
    fiscal_years: tuple[int, int] = DEFAULT_FISCAL_YEARS,
    grades: Grades | Sequence[str] = DEFAULT_GRADES,
    data: FilledData | None = None,
    constant_memory: bool = False,
    municipality: str = "",
    survey: SurveyStructure | None = None,
    settings: TemplateSettings | None = None,
) -> Path:
    """Write the department template (optionally filled with ``data``) to ``path``.

    ``municipality`` (prefilled, locked), ``survey`` (the 視点 dropdown) and ``settings``
    (提出先, input rows) come from the config; without them the template is generic.
    ``grades`` is the config's grade rule: its letters fill the 達成状況 dropdown and its
    labels and thresholds the input message and 記入方法 (a bare list of letters is the
    default judgement rule with those letters).
    """
    from kpitool.xlsx_text import text_workbook  # lazy: keeps `kpitool --help` fast

    path = Path(path)
    if not isinstance(grades, Grades):
        grades = Grades(letters=tuple(grades))
    spec = template_spec(tuple(fiscal_years))
    # Parts assembled in memory (a template is small), not one temp file each (kpitool.xlsx_package)
    memory = {"constant_memory": True} if constant_memory else {"in_memory": True}
    wb = text_workbook(str(path), FONT, 10, **memory)  # prefilled texts as typed
    wb.set_properties(
        {
            "title": f"部局経営目標・実績調査 提出様式（{spec.year_labels[0]}・{spec.year_labels[1]}）",
            "author": "kpitool",
            "company": "",
            "created": PINNED_TIME,
        }
    )
    wb.set_custom_property("kpitool_template_id", TEMPLATE_ID)
    wb.set_custom_property("kpitool_template_version", TEMPLATE_VERSION)
    fmt = _Formats(wb)
    settings = settings or TemplateSettings()
    survey = survey or SurveyStructure()
    rows_per_sheet = {
        s.key: max(settings.input_rows, len(data.rows(s.key)) if data and s.layout == "table" else 0)
        for s in spec.sheets
    }
    lists = _Lists(roster, survey.choices())
    _write_instructions(wb, fmt, spec, grades, settings, survey)
    for sheet in spec.sheets:
        if sheet.layout == "form":
            values = dict(data.basic) if data else {}
            if municipality:
                values["municipality"] = municipality
            _write_form(wb, fmt, sheet, values, locked={"municipality"} if municipality else set())
        else:
            _write_table(wb, fmt, sheet, data.rows(sheet.key) if data else (), rows_per_sheet[sheet.key],
                         grades, lists, data.carried if data else frozenset())
    _write_meta(wb, fmt, spec, lists)
    wb.worksheets()[1].activate()
    wb.close()
    return path


CARRIED_FILL = "#FFF2CC"
# What each kind's input cell adds to the plain input format (the same as _Formats.for_kind's).
_KIND_PROPS: dict[Kind, dict[str, Any]] = {
    Kind.LONG_TEXT: {"text_wrap": True}, Kind.VIEWPOINT: {"text_wrap": True},
    Kind.NUMBER: {"num_format": "General"}, Kind.DATE: {"num_format": "yyyy/m/d"},
    Kind.DIRECTION: {"align": "center"}, Kind.GRADE: {"align": "center"}, Kind.ID: {"align": "center"},
}
CARRIED_NOTE = "　薄い黄色のセルは前年度の集約ファイルから転記した値です（前年度から転記）。確認し、必要なら修正してください。"


class _Formats:
    """The handful of cell formats the template uses, created once per workbook."""

    def __init__(self, wb: Any) -> None:
        border = {"border": 1, "border_color": "#808080"}
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.note = wb.add_format({"font_color": "#404040"})
        self.header = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "text_wrap": True, "valign": "vcenter", **border})
        self.label = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "valign": "top", **border})
        self.input = wb.add_format({"locked": False, "valign": "top", **border})
        self.input_wrap = wb.add_format({"locked": False, "valign": "top", "text_wrap": True, **border})
        self.input_center = wb.add_format({"locked": False, "align": "center", "valign": "top", **border})
        # General: a number shows as typed. `#,##0.##` would show 417000 as 「417,000.」.
        self.input_number = wb.add_format({"locked": False, "valign": "top", "num_format": "General", **border})
        self.fixed = wb.add_format({"valign": "top", "bg_color": "#F2F2F2", **border})  # prefilled, locked
        self.input_date = wb.add_format({"locked": False, "valign": "top", "num_format": "yyyy/m/d", **border})
        self.example = wb.add_format({"valign": "top", "text_wrap": True, "bg_color": "#F2F2F2", **border})
        self._carried: dict[Kind, Any] = {}
        self._wb = wb

    def carried(self, kind: Kind) -> Any:
        """The input format of ``kind`` (:data:`_KIND_PROPS`) with the 前年度から転記 fill."""
        if kind not in self._carried:
            self._carried[kind] = self._wb.add_format({
                "locked": False, "valign": "top", "border": 1, "border_color": "#808080",
                **_KIND_PROPS.get(kind, {}), "bg_color": CARRIED_FILL,
            })
        return self._carried[kind]

    def for_kind(self, kind: Kind) -> Any:
        return {
            Kind.LONG_TEXT: self.input_wrap,
            Kind.VIEWPOINT: self.input_wrap,
            Kind.NUMBER: self.input_number,
            Kind.DATE: self.input_date,
            Kind.DIRECTION: self.input_center,
            Kind.GRADE: self.input_center,
            Kind.ID: self.input_center,
        }.get(kind, self.input)


def _prompt(column: Column, grades: Grades | None = None) -> dict[str, Any]:
    prompt = column.prompt
    if column.kind is Kind.GRADE and grades is not None:
        prompt = grade_prompt(grades)
    message = prompt + (f"\n例: {column.example}" if column.example else "")
    return {"input_title": column.label[:32], "input_message": message[:255]}


@dataclass(frozen=True)
class _Lists:
    """The dropdown lists kept on the hidden meta sheet (named ranges), from the config."""

    roster: Sequence[str]
    viewpoints: Sequence[str]



def grade_prompt(grades: Grades) -> str:
    """The 達成状況 input message: the letters with their meaning and the city's rule."""
    return f"{grades.choices_text()}。{grades.rule_text()}数値目標のない指標（定性）は部局の判断で選びます。"


def direction_choices() -> str:
    """↑（高いほど良い）・↓（低いほど良い）・→（参考値）"""
    return "・".join(f"{d}（{DIRECTION_WORDS[d]}）" for d in DIRECTIONS)


def _validation(column: Column, grades: Grades, lists: _Lists | None = None) -> dict[str, Any]:
    """Excel data validation for the input cells of ``column`` (with its input message)."""
    rule: dict[str, Any] = {"validate": "any"}
    if column.kind is Kind.VIEWPOINT and lists is not None and lists.viewpoints:
        rule = {"validate": "list", "source": f"={VIEWPOINT_LIST_NAME}",
                "error_title": "視点", "error_message": "一覧にある視点を選んでください。"}
    elif column.kind is Kind.DIRECTION:
        rule = {"validate": "list", "source": list(DIRECTIONS),
                "error_title": "方向", "error_message": f"{direction_choices()} から選んでください。"}
    elif column.kind is Kind.GRADE:
        letters = grades.letters
        rule = {"validate": "list", "source": list(letters),
                "error_title": "達成状況", "error_message": f"{grades.choices_text()} から選んでください。"[:255]}
    elif column.kind is Kind.YEAR:
        rule = {"validate": "any"}  # 2016, 平成28年度, R4: the validator reads them all
    elif column.kind is Kind.DEPARTMENT:
        rule = {"validate": "list", "source": f"={DEPARTMENT_LIST_NAME}",
                "error_title": "部局名", "error_message": "一覧にある部局名を選んでください。"}
    elif column.kind is Kind.NUMBER:
        # Markers (-, …, x) and units typed in the cell are legitimate, so only warn.
        rule = {"validate": "decimal", "criteria": "between", "minimum": -NUMBER_LIMIT, "maximum": NUMBER_LIMIT,
                "error_type": "warning", "error_title": "数値の入力",
                "error_message": "数値を入力してください。該当なし（-）・不詳（…）・秘匿（x）は「はい」でそのまま入力できます。"
                + ("数値でない目標（定性）も「はい」で文章のまま入力できます。" if column.text_ok else "")}
    elif column.kind is Kind.DATE:
        rule = {"validate": "date", "criteria": "between",
                "minimum": dt.date(2000, 1, 1), "maximum": dt.date(2100, 12, 31),
                "error_type": "warning", "error_title": "作成日",
                "error_message": "日付を入力してください（例: 2024/4/1）。"}
    return {**rule, **_prompt(column, grades), "ignore_blank": True}


def _write_value(ws: Any, row: int, col: int, value: Any, cell_format: Any) -> None:
    """Write a value as a user would have typed it; text is always text, never a formula."""
    if value is None or value == "":
        ws.write_blank(row, col, None, cell_format)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, cell_format)
    elif isinstance(value, int | float):
        ws.write_number(row, col, value, cell_format)
    elif isinstance(value, dt.date):
        ws.write_datetime(row, col, value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time()), cell_format)
    else:
        ws.write_string(row, col, str(value), cell_format)


def _print_setup(ws: Any, repeat_row: int | None) -> None:
    landscape_xlsxwriter(ws, repeat_rows=None if repeat_row is None else (repeat_row, repeat_row))


def _protect(ws: Any) -> None:
    ws.protect("", {"format_columns": True, "format_rows": True, "insert_rows": True,
                    "delete_rows": True, "sort": True, "autofilter": True})


def _write_form(wb: Any, fmt: _Formats, sheet: SheetSpec, values: Mapping[str, Any], *, locked: set[str]) -> None:
    """基本情報: labels in A, values in B; a ``locked`` field is prefilled from the config."""
    ws = wb.add_worksheet(sheet.name)
    ws.set_column(0, 0, 14)
    ws.set_column(1, 1, 40)
    ws.write_string(0, 0, sheet.name, fmt.title)
    ws.write_string(1, 0, sheet.description, fmt.note)
    for i, column in enumerate(sheet.columns):
        row = FORM_FIRST_ROW + i
        ws.write_string(row, 0, column.label, fmt.label)
        ws.data_validation(row, 0, row, 0, {"validate": "any", **_prompt(column)})
        if column.key in locked:
            _write_value(ws, row, 1, values.get(column.key), fmt.fixed)
            continue
        cell_format = fmt.input_date if column.kind is Kind.DATE else fmt.input
        _write_value(ws, row, 1, values.get(column.key), cell_format)
        ws.data_validation(row, 1, row, 1, _validation(column, DEFAULT_GRADES))
    _print_setup(ws, None)
    _protect(ws)


def _write_table(
    wb: Any,
    fmt: _Formats,
    sheet: SheetSpec,
    rows: Sequence[Mapping[str, Any]],
    n_rows: int,
    grades: Grades,
    lists: _Lists,
    carried: frozenset[tuple[str, int, str]] = frozenset(),
) -> None:
    """A table: title rows without borders, header, ``n_rows`` unlocked input rows, then locked.

    Only the input cells carry a format (unlocked, bordered); a column-wide format would put
    borders across the title rows and unlock the cells below the table.
    """
    ws = wb.add_worksheet(sheet.name)
    ws.write_string(0, 0, sheet.name, fmt.title)
    has_carried = any(key == sheet.key for key, _r, _c in carried)
    ws.write_string(1, 0, sheet.description + (CARRIED_NOTE if has_carried else ""), fmt.note)
    header, first, last = TABLE_HEADER_ROW, TABLE_HEADER_ROW + 1, TABLE_HEADER_ROW + n_rows
    for c, width in enumerate(fit_widths([column.width for column in sheet.columns])):
        ws.set_column(c, c, width)
    ws.add_table(
        header, 0, last, len(sheet.columns) - 1,
        {
            "name": sheet.table_name,
            "style": "Table Style Light 9",
            "autofilter": False,
            "columns": [{"header": c.label, "header_format": fmt.header} for c in sheet.columns],
        },
    )
    formats = [fmt.for_kind(column.kind) for column in sheet.columns]
    for c, column in enumerate(sheet.columns):
        ws.data_validation(header, c, header, c, {"validate": "any", **_prompt(column, grades)})
        ws.data_validation(first, c, last, c, _validation(column, grades, lists))
    for r in range(n_rows):  # row by row: also right in XlsxWriter's constant_memory mode
        values = rows[r] if r < len(rows) else {}
        for c, column in enumerate(sheet.columns):
            cell_format = fmt.carried(column.kind) if (sheet.key, r, column.key) in carried else formats[c]
            _write_value(ws, first + r, c, values.get(column.key), cell_format)
    ws.set_row(header, 30)
    ws.freeze_panes(first, 0)
    _print_setup(ws, header)
    _protect(ws)


def _write_instructions(wb: Any, fmt: _Formats, spec: TemplateSpec, grades: Grades,
                       settings: TemplateSettings, survey: SurveyStructure) -> None:
    ws = wb.add_worksheet(INSTRUCTIONS_SHEET)
    # One A4 page wide at ≥ 8 pt (issue 12): the example tables share the columns after A, and
    # each line of text is cut into rows that end within the page.
    spread = max(len(sheet.columns) for sheet in spec.sheets) - 1
    widths = [INSTRUCTION_LABEL_WIDTH] + [(INSTRUCTION_WIDTH - INSTRUCTION_LABEL_WIDTH) / spread] * spread
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
    y0, y1 = spec.year_labels
    viewpoint_note = ("視点は一覧から選びます（中見出しのある視点は「視点 ／ 中見出し」）。" if survey.configured
                      else "視点は方針に掲載のとおりに入力します。")
    lines = [
        f"部局経営目標・実績調査 提出様式（{y0}・{y1}）の記入方法",
        f"提出先：{settings.destination}",
        "1. 「基本情報」シートのB列に、部局名（一覧から選択）・部局長名・担当者・連絡先・作成日を入力します（自治体名は入力済みです）。",
        "2. 「事業成果目標」シートに、指標（KPI）を1行に1つ入力します。番号は毎年同じ番号を使ってください（年度間の照合に使います）。",
        "  ・基準値・基準年度・目標年度は任意です（例: 基準値 58団体・基準年度 2016・目標値 84団体・目標年度 2022）。"
        "年度は 2016、平成28年度、R4 のどれでも入力できます。基準値があると進捗率を計算します。",
        "  ・数値でない目標（例: すべての項目、計画の策定）は目標値に文章で入力し、備考に説明を書いてください（定性の目標：達成率は計算しません）。",
        "3. 「実績調査」シートに、主な取り組みごとに取り組み名・内容と各年度の実績を文章で入力します。" + viewpoint_note,
        "4. 「実績数値」シートに、実績調査の取り組みを裏付ける数値を項目ごとに入力します。取り組み番号は実績調査シートの番号です。",
        "",
        "数値の書き方: 数値はそのまま入力してください（例: 515、2459.3）。単位は「単位」列に入力します。",
        "  ・該当なしは -（半角ハイフン）、不詳は …、秘匿は x を入力してください。",
        "  ・「約60人」「集計中」のような書き方は集計できません。確定値か上の記号を入力してください。",
        "  ・マイナスは -1972 と入力してください（△1,972 と入力しても読み取れます）。",
        "方向: ↑ は高いほど良い指標、↓ は低いほど良い指標（順位・事故件数など）、→ は良し悪しを問わない参考値"
        "（改善・悪化や達成率を計算しません）です。",
        f"達成状況: {grades.choices_text()}",
        f"  区分の基準: {grades.rule_text()}",
        "  数値目標のない指標（定性）は部局の判断で選びます。",
        "",
        f"見出し・シート名は変更しないでください。各表には{settings.input_rows}行まで入力できます。"
        f"足りない場合は{settings.destination}に連絡してください。",
        f"入力後、ファイルを保存して{settings.destination}へ提出してください。",
    ]
    ws.write_string(0, 0, lines[0], fmt.title)
    row = 1
    for line in lines[1:]:
        for piece in split_line(line, INSTRUCTION_WIDTH - 2):
            ws.write_string(row, 0, piece)
            row += 1
    row += 1
    for sheet in spec.sheets:
        ws.write_string(row, 0, f"記入例：{sheet.name}", fmt.title)
        row += 1
        if sheet.layout == "form":
            for column in sheet.columns:
                ws.write_string(row, 0, column.label, fmt.label)
                ws.write_string(row, 1, column.example, fmt.example)
                height = wrapped_row_height([(column.example, widths[1])])
                if height:
                    ws.set_row(row, height)
                row += 1
        else:
            for c, column in enumerate(sheet.columns):
                ws.write_string(row, c, column.label, fmt.header)
                ws.write_string(row + 1, c, column.example, fmt.example)
            for r, key in ((row, "label"), (row + 1, "example")):
                height = wrapped_row_height((getattr(column, key), widths[c]) for c, column in enumerate(sheet.columns))
                if height:
                    ws.set_row(r, height)
            row += 2
        row += 1
    _print_setup(ws, None)
    ws.protect("", {"format_columns": True, "format_rows": True})


def _write_meta(wb: Any, fmt: _Formats, spec: TemplateSpec, lists: _Lists) -> None:
    ws = wb.add_worksheet(META_SHEET)
    meta = [
        (META_ID, TEMPLATE_ID),
        (META_VERSION, TEMPLATE_VERSION),
        (META_YEAR_PREV, spec.fiscal_years[0]),
        (META_YEAR_CURR, spec.fiscal_years[1]),
    ]
    for r, (key, value) in enumerate(meta):
        ws.write_string(r, 0, key)
        _write_value(ws, r, 1, value, None)
    for col, letter, name, items in ((3, "D", DEPARTMENT_LIST_NAME, lists.roster),
                                     (5, "F", VIEWPOINT_LIST_NAME, lists.viewpoints)):
        if col == 5 and not items:
            continue
        ws.write_string(0, col, name)
        for r, item in enumerate(items, start=1):
            ws.write_string(r, col, item)
        wb.define_name(name, f"='{META_SHEET}'!${letter}$2:${letter}${max(len(items), 1) + 1}")
    ws.very_hidden()
    ws.protect("", {})


def read_meta_rows(rows: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """Parse the meta sheet's key/value rows (as read by any reader) into a dict."""
    out: dict[str, Any] = {}
    for row in rows:
        if len(row) >= 2 and isinstance(row[0], str) and row[0]:
            value = row[1]
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            out[row[0]] = value
    return out
