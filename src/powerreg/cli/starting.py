"""Starting something new: ``new power``."""

from __future__ import annotations

from pathlib import Path

import click

from ..lang import default_lang
from ..starter import write_new_power
from . import lang_option, main, reports_errors
from .words import say


@main.group()
def new() -> None:
    """Write a starting file that validates, for the keeper to fill in.

    \b
    Example:
        powerreg new power XK-017 --category XK --registry my-registry/
    """


@new.command("power")
@click.argument("power_id", metavar="ID")
@click.option("--category", required=True, help="a category code declared in registry.yaml")
@click.option(
    "--registry",
    "registry",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="the registry directory",
)
@lang_option
@reports_errors
def new_power(power_id: str, category: str, registry: Path, lang: str | None) -> None:
    """Write powers/ID.yaml: a power of the category with one flowchart of the usual
    shape, risk points and countermeasures, and （待填写：…） where the department's own
    text goes. It validates as written.

    \b
    Example:
        powerreg new power XK-017 --category XK --registry my-registry/
        powerreg validate my-registry/
    """
    path = write_new_power(registry, power_id, category)
    click.echo(say("wrote_new_power", lang or default_lang(), path=path))
