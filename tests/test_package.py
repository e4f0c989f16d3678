"""kpitool.package: every bad file gives its precise problem, fast; real Excel files pass."""

from __future__ import annotations

import hashlib
import io
import pickle
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from corpus import (
    BILLION_LAUGHS,
    CORPUS,
    XXE,
    good_xlsx_bytes,
    good_xlsx_parts,
    pad_sheet,
    patch_zip_entry,
    write_zip,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paths import REAL_XLSX

from kpitool.package import (
    FileProblem,
    Limits,
    PackageError,
    PackageInfo,
    inspect_package,
    parse_xml_safely,
    read_part,
)

REAL_FILES = sorted(REAL_XLSX.rglob("*.xls*")) if REAL_XLSX.is_dir() else []


def _problem(path: Path, limits: Limits = Limits(), **kwargs: bytes) -> FileProblem:  # noqa: B008
    with pytest.raises(PackageError) as info:
        inspect_package(path, limits, **kwargs)
    return info.value.problem


# -- the bad-file corpus --------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_corpus_case_gives_its_problem(case: str, tmp_path: Path) -> None:
    generator, expected = CORPUS[case]
    path = generator(tmp_path)
    with pytest.raises(PackageError) as info:
        inspect_package(path)
    assert info.value.problem is expected, info.value.detail
    assert info.value.detail


@pytest.mark.parametrize(
    "case", sorted(c for c in CORPUS if c not in ("missing_file", "too_large"))
)
def test_corpus_case_same_problem_from_bytes(case: str, tmp_path: Path) -> None:
    generator, expected = CORPUS[case]
    data = generator(tmp_path).read_bytes()
    assert _problem(Path("in-memory.xlsx"), data=data) is expected


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("zip_bomb_ratio", "compression ratio"),
        ("zip_bomb_declared_size", "uncompressed total"),
        ("too_many_entries", "zip entries"),
        ("zip_bomb_lying_size", "CRC"),
        ("xxe_shared_strings", "xl/sharedStrings.xml: DOCTYPE"),
        ("dtd_after_long_prolog", "no root element"),
        ("billion_laughs_workbook", "xl/workbook.xml: DOCTYPE"),
        ("csv_cp932_renamed", "cp932, comma-separated"),
        ("tsv_utf16_renamed", "utf-16, tab-separated"),
        ("docx_like", "Word document"),
        ("ods_like", "opendocument.spreadsheet"),
    ],
)
def test_corpus_detail_names_the_check(case: str, reason: str, tmp_path: Path) -> None:
    """Each hostile case is caught by the check meant for it, not by accident."""
    with pytest.raises(PackageError) as info:
        inspect_package(CORPUS[case][0](tmp_path))
    assert reason in info.value.detail


def test_corpus_ole_files_are_real_compound_files(tmp_path: Path) -> None:
    """The hand-built CFBs must be real ones, or LEGACY_XLS/ENCRYPTED prove nothing."""
    olefile = pytest.importorskip("olefile")
    xls = CORPUS["legacy_xls"][0](tmp_path)
    with olefile.OleFileIO(str(xls)) as ole:
        assert ole.listdir() == [["Workbook"]]
        assert ole.openstream("Workbook").read(4) == b"\x09\x08\x10\x00"  # BOF, 16 bytes
    enc = CORPUS["encrypted_ooxml"][0](tmp_path)
    with olefile.OleFileIO(str(enc)) as ole:
        assert sorted(ole.listdir()) == [["EncryptedPackage"], ["EncryptionInfo"]]


def test_corpus_base_workbook_is_good(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "rezipped.xlsx", good_xlsx_parts())
    info = inspect_package(path)
    assert info.sheets == (("事業成果目標", "visible", "xl/worksheets/sheet1.xml"),)


# -- a good workbook ----------------------------------------------------------------------


def _good_workbook(path: Path) -> Path:
    wb = xlsxwriter.Workbook(path, {"date_1904": True})
    data = wb.add_worksheet("事業成果目標")
    meta = wb.add_worksheet("_kpitool")
    data.write_column(0, 0, ["部局名", "総務部", "企画部"])
    meta.write_row(0, 0, ["template_id", "kpitool-department-template"])
    meta.very_hidden()
    wb.define_name("部局名一覧", "=事業成果目標!$A$2:$A$3")
    wb.define_name("_kpitool!template_id", "=_kpitool!$B$1")
    wb.close()
    return path


