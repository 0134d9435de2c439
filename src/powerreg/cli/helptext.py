"""The command line's help in the language asked for: ``--help`` under ``--lang zh`` (or
a Chinese locale) is Chinese, as every other message of the command line is.

The help texts are written in English where the commands are declared (docstrings, the
``help=`` of each option); their Chinese is :data:`powerreg.cli.helpwords.HELP_ZH`, keyed
by the English text itself, so that a help text changed without its translation is
found (a test asks every command and option for its Chinese). The commands of
:mod:`powerreg.cli` are of the classes here, which say the usage line, the description,
the options and the list of commands in the language :func:`asked` was given; click's
own words (``Usage:``, ``Options:``, ``[default: …]``) are said too.

Examples:
    >>> from powerreg.cli import main
    >>> from click.testing import CliRunner
    >>> said = CliRunner().invoke(main, ["validate", "--help", "--lang", "zh"])
    >>> said.output.splitlines()[0]
    '用法：main validate [OPTIONS] [PATH]'
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import click

from ..lang import Lang
from .helpwords import HELP_ZH

_LANG: ContextVar[Lang] = ContextVar("powerreg_help_lang", default="en")

#: click's own words in its help, in Chinese.
_CLICK_ZH = {
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
}


def asked(lang: Lang) -> None:
    """The language this run says its help and click's refusals in (set as the
    arguments are read)."""
    _LANG.set(lang)


def current() -> Lang:
    """The language :func:`asked` was given (English before)."""
    return _LANG.get()


def chinese(text: str | None) -> str | None:
    """The Chinese of an English help text, if it has one."""
    if text is None:
        return None
    return HELP_ZH.get(text) or _CLICK_ZH.get(text)


@contextmanager
def _said(obj: Any, attribute: str) -> Iterator[None]:
    """``obj.attribute`` (a help text) in Chinese for the block, put back after."""
    before = getattr(obj, attribute)
    zh = chinese(before)
    if zh is not None:
        setattr(obj, attribute, zh)
    try:
        yield
    finally:
        setattr(obj, attribute, before)


@contextmanager
def _section(formatter: click.HelpFormatter, title: str) -> Iterator[None]:
    """A section of the help under a Chinese heading (with a full-width colon)."""
    formatter.write_paragraph()
    formatter.write(f"{'':>{formatter.current_indent}}{title}：\n")
    with formatter.indentation():
        yield


def _wrapped(text: str, columns: int) -> list[str]:
    """Chinese text in lines of at most ``columns`` terminal columns (a CJK character
    takes two), broken between characters or at spaces, as the charts' labels are
    (:func:`powerreg.render.text.wrap`; click breaks at spaces only, and counts a CJK
    character as one column)."""
    from ..render.text import wrap  # only when Chinese help is shown

    return wrap(text, max(columns, 20) / 2, balance=False)


def _write_dl(formatter: click.HelpFormatter, rows: list[tuple[str, str]]) -> None:
    """click's two-column list (``HelpFormatter.write_dl``), its second column wrapped
    for Chinese (:func:`_wrapped`)."""
    indent = formatter.current_indent
    first_col = min(max(len(first) for first, _ in rows), 30) + 2
    for first, second in rows:
        formatter.write(f"{'':>{indent}}{first}")
        if not second:
            formatter.write("\n")
            continue
        if len(first) <= first_col - 2:
            formatter.write(" " * (first_col - len(first)))
        else:
            formatter.write("\n" + " " * (first_col + indent))
        lines = _wrapped(second, formatter.width - first_col - indent) or [""]
        formatter.write(f"{lines[0]}\n")
        for line in lines[1:]:
            formatter.write(f"{'':>{first_col + indent}}{line}\n")


def _extras(text: str) -> str:
    """click's ``[default: …]`` and ``[required]`` after an option's help, in Chinese."""
    return text.replace("[default: ", "[默认：").replace("[required]", "[必填]")


class InLang(click.Command):
    """A command whose help is said in the language asked for."""

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if _LANG.get() != "zh":
            return super().format_usage(ctx, formatter)
        pieces = self.collect_usage_pieces(ctx)
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix="用法：")

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        zh = chinese(self.help) if _LANG.get() == "zh" else None
        if zh is None:
            return super().format_help_text(ctx, formatter)
        formatter.write_paragraph()
        with formatter.indentation():
            for i, paragraph in enumerate(inspect.cleandoc(zh).partition("\f")[0].split("\n\n")):
                if i:
                    formatter.write("\n")
                if paragraph.startswith("\b\n"):  # kept as it is written (an example)
                    lines = paragraph.splitlines()[1:]
                else:
                    lines = _wrapped(paragraph, formatter.width - formatter.current_indent)
                for line in lines:
                    formatter.write(f"{'':>{formatter.current_indent}}{line}\n")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if _LANG.get() != "zh":
            return super().format_options(ctx, formatter)
        rows = []
        for param in self.get_params(ctx):
            if isinstance(param, click.Argument):
                continue  # as click: the arguments are in the usage line
            with _said(param, "help"):
                row = param.get_help_record(ctx)
            if row is not None:
                rows.append((row[0], _extras(row[1])))
        if rows:
            with _section(formatter, "选项"):
                _write_dl(formatter, rows)
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)


def short_help(command: click.Command, limit: int) -> str:
    """A command's line in its group's list, in Chinese: the first line of its help.

    Examples:
        >>> short_help(click.Command("x", help="第一句。\\n\\n第二段。"), 45)
        '第一句。'
    """
    text = inspect.cleandoc(command.help or "").partition("\f")[0]
    first = text.split("\n\n", 1)[0].replace("\n", "")
    if "。" in first:  # its first sentence
        first = first.split("。", 1)[0] + "。"
    return first if len(first) <= limit else first[: limit - 1] + "…"


class GroupInLang(InLang, click.Group):
    """A group whose help, and its list of commands, is said in the language asked for."""

    command_class = InLang
    group_class: type[click.Group] | type[type] | None = type  # a group in it: this class

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if _LANG.get() != "zh":
            return super().format_commands(ctx, formatter)
        found = [(n, self.get_command(ctx, n)) for n in self.list_commands(ctx)]
        commands = [(n, c) for n, c in found if c is not None and not c.hidden]
        if not commands:
            return
        limit = formatter.width - 6 - max(len(n) for n, _ in commands)
        rows = []
        for name, command in commands:
            with _said(command, "help"):
                rows.append((name, short_help(command, limit)))
        with _section(formatter, "命令"):
            _write_dl(formatter, rows)
