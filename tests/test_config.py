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
