"""The overview of one category: its powers and their risk points by level, on sheets a
person can read.

A category of at most :data:`SHEET_POWERS` powers is one sheet, ``_categories/<code>``:
the category in front, a box per power (its charts, countermeasures and risk points by
level). A bigger category is an index sheet under the same name and numbered sheets
``_categories/<code>_2``, ``_categories/<code>_3``, … of at most :data:`SHEET_POWERS`
powers each, grouped by division: the powers of one division in id order, a division
too big for one sheet paged into equal parts, small divisions sharing a sheet in turn.
The index lists every sheet with its divisions and its first and last power and links
to it; each numbered sheet links back to the index from its category box (SVG links,
relative to the sheet's own folder). ``_`` cannot occur in a category code, so the
numbered names never meet another category's. Every sheet is laid out on its own and
has at most :data:`SHEET_POWERS` boxes (the index one table), so the cost of drawing a
category grows linearly with its powers: a star of 31,000 powers took ``dot`` minutes
and no one could read it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from ..errors import UsageError
from ..model import (
    LABELS_ZH,
    Category,
    Level,
    Power,
    Registry,
)
from .chart import _Drawing, _swatch
from .dotlang import _FAN, _GRAPH_DEFAULTS, _NODE_DEFAULTS, _OVERVIEW, _attrs, _edge, _node
from .style import _MUTED, _OVERVIEW_ATTRS, _PANEL_HEAD, _RULE, CATEGORY_NODE, LEVEL_COLORS
from .text import _font, _html, _lines, escape

# ---------------------------------------------------------------------------- overview

#: Folder of the category overviews beside the power folders of the charts. An id
#: starts with a letter or digit, so no power (id ``categories`` is valid) can take it.
OVERVIEW_DIR = "_categories"

#: The most powers one sheet of an overview shows.
SHEET_POWERS = 40

#: Sheet links per row of the index's table.
_INDEX_COLUMNS = 4

#: Name prefix of the division nodes of a numbered sheet (not an id: ids start with a
#: letter or digit).
_DIVISION_NODE = "_division"


class Sheet(NamedTuple):
    """One sheet of a category's overview."""

    #: the diagram's name, e.g. ``_categories/XK`` or ``_categories/XK_2``
    name: str
    #: 1 for the only sheet or the index, 2, 3, … for the numbered sheets
    number: int
    #: the divisions of the powers on the sheet, in the order shown
    divisions: tuple[str, ...]
    #: the powers shown; the index shows none
    powers: tuple[Power, ...]


def sheet_name(code: str, number: int = 1) -> str:
    """The diagram name of sheet ``number`` of the overview of category ``code``.

    Examples:
        >>> sheet_name("XK"), sheet_name("XK", 3)
        ('_categories/XK', '_categories/XK_3')
    """
    return f"{OVERVIEW_DIR}/{code}" if number == 1 else f"{OVERVIEW_DIR}/{code}_{number}"


def _category(registry: Registry, code: str) -> Category:
    try:
        return registry.category(code)
    except KeyError:
        codes = ", ".join(c.code for c in registry.categories)
        raise UsageError(
            "render.overview_no_category", registry=registry.id, code=code, codes=codes
        ) from None


