"""The entities of a power: steps, transitions, flowcharts, risk points, countermeasures."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Annotated, Any, Self

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .. import paths
from ..graph import flowchart_graph
from .enums import LevelIn, MeasureKindIn, RiskTypeIn, StageIn, StepKind, StepKindIn
from .ids import (
    DEFER_REFERENCES,
    Days,
    Id,
    Label,
    Name,
    Prose,
    Score,
    StepRef,
    _parse_transition,
)
from .integrity import Issue, reference_issues
from .limits import LimitIn


class _Entity(BaseModel):
    """Common configuration: unknown fields are errors, whitespace is trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)

    @property
    def gid(self) -> str:
        """Global id, e.g. ``XK-001/F1/S3``; the local id until the power is validated.

        Kept in the instance's ``__dict__`` beside the fields rather than as a pydantic
        private attribute: a private attribute costs every entity a dict of its own
        (~180 bytes, half a gigabyte at 100,000 powers), the ``__dict__`` slot is free.
        It is not a field: dumps, equality and the JSON Schema ignore it.
        """
        gid = self.__dict__.get("_gid")
        return gid if gid is not None else str(getattr(self, "id", getattr(self, "code", "")))


class Category(_Entity):
    """A class of powers (职权类别), e.g. ``XK`` 行政许可."""

    code: Id
    name: Name
    name_en: Name | None = None


class Step(_Entity):
    """One step of a flowchart, with the post that acts and its budget in working days."""

    id: Id
    kind: StepKindIn = StepKind.TASK
    label: Label
    role: Label | None = None
    days: Days | None = None
    #: time spent here does not count against the time limits (补正 by the applicant,
    #: 专家评审, 听证, 公示: 《中华人民共和国行政许可法》 leaves such time out of the limit)
    pauses_clock: bool = False
    #: why a decision here carries no risk point (answers audit A307 for this step only),
    #: e.g. the intake risk is guarded with the decision's risk point of the same power
    no_risk_reason: Prose | None = None


class Transition(_Entity):
    """A move from one step to another; ``when`` labels a decision's branch.

    Examples:
        >>> Transition.model_validate("S1 -> S2")
        Transition(source='S1', target='S2', when=None)
    """

    source: Id = Field(alias="from")
    target: Id = Field(alias="to")
    when: Label | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return _parse_transition(value)


TransitionIn = Annotated[
    Transition,
    BeforeValidator(
        _parse_transition,
        json_schema_input_type=Annotated[
            str,
            StringConstraints(
                pattern=r"^\s*[A-Za-z0-9][A-Za-z0-9-]*\s*->\s*[A-Za-z0-9][A-Za-z0-9-]*\s*$"
            ),
        ]
        | Transition,
    ),
]


