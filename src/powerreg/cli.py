"""The ``powerreg`` command: thin wrappers that parse options, call the library, print.

Exit status (SPEC §5): 0 success · 1 the registry is invalid or the audit fails · 2 usage
or I/O error. Results go to stdout, diagnostics to stderr. This is the only module that
prints or exits.
"""

from __future__ import annotations

import functools
import json
import sys
import time
from collections.abc import Callable
from datetime import datetime
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
@PATH_ARG
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="catalog to write, e.g. catalog.db; its Datasette metadata goes beside it",
)
@reports_errors
def export(path: Path | None, out: Path) -> None:
    """Write the SQLite catalog and FILE.metadata.json for Datasette (SPEC §7).

    The catalog is replaced atomically: a failed export leaves the previous one.

    \b
    Examples:
        powerreg export my-registry/ -o catalog.db
        datasette catalog.db -m catalog.metadata.json
    """
    from .catalog import export_sqlite, metadata_path_for

    reg = _load(path)
    db = export_sqlite(reg, out)
    s = reg.stats()
    click.echo(
        f"wrote {db}: {s.powers} powers, {s.flowcharts} flowcharts, "
        f"{s.risk_points} risk points, {s.countermeasures} countermeasures"
    )
    meta = metadata_path_for(db)
    click.echo(f"wrote {meta}; serve with: datasette {db} -m {meta}")


@main.command()
@PATH_ARG
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(path_type=Path),
    default=Path("build"),
    show_default=True,
    help="output directory (replaced atomically)",
)
@click.option(
    "--policy",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML audit policy",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info", "never"]),
    default="error",
    show_default=True,
    help="audit severity that stops the build",
)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default=None,
    help="language of the audit (default: from the locale)",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="summary for people, or JSON for programs",
)
@click.option("-q", "--quiet", is_flag=True, help="print nothing on success")
@reports_errors
def build(
    path: Path | None,
    out: Path,
    policy: Path | None,
    fail_on: str,
    lang: str | None,
    fmt: str,
    quiet: bool,
) -> None:
    """The main job: validate, audit, render every chart and export the catalog into DIR.

    Writes audit.md, audit.json, diagrams/, catalog.db and metadata.json; a failing step
    stops the build (exit 1) and leaves the previous DIR as it was.

    \b
    Example:
        powerreg build -o build/ && datasette build/catalog.db -m build/metadata.json
    """
    from .build import STAGES, AuditFailed, summary_json
    from .build import build as run_build

    t0 = time.perf_counter()
    reg = _load(path)
    loaded = time.perf_counter() - t0
    show = not quiet and fmt == "text" and sys.stderr.isatty()
    bar = click.progressbar(length=len(STAGES), label="building", file=sys.stderr) if show else None

    def on_stage(name: str) -> None:
        if bar is not None:
            bar.label = f"building: {name}"
            bar.update(1 if name != STAGES[0] else 0)

    try:
        result = run_build(
            reg,
            out,
            policy=policy,
            fail_on=fail_on,  # type: ignore[arg-type]
            lang=lang,
            on_stage=on_stage,
        )
    except AuditFailed as err:
        click.echo(err.report.to_text(), err=True)
        click.echo(
            f"build stopped: the audit fails at --fail-on {fail_on}; '{out}' is unchanged", err=True
        )
        sys.exit(1)
    finally:
        if bar is not None:
            bar.render_finish()
    result.seconds = {"load": loaded, **result.seconds}
    if fmt == "json":
        click.echo(summary_json(result))
        return
    if quiet:
        return
    s = result.stats
    click.echo(f"{result.department} — {result.registry}")
    click.echo(s.sentence)
    cover = "; ".join(
        f"{lv} {s.risk_points_by_level[lv]} risk points / "
        f"{s.countermeasures_by_level[lv]} countermeasures"
        for lv in s.risk_points_by_level
    )
    click.echo(f"coverage by level: {cover}")
    a = result.audit_counts
    click.echo(
        f"audit: {'ok' if result.audit_ok else 'FAILED'} — {a['error']} errors, "
        f"{a['warning']} warnings, {a['info']} infos"
    )
    click.echo(
        f"wrote {out}/: audit.md, audit.json, diagrams/ ({len(result.diagrams)} charts), "
        "catalog.db, metadata.json"
    )
    total = sum(result.seconds.values())
    stages = ", ".join(f"{k} {v:.2f}s" for k, v in result.seconds.items())
    click.echo(f"time: {total:.2f}s ({stages})")
    click.echo(f"browse: {result.browse_command}")


@main.command()
@PATH_ARG
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="directory of the diagrams: DIR/<power id>/<flowchart id>.<ext>",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["svg", "png", "pdf", "dot"]),
    default="svg",
    show_default=True,
    help="drawn by graphviz; dot writes the DOT sources only, for post-processing",
)
@reports_errors
def render(path: Path | None, out: Path, fmt: str) -> None:
    """Draw every flowchart with its risk points: DIR/<power id>/<flowchart id>.<ext>.

    \b
    Example:
        powerreg render my-registry/ -o diagrams/ --format png
    """
    from .render import render_all

    paths = render_all(_load(path), out, format=fmt)
    click.echo(f"wrote {len(paths)} diagram{'s' * (len(paths) != 1)} to {out}")