def test_good_workbook(tmp_path: Path) -> None:
    path = _good_workbook(tmp_path / "部局_総務部.xlsx")
    before = path.read_bytes()
    info = inspect_package(path)
    assert isinstance(info, PackageInfo)
    assert info.path == path
    assert info.size == len(before)
    assert info.sha256 == hashlib.sha256(before).hexdigest()
    assert info.sheets == (
        ("事業成果目標", "visible", "xl/worksheets/sheet1.xml"),
        ("_kpitool", "veryHidden", "xl/worksheets/sheet2.xml"),
    )
    assert info.date1904 is True
    assert info.has_macros is False
    assert info.external_links == 0
    assert info.defined_names == {
        "部局名一覧": "事業成果目標!$A$2:$A$3",
        "_kpitool!template_id": "_kpitool!$B$1",
    }
    with zipfile.ZipFile(path) as zf:
        assert info.uncompressed_size == sum(i.file_size for i in zf.infolist())
    assert path.read_bytes() == before  # inbox files are never changed
    assert inspect_package(path, data=before) == info


def test_date1904_off_by_default(tmp_path: Path) -> None:
    path = tmp_path / "plain.xlsx"
    path.write_bytes(good_xlsx_bytes())
    info = inspect_package(path)
    assert info.date1904 is False
    assert info.defined_names == {}


@pytest.mark.parametrize(
    "target",
    ["worksheets/sheet1.xml", "/xl/worksheets/sheet1.xml", "../xl/worksheets/sheet1.xml",
     "worksheets/SHEET1.xml"],
)
def test_relationship_targets_resolve(target: str, tmp_path: Path) -> None:
    """Excel writes relative targets; other writers absolute ones; part names ignore case."""
    parts = good_xlsx_parts()
    rels = parts["xl/_rels/workbook.xml.rels"]
    assert b'Target="worksheets/sheet1.xml"' in rels
    parts["xl/_rels/workbook.xml.rels"] = rels.replace(
        b'Target="worksheets/sheet1.xml"', f'Target="{target}"'.encode()
    )
    info = inspect_package(write_zip(tmp_path / "rels.xlsx", parts))
    assert info.sheets == (("事業成果目標", "visible", "xl/worksheets/sheet1.xml"),)


@pytest.mark.parametrize(
    ("state", "expected"),
    [("hidden", "hidden"), ("veryHidden", "veryHidden"), ("VeryHidden", "veryHidden"),
     ("visible", "visible"), ("bogus", None)],
)
def test_sheet_states(state: str, expected: str | None, tmp_path: Path) -> None:
    parts = good_xlsx_parts()
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        b'<sheet name=', f'<sheet state="{state}" name='.encode(), 1
    )
    path = write_zip(tmp_path / "state.xlsx", parts)
    if expected is None:
        assert _problem(path) is FileProblem.NOT_SPREADSHEET
    else:
        assert inspect_package(path).sheets[0][1] == expected


def test_defined_name_with_bad_sheet_index(tmp_path: Path) -> None:
    parts = good_xlsx_parts()
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        b"</sheets>",
        b'</sheets><definedNames><definedName name="a" localSheetId="-1">1</definedName>'
        b'<definedName name="b" localSheetId="5">2</definedName>'
        b'<definedName name="c" localSheetId="0">3</definedName></definedNames>',
    )
    info = inspect_package(write_zip(tmp_path / "names.xlsx", parts))
    assert info.defined_names == {"#-1!a": "1", "#5!b": "2", "事業成果目標!c": "3"}


