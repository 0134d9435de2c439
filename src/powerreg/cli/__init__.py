"""The ``powerreg`` command: thin wrappers that parse options, call the library, print.

One module per group of commands (:mod:`.checking`, :mod:`.auditing`, :mod:`.publishing`,
:mod:`.supervising`, :mod:`.serving`, :mod:`.generating`, :mod:`.workbooks`); this one
holds the group, the shared options and the error handling.

Exit status (SPEC §5): 0 success · 1 the registry is invalid or the audit fails · 2 usage
or I/O error. Results go to stdout, diagnostics to stderr. This package is the only part
of powerreg that prints or exits.
"""

from __future__ import annotations

import atexit
import functools
import gc
import sys
from _collections_abc import dict_items, dict_keys, dict_values
from collections.abc import Callable, Iterator
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import click

from ..errors import PowerregError, RegistryError, UsageError
from ..lang import default_lang
from .helptext import GroupInLang, InLang, asked, current
from .refusals import asked_lang, said
from .words import say

if TYPE_CHECKING:
    from ..model import Registry

F = TypeVar("F", bound=Callable[..., Any])

PATH_ARG = click.argument(
    "path",
    required=False,
    type=click.Path(exists=True, path_type=Path),
)


def reports_errors(func: F) -> F:
    """Turn library errors into problem lines on stderr and the exit codes of SPEC §5."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        lang = kwargs.get("lang") or default_lang()
        try:
            return func(*args, **kwargs)
        except RegistryError as err:
            for p in err.problems:
                click.echo(p.as_line(lang), err=True)
            files = len({p.file for p in err.problems})
            click.echo(say("problems", lang, n=len(err.problems), files=files), err=True)
            sys.exit(1)
        except UsageError as err:
            click.echo(say("error", lang, message=err.in_lang(lang)), err=True)
            sys.exit(2)
        except OSError as err:
            where = f": {err.filename}" if err.filename else ""
            click.echo(say("error", lang, message=f"{err.strerror or err}{where}"), err=True)
            sys.exit(2)
        except PowerregError as err:  # any other refusal of the library: a message, not a trace
            click.echo(say("error", lang, message=err), err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def _load(path: Path | None, *, locate_all: bool = False) -> Registry:
    """The registry at ``path`` (the bundled one if ``None``); ``locate_all`` for a
    command that writes every entity's line (a catalog)."""
    # imported here: a command that answers without a registry never imports the models
    if path is None:
        from ..reference import load_reference

        return load_reference()
    from ..load import load

    return load(path, locate_all=locate_all)


#: The module that defines each command; imported when the command is first looked up,
#: so ``powerreg build`` does not import the service, the monitor or the diff.
COMMAND_MODULES = {
    "audit": "auditing",
    "build": "publishing",
    "cache": "caching",
    "diff": "diffing",
    "export": "publishing",
    "export-workbook": "workbooks",
    "import": "workbooks",
    "monitor": "supervising",
    "new": "starting",
    "render": "publishing",
    "schema": "checking",
    "site": "website",
    "stats": "checking",
    "supervise": "serving",
    "synth": "generating",
    "synth-cases": "supervising",
    "validate": "checking",
}


class _Commands(dict[str, click.Command]):
    """``main.commands``: a command's module is imported when the command is looked up
    by name; listing them (``--help``) imports them all. The modules register their
    commands on ``main`` as they are imported."""

    def _load(self, name: object) -> None:
        module = COMMAND_MODULES.get(name) if isinstance(name, str) else None
        if module is not None and not dict.__contains__(self, name):
            import_module(f"{__name__}.{module}")

    def _load_all(self) -> None:
        for name in COMMAND_MODULES:
            self._load(name)

    def get(self, name: str, default: Any = None) -> Any:
        self._load(name)
        return super().get(name, default)

    def __getitem__(self, name: str) -> click.Command:
        self._load(name)
        return super().__getitem__(name)

    def __contains__(self, name: object) -> bool:
        self._load(name)
        return super().__contains__(name)

    def __iter__(self) -> Iterator[str]:
        self._load_all()
        return super().__iter__()

    def __len__(self) -> int:
        self._load_all()
        return super().__len__()

    def keys(self) -> dict_keys[str, click.Command]:
        self._load_all()
        return super().keys()

    def values(self) -> dict_values[str, click.Command]:
        self._load_all()
        return super().values()

    def items(self) -> dict_items[str, click.Command]:
        self._load_all()
        return super().items()


# When a command ends, the interpreter's last collections walk every object it made (a
# registry is some 10^5 objects): 0.2-0.5 s of a reference build on a loaded machine, of
# nothing but exiting. Frozen, they are skipped; their memory goes back with the process,
# and weakref.finalize callbacks (temporary directories) still run.
atexit.register(gc.freeze)


