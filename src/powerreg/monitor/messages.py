# ruff: noqa: E501  (message templates: one sentence a line reads best)
"""One message template per monitor code, in English and Chinese.

Each names the case, the steps (with their labels) and what follows; text, JSON,
Markdown and the catalog all show the same text.

Examples:
    >>> import powerreg
    >>> from powerreg.monitor.chart import ChartIndex
    >>> from powerreg.monitor.findings import Deviation, RiskRef
    >>> p = powerreg.load_reference().powers["XK-001"]
    >>> chart = ChartIndex(p, p.flowchart("F1"))
    >>> d = Deviation("M102", "A1", "XK-001", "F1", 2, 4, "S8", source="S6", kind="skip",
    ...               steps=("S7",), risk_points=(RiskRef("XK-001/R3", "high", "S8"),))
    >>> print(describe(d, chart, "zh"))
    办件 A1：从 S6 流转到 S8，流程图 XK-001/F1 无此流转；跳过了 S7 拟审批项目网上公示；涉及廉政风险点 XK-001/R3（高）
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..audit.messages import Lang
from .chart import ChartIndex
from .findings import Alert, Deviation, RiskRef

TEMPLATES: dict[str, dict[str, str]] = {
    "M101": {
        "en": "case {case}: step {step} is not on its flowchart {chart} ({title}); it is a step of another chart of {power}: check the case's flowchart_id, or whether the step was done outside the procedure",
        "zh": "办件 {case}：环节 {step} 不在其流程图 {chart}（{title}）上，属 {power} 的其他流程：请核对 flowchart_id，或核查是否体外运行",
    },
    "M102": {
        "en": "case {case}: moved from {source} to {target}, which is not a transition of {chart}; {what}{risks}",
        "zh": "办件 {case}：从 {source} 流转到 {target}，流程图 {chart} 无此流转；{what}{risks}",
    },
    "M103": {
        "en": "case {case}: began at {step}, not at the start {start} of {chart}; skipped {steps}{risks}",
        "zh": "办件 {case}：始于 {step}，而非流程图 {chart} 的开始环节 {start}；跳过了 {steps}{risks}",
    },
    "M104": {
        "en": "case {case}: closed at {step}, not at an end of {chart}; still due: {steps}{risks}; if the case is still open, replay with as_of (--as-of)",
        "zh": "办件 {case}：在 {step} 办结，未到流程图 {chart} 的结束环节；尚缺 {steps}{risks}；如仍在办理，请指定 as_of（--as-of）",
    },
    "M201": {
        "en": "warning: case {case} reached 80% of its promised {limit} working days on {date}; {elapsed} used{so_far}",
        "zh": "预警：办件 {case} 于 {date} 用满承诺时限 {limit} 个工作日的 80%；已用 {elapsed} 个工作日{so_far}",
    },
    "M202": {
        "en": "yellow card: case {case} took {elapsed} working days{so_far}, over its promised limit of {limit} (overdue from {date})",
        "zh": "黄牌：办件 {case} 用时 {elapsed} 个工作日{so_far}，超过承诺时限 {limit} 个工作日（自 {date} 起超期）",
    },
    "M202.step": {
        "en": "yellow card: case {case} spent {elapsed} working days at {step}{so_far}, over the step's {limit} (overdue from {date}){risks}",
        "zh": "黄牌：办件 {case} 在 {step} 环节用时 {elapsed} 个工作日{so_far}，超过该环节时限 {limit} 个工作日（自 {date} 起超期）{risks}",
    },
    "M203": {
        "en": "red card: case {case} took {elapsed} working days{so_far}, over the statutory limit of {limit} (overdue from {date}); officials answer for it",
        "zh": "红牌：办件 {case} 用时 {elapsed} 个工作日{so_far}，超过法定时限 {limit} 个工作日（自 {date} 起超期）：应予问责",
    },
}

#: Pieces of the templates that depend on the finding.
FRAGMENTS: dict[str, dict[str, str]] = {
    "skip": {"en": "skipped {steps}", "zh": "跳过了 {steps}"},
    "shortest": {
        "en": " (by the shortest way; other ways exist)",
        "zh": "（按最短路径；另有其他路径）",
    },
    "repeat": {"en": "repeated {target}", "zh": "重复办理 {target}"},
    "repeat_without": {
        "en": "repeated {target} without {steps}",
        "zh": "未经 {steps} 重复办理 {target}",
    },
    "back": {"en": "went back against the flow", "zh": "逆向回退"},
    "jump": {"en": "jumped to another branch", "zh": "跨分支跳转"},
    "risks": {"en": "; risk points {risks}", "zh": "；涉及廉政风险点 {risks}"},
    "open": {"en": " by {as_of} (still open)", "zh": "（截至 {as_of}，仍在办理）"},
    "none": {"en": "nothing", "zh": "无"},
}

_SEP = {"en": ", ", "zh": "、"}
_LEVEL = {
    "en": {"high": "high", "medium": "medium", "low": "low"},
    "zh": {"high": "高", "medium": "中", "low": "低"},
}


def _frag(name: str, lang: Lang, **params: Any) -> str:
    return FRAGMENTS[name][lang].format(**params)


def step_text(chart: ChartIndex, step: str | None) -> str:
    """``S5 技术评估和专家评审``: a step with its label, if the chart has it."""
    if step is None:
        return "-"
    label = chart.labels.get(step)
    return f"{step} {label}" if label else step


def _steps(chart: ChartIndex, steps: tuple[str, ...], lang: Lang) -> str:
    if not steps:
        return _frag("none", lang)
    return _SEP[lang].join(step_text(chart, s) for s in steps)


def _risks(risks: tuple[RiskRef, ...], lang: Lang) -> str:
    if not risks:
        return ""
    if lang == "zh":
        shown = "、".join(f"{r.id}（{_LEVEL['zh'][r.level]}）" for r in risks)
    else:
        shown = ", ".join(f"{r.id} ({r.level})" for r in risks)
    return _frag("risks", lang, risks=shown)


def describe(
    finding: Deviation | Alert,
    chart: ChartIndex,
    lang: Lang = "en",
    *,
    as_of: date | None = None,
) -> str:
    """The message of a deviation or an alert in ``lang``; ``as_of`` is given for an
    alert of a case still open."""
    base = {"case": finding.case_id, "chart": chart.gid, "power": chart.power_id}
    if isinstance(finding, Deviation):
        d = finding
        params: dict[str, Any] = {
            **base,
            "title": chart.chart.title,
            "step": step_text(chart, d.step),
            "steps": _steps(chart, d.steps, lang),
            "risks": _risks(d.risk_points, lang),
            "start": step_text(chart, chart.start),
        }
        if d.code == "M102":
            params["source"] = d.source
            params["target"] = d.step
            if d.kind == "skip":
                what = _frag("skip", lang, steps=params["steps"])
                if not d.on_every_path:
                    what += _frag("shortest", lang)
            elif d.kind == "repeat":
                what = (
                    _frag("repeat_without", lang, target=d.step, steps=params["steps"])
                    if d.steps
                    else _frag("repeat", lang, target=d.step)
                )
            else:
                what = _frag(d.kind or "jump", lang)
            params["what"] = what
        return TEMPLATES[d.code][lang].format(**params)
    a = finding
    so_far = _frag("open", lang, as_of=as_of.isoformat()) if as_of is not None else ""
    key = "M202.step" if a.scope == "step" else a.code
    return TEMPLATES[key][lang].format(
        **base,
        step=step_text(chart, a.step),
        elapsed=a.elapsed,
        limit=a.limit,
        date=a.date.isoformat(),
        so_far=so_far,
        risks=_risks(a.risk_points, lang),
    )
