"""Loading and describing a registry: validate, stats, schema."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..codes import CODES
from ..errors import RegistryError
from ..formats import json_items, markdown_list, sarif_log
from ..lang import Lang, default_lang
from ..schemas import stale_schemas, write_schemas
from . import PATH_ARG, _load, format_option, lang_option, main, output_option, reports_errors


@main.command()
@PATH_ARG
@format_option("text", "json", "markdown", "sarif")
@lang_option
@reports_errors
def validate(path: Path | None, fmt: str, lang: str | None) -> None:
    """Load a registry and report every problem as FILE:LINE:COL: CODE message.

    With --format json, markdown or sarif the problems (none if it loads) go to stdout
    in that form, as `powerreg audit` prints its findings; exit 1 if there are any.

    \b
    Examples:
        powerreg validate my-registry/
        powerreg validate my-registry/ --format sarif > validate.sarif
    """
    try:
        reg = _load(path)
    except RegistryError as err:
        if fmt == "text":
            raise
        problems = err.problems
        name = str(path)
    else:
        problems = []
        name = reg.id
    if fmt != "text":
        shown: Lang = lang or default_lang()  # type: ignore[assignment]
        if fmt == "json":
            out = {"ok": not problems, "registry": name, "problems": json_items(problems, shown)}
            click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        elif fmt == "markdown":
            click.echo(markdown_list(f"Validation of {name}", problems, shown), nl=False)
        else:
            loading = [c for c in CODES if c.startswith("E")]
            log = sarif_log(problems, shown, codes=loading, source_root=str(path or "."))
            click.echo(json.dumps(log, ensure_ascii=False, indent=2))
        if problems:
            sys.exit(1)
        return
    s = reg.stats()
    click.echo(
        f"ok: {reg.id}: {s.categories} categories, {s.powers} powers, "
        f"{s.flowcharts} flowcharts, {s.risk_points} risk points, "
        f"{s.countermeasures} countermeasures"
    )


@main.command()
@PATH_ARG
@format_option("text", "json")
@reports_errors
def stats(path: Path | None, fmt: str) -> None:
    """Count categories, powers, flowcharts, risk points and countermeasures.

    \b
    Example:
        powerreg stats --format json
    """
    reg = _load(path)
    s = reg.stats()
    if fmt == "json":
        click.echo(
            json.dumps(
                {"registry": reg.id, **s.model_dump(), "sentence": s.sentence},
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    click.echo(f"{reg.department} ({reg.year}) — {reg.id}")
    click.echo(s.sentence)
    rows = [
        ("categories", s.categories),
        ("powers", s.powers),
        ("flowcharts", s.flowcharts),
        ("steps", s.steps),
        ("risk points", s.risk_points),
        ("countermeasures", s.countermeasures),
    ]
    for name, n in rows:
        click.echo(f"  {name:<16}{n:>8}")
    levels = ", ".join(f"{k} {v}" for k, v in s.risk_points_by_level.items())
    click.echo(f"  risk points by level: {levels}")
    cats = ", ".join(f"{k} {v}" for k, v in s.powers_by_category.items())
    click.echo(f"  powers by category: {cats}")


@main.command()
@output_option(
    "directory of the schemas",
    default=Path("schemas"),
)
@click.option("--check", is_flag=True, help="exit 1 if the files differ from the models")
@reports_errors
def schema(out: Path, check: bool) -> None:
    """Write (or check) the JSON Schemas of registry.yaml and of power files.

    \b
    Example:
        powerreg schema --check
    """

    if check:
        stale = stale_schemas(out)
        if stale:
            for name in stale:
                click.echo(f"{out / name}: out of date; run 'powerreg schema -o {out}'", err=True)
            sys.exit(1)
        click.echo(f"ok: schemas in {out} match the models")
        return
    for path in write_schemas(out):
        click.echo(f"wrote {path}")
