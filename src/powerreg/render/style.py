"""Colours, font, wrapping widths and the names of the extra nodes of a diagram."""

from __future__ import annotations

from ..model import (
    Level,
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
