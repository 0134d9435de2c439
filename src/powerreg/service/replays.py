"""Many cases replayed at once: the cases a settling of the service brings up to date.

A stream of events touches thousands of cases a second, and each is replayed as the
monitor replays a case (:func:`~powerreg.monitor.replay_case`). One by one, a replay
costs some tens of microseconds of Python per event; the monitor's replay in bulk
(:mod:`powerreg.monitor.bulkreplay`, extra ``scale``: numpy and pyarrow) replays every
case of a log at once on arrays, to the record the same. :func:`replay_cases` hands it
the cases' packed events as they are held (:class:`~powerreg.monitor.caseevents.
CaseEvents`) when there are at least :data:`BULK_AT` of them and the extra is
installed; fewer cases, or without the extra, are replayed one by one.

Examples:
    >>> import powerreg
    >>> from datetime import date, datetime
    >>> from powerreg.monitor.calendar import china_calendar
    >>> from powerreg.monitor.caseevents import CaseEvents, Vocabulary, pack_time
    >>> from powerreg.monitor.reader import RowIndex
    >>> reg, index, actors = powerreg.load_reference(), None, Vocabulary()
    >>> index = RowIndex(reg)
    >>> def case(case_id, steps):
    ...     out = CaseEvents(case_id, "XK-001", index.steps["XK-001"], actors)
    ...     for n, step in enumerate(steps):
    ...         t = pack_time(datetime(2011, 10, 10 + n, 9))
    ...         out.append(index.numbers["XK-001"][step], t, n + 1, 0)
    ...     return out
    >>> cases = [case("A1", ["S1", "S6"]), case("A2", ["S1", "S2"])]
    >>> cal = china_calendar()
    >>> one = replay_cases(cases, reg, as_of=date(2011, 10, 31), calendar=cal, charts={},
    ...                    index=index, actors=actors, bulk_at=10**9)
    >>> every = replay_cases(cases, reg, as_of=date(2011, 10, 31), calendar=cal,
    ...                      charts={}, index=index, actors=actors, bulk_at=1)
    >>> one == every, [(c.case_id, [d.code for d in c.deviations]) for c in every]
    (True, [('A1', ['M102']), ('A2', [])])
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from ..model import Registry
from ..monitor import replay_case
from ..monitor.calendar import WorkCalendar
from ..monitor.caseevents import CaseEvents, Vocabulary
from ..monitor.chartindex import ChartIndex
from ..monitor.findings import CaseResult
from ..monitor.reader import RowIndex

#: Fewest cases replayed in bulk: below, the arrays cost more than they save.
BULK_AT = 64


def replay_cases(
    cases: Sequence[CaseEvents],
    registry: Registry,
    *,
    as_of: date,
    calendar: WorkCalendar,
    charts: dict[tuple[str, str], ChartIndex],
    index: RowIndex,
    actors: Vocabulary,
    bulk_at: int | None = None,
) -> list[CaseResult]:
    """Each of ``cases`` (each with an event, in time order, none later than
    ``as_of``; their steps numbered by ``index``, their actors by ``actors``) replayed
    as :func:`~powerreg.monitor.replay_case` replays it as of ``as_of``: the results
    in the order of ``cases``. In bulk from ``bulk_at`` cases (default :data:`BULK_AT`)."""
    if len(cases) >= (BULK_AT if bulk_at is None else bulk_at):
        found = _in_bulk(cases, registry, as_of, calendar, charts, index, actors)
        if found is not None:
            return found
    out = []
    for events in cases:
        result = replay_case(events, registry, as_of=as_of, calendar=calendar, charts=charts)
        assert result is not None  # the case has an event by as_of
        out.append(result)
    return out


def bulk_ready() -> bool:
    """Whether cases can be replayed in bulk (numpy and pyarrow are installed); the
    first call imports them (half a second: the service calls it as it starts, not in
    its first settling)."""
    try:
        from ..monitor import bulk, bulkreplay  # noqa: F401
    except ImportError:  # pragma: no cover - numpy and pyarrow come with the extra scale
        return False
    return True


def _in_bulk(
    cases: Sequence[CaseEvents],
    registry: Registry,
    as_of: date,
    calendar: WorkCalendar,
    charts: dict[tuple[str, str], ChartIndex],
    index: RowIndex,
    actors: Vocabulary,
) -> list[CaseResult] | None:
    """The replay in bulk; None without numpy and pyarrow (extra ``scale``)."""
    try:
        import numpy as np

        from ..monitor.bulk import BulkLog
        from ..monitor.bulkreplay import replay_bulk
    except ImportError:  # pragma: no cover - numpy and pyarrow come with the extra scale
        return None
    sizes = [len(ev) for ev in cases]
    packed = np.frombuffer(
        b"".join(memoryview(ev.packed)[: 3 * n] for ev, n in zip(cases, sizes, strict=True)),
        np.int64,
    ).reshape(-1, 3)
    start = np.zeros(len(cases) + 1, np.int64)
    np.cumsum(sizes, out=start[1:])
    notes: dict[int, dict[int, str]] = {}
    for k, (ev, n) in enumerate(zip(cases, sizes, strict=True)):
        if ev._notes:
            kept = {i: t for i, t in ev._notes.items() if i < n}
            if kept:
                notes[k] = kept
    log: Any = BulkLog(
        source="",
        index=index,
        actors=actors,
        case_ids=[ev.case_id for ev in cases],
        power_ids=[ev.power_id for ev in cases],
        chart_ids=[ev.flowchart_id for ev in cases],
        start=start,
        time=np.ascontiguousarray(packed[:, 0]),
        line=np.ascontiguousarray(packed[:, 1]),
        code=np.ascontiguousarray(packed[:, 2]),
        notes=notes,
        rows=len(packed),
    )
    calendar.check(as_of, "as_of")
    replayed, after = replay_bulk(log, registry, as_of, calendar, charts)
    results: list[CaseResult] = replayed.cases()
    if after or len(results) != len(cases):  # pragma: no cover - callers count by as_of
        return None
    return results
