"""The monitor's replay in bulk (issue 21.3): a CSV or Parquet log read as columns and
replayed on arrays (:mod:`powerreg.monitor.bulk`, :mod:`powerreg.monitor.bulkreplay`)
gives, field by field, what the row-at-a-time reading and the case-by-case replay give
for the same log — cases, deviations, alerts, rows left out, the summary and every
output."""

from __future__ import annotations

import random
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import powerreg
from powerreg.monitor import monitor, synth_cases
from powerreg.monitor.bulk import read_bulk
from powerreg.monitor.calendar import china_calendar
from powerreg.monitor.columnar import read_parquet
from powerreg.monitor.events import read_log
from powerreg.monitor.result import MonitorResult

REFERENCE = powerreg.load_reference()
CASE_FIELDS = (
    "case_id",
    "power_id",
    "flowchart_id",
    "status",
    "step_days",
    "elapsed",
    "deviations",
    "alerts",
    "limit",
    "inferred",
    "lost",
)

#: Ways a row goes wrong (each a function of the row's fields and a random source).
MUTATIONS: list[Any] = [
    lambda f, r: f.__setitem__(1, "ZZ-999"),  # M003
    lambda f, r: f.__setitem__(3, "S99"),  # M005
    lambda f, r: f.__setitem__(4, "2011-13-01 00:00:00"),  # M002
    lambda f, r: f.__setitem__(4, "2011/1/5 9:30"),  # parsed by Python
    lambda f, r: f.__setitem__(4, f[4].replace(" ", "T") + "+00:00"),  # a zone
    lambda f, r: f.__setitem__(0, ""),  # M001, no case
    lambda f, r: f.__setitem__(3, ""),  # M001
    lambda f, r: f.__setitem__(2, ""),  # no chart on this row
    lambda f, r: f.__setitem__(2, "F9"),  # M004
    lambda f, r: f.__setitem__(0, f" {f[0]}"),  # stripped
    lambda f, r: f.__setitem__(4, "1999-01-01 00:00:00"),  # M009
    lambda f, r: f.__setitem__(4, "2010-01-04 09:00:00"),  # M006 most likely
    lambda f, r: f.__setitem__(1, "XK-001"),  # M007 most likely
    lambda f, r: (f.__setitem__(5, "窗口"), f.__setitem__(6, "补正材料")),  # actor, note
    lambda f, r: f.__setitem__(4, f[4][:16]),  # no seconds: parsed by Python
]


