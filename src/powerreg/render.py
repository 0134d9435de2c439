"""Flowcharts as graphviz diagrams (SPEC §8); the only module that imports graphviz.

:func:`render` draws one power-operation flowchart: a header with the chart's title, the
power's name and time limits; start and end as rounded boxes, tasks as boxes with their
post and working days, decisions as diamonds with branch labels; steps that carry risk
points filled by their highest level and listing their risk ids; beside the chart a table
of its risk points and a legend. :func:`render_category` draws the overview of one
category. :func:`render_all` writes every chart of a registry with one ``dot`` run per
format (one per core), atomically.

Every registry text reaches DOT through :func:`escape` inside an HTML-like label, so
quotes, braces, ``<``, ``>``, ``&`` and backslashes are data: nothing in a registry can
inject DOT, HTML-like markup or SVG. Node names are the step ids (they are the SVG
``<title>`` of each node). Text is laid out with ``Noto Sans CJK SC`` (:data:`FONT`), so
boxes fit Chinese labels.

Examples:
    >>> import powerreg, tempfile
    >>> reg = powerreg.load("examples/minimal")
    >>> power = reg.powers["XK-001"]
    >>> g = render(power.flowcharts[0], power, reg)   # shows inline in Jupyter
    >>> print(g.source.splitlines()[0])
    digraph "XK-001/F1" {
    >>> with tempfile.TemporaryDirectory() as out:
    ...     paths = render_all(reg, out, format="svg")   # one dot run for all charts
    ...     [p.relative_to(out).as_posix() for p in paths]
    ['CF-001/F1.svg', 'XK-001/F1.svg']
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping
from contextlib import suppress
from functools import cache
from pathlib import Path
from typing import NamedTuple

import graphviz

from .errors import UsageError
from .model import (
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

#: Font of every label: its CJK metrics make boxes as wide as their Chinese text.
FONT = "Noto Sans CJK SC"

#: Output formats of :func:`render_all`; ``dot`` writes the DOT sources only.
FORMATS = ("svg", "png", "pdf", "dot")

#: Fill and border colour of a step by the highest level of its risk points.
LEVEL_COLORS: dict[Level, tuple[str, str]] = {
    Level.HIGH: ("#ef9a9a", "#b71c1c"),
    Level.MEDIUM: ("#ffcc80", "#e65100"),
    Level.LOW: ("#fff59d", "#9e8600"),
}

_INK = "#263238"
_MUTED = "#455a64"
_TERMINAL_FILL = "#e3eaf0"
_PANEL_HEAD = "#eceff1"
_RULE = "#90a4ae"

#: Widths (in em of the font size) at which labels wrap.
_WRAP_TASK = 11.0
_WRAP_DECISION = 7.0
_WRAP_ROLE = 13.0
_WRAP_WHEN = 8.0
_WRAP_RISK = 15.0
_RISK_LINES = 3

_WHEN_ATTRS = {
    "shape": "plaintext",
    "fontsize": "10",
    "fontcolor": "#37474f",
    "margin": "0.03,0.015",
    "width": "0",
    "height": "0",
}
_PANEL_ATTRS = {"shape": "plaintext", "margin": "0", "sortv": "2"}
_OVERVIEW_ATTRS = {"shape": "plaintext", "margin": "0", "width": "0", "height": "0"}

#: Names of the nodes that are not steps; step ids cannot start with ``_``.
PANEL_NODE = "_risks"
WHEN_NODE = "_when"
CATEGORY_NODE = "_category"

# ---------------------------------------------------------------------------- text

#: Characters XML 1.0 forbids (graphviz parses HTML-like labels with expat) and lone
#: surrogates, which cannot be written as UTF-8.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")

_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "'": "&#39;",
        # graphviz expands \N, \G, \E, \T, \H, \L even in HTML-like labels; a doubled
        # backslash comes out as one.
        "\\": "&#92;&#92;",
        # DOT punctuation, as character references: inert inside an HTML string already,
        # and inert too should a label ever be moved out of one.
        "{": "&#123;",
        "}": "&#125;",
        "[": "&#91;",
        "]": "&#93;",
        ";": "&#59;",
        "=": "&#61;",
        "\n": " ",
        "\r": " ",
        "\t": " ",
    }
)


def escape(text: object) -> str:
    """Registry text as the content of a graphviz HTML-like label: the one escaping
    function of this module, applied to every text that comes from a registry.

    Examples:
        >>> escape('a "b" <script> & c]; x [')
        'a &quot;b&quot; &lt;script&gt; &amp; c&#93;&#59; x &#91;'
        >>> escape("\\\\N {x}")
        '&#92;&#92;N &#123;x&#125;'
    """
    return _XML_INVALID.sub("\ufffd", str(text)).translate(_ESCAPES)


_CLOSING = "，。、；：？！）》」』】〕〉”’…—,.;:?!)]}%"
_OPENING = "（《「『【〔〈“‘([{"

#: Characters laid out 1 em wide (East Asian Wide and Fullwidth: CJK, kana, hangul,
#: fullwidth forms); every other character counts 0.6 em.
_WIDE = (
    "\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
    "\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff01-\uff60"
    "\uffe0-\uffe6\U0001f300-\U0001f64f\U0001f900-\U0001f9ff\U00020000-\U0003fffd"
)
_WIDE_CHARS = re.compile(f"[{_WIDE}]")
_O, _C = re.escape(_OPENING), re.escape(_CLOSING)
#: What a line may not break inside: opening punctuation, then a CJK character or a
#: word of other characters, then closing punctuation; or a space.
_TOKEN = re.compile(
    f"[{_O}]*(?:(?![{_O}{_C}])[{_WIDE}]|[^\\s{_WIDE}{_O}]+)[{_C}]*|[{_O}]+[{_C}]*|[{_C}]+| |."
)


def text_em(text: str) -> float:
    """Approximate width of a text in em: 1 for a CJK character, 0.6 for others.

    Examples:
        >>> text_em("审批ab")
        3.2
    """
    return 0.6 * len(text) + 0.4 * len(_WIDE_CHARS.findall(text))


def _tokens(text: str) -> list[tuple[str, float]]:
    """Units a line may not break inside, with their widths."""
    return [(token, text_em(token)) for token in _TOKEN.findall(text)]


def wrap(text: str, width: float) -> list[str]:
    """Break a text into lines of at most ``width`` em, between CJK characters or at
    spaces, never before closing or after opening punctuation; the lines are balanced,
    so that no line is left with a single character.

    Examples:
        >>> wrap("不予受理通知书送达申请人", 11)
        ['不予受理通知', '书送达申请人']
        >>> wrap("EIA report form", 5)
        ['EIA', 'report', 'form']
    """
    text = " ".join(text.split())
    total = text_em(text)
    if total <= width:
        return [text] if text else []
    tokens = _tokens(text)
    lines = _greedy(tokens, width)
    # Balance: the narrowest measure, in half-em steps from the average line, that needs
    # no more lines (usually the first or second one tried)
    measure = int(2 * total / len(lines)) / 2
    while measure < width:
        balanced = _greedy(tokens, measure)
        if len(balanced) <= len(lines):
            return balanced
        measure += 0.5
    return lines


def _greedy(tokens: list[tuple[str, float]], width: float) -> list[str]:
    lines: list[str] = []
    line, used = "", 0.0
    for token, size in tokens:
        if token == " ":
            if line:
                line, used = line + token, used + size
            continue
        if line and used + size > width:
            lines.append(line.rstrip())
            line, used = "", 0.0
        while size > width and not line:  # a word longer than a line: cut it
            cut, cut_used = "", 0.0
            for ch in token:
                if cut and cut_used + text_em(ch) > width:
                    break
                cut, cut_used = cut + ch, cut_used + text_em(ch)
            if cut == token:
                break
            lines.append(cut)
            token = token[len(cut) :]
            size = text_em(token)
        line, used = line + token, used + size
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _lines(text: str, width: float, max_lines: int | None = None) -> str:
    """Wrapped, escaped, joined with ``<BR/>``; cut with an ellipsis past ``max_lines``."""
    lines = wrap(text, width)
    if max_lines is not None and len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and text_em(last) + 1 > width:
            last = last[:-1]
        lines = [*lines[: max_lines - 1], last + "…"]
    return "<BR/>".join(escape(line) for line in lines)


def _font(content: str, size: int | None = None, color: str | None = None) -> str:
    attrs = (f' POINT-SIZE="{size}"' if size else "") + (f' COLOR="{color}"' if color else "")
    return f"<FONT{attrs}>{content}</FONT>" if attrs else content


def _html(table: str) -> str:
    """An HTML-like label (the graphviz library passes ``<…>`` through unquoted)."""
    return f"<{table}>"


# ---------------------------------------------------------------------------- charts


def _days(days: int | None) -> str:
    return f"{days}个工作日" if days is not None else ""


def _step_label(step: Step, risk_ids: list[str]) -> str:
    width = _WRAP_DECISION if step.kind is StepKind.DECISION else _WRAP_TASK
    rows = [_lines(step.label, width)]
    role, days = step.role or "", _days(step.days)
    if step.pauses_clock:  # time here is left out of the limits (补正, 专家评审, 听证, 公示)
        days = f"{days}（不计时）" if days else "不计时"
    if role and days and text_em(f"{role} · {days}") <= _WRAP_ROLE:
        rows.append(_font(escape(f"{role} · {days}"), 10, _MUTED))
    elif role or days:  # the days on a line of their own rather than cut in two
        meta = "<BR/>".join(x for x in (_lines(role, _WRAP_ROLE), escape(days)) if x)
        rows.append(_font(meta, 10, _MUTED))
    if risk_ids:
        rows.append(_font(_lines("风险点 " + "、".join(risk_ids), _WRAP_ROLE), 10, _INK))
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
            f"法定时限 {power.statutory_days} 个工作日" if power.statutory_days is not None else "",
            f"承诺时限 {power.promised_days} 个工作日" if power.promised_days is not None else "",
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


_DOT_ID = re.compile(r"([A-Za-z_][A-Za-z0-9_]*|-?(\.[0-9]+|[0-9]+(\.[0-9]*)?))\Z")
_DOT_KEYWORDS = frozenset({"node", "edge", "graph", "digraph", "subgraph", "strict"})


def _dot_id(value: str) -> str:
    """A DOT name or attribute value: bare when DOT allows it, else double-quoted.

    Registry text never comes here (it goes through :func:`escape` into HTML-like labels);
    names are ids or this module's constants.
    """
    if _DOT_ID.match(value) and value.lower() not in _DOT_KEYWORDS:
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _attrs(attrs: Mapping[str, str]) -> str:
    """`` [k=v …]``, keys sorted; HTML-like labels (``<…>``) as they are."""
    if not attrs:
        return ""
    items = (
        f"{k}={v if v.startswith('<') and v.endswith('>') else _dot_id(v)}"
        for k, v in sorted(attrs.items())
    )
    return f" [{' '.join(items)}]"


def _node(name: str, label: str, attrs: str) -> str:
    """A node statement; ``attrs`` is the rest of the attribute list (see :func:`_attrs`)."""
    return f"\t{_dot_id(name)} [label={label}{' ' + attrs[2:-1] if attrs else ''}]\n"


def _edge(tail: str, head: str, attrs: str = "") -> str:
    return f"\t{_dot_id(tail)} -> {_dot_id(head)}{attrs}\n"


_GRAPH_DEFAULTS = {"fontname": FONT, "bgcolor": "white", "pad": "0.3"}
_NODE_DEFAULTS = {"fontname": FONT, "fontsize": "12", "fontcolor": _INK, "color": _MUTED}
_EDGE_DEFAULTS = {"fontname": FONT, "fontsize": "10", "fontcolor": _INK, "color": _MUTED}
_WHEN = _attrs(_WHEN_ATTRS)
_PANEL = _attrs(_PANEL_ATTRS)
_OVERVIEW = _attrs(_OVERVIEW_ATTRS)
_MINLEN = _attrs({"minlen": "2"})
_NO_ARROW = _attrs({"arrowhead": "none"})
_FAN = _attrs({"arrowhead": "none", "tailport": "e", "headport": "w"})


class _Drawing(NamedTuple):
    """A graph whose statements this module writes itself rather than with
    ``Digraph.node()``/``edge()``: the same DOT at a fraction of the cost, which matters
    when a registry has hundreds of charts. :meth:`source` equals ``digraph().source``."""

    name: str
    graph_attr: dict[str, str]
    node_attr: dict[str, str]
    body: list[str]

    def digraph(self) -> graphviz.Digraph:
        return graphviz.Digraph(
            name=self.name,
            graph_attr=self.graph_attr,
            node_attr=self.node_attr,
            edge_attr=_EDGE_DEFAULTS,
            body=self.body,
        )

    def source(self) -> str:
        return (
            f"digraph {_dot_id(self.name)} {{\n"
            f"\tgraph{_attrs(self.graph_attr)}\n"
            f"\tnode{_attrs(self.node_attr)}\n"
            f"\tedge{_attrs(_EDGE_DEFAULTS)}\n" + "".join(self.body) + "}\n"
        )


def _chart(flowchart: Flowchart, power: Power | None, registry: Registry | None) -> _Drawing:
    if power is None and registry is not None:
        power = _owner(flowchart, registry)
    risks_at: dict[str, list[RiskPoint]] = {}
    for r in power.risk_points if power else []:
        if r.flowchart_id == flowchart.id:
            risks_at.setdefault(r.step_id, []).append(r)
    body = []
    for step in flowchart.steps:
        risks = risks_at.get(step.id, [])
        top = max((r.level for r in risks), key=lambda lv: lv.rank, default=None)
        label = _step_label(step, [r.id for r in risks])
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


def render(
    flowchart: Flowchart, power: Power | None = None, registry: Registry | None = None
) -> graphviz.Digraph:
    """Draw one flowchart; the result shows inline in Jupyter, ``.source`` is its DOT.

    Args:
        flowchart: the chart to draw.
        power: the power it belongs to, for the header and the risk points; found in
            ``registry`` by the chart's global id when not given.
        registry: gives the category name in the header.

    Examples:
        >>> import powerreg
        >>> reg = powerreg.load("examples/minimal")
        >>> g = render(reg.powers["CF-001"].flowcharts[0], registry=reg)
        >>> 'color="#b71c1c" fillcolor="#ef9a9a"' in g.source
        True
    """
    return _chart(flowchart, power, registry).digraph()


def dot_source(
    flowchart: Flowchart, power: Power | None = None, registry: Registry | None = None
) -> str:
    """The DOT text of :func:`render` (made without building the graph object), for users
    who post-process it."""
    return _chart(flowchart, power, registry).source()


# ---------------------------------------------------------------------------- overview


def _level_cells(counts: Counter[Level]) -> str:
    cells = ""
    for level in Level:
        n = counts[level]
        fill = LEVEL_COLORS[level][0] if n else "white"
        cells += f'<TD BGCOLOR="{fill}" WIDTH="34">{LABELS_ZH[level.value]} {n}</TD>'
    return cells


def render_category(registry: Registry, code: str) -> graphviz.Digraph:
    """Overview of one category: its powers, each with its charts, its risk points by
    level and its countermeasures.

    Raises:
        UsageError: if the registry has no such category.

    Examples:
        >>> import powerreg
        >>> g = render_category(powerreg.load("examples/minimal"), "XK")
        >>> '_category -> "XK-001"' in g.source
        True
    """
    try:
        category = registry.category(code)
    except KeyError:
        codes = ", ".join(c.code for c in registry.categories)
        raise UsageError(
            f"registry {registry.id} has no category '{code}' (categories: {codes})"
        ) from None
    powers = registry.powers_of(code)
    totals: Counter[Level] = Counter(r.level for p in powers for r in p.risk_points)
    n_charts = sum(len(p.flowcharts) for p in powers)
    head = [
        _font(_lines(category.name, 10), 16),
        _font(escape(code), 11, _MUTED),
        escape(f"{len(powers)}项权力 · {n_charts}张流程图"),
        escape(f"{sum(totals.values())}个廉政风险点"),
    ]
    root = _html(
        f'<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" COLOR="{_RULE}">'
        f'<TR><TD COLSPAN="3" BGCOLOR="{_PANEL_HEAD}"><TABLE BORDER="0" CELLPADDING="2">'
        + "".join(f"<TR><TD>{row}</TD></TR>" for row in head)
        + f"</TABLE></TD></TR><TR>{_level_cells(totals)}</TR></TABLE>"
    )
    body = [_node(CATEGORY_NODE, root, _OVERVIEW)]
    for p in powers:
        counts: Counter[Level] = Counter(r.level for r in p.risk_points)
        measures = sum(len(r.countermeasures) for r in p.risk_points)
        top = max(counts, key=lambda lv: lv.rank, default=None)
        border = LEVEL_COLORS[top][1] if top else _RULE
        charts = f"{len(p.flowcharts)}张流程图 · {measures}条措施"
        label = _html(
            f'<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" '
            f'COLOR="{border}"><TR>'
            f'<TD WIDTH="64">{escape(p.id)}</TD>'
            f'<TD WIDTH="216" ALIGN="LEFT" BALIGN="LEFT">{_lines(p.name, 15)}</TD>'
            f'<TD WIDTH="140">{_font(escape(charts), 10, _MUTED)}</TD>'
            f"{_level_cells(counts)}</TR></TABLE>"
        )
        body.append(_node(p.id, label, _OVERVIEW))
        body.append(_edge(CATEGORY_NODE, p.id, _FAN))
    legend = "".join(_swatch(level) for level in Level)
    title = _lines(f"{registry.department} · {category.name}事项概览", 40)
    graph_attr = {
        **_GRAPH_DEFAULTS,
        "label": _html(
            f'<TABLE BORDER="0" CELLSPACING="4"><TR><TD COLSPAN="3">{_font(title, 16)}'
            f"</TD></TR><TR>{legend}</TR></TABLE>"
        ),
        "labelloc": "t",
        "rankdir": "LR",
        "nodesep": "0.12",
        "ranksep": "0.5",
        "splines": "line",
    }
    return _Drawing(f"{registry.id}/{code}", graph_attr, _NODE_DEFAULTS, body).digraph()


# ---------------------------------------------------------------------------- files


def _dot_executable() -> str:
    dot = shutil.which("dot")
    if dot is None:
        raise UsageError(
            "graphviz is not installed: the 'dot' program is not on PATH; install graphviz "
            "and a CJK font (e.g. 'apt-get install graphviz fonts-noto-cjk'), "
            "or write DOT sources with --format dot"
        )
    return dot


def _busy_cores() -> float:
    """How many cores other processes keep busy now: the runnable tasks besides this one
    (Linux), else the one-minute load average (which counts our own recent work too)."""
    try:
        with open("/proc/loadavg", encoding="ascii") as f:
            return max(0, int(f.read().split()[3].partition("/")[0]) - 1)
    except (OSError, ValueError, IndexError):
        try:
            return os.getloadavg()[0]
        except (AttributeError, OSError):  # pragma: no cover - no load average here
            return 0.0


def _workers(jobs: int) -> int:
    """How many ``dot`` processes share the work: one per idle core, but only for enough
    charts that a second process's start-up (~30 ms) pays for itself."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, jobs // 24, round(cores - _busy_cores())))


