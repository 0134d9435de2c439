"""Parsing power files on every core: what one clean file produced, made by a worker.

A cold load of a big registry spends nine tenths of its time parsing and validating
files one by one. Above :data:`PARALLEL_AT` files to parse, the loader hands them to a
pool of worker processes (one a core but one: the loader is a worker too); each worker
parses, checks and validates its files exactly as the loader does and sends back, for a
file with no problem of its own, what the load cache keeps of it (:mod:`.loadentry`:
the validated power as rows, its positions) — as the cache's JSON payload when the load
fills the cache, else as plain lists the pipe pickles — or ``None``. With the cache
off and the places found when asked (:mod:`.lateplaces`), a file read fast goes back
as rapidyaml's JSON of it instead, checked but not validated, and the loader validates
that JSON once (pydantic's ``model_validate_json``; :func:`clean_text`): no validation
twice, no rows to write and build back. The loader takes
those entries as it takes cached ones, so the checks that need more than one file still
run in one place, and every file with a problem is parsed again by the loader itself:
its problems are reported exactly as a serial load reports them, file, line and column.

The loader does not wait for the workers: when it comes to a chunk of files, it takes
back every job of it no worker has started and reads those files itself (nothing to
write and read back for them). So the work divides itself between the cores whatever
their speed: on this machine's two cores, about half the files each, and a cold load of
10,000 generated powers in 3.6–3.7 s against 4.7–5.0 s with two workers and the loader
only taking their results in (fresh processes, alternating; ``benchmarks/RESULTS.md``).

The pool is started with ``fork`` (the workers inherit the loaded modules; no start-up
import), only from a process running a single thread (forking a threaded process can
deadlock the child), and only where :mod:`powerreg.machine` allows a second process (a core
to spare; ``POWERREG_PARALLEL=0`` or ``POWERREG_WORKERS=0`` off, ``POWERREG_PARALLEL=1``
whatever the load). It starts no thread itself (pipes, polled by the loader), so the
loader reads fast (:mod:`.fastyaml`) beside it. Otherwise, or when the pool cannot start,
the loader parses serially; a worker that fails or dies leaves its job to the loader.

Examples:
    >>> payload = clean_payload(
    ...     b"id: P1\\ncategory: XK\\nname: n\\nsubject: s\\ndivision: d\\n", "powers/P1.yaml")
    >>> entry = entry_of(payload)
    >>> entry.power.id, entry.category, entry.positions[0]
    ('P1', ('XK', 2, 11, 'P1'), ('P1', 1, 5))
    >>> clean_payload(b"id: [\\n", "powers/P1.yaml") is None
    True
"""

from __future__ import annotations

import contextlib
import select
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import ValidationError

from .fastyaml import FastDocument, quiet, read_clean
from .loadentry import (
    CachedPower,
    Unencodable,
    decode_payload,
    encode_payload,
    entry_body,
    entry_of_body,
)
from .machine import core_count, second_process
from .model import (
    DEFER_REFERENCES,
    FIELD_ALIASES,
    LOCATED_FIELDS,
    Power,
    disclosure_key,
    field_key,
    reference_issues,
    transition_key,
)
from .schemamessages import short_entity
from .yamlsource import Document, read_bytes

if TYPE_CHECKING:  # imported when a pool starts: every command loads, few need a pool
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

#: Fewest files to parse for which a pool is started (the reference registry's 84 are
#: parsed serially: a pool's start would cost more than it saves).
PARALLEL_AT = 200
#: Files a worker takes at a time.
JOB = 64

_W = TypeVar("_W")


