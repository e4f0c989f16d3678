"""Build the planning office's control panel, ``workbook_templates/kpitool_panel.xlsm``.

The panel is generated, never edited by hand, so that it can be rebuilt on any OS and checked
by a test: XlsxWriter writes the sheets (``操作`` with one Form button per macro, ``設定``,
``実行結果`` and xlwings' ``xlwings.conf``) and embeds a VBA project that holds
``macros/*.bas`` and the standalone ``xlwings.bas`` of the installed xlwings, so the panel
needs no add-in. The same inputs give the same bytes.

The VBA project is written by pyOpenVBA (a build-only dependency) from its Excel-made empty
project, with one correction. pyOpenVBA keeps that template's ``_VBA_PROJECT`` version cookie
(0x00B5) and zero-fills the performance cache behind it; MS-OVBA 1.6 says an Office whose VBA
version equals the cookie uses the performance caches *instead of* the source, so on such an
Excel our modules would be read from zeros. MS-OVBA 2.3.4.1 requires a writer to put version
0xFFFF and no cache; with that every Office compiles the modules from their source on first
open. The seven bytes below are the spec's own example (3.1.1), and the same bytes as in the
standalone quickstart workbook that xlwings ships.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import tempfile
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from kpitool.doctor import PANEL_VERSION_KEY
from kpitool.xl_settings import (
    PANEL_SHEET,
    RESULTS_SHEET,
    SETTINGS,
    SETTINGS_SHEET,
    XLWINGS_CONF_SHEET,
)

PANEL_FILENAME = "kpitool_panel.xlsm"
MANUAL_FILENAME = "kpitool_manual.pdf"  # docs/manual/kpitool_manual.pdf, copied beside the panel
MANUAL_NOTE = "このブックと同じフォルダに置いてください。第2章が企画課の手順、第4章が導入の手順です"
ROOT = Path(__file__).resolve().parents[2]
MACROS_DIR = ROOT / "macros"
PANEL_VERSION_ROW = 8  # 0-based: row 9 of xlwings.conf, below the notes
FONT = "BIZ UDPゴシック"
PINNED_TIME = dt.datetime(2024, 1, 1, 0, 0, 0)  # workbook "created": keeps the bytes reproducible
# Where the README's guide installs Python; xlwings expands %VARIABLES% in xlwings.conf.
DEFAULT_INTERPRETER = r"%LOCALAPPDATA%\kpitool\venv\Scripts\python.exe"
WORKBOOK_CODE_NAME = "ThisWorkbook"
# MS-OVBA 2.3.4.1 / 3.1.1: Reserved1 0x61CC, Version 0xFFFF, Reserved2 0x00, Reserved3 0x0001, no cache.
SOURCE_ONLY_VBA_PROJECT = bytes.fromhex("cc61ffff000100")


@dataclass(frozen=True)
class PanelButton:
    """One button of the 操作 sheet: its caption, the VBA Sub it runs and what it does."""

    caption: str
    macro: str  # a Sub in macros/KPITool.bas
    function: str  # the kpitool.xl function that Sub calls
    description: str


# In the order of the year's work (提出様式 → 検証 → 集約 → 監査; 公表 is `kpitool publish`), then 診断.
BUTTONS: tuple[PanelButton, ...] = (
    PanelButton("提出様式を作成", "KPIToolTemplate", "template_button",
                "設定ファイルの名簿と年度で、部局に配布する提出様式（.xlsx）を作成します。"),
    PanelButton("検証", "KPIToolValidate", "validate_button",
                "受付フォルダの提出ファイルを1つずつ確かめ、問題のあるセルと直し方を「実行結果」に一覧にします。"
                "検証結果.xlsx と、部局に返す差し戻し用のコピー（差し戻しフォルダ）も作成します。"
                "提出ファイルは変更しません。"),
    PanelButton("集約・実績調査", "KPIToolConsolidate", "consolidate_button",
                "名簿と各部局の最新の提出ファイルから、集約ファイル（提出状況・実績調査・検証結果・監査ログ）を"
                "作成します。"),
    PanelButton("監査", "KPIToolAudit", "audit_button",
                "集約ファイルが集約したときのままか（後から書き換えられていないか）を、受付フォルダの"
                "ファイルと照らして確かめます。"),
    PanelButton("診断", "KPIToolDoctor", "doctor_button",
                "この PC の準備を確かめます（Python・kpitool・xlwings の版、Interpreter_Win、作業フォルダ）。"
                "ボタンがうまく動かないときや、導入した直後に押してください。"),
)
WORK_ORDER = "1年の流れ: ① 提出様式を作成 → ② 検証（部局へ差し戻し・再提出）→ ③ 集約・実績調査 → ④ 監査 → ⑤ 公表（kpitool publish）"
BUSY_NOTE = "ボタンを押すと、終わるまで Excel は操作できません（画面左下のステータス バーに進み具合が出ます）。"
# Japanese texts the VBA module shows before Python runs (macros/*.bas stay ASCII): workbook
# names holding string constants, read by KPIToolText. "\n" is a line break; under 255 characters each.
VBA_TEXTS: dict[str, str] = {
    "KPITOOL_MSG_STARTING": "kpitool: Python を起動しています… 終わるまで Excel は操作できません。",
    "KPITOOL_MSG_NO_PYTHON": (
        "[E-XL-006] パネルに指定した Python（python.exe）が見つかりません。\n"
        "「xlwings.conf」シートの Interpreter_Win に、kpitool を入れた python.exe の場所を書いてください。\n"
        "すぐに処理が必要なら、作業フォルダの 検証.cmd などのランチャーを使えます。"
    ),
    "KPITOOL_MSG_BROKEN_VENV": (
        "[E-XL-006] kpitool の Python（仮想環境）が壊れています。元になった Python が見つかりません"
        "（Python を入れ直したか、アンインストールした後です）。\n"
        "README の「Windows での導入」2. の手順で仮想環境を作り直してください。"
    ),
    "KPITOOL_MSG_NO_KPITOOL": (
        "[E-XL-007] パネルに指定した Python に kpitool が入っていません。\n"
        "その Python で python -m pip install --no-index --find-links 配布フォルダ kpitool を実行してください。"
    ),
    "KPITOOL_MSG_START_FAILED": (
        "[E-XL-006] Python を起動できませんでした。Defender の攻撃面の縮小（ASR）ルールが Excel からの"
        "起動を止めている可能性があります。\n情報政策課に README の「情報政策課の方へ」を見せて除外を依頼し、"
        "それまでは 検証.cmd などのランチャーを使ってください。"
    ),
}
SHEETS: tuple[str, ...] = (PANEL_SHEET, SETTINGS_SHEET, RESULTS_SHEET, XLWINGS_CONF_SHEET)


def sheet_code_names() -> dict[str, str]:
    """The VBA code name of each sheet, as Excel would name them (Sheet1, Sheet2, …)."""
    return {name: f"Sheet{i}" for i, name in enumerate(SHEETS, start=1)}


def embedded_xlwings_version() -> str:
    """``XLWINGS_VERSION`` of the standalone VBA module that the panel embeds."""
    match = re.search(r'XLWINGS_VERSION As String = "([^"]+)"', xlwings_bas_path().read_text(encoding="latin-1"))
    if match is None:
        raise ValueError("xlwings.bas has no XLWINGS_VERSION constant")
    return match.group(1)


def xlwings_bas_path() -> Path:
    """The standalone VBA module shipped inside the installed xlwings package."""
    return Path(str(resources.files("xlwings") / "xlwings.bas"))


def read_module(path: Path) -> tuple[str, str]:
    """A .bas file as (module name from ``Attribute VB_Name``, source with CRLF line ends)."""
    text = path.read_bytes().decode("ascii")  # the project's code page is not Japanese: keep VBA ASCII
    source = text.replace("\r\n", "\n").replace("\n", "\r\n")
    match = re.search(r'^Attribute VB_Name = "([^"]+)"', source, re.MULTILINE)
    if match is None:
        raise ValueError(f"{path} has no Attribute VB_Name line")
    return match.group(1), source


def vba_modules(macros_dir: Path = MACROS_DIR) -> list[tuple[str, str]]:
    """The standard modules of the panel: ours (sorted by file name), then xlwings'."""
    paths = [*sorted(macros_dir.glob("*.bas")), xlwings_bas_path()]
    return [read_module(p) for p in paths]


