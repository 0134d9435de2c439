"""One member of a roll-up, processed whole in a worker process, and the pool that runs them.

:func:`run_member` loads one department's registry and does what the command asks of it —
audit it, export its catalog, publish its site, or run its own ``powerreg build`` — then
returns a :class:`MemberOutcome`: counts, the compact summary the cross-department rules
need (:mod:`.summary`), its problems or findings with the member's path and id in front
(:func:`prefixed`), and how long each stage took. The registry itself never leaves the
worker.

:func:`run_members` runs the members in a ``ProcessPoolExecutor`` of two workers (or
``POWERREG_WORKERS``; ``0`` runs them in this process), started by a ``forkserver`` that
has imported powerreg once, a pool let go after :data:`TASKS_PER_CHILD` members a
worker so that no worker's memory creeps (:func:`in_pools`), and yields the outcomes in
the order of the tasks, so the parent merges them in rollup.yaml's order as they come.
A worker keeps its member to one core (``POWERREG_PARALLEL=0`` in the worker: no helper
process, one ``dot``), since the other worker has the other core: the helpers of a
member's own build cost more CPU than the time they save there.

Examples:
    >>> d = Department("A", "甲局", DepartmentLevel.CITY, "members/a")
    >>> [o] = run_members([MemberTask(d, "examples/minimal", audit=True)], workers=0)
    >>> o.loaded, o.stats.powers, o.by_severity, o.summary.high_risks
    (True, 2, {'error': 0, 'warning': 0, 'info': 1}, 3)
    >>> from powerreg.errors import problem
    >>> print(prefixed(problem("E002.missing", "powers/XK-1.yaml", 3, 5, entity="XK-1/F1",
    ...                        field="label"), d))
    members/a/powers/XK-1.yaml:3:5: E002 missing required field 'label'; add it
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import shutil
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from ..audit import Policy, audit
from ..catalog import export_sqlite
from ..catalog.ngrams import index_text
from ..catalog.tables import SEARCH_INDEXES
from ..errors import Problem, RegistryError, UsageError, problem
from ..lang import Lang
from ..layout import ROLLUP_FILE, is_registry_dir
from ..load import load
from ..machine import PARALLEL_ENV, WORKERS_ENV, peak_memory_mib
from ..mainjob import build as build_member
from ..model import Registry, Stats
from ..site import PublishPolicy, publish_site
from .spec import Department, DepartmentLevel
from .summary import MemberSummary, summarise

T = TypeVar("T")
R = TypeVar("R")

#: How many worker processes, unless ``POWERREG_WORKERS`` says otherwise (0: in process).
DEFAULT_WORKERS = 2


#: Members a worker process takes before it is replaced by a fresh one (see
#: :func:`run_members`).
TASKS_PER_CHILD = 8

__all__ = [
    "DEFAULT_WORKERS",
    "Department",
    "DepartmentLevel",
    "MemberOutcome",
    "MemberTask",
    "prefixed",
    "run_member",
    "run_members",
]


@dataclass(frozen=True)
class MemberTask:
    """What to do with one member. Paths are absolute (a worker has its own directory)."""

    department: Department
    #: the member's registry directory
    root: str
    policy: Policy | None = None
    lang: Lang = "en"
    #: run its audit (its counts come back), and keep its findings too
    audit: bool = False
    keep_findings: bool = False
    #: write its catalog here (``export``)
    export_to: str | None = None
    #: run its own ``powerreg build`` into this directory (``build``)
    build_to: str | None = None
    #: its public website: published here (``site``), or with ``build_to`` the built
    #: site is moved here
    site_to: str | None = None
    site_policy: PublishPolicy | None = None
    #: compute the search index's text of its rows here, for the combined catalog
    grams: bool = False
    #: the diagrams of its last build (the roll-up's previous output): the charts that
    #: have not changed are taken from there (:mod:`powerreg.render.reuse`)
    drawn_before: str | None = None
    #: its last site (the roll-up's previous site), whose unchanged charts ``site_to``
    #: takes likewise
    site_before: str | None = None


@dataclass
class MemberOutcome:
    """What comes back from one member: never the registry."""

    department: str
    stats: Stats | None = None
    summary: MemberSummary | None = None
    #: why its registry does not load (E codes, at the member's files)
    problems: list[Problem] = field(default_factory=list)
    #: its audit's counts, and its findings when asked to keep them
    by_severity: dict[str, int] = field(default_factory=dict)
    by_code: dict[str, int] = field(default_factory=dict)
    findings: list[Problem] = field(default_factory=list)
    #: whether its site was published, and why an output of it was not written (A311:
    #: a power withheld without a reason; E003: two transitions the catalog cannot hold)
    published: bool | None = None
    output_problems: list[Problem] = field(default_factory=list)
    #: the search index's text of its rows, per searchable table: (global id, text)
    grams: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    #: the worker process's id and peak resident memory so far (MiB)
    pid: int = 0
    peak_mib: float | None = None

    @property
    def loaded(self) -> bool:
        """Whether the member's registry loaded."""
        return self.stats is not None