def positions(power: Power, doc: Document | FastDocument) -> list[tuple[str, int, int]]:
    """Where the power and each of its entities start in its file: ``(key, line,
    column)`` for the source map.

    Raises:
        Unsure: ``doc`` was read fast and cannot vouch for a position.
    """
    pos: list[tuple[str, int, int]] = [(power.id, *doc.position(("id",)))]
    if power.disclosure is not None:
        pos.append((disclosure_key(power.id), *doc.position(("disclosure",), key=True)))
    for key in doc.data:  # the limits' own lines (A201, A203, A204 and diff point there)
        name = FIELD_ALIASES.get(key, key)
        if name in LOCATED_FIELDS:
            pos.append((field_key(power.id, name), *doc.position((key,), key=True)))

    def remember(loc: tuple[str | int, ...], gids: Iterable[str]) -> None:
        table = doc.items(loc)  # the items' positions, in order
        if table is not None:
            pairs = zip(gids, table, strict=False)  # as many as both have
            pos.extend([(gid, line, column) for gid, (line, column) in pairs])

    remember(("flowcharts",), [fc.gid for fc in power.flowcharts])
    for i, fc in enumerate(power.flowcharts):
        remember(("flowcharts", i, "steps"), [s.gid for s in fc.steps])
        fgid = fc.gid
        remember(
            ("flowcharts", i, "transitions"),
            [transition_key(fgid, j) for j in range(len(fc.transitions))],
        )
    remember(("risk_points",), [r.gid for r in power.risk_points])
    for i, r in enumerate(power.risk_points):
        remember(("risk_points", i, "countermeasures"), [m.gid for m in r.countermeasures])
    return pos


def category_of(doc: Document | FastDocument) -> tuple[str, int, int, str | None] | None:
    """Where a power file names its category, for the check against registry.yaml:
    ``(code, line, column, entity)``, or ``None`` if it names none as text."""
    code, pid = doc.data.get("category"), doc.data.get("id")
    if not isinstance(code, str):
        return None
    entity = short_entity(pid if isinstance(pid, str) else None)
    return (code, *doc.position(("category",)), entity)


def clean_entry(raw: bytes, rel: str, *, whole: bool = True) -> CachedPower | None:
    """What a power file produced if it has no problem of its own (it parses into a
    mapping, its references hold, it validates), else ``None``; with the positions of
    every entity, or (``whole=False``) of the power alone, the others found when first
    asked (:mod:`.lateplaces`).

    The file is read fast (:mod:`.fastyaml`) when it is clean beyond doubt, else by the
    careful reader; the entry is the same either way."""
    fast = read_clean(raw, rel)
    if fast is not None:
        try:
            return _clean_entry(fast, whole)
        except Exception:  # Unsure, or whatever rapidyaml's tree raises: read carefully
            pass
    return _careful_entry(raw, rel, whole)


def _careful_entry(raw: bytes, rel: str, whole: bool) -> CachedPower | None:
    """:func:`clean_entry` of a file the fast reading left to the careful reader."""
    doc = read_bytes(raw, rel)
    return None if doc.problems else _clean_entry(doc, whole)


def _unchecked(doc: Document | FastDocument) -> bool:
    """Whether a parsed file fails the checks before validation: not a mapping, or its
    references do not hold."""
    return not isinstance(doc.data, dict) or bool(reference_issues(doc.data))


def _clean_entry(doc: Document | FastDocument, whole: bool) -> CachedPower | None:
    if _unchecked(doc):
        return None
    try:
        power = Power.model_validate(doc.data, context={DEFER_REFERENCES: True})
    except ValidationError:
        return None
    if whole:
        return CachedPower.of(power, category_of(doc), positions(power, doc))
    own = [(power.id, *doc.position(("id",)))]
    return CachedPower.of(power, category_of(doc), own, whole=False)


#: What a worker sends of a clean file read fast when the load neither fills the cache
#: nor wants every place: rapidyaml's JSON of it, where it names its category, and the
#: power's id, line and column (:func:`clean_text`).
Text = tuple[str, tuple[str, int, int, str | None] | None, tuple[str, int, int]]


def clean_text(raw: bytes, rel: str) -> Text | list[Any] | None:
    """What a worker sends for a power file when the load neither fills the cache nor
    wants every place: for a file read fast, rapidyaml's JSON of it, checked as
    :func:`clean_entry` checks it but for the validation, which the loader does on that
    JSON (pydantic's ``model_validate_json``: one validation, and no rows to write here
    and build back there); a file that fails it there is read carefully by the loader.
    For a file not read fast, :func:`clean_body`'s rows; ``None`` for a file not clean.
    """
    fast = read_clean(raw, rel)
    if fast is not None:
        try:
            pid = fast.data.get("id") if isinstance(fast.data, dict) else None
            if not isinstance(pid, str) or _unchecked(fast):
                return None
            return (fast.json, category_of(fast), (pid, *fast.position(("id",))))
        except Exception:  # Unsure, or whatever rapidyaml's tree raises: read carefully
            pass
    return _written(_careful_entry(raw, rel, False), entry_body)


