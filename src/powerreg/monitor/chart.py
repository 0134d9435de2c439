"""A flowchart compiled for replay: moves, start and ends, budgets, risk points, and
what lies between two steps.

Replaying a case asks the same few questions of its chart for every event, so each chart
is turned once into sets and dicts. The path questions — which steps a move skipped,
which steps a case still owed — are asked only of deviations, computed with networkx
dominators and cached per chart.

Examples:
    >>> import powerreg
    >>> p = powerreg.load_reference().powers["XK-001"]
    >>> chart = ChartIndex(p, p.flowchart("F1"))
    >>> chart.start, sorted(chart.ends)
    ('S1', ['S11', 'S12'])
    >>> chart.between("S2", "S8")  # 受理审查 → 集体审议: review, comment and publicity skipped
    ('skip', ('S5', 'S6', 'S7'), True)
    >>> chart.between("S9", "S6")
    ('back', (), True)
    >>> chart.to_end("S6")
    (('S7', 'S8', 'S11'), True)
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from ..model import Flowchart, Power, StepKind
from .findings import MoveKind, RiskRef

if TYPE_CHECKING:
    import networkx as nx

_TARGET = ("target",)
_SINK = ("end",)


class ChartIndex:
    """One flowchart of one power, as the replay needs it."""

    def __init__(self, power: Power, chart: Flowchart) -> None:
        self.power = power
        self.chart = chart
        self.power_id = power.id
        self.id = chart.id
        self.order = {s.id: i for i, s in enumerate(chart.steps)}
        self.steps = frozenset(self.order)
        starts = [s.id for s in chart.steps if s.kind is StepKind.START]
        #: the start step, if the chart has exactly one
        self.start: str | None = starts[0] if len(starts) == 1 else None
        self.ends = frozenset(s.id for s in chart.steps if s.kind is StepKind.END)
        succ: dict[str, list[str]] = {s: [] for s in self.order}
        for t in chart.transitions:
            if t.source in succ and t.target in succ and t.target not in succ[t.source]:
                succ[t.source].append(t.target)
        #: successors of each step, in the order of the chart's transitions
        self.succ = {s: tuple(v) for s, v in succ.items()}
        self.moves = {s: frozenset(v) for s, v in succ.items()}
        #: budget in working days of the steps that have one and do not pause the clock
        self.days: dict[str, int] = {
            s.id: s.days for s in chart.steps if s.days is not None and not s.pauses_clock
        }
        self.pauses = frozenset(s.id for s in chart.steps if s.pauses_clock)
        self.labels = {s.id: s.label for s in chart.steps}
        risks: dict[str, list[RiskRef]] = {}
        for r in power.risk_points:
            if r.flowchart_id == chart.id and r.step_id in self.order:
                risks.setdefault(r.step_id, []).append(
                    RiskRef(f"{power.id}/{r.id}", r.level.value, r.step_id)
                )
        self.risks = {s: tuple(v) for s, v in risks.items()}
        self._between: dict[tuple[str, str], tuple[MoveKind, tuple[str, ...], bool]] = {}
        self._to_end: dict[str, tuple[tuple[str, ...], bool]] = {}

    @property
    def gid(self) -> str:
        """Global id of the chart, e.g. ``XK-001/F1``."""
        return f"{self.power_id}/{self.id}"

    def risks_at(self, steps: tuple[str, ...] | list[str]) -> tuple[RiskRef, ...]:
        """Risk points on ``steps``, in the order of the steps."""
        out: list[RiskRef] = []
        for s in steps:
            out += self.risks.get(s, ())
        return tuple(out)

    # ------------------------------------------------------------------ paths

    def between(self, a: str, b: str) -> tuple[MoveKind, tuple[str, ...], bool]:
        """How the move ``a → b`` (not a transition) relates to the chart:
        ``(kind, steps skipped, on_every_path)``.

        ``skip``: ``b`` lies ahead of ``a``; the steps skipped are those on every path
        from ``a`` to ``b`` if there are any, otherwise those of the shortest path
        (``on_every_path`` false). ``repeat``: ``a`` again (the steps of the loop back to
        it, if the chart has one, are skipped). ``back``: ``b`` lies behind ``a``
        (reversed), ``jump``: on another branch; nothing is skipped.
        """
        key = (a, b)
        hit = self._between.get(key)
        if hit is None:
            hit = self._between[key] = self._compute_between(a, b)
        return hit

    def _compute_between(self, a: str, b: str) -> tuple[MoveKind, tuple[str, ...], bool]:
        import networkx as nx  # only deviations need it: ~60 ms of import

        # paths from a that stop at their first arrival at b
        g = nx.DiGraph()
        g.add_node(a)
        for src, targets in self.succ.items():
            if src == b and b != a:
                continue
            for dst in targets:
                g.add_edge(src, _TARGET if dst == b else dst)
        steps, every = self._dominated(g, a, _TARGET)
        if steps is not None:
            return ("repeat" if a == b else "skip"), steps, every
        if a == b:
            return "repeat", (), True
        back = a in self._reachable(b)
        return ("back" if back else "jump"), (), True

    def to_end(self, a: str) -> tuple[tuple[str, ...], bool]:
        """Steps a case at ``a`` still owes before it can close: those on every path
        from ``a`` to an end (the end included when there is only one), otherwise those
        of the shortest path to an end; and whether they lie on every path."""
        hit = self._to_end.get(a)
        if hit is None:
            import networkx as nx  # only deviations need it: ~60 ms of import

            g = nx.DiGraph()
            g.add_node(a)
            for src, targets in self.succ.items():
                for dst in targets:
                    g.add_edge(src, dst)
            for e in self.ends:
                g.add_edge(e, _SINK)
            steps, every = self._dominated(g, a, _SINK)
            hit = self._to_end[a] = (steps or (), every)
        return hit

    def _dominated(
        self, g: nx.DiGraph, root: str, target: tuple[str]
    ) -> tuple[tuple[str, ...] | None, bool]:
        """Steps on every path from ``root`` to ``target`` (neither included); if none,
        the inner steps of the shortest path. ``None`` if ``target`` is out of reach."""
        import networkx as nx

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
        path = self._shortest(g, root, target)  # steps only: the target is no step
        return tuple(path[1:]), len(path) <= 1

    def _shortest(self, g: nx.DiGraph, root: str, target: tuple[str]) -> list[str]:
        """Breadth-first, successors in the chart's order: the same path every time."""
        prev: dict[object, object] = {root: None}
        queue: deque[object] = deque([root])
        while queue:
            node = queue.popleft()
            if node == target:
                break
            for nxt in sorted(g.successors(node), key=self._rank):
                if nxt not in prev:
                    prev[nxt] = node
                    queue.append(nxt)
        path: list[object] = []
        node_: object = target
        while node_ is not None:
            path.append(node_)
            node_ = prev[node_]
        return [str(n) for n in reversed(path) if isinstance(n, str)]

    def _rank(self, node: object) -> int:
        return self.order.get(node, len(self.order)) if isinstance(node, str) else -1

    def _reachable(self, a: str) -> set[str]:
        """Steps reachable from ``a``, ``a`` included."""
        seen = {a}
        stack = [a]
        while stack:
            for nxt in self.succ[stack.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return seen
