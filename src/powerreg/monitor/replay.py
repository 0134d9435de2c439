"""Replaying a case on its flowchart: where it left the chart (M101–M104).

A case must begin at the start step, move only along transitions, and, once closed, end
at an end step. Off-chart steps (M101) are steps of the power's other charts: the replay
notes them and goes on from the last step that was on the chart, so an extra step
inserted between two steps that follow each other is one deviation, not three.

Examples:
    >>> import powerreg
    >>> from datetime import datetime
    >>> from powerreg.monitor.chartindex import ChartIndex
    >>> p = powerreg.load_reference().powers["XK-001"]
    >>> chart = ChartIndex(p, p.flowchart("F1"))
    >>> t = datetime(2011, 10, 10, 9)
    >>> steps = ["S1", "S2", "S8", "S9", "S11"]  # 集体审议 reached without review
    >>> events = [Event("A1", "XK-001", "F1", s, t, None, None, i + 2) for i, s in enumerate(steps)]
    >>> [(d.code, d.source, d.step, d.steps, [r.id for r in d.risk_points])
    ...  for d in deviations(events, chart, closed=True)]
    [('M102', 'S2', 'S8', ('S5', 'S6', 'S7'), ['XK-001/R2', 'XK-001/R3'])]
"""

from __future__ import annotations

from collections.abc import Sequence

from .chartindex import ChartIndex
from .findings import Deviation, Event


def deviations(events: Sequence[Event], chart: ChartIndex, *, closed: bool) -> list[Deviation]:
    """Every deviation of one case from ``chart``, in the order of its events."""
    return step_deviations(
        events[0].case_id, [e.step_id for e in events], [e.line for e in events], chart, closed
    )


def step_deviations(
    case: str, steps: Sequence[str], lines: Sequence[int], chart: ChartIndex, closed: bool
) -> list[Deviation]:
    """:func:`deviations` of a case given as the steps of its events and their lines
    (what a replay in bulk holds of a case)."""
    out: list[Deviation] = []
    on = chart.steps
    moves = chart.moves
    prev: str | None = None
    pid, fid = chart.power_id, chart.id
    for i, s in enumerate(steps):
        if s not in on:
            out.append(Deviation("M101", case, pid, fid, i, lines[i], s))
            continue
        if prev is None:
            if s != chart.start and chart.start is not None:
                _, skipped, every = chart.between(chart.start, s)
                touched = (*skipped, s)
                out.append(
                    Deviation(
                        "M103",
                        case,
                        pid,
                        fid,
                        i,
                        lines[i],
                        s,
                        source=chart.start,
                        steps=skipped,
                        on_every_path=every,
                        risk_points=chart.risks_at(touched),
                    )
                )
        elif s not in moves[prev]:
            kind, skipped, every = chart.between(prev, s)
            out.append(
                Deviation(
                    "M102",
                    case,
                    pid,
                    fid,
                    i,
                    lines[i],
                    s,
                    source=prev,
                    kind=kind,
                    steps=skipped,
                    on_every_path=every,
                    risk_points=chart.risks_at((*skipped, s)),
                )
            )
        prev = s
    if closed and prev not in chart.ends:
        if prev is None:
            due: tuple[str, ...] = ()
            every = True
        else:
            due, every = chart.to_end(prev)
        out.append(
            Deviation(
                "M104",
                case,
                pid,
                fid,
                len(steps) - 1,
                lines[-1],
                prev,
                steps=due,
                on_every_path=every,
                risk_points=chart.risks_at(due if prev is None else (prev, *due)),
            )
        )
    return out


def ends_at_end(events: Sequence[Event], chart: ChartIndex) -> bool:
    """Whether the last event of the case on ``chart`` is at an end step."""
    for ev in reversed(events):
        if ev.step_id in chart.steps:
            return ev.step_id in chart.ends
    return False


def count_deviations(events: Sequence[Event], chart: ChartIndex, *, closed: bool) -> int:
    """How many deviations the case has on ``chart``; cheaper than :func:`deviations`
    (no paths computed), to choose a chart for a case whose log does not name one."""
    return count_step_deviations([ev.step_id for ev in events], chart, closed=closed)


def count_step_deviations(steps: Sequence[str], chart: ChartIndex, *, closed: bool) -> int:
    """:func:`count_deviations` of a case given as the steps of its events."""
    n = 0
    prev: str | None = None
    on, moves = chart.steps, chart.moves
    for s in steps:
        if s not in on:
            n += 1
            continue
        if prev is None:
            n += s != chart.start
        elif s not in moves[prev]:
            n += 1
        prev = s
    return n + (closed and prev not in chart.ends)