def clean_payload(raw: bytes, rel: str, *, whole: bool = True) -> bytes | None:
    """:func:`clean_entry` as a load cache payload (what a worker sends back when the
    load fills the cache)."""
    return _written(clean_entry(raw, rel, whole=whole), encode_payload)


def clean_body(raw: bytes, rel: str, *, whole: bool = True) -> list[Any] | None:
    """:func:`clean_entry` as plain lists (what a worker sends back when nothing is
    cached: the pipe pickles it, three times faster both ways than JSON)."""
    return _written(clean_entry(raw, rel, whole=whole), entry_body)


def _written(entry: CachedPower | None, write: Callable[[CachedPower], _W]) -> _W | None:
    if entry is None:
        return None
    try:
        return write(entry)
    except (Unencodable, TypeError, ValueError):
        return None


#: What was made of a clean file before the loader takes it in: a worker's payload (the
#: load fills the cache) or body (it does not), or the entry the loader made itself.
Made = bytes | list[Any] | Text | CachedPower


def entry_of(made: Made) -> CachedPower:
    """The entry a worker made (a payload, a body or a text) or the loader made itself;
    it raises if ``made`` holds none (a text that does not validate: pydantic's
    ``ValidationError``)."""
    if isinstance(made, CachedPower):
        return made
    if isinstance(made, bytes):
        return decode_payload(made)
    if isinstance(made, tuple):
        text, category, (pid, line, column) = made
        power = Power.model_validate_json(text, context={DEFER_REFERENCES: True})
        if power.id != pid:
            raise ValueError("another id")
        return CachedPower.of(power, category, [(pid, line, column)], whole=False)
    return entry_of_body(made)


def _job(
    files: Sequence[tuple[str, bytes]], payloads: bool, whole: bool
) -> list[bytes | list[Any] | Text | None]:
    with quiet():
        if payloads:
            return [clean_payload(raw, rel, whole=whole) for rel, raw in files]
        if whole:
            return [clean_body(raw, rel) for rel, raw in files]
        return [clean_text(raw, rel) for rel, raw in files]


