"""A plain CSV log (extra ``scale``): one pyarrow's CSV reader reads exactly as the
line reader (:mod:`.events`) does, told a block of its bytes at a time, and the
reading of its columns, whole (:mod:`.bulkcolumns`) or a block at a time (a big log
split into shares, :mod:`.sharded`).

A file is plain when it has no quote, carriage return or NUL anywhere, no line longer
than a field may be, a header that is UTF-8 and names the log's required columns (in
English or Chinese, :func:`~.reader.column_name`) and none of the log's columns twice
(the line reader refuses such a log), and, if a column is left unread (another than
the log's), UTF-8 throughout (pyarrow checks the columns it reads as
strictly as Python does, a lone surrogate or an overlong form refused; a column left
unread is checked here); these are checked first (:func:`plain_csv`). A row of another
width than the header is found by pyarrow as it reads (:class:`NotPlain`: the line
reader reads the file, and leaves the row out, M001 or M008.csv); so is a
blank line, pyarrow's rows fewer than the file's lines (pyarrow skips it; the line
reader counts it, and the lines after it are numbered so).
The checks read the file a block of :data:`BLOCK` bytes at a time, never whole; the
byte-order mark a spreadsheet writes is no part of the text (utf-8-sig).

Examples:
    >>> from pathlib import Path
    >>> plain = plain_csv(Path("examples/cases/cases.csv"))
    >>> plain.rows, plain.names["case_id"], plain.names["timestamp"]
    (55, 'c0', 'c4')

    Told a block at a time (the limit of a line made small here):

    >>> scan = Scan(limit=40)
    >>> scan.feed(b"case_id,power_id,step_id,timestamp\\nA1,XK-001,S1,2011-10-10 ")
    >>> scan.feed(b"09:00\\nA2,XK-001,S1,2011-10-11 09:00\\n")
    >>> scan.result()  # doctest: +ELLIPSIS
    PlainCsv(header=['case_id', 'power_id', 'step_id', 'timestamp'], ..., lines=3)
    >>> scan.feed(b'A3,XK-001,S1,"2011-10-12 09:00"\\n')  # a quote
    >>> scan.result() is None
    True
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv

from .reader import COLUMNS, REQUIRED, column_name, repeated_column
from .rows import MAX_ROW

#: Bytes of a file read at a time: by the checks, and by pyarrow's reader a block at a
#: time for a split (about 65,000 rows of a usual log, as many as a Parquet log's row
#: group; see :func:`plain_blocks`).
BLOCK = 1 << 22
_BOM = b"\xef\xbb\xbf"
_DICT = pa.dictionary(pa.int32(), pa.string())


class NotPlain(ValueError):
    """pyarrow refused a file the checks took as plain (a row of another width, a text
    that is not UTF-8), or counted its rows otherwise than its lines: the line reader
    reads it."""


@dataclass(frozen=True)
class PlainCsv:
    """A plain CSV file: its header's fields, the column (``c0``, ``c1``, …) of each
    of the log's columns there, and its lines (the last one with or without its line
    end)."""

    header: list[str]
    names: dict[str, str]
    lines: int

    @property
    def rows(self) -> int:
        """The rows below the header."""
        return self.lines - 1


def line_limit() -> int:
    """The longest line of a plain file, in bytes: what a field may be (the csv
    module's limit, :func:`csv.field_size_limit`), and so what a row may be."""
    return min(MAX_ROW, csv.field_size_limit())


class Scan:
    """The checks of a plain file (see the module's text), told its bytes a block at a
    time (:meth:`feed`); :meth:`result` says what the file is. A block's checks are a
    few passes of C over it: a search for each byte refused, a count of its line ends,
    one of its line ends every ``limit`` bytes."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = line_limit() if limit is None else limit
        self.plain = True
        self.size = 0
        self.newlines = 0
        self.bom = False
        #: the file's first bytes until its header's line end (at most a line's)
        self.head: bytes | None = b""
        #: bytes of the line the last block ended in (the byte-order mark not counted)
        self.run = 0
        self.last = 0  # the last byte told
        self.decoder: Any = None  # checks every byte's UTF-8 when a column is unread

    def feed(self, block: bytes) -> None:
        """The file's next bytes (any number, none too)."""
        if not self.plain or not block:
            return
        if b'"' in block or b"\r" in block or b"\x00" in block:
            self.plain = False
            return
        if self.head is not None and not self._header(block):
            return
        if self.decoder is not None:
            pending = self.decoder.getstate()[0]
            if pending or not block.isascii():
                try:
                    self.decoder.decode(block)
                except UnicodeDecodeError:
                    self.plain = False
                    return
        self.newlines += block.count(b"\n")
        self.plain = self._short(block)
        self.size += len(block)
        self.last = block[-1]

    def _header(self, block: bytes) -> bool:
        """Take the header from the file's first bytes (with ``block``); False if the
        file is not plain."""
        before = self.head or b""  # every byte told so far
        head = before + block
        if len(before) < 3 and head.startswith(_BOM[: len(head)]):
            if len(head) < 3:
                self.head = head
                return True
            self.bom = True
            self.run -= 3  # (the mark is counted with the first line's bytes)
        start = 3 if self.bom else 0
        end = head.find(b"\n", start)
        if end < 0:
            self.head = head
            return True
        self.head = head[start:end]
        if not self._columns():
            return False
        if self.decoder is not None:
            self.decoder.decode(before)  # (the header's bytes: UTF-8, checked)
        return True

    def _columns(self) -> bool:
        """Whether the header (:attr:`head`) is one of a plain file; whether every byte
        must be checked as UTF-8 (a column unread)."""
        try:
            header = (self.head or b"").decode("utf-8").split(",")
        except UnicodeDecodeError:
            self.plain = False
            return False
        names = csv_names(header)
        if names is None:
            self.plain = False
            return False
        self.header, self.names = header, names
        self.head = None
        if len(names) < len(header):
            self.decoder = codecs.getincrementaldecoder("utf-8")("strict")
        return True

    def _short(self, block: bytes) -> bool:
        """Whether no line ending in ``block`` (or running on from it) is longer than
        the limit; keeps the bytes of the line it ends in."""
        limit = self.limit
        nl = block.find(b"\n")
        if nl < 0:
            self.run += len(block)
            return self.run <= limit
        if self.run + nl > limit:
            return False
        pos, size = nl + 1, len(block)
        while pos + limit < size:
            nl = block.rfind(b"\n", pos, pos + limit + 1)
            if nl < 0:
                return False
            pos = nl + 1
        self.run = size - block.rfind(b"\n") - 1
        return True

    def result(self) -> PlainCsv | None:
        """The file told, if plain; None otherwise."""
        if not self.plain or self.size <= 3 * self.bom:
            return None
        if self.head is not None:  # a header without a line end: the whole file
            self.head = self.head[3:] if self.bom else self.head
            if not self._columns():
                return None
        if self.decoder is not None:
            try:
                self.decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                return None
        lines = self.newlines + (self.last != 10)
        return PlainCsv(self.header, self.names, lines)


def plain_csv(path: Path, block: int | None = None) -> PlainCsv | None:
    """What a CSV file is, if plain (see the module's text), read ``block`` bytes at a
    time (:data:`BLOCK`); None if not, or if it cannot be read."""
    block = BLOCK if block is None else block
    scan = Scan()
    try:
        with open(path, "rb") as f:
            while scan.plain and (data := f.read(block)):
                scan.feed(data)
    except OSError:
        return None
    return scan.result()


def csv_names(header: list[str]) -> dict[str, str] | None:
    """The column (``c0``, ``c1``, …) of each of the log's columns in a header; None if
    a required one is missing, or one is named twice (the line reader refuses the log:
    :func:`~.reader.repeated_column`).

    Examples:
        >>> csv_names(["办件编号", "事项编码", "x", "环节编码", "时间"])
        {'case_id': 'c0', 'power_id': 'c1', 'step_id': 'c3', 'timestamp': 'c4'}
        >>> csv_names(["case_id", "power_id", "step_id", "timestamp", "环节编码"]) is None
        True
    """
    names = [column_name(h.strip()) for h in header]
    if any(c not in names for c in REQUIRED) or repeated_column(header) is not None:
        return None
    return {c: f"c{names.index(c)}" for c in COLUMNS if c in names}


def encodable(text: str) -> bool:
    """Whether ``text`` is UTF-8 (not a name of bytes escaped as surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _options(plain: PlainCsv) -> dict[str, Any]:
    """pyarrow's options for the log's columns of a plain file: the header skipped, the
    timestamp a text, every other column a dictionary (each text once), an empty field
    empty (not null)."""
    read = pcsv.ReadOptions(column_names=[f"c{i}" for i in range(len(plain.header))], skip_rows=1)
    return {
        "read_options": read,
        "parse_options": pcsv.ParseOptions(quote_char=False, newlines_in_values=False),
        "convert_options": pcsv.ConvertOptions(
            column_types={
                n: pa.string() if c == "timestamp" else _DICT for c, n in plain.names.items()
            },
            include_columns=list(plain.names.values()),
            strings_can_be_null=False,
        ),
    }


def _read(source: Any, options: dict[str, Any]) -> Any:
    """pyarrow's reading of CSV text (a file, or a buffer of whole lines)."""
    try:
        return pcsv.read_csv(source, **options)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as err:
        raise NotPlain(str(err)) from err


def read_plain(path: Path, plain: PlainCsv) -> Any:
    """The log's columns of a plain file (named ``c0``, ``c1``, … as in its header), one
    dictionary a column.

    Raises:
        NotPlain: pyarrow refused the file, or read a number of rows that tells of a
            line it skipped.
    """
    with _opened(path) as source:
        table = _read(source, _options(plain))
    if table.num_rows != plain.rows:
        raise NotPlain(f"{table.num_rows} rows read of {plain.rows}")
    return table.unify_dictionaries()


def plain_blocks(path: Path, plain: PlainCsv, block: int | None = None) -> Iterator[Any]:
    """The log's columns of a plain file a block of about ``block`` bytes (whole lines;
    :data:`BLOCK`) at a time, each read by pyarrow as :func:`read_plain` reads the
    whole file, as tables whose columns bear the log's names (in the order of
    :data:`~.reader.COLUMNS`), each text column a dictionary of its block's texts, as a
    Parquet file's row groups are read for a split (:mod:`.shares`).

    The blocks are cut here, not by pyarrow's streaming reader (``open_csv``), which
    reads up to 32 blocks ahead of what is asked of it: through a 10,324,144-row file
    (659 MB) in blocks of 4 MiB, 158 MB of pyarrow's memory at most and a peak of 206
    MiB over the process's start, against 7 MB and 67 MiB so (5.8 against 5.9 s CPU).
    A plain file's line ends are its rows' ends: a block ends after the last one in it.

    Raises:
        NotPlain: as :func:`read_plain` (when the block that tells it is read).
    """
    block = BLOCK if block is None else block
    present = [c for c in COLUMNS if c in plain.names]
    columns = [plain.names[c] for c in present]
    options = _options(plain)
    read = options["read_options"]
    read.skip_rows = 0
    rows = 0
    with open(path, "rb") as f:
        f.readline()  # the header (a line no longer than the limit)
        rest = b""
        while True:
            more = f.read(block)
            data = rest + more
            cut = data.rfind(b"\n") + 1 if more else len(data)
            rest = data[cut:]
            if cut:
                read.block_size = cut + 1  # one block: a dictionary a column
                table = _read(pa.py_buffer(memoryview(data)[:cut]), options)
                rows += table.num_rows
                yield table.select(columns).rename_columns(present)
            if not more:
                break
    if rows != plain.rows:
        raise NotPlain(f"{rows} rows read of {plain.rows}")


@contextmanager
def _opened(path: Path) -> Iterator[Any]:
    """A file for pyarrow: its path (pyarrow opens UTF-8 paths only), else the file
    opened here."""
    if encodable(str(path)):
        yield str(path)
        return
    with open(path, "rb") as f:
        yield f
