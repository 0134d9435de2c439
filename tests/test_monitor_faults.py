"""The monitor under hostile or broken case logs (issue 12): rows the reader cannot
delimit, values past every bound, timestamps past the years, JSON nested too deep, text
no output can encode, dates outside the working-day calendar.

Each case ends in one problem for the row concerned (M001, M002, M008–M011) with its
line, and every other row replayed: never rows silently lost, never a traceback, never
the whole log refused for one row.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from powerreg.catalog import export_sqlite
from powerreg.cli import main
from powerreg.errors import UsageError
from powerreg.monitor import (
    CaseEvents,
    EventLog,
    MonitorResult,
    add_to_catalog,
    china_calendar,
    monitor,
    read_log,
)
from powerreg.monitor.rows import MAX_FIELD, MAX_ROW

from .test_monitor import HEADER, REG, case_lines, write_log

#: A case that follows F1 of XK-001 (test_monitor's registry) from start to end.
WALK = [
    ("S1", "2011-10-10 09:00"),
    ("S2", "2011-10-10 10:00"),
    ("S4", "2011-10-11 09:00"),
    ("S5", "2011-10-12 09:00"),
    ("S6", "2011-10-13 09:00"),
    ("S7", "2011-10-14 09:00"),
    ("S9", "2011-10-17 09:00"),
]


def twenty_rows() -> list[str]:
    """Twenty good rows: cases A0–A2 walk F1, A3 is begun."""
    rows = [line for n in range(3) for line in case_lines(f"A{n}", WALK)]
    return rows[:20]


def codes(result: MonitorResult) -> list[tuple[str, int]]:
    return [(p.code, p.line) for p in result.problems]


def every_output(result: MonitorResult, tmp_path: Path) -> None:
    """Text, JSON, Markdown, problem lines and the catalog all come out as UTF-8."""
    for lang in ("en", "zh"):
        result.to_text(lang).encode("utf-8")
        json.loads(result.to_json(lang).encode("utf-8"))
        result.to_markdown(lang).encode("utf-8")
        for p in result.problems:
            p.as_line(lang).encode("utf-8")
            json.dumps(p.to_dict(lang), ensure_ascii=False).encode("utf-8")
    db = tmp_path / "catalog.db"
    if not db.exists():
        export_sqlite(REG, db)
    add_to_catalog(result, db)


# ------------------------------------------------------------------ rows that cannot be delimited


def test_an_unclosed_quote_leaves_out_its_row_only(tmp_path: Path) -> None:
    rows = twenty_rows()
    rows[0] = rows[0] + '"备注没有结束的引号'  # line 2: the quote never closes
    result = monitor(write_log(tmp_path, *rows), REG, lang="en")
    assert codes(result) == [("M008", 2)]
    assert (
        result.problems[0]
        .message("en")
        .startswith(
            "a quoted field opened on this line runs on over line 3, which reads as a row of its own"
        )
    )
    assert (result.rows, result.events) == (20, 19)
    code = CliRunner().invoke(main, ["monitor", str(tmp_path / "cases.csv"), "--lang", "en"])
    assert code.exit_code == 1
    assert "cases.csv:2: M008 " in code.stderr
    assert "1 row of 20 left out" in code.stderr


def test_a_quote_open_at_the_end_of_the_file(tmp_path: Path) -> None:
    rows = twenty_rows()
    rows[-2] = rows[-2] + '"open'  # line 20, then a line that reads as no row
    rows[-1] = "and more text"
    result = monitor(write_log(tmp_path, *rows), REG, lang="en")
    assert codes(result) == [("M008", 20), ("M001", 21)]
    assert (
        result.problems[0]
        .message("en")
        .startswith(
            "a quoted field opened on this line reaches the end of the file without closing"
        )
    )
    assert (result.rows, result.events) == (20, 18)


def test_a_quote_closed_rows_later_swallows_none_of_them(tmp_path: Path) -> None:
    rows = twenty_rows()
    rows[4] = rows[4] + '"never closed'  # line 6
    rows[12] = rows[12] + 'stray quote"'  # line 14 would close it
    result = monitor(write_log(tmp_path, *rows), REG, lang="en")
    assert codes(result) == [("M008", 6)]
    assert "runs on over line 7, which reads as a row of its own" in (
        result.problems[0].message("en")
    )
    assert (result.rows, result.events) == (20, 19)
    assert result.case("A1").events[5].note == 'stray quote"'


def test_a_quote_that_runs_past_the_size_limit(tmp_path: Path) -> None:
    filler = ["x" * 1000] * (MAX_FIELD // 1000 + 1)  # lines that read as no row
    path = write_log(tmp_path, 'A9,XK-001,F1,S1,2011-10-10 09:00,,"open', *filler, *twenty_rows())
    log = read_log(path, REG)
    left_out = [(p.code, p.line) for p in log.problems]
    assert left_out[0] == ("M008", 2)
    assert "runs on over" in log.problems[0].message("en")
    # the filler lines are rows of their own (M001: fields missing), the twenty are read
    assert left_out[1:] == [("M001", n) for n in range(3, 3 + len(filler))]
    assert (log.rows, log.events, log.lines) == (1 + len(filler) + 20, 20, 22 + len(filler))


def test_notes_over_lines_are_still_read(tmp_path: Path) -> None:
    rows = twenty_rows()
    rows[3] = rows[3] + '"申请人补正材料，\n第二行, 含逗号\n第三行"'
    result = monitor(write_log(tmp_path, *rows), REG, lang="en")
    assert codes(result) == []
    assert result.case("A0").events[3].note == "申请人补正材料，\n第二行, 含逗号\n第三行"
    assert [e.line for e in result.case("A0").events][3:5] == [5, 8]


# ------------------------------------------------------------------ values past every bound


def test_over_long_field_or_row_leaves_out_that_row(tmp_path: Path) -> None:
    rows = twenty_rows()
    rows[2] = rows[2] + "x" * (MAX_FIELD + 1)  # a note over the field limit
    rows[7] = "y" * (MAX_ROW + 10)  # a line over the row limit
    result = monitor(write_log(tmp_path, *rows), REG, lang="en")
    assert codes(result) == [("M010", 4), ("M010", 9)]
    assert (result.rows, result.events) == (20, 18)
    for p in result.problems:
        assert len(p.as_line("en")) < 300  # the value is not quoted back


def test_over_long_values_in_json_lines_and_dataframes(tmp_path: Path) -> None:
    good = {"case_id": "A1", "power_id": "XK-001", "step_id": "S1", "timestamp": "2011-10-10"}
    lines = [
        json.dumps({**good, "note": "x" * (MAX_FIELD + 1)}),
        json.dumps({**good, "note": "y" * MAX_ROW}),
        json.dumps(good),
    ]
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = monitor(path, REG, lang="en")
    assert codes(result) == [("M010", 1), ("M010", 2)]
    assert result.events == 1
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame([{**good, "case_id": "A" * (MAX_FIELD + 1)}, good])
    result = monitor(frame, REG, lang="en")
    assert codes(result) == [("M010", 1)]
    assert result.events == 1


# ------------------------------------------------------------------ timestamps past the years

BEYOND = [
    "0001-01-01T00:00:00+09:00",  # before year 1 in China time
    "9999-12-31T23:00:00-05:00",  # after year 9999 in China time
    "12345678901234567890-01-01",  # a 20-digit year
    "12345678901234567890/1/1 9:30",
    "2011/99999999999999999999/1",
]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_timestamps_beyond_the_years_are_m002(tmp_path: Path, suffix: str) -> None:
    rows = [("A1", s, "2011-10-10 09:00") for s in ("S1",)] + [("A2", "S1", t) for t in BEYOND]
    rows += [("A1", "S2", "2011-10-10 10:00")]
    path = tmp_path / f"cases{suffix}"
    if suffix == ".csv":
        write_log(tmp_path, *(f"{c},XK-001,F1,{s},{t},," for c, s, t in rows))
    else:
        path.write_text(
            "\n".join(
                json.dumps({"case_id": c, "power_id": "XK-001", "step_id": s, "timestamp": t})
                for c, s, t in rows
            ),
            encoding="utf-8",
        )
    result = monitor(path, REG, lang="en")
    first = 2 if suffix == ".csv" else 1
    assert codes(result) == [("M002", first + 1 + i) for i in range(len(BEYOND))]
    assert [e.step_id for e in result.case("A1").events] == ["S1", "S2"]


# ------------------------------------------------------------------ JSON that cannot be read


def test_json_nested_too_deep_or_numbers_too_long(tmp_path: Path) -> None:
    good = {"case_id": "A1", "power_id": "XK-001", "step_id": "S1", "timestamp": "2011-10-10"}
    path = tmp_path / "cases.jsonl"
    path.write_text(
        "\n".join(
            [
                "[" * 100_000 + "]" * 100_000,
                '{"case_id": ' + "[" * 100_000 + "]" * 100_000 + "}",
                '{"case_id": 1' + "0" * 5000 + "}",
                json.dumps(good),
            ]
        ),
        encoding="utf-8",
    )
    result = monitor(path, REG, lang="en")
    assert codes(result) == [("M001", 1), ("M001", 2), ("M001", 3)]
    assert result.problems[0].message("en") == "not valid JSON: nested too deep to be read"
    assert result.events == 1


# ------------------------------------------------------------------ text no output can encode


def test_a_lone_surrogate_leaves_out_its_row_and_every_output_works(tmp_path: Path) -> None:
    good = {"power_id": "XK-001", "step_id": "S1", "timestamp": "2011-10-10 09:00"}
    path = tmp_path / "cases.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps({**good, "case_id": "A\ud800"}),  # written as the escape \\ud800
                json.dumps({**good, "case_id": "A2", "note": "备注\udfff"}),
                json.dumps({**good, "case_id": "A\ud800", "step_id": "S99"}),
                json.dumps({**good, "case_id": "A3"}),
            ]
        ),
        encoding="utf-8",
    )
    result = monitor(path, REG, lang="en")
    assert codes(result) == [("M011", 1), ("M011", 2), ("M011", 3)]
    assert [p.entity for p in result.problems] == [None, "A2", None]
    assert "field case_id holds U+D800" in result.problems[0].message("en")
    assert [c.case_id for c in result.cases] == ["A3"]
    every_output(result, tmp_path)
    pd = pytest.importorskip("pandas")
    rows = [{**good, "case_id": "B\udc80"}, {**good, "case_id": "B2"}]
    frame = pd.DataFrame(rows, dtype=object)  # object columns: pyarrow strings refuse it
    result = monitor(frame, REG, lang="en")
    assert codes(result) == [("M011", 1)]
    every_output(result, tmp_path)


@pytest.mark.skipif(os.name != "posix", reason="file names as bytes")
def test_a_file_name_that_is_not_utf8(tmp_path: Path) -> None:
    name = os.fsdecode(b"cases-\xff.csv")
    path = write_log(tmp_path, *twenty_rows(), "A9,XK-404,F1,S1,2011-10-10 09:00,,", name=name)
    result = monitor(path, REG, lang="en")
    assert result.source == "cases-\\xff.csv"
    assert codes(result) == [("M003", 22)]
    every_output(result, tmp_path)


# ------------------------------------------------------------------ the working-day calendar


def test_a_row_outside_the_calendar_leaves_out_that_row(tmp_path: Path) -> None:
    rows = twenty_rows()
    rows[6] = rows[6].replace("2011-10-17", "2031-01-06")  # A0 ends in 2031
    rows[7] = rows[7].replace("2011-10-10", "2003-12-31")  # A1 begins in 2003
    path = write_log(tmp_path, *rows)
    result = monitor(path, REG, lang="en")
    assert codes(result) == [("M009", 8), ("M009", 9)]
    assert (
        result.problems[0]
        .message("en")
        .startswith("2031-01-06 is outside the working-day calendar: chinese-calendar")
    )
    assert (result.rows, result.events) == (20, 18)
    assert result.case("A0").status == "closed"
    # a row later than as_of is left out as before, not as M009
    later = monitor(path, REG, as_of=date(2011, 10, 31), lang="en")
    assert codes(later) == [("M009", 9)]
    assert later.after_as_of == 1
    # a log read without the calendar is checked when replayed
    assert codes(monitor(read_log(path, REG), REG)) == codes(result)


# ------------------------------------------------------------------ hostile strings

#: Characters that break readers: delimiters, quotes, line breaks of every kind, NUL,
#: controls, a byte-order mark, right-to-left marks, and the characters around them.
BREAKERS = ",\"'\n\r\t\x00\x1b\x0b\x0c\x85\u2028\u2029\ufeff\u202e;|\\ "


def hostile_text(*, surrogates: bool = False, max_size: int = 40) -> st.SearchStrategy[str]:
    """Text full of delimiters, quotes and line breaks (and lone surrogates, for logs whose
    format can carry them: JSON escapes, DataFrames)."""
    chars = st.one_of(
        st.sampled_from(BREAKERS),
        st.characters(
            codec=None if surrogates else "utf-8",
            exclude_categories=() if surrogates else ("Cs",),
        ),
    )
    return st.text(chars, max_size=max_size)


ROW_VALUES = st.tuples(
    st.sampled_from(["A1", "A2", "A3"]),
    st.sampled_from(["XK-001", "CF-001", "XX-9"]),
    st.sampled_from(["F1", "F2", ""]),
    st.sampled_from(["S1", "S2", "S4", "S9", "S99"]),
    st.sampled_from(["2011-10-10 09:00", "2011-10-11 09:00", "2031-01-06", "0001-01-01"]),
)


def foreign(log: EventLog) -> bool:
    """Whether most rows of ``log`` name powers the registry does not have: the monitor
    refuses such a log as another registry's (issue 16.13)."""
    return 2 * sum(p.code == "M003" for p in log.problems) > log.rows


