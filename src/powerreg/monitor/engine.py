"""The monitor on a Dask cluster (extra ``scale``): a Parquet log's cases shared out
among Dask tasks, each share read and replayed in bulk on a worker by the very code of
one process (:mod:`.bulk`, :mod:`.bulkreplay`), the shares gathered in the single
process's order and form.

The replay is independent per case, so the log partitions by case. Each task reads the
Parquet files itself (every worker sees them, as every worker of a cluster sees its
data) a row group at a time, keeps the rows of the cases of its share — a case's share
is a hash of its id (its text as the reader takes it, stripped), so every row of a case,
in any file, lands in one share, and the shares are even — and reads those rows as the
single process reads a log: in bulk (:func:`~.bulk.read_bulk_tables`), each row keeping
its file and row, so every problem carries the very message and line it has in one
process; a share the bulk reading cannot take exactly (a column of another type, a very
long text) is read row by row (:class:`~.reader.RowReader`). What comes back is compact:
the replay's arrays (:class:`~.bulkreplay.BulkReplay`, pickled with its arrays as they
are and its charts by their ids), not a record per case; the client unpacks them and
makes the records when they are first asked for, as :func:`~.run.monitor` makes its
records then (a :class:`~.lazyresult.LazyResult`). The cases come back in the order the log
first names them (by the file and row of the row that made each a case), the rows left
out in the order of the files and their rows, a log mostly of other powers is refused
as a whole: :func:`monitor_dask` gives what :func:`~.run.monitor` gives.

Each task reads every file (its share's rows are everywhere): the Parquet reading is
repeated once a task, and the charts a share needs are compiled by each. With one task
a worker, the speed-up over one process is measured by ``benchmarks/bench_scale.py``.

Without a scheduler address a :class:`distributed.LocalCluster` is started on
127.0.0.1, one worker process per core, one thread each, no dashboard, and closed at
the end (:func:`local_cluster`); with one, the existing cluster is used (and left
running). The registry goes to the workers once a run (``scatter(..., broadcast=True)``,
not hashed: Dask's tokenizing of a registry costs more than sending it); there is one
task per worker unless ``partitions`` says otherwise.

Examples:
    The share of each case id (of the rows of a case column, null and blank alike):

    >>> import pyarrow as pa
    >>> ids = pa.chunked_array([["A1", " A1 ", None, "", "B2"], ["B2", "A1"]])
    >>> shares = share_of_rows(ids, 4).tolist()
    >>> shares[0] == shares[1] == shares[6], shares[2] == shares[3] == 0, shares[4] == shares[5]
    (True, True, True)
"""

from __future__ import annotations

import copyreg
import gc
import io
import operator
import os
import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from ..collector import FREEZE_AT, gc_paused
from ..errors import Problem, UsageError
from ..lang import Lang, default_lang
from ..machine import core_count
from ..model import Registry
from ..reference import load_reference
from .bulkcolumns import Ints
from .calendar import WorkCalendar, china_calendar
from .chartindex import ChartIndex, compiled
from .columnar import (
    add_fields,
    cell_text,
    file_name,
    is_parquet,
    open_parquet,
    parquet_files,
    texts,
)
from .findings import Alert, CaseResult, Deviation, incomplete
from .lazyresult import LazyResult
from .reader import COLUMNS, EventLog, RowIndex, RowReader, foreign_powers
from .result import MonitorResult

#: What a share sends back: a pickle and its out-of-band buffers (see :func:`_packed`).
Packed = tuple[bytes, list[Any]]

#: A case's place in the log as a number: its file's number, then its row in the file.
FILE_SHIFT = 40


