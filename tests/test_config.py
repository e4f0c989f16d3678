from __future__ import annotations

from pathlib import Path

import pytest

from kpitool.config import EXAMPLE_CONFIG, load_config, write_example_config
from kpitool.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kpitool.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_loads(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, EXAMPLE_CONFIG))
    assert config.municipality == "菊川市"
    assert config.fiscal_years == (2022, 2023)
    assert config.roster == ("総務部", "財政部", "企画政策部")
    assert config.departments[2].code == "03"
    assert config.grades.letters == ("A", "B", "C")


def test_minimal_config_uses_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, 'municipality = "菊川市"\ndepartments = ["総務部"]\n'))
    assert config.fiscal_years == (2022, 2023)
    assert config.year_jump_ratio == 500
    assert not config.consolidate_with_errors


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('departments = ["総務部"]\n', "municipality"),
        ('municipality = "菊川市"\n', "departments"),
        ('municipality = "菊川市"\ndepartments = ["総務部"]\nfiscal_years = [2022]\n', "fiscal_years"),
        ('municipality = "菊川市"\ndepartments = ["総務部"]\nfiscal_years = [2022, 2024]\n', "fiscal_years"),
        ('municipality = "菊川市"\ndepartments = ["総務部", "総務部"]\n', "departments"),
        ('municipality = "菊川市"\ndepartments = [1]\n', "departments[1]"),
        ('municipality = "菊川市"\ndepartments = ["総務部"]\nmunicipalty = "x"\n', "municipalty"),
        ('municipality = "菊川市"\ndepartments = ["総務部"]\n[grades]\nletters = ["A", "B"]\nminimum_rates = [1.0, 0.8]\n',
         "grades.minimum_rates"),
        ('municipality = "菊川市"\ndepartments = ["総務部"]\n[validation]\nyear_jump_ratio = "x"\n',
         "validation.year_jump_ratio"),
    ],
)
def test_bad_key_names_key_and_file(tmp_path: Path, text: str, key: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert f"「{key}」" in str(info.value)
    assert str(path) in str(info.value)


def test_missing_file_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="見つかりません"):
        load_config(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="書式"):
        load_config(write(tmp_path, "municipality = \n"))


def test_config_found_in_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="kpitool init"):
        load_config()
    write(tmp_path, EXAMPLE_CONFIG)
    assert load_config().municipality == "菊川市"


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    path = write_example_config(tmp_path / "kpitool.toml")
    with pytest.raises(ConfigError, match="--force"):
        write_example_config(path)
    write_example_config(path, overwrite=True)


def test_s_a_b_c_grades(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, 'municipality = "x"\ndepartments = ["a"]\n[grades]\n'
                               'letters = ["S", "A", "B", "C"]\nminimum_rates = [1.2, 1.0, 0.8]\n'))
    assert config.grades.letters == ("S", "A", "B", "C")
    assert config.grades.scheme == "rate"  # a config written before schemes existed keeps its bands
    assert config.grades.minimum_rates == (1.2, 1.0, 0.8)


HEAD = 'municipality = "x"\ndepartments = ["a"]\n[grades]\n'


def test_grades_default_to_judgement(tmp_path: Path) -> None:
    grades = load_config(write(tmp_path, 'municipality = "x"\ndepartments = ["a"]\n')).grades
    assert (grades.scheme, grades.letters, grades.achieved) == ("judgement", ("A", "B", "C"), ("A", "B"))
    assert grades.labels == ("目標どおり達成", "達成したが課題が残る", "達成できなかった")
    assert grades.subject == "成果指標"
    assert load_config(write(tmp_path, EXAMPLE_CONFIG)).grades == grades


def test_rate_scheme_with_labels_and_subject(tmp_path: Path) -> None:
    grades = load_config(write(tmp_path, HEAD + 'scheme = "rate"\nletters = ["S", "A", "B", "C"]\n'
                               'labels = ["大きく上回った", "達成", "おおむね達成", "未達成"]\n'
                               'minimum_rates = [1.2, 1.0, 0.8]\nsubject = "重点施策"\n')).grades
    assert grades.display("B") == "B（おおむね達成）"
    assert grades.requirement("B") == "達成率80%以上100%未満"
    assert grades.band(0.85) == "B" and grades.band(1.25) == "S" and grades.band(0.5) == "C"
    assert grades.subject == "重点施策"


def test_legacy_rate_labels_describe_the_band(tmp_path: Path) -> None:
    """Old configs had B = 80–99.9 % labelled 達成したが課題が残る: the band is now its own label."""
    grades = load_config(write(tmp_path, HEAD + 'letters = ["A", "B", "C"]\nminimum_rates = [1.0, 0.8]\n')).grades
    assert grades.scheme == "rate"
    assert grades.labels == ("達成率100%以上", "達成率80%以上100%未満", "達成率80%未満")


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('scheme = "bands"\n', "grades.scheme"),
        ('scheme = "judgement"\nminimum_rates = [1.0, 0.8]\n', "grades.minimum_rates"),
        ('scheme = "rate"\nachieved = ["A"]\n', "grades.achieved"),
        ('achieved = ["Z"]\n', "grades.achieved"),
        ('achieved = ["A", "B", "C"]\n', "grades.achieved"),
        ('labels = ["x"]\n', "grades.labels"),
        ('letters = ["A", "未評価"]\n', "grades.letters"),
        ('scheme = "rate"\nletters = ["S", "A", "B", "C"]\n', "grades.minimum_rates"),
        ('subject = ""\n', "grades.subject"),
    ],
)
def test_bad_grades(tmp_path: Path, body: str, key: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, HEAD + body))
    assert f"「{key}」" in str(info.value)


def test_grades_round_trip_through_the_audit_log_shape(tmp_path: Path) -> None:
    from kpitool.config import config_from_dict, config_to_dict

    for body in ("", 'letters = ["S", "A", "B", "C"]\nminimum_rates = [1.2, 1.0, 0.8]\n'):
        config = load_config(write(tmp_path, HEAD + body))
        data = config_to_dict(config)
        again = config_from_dict({**data, "master": {"keep_backups": True}})
        assert again.grades == config.grades
