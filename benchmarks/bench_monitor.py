"""Replay speed of electronic supervision, as a ratio to reading the same log with the
csv module in the same run.

The log: one million events over the bundled reference registry, generated once per run
with ``synth_cases`` (10% of cases with a deviation, 10% of step visits late) and
written to a temporary CSV file. Baseline: ``csv.reader`` over the file, every row read.
powerreg: ``monitor(path, registry)`` — read, check every row, replay every case on its
flowchart, count working days and raise the alerts. Goal: ≤ 15×.

Run: ``.venv/bin/python benchmarks/bench_monitor.py [EVENTS]``.
"""

from __future__ import annotations

import csv
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

from powerreg import load_reference
from powerreg.model import Registry
from powerreg.monitor import monitor, synth_cases

SEED = 1


def make_log(reg: Registry, events: int, into: Path) -> tuple[Path, int]:
    """A CSV of about ``events`` events; the number of cases comes from a pilot run."""
    pilot = synth_cases(reg, 2000, seed=SEED)
    per_case = pilot.events / 2000
    log = synth_cases(reg, max(1, math.ceil(1.03 * events / per_case)), seed=SEED)
    return log.write_csv(into / "cases.csv"), log.events


def read_with_csv(path: Path) -> int:
    n = 0
    with path.open(encoding="utf-8", newline="") as f:
        for _ in csv.reader(f):
            n += 1
    return n


def replay(path: Path, reg: Registry) -> int:
    result = monitor(path, reg)
    return result.events


def median_time(fn: object, *args: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn(*args)  # type: ignore[operator]
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(argv: list[str]) -> list[dict[str, object]]:
    target = int(argv[0]) if argv else 1_000_000
    reg = load_reference()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        path, events = make_log(reg, target, Path(tmp))
        made = time.perf_counter() - t
        replay(path, reg)  # warm up: imports, the calendar, the charts
        base = median_time(read_with_csv, path, repeat=3)
        ours = median_time(replay, path, reg, repeat=3)
    row: dict[str, object] = {
        "case": f"monitor {events:,} events (CSV)",
        "baseline_s": base,
        "powerreg_s": ours,
        "ratio": ours / base,
        "goal": "≤ 15×",
        "events_per_s": events / ours,
    }
    print(
        f"{row['case']:<36} csv {base:.3f}s  powerreg {ours:.3f}s  ratio {ours / base:.2f}× "
        f"(goal {row['goal']})  {events / ours:,.0f} events/s  (log made in {made:.1f}s)"
    )
    return [row]


if __name__ == "__main__":
    main(sys.argv[1:])
