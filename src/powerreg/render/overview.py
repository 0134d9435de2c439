"""The overview of one category: its powers and their risk points by level."""

from __future__ import annotations

from collections import Counter

import graphviz

from ..errors import UsageError
from ..model import (
    LABELS_ZH,
    Level,
    Registry,
)
from .chart import _Drawing, _swatch
from .dotlang import _FAN, _GRAPH_DEFAULTS, _NODE_DEFAULTS, _OVERVIEW, _edge, _node
from .style import _MUTED, _PANEL_HEAD, _RULE, CATEGORY_NODE, LEVEL_COLORS
from .text import _font, _html, _lines, escape

# ---------------------------------------------------------------------------- overview

#: Folder of the category overviews beside the power folders of the charts. An id
#: starts with a letter or digit, so no power (id ``categories`` is valid) can take it.
OVERVIEW_DIR = "_categories"


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
