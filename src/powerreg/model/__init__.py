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

from .entities import (
    Category,
    Countermeasure,
    Disclosure,
    Flowchart,
    Power,
    RiskPoint,
    Step,
    Transition,
    TransitionIn,
)
from .enums import (
    ALIASES,
    LABELS_ZH,
    Level,
    LevelIn,
    MeasureKind,
    MeasureKindIn,
    RiskType,
    RiskTypeIn,
    Stage,
    StageIn,
    StepKind,
    StepKindIn,
    UnitKind,
    UnitKindIn,
)
from .fields import FIELD_LABELS, field_label, field_labels
from .ids import (
    DEFER_REFERENCES,
    FIELD_ALIASES,
    ID_PATTERN,
    LOCATED_FIELDS,
    Id,
    StepRef,
    Text,
    category_key,
    disclosure_key,
    field_key,
    is_id,
    transition_key,
)
from .integrity import FIRST_LOC, Issue, reference_issues
from .limits import Limit, LimitIn, TimeUnit
from .orgchart import OrgChart, Unit, split_reference
from .registry import Registry, RegistryMeta, SourceMap, Stats, expect_registry

__all__ = [
    "ALIASES",
    "DEFER_REFERENCES",
    "FIELD_ALIASES",
    "FIELD_LABELS",
    "FIRST_LOC",
    "ID_PATTERN",
    "LABELS_ZH",
    "LOCATED_FIELDS",
    "Category",
    "Countermeasure",
    "Disclosure",
    "Flowchart",
    "Id",
    "Issue",
    "Level",
    "LevelIn",
    "Limit",
    "LimitIn",
    "MeasureKind",
    "MeasureKindIn",
    "OrgChart",
    "Power",
    "Registry",
    "RegistryMeta",
    "RiskPoint",
    "RiskType",
    "RiskTypeIn",
    "SourceMap",
    "Stage",
    "StageIn",
    "Stats",
    "Step",
    "StepKind",
    "StepKindIn",
    "StepRef",
    "Text",
    "TimeUnit",
    "Transition",
    "TransitionIn",
    "Unit",
    "UnitKind",
    "UnitKindIn",
    "category_key",
    "disclosure_key",
    "expect_registry",
    "field_key",
    "field_label",
    "field_labels",
    "is_id",
    "reference_issues",
    "split_reference",
    "transition_key",
]
