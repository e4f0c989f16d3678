"""The city's own structure of the 実績調査 and the template settings, from kpitool.toml.

A published 実績調査 (菊川市, seed 004) is grouped by 視点 in a fixed order, some with middle
headings such as 「(1) 計画的な行政運営」. That order is the city's, so it is configuration:
``[survey] viewpoints``. The template offers it as a dropdown; validation resolves what a
department typed (「視点１」 and 「視点1」 are one 視点) to the configured names once, and the
rows carry the canonical 視点 and middle heading from there on.

``[template]`` holds what the template says about the office that collects it (提出先) and
how many input rows each table offers under sheet protection.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from kpitool.errors import ConfigError

HEADING_SEPARATOR = " ／ "  # between 視点 and middle heading in a dropdown entry
DEFAULT_INPUT_ROWS = 200
MAX_INPUT_ROWS = 5_000
DEFAULT_OFFICE = "企画課"
EXCEL_LIST_ITEM_CHARS = 255  # a dropdown entry of a list longer than this cannot be chosen

EXAMPLE_SECTIONS = """\

[template]
# 提出先。記入方法と案内に「提出先：企画課（内線 1234）」のように表示します。
submit_to = "企画課"
submit_contact = "内線 1234"
# 提出様式の各表の入力行数。シートを保護したまま、この行数まで入力できます。
input_rows = 200

