"""Reading a case event log (办件日志): CSV, JSON Lines, or a pandas DataFrame.

One row per event: the case ``case_id`` of power ``power_id`` arrived at step
``step_id`` at ``timestamp``; ``flowchart_id`` (which of the power's charts the case
follows), ``actor`` and ``note`` are optional. A column may have its Chinese name
instead (办件编号, 事项编码, 环节编码, 时间, 流程图编码, 经办人, 备注; see
:data:`~.reader.CHINESE`). Columns other than these are ignored; a CSV header naming
one of these twice (by either name) is refused, and a CSV row with more fields than the
header (past it, one not empty) is left out (M008), as is a JSON object naming a key
twice (M001): which value is meant cannot be told.

Rows that cannot be replayed are left out and reported as problems with their line
(M001–M011, see :mod:`.findings`); every other row is read. A file that cannot be read
at all (missing, not UTF-8, no header with the required columns) raises
:class:`~powerreg.errors.UsageError`.

A file is read a line at a time, never whole (see :mod:`.rows`); each row is checked
and kept, compactly, as an event of its case by :class:`~.reader.RowReader` (see
:mod:`.reader` and :mod:`.caseevents`).

Timestamps are ISO 8601 (``2011-10-08 09:30``, ``2011-10-08T09:30:00+08:00``,
``2011-10-08``; ``2011/10/8 9:30``, ``2011.10.8``, ``2011年10月8日`` and ``2011年10月8日
9时30分`` too). A time with a zone is converted to China
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
from collections.abc import Callable, Iterator
from datetime import date, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

from ..codes import localized, phrase
from ..codes.load_codes import FILE_KINDS
from ..errors import UsageError, problem
from ..model import Registry
from ..readfile import file_kind
from ..textsafe import one_line, snippet
from .calendar import WorkCalendar
from .reader import (
    CHINESE,
    COLUMNS,
    OPTIONAL,
    REQUIRED,
    EventLog,
    RowReader,
    column_name,
    columns_wanted,
    parse_time,
    repeated_column,
)
from .rows import MAX_FIELD, MAX_ROW, CsvRows, Unreadable, read_line

__all__ = [
    "EventLog",
    "add_mapping",
    "field_text",
    "parse_time",
    "read_csv",
    "read_dataframe",
    "read_jsonl",
    "read_log",
]


#: The Chinese names of the columns (see :data:`~.reader.CHINESE`).
_CHINESE_KEYS = frozenset(name for names in CHINESE.values() for name in names)

#: A code point no output can encode: half of a UTF-16 pair, alone (JSON's "\\ud800").
_SURROGATE = re.compile("[\ud800-\udfff]")


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
        raise UsageError("monitor.log_source_type", kind=type(source).__name__)
    path = Path(source)
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        return read_jsonl(path, reg, calendar=calendar, as_of=as_of)
    return read_csv(path, reg, calendar=calendar, as_of=as_of)


def source_name(path: Path) -> str:
    """The file's name as reports show it: bytes that are not UTF-8 (a name from
    another system) shown as ``\\xff``, so that every output can carry it; the one
    name of a log file in problems, read row by row or in bulk."""
    return path.name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def check_log_file(path: str | os.PathLike[str]) -> None:
    """Refuse a case log that is not a file (or a directory, of Parquet files): a device
    gives bytes without end (``/dev/zero``, one endless line that would fill the
    memory), and a FIFO or a pipe can be read once only, where a log is read twice (its
    format checked first, then its events): read once, it would seem empty; with no
    writer, the reading would wait for ever.

    Raises:
        UsageError: ``path`` is a FIFO, a socket or a device.

    Examples:
        >>> check_log_file("examples/cases/cases.csv")
        >>> try:
        ...     check_log_file("/dev/zero")
        ... except UsageError as err:
        ...     print(str(err).split(";")[0])
        '/dev/zero' is a character device, not a file
    """
    try:
        kind = file_kind(os.stat(path).st_mode)
    except OSError:
        return  # said when it is opened
    if kind is not None and kind != "directory":
        raise UsageError("monitor.log_not_file", path=Path(path), kind=FILE_KINDS[kind])


def _open(path: Path) -> io.TextIOWrapper:
    check_log_file(path)
    try:
        # utf-8-sig: spreadsheets put a byte-order mark before the header
        return path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError as err:
        raise UsageError("monitor.log_missing", path=path) from err
    except IsADirectoryError as err:
        raise UsageError("monitor.log_is_dir", path=path) from err
    except OSError as err:
        raise UsageError(
            "monitor.log_unreadable", path=path, reason=err.strerror or str(err)
        ) from err


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
    return UsageError("monitor.log_not_utf8", name=source_name(path), line=line, reason=err.reason)


def read_csv(
    path: str | os.PathLike[str],
    reg: Registry,
    *,
    calendar: WorkCalendar | None = None,
    as_of: date | None = None,
) -> EventLog:
    """Read a CSV case log (UTF-8, a header row naming the columns), a line at a time."""
    path = Path(path)
    name = source_name(path)
    reader_ = RowReader(reg, name, calendar=calendar, as_of=as_of)
    with _open(path) as f:
        rows = CsvRows(f)
        each = iter(rows)
        try:
            header = next(each, None)
            if header is None:
                raise UsageError("monitor.log_empty", name=name, columns=", ".join(REQUIRED))
            if isinstance(header, Unreadable):
                unread = problem(header.key, name, 1, **header.params)
                why = localized(unread.message("en"), unread.message("zh"))
                raise UsageError("monitor.log_header_unreadable", name=name, why=why)
            names = [column_name(h.strip()) for h in header[1]]
            lacking = [c for c in REQUIRED if c not in names]
            if lacking:
                raise UsageError(
                    "monitor.log_header_lacks",
                    name=name,
                    lacking=columns_wanted(lacking),
                    required=columns_wanted(REQUIRED),
                    optional=columns_wanted(OPTIONAL),
                )
            repeated = repeated_column(header[1])
            if repeated is not None:
                raise _named_twice(name, header[1], *repeated)
            width = len(names)
            rows.expect(width, _row_test(width, [names.index(c) for c in REQUIRED]))
            ci = names.index("case_id")
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
                if len(fields) > width and any(v.strip() for v in fields[width:]):
                    # a field past the header's last: no column to read it into
                    n += 1
                    reader_.bad(
                        "M008.csv", line, fields[ci].strip() or None, error=_too_wide(fields, width)
                    )
                    continue
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


def _named_twice(name: str, header: list[str], column: str, first: int, second: int) -> UsageError:
    """The error of a header that names one of the log's columns twice."""
    a, b = header[first - 1].strip(), header[second - 1].strip()
    return UsageError(
        "monitor.log_header_twice",
        name=name,
        column=column,
        first=first,
        second=second,
        named="" if a == b else phrase("part.monitor_named_as", first=a, second=b),
    )


