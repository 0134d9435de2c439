"""The replay of a log read in bulk (:mod:`.bulk`): every case at once, on arrays.

Each case's moves are checked against its chart's transitions as one table look-up per
event; the working days of every step come from the calendar's cumulative table (two
look-ups a step, :meth:`~.calendar.WorkCalendar.tables`); elapsed days, step overruns
and the days on which a case passed its limits are sums and searches over the whole log.
The cases that left their chart are checked again on their own events' arrays
(:mod:`.bulkdeviations`), which finds each deviation as the case-by-case replay does.
Python is left with what only a few cases need: the paths of a deviation's move (once a
pair of steps), the chart of a case whose log names none among several, and the findings
themselves as records. What comes out is what :func:`~.run.monitor` gives case by case,
to the record.

Examples:
    >>> import powerreg
    >>> from powerreg.monitor.bulk import read_bulk
    >>> from powerreg.monitor.calendar import china_calendar
    >>> reg = powerreg.load_reference()
    >>> log = read_bulk("examples/cases/cases.csv", reg, calendar=china_calendar())
    >>> replayed, after = replay_bulk(log, reg, None, china_calendar(), {})
    >>> [(c.case_id, c.status, len(c.events), c.elapsed) for c in replayed.cases()][:2]
    [('2011-CF001-0001', 'closed', 8, 29), ('2011-XK008-0001', 'closed', 7, 29)]
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import count
from typing import Any

import numpy as np
import numpy.typing as npt

from ..model import Limit, Registry
from .bulk import BulkLog
from .bulkcolumns import Ints
from .bulkdeviations import ChartTable, DeviationColumns
from .calendar import WorkCalendar
from .caseevents import DAY_US, EPOCH_ORDINAL, STEP_BITS, CaseEvents, pack_time
from .chartindex import ChartIndex, compiled
from .findings import Alert, CaseResult, Deviation, RiskRef, Status, maker
from .replay import count_step_deviations

_MASK = (1 << STEP_BITS) - 1


def replay_bulk(
    log: BulkLog,
    registry: Registry,
    as_of: date | None,
    cal: WorkCalendar,
    charts: dict[tuple[str, str], ChartIndex],
) -> tuple[BulkReplay, int]:
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
        return BulkReplay(None), after
    if len(alive) != n_cases:
        sizes = sizes[alive]
        start = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
    first = start[:-1]
    last = start[1:] - 1
    n = len(t)
    steps_of = log.index.steps
    if len(alive) == n_cases:  # every case: the log's own lists
        power_ids, case_ids, named = log.power_ids, log.case_ids, log.chart_ids
    else:
        taken = alive.tolist()
        power_ids = list(map(log.power_ids.__getitem__, taken))
        case_ids = list(map(log.case_ids.__getitem__, taken))
        named = list(map(log.chart_ids.__getitem__, taken))
    step_num = code & _MASK
    closed_all = as_of is None

    def chart_of(pid: str, fid: str) -> ChartIndex:
        return compiled(charts, registry, pid, fid)

    # each case's chart: named, the power's only one, or the one it fits best (a case
    # whose log names none among several: chosen case by case); the charts numbered in
    # the order of the first case on each
    table = ChartTable(steps_of)
    # each case's key (power, chart named) by the first case with that key
    first_of: dict[tuple[str, str | None], int] = {}
    at = np.fromiter(
        map(first_of.setdefault, zip(power_ids, named, strict=True), count()),
        np.int64,
        len(power_ids),
    )
    resolved: dict[ChartIndex, int] = {}
    cand = np.full(len(power_ids), -1, np.int64)  # by the key's first case, then each's
    for (pid, fid), k in first_of.items():
        power = registry.powers[pid]
        if fid is not None or len(power.flowcharts) == 1:
            chart = chart_of(pid, fid or power.flowcharts[0].id)
            cand[k] = resolved.setdefault(chart, len(resolved))
    cand = cand[at]
    guess = np.flatnonzero(cand < 0)
    for k in guess.tolist():
        pid = power_ids[k]
        steps = steps_of[pid]
        seen = [steps[x] for x in step_num[first[k] : last[k] + 1].tolist()]
        fid = min(
            (fc.id for fc in registry.powers[pid].flowcharts),
            key=lambda f: count_step_deviations(seen, chart_of(pid, f), closed=closed_all),
        )
        cand[k] = resolved.setdefault(chart_of(pid, fid), len(resolved))
    inferred = set(guess.tolist())
    used, first_case = np.unique(cand, return_index=True)
    by_cand = list(resolved)
    number = np.zeros(len(resolved), np.int64)
    for c in used[np.argsort(first_case)].tolist():
        number[c] = table.number(by_cand[c])
    gi = number[cand]
    table.build()
    on, end, pause, budget = table.on, table.end, table.pause, table.budget
    starts_at, moves, off, moff, stride = (
        table.starts,
        table.moves,
        table.off,
        table.moff,
        table.stride,
    )
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
    di = t // DAY_US - (cal.first.toordinal() - EPOCH_ORDINAL)
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
    limits = _limits(table.charts, gi, t[first] // DAY_US + EPOCH_ORDINAL, cal)
    return BulkReplay(
        _State(
            log=log, alive=alive, case_ids=case_ids, power_ids=power_ids, gi=gi, table=table,
            chart_of=chart_of, first=first, last=last, line=line, code=code, t=t,
            step_num=step_num, closed=closed, fits=fits, d=d, elapsed=elapsed, late=late,
            late_days=late_days, bud=bud, limits=limits, cum=cum, dc=dc, nums=nums,
            days=days, inferred=inferred,
        ),
    ), after  # fmt: skip


def _limits(
    charts: list[ChartIndex], gi: Ints, ordinals: Ints, cal: WorkCalendar
) -> tuple[Ints, Ints]:
    """Each case's promised and statutory limits in working days (-1: none), as
    :meth:`~.calendar.WorkCalendar.budget` gives them from the case's first day: case
    ``k`` on chart ``gi[k]`` of ``charts``, its first day the ordinal ``ordinals[k]``."""
    out = (np.full(len(gi), -1, np.int64), np.full(len(gi), -1, np.int64))
    for which, into in enumerate(out):
        # each chart's limit in working days; the charts whose power counts calendar
        # days or months, by limit: they share its working days from each first day
        fixed = np.full(len(charts), -1, np.int64)
        by_limit: dict[tuple[int, str], tuple[Limit, list[int]]] = {}
        for g, chart in enumerate(charts):
            power = chart.power
            limit = power.promised_limit if which == 0 else power.statutory_limit
            if limit is None:
                continue
            if limit.in_working_days:
                fixed[g] = limit.amount
            else:
                by_limit.setdefault((limit.amount, str(limit.unit)), (limit, []))[1].append(g)
        into[:] = fixed[gi]
        for limit, members in by_limit.values():
            member = np.zeros(len(charts), bool)
            member[members] = True
            mask = member[gi]
            into[mask] = cal.budgets(limit, ordinals[mask])
    return out


class BulkReplay:
    """The cases of a replay in bulk: every finding found (each deviation's case,
    code and event; each alert's), the records made when first asked for — the cases'
    when :meth:`cases` is first called (a million events make a few hundred thousand),
    the deviations' and alerts' when an output or the cases need them."""

    def __init__(self, state: _State | None) -> None:
        self._state = state
        self.events = 0 if state is None else len(state.t)  # type: ignore[attr-defined]
        if state is not None:
            _findings(state)

    def cases(self) -> list[CaseResult]:
        """Each case's :class:`~.findings.CaseResult`, in the order of the log."""
        return [] if self._state is None else _records(self._state)

    def records(self, ks: list[int]) -> list[CaseResult]:
        """The records of the cases numbered ``ks`` (ascending), as :meth:`cases` makes
        them: an output makes only those of the cases with findings."""
        return [] if self._state is None or not ks else _records(self._state, ks)

    def columns(self) -> CaseColumns:
        """What an output reads of each case without making its record.

        Examples:
            >>> import powerreg
            >>> from powerreg.monitor.bulk import read_bulk
            >>> from powerreg.monitor.calendar import china_calendar
            >>> reg, cal = powerreg.load_reference(), china_calendar()
            >>> log = read_bulk("examples/cases/cases.csv", reg, calendar=cal)
            >>> replayed = replay_bulk(log, reg, None, cal, {})[0]
            >>> cols = replayed.columns()
            >>> c = replayed.cases()[1]
            >>> k = cols.case_ids.index(c.case_id)
            >>> (cols.events[k], cols.elapsed[k], bool(cols.closed[k]), k in cols.flagged) == (
            ...     len(c.events), c.elapsed, c.status == "closed", bool(c.deviations or c.alerts))
            True
        """
        s: Any = self._state
        if s is None:
            no = np.zeros(0, np.int64)
            return CaseColumns(
                [], no, [], [], [], set(), no.astype(bool), no, no, no, no, no, [],
                DeviationColumns.none(),
            )  # fmt: skip
        charts: list[ChartIndex] = s.table.charts
        ks = [s.deviated.ks, _alert_columns(s).case]
        return CaseColumns(
            case_ids=s.case_ids,
            chart=s.gi,
            chart_power=[c.power_id for c in charts],
            chart_flowchart=[c.id for c in charts],
            chart_steps=[s.log.index.steps[c.power_id] for c in charts],
            inferred=s.inferred,
            closed=s.closed,
            events=s.last - s.first + 1,
            elapsed=s.elapsed,
            limit=s.limit,
            started=s.t[s.first],
            ended=s.t[s.last],
            flagged=np.unique(np.concatenate(ks)).tolist(),
            deviations=s.table.columns(s.deviated, s.case_ids),
        )

    @property
    def kept(self) -> Ints:
        """The numbers, in the log, of the cases replayed (a case with no event up to
        ``as_of`` is none)."""
        return _NO_CASES if self._state is None else self._state.alive  # type: ignore[attr-defined]

    def alert_columns(self) -> AlertColumns:
        """Every alert as columns (made once)."""
        return _NO_ALERTS if self._state is None else _alert_columns(self._state)

    def alerts(self) -> tuple[AlertColumns, Callable[[int], Alert]]:
        """Every alert as columns, and a function that makes the record of the alert at
        an index of them (as :meth:`cases` makes it)."""
        s = self._state
        table = self.alert_columns()
        return table, _alert_maker_of(s, table) if s is not None else _no_alert


@dataclass(frozen=True, slots=True)
class CaseColumns:
    """The cases of a replay in bulk as columns, one entry a case in the log's order:
    what the text and JSON of a case need besides its findings (an output makes records
    only for the cases with findings, :attr:`flagged`)."""

    case_ids: list[str]
    #: each case's chart, by number in :attr:`chart_power` and :attr:`chart_flowchart`
    chart: Ints
    chart_power: list[str]
    chart_flowchart: list[str]
    #: the steps of each chart's power, by their numbers (:attr:`AlertColumns.step`)
    chart_steps: list[tuple[str, ...]]
    #: the cases whose chart was inferred (the log named none among several)
    inferred: set[int]
    closed: npt.NDArray[np.bool_]
    events: Ints
    elapsed: Ints
    #: the limit in working days (the promised one, else the statutory one; -1: none)
    limit: Ints
    #: packed times (:func:`~.caseevents.pack_time`) of the first and the last event
    started: Ints
    ended: Ints
    #: the cases with a deviation or an alert, ascending
    flagged: list[int]
    #: the deviations, as columns (their records made when an output asks for them)
    deviations: DeviationColumns


_alert = maker(Alert)
_case_result = maker(CaseResult)


class _State:
    """What :func:`replay_bulk` computed, for :func:`_results`."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)

    def __getstate__(self) -> dict[str, Any]:
        # sent to another process (a Dask worker's share of a replay, :mod:`.engine`):
        # all but the chart maker, a closure over the registry that the replay alone calls
        return {k: v for k, v in self.__dict__.items() if k != "chart_of"}


def _findings(s: Any) -> None:
    """Where the cases that left their chart deviate (their records made later,
    :func:`_deviations`), and which cases passed which of their limits on which day
    (M201-M203), into ``s``."""
    first_a, last_a = s.first, s.last
    days, cum, dc, nums = s.days, s.cum, s.dc, s.nums
    # the case's limits: 80% of the promised one (M201), the promised one (M202), the
    # statutory one (M203); each alert dated the working day its threshold was reached
    promised, statutory = s.limits
    elapsed_a = s.elapsed
    base = np.where(first_a > 0, cum[first_a - 1], 0)
    warn_at = -(-promised * 4 // 5)
    checks = (
        ("M201", (promised > 0) & (elapsed_a >= warn_at), promised, warn_at),
        ("M202", (promised >= 0) & (elapsed_a > promised), promised, promised + 1),
        ("M203", (statutory >= 0) & (elapsed_a > statutory), statutory, statutory + 1),
    )
    found = []
    for code, hit, limit, threshold in checks:
        ks = np.flatnonzero(hit)
        if not len(ks):
            continue
        goal = base[ks] + threshold[ks]
        i = np.searchsorted(cum, goal, side="left")
        before = cum[i] - dc[i] - base[ks]
        when = days[nums[i] + threshold[ks] - before - 1]
        found.append((code, ks, limit[ks], when))
    s.limit = np.where(promised >= 0, promised, statutory)
    # the deviations of the cases that left their chart
    ks = np.flatnonzero(~s.fits)
    sizes = last_a[ks] - first_a[ks] + 1
    events = np.repeat(first_a[ks] - np.cumsum(sizes) + sizes, sizes) + np.arange(int(sizes.sum()))
    s.deviated = s.table.find(ks, s.gi[ks], sizes, s.step_num[events], s.line[events], s.closed[ks])
    s.found = found
    # what the records need of the overruns; the rest goes before they are made
    s.late_step = s.step_num[s.late]
    s.late_budget = s.bud[s.late]
    del s.cum, s.dc, s.nums, s.bud, s.step_num, s.fits


#: The codes of the limits a case passes, by their number in :attr:`AlertColumns.code`.
ALERT_CODES = ("M201", "M202", "M203")


@dataclass(frozen=True, slots=True)
class AlertColumns:
    """The alerts of a replay in bulk as columns, one entry an alert, case by case in
    the log's order and in each case as its record lists them: its steps' overruns in
    the order of its events, then its limits passed (M201, M202, M203)."""

    #: the case's number (:class:`CaseColumns`)
    case: Ints
    #: the code's number in :data:`ALERT_CODES`
    code: Ints
    #: the step's number in its power's steps; -1 for the case's own limits
    step: Ints
    #: the event's index in its case; -1 for the case's own limits
    position: Ints
    line: Ints
    elapsed: Ints
    limit: Ints
    #: the day the limit was passed, as a proleptic ordinal (``date.toordinal``)
    day: Ints


def _no_alert(i: int) -> Alert:
    raise IndexError(i)


_NONE = np.zeros(0, np.int64)
#: The case numbers of a replay with no case.
_NO_CASES = np.zeros(0, np.int64)
_NO_ALERTS = AlertColumns(_NONE, _NONE, _NONE, _NONE, _NONE, _NONE, _NONE, _NONE)


def _alert_columns(s: Any) -> AlertColumns:
    """The alerts of the replay ``s`` (made once)."""
    got: AlertColumns | None = getattr(s, "alert_table", None)
    if got is not None:
        return got
    no = np.zeros(0, np.int64)
    parts = []
    if len(s.late):  # step overruns, each at its event
        late = s.late
        k = np.searchsorted(s.first, late, side="right") - 1
        ones = np.ones(len(late), np.int64)
        parts.append(
            (k, ones, ones, s.late_step, late - s.first[k], s.line[late], s.d[late],
             s.late_budget, s.late_days)
        )  # fmt: skip
    last_line = s.line[s.last]
    for code, ks, limits, when in s.found:  # the case's limits, by code
        n = len(ks)
        parts.append(
            (ks, np.full(n, 2, np.int64), np.full(n, ALERT_CODES.index(code), np.int64),
             np.full(n, -1, np.int64), np.full(n, -1, np.int64), last_line[ks],
             s.elapsed[ks], limits, when)
        )  # fmt: skip
    columns = [np.concatenate([p[i] for p in parts]) if parts else no for i in range(9)]
    # case by case; in a case, step overruns (kind 1) in the order of their events,
    # then limits passed (kind 2) by code
    within = np.where(columns[3] >= 0, columns[4], columns[2])
    order = np.lexsort((within, columns[1], columns[0]))
    case, _, code, step, position, line, elapsed, limit, day = (
        c[order].astype(np.int64) for c in columns
    )
    got = s.alert_table = AlertColumns(case, code, step, position, line, elapsed, limit, day)
    return got


def _alert_maker_of(s: Any, table: AlertColumns) -> Callable[[int], Alert]:
    """:func:`alert_maker` of the replay ``s``."""
    return alert_maker(table, s.table.charts, s.log.index.steps, _lists(s).gi, s.case_ids)


def alert_maker(
    table: AlertColumns,
    charts: list[ChartIndex],
    steps_of: dict[str, tuple[str, ...]],
    gi: list[int],
    case_ids: list[str],
) -> Callable[[int], Alert]:
    """A function that makes the record of alert ``i`` of ``table``: ``charts`` by
    number, each power's steps by number (``steps_of``), each case's chart number
    (``gi``) and id by the case's number."""
    case, code, step, position = (
        c.tolist() for c in (table.case, table.code, table.step, table.position)
    )
    line, elapsed, limit, day = (
        c.tolist() for c in (table.line, table.elapsed, table.limit, table.day)
    )
    no_risks: tuple[RiskRef, ...] = ()

    def make(i: int) -> Alert:
        k, x = case[i], step[i]
        chart = charts[gi[k]]
        name = steps_of[chart.power_id][x] if x >= 0 else None
        return _alert(
            ALERT_CODES[code[i]],
            case_ids[k],
            chart.power_id,
            chart.id,
            "step" if x >= 0 else "case",
            name,
            position[i] if x >= 0 else None,
            line[i],
            elapsed[i],
            limit[i],
            date.fromordinal(day[i]),
            chart.risks.get(name, ()) if name is not None else no_risks,
        )

    return make


def _deviations(s: Any) -> dict[int, tuple[Deviation, ...]]:
    """The records of the deviations of the replay ``s``, by case (made once, when
    first asked for: each a chart's paths between two steps and its risk points)."""
    got: dict[int, tuple[Deviation, ...]] | None = getattr(s, "devs_of", None)
    if got is None:
        got = s.devs_of = s.table.records(s.deviated, s.case_ids)
    return got


@dataclass(frozen=True, slots=True)
class _Lists:
    """What the records read of each case, as Python lists (made once, when first
    asked for): its chart's number, first and last event, limit (None: none)."""

    gi: list[int]
    first: list[int]
    last: list[int]
    limit: list[int | None]


def _lists(s: Any) -> _Lists:
    got: _Lists | None = getattr(s, "lists", None)
    if got is None:
        limits: list[int | None] = [None if v < 0 else v for v in s.limit.tolist()]
        got = s.lists = _Lists(s.gi.tolist(), s.first.tolist(), s.last.tolist(), limits)
    return got


def _records(s: Any, ks: list[int] | None = None) -> list[CaseResult]:
    """The cases of a replay as records (:class:`~.findings.CaseResult`): all, or those
    numbered ``ks`` (ascending)."""
    log: BulkLog = s.log
    charts: list[ChartIndex] = s.table.charts
    lists = _lists(s)
    gi, first, last = lists.gi, lists.first, lists.last
    steps_of = log.index.steps
    d = s.d.tolist()
    alerts_of: dict[int, list[Alert]] = {}
    table = _alert_columns(s)
    make = _alert_maker_of(s, table)
    for i, k in enumerate(table.case.tolist()):
        got = alerts_of.get(k)
        if got is None:
            alerts_of[k] = [make(i)]
        else:
            got.append(make(i))
    # the records
    rows = np.empty((len(s.t), 3), np.int64)
    rows[:, 0], rows[:, 1], rows[:, 2] = s.t, s.line, s.code
    packed = rows.tobytes()
    del rows
    notes = log.notes
    actors = log.actors
    chart_ids = log.chart_ids
    g_pid = [c.power_id for c in charts]
    g_fid = [c.id for c in charts]
    g_steps = [steps_of[c.power_id] for c in charts]
    inferred = s.inferred
    limit_of = lists.limit
    devs_of = _deviations(s)
    status: tuple[Status, Status] = ("open", "closed")
    no_lines: tuple[int, ...] = ()
    out: list[CaseResult] = []
    append = out.append
    empty: tuple[Any, ...] = ()
    columns = [s.case_ids, gi, first, last, s.alive.tolist(), s.closed.tolist(), s.elapsed.tolist()]
    numbers: Any = range(len(gi))
    if ks is not None:
        columns = [[c[k] for k in ks] for c in columns]
        numbers = ks
    for k, cid, g, a, z, src, shut, e in zip(numbers, *columns, strict=True):
        pid = g_pid[g]
        events = CaseEvents(
            cid,
            pid,
            g_steps[g],
            actors,
            chart_ids[src],
            packed=array("q", packed[a * 24 : z * 24 + 24]),
        )
        noted = notes.get(src)
        if noted:
            events._notes = noted
        alerts = alerts_of.get(k)
        append(
            _case_result(
                cid,
                pid,
                g_fid[g],
                status[shut],
                events,
                (*d[a:z], None) if shut else tuple(d[a : z + 1]),
                e,
                devs_of.get(k, empty),
                tuple(alerts) if alerts else empty,
                limit_of[k],
                k in inferred,
                no_lines,
            )
        )
    return out
