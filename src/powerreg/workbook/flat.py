"""A department's flat 一览表 → registry.

The layout departments keep: one row per risk point (or per countermeasure), the power's
name and category in cells merged down the left, a title row above the header row, the
countermeasures typed into one cell as a numbered list, levels written 一级/二级/三级 or
高/中/低, full-width punctuation and stray spaces everywhere. Read here:

* the header row is the first of the first rows of a sheet that has a power's name
  (事项名称 …) and a risk point (风险点 …); columns are found by their headers
  (:data:`~powerreg.workbook.columns.FLAT_COLUMNS`), in any order; others are passed over;
* a merged cell counts in every row it covers; an empty cell of a power's column means
  "as above"; a risk point covers the rows of its merged cell (or of its text repeated);
* each numbered measure is a countermeasure, its class and stage read from its words
  (:mod:`.measures`);
* 权力类别 names become codes (行政许可 → XK …); powers without 事项编号 are numbered
  ``XK-001`` … in the book's order; 实施主体 and 承办机构 default to the department;
* the department and year come from the title row (``某某局2011年廉政风险点及防控措施一览表``)
  unless given;
* a sheet 流程环节 (事项名称, 环节名称, 承办岗位, 时限 …, one step a row, in order) gives
  each power its charts, and a risk point's 所在环节 names its step; a power without one
  gets the placeholder chart (:mod:`.placeholder`), its risk points at its placeholder
  step, and the audit says so (A107).

Examples:
    >>> import powerreg
    >>> reg = powerreg.read_workbook("examples/workbooks/risk-register.xlsx")
    >>> reg.department, reg.year, [c.code for c in reg.categories]
    ('示例市环境保护局', 2011, ['XK', 'CF'])
    >>> power = reg.powers["XK-001"]
    >>> power.name, [r.level.value for r in power.risk_points]
    ('建设项目环境影响报告表审批', ['high', 'medium', 'high'])
    >>> [(m.kind.value, m.stage.value) for m in power.risk_points[0].countermeasures]
    [('disclosure', 'before'), ('technology', 'during'), ('disclosure', 'after')]
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..codes import localized
from ..errors import RegistryError
from ..model import Registry, is_id
from .cells import column_name, squash, tidy
from .codecs import INT, LEVEL, LIMIT, RISK_TYPE, STEP_KIND, Codec
from .columns import FLAT_COLUMN, FLAT_COLUMNS, FLAT_STEP_COLUMNS, FlatColumn
from .grid import Grid, Header, find_header, header_key, read_grids
from .measures import measure_kind, measure_stage, note, split_measures
from .origins import Origin, Problems, assemble
from .placeholder import PLACEHOLDER_AT, placeholder_chart
from .unreadable import Unreadable, unreadable_cells

#: Codes of the category names in use: the seven of the seed report, the other classes
#: of the national template of 2015.
CATEGORY_CODES = {
    "行政许可": "XK",
    "非行政许可审批": "SP",
    "行政处罚": "CF",
    "行政强制": "QZ",
    "行政征收": "ZS",
    "行政检查": "JC",
    "其他行政权力": "QT",
    "其他权力": "QT",
    "行政给付": "JF",
    "行政确认": "QR",
    "行政奖励": "JL",
    "行政裁决": "CJ",
}
#: Columns of a power: a cell left empty in a power's later rows means "as above".
POWER_ROLES = (
    "id",
    "category",
    "name",
    "subject",
    "division",
    "legal_basis",
    "statutory_limit",
    "promised_limit",
    "fee",
)
RISK_ROLES = ("level", "type", "step", "manifestation", "likelihood", "impact")
MEASURE_ROLES = {"measures": None, "before": "before", "during": "during", "after": "after"}
_CODECS: dict[str, Codec] = {
    "level": LEVEL,
    "type": RISK_TYPE,
    "likelihood": INT,
    "impact": INT,
    "statutory_limit": LIMIT,
    "promised_limit": LIMIT,
    "days": INT,
    "kind": STEP_KIND,
}
_YEAR = re.compile(r"((?:19|20)\d\d)\s*年?")
#: Where the department's name ends in a title: the words that start what the book is.
_TITLE_WORDS = ("行政权力", "权力", "廉政", "风险", "职权", "岗位", "一览表", "清单", "防控")
_SPLIT_BASIS = re.compile(r"[\n;；]+")


@dataclass(frozen=True)
class FlatOptions:
    """What a 一览表 may not say itself: the department, the year, the registry's id."""

    department: str | None = None
    year: int | None = None
    registry_id: str | None = None


