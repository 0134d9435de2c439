"""Replay speed of electronic supervision, as a ratio to reading the same log with the
csv module in the same run.

The log: one million events over the bundled reference registry, generated once per run
with ``synth_cases`` (10% of cases with a deviation, 10% of step visits late) and
written to a temporary CSV file. Baseline: ``csv.reader`` over the file, every row read.
powerreg: ``monitor(path, registry)`` — read, check every row, replay every case on its
flowchart, count working days and raise the alerts. Goal: ≤ 15×.

Then the output of that result (issue 22.5): ``to_text()`` and ``write_json()`` of a
result as ``monitor()`` returns it, its records not made — now made from the bulk
replay's columns (no record per case or alert), against the formatter as it ran before
in the same run (every record made by the output, then each case and finding formatted
from its record), each on a fresh result; wall and CPU time. Goal: ≤ 1.5 s each; the
peak memory of ``powerreg monitor LOG --format json`` (its own process, replay included)
≤ 700 MB.

Then the replay in bulk (issue 21.3): events per second of ``monitor`` on the same log
as CSV and as Parquet, each against pyarrow reading the same file in the same run
(``pyarrow.csv.read_csv``; ``ParquetFile.iter_batches``), and against pm4py's token-based
replay of the same log on the same models (the workflow nets of tests/test_monitor.py,
one per flowchart; pandas reads the CSV) — its end-to-end time over ours. ``monitor()``
returns with every finding found and makes the records of the cases when first asked
for: each row gives the time to return and, beside it, with the records made, and the
CPU time to return (median of five; the machine is shared, and CPU time is what the call
itself cost) against the reader's in the same run. Goal: ≥ 1,000,000 events/s.

Run: ``.venv/bin/python benchmarks/bench_monitor.py [EVENTS] [--no-pm4py]``.
"""

from __future__ import annotations

import csv
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from powerreg import load_reference
from powerreg.model import Registry
from powerreg.monitor import monitor, synth_cases

SEED = 1


def make_log(reg: Registry, events: int, into: Path, parquet: bool = False) -> tuple[Path, int]:
    """A CSV of about ``events`` events (and the same log as ``cases.parquet`` beside it,
    if asked); the number of cases comes from a pilot run."""
    pilot = synth_cases(reg, 2000, seed=SEED)
    per_case = pilot.events / 2000
    log = synth_cases(reg, max(1, math.ceil(1.03 * events / per_case)), seed=SEED)
    if parquet:
        log.write_parquet(into / "cases.parquet")
    return log.write_csv(into / "cases.csv"), log.events


def read_with_csv(path: Path) -> int:
    n = 0
    with path.open(encoding="utf-8", newline="") as f:
        for _ in csv.reader(f):
            n += 1
    return n


def replay(path: Path, reg: Registry) -> int:
    """The replay with its records made: what every output of the result needs."""
    result = monitor(path, reg)
    return len(result.cases)


def replay_returns(path: Path, reg: Registry) -> int:
    """The replay as ``monitor()`` returns: every finding found, no record made yet."""
    return monitor(path, reg).events


def read_with_pyarrow(path: Path) -> int:
    import pyarrow.csv as pcsv

    return int(pcsv.read_csv(path).num_rows)


def read_parquet_batches(path: Path) -> int:
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as f:
        return sum(b.num_rows for b in f.iter_batches())


def pm4py_token_replay(path: Path, reg: Registry) -> int:
    """pm4py's token-based replay of the log, end to end: pandas reads the CSV, each
    flowchart's cases are replayed on its workflow net (tests/test_monitor.py); the
    number of cases that fit."""
    import pandas as pd
    import pm4py

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.test_monitor import _petri_net

    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    fit = 0
    for (pid, fid), part in frame.groupby(["power_id", "flowchart_id"], sort=False):
        net, im, fm = _petri_net(reg.powers[pid].flowchart(fid))
        done = pm4py.conformance_diagnostics_token_based_replay(
            part,
            net,
            im,
            fm,
            activity_key="step_id",
            case_id_key="case_id",
            timestamp_key="timestamp",
            opt_parameters={"show_progress_bar": False},
        )
        fit += sum(bool(r["trace_is_fit"]) for r in done)
    return fit


