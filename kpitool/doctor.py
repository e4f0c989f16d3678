"""``kpitool doctor`` and the panel's［診断］button: is this PC ready to run kpitool?

The buttons fail in ways a planning office cannot see into (a venv broken by a Python
reinstall, a panel whose VBA module belongs to another xlwings, a work folder that OneDrive
syncs or that is opened through an IP address and so counts as internet zone). Each check
here turns one such cause into a line the user can act on: 「OK」, or a code and what to do.
The information policy division (情報政策課) can run it after an install to verify it.

Everything is read from files and the environment; xlwings is never imported (its version
comes from the package metadata), so the CLI and the button give the same answers.
"""

from __future__ import annotations

import ipaddress
import ntpath
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePath, PureWindowsPath
from typing import Any

from kpitool import __version__
from kpitool.errors import (
    ENV_FOLDER_READONLY,
    ENV_INTERPRETER_DIFFERS,
    ENV_LIBREOFFICE_MISSING,
    ENV_ONEDRIVE,
    ENV_PANEL_MISSING,
    ENV_PYTHON_OLD,
    ENV_SHARE_BY_IP,
    ENV_XLWINGS_MISSING,
    RUN_CODES,
    XL_XLWINGS_MISMATCH,
)

OK, NOTE, ACTION = "OK", "注意", "要対応"
MIN_PYTHON = (3, 11)
PANEL_FILENAME = "kpitool_panel.xlsm"
CONF_SHEET = "xlwings.conf"
INTERPRETER_KEY = "Interpreter_Win"
# The panel writes the version of its embedded xlwings VBA module in this row of xlwings.conf
# (below the blank row that ends xlwings' own settings), so Python can compare without
# reading the VBA project.
PANEL_VERSION_KEY = "XLWINGS_VERSION"
ONEDRIVE_VARIABLES = ("OneDrive", "OneDriveCommercial", "OneDriveConsumer")
WINDOWS_SOFFICE = (r"LibreOffice\program\soffice.exe",)


@dataclass(frozen=True)
class Check:
    """One line of the diagnosis: what was looked at, what was found, and what to do."""

    item: str
    status: str  # OK / 注意 / 要対応
    found: str
    code: str = ""
    advice: str = ""

    @property
    def ok(self) -> bool:
        return self.status == OK

    def line(self) -> str:
        head = f"[{self.status}] {self.item}: {self.found}"
        if self.ok:
            return head
        return f"{head}\n    {self.code} {self.advice}"


@dataclass(frozen=True)
class PanelFacts:
    """What the panel says about the Python it will start and the xlwings it was built with."""

    source: str  # the panel file, or the open workbook's name
    interpreter: str | None
    xlwings_version: str | None


def facts_from_rows(rows: Iterable[Sequence[Any]], source: str) -> PanelFacts:
    """Read Interpreter_Win and XLWINGS_VERSION from the rows of the xlwings.conf sheet."""
    values: dict[str, str] = {}
    for row in rows:
        if row and isinstance(row[0], str) and len(row) > 1 and row[1] not in (None, ""):
            values.setdefault(row[0].strip().upper(), str(row[1]).strip())
    return PanelFacts(source, values.get(INTERPRETER_KEY.upper()), values.get(PANEL_VERSION_KEY.upper()))


def read_panel_facts(panel: Path) -> PanelFacts | None:
    """The facts of a panel file, or None when it is missing or unreadable."""
    if not panel.is_file():
        return None
    try:
        import openpyxl

        book = openpyxl.load_workbook(panel, read_only=True, keep_vba=False)
        try:
            rows = list(book[CONF_SHEET].iter_rows(min_row=1, max_row=30, max_col=2, values_only=True))
        finally:
            book.close()
    except Exception:  # a damaged or foreign file: reported as "not readable"
        return None
    return facts_from_rows(rows, str(panel))


def installed_xlwings() -> str | None:
    try:
        return metadata.version("xlwings")
    except metadata.PackageNotFoundError:
        return None


def find_soffice(env: Mapping[str, str] | None = None) -> str | None:
    """LibreOffice on PATH, or in its default Windows folder (the installer does not add it to PATH)."""
    env = os.environ if env is None else env
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    for variable in ("ProgramFiles", "ProgramFiles(x86)"):
        base = env.get(variable)
        for tail in WINDOWS_SOFFICE if base else ():
            candidate = Path(base) / tail
            if candidate.is_file():
                return str(candidate)
    return None


def _windows_like(path: str) -> bool:
    return sys.platform.startswith("win") or "\\" in path or (len(path) > 1 and path[1] == ":")


def _expand(path: str, env: Mapping[str, str]) -> str:
    """%LOCALAPPDATA% and friends, expanded as Windows (and xlwings' VBA) would: names ignore case."""
    by_name = {name.upper(): value for name, value in env.items()}
    return re.sub(r"%([^%]+)%", lambda m: by_name.get(m.group(1).upper(), m.group(0)), path)


def _same_file(a: str, b: str) -> bool:
    if _windows_like(a) or _windows_like(b):
        return ntpath.normcase(ntpath.normpath(a)) == ntpath.normcase(ntpath.normpath(b))
    return os.path.normpath(os.path.abspath(a)) == os.path.normpath(os.path.abspath(b))


def _action(item: str, found: str, code: str, *, status: str = ACTION) -> Check:
    return Check(item, status, found, code, RUN_CODES[code].hint)


