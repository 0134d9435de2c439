"""Data that does not fit the log's columns is never dropped without a word (found by
fuzzing): a CSV header naming a column twice is refused, a CSV row of more fields than
the header is left out at its line (M008), a JSON object naming a key twice is left
out at its line (M001), and a directory holding CSV or JSON Lines logs beside its
Parquet files is refused. The bulk reading (plain CSV, in one go or in shares) and the
line reader say the same."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result

import powerreg
from powerreg.cli import main
from powerreg.errors import UsageError
from powerreg.monitor import china_calendar, monitor, read_log, synth_cases
from powerreg.monitor.bulk import read_bulk
from powerreg.monitor.columnar import read_parquet
from powerreg.monitor.engine import monitor_dask
from powerreg.monitor.plaincsv import plain_csv
from powerreg.monitor.result import MonitorResult
from powerreg.monitor.sharded import SHARE_ROWS_ENV

from .test_monitor_fast import assert_same

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "cases" / "cases.csv"
REFERENCE = powerreg.load_reference()
#: The example log's lines: its header, then 55 rows.
LINES = EXAMPLE.read_text(encoding="utf-8").splitlines()
FIRST_CASE = "2011-CF001-0001"  # the case of lines 2–9


def write(tmp_path: Path, lines: list[str], name: str = "cases.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def cli(path: Path) -> Result:
    return CliRunner().invoke(main, ["monitor", str(path), "--lang", "en"])


def refused_by_the_command(path: Path, message: str) -> None:
    """``powerreg monitor PATH`` refuses the log with ``message`` alone (exit 2)."""
    run = cli(path)
    assert run.exit_code == 2
    assert run.stderr == f"error: {message}\n"
    assert run.stdout == ""


def both_paths(path: Path, monkeypatch: pytest.MonkeyPatch) -> MonitorResult:
    """The log replayed as a path (the bulk reading first, whole and in shares) and as
    the line reader reads it: the same result, given back."""
    cal = china_calendar()
    careful = monitor(read_log(path, REFERENCE, calendar=cal), REFERENCE, lang="en")
    fast = monitor(path, REFERENCE, lang="en")
    assert_same(fast, careful)
    with monkeypatch.context() as m:
        m.setenv(SHARE_ROWS_ENV, "10")  # 55 rows: in shares, if read in bulk
        assert_same(monitor(path, REFERENCE, lang="en"), careful)
    return fast


# ------------------------------------------------------------------ a column named twice


@pytest.mark.parametrize(
    ("last", "named"),
    [("step_id", ""), ("环节编码", ": 'step_id' and '环节编码'"), (" step_id ", "")],
    ids=["same-name", "chinese-name", "spaces"],
)
def test_a_header_naming_a_column_twice_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, last: str, named: str
) -> None:
    lines = [f"{LINES[0]},{last}", *(f"{line},S8" for line in LINES[1:])]
    path = write(tmp_path, lines)
    message = (
        f"cases.csv:1: column 'step_id' appears twice in the header (fields 4 and 8{named}); "
        "the log cannot say which to read: rename or remove one"
    )
    assert plain_csv(path) is None  # not read in bulk: the line reader refuses it
    with pytest.raises(UsageError) as careful:
        read_log(path, REFERENCE)
    assert str(careful.value) == message
    with pytest.raises(UsageError) as fast:
        monitor(path, REFERENCE)
    assert str(fast.value) == message
    monkeypatch.setenv(SHARE_ROWS_ENV, "10")
    with pytest.raises(UsageError) as shared:
        monitor(path, REFERENCE)
    assert str(shared.value) == message
    refused_by_the_command(path, message)


def test_a_column_not_the_logs_named_twice_is_ignored_as_ever(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [f"{LINES[0]},x,x", *(f"{line},1,2" for line in LINES[1:])]
    path = write(tmp_path, lines)
    assert read_bulk(path, REFERENCE) is not None
    result = both_paths(path, monkeypatch)
    assert (result.rows, result.events, result.problems) == (55, 55, [])


# ------------------------------------------------------------------ a row wider than the header


WIDE = (
    "the row cannot be read as CSV: it has 9 fields, 2 more than the header's 7 (the extra "
    "ones begin with 'S8'); the row is left out: quote a field that holds a comma "
    '("a,b"), or remove the extra fields'
)


@pytest.mark.parametrize("quoted", [False, True], ids=["plain", "quoted"])
def test_a_row_wider_than_the_header_is_left_out_at_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, quoted: bool
) -> None:
    lines = list(LINES)
    lines[2] += ",S8,EXTRA"  # line 3: two fields past the header's seven
    lines[3] += ",,"  # line 4: two more fields, empty: nothing lost, the row read
    if quoted:  # a quote anywhere: the line reader alone reads the file
        lines[5] = lines[5].replace(",F1,", ',"F1",')
    path = write(tmp_path, lines)
    assert read_bulk(path, REFERENCE) is None
    result = both_paths(path, monkeypatch)
    assert [(p.code, p.line, p.entity) for p in result.problems] == [("M008", 3, FIRST_CASE)]
    assert result.problems[0].message("en") == WIDE
    assert result.problems[0].message("zh") == (
        "该行无法按 CSV 读取：该行有 9 个字段，比表头的 7 个多 2 个（多出的字段始于“S8”）："
        '本行不予回放；含逗号的字段请加引号（"a,b"），或删去多余的字段'
    )
    assert (result.rows, result.events) == (55, 54)
    assert result.case(FIRST_CASE).lost == (3,)
    run = cli(path)
    assert run.exit_code == 1
    assert f"cases.csv:3: M008 {WIDE}\n" in run.stderr
    assert "1 row of 55 left out" in run.stderr
    assert "(54 events, 1 row left out)" in run.stdout


def test_a_wide_row_is_not_read_into_the_columns_the_header_lacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without flowchart_id, actor and note, a fifth field was read as all three."""
    path = write(
        tmp_path,
        [
            "case_id,power_id,step_id,timestamp",
            "A1,XK-001,S1,2011-10-10 09:00",
            "A1,XK-001,S2,2011-10-11 09:00,F9",
        ],
    )
    result = both_paths(path, monkeypatch)
    assert [(p.code, p.line, p.entity) for p in result.problems] == [("M008", 3, "A1")]
    assert (
        result.problems[0]
        .message("en")
        .startswith(
            "the row cannot be read as CSV: it has 5 fields, 1 more than the header's 4 (the "
            "extra ones begin with 'F9')"
        )
    )
    assert (result.rows, result.events) == (2, 1)