def _plan(registry: Registry, code: str) -> list[Sheet]:
    """The sheets of a category's overview (see the module's description); linear in
    the number of its powers."""
    powers = registry.powers_of(code)
    by_division: dict[str, list[Power]] = {}
    for p in powers:  # divisions in the order of their first power's id
        by_division.setdefault(p.division, []).append(p)
    if len(powers) <= SHEET_POWERS:
        return [Sheet(sheet_name(code), 1, tuple(by_division), tuple(powers))]
    groups: list[tuple[list[str], list[Power]]] = []
    shared: tuple[list[str], list[Power]] = ([], [])
    for division, members in by_division.items():
        if len(members) > SHEET_POWERS:  # pages of equal size
            pages = -(-len(members) // SHEET_POWERS)
            size = -(-len(members) // pages)
            groups += [([division], members[i : i + size]) for i in range(0, len(members), size)]
            continue
        if len(shared[1]) + len(members) > SHEET_POWERS:
            groups.append(shared)
            shared = ([], [])
        shared[0].append(division)
        shared[1].extend(members)
        if len(shared[1]) == SHEET_POWERS:
            groups.append(shared)
            shared = ([], [])
    if shared[1]:
        groups.append(shared)
    groups.sort(key=lambda g: g[1][0].id)  # sheets in the order of their first power
    index = Sheet(sheet_name(code), 1, tuple(by_division), ())
    return [index] + [
        Sheet(sheet_name(code, k), k, tuple(divisions), tuple(members))
        for k, (divisions, members) in enumerate(groups, start=2)
    ]


def overview_sheets(registry: Registry, code: str) -> list[str]:
    """The diagram names of the sheets of a category's overview, the first being the
    only sheet or the index that links the others (see :func:`sheet_name`); the files
    are ``<diagrams>/<name>.svg``.

    Raises:
        UsageError: if the registry has no such category.

    Examples:
        >>> import powerreg
        >>> overview_sheets(powerreg.load("examples/minimal"), "XK")
        ['_categories/XK']
    """
    _category(registry, code)
    return [sheet.name for sheet in _plan(registry, code)]


def _level_cells(counts: Counter[Level]) -> str:
    cells = ""
    for level in Level:
        n = counts[level]
        fill = LEVEL_COLORS[level][0] if n else "white"
        cells += f'<TD BGCOLOR="{fill}" WIDTH="34">{LABELS_ZH[level.value]} {n}</TD>'
    return cells


def _levels(powers: Sequence[Power]) -> Counter[Level]:
    return Counter(r.level for p in powers for r in p.risk_points)


def _head(category: Category, code: str, powers: Sequence[Power], extra: list[str]) -> str:
    """The category box: name, code, what the sheet covers, its powers' risk levels."""
    totals = _levels(powers)
    n_charts = sum(len(p.flowcharts) for p in powers)
    head = [
        _font(_lines(category.name, 10), 16),
        _font(escape(code), 11, _MUTED),
        *extra,
        escape(f"{len(powers)}项权力 · {n_charts}张流程图"),
        escape(f"{sum(totals.values())}个廉政风险点"),
    ]
    return _html(
        f'<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" COLOR="{_RULE}">'
        f'<TR><TD COLSPAN="3" BGCOLOR="{_PANEL_HEAD}"><TABLE BORDER="0" CELLPADDING="2">'
        + "".join(f"<TR><TD>{row}</TD></TR>" for row in head)
        + f"</TABLE></TD></TR><TR>{_level_cells(totals)}</TR></TABLE>"
    )


def _power_box(p: Power) -> str:
    counts: Counter[Level] = Counter(r.level for r in p.risk_points)
    measures = sum(len(r.countermeasures) for r in p.risk_points)
    top = max(counts, key=lambda lv: lv.rank, default=None)
    border = LEVEL_COLORS[top][1] if top else _RULE
    charts = f"{len(p.flowcharts)}张流程图 · {measures}条措施"
    return _html(
        f'<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" '
        f'COLOR="{border}"><TR>'
        f'<TD WIDTH="64">{escape(p.id)}</TD>'
        f'<TD WIDTH="216" ALIGN="LEFT" BALIGN="LEFT">{_lines(p.name, 15)}</TD>'
        f'<TD WIDTH="140">{_font(escape(charts), 10, _MUTED)}</TD>'
        f"{_level_cells(counts)}</TR></TABLE>"
    )


def _graph_attr(registry: Registry, category: Category, subtitle: str = "") -> dict[str, str]:
    legend = "".join(_swatch(level) for level in Level)
    title = _lines(f"{registry.department} · {category.name}事项概览", 40)
    sub = f'<TR><TD COLSPAN="3">{_font(escape(subtitle), 12, _MUTED)}</TD></TR>' if subtitle else ""
    return {
        **_GRAPH_DEFAULTS,
        "label": _html(
            f'<TABLE BORDER="0" CELLSPACING="4"><TR><TD COLSPAN="3">{_font(title, 16)}'
            f"</TD></TR>{sub}<TR>{legend}</TR></TABLE>"
        ),
        "labelloc": "t",
        "rankdir": "LR",
        "nodesep": "0.12",
        "ranksep": "0.5",
        "splines": "line",
    }


def _file(name: str) -> str:
    """A sheet's file name as a link from another sheet of the same folder."""
    return name.rpartition("/")[2] + ".svg"


def _span(sheet: Sheet) -> str:
    return f"{sheet.powers[0].id}～{sheet.powers[-1].id}"


def _single(registry: Registry, category: Category, sheet: Sheet) -> _Drawing:
    """The one sheet of a small category: a star of its powers."""
    body = [_node(CATEGORY_NODE, _head(category, category.code, sheet.powers, []), _OVERVIEW)]
    for p in sheet.powers:
        body.append(_node(p.id, _power_box(p), _OVERVIEW))
        body.append(_edge(CATEGORY_NODE, p.id, _FAN))
    graph_attr = _graph_attr(registry, category)
    return _Drawing(f"{registry.id}/{category.code}", graph_attr, _NODE_DEFAULTS, body)


def _numbered(registry: Registry, category: Category, sheet: Sheet, total: int) -> _Drawing:
    """A numbered sheet: the category box (linking the index), a box per division, a box
    per power."""
    code = category.code
    where = f"第{sheet.number}张，共{total}张 · {_span(sheet)}"
    back = _attrs({**_OVERVIEW_ATTRS, "URL": _file(sheet_name(code)), "tooltip": "索引"})
    body = [_node(CATEGORY_NODE, _head(category, code, sheet.powers, [escape(where)]), back)]
    divisions = {d: f"{_DIVISION_NODE}{i}" for i, d in enumerate(sheet.divisions, start=1)}
    for division, node in divisions.items():
        members = [p for p in sheet.powers if p.division == division]
        label = _html(
            f'<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" '
            f'COLOR="{_RULE}"><TR><TD BGCOLOR="{_PANEL_HEAD}">{_lines(division, 10)}</TD></TR>'
            f"<TR><TD>{_font(escape(f'{len(members)}项权力'), 10, _MUTED)}</TD></TR></TABLE>"
        )
        body.append(_node(node, label, _OVERVIEW))
        body.append(_edge(CATEGORY_NODE, node, _FAN))
    for p in sheet.powers:
        body.append(_node(p.id, _power_box(p), _OVERVIEW))
        body.append(_edge(divisions[p.division], p.id, _FAN))
    name = f"{registry.id}/{code}_{sheet.number}"
    return _Drawing(name, _graph_attr(registry, category, where), _NODE_DEFAULTS, body)


def _index(registry: Registry, category: Category, sheets: list[Sheet]) -> _Drawing:
    """The index of a category in sheets: one table, a row per division with a link to
    each of its sheets (laid out in time linear in the number of sheets)."""
    code = category.code
    everything = [p for sheet in sheets[1:] for p in sheet.powers]
    extra = [escape(f"分{len(sheets) - 1}张，每张至多{SHEET_POWERS}项")]
    rows = [
        f'<TR><TD COLSPAN="3" BORDER="0">{_head(category, code, everything, extra)[1:-1]}</TD></TR>'
    ]
    rows.append(
        "<TR>"
        + "".join(
            f'<TD BGCOLOR="{_PANEL_HEAD}">{h}</TD>' for h in ("处室", "权力", "分张（点击打开）")
        )
        + "</TR>"
    )
    of_division: dict[str, list[Sheet]] = {d: [] for d in sheets[0].divisions}
    for sheet in sheets[1:]:
        for division in sheet.divisions:
            of_division[division].append(sheet)
    counts = Counter(p.division for p in everything)
    for division, listed in of_division.items():
        cells = [
            f'<TD HREF="{escape(_file(s.name))}" TITLE="{escape(_span(s))}">'
            f"{_font(escape(f'第{s.number}张 {_span(s)}'), 10)}</TD>"
            for s in listed
        ]
        grid = "".join(
            "<TR>" + "".join(cells[i : i + _INDEX_COLUMNS]) + "</TR>"
            for i in range(0, len(cells), _INDEX_COLUMNS)
        )
        rows.append(
            f'<TR><TD ALIGN="LEFT" BALIGN="LEFT">{_lines(division, 12)}</TD>'
            f"<TD>{counts[division]}</TD>"
            f'<TD><TABLE BORDER="0" CELLBORDER="1" CELLSPACING="2" CELLPADDING="3" '
            f'COLOR="{_RULE}">{grid}</TABLE></TD></TR>'
        )
    label = _html(
        f'<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" COLOR="{_RULE}">'
        + "".join(rows)
        + "</TABLE>"
    )
    body = [_node(CATEGORY_NODE, label, _OVERVIEW)]
    graph_attr = _graph_attr(registry, category, "索引")
    return _Drawing(f"{registry.id}/{code}", graph_attr, _NODE_DEFAULTS, body)


def _drawings(registry: Registry, code: str) -> Iterator[tuple[str, _Drawing]]:
    """Every sheet of a category's overview with its name, the first first."""
    category = _category(registry, code)
    sheets = _plan(registry, code)
    if len(sheets) == 1:
        yield sheets[0].name, _single(registry, category, sheets[0])
        return
    yield sheets[0].name, _index(registry, category, sheets)
    for sheet in sheets[1:]:
        yield sheet.name, _numbered(registry, category, sheet, len(sheets))


def overview_sources(registry: Registry, code: str) -> Iterator[tuple[str, str]]:
    """``(name, DOT text)`` of every sheet of a category's overview, as made."""
    for name, drawing in _drawings(registry, code):
        yield name, drawing.source()
