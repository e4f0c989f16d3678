"""The named checks of the spec (``Column.checks``): rules that compare rows or cells.

Each check gets the sheet and the columns that name it, and looks across the sheet's rows:
番号 unique, 部局名 in the roster, units typed in cells, jumps between years or between 目標値
and 実績, 達成状況 against 達成率, references from 実績数値 to 実績調査. :data:`kpitool.validation.rules.CHECKS`
declares them with their titles and codes; this module holds what they do.
"""

from __future__ import annotations

from collections.abc import Iterator

from kpitool import codes
from kpitool.numbers import format_number, unit_scale
from kpitool.reader import CellValue, Record
from kpitool.spec import GRADED_DIRECTIONS, RANK_UNITS, UP, Column, SheetSpec
from kpitool.validation.context import Context, is_blank, normalized, usable
from kpitool.validation.roster import match_department
from kpitool.variance import achievement_rate


def _cells(ctx: Context, sheet: SheetSpec, column: Column) -> list[tuple[Record, CellValue]]:
    """The usable cells of one column, with their records."""
    out = []
    for record in ctx.rows(sheet):
        cell = record.cells.get(column.key)
        if usable(cell):
            out.append((record, cell))
    return out


def _first(cell: CellValue) -> str:
    return f"セル{cell.cell}"


UNIQUE_CODES: dict[str, str] = {"kpis": codes.KPI_DUPLICATE_NO, "survey": codes.SURVEY_DUPLICATE_NO}


def check_unique(ctx: Context, sheet: SheetSpec, columns: tuple[Column, ...]) -> None:
    """No two rows share a 番号: rows are matched across years by it."""
    code = UNIQUE_CODES[sheet.key]
    for column in columns:
        seen: dict[str, CellValue] = {}
        for _record, cell in _cells(ctx, sheet, column):
            key = normalized(cell.text)
            if key in seen:
                ctx.add(code, cell, label=column.label, first=_first(seen[key]))
            else:
                seen[key] = cell


def check_in_roster(ctx: Context, sheet: SheetSpec, columns: tuple[Column, ...]) -> None:
    """部局名 is one of the roster's names, which decide 提出済 / 未提出 (matched by
    :func:`kpitool.validation.roster.match_department`, the one matcher 集約 uses too)."""
    for column in columns:
        for _record, cell in _cells(ctx, sheet, column):
            match = match_department(cell.text, ctx.config.roster)
            if match.on_roster:
                continue
            suggestion = f"「{match.suggestion}」ではありませんか。" if match.suggestion else ""
            ctx.add(codes.BASIC_NOT_IN_ROSTER, cell, label=column.label, suggestion=suggestion)


def check_municipality(ctx: Context, sheet: SheetSpec, columns: tuple[Column, ...]) -> None:
    expected = ctx.config.municipality
    for column in columns:
        for _record, cell in _cells(ctx, sheet, column):
            if normalized(cell.text) != normalized(expected):
                ctx.add(codes.BASIC_MUNICIPALITY, cell, label=column.label, expected=expected)


def check_unit_matches(ctx: Context, sheet: SheetSpec, columns: tuple[Column, ...]) -> None:
    """A unit typed with the number (1,167,400千円) is the row's 単位, or the value is wrong."""
    for column in columns:
        for record, cell in _cells(ctx, sheet, column):
            parsed = ctx.number(cell)
            unit = ctx.values.row_unit(record)
            if parsed.kind != "number" or parsed.unit is None or unit is None or parsed.unit == unit:
                continue
            typed_base, typed_scale = unit_scale(parsed.unit)
            base, scale = unit_scale(unit)
            suggestion = ""
            if typed_base == base and parsed.value is not None:
                converted = format_number(round(parsed.value * typed_scale / scale, 6))
                suggestion = f"「{record.text('unit')}」で表すと {converted} です。"
            ctx.add(codes.UNIT_MISMATCH, cell, label=column.label, typed=parsed.unit,
                    unit=record.text("unit"), suggestion=suggestion)


def _value_in_row_unit(ctx: Context, record: Record, cell: CellValue | None) -> float | None:
    """The number of a cell, if it is one in the row's unit (no typed unit, or the same)."""
    if not usable(cell):
        return None
    assert cell is not None
    parsed = ctx.number(cell)
    if parsed.kind != "number" or parsed.value is None:
        return None
    if parsed.unit is not None and parsed.unit != ctx.values.row_unit(record):
        return None  # check_unit_matches reports it
    return parsed.value


