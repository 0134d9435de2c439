"""The monitor on a Dask cluster (extra ``scale``): a Parquet log shuffled by case, each
partition replayed on a worker by the ordinary replay (:func:`~.run.monitor`), the
results gathered in the single process's order and form.

The replay is independent per case, so the log partitions by case: every row of a case
lands in one partition (``shuffle("case_id")``), where the rows are put back in the
log's order (file, then row) and read by the same :class:`~.reader.RowReader` and
replayed by the same :func:`~.run.monitor` as in one process. The cases come back in the
order the log first names them, the rows left out in the order of the files and their
rows: :func:`monitor_dask` gives what :func:`~.run.monitor` gives.

Without a scheduler address a :class:`distributed.LocalCluster` is started on
127.0.0.1, one worker process per core, one thread each, no dashboard, and closed at
the end; with one, the existing cluster is used (and left running). The registry goes
to the workers once (``scatter(..., broadcast=True)``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import Problem, UsageError
from ..lang import Lang, default_lang
from ..machine import core_count
from ..model import Registry
from ..reference import load_reference
from .calendar import WorkCalendar, china_calendar
from .chartindex import ChartIndex
from .columnar import add_fields, file_name, is_parquet, open_parquet, parquet_files, texts
from .findings import CaseResult
from .reader import COLUMNS, RowIndex, RowReader
from .result import MonitorResult

#: What one partition gives back: cases with the (file, row) of the row that named each
#: first, the rows left out with their file's number, rows read, events after ``as_of``,
#: and the compiled charts.
Part = tuple[
    list[tuple[tuple[int, int], CaseResult]],
    list[tuple[int, Problem]],
    int,
    int,
    dict[tuple[str, str], ChartIndex],
]


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
    ``partitions``: how many the log is shuffled into (default: two per worker).

    Raises:
        UsageError: the log is not Parquet, cannot be read, or the scheduler cannot be
            reached.
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
    names = [file_name(root, p) for p in files]
    with _client(scheduler) as client:
        parts = _replay_on(client, files, names, registry, cal, as_of, partitions)
    cases: list[tuple[tuple[int, int], CaseResult]] = []
    problems: list[tuple[int, Problem]] = []
    charts: dict[tuple[str, str], ChartIndex] = {}
    rows = after = 0
    for got_cases, got_problems, n, late, got_charts in parts:
        cases += got_cases
        problems += got_problems
        rows += n
        after += late
        for key, chart in got_charts.items():
            charts.setdefault(key, chart)
    cases.sort(key=lambda c: c[0])
    problems.sort(key=lambda p: (p[0], p[1].line))
    return MonitorResult(
        registry=registry,
        source=root.name,
        cases=[c for _, c in cases],
        problems=[p for _, p in problems],
        rows=rows,
        charts=charts,
        as_of=as_of,
        after_as_of=after,
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
    distributed = _distributed()
    n = workers or core_count()
    with (
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
    registry: Registry,
    cal: WorkCalendar,
    as_of: date | None,
    partitions: int | None,
) -> list[Part]:
    import dask.dataframe as dd
    import pandas as pd
    from dask.delayed import delayed

    meta = pd.DataFrame(
        {c: pd.Series(dtype=object) for c in COLUMNS}
        | {"_file": pd.Series(dtype="int64"), "_row": pd.Series(dtype="int64")}
    )
    pieces = []
    for i, path in enumerate(files):
        with open_parquet(path) as f:
            sizes = [f.metadata.row_group(g).num_rows for g in range(f.metadata.num_row_groups)]
        offset = 0
        for g, size in enumerate(sizes):
            pieces.append(delayed(_read_piece)(path, g, i, offset))
            offset += size
    if not pieces:
        return []
    frame = dd.from_delayed(pieces, meta=meta, verify_meta=False)
    workers = len(client.scheduler_info().get("workers", {})) or 1
    n = partitions or 2 * workers
    shuffled = frame.shuffle("case_id", npartitions=n)
    shared = client.scatter((registry, cal), broadcast=True)
    tasks = [delayed(_replay_part)(part, shared, as_of, names) for part in shuffled.to_delayed()]
    futures = client.compute(tasks)
    return list(client.gather(futures))


def _read_piece(path: Path, group: int, number: int, offset: int) -> Any:
    """One row group's rows as text, with the file's number and each row's in the file
    (from 1; the group's first row is ``offset + 1``)."""
    import pandas as pd

    with open_parquet(path) as f:
        present = [c for c in COLUMNS if c in f.schema_arrow.names]
        rows = texts(f.read_row_group(group, columns=present))
    frame = pd.DataFrame(rows, columns=list(COLUMNS), dtype=object)
    frame["_file"] = number
    frame["_row"] = range(offset + 1, offset + len(rows) + 1)
    return frame


def _replay_part(
    frame: Any, shared: tuple[Registry, WorkCalendar], as_of: date | None, names: list[str]
) -> Part:
    """Read and replay one partition's rows (all the rows of its cases), on a worker."""
    from .run import monitor

    registry, cal = shared
    frame = frame.sort_values(["_file", "_row"], kind="stable")
    reader_ = RowReader(registry, "", "row", calendar=cal, as_of=as_of, index=_index(registry))
    first: dict[str, tuple[int, int]] = {}
    known = reader_.known
    files: dict[str, int] = {}
    n = 0
    for values in frame.itertuples(index=False, name=None):
        number, row = values[-2], values[-1]
        reader_.log.source = names[number]
        files[names[number]] = number
        case = values[0]
        add_fields(reader_, row, values[:-2])
        if case not in first and case in known:
            first[case] = (number, row)
        n += 1
    log = reader_.finish(n)
    # rows left out in the order of the files, then rows, as read_parquet gives them (a
    # case's lost lines come in that order): finish() sorts them by row number alone
    log.problems.sort(key=lambda p: (files.get(p.file or "", 0), p.line))
    result = monitor(log, registry, as_of=as_of, calendar=cal)
    cases = [(first[c.case_id], c) for c in result.cases]
    problems = [(files.get(p.file or "", 0), p) for p in result.problems]
    return cases, problems, n, result.after_as_of, result.charts


_INDEXES: dict[int, RowIndex] = {}


def _index(registry: Registry) -> RowIndex:
    """The registry's row index, built once per worker process."""
    got = _INDEXES.get(id(registry))
    if got is None:
        _INDEXES.clear()
        got = _INDEXES[id(registry)] = RowIndex(registry)
    return got
