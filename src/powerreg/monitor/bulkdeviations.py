"""The deviations (M101–M104) of the cases of a replay in bulk that left their chart,
found on arrays: what :func:`~.replay.step_deviations` finds case by case, to the record.

:mod:`.bulkreplay` checks every move against the step before it, which tells which cases
fit their chart. A case that does not fit is replayed again here, but on its events as
arrays: an event off the chart is M101 and does not count as a step for the moves after
it (the replay goes on from the last step that was on the chart), so each event's step
*before* is the last on-chart step of its case before it (a running maximum); the first
on-chart event of a case that is not the start is M103, an on-chart event whose move from
that step is not a transition M102, and a closed case whose last on-chart step is not an
end (or that has none) M104 (:meth:`ChartTable.find`). Python is left with the records,
made when asked for (:meth:`ChartTable.records`): one a deviation, the paths between two
steps asked of the chart once per pair (:meth:`~.chartindex.ChartIndex.between`).

Examples:
    >>> import numpy as np, powerreg
    >>> from powerreg.monitor.chartindex import compiled
    >>> from powerreg.monitor.reader import RowIndex
    >>> reg = powerreg.load_reference()
    >>> index = RowIndex(reg)
    >>> table = ChartTable(index.steps)
    >>> g = table.number(compiled({}, reg, "XK-001", "F1"))
    >>> table.build()
    >>> steps = ["S1", "S2", "S8", "S9", "S11"]  # 集体审议 reached without review
    >>> number = index.numbers["XK-001"]
    >>> found = table.find(np.array([0]), np.array([g]), np.array([5]),
    ...                    np.array([number[s] for s in steps]), np.arange(2, 7),
    ...                    np.array([True]))
    >>> got = table.records(found, ["A1"])
    >>> [(d.code, d.position, d.line, d.source, d.step, d.steps) for d in got[0]]
    [('M102', 2, 4, 'S2', 'S8', ('S5', 'S6', 'S7'))]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .bulkcolumns import Ints
from .chartindex import ChartIndex
from .findings import Deviation, RiskRef, maker

_deviation = maker(Deviation)
_NO_STEPS: tuple[str, ...] = ()
_NO_RISKS: tuple[RiskRef, ...] = ()


class ChartTable:
    """The charts of a replay (each numbered by :meth:`number` as its cases name it) as
    flat tables in the step numbers of their power, once :meth:`build` made them: chart
    ``g``'s step ``x`` at ``off[g] + x`` (on the chart, an end, pausing the clock, its
    budget in working days or -1), the move ``x → y`` at ``moff[g] + x * stride[g] + y``,
    the start step at ``starts[g]`` (-1: not exactly one)."""

    def __init__(self, steps_of: dict[str, tuple[str, ...]]) -> None:
        self.steps_of = steps_of
        self.charts: list[ChartIndex] = []
        self.numbers: dict[tuple[str, str], int] = {}

    def number(self, chart: ChartIndex) -> int:
        """The number of ``chart`` among the replay's charts (a new one: the next)."""
        key = (chart.power_id, chart.id)
        k = self.numbers.get(key)
        if k is None:
            k = self.numbers[key] = len(self.charts)
            self.charts.append(chart)
        return k

    def build(self) -> None:
        """The tables of the charts numbered so far."""
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
        self.on = np.array(on, bool)
        self.end = np.array(end, bool)
        self.pause = np.array(pause, bool)
        self.budget = np.array(budget, np.int64)
        self.starts = np.array(starts, np.int64)
        self.moves = np.concatenate(moves) if moves else np.zeros(0, bool)
        self.off = np.array(off, np.int64)
        self.moff = np.array(moff, np.int64)
        self.stride = np.array(stride, np.int64)

    def find(
        self,
        ks: Ints,
        gi: Ints,
        sizes: Ints,
        step: Ints,
        line: Ints,
        closed: npt.NDArray[np.bool_],
    ) -> Found:
        """Where the cases numbered ``ks`` deviate, as :func:`~.replay.step_deviations`
        finds it (no record made yet: :meth:`records` makes them): case ``ks[j]`` on
        chart ``gi[j]``, closed or not (``closed[j]``), its ``sizes[j]`` events' step
        numbers and lines next in ``step`` and ``line`` (every case has one at least)."""
        n = len(step)
        first = np.zeros(len(ks), np.int64)
        if len(ks):
            np.cumsum(sizes[:-1], out=first[1:])
        last = first + sizes - 1
        ev_g = np.repeat(gi, sizes)
        on = self.on[self.off[ev_g] + step]
        # the last on-chart event before each event in its case (-1: none): the step
        # the replay moves from
        at = np.arange(n, dtype=np.int64)
        on_at = np.where(on, at, -1)
        before = np.full(n, -1, np.int64)
        before[1:] = np.maximum.accumulate(on_at)[:-1]
        before[before < np.repeat(first, sizes)] = -1
        moved = before >= 0
        prev = np.where(moved, step[np.maximum(before, 0)], 0)
        ok = self.moves[self.moff[ev_g] + prev * self.stride[ev_g] + step]
        start = self.starts[ev_g]
        m101 = ~on
        m102 = on & moved & ~ok
        m103 = on & ~moved & (start >= 0) & (step != start)
        # M104: closed, and the last on-chart step (if any) no end
        last_on = np.maximum.reduceat(on_at, first) if len(ks) else first
        any_on = last_on >= first
        at_end = any_on & self.end[self.off[gi] + step[np.maximum(last_on, 0)]]
        ends = np.flatnonzero(closed & ~at_end)
        # each deviation: its case (a place in ks), code, event; a case's M104 last
        hit = np.flatnonzero(m101 | m102 | m103)
        where = np.concatenate((np.searchsorted(first, hit, side="right") - 1, ends))
        codes = np.concatenate((np.where(m101[hit], 1, np.where(m102[hit], 2, 3)), 4 + 0 * ends))
        event = np.concatenate((hit, last[ends]))
        order = np.lexsort((codes == 4, event, where))
        m104 = codes == 4
        return Found(
            ks=ks,
            gi=gi,
            first=first,
            any_on=any_on,
            case=where[order],
            code=codes[order],
            event=event[order],
            source=np.where(m104, -1, prev[event])[order],
            step=np.where(m104, step[np.maximum(last_on, 0)][where], step[event])[order],
            line=line,
        )

    def columns(self, found: Found, case_ids: list[str]) -> DeviationColumns:
        """The deviations ``found`` as columns, each one's record made when asked for
        (``case_ids``: the id of each case by number).

        Examples:
            >>> import powerreg
            >>> from powerreg.monitor import monitor
            >>> r = monitor("examples/cases/cases.csv", powerreg.load_reference())
            >>> cols = r._bulk.columns().deviations
            >>> made = [cols.make(i) for i in range(len(cols.case))]
            >>> made == [d for c in r.cases for d in c.deviations] != []
            True
            >>> [d.case_id for d in made] == [r.cases[k].case_id for k in cols.case.tolist()]
            True
        """
        place, code, step = found.case, found.code, found.step
        any_on = found.any_on[place]
        # what a deviation's record holds besides its case, position and line: its code,
        # chart, and the steps moved from (M102; M104: its last on the chart) and to
        src = np.where(code == 2, found.source, np.where((code == 4) & any_on, step, -1))
        dst = np.where(code == 4, -1, step)
        span = int(max(step.max(initial=0), found.source.max(initial=0))) + 2
        key = ((code * (len(self.charts) + 1) + found.gi[place]) * span + src + 1) * span + dst + 1
        _, first, kind = np.unique(key, return_index=True, return_inverse=True)
        records = _Records(self, case_ids, found)
        event, source = found.event, found.source

        def make(i: int) -> Deviation:
            j = int(place[i])
            return records.make(
                j, int(code[i]), int(event[i]), int(source[i]), int(step[i]), bool(any_on[i])
            )

        return DeviationColumns(
            case=found.ks[place],
            code=code,
            kind=kind.reshape(-1),
            position=event - found.first[place],
            line=found.line[event],
            first=first,
            make=make,
        )

    def records(self, found: Found, case_ids: list[str]) -> dict[int, tuple[Deviation, ...]]:
        """The records of the deviations ``found``, by case number (``case_ids``: the
        id of each)."""
        made: list[list[Deviation]] = [[] for _ in range(len(found.ks))]
        any_on = found.any_on.tolist()
        records = _Records(self, case_ids, found)
        for j, c, i, x, y in zip(
            found.case.tolist(),
            found.code.tolist(),
            found.event.tolist(),
            found.source.tolist(),
            found.step.tolist(),
            strict=True,
        ):
            made[j].append(records.make(j, c, i, x, y, any_on[j]))
        return {k: tuple(m) for k, m in zip(found.ks.tolist(), made, strict=True)}


