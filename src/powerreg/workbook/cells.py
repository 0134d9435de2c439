"""Cells: their references, the escaping text needs in a workbook, and how a clerk's
typing is tidied before it is read.

A workbook's text is XML, which cannot hold most control characters; Excel writes them as
``_xHHHH_`` (and a literal ``_x0041_`` as ``_x005F_x0041_``), and python-calamine reads
that escaping back. :func:`escape` writes text that way; :func:`unescape` undoes it where
a reader (openpyxl) does not.

People type a 一览表 by hand: full-width digits and letters (``２０``, ``Ｆ１``),
ideographic spaces, stray spaces between Chinese characters, line breaks inside a sentence.
:func:`tidy` mends prose without touching its Chinese punctuation; :func:`squash` reduces
a word to what it means for matching (headers, levels, kinds, units).

Examples:
    >>> cell_name(14, 3), column_name(28)
    ('C14', 'AB')
    >>> escape("a\\x01b_x0041_"), unescape(escape("a\\x01b_x0041_"))
    ('a_x0001_b_x005F_x0041_', 'a\\x01b_x0041_')
    >>> tidy("  建立 健全\\n审批　制度，第２２条 "), squash(" 风险 等级： ")
    ('建立健全审批制度，第22条', '风险等级:')
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

#: Characters XML 1.0 cannot hold (tab, line feed and carriage return aside), and the
#: text of an escape written literally: both written as ``_xHHHH_``.
_TO_ESCAPE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")

#: Chinese characters and punctuation: no space belongs between two of them.
_CJK = "\u2e80-\u9fff\u3000-\u303f\uf900-\ufaff\uff00-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
_SPACE_RUN = re.compile(r"\s+")
_CJK_GAP = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
#: Full-width digits and Latin letters (２０, Ｆ１), typed in Chinese input mode, and the
#: ideographic and non-breaking spaces: made ASCII.
_WIDE_RANGES = ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
_WIDE = {c: c - 0xFEE0 for lo, hi in _WIDE_RANGES for c in range(lo, hi + 1)} | {
    0x3000: 0x20,
    0xA0: 0x20,
}


def column_name(index: int) -> str:
    """The letters of a 1-based column number (``1`` → ``A``, ``28`` → ``AB``)."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_name(row: int, column: int) -> str:
    """``C14`` for row 14, column 3 (both 1-based)."""
    return f"{column_name(column)}{row}"


def escape(text: str) -> str:
    """Text as a workbook cell holds it: control characters as ``_xHHHH_``, and the
    underscore of anything that reads as such an escape as ``_x005F_``."""
    return _TO_ESCAPE.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def unescape(text: str) -> str:
    """The text a cell holding ``_xHHHH_`` escapes means (what Excel shows)."""
    if "_x" not in text:
        return text
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)


def tidy(text: str) -> str:
    """Prose as a clerk meant it: full-width digits and letters made ASCII, ideographic
    and non-breaking spaces made plain, no space or line break between two Chinese
    characters, other runs of spaces made one, the ends stripped."""
    text = text.translate(_WIDE)
    text = _CJK_GAP.sub("", text)
    return _SPACE_RUN.sub(" ", text).strip()


def squash(text: str) -> str:
    """A word reduced to what it means for matching: NFKC (full-width punctuation,
    digits and letters made ASCII, ``①`` made ``1``) and no spaces at all."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def number(value: Any) -> Any:
    """A cell's number as a whole number where it is one (``5.0`` → ``5``; Excel stores
    every number as a float); anything else as it is."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def as_text(value: Any) -> str:
    """A cell's value as the text a person sees in it: a whole number without ``.0``,
    a date as ``YYYY-MM-DD``, text as it is."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    return str(value)


def is_empty(value: Any) -> bool:
    """Whether a cell is empty: nothing, or only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())
