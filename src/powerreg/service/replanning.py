"""The cases of the supervision service replayed, and what their replays find: the
plan of a change's feed entries (:meth:`Replanner.replan`), the replays as of the
service's day (:meth:`Replanner.nows`), and the records of the findings raised or
restored (:meth:`Replanner.records`).

A case is replayed as of the last day of the working-day calendar (an alert carries the
day its threshold is passed, whatever day the replay is as of), so the findings as of
the service's day are that replay's deviations and its alerts passed by the day; a
replay as of the day itself is made only for what says the elapsed days (the records,
the case pages, the per-power summary). Many cases are replayed together
(:func:`~.replays.replay_cases`).

Examples:
    >>> import powerreg
    >>> from datetime import date, datetime
    >>> from powerreg.monitor.calendar import china_calendar
    >>> from powerreg.monitor.caseevents import CaseEvents, Vocabulary, pack_time
    >>> from powerreg.monitor.reader import RowIndex
    >>> reg = powerreg.load_reference()
    >>> index, actors = RowIndex(reg), Vocabulary()
    >>> events = CaseEvents("A1", "XK-001", index.steps["XK-001"], actors)
    >>> for n, step in enumerate(["S1", "S6"]):
    ...     t = pack_time(datetime(2011, 10, 10, 9 + n))
    ...     events.append(index.numbers["XK-001"][step], t, n + 1, 0)
    >>> replanner = Replanner(reg, china_calendar(), index, actors, "state.db")
    >>> plan = Plan({"A1": CaseState(events, 0, None)})
    >>> replanner.replan(plan, [("A1", None)], date(2011, 10, 31))
    >>> [(kind, f.code if f else None) for kind, _, f in plan.changes["A1"]]
    [('raised', 'M102'), ('raised', 'M202')]
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time

from ..model import Registry
from ..monitor.calendar import WorkCalendar
from ..monitor.caseevents import CaseEvents, Vocabulary, pack_time
from ..monitor.chartindex import ChartIndex
from ..monitor.findings import CaseResult
from ..monitor.reader import RowIndex
from ..monitor.result import MonitorResult
from .feed import Finding, changes, identities, record
from .plan import CaseState, Plan
from .replays import replay_cases

#: A finding's record as stored (json.dumps would make an encoder for each).
_encode = json.JSONEncoder(ensure_ascii=False).encode


class Replanner:
    """The replays of the cases of ``registry`` on the working-day ``calendar``: their
    steps numbered by ``index``, their actors by ``actors``; ``source`` names the state
    in messages. The charts compiled for the replays are kept (:attr:`charts`)."""

    def __init__(
        self,
        registry: Registry,
        calendar: WorkCalendar,
        index: RowIndex,
        actors: Vocabulary,
        source: str,
    ) -> None:
        self.registry = registry
        self.calendar = calendar
        self.index = index
        self.actors = actors
        self.source = source
        self.charts: dict[tuple[str, str], ChartIndex] = {}

    def replan(
        self,
        plan: Plan,
        todo: Sequence[tuple[str, CaseState | None]],
        day: date,
        *,
        kept: bool = False,
    ) -> None:
        """Into ``plan``: each case of ``todo`` — its id and its state in ``plan`` (or,
        with ``kept``, in memory: then a replay whose events counted by ``day`` have not
        changed is kept) — as of ``day``, with its feed changes. The replays needed
        are made together (see :func:`~.replays.replay_cases`)."""
        until = pack_time(datetime.combine(day, time.max)) + 1
        counted: list[int] = []
        heads: list[CaseEvents] = []
        for case_id, st in todo:
            if st is None:
                st = plan.cases[case_id]
            events = st.events
            n = events.count_before(until)
            counted.append(n)
            if not (kept and st.counted == n) and n:
                heads.append(events.head(n))
        replayed = iter(
            replay_cases(
                heads,
                self.registry,
                as_of=self.calendar.last,
                calendar=self.calendar,
                charts=self.charts,
                index=self.index,
                actors=self.actors,
            )
        )
        for (case_id, st), n in zip(todo, counted, strict=True):
            if st is None:
                st = plan.cases[case_id]
            events = st.events
            ahead = st.ahead if kept and st.counted == n else next(replayed) if n else None
            days = [events[n].time.date()] if n < len(events) else []
            if ahead is not None:
                days += [a.date for a in ahead.alerts if a.date > day]
            plan.cases[case_id] = CaseState(events, n, ahead, st.marks, min(days, default=date.max))
            plan.changes[case_id] = changes(identities(ahead, day), st.marks)

    def now(self, st: CaseState, day: date) -> CaseResult | None:
        """The case replayed as of ``day`` (made once, then kept)."""
        return self.nows([st], day)[0]

    def nows(self, states: Sequence[CaseState], day: date) -> list[CaseResult | None]:
        """Each of ``states`` replayed as of ``day`` (made once, then kept): a case
        still open by its replay as of the calendar's last day is replayed again as of
        ``day``, the replays made together; any other is that replay."""
        todo = [st for st in states if st.now is None or st.now[0] != day]
        still = [st for st in todo if st.ahead is not None and st.ahead.status == "open"]
        for st in todo:
            st.now = (day, st.ahead)
        if still:
            made = replay_cases(
                [st.events.head(st.counted) for st in still],
                self.registry,
                as_of=day,
                calendar=self.calendar,
                charts=self.charts,
                index=self.index,
                actors=self.actors,
            )
            for st, result in zip(still, made, strict=True):
                st.now = (day, result)
        return [st.now[1] for st in states if st.now is not None]

    def records(
        self, plan: Plan, day: date, event_ids: Callable[[set[int]], Mapping[int, str]]
    ) -> dict[str, str]:
        """The record of every finding a plan raises or restores, by identity: as found
        by a replay as of ``day``; ``event_ids`` gives the id of events by number."""
        per_case: dict[str, list[tuple[str, Finding]]] = {}
        for case_id, changed in plan.changes.items():
            for _, key, f in changed:
                if f is not None:
                    per_case.setdefault(case_id, []).append((key, f))
        if not per_case:
            return {}
        results: dict[str, CaseResult] = {}
        lines: set[int] = set()
        states = [plan.cases[case_id] for case_id in per_case]
        for (case_id, todo), st, result in zip(
            per_case.items(), states, self.nows(states, day), strict=True
        ):
            assert result is not None  # it has findings
            results[case_id] = result
            if result is not st.ahead:  # the findings as found as of the day
                found = identities(result)
                todo[:] = [(key, found.get(key, f)) for key, f in todo]
            last = len(result.events) - 1
            lines.update(
                result.events[last if f.position is None else f.position].line for _, f in todo
            )
        ids = event_ids(lines)
        view = self.view(list(results.values()), day)
        out: dict[str, str] = {}
        for case_id, todo in per_case.items():
            case = results[case_id]
            for key, f in todo:
                out[key] = _encode(record(f, case, view, ids))
        return out

    def view(
        self,
        results: Sequence[CaseResult],
        day: date,
        *,
        rows: int | None = None,
        after: int = 0,
    ) -> MonitorResult:
        """Replayed cases as a result of the monitor as of ``day`` (for its summaries
        and messages): ``rows`` the events of their log (default: those replayed),
        ``after`` those later than ``day``, which the replays leave out."""
        return MonitorResult(
            registry=self.registry,
            source=self.source,
            cases=list(results),
            problems=[],
            rows=sum(len(r.events) for r in results) if rows is None else rows,
            charts=self.charts,
            as_of=day,
            after_as_of=after,
            lang="en",
        )
