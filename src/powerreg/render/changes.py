"""One flowchart as it changed between two editions: the steps and moves of both, marked.

Added steps and transitions are drawn in green with a heavy line and the word 新增; removed
ones dashed and grey with 删除; a relabelled step shows its old label struck through above
the new one, a re-timed step both budgets. Everything else is drawn as in :mod:`.chart`,
plainly. Registry text goes through :func:`~.text.escape` like every label.

Examples:
    >>> import powerreg
    >>> reg = powerreg.load("examples/minimal")
    >>> old = reg.powers["XK-001"].flowcharts[0]
    >>> new = old.model_copy(update={"steps": old.steps[:-1]})
    >>> src = change_source(old, new, "XK-001/F1")
    >>> "删除" in src and 'style="dashed,rounded"' in src
    True
"""

from __future__ import annotations

from ..model import Flowchart, Step, StepKind
from .dotlang import _EDGE_DEFAULTS, _GRAPH_DEFAULTS, _NODE_DEFAULTS, _attrs, _dot_id, _edge, _node
from .style import _INK, _MUTED, _WRAP_DECISION, _WRAP_TASK, _WRAP_WHEN
from .text import _font, _html, _lines, escape

#: Colours of what was added and what was removed.
ADDED = "#1b5e20"
ADDED_FILL = "#c8e6c9"
REMOVED = "#9e9e9e"

_SHAPES = {
    StepKind.START: ("box", "rounded"),
    StepKind.END: ("box", "rounded"),
    StepKind.DECISION: ("diamond", ""),
    StepKind.TASK: ("box", ""),
}


def _days(step: Step | None) -> str:
    return "" if step is None or step.days is None else f"{step.days}个工作日"


def _label(old: Step | None, new: Step | None) -> str:
    step = new or old
    assert step is not None
    width = _WRAP_DECISION if step.kind is StepKind.DECISION else _WRAP_TASK
    rows = []
    if old is not None and new is not None and old.label != new.label:
        rows.append(_font(f"<S>{_lines(old.label, width)}</S>", 10, _MUTED))
    rows.append(_lines(step.label, width))
    was, now = _days(old), _days(new)
    if old is not None and new is not None and was != now:
        rows.append(_font(escape(f"{was or '—'} → {now or '—'}"), 10, ADDED))
    elif now or was:
        rows.append(_font(escape(now or was), 10, _MUTED))
    if old is None:
        rows.append(_font("新增", 10, ADDED))
    elif new is None:
        rows.append(_font("删除", 10, REMOVED))
    elif old.label != new.label:
        rows.append(_font("改名", 10, ADDED))
    cells = "".join(f"<TR><TD>{row}</TD></TR>" for row in rows)
    return _html(
        f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">{cells}</TABLE>'
    )


def _attrs_of(old: Step | None, new: Step | None) -> str:
    step = new or old
    assert step is not None
    shape, style = _SHAPES[step.kind]
    styles = [s for s in (style, "filled") if s]
    attrs = {"shape": shape, "fillcolor": "white"}
    if old is None:
        attrs.update(color=ADDED, fillcolor=ADDED_FILL, penwidth="2.5")
    elif new is None:
        styles = ["dashed", *([style] if style else [])]
        attrs.update(color=REMOVED, fontcolor=REMOVED)
    elif old != new:
        attrs.update(color=ADDED, penwidth="2")
    attrs["style"] = ",".join(styles)
    return _attrs(attrs)


def change_source(old: Flowchart | None, new: Flowchart | None, name: str) -> str:
    """The DOT text of a chart as it changed from ``old`` to ``new`` (either may be
    ``None`` for a chart added or removed)."""
    before = {s.id: s for s in old.steps} if old else {}
    after = {s.id: s for s in new.steps} if new else {}
    order = list(after) + [sid for sid in before if sid not in after]
    body = [
        _node(
            sid, _label(before.get(sid), after.get(sid)), _attrs_of(before.get(sid), after.get(sid))
        )
        for sid in order
    ]
    old_moves = {(t.source, t.target): t.when for t in old.transitions} if old else {}
    new_moves = {(t.source, t.target): t.when for t in new.transitions} if new else {}
    for ends in list(new_moves) + [e for e in old_moves if e not in new_moves]:
        when = new_moves.get(ends, old_moves.get(ends))
        attrs: dict[str, str] = {}
        if when:
            attrs["label"] = _html(_lines(when, _WRAP_WHEN))
        if ends not in old_moves:
            attrs.update(color=ADDED, penwidth="2.5", fontcolor=ADDED)
        elif ends not in new_moves:
            attrs.update(color=REMOVED, style="dashed", fontcolor=REMOVED)
        elif old_moves[ends] != new_moves[ends]:
            attrs.update(color=ADDED, penwidth="2")
            attrs["label"] = _html(
                f"<S>{_lines(old_moves[ends] or '', _WRAP_WHEN)}</S><BR/>"
                f"{_lines(new_moves[ends] or '', _WRAP_WHEN)}"
            )
        body.append(_edge(*ends, _attrs(attrs)))
    chart = new or old
    title = chart.title if chart is not None else name
    legend = _font("绿色粗框：新增 · 灰色虚线：删除 · 删除线：原名称或原条件", 10, _MUTED)
    graph = {
        **_GRAPH_DEFAULTS,
        "label": _html(
            f"{_font(_lines(title, 30), 16)}<BR/>{_font(escape(name), 11, _INK)}<BR/>{legend}"
        ),
        "labelloc": "t",
        "rankdir": "TB",
    }
    return (
        f"digraph {_dot_id(name)} {{\n\tgraph{_attrs(graph)}\n\tnode{_attrs(_NODE_DEFAULTS)}\n"
        f"\tedge{_attrs(_EDGE_DEFAULTS)}\n" + "".join(body) + "}\n"
    )
