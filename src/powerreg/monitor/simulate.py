"""Case logs with known truth: made-up cases on a registry's flowcharts, with chosen
rates of deviations and delays, and a record of every deviation and alert they must
raise.

Each case walks its flowchart from the start to an end along transitions (a loop such
as 补正 → 受理 is taken at most twice per step). A share ``deviation_rate`` of the cases
then gets exactly one deviation, of a kind the chart allows:

* M101 — a step of another of the power's charts inserted between two steps that
  follow each other;
* M102 — a step dropped where its neighbours are not a transition (a skip), or a move
  back to an earlier step of the walk, which then goes on from there (reversed or
  repeated);
* M103 — the first one or two events dropped (the case begins after the start);
* M104 — the last events dropped (the case closes before an end).

Each step visit then gets a duration in whole working days: within its ``days``, or,
with probability ``delay_rate``, over them; events fall on working days (from the same
calendar the monitor uses), the next one that many working days later. The alerts the
durations imply are computed from the durations themselves, not from the timestamps.
Every case is closed, so the truth holds for a replay without ``as_of``. The same
arguments give the same log.

Examples:
    >>> import powerreg
    >>> from powerreg.monitor import monitor
    >>> reg = powerreg.load_reference()
    >>> log = synth_cases(reg, 200, seed=7, deviation_rate=0.2, delay_rate=0.1)
    >>> len(log.injected), log.rows[0][:4]
    (26, ('C000159', 'CF-017', 'F2', 'S1'))
    >>> result = monitor(log.to_event_log(reg), reg)
    >>> {d.key() for d in result.deviations} == log.deviations
    True
    >>> {a.key() for a in result.alerts} == log.alerts
    True
"""

from __future__ import annotations

import csv
import json
import os
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from ..atomic import check_output, new_directory, new_file
from ..codes import Phrase, phrase
from ..errors import UsageError
from ..model import Flowchart, Power, Registry
from ..paths import steps_toward_end
from .calendar import WorkCalendar, china_calendar
from .chartindex import ChartIndex
from .reader import EventLog, RowReader

#: Column order of the logs written.
HEADER = ("case_id", "power_id", "flowchart_id", "step_id", "timestamp", "actor", "note")

Row = tuple[str, str, str, str, str, str, str]
DeviationKey = tuple[str, str, int, str | None]
AlertKey = tuple[str, str, str, str | None, int | None]

#: Cases started per working day: sets how far apart the case start dates spread.
CASES_PER_DAY = 20