# ------------------------------------------------------------------ a JSON key named twice


def json_lines(tmp_path: Path, *changed: tuple[int, str]) -> Path:
    """The example log as JSON Lines, the object of each line given replaced."""
    header = LINES[0].split(",")
    lines = [json.dumps(dict(zip(header, line.split(","), strict=True))) for line in LINES[1:]]
    for line, text in changed:
        lines[line - 1] = text
    return write(tmp_path, lines, "cases.jsonl")


REPEATED = (
    "not valid JSON: key '{key}' appears twice in one object, and only one value can be "
    "read; the row is left out: remove or rename one"
)


def test_a_json_object_naming_a_key_twice_is_left_out_at_its_line(tmp_path: Path) -> None:
    row = json.loads(json.dumps(dict(zip(LINES[0].split(","), LINES[2].split(","), strict=True))))
    twice = json.dumps(row)[:-1] + ', "step_id": "S8"}'  # line 2: the last value would win
    nested = json.dumps({**row, "note": "x"})[:-1] + ', "actor": {"a": 1, "a": 2}}'
    case_twice = json.dumps(row)[:-1] + ', "case_id": "B1"}'
    path = json_lines(tmp_path, (2, twice), (5, nested), (7, case_twice))
    result = monitor(path, REFERENCE, lang="en")
    assert [(p.code, p.line, p.entity) for p in result.problems] == [
        ("M001", 2, FIRST_CASE),
        ("M001", 5, FIRST_CASE),
        ("M001", 7, None),  # which case: the key named twice is the case's
    ]
    assert [p.message("en") for p in result.problems] == [
        REPEATED.format(key="step_id"),
        REPEATED.format(key="a"),
        REPEATED.format(key="case_id"),
    ]
    assert result.problems[0].message("zh") == (
        "不是有效的 JSON：同一对象中键 step_id 出现两次，只能读取其中一个值：本行不予回放；"
        "请删去或改名其中一个"
    )
    assert (result.rows, result.events) == (55, 52)
    assert result.case(FIRST_CASE).lost == (2, 5)
    run = cli(path)
    assert run.exit_code == 1
    assert f"cases.jsonl:2: M001 {REPEATED.format(key='step_id')}\n" in run.stderr
    assert "3 rows of 55 left out" in run.stderr


