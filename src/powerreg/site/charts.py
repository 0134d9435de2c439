"""The flowcharts of the site: drawn (or taken from a build) and made fit to inline.

The charts come from :mod:`powerreg.render`, which escapes every registry text it puts
in a label, so a label such as ``</svg><script>`` is text in the SVG, not markup. To
place a chart inside a page, :func:`inline_svg` drops what only a stand-alone file
needs (the XML declaration, the DOCTYPE, graphviz's comments), gives every ``id`` a
prefix of its own (two charts of one page must not share ids), and marks the drawing
as one image with a name (``role="img"``, ``aria-label``): a screen reader reads the
chart's text version, which follows it on the page.

Examples:
    >>> svg = ('<?xml version="1.0"?>\\n<!DOCTYPE svg>\\n<!-- x -->\\n'
    ...        '<svg width="8pt"><g id="node1"><title>S1</title></g></svg>\\n')
    >>> print(inline_svg(svg, "图 <F1>", "F1-"))  # doctest: +NORMALIZE_WHITESPACE
    <svg role="img" aria-label="图 &lt;F1&gt;" focusable="false"
         width="8pt"><g id="F1-node1"><title>S1</title></g></svg>
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_ID = re.compile(r'\sid="')


def inline_svg(svg: str, label: str, prefix: str) -> Markup:
    """An SVG file of graphviz's as markup to place in a page (see the module)."""
    start = svg.find("<svg")
    if start < 0:
        raise ValueError("not an SVG drawing: no <svg> element")
    body = _COMMENT.sub("", svg[start:]).strip()
    ids = f' id="{escape(prefix)}'
    if body.count('id="') == body.count(' id="'):  # graphviz's: a space before each id
        body = body.replace(' id="', ids)  # the same as the pattern, several times faster
    else:
        body = _ID.sub(ids, body)
    head = f'<svg role="img" aria-label="{escape(label)}" focusable="false"'
    return Markup(head + body[len("<svg") :])
