"""The live supervision: events in, every case replayed as the monitor replays it, and
the feed of what was found — raised once, withdrawn when later events show it was not
so — kept in the state database.

:class:`Supervisor` holds each case's events in memory, compactly (as the monitor does,
:class:`~powerreg.monitor.caseevents.CaseEvents`), with a replay of them and the marks
of the findings raised for it. When events of a case arrive, the case is replayed with
the monitor's own :func:`~powerreg.monitor.replay_case` — the same deviations and alerts
as ``powerreg monitor LOG --as-of DAY`` — and its findings are compared with the feed
(:mod:`.feed`). The cases one settling replays are replayed together, in bulk when
they are many (:mod:`.replays`), and what they find planned (:mod:`.replanning`).
When a working day passes, a case quiet since needs no replay: its alerts of the new
day are already known, and the day the next one passes (the case's ``due``) too. A
case is replayed again when its events change, or when an event it had received dated
later than the service's day comes due. A request's events are checked against the
cases held, and placed among their events, by :mod:`.posting`.

A request's events are committed in one transaction, and only then is the reply sent
and the memory changed. The cases they touch are **settled** — replayed, and the
findings and feed entries written — in that same transaction when every request must
settle (``settle_after`` 0, the default), or when nothing settled for twice
``settle_after`` seconds (a lone request after a quiet spell); else the events are
stored alone and their cases wait for the next settling. The service (:mod:`.app`)
settles about once a second, by its timer, **beside the requests**
(:meth:`Supervisor.tick`): the store's lock is held only to take the cases waiting and
to write what their replays found, so a request of a stream is stored and answered
while the cases are replayed, and waits for no replay; a case that several requests
touch is replayed once, not once a request — a stream is replayed about as often as
the batch monitor replays it. Every read (the feed, a case, the powers, the health)
settles first, so it sees every event acknowledged before it. A case is replayed from
its events, so nothing is lost when the process ends before it settled: on start every
case is replayed and the feed brought up to its events.

On two cores, ``powerreg supervise`` stores the requests in one process and settles
in another (:mod:`.settler`): the two take turns on one core otherwise.

If a commit fails (a full disk, a read-only file), the transaction is rolled back and
memory is as it was: a request whose events could not be stored gets 503 and may be
sent again; findings that could not be written are written by the next settling.

Events of a case are placed by their timestamp, events with the same timestamp in the
order received; so a system that posts a case's events with equal timestamps must post
them in their order. An event later than the service's day is kept and counted from
that day on.

Examples:
    >>> import json, powerreg, tempfile
    >>> from datetime import date
    >>> from pathlib import Path
    >>> from .auth import Token
    >>> from .clock import fixed
    >>> sup = Supervisor(powerreg.load_reference(), Path(tempfile.mkdtemp()) / "state.db",
    ...                  clock=fixed(date(2011, 10, 31)))
    >>> sender = Token("xk", frozenset({"XK-001"}), send=True, read=False)
    >>> def event(n, step, at):
    ...     return {"event_id": n, "case_id": "A1", "power_id": "XK-001", "step_id": step,
    ...             "timestamp": at}
    >>> body = json.dumps([event("1", "S1", "2011-10-10 09:00"),
    ...                    event("2", "S6", "2011-10-10 10:00")]).encode()
    >>> sup.post(body, sender).accepted
    2
    >>> [(e["entry"], e["code"], e["event_id"]) for e in sup.feed(0)["alerts"]][:2]
    [('raised', 'M102', '2'), ('raised', 'M202', '2')]
    >>> sup.post(body, sender).duplicates  # sent again: nothing new
    2
    >>> sup.close()
"""

from __future__ import annotations

import json
import logging
import threading
import time as clocktime
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from ..codes import Phrase, localized, phrase
from ..collector import gc_paused
from ..errors import UsageError
from ..lang import Lang
from ..model import Registry
from ..monitor.calendar import WorkCalendar, china_calendar
from ..monitor.caseevents import CaseEvents, Vocabulary, pack_time, unpack_time
from ..monitor.findings import CaseResult
from ..monitor.reader import RowIndex, RowReader
from ..monitor.result import MonitorResult
from .auth import Token, Tokens
from .clock import Clock, EventsClock, china_today
from .feed import rendered
from .intake import Intake, Posted
from .plan import CaseState, Plan
from .posting import check_cases, fresh_events, plan_events
from .replanning import Replanner
from .replays import bulk_ready
from .state import StateUnavailable, Store

