"""Path algorithms over plain successor lists, checked against independent networkx
computations: on generated charts (hypothesis) and on every chart of the reference
registry."""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Hashable
from typing import Any

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import powerreg
from powerreg.paths import (
    MoveKind,
    Successors,
    dead_end_steps,
    immediate_dominators,
    longest_path,
    must_pass_steps,
    predecessors,
    reachable,
    steps_between,
    steps_to_end,
    steps_toward_end,
    unreachable_steps,
)

REG = powerreg.load_reference()


@st.composite
def charts(draw: st.DrawFn) -> tuple[dict[str, list[str]], list[str]]:
    """Successor lists of 1–9 steps (loops, self-loops and islands included) and the
    steps that are ends."""
    n = draw(st.integers(1, 9))
    steps = [f"S{i + 1}" for i in range(n)]
    pairs = draw(st.lists(st.tuples(st.sampled_from(steps), st.sampled_from(steps)), max_size=16))
    succ: dict[str, list[str]] = {s: [] for s in steps}
    for a, b in pairs:
        if b not in succ[a]:
            succ[a].append(b)
    ends = draw(st.lists(st.sampled_from(steps), unique=True, max_size=3))
    return succ, [s for s in steps if s in ends]  # ends in chart order


def digraph(succ: Successors, sink: list[str] | None = None) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(succ)
    g.add_edges_from((a, b) for a, targets in succ.items() for b in targets)
    if sink is not None:
        g.add_edges_from((e, ("sink",)) for e in sink)
    return g


# ---------------------------------------------------------------- the networkx answers


def nx_on_every_path(
    g: nx.DiGraph, root: str, target: Hashable, order: dict[str, int]
) -> tuple[tuple[str, ...] | None, bool]:
    """Steps on every path from ``root`` to ``target`` by networkx dominators; if none,
    the inner steps of a breadth-first shortest path, successors in chart order."""
    if target not in g or not nx.has_path(g, root, target):
        return None, True
    idom = nx.immediate_dominators(g, root)
    chain: list[str] = []
    node = idom[target]
    while node != root:
        chain.append(node)
        node = idom[node]
    if chain:
        return tuple(reversed(chain)), True

    def rank(n: Any) -> int:
        return order.get(n, len(order)) if isinstance(n, str) else -1

    prev: dict[Any, Any] = {root: None}
    queue: deque[Any] = deque([root])
    while queue:
        n = queue.popleft()
        if n == target:
            break
        for nxt in sorted(g.successors(n), key=rank):
            if nxt not in prev:
                prev[nxt] = n
                queue.append(nxt)
    path: list[Any] = []
    n = target
    while n is not None:
        path.append(n)
        n = prev[n]
    steps = [s for s in reversed(path) if isinstance(s, str)]
    return tuple(steps[1:]), len(steps) <= 1


def nx_between(succ: Successors, a: str, b: str) -> tuple[MoveKind, tuple[str, ...], bool]:
    order = {s: i for i, s in enumerate(succ)}
    target = ("target",)
    g = nx.DiGraph()
    g.add_node(a)
    for src, targets in succ.items():
        if src == b and b != a:
            continue
        for dst in targets:
            g.add_edge(src, target if dst == b else dst)
    steps, every = nx_on_every_path(g, a, target, order)
    if steps is not None:
        return ("repeat" if a == b else "skip"), steps, every
    if a == b:
        return "repeat", (), True
    back = a in nx.descendants(digraph(succ), b)
    return ("back" if back else "jump"), (), True


def nx_to_end(succ: Successors, a: str, ends: list[str]) -> tuple[tuple[str, ...], bool]:
    order = {s: i for i, s in enumerate(succ)}
    steps, every = nx_on_every_path(digraph(succ, sink=ends), a, ("sink",), order)
    return steps or (), every


# ---------------------------------------------------------------- properties


@settings(max_examples=300, deadline=None)
@given(charts(), st.data())
def test_reachability_agrees_with_networkx(
    chart: tuple[dict[str, list[str]], list[str]], data: st.DataObject
) -> None:
    succ, ends = chart
    g = digraph(succ)
    start = data.draw(st.sampled_from(list(succ)))
    assert reachable(succ, [start]) == nx.descendants(g, start) | {start}
    assert unreachable_steps(succ, start) == [
        s for s in succ if s != start and not nx.has_path(g, start, s)
    ]
    assert unreachable_steps(succ, None) == list(succ)
    assert dead_end_steps(succ, ends) == [
        s for s in succ if not any(nx.has_path(g, s, e) for e in ends)
    ]
    assert predecessors(succ) == {s: list(g.predecessors(s)) for s in succ}


@settings(max_examples=300, deadline=None)
@given(charts(), st.data())
def test_dominators_agree_with_networkx(
    chart: tuple[dict[str, list[str]], list[str]], data: st.DataObject
) -> None:
    succ, ends = chart
    start = data.draw(st.sampled_from(list(succ)))
    want = nx.immediate_dominators(digraph(succ), start)
    want.pop(start, None)  # networkx before 3.5 names the start its own dominator
    assert immediate_dominators(succ, start) == want
    g = digraph(succ, sink=ends)
    if ends and nx.has_path(g, start, ("sink",)):
        idom = nx.immediate_dominators(g, start)
        chain, node = {start}, idom[("sink",)]
        while node != start:
            chain.add(node)
            node = idom[node]
        assert must_pass_steps(succ, start, ends) == [s for s in succ if s in chain]
    else:
        assert must_pass_steps(succ, start, ends) == []
    assert must_pass_steps(succ, None, ends) == []