def _too_wide(fields: list[str], width: int) -> dict[str, str]:
    """Why a row of more fields than the header is left out (M008.csv), in both
    languages: its fields, the header's, and the first field past them."""
    extra = len(fields) - width
    first = next(v.strip() for v in fields[width:] if v.strip())
    shown = first if len(first) <= 40 else first[:40] + "…"
    return localized(
        f"it has {len(fields)} fields, {extra} more than the header's {width} (the extra "
        f"ones begin with '{shown}'); the row is left out: quote a field that holds a "
        'comma ("a,b"), or remove the extra fields',
        f"该行有 {len(fields)} 个字段，比表头的 {width} 个多 {extra} 个（多出的字段始于"
        f'“{shown}”）：本行不予回放；含逗号的字段请加引号（"a,b"），或删去多余的字段',
    )


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


def field_text(value: Any) -> str:
    """A field of JSON Lines or a DataFrame as the text a row holds: ``None`` and NaN
    (an empty cell) empty, dates in ISO 8601, anything else as ``str`` gives it, stripped.

    Examples:
        >>> field_text(None), field_text(float("nan")), field_text(12), field_text(" S1 ")
        ('', '', '12', 'S1')
    """
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


def add_mapping(reader_: RowReader, line: int, row: dict[str, Any]) -> None:
    """Add a row of JSON Lines or a DataFrame (or an event posted to the supervision
    service), whose fields may hold anything: a value too long (M010) or one no output
    can encode (M011) leaves the row out."""
    if not row.keys().isdisjoint(_CHINESE_KEYS):  # a column under its Chinese name
        mapped: dict[Any, Any] = {}
        named: dict[Any, Any] = {}
        for key, value in row.items():
            column = column_name(key) if type(key) is str else key
            if column in mapped and not _blank(value):
                if not _blank(mapped[column]) and value != mapped[column]:
                    # under both its names, with two values: which one is meant?
                    case = mapped.get("case_id")  # given before, under either name
                    shown = case if type(case) is str else None
                    first, second = snippet(one_line(str(named[column]))), snippet(one_line(key))
                    reader_.bad(
                        "M001.two_names", line, shown, column=column, first=first, second=second
                    )
                    return
            elif column in mapped:
                continue  # the other name holds the value; this one is empty
            mapped[column], named[column] = value, key
        row = mapped
    try:
        # text as it is (the common case, without a call), anything else made text
        values = [v.strip() if type(v) is str else field_text(v) for v in map(row.get, COLUMNS)]
    except RecursionError:  # a value nested too deep to be shown as text
        reader_.bad("M001.deep", line)
        return
    if max(map(len, values)) > MAX_FIELD or _SURROGATE.search("".join(values)):
        _refuse(reader_, line, values)
        return
    reader_.add(line, *values)


