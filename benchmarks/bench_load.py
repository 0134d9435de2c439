"""Load + validate speed, as a ratio to a plain baseline measured in the same run.

Baseline: ``yaml.load`` with libyaml's CSafeLoader + pydantic ``model_validate`` of the
same files, without location tracking or cross-file checks; the goal rows alternate it
with the cold load (this machine's speed drifts from one minute to the next) and compare
medians. Goal (issue 7): ≤ 1.5×; for
generated registries (issue 21.1) a cold load, the load cache off, ≤ 0.25×.

The load cache (issue 21.2), in a temporary directory of its own, for each generated
registry: the first load (filling the cache) against the cold load (no goal: what
filling costs), the warm load of the unchanged registry against the cold load (goal
≤ 0.05×), and the load after one file was edited (one file parsed) against the cold load.
Then ``powerreg validate`` as a user runs it, each in a fresh process: of the unchanged
directory (answered from the remembered verdict of its clean load, :mod:`powerreg.verdicts`)
and after one file was edited, against ``validate`` with the cache off (goal ≤ 0.05×).
From 200 files to parse on, the cold load parses on a pool of worker processes, one a
core but one, the loader parsing the jobs no worker has started (``powerreg.loadpool``),
when the machine has a core to spare (load average below its cores); the rows "one
process" and "worker pool forced" are the cold load without the pool and with it
whatever the load, each with clean files read by rapidyaml (:mod:`powerreg.fastyaml`,
extra ``fast``) and with the careful reader alone. The cache
rows compare with the fastest of the cold loads.

Registries: the example fixture, the bundled reference registry, and directories of N
generated powers (``powerreg.synth``). Run: ``.venv/bin/python benchmarks/bench_load.py
[N ...]`` (default 1000 and 10000).
"""

from __future__ import annotations

import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from powerreg import Power, RegistryMeta, load
from powerreg.fastyaml import FAST_ENV, available
from powerreg.loadcache import CACHE_DIR_ENV, clear_cache
from powerreg.machine import PARALLEL_ENV
from powerreg.model import DEFER_REFERENCES
from powerreg.reference import reference_path
from powerreg.synth import generate, write_registry

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "minimal"


def make_generated(n: int, into: Path) -> Path:
    """A registry directory of ``n`` generated powers."""
    return write_registry(generate(n, seed=7), into / "registry")


def baseline(root: Path) -> None:
    loader = yaml.CSafeLoader
    RegistryMeta.model_validate(yaml.load((root / "registry.yaml").read_bytes(), Loader=loader))
    gc.disable()
    try:
        for path in sorted((root / "powers").glob("*.yaml")):
            data = yaml.load(path.read_bytes(), Loader=loader)
            Power.model_validate(data, context={DEFER_REFERENCES: True})
    finally:
        gc.enable()


