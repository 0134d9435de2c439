"""A request's events against what the supervision service holds: which are new
(:func:`fresh_events`; an ``event_id`` stored before is a duplicate, or a conflict if
its content differs), whether each keeps its case's power and flowchart
(:func:`check_cases`), and the plan of storing them (:func:`plan_events`): the rows,
and each case touched with the events placed among its own — in time order, ties in
the order received.

Examples:
    >>> import powerreg
    >>> from powerreg.monitor.caseevents import Vocabulary
    >>> from powerreg.monitor.reader import RowIndex
    >>> from .auth import Token
    >>> from .intake import Posted
    >>> reg = powerreg.load_reference()
    >>> sender = Token("xk", frozenset({"XK-001"}), send=True, read=False)
    >>> posted = [Posted(0, "e1", "A1", "XK-001", "S1", 10, None, None, "t", None),
    ...           Posted(1, "e2", "A1", "XK-001", "S2", 5, None, None, "t", None)]
    >>> plan = Plan()
    >>> plan_events(plan, posted, sender, first=7, cases={}, index=RowIndex(reg),
    ...             actors=Vocabulary())
    >>> [row[:3] for row in plan.rows], [e.line for e in plan.cases["A1"].events]
    ([(7, 'e1', 'A1'), (8, 'e2', 'A1')], [8, 7])
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ..errors import problem
from ..monitor.caseevents import STEP_BITS, CaseEvents, Vocabulary, pack_time
from ..monitor.reader import RowIndex
from .auth import Token
from .body import SOURCE, BadEvent, Refused
from .intake import Posted, conflict
from .plan import CaseState, Plan
from .state import Store


def fresh_events(store: Store, posted: list[Posted]) -> list[Posted]:
    """The events of ``posted`` not stored before; an ``event_id`` stored with other
    content is a conflict (409).

    Raises:
        Refused: 409, an event's ``event_id`` names an event stored with other content.
    """
    stored = store.stored_events([p.event_id for p in posted])
    if not stored:
        return posted
    bad: list[BadEvent] = []
    fresh: list[Posted] = []
    for p in posted:
        row = stored.get(p.event_id)
        if row is None:
            fresh.append(p)
            continue
        _, _, case, power, chart, step, t, _, actor, note, *_ = row
        known = (case, power, chart, step, t, actor, note)
        if known != p.content():
            bad.append(conflict(p, known))
    if bad:
        raise Refused(409, bad)
    return fresh


def check_cases(store: Store, cases: Mapping[str, CaseState], fresh: list[Posted]) -> None:
    """Events of a case the service knows (``cases``) must keep its power and
    flowchart (M007).

    Raises:
        Refused: 422, every event that changes its case's power or flowchart.
    """
    bad: list[tuple[Posted, str, str, str]] = []
    for p in fresh:
        st = cases.get(p.case_id)
        if st is None:
            continue
        ev = st.events
        if ev.power_id != p.power_id:
            bad.append((p, "M007", ev.power_id, p.power_id))
        elif p.flowchart_id and ev.flowchart_id and p.flowchart_id != ev.flowchart_id:
            bad.append((p, "M007.chart", ev.flowchart_id, p.flowchart_id))
    if not bad:
        return
    firsts = store.event_ids(cases[p.case_id].events[0].line for p, *_ in bad)
    out: list[BadEvent] = []
    for p, key, known, given in bad:
        first = firsts.get(cases[p.case_id].events[0].line, "?")
        row = {"en": f"event {first}", "zh": f"事件 {first}"}
        what: dict[str, Any] = {"power": given} if key == "M007" else {"chart": given}
        out.append(
            BadEvent(
                p.position,
                p.event_id,
                "power_id" if key == "M007" else "flowchart_id",
                problem(
                    key,
                    SOURCE,
                    p.position + 1,
                    entity=p.case_id,
                    case=p.case_id,
                    known=known,
                    row=row,
                    **what,
                ),
            )
        )
    raise Refused(422, out)


def plan_events(
    plan: Plan,
    fresh: list[Posted],
    token: Token,
    *,
    first: int,
    cases: Mapping[str, CaseState],
    index: RowIndex,
    actors: Vocabulary,
) -> None:
    """Into ``plan``: the rows of the events ``fresh`` posted with ``token``, numbered
    from ``first``, and the cases they touch with the events placed among theirs
    (``cases``: those the service holds; not replayed: see
    :meth:`~.supervisor.Supervisor.tick`). ``index`` numbers the steps, ``actors``
    the actors."""
    received = datetime.now(UTC).isoformat(timespec="milliseconds")
    sender = token.name
    # each event's row, and the event packed as a case holds it (CaseEvents.append,
    # inlined: the hot loop of a request), by case: (time, number, step | actor <<
    # STEP_BITS, event)
    add_row = plan.rows.append
    numbers_of = index.numbers
    codes, code = actors.codes, actors.code
    by_case: dict[str, list[tuple[int, int, int, Posted]]] = {}
    charts: dict[str, str] = {}
    noted: set[str] = set()
    for seq, p in enumerate(fresh, start=first):
        _, event_id, case_id, power, step, t, actor, note, stamp, chart = p
        add_row(
            (seq, event_id, case_id, power, chart, step, t, stamp, actor, note, sender, received)
        )
        actor_code = 0 if actor is None else codes.get(actor) or code(actor)
        packed = (t, seq, numbers_of[power][step] | actor_code << STEP_BITS, p)
        new = by_case.get(case_id)
        if new is None:
            by_case[case_id] = [packed]
        else:
            new.append(packed)
        if chart:
            charts[case_id] = chart
        if note:
            noted.add(case_id)
    steps_of = index.steps
    planned = plan.cases
    for case_id, new in by_case.items():
        st = cases.get(case_id)
        old = st.events if st is not None else None
        chart = (old.flowchart_id if old is not None else None) or charts.get(case_id)
        if len(new) > 1:
            new.sort()  # by time, then number: numbers differ, so events are not compared
        if old is not None and len(old) and new[0][0] < old.last_time:
            events = merged(old, chart, new, index.numbers[old.power_id])
        else:
            # the common case, events in time order: the old ones (if any) stay as
            # they are
            if old is not None:
                events = old.copy(chart)
            else:
                power = new[0][3][3]
                events = CaseEvents(case_id, power, steps_of[power], actors, chart)
            if case_id in noted:
                for t, seq, packed_step, p in new:
                    events.packed.extend((t, seq, packed_step))
                    if p[7]:
                        events.note(p[7])
            else:
                events.packed.extend([x for t, seq, c, _ in new for x in (t, seq, c)])
        if st is None:
            planned[case_id] = CaseState(events, 0, None)
        else:
            planned[case_id] = CaseState(events, st.counted, st.ahead, st.marks, st.due)


def merged(
    old: CaseEvents,
    chart: str | None,
    new: list[tuple[int, int, int, Posted]],
    numbers: Mapping[str, int],
) -> CaseEvents:
    """A case's events with ``new`` (packed as in :func:`plan_events`, sorted)
    placed among them: by time, ties by number (the order received); ``numbers``
    numbers the steps of the case's power."""
    out = CaseEvents(old.case_id, old.power_id, old.steps, old.actors, chart)
    code = old.actors.code
    merged = [(pack_time(e.time), e.line, numbers[e.step_id], code(e.actor), e.note) for e in old]
    merged += [(t, seq, c, 0, p[7]) for t, seq, c, p in new]
    merged.sort(key=lambda n: n[:2])
    for t, seq, step, actor, note in merged:
        out.append(step, t, seq, actor, note)
    return out
