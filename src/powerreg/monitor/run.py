"""The replay: every case of a log on its flowchart, in the order the log first names
the cases; deviations (:mod:`.replay`) and deadlines (:mod:`.deadlines`) of each.

A log given as a path is read a line at a time and kept compactly
(:mod:`.events`); each case is replayed from its compact events once the whole log is
read — a later row may always add to a case — and keeps them compactly in its result.

Examples:
    >>> import powerreg
    >>> from datetime import date
    >>> result = monitor("examples/cases/cases.csv", powerreg.load_reference(),
    ...                  as_of=date(2011, 12, 30), lang="en")
    >>> [(c.case_id, c.status, len(c.events)) for c in result.cases][:2]
    [('2011-CF001-0001', 'closed', 8), ('2011-XK008-0001', 'closed', 7)]
"""

from __future__ import annotations

import gc
import os
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from ..collector import FREEZE_AT, gc_paused
from ..errors import Problem
from ..lang import Lang, default_lang
from ..model import Registry
from ..reference import load_reference
from .calendar import WorkCalendar, china_calendar
from .caseevents import CaseEvents, pack_time
from .chartindex import ChartIndex, compiled
from .columnar import is_parquet, read_parquet
from .deadlines import time_case
from .events import EventLog, read_log
from .findings import CaseResult, Event, incomplete
from .lazyresult import LazyResult
from .reader import foreign_powers
from .replay import count_deviations, deviations, ends_at_end
from .result import MonitorResult


def monitor(
    log: Any,
    registry: Registry | None = None,
    *,
    as_of: date | None = None,
    calendar: WorkCalendar | None = None,
    lang: Lang | None = None,
) -> MonitorResult:
    """Replay every case of ``log`` on its flowchart in ``registry`` (default: the
    bundled reference registry).

    ``log`` is a path to a CSV or JSON Lines file, a Parquet file or directory
    (:mod:`.columnar`), a pandas DataFrame, or an
    :class:`EventLog` already read. Without ``as_of`` the log is a closed record: every
    case is taken as closed, and one whose last step is not an end step is a deviation
    (M104). With ``as_of``, the log is read as it stood at the end of that day: later
    events are left out, and a case not at an end step is open, its clock running to
    ``as_of``. A row on a day the working-day ``calendar`` does not know is left out
    (M009), unless it is later than ``as_of``.

    Raises:
        UsageError: the log cannot be read, or ``as_of`` lies outside the working-day
            calendar (see :mod:`.calendar`).
    """
    if registry is None:
        registry = load_reference()
    cal = calendar or china_calendar()
    if as_of is not None:
        cal.check(as_of, "as_of")
    with gc_paused():
        result = _monitor(log, registry, as_of, cal, lang)
        if result.rows >= FREEZE_AT:
            # a big result lives on while it is shown: no later collection scans it
            gc.freeze()
    return result


def _monitor(
    log: Any, registry: Registry, as_of: date | None, cal: WorkCalendar, lang: Lang | None
) -> MonitorResult:
    if not isinstance(log, EventLog):
        fast = _monitor_bulk(log, registry, as_of, cal, lang)
        if fast is not None:
            return fast
    if isinstance(log, EventLog):
        elog, problems = log, _outside(log, cal, as_of)
    elif is_parquet(log):
        elog, problems = read_parquet(log, registry, calendar=cal, as_of=as_of), []
    else:
        elog, problems = read_log(log, registry, calendar=cal, as_of=as_of), []
    foreign_powers(elog, registry)
    charts: dict[tuple[str, str], ChartIndex] = {}
    counted_until = pack_time(datetime.combine(as_of, time.max)) if as_of is not None else 0
    dropped = {(p.entity, p.line) for p in problems}
    results: list[CaseResult] = []
    after = 0
    for stored in elog.cases.values():
        events = _without(stored, dropped) if dropped else stored
        if as_of is not None and events:
            n = len(events)
            events = _until(events, as_of, counted_until)
            after += n - len(events)
        if events:
            results.append(_replay(events, registry, as_of, cal, charts))
    if problems:
        problems = sorted([*elog.problems, *problems], key=lambda p: p.line)
    results = incomplete(results, problems or elog.problems)
    return MonitorResult(
        registry=registry,
        source=elog.source,
        cases=results,
        problems=problems or elog.problems,
        rows=elog.rows,
        charts=charts,
        as_of=as_of,
        after_as_of=after,
        lang=lang or default_lang(),
    )


def _monitor_bulk(
    log: Any, registry: Registry, as_of: date | None, cal: WorkCalendar, lang: Lang | None
) -> MonitorResult | None:
    """:func:`_monitor` of a CSV or Parquet file read and replayed in bulk (see
    :mod:`.bulk`); None if pyarrow is not installed or the log is not one the bulk
    reading takes exactly as the line reader would."""
    if not isinstance(log, str | os.PathLike):
        return None
    try:
        from .bulk import read_bulk
        from .bulkreplay import replay_bulk
    except ImportError:  # pragma: no cover - pyarrow and numpy come with the extra scale
        return None
    blog = read_bulk(log, registry, calendar=cal, as_of=as_of)
    if blog is None:
        return None
    foreign_powers(EventLog(blog.source, problems=blog.problems, rows=blog.rows), registry)
    charts: dict[tuple[str, str], ChartIndex] = {}
    replayed, after = replay_bulk(blog, registry, as_of, cal, charts)
    problems = blog.problems
    return LazyResult(
        lambda: incomplete(replayed.cases(), problems),
        replayed.events,
        bulk=replayed,
        registry=registry,
        source=blog.source,
        problems=problems,
        rows=blog.rows,
        charts=charts,
        as_of=as_of,
        after_as_of=after,
        lang=lang or default_lang(),
    )


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
            events = _until(events, as_of, pack_time(datetime.combine(as_of, time.max)))
    if not events:
        return None
    return _replay(events, registry, as_of, cal, {} if charts is None else charts)


def _replay(
    events: Sequence[Event],
    registry: Registry,
    as_of: date | None,
    cal: WorkCalendar,
    charts: dict[tuple[str, str], ChartIndex],
) -> CaseResult:
    """The replay of one case's events (none later than ``as_of``) on its flowchart."""

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


def _until(events: Sequence[Event], as_of: date, counted_until: int) -> Sequence[Event]:
    """The events of a case up to the end of ``as_of``: the first ones, as a case's
    events are in time order."""
    if isinstance(events, CaseEvents):
        if events.last_time <= counted_until:
            return events
        return events.head(events.count_before(counted_until + 1))
    if events[-1].time.date() <= as_of:
        return events
    return [e for e in events if e.time.date() <= as_of]


def _outside(log: EventLog, cal: WorkCalendar, as_of: date | None) -> list[Problem]:
    """M009 for each event whose day ``cal`` does not know (and that is not later than
    ``as_of``), unless the reader checked them already."""
    if log.checked is not None:
        checked, until = log.checked
        if checked is cal and (until is None or (as_of is not None and as_of <= until)):
            return []
    out: list[Problem] = []
    for events in log.cases.values():
        for ev in events:
            day = ev.time.date()
            if cal.covers(day) or (as_of is not None and day > as_of):
                continue
            out.append(cal.left_out(day, log.source, ev.line, ev.case_id))
    return out


def _without(events: Sequence[Event], dropped: set[tuple[str | None, int]]) -> Sequence[Event]:
    """A case's events without those :func:`_outside` left out."""
    kept = [e for e in events if (e.case_id, e.line) not in dropped]
    return kept if len(kept) != len(events) else events
