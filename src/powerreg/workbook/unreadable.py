"""Cells that hold no value a reader can give: an error (``#DIV/0!``, ``#N/A``) and a
formula that was never calculated.

python-calamine reads both as an empty cell, so a year typed as ``=2000+11`` in a book
saved by a program that does not calculate (openpyxl, a script) would read as a year
missing, and ``#DIV/0!`` in a time limit as no time limit. :func:`unreadable_cells`
finds them with openpyxl, which reads a cell's formula and its computed value apart, so
that each is reported at its cell instead.

A book is first looked through for a formula or an error at all, as plain bytes of its
sheets (a book ``export-workbook`` writes holds neither, and is not read again); only a
book that holds one is read by openpyxl, twice: its formulas, then their values.

Examples:
    >>> import io, openpyxl
    >>> wb = openpyxl.Workbook()
    >>> wb.active.title = "清单信息"
    >>> wb.active.append(["年度", "=2000+11", "#DIV/0!", "=1/0"])
    >>> out = io.BytesIO()
    >>> wb.save(out)
    >>> unreadable_cells(out.getvalue(), ["清单信息"])["清单信息"]  # doctest: +NORMALIZE_WHITESPACE
    [Unreadable(row=1, column=2, error=None, formula='=2000+11'),
     Unreadable(row=1, column=3, error='#DIV/0!', formula=None),
     Unreadable(row=1, column=4, error=None, formula='=1/0')]
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Collection
from typing import Any, NamedTuple

__all__ = ["Unreadable", "unreadable_cells"]

#: What the XML of a sheet holding a formula (``<f>…</f>``) or an error cell (``t="e"``)
#: holds somewhere: looked for as bytes, far faster than reading the sheet. Text in a
#: cell cannot hold them (``>`` is written ``&gt;``); a book that holds them otherwise is
#: merely read again.
_MARKS = (b"f>", b'"e"')


class Unreadable(NamedTuple):
    """A cell with no value to read: an error (``error``, the error's code as Excel
    shows it) or a formula never calculated (``formula``, as typed: ``=2000+11``)."""

    row: int
    column: int
    error: str | None
    formula: str | None


def unreadable_cells(data: bytes, sheets: Collection[str]) -> dict[str, list[Unreadable]]:
    """The cells holding an error or a formula with no computed value, of each of
    ``sheets`` (by name) the ``.xlsx`` workbook ``data`` has, in the order of the sheet.

    A book openpyxl cannot read is passed over: the reader that opened it reports a
    damaged book itself.
    """
    if not _may_hold_one(data):
        return {}
    try:
        typed = _cells(data, sheets)
        computed = _cells(data, sheets, at={name: set(cells) for name, cells in typed.items()})
    except Exception:  # openpyxl's errors are of many kinds; the book is reported anyway
        return {}
    found: dict[str, list[Unreadable]] = {}
    for name, cells in typed.items():
        values = computed.get(name, {})
        out = []
        for at, (kind, value) in sorted(cells.items()):
            got_kind, got = values.get(at, (None, None))
            if got_kind == "e" or (kind == "e" and at not in values):
                out.append(Unreadable(*at, str(got if got_kind == "e" else value), None))
            elif kind == "f" and got is None:
                out.append(Unreadable(*at, None, str(value)))
        if out:
            found[name] = out
    return found


def _may_hold_one(data: bytes) -> bool:
    """Whether a sheet of the book holds a formula or an error, as bytes (see
    :data:`_MARKS`); ``True`` where that cannot be told."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    xml = archive.read(info)
                    if any(mark in xml for mark in _MARKS):
                        return True
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, EOFError, RuntimeError):
        return True
    return False


def _cells(
    data: bytes,
    sheets: Collection[str],
    at: dict[str, set[tuple[int, int]]] | None = None,
) -> dict[str, dict[tuple[int, int], tuple[str | None, Any]]]:
    """Of each of ``sheets``, the cells that hold a formula or an error, by row and
    column, with openpyxl's data type (``f``, ``e``, ``n`` …) and the formula as typed;
    or, given the cells ``at`` of each sheet, the value computed and kept with each of
    them (``None`` where none was kept), and every cell that holds an error."""
    import openpyxl

    computed = at is not None
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=computed)
    try:
        out: dict[str, dict[tuple[int, int], tuple[str | None, Any]]] = {}
        for name in book.sheetnames:
            if name not in sheets:
                continue
            cells = out[name] = {}
            wanted = at.get(name, set()) if at is not None else set()
            for row in book[name].iter_rows():
                for cell in row:
                    kind = getattr(cell, "data_type", None)
                    r, c = getattr(cell, "row", None), getattr(cell, "column", None)
                    if r is None or c is None:
                        continue  # an empty cell of a read-only sheet
                    if kind in ("f", "e") or (r, c) in wanted:
                        cells[(r, c)] = (kind, cell.value)
        return out
    finally:
        book.close()