def read_flat(data: bytes, file: str, options: FlatOptions) -> Registry:
    """The registry of a flat 一览表 (see the module's description).

    Raises:
        RegistryError: with every problem found, each at its sheet and cell.
    """
    grids = read_grids(data)
    unreadable = unreadable_cells(data, [g.name for g in grids])
    return _Flat(grids, file, options, unreadable).read()


def _headers(columns: tuple[FlatColumn, ...]) -> dict[str, tuple[str, ...]]:
    return {c.role: c.headers for c in columns}


@dataclass
class _Cell:
    """A value and the cell it was read from (the anchor of a merged range)."""

    value: Any
    row: int
    column: int


@dataclass
class _Risk:
    anchor: tuple[int, int]
    text: str
    fields: dict[str, _Cell] = field(default_factory=dict)
    measures: list[tuple[str, str | None, _Cell, _Cell | None]] = field(default_factory=list)
    seen: set[tuple[int, int]] = field(default_factory=set)


@dataclass
class _Power:
    row: int
    fields: dict[str, _Cell] = field(default_factory=dict)
    risks: list[_Risk] = field(default_factory=list)


class _Flat:
    def __init__(
        self,
        grids: list[Grid],
        file: str,
        options: FlatOptions,
        unreadable: dict[str, list[Unreadable]] | None = None,
    ) -> None:
        self.grids = grids
        self.file = file
        self.options = options
        self.problems = Problems(file)
        #: the cells of each sheet that hold an error or a formula never calculated
        self.unreadable = unreadable or {}

    # ---------------------------------------------------------------- the layout

    def read(self) -> Registry:
        found = None
        for grid in self.grids:
            header = find_header(grid, _headers(FLAT_COLUMNS), ("name", "risk"))
            if header is not None:
                found = grid, header
                break
        if found is None:
            self.problems.at(
                "E002.no_layout", None, sheets=", ".join(g.name for g in self.grids) or "-"
            )
            raise RegistryError(self.problems.found)
        grid, header = found
        self.grid, self.header = grid, header
        self.unread()
        self.repeated()
        self.require(("name", "category", "risk", "level", "type"))
        powers = self.rows()
        meta = self.meta()
        charts = self.charts(powers)
        data = self.power_data(powers, charts, meta)
        return assemble(self.problems, meta, data)

    def require(self, roles: tuple[str, ...]) -> None:
        free = self.grid.width + 1
        for role in roles:
            if self.header.first(role) is None:
                c = FLAT_COLUMN[role]
                self.problems.at(
                    "E002.missing",
                    self.grid.name,
                    self.header.row,
                    free,
                    field=localized(c.header, c.header),
                )

    def unread(self) -> None:
        """A problem at each cell of the sheet read that holds an error (``#DIV/0!``,
        read as the text of its code) or a formula never calculated (read as empty); the
        cell is then read as empty, so nothing else is said of it."""
        for cell in self.unreadable.get(self.grid.name, ()):
            self.problems.unreadable(self.grid.name, cell)
            if cell.row <= self.grid.height and cell.column <= len(self.grid.rows[cell.row - 1]):
                self.grid.rows[cell.row - 1][cell.column - 1] = None

    def repeated(self) -> None:
        """A problem at each header written a second time (a second 防控措施 column would
        be read as more measures, a second 风险等级 not at all); the column is then not
        read. One header merged across columns is one column; two headers that mean the
        same (设定依据, 实施依据) are two columns of the same role, and both are read."""
        for columns in self.header.columns.values():
            first: dict[str, tuple[int, int]] = {}
            for c in list(columns):
                text, at = self.header.texts.get(c, ""), self.header.cells.get(c, (0, c))
                seen = first.setdefault(header_key(text), at)
                if seen == at:
                    continue
                columns.remove(c)
                if at[1] == c:  # once for a header merged across columns
                    self.problems.at(
                        "E002.column_twice",
                        self.grid.name,
                        *at,
                        header=text,
                        other=column_name(seen[1]),
                    )

    def cell(self, row: int, role: str) -> _Cell | None:
        """The first non-empty cell of a role in a row, tidied (``None`` if none)."""
        for c in self.header.columns.get(role, ()):
            text = self.grid.text(row, c)
            if text.strip():
                r, c0 = self.grid.anchor(row, c)
                return _Cell(tidy(text), r, c0)
        return None

    def is_note(self, row: int) -> bool:
        """Whether a row is no data: empty, or one merged cell across the table
        (``注：……``, ``填表人：……``)."""
        grid = self.grid
        filled = [c for c in range(1, grid.width + 1) if grid.text(row, c).strip()]
        if not filled:
            return True
        anchors = {grid.anchor(row, c) for c in filled}
        return len(anchors) == 1 and grid.span(row, filled[0]) >= min(3, grid.width)

    # ---------------------------------------------------------------- rows

    def rows(self) -> dict[str, _Power]:
        """Each power's cells and risk points, by name, in the book's order."""
        powers: dict[str, _Power] = {}
        current: _Power | None = None
        risk_column = self.header.first("risk") or 0
        for r in range(self.header.row + 1, self.grid.height + 1):
            if self.is_note(r):
                continue
            name = self.cell(r, "name")
            if name is not None:
                current = powers.setdefault(squash(name.value), _Power(r))
            if current is None:
                self.problems.at(
                    "E002.missing",
                    self.grid.name,
                    r,
                    self.header.first("name") or 1,
                    field=localized("name", FLAT_COLUMN["name"].header),
                )
                continue
            for role in POWER_ROLES:
                if role not in current.fields and (found := self.cell(r, role)) is not None:
                    current.fields[role] = found
            risk = self.risk_of(current, r, risk_column)
            if risk is not None:
                self.add_measures(risk, r)
        return powers

    def risk_of(self, power: _Power, row: int, column: int) -> _Risk | None:
        """The risk point a row belongs to: its merged cell's, the one above if its cell
        is empty or repeats the text above, else a new one."""
        text = self.cell(row, "risk")
        last = power.risks[-1] if power.risks else None
        if text is None:
            has_measures = any(self.cell(row, role) for role in MEASURE_ROLES)
            return last if has_measures else None
        anchor = (text.row, text.column)
        if last is None or (anchor != last.anchor and text.value != last.text):
            last = _Risk(anchor, text.value, {"description": text})
            power.risks.append(last)
        for role in RISK_ROLES:
            if role not in last.fields and (found := self.cell(row, role)) is not None:
                last.fields[role] = found
        return last

    def add_measures(self, risk: _Risk, row: int) -> None:
        responsible = self.cell(row, "responsible")
        for role, stage in MEASURE_ROLES.items():
            for c in self.header.columns.get(role, ()):
                anchor = self.grid.anchor(row, c)
                text = self.grid.text(row, c)
                if not text.strip() or anchor in risk.seen:
                    continue
                risk.seen.add(anchor)
                at = _Cell(text, *anchor)
                for item in split_measures(text):
                    risk.measures.append((item, stage, at, responsible))

    # ---------------------------------------------------------------- the registry

    def title(self) -> _Cell | None:
        """The first text above the header row (the book's title)."""
        for r in range(1, self.header.top):
            for c in range(1, self.grid.width + 1):
                text = self.grid.text(r, c)
                if text.strip() and self.grid.anchor(r, c) == (r, c):
                    return _Cell(tidy(text), r, c)
        return None

    def meta(self) -> dict[str, Any]:
        """The data of ``registry.yaml``: from the options, else from the title row."""
        title = self.title()
        where = (title.row, title.column) if title else (1, 1)
        text = title.value if title else ""
        department = self.options.department or _department(text)
        year: Any = self.options.year
        if year is None and (m := _YEAR.search(text)):
            year = int(m.group(1))
        for what, value, option in (
            ("department", department, "--department"),
            ("year", year, "--year"),
        ):
            if not value:
                self.problems.at(
                    "E002.book_meta",
                    self.grid.name,
                    *where,
                    what=localized(what, "部门" if what == "department" else "年度"),
                    option=option,
                )
        stem = Path(self.file).stem
        return {
            "id": self.options.registry_id or (stem if is_id(stem) else "workbook"),
            "department": department or "?",
            "year": year or 2000,
            "source": f"{Path(self.file).name}（工作表 {self.grid.name}）",
            "categories": [],
        }

    def category(self, cell: _Cell, meta: dict[str, Any], codes: dict[str, str]) -> str:
        """The code of a 权力类别 cell (a known name, a code, or a new code ``C1`` …),
        the category added to the registry the first time it is met."""
        name = cell.value
        key = squash(name)
        if key not in codes:
            code = CATEGORY_CODES.get(key)
            if code is None and is_id(key) and key.isupper():
                code = key
                name = next((n for n, c in CATEGORY_CODES.items() if c == key), key)
            if code is None or code in codes.values():
                code = f"C{len(codes) + 1}"
            codes[key] = code
            category = {"code": code, "name": name}
            self.problems.remember(category, self._origin(cell.row, {"name": cell.column}))
            meta["categories"].append(category)
        return codes[key]

    def _origin(
        self, row: int, columns: dict[str, int], rows: dict[str, int] | None = None
    ) -> Origin:
        headers = {}
        for name, c in columns.items():
            headers[name] = (
                self.header.texts.get(c) or FLAT_COLUMN.get(name, FLAT_COLUMNS[0]).header
            )
        return Origin(
            self.grid.name,
            row,
            columns,
            headers,
            _CODECS,
            anchor=next(iter(columns.values()), 1),
            rows=rows or {},
        )

    def power_data(
        self,
        powers: dict[str, _Power],
        charts: dict[str, list[dict[str, Any]]],
        meta: dict[str, Any],
    ) -> dict[str, dict[str, Any]]:
        """The data of each power, its charts and risk points, each remembered with the
        cells it came from."""
        codes: dict[str, str] = {}
        taken = {squash(p.fields["id"].value) for p in powers.values() if "id" in p.fields}
        counts: dict[str, int] = {}
        out: dict[str, dict[str, Any]] = {}
        category: _Cell | None = None
        for key, power in powers.items():
            fields = power.fields
            # a category left empty is the one above: powers are listed category by category
            if "category" in fields:
                category = fields["category"]
            elif category is not None:
                fields["category"] = category
            data: dict[str, Any] = {}
            columns: dict[str, int] = {}
            rows: dict[str, int] = {}
            for role, cell in fields.items():
                columns[role], rows[role] = cell.column, cell.row
                if role == "category":
                    data[role] = self.category(cell, meta, codes)
                elif role == "legal_basis":
                    data[role] = [tidy(b) for b in _SPLIT_BASIS.split(cell.value) if tidy(b)]
                elif role in _CODECS:
                    data[role] = _CODECS[role].read(cell.value)
                else:
                    data[role] = cell.value
            for role in ("subject", "division"):
                if role not in data and self.header.first(role) is None:
                    data[role] = meta["department"]
            for role in POWER_ROLES:  # a column empty in every row of the power
                c = self.header.first(role)
                if role not in columns and c is not None:
                    columns[role], rows[role] = c, power.row
            pid = data.get("id")
            if pid is None:
                pid = _next_id(data.get("category", "X"), counts, taken)
                data["id"] = pid
            pid = str(pid)
            power_charts = charts.get(key, [])
            data["flowcharts"] = list(power_charts)
            data["risk_points"] = [
                self.risk_data(i, risk, power_charts, data) for i, risk in enumerate(power.risks, 1)
            ]
            if any(r["at"] == PLACEHOLDER_AT for r in data["risk_points"]) or not power_charts:
                data["flowcharts"].append(placeholder_chart())
            self.problems.remember(data, self._origin(power.row, columns, rows))
            if pid in out:
                first = self.problems.origin(out[pid])
                self.problems.at(
                    "E003.row_twice",
                    self.grid.name,
                    fields["id"].row if "id" in fields else power.row,
                    columns.get("id", 1),
                    entity=pid,
                    what=localized("power", "权力事项"),
                    id=pid,
                    other=first.row if first else "?",
                )
                continue
            out[pid] = data
        return out

    def risk_data(
        self, index: int, risk: _Risk, charts: list[dict[str, Any]], power: dict[str, Any]
    ) -> dict[str, Any]:
        fields = risk.fields
        description = risk.text
        if "manifestation" in fields:
            description = f"{description}：{fields['manifestation'].value}"
        at = PLACEHOLDER_AT
        step = fields.get("step")
        if step is not None:
            found = _find_step(charts, step.value)
            if found is not None:
                at = found
            elif charts:
                labels = [s["label"] for fc in charts for s in fc["steps"]]
                self.problems.at(
                    "E004.step_label",
                    self.grid.name,
                    step.row,
                    step.column,
                    entity=f"{power.get('id')}/R{index}",
                    step=step.value,
                    name=power.get("name", "?"),
                    steps="、".join(labels[:12]) + ("…" if len(labels) > 12 else ""),
                )
            else:
                description = f"{description}（所在环节：{step.value}）"
        data: dict[str, Any] = {"id": f"R{index}", "at": at, "description": description}
        columns = {"description": risk.anchor[1], "at": step.column if step else risk.anchor[1]}
        rows = {"description": risk.anchor[0], "at": step.row if step else risk.anchor[0]}
        for role in ("level", "type", "likelihood", "impact"):
            cell = fields.get(role)
            c = self.header.first(role)
            if cell is not None:
                data[role] = _CODECS[role].read(cell.value)
                columns[role], rows[role] = cell.column, cell.row
            elif c is not None:
                columns[role], rows[role] = c, risk.anchor[0]
        data["countermeasures"] = []
        for j, (text, column_stage, at_cell, responsible) in enumerate(risk.measures, 1):
            kind, stage, body = note(text)
            kind = kind or measure_kind(body)
            measure: dict[str, Any] = {
                "id": f"M{j}",
                "kind": kind,
                "stage": stage or measure_stage(body, kind, column_stage),
                "description": body,
            }
            m_columns = {"description": at_cell.column}
            m_rows = {}
            if responsible is not None:
                measure["responsible"] = responsible.value
                m_columns["responsible"] = responsible.column
                m_rows["responsible"] = responsible.row
            self.problems.remember(measure, self._origin(at_cell.row, m_columns, m_rows))
            data["countermeasures"].append(measure)
        self.problems.remember(data, self._origin(risk.anchor[0], columns, rows))
        return data

    # ---------------------------------------------------------------- charts

    def charts(self, powers: dict[str, _Power]) -> dict[str, list[dict[str, Any]]]:
        """The charts of a sheet 流程环节, by the key of their power's name."""
        out: dict[str, list[dict[str, Any]]] = {}
        ids = {squash(p.fields["id"].value): k for k, p in powers.items() if "id" in p.fields}
        for grid in self.grids:
            if grid is self.grid:
                continue
            header = find_header(grid, _headers(FLAT_STEP_COLUMNS), ("label",))
            if header is None or not (header.first("name") or header.first("id")):
                continue
            self._steps(grid, header, powers, ids, out)
        return out

    def _steps(
        self,
        grid: Grid,
        header: Header,
        powers: dict[str, _Power],
        ids: dict[str, str],
        out: dict[str, list[dict[str, Any]]],
    ) -> None:
        power_key: str | None = None
        title = "办理流程"
        chart: dict[str, Any] | None = None

        def text(r: int, role: str) -> tuple[str, int, int] | None:
            for c in header.columns.get(role, ()):
                t = grid.text(r, c)
                if t.strip():
                    return tidy(t), *grid.anchor(r, c)
            return None

        for r in range(header.row + 1, grid.height + 1):
            name, pid = text(r, "name"), text(r, "id")
            label = text(r, "label")
            if name is None and pid is None and label is None:
                continue
            if name is not None or pid is not None:
                key = ids.get(squash(pid[0])) if pid else None
                key = key or (squash(name[0]) if name else None)
                at = name or pid
                assert at is not None
                if key not in powers:
                    self.problems.at(
                        "E004.row_parent",
                        grid.name,
                        at[1],
                        at[2],
                        header=header.texts.get(at[2], ""),
                        id=at[0],
                        sheet=self.grid.name,
                    )
                    power_key, chart = None, None
                    continue
                if key != power_key:
                    power_key, chart, title = key, None, "办理流程"
            if power_key is None or label is None:
                continue
            chart_title = text(r, "chart")
            if chart is None or (chart_title is not None and chart_title[0] != title):
                title = chart_title[0] if chart_title else title
                charts = out.setdefault(power_key, [])
                chart = {
                    "id": f"F{len(charts) + 1}",
                    "title": title,
                    "steps": [],
                    "transitions": [],
                }
                charts.append(chart)
            step: dict[str, Any] = {"id": f"S{len(chart['steps']) + 1}", "label": label[0]}
            columns = {"label": label[2]}
            for role in ("kind", "role", "days"):
                found = text(r, role)
                if found is not None:
                    step[role] = _CODECS[role].read(found[0]) if role in _CODECS else found[0]
                    columns[role] = found[2]
            headers = {k: header.texts.get(c, k) for k, c in columns.items()}
            self.problems.remember(step, Origin(grid.name, r, columns, headers, _CODECS, label[2]))
            chart["steps"].append(step)
        for charts in out.values():
            for chart in charts:
                _link(chart)


