"""Workbook → registry: the structured book that ``export-workbook`` writes, or a
department's flat 一览表.

:func:`read_workbook` opens the book (:mod:`.bookfile`) and reads it as a structured
book (with python-calamine, which is fast) when it is one (:func:`is_structured`), else
as a flat 一览表 (:mod:`.flat`). A structured book that lacks a sheet it needs is refused,
each sheet missing named, before any row is read. Columns are found by their Chinese
headers, in any order. Every problem is collected, each at its sheet and cell, before a
:class:`~powerreg.errors.RegistryError` is raised: the same E codes as YAML, e.g.
``BOOK.xlsx:风险点!C14: E002 unknown level '较高'; use one of 高, 中, 低 (一级, 二级, 三级)``.
No cell is passed over in silence: a value in a column without a heading, an error
(``#DIV/0!``), a formula never calculated (:mod:`.unreadable`) and a yes/no value where a
number belongs are each a problem at their cell.

Examples:
    >>> import tempfile, powerreg
    >>> from powerreg.workbook import write_workbook
    >>> book = write_workbook(powerreg.load("examples/minimal"), tempfile.mkdtemp() + "/b.xlsx")
    >>> read_workbook(book) == powerreg.load("examples/minimal")
    True
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from ..codes import localized, phrase
from ..collector import gc_paused
from ..errors import RegistryError
from ..model import Registry
from ..suggest import closest
from .bookfile import DEFAULT_MAX_BYTES, NotAWorkbook, book_bytes
from .cells import as_text, column_name, squash
from .codecs import TEXT
from .columns import (
    CATEGORIES,
    COUNTERMEASURES,
    FLOWCHARTS,
    POWERS,
    REGISTRY,
    RISK_POINTS,
    SHEETS,
    STEPS,
    TRANSITIONS,
    UNITS,
    VERTICAL_HEADERS,
    Column,
    Sheet,
)
from .flat import FlatOptions, read_flat
from .origins import Origin, Problems, assemble
from .unreadable import Unreadable, unreadable_cells

#: The sheets whose presence makes a book a structured one.
STRUCTURED = (REGISTRY.name, POWERS.name)
#: The sheets only a structured book has: a flat 一览表 may have a sheet 流程环节 too.
OWN_SHEETS: tuple[Sheet, ...] = tuple(s for s in SHEETS if s is not STEPS)
#: The sheets a structured book cannot do without (机构 is optional).
NEEDED: tuple[Sheet, ...] = tuple(s for s in SHEETS if s is not UNITS)


def read_workbook(
    path: str | os.PathLike[str],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    department: str | None = None,
    year: int | None = None,
    registry_id: str | None = None,
) -> Registry:
    """Read a workbook into a registry: a structured book written by
    :func:`~powerreg.workbook.write_workbook`, or a flat 一览表.

    ``department``, ``year`` and ``registry_id`` name the registry of a flat 一览表 when
    its title row does not (a structured book names them on its sheet 清单信息).

    Raises:
        RegistryError: with every problem found, each at its sheet and cell.
        UsageError: the file is no ``.xlsx`` workbook, is encrypted, too large, or
            cannot be read.
    """
    file = os.fspath(path)
    data = book_bytes(file, max_bytes)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(book.sheet_names)
    except (CalamineError, ValueError, OSError) as err:
        raise NotAWorkbook(file, phrase("part.book_damaged", reason=str(err))) from err
    if is_structured(book, names):
        return _Structured(book, names, file, data).read()
    options = FlatOptions(department=department, year=year, registry_id=registry_id)
    return read_flat(data, file, options)


def is_structured(book: CalamineWorkbook, names: list[str]) -> bool:
    """Whether a book is a structured one (written by ``export-workbook``), whole or
    with sheets missing: it has the sheets 清单信息 and 权力事项, or two or more of the
    sheets only a structured book has (:data:`OWN_SHEETS`), each with its header row.

    A flat 一览表 is one sheet, perhaps with a sheet 流程环节; a book of a department whose
    sheets happen to be named 权力事项 and 风险点 has other headers, and is still flat.

    Examples:
        >>> import io, openpyxl
        >>> wb = openpyxl.Workbook()
        >>> wb.active.title = "风险点"
        >>> wb.active.append(["事项编号", "风险点编号", "风险等级"])
        >>> wb.create_sheet("权力事项").append(["序号", "事项名称", "风险点", "防控措施"])
        >>> def check(wb):
        ...     out = io.BytesIO()
        ...     wb.save(out)
        ...     book = CalamineWorkbook.from_filelike(io.BytesIO(out.getvalue()))
        ...     return is_structured(book, list(book.sheet_names))
        >>> check(wb)  # 权力事项 holds a 一览表
        False
        >>> wb["权力事项"].delete_rows(1)
        >>> wb["权力事项"].append(["事项编号", "职权类别", "事项名称"])
        >>> check(wb)
        True
    """
    if all(n in names for n in STRUCTURED):
        return True
    candidates = [s for s in OWN_SHEETS if s.name in names]
    if len(candidates) < 2:
        return False
    return sum(_has_header(book, s) for s in candidates) >= 2


def _has_header(book: CalamineWorkbook, sheet: Sheet) -> bool:
    """Whether the first row of a sheet is mostly the header row a structured book gives
    it (项目, 内容 for 清单信息)."""
    try:
        rows = book.get_sheet_by_name(sheet.name).to_python(skip_empty_area=False, nrows=1)
    except (CalamineError, ValueError):
        return False
    cells = [squash(as_text(c)) for c in (rows[0] if rows else []) if not _blank(c)]
    known = {squash(h) for c in sheet.all_columns for h in c.headers}
    if sheet.vertical:  # 项目, 内容; or a first field without them
        return tuple(cells[:2]) == VERTICAL_HEADERS or (bool(cells) and cells[0] in known)
    hits = sum(c in known for c in cells)
    return hits > 0 and 2 * hits >= len(cells)


#: What a cell holding only spaces starts with.
_SPACE = frozenset(" \t\n\r\u3000\xa0")


def _blank(value: Any) -> bool:
    return value == "" or value is None or (type(value) is str and value.isspace())


class _Structured:
    """Reads the sheets of a structured book, row by row, into the models' data."""

    def __init__(self, book: CalamineWorkbook, names: list[str], file: str, data: bytes) -> None:
        self.book = book
        self.names = names
        self.problems = Problems(file)
        self.data = data
        #: the cells of each sheet that hold an error or a formula never calculated
        self.unreadable: dict[str, list[Unreadable]] = {}
        #: the column number of each field on each sheet read
        self.columns: dict[str, dict[str, int]] = {}
        #: the ids of the powers on 权力事项
        self.power_ids: set[str] = set()

    # ---------------------------------------------------------------- sheets and rows

    def missing_sheets(self) -> None:
        """Refuse a book that lacks a sheet it needs (:data:`NEEDED`): a problem naming
        each, and none of what follows from it (the steps a chart has none of …).

        Raises:
            RegistryError: a sheet is missing.
        """
        for sheet in NEEDED:
            if sheet.name not in self.names:
                self.problems.at(
                    "E002.no_sheet", None, sheet=sheet.name, sheets=", ".join(self.names)
                )
        if self.problems:
            raise RegistryError(self.problems.found)

    def rows(self, sheet: Sheet) -> list[list[Any]]:
        """The cells of a sheet, row by row (none if the book has no such sheet); a
        problem at each cell that holds an error or a formula never calculated."""
        if sheet.name not in self.names:
            return []
        try:
            rows = self.book.get_sheet_by_name(sheet.name).to_python(skip_empty_area=False)
        except (CalamineError, ValueError) as err:
            raise NotAWorkbook(
                self.problems.file,
                phrase("part.book_sheet_damaged", sheet=sheet.name, reason=str(err)),
            ) from err
        for cell in self.unreadable.get(sheet.name, ()):
            self.problems.unreadable(sheet.name, cell)
        return rows

    def unheaded(self, sheet: Sheet, r: int, row: list[Any], blank: list[int]) -> None:
        """A problem at each value of a row in a column without a heading (``blank``:
        their indexes)."""
        for j in blank:
            if j < len(row) and not _blank(row[j]):
                self.problems.at("E002.no_header", sheet.name, r, j + 1, value=as_text(row[j]))

    def not_a_number(self, sheet: Sheet, r: int, j: int, column: Column, value: Any) -> None:
        """The problem of a yes/no value (``TRUE``) in a number column."""
        assert column.codec.expects is not None
        word = "TRUE" if value else "FALSE"
        self.problems.at(
            "E002.not_literal",
            sheet.name,
            r,
            j + 1,
            field=localized(column.field, column.header),
            expected=localized(*column.codec.expects),
            value=localized(f"the yes/no value {word}", f"逻辑值 {word}"),
        )
        self.problems.unread.add((sheet.name, r, j + 1))  # not also "missing"

    def header(self, sheet: Sheet, header: list[Any]) -> dict[Column, int]:
        """The index of each column of ``sheet`` in its header row; a problem for each
        unknown or repeated header and each required column missing."""
        known = {squash(h): c for c in sheet.all_columns for h in c.headers}
        found: dict[Column, int] = {}
        for j, cell in enumerate(header):
            if _blank(cell):
                continue
            column = known.get(squash(as_text(cell)))
            if column is None:
                self._unknown(sheet, 1, j + 1, as_text(cell), [c.header for c in sheet.all_columns])
            elif column in found:
                self.problems.at(
                    "E002.column_twice",
                    sheet.name,
                    1,
                    j + 1,
                    header=column.header,
                    other=column_name(found[column] + 1),
                )
            else:
                found[column] = j
        free = len(header) + 1
        for c in sheet.all_columns:
            if c not in found and sheet.required(c):
                self.problems.at(
                    "E002.missing", sheet.name, 1, free, field=localized(c.field, c.header)
                )
                free += 1
        return found

    def _unknown(self, sheet: Sheet, row: int, column: int, text: str, names: list[str]) -> None:
        close = closest(text, names)
        if close:
            self.problems.at("E002.unknown_field", sheet.name, row, column, field=text, close=close)
        else:
            self.problems.at(
                "E002.unknown_field_list",
                sheet.name,
                row,
                column,
                field=text,
                known=", ".join(names),
            )

    def records(self, sheet: Sheet) -> Iterator[tuple[int, dict[str, Any], dict[str, str]]]:
        """``(row number, the entity's data, its keys)`` of every non-empty row of a
        sheet of one entity a row, each data dict remembered with its origin."""
        rows = self.rows(sheet)
        if not rows:
            return
        found = self.header(sheet, rows[0])
        # the columns without a heading, and those of numbers, checked in every row
        blank = [j for j, cell in enumerate(rows[0]) if _blank(cell)]
        numbers = [(c, found[c]) for c in sheet.columns if c in found and c.codec.expects]
        readers = [
            (c.field, found[c], None if c.codec is TEXT else c.codec.read)
            for c in sheet.columns
            if c in found
        ]
        keys = [(c.field, found[c]) for c in sheet.keys if c in found]
        columns = {c.field: found[c] + 1 for c in sheet.all_columns if c in found}
        self.columns[sheet.name] = columns
        headers = {c.field: c.header for c in sheet.all_columns}
        codecs = {c.field: c.codec for c in sheet.all_columns}
        anchor = columns.get(sheet.columns[0].field, 1)
        origin = Origin(sheet.name, 0, columns, headers, codecs, anchor)
        origins = self.problems.rows
        flat = [(name, j, read) for name, j, read in readers if "." not in name]
        nested = [(name.partition("."), j, read) for name, j, read in readers if "." in name]
        for r, row in enumerate(rows[1:], start=2):
            # one comprehension a row: at 300,000 rows the loop is most of the reader's work
            data: dict[str, Any] = {
                name: (v if type(v) is str else as_text(v)) if read is None else read(v)
                for name, j, read in flat
                if (v := row[j]) != ""
                and (type(v) is not str or v[0] not in _SPACE or not v.isspace())
            }
            for (outer, _, inner), j, read in nested:  # a nested model: disclosure.public
                if not _blank(v := row[j]):
                    value = read(v) if read is not None else as_text(v)
                    data.setdefault(outer, {})[inner] = value
            if blank:
                self.unheaded(sheet, r, row, blank)
            for c, j in numbers:
                if type(v := row[j]) is bool:
                    self.not_a_number(sheet, r, j, c, v)
                    del data[c.field]
            ids = {
                name: t
                for name, j in keys
                if (t := (v if type(v := row[j]) is str else as_text(v)).strip())
            }
            if not data and not ids:
                continue
            origins[id(data)] = (origin, r, data)
            yield r, data, ids

    def parent(
        self,
        sheet: Sheet,
        row: int,
        ids: dict[str, str],
        parents: dict[Any, dict[str, Any]],
        parent: Sheet,
    ) -> dict[str, Any] | None:
        """The entity a row belongs to, named by its key columns; ``None`` and a problem
        if a key is empty (E002) or names nothing on the parent's sheet (E004)."""
        values = []
        for key in sheet.keys:
            value = ids.get(key.field)
            if value is None:
                if key.field in self.columns[sheet.name]:  # else reported at the header
                    self.problems.at(
                        "E002.missing",
                        sheet.name,
                        row,
                        self.columns[sheet.name][key.field],
                        field=localized(key.field, key.header),
                    )
                return None
            values.append(value)
        found = parents.get(values[0] if len(values) == 1 else tuple(values))
        if found is None:
            # the first key that names nothing: the power, else the chart or risk point
            key, value, on = sheet.keys[-1], values[-1], parent
            if len(values) > 1 and values[0] not in self.power_ids:
                key, value, on = sheet.keys[0], values[0], POWERS
            self.problems.at(
                "E004.row_parent",
                sheet.name,
                row,
                self.columns[sheet.name][key.field],
                header=key.header,
                id=value,
                sheet=on.name,
            )
        return found

    # ---------------------------------------------------------------- the registry

    def meta(self) -> dict[str, Any]:
        """The data of ``registry.yaml``: 清单信息 (one field a row) and 职权类别."""
        meta: dict[str, Any] = {}
        rows = self.rows(REGISTRY)
        known = {squash(h): c for c in REGISTRY.columns for h in c.headers}
        at: dict[str, int] = {}
        for r, row in enumerate(rows, start=1):
            label = as_text(row[0]).strip() if row else ""
            value = row[1] if len(row) > 1 else ""
            self.unheaded(REGISTRY, r, row, list(range(2, len(row))))
            if r == 1 and (squash(label), squash(as_text(value))) == VERTICAL_HEADERS:
                continue
            if not label and _blank(value):
                continue
            column = known.get(squash(label))
            if column is None:
                self._unknown(REGISTRY, r, 1, label, [c.header for c in REGISTRY.columns])
                continue
            at[column.field] = r
            if type(value) is bool and column.codec.expects:
                self.not_a_number(REGISTRY, r, 1, column, value)
            elif not _blank(value):
                meta[column.field] = column.codec.read(value)
        origin = Origin(
            REGISTRY.name,
            at.get("id", 1),
            dict.fromkeys(at, 2),
            {c.field: c.header for c in REGISTRY.columns},
            {c.field: c.codec for c in REGISTRY.columns},
            anchor=2,
            rows=at,
        )
        self.problems.remember(meta, origin)
        for c in REGISTRY.columns:
            if c.field not in at and REGISTRY.required(c):
                self.problems.at(
                    "E002.missing",
                    REGISTRY.name,
                    len(rows) + 1,
                    1,
                    field=localized(c.field, c.header),
                )
        meta["categories"] = [data for _, data, _ in self.records(CATEGORIES)]
        units = [data for _, data, _ in self.records(UNITS)]
        if units:
            meta["units"] = units
        return meta

    def read(self) -> Registry:
        """The registry the book holds; ``RegistryError`` with every problem if none."""
        # the collector paused once for the whole read: re-enabled between reading the rows
        # and building the models, it would scan every row's dict and cell at its next run
        self.missing_sheets()
        self.unreadable = unreadable_cells(self.data, [s.name for s in SHEETS])
        with gc_paused():
            meta = self.meta()
            data = self.power_data()
            return assemble(self.problems, meta, data)

    def power_data(self) -> dict[str, dict[str, Any]]:
        """The data of every power, with its flowcharts, steps, transitions, risk points
        and countermeasures gathered from their sheets."""
        data: dict[str, dict[str, Any]] = {}
        for r, row, _ in self.records(POWERS):
            pid = row.get("id")
            if not isinstance(pid, str):
                pid = f"#{r}"  # no id: checked all the same, under the name of its row
            if pid in data:
                first = self.problems.origin(data[pid])
                self.problems.at(
                    "E003.row_twice",
                    POWERS.name,
                    r,
                    self.columns[POWERS.name].get("id", 1),
                    entity=pid,
                    what=localized("power", "权力事项"),
                    id=pid,
                    other=first.row if first else "?",
                )
                continue
            row["flowcharts"], row["risk_points"] = [], []
            data[pid] = row
        self.power_ids = set(data)
        charts: dict[tuple[str, str], dict[str, Any]] = {}
        for r, chart, ids in self.records(FLOWCHARTS):
            owner = data.get(ids.get("power"))  # type: ignore[arg-type]
            if owner is None:
                owner = self.parent(FLOWCHARTS, r, ids, data, POWERS)
            if owner is not None:
                chart["steps"], chart["transitions"] = [], []
                owner["flowcharts"].append(chart)
                if isinstance(chart.get("id"), str):
                    charts.setdefault((ids["power"], chart["id"]), chart)
        for sheet, nested in ((STEPS, "steps"), (TRANSITIONS, "transitions")):
            for r, item, ids in self.records(sheet):
                # the usual case inline (100,000s of rows); self.parent says what is wrong
                found = charts.get((ids.get("power"), ids.get("flowchart")))  # type: ignore[arg-type]
                if found is None:
                    found = self.parent(sheet, r, ids, charts, FLOWCHARTS)
                if found is not None:
                    found[nested].append(item)
        risks: dict[tuple[str, str], dict[str, Any]] = {}
        for r, risk, ids in self.records(RISK_POINTS):
            owner = data.get(ids.get("power"))  # type: ignore[arg-type]
            if owner is None:
                owner = self.parent(RISK_POINTS, r, ids, data, POWERS)
            if owner is not None:
                risk["countermeasures"] = []
                owner["risk_points"].append(risk)
                if isinstance(risk.get("id"), str):
                    risks.setdefault((ids["power"], risk["id"]), risk)
        for r, measure, ids in self.records(COUNTERMEASURES):
            at = risks.get((ids.get("power"), ids.get("risk_point")))  # type: ignore[arg-type]
            if at is None:
                at = self.parent(COUNTERMEASURES, r, ids, risks, RISK_POINTS)
            if at is not None:
                at["countermeasures"].append(measure)
        return data
