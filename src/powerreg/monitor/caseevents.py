"""A case's events, kept compactly: what the monitor holds of a log while it reads it,
and what a replayed case keeps of its events.

A log of a million events is a million rows, and a row read as an :class:`Event` (a
named tuple, a ``datetime`` and its own copies of the case, power, flowchart and step
ids) takes some 500 bytes. :class:`CaseEvents` keeps each event as three integers in
one ``array`` per case instead — the time in microseconds, the line, and the step and
actor as numbers into tables shared by every case — about 25 bytes, and makes the
:class:`Event` again when it is asked for. Notes are rare and kept by position.

Examples:
    >>> from datetime import datetime
    >>> actors = Vocabulary()
    >>> evs = CaseEvents("A1", "XK-001", ("S1", "S2"), actors)
    >>> evs.append(0, pack_time(datetime(2011, 10, 10, 9)), 2, actors.code("窗口"))
    >>> evs.append(1, pack_time(datetime(2011, 10, 11, 9, 30)), 3, 0, "补正")
    >>> len(evs), evs[-1].step_id, evs[-1].time, evs[-1].note, evs[0].actor
    (2, 'S2', datetime.datetime(2011, 10, 11, 9, 30), '补正', '窗口')
    >>> [e.line for e in evs.head(1)]
    [2]
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from itertools import islice
from typing import Any, overload

from .findings import Event

#: What :func:`pack_time` counts from, and in (a hot loop inlines it as
#: ``(t - EPOCH) // MICROSECOND``).
EPOCH = datetime(1, 1, 1)
MICROSECOND = timedelta(microseconds=1)
#: Microseconds in a day, and the ordinal (``date.toordinal``) of the day packed times
#: count from: a packed time's day is ``t // DAY_US + EPOCH_ORDINAL``.
DAY_US = 86_400_000_000
EPOCH_ORDINAL = 1
#: Bits of an event's third number that hold its step (the higher ones hold its actor).
STEP_BITS = 16
_STEP_MASK = (1 << STEP_BITS) - 1
#: Most steps one power may have (its step numbers must fit their bits).
MAX_STEPS = _STEP_MASK + 1

_new_event = tuple.__new__  # Event(...) without the named tuple's Python-level __new__


def pack_time(t: datetime) -> int:
    """A naive ``datetime`` as microseconds since 0001-01-01 (order kept)."""
    return (t - EPOCH) // MICROSECOND


def unpack_time(n: int) -> datetime:
    """The ``datetime`` of :func:`pack_time`."""
    return EPOCH + timedelta(0, 0, n)


class Vocabulary:
    """Texts that repeat (actors: the roles of a chart) by number; 0 is ``None``."""

    __slots__ = ("codes", "texts")

    def __init__(self) -> None:
        self.texts: list[str | None] = [None]
        #: the number of each text (the reader looks them up itself, in its hot loop)
        self.codes: dict[str, int] = {}

    def code(self, text: str | None) -> int:
        """The number of ``text`` (0 for ``None`` or empty), given one if it is new."""
        if not text:
            return 0
        n = self.codes.get(text)
        if n is None:
            n = self.codes[text] = len(self.texts)
            self.texts.append(text)
        return n


class CaseEvents(Sequence[Event]):
    """The events of one case in the order read, as a read-only sequence of
    :class:`Event`.

    ``steps`` are the step ids of the case's power (events hold an index into them),
    ``actors`` the vocabulary shared by the cases of a log; ``packed`` the events
    already packed, if any (three numbers each, see :meth:`append`). :meth:`head` is a view of the
    first events (what a replay ``as_of`` a day keeps of a case); the events themselves
    are shared, not copied.
    """

    __slots__ = ("_n", "_notes", "actors", "case_id", "flowchart_id", "packed", "power_id", "steps")

    def __init__(
        self,
        case_id: str,
        power_id: str,
        steps: Sequence[str],
        actors: Vocabulary,
        flowchart_id: str | None = None,
        *,
        packed: array[int] | None = None,
    ) -> None:
        self.case_id = case_id
        self.power_id = power_id
        self.flowchart_id = flowchart_id
        self.steps = steps
        self.actors = actors
        #: three numbers per event: time (see :func:`pack_time`), line, and
        #: ``step | actor << STEP_BITS``; the reader appends to it in its hot loop
        self.packed = array("q") if packed is None else packed
        self._notes: dict[int, str] | None = None
        #: the length of a :meth:`head`; None: every event
        self._n: int | None = None

    def append(self, step: int, time: int, line: int, actor: int, note: str | None = None) -> None:
        """Add an event: ``step`` indexes :attr:`steps`, ``time`` is packed (see
        :func:`pack_time`), ``actor`` is a number of :attr:`actors`."""
        if self._n is not None:
            raise TypeError("a head of a case's events does not grow")
        self.packed.extend((time, line, step | actor << STEP_BITS))
        if note:
            self.note(note)

    def note(self, note: str) -> None:
        """Give the last event its note."""
        if self._notes is None:
            self._notes = {}
        self._notes[len(self) - 1] = note

    @property
    def first_time(self) -> int:
        """Packed time of the first event (see :func:`pack_time`); the case has one."""
        return self.packed[0]

    @property
    def last_time(self) -> int:
        """Packed time of the last event (see :func:`pack_time`); the case has one."""
        return self.packed[3 * len(self) - 3]

    def head(self, n: int) -> CaseEvents:
        """The first ``n`` events, sharing this sequence's storage."""
        view = CaseEvents(self.case_id, self.power_id, self.steps, self.actors, self.flowchart_id)
        view.packed, view._notes, view._n = self.packed, self._notes, max(0, min(n, len(self)))
        return view

    def copy(self, flowchart_id: str | None = None) -> CaseEvents:
        """A copy that may grow (of a head: its events only), following the flowchart
        ``flowchart_id`` if one is given; the vocabulary is shared.

        Examples:
            >>> evs = CaseEvents("A1", "XK-001", ("S1", "S2"), Vocabulary())
            >>> evs.append(0, 1, 2, 0, "first")
            >>> more = evs.copy("F1")
            >>> more.append(1, 2, 3, 0)
            >>> len(evs), len(more), more.flowchart_id, more[0].note
            (1, 2, 'F1', 'first')
        """
        n = len(self)
        out = CaseEvents(
            self.case_id, self.power_id, self.steps, self.actors, flowchart_id or self.flowchart_id
        )
        out.packed = self.packed[: 3 * n]
        if self._notes:
            out._notes = {i: t for i, t in self._notes.items() if i < n}
        return out

    def count_before(self, time: int) -> int:
        """How many events come before the packed ``time`` (events are in time order,
        so they are the first ones): all of them at once when the last does, else by
        bisection.

        Examples:
            >>> from datetime import datetime
            >>> ev = CaseEvents("A1", "XK-001", ("S1", "S2", "S3"), Vocabulary())
            >>> for day in (3, 5, 5, 9):
            ...     ev.append(1, pack_time(datetime(2011, 10, day)), day, 0)
            >>> [ev.count_before(pack_time(datetime(2011, 10, d))) for d in (1, 5, 6, 10)]
            [0, 1, 3, 4]
        """
        size = len(self)
        if not size or self.last_time < time:
            return size
        packed = self.packed
        return bisect_left(range(size), time, key=lambda i: packed[3 * i])

    def __len__(self) -> int:
        return len(self.packed) // 3 if self._n is None else self._n

    @overload
    def __getitem__(self, index: int) -> Event: ...

    @overload
    def __getitem__(self, index: slice) -> list[Event]: ...

    def __getitem__(self, index: int | slice) -> Event | list[Event]:
        size = len(self)
        if isinstance(index, slice):
            start, stop, step = index.indices(size)
            if step == 1:
                return list(islice(self, start, stop))
            return [self[i] for i in range(start, stop, step)]
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise IndexError("case event index out of range")
        packed = self.packed
        code = packed[3 * index + 2]
        return _new_event(
            Event,
            (
                self.case_id,
                self.power_id,
                self.flowchart_id,
                self.steps[code & _STEP_MASK],
                EPOCH + timedelta(0, 0, packed[3 * index]),
                self.actors.texts[code >> STEP_BITS],
                self._notes.get(index) if self._notes else None,
                packed[3 * index + 1],
            ),
        )

    def __iter__(self) -> Iterator[Event]:
        notes, steps, texts = self._notes, self.steps, self.actors.texts
        case, power, chart = self.case_id, self.power_id, self.flowchart_id
        numbers = iter(self.packed if self._n is None else self.packed[: 3 * self._n])
        for i, (time, line, code) in enumerate(zip(numbers, numbers, numbers, strict=True)):
            yield _new_event(
                Event,
                (
                    case,
                    power,
                    chart,
                    steps[code & _STEP_MASK],
                    EPOCH + timedelta(0, 0, time),
                    texts[code >> STEP_BITS],
                    notes.get(i) if notes else None,
                    line,
                ),
            )

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, like the list it stands for

    def __repr__(self) -> str:
        return f"CaseEvents({self.case_id!r}, {len(self)} events)"

    def __reduce__(self) -> tuple[Any, ...]:
        # copied or pickled as the list of its events
        return (list, (list(self),))