def _run_dot(dot: str, fmt: str, workdir: Path, sources: Iterable[str], count: int) -> list[Path]:
    """Render ``count`` DOT sources with ``dot -T<fmt> -O``, one process per idle core,
    each reading its share of the graphs on its standard input as they are made (so that
    making the next graph overlaps drawing the last); the output of each, in order."""
    n = _workers(count)
    # bitmaps at 96 dpi, so that a PNG at 100% looks like the SVG in a browser (12 pt
    # text 16 px high); graphviz's default of 72 dpi makes small Chinese hard to read
    options = [f"-T{fmt}", *(["-Gdpi=96"] if fmt == "png" else []), "-O"]
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for i in range(n):
            (workdir / f"w{i}").mkdir()
            # stderr to a file: a pipe nobody reads while we write could fill and block
            with open(workdir / f"w{i}.err", "wb") as log:
                procs.append(
                    subprocess.Popen(
                        [dot, *options],
                        cwd=workdir / f"w{i}",
                        stdin=subprocess.PIPE,
                        stdout=subprocess.DEVNULL,
                        stderr=log,
                    )
                )
        for k, source in enumerate(sources):
            stdin = procs[k % n].stdin
            assert stdin is not None
            with suppress(BrokenPipeError):  # dot has stopped; its exit status says why
                stdin.write(source.encode("utf-8"))
    except BaseException:
        for proc in procs:
            proc.kill()
        raise
    finally:
        for proc in procs:
            with suppress(BrokenPipeError):
                proc.stdin.close()  # type: ignore[union-attr]
            proc.wait()
    failures = []
    for i, proc in enumerate(procs):
        if proc.returncode != 0:
            err = (workdir / f"w{i}.err").read_text(encoding="utf-8", errors="replace")
            lines = err.strip().splitlines()
            failures.append(f"exit {proc.returncode}: " + " | ".join(lines[-5:]))
    if failures:
        raise UsageError(
            f"graphviz 'dot -T{fmt}' failed ({'; '.join(failures)}); no diagram was changed"
        )
    # -O names the outputs of the graphs it reads NAME.fmt, NAME.2.fmt, NAME.3.fmt, ...
    numbered = re.compile(rf"\.(\d+)\.{fmt}\Z")
    made = []
    for i in range(n):
        files = sorted(
            (workdir / f"w{i}").glob(f"*.{fmt}"),
            key=lambda p: int(m.group(1)) if (m := numbered.search(p.name)) else 1,
        )
        if len(files) != len(range(i, count, n)):
            raise UsageError(
                f"graphviz 'dot -T{fmt}' wrote {len(files)} files for "
                f"{len(range(i, count, n))} graphs; no diagram was changed"
            )
        made.append(files)
    return [made[k % n][k // n] for k in range(count)]


def write_diagrams(
    diagrams: Mapping[str, graphviz.Digraph | str],
    out_dir: str | os.PathLike[str],
    format: str = "svg",
) -> list[Path]:
    """Write diagrams as ``out_dir/<name>.<format>`` with one ``dot`` run (one per core).

    ``diagrams`` maps a relative name such as ``XK-001/F1`` to a graph or its DOT text.
    Outputs are made in a temporary directory inside ``out_dir`` and moved into place
    only when every diagram rendered, so a failure leaves earlier files as they were.

    Raises:
        UsageError: unknown format, ``dot`` missing or failing, or ``out_dir`` unwritable.
    """
    sources = (g if isinstance(g, str) else str(g.source) for g in diagrams.values())
    return _write(list(diagrams), sources, out_dir, format)


def _write(
    names: list[str], sources: Iterable[str], out_dir: str | os.PathLike[str], format: str
) -> list[Path]:
    if format not in FORMATS:
        raise UsageError(f"unknown diagram format '{format}' (formats: {', '.join(FORMATS)})")
    out = Path(out_dir)
    for name in names:
        parts = name.split("/")
        if not all(parts) or any(p in (".", "..") or "\\" in p for p in parts):
            raise UsageError(f"diagram name '{name}' is not a relative path like 'XK-001/F1'")
    targets = [out / f"{name}.{format}" for name in names]
    dot = _dot_executable() if format != "dot" else ""
    try:
        out.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".powerreg-render-", dir=out))
    except OSError as err:
        raise UsageError(f"cannot write diagrams to '{out}': {err.strerror or err}") from err
    try:
        if format == "dot":
            made = [work / f"{i}.gv" for i in range(len(names))]
            for path, source in zip(made, sources, strict=True):
                path.write_text(source, encoding="utf-8")
        else:
            made = _run_dot(dot, format, work, sources, len(names)) if names else []
        folders: set[Path] = set()
        for path, target in zip(made, targets, strict=True):
            if target.parent not in folders:
                target.parent.mkdir(parents=True, exist_ok=True)
                folders.add(target.parent)
            os.replace(path, target)
    except OSError as err:
        raise UsageError(f"cannot write diagrams to '{out}': {err.strerror or err}") from err
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return targets


def render_all(
    registry: Registry,
    out_dir: str | os.PathLike[str],
    format: str = "svg",
) -> list[Path]:
    """Draw every flowchart of a registry to ``out_dir/<power id>/<flowchart id>.<ext>``.

    One ``dot`` process per core renders all charts (a process per chart would pay
    graphviz's start-up each time); ``format="dot"`` writes the DOT sources only.

    Returns:
        The paths written, powers in id order.

    Raises:
        UsageError: as :func:`write_diagrams`.
    """
    charts = list(registry.iter_flowcharts())
    names = [f"{p.id}/{fc.id}" for p, fc in charts]
    return _write(names, (dot_source(fc, p, registry) for p, fc in charts), out_dir, format)