def prefixed(p: Problem, department: Department) -> Problem:
    """A member's problem as the roll-up shows it: its file relative to the roll-up's
    folder, its entity carrying the department (``A:XK-1/F1``)."""
    entity = f"{department.prefix}{p.entity}" if p.entity else department.id
    return p.model_copy(update={"file": department.where(p.file), "entity": entity})


def run_member(task: MemberTask) -> MemberOutcome:
    """Load one member and do what ``task`` asks; see the module's description.

    Raises:
        UsageError: an output cannot be written, or graphviz fails.
    """
    d = task.department
    out = MemberOutcome(d.id, pid=os.getpid())
    t = time.perf_counter()
    try:
        # a catalog (export, build, site) has every entity's line: found as read
        writes = bool(task.export_to or task.build_to or task.site_to)
        reg = load(task.root, locate_all=writes)
    except RegistryError as err:
        problems = err.problems
        root = Path(task.root)
        if not is_registry_dir(root) and (root / ROLLUP_FILE).is_file():
            # a roll-up in a roll-up: say so, not that its registry.yaml is missing
            problems = [problem("E007.nested_rollup", ROLLUP_FILE, root=d.path)]
        out.problems = [prefixed(p, d) for p in problems]
        out.seconds["load"] = time.perf_counter() - t
        out.peak_mib = peak_memory_mib()
        return out
    out.seconds["load"] = time.perf_counter() - t
    out.stats = reg.stats()
    out.summary = summarise(reg)
    report = None
    if task.audit or task.build_to:
        t = time.perf_counter()
        report = audit(reg, task.policy, lang=task.lang)
        out.by_severity = report.summary.by_severity
        out.by_code = report.summary.by_code
        if task.keep_findings:
            out.findings = [prefixed(f, d) for f in report.findings]
        out.seconds["audit"] = time.perf_counter() - t
    if task.build_to is not None:
        t = time.perf_counter()
        try:
            build_member(
                reg,
                task.build_to,
                policy=task.policy,
                fail_on="never",
                site_policy=task.site_policy,
                lang=task.lang,
                report=report,  # audited above: not again
                drawn_before=task.drawn_before,
            )
        except RegistryError as err:  # its site (A311) or its catalog cannot be written
            out.published = False
            out.output_problems = [prefixed(p, d) for p in err.problems]
        else:
            out.published = True
            if task.site_to is not None:
                Path(task.site_to).parent.mkdir(parents=True, exist_ok=True)
                shutil.move(Path(task.build_to) / "site", task.site_to)
        out.seconds["build"] = time.perf_counter() - t
    if task.grams:
        t = time.perf_counter()
        out.grams = search_grams(reg)
        out.seconds["grams"] = time.perf_counter() - t
    if task.export_to is not None:
        t = time.perf_counter()
        try:
            export_sqlite(reg, task.export_to)
        except RegistryError as err:
            out.output_problems = [prefixed(p, d) for p in err.problems]
        out.seconds["export"] = time.perf_counter() - t
    if task.site_to is not None and task.build_to is None:
        t = time.perf_counter()
        try:
            publish_site(reg, task.site_to, policy=task.site_policy, drawn_before=task.site_before)
        except RegistryError as err:
            out.published = False
            out.output_problems += [prefixed(p, d) for p in err.problems]
        else:
            out.published = True
        out.seconds["site"] = time.perf_counter() - t
    del reg
    gc.collect()
    out.peak_mib = peak_memory_mib()
    return out


def _searchable(reg: Registry) -> dict[str, Iterator[tuple[str, Any]]]:
    return {
        "powers": ((p.id, p) for p in reg.powers.values()),
        "risk_points": ((f"{p.id}/{r.id}", r) for p in reg.powers.values() for r in p.risk_points),
        "countermeasures": (
            (f"{p.id}/{r.id}/{m.id}", m)
            for p in reg.powers.values()
            for r in p.risk_points
            for m in r.countermeasures
        ),
    }


