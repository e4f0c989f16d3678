"""The control panel's 設定 sheet: its rows, how they are read, and where the workbook is.

:func:`read_settings` reads the sheet by its labels and resolves paths against the workbook's
folder (:func:`workbook_folder`, OneDrive-aware); a wrong sheet or setting is a
:class:`PanelError` with an XL code. Imported by :mod:`kpitool.xl` (the buttons) and by the
panel builder and launchers, which take the same labels and defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, Protocol

from kpitool.errors import (
    XL_LOCATION_UNKNOWN,
    XL_SETTING_INVALID,
    XL_SHEET_MISSING,
    KpitoolError,
)

if TYPE_CHECKING:
    import xlwings as xw

    from kpitool.config import Config

# 提出状況 columns shown in 実行結果 (the master has them all, hashes included).


SETTINGS_SHEET = "設定"
RESULTS_SHEET = "実行結果"
PANEL_SHEET = "操作"
XLWINGS_CONF_SHEET = "xlwings.conf"
XLWINGS_CONF_RANGE = "A1:B30"
SETTINGS_RANGE = "A1:C60"  # where the 設定 labels are looked for


class PanelError(KpitoolError):
    """The control panel itself is unusable: a sheet, a setting or its location is wrong."""

    code = XL_SHEET_MISSING


@dataclass(frozen=True)
class Setting:
    """One row of the ``設定`` sheet: the label the user sees, its default and a hint."""

    key: str
    label: str
    default: str | int
    description: str
    required: bool = True
    row_optional: bool = False  # added after panels were handed out: a missing row means the default


SETTINGS: tuple[Setting, ...] = (
    Setting("config", "設定ファイル", "kpitool.toml",
            "自治体名・年度・部局の名簿を書いた設定ファイル（kpitool.toml）。"),
    Setting("inbox", "受付フォルダ", "inbox",
            "部局から届いた提出ファイル（.xlsx）を置くフォルダ。"),
    Setting("master", "集約ファイル", "kpi_集約.xlsx",
            "［集約・実績調査］で作成する集約ファイル。［監査］はこのファイルを確かめます。"),
    Setting("template_dir", "提出様式の出力先", "提出様式",
            "［提出様式を作成］で様式を書き出すフォルダ（無ければ作成します）。"),
    Setting("fiscal_year", "当年度（西暦）", "",
            "空欄なら設定ファイルの年度。2023 または 令和5 と書くと、前年度（2022）と比べます。",
            required=False),
    Setting("report", "検証結果の一覧", "検証結果.xlsx",
            "［検証］で書き出す、すべての指摘の一覧（.xlsx）。コマンドの kpitool validate --report と同じものです。",
            row_optional=True),
    Setting("return_copies", "差し戻しフォルダ", "差し戻し",
            "［検証］で、指摘のあるファイルごとに問題のセルに印を付けたコピーを作るフォルダ。"
            "直って問題がなくなったファイルの古いコピーは、中の「修正済み」フォルダに移します。",
            row_optional=True),
)


@dataclass(frozen=True)
class PanelSettings:
    """The settings of one run, paths already resolved against the workbook's folder."""

    folder: Path
    config: Path
    inbox: Path
    master: Path
    template_dir: Path
    fiscal_year: int | None = None
    report: Path | None = None
    return_copies: Path | None = None


class SheetSource(Protocol):
    """What reading the settings needs of the panel: its sheets by name (:class:`kpitool.xl._Panel`)."""

    def sheet(self, name: str) -> Any: ...


def read_settings(panel: SheetSource, folder: Path) -> PanelSettings:
    """Read the ``設定`` sheet by its labels (rows may be moved or inserted) and resolve paths."""
    values = panel.sheet(SETTINGS_SHEET).range(SETTINGS_RANGE).value
    by_label: dict[str, Any] = {}
    for row in values:
        if row and isinstance(row[0], str) and row[0].strip():
            by_label.setdefault(row[0].strip(), row[1] if len(row) > 1 else None)
    raw: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.label not in by_label and setting.row_optional:
            raw[setting.key] = setting.default
            continue
        if setting.label not in by_label:
            raise PanelError(
                f"「設定」シートに「{setting.label}」の行がありません（A列の項目名を元に戻してください）。",
                code=XL_SHEET_MISSING,
            )
        value = by_label[setting.label]
        if setting.required and (value is None or str(value).strip() == ""):
            raise PanelError(f"「設定」シートの「{setting.label}」が空欄です。", code=XL_SETTING_INVALID)
        raw[setting.key] = value

    def path(key: str) -> Path:
        return Path(resolve_path(setting_text(raw[key]), folder))

    return PanelSettings(
        folder=folder,
        config=path("config"),
        inbox=path("inbox"),
        master=path("master"),
        template_dir=path("template_dir"),
        fiscal_year=parse_fiscal_year(raw["fiscal_year"]),
        report=path("report"),
        return_copies=path("return_copies"),
    )


