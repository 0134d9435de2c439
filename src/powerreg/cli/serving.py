"""Live electronic supervision: the service, its tokens, and its state in the catalog."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import click

from ..errors import UsageError
from ..lang import default_lang
from ..machine import second_process
from ..service import Store, Supervisor, add_token, export_state
from ..service.clock import clock_of
from . import F, _load, lang_option, main, reports_errors
from .words import say

STATE = click.option(
    "--state",
    type=click.Path(dir_okay=False, path_type=Path),
    help="the service's state database (SQLite; created if new)",
)


def _registry_option(help: str) -> Callable[[F], F]:
    return click.option(
        "--registry",
        "registry_path",
        type=click.Path(exists=True, path_type=Path),
        help=help,
    )


@main.group(invoke_without_command=True)
@_registry_option("registry directory or catalog .db (default: the bundled one)")
@STATE
@click.option(
    "--listen",
    default="127.0.0.1:8765",
    show_default=True,
    help="HOST:PORT to listen on (port 0: a free one); keep 127.0.0.1 behind a proxy",
)
@click.option(
    "--today",
    metavar="DATE|events",
    help="take DATE as today, the clock standing still; or 'events': today is the day of "
    "the latest event received (to load a history as it happened)",
)
@click.option(
    "--tick",
    type=click.FloatRange(min=0.1),
    default=60.0,
    show_default=True,
    help="seconds between looks at the clock (it is also read on every request)",
)
@click.option(
    "--max-body",
    type=click.IntRange(min=1024),
    default=8 << 20,
    show_default=True,
    help="largest request body in bytes (413 past it)",
)
@lang_option
@click.pass_context
@reports_errors
def supervise(
    ctx: click.Context,
    registry_path: Path | None,
    state: Path | None,
    listen: str,
    today: str | None,
    tick: float,
    max_body: int,
    lang: str | None,
) -> None:
    """Live electronic supervision (网上实时监察): a service that takes the events of cases
    as they happen and keeps the feed of deviations, warnings, yellow and red cards.

    Without a subcommand it serves: POST /events (JSON array or JSON Lines),
    GET /alerts?after=CURSOR, GET /cases/ID, GET /powers, GET /health. Requests carry
    Authorization: Bearer TOKEN (see add-token). Stop it with Ctrl-C.

    \b
    Examples:
        powerreg supervise --state state.db
        powerreg supervise add-token xk-system --state state.db --powers XK-001,XK-002
        powerreg supervise add-token office --state state.db --reader
        powerreg supervise export --state state.db --catalog build/catalog.db
    """
    if ctx.invoked_subcommand is not None:
        return
    if state is None:
        raise UsageError("service.state_not_given_supervise")
    # the HTTP stack (extra 'serve') is imported only to serve
    try:
        from ..service.app import SETTLE_AFTER
        from ..service.server import address, bind, configure_logging, serve
        from ..service.settler import SettledApart
    except ImportError as err:
        raise UsageError("service.serve_extra_missing", module=str(err.name)) from err
    clock = clock_of(today)  # a bad --today is said before anything is loaded
    reg = _load(registry_path)
    sock = bind(listen)
    configure_logging()
    supervisor: Supervisor
    if second_process(load_aware=False):  # the settling on the second core
        supervisor = SettledApart(
            reg, state, today=today, tick_every=tick, settle_after=SETTLE_AFTER
        )
    else:
        supervisor = Supervisor(reg, state, clock=clock)
    try:
        click.echo(
            say(
                "supervise_listening",
                lang or default_lang(),
                registry=reg.id,
                n=len(supervisor.cases),
                day=supervisor.as_of.isoformat(),
                address=address(sock),
            ),
            err=True,
        )
        serve(supervisor, sock, max_body=max_body, tick_every=tick)
    finally:
        supervisor.close()
        sock.close()


@supervise.command("add-token")
@click.argument("name")
@STATE
@click.option(
    "--powers",
    help="comma-separated power ids this system posts events of (and reads, with --reader)",
)
@click.option(
    "--reader",
    is_flag=True,
    help="may read the feed, cases and summary (of --powers, or of every power)",
)
@_registry_option("check --powers against this registry (default: the bundled one)")
@lang_option
@reports_errors
def add_token_command(
    name: str,
    state: Path | None,
    powers: str | None,
    reader: bool,
    registry_path: Path | None,
    lang: str | None,
) -> None:
    """Make a token, print it once, and store only its hash.

    A token with --powers may post the events of those powers (403 for others); with
    --reader it may read the feed, the cases and the summary. Keep the token secret:
    it cannot be shown again.

    \b
    Examples:
        powerreg supervise add-token xk-system --state state.db --powers XK-001,XK-002
        powerreg supervise add-token office --state state.db --reader
    """
    if state is None:
        raise UsageError("service.state_not_given")
    chosen = frozenset(p.strip() for p in powers.split(",") if p.strip()) if powers else None
    if powers is not None and not chosen:
        raise UsageError("service.powers_none_given")
    store = Store(state)
    try:
        token, secret = add_token(
            store, name, powers=chosen, reader=reader, registry=_load(registry_path)
        )
    finally:
        store.close()
    click.echo(secret)
    lang = lang or default_lang()
    shown = ", ".join(sorted(token.powers)) if token.powers is not None else None
    every = say("supervise_every_power", lang)
    rights = [say("supervise_posts", lang, powers=shown)] if token.send else []
    rights += [say("supervise_reads", lang, powers=shown or every)] if token.read else []
    click.echo(
        say(
            "supervise_token",
            lang,
            name=token.name,
            rights=say("supervise_and", lang).join(rights),
            state=state,
        ),
        err=True,
    )


@supervise.command("export")
@STATE
@click.option(
    "--catalog",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="the catalog (from powerreg export) to add cases, case_events and alerts to",
)
@_registry_option("registry directory or catalog .db (default: the --catalog)")
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="replay as of DATE (default: the day the service last brought its state to)",
)
@lang_option
@reports_errors
def export_command(
    state: Path | None,
    catalog: Path,
    registry_path: Path | None,
    as_of: datetime | None,
    lang: str | None,
) -> None:
    """Add the service's cases and findings to a published catalog, as
    powerreg monitor --catalog adds those of a log.

    \b
    Example:
        powerreg export -o build/catalog.db
        powerreg supervise export --state state.db --catalog build/catalog.db
    """
    if state is None:
        raise UsageError("service.state_not_given")
    reg = _load(registry_path or catalog)
    result = export_state(state, reg, catalog, as_of=as_of.date() if as_of else None)
    lang = lang or default_lang()
    click.echo(result.sentence("zh" if lang == "zh" else "en"))
    click.echo(say("supervise_exported", lang, catalog=catalog), err=True)
