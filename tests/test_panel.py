"""The control panel workbook (issue 5): current, reproducible, and its buttons wired.

No Excel here, so the panel is checked the way other tools read it: oletools' olevba for the
VBA project, the package parts for content type, code names and button bindings, and
LibreOffice (headless) for an independent reader that must find each button's macro.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import olefile
import pytest
from defusedxml import ElementTree
from libreoffice import convert

from kpitool import errors, xl, xl_settings
from kpitool.build import panel

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "workbook_templates" / panel.PANEL_FILENAME
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
MACRO_ENABLED = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
DOCUMENT_MODULES = {"ThisWorkbook", "Sheet1", "Sheet2", "Sheet3", "Sheet4"}
# olevba builds its pyparsing grammar with names pyparsing 3 deprecates; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return panel.write_panel(tmp_path_factory.mktemp("panel") / panel.PANEL_FILENAME)


def _normalise(source: str) -> str:
    """VBA source as the editor shows it: no Attribute lines, LF, no trailing blank lines."""
    lines = source.replace("\r\n", "\n").split("\n")
    return "\n".join(line for line in lines if not line.startswith("Attribute VB_")).strip("\n")


def _vba(path: Path) -> dict[str, str]:
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser(str(path))
    try:
        assert parser.detect_vba_macros()
        return {Path(vba_filename).stem: code for _f, _s, vba_filename, code in parser.extract_macros()}
    finally:
        parser.close()


def _part(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as package:
        return package.read(name)


def _subs(source: str) -> set[str]:
    return set(re.findall(r"^\s*(?:Public\s+)?Sub\s+(\w+)\s*\(", source, re.MULTILINE | re.IGNORECASE))


def _button_bindings(path: Path) -> dict[str, str]:
    """caption -> macro of every Form button in the package (VML ``x:FmlaMacro``)."""
    bindings: dict[str, str] = {}
    with zipfile.ZipFile(path) as package:
        for name in package.namelist():
            if name.startswith("xl/drawings/vmlDrawing"):
                vml = package.read(name).decode("utf-8")
                for shape in re.findall(r"<v:shape\b.*?</v:shape>", vml, re.DOTALL):
                    if 'ObjectType="Button"' not in shape:
                        continue
                    caption = re.sub(r"<[^>]+>", "", re.search(r"<v:textbox.*?</v:textbox>", shape, re.DOTALL).group())
                    bindings[caption] = re.search(r"<x:FmlaMacro>\[0\]!([^<]+)</x:FmlaMacro>", shape).group(1)
    return bindings


# --- the committed file --------------------------------------------------------------------


def _members(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as package:
        return [(info.filename, package.read(info)) for info in package.infolist()]


def test_committed_panel_is_current(built: Path) -> None:
    """Every part, in order, equals a rebuild (parts, not zip bytes: zlib builds may differ)."""
    assert _members(COMMITTED) == _members(built), (
        "workbook_templates/kpitool_panel.xlsm is out of date: run `make template` "
        "(python -m kpitool.build.templates) and commit the result"
    )


def test_build_is_reproducible(built: Path, tmp_path: Path) -> None:
    again = panel.write_panel(tmp_path / "again.xlsm")
    assert again.read_bytes() == built.read_bytes()


def test_content_type_is_macro_enabled() -> None:
    types = ElementTree.fromstring(_part(COMMITTED, "[Content_Types].xml"))
    overrides = {o.get("PartName"): o.get("ContentType") for o in types}
    defaults = {d.get("Extension"): d.get("ContentType") for d in types if d.get("Extension")}
    assert overrides["/xl/workbook.xml"] == MACRO_ENABLED
    assert "application/vnd.ms-office.vbaProject" in {overrides.get("/xl/vbaProject.bin"), defaults.get("bin")}
    rels = _part(COMMITTED, "xl/_rels/workbook.xml.rels").decode("utf-8")
    assert 'relationships/vbaProject" Target="vbaProject.bin"' in rels


def test_sheets_and_code_names_match_the_vba_project() -> None:
    workbook = ElementTree.fromstring(_part(COMMITTED, "xl/workbook.xml"))
    assert workbook.find("m:workbookPr", NS).get("codeName") == "ThisWorkbook"
    names = [s.get("name") for s in workbook.find("m:sheets", NS)]
    assert names == ["操作", "設定", "実行結果", "xlwings.conf"]
    code_names = []
    for i in range(1, len(names) + 1):
        sheet = ElementTree.fromstring(_part(COMMITTED, f"xl/worksheets/sheet{i}.xml"))
        code_names.append(sheet.find("m:sheetPr", NS).get("codeName"))
    assert code_names == [panel.sheet_code_names()[n] for n in names]
    ole = olefile.OleFileIO(io.BytesIO(_part(COMMITTED, "xl/vbaProject.bin")))
    project = ole.openstream("PROJECT").read().decode("latin-1")
    documents = re.findall(r"^Document=(\w+)/", project, re.MULTILINE)
    modules = re.findall(r"^Module=(\w+)", project, re.MULTILINE)
    assert sorted(documents) == sorted(["ThisWorkbook", *code_names])
    assert modules == ["KPITool", "xlwings"]


# --- the VBA project -----------------------------------------------------------------------


def test_olevba_extracts_our_macros_and_xlwings_unchanged() -> None:
    modules = _vba(COMMITTED)
    expected = {
        "KPITool": (ROOT / "macros" / "KPITool.bas").read_text(encoding="ascii"),
        "xlwings": panel.xlwings_bas_path().read_text(encoding="ascii"),
    }
    assert set(modules) == DOCUMENT_MODULES | set(expected)
    for name, source in expected.items():
        assert _normalise(modules[name]) == _normalise(source), name
    for name in DOCUMENT_MODULES:
        assert _normalise(modules[name]) == "", name


def test_embedded_xlwings_module_is_the_installed_version() -> None:
    import xlwings

    source = _vba(COMMITTED)["xlwings"]
    assert f'Public Const XLWINGS_VERSION As String = "{xlwings.__version__}"' in source


def test_vba_project_is_source_only() -> None:
    """MS-OVBA 2.3.4.1: version 0xFFFF and no performance cache, so Excel compiles from source.

    pyOpenVBA alone writes its template's version cookie with a zeroed cache, which an Excel of
    that VBA version would use instead of the source (MS-OVBA 1.6); kpitool.build.panel corrects it.
    """
    ole = olefile.OleFileIO(io.BytesIO(_part(COMMITTED, "xl/vbaProject.bin")))
    assert ole.openstream("VBA/_VBA_PROJECT").read() == bytes.fromhex("cc61ffff000100")
    for name in ole.listdir():
        if name[0] == "VBA" and name[1].startswith("__SRP_"):
            pytest.fail(f"version-dependent SRP stream {name[1]} must not be written")


def test_vba_has_one_line_per_button_and_one_runpython() -> None:
    """Each button Sub is one KPIToolRun line; the only RunPython call is inside KPIToolRun."""
    source = _vba(COMMITTED)["KPITool"].replace("\r\n", "\n")
    bodies = dict(re.findall(r"^Sub (\w+)\(\)\s*\n(.*?)\nEnd Sub", source, re.MULTILINE | re.DOTALL))
    assert set(bodies) == {b.macro for b in panel.BUTTONS}
    for button in panel.BUTTONS:
        assert bodies[button.macro].strip() == f'KPIToolRun "import kpitool.xl as x; x.{button.function}()"'
        assert button.function in xl.button_functions()
    assert set(xl.button_functions()) == {b.function for b in panel.BUTTONS}
    assert re.findall(r"^\s*RunPython\b.*$", source, re.MULTILINE) == ["    RunPython PythonCommand"]


def test_vba_says_excel_is_busy_before_python_starts() -> None:
    """The status text is set and the cursor changed before RunPython, and both restored after it."""
    source = _vba(COMMITTED)["KPITool"].replace("\r\n", "\n")
    body = re.search(r"Private Sub KPIToolRun\(.*?\n(.*?)\nEnd Sub", source, re.DOTALL).group(1)
    order = [body.index(s) for s in ("KPIToolCheckPython()", 'Application.StatusBar = KPIToolText("KPITOOL_MSG_STARTING")',
                                     "Application.Cursor = xlWait", "RunPython PythonCommand",
                                     "Application.Cursor = xlDefault", "Application.StatusBar = False")]
    assert order == sorted(order)
    assert "終わるまで Excel は操作できません" in panel.VBA_TEXTS["KPITOOL_MSG_STARTING"]


def test_every_text_the_vba_shows_is_a_defined_name_of_the_panel() -> None:
    """Japanese for the VBA side lives in workbook names (the .bas stays ASCII); each one it reads exists."""
    import openpyxl

    source = _vba(COMMITTED)["KPITool"]
    used = set(re.findall(r'KPIToolText\("(\w+)"\)', source))
    assert used == set(panel.VBA_TEXTS)
    names = openpyxl.load_workbook(COMMITTED, keep_vba=True).defined_names
    for key, text in panel.VBA_TEXTS.items():
        assert names[key].attr_text == '"' + text.replace('"', '""') + '"', key  # Excel's RefersTo adds the =
        assert len(text) < 255, key  # Excel's limit for a text constant in a formula
    for key in ("KPITOOL_MSG_NO_PYTHON", "KPITOOL_MSG_BROKEN_VENV", "KPITOOL_MSG_START_FAILED"):
        assert "[E-XL-006]" in panel.VBA_TEXTS[key]
    assert "[E-XL-007]" in panel.VBA_TEXTS["KPITOOL_MSG_NO_KPITOOL"]


def test_panel_shows_the_order_of_the_years_work() -> None:
    import openpyxl

    ws = openpyxl.load_workbook(COMMITTED)[xl_settings.PANEL_SHEET]
    texts = [cell for row in ws.iter_rows(values_only=True) for cell in row if cell]
    order = next(t for t in texts if t.startswith("1年の流れ"))
    steps = ["提出様式", "検証", "集約", "監査", "公表"]
    assert [order.index(s) for s in steps] == sorted(order.index(s) for s in steps)
    captions = [b.caption for b in panel.BUTTONS]
    assert captions[:4] == ["提出様式を作成", "検証", "集約・実績調査", "監査"]
    assert any("終わるまで Excel は操作できません" in t for t in texts)


def test_panel_records_the_version_of_its_embedded_xlwings_module() -> None:
    """kpitool doctor and the buttons compare this cell with the installed xlwings."""
    import openpyxl

    from kpitool.doctor import facts_from_rows

    source = _vba(COMMITTED)["xlwings"]
    embedded = re.search(r'XLWINGS_VERSION As String = "([^"]+)"', source).group(1)
    rows = openpyxl.load_workbook(COMMITTED)[panel.XLWINGS_CONF_SHEET].iter_rows(values_only=True)
    facts = facts_from_rows(rows, str(COMMITTED))
    assert facts.xlwings_version == embedded
    assert facts.interpreter == panel.DEFAULT_INTERPRETER


def test_each_button_is_bound_to_an_existing_sub() -> None:
    subs = _subs(_vba(COMMITTED)["KPITool"])
    bindings = _button_bindings(COMMITTED)
    assert bindings == {b.caption: b.macro for b in panel.BUTTONS}
    assert set(bindings.values()) <= subs


def test_binding_check_catches_a_missing_sub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check above can fail: a button bound to a Sub that does not exist is caught."""
    import dataclasses

    monkeypatch.setattr(panel, "BUTTONS", (dataclasses.replace(panel.BUTTONS[0], macro="NoSuchSub"), *panel.BUTTONS[1:]))
    broken = panel.write_panel(tmp_path / "broken.xlsm")
    assert not set(_button_bindings(broken).values()) <= _subs(_vba(broken)["KPITool"])


