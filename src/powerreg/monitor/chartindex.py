"""A flowchart compiled for replay: moves, start and ends, budgets, risk points, and
what lies between two steps.

Replaying a case asks the same few questions of its chart for every event, so each chart
is turned once into sets and dicts. The path questions — which steps a move skipped,
which steps a case still owed — are asked only of deviations, answered by
:mod:`powerreg.paths` and kept for every chart of the same shape in the process.

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

from ..model import Flowchart, Power, Registry, StepKind
from ..paths import MoveKind, steps_between, steps_to_end
from .findings import RiskRef


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
        ends = tuple(s.id for s in chart.steps if s.kind is StepKind.END)
        self.ends = frozenset(ends)
        succ = chart.successors()
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
        self._between, self._to_end = _paths_of((tuple(self.succ.items()), ends))

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
        (reversed), ``jump``: on another branch; nothing is skipped (see
        :func:`powerreg.paths.steps_between`).
        """
        key = (a, b)
        hit = self._between.get(key)
        if hit is None:
            hit = self._between[key] = steps_between(self.succ, a, b)
        return hit

    def to_end(self, a: str) -> tuple[tuple[str, ...], bool]:
        """Steps a case at ``a`` still owes before it can close: those on every path
        from ``a`` to an end (the end included when there is only one), otherwise those
        of the shortest path to an end; and whether they lie on every path (see
        :func:`powerreg.paths.steps_to_end`)."""
        hit = self._to_end.get(a)
        if hit is None:
            hit = self._to_end[a] = steps_to_end(self.succ, a, self.ends)
        return hit


_Between = dict[tuple[str, str], tuple[MoveKind, tuple[str, ...], bool]]
_ToEnd = dict[str, tuple[tuple[str, ...], bool]]
#: the path answers of each shape of chart met in this process — its moves, in order, and
#: its ends, of which :mod:`powerreg.paths` answers alone — kept for every chart of that
#: shape: the same chart of a registry replayed again, or another power's of the same
#: shape, asks the paths of a move once
_SHAPES: dict[tuple[object, ...], tuple[_Between, _ToEnd]] = {}
#: shapes kept at most (then forgotten all at once)
_MAX_SHAPES = 4096


def _paths_of(shape: tuple[object, ...]) -> tuple[_Between, _ToEnd]:
    got = _SHAPES.get(shape)
    if got is None:
        if len(_SHAPES) >= _MAX_SHAPES:
            _SHAPES.clear()
        got = _SHAPES[shape] = ({}, {})
    return got


def compiled(
    charts: dict[tuple[str, str], ChartIndex], registry: Registry, power_id: str, chart_id: str
) -> ChartIndex:
    """Chart ``chart_id`` of power ``power_id`` as the replay needs it, compiled once and
    kept in ``charts`` (the cache a replay shares between its cases).

    Examples:
        >>> import powerreg
        >>> charts: dict[tuple[str, str], ChartIndex] = {}
        >>> reg = powerreg.load("examples/minimal")
        >>> one = compiled(charts, reg, "XK-001", "F1")
        >>> one is compiled(charts, reg, "XK-001", "F1"), list(charts)
        (True, [('XK-001', 'F1')])
    """
    key = (power_id, chart_id)
    chart = charts.get(key)
    if chart is None:
        power = registry.powers[power_id]
        chart = charts[key] = ChartIndex(power, power.flowchart(chart_id))
    return chart
