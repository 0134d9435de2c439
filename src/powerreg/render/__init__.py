"""Flowcharts as graphviz diagrams (SPEC §8); the only package that imports graphviz.

:func:`render` draws one power-operation flowchart: a header with the chart's title, the
power's name and time limits; start and end as rounded boxes, tasks as boxes with their
post and working days, decisions as diamonds with branch labels; steps that carry risk
points filled by their highest level and listing their risk ids; beside the chart a table
of its risk points and a legend. :func:`render_category` draws the overview of one
category, :func:`render_overview` all the sheets of a big one (at most
:data:`SHEET_POWERS` powers each, with an index; :func:`overview_sheets` names them).
:func:`render_all` writes every chart of a registry with one ``dot`` process per core,
each taking the next diagram as it gets free, atomically; :func:`start_render_all` does
it in a thread of its own while the caller does other work.

Every registry text reaches DOT through :func:`escape` inside an HTML-like label, so
quotes, braces, ``<``, ``>``, ``&`` and backslashes are data: nothing in a registry can
inject DOT, HTML-like markup or SVG. Node names are the step ids (they are the SVG
``<title>`` of each node). Text is laid out with ``Noto Sans CJK SC`` (:data:`FONT`), so
boxes fit Chinese labels.

The graphviz library makes the ``Digraph`` objects a notebook shows (:mod:`.digraphs`,
:mod:`.inline`); the files are drawn from DOT text this package writes itself
(:mod:`.chart`, :mod:`.overview`, :mod:`.files`), by the ``dot`` program. The package's
face is lazy, so drawing files never imports the library.

Examples:
    >>> import powerreg, tempfile
    >>> from powerreg.render import render, render_all
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

from typing import TYPE_CHECKING

from ..lazyface import attach

if TYPE_CHECKING:
    from .changes import change_source
    from .chart import dot_source
    from .digraphs import render, render_category, render_overview
    from .files import Drawing, render_all, start_render_all, write_diagrams
    from .overview import SHEET_POWERS, overview_sheets
    from .style import CATEGORY_NODE, FONT, FORMATS, LEVEL_COLORS, PANEL_NODE, WHEN_NODE
    from .text import escape, text_em, wrap

# each name imported with its module when first asked for (powerreg.lazyface): writing
# diagrams (render_all, the build) needs their DOT text only, never the graphviz library,
# which .digraphs and .inline import (and .inline registers the models' drawer when it is
# imported: powerreg.model.display.DRAW)
__getattr__, __dir__ = attach(
    __name__,
    {
        ".changes": ("change_source",),
        ".chart": ("dot_source",),
        ".digraphs": ("render", "render_category", "render_overview"),
        ".files": ("Drawing", "render_all", "start_render_all", "write_diagrams"),
        ".overview": ("SHEET_POWERS", "overview_sheets"),
        ".style": ("CATEGORY_NODE", "FONT", "FORMATS", "LEVEL_COLORS", "PANEL_NODE", "WHEN_NODE"),
        ".text": ("escape", "text_em", "wrap"),
    },
)

__all__ = [
    "CATEGORY_NODE",
    "FONT",
    "FORMATS",
    "LEVEL_COLORS",
    "PANEL_NODE",
    "SHEET_POWERS",
    "WHEN_NODE",
    "Drawing",
    "change_source",
    "dot_source",
    "escape",
    "overview_sheets",
    "render",
    "render_all",
    "render_category",
    "render_overview",
    "start_render_all",
    "text_em",
    "wrap",
    "write_diagrams",
]
