"""One power-operation flowchart as a diagram: steps, risk colours, header, panel, legend."""

from __future__ import annotations

from functools import cache, lru_cache
from typing import NamedTuple

from ..model import (
    LABELS_ZH,
    Category,
    Flowchart,
    Level,
    Power,
    Registry,
    RiskPoint,
    Step,
    StepKind,
)
from .dotlang import (
    _EDGE_DEFAULTS,
    _GRAPH_DEFAULTS,
    _MINLEN,
    _NO_ARROW,
    _NODE_DEFAULTS,
    _PANEL,
    _WHEN,
    _attrs,
    _dot_id,
    _edge,
    _node,
)
from .style import (
    _INK,
    _MUTED,
    _PANEL_HEAD,
    _RISK_LINES,
    _RULE,
    _TERMINAL_FILL,
    _WRAP_DECISION,
    _WRAP_RISK,
    _WRAP_ROLE,
    _WRAP_TASK,
    _WRAP_WHEN,
    LEVEL_COLORS,
    PANEL_NODE,
    WHEN_NODE,
)
from .text import _font, _html, _lines, escape, text_em

# ---------------------------------------------------------------------------- charts


def _days(days: int | None) -> str:
    return f"{days}个工作日" if days is not None else ""


def _step_label(step: Step, risk_ids: list[str]) -> str:
    return _label_of(
        step.kind is StepKind.DECISION,
        step.label,
        step.role or "",
        step.days,
        step.pauses_clock,
        "、".join(risk_ids),
    )


@lru_cache(maxsize=1 << 16)  # the same step recurs in many charts (受理, 审查, 送达)
def _label_of(
    decision: bool, label: str, role: str, day_count: int | None, pauses: bool, risk_ids: str
) -> str:
    rows = [_lines(label, _WRAP_DECISION if decision else _WRAP_TASK)]
    days = _days(day_count)
    if pauses:  # time here is left out of the limits (补正, 专家评审, 听证, 公示)
        days = f"{days}（不计时）" if days else "不计时"
    if role and days and text_em(f"{role} · {days}") <= _WRAP_ROLE:
        rows.append(_font(escape(f"{role} · {days}"), 10, _MUTED))
    elif role or days:  # the days on a line of their own rather than cut in two
        meta = "<BR/>".join(x for x in (_lines(role, _WRAP_ROLE), escape(days)) if x)
        rows.append(_font(meta, 10, _MUTED))
    if risk_ids:
        rows.append(_font(_lines("风险点 " + risk_ids, _WRAP_ROLE), 10, _INK))
    cells = "".join(f"<TR><TD>{row}</TD></TR>" for row in rows)
    return _html(
        f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">{cells}</TABLE>'
    )


@cache
def _step_attrs(kind: StepKind, top: Level | None) -> str:
    if kind in (StepKind.START, StepKind.END):
        attrs = {"shape": "box", "style": "rounded,filled", "fillcolor": _TERMINAL_FILL}
    elif kind is StepKind.DECISION:
        attrs = {"shape": "diamond", "style": "filled", "fillcolor": "white", "margin": "0.02"}
    else:
        attrs = {"shape": "box", "style": "filled", "fillcolor": "white"}
    if top is not None:
        fill, border = LEVEL_COLORS[top]
        attrs.update(fillcolor=fill, color=border, penwidth="2")
    return _attrs(attrs)


def _header(flowchart: Flowchart, power: Power | None, category: Category | None) -> str:
    rows = [_font(_lines(flowchart.title, 30), 16)]
    if power is not None:
        rows.append(_font(_lines(f"{power.id}　{power.name}", 36), 12))
        facts = [
            f"{category.name}" if category is not None else "",
            f"法定时限 {power.statutory_limit}" if power.statutory_limit is not None else "",
            f"承诺时限 {power.promised_limit}" if power.promised_limit is not None else "",
            f"承办机构 {power.division}",
        ]
        rows.append(_font(_lines(" · ".join(f for f in facts if f), 48), 10, _MUTED))
    cells = "".join(f"<TR><TD>{row}</TD></TR>" for row in rows)
    return _html(f'<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="2">{cells}</TABLE>')


def _swatch(level: Level) -> str:
    fill, border = LEVEL_COLORS[level]
    return (
        f'<TD BGCOLOR="{fill}" COLOR="{border}" BORDER="1" CELLPADDING="3">'
        f"{LABELS_ZH[level.value]}风险</TD>"
    )


@cache
def _legend_rows(columns: int) -> str:
    swatches = "".join(_swatch(level) for level in Level)
    return (
        f'<TR><TD COLSPAN="{columns}" BGCOLOR="{_PANEL_HEAD}">图例</TD></TR>'
        f'<TR><TD COLSPAN="{columns}" BORDER="0"><TABLE BORDER="0" CELLSPACING="4">'
        f"<TR>{swatches}</TR></TABLE></TD></TR>"
        f'<TR><TD COLSPAN="{columns}" BORDER="0">'
        f"{_font('环节按其最高风险等级着色，并列出风险点编号', 10, _MUTED)}<BR/>"
        f"{_font('圆角框 开始/结束 · 方框 办理环节 · 菱形 判断', 10, _MUTED)}<BR/>"
        f"{_font('不计时：该环节用时不计入办理时限', 10, _MUTED)}</TD></TR>"
    )


