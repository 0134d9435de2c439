"""The live supervision service: what it takes, refuses, raises and withdraws; its
clock; who may do what; its HTTP face (in process); its state in the catalog.

Faults with a real server (kill -9, restart) are in ``test_service_faults.py``; the
equivalence with the batch monitor in ``test_service_equivalence.py``.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

import powerreg
from powerreg.catalog import export_sqlite
from powerreg.cli import main
from powerreg.service import Refused, StateUnavailable, Store, Supervisor, Token, add_token
from powerreg.service.app import create_app
from powerreg.service.auth import Tokens, digest
from powerreg.service.export import export_state, state_result
from powerreg.service.settler import SettledApart

REG = powerreg.load_reference()
SENDER = Token("xk-system", frozenset({"XK-001", "SP-013"}), send=True, read=False)
READER = Token("office", None, send=False, read=True)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, day: date) -> None:
        self.day = day

    def __call__(self) -> date:
        return self.day


def ev(
    eid: str,
    case: str,
    step: str,
    at: str,
    power: str = "SP-013",
    chart: str | None = "F1",
    **extra: Any,
) -> dict[str, Any]:
    """One event as a system posts it."""
    out: dict[str, Any] = {
        "event_id": eid,
        "case_id": case,
        "power_id": power,
        "step_id": step,
        "timestamp": at,
    }
    if chart is not None:
        out["flowchart_id"] = chart
    out.update(extra)
    return out


def body(*events: dict[str, Any]) -> bytes:
    return json.dumps(list(events), ensure_ascii=False).encode()


def lines(*events: dict[str, Any]) -> bytes:
    return "\n".join(json.dumps(e, ensure_ascii=False) for e in events).encode()


def standing(sup: Supervisor) -> set[tuple[str, str]]:
    """(case, code) of every finding the feed says stands."""
    state: dict[int, tuple[bool, tuple[str, str]]] = {}
    for e in sup.feed(0, 10_000)["alerts"]:
        state[e["finding"]] = (e["entry"] != "withdrawn", (e["case_id"], e["code"]))
    return {what for up, what in state.values() if up}


def entries(sup: Supervisor) -> list[tuple[str, str, str]]:
    """(entry, case, code) of the whole feed, in order."""
    return [(e["entry"], e["case_id"], e["code"]) for e in sup.feed(0, 10_000)["alerts"]]


@pytest.fixture
def clock() -> Clock:
    return Clock(date(2011, 10, 31))


@pytest.fixture
def sup(tmp_path: Path, clock: Clock) -> Any:
    s = Supervisor(REG, tmp_path / "state.db", clock=clock)
    yield s
    s.close()


# A case of SP-013 (环境影响登记表审批, promised 10, statutory 15 working days) that
# follows its chart: 受理 → 审查 → 签发 → 送达, within its days.
GOOD = [
    ev("g1", "C1", "S1", "2011-10-10 09:00"),
    ev("g2", "C1", "S2", "2011-10-10 10:00"),
    ev("g3", "C1", "S4", "2011-10-11 10:00"),
    ev("g4", "C1", "S6", "2011-10-12 10:00"),
    ev("g5", "C1", "S7", "2011-10-13 10:00"),
]


# ---------------------------------------------------------------------- taking events


def test_events_are_stored_and_a_repeat_is_accepted_and_ignored(sup: Supervisor) -> None:
    r = sup.post(body(*GOOD), SENDER)
    assert (r.accepted, r.duplicates, r.feed_entries) == (5, 0, 0)
    (case,) = sup.results()
    assert (case.case_id, case.status, case.fits) == ("C1", "closed", True)
    again = sup.post(lines(*GOOD[:3]), SENDER)  # JSON Lines, the same events
    assert (again.accepted, again.duplicates) == (0, 3)
    assert sup.store.count("events") == 5
    assert entries(sup) == []


def test_out_of_order_events_are_placed_by_time_and_a_gap_filled_withdraws(
    sup: Supervisor,
) -> None:
    # 受理 then straight to 签发: 审查 skipped (M102)
    # 受理审查 (1 day) seems to last two days (M202)
    sup.post(body(GOOD[0], GOOD[4], GOOD[1], GOOD[3]), SENDER)
    assert standing(sup) == {("C1", "M102"), ("C1", "M202")}
    # the 审查 event arrives late: the case followed its chart after all, in its days
    sup.post(body(GOOD[2]), SENDER)
    assert standing(sup) == set()
    assert entries(sup) == [
        ("raised", "C1", "M102"),
        ("raised", "C1", "M202"),
        ("withdrawn", "C1", "M102"),
        ("withdrawn", "C1", "M202"),
    ]
    (case,) = sup.results()
    assert [e.step_id for e in case.events] == ["S1", "S2", "S4", "S6", "S7"]
    assert case.fits


def test_a_request_need_not_be_in_time_order_nor_write_times_alike(sup: Supervisor) -> None:
    mixed = [
        {**GOOD[4], "timestamp": "2011/10/13 10:00"},
        {**GOOD[2], "timestamp": "2011-10-11T10:00:00+08:00"},
        GOOD[3],
        {**GOOD[1], "timestamp": "2011/10/10 10:00"},
        {**GOOD[0], "timestamp": "2011-10-10T01:00:00Z"},  # 09:00 in China
    ]
    assert sup.post(body(*mixed), SENDER).accepted == 5
    (case,) = sup.results()
    assert [e.step_id for e in case.events] == ["S1", "S2", "S4", "S6", "S7"]
    assert (case.status, case.fits, case.alerts) == ("closed", True, ())


def test_a_finding_found_again_is_restored_never_raised_twice(sup: Supervisor) -> None:
    # no flowchart named: the chart is inferred, and may change as events arrive
    a = [
        ev("a1", "D1", "S1", "2011-10-10 09:00", power="XK-001", chart=None),
        ev("a2", "D1", "S2", "2011-10-10 10:00", power="XK-001", chart=None),
        ev("a3", "D1", "S6", "2011-10-11 10:00", power="XK-001", chart=None),
    ]
    sup.post(body(*a), SENDER)
    first = entries(sup)
    assert ("raised", "D1", "M102") in first
    raised = [e for e in sup.feed(0)["alerts"] if e["entry"] == "raised"]
    ids = [e["finding"] for e in raised]
    assert len(ids) == len(set(ids))
    # the feed raises each finding once: the database refuses a second raise
    with pytest.raises(sqlite3.IntegrityError), sup.store.lock:
        sup.store.conn.execute(
            "INSERT INTO feed (finding_id, kind, case_id, power_id, at, as_of, record) "
            "VALUES (?, 'raised', 'D1', 'XK-001', '', '', '{}')",
            (ids[0],),
        )


# ---------------------------------------------------------------------- refusals


BAD_EVENTS = [
    ({"step_id": "S99"}, 422, "M005", "step_id"),
    ({"timestamp": "yesterday"}, 422, "M002", "timestamp"),
    ({"timestamp": "2003-05-06 09:00"}, 422, "M009", "timestamp"),
    ({"flowchart_id": "F9", "case_id": "C9"}, 422, "M004", "flowchart_id"),
    ({"flowchart_id": "F2"}, 422, "M007", "flowchart_id"),
    ({"case_id": ""}, 422, "M001", "case_id"),
    ({"event_id": ""}, 422, "M012", "event_id"),
    ({"event_id": 7}, 422, "M012", "event_id"),
    ({"note": "x" * 200_000}, 422, "M010", "note"),
    ({"power_id": "CF-001"}, 403, "M014", "power_id"),
]


@pytest.mark.parametrize(("change", "status", "code", "field"), BAD_EVENTS)
def test_one_bad_event_refuses_the_whole_request_naming_event_and_field(
    sup: Supervisor, change: dict[str, Any], status: int, code: str, field: str
) -> None:
    sup.post(body(GOOD[0]), SENDER)
    bad = {**GOOD[2], **change}
    with pytest.raises(Refused) as caught:
        sup.post(body(GOOD[1], bad, GOOD[3]), SENDER)
    err = caught.value
    assert err.status == status
    problems = err.to_dict()["problems"]
    eid = bad["event_id"] if isinstance(bad["event_id"], str) and bad["event_id"] else None
    assert [(p["index"], p["event_id"], p["field"], p["code"]) for p in problems] == [
        (1, eid, field, code)
    ]
    assert problems[0]["message"]
    assert problems[0]["message_zh"]
    # the good events of the request were not kept either: the request is taken whole
    assert sup.store.count("events") == 1
    assert len(sup.cases["C1"].events) == 1


def test_an_unknown_power_is_named_when_the_token_is_for_it(sup: Supervisor) -> None:
    token = Token("t", frozenset({"XX-999"}), send=True, read=False)
    with pytest.raises(Refused) as caught:
        sup.post(body(ev("u1", "U1", "S1", "2011-10-10 09:00", power="XX-999")), token)
    assert caught.value.status == 422
    assert [(b.field, b.problem.code) for b in caught.value.bad] == [("power_id", "M003")]


def test_every_bad_event_is_listed(sup: Supervisor) -> None:
    events = [
        {**GOOD[0], "step_id": "S99"},
        GOOD[1],
        {**GOOD[2], "timestamp": "soon"},
        [1, 2],
        {**GOOD[3], "event_id": None},
    ]
    with pytest.raises(Refused) as caught:
        sup.post(body(*events), SENDER)
    assert [(b.index, b.field, b.problem.code) for b in caught.value.bad] == [
        (0, "step_id", "M005"),
        (2, "timestamp", "M002"),
        (3, None, "M001"),
        (4, "event_id", "M012"),
    ]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"\xff\xfe", "M015"),
        (b'[{"event_id": "1",', "M015"),
        (b'"just text"', "M015"),
        (b"[" * 100_000, "M015"),
    ],
)
def test_a_body_that_is_not_events_is_400(sup: Supervisor, raw: bytes, code: str) -> None:
    with pytest.raises(Refused) as caught:
        sup.post(raw, SENDER)
    assert caught.value.status == 400
    assert [b.problem.code for b in caught.value.bad] == [code]


def test_too_many_events_is_413_and_a_refusal_lists_the_first_hundred(
    sup: Supervisor, monkeypatch: pytest.MonkeyPatch
) -> None:
    import powerreg.service.intake as intake

    monkeypatch.setattr(intake, "MAX_EVENTS", 3)
    with pytest.raises(Refused) as caught:
        sup.post(body(*GOOD[:4]), SENDER)
    assert (caught.value.status, caught.value.bad[0].problem.key) == (413, "M015.too_many")
    monkeypatch.setattr(intake, "MAX_EVENTS", 1000)
    bad = [{**GOOD[0], "event_id": f"b{i}", "step_id": "S99"} for i in range(150)]
    with pytest.raises(Refused) as caught:
        sup.post(body(*bad), SENDER)
    reply = caught.value.to_dict()
    assert (reply["count"], len(reply["problems"])) == (150, 100)
    assert "the first 100 listed" in reply["error"]


def test_the_same_move_twice_at_one_time_is_two_findings(sup: Supervisor) -> None:
    same = "2011-10-10 10:00"
    sup.post(
        body(
            ev("r1", "R/1", "S1", "2011-10-10 09:00"),
            ev("r2", "R/1", "S2", same),
            ev("r3", "R/1", "S2", same),
            ev("r4", "R/1", "S2", same),
        ),
        SENDER,
    )
    (case,) = sup.results()
    assert [d.code for d in case.deviations] == ["M102", "M102"]
    assert [e for e in entries(sup) if e[2] == "M102"] == [("raised", "R/1", "M102")] * 2


def test_json_lines_name_the_bad_line(sup: Supervisor) -> None:
    text = lines(GOOD[0]) + b"\n{not json\n" + lines(GOOD[1])
    with pytest.raises(Refused) as caught:
        sup.post(text, SENDER)
    assert [(b.index, b.problem.key) for b in caught.value.bad] == [(1, "M001.json")]


def test_an_event_id_reused_for_other_content_is_409(sup: Supervisor) -> None:
    sup.post(body(GOOD[0]), SENDER)
    with pytest.raises(Refused) as caught:
        sup.post(body({**GOOD[0], "step_id": "S2"}, GOOD[1]), SENDER)
    assert caught.value.status == 409
    assert [(b.index, b.event_id, b.field, b.problem.code) for b in caught.value.bad] == [
        (0, "g1", "step_id", "M013")
    ]
    with pytest.raises(Refused) as caught:  # twice in one request
        sup.post(body(GOOD[1], {**GOOD[1], "timestamp": "2011-10-10 11:00"}), SENDER)
    assert [(b.index, b.field) for b in caught.value.bad] == [(1, "timestamp")]
    message = caught.value.bad[0].problem.message("en")
    assert "2011-10-10 10:00:00" in message
    assert "2011-10-10 11:00:00" in message
    with pytest.raises(Refused) as caught:  # and against the stored one, at another time
        sup.post(body({**GOOD[0], "timestamp": "2011-10-10 09:30"}), SENDER)
    (bad,) = caught.value.bad
    assert (caught.value.status, bad.field) == (409, "timestamp")
    assert "2011-10-10 09:00:00" in bad.problem.message("en")
    assert sup.store.count("events") == 1


def test_findings_may_lag_the_events_and_every_read_settles_first(
    tmp_path: Path, clock: Clock
) -> None:
    # the service's way (settle_after > 0): a lone request settles at once — its events,
    # their case replayed and its findings in one transaction — and the requests that
    # follow within settle_after seconds are stored and answered, their cases replayed
    # later, once for several requests
    sup = Supervisor(REG, tmp_path / "state.db", clock=clock, settle_after=3600)
    other = [{**e, "event_id": f"o{i}", "case_id": "C0"} for i, e in enumerate(GOOD)]
    r = sup.post(body(*other), SENDER)
    assert (r.accepted, r.feed_entries, sup.unsettled) == (5, 0, {})
    assert sup.cases["C0"].ahead is not None
    r = sup.post(body(GOOD[0], GOOD[4]), SENDER)
    assert (r.accepted, r.feed_entries, r.cursor) == (2, 0, 0)
    r = sup.post(body(GOOD[1], GOOD[3]), SENDER)
    assert (r.accepted, r.feed_entries, set(sup.unsettled)) == (2, 0, {"C1"})
    assert (sup.store.count("events"), sup.store.count("feed")) == (9, 0)
    # a read settles first: it sees every event acknowledged, and the case was replayed
    # with all four, so only what those four show was raised
    assert standing(sup) == {("C1", "M102"), ("C1", "M202")}
    assert entries(sup) == [("raised", "C1", "M102"), ("raised", "C1", "M202")]
    # the process ends before the next settling (kill -9): the events are on disk, the
    # feed is not; on start every case is replayed and the feed caught up
    sup.post(body(GOOD[2]), SENDER)
    assert sup.store.count("feed") == 2
    sup.store.close()
    again = Supervisor(REG, tmp_path / "state.db", clock=clock, settle_after=3600)
    assert entries(again)[-2:] == [("withdrawn", "C1", "M102"), ("withdrawn", "C1", "M202")]
    assert standing(again) == set()
    # a request refused whole leaves nothing unsettled behind it
    with pytest.raises(Refused):
        again.post(body({**GOOD[0], "event_id": "z", "step_id": "S99"}), SENDER)
    assert again.unsettled == {}
    again.close()


def test_a_case_keeps_its_power_and_flowchart_across_requests(sup: Supervisor) -> None:
    sup.post(body(GOOD[0]), SENDER)
    with pytest.raises(Refused) as caught:
        sup.post(body(ev("x", "C1", "S2", "2011-10-10 10:00", power="XK-001")), SENDER)
    (bad,) = caught.value.bad
    assert (caught.value.status, bad.field, bad.problem.code) == (422, "power_id", "M007")
    assert "event g1" in bad.problem.message("en")


# ---------------------------------------------------------------------- the clock


def test_a_quiet_case_gets_its_cards_on_the_working_days_its_limits_pass(
    tmp_path: Path,
) -> None:
    clock = Clock(date(2011, 10, 10))
    sup = Supervisor(REG, tmp_path / "state.db", clock=clock)
    sup.post(body(GOOD[0], GOOD[1]), SENDER)  # then nothing: the case is stuck at 受理审查
    day = clock.day
    while day < date(2011, 11, 3):
        day = date.fromordinal(day.toordinal() + 1)
        clock.day = day
        assert sup.tick()
    raised = [
        (e["code"], e["scope"], e["as_of"], e["date"])
        for e in sup.feed(0)["alerts"]
        if e["entry"] == "raised"
    ]
    # 受理审查 has 1 day; SP-013 promises 10 working days (80%: 8) and allows 15
    assert raised == [
        ("M202", "step", "2011-10-12", "2011-10-12"),
        ("M201", "case", "2011-10-20", "2011-10-20"),
        ("M202", "case", "2011-10-25", "2011-10-25"),
        ("M203", "case", "2011-11-01", "2011-11-01"),
    ]
    assert len(sup.feed(0)["alerts"]) == 4  # never raised again as the days go on
    sup.close()
    # a restart days later raises nothing twice, and the day never goes back
    clock.day = date(2011, 11, 30)
    again = Supervisor(REG, tmp_path / "state.db", clock=Clock(date(2011, 11, 30)))
    assert len(again.feed(0)["alerts"]) == 4
    assert again.as_of == date(2011, 11, 30)
    again.close()
    back = Supervisor(REG, tmp_path / "state.db", clock=Clock(date(2011, 10, 1)))
    assert back.as_of == date(2011, 11, 30)
    back.close()


def test_the_timer_raises_cards_while_no_request_comes(tmp_path: Path) -> None:
    clock = Clock(date(2011, 10, 10))
    sup = Supervisor(REG, tmp_path / "state.db", clock=clock)
    sup.post(body(GOOD[0], GOOD[1]), SENDER)
    with TestClient(create_app(sup, tick_every=0.05)):
        clock.day = date(2011, 10, 12)
        deadline = time.monotonic() + 30
        while sup.as_of < clock.day and time.monotonic() < deadline:
            time.sleep(0.02)
    assert sup.as_of == date(2011, 10, 12)
    assert entries(sup) == [("raised", "C1", "M202")]
    sup.close()


def test_an_event_later_than_today_counts_from_its_day(tmp_path: Path) -> None:
    clock = Clock(date(2011, 10, 10))
    sup = Supervisor(REG, tmp_path / "state.db", clock=clock)
    sup.post(body(GOOD[0], GOOD[1], GOOD[2]), SENDER)
    (first,) = sup.results()
    assert len(first.events) == 2
    clock.day = date(2011, 10, 11)
    sup.tick()
    (later,) = sup.results()
    assert len(later.events) == 3
    sup.close()


def test_today_past_the_calendar_is_clamped_and_health_says_so(tmp_path: Path) -> None:
    sup = Supervisor(REG, tmp_path / "state.db", clock=Clock(date(2099, 1, 1)))
    assert sup.as_of == sup.calendar.last
    health = sup.health()
    assert health["status"] == "degraded"
    assert "upgrade chinese-calendar" in health["problems"][0]
    assert "请升级 chinese-calendar" in health["problems_zh"][0]
    assert sup.calendar.last.isoformat() in health["problems_zh"][0]
    sup.close()


# ---------------------------------------------------------------------- the state


def test_a_restart_keeps_every_case_and_finding(tmp_path: Path, clock: Clock) -> None:
    sup = Supervisor(REG, tmp_path / "state.db", clock=clock)
    sup.post(body(GOOD[0], GOOD[1], GOOD[3], GOOD[4]), SENDER)
    before = (entries(sup), sup.results())
    sup.close()
    again = Supervisor(REG, tmp_path / "state.db", clock=clock)
    assert (entries(again), again.results()) == before
    again.post(body(GOOD[2]), SENDER)
    assert entries(again)[-2:] == [("withdrawn", "C1", "M102"), ("withdrawn", "C1", "M202")]
    again.close()


def test_one_service_per_state_and_one_registry(tmp_path: Path, clock: Clock) -> None:
    sup = Supervisor(REG, tmp_path / "state.db", clock=clock)
    with pytest.raises(powerreg.UsageError, match="another powerreg supervise"):
        Supervisor(REG, tmp_path / "state.db", clock=clock)
    sup.close()
    other = REG.model_copy(update={"id": "other-reg"})
    with pytest.raises(powerreg.UsageError, match="is of registry liaoning-epd-2011"):
        Supervisor(other, tmp_path / "state.db", clock=clock)


def test_events_are_stored_as_sent_whichever_optional_columns_are_null(tmp_path: Path) -> None:
    # each pattern of the optional columns (flowchart, actor, note) given or None, in
    # runs and interleaved, in groups of every size the inserts are made of: each row
    # is stored as it came, NULL where None
    patterns = [(c, a, n) for c in ("F1", None) for a in ("张三", None) for n in ("note", None)]
    kinds = [0] * 106 + [k % 8 for k in range(128)] + [7] * 5
    rows = [
        (seq, f"e{seq}", f"A{seq % 3}", "XK-001", chart, "S1", seq, "2011-10-10 09:00",
         actor, note, "xk", "2026-01-01T00:00:00.000+00:00")
        for seq, kind in enumerate(kinds, start=1)
        for chart, actor, note in [patterns[kind]]
    ]  # fmt: skip
    store = Store(tmp_path / "state.db")
    with store.transaction():
        store.insert_events(rows)
    stored = store.conn.execute("SELECT * FROM events ORDER BY seq").fetchall()
    nulls = store.conn.execute(
        "SELECT count(*) FROM events WHERE flowchart_id IS NULL OR actor IS NULL OR note IS NULL"
    ).fetchone()[0]
    store.close()
    assert stored == rows
    assert nulls == 7 * 16 + 5


def test_a_file_that_is_not_a_state_is_refused(tmp_path: Path) -> None:
    catalog = export_sqlite(REG, tmp_path / "catalog.db")
    with pytest.raises(powerreg.UsageError, match="not a state database"):
        Store(catalog)
    (tmp_path / "junk.db").write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(powerreg.UsageError):
        Store(tmp_path / "junk.db")


@pytest.mark.parametrize("apart", [False, True], ids=["one process", "settled apart"])
@pytest.mark.parametrize("fault", ["full", "read-only"])
def test_a_full_disk_or_read_only_state_is_503_and_loses_nothing(
    tmp_path: Path, clock: Clock, fault: str, apart: bool
) -> None:
    # (settled apart: the front's writes refused, as powerreg supervise on two cores)
    sup = (
        SettledApart(REG, tmp_path / "state.db", today=clock().isoformat())
        if apart
        else Supervisor(REG, tmp_path / "state.db", clock=clock)
    )
    try:
        _full_disk_or_read_only(sup, fault)
    finally:
        sup.close()


def _full_disk_or_read_only(sup: Supervisor, fault: str) -> None:
    sup.post(body(GOOD[0], GOOD[1]), SENDER)
    conn = sup.store.conn
    if fault == "full":
        # SQLite's own full-disk path: the file may not grow past its pages now
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
        big = [
            ev(f"n{i}", f"N{i}", "S1", "2011-10-10 09:00", note="备注" * 500) for i in range(200)
        ]
    else:
        conn.execute("PRAGMA query_only = ON")  # writes refused as by a read-only file
        big = [GOOD[3]]
    with pytest.raises(StateUnavailable) as caught:
        sup.post(body(*big), SENDER)
    assert caught.value.why.in_lang("en") == (
        "the disk is full" if fault == "full" else "the state database is read-only"
    )
    assert caught.value.why.in_lang("zh") == ("磁盘已满" if fault == "full" else "状态数据库只读")
    health = sup.health()
    assert health["status"] == "degraded"
    # why, in both languages
    assert health["problems"] == [f"the last write failed: {caught.value.why.in_lang('en')}"]
    assert health["problems_zh"] == [f"上次写入失败：{caught.value.why.in_lang('zh')}"]
    # nothing of the refused request, nothing lost before it, memory as the disk
    assert sup.store.count("events") == 2
    assert set(sup.cases) == {"C1"}
    assert len(sup.cases["C1"].events) == 2
    conn.execute("PRAGMA max_page_count = 1073741823")
    conn.execute("PRAGMA query_only = OFF")
    sup.post(body(*big), SENDER)  # the sender sends it again
    assert sup.store.count("events") == 2 + len(big)
    assert sup.health()["status"] == "ok"
    ids = [e["finding"] for e in sup.feed(0)["alerts"] if e["entry"] == "raised"]
    assert len(ids) == len(set(ids))


# ---------------------------------------------------------------------- tokens


def test_add_token_prints_it_once_and_stores_only_its_hash(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    result = CliRunner().invoke(
        main, ["supervise", "add-token", "xk-system", "--state", str(state), "--powers", "XK-001"]
    )
    assert result.exit_code == 0, result.stderr
    secret = result.stdout.strip()
    assert len(secret) >= 43
    assert "posts XK-001" in result.stderr
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert secret.encode() not in raw
    assert digest(secret).encode() in raw
    store = Store(state)
    found = Tokens(store).check(secret)
    assert found == Token("xk-system", frozenset({"XK-001"}), send=True, read=False)
    assert Tokens(store).check(secret[:-1] + "x") is None
    store.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give the state database"),
        (["--state", "{tmp}/s.db", "--today", "soon"], "--today 'soon'"),
        (["--state", "{tmp}", "--today", "events"], "is a directory"),
        (["--state", "{tmp}/s.db", "--listen", "here"], "--listen 'here'"),
    ],
)
def test_supervise_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = CliRunner().invoke(main, ["supervise", *args])
    assert result.exit_code == 2
    assert message in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["t"], "needs --powers"),
        (["t", "--powers", "XX-999"], "has no power XX-999"),
        (["bad name"], "token name"),
        (["t", "--powers", ","], "names no power"),
    ],
)
def test_add_token_refusals(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(
        main, ["supervise", "add-token", *args, "--state", str(tmp_path / "s.db")]
    )
    assert result.exit_code == 2
    assert message in result.stderr


def test_a_token_name_is_taken_once(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    add_token(store, "office", reader=True)
    with pytest.raises(powerreg.UsageError, match="already has a token named"):
        add_token(store, "office", reader=True)
    store.close()


# ---------------------------------------------------------------------- HTTP


@pytest.fixture
def http(sup: Supervisor) -> Any:
    _, send = add_token(sup.store, "xk-system", powers=frozenset({"SP-013", "XK-001"}))
    _, read = add_token(sup.store, "office", reader=True)
    _, own = add_token(sup.store, "sp-reader", powers=frozenset({"SP-013"}), reader=True)
    app = create_app(sup, max_body=64 * 1024, tick_every=3600)
    with TestClient(app) as client:
        yield client, {"send": send, "read": read, "own": own}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_http_post_read_and_the_rights_of_each_token(http: Any) -> None:
    client, t = http
    r = client.post("/events", content=body(*GOOD[:2], *GOOD[3:]), headers=auth(t["send"]))
    assert (r.status_code, r.json()["accepted"]) == (200, 4)
    r = client.post(
        "/events",
        content=lines(ev("x1", "X1", "S1", "2011-10-10 09:00", power="XK-001")),
        headers={**auth(t["send"]), "Content-Type": "application/x-ndjson"},
    )
    assert r.status_code == 200
    # the feed needs a reader: 401 without a token, 403 with a sender's
    for path in ("/alerts", "/cases/C1", "/powers"):
        assert client.get(path).status_code == 401
        assert client.get(path, headers=auth("not-a-token")).status_code == 401
        assert client.get(path, headers=auth(t["send"])).status_code == 403
    feed = client.get("/alerts?after=0", headers=auth(t["read"])).json()
    assert [(e["entry"], e["code"], e["event_id"]) for e in feed["alerts"]] == [
        ("raised", "M102", "g4"),
        ("raised", "M202", "g2"),
    ]
    assert (
        client.get(f"/alerts?after={feed['next']}", headers=auth(t["read"])).json()["alerts"] == []
    )
    case = client.get("/cases/C1?lang=zh", headers=auth(t["read"])).json()
    assert [e["event_id"] for e in case["event_list"]] == ["g1", "g2", "g4", "g5"]
    assert case["deviations"][0]["message"].startswith("办件 C1：从 S2 流转到 S6")
    powers = client.get("/powers", headers=auth(t["read"])).json()
    assert [p["power_id"] for p in powers["powers"]] == ["SP-013", "XK-001"]
    # a reader of SP-013 sees SP-013 only
    own = auth(t["own"])
    assert [p["power_id"] for p in client.get("/powers", headers=own).json()["powers"]] == [
        "SP-013"
    ]
    assert client.get("/cases/X1", headers=own).status_code == 404
    slash = ev("s1", "2011/XK/7", "S1", "2011-10-10 09:00", power="XK-001")
    assert client.post("/events", content=body(slash), headers=auth(t["send"])).status_code == 200
    assert client.get("/cases/2011/XK/7", headers=auth(t["read"])).json()["case_id"] == "2011/XK/7"
    assert {e["power_id"] for e in client.get("/alerts", headers=own).json()["alerts"]} <= {
        "SP-013"
    }
    # a reader may not post; a sender may not post another's power
    assert client.post("/events", content=body(GOOD[4]), headers=auth(t["read"])).status_code == (
        403
    )
    r = client.post(
        "/events",
        content=body(ev("c1", "K1", "S1", "2011-10-10 09:00", power="CF-001")),
        headers=auth(t["send"]),
    )
    assert r.status_code == 403
    assert r.json()["problems"][0]["field"] == "power_id"
    assert client.post("/events", content=body(GOOD[4])).status_code == 401
    assert client.get("/health").json()["status"] == "ok"


def test_http_refusals_are_json_that_names_event_and_field(http: Any) -> None:
    client, t = http
    r = client.post("/events", content=b"[" + b" " * 70_000 + b"]", headers=auth(t["send"]))
    assert r.status_code == 413
    assert r.json()["problems"][0]["code"] == "M015"
    r = client.post("/events", content=b"{oops", headers=auth(t["send"]))
    assert r.status_code == 422  # a JSON Lines body with one line that is not JSON
    r = client.post("/events", content=b"[1", headers=auth(t["send"]))
    assert r.status_code == 400
    bad = {**GOOD[1], "step_id": "S99"}
    r = client.post("/events", content=body(GOOD[0], bad), headers=auth(t["send"]))
    assert r.status_code == 422
    data = r.json()
    assert data["error"].startswith("the request was refused and nothing of it was stored")
    assert [(p["index"], p["event_id"], p["field"], p["code"]) for p in data["problems"]] == [
        (1, "g2", "step_id", "M005")
    ]
    assert client.get("/alerts?after=x", headers=auth(t["read"])).status_code == 400


def test_http_503_when_the_state_cannot_be_written(http: Any, sup: Supervisor) -> None:
    client, t = http
    sup.store.conn.execute("PRAGMA query_only = ON")
    r = client.post("/events", content=body(GOOD[0]), headers=auth(t["send"]))
    assert r.status_code == 503
    assert r.headers["Retry-After"] == "30"
    assert "nothing of this request was stored" in r.json()["error"]
    assert r.json()["error_zh"].startswith("状态数据库暂时无法写入（状态数据库只读）")
    assert client.get("/health").status_code == 503
    sup.store.conn.execute("PRAGMA query_only = OFF")
    assert client.post("/events", content=body(GOOD[0]), headers=auth(t["send"])).status_code == (
        200
    )
    assert client.get("/health").status_code == 200


def test_no_token_and_no_event_body_in_the_log(
    http: Any, sup: Supervisor, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, t = http
    marker = "秘密备注-SECRET-NOTE"
    with caplog.at_level(logging.DEBUG):
        client.post(
            "/events",
            content=body({**GOOD[0], "note": marker, "case_id": "CASE-" + marker}),
            headers=auth(t["send"]),
        )
        client.post(
            "/events", content=body({**GOOD[1], "step_id": marker}), headers=auth(t["send"])
        )
        client.get(f"/cases/CASE-{marker}?token={t['read']}", headers=auth(t["read"]))
        client.get("/alerts", headers=auth(t["read"] + "x"))

        def explode(raw: bytes, token: Token) -> None:
            raise ValueError(raw.decode())  # a failure whose message quotes the body

        monkeypatch.setattr(sup, "post", explode)
        r = client.post(
            "/events", content=body({**GOOD[2], "note": marker}), headers=auth(t["send"])
        )
        assert r.status_code == 500
    server = [r for r in caplog.records if r.name.startswith(("powerreg", "uvicorn"))]
    text = "\n".join(r.getMessage() for r in server)
    assert "POST /events 200" in text
    assert "GET /cases/{case_id} 200" in text
    assert "token=xk-system" in text
    assert "internal error: ValueError" in text
    for secret in (t["send"], t["read"], marker):
        assert secret not in text


# ---------------------------------------------------------------------- the catalog


def test_the_state_in_the_catalog_is_the_monitor_of_its_events(
    sup: Supervisor, tmp_path: Path
) -> None:
    sup.post(body(*GOOD[:2], GOOD[3], ev("x1", "X1", "S1", "2011-10-10", power="XK-001")), SENDER)
    catalog = export_sqlite(REG, tmp_path / "catalog.db")
    result = CliRunner().invoke(
        main,
        [
            "supervise",
            "export",
            "--state",
            str(sup.store.path),
            "--catalog",
            str(catalog),
        ],
    )
    assert result.exit_code == 0, result.stderr
    conn = sqlite3.connect(catalog)
    cases = conn.execute("SELECT id, status, on_time FROM cases ORDER BY id").fetchall()
    assert cases == [("C1", "open", None), ("X1", "open", None)]
    codes = conn.execute("SELECT case_id, code FROM alerts ORDER BY id").fetchall()
    live = sorted((c.case_id, f.code) for c in sup.results() for f in [*c.deviations, *c.alerts])
    assert sorted(codes) == live
    rates = {
        row[0]: row[1]
        for row in conn.execute(
            "SELECT power_id, round(1.0 * sum(on_time) / sum(on_time IS NOT NULL), 4) "
            "FROM cases GROUP BY power_id"
        )
    }
    assert rates == {
        p["power_id"]: p["on_time_rate"] and round(p["on_time_rate"], 4)
        for p in sup.powers()["powers"]
    }
    conn.close()
    # the same replay as the monitor over the events the state holds
    again = state_result(sup.store.path, REG)
    assert [(c.case_id, c.deviations, c.alerts) for c in again.cases] == [
        (c.case_id, c.deviations, c.alerts) for c in sorted(sup.results(), key=lambda c: c.case_id)
    ]
    assert again.powers == sup._view(sup.results()).powers
    assert export_state(sup.store.path, REG, catalog).totals == again.totals