# --- the sheets ----------------------------------------------------------------------------


def test_settings_sheet_has_every_label_with_its_default() -> None:
    import openpyxl

    ws = openpyxl.load_workbook(COMMITTED)[xl_settings.SETTINGS_SHEET]
    rows = {row[0]: row[1] for row in ws.iter_rows(values_only=True) if row[0]}
    for setting in xl_settings.SETTINGS:
        assert rows[setting.label] == (setting.default or None)


def test_xlwings_conf_is_read_from_a1_down_to_the_first_blank() -> None:
    import openpyxl

    ws = openpyxl.load_workbook(COMMITTED)[panel.XLWINGS_CONF_SHEET]
    keys = []
    for row in ws.iter_rows(min_row=1, max_col=2, values_only=True):
        if row[0] is None:
            break
        keys.append(row)
    assert dict(keys) == {"Interpreter_Win": panel.DEFAULT_INTERPRETER, "ADD_WORKBOOK_TO_PYTHONPATH": "false"}


def test_panel_sheet_describes_each_button() -> None:
    import openpyxl

    ws = openpyxl.load_workbook(COMMITTED)[xl_settings.PANEL_SHEET]
    texts = {cell for row in ws.iter_rows(values_only=True) for cell in row if cell}
    assert {b.description for b in panel.BUTTONS} <= texts


