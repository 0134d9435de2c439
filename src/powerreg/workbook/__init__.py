"""Workbooks in and out (Excel, WPS): registries as departments really keep them.

* :func:`read_workbook` reads a structured workbook written by :func:`write_workbook`,
  or a department's flat 一览表 (merged cells, numbered measures, Chinese words), into a
  :class:`~powerreg.model.Registry`; every problem at its sheet and cell, with the E codes
  of YAML.
* :func:`write_workbook` writes a registry as a workbook a reviewer likes to open: the
  一览表, one sheet per kind of entity, and 说明, which describes every column.

Layout: :mod:`.cells` (references, escaping, tidying) ← :mod:`.codecs` (a value in a
cell) ← :mod:`.columns` (the sheets and columns, one table for reader, writer and 说明)
← :mod:`.origins` (rows → models, problems at cells) ← :mod:`.grid`, :mod:`.measures`,
:mod:`.placeholder` ← :mod:`.flat` (the 一览表) ← :mod:`.read`; :mod:`.write`;
:mod:`.bookfile` opens a file; :mod:`.unreadable` finds the cells that hold no value to
read (an error, a formula never calculated).

The file format is the extra ``workbook`` (openpyxl, python-calamine): the two functions
are imported when first asked for, so that the audit can name the placeholder step of an
imported 一览表 (:mod:`.placeholder`) without them.

Examples:
    >>> import tempfile, powerreg
    >>> reg = powerreg.load("examples/minimal")
    >>> book = powerreg.write_workbook(reg, tempfile.mkdtemp() + "/registry.xlsx")
    >>> powerreg.read_workbook(book) == reg
    True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .bookfile import DEFAULT_MAX_BYTES, EncryptedWorkbook, NotAWorkbook, WorkbookTooLarge
from .placeholder import PLACEHOLDER_AT, PLACEHOLDER_LABEL, is_placeholder

if TYPE_CHECKING:
    from .read import read_workbook
    from .write import write_workbook


def __getattr__(name: str) -> Any:
    # openpyxl and python-calamine (extra 'workbook') are imported when first needed
    if name == "read_workbook":
        from .read import read_workbook

        return read_workbook
    if name == "write_workbook":
        from .write import write_workbook

        return write_workbook
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_MAX_BYTES",
    "PLACEHOLDER_AT",
    "PLACEHOLDER_LABEL",
    "EncryptedWorkbook",
    "NotAWorkbook",
    "WorkbookTooLarge",
    "is_placeholder",
    "read_workbook",
    "write_workbook",
]
