"""Graphs and graph questions, checked against independent networkx computations."""

from __future__ import annotations

import itertools
from typing import Any

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from powerreg import Flowchart, Registry, audit

from .conftest import META, power_data

KINDS = ["start", "task", "decision", "end"]


@st.composite
def charts(draw: st.DrawFn) -> Flowchart:
    n = draw(st.integers(1, 8))
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=n, max_size=n))
    pairs = draw(st.lists(st.tuples(st.integers(1, n), st.integers(1, n)), max_size=14))
    return Flowchart.model_validate(
        {
            "id": "F1",
            "title": "t",
            "steps": [
                {"id": f"S{i + 1}", "kind": k, "label": "x", "days": draw(st.integers(0, 9))}
                for i, k in enumerate(kinds)
            ],
            "transitions": [{"from": f"S{a}", "to": f"S{b}", "when": "w"} for a, b in pairs],
        }
    )


def chart_registry(fc: Flowchart) -> Registry:
    p = power_data(flowcharts=[fc.model_dump(by_alias=True)], risk_points=[])
    return Registry.model_validate({**META, "powers": {"XK-001": p}})


@settings(max_examples=300, deadline=None)
@given(charts())
def test_a103_a104_agree_with_networkx_reachability(fc: Flowchart) -> None:
    g = nx.DiGraph()
    g.add_nodes_from(s.id for s in fc.steps)
    g.add_edges_from((t.source, t.target) for t in fc.transitions)
    starts = [s.id for s in fc.steps if s.kind == "start"]
    ends = {s.id for s in fc.steps if s.kind == "end"}
    want: set[tuple[str, str]] = set()
    if len(starts) == 1:
        seen = nx.descendants(g, starts[0]) | {starts[0]}
        want |= {("A103", f"XK-001/F1/{s}") for s in g if s not in seen}
    if ends:
        want |= {("A104", f"XK-001/F1/{s}") for s in g if not (nx.descendants(g, s) | {s}) & ends}
    report = audit(chart_registry(fc), lang="en")
    got = {(f.code, f.entity) for f in report.findings if f.code in ("A103", "A104")}
    assert got == want


@settings(max_examples=200, deadline=None)
@given(charts())
def test_longest_path_on_acyclic_charts_matches_brute_force(fc: Flowchart) -> None:
    g = fc.graph()
    starts = [s.id for s in fc.steps if s.kind == "start"]
    if len(starts) != 1 or not nx.is_directed_acyclic_graph(g):
        return
    days = {s.id: s.days or 0 for s in fc.steps}
    best = 0
    found_any = False
    for end in (s.id for s in fc.steps if s.kind == "end"):
        for path in nx.all_simple_paths(g, starts[0], end) if end != starts[0] else [[end]]:
            found_any = True
            best = max(best, sum(days[n] for n in path))
    total, path = fc.longest_path()
    assert total == (best if found_any else 0)
    if found_any:
        assert sum(days[n] for n in path) == total
        assert all(g.has_edge(a, b) for a, b in itertools.pairwise(path))


def make(fc: dict[str, Any]) -> Flowchart:
    return Flowchart.model_validate(fc)


LOOP = {
    "id": "F1",
    "title": "t",
    "steps": [
        {"id": "S1", "kind": "start", "label": "申请"},
        {"id": "S2", "kind": "decision", "label": "受理", "days": 1},
        {"id": "S3", "label": "补正", "days": 5},
        {"id": "S4", "label": "审查", "days": 10},
        {"id": "S5", "kind": "decision", "label": "决定", "days": 2},
        {"id": "S6", "label": "不予许可", "days": 1},
        {"id": "S7", "kind": "end", "label": "送达"},
    ],
    "transitions": [
        "S1 -> S2",
        {"from": "S2", "to": "S3", "when": "不全"},
        "S3 -> S2",
        {"from": "S2", "to": "S4", "when": "齐全"},
        "S4 -> S5",
        {"from": "S5", "to": "S7", "when": "准予"},
        {"from": "S5", "to": "S6", "when": "不予"},
        "S6 -> S7",
    ],
}


def test_loops_are_cut_once() -> None:
    fc = make(LOOP)
    assert fc.longest_path() == (14, ["S1", "S2", "S4", "S5", "S6", "S7"])
    assert fc.must_pass_steps() == ["S1", "S2", "S4", "S5", "S7"]
    assert fc.unreachable_steps() == [] and fc.dead_end_steps() == []  # noqa: PT018


def test_flowchart_graph_attributes() -> None:
    g = make(LOOP).graph()
    assert isinstance(g, nx.DiGraph)
    assert g.nodes["S5"] == {
        "kind": "decision",
        "label": "决定",
        "role": None,
        "days": 2,
        "pauses_clock": False,
    }
    assert g.edges["S5", "S6"]["when"] == "不予"
    assert g.number_of_edges() == 8


def test_registry_graph_is_typed() -> None:
    reg = Registry.model_validate({**META, "powers": {"XK-001": power_data()}})
    g = reg.graph()
    kinds = nx.get_node_attributes(g, "kind")
    assert sorted(set(kinds.values())) == [
        "category",
        "countermeasure",
        "flowchart",
        "power",
        "risk_point",
        "step",
    ]
    assert kinds["XK-001/F1/S2"] == "step" and kinds["XK-001/R1/M2"] == "countermeasure"  # noqa: PT018
    rels = {(u, v, d["rel"]) for u, v, d in g.edges(data=True)}
    assert ("XK", "XK-001", "contains") in rels
    assert ("XK-001/R1", "XK-001/F1/S2", "at") in rels
    assert ("XK-001/R1/M1", "XK-001/R1", "counters") in rels
    assert ("XK-001/F1/S2", "XK-001/F1/S3", "transition") in rels
    assert reg.covered_by("XK-001/R1/M1") == {
        "risk_point": "XK-001/R1",
        "step": "XK-001/F1/S2",
        "flowchart": "XK-001/F1",
        "power": "XK-001",
    }
    power = reg.powers["XK-001"]
    path = power.flowcharts[0].longest_path()[1]
    assert [r.id for r in power.risk_points_on_path("F1", path)] == ["R1"]
