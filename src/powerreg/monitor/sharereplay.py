"""A share of a log's cases replayed, and the shares gathered into one result
(extra ``scale``): what the Dask engine's tasks do (:mod:`.engine`) and what one process
does a share at a time with a log too big to replay at once (:mod:`.sharded`).

A share's rows (:mod:`.shares`) are read as one process reads a log: in bulk
(:func:`~.bulk.read_bulk_tables`), each row keeping its file and row, so every problem
carries the very message and line it has in one process; a share the bulk reading cannot
take exactly (a column of another type, a very long text) is read row by row
(:class:`~.reader.RowReader`). What a share gives back is compact (:class:`Share`): the
replay's arrays (:class:`~.bulkreplay.BulkReplay`, pickled with its arrays as they are
and its charts by their ids, :func:`packed`), not a record per case; kept in memory, or
in a file (:class:`Spilled`). The records are made when first asked for, as
:func:`~.run.monitor` makes its records then (a :class:`~.lazyresult.LazyResult`), and
the outputs read the shares' columns (:class:`~.sharedbulk.SharesBulk`). The
cases come back in the order the log first names them (by the file and row of the row
that made each a case), the rows left out in the order of the files and their rows, a
log mostly of other powers is refused as a whole: the shares gathered give what
:func:`~.run.monitor` gives.
"""

from __future__ import annotations

import contextlib
import copyreg
import io
import operator
import pickle
from contextvars import ContextVar
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import Problem
from ..lang import Lang, default_lang
from ..model import Registry
from .bulk import read_bulk_tables
from .bulkcolumns import Ints
from .bulkreplay import replay_bulk
from .calendar import WorkCalendar
from .casereplay import replay_case
from .chartindex import ChartIndex, compiled
from .columnar import add_fields, texts
from .findings import Alert, CaseResult, Deviation, incomplete
from .lazyresult import LazyResult
from .reader import EventLog, RowIndex, RowReader, foreign_powers
from .result import MonitorResult
from .sharedbulk import SharesBulk
from .shares import FileRows

#: What a share gives back: a pickle and its out-of-band buffers (see :func:`packed`).
Packed = tuple[bytes, list[Any]]

#: A case's place in the log as a number: its file's number, then its row in the file.
FILE_SHIFT = 40

#: A spilled share's parts begin at multiples of this many bytes (its arrays aligned).
_ALIGN = 64


@dataclass(frozen=True)
class Spilled:
    """What :func:`packed` packed, in a file: the pickle, then each buffer, each part at
    a multiple of 64 bytes (``parts``: each one's offset and size). ``directory``: what
    the file lives as long as (a :class:`tempfile.TemporaryDirectory` that holds it,
    removed once no share spilled there is left)."""

    path: Path
    parts: tuple[tuple[int, int], ...]
    directory: object = None

    @classmethod
    def write(cls, what: Packed, path: Path, directory: object = None) -> Spilled:
        """``what`` written to ``path`` (in ``directory``).

        Raises:
            OSError: it cannot be written (nothing of it is left at ``path``)."""
        parts = []
        at = 0
        try:
            with open(path, "wb") as f:
                for part in (what[0], *what[1]):
                    size = memoryview(part).nbytes
                    pad = -at % _ALIGN
                    f.write(b"\0" * pad)
                    parts.append((at + pad, size))
                    f.write(part)
                    at += pad + size
        except OSError:
            with contextlib.suppress(OSError):  # (a directory in the way stays)
                path.unlink(missing_ok=True)
            raise
        return cls(path, tuple(parts), directory)

    def read(self) -> Packed:
        """What was written (the buffers writable arrays, as a Dask worker's arrive),
        each buffer read on its own: an array kept from the share (a column an output
        reads) keeps its own buffer alive, not the whole file's."""
        (at, size), *rest = self.parts
        with open(self.path, "rb") as f:
            f.seek(at)
            head = f.read(size)
            buffers = []
            for a, n in rest:
                f.seek(a)
                buffers.append(np.fromfile(f, np.uint8, count=n))
        return head, buffers


@dataclass
class Share:
    """What one share gives back, packed (see :func:`packed`): its cases replayed (in
    bulk, or as records; in memory, or :class:`Spilled`), and its rows left out with the
    charts it compiled; each case's place in the log (:data:`FILE_SHIFT`), rows read,
    events replayed and events after ``as_of``. The cases are unpacked when their
    records are first asked for, as :func:`~.run.monitor` makes its records then."""

    cases: Packed | Spilled
    found: Packed
    places: Ints
    rows: int
    events: int
    after: int
    #: whether the cases were replayed in bulk (a :class:`~.bulkreplay.BulkReplay`)
    bulk: bool = True

    def problems(
        self, registry: Registry, charts: dict[tuple[str, str], ChartIndex]
    ) -> list[Problem]:
        """The share's rows left out; the charts its cases were replayed on are put in
        ``charts`` (compiled from ``registry`` if not there yet)."""
        problems, _ = unpacked(self.found, registry, charts)
        got: list[Problem] = problems
        return got

    def replayed(self, registry: Registry, charts: dict[tuple[str, str], ChartIndex]) -> Any:
        """The share's cases unpacked: a :class:`~.bulkreplay.BulkReplay` (:attr:`bulk`),
        else their records."""
        cases = self.cases.read() if isinstance(self.cases, Spilled) else self.cases
        return unpacked(cases, registry, charts)

    def records(
        self, registry: Registry, charts: dict[tuple[str, str], ChartIndex]
    ) -> list[CaseResult]:
        """The records of the share's cases, in the order of their places."""
        replayed = self.replayed(registry, charts)
        if isinstance(replayed, list):
            return replayed
        got: list[CaseResult] = replayed.cases()
        return got

    def spilled(self, path: Path, directory: object = None) -> Share:
        """The share, its cases written to ``path`` (in ``directory``, see
        :class:`Spilled`) and no longer held."""
        if isinstance(self.cases, Spilled):
            return self
        cases = Spilled.write(self.cases, path, directory)
        return Share(cases, self.found, self.places, self.rows, self.events, self.after, self.bulk)


