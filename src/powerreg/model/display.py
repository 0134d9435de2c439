"""How the models show themselves in a notebook: their charts and their tables.

In Jupyter a :class:`~powerreg.model.Flowchart` or a :class:`~powerreg.model.Power` shows
its chart (``_repr_svg_``), a :class:`~powerreg.model.Registry` its summary table
(``_repr_html_``), and ``registry.to_pandas()`` gives DataFrames. The model cannot draw
nor build DataFrames itself: graphviz lives in :mod:`powerreg.render` and pandas in
:mod:`powerreg.frames`, layers above the model, which the model must not import. So those
packages register themselves here when they are imported. ``import powerreg`` imports
nothing eagerly (:mod:`powerreg.lazyface`), so the first chart or table asked for imports
the package that registers it, by name (:data:`PROVIDERS`): the model still has no import
of them, and a notebook that only does ``import powerreg`` sees its charts drawn.

* :data:`DRAW` — set by :mod:`powerreg.render.inline`: the SVG text of a flowchart or of all the
  charts of a power, or ``None`` where it cannot be drawn (no Graphviz installed);
* :data:`FRAMES` — set by :mod:`powerreg.frames`: ``FRAMES(registry, lang)`` gives the
  registry's DataFrames.

Where nothing is registered even then, a chart shows as text (``_repr_svg_`` gives
``None``, which Jupyter takes as "no SVG") and ``to_pandas`` says what is missing.

The summary table is made here, from plain data, with every text escaped.

Examples:
    >>> print(html_table("示例 <1>", ["类别", "事项"], [["行政许可", 1]], footer=["合计", 1]))
    <table>
    <caption>示例 &lt;1&gt;</caption>
    <thead><tr><th>类别</th><th>事项</th></tr></thead>
    <tbody>
    <tr><td>行政许可</td><td>1</td></tr>
    </tbody>
    <tfoot><tr><th>合计</th><th>1</th></tr></tfoot>
    </table>
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from html import escape
from typing import Any

#: The SVG of a ``Flowchart`` or of all the charts of a ``Power`` (``None``: cannot draw).
#: Registered by :mod:`powerreg.render.inline` when it is imported.
DRAW: Callable[[Any], str | None] | None = None

#: ``FRAMES(registry, lang)``: the registry as DataFrames (see :func:`powerreg.frames.to_pandas`).
#: Registered by :mod:`powerreg.frames` when it is imported.
FRAMES: Callable[[Any, Any], Any] | None = None


#: The module that registers each hook when it is imported.
PROVIDERS = {"DRAW": "powerreg.render.inline", "FRAMES": "powerreg.frames"}


def _provider(name: str) -> None:
    """Import the module that registers hook ``name`` (once: a module imported before
    is not run again, so a hook set back to ``None`` stays so)."""
    importlib.import_module(PROVIDERS[name])


def svg(item: Any) -> str | None:
    """The drawing of a flowchart or power as SVG text, if a drawer is registered."""
    if DRAW is None:
        _provider("DRAW")
    return DRAW(item) if DRAW is not None else None


def frames(registry: Any, lang: Any) -> Any:
    """The registry's DataFrames from the registered builder.

    Raises:
        RuntimeError: nothing registered a builder (a broken install).
    """
    if FRAMES is None:
        _provider("FRAMES")
    if FRAMES is None:  # pragma: no cover - importing powerreg.frames registers it
        raise RuntimeError("Registry.to_pandas needs powerreg.frames, which did not register")
    return FRAMES(registry, lang)


def html_table(
    caption: str,
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    footer: Sequence[object] | None = None,
) -> str:
    """An HTML table whose every text is escaped (registry text is data, never markup)."""

    def cells(tag: str, values: Sequence[object]) -> str:
        return "".join(f"<{tag}>{escape(str(v))}</{tag}>" for v in values)

    lines = [
        "<table>",
        f"<caption>{escape(caption)}</caption>",
        f"<thead><tr>{cells('th', header)}</tr></thead>",
        "<tbody>",
        *(f"<tr>{cells('td', row)}</tr>" for row in rows),
        "</tbody>",
    ]
    if footer is not None:
        lines.append(f"<tfoot><tr>{cells('th', footer)}</tr></tfoot>")
    lines.append("</table>")
    return "\n".join(lines)
