"""What the monitor finds in a case: deviations from the flowchart and deadline alerts.

Every code, once published, keeps its meaning (SPEC §4's rule for audit codes):

====  =========  ==========================================================================
code  level      finding
====  =========  ==========================================================================
M001  row        a row that cannot be read: a required field missing or empty, bad JSON (a
                 key named twice in an object, too)
M002  row        a timestamp that cannot be parsed (or lies beyond the years 1–9999)
M003  row        a power the registry does not have
M004  row        a flowchart the power does not have
M005  row        a step that is on none of the power's flowcharts
M006  row        an event earlier than the case's previous event (out of time order)
M007  row        a row whose power or flowchart differs from the case's earlier rows
M008  row        a CSV row that cannot be delimited: a quoted field that never closes, or
                 more fields than the header has
M009  row        a day outside the working-day calendar (and not later than ``as_of``)
M010  row        a row or a field over the size limit
M011  row        a field holding a lone surrogate: no text, no output can encode it
M012  event      an event posted to the service without a usable ``event_id``
M013  event      an ``event_id`` the service received before with other content
M014  event      an event of a power not assigned to the sending system's token
M015  request    a request body that cannot be read as events (or is too large)
M101  deviation  a step that is not on the case's flowchart (a step of another of its charts)
M102  deviation  a move that is not a transition: a step skipped, reversed or repeated
M103  deviation  a case that did not begin at the start step
M104  deviation  a closed case whose last step is not an end step
M201  warning    a case has used 80% of its promised limit (预警)
M202  yellow     a step overran its days, or the case its promised limit (黄牌)
M203  red        the case overran its statutory limit (红牌)
====  =========  ==========================================================================

Rows with an M0 code are left out and reported (as :class:`~powerreg.errors.Problem` s,
by line); the other rows are replayed. These records are frozen dataclasses with slots,
not pydantic models: a replay of a million events makes hundreds of thousands of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from typing import Any, Literal, NamedTuple, TypeVar

from ..codes import CODES as ALL_CODES
from ..errors import Problem
from ..paths import MoveKind

#: What each code means.
CODES: dict[str, str] = {c: code.title["en"] for c, code in ALL_CODES.items() if c[0] == "M"}

DEVIATION_CODES = ("M101", "M102", "M103", "M104")
ALERT_CODES = ("M201", "M202", "M203")

#: Card of each deadline alert: 预警 (warning), 黄牌 (yellow), 红牌 (red).
CARD: dict[str, str] = {"M201": "warning", "M202": "yellow", "M203": "red"}

Scope = Literal["step", "case"]
Status = Literal["closed", "open"]


class Event(NamedTuple):
    """One row of a case event log: the case arrived at ``step_id`` at ``time``.

    A step lasts from its event to the case's next event. ``time`` is China time,
    without a time zone; ``line`` is the row's line in the log (its row, 1-based, in a
    DataFrame).
    """

    case_id: str
    power_id: str
    flowchart_id: str | None
    step_id: str
    time: datetime
    actor: str | None
    note: str | None
    line: int


class RiskRef(NamedTuple):
    """A risk point touched by a deviation or an alert: global id, level and step."""

    id: str
    level: str
    step: str


@dataclass(frozen=True, slots=True)
class Deviation:
    """A case left its flowchart (M101–M104).

    ``position`` is the index of the event in its case where the deviation shows (for
    M104 the last event); ``step`` is that event's step (M104: the last step on the
    chart). ``steps`` names the steps skipped (M102, M103) or still due (M104): those on
    every path between the two steps if there are any (``on_every_path``), otherwise the
    steps of the shortest path. ``risk_points`` are the risk points on the steps the
    deviation touches: the step arrived at and the steps skipped or still due.
    """

    code: str
    case_id: str
    power_id: str
    flowchart_id: str
    position: int
    line: int | None
    step: str | None
    source: str | None = None
    kind: MoveKind | None = None
    steps: tuple[str, ...] = ()
    on_every_path: bool = True
    risk_points: tuple[RiskRef, ...] = ()

    @property
    def risk_level(self) -> str | None:
        """Highest level among the risk points touched, if any."""
        return highest_level(self.risk_points)

    def key(self) -> tuple[str, str, int, str | None]:
        """``(case, code, position, step)``: what tests compare with a known truth."""
        return (self.case_id, self.code, self.position, self.step)


@dataclass(frozen=True, slots=True)
class Alert:
    """A deadline passed or near (M201–M203), in working days.

    ``scope`` is ``step`` (a step overran its ``days``) or ``case`` (the case used 80% of
    its promised limit, overran it, or overran its statutory limit). ``elapsed`` is the
    working days used (in the step, or by the case with clock-pausing steps left out) at
    the end of the step or case, or on ``as_of`` while it is open; ``limit`` is the days
    allowed; ``date`` is the working day on which the threshold was passed (for M201, on
    which 80% was reached).
    """

    code: str
    case_id: str
    power_id: str
    flowchart_id: str
    scope: Scope
    step: str | None
    position: int | None
    line: int | None
    elapsed: int
    limit: int
    date: date
    risk_points: tuple[RiskRef, ...] = ()

    @property
    def card(self) -> str:
        """``warning``, ``yellow`` or ``red``."""
        return CARD[self.code]

    @property
    def risk_level(self) -> str | None:
        """Highest level among the risk points on the step, if any."""
        return highest_level(self.risk_points)

    def key(self) -> tuple[str, str, str, str | None, int | None]:
        """``(case, code, scope, step, position)``: what tests compare with a known truth."""
        return (self.case_id, self.code, self.scope, self.step, self.position)


@dataclass(frozen=True, slots=True)
class CaseResult:
    """One case (办件) replayed on its flowchart.

    ``step_days[i]`` is the working days spent in the step of event ``i`` (``None`` for
    the last event of a closed case: the case ends there); ``elapsed`` is the case's
    working days with clock-pausing steps left out, up to its last event, or up to
    ``as_of`` while it is open. ``inferred`` says the flowchart was not given in the log
    but chosen as the power's chart that fits the case best. ``lost`` are the lines of
    the case's rows left out (M0xx): a case that lost rows is :attr:`incomplete`, and
    its findings rest on part of its record only.
    """

    case_id: str
    power_id: str
    flowchart_id: str
    status: Status
    events: Sequence[Event]
    step_days: tuple[int | None, ...]
    elapsed: int
    deviations: tuple[Deviation, ...]
    alerts: tuple[Alert, ...]
    limit: int | None = None
    inferred: bool = False
    lost: tuple[int, ...] = ()

    @property
    def incomplete(self) -> bool:
        """Whether rows of the case were left out (M0xx): its record is not whole."""
        return bool(self.lost)

    @property
    def fits(self) -> bool:
        """Whether the case followed its flowchart exactly: no M101–M104, and no row of
        it left out (a row at a step on no chart, say, is no step on its chart)."""
        return not self.deviations and not self.lost

    @property
    def started(self) -> datetime:
        """Time of the case's first event."""
        return self.events[0].time

    @property
    def ended(self) -> datetime | None:
        """Time of the last event of a closed case; ``None`` while it is open."""
        return self.events[-1].time if self.status == "closed" else None

    @property
    def on_time(self) -> bool | None:
        """For a closed case with a time limit: whether it closed within its promised
        limit (the statutory one if no promise is made); ``None`` otherwise."""
        if self.status != "closed" or self.limit is None:
            return None
        return self.elapsed <= self.limit

    @property
    def worst(self) -> str | None:
        """The gravest card among the alerts: ``red``, ``yellow``, ``warning`` or None."""
        cards = {a.card for a in self.alerts}
        for card in ("red", "yellow", "warning"):
            if card in cards:
                return card
        return None


