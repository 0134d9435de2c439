"""Electronic supervision: replaying case logs, and generating them."""

from __future__ import annotations

import sys
from datetime import datetime
from functools import partial
from pathlib import Path

import click

from ..errors import UsageError
from ..lang import default_lang
from ..monitor import add_to_catalog
from ..monitor import monitor as run_monitor
from ..monitor import synth_cases as generate
from ..monitor.engine import monitor_dask
from . import PATH_ARG, _load, format_option, lang_option, main, output_option, reports_errors
from .words import say

#: Most cases ``synth-cases`` makes: about ten million events, all held in memory.
MAX_CASES = 1_000_000


@main.command()
@click.argument("log", type=click.Path(exists=True, path_type=Path))
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
@format_option("text", "json", "markdown")
@click.option(
    "--fail-on",
    type=click.Choice(["red", "yellow", "deviation", "never"]),
    default="never",
    show_default=True,
    help="exit 1 on a red card (red), a yellow or red card (yellow), or those or any "
    "deviation M101–M104 (deviation)",
)
@click.option(
    "--catalog",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="add tables cases, case_events and alerts to this catalog (from export)",
)
@click.option(
    "--engine",
    type=click.Choice(["single", "dask"]),
    default="single",
    show_default=True,
    help="dask: replay a Parquet log on a Dask cluster, shuffled by case (extra scale)",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="with --engine dask: the scheduler of an existing cluster (tcp://host:8786); "
    "default: a local cluster on this machine's cores",
)
@lang_option
@reports_errors
def monitor(
    log: Path,
    registry_path: Path | None,
    as_of: datetime | None,
    fmt: str,
    fail_on: str,
    catalog: Path | None,
    engine: str,
    scheduler: str | None,
    lang: str | None,
) -> None:
    """Replay a case log on the flowcharts: deviations, deadlines, yellow and red cards.

    LOG is a CSV, JSON Lines or Parquet file (or a directory of Parquet files,
    partitioned e.g. by month) of events: case_id, power_id, step_id, timestamp,
    and optionally flowchart_id, actor, note. Rows that cannot be replayed are reported
    on stderr by line (exit 1); the others are replayed. Without --as-of every case is
    taken as closed. With --fail-on, a finding that reaches it exits 1 too (e.g. in a
    nightly job: --fail-on red).

    \b
    Examples:
        powerreg monitor examples/cases/cases.csv --as-of 2011-12-30
        powerreg monitor cases.csv --registry my-registry/ --format markdown > report.md
        powerreg monitor cases.csv --catalog catalog.db   # publish the results
        powerreg monitor cases/ --engine dask --scheduler tcp://10.0.0.5:8786
        powerreg monitor cases.csv --fail-on red || notify-supervisors
    """

    if scheduler is not None and engine != "dask":
        raise UsageError("cli.scheduler_needs_dask")
    reg = _load(registry_path or catalog)
    replay = run_monitor if engine == "single" else partial(monitor_dask, scheduler=scheduler)
    result = replay(
        log,
        reg,
        as_of=as_of.date() if as_of else None,
        lang=lang,  # type: ignore[arg-type]
    )
    for problem in result.problems:
        click.echo(problem.as_line(result.lang), err=True)
    if fmt == "markdown":
        click.echo(result.to_markdown())
    else:  # written a part at a time: a big log's report is never one string
        write = result.write_json if fmt == "json" else result.write_text
        write(sys.stdout)
        sys.stdout.write("\n")
        sys.stdout.flush()
    if catalog is not None:
        add_to_catalog(result, catalog)
        click.echo(say("monitor_to_catalog", result.lang, catalog=catalog), err=True)
    failed = result.fails(fail_on)  # type: ignore[arg-type]
    if result.problems:
        click.echo(
            say("rows_left_out", result.lang, n=len(result.problems), rows=result.rows), err=True
        )
    if failed:
        click.echo(say("monitor_fails", result.lang, fail_on=fail_on), err=True)
    if result.problems or failed:
        sys.exit(1)


@main.command("synth-cases")
@PATH_ARG
@click.option(
    "-n",
    "--cases",
    "n_cases",
    type=click.IntRange(min=0, max=MAX_CASES),
    default=1000,
    show_default=True,
    help=f"cases to make (at most {MAX_CASES:,}: about ten million events, held in memory)",
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
@output_option(
    "the log: .csv, .jsonl for JSON Lines, .parquet; a directory of Parquet files "
    "by month with --format parquet and no suffix",
    kind="any",
)
@click.option(
    "--truth",
    type=click.Path(dir_okay=False, path_type=Path),
    help="also write the truth (deviations injected, alerts expected) as JSON",
)
@click.option(
    "--format",
    "log_format",
    type=click.Choice(["csv", "jsonl", "parquet"]),
    help="the log's format (default: from the output's suffix; parquet needs extra scale)",
)
@lang_option
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
    log_format: str | None,
    lang: str | None,
) -> None:
    """Generate a case log with known truth on a registry's flowcharts, for tests and
    benchmarks of `powerreg monitor`.

    \b
    Example:
        powerreg synth-cases -n 500 --seed 1 -o cases.csv --truth truth.json
        powerreg monitor cases.csv
        powerreg synth-cases -n 100000 --format parquet -o cases/   # by month
    """

    reg = _load(path)
    source = reg.source_root  # never written into
    log = generate(reg, n_cases, seed, deviation_rate, delay_rate, start.date())
    suffix = out.suffix.lower()
    fmt = log_format or {".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}.get(
        suffix, "csv"
    )
    by_month = fmt == "parquet" and suffix not in (".parquet", ".pq")
    written = log.write(out, fmt, by_month=by_month, truth=truth, source=source)
    click.echo(
        say(
            "wrote_cases",
            lang or default_lang(),
            path=written,
            events=log.events,
            n=n_cases,
            deviations=len(log.injected),
            alerts=len(log.alerts),
        )
    )