@settings(max_examples=300, deadline=None)
@given(charts(), st.data())
def test_between_and_to_end_agree_with_networkx(
    chart: tuple[dict[str, list[str]], list[str]], data: st.DataObject
) -> None:
    succ, ends = chart
    a = data.draw(st.sampled_from(list(succ)))
    b = data.draw(st.sampled_from(list(succ)))
    assert steps_between(succ, a, b) == nx_between(succ, a, b)
    assert steps_to_end(succ, a, ends) == nx_to_end(succ, a, ends)


@settings(max_examples=300, deadline=None)
@given(charts())
def test_toward_end_steps_along_a_shortest_way(
    chart: tuple[dict[str, list[str]], list[str]],
) -> None:
    succ, ends = chart
    g = digraph(succ, sink=ends)
    dist = nx.shortest_path_length(g.reverse(copy=False), ("sink",)) if ends else {}
    toward = steps_toward_end(succ, ends)
    assert set(toward) == {s for s in succ if s in dist and s not in ends}
    for a, b in toward.items():
        assert b in succ[a]
        assert dist[b] == dist[a] - 1


@settings(max_examples=300, deadline=None)
@given(charts(), st.data())
def test_longest_path_is_a_path_and_on_acyclic_charts_the_longest(
    chart: tuple[dict[str, list[str]], list[str]], data: st.DataObject
) -> None:
    succ, ends = chart
    start = data.draw(st.sampled_from(list(succ)))
    days = {s: data.draw(st.integers(0, 9)) for s in succ}
    total, path = longest_path(succ, start, ends, days)
    g = digraph(succ)
    reached = [e for e in ends if nx.has_path(g, start, e)]
    if not reached:
        assert (total, path) == (0, [])
        return
    assert path[0] == start
    assert path[-1] in ends
    assert all(g.has_edge(x, y) for x, y in itertools.pairwise(path))
    assert len(set(path)) == len(path)
    assert total == sum(days[s] for s in path)
    if nx.is_directed_acyclic_graph(g):
        best = max(
            sum(days[s] for s in p)
            for e in reached
            for p in (nx.all_simple_paths(g, start, e) if e != start else [[e]])
        )
        assert total == best


# ---------------------------------------------------------------- the reference registry


@pytest.mark.parametrize("gid", [fc.gid for _, fc in REG.iter_flowcharts()])
def test_reference_charts_agree_with_networkx(gid: str) -> None:
    pid, fid = gid.split("/")
    fc = REG.powers[pid].flowchart(fid)
    succ, ends = fc.successors(), [s.id for s in fc.end_steps]
    for a, b in itertools.product(succ, repeat=2):
        assert steps_between(succ, a, b) == nx_between(succ, a, b), (gid, a, b)
    for a in succ:
        assert steps_to_end(succ, a, ends) == nx_to_end(succ, a, ends), (gid, a)


# XK-001/F1: S1 申请 → S2 受理审查 (补正 S3 loop, 不予受理 S4 → end S12) → S5 评估 →
# S6 审查 → S7 公示 → S8 集体审议 → S9 批复 / S10 不予批准 → end S11. The answers
# the networkx implementation gave before this module replaced it.
XK001_F1 = [
    ("S1", "S11", ("skip", ("S2", "S5", "S6", "S7", "S8"), True)),
    ("S1", "S12", ("skip", ("S2", "S4"), True)),
    ("S2", "S8", ("skip", ("S5", "S6", "S7"), True)),
    ("S8", "S11", ("skip", ("S9",), False)),
    ("S2", "S2", ("repeat", ("S3",), True)),
    ("S3", "S3", ("repeat", ("S2",), True)),
    ("S11", "S11", ("repeat", (), True)),
    ("S9", "S6", ("back", (), True)),
    ("S10", "S1", ("back", (), True)),
    ("S10", "S9", ("jump", (), True)),
    ("S4", "S5", ("jump", (), True)),
]
XK001_F1_TO_END = {
    "S1": (("S2",), True),
    "S2": (("S4", "S12"), False),
    "S3": (("S2",), True),
    "S5": (("S6", "S7", "S8", "S11"), True),
    "S10": (("S11",), True),
    "S11": ((), True),
    "S12": ((), True),
}


@pytest.mark.parametrize(("a", "b", "want"), XK001_F1)
def test_steps_between_on_the_reference_licensing_chart(
    a: str, b: str, want: tuple[MoveKind, tuple[str, ...], bool]
) -> None:
    succ = REG.powers["XK-001"].flowchart("F1").successors()
    assert steps_between(succ, a, b) == want


def test_steps_to_end_on_the_reference_licensing_chart() -> None:
    fc = REG.powers["XK-001"].flowchart("F1")
    succ, ends = fc.successors(), [s.id for s in fc.end_steps]
    assert {a: steps_to_end(succ, a, ends) for a in XK001_F1_TO_END} == XK001_F1_TO_END
    assert fc.must_pass_steps() == ["S1", "S2"]
    assert fc.longest_path() == (11, ["S1", "S2", "S5", "S6", "S7", "S8", "S10", "S11"])


def test_a_chart_without_ends_has_no_must_pass_steps() -> None:
    # the networkx implementation raised NodeNotFound here
    assert must_pass_steps({"A": ["B"], "B": []}, "A", []) == []