def monitor_dask(
    log: str | os.PathLike[str],
    registry: Registry | None = None,
    *,
    as_of: date | None = None,
    calendar: WorkCalendar | None = None,
    lang: Lang | None = None,
    scheduler: str | None = None,
    partitions: int | None = None,
) -> MonitorResult:
    """:func:`~.run.monitor` of a Parquet log (file or Hive-partitioned directory) on a
    Dask cluster: the one at ``scheduler`` (``tcp://host:8786``), else a local one.
    ``partitions``: how many shares of the cases, one task each (default: one a worker).

    Raises:
        UsageError: the log is not Parquet, cannot be read, most of its rows name powers
            the registry lacks, or the scheduler cannot be reached.
    """
    if registry is None:
        registry = load_reference()
    cal = calendar or china_calendar()
    if as_of is not None:
        cal.check(as_of, "as_of")
    if not is_parquet(log):
        raise UsageError(
            f"the dask engine reads Parquet logs; '{log}' is not one (write one with "
            "powerreg synth-cases --format parquet, or convert the log with pyarrow)"
        )
    root = Path(log)
    files = parquet_files(root)
    for path in files:  # not Parquet, or a required column missing: said here, as ever
        open_parquet(path).close()
    names = [file_name(root, p) for p in files]
    with gc_paused():
        with _client(scheduler) as client:
            shares = _replay_on(client, files, names, root.name, registry, cal, as_of, partitions)
        result = _gathered(shares, names, root.name, registry, as_of, lang)
        if result.rows >= FREEZE_AT:
            gc.freeze()  # as monitor() does: a big result lives on while it is shown
    return result


@dataclass
class Share:
    """What one task gives back, packed (see :func:`_packed`): its cases replayed (in
    bulk, or as records), and its rows left out with the charts it compiled; each case's
    place in the log (:data:`FILE_SHIFT`), rows read, events replayed and events after
    ``as_of``. The cases are unpacked when their records are first asked for, as
    :func:`~.run.monitor` makes its records then."""

    cases: Packed
    found: Packed
    places: Ints
    rows: int
    events: int
    after: int

    def problems(
        self, registry: Registry, charts: dict[tuple[str, str], ChartIndex]
    ) -> list[Problem]:
        """The share's rows left out; the charts its cases were replayed on are put in
        ``charts`` (compiled from ``registry`` if not there yet)."""
        problems, _ = _unpacked(self.found, registry, charts)
        got: list[Problem] = problems
        return got

    def records(
        self, registry: Registry, charts: dict[tuple[str, str], ChartIndex]
    ) -> list[CaseResult]:
        """The records of the share's cases, in the order of their places."""
        replayed = _unpacked(self.cases, registry, charts)
        if isinstance(replayed, list):
            return replayed
        got: list[CaseResult] = replayed.cases()
        return got


#: the registry and the charts of the shares being unpacked (see :func:`_chart`)
_CHARTS: ContextVar[tuple[Registry, dict[tuple[str, str], ChartIndex]]] = ContextVar("charts")


def _chart(power_id: str, chart_id: str) -> ChartIndex:
    """A chart of a share being unpacked (:func:`_unpacked`): compiled once."""
    registry, charts = _CHARTS.get()
    return compiled(charts, registry, power_id, chart_id)


def _chart_by_ids(chart: ChartIndex) -> tuple[Any, tuple[str, str]]:
    """A chart pickled as its power's and its own id: it holds its power (and that the
    registry's objects), which every process has (see :func:`_chart`)."""
    return _chart, (chart.power_id, chart.id)


def _by_fields(cls: type[Any]) -> Any:
    """A reducer of a frozen dataclass with slots to its class and its fields' values:
    the dataclass's own way (a dict of its slots, set one by one) is several times
    slower, and a share holds a deviation for each case that left its chart."""
    values = operator.attrgetter(*(f.name for f in fields(cls)))
    return lambda obj: (cls, values(obj))


_BY_FIELDS: dict[type, Any] = {cls: _by_fields(cls) for cls in (Deviation, Alert, CaseResult)}


def _packed(obj: Any) -> Packed:
    """What a share sends back, as bytes and the buffers of its arrays (not copied: Dask
    sends them as they are): charts by their ids (:func:`_chart_by_ids`), findings by
    their fields (:func:`_by_fields`)."""
    out = io.BytesIO()
    buffers: list[pickle.PickleBuffer] = []
    pickler = pickle.Pickler(out, protocol=5, buffer_callback=buffers.append)
    pickler.dispatch_table = {**copyreg.dispatch_table, ChartIndex: _chart_by_ids, **_BY_FIELDS}
    pickler.dump(obj)
    # as arrays of bytes, which pickle under any protocol (Dask's own may be below 5)
    return out.getvalue(), [np.frombuffer(b.raw(), np.uint8) for b in buffers]


