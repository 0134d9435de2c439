"""Electronic supervision (电子监察): replay the log of real cases (办件) on the
flowcharts of a registry, and say which cases left their chart, which steps ran late,
and which deviations touched a risk point.

Layout, one concept per module: :mod:`.events` (reading CSV, JSON Lines, DataFrames),
:mod:`.calendar` (China's working days), :mod:`.chart` (a flowchart compiled for
replay), :mod:`.replay` (deviations M101–M104), :mod:`.deadlines` (alerts M201–M203),
:mod:`.findings` (the records and their codes), :mod:`.messages`, :mod:`.report`
(summary and formats), :mod:`.catalog` (results into a published catalog) and
:mod:`.synth` (logs with known truth).

Examples:
    >>> import powerreg
    >>> from datetime import date
    >>> result = monitor("examples/cases/cases.csv", powerreg.load_reference(),
    ...                  as_of=date(2011, 12, 30), lang="en")
    >>> t = result.totals
    >>> t["cases"], t["fits"], t["deviations"], t["alerts"]
    (8, 5, {'M101': 1, 'M102': 2, 'M103': 1}, {'M201': 2, 'M202': 4, 'M203': 1})
    >>> d = result.case("2011-XK001-0003").deviations[0]
    >>> d.code, d.source, d.step, d.steps, [(r.id, r.level) for r in d.risk_points]
    ('M102', 'S6', 'S9', ('S7', 'S8'), [('XK-001/R3', 'high')])
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

from ..audit.messages import Lang, default_lang
from ..collector import gc_paused
from ..model import Registry
from .calendar import WorkCalendar, china_calendar
from .chart import ChartIndex
from .deadlines import time_case
from .events import EventLog, read_log
from .findings import CODES, Alert, CaseResult, Deviation, Event, RiskRef
from .replay import count_deviations, deviations, ends_at_end
from .report import MonitorResult, PowerSummary, StepHits
from .synth import SynthLog, synth_cases

__all__ = [
    "CODES",
    "Alert",
    "CaseResult",
    "Deviation",
    "Event",
    "EventLog",
    "MonitorResult",
    "PowerSummary",
    "RiskRef",
    "StepHits",
    "SynthLog",
    "WorkCalendar",
    "add_to_catalog",
    "china_calendar",
    "monitor",
    "read_log",
    "synth_cases",
]


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

    ``log`` is a path to a CSV or JSON Lines file, a pandas DataFrame, or an
    :class:`EventLog` already read. Without ``as_of`` the log is a closed record: every
    case is taken as closed, and one whose last step is not an end step is a deviation
    (M104). With ``as_of``, the log is read as it stood at the end of that day: later
    events are left out, and a case not at an end step is open, its clock running to
    ``as_of``.

    Raises:
        UsageError: the log cannot be read, or a date lies outside the working-day
            calendar (see :mod:`.calendar`).
    """
    if registry is None:
        from ..reference import load_reference

        registry = load_reference()
    with gc_paused():
        return _monitor(log, registry, as_of, calendar or china_calendar(), lang)


def _monitor(
    log: Any, registry: Registry, as_of: date | None, cal: WorkCalendar, lang: Lang | None
) -> MonitorResult:
    elog = log if isinstance(log, EventLog) else read_log(log, registry)
    _check_dates(elog, cal, as_of)
    charts: dict[tuple[str, str], ChartIndex] = {}

    def chart_of(pid: str, fid: str) -> ChartIndex:
        key = (pid, fid)
        chart = charts.get(key)
        if chart is None:
            power = registry.powers[pid]
            chart = charts[key] = ChartIndex(power, power.flowchart(fid))
        return chart

    results: list[CaseResult] = []
    after = 0
    for events in elog.cases.values():
        if as_of is not None and events[-1].time.date() > as_of:
            kept = [e for e in events if e.time.date() <= as_of]
            after += len(events) - len(kept)
            if not kept:
                continue
            events = kept
        first = events[0]
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
                    key=lambda f: count_deviations(
                        events, chart_of(power.id, f), closed=as_of is None
                    ),
                )
        chart = chart_of(power.id, fid)
        closed = as_of is None or ends_at_end(events, chart)
        devs = deviations(events, chart, closed=closed)
        timing = time_case(
            events,
            chart,
            cal,
            closed=closed,
            as_of=as_of,
            promised=power.promised_days,
            statutory=power.statutory_days,
        )
        limit = power.promised_days if power.promised_days is not None else power.statutory_days
        results.append(
            CaseResult(
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
        )
    return MonitorResult(
        registry=registry,
        source=elog.source,
        cases=results,
        problems=elog.problems,
        rows=elog.rows,
        charts=charts,
        as_of=as_of,
        after_as_of=after,
        lang=lang or default_lang(),
    )


def add_to_catalog(
    result: MonitorResult,
    path: str | os.PathLike[str],
    *,
    metadata_path: str | os.PathLike[str] | None = None,
) -> Path:
    """Add the tables ``cases``, ``case_events`` and ``alerts`` of ``result`` to the
    catalog at ``path`` and merge their Datasette metadata beside it; see
    :func:`powerreg.monitor.catalog.add_to_catalog` (imported when called: it brings the
    catalog's dependencies)."""
    from .catalog import add_to_catalog as add

    return add(result, path, metadata_path=metadata_path)


def _check_dates(elog: EventLog, cal: WorkCalendar, as_of: date | None) -> None:
    """Every date the replay counts must be in the calendar: say so before replaying."""
    if as_of is not None:
        cal.check(as_of, "as_of")
    for ev in (elog.first, elog.last):
        if ev is not None and (as_of is None or ev.time.date() <= as_of):
            cal.check(ev.time.date(), f"{elog.source}:{ev.line}")
