"""click's own refusals (an unknown option, a missing argument, a bad value) said in the
language asked for, as every other message of the command line is.

click words its parse errors in English. Under ``--lang zh`` (or a Chinese locale) the
group (:mod:`powerreg.cli`) hands each :class:`click.ClickException` to :func:`said`, which
returns one that shows the same usage line, help hint and message in Chinese, with the
same exit status; in English click's own text is kept as it is. The reason a type of
click's gives for refusing a value is said in Chinese too when it is one of click's own
wordings (:data:`_REASONS`: a choice, a number, a range, a date's format, a path); a
reason in other words (a type of another library's) is kept inside the Chinese sentence.

Examples:
    >>> import click
    >>> said(click.NoSuchOption("--fromat", possibilities=["--format"]), "zh").message
    "没有选项 '--fromat'。您是想用 '--format' 吗？"
    >>> err = click.NoSuchOption("--x")
    >>> said(err, "en") is err
    True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import IO, Any

import click

from ..codes import Phrase, localized, phrase
from ..lang import Lang
from .words import say


def asked_lang(args: Sequence[str]) -> Lang | None:
    """The language ``args`` ask for with ``--lang``, if any, read before click parses
    them (a refusal may come before click reaches ``--lang``).

    Examples:
        >>> asked_lang(["build", "--lang", "zh"]), asked_lang(["--lang=en"]), asked_lang([])
        ('zh', 'en', None)
    """
    for i, arg in enumerate(args):
        if arg == "--":
            break
        value = args[i + 1] if arg == "--lang" and i + 1 < len(args) else None
        if arg.startswith("--lang="):
            value = arg.removeprefix("--lang=")
        if value == "zh":
            return "zh"
        if value == "en":
            return "en"
    return None


def _hint(err: click.BadParameter) -> str:
    hint = err.param_hint
    if hint is None and err.param is not None:
        hint = err.param.get_error_hint(err.ctx)
    if hint is None:
        return ""
    return hint if isinstance(hint, str) else " / ".join(f"'{h}'" for h in hint)


_KINDS = {
    "integer": localized("integer", "整数"),
    "integer range": localized("integer", "整数"),
    "float": localized("number", "数"),
    "float range": localized("number", "数"),
}
_PATHS = {
    "File": localized("File", "文件"),
    "Directory": localized("Directory", "目录"),
    "Path": localized("Path", "路径"),
}
_PATH_STATES = {
    "does not exist": localized("does not exist", "不存在"),
    "is a file": localized("is a file", "是文件，不是目录"),
    "is a directory": localized("is a directory", "是目录，不是文件"),
    "is not readable": localized("is not readable", "不可读"),
    "is not writable": localized("is not writable", "不可写"),
}


#: click's own wordings of why its types refuse a value (click 8: ``click/types.py``),
#: each with the phrase that says it in any language. Matched whole; a test runs each
#: through the command line, so a wording click changes is noticed. (Patterns as text:
#: compiled by ``re`` when a value is first refused, not at every command's start.)
_REASONS: tuple[tuple[str, Callable[[re.Match[str]], Phrase]], ...] = (
    (
        r"(?P<value>.+) is not one of (?P<choices>.+)\.",
        lambda m: phrase("cli.reason.not_one_of", value=m["value"], choices=m["choices"]),
    ),
    (
        r"(?P<value>.+) is not (?P<choice>'[^']*')\.",
        lambda m: phrase("cli.reason.not_choice", value=m["value"], choice=m["choice"]),
    ),
    (
        r"(?P<value>.+) is not a valid (?P<kind>integer range|float range|integer|float)\.",
        lambda m: phrase("cli.reason.not_number", value=m["value"], kind=_KINDS[m["kind"]]),
    ),
    (
        r"(?P<value>.+) is not in the range (?P<range>.+)\.",
        lambda m: phrase("cli.reason.out_of_range", value=m["value"], range=m["range"]),
    ),
    (
        r"(?P<value>.+) does not match the formats? (?P<formats>.+)\.",
        lambda m: phrase("cli.reason.not_format", value=m["value"], formats=m["formats"]),
    ),
    (
        r"(?P<kind>File|Directory|Path) (?P<name>.+) (?P<state>" + "|".join(_PATH_STATES) + r")\.",
        lambda m: phrase(
            "cli.reason.path",
            kind=_PATHS[m["kind"]],
            name=m["name"],
            state=_PATH_STATES[m["state"]],
        ),
    ),
)


def reason(text: str, lang: Lang) -> str:
    """Why a type of click's refused a value (``text``, click's words), in ``lang``.

    Examples:
        >>> reason("'pdf' is not one of 'text', 'json'.", "zh")
        "'pdf' 不是可选值之一（可选：'text', 'json'）。"
        >>> reason("'x' is not a valid integer range.", "zh"), reason("odd words", "zh")
        ("'x' 不是有效的整数。", 'odd words')
        >>> reason("Directory 'out' is a file.", "zh")
        "目录 'out' 是文件，不是目录。"
    """
    if lang == "en":
        return text
    for pattern, said in _REASONS:
        m = re.fullmatch(pattern, text, re.S)
        if m is not None:
            return said(m).in_lang(lang)
    return text


def message(err: click.ClickException, lang: Lang) -> str:
    """What ``err`` says, in ``lang``."""
    if isinstance(err, click.NoSuchOption | click.NoSuchCommand):
        if isinstance(err, click.NoSuchOption):
            said = phrase("cli.no_such_option", name=repr(err.option_name)).in_lang(lang)
        else:
            said = phrase("cli.no_such_command", name=repr(err.command_name)).in_lang(lang)
        if err.possibilities:
            close = ", ".join(f"'{p}'" for p in err.possibilities)
            said += phrase("cli.did_you_mean", names=close).in_lang(lang)
        return said
    if isinstance(err, click.MissingParameter):
        kind = err.param_type or (err.param.param_type_name if err.param else "parameter")
        if kind == "argument":
            return phrase("cli.missing_argument", name=_hint(err)).in_lang(lang)
        if kind == "option":
            return phrase("cli.missing_option", name=_hint(err)).in_lang(lang)
        return phrase("cli.missing_parameter", name=_hint(err)).in_lang(lang)
    if isinstance(err, click.BadParameter):
        hint, why = _hint(err), reason(err.message, lang)
        if hint:
            return phrase("cli.bad_value_of", name=hint, reason=why).in_lang(lang)
        return phrase("cli.bad_value", reason=why).in_lang(lang)
    return phrase("cli.refused", reason=err.format_message()).in_lang(lang)


class _Said(click.ClickException):
    """A click refusal shown in another language, with the same exit status."""

    def __init__(self, err: click.ClickException, lang: Lang) -> None:
        super().__init__(message(err, lang))
        setattr(self, "exit_code", err.exit_code)  # noqa: B010  (a class variable of click's)
        self.ctx: click.Context | None = getattr(err, "ctx", None)
        self.lang = lang

    def show(self, file: IO[Any] | None = None) -> None:
        lines = []
        ctx = self.ctx
        if ctx is not None:
            lines.append(ctx.get_usage())  # said in the language asked (.helptext)
            if ctx.command.get_help_option(ctx) is not None:
                names = ctx.command.get_help_option_names(ctx)
                hint = phrase("cli.try_help", command=ctx.command_path, option=max(names, key=len))
                lines.append(hint.in_lang(self.lang))
            lines.append("")
        lines.append(say("error", self.lang, message=self.message))
        click.echo("\n".join(lines), file=file, err=file is None)


def said(err: click.ClickException, lang: Lang) -> click.ClickException:
    """``err`` as shown in ``lang``: itself in English (click's words), else a refusal
    that shows the same in ``lang``."""
    return err if lang == "en" else _Said(err, lang)