def test_macros_and_external_links_are_counted(tmp_path: Path) -> None:
    parts = good_xlsx_parts()
    parts["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0"
    parts["xl/externalLinks/externalLink1.xml"] = b'<?xml version="1.0"?><externalLink/>'
    parts["xl/externalLinks/externalLink2.xml"] = b'<?xml version="1.0"?><externalLink/>'
    parts["xl/externalLinks/_rels/externalLink1.xml.rels"] = b'<?xml version="1.0"?><x/>'
    info = inspect_package(write_zip(tmp_path / "links.xlsm", parts))
    assert info.has_macros is True
    assert info.external_links == 2


def test_excel4_macro_sheets_count_as_macros(tmp_path: Path) -> None:
    parts = good_xlsx_parts()
    parts["xl/macrosheets/sheet1.xml"] = b'<?xml version="1.0"?><xm:macrosheet xmlns:xm="x"/>'
    assert inspect_package(write_zip(tmp_path / "xlm.xlsx", parts)).has_macros is True


# -- limits ---------------------------------------------------------------------------------


def test_small_limits(tmp_path: Path) -> None:
    path = tmp_path / "good.xlsx"
    path.write_bytes(good_xlsx_bytes())
    assert _problem(path, Limits(max_entries=3)) is FileProblem.ZIP_BOMB
    assert _problem(path, Limits(max_uncompressed_bytes=1000)) is FileProblem.ZIP_BOMB
    assert _problem(path, Limits(max_file_bytes=100)) is FileProblem.TOO_LARGE
    assert _problem(path, Limits(max_file_bytes=100), data=path.read_bytes()) is (
        FileProblem.TOO_LARGE
    )
    assert _problem(path, Limits(max_part_bytes=100)) is FileProblem.ZIP_BOMB


def test_ratio_applies_only_to_large_members(tmp_path: Path) -> None:
    """A 900 KB run of spaces deflates ~1000:1 but is small, so it is not judged a bomb."""
    parts = good_xlsx_parts()
    pad_sheet(parts, 900_000)
    inspect_package(write_zip(tmp_path / "spaces.xlsx", parts))
    assert _problem(tmp_path / "spaces.xlsx", Limits(max_uncompressed_bytes=500_000)) is (
        FileProblem.ZIP_BOMB
    )


def test_verify_off_trusts_the_directory(tmp_path: Path) -> None:
    """The trade-off of verify_members=False: a lying size goes unseen (see Limits)."""
    path = CORPUS["zip_bomb_lying_size"][0](tmp_path)
    data = patch_zip_entry(path.read_bytes(), "xl/worksheets/sheet1.xml", file_size=200_000)
    assert _problem(path, data=data) is FileProblem.TRUNCATED_ZIP
    inspect_package(path, Limits(verify_members=False), data=data)
    path = CORPUS["xxe_shared_strings"][0](tmp_path)
    assert _problem(path, Limits(verify_members=False)) is FileProblem.XML_ATTACK


def test_directory_is_not_found(tmp_path: Path) -> None:
    assert _problem(tmp_path) is FileProblem.NOT_FOUND


# -- read_part and parse_xml_safely ---------------------------------------------------------


def test_read_part_is_bounded(tmp_path: Path) -> None:
    parts = good_xlsx_parts()
    parts["xl/big.xml"] = b"<a>" + b"x" * 2**21 + b"</a>"
    data = write_zip(tmp_path / "big.xlsx", parts).read_bytes()
    assert read_part(data, "xl/workbook.xml", Limits()) == parts["xl/workbook.xml"]
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert read_part(zf, "XL/Workbook.xml", Limits()) == parts["xl/workbook.xml"]
    with pytest.raises(PackageError) as info:
        read_part(data, "xl/big.xml", Limits(max_part_bytes=2**20))
    assert info.value.problem is FileProblem.ZIP_BOMB
    with pytest.raises(PackageError) as info:
        read_part(data, "xl/nothing.xml", Limits())
    assert info.value.problem is FileProblem.NOT_SPREADSHEET


def test_read_part_does_not_trust_the_declared_size(tmp_path: Path) -> None:
    data = CORPUS["zip_bomb_lying_size"][0](tmp_path).read_bytes()
    with pytest.raises(PackageError) as info:
        read_part(data, "xl/worksheets/sheet1.xml", Limits(max_part_bytes=4096))
    assert info.value.problem is FileProblem.TRUNCATED_ZIP


def test_read_part_of_a_patched_declared_size(tmp_path: Path) -> None:
    data = write_zip(tmp_path / "x.xlsx", good_xlsx_parts()).read_bytes()
    data = patch_zip_entry(data, "xl/workbook.xml", file_size=2**31)
    with pytest.raises(PackageError) as info:
        read_part(data, "xl/workbook.xml", Limits())
    assert info.value.problem is FileProblem.ZIP_BOMB


@pytest.mark.parametrize(
    ("xml", "expected"),
    [
        (BILLION_LAUGHS + b"<a>&lol9;</a>", FileProblem.XML_ATTACK),
        (XXE + b"<a>&xxe;</a>", FileProblem.XML_ATTACK),
        (b'<!DOCTYPE a SYSTEM "http://example.invalid/a.dtd"><a/>', FileProblem.XML_ATTACK),
        (b"<a><b></a>", FileProblem.NOT_SPREADSHEET),
        (b"", FileProblem.NOT_SPREADSHEET),
    ],
)
def test_parse_xml_safely_refuses(xml: bytes, expected: FileProblem) -> None:
    with pytest.raises(PackageError) as info:
        parse_xml_safely(xml)
    assert info.value.problem is expected


def test_parse_xml_safely_parses() -> None:
    root = parse_xml_safely('<?xml version="1.0" encoding="UTF-8"?><a x="部局"/>'.encode())
    assert root.tag == "a"
    assert root.get("x") == "部局"


def test_package_error_survives_pickle_and_notes() -> None:
    """Workers in a process pool pickle errors and set __traceback__; pytest adds notes."""
    err = PackageError(FileProblem.ZIP_BOMB, "too big")
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.problem, copy.detail) == (FileProblem.ZIP_BOMB, "too big")
    err.add_note("while reading inbox")
    err.__traceback__ = None
    assert str(err) == "ZIP_BOMB: too big"
    assert PackageError(problem=FileProblem.EMPTY, detail="x").problem is FileProblem.EMPTY


