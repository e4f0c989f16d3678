"""kpitool rollover (issue 13): next year's templates prefilled from this year's master.

The master is built from the bundled example through the CLI, as a planning office would; the
expectations are read from that master with openpyxl, independently of kpitool.history.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

from kpitool.cli import main
from kpitool.config import load_config
from kpitool.demo import prepare
from kpitool.template import CARRIED_FILL
from kpitool.validate import validate_file

NEXT_YEARS = (2023, 2024)


def _next_config(root: Path, source: Path, extra: str = "", replace: dict[str, str] | None = None) -> Path:
    text = source.read_text(encoding="utf-8")
    text = re.sub(r"fiscal_years = \[\d+, \d+\]", f"fiscal_years = [{NEXT_YEARS[0]}, {NEXT_YEARS[1]}]", text)
    for old, new in (replace or {}).items():
        text = text.replace(f'"{old}"', f'"{new}"')
    path = root / "next.toml"
    path.write_text(text + extra, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def cycle(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("rollover")
    config, inbox = prepare(root)
    master = root / "master.xlsx"
    assert main(["consolidate", str(inbox), "-o", str(master), "--config", str(config.source)]) in (0, 1)
    next_config = _next_config(root, config.source)
    out = root / "next"
    assert main(["rollover", str(master), "-o", str(out), "--config", str(next_config)]) == 0
    return {"root": root, "master": master, "config": config.source, "next_config": next_config, "out": out}


def _table(ws, header_labels: set[str]) -> tuple[list[str], list[list]]:
    """Header and data rows of the table whose header row holds ``header_labels``."""
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    for i, row in enumerate(rows):
        if header_labels <= {str(v) for v in row if v is not None}:
            data = [r for r in rows[i + 1:] if any(v not in (None, "") for v in r)]
            return [str(v) if v is not None else "" for v in row], data
    raise AssertionError(f"no table with {header_labels} in {ws.title}")


def _master_rows(master: Path, sheet: str, department: str) -> list[dict[str, object]]:
    wb = openpyxl.load_workbook(master, data_only=True)
    header, rows = _table(wb[sheet], {"部局名"})
    return [dict(zip(header, r, strict=False)) for r in rows if r[header.index("部局名")] == department]


def _template_rows(path: Path, sheet: str, first_label: str) -> tuple[list[str], list[dict[str, object]], object]:
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    header, rows = _table(ws, {first_label})
    return header, [dict(zip(header, r, strict=False)) for r in rows], ws


def test_one_template_per_roster_department(cycle: dict[str, Path]) -> None:
    roster = load_config(cycle["next_config"]).roster
    files = sorted(p.name for p in cycle["out"].glob("*.xlsx"))
    assert files == sorted(f"kpi_template_2023_2024_{d}.xlsx" for d in roster)


def test_every_carried_kpi_equals_the_master(cycle: dict[str, Path]) -> None:
    for department in load_config(cycle["next_config"]).roster:
        expected = _master_rows(cycle["master"], "事業成果目標", department)
        path = cycle["out"] / f"kpi_template_2023_2024_{department}.xlsx"
        _header, rows, _ws = _template_rows(path, "事業成果目標", "番号")
        assert len(rows) == len(expected), department
        for got, want in zip(rows, expected, strict=True):
            for label in ("番号", "施策・事業名", "指標名", "単位", "方向", "目標値"):
                assert got[label] == want[label], (department, label)
            # This year's 令和5年度実績 becomes next year's 前年度 (令和5年度実績 again, now the first year).
            assert got["令和5年度実績"] == want["令和5年度実績"], department
            assert got["令和6年度実績"] is None


def test_every_carried_survey_and_figure_row_equals_the_master(cycle: dict[str, Path]) -> None:
    for department in load_config(cycle["next_config"]).roster:
        path = cycle["out"] / f"kpi_template_2023_2024_{department}.xlsx"
        want = _master_rows(cycle["master"], "実績調査", department)
        _h, got, _ws = _template_rows(path, "実績調査", "視点")
        # the 視点 as the template's dropdown offers it: 「視点 ／ 中見出し」 (issue 12)
        assert [(g["番号"], g["視点"], g["内容"], g["令和5年度実績"], g["令和6年度実績"]) for g in got] == [
            (w["番号"], f"{w['視点']} ／ {w['中見出し']}" if w["中見出し"] else w["視点"], w["内容"],
             w["令和5年度実績"], None) for w in want]
        want = _master_rows(cycle["master"], "実績数値", department)
        _h, got, _ws = _template_rows(path, "実績数値", "項目")
        assert [(g["取り組み番号"], g["項目"], g["単位"], g["方向"], g["令和5年度"], g["令和6年度"]) for g in got] == [
            (w["取り組み番号"], w["項目"], w["単位"], w["方向"], w["令和5年度"], None) for w in want]


def test_carried_cells_are_marked_and_new_year_cells_are_not(cycle: dict[str, Path]) -> None:
    path = cycle["out"] / "kpi_template_2023_2024_総合政策部.xlsx"
    header, rows, ws = _template_rows(path, "実績数値", "項目")
    assert rows
    first = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == rows[0]["項目"])
    carried = ws.cell(first, header.index("項目") + 1)
    new_year = ws.cell(first, header.index("令和6年度") + 1)
    assert carried.fill.fgColor.rgb.endswith(CARRIED_FILL.lstrip("#"))
    assert not (new_year.fill.fgColor.rgb or "").endswith(CARRIED_FILL.lstrip("#"))
    assert "前年度から転記" in str(ws.cell(2, 1).value)
    assert carried.protection.locked is False  # departments may edit carried cells


def test_a_department_without_rows_gets_a_blank_template(cycle: dict[str, Path]) -> None:
    # 教育文化部 did not submit this year: nothing to carry.
    path = cycle["out"] / "kpi_template_2023_2024_教育文化部.xlsx"
    _h, rows, _ws = _template_rows(path, "事業成果目標", "番号")
    assert rows == []


def _type_new_year(path: Path, out: Path) -> Path:
    """Type the 令和6年度 values into every carried row, as the department would."""
    wb = openpyxl.load_workbook(path)
    for sheet, first_label, column, value in (
        ("事業成果目標", "番号", "令和6年度実績", 1),
        ("実績数値", "項目", "令和6年度", 2),
        ("実績調査", "視点", "令和6年度実績", "令和6年度も継続して実施した。"),
    ):
        ws = wb[sheet]
        header_row = next(r for r in range(1, ws.max_row + 1)
                          if first_label in [c.value for c in ws[r]])
        header = [c.value for c in ws[header_row]]
        key, target = header.index(header[0]) + 1, header.index(column) + 1
        for r in range(header_row + 1, ws.max_row + 1):
            if ws.cell(r, key).value not in (None, ""):
                ws.cell(r, target).value = value
    wb.save(out)
    return out


def test_each_rolled_over_template_validates_clean_once_typed(cycle: dict[str, Path], tmp_path: Path) -> None:
    config = load_config(cycle["next_config"])
    for department in config.roster:
        source = cycle["out"] / f"kpi_template_2023_2024_{department}.xlsx"
        typed = _type_new_year(source, tmp_path / source.name)
        wb = openpyxl.load_workbook(typed)
        basic = wb["基本情報"]
        for r in range(1, basic.max_row + 1):  # what a department types itself
            label = basic.cell(r, 1).value
            if label in ("部局長名", "担当者") and not basic.cell(r, 2).value:
                basic.cell(r, 2).value = "山田 花子"
            if label == "作成日":
                basic.cell(r, 2).value = "2025/4/1"
        wb.save(typed)
        result = validate_file(typed, config)
        errors = [(f.code, f.sheet, f.cell) for f in result.report.findings if f.severity.name == "ERROR"]
        assert errors == [], department


def test_wrong_years_are_refused_in_japanese(cycle: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["rollover", str(cycle["master"]), "-o", str(cycle["root"] / "x"), "--config", str(cycle["config"])])
    err = capsys.readouterr().err
    assert code == 2
    assert "fiscal_years を [2023, 2024]" in err
    assert not (cycle["root"] / "x").exists() or not list((cycle["root"] / "x").iterdir())


def test_a_renamed_department_carries_its_rows_and_numbers(cycle: dict[str, Path], tmp_path: Path) -> None:
    extra = '\n[rollover]\nrenamed = { "総務部" = "総務課" }\n'
    config_path = _next_config(tmp_path, cycle["config"], extra, replace={"総務部": "総務課"})
    out = tmp_path / "out"
    assert main(["rollover", str(cycle["master"]), "-o", str(out), "--config", str(config_path)]) == 0
    want = _master_rows(cycle["master"], "事業成果目標", "総務部")
    assert want
    _h, rows, _ws = _template_rows(out / "kpi_template_2023_2024_総務課.xlsx", "事業成果目標", "番号")
    assert [r["番号"] for r in rows] == [w["番号"] for w in want]
    assert not (out / "kpi_template_2023_2024_総務部.xlsx").exists()
    wb = openpyxl.load_workbook(out / "kpi_template_2023_2024_総務課.xlsx")
    values = [c.value for row in wb["基本情報"].iter_rows() for c in row]
    assert "総務課" in values


# --- restated figures (kpitool.validation.restated) --------------------------------------------


def _typed_with_prev(cycle: dict[str, Path], tmp_path: Path, department: str, change: float | None,
                     note: str | None = None) -> Path:
    """The department's rolled-over template, typed, with its first 実績数値 前年度 changed."""
    source = cycle["out"] / f"kpi_template_2023_2024_{department}.xlsx"
    typed = _type_new_year(source, tmp_path / source.name)
    wb = openpyxl.load_workbook(typed)
    ws = wb["実績数値"]
    header_row = next(r for r in range(1, ws.max_row + 1) if "項目" in [c.value for c in ws[r]])
    header = [c.value for c in ws[header_row]]
    if change is not None:
        ws.cell(header_row + 1, header.index("令和5年度") + 1).value = change
    if note is not None:
        ws.cell(header_row + 1, header.index("備考") + 1).value = note
    wb.save(typed)
    return typed


