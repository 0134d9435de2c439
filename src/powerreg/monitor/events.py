"""Reading a case event log (办件日志): CSV, JSON Lines, or a pandas DataFrame.

One row per event: the case ``case_id`` of power ``power_id`` arrived at step
``step_id`` at ``timestamp``; ``flowchart_id`` (which of the power's charts the case
follows), ``actor`` and ``note`` are optional. Columns other than these are ignored.

Rows that cannot be replayed are left out and reported as problems with their line
(M001–M011, see :mod:`.findings`); every other row is read. A file that cannot be read
at all (missing, not UTF-8, no header with the required columns) raises
:class:`~powerreg.errors.UsageError`.

A file is read a line at a time, never whole (see :mod:`.rows`), and the events are
kept compactly, case by case (see :mod:`.caseevents`).

Timestamps are ISO 8601 (``2011-10-08 09:30``, ``2011-10-08T09:30:00+08:00``,
``2011-10-08``; ``2011/10/8 9:30`` too). A time with a zone is converted to China
time (UTC+8); one without is taken as China time.

Examples:
    >>> import powerreg
    >>> log = read_log("examples/cases/cases.csv", powerreg.load_reference())
    >>> len(log.cases), log.rows, log.problems
    (8, 55, [])
    >>> log.cases["2011-XK001-0001"][0].step_id
    'S1'
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from operator import itemgetter
from pathlib import Path
from typing import Any, cast

from ..errors import Problem, UsageError, problem
from ..model import Registry
from .calendar import WorkCalendar
from .caseevents import MAX_STEPS, STEP_BITS, CaseEvents, Vocabulary, pack_time
from .findings import Event
from .rows import MAX_FIELD, MAX_ROW, CsvRows, Unreadable, read_line

REQUIRED = ("case_id", "power_id", "step_id", "timestamp")
OPTIONAL = ("flowchart_id", "actor", "note")
COLUMNS = REQUIRED + OPTIONAL

CHINA = timezone(timedelta(hours=8))
_EPOCH = datetime(1, 1, 1)
_MICROSECOND = timedelta(microseconds=1)

#: A code point no output can encode: half of a UTF-16 pair, alone (JSON's "\\ud800").
_SURROGATE = re.compile("[\ud800-\udfff]")


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


class _Index:
    """What the reader checks rows against: powers, their charts and steps."""

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
                raise UsageError(
                    f"power {pid} has {len(steps)} steps; the monitor takes {MAX_STEPS}"
                )
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


def _parse_slashed(text: str) -> datetime:
    """``2011/10/8 9:30`` or ``2011-10-8 9:30``, as spreadsheets write it."""
    day, _, clock = text.strip().partition(" ")
    parts = day.replace("/", "-").split("-")
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
        index: _Index,
        actors: Vocabulary,
    ) -> None:
        super().__init__(case, power, index.steps[power], actors, chart)
        self.line = line
        self.numbers = index.numbers[power]


class _Reader:
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
    ) -> None:
        self.index = _Index(reg)
        self.log = EventLog(source, checked=None if calendar is None else (calendar, as_of))
        self.row_word = row_word
        self.known: dict[str, _Case] = {}
        self.actors = Vocabulary()
        self.calendar = calendar
        # the calendar's days and the days the replay counts, as packed times
        self._known_from = self._known_until = 0
        self._counted_until = pack_time(datetime.max)
        if calendar is not None:
            self._known_from = pack_time(datetime.combine(calendar.first, time()))
            self._known_until = pack_time(datetime.combine(calendar.last, time.max))
        if as_of is not None:
            self._counted_until = pack_time(datetime.combine(as_of, time.max))

    def bad(
        self, key: str, line: int, message: str, case: str | None = None, **params: Any
    ) -> None:
        """Leave the row at ``line`` out: a problem of ``key`` (a code, or
        ``CODE.variant``), its English message and the parameters of its template."""
        self.log.problems.append(
            problem(
                key,
                self.log.source,
                line,
                entity=case,
                severity="error",
                detail=message,
                **params,
            )
        )

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
            self.bad("M001", line, f"{' and '.join(missing)} missing or empty", case or None)
            return
        try:
            when = datetime.fromisoformat(stamp)
            if when.tzinfo is not None:
                when = when.astimezone(CHINA).replace(tzinfo=None)
        except (ValueError, OverflowError):
            try:
                when = parse_time(stamp)
            except ValueError:
                self.bad(
                    "M002",
                    line,
                    f"timestamp '{stamp}' cannot be parsed; write it as ISO 8601, "
                    "e.g. 2011-10-08 09:30:00",
                    case,
                )
                return
        packed = (when - _EPOCH) // _MICROSECOND  # pack_time, inlined: the hot loop
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
                f"event at {when.isoformat(' ')} is earlier than the case's previous event "
                f"at {prev.time.isoformat(' ')} ({self.row_word} {prev.line}); "
                "a case's events go in time order",
                case,
            )
            return
        who = self.actors.codes.get(actor, 0) if actor else 0
        if not who and actor:
            who = self.actors.code(actor)
        data.extend((packed, line, number | who << STEP_BITS))
        if note:
            known.note(note)

    def _outside(self, line: int, case: str, day: date) -> None:
        cal = self.calendar
        assert cal is not None
        self.bad(
            "M009",
            line,
            f"{cal.outside(day)}; the row is left out",
            case,
            date=day.isoformat(),
            first=cal.first.year,
            last=cal.last.year,
            calendar=cal.source,
        )

    def _placed(
        self, line: int, case: str, power: str, step: str, chart: str, known: _Case | None
    ) -> bool:
        """The checks of a case's first row, or of a row that names another power or
        flowchart than the case's: whether the row can be placed."""
        charts = self.index.charts.get(power)
        if charts is None:
            self.bad("M003", line, f"power '{power}' is not in the registry", case)
            return False
        if known is not None and known.power_id != power:
            self.bad(
                "M007",
                line,
                f"case {case} is of power {known.power_id} ({self.row_word} {known.line}); "
                f"this row says {power}",
                case,
            )
            return False
        chart_was = known.flowchart_id if known is not None else None
        if known is not None and chart and chart_was is not None and chart_was != chart:
            self.bad(
                "M007",
                line,
                f"case {case} follows flowchart {chart_was} ({self.row_word} "
                f"{known.line}); this row says {chart}",
                case,
            )
            return False
        if chart and chart not in charts:
            self.bad(
                "M004",
                line,
                f"power {power} has no flowchart '{chart}' (flowcharts: {_list(charts)})",
                case,
            )
            return False
        if step not in self.index.numbers[power]:
            self._unknown_step(line, case, power, step)
            return False
        return True

    def _unknown_step(self, line: int, case: str, power: str, step: str) -> None:
        self.bad(
            "M005",
            line,
            f"step '{step}' is on none of the flowcharts of power {power} "
            f"(steps: {_list(self.index.steps[power])})",
            case,
        )

    def unreadable(self, row: Unreadable) -> None:
        """Leave out a row that cannot be delimited or is too long (M008, M010)."""
        self.bad(row.key, row.line, row.message, None, **row.params)

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


