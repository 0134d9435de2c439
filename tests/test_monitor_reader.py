"""The monitor's reader (issue 16.12–16.14): a case that lost rows says so, a log of
another registry is refused by name, Chinese dates and headers are read, and
``--fail-on`` sets the exit status."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import powerreg
from powerreg import UsageError
from powerreg.cli import main
from powerreg.monitor import monitor

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_LOG = ROOT / "examples" / "cases" / "cases.csv"
REFERENCE = powerreg.load_reference()


def example_rows(*cases: str) -> list[list[str]]:
    """The header and rows of the example log (of ``cases`` only, if given)."""
    with EXAMPLE_LOG.open(encoding="utf-8", newline="") as f:
        header, *rows = list(csv.reader(f))
    return [header, *(r for r in rows if not cases or r[0] in cases)]


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def findings(result: powerreg.monitor.MonitorResult) -> list[tuple[str, ...]]:
    return sorted((*f.key()[:2], str(f.key()[2:])) for f in result.findings())


# ------------------------------------------------------------------ 16.12 incomplete cases


def test_a_case_that_lost_rows_is_incomplete_and_its_red_card_says_so(tmp_path: Path) -> None:
    whole = monitor(EXAMPLE_LOG, REFERENCE, lang="en").case("2011-XK008-0001")
    assert whole.fits
    assert whole.worst == "red"
    assert not whole.incomplete
    rows = example_rows()
    # a row of the case at a step on none of its power's charts: left out (M005)
    rows.insert(12, ["2011-XK008-0001", "XK-008", "F1", "S99", "2011-09-06 09:00", "", ""])
    result = monitor(write(tmp_path / "cases.csv", rows), REFERENCE, lang="en")
    assert [(p.code, p.line, p.entity) for p in result.problems] == [
        ("M005", 13, "2011-XK008-0001")
    ]
    case = result.case("2011-XK008-0001")
    assert case.incomplete
    assert case.lost == (13,)
    assert not case.fits  # an event at a step on no chart is no following of the chart
    assert case.worst == "red"
    red = next(a for a in case.alerts if a.card == "red")
    assert result.message(red, "en").endswith(
        "officials answer for it — but the case's record is incomplete: line 13 left out; "
        "check them before acting on this"
    )
    assert result.message(red, "zh").endswith(
        "应予问责——但该办件记录不全：第 13 行被剔除，据此处理前请先核查"
    )
    others = [c for c in result.cases if c.case_id != "2011-XK008-0001"]
    assert not any(c.incomplete for c in others)
    assert all("incomplete" not in result.message(f, "en") for c in others for f in c.alerts)
    data = json.loads(result.to_json("en"))
    shown = {c["case_id"]: c for c in data["cases"]}
    assert shown["2011-XK008-0001"]["incomplete"] is True
    assert shown["2011-XK008-0001"]["lines_left_out"] == [13]
    assert shown["2011-XK001-0001"]["incomplete"] is False
    assert data["totals"]["incomplete"] == 1
    assert data["totals"]["fits"] == 3  # was 4
    assert "1 incomplete (rows left out)" in result.sentence("en")
    assert "1 件记录不全" in result.sentence("zh")
    assert "record is incomplete" in result.to_text("en")
    assert "记录不全" in result.to_markdown("zh")


def test_a_deviation_of_an_incomplete_case_says_so(tmp_path: Path) -> None:
    rows = example_rows("2011-XK001-0003")
    rows.append(["2011-XK001-0003", "XK-001", "F1", "S4", "2011-01-01 09:00", "", ""])  # M006
    result = monitor(write(tmp_path / "cases.csv", rows), REFERENCE, lang="zh")
    (d,) = result.case("2011-XK001-0003").deviations
    assert result.message(d, "en").endswith(
        "incomplete: line 8 left out; check them before acting on this"
    )
    assert "该办件记录不全：第 8 行被剔除" in result.message(d, "zh")


# ------------------------------------------------------------------ 16.13 another registry's log


def test_a_log_of_powers_the_registry_lacks_is_a_usage_error(tmp_path: Path) -> None:
    rows = [
        ["case_id", "power_id", "step_id", "timestamp"],
        ["A1", "ZZ-001", "S1", "2011-10-10 09:00"],
        ["A1", "ZZ-001", "S2", "2011-10-11 09:00"],
        ["A2", "ZZ-002", "S1", "2011-10-10 09:00"],
        ["A3", "XK-001", "S1", "2011-10-10 09:00"],
    ]
    path = write(tmp_path / "cases.csv", rows)
    with pytest.raises(
        UsageError, match=r"3 of 4 rows name powers .* \(ZZ-001, ZZ-002\).*--registry"
    ):
        monitor(path, REFERENCE)
    run = CliRunner().invoke(main, ["monitor", str(path), "--lang", "en"])
    assert run.exit_code == 2
    assert "ZZ-001, ZZ-002" in run.output
    assert "Traceback" not in run.output
    # a few rows of unknown powers are rows left out, the rest replayed
    path = write(tmp_path / "some.csv", [rows[0], rows[3], rows[4]])
    result = monitor(path, REFERENCE)
    assert [p.code for p in result.problems] == ["M003"]
    assert [c.case_id for c in result.cases] == ["A3"]


# ------------------------------------------------------------------ 16.14 Chinese dates and headers

CHINESE_HEADER = ["办件编号", "事项编码", "流程图编码", "环节编码", "时间", "经办人", "备注"]


def chinese_stamp(stamp: str, i: int) -> str:
    """``2011-08-01 09:00`` written four Chinese ways, in turn."""
    day, _, clock = stamp.partition(" ")
    y, m, d = (int(p) for p in day.split("-"))
    h, mi = (int(p) for p in clock.split(":"))
    return [
        f"{y}年{m}月{d}日 {h}:{mi:02d}",
        f"{y}.{m}.{d} {h}:{mi:02d}",
        f"{y}年{m}月{d}日{h}时{mi}分",
        f"{y}年{m}月{d}日 {h}点{mi}分",
    ][i % 4]


def test_chinese_headers_and_dates_read_as_the_iso_log(tmp_path: Path) -> None:
    expected = monitor(EXAMPLE_LOG, REFERENCE, lang="en")
    _, *rows = example_rows()
    chinese = [[*r[:4], chinese_stamp(r[4], i), *r[5:]] for i, r in enumerate(rows)]
    path = write(tmp_path / "办件.csv", [CHINESE_HEADER, *chinese])
    result = monitor(path, REFERENCE, lang="en")
    assert result.problems == []
    assert findings(result) == findings(expected)
    assert result.totals == expected.totals
    # JSON Lines with Chinese keys, a DataFrame with Chinese columns
    lines = [
        json.dumps(dict(zip(CHINESE_HEADER, r, strict=True)), ensure_ascii=False) for r in chinese
    ]
    (tmp_path / "办件.jsonl").write_text("\n".join(lines), encoding="utf-8")
    assert findings(monitor(tmp_path / "办件.jsonl", REFERENCE)) == findings(expected)
    frame = pd.DataFrame(chinese, columns=CHINESE_HEADER)
    assert findings(monitor(frame, REFERENCE)) == findings(expected)


def test_dates_only_in_chinese_are_midnight(tmp_path: Path) -> None:
    rows = [
        ["办件编号", "事项编码", "环节编码", "时间"],
        ["A1", "XK-001", "S1", "2011年11月8日"],
        ["A1", "XK-001", "S2", "2011.11.9"],
    ]
    result = monitor(write(tmp_path / "cases.csv", rows), REFERENCE)
    assert [str(e.time) for e in result.case("A1").events] == [
        "2011-11-08 00:00:00",
        "2011-11-09 00:00:00",
    ]


def test_a_header_without_a_column_names_it_in_both_languages(tmp_path: Path) -> None:
    path = write(
        tmp_path / "cases.csv", [["办件编号", "事项编码", "环节编码"], ["A1", "XK-001", "S1"]]
    )
    with pytest.raises(UsageError, match=r"no column timestamp \(时间\)"):
        monitor(path, REFERENCE)


# ------------------------------------------------------------------ 16.14 --fail-on


@pytest.mark.parametrize(
    ("cases", "fail_on", "code"),
    [
        (("2011-XK008-0001",), "red", 1),  # a red card
        (("2011-XK008-0001",), "never", 0),
        (("2011-XK001-0002",), "red", 0),  # a yellow card only
        (("2011-XK001-0002",), "yellow", 1),
        (("2011-XK001-0003",), "yellow", 0),  # a deviation only
        (("2011-XK001-0003",), "deviation", 1),
        (("2011-XK001-0001",), "deviation", 0),  # followed its chart in time
        ((), None, 0),  # without --fail-on, findings do not fail
    ],
)
def test_fail_on_sets_the_exit_status(
    tmp_path: Path, cases: tuple[str, ...], fail_on: str | None, code: int
) -> None:
    path = write(tmp_path / "cases.csv", example_rows(*cases))
    args = ["monitor", str(path), "--lang", "en"]
    run = CliRunner().invoke(main, args + (["--fail-on", fail_on] if fail_on else []))
    assert run.exit_code == code, run.output
    assert ("reaches --fail-on" in run.output) == bool(code)
