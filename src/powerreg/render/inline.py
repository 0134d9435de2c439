"""Drawings shown inline in a notebook: a chart, or every chart of a power at once.

:func:`render` draws a :class:`~powerreg.model.Flowchart` (a ``graphviz.Digraph``, as
:func:`powerreg.render.digraphs.render`) or a :class:`~powerreg.model.Power`: all its charts,
as :class:`PowerCharts`, which Jupyter shows one under the other. :func:`svg` is what the
models' ``_repr_svg_`` calls: this module registers it as
:data:`powerreg.model.display.DRAW` when it is imported, so that a chart or a power
typed at the end of a cell shows drawn rather than as text.

Examples:
    >>> import powerreg
    >>> reg = powerreg.load("examples/minimal")
    >>> drawings = render(reg.powers["XK-001"], registry=reg)
    >>> [g.name for g in drawings]
    ['XK-001/F1']
    >>> svg(reg.powers["XK-001"]).startswith("<svg")
    True
"""

from __future__ import annotations

import re
from typing import Any, overload

import graphviz

from ..model import Flowchart, Power, Registry, display
from .digraphs import render as render_chart

#: Space between two charts of one power stacked in one SVG, in points.
GAP = 18
_SVG_START = re.compile(r"<svg\b[^>]*>", re.S)
_SIZE = re.compile(r'\b(width|height)="([\d.]+)pt"')
_IDS = re.compile(r'(\bid="|url\(#|href="#)')


class PowerCharts(tuple[Any, ...]):
    """The charts of one power, drawn: a tuple of ``graphviz.Digraph``, in chart order,
    shown one under the other in a notebook."""

    @property
    def source(self) -> str:
        """The DOT text of every chart, one after the other."""
        return "".join(g.source for g in self)

    def _repr_svg_(self) -> str | None:
        return stack([g.pipe(format="svg", encoding="utf-8") for g in self]) if self else None


@overload
def render(
    item: Flowchart, power: Power | None = None, registry: Registry | None = None
) -> Any: ...
@overload
def render(item: Power, power: None = None, registry: Registry | None = None) -> PowerCharts: ...
def render(
    item: Flowchart | Power, power: Power | None = None, registry: Registry | None = None
) -> Any:
    """Draw a flowchart (a ``graphviz.Digraph``) or every chart of a power (:class:`PowerCharts`);
    either shows inline in Jupyter.

    Args:
        item: a flowchart, or a power.
        power: for a flowchart, the power it belongs to (its risk points and header);
            found in ``registry`` when not given.
        registry: gives the category name in the header.

    Raises:
        TypeError: ``item`` is neither a flowchart nor a power.
    """
    if isinstance(item, Power):
        return PowerCharts(render_chart(fc, item, registry) for fc in item.flowcharts)
    if isinstance(item, Flowchart):
        return render_chart(item, power, registry)
    raise TypeError(
        f"powerreg.render draws a Flowchart or a Power, not {type(item).__name__}; "
        "for a whole registry use powerreg.render_all"
    )


def stack(svgs: list[str]) -> str:
    """Several Graphviz SVG documents as one, one under the other, left-aligned.

    Each keeps its own coordinates inside a nested ``<svg>``; the ids of each are
    prefixed so that two charts in one page never share one.

    Examples:
        >>> one = ('<?xml version="1.0"?>\\n<svg width="10pt" height="20pt" '
        ...        'viewBox="0 0 10 20"><g id="graph0"/></svg>')
        >>> print(stack([one, one.replace("10pt", "30pt")]))  # doctest: +NORMALIZE_WHITESPACE
        <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
         width="30pt" height="58pt" viewBox="0 0 30 58">
        <svg x="0" y="0" width="10" height="20" viewBox="0 0 10 20"><g id="c1-graph0"/></svg>
        <svg x="0" y="38" width="30" height="20" viewBox="0 0 10 20"><g id="c2-graph0"/></svg>
        </svg>
    """
    parts: list[str] = []
    width = height = 0.0
    for n, text in enumerate(svgs, start=1):
        m = _SVG_START.search(text)
        if m is None:
            continue
        size = {k: float(v) for k, v in _SIZE.findall(m.group())}
        w, h = size.get("width", 0.0), size.get("height", 0.0)
        y = height + (GAP if parts else 0)
        head = _SIZE.sub(lambda s: f'{s.group(1)}="{s.group(2)}"', m.group())
        head = head.replace("<svg", f'<svg x="0" y="{y:g}"', 1)
        head = re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", head)
        body = _IDS.sub(rf"\g<1>c{n}-", text[m.end() :])
        parts.append(head + body.strip())
        width, height = max(width, w), y + h
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="{width:g}pt" height="{height:g}pt" viewBox="0 0 {width:g} {height:g}">\n'
        + "\n".join(parts)
        + "\n</svg>"
    )


def svg(item: Flowchart | Power) -> str | None:
    """The drawing of a flowchart or of a power's charts as SVG text; ``None`` when the
    Graphviz programs are not installed (the notebook then shows the text form)."""
    try:
        if isinstance(item, Power):
            return render(item)._repr_svg_()
        text: str = render(item).pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound:
        return None
    m = _SVG_START.search(text)
    return text[m.start() :] if m else text


def register() -> None:
    """Make :func:`svg` the models' drawer (:data:`powerreg.model.display.DRAW`)."""
    display.DRAW = svg


register()  # charts and powers show drawn in notebooks, once this module is imported