def test_vba_source_is_ascii_for_any_excel_code_page() -> None:
    for path in (ROOT / "macros").glob("*.bas"):
        path.read_bytes().decode("ascii")


# --- LibreOffice -----------------------------------------------------------------------------


def _to_ods(workbook: Path, workdir: Path) -> Path:
    return convert(workbook, workdir, "ods")


def _lo_bindings(ods: Path) -> dict[str, str]:
    """caption -> script URL of each button as LibreOffice imported it."""
    content = ElementTree.fromstring(_part(ods, "content.xml"))
    form = "urn:oasis:names:tc:opendocument:xmlns:form:1.0"
    script = "urn:oasis:names:tc:opendocument:xmlns:script:1.0"
    xlink = "http://www.w3.org/1999/xlink"
    bindings = {}
    for button in content.iter(f"{{{form}}}button"):
        for listener in button.iter(f"{{{script}}}event-listener"):
            if listener.get(f"{{{script}}}event-name") == "form:performaction":
                bindings[button.get(f"{{{form}}}label")] = listener.get(f"{{{xlink}}}href")
    return bindings


def _lo_url(macro: str) -> str:
    return f"vnd.sun.star.script:VBAProject.KPITool.{macro}?language=Basic&location=document"


@pytest.mark.libreoffice
def test_libreoffice_sees_each_button_bound_to_its_macro(tmp_path: Path) -> None:
    ods = _to_ods(COMMITTED, tmp_path)
    assert _lo_bindings(ods) == {b.caption: _lo_url(b.macro) for b in panel.BUTTONS}
    # LibreOffice found the Sub in the module it read from our VBA project.
    module = _part(ods, "Basic/VBAProject/KPITool.xml").decode("utf-8")
    for button in panel.BUTTONS:
        assert f"Sub {button.macro}()" in module
        assert f"x.{button.function}()" in module


