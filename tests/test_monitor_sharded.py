"""A big Parquet log or plain CSV file replayed in one process a share of its cases at a
time (issue 20.1, :mod:`powerreg.monitor.sharded`) gives what the log replayed at once
gives: every case, deviation, alert, summary and row left out (with its line), in every
output; the shares' files are gone once the records are made or the result is dropped;
a CSV file that is not plain is read whole, as ever. The tests force the shares on
small logs with ``POWERREG_SHARE_ROWS``."""

from __future__ import annotations

import gc
import os
import random
import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import powerreg
from powerreg.errors import UsageError
from powerreg.monitor import monitor, plaincsv, sharded, synth_cases
from powerreg.monitor.result import MonitorResult
from powerreg.monitor.sharded import SHARE_ROWS, SHARE_ROWS_ENV, shares_for
from powerreg.monitor.shares import (
    group_rows,
    joined,
    read_share,
    share_of_rows,
    split,
    split_groups,
)

from .test_monitor_fast import CASE_FIELDS, MUTATIONS, assert_same

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
            # the Dask engine's readings: each file's row groups one or two at a time
            pieces = []
            for i, path in enumerate(files):
                sizes = group_rows(path)
                assert len(sizes) > 1  # (so the runs of row groups are joined)
                at = 0
                for g in range(0, len(sizes), 2):
                    runs = range(g, min(g + 2, len(sizes)))
                    pieces.append((i, split_groups(path, runs, at, shares)[k]))
                    at += sum(sizes[r] for r in runs)
            dask = joined((i, t) for i, t in pieces if t is not None)
            assert [i for i, _, _ in dask] == sorted(got)
            for i, table, lines in dask:
                assert got[i][1] == lines.tolist()
                assert got[i][0].to_pylist() == table.to_pylist()
            for i, path in enumerate(files):  # every row of the share's cases, in order
                whole = pq.read_table(path)
                mine = share_of_rows(whole.column("case_id"), shares) == k
                assert got.get(i, (None, []))[1] == (np.flatnonzero(mine) + 1).tolist()
        assert sum(len(p) for p in parts) <= shares * len(files)


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


# ------------------------------------------------------------------ CSV (issue 20.1)

#: the log's columns as synth_cases writes them, and their Chinese names
HEADER = ["case_id", "power_id", "flowchart_id", "step_id", "timestamp", "actor", "note"]
CHINESE = ["办件编号", "事项编码", "流程图编号", "环节编码", "时间", "经办人", "备注"]


def _bad_rows(n_cases: int, seed: int, dev: float, delay: float, bad: float) -> list[list[str]]:
    """A log's rows (fields in :data:`HEADER` order), some gone wrong at the rate ``bad``."""
    log = synth_cases(REFERENCE, n_cases, seed, dev, delay)
    rng = random.Random(seed)
    rows = []
    for row in log.rows:
        fields = list(row)
        if rng.random() < bad:
            rng.choice(MUTATIONS)(fields, rng)
        rows.append(fields)
    return rows


def _write_csv(path: Path, rows: list[list[str]], *, layout: int, seed: int) -> Path:
    """``rows`` as a plain CSV file, laid out by ``layout``'s bits: 1 Chinese headers,
    2 a byte-order mark, 4 the columns shuffled, 8 a column no log column (not ASCII,
    so every byte is checked as UTF-8), 16 no line end after the last row."""
    order = list(range(len(HEADER)))
    if layout & 4:
        random.Random(seed).shuffle(order)
    names = CHINESE if layout & 1 else HEADER
    header = [names[i] for i in order]
    lines = [[row[i] for i in order] for row in rows]
    if layout & 8:
        header.insert(2, "附注")
        for i, line in enumerate(lines):
            line.insert(2, "第二" if i % 3 else "")
    text = "\n".join(",".join(line) for line in [header, *lines])
    text += "" if layout & 16 else "\n"
    path.write_bytes((b"\xef\xbb\xbf" if layout & 2 else b"") + text.encode("utf-8"))
    return path


def _parquet_of(path: Path, rows: list[list[str]]) -> Path:
    columns = {h: [r[j] or None for r in rows] for j, h in enumerate(HEADER)}
    pq.write_table(pa.table(columns), path, row_group_size=50)
    return path


def _csv_in_shares(path: Path, per_share: int, block: int, **kw: Any) -> tuple[MonitorResult, int]:
    """``monitor(path)`` of a CSV file in shares of ``per_share`` rows, pyarrow reading
    ``block`` bytes at a time; how many shares it replayed."""
    with mock.patch.object(plaincsv, "BLOCK", block):
        return in_shares(path, per_share, **kw)


def _lines_less_one(result: MonitorResult) -> Any:
    """A result's cases and rows left out as a Parquet log of the same rows gives them:
    each line one less (the header), no message (a CSV's says line, a Parquet's row)."""
    cases = [
        (
            [getattr(c, f) for f in CASE_FIELDS if f not in ("deviations", "alerts", "lost")],
            [replace(d, line=None if d.line is None else d.line - 1) for d in c.deviations],
            [replace(a, line=None if a.line is None else a.line - 1) for a in c.alerts],
            [e._replace(line=e.line - 1) for e in c.events],
        )
        for c in result.cases
    ]
    problems = [(p.code, p.entity, p.line - 1) for p in result.problems]
    return cases, problems, result.rows, result.events, result.after_as_of, result.totals


