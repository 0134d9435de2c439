"""The deviations of a replay in bulk, found on arrays (monitor/bulkdeviations.py), are
those the case-by-case replay finds (monitor/replay.py), to the record."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import powerreg
from powerreg.monitor.bulkdeviations import ChartTable
from powerreg.monitor.chartindex import ChartIndex, compiled
from powerreg.monitor.reader import RowIndex
from powerreg.monitor.replay import step_deviations

REFERENCE = powerreg.load_reference()
INDEX = RowIndex(REFERENCE)
CHARTS: dict[tuple[str, str], ChartIndex] = {}
#: every chart of the reference registry, as (power, chart)
ALL = sorted((p.id, f.id) for p in REFERENCE.powers.values() for f in p.flowcharts)


@st.composite
def cases(draw: st.DrawFn) -> tuple[tuple[str, str], list[int], bool]:
    """A case: its chart, the numbers of its events' steps (any of its power's, on the
    chart or off it, in any order; mostly along the chart's moves) and whether closed."""
    pid, fid = draw(st.sampled_from(ALL))
    chart = compiled(CHARTS, REFERENCE, pid, fid)
    steps = INDEX.steps[pid]
    number = INDEX.numbers[pid]
    size = draw(st.integers(1, 12))
    at = chart.start if chart.start is not None and draw(st.booleans()) else None
    out: list[int] = []
    for _ in range(size):
        succ: tuple[str, ...] = chart.succ.get(at, ()) if at is not None else ()
        along = draw(st.integers(0, 3)) > 0
        if succ and along:
            at = draw(st.sampled_from(succ))  # along the chart
        else:
            at = steps[draw(st.integers(0, len(steps) - 1))]  # anywhere
        out.append(number[at])
    return (pid, fid), out, draw(st.booleans())


@given(st.lists(cases(), min_size=1, max_size=8), st.integers(1, 5))
@settings(max_examples=300, deadline=None)
def test_deviations_on_arrays_are_the_case_by_case_replays(
    drawn: list[tuple[tuple[str, str], list[int], bool]], spacing: int
) -> None:
    table = ChartTable(INDEX.steps)
    gi = [table.number(compiled(CHARTS, REFERENCE, *key)) for key, _, _ in drawn]
    table.build()
    case_ids = [f"C{k}" for k in range(2 * len(drawn))]
    ks = np.arange(len(drawn), dtype=np.int64) * 2 + 1  # every other case
    steps = np.array([x for _, seq, _ in drawn for x in seq], np.int64)
    lines = np.arange(len(steps), dtype=np.int64) * spacing + 2
    found = table.find(
        ks,
        np.array(gi, np.int64),
        np.array([len(seq) for _, seq, _ in drawn], np.int64),
        steps,
        lines,
        np.array([closed for _, _, closed in drawn], bool),
    )
    got = table.records(found, case_ids)
    assert list(got) == ks.tolist()
    at = 0
    for k, ((pid, fid), seq, closed) in zip(ks.tolist(), drawn, strict=True):
        chart = compiled(CHARTS, REFERENCE, pid, fid)
        names = [INDEX.steps[pid][x] for x in seq]
        want = step_deviations(
            case_ids[k], names, lines[at : at + len(seq)].tolist(), chart, closed
        )
        assert list(got[k]) == want
        at += len(seq)


def test_no_case_no_deviation() -> None:
    table = ChartTable(INDEX.steps)
    table.build()
    no = np.zeros(0, np.int64)
    assert table.records(table.find(no, no, no, no, no, no.astype(bool)), []) == {}


def test_charts_of_one_shape_share_their_paths_and_answer_as_paths_does() -> None:
    from powerreg.monitor import chartindex
    from powerreg.paths import steps_between, steps_to_end

    p = REFERENCE.powers["XK-001"]
    one, two = ChartIndex(p, p.flowchart("F1")), ChartIndex(p, p.flowchart("F1"))
    assert one._between is two._between
    assert one._to_end is two._to_end
    other = ChartIndex(p, p.flowcharts[-1])
    if tuple(other.succ.items()) != tuple(one.succ.items()):
        assert other._between is not one._between
    for a in one.succ:
        assert one.to_end(a) == steps_to_end(one.succ, a, one.ends)
        for b in one.succ:
            assert two.between(a, b) == steps_between(one.succ, a, b)
    chartindex._SHAPES.clear()  # forgotten: asked again
    three = ChartIndex(p, p.flowchart("F1"))
    assert three._between == {}
    assert three.between("S2", "S8") == one.between("S2", "S8")


def test_a_bulk_replay_finds_its_deviations_and_makes_their_records_once_asked(
    tmp_path: Path,
) -> None:
    from powerreg.monitor import monitor, synth_cases
    from powerreg.monitor.events import read_log

    path = synth_cases(REFERENCE, 80, 7, 0.5, 0.2).write_csv(tmp_path / "cases.csv")
    result = monitor(path, REFERENCE)
    state = result._bulk._state  # type: ignore[attr-defined]
    assert len(state.deviated.ks) > 0
    assert "devs_of" not in state.__dict__  # found, no record made
    text = result.to_text("en")
    as_json = result.to_json("en")
    assert "devs_of" not in state.__dict__  # the outputs fill in one record of a kind
    table = result._columns.deviations  # type: ignore[attr-defined]
    cases = result.cases
    made = state.devs_of
    assert all(cases[k].deviations is devs for k, devs in made.items())  # made once
    # the columns list every deviation as the records do, each kind's like its first
    flat = [(k, d) for k in sorted(made) for d in made[k]]
    assert table.case.tolist() == [k for k, _ in flat]
    assert [table.make(i) for i in range(len(flat))] == [d for _, d in flat]
    assert all(
        replace(d, case_id="", position=0, line=0)
        == replace(table.kinds()[kind], case_id="", position=0, line=0)
        for (_, d), kind in zip(flat, table.kind.tolist(), strict=True)
    )
    assert len({*table.kind.tolist()}) == len(table.first) == len(table.kinds())
    old = monitor(read_log(path, REFERENCE), REFERENCE)
    assert [c.deviations for c in cases] == [c.deviations for c in old.cases]
    assert text == old.to_text("en")
    assert as_json == old.to_json("en")
