"""The placeholder flowchart of a power imported from a 一览表 without charts.

A 一览表 lists each power's risk points but rarely its flowchart, and a risk point sits
at a step of one. Such a power gets the chart :func:`placeholder_chart` makes, ``F0``
(开始 → 流程环节待补 → 办结), and its risk points sit at its middle step, whose label says
what it is. The audit finds every such step (A107) until the chart is drawn and the risk
points moved to their steps.

Examples:
    >>> from powerreg.model import Flowchart
    >>> chart = Flowchart.model_validate(placeholder_chart())
    >>> [s.label for s in chart.steps], PLACEHOLDER_AT
    (['开始', '流程环节待补', '办结'], 'F0/S2')
    >>> is_placeholder(chart.steps[1]), is_placeholder(chart.steps[0])
    (True, False)
"""

from __future__ import annotations

from typing import Any

from ..model import Step, StepKind

#: The placeholder chart's id and title, and the label of its step that holds the risks.
PLACEHOLDER_CHART = "F0"
PLACEHOLDER_TITLE = "流程图待绘制"
PLACEHOLDER_LABEL = "流程环节待补"
#: Where the risk points of a power without a chart sit.
PLACEHOLDER_AT = f"{PLACEHOLDER_CHART}/S2"


def placeholder_chart() -> dict[str, Any]:
    """The data of the placeholder chart: start, the placeholder step, end."""
    return {
        "id": PLACEHOLDER_CHART,
        "title": PLACEHOLDER_TITLE,
        "steps": [
            {"id": "S1", "kind": StepKind.START.value, "label": "开始"},
            {"id": "S2", "kind": StepKind.TASK.value, "label": PLACEHOLDER_LABEL},
            {"id": "S3", "kind": StepKind.END.value, "label": "办结"},
        ],
        "transitions": ["S1 -> S2", "S2 -> S3"],
    }


def is_placeholder(step: Step) -> bool:
    """Whether a step is the placeholder step of an imported 一览表."""
    return step.label == PLACEHOLDER_LABEL
