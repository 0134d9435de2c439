"""The monitor on a Dask cluster (extra ``scale``): a Parquet log shuffled by case on
Dask, each share of the cases replayed in bulk on a worker by the very code of one
process, the shares gathered in the single process's order and form.

The replay is independent per case, so the log partitions by case (:mod:`.shares`: a
case's share is a hash of its id). Reading tasks each read a run of a file's row groups
(about :data:`READ_ROWS` rows; every worker sees the files, as every worker of a cluster
sees its data) and split their rows by share (:func:`~.shares.split_groups`); one task
a share takes its piece of every reading (Dask moves the pieces between the workers),
joins them (:func:`~.shares.joined`) and replays them as the single process replays a
log (:func:`~.sharereplay.replay_share`). What a share gives back is compact
(:class:`~.sharereplay.Share`): the replay's arrays, not a record per case. A worker
that can write to the client's spill directory (one on the client's machine) writes
them there and sends back where; any other sends them through Dask. The client gathers
the shares (:func:`~.sharereplay.gathered`) and makes the records when they are first
asked for, as :func:`~.run.monitor` makes its records then: :func:`monitor_dask` gives
what :func:`~.run.monitor` gives.

There are as many shares as workers, or a multiple of them of at most
:data:`TASK_ROWS` rows on average (:func:`share_count`), unless ``partitions`` says
otherwise. The speed-up over one process is measured by ``benchmarks/bench_scale.py``.

Without a scheduler address a :class:`distributed.LocalCluster` is started on
127.0.0.1, one worker process per core, one thread each, no dashboard, and closed at
the end (:func:`local_cluster`); with one, the existing cluster is used (and left
running). The registry goes to the workers once a run (``scatter(..., broadcast=True)``,
not hashed: Dask's tokenizing of a registry costs more than sending it).
"""

from __future__ import annotations

