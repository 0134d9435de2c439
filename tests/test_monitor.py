"""Electronic supervision: the log reader, the working-day calendar, the replay (M101–M104),
the deadlines (M201–M203), the summary and formats, the catalog tables, generated logs
with known truth, and an outside check of conformance against pm4py."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import powerreg
from powerreg import Registry, UsageError
from powerreg.catalog import export_sqlite
from powerreg.monitor import (
    MonitorResult,
    add_to_catalog,
    china_calendar,
    monitor,
    read_log,
    synth_cases,
)
from powerreg.monitor.findings import Alert, Deviation

from .conftest import META

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_LOG = ROOT / "examples" / "cases" / "cases.csv"
REFERENCE = powerreg.load_reference()
HEADER = "case_id,power_id,flowchart_id,step_id,timestamp,actor,note"


def _step(sid: str, label: str, days: int | None = None, **kw: Any) -> dict[str, Any]:
    return {"id": sid, "label": label, **({"days": days} if days is not None else {}), **kw}


def _risk(rid: str, at: str, level: str) -> dict[str, Any]:
    return {
        "id": rid,
        "at": at,
        "level": level,
        "type": "process",
        "description": f"风险 {rid}",
        "countermeasures": [
            {"id": "M1", "kind": "supervision", "stage": "during", "description": "电子监察"}
        ],
    }


#: A licensing power with a 补正 loop, expert review (both pause the clock), a collective
#: decision and two branches (F1), and a change procedure (F2); a penalty without limits.
REG = Registry.model_validate(
    {
        **META,
        "powers": {
            "XK-001": {
                "id": "XK-001",
                "category": "XK",
                "name": "测试许可",
                "legal_basis": ["《中华人民共和国行政许可法》"],
                "subject": "测试局",
                "division": "审批科",
                "statutory_days": 15,
                "promised_days": 10,
                "flowcharts": [
                    {
                        "id": "F1",
                        "title": "审批流程",
                        "steps": [
                            _step("S1", "申请", kind="start"),
                            _step("S2", "受理审查", 1, kind="decision"),
                            _step("S3", "一次性告知补正", 1, pauses_clock=True),
                            _step("S4", "审查", 3),
                            _step("S5", "专家评审", 5, pauses_clock=True),
                            _step("S6", "集体审议", 2, kind="decision"),
                            _step("S7", "批准", 1),
                            _step("S8", "不予批准", 1),
                            _step("S9", "送达", kind="end"),
                        ],
                        "transitions": [
                            "S1 -> S2",
                            {"from": "S2", "to": "S3", "when": "不全"},
                            "S3 -> S2",
                            {"from": "S2", "to": "S4", "when": "齐全"},
                            "S4 -> S5",
                            "S5 -> S6",
                            {"from": "S6", "to": "S7", "when": "符合"},
                            {"from": "S6", "to": "S8", "when": "不符合"},
                            "S7 -> S9",
                            "S8 -> S9",
                        ],
                    },
                    {
                        "id": "F2",
                        "title": "变更流程",
                        "steps": [
                            _step("S1", "申请变更", kind="start"),
                            _step("S2", "受理", 1),
                            _step("S10", "变更审核", 2),
                            _step("S11", "送达", kind="end"),
                        ],
                        "transitions": ["S1 -> S2", "S2 -> S10", "S10 -> S11"],
                    },
                ],
                "risk_points": [
                    _risk("R1", "F1/S2", "medium"),
                    _risk("R2", "F1/S4", "high"),
                    _risk("R3", "F1/S6", "high"),
                    _risk("R4", "F2/S10", "low"),
                ],
            },
            "CF-001": {
                "id": "CF-001",
                "category": "CF",
                "name": "测试处罚",
                "legal_basis": ["《环境行政处罚办法》"],
                "subject": "测试局",
                "division": "监察科",
                "flowcharts": [
                    {
                        "id": "F1",
                        "title": "处罚流程",
                        "steps": [
                            _step("S1", "立案", kind="start"),
                            _step("S2", "调查", 5),
                            _step("S3", "结案", kind="end"),
                        ],
                        "transitions": ["S1 -> S2", "S2 -> S3"],
                    }
                ],
            },
        },
    }
)


def write_log(tmp_path: Path, *lines: str, name: str = "cases.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def case_lines(
    case: str, events: list[tuple[str, str]], power: str = "XK-001", chart: str = "F1"
) -> list[str]:
    return [f"{case},{power},{chart},{step},{when},," for step, when in events]


def replay(
    tmp_path: Path, events: list[tuple[str, str]], as_of: date | None = None, **kw: Any
) -> MonitorResult:
    path = write_log(tmp_path, *case_lines("A1", events, **kw))
    result = monitor(path, REG, as_of=as_of, lang="en")
    assert result.problems == []
    return result


def dev_rows(result: MonitorResult) -> list[tuple[Any, ...]]:
    return [
        (
            d.code,
            d.position,
            d.line,
            d.step,
            d.source,
            d.kind,
            d.steps,
            d.on_every_path,
            [r.id for r in d.risk_points],
        )
        for d in result.deviations
    ]


def alert_rows(result: MonitorResult) -> list[tuple[Any, ...]]:
    return [
        (
            a.code,
            a.scope,
            a.step,
            a.position,
            a.elapsed,
            a.limit,
            a.date,
            [r.id for r in a.risk_points],
        )
        for a in result.alerts
    ]


def at(steps: str, day: str = "2011-11-01") -> list[tuple[str, str]]:
    """Steps one hour apart on one day: for replays where only the path matters."""
    return [(s, f"{day} {9 + i:02d}:00") for i, s in enumerate(steps.split())]


# ------------------------------------------------------------------ reading the log


BAD_ROWS = [
    "A1,XK-001,F1,S1,2011-10-10 09:00,窗口,",
    'A1,XK-001,F1,S2,2011-10-10 10:00,窗口,"两行的\n备注"',
    ",XK-001,F1,S4,2011-10-11 09:00,,",
    "A1,XK-001,F1,S4,2011-13-01 09:00,,",
    "A2,XX-999,F1,S1,2011-10-10 09:00,,",
    "A3,XK-001,F9,S1,2011-10-10 09:00,,",
    "A1,XK-001,F1,S99,2011-10-11 09:00,,",
    "A1,XK-001,F1,S4,2011-10-09 09:00,,",
    "A1,CF-001,F1,S4,2011-10-12 09:00,,",
    "A1,XK-001,F2,S4,2011-10-12 09:00,,",
    "",
    "A1,XK-001,F1,S4,2011-10-12 09:00,,",
    "A4,XK-001,,S1,2011/10/12 9:30,,",
    "A5,XK-001",
]


def test_bad_rows_are_reported_by_line_and_the_others_kept(tmp_path: Path) -> None:
    log = read_log(write_log(tmp_path, *BAD_ROWS), REG)
    assert [(p.code, p.file, p.line) for p in log.problems] == [
        ("M001", "cases.csv", 5),
        ("M002", "cases.csv", 6),
        ("M003", "cases.csv", 7),
        ("M004", "cases.csv", 8),
        ("M005", "cases.csv", 9),
        ("M006", "cases.csv", 10),
        ("M007", "cases.csv", 11),
        ("M007", "cases.csv", 12),
        ("M001", "cases.csv", 16),
    ]
    assert log.problems[-1].message("en") == "step_id and timestamp missing or empty"
    assert [str(p) for p in log.problems][4:6] == [
        "cases.csv:9: M005 step 'S99' is on none of the flowcharts of power XK-001 "
        "(steps: S1, S2, S3, S4, S5, S6, S7, S8, S9, S10, S11)",
        "cases.csv:10: M006 event at 2011-10-09 09:00:00 is earlier than the case's "
        "previous event at 2011-10-10 10:00:00 (line 3); a case's events go in time order",
    ]
    assert log.rows == 13
    assert {c: [(e.step_id, e.line) for e in evs] for c, evs in log.cases.items()} == {
        "A1": [("S1", 2), ("S2", 3), ("S4", 14)],
        "A4": [("S1", 15)],
    }
    assert log.cases["A1"][1].note == "两行的\n备注"
    assert str(log.cases["A4"][0].time) == "2011-10-12 09:30:00"


def test_json_lines_and_dataframes_report_bad_rows_too(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text(
        "\n".join(
            [
                '{"case_id": "A1", "power_id": "XK-001", "step_id": "S1", "timestamp": "2011-10-10T09:00:00+08:00"}',
                '{"case_id": "A1", "power_id": "XK-001", "step_id": "S2",',
                "[1, 2]",
                "",
                '{"case_id": "A1", "step_id": "S2", "timestamp": "2011-10-10T02:00:00Z"}',
                '{"case_id": "A1", "power_id": "XK-001", "step_id": "S2", "timestamp": "2011-10-10T02:00:00Z"}',
            ]
        ),
        encoding="utf-8",
    )
    log = read_log(path, REG)
    assert [(p.code, p.line) for p in log.problems] == [("M001", 2), ("M001", 3), ("M001", 5)]
    assert log.problems[0].message("en").startswith("not valid JSON")
    assert log.problems[2].message("en") == "power_id missing or empty"
    assert [(e.step_id, str(e.time)) for e in log.cases["A1"]] == [
        ("S1", "2011-10-10 09:00:00"),
        ("S2", "2011-10-10 10:00:00"),
    ]
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        {
            "case_id": ["A1", "A1", "A2"],
            "power_id": ["XK-001", "XK-001", None],
            "step_id": ["S1", "S2", "S1"],
            "timestamp": pd.to_datetime(
                ["2011-10-10 09:00", "2011-10-10 10:00", "2011-10-10 11:00"]
            ),
        }
    )
    log = read_log(frame, REG)
    assert [(p.code, p.file, p.line) for p in log.problems] == [("M001", "DataFrame", 3)]
    assert [e.step_id for e in log.cases["A1"]] == ["S1", "S2"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "cases.csv: the case log is empty"),
        (b"case_id,power_id,step_id\n", "cases.csv:1: the header has no column timestamp"),
        (
            HEADER.encode() + "\nA1,XK-001,F1,S1,2011-10-10,,申请\n".encode("gbk"),
            "cases.csv:2: the case log is not UTF-8",
        ),
    ],
)
def test_unreadable_logs_are_usage_errors(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / "cases.csv").write_bytes(content)
    with pytest.raises(UsageError, match="^" + message):
        read_log(tmp_path / "cases.csv", REG)


def test_missing_log_and_wrong_source_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"no case log at .*nope\.csv'"):
        monitor(tmp_path / "nope.csv", REG)
    with pytest.raises(UsageError, match="is a directory"):
        monitor(tmp_path, REG)
    with pytest.raises(UsageError, match="cannot read a case log from int"):
        monitor(42, REG)


# ------------------------------------------------------------------ the calendar


def test_working_days_know_national_day_spring_festival_and_make_up_days() -> None:
    cal = china_calendar()
    # 国庆 2011: 10-01..10-07 off; Saturday 10-08 and Sunday 10-09 are make-up working days
    assert [cal.is_workday(date(2011, 10, d)) for d in range(1, 11)] == [False] * 7 + [True] * 3
    assert chinese_calendar.is_workday(date(2011, 10, 8))  # the package agrees
    assert cal.working_days(date(2011, 9, 30), date(2011, 10, 8)) == 1
    assert cal.add_working_days(date(2011, 9, 30), 1) == date(2011, 10, 8)
    # 春节 2012: 01-22..01-28 off; Saturday 01-21 and Sunday 01-29 worked
    assert cal.working_days(date(2012, 1, 20), date(2012, 1, 31)) == 4  # 21, 29, 30, 31
    assert cal.add_working_days(date(2012, 1, 21), 1) == date(2012, 1, 29)
    assert cal.working_days(date(2011, 10, 10), date(2011, 10, 10)) == 0  # start day not counted
    assert cal.working_days(date(2011, 10, 10), date(2011, 10, 7)) == -3  # 8, 9, 10


@given(
    st.dates(date(2004, 1, 1), date(2026, 12, 31)),
    st.integers(0, 400),
)
@settings(max_examples=60, deadline=None)
def test_working_days_agree_with_chinese_calendar_day_by_day(start: date, span: int) -> None:
    cal = china_calendar()
    end = min(start + timedelta(days=span), date(2026, 12, 31))
    expected = sum(
        chinese_calendar.is_workday(start + timedelta(days=i))
        for i in range(1, (end - start).days + 1)
    )
    assert cal.working_days(start, end) == expected
    if expected:
        assert cal.add_working_days(start, expected) == max(
            d
            for d in (start + timedelta(days=i) for i in range(1, span + 1))
            if d <= end and chinese_calendar.is_workday(d)
        )


def test_years_outside_the_calendar(tmp_path: Path) -> None:
    cal = china_calendar()
    with pytest.raises(
        UsageError,
        match=r"2031-01-06 is outside the working-day calendar: "
        r"chinese-calendar [\d.]+ knows China's public holidays and make-up "
        r"working days \(调休\) for 2004–2026 only; upgrade it",
    ):
        cal.working_days(date(2030, 1, 1), date(2031, 1, 6))
    with pytest.raises(UsageError, match="it has no data before 2004"):
        cal.is_workday(date(2003, 12, 31))
    path = write_log(
        tmp_path, *case_lines("A1", [("S1", "2011-10-10 09:00"), ("S2", "2031-01-06 09:00")])
    )
    result = monitor(path, REG)  # the row only is left out (M009), not the log
    assert [(p.code, p.line) for p in result.problems] == [("M009", 3)]
    assert result.problems[0].message("en").startswith("2031-01-06 is outside")
    assert [len(c.events) for c in result.cases] == [1]
    with pytest.raises(UsageError, match=r"^as_of: 2031-01-01 is outside"):
        monitor(path, REG, as_of=date(2031, 1, 1))
    with pytest.raises(UsageError, match="outside"):
        synth_cases(REG, 5, start=date(2031, 1, 1))


# ------------------------------------------------------------------ the replay: M101–M104

DEVIATIONS = [
    ("follows the chart", at("S1 S2 S3 S2 S4 S5 S6 S7 S9"), []),
    (
        "M101 a step of the power's other chart",
        at("S1 S2 S10 S4 S5 S6 S7 S9"),
        [("M101", 2, 4, "S10", None, None, (), True, [])],
    ),
    (
        "M102 review skipped",
        at("S1 S2 S5 S6 S7 S9"),
        [("M102", 2, 4, "S5", "S2", "skip", ("S4",), True, ["XK-001/R2"])],
    ),
    (
        "M102 collective decision skipped",
        at("S1 S2 S4 S5 S7 S9"),
        [("M102", 4, 6, "S7", "S5", "skip", ("S6",), True, ["XK-001/R3"])],
    ),
    (
        "M102 back to review after the decision",
        at("S1 S2 S4 S5 S6 S4 S5 S6 S7 S9"),
        [("M102", 5, 7, "S4", "S6", "back", (), True, ["XK-001/R2"])],
    ),
    (
        "M102 across branches",
        at("S1 S2 S4 S5 S6 S7 S8 S9"),
        [("M102", 6, 8, "S8", "S7", "jump", (), True, [])],
    ),
    (
        "M102 repeated without the 补正 loop",
        at("S1 S2 S2 S4 S5 S6 S7 S9"),
        [("M102", 2, 4, "S2", "S2", "repeat", ("S3",), True, ["XK-001/R1"])],
    ),
    (
        "M102 skipped one of two branches: the shortest way is named",
        at("S1 S2 S4 S5 S6 S9"),
        [("M102", 5, 7, "S9", "S6", "skip", ("S7",), False, [])],
    ),
    (
        "M103 begun at review",
        at("S4 S5 S6 S7 S9"),
        [("M103", 0, 2, "S4", "S1", None, ("S2",), True, ["XK-001/R1", "XK-001/R2"])],
    ),
    (
        "M104 closed at the collective decision",
        at("S1 S2 S4 S5 S6"),
        [("M104", 4, 6, "S6", None, None, ("S9",), True, ["XK-001/R3"])],
    ),
    (
        "M101 then M102 from the last step on the chart",
        at("S1 S2 S4 S10 S6 S7 S9"),
        [
            ("M101", 3, 5, "S10", None, None, (), True, []),
            ("M102", 4, 6, "S6", "S4", "skip", ("S5",), True, ["XK-001/R3"]),
        ],
    ),
]


@pytest.mark.parametrize(("name", "events", "expected"), DEVIATIONS, ids=[d[0] for d in DEVIATIONS])
def test_each_deviation_code(
    tmp_path: Path, name: str, events: list[tuple[str, str]], expected: list[tuple[Any, ...]]
) -> None:
    result = replay(tmp_path, events)
    assert dev_rows(result) == expected
    assert result.cases[0].fits is (not expected)


def test_an_open_case_is_not_closed_irregularly(tmp_path: Path) -> None:
    result = replay(tmp_path, at("S1 S2 S4 S5 S6"), as_of=date(2011, 11, 1))
    assert (result.cases[0].status, result.deviations) == ("open", [])


def test_the_flowchart_is_inferred_when_the_log_does_not_name_it(tmp_path: Path) -> None:
    result = replay(tmp_path, at("S1 S2 S10 S11"), chart="")
    case = result.cases[0]
    assert (case.flowchart_id, case.inferred, case.fits) == ("F2", True, True)


def test_deviation_messages_name_steps_and_risks(tmp_path: Path) -> None:
    result = replay(tmp_path, at("S1 S2 S4 S5 S7 S9"))
    d = result.deviations[0]
    assert result.message(d, "en") == (
        "case A1: moved from S5 to S7, which is not a transition of XK-001/F1; skipped "
        "S6 集体审议; risk points XK-001/R3 (high)"
    )
    assert result.message(d, "zh") == (
        "办件 A1：从 S5 流转到 S7，流程图 XK-001/F1 无此流转；跳过了 S6 集体审议；"
        "涉及廉政风险点 XK-001/R3（高）"
    )


# ------------------------------------------------------------------ deadlines: M201–M203

NATIONAL_DAY = [
    ("S1", "2011-09-29 09:00"),
    ("S2", "2011-09-30 09:00"),
    ("S4", "2011-10-08 10:00"),  # a Saturday, worked (调休)
    ("S5", "2011-10-12 09:00"),
    ("S6", "2011-10-31 09:00"),
    ("S7", "2011-11-01 09:00"),
    ("S9", "2011-11-02 09:00"),
]

SPRING_FESTIVAL = [
    ("S1", "2012-01-16 09:00"),
    ("S2", "2012-01-16 10:00"),
    ("S3", "2012-01-17 09:00"),  # 补正: the clock stops
    ("S2", "2012-01-20 09:00"),
    ("S4", "2012-01-21 09:00"),  # a Saturday, worked
    ("S5", "2012-01-31 09:00"),  # 专家评审: the clock stops
    ("S6", "2012-02-20 09:00"),
    ("S8", "2012-03-08 09:00"),
    ("S9", "2012-03-09 09:00"),
]


def test_deadlines_across_national_day(tmp_path: Path) -> None:
    result = replay(tmp_path, NATIONAL_DAY)
    case = result.cases[0]
    assert case.step_days == (1, 1, 4, 13, 1, 1, None)
    assert (case.elapsed, case.limit, case.on_time, case.worst) == (8, 10, True, "yellow")
    assert alert_rows(result) == [
        ("M202", "step", "S4", 2, 4, 3, date(2011, 10, 12), ["XK-001/R2"]),
        ("M201", "case", None, None, 8, 10, date(2011, 11, 2), []),
    ]


def test_no_warning_below_eighty_percent(tmp_path: Path) -> None:
    events = [*NATIONAL_DAY[:-1], ("S9", "2011-11-01 15:00")]
    result = replay(tmp_path, events)
    assert (result.cases[0].elapsed, [a.code for a in result.alerts]) == (7, ["M202"])


def test_pausing_steps_and_a_red_card_across_spring_festival(tmp_path: Path) -> None:
    result = replay(tmp_path, SPRING_FESTIVAL)
    case = result.cases[0]
    # S3 (3 days of 补正) and S5 (14 days of expert review, over its 5) are left out
    assert case.step_days == (0, 1, 3, 1, 3, 14, 13, 1, None)
    assert (case.elapsed, case.on_time, case.worst) == (19, False, "red")
    assert alert_rows(result) == [
        ("M202", "step", "S6", 6, 13, 2, date(2012, 2, 23), ["XK-001/R3"]),
        ("M201", "case", None, None, 19, 10, date(2012, 2, 23), []),
        ("M202", "case", None, None, 19, 10, date(2012, 2, 28), []),
        ("M203", "case", None, None, 19, 15, date(2012, 3, 6), []),
    ]
    assert [result.message(a, "en") for a in result.alerts][2:] == [
        "yellow card: case A1 took 19 working days, over its promised limit of 10 "
        "(overdue from 2012-02-28)",
        "red card: case A1 took 19 working days, over the statutory limit of 15 "
        "(overdue from 2012-03-06); officials answer for it",
    ]


def test_open_cases_run_to_as_of(tmp_path: Path) -> None:
    events = [("S1", "2011-12-19 09:00"), ("S2", "2011-12-19 10:00"), ("S4", "2011-12-20 09:00")]
    later = [*events, ("S5", "2012-01-05 09:00")]
    result = replay(tmp_path, later, as_of=date(2011, 12, 30))
    case = result.cases[0]
    assert (case.status, case.step_days, case.elapsed, result.after_as_of) == (
        "open",
        (0, 1, 8),
        9,
        1,
    )
    assert alert_rows(result) == [
        ("M202", "step", "S4", 2, 8, 3, date(2011, 12, 26), ["XK-001/R2"]),
        ("M201", "case", None, None, 9, 10, date(2011, 12, 29), []),
    ]
    assert result.message(result.alerts[1], "en") == (
        "warning: case A1 reached 80% of its promised 10 working days on 2011-12-29; "
        "9 used by 2011-12-30 (still open)"
    )
    assert alert_rows(replay(tmp_path, events, as_of=date(2011, 12, 23))) == []


def test_a_power_without_limits_raises_step_alerts_only(tmp_path: Path) -> None:
    events = [("S1", "2011-11-01 09:00"), ("S2", "2011-11-01 10:00"), ("S3", "2011-11-14 09:00")]
    result = replay(tmp_path, events, power="CF-001")
    assert alert_rows(result) == [("M202", "step", "S2", 1, 9, 5, date(2011, 11, 9), [])]
    assert result.cases[0].on_time is None


# ------------------------------------------------------------------ summary and formats


def test_example_log_summary_per_power() -> None:
    result = monitor(EXAMPLE_LOG, REFERENCE, as_of=date(2011, 12, 30), lang="en")
    assert [
        (p.power_id, p.cases, p.open, p.fits, p.on_time, p.timed, p.deviations, p.alerts)
        for p in result.powers
    ] == [
        ("CF-001", 1, 0, 0, 1, 1, {"M102": 1, "M103": 1}, {"M201": 1, "M202": 3}),
        ("SP-013", 1, 1, 1, 0, 0, {}, {"M201": 1, "M202": 1}),
        ("XK-001", 4, 0, 2, 4, 4, {"M102": 3}, {"M202": 3}),
        ("XK-008", 2, 0, 2, 1, 2, {}, {"M201": 1, "M202": 2, "M203": 1}),
    ]
    xk = result.powers[2]
    assert [(h.step, h.hits, h.risk_level) for h in xk.riskiest] == [
        ("XK-001/F2/S12", 2, None),  # case 0004 took the refusal step of the wrong branch
        ("XK-001/F1/S8", 1, "high"),
        ("XK-001/F1/S6", 1, None),
    ]
    assert result.sentence("en") == (
        "8 cases of 4 powers (55 events, 0 rows left out): 5 followed their flowchart; "
        "5 deviations, 13 alerts (1 red card); on time 6 of 7 closed (85.7%)"
    )


def test_formats(tmp_path: Path) -> None:
    path = write_log(tmp_path, *BAD_ROWS)
    result = monitor(path, REG, lang="en")
    data = json.loads(result.to_json())
    assert sorted(data) == ["as_of", "cases", "powers", "problems", "registry", "source", "totals"]
    assert [p["code"] for p in data["problems"]][:2] == ["M001", "M002"]
    assert [d["code"] for d in data["cases"][0]["deviations"]] == ["M104"]
    assert data["totals"]["rows_left_out"] == 9
    assert result.to_text().splitlines()[:2] == [
        "cases.csv:3: M202 yellow card: case A1 spent 2 working days at S2 受理审查, over "
        "the step's 1 (overdue from 2011-10-12); risk points XK-001/R1 (medium) — but the "
        "case's record is incomplete: lines 6, 9, 10, 11, 12 left out; check them before "
        "acting on this",
        "cases.csv:14: M104 case A1: closed at S4 审查, not at an end of XK-001/F1; still due: "
        "S5 专家评审, S6 集体审议, S9 送达; risk points XK-001/R2 (high), XK-001/R3 (high); if "
        "the case is still open, replay with as_of (--as-of) — but the case's record is "
        "incomplete: lines 6, 9, 10, 11, 12 left out; check them before acting on this",
    ]
    md = result.to_markdown("zh")
    assert md.startswith("# Electronic supervision (电子监察) of cases.csv\n")
    assert "## Rows left out" in md
    assert "| XK-001 | 测试许可 |" in md
    frame = result.to_pandas()
    assert list(frame["code"]) == [f.code for f in result.findings()]


# ------------------------------------------------------------------ the catalog


def test_catalog_gains_cases_events_and_alerts(tmp_path: Path) -> None:
    db = export_sqlite(REFERENCE, tmp_path / "catalog.db")
    before = powerreg.load(db)
    result = monitor(EXAMPLE_LOG, REFERENCE, as_of=date(2011, 12, 30))
    for _ in range(2):  # a second run replaces the tables
        assert add_to_catalog(result, db) == db
    conn = sqlite3.connect(db)
    count = {
        t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("cases", "case_events", "alerts")
    }
    assert count == {"cases": 8, "case_events": 55, "alerts": 18}  # 5 deviations, 13 alerts
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute(
        "SELECT code, kind, step_id, source_step, move, steps, risk_points, risk_level "
        "FROM alerts WHERE case_id = '2011-XK001-0003'"
    ).fetchall() == [
        ("M102", "deviation", "XK-001/F1/S9", "S6", "skip", '["S7", "S8"]', '["XK-001/R3"]', "high")
    ]
    assert conn.execute(
        "SELECT status, elapsed_days, on_time, worst_card FROM cases WHERE id = '2011-XK008-0001'"
    ).fetchone() == ("closed", 29, 0, "red")
    assert conn.execute(
        "SELECT step_id, working_days, pauses_clock FROM case_events "
        "WHERE case_id = '2011-XK001-0001' ORDER BY position"
    ).fetchall()[1:3] == [("XK-001/F1/S2", 1, 0), ("XK-001/F1/S5", 17, 1)]
    described = {r[0] for r in conn.execute("SELECT DISTINCT table_name FROM _metadata")}
    assert {"cases", "case_events", "alerts"} <= described
    meta = json.loads((tmp_path / "catalog.metadata.json").read_text(encoding="utf-8"))
    tables = meta["databases"]["catalog"]["tables"]
    assert tables["alerts"]["facets"] == ["code", "card", "risk_level", "power_id"]
    assert "risk_points" in tables  # the catalog's own tables are kept
    assert "red_cards" in meta["databases"]["catalog"]["queries"]
    assert powerreg.load(db) == before  # the catalog still reads back


def test_catalog_of_another_registry_is_refused(tmp_path: Path) -> None:
    db = export_sqlite(powerreg.load(ROOT / "examples" / "minimal"), tmp_path / "other.db")
    result = monitor(EXAMPLE_LOG, REFERENCE)
    with pytest.raises(
        UsageError,
        match="is of registry example-epb, but the cases were replayed on registry liaoning-epd-2011",
    ):
        add_to_catalog(result, db)
    with pytest.raises(UsageError, match="no catalog at"):
        add_to_catalog(result, tmp_path / "none.db")


def test_a_catalog_without_a_replayed_power_is_refused_naming_the_row(tmp_path: Path) -> None:
    """The cases' references are checked once, after their rows are in: a catalog that
    lost a power (edited by hand) gets a message naming the case, the column and the
    power, and is left as it was."""
    db = export_sqlite(REFERENCE, tmp_path / "catalog.db")
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("DELETE FROM powers WHERE id = 'XK-008'")
    before = db.read_bytes()
    result = monitor(EXAMPLE_LOG, REFERENCE, as_of=date(2011, 12, 30))
    with pytest.raises(
        UsageError,
        match=r"does not hold every power.*cases: FOREIGN KEY constraint failed: "
        r"cases '2011-XK008-0001' refers to powers 'XK-008' \(power_id\)",
    ):
        add_to_catalog(result, db)
    assert db.read_bytes() == before


# ------------------------------------------------------------------ generated logs


def test_synth_cases_is_deterministic_and_round_trips(tmp_path: Path) -> None:
    one = synth_cases(REFERENCE, 60, seed=5, deviation_rate=0.5, delay_rate=0.2)
    assert one.rows == synth_cases(REFERENCE, 60, seed=5, deviation_rate=0.5, delay_rate=0.2).rows
    assert one.rows != synth_cases(REFERENCE, 60, seed=6, deviation_rate=0.5, delay_rate=0.2).rows
    keys = {d.key() for d in monitor(one.to_event_log(REFERENCE), REFERENCE).deviations}
    assert keys == one.deviations
    for path in (one.write_csv(tmp_path / "s.csv"), one.write_jsonl(tmp_path / "s.jsonl")):
        result = monitor(path, REFERENCE)
        assert {d.key() for d in result.deviations} == one.deviations
        assert {a.key() for a in result.alerts} == one.alerts
    truth = json.loads(one.write_truth(tmp_path / "truth.json").read_text(encoding="utf-8"))
    assert len(truth["deviations"]) == len(one.deviations) == len(one.injected)
    with pytest.raises(UsageError, match="deviation_rate must be between 0 and 1"):
        synth_cases(REFERENCE, 5, deviation_rate=1.5)


@given(
    n_cases=st.integers(1, 120),
    seed=st.integers(0, 10**6),
    deviation_rate=st.floats(0, 1),
    delay_rate=st.floats(0, 1),
)
@settings(max_examples=80, deadline=None)
def test_every_injected_deviation_and_alert_is_found_and_nothing_else(
    n_cases: int, seed: int, deviation_rate: float, delay_rate: float
) -> None:
    log = synth_cases(REFERENCE, n_cases, seed, deviation_rate, delay_rate)
    result = monitor(log.to_event_log(REFERENCE), REFERENCE)
    assert {d.key() for d in result.deviations} == log.deviations
    assert {a.key() for a in result.alerts} == log.alerts


# ------------------------------------------------------------------ outside check: pm4py


def _petri_net(fc: powerreg.Flowchart) -> tuple[Any, Any, Any]:
    """A workflow net whose firing sequences are the flowchart's start→end walks: a place
    after each step, one visible transition per chart move (labelled with the step moved
    to), and a silent transition from each end step to the sink."""
    from pm4py.objects.petri_net.obj import Marking, PetriNet
    from pm4py.objects.petri_net.utils.petri_utils import add_arc_from_to

    net = PetriNet(fc.gid)
    source, sink = PetriNet.Place("source"), PetriNet.Place("sink")
    after = {s.id: PetriNet.Place(f"after {s.id}") for s in fc.steps}
    net.places.update([source, sink, *after.values()])

    def transition(name: str, label: str | None, src: Any, dst: Any) -> None:
        t = PetriNet.Transition(name, label)
        net.transitions.add(t)
        add_arc_from_to(src, t, net)
        add_arc_from_to(t, dst, net)

    start = fc.start_steps[0].id
    transition(f"begin {start}", start, source, after[start])
    for i, t in enumerate(fc.transitions):
        transition(f"{i} {t.source}->{t.target}", t.target, after[t.source], after[t.target])
    for e in fc.end_steps:
        transition(f"close {e.id}", None, after[e.id], sink)
    return net, Marking({source: 1}), Marking({sink: 1})


def _pm4py_fit(charts: list[tuple[str, str, list[tuple[str, list[str]]]]]) -> set[str]:
    """The cases pm4py's alignments find fitting, per chart: ``(power, chart, cases)``."""
    from pm4py.algo.conformance.alignments.petri_net import algorithm as alignments
    from pm4py.objects.log.obj import Event, EventLog, Trace

    fit = set()
    for pid, fid, cases in charts:
        net, im, fm = _petri_net(REFERENCE.powers[pid].flowchart(fid))
        traces = EventLog(
            [
                Trace([Event({"concept:name": s}) for s in steps], attributes={"concept:name": c})
                for c, steps in cases
            ]
        )
        aligned = alignments.apply_log(traces, net, im, fm, parameters={"show_progress_bar": False})
        # a move on the log or on a visible model transition costs 10000; silent ones 1
        fit |= {c for (c, _), a in zip(cases, aligned, strict=True) if a["cost"] < 10000}
    return fit


