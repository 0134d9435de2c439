"""Writing DOT: quoted ids, attribute lists, nodes and edges, and default attributes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from .style import _INK, _MUTED, _OVERVIEW_ATTRS, _PANEL_ATTRS, _WHEN_ATTRS, FONT

_DOT_ID = re.compile(r"([A-Za-z_][A-Za-z0-9_]*|-?(\.[0-9]+|[0-9]+(\.[0-9]*)?))\Z")
_DOT_KEYWORDS = frozenset({"node", "edge", "graph", "digraph", "subgraph", "strict"})


@lru_cache(maxsize=1 << 14)  # step ids and attribute values recur in every chart
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