def _list(ids: Iterable[str]) -> str:
    shown = sorted(ids, key=_natural)
    return ", ".join(shown[:15]) + (", …" if len(shown) > 15 else "")


def _natural(step: str) -> tuple[str, int, str]:
    """S2 before S10."""
    head = step.rstrip("0123456789")
    tail = step[len(head) :]
    return (head, int(tail) if tail else -1, step)


# --------------------------------------------------------------------------- formats


def read_log(
    source: Any,
    reg: Registry,
    *,
    calendar: WorkCalendar | None = None,
    as_of: date | None = None,
) -> EventLog:
    """Read a case event log: a path to a ``.csv`` file or a JSON Lines file
    (``.jsonl``, ``.ndjson``, ``.json``), or a pandas DataFrame with the log's columns.

    Given a working-day ``calendar``, a row on a date it does not know is left out
    (M009), unless it is later than ``as_of``.

    Raises:
        UsageError: the file cannot be read, or lacks a required column.
    """
    if hasattr(source, "columns") and hasattr(source, "itertuples"):
        return read_dataframe(source, reg, calendar=calendar, as_of=as_of)
    if not isinstance(source, str | os.PathLike):
        raise UsageError(
            f"cannot read a case log from {type(source).__name__}: give a path to a "
            ".csv or .jsonl file, or a pandas DataFrame"
        )
    path = Path(source)
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        return read_jsonl(path, reg, calendar=calendar, as_of=as_of)
    return read_csv(path, reg, calendar=calendar, as_of=as_of)


