"""The registry as pydantic models: no I/O, no printing.

A :class:`Registry` holds categories and powers; a :class:`Power` holds its flowcharts
(:class:`Flowchart` of :class:`Step` and :class:`Transition`) and its risk points
(:class:`RiskPoint`, each with :class:`Countermeasure` s). Enumerations store canonical
codes and accept the Chinese words of SPEC §2 on input. Every entity knows its global id
(``XK-001/F1/S3``) once its power has been validated.

Examples:
    >>> p = Power.model_validate({
    ...     "id": "XK-001", "category": "XK", "name": "建设项目环境影响报告表审批",
    ...     "subject": "示例市环境保护局", "division": "环境影响评价科",
    ...     "flowcharts": [{"id": "F1", "title": "审批流程", "steps": [
    ...         {"id": "S1", "kind": "start", "label": "申请"},
    ...         {"id": "S2", "kind": "end", "label": "办结"}],
    ...         "transitions": ["S1 -> S2"]}],
    ...     "risk_points": [{"id": "R1", "at": "F1/S2", "level": "高", "type": "业务流程",
    ...         "description": "违规审批", "countermeasures": [
    ...         {"id": "M1", "kind": "公开", "stage": "事后", "description": "结果公开"}]}]})
    >>> p.risk_points[0].level, p.risk_points[0].type
    (<Level.HIGH: 'high'>, <RiskType.PROCESS: 'process'>)
    >>> p.flowcharts[0].transitions[0].source, p.flowcharts[0].steps[1].gid
    ('S1', 'XK-001/F1/S2')
    >>> p.risk_points[0].countermeasures[0].gid
    'XK-001/R1/M1'
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from enum import StrEnum
from typing import Annotated, Any, Literal, NamedTuple, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    NonNegativeInt,
    PrivateAttr,
    StringConstraints,
    ValidationInfo,
    model_validator,
)

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$"
_ID_RE = re.compile(ID_PATTERN)

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Text = Annotated[str, StringConstraints(min_length=1)]
StepRef = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}/[A-Za-z0-9][A-Za-z0-9-]{0,63}$")
]

#: Validation context key: skip the cross-reference checks (the loader runs them itself,
#: so that every problem gets its own file position).
DEFER_REFERENCES = "powerreg.defer_references"


# --------------------------------------------------------------------------- enumerations


class StepKind(StrEnum):
    """What a flowchart step is: where a case starts, an act, a branch, or where it ends."""

    START = "start"
    TASK = "task"
    DECISION = "decision"
    END = "end"


class Level(StrEnum):
    """Risk level (风险等级): 高/中/低, also written 一级/二级/三级."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """2 for high, 1 for medium, 0 for low: sorts levels by gravity."""
        return {"high": 2, "medium": 1, "low": 0}[self.value]


class RiskType(StrEnum):
    """Where a risk comes from (风险类别)."""

    ETHICS = "ethics"
    DUTY = "duty"
    PROCESS = "process"
    INSTITUTION = "institution"
    EXTERNAL = "external"


class MeasureKind(StrEnum):
    """Class of a countermeasure (防控措施类别)."""

    INSTITUTION = "institution"
    SEPARATION = "separation"
    DISCLOSURE = "disclosure"
    SUPERVISION = "supervision"
    TECHNOLOGY = "technology"
    EDUCATION = "education"


class Stage(StrEnum):
    """When a countermeasure acts: before, during or after the act."""

    BEFORE = "before"
    DURING = "during"
    AFTER = "after"


#: Chinese words accepted on input for each canonical code (SPEC §2).
ALIASES: dict[type[StrEnum], dict[str, str]] = {
    Level: {
        "高": "high",
        "一级": "high",
        "中": "medium",
        "二级": "medium",
        "低": "low",
        "三级": "low",
    },
    RiskType: {
        "思想道德": "ethics",
        "岗位职责": "duty",
        "业务流程": "process",
        "制度机制": "institution",
        "外部环境": "external",
    },
    MeasureKind: {
        "制度": "institution",
        "分权": "separation",
        "分权制衡": "separation",
        "公开": "disclosure",
        "监督": "supervision",
        "科技": "technology",
        "技术": "technology",
        "电子监察": "technology",
        "教育": "education",
    },
    Stage: {
        "事前": "before",
        "前期预防": "before",
        "事中": "during",
        "中期监控": "during",
        "事后": "after",
        "后期处置": "after",
    },
    StepKind: {},
}

#: Chinese display names of the canonical codes, for diagrams, reports and the catalog.
LABELS_ZH: dict[str, str] = {
    "high": "高",
    "medium": "中",
    "low": "低",
    "ethics": "思想道德",
    "duty": "岗位职责",
    "process": "业务流程",
    "institution": "制度机制",
    "external": "外部环境",
    "separation": "分权制衡",
    "disclosure": "公开",
    "supervision": "监督",
    "technology": "科技",
    "education": "教育",
    "before": "事前",
    "during": "事中",
    "after": "事后",
}


def _canonical(enum: type[StrEnum]) -> BeforeValidator:
    """A validator that maps the Chinese aliases of ``enum`` to its canonical codes, and
    whose JSON Schema lists every accepted word."""
    aliases = ALIASES[enum]
    accepted = tuple([m.value for m in enum] + list(aliases))

    def canonical(value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            return aliases.get(value, value)
        return value

    return BeforeValidator(canonical, json_schema_input_type=Literal.__getitem__(accepted))


LevelIn = Annotated[Level, _canonical(Level)]
RiskTypeIn = Annotated[RiskType, _canonical(RiskType)]
MeasureKindIn = Annotated[MeasureKind, _canonical(MeasureKind)]
StageIn = Annotated[Stage, _canonical(Stage)]


# --------------------------------------------------------------------------- entities


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
    name: Text
    name_en: Text | None = None


class Step(_Entity):
    """One step of a flowchart, with the post that acts and its budget in working days."""

    id: Id
    kind: StepKind = StepKind.TASK
    label: Text
    role: Text | None = None
    days: NonNegativeInt | None = None
    #: time spent here does not count against the time limits (补正 by the applicant,
    #: 专家评审, 听证, 公示: 《中华人民共和国行政许可法》 leaves such time out of the limit)
    pauses_clock: bool = False


_SHORTHAND_PATTERN = r"^\s*[A-Za-z0-9][A-Za-z0-9-]*\s*->\s*[A-Za-z0-9][A-Za-z0-9-]*\s*$"
_ARROW = re.compile(r"^\s*([^\s>-][^\s]*?)\s*->\s*([^\s]+)\s*$")


def _parse_transition(value: Any) -> Any:
    """Accept the shorthand ``"S1 -> S2"`` for ``{from: S1, to: S2}``."""
    if isinstance(value, str):
        m = _ARROW.match(value)
        if m is None:
            raise ValueError(f"transition {value!r} is not of the form 'S1 -> S2'")
        return {"from": m.group(1), "to": m.group(2)}
    return value


class Transition(_Entity):
    """A move from one step to another; ``when`` labels a decision's branch.

    Examples:
        >>> Transition.model_validate("S1 -> S2")
        Transition(source='S1', target='S2', when=None)
    """

    source: Id = Field(alias="from")
    target: Id = Field(alias="to")
    when: Text | None = None

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
    title: Text
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

    # graph questions: the work is done in powerreg.graph (imported when asked)

    def graph(self) -> Any:
        """This chart as a ``networkx.DiGraph`` (see :func:`powerreg.graph.flowchart_graph`)."""
        from .graph import flowchart_graph

        return flowchart_graph(self)

    def unreachable_steps(self) -> list[str]:
        """Steps no case can reach from the start."""
        from .graph import unreachable_steps

        return unreachable_steps(self)

    def dead_end_steps(self) -> list[str]:
        """Steps from which no end can be reached."""
        from .graph import dead_end_steps

        return dead_end_steps(self)

    def must_pass_steps(self) -> list[str]:
        """Steps every case passes (dominators of the end)."""
        from .graph import must_pass_steps

        return must_pass_steps(self)

    def longest_path(self) -> tuple[int, list[str]]:
        """``(working days, step ids)`` of the longest start→end path, loops cut once."""
        from .graph import longest_path

        return longest_path(self)


class Countermeasure(_Entity):
    """A countermeasure (防范措施) against one risk point."""

    id: Id
    kind: MeasureKindIn
    stage: StageIn
    description: Text
    responsible: Text | None = None


class RiskPoint(_Entity):
    """An integrity risk point (廉政风险点) on one step of one flowchart."""

    id: Id
    at: StepRef
    level: LevelIn
    type: RiskTypeIn
    description: Text
    countermeasures: list[Countermeasure] = Field(default_factory=list)

    @property
    def flowchart_id(self) -> str:
        """Local id of the flowchart the risk sits on (before the ``/`` of ``at``)."""
        return self.at.partition("/")[0]

    @property
    def step_id(self) -> str:
        """Local id of the step the risk sits on (after the ``/`` of ``at``)."""
        return self.at.partition("/")[2]


class Issue(NamedTuple):
    """A cross-reference problem found in validated data, before it has a file position.

    ``loc`` is the path to the offending value inside the power's data, as pydantic
    gives for schema errors, so the loader can find its line.
    """

    code: str
    loc: tuple[str | int, ...]
    message: str
    entity: str


class Power(_Entity):
    """One administrative power (行政权力事项) with its flowcharts and risk points."""

    id: Id
    category: Id
    name: Text
    name_en: Text | None = None
    legal_basis: list[Text] = Field(default_factory=list)
    subject: Text
    division: Text
    statutory_days: NonNegativeInt | None = None
    promised_days: NonNegativeInt | None = None
    fee: Text | None = None
    description: Text | None = None
    responsibilities: list[Text] = Field(default_factory=list)
    accountability: list[Text] = Field(default_factory=list)
    flowcharts: list[Flowchart] = Field(default_factory=list)
    risk_points: list[RiskPoint] = Field(default_factory=list)

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


def _list_ids(ids: Any) -> str:
    shown = sorted(ids)
    return ", ".join(shown[:12]) + (", …" if len(shown) > 12 else "") if shown else "none"


def _items(data: Any, name: str) -> list[tuple[int, dict[str, Any]]]:
    """``(index, mapping)`` of the items of ``data[name]`` that are mappings."""
    value = data.get(name) if isinstance(data, dict) else None
    if not isinstance(value, list):
        return []
    return [(i, v) for i, v in enumerate(value) if isinstance(v, dict)]


def _local_id(item: dict[str, Any]) -> str | None:
    value = item.get("id")
    return value if isinstance(value, str) else None


def _duplicates(
    items: list[tuple[int, dict[str, Any]]], loc: tuple[str | int, ...], what: str, scope: str
) -> list[Issue]:
    seen: set[str] = set()
    issues = []
    for i, item in items:
        local = _local_id(item)
        if local is None:
            continue
        if local in seen:
            issues.append(
                Issue(
                    "E003",
                    (*loc, i, "id"),
                    f"duplicate {what} id '{local}'; ids must be unique",
                    f"{scope}/{local}",
                )
            )
        seen.add(local)
    return issues


def _endpoints(transition: Any) -> list[tuple[str, Any]]:
    if isinstance(transition, str):
        m = _ARROW.match(transition)
        return [("from", m.group(1)), ("to", m.group(2))] if m else []
    if isinstance(transition, dict):
        return [(f, transition[f]) for f in ("from", "to") if isinstance(transition.get(f), str)]
    return []


def reference_issues(data: Any) -> list[Issue]:
    """E003 and E004 problems of one power, from its raw data (the YAML mapping).

    Works on data that is otherwise invalid, so a file with a schema error still has
    its references checked; whatever is not of the expected shape is skipped here (the
    schema check reports it).

    Examples:
        >>> data = {"id": "P1", "flowcharts": [{"id": "F1", "steps": [{"id": "S1"}],
        ...         "transitions": ["S1 -> S2"]}], "risk_points": [{"id": "R1", "at": "F2/S1"}]}
        >>> [(i.code, i.loc) for i in reference_issues(data)]
        [('E004', ('flowcharts', 0, 'transitions', 0, 'to')), ('E004', ('risk_points', 0, 'at'))]
    """
    issues: list[Issue] = []
    raw_id = data.get("id") if isinstance(data, dict) else None
    pid = raw_id if isinstance(raw_id, str) else "?"
    flowcharts = _items(data, "flowcharts")
    risks = _items(data, "risk_points")
    issues += _duplicates(flowcharts, ("flowcharts",), "flowchart", pid)
    issues += _duplicates(risks, ("risk_points",), "risk point", pid)
    # flowcharts and risk points share the power's scope: XK-001/F1 and XK-001/R1
    chart_ids = {cid for _, fc in flowcharts if (cid := _local_id(fc)) is not None}
    for k, r in risks:
        rid = _local_id(r)
        if rid is not None and rid in chart_ids:
            issues.append(
                Issue(
                    "E003",
                    ("risk_points", k, "id"),
                    f"risk point id '{rid}' is also a flowchart id of this power; both "
                    f"would be {pid}/{rid}: give the risk point another id (e.g. R1)",
                    f"{pid}/{rid}",
                )
            )
    steps_of: dict[str, set[str]] = {}
    for i, fc in flowcharts:
        loc = ("flowcharts", i)
        fc_id = _local_id(fc) or f"#{i + 1}"
        steps = _items(fc, "steps")
        issues += _duplicates(
            steps, (*loc, "steps"), f"step of flowchart {fc_id}", f"{pid}/{fc_id}"
        )
        ids = {sid for _, s in steps if (sid := _local_id(s)) is not None}
        steps_of.setdefault(fc_id, ids)
        transitions = fc.get("transitions")
        for j, t in enumerate(transitions if isinstance(transitions, list) else []):
            for field, end in _endpoints(t):
                if end not in ids:
                    issues.append(
                        Issue(
                            "E004",
                            (*loc, "transitions", j, field),
                            f"transition {field} '{end}' is not a step of flowchart "
                            f"{fc_id} (steps: {_list_ids(ids)})",
                            f"{pid}/{fc_id}",
                        )
                    )
    for k, r in risks:
        loc = ("risk_points", k)
        rid = _local_id(r) or f"#{k + 1}"
        issues += _duplicates(
            _items(r, "countermeasures"),
            (*loc, "countermeasures"),
            f"countermeasure of risk point {rid}",
            f"{pid}/{rid}",
        )
        at = r.get("at")
        if not isinstance(at, str) or "/" not in at:
            continue
        fc_id, _, step_id = at.partition("/")
        if fc_id not in steps_of:
            issues.append(
                Issue(
                    "E004",
                    (*loc, "at"),
                    f"risk point {rid} is at flowchart '{fc_id}', which this power does "
                    f"not have (flowcharts: {_list_ids(steps_of)})",
                    f"{pid}/{rid}",
                )
            )
        elif step_id not in steps_of[fc_id]:
            issues.append(
                Issue(
                    "E004",
                    (*loc, "at"),
                    f"risk point {rid} is at step '{step_id}', which is not a step of "
                    f"flowchart {fc_id} (steps: {_list_ids(steps_of[fc_id])})",
                    f"{pid}/{rid}",
                )
            )
    return issues


class RegistryMeta(_Entity):
    """What ``registry.yaml`` holds: who keeps the registry, when, and its categories."""

    schema_version: Literal[1] = 1
    id: Id
    department: Text
    department_en: Text | None = None
    year: int = Field(ge=1949, le=2200)
    source: Text
    license: Text | None = None
    categories: list[Category] = Field(min_length=1)

    def category_issues(self) -> list[Issue]:
        """Duplicate category codes (E003)."""
        seen: set[str] = set()
        issues = []
        for i, c in enumerate(self.categories):
            if c.code in seen:
                issues.append(
                    Issue(
                        "E003",
                        ("categories", i, "code"),
                        f"duplicate category code '{c.code}'",
                        c.code,
                    )
                )
            seen.add(c.code)
        return issues


class SourceMap:
    """Where each entity was read from: global id → ``(file, line, column)``.

    Provenance, not content: it never makes two registries unequal, so a registry read
    back from a catalog equals the one read from YAML.
    """

    __slots__ = ("positions", "root")

    def __init__(
        self, positions: dict[str, tuple[str, int, int]] | None = None, root: str | None = None
    ) -> None:
        self.positions: dict[str, tuple[str, int, int]] = positions or {}
        #: the directory the files are relative to, when read from a directory
        self.root = root

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SourceMap)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"SourceMap({len(self.positions)} entities)"


class Stats(BaseModel):
    """Counts of a registry, and the sentence the seed report uses for them.

    Examples:
        >>> Stats(categories=7, powers=84, powers_with_flowcharts=84, flowcharts=118,
        ...       risk_points=247, countermeasures=779).sentence
        '梳理出7类、84项行政权力，查找出247个廉政风险点，绘制权力运行流程图84项、118张，制定防范措施779条'
    """

    model_config = ConfigDict(frozen=True)

    categories: int
    powers: int
    powers_with_flowcharts: int
    flowcharts: int
    steps: int = 0
    risk_points: int
    countermeasures: int
    risk_points_by_level: dict[str, int] = Field(default_factory=dict)
    countermeasures_by_level: dict[str, int] = Field(default_factory=dict)
    powers_by_category: dict[str, int] = Field(default_factory=dict)

    @property
    def sentence(self) -> str:
        """The report's sentence with these figures."""
        return (
            f"梳理出{self.categories}类、{self.powers}项行政权力，"
            f"查找出{self.risk_points}个廉政风险点，"
            f"绘制权力运行流程图{self.powers_with_flowcharts}项、{self.flowcharts}张，"
            f"制定防范措施{self.countermeasures}条"
        )