def test_a_json_object_giving_a_column_under_both_its_names_is_left_out(tmp_path: Path) -> None:
    """step_id and its Chinese name 环节编码 in one object: which value is meant cannot be
    told, where the row used to keep one without a word; a Chinese name beside an English
    one left empty is read (备注, the note, was dropped)."""
    row = json.loads(json.dumps(dict(zip(LINES[0].split(","), LINES[2].split(","), strict=True))))
    both = json.dumps({**row, "环节编码": "S8"}, ensure_ascii=False)
    noted = json.dumps({**row, "备注": "补正材料"}, ensure_ascii=False)
    path = json_lines(tmp_path, (2, both), (3, noted))
    result = monitor(path, REFERENCE, lang="en")
    assert [(p.code, p.line, p.entity) for p in result.problems] == [("M001", 2, FIRST_CASE)]
    assert result.problems[0].message("en") == (
        "column step_id is given twice in one event, as 'step_id' and as '环节编码', with two "
        "values, and only one can be read; the row is left out: keep one"
    )
    assert result.case(FIRST_CASE).lost == (2,)
    notes = {e.note for events in read_log(path, REFERENCE).cases.values() for e in events}
    assert "补正材料" in notes


# ------------------------------------------------------------------ a DataFrame's column twice


def test_a_dataframe_naming_a_column_twice_is_refused() -> None:
    frame = pd.DataFrame(
        [["A1", "XK-001", "S1", "2011-10-10 09:00", "S2"]],
        columns=["case_id", "power_id", "step_id", "timestamp", "环节编码"],
    )
    with pytest.raises(UsageError, match=r"^the DataFrame has column 'step_id' twice"):
        monitor(frame, REFERENCE)


# ------------------------------------------------------------------ a directory of two formats


def parquet_dir(tmp_path: Path) -> Path:
    root = tmp_path / "cases"
    (root / "month=2011-01").mkdir(parents=True)
    synth_cases(REFERENCE, 5, seed=1).write_parquet(root / "month=2011-01" / "part-0.parquet")
    return root


def test_a_directory_of_parquet_and_csv_files_is_refused(tmp_path: Path) -> None:
    root = parquet_dir(tmp_path)
    write(root, LINES, "more.csv")
    (root / "month=2011-02").mkdir()
    write(root / "month=2011-02", ["{}"], "late.jsonl")
    message = (
        f"'{root}' holds 1 Parquet file and 2 CSV or JSON Lines files (month=2011-02/late.jsonl, "
        "more.csv), which a directory, read as a Parquet log, would leave unread; give the "
        "CSV or JSON Lines log as a file of its own, or convert it to Parquet (with pyarrow) "
        "beside the others, or move it out of the directory"
    )
    for read in (monitor, read_parquet, monitor_dask):  # (no cluster started: refused first)
        with pytest.raises(UsageError) as err:
            read(root, REFERENCE)
        assert str(err.value) == message
    refused_by_the_command(root, message)


def test_a_directory_of_csv_files_only_names_them(tmp_path: Path) -> None:
    root = tmp_path / "cases"
    root.mkdir()
    write(root, LINES)
    run = cli(root)
    assert run.exit_code == 2
    assert run.stderr == (
        f"error: '{root}' is a directory with no .parquet file in it, but 1 CSV or JSON Lines "
        f"file (cases.csv); a directory is read as a Parquet log: give the case log file "
        f"itself (powerreg monitor {root}/cases.csv)\n"
    )


def test_hidden_files_of_a_parquet_directory_are_not_looked_at(tmp_path: Path) -> None:
    root = parquet_dir(tmp_path)
    (root / "_temporary").mkdir()
    write(root / "_temporary", LINES, "cases.csv")
    write(root, LINES, ".cases.csv")
    result = monitor(root, REFERENCE)
    assert (result.problems, result.rows) == ([], synth_cases(REFERENCE, 5, seed=1).events)
