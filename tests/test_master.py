"""The master workbook as auditors open it, read back with openpyxl (issue 4, item 4)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from master_cases import FILES, INJECTION, RUN_AT, make_consolidation

from kpitool import __version__
from kpitool.errors import InputError, MasterLocked
from kpitool.master.layout import (
    DATA_SHEETS,
    FIGURES,
    FINDINGS,
    KPIS,
    SHEET_ORDER,
    SUBMISSIONS,
    SUMMARY,
    SURVEY,
    layouts,
)
from kpitool.master.log import KEY_CONFIG, KEY_DIGEST, KEY_RUN_AT, KEY_VERSION, parse_log
from kpitool.master.writer import FONT, csv_paths, write_master
from kpitool.variance import (
    POINTS,
    RATE_FORMAT,
    achievement_formula,
    change_format,
    change_formula,
    evaluation_formula,
    rate_formula,
)

SOURCE = re.compile(r"^[^!]+\.xlsx![^!]+![A-Z]+[0-9]+$")


@pytest.fixture
def written(tmp_path: Path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    consolidation = make_consolidation(inbox)
    return consolidation, write_master(consolidation, tmp_path / "master.xlsx")


@pytest.fixture
def book(written):
    return openpyxl.load_workbook(written[1].master)


@pytest.fixture
def values(written):
    return openpyxl.load_workbook(written[1].master, data_only=True)


def rows_of(sheet, key: str) -> list:
    """The values of one column (by layout key) on every data row."""
    layout = layouts((2022, 2023))[sheet.title]
    col = layout.index(key) + 1
    return [sheet.cell(r, col).value for r in range(2, sheet.max_row + 1)]


def test_sheets_are_named_and_in_order(book):
    assert book.sheetnames == list(SHEET_ORDER)


def test_every_data_sheet_has_its_japanese_header_row(book):
    expected = layouts((2022, 2023))
    for name in DATA_SHEETS:
        header = [c.value for c in book[name][1]]
        assert header == list(expected[name].labels), name
    assert [c.value for c in book[FIGURES][1]][1:3] == ["取り組み番号", "取り組み名"]  # the 取り組み by name too
    assert [c.value for c in book[FIGURES][1]][5:13] == ["方向", "方向の意味", "令和4年度", "令和5年度", "増減", "増減の単位",
                                                        "増減率", "評価"]
    assert [c.value for c in book[KPIS][1]][5:8] == ["方向", "基準値", "目標値"]  # printed columns first
    assert [c.value for c in book[KPIS][1]][17:21] == ["方向の意味", "基準年度", "目標年度", "目標の種類"]
    assert [c.value for c in book[SURVEY][1]][2:9] == ["視点", "中見出し", "取り組み名", "内容", "関連する計画・制度",
                                                   "令和4年度実績", "令和5年度実績"]


def test_year_labels_follow_the_configured_fiscal_years(tmp_path):
    (tmp_path / "inbox").mkdir()
    consolidation = make_consolidation(tmp_path / "inbox", fiscal_years=(2023, 2024))
    book = openpyxl.load_workbook(write_master(consolidation, tmp_path / "m.xlsx").master)
    assert [c.value for c in book[FIGURES][1]][7:9] == ["令和5年度", "令和6年度"]
    assert [c.value for c in book[KPIS][1]][8:10] == ["令和5年度実績", "令和6年度実績"]


def test_numbers_are_numbers_and_negatives_show_triangle_by_format_only(book):
    sheet = book[FIGURES]
    row = rows_of(sheet, "item").index("△から△へ") + 2
    prev = sheet[f"H{row}"]
    assert prev.value == -1972 and prev.data_type == "n"
    assert prev.number_format == change_format(0) == '#,##0;"△"#,##0;0'
    assert sheet[f"J{row}"].number_format == change_format(0)
    assert sheet[f"L{row}"].number_format == RATE_FORMAT
    decimals = rows_of(sheet, "item").index("事務時間削減") + 2
    assert sheet[f"H{decimals}"].number_format == change_format(1)
    percent = rows_of(sheet, "item").index("割合") + 2
    assert POINTS in sheet[f"J{percent}"].number_format and '"△"' in sheet[f"J{percent}"].number_format
    for name in (FIGURES, KPIS):  # value columns hold numbers or markers, never a typed △
        for key in ("prev", "curr", "change"):
            assert not any(isinstance(v, str) and v.startswith(("△", "▲")) for v in rows_of(book[name], key))
    for name in SHEET_ORDER:
        for row_cells in book[name].iter_rows():
            assert not any("[Red]" in cell.number_format for cell in row_cells)


def test_markers_are_text_and_blanks_stay_blank(book):
    sheet = book[FIGURES]
    items = rows_of(sheet, "item")
    secret = items.index("秘匿") + 2
    assert sheet[f"H{secret}"].value == "x" and sheet[f"H{secret}"].data_type == "s"
    missing = items.index(INJECTION) + 2
    assert sheet[f"H{missing}"].value is None


def test_variances_are_formulas_with_python_cached_values(book, values):
    sheet, cached = book[FIGURES], values[FIGURES]
    assert sheet["J2"].value == change_formula("H2", "I2")
    assert sheet["L2"].value == rate_formula("H2", "I2", False)
    assert sheet["M2"].value == evaluation_formula("J2", "F2")
    assert sheet["G2"].value == "高いほど良い"
    assert (cached["J2"].value, cached["L2"].value, cached["M2"].value) == (17, pytest.approx(17 / 498), "改善")
    items = rows_of(sheet, "item")
    cases = {  # item -> (増減, 増減率, 評価) as cached
        "事務時間削減": (2158.7, pytest.approx(2158.7 / 2459.3), "改善"),
        "皆増の例": (8, "皆増", "改善"),
        "皆減の例": (-4, "皆減", "改善"),
        "割合": (0.3, "―", "改善"),
        "順位": (-20, pytest.approx(-20 / 370), "改善"),
        "△から△へ": (972, pytest.approx(972 / 1972), "改善"),
    }
    for item, expected in cases.items():
        row = items.index(item) + 2
        assert (cached[f"J{row}"].value, cached[f"L{row}"].value, cached[f"M{row}"].value) == expected, item
    percent = items.index("割合") + 2
    assert sheet[f"L{percent}"].value == rate_formula(f"H{percent}", f"I{percent}", True)
    secret = items.index("秘匿") + 2
    assert sheet[f"J{secret}"].value.startswith("=IF(")  # a marker: a formula that gives ""
    assert cached[f"J{secret}"].value is None
    assert sheet[f"N{secret}"].value == "秘匿"  # 比較不可の理由 names the marker
    neutral = items.index("職員数の増減") + 2  # 参考値: 増減 yes, 評価 no
    assert (cached[f"J{neutral}"].value, cached[f"M{neutral}"].value) == (-8, None)
    assert sheet[f"G{neutral}"].value == "参考値" and sheet[f"N{neutral}"].value is None


def test_a_unit_mismatch_gets_no_formula_that_would_subtract(book):
    sheet = book[FIGURES]
    row = rows_of(sheet, "item").index("単位違い") + 2
    assert [sheet[f"{c}{row}"].value for c in "JLM"] == [None, None, None]  # Python's result: none
    assert sheet[f"N{row}"].value == "単位不一致"


def test_achievement_is_a_formula_with_its_cached_rate(book, values):
    sheet, cached = book[KPIS], values[KPIS]
    assert sheet["K2"].value == achievement_formula("H2", "J2", "F2")
    assert cached["K2"].value == pytest.approx(52 / 60)
    assert sheet["K2"].number_format == RATE_FORMAT
    assert cached["K4"].value == pytest.approx(350 / 370)  # ↓: 目標 / 実績
    assert cached["K5"].value is None  # no target: ""
    assert sheet["N2"].value == change_formula("I2", "J2") and cached["N2"].value == 7


def test_every_data_row_names_and_links_its_source(book, tmp_path):
    for name in (SURVEY, FIGURES, KPIS):
        sheet = book[name]
        col = layouts((2022, 2023))[name].index("source") + 1
        assert sheet.max_row > 1
        for r in range(2, sheet.max_row + 1):
            cell = sheet.cell(r, col)
            assert SOURCE.match(cell.value or ""), (name, cell.coordinate, cell.value)
            file, sheet_name, ref = cell.value.rsplit("!", 2)
            assert cell.hyperlink is not None, (name, cell.coordinate)
            assert cell.hyperlink.target.replace("\\", "/") == f"inbox/{file}"
            assert cell.hyperlink.location == f"'{sheet_name}'!{ref}"
    first = book[FIGURES]["R2"]
    assert first.value == f"{FILES['総務部']}!実績数値!A5"


def test_submission_files_link_to_the_file(book):
    sheet = book[SUBMISSIONS]
    assert sheet["L2"].value == FILES["総務部"]
    assert sheet["L2"].hyperlink.target.replace("\\", "/") == f"inbox/{FILES['総務部']}"
    assert sheet["L4"].value is None  # 未提出: no file
    assert sheet["G2"].value == dt.datetime(2024, 4, 1) and sheet["H2"].value == "令和6年4月1日"


def test_findings_link_to_the_cell_they_are_about(book):
    sheet = book[FINDINGS]
    source = sheet.cell(2, layouts((2022, 2023))[FINDINGS].index("source") + 1)
    assert source.value == f"{FILES['財政部']}!実績数値!C9"
    assert source.hyperlink.location == "'実績数値'!C9"
    assert sheet.cell(3, layouts((2022, 2023))[FINDINGS].index("source") + 1).value is None  # no file


def test_text_that_looks_like_a_formula_stays_text(book):
    item = book[FIGURES].cell(12, 4)
    assert item.value == INJECTION and item.data_type == "s"
    note = book[FIGURES].cell(12, 15)
    assert note.value == "+SUM(1,2)" and note.data_type == "s"
    survey = book[SURVEY]
    assert [survey.cell(3, c).value for c in (5, 7, 8, 9)] == ["@SUM(A1)", "-1+1", "=1+1", "\t先頭がタブ"]
    assert all(survey.cell(3, c).data_type == "s" for c in (5, 7, 8, 9))
    finding_value = book[FINDINGS].cell(2, 7)
    assert finding_value.value == INJECTION and finding_value.data_type == "s"


def test_no_merged_cells_frozen_headers_and_filters(book):
    for name in SHEET_ORDER:
        assert not book[name].merged_cells.ranges, name
    for name in DATA_SHEETS:
        sheet = book[name]
        assert sheet.freeze_panes == "B2", name
        last = openpyxl.utils.get_column_letter(len(layouts((2022, 2023))[name].columns))
        assert sheet.auto_filter.ref == f"A1:{last}{max(sheet.max_row, 2)}", name


def test_every_sheet_is_protected_without_password_by_default(book):
    for name in SHEET_ORDER:
        protection = book[name].protection
        assert protection.sheet is True, name
        assert not protection.password, name
    assert book[FIGURES].protection.autoFilter is False  # filtering stays allowed


def test_the_configured_password_protects_the_sheets(tmp_path):
    (tmp_path / "inbox").mkdir()
    consolidation = make_consolidation(tmp_path / "inbox", protect_password="kikugawa")
    book = openpyxl.load_workbook(write_master(consolidation, tmp_path / "m.xlsx").master)
    assert all(book[name].protection.password for name in SHEET_ORDER)


def test_print_setup_is_a4_landscape_fitted_to_width_with_repeated_headers(book):
    for name in SHEET_ORDER:
        sheet = book[name]
        assert sheet.page_setup.orientation == "landscape", name
        assert sheet.page_setup.paperSize == 9, name
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, name
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) in ((1, 0), (None, 0)), name
    for name in (*DATA_SHEETS, "監査ログ"):
        assert book[name].print_title_rows == "$1:$1", name
    survey = book[SURVEY]
    assert survey.print_area == "'実績調査'!$A$1:$I$3"  # the text columns, not 出典 and hashes
    assert survey["H2"].alignment.wrap_text and survey["I2"].alignment.wrap_text
    # issue 12: every data sheet prints without its audit columns (出典, SHA-256, 記入値, 行の検証値)
    audit_labels = ("出典", "SHA-256", "行の検証値", "記入値", "サイズ", "更新日時")
    for name in DATA_SHEETS:
        sheet = book[name]
        last = sheet.print_area.split(":")[-1].strip("$").split("$")[0]
        printed = [c.value for c in sheet[1][: openpyxl.utils.column_index_from_string(last)]]
        assert not [label for label in printed if any(a in label for a in audit_labels)], name
        assert len(printed) < len(layouts((2022, 2023))[name].columns), name
    assert book[SUBMISSIONS].print_area == "'提出状況'!$A$1:$L$4"  # through ファイル


def test_rows_of_wrapped_text_are_tall_enough_to_print(book):
    survey = book[SURVEY]
    assert survey.row_dimensions[2].height >= 2 * 16  # two paragraphs in 令和4年度実績
    assert survey.row_dimensions[1].height >= 2 * 16  # 「関連する計画・制度」 wraps in its column


def test_default_font_is_biz_ud_gothic(book, written):
    assert book[FIGURES]["A2"].font.name == FONT
    assert book[SUMMARY]["A1"].font.name == FONT
    with zipfile.ZipFile(written[1].master) as z:
        styles = z.read("xl/styles.xml").decode()
    assert re.search(r"<fonts [^>]*><font>.*?<name val=\"BIZ UDPゴシック\"/>", styles)


def test_summary_has_counts_tallies_sentence_and_two_charts(values, written):
    sheet = values[SUMMARY]
    cells = {(r, c): sheet.cell(r, c).value for r in range(1, sheet.max_row + 1) for c in range(1, 12)}
    labels = {v: k for k, v in cells.items() if isinstance(v, str)}
    r, _c = labels["提出済"]
    assert cells[(r, 2)] == 2 and cells[(r + 1, 2)] == 1  # 未提出 1
    # 8 KPIs, one of them 参考値 (→): 7 counted; 企画政策部 did not submit
    assert cells[(5, 2)] == (
        "集計対象2部局の成果指標7件（未提出1部局、参考値の指標1件を除く）のうち、A（目標どおり達成）2件、"
        "B（達成したが課題が残る）1件、C（達成できなかった）2件、未評価2件となっています。"
    )
    assert cells[(6, 2)].startswith("A（目標どおり達成）・B（達成したが課題が残る）は達成率100%以上")
    r, _c = next(k for k, v in cells.items() if v == "財政部" and cells.get((k[0], 3)) == "集計")
    assert [cells[(r, c)] for c in range(4, 10)] == [2, 0, 1, 2, 5, 1]  # 全角 Ａ counts as A; → apart
    r, _c = next(k for k, v in cells.items() if v == "企画政策部" and cells.get((k[0], 3)) == "未提出（集計外）")
    assert cells[(r, 4)] is None
    assert "増減なし" not in "".join(str(v) for v in cells.values() if v)
    with zipfile.ZipFile(written[1].master) as z:
        charts = sorted(n for n in z.namelist() if n.startswith("xl/charts/chart"))
        # 概要's two charts come first; the rest are 経年推移's line charts.
        assert len(charts) >= 2
        assert all("<c:lineChart>" in z.read(c).decode() for c in charts[2:])
        column_chart, bar_chart = (z.read(c).decode() for c in charts[:2])
        assert "<c:barDir val=\"col\"/>" in column_chart
        assert "<c:grouping val=\"stacked\"/>" in bar_chart
        assert '<c:majorUnit val="1"/>' in column_chart  # whole numbers on the count axis
        assert "1B7837" in column_chart and "C0392B" in column_chart  # A green, C red
        assert "<c:showVal val=\"1\"/>" in bar_chart  # counts written on the bars, not colour alone


def test_audit_log_records_version_run_time_config_inputs_and_digest(book, written):
    _consolidation, outputs = written
    log = parse_log([[c.value for c in row] for row in book["監査ログ"].iter_rows()])
    assert log.values[KEY_VERSION] == __version__
    assert log.values[KEY_RUN_AT] == "2024-05-01T10:00:00+09:00"
    assert log.values[KEY_DIGEST] == outputs.digest and len(outputs.digest) == 64
    assert json.loads(log.values[KEY_CONFIG])["municipality"] == "菊川市"
    files = {row[0]: row for _r, row in log.inputs}
    assert set(files) == set(FILES.values())
    assert files[FILES["総務部"]][3] == 12345
    assert files[FILES["総務部"]][4] == hashlib.sha256("総務部".encode()).hexdigest()
    assert log.ignored[0][0] == "~$01_総務部.xlsx"
    assert (SUBMISSIONS, "部局名") in log.column_hashes


def test_audit_log_long_config_is_split_into_rows_that_fit_and_read_back_whole(book, written) -> None:
    """The config's JSON outgrew one row of the narrow 内容 column (cut at 409 pt on screen and
    on paper): it continues in rows keyed 設定（JSON）（続き）, which parse_log joins again."""
    from kpitool.config import config_to_dict
    from kpitool.master.log import CONTINUED, VALUE_CHUNK, config_json

    consolidation, _outputs = written
    grid = [[c.value for c in row] for row in book["監査ログ"].iter_rows()]
    keys = [row[0] for row in grid]
    parts = [row[1] for row in grid if row[0] in (KEY_CONFIG, KEY_CONFIG + CONTINUED)]
    expected = config_json(config_to_dict(consolidation.config))
    assert len(expected) > VALUE_CHUNK and len(parts) >= -(-len(expected) // VALUE_CHUNK) >= 2
    assert "".join(parts) == expected and all(len(p) <= VALUE_CHUNK for p in parts)
    assert keys.index(KEY_CONFIG) + len(parts) - 1 == max(i for i, k in enumerate(keys) if k == KEY_CONFIG + CONTINUED)
    assert parse_log(grid).values[KEY_CONFIG] == expected
    heights = [book["監査ログ"].row_dimensions[keys.index(KEY_CONFIG) + 1 + i].height for i in range(len(parts))]
    assert all(h is not None and h < 409 for h in heights)  # no part cut at Excel's tallest row


def test_created_is_pinned_to_the_run_time_and_output_is_deterministic(tmp_path, book):
    assert book.properties.created == RUN_AT.astimezone(dt.UTC).replace(tzinfo=None)
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()  # same names: 監査ログ records the CSV names
    first = write_master(make_consolidation(tmp_path / "inbox"), tmp_path / "a" / "master.xlsx")
    second = write_master(make_consolidation(tmp_path / "inbox"), tmp_path / "b" / "master.xlsx")
    assert first.master.read_bytes() == second.master.read_bytes()
    assert first.digest == second.digest


def test_digest_ignores_the_run_time_but_not_the_data(tmp_path):
    (tmp_path / "inbox").mkdir()
    consolidation = make_consolidation(tmp_path / "inbox")
    first = write_master(consolidation, tmp_path / "a.xlsx").digest
    consolidation.run_at = RUN_AT + dt.timedelta(days=30)
    assert write_master(consolidation, tmp_path / "b.xlsx").digest == first
    consolidation.figures.loc[0, "note"] = "追記"
    assert write_master(consolidation, tmp_path / "c.xlsx").digest != first


def test_the_previous_master_is_kept_as_a_dated_backup(tmp_path, written):
    _consolidation, outputs = written
    old = outputs.master.read_bytes()
    consolidation = make_consolidation(tmp_path / "inbox")
    consolidation.run_at = RUN_AT + dt.timedelta(days=1)
    write_master(consolidation, outputs.master)
    backups = list((tmp_path / "backup").glob("master_*.xlsx"))
    assert len(backups) == 1 and backups[0].read_bytes() == old
    assert not list((tmp_path / "backup").glob("*.csv"))  # the CSVs are regenerated, not kept


def test_a_master_open_in_excel_is_left_intact_with_its_csvs(tmp_path, written):
    consolidation, outputs = written
    before = {p: p.read_bytes() for p in (outputs.master, *outputs.csvs)}
    (tmp_path / f"~${outputs.master.name}").write_bytes(b"owner")
    consolidation.figures.loc[0, "note"] = "変更"
    with pytest.raises(MasterLocked, match="Excel"):
        write_master(consolidation, outputs.master)
    assert {p: p.read_bytes() for p in before} == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".~kpitool")) == []


def test_a_master_inside_the_inbox_is_refused(tmp_path):
    (tmp_path / "inbox").mkdir()
    with pytest.raises(InputError, match="受付フォルダ"):
        write_master(make_consolidation(tmp_path / "inbox"), tmp_path / "inbox" / "master.xlsx")
    assert list((tmp_path / "inbox").iterdir()) == []


def test_csvs_are_written_beside_the_master(written):
    _consolidation, outputs = written
    assert outputs.csvs == csv_paths(outputs.master)
    assert [p.name for p in outputs.csvs] == ["master_実績数値.csv", "master_実績調査.csv", "master_経年推移.csv",
                                              "master_事業成果目標.csv"]
    assert all(p.is_file() for p in outputs.csvs)


@pytest.mark.slow
def test_a_thousand_figures_are_written_with_their_formulas(tmp_path):
    from master_cases import many_figures

    (tmp_path / "inbox").mkdir()
    consolidation = make_consolidation(tmp_path / "inbox", figures=many_figures(1000))
    outputs = write_master(consolidation, tmp_path / "big.xlsx")
    sheet = openpyxl.load_workbook(outputs.master, read_only=True)[FIGURES]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 1000
    assert rows[-1][9] == change_formula("H1001", "I1001") or rows[-1][9] is None


# --- issue 16: outputs named right, links that work ------------------------------------------


def test_disk_full_while_writing_the_master_names_the_master(tmp_path, monkeypatch):
    import errno

    from kpitool.errors import WriteFailed
    from kpitool.master import writer

    (tmp_path / "inbox").mkdir()
    consolidation = make_consolidation(tmp_path / "inbox")

    def full_disk(consolidation, path, **_kw):
        Path(path).write_bytes(b"PK partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writer, "write_workbook", full_disk)
    target = tmp_path / "master.xlsx"
    with pytest.raises(WriteFailed) as caught:
        write_master(consolidation, target)
    assert str(caught.value).startswith(f"{target} を書き込めませんでした。ディスクの空き容量が不足しています。")
    assert not target.exists() and not any(p.exists() for p in csv_paths(target))


def test_csvs_are_replaced_before_the_master_and_recorded_in_its_log(written):
    import hashlib

    from kpitool.master.log import csv_key, parse_csv_value

    _consolidation, outputs = written
    log = parse_log([list(r) for r in openpyxl.load_workbook(outputs.master, read_only=True)["監査ログ"]
                     .iter_rows(values_only=True)])
    from kpitool.master.writer import CSV_SHEETS

    for sheet, path in zip(CSV_SHEETS, outputs.csvs, strict=True):
        name, digest = parse_csv_value(log.values[csv_key(sheet)])
        assert name == path.name and digest == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_percent_escape_in_a_file_name_still_links_to_that_file(tmp_path):
    from urllib.parse import unquote

    import xlsxwriter

    from kpitool.master.layout import SourceLinks

    name = "03_企画%20政策部 50%.xlsx"
    url = SourceLinks(tmp_path, tmp_path / "inbox").url(name, "実績数値", "A5")
    book = xlsxwriter.Workbook(str(tmp_path / "links.xlsx"))
    book.add_worksheet().write_url(0, 0, url, None, name)
    book.close()
    with zipfile.ZipFile(tmp_path / "links.xlsx") as zf:
        rels = zf.read("xl/worksheets/_rels/sheet1.xml.rels").decode()
    target = re.search(r'Target="([^"]+)"', rels)[1]
    assert unquote(target).replace("\\", "/") == f"inbox/{name}"  # not "03_企画 政策部 50%.xlsx"


def test_the_row_checks_are_not_printed(book):
    """行の検証値 holds the cell prints (issue 16): long text that would widen every page."""
    figures = book[FIGURES]
    last = layouts((2022, 2023))[FIGURES].letter("note")  # the last printed column (issue 12)
    assert figures.print_area == f"'{FIGURES}'!$A$1:${last}${figures.max_row}"