class Flowchart(_Entity):
    """A power-operation flowchart (权力运行流程图): steps and the moves between them."""

    id: Id
    title: Label
    steps: list[Step] = Field(min_length=1)
    transitions: list[TransitionIn] = Field(default_factory=list)

    def step(self, step_id: str) -> Step:
        """The step with that local id; ``KeyError`` if there is none."""
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)

    @property
    def start_steps(self) -> list[Step]:
        """Steps of kind ``start`` (a sound chart has exactly one)."""
        return [s for s in self.steps if s.kind is StepKind.START]

    @property
    def end_steps(self) -> list[Step]:
        """Steps of kind ``end``."""
        return [s for s in self.steps if s.kind is StepKind.END]

    # path questions: the algorithms live in powerreg.paths, over plain successor lists

    def successors(self) -> dict[str, list[str]]:
        """Step id → ids of the steps its transitions lead to: every step a key, in chart
        order, each target once, transitions to unknown steps left out. The ``succ`` the
        functions of :mod:`powerreg.paths` take.

        Examples:
            >>> fc = Flowchart.model_validate({"id": "F1", "title": "t", "steps": [
            ...     {"id": "S1", "label": "a"}, {"id": "S2", "label": "b"}],
            ...     "transitions": ["S1 -> S2", "S1 -> S2", "S2 -> S1"]})
            >>> fc.successors()
            {'S1': ['S2'], 'S2': ['S1']}
        """
        succ: dict[str, list[str]] = {s.id: [] for s in self.steps}
        for t in self.transitions:
            targets = succ.get(t.source)
            if targets is not None and t.target in succ and t.target not in targets:
                targets.append(t.target)
        return succ

    def _start_id(self) -> str | None:
        starts = self.start_steps
        return starts[0].id if len(starts) == 1 else None

    def graph(self) -> Any:
        """This chart as a ``networkx.DiGraph`` (see :func:`powerreg.graph.flowchart_graph`)."""
        return flowchart_graph(self)

    def unreachable_steps(self) -> list[str]:
        """Steps no case can reach from the start (every step, if there is no single
        start), in chart order (see :func:`powerreg.paths.unreachable_steps`)."""
        return paths.unreachable_steps(self.successors(), self._start_id())

    def dead_end_steps(self) -> list[str]:
        """Steps from which no end can be reached (dead ends and closed loops), in chart
        order (see :func:`powerreg.paths.dead_end_steps`)."""
        return paths.dead_end_steps(self.successors(), [s.id for s in self.end_steps])

    def must_pass_steps(self) -> list[str]:
        """Steps every case passes from the start to any end (the dominators of the end),
        in chart order; empty if the chart has no single start or no reachable end (see
        :func:`powerreg.paths.must_pass_steps`)."""
        ends = [s.id for s in self.end_steps]
        return paths.must_pass_steps(self.successors(), self._start_id(), ends)

    def longest_path(self) -> tuple[int, list[str]]:
        """``(working days, step ids)`` of the longest start→end path, loops cut once;
        steps that pause the clock count no days (see :func:`powerreg.paths.longest_path`).

        Examples:
            >>> fc = Flowchart.model_validate({"id": "F1", "title": "t", "steps": [
            ...     {"id": "S1", "kind": "start", "label": "申请"},
            ...     {"id": "S2", "label": "审查", "days": 5},
            ...     {"id": "S3", "label": "专家评审", "days": 20, "pauses_clock": True},
            ...     {"id": "S4", "kind": "end", "label": "办结", "days": 1}],
            ...     "transitions": ["S1 -> S2", "S2 -> S3", "S3 -> S4"]})
            >>> fc.longest_path()
            (6, ['S1', 'S2', 'S3', 'S4'])
        """
        days = {s.id: s.days for s in self.steps if s.days and not s.pauses_clock}
        ends = [s.id for s in self.end_steps]
        return paths.longest_path(self.successors(), self._start_id(), ends, days)


class Countermeasure(_Entity):
    """A countermeasure (防范措施) against one risk point."""

    id: Id
    kind: MeasureKindIn
    stage: StageIn
    description: Prose
    responsible: Label | None = None


class RiskPoint(_Entity):
    """An integrity risk point (廉政风险点) on one step of one flowchart."""

    id: Id
    at: StepRef
    level: LevelIn
    type: RiskTypeIn
    description: Prose
    #: assessment, 1 (low) to 3 (high): how likely the abuse is, and how grave it would
    #: be; the registry's risk_matrix turns the pair into a level (audit A309)
    likelihood: Score | None = None
    impact: Score | None = None
    countermeasures: list[Countermeasure] = Field(default_factory=list)
    #: why this edition set the level as it is, when it was lowered (调整理由; read by
    #: ``powerreg diff``, which warns of a lowered level without one)
    reason: Prose | None = None

    @property
    def flowchart_id(self) -> str:
        """Local id of the flowchart the risk sits on (before the ``/`` of ``at``)."""
        return self.at.partition("/")[0]

    @property
    def step_id(self) -> str:
        """Local id of the step the risk sits on (after the ``/`` of ``at``)."""
        return self.at.partition("/")[2]


class Disclosure(_Entity):
    """Whether a power is published (外网公开), and the legal reason if it is withheld.

    A power is public by default; in the practice of 2011 a power may be left off the
    public list only with a stated legal reason (audit A311 is an error without one).

    Examples:
        >>> d = Disclosure.model_validate({"public": False,
        ...     "reason": "涉及国家秘密，依《中华人民共和国保守国家秘密法》第九条不予公开"})
        >>> d.public, d.reason[:6]
        (False, '涉及国家秘密')
        >>> Disclosure().public
        True
    """

    public: bool = True
    #: the legal reason a withheld power is not published (a public power may note one)
    reason: Prose | None = None

    @property
    def is_default(self) -> bool:
        """Public with nothing more said: the same as no ``disclosure`` at all."""
        return self.public and self.reason is None


