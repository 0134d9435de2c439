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
from . import display
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

    code: Id = Field(description="类别代码：职权类别的代码，如 XK。The category's code, e.g. XK.")
    name: Name = Field(
        description="类别名称：职权类别的中文名称，如 行政许可。The category's name, e.g. 行政许可."
    )
    name_en: Name | None = Field(
        default=None,
        description="英文名称：职权类别的英文名称（可选）。The category's English name (optional).",
    )


class Step(_Entity):
    """One step of a flowchart, with the post that acts and its budget in working days."""

    id: Id = Field(
        description="环节编号：环节在本流程图内的编号，如 S3。"
        "The step's id within its chart, e.g. S3."
    )
    kind: StepKindIn = Field(
        default=StepKind.TASK,
        description="环节类型：开始、办理、判断或结束（默认办理）。"
        "What the step is: start, task (the default), decision or end.",
    )
    label: Label = Field(description="环节名称：这一环节做什么，如 受理。What happens at the step.")
    role: Label | None = Field(
        default=None,
        description="承办岗位：在这一环节办理的机构或岗位，如 政策法规处处长。"
        "The unit or post that acts at the step.",
    )
    days: Days | None = Field(
        default=None,
        description="办理时限：这一环节的工作日数。The step's time budget in working days.",
    )
    #: time spent here does not count against the time limits (补正 by the applicant,
    #: 专家评审, 听证, 公示: 《中华人民共和国行政许可法》 leaves such time out of the limit)
    pauses_clock: bool = Field(
        default=False,
        description="暂停计时：这一环节的时间不计入办理时限（补正、专家评审、听证、公示）。"
        "Time at this step is left out of the time limits "
        "(补正, expert review, hearing, publicity).",
    )
    #: why a decision here carries no risk point (answers audit A307 for this step only),
    #: e.g. the intake risk is guarded with the decision's risk point of the same power
    no_risk_reason: Prose | None = Field(
        default=None,
        description="不设风险点的理由：这一判断环节为何不设廉政风险点（只对本环节回答审计 A307）。"
        "Why this decision carries no risk point (answers audit A307 for this step only).",
    )


class Transition(_Entity):
    """A move from one step to another; ``when`` labels a decision's branch.

    Examples:
        >>> Transition.model_validate("S1 -> S2")
        Transition(source='S1', target='S2', when=None)
    """

    source: Id = Field(
        alias="from", description="起点环节：流转从哪一环节出发。The step the move leaves."
    )
    target: Id = Field(
        alias="to", description="终点环节：流转进入哪一环节。The step the move enters."
    )
    when: Label | None = Field(
        default=None,
        description="分支条件：判断环节的这一分支在什么情况下走，如 符合条件。"
        "The condition that labels a decision's branch, e.g. 符合条件.",
    )

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

    id: Id = Field(
        description="流程图编号：流程图在本事项内的编号，如 F1。"
        "The chart's id within its power, e.g. F1."
    )
    title: Label = Field(description="流程图标题：如 审批流程。The chart's title, e.g. 审批流程.")
    steps: list[Step] = Field(
        min_length=1,
        description="环节：流程图的各个环节，按顺序列出。The chart's steps, in order.",
    )
    transitions: list[TransitionIn] = Field(
        default_factory=list,
        description='流转：从一个环节到另一个环节，可写作 "S1 -> S2"。'
        'The moves from step to step, also written "S1 -> S2".',
    )

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

    def _repr_svg_(self) -> str | None:
        """The chart, drawn, for Jupyter: its steps and moves (the risk points belong to
        the power: display the power, or ``powerreg.render(chart, power)``, to see them)."""
        return display.svg(self)

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

    id: Id = Field(
        description="措施编号：措施在本风险点内的编号，如 M1。"
        "The countermeasure's id within its risk point, e.g. M1."
    )
    kind: MeasureKindIn = Field(
        description="措施类别：制度、分权、公开、监督、科技或教育。"
        "The class of the countermeasure: institution, separation, disclosure, supervision, "
        "technology or education."
    )
    stage: StageIn = Field(
        description="防控阶段：事前、事中或事后。When it acts: before, during or after the act."
    )
    description: Prose = Field(description="防范措施：措施的内容。What the countermeasure does.")
    responsible: Label | None = Field(
        default=None,
        description="责任主体：负责落实措施的机构或岗位。The unit or post that carries it out.",
    )


