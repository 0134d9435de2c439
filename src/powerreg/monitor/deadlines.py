"""Deadlines in working days: how long each step and each case took, and the alerts of
an electronic supervision system (M201 warning, M202 yellow card, M203 red card).

A step lasts from its event to the case's next event (to ``as_of`` for the step an open
case is in), counted in working days with the start day left out (see
:mod:`.calendar`). A case's elapsed time adds up its steps, except those that pause the
clock (``pauses_clock``: the applicant's 补正, expert review, hearings, publicity —
time the Administrative Licensing Law leaves out of the limit); steps not on the chart
count. Alerts:

* M201 when the case has used 80% of its promised limit (rounded up to whole days);
* M202 when a step (with ``days``, not pausing the clock) took longer than its days, or
  the case longer than its promised limit;
* M203 when the case took longer than its statutory limit.

Each alert carries the working day on which its threshold was passed, as the
supervision system would have issued it while the case ran.

Examples:
    >>> import powerreg
    >>> from datetime import datetime
    >>> from powerreg.monitor.chartindex import ChartIndex
    >>> from powerreg.monitor.calendar import china_calendar
    >>> p = powerreg.load_reference().powers["XK-001"]
    >>> chart = ChartIndex(p, p.flowchart("F1"))
    >>> stamps = [("S1", "2011-09-29 09:10"), ("S2", "2011-09-30 10:00"),
    ...           ("S5", "2011-10-08 09:30"), ("S6", "2011-10-31 09:00"),
    ...           ("S7", "2011-11-08 16:00"), ("S8", "2011-11-15 09:30"),
    ...           ("S9", "2011-11-16 14:00"), ("S11", "2011-11-17 10:00")]
    >>> events = [Event("A1", "XK-001", "F1", s, datetime.fromisoformat(t), None, None, i + 2)
    ...           for i, (s, t) in enumerate(stamps)]
    >>> timing = time_case(events, chart, china_calendar(), closed=True, as_of=None,
    ...                    promised=40, statutory=60)
    >>> timing.step_days  # 2011-10-08, a Saturday, was a make-up working day (调休)
    (1, 1, 17, 6, 5, 1, 1, None)
    >>> timing.elapsed  # S5 (expert review) and S7 (publicity) pause the clock
    10
    >>> [(a.code, a.scope, a.step, a.elapsed, a.limit, str(a.date)) for a in timing.alerts]
    [('M202', 'step', 'S6', 6, 5, '2011-11-08')]
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from .calendar import WorkCalendar
from .chartindex import ChartIndex
from .findings import Alert, Event


class Timing(NamedTuple):
    """Working days per step visit, the case's elapsed working days, and its alerts."""

    step_days: tuple[int | None, ...]
    elapsed: int
    alerts: list[Alert]


def time_case(
    events: Sequence[Event],
    chart: ChartIndex,
    cal: WorkCalendar,
    *,
    closed: bool,
    as_of: date | None,
    promised: int | None = None,
    statutory: int | None = None,
) -> Timing:
    """Time one case on ``chart``: working days of each step visit, the case's elapsed
    working days (clock-pausing steps left out), and its alerts.

    ``closed`` cases end at their last event; an open case runs to ``as_of``.
    """
    nums = cal.numbers([ev.time for ev in events])
    if not closed:
        if as_of is None:
            raise ValueError("an open case needs as_of")
        nums.append(cal.number(as_of))
    # step visits that have an end: all but the last event of a closed case
    step_days: list[int | None] = [nums[i + 1] - nums[i] for i in range(len(nums) - 1)]
    pauses = chart.pauses  # steps of this chart only: a step off the chart counts
    budgets = chart.days
    case, pid, fid = events[0].case_id, chart.power_id, chart.id
    alerts: list[Alert] = []
    elapsed = 0
    for i, (ev, d) in enumerate(zip(events, step_days, strict=False)):
        s = ev.step_id
        if s in pauses or not d:
            continue
        elapsed += d
        budget = budgets.get(s)
        if budget is not None and d > budget:
            alerts.append(
                Alert(
                    "M202",
                    case,
                    pid,
                    fid,
                    "step",
                    s,
                    i,
                    ev.line,
                    d,
                    budget,
                    cal.add_working_days(ev.time.date(), budget + 1),
                    chart.risks.get(s, ()),
                )
            )
    if len(step_days) < len(events):
        step_days.append(None)

    def passed(k: int) -> date:
        """The working day on which the case's counted time reached ``k`` days."""
        acc = 0
        for ev, n, d in zip(events, nums, step_days, strict=False):
            if d and ev.step_id not in pauses:
                if acc + d >= k:
                    return cal.working_day(n + k - acc)
                acc += d
        raise AssertionError("threshold beyond elapsed time")  # pragma: no cover

    def case_alert(code: str, limit: int, threshold: int) -> None:
        alerts.append(
            Alert(
                code,
                case,
                pid,
                fid,
                "case",
                None,
                None,
                events[-1].line,
                elapsed,
                limit,
                passed(threshold),
            )
        )

    if promised is not None:
        warn_at = -(-promised * 4 // 5)  # 80%, rounded up to whole days
        if promised > 0 and elapsed >= warn_at:
            case_alert("M201", promised, warn_at)
        if elapsed > promised:
            case_alert("M202", promised, promised + 1)
    if statutory is not None and elapsed > statutory:
        case_alert("M203", statutory, statutory + 1)
    return Timing(tuple(step_days), elapsed, alerts)
