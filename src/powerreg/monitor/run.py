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
from pathlib import Path
from typing import Any

from ..collector import FREEZE_AT, gc_paused
from ..errors import Problem
from ..lang import Lang, default_lang
from ..model import Registry
from ..reference import load_reference
from .calendar import WorkCalendar, china_calendar
from .caseevents import pack_time
from .casereplay import events_until, replay_events
from .chartindex import ChartIndex
from .columnar import is_parquet, read_parquet
from .events import EventLog, check_log_file, read_log
from .findings import CaseResult, Event, incomplete
from .lazyresult import LazyResult
from .reader import foreign_powers
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

    A Parquet log or a plain CSV file (:mod:`.plaincsv`: no quote, say) of more than
    2,000,000 rows is replayed a share of its cases at a time, its memory that of a
    share (:mod:`.sharded`; ``POWERREG_SHARE_ROWS`` sets the share's rows): the shares'
    files, about the size of the log's events unpacked, wait in the temporary directory
    until the records are made or the result is dropped. Any other CSV file, and JSON
    Lines, is read whole.

    Raises:
        UsageError: the log cannot be read, or ``as_of`` lies outside the working-day
            calendar (see :mod:`.calendar`).
    """
    if registry is None:
        registry = load_reference()
    cal = calendar or china_calendar()
    if as_of is not None:
        cal.check(as_of, "as_of")
    if isinstance(log, str | os.PathLike):
        check_log_file(log)  # before anything reads it (a FIFO would be read twice)
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
            events = events_until(events, as_of, counted_until)
            after += n - len(events)
        if events:
            results.append(replay_events(events, registry, as_of, cal, charts))
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
        from .plaincsv import plain_csv
        from .sharded import monitor_in_shares
    except ImportError:  # pragma: no cover - pyarrow and numpy come with the extra scale
        return None
    plain = None
    if not is_parquet(log):  # a CSV file: checked once, a block at a time
        plain = plain_csv(Path(log))
        if plain is None:
            return None  # read row by row
    # a big one a share of its cases at a time (see .sharded)
    shared = monitor_in_shares(log, registry, as_of, cal, lang, plain)
    if shared is not None:
        return shared
    blog = read_bulk(log, registry, calendar=cal, as_of=as_of, plain=plain)
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
