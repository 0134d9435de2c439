"""One case replayed on its flowchart: its deviations (:mod:`.replay`) and deadlines
(:mod:`.deadlines`), as :func:`~.run.monitor` replays each case of a log and the live
service each case it holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time

from ..model import Registry
from .calendar import WorkCalendar, china_calendar
from .caseevents import CaseEvents, pack_time
from .chartindex import ChartIndex, compiled
from .deadlines import time_case
from .findings import CaseResult, Event
from .replay import count_deviations, deviations, ends_at_end


def replay_case(
    events: Sequence[Event],
    registry: Registry,
    *,
    as_of: date | None = None,
    calendar: WorkCalendar | None = None,
    charts: dict[tuple[str, str], ChartIndex] | None = None,
) -> CaseResult | None:
    """Replay one case as :func:`monitor` replays each case of a log: ``events`` are the
    case's events in time order (rows already checked, e.g. by
    :class:`~.reader.RowReader`); with ``as_of``, those later than that day are left out
    and a case not at an end step is open. ``charts`` caches the compiled flowcharts
    between calls (:attr:`MonitorResult.charts` has the same shape). ``None`` if no event
    is left.

    Examples:
        >>> import powerreg
        >>> from datetime import datetime
        >>> t = datetime(2011, 10, 10, 9)
        >>> events = [Event("A1", "XK-001", "F1", "S1", t, None, None, 1),
        ...           Event("A1", "XK-001", "F1", "S6", t, None, None, 2)]
        >>> c = replay_case(events, powerreg.load_reference(), as_of=date(2011, 10, 31))
        >>> c.status, [d.code for d in c.deviations], c.elapsed
        ('open', ['M102'], 15)
    """
    cal = calendar or china_calendar()
    if as_of is not None:
        cal.check(as_of, "as_of")
        if events:
            events = events_until(events, as_of, pack_time(datetime.combine(as_of, time.max)))
    if not events:
        return None
    return replay_events(events, registry, as_of, cal, {} if charts is None else charts)


def replay_events(
    events: Sequence[Event],
    registry: Registry,
    as_of: date | None,
    cal: WorkCalendar,
    charts: dict[tuple[str, str], ChartIndex],
) -> CaseResult:
    """The replay of one case's events (none later than ``as_of``) on its flowchart
    (``charts``: the charts compiled so far, see :func:`replay_case`)."""

    def chart_of(pid: str, fid: str) -> ChartIndex:
        return compiled(charts, registry, pid, fid)

    # the replay walks a case's events several times: make them once
    seen = list(events)
    first = seen[0]
    power = registry.powers[first.power_id]
    fid = first.flowchart_id
    inferred = False
    if fid is None:
        if len(power.flowcharts) == 1:
            fid = power.flowcharts[0].id
        else:
            inferred = True
            fid = min(
                (fc.id for fc in power.flowcharts),
                key=lambda f: count_deviations(seen, chart_of(power.id, f), closed=as_of is None),
            )
    chart = chart_of(power.id, fid)
    closed = as_of is None or ends_at_end(seen, chart)
    devs = deviations(seen, chart, closed=closed)
    day = first.time.date()  # calendar limits count from the case's first day
    promised = cal.budget(power.promised_limit, day)
    statutory = cal.budget(power.statutory_limit, day)
    timing = time_case(
        seen,
        chart,
        cal,
        closed=closed,
        as_of=as_of,
        promised=promised,
        statutory=statutory,
    )
    limit = promised if promised is not None else statutory
    return CaseResult(
        first.case_id,
        power.id,
        fid,
        "closed" if closed else "open",
        events,
        timing.step_days,
        timing.elapsed,
        tuple(devs),
        tuple(timing.alerts),
        limit,
        inferred,
    )


def events_until(events: Sequence[Event], as_of: date, counted_until: int) -> Sequence[Event]:
    """The events of a case up to the end of ``as_of`` (``counted_until``: its last
    microsecond, packed): the first ones, as a case's events are in time order."""
    if isinstance(events, CaseEvents):
        if events.last_time <= counted_until:
            return events
        return events.head(events.count_before(counted_until + 1))
    if events[-1].time.date() <= as_of:
        return events
    return [e for e in events if e.time.date() <= as_of]