def _panel(flowchart: Flowchart, power: Power | None) -> str:
    """The side table of the chart's risk points, then the legend."""
    risks = [r for r in power.risk_points if r.flowchart_id == flowchart.id] if power else []
    rows = ""
    if risks:
        rows += (
            f'<TR><TD COLSPAN="4" BGCOLOR="{_PANEL_HEAD}">'
            f"本流程廉政风险点（{len(risks)}个）</TD></TR>"
            "<TR>"
            + "".join(
                f"<TD>{_font(h, 10, _MUTED)}</TD>" for h in ("编号", "等级", "风险描述", "措施")
            )
            + "</TR>"
        )
        for r in risks:
            fill, _ = LEVEL_COLORS[r.level]
            rows += (
                f"<TR><TD>{escape(r.id)}</TD>"
                f'<TD BGCOLOR="{fill}">{escape(LABELS_ZH[r.level.value])}</TD>'
                f'<TD ALIGN="LEFT" BALIGN="LEFT">'
                f"{_lines(r.description, _WRAP_RISK, _RISK_LINES)}</TD>"
                f"<TD>{len(r.countermeasures)}</TD></TR>"
            )
    rows += _legend_rows(4)
    return _html(
        f'<TABLE BORDER="1" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" '
        f'COLOR="{_RULE}">{rows}</TABLE>'
    )


def _owner(flowchart: Flowchart, registry: Registry) -> Power | None:
    power_id, _, chart_id = flowchart.gid.rpartition("/")
    power = registry.powers.get(power_id)
    if power is not None and any(fc is flowchart or fc.id == chart_id for fc in power.flowcharts):
        return power
    return None


def _category(registry: Registry | None, power: Power | None) -> Category | None:
    if registry is None or power is None:
        return None
    try:
        return registry.category(power.category)
    except KeyError:
        return None


class _Drawing(NamedTuple):
    """A graph whose statements this module writes itself rather than with
    ``Digraph.node()``/``edge()``: the same DOT at a fraction of the cost, which matters
    when a registry has hundreds of charts. :meth:`source` equals the ``source`` of its
    ``graphviz.Digraph`` (:func:`.digraphs.digraph`)."""

    name: str
    graph_attr: dict[str, str]
    node_attr: dict[str, str]
    body: list[str]

    def source(self) -> str:
        return (
            f"digraph {_dot_id(self.name)} {{\n"
            f"\tgraph{_attrs(self.graph_attr)}\n"
            f"\tnode{_attrs(self.node_attr)}\n"
            f"\tedge{_attrs(_EDGE_DEFAULTS)}\n" + "".join(self.body) + "}\n"
        )


def _rank(level: Level) -> int:
    return level.rank


def _chart(flowchart: Flowchart, power: Power | None, registry: Registry | None) -> _Drawing:
    if power is None and registry is not None:
        power = _owner(flowchart, registry)
    risks_at: dict[str, list[RiskPoint]] = {}
    for r in power.risk_points if power else []:
        if r.flowchart_id == flowchart.id:
            risks_at.setdefault(r.step_id, []).append(r)
    body = []
    for step in flowchart.steps:
        risks = risks_at.get(step.id)
        top = max((r.level for r in risks), key=_rank) if risks else None
        label = _step_label(step, [r.id for r in risks] if risks else [])
        body.append(_node(step.id, label, _step_attrs(step.kind, top)))
    for i, t in enumerate(flowchart.transitions, start=1):
        if t.when is None:
            body.append(_edge(t.source, t.target, _MINLEN))
            continue
        # A branch label is a node on its edge: dot loses edge labels when it packs
        # components (graphviz 2.43), and a label on the line reads as in hand-drawn charts.
        when = f"{WHEN_NODE}{i}"
        body.append(_node(when, _html(_lines(t.when, _WRAP_WHEN)), _WHEN))
        body.append(_edge(t.source, when, _NO_ARROW))
        body.append(_edge(when, t.target))
    body.append(_node(PANEL_NODE, _panel(flowchart, power), _PANEL))
    graph_attr = {
        **_GRAPH_DEFAULTS,
        "label": _header(flowchart, power, _category(registry, power)),
        "labelloc": "t",
        "rankdir": "TB",
        "nodesep": "0.35",
        # every edge spans two ranks, so a branch label can sit on the middle one
        "ranksep": "0.2",
        # the risk panel is a component of its own, packed to the right of the chart so
        # that its height does not stretch the chart's ranks (sortv orders the two)
        "pack": "24",
        "packmode": "array_t2u",
    }
    return _Drawing(flowchart.gid, graph_attr, {**_NODE_DEFAULTS, "sortv": "1"}, body)


def dot_source(
    flowchart: Flowchart, power: Power | None = None, registry: Registry | None = None
) -> str:
    """The DOT text of :func:`.digraphs.render` (made without building the graph object,
    nor importing the graphviz library), for users who post-process it and for
    :func:`.files.render_all`."""
    return _chart(flowchart, power, registry).source()
