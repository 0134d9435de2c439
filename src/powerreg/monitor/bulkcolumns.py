"""The columns of a case log file, read in bulk (extra ``scale``: pyarrow and numpy):
what :mod:`.bulk` checks and groups.

A CSV file is read whole by pyarrow's CSV reader, each id column dictionary-encoded (its
texts once, each row a number), only when the line reader (:mod:`.events`) would read
it the same way (a *plain* file, :mod:`.plaincsv`: no quote, carriage return or NUL
anywhere, UTF-8, no blank line, every row as wide as the header, no line longer than a
field may be; checked a block of the file at a time). A Parquet file is taken
when its log columns are text (the timestamp text or a naive Arrow timestamp in
microseconds) and no text is over the size limit. Otherwise these return None, and the
log is read row by row.

Timestamps of the usual form (``2011-10-08 09:30:00``, or with ``T``) are parsed on
arrays of their bytes; any other is parsed by Python as the row reader parses it.

Examples:
    >>> from pathlib import Path
    >>> name, columns = csv_columns(Path("examples/cases/cases.csv"))[0]
    >>> name, columns.n, columns.texts["step_id"][:3], bool(columns.timed.all())
    ('cases.csv', 55, ['', 'S3', 'S4'], True)
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .caseevents import DAY_US, pack_time
from .columnar import file_name, parquet_files
from .events import source_name
from .plaincsv import NotPlain, PlainCsv, plain_csv, read_plain
from .reader import COLUMNS, REQUIRED, parse_time
from .rows import MAX_FIELD

#: numbers of rows: 64 bits (times), 32 where they fit (ids, lines)
Ints = npt.NDArray[np.signedinteger[Any]]
Bools = npt.NDArray[np.bool_]

#: microseconds from 0001-01-01 to 1970-01-01 (what :func:`pack_time` counts from)
_UNIX = pack_time(datetime(1970, 1, 1))


class Columns:
    """The columns of one file as numbers: each id column's codes into its texts
    (stripped), the packed times and whether they parsed, and the raw stamps.

    ``lines``: each row's row in its file (from 1), when the table holds some of a
    file's rows only (a share of its cases, :mod:`.engine`); None: all, in order.
    """

    def __init__(
        self, table: Any, names: dict[str, str], seq0: int, lines: Ints | None = None
    ) -> None:
        n = table.num_rows
        self.n = n
        self.seq0 = seq0
        self.lines = lines
        self.texts: dict[str, list[str]] = {}
        self.codes: dict[str, Ints] = {}
        for c in ("case_id", "power_id", "step_id", "flowchart_id", "actor", "note"):
            name = names.get(c)
            if name is None:
                self.texts[c], self.codes[c] = [""], np.zeros(n, np.int32)
            else:
                self.texts[c], self.codes[c] = _coded(table.column(name))
        self.stamps = table.column(names["timestamp"])
        self.time, self.timed = _times(self.stamps)


def _coded(column: Any) -> tuple[list[str], Ints]:
    """A text column as stripped texts and each row's number among them (a null, an
    empty field: ``""``)."""
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_null(column.type):  # a column of nulls only: every field empty
        return [""], np.zeros(len(column), np.int32)
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(column)
    values = column.dictionary
    raw = values.to_pylist()
    indices = column.indices
    if not values.null_count and not _padded(values):
        # texts as they are, each once (a dictionary's): number i + 1, and 0 for a null
        if indices.null_count:
            indices = indices.fill_null(-1)
        return ["", *raw], np.add(indices.to_numpy(zero_copy_only=False), 1, dtype=np.int32)
    idx = indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32)
    texts: list[str] = [""]
    number: dict[str, int] = {"": 0}
    remap = np.empty(len(raw) + 1, np.int32)
    for i, v in enumerate(raw):
        t = v.strip() if v else ""
        k = number.get(t)
        if k is None:
            k = number[t] = len(texts)
            texts.append(t)
        remap[i] = k
    remap[len(raw)] = 0  # a null, at -1
    return texts, remap[idx]


def _padded(texts: Any) -> bool:
    """Whether any of ``texts`` (an Arrow array of them, no null) is empty or begins or
    ends with what :meth:`str.strip` strips; looked at on the array, each text's first
    and last characters once.

    Examples:
        >>> _padded(pa.array(["A1", "中文"])), _padded(pa.array(["A1", "x\u3000"]))
        (False, True)
        >>> _padded(pa.array(["A1", ""])), _padded(pa.array([], pa.string()))
        (True, False)
    """
    if not len(texts):
        return False
    if pc.min(pc.binary_length(texts)).as_py() == 0:
        return True
    ends = pa.chunked_array(
        [pc.utf8_slice_codeunits(texts, 0, 1), pc.utf8_slice_codeunits(texts, -1)]
    )
    return any(c.isspace() for c in pc.unique(ends).to_pylist())


def _times(column: Any) -> tuple[Ints, Bools]:
    """Packed times of a timestamp column and whether each one parsed; a stamp not of
    the form ``YYYY-MM-DD HH:MM:SS`` is parsed by Python as the row reader parses it."""
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    n = len(column)
    if pa.types.is_null(column.type):
        return np.zeros(n, np.int64), np.zeros(n, bool)
    if pa.types.is_timestamp(column.type):
        # a naive Arrow timestamp in microseconds (checked by the caller)
        us = column.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)
        return us.astype(np.int64) + _UNIX, np.asarray(column.is_valid(), dtype=bool)
    out = np.zeros(n, np.int64)
    ok = np.zeros(n, bool)
    lengths = pc.binary_length(column).fill_null(0).to_numpy(zero_copy_only=False)
    fixed = lengths == 19
    if fixed.any():
        sel = np.flatnonzero(fixed)
        chosen = column if fixed.all() else column.take(pa.array(sel))
        raw = chosen.cast(pa.binary(19))
        buf = np.frombuffer(raw.buffers()[1], np.uint8)
        buf = buf[raw.offset * 19 : (raw.offset + len(raw)) * 19].reshape(-1, 19)
        # a block at a time: the arithmetic's arrays stay small (a few MB, not 200)
        for a in range(0, len(sel), _BLOCK):
            t, good = _iso19(buf[a : a + _BLOCK])
            out[sel[a : a + _BLOCK]], ok[sel[a : a + _BLOCK]] = t, good
    rest = np.flatnonzero(~ok)
    if len(rest):
        values = column.take(pa.array(rest)).to_pylist()
        for i, v in zip(rest.tolist(), values, strict=True):
            packed = _py_time(v.strip() if v else "")
            if packed is not None:
                out[i], ok[i] = packed, True
    return out, ok


_DIGITS = np.array([0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18])
#: timestamps parsed at a time
_BLOCK = 1 << 16
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _iso19(buf: npt.NDArray[np.uint8]) -> tuple[Ints, Bools]:
    """``YYYY-MM-DD HH:MM:SS`` (or ``T`` between) as packed times, and which parsed;
    the others are left to Python."""
    c = buf[:, _DIGITS] - np.uint8(48)  # a byte that is not a digit wraps past 9
    good = (c <= 9).all(axis=1)
    good &= (buf[:, 4] == 45) & (buf[:, 7] == 45) & (buf[:, 13] == 58) & (buf[:, 16] == 58)
    good &= (buf[:, 10] == 32) | (buf[:, 10] == 84)
    pairs = c[:, 0::2] * np.uint8(10) + c[:, 1::2]  # two digits each: at most 99
    century, year, m, day, hh, mm, ss = (pairs[:, i].astype(np.int64) for i in range(7))
    y = century * 100 + year
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    mdays = _MONTH_DAYS[np.clip(m, 0, 12)] + ((m == 2) & leap)
    good &= (y >= 1) & (m >= 1) & (m <= 12) & (day >= 1) & (day <= mdays)
    good &= (hh < 24) & (mm < 60) & (ss < 60)
    # days from 0001-01-01 (Howard Hinnant's days_from_civil, shifted)
    yy = y - (m <= 2)
    era = yy // 400
    yoe = yy - era * 400
    doy = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days = era * 146097 + doe - 719468 + 719162  # 1970-01-01 is day 719162
    t = days * DAY_US + ((hh * 60 + mm) * 60 + ss) * 1_000_000
    return np.where(good, t, 0), good


def _py_time(stamp: str) -> int | None:
    """A stamp as :meth:`~.reader.RowReader.add` reads it, packed; None if it cannot."""

    if not stamp:
        return None
    try:
        return pack_time(parse_time(stamp))
    except ValueError:
        return None


# ------------------------------------------------------------------ files


def _takes(schema: Any) -> bool:
    """Whether a Parquet file's or a table's log columns are ones the bulk reading
    takes: the required ones there, each name once, each column text (or a dictionary of
    texts), the timestamp text or a naive Arrow timestamp in microseconds."""
    present = [c for c in COLUMNS if c in schema.names]
    if any(c not in present for c in REQUIRED) or len(set(schema.names)) != len(schema.names):
        return False
    for c in present:
        t = schema.field(c).type
        if c == "timestamp" and pa.types.is_timestamp(t):
            if t.unit != "us" or t.tz is not None:
                return False
        elif pa.types.is_dictionary(t) and c != "timestamp":
            if not _text_type(t.value_type):
                return False
        elif not (_text_type(t) or pa.types.is_null(t)):
            return False
    return True


def _text_type(t: Any) -> bool:
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t))


def table_columns(table: Any, seq0: int = 0, lines: Ints | None = None) -> Columns | None:
    """The columns of a table of a log's rows (some or all of a file's; ``lines``: see
    :class:`Columns`), if the bulk reading takes them (see :func:`_takes`) and no text is
    over the size limit; None otherwise."""
    if not _takes(table.schema):
        return None
    present = [c for c in COLUMNS if c in table.schema.names]
    table = table.select(present)
    if any(pa.types.is_dictionary(f.type) for f in table.schema):
        table = table.unify_dictionaries()  # one dictionary a column: chunks join
    for c in present:
        col = table.column(c)
        if pa.types.is_dictionary(col.type):
            # every chunk holds the one dictionary now
            col = col.chunk(0).dictionary if col.num_chunks else pa.array([], pa.string())
        elif not _text_type(col.type):
            continue
        longest = pc.max(pc.utf8_length(col)).as_py()
        if longest is not None and longest > MAX_FIELD:
            return None
    return Columns(table, {c: c for c in present}, seq0, lines)


def _parquet_columns(path: Path, seq0: int) -> Columns | None:
    """The log's columns of one Parquet file, if :func:`table_columns` takes them."""
    try:
        f = pq.ParquetFile(path)
    except Exception:
        return None
    with f:
        schema = f.schema_arrow
        if not _takes(schema) or any(pa.types.is_dictionary(t) for t in schema.types):
            return None  # (a file's dictionary columns: read row by row, as ever)
        present = [c for c in COLUMNS if c in schema.names]
        # the ids as the file keeps them, a dictionary of each row group's texts: each
        # text made once, not once a row (then hashed again to number it)
        ids = [c for c in present if c != "timestamp" and _text_type(schema.field(c).type)]
    try:
        f = pq.ParquetFile(path, read_dictionary=ids)
    except Exception:
        return None
    with f:
        table = f.read(columns=present)
    return table_columns(table, seq0)


def csv_columns(path: Path, plain: PlainCsv | None = None) -> list[tuple[str, Columns]] | None:
    """The columns of a CSV log, as one file named as reports name it; None if the
    line reader alone reads it exactly (see :mod:`.plaincsv`). ``plain``: the file's
    checks, made already (:func:`~.plaincsv.plain_csv`)."""
    if not path.is_file():
        return None
    plain = plain_csv(path) if plain is None else plain
    if plain is None:
        return None
    try:
        table = read_plain(path, plain)
    except NotPlain:
        return None
    return [(source_name(path), Columns(table, plain.names, 0))]


def parquet_log_columns(root: Path) -> list[tuple[str, Columns]] | None:
    """The columns of each Parquet file of a log (a file, or a directory of files), each
    named as reports name it; None if any of them is read row by row."""
    try:
        paths = parquet_files(root)
    except Exception:  # the row-by-row reading says what is wrong
        return None
    files = []
    seq = 0
    for p in paths:
        got = _parquet_columns(p, seq)
        if got is None:
            return None
        files.append((file_name(root, p), got))
        seq += got.n
    return files
