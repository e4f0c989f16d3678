"""argparse in Japanese, with suggestions for typos.

argparse builds its own texts (``usage:``, ``options``, ``invalid choice`` …) through
``gettext``; the users of kpitool read Japanese, so :class:`JapaneseArgumentParser` swaps in a
small Japanese catalogue while it builds, formats and parses, and only then (argparse is used
by other code in the same process, pytest among them, which keeps its English). It also
reports an unknown option with the *subcommand's* usage (argparse reports it from the top
parser) and suggests the nearest command or option (``valdate`` → ``validate``).
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

from kpitool.errors import USAGE_INVALID

# argparse's message ids (Python 3.11–3.13) and their Japanese text.
MESSAGES: dict[str, str] = {
    "usage: ": "使い方: ",
    "positional arguments": "引数",
    "options": "オプション",
    "optional arguments": "オプション",
    "show this help message and exit": "この説明を表示して終了します",
    "show program's version number and exit": "バージョンを表示して終了します",
    "argument %(argument_name)s: %(message)s": "%(argument_name)s: %(message)s",
    "unrecognized arguments: %s": "使えない引数があります: %s",
    "the following arguments are required: %s": "次の引数を指定してください: %s",
    "one of the arguments %s is required": "次の引数のどれか1つを指定してください: %s",
    "expected one argument": "値を1つ指定してください",
    "expected at most one argument": "値は1つまでです",
    "expected at least one argument": "値を1つ以上指定してください",
    "expected %s argument": "値を%s個指定してください",
    "expected %s arguments": "値を%s個指定してください",
    "ambiguous option: %(option)s could match %(matches)s": "オプション %(option)s があいまいです（候補: %(matches)s）",
    "invalid %(type)s value: %(value)r": "%(value)r は%(type)sではありません",
    "invalid choice: %(value)r (choose from %(choices)s)": "%(value)r は選べません（選べるもの: %(choices)s）",
    "not allowed with argument %s": "%s と一緒には指定できません",
    "ignored explicit argument %r": "値 %r は指定できません",
    "unexpected option string: %s": "予期しないオプションです: %s",
    "%(prog)s: error: %(message)s\n": "%(prog)s: エラー: %(message)s\n",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "%(parser_name)r というコマンドはありません（コマンド: %(choices)s）",
    "subcommands": "コマンド",
}
TYPE_NAMES = {"int": "整数", "float": "数値"}


def _translate(message: str) -> str:
    return MESSAGES.get(message, message)


def _ntranslate(singular: str, plural: str, n: int) -> str:
    return _translate(singular if n == 1 else plural)


_depth = 0


@contextmanager
def japanese() -> Iterator[None]:
    """argparse speaks Japanese inside this block (re-entrant; restored on the way out)."""
    global _depth
    saved = (argparse._, argparse.ngettext)
    argparse._, argparse.ngettext = _translate, _ntranslate  # type: ignore[attr-defined]
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


def nearest(word: str, candidates: Sequence[str]) -> str | None:
    """The candidate closest to a mistyped ``word``, or None when nothing is close."""
    found = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return found[0] if found else None


class JapaneseArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose texts, errors and suggestions are Japanese.

    Errors print the usage of the parser they concern and one line
    ``prog: エラー [E-RUN-010]: …`` on stderr, then exit with code 2 as argparse does.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        with japanese():
            super().__init__(*args, **kwargs)

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        with japanese():
            return super().add_argument(*args, **kwargs)

    def add_subparsers(self, **kwargs: Any) -> Any:
        with japanese():
            return super().add_subparsers(**kwargs)

    def format_usage(self) -> str:
        with japanese():
            return super().format_usage()

    def format_help(self) -> str:
        with japanese():
            return super().format_help()

    def parse_known_args(self, args: Sequence[str] | None = None, namespace: Any = None) -> Any:
        with japanese():
            return super().parse_known_args(args, namespace)

    def parse_args(self, args: Sequence[str] | None = None, namespace: Any = None) -> argparse.Namespace:  # type: ignore[override]
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            parser = self._chosen_subparser(parsed) or self
            parser.error(parser.unrecognized(extras))
        return parsed

    def _chosen_subparser(self, parsed: argparse.Namespace) -> JapaneseArgumentParser | None:
        """The subcommand's parser, so that its usage (not the top one) goes with the error."""
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                chosen = action.choices.get(getattr(parsed, action.dest, None) or "")
                if isinstance(chosen, JapaneseArgumentParser):
                    return chosen._chosen_subparser(parsed) or chosen
        return None

    def option_strings(self) -> list[str]:
        return [s for action in self._actions for s in action.option_strings]

    def unrecognized(self, extras: Sequence[str]) -> str:
        """「使えない引数があります」 with the nearest option for each mistyped flag."""
        text = _translate("unrecognized arguments: %s") % " ".join(extras)
        hints = []
        for extra in extras:
            flag = extra.split("=", 1)[0]
            if flag.startswith("-") and (near := nearest(flag, self.option_strings())):
                hints.append(near)
        return text + (f"（もしかして {'、'.join(hints)} ですか？）" if hints else "")

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        if action.choices is not None and value not in action.choices:
            choices = [str(c) for c in action.choices]
            near = nearest(str(value), choices)
            what = "コマンド" if isinstance(action, argparse._SubParsersAction) else "値"
            message = f"「{value}」という{what}はありません。"
            message += f"もしかして「{near}」ですか？" if near else f"選べるもの: {', '.join(choices)}"
            raise argparse.ArgumentError(action, message)

    def _get_value(self, action: argparse.Action, arg_string: str) -> Any:
        type_func = self._registry_get("type", action.type, action.type)
        name = getattr(type_func, "__name__", "")
        if name in TYPE_NAMES:
            try:
                return type_func(arg_string)
            except (TypeError, ValueError):
                raise argparse.ArgumentError(action, f"{TYPE_NAMES[name]}を指定してください（{arg_string!r}）") from None
        return super()._get_value(action, arg_string)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: エラー [{USAGE_INVALID}]: {message}\n")