def best_of(fn: Callable[[Path], object], arg: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn(arg)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def cold(root: Path) -> object:
    return load(root, cache=False)


def cold_with(pool: str, fast: str = "1") -> Callable[[Path], object]:
    """The cold load with ``POWERREG_PARALLEL`` set to ``pool`` (``0`` one process,
    ``1`` the worker pool whatever the machine's load), and ``POWERREG_FAST_YAML`` to
    ``fast`` (``0``: every file read by the careful reader, libyaml)."""

    def run(root: Path) -> object:
        os.environ[PARALLEL_ENV] = pool
        os.environ[FAST_ENV] = fast
        try:
            return load(root, cache=False)
        finally:
            del os.environ[PARALLEL_ENV]
            del os.environ[FAST_ENV]

    return run


def measure(name: str, root: Path, repeat: int, goal: str = "≤ 1.5×") -> dict[str, object]:
    """The baseline and the cold load, alternating ``repeat`` times (this machine's
    speed drifts by a fifth from one minute to the next: side by side, both see the
    same), each side's median."""
    base_times, ours_times = [], []
    for _ in range(repeat):
        base_times.append(best_of(baseline, root, 1))
        ours_times.append(best_of(cold, root, 1))
    base, ours = statistics.median(base_times), statistics.median(ours_times)
    n = len(list((root / "powers").glob("*.yaml")))
    spread = ""
    if repeat > 1 and n > 2000:
        shown = " / ".join(
            f"{b:.2f} vs {o:.2f}" for b, o in zip(base_times, ours_times, strict=True)
        )
        spread = f" [{shown} s]"
    return {
        "case": f"load {name} ({n} powers), cache off{spread}",
        "baseline_s": base,
        "powerreg_s": ours,
        "ratio": ours / base,
        "goal": goal,
    }


def measure_pool(root: Path, base: float, repeat: int) -> list[dict[str, object]]:
    """The cold load in one process, and on the worker pool whatever the machine's
    load, each with the fast reading of clean files (rapidyaml, when the extra ``fast``
    is installed) and with the careful reader alone, against the same baseline."""
    n = len(list((root / "powers").glob("*.yaml")))
    fast = "rapidyaml" if available() else "rapidyaml missing"
    return [
        {
            "case": f"load generated ({n} powers), cache off, {label}, {reader}",
            "baseline_s": base,
            "powerreg_s": (t := best_of(cold_with(pool, on), root, repeat)),
            "ratio": t / base,
            "goal": "—",
        }
        for pool, label in (("0", "one process"), ("1", "worker pool forced"))
        for on, reader in (("1", fast), ("0", "careful reader only"))
    ]


def measure_cache(root: Path, cold_s: float, repeat: int) -> list[dict[str, object]]:
    """Rows of the load cache, each against the cold load ``cold_s`` of the same run."""
    n = len(list((root / "powers").glob("*.yaml")))
    clear_cache()
    t = time.perf_counter()
    load(root)
    first = time.perf_counter() - t
    warm = best_of(load, root, repeat)
    edited = sorted((root / "powers").glob("*.yaml"))[n // 2]
    text = edited.read_text(encoding="utf-8")
    edits = []
    for i in range(repeat):
        edited.write_text(text.replace("\nname: ", f"\nname: 第{i}次修改", 1), encoding="utf-8")
        t = time.perf_counter()
        load(root)
        edits.append(time.perf_counter() - t)
    edited.write_text(text, encoding="utf-8")

    def row(case: str, seconds: float, goal: str) -> dict[str, object]:
        return {
            "case": f"load generated ({n} powers), {case}",
            "baseline_s": cold_s,
            "powerreg_s": seconds,
            "ratio": seconds / cold_s,
            "goal": goal,
        }

    return [
        row("first load filling the cache vs cold", first, "— (cost of filling)"),
        # issue 21.2's goal (≤ 0.05×) is the user's command, ``validate``: its rows below
        row("warm cache vs cold", warm, "— (the goal is validate's)"),
        row("one file edited vs cold", statistics.median(edits), "— (one file parsed)"),
    ]


def validate_s(root: Path, **env: str) -> float:
    """Wall time of ``powerreg validate ROOT`` in a fresh process (the user's command)."""
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "powerreg", "validate", str(root)],
        env={**os.environ, **env},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - t


def measure_validate(root: Path, repeat: int) -> list[dict[str, object]]:
    """``powerreg validate`` of the unchanged directory, answered from the verdict of
    its clean load (:mod:`powerreg.verdicts`), and after one file was edited (the load
    cache gives every other file), each against ``validate`` with the cache off, each
    the best of ``repeat`` in fresh processes."""
    n = len(list((root / "powers").glob("*.yaml")))
    cold = min(validate_s(root, POWERREG_CACHE="0") for _ in range(repeat))
    validate_s(root)  # fills the cache and remembers the verdict
    warm = min(validate_s(root) for _ in range(repeat))
    edited = sorted((root / "powers").glob("*.yaml"))[n // 2]
    text = edited.read_text(encoding="utf-8")
    edits = []
    for i in range(repeat):
        edited.write_text(text.replace("\nname: ", f"\nname: 第{i}次修改", 1), encoding="utf-8")
        edits.append(validate_s(root))
    edited.write_text(text, encoding="utf-8")
    return [
        {
            "case": f"powerreg validate ({n} powers, fresh process), {case} vs the cache off",
            "baseline_s": cold,
            "powerreg_s": seconds,
            "ratio": seconds / cold,
            "goal": goal,
        }
        for case, seconds, goal in (
            ("unchanged: its clean load recalled", warm, "≤ 0.05×"),
            ("one file edited", min(edits), "— (one file parsed)"),
        )
    ]


def main(argv: list[str]) -> list[dict[str, object]]:
    sizes = [int(a) for a in argv] or [1000, 10000]
    with tempfile.TemporaryDirectory() as cache:
        saved = os.environ.get(CACHE_DIR_ENV)
        os.environ[CACHE_DIR_ENV] = cache  # never the user's cache
        try:
            rows = [measure("example", EXAMPLE, 15)]
            ref = reference_path()
            if any((ref / "powers").glob("*.yaml")):
                rows.append(measure("reference", ref, 7))
            for n in sizes:
                with tempfile.TemporaryDirectory() as tmp:
                    root = make_generated(n, Path(tmp))
                    repeat = 3 if n <= 2000 else 1
                    row = measure("generated", root, 3, goal="≤ 0.25×")
                    base = float(row["baseline_s"])  # type: ignore[arg-type]
                    pools = measure_pool(root, base, repeat)
                    rows += [row, *pools]
                    # the cache against the fastest cold load of the run
                    fastest = min(float(r["powerreg_s"]) for r in (row, *pools))  # type: ignore[arg-type]
                    rows += measure_cache(root, fastest, 5 if n <= 2000 else 3)
                    rows += measure_validate(root, 3)
        finally:
            if saved is None:
                del os.environ[CACHE_DIR_ENV]
            else:
                os.environ[CACHE_DIR_ENV] = saved
    for r in rows:
        print(
            f"{r['case']:<62} baseline {r['baseline_s']:.3f}s  powerreg {r['powerreg_s']:.3f}s"
            f"  ratio {r['ratio']:.3f}× (goal {r['goal']})"
        )
    print(f"load average: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    return rows


if __name__ == "__main__":
    main(sys.argv[1:])
