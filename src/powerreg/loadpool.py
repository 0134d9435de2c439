"""Parsing power files on every core: what one clean file produced, made by a worker.

A cold load of a big registry spends nine tenths of its time parsing and validating
files one by one. Above :data:`PARALLEL_AT` files to parse, the loader hands them to a
pool of worker processes (one a core); each worker parses, checks and validates its
files exactly as the loader does and sends back, for a file with no problem of its own,
the load cache's entry for it (:mod:`.loadcache`: the validated power as JSON, its
positions), or ``None``. The loader takes those entries as it takes cached ones, so
the checks that need more than one file still run in one place, and every file with a
problem is parsed again by the loader itself: its problems are reported exactly as a
serial load reports them, file, line and column.

The pool is started with ``fork`` (the workers inherit the loaded modules; no start-up
import), only from a process running a single thread (forking a threaded process can
deadlock the child), and only where :mod:`powerreg.machine` allows a second process (a core
to spare; ``POWERREG_PARALLEL=0`` or ``POWERREG_WORKERS=0`` off, ``POWERREG_PARALLEL=1``
whatever the load). Otherwise, or when the pool cannot start or breaks, the loader
parses serially.

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

import threading
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from pydantic import ValidationError

from .fastyaml import FastDocument, read_clean
from .loadentry import CachedPower, Unencodable, decode_payload, encode_payload
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
    from concurrent.futures import Future, ProcessPoolExecutor

#: Fewest files to parse for which a pool is started (the reference registry's 84 are
#: parsed serially: a pool's start would cost more than it saves).
PARALLEL_AT = 200
#: Files a worker takes at a time.
JOB = 64


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


def clean_entry(raw: bytes, rel: str) -> CachedPower | None:
    """What a power file produced if it has no problem of its own (it parses into a
    mapping, its references hold, it validates), else ``None``.

    The file is read fast (:mod:`.fastyaml`) when it is clean beyond doubt, else by the
    careful reader; the entry is the same either way."""
    fast = read_clean(raw, rel)
    if fast is not None:
        try:
            return _clean_entry(fast)
        except Exception:  # Unsure, or whatever rapidyaml's tree raises: read carefully
            pass
    doc = read_bytes(raw, rel)
    if doc.problems:
        return None
    return _clean_entry(doc)


def _clean_entry(doc: Document | FastDocument) -> CachedPower | None:
    if not isinstance(doc.data, dict) or reference_issues(doc.data):
        return None
    try:
        power = Power.model_validate(doc.data, context={DEFER_REFERENCES: True})
    except ValidationError:
        return None
    return CachedPower.of(power, category_of(doc), positions(power, doc))


def clean_payload(raw: bytes, rel: str) -> bytes | None:
    """:func:`clean_entry` as a load cache payload (what a worker sends back)."""
    entry = clean_entry(raw, rel)
    if entry is None:
        return None
    try:
        return encode_payload(entry)
    except (Unencodable, TypeError, ValueError):
        return None


def entry_of(payload: bytes) -> CachedPower:
    """The entry a worker's payload holds (it raises if the payload is not one)."""
    return decode_payload(payload)


def _job(files: Sequence[tuple[str, bytes]]) -> list[bytes | None]:
    return [clean_payload(raw, rel) for rel, raw in files]


class ParsePool:
    """Worker processes that turn files into entries; ``submit`` returns one future per
    job of up to :data:`JOB` files, in order."""

    def __init__(self, executor: ProcessPoolExecutor) -> None:
        self._executor: ProcessPoolExecutor | None = executor

    @classmethod
    def start(cls, workers: int | None = None) -> ParsePool | None:
        """A pool of ``workers`` processes (default: one a core), or ``None`` where one
        cannot or should not start: threads running, no ``fork``, or where
        :func:`powerreg.machine.second_process` says no (one core, turned off, or no core
        to spare)."""
        n = workers or core_count()
        if not second_process(cores=n):
            return None
        if threading.active_count() != 1:
            return None
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        if "fork" not in multiprocessing.get_all_start_methods():
            return None
        try:
            executor = ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("fork"))
        except (OSError, ValueError):
            return None
        return cls(executor)

    def submit(self, files: Sequence[tuple[str, bytes]]) -> list[Future[list[bytes | None]]]:
        """Hand ``(rel, raw)`` files to the workers, :data:`JOB` at a time."""
        assert self._executor is not None
        return [self._executor.submit(_job, files[i : i + JOB]) for i in range(0, len(files), JOB)]

    def close(self) -> None:
        """Stop the workers (waiting for none of the jobs left)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