def _link(chart: dict[str, Any]) -> None:
    """Steps in order, one after the other: the first starts, the last ends."""
    steps = chart["steps"]
    for i, s in enumerate(steps):
        if "kind" not in s and len(steps) > 1:
            s["kind"] = "start" if i == 0 else "end" if i == len(steps) - 1 else "task"
    chart["transitions"] = [f"{a['id']} -> {b['id']}" for a, b in itertools.pairwise(steps)]


def _find_step(charts: list[dict[str, Any]], label: str) -> str | None:
    key = squash(label)
    for chart in charts:
        for s in chart["steps"]:
            if squash(str(s.get("label", ""))) == key:
                return f"{chart['id']}/{s['id']}"
    return None


def _next_id(category: str, counts: dict[str, int], taken: set[str]) -> str:
    """The next free power id of a category: ``XK-001``, ``XK-002`` …"""
    while True:
        counts[category] = counts.get(category, 0) + 1
        pid = f"{category}-{counts[category]:03d}"
        if pid not in taken:
            taken.add(pid)
            return pid


def _department(title: str) -> str | None:
    """The department a title names: what comes before the words that say what the
    book is, a year left out (``示例市环境保护局2011年廉政风险点一览表`` → ``示例市环境保护局``)."""
    text = _YEAR.sub("", title)
    cut = min((i for w in _TITLE_WORDS if (i := text.find(w)) > 0), default=-1)
    name = text[:cut] if cut > 0 else ""
    name = name.strip(" ：:（）()")
    return name or None
