"""The catalogue of codes (findings, run errors, audit), its generated page, and the rules on the spec."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import kpitool
from kpitool import audit, codes, errors, xl, xl_results, xl_settings
from kpitool.audit import AUDIT_CODES
from kpitool.build.findings_doc import DOC_PATH, main, render
from kpitool.codes import CATALOGUE, GROUP_TITLES
from kpitool.errors import RUN_CODES, KpitoolError
from kpitool.findings import CATALOGUE as REGISTRY
from kpitool.findings import Catalogue, Severity
from kpitool.spec import Kind, template_spec
from kpitool.validation.rules import CHECKS, FREE_KINDS, KIND_RULES, REQUIRED_CODES

CODE_RE = re.compile(r"(?P<sev>[EWI])-(?P<group>[A-Z]+)-\d{3}")
PACKAGE = Path(kpitool.__file__).parent
CODE_IN_TEXT = re.compile(r"\b[EWI]-[A-Z]+-\d{3}\b")
DOC_ROW = re.compile(r"^\| `([EWI]-[A-Z]+-\d{3})` \|", re.MULTILINE)
JAPANESE = re.compile(r"[ぁ-んァ-ン一-龥]")


def test_codes_are_well_formed() -> None:
    assert len(CATALOGUE) >= 50
    for kind in CATALOGUE:
        m = CODE_RE.fullmatch(kind.code)
        assert m, kind.code
        assert (m["sev"] == "E") == (kind.severity is Severity.ERROR), kind.code
        assert (m["sev"] == "I") == (kind.severity is Severity.INFO), kind.code
        assert m["group"] == kind.group and kind.group in GROUP_TITLES, kind.code
        assert kind.title and kind.message and kind.hint, kind.code
        assert re.search(r"[ぁ-んァ-ン一-龥]", kind.title + kind.message + kind.hint), kind.code


def test_every_constant_names_a_registered_code() -> None:
    constants = {name: value for name, value in vars(codes).items()
                 if name.isupper() and isinstance(value, str) and CODE_RE.fullmatch(value)}
    assert set(constants.values()) == {kind.code for kind in CATALOGUE}


def test_the_consolidation_section_marker_is_there() -> None:
    text = (PACKAGE / "codes.py").read_text(encoding="utf-8")
    assert "# --- consolidation (kpitool.consolidate) ---" in text


def test_validation_codes_are_used_by_a_rule() -> None:
    """Each code of the validation groups is reported somewhere in the validator."""
    source = "".join(path.read_text(encoding="utf-8")
                     for path in [*sorted((PACKAGE / "validation").glob("*.py")), PACKAGE / "validate.py",
                                 PACKAGE / "narrative" / "consistency.py"])
    unused = [name for name, value in vars(codes).items()
              if name.isupper() and isinstance(value, str) and CODE_RE.fullmatch(value)
              and CODE_RE.fullmatch(value)["group"] not in ("CONS", "INBOX")
              and f"codes.{name}" not in source]
    assert unused == []


def test_every_check_named_in_the_spec_has_a_rule_and_a_code() -> None:
    spec = template_spec()
    for sheet in spec.sheets:
        for column in sheet.columns:
            for name in column.checks:
                check = CHECKS[name]
                assert sheet.key in check.codes or "*" in check.codes, (sheet.key, name)
            if column.required:
                assert sheet.key in REQUIRED_CODES


def test_every_kind_has_a_value_rule_or_is_free_text() -> None:
    assert set(KIND_RULES) | FREE_KINDS == set(Kind)
    assert not set(KIND_RULES) & FREE_KINDS


def test_docs_page_is_current() -> None:
    assert DOC_PATH.read_text(encoding="utf-8") == render(), (
        "docs/findings.md が最新ではありません。python -m kpitool.build.findings_doc で作成し直してください。"
    )


def test_docs_check_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--check"]) == 0
    assert capsys.readouterr().out == ""


def test_docs_page_shows_placeholders_in_japanese() -> None:
    page = render()
    assert "| `E-NUM-001` | エラー | 数値として読めません | 「〈入力値〉」は数値として読めません。 |" in page
    assert "{value}" not in page


# --- every user-visible code, one page -------------------------------------------------------


def _all_codes() -> list[str]:
    return [kind.code for kind in CATALOGUE] + [info.code for info in RUN_CODES] + [info.code for info in AUDIT_CODES]


def _code_constants(module: object) -> dict[str, str]:
    return {name: value for name, value in vars(module).items()
            if name.isupper() and isinstance(value, str) and CODE_RE.fullmatch(value)}


def test_codes_are_unique_across_registries() -> None:
    every = _all_codes()
    assert len(every) == len(set(every)), sorted(c for c in set(every) if every.count(c) > 1)


def test_run_and_audit_codes_are_well_formed() -> None:
    warnings = {"W-ROLL-001", "W-PUB-001", "W-PUB-002"}  # a run that succeeds but has something to say
    for table, groups in ((RUN_CODES, {"CFG", "RUN", "XL", "ROLL", "ENV", "PUB"}), (AUDIT_CODES, {"AUD"})):
        assert len(table) >= 10
        for info in table:
            m = CODE_RE.fullmatch(info.code)
            assert m and m["group"] in groups, info.code
            assert m["sev"] == ("W" if info.code in warnings else "E"), info.code
            assert info.title and info.hint, info.code
            assert JAPANESE.search(info.title) and JAPANESE.search(info.hint), info.code


def test_a_code_is_declared_only_once() -> None:
    table = errors.CodeTable("test", registry=Catalogue())
    table.add("E-RUN-001", "一", "二")
    with pytest.raises(ValueError, match="duplicate code E-RUN-001"):
        table.add("E-RUN-001", "三", "四")


def test_every_exception_code_is_declared() -> None:
    """Each exception class, the return copy's and the panel's included, has a declared code."""
    import kpitool.return_copy  # noqa: F401  (defines ReturnCopyError)

    def subclasses(cls: type) -> list[type]:
        return [cls, *(sub for direct in cls.__subclasses__() for sub in subclasses(direct))]

    classes = subclasses(KpitoolError)
    assert {c.__name__ for c in classes} >= {"ConfigError", "ReturnCopyError", "PanelError", "WriteFailed"}
    assert [c.__name__ for c in classes if c.code not in RUN_CODES] == []


def test_code_constants_of_errors_xl_and_audit_are_declared() -> None:
    assert set(_code_constants(errors).values()) == {info.code for info in RUN_CODES}
    for shell in (xl, xl_settings, xl_results):
        assert set(_code_constants(shell).values()) <= {info.code for info in RUN_CODES}
    assert set(_code_constants(audit).values()) == {info.code for info in AUDIT_CODES}


def test_every_code_in_the_source_is_documented() -> None:
    """Scan kpitool/*.py: any code a module writes must be in docs/findings.md."""
    documented = set(DOC_ROW.findall(DOC_PATH.read_text(encoding="utf-8")))
    in_source = {code: path.name for path in sorted(PACKAGE.rglob("*.py"))
                 for code in CODE_IN_TEXT.findall(path.read_text(encoding="utf-8"))}
    assert {"E-CFG-001", "E-RUN-005", "E-XL-900", "E-AUD-012", "E-NUM-001"} <= set(in_source)
    assert {code: name for code, name in in_source.items() if code not in documented} == {}
    assert documented == set(_all_codes())


def test_docs_page_has_the_run_and_audit_sections() -> None:
    page = render()
    run = page.index("## 実行時のエラー（設定・ファイル書き込み・Excel ボタン）")
    aud = page.index("## 監査（kpitool audit）の不一致")
    assert page.index("## 集約（CONS）") < run < aud < page.index("## 列ごとの規則")
    assert page.count("| コード | 内容 | 直し方 |") == 2
    assert f"| `E-RUN-002` | {RUN_CODES['E-RUN-002'].title} | {xl_results.HINTS['E-RUN-002']} |" in page
    assert f"| `E-AUD-002` | {AUDIT_CODES['E-AUD-002'].title} |" in page


def test_one_registry_holds_findings_run_and_audit_codes() -> None:
    tables = {kind.code: kind.table for kind in (*REGISTRY, *RUN_CODES, *AUDIT_CODES)}
    assert {tables[c] for c in (codes.NUM_NOT_A_NUMBER, errors.RUN_IN_PROGRESS, audit.CELL_CHANGED)} == {
        "findings", "run", "audit"}
    assert all(REGISTRY[code].table == table for code, table in tables.items())


def test_a_run_code_has_the_severity_of_its_prefix() -> None:
    assert REGISTRY["W-ROLL-001"].severity is Severity.WARNING
    assert REGISTRY[errors.RUN_IN_PROGRESS].severity is Severity.ERROR
