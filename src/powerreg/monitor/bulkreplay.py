"""The replay of a log read in bulk (:mod:`.bulk`): every case at once, on arrays.

Each case's moves are checked against its chart's transitions as one table look-up per
event; the working days of every step come from the calendar's cumulative table (two
look-ups a step, :meth:`~.calendar.WorkCalendar.tables`); elapsed days, step overruns
and the days on which a case passed its limits are sums and searches over the whole log.
Python is left with what only a few cases need: the deviations of a case that left its
chart (:func:`~.replay.step_deviations`, the very code of the case-by-case replay), the
chart of a case whose log names none among several, and the findings themselves as
records. What comes out is what :func:`~.run.monitor` gives case by case, to the record.

Examples:
    >>> import powerreg
    >>> from powerreg.monitor.bulk import read_bulk
    >>> from powerreg.monitor.calendar import china_calendar
    >>> reg = powerreg.load_reference()
    >>> log = read_bulk("examples/cases/cases.csv", reg, calendar=china_calendar())
    >>> cases, after = replay_bulk(log, reg, None, china_calendar(), {})
    >>> [(c.case_id, c.status, len(c.events), c.elapsed) for c in cases][:2]
    [('2011-CF001-0001', 'closed', 8, 29), ('2011-XK008-0001', 'closed', 7, 29)]
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import numpy as np

from ..model import Registry
from .bulk import _DAY_US, BulkLog, Ints
from .calendar import WorkCalendar
from .caseevents import STEP_BITS, CaseEvents, pack_time
from .chartindex import ChartIndex
from .findings import Alert, CaseResult, Deviation, RiskRef
from .replay import count_step_deviations, step_deviations

_MASK = (1 << STEP_BITS) - 1


def replay_bulk(
    log: BulkLog,
    registry: Registry,
    as_of: date | None,
    cal: WorkCalendar,
    charts: dict[tuple[str, str], ChartIndex],
) -> tuple[list[CaseResult], int]:
    """Every case of ``log`` replayed on its flowchart as :func:`~.run.monitor` replays
    it, and how many events were later than ``as_of`` (left out)."""
    start, t, line, code = log.start, log.time, log.line, log.code
    n_cases = log.cases
    sizes = np.diff(start)
    after = 0
    if as_of is not None and len(t):
        until = pack_time(datetime.combine(as_of, time.max))
        keep = t <= until
        if not keep.all():
            kept = np.add.reduceat(keep.astype(np.int64), start[:-1]) if n_cases else sizes
            kept = np.where(sizes > 0, kept, 0)
            after = int(len(t) - keep.sum())
            # events are in time order within a case: the kept ones are its first
            sel = np.flatnonzero(keep)
            t, line, code = t[sel], line[sel], code[sel]
            sizes = kept
            start = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
    alive = np.flatnonzero(sizes > 0)
    if not len(alive):
        return [], after
    if len(alive) != n_cases:
        sizes = sizes[alive]
        start = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
    first = start[:-1]
    last = start[1:] - 1
    n = len(t)
    steps_of = log.index.steps
    power_ids = [log.power_ids[k] for k in alive.tolist()]
    case_ids = [log.case_ids[k] for k in alive.tolist()]
    named = [log.chart_ids[k] for k in alive.tolist()]
    step_num = code & _MASK
    closed_all = as_of is None

    def chart_of(pid: str, fid: str) -> ChartIndex:
        key = (pid, fid)
        chart = charts.get(key)
        if chart is None:
            power = registry.powers[pid]
            chart = charts[key] = ChartIndex(power, power.flowchart(fid))
        return chart

    # each case's chart: named, the power's only one, or the one it fits best
    table = _Charts(steps_of)
    gi = np.empty(len(alive), np.int64)
    inferred: set[int] = set()
    for k, (pid, fid) in enumerate(zip(power_ids, named, strict=True)):
        if fid is None:
            power = registry.powers[pid]
            if len(power.flowcharts) == 1:
                fid = power.flowcharts[0].id
            else:
                inferred.add(k)
                steps = steps_of[pid]
                seen = [steps[s] for s in step_num[first[k] : last[k] + 1].tolist()]
                fid = min(
                    (fc.id for fc in power.flowcharts),
                    key=lambda f: count_step_deviations(seen, chart_of(pid, f), closed=closed_all),
                )
        gi[k] = table.number(chart_of(pid, fid))
    on, end, pause, budget, starts_at, moves, off, moff, stride = table.arrays()
    ev_gi = np.repeat(gi, sizes)
    pos = off[ev_gi] + step_num
    onc = on[pos]
    # moves: each event after the first, from the step before it
    prev = np.empty(n, np.int64)
    prev[1:] = step_num[:-1]
    prev[first] = 0
    ok_move = moves[moff[ev_gi] + prev * stride[ev_gi] + step_num]
    ok_move[first] = (starts_at[gi] < 0) | (starts_at[gi] == step_num[first])
    # the last event on the chart says whether the case ended (or is open, as_of given)
    idx_on = np.where(onc, np.arange(n), -1)
    last_on = np.maximum.reduceat(idx_on, first)
    if closed_all:
        closed = np.ones(len(alive), bool)
    else:
        closed = (last_on >= first) & end[pos[np.maximum(last_on, 0)]]
    fits = (
        np.logical_and.reduceat(onc & ok_move, first)
        & ((last_on == last) | ~closed)
        & (~closed | end[pos[last]])
    )
    # working days: each step from its event to the next (to as_of while open)
    counts, days = cal.tables()
    di = t // _DAY_US - (cal.first.toordinal() - 1)
    if len(di) and (di.min() < 0 or di.max() >= len(counts)):
        bad = int(di[(di < 0) | (di >= len(counts))][0])
        cal.check(date.fromordinal(bad + cal.first.toordinal()))
    nums = counts[di]
    d = np.empty(n, np.int64)
    d[:-1] = nums[1:] - nums[:-1]
    open_end = cal.number(as_of) if as_of is not None else 0
    d[last] = np.where(closed, -1, open_end - nums[last])
    counted = (d > 0) & ~pause[pos]
    dc = np.where(counted, d, 0)
    cum = np.cumsum(dc)
    elapsed = cum[last] - np.where(first > 0, cum[first - 1], 0)
    bud = budget[pos]
    late = np.flatnonzero(counted & (bud >= 0) & (d > bud))
    late_days = days[nums[late] + bud[late]]
    # limits: working days, or calendar days and months counted from the first day
    limits = _limits(registry, power_ids, t[first] // _DAY_US + 1, cal)
    return _results(
        locals_=_State(
            log=log, alive=alive, case_ids=case_ids, power_ids=power_ids, gi=gi, table=table,
            chart_of=chart_of, first=first, last=last, line=line, code=code, t=t,
            step_num=step_num, closed=closed, fits=fits, d=d, elapsed=elapsed, late=late,
            late_days=late_days, bud=bud, limits=limits, cum=cum, dc=dc, nums=nums,
            days=days, inferred=inferred,
        ),
    ), after  # fmt: skip


class _Charts:
    """The charts of a replay as flat tables in the step numbers of their power."""

    def __init__(self, steps_of: dict[str, tuple[str, ...]]) -> None:
        self.steps_of = steps_of
        self.charts: list[ChartIndex] = []
        self.numbers: dict[tuple[str, str], int] = {}

    def number(self, chart: ChartIndex) -> int:
        key = (chart.power_id, chart.id)
        k = self.numbers.get(key)
        if k is None:
            k = self.numbers[key] = len(self.charts)
            self.charts.append(chart)
        return k

    def arrays(self) -> tuple[Any, ...]:
        on, end, pause, budget, starts, moves = [], [], [], [], [], []
        off, moff, stride = [], [], []
        o = mo = 0
        for chart in self.charts:
            steps = self.steps_of[chart.power_id]
            size = len(steps)
            num = {s: i for i, s in enumerate(steps)}
            off.append(o)
            moff.append(mo)
            stride.append(size)
            on += [s in chart.steps for s in steps]
            end += [s in chart.ends for s in steps]
            pause += [s in chart.pauses for s in steps]
            budget += [chart.days.get(s, -1) for s in steps]
            starts.append(num[chart.start] if chart.start is not None else -1)
            table = np.zeros((size, size), bool)
            for a, succ in chart.moves.items():
                for b in succ:
                    table[num[a], num[b]] = True
            moves.append(table.ravel())
            o += size
            mo += size * size
        return (
            np.array(on, bool),
            np.array(end, bool),
            np.array(pause, bool),
            np.array(budget, np.int64),
            np.array(starts, np.int64),
            np.concatenate(moves) if moves else np.zeros(0, bool),
            np.array(off, np.int64),
            np.array(moff, np.int64),
            np.array(stride, np.int64),
        )


def _limits(
    registry: Registry, power_ids: list[str], ordinals: Ints, cal: WorkCalendar
) -> tuple[list[int | None], list[int | None]]:
    """Each case's promised and statutory limits in working days (as
    :meth:`~.calendar.WorkCalendar.budget` gives them from the case's first day)."""
    cache: dict[tuple[str, int], tuple[int | None, int | None]] = {}
    promised: list[int | None] = []
    statutory: list[int | None] = []
    powers = registry.powers
    for pid, day in zip(power_ids, ordinals.tolist(), strict=True):
        key = (pid, day)
        got = cache.get(key)
        if got is None:
            p = powers[pid]
            start = date.fromordinal(day)
            got = cache[key] = (
                cal.budget(p.promised_limit, start),
                cal.budget(p.statutory_limit, start),
            )
        promised.append(got[0])
        statutory.append(got[1])
    return promised, statutory