def _write(
    path: Path, n_cases: int, seed: int, dev: float, delay: float, bad: float, charts: bool
) -> Path:
    log = synth_cases(REFERENCE, n_cases, seed, dev, delay)
    log.write_csv(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    rng = random.Random(seed)
    out = [lines[0]]
    for text in lines[1:]:
        fields = text.split(",")
        if not charts:
            fields[2] = ""  # the chart left to be inferred
        if rng.random() < bad:
            rng.choice(MUTATIONS)(fields, rng)
        out.append(",".join(fields))
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def assert_same(new: MonitorResult, old: MonitorResult) -> None:
    """Two results agree field by field, and in every output."""
    assert len(new.cases) == len(old.cases)
    for a, b in zip(new.cases, old.cases, strict=True):
        assert [getattr(a, f) for f in CASE_FIELDS] == [getattr(b, f) for f in CASE_FIELDS]
        assert list(a.events) == list(b.events)
    assert new.problems == old.problems
    assert (new.rows, new.after_as_of, new.source, new.events) == (
        old.rows,
        old.after_as_of,
        old.source,
        old.events,
    )
    assert new.totals == old.totals
    assert new.to_text("en") == old.to_text("en")
    assert new.to_json("zh") == old.to_json("zh")
    assert new.to_markdown("en") == old.to_markdown("en")


@given(
    n_cases=st.integers(1, 60),
    seed=st.integers(0, 10_000),
    dev=st.floats(0, 1),
    delay=st.floats(0, 1),
    bad=st.sampled_from([0.0, 0.02, 0.3]),
    charts=st.booleans(),
    as_of=st.sampled_from([None, date(2011, 1, 20), date(2011, 3, 1), date(2012, 6, 1)]),
)
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_bulk_replay_of_a_csv_log_equals_the_case_by_case_replay(
    tmp_path: Path,
    n_cases: int,
    seed: int,
    dev: float,
    delay: float,
    bad: float,
    charts: bool,
    as_of: date | None,
) -> None:
    path = _write(tmp_path / f"cases-{seed}.csv", n_cases, seed, dev, delay, bad, charts)
    cal = china_calendar()
    bulk = read_bulk(path, REFERENCE, calendar=cal, as_of=as_of)
    assert bulk is not None  # read in bulk
    read = read_log(path, REFERENCE, calendar=cal, as_of=as_of)
    got = bulk.to_event_log()
    assert list(got.cases) == list(read.cases)
    assert all(got.cases[k] == read.cases[k] for k in read.cases)
    assert [c.flowchart_id for c in got.cases.values()] == [  # type: ignore[attr-defined]
        c.flowchart_id  # type: ignore[attr-defined]
        for c in read.cases.values()
    ]
    assert (got.problems, got.rows, got.lines, got.first, got.last) == (
        read.problems,
        read.rows,
        read.lines,
        read.first,
        read.last,
    )
    new = monitor(path, REFERENCE, as_of=as_of)
    old = monitor(read, REFERENCE, as_of=as_of)
    assert_same(new, old)


@pytest.mark.parametrize("by_month", [False, True])
@pytest.mark.parametrize("as_of", [None, date(2011, 2, 15)])
def test_bulk_replay_of_parquet_equals_the_case_by_case_replay(
    tmp_path: Path, by_month: bool, as_of: date | None
) -> None:
    log = synth_cases(REFERENCE, 300, 5, 0.3, 0.2)
    path = log.write_parquet(tmp_path / "cases.parquet", by_month=by_month)
    cal = china_calendar()
    assert read_bulk(path, REFERENCE, calendar=cal, as_of=as_of) is not None
    new = monitor(path, REFERENCE, as_of=as_of)
    old = monitor(read_parquet(path, REFERENCE, calendar=cal, as_of=as_of), REFERENCE, as_of=as_of)
    assert_same(new, old)


@given(seed=st.integers(0, 10_000), bad=st.sampled_from([0.05, 0.3]), parts=st.integers(1, 3))
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_bulk_replay_of_parquet_with_bad_rows_equals_the_case_by_case_replay(
    tmp_path: Path, seed: int, bad: float, parts: int
) -> None:
    """Text columns (the timestamp too), rows left out across a directory's files: each
    problem names its file and its row there."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    text = _write(tmp_path / f"c{seed}.csv", 40, seed, 0.3, 0.3, bad, True).read_text("utf-8")
    header, *rows = [line.split(",") for line in text.splitlines()]
    folder = Path(tempfile.mkdtemp(dir=tmp_path))  # one per example
    size = -(-len(rows) // parts)
    for i in range(parts):
        chunk = rows[i * size : (i + 1) * size]
        columns = {h: [r[j] or None for r in chunk] for j, h in enumerate(header)}
        pq.write_table(pa.table(columns), folder / f"part-{i}.parquet")
    cal = china_calendar()
    assert read_bulk(folder, REFERENCE, calendar=cal) is not None
    old = monitor(read_parquet(folder, REFERENCE, calendar=cal), REFERENCE)
    assert_same(monitor(folder, REFERENCE), old)


@pytest.mark.parametrize(
    "text",
    [
        'case_id,power_id,step_id,timestamp,note\nA1,XK-001,S1,2011-10-10 09:00,"a, b"\n',
        "case_id,power_id,step_id,timestamp\r\nA1,XK-001,S1,2011-10-10 09:00\r\n",
        "case_id,power_id,step_id,timestamp\nA1,XK-001,S1,2011-10-10 09:00\n\nA1,XK-001,S2,"
        "2011-10-11 09:00\n",
        "case_id,power_id,step_id,timestamp\nA1,XK-001,S1,2011-10-10 09:00,extra\n",
    ],
    ids=["quoted", "crlf", "blank-line", "wide-row"],
)
def test_a_log_the_bulk_reading_cannot_take_exactly_is_read_line_by_line(
    tmp_path: Path, text: str
) -> None:
    path = tmp_path / "cases.csv"
    path.write_bytes(text.encode("utf-8"))
    assert read_bulk(path, REFERENCE, calendar=china_calendar()) is None
    cal = china_calendar()
    old = monitor(read_log(path, REFERENCE, calendar=cal), REFERENCE)
    assert_same(monitor(path, REFERENCE), old)


def test_a_bulk_result_makes_its_cases_once_and_pickles_as_a_plain_result(
    tmp_path: Path,
) -> None:
    import pickle

    path = synth_cases(REFERENCE, 40, 3, 0.3, 0.3).write_csv(tmp_path / "cases.csv")
    result = monitor(path, REFERENCE, as_of=date(2011, 2, 1))
    counted = result.events  # before the cases are made
    cases = result.cases
    assert result.cases is cases
    assert counted == sum(len(c.events) for c in cases) > 0
    copy = pickle.loads(pickle.dumps(result))
    assert type(copy) is MonitorResult
    assert copy.cases == cases
    assert copy.to_json("en") == result.to_json("en")


@pytest.mark.parametrize("bad", [b"\xff", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80"])
@pytest.mark.parametrize("column", [0, 4], ids=["case_id", "a column not read"])
def test_a_log_not_utf8_is_refused_as_the_line_reader_refuses_it(
    tmp_path: Path, bad: bytes, column: int
) -> None:
    from powerreg.errors import UsageError

    rows = [["A1", "XK-001", "S1", "2011-10-10 09:00:00", "x"]] * 3
    rows[1] = [*rows[1][:column], "窗口Z", *rows[1][column + 1 :]]
    text = "case_id,power_id,step_id,timestamp,other\n" + "".join(",".join(r) + "\n" for r in rows)
    path = tmp_path / "cases.csv"
    path.write_bytes(text.encode("utf-8").replace(b"Z", bad))
    with pytest.raises(UsageError) as theirs:
        read_log(path, REFERENCE)
    with pytest.raises(UsageError) as ours:
        monitor(path, REFERENCE)
    assert str(ours.value) == str(theirs.value)
    assert ":3: the case log is not UTF-8" in str(ours.value)
