"""A request's body → the events it posts, each checked as the monitor checks a row of a
log; or the request refused, every bad event named by its index, ``event_id`` and field.

A body is a JSON array of event objects, or JSON Lines (one object per line). An event
has the columns of a case log (``case_id``, ``power_id``, ``step_id``, ``timestamp``;
``flowchart_id``, ``actor``, ``note`` optional; other keys ignored) and an ``event_id``
chosen by the sender. Each event passes the checks of :class:`~powerreg.monitor.reader.
RowReader` — the same code, so the same codes: a missing field (M001), a timestamp that
does not parse (M002) or lies outside the working-day calendar (M009), an unknown power
(M003) or flowchart (M004), a step on none of the power's charts (M005), a case that
changes power or chart (M007), a value too long (M010) or not text (M011) — and those of
the service: a missing or unusable ``event_id`` (M012), one sent before with other
content (M013, see :mod:`.supervisor`), a power the sender's token is not for (M014).

Every field is taken without the spaces around it, ``event_id`` too (as the monitor
takes a log's fields): ``"e1 "`` is the event ``"e1"``, so a request sent again with
stray spaces is not a second event. An id is printable text: an ``event_id`` holding a
character that is not printable (a control character, a line break, an invisible
format character), or a ``case_id`` holding a control character (C0 or C1, DEL, a line
or paragraph separator), is refused (M011), on either reading of a request.

**A request is taken whole or not at all.** If any event fails, nothing of the request
is stored and the reply lists every bad event; the sender fixes them and sends the
request again (events already stored are recognised by their ``event_id``, so sending
again is always safe). Events of one case may arrive in any order and in any request:
the monitor's M006 (an event earlier than the case's previous one) does not apply.

Examples:
    >>> import powerreg
    >>> from powerreg.monitor import china_calendar
    >>> from powerreg.monitor.reader import RowIndex
    >>> from .auth import Token
    >>> reg = powerreg.load_reference()
    >>> check = Intake(reg, RowIndex(reg), china_calendar())
    >>> sender = Token("xk", frozenset({"XK-001"}), send=True, read=False)
    >>> body = (b'[{"event_id": "e1", "case_id": "A1", "power_id": "XK-001", "step_id": "S1",'
    ...         b' "timestamp": "2011-10-10 09:00"}]')
    >>> [(p.event_id, p.event.step_id, str(p.event.time)) for p in check(body, sender)]
    [('e1', 'S1', '2011-10-10 09:00:00')]
    >>> try:
    ...     check(body.replace(b"S1", b"S99"), sender)
    ... except Refused as err:
    ...     print(err.status, [(b.index, b.event_id, b.field, b.problem.code) for b in err.bad])
    422 [(0, 'e1', 'step_id', 'M005')]
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

from ..codes import value_kind
from ..errors import Problem, problem
from ..model import Registry
from ..monitor.calendar import WorkCalendar
from ..monitor.caseevents import (
    EPOCH,
    MICROSECOND,
    STEP_BITS,
    CaseEvents,
    unpack_time,
)
from ..monitor.events import add_mapping, field_text
from ..monitor.findings import Event
from ..monitor.reader import (
    COLUMNS,
    REQUIRED,
    EventLog,
    RowIndex,
    RowReader,
    column_name,
    known_span,
    parse_time,
)
from ..monitor.rows import MAX_FIELD
from .auth import Token
from .body import SOURCE, BadEvent, Refused, Unreadable, body_problem, read_body

#: Longest ``event_id``, in characters.
MAX_EVENT_ID = 200
#: Most events one request may post (413 past it).
MAX_EVENTS = 50_000

#: Posted(...) without the named tuple's Python-level __new__ (a request makes thousands)
_new_posted = tuple.__new__

#: A lone surrogate: text no output can encode (M011).
_SURROGATE = re.compile("[\ud800-\udfff]")
#: A control character, which no id may hold (M011): C0 and C1 controls, DEL, and
#: Unicode's line and paragraph separators (those :func:`~powerreg.textsafe.one_line`
#: escapes, and tab).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")

#: The field a problem of the row checks is about, by its key.
_FIELD = {
    "M002": "timestamp",
    "M003": "power_id",
    "M004": "flowchart_id",
    "M005": "step_id",
    "M006": "timestamp",
    "M007": "power_id",
    "M007.chart": "flowchart_id",
    "M009": "timestamp",
    "M009.before": "timestamp",
    "M012": "event_id",
    "M012.type": "event_id",
    "M012.long": "event_id",
    "M013": "event_id",
    "M014": "power_id",
}


class Posted(NamedTuple):
    """An event of a request that passed every check: its ``position`` (index) in the
    request, its fields as the row checks took them (``time`` packed, see
    :func:`~powerreg.monitor.caseevents.pack_time`; no actor or note: None), and its
    ``timestamp`` and ``flowchart_id`` as sent. (A named tuple: a request makes
    thousands.)"""

    position: int
    event_id: str
    case_id: str
    power_id: str
    step_id: str
    time: int
    actor: str | None
    note: str | None
    timestamp: str
    flowchart_id: str | None

    @property
    def event(self) -> Event:
        """The event, its ``line`` the index in the request plus one."""
        return Event(
            self.case_id,
            self.power_id,
            self.flowchart_id,
            self.step_id,
            unpack_time(self.time),
            self.actor,
            self.note,
            self.position + 1,
        )

    def content(self) -> tuple[Any, ...]:
        """What two events with one ``event_id`` must share to be the same event:
        case, power, flowchart as sent, step, time (packed), actor, note."""
        return (
            self.case_id,
            self.power_id,
            self.flowchart_id,
            self.step_id,
            self.time,
            self.actor,
            self.note,
        )


#: Names of :meth:`Posted.content`'s fields, for messages.
CONTENT_FIELDS = ("case_id", "power_id", "flowchart_id", "step_id", "timestamp", "actor", "note")


class Intake:
    """The checks of posted events against a registry and the working-day calendar.

    ``index`` is the registry's :class:`~powerreg.monitor.reader.RowIndex`, built once
    and shared by every request.
    """

    def __init__(self, registry: Registry, index: RowIndex, calendar: WorkCalendar) -> None:
        self.registry = registry
        self.index = index
        self.calendar = calendar
        # the days the calendar knows, as packed times (the row reader's M009)
        self._known = known_span(calendar)

    def __call__(self, body: bytes, token: Token) -> list[Posted]:
        """The events of ``body``, every one checked, posted with ``token``.

        Raises:
            Refused: the body cannot be read (400), an event is of a power the token is
                not for (403), events fail their checks (422), or one ``event_id`` names
                two different events in the request (409).
        """
        return self.check(read_body(body), token)

    def check(self, items: list[Any], token: Token) -> list[Posted]:
        """The events of a body already read (see :meth:`__call__`)."""
        if len(items) > MAX_EVENTS:
            raise body_problem("M015.too_many", count=len(items), limit=MAX_EVENTS)
        fast = self._plain_events(items, token)
        if fast is not None:
            return _without_repeats(fast)
        return self._checked(items, token)

    def _plain_events(self, items: list[Any], token: Token) -> list[Posted] | None:
        """The events of a request whose every event is plain and good, checked in one
        pass without the row reader: None at the first event that is not (then
        :meth:`_checked` reads them all and says what is wrong).

        Plain: an object with the English keys, each field text (the optional ones
        text or null), none too long or holding a lone surrogate, a printable
        ``event_id`` and ``case_id`` (once stripped), an ISO 8601 timestamp without a
        zone on the calendar, a power the token may post for, a step of its charts, a
        flowchart of it (one per case), one power per case. The row reader takes such an
        event as it is (its checks pass), and :meth:`_checked` would give the very same
        :class:`Posted`.
        """
        may_send = token.powers if token.send and token.powers is not None else frozenset()
        charts_of = self.index.charts
        numbers_of = self.index.numbers
        low, high = self._known
        fromisoformat = datetime.fromisoformat
        printable = str.isprintable
        cases: dict[str, tuple[str, str | None]] = {}
        out: list[Posted] = []
        append = out.append
        for i, item in enumerate(items):
            if type(item) is not dict:
                return None
            get = item.get
            event_id, case, power = get("event_id"), get("case_id"), get("power_id")
            step, stamp = get("step_id"), get("timestamp")
            chart, actor, note = get("flowchart_id"), get("actor"), get("note")
            if not (
                type(event_id) is type(case) is type(power) is type(step) is type(stamp) is str
                and (chart is None or type(chart) is str)
                and (actor is None or type(actor) is str)
                and (note is None or type(note) is str)
            ):
                return None
            event_id = event_id.strip()
            if not (0 < len(event_id) <= MAX_EVENT_ID and printable(event_id)):
                return None
            case, power, step, stamp = case.strip(), power.strip(), step.strip(), stamp.strip()
            if not (
                case and printable(case) and power in may_send and step in numbers_of.get(power, ())
            ):
                return None
            if chart:
                chart = chart.strip() or None
                if chart is not None and chart not in charts_of[power]:
                    return None
            else:
                chart = None
            actor = (actor.strip() or None) if actor else None
            note = (note.strip() or None) if note else None
            # a value too long (M010) or with a lone surrogate (M011): the row reader's
            # (the timestamp's and the ids' are refused by their checks above and below)
            if len(case) > MAX_FIELD or (not case.isascii() and _SURROGATE.search(case)):
                return None
            if actor is not None and (
                len(actor) > MAX_FIELD or (not actor.isascii() and _SURROGATE.search(actor))
            ):
                return None
            if note is not None and (
                len(note) > MAX_FIELD or (not note.isascii() and _SURROGATE.search(note))
            ):
                return None
            try:
                when = fromisoformat(stamp)
            except ValueError:
                return None
            if when.tzinfo is not None:
                return None
            t = (when - EPOCH) // MICROSECOND  # pack_time, inlined
            if not low <= t <= high:
                return None
            known = cases.get(case)
            if known is None:
                cases[case] = (power, chart)
            elif known[0] != power:
                return None
            elif chart is not None:
                if known[1] is None:
                    cases[case] = (power, chart)
                elif known[1] != chart:
                    return None
            append(
                _new_posted(Posted, (i, event_id, case, power, step, t, actor, note, stamp, chart))
            )
        return out

    def _checked(self, items: list[Any], token: Token) -> list[Posted]:
        """:meth:`check` of a request with an event that is not plain: every event read
        as the row reader reads a row, and every problem said."""
        ids: list[str | None] = [None] * len(items)
        #: the columns of each plain event as the reader takes them (see _plain)
        values: list[list[str] | None] = [None] * len(items)
        bad: list[BadEvent] = []
        denied: list[int] = []
        may_send = token.powers if token.send and token.powers is not None else frozenset()
        for i, item in enumerate(items):
            if type(item) is not dict:
                continue
            values[i] = plain = _plain(item)
            value = item.get("event_id")
            if type(value) is str:
                value = value.strip()  # as every field is
            # the common case, a short id of plain text, without a call
            if type(value) is str and 0 < len(value) <= MAX_EVENT_ID and value.isprintable():
                ids[i] = value
            else:
                ids[i] = self._event_id(i, value, bad)
            case = plain[0] if plain is not None else _case_text(item)
            if case and not case.isprintable():
                control = _CONTROL.search(case)
                if control is not None:
                    bad.append(_control(i, ids[i], "case_id", control.group()))
            power = plain[1] if plain is not None else _text(item, "power_id")
            if power and power not in may_send:
                denied.append(i)
        # who may post what comes first: a sender learns nothing of others' powers
        if denied:
            powers = ", ".join(sorted(token.powers or ())) or "-"
            raise Refused(
                403,
                [
                    BadEvent(
                        i,
                        ids[i],
                        "power_id",
                        problem(
                            "M014",
                            SOURCE,
                            i + 1,
                            token=token.name,
                            power=_text(items[i], "power_id"),
                            powers=powers,
                        ),
                    )
                    for i in denied
                ],
            )
        # the reader wants each case's events in time order (else M006, which is no
        # problem here): as sent, if they are (the usual case), else sorted by case and
        # time (timestamps as text sort so when written alike, else they are parsed)
        log = self._read(items, values, range(len(items)))
        for key in (_as_text, _order):
            if not any(p.code == "M006" for p in log.problems):
                break
            order = sorted(range(len(items)), key=lambda i: key(items[i], i))
            log = self._read(items, values, order)
        for p in log.problems:
            i = p.line - 1
            item = items[i]
            bad.append(BadEvent(i, ids[i], _field_of(p, item), p))
        if bad:
            bad.sort(key=lambda b: b.index if b.index is not None else -1)
            raise Refused(422, bad)
        posted: list[Posted | None] = [None] * len(items)
        mask = (1 << STEP_BITS) - 1
        for events in log.cases.values():
            # the reader's packed events (time, line, step | actor << STEP_BITS), read
            # without making an Event of each; the actor and note as the reader took them
            assert isinstance(events, CaseEvents)
            case, power, steps = events.case_id, events.power_id, events.steps
            packed = events.packed
            for k in range(0, 3 * len(events), 3):
                i = packed[k + 1] - 1
                event_id = ids[i]
                assert event_id is not None  # checked above
                v = values[i]
                if v is None:
                    v = [_text(items[i], name) for name in COLUMNS]
                posted[i] = Posted(
                    i,
                    event_id,
                    case,
                    power,
                    steps[packed[k + 2] & mask],
                    packed[k],
                    v[5] or None,
                    v[6] or None,
                    v[3],
                    v[4] or None,
                )
        return _without_repeats([p for p in posted if p is not None])

    def _read(
        self, items: list[Any], values: list[list[str] | None], order: Iterable[int]
    ) -> EventLog:
        """The items read by the monitor's row reader in ``order`` (the plain ones by
        their ``values``)."""
        reader = RowReader(self.registry, SOURCE, "event", calendar=self.calendar, index=self.index)
        add = reader.add
        for i in order:
            v = values[i]
            if v is not None:
                add(i + 1, *v)
                continue
            item = items[i]
            if isinstance(item, Unreadable):
                reader.bad(item.key, i + 1, **item.params)
            elif not isinstance(item, dict):
                reader.bad("M001.not_object", i + 1, kind=_json_kind(item))
            else:
                add_mapping(reader, i + 1, item)
        return reader.finish(len(items))

    def _event_id(self, i: int, value: Any, bad: list[BadEvent]) -> str | None:
        """The event id of item ``i``, or None with its problem added to ``bad``."""
        key: str | None = None
        params: dict[str, Any] = {}
        if value is None or value == "":
            key = "M012"
        elif not isinstance(value, str):
            key, params = "M012.type", {"kind": value_kind(value)}
        elif len(value) > MAX_EVENT_ID:
            key, params = "M012.long", {"length": len(value), "limit": MAX_EVENT_ID}
        else:
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as err:
                point = f"U+{ord(value[err.start]):04X}"
                bad.append(
                    BadEvent(
                        i,
                        None,
                        "event_id",
                        problem("M011", SOURCE, i + 1, field="event_id", codepoint=point),
                    )
                )
                return None
            # not printable: a control character, a line break, an invisible one
            unprintable = next(ch for ch in value if not ch.isprintable())
            bad.append(_control(i, value, "event_id", unprintable))
            return None
        bad.append(BadEvent(i, None, "event_id", problem(key, SOURCE, i + 1, **params)))
        return None


def _plain(item: dict[str, Any]) -> list[str] | None:
    """The columns of an event (:data:`~powerreg.monitor.reader.COLUMNS`) as
    :func:`~powerreg.monitor.events.add_mapping` gives them to the reader, if the event
    is plain: English keys, every value short text with no lone surrogate (None
    otherwise: ``add_mapping`` reads it, and says what is wrong)."""
    if "case_id" not in item:  # perhaps Chinese keys
        return None
    try:
        out = [v.strip() if type(v) is str else field_text(v) for v in map(item.get, COLUMNS)]
    except RecursionError:
        return None
    joined = "".join(out)
    if len(joined) > MAX_FIELD and max(map(len, out)) > MAX_FIELD:
        return None
    if not joined.isascii() and _SURROGATE.search(joined):  # isascii: a flag, no scan
        return None
    return out


def _control(i: int, event_id: str | None, field: str, char: str) -> BadEvent:
    """The M011 of item ``i``, whose ``field`` (an id) holds ``char``, which is not
    printable."""
    return BadEvent(
        i,
        event_id,
        field,
        problem("M011.control", SOURCE, i + 1, field=field, codepoint=f"U+{ord(char):04X}"),
    )


def _case_text(item: dict[str, Any]) -> str:
    """The ``case_id`` of an event as the row reader takes it, by its own name or a
    Chinese one ("" if it cannot be shown as text: the reader says why)."""
    value = item.get("case_id")
    if value is None and "case_id" not in item:
        names = [k for k in item if type(k) is str and column_name(k) == "case_id"]
        value = item[names[0]] if names else None
    try:
        return value.strip() if type(value) is str else field_text(value)
    except RecursionError:
        return ""


def _text(item: dict[str, Any], key: str) -> str:
    """A field of an event as the row reader takes it (see :func:`field_text`)."""
    value = item.get(key)
    return value.strip() if type(value) is str else field_text(value)


def _as_text(item: Any, i: int) -> tuple[str, str, int]:
    """By case, then timestamp as text, then index."""
    if not isinstance(item, dict):
        return ("", "", i)
    try:
        return (_text(item, "case_id"), _text(item, "timestamp"), i)
    except RecursionError:
        return ("", "", i)


def _order(item: Any, i: int) -> tuple[str, datetime, int]:
    """The order the reader takes items in: by case, then time, then index; so that no
    case's events reach it out of time order (M006 is not a problem here)."""
    if not isinstance(item, dict):
        return ("", datetime.min, i)
    try:
        when = parse_time(field_text(item.get("timestamp")))
    except (ValueError, RecursionError):
        when = datetime.min
    try:
        case = field_text(item.get("case_id"))
    except RecursionError:
        case = ""
    return (case, when, i)