# -- robustness -----------------------------------------------------------------------------

_GOOD_STORED = io.BytesIO()
with zipfile.ZipFile(_GOOD_STORED, "w", zipfile.ZIP_STORED) as _zf:
    for _name, _content in good_xlsx_parts().items():
        _zf.writestr(_name, _content)
GOOD_STORED = _GOOD_STORED.getvalue()
GOOD_DEFLATED = good_xlsx_bytes()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from([GOOD_STORED, GOOD_DEFLATED]),
    edits=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)),
                   min_size=1, max_size=8),
    cut=st.one_of(st.none(), st.floats(0, 1)),
)
def test_mutated_workbooks_never_raise_anything_else(
    base: bytes, edits: list[tuple[float, int]], cut: float | None
) -> None:
    data = bytearray(base)
    for where, value in edits:
        data[int(where * len(data))] = value
    if cut is not None:
        data = data[: int(cut * len(data))]
    try:
        info = inspect_package(Path("fuzz.xlsx"), data=bytes(data))
    except PackageError as exc:
        assert exc.detail
    else:
        assert info.sheets


@pytest.mark.parametrize(
    ("part", "expected"),
    [("xl/workbook.xml", FileProblem.NOT_SPREADSHEET), ("xl/sharedStrings.xml", None)],
)
def test_unknown_xml_encoding(part: str, expected: FileProblem | None, tmp_path: Path) -> None:
    """expat raises LookupError for an unknown encoding; it must not escape as such."""
    parts = good_xlsx_parts()
    assert b'encoding="UTF-8"' in parts[part]
    parts[part] = parts[part].replace(b'encoding="UTF-8"', b'encoding="no-such-codec"', 1)
    path = write_zip(tmp_path / "encoding.xlsx", parts)
    if expected is None:
        inspect_package(path)
    else:
        assert _problem(path) is expected


_XML_TOKENS = [b"<", b">", b"/", b'"', b"&", b"\x00", b"\xff", b"<!DOCTYPE a>", b'r:id="rId9"',
               b'state="x"', b'localSheetId="7"', b'Target="/nowhere"', b"]]>",
               b"<?xml version='1.0' encoding='utf-16'?>"]


@settings(max_examples=200, deadline=None)
@given(
    part=st.sampled_from(["xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                          "xl/sharedStrings.xml", "[Content_Types].xml"]),
    edits=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.sampled_from(_XML_TOKENS),
                             st.integers(0, 20)), min_size=1, max_size=4),
)
def test_mutated_xml_parts_never_raise_anything_else(
    part: str, edits: list[tuple[float, bytes, int]]
) -> None:
    """Edits inside a well-formed zip reach the XML handling that CRC errors would hide."""
    parts = good_xlsx_parts()
    xml = bytearray(parts[part])
    for where, token, delete in edits:
        pos = int(where * len(xml))
        xml[pos : pos + delete] = token
    parts[part] = bytes(xml)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in parts.items():
            zf.writestr(name, content)
    try:
        info = inspect_package(Path("fuzz.xlsx"), data=buf.getvalue())
    except PackageError as exc:
        assert exc.detail
    else:
        assert info.sheets


# -- real Excel files -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    REAL_FILES
    or [pytest.param(None, marks=pytest.mark.skip(reason=f"{REAL_XLSX} does not exist"))],
    ids=lambda p: p.name if isinstance(p, Path) else "missing",
)
def test_real_excel_file(path: Path) -> None:
    if "encrypted" in path.name:
        assert _problem(path) is FileProblem.ENCRYPTED
        return
    if "strict_ooxml" in path.name:
        assert _problem(path) is FileProblem.STRICT_OOXML
        return
    info = inspect_package(path)
    data = path.read_bytes()
    assert info.size == len(data)
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert info.sheets
    assert {state for _, state, _ in info.sheets} <= {"visible", "hidden", "veryHidden"}
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
    assert all(part in names for _, _, part in info.sheets)
    assert info.has_macros is (path.suffix == ".xlsm")
    assert info.date1904 is ("1904" in path.name)
    if path.name == "calamine_errors.xlsx":
        assert info.external_links >= 1
    if path.name == "calamine_any_sheets_hidden.xlsx":
        assert info.sheets == (
            ("Visible", "visible", "xl/worksheets/sheet1.xml"),
            ("Hidden", "hidden", "xl/worksheets/sheet2.xml"),
            ("VeryHidden", "veryHidden", "xl/worksheets/sheet3.xml"),
            ("Chart", "visible", "xl/chartsheets/sheet1.xml"),
        )
