"""kpitool.toml: the settings a planning office writes by hand.

Keys are part of the product's contract: configs written by hand must keep working across
versions, so unknown keys are reported (a typo would otherwise be silently ignored) and every
error names the key and the file in Japanese.
"""

from __future__ import annotations

import functools
import itertools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpitool.errors import ConfigError
from kpitool.grades import JUDGEMENT, RATE, SCHEMES, Grades
from kpitool.spec import DEFAULT_FISCAL_YEARS
from kpitool.structure import (
    EXAMPLE_SECTIONS,
    Settings,
    SurveyStructure,
    TemplateSettings,
    parse_settings,
    settings_dict,
)

__all__ = ["CONFIG_FILENAME", "Config", "Department", "Grades", "config_from_dict", "load_config"]

CONFIG_FILENAME = "kpitool.toml"


@dataclass(frozen=True)
class Department:
    """One roster entry: 部局名 and an optional code used in file names and sorting."""

    name: str
    code: str = ""


@dataclass(frozen=True)
class Config:
    """Validated settings. Build with :func:`load_config` or :func:`config_from_dict`."""

    municipality: str
    departments: tuple[Department, ...]
    fiscal_years: tuple[int, int] = DEFAULT_FISCAL_YEARS
    grades: Grades = field(default_factory=Grades)
    year_jump_ratio: float = 500.0  # 警告 when a value changes by this factor or more (円/千円)
    consolidate_with_errors: bool = False  # 要修正 files are left out unless True
    protect_password: str = ""  # sheet protection of the master; empty = no password
    keep_backups: bool = True
    renamed: tuple[tuple[str, str], ...] = ()  # [rollover] renamed: (旧名, 新名) for 組織改編
    history_masters: tuple[Path, ...] = ()  # [history] masters: earlier masters, oldest first
    source: Path | None = None  # the file this config came from, for messages
    template: TemplateSettings = field(default_factory=TemplateSettings)  # [template]: 提出先, input rows
    survey: SurveyStructure = field(default_factory=SurveyStructure)  # [survey]: the 視点 list

    @functools.cached_property  # frozen but not slotted: cached in the instance __dict__
    def roster(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.departments)


EXAMPLE_CONFIG = """\
# kpitool の設定ファイル（kpitool.toml）
# 文字コードは UTF-8 で保存してください。# から行末まではコメントです。

# 自治体名：提出ファイルの「基本情報」の自治体名と照合します。
municipality = "菊川市"

# 前年度と当年度（西暦）。[2022, 2023] は 令和4年度・令和5年度 です。
fiscal_years = [2022, 2023]

# 部局の名簿。提出状況（提出済・未提出）はこの名簿で判定します。
# 文字列のほか、{ name = "…", code = "…" } の形でコードを付けることもできます。
departments = [
  "総務部",
  "財政部",
  { name = "企画政策部", code = "03" },
]

[grades]
# 達成状況の区分の決め方。
#   "judgement"（既定）: 各部局が判断します。A・B は達成率100%以上、C は100%未満の区分です。
#   "rate": 達成率の下限（minimum_rates）で区分します。空欄の区分は達成率から補完します。
scheme = "judgement"
# 区分（良い順）とその意味。
letters = ["A", "B", "C"]
labels = ["目標どおり達成", "達成したが課題が残る", "達成できなかった"]
# judgement のとき：達成率100%以上が必要な区分。
achieved = ["A", "B"]
# rate にする場合の例（S/A/B/C）:
#   scheme = "rate"
#   letters = ["S", "A", "B", "C"]
#   labels = ["目標を大きく上回った", "目標を達成", "おおむね達成", "未達成"]
#   minimum_rates = [1.2, 1.0, 0.8]   # 各区分に必要な達成率の下限（最後の区分は不要）
# 概要の集計で数えるものの呼び方（例: "重点施策"）。
subject = "成果指標"

[validation]
# 前年度から何倍以上（または何分の1以下）に変わったら警告するか（円と千円の取り違え対策）。
year_jump_ratio = 500
# true にすると、エラーのあるファイル（要修正）も集約に含めます。
consolidate_with_errors = false

[rollover]
# 組織改編で部局名が変わったとき、前年度の部局名 = 新しい部局名 を書きます（kpitool rollover が使います）。
# 例: renamed = { "旧企画部" = "企画政策部" }
renamed = {}

[history]
# 前年度までの集約ファイル（古い順）。前年度の値の修正の検出と「経年推移」シートに使います。
# この設定ファイルのフォルダからの相対パスでも指定できます。例: masters = ["R4/集約.xlsx"]
masters = []

[master]
# 集約ファイルのシート保護のパスワード。空欄ならパスワードなしで保護します。
protect_password = ""
# 集約ファイルを置き換えるとき、前のファイルを日付付きで残します。
keep_backups = true
""" + EXAMPLE_SECTIONS