def _unpacked(packed: Packed, registry: Registry, charts: dict[tuple[str, str], ChartIndex]) -> Any:
    """What :func:`_packed` packed, its charts those of ``charts`` (compiled from
    ``registry`` if not there yet)."""
    token = _CHARTS.set((registry, charts))
    try:
        return pickle.loads(packed[0], buffers=packed[1])
    finally:
        _CHARTS.reset(token)


def _gathered(
    shares: list[Share],
    names: list[str],
    source: str,
    registry: Registry,
    as_of: date | None,
    lang: Lang | None,
) -> MonitorResult:
    """The shares as one result: cases in the order of their places, rows left out in
    the order of the files and their rows."""
    charts: dict[tuple[str, str], ChartIndex] = {}
    number = {name: i for i, name in enumerate(names)}
    problems = sorted(
        (p for s in shares for p in s.problems(registry, charts)),
        key=lambda p: (number.get(p.file or "", 0), p.line),
    )
    rows = sum(s.rows for s in shares)
    foreign_powers(EventLog(source, problems=problems, rows=rows), registry)
    places = [s.places for s in shares]
    order = np.argsort(np.concatenate(places), kind="stable") if places else np.zeros(0, int)

    def make() -> list[CaseResult]:
        every = [c for s in shares for c in s.records(registry, charts)]
        return incomplete([every[i] for i in order.tolist()], problems)

    return LazyResult(
        make,
        sum(s.events for s in shares),
        registry=registry,
        source=source,
        problems=problems,
        rows=rows,
        charts=charts,
        as_of=as_of,
        after_as_of=sum(s.after for s in shares),
        lang=lang or default_lang(),
    )


@contextmanager
def _client(scheduler: str | None) -> Iterator[Any]:
    """A client of the cluster at ``scheduler``, or of a local cluster closed after."""
    if scheduler is None:
        with local_cluster() as client:
            yield client
        return
    Client = _distributed().Client
    try:
        client = Client(scheduler, timeout="10s")
    except OSError as err:
        raise UsageError(f"cannot reach the Dask scheduler at {scheduler}: {err}") from err
    with client:
        yield client


@contextmanager
def local_cluster(workers: int | None = None, *, timeout: float = 60) -> Iterator[Any]:
    """A client of a :class:`distributed.LocalCluster` on 127.0.0.1 — ``workers`` worker
    processes (default: one a core this process may use), one thread each, no dashboard
    — once its workers are up; the cluster is closed at the end. The one way powerreg,
    its tests and its benchmarks start a local cluster (``client.scheduler.address`` is
    its address).
    """
    import dask

    distributed = _distributed()
    n = workers or core_count()
    # Dask's nannies set MALLOC_TRIM_THRESHOLD_ in their workers, which fixes glibc's
    # thresholds: every array of the replay then has fresh pages mapped and faulted in,
    # and a worker spent 1.4 CPU seconds on what takes 1.0 in a plain process
    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
    environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    with (
        dask.config.set({"distributed.nanny.pre-spawn-environ": environ}),
        distributed.LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            # no dashboard; its HTTP server on any free port rather than 8787
            dashboard_address="127.0.0.1:0",
            scheduler_kwargs={"dashboard": False},
            timeout=timeout,
        ) as cluster,
        distributed.Client(cluster, timeout=timeout) as client,
    ):
        client.wait_for_workers(n, timeout=timeout)
        yield client


def _distributed() -> Any:
    """The ``distributed`` package, or a usage error saying how to install it."""
    try:
        import distributed
    except ImportError as err:  # pragma: no cover - the extra is installed by make
        raise UsageError("the dask engine needs dask: pip install 'powerreg[scale]'") from err
    return distributed


def _replay_on(
    client: Any,
    files: list[Path],
    names: list[str],
    source: str,
    registry: Registry,
    cal: WorkCalendar,
    as_of: date | None,
    partitions: int | None,
) -> list[Share]:
    """Each share of the cases read and replayed by a task of its own."""
    workers = len(client.scheduler_info().get("workers", {})) or 1
    n = max(1, partitions or workers)
    shared = client.scatter((registry, cal), broadcast=True, hash=False)
    paths = [str(p) for p in files]
    futures = [
        client.submit(_replay_share, k, n, paths, names, source, shared, as_of, pure=False)
        for k in range(n)
    ]
    got: list[Share] = client.gather(futures)
    return got


# ------------------------------------------------------------------ on a worker


