"""The public website: ``powerreg site``."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import cast

import click

from ..diff import diff
from ..errors import RegistryError
from ..lang import Lang, default_lang
from ..rollup import find_rollup
from ..site import NotPublishable, publish_site, summary_json
from . import (
    PATH_ARG,
    _load,
    format_option,
    lang_option,
    main,
    output_option,
    redraw_option,
    reports_errors,
    rollups,
)
from .words import say


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
@click.option(
    "--previous",
    metavar="OLD",
    help="the previous edition (a directory, a catalog or git:REV): adds the notice of "
    "changes (变更公示)",
)
@click.option(
    "--edition-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="date of this edition on the notice of changes (default: today)",
)
@redraw_option
@lang_option
@format_option("text", "json")
@click.option("-q", "--quiet", is_flag=True, help="print nothing on success")
@reports_errors
def site(
    path: Path | None,
    out: Path,
    policy: Path | None,
    previous: str | None,
    edition_date: datetime | None,
    redraw: bool,
    lang: str | None,
    fmt: str,
    quiet: bool,
) -> None:
    """Write the public website (外网公开): static HTML, CSS, charts and a search index.

    Every power gets a page (powers/<id>.html) with its fields, flowcharts (drawn and as
    text), risk points and countermeasures; a withheld power shows its name and reason
    only. DIR is replaced whole when complete: a failed run leaves it as it was. A chart
    whose DOT text is unchanged since DIR was written is taken from DIR, not drawn again
    (--redraw draws all).

    \b
    Example:
        powerreg site my-registry/ -o site/ --policy publish.yaml
        powerreg site my-registry/ -o site/ --previous git:v2011
        python -m http.server -d site/
        powerreg site province/rollup.yaml -o site/   # a roll-up: every department's site
    """
    if (rollup := find_rollup(path)) is not None:
        rollups.site(rollup, out, policy, lang, fmt, quiet, redraw)
        return
    reg = _load(path, locate_all=True)  # the catalog has every entity's line
    said = cast(Lang, lang or default_lang())
    try:
        changes = None if previous is None else diff(previous, reg)
    except RegistryError as err:  # the previous edition cannot be read: as diff, exit 2
        for p in err.problems:
            click.echo(p.as_line(said), err=True)
        click.echo(say("previous_not_loaded", said, n=len(err.problems)), err=True)
        sys.exit(2)
    try:
        edition = edition_date.date() if edition_date is not None else None
        result = publish_site(
            reg, out, policy=policy, changes=changes, edition=edition, redraw=redraw
        )
    except NotPublishable as err:
        for p in err.problems:
            click.echo(p.as_line(said), err=True)
        click.echo(say("site_refused", said, out=out), err=True)
        sys.exit(1)
    if fmt == "json":
        click.echo(summary_json(result))
        return
    if quiet:
        return
    withheld = say("site_withheld", said, n=len(result.withheld)) if result.withheld else ""
    left_out = (
        say("site_left_out", said, fields=", ".join(result.omitted)) if result.omitted else ""
    )
    click.echo(
        say(
            "wrote_site",
            said,
            out=out,
            pages=result.pages,
            powers=result.powers,
            withheld=withheld,
            charts=result.charts,
            kept=say("site_kept", said, kept=result.charts_kept) if result.charts_kept else "",
            kib=round(result.search_bytes / 1024),
            left_out=left_out,
        )
    )
    click.echo(say("open_site", said, command=result.open_command))
