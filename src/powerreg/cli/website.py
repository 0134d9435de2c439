"""The public website: ``powerreg site``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import cast

import click

from ..lang import Lang
from ..site import NotPublishable, publish_site, summary_json
from . import PATH_ARG, _load, format_option, lang_option, main, output_option, reports_errors


@main.command(name="site")
@PATH_ARG
@output_option(
    "directory of the website: new, empty, or written by 'powerreg site' (replaced whole)"
)
@click.option(
    "--policy",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML publish policy: 'omit: [responsible, …]' lists the fields the site leaves out",
)
@lang_option
@format_option("text", "json")
@click.option("-q", "--quiet", is_flag=True, help="print nothing on success")
@reports_errors
def site(
    path: Path | None,
    out: Path,
    policy: Path | None,
    lang: str | None,
    fmt: str,
    quiet: bool,
) -> None:
    """Write the public website (外网公开): static HTML, CSS, charts and a search index.

    Every power gets a page (powers/<id>.html) with its fields, flowcharts (drawn and as
    text), risk points and countermeasures; a withheld power shows its name and reason
    only. DIR is replaced whole when complete: a failed run leaves it as it was.

    \b
    Example:
        powerreg site my-registry/ -o site/ --policy publish.yaml
        python -m http.server -d site/
    """

    reg = _load(path)
    try:
        result = publish_site(reg, out, policy=policy)
    except NotPublishable as err:
        for p in err.problems:
            click.echo(p.as_line(cast(Lang | None, lang)), err=True)
        click.echo(
            f"the site is not published: a withheld power must state its reason; '{out}' "
            "is unchanged",
            err=True,
        )
        sys.exit(1)
    if fmt == "json":
        click.echo(summary_json(result))
        return
    if quiet:
        return
    withheld = f", {len(result.withheld)} withheld" if result.withheld else ""
    left_out = f"; left out: {', '.join(result.omitted)}" if result.omitted else ""
    click.echo(
        f"wrote {out}/: {result.pages} pages ({result.powers} powers{withheld}), "
        f"{result.charts} charts, search index {result.search_bytes / 1024:.0f} KiB{left_out}"
    )
    click.echo(f"open: {result.open_command}, then http://127.0.0.1:8000/")