import dataclasses
import gc
import operator
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
from .columnar import file_name, is_parquet, parquet_files
from .reader import RowIndex
from .result import MonitorResult
from .sharded import SHARE_ROWS, SpillDirectory
from .sharereplay import Share, Spilled, gathered, replay_share
from .shares import group_rows, joined, split_groups


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
    ``partitions``: how many shares of the cases, one task each (default:
    :func:`share_count`'s).

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
        raise UsageError("monitor.dask_not_parquet", log=log)
    root = Path(log)
    files = parquet_files(root)
    # each file's row groups; not Parquet, or a required column missing: said here
    sizes = [group_rows(path) for path in files]
    names = [file_name(root, p) for p in files]
    spill = SpillDirectory("powerreg-dask-")
    with gc_paused():
        try:
            with _client(scheduler) as client:
                shares = _replay_on(
                    client, files, sizes, names, root.name, registry, cal, as_of, partitions, spill
                )
            result = gathered(shares, names, root.name, registry, as_of, lang)
        except BaseException:  # (a log of another registry's powers is refused here too)
            spill.remove()
            raise
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
        raise UsageError("monitor.dask_unreachable", scheduler=scheduler, reason=str(err)) from err
    with client:
        yield client


#: Dask settings of a local cluster: root tasks (the shuffle's readings) handed out one
#: at a time as workers free up (with two in flight a worker, one took six of ten
#: readings and the other waited for them); no statistical profiler in the workers (it
#: feeds the dashboard, which a local cluster has not, and sampled each worker's stack
#: every 10 ms: 0.33 CPU seconds in 6 s of an idle worker, 0.03 without); the
#: scheduler's and the nannies' event-loop tick, system and memory monitors less often
#: (the client's process, which runs them, spent 0.50 CPU seconds in 6 idle ones, 0.11).
SETTINGS = {
    "distributed.scheduler.worker-saturation": 1.0,
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
}


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
        dask.config.set({"distributed.nanny.pre-spawn-environ": environ, **SETTINGS}),
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
        raise UsageError("monitor.dask_missing") from err
    return distributed


#: Rows a reading task of the shuffle takes (whole row groups, of one file).
READ_ROWS = 1_000_000
#: Most rows a share replays at once, on average: a task replays a share in memory, as
#: one process replays up to four of its shares (:func:`~.sharded.shares_for`) at once.
#: Fewer shares cost less: each share takes a piece of every reading, most of them from
#: the other workers.
TASK_ROWS = 4 * SHARE_ROWS


def share_count(rows: int, workers: int, partitions: int | None = None) -> int:
    """How many shares of the cases a log of ``rows`` rows is replayed in on ``workers``
    workers: ``partitions`` if given, else as many as the workers, or a multiple of them
    of at most :data:`TASK_ROWS` rows on average.

    Examples:
        >>> share_count(1_000_000, 2), share_count(10_000_000, 2), share_count(10, 2, 5)
        (2, 6, 5)
    """
    if partitions:
        return max(1, partitions)
    workers = max(1, workers)
    return workers * max(1, -(-rows // (workers * TASK_ROWS)))


def _replay_on(
    client: Any,
    files: list[Path],
    sizes: list[list[int]],
    names: list[str],
    source: str,
    registry: Registry,
    cal: WorkCalendar,
    as_of: date | None,
    partitions: int | None,
    spill: SpillDirectory,
) -> list[Share]:
    """The log shuffled by case and each share replayed by a task of its own: reading
    tasks each split some row groups by share, one task a share joins its pieces and
    replays them (``sizes``: the rows of each file's row groups). A share comes back in
    a file of ``spill`` if its worker can write there (a worker of this machine), else
    through Dask."""
    workers = len(client.scheduler_info().get("workers", {})) or 1
    n = share_count(sum(map(sum, sizes)), workers, partitions)
    shared = client.scatter((registry, cal), broadcast=True, hash=False)
    reads = [
        (i, client.submit(split_groups, files[i], groups, offset, n, pure=False))
        for i, groups, offset in _readings(sizes)
    ]
    tasks = []
    for k in range(n):
        pieces = [(i, client.submit(operator.getitem, got, k, pure=False)) for i, got in reads]
        tasks.append(
            client.submit(
                _replay_pieces, k, pieces, names, source, shared, as_of, str(spill.path), pure=False
            )
        )
    del reads, pieces  # (held by the scheduler while a share still needs them)
    got: list[Share] = client.gather(tasks)
    for share in got:  # each share's file lives as long as the directory does
        if isinstance(share.cases, Spilled):
            share.cases = dataclasses.replace(share.cases, directory=spill)
    return got


def _readings(sizes: list[list[int]]) -> Iterator[tuple[int, range, int]]:
    """The reading tasks of the shuffle: the number of a file, a run of its row groups
    of about :data:`READ_ROWS` rows, and the rows of the file before the run."""
    for i, rows in enumerate(sizes):
        start, offset, taken = 0, 0, 0
        for g, size in enumerate(rows):
            taken += size
            if taken >= READ_ROWS or g == len(rows) - 1:
                yield i, range(start, g + 1), offset
                start, offset, taken = g + 1, offset + taken, 0


# ------------------------------------------------------------------ on a worker


def _replay_pieces(
    k: int,
    pieces: list[tuple[int, Any]],
    names: list[str],
    source: str,
    shared: tuple[Registry, WorkCalendar],
    as_of: date | None,
    spill: str,
) -> Share:
    """Join and replay one share's pieces (``None``: a reading had none of its rows), on
    a worker; the share's cases written to ``spill`` if this worker can write there,
    else sent back (a worker of another machine, or of another user, or a full disk)."""
    registry, cal = shared
    with gc_paused():
        read = joined((i, table) for i, table in pieces if table is not None)
        share = replay_share(read, names, source, registry, cal, as_of, _index(registry))
    try:
        return share.spilled(Path(spill) / f"share-{k}.pickle")
    except OSError:
        return share


_INDEXES: dict[int, RowIndex] = {}


def _index(registry: Registry) -> RowIndex:
    """The registry's row index, built once per worker process."""
    got = _INDEXES.get(id(registry))
    if got is None:
        _INDEXES.clear()
        got = _INDEXES[id(registry)] = RowIndex(registry)
    return got