def vba_project_bin(modules: list[tuple[str, str]]) -> bytes:
    """A vbaProject.bin holding ``modules`` plus the document modules of the panel's sheets."""
    import xlsxwriter
    from pyopenvba import ExcelFile
    from pyopenvba.cfb import CFB
    from pyopenvba.vba import VBAModuleKind

    with tempfile.TemporaryDirectory(prefix="kpitool-panel-") as tmp:
        skeleton = Path(tmp) / "skeleton.xlsm"
        out = Path(tmp) / "with_project.xlsm"
        # pyOpenVBA names the document modules from the workbook's code names: give it ours.
        wb = xlsxwriter.Workbook(str(skeleton))
        wb.set_vba_name(WORKBOOK_CODE_NAME)
        for name, code_name in sheet_code_names().items():
            wb.add_worksheet(name).set_vba_name(code_name)
        wb.close()
        with ExcelFile(skeleton) as book:
            project = book.add_vba_project()
            for name, source in modules:
                project.add_module(name, source, kind=VBAModuleKind.standard)
            book.save(out)
        with zipfile.ZipFile(out) as package:
            raw = package.read("xl/vbaProject.bin")
    cfb = CFB.from_bytes(raw)
    cfb.write_stream_in_storage("VBA", "_VBA_PROJECT", SOURCE_ONLY_VBA_PROJECT)
    return cfb.to_bytes()


