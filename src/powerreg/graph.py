"""Flowcharts and registries as graphs, and the graph questions auditors ask.

Pure functions from models to networkx graphs or to answers. The per-chart questions
(unreachable steps, dead ends, longest path) run on plain adjacency dicts — about 4×
faster than networkx for charts this small, which matters at 100,000 powers — and the
tests check them against networkx.

Examples:
    >>> from powerreg.model import Flowchart
    >>> fc = Flowchart.model_validate({"id": "F1", "title": "t", "steps": [
    ...     {"id": "S1", "kind": "start", "label": "申请"},
    ...     {"id": "S2", "kind": "decision", "label": "审查", "days": 5},
    ...     {"id": "S3", "label": "补正", "days": 2},
    ...     {"id": "S4", "kind": "end", "label": "办结", "days": 1},
    ...     {"id": "S5", "label": "孤立", "days": 1}],
    ...     "transitions": ["S1 -> S2", {"from": "S2", "to": "S3", "when": "不全"},
    ...                     "S3 -> S2", {"from": "S2", "to": "S4", "when": "齐全"}]})
    >>> unreachable_steps(fc), dead_end_steps(fc)
    (['S5'], ['S5'])
    >>> must_pass_steps(fc)
    ['S1', 'S2', 'S4']
    >>> longest_path(fc)
    (6, ['S1', 'S2', 'S4'])
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .model import Flowchart, Power, Registry, RiskPoint

if TYPE_CHECKING:
    import networkx as nx

    Adjacency = dict[str, list[str]]


def flowchart_graph(fc: Flowchart) -> nx.DiGraph:
    """A ``DiGraph`` of one chart: steps (with kind, label, role, days) and transitions
    (with ``when``). Transitions to unknown steps are left out.

    Examples:
        >>> from powerreg.model import Flowchart
        >>> g = flowchart_graph(Flowchart.model_validate({"id": "F1", "title": "t",
        ...     "steps": [{"id": "A", "kind": "start", "label": "a"},
        ...               {"id": "B", "kind": "end", "label": "b"}],
        ...     "transitions": [{"from": "A", "to": "B", "when": "总是"}]}))
        >>> g.nodes["B"]["kind"], g.edges["A", "B"]["when"]
        ('end', '总是')
    """
    import networkx as nx  # imported when a graph is asked for: ~60 ms

    g = nx.DiGraph(id=fc.gid, title=fc.title)
    for s in fc.steps:
        g.add_node(
            s.id,
            kind=s.kind.value,
            label=s.label,
            role=s.role,
            days=s.days,
            pauses_clock=s.pauses_clock,
        )
    for t in fc.transitions:
        if t.source in g and t.target in g:
            g.add_edge(t.source, t.target, when=t.when)
    return g


def _adjacency(fc: Flowchart, reverse: bool = False) -> Adjacency:
    adj: Adjacency = {s.id: [] for s in fc.steps}
    for t in fc.transitions:
        a, b = (t.target, t.source) if reverse else (t.source, t.target)
        if a in adj and b in adj:
            adj[a].append(b)
    return adj


def _reach(adj: Adjacency, sources: Iterable[str]) -> set[str]:
    seen = set(sources)
    stack = list(seen)
    while stack:
        for nxt in adj[stack.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def unreachable_steps(fc: Flowchart) -> list[str]:
    """Steps no case can arrive at from the start step (every step, if there is no single
    start), in chart order."""
    starts = fc.start_steps
    if len(starts) != 1:
        return [s.id for s in fc.steps]
    seen = _reach(_adjacency(fc), [starts[0].id])
    return [s.id for s in fc.steps if s.id not in seen]


def dead_end_steps(fc: Flowchart) -> list[str]:
    """Steps from which no end step can be reached (dead ends and closed loops)."""
    can_finish = _reach(_adjacency(fc, reverse=True), [s.id for s in fc.end_steps])
    return [s.id for s in fc.steps if s.id not in can_finish]


def must_pass_steps(fc: Flowchart) -> list[str]:
    """Steps every case passes from start to any end: the dominators of the end (with a
    virtual sink joining several ends). Empty if the chart has no single start or no
    reachable end."""
    import networkx as nx  # imported when a graph is asked for: ~60 ms

    starts = fc.start_steps
    if len(starts) != 1:
        return []
    g = flowchart_graph(fc)
    sink = ("end",)
    ends = [s.id for s in fc.end_steps]
    g.add_edges_from((e, sink) for e in ends)
    start = starts[0].id
    if not nx.has_path(g, start, sink):
        return []
    idom = nx.immediate_dominators(g, start)
    chain = []
    node: Any = idom[sink]
    while True:
        chain.append(node)
        if node == start:
            break
        node = idom[node]
    order = {s.id: i for i, s in enumerate(fc.steps)}
    return sorted(chain, key=order.__getitem__)


def longest_path(fc: Flowchart) -> tuple[int, list[str]]:
    """Most working days a case can take from start to an end, with loops cut once, and
    the path: transitions that close a loop (back edges of a depth-first walk from the
    start) are dropped, so a loop such as 补正 → 受理 counts its steps once.

    Days of every step on the path count, the start's and the end's included, except
    steps that pause the clock (``pauses_clock``: time the law leaves out of the limit).
    Returns ``(0, [])`` if the chart has no single start or no end is reachable.
    """
    starts = fc.start_steps
    if len(starts) != 1:
        return 0, []
    adj = _adjacency(fc)
    start = starts[0].id
    days = {s.id: 0 if s.pauses_clock else s.days or 0 for s in fc.steps}
    # depth-first order from the start; back edges (to a step on the stack) are cut
    order: list[str] = []
    on_stack: set[str] = {start}
    done: set[str] = set()
    dag: Adjacency = {s: [] for s in adj}
    stack: list[tuple[str, int]] = [(start, 0)]
    while stack:
        node, i = stack[-1]
        if i < len(adj[node]):
            stack[-1] = (node, i + 1)
            nxt = adj[node][i]
            if nxt in on_stack:
                continue  # a back edge closes a loop: cut it
            dag[node].append(nxt)
            if nxt not in done:
                on_stack.add(nxt)
                stack.append((nxt, 0))
        else:
            stack.pop()
            on_stack.discard(node)
            done.add(node)
            order.append(node)
    best: dict[str, tuple[int, str | None]] = {start: (days[start], None)}
    for node in reversed(order):  # reverse post-order is a topological order
        if node not in best:
            continue
        here = best[node][0]
        for nxt in dag[node]:
            cand = here + days[nxt]
            if nxt not in best or cand > best[nxt][0]:
                best[nxt] = (cand, node)
    ends = [s.id for s in fc.end_steps if s.id in best]
    if not ends:
        return 0, []
    end = max(ends, key=lambda e: best[e][0])
    path = [end]
    while (prev := best[path[-1]][1]) is not None:
        path.append(prev)
    return best[end][0], path[::-1]


def risk_points_on_path(power: Power, flowchart_id: str, path: Iterable[str]) -> list[RiskPoint]:
    """Risk points that sit on the steps of ``path`` of one chart, in path order."""
    out: list[RiskPoint] = []
    for step in path:
        out += power.risk_points_at(flowchart_id, step)
    return out


def registry_graph(reg: Registry) -> nx.MultiDiGraph:
    """Every entity as a node keyed by global id, with a ``kind`` attribute (category,
    power, flowchart, step, risk_point, countermeasure); edges typed by ``rel``:
    ``contains`` (category → power → flowchart → step, power → risk point),
    ``transition`` (step → step, with ``when``), ``at`` (risk point → step) and
    ``counters`` (countermeasure → risk point).

    Built on demand: at 100,000 powers it takes tens of seconds and gigabytes.
    """
    import networkx as nx  # imported when a graph is asked for: ~60 ms

    g = nx.MultiDiGraph(id=reg.id, department=reg.department)
    for c in reg.categories:
        g.add_node(c.code, kind="category", name=c.name)
    for pid in sorted(reg.powers):
        p = reg.powers[pid]
        g.add_node(pid, kind="power", name=p.name, category=p.category)
        g.add_edge(p.category, pid, rel="contains")
        for fc in p.flowcharts:
            g.add_node(fc.gid, kind="flowchart", title=fc.title)
            g.add_edge(pid, fc.gid, rel="contains")
            for s in fc.steps:
                g.add_node(
                    s.gid,
                    kind="step",
                    step_kind=s.kind.value,
                    label=s.label,
                    role=s.role,
                    days=s.days,
                )
                g.add_edge(fc.gid, s.gid, rel="contains")
            for t in fc.transitions:
                g.add_edge(
                    f"{fc.gid}/{t.source}", f"{fc.gid}/{t.target}", rel="transition", when=t.when
                )
        for r in p.risk_points:
            g.add_node(
                r.gid,
                kind="risk_point",
                level=r.level.value,
                type=r.type.value,
                description=r.description,
            )
            g.add_edge(pid, r.gid, rel="contains")
            g.add_edge(r.gid, f"{pid}/{r.at}", rel="at")
            for m in r.countermeasures:
                g.add_node(
                    m.gid,
                    kind="countermeasure",
                    measure_kind=m.kind.value,
                    stage=m.stage.value,
                    description=m.description,
                )
                g.add_edge(m.gid, r.gid, rel="counters")
    return g


def covered_by(reg: Registry, countermeasure_gid: str) -> dict[str, str]:
    """Everything one countermeasure covers: its risk point, the step the risk sits on,
    that step's flowchart and the power, as ``{kind: global id}``.

    Examples:
        >>> from powerreg.model import Registry
        >>> reg = Registry.model_validate({"id": "r", "department": "d", "year": 2011,
        ...     "source": "s", "categories": [{"code": "XK", "name": "许可"}],
        ...     "powers": {"XK-1": {"id": "XK-1", "category": "XK", "name": "n",
        ...     "subject": "s", "division": "d", "flowcharts": [{"id": "F1", "title": "t",
        ...     "steps": [{"id": "S1", "label": "a"}]}], "risk_points": [{"id": "R1",
        ...     "at": "F1/S1", "level": "low", "type": "duty", "description": "d",
        ...     "countermeasures": [{"id": "M1", "kind": "公开", "stage": "事后",
        ...     "description": "d"}]}]}}})
        >>> covered_by(reg, "XK-1/R1/M1")
        {'risk_point': 'XK-1/R1', 'step': 'XK-1/F1/S1', 'flowchart': 'XK-1/F1', 'power': 'XK-1'}
    """
    pid, rid, mid = countermeasure_gid.split("/")
    power = reg.powers[pid]
    risk = next(r for r in power.risk_points if r.id == rid)
    if all(m.id != mid for m in risk.countermeasures):
        raise KeyError(countermeasure_gid)
    return {
        "risk_point": risk.gid,
        "step": f"{pid}/{risk.at}",
        "flowchart": f"{pid}/{risk.flowchart_id}",
        "power": pid,
    }
