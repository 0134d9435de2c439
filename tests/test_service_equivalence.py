"""The same answers as the batch monitor (issue 17.3): a ``synth-cases`` log fed to the
service in random batches, with random repeats and out of order, then asked at a date,
gives the deviations and alerts of ``monitor(LOG, registry, as_of=DATE)``.

The service is driven in process (its HTTP face adds nothing to the replay; see
``test_service.py``), settling each request before it replies or, as the HTTP service
does, letting the findings lag the events and settling at random points (and at the
reads), or storing the events and settling them in a process of its own, as
``powerreg supervise`` does on two cores. Events of one case with the same timestamp keep their order in
the log, as the service's contract asks of a sender (ties are placed in the order
received); everything else arrives in any order.
"""

from __future__ import annotations

import dataclasses
import json
import random
import tempfile
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import powerreg
from powerreg.monitor import monitor, synth_cases
from powerreg.monitor.findings import Alert, CaseResult
from powerreg.monitor.simulate import HEADER
from powerreg.service import Supervisor, Token, replays
from powerreg.service.feed import identities
from powerreg.service.settler import SettledApart

from .test_service import Clock

REG = powerreg.load_reference()
SENDER = Token("all", frozenset(REG.powers), send=True, read=True)


def arrival(rows: list[tuple[str, ...]], rng: random.Random) -> list[int]:
    """A random order of the rows, keeping the log's order among the rows of one case
    with one timestamp."""
    order = list(range(len(rows)))
    rng.shuffle(order)
    groups: dict[tuple[str, str], list[int]] = {}
    for i in range(len(rows)):
        groups.setdefault((rows[i][0], rows[i][4]), []).append(i)
    slots: dict[tuple[str, str], list[int]] = {}
    for pos, i in enumerate(order):
        slots.setdefault((rows[i][0], rows[i][4]), []).append(pos)
    out = [0] * len(rows)
    for key, members in groups.items():
        for pos, i in zip(slots[key], members, strict=True):
            out[pos] = i
    return out