def write_panel(path: Path | str, *, macros_dir: Path = MACROS_DIR) -> Path:
    """Write the control panel workbook to ``path`` (reproducible bytes)."""
    import xlsxwriter

    path = Path(path)
    project = vba_project_bin(vba_modules(macros_dir))
    wb = xlsxwriter.Workbook(
        str(path),
        {
            "default_format_properties": {"font_name": FONT, "font_size": 11},
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    wb.set_properties({"title": "kpitool 操作パネル", "author": "kpitool", "company": "", "created": PINNED_TIME})
    wb.add_vba_project(io.BytesIO(project), is_stream=True)
    wb.set_vba_name(WORKBOOK_CODE_NAME)
    formats = _Formats(wb)
    code_names = sheet_code_names()
    sheets = {name: wb.add_worksheet(name) for name in SHEETS}
    for name, ws in sheets.items():
        ws.set_vba_name(code_names[name])
    _write_panel_sheet(sheets[PANEL_SHEET], formats)
    _write_settings_sheet(sheets[SETTINGS_SHEET], formats)
    _write_results_sheet(sheets[RESULTS_SHEET], formats)
    _write_xlwings_conf(sheets[XLWINGS_CONF_SHEET], formats)
    for name, text in VBA_TEXTS.items():
        wb.define_name(name, '="' + text.replace('"', '""') + '"')
    sheets[PANEL_SHEET].activate()
    wb.close()
    return path


class _Formats:
    def __init__(self, wb: Any) -> None:
        border = {"border": 1, "border_color": "#808080"}
        self.title = wb.add_format({"bold": True, "font_size": 16})
        self.heading = wb.add_format({"bold": True, "font_size": 12})
        self.note = wb.add_format({"font_color": "#404040", "text_wrap": True, "valign": "top"})
        self.text = wb.add_format({"text_wrap": True, "valign": "vcenter"})
        self.header = wb.add_format({"bold": True, "bg_color": "#DDEBF7", **border})
        self.label = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "valign": "top", **border})
        self.input = wb.add_format({"bg_color": "#FFF2CC", "valign": "top", **border})
        self.plain = wb.add_format({})
        self.link = wb.add_format({"font_color": "#0645AD", "underline": 1})