def search_grams(reg: Registry) -> dict[str, list[tuple[str, str]]]:
    """The text the catalog's search indexes hold for each row of ``reg``, by table:
    computed in the worker, so that merging the catalogs does not compute it again.

    Examples:
        >>> import powerreg
        >>> grams = search_grams(powerreg.load("examples/minimal"))
        >>> grams["powers"][1][0], grams["powers"][1][1][:12]
        ('XK-001', ' 建 设 项 目 环 境')
    """
    rows = _searchable(reg)
    return {
        index.table: [
            (gid, index_text(*(getattr(e, c) for c in index.columns)))
            for gid, e in rows[index.table]
        ]
        for index in SEARCH_INDEXES
    }


def worker_count(workers: int | None = None) -> int:
    """The number of worker processes: ``workers``, else ``POWERREG_WORKERS``, else none
    with ``POWERREG_PARALLEL=0`` (:mod:`powerreg.machine`), else 2.

    Raises:
        UsageError: ``POWERREG_WORKERS`` is not a whole number of 0 or more.
    """
    if workers is None:
        raw = os.environ.get(WORKERS_ENV, "").strip()
        if not raw:
            return 0 if os.environ.get(PARALLEL_ENV, "").strip() == "0" else DEFAULT_WORKERS
        try:
            workers = int(raw)
        except ValueError:
            workers = -1
        if workers < 0:
            raise UsageError("rollup.workers_env", env=WORKERS_ENV, value=repr(raw))
    return max(0, workers)


def _main_importable() -> bool:
    """Whether a new worker process can import this program's main module, as every
    worker does before it starts: not when it was read from stdin (``python -``)."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    spec = getattr(main, "__spec__", None)
    return spec is not None or path is None or os.path.isfile(path)


def run_members(tasks: Sequence[MemberTask], workers: int | None = None) -> Iterator[MemberOutcome]:
    """Run every task, in worker processes unless ``workers`` is 0; the outcomes come in
    the tasks' order, each released once the caller has it (see :func:`in_pools`).

    Raises:
        UsageError: a worker failed to write an output, or a worker process died (e.g.
            killed for want of memory).
    """
    n = min(worker_count(workers), len(tasks))
    if n == 0 or not _main_importable():
        for task in tasks:
            yield run_member(task)
        return
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload([__name__])  # powerreg imported once, not per worker
    try:
        yield from in_pools(run_member, tasks, n, ctx, TASKS_PER_CHILD, initializer=one_core)
    except BrokenProcessPool as err:
        raise UsageError("rollup.worker_died", reason=str(err), env=WORKERS_ENV) from err


def one_core() -> None:
    """Keep this worker process's jobs to one core (see the module): its member's build
    starts no helper process and one ``dot``."""
    os.environ[PARALLEL_ENV] = "0"


def in_pools(
    fn: Callable[[T], R],
    items: Sequence[T],
    n: int,
    ctx: Any,
    per_child: int,
    initializer: Callable[[], None] | None = None,
) -> Iterator[R]:
    """``fn`` of each item, in order, run by pools of ``n`` worker processes (started
    by ``ctx``), each pool taking ``per_child`` items a worker and then let go, so that
    no worker's memory creeps. The next pool starts once the newest has fewer than ``n``
    items left to give, so both cores stay busy while its last ones run: at most two
    pools, ``2n`` items, run at once. ``initializer`` runs in each worker as it starts.
    (Not ``max_tasks_per_child``: on Python 3.11–3.13 a pool with a queue of work
    deadlocks once a worker retires, CPython gh-115634.)

    Raises:
        BrokenProcessPool: a worker process died.
    """
    batch = n * per_child
    pools: list[ProcessPoolExecutor] = []
    pending: deque[tuple[int, Future[R]]] = deque()
    submitted = 0

    def next_pool() -> None:
        nonlocal submitted
        pool = ProcessPoolExecutor(max_workers=n, mp_context=ctx, initializer=initializer)
        pools.append(pool)
        number = len(pools)
        for item in items[submitted : submitted + batch]:
            pending.append((number, pool.submit(fn, item)))
        submitted += batch
        pool.shutdown(wait=False)  # its workers leave once its items are done

    try:
        next_pool()
        while pending:
            number, future = pending.popleft()
            # only the newest pool's tail starts the next: an older one's (given while
            # the newest runs) would start pool after pool, all at once
            if number == len(pools) and submitted < len(items):
                left = sum(1 for k, _ in pending if k == number)
                if left < n:  # its last items are running
                    next_pool()
            yield future.result()
            del future
    finally:
        for _, future in pending:
            future.cancel()
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)