class Registry(RegistryMeta):
    """A whole registry: ``registry.yaml`` plus every power, keyed by power id."""

    powers: dict[str, Power] = Field(default_factory=dict)
    _sources: SourceMap = PrivateAttr(default_factory=SourceMap)

    @model_validator(mode="after")
    def _check(self, info: ValidationInfo) -> Self:
        if info.context and info.context.get(DEFER_REFERENCES):
            return self
        issues = self.registry_issues()
        if issues:
            raise ValueError("; ".join(f"{i.code} {i.message}" for i in issues))
        return self

    def registry_issues(self) -> list[Issue]:
        """Problems across the registry: keys, duplicate codes, unknown categories."""
        issues = self.category_issues()
        codes = {c.code for c in self.categories}
        for key, p in self.powers.items():
            if key != p.id:
                issues.append(
                    Issue(
                        "E005",
                        ("powers", key, "id"),
                        f"power is filed as '{key}' but its id is '{p.id}'",
                        p.id,
                    )
                )
            if p.category not in codes:
                issues.append(
                    Issue(
                        "E004",
                        ("powers", key, "category"),
                        f"category '{p.category}' is not declared in "
                        f"registry.yaml (categories: {_list_ids(codes)})",
                        p.id,
                    )
                )
        return issues

    # ------------------------------------------------------------------ navigation

    def category(self, code: str) -> Category:
        """The category with that code; ``KeyError`` if there is none."""
        for c in self.categories:
            if c.code == code:
                return c
        raise KeyError(code)

    def powers_of(self, code: str) -> list[Power]:
        """Powers of one category, in id order."""
        return sorted((p for p in self.powers.values() if p.category == code), key=lambda p: p.id)

    def iter_flowcharts(self) -> Iterator[tuple[Power, Flowchart]]:
        """Every ``(power, flowchart)`` pair, powers in id order."""
        for pid in sorted(self.powers):
            p = self.powers[pid]
            for fc in p.flowcharts:
                yield p, fc

    def iter_risk_points(self) -> Iterator[tuple[Power, RiskPoint]]:
        """Every ``(power, risk point)`` pair, powers in id order."""
        for pid in sorted(self.powers):
            p = self.powers[pid]
            for r in p.risk_points:
                yield p, r

    def entity(self, gid: str) -> BaseModel:
        """The entity with that global id (a power, flowchart, step, risk point or
        countermeasure); ``KeyError`` if there is none.

        Examples:
            >>> reg = Registry(id="r", department="d", year=2011, source="s",
            ...                categories=[Category(code="XK", name="行政许可")])
            >>> reg.entity("XK-404")
            Traceback (most recent call last):
            ...
            KeyError: 'XK-404'
        """
        parts = gid.split("/")
        try:
            power = self.powers[parts[0]]
            if len(parts) == 1:
                return power
            for fc in power.flowcharts:
                if fc.id == parts[1]:
                    return fc if len(parts) == 2 else fc.step(parts[2])
            for r in power.risk_points:
                if r.id == parts[1]:
                    if len(parts) == 2:
                        return r
                    for m in r.countermeasures:
                        if m.id == parts[2] and len(parts) == 3:
                            return m
        except KeyError:
            pass
        raise KeyError(gid)

    def graph(self) -> Any:
        """Every entity as a ``networkx.MultiDiGraph`` (see
        :func:`powerreg.graph.registry_graph`); built on demand, not on load."""
        from .graph import registry_graph

        return registry_graph(self)

    def location(self, gid: str) -> tuple[str, int, int] | None:
        """``(file, line, column)`` where an entity was read, if it was read from files;
        ``file`` is relative to :attr:`source_root`."""
        return self._sources.positions.get(gid)

    @property
    def source_root(self) -> str | None:
        """The directory the registry was read from, if any."""
        return self._sources.root

    def stats(self) -> Stats:
        """Counts, by level and by category, and the report sentence."""
        by_level: Counter[str] = Counter()
        m_by_level: Counter[str] = Counter()
        by_cat: Counter[str] = Counter(p.category for p in self.powers.values())
        n_fc = n_steps = n_m = 0
        with_fc = 0
        for p in self.powers.values():
            with_fc += bool(p.flowcharts)
            n_fc += len(p.flowcharts)
            n_steps += sum(len(fc.steps) for fc in p.flowcharts)
            for r in p.risk_points:
                by_level[r.level.value] += 1
                m_by_level[r.level.value] += len(r.countermeasures)
                n_m += len(r.countermeasures)
        order = [lv.value for lv in Level]
        return Stats(
            categories=len(self.categories),
            powers=len(self.powers),
            powers_with_flowcharts=with_fc,
            flowcharts=n_fc,
            steps=n_steps,
            risk_points=sum(by_level.values()),
            countermeasures=n_m,
            risk_points_by_level={k: by_level[k] for k in order},
            countermeasures_by_level={k: m_by_level[k] for k in order},
            powers_by_category={c.code: by_cat[c.code] for c in self.categories},
        )


def transition_key(flowchart_gid: str, index: int) -> str:
    """Key of a flowchart's transition in a source map (transitions have no id).

    Examples:
        >>> transition_key("XK-001/F1", 0)
        'XK-001/F1#T1'
    """
    return f"{flowchart_gid}#T{index + 1}"


def category_key(code: str) -> str:
    """Key of a category in a source map (category codes may equal power ids)."""
    return f"category:{code}"


def is_id(value: str) -> bool:
    """Whether a string is a valid id (SPEC §2).

    Examples:
        >>> is_id("XK-001"), is_id("-x"), is_id("a/b")
        (True, False, False)
    """
    return _ID_RE.match(value) is not None