def physical_lines(text: str) -> int:
    """Lines as the reader splits them (newline="")."""
    return sum(1 for _ in io.StringIO(text, newline=""))


@given(
    st.lists(
        st.tuples(ROW_VALUES, hostile_text(), st.booleans()),
        max_size=25,
    )
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_hostile_csv_loses_no_row(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[tuple[str, ...], str, bool]]
) -> None:
    """Rows joined by hand, hostile notes unquoted or quoted: whatever the reader makes of
    them, every line is read into a row or blank, every row is an event or a problem, the
    line each written row begins on is an event or a problem (no row swallowed by another),
    and the log replays."""
    text = HEADER + "\n"
    begins = []
    for (case, power, chart, step, stamp), note, quoted in rows:
        shown = '"' + note.replace('"', '""') + '"' if quoted else note
        begins.append(physical_lines(text) + 1)
        text += f"{case},{power},{chart},{step},{stamp},actor,{shown}\n"
    path = tmp_path_factory.mktemp("log") / "cases.csv"
    path.write_text(text, encoding="utf-8", newline="")
    log = read_log(path, REG)
    assert log.lines == physical_lines(text)
    assert log.events + len(log.problems) == log.rows
    assert all(2 <= p.line <= log.lines for p in log.problems)
    read = {p.line for p in log.problems} | {e.line for evs in log.cases.values() for e in evs}
    assert set(begins) <= read
    if foreign(log):
        with pytest.raises(UsageError, match="XX-9"):
            monitor(log, REG, lang="en")
        return
    result = monitor(log, REG, lang="en")
    result.to_text().encode("utf-8")
    result.to_json().encode("utf-8")


