"""The rows of a case log file, read one at a time, each with its line; the rows that
cannot be delimited, reported rather than lost.

A file is read line by line, never whole, and no line longer than :data:`MAX_ROW`
characters is kept (the rest of it is skipped). In CSV a quoted field may hold line
breaks, so one row may span several lines — and a quote that is never closed would
make the rest of the file one field of one row. A row whose quoted field

* reaches the end of the file,
* runs over a line that reads as a row of the log of its own (:meth:`CsvRows.expect`),
* or runs on past :data:`MAX_ROW` characters

is therefore not a row: it is reported (M008) at its first line, and the lines after
that line are read again as rows of their own. A row over the size limits is reported
too (M010). Every line of the file ends up in exactly one row read, or blank: a count
that :class:`CsvRows` checks when the file ends.

Examples:
    >>> import io
    >>> text = 'id,note\\n1,"two\\nlines"\\n2,"never closed\\n3,x\\n'
    >>> rows = CsvRows(io.StringIO(text, newline=""))
    >>> for row in rows:
    ...     print(row if isinstance(row, tuple) else (row.line, row.key))
    ...     rows.expect(2, lambda fields: len(fields) >= 2)
    (1, ['id', 'note'])
    (2, ['1', 'two\\nlines'])
    (4, 'M008.swallows')
    (5, ['3', 'x'])
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

#: Longest row read, in characters: one line of JSON Lines, or the lines of one CSV row.
MAX_ROW = 1 << 20
#: Longest field, in characters (the csv module's own default limit).
MAX_FIELD = 131_072
#: Characters skipped per read past the end of an over-long line.
_SKIP = 1 << 16


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A row that cannot be read: its first line, the key of its problem (``M008``,
    ``M008.swallows``, ``M010.field``: a code and the variant of its message) and the
    message's parameters (the templates are in :mod:`powerreg.codes.monitor_codes`)."""

    line: int
    key: str
    params: dict[str, Any] = field(default_factory=dict)


#: A line read: its number (from 1) and text, ``None`` if it was over the limit.
Line = tuple[int, str | None]


def read_line(f: TextIO, limit: int) -> str | None:
    """The next line of ``f`` (``""`` at the end), or ``None`` if it is longer than
    ``limit`` characters: then the rest of it is read and dropped, never held."""
    text = f.readline(limit + 1)
    return text if len(text) <= limit else _skip_rest(f, text)


def _skip_rest(f: TextIO, text: str) -> str | None:
    """Read and drop the rest of the line that ``text`` begins: ``None``, the line
    that was too long."""
    while text and text[-1] not in "\r\n":
        text = f.readline(_SKIP)
    return None


class _Abandon(Exception):
    """Stop the csv reader inside a row: ``why`` says why (see :meth:`CsvRows._left_out`)."""

    def __init__(self, why: str) -> None:
        self.why = why


class CsvRows:
    """The CSV rows of a text file (opened with ``newline=""``), one at a time:
    ``(line, fields)`` for a row read (a blank line gives no fields),
    :class:`Unreadable` for one that cannot be.

    Lines are split as ``newline=""`` splits them (at ``\\n``, ``\\r\\n`` or ``\\r``) and
    numbered from 1.
    """

    def __init__(self, f: TextIO, limit: int = MAX_ROW) -> None:
        self._f = f
        self.limit = limit
        #: lines read from the file, and lines given out in rows (blank ones too)
        self.count = self.accounted = 0
        self._back: deque[Line] = deque()
        self._width = 0
        self._looks_like_row: Callable[[list[str]], bool] = bool
        # the row being read: its first line, its other lines, their length, and
        # whether the file ended inside it
        self._first = 0
        self._more: list[Line] = []
        self._size = 0
        self._eof = False

    def expect(self, width: int, looks_like_row: Callable[[list[str]], bool]) -> None:
        """Once the header is read: rows have ``width`` fields, and ``looks_like_row``
        says whether the fields of one line alone read as a row of the log (a quoted
        field that runs over such a line is taken for a quote never closed)."""
        self._width = width
        self._looks_like_row = looks_like_row

    def _lines(self) -> Iterator[str]:
        """The lines the csv reader reads, put-back ones first; a row's lines past its
        first are checked as they come."""
        back, f, limit = self._back, self._f, self.limit
        readline, over = f.readline, limit + 1
        while True:
            if back:
                num, text = back.popleft()
            else:
                text = readline(over)  # read_line, inlined: once per line of the file
                if len(text) > limit:
                    text = _skip_rest(f, text)
                elif not text:
                    self._eof = self._first != 0  # the file ends inside a row
                    return
                self.count += 1
                num = self.count
            if not self._first:
                self._first = num
                if text is None:
                    raise _Abandon("line")
            else:
                self._more.append((num, text))
                if text is None:
                    raise _Abandon("runs_on")
                self._check_more(text)
            yield text

    def _check_more(self, text: str) -> None:
        """A line past a row's first: the row's quoted field runs over it."""
        self._size += len(text)
        if self._size > self.limit:
            raise _Abandon("runs_on")
        if self._width and text.count(",") >= self._width - 1:
            fields = next(csv.reader([text]), [])
            if self._looks_like_row(fields):
                raise _Abandon("swallows")

    def __iter__(self) -> Iterator[tuple[int, list[str]] | Unreadable]:
        while True:
            reader = csv.reader(self._lines())
            self._first = 0
            try:
                for fields in reader:
                    if self._eof:
                        break
                    if self._more:
                        self.accounted += len(self._more)
                        self._more = []
                        self._size = 0
                    self.accounted += 1
                    yield (self._first, fields)
                    self._first = 0
                else:
                    self._check_count()
                    return
                yield self._left_out("eof")
            except _Abandon as stop:
                yield self._left_out(stop.why)
            except csv.Error as err:
                if "field limit" not in str(err):
                    yield self._left_out("csv", str(err))
                else:  # a field that spans lines is a quote that runs on
                    yield self._left_out("runs_on" if self._more else "field")

    def _left_out(self, why: str, detail: str = "") -> Unreadable:
        """The row begun at its first line, left out; the lines after it go back to be
        read as rows of their own (by a fresh reader, in no quoted field)."""
        line, more = self._first, self._more
        self._back.extendleft(reversed(more))
        self._more, self._size, self._eof = [], 0, False
        self.accounted += 1
        if why == "line":
            return Unreadable(line, "M010", {"limit": self.limit})
        if why == "field":
            limit = csv.field_size_limit()
            return Unreadable(line, "M010.field", {"limit": limit})
        if why == "csv":
            return Unreadable(line, "M008.csv", {"error": detail})
        params: dict[str, Any] = {"lines": len(more) + 1}
        if why == "swallows":
            params["at"] = more[-1][0] if more else line
        return Unreadable(line, "M008" if why == "eof" else f"M008.{why}", params)

    def _check_count(self) -> None:
        """Every line of the file is in exactly one row read (or blank)."""
        if self.accounted != self.count:  # pragma: no cover - a bug, said loudly
            raise AssertionError(
                f"{self.count} lines in the file, {self.accounted} read into rows: rows were lost"
            )
