"""The monitor on Dask (issue 20.2, 20.3): a Parquet log shuffled by case and replayed on
a local cluster's workers gives exactly the single process's answer — every case,
deviation, alert, summary and row left out, in the same order — and the live service
fed the same events agrees with both.

One cluster serves the module: two worker processes on 127.0.0.1, started with a time
limit and closed at the end.
"""

from __future__ import annotations

import dataclasses
import json
import random
import tempfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import powerreg
from powerreg.errors import UsageError
from powerreg.monitor import monitor, synth_cases
from powerreg.monitor.engine import local_cluster, monitor_dask
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


def test_the_dask_engine_reads_parquet_only(tmp_path: Path) -> None:
    path = synth_cases(REG, 2).write_csv(tmp_path / "cases.csv")
    with pytest.raises(UsageError, match="the dask engine reads Parquet logs"):
        monitor_dask(path, REG, scheduler="tcp://127.0.0.1:1")


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path: Path) -> None:
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