@pytest.mark.libreoffice
def test_libreoffice_drops_a_binding_to_a_missing_sub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Proof that the LibreOffice check can fail: an unknown macro is not bound."""
    import dataclasses

    monkeypatch.setattr(panel, "BUTTONS", (dataclasses.replace(panel.BUTTONS[0], macro="NoSuchSub"), *panel.BUTTONS[1:]))
    ods = _to_ods(panel.write_panel(tmp_path / "broken.xlsm"), tmp_path)
    bindings = _lo_bindings(ods)
    assert panel.BUTTONS[0].caption not in bindings
    assert bindings[panel.BUTTONS[1].caption] == _lo_url(panel.BUTTONS[1].macro)


# --- the Windows guide in the README -------------------------------------------------------


def _windows_guide() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Windows での導入（企画課のPC）")
    end = readme.find("\n## ", start + 1)
    return readme[start : end if end != -1 else None]


def test_readme_windows_guide_covers_every_step_to_a_clicked_consolidation() -> None:
    guide = _windows_guide()
    for step in ("pip install --no-index --find-links", "py -3.11 -m venv", "［許可する］", "信頼できる場所",
                 "Interpreter_Win", panel.DEFAULT_INTERPRETER, "VBAProject のコンパイル", "kpitool.exe\" demo",
                 "kpitool_error.log"):
        assert step in guide, step
    for button in panel.BUTTONS:
        assert f"［{button.caption}］" in guide, button.caption
    assert guide.index("［検証］を押します") < guide.index("［集約・実績調査］を押すと")


def test_readme_documents_every_code_the_panel_shows() -> None:
    guide = _windows_guide()
    for code in (errors.XL_SHEET_MISSING, errors.XL_SETTING_INVALID, errors.XL_LOCATION_UNKNOWN, errors.XL_ACCESS_FAILED,
                 errors.XL_UNEXPECTED):
        assert f"| {code} |" in guide, code
