"""Comparing two editions: diff."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..diff import diff as diff_editions
from ..errors import RegistryError
from ..lang import Lang, default_lang
from ..render import write_diagrams
from . import format_option, lang_option, main, reports_errors
from .words import say


@main.command()
@click.argument("old")
@click.argument("new")
@format_option("text", "markdown", "json")
@lang_option
@click.option(
    "--diagrams",
    type=click.Path(file_okay=False, path_type=Path),
    help="draw each changed flowchart here (SVG), its changes marked",
)
@reports_errors
def diff(old: str, new: str, fmt: str, lang: str | None, diagrams: Path | None) -> None:
    """Say what changed from edition OLD to edition NEW, power by power.

    OLD and NEW are registry directories, catalogs (.db), or git:REV — the other
    edition's path as it was at revision REV of its git repository (git:REV:PATH names
    another path). Exit 0 when the editions say the same, 1 when they differ, 2 when an
    edition cannot be read.

    \b
    Examples:
        powerreg diff git:HEAD~1 my-registry/
        powerreg diff registry-2011/ registry-2012/ --format markdown --lang zh
        powerreg diff git:HEAD~1 my-registry/ --diagrams changed-charts/
    """
    shown: Lang = lang or default_lang()  # type: ignore[assignment]
    try:
        result = diff_editions(old, new)
    except RegistryError as err:  # an edition that does not load is not a difference
        for p in err.problems:
            click.echo(p.as_line(shown), err=True)
        click.echo(say("edition_not_loaded", shown, n=len(err.problems)), err=True)
        sys.exit(2)
    if diagrams is not None:
        editions = [e for e in (old, new) if Path(e).is_dir()]  # never written into
        write_diagrams(result.chart_sources(), diagrams, format="svg", sources=editions)
    if fmt == "json":
        click.echo(result.to_json(shown))
    elif fmt == "markdown":
        click.echo(result.to_markdown(shown), nl=False)
    else:
        click.echo(result.to_text(shown), nl=False)
    sys.exit(0 if result.equal else 1)
