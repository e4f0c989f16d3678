"""Paths of outputs and inputs: resolved before they are compared, short enough to be written.

Two failures of issue 16 live here. The inbox guard compared paths as typed, so ``-o`` through
a symlink to an inbox file (or through a symlinked folder) wrote the master over a submission
or into the inbox; every comparison now resolves symlinks first (:func:`real`). And derived
names (``<stem>_検証結果.xlsx``, ``<stem>_実績数値.csv``, our temp files beside them) grew past
the 255 bytes most file systems allow for one name; :func:`fit_name` shortens a stem safely
(whole characters, a hash of the full name so two long names stay apart). Stdlib only.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from pathlib import Path

__all__ = ["NAME_MAX", "display_name", "fit_name", "inside", "is_link_outside", "real", "same_file"]

NAME_MAX = 255
"""Bytes in one file name on ext4, APFS, NTFS (UTF-16 units there; UTF-8 bytes is stricter for
Japanese) and SMB shares."""

TEMP_RESERVE = 40
"""Bytes kept free in a final name for the temp file written beside it
(``.~kpitool-<name>-<16 hex>.tmp<suffix>``, see :mod:`kpitool.safe_write`)."""


def real(path: Path | str) -> Path:
    """``path`` with every symlink resolved, absolute; works for paths that do not exist yet."""
    return Path(os.path.realpath(os.path.abspath(path)))


def same_file(a: Path | str, b: Path | str) -> bool:
    """Whether two paths name the same file or folder once resolved (and, if both exist, by
    inode: a mapped drive and a UNC path, or two spellings of one folder, are caught too)."""
    if real(a) == real(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def inside(path: Path | str, folder: Path | str) -> bool:
    """Whether ``path`` (resolved) is ``folder`` (resolved) or somewhere below it."""
    p, f = real(path), real(folder)
    return p == f or f in p.parents or same_file(p, f)


def is_link_outside(entry: Path | str, folder: Path | str) -> bool:
    """Whether ``entry`` is a symlink (or Windows junction) whose target lies outside ``folder``."""
    path = Path(entry)
    try:
        linked = path.is_symlink() or (hasattr(path, "is_junction") and path.is_junction())
    except OSError:
        return False
    if not linked:
        return False
    target, root = real(path), real(folder)
    return target.parent != root and root not in target.parents


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def fit_name(stem: str, tail: str, *, reserve: int = TEMP_RESERVE, limit: int = NAME_MAX) -> str:
    """``stem + tail``, with ``stem`` shortened so the name plus ``reserve`` fits ``limit`` bytes.

    A shortened stem keeps whole characters and ends in ``~`` and 8 hex digits of the full
    stem's SHA-256, so that two long names that share their start stay two files. ``tail`` (the
    part that says what the file is, e.g. ``_検証結果.xlsx``) is never cut.
    """
    budget = limit - reserve - _utf8_len(tail)
    if _utf8_len(stem) <= budget:
        return stem + tail
    mark = "~" + hashlib.sha256(stem.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    room = budget - len(mark)
    if room < 1:
        raise ValueError(f"no room for a name ending in {tail!r}")
    kept = stem.encode("utf-8", "surrogateescape")[:room].decode("utf-8", "ignore")
    return kept.rstrip(" .") + mark + tail


def display_name(name: str) -> str:
    """A file name as printed for people: one not in NFC is marked.

    macOS and some zip tools write ``が`` as ``か`` + a combining ``゙`` (NFD); such a file and its
    NFC twin are two files that print identically, so the NFD one says so (issue 16).
    """
    if unicodedata.is_normalized("NFC", name):
        return name
    return f"{name}（濁点・半濁点が分かれた名前（NFD））"