class _Main(GroupInLang):
    # its commands and groups say their help in the language asked (powerreg.cli.helptext)
    command_class = InLang
    group_class = GroupInLang

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _Commands(self.commands)

    # click's own refusals (an unknown option, a missing argument) in the language asked
    # for (powerreg.cli.refusals): the language is read from the arguments first
    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        # the run's language, for --help (said while the arguments are read) and refusals
        asked(asked_lang(args) or default_lang())
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.ClickException as err:
            raise said(err, current()) from err

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.ClickException as err:
            raise said(err, current()) from err


#: What ``--lang`` says in every command's help.
_LANG_HELP = "language of the messages (default: from the locale)"
#: Where ``powerreg --lang zh COMMAND`` keeps the language for the command's own --lang.
_ROOT_LANG = "powerreg.root_lang"


def _root_lang(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.meta[_ROOT_LANG] = value


def _inherited_lang() -> str | None:
    """A command's ``--lang`` when not given: the one given before the command
    (``powerreg --lang zh build``), else ``None`` (from the locale)."""
    ctx = click.get_current_context(silent=True)
    found = None if ctx is None else ctx.meta.get(_ROOT_LANG)
    return found if isinstance(found, str) else None


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="powerreg", prog_name="powerreg")  # read when asked
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    expose_value=False,
    callback=_root_lang,
    help=_LANG_HELP,
)
def main() -> None:
    """Registries of administrative powers, integrity-risk points and countermeasures.

    PATH is a registry directory (registry.yaml + powers/) or a catalog .db; without
    it, commands use the bundled reference registry. validate, audit, export, site and
    build also take a roll-up of many departments: a rollup.yaml, or a directory with one.

    \b
    Example:
        powerreg validate my-registry/
    """


def lang_option(func: F) -> F:
    """``--lang zh|en`` (default: the one given before the command, else from the
    locale)."""
    return click.option(
        "--lang",
        type=click.Choice(["zh", "en"]),
        default=_inherited_lang,
        help=_LANG_HELP,
    )(func)


def output_option(
    help: str, *, kind: str = "directory", default: Path | None = None
) -> Callable[[F], F]:
    """``-o/--output``: a ``directory`` or a ``file`` (``any`` for either), required
    unless it has a default; the value reaches the command as ``out``. (No ``default``
    is passed when there is none: click 8.3 and later take ``default=None`` as a value
    given, and would no longer refuse a command without ``-o``.)"""
    path = click.Path(file_okay=kind != "directory", dir_okay=kind != "file", path_type=Path)
    if default is None:
        return click.option("-o", "--output", "out", type=path, required=True, help=help)
    return click.option(
        "-o", "--output", "out", type=path, default=default, show_default=True, help=help
    )


#: ``--redraw``: draw every chart, even those unchanged since the output was drawn.
redraw_option = click.option(
    "--redraw",
    is_flag=True,
    help="draw every chart afresh (by default a chart whose DOT text is unchanged since "
    "the output was drawn, by the same graphviz and fonts, is taken from it)",
)


def format_option(*formats: str) -> Callable[[F], F]:
    """``--format`` with the given choices, the first the default; its help names those
    choices only (a command without SARIF does not promise it).

    Examples:
        >>> _format_help(("text", "json", "markdown"))
        'text for people; json or markdown for programs and reports'
    """
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(formats)),
        default=formats[0],
        show_default=True,
        help=_format_help(formats),
    )


def _format_help(formats: tuple[str, ...]) -> str:
    people = [f for f in formats if f == "text"]
    programs = [f for f in formats if f != "text"]
    said = " or ".join([", ".join(programs[:-1]), programs[-1]] if len(programs) > 1 else programs)
    parts = (["text for people"] if people else []) + (
        [f"{said} for programs and reports"] if programs else []
    )
    return "; ".join(parts)


class Report(Protocol):
    """What ``audit`` shows: an audit report, of a registry or of a roll-up."""

    def to_text(self) -> str: ...
    def to_json(self) -> str: ...
    def to_markdown(self) -> str: ...
    def to_sarif(self) -> str: ...
    def fails(self, fail_on: Any) -> bool: ...


def show_report(report: Report, fmt: str, fail_on: str) -> None:
    """Print ``report`` as ``fmt`` (text, json, markdown or sarif) and exit 1 if a finding
    reaches ``fail_on``: what ``powerreg audit`` does with a registry's report and with a
    roll-up's."""
    render = {
        "text": report.to_text,
        "json": report.to_json,
        "markdown": report.to_markdown,
        "sarif": report.to_sarif,
    }[fmt]
    click.echo(render())
    if report.fails(fail_on):
        sys.exit(1)


def policy_option(func: F) -> F:
    """``--policy F``: a YAML audit policy."""
    return click.option(
        "--policy",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="YAML audit policy: severities per rule (or off) and thresholds",
    )(func)


def fail_on_option(help: str) -> Callable[[F], F]:
    """``--fail-on error|warning|info|never``."""
    return click.option(
        "--fail-on",
        type=click.Choice(["error", "warning", "info", "never"]),
        default="error",
        show_default=True,
        help=help,
    )