@main.command()
@click.argument("n_powers", metavar="N", type=click.IntRange(min=0))
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="directory to write into: new, empty, or a registry to replace",
)
@click.option("--seed", type=int, default=0, show_default=True, help="same seed, same files")
@reports_errors
def synth(n_powers: int, out: Path, seed: int) -> None:
    """Write a made-up registry of N powers in the shape of the bundled one.

    The reference's seven categories in its proportions, 1–3 flowcharts per power,
    about 3 risk points per power and 3 countermeasures per risk point, Chinese text;
    the default audit finds nothing in it. The same N and --seed give the same files.
    For tests and benchmarks: the data is made up.

    \b
    Example:
        powerreg synth 10000 -o build/synth-10k --seed 1
        powerreg audit build/synth-10k
    """
    from .synth import generate, write_registry

    reg = generate(n_powers, seed=seed)
    if sys.stderr.isatty():
        with click.progressbar(length=len(reg.powers), label="writing", file=sys.stderr) as bar:
            path = write_registry(reg, out, progress=bar.update)
    else:
        path = write_registry(reg, out)
    click.echo(f"wrote {path}: {reg.stats().sentence}")


@main.command()
@click.argument("log", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--registry",
    "registry_path",
    type=click.Path(exists=True, path_type=Path),
    help="registry directory or catalog .db (default: the --catalog, else the bundled one)",
)
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="the log as it stood at the end of DATE: later events are left out, and cases "
    "not at an end step are open, their clock running to DATE",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
)
@click.option(
    "--catalog",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="add tables cases, case_events and alerts to this catalog (from export)",
)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default=None,
    help="language of the messages (default: from the locale)",
)
@reports_errors
def monitor(
    log: Path,
    registry_path: Path | None,
    as_of: datetime | None,
    fmt: str,
    catalog: Path | None,
    lang: str | None,
) -> None:
    """Replay a case log on the flowcharts: deviations, deadlines, yellow and red cards.

    LOG is a CSV or JSON Lines file of events: case_id, power_id, step_id, timestamp,
    and optionally flowchart_id, actor, note. Rows that cannot be replayed are reported
    on stderr by line (exit 1); the others are replayed. Without --as-of every case is
    taken as closed.

    \b
    Examples:
        powerreg monitor examples/cases/cases.csv --as-of 2011-12-30
        powerreg monitor cases.csv --registry my-registry/ --format markdown > report.md
        powerreg monitor cases.csv --catalog catalog.db   # publish the results
    """
    from .monitor import add_to_catalog
    from .monitor import monitor as run_monitor

    reg = _load(registry_path or catalog)
    result = run_monitor(
        log,
        reg,
        as_of=as_of.date() if as_of else None,
        lang=lang,  # type: ignore[arg-type]
    )
    for problem in result.problems:
        click.echo(str(problem), err=True)
    render = {"text": result.to_text, "json": result.to_json, "markdown": result.to_markdown}
    click.echo(render[fmt]())
    if catalog is not None:
        add_to_catalog(result, catalog)
        click.echo(f"added tables cases, case_events and alerts to {catalog}", err=True)
    if result.problems:
        n = len(result.problems)
        click.echo(f"{n} row{'s' * (n != 1)} of {result.rows} left out", err=True)
        sys.exit(1)


@main.command("synth-cases")
@PATH_ARG
@click.option(
    "-n", "--cases", "n_cases", type=click.IntRange(min=0), default=1000, show_default=True
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--deviation-rate",
    type=click.FloatRange(0, 1),
    default=0.1,
    show_default=True,
    help="share of cases given one deviation (M101–M104)",
)
@click.option(
    "--delay-rate",
    type=click.FloatRange(0, 1),
    default=0.1,
    show_default=True,
    help="share of step visits that overrun their days",
)
@click.option(
    "--start",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default="2011-01-04",
    show_default=True,
    help="first day cases start on",
)
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="the log: .csv, or .jsonl for JSON Lines",
)
@click.option(
    "--truth",
    type=click.Path(dir_okay=False, path_type=Path),
    help="also write the truth (deviations injected, alerts expected) as JSON",
)
@reports_errors
def synth_cases(
    path: Path | None,
    n_cases: int,
    seed: int,
    deviation_rate: float,
    delay_rate: float,
    start: datetime,
    out: Path,
    truth: Path | None,
) -> None:
    """Generate a case log with known truth on a registry's flowcharts, for tests and
    benchmarks of `powerreg monitor`.

    \b
    Example:
        powerreg synth-cases -n 500 --seed 1 -o cases.csv --truth truth.json
        powerreg monitor cases.csv
    """
    from .monitor import synth_cases as generate

    log = generate(_load(path), n_cases, seed, deviation_rate, delay_rate, start.date())
    jsonl = out.suffix.lower() in (".jsonl", ".ndjson")
    written = log.write_jsonl(out) if jsonl else log.write_csv(out)
    if truth is not None:
        log.write_truth(truth)
    click.echo(
        f"wrote {written}: {log.events} events of {n_cases} cases, "
        f"{len(log.injected)} with a deviation, {len(log.alerts)} alerts expected"
    )


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