class RiskPoint(_Entity):
    """An integrity risk point (廉政风险点) on one step of one flowchart."""

    id: Id = Field(
        description="风险点编号：风险点在本事项内的编号，如 R2。"
        "The risk point's id within its power, e.g. R2."
    )
    at: StepRef = Field(
        description="所在环节：风险点所在的流程图和环节，如 F1/S3。"
        "The chart and step the risk sits on, e.g. F1/S3."
    )
    level: LevelIn = Field(
        description="风险等级：高、中或低（也写作一级、二级、三级）。"
        "The risk level: high, medium or low."
    )
    type: RiskTypeIn = Field(
        description="风险类别：思想道德、岗位职责、业务流程、制度机制或外部环境。"
        "Where the risk comes from: ethics, duty, process, institution or external."
    )
    description: Prose = Field(
        description="风险点描述：可能发生的滥用职权、拖延、受贿或漏查。"
        "The risk: how an official could abuse discretion, delay, take bribes or skip a check."
    )
    #: assessment, 1 (low) to 3 (high): how likely the abuse is, and how grave it would
    #: be; the registry's risk_matrix turns the pair into a level (audit A309)
    likelihood: Score | None = Field(
        default=None,
        description="发生可能性：评估分值 1（低）至 3（高）。"
        "Assessed likelihood of the abuse, 1 (low) to 3 (high).",
    )
    impact: Score | None = Field(
        default=None,
        description="影响程度：评估分值 1（低）至 3（高）。"
        "Assessed gravity of the abuse, 1 (low) to 3 (high).",
    )
    countermeasures: list[Countermeasure] = Field(
        default_factory=list,
        description="防范措施：防控这一风险点的措施。"
        "The countermeasures that guard this risk point.",
    )
    #: why this edition set the level as it is, when it was lowered (调整理由; read by
    #: ``powerreg diff``, which warns of a lowered level without one)
    reason: Prose | None = Field(
        default=None,
        description="调整理由：本版为何这样定级（降低等级时应说明）。"
        "Why this edition set the level as it is (say it when the level was lowered).",
    )

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

    public: bool = Field(
        default=True,
        description="是否公开：是否在外网公开这一事项（默认公开）。"
        "Whether the power is published (the default).",
    )
    #: the legal reason a withheld power is not published (a public power may note one)
    reason: Prose | None = Field(
        default=None,
        description="不予公开的理由：不公开时依据的法律理由。"
        "The legal reason a withheld power is not published.",
    )

    @property
    def is_default(self) -> bool:
        """Public with nothing more said: the same as no ``disclosure`` at all."""
        return self.public and self.reason is None


class Power(_Entity):
    """One administrative power (行政权力事项) with its flowcharts and risk points."""

    id: Id = Field(
        description="事项编号：权力事项的编号，与文件名相同，如 XK-001。"
        "The power's id, the stem of its file, e.g. XK-001."
    )
    category: Id = Field(
        description="职权类别：registry.yaml 中声明的类别代码，如 XK。"
        "The code of its category, declared in registry.yaml, e.g. XK."
    )
    name: Name = Field(
        description="事项名称：对外公布的权力事项名称。The power's name as published."
    )
    name_en: Name | None = Field(
        default=None,
        description="英文名称：事项名称的英文译名（可选）。"
        "An English rendering of the name (optional).",
    )
    legal_basis: list[Prose] = Field(
        default_factory=list,
        description="设定依据：设定这一权力的法律条款，每条一项。"
        "The legal provisions the power rests on, one per item.",
    )
    subject: Name = Field(
        description="实施主体：行使这一权力的机关。The body that exercises the power."
    )
    division: Name = Field(
        description="承办机构：具体承办的处室或单位。The division or unit that handles it."
    )
    #: 法定时限 and 承诺时限, each with its unit (a plain number is working days); the
    #: older keys statutory_days / promised_days are read as the same fields
    statutory_limit: LimitIn | None = Field(
        default=None,
        validation_alias=AliasChoices("statutory_limit", "statutory_days"),
        description="法定时限：法律规定的办理时限；数字按工作日计，也可写 3 个月、30 日。"
        "The time limit the law sets; a number is working days, or write 3 个月, 30 日.",
    )
    promised_limit: LimitIn | None = Field(
        default=None,
        validation_alias=AliasChoices("promised_limit", "promised_days"),
        description="承诺时限：本部门承诺的办理时限，写法同法定时限。"
        "The time limit the department promises, written as the statutory one.",
    )
    fee: Prose | None = Field(
        default=None,
        description="收费依据及标准：收费的依据和标准，或 不收费。"
        "The fee's basis and amount, or 不收费.",
    )
    description: Prose | None = Field(
        default=None, description="事项说明：对这一权力的说明。A description of the power."
    )
    responsibilities: list[Prose] = Field(
        default_factory=list,
        description="责任事项：承办机构对什么负责，每项一条。"
        "What the handling division answers for, one per item.",
    )
    accountability: list[Prose] = Field(
        default_factory=list,
        description="追责情形：在哪些情形下追究责任，每项一条。"
        "The cases in which officials are held to account, one per item.",
    )
    flowcharts: list[Flowchart] = Field(
        default_factory=list,
        description="权力运行流程图：这一权力的办理流程图。"
        "The power-operation flowcharts of the power.",
    )
    risk_points: list[RiskPoint] = Field(
        default_factory=list,
        description="廉政风险点：流程图上的廉政风险点及其防范措施。"
        "The integrity risk points on its charts, with their countermeasures.",
    )
    #: 外网公开: public unless it says otherwise; a withheld power states its legal reason
    disclosure: Disclosure | None = Field(
        default=None,
        description="外网公开：默认公开；不公开的须说明法律理由。"
        "Whether the power is published; a withheld power states its legal reason.",
    )
    #: why this edition changed the power, e.g. a longer promised limit (调整理由; read by
    #: ``powerreg diff``, which warns of a lengthened promised limit without one)
    reason: Prose | None = Field(
        default=None,
        description="调整理由：本版为何改动这一事项（如延长承诺时限）。"
        "Why this edition changed the power, e.g. a longer promised limit.",
    )

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

    def _repr_svg_(self) -> str | None:
        """Every chart of the power with its risk points, one under the other, for
        Jupyter (``None``, so text, for a power without charts)."""
        return display.svg(self) if self.flowcharts else None
