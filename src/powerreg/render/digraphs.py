"""The drawings as ``graphviz.Digraph`` objects, which show inline in Jupyter.

With :mod:`.inline`, which shows them, this is the only module of :mod:`powerreg.render`
that imports the graphviz library: writing diagrams to files needs their DOT text only
(:func:`.chart.dot_source`, :func:`.overview.overview_sources`, :mod:`.files`), so
``powerreg build`` and ``powerreg render`` never import it.

Examples:
    >>> import powerreg
    >>> reg = powerreg.load("examples/minimal")
    >>> fc = reg.powers["XK-001"].flowcharts[0]
    >>> from powerreg.render.chart import dot_source
    >>> render(fc, registry=reg).source == dot_source(fc, registry=reg)
    True
"""

from __future__ import annotations

import graphviz

from ..model import Flowchart, Power, Registry
from .chart import _chart, _Drawing
from .dotlang import _EDGE_DEFAULTS
from .overview import _drawings


def digraph(drawing: _Drawing) -> graphviz.Digraph:
    """The ``graphviz.Digraph`` of a drawing (its ``source`` is ``drawing.source()``)."""
    return graphviz.Digraph(
        name=drawing.name,
        graph_attr=drawing.graph_attr,
        node_attr=drawing.node_attr,
        edge_attr=_EDGE_DEFAULTS,
        body=drawing.body,
    )


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
    return digraph(_chart(flowchart, power, registry))


def render_overview(registry: Registry, code: str) -> dict[str, graphviz.Digraph]:
    """Every sheet of the overview of one category by its diagram name (see
    :func:`.overview.overview_sheets`), the only sheet or the index first.

    Raises:
        UsageError: if the registry has no such category.

    Examples:
        >>> import powerreg
        >>> list(render_overview(powerreg.load("examples/minimal"), "CF"))
        ['_categories/CF']
    """
    return {name: digraph(drawing) for name, drawing in _drawings(registry, code)}


def render_category(registry: Registry, code: str) -> graphviz.Digraph:
    """Overview of one category: its powers, each with its charts, its risk points by
    level and its countermeasures; for a category of more than
    :data:`.overview.SHEET_POWERS` powers, the index of its sheets
    (:func:`render_overview` draws them all).

    Raises:
        UsageError: if the registry has no such category.

    Examples:
        >>> import powerreg
        >>> g = render_category(powerreg.load("examples/minimal"), "XK")
        >>> '_category -> "XK-001"' in g.source
        True
    """
    _, drawing = next(_drawings(registry, code))
    return digraph(drawing)