_TOP_KEYS = {"municipality", "fiscal_years", "departments", "grades", "validation", "master", "rollover", "history",
             "template", "survey"}  # the last two: kpitool.structure
_SECTION_KEYS = {
    "grades": {"scheme", "letters", "labels", "achieved", "minimum_rates", "subject"},
    "validation": {"year_jump_ratio", "consolidate_with_errors"},
    "master": {"protect_password", "keep_backups"},
    "rollover": {"renamed"},
    "history": {"masters"},
}


def find_config(start: Path | None = None) -> Path | None:
    """The kpitool.toml of the current (or given) folder, if there is one."""
    candidate = (start or Path.cwd()) / CONFIG_FILENAME
    return candidate if candidate.is_file() else None


def load_config(path: Path | str | None = None) -> Config:
    """Read and validate a config file; ``None`` means ./kpitool.toml."""
    if path is None:
        found = find_config()
        if found is None:
            raise ConfigError(
                f"設定ファイル {CONFIG_FILENAME} が現在のフォルダにありません。"
                "`kpitool init` で作成するか、--config でパスを指定してください。"
            )
        path = found
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"設定ファイルが見つかりません: {path}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"設定ファイル {path} を UTF-8 として読めません。UTF-8 で保存してください。") from None
    except OSError as exc:
        raise ConfigError(f"設定ファイル {path} を開けません: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"設定ファイル {path} の書式が正しくありません（{exc}）。") from None
    return config_from_dict(data, source=path)


def config_from_dict(data: dict[str, Any], *, source: Path | None = None) -> Config:
    """Validate a parsed config; every error names the key and the file."""
    where = str(source) if source else "設定"

    def fail(key: str, problem: str) -> ConfigError:
        return ConfigError(f"{where} のキー「{key}」: {problem}")

    for key in data:
        if key not in _TOP_KEYS:
            raise fail(key, "不明なキーです（綴りを確認してください）。")
    for section, allowed in _SECTION_KEYS.items():
        value = data.get(section, {})
        if not isinstance(value, dict):
            raise fail(section, f"[{section}] の表として書いてください。")
        for key in value:
            if key not in allowed:
                raise fail(f"{section}.{key}", "不明なキーです（綴りを確認してください）。")

    municipality = data.get("municipality")
    if not isinstance(municipality, str) or not municipality.strip():
        raise fail("municipality", "自治体名を文字列で指定してください（例: municipality = \"菊川市\"）。")

    years = data.get("fiscal_years", list(DEFAULT_FISCAL_YEARS))
    if (
        not isinstance(years, list)
        or len(years) != 2
        or not all(isinstance(y, int) and not isinstance(y, bool) for y in years)
    ):
        raise fail("fiscal_years", "前年度と当年度の西暦を2つ指定してください（例: [2022, 2023]）。")
    if years[1] != years[0] + 1 or not 2019 <= years[0] <= 2100:
        raise fail("fiscal_years", f"{years} は連続する2つの年度（2019年度以降）ではありません。")

    raw_departments = data.get("departments")
    if not isinstance(raw_departments, list) or not raw_departments:
        raise fail("departments", "部局名の一覧を指定してください（例: [\"総務部\", \"財政部\"]）。")
    departments: list[Department] = []
    for i, entry in enumerate(raw_departments, start=1):
        if isinstance(entry, str) and entry.strip():
            departments.append(Department(entry.strip()))
        elif isinstance(entry, dict) and isinstance(entry.get("name"), str) and entry["name"].strip():
            extra = set(entry) - {"name", "code"}
            if extra:
                raise fail(f"departments[{i}]", f"不明なキー {sorted(extra)} があります。")
            departments.append(Department(entry["name"].strip(), str(entry.get("code", ""))))
        else:
            raise fail(f"departments[{i}]", "部局名の文字列か { name = \"…\" } で指定してください。")
    names = [d.name for d in departments]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise fail("departments", f"部局名が重複しています: {'、'.join(dupes)}")

    grades = _grades(data.get("grades", {}), fail)

    validation = data.get("validation", {})
    ratio = validation.get("year_jump_ratio", 500)
    if not isinstance(ratio, int | float) or isinstance(ratio, bool) or ratio <= 1:
        raise fail("validation.year_jump_ratio", "1 より大きい数値を指定してください。")
    with_errors = validation.get("consolidate_with_errors", False)
    if not isinstance(with_errors, bool):
        raise fail("validation.consolidate_with_errors", "true または false を指定してください。")

    master = data.get("master", {})
    password = master.get("protect_password", "")
    if not isinstance(password, str):
        raise fail("master.protect_password", "文字列で指定してください（パスワードなしは \"\"）。")
    backups = master.get("keep_backups", True)
    if not isinstance(backups, bool):
        raise fail("master.keep_backups", "true または false を指定してください。")

    renamed_section = data.get("rollover", {}).get("renamed", {})
    if not isinstance(renamed_section, dict) or not all(
        isinstance(k, str) and k.strip() and isinstance(v, str) and v.strip() for k, v in renamed_section.items()
    ):
        raise fail("rollover.renamed", "{ \"旧部局名\" = \"新部局名\" } の形で指定してください。")
    unknown = sorted(v.strip() for v in renamed_section.values() if v.strip() not in names)
    if unknown:
        raise fail("rollover.renamed", f"新しい部局名 {'、'.join(unknown)} が departments の名簿にありません。")
    masters = data.get("history", {}).get("masters", [])
    if not isinstance(masters, list) or not all(isinstance(m, str) and m.strip() for m in masters):
        raise fail("history.masters", "集約ファイルのパスを文字列の一覧で指定してください（例: [\"R4/集約.xlsx\"]）。")
    base = source.parent if source else Path.cwd()
    history_masters = tuple((base / m).resolve() if not Path(m).is_absolute() else Path(m) for m in masters)

    settings = parse_settings(data, where)
    return Config(
        template=settings.template,
        survey=settings.survey,
        municipality=municipality.strip(),
        departments=tuple(departments),
        fiscal_years=(years[0], years[1]),
        grades=grades,
        year_jump_ratio=float(ratio),
        consolidate_with_errors=with_errors,
        protect_password=password,
        keep_backups=backups,
        renamed=tuple((k.strip(), v.strip()) for k, v in renamed_section.items()),
        history_masters=history_masters,
        source=source,
    )


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(x, str) and x.strip() for x in value)