@given(
    st.lists(
        st.tuples(ROW_VALUES, hostile_text(), hostile_text()),
        min_size=1,
        max_size=15,
    )
)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_csv_written_properly_reads_back_exactly(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[tuple[str, ...], str, str]]
) -> None:
    """Quoted as a CSV writer quotes, any actor and note (line breaks, quotes, commas)
    come back as written: the guards against unclosed quotes never misread a good log."""
    out = io.StringIO()
    writer = csv.writer(out)  # lines end in \r\n: a \r or \n in a field is quoted
    writer.writerow(HEADER.split(","))
    for (case, power, chart, step, _), actor, note in rows:
        writer.writerow([case, power, chart, step, "2011-10-10 09:00", actor, note])
    path = tmp_path_factory.mktemp("log") / "cases.csv"
    path.write_text(out.getvalue(), encoding="utf-8", newline="")
    log = read_log(path, REG)
    assert [p.code for p in log.problems if p.code in ("M008", "M010")] == []
    assert log.rows == len(rows)
    read = {e.line: (e.actor or "", e.note or "") for evs in log.cases.values() for e in evs}
    line = 2
    for (_, actor, note), written in zip(rows, _rows_written(out.getvalue()), strict=True):
        if line in read:
            assert read[line] == (actor.strip(), note.strip())
        line += written