def _blank(value: Any) -> bool:
    """Whether a value of an event is empty (null, or text of spaces only)."""
    return value is None or (type(value) is str and not value.strip())


def _refuse(reader_: RowReader, line: int, values: list[str]) -> None:
    """The problem of a row with a value too long (M010) or not text (M011)."""
    for column, value in zip(COLUMNS, values, strict=True):
        if len(value) > MAX_FIELD:
            reader_.bad(
                "M010.named_field",
                line,
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
                case,
                field=column,
                codepoint=point,
            )
            return


class _RepeatedKey(ValueError):
    """An object of JSON names a key twice: which one, and the detail of the problem
    (M001.json_value) in both languages."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key
        shown = key if len(key) <= 40 else key[:40] + "…"
        self.detail = localized(
            f"key '{shown}' appears twice in one object, and only one value can be read; "
            "the row is left out: remove or rename one",
            f"同一对象中键 {shown} 出现两次，只能读取其中一个值：本行不予回放；"
            "请删去或改名其中一个",
        )


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object of JSON as a dict, refused if it names a key twice (:mod:`json` keeps
    the last value without a word)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _RepeatedKey(key)
            seen.add(key)
    return obj


#: JSON read as :func:`json.loads` reads it, an object that repeats a key refused.
_STRICT_JSON = json.JSONDecoder(object_pairs_hook=_object)


def _case_of(text: str, repeated: str) -> str | None:
    """The case a line of JSON Lines names (refused for naming ``repeated`` twice), as
    :func:`add_mapping` would read it; None if it names none, or none plainly (the key
    named twice is the case's, or its value could not be shown)."""
    try:
        row = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(row, dict):
        return None
    for key in ("case_id", *CHINESE["case_id"]):
        if key in row:
            if key == repeated:
                return None
            try:
                case = field_text(row[key])
            except RecursionError:
                return None
            if not case or len(case) > MAX_FIELD or _SURROGATE.search(case):
                return None
            return case
    return None


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
    reader_ = RowReader(reg, source_name(path), calendar=calendar, as_of=as_of)
    loads = _STRICT_JSON.decode
    n = count = 0
    with _open(path) as f:
        try:
            while (text := read_line(f, MAX_ROW)) != "":
                count += 1
                line = count
                if text is None:
                    n += 1
                    reader_.bad("M010", line, limit=MAX_ROW)
                    continue
                if not text.strip():
                    continue
                n += 1
                try:
                    row = loads(text)
                except _RepeatedKey as err:
                    reader_.bad("M001.json_value", line, _case_of(text, err.key), detail=err.detail)
                    continue
                except RecursionError:
                    reader_.bad("M001.deep_json", line)
                    continue
                except json.JSONDecodeError as err:
                    reader_.bad("M001.json", line, detail=err.msg, column=err.colno)
                    continue
                except ValueError as err:  # e.g. an integer of more than 4300 digits
                    reader_.bad("M001.json_value", line, detail=str(err))
                    continue
                if not isinstance(row, dict):
                    reader_.bad("M001.not_object", line, kind=type(row).__name__)
                    continue
                add_mapping(reader_, line, row)
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
    ``line`` is the row's position in the frame, from 1; columns may have their Chinese
    names (办件编号, 事项编码, 环节编码, 时间, …)."""
    if any(isinstance(c, str) and column_name(c) != c for c in frame.columns):
        frame = frame.rename(columns=lambda c: column_name(c) if isinstance(c, str) else c)
    lacking = [c for c in REQUIRED if c not in frame.columns]
    if lacking:
        raise UsageError(
            "monitor.frame_lacks",
            lacking=columns_wanted(lacking),
            required=columns_wanted(REQUIRED),
            optional=columns_wanted(OPTIONAL),
        )
    twice = [c for c in COLUMNS if list(frame.columns).count(c) > 1]
    if twice:
        raise UsageError("monitor.frame_twice", column=twice[0], names=columns_wanted(twice[:1]))
    reader_ = RowReader(reg, source, row_word="row", calendar=calendar, as_of=as_of)
    present = [c for c in COLUMNS if c in frame.columns]
    n = 0
    for n, values in enumerate(_frame_rows(frame, present), start=1):
        add_mapping(reader_, n, dict(zip(present, values, strict=True)))
    return reader_.finish(n)


def _frame_rows(frame: Any, columns: list[str]) -> Iterator[tuple[Any, ...]]:
    yield from frame[columns].itertuples(index=False, name=None)
