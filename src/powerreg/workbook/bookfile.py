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
    ...     print(err.reason)  # doctest: +ELLIPSIS
    it is not an Excel workbook (.xlsx) but text (CSV?); open it in Excel or WPS and save ...
"""

from __future__ import annotations

import io
import os
import zipfile

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

SAVE_AS = "open it in Excel or WPS and save it as .xlsx (另存为 → Excel 工作簿 *.xlsx)"


class NotAWorkbook(UnreadableFile):
    """The file is not an ``.xlsx`` workbook (or is a damaged one)."""


class EncryptedWorkbook(UnreadableFile):
    """The workbook is encrypted with a password."""


class WorkbookTooLarge(FileTooLarge):
    """The workbook, or what it unpacks to, is over the limit."""

    def __init__(self, path: str, limit: int, size: int | None, unpacked: bool = False) -> None:
        super().__init__(path, limit, size)
        what = "unpacks to" if unpacked else "is"
        amount = f"{size:,} bytes" if size is not None else "more bytes"
        self.reason = (
            f"the workbook {what} {amount}, over the limit of {limit:,}; split it, or raise "
            "the limit (--max-bytes, or read_workbook(..., max_bytes=N))"
        )
        UnreadableFile.__init__(self, path, self.reason)


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
            raise EncryptedWorkbook(
                name,
                "the workbook is encrypted with a password; open it in Excel or WPS, remove "
                "the password (文件 → 信息 → 保护工作簿 → 用密码进行加密, leave it empty) and "
                "save it again",
            )
        raise NotAWorkbook(
            name, f"it is an Excel 97–2003 (.xls) or WPS (.et) workbook, not .xlsx; {SAVE_AS}"
        )
    raise NotAWorkbook(name, f"it is not an Excel workbook (.xlsx) but {_what(data)}; {SAVE_AS}")


def _check_archive(name: str, data: bytes, max_bytes: int) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as err:
        raise NotAWorkbook(name, f"the workbook is damaged ({err}); {SAVE_AS} again") from err
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        if "content.xml" in names:
            what = "an OpenDocument spreadsheet (.ods)"
        elif "word/document.xml" in names:
            what = "a Word document"
        else:
            what = "a zip archive of something else"
        raise NotAWorkbook(name, f"it is not an Excel workbook (.xlsx) but {what}; {SAVE_AS}")
    unpacked = sum(i.file_size for i in infos)
    if unpacked > UNPACKED_RATIO * max_bytes:
        raise WorkbookTooLarge(name, UNPACKED_RATIO * max_bytes, unpacked, unpacked=True)


def _what(data: bytes) -> str:
    """What a file that is no workbook seems to be, for the message."""
    head = data[:2048]
    if not head:
        return "an empty file"
    if head.lstrip().lower().startswith((b"<!doctype html", b"<html")):
        return "a web page (HTML)"
    if head.startswith(b"%PDF"):
        return "a PDF document"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        try:
            head.decode("gb18030")
        except UnicodeDecodeError:
            return "a file of another kind"
    return "text (CSV?)"
