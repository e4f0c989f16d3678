"""Generate ``docs/findings.md``: every code a user can see, and which rule checks which column.

The page is generated from :mod:`kpitool.codes` (findings), :data:`kpitool.errors.RUN_CODES`
(run errors, Excel buttons), :data:`kpitool.audit_codes.AUDIT_CODES` (audit discrepancies) and
:mod:`kpitool.validation.rules` so that it cannot drift from the code; a test fails when the committed file is not current. Regenerate with
``python -m kpitool.build.findings_doc`` (``--check`` only compares).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from kpitool.audit_codes import AUDIT_CODES
from kpitool.codes import CATALOGUE, GROUP_TITLES
from kpitool.errors import RUN_CODES, CodeTable
from kpitool.findings import Severity
from kpitool.spec import template_spec
from kpitool.validation.rules import CHECKS, FREE_KINDS, KIND_RULES, REQUIRED_CODES

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "findings.md"

# Message parameters as the reader of the page should see them.
PLACEHOLDERS = {
    "value": "入力値", "label": "項目", "sheet": "シート", "cell": "セル", "prompt": "様式の入力メッセージ",
    "suggestion": "候補", "expected": "設定の値", "found": "ファイルの値", "first": "最初のセル",
    "count": "件数", "error": "例外の種類", "rule": "規則の名前", "grades": "区分の一覧", "target": "目標値",
    "actual": "実績", "rate": "達成率", "suggested": "達成率による区分", "criteria": "区分の基準",
    "numbers": "実績調査の番号", "initiative": "取り組み番号", "typed": "セルの単位", "unit": "単位列の単位",
    "prev": "前年度の値", "curr": "当年度の値", "ratio": "倍率", "cause": "推定される原因", "date": "日付",
    "reason": "理由", "detail": "補足", "limit": "上限",
    # the 実績 texts against 実績数値 (kpitool.narrative.consistency)
    "text_cell": "文章のセル", "quote": "文章の該当箇所", "item": "項目", "figure": "実績数値の値", "values": "各年度の値",
    "grade": "達成状況（意味）", "requirement": "その区分の基準", "target_year": "目標年度", "base_year": "基準年度",
    "indicator": "指標名", "year": "年度", "here": "このセル", "there": "他部局のセル", "other": "他部局の値",
    # consolidation codes (kpitool.consolidate)
    "department": "部局名", "files": "ファイル名", "chosen": "集約したファイル", "scale": "補足",
}
RUN_TITLE = "実行時のエラー（設定・ファイル書き込み・Excel ボタン）"
RUN_INTRO = (
    "検証の指摘とは別に、処理を続けられないときのコードです。コマンドは `エラー [コード]: …` と表示して"
    "終了コード 2 で終わり、Excel のボタンはメッセージ ボックスの先頭に `[コード]` を表示します"
    "（E-XL はボタンだけ、E-ENV は `kpitool doctor` とパネルの［診断］のコードです）。"
)
AUDIT_TITLE = "監査（kpitool audit）の不一致"
AUDIT_INTRO = (
    "`kpitool audit`（パネルの［監査］）が、集約ファイルと受付フォルダについて報告する不一致です。"
    "不一致があると終了コードは 1 です。"
)
_FIELD_RE = re.compile(r"\{(\w+)\}")


def _readable(template: str) -> str:
    text = _FIELD_RE.sub(lambda m: f"〈{PLACEHOLDERS.get(m.group(1), m.group(1))}〉", template)
    return text.replace("|", "\\|").replace("\n", " ")


def render() -> str:
    """The whole page as Markdown."""
    lines = [
        "# 検証の指摘コード一覧",
        "",
        "<!-- 自動生成: `python -m kpitool.build.findings_doc`（kpitool/codes.py・codes_file.py・errors.py・audit_codes.py・rules.py から）。"
        "手で編集しないでください。 -->",
        "",
        "kpitool の検証（`kpitool validate`）が出す指摘の一覧です。コードは変わりません。",
        f"**{Severity.ERROR}** のあるファイルは要修正（集約に含めません）、**{Severity.WARNING}** は確認のお願いです。"
        f"**{Severity.INFO}** は提案だけで、ファイルの状態（問題なし・警告あり・要修正）も終了コードも変えません。",
        "〈 〉は、指摘ごとに実際の値が入る部分です。",
        f"指摘のあとに、{RUN_TITLE}と{AUDIT_TITLE}のコードも載せています。",
        "",
    ]
    groups: dict[str, list] = {}
    for kind in CATALOGUE:
        groups.setdefault(kind.group, []).append(kind)
    order = [g for g in GROUP_TITLES if g in groups] + sorted(g for g in groups if g not in GROUP_TITLES)
    for group in order:
        title = GROUP_TITLES.get(group, group)
        lines += [f"## {title}（{group}）", "", "| コード | 重要度 | 内容 | 説明 | 直し方 |", "|---|---|---|---|---|"]
        for kind in groups[group]:
            lines.append(
                f"| `{kind.code}` | {kind.severity} | {_readable(kind.title)} | "
                f"{_readable(kind.message)} | {_readable(kind.hint)} |"
            )
        lines.append("")
    lines += _code_section(RUN_TITLE, RUN_INTRO, RUN_CODES)
    lines += _code_section(AUDIT_TITLE, AUDIT_INTRO, AUDIT_CODES)
    lines += _rules_section()
    return "\n".join(lines).rstrip("\n") + "\n"


def _code_section(title: str, intro: str, table: CodeTable) -> list[str]:
    lines = [f"## {title}", "", intro, "", "| コード | 内容 | 直し方 |", "|---|---|---|"]
    lines += [f"| `{info.code}` | {_readable(info.title)} | {_readable(info.hint)} |" for info in table]
    return [*lines, ""]


def _rules_section() -> list[str]:
    """Which column is checked by what, from the spec (year labels of the default years)."""
    spec = template_spec()
    lines = [
        "## 列ごとの規則",
        "",
        "提出様式の仕様（kpitool/spec.py）から、各列に適用する規則とコードを示します"
        f"（年度の見出しは {spec.year_labels[0]}・{spec.year_labels[1]} の例）。",
        "すべてのセルに、セル（CELL）の規則も適用します。",
        "",
        "| シート | 列 | 必須 | 値の規則 | 名前付きの規則 |",
        "|---|---|---|---|---|",
    ]
    for sheet in spec.sheets:
        for column in sheet.columns:
            required = f"`{REQUIRED_CODES[sheet.key]}`" if column.required else ""
            kind = "" if column.kind in FREE_KINDS else KIND_RULES[column.kind].title
            named = "、".join(
                f"{CHECKS[name].title}（`{CHECKS[name].codes.get(sheet.key) or CHECKS[name].codes['*']}`）"
                for name in column.checks
            )
            lines.append(f"| {sheet.name} | {column.label} | {required} | {kind} | {named} |")
    return [*lines, ""]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="docs/findings.md を指摘コードの一覧から作成します。")
    parser.add_argument("--check", action="store_true", help="作成せず、最新かどうかだけを確認する")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = DOC_PATH.read_text(encoding="utf-8") if DOC_PATH.exists() else ""
        if current != text:
            print(f"{DOC_PATH} が最新ではありません。python -m kpitool.build.findings_doc で作成し直してください。")
            return 1
        return 0
    DOC_PATH.parent.mkdir(parents=True, exist_ok=True)
    DOC_PATH.write_text(text, encoding="utf-8")
    print(f"作成しました: {DOC_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
