"""The load cache: ``cache`` (where it is, how big) and ``cache clear``."""

from __future__ import annotations

import click

from ..lang import default_lang
from ..loadcache import KEEP_DAYS, cache_dir, cache_enabled, cache_size, clear_cache
from . import lang_option, main, reports_errors
from .words import say


@main.group(invoke_without_command=True)
@lang_option
@click.pass_context
@reports_errors
def cache(ctx: click.Context, lang: str | None) -> None:
    """Where the load cache is and how big: what loading each power file produced, kept
    by the file's bytes so that an unchanged registry loads without parsing it again.
    Entries unused for 30 days go by themselves; deleting the cache is always safe.

    \b
    Example:
        powerreg cache
        powerreg cache clear
    """
    if ctx.invoked_subcommand is not None:
        return
    lang = lang or default_lang()
    entries, size = cache_size()
    click.echo(say("cache_info", lang, path=cache_dir(), n=entries, mib=f"{size / 2**20:.1f}"))
    click.echo(say("cache_kept", lang, days=KEEP_DAYS))
    if not cache_enabled():
        click.echo(say("cache_off", lang))


@cache.command("clear")
@lang_option
@reports_errors
def cache_clear(lang: str | None) -> None:
    """Delete the load cache (the next load parses every file and fills it again).

    \b
    Example:
        powerreg cache clear
    """
    lang = lang or default_lang()
    where = cache_dir()
    click.echo(say("cache_cleared" if clear_cache() else "cache_none", lang, path=where))