class _State:
    """What :func:`replay_bulk` computed, for :func:`_results`."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


def _results(locals_: _State) -> list[CaseResult]:
    s: Any = locals_
    log: BulkLog = s.log
    charts: list[ChartIndex] = s.table.charts
    gi = s.gi.tolist()
    first, last = s.first.tolist(), s.last.tolist()
    closed = s.closed.tolist()
    fits = s.fits.tolist()
    elapsed = s.elapsed.tolist()
    d = s.d.tolist()
    lines = s.line.tolist()
    step_num = s.step_num.tolist()
    promised, statutory = s.limits
    steps_of = log.index.steps
    days: Any = s.days
    # step overruns by case
    late_by: dict[int, list[Alert]] = {}
    if len(s.late):
        case_of = np.searchsorted(s.first, s.late, side="right") - 1
        for e, k, when, b in zip(
            s.late.tolist(),
            case_of.tolist(),
            s.late_days.tolist(),
            s.bud[s.late].tolist(),
            strict=True,
        ):
            chart = charts[gi[k]]
            step = steps_of[chart.power_id][step_num[e]]
            late_by.setdefault(k, []).append(
                Alert(
                    "M202",
                    s.case_ids[k],
                    chart.power_id,
                    chart.id,
                    "step",
                    step,
                    e - first[k],
                    lines[e],
                    d[e],
                    b,
                    date.fromordinal(when),
                    chart.risks.get(step, ()),
                )
            )
    cum, dc, nums = s.cum, s.dc, s.nums

    def passed(k: int, threshold: int) -> date:
        """The working day on which case ``k``'s counted time reached ``threshold``."""
        base = int(cum[first[k] - 1]) if first[k] else 0
        i = int(np.searchsorted(cum, base + threshold, side="left"))
        before = int(cum[i]) - int(dc[i]) - base
        return date.fromordinal(int(days[int(nums[i]) + threshold - before - 1]))

    alive: list[int] = s.alive.tolist()
    out: list[CaseResult] = []
    rows = np.empty((len(s.t), 3), np.int64)
    rows[:, 0], rows[:, 1], rows[:, 2] = s.t, s.line, s.code
    packed = memoryview(rows.tobytes())
    notes = log.notes
    texts = log.actors
    no_risks: tuple[RiskRef, ...] = ()
    for k in range(len(gi)):
        chart = charts[gi[k]]
        a, b = first[k], last[k] + 1
        cid = s.case_ids[k]
        pid, fid = chart.power_id, chart.id
        is_closed = closed[k]
        if fits[k]:
            devs: tuple[Deviation, ...] = ()
        else:
            steps = steps_of[pid]
            devs = tuple(
                step_deviations(
                    cid, [steps[x] for x in step_num[a:b]], lines[a:b], chart, is_closed
                )
            )
        alerts = late_by.get(k, [])
        e = elapsed[k]
        pr, st = promised[k], statutory[k]
        last_line = lines[b - 1]
        if pr is not None:
            warn_at = -(-pr * 4 // 5)
            if pr > 0 and e >= warn_at:
                alerts.append(
                    Alert("M201", cid, pid, fid, "case", None, None, last_line, e, pr,
                          passed(k, warn_at), no_risks)
                )  # fmt: skip
            if e > pr:
                alerts.append(
                    Alert("M202", cid, pid, fid, "case", None, None, last_line, e, pr,
                          passed(k, pr + 1), no_risks)
                )  # fmt: skip
        if st is not None and e > st:
            alerts.append(
                Alert("M203", cid, pid, fid, "case", None, None, last_line, e, st,
                      passed(k, st + 1), no_risks)
            )  # fmt: skip
        step_days: tuple[int | None, ...] = (*d[a : b - 1], None) if is_closed else tuple(d[a:b])
        src = alive[k]
        events = CaseEvents(cid, pid, steps_of[pid], texts, log.chart_ids[src])
        events.packed.frombytes(packed[a * 24 : b * 24])
        got = notes.get(src)
        if got:
            events._notes = got
        out.append(
            CaseResult(
                cid,
                pid,
                fid,
                "closed" if is_closed else "open",
                events,
                step_days,
                e,
                devs,
                tuple(alerts),
                pr if pr is not None else st,
                k in s.inferred,
            )
        )
    return out
