"""Rows of a case log → events: the checks each row passes (M001–M007, and M009
given a working-day calendar), and the events kept by case, compactly.

:class:`RowReader` takes one row at a time, already split into its fields, from any
format (:mod:`.events` reads CSV, JSON Lines and DataFrames into it); a row that fails a
check is left out as a :class:`~powerreg.errors.Problem` with its line, every other row
becomes an event of its case (see :mod:`.caseevents`). :meth:`RowReader.finish` gives
the :class:`EventLog`.

Examples:
    >>> import powerreg
    >>> reader = RowReader(powerreg.load_reference(), "cases.csv")
    >>> reader.add(2, "A1", "XK-001", "S1", "2011-10-10 09:00", "F1", "", "")
    >>> reader.add(3, "A1", "XK-001", "S2", "2011-10-09 09:00", "F1", "", "")
    >>> log = reader.finish(2)
    >>> [(e.step_id, e.line) for e in log.cases["A1"]], [(p.code, p.line) for p in log.problems]
    ([('S1', 2)], [('M006', 3)])
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, cast

from ..codes import localized
from ..errors import Problem, UsageError, problem
from ..model import Registry
from .calendar import WorkCalendar
from .caseevents import (
    EPOCH,
    MAX_STEPS,
    MICROSECOND,
    STEP_BITS,
    CaseEvents,
    Vocabulary,
    pack_time,
)
from .findings import Event
from .rows import Unreadable

REQUIRED = ("case_id", "power_id", "step_id", "timestamp")
OPTIONAL = ("flowchart_id", "actor", "note")
COLUMNS = REQUIRED + OPTIONAL

#: Chinese names each column may have in a header (the first is the one shown).
CHINESE: dict[str, tuple[str, ...]] = {
    "case_id": ("办件编号", "办件号", "办件编码", "案件编号"),
    "power_id": ("事项编码", "事项编号", "权力编码", "权力编号", "职权编码", "权力事项编码"),
    "step_id": ("环节编码", "环节编号", "步骤编码"),
    "timestamp": ("时间", "办理时间", "发生时间", "时间戳"),
    "flowchart_id": ("流程图编码", "流程图编号", "流程编码"),
    "actor": ("经办人", "办理人", "办理人员"),
    "note": ("备注", "说明"),
}
_ALIAS = {name: column for column, names in CHINESE.items() for name in names}
_LOG_COLUMNS = frozenset(COLUMNS)


def column_name(header: str) -> str:
    """The log's column a header names: a column's own name, or one of its Chinese
    names (:data:`CHINESE`); any other header as it is (its column is ignored).

    Examples:
        >>> [column_name(h) for h in ("办件编号", "事项编码", "环节编码", "时间", "step_id", "x")]
        ['case_id', 'power_id', 'step_id', 'timestamp', 'step_id', 'x']
    """
    return _ALIAS.get(header, header)


def repeated_column(headers: Sequence[str]) -> tuple[str, int, int] | None:
    """The first of the log's columns (:data:`COLUMNS`) that ``headers`` name twice
    (by its own name or a Chinese one, :func:`column_name`), with the places of its
    two headers (from 1); None if each is named once at most. A column not the log's
    is ignored, named twice or not.

    Examples:
        >>> repeated_column(["case_id", "step_id", "x", "x", "环节编码"])
        ('step_id', 2, 5)
        >>> repeated_column(["case_id", "step_id"]) is None
        True
    """
    seen: dict[str, int] = {}
    for place, header in enumerate(headers, start=1):
        column = column_name(header.strip())
        if column not in _LOG_COLUMNS:
            continue
        if column in seen:
            return column, seen[column], place
        seen[column] = place
    return None


def columns_wanted(columns: Sequence[str]) -> str:
    """``case_id (办件编号), …``: columns as a message names them."""
    return ", ".join(f"{c} ({CHINESE[c][0]})" for c in columns)


CHINA = timezone(timedelta(hours=8))


def known_span(calendar: WorkCalendar) -> tuple[int, int]:
    """The first and last instant of the days ``calendar`` knows, as packed times (an
    event outside them is refused: M009).

    Examples:
        >>> from powerreg.monitor.calendar import china_calendar
        >>> from powerreg.monitor.caseevents import unpack_time
        >>> [unpack_time(t).isoformat() for t in known_span(china_calendar())][0]
        '2004-01-01T00:00:00'
    """
    return (
        pack_time(datetime.combine(calendar.first, time())),
        pack_time(datetime.combine(calendar.last, time.max)),
    )


@dataclass
class EventLog:
    """The events of a log grouped by case (in order of first appearance), and the rows
    left out, as problems sorted by line."""

    source: str
    cases: dict[str, Sequence[Event]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: data rows read, good and bad
    rows: int = 0
    #: earliest and latest event
    first: Event | None = None
    last: Event | None = None
    #: lines of the file (the header and blank lines too); 0 for a DataFrame
    lines: int = 0
    #: the working-day calendar each row's day was checked against (M009), and the
    #: ``as_of`` after which rows were not checked; None if read without a calendar
    checked: tuple[WorkCalendar, date | None] | None = None

    @property
    def events(self) -> int:
        """Events kept."""
        return sum(len(v) for v in self.cases.values())


class RowIndex:
    """What the reader checks rows against: powers, their charts and steps. Built once
    per registry; readers of the same registry may share one (``RowReader(index=…)``)."""

    def __init__(self, reg: Registry) -> None:
        self.charts: dict[str, dict[str, frozenset[str]]] = {}
        #: the steps of each power's charts, and each step's number among them
        self.steps: dict[str, tuple[str, ...]] = {}
        self.numbers: dict[str, dict[str, int]] = {}
        self.ids: dict[str, str] = {}
        for pid, p in reg.powers.items():
            charts = {fc.id: frozenset(s.id for s in fc.steps) for fc in p.flowcharts}
            self.charts[pid] = charts
            steps = tuple(sorted(frozenset().union(*charts.values())))
            #: the registry's own id strings, held by every case instead of each row's
            self.ids[pid] = pid
            self.ids.update((fid, fid) for fid in charts if fid not in self.ids)
            if len(steps) > MAX_STEPS:
                raise UsageError("monitor.too_many_steps", power=pid, n=len(steps), max=MAX_STEPS)
            self.steps[pid] = steps
            self.numbers[pid] = {s: i for i, s in enumerate(steps)}


def parse_time(text: str) -> datetime:
    """A timestamp as naive China time; ``ValueError`` if it is not one (a date beyond
    the years 1–9999 too).

    Examples:
        >>> parse_time("2011-10-08 09:30")
        datetime.datetime(2011, 10, 8, 9, 30)
        >>> parse_time("2011-10-08T01:30:00Z")
        datetime.datetime(2011, 10, 8, 9, 30)
        >>> parse_time("2011/10/8"), parse_time("2011-10-8 9:05")
        (datetime.datetime(2011, 10, 8, 0, 0), datetime.datetime(2011, 10, 8, 9, 5))
        >>> parse_time("2011年11月8日"), parse_time("2011.11.8 14:30")
        (datetime.datetime(2011, 11, 8, 0, 0), datetime.datetime(2011, 11, 8, 14, 30))
        >>> parse_time("2011年11月8日 9时30分"), parse_time("2011年11月8日14:30:05")
        (datetime.datetime(2011, 11, 8, 9, 30), datetime.datetime(2011, 11, 8, 14, 30, 5))
    """
    try:
        try:
            t = datetime.fromisoformat(text)
        except ValueError:
            t = _parse_slashed(text)
        if t.tzinfo is not None:
            t = t.astimezone(CHINA).replace(tzinfo=None)
    except OverflowError as err:
        raise ValueError(f"{text!r} is beyond the years 1–9999") from err
    return t


#: ``2011年11月8日``, with a time after it or not (``9:30``, ``9时30分``, ``9点30分5秒``)
_CHINESE_DATE = re.compile(
    r"\s*(\d{1,4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]\s*"
    r"(?:(\d{1,2})\s*[时点:：]\s*(?:(\d{1,2})\s*(?:分|[:：]\s*(\d{1,2})\s*秒?|:?)?"
    r"\s*(?:(\d{1,2})\s*秒)?)?)?\s*"
)


def _parse_chinese(text: str) -> datetime | None:
    """``2011年11月8日`` or ``2011年11月8日 9:30`` (``9时30分``); None if not that."""
    m = _CHINESE_DATE.fullmatch(text)
    if m is None:
        return None
    y, mo, d, h, mi, sec, sec2 = m.groups()
    return datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(sec or sec2 or 0))


def _parse_slashed(text: str) -> datetime:
    """``2011/10/8 9:30``, ``2011-10-8 9:30``, ``2011.10.8 9:30`` or ``2011年10月8日
    9时30分``, as spreadsheets and people write it."""
    chinese = _parse_chinese(text) if "年" in text else None
    if chinese is not None:
        return chinese
    day, _, clock = text.strip().partition(" ")
    parts = day.replace("/", "-").replace(".", "-").split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(text)
    d = date(int(parts[0]), int(parts[1]), int(parts[2]))
    if not clock:
        return datetime(d.year, d.month, d.day)
    pieces = clock.strip().split(":")
    if not 2 <= len(pieces) <= 3 or not all(p.isdigit() for p in pieces):
        raise ValueError(text)
    hour, minute, second = (int(p) for p in [*pieces, "0"][:3])
    return datetime(d.year, d.month, d.day, hour, minute, second)


class _Case(CaseEvents):
    """A case as the reader builds it: its events so far, the line that set its power
    and flowchart, and the number of each step of the power's charts. One object per
    case, kept as the log's sequence of the case's events."""

    __slots__ = ("line", "numbers")

    def __init__(
        self,
        case: str,
        power: str,
        chart: str | None,
        line: int,
        index: RowIndex,
        actors: Vocabulary,
    ) -> None:
        super().__init__(case, power, index.steps[power], actors, chart)
        self.line = line
        self.numbers = index.numbers[power]


class RowReader:
    """Rows → events, one at a time, with the checks of M001–M007 and M009.

    :meth:`add` is the hot loop of a replay (a million rows take a few seconds): the
    common case — a good row of a known case — costs a few dict look-ups, and the
    messages are built only for bad rows. Given a ``calendar``, a row whose date it
    does not know is left out (M009), unless it is later than ``as_of`` (the replay
    leaves those out anyway).
    """

    def __init__(
        self,
        reg: Registry,
        source: str,
        row_word: str = "line",
        *,
        calendar: WorkCalendar | None = None,
        as_of: date | None = None,
        index: RowIndex | None = None,
    ) -> None:
        self.index = RowIndex(reg) if index is None else index
        self.log = EventLog(source, checked=None if calendar is None else (calendar, as_of))
        self.row_word = row_word
        self.known: dict[str, _Case] = {}
        self.actors = Vocabulary()
        self.calendar = calendar
        # the calendar's days and the days the replay counts, as packed times
        self._known_from, self._known_until = (0, 0) if calendar is None else known_span(calendar)
        self._counted_until = pack_time(datetime.max)
        if as_of is not None:
            self._counted_until = pack_time(datetime.combine(as_of, time.max))

    def bad(self, key: str, line: int, case: str | None = None, /, **params: Any) -> None:
        """Leave the row at ``line`` out: a problem of ``key`` (a code, or
        ``CODE.variant``) with the parameters of its template."""
        self.log.problems.append(problem(key, self.log.source, line, entity=case, **params))

    def _row(self, line: int) -> dict[str, str]:
        """``line 12`` / ``第 12 行`` (``row 12`` for a DataFrame)."""
        return localized(f"{self.row_word} {line}", f"第 {line} 行")

    def add(
        self,
        line: int,
        case: str,
        power: str,
        step: str,
        stamp: str,
        chart: str,
        actor: str,
        note: str,
    ) -> None:
        """Take one row (fields already stripped; empty means missing)."""
        if not (case and power and step and stamp):
            missing = [
                name
                for name, value in zip(REQUIRED, (case, power, step, stamp), strict=True)
                if not value
            ]
            fields = localized(" and ".join(missing), "、".join(missing))
            self.bad("M001", line, case or None, fields=fields)
            return
        try:
            when = datetime.fromisoformat(stamp)
            if when.tzinfo is not None:
                when = when.astimezone(CHINA).replace(tzinfo=None)
        except (ValueError, OverflowError):
            try:
                when = parse_time(stamp)
            except ValueError:
                self.bad("M002", line, case, stamp=stamp)
                return
        packed = (when - EPOCH) // MICROSECOND  # pack_time, inlined: the hot loop
        if self.calendar is not None and not (
            self._known_from <= packed <= self._known_until or packed > self._counted_until
        ):
            self._outside(line, case, when.date())
            return
        known = self.known.get(case)
        if known is None or known.power_id != power or (chart and chart != known.flowchart_id):
            if not self._placed(line, case, power, step, chart, known):
                return
            ids = self.index.ids
            if known is None:
                known = self.known[case] = _Case(
                    case, ids[power], ids[chart] if chart else None, line, self.index, self.actors
                )
            elif chart and known.flowchart_id is None:
                # a flowchart named on a later row holds for the case's earlier rows too
                known.flowchart_id, known.line = ids[chart], line
            number = known.numbers[step]
        else:
            got = known.numbers.get(step)
            if got is None:
                self._unknown_step(line, case, power, step)
                return
            number = got
        data = known.packed
        if data and packed < data[-3]:
            prev = known[-1]
            self.bad(
                "M006",
                line,
                case,
                time=when.isoformat(" "),
                previous=prev.time.isoformat(" "),
                row=self._row(prev.line),
            )
            return
        who = self.actors.codes.get(actor, 0) if actor else 0
        if not who and actor:
            who = self.actors.code(actor)
        data.extend((packed, line, number | who << STEP_BITS))
        if note:
            known.note(note)

    def _outside(self, line: int, case: str, day: date) -> None:
        assert self.calendar is not None
        self.log.problems.append(self.calendar.left_out(day, self.log.source, line, case))

    def _placed(
        self, line: int, case: str, power: str, step: str, chart: str, known: _Case | None
    ) -> bool:
        """The checks of a case's first row, or of a row that names another power or
        flowchart than the case's: whether the row can be placed."""
        charts = self.index.charts.get(power)
        if charts is None:
            self.bad("M003", line, case, power=power)
            return False
        if known is not None and known.power_id != power:
            self.bad(
                "M007",
                line,
                case,
                case=case,
                known=known.power_id,
                row=self._row(known.line),
                power=power,
            )
            return False
        chart_was = known.flowchart_id if known is not None else None
        if known is not None and chart and chart_was is not None and chart_was != chart:
            self.bad(
                "M007.chart",
                line,
                case,
                case=case,
                known=chart_was,
                row=self._row(known.line),
                chart=chart,
            )
            return False
        if chart and chart not in charts:
            self.bad("M004", line, case, power=power, chart=chart, charts=_list(charts))
            return False
        if step not in self.index.numbers[power]:
            self._unknown_step(line, case, power, step)
            return False
        return True

    def _unknown_step(self, line: int, case: str, power: str, step: str) -> None:
        self.bad("M005", line, case, step=step, power=power, steps=_list(self.index.steps[power]))

    def unreadable(self, row: Unreadable) -> None:
        """Leave out a row that cannot be delimited or is too long (M008, M010)."""
        self.bad(row.key, row.line, None, **row.params)

    def finish(self, rows: int) -> EventLog:
        """The log: cases with events, in order of first appearance; problems by line.

        Every row read is an event or a problem: ``rows`` is checked against both.
        """
        log = self.log
        log.rows = rows
        log.problems.sort(key=lambda p: p.line)
        first: CaseEvents | None = None
        last: CaseEvents | None = None
        # every case has an event: its first row made it, and is its first event
        cases, self.known = self.known, {}
        for events in cases.values():
            if first is None or events.first_time < first.first_time:
                first = events
            if last is None or events.last_time > last.last_time:
                last = events
        # the dict is the log's now, and holds its values as sequences of events only
        log.cases = cast("dict[str, Sequence[Event]]", cases)
        log.first = first[0] if first is not None else None
        log.last = last[-1] if last is not None else None
        kept = log.events
        if kept + len(log.problems) != rows:  # pragma: no cover - a bug, said loudly
            raise AssertionError(
                f"{rows} rows read, but {kept} events kept and {len(log.problems)} left out"
            )
        return log


