"""The settling beside the requests (``Supervisor.tick``): a request that comes while
the cases are replayed is stored and answered at once, and a case it changed is
settled as it was taken, then again with its new events; no finding is raised twice.
"""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

import powerreg
from powerreg.service import Receipt, Supervisor, Token
from powerreg.service.app import create_app

REG = powerreg.load_reference()
SENDER = Token("sp-system", frozenset({"SP-013"}), send=True, read=False)
DAY = date(2011, 10, 31)


def ev(eid: str, case: str, step: str, at: str) -> dict[str, Any]:
    return {
        "event_id": eid,
        "case_id": case,
        "power_id": "SP-013",
        "flowchart_id": "F1",
        "step_id": step,
        "timestamp": at,
    }


def body(*events: dict[str, Any]) -> bytes:
    return json.dumps(list(events)).encode()


# a case of SP-013 that follows its chart (受理 → 审查 → 签发 → 送达); its first and last
# events alone skip the steps between (M102) and leave it late (M202)
C1 = [
    ev("g1", "C1", "S1", "2011-10-10 09:00"),
    ev("g2", "C1", "S2", "2011-10-10 10:00"),
    ev("g3", "C1", "S4", "2011-10-11 10:00"),
    ev("g4", "C1", "S6", "2011-10-12 10:00"),
    ev("g5", "C1", "S7", "2011-10-13 10:00"),
]
C0 = [{**e, "event_id": f"o{i}", "case_id": "C0"} for i, e in enumerate(C1)]


def feed(sup: Supervisor) -> list[tuple[str, int, str, str]]:
    """The feed as stored, without settling first: (entry, finding, case, code)."""
    rows = sup.store.feed_after(0, 10_000)
    return [
        (kind, fid, json.loads(rec)["case_id"], json.loads(rec)["code"])
        for _, fid, kind, _, _, rec in rows
    ]


def standing(entries: list[tuple[str, int, str, str]]) -> set[tuple[str, str]]:
    up: dict[int, tuple[bool, tuple[str, str]]] = {}
    for kind, fid, case, code in entries:
        up[fid] = (kind != "withdrawn", (case, code))
    return {what for stands, what in up.values() if stands}


def test_a_request_while_the_cases_are_replayed_is_stored_and_its_case_waits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sup = Supervisor(REG, tmp_path / "state.db", clock=lambda: DAY, settle_after=3600)
    sup.post(body(*C0), SENDER)  # the first request settles at once (a quiet spell)
    sup.post(body(C1[0], C1[4]), SENDER)
    assert set(sup.unsettled) == {"C1"}
    assert feed(sup) == []
    # while the tick replays C1, a request brings two more of its events: it is
    # stored and answered then (the store's lock is free), not after the settling
    during: list[Receipt] = []
    prepared = Supervisor._prepared
    sent: list[bool] = []

    def replaying(self: Supervisor, *args: Any) -> Any:
        out = prepared(self, *args)
        if not sent:  # (the request's own commit prepares too)
            sent.append(True)
            during.append(self.post(body(C1[1], C1[3]), SENDER))
        return out

    monkeypatch.setattr(Supervisor, "_prepared", replaying)
    assert sup.tick()
    monkeypatch.undo()
    assert [r.accepted for r in during] == [2]
    # C1 was settled as taken (its first and last events), and waits with all four
    taken = feed(sup)
    assert {(case, code) for _, _, case, code in taken} >= {("C1", "M102")}
    assert set(sup.unsettled) == {"C1"}
    assert len(sup.cases["C1"].events) == 4
    assert sup.store.count("events") == 9
    # the next settling replays it with all four: the feed ends as if they had come
    # together, every finding raised once
    assert sup.tick()
    after = feed(sup)
    assert after[: len(taken)] == taken
    assert not sup.unsettled
    raised = [fid for kind, fid, _, _ in after if kind == "raised"]
    assert len(raised) == len(set(raised))
    together = Supervisor(REG, tmp_path / "together.db", clock=lambda: DAY)
    together.post(body(*C0), SENDER)
    together.post(body(C1[0], C1[1], C1[3], C1[4]), SENDER)
    assert standing(after) == standing(feed(together)) == {("C1", "M102"), ("C1", "M202")}
    together.close()
    # the marks of the findings written went to the case's new state: a start from
    # the state database finds nothing to add to the feed
    sup.close()
    again = Supervisor(REG, tmp_path / "state.db", clock=lambda: DAY, settle_after=3600)
    assert feed(again) == after
    again.close()


def test_a_settling_waits_for_none_but_one_settling_at_a_time(tmp_path: Path) -> None:
    # a request settles itself when nothing settled for twice settle_after, unless a
    # settling is under way: then it is stored, and its cases wait for that one's next
    sup = Supervisor(REG, tmp_path / "state.db", clock=lambda: DAY, settle_after=3600)
    with sup._settling:
        r = sup.post(body(*C0), SENDER)
    assert (r.accepted, set(sup.unsettled)) == (5, {"C0"})
    assert sup.tick()
    assert not sup.unsettled
    sup.close()


def test_the_timer_settles_then_calls_after_tick(tmp_path: Path) -> None:
    # the server's collector (server.Survivors) runs after each tick of the timer, in
    # its thread, once the events stored before it are settled
    sup = Supervisor(REG, tmp_path / "state.db", clock=lambda: DAY, settle_after=3600)
    sup.post(body(*C0), SENDER)  # settles at once
    sup.post(body(*C1), SENDER)  # waits
    seen: list[set[str]] = []
    app = create_app(
        sup, tick_every=0.01, settle_after=0.02, after_tick=lambda: seen.append(set(sup.unsettled))
    )
    with TestClient(app):
        deadline = time.monotonic() + 30
        while set() not in seen and time.monotonic() < deadline:
            time.sleep(0.01)
    # a tick before the events were due (settle_after) leaves them waiting
    assert set() in seen
    assert all(s in ({"C1"}, set()) for s in seen)
    sup.close()