def _grades(section: dict[str, Any], fail: Any) -> Grades:
    """``[grades]``: the scheme, letters, labels and bands (kpitool.grades says what they mean).

    Configs written before schemes existed have ``letters`` and ``minimum_rates`` only: those
    are rate bands, so they keep meaning ``scheme = "rate"``.
    """
    scheme = section.get("scheme", RATE if "minimum_rates" in section else JUDGEMENT)
    if scheme not in SCHEMES:
        raise fail("grades.scheme", f"\"{JUDGEMENT}\"（部局の判断）か \"{RATE}\"（達成率で区分）を指定してください。")
    letters = section.get("letters", list(Grades.letters))
    if not (_strings(letters) and len(letters) >= 2):
        raise fail("grades.letters", "達成状況の区分を2つ以上の文字列で指定してください（例: [\"A\", \"B\", \"C\"]）。")
    letters = [x.strip() for x in letters]
    if len(set(letters)) != len(letters):
        raise fail("grades.letters", "区分が重複しています。")
    if "未評価" in letters:
        raise fail("grades.letters", "「未評価」は区分に使えません（空欄の集計に使います）。")
    labels = section.get("labels", [])
    if not (isinstance(labels, list) and all(isinstance(x, str) for x in labels)):
        raise fail("grades.labels", "区分の意味を文字列の一覧で指定してください。")
    if labels and len(labels) != len(letters):
        raise fail("grades.labels", f"区分が {len(letters)} 個なので、意味も {len(letters)} 個必要です。")
    achieved = section.get("achieved", [])
    rates = section.get("minimum_rates", [])
    if scheme == JUDGEMENT:
        if "minimum_rates" in section:
            raise fail("grades.minimum_rates", "scheme = \"rate\" のときだけ指定できます。")
        if not isinstance(achieved, list) or any(a not in letters for a in achieved):
            raise fail("grades.achieved", f"達成率100%以上が必要な区分を letters（{'・'.join(letters)}）から選んでください。")
        if achieved and set(achieved) == set(letters):
            raise fail("grades.achieved", "達成率100%未満の区分が1つ以上必要です。")
    else:
        if "achieved" in section:
            raise fail("grades.achieved", "scheme = \"judgement\" のときだけ指定できます。")
        if not (isinstance(rates, list) and all(isinstance(x, int | float) and not isinstance(x, bool) for x in rates)):
            raise fail("grades.minimum_rates", "達成率の下限を数値の一覧で指定してください（例: [1.0, 0.8]）。")
        if not rates and letters != list(Grades.letters):
            raise fail("grades.minimum_rates", f"区分が {len(letters)} 個なので、下限は {len(letters) - 1} 個必要です。")
        if rates and len(rates) != len(letters) - 1:
            raise fail("grades.minimum_rates", f"区分が {len(letters)} 個なので、下限は {len(letters) - 1} 個必要です。")
        if any(a <= b for a, b in itertools.pairwise(rates)) or any(r <= 0 for r in rates):
            raise fail("grades.minimum_rates", "下限は0より大きい数値を大きい順に並べてください。")
    subject = section.get("subject", Grades.subject)
    if not isinstance(subject, str) or not subject.strip():
        raise fail("grades.subject", "集計で数えるものの呼び方を文字列で指定してください（例: \"成果指標\"）。")
    return Grades(
        letters=tuple(letters),
        minimum_rates=tuple(float(r) for r in rates),
        scheme=scheme,
        labels=tuple(x.strip() for x in labels),
        achieved=tuple(achieved),
        subject=subject.strip(),
    )


