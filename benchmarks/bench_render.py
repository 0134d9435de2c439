"""Benchmark: ``render_all`` over the reference charts against a plain ``dot -Tsvg -O``.

Both run in the same process on the same DOT files, alternately, several times, each
creating its output files afresh; the medians and their ratio are printed (goal:
render_all ≤ 1.3 × plain dot, PERF.md). render_all's time includes making the DOT text
from the registry and moving the files into place. Uses
the bundled reference registry (118 charts); while it does not load yet, the minimal
example's two powers cloned to the same number of charts.

Usage::

    .venv/bin/python benchmarks/bench_render.py [--repeat 7] [--check]

(``benchmarks/run.py`` calls ``main([])`` when ``bench_render`` is in its ``MODULES``.)
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import powerreg
from powerreg.errors import PowerregError
from powerreg.model import Registry
from powerreg.render import render_all
from powerreg.render.files import _workers

GOAL = 1.3
MINIMAL = Path(__file__).resolve().parents[1] / "examples" / "minimal"


def reference_or_stand_in(charts: int = 118) -> tuple[Registry, str]:
    """The reference registry, or the minimal example cloned to ``charts`` charts."""
    try:
        from powerreg.reference import load_reference

        reference = load_reference()
        if reference.stats().flowcharts:
            return reference, "reference registry"
        why = "it has no charts yet"
    except PowerregError as err:
        why = f"it does not load yet ({str(err).splitlines()[0]} …)"
    minimal = powerreg.load(MINIMAL)
    data = minimal.model_dump(by_alias=True, exclude={"powers"})
    originals = [p.model_dump(by_alias=True) for p in minimal.powers.values()]
    powers = {}
    for i in range(charts):
        power = dict(originals[i % len(originals)])
        power["id"] = f"{power['category']}-{i + 1:03d}"
        powers[power["id"]] = power
    stand_in = Registry.model_validate({**data, "powers": powers})
    return stand_in, f"minimal example cloned to {charts} charts (reference: {why})"


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main(argv: list[str]) -> list[dict[str, object]]:
    """Measure; print; return the rows ``benchmarks/run.py`` tabulates."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--check", action="store_true", help=f"exit 1 above {GOAL}×")
    args = parser.parse_args(argv)
    dot = shutil.which("dot")
    if dot is None:
        print("bench_render: graphviz 'dot' is not installed; skipped", file=sys.stderr)
        return []
    registry, what = reference_or_stand_in()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sources = render_all(registry, root / "sources", format="dot")
        plain_dir = root / "plain"
        plain_dir.mkdir()
        files = []
        for i, source in enumerate(sources):
            files.append(f"{i}.gv")
            shutil.copy(source, plain_dir / files[-1])

        def ours() -> None:
            render_all(registry, root / "out", format="svg")

        def plain() -> None:
            subprocess.run([dot, "-Tsvg", "-O", *files], cwd=plain_dir, check=True)

        def clear_plain_outputs() -> None:
            # dot overwriting last run's files can be faster than creating them (as a
            # first run does, and as render_all always does in its temporary directory)
            for svg in plain_dir.glob("*.svg"):
                svg.unlink()

        ours()  # warm up: imports, font cache
        plain()
        mine, theirs = [], []
        for _ in range(args.repeat):
            mine.append(timed(ours))
            clear_plain_outputs()
            theirs.append(timed(plain))
        one_each = timed(
            lambda: [
                subprocess.run([dot, "-Tsvg", "-o", f"{f}.one.svg", f], cwd=plain_dir, check=True)
                for f in files
            ]
        )
    a, b = statistics.median(mine), statistics.median(theirs)
    ratio = a / b
    cores, load = len(os.sched_getaffinity(0)), os.getloadavg()[0]
    print(f"charts: {len(sources)} ({what})")
    print(f"dot processes of render_all: {_workers(len(sources))} (cores {cores}, load {load:.2f})")
    print(f"render_all(format='svg'):        median {a * 1000:7.1f} ms of {args.repeat}")
    print(f"plain 'dot -Tsvg -O' (1 process): median {b * 1000:7.1f} ms of {args.repeat}")
    print(f"one dot process per chart (once): {one_each * 1000:7.1f} ms")
    verdict = "met" if ratio <= GOAL else "NOT met"
    print(f"ratio render_all / plain dot: {ratio:.2f}× (goal ≤ {GOAL}×: {verdict})")
    rows: list[dict[str, object]] = [
        {
            "case": f"render_all svg, {len(sources)} charts, vs one plain dot -Tsvg -O",
            "baseline_s": b,
            "powerreg_s": a,
            "ratio": ratio,
            "goal": f"≤ {GOAL}×",
        },
        {
            "case": "render_all svg vs one dot process per chart",
            "baseline_s": one_each,
            "powerreg_s": a,
            "ratio": a / one_each,
            "goal": "for scale",
        },
    ]
    if args.check and ratio > GOAL:
        raise SystemExit(1)
    return rows


if __name__ == "__main__":
    main(sys.argv[1:])
