"""The monitor on Dask (issue 20.2, 20.3): a Parquet log's cases shared out among Dask
tasks and replayed on a local cluster's workers give exactly the single process's answer
— every case, deviation, alert, summary and row left out, in the same order, a case's
rows in one file or several — and the live service fed the same events agrees with both.

One cluster serves the module: two worker processes on 127.0.0.1, started with a time
limit and closed at the end.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import random
import tempfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import powerreg
from powerreg.errors import UsageError
from powerreg.monitor import monitor, synth_cases
from powerreg.monitor.engine import local_cluster, monitor_dask
from powerreg.monitor.shares import share_of_rows
from powerreg.monitor.simulate import HEADER
from powerreg.service import Supervisor, Token

from .test_service import Clock
from .test_service_equivalence import comparable

REG = powerreg.load_reference()
SENDER = Token("all", frozenset(REG.powers), send=True, read=True)


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with local_cluster(2, timeout=120) as client:
        yield str(client.scheduler.address)


def bad_rows(rows: list[tuple[str, ...]], rng: random.Random) -> list[tuple[str, ...]]:
    """The log with rows that must be left out (an unknown step, no case, a case's row
    naming another power) put among its rows. (Not a power the registry lacks: a log
    mostly of those is refused whole as another registry's.)"""
    powers = sorted(REG.powers)
    other = {p: powers[(powers.index(p) + 1) % len(powers)] for p in powers}
    out: list[tuple[str, ...]] = []
    for case, power, chart, step, stamp, actor, note in rows:
        out.append((case, power, chart, step, stamp, actor, note))
        if rng.random() < 0.15:  # after the row: the case is known by then
            out.append(
                rng.choice(
                    [
                        (case, power, chart, "S999", stamp, actor, note),
                        ("", power, chart, "S1", stamp, actor, note),
                        (case, other[power], "", "S1", stamp, "", ""),
                    ]
                )
            )
    return out


@settings(
    max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# a case that lost rows in two files of a month-partitioned log: its lost lines come in
# the order of the files (a partition once sorted them by row number alone)
@example(seed=160, n_cases=8, deviation_rate=0.0, delay_rate=0.4, cut=0.0, by_month=True)
@given(
    seed=st.integers(0, 10_000),
    n_cases=st.integers(1, 12),
    deviation_rate=st.sampled_from([0.0, 0.4, 1.0]),
    delay_rate=st.sampled_from([0.0, 0.4]),
    cut=st.floats(0.0, 1.2),
    by_month=st.booleans(),
)
def test_dask_the_single_process_and_the_service_agree(
    scheduler: str,
    seed: int,
    n_cases: int,
    deviation_rate: float,
    delay_rate: float,
    cut: float,
    by_month: bool,
) -> None:
    log = synth_cases(REG, n_cases, seed=seed, deviation_rate=deviation_rate, delay_rate=delay_rate)
    good = log.rows
    first = date.fromisoformat(good[0][4][:10])
    last = date.fromisoformat(good[-1][4][:10])
    as_of = first + timedelta(days=int((last - first).days * cut))
    log.rows = bad_rows(good, random.Random(seed))
    with tempfile.TemporaryDirectory() as tmp:
        path = log.write_parquet(
            Path(tmp) / ("cases" if by_month else "cases.parquet"),
            by_month=by_month,
            rows_per_group=7,
        )
        single = monitor(path, REG, as_of=as_of, lang="en")
        on_dask = monitor_dask(path, REG, as_of=as_of, lang="en", scheduler=scheduler, partitions=3)
        assert on_dask.to_json() == single.to_json()
        assert [p.as_line("en") for p in on_dask.problems] == [
            p.as_line("en") for p in single.problems
        ]
        assert len(single.problems) == len(log.rows) - len(good)
        assert on_dask.rows == single.rows == len(log.rows)
        # the live service, fed the good events in batches, holds the same cases
        sup = Supervisor(REG, Path(tmp) / "state.db", clock=Clock(as_of))
        try:
            for k in range(0, len(good), 25):
                events = [
                    {"event_id": f"e{i}", **dict(zip(HEADER, good[i], strict=True))}
                    for i in range(k, min(k + 25, len(good)))
                ]
                sup.post(json.dumps(events).encode(), SENDER)
            live = {c.case_id: comparable(c) for c in sup.results()}
            assert live == {c.case_id: comparable(c) for c in on_dask.cases}
            # a case with rows left out is counted as incomplete, which the service
            # (sent only the good rows) cannot know: its summary is that of the good rows
            kept = dataclasses.replace(log, rows=good).write_csv(Path(tmp) / "good.csv")
            whole = monitor(kept, REG, as_of=as_of)
            assert sup.powers()["powers"] == [p.to_dict() for p in whole.powers]
        finally:
            sup.close()


def _months(root: Path, files: dict[str, dict[str, list[Any]]], **types: Any) -> Path:
    """A Hive-partitioned log: one Parquet file a month, its columns as given."""
    for month, columns in files.items():
        (root / f"month={month}").mkdir(parents=True)
        schema = pa.schema([(c, types.get(c, pa.string())) for c in columns])
        pq.write_table(pa.table(columns, schema=schema), root / f"month={month}" / "part-0.parquet")
    return root


def _agree(path: Path, scheduler: str, partitions: int, **kw: Any) -> None:
    single = monitor(path, REG, lang="en", **kw)
    on_dask = monitor_dask(path, REG, lang="en", scheduler=scheduler, partitions=partitions, **kw)
    assert on_dask.to_json() == single.to_json()
    assert [p.as_line("en") for p in on_dask.problems] == [p.as_line("en") for p in single.problems]
    assert [(c.case_id, c.lost) for c in on_dask.cases] == [
        (c.case_id, c.lost) for c in single.cases
    ]
    assert (on_dask.rows, on_dask.events, on_dask.after_as_of) == (
        single.rows,
        single.events,
        single.after_as_of,
    )


def test_a_case_spread_over_several_files(scheduler: str, tmp_path: Path) -> None:
    # A1 runs through three months' files, named with blanks around its id in two of
    # them (the reader strips them: one case), and loses a row in two files; B2 starts
    # in the second file, before A1's next row; C3's first row is left out (its case is
    # first named by its second row, in the last file)
    def rows(*rs: tuple[str | None, str, str]) -> dict[str, list[Any]]:
        return {
            "case_id": [r[0] for r in rs],
            "power_id": ["XK-001"] * len(rs),
            "step_id": [r[1] for r in rs],
            "timestamp": [r[2] for r in rs],
        }

    path = _months(
        tmp_path / "cases",
        {
            "2011-10": rows(
                ("A1", "S1", "2011-10-10 09:00:00"),
                ("A1", "S99", "2011-10-11 09:00:00"),
                (None, "S1", "2011-10-12 09:00:00"),
            ),
            "2011-11": rows(
                ("B2", "S1", "2011-11-01 09:00:00"),
                (" A1", "S2", "2011-11-02 09:00:00"),
                ("A1 ", "S98", "2011-11-03 09:00:00"),
                ("B2", "S2", "2011-11-04 09:00:00"),
            ),
            "2011-12": rows(
                ("C3", "S77", "2011-12-01 09:00:00"),
                ("A1", "S3", "2011-12-02 09:00:00"),
                ("C3", "S1", "2011-12-05 09:00:00"),
            ),
        },
    )
    single = monitor(path, REG, lang="en")
    assert [c.case_id for c in single.cases] == ["A1", "B2", "C3"]
    assert single.case("A1").lost == (2, 3)
    assert [(p.file, p.line) for p in single.problems] == [
        ("cases/month=2011-10/part-0.parquet", 2),
        ("cases/month=2011-10/part-0.parquet", 3),
        ("cases/month=2011-11/part-0.parquet", 3),
        ("cases/month=2011-12/part-0.parquet", 1),
    ]
    for partitions in (1, 2, 3, 5):
        _agree(path, scheduler, partitions)
    _agree(path, scheduler, 2, as_of=date(2011, 11, 30))


def test_a_log_the_bulk_reading_does_not_take_is_read_row_by_row(
    scheduler: str, tmp_path: Path
) -> None:
    # case ids as numbers: each share is read row by row, and agrees all the same
    path = _months(
        tmp_path / "cases",
        {
            "2011-10": {
                "case_id": [7, 8, 7, None],
                "power_id": ["XK-001"] * 4,
                "step_id": ["S1", "S1", "S2", "S1"],
                "timestamp": ["2011-10-10 09:00:00"] * 4,
            },
            "2011-11": {
                "case_id": [8, 9, 7],
                "power_id": ["XK-001"] * 3,
                "step_id": ["S2", "S1", "S99"],
                "timestamp": ["2011-11-02 09:00:00"] * 3,
            },
        },
        case_id=pa.int64(),
    )
    assert [c.case_id for c in monitor(path, REG).cases] == ["7", "8", "9"]
    for partitions in (1, 2, 3):
        _agree(path, scheduler, partitions)


def test_rows_of_other_powers_are_counted_over_the_whole_log(
    scheduler: str, tmp_path: Path
) -> None:
    # Z9's rows name a power the registry lacks; its share holds no other case, yet the
    # log, mostly of known powers, is read (as one process reads it), Z9's rows left out
    ids = ["A1", "B2", "C3", "Z9"]
    shares = share_of_rows(pa.array(ids), 4).tolist()
    assert shares[3] not in shares[:3]
    path = _months(
        tmp_path / "cases",
        {
            "2011-10": {
                "case_id": ids,
                "power_id": ["XK-001", "XK-001", "XK-001", "ZZ-001"],
                "step_id": ["S1"] * 4,
                "timestamp": ["2011-10-10 09:00:00"] * 4,
            }
        },
    )
    assert [p.code for p in monitor(path, REG).problems] == ["M003"]
    _agree(path, scheduler, 4)


def test_every_row_of_a_case_has_the_same_share() -> None:
    ids = ["A1", " A1", "A1\u3000", "\tA1 ", "办件-7", " 办件-7", None, "", "  "]
    # as text, as a dictionary, in chunks, in another order: a case's share is its own
    for shares in (2, 3, 7):
        plain = share_of_rows(pa.array(ids), shares).tolist()
        assert len(set(plain[:4])) == 1
        assert plain[4] == plain[5]
        assert plain[6] == plain[7] == plain[8] == 0
        coded = share_of_rows(pa.array(ids).dictionary_encode(), shares).tolist()
        chunked = share_of_rows(pa.chunked_array([ids[:3], ids[3:]]), shares).tolist()
        backwards = share_of_rows(pa.array(ids[::-1]), shares).tolist()[::-1]
        assert plain == coded == chunked == backwards
    many = share_of_rows(pa.array([f"C{i:06d}" for i in range(10_000)]), 2)
    assert 4_500 < int(many.sum()) < 5_500  # the shares are even


def test_readings_of_a_few_row_groups_each_agree(
    scheduler: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the shuffle's readings take a few row groups each: a case's rows come from many
    # readings (and, in two files, from readings of both), and are joined in order
    from powerreg.monitor import engine

    monkeypatch.setattr(engine, "READ_ROWS", 20)
    log = synth_cases(REG, 60, seed=8, deviation_rate=0.3, delay_rate=0.3)
    log.rows = bad_rows(log.rows, random.Random(8))
    path = log.write_parquet(tmp_path / "cases", by_month=True, rows_per_group=7)
    sizes = [engine.group_rows(p) for p in sorted(path.rglob("*.parquet"))]
    readings = list(engine._readings(sizes))
    assert len(readings) > 2 * len(sizes)
    assert [sum(sizes[i][g] for g in groups) for i, groups, _ in readings][:2] == [21, 21]
    for partitions in (2, 5):
        _agree(path, scheduler, partitions)


def test_the_shares_come_back_through_a_directory_the_workers_see(
    scheduler: str, tmp_path: Path, temp_dir: Path
) -> None:
    path = synth_cases(REG, 40, seed=5, deviation_rate=0.4).write_parquet(
        tmp_path / "cases.parquet"
    )
    single = monitor(path, REG, lang="en")
    on_dask = monitor_dask(path, REG, lang="en", scheduler=scheduler, partitions=3)
    (spill,) = temp_dir.iterdir()  # the workers wrote the shares' cases there
    assert sorted(p.name for p in spill.iterdir()) == [f"share-{k}.pickle" for k in range(3)]
    assert on_dask.to_json() == single.to_json()
    del on_dask
    gc.collect()
    assert list(temp_dir.iterdir()) == []  # gone with the result


def test_a_worker_that_cannot_see_the_directory_sends_its_share_back(tmp_path: Path) -> None:
    from powerreg.monitor import engine
    from powerreg.monitor.calendar import china_calendar
    from powerreg.monitor.sharereplay import Spilled

    path = synth_cases(REG, 10, seed=6, deviation_rate=0.5).write_parquet(
        tmp_path / "cases.parquet"
    )
    rows = engine.split_groups(path, range(len(engine.group_rows(path))), 0, 1)
    args = (0, [(0, rows[0])], ["cases.parquet"], "cases.parquet", (REG, china_calendar()), None)
    away = engine._replay_pieces(*args, str(tmp_path / "elsewhere"))  # another machine's
    here = engine._replay_pieces(*args, str(tmp_path))
    # a directory the worker cannot write its share to (here: a directory in the way of
    # the file; another user's directory, or a full disk): the share is sent back
    (tmp_path / "blocked" / "share-0.pickle").mkdir(parents=True)
    blocked = engine._replay_pieces(*args, str(tmp_path / "blocked"))
    assert not isinstance(blocked.cases, Spilled)
    assert blocked.cases[0] == away.cases[0]
    assert isinstance(here.cases, Spilled)
    assert not isinstance(away.cases, Spilled)
    head, buffers = here.cases.read()
    assert head == away.cases[0]
    assert [b.tobytes() for b in buffers] == [bytes(b) for b in away.cases[1]]
    assert here.places.tolist() == away.places.tolist()
    assert here.events == away.events > 0


def test_the_dask_engine_reads_parquet_only(tmp_path: Path) -> None:
    path = synth_cases(REG, 2).write_csv(tmp_path / "cases.csv")
    with pytest.raises(UsageError, match="the dask engine reads Parquet logs"):
        monitor_dask(path, REG, scheduler="tcp://127.0.0.1:1")


def test_an_unreachable_scheduler_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from powerreg.monitor import engine

    monkeypatch.setattr(engine, "CONNECT_TIMEOUT", "1s")  # not the 10 s a user waits
    path = synth_cases(REG, 2).write_parquet(tmp_path / "cases.parquet")
    with pytest.raises(
        UsageError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:1"
    ):
        monitor_dask(path, REG, scheduler="tcp://127.0.0.1:1")


def test_monitor_engine_dask_on_an_existing_cluster(scheduler: str, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from powerreg.cli import main

    path = synth_cases(REG, 12, seed=4).write_parquet(tmp_path / "cases.parquet")
    runner = CliRunner()
    single = runner.invoke(main, ["monitor", str(path), "--format", "json"])
    on_dask = runner.invoke(
        main,
        ["monitor", str(path), "--format", "json", "--engine", "dask", "--scheduler", scheduler],
    )
    assert single.exit_code == on_dask.exit_code == 0, on_dask.output
    assert on_dask.stdout == single.stdout
    assert '"cases": 12' in on_dask.stdout


def test_the_catalog_gets_the_dask_results_through_the_same_tables(
    scheduler: str, tmp_path: Path
) -> None:
    import sqlite3
    from contextlib import closing

    from click.testing import CliRunner

    from powerreg.catalog import export_sqlite
    from powerreg.cli import main

    log = synth_cases(REG, 30, seed=9, deviation_rate=0.4, delay_rate=0.4)
    path = log.write_parquet(tmp_path / "cases", by_month=True, rows_per_group=11)
    tables = {}
    for engine in ("single", "dask"):
        db = export_sqlite(REG, tmp_path / f"{engine}.db")
        args = ["monitor", str(path), "--catalog", str(db), "--engine", engine]
        got = CliRunner().invoke(main, args + (["--scheduler", scheduler] * (engine == "dask")))
        assert got.exit_code == 0, got.output
        with closing(sqlite3.connect(db)) as conn:
            tables[engine] = {
                t: conn.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall()
                for t in ("cases", "case_events", "alerts")
            }
    assert tables["dask"] == tables["single"]
    assert len(tables["single"]["cases"]) == 30
    assert tables["single"]["alerts"]  # delays: some alerts to compare


def test_a_log_of_another_registry_leaves_no_spill_directory(
    scheduler: str, tmp_path: Path, temp_dir: Path
) -> None:
    # refused when the shares are gathered, after the workers wrote them: the client's
    # directory goes with the refusal, not when the interpreter exits
    path = _months(
        tmp_path / "cases",
        {
            "2011-10": {
                "case_id": ["A1", "B2", "C3"],
                "power_id": ["ZZ-001"] * 3,
                "step_id": ["S1"] * 3,
                "timestamp": ["2011-10-10 09:00:00"] * 3,
            }
        },
    )
    with pytest.raises(UsageError) as single:
        monitor(path, REG)
    with pytest.raises(UsageError) as on_dask:
        monitor_dask(path, REG, scheduler=scheduler, partitions=2)
    assert str(on_dask.value) == str(single.value)
    assert list(temp_dir.iterdir()) == []
