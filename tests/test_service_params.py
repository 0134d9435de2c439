"""What a client sends wrong, answered as its mistake (found by fuzzing), with a real
server on 127.0.0.1: a query parameter out of its range or not in ASCII digits is 400
naming it, never a failure of the state nor an ERROR in the log; ids with control
characters are refused on either reading of a request, and an ``event_id`` is taken
without the spaces around it as every field is; and ``/powers`` counts the events
later than the day as ``powerreg monitor --as-of DAY`` does.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import powerreg
from powerreg.monitor import monitor

from .test_service import body, ev
from .test_service_faults import TODAY, Server
from .test_service_faults import server as server  # the fixture: a server not yet started
from .test_service_settler import tokens

REG = powerreg.load_reference()
#: The largest cursor: SQLite's largest integer.
TOP = 2**63 - 1

#: Queries of the feed that are wrong, and the parameter each names.
BAD_QUERIES = [
    ("after=99999999999999999999", "after"),
    ("after=-99999999999999999999", "after"),
    (f"after={TOP + 1}", "after"),
    ("after=-5&limit=-1", "after"),
    ("after=-1", "after"),
    ("after=%EF%BC%91", "after"),  # a full-width digit 1
    ("after=1_0", "after"),
    ("after=+1", "after"),
    ("after=%201", "after"),
    ("after=", "after"),
    ("after=1.0", "after"),
    ("after=1&after=2", "after"),
    ("limit=0", "limit"),
    ("limit=-1", "limit"),
    ("limit=10001", "limit"),
    ("limit=99999999999999999999", "limit"),
    ("after=0&limit=%EF%BC%95", "limit"),
]


@pytest.mark.parametrize("parallel", ["0", "1"])
def test_a_bad_query_parameter_is_400_naming_it_never_a_failure_of_the_server(
    server: Server, parallel: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERREG_PARALLEL", parallel)  # one process, or a settling one
    send, read = tokens(server.state)
    server.start()
    events = [ev("g1", "C1", "S1", "2011-12-12 09:00"), ev("g2", "C1", "S2", "2011-12-12 10:00")]
    assert server.request("POST", "/events", body(*events), send)[0] == 200
    for query, name in BAD_QUERIES:
        status, answer = server.request("GET", f"/alerts?{query}", token=read)
        assert status == 400, (query, answer)
        assert answer["error"].startswith(f"{name} "), (query, answer)
        assert f"参数 {name} " in answer["error_zh"], (query, answer)
    status, answer = server.request("GET", "/alerts?after=0&limit=-1", token=read)
    assert (status, answer["error"][:60]) == (
        400,
        "limit must be a whole number from 1 to 10000 in ASCII digits",
    )
    status, answer = server.request("GET", "/cases/C1?lang=fr", token=read)
    assert status == 400
    assert answer["error"] == "lang must be en or zh; got 'fr'"
    # the edges are taken; next is never below 0 nor past the last cursor asked from
    status, answer = server.request("GET", f"/alerts?after={TOP}&limit=10000", token=read)
    assert (status, answer["alerts"], answer["next"]) == (200, [], TOP)
    status, answer = server.request("GET", "/alerts?after=0&limit=1", token=read)
    assert (status, len(answer["alerts"]), answer["next"], answer["more"]) == (200, 1, 1, True)
    assert server.request("GET", "/cases/C1?lang=zh", token=read)[0] == 200
    assert server.request("GET", "/health")[0] == 200
    log = server.log.read_text(encoding="utf-8")
    assert " ERROR " not in log
    assert "Traceback" not in log
    assert "GET /alerts 400" in log


def test_ids_with_control_characters_are_refused_and_an_event_id_is_stripped(
    server: Server,
) -> None:
    send, read = tokens(server.state)
    server.start()
    # one event (read by the row reader) and the same among plain ones (read in one pass
    # first): refused either way, naming the event's index, event_id and field
    esc = ev("e\x1b[31mRED\n", "C1", "S1", "2011-12-12 09:00")
    nul = ev("n\x00ul", "C2", "S1", "2011-12-12 09:00")
    nul_case = ev("c1", "C\x002", "S1", "2011-12-12 09:00")
    sep_case = ev("c2", "C\u20282", "S1", "2011-12-12 09:00")
    invisible = ev("e\u200b1", "C4", "S1", "2011-12-12 09:00")
    plain = ev("p1", "P1", "S1", "2011-12-12 09:00")
    for bad, event_id, field, point in [
        (esc, "e\x1b[31mRED", "event_id", "U+001B"),
        (nul, "n\x00ul", "event_id", "U+0000"),
        (nul_case, "c1", "case_id", "U+0000"),
        (sep_case, "c2", "case_id", "U+2028"),
        (invisible, "e\u200b1", "event_id", "U+200B"),
    ]:
        for events, index in (([bad], 0), ([plain, bad], 1)):
            status, answer = server.request("POST", "/events", body(*events), send)
            assert status == 422, (bad, answer)
            (p,) = answer["problems"]
            assert (p["index"], p["event_id"], p["field"], p["code"]) == (
                index,
                event_id,
                field,
                "M011",
            )
            assert p["message"].startswith(f"field {field} holds {point}, a character that is")
    # a case id may hold a character that is not a control one (the monitor takes it)
    wide = ev("w1", "C\u30005", "S1", "2011-12-12 09:00")
    assert server.request("POST", "/events", body(wide), send)[0] == 200
    # "e1 " is "e1", as " C3 " is "C3": sent again with stray spaces, not a second event
    first = ev("e1", "C3", "S1", "2011-12-12 09:00")
    status, answer = server.request("POST", "/events", body(first), send)
    assert (status, answer["accepted"]) == (200, 1)
    for again in (
        [{**first, "event_id": "e1 ", "case_id": "C3 "}],
        [plain, {**first, "event_id": " e1\n"}],
        # and not plain (a timestamp not in ISO 8601): read by the row reader
        [{**first, "event_id": "\te1", "timestamp": "2011/12/12 09:00"}],
    ):
        status, answer = server.request("POST", "/events", body(*again), send)
        assert (status, answer["duplicates"]) == (200, 1), (again, answer)
    status, case = server.request("GET", "/cases/C3", token=read)
    assert status == 200
    assert [e["event_id"] for e in case["event_list"]] == ["e1"]
    for blank in ("", "  ", "\n"):
        status, answer = server.request("POST", "/events", body({**first, "event_id": blank}), send)
        assert (status, answer["problems"][0]["code"]) == (422, "M012")
    assert " ERROR " not in server.log.read_text(encoding="utf-8")


def test_powers_counts_the_events_later_than_the_day_as_the_monitor_does(
    server: Server, tmp_path: Path
) -> None:
    send, read = tokens(server.state)
    server.start()
    events = [
        ev("sp-1", "C1", "S1", "2011-12-12 09:00"),
        ev("sp-2", "C1", "S2", "2011-12-12 10:00"),
        ev("sp-3", "C2", "S1", "2012-01-05 09:00"),  # later than the service's day
        ev("sp-4", "C3", "S1", "2011-12-28 09:00"),
        ev("sp-5", "C3", "S2", "2012-01-04 09:00"),  # so is this step of C3
    ]
    assert server.request("POST", "/events", body(*events), send)[0] == 200
    status, powers = server.request("GET", "/powers", token=read)
    assert status == 200
    log = tmp_path / "cases.csv"
    log.write_text(
        "case_id,power_id,flowchart_id,step_id,timestamp\n"
        + "".join(
            f"{e['case_id']},{e['power_id']},{e['flowchart_id']},{e['step_id']},{e['timestamp']}\n"
            for e in events
        ),
        encoding="utf-8",
    )
    expected = monitor(log, REG, as_of=date.fromisoformat(TODAY))
    assert (expected.rows, expected.events, expected.after_as_of) == (5, 3, 2)
    assert powers["totals"] == expected.totals
    assert powers["powers"] == [p.to_dict() for p in expected.powers]