def incomplete(cases: list[CaseResult], left_out: Sequence[Problem]) -> list[CaseResult]:
    """``cases`` with the lines of their rows ``left_out`` (the problems of rows that
    name a case) as :attr:`CaseResult.lost`.

    Examples:
        >>> from powerreg.errors import problem
        >>> c = CaseResult("A1", "XK-001", "F1", "closed", (), (), 0, (), ())
        >>> [(c.lost, c.fits) for c in incomplete([c], [problem("M005", "x.csv", 4,
        ...     entity="A1", step="S99", power="XK-001", steps="S1")])]
        [((4,), False)]
    """
    lost: dict[str, list[int]] = {}
    for p in left_out:
        if p.entity:
            lost.setdefault(p.entity, []).append(p.line)
    if not lost:
        return cases
    return [replace(c, lost=tuple(lost[c.case_id])) if c.case_id in lost else c for c in cases]


#: The levels of risk points, in order: ``high`` ranks above ``medium``, above ``low``.
LEVEL_RANK = {"high": 2, "medium": 1, "low": 0}


def highest_level(risks: tuple[RiskRef, ...]) -> str | None:
    """Highest level among ``risks`` (``high`` > ``medium`` > ``low``), or None.

    Examples:
        >>> highest_level((RiskRef("X/R1", "low", "S2"), RiskRef("X/R2", "high", "S5")))
        'high'
    """
    if not risks:
        return None
    return max((r.level for r in risks), key=LEVEL_RANK.__getitem__)


T = TypeVar("T")


def maker(cls: type[T]) -> Callable[..., T]:
    """A function that makes a frozen dataclass with slots from all its fields, in
    order, setting each slot directly: the dataclass's own ``__init__`` goes through
    ``object.__setattr__`` for each field (a frozen class forbids the plain way), about
    twice as slow, and a replay makes a record per case and per alert.

    Examples:
        >>> make = maker(Deviation)
        >>> make("M101", "A1", "XK-001", "F1", 0, 2, "S9", None, None, (), True, ()) == (
        ...     Deviation("M101", "A1", "XK-001", "F1", 0, 2, "S9"))
        True
    """
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    sets = {f"_set{i}": getattr(cls, n).__set__ for i, n in enumerate(names)}
    source = (
        f"def make({', '.join(names)}, *, _new=_new, _cls=_cls, "
        + ", ".join(f"{k}={k}" for k in sets)
        + "):\n    o = _new(_cls)\n"
        + "".join(f"    _set{i}(o, {n})\n" for i, n in enumerate(names))
        + "    return o\n"
    )
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls, **sets}
    exec(source, namespace)  # code made here from the class's own field names
    made: Callable[..., T] = namespace["make"]
    return made