def comparable(case: CaseResult) -> tuple[Any, ...]:
    """A replayed case without the line numbers (the log's lines; the service's event
    numbers)."""
    return (
        case.case_id,
        case.flowchart_id,
        case.status,
        case.step_days,
        case.elapsed,
        case.limit,
        [(e.step_id, e.time) for e in case.events],
        [dataclasses.replace(d, line=None) for d in case.deviations],
        [dataclasses.replace(a, line=None) for a in case.alerts],
    )


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n_cases=st.integers(1, 14),
    deviation_rate=st.sampled_from([0.0, 0.3, 1.0]),
    delay_rate=st.sampled_from([0.0, 0.3]),
    cut=st.floats(0.0, 1.2),
    data=st.data(),
)
def test_random_batches_repeats_and_disorder_give_the_monitors_answers(
    seed: int,
    n_cases: int,
    deviation_rate: float,
    delay_rate: float,
    cut: float,
    data: st.DataObject,
) -> None:
    log = synth_cases(REG, n_cases, seed=seed, deviation_rate=deviation_rate, delay_rate=delay_rate)
    rows = log.rows
    first = date.fromisoformat(rows[0][4][:10])
    last = date.fromisoformat(rows[-1][4][:10])
    as_of = first + timedelta(days=int((last - first).days * cut))
    rng = random.Random(data.draw(st.integers(0, 2**32 - 1), label="arrival"))
    order = arrival(rows, rng)
    # random repeats: some events sent again, later, as senders retry
    repeats = [i for i in order if rng.random() < 0.2]
    stream = order + repeats
    lazy = data.draw(st.booleans(), label="findings lag the events")
    # the cases of a settling replayed one by one, or in bulk (as a stream's thousands are)
    bulk_at = data.draw(st.sampled_from([1, 10**9]), label="replayed in bulk from")
    with tempfile.TemporaryDirectory() as tmp, mock.patch.object(replays, "BULK_AT", bulk_at):
        path = log.write_csv(Path(tmp) / "cases.csv")
        expected = monitor(path, REG, as_of=as_of)
        # or, as ``powerreg supervise`` on two cores, stored here and settled by a process
        # of its own (which replays in bulk from its default size on)
        apart = data.draw(st.booleans(), label="settled in a process of its own")
        sup: Supervisor
        if apart:
            sup = SettledApart(
                REG, Path(tmp) / "state.db", today=as_of.isoformat(), settle_after=3600 * lazy
            )
        else:
            sup = Supervisor(
                REG, Path(tmp) / "state.db", clock=Clock(as_of), settle_after=3600 if lazy else 0
            )
        try:
            accepted = 0
            k = 0
            while k < len(stream):
                size = data.draw(st.integers(1, 40), label="batch")
                batch = stream[k : k + size]
                k += size
                events = [
                    {"event_id": f"e{i}", **dict(zip(HEADER, rows[i], strict=True))} for i in batch
                ]
                accepted += sup.post(json.dumps(events).encode(), SENDER).accepted
                if lazy and data.draw(st.booleans(), label="settle now"):
                    assert sup.tick()
                    assert not sup.unsettled
            assert accepted == len(rows)
            live = {c.case_id: c for c in sup.results()}
            assert {c.case_id: comparable(c) for c in expected.cases} == {
                cid: comparable(c) for cid, c in live.items()
            }
            # the feed: each finding raised once, and those standing are the monitor's
            want = {key for c in expected.cases for key in identities(c)}
            feed = sup.feed(0, 10_000)
            assert not feed["more"]
            up: dict[int, bool] = {}
            keys: dict[int, tuple[str, str]] = {}
            raised: list[int] = []
            for e in feed["alerts"]:
                up[e["finding"]] = e["entry"] != "withdrawn"
                keys[e["finding"]] = (e["case_id"], e["code"])
                if e["entry"] == "raised":
                    raised.append(e["finding"])
            assert len(raised) == len(set(raised))
            stored = dict(sup.store.conn.execute("SELECT id, key FROM findings WHERE standing = 1"))
            assert {fid for fid, ok in up.items() if ok} == set(stored)
            assert set(stored.values()) == want
            # (checked without the identities too: one standing entry per finding)
            last = {e["finding"]: e for e in feed["alerts"]}
            got = Counter(
                (e["case_id"], e["code"], e["step"], e.get("date"))
                for e in last.values()
                if e["entry"] != "withdrawn"
            )
            findings = [f for c in expected.cases for f in (*c.deviations, *c.alerts)]
            assert got == Counter(
                (f.case_id, f.code, f.step, f.date.isoformat() if isinstance(f, Alert) else None)
                for f in findings
            )
            # and the per-power summary is the monitor's
            assert sup.powers()["powers"] == [p.to_dict() for p in expected.powers]
        finally:
            sup.close()


@pytest.mark.parametrize("bulk_at", [1, 10**9], ids=["in bulk", "one by one"])
def test_a_restart_replays_every_case_to_the_same_findings_and_raises_none_again(
    tmp_path: Path, bulk_at: int
) -> None:
    log = synth_cases(REG, 90, seed=5, deviation_rate=0.3, delay_rate=0.3)
    rows = log.rows
    day = date.fromisoformat(rows[len(rows) // 2][4][:10])  # many cases still open
    in_bulk = replays._in_bulk
    made: list[int] = []  # the cases each replay in bulk gave back

    def counted(*args: Any, **kwargs: Any) -> Any:
        got = in_bulk(*args, **kwargs)
        made.append(-1 if got is None else len(got))
        return got

    with (
        mock.patch.object(replays, "BULK_AT", bulk_at),
        mock.patch.object(replays, "_in_bulk", counted),
    ):
        sup = Supervisor(REG, tmp_path / "state.db", clock=Clock(day))
        try:
            for k in range(0, len(rows), 400):
                events = [
                    {"event_id": f"e{i}", **dict(zip(HEADER, rows[i], strict=True))}
                    for i in range(k, min(k + 400, len(rows)))
                ]
                sup.post(json.dumps(events).encode(), SENDER)
            feed = sup.feed(0, 10_000)
            cases = {c.case_id: comparable(c) for c in sup.results()}
        finally:
            sup.close()
        again = Supervisor(REG, tmp_path / "state.db", clock=Clock(day))
        try:
            assert again.feed(0, 10_000) == feed
            assert {c.case_id: comparable(c) for c in again.results()} == cases
        finally:
            again.close()
    expected = monitor(log.write_csv(tmp_path / "cases.csv"), REG, as_of=day)
    assert {c.case_id: comparable(c) for c in expected.cases} == cases
    # the bulk run did replay in bulk (never fell back to one by one); the other never did
    assert (bool(made) and min(made) > 0) if bulk_at == 1 else made == []