log = logging.getLogger("powerreg.service")

#: Most feed entries one read returns.
MAX_FEED = 10_000
#: Largest feed cursor (SQLite's largest integer): a read after it finds nothing.
MAX_CURSOR = (1 << 63) - 1

#: The sender :meth:`Supervisor.catch_up` places stored events under (their rows, which
#: name the real one, are not written again).
_STORED = Token("stored", None, send=True, read=False)


@dataclass(frozen=True)
class Receipt:
    """The reply to a request that was stored: events new and already known, the
    service's day, the feed entries it wrote, and the feed's last cursor."""

    accepted: int
    duplicates: int
    as_of: date
    feed_entries: int
    cursor: int

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the reply."""
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "as_of": self.as_of.isoformat(),
            "feed_entries": self.feed_entries,
            "cursor": self.cursor,
        }


class Supervisor:
    """The live electronic supervision of ``registry``, its state in the SQLite file
    ``state`` (created if new).

    ``clock`` gives the day (default: today in China); the findings are those of a
    replay as of that day, clamped to the last day of the working-day calendar.
    ``settle_after``: a request settles (its events stored with the replays of the
    cases they touch, of every case waiting and of the day, in one transaction) if
    nothing settled for twice that many seconds; else its events are stored alone and
    their cases wait for the next settling, which :meth:`tick` makes beside the
    requests (0: every request settles). With ``settling`` False it settles nothing
    and writes no finding: it stores the requests' events, and a settling process
    (:mod:`.settler`) takes them from the state (:meth:`catch_up`); that process's
    supervisor does not ``hold`` the state (its front does).

    Raises:
        UsageError: the state belongs to another registry, or holds events this
            registry cannot place.
        StateUnavailable: the state cannot be brought up to the day (a full disk, a
            read-only file).
    """

    def __init__(
        self,
        registry: Registry,
        state: str | Path | Store,
        *,
        clock: Clock = china_today,
        calendar: WorkCalendar | None = None,
        settle_after: float = 0.0,
        settling: bool = True,
        hold: bool = True,
    ) -> None:
        self.registry = registry
        self.settle_after = settle_after
        #: whether this process settles; if not, it stores the events and another
        #: process (:mod:`.settler`) replays them and writes the findings and the feed
        self.settling = settling
        #: cases with events not replayed yet (in the order first touched), and since when
        self.unsettled: dict[str, None] = {}
        #: when the cases last settled (monotonic seconds)
        self._settled_at = -float("inf")
        self.store = state if isinstance(state, Store) else Store(state)
        self.clock = clock
        self.calendar = calendar or china_calendar()
        self.index = RowIndex(registry)
        self.intake = Intake(registry, self.index, self.calendar)
        self.tokens = Tokens(self.store)
        self.actors = Vocabulary()
        self.replanner = Replanner(
            registry, self.calendar, self.index, self.actors, self.store.path.name
        )
        #: the charts compiled for the replays
        self.charts = self.replanner.charts
        self.cases: dict[str, CaseState] = {}
        #: the day the findings are as of; never goes back
        self.as_of = self.calendar.first
        self.next_seq = self.next_finding = 1
        #: why the last write of the state failed, until one succeeds
        self.trouble: Phrase | None = None
        #: held by whoever settles (a settling, a request that settles): one at a time;
        #: taken before the store's lock, never while holding it
        self._settling = threading.Lock()
        self._warned_calendar = False
        if settling:
            bulk_ready()
        try:
            if hold:
                self.store.hold()
            with self.store.lock:
                self._start()
        except BaseException:
            self.store.close()
            raise

    # ------------------------------------------------------------------ start

    def _start(self) -> None:
        store = self.store
        known = store.meta("registry")
        if known is not None and known != self.registry.id:
            raise UsageError(
                "service.state_other_registry",
                path=store.path,
                known=known,
                registry=self.registry.id,
            )
        stored_day = store.meta("as_of")
        day = self.today()
        if stored_day is not None:
            day = max(day, date.fromisoformat(stored_day))  # the day never goes back
        self.as_of = day
        self.next_finding = store.last_finding() + 1
        self.next_seq = self._load_events() + 1
        if not self.settling:
            return  # the settling process brings the feed up to the day
        for fid, key, case_id, standing in store.findings():
            st = self.cases.get(case_id)
            if st is not None:
                st.marks[key] = (fid, bool(standing))
        # bring the feed up to the day: the days that passed while the service was down
        plan = Plan()
        self.replanner.replan(plan, list(self.cases.items()), day)
        write_meta = known is None or stored_day != day.isoformat()
        if write_meta or any(plan.changes.values()):
            meta = {"registry": self.registry.id, "as_of": day.isoformat()}
            self._commit(plan, day, meta)
        self._apply(plan, day)

    def _load_events(self) -> int:
        """Every stored event into memory, checked again as the monitor checks a row:
        the registry must still place each one. The number of the last (0: none)."""
        reader = RowReader(
            self.registry, self.store.path.name, "event", calendar=None, index=self.index
        )
        reader.actors = self.actors
        n = last = 0
        with self.store.lock:
            for seq, case, power, chart, step, stamp, actor, note in self.store.all_events():
                n += 1
                last = max(last, seq)
                reader.add(seq, case, power, step, stamp, chart or "", actor or "", note or "")
        log_ = reader.finish(n)
        if log_.problems:
            first = log_.problems[0]
            raise UsageError(
                "service.events_unplaced",
                path=self.store.path,
                n=len(log_.problems),
                registry=self.registry.id,
                line=first.line,
                code=first.code,
                problem=localized(first.message("en"), first.message("zh")),
            )
        for case_id, events in log_.cases.items():
            assert isinstance(events, CaseEvents)
            self.cases[case_id] = CaseState(events, 0, None)
        return last

    # ------------------------------------------------------------------ the day

    def today(self) -> date:
        """The clock's day, within the working-day calendar (no later than its last day)."""
        day = max(self.clock(), self.calendar.first)
        last = self.calendar.last
        if day > last:
            if not self._warned_calendar:
                log.warning(
                    "today is after %s, the last day %s knows: deadlines are counted up "
                    "to that day only; upgrade chinese-calendar",
                    last.isoformat(),
                    self.calendar.source or "the calendar",
                )
                self._warned_calendar = True
            return last
        return day

    def tick(self, *, lag: float = 0.0) -> bool:
        """Settle: bring the findings up to the clock's day and the events received (the
        cases not replayed since their events came) — the events only if the cases
        last settled at least ``lag`` seconds ago (the timer's way: see
        :attr:`settle_after`). Whether the state is up to the day (False if the write
        failed: the next tick tries again).

        Beside the requests: they are stored and answered while the cases are replayed
        (see :meth:`_settle`); a tick waits for a settling under way, then makes its
        own.
        """
        events = bool(self.unsettled) and self._due(lag)
        if self.today() <= self.as_of and not events:
            return True
        with gc_paused(), self._settling:  # replays make many small objects, keep most
            return self._settle(events=events) is not None

    def _due(self, lag: float) -> bool:
        """Whether the cases last settled at least ``lag`` seconds ago."""
        return clocktime.monotonic() - self._settled_at >= lag

    def _settle(self, *, events: bool = True, posted: Plan | None = None) -> int | None:
        """Settle: bring the findings up to the day and (with ``events``) replay the
        cases waiting; the feed entries written, or None if the write failed.

        The store's lock is held only to take the cases to replay and to write what
        their replays found, so that (beside the requests: :meth:`tick`) requests are
        stored and answered while the cases are replayed. A case that a request changed
        meanwhile is settled as it was taken (as if the request came just after): its
        findings are written and their marks given to its new state, which waits for
        the next settling with its new events. A request that settles holds the lock
        (it is re-entrant) throughout, so that nothing changes meanwhile.

        With ``posted``, the plan of a request's events (:func:`~.posting.plan_events`):
        they are stored in the same transaction, with the cases they touch replayed,
        and a failed write raises :class:`StateUnavailable` (nothing of the request is
        stored). Under :attr:`_settling`: one settling at a time.
        """
        lock, cases = self.store.lock, self.cases
        with lock:
            day = max(self.today(), self.as_of)
            events = events and bool(self.unsettled)
            plan = posted if posted is not None else Plan()
            new = list(plan.cases)  # the request's cases, its events placed among theirs
            if day <= self.as_of and not events and not new:
                return 0
            taken = [(c, cases[c]) for c in self.unsettled if c not in plan.cases] if events else []
            skip = self.unsettled.keys() | plan.cases.keys()
            due = self._due_by(day, skip) if day > self.as_of else []
        todo: list[tuple[str, CaseState | None]] = [*taken, *((c, None) for c in new)]
        self.replanner.replan(plan, todo, day)
        self.replanner.replan(plan, due, day, kept=True)
        try:
            # the records of the findings name their events: those of a request are
            # stored in the commit, and the records made there
            prepared = self._prepared(plan, day) if posted is None else None
            with lock:
                meta = {"as_of": day.isoformat()} if day > self.as_of else None
                self._commit(plan, day, meta, prepared)
                # the cases a request changed since they were taken keep their new
                # state (and wait), with the marks of the findings just written
                for case_id, st in (*taken, *due):
                    now = cases[case_id]
                    if now is not st:
                        now.marks = plan.cases.pop(case_id).marks
                self._apply(plan, day)
                if todo:
                    for case_id, _ in todo:
                        if case_id in plan.cases:
                            self.unsettled.pop(case_id, None)
                    self._settled_at = clocktime.monotonic()
        except StateUnavailable as err:
            if posted is not None:
                raise
            log.warning("cannot bring the findings up to %s: %s", day, err.why.in_lang("en"))
            return None
        return sum(len(c) for c in plan.changes.values())

    def _due_by(self, day: date, skip: Collection[str]) -> list[tuple[str, CaseState]]:
        """The cases whose findings change by ``day``, but those of ``skip``."""
        return [(c, st) for c, st in self.cases.items() if st.due <= day and c not in skip]

    # ------------------------------------------------------------------ posting

    def post(self, body: bytes, token: Token) -> Receipt:
        """Take the events of a request body (a JSON array or JSON Lines) posted with
        ``token``: check them all, store the new ones with the findings they raise, in
        one transaction, and say what was stored.

        Raises:
            Refused: the request is refused whole (400, 403, 409, 413, 422).
            StateUnavailable: the state cannot be written (503); nothing was stored.
        """
        with gc_paused():  # a request makes many small objects, and keeps most
            return self._post(body, token)

    def _post(self, body: bytes, token: Token) -> Receipt:
        posted = self.intake(body, token)
        if isinstance(self.clock, EventsClock) and posted:
            self.clock.saw(unpack_time(max(p.time for p in posted)).date())
        # a request settles when every request must (settle_after 0), or when nothing
        # settled for twice settle_after (a lone request after a quiet spell): in a
        # stream the timer settles, beside the requests (see tick)
        always = self.settle_after <= 0
        settles = (
            self.settling
            and (always or self._due(2 * self.settle_after))
            and self._settling.acquire(blocking=always)
        )
        try:
            with self.store.lock:
                fresh = fresh_events(self.store, posted)
                check_cases(self.store, self.cases, fresh)
                plan = Plan()
                plan_events(
                    plan,
                    fresh,
                    token,
                    first=self.next_seq,
                    cases=self.cases,
                    index=self.index,
                    actors=self.actors,
                )
                entries = 0
                if settles:
                    # the request's events, the cases they touch and every case waiting
                    # replayed, and the day: one transaction (StateUnavailable: nothing
                    # of the request is stored; with nothing new, a failed settling is
                    # tried again, not refused)
                    entries = self._settle(posted=plan if plan.rows else None) or 0
                elif plan.rows:
                    # the events alone; their cases wait for the next settling (here,
                    # or in the settling process, which reads them from the state)
                    self._commit(plan, self.as_of)
                    self._placed(plan)
                if not self.settling:
                    self.as_of = max(self.as_of, self.today())
                self.next_seq += len(fresh)
                day, cursor = self.as_of, self.store.last_cursor()
        finally:
            if settles:
                self._settling.release()
        return Receipt(len(fresh), len(posted) - len(fresh), day, entries, cursor)

    def _placed(self, plan: Plan) -> None:
        """The cases of a committed plan of events alone (none replayed) into memory, to
        wait for the next settling."""
        for case_id, st in plan.cases.items():
            if self.settling:
                self.unsettled[case_id] = None
            self.cases[case_id] = st

    def catch_up(self) -> int:
        """Take into memory the events another process stored since this one last
        looked (the front of :mod:`.settler`: they are already checked and committed),
        to be settled with the cases waiting; how many."""
        taken = 0
        while True:
            with self.store.lock:
                rows = self.store.events_from(self.next_seq, 10_000)
            if not rows:
                return taken
            plan = Plan()
            posted = [
                Posted(0, event_id, case, power, step, t, actor, note, stamp, chart)
                for _, event_id, case, power, chart, step, t, stamp, actor, note in rows
            ]
            plan_events(
                plan,
                posted,
                _STORED,
                first=rows[0][0],
                cases=self.cases,
                index=self.index,
                actors=self.actors,
            )
            if isinstance(self.clock, EventsClock):
                self.clock.saw(unpack_time(max(p.time for p in posted)).date())
            self._placed(plan)
            self.next_seq = rows[-1][0] + 1
            taken += len(rows)

    # ------------------------------------------------------------------ replay and feed

    def _prepared(self, plan: Plan, day: date) -> tuple[dict[str, str], dict[int, str]]:
        """What :meth:`_commit` writes of a plan's findings: the record of each finding
        raised or restored (:meth:`_records`), and the record of each withdrawn (by id)
        as last written. (Of a plan whose findings are at events already stored.)"""
        records = self.replanner.records(plan, day, self.store.event_ids)
        gone = self.store.finding_records(
            plan.cases[case_id].marks[key][0]
            for case_id, todo in plan.changes.items()
            for kind, key, _ in todo
            if kind == "withdrawn"
        )
        return records, gone

    def _commit(
        self,
        plan: Plan,
        day: date,
        meta: dict[str, str] | None = None,
        prepared: tuple[dict[str, str], dict[int, str]] | None = None,
    ) -> int:
        """Write a plan in one transaction: events, findings, feed entries, meta (the
        findings' records ``prepared`` before, if they are: see :meth:`_prepared`).
        The marks of each case's new state are set here and take effect when applied."""
        at = datetime.now(UTC).isoformat(timespec="milliseconds")
        store = self.store
        next_finding = self.next_finding
        try:
            with store.transaction():
                if plan.rows:
                    store.insert_events(plan.rows)
                for key, value in (meta or {}).items():
                    store.set_meta(key, value)
                records, gone = prepared if prepared is not None else self._prepared(plan, day)
                new: list[tuple[int, str, str, str, int, str]] = []
                standing: list[tuple[int, str, int]] = []
                feed: list[tuple[int, str, str, str, str, str, str]] = []
                for case_id, todo in plan.changes.items():
                    if not todo:
                        continue
                    st = plan.cases[case_id]
                    marks = st.marks = dict(st.marks)
                    power = st.events.power_id
                    for kind, key, _ in todo:
                        if kind == "raised":
                            fid = next_finding
                            next_finding += 1
                            text = records[key]
                            new.append((fid, key, case_id, power, 1, text))
                        else:
                            fid = marks[key][0]
                            text = records[key] if kind == "restored" else gone[fid]
                            standing.append((int(kind == "restored"), text, fid))
                        marks[key] = (fid, kind != "withdrawn")
                        feed.append((fid, kind, case_id, power, at, day.isoformat(), text))
                store.add_findings(new)
                store.set_standing(standing)
                store.append_feed(feed)
                cursor = store.last_cursor()
        except StateUnavailable as err:
            self.trouble = err.why
            raise
        self.trouble = None
        self.next_finding = next_finding
        return cursor

    def _apply(self, plan: Plan, day: date) -> None:
        """Make a committed plan the state in memory, as of ``day``."""
        self.cases.update(plan.cases)
        self.as_of = max(self.as_of, day)

    def _view(self, results: Sequence[CaseResult], day: date | None = None) -> MonitorResult:
        """Replayed cases as a result of the monitor, as of ``day`` (default: the
        service's day)."""
        return self.replanner.view(results, day or self.as_of)

    # ------------------------------------------------------------------ reading

    def feed(self, after: int = 0, limit: int = 1000, token: Token | None = None) -> dict[str, Any]:
        """The feed after ``cursor``: at most ``limit`` entries, in the order raised, of
        the powers ``token`` may read (all without a token), and the cursor to ask from
        next (never less than 0: ``after`` is taken from 0 to :data:`MAX_CURSOR`)."""
        limit = max(1, min(limit, MAX_FEED))
        after = max(0, min(after, MAX_CURSOR))
        powers = token.powers if token is not None else None
        self.tick()
        with self.store.lock:
            rows = self.store.feed_after(after, limit + 1, powers)
        more = len(rows) > limit
        rows = rows[:limit]
        entries = [
            {
                "cursor": c,
                "entry": kind,
                "finding": fid,
                "at": at,
                "as_of": as_of,
                **rendered(json.loads(rec)),
            }
            for c, fid, kind, at, as_of, rec in rows
        ]
        return {
            "as_of": self.as_of.isoformat(),
            "alerts": entries,
            "next": rows[-1][0] if rows else after,
            "more": more,
        }

    def case(self, case_id: str, token: Token | None = None, lang: Lang = "en") -> Any:
        """A case as replayed, with its findings and events; None if there is no such
        case among the powers ``token`` may read."""
        self.tick()
        with self.store.lock:
            st = self.cases.get(case_id)
            if st is None or (token is not None and not token.may_read(st.events.power_id)):
                return None
            events = st.events
            as_of = self.as_of
            result = self.replanner.now(st, as_of)
            ids = self.store.event_ids(e.line for e in events)
        until = pack_time(datetime.combine(as_of, time.max))
        listed = [
            {
                "event_id": ids.get(e.line),
                "step_id": e.step_id,
                "time": e.time.isoformat(" "),
                "actor": e.actor,
                "note": e.note,
                "counted": pack_time(e.time) <= until,
            }
            for e in events
        ]
        if result is None:
            body: dict[str, Any] = {
                "case_id": case_id,
                "power_id": events.power_id,
                "flowchart_id": events.flowchart_id,
                "status": "pending",
            }
        else:
            view = self.replanner.view([result], as_of)
            body = view.to_dict(lang)["cases"][0]
        return {"as_of": as_of.isoformat(), **body, "event_list": listed}

    def results(self, token: Token | None = None) -> list[CaseResult]:
        """Every case ``token`` may read, replayed as of the service's day (the cases
        with an event by then)."""
        return self._results(token)[1]

    def _results(self, token: Token | None) -> tuple[date, list[CaseResult], int, int]:
        """:meth:`results`, the day they are as of, and the events of the cases
        ``token`` may read: all of them, and those later than the day (which the
        replays leave out, as ``powerreg monitor --as-of DAY`` does)."""
        self.tick()
        with self.store.lock:
            day = self.as_of
            until = pack_time(datetime.combine(day, time.max)) + 1
            readable = [
                st
                for st in self.cases.values()
                if token is None or token.may_read(st.events.power_id)
            ]
            found = [self.replanner.now(st, day) for st in readable]
            events = sum(len(st.events) for st in readable)
            after = events - sum(st.events.count_before(until) for st in readable)
        return day, [r for r in found if r is not None], events, after

    def powers(self, token: Token | None = None) -> dict[str, Any]:
        """The monitor's per-power summary and totals of the cases ``token`` may read:
        those of ``powerreg monitor LOG --as-of DAY`` over their events (``rows`` every
        event, ``events_after_as_of`` those later than the day)."""
        day, results, events, after = self._results(token)
        view = self.replanner.view(results, day, rows=events, after=after)
        return {
            "as_of": day.isoformat(),
            "totals": view.totals,
            "powers": [p.to_dict() for p in view.powers],
        }

    def health(self) -> dict[str, Any]:
        """Whether the service is up to the day and can write its state: its
        ``problems`` in English, and in Chinese as ``problems_zh``."""
        today = self.clock()
        problems: list[Phrase] = []
        if self.trouble is not None:
            problems.append(phrase("service.health.write_failed", why=self.trouble))
        if today > self.calendar.last:
            source = self.calendar.source or phrase("service.health.the_calendar")
            last = self.calendar.last.isoformat()
            problems.append(phrase("service.health.calendar_ended", last=last, source=source))
        return {
            "status": "ok" if not problems else "degraded",
            "as_of": self.as_of.isoformat(),
            "registry": self.registry.id,
            "problems": [p.in_lang("en") for p in problems],
            "problems_zh": [p.in_lang("zh") for p in problems],
        }

    def close(self) -> None:
        """Settle (if the state can be written) and close the state database."""
        try:
            self.tick()
        finally:
            with self._settling:  # a settling of the timer's still under way ends first
                self.store.close()