def _all_findings(path: Path, config_path: Path, previous: Path | None) -> list:
    import dataclasses

    config = load_config(config_path)
    if previous is not None:
        config = dataclasses.replace(config, history_masters=(previous,))
    return list(validate_file(path, config).report.findings)


def _restated(path: Path, config_path: Path, previous: Path | None) -> list:
    return [f for f in _all_findings(path, config_path, previous) if f.code == "W-HIST-001"]


def test_a_changed_prev_value_is_flagged_with_both_values(cycle: dict[str, Path], tmp_path: Path) -> None:
    department = "総合政策部"
    want = _master_rows(cycle["master"], "実績数値", department)[0]
    recorded = want["令和5年度"]
    assert isinstance(recorded, int | float)
    changed = recorded + 7
    path = _typed_with_prev(cycle, tmp_path, department, changed)
    found = _restated(path, cycle["next_config"], cycle["master"])
    assert len(found) == 1
    message = found[0].message
    assert f"{changed:,}".rstrip("0").rstrip(".") in message.replace(".0 ", " ")
    assert f"{recorded:,}".rstrip("0").rstrip(".") in message
    assert "master.xlsx" in message and "実績数値!" in message
    assert found[0].sheet == "実績数値"
    assert found[0].label == "令和5年度"  # the 項目 column of every list: the 前年度 column's label