def _write_panel_sheet(ws: Any, f: _Formats) -> None:
    ws.hide_gridlines(2)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_column(0, 0, 2)
    ws.set_column(1, 1, 26)
    ws.set_column(2, 2, 100)
    ws.write_string(0, 1, "kpitool 操作パネル", f.title)
    ws.write_string(1, 1, "ボタンを押すと「設定」シートの内容で処理し、結果を「実行結果」シートに書き出して、"
                          "最後にメッセージでお知らせします。", f.plain)
    ws.write_string(2, 1, BUSY_NOTE, f.plain)
    ws.write_string(3, 1, WORK_ORDER, f.heading)
    row = 5
    for button in BUTTONS:
        ws.set_row(row, 42)
        ws.insert_button(row, 1, {"macro": button.macro, "caption": button.caption,
                                  "width": 160, "height": 48, "x_offset": 2, "y_offset": 4})
        ws.write_string(row, 2, button.description, f.text)
        row += 2
    ws.write_string(row, 1, "はじめて使うとき", f.heading)
    steps = (
        "1. このブックを受付フォルダと同じフォルダに保存し、「設定」シートのパスを確認します（相対パスはこのブックのフォルダが基準です）。",
        "2. 「xlwings.conf」シートの Interpreter_Win に、kpitool を入れた Python（python.exe）の場所を書きます。",
        "3. ［診断］を押して各項目が OK か確かめ、［検証］を押して「実行結果」シートに結果が出れば準備完了です。"
        "詳しくは README の「Windows での導入」をご覧ください。",
        "エラーのときは、メッセージの [E-…] のコードと、このブックと同じフォルダの kpitool_error.log を担当者に伝えてください。",
        "ボタンが動かないとき（マクロが無効・Defender の ASR・無害化）は、作業フォルダの 検証.cmd などのランチャー"
        "（kpitool init --launchers で作成）で同じ処理ができます。",
    )
    for i, step in enumerate(steps, start=1):
        ws.write_string(row + i, 1, step, f.plain)
    # The manual's PDF travels with the panel (README: 配布フォルダ); a relative link opens it beside the panel.
    row += len(steps) + 2
    ws.write_string(row, 1, "操作マニュアル", f.heading)
    ws.write_url(row, 2, f"external:{MANUAL_FILENAME}", f.link, string=f"{MANUAL_FILENAME}（{MANUAL_NOTE}）")


def _write_settings_sheet(ws: Any, f: _Formats) -> None:
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 40)
    ws.set_column(2, 2, 90)
    ws.write_string(0, 0, "設定", f.title)
    ws.write_string(1, 0, "黄色のセルを書き換えてください。相対パスはこのブックのフォルダが基準です"
                          "（\\\\サーバー\\共有\\… のネットワークのパスも使えます）。", f.plain)
    for col, label in enumerate(("項目", "値", "説明")):
        ws.write_string(2, col, label, f.header)
    for i, setting in enumerate(SETTINGS, start=3):
        ws.write_string(i, 0, setting.label, f.label)
        if isinstance(setting.default, int):
            ws.write_number(i, 1, setting.default, f.input)
        elif setting.default:
            ws.write_string(i, 1, setting.default, f.input)
        else:
            ws.write_blank(i, 1, None, f.input)
        ws.write_string(i, 2, setting.description, f.note)


def _write_results_sheet(ws: Any, f: _Formats) -> None:
    ws.set_column(0, 0, 22)
    ws.set_column(1, 3, 18)
    ws.set_column(4, 9, 16)
    ws.write_string(0, 0, "実行結果", f.title)
    ws.write_string(1, 0, "まだ実行していません。「操作」シートのボタンを押すと、ここに結果が出ます。", f.plain)


def _write_xlwings_conf(ws: Any, f: _Formats) -> None:
    """xlwings reads keys from A1 downwards until the first blank cell; notes go below that."""
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 55)
    ws.write_string(0, 0, "Interpreter_Win", f.plain)
    ws.write_string(0, 1, DEFAULT_INTERPRETER, f.input)
    # kpitool is installed, so nothing next to the workbook should shadow its modules.
    ws.write_string(1, 0, "ADD_WORKBOOK_TO_PYTHONPATH", f.plain)
    ws.write_string(1, 1, "false", f.plain)
    notes = (
        "このシートは xlwings の設定です（シート名を変えないでください）。A1 から下に空白なく並べます。",
        "Interpreter_Win: kpitool を入れた Python の python.exe の場所。%LOCALAPPDATA% などの環境変数が使えます。",
        "ADD_WORKBOOK_TO_PYTHONPATH: false のままにしてください（ブックのフォルダの .py を読み込まない）。",
    )
    for i, note in enumerate(notes, start=4):
        ws.write_string(i, 0, note, f.plain)
    # Below xlwings' settings (after the blank row): the version of the embedded VBA module,
    # which `kpitool doctor` and the buttons compare with the installed xlwings.
    ws.write_string(PANEL_VERSION_ROW, 0, PANEL_VERSION_KEY, f.plain)
    ws.write_string(PANEL_VERSION_ROW, 1, embedded_xlwings_version(), f.plain)
    ws.write_string(PANEL_VERSION_ROW, 2, "（パネルに組み込んだ xlwings の VBA の版。書き換えないでください）", f.plain)


def main() -> None:
    """Rebuild the committed panel (``python -m kpitool.build.panel``)."""
    print(write_panel(ROOT / "workbook_templates" / PANEL_FILENAME))


if __name__ == "__main__":
    main()