def _replay_share(
    share: int,
    shares: int,
    paths: list[str],
    names: list[str],
    source: str,
    shared: tuple[Registry, WorkCalendar],
    as_of: date | None,
) -> Share:
    """Read and replay the rows of one share of the cases (every row of each), on a
    worker: in bulk if it may, else row by row."""
    from .bulk import read_bulk_tables

    registry, cal = shared
    with gc_paused():
        read = [(i, *_rows_of(Path(p), share, shares)) for i, p in enumerate(paths)]
        read = [r for r in read if len(r[2])]
        index = _index(registry)
        tables = [(names[i], table, lines) for i, table, lines in read]
        blog = read_bulk_tables(
            tables, registry, source=source, calendar=cal, as_of=as_of, index=index
        )
        if blog is None:
            return _replay_rows(read, names, source, registry, cal, as_of, index)
        return _replay_bulk(blog, read, registry, cal, as_of)


def _replay_bulk(
    blog: Any,
    read: list[tuple[int, Any, Ints]],
    registry: Registry,
    cal: WorkCalendar,
    as_of: date | None,
) -> Share:
    """A share read in bulk, replayed in bulk."""
    from .bulkreplay import replay_bulk

    charts: dict[tuple[str, str], ChartIndex] = {}
    replayed, after = replay_bulk(blog, registry, as_of, cal, charts)
    first = blog.first_row[replayed.kept]
    fileno = np.concatenate([np.full(len(lines), i, np.int64) for i, _, lines in read])
    lines = np.concatenate([np.asarray(lines, np.int64) for _, _, lines in read])
    places = fileno[first] << FILE_SHIFT | lines[first]
    found = _packed((blog.problems, list(charts.values())))
    return Share(_packed(replayed), found, places, blog.rows, replayed.events, after)


def _replay_rows(
    read: list[tuple[int, Any, Ints]],
    names: list[str],
    source: str,
    registry: Registry,
    cal: WorkCalendar,
    as_of: date | None,
    index: RowIndex,
) -> Share:
    """A share read row by row, each case replayed as :func:`~.run.monitor` replays it."""
    from .run import replay_case

    reader_ = RowReader(registry, source, "row", calendar=cal, as_of=as_of, index=index)
    known = reader_.known
    first: dict[str, int] = {}
    n = 0
    for i, table, lines in read:
        reader_.log.source = names[i]
        for line, row in zip(lines.tolist(), texts(table), strict=True):
            add_fields(reader_, line, row)
            case = row[0]
            if case not in first and case in known:
                first[case] = i << FILE_SHIFT | line
        n += len(lines)
    reader_.log.source = source
    log = reader_.finish(n)
    charts: dict[tuple[str, str], ChartIndex] = {}
    cases: list[CaseResult] = []
    places: list[int] = []
    events = after = 0
    for case_id, stored in log.cases.items():
        got = replay_case(stored, registry, as_of=as_of, calendar=cal, charts=charts)
        kept = len(got.events) if got is not None else 0
        after += len(stored) - kept
        if got is not None:
            cases.append(got)
            places.append(first[case_id])
            events += kept
    found = _packed((log.problems, list(charts.values())))
    return Share(_packed(cases), found, np.array(places, np.int64), n, events, after)


def _rows_of(path: Path, share: int, shares: int) -> tuple[Any, Ints]:
    """The rows of a Parquet file whose case is in ``share``: their log columns (texts
    as dictionaries), and each one's row in the file (from 1)."""
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
    pieces = []
    rows = []
    offset = 0
    with open_parquet(path, read_dictionary=coded) as f:
        for g in range(f.metadata.num_row_groups):
            table = f.read_row_group(g, columns=present)
            mine = share_of_rows(table.column("case_id"), shares) == share
            pieces.append(table.filter(pa.array(mine)))
            rows.append(np.flatnonzero(mine) + (offset + 1))
            offset += table.num_rows
    if not pieces:
        return None, np.zeros(0, np.int64)
    return pa.concat_tables(pieces), np.concatenate(rows)


# ------------------------------------------------------------------ shares


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
        codes = coded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
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


_INDEXES: dict[int, RowIndex] = {}


def _index(registry: Registry) -> RowIndex:
    """The registry's row index, built once per worker process."""
    got = _INDEXES.get(id(registry))
    if got is None:
        _INDEXES.clear()
        got = _INDEXES[id(registry)] = RowIndex(registry)
    return got