def _ratio(a: float, b: float) -> float | None:
    """How many times larger the larger is; None across zero or a change of sign (増減 rows)."""
    if a == 0 or b == 0 or (a < 0) != (b < 0):
        return None
    a, b = abs(a), abs(b)
    return max(a, b) / min(a, b)


def _yen_cause(record: Record, ratio: float) -> str:
    """円 and 千円 differ by 1,000: name the likely cause when the ratio is near it."""
    base, _scale = unit_scale(record.text("unit"))
    if base == "円" and 10**2.5 <= ratio <= 10**3.5:
        return "（円と千円の取り違えの可能性があります）"
    return ""


def _jumps(
    ctx: Context, sheet: SheetSpec, columns: tuple[Column, ...]
) -> Iterator[tuple[Record, float, float, CellValue, float]]:
    """(record, earlier value, later value, later cell, ratio) for pairs at or over the ratio."""
    if len(columns) != 2:
        raise ValueError(f"{sheet.name}: a jump check needs two columns, not {len(columns)}")
    first, second = columns
    for record in ctx.rows(sheet):
        later = record.cells.get(second.key)
        a = _value_in_row_unit(ctx, record, record.cells.get(first.key))
        b = _value_in_row_unit(ctx, record, later)
        if a is None or b is None or later is None:
            continue
        ratio = _ratio(a, b)
        if ratio is not None and ratio >= ctx.config.year_jump_ratio:
            yield record, a, b, later, ratio


def check_year_jump(ctx: Context, sheet: SheetSpec, columns: tuple[Column, ...]) -> None:
    """前年度 -> 当年度 by a factor of about 1,000: 円 and 千円 mixed up (警告)."""
    for record, prev, curr, cell, ratio in _jumps(ctx, sheet, columns):
        ctx.add(codes.UNIT_YEAR_JUMP, cell, label=columns[1].label, prev=format_number(prev),
                curr=format_number(curr), ratio=f"{ratio:,.0f}", cause=_yen_cause(record, ratio))


def check_target_jump(ctx: Context, sheet: SheetSpec, columns: tuple[Column, ...]) -> None:
    """目標値 and 実績 of different orders of magnitude: one is in another unit (警告)."""
    for record, target, actual, cell, ratio in _jumps(ctx, sheet, columns):
        ctx.add(codes.UNIT_TARGET_JUMP, cell, label=columns[1].label, target=format_number(target),
                actual=format_number(actual), ratio=f"{ratio:,.0f}", cause=_yen_cause(record, ratio))


def check_grade_consistent(ctx: Context, sheet: SheetSpec, columns: tuple[Column, ...]) -> None:
    """達成状況 against the 達成率 of 当年度実績 and 目標値 under the city's grade rule (警告).

    The finding quotes the rule the letter breaks (A requires 達成率100%以上 …) and never
    proposes another letter: under ``judgement`` the department decides, and telling it to
    call a missed target 達成 would publish wrong counts. 参考値 (→) and 定性 targets have no
    達成率, so nothing to compare.
    """
    grades = ctx.config.grades
    for column in columns:
        for record, cell in _cells(ctx, sheet, column):
            letter = cell.text.strip()
            direction = record.text("direction")
            if letter not in grades.letters or direction not in GRADED_DIRECTIONS:
                continue
            target = _value_in_row_unit(ctx, record, record.cells.get("target"))
            actual = _value_in_row_unit(ctx, record, record.cells.get("curr"))
            rate = achievement_rate(target, actual, direction)
            requirement = grades.violation(letter, rate)
            if requirement is None or rate is None:
                continue
            assert target is not None and actual is not None
            ctx.add(codes.KPI_GRADE_INCONSISTENT, cell, label=column.label, grade=grades.display(letter),
                    requirement=requirement, target=format_number(target), actual=format_number(actual),
                    rate=f"{rate:.1%}", criteria=grades.rule_text())


def check_rank_direction(ctx: Context, sheet: SheetSpec, columns: tuple[Column, ...]) -> None:
    """A rank (位, 番目, 順位) with ↑: 318位 would count as better than 300位 (警告)."""
    for column in columns:
        for record, cell in _cells(ctx, sheet, column):
            unit = ctx.values.row_unit(record)
            if cell.text.strip() == UP and unit in RANK_UNITS:
                ctx.add(codes.UNIT_RANK_UP, cell, label=column.label, unit=record.text("unit"))


