"""Made-up registries at any size."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..lang import default_lang
from ..synth import generate, write_registry
from . import lang_option, main, output_option, reports_errors
from .words import say


@main.command()
@click.argument("n_powers", metavar="N", type=click.IntRange(min=0))
@output_option(
    "directory to write into: new, empty, or a registry to replace",
)
@click.option("--seed", type=int, default=0, show_default=True, help="same seed, same files")
@lang_option
@reports_errors
def synth(n_powers: int, out: Path, seed: int, lang: str | None) -> None:
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

    reg = generate(n_powers, seed=seed)
    if sys.stderr.isatty():
        with click.progressbar(length=len(reg.powers), label="writing", file=sys.stderr) as bar:
            path = write_registry(reg, out, progress=bar.update)
    else:
        path = write_registry(reg, out)
    click.echo(
        say("wrote_registry", lang or default_lang(), path=path, sentence=reg.stats().sentence)
    )
