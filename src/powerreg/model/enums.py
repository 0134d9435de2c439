"""Enumerations with their canonical codes and the Chinese words accepted for them."""

from __future__ import annotations

import unicodedata
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
)

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


class UnitKind(StrEnum):
    """What a unit of the department's org chart is (机构类别)."""

    #: an internal division (内设处室), e.g. 政策法规处
    DIVISION = "division"
    #: a directly affiliated unit (直属单位), e.g. 省环境监察局
    AFFILIATED = "affiliated"
    #: a body placed in the department from outside (派驻机构), e.g. 驻厅纪检组
    DISPATCHED = "dispatched"
    #: a collective or ad hoc body (议事机构、工作组), e.g. 厅长办公会, 评审专家组
    BODY = "body"


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
    StepKind: {
        "开始": "start",
        "起始": "start",
        "环节": "task",
        "办理": "task",
        "任务": "task",
        "判断": "decision",
        "决策": "decision",
        "结束": "end",
        "办结": "end",
    },
    UnitKind: {
        "处室": "division",
        "内设机构": "division",
        "直属单位": "affiliated",
        "派驻机构": "dispatched",
        "议事机构": "body",
        "工作组": "body",
    },
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
    "division": "处室",
    "affiliated": "直属单位",
    "dispatched": "派驻机构",
    "body": "议事机构",
}


def normal_word(text: str) -> str:
    """A word as enum values are matched: full-width forms folded to half width (NFKC),
    letters in lower case, spaces and underscores dropped.

    Examples:
        >>> normal_word(" ＨＩＧＨ "), normal_word("Working Days"), normal_word("高　")
        ('high', 'workingdays', '高')
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in folded if not c.isspace() and c != "_")


def _canonical(enum: type[StrEnum]) -> BeforeValidator:
    """A validator that maps the Chinese aliases of ``enum`` to its canonical codes, and
    whose JSON Schema lists every accepted word."""
    aliases = {normal_word(k): v for k, v in ALIASES[enum].items()}
    aliases.update({normal_word(m.value): m.value for m in enum})
    accepted = tuple([m.value for m in enum] + list(ALIASES[enum]))

    def canonical(value: Any) -> Any:
        if isinstance(value, str):
            exact = aliases.get(value)  # the usual case, a code or a word as written
            return exact if exact is not None else aliases.get(normal_word(value), value.strip())
        return value

    return BeforeValidator(canonical, json_schema_input_type=Literal.__getitem__(accepted))


LevelIn = Annotated[Level, _canonical(Level)]
RiskTypeIn = Annotated[RiskType, _canonical(RiskType)]
MeasureKindIn = Annotated[MeasureKind, _canonical(MeasureKind)]
StageIn = Annotated[Stage, _canonical(Stage)]
StepKindIn = Annotated[StepKind, _canonical(StepKind)]
UnitKindIn = Annotated[UnitKind, _canonical(UnitKind)]