def foreign_powers(log: EventLog, reg: Registry) -> None:
    """Refuse a log most of whose rows name powers ``reg`` does not have: more than half
    of its rows left out as M003 is a log of another registry (``--registry``
    forgotten, say), not a log of cases gone wrong, and is a usage error that names the
    unknown powers. A log with some rows of unknown powers is read, those rows left out.

    Examples:
        >>> import powerreg
        >>> reader = RowReader(powerreg.load_reference(), "cases.csv")
        >>> reader.add(2, "A1", "ZZ-001", "S1", "2011-10-10 09:00", "", "", "")
        >>> try:
        ...     foreign_powers(reader.finish(1), powerreg.load_reference())
        ... except UsageError as err:
        ...     print(err)  # doctest: +NORMALIZE_WHITESPACE
        cases.csv: 1 of 1 rows name powers that registry liaoning-epd-2011 does not
        have (ZZ-001); is it the log of another registry? Give that registry
        (--registry PATH)
    """
    unknown = [p for p in log.problems if p.code == "M003"]
    if not log.rows or len(unknown) * 2 <= log.rows:
        return
    powers = sorted({str(p.params.get("power", "")) for p in unknown})
    raise UsageError(
        "monitor.foreign_powers",
        source=log.source,
        unknown=len(unknown),
        rows=log.rows,
        registry=reg.id,
        powers=_list(powers),
    )


def _list(ids: Iterable[str]) -> str:
    shown = sorted(ids, key=_natural)
    return ", ".join(shown[:15]) + (", …" if len(shown) > 15 else "")


def _natural(step: str) -> tuple[str, int, str]:
    """S2 before S10."""
    head = step.rstrip("0123456789")
    tail = step[len(head) :]
    return (head, int(tail) if tail else -1, step)
