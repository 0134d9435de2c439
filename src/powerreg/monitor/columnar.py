"""Case logs in Parquet (extra ``scale``): a file, or a directory of files partitioned
the Hive way (``month=2011-10/part-0.parquet``), read through pyarrow a batch at a time.

Each row passes the checks every other format's rows pass (:class:`~.reader.RowReader`,
through :func:`~.events.add_mapping`), and a row left out is located by its file and its
row in that file (from 1). The files of a directory are read in the order of their
paths; columns other than the log's (a partition key such as ``month``) are ignored. A
``timestamp`` column may be text or an Arrow timestamp (naive: China time).

Only one batch of rows is held as text at a time (:data:`BATCH` rows); beyond it, the
reading holds what any format's does: every case's events, compactly (about 25 bytes an
event, :mod:`.caseevents`), until the replay ends.

Examples:
    >>> import powerreg, tempfile, os
    >>> from powerreg.monitor.simulate import synth_cases
    >>> reg = powerreg.load_reference()
    >>> d = tempfile.mkdtemp()
    >>> path = synth_cases(reg, 20, seed=1).write_parquet(os.path.join(d, "cases.parquet"))
    >>> log = read_parquet(path, reg)
    >>> len(log.cases), log.problems
    (20, [])
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from ..codes import phrase
from ..errors import UsageError
from ..model import Registry
from .calendar import WorkCalendar
from .events import add_mapping, field_text
from .reader import COLUMNS, OPTIONAL, REQUIRED, EventLog, RowIndex, RowReader

#: Rows read from a file at a time.
BATCH = 65_536

#: A row's fields as text, in the order of :data:`~.reader.COLUMNS`.
Fields = tuple[str, ...]


def is_parquet(source: Any) -> bool:
    """Whether ``source`` names a Parquet log: a ``.parquet`` / ``.pq`` file, or a
    directory (of Parquet files)."""
    if not isinstance(source, str | os.PathLike):
        return False
    path = Path(source)
    return path.suffix.lower() in (".parquet", ".pq") or path.is_dir()


def parquet_files(source: str | os.PathLike[str]) -> list[Path]:
    """The Parquet files of a log: the file itself, or the ``.parquet`` files under a
    directory in the order of their paths (those whose path under it has a part that
    begins with ``.`` or ``_``, such as ``_SUCCESS`` or ``.part-0.crc``, not looked at).

    A directory that holds case logs of another format (:data:`OTHER_LOGS`: CSV, JSON
    Lines) is refused, with Parquet files or without: read as a Parquet log, it would
    leave them unread without a word.

    Raises:
        UsageError: no such file, a directory without Parquet files, or one that holds
            logs of another format.
    """
    path = Path(source)
    if path.is_dir():
        files: list[Path] = []
        others: list[Path] = []
        for p in path.rglob("*"):
            suffix = p.suffix.lower()
            if suffix not in _PARQUET and suffix not in OTHER_LOGS:
                continue
            if any(part.startswith((".", "_")) for part in p.relative_to(path).parts):
                continue
            if p.is_file():
                (files if suffix in _PARQUET else others).append(p)
        if others:
            raise _mixed(path, sorted(files), sorted(others))
        if not files:
            raise UsageError("monitor.parquet_dir_empty", path=path)
        return sorted(files)
    if not path.exists():
        raise UsageError("monitor.log_missing", path=path)
    return [path]


_PARQUET = (".parquet", ".pq")
#: Suffixes of the case logs of other formats (:func:`~.events.read_log`'s), which a
#: directory of Parquet files may not hold.
OTHER_LOGS = (".csv", ".jsonl", ".ndjson", ".json")


def _mixed(root: Path, parquet: list[Path], others: list[Path]) -> UsageError:
    """The error of a directory that holds logs of another format than Parquet."""
    shown = [_shown(root, p) for p in others[:5]] + (["…"] if len(others) > 5 else [])
    n = len(others)
    kinds = (
        phrase("part.monitor_other_logs", n=n) if n > 1 else phrase("part.monitor_other_log", n=n)
    )
    if not parquet:
        return UsageError(
            "monitor.parquet_dir_others",
            path=root,
            others=kinds,
            files=", ".join(shown),
            first=_shown(root, others[0]),
        )
    m = len(parquet)
    return UsageError(
        "monitor.parquet_dir_mixed",
        path=root,
        parquet=(
            phrase("part.monitor_parquet_files", n=m)
            if m > 1
            else phrase("part.monitor_parquet_file", n=m)
        ),
        others=kinds,
        files=", ".join(shown),
    )


def _shown(root: Path, path: Path) -> str:
    """A file's path under ``root``, its bytes that are not UTF-8 shown as ``\\xff``."""
    text = path.relative_to(root).as_posix()
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def file_name(root: Path, path: Path) -> str:
    """A Parquet file as problems name it: its name, or its path under the directory."""
    if root.is_dir():
        return f"{root.name}/{path.relative_to(root).as_posix()}"
    return path.name