@dataclass(slots=True)
class DeviationColumns:
    """The deviations of a replay in bulk as columns, in the order of their records
    (case by case, ascending; in each case as its record lists them). The deviations of
    one :attr:`kind` (same code and chart, same steps moved from and to) differ only in
    their case, position and line: an output makes the record of the :attr:`first` of
    each kind (:attr:`make`) and fills in the rest."""

    #: each deviation's case (by number in the log), code (1–4: M101–M104), kind,
    #: position in its case and line
    case: Ints
    code: Ints
    kind: Ints
    position: Ints
    line: Ints
    #: the first deviation of each kind
    first: Ints
    #: the record of the deviation at an index
    make: Callable[[int], Deviation]
    _kinds: list[Deviation] | None = None

    def kinds(self) -> list[Deviation]:
        """The record of the first deviation of each kind (made once)."""
        if self._kinds is None:
            self._kinds = [self.make(i) for i in self.first.tolist()]
        return self._kinds

    def per_kind(self) -> list[int]:
        """How many deviations each kind has."""
        counts: list[int] = np.bincount(self.kind, minlength=len(self.first)).tolist()
        return counts

    @classmethod
    def none(cls) -> DeviationColumns:
        """No deviation."""
        no = np.zeros(0, np.int64)

        def make(i: int) -> Deviation:
            raise IndexError(i)

        return cls(no, no, no, no, no, no, make)


