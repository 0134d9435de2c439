"""The monitor on Parquet and on Dask (issue 20.4), as ratios measured in the same run.

The log: about EVENTS events (default one million) from ``synth_cases`` written as one
Parquet file in row groups of 65,536 rows.

* single process: ``monitor(PATH)`` against reading the same file with pyarrow alone
  (``ParquetFile.iter_batches`` over the log's columns, nothing converted), and its
  events/s;
* peak memory (VmHWM of ``monitor(PATH)`` in a process of its own) at a tenth
  of the log and at the whole log, and their ratio (goal: flat, ≤ 1.2×): a log of more
  than four times ``POWERREG_SHARE_ROWS`` rows (default 500,000) is replayed a share of
  its cases at a time (:mod:`powerreg.monitor.sharded`), so ``bench_scale.py 10000000``
  compares the peak at 1M events (replayed at once) with the peak at 10M (in shares),
  and gives the events/s of the shares against pyarrow reading the 10M log;
* the same peaks for the same logs written as CSV (``SyntheticLog.write_csv``, plain:
  a big one is read by pyarrow a block of whole lines at a time), with each
  process's CPU seconds (which a busy machine changes less than the wall clock);
* Dask: ``monitor_dask(PATH, scheduler=…)`` on a local cluster of two worker processes
  (one thread each; the cluster started and its workers warmed up before timing), its
  speed-up over the single process (goal ≥ 1.6×), each the best of two runs taken in
  turn; the same in CPU seconds (this process with the local scheduler, each worker
  process), and what they would give on two free cores (the client's and the busiest
  worker's against the single process's); the same with the records of every case
  made (``result.cases``, which both make when first asked for); and its overhead on a
  log of 100,000 events (best of three each).

Each row gives the load average before and after it: on a machine whose two cores are
busy with other work, two workers cannot run at once and the speed-up says little.

Run: ``.venv/bin/python benchmarks/bench_scale.py [EVENTS] [--logs DIR] [--no-dask]``.
``--logs DIR`` keeps the generated logs in DIR and reuses them (a 10M-event log takes
minutes and a few GB of memory to generate; as CSV it is about 0.65 GB); ``--no-dask``
leaves out the Dask rows.
"""

from __future__ import annotations

import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

from powerreg import load_reference
from powerreg.model import Registry
from powerreg.monitor import monitor, synth_cases
from powerreg.monitor.engine import local_cluster, monitor_dask
from powerreg.monitor.plaincsv import plain_csv
from powerreg.monitor.reader import COLUMNS
from powerreg.monitor.sharded import share_rows, shares_for

SEED = 1


def make_log(reg: Registry, events: int, into: Path) -> tuple[Path, int]:
    """A log of about ``events`` events at ``into`` (Parquet, or CSV by its suffix), and
    its events; one there already (``--logs``) is reused. A log generated is written in
    both formats (the other beside it, if not there): the same log either way."""
    if into.exists():
        if into.suffix == ".csv":
            plain = plain_csv(into)
            assert plain is not None, f"{into} is not a plain CSV file"
            return into, plain.rows
        with pq.ParquetFile(into) as f:
            return into, f.metadata.num_rows
    pilot = synth_cases(reg, 2000, seed=SEED)
    per_case = pilot.events / 2000
    log = synth_cases(reg, max(1, math.ceil(1.03 * events / per_case)), seed=SEED)
    for path in (into.with_suffix(".parquet"), into.with_suffix(".csv")):
        if path == into or not path.exists():
            if path.suffix == ".csv":
                log.write_csv(path)
            else:
                log.write_parquet(path)
    return into, log.events


def read_with_pyarrow(path: Path) -> int:
    n = 0
    with pq.ParquetFile(path) as f:
        for b in f.iter_batches(batch_size=65_536, columns=list(COLUMNS)):
            n += len(b)
    return n


def _timed(fn: object, *args: object, **kw: object) -> float:
    t = time.perf_counter()
    fn(*args, **kw)  # type: ignore[operator]
    return time.perf_counter() - t


def _with_records(fn: object, *args: object, **kw: object) -> float:
    """Seconds to a result and the records of all its cases."""
    t = time.perf_counter()
    result = fn(*args, **kw)  # type: ignore[operator]
    len(result.cases)
    took = time.perf_counter() - t
    del result
    return took