def _rows_written(text: str) -> list[int]:
    """Physical lines of each data row of a CSV text."""
    lines = io.StringIO(text, newline="")
    spans = []
    reader = csv.reader(lines)
    next(reader)
    last = reader.line_num
    for _ in reader:
        spans.append(reader.line_num - last)
        last = reader.line_num
    return spans


@given(st.lists(st.tuples(ROW_VALUES, hostile_text(surrogates=True)), max_size=15))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_hostile_json_lines_replay_and_print(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[tuple[str, ...], str]]
) -> None:
    text = "\n".join(
        json.dumps(
            {
                "case_id": case + note[:3],
                "power_id": power,
                "flowchart_id": chart,
                "step_id": step,
                "timestamp": stamp,
                "note": note,
            }
        )
        for (case, power, chart, step, stamp), note in rows
    )
    path = tmp_path_factory.mktemp("log") / "cases.jsonl"
    path.write_text(text, encoding="utf-8")
    if foreign(read_log(path, REG, calendar=china_calendar())):
        with pytest.raises(UsageError, match="XX-9"):
            monitor(path, REG, lang="en")
        return
    result = monitor(path, REG, lang="en")
    assert result.events + len(result.problems) == result.rows == len(rows)
    for lang in ("en", "zh"):
        result.to_text(lang).encode("utf-8")
        result.to_json(lang).encode("utf-8")
        result.to_markdown(lang).encode("utf-8")