@dataclass
class SynthLog:
    """A generated log and its truth.

    ``rows`` are in time order (as a supervision system writes them), columns as
    :data:`HEADER`. ``deviations`` holds ``(case, code, position, step)`` and
    ``alerts`` ``(case, code, scope, step, position)``, the keys of
    :meth:`Deviation.key <powerreg.monitor.findings.Deviation.key>` and
    :meth:`Alert.key <powerreg.monitor.findings.Alert.key>`; ``injected`` says, per
    case, which deviation was made.
    """

    rows: list[Row]
    deviations: set[DeviationKey] = field(default_factory=set)
    alerts: set[AlertKey] = field(default_factory=set)
    injected: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def events(self) -> int:
        """Number of events (rows)."""
        return len(self.rows)

    def write(
        self,
        path: str | os.PathLike[str],
        fmt: str,
        *,
        by_month: bool = False,
        truth: str | os.PathLike[str] | None = None,
        source: str | os.PathLike[str] | None = None,
    ) -> Path:
        """Write the log in ``fmt`` (``csv``, ``jsonl``, ``parquet``) and its truth to
        ``truth``, both refused before either is written if one may not be replaced."""
        if truth is not None:
            _checked(truth, _not_a_truth, source)
        if fmt == "parquet":
            written = self.write_parquet(path, by_month=by_month, source=source)
        elif fmt == "jsonl":
            written = self.write_jsonl(path, source=source)
        else:
            written = self.write_csv(path, source=source)
        if truth is not None:
            self.write_truth(truth, source=source)
        return written

    def write_csv(
        self, path: str | os.PathLike[str], *, source: str | os.PathLike[str] | None = None
    ) -> Path:
        """Write the log as CSV (UTF-8, a header row). Every writer replaces its output
        atomically, and only an output that is new, empty or a log of this kind (never a
        link, nor anything inside ``source``, the registry read: :func:`_checked`)."""
        p = _checked(path, _not_a_log, source)
        with new_file(p) as tmp, tmp.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(HEADER)
            w.writerows(self.rows)
        return p

    def write_jsonl(
        self, path: str | os.PathLike[str], *, source: str | os.PathLike[str] | None = None
    ) -> Path:
        """Write the log as JSON Lines (empty fields left out)."""
        p = _checked(path, _not_a_log, source)
        with new_file(p) as tmp, tmp.open("w", encoding="utf-8") as f:
            for row in self.rows:
                obj = {k: v for k, v in zip(HEADER, row, strict=True) if v}
                f.write(json.dumps(obj, ensure_ascii=False) + "\n")
        return p

    def write_parquet(
        self,
        path: str | os.PathLike[str],
        *,
        by_month: bool = False,
        rows_per_group: int = 65_536,
        source: str | os.PathLike[str] | None = None,
    ) -> Path:
        """Write the log as Parquet (extra ``scale``), ``timestamp`` an Arrow timestamp
        (China time, naive) and empty fields null; with ``by_month``, a directory
        partitioned the Hive way (``month=2011-10/part-0.parquet``) instead of one file.

        Written in groups of ``rows_per_group`` rows, never the whole log as Arrow."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema(
            [(c, pa.timestamp("us") if c == "timestamp" else pa.string()) for c in HEADER]
        )

        def table(rows: list[Row]) -> Any:
            cols = list(zip(*rows, strict=True)) if rows else [()] * len(HEADER)
            arrays = [
                pa.array(
                    [datetime.fromisoformat(v) for v in col]
                    if c == "timestamp"
                    else [v or None for v in col],
                    type=schema.field(c).type,
                )
                for c, col in zip(HEADER, cols, strict=True)
            ]
            return pa.Table.from_arrays(arrays, schema=schema)

        def write(target: Path, rows: list[Row]) -> None:
            with pq.ParquetWriter(target, schema) as w:
                for i in range(0, max(len(rows), 1), rows_per_group):
                    w.write_table(table(rows[i : i + rows_per_group]))

        if not by_month:
            p = _checked(path, _not_a_log, source)
            with new_file(p) as tmp:
                write(Path(tmp), self.rows)
            return p
        p = _checked(path, _not_a_log_by_month, source, directory=True)
        months: dict[str, list[Row]] = {}
        for row in self.rows:
            months.setdefault(row[4][:7], []).append(row)
        with new_directory(p) as tmp:
            for month, rows in sorted(months.items()):
                d = Path(tmp) / f"month={month}"
                d.mkdir()
                write(d / "part-0.parquet", rows)
        return p

    def truth(self) -> dict[str, Any]:
        """The truth as plain data: parameters, injected deviations, expected findings."""
        return {
            "params": self.params,
            "injected": self.injected,
            "deviations": [list(k) for k in sorted(self.deviations, key=_sort_key)],
            "alerts": [list(k) for k in sorted(self.alerts, key=_sort_key)],
        }

    def write_truth(
        self, path: str | os.PathLike[str], *, source: str | os.PathLike[str] | None = None
    ) -> Path:
        """Write :meth:`truth` as JSON."""
        p = _checked(path, _not_a_truth, source)
        text = json.dumps(self.truth(), ensure_ascii=False, indent=2) + "\n"
        with new_file(p) as tmp:
            tmp.write_text(text, "utf-8")
        return p

    def to_pandas(self) -> Any:
        """The log as a ``pandas.DataFrame`` (extra ``notebook``)."""
        import pandas as pd

        return pd.DataFrame(self.rows, columns=list(HEADER))

    def to_event_log(self, reg: Registry) -> EventLog:
        """The log read as the monitor reads a file, without a file."""
        reader = RowReader(reg, "synth.csv")
        for line, (case, power, chart, step, stamp, actor, note) in enumerate(self.rows, 2):
            reader.add(line, case, power, step, stamp, chart, actor, note)
        return reader.finish(len(self.rows))


def _checked(
    path: str | os.PathLike[str],
    not_ours: Callable[[Path], Phrase | None],
    source: str | os.PathLike[str] | None,
    *,
    directory: bool = False,
) -> Path:
    fix = phrase("fix.synth_cases_file")  # what ends a message refusing an output
    return check_output(path, directory=directory, not_ours=not_ours, fix=fix, source=source)


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as f:
            return f.read(4096)
    except OSError:
        return b""


def _not_a_log(path: Path) -> Phrase | None:
    """Why ``path`` is not a case log to replace: one begins with the log's header (CSV),
    an event (JSON Lines) or Parquet's magic bytes.

    Examples:
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> _ = (d / "a.csv").write_text(",".join(HEADER) + "\\n"), (d / "b.txt").write_text("x")
        >>> _not_a_log(d / "a.csv") is None, _not_a_log(d / "b.txt").in_lang("en")
        (True, 'is not a case log (it does not begin with a header or an event)')
    """
    head = _head(path)
    if head.startswith(b"PAR1"):
        return None
    first = head.split(b"\n", 1)[0].removeprefix(b"\xef\xbb\xbf").rstrip(b"\r")
    if first == ",".join(HEADER).encode():
        return None
    if first.startswith(b'{"case_id": '):
        return None
    return phrase("part.not_a_log")


def _not_a_log_by_month(path: Path) -> Phrase | None:
    """Why directory ``path`` is not a log by month to replace (``month=…/*.parquet``)."""
    for entry in path.iterdir():
        if not (entry.is_dir() and entry.name.startswith("month=")) or any(
            not p.name.endswith(".parquet") for p in entry.iterdir()
        ):
            return phrase("part.not_a_log_by_month")
    return None


def _not_a_truth(path: Path) -> Phrase | None:
    """Why ``path`` is not a truth file to replace (one begins ``{"params":``)."""
    if _head(path).replace(b" ", b"").replace(b"\n", b"").startswith(b'{"params":'):
        return None
    return phrase("part.not_a_truth")


def _sort_key(key: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple("" if v is None else str(v).zfill(6) for v in key)


class _Chart:
    """A chart that synthetic cases can walk: one start, every step able to finish."""

    def __init__(self, power: Power, fc: Flowchart) -> None:
        self.index = ChartIndex(power, fc)
        self.power = power
        assert self.index.start is not None
        self.start = self.index.start
        self.limit = 2 * len(fc.steps)
        # the next step on a shortest way to an end, to finish a long walk
        self.toward_end = steps_toward_end(self.index.succ, self.index.ends)
        others = {s.id for o in power.flowcharts if o.id != fc.id for s in o.steps}
        #: steps of the power's other charts whose ids this chart does not have
        self.off_chart = sorted(others - self.index.steps)
        self.roles = {s.id: s.role or "" for s in fc.steps}
        self.pause_days = {s.id: s.days or 3 for s in fc.steps if s.pauses_clock}

    def walk(self, rng: random.Random) -> list[str]:
        idx = self.index
        path = [self.start]
        visits = Counter(path)
        while path[-1] not in idx.ends:
            cur = path[-1]
            if len(path) >= self.limit:
                nxt = self.toward_end[cur]
            else:
                options = [s for s in idx.succ[cur] if visits[s] < 2] or list(idx.succ[cur])
                nxt = rng.choice(options)
            path.append(nxt)
            visits[nxt] += 1
        return path


def _sound(fc: Flowchart) -> bool:
    return (
        len(fc.start_steps) == 1
        and bool(fc.end_steps)
        and not fc.unreachable_steps()
        and not fc.dead_end_steps()
    )


def synth_cases(
    registry: Registry,
    n_cases: int,
    seed: int = 0,
    deviation_rate: float = 0.1,
    delay_rate: float = 0.1,
    start: date = date(2011, 1, 4),
    *,
    calendar: WorkCalendar | None = None,
) -> SynthLog:
    """Generate ``n_cases`` closed cases on the sound flowcharts of ``registry``, with
    their truth.

    Cases start on working days from ``start`` on, about twenty a day (more when the
    calendar would run out: the last start leaves a year to finish in). A share
    ``deviation_rate`` of the cases gets one deviation each; each step visit with a
    budget overruns it with probability ``delay_rate``.

    Raises:
        UsageError: a rate outside [0, 1], a negative count, no sound flowchart, or
            dates beyond the working-day calendar.
    """
    for name, rate in (("deviation_rate", deviation_rate), ("delay_rate", delay_rate)):
        if not 0 <= rate <= 1:
            raise UsageError("cases.rate", name=name, rate=rate)
    if n_cases < 0:
        raise UsageError("cases.n_cases", n=n_cases)
    cal = calendar or china_calendar()
    cal.check(start, "start")
    charts = [_Chart(p, fc) for p, fc in registry.iter_flowcharts() if _sound(fc)]
    if not charts:
        raise UsageError("cases.no_sound_flowchart", registry=registry.id)
    rng = random.Random(seed)
    first = cal.number(cal.next_workday(start))
    # spread the starts, leaving the last cases a year of working days to finish in
    room = cal.number(cal.last) - first - 250
    if room < 1:
        raise UsageError(
            "cases.start_too_late",
            start=start.isoformat(),
            first=cal.first.year,
            last=cal.last.year,
        )
    span = max(1, min(n_cases // CASES_PER_DAY, room))
    log = SynthLog(
        rows=[],
        params={
            "registry": registry.id,
            "n_cases": n_cases,
            "seed": seed,
            "deviation_rate": deviation_rate,
            "delay_rate": delay_rate,
            "start": start.isoformat(),
        },
    )
    timed: list[tuple[datetime, int, int, Row]] = []
    for n in range(n_cases):
        chart = rng.choice(charts)
        case = f"C{n + 1:06d}"
        seq = chart.walk(rng)
        if rng.random() < deviation_rate:
            seq = _inject(rng, chart, case, seq, log)
        durations = _durations(rng, chart, seq, delay_rate)
        day = cal.working_day(first + rng.randrange(span))
        limits = (
            cal.budget(chart.power.promised_limit, day),
            cal.budget(chart.power.statutory_limit, day),
        )
        _truth_alerts(chart, case, seq, durations, limits, log)
        for pos, (step, stamp) in enumerate(
            zip(seq, _times(rng, cal, day, durations), strict=True)
        ):
            row = (
                case,
                chart.power.id,
                chart.index.id,
                step,
                stamp.isoformat(" "),
                chart.roles.get(step, ""),
                "",
            )
            timed.append((stamp, n, pos, row))
    timed.sort(key=lambda t: t[:3])
    log.rows = [t[3] for t in timed]
    return log


def _inject(
    rng: random.Random, chart: _Chart, case: str, path: list[str], log: SynthLog
) -> list[str]:
    """Give the walk one deviation of a kind it allows; record it in ``log``."""
    succ = chart.index.moves
    ends = chart.index.ends
    n = len(path)
    options: list[str] = []
    if chart.off_chart and n >= 2:
        options.append("M101")
    skips = [i for i in range(1, n - 1) if path[i + 1] not in succ[path[i - 1]]]
    if skips:
        options.append("M102-skip")
    backs = [
        (i, j)
        for i in range(1, n)
        for j in range(max(0, i - 4), i)
        if path[j] not in succ[path[i - 1]]
    ]
    if backs:
        options.append("M102-back")
    if n >= 3:
        options.append("M103")
    cuts = [k for k in range(2, n) if path[k - 1] not in ends]
    if cuts:
        options.append("M104")
    if not options:
        return path
    what = rng.choice(options)
    if what == "M101":
        i = rng.randrange(1, n)
        x = rng.choice(chart.off_chart)
        log.deviations.add((case, "M101", i, x))
        log.injected[case] = f"M101 {x} inserted before event {i}"
        return [*path[:i], x, *path[i:]]
    if what == "M102-skip":
        i = rng.choice(skips)
        log.deviations.add((case, "M102", i, path[i + 1]))
        log.injected[case] = f"M102 {path[i]} skipped ({path[i - 1]} -> {path[i + 1]})"
        return [*path[:i], *path[i + 1 :]]
    if what == "M102-back":
        i, j = rng.choice(backs)
        log.deviations.add((case, "M102", i, path[j]))
        log.injected[case] = f"M102 back from {path[i - 1]} to {path[j]}"
        return [*path[:i], *path[j:]]
    if what == "M103":
        k = rng.randint(1, min(2, n - 2))
        log.deviations.add((case, "M103", 0, path[k]))
        log.injected[case] = f"M103 began at {path[k]}"
        return path[k:]
    k = rng.choice(cuts)
    log.deviations.add((case, "M104", k - 1, path[k - 1]))
    log.injected[case] = f"M104 closed at {path[k - 1]}"
    return path[:k]


def _durations(rng: random.Random, chart: _Chart, seq: list[str], delay_rate: float) -> list[int]:
    """Working days spent in each step of ``seq`` but the last."""
    budgets = chart.index.days
    out = []
    for s in seq[:-1]:
        if s in chart.pause_days:
            out.append(rng.randint(0, chart.pause_days[s]))
        elif s in budgets:
            b = budgets[s]
            if rng.random() < delay_rate:
                out.append(b + rng.randint(1, max(2, b // 2 + 1)))
            else:
                out.append(rng.randint(0, b))
        else:  # the start, a step without days, a step off the chart
            out.append(rng.randint(0, 1))
    return out


def _truth_alerts(
    chart: _Chart,
    case: str,
    seq: list[str],
    durations: list[int],
    limits: tuple[int | None, int | None],
    log: SynthLog,
) -> None:
    """The alerts the durations imply (SPEC of :mod:`.deadlines`), from the durations."""
    budgets = chart.index.days
    elapsed = 0
    for i, (s, d) in enumerate(zip(seq, durations, strict=False)):
        if s in chart.pause_days:
            continue
        elapsed += d
        if s in budgets and d > budgets[s]:
            log.alerts.add((case, "M202", "step", s, i))
    promised, statutory = limits  # in working days from the case's first day
    if promised is not None:
        if promised > 0 and 5 * elapsed >= 4 * promised:
            log.alerts.add((case, "M201", "case", None, None))
        if elapsed > promised:
            log.alerts.add((case, "M202", "case", None, None))
    if statutory is not None and elapsed > statutory:
        log.alerts.add((case, "M203", "case", None, None))


_OPEN = time(8, 30)


def _times(
    rng: random.Random, cal: WorkCalendar, day: date, durations: list[int]
) -> Iterator[datetime]:
    """A timestamp per event: the first on ``day``, each next one the step's duration
    in working days later (later the same day for none)."""
    t = datetime.combine(day, _OPEN) + timedelta(minutes=rng.randrange(180))
    yield t
    for d in durations:
        if d == 0:
            later = t + timedelta(minutes=rng.randint(5, 90))
            t = later if later.date() == t.date() else t.replace(hour=23, minute=59, second=59)
        else:
            nxt = cal.add_working_days(t.date(), d)
            t = datetime.combine(nxt, _OPEN) + timedelta(minutes=rng.randrange(540))
        yield t