def _source_name(path: Path) -> str:
    """The file's name as reports show it: bytes that are not UTF-8 (a name from
    another system) shown as ``\\xff``, so that every output can carry it."""
    return path.name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _open(path: Path) -> io.TextIOWrapper:
    try:
        # utf-8-sig: spreadsheets put a byte-order mark before the header
        return path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError as err:
        raise UsageError(f"no case log at '{path}': no such file") from err
    except IsADirectoryError as err:
        raise UsageError(f"'{path}' is a directory; give the case log file") from err
    except OSError as err:
        raise UsageError(f"cannot read the case log '{path}': {err.strerror or err}") from err


def _not_utf8(path: Path, err: UnicodeDecodeError) -> UsageError:
    """The error for a file that is not UTF-8, naming the first line that is not: text
    is decoded in blocks, so the line is found again from the bytes."""
    line = 0
    with path.open("rb") as f:
        for line, raw in enumerate(f, start=1):
            try:
                raw.decode("utf-8-sig" if line == 1 else "utf-8")
            except UnicodeDecodeError:
                break
    return UsageError(
        f"{_source_name(path)}:{line}: the case log is not UTF-8 ({err.reason}); save it as "
        "UTF-8 (a GBK export can be converted with: iconv -f GBK -t UTF-8)"
    )


def read_csv(
    path: str | os.PathLike[str],
    reg: Registry,
    *,
    calendar: WorkCalendar | None = None,
    as_of: date | None = None,
) -> EventLog:
    """Read a CSV case log (UTF-8, a header row naming the columns), a line at a time."""
    path = Path(path)
    name = _source_name(path)
    reader_ = _Reader(reg, name, calendar=calendar, as_of=as_of)
    with _open(path) as f:
        rows = CsvRows(f)
        each = iter(rows)
        try:
            header = next(each, None)
            if header is None:
                raise UsageError(
                    f"{name}: the case log is empty; it needs a header row naming the "
                    f"columns {', '.join(REQUIRED)}"
                )
            if isinstance(header, Unreadable):
                raise UsageError(f"{name}:1: the header cannot be read as CSV: {header.message}")
            names = [h.strip() for h in header[1]]
            lacking = [c for c in REQUIRED if c not in names]
            if lacking:
                raise UsageError(
                    f"{name}:1: the header has no column {', '.join(lacking)}; it needs "
                    f"{', '.join(REQUIRED)} (and may have {', '.join(OPTIONAL)})"
                )
            width = len(names)
            rows.expect(width, _row_test(width, [names.index(c) for c in REQUIRED]))
            # an absent optional column reads an empty field appended to every row
            absent = any(c not in names for c in COLUMNS)
            pick = itemgetter(*(names.index(c) if c in names else width for c in COLUMNS))
            add = reader_.add
            n = 0
            for row in each:
                if isinstance(row, Unreadable):
                    n += 1
                    reader_.unreadable(row)
                    continue
                line, fields = row
                if absent:
                    fields.append("")
                try:
                    case, power, step, stamp, chart, actor, note = pick(fields)
                except IndexError:  # a short row, or a blank line
                    if not any(v.strip() for v in fields):
                        continue
                    fields += [""] * (width + 1 - len(fields))
                    case, power, step, stamp, chart, actor, note = pick(fields)
                n += 1
                add(
                    line,
                    case.strip(),
                    power.strip(),
                    step.strip(),
                    stamp.strip(),
                    chart.strip(),
                    actor.strip(),
                    note.strip(),
                )
        except UnicodeDecodeError as err:
            raise _not_utf8(path, err) from err
    reader_.log.lines = rows.count
    return reader_.finish(n)


def _row_test(width: int, required: list[int]) -> Callable[[list[str]], bool]:
    """Whether the fields of one line read as a row of the log: as many fields as the
    header, the required ones filled, and a timestamp that parses."""
    ts = required[3]

    def looks_like_row(fields: list[str]) -> bool:
        if len(fields) < width or not all(fields[i].strip() for i in required):
            return False
        try:
            parse_time(fields[ts].strip())
        except ValueError:
            return False
        return True

    return looks_like_row


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN: an empty cell in pandas
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "isoformat"):  # pandas.Timestamp
        return str(value.isoformat())
    return str(value).strip()