def replay_share(
    read: list[FileRows],
    names: list[str],
    source: str,
    registry: Registry,
    cal: WorkCalendar,
    as_of: date | None,
    index: RowIndex,
    charts: dict[tuple[str, str], ChartIndex] | None = None,
    row_word: str = "row",
) -> Share:
    """Replay the rows of one share of the cases (every row of each; those of each file
    of the log that has any, see :data:`~.shares.FileRows`): in bulk if it may, else row
    by row. ``names``: each file of the log as problems name it; ``charts``: the charts
    compiled so far (one process's shares compile each once); ``row_word``: what a
    problem calls a row's place (a CSV file's ``line``)."""
    read = [r for r in read if len(r[2])]
    tables = [(names[i], table, lines) for i, table, lines in read]
    blog = read_bulk_tables(
        tables, registry, source=source, calendar=cal, as_of=as_of, index=index, row_word=row_word
    )
    charts = {} if charts is None else charts
    if blog is None:
        return _replay_rows(read, names, source, registry, cal, as_of, index, charts, row_word)
    return _replay_bulk(blog, read, registry, cal, as_of, charts)


def _replay_bulk(
    blog: Any,
    read: list[FileRows],
    registry: Registry,
    cal: WorkCalendar,
    as_of: date | None,
    charts: dict[tuple[str, str], ChartIndex],
) -> Share:
    """A share read in bulk, replayed in bulk."""
    replayed, after = replay_bulk(blog, registry, as_of, cal, charts)
    first = blog.first_row[replayed.kept]
    fileno = np.concatenate([np.full(len(lines), i, np.int64) for i, _, lines in read])
    lines = np.concatenate([np.asarray(lines, np.int64) for _, _, lines in read])
    places = fileno[first] << FILE_SHIFT | lines[first]
    found = packed((blog.problems, list(charts.values())))
    return Share(packed(replayed), found, places, blog.rows, replayed.events, after)


def _replay_rows(
    read: list[FileRows],
    names: list[str],
    source: str,
    registry: Registry,
    cal: WorkCalendar,
    as_of: date | None,
    index: RowIndex,
    charts: dict[tuple[str, str], ChartIndex],
    row_word: str,
) -> Share:
    """A share read row by row, each case replayed as :func:`~.run.monitor` replays it."""
    reader_ = RowReader(registry, source, row_word, calendar=cal, as_of=as_of, index=index)
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
    found = packed((log.problems, list(charts.values())))
    return Share(packed(cases), found, np.array(places, np.int64), n, events, after, False)


#: the registry and the charts of the shares being unpacked (see :func:`_chart`)
_CHARTS: ContextVar[tuple[Registry, dict[tuple[str, str], ChartIndex]]] = ContextVar("charts")


def _chart(power_id: str, chart_id: str) -> ChartIndex:
    """A chart of a share being unpacked (:func:`unpacked`): compiled once."""
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


def packed(obj: Any) -> Packed:
    """What a share gives back, as bytes and the buffers of its arrays (not copied: Dask
    sends them as they are): charts by their ids (:func:`_chart_by_ids`), findings by
    their fields (:func:`_by_fields`)."""
    out = io.BytesIO()
    buffers: list[pickle.PickleBuffer] = []
    pickler = pickle.Pickler(out, protocol=5, buffer_callback=buffers.append)
    pickler.dispatch_table = {**copyreg.dispatch_table, ChartIndex: _chart_by_ids, **_BY_FIELDS}
    pickler.dump(obj)
    # as arrays of bytes, which pickle under any protocol (Dask's own may be below 5)
    return out.getvalue(), [np.frombuffer(b.raw(), np.uint8) for b in buffers]


def unpacked(what: Packed, registry: Registry, charts: dict[tuple[str, str], ChartIndex]) -> Any:
    """What :func:`packed` packed, its charts those of ``charts`` (compiled from
    ``registry`` if not there yet)."""
    token = _CHARTS.set((registry, charts))
    try:
        return pickle.loads(what[0], buffers=what[1])
    finally:
        _CHARTS.reset(token)


def gathered(
    shares: list[Share],
    names: list[str],
    source: str,
    registry: Registry,
    as_of: date | None,
    lang: Lang | None,
    charts: dict[tuple[str, str], ChartIndex] | None = None,
) -> MonitorResult:
    """The shares as one result: cases in the order of their places, rows left out in
    the order of the files and their rows (the shares, and a spilled share's file, are
    held as long as the result). ``charts``: the charts compiled so far."""
    charts = {} if charts is None else charts
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

    # the outputs read the shares' columns (records made only for the cases with
    # findings), unless a share was replayed case by case
    bulk = None
    if all(s.bulk or not len(s.places) for s in shares):
        bulk = SharesBulk([s for s in shares if len(s.places)], order, registry, charts)
    return LazyResult(
        make,
        sum(s.events for s in shares),
        bulk=bulk,
        registry=registry,
        source=source,
        problems=problems,
        rows=rows,
        charts=charts,
        as_of=as_of,
        after_as_of=sum(s.after for s in shares),
        lang=lang or default_lang(),
    )
