"""Loading and describing a registry: validate, stats, schema."""

from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..codes import CODES
from ..errors import RegistryError
from ..formats import json_items, markdown_list, sarif_log
from ..lang import Lang, default_lang
from ..layout import is_power_file, is_registry_dir
from ..textsafe import one_line
from ..verdicts import Verdict, recall, remember
from . import (
    PATH_ARG,
    _load,
    format_option,
    lang_option,
    main,
    output_option,
    reports_errors,
)
from .words import say

if TYPE_CHECKING:
    from ..model import Registry

# The models, the loader and the roll-up are imported where they are used: a validate
# answered from a remembered verdict (:mod:`..verdicts`) needs none of them.


def _load_file(path: Path) -> Registry:
    from ..directory import load_power_file

    return load_power_file(path)


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
        powerreg validate province/rollup.yaml    # every department of a roll-up
    """
    one_file = path is not None and is_power_file(path)
    registry_dir = path is not None and is_registry_dir(path)
    if not one_file and not registry_dir:
        from ..rollup import find_rollup

        if (rollup := find_rollup(path)) is not None:
            from . import rollups

            rollups.validate(rollup, fmt, lang)
            return
    # a directory whose bytes loaded cleanly before: the answer without loading it again
    key, known = recall(path) if path is not None and registry_dir else (None, None)
    reg = None
    try:
        if known is not None:
            verdict = known
        else:
            reg = _load_file(path) if one_file and path is not None else _load(path)
            if path is not None and key is not None:
                remember(path, key, reg)
            verdict = Verdict.of(reg)
    except RegistryError as err:
        if fmt == "text":
            raise
        problems = err.problems
        name = str(path)
    else:
        problems = []
        name = verdict.id
    if fmt != "text":
        shown: Lang = lang or default_lang()  # type: ignore[assignment]
        if fmt == "json":
            out = {"ok": not problems, "registry": name, "problems": json_items(problems, shown)}
            click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        elif fmt == "markdown":
            title = say("validation_of", shown, name=name)
            click.echo(markdown_list(title, problems, shown), nl=False)
        else:
            loading = [c for c in CODES if c.startswith("E")]
            log = sarif_log(problems, shown, codes=loading, source_root=str(path or "."))
            click.echo(json.dumps(log, ensure_ascii=False, indent=2))
        if problems:
            sys.exit(1)
        return
    said: Lang = lang or default_lang()  # type: ignore[assignment]
    if one_file:
        assert reg is not None
        [power] = reg.powers.values()
        click.echo(say("valid_file", said, file=path, id=power.id, registry=reg.id))
        return
    click.echo(
        say(
            "valid",
            said,
            id=verdict.id,
            categories=verdict.categories,
            powers=verdict.powers,
            flowcharts=verdict.flowcharts,
            risks=verdict.risk_points,
            measures=verdict.countermeasures,
            files=verdict.files,
        )
    )


@main.command()
@PATH_ARG
@format_option("text", "json")
@lang_option
@reports_errors
def stats(path: Path | None, fmt: str, lang: str | None) -> None:
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
    click.echo(f"{one_line(reg.department)} ({reg.year}) — {reg.id}")
    click.echo(s.sentence)
    said: Lang = lang or default_lang()  # type: ignore[assignment]
    names = say("stats_rows", said).split("|")
    counts = (s.categories, s.powers, s.flowcharts, s.steps, s.risk_points, s.countermeasures)
    for name, n in zip(names, counts, strict=True):
        wide = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in name)
        click.echo(f"  {name}{' ' * (16 - wide)}{n:>8}")
    from ..model import LABELS_ZH

    shown = LABELS_ZH if said == "zh" else {}
    levels = ", ".join(f"{shown.get(k, k)} {v}" for k, v in s.risk_points_by_level.items())
    click.echo("  " + say("by_level", said, levels=levels))
    cats = ", ".join(f"{k} {v}" for k, v in s.powers_by_category.items())
    click.echo("  " + say("by_category", said, cats=cats))


@main.command()
@output_option(
    "directory of the schemas",
    default=Path("schemas"),
)
@click.option("--check", is_flag=True, help="exit 1 if the files differ from the models")
@lang_option
@reports_errors
def schema(out: Path, check: bool, lang: str | None) -> None:
    """Write (or check) the JSON Schemas of registry.yaml and of power files.

    \b
    Example:
        powerreg schema --check
    """
    from ..schemas import stale_schemas, write_schemas

    said: Lang = lang or default_lang()  # type: ignore[assignment]
    if check:
        stale = stale_schemas(out)
        if stale:
            for name in stale:
                click.echo(say("schema_stale", said, path=out / name, out=out), err=True)
            sys.exit(1)
        click.echo(say("schemas_ok", said, out=out))
        return
    for path in write_schemas(out):
        click.echo(say("wrote", said, path=path))
