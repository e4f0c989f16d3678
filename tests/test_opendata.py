"""The CSV twin for open-data publishing (issue 4, item 4): UTF-8 BOM, safe against injection."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from master_cases import INJECTION, make_consolidation

from kpitool.master.opendata import csv_value, number_text, percent_text, safe_text
from kpitool.master.writer import write_master, write_open_data


@pytest.fixture
def outputs(tmp_path: Path):
    (tmp_path / "inbox").mkdir()
    return write_master(make_consolidation(tmp_path / "inbox"), tmp_path / "master.xlsx")


def read(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def test_files_are_utf8_with_bom_and_crlf(outputs):
    for path in outputs.csvs:
        data = path.read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        assert data.endswith(b"\r\n")
    figures = outputs.csvs[0].read_bytes()
    assert figures.count(b"\n") == figures.count(b"\r\n") == 13  # header + 12 rows


def test_figures_have_japanese_headers_and_plain_numbers(outputs):
    rows = read(outputs.csvs[0])
    assert rows[0] == ["部局名", "取り組み番号", "項目", "単位", "方向", "令和4年度", "令和5年度", "増減",
                       "増減の単位", "増減率（％）", "評価", "比較不可の理由", "備考"]
    by_item = {row[2]: row for row in rows[1:]}
    assert by_item["業務改善 提出件数"][5:11] == ["498", "515", "17", "件", "3.4", "改善"]
    assert by_item["事務時間削減"][5:10] == ["2459.3", "4618", "2158.7", "時間", "87.8"]
    assert by_item["合併特例債"][7] == "-819600"  # a negative number stays numeric: no ' and no △
    assert by_item["△から△へ"][5:8] == ["-1972", "-1000", "972"]
    assert by_item["皆増の例"][9] == "皆増" and by_item["皆減の例"][9] == "皆減"
    assert by_item["割合"][7:10] == ["0.3", "ポイント", "―"]
    assert by_item["秘匿"][5:8] == ["x", "12", ""]
    assert by_item["単位違い"][11] == "単位不一致"


def test_text_that_a_spreadsheet_would_run_gets_a_quote(outputs):
    figures = read(outputs.csvs[0])
    injected = next(row for row in figures if row[2].endswith(INJECTION))
    assert injected[2] == "'" + INJECTION
    assert injected[12] == "'+SUM(1,2)"
    survey = read(outputs.csvs[1])
    assert [survey[2][i] for i in (4, 6, 7, 8)] == ["'@SUM(A1)", "'-1+1", "'=1+1", "'\t先頭がタブ"]


def test_survey_keeps_line_breaks_inside_a_quoted_field(outputs):
    survey = read(outputs.csvs[1])
    assert survey[0] == ["部局名", "番号", "視点", "中見出し", "取り組み名", "内容", "関連する計画・制度",
                         "令和4年度実績", "令和5年度実績"]
    assert survey[1][7] == "業務改善提案を募集し、498件の提出があった。\n事務時間を削減した。"


def test_pandas_reads_the_numbers_back_as_numbers(outputs):
    import pandas as pd

    frame = pd.read_csv(outputs.csvs[0], encoding="utf-8-sig", dtype={"取り組み番号": str})
    assert frame["増減"].dtype == "float64"  # every 増減 is a number or blank
    assert frame["増減"].notna().sum() == 9
    assert frame["増減"].min() == -819600


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"), ("\tx", "'\tx"), ("\rx", "'\rx"),
        ("-", "-"), ("…", "…"), ("x", "x"), ("業務改善", "業務改善"), ("1=1", "1=1"), ("", ""),
    ],
)
def test_safe_text(text, expected):
    assert safe_text(text) == expected


def test_numbers_and_rates_as_text():
    assert [number_text(v) for v in (498.0, -1972.0, 2158.7, 0.0001, 1e15)] == [
        "498", "-1972", "2158.7", "0.0001", "1000000000000000"]
    assert [percent_text(v) for v in (0.0345, -0.0345, 0.034136, 1.0, -0.00001)] == [
        "3.5", "-3.5", "3.4", "100.0", "0.0"]
    assert csv_value(None) == "" and csv_value("=x") == "'=x"


def test_write_open_data_alone_gives_the_same_files(outputs, tmp_path):
    consolidation = make_consolidation(tmp_path / "inbox")
    before = [p.read_bytes() for p in outputs.csvs]
    paths = write_open_data(consolidation, outputs.master)
    assert paths == outputs.csvs
    assert [p.read_bytes() for p in paths] == before


def test_percent_text_of_a_huge_rate_does_not_fail():
    """A base of 1e-12 and a value of 1e14 (both within the template's ±1e15) give a rate of
    1e26: more digits than Decimal's default context quantizes (issue 16)."""
    from kpitool.master.opendata import percent_text

    assert percent_text(1e26) == "10000000000000000000000000000.0"
    assert percent_text(-0.0004) == "0.0"


def test_kpis_csv_publishes_targets_rates_and_grades(outputs):
    """事業成果目標.csv (issue 12): 達成率 as a percentage, markers as written, no audit columns."""
    rows = read(next(p for p in outputs.csvs if p.name.endswith("_事業成果目標.csv")))
    assert rows[0] == ["部局名", "番号", "施策・事業名", "指標名", "単位", "方向", "基準値", "基準年度", "目標値",
                       "目標年度", "令和4年度実績", "令和5年度実績", "達成率（％）", "進捗率（％）", "達成状況",
                       "達成率による区分", "増減", "増減の単位", "増減率（％）", "評価", "比較不可の理由"]
    by_indicator = {row[3]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert [by_indicator["参加者数"][k] for k in ("目標値", "令和4年度実績", "令和5年度実績", "達成率（％）")] == [
        "60", "45", "52", "86.7"]  # 52 / 60
    assert by_indicator["認知度"]["令和4年度実績"] == "-" and by_indicator["認知度"]["増減"] == ""
    assert by_indicator["順位"]["達成率（％）"] == "94.6"  # ↓: 350 / 370
    assert by_indicator["目標なし"]["目標値"] == "" and by_indicator["目標なし"]["達成率（％）"] == ""
    assert len(rows) == 1 + 8  # the shared cases have 8 KPIs
