"""Columns of a case log in bulk (extra ``scale``: pyarrow and numpy): each field
read once as a column, ids made numbers, every row's checks done on whole columns.

:mod:`.events` reads a log a row at a time, :mod:`.columnar` a Parquet batch a row at a
time; both hand each row to :class:`~.reader.RowReader`. Here a log is read whole as
columns (pyarrow's CSV reader, or a Parquet file's columns) and checked in bulk: a case
is *plain* when each of its rows is good — its fields there, its timestamp of the usual
form (``2011-10-08 09:30:00``) and on the calendar, its power, flowchart and step known —
its rows name one power and at most one flowchart, and its times never go back. Those are
most cases; their events become arrays without a row of Python. The rows of every other
case, and the rows with no case, go to the row reader in the order of the file, so that
every problem carries the very message and line the row-at-a-time reading gives (the
checks of a case's rows depend on its own earlier rows only).

A file the bulk reading cannot take exactly as the line reader would — a quote, a
carriage return or a NUL anywhere, a blank line, a row of another width, a very long
line, a header that is not plain (see :mod:`.plaincsv`) — is read by :mod:`.events`
instead (``None`` here).

Examples:
    >>> import powerreg
    >>> reg = powerreg.load_reference()
    >>> log = read_bulk("examples/cases/cases.csv", reg)
    >>> log.cases, log.events, log.problems
    (8, 55, [])
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from ..errors import Problem
from ..model import Registry
from .bulkcolumns import Bools, Columns, Ints, csv_columns, parquet_log_columns, table_columns
from .calendar import WorkCalendar
from .caseevents import STEP_BITS, CaseEvents, Vocabulary, pack_time
from .plaincsv import PlainCsv
from .reader import EventLog, RowIndex, RowReader


@dataclass
class BulkLog:
    """A log read in bulk: its kept events as arrays grouped by case, cases in the order
    the log first names them (by the row of their first event), and the rows left out.

    ``start[k]:start[k + 1]`` are the events of case ``k``; ``time`` is packed (see
    :func:`~.caseevents.pack_time`), ``line`` the row's line in its file, ``code`` its
    step (a number among its power's steps, :class:`~.reader.RowIndex`) and actor
    (``step | actor << STEP_BITS``), as :class:`~.caseevents.CaseEvents` keeps them.
    """

    source: str
    index: RowIndex
    actors: Vocabulary
    case_ids: list[str]
    power_ids: list[str]
    chart_ids: list[str | None]
    start: Ints
    time: Ints
    line: Ints
    code: Ints
    #: the notes of each case that has any, by the position of the event in its case
    notes: dict[int, dict[int, str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0
    lines: int = 0
    checked: tuple[WorkCalendar, date | None] | None = None
    #: each case's first row (the one that made it a case), by its place among the
    #: rows read (all files' rows in a row, in order)
    first_row: Ints = field(default_factory=lambda: np.zeros(0, np.int64))

    @property
    def cases(self) -> int:
        """Cases with an event."""
        return len(self.case_ids)

    @property
    def events(self) -> int:
        """Events kept."""
        return len(self.time)

    def case_events(self, k: int, n: int | None = None) -> CaseEvents:
        """The events of case ``k`` (its first ``n``) as the row reader keeps them."""
        a = int(self.start[k])
        b = int(self.start[k + 1]) if n is None else a + n
        out = CaseEvents(
            self.case_ids[k],
            self.power_ids[k],
            self.index.steps[self.power_ids[k]],
            self.actors,
            self.chart_ids[k],
        )
        out.packed.frombytes(self._packed[a:b].tobytes())
        notes = self.notes.get(k)
        if notes:
            out._notes = {i: t for i, t in notes.items() if i < b - a}
        return out

    @property
    def _packed(self) -> Ints:
        packed = self.__dict__.get("_packed_cache")
        if packed is None:
            packed = np.empty((len(self.time), 3), np.int64)
            packed[:, 0], packed[:, 1], packed[:, 2] = self.time, self.line, self.code
            self.__dict__["_packed_cache"] = packed
        return packed

    def to_event_log(self) -> EventLog:
        """The :class:`~.reader.EventLog` the row reader gives for the same log."""
        log = EventLog(self.source, rows=self.rows, lines=self.lines, checked=self.checked)
        log.problems = self.problems
        log.cases = {self.case_ids[k]: self.case_events(k) for k in range(self.cases)}
        if log.cases:
            log.first = min((c[0] for c in log.cases.values()), key=lambda e: e.time)
            last = max(log.cases.values(), key=lambda c: c[-1].time)
            log.last = last[-1]
        return log


def read_bulk(
    source: str | os.PathLike[str],
    reg: Registry,
    *,
    calendar: WorkCalendar | None = None,
    as_of: date | None = None,
    index: RowIndex | None = None,
    plain: PlainCsv | None = None,
) -> BulkLog | None:
    """Read a CSV or Parquet case log in bulk; None for a log that only the line
    reader reads exactly (see the module's text), or that it refuses. ``plain``: a CSV
    file's checks, made already (:func:`~.plaincsv.plain_csv`)."""
    path = Path(source)
    index = RowIndex(reg) if index is None else index
    parquet = path.suffix.lower() in (".parquet", ".pq") or path.is_dir()
    files = parquet_log_columns(path) if parquet else csv_columns(path, plain)
    if files is None:
        return None
    lines = 0 if parquet else files[0][1].n + 1
    row_word = "row" if parquet else "line"
    if not sum(c.n for _, c in files):
        return None  # no row: nothing to do in bulk
    out = _bulk(reg, files, index, calendar, as_of, row_word, path.name if parquet else files[0][0])
    out.lines = lines
    # the tables are gone: hand pyarrow's unused memory back (its allocator keeps it)
    pa.default_memory_pool().release_unused()
    return out


def read_bulk_tables(
    files: list[tuple[str, Any, Ints]],
    reg: Registry,
    *,
    source: str,
    calendar: WorkCalendar | None = None,
    as_of: date | None = None,
    index: RowIndex | None = None,
    row_word: str = "row",
) -> BulkLog | None:
    """Read in bulk the rows of a log given as Arrow tables, one for each of its files
    that has any: the file's name as reports name it, its rows' log columns, and each
    row's row in the file (from 1, increasing; a CSV file's line, ``row_word="line"``).
    The rows may be a share of the log's (the Dask engine's share of its cases,
    :mod:`.engine`, or one process's, :mod:`.sharded`): each problem and event keeps its
    file and row. None if a table is not one the bulk reading takes (see
    :func:`~.bulkcolumns.table_columns`), or no row is given.

    Examples:
        >>> import pyarrow as pa, numpy as np, powerreg
        >>> rows = pa.table({"case_id": ["A1", "A1"], "power_id": ["XK-001"] * 2,
        ...                  "step_id": ["S1", "S99"],
        ...                  "timestamp": ["2011-10-10 09:00:00", "2011-10-11 09:00:00"]})
        >>> log = read_bulk_tables([("cases.parquet", rows, np.array([3, 7]))],
        ...                        powerreg.load_reference(), source="cases.parquet")
        >>> log.cases, log.events, [(p.file, p.line, p.code) for p in log.problems]
        (1, 1, [('cases.parquet', 7, 'M005')])
    """
    index = RowIndex(reg) if index is None else index
    got: list[tuple[str, Columns]] = []
    seq = 0
    for name, table, lines in files:
        c = table_columns(table, seq, np.asarray(lines, np.int32))
        if c is None:
            return None
        got.append((name, c))
        seq += c.n
    if not seq:
        return None
    out = _bulk(reg, got, index, calendar, as_of, row_word, source)
    pa.default_memory_pool().release_unused()
    return out


# ------------------------------------------------------------------ checks


def _bulk(
    reg: Registry,
    files: list[tuple[str, Columns]],
    index: RowIndex,
    calendar: WorkCalendar | None,
    as_of: date | None,
    row_word: str,
    source: str,
) -> BulkLog:
    powers = list(index.steps)
    pnum = {p: i for i, p in enumerate(powers)}
    chart_names = sorted({f for c in index.charts.values() for f in c})
    fnum = {f: i + 1 for i, f in enumerate(chart_names)}  # 0: no chart
    actors = Vocabulary()
    known_from = known_until = 0
    counted_until = pack_time(datetime.max)
    if calendar is not None:
        known_from = pack_time(datetime.combine(calendar.first, time()))
        known_until = pack_time(datetime.combine(calendar.last, time.max))
    if as_of is not None:
        counted_until = pack_time(datetime.combine(as_of, time.max))
    # all files as one: a case is one case across files; ids as numbers shared by all
    case_num: dict[str, int] = {"": 0}
    case_texts: list[str] = [""]
    cols: dict[str, list[Ints]] = {k: [] for k in ("case", "power", "step", "chart", "actor")}
    t_all, ok_all, line_all, file_all = [], [], [], []
    notes: dict[int, str] = {}
    for fi, (_, c) in enumerate(files):
        if len(files) == 1:  # the file's own numbers: "" is 0 there too
            case_texts = c.texts["case_id"]
            cols["case"].append(c.codes["case_id"])
        else:
            remap = np.array([_num(case_num, case_texts, t) for t in c.texts["case_id"]], np.int32)
            cols["case"].append(remap[c.codes["case_id"]])
        ptab = np.array([pnum.get(t, -1) for t in c.texts["power_id"]], np.int32)
        cols["power"].append(ptab[c.codes["power_id"]])
        ftab = np.array([fnum.get(t, -1) if t else 0 for t in c.texts["flowchart_id"]], np.int32)
        cols["chart"].append(ftab[c.codes["flowchart_id"]])
        # steps: a number per (power, step text)
        stexts = c.texts["step_id"]
        stab = np.full((len(powers) + 1, len(stexts)), -1, np.int32)
        for pi, pid in enumerate(powers):
            nums = index.numbers[pid]
            stab[pi] = [nums.get(s, -1) for s in stexts]
        pw = cols["power"][-1]
        cols["step"].append(stab[np.where(pw < 0, len(powers), pw), c.codes["step_id"]])
        atab = np.array([actors.code(t) for t in c.texts["actor"]], np.int32)
        cols["actor"].append(atab[c.codes["actor"]])
        ntexts, ncodes = c.texts["note"], c.codes["note"]
        for i in np.flatnonzero(ncodes).tolist():
            notes[c.seq0 + i] = ntexts[ncodes[i]]
        t_all.append(c.time)
        ok_all.append(c.timed)
        if c.lines is not None:
            line_all.append(c.lines)
        else:
            line_all.append(np.arange(1, c.n + 1, dtype=np.int32) + np.int32(row_word == "line"))
        file_all.append(np.full(c.n, fi, np.int32))
    # a log's rows are many: numbers in 32 bits where they fit, no copy of a lone file's
    case = _joined(cols["case"])
    power = _joined(cols["power"])
    step = _joined(cols["step"])
    chart = _joined(cols["chart"])
    actor = _joined(cols["actor"])
    t = _joined(t_all)
    ok = _joined(ok_all)
    line = _joined(line_all)
    fileno = _joined(file_all)
    del cols, t_all, ok_all, line_all, file_all
    n = len(case)
    # charts each power has, as a table (power, chart number) -> has it
    has_chart = np.zeros((len(powers), len(chart_names) + 1), bool)
    has_chart[:, 0] = True
    for pi, pid in enumerate(powers):
        for f in index.charts[pid]:
            has_chart[pi, fnum[f]] = True
    good = (case > 0) & (power >= 0) & (step >= 0) & ok & (chart >= 0)
    good &= has_chart[np.maximum(power, 0), np.maximum(chart, 0)]
    if calendar is not None:
        good &= ((t >= known_from) & (t <= known_until)) | (t > counted_until)
    del ok
    # group rows by case, in the order of first appearance, each case's rows in order
    first_row = np.full(len(case_texts), n, np.int64)
    np.minimum.at(first_row, case[::-1], np.arange(n - 1, -1, -1, dtype=np.int64))
    order = _stable_order(first_row[case])
    sc = case[order]
    bounds = np.flatnonzero(np.diff(sc)) + 1
    starts = np.concatenate(([0], bounds)).astype(np.int64)
    g_case = sc[starts]
    sg = good[order]
    sp = power[order]
    sf = chart[order]
    st = t[order]
    # a case is plain: every row good, one power, at most one chart, times in order
    all_good = np.logical_and.reduceat(sg, starts) if n else np.zeros(0, bool)
    same = np.ones(n, bool)
    new = np.zeros(n, bool)
    new[starts] = True
    same[1:] = (sp[1:] == sp[:-1]) & (st[1:] >= st[:-1])
    same |= new
    plain = all_good & np.logical_and.reduceat(same, starts) if n else all_good
    fmax = None
    if n:
        fmax = np.maximum.reduceat(sf, starts)
        fmin = np.minimum.reduceat(np.where(sf == 0, fmax.max() + 1, sf), starts)
        plain &= (fmax == 0) | (fmin == fmax)
    plain &= g_case > 0
    del sg, sp, sf, same, new, sc
    return _assemble(
        reg, files, index, actors, powers, chart_names, notes, row_word, source,
        case_texts, order, starts, plain, g_case, case, power, step, chart, actor, t, line,
        fileno, calendar, as_of, st, fmax,
    )  # fmt: skip


def _stable_order(key: Ints) -> Ints:
    """The stable ``argsort`` of ``key``, numbers from 0 below its length: sorted
    together with each place as one number (key, then place), which needs no stable
    sort, about twice as fast.

    Examples:
        >>> _stable_order(np.array([2, 0, 2, 1, 0])).tolist()
        [1, 4, 3, 0, 2]
    """
    n = len(key)
    bits = max(1, (n - 1).bit_length())
    if 2 * bits > 62:  # pragma: no cover - two thousand million rows
        return np.argsort(key, kind="stable")
    both = (key.astype(np.int64) << bits) | np.arange(n, dtype=np.int64)
    both.sort()
    both &= (1 << bits) - 1
    return both


def _joined(parts: list[Any]) -> Any:
    """The arrays of each file as one (a lone file's array itself, not a copy)."""
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _num(numbers: dict[str, int], texts: list[str], text: str) -> int:
    k = numbers.get(text)
    if k is None:
        k = numbers[text] = len(texts)
        texts.append(text)
    return k


def _assemble(
    reg: Registry,
    files: list[tuple[str, Columns]],
    index: RowIndex,
    actors: Vocabulary,
    powers: list[str],
    chart_names: list[str],
    notes: dict[int, str],
    row_word: str,
    source: str,
    case_texts: list[str],
    order: Ints,
    starts: Ints,
    plain: Bools,
    g_case: Ints,
    case: Ints,
    power: Ints,
    step: Ints,
    chart: Ints,
    actor: Ints,
    t: Ints,
    line: Ints,
    fileno: Ints,
    calendar: WorkCalendar | None,
    as_of: date | None,
    t_grouped: Ints,
    chart_max: Ints | None,
) -> BulkLog:
    """The plain cases' events as arrays, the other rows through the row reader, and
    the cases of both in the order of the log (``t_grouped``: ``t[order]``;
    ``chart_max``: each case's highest chart number, if any row)."""
    n = len(case)
    sizes = np.diff(np.concatenate((starts, [n])))
    all_plain = bool(plain.all())
    # (every case plain, the usual: its rows are the grouped ones, none for the reader)
    plain_row = None if all_plain else np.repeat(plain, sizes)
    rows_plain = order if plain_row is None else order[plain_row]
    p_sizes = sizes[plain]
    p_starts = np.concatenate(([0], np.cumsum(p_sizes)))
    p_first = order[starts[plain]]  # the row of each plain case's first event
    p_case = g_case[plain]
    # the other rows, in the order of the file, through the row reader
    dirty = order[:0] if plain_row is None else np.sort(order[~plain_row])
    reader = RowReader(
        reg, files[0][0] if files else source, row_word,
        calendar=calendar, as_of=as_of, index=index,
    )  # fmt: skip
    reader.actors = actors
    d_file: dict[str, int] = {}
    offsets = np.cumsum([0] + [c.n for _, c in files])
    last_file = 0
    for i in dirty.tolist():
        fi = int(fileno[i])
        name, c = files[fi]
        if fi != last_file or reader.log.source != name:
            for cid in reader.known:
                d_file.setdefault(cid, last_file)
            reader.log.source, last_file = name, fi
        j = i - int(offsets[fi])
        stamp = c.stamps[j].as_py()
        reader.add(
            int(line[i]),
            c.texts["case_id"][c.codes["case_id"][j]],
            c.texts["power_id"][c.codes["power_id"][j]],
            c.texts["step_id"][c.codes["step_id"][j]],
            _stamp_text(stamp),
            c.texts["flowchart_id"][c.codes["flowchart_id"][j]],
            c.texts["actor"][c.codes["actor"][j]],
            c.texts["note"][c.codes["note"][j]],
        )
    for cid in reader.known:
        d_file.setdefault(cid, last_file)
    order_of_file = {name: fi for fi, (name, _) in enumerate(files)}
    log = reader.finish(len(dirty))
    problems = log.problems
    if len(files) > 1:
        problems.sort(key=lambda p: (order_of_file.get(p.file or "", 0), p.line))
    d_cases = [_case(ev) for ev in log.cases.values()]
    first_line = 1 if row_word == "row" else 2

    def row_place(fi: int, line: int) -> int:
        """The place among the rows read of the row at ``line`` of file ``fi``."""
        lines = files[fi][1].lines
        at = line - first_line if lines is None else int(np.searchsorted(lines, line))
        return int(offsets[fi]) + at

    d_keys = [row_place(d_file[ev.case_id], ev.packed[1]) for ev in d_cases]
    # every case in the order of its first event
    keys = np.concatenate((p_first, np.array(d_keys, np.int64)))
    final = np.argsort(keys, kind="stable")
    d_packed = [np.frombuffer(ev.packed, np.int64).reshape(-1, 3) for ev in d_cases]
    d_sizes = np.array([len(x) for x in d_packed], np.int64)
    all_sizes = np.concatenate((p_sizes, d_sizes))
    n_plain = int(p_starts[-1])
    src_start = np.concatenate((p_starts[:-1], n_plain + np.cumsum(d_sizes) - d_sizes))
    pt = t_grouped if all_plain else t[rows_plain]
    pl = line[rows_plain]
    pcode = (step.astype(np.int64) | actor.astype(np.int64) << STEP_BITS)[rows_plain]
    if d_packed:
        dp = np.concatenate(d_packed)
        bt = np.concatenate((pt, dp[:, 0]))
        bl = np.concatenate((pl, dp[:, 1]))
        bc = np.concatenate((pcode, dp[:, 2]))
    else:
        bt, bl, bc = pt, pl, pcode
    f_sizes = all_sizes[final]
    f_start = np.concatenate(([0], np.cumsum(f_sizes))).astype(np.int64)
    if d_cases:  # (plain cases alone are in the log's order: each begins after the last)
        gather = np.repeat(src_start[final] - f_start[:-1], f_sizes) + np.arange(
            int(f_start[-1]), dtype=np.int64
        )
        bt, bl, bc = bt[gather], bl[gather], bc[gather]
    # the ids of every case (plain ones, then the others), in the order of the log
    n_p = len(p_case)
    if all_plain and chart_max is not None:
        p_chart = chart_max
    else:
        p_chart = np.maximum.reduceat(chart[rows_plain], p_starts[:-1]) if n_plain else p_case
    ids = index.ids
    chart_texts = [None, *(ids[f] for f in chart_names)]
    columns: list[Any] = []
    for table, codes, others in (
        (case_texts, p_case, [ev.case_id for ev in d_cases]),
        (powers, power[p_first], [ev.power_id for ev in d_cases]),
        (chart_texts, p_chart, [ev.flowchart_id for ev in d_cases]),
    ):
        if not d_cases:
            columns.append(list(map(table.__getitem__, codes.tolist())))
            continue
        both = np.empty(n_p + len(d_cases), dtype=object)
        both[:n_p] = np.asarray(table, dtype=object)[codes]
        both[n_p:] = others
        columns.append(both[final].tolist())
    case_ids, power_ids, chart_ids = columns
    # notes, by case and the event's position in it
    place = np.empty(len(final), np.int64)
    place[final] = np.arange(len(final))
    out_notes: dict[int, dict[int, str]] = {}
    if notes:
        noted = np.array(sorted(notes), np.int64)
        at = np.full(n, -1, np.int64)
        at[rows_plain] = np.arange(n_plain)
        k_plain = at[noted]
        keep = k_plain >= 0
        plain_case_of = np.searchsorted(p_starts, k_plain[keep], side="right") - 1
        for r, k, pc_ in zip(
            noted[keep].tolist(), k_plain[keep].tolist(), plain_case_of.tolist(), strict=True
        ):
            out_notes.setdefault(int(place[pc_]), {})[k - int(p_starts[pc_])] = notes[r]
    for i, ev in enumerate(d_cases):
        if ev._notes:
            out_notes[int(place[n_p + i])] = ev._notes
    return BulkLog(
        source=source,
        index=index,
        actors=actors,
        case_ids=case_ids,
        power_ids=power_ids,
        chart_ids=chart_ids,
        start=f_start,
        time=bt,
        line=bl,
        code=bc,
        notes=out_notes,
        problems=problems,
        rows=n,
        checked=None if calendar is None else (calendar, as_of),
        first_row=keys[final],
    )


def _case(events: Any) -> CaseEvents:
    """A case of the row reader's log (always :class:`~.caseevents.CaseEvents`)."""
    assert isinstance(events, CaseEvents)
    return events


def _stamp_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    return str(value.isoformat())
