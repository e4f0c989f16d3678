"""The 実績 text against 実績数値 (issue 14): W-NARR-001 when they differ, I-NARR-001 for a figure without a row."""

from __future__ import annotations

from pathlib import Path

from workbooks import filled, make_config

from kpitool import codes
from kpitool.findings import Severity
from kpitool.reader import read_submission
from kpitool.validate import validate_file

R4_TEXT = "1.業務改善 ①提出件数：498件 ②改善の種類 ・改善（かえる）：434件"
R5_TEXT = "1.業務改善 ①提出件数：515件 ②改善の種類 ・改善（かえる）：452件"
SURVEY = [{"no": "1", "viewpoint": "視点1 効果的・効率的な行政運営の推進", "initiative": "業務改善",
           "plan": "業務改善職員提案制度", "prev": R4_TEXT, "curr": R5_TEXT}]


def figure_row(item: str, unit: str, prev: object, curr: object, no: str = "1") -> dict[str, object]:
    return {"initiative_no": no, "item": item, "unit": unit, "direction": "↑", "prev": prev, "curr": curr, "note": ""}


def cell(path: Path, sheet_key: str, row: int, column: str) -> str:
    """Where a value is, as the reader sees it (the template's layout may move columns)."""
    return read_submission(path).records(sheet_key)[row].cells[column].cell


def findings(path: Path):
    """Every finding, the text/figure agreement included (workbooks.findings leaves it out)."""
    return validate_file(path, make_config()).report.findings


def narr(path: Path) -> list[tuple[str, str, str]]:
    return [f.compact() for f in findings(path) if f.code.split("-")[1] == "NARR"]


def test_a_figure_that_disagrees_with_the_text_is_a_warning_quoting_both(tmp_path: Path) -> None:
    path = filled(tmp_path, survey=SURVEY, figures=[
        figure_row("業務改善 提出件数", "件", 489, 515),
        figure_row("改善（かえる）", "件", 434, 452),
    ])
    found = [f for f in findings(path) if f.code == codes.NARR_FIGURE_DIFFERS]
    assert [f.compact() for f in found] == [("実績数値", cell(path, "figures", 0, "prev"), codes.NARR_FIGURE_DIFFERS)]
    (warning,) = found
    assert warning.severity is Severity.WARNING
    assert f"実績調査!{cell(path, 'survey', 0, 'prev')}" in warning.message  # the text's cell
    assert "498件" in warning.message and "489" in warning.message
    assert "提出件数" in warning.message


def test_text_and_figures_that_agree_give_nothing(tmp_path: Path) -> None:
    path = filled(tmp_path, survey=SURVEY, figures=[
        figure_row("業務改善 提出件数", "件", 498, "515件"),
        figure_row("改善（かえる）", "件", "４３４", 452),
    ])
    assert narr(path) == []


def test_a_figure_in_the_text_without_a_row_is_information_only(tmp_path: Path) -> None:
    path = filled(tmp_path, survey=SURVEY, figures=[figure_row("提出件数", "件", 498, 515)])
    result = validate_file(path, make_config())
    infos = [f for f in result.report.findings if f.code == codes.NARR_FIGURE_WITHOUT_ROW]
    # 改善（かえる） 434 -> 452 has no row: one suggestion, at the 当年度 text, with both years' values
    assert [f.compact() for f in infos] == [("実績調査", cell(path, "survey", 0, "curr"), codes.NARR_FIGURE_WITHOUT_ROW)]
    (info,) = infos
    assert info.severity is Severity.INFO
    assert "改善（かえる）" in info.hint and "434" in info.hint and "452" in info.hint
    # information changes neither the status nor the counts of 警告 and エラー
    assert result.report.ok and result.report.warnings == 0 and result.report.infos == 1
    assert result.status == "問題なし"


def test_units_in_another_scale_compare_by_value(tmp_path: Path) -> None:
    survey = [{**SURVEY[0], "prev": "R4決算額 1,167,400千円", "curr": "R5決算額 1,200,000千円"}]
    agree = filled(tmp_path, "agree.xlsx", survey=survey, figures=[
        figure_row("R4決算額", "円", 1_167_400_000, "-"), figure_row("R5決算額", "千円", "-", 1_200_000)])
    assert narr(agree) == []
    differ = filled(tmp_path, "differ.xlsx", survey=survey, figures=[
        figure_row("R4決算額", "円", 1_167_000_000, "-"), figure_row("R5決算額", "千円", "-", 1_200_000)])
    assert narr(differ) == [("実績数値", cell(differ, "figures", 0, "prev"), codes.NARR_FIGURE_DIFFERS)]


def test_figures_of_another_initiative_are_not_compared(tmp_path: Path) -> None:
    survey = [*SURVEY, {**SURVEY[0], "no": "2", "prev": "研修を実施した。", "curr": "研修を実施した。"}]
    path = filled(tmp_path, survey=survey, figures=[
        figure_row("業務改善 提出件数", "件", 498, 515),
        figure_row("改善（かえる）", "件", 434, 452),
        figure_row("提出件数", "件", 10, 12, no="2"),  # 取り組み 2 says no number: nothing to compare
    ])
    assert narr(path) == []


def test_approximate_figures_are_not_compared(tmp_path: Path) -> None:
    survey = [{**SURVEY[0], "prev": "参加者数 約60人", "curr": "参加者数 約70人"}]
    path = filled(tmp_path, survey=survey, figures=[figure_row("参加者数", "人", 58, 71)])
    assert narr(path) == []
