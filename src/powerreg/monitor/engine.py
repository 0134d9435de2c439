"""The monitor on a Dask cluster (extra ``scale``): a Parquet log's cases shared out
among Dask tasks, each share read and replayed in bulk on a worker by the very code of
one process, the shares gathered in the single process's order and form.

The replay is independent per case, so the log partitions by case (:mod:`.shares`: a
case's share is a hash of its id). Each task reads the Parquet files itself (every
worker sees them, as every worker of a cluster sees its data) a row group at a time,
keeps the rows of the cases of its share (:func:`~.shares.rows_of`) and replays them as
the single process replays a log (:func:`~.sharereplay.replay_share`). What comes back
is compact (:class:`~.sharereplay.Share`): the replay's arrays, not a record per case;
the client gathers the shares (:func:`~.sharereplay.gathered`) and makes the records
when they are first asked for, as :func:`~.run.monitor` makes its records then:
:func:`monitor_dask` gives what :func:`~.run.monitor` gives.

Each task reads every file (its share's rows are everywhere): the Parquet reading is
repeated once a task, and the charts a share needs are compiled by each. With one task
a worker, the speed-up over one process is measured by ``benchmarks/bench_scale.py``.

Without a scheduler address a :class:`distributed.LocalCluster` is started on
127.0.0.1, one worker process per core, one thread each, no dashboard, and closed at
the end (:func:`local_cluster`); with one, the existing cluster is used (and left
running). The registry goes to the workers once a run (``scatter(..., broadcast=True)``,
not hashed: Dask's tokenizing of a registry costs more than sending it); there is one
task per worker unless ``partitions`` says otherwise.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from ..collector import FREEZE_AT, gc_paused
from ..errors import UsageError
from ..lang import Lang
from ..machine import core_count
from ..model import Registry
from ..reference import load_reference
from .calendar import WorkCalendar, china_calendar
from .columnar import file_name, is_parquet, open_parquet, parquet_files
from .reader import RowIndex
from .result import MonitorResult
from .sharereplay import Share, gathered, replay_share
from .shares import rows_of


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
        result = gathered(shares, names, root.name, registry, as_of, lang)
        if result.rows >= FREEZE_AT:
            gc.freeze()  # as monitor() does: a big result lives on while it is shown
    return result


#: How long a client tries to reach a cluster's scheduler before saying it cannot.
CONNECT_TIMEOUT = "10s"


@contextmanager
def _client(scheduler: str | None) -> Iterator[Any]:
    """A client of the cluster at ``scheduler``, or of a local cluster closed after."""
    if scheduler is None:
        with local_cluster() as client:
            yield client
        return
    Client = _distributed().Client
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT)
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
    worker."""
    registry, cal = shared
    with gc_paused():
        read = [(i, *rows_of(Path(p), share, shares)) for i, p in enumerate(paths)]
        return replay_share(read, names, source, registry, cal, as_of, _index(registry))


_INDEXES: dict[int, RowIndex] = {}


def _index(registry: Registry) -> RowIndex:
    """The registry's row index, built once per worker process."""
    got = _INDEXES.get(id(registry))
    if got is None:
        _INDEXES.clear()
        got = _INDEXES[id(registry)] = RowIndex(registry)
    return got