def _add_mapping(reader_: _Reader, line: int, row: dict[str, Any]) -> None:
    """Add a row of JSON Lines or a DataFrame, whose fields may hold anything: a value
    too long (M010) or one no output can encode (M011) leaves the row out."""
    try:
        # text as it is (the common case, without a call), anything else made text
        values = [v.strip() if type(v) is str else _text(v) for v in map(row.get, COLUMNS)]
    except RecursionError:  # a value nested too deep to be shown as text
        reader_.bad("M001.deep", line, "a value is nested too deep to be read as text")
        return
    if max(map(len, values)) > MAX_FIELD or _SURROGATE.search("".join(values)):
        _refuse(reader_, line, values)
        return
    reader_.add(line, *values)


def _refuse(reader_: _Reader, line: int, values: list[str]) -> None:
    """The problem of a row with a value too long (M010) or not text (M011)."""
    for column, value in zip(COLUMNS, values, strict=True):
        if len(value) > MAX_FIELD:
            reader_.bad(
                "M010.field",
                line,
                f"field {column} is {len(value)} characters long, over the limit of "
                f"{MAX_FIELD}; the row is left out",
                field=column,
                length=len(value),
                limit=MAX_FIELD,
            )
            return
    for column, value in zip(COLUMNS, values, strict=True):
        bad = _SURROGATE.search(value)
        if bad is not None:
            point = f"U+{ord(bad.group()):04X}"
            case = values[0] if not _SURROGATE.search(values[0]) else None
            reader_.bad(
                "M011",
                line,
                f"field {column} holds {point}, half of a UTF-16 surrogate pair without "
                "the other half: it is not a character, and no report can show it; the "
                "row is left out (was the log converted from UTF-16 or cut mid-character?)",
                case,
                field=column,
                codepoint=point,
            )
            return


def read_jsonl(
    path: str | os.PathLike[str],
    reg: Registry,
    *,
    calendar: WorkCalendar | None = None,
    as_of: date | None = None,
) -> EventLog:
    """Read a JSON Lines case log, a line at a time: one JSON object per line, keys as
    the CSV columns."""
    path = Path(path)
    reader_ = _Reader(reg, _source_name(path), calendar=calendar, as_of=as_of)
    n = count = 0
    with _open(path) as f:
        try:
            while (text := read_line(f, MAX_ROW)) != "":
                count += 1
                line = count
                if text is None:
                    n += 1
                    reader_.bad(
                        "M010",
                        line,
                        f"the row is longer than {MAX_ROW} characters; it is left out",
                        limit=MAX_ROW,
                    )
                    continue
                if not text.strip():
                    continue
                n += 1
                try:
                    row = json.loads(text)
                except RecursionError:
                    reader_.bad("M001.deep", line, "not valid JSON: nested too deep to be read")
                    continue
                except json.JSONDecodeError as err:
                    reader_.bad("M001", line, f"not valid JSON: {err.msg} (column {err.colno})")
                    continue
                except ValueError as err:  # e.g. an integer of more than 4300 digits
                    reader_.bad("M001", line, f"not valid JSON: {err}")
                    continue
                if not isinstance(row, dict):
                    reader_.bad("M001", line, f"a JSON object is needed, not {type(row).__name__}")
                    continue
                _add_mapping(reader_, line, row)
        except UnicodeDecodeError as err:
            raise _not_utf8(path, err) from err
    reader_.log.lines = count
    return reader_.finish(n)


def read_dataframe(
    frame: Any,
    reg: Registry,
    source: str = "DataFrame",
    *,
    calendar: WorkCalendar | None = None,
    as_of: date | None = None,
) -> EventLog:
    """Read a case log from a pandas DataFrame with the log's columns; a problem's
    ``line`` is the row's position in the frame, from 1."""
    lacking = [c for c in REQUIRED if c not in frame.columns]
    if lacking:
        raise UsageError(
            f"the DataFrame has no column {', '.join(lacking)}; it needs "
            f"{', '.join(REQUIRED)} (and may have {', '.join(OPTIONAL)})"
        )
    reader_ = _Reader(reg, source, row_word="row", calendar=calendar, as_of=as_of)
    present = [c for c in COLUMNS if c in frame.columns]
    n = 0
    for n, values in enumerate(_frame_rows(frame, present), start=1):
        _add_mapping(reader_, n, dict(zip(present, values, strict=True)))
    return reader_.finish(n)


def _frame_rows(frame: Any, columns: list[str]) -> Iterator[tuple[Any, ...]]:
    yield from frame[columns].itertuples(index=False, name=None)
