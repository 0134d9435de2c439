"""Opening a workbook a user names: an ``.xlsx`` file, not too large, not encrypted.

The file is read whole through :func:`powerreg.readfile.read_limited` (a regular file
only, never more than the limit), then recognised by its first bytes: an ``.xlsx`` is a
zip archive holding ``xl/workbook.xml``; an OLE2 compound file is either a workbook
encrypted with a password (it holds an ``EncryptionInfo`` stream) or an old ``.xls`` /
WPS ``.et`` book. Anything else is no workbook. A zip that would unpack to more than
:data:`UNPACKED_RATIO` times the limit is refused before anything is parsed. Every
refusal is a :class:`~powerreg.readfile.UnreadableFile` (a usage error) that says what to
do.

Examples:
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "book.xlsx"
    >>> _ = path.write_text("事项名称,风险点", encoding="utf-8")
    >>> try:
    ...     book_bytes(path)
    ... except NotAWorkbook as err:
    ...     refused = err
    >>> print(refused.reason.in_lang("en"))  # doctest: +ELLIPSIS
    it is not an Excel workbook (.xlsx) but text (CSV?); open it in Excel or WPS and save ...
    >>> print(refused.reason.in_lang("zh"))  # doctest: +ELLIPSIS
    这不是 Excel 工作簿（.xlsx），而是文本（CSV？）；请在 Excel 或 WPS 中打开，另存为 ...
"""

from __future__ import annotations

import io
import os
import zipfile

from ..codes import Phrase, phrase
from ..readfile import FileTooLarge, UnreadableFile, read_limited

#: Largest workbook read by default (bytes): one of 10,000 powers is about 14 MB.
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
#: How many times the file's limit its unpacked parts may hold: text compresses about
#: tenfold in a workbook; a zip bomb a thousandfold.
UNPACKED_RATIO = 20

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: The name of the stream an encrypted OOXML file keeps its key in, as OLE2 stores it.
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")


class NotAWorkbook(UnreadableFile):
    """The file is not an ``.xlsx`` workbook (or is a damaged one)."""


class EncryptedWorkbook(UnreadableFile):
    """The workbook is encrypted with a password."""


class WorkbookTooLarge(FileTooLarge):
    """The workbook, or what it unpacks to, is over the limit."""

    def __init__(self, path: str, limit: int, size: int | None, unpacked: bool = False) -> None:
        if unpacked:
            reason = phrase("part.book_unpacks_to", size=f"{size:,}", limit=f"{limit:,}")
        elif size is not None:
            reason = phrase("part.book_is", size=f"{size:,}", limit=f"{limit:,}")
        else:
            reason = phrase("part.book_over", limit=f"{limit:,}")
        super().__init__(path, limit, size, reason)


def book_bytes(path: str | os.PathLike[str], max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of the ``.xlsx`` workbook at ``path``.

    Raises:
        NotAWorkbook: the file is no ``.xlsx`` workbook (an ``.xls``, a CSV, a zip of
            something else, a damaged archive).
        EncryptedWorkbook: the workbook is protected by a password.
        WorkbookTooLarge: the file holds more than ``max_bytes``, or unpacks to more
            than :data:`UNPACKED_RATIO` times that.
        UnreadableFile: the file is missing, not a regular file, or cannot be read.
    """
    name = os.fspath(path)
    try:
        data = read_limited(name, max_bytes)
    except FileTooLarge as err:
        raise WorkbookTooLarge(name, err.limit, err.size) from err
    if data.startswith(_ZIP):
        _check_archive(name, data, max_bytes)
        return data
    if data.startswith(_OLE):
        if _ENCRYPTION_INFO in data:
            raise EncryptedWorkbook(name, phrase("part.book_encrypted"))
        raise NotAWorkbook(name, phrase("part.book_xls"))
    raise NotAWorkbook(name, phrase("part.book_not_xlsx", what=_what(data)))


def _check_archive(name: str, data: bytes, max_bytes: int) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as err:
        raise NotAWorkbook(name, phrase("part.book_damaged", reason=str(err))) from err
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        if "content.xml" in names:
            what = phrase("part.book_ods")
        elif "word/document.xml" in names:
            what = phrase("part.book_word")
        else:
            what = phrase("part.book_zip")
        raise NotAWorkbook(name, phrase("part.book_not_xlsx", what=what))
    unpacked = sum(i.file_size for i in infos)
    if unpacked > UNPACKED_RATIO * max_bytes:
        raise WorkbookTooLarge(name, UNPACKED_RATIO * max_bytes, unpacked, unpacked=True)


def _what(data: bytes) -> Phrase:
    """What a file that is no workbook seems to be, for the message."""
    head = data[:2048]
    if not head:
        return phrase("part.book_empty")
    if head.lstrip().lower().startswith((b"<!doctype html", b"<html")):
        return phrase("part.book_html")
    if head.startswith(b"%PDF"):
        return phrase("part.book_pdf")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        try:
            head.decode("gb18030")
        except UnicodeDecodeError:
            return phrase("part.book_other")
    return phrase("part.book_text")