class Power(_Entity):
    """One administrative power (行政权力事项) with its flowcharts and risk points."""

    id: Id
    category: Id
    name: Name
    name_en: Name | None = None
    legal_basis: list[Prose] = Field(default_factory=list)
    subject: Name
    division: Name
    #: 法定时限 and 承诺时限, each with its unit (a plain number is working days); the
    #: older keys statutory_days / promised_days are read as the same fields
    statutory_limit: LimitIn | None = Field(
        default=None, validation_alias=AliasChoices("statutory_limit", "statutory_days")
    )
    promised_limit: LimitIn | None = Field(
        default=None, validation_alias=AliasChoices("promised_limit", "promised_days")
    )
    fee: Prose | None = None
    description: Prose | None = None
    responsibilities: list[Prose] = Field(default_factory=list)
    accountability: list[Prose] = Field(default_factory=list)
    flowcharts: list[Flowchart] = Field(default_factory=list)
    risk_points: list[RiskPoint] = Field(default_factory=list)
    #: 外网公开: public unless it says otherwise; a withheld power states its legal reason
    disclosure: Disclosure | None = None
    #: why this edition changed the power, e.g. a longer promised limit (调整理由; read by
    #: ``powerreg diff``, which warns of a lengthened promised limit without one)
    reason: Prose | None = None

    @field_validator("disclosure")
    @classmethod
    def _default_disclosure(cls, value: Disclosure | None) -> Disclosure | None:
        """``disclosure: {public: true}`` says what the default says: kept as ``None``, so
        a power reads the same whichever way it was written (and back from a catalog)."""
        return None if value is not None and value.is_default else value

    @property
    def is_public(self) -> bool:
        """Whether the power is published (外网公开): true unless its ``disclosure``
        withholds it.

        Examples:
            >>> base = {"id": "P1", "category": "XK", "name": "n", "subject": "s",
            ...     "division": "d"}
            >>> Power.model_validate(base).is_public
            True
            >>> withheld = {"public": False, "reason": "涉及国家秘密"}
            >>> Power.model_validate({**base, "disclosure": withheld}).is_public
            False
        """
        return self.disclosure is None or self.disclosure.public

    @model_validator(mode="after")
    def _link(self, info: ValidationInfo) -> Self:
        self.assign_global_ids()
        if not (info.context and info.context.get(DEFER_REFERENCES)):
            issues = self.reference_issues()
            if issues:
                raise ValueError("; ".join(f"{i.code} {i.message}" for i in issues))
        return self

    def assign_global_ids(self) -> None:
        """Give every entity of this power its global id (``XK-001/F1/S3``)."""
        pid = self.id
        self.__dict__["_gid"] = pid
        for fc in self.flowcharts:
            fgid = f"{pid}/{fc.id}"
            fc.__dict__["_gid"] = fgid
            for s in fc.steps:
                s.__dict__["_gid"] = f"{fgid}/{s.id}"
        for r in self.risk_points:
            rgid = f"{pid}/{r.id}"
            r.__dict__["_gid"] = rgid
            for m in r.countermeasures:
                m.__dict__["_gid"] = f"{rgid}/{m.id}"

    def flowchart(self, flowchart_id: str) -> Flowchart:
        """The flowchart with that local id; ``KeyError`` if there is none."""
        for fc in self.flowcharts:
            if fc.id == flowchart_id:
                return fc
        raise KeyError(flowchart_id)

    def risk_points_at(self, flowchart_id: str, step_id: str) -> list[RiskPoint]:
        """Risk points that sit on one step."""
        at = f"{flowchart_id}/{step_id}"
        return [r for r in self.risk_points if r.at == at]

    def risk_points_on_path(self, flowchart_id: str, path: Iterable[str]) -> list[RiskPoint]:
        """Risk points that sit on the steps of ``path`` of one chart, in path order (e.g.
        of :meth:`Flowchart.longest_path`)."""
        out: list[RiskPoint] = []
        for step in path:
            out += self.risk_points_at(flowchart_id, step)
        return out

    def reference_issues(self) -> list[Issue]:
        """Duplicate local ids (E003) and dangling references (E004) inside this power.

        Examples:
            >>> p = Power.model_validate({"id": "P1", "category": "XK", "name": "n",
            ...     "subject": "s", "division": "d", "flowcharts": [{"id": "F1",
            ...     "title": "t", "steps": [{"id": "S1", "label": "a"}],
            ...     "transitions": ["S1 -> S9"]}]},
            ...     context={DEFER_REFERENCES: True})
            >>> [(i.code, i.loc) for i in p.reference_issues()]
            [('E004', ('flowcharts', 0, 'transitions', 0, 'to'))]
        """
        return reference_issues(
            self.model_dump(by_alias=True, include={"id", "flowcharts", "risk_points"})
        )

    def iter_steps(self) -> Iterator[tuple[Flowchart, Step]]:
        """Every ``(flowchart, step)`` pair of this power."""
        for fc in self.flowcharts:
            for s in fc.steps:
                yield fc, s