def _load() -> str:
    return open("/proc/loadavg").read().split()[0] if os.path.exists("/proc/loadavg") else "?"


def median_time(fn: object, *args: object, repeat: int) -> float:
    return median_times(fn, *args, repeat=repeat)[0]


def median_times(fn: object, *args: object, repeat: int) -> tuple[float, float]:
    """The median wall and CPU time of ``repeat`` calls (CPU: this process's, all its
    threads; the machine is shared, and the CPU time says what the call itself cost)."""
    walls, cpus = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn(*args)  # type: ignore[operator]
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus)


def main(argv: list[str]) -> list[dict[str, object]]:
    with_pm4py = "--no-pm4py" not in argv
    argv = [a for a in argv if a != "--no-pm4py"]
    target = int(argv[0]) if argv else 1_000_000
    reg = load_reference()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        path, events = make_log(reg, target, Path(tmp), parquet=True)
        made = time.perf_counter() - t
        replay(path, reg)  # warm up: imports, the calendar, the charts
        base = median_time(read_with_csv, path, repeat=3)
        ours = median_time(replay, path, reg, repeat=3)
        bulk = measure_bulk(path, path.with_suffix(".parquet"), reg, events, with_pm4py)
        outputs = measure_output(path, reg, events)
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
    return [row, *bulk, *outputs]


def measure_bulk(
    csv_path: Path, parquet_path: Path, reg: Registry, events: int, with_pm4py: bool
) -> list[dict[str, object]]:
    """Events per second of the replay in bulk on CSV and Parquet against pyarrow
    reading the same file, and against pm4py's token replay; the load beside each."""
    rows: list[dict[str, object]] = []
    for kind, path, reader, name in (
        ("CSV", csv_path, read_with_pyarrow, "pyarrow.csv.read_csv"),
        ("Parquet", parquet_path, read_parquet_batches, "ParquetFile.iter_batches"),
    ):
        replay(path, reg)  # warm up
        load = _load()
        base, base_cpu = median_times(reader, path, repeat=3)
        returns, returns_cpu = median_times(replay_returns, path, reg, repeat=5)
        whole = median_time(replay, path, reg, repeat=3)
        rows.append(
            {
                "case": f"monitor {events:,} events ({kind}) against {name}: "
                f"{events / returns:,.0f} events/s returned, {events / whole:,.0f} events/s "
                f"with the records; by CPU time {events / returns_cpu:,.0f} events per "
                f"CPU-second returned ({returns_cpu:.3f} s), {name} {base_cpu:.3f} s "
                f"(load {load}–{_load()})",
                "baseline_s": base,
                "baseline_cpu_s": base_cpu,
                "powerreg_s": returns,
                "powerreg_cpu_s": returns_cpu,
                "powerreg_records_s": whole,
                "ratio": returns / base,
                "ratio_cpu": returns_cpu / base_cpu,
                "ratio_records": whole / base,
                "goal": "≥ 1,000,000 events/s",
                "events_per_s": events / returns,
                "events_per_cpu_s": events / returns_cpu,
                "events_per_s_records": events / whole,
            }
        )
    if with_pm4py:
        import pm4py  # noqa: F401  # imported before the clock starts, as powerreg is

        load = _load()
        t = time.perf_counter()
        fit = pm4py_token_replay(csv_path, reg)
        theirs = time.perf_counter() - t
        whole = median_time(replay, csv_path, reg, repeat=3)
        ours = sum(c.fits for c in monitor(csv_path, reg).cases)
        rows.append(
            {
                "case": f"monitor {events:,} events (CSV, records made) against pm4py token "
                f"replay end to end: pm4py {events / theirs:,.0f} events/s ({fit:,} cases fit; "
                f"powerreg {ours:,}) (load {load})",
                "baseline_s": theirs,
                "powerreg_s": whole,
                "ratio": whole / theirs,
                "goal": "faster than pm4py",
            }
        )
    for r in rows:
        print(
            f"{r['case']}\n    baseline {r['baseline_s']:.3f}s  powerreg {r['powerreg_s']:.3f}s  "
            f"ratio {r['ratio']:.2f}×"  # type: ignore[str-format]
            + (f" (CPU {r['ratio_cpu']:.2f}×)" if "ratio_cpu" in r else "")
            + (
                f"  (with records {r['powerreg_records_s']:.3f}s, {r['ratio_records']:.2f}×)"  # type: ignore[str-format]
                if "powerreg_records_s" in r
                else ""
            )
        )
    return rows