def _cpu(fn: object, *args: object, **kw: object) -> float:
    """CPU seconds of this process (all its threads) in a call."""
    c = time.process_time()
    fn(*args, **kw)  # type: ignore[operator]
    return time.process_time() - c


def _cpu_on(client: object, fn: object, *args: object, **kw: object) -> tuple[float, list[float]]:
    """CPU seconds of a call in this process (the client, and a local cluster's
    scheduler) and in each worker process."""
    before = client.run(time.process_time)  # type: ignore[attr-defined]
    mine = _cpu(fn, *args, **kw)
    after = client.run(time.process_time)  # type: ignore[attr-defined]
    return mine, sorted(after[w] - before[w] for w in after)


def _load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def peak_mib(path: Path) -> int:
    """Peak resident memory of ``monitor(path)`` in a process of its own, in MiB
    (:func:`powerreg.machine.peak_memory_mib`: not ``ru_maxrss``, which a child keeps from
    the parent that forked it)."""
    return peak_and_cpu(path)[0]


def peak_and_cpu(path: Path) -> tuple[int, float]:
    """:func:`peak_mib`, and the CPU seconds (user and system) of that process."""
    code = (
        "import sys\n"
        "from powerreg.machine import peak_memory_mib\n"
        "from powerreg.monitor import monitor\n"
        "monitor(sys.argv[1])\n"
        "sys.stderr.write(str(round(peak_memory_mib() or 0)))\n"
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return int(done.stderr.strip().splitlines()[-1]), cpu


def _how(events: int) -> str:
    """How ``monitor(PATH)`` replays a log of that many rows (about its events)."""
    n = shares_for(events, share_rows())
    return "at once" if n == 1 else f"in {n} shares"


def main(argv: list[str]) -> list[dict[str, object]]:
    args = [a for a in argv if not a.startswith("--")]
    dask = "--no-dask" not in argv
    logs = argv[argv.index("--logs") + 1] if "--logs" in argv else None
    if logs is not None:
        args.remove(logs)
    target = int(args[0]) if args else 1_000_000
    reg = load_reference()
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        into = Path(logs or tmp)
        big, events = make_log(reg, target, into / f"log_{target}.parquet")
        tenth, events_10 = make_log(reg, target // 10, into / f"log_{target // 10}.parquet")
        small, events_s = make_log(reg, 100_000, into / "log_100000.parquet")
        monitor(small, reg)  # warm up: imports, the calendar, the charts
        load0 = _load()
        base = min(_timed(read_with_pyarrow, big) for _ in range(3))
        ours = _timed(monitor, big, reg)
        peak_big, peak_tenth = peak_mib(big), peak_mib(tenth)
        rows.append(
            {
                "case": f"monitor {events:,} events (Parquet, one process, {_how(events)}) vs "
                f"pyarrow reading it: {events / ours:,.0f} events/s; peak memory "
                f"{peak_tenth:,} MiB at {events_10:,} events ({_how(events_10)}), "
                f"{peak_big:,} MiB at {events:,} ({peak_big / peak_tenth:.2f}×; "
                "goal: flat, ≤ 1.2×)",
                "baseline_s": base,
                "powerreg_s": ours,
                "ratio": ours / base,
                "goal": "peak flat (≤ 1.2×)",
                "load": f"{load0}–{_load()}",
            }
        )
        rows.append(csv_row(reg, into, target))
        if not dask:
            _print(rows)
            return rows
        with local_cluster(2) as client:
            address = client.scheduler.address
            for _ in range(2):  # warm up the workers (imports, the first file's reading)
                monitor_dask(small, reg, scheduler=address)
            load0 = _load()
            single, on_dask = [], []
            for _ in range(3):  # alternating; the best of each (a worker's first big run
                # is slower: its memory is mapped afresh)
                single.append(_timed(monitor, big, reg))
                on_dask.append(_timed(monitor_dask, big, reg, scheduler=address))
            rows.append(
                {
                    "case": f"monitor {events:,} events on a local Dask cluster (2 worker "
                    f"processes) vs one process: speed-up {min(single) / min(on_dask):.2f}×",
                    "baseline_s": min(single),
                    "powerreg_s": min(on_dask),
                    "ratio": min(on_dask) / min(single),
                    "goal": "speed-up ≥ 1.6× (ratio ≤ 0.63)",
                    "load": f"{load0}–{_load()}",
                }
            )
            # CPU seconds, which a busy machine inflates less than it does the wall clock:
            # on two free cores the engine would take about its busiest worker's plus the
            # client's (the client waits while the workers replay)
            load0 = _load()
            single_c = min(_cpu(monitor, big, reg) for _ in range(2))
            client_c, workers_c = min(
                (_cpu_on(client, monitor_dask, big, reg, scheduler=address) for _ in range(2)),
                key=lambda got: got[0] + max(got[1]),
            )
            free = client_c + max(workers_c)
            each = " and ".join(f"{w:.2f}" for w in workers_c)
            rows.append(
                {
                    "case": f"the same in CPU seconds: one process {single_c:.2f}; Dask "
                    f"client and scheduler {client_c:.2f}, workers "
                    f"{each} (all {client_c + sum(workers_c):.2f}): "
                    f"on two free cores about {single_c / free:.2f}× one process",
                    "baseline_s": single_c,
                    "powerreg_s": free,
                    "ratio": free / single_c,
                    "goal": "speed-up ≥ 1.6× (ratio ≤ 0.63)",
                    "load": f"{load0}–{_load()}",
                }
            )
            load0 = _load()
            single_r = _with_records(monitor, big, reg)
            dask_r = _with_records(monitor_dask, big, reg, scheduler=address)
            rows.append(
                {
                    "case": f"the same, each result's {events:,} events' records made: "
                    f"speed-up {single_r / dask_r:.2f}×",
                    "baseline_s": single_r,
                    "powerreg_s": dask_r,
                    "ratio": dask_r / single_r,
                    "goal": "(measured)",
                    "load": f"{load0}–{_load()}",
                }
            )
            load0 = _load()
            single_s = min(_timed(monitor, small, reg) for _ in range(3))
            dask_s = min(_timed(monitor_dask, small, reg, scheduler=address) for _ in range(3))
        rows.append(
            {
                "case": f"monitor {events_s:,} events on the local Dask cluster vs one "
                "process: the engine's overhead",
                "baseline_s": single_s,
                "powerreg_s": dask_s,
                "ratio": dask_s / single_s,
                "goal": "(measured)",
                "load": f"{load0}–{_load()}",
            }
        )
    _print(rows)
    return rows


def csv_row(reg: Registry, into: Path, target: int) -> dict[str, object]:
    """The peaks of ``monitor(CSV)`` at a tenth of the log and at the whole log (the
    same logs as the Parquet row's, written as CSV), with each process's CPU seconds."""
    big, events = make_log(reg, target, into / f"log_{target}.csv")
    tenth, events_10 = make_log(reg, target // 10, into / f"log_{target // 10}.csv")
    load0 = _load()
    peak_tenth, cpu_tenth = peak_and_cpu(tenth)
    peak_big, cpu_big = peak_and_cpu(big)
    return {
        "case": f"monitor CSV, one process: peak memory {peak_tenth:,} MiB at {events_10:,} "
        f"events ({_how(events_10)}, {cpu_tenth:.1f} s CPU), {peak_big:,} MiB at "
        f"{events:,} ({_how(events)}, {cpu_big:.1f} s CPU; {events / cpu_big:,.0f} events "
        f"per CPU second): {peak_big / peak_tenth:.2f}× (goal: flat, ≤ 1.2×)",
        "baseline_s": cpu_tenth,
        "powerreg_s": cpu_big,
        "ratio": peak_big / peak_tenth,
        "goal": "peak flat (≤ 1.2×)",
        "load": f"{load0}–{_load()}",
    }


def _print(rows: list[dict[str, object]]) -> None:
    mine = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), f"(this process {mine:,} MiB)")
    for r in rows:
        print(
            f"{r['case']}\n    baseline {r['baseline_s']:.3f}s  "
            f"powerreg {r['powerreg_s']:.3f}s  ratio {r['ratio']:.2f}×  (load {r['load']})"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
