"""Faults of the live service with a real server on 127.0.0.1 (issue 17.5): ``kill -9``
during a stream of posts, a restart, and every acknowledged event is there, no finding
raised twice or missing; and the server's log holds no token and no event body.

Each test is bounded: a few hundred events, two kills, every wait with a timeout.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import powerreg
from powerreg.monitor import monitor, synth_cases
from powerreg.monitor.simulate import HEADER
from powerreg.service import Store, add_token
from powerreg.service.export import state_result
from powerreg.service.feed import identities

REG = powerreg.load_reference()
TODAY = "2011-12-30"
WAIT = 60.0  # seconds: the longest a start or a request may take on a busy machine


class Server:
    """``powerreg supervise`` in a subprocess, on a free port of 127.0.0.1."""

    def __init__(self, state: Path, log: Path) -> None:
        self.state = state
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    def start(self) -> None:
        seen = self.log.stat().st_size if self.log.exists() else 0
        err = self.log.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "powerreg",
                "supervise",
                "--state",
                str(self.state),
                "--listen",
                "127.0.0.1:0",
                "--today",
                TODAY,
                "--tick",
                "0.5",
            ],
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        err.close()
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"the server ended: {self.log.read_text()}")
            new = self.log.read_bytes()[seen:].decode("utf-8", "replace")
            for line in new.splitlines():
                if "listening on http://127.0.0.1:" in line:
                    self.port = int(line.rsplit(":", 1)[1])
                    break
            else:
                time.sleep(0.05)
                continue
            try:
                if self.request("GET", "/health")[0] == 200:
                    return
            except OSError:
                pass  # listening, not yet serving
            time.sleep(0.05)
        raise AssertionError("the server did not start in time")

    def request(
        self, method: str, path: str, body: bytes | None = None, token: str | None = None
    ) -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT)
        try:
            headers = {"Content-Type": "application/json"}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            return r.status, json.loads(r.read() or b"null")
        finally:
            conn.close()

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=WAIT)
        self.log.write_text(self.log.read_text(encoding="utf-8") + "\n--- killed ---\n")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=WAIT)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    s = Server(tmp_path / "state.db", tmp_path / "server.log")
    yield s
    s.stop()


def batches(n_cases: int, size: int, marker: str) -> tuple[Any, list[bytes], list[list[str]]]:
    """A synth log, as request bodies of ``size`` events (each with a note holding
    ``marker``), and the event ids of each."""
    log = synth_cases(REG, n_cases, seed=17, deviation_rate=0.3, delay_rate=0.3)
    events = [
        {"event_id": f"e{i:05d}", **dict(zip(HEADER, row, strict=True)), "note": marker}
        for i, row in enumerate(log.rows)
    ]
    bodies, ids = [], []
    for k in range(0, len(events), size):
        chunk = events[k : k + size]
        bodies.append(json.dumps(chunk, ensure_ascii=False).encode())
        ids.append([e["event_id"] for e in chunk])
    return log, bodies, ids


def standing_keys(state: Path) -> tuple[set[str], list[int]]:
    """The identities standing in the state, and every finding id the feed raised."""
    store = Store(state, readonly=True)
    try:
        standing = {k for (k,) in store.conn.execute("SELECT key FROM findings WHERE standing = 1")}
        raised = [
            fid for (fid,) in store.conn.execute("SELECT finding_id FROM feed WHERE kind='raised'")
        ]
    finally:
        store.close()
    return standing, raised


def test_kill_9_during_a_stream_loses_no_acknowledged_event_and_no_finding(
    server: Server, tmp_path: Path
) -> None:
    store = Store(server.state)
    _, send = add_token(store, "all", powers=frozenset(REG.powers))
    _, read = add_token(store, "office", reader=True)
    store.close()
    marker = "备注-BODY-MARKER"
    log, bodies, ids = batches(60, 25, marker)
    acked: set[str] = set()
    next_batch = 0
    for _ in range(2):  # two kills, each during the stream
        server.start()
        stop = threading.Event()
        sent: list[int] = []

        def stream(stop: threading.Event, sent: list[int]) -> None:
            nonlocal next_batch
            while next_batch < len(bodies) and not stop.is_set():
                try:
                    status, reply = server.request("POST", "/events", bodies[next_batch], send)
                except (OSError, http.client.HTTPException):
                    return  # the server died under the request: not acknowledged
                assert status == 200, reply
                acked.update(ids[next_batch])
                sent.append(next_batch)
                next_batch += 1

        poster = threading.Thread(target=stream, args=(stop, sent))
        poster.start()
        deadline = time.monotonic() + WAIT
        start = len(sent)
        while len(sent) < start + 3 and poster.is_alive() and time.monotonic() < deadline:
            time.sleep(0.005)
        server.kill()  # in the middle of the stream: a request is (likely) in flight
        stop.set()
        poster.join(timeout=WAIT)
        assert not poster.is_alive()
        # every acknowledged event is on disk
        stored = Store(server.state, readonly=True)
        on_disk = {e for (e,) in stored.conn.execute("SELECT event_id FROM events")}
        stored.close()
        assert acked <= on_disk
        # the findings stand as the monitor finds them in the events stored; none twice
        server.start()
        standing, raised = standing_keys(server.state)
        assert len(raised) == len(set(raised))
        replayed = state_result(server.state, REG, as_of=date.fromisoformat(TODAY))
        assert standing == {k for c in replayed.cases for k in identities(c)}
        server.kill()
    # the rest of the stream, the batch that was in flight sent again
    server.start()
    for b in range(max(0, next_batch - 1), len(bodies)):
        status, reply = server.request("POST", "/events", bodies[b], send)
        assert status == 200, reply
    status, feed = server.request("GET", "/alerts?after=0&limit=10000", token=read)
    assert status == 200
    assert not feed["more"]
    raised = [e["finding"] for e in feed["alerts"] if e["entry"] == "raised"]
    assert len(raised) == len(set(raised))
    standing, _ = standing_keys(server.state)
    csv = log.write_csv(tmp_path / "cases.csv")
    expected = monitor(csv, REG, as_of=date.fromisoformat(TODAY))
    assert standing == {k for c in expected.cases for k in identities(c)}
    status, powers = server.request("GET", "/powers", token=read)
    assert powers["powers"] == [p.to_dict() for p in expected.powers]
    server.stop()
    # the server's log: a line per request, and neither a token nor an event body
    text = server.log.read_text(encoding="utf-8")
    assert "POST /events 200" in text
    assert "token=all" in text
    for secret in (send, read, marker, "C000001"):
        assert secret not in text
