"""A big Parquet log replayed in one process a share of its cases at a time (issue 20.1,
:mod:`powerreg.monitor.sharded`) gives what the log replayed at once gives: every case,
deviation, alert, summary and row left out, in every output; the shares' files are gone
once the records are made or the result is dropped. The tests force the shares on small
logs with ``POWERREG_SHARE_ROWS``."""

from __future__ import annotations

import gc
import os
import random
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from unittest import mock

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import powerreg
from powerreg.errors import UsageError
from powerreg.monitor import monitor, sharded, synth_cases
from powerreg.monitor.result import MonitorResult
from powerreg.monitor.sharded import SHARE_ROWS, SHARE_ROWS_ENV, shares_for
from powerreg.monitor.shares import read_share, rows_of, split

from .test_monitor_fast import MUTATIONS, assert_same

REFERENCE = powerreg.load_reference()


def _log(folder: Path, n_cases: int, seed: int, dev: float, delay: float, bad: float,
         parts: int, group: int) -> int:  # fmt: skip
    """A log of ``parts`` Parquet files (row groups of ``group`` rows) with rows gone
    wrong at the rate ``bad``; its rows."""
    log = synth_cases(REFERENCE, n_cases, seed, dev, delay)
    rng = random.Random(seed)
    rows = []
    for row in log.rows:
        fields = list(row)
        if rng.random() < bad:
            rng.choice(MUTATIONS)(fields, rng)
        rows.append(fields)
    folder.mkdir(parents=True)
    size = -(-len(rows) // parts)
    header = ["case_id", "power_id", "flowchart_id", "step_id", "timestamp", "actor", "note"]
    for i in range(parts):
        chunk = rows[i * size : (i + 1) * size]
        columns = {h: [r[j] or None for r in chunk] for j, h in enumerate(header)}
        pq.write_table(pa.table(columns), folder / f"part-{i}.parquet", row_group_size=group)
    return len(rows)


def in_shares(path: Path, per_share: int, **kw: Any) -> tuple[MonitorResult, int]:
    """``monitor(path)`` with shares of ``per_share`` rows; how many shares it replayed."""
    with (
        mock.patch.dict(os.environ, {SHARE_ROWS_ENV: str(per_share)}),
        mock.patch.object(sharded, "replay_share", wraps=sharded.replay_share) as spy,
    ):
        result = monitor(path, REFERENCE, **kw)
    return result, spy.call_count


def assert_same_outputs(new: MonitorResult, old: MonitorResult) -> None:
    """Two results' outputs agree before their records are made, then field by field;
    a result in shares replayed in bulk makes no record of every case for its outputs."""
    lazy = getattr(new, "_bulk", None) is not None
    assert new.to_text("en") == old.to_text("en")
    assert new.to_json("zh") == old.to_json("zh")
    assert new.fails("deviation") == old.fails("deviation")
    if lazy:
        assert new._make is not None  # type: ignore[attr-defined]
    assert [p.as_line("en") for p in new.problems] == [p.as_line("en") for p in old.problems]
    assert_same(new, old)


@given(
    n_cases=st.integers(4, 60),  # at least 8 rows
    seed=st.integers(0, 10_000),
    dev=st.sampled_from([0.0, 0.3, 1.0]),
    delay=st.sampled_from([0.0, 0.4]),
    bad=st.sampled_from([0.0, 0.05, 0.3]),
    parts=st.integers(1, 3),
    group=st.sampled_from([7, 50, 10_000]),
    shares=st.integers(5, 8),
    as_of=st.sampled_from([None, date(2011, 1, 20), date(2011, 3, 1), date(2012, 6, 1)]),
)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_a_log_replayed_in_shares_equals_the_log_replayed_at_once(
    tmp_path: Path,
    n_cases: int,
    seed: int,
    dev: float,
    delay: float,
    bad: float,
    parts: int,
    group: int,
    shares: int,
    as_of: date | None,
) -> None:
    folder = Path(tempfile.mkdtemp(dir=tmp_path)) / "cases"  # one per example
    rows = _log(folder, n_cases, seed, dev, delay, bad, parts, group)
    per_share = max(1, rows // shares)
    assert shares_for(rows, SHARE_ROWS) == 1  # at once, as ever
    once = monitor(folder, REFERENCE, as_of=as_of)
    got, replayed = in_shares(folder, per_share, as_of=as_of)
    assert replayed == shares_for(rows, per_share) >= 5
    assert got._bulk is not None  # type: ignore[attr-defined]  # each share in bulk
    assert_same_outputs(got, once)
    # one file, not a directory
    one = next(folder.iterdir())
    rows = pq.ParquetFile(one).metadata.num_rows
    expected = shares_for(rows, max(1, rows // 5))
    got, replayed = in_shares(one, max(1, rows // 5), as_of=as_of)
    assert replayed == (0 if expected == 1 else expected)
    assert_same_outputs(got, monitor(one, REFERENCE, as_of=as_of))


def test_shares_the_bulk_reading_does_not_take_are_read_row_by_row(tmp_path: Path) -> None:
    # case ids as numbers: each share is read row by row, and agrees all the same
    ids = [7, 8, 7, None, 8, 9, 7, 10, 11, 10]
    table = pa.table(
        {
            "case_id": pa.array(ids, pa.int64()),
            "power_id": ["XK-001"] * len(ids),
            "step_id": ["S1", "S1", "S2", "S1", "S2", "S1", "S99", "S1", "S1", "S2"],
            "timestamp": [f"2011-10-{10 + i} 09:00:00" for i in range(len(ids))],
        }
    )
    path = tmp_path / "cases.parquet"
    pq.write_table(table, path, row_group_size=3)
    got, replayed = in_shares(path, 2)
    assert replayed == 5
    assert got._bulk is None  # type: ignore[attr-defined]  # the outputs read the records
    assert [c.case_id for c in got.cases] == ["7", "8", "9", "10", "11"]
    assert_same_outputs(in_shares(path, 2)[0], monitor(path, REFERENCE))


def test_each_share_holds_the_rows_the_dask_engine_reads_for_it(tmp_path: Path) -> None:
    _log(tmp_path / "cases", 40, 3, 0.3, 0.3, 0.1, 3, 11)
    files = sorted((tmp_path / "cases").iterdir())
    for shares in (1, 2, 5):
        into = tmp_path / f"split-{shares}"
        into.mkdir()
        parts = split(files, shares, into)
        for k in range(shares):
            got = {i: (table, lines.tolist()) for i, table, lines in read_share(parts[k])}
            for i, path in enumerate(files):
                table, lines = rows_of(path, k, shares)
                if not len(lines):
                    assert i not in got
                    continue
                assert got[i][1] == lines.tolist()
                assert got[i][0].to_pylist() == table.to_pylist()
        assert sum(len(p) for p in parts) <= shares * len(files)


@pytest.fixture
def temp_dir(tmp_path: Path) -> Iterator[Path]:
    """Python's temporary directory for the test: one of its own, empty."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    with mock.patch.object(tempfile, "tempdir", str(tmp)):
        yield tmp


def test_the_shares_files_are_gone_once_the_records_are_made(
    tmp_path: Path, temp_dir: Path
) -> None:
    path = synth_cases(REFERENCE, 30, seed=2, deviation_rate=0.5).write_parquet(
        tmp_path / "cases.parquet"
    )
    rows = pq.ParquetFile(path).metadata.num_rows
    result, replayed = in_shares(path, rows // 5)
    assert replayed == shares_for(rows, rows // 5) >= 5
    (spill,) = temp_dir.iterdir()  # the split files are gone already
    names = [f"share-{k}.pickle" for k in range(replayed)]
    assert sorted(p.name for p in spill.iterdir()) == names
    assert result.deviations  # outputs: the files are read again
    assert result.to_text()
    assert sorted(p.name for p in spill.iterdir()) == names
    assert len(result.cases) == 30
    assert list(temp_dir.iterdir()) == []
    # a result dropped before its records are made
    result, _ = in_shares(path, rows // 5)
    assert len(list(temp_dir.iterdir())) == 1
    del result
    gc.collect()
    assert list(temp_dir.iterdir()) == []


def test_a_log_refused_in_shares_leaves_no_file(tmp_path: Path, temp_dir: Path) -> None:
    # most rows name a power the registry lacks: refused as another registry's log
    table = pa.table(
        {
            "case_id": [f"C{i}" for i in range(12)],
            "power_id": ["ZZ-001"] * 10 + ["XK-001"] * 2,
            "step_id": ["S1"] * 12,
            "timestamp": ["2011-10-10 09:00:00"] * 12,
        }
    )
    path = tmp_path / "cases.parquet"
    pq.write_table(table, path)
    with pytest.raises(UsageError) as once:
        monitor(path, REFERENCE)
    with pytest.raises(UsageError) as shared:
        in_shares(path, 2)
    assert str(shared.value) == str(once.value)
    gc.collect()
    assert list(temp_dir.iterdir()) == []