def _json_kind(value: Any) -> str:
    return "an array" if isinstance(value, list) else type(value).__name__


def _field_of(p: Problem, item: Any) -> str | None:
    """The field a problem of the row checks is about."""
    if p.key in _FIELD:
        return _FIELD[p.key]
    if p.code in ("M010", "M011") and "field" in p.params:
        return str(p.params["field"])
    if p.key == "M001" and isinstance(item, dict):
        for name in REQUIRED:
            if not field_text(item.get(name)):
                return name
    return None


def _without_repeats(posted: list[Posted]) -> list[Posted]:
    """The events of a request with an ``event_id`` repeated in it kept once.

    Raises:
        Refused: 409, the request gives one ``event_id`` to two different events.
    """
    if len({p.event_id for p in posted}) == len(posted):  # the common case: none
        return posted
    first: dict[str, Posted] = {}
    kept: list[Posted] = []
    bad: list[BadEvent] = []
    for p in posted:
        seen = first.get(p.event_id)
        if seen is None:
            first[p.event_id] = p
            kept.append(p)
        elif seen.content() != p.content():
            bad.append(conflict(p, seen.content()))
    if bad:
        raise Refused(409, bad)
    return kept


def conflict(p: Posted, known: tuple[Any, ...]) -> BadEvent:
    """The M013 of an event whose ``event_id`` names another event (``known``)."""
    given = p.content()
    for name, a, b in zip(CONTENT_FIELDS, known, given, strict=True):
        if a != b:
            if name == "timestamp":  # packed times
                a, b = unpack_time(a), unpack_time(b)
            shown_a = a.isoformat(" ") if isinstance(a, datetime) else (a or "-")
            shown_b = b.isoformat(" ") if isinstance(b, datetime) else (b or "-")
            return BadEvent(
                p.position,
                p.event_id,
                name,
                problem(
                    "M013",
                    SOURCE,
                    p.position + 1,
                    entity=p.event.case_id,
                    event=p.event_id,
                    field=name,
                    known=shown_a,
                    given=shown_b,
                ),
            )
    raise AssertionError("no field differs")  # pragma: no cover - callers compare first