def _timed(fn: object, *args: object) -> float:
    t = time.perf_counter()
    fn(*args)  # type: ignore[operator]
    return time.perf_counter() - t


def _timed_cpu(fn: object, *args: object) -> tuple[float, float]:
    """Wall and CPU time of one call (the machine is shared: CPU time says what the
    call itself cost)."""
    t, c = time.perf_counter(), time.process_time()
    fn(*args)  # type: ignore[operator]
    return time.perf_counter() - t, time.process_time() - c


def _records_first(result: Any, output: Any) -> Any:
    """``output`` of ``result`` as the formatter ran before it read the bulk replay's
    columns: every record made first, then each case and finding formatted from it."""

    def run(*args: Any) -> None:
        len(result.cases)  # the records made: the output reads them, as before
        output(*args)

    return run


def measure_output(path: Path, reg: Registry, events: int) -> list[dict[str, object]]:
    """Text and JSON output of a result as ``monitor()`` returns it (its records not
    made), now (from the bulk replay's columns) and before (every record made by the
    output, then formatted), each the better (by CPU time) of two runs on a fresh result,
    in the same run; wall and CPU time; and the peak memory of the JSON run in its own
    process."""
    times: dict[str, tuple[float, float]] = {}
    load = _load()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"

        def write_json(result: Any) -> None:
            with out.open("w", encoding="utf-8") as f:
                result.write_json(f)

        for name, make in (
            ("text now", lambda r: r.to_text),
            ("text before", lambda r: _records_first(r, r.to_text)),
            ("json now", lambda r: lambda: write_json(r)),
            ("json before", lambda r: _records_first(r, lambda: write_json(r))),
        ):
            runs = []
            for _ in range(2):  # the better of two, each on a fresh result
                fresh = monitor(path, reg, lang="en")
                runs.append(_timed_cpu(make(fresh)))
                del fresh
            times[name] = min(runs, key=lambda run: run[1])
    load = f"{load}–{_load()}"
    peak = json_peak_mib(path)
    rows: list[dict[str, object]] = []
    for kind, label in (("text", "text"), ("json", "JSON")):
        (now, now_cpu), (before, before_cpu) = times[f"{kind} now"], times[f"{kind} before"]
        extra = (
            f"; peak memory of `powerreg monitor --format json` {peak:,} MiB (goal ≤ 700 MB)"
            if kind == "json"
            else ""
        )
        rows.append(
            {
                "case": f"monitor output, {label}, {events:,} events, from the result as "
                f"monitor() returns it: now (from the bulk replay's columns, no record) vs "
                f"before (every record made by the output, then formatted); CPU now "
                f"{now_cpu:.3f}s, before {before_cpu:.3f}s (load {load}){extra}",
                "baseline_s": before,
                "baseline_cpu_s": before_cpu,
                "powerreg_s": now,
                "powerreg_cpu_s": now_cpu,
                "ratio": now / before,
                "ratio_cpu": now_cpu / before_cpu,
                "goal": "≤ 1.5 s",
                **({"json_peak_mib": peak} if kind == "json" else {}),
            }
        )
    for r in rows:
        print(
            f"{r['case']}\n    before {r['baseline_s']:.3f}s  now {r['powerreg_s']:.3f}s  "
            f"ratio {r['ratio']:.2f}× (CPU {r['ratio_cpu']:.2f}×)"
        )
    return rows


def json_peak_mib(path: Path) -> int:
    """Peak resident memory of ``powerreg monitor LOG --format json`` in a process of
    its own, its output thrown away."""
    code = (
        "import sys\n"
        "from powerreg.cli import main\n"
        "from powerreg.machine import peak_memory_mib\n"
        "try:\n"
        "    main(['monitor', sys.argv[1], '--format', 'json'], prog_name='powerreg')\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stderr.write(str(round(peak_memory_mib() or 0)))\n"
    )
    with open(os.devnull, "w") as null:
        done = subprocess.run(
            [sys.executable, "-c", code, str(path)],
            stdout=null,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    return int(done.stderr.strip().splitlines()[-1])


if __name__ == "__main__":
    main(sys.argv[1:])
