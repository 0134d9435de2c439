"""Parquet case logs (issue 20.1): a file or a directory partitioned by month gives the
CSV log's answer; a row left out names its file and its row; ``synth-cases --format
parquet`` writes such logs."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import powerreg
from powerreg.cli import main
from powerreg.errors import UsageError
from powerreg.monitor import monitor, synth_cases
from powerreg.monitor.findings import CaseResult

REG = powerreg.load_reference()


def comparable(case: CaseResult) -> tuple[Any, ...]:
    """A case without its lines (a CSV counts its header; Parquet counts rows)."""
    return (
        case.case_id,
        case.power_id,
        case.flowchart_id,
        case.status,
        case.step_days,
        case.elapsed,
        [(e.step_id, e.time, e.actor, e.note) for e in case.events],
        [(d.code, d.source, d.step, d.steps) for d in case.deviations],
        [(a.code, a.scope, a.step, a.date) for a in case.alerts],
    )


def test_a_parquet_file_and_a_directory_by_month_give_the_csv_answer(tmp_path: Path) -> None:
    log = synth_cases(REG, 60, seed=5, deviation_rate=0.4, delay_rate=0.3)
    as_of = date(2011, 2, 15)
    by_csv = monitor(log.write_csv(tmp_path / "c.csv"), REG, as_of=as_of)
    one = log.write_parquet(tmp_path / "c.parquet", rows_per_group=50)
    months = log.write_parquet(tmp_path / "months", by_month=True)
    assert len(list(months.glob("month=*/part-0.parquet"))) > 1
    by_file = monitor(one, REG, as_of=as_of)
    by_dir = monitor(months, REG, as_of=as_of)
    want = [comparable(c) for c in by_csv.cases]
    assert [comparable(c) for c in by_file.cases] == want
    # a directory is read month by month: the same cases, first named in another order
    assert sorted(comparable(c) for c in by_dir.cases) == sorted(want)
    assert by_file.rows == by_dir.rows == by_csv.rows == log.events
    assert by_file.totals == by_csv.totals == by_dir.totals
    # a row of the CSV is its line (after the header); of Parquet, its row
    assert [e.line for e in by_file.cases[0].events] == [e.line - 1 for e in by_csv.cases[0].events]


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), path)


def test_a_row_left_out_names_its_file_and_row(tmp_path: Path) -> None:
    t = datetime(2011, 10, 10, 9)
    good = {"case_id": "A1", "power_id": "XK-001", "step_id": "S1", "timestamp": t}
    _write(
        tmp_path / "log" / "month=2011-10" / "part-0.parquet", [good, {**good, "step_id": "S99"}]
    )
    _write(
        tmp_path / "log" / "month=2011-11" / "part-0.parquet",
        [
            {**good, "case_id": "B1", "power_id": "ZZ-404"},
            {**good, "case_id": "B2", "timestamp": None},
        ],
    )
    result = monitor(tmp_path / "log", REG)
    got = [(p.code, p.file, p.line) for p in result.problems]
    assert got == [
        ("M005", "log/month=2011-10/part-0.parquet", 2),
        ("M003", "log/month=2011-11/part-0.parquet", 1),
        ("M001", "log/month=2011-11/part-0.parquet", 2),
    ]
    assert [c.case_id for c in result.cases] == ["A1"]
    assert result.rows == 4
    assert "log/month=2011-10/part-0.parquet" in result.problems[0].as_line("en")


def test_a_parquet_file_without_a_required_column_is_refused(tmp_path: Path) -> None:
    _write(tmp_path / "x.parquet", [{"case_id": "A1", "power_id": "XK-001"}])
    with pytest.raises(UsageError, match=r"x\.parquet: the file has no column step_id"):
        monitor(tmp_path / "x.parquet", REG)
    (tmp_path / "bad.parquet").write_text("case_id\n")
    with pytest.raises(UsageError, match=r"bad\.parquet: not a Parquet file"):
        monitor(tmp_path / "bad.parquet", REG)
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match=r"is a directory with no \.parquet file in it"):
        monitor(tmp_path / "empty", REG)


def test_synth_cases_writes_parquet_that_monitor_reads(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "cases"
    got = runner.invoke(
        main, ["synth-cases", "-n", "30", "--format", "parquet", "-o", str(out), "--lang", "en"]
    )
    assert got.exit_code == 0, got.output
    assert sorted(p.name for p in out.iterdir())[0].startswith("month=2011-")
    csv = tmp_path / "cases.csv"
    assert runner.invoke(main, ["synth-cases", "-n", "30", "-o", str(csv)]).exit_code == 0
    by_dir = runner.invoke(main, ["monitor", str(out), "--format", "json"])
    by_csv = runner.invoke(main, ["monitor", str(csv), "--format", "json"])
    assert by_dir.exit_code == by_csv.exit_code == 0, by_dir.output
    assert '"cases": 30' in by_dir.stdout
    refused = runner.invoke(main, ["monitor", str(csv), "--scheduler", "tcp://127.0.0.1:1"])
    assert refused.exit_code == 2
    assert "--scheduler needs --engine dask" in refused.output
