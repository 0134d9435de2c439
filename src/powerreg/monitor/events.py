"""Reading a case event log (办件日志): CSV, JSON Lines, or a pandas DataFrame.

One row per event: the case ``case_id`` of power ``power_id`` arrived at step
``step_id`` at ``timestamp``; ``flowchart_id`` (which of the power's charts the case
follows), ``actor`` and ``note`` are optional. Columns other than these are ignored.

Rows that cannot be replayed are left out and reported as problems with their line
(M001–M007, see :mod:`.findings`); every other row is read. A file that cannot be read
at all (missing, not UTF-8, no header with the required columns) raises
:class:`~powerreg.errors.UsageError`.

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

import csv
import io
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from operator import itemgetter
from pathlib import Path
from typing import Any

from ..errors import Problem, UsageError
from ..model import Registry
from .findings import Event

REQUIRED = ("case_id", "power_id", "step_id", "timestamp")
OPTIONAL = ("flowchart_id", "actor", "note")
COLUMNS = REQUIRED + OPTIONAL

CHINA = timezone(timedelta(hours=8))


@dataclass
class EventLog:
    """The events of a log grouped by case (in order of first appearance), and the rows
    left out, as problems sorted by line."""

    source: str
    cases: dict[str, list[Event]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: data rows read, good and bad
    rows: int = 0
    #: earliest and latest event, for the calendar check
    first: Event | None = None
    last: Event | None = None

    @property
    def events(self) -> int:
        """Events kept."""
        return sum(len(v) for v in self.cases.values())


class _Index:
    """What the reader checks rows against: powers, their charts and steps."""

    def __init__(self, reg: Registry) -> None:
        self.charts: dict[str, dict[str, frozenset[str]]] = {}
        self.steps: dict[str, frozenset[str]] = {}
        for pid, p in reg.powers.items():
            charts = {fc.id: frozenset(s.id for s in fc.steps) for fc in p.flowcharts}
            self.charts[pid] = charts
            self.steps[pid] = frozenset().union(*charts.values())


def parse_time(text: str) -> datetime:
    """A timestamp as naive China time; ``ValueError`` if it is not one.

    Examples:
        >>> parse_time("2011-10-08 09:30")
        datetime.datetime(2011, 10, 8, 9, 30)
        >>> parse_time("2011-10-08T01:30:00Z")
        datetime.datetime(2011, 10, 8, 9, 30)
        >>> parse_time("2011/10/8"), parse_time("2011-10-8 9:05")
        (datetime.datetime(2011, 10, 8, 0, 0), datetime.datetime(2011, 10, 8, 9, 5))
    """
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        t = _parse_slashed(text)
    if t.tzinfo is not None:
        t = t.astimezone(CHINA).replace(tzinfo=None)
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


class _Case:
    """What the reader knows of a case: its power, flowchart, the line that set them,
    and its events so far."""

    __slots__ = ("chart", "events", "line", "power", "relabel", "steps")

    def __init__(self, power: str, chart: str | None, line: int, steps: frozenset[str]) -> None:
        self.power = power
        self.chart = chart
        self.line = line
        #: steps of the power's charts
        self.steps = steps
        self.events: list[Event] = []
        #: the flowchart was named after some of the events: they need it too
        self.relabel = False


class _Reader:
    """Rows → events, one at a time, with the checks of M001–M007.

    :meth:`add` is the hot loop of a replay (a million rows take a few seconds): the
    common case — a good row of a known case — costs a few dict look-ups, and the
    messages are built only for bad rows.
    """

    def __init__(self, reg: Registry, source: str, row_word: str = "line") -> None:
        self.index = _Index(reg)
        self.log = EventLog(source)
        self.row_word = row_word
        self.known: dict[str, _Case] = {}

    def bad(self, code: str, line: int, message: str, case: str | None = None) -> None:
        self.log.problems.append(
            Problem(code=code, message=message, file=self.log.source, line=line, entity=case)
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
            time = datetime.fromisoformat(stamp)
            if time.tzinfo is not None:
                time = time.astimezone(CHINA).replace(tzinfo=None)
        except ValueError:
            try:
                time = parse_time(stamp)
            except ValueError:
                self.bad(
                    "M002",
                    line,
                    f"timestamp '{stamp}' cannot be parsed; write it as ISO 8601, "
                    "e.g. 2011-10-08 09:30:00",
                    case,
                )
                return
        known = self.known.get(case)
        if known is None or known.power != power or (chart and chart != known.chart):
            if not self._placed(line, case, power, step, chart, known):
                return
            if known is None:
                known = self.known[case] = _Case(
                    power, chart or None, line, self.index.steps[power]
                )
            elif chart and known.chart is None:
                known.chart, known.line = chart, line
                known.relabel = bool(known.events)
        elif step not in known.steps:
            self._unknown_step(line, case, power, step)
            return
        events = known.events
        if events and time < events[-1].time:
            prev = events[-1]
            self.bad(
                "M006",
                line,
                f"event at {time.isoformat(' ')} is earlier than the case's previous event "
                f"at {prev.time.isoformat(' ')} ({self.row_word} {prev.line}); "
                "a case's events go in time order",
                case,
            )
            return
        events.append(
            Event(case, power, known.chart, step, time, actor or None, note or None, line)
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
        if known is not None and known.power != power:
            self.bad(
                "M007",
                line,
                f"case {case} is of power {known.power} ({self.row_word} {known.line}); "
                f"this row says {power}",
                case,
            )
            return False
        if known is not None and chart and known.chart is not None and known.chart != chart:
            self.bad(
                "M007",
                line,
                f"case {case} follows flowchart {known.chart} ({self.row_word} "
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
        if step not in self.index.steps[power]:
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

    def finish(self, rows: int) -> EventLog:
        """The log: cases with events, in order of first appearance; problems by line."""
        log = self.log
        log.rows = rows
        log.problems.sort(key=lambda p: p.line)
        first: Event | None = None
        last: Event | None = None
        for case, known in self.known.items():
            events = known.events
            if not events:
                continue
            # a flowchart named on a later row holds for the case's earlier rows too
            if known.relabel:
                events = [e._replace(flowchart_id=known.chart) for e in events]
            log.cases[case] = events
            if first is None or events[0].time < first.time:
                first = events[0]
            if last is None or events[-1].time > last.time:
                last = events[-1]
        log.first, log.last = first, last
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


def read_log(source: Any, reg: Registry) -> EventLog:
    """Read a case event log: a path to a ``.csv`` file or a JSON Lines file
    (``.jsonl``, ``.ndjson``, ``.json``), or a pandas DataFrame with the log's columns.

    Raises:
        UsageError: the file cannot be read, or lacks a required column.
    """
    if hasattr(source, "columns") and hasattr(source, "itertuples"):
        return read_dataframe(source, reg)
    if not isinstance(source, str | os.PathLike):
        raise UsageError(
            f"cannot read a case log from {type(source).__name__}: give a path to a "
            ".csv or .jsonl file, or a pandas DataFrame"
        )
    path = Path(source)
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        return read_jsonl(path, reg)
    return read_csv(path, reg)


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
        f"{path.name}:{line}: the case log is not UTF-8 ({err.reason}); save it as UTF-8 "
        "(a GBK export can be converted with: iconv -f GBK -t UTF-8)"
    )


def read_csv(path: str | os.PathLike[str], reg: Registry) -> EventLog:
    """Read a CSV case log (UTF-8, a header row naming the columns)."""
    path = Path(path)
    reader_ = _Reader(reg, path.name)
    with _open(path) as f:
        rows = csv.reader(f)
        try:
            header = next(rows, None)
        except UnicodeDecodeError as err:
            raise _not_utf8(path, err) from err
        except csv.Error as err:
            raise UsageError(f"{path.name}:1: the header cannot be read as CSV: {err}") from err
        if header is None:
            raise UsageError(
                f"{path.name}: the case log is empty; it needs a header row naming the "
                f"columns {', '.join(REQUIRED)}"
            )
        names = [h.strip() for h in header]
        lacking = [c for c in REQUIRED if c not in names]
        if lacking:
            raise UsageError(
                f"{path.name}:1: the header has no column {', '.join(lacking)}; it needs "
                f"{', '.join(REQUIRED)} (and may have {', '.join(OPTIONAL)})"
            )
        width = len(names)
        # an absent optional column reads an empty field appended to every row
        absent = any(c not in names for c in COLUMNS)
        pick = itemgetter(*(names.index(c) if c in names else width for c in COLUMNS))
        add = reader_.add
        n = 0
        prev = rows.line_num
        try:
            for row in rows:
                line = prev + 1
                prev = rows.line_num
                if absent:
                    row.append("")
                try:
                    case, power, step, stamp, chart, actor, note = pick(row)
                except IndexError:  # a short row, or a blank line
                    if not any(v.strip() for v in row):
                        continue
                    row += [""] * (width + 1 - len(row))
                    case, power, step, stamp, chart, actor, note = pick(row)
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
        except csv.Error as err:
            raise UsageError(f"{path.name}:{rows.line_num}: not readable as CSV: {err}") from err
    return reader_.finish(n)


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
    reader_.add(
        line,
        _text(row.get("case_id")),
        _text(row.get("power_id")),
        _text(row.get("step_id")),
        _text(row.get("timestamp")),
        _text(row.get("flowchart_id")),
        _text(row.get("actor")),
        _text(row.get("note")),
    )


def read_jsonl(path: str | os.PathLike[str], reg: Registry) -> EventLog:
    """Read a JSON Lines case log: one JSON object per line, keys as the CSV columns."""
    path = Path(path)
    reader_ = _Reader(reg, path.name)
    n = line = 0
    with _open(path) as f:
        try:
            for line, text in enumerate(f, start=1):
                if not text.strip():
                    continue
                n += 1
                try:
                    row = json.loads(text)
                except json.JSONDecodeError as err:
                    reader_.bad("M001", line, f"not valid JSON: {err.msg} (column {err.colno})")
                    continue
                if not isinstance(row, dict):
                    reader_.bad("M001", line, f"a JSON object is needed, not {type(row).__name__}")
                    continue
                _add_mapping(reader_, line, row)
        except UnicodeDecodeError as err:
            raise _not_utf8(path, err) from err
    return reader_.finish(n)


def read_dataframe(frame: Any, reg: Registry, source: str = "DataFrame") -> EventLog:
    """Read a case log from a pandas DataFrame with the log's columns; a problem's
    ``line`` is the row's position in the frame, from 1."""
    lacking = [c for c in REQUIRED if c not in frame.columns]
    if lacking:
        raise UsageError(
            f"the DataFrame has no column {', '.join(lacking)}; it needs "
            f"{', '.join(REQUIRED)} (and may have {', '.join(OPTIONAL)})"
        )
    reader_ = _Reader(reg, source, row_word="row")
    present = [c for c in COLUMNS if c in frame.columns]
    n = 0
    for n, values in enumerate(_frame_rows(frame, present), start=1):
        _add_mapping(reader_, n, dict(zip(present, values, strict=True)))
    return reader_.finish(n)


def _frame_rows(frame: Any, columns: list[str]) -> Iterator[tuple[Any, ...]]:
    yield from frame[columns].itertuples(index=False, name=None)