def _serve(conn: Connection, others: list[Connection], payloads: bool, whole: bool) -> None:
    """A worker's life: take a job, send back what it made, until told to stop or the
    loader is gone. Ctrl-C is the loader's to handle: the worker ends when its pipe
    closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for other in others:  # the loader's ends, inherited: the pipe must close with it
        other.close()
    while True:
        try:
            files = conn.recv()
        except (EOFError, OSError):
            return
        if files is None:
            return
        try:
            made: list[bytes | list[Any] | Text | None] | None = _job(files, payloads, whole)
        except Exception:  # the loader parses this job's files itself
            made = None
        try:
            conn.send(made)
        except (OSError, ValueError):
            return


class Job:
    """Files handed to the pool together, and what became of them: ``queued``,
    ``sent`` to a worker, ``done`` (:attr:`made` holds one result a file), ``taken``
    back by the loader, or ``failed``."""

    __slots__ = ("files", "made", "state")

    def __init__(self, files: Sequence[tuple[str, bytes]]) -> None:
        self.files = files
        self.state = "queued"
        self.made: list[bytes | list[Any] | Text | None] | None = None


class _Worker:
    __slots__ = ("conn", "fd", "job", "process")

    def __init__(self, process: BaseProcess, conn: Connection) -> None:
        self.process = process
        self.conn = conn
        self.fd = conn.fileno()
        self.job: Job | None = None  # the one job it has (never two: see ParsePool)


class ParsePool:
    """Worker processes that turn files into entries, the loader being one more: the
    loader takes back every job no worker has started when it comes to it, and parses
    those files itself (no payload to make and read back for them), so both cores stay
    busy to the end whatever their speed.

    Each worker has at most one job at a time: a job is sent only to a worker waiting
    for one, so that a worker writing its results and the loader writing a job can
    never wait on each other. The loader keeps them fed by calling :meth:`pump` as it
    goes (a poll of each pipe). There are no threads: the fast reading
    (:mod:`.fastyaml`) stays on in the loader.
    """

    def __init__(self, workers: list[_Worker]) -> None:
        self._workers = workers
        self._queue: deque[Job] = deque()
        # the pipes polled in one system call (a Connection's own poll() builds a
        # selector each time: ten times the cost, and the loader polls once a file)
        self._poller = select.poll()
        for w in workers:
            self._poller.register(w.fd, select.POLLIN)

    @classmethod
    def start(
        cls, workers: int | None = None, *, payloads: bool = True, whole: bool = True
    ) -> ParsePool | None:
        """A pool for ``workers`` cores (default: every core; the loader is the work of
        one, so ``workers - 1`` processes), or ``None`` where one cannot or should not
        start: threads running, no ``fork``, or where
        :func:`powerreg.machine.second_process` says no (one core, turned off, or no core
        to spare). ``payloads``: the workers write what they make as load cache
        payloads (the load fills the cache), else as plain lists; ``whole``: with the
        positions of every entity, else of each power alone (:func:`clean_entry`)."""
        n = workers or core_count()
        if not second_process(cores=n):
            return None
        if threading.active_count() != 1:
            return None
        import multiprocessing

        if "fork" not in multiprocessing.get_all_start_methods() or not hasattr(select, "poll"):
            return None
        context = multiprocessing.get_context("fork")
        started: list[_Worker] = []
        try:
            for _ in range(n - 1):
                ours, theirs = context.Pipe()
                ends = [w.conn for w in started] + [ours]
                process = context.Process(
                    target=_serve, args=(theirs, ends, payloads, whole), daemon=True
                )
                process.start()
                theirs.close()
                started.append(_Worker(process, ours))
        except (OSError, ValueError, AssertionError):  # AssertionError: a daemon's children
            for w in started:
                _stop(w)
            return None
        return cls(started)

    def submit(self, files: Sequence[tuple[str, bytes]]) -> list[Job]:
        """Queue ``(rel, raw)`` files for the workers, :data:`JOB` at a time."""
        jobs = [Job(files[i : i + JOB]) for i in range(0, len(files), JOB)]
        self._queue.extend(jobs)
        self.pump()
        return jobs

    def take_back(self, jobs: Iterable[Job]) -> list[Job]:
        """The jobs of ``jobs`` no worker has started, taken back for the loader to do."""
        taken = [job for job in jobs if job.state == "queued"]
        for job in taken:
            job.state = "taken"
        if taken:
            self._queue = deque(job for job in self._queue if job.state == "queued")
        return taken

    def pump(self) -> None:
        """Take what the workers have finished and give each idle worker a job (never
        waits)."""
        ready = {fd for fd, _ in self._poller.poll(0)}  # readable, or closed
        for w in list(self._workers):  # (a worker found dead leaves the list)
            if w.job is not None and w.fd in ready:
                self._receive(w)
            if w.job is None:
                self._send(w)

    def wait(self, job: Job) -> list[bytes | list[Any] | Text | None] | None:
        """What a job made, once done (waiting for its worker meanwhile, and keeping
        the others fed); ``None`` if it was taken back or failed."""
        from multiprocessing.connection import wait

        while job.state == "sent":
            busy = {w.conn: w for w in self._workers if w.job is not None}
            for conn in wait(list(busy)):
                self._receive(busy[conn])  # type: ignore[index]
            self.pump()
        return job.made if job.state == "done" else None

    def _receive(self, w: _Worker) -> None:
        job, w.job = w.job, None
        assert job is not None
        try:
            made = w.conn.recv()
        except (EOFError, OSError, ValueError):  # the worker died: the loader does its files
            made = None
            self._retire(w)
        job.made = made if isinstance(made, list) and len(made) == len(job.files) else None
        job.state = "done" if job.made is not None else "failed"

    def _send(self, w: _Worker) -> None:
        if not self._queue or w not in self._workers:
            return
        job = self._queue.popleft()
        try:
            w.conn.send(job.files)
        except (OSError, ValueError):
            self._queue.appendleft(job)  # still the loader's to take back
            self._retire(w)
            return
        job.state = "sent"
        w.job = job

    def _retire(self, w: _Worker) -> None:
        if w in self._workers:
            self._workers.remove(w)
            self._poller.unregister(w.fd)
        _stop(w)

    def close(self) -> None:
        """Stop the workers (a job in hand is abandoned)."""
        for w in self._workers:
            if w.job is not None:
                w.job.state = "failed"
                w.job = None
            _stop(w)
        self._workers = []
        self._queue.clear()


def _stop(w: _Worker) -> None:
    with contextlib.suppress(OSError, ValueError):
        w.conn.send(None)
    w.conn.close()
    w.process.join(timeout=1)
    if w.process.is_alive():
        w.process.terminate()
        w.process.join()
