# ruff: noqa: E501  (message templates: one sentence a line reads best)
"""D codes of the semantic diff between two editions of a registry, with templates.

``D1xx``: a change (severity info): powers, fields, flowcharts, steps, transitions, risk
points and countermeasures added, removed or changed. ``D2xx``: a change a reviewer must
look at (warning): a level lowered or a promised limit lengthened without a ``reason`` in
the new edition, a high risk point removed. ``FIELDS`` names the fields a change names.
"""

from __future__ import annotations

from typing import Any


def _info(en: str, zh: str, title_en: str, title_zh: str) -> dict[str, Any]:
    return {"severity": "info", "title": {"en": title_en, "zh": title_zh}, "en": en, "zh": zh}


DIFF: dict[str, dict[str, Any]] = {
    # ---------------------------------------------------------------- powers
    "D101": _info(
        "power {entity} {name} added", "新增行政权力 {entity} {name}", "power added", "新增行政权力"
    ),
    "D102": _info(
        "power {entity} {name} removed",
        "取消行政权力 {entity} {name}",
        "power removed",
        "取消行政权力",
    ),
    "D103": _info(
        "power {entity} renamed: {old} → {new}",
        "行政权力 {entity} 更名：{old} → {new}",
        "power renamed",
        "行政权力更名",
    ),
    "D104": _info(
        "power {old} renumbered {new} ({name})",
        "行政权力 {old} 重新编号为 {new}（{name}）",
        "power renumbered (same name and legal basis)",
        "行政权力重新编号（名称、依据不变）",
    ),
    "D105": _info(
        "{entity} {field}: {old} → {new}",
        "{entity} {field}：{old} → {new}",
        "field changed",
        "字段变更",
    ),
    "D106": _info(
        "{entity} {field}: added {new}",
        "{entity} {field}：新增 {new}",
        "list item added",
        "列表新增一项",
    ),
    "D107": _info(
        "{entity} {field}: removed {old}",
        "{entity} {field}：删除 {old}",
        "list item removed",
        "列表删除一项",
    ),
    # ---------------------------------------------------------------- flowcharts
    "D111": _info(
        "flowchart {entity} {title} added",
        "新增流程图 {entity} {title}",
        "flowchart added",
        "新增流程图",
    ),
    "D112": _info(
        "flowchart {entity} {title} removed",
        "删除流程图 {entity} {title}",
        "flowchart removed",
        "删除流程图",
    ),
    "D113": _info(
        "flowchart {entity} retitled: {old} → {new}",
        "流程图 {entity} 改名：{old} → {new}",
        "flowchart retitled",
        "流程图改名",
    ),
    "D114": _info(
        "step {entity} {label} added", "新增环节 {entity} {label}", "step added", "新增环节"
    ),
    "D115": _info(
        "step {entity} {label} removed", "删除环节 {entity} {label}", "step removed", "删除环节"
    ),
    "D116": _info(
        "step {entity} relabelled: {old} → {new}",
        "环节 {entity} 改名：{old} → {new}",
        "step relabelled",
        "环节改名",
    ),
    "D117": _info(
        "step {entity} working days: {old} → {new}",
        "环节 {entity} 时限：{old} → {new}",
        "step re-timed",
        "环节时限变更",
    ),
    "D118": _info(
        "step {entity} {field}: {old} → {new}",
        "环节 {entity} {field}：{old} → {new}",
        "step changed",
        "环节变更",
    ),
    "D119": _info("transition {entity} added", "新增流转 {entity}", "transition added", "新增流转"),
    "D120": _info(
        "transition {entity} removed", "删除流转 {entity}", "transition removed", "删除流转"
    ),
    "D121": _info(
        "transition {entity} condition: {old} → {new}",
        "流转 {entity} 条件：{old} → {new}",
        "transition condition changed",
        "流转条件变更",
    ),
    # ---------------------------------------------------------------- risk points
    "D131": _info(
        "risk point {entity} ({level}) added: {description}",
        "新增廉政风险点 {entity}（{level}）：{description}",
        "risk point added",
        "新增廉政风险点",
    ),
    "D132": _info(
        "risk point {entity} ({level}) removed: {description}",
        "删除廉政风险点 {entity}（{level}）：{description}",
        "risk point removed",
        "删除廉政风险点",
    ),
    "D133": _info(
        "risk point {entity} moved from step {old} to {new}",
        "廉政风险点 {entity} 由环节 {old} 移至 {new}",
        "risk point moved to another step",
        "廉政风险点移至另一环节",
    ),
    "D134": _info(
        "risk point {entity} level raised: {old} → {new}",
        "廉政风险点 {entity} 等级上调：{old} → {new}",
        "risk level raised",
        "风险等级上调",
    ),
    "D135": _info(
        "risk point {entity} level lowered: {old} → {new}",
        "廉政风险点 {entity} 等级下调：{old} → {new}",
        "risk level lowered",
        "风险等级下调",
    ),
    "D136": _info(
        "risk point {entity} {field}: {old} → {new}",
        "廉政风险点 {entity} {field}：{old} → {new}",
        "risk point changed",
        "廉政风险点变更",
    ),
    # ---------------------------------------------------------------- countermeasures
    "D141": _info(
        "countermeasure {entity} added: {description}",
        "新增防范措施 {entity}：{description}",
        "countermeasure added",
        "新增防范措施",
    ),
    "D142": _info(
        "countermeasure {entity} removed: {description}",
        "删除防范措施 {entity}：{description}",
        "countermeasure removed",
        "删除防范措施",
    ),
    "D143": _info(
        "countermeasure {entity} {field}: {old} → {new}",
        "防范措施 {entity} {field}：{old} → {new}",
        "countermeasure changed",
        "防范措施变更",
    ),
    # ---------------------------------------------------------------- review
    "D201": {
        "severity": "warning",
        "title": {"en": "risk level lowered without a reason", "zh": "风险等级下调但未说明理由"},
        "en": "risk point {entity} lowered {old} → {new} without a reason; add 'reason:' to it saying why",
        "zh": "廉政风险点 {entity} 由 {old} 下调为 {new}，未说明理由：请在该风险点下写明 reason",
    },
    "D202": {
        "severity": "warning",
        "title": {
            "en": "promised limit lengthened without a reason",
            "zh": "承诺时限延长但未说明理由",
        },
        "en": "power {entity} promised limit {old} → {new} without a reason; add 'reason:' to the power saying why",
        "zh": "行政权力 {entity} 承诺时限由 {old} 延长为 {new}，未说明理由：请在该事项下写明 reason",
    },
    "D203": {
        "severity": "warning",
        "title": {"en": "high risk point removed", "zh": "删除了高风险点"},
        "en": "high risk point {entity} removed: {description}; confirm the risk is gone",
        "zh": "删除了高等级廉政风险点 {entity}：{description}；请确认该风险已不存在",
    },
}

#: Field names in English as a change names them (in Chinese a change names a field by
#: its label, :func:`powerreg.model.field_label`, its one name).
FIELDS: dict[str, str] = {
    "name": "name",
    "name_en": "English name",
    "category": "category",
    "legal_basis": "legal basis",
    "subject": "subject",
    "division": "division",
    "statutory_limit": "statutory limit",
    "promised_limit": "promised limit",
    "fee": "fee",
    "description": "description",
    "responsibilities": "responsibilities",
    "accountability": "accountability",
    "disclosure": "disclosure",
    "reason": "reason",
    "kind": "kind",
    "role": "post",
    "pauses_clock": "pauses the clock",
    "no_risk_reason": "reason for no risk point",
    "type": "type",
    "likelihood": "likelihood",
    "impact": "impact",
    "stage": "stage",
    "responsible": "responsible",
}
