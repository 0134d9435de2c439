"""Benchmark: ``render_all`` against plain ``dot -Tsvg -O`` on the same DOT files.

- The reference charts against one plain ``dot`` process (goal: ≤ 1.3×, PERF.md).
- The 14,000 charts of 10,000 generated powers (issue 22.2) against the two-core floor:
  the DOT files split into two halves of equal size, each drawn by a plain ``dot -O``,
  the two at once; the time until both end (goal: ≤ 1.15×, which only holds when the
  two processes are busy to the end and making the DOT costs little beside drawing it).

Ours and the baseline run alternately, several times, each creating its output files
afresh; the medians and their ratio are printed. render_all's time includes making the
DOT text from the registry and moving the files into place. The reference is the
bundled registry (118 charts); while it does not load yet, the minimal example's two
powers cloned to the same number of charts.

Usage::

    .venv/bin/python benchmarks/bench_render.py [--repeat 7] [--powers 10000]
        [--big-repeat 3] [--check]

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
#: render_all against two plain dot processes at once (issue 22.2)
TWO_CORE_GOAL = 1.15
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
    parser.add_argument("--powers", type=int, default=10_000, help="generated (0: skip)")
    parser.add_argument("--big-repeat", type=int, default=3)
    parser.add_argument("--check", action="store_true", help="exit 1 if a goal is missed")
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
            render_all(registry, root / "out", format="svg", redraw=True)  # every chart drawn

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
            "limit": GOAL,
            "met": ratio <= GOAL,
        },
        {
            "case": "render_all svg vs one dot process per chart",
            "baseline_s": one_each,
            "powerreg_s": a,
            "ratio": a / one_each,
            "goal": "for scale",
        },
    ]
    if args.powers:
        rows.append(two_cores(dot, args.powers, args.big_repeat))
    missed = [r["case"] for r in rows if r.pop("limit", None) is not None and not r["met"]]
    for r in rows:
        r.pop("met", None)
    if args.check and missed:
        raise SystemExit(1)
    return rows


def two_cores(dot: str, powers: int, repeat: int) -> dict[str, object]:
    """render_all over ``powers`` generated powers against two plain dots at once."""
    from powerreg.synth import generate

    registry = generate(powers, seed=3)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sources = render_all(registry, root / "sources", format="dot")
        plain_dir = root / "plain"
        plain_dir.mkdir()
        sized = []
        for i, source in enumerate(sources):
            shutil.copy(source, plain_dir / f"{i}.gv")
            sized.append((source.stat().st_size, f"{i}.gv"))
        halves: tuple[list[str], list[str]] = ([], [])
        weight = [0, 0]
        for size, name in sorted(sized, reverse=True):  # equal bytes each
            half = weight.index(min(weight))
            halves[half].append(name)
            weight[half] += size

        def ours() -> None:
            render_all(registry, root / "out", format="svg", redraw=True)  # every chart drawn

        def floor() -> None:
            procs = [
                subprocess.Popen([dot, "-Tsvg", "-O", *half], cwd=plain_dir) for half in halves
            ]
            if any(proc.wait() for proc in procs):
                raise SystemExit("bench_render: plain dot failed")

        mine, theirs = [], []
        for _ in range(repeat):
            for svg in plain_dir.glob("*.svg"):
                svg.unlink()
            theirs.append(timed(floor))
            mine.append(timed(ours))
    a, b = statistics.median(mine), statistics.median(theirs)
    ratio = a / b
    verdict = "met" if ratio <= TWO_CORE_GOAL else "NOT met"
    print(f"charts: {len(sources)} ({powers:,} generated powers)")
    print(f"render_all(format='svg'):           median {a:7.2f} s of {repeat}")
    print(f"two plain 'dot -Tsvg -O' at once:   median {b:7.2f} s of {repeat}")
    print(f"ratio render_all / two-core floor: {ratio:.2f}× (goal ≤ {TWO_CORE_GOAL}×: {verdict})")
    return {
        "case": f"render_all svg, {len(sources):,} charts of {powers:,} generated powers, "
        "vs two plain dot -Tsvg -O halves at once",
        "baseline_s": b,
        "powerreg_s": a,
        "ratio": ratio,
        "goal": f"≤ {TWO_CORE_GOAL}×",
        "limit": TWO_CORE_GOAL,
        "met": ratio <= TWO_CORE_GOAL,
    }


if __name__ == "__main__":
    main(sys.argv[1:])
