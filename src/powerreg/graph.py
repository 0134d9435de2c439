"""Flowcharts and registries as networkx graphs.

Pure functions from models to graphs, for users who want networkx's algorithms and
drawings. The questions the project itself asks of a chart (unreachable steps, dead
ends, must-pass steps, the longest path, the steps a move skipped) are answered without
networkx, in :mod:`powerreg.paths`, and offered as methods of the models
(``fc.unreachable_steps()`` …).

This module reads the models through the small protocols below and does not import
:mod:`powerreg.model`, so the model can offer ``fc.graph()`` and ``reg.graph()`` without
an import circle. networkx itself is imported when a graph is first asked for: it costs
~60 ms.

Examples:
    >>> from powerreg.model import Flowchart
    >>> fc = Flowchart.model_validate({"id": "F1", "title": "t", "steps": [
    ...     {"id": "S1", "kind": "start", "label": "申请"},
    ...     {"id": "S2", "kind": "end", "label": "办结", "days": 1}],
    ...     "transitions": ["S1 -> S2"]})
    >>> g = flowchart_graph(fc)
    >>> list(g.edges), g.nodes["S2"]["days"]
    ([('S1', 'S2')], 1)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import networkx as nx


class _Coded(Protocol):
    """An enumeration member: its canonical code."""

    @property
    def value(self) -> str: ...


class _Step(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def gid(self) -> str: ...
    @property
    def kind(self) -> _Coded: ...
    @property
    def label(self) -> str: ...
    @property
    def role(self) -> str | None: ...
    @property
    def days(self) -> int | None: ...
    @property
    def pauses_clock(self) -> bool: ...


class _Transition(Protocol):
    @property
    def source(self) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def when(self) -> str | None: ...


class FlowchartLike(Protocol):
    """What :func:`flowchart_graph` reads of a :class:`~powerreg.model.Flowchart`."""

    @property
    def gid(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def steps(self) -> Sequence[_Step]: ...
    @property
    def transitions(self) -> Sequence[_Transition]: ...


class _Category(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...


class _Countermeasure(Protocol):
    @property
    def gid(self) -> str: ...
    @property
    def kind(self) -> _Coded: ...
    @property
    def stage(self) -> _Coded: ...
    @property
    def description(self) -> str: ...


class _RiskPoint(Protocol):
    @property
    def gid(self) -> str: ...
    @property
    def at(self) -> str: ...
    @property
    def level(self) -> _Coded: ...
    @property
    def type(self) -> _Coded: ...
    @property
    def description(self) -> str: ...
    @property
    def countermeasures(self) -> Sequence[_Countermeasure]: ...


class _Power(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def flowcharts(self) -> Sequence[FlowchartLike]: ...
    @property
    def risk_points(self) -> Sequence[_RiskPoint]: ...


class RegistryLike(Protocol):
    """What :func:`registry_graph` reads of a :class:`~powerreg.model.Registry`."""

    @property
    def id(self) -> str: ...
    @property
    def department(self) -> str: ...
    @property
    def categories(self) -> Sequence[_Category]: ...
    @property
    def powers(self) -> Mapping[str, _Power]: ...


def flowchart_graph(fc: FlowchartLike) -> nx.DiGraph:
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


def registry_graph(reg: RegistryLike) -> nx.MultiDiGraph:
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
