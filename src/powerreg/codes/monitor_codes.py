# ruff: noqa: E501  (message templates: one sentence a line reads best)
"""M codes of the electronic supervision, with severity, title and templates.

``M0xx``: a row of a case log that cannot be replayed, left out and reported by its line;
``M1xx``: a case that left its flowchart; ``M2xx``: a deadline near or passed, in working
days. ``FRAGMENTS`` are the pieces of M1xx/M2xx messages that depend on the finding.
"""

from __future__ import annotations

from typing import Any

MONITOR: dict[str, dict[str, Any]] = {
    # ---------------------------------------------------------------- rows left out
    "M001": {
        "severity": "error",
        "title": {
            "en": "row cannot be read: a required field missing or empty, or not a JSON object",
            "zh": "无法读取的行：必填字段缺失或为空，或不是 JSON 对象",
        },
        "en": "{fields} missing or empty",
        "zh": "{fields} 缺失或为空",
    },
    "M001.json": {
        "en": "not valid JSON: {detail} (column {column})",
        "zh": "不是有效的 JSON：{detail}（第 {column} 列）",
    },
    "M001.json_value": {
        "en": "not valid JSON: {detail}",
        "zh": "不是有效的 JSON：{detail}",
    },
    "M001.two_names": {
        "en": "column {column} is given twice in one event, as '{first}' and as '{second}', with two values, and only one can be read; the row is left out: keep one",
        "zh": "同一事件中列 {column} 出现两次（{first} 与 {second}），取值不同，只能读取其中一个：本行不予回放；请只保留一个",
    },
    "M001.deep_json": {
        "en": "not valid JSON: nested too deep to be read",
        "zh": "不是有效的 JSON：嵌套过深，无法读取",
    },
    "M001.deep": {
        "en": "a value is nested too deep to be read",
        "zh": "取值嵌套过深，无法读取",
    },
    "M001.not_object": {
        "en": "a JSON object is needed, not {kind}",
        "zh": "应为 JSON 对象，而不是 {kind}",
    },
    "M002": {
        "severity": "error",
        "title": {
            "en": "timestamp cannot be parsed, or lies beyond the years 1–9999",
            "zh": "时间无法解析，或超出公元 1–9999 年",
        },
        "en": "timestamp '{stamp}' cannot be parsed; write it as ISO 8601, e.g. 2011-10-08 09:30:00",
        "zh": "时间 {stamp} 无法解析：请按 ISO 8601 书写，如 2011-10-08 09:30:00",
    },
    "M003": {
        "severity": "error",
        "title": {"en": "unknown power", "zh": "清单中没有该事项"},
        "en": "power '{power}' is not in the registry",
        "zh": "清单中没有事项 {power}",
    },
    "M004": {
        "severity": "error",
        "title": {"en": "unknown flowchart of the power", "zh": "事项没有该流程图"},
        "en": "power {power} has no flowchart '{chart}' (flowcharts: {charts})",
        "zh": "事项 {power} 没有流程图 {chart}（流程图：{charts}）",
    },
    "M005": {
        "severity": "error",
        "title": {
            "en": "step on none of the power's flowcharts",
            "zh": "环节不在该事项的任何流程图上",
        },
        "en": "step '{step}' is on none of the flowcharts of power {power} (steps: {steps})",
        "zh": "环节 {step} 不在事项 {power} 的任何流程图上（环节：{steps}）",
    },
    "M006": {
        "severity": "error",
        "title": {
            "en": "event earlier than the case's previous event",
            "zh": "事件早于该办件的上一事件",
        },
        "en": "event at {time} is earlier than the case's previous event at {previous} ({row}); a case's events go in time order",
        "zh": "事件时间 {time} 早于该办件上一事件的时间 {previous}（{row}）：办件的事件应按时间先后排列",
    },
    "M007": {
        "severity": "error",
        "title": {
            "en": "power or flowchart differs from the case's earlier rows",
            "zh": "事项或流程图与该办件此前的行不一致",
        },
        "en": "case {case} is of power {known} ({row}); this row says {power}",
        "zh": "办件 {case} 属于事项 {known}（{row}），本行却写 {power}",
    },
    "M007.chart": {
        "en": "case {case} follows flowchart {known} ({row}); this row says {chart}",
        "zh": "办件 {case} 按流程图 {known} 办理（{row}），本行却写 {chart}",
    },
    "M008": {
        "severity": "error",
        "title": {
            "en": "row cannot be delimited: a quoted field that never closes (CSV)",
            "zh": "无法分行：带引号的字段没有闭合（CSV）",
        },
        "en": 'a quoted field opened on this line reaches the end of the file without closing; the row is left out and the lines after it are read as rows of their own: close the quote, and write a quote inside a quoted field twice ("")',
        "zh": '本行开始的带引号字段直到文件末尾都没有闭合：本行不予回放，其后各行按独立的行读取；请补上引号，字段内的引号请写成两个（""）',
    },
    "M008.swallows": {
        "en": 'a quoted field opened on this line runs on over line {at}, which reads as a row of its own; the row is left out and the lines after it are read as rows of their own: close the quote, and write a quote inside a quoted field twice ("")',
        "zh": '本行开始的带引号字段一直延续到第 {at} 行，而该行本身像是独立的一行：本行不予回放，其后各行按独立的行读取；请补上引号，字段内的引号请写成两个（""）',
    },
    "M008.runs_on": {
        "en": 'a quoted field opened on this line runs on over {lines} lines, past the size limit, without closing; the row is left out and the lines after it are read as rows of their own: close the quote, and write a quote inside a quoted field twice ("")',
        "zh": '本行开始的带引号字段延续 {lines} 行、超过大小上限仍未闭合：本行不予回放，其后各行按独立的行读取；请补上引号，字段内的引号请写成两个（""）',
    },
    "M008.csv": {
        "en": "the row cannot be read as CSV: {error}",
        "zh": "该行无法按 CSV 读取：{error}",
    },
    "M009": {
        "severity": "error",
        "title": {"en": "day outside the working-day calendar", "zh": "日期超出工作日日历范围"},
        "en": "{date} is outside the working-day calendar: {calendar} knows China's public holidays and make-up working days (调休) for {first}–{last} only; upgrade it (pip install -U chinese-calendar) once the State Council has published the holidays of that year; the row is left out",
        "zh": "{date} 超出工作日日历范围：{calendar} 只含 {first}–{last} 年的法定节假日和调休工作日；国务院公布该年节假日安排后请升级（pip install -U chinese-calendar）；本行不予回放",
    },
    "M009.before": {
        "en": "{date} is outside the working-day calendar: {calendar} knows China's public holidays and make-up working days (调休) for {first}–{last} only; it has no data before {first}; the row is left out",
        "zh": "{date} 超出工作日日历范围：{calendar} 只含 {first}–{last} 年的法定节假日和调休工作日，{first} 年以前没有数据；本行不予回放",
    },
    "M010": {
        "severity": "error",
        "title": {"en": "row or field over the size limit", "zh": "行或字段超过大小上限"},
        "en": "the row is longer than {limit} characters; it is left out",
        "zh": "该行超过 {limit} 个字符：不予回放",
    },
    "M010.field": {
        "en": "a field is longer than {limit} characters; the row is left out",
        "zh": "有字段超过 {limit} 个字符：本行不予回放",
    },
    "M010.named_field": {
        "en": "field {field} is {length} characters long, over the limit of {limit}; the row is left out",
        "zh": "字段 {field} 有 {length} 个字符，超过上限 {limit}：本行不予回放",
    },
    "M011": {
        "severity": "error",
        "title": {
            "en": "field holds a character no id or output may hold (a lone surrogate; in an id, a control character)",
            "zh": "字段含有编号或输出不能含有的字符（孤立的代理码元；编号中的控制字符）",
        },
        "en": "field {field} holds {codepoint}, half of a UTF-16 surrogate pair without the other half: it is not a character, and no report can show it; the row is left out (was the log converted from UTF-16 or cut mid-character?)",
        "zh": "字段 {field} 含有 {codepoint}，是缺了另一半的 UTF-16 代理对：它不是字符，任何报告都无法显示；本行不予回放（日志是否由 UTF-16 转换而来，或在字符中间被截断？）",
    },
    "M011.control": {
        "en": "field {field} holds {codepoint}, a character that is not printable (a control character, a line break or an invisible one): an id is printable text; remove it",
        "zh": "字段 {field} 含有不可打印的字符 {codepoint}（控制字符、换行符或不可见字符）：编号应为可打印文本，请删除该字符",
    },
    # ------------------------------------------- events posted to the supervision service
    "M012": {
        "severity": "error",
        "title": {
            "en": "event posted without a usable event_id",
            "zh": "推送的事件没有可用的 event_id",
        },
        "en": "the event has no event_id; give every event an id of its own (the same id again is taken as the same event, so a request can be sent again safely)",
        "zh": "事件缺少 event_id：请为每个事件给出唯一编号（同一编号视为同一事件，请求可以安全重发）",
    },
    "M012.type": {
        "en": "event_id must be text, not {kind}",
        "zh": "event_id 应为文本，而不是 {kind}",
    },
    "M012.long": {
        "en": "event_id is {length} characters long, over the limit of {limit}",
        "zh": "event_id 有 {length} 个字符，超过上限 {limit}",
    },
    "M013": {
        "severity": "error",
        "title": {
            "en": "event_id already names another event",
            "zh": "event_id 已用于另一事件",
        },
        "en": "event_id '{event}' was received before with another {field} ({known}, now {given}); an event, once received, is kept as it was: send a correction as a new event with an id of its own",
        "zh": "event_id {event} 此前已收到，其 {field} 为 {known}，本次却为 {given}：事件一经接收即按原样保存，更正请作为新事件、以新编号推送",
    },
    "M014": {
        "severity": "error",
        "title": {
            "en": "power not assigned to the sending system",
            "zh": "事项未分配给推送系统",
        },
        "en": "the token '{token}' may not post events of power '{power}' (its powers: {powers})",
        "zh": "令牌 {token} 无权推送事项 {power} 的事件（其事项：{powers}）",
    },
    "M015": {
        "severity": "error",
        "title": {
            "en": "request body cannot be read as events",
            "zh": "请求正文无法读取为事件",
        },
        "en": "the body is neither a JSON array of events nor JSON Lines (one event object per line)",
        "zh": "正文既不是事件的 JSON 数组，也不是 JSON Lines（每行一个事件对象）",
    },
    "M015.utf8": {
        "en": "the body is not UTF-8 ({detail}); send JSON in UTF-8",
        "zh": "正文不是 UTF-8（{detail}）：请以 UTF-8 发送 JSON",
    },
    "M015.json": {
        "en": "the body is not valid JSON: {detail} (line {line}, column {column})",
        "zh": "正文不是有效的 JSON：{detail}（第 {line} 行第 {column} 列）",
    },
    "M015.too_large": {
        "en": "the body is over the limit of {limit} bytes; send fewer events per request",
        "zh": "正文超过 {limit} 字节的上限：请减少每次请求的事件数",
    },
    "M015.too_many": {
        "en": "the body holds {count} events, over the limit of {limit} per request; send them in smaller requests",
        "zh": "正文含 {count} 个事件，超过每次请求 {limit} 个的上限：请分批发送",
    },
    # ---------------------------------------------------------------- deviations
    "M101": {
        "severity": "warning",
        "title": {"en": "step not on the case's flowchart", "zh": "环节不在办件的流程图上"},
        "en": "case {case}: step {step} is not on its flowchart {chart} ({title}); it is a step of another chart of {power}: check the case's flowchart_id, or whether the step was done outside the procedure{incomplete}",
        "zh": "办件 {case}：环节 {step} 不在其流程图 {chart}（{title}）上，属 {power} 的其他流程：请核对 flowchart_id，或核查是否体外运行{incomplete}",
    },
    "M102": {
        "severity": "warning",
        "title": {
            "en": "move that is not a transition (a skipped, reversed or repeated step)",
            "zh": "不符合流转的办理（跳过、逆向或重复环节）",
        },
        "en": "case {case}: moved from {source} to {target}, which is not a transition of {chart}; {what}{risks}{incomplete}",
        "zh": "办件 {case}：从 {source} 流转到 {target}，流程图 {chart} 无此流转；{what}{risks}{incomplete}",
    },
    "M103": {
        "severity": "warning",
        "title": {"en": "case not started at the start step", "zh": "办件未从开始环节起办"},
        "en": "case {case}: began at {step}, not at the start {start} of {chart}; skipped {steps}{risks}{incomplete}",
        "zh": "办件 {case}：始于 {step}，而非流程图 {chart} 的开始环节 {start}；跳过了 {steps}{risks}{incomplete}",
    },
    "M104": {
        "severity": "warning",
        "title": {"en": "closed case not at an end step", "zh": "办件未在结束环节办结"},
        "en": "case {case}: closed at {step}, not at an end of {chart}; still due: {steps}{risks}; if the case is still open, replay with as_of (--as-of){incomplete}",
        "zh": "办件 {case}：在 {step} 办结，未到流程图 {chart} 的结束环节；尚缺 {steps}{risks}；如仍在办理，请指定 as_of（--as-of）{incomplete}",
    },
    # ---------------------------------------------------------------- alerts
    "M201": {
        "severity": "info",
        "title": {
            "en": "case has used 80% of its promised limit (warning)",
            "zh": "办件已用满承诺时限的 80%（预警）",
        },
        "en": "warning: case {case} reached 80% of its promised {limit} working days on {date}; {elapsed} used{so_far}{incomplete}",
        "zh": "预警：办件 {case} 于 {date} 用满承诺时限 {limit} 个工作日的 80%；已用 {elapsed} 个工作日{so_far}{incomplete}",
    },
    "M202": {
        "severity": "warning",
        "title": {
            "en": "step over its days, or case over its promised limit (yellow card)",
            "zh": "环节超过其时限，或办件超过承诺时限（黄牌）",
        },
        "en": "yellow card: case {case} took {elapsed} working days{so_far}, over its promised limit of {limit} (overdue from {date}){incomplete}",
        "zh": "黄牌：办件 {case} 用时 {elapsed} 个工作日{so_far}，超过承诺时限 {limit} 个工作日（自 {date} 起超期）{incomplete}",
    },
    "M202.step": {
        "en": "yellow card: case {case} spent {elapsed} working days at {step}{so_far}, over the step's {limit} (overdue from {date}){risks}{incomplete}",
        "zh": "黄牌：办件 {case} 在 {step} 环节用时 {elapsed} 个工作日{so_far}，超过该环节时限 {limit} 个工作日（自 {date} 起超期）{risks}{incomplete}",
    },
    "M203": {
        "severity": "error",
        "title": {
            "en": "case over its statutory limit (red card)",
            "zh": "办件超过法定时限（红牌）",
        },
        "en": "red card: case {case} took {elapsed} working days{so_far}, over the statutory limit of {limit} (overdue from {date}); officials answer for it{incomplete}",
        "zh": "红牌：办件 {case} 用时 {elapsed} 个工作日{so_far}，超过法定时限 {limit} 个工作日（自 {date} 起超期）：应予问责{incomplete}",
    },
}

#: Pieces of the M1xx/M2xx templates that depend on the finding.
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
    "incomplete": {
        "en": " — but the case's record is incomplete: {lines} left out; check them before acting on this",
        "zh": "——但该办件记录不全：{lines}被剔除，据此处理前请先核查",
    },
    "row": {"en": "line {line}", "zh": "第 {line} 行"},
    "and": {"en": " and ", "zh": "、"},
    "sep": {"en": ", ", "zh": "、"},
}
