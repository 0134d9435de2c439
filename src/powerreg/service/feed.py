"""The feed of the supervision office: which findings of a case are new, which stand,
which no longer hold; each finding known by its identity.

A case is replayed again whenever its events change or a working day passes, and each
replay finds its deviations and alerts afresh. A finding is the same finding from one
replay to the next when its **identity** is the same:

* a deviation (M101–M104): the case, its flowchart, the code, the time and step of the
  event where it shows, and (M102, M103) the step it came from;
* a step alert (M202 of a step): the case, flowchart, code, the step, and the time the
  visit to it began — that visit's deadline;
* a case alert (M201–M203): the case, flowchart, code, the limit in working days and
  the working day it was passed — the deadline it concerns.

The elapsed days of an open case grow every day; that is not a new finding. Comparing
a replay with what the feed holds (:func:`changes`) gives each finding at most one of:
**raised** (never seen), **restored** (seen, withdrawn, found again), **withdrawn** (it
stood, and the events now known show it does not hold — an event that arrived late
filled the gap). A finding is raised once, ever.

Examples:
    >>> import powerreg
    >>> from datetime import date, datetime
    >>> from powerreg.monitor import Event, replay_case
    >>> t = datetime(2011, 10, 10, 9)
    >>> skipped = [Event("A1", "XK-001", "F1", "S1", t, None, None, 1),
    ...            Event("A1", "XK-001", "F1", "S5", t, None, None, 2)]
    >>> case = replay_case(skipped, powerreg.load_reference(), as_of=date(2011, 10, 10))
    >>> found = identities(case)
    >>> [(kind, f.code if f else None) for kind, _, f in changes(found, {})]
    [('raised', 'M102')]
    >>> marks = {key: (1, True) for key in found}
    >>> [(kind, key) for kind, key, _ in changes({}, marks)] == [("withdrawn", next(iter(found)))]
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from ..codes import render
from ..monitor.findings import Alert, CaseResult, Deviation
from ..monitor.result import MonitorResult

Finding = Deviation | Alert
Kind = Literal["raised", "withdrawn", "restored"]
#: A finding raised: its id, and whether it stands.
Mark = tuple[int, bool]


def identity(f: Finding, case: CaseResult) -> str:
    """The identity of a finding of ``case``, as text: its parts joined by ``|``. Only
    the first part, the case id, is free text; every other part is an id, a code, a
    number or an ISO time, so the text is the identity of one finding only.

    Examples:
        >>> import powerreg
        >>> from datetime import date, datetime
        >>> from powerreg.monitor import Event, replay_case
        >>> t = datetime(2011, 10, 10, 9)
        >>> case = replay_case([Event("A|1", "XK-001", "F1", "S2", t, None, None, 1)],
        ...                    powerreg.load_reference(), as_of=date(2011, 10, 12))
        >>> [identity(f, case) for f in (*case.deviations, *case.alerts)]
        ['A|1|F1|M103|2011-10-10 09:00:00|S2|S1', 'A|1|F1|M202|step|S2|2011-10-10 09:00:00']
    """
    events = case.events
    if isinstance(f, Deviation):
        at = events[f.position].time.isoformat(" ")
        parts: tuple[object, ...] = (f.case_id, f.flowchart_id, f.code, at, f.step, f.source)
    elif f.scope == "step":
        assert f.position is not None
        at = events[f.position].time.isoformat(" ")
        parts = (f.case_id, f.flowchart_id, f.code, "step", f.step, at)
    else:
        parts = (f.case_id, f.flowchart_id, f.code, "case", f.limit, f.date.isoformat())
    return "|".join("" if p is None else str(p) for p in parts)


def identities(case: CaseResult | None, until: date | None = None) -> dict[str, Finding]:
    """Every finding of a replayed case by its identity, deviations first, each in the
    order the replay found it; with ``until``, the alerts passed by that day only.

    An open case replayed as of a later day has the alerts it has as of an earlier day
    and more: each alert's ``date`` is the day its threshold was passed, whatever day
    the replay is as of. So the findings as of ``until`` are those of a replay as of
    any later day, its alerts up to ``until``.
    """
    if case is None:
        return {}
    found: dict[str, Finding] = {}
    every: list[Finding] = [*case.deviations]
    every += [a for a in case.alerts if until is None or a.date <= until]
    for f in every:
        key = identity(f, case)
        n = 1
        while key in found:  # the same move again at the same time: the next of them
            n += 1
            key = f"{identity(f, case)}#{n}"
        found[key] = f
    return found


def changes(
    found: Mapping[str, Finding], marks: Mapping[str, Mark]
) -> list[tuple[Kind, str, Finding | None]]:
    """What the feed gains from a replay that ``found`` these findings, given the
    ``marks`` of the case's findings raised before: ``(kind, identity, finding)``, the
    finding None for a withdrawal."""
    out: list[tuple[Kind, str, Finding | None]] = []
    for key, f in found.items():
        mark = marks.get(key)
        if mark is None:
            out.append(("raised", key, f))
        elif not mark[1]:
            out.append(("restored", key, f))
    out += [
        ("withdrawn", key, None)
        for key, (_, standing) in marks.items()
        if standing and key not in found
    ]
    return out


def record(
    f: Finding, case: CaseResult, view: MonitorResult, event_ids: Mapping[int, str]
) -> dict[str, Any]:
    """A finding as the feed keeps it: its fields as the monitor's JSON gives them (a
    deviation's ``kind`` named ``move``, as in the catalog), the power and flowchart,
    the ``event_id`` and time of the event it is at, and its message as a problem
    (``problem``: the template's key and parameters), rendered in English and Chinese
    when the feed is read (:func:`rendered`).

    ``case`` is the finding's case, ``view`` a result holding it; ``event_ids`` gives the
    id of each event by its number (the ``line`` of the service's events).
    """
    position = f.position if f.position is not None else len(case.events) - 1
    event = case.events[position]
    risks = [{"id": r.id, "level": r.level, "step": r.step} for r in f.risk_points]
    out: dict[str, Any] = {
        "code": f.code,
        "kind": "deviation" if isinstance(f, Deviation) else "deadline",
        "case_id": f.case_id,
        "power_id": f.power_id,
        "flowchart_id": f.flowchart_id,
        "step": f.step,
        "position": f.position,
        "event_id": event_ids.get(event.line),
        "event_time": event.time.isoformat(" "),
    }
    if isinstance(f, Deviation):
        out.update(
            source=f.source,
            move=f.kind,
            steps=list(f.steps),
            on_every_path=f.on_every_path,
        )
    else:
        out.update(
            card=f.card,
            scope=f.scope,
            elapsed_days=f.elapsed,
            limit_days=f.limit,
            date=f.date.isoformat(),
        )
    problem = view.problem(f)
    out.update(
        risk_points=risks,
        risk_level=f.risk_level,
        problem={"key": problem.key, "entity": problem.entity, "params": problem.params},
    )
    return out


def rendered(data: dict[str, Any]) -> dict[str, Any]:
    """A record of the feed with its message in English and Chinese in place of its
    problem's key and parameters."""
    out = dict(data)
    p = out.pop("problem")
    params = {"entity": p["entity"] or "", **p["params"]}
    out["message"] = render(p["key"], "en", params)
    out["message_zh"] = render(p["key"], "zh", params)
    return out