@dataclass(frozen=True, slots=True)
class Found:
    """Where the cases that left their chart deviate (:meth:`ChartTable.find`): one
    entry a deviation, case by case and in each case as its record lists them (by
    event, M104 last)."""

    #: the cases, by number; each one's chart, first event (in :attr:`line`), and
    #: whether any of its events is on its chart
    ks: Ints
    gi: Ints
    first: Ints
    any_on: npt.NDArray[np.bool_]
    #: each deviation's case (a place in :attr:`ks`), code (1–4: M101–M104), event (in
    #: :attr:`line`; M104: the case's last), the step moved from (M102; else -1) and
    #: the event's step (M104: the case's last on its chart, if any)
    case: Ints
    code: Ints
    event: Ints
    source: Ints
    step: Ints
    #: the line of each event of the cases
    line: Ints


class _Records:
    """The records of deviations found on arrays, the chart's paths asked once a pair."""

    def __init__(self, table: ChartTable, case_ids: list[str], found: Found) -> None:
        self.charts = table.charts
        self.names = [table.steps_of[c.power_id] for c in table.charts]
        self.case_ids = case_ids
        # the arrays as they are: a Python list of every event's line would hold more
        # than the few records an output asks for
        self.ks, self.gi, self.first, self.line = found.ks, found.gi, found.first, found.line
        self.paths: dict[tuple[int, int, int], tuple[Any, tuple[str, ...], bool, Any]] = {}
        self.due: dict[tuple[int, int], tuple[tuple[str, ...], bool, Any]] = {}

    def make(self, j: int, code: int, i: int, x: int, y: int, any_on: bool) -> Deviation:
        """Deviation ``code`` (1–4: M101–M104) of case ``ks[j]`` at its event ``i``
        (for M104 its last) of step ``y`` (M104: its last on-chart step, if ``any_on``),
        the move from step ``x`` (M102)."""
        g = int(self.gi[j])
        chart = self.charts[g]
        steps = self.names[g]
        cid = self.case_ids[self.ks[j]]
        position = i - int(self.first[j])
        line = int(self.line[i])
        if code == 1:
            return _deviation(
                "M101", cid, chart.power_id, chart.id, position, line, steps[y], None, None,
                _NO_STEPS, True, _NO_RISKS,
            )  # fmt: skip
        if code == 4:
            x = y if any_on else -1
            due = self.due.get((g, x))
            if due is None:
                if x < 0:
                    due = (_NO_STEPS, True, chart.risks_at(()))
                else:
                    owed, every = chart.to_end(steps[x])
                    due = (owed, every, chart.risks_at((steps[x], *owed)))
                self.due[(g, x)] = due
            return _deviation(
                "M104", cid, chart.power_id, chart.id, position, line,
                steps[x] if x >= 0 else None, None, None, *due,
            )  # fmt: skip
        key = (g, -1 if code == 3 else x, y)
        path = self.paths.get(key)
        if path is None:
            a = chart.start if code == 3 else steps[x]
            assert a is not None
            kind, skipped, every = chart.between(a, steps[y])
            path = self.paths[key] = (kind, skipped, every, chart.risks_at((*skipped, steps[y])))
        if code == 3:
            return _deviation(
                "M103", cid, chart.power_id, chart.id, position, line, steps[y], chart.start,
                None, path[1], path[2], path[3],
            )  # fmt: skip
        return _deviation(
            "M102", cid, chart.power_id, chart.id, position, line, steps[y], steps[x],
            path[0], path[1], path[2], path[3],
        )  # fmt: skip
