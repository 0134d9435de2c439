"""The intake's one-pass reading of plain requests (``Intake._plain_events``) takes a
request only when the row reader's reading (``Intake._checked``) takes it too, and then
gives the very same events; any other request is read by the row reader, which says
what is wrong. Hypothesis mixes good events with every kind of flaw."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import powerreg
from powerreg.monitor import synth_cases
from powerreg.monitor.calendar import china_calendar
from powerreg.monitor.reader import RowIndex
from powerreg.monitor.simulate import HEADER
from powerreg.service import Refused, Token
from powerreg.service.intake import Intake, Posted

REG = powerreg.load_reference()
INTAKE = Intake(REG, RowIndex(REG), china_calendar())
LOG = synth_cases(REG, 6, seed=4, deviation_rate=0.3)
ROWS = [dict(zip(HEADER, row, strict=True)) for row in LOG.rows]
#: a sender of the log's powers, CF-001 and a power the registry lacks; not XK-002
SENDER = Token(
    "some",
    frozenset({row["power_id"] for row in ROWS} - {"XK-002"} | {"CF-001", "ZZ-404"}),
    send=True,
    read=False,
)

#: flaws of a field, each a value put in its place
FLAWS: dict[str, list[Any]] = {
    "event_id": [None, "", " ", 7, "x" * 201, "e\n1", "\ud800", "e1"],
    "case_id": [None, "", "  C1 ", 12, "案件\ud800", "x" * 140_000, "C1"],
    "power_id": ["CF-001", "XK-002", "ZZ-404", " XK-001 ", None, 3],
    "step_id": ["S99", " S2 ", "", None, "S1", 1.5],
    "timestamp": [
        "2011-10-10 09:00",
        "2011-10-10T09:00:00+00:00",
        "2011/10/10 9:30",
        "2011年10月10日",
        "2003-05-06 09:00",
        "2011-10-10 25:00",
        "soon",
        " 2011-10-11 10:00 ",
        "",
        20111010,
    ],
    "flowchart_id": ["F1", "F2", "F9", " ", "", None, 1],
    "actor": ["窗口", " ", "", None, "\udfff", ["a"]],
    "note": ["补正", "x" * 140_000, None, "", 0.5],
}


def outcome(read: Callable[[list[Any], Token], list[Posted]], items: list[Any]) -> tuple[Any, ...]:
    """What a reading makes of a request: its events, or its refusal."""
    try:
        return ("taken", read(items, SENDER))
    except Refused as err:
        return (
            "refused",
            err.status,
            [(b.index, b.event_id, b.field, b.problem.code) for b in err.bad],
        )


@st.composite
def requests(draw: st.DrawFn) -> list[Any]:
    chosen = draw(st.lists(st.integers(0, len(ROWS) - 1), min_size=1, max_size=12))
    items: list[Any] = []
    for k, i in enumerate(chosen):
        event: dict[str, Any] = {"event_id": f"e{k}", **ROWS[i]}
        for name, values in FLAWS.items():
            if draw(st.integers(0, 24)) == 0:
                event[name] = draw(st.sampled_from(values))
        if draw(st.integers(0, 39)) == 0:
            del event[draw(st.sampled_from(sorted(event)))]
        items.append(event if draw(st.integers(0, 59)) else [event])
    return items


@settings(max_examples=300, deadline=None)
@given(items=requests())
def test_a_plain_request_is_taken_as_the_row_reader_takes_it(items: list[Any]) -> None:
    if INTAKE._plain_events(items, SENDER) is not None:  # else check() is _checked()
        assert outcome(INTAKE.check, items) == outcome(INTAKE._checked, items)


def test_a_log_of_plain_events_is_read_in_one_pass() -> None:
    sender = Token("all", frozenset(REG.powers), send=True, read=False)
    items = [{"event_id": f"e{k}", **row} for k, row in enumerate(ROWS)]
    fast = INTAKE._plain_events(items, sender)
    assert fast is not None
    assert fast == INTAKE._checked(items, sender)
    assert [(p.event_id, p.case_id, p.step_id, p.timestamp) for p in fast] == [
        (f"e{k}", row["case_id"], row["step_id"], row["timestamp"]) for k, row in enumerate(ROWS)
    ]