def _same_but_lines(csv: MonitorResult, parquet: MonitorResult) -> Any:
    cases = [
        (
            [getattr(c, f) for f in CASE_FIELDS if f not in ("deviations", "alerts", "lost")],
            list(c.deviations),
            list(c.alerts),
            list(c.events),
        )
        for c in parquet.cases
    ]
    problems = [(p.code, p.entity, p.line) for p in parquet.problems]
    got = (cases, problems, parquet.rows, parquet.events, parquet.after_as_of, parquet.totals)
    assert _lines_less_one(csv) == got


@given(
    n_cases=st.integers(4, 60),  # at least 8 rows
    seed=st.integers(0, 10_000),
    dev=st.sampled_from([0.0, 0.3, 1.0]),
    delay=st.sampled_from([0.0, 0.4]),
    bad=st.sampled_from([0.0, 0.05, 0.3]),
    layout=st.integers(0, 31),
    block=st.sampled_from([256, 4096, plaincsv.BLOCK]),
    shares=st.integers(5, 8),
    as_of=st.sampled_from([None, date(2011, 1, 20), date(2011, 3, 1), date(2012, 6, 1)]),
)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_a_csv_log_replayed_in_shares_equals_it_replayed_at_once_and_its_parquet(
    tmp_path: Path,
    n_cases: int,
    seed: int,
    dev: float,
    delay: float,
    bad: float,
    layout: int,
    block: int,
    shares: int,
    as_of: date | None,
) -> None:
    folder = Path(tempfile.mkdtemp(dir=tmp_path))  # one per example
    rows = _bad_rows(n_cases, seed, dev, delay, bad)
    path = _write_csv(folder / "cases.csv", rows, layout=layout, seed=seed)
    per_share = max(1, len(rows) // shares)
    once = monitor(path, REFERENCE, as_of=as_of)
    assert once._bulk is not None  # type: ignore[attr-defined]  # read in bulk, at once
    got, replayed = _csv_in_shares(path, per_share, block, as_of=as_of)
    assert replayed == shares_for(len(rows), per_share) >= 5
    assert got._bulk is not None  # type: ignore[attr-defined]  # each share in bulk
    assert_same_outputs(got, once)
    # the same rows from Parquet, in shares too: the same but for the lines
    parquet = _parquet_of(folder / "cases.parquet", rows)
    _same_but_lines(got, in_shares(parquet, per_share, as_of=as_of)[0])


def test_a_csv_logs_rows_left_out_name_their_lines_in_shares(tmp_path: Path) -> None:
    rows = _bad_rows(30, 5, 0.3, 0.3, 0.0)
    rows[3][1] = "ZZ-999"  # an unknown power: M003
    rows[7][4] = "2011-10-1x 09:00:00"  # a timestamp that is none: M002
    rows[11][4] = "1999-01-04 09:00:00"  # a day off the calendar: M009
    rows[-1][4] = "2012-06-01 09:00:00"  # after as_of (its case's last): not left out
    rows[19][0] = ""  # no case: M001
    path = _write_csv(tmp_path / "cases.csv", rows, layout=0, seed=0)
    once = monitor(path, REFERENCE, as_of=date(2011, 12, 30))
    got, replayed = in_shares(path, len(rows) // 5, as_of=date(2011, 12, 30))
    assert replayed >= 5
    assert [(p.code, p.line) for p in got.problems] == [
        ("M003", 5),
        ("M002", 9),
        ("M009", 13),
        ("M001", 21),
    ]
    assert got.problems[0].as_line("en").startswith("cases.csv:5: M003")
    assert got.after_as_of == once.after_as_of >= 1
    assert_same_outputs(got, once)


@pytest.mark.parametrize(
    "spoil",
    [
        lambda lines: lines.insert(9, ""),  # a blank line: pyarrow counts a row less
        lambda lines: lines.append(""),  # a blank last line: so too
        lambda lines: lines.__setitem__(9, lines[9] + ",x"),  # a row wider than the header
        lambda lines: lines.__setitem__(9, lines[9].replace(",", ',"', 1) + '"'),  # a quote
        lambda lines: lines.__setitem__(9, lines[9] + "\r"),  # a carriage return
        lambda lines: lines.__setitem__(9, lines[9] + "长" * 50_000),  # a line too long
    ],
)
def test_a_csv_file_that_is_not_plain_is_read_whole_as_ever(
    tmp_path: Path, temp_dir: Path, spoil: Any
) -> None:
    path = _write_csv(tmp_path / "cases.csv", _bad_rows(40, 3, 0.3, 0.3, 0.1), layout=0, seed=0)
    lines = path.read_text(encoding="utf-8").split("\n")
    spoil(lines)
    path.write_text("\n".join(lines), encoding="utf-8")
    with mock.patch.dict(os.environ, {SHARE_ROWS_ENV: "100000"}):  # at once, surely
        once = monitor(path, REFERENCE)
    got, replayed = _csv_in_shares(path, 5, 256)
    assert replayed == 0
    assert_same_outputs(got, once)
    gc.collect()
    assert list(temp_dir.iterdir()) == []  # the split begun is gone


def test_a_csv_file_whose_name_is_no_utf8_is_replayed_in_shares(tmp_path: Path) -> None:
    name = os.fsdecode(b"cases-\xff.csv")
    path = _write_csv(tmp_path / name, _bad_rows(40, 4, 0.3, 0.3, 0.1), layout=2, seed=0)
    once = monitor(path, REFERENCE)
    got, replayed = _csv_in_shares(path, 40, 512)
    assert replayed >= 5
    assert got.source == once.source == "cases-\\xff.csv"
    assert_same_outputs(got, once)
