"""Throughput of the live supervision service over HTTP, as a ratio to the batch replay
of the same events in the same run.

The log: ``synth_cases`` over the bundled reference registry (10% of cases with a
deviation, 10% of step visits late), in time order as the business systems report it.
It is posted to ``powerreg supervise`` in a subprocess on 127.0.0.1 in batches of 1,000
events (JSON arrays), one request after another on one kept-alive connection, each
reply waited for (it comes after the commit, synchronous = FULL). Two clocks:

* **live** — ``--today events``: the service's day is that of the latest event
  received, as when events arrive while cases run; days pass between batches and the
  cases they reach are brought up to them.
* **backlog** — ``--today`` fixed at the log's last day: a system that was cut off
  sends what it queued. Cases whose later events are still in the queue look stuck
  until they arrive: their cards are raised, then withdrawn.

The service replies once a request's events are committed and replays the cases they
touch about a second later (``settle_after``), by its timer, beside the requests, so
that a case a run of requests touches is replayed once; on two cores the settling runs
in a process of its own (:mod:`powerreg.service.settler`). The stream therefore ends
with ``GET /health``, which settles what is left (every case replayed, the feed
written) before it answers. The server's CPU is that of both its processes.
Sustained events/s is the events over the wall time of the whole stream including that
last settling; p99 is the 99th percentile of the latencies of the posts (client side).
Baseline: ``monitor(LOG, registry, as_of=LAST DAY)`` of the same events, read from CSV,
in process. The client and the server share the machine's cores.

The client is cheap: the bodies are encoded before the stream starts, and it only
sends them and reads the replies, so that it takes little of the cores the server
needs. The server is the installed one: httptools and uvloop under uvicorn when the
extra ``serve`` brought them, and the replay in bulk when numpy and pyarrow are
installed (extra ``scale``; see :mod:`powerreg.service.replays`).

Run: ``.venv/bin/python benchmarks/bench_service.py [EVENTS]``.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from powerreg import load_reference
from powerreg.model import Registry
from powerreg.monitor import monitor, synth_cases
from powerreg.monitor.simulate import HEADER, SynthLog
from powerreg.service import Store, add_token

SEED = 3
BATCH = 1000
GOAL = 20_000  # events/s


def make_log(reg: Registry, events: int) -> SynthLog:
    """A log of about ``events`` events; the number of cases comes from a pilot run."""
    pilot = synth_cases(reg, 500, seed=SEED)
    per_case = pilot.events / 500
    return synth_cases(reg, max(1, math.ceil(events / per_case)), seed=SEED)


def bodies(log: SynthLog) -> list[bytes]:
    rows = log.rows
    out = []
    for k in range(0, len(rows), BATCH):
        chunk = [
            {"event_id": f"e{k + i}", **dict(zip(HEADER, row, strict=True))}
            for i, row in enumerate(rows[k : k + BATCH])
        ]
        out.append(json.dumps(chunk, ensure_ascii=False).encode())
    return out


def serve(state: Path, err: Path, today: str) -> tuple[subprocess.Popen[bytes], int]:
    """``powerreg supervise`` on a free port; the process and its port."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "powerreg",
            "supervise",
            "--state",
            str(state),
            "--listen",
            "127.0.0.1:0",
            "--today",
            today,
        ],
        stdout=subprocess.DEVNULL,
        stderr=err.open("wb"),
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the service ended: {err.read_text()}")
        for line in err.read_text(encoding="utf-8", errors="replace").splitlines():
            if "listening on http://127.0.0.1:" in line:
                return proc, int(line.rsplit(":", 1)[1])
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the service did not start")


def stream(port: int, token: str, payloads: list[bytes]) -> tuple[float, list[float]]:
    """Post every payload in turn, then wait for the feed to be up to them (``GET
    /health`` settles); wall time and the latency of each post."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    latencies = []
    start = time.perf_counter()
    for body in payloads:
        t = time.perf_counter()
        conn.request("POST", "/events", body=body, headers=headers)
        r = conn.getresponse()
        reply = r.read()
        latencies.append(time.perf_counter() - t)
        if r.status != 200:
            raise RuntimeError(f"{r.status}: {reply[:500]!r}")
    conn.request("GET", "/health")
    r = conn.getresponse()
    reply = r.read()
    if r.status != 200:
        raise RuntimeError(f"health {r.status}: {reply[:500]!r}")
    wall = time.perf_counter() - start
    conn.close()
    return wall, latencies


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)]


def _stat(pid: int | str) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) a process and its children (the service's settling
    process) have used so far, from /proc (0 elsewhere)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(entry.name)
            if fields is not None and (int(entry.name) == pid or int(fields[1]) == pid):
                total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def load() -> str:
    """The machine's load average over the last minute."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def run(
    reg: Registry, log: SynthLog, payloads: list[bytes], today: str, tmp: Path
) -> tuple[float, list[float], float]:
    """The stream posted to a new service: wall time, latencies, and the server's CPU
    seconds over the stream (on a busy machine the server gets only part of a core:
    events per CPU-second say what it would do with one)."""
    state = tmp / f"state-{today}.db"
    store = Store(state)
    _, token = add_token(store, "bench", powers=frozenset(reg.powers))
    store.close()
    proc, port = serve(state, tmp / f"server-{today}.log", today)
    try:
        before = cpu_seconds(proc.pid)
        wall, latencies = stream(port, token, payloads)
        return wall, latencies, cpu_seconds(proc.pid) - before
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def main(argv: list[str]) -> list[dict[str, object]]:
    target = int(argv[0]) if argv else 100_000
    reg = load_reference()
    log = make_log(reg, target)
    events = log.events
    payloads = bodies(log)
    last = date.fromisoformat(log.rows[-1][4][:10])
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        csv = log.write_csv(tmp / "cases.csv")
        monitor(csv, reg, as_of=last)  # warm up: imports, the calendar, the charts
        times = []
        for _ in range(3):
            t = time.perf_counter()
            monitor(csv, reg, as_of=last)
            times.append(time.perf_counter() - t)
        base = statistics.median(times)
        for name, today in (("live", "events"), ("backlog", last.isoformat())):
            at_start = load()
            wall, latencies, cpu = run(reg, log, payloads, today, tmp)
            rate = events / wall
            per_cpu = events / cpu if cpu else float("nan")
            loads = f"load {at_start}–{load()}"
            row: dict[str, object] = {
                "case": (
                    f"service {name}: {events:,} events in batches of {BATCH:,} over HTTP, "
                    f"{rate:,.0f} events/s, p99 {p99(latencies) * 1000:.0f} ms; server "
                    f"{per_cpu:,.0f} events per CPU-second; {loads} "
                    f"(batch replay {events / base:,.0f} events/s)"
                ),
                "baseline_s": base,
                "powerreg_s": wall,
                "ratio": wall / base,
                "goal": f"≥ {GOAL:,} events/s",
                "events_per_s": rate,
                "p99_s": p99(latencies),
                "median_s": statistics.median(latencies),
                "server_cpu_s": cpu,
                "events_per_cpu_s": per_cpu,
            }
            print(
                f"service {name:<8} {events:,} events: {wall:.2f}s, {rate:,.0f} events/s, "
                f"p99 {p99(latencies) * 1000:.0f} ms, median "
                f"{statistics.median(latencies) * 1000:.0f} ms; server CPU {cpu:.2f}s "
                f"({per_cpu:,.0f} events/CPU-s); {loads}; batch replay {base:.2f}s "
                f"({events / base:,.0f} events/s); ratio {wall / base:.1f}×"
            )
            rows.append(row)
    return rows


if __name__ == "__main__":
    main(sys.argv[1:])
