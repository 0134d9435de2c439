"""Problems as data: the one record of every diagnostic powerreg reports.

A :class:`Problem` is a loading problem (E codes), an audit finding (A codes), a row
left out of a case log, a deviation or an alert of the electronic supervision (M codes).
It holds the code, severity, the entity concerned, where it is (file, line, column) and
the parameters of its message; the message itself is rendered from the code's template
(:mod:`powerreg.codes`) in Chinese or English only when it is shown. It is a pydantic
model; :mod:`powerreg.errors` (the exception tree) hands it out lazily, so a command
that reports no problem (``validate`` answering from a remembered verdict) does not
import pydantic.

Examples:
    >>> p = problem("E002.missing", "powers/XK-001.yaml", 14, 7, entity="XK-001/F1/S3",
    ...             field="label")
    >>> print(p)
    powers/XK-001.yaml:14:7: E002 missing required field 'label'; add it
    >>> p.message("zh")
    '缺少必填字段 label：请补上'
    >>> p.as_line("en", severity=True)
    "powers/XK-001.yaml:14:7: E002 error missing required field 'label'; add it"
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .codes import CODES, Severity, render
from .lang import Lang, default_lang
from .textsafe import one_line

__all__ = ["Problem", "problem", "sheet_ref"]


class Problem(BaseModel):
    """One thing found, with where it is and the values of its message.

    ``file`` is relative to the registry root (or the log's name); ``line`` and
    ``column`` are 1-based and 0 when unknown (a missing directory has no line).
    ``template`` is the message's variant when the code says more than one thing
    (``missing`` for ``E002.missing``). A problem of a workbook also names its
    ``sheet`` and ``cell`` (``C14``; ``line`` and ``column`` are then the cell's row and
    column number), and is shown at ``FILE:SHEET!CELL``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    severity: Severity = "error"
    entity: str | None = None
    file: str | None = None
    line: int = 0
    column: int = 0
    params: dict[str, Any] = Field(default_factory=dict)
    template: str | None = None
    sheet: str | None = None
    cell: str | None = None

    @property
    def key(self) -> str:
        """The template's key: the code, or ``CODE.variant``."""
        return f"{self.code}.{self.template}" if self.template else self.code

    def message(self, lang: Lang | None = None) -> str:
        """The message in ``lang`` (default: from the locale), values shown safely."""
        params = {"entity": self.entity or "", **self.params}
        return render(self.key, lang or default_lang(), params)

    @property
    def where(self) -> str:
        """``FILE:LINE:COL``, ``FILE:LINE`` or ``FILE`` as far as the position is known
        (control characters in a file name shown escaped); ``FILE:SHEET!CELL`` or
        ``FILE:SHEET`` in a workbook.

        Examples:
            >>> Problem(code="E002", file="BOOK.xlsx", sheet="风险点", cell="C14").where
            'BOOK.xlsx:风险点!C14'
            >>> Problem(code="E002", file="BOOK.xlsx", sheet="Risk points", cell="C14").where
            "BOOK.xlsx:'Risk points'!C14"
        """
        if self.file is None:
            return ""
        if self.sheet is not None:
            at = sheet_ref(self.sheet) + (f"!{one_line(self.cell)}" if self.cell else "")
            return f"{one_line(self.file)}:{at}"
        parts = [one_line(self.file)]
        if self.line:
            parts.append(str(self.line))
            if self.column:
                parts.append(str(self.column))
        return ":".join(parts)

    def as_line(self, lang: Lang | None = None, *, severity: bool = False) -> str:
        """The diagnostic line, ``FILE:LINE:COL: CODE [severity ]message``: one line,
        whatever the registry or the log holds."""
        where = f"{self.where}: " if self.where else ""
        sev = f"{self.severity} " if severity else ""
        return f"{where}{self.code} {sev}{self.message(lang)}"

    def to_dict(self, lang: Lang | None = None) -> dict[str, Any]:
        """Plain data for JSON: the record with its message rendered in ``lang``."""
        return {
            "code": self.code,
            "severity": self.severity,
            "entity": self.entity,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message(lang),
            "params": self.params,
        } | ({"sheet": self.sheet, "cell": self.cell} if self.sheet is not None else {})

    def __str__(self) -> str:
        return self.as_line("en")

    @property
    def sort_key(self) -> tuple[str, str, int, int, str]:
        """Order problems by file, then sheet (in a workbook), position and code."""
        return (self.file or "", self.sheet or "", self.line, self.column, self.code)


#: Sheet names Excel writes without quotes in a reference (``风险点!C14``).
_PLAIN_SHEET = re.compile(r"\A[^\W\d]\w*\Z")


def sheet_ref(name: str) -> str:
    """A sheet's name as a cell reference writes it: quoted (``'My sheet'``, a quote
    doubled) unless it is one word, control characters shown escaped.

    Examples:
        >>> sheet_ref("风险点"), sheet_ref("2011 清单"), sheet_ref("O'Brien")
        ('风险点', "'2011 清单'", "'O''Brien'")
    """
    name = one_line(name)
    return name if _PLAIN_SHEET.match(name) else "'" + name.replace("'", "''") + "'"


def problem(
    key: str,
    file: str | None,
    line: int = 0,
    column: int = 0,
    /,
    *,
    entity: str | None = None,
    severity: Severity | None = None,
    **params: Any,
) -> Problem:
    """A :class:`Problem` of ``key`` (``CODE`` or ``CODE.variant``), its severity the
    code's default unless given.

    Examples:
        >>> p = problem("E006", "powers/X.yaml", 3, 5, construct="alias", name="*a")
        >>> p.code, p.template, p.params, p.message("en")[:26]
        ('E006', None, {'construct': 'alias', 'name': '*a'}, "YAML alias '*a' is refused")
    """
    code, _, variant = key.partition(".")
    return Problem(
        code=code,
        severity=severity or CODES[code].severity,
        entity=entity,
        file=file,
        line=line,
        column=column,
        params=params,
        template=variant or None,
    )
