"""The service on two cores (issue 17.5): ``powerreg supervise`` stores the requests'
events in one process and settles them in another (:mod:`powerreg.service.settler`).

With a real server on 127.0.0.1: the settling process is there (and not with
``POWERREG_PARALLEL=0``), its answers are the monitor's, it is started again if it dies
with nothing lost or raised twice, and it ends when the server is killed. In process:
a settling process waits for one left running by a killed service. Every wait is
bounded.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

import powerreg
from powerreg.codes import phrase
from powerreg.monitor import monitor
from powerreg.service import StateUnavailable, Store, Supervisor, Token, add_token
from powerreg.service.app import create_app
from powerreg.service.feed import identities
from powerreg.service.settler import SettledApart, _settling_lock

from .test_service_faults import TODAY, WAIT, Server, batches, standing_keys

REG = powerreg.load_reference()
SENDER = Token("all", frozenset(REG.powers), send=True, read=False)


def case_a1(*events: tuple[str, str, str]) -> bytes:
    """A request body of events ``(event_id, step_id, timestamp)`` of case A1 of XK-001."""
    return json.dumps(
        [
            {"event_id": n, "case_id": "A1", "power_id": "XK-001", "step_id": step, "timestamp": t}
            for n, step, t in events
        ]
    ).encode()


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            out.append(int(entry.name))
    return out


def settlers(server: Server) -> list[int]:
    """The server's settling processes."""
    assert server.proc is not None
    found = []
    for pid in children(server.proc.pid):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"powerreg.service.settler" in cmdline:
            found.append(pid)
    return found


def gone(pid: int) -> bool:
    """Whether ``pid`` has ended (waiting for it, up to WAIT seconds)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":  # ended, not yet reaped by its parent
            return True
        time.sleep(0.05)
    return False


def waiting_for_flock() -> bool:
    """Whether a process waits for an ``flock`` (a ``->`` line of /proc/locks)."""
    return any(
        "->" in line and "FLOCK" in line for line in Path("/proc/locks").read_text().splitlines()
    )


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    s = Server(tmp_path / "state.db", tmp_path / "server.log")
    yield s
    s.stop()


def tokens(state: Path) -> tuple[str, str]:
    store = Store(state)
    _, send = add_token(store, "all", powers=frozenset(REG.powers))
    _, read = add_token(store, "office", reader=True)
    store.close()
    return send, read


def test_supervise_settles_apart_restarts_a_dead_settler_and_ends_it_with_the_server(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERREG_PARALLEL", "1")  # whatever the machine's load
    if len(os.sched_getaffinity(0)) < 2:
        pytest.fail("this test needs two cores, as the service's second process does")
    send, read = tokens(server.state)
    log, bodies, _ = batches(40, 50, "x")
    server.start()
    (first,) = settlers(server)
    half = len(bodies) // 2
    for body in bodies[:half]:
        assert server.request("POST", "/events", body, send)[0] == 200
    os.kill(first, signal.SIGKILL)  # the settling process dies under the stream
    assert gone(first)
    for body in bodies[half:]:
        assert server.request("POST", "/events", body, send)[0] == 200
    status, feed = server.request("GET", "/alerts?after=0&limit=10000", token=read)
    assert status == 200
    (second,) = settlers(server)  # started again by the read
    assert second != first
    raised = [e["finding"] for e in feed["alerts"] if e["entry"] == "raised"]
    assert raised
    assert len(raised) == len(set(raised))
    expected = monitor(log.write_csv(tmp_path / "cases.csv"), REG, as_of=date.fromisoformat(TODAY))
    standing, _ = standing_keys(server.state)
    assert standing == {k for c in expected.cases for k in identities(c)}
    status, powers = server.request("GET", "/powers", token=read)
    assert powers["powers"] == [p.to_dict() for p in expected.powers]
    server.kill()  # kill -9 of the server: its settling process ends too
    assert gone(second)
    assert "the settling process ended" in server.log.read_text(encoding="utf-8")


def test_without_a_second_process_the_server_settles_itself(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERREG_PARALLEL", "0")
    send, read = tokens(server.state)
    _, bodies, _ = batches(5, 50, "x")
    server.start()
    assert settlers(server) == []
    for body in bodies:
        assert server.request("POST", "/events", body, send)[0] == 200
    status, feed = server.request("GET", "/alerts?after=0", token=read)
    assert status == 200
    assert feed["alerts"]


def test_a_settling_process_waits_for_one_left_by_a_killed_service(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    held = threading.Event()
    release = threading.Event()

    def old_settler() -> None:  # a settling process still ending its last settling
        with _settling_lock(state):
            held.set()
            release.wait(WAIT)

    old = threading.Thread(target=old_settler)
    old.start()
    assert held.wait(WAIT)
    made: list[SettledApart] = []
    starting = threading.Thread(
        target=lambda: made.append(SettledApart(REG, state, today="2011-10-31"))
    )
    starting.start()
    try:
        # the new settling process waits on the lock (Linux lists a waiter with "->")
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline and not waiting_for_flock():
            time.sleep(0.05)
        assert waiting_for_flock()
        assert not made
        release.set()
        old.join(WAIT)
        starting.join(WAIT)
        (front,) = made
        body = case_a1(("1", "S1", "2011-10-10 09:00"), ("2", "S6", "2011-10-10 10:00"))
        assert front.post(body, SENDER).accepted == 2
        assert [e["code"] for e in front.feed(0)["alerts"]] == ["M102", "M202"]
        assert front.health()["status"] == "ok"
    finally:
        release.set()
        starting.join(WAIT)
        for front in made:
            front.close()


def test_a_read_the_state_cannot_answer_now_is_503(tmp_path: Path) -> None:
    sup = Supervisor(REG, tmp_path / "state.db")
    _, read = add_token(sup.store, "office", reader=True)

    def down(*args: object, **kwargs: object) -> Any:
        raise StateUnavailable(phrase("service.why_no_settler"))

    sup.feed = down  # type: ignore[method-assign]
    sup.powers = down  # type: ignore[method-assign]
    with TestClient(create_app(sup, tick_every=3600)) as client:
        for path in ("/alerts?after=0", "/powers"):
            r = client.get(path, headers={"Authorization": f"Bearer {read}"})
            assert r.status_code == 503
            assert "cannot be started" in r.json()["error"]
            assert "无法启动结算进程" in r.json()["error_zh"]
            assert r.headers["Retry-After"] == "30"
    sup.close()


def test_a_settling_that_cannot_write_makes_the_health_degraded_until_it_can(
    tmp_path: Path,
) -> None:
    front = SettledApart(REG, tmp_path / "state.db", today="2011-10-31")
    try:
        body = case_a1(("1", "S6", "2011-10-10 09:00"))
        assert front.post(body, SENDER).accepted == 1  # stored by the front
        other = sqlite3.connect(tmp_path / "state.db", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another writer keeps the state past the timeout
        try:
            state = front.health()  # the settling process settles first, and cannot write
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert state["status"] == "degraded"
        assert state["problems_zh"] == ["上次写入失败：状态数据库被另一个进程锁定"]
        assert front.trouble is not None
        assert front.trouble.in_lang("en") == "the state database is locked by another process"
        state = front.health()  # it settles now
        assert state["status"] == "ok"
        assert front.trouble is None
        one = Supervisor(REG, tmp_path / "one.db", clock=lambda: date(2011, 10, 31))
        one.post(body, SENDER)  # the same request to a service of one process
        assert [e["code"] for e in front.feed(0)["alerts"]] == [
            e["code"] for e in one.feed(0)["alerts"]
        ]
        one.close()
    finally:
        front.close()
