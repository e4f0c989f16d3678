"""``kpitool init --launchers``: double-clickable ``.cmd`` files that need no macros.

Where Defender's ASR rule "Block all Office applications from creating child processes", a
macro policy or 無害化 (file sanitisation at the LGWAN boundary) stops the panel's buttons,
the same work can still be done: each launcher runs this Python's ``kpitool`` command with
the panel's default paths, in a console window with a Japanese title, explains the exit code
in Japanese and waits for a key so the window does not vanish.

Encoding, for cmd.exe: a batch file is read in the console's current code page (932 on a
Japanese Windows) and re-read line by line while it runs. The file is UTF-8 without a BOM (a
BOM would glue itself to ``@echo off`` and break it); its first lines, which cmd reads before
the code page changes, are ASCII, and ``chcp 65001`` switches the console to UTF-8 so every
later line (titles, messages, a python.exe path under ``C:\\Users\\山田\\…``) is read as
written. The original code page is restored at the end for a console that outlives the
script. Lines end in CRLF, as cmd's ``goto``/labels expect.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from kpitool.xl_settings import SETTINGS

# The panel's defaults (設定 sheet), so a launcher next to the config writes what the panel writes.
DEFAULTS = {setting.key: str(setting.default) for setting in SETTINGS}
REPORT_FILENAME = DEFAULTS["report"]
RETURN_COPIES_DIR = DEFAULTS["return_copies"]
ENCODING = "utf-8"  # no BOM: see the module docstring


@dataclass(frozen=True)
class Launcher:
    """One .cmd file: its name, window title, kpitool arguments and what each exit code means."""

    filename: str
    title: str
    args: tuple[str, ...]
    exit_codes: tuple[tuple[int, str], ...]


def launchers(config_name: str = "kpitool.toml") -> tuple[Launcher, ...]:
    """The launchers in the order of the year's work, then 診断; paths as the panel's defaults."""
    inbox, master, template_dir = DEFAULTS["inbox"], DEFAULTS["master"], DEFAULTS["template_dir"]
    failed = (2, "実行できませんでした。上に表示した「エラー [コード]」と docs/findings.md の対処をご覧ください。")
    return (
        Launcher("提出様式.cmd", "kpitool 提出様式の作成",
                 ("template", "--config", config_name, "-o", template_dir),
                 ((0, f"提出様式を「{template_dir}」フォルダに作成しました。各部局に配布してください。"), failed)),
        Launcher("検証.cmd", "kpitool 検証",
                 ("validate", inbox, "--config", config_name, "--report", REPORT_FILENAME,
                  "--return-copies", RETURN_COPIES_DIR),
                 ((0, f"すべてのファイルに問題はありません（{REPORT_FILENAME} に結果があります）。"),
                  (1, f"要修正のファイルがあります。「{RETURN_COPIES_DIR}」フォルダのコピーを部局に返してください"
                      f"（一覧は {REPORT_FILENAME}）。"), failed)),
        Launcher("集約.cmd", "kpitool 集約・実績調査",
                 ("consolidate", inbox, "-o", master, "--config", config_name),
                 ((0, f"集約ファイル {master} を作成しました。"),
                  (1, f"集約ファイル {master} を作成しました。要修正・取込不可のファイルがあります（提出状況シート）。"),
                  failed)),
        Launcher("監査.cmd", "kpitool 監査",
                 ("audit", master, "--inbox", inbox),
                 ((0, "相違はありません。集約ファイルは集約したときのままです。"),
                  (1, "相違があります。上の一覧を確かめてください。"), failed)),
        Launcher("診断.cmd", "kpitool 診断",
                 ("doctor", "."),
                 ((0, "この PC で kpitool を使う準備はできています。"),
                  (1, "要対応の項目があります。各行の対処をご覧ください。"), failed)),
    )


def _batch_quote(text: str) -> str:
    """One argument for cmd.exe: quoted when needed, % doubled (cmd expands %VAR% even in quotes)."""
    text = text.replace("%", "%%")
    if any(ch in text for ch in ' &()[]{}^=;!\'+,`~<>|"') or not text:
        return '"' + text.replace('"', '""') + '"'
    return text


def _echo(text: str) -> str:
    """Text for ``echo``: cmd's special characters escaped with ^, % doubled."""
    for ch in "^&|<>":
        text = text.replace(ch, "^" + ch)
    return text.replace("%", "%%")


def render(launcher: Launcher, python: str) -> str:
    """The text of one .cmd file (LF here; written with CRLF)."""
    python_q = '"' + python.replace("%", "%%") + '"'  # always quoted: C:\Program Files (x86)\…
    command = " ".join([python_q, "-m", "kpitool", *(_batch_quote(a) for a in launcher.args)])
    lines = [
        "@echo off",
        "rem kpitool launcher, written by `kpitool init --launchers`. The lines up to chcp are ASCII:",
        "rem cmd.exe reads them in the old code page; everything after is UTF-8 (no BOM).",
        "setlocal",
        "for /f \"tokens=2 delims=:\" %%c in ('chcp') do set KPITOOL_OLD_CP=%%c",
        "chcp 65001 >nul",
        f"title {launcher.title}",
        "pushd \"%~dp0\"",
        f"echo {_echo(launcher.title)}（作業フォルダ: %CD%）",
        "echo.",
        f"if exist {python_q} goto :run",
        f"echo [E-XL-006] kpitool の Python が見つかりません: {_echo(python)}",
        "echo kpitool を入れ直したら、このフォルダで kpitool init --launchers を実行して作り直してください。",
        "set KPITOOL_EXIT=9009",
        "goto :done",
        ":run",
        command,
        "set KPITOOL_EXIT=%ERRORLEVEL%",
        "echo.",
        *(f"if \"%KPITOOL_EXIT%\"==\"{code}\" echo 終了コード {code}: {_echo(text)}" for code, text in launcher.exit_codes),
        ":done",
        "if not \"%KPITOOL_EXIT%\"==\"0\" if not \"%KPITOOL_EXIT%\"==\"1\" if not \"%KPITOOL_EXIT%\"==\"2\" "
        "echo 終了コード %KPITOOL_EXIT%: Python を起動できなかったか、途中で止まりました。kpitool doctor で確かめてください。",
        "popd",
        "echo.",
        "pause",
        "if defined KPITOOL_OLD_CP chcp %KPITOOL_OLD_CP% >nul",
        "exit /b %KPITOOL_EXIT%",
    ]
    return "\n".join(lines) + "\n"


def write_launchers(folder: Path, *, python: str | None = None, config_name: str = "kpitool.toml") -> list[Path]:
    """Write every launcher into ``folder`` (replacing older ones: they name the interpreter)."""
    python = python or sys.executable
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for launcher in launchers(config_name):
        path = folder / launcher.filename
        path.write_bytes(render(launcher, python).replace("\n", "\r\n").encode(ENCODING))
        written.append(path)
    return written


def command_line(text: str) -> str:
    """The line of a launcher that runs kpitool (for tests and for people reading the file)."""
    for line in text.splitlines():
        if " -m kpitool " in line and not line.lstrip().startswith(("rem", "echo", "if")):
            return line
    raise ValueError("no kpitool command line in this launcher")
