"""Made-up registries at any size."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..lang import default_lang
from ..synth import generate, write_province, write_registry
from . import lang_option, main, output_option, reports_errors
from .words import say

#: Most powers ``synth`` makes: a registry of a million takes about 20 GB of memory (a
#: roll-up's members are made one at a time; a province with its cities and counties
#: holds hundreds of thousands). A typo of more digits is refused, not run out of memory.
MAX_POWERS = 1_000_000


@main.command()
@click.argument("n_powers", metavar="N", type=click.IntRange(min=0, max=MAX_POWERS))
@output_option(
    "directory to write into: new, empty, or a registry to replace",
)
@click.option("--seed", type=int, default=0, show_default=True, help="same seed, same files")
@click.option(
    "--departments",
    type=click.IntRange(min=3),
    default=None,
    help="write a roll-up of this many departments sharing the N powers (rollup.yaml, "
    "members/, and planted.json: the cross-department findings planted)",
)
@lang_option
@reports_errors
def synth(n_powers: int, out: Path, seed: int, departments: int | None, lang: str | None) -> None:
    """Write a made-up registry of N powers in the shape of the bundled one.

    The reference's seven categories in its proportions, 1–3 flowcharts per power,
    about 3 risk points per power and 3 countermeasures per risk point, Chinese text;
    the default audit finds nothing in it. The same N and --seed give the same files.
    For tests and benchmarks: the data is made up.

    \b
    Example:
        powerreg synth 10000 -o build/synth-10k --seed 1
        powerreg audit build/synth-10k
        powerreg synth 20000 --departments 50 -o build/province   # a roll-up
        powerreg audit build/province        # finds what planted.json lists
    """
    if departments is not None:
        said = lang or default_lang()
        if sys.stderr.isatty():
            with click.progressbar(length=departments, label="writing", file=sys.stderr) as bar:
                path = write_province(out, n_powers, departments, seed=seed, progress=bar.update)
        else:
            path = write_province(out, n_powers, departments, seed=seed)
        click.echo(say("wrote_province", said, path=path, n=departments, powers=n_powers))
        return

    reg = generate(n_powers, seed=seed)
    if sys.stderr.isatty():
        with click.progressbar(length=len(reg.powers), label="writing", file=sys.stderr) as bar:
            path = write_registry(reg, out, progress=bar.update)
    else:
        path = write_registry(reg, out)
    click.echo(
        say("wrote_registry", lang or default_lang(), path=path, sentence=reg.stats().sentence)
    )
