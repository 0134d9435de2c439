# ruff: noqa: E501  (message templates: one sentence a line reads best)
"""A codes: findings of the audit (SPEC §4), with default severity, title and templates.

The check behind each code is in :mod:`powerreg.audit.rules`, registered in
:mod:`powerreg.audit.rulebook`; a policy file may change a severity or turn a rule off.
"""

from __future__ import annotations

from typing import Any

AUDIT: dict[str, dict[str, Any]] = {
    "A101": {
        "severity": "error",
        "title": {
            "en": "flowchart without exactly one start step",
            "zh": "流程图的开始步骤不是恰好一个",
        },
        "en": "flowchart {entity} has {n} start steps ({starts}); give it exactly one step of kind start",
        "zh": "流程图 {entity} 有 {n} 个开始步骤（{starts}）：应恰有一个 kind 为 start 的步骤",
    },
    "A102": {
        "severity": "error",
        "title": {"en": "flowchart without an end step", "zh": "流程图没有结束步骤"},
        "en": "flowchart {entity} has no end step; mark where a case closes with kind: end",
        "zh": "流程图 {entity} 没有结束步骤：请把办结的步骤标为 kind: end",
    },
    "A103": {
        "severity": "error",
        "title": {"en": "step unreachable from the start", "zh": "步骤从开始无法到达"},
        "en": "step {entity} cannot be reached from the start {start}; add a transition into it or remove it",
        "zh": "步骤 {entity} 从开始步骤 {start} 无法到达：请补充转入它的流转，或删除该步骤",
    },
    "A104": {
        "severity": "error",
        "title": {
            "en": "step from which no end can be reached (dead end or closed loop)",
            "zh": "从该步骤无法到达结束（死路或闭环）",
        },
        "en": "no end can be reached from step {entity} (dead end or closed loop); add a transition towards an end",
        "zh": "从步骤 {entity} 无法到达任何结束步骤（死路或闭环）：请补充通向结束的流转",
    },
    "A105": {
        "severity": "error",
        "title": {
            "en": "decision step with fewer than 2 outgoing transitions, or a branch without `when`",
            "zh": "判断步骤出口少于两个，或分支未写条件",
        },
        "en": "decision {entity} has {n} outgoing transition(s), unlabelled: {unlabelled}; give it at least two branches, each with when",
        "zh": "判断步骤 {entity} 有 {n} 条出口，未标条件的去向：{unlabelled}；应至少两个分支且每个分支写明 when",
    },
    "A106": {
        "severity": "error",
        "title": {
            "en": "transition into a start step or out of an end step",
            "zh": "流转进入开始步骤或离开结束步骤",
        },
        "en": "transition {source} -> {target} leads {which} {entity}; nothing enters a start or leaves an end: remove or redirect it",
        "zh": "流转 {source} -> {target} 进入开始步骤或离开结束步骤（{entity}）：请删除或改向",
    },
    "A107": {
        "severity": "warning",
        "title": {
            "en": "placeholder flowchart of a power imported from a 一览表 without charts",
            "zh": "由无流程图的一览表导入、尚未绘制的占位流程图",
        },
        "en": "flowchart {chart} of {name} is a placeholder made when a 一览表 without charts was imported: its {n} risk point(s) ({risks}) sit at the placeholder step {entity}; draw the chart and put each risk point at its step",
        "zh": "{name}的流程图 {chart} 是导入无流程图的一览表时生成的占位图：其 {n} 个风险点（{risks}）暂挂在占位环节 {entity}：请绘制流程图，并把每个风险点放到其所在环节",
    },
    "A201": {
        "severity": "error",
        "title": {
            "en": "promised limit longer than the statutory one",
            "zh": "承诺时限长于法定时限",
        },
        "en": "power {entity} promises {promised}, more than the statutory {statutory}; promise no more than the law allows",
        "zh": "事项 {entity} 承诺时限 {promised}，超过法定时限 {statutory}：承诺时限不得长于法定时限",
    },
    "A202": {
        "severity": "warning",
        "title": {
            "en": "longest start→end path (loops cut once) needs more days than the promised (or statutory) limit",
            "zh": "最长路径（回路只计一次）所需时间超过承诺时限（或法定时限）",
        },
        "en": "flowchart {entity} can take {days} working days ({path}), more than its {which} of {limit}; shorten step days or raise the limit",
        "zh": "流程图 {entity} 最长路径需 {days} 个工作日（{path}），超过{which} {limit}：请压缩步骤时限",
    },
    "A203": {
        "severity": "warning",
        "title": {
            "en": "promised limit not at least one third shorter than the statutory one",
            "zh": "承诺时限未比法定时限缩短三分之一以上",
        },
        "en": "power {entity} promises {promised} of a statutory {statutory}; promise at most {ratio} of it ({max})",
        "zh": "事项 {entity} 承诺时限 {promised}，未比法定时限 {statutory} 缩短三分之一以上：应不超过 {max}",
    },
    "A204": {
        "severity": "info",
        "title": {
            "en": "time limits in units that cannot be compared exactly",
            "zh": "时限单位不同，无法精确比较",
        },
        "en": "{entity}: {what} cannot be compared exactly: {a} against {b} (a month holds 16–23 working days); state both in one unit, or check by hand",
        "zh": "{entity}：{what}无法精确比较：{a} 与 {b}（一个月含 16–23 个工作日）；请用同一单位表述，或人工核对",
    },
    "A301": {
        "severity": "error",
        "title": {"en": "risk point without any countermeasure", "zh": "风险点没有防范措施"},
        "en": "risk point {entity} ({level}) has no countermeasure; add at least one",
        "zh": "风险点 {entity}（{level}）没有防范措施：请至少制定一条",
    },
    "A302": {
        "severity": "warning",
        "title": {
            "en": "high risk point with fewer than `min_high_measures` countermeasures",
            "zh": "高风险点的防范措施少于 min_high_measures 条",
        },
        "en": "high risk point {entity} has {n} countermeasure(s); add at least {min} (min_high_measures)",
        "zh": "高风险点 {entity} 只有 {n} 条防范措施：应至少 {min} 条（min_high_measures），请补充",
    },
    "A303": {
        "severity": "warning",
        "title": {
            "en": "high risk point without a `supervision` or `technology` countermeasure",
            "zh": "高风险点缺少监督类或科技类措施",
        },
        "en": "high risk point {entity} has no supervision or technology countermeasure; add one (e.g. disciplinary supervision, electronic monitoring)",
        "zh": "高风险点 {entity} 缺少监督类或科技类措施：请增加一条（如纪检监督、电子监察）",
    },
    "A304": {
        "severity": "info",
        "title": {
            "en": "risk point whose countermeasures all sit in one stage",
            "zh": "风险点的防范措施都在同一阶段",
        },
        "en": "the {n} countermeasure(s) of risk point {entity} all act {stage} the act; add one at another stage",
        "zh": "风险点 {entity} 的 {n} 条防范措施都在同一阶段（{stage}）：请增加其他阶段的措施",
    },
    "A305": {
        "severity": "warning",
        "title": {"en": "power without any risk point", "zh": "事项没有廉政风险点"},
        "en": "power {entity} has no risk point; find the risks of its flowchart steps",
        "zh": "事项 {entity} 没有廉政风险点：请查找其流程各环节的风险",
    },
    "A306": {
        "severity": "error",
        "title": {"en": "power without a flowchart", "zh": "事项没有流程图"},
        "en": "power {entity} has no flowchart; draw its power-operation flowchart",
        "zh": "事项 {entity} 没有权力运行流程图：请绘制",
    },
    "A307": {
        "severity": "info",
        "title": {
            "en": "decision step carrying no risk point (discretion left unguarded)",
            "zh": "判断步骤未设廉政风险点（自由裁量无人防范）",
        },
        "en": "decision {entity} ({label}) carries no risk point; discretion is left unguarded: add one, or say why there is none with no_risk_reason on the step",
        "zh": "判断步骤 {entity}（{label}）未设廉政风险点：自由裁量无人防范，请补充，或在该步骤写明 no_risk_reason（不设风险点的理由）",
    },
    "A308": {
        "severity": "info",
        "title": {
            "en": "a step pauses the clock in one chart and not in another of the same kind and label",
            "zh": "同类同名的步骤在一张流程图中不计时、在另一张中计时",
        },
        "en": "step {entity} ({label}) {does} pause the clock, but {n} step(s) of the same kind and label elsewhere {other} ({examples}); apply the clock-pausing rule of this procedure the same way in every chart",
        "zh": "步骤 {entity}（{label}）{does}，而其他 {n} 个同类同名的步骤{other}（{examples}）：同一程序的不计时规则应在各流程图中一致适用",
    },
    "A309": {
        "severity": "warning",
        "title": {
            "en": "declared level differs from the level the risk matrix gives",
            "zh": "风险等级与风险矩阵评定的等级不一致",
        },
        "en": "risk point {entity} is declared {level}, but likelihood {likelihood} × impact {impact} gives {assessed} in the registry's risk_matrix; correct the level or the assessment",
        "zh": "风险点 {entity} 定为{level}风险，但可能性 {likelihood} × 影响 {impact} 按风险矩阵应为{assessed}风险：请修正等级或评估",
    },
    "A310": {
        "severity": "info",
        "title": {
            "en": "risk point without likelihood and impact where the registry has a risk matrix",
            "zh": "清单设有风险矩阵，但风险点未评估可能性和影响",
        },
        "en": "risk point {entity} has no likelihood and impact; the registry assesses its risk points with a risk_matrix: score both (1–3)",
        "zh": "风险点 {entity} 未评估可能性和影响：本清单以风险矩阵评定等级，请为二者打分（1–3）",
    },
    "A311": {
        "severity": "error",
        "title": {
            "en": "power withheld from the public without a stated legal reason",
            "zh": "事项不予公开但未写明法定理由",
        },
        "en": "power {entity} ({name}) is withheld from the public (disclosure: public: false) without a reason; state the legal reason under disclosure.reason, or publish it",
        "zh": "事项 {entity}（{name}）不予公开（disclosure: public: false）但未写明理由：请在 disclosure.reason 中写明不予公开的法律依据，或予以公开",
    },
    "A401": {
        "severity": "error",
        "title": {"en": "power without legal_basis", "zh": "事项缺少设定依据"},
        "en": "power {entity} ({name}) has no legal_basis; cite the law that sets it",
        "zh": "事项 {entity}（{name}）缺少设定依据：请写明法律依据",
    },
    "A402": {
        "severity": "info",
        "title": {"en": "power or category without name_en", "zh": "事项或类别缺少英文名称"},
        "en": "{what} {entity} ({name}) has no name_en; add an English name for publication",
        "zh": "{entity}（{name}）缺少英文名称 name_en：请补充，便于公开",
    },
    # A5xx: across the departments of a roll-up (powerreg.rollup.rules)
    "A501": {
        "severity": "warning",
        "title": {
            "en": "the same power held by two departments of one level",
            "zh": "同级两个以上部门行使同一事项",
        },
        "en": "{entity} ({name}) is also held by {others} ({departments}) at the same level ({level}), with the same name and legal basis; settle which department exercises it, or tell the powers apart",
        "zh": "{entity}（{name}）与同级（{level}）的 {others}（{departments}）名称和设定依据相同：请明确由哪个部门行使，或予以区分",
    },
    "A502": {
        "severity": "warning",
        "title": {
            "en": "one legal basis with different statutory limits or categories in different departments",
            "zh": "同一设定依据在不同部门的法定时限或职权类别不同",
        },
        "en": "{entity} ({name}) rests on {basis}, but the departments that hold it give different {what}: {values}; one legal basis sets one: agree on it",
        "zh": "{entity}（{name}）的设定依据为 {basis}，但行使它的各部门{what}不同：{values}；同一依据只能有一种，请统一",
    },
    "A503": {
        "severity": "warning",
        "title": {
            "en": "department whose high risks lack supervision or technology measures while its peers have them",
            "zh": "部门的高风险点缺少监督类或科技类措施，而其他部门大多具备",
        },
        "en": "department {entity} ({name}) guards {covered} of its {high} high risk points ({share}) with a supervision or technology countermeasure, against {peers} for the median of its {n} peers; add such measures (its own audit lists the risk points: A303)",
        "zh": "部门 {entity}（{name}）的 {high} 个高风险点中只有 {covered} 个（{share}）有监督类或科技类措施，而其他 {n} 个部门的中位数为 {peers}：请补充（本部门审计的 A303 列出这些风险点）",
    },
    "A504": {
        "severity": "error",
        "title": {
            "en": "member registry that does not load",
            "zh": "成员部门的清单无法载入",
        },
        "en": "department {entity} ({name}) does not load ({n} problem(s), the first at {first}); it is left out of the combined catalog and website, the others are built: run powerreg validate {path}",
        "zh": "部门 {entity}（{name}）的清单无法载入（{n} 个问题，第一个在 {first}）；汇总目录和网站未收入该部门，其他部门照常生成：请运行 powerreg validate {path}",
    },
}