def check_python(version: Sequence[int], executable: str) -> list[Check]:
    shown = ".".join(str(part) for part in version[:3])
    checks = [
        Check("Python", OK, f"{shown}（{executable}）") if tuple(version[:2]) >= MIN_PYTHON
        else _action("Python", f"{shown} は古すぎます（{executable}）", ENV_PYTHON_OLD),
        Check("kpitool", OK, __version__),
    ]
    return checks


def check_xlwings(installed: str | None, panel: PanelFacts | None) -> Check:
    if installed is None:
        return _action("xlwings", "この Python に入っていません", ENV_XLWINGS_MISSING)
    if panel is None or not panel.xlwings_version:
        return Check("xlwings", OK, f"{installed}（パネルの版は確かめていません）")
    if panel.xlwings_version != installed:
        return _action("xlwings", f"Python は {installed}、パネル（VBA）は {panel.xlwings_version} で版が違います",
                       XL_XLWINGS_MISMATCH)
    return Check("xlwings", OK, f"{installed}（パネルの VBA と同じ版）")


def check_interpreter(panel: PanelFacts | None, executable: str, env: Mapping[str, str]) -> Check:
    if panel is None:
        return _action("操作パネル", "見つからないか読めません（パネルを使わないなら問題ありません）",
                       ENV_PANEL_MISSING, status=NOTE)
    if not panel.interpreter:
        return _action("Interpreter_Win", f"{panel.source} の xlwings.conf シートに書かれていません",
                       ENV_INTERPRETER_DIFFERS)
    expanded = _expand(panel.interpreter, env)
    if not _same_file(expanded, executable):
        return _action("Interpreter_Win", f"パネルは {expanded} を起動しますが、この Python は {executable} です",
                       ENV_INTERPRETER_DIFFERS)
    return Check("Interpreter_Win", OK, f"{expanded}（この Python と同じ）")


def check_writable(folder: Path) -> Check:
    probe = folder / f".kpitool_doctor_{os.getpid()}.tmp"
    try:
        probe.write_bytes(b"kpitool")
        probe.unlink()
    except OSError as exc:
        return _action("作業フォルダへの書き込み", f"{folder} に書き込めません（{exc.strerror or type(exc).__name__}）",
                       ENV_FOLDER_READONLY)
    return Check("作業フォルダへの書き込み", OK, f"{folder} に書き込めます")


def check_location(folder: str, env: Mapping[str, str]) -> Check:
    """OneDrive/SharePoint sync folders, and shares reached by IP address (internet zone)."""
    item = "作業フォルダの場所"
    if "://" in folder:
        return _action(item, f"{folder}（OneDrive/SharePoint の URL）", ENV_ONEDRIVE)
    windows = _windows_like(folder)
    path: PurePath = PureWindowsPath(folder) if windows else PurePath(folder)
    norm = ntpath.normcase if windows else (lambda text: text)
    for variable in ONEDRIVE_VARIABLES:
        root = env.get(variable)
        if root and (norm(folder) + ("\\" if windows else "/")).startswith(norm(root.rstrip("\\/")) + ("\\" if windows else "/")):
            return _action(item, f"{folder}（OneDrive の同期フォルダ {root} の中）", ENV_ONEDRIVE)
    if any(part.lower().startswith("onedrive") for part in path.parts[1:]):
        return _action(item, f"{folder}（OneDrive の同期フォルダと思われます）", ENV_ONEDRIVE)
    if windows and path.drive.startswith("\\\\"):
        host = path.drive.lstrip("\\").split("\\", 1)[0]
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return Check(item, OK, f"{folder}（ネットワーク共有 \\\\{host}。パネルを使うなら、この共有を"
                                   "「信頼できる場所」に登録してください）")
        return _action(item, f"{folder}（IP アドレス {host} の共有）", ENV_SHARE_BY_IP)
    return Check(item, OK, f"{folder}（ローカルまたはドライブ文字）")


def check_libreoffice(soffice: str | None) -> Check:
    if soffice is None:
        return _action("LibreOffice", "見つかりません", ENV_LIBREOFFICE_MISSING, status=NOTE)
    return Check("LibreOffice", OK, soffice)


def diagnose(
    folder: Path,
    panel: PanelFacts | None,
    *,
    executable: str | None = None,
    python_version: Sequence[int] | None = None,
    xlwings_version: Callable[[], str | None] = installed_xlwings,
    env: Mapping[str, str] | None = None,
    soffice: Callable[[Mapping[str, str]], str | None] = find_soffice,
    location: str | None = None,
) -> list[Check]:
    """Every check, in the order a person fixing the install would go through them.

    ``location`` is the folder as the user reached it (a UNC or OneDrive path that ``folder``
    may no longer show once resolved); it defaults to ``folder``.
    """
    env = os.environ if env is None else env
    executable = executable or sys.executable
    python_version = python_version or tuple(sys.version_info[:3])
    return [
        *check_python(python_version, executable),
        check_xlwings(xlwings_version(), panel),
        check_interpreter(panel, executable, env),
        check_writable(folder),
        check_location(location or str(folder), env),
        check_libreoffice(soffice(env)),
    ]


def needs_action(checks: Iterable[Check]) -> bool:
    return any(check.status == ACTION for check in checks)


def summary(checks: Sequence[Check]) -> str:
    actions = [c for c in checks if c.status == ACTION]
    notes = [c for c in checks if c.status == NOTE]
    if actions:
        return f"要対応が {len(actions)}件あります（{'、'.join(c.code for c in actions)}）。各行の対処をご覧ください。"
    if notes:
        return f"kpitool を使う準備はできています（注意 {len(notes)}件）。"
    return "kpitool を使う準備はできています。"
