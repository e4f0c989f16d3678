"""The 視点 list and the template settings of kpitool.toml (kpitool.structure)."""

from __future__ import annotations

import pytest

from kpitool.errors import ConfigError
from kpitool.structure import (
    DEFAULT_INPUT_ROWS,
    SurveyStructure,
    TemplateSettings,
    Viewpoint,
    parse_survey,
    parse_template,
)

V1 = Viewpoint("視点1 効果的・効率的な行政運営の推進", ("(1) 計画的な行政運営", "(2) 官民連携の推進"))
V2 = Viewpoint("視点2 健全な財政運営の推進", ("(1) 計画的な財政運営",))
V3 = Viewpoint("視点3 地域の力の向上及び連携の強化の推進")
STRUCTURE = SurveyStructure((V1, V2, V3))


def test_choices_are_viewpoints_or_viewpoint_and_heading_in_order() -> None:
    assert STRUCTURE.choices() == (
        "視点1 効果的・効率的な行政運営の推進 ／ (1) 計画的な行政運営",
        "視点1 効果的・効率的な行政運営の推進 ／ (2) 官民連携の推進",
        "視点2 健全な財政運営の推進 ／ (1) 計画的な財政運営",
        "視点3 地域の力の向上及び連携の強化の推進",
    )


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("視点1 効果的・効率的な行政運営の推進 ／ (2) 官民連携の推進", (V1.name, "(2) 官民連携の推進")),
        ("視点１　効果的・効率的な行政運営の推進／（２）官民連携の推進", (V1.name, "(2) 官民連携の推進")),
        ("視点1", (V1.name, "")),
        ("視点１", (V1.name, "")),  # 全角 and 半角 are one 視点
        ("視点3 地域の力の向上及び連携の強化の推進", (V3.name, "")),
        ("(1) 計画的な財政運営", (V2.name, "(1) 計画的な財政運営")),  # a heading of one 視点 only
        ("視点9", None),
        ("計画的な行政運営", None),
    ],
)
def test_resolve_normalises_what_departments_type(typed: str, expected: tuple[str, str] | None) -> None:
    assert STRUCTURE.resolve(typed) == expected


def test_order_follows_the_config() -> None:
    keys = [STRUCTURE.order(V3.name), STRUCTURE.order(V1.name, "(2) 官民連携の推進"),
            STRUCTURE.order("不明"), STRUCTURE.order(V1.name, "(1) 計画的な行政運営")]
    assert sorted(keys) == [(0, 1), (0, 2), (2, 0), (3, 0)]


def test_parse_survey_accepts_names_and_tables() -> None:
    parsed = parse_survey({"viewpoints": [{"name": V1.name, "headings": list(V1.headings)}, V3.name]}, "kpitool.toml")
    assert parsed.viewpoints == (V1, V3)
    assert not parse_survey({}, "x").configured


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ({"viewpoints": "視点1"}, "survey.viewpoints"),
        ({"viewpoints": [1]}, "survey.viewpoints[1]"),
        ({"viewpoints": ["視点1", "視点１"]}, "survey.viewpoints"),
        ({"viewpoints": [{"name": "視点1", "headings": "x"}]}, "survey.viewpoints[1].headings"),
        ({"viewpoints": [{"name": "視点1", "sub": []}]}, "survey.viewpoints[1]"),
        ({"viewpoint": []}, "survey.viewpoint"),
    ],
)
def test_parse_survey_errors_name_the_key(section: dict, key: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_survey(section, "kpitool.toml")
    assert info.value.message_ja.startswith(f"kpitool.toml のキー「{key}」: ")


def test_template_settings() -> None:
    assert parse_template({}, "x") == TemplateSettings("企画課", "", DEFAULT_INPUT_ROWS)
    settings = parse_template({"submit_to": " 行政経営課 ", "submit_contact": "内線 1234", "input_rows": 50}, "x")
    assert settings.destination == "行政経営課（内線 1234）" and settings.input_rows == 50
    for bad in ({"input_rows": 0}, {"input_rows": True}, {"submit_to": ""}, {"office": "x"}):
        with pytest.raises(ConfigError):
            parse_template(bad, "x")


def test_example_config_documents_both_sections(tmp_path) -> None:
    from kpitool.config import load_config, write_example_config

    config = load_config(write_example_config(tmp_path / "kpitool.toml"))
    assert config.survey.configured and config.survey.viewpoints[0].headings
    assert config.template.input_rows == DEFAULT_INPUT_ROWS and config.template.submit_to


def _config_with_viewpoints():
    from dataclasses import replace

    from workbooks import make_config

    return replace(make_config(), survey=SurveyStructure((V1, V2, V3)))


def test_a_viewpoint_not_in_the_list_is_a_warning(tmp_path) -> None:
    from workbooks import filled, rows

    from kpitool import codes

    config = _config_with_viewpoints()
    ok = filled(tmp_path, "ok.xlsx", survey={0: {"viewpoint": "視点１ ／ (2) 官民連携の推進"}})
    assert rows(ok, config) == []
    bad = filled(tmp_path, "bad.xlsx", survey={0: {"viewpoint": "視点4 新しい視点"}})
    assert rows(bad, config) == [("実績調査", "B4", codes.SURVEY_UNKNOWN_VIEWPOINT)]


def test_rows_carry_the_configured_viewpoint_heading_and_content(tmp_path) -> None:
    from workbooks import filled

    from kpitool.consolidate import consolidate

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    filled(inbox, "総務部.xlsx", survey={0: {"viewpoint": "視点１　効果的・効率的な行政運営の推進／(2)官民連携の推進"}})
    survey = consolidate(inbox, _config_with_viewpoints()).survey
    row = survey.iloc[0]
    assert (row["viewpoint"], row["heading"]) == (V1.name, "(2) 官民連携の推進")
    assert (row["initiative"], row["content"]) == ("業務改善", "業務の効率化を意識し、改善・見直しを実施します。")