def test_an_unchanged_file_gets_no_restated_warning(cycle: dict[str, Path], tmp_path: Path) -> None:
    path = _typed_with_prev(cycle, tmp_path, "総合政策部", None)
    assert _restated(path, cycle["next_config"], cycle["master"]) == []


def test_an_explained_change_is_not_flagged(cycle: dict[str, Path], tmp_path: Path) -> None:
    recorded = _master_rows(cycle["master"], "実績数値", "総合政策部")[0]["令和5年度"]
    path = _typed_with_prev(cycle, tmp_path, "総合政策部", recorded + 7, note="確定値に更新")
    assert _restated(path, cycle["next_config"], cycle["master"]) == []


def test_without_a_previous_master_nothing_is_compared(cycle: dict[str, Path], tmp_path: Path) -> None:
    recorded = _master_rows(cycle["master"], "実績数値", "総合政策部")[0]["令和5年度"]
    path = _typed_with_prev(cycle, tmp_path, "総合政策部", recorded + 7)
    assert _restated(path, cycle["next_config"], None) == []


def test_previous_flag_of_the_cli_compares(cycle: dict[str, Path], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    recorded = _master_rows(cycle["master"], "実績数値", "総合政策部")[0]["令和5年度"]
    path = _typed_with_prev(cycle, tmp_path, "総合政策部", recorded + 7)
    main(["validate", str(path), "--config", str(cycle["next_config"]), "--previous", str(cycle["master"])])
    assert "W-HIST-001" in capsys.readouterr().out


def test_a_previous_master_of_another_year_is_said_not_silently_skipped(
        cycle: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """--previous with this year's own master (its 当年度 is 令和5年度, this year's 前年度 令和4年度)."""
    path = next(cycle["out"].glob("*総合政策部*.xlsx"))
    main(["validate", str(path), "--config", str(cycle["config"]), "--previous", str(cycle["master"])])
    out = capsys.readouterr().out
    assert "前年度の値は照合していません" in out and "master.xlsx（令和5年度まで）" in out
    assert "令和4年度を当年度とする前年度の集約ファイルがありません" in out


def test_last_year_s_form_is_not_compared_with_last_year_s_master(cycle: dict[str, Path]) -> None:
    """An old form's 前年度 column holds 令和4年度: E-TPL-003 only, no W-HIST-001 calling it 令和5年度."""
    last_year = next((cycle["root"] / "inbox").glob("*総合政策部*.xlsx"))
    rows = _master_rows(cycle["master"], "実績数値", "総合政策部")
    assert any(r["令和4年度"] != r["令和5年度"] for r in rows)  # compared, they would differ
    codes = [f.code for f in _all_findings(last_year, cycle["next_config"], cycle["master"])]
    assert "E-TPL-003" in codes and "W-HIST-001" not in codes


def test_an_old_template_is_told_how_to_move_forward(cycle: dict[str, Path]) -> None:
    config = load_config(cycle["next_config"])
    last_year = next((cycle["root"] / "inbox").glob("*.xlsx"))
    found = [f for f in validate_file(last_year, config).report.findings if f.code == "E-TPL-003"]
    assert found and "令和4年度・令和5年度" in found[0].message
    assert "kpitool rollover" in found[0].hint
