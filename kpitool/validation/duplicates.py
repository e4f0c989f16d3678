"""Several files of one department: which one speaks for it, decided once for 検証 and 集約.

Files are ordered by 作成日, then by modification time. Two files are told apart only when they
really differ: a later 作成日, or the same 作成日 and a modification time more than
:data:`TIE_SECONDS` later. Attachments saved together or a folder copied with ``cp -r`` give
equal dates and times a second apart; such files are *tied*, and a tie is never called "newer":

- exactly one of the tied files has no エラー: it is taken, and a 警告 (W-CONS-001) names every
  tied file;
- otherwise none is taken: the department is 要確認 and an エラー (E-CONS-001) names every
  tied file, so the planning office asks the department which file counts.

Files older than the tie, or than the chosen file, are superseded (重複): not consolidated, and
in ``validate`` their findings are not open errors (the newer file is what counts).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

TIE_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class Candidate:
    """One readable file of a department, as the choice needs it."""

    name: str
    created: str  # 作成日 as an ISO date, "" when missing or invalid
    mtime: float  # modification time, POSIX seconds
    errors: int  # エラー findings of the file itself


@dataclass(frozen=True, slots=True)
class Choice:
    """The decision for one department's files (names only)."""

    chosen: str | None  # the file that speaks for the department; None: 要確認
    superseded: tuple[str, ...]  # 重複, newest first
    tied: tuple[str, ...] = ()  # files that could not be told apart, by name (empty: no tie)
    by: str = "only"  # why: "only" file, newer "created", newer "modified", the one "clean" file, or "none"

    def note(self, name: str, created: dict[str, str]) -> str:
        """The Japanese note of a superseded file: which file was preferred, and truly why."""
        if self.chosen is None:
            return f"同じ部局の、より新しいファイル（{'、'.join(f'「{t}」' for t in self.tied)}）があります。"
        when = created.get(self.chosen, "")
        if name in self.tied:
            why = "作成日と更新日時が同じで、エラーがないのはこのファイルだけです"
        elif created.get(name, "") != when:
            why = f"作成日 {when}"
        else:
            why = f"作成日が同じで、更新日時が{TIE_SECONDS:g}秒以上新しい"
        return f"同じ部局のファイル「{self.chosen}」（{why}）を優先しました。"


def choose(candidates: Sequence[Candidate]) -> Choice:
    """Decide which of one department's readable files speaks for it (see the module doc)."""
    ordered = sorted(candidates, key=lambda c: (c.created, c.mtime, c.name), reverse=True)
    if not ordered:
        return Choice(None, ())
    lead = ordered[0]
    if len(ordered) == 1:
        return Choice(lead.name, ())
    # The tie: the leader's 作成日, and times chained within TIE_SECONDS of the next newer one,
    # so every file left out is more than TIE_SECONDS older than every tied file.
    tied = [lead]
    for c in ordered[1:]:
        if c.created == lead.created and tied[-1].mtime - c.mtime <= TIE_SECONDS:
            tied.append(c)
        else:
            break
    rest = tuple(c.name for c in ordered[len(tied):])
    if len(tied) == 1:
        by = "created" if ordered[1].created != lead.created else "modified"
        return Choice(lead.name, rest, by=by)
    names = tuple(sorted(c.name for c in tied))
    clean = [c for c in tied if c.errors == 0]
    if len(clean) == 1:
        others = tuple(c.name for c in tied if c is not clean[0])
        return Choice(clean[0].name, (*others, *rest), tied=names, by="clean")
    return Choice(None, rest, tied=names, by="none")


def created_date(sub: Any) -> str:
    """作成日 of a read submission as an ISO date, "" when missing or not a date."""
    from kpitool.dates import parse_date

    cell = sub.basic.get("created")
    if cell is None:
        return ""
    parsed = parse_date(cell.value, date1904=sub.info.date1904)
    value = parsed.value
    return value.isoformat() if parsed.kind == "date" and isinstance(value, dt.date) else ""


def tie_finding(choice: Choice, department: str, created: str, file: str, cell: str) -> Any:
    """The coded finding that names every tied file (None when there was no tie).

    W-CONS-001 when the only file without エラー was taken, E-CONS-001 when none was; it is
    attached to ``file`` (the chosen one, or the first tied one), at its 作成日 ``cell``.
    """
    from kpitool import codes
    from kpitool.codes import CATALOGUE

    if not choice.tied:
        return None
    code = codes.DUPLICATE_TIE if choice.chosen else codes.DUPLICATE_UNDECIDED
    return CATALOGUE.make(
        code, file=file, sheet="基本情報" if cell else "", cell=cell, label="作成日", value=created or "未入力",
        department=department, files="、".join(f"「{name}」" for name in choice.tied),
        chosen=choice.chosen or "", seconds=f"{TIE_SECONDS:g}",
    )


def mark_duplicates(results: Sequence[Any]) -> None:
    """Apply :func:`choose` to validation results (:class:`kpitool.validate.FileResult`), as
    ``consolidate`` does to an inbox: superseded files get ``superseded_by`` and a note, tied
    files without a choice get ``undecided``, and the tie finding joins the report of the file
    it is attached to. Only readable files whose 部局名 is a roster name (or was guessed from the
    file name) take part, exactly as in consolidation."""
    import os

    groups: dict[str, list[Any]] = {}
    for result in results:
        match = result.department
        if result.facts is not None and match is not None and match.speaks_for:
            groups.setdefault(match.speaks_for, []).append(result)
    for department, members in groups.items():
        if len(members) < 2:
            continue
        by_name = {r.name: r for r in members}
        created = {r.name: r.facts.created for r in members}
        mtimes = {}
        for r in members:
            try:
                mtimes[r.name] = os.stat(r.path).st_mtime
            except OSError:
                mtimes[r.name] = 0.0
        choice = choose([Candidate(r.name, created[r.name], mtimes[r.name], r.report.errors) for r in members])
        for name in choice.superseded:
            by_name[name].superseded_by = choice.chosen or "、".join(choice.tied)
            by_name[name].note = choice.note(name, created)
        if choice.chosen is None:
            for name in choice.tied:
                by_name[name].undecided = True
        holder = by_name[choice.chosen or choice.tied[0]] if choice.tied else None
        if holder is not None:
            cell = holder.facts.created_cell
            finding = tie_finding(choice, department, created[holder.name], holder.name, cell)
            holder.report.extend([finding])