def check_year_order(ctx: Context, sheet: SheetSpec, columns: tuple[Column, ...]) -> None:
    """目標年度 before 基準年度: the two were probably swapped (警告)."""
    for column in columns:
        for record, cell in _cells(ctx, sheet, column):
            target_year = ctx.values.year(cell).year
            base_cell = record.cells.get("base_year")
            base_year = ctx.values.year(base_cell).year if usable(base_cell) and base_cell else None
            if target_year is not None and base_year is not None and target_year < base_year:
                ctx.add(codes.KPI_YEAR_ORDER, cell, label=column.label, target_year=target_year,
                        base_year=base_year)


def check_refers_to_survey(ctx: Context, sheet: SheetSpec, columns: tuple[Column, ...]) -> None:
    """Every figure belongs to a 取り組み of the 実績調査 sheet."""
    survey = ctx.sub.spec.sheet("survey")
    if ctx.has_problem(survey.name, "missing_sheet", "missing_header_row") or any(
        p.kind == "missing_column" and p.sheet == survey.name and p.detail == survey.column("no").label
        for p in ctx.sub.structure
    ):
        return  # the structure finding says it; every figure would be reported otherwise
    known: dict[str, str] = {}
    for record in ctx.sub.survey:
        text = record.text("no")
        if text:
            known.setdefault(normalized(text), text)
    listed = "、".join(list(known.values())[:20]) or "なし"
    for column in columns:
        for _record, cell in _cells(ctx, sheet, column):
            if normalized(cell.text) not in known:
                ctx.add(codes.FIG_UNKNOWN_INITIATIVE, cell, label=column.label, numbers=listed)


def check_unique_in_initiative(ctx: Context, sheet: SheetSpec, columns: tuple[Column, ...]) -> None:
    """項目 names one figure within its 取り組み; a repeat is a copy-paste or a typo."""
    for column in columns:
        seen: dict[tuple[str, str], CellValue] = {}
        for record, cell in _cells(ctx, sheet, column):
            initiative = record.text("initiative_no")
            key = (normalized(initiative), normalized(cell.text))
            if key in seen:
                ctx.add(codes.FIG_DUPLICATE_ITEM, cell, label=column.label, initiative=initiative,
                        first=_first(seen[key]))
            else:
                seen[key] = cell


def check_in_viewpoints(ctx: Context, sheet: SheetSpec, columns: tuple[Column, ...]) -> None:
    """視点 is one of the config's list (「視点１」 = 「視点1」); without a list it is free text."""
    structure = ctx.config.survey
    if not structure.configured:
        return
    listed = "、".join(structure.choices())
    if len(listed) > 200:
        listed = listed[:199] + "…"
    for column in columns:
        for _record, cell in _cells(ctx, sheet, column):
            if structure.resolve(cell.text) is None:
                ctx.add(codes.SURVEY_UNKNOWN_VIEWPOINT, cell, label=column.label, choices=listed)


EXPECTED_CODES: dict[str, str] = {"survey": codes.SURVEY_YEAR_EMPTY, "kpis": codes.KPI_RESULT_EMPTY}


def check_expected(ctx: Context, sheet: SheetSpec, columns: tuple[Column, ...]) -> None:
    """Not required, but an empty one is usually an oversight (警告): each year's 実績, as text
    in 実績調査 and as a number in 事業成果目標 (where an empty one is never graded nor compared)."""
    for column in columns:
        for record in ctx.rows(sheet):
            cell = record.cells.get(column.key)
            if is_blank(cell):
                ctx.add(EXPECTED_CODES[sheet.key], cell, label=column.label)


def check_target_given(ctx: Context, sheet: SheetSpec, columns: tuple[Column, ...]) -> None:
    """An empty 目標値 without a 備考 (警告): the template asks for a number, a described target
    with a 備考, or - (該当なし), so an empty one is most likely forgotten; it would otherwise
    count silently as 目標なし (:func:`kpitool.targets.target_kind`), never graded."""
    for column in columns:
        for record in ctx.rows(sheet):
            cell = record.cells.get(column.key)
            if is_blank(cell) and not usable(record.cells.get("note")):
                ctx.add(codes.KPI_TARGET_EMPTY, cell, label=column.label)
