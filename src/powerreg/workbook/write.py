"""Registry → a workbook a reviewer likes to open (Excel, WPS).

The book holds the 一览表 (the registry as departments keep it: one row per risk point,
the power in merged cells down the left, the countermeasures numbered in one cell), one
sheet per kind of entity (:data:`~powerreg.workbook.columns.SHEETS`: 清单信息, 职权类别,
权力事项, 流程图, 流程环节, 流转, 风险点, 防控措施) and 说明, which describes every
column. Headers are Chinese, bold and frozen; every table has a filter; columns are as
wide as their Chinese text (long prose wraps); levels, types, kinds, stages and step
kinds offer their Chinese words in a drop-down. Text is written as text, never as a
formula (a cell ``=HYPERLINK(…)`` stays what the registry says), control characters
escaped as Excel escapes them. The book is written with openpyxl, beside its target, and
renamed into place (:func:`powerreg.atomic.new_file`).

Examples:
    >>> import tempfile, powerreg
    >>> from python_calamine import CalamineWorkbook
    >>> path = write_workbook(powerreg.load("examples/minimal"), tempfile.mkdtemp() + "/b.xlsx")
    >>> CalamineWorkbook.from_path(str(path)).sheet_names  # doctest: +NORMALIZE_WHITESPACE
    ['一览表', '清单信息', '职权类别', '机构', '权力事项', '流程图', '流程环节', '流转',
     '风险点', '防控措施', '说明']
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.cell_range import MultiCellRange
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineError, CalamineWorkbook

from ..atomic import check_output, new_file
from ..codes import Phrase, phrase
from ..errors import UsageError
from ..model import Registry, RiskPoint
from .cells import column_name, escape
from .codecs import LEVEL, RISK_TYPE, Codec, LineBreak
from .columns import (
    CATEGORIES,
    COUNTERMEASURES,
    FLAT_COLUMNS,
    FLOWCHARTS,
    OVERVIEW,
    POWERS,
    README,
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
from .measures import numbered

#: Narrowest column, in characters.
MIN_WIDTH = 6
#: Rows below the data that a drop-down still covers (for rows a reviewer adds).
SPARE_ROWS = 500

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_TITLE_FONT = Font(bold=True, size=14)
_WRAP = Alignment(wrap_text=True, vertical="top")

Row = list[Any]


def write_workbook(registry: Registry, path: str | os.PathLike[str]) -> Path:
    """Write ``registry`` as a workbook at ``path`` (``.xlsx``) that
    :func:`~powerreg.workbook.read_workbook` reads back into an equal registry.

    The file is written beside ``path`` and renamed into place: a failed export leaves
    the previous file. An existing file is replaced only if it is empty or a workbook
    written by this function.

    Raises:
        UsageError: ``path`` is a directory, a link, a file of another kind, or inside
            the registry being read; or a list item of the registry holds a line break
            (a cell lists one item a line).
    """
    out = check_output(
        path,
        directory=False,
        not_ours=_not_ours,
        fix=phrase("fix.workbook_file"),
        source=registry.source_root,
    )
    # every page computed first: a registry the book cannot hold is refused before a
    # single sheet is begun
    pages = [_overview(registry), _registry_page(registry)]
    pages += [_table(sheet, rows, registry) for sheet, rows in _tables(registry)]
    pages.append(_readme())
    book = Workbook(write_only=True)
    book.properties.creator = "powerreg"
    for page in pages:
        _write(book, page)
    with new_file(out) as tmp:
        book.save(tmp)
    return out


@dataclass
class _Page:
    """One sheet as plain data: what :func:`_write` puts into the book."""

    name: str
    header: Sequence[str]
    rows: list[Row]
    widths: list[int]
    #: the cell below and right of the frozen panes
    freeze: str = "A2"
    #: the title above the header, if any (the header is then on row 2)
    title: str | None = None
    #: the codec of each column with a drop-down of its words
    codecs: Sequence[Codec | None] = ()
    #: ranges of merged cells, e.g. ``A3:A5``
    merged: list[str] = field(default_factory=list)

    @property
    def header_row(self) -> int:
        return 2 if self.title else 1


def _write(book: Workbook, page: _Page) -> None:
    ws = book.create_sheet(page.name)
    first = page.header_row
    _frame(ws, page.widths, page.freeze, first, len(page.rows))
    _choices(ws, page.codecs, first + len(page.rows), first_row=first + 1)
    if page.merged:
        ws.merged_cells = MultiCellRange(" ".join(page.merged))
    if page.title is not None:
        title = WriteOnlyCell(ws, page.title)
        title.font = _TITLE_FONT
        ws.append([title])
    ws.append(_header_cells(ws, page.header))
    for row in page.rows:
        ws.append(_cells(ws, row, page.widths))


def _not_ours(path: Path) -> Phrase | None:
    """Why a file may not be replaced: it is no workbook written by export-workbook."""
    try:
        names = CalamineWorkbook.from_path(str(path)).sheet_names
    except (CalamineError, ValueError, OSError):
        return phrase("part.not_a_workbook")
    if REGISTRY.name in names and POWERS.name in names:
        return None
    return phrase("part.workbook_not_ours")


# -------------------------------------------------------------------- cells and widths


def _width(value: Any) -> int:
    """Columns a value takes: its longest line, a Chinese character counting two (it
    takes three bytes in UTF-8, a Latin letter one: the mean of bytes and characters)."""
    if value is None:
        return 0
    text = value if isinstance(value, str) else str(value)
    if "\n" in text:
        return max(_width(line) for line in text.split("\n"))
    return (len(text.encode("utf-8")) + len(text)) // 2


def _widths(header: Sequence[str], rows: Sequence[Row], limits: Sequence[int]) -> list[int]:
    widths = [max(MIN_WIDTH, _width(h) + 2) for h in header]
    for row in rows:
        for j, value in enumerate(row):
            if value is not None:
                w = _width(value) + 1
                if w > widths[j]:
                    widths[j] = w
    return [min(w, limit) for w, limit in zip(widths, limits, strict=True)]


def _cells(ws: Any, row: Row, widths: Sequence[int]) -> list[Any]:
    """A row's cells: text as text (never a formula); text wider than its column, or of
    several lines, wrapped."""
    out: list[Any] = []
    for value, width in zip(row, widths, strict=True):
        if type(value) is not str:
            out.append(value)
            continue
        # a character takes at most two columns: most cells fit without measuring them
        wrap = "\n" in value or (2 * len(value) >= width and _width(value) >= width)
        if wrap or value.startswith("="):
            cell = WriteOnlyCell(ws, value)
            cell.data_type = "s"  # what the registry says, never a formula
            if wrap:
                cell.alignment = _WRAP
            out.append(cell)
        else:
            out.append(value)
    return out


def _header_cells(ws: Any, header: Sequence[str]) -> list[Any]:
    cells = []
    for text in header:
        cell = WriteOnlyCell(ws, text)
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _WRAP
        cells.append(cell)
    return cells


def _choices(ws: Any, codecs: Sequence[Codec | None], last_row: int, first_row: int = 2) -> None:
    """A drop-down of its Chinese words on each column of an enumeration."""
    for j, codec in enumerate(codecs):
        if codec is None or not codec.choices:
            continue
        words = ",".join(codec.choices)
        rule = DataValidation(
            type="list",
            formula1=f'"{words}"',
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            errorTitle="不在可选范围",
            error=f"可选：{codec.accepted}",
        )
        letter = column_name(j + 1)
        rule.add(f"{letter}{first_row}:{letter}{last_row + SPARE_ROWS}")
        ws.data_validations.append(rule)


def _frame(ws: Any, widths: Sequence[int], freeze: str, header_row: int, n_rows: int) -> None:
    """Widths, frozen panes and the filter: set before the first row is written (a
    write-only sheet writes them first)."""
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[column_name(j)].width = w
    ws.freeze_panes = freeze
    last = column_name(len(widths))
    ws.auto_filter.ref = f"A{header_row}:{last}{header_row + max(n_rows, 1)}"


# -------------------------------------------------------------------- the sheets


def _value(entity: Any, column: Column) -> Any:
    value = entity
    for name in column.path:
        value = getattr(value, name, None)
        if value is None:
            return None
    return column.codec.write(value)


def _tables(registry: Registry) -> Iterator[tuple[Sheet, Iterable[tuple[tuple[str, ...], Any]]]]:
    """Each sheet of one entity a row, with its entities and their keys."""
    powers = list(registry.powers.values())
    yield CATEGORIES, (((), c) for c in registry.categories)
    yield UNITS, (((), u) for u in registry.units or ())
    yield POWERS, (((), p) for p in powers)
    yield FLOWCHARTS, (((p.id,), fc) for p in powers for fc in p.flowcharts)
    yield STEPS, (((p.id, fc.id), s) for p in powers for fc in p.flowcharts for s in fc.steps)
    yield (
        TRANSITIONS,
        (((p.id, fc.id), t) for p in powers for fc in p.flowcharts for t in fc.transitions),
    )
    yield RISK_POINTS, (((p.id,), r) for p in powers for r in p.risk_points)
    yield (
        COUNTERMEASURES,
        (((p.id, r.id), m) for p in powers for r in p.risk_points for m in r.countermeasures),
    )


def _row(sheet: Sheet, keys: tuple[str, ...], entity: Any) -> Row:
    row: Row = list(keys)
    for c in sheet.columns:
        try:
            row.append(_value(entity, c))
        except LineBreak:
            gid = "/".join((*keys, str(getattr(entity, "id", ""))))
            raise UsageError("workbook.line_break", entity=gid, field=c.field) from None
    return row


def _table(
    sheet: Sheet, entities: Iterable[tuple[tuple[str, ...], Any]], registry: Registry
) -> _Page:
    columns = sheet.all_columns
    header = [c.header for c in columns]
    rows = [_row(sheet, keys, e) for keys, e in entities]
    widths = _widths(header, rows, [c.max_width for c in columns])
    codecs: list[Codec | None] = [c.codec for c in columns]
    if sheet is POWERS:  # the category: one of the codes the registry declares
        codecs[header.index("职权类别")] = _CategoryCodes(registry)
    return _Page(sheet.name, header, rows, widths, codecs=codecs)


class _CategoryCodes(Codec):
    def __init__(self, registry: Registry) -> None:
        self.choices = tuple(c.code for c in registry.categories)
        self.accepted = ", ".join(self.choices)


def _registry_page(registry: Registry) -> _Page:
    rows = [[c.header, _value(registry, c)] for c in REGISTRY.columns]
    widths = _widths(VERTICAL_HEADERS, rows, [20, 80])
    return _Page(REGISTRY.name, VERTICAL_HEADERS, rows, widths, freeze="B2")


#: The columns of the 一览表 with a drop-down.
_OVERVIEW_CHOICES: dict[str, Codec] = {"level": LEVEL, "type": RISK_TYPE}
#: The columns of the 一览表 that belong to a power, merged down its rows.
_POWER_ROLES = ("number", "category", "id", "name", "division")


def _overview(registry: Registry) -> _Page:
    """The 一览表: one row per risk point, the power's columns merged down its rows."""
    shown = [c for c in FLAT_COLUMNS if c.about]
    header = [c.header for c in shown]
    names = {c.code: c.name for c in registry.categories}
    rows: list[Row] = []
    merged: list[str] = []
    for n, p in enumerate(registry.powers.values(), start=1):
        labels = {f"{fc.id}/{s.id}": s.label for fc in p.flowcharts for s in fc.steps}
        first = len(rows)
        risks: list[RiskPoint | None] = [*p.risk_points] or [None]
        for r in risks:
            values: dict[str, Any] = {}
            if r is risks[0]:  # the cells below it are merged into it, and left empty
                values = {
                    "number": n,
                    "category": names.get(p.category, p.category),
                    "id": p.id,
                    "name": p.name,
                    "division": p.division,
                }
            if r is not None:
                values |= {
                    "step": labels.get(r.at),
                    "risk": r.description,
                    "level": LEVEL.write(r.level),
                    "type": RISK_TYPE.write(r.type),
                    "measures": numbered([m.description for m in r.countermeasures]) or None,
                }
            rows.append([_text(values.get(c.role)) for c in shown])
        if len(risks) > 1:
            for j, c in enumerate(shown, start=1):
                if c.role in _POWER_ROLES:
                    letter = column_name(j)
                    merged.append(f"{letter}{first + 3}:{letter}{len(rows) + 2}")
    limits = [60 if c.role in ("risk", "measures") else 30 for c in shown]
    return _Page(
        OVERVIEW,
        header,
        rows,
        _widths(header, rows, limits),
        freeze=f"{column_name(header.index('事项名称') + 2)}3",
        title=f"{registry.department}{registry.year}年权力运行廉政风险点及防控措施一览表",
        codecs=[
            LEVEL if c.role == "level" else RISK_TYPE if c.role == "type" else None for c in shown
        ],
        merged=[f"A1:{column_name(len(header))}1", *merged],
    )


def _text(value: Any) -> Any:
    return escape(value) if isinstance(value, str) else value


def _readme() -> _Page:
    """说明: what every column of every sheet holds."""
    header = ["工作表", "列", "字段", "必填", "可填写的值", "说明"]
    rows: list[Row] = [
        [OVERVIEW, c.header, "", "", "", c.about + "（仅供查看：导入时读取其他各表）"]
        for c in FLAT_COLUMNS
        if c.about
    ]
    for sheet in SHEETS:
        if sheet.vertical:
            rows.append([sheet.name, "项目 / 内容", "", "", "", sheet.about])
        for c in sheet.all_columns:
            where = c.field if c not in sheet.keys else ""
            required = "是" if sheet.required(c) else ""
            rows.append([sheet.name, c.header, where, required, c.codec.accepted, c.about])
    return _Page(README, header, rows, _widths(header, rows, [12, 16, 20, 6, 40, 60]))