def folder_only(folder: Path) -> PanelSettings:
    """Settings for a button that reads none (診断 must work when 設定 is broken)."""
    return PanelSettings(folder=folder, config=folder, inbox=folder, master=folder, template_dir=folder)


def resolve_path(value: str, folder: PurePath) -> PurePath:
    """A path typed in 設定, relative to the workbook's folder unless absolute (drive or UNC).

    Quotes from Explorer's「パスのコピー」are removed. The result has the flavour of
    ``folder``, so Windows paths (``C:\\…``, ``\\\\server\\share\\…``) are handled the Windows
    way even when tested elsewhere.
    """
    text = value.strip().strip('"').strip()
    if not text:
        raise PanelError("パスが空欄です。", code=XL_SETTING_INVALID)
    candidate = type(folder)(text)
    return candidate if candidate.is_absolute() else folder / candidate


def parse_fiscal_year(value: Any) -> int | None:
    """当年度 as typed: 2023, 2023.0 (Excel numbers), '2023年度', '令和5', 'R5'; blank is None.

    The one year parser (:func:`kpitool.targets.parse_year`, the era table of kpitool.dates)
    reads it, as it reads the template's 基準年度 and 目標年度; the panel only adds its range.
    """
    from kpitool.targets import parse_year

    parsed = parse_year(value)
    if parsed.year is None and parsed.ok:  # blank
        return None
    if parsed.year is None or not 2020 <= parsed.year <= 2100:
        raise PanelError(
            f"「設定」シートの当年度「{value}」を年度として読めません。2023 や 令和5 のように書くか、"
            "空欄にしてください。",
            code=XL_SETTING_INVALID,
        )
    return parsed.year


_ONEDRIVE_UNKNOWN = (
    "このブックは OneDrive/SharePoint 上で開かれているため、保存場所のフォルダが分かりません。"
    "PC またはファイルサーバーのフォルダに保存してから実行してください。"
)


def _is_xlwings_error(exc: BaseException) -> bool:
    try:
        from xlwings import XlwingsError
    except ImportError:  # pragma: no cover - xlwings is a dependency
        return False
    return isinstance(exc, XlwingsError)


def workbook_folder(book: xw.Book) -> Path:
    """The folder of the calling workbook: relative settings and the log file live there.

    A workbook synced with OneDrive/SharePoint reports a URL; xlwings knows how to map it to
    the local sync folder, and when it cannot, the user is told to save the file locally.
    """
    try:
        fullname = str(book.fullname)
    except Exception as exc:
        # On Windows, xlwings maps a OneDrive/SharePoint URL inside Book.fullname and raises
        # XlwingsError when the file is not synced locally: the same situation as below.
        if not _is_xlwings_error(exc):
            raise
        raise PanelError(_ONEDRIVE_UNKNOWN, code=XL_LOCATION_UNKNOWN) from None
    if "://" in fullname:
        try:
            from xlwings.utils import fullname_url_to_local_path

            return Path(fullname_url_to_local_path(fullname)).parent
        except Exception:  # any failure means: we cannot know the folder
            raise PanelError(_ONEDRIVE_UNKNOWN, code=XL_LOCATION_UNKNOWN) from None
    path = Path(fullname)
    if not path.is_absolute():
        raise PanelError(
            "このブックはまだ保存されていません。受付フォルダなどの相対パスはブックのフォルダを基準にするため、"
            "先にブックを保存してください。",
            code=XL_LOCATION_UNKNOWN,
        )
    return path.parent


def load_panel_config(settings: PanelSettings) -> Config:
    from kpitool.config import load_config

    config = load_config(settings.config)
    if settings.fiscal_year is not None:
        config = replace(config, fiscal_years=(settings.fiscal_year - 1, settings.fiscal_year))
    return config


def setting_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)