def _pq() -> Any:
    try:
        import pyarrow.parquet as pq
    except ImportError as err:  # pragma: no cover - the extra is installed by make
        raise UsageError("monitor.pyarrow_missing") from err
    return pq


def batches(path: Path, batch: int = BATCH) -> Iterator[list[Fields]]:
    """The rows of one Parquet file, as text, :data:`BATCH` at a time.

    Raises:
        UsageError: the file is not Parquet, or lacks a required column.
    """
    f = open_parquet(path)
    present = [c for c in COLUMNS if c in f.schema_arrow.names]
    with f:
        for b in f.iter_batches(batch_size=batch, columns=present):
            yield texts(b)


def open_parquet(path: Path, read_dictionary: list[str] | None = None) -> Any:
    """A ``pyarrow.parquet.ParquetFile`` with the log's required columns (those named
    in ``read_dictionary`` read as dictionaries).

    Raises:
        UsageError: the file is not Parquet, or lacks a required column.
    """
    pq = _pq()
    try:
        f = pq.ParquetFile(path, read_dictionary=read_dictionary)
    except Exception as err:  # pyarrow raises its own errors for a file that is not Parquet
        raise UsageError("monitor.not_parquet", name=path.name, reason=str(err)) from err
    lacking = [c for c in REQUIRED if c not in f.schema_arrow.names]
    if lacking:
        f.close()
        raise UsageError(
            "monitor.parquet_lacks",
            name=path.name,
            lacking=", ".join(lacking),
            required=", ".join(REQUIRED),
            optional=", ".join(OPTIONAL),
        )
    return f


def texts(table: Any) -> list[Fields]:
    """The rows of an Arrow table or record batch as text, in the order of
    :data:`~.reader.COLUMNS` (an absent column read as empty)."""
    names = set(table.schema.names)
    rows = len(table)
    cols = [table.column(c).to_pylist() if c in names else [None] * rows for c in COLUMNS]
    return [tuple(cell_text(v) for v in vals) for vals in zip(*cols, strict=True)]


def cell_text(value: Any) -> str:
    """A Parquet cell as the reader takes it: a text stripped, anything else (a null:
    blank) as :func:`~.events.field_text` writes it.

    Examples:
        >>> cell_text(" A1 "), cell_text(None), cell_text(7)
        ('A1', '', '7')
    """
    return value.strip() if type(value) is str else field_text(value)


def add_fields(reader_: RowReader, line: int, fields: Fields) -> None:
    """One row's text to the reader, with the checks of every format (M010, M011 too)."""
    add_mapping(reader_, line, dict(zip(COLUMNS, fields, strict=True)))


def read_parquet(
    source: str | os.PathLike[str],
    reg: Registry,
    *,
    calendar: WorkCalendar | None = None,
    as_of: date | None = None,
    index: RowIndex | None = None,
) -> EventLog:
    """Read a Parquet case log (a file, or a Hive-partitioned directory of files), a
    batch at a time; a row left out names its file and its row in that file.

    Raises:
        UsageError: no such file, not Parquet, or a required column is missing.
    """
    root = Path(source)
    files = parquet_files(root)
    reader_ = RowReader(reg, root.name, "row", calendar=calendar, as_of=as_of, index=index)
    n = 0
    order: dict[str, int] = {}
    for i, path in enumerate(files):
        reader_.log.source = file_name(root, path)
        order[reader_.log.source] = i
        line = 0
        for rows in batches(path):
            for fields in rows:
                line += 1
                add_fields(reader_, line, fields)
            n += len(rows)
    reader_.log.source = root.name
    log = reader_.finish(n)
    log.problems.sort(key=lambda p: (order.get(p.file or "", 0), p.line))
    return log