def test_fitting_cases_agree_with_pm4py_alignments() -> None:
    log = synth_cases(REFERENCE, 300, seed=11, deviation_rate=0.4, delay_rate=0.1)
    result = monitor(log.to_event_log(REFERENCE), REFERENCE)
    by_chart: dict[tuple[str, str], list[tuple[str, list[str]]]] = {}
    for case in result.cases:
        steps = [e.step_id for e in case.events]
        by_chart.setdefault((case.power_id, case.flowchart_id), []).append((case.case_id, steps))
    charts = [(pid, fid, cases) for (pid, fid), cases in by_chart.items()]
    # pm4py runs in a process of its own: a Dask cluster started earlier in the session
    # (tests/test_engine.py) leaves process state behind that makes pm4py refuse sound nets
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        fit = pool.apply(_pm4py_fit, (charts,))
    ours = {c.case_id for c in result.cases if c.fits}
    assert 100 < len(ours) < 300
    assert ours == fit


def test_deviations_dataclasses_are_frozen() -> None:
    d = Deviation("M101", "A", "P", "F", 0, 1, "S")
    a = Alert("M201", "A", "P", "F", "case", None, None, 1, 8, 10, date(2011, 1, 4))
    with pytest.raises(AttributeError):
        d.code = "M102"  # type: ignore[misc]
    assert (a.card, d.key(), a.key()) == (
        "warning",
        ("A", "M101", 0, "S"),
        ("A", "M201", "case", None, None),
    )