# ------------------------------------------------------------------ compact events


def test_case_events_behave_as_the_list_they_stand_for(tmp_path: Path) -> None:
    path = write_log(tmp_path, *twenty_rows())
    result = monitor(path, REG, as_of=date(2011, 10, 12), lang="en")
    events = result.case("A0").events
    assert isinstance(events, CaseEvents)
    as_list: list[Any] = list(events)
    assert len(events) == len(as_list) == 4  # up to as_of
    assert events == as_list
    assert events[-1] == as_list[-1]
    assert events[1:3] == as_list[1:3]
    assert [e.step_id for e in reversed(events)] == ["S5", "S4", "S2", "S1"]
    with pytest.raises(IndexError):
        events[4]
    assert result.after_as_of == 3 + 3 + 2  # later events of A0, A1 and A2
    db = export_sqlite(REG, tmp_path / "catalog.db")
    add_to_catalog(result, db)  # the catalog takes them as it took lists
    count = sqlite3.connect(db).execute("SELECT count(*) FROM case_events").fetchone()[0]
    assert count == result.events == 12


@pytest.mark.parametrize("kind", ["device", "fifo"])
def test_a_case_log_that_is_not_a_file_is_refused(tmp_path: Path, kind: str) -> None:
    """/dev/zero is one endless line (it filled the memory); a FIFO is read once where a
    log is read twice (it seemed empty, or the reading waited for ever for a writer)."""
    if kind == "device":
        log = Path("/dev/zero")
    else:
        log = tmp_path / "cases.csv"
        os.mkfifo(log)
    for lang, said in (("en", "not a file; give the case log as a file"), ("zh", "不是文件")):
        out = CliRunner().invoke(main, ["monitor", str(log), "--lang", lang])
        assert out.exit_code == 2
        assert said in out.output
    with pytest.raises(UsageError, match="not a file"):
        read_log(log, REG)