[survey]
# 実績調査の「視点」の一覧。この順に並べ、提出様式ではドロップダウンで選びます。
# 中見出しがある視点は headings に書きます（ドロップダウンは「視点 ／ 中見出し」になります）。
# 空の一覧なら、視点は自由に入力できます。
viewpoints = [
  { name = "視点1 効果的・効率的な行政運営の推進", headings = ["(1) 計画的な行政運営", "(2) 官民連携の推進"] },
  { name = "視点2 健全な財政運営の推進" },
  "視点3 地域の力の向上及び連携の強化の推進",
]
"""


def normalize(text: str) -> str:
    """What makes two spellings one 視点: NFKC (全角 → 半角) and no whitespace at all."""
    return "".join(unicodedata.normalize("NFKC", text).split())


@dataclass(frozen=True)
class Viewpoint:
    """One 視点 and its middle headings (「(1) 計画的な行政運営」 …), in publication order."""

    name: str
    headings: tuple[str, ...] = ()

    @property
    def short(self) -> str:
        """「視点1」 of 「視点1 効果的・効率的な行政運営の推進」 (what people type for short)."""
        return self.name.split()[0] if self.name.split() else self.name


@dataclass(frozen=True)
class SurveyStructure:
    """The configured 視点 list; empty means 視点 is free text (configs before v2)."""

    viewpoints: tuple[Viewpoint, ...] = ()

    @property
    def configured(self) -> bool:
        return bool(self.viewpoints)

    def choices(self) -> tuple[str, ...]:
        """The dropdown entries: a 視点 alone, or 「視点 ／ 中見出し」 for each middle heading."""
        out: list[str] = []
        for v in self.viewpoints:
            if v.headings:
                out.extend(f"{v.name}{HEADING_SEPARATOR}{h}" for h in v.headings)
            else:
                out.append(v.name)
        return tuple(out)

    @cached_property
    def _lookup(self) -> dict[str, tuple[str, str]]:
        table: dict[str, tuple[str, str]] = {}
        shorts = [normalize(v.short) for v in self.viewpoints]
        for v in self.viewpoints:
            table.setdefault(normalize(v.name), (v.name, ""))
            if shorts.count(normalize(v.short)) == 1:
                table.setdefault(normalize(v.short), (v.name, ""))
            for h in v.headings:
                for prefix in (v.name, v.short):
                    table.setdefault(normalize(f"{prefix}/{h}"), (v.name, h))
        headings = [normalize(h) for v in self.viewpoints for h in v.headings]
        for v in self.viewpoints:
            for h in v.headings:
                if headings.count(normalize(h)) == 1:
                    table.setdefault(normalize(h), (v.name, h))
        return table

    def resolve(self, text: str) -> tuple[str, str] | None:
        """(視点, 中見出し) as configured for what a department typed, or None if not in the list.

        Accepted: a dropdown entry, the 視点 alone (full or 「視点1」), a middle heading alone
        when it belongs to one 視点, each in any width or spacing (「視点１」 = 「視点1」).
        """
        return self._lookup.get(normalize(text))

    def order(self, viewpoint: str, heading: str = "") -> tuple[int, int]:
        """Sort key of a (視点, 中見出し): configured order; unknown ones last."""
        for i, v in enumerate(self.viewpoints):
            if v.name == viewpoint:
                return (i, v.headings.index(heading) + 1 if heading in v.headings else 0)
        return (len(self.viewpoints), 0)


@dataclass(frozen=True)
class TemplateSettings:
    """What the template says about where it goes, and how many rows it offers."""

    submit_to: str = DEFAULT_OFFICE
    submit_contact: str = ""
    input_rows: int = DEFAULT_INPUT_ROWS

    @property
    def destination(self) -> str:
        """「企画課（内線 1234）」: the office and how to reach it, for every 'send it to' text."""
        return f"{self.submit_to}（{self.submit_contact}）" if self.submit_contact else self.submit_to


@dataclass(frozen=True)
class Settings:
    """Both sections parsed, for :class:`kpitool.config.Config`."""

    template: TemplateSettings = field(default_factory=TemplateSettings)
    survey: SurveyStructure = field(default_factory=SurveyStructure)


def _fail(where: str, key: str, problem: str) -> ConfigError:
    return ConfigError(f"{where} のキー「{key}」: {problem}")


def parse_template(section: Any, where: str) -> TemplateSettings:
    """``[template]``: 提出先 and the number of input rows."""
    if not isinstance(section, dict):
        raise _fail(where, "template", "[template] の表として書いてください。")
    unknown = set(section) - {"submit_to", "submit_contact", "input_rows"}
    if unknown:
        raise _fail(where, f"template.{sorted(unknown)[0]}", "不明なキーです（綴りを確認してください）。")
    office = section.get("submit_to", DEFAULT_OFFICE)
    if not isinstance(office, str) or not office.strip():
        raise _fail(where, "template.submit_to", "提出先の課名を文字列で指定してください（例: \"企画課\"）。")
    contact = section.get("submit_contact", "")
    if not isinstance(contact, str):
        raise _fail(where, "template.submit_contact", "連絡先を文字列で指定してください（例: \"内線 1234\"）。")
    rows = section.get("input_rows", DEFAULT_INPUT_ROWS)
    if not isinstance(rows, int) or isinstance(rows, bool) or not 1 <= rows <= MAX_INPUT_ROWS:
        raise _fail(where, "template.input_rows", f"1 から {MAX_INPUT_ROWS:,} までの整数を指定してください。")
    return TemplateSettings(office.strip(), contact.strip(), rows)


def parse_survey(section: Any, where: str) -> SurveyStructure:
    """``[survey]``: the 視点 list, each a name or ``{ name = "…", headings = ["…"] }``."""
    if not isinstance(section, dict):
        raise _fail(where, "survey", "[survey] の表として書いてください。")
    unknown = set(section) - {"viewpoints"}
    if unknown:
        raise _fail(where, f"survey.{sorted(unknown)[0]}", "不明なキーです（綴りを確認してください）。")
    raw = section.get("viewpoints", [])
    if not isinstance(raw, list):
        raise _fail(where, "survey.viewpoints", "視点の一覧を指定してください（例: [\"視点1 …\", \"視点2 …\"]）。")
    viewpoints: list[Viewpoint] = []
    for i, entry in enumerate(raw, start=1):
        key = f"survey.viewpoints[{i}]"
        if isinstance(entry, str) and entry.strip():
            viewpoints.append(Viewpoint(" ".join(entry.split())))
            continue
        if not (isinstance(entry, dict) and isinstance(entry.get("name"), str) and entry["name"].strip()):
            raise _fail(where, key, "視点名の文字列か { name = \"…\", headings = [\"…\"] } で指定してください。")
        if set(entry) - {"name", "headings"}:
            raise _fail(where, key, f"不明なキー {sorted(set(entry) - {'name', 'headings'})} があります。")
        headings = entry.get("headings", [])
        if not (isinstance(headings, list) and all(isinstance(h, str) and h.strip() for h in headings)):
            raise _fail(where, f"{key}.headings", "中見出しを文字列の一覧で指定してください（例: [\"(1) 計画的な行政運営\"]）。")
        viewpoints.append(Viewpoint(" ".join(entry["name"].split()), tuple(" ".join(h.split()) for h in headings)))
    names = [normalize(v.name) for v in viewpoints]
    dupes = sorted({v.name for v in viewpoints if names.count(normalize(v.name)) > 1})
    if dupes:
        raise _fail(where, "survey.viewpoints", f"視点が重複しています: {'、'.join(dupes)}")
    for v in viewpoints:
        heads = [normalize(h) for h in v.headings]
        if len(set(heads)) != len(heads):
            raise _fail(where, "survey.viewpoints", f"「{v.name}」の中見出しが重複しています。")
    structure = SurveyStructure(tuple(viewpoints))
    too_long = [c for c in structure.choices() if len(c) > EXCEL_LIST_ITEM_CHARS]
    if too_long:
        raise _fail(where, "survey.viewpoints", f"長すぎる視点・中見出しがあります（{EXCEL_LIST_ITEM_CHARS}文字まで）: {too_long[0][:40]}…")
    return structure


def parse_settings(data: dict[str, Any], where: str) -> Settings:
    return Settings(parse_template(data.get("template", {}), where), parse_survey(data.get("survey", {}), where))


def settings_dict(settings: Settings) -> dict[str, Any]:
    """Both sections as plain data, for the audit log and the digest."""
    t = settings.template
    return {
        "template": {"submit_to": t.submit_to, "submit_contact": t.submit_contact, "input_rows": t.input_rows},
        "survey": {"viewpoints": [{"name": v.name, "headings": list(v.headings)} for v in settings.survey.viewpoints]},
    }
