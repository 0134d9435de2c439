"""The ``powerreg`` command: thin wrappers that parse options, call the library, print.

Exit status (SPEC §5): 0 success · 1 the registry is invalid or the audit fails · 2 usage
or I/O error. Results go to stdout, diagnostics to stderr. This is the only module that
prints or exits.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from .model import Registry

F = TypeVar("F", bound=Callable[..., Any])

PATH_ARG = click.argument(
    "path",
    required=False,
    type=click.Path(exists=True, path_type=Path),
)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("powerreg")
    except PackageNotFoundError:  # pragma: no cover
        return "0.0.0"


def reports_errors(func: F) -> F:
    """Turn library errors into problem lines on stderr and the exit codes of SPEC §5."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from .errors import RegistryError, UsageError

        try:
            return func(*args, **kwargs)
        except RegistryError as err:
            for p in err.problems:
                click.echo(str(p), err=True)
            files = len({p.file for p in err.problems})
            n = len(err.problems)
            click.echo(f"{n} problem{'s' * (n != 1)} in {files} file{'s' * (files != 1)}", err=True)
            sys.exit(1)
        except UsageError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(2)
        except OSError as err:
            where = f": {err.filename}" if err.filename else ""
            click.echo(f"error: {err.strerror or err}{where}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


def _load(path: Path | None) -> Registry:
    if path is None:
        from .reference import load_reference

        return load_reference()
    from .load import load

    return load(path)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(_version(), "--version", prog_name="powerreg")
def main() -> None:
    """Registries of administrative powers, integrity-risk points and countermeasures.

    PATH is a registry directory (registry.yaml + powers/) or a catalog .db; without
    it, commands use the bundled reference registry.

    \b
    Example:
        powerreg validate my-registry/
    """


@main.command()
@PATH_ARG
@reports_errors
def validate(path: Path | None) -> None:
    """Load a registry and report every problem as FILE:LINE:COL: CODE message.

    \b
    Example:
        powerreg validate my-registry/
    """
    reg = _load(path)
    s = reg.stats()
    click.echo(
        f"ok: {reg.id}: {s.categories} categories, {s.powers} powers, "
        f"{s.flowcharts} flowcharts, {s.risk_points} risk points, "
        f"{s.countermeasures} countermeasures"
    )


@main.command()
@PATH_ARG
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for programs",
)
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
@PATH_ARG
@click.option(
    "--policy",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML policy: severities per rule (or off) and thresholds",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown", "sarif"]),
    default="text",
    show_default=True,
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info", "never"]),
    default="error",
    show_default=True,
    help="lowest severity that fails (exit 1)",
)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default=None,
    help="language of the messages (default: from the locale)",
)
@reports_errors
def audit(path: Path | None, policy: Path | None, fmt: str, fail_on: str, lang: str | None) -> None:
    """Audit soundness and risk coverage (SPEC §4); exit 1 if a finding reaches --fail-on.

    \b
    Examples:
        powerreg audit --format markdown > audit.md
        powerreg audit my-registry/ --policy policy.yaml --fail-on warning
        powerreg audit --format sarif > powerreg.sarif   # for GitHub code scanning
    """
    from .audit import audit as run_audit

    reg = _load(path)
    report = run_audit(reg, policy, lang=lang)  # type: ignore[arg-type]
    render = {
        "text": report.to_text,
        "json": report.to_json,
        "markdown": report.to_markdown,
        "sarif": report.to_sarif,
    }[fmt]
    click.echo(render())
    if report.fails(fail_on):  # type: ignore[arg-type]
        sys.exit(1)


@main.command()
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("schemas"),
    show_default=True,
    help="directory of the schemas",
)
@click.option("--check", is_flag=True, help="exit 1 if the files differ from the models")
@reports_errors
def schema(out: Path, check: bool) -> None:
    """Write (or check) the JSON Schemas of registry.yaml and of power files.

    \b
    Example:
        powerreg schema --check
    """
    from .schema import stale_schemas, write_schemas

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