def _grades_dict(grades: Grades) -> dict[str, Any]:
    """``[grades]`` as written back: only the keys of its scheme, so it reads in again."""
    out: dict[str, Any] = {"scheme": grades.scheme, "letters": list(grades.letters), "labels": list(grades.labels)}
    if grades.is_rate:
        out["minimum_rates"] = list(grades.minimum_rates)
    else:
        out["achieved"] = list(grades.achieved)
    out["subject"] = grades.subject
    return out


def config_to_dict(config: Config) -> dict[str, Any]:
    """The config as plain data, for the audit log and the digest (source path excluded)."""
    return {
        "municipality": config.municipality,
        "fiscal_years": list(config.fiscal_years),
        "departments": [{"name": d.name, "code": d.code} for d in config.departments],
        "grades": _grades_dict(config.grades),
        "validation": {
            "year_jump_ratio": config.year_jump_ratio,
            "consolidate_with_errors": config.consolidate_with_errors,
        },
        "master": {"protect_password_set": bool(config.protect_password), "keep_backups": config.keep_backups},
        **({"rollover": {"renamed": dict(config.renamed)}} if config.renamed else {}),
        **({"history": {"masters": [p.name for p in config.history_masters]}} if config.history_masters else {}),
        **settings_dict(Settings(config.template, config.survey)),
    }


def write_example_config(path: Path, *, overwrite: bool = False) -> Path:
    """Write the commented example config (``kpitool init``)."""
    if path.exists() and not overwrite:
        raise ConfigError(f"{path} は既にあります。上書きする場合は --force を付けてください。")
    path.write_text(EXAMPLE_CONFIG, encoding="utf-8")
    return path
