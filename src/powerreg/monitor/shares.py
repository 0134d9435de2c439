"""A log's cases shared out by case (extra ``scale``): which share each row is in, some
of a Parquet log's row groups split by share, and a log (Parquet, or a plain CSV file
read a block at a time, :mod:`.plaincsv`) split into its shares' files.

The replay is independent per case, so a log partitions by case: a case's share is a
hash of its id (its text as the reader takes it, stripped; a null is blank), so every
row of a case, in any file, lands in one share, in every process, and the shares are
even. The Dask engine's tasks each read some of a Parquet log's row groups and split
their rows by share (:func:`split_groups`), and each share's pieces are joined where it
is replayed (:func:`joined`); one process replaying a big log a share at a time splits
it once into a file a share (:func:`split`, :func:`split_tables`, read back by
:func:`read_share`). Either way each row keeps its file and row (a CSV file's line).

Examples:
    The share of each case id (of the rows of a case column, null and blank alike):

    >>> import pyarrow as pa
    >>> ids = pa.chunked_array([["A1", " A1 ", None, "", "B2"], ["B2", "A1"]])
    >>> shares = share_of_rows(ids, 4).tolist()
    >>> shares[0] == shares[1] == shares[6], shares[2] == shares[3] == 0, shares[4] == shares[5]
    (True, True, True)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .bulkcolumns import Ints
from .columnar import cell_text, open_parquet
from .reader import COLUMNS

#: The rows of one file of a log in a share: the file's number, its rows' log columns
#: (an Arrow table), and each row's row in the file (from 1, increasing; a CSV file's
#: line).
FileRows = tuple[int, Any, Ints]

#: The column of a share's file (:func:`split`) that holds each row's row (or line) in
#: its file.
LINE = "__line"


def group_rows(path: Path) -> list[int]:
    """The rows of each row group of a Parquet file (from its metadata)."""
    with open_parquet(path) as f:
        meta = f.metadata
        return [meta.row_group(g).num_rows for g in range(meta.num_row_groups)]


def split_groups(path: Path, groups: range, offset: int, shares: int) -> list[Any]:
    """The rows of row groups ``groups`` of a Parquet file (the first one's first row
    the file's ``offset + 1``), share by share: a table a share, each row with its row
    in the file (:data:`LINE`), or ``None`` for a share with none of them. What a Dask
    task of the shuffle by case reads (:mod:`.engine`)."""
    import pyarrow as pa

    got: list[list[Any]] = [[] for _ in range(shares)]
    for table in _row_groups(path, groups):
        share = share_of_rows(table.column("case_id"), shares)
        for k, piece in _pieces(table, share, shares, offset):
            got[k].append(piece)
        offset += table.num_rows
    return [pa.concat_tables(pieces) if pieces else None for pieces in got]


def joined(pieces: Iterable[tuple[int, Any]]) -> list[FileRows]:
    """A share's pieces (the number of the log's file they hold rows of, and a table of
    them with :data:`LINE`), given in the order of each file's rows, as the share's rows
    file by file (see :data:`FileRows`), in the order the files first come."""
    import pyarrow as pa

    by_file: dict[int, list[Any]] = {}
    for i, table in pieces:
        by_file.setdefault(i, []).append(table)
    return [_file_rows(i, pa.concat_tables(tables)) for i, tables in by_file.items()]


def _file_rows(i: int, table: Any) -> FileRows:
    lines = table.column(LINE).to_numpy()
    return i, table.drop_columns([LINE]), lines


def _row_groups(path: Path, groups: Iterable[int] | None = None) -> Any:
    """The log columns of a Parquet file, a row group at a time (texts as dictionaries:
    each text made once a row group): each of ``groups``, or every one."""
    import pyarrow as pa

    with open_parquet(path) as f:
        schema = f.schema_arrow
        present = [c for c in COLUMNS if c in schema.names]
        coded = [
            c
            for c in present
            if c != "timestamp"
            and (
                pa.types.is_string(schema.field(c).type)
                or pa.types.is_large_string(schema.field(c).type)
            )
        ]
    with open_parquet(path, read_dictionary=coded) as f:
        for g in range(f.metadata.num_row_groups) if groups is None else groups:
            yield f.read_row_group(g, columns=present)


def split(files: list[Path], shares: int, into: Path) -> list[list[tuple[int, Path]]]:
    """Split a Parquet log's files into ``shares`` shares of its cases, in one reading
    of each file (a row group at a time; see :func:`split_tables`)."""
    return split_tables([(_row_groups(path), 0) for path in files], shares, into)


def split_tables(
    files: Iterable[tuple[Iterable[Any], int]], shares: int, into: Path
) -> list[list[tuple[int, Path]]]:
    """Split a log's files, each given as its rows' log columns a table at a time (and
    the lines before its first row: a CSV file's header, say), into ``shares`` shares
    of its cases: the rows of each file in each share go to a file of their own under
    ``into`` (an Arrow IPC stream, each row with its row or line in the file,
    :data:`LINE`). What comes back: each share's files, with the number of the log's
    file they hold rows of."""
    import pyarrow.ipc as ipc

    out: list[list[tuple[int, Path]]] = [[] for _ in range(shares)]
    for i, (tables, offset) in enumerate(files):
        writers: dict[int, Any] = {}
        try:
            for table in tables:
                share = share_of_rows(table.column("case_id"), shares)
                for k, piece in _pieces(table, share, shares, offset):
                    writer = writers.get(k)
                    if writer is None:
                        part = into / f"share-{k}-file-{i}.arrows"
                        writer = writers[k] = ipc.new_stream(part, piece.schema)
                        out[k].append((i, part))
                    writer.write_table(piece)
                offset += table.num_rows
        finally:
            for writer in writers.values():
                writer.close()
    return out


def _pieces(table: Any, share: Ints, shares: int, offset: int) -> Iterator[tuple[int, Any]]:
    """The rows of a table (a row group, its first row the file's ``offset + 1``) share
    by share, each share's in the order of the table, with their rows in the file
    (:data:`LINE`); each piece's dictionaries of more than a few texts hold the texts of
    its own rows (the table's hold all of its rows': a share's file would hold every
    share's case ids, and its reading number each of them).

    Examples:
        >>> import pyarrow as pa
        >>> ids = ["A", "B", None, "C", "B"] + [f"X{i}" for i in range(_FEW)]
        >>> table = pa.table({"case_id": pa.array(ids).dictionary_encode()})
        >>> share = np.array([1, 0, 0, 1, 0] + [2] * _FEW)
        >>> got = list(_pieces(table, share, 4, 10))
        >>> [(k, p.column("case_id").chunk(0).dictionary.to_pylist()[:3]) for k, p in got]
        [(0, ['B']), (1, ['A', 'C']), (2, ['X0', 'X1', 'X2'])]
        >>> [p.to_pydict() for _, p in got[:2]]  # doctest: +NORMALIZE_WHITESPACE
        [{'case_id': ['B', None, 'B'], '__line': [12, 13, 15]},
         {'case_id': ['A', 'C'], '__line': [11, 14]}]
    """
    import pyarrow as pa

    # a stable sort of small numbers: a radix sort
    order = np.argsort(share.astype(np.int32 if shares >> 15 else np.int16), kind="stable")
    of_row = share[order]
    bounds = np.searchsorted(of_row, np.arange(shares + 1)).tolist()
    grouped = table.take(pa.array(order)).append_column(LINE, pa.array(order + (offset + 1)))
    columns: list[Any] = []
    for column in grouped.columns:
        if (
            pa.types.is_dictionary(column.type)
            and column.type.index_type == pa.int32()
            and column.num_chunks == 1
            and len(column.chunk(0).dictionary) > _FEW
        ):
            columns.append(_dictionaries(column.chunk(0), of_row, shares, bounds))
        else:
            columns.append(
                [column.slice(bounds[k], bounds[k + 1] - bounds[k]) for k in range(shares)]
            )
    for k in range(shares):
        if bounds[k] < bounds[k + 1]:
            yield k, pa.table([c[k] for c in columns], schema=grouped.schema)


#: a dictionary of this many texts or fewer (powers, steps) goes whole with every share
_FEW = 1024


def _dictionaries(column: Any, of_row: Ints, shares: int, bounds: list[int]) -> list[Any]:
    """A dictionary column of rows grouped by share (``of_row``: each row's, ascending;
    ``bounds``: where each share's rows begin) as one column a share, each holding the
    texts of its own rows: each (share, text) numbered once, in one pass."""
    import pyarrow as pa

    indices = column.indices
    n, size = len(indices), len(column.dictionary) + 1  # a null: the last text's place
    raw = np.frombuffer(indices.buffers()[1], np.int32)[indices.offset : indices.offset + n]
    valid = None
    if indices.null_count:  # (a null's index may be anything)
        valid = indices.is_valid().to_numpy(zero_copy_only=False)
        raw = np.where(valid, raw, size - 1)
    key = of_row.astype(np.int64) * size + raw
    used = np.zeros(shares * size, bool)
    used[key] = True
    used[size - 1 :: size] = False  # the nulls' place: no text
    number = np.cumsum(used, dtype=np.int64) - 1
    texts = column.dictionary.take(pa.array(np.flatnonzero(used) % size))
    # each share's texts begin where the texts of the shares before it end
    first = np.concatenate(([0], number[np.arange(1, shares + 1) * size - 1] + 1)).tolist()
    codes = (number[key] - np.repeat(first[:-1], np.diff(bounds))).astype(np.int32)
    out = []
    for k in range(shares):
        a, b = bounds[k], bounds[k + 1]
        mask = None if valid is None else ~valid[a:b]
        out.append(
            pa.DictionaryArray.from_arrays(
                pa.array(codes[a:b], mask=mask), texts.slice(first[k], first[k + 1] - first[k])
            )
        )
    return out


def read_share(parts: list[tuple[int, Path]]) -> list[FileRows]:
    """The rows of a share written by :func:`split`, file by file (see :data:`FileRows`)."""
    import pyarrow.ipc as ipc

    read = []
    for i, part in parts:
        with ipc.open_stream(part) as stream:
            read.append(_file_rows(i, stream.read_all()))
    return read


def share_of_rows(column: Any, shares: int) -> Ints:
    """The share (``0 <= share < shares``) of each row of a case column (an Arrow array
    or chunked array of any type): a hash of the case's text as the reader takes it
    (stripped; a null is blank), the same in every process."""
    import pyarrow as pa
    import pyarrow.compute as pc

    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    out = [np.zeros(0, np.int64)]
    for chunk in chunks:
        if pa.types.is_null(chunk.type):
            out.append(np.zeros(len(chunk), np.int64))
            continue
        coded = chunk if pa.types.is_dictionary(chunk.type) else pc.dictionary_encode(chunk)
        of_value = np.append(_case_hashes(coded.dictionary) % np.uint64(shares), 0)
        indices = coded.indices
        if indices.null_count:  # (fill_null imports pandas: not unless needed)
            indices = indices.fill_null(-1)
        codes = indices.to_numpy(zero_copy_only=False)
        out.append(of_value[codes].astype(np.int64))
    return np.concatenate(out)


#: bytes a case id may begin or end with that Python's ``str.strip`` may take off: ASCII
#: white space, and the first and last bytes of any other character (some are spaces)
_SPACE = np.zeros(256, bool)
_SPACE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True
_SPACE[128:] = True


def _case_hashes(values: Any) -> Any:
    """A 64-bit hash of each value's text as the reader takes it (:func:`~.columnar.cell_text`:
    stripped, a null blank; any other type as its text), blank's 0."""
    import pyarrow as pa

    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return _hashes(pa.array([cell_text(v) for v in values.to_pylist()], pa.large_string()))[0]
    h, first, last = _hashes(values)
    odd = np.flatnonzero(_SPACE[first] | _SPACE[last])
    if len(odd):  # the few ids that may need stripping: as Python strips them
        stripped = [cell_text(v) for v in values.take(pa.array(odd)).to_pylist()]
        h[odd] = _hashes(pa.array(stripped, pa.large_string()))[0]
    return h


def _hashes(values: Any) -> tuple[Any, Any, Any]:
    """A 64-bit hash of each text of a string array (blank and null: 0), and the first
    and last byte of each (0 if blank): a polynomial over its bytes, mixed."""
    import pyarrow as pa

    values = values.cast(pa.large_string())
    n = len(values)
    _, offs_buf, data_buf = values.buffers()
    offs = np.frombuffer(offs_buf, np.int64)[values.offset : values.offset + n + 1]
    lens = np.diff(offs)
    if values.null_count:
        lens = np.where(np.asarray(values.is_valid()), lens, 0)
    h = np.zeros(n, np.uint64)
    first = np.zeros(n, np.uint8)
    last = np.zeros(n, np.uint8)
    full = np.flatnonzero(lens > 0)
    if len(full):
        data = np.frombuffer(data_buf, np.uint8)
        starts, size = offs[:-1][full], lens[full]
        begins = np.cumsum(size) - size
        # the bytes of the non-blank texts one after another, each one's place in its text
        at = np.arange(int(size.sum())) - np.repeat(begins, size)
        seg = data[np.repeat(starts, size) + at].astype(np.uint64)
        powers = np.ones(int(size.max()), np.uint64)
        powers[1:] = np.cumprod(np.full(len(powers) - 1, _P, np.uint64))  # (mod 2**64)
        h[full] = np.add.reduceat(seg * powers[at], begins)
        first[full] = data[starts]
        last[full] = data[starts + size - 1]
        h = h * _C1 + lens.astype(np.uint64) * _C2
        h ^= h >> np.uint64(31)
        h *= _C3
        h ^= h >> np.uint64(29)
    return h, first, last


_P = np.uint64(0x100000001B3)
_C1 = np.uint64(0x9E3779B97F4A7C15)
_C2 = np.uint64(0xBF58476D1CE4E5B9)
_C3 = np.uint64(0x94D049BB133111EB)
