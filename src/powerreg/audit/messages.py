"""One message template per audit code, in English and Chinese.

Each names the entity and what would fix it; CLI, JSON, SARIF, Markdown and notebooks
all show the same text.

Examples:
    >>> message("A302", "zh", "XK-001/R2", {"n": 2, "min": 3})
    '高风险点 XK-001/R2 只有 2 条防范措施：应至少 3 条（min_high_measures），请补充'
"""

from __future__ import annotations

import locale
import os
from typing import Any, Literal

Lang = Literal["en", "zh"]

TEMPLATES: dict[str, dict[str, str]] = {
    "A101": {
        "en": "flowchart {entity} has {n} start steps ({starts}); give it exactly one step "
        "of kind start",
        "zh": "流程图 {entity} 有 {n} 个开始步骤（{starts}）：应恰有一个 kind 为 start 的步骤",
    },
    "A102": {
        "en": "flowchart {entity} has no end step; mark where a case closes with kind: end",
        "zh": "流程图 {entity} 没有结束步骤：请把办结的步骤标为 kind: end",
    },
    "A103": {
        "en": "step {entity} cannot be reached from the start {start}; add a transition "
        "into it or remove it",
        "zh": "步骤 {entity} 从开始步骤 {start} 无法到达：请补充转入它的流转，或删除该步骤",
    },
    "A104": {
        "en": "no end can be reached from step {entity} (dead end or closed loop); add a "
        "transition towards an end",
        "zh": "从步骤 {entity} 无法到达任何结束步骤（死路或闭环）：请补充通向结束的流转",
    },
    "A105": {
        "en": "decision {entity} has {n} outgoing transition(s), unlabelled: {unlabelled}; "
        "give it at least two branches, each with when",
        "zh": "判断步骤 {entity} 有 {n} 条出口，未标条件的去向：{unlabelled}；应至少两个分支且每个分支写明 when",
    },
    "A106": {
        "en": "transition {source} -> {target} leads {which} {entity}; nothing enters a "
        "start or leaves an end: remove or redirect it",
        "zh": "流转 {source} -> {target} 进入开始步骤或离开结束步骤（{entity}）：请删除或改向",
    },
    "A201": {
        "en": "power {entity} promises {promised} working days, more than the statutory "
        "{statutory}; promise no more than the law allows",
        "zh": "事项 {entity} 承诺时限 {promised} 个工作日，超过法定时限 {statutory} 个工作日：承诺时限不得长于法定时限",
    },
    "A202": {
        "en": "flowchart {entity} can take {days} working days ({path}), more than its "
        "{which} of {limit}; shorten step days or raise the limit",
        "zh": "流程图 {entity} 最长路径需 {days} 个工作日（{path}），超过 {which} {limit} 个工作日：请压缩步骤时限",
    },
    "A203": {
        "en": "power {entity} promises {promised} of {statutory} statutory working days; "
        "promise at most {ratio} of it ({max} days)",
        "zh": "事项 {entity} 承诺时限 {promised} 个工作日，未比法定时限 {statutory} 个工作日缩短三分之一以上：应不超过 {max} 个工作日",
    },
    "A301": {
        "en": "risk point {entity} ({level}) has no countermeasure; add at least one",
        "zh": "风险点 {entity}（{level}）没有防范措施：请至少制定一条",
    },
    "A302": {
        "en": "high risk point {entity} has {n} countermeasure(s); add at least {min} "
        "(min_high_measures)",
        "zh": "高风险点 {entity} 只有 {n} 条防范措施：应至少 {min} 条（min_high_measures），请补充",
    },
    "A303": {
        "en": "high risk point {entity} has no supervision or technology countermeasure; "
        "add one (e.g. disciplinary supervision, electronic monitoring)",
        "zh": "高风险点 {entity} 缺少监督类或科技类措施：请增加一条（如纪检监督、电子监察）",
    },
    "A304": {
        "en": "the {n} countermeasure(s) of risk point {entity} all act {stage} the act; "
        "add one at another stage",
        "zh": "风险点 {entity} 的 {n} 条防范措施都在同一阶段（{stage}）：请增加其他阶段的措施",
    },
    "A305": {
        "en": "power {entity} has no risk point; find the risks of its flowchart steps",
        "zh": "事项 {entity} 没有廉政风险点：请查找其流程各环节的风险",
    },
    "A306": {
        "en": "power {entity} has no flowchart; draw its power-operation flowchart",
        "zh": "事项 {entity} 没有权力运行流程图：请绘制",
    },
    "A307": {
        "en": "decision {entity} ({label}) carries no risk point; discretion is left "
        "unguarded: add one or say why there is none",
        "zh": "判断步骤 {entity}（{label}）未设廉政风险点：自由裁量无人防范，请补充",
    },
    "A401": {
        "en": "power {entity} ({name}) has no legal_basis; cite the law that sets it",
        "zh": "事项 {entity}（{name}）缺少设定依据：请写明法律依据",
    },
    "A402": {
        "en": "{what} {entity} ({name}) has no name_en; add an English name for publication",
        "zh": "{entity}（{name}）缺少英文名称 name_en：请补充，便于公开",
    },
}


def default_lang() -> Lang:
    """``zh`` when the locale is Chinese (LC_ALL, LC_MESSAGES, LANG), else ``en``."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    loc = locale.getlocale()[0] or ""
    return "zh" if loc.lower().startswith("zh") else "en"


def message(code: str, lang: Lang, entity: str, params: dict[str, Any]) -> str:
    """The message of a finding in ``lang``."""
    return TEMPLATES[code][lang].format(entity=entity, **params)
