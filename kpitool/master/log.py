"""The 監査ログ sheet: what an auditor needs to trust the master months later.

Key-value rows (tool version, run time in JST with its 和暦, config as JSON, the inbox and
the digest) and three tables: every input file with its size and sha256 (covered by the
digest), the entries of the inbox that were not read and why (not covered: an Excel owner
file may come and go without changing the data), and the hash of every covered column, which
lets the audit name the cell that changed. The writer and the audit share the labels and the
parser here, so the two cannot drift.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpitool.master.layout import (
    AUDIT_LOG,
    NO,
    ROW_HASH,
    SIZE_FORMAT,
    YES,
    Cell,
    Grid,
    Link,
    MasterColumn,
    Number,
    SheetLayout,
    SourceLinks,
    clean,
    text,
)
from kpitool.model import JST

if TYPE_CHECKING:
    from kpitool.model import Consolidation

INPUTS_TABLE = f"{AUDIT_LOG}:入力ファイル"
INPUTS_CAPTION = "【入力ファイル】"
IGNORED_CAPTION = "【読み込まなかったファイル】"
HASHES_CAPTION = "【列の検証値】"

KEY_TOOL, KEY_VERSION, KEY_RUN_AT, KEY_RUN_AT_WAREKI = "ツール", "バージョン", "実行日時", "実行日時（和暦）"
KEY_MUNICIPALITY, KEY_YEARS = "自治体名", "対象年度"
KEY_INBOX, KEY_INBOX_LINK = "受付フォルダ", "受付フォルダ（集約ファイルからの相対位置）"
KEY_DIGEST, KEY_FORMAT, KEY_SCOPE = "データのダイジェスト（SHA-256）", "ダイジェストの方式", "ダイジェストの対象"
KEY_CONFIG = "設定（JSON）"
KEY_SHEETS = "シートの構成"
KEY_CSV = "公開用CSV"  # one row per CSV: 公開用CSV（実績数値）
CSV_SEPARATOR = " | SHA-256 "

SCOPE_TEXT = (
    "提出状況・実績調査・実績数値・事業成果目標・検証結果の全セル（数式は数式の文字列）、"
    "見出し、入力ファイルの一覧、設定。各行の行の検証値には、セルごとの値・表示形式・リンク先の検証値も"
    "含みます。シートの順序・表示・保護と公開用CSVのSHA-256も照合します。実行日時・バージョン・概要は"
    "ダイジェストに含みません（概要は監査の際にデータから計算し直して照合します）。"
)


def sheets_record(sheets: Iterable[tuple[str, str, bool]]) -> str:
    """Sheet order, visibility and protection as one text: ``概要:visible:保護 / …``.

    The writer records it from what it wrote, the audit rebuilds it from workbook.xml and the
    sheets' protection, so a hidden, unprotected or reordered sheet is named (issue 16).
    """
    return " / ".join(f"{name}:{state}:{'保護' if protected else '保護なし'}" for name, state, protected in sheets)


def csv_key(sheet: str) -> str:
    """The 監査ログ key of the CSV twin of ``sheet``: ``公開用CSV（実績数値）`` (``公開用CSV（``
    for "" : the prefix every such key starts with)."""
    return f"{KEY_CSV}（{sheet}）" if sheet else f"{KEY_CSV}（"


def parse_csv_value(value: Any) -> tuple[str, str] | None:
    """``(file name, sha256)`` from a 公開用CSV value, or None when it is not in that form."""
    if not isinstance(value, str) or CSV_SEPARATOR not in value:
        return None
    name, _, digest = value.rpartition(CSV_SEPARATOR)
    return name, digest

INPUTS_LAYOUT = SheetLayout(
    AUDIT_LOG,
    (
        MasterColumn("file", "ファイル", 30),
        MasterColumn("status", "状況", 9),
        MasterColumn("included", "集約", 6),
        MasterColumn("size", "サイズ（バイト）", 12),
        MasterColumn("sha256", "SHA-256", 66),
        MasterColumn("modified", "更新日時", 22),
        MasterColumn(ROW_HASH, "行の検証値", 18),
    ),
)
IGNORED_LABELS = ("ファイル", "読み込まなかった理由", "サイズ（バイト）", "SHA-256")
HASH_LABELS = ("表", "列", "見出し", "検証値")


def input_rows(c: Consolidation, links: SourceLinks) -> list[list[Cell]]:
    """One row per file of 提出状況 (without the row hash, which the writer adds)."""
    rows = []
    for record in c.table("submissions").to_dict("records"):
        file = text(record["file"])
        if not file:
            continue
        rows.append([
            Link(file, links.url(file)), text(record["status"]), YES if clean(record["included"]) else NO,
            Number(float(record["size"]), SIZE_FORMAT), text(record["sha256"]), text(record["modified"]),
        ])
    return rows


def ignored_rows(c: Consolidation) -> list[list[Cell]]:
    """The ignored inbox entries with size and sha256 when they are readable files."""
    from kpitool.inbox import file_sha256
    from kpitool.package import DEFAULT_LIMITS

    rows: list[list[Cell]] = []
    for name, reason in c.ignored:
        path = Path(c.inbox) / name
        size: Cell = None
        digest = None
        if path.is_file():
            try:
                bytes_ = path.stat().st_size
            except OSError:
                bytes_ = None
            size = Number(float(bytes_), SIZE_FORMAT) if bytes_ is not None else None
            if bytes_ is not None and bytes_ <= DEFAULT_LIMITS.max_file_bytes:  # size before hashing
                digest = file_sha256(path)
        rows.append([text(name), text(reason), size, digest])
    return rows


VALUE_CHUNK = 200  # characters of a long 監査ログ value per row (see value_rows)
CONTINUED = "（続き）"  # the key of a row that continues the value above


def config_json(config_dict: dict[str, Any]) -> str:
    """The config as one JSON text (sorted keys, Japanese kept readable)."""
    return json.dumps(config_dict, ensure_ascii=False, sort_keys=True)


def value_rows(key: str, value: str, chunk: int | None = None) -> list[tuple[str, str]]:
    """A key-value row, or, for a value longer than ``chunk`` (default :data:`VALUE_CHUNK`),
    its parts in rows of their own, each after the first keyed ``key（続き）``.

    The 内容 column is narrow (the tables below share it) and a row is at most 409 pt tall: the
    config's JSON (1,000 characters and more) was cut on screen and on paper, so an auditor
    could not read it. :func:`parse_log` joins the parts again. No part starts or ends with
    whitespace, so nothing a spreadsheet might trim is at a seam.
    """
    chunk = VALUE_CHUNK if chunk is None else chunk
    if not isinstance(value, str) or len(value) <= chunk:
        return [(key, value)]
    rows: list[tuple[str, str]] = []
    start = 0
    while start < len(value):
        end = min(start + chunk, len(value))
        while start + 1 < end < len(value) and (value[end - 1].isspace() or value[end].isspace()):
            end -= 1
        if end < len(value) and (value[end - 1].isspace() or value[end].isspace()):
            end = min(start + chunk, len(value))  # only whitespace to cut at: cut where it falls
        rows.append((key if not rows else f"{key}{CONTINUED}", value[start:end]))
        start = end
    return rows


@dataclass
class LogGrid(Grid):
    """The 監査ログ cells and where its tables start (0-based rows)."""

    inputs_first: int = 0


def log_grid(
    c: Consolidation,
    *,
    version: str,
    digest: str,
    digest_format: str,
    config_dict: dict[str, Any],
    links: SourceLinks,
    inputs: list[list[Cell]],
    column_hashes: Sequence[tuple[str, str, str, str]],
    sheets_record: str = "",
    csvs: Sequence[tuple[str, str, str]] = (),
) -> LogGrid:
    """The 監査ログ cells: key-value rows, then the three tables."""
    from kpitool.dates import wareki
    from kpitool.master.summary import years_text

    run_at = c.run_at.astimezone(JST)
    grid = LogGrid()
    grid.add(("項目", "内容"), header=True)
    for key, value in (
        (KEY_TOOL, "kpitool"),
        (KEY_VERSION, version),
        (KEY_RUN_AT, run_at.isoformat(timespec="seconds")),
        (KEY_RUN_AT_WAREKI, f"{wareki(run_at.date())} {run_at:%H:%M:%S}"),
        (KEY_MUNICIPALITY, c.config.municipality),
        (KEY_YEARS, years_text(c.config.fiscal_years)),
        (KEY_INBOX, os.path.abspath(c.inbox)),
        (KEY_INBOX_LINK, links.folder_url()),
        (KEY_DIGEST, digest),
        (KEY_FORMAT, digest_format),
        (KEY_SCOPE, SCOPE_TEXT),
        (KEY_CONFIG, config_json(config_dict)),
        (KEY_SHEETS, sheets_record),
        *((csv_key(sheet), f"{name}{CSV_SEPARATOR}{digest}") for sheet, name, digest in csvs),
    ):
        for row_key, part in value_rows(key, value):
            grid.add((row_key, text(part)))
    grid.add()
    grid.add((INPUTS_CAPTION,), caption=True)
    grid.add(INPUTS_LAYOUT.labels, header=True)
    grid.inputs_first = len(grid.rows)
    for row in inputs:
        grid.add(row)
    grid.add()
    grid.add((IGNORED_CAPTION,), caption=True)
    grid.add(IGNORED_LABELS, header=True)
    for row in ignored_rows(c):
        grid.add(row)
    grid.add()
    grid.add((HASHES_CAPTION,), caption=True)
    grid.add(HASH_LABELS, header=True)
    for row in column_hashes:
        grid.add(row)
    return grid


@dataclass
class LogContents:
    """What the audit reads back from 監査ログ."""

    values: dict[str, Any] = field(default_factory=dict)  # key -> value
    key_rows: dict[str, int] = field(default_factory=dict)  # key -> 1-based Excel row
    inputs: list[tuple[int, list[Any]]] = field(default_factory=list)  # (Excel row, values)
    inputs_header: list[Any] = field(default_factory=list)
    ignored: list[list[Any]] = field(default_factory=list)
    column_hashes: dict[tuple[str, str], tuple[str, int]] = field(default_factory=dict)  # -> (hash, row)


def _section_rows(grid: Sequence[Sequence[Any]], start: int) -> list[tuple[int, list[Any]]]:
    """Rows after a header row until the first blank one, with their 0-based index."""
    out = []
    for index in range(start, len(grid)):
        row = list(grid[index])
        if not row or all(v in (None, "") for v in row):
            break
        out.append((index, row))
    return out


def parse_log(grid: Sequence[Sequence[Any]]) -> LogContents:
    """Read the 監査ログ values (``grid``: row-major cell values, as openpyxl gives them)."""
    contents = LogContents()
    captions: dict[str, int] = {}
    for index, row in enumerate(grid):
        first = row[0] if row else None
        if first in (INPUTS_CAPTION, IGNORED_CAPTION, HASHES_CAPTION):
            captions[first] = index
        elif index > 0 and not captions and first:
            key, value = str(first), row[1] if len(row) > 1 else None
            base = key[:-len(CONTINUED)] if key.endswith(CONTINUED) else None
            if base is not None and base in contents.values:  # a long value's next part
                contents.values[base] = f"{contents.values[base] or ''}{value or ''}"
                continue
            contents.values[key] = value
            contents.key_rows[key] = index + 1
    if INPUTS_CAPTION in captions:
        header = captions[INPUTS_CAPTION] + 1
        contents.inputs_header = list(grid[header]) if header < len(grid) else []
        contents.inputs = [(i + 1, row) for i, row in _section_rows(grid, header + 1)]
    if IGNORED_CAPTION in captions:
        contents.ignored = [row for _i, row in _section_rows(grid, captions[IGNORED_CAPTION] + 2)]
    if HASHES_CAPTION in captions:
        for i, row in _section_rows(grid, captions[HASHES_CAPTION] + 2):
            table, _column, label, value = (list(row) + [None] * 4)[:4]
            contents.column_hashes[(str(table), str(label))] = (str(value), i + 1)
    return contents

