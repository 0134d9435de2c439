"""A sheet as a department lays it out: merged cells, a title above the header row, a
header that may take two rows.

:class:`Grid` holds a sheet's values (read with openpyxl, which knows merged cells) and
answers for every cell the value a person sees there: the value of the merged range it
lies in, and the range's first cell (its *anchor*, where the text is and where a problem
is shown). :func:`find_header` finds the header row by the headers it holds.

Examples:
    >>> g = Grid("一览表", [["一览表", None], ["事项名称", "风险点"], ["审批", "甲"], [None, "乙"]],
    ...          [((3, 1), (4, 1))])
    >>> g.value(4, 1), g.anchor(4, 1), g.value(4, 2)
    ('审批', (3, 1), '乙')
    >>> header = find_header(g, {"name": ("事项名称",), "risk": ("风险点",)}, ("name", "risk"))
    >>> header.row, header.columns
    (2, {'name': [1], 'risk': [2]})
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook

from .cells import as_text, is_empty, squash, unescape

#: Rows searched for the header row (a title and notes may stand above it).
HEADER_ROWS = 15
_NOTE = re.compile(r"\(.*?\)")


def header_key(text: str) -> str:
    """A header as it is matched: no spaces, full-width characters made ASCII, a note in
    parentheses left out (``风险等级（高/中/低）`` → ``风险等级``).

    Examples:
        >>> header_key(" 风险 等级（高/中/低） "), header_key("时限（工作日）")
        ('风险等级', '时限')
    """
    key = squash(text)
    return _NOTE.sub("", key) or key


class Grid:
    """A sheet's values with its merged ranges: rows and columns 1-based."""

    def __init__(
        self,
        name: str,
        rows: Sequence[Sequence[Any]],
        merged: Sequence[tuple[tuple[int, int], tuple[int, int]]] = (),
    ) -> None:
        self.name = name
        self.rows = [[unescape(v) if isinstance(v, str) else v for v in row] for row in rows]
        self.height = len(self.rows)
        self.width = max((len(r) for r in self.rows), default=0)
        #: every cell of a merged range (its first cell aside) → the range's first cell
        self._anchor: dict[tuple[int, int], tuple[int, int]] = {}
        #: the first cell of each merged range → its last cell
        self.ranges: dict[tuple[int, int], tuple[int, int]] = {}
        for (r0, c0), (r1, c1) in merged:
            self.ranges[(r0, c0)] = (r1, c1)
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    if (r, c) != (r0, c0):
                        self._anchor[(r, c)] = (r0, c0)

    def raw(self, row: int, column: int) -> Any:
        """The value stored in a cell (``None`` for the hidden cells of a merged range)."""
        if 1 <= row <= self.height:
            cells = self.rows[row - 1]
            if 1 <= column <= len(cells):
                return cells[column - 1]
        return None

    def anchor(self, row: int, column: int) -> tuple[int, int]:
        """The cell whose value this one shows: the first cell of its merged range, or
        the cell itself."""
        return self._anchor.get((row, column), (row, column))

    def value(self, row: int, column: int) -> Any:
        """The value a person sees in a cell (that of its merged range)."""
        return self.raw(*self.anchor(row, column))

    def text(self, row: int, column: int) -> str:
        """The value a person sees in a cell as text (``""`` if empty)."""
        value = self.value(row, column)
        return "" if is_empty(value) else as_text(value)

    def merged(self, row: int, column: int) -> bool:
        """Whether a cell lies in a merged range."""
        return (row, column) in self._anchor or (row, column) in self.ranges

    def span(self, row: int, column: int) -> int:
        """How many columns the merged range of a cell spans (1 if it is not merged)."""
        r0, c0 = self.anchor(row, column)
        end = self.ranges.get((r0, c0))
        return 1 if end is None else end[1] - c0 + 1


@dataclass
class Header:
    """A header row found: its (last) row, and the columns of each role found in it."""

    row: int
    columns: dict[str, list[int]] = field(default_factory=dict)
    #: the first row of the header (``row`` unless it takes two rows)
    top: int = 0
    #: the header's text in the book, by column
    texts: dict[int, str] = field(default_factory=dict)
    #: the cell each column's header is written in (the first of its merged range), by
    #: column: the columns of one header merged across them share it
    cells: dict[int, tuple[int, int]] = field(default_factory=dict)

    def first(self, role: str) -> int | None:
        """The first column of a role, if the header has one."""
        found = self.columns.get(role)
        return found[0] if found else None


def _roles_of(grid: Grid, row: int, lookup: Mapping[str, str]) -> dict[int, str]:
    found = {}
    for c in range(1, grid.width + 1):
        if grid.anchor(row, c)[0] != row and grid.merged(row, c):
            continue  # a title merged down into this row
        text = grid.text(row, c)
        role = lookup.get(header_key(text)) if text else None
        if role is not None:
            found[c] = role
    return found


def find_header(
    grid: Grid, headers: Mapping[str, Sequence[str]], needed: Sequence[str]
) -> Header | None:
    """The header row of a sheet: the first of its first :data:`HEADER_ROWS` rows that
    holds a header of each role in ``needed``. A second header row below it (``防控措施``
    over ``前期预防 | 中期监控 | 后期处置``) is read with it, the lower header winning.

    ``headers`` gives, for each role, every header read as it.
    """
    lookup = {header_key(h): role for role, hs in headers.items() for h in hs}
    for r in range(1, min(grid.height, HEADER_ROWS) + 1):
        roles = _roles_of(grid, r, lookup)
        if not set(needed) <= set(roles.values()):
            continue
        header = Header(r, top=r)
        below = _roles_of(grid, r + 1, lookup) if r < grid.height else {}
        if below and all(grid.merged(r, c) or c not in roles for c in below):
            roles |= below  # a two-row header: the lower row names the split columns
            header.row = r + 1
        for c, role in sorted(roles.items()):
            header.columns.setdefault(role, []).append(c)
            header.texts[c] = grid.text(header.row if c in below else r, c)
            header.cells[c] = grid.anchor(header.row if c in below else r, c)
        return header
    return None


def read_grids(data: bytes) -> list[Grid]:
    """Every worksheet of an ``.xlsx`` workbook as a :class:`Grid` (read with openpyxl:
    merged ranges, and the values Excel last computed for formulas)."""
    book = load_workbook(io.BytesIO(data), data_only=True)
    grids = []
    for ws in book.worksheets:
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        merged = [((m.min_row, m.min_col), (m.max_row, m.max_col)) for m in ws.merged_cells.ranges]
        grids.append(Grid(ws.title, rows, merged))
    book.close()
    return grids
