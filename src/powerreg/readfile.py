"""Reading a file a user names: only a regular file, and never more than a limit.

A path from a registry directory or the command line may be anything. A FIFO blocks
the reader until someone writes to it (``validate`` hangs forever); a link to
``/dev/zero`` never ends (the reader fills the memory); a size taken with ``stat``
before reading says nothing of what the read returns (a device reports 0, a file may
grow). :func:`read_limited` therefore opens without blocking (``O_NONBLOCK``: opening a
FIFO returns at once), checks on the opened descriptor (``fstat``, so the path cannot
be swapped between the check and the read) that it is a regular file, and reads at
most ``limit + 1`` bytes whatever ``stat`` said: one byte more than the limit is
enough to know the file is over it.

Every refusal is an :class:`UnreadableFile`, a :class:`~powerreg.errors.UsageError`
whose ``reason`` (a :func:`~powerreg.codes.phrase`, said in either language) a caller can
put into its own message (the loader makes it an E007 problem of the file, the policy
reader an error naming the policy).

Examples:
    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> path = os.path.join(d, "a.yaml")
    >>> with open(path, "w", encoding="utf-8") as f:
    ...     _ = f.write("id: XK-001\\n")
    >>> read_limited(path, 100)
    b'id: XK-001\\n'
    >>> try:
    ...     read_limited(path, 5)
    ... except FileTooLarge as err:
    ...     print(err.reason.in_lang("en"))
    file is 11 bytes, over the limit of 5
    >>> os.mkfifo(os.path.join(d, "pipe.yaml"))
    >>> try:
    ...     read_limited(os.path.join(d, "pipe.yaml"))
    ... except NotRegularFile as err:
    ...     print(err.reason.in_lang("en"))
    it is a FIFO (named pipe), not a regular file
    >>> try:  # said to be regular: opened without blocking, and refused all the same
    ...     read_limited(os.path.join(d, "pipe.yaml"), regular=True)
    ... except NotRegularFile as err:
    ...     print(err.reason.in_lang("zh"))
    此处是命名管道（FIFO），不是普通文件
"""

from __future__ import annotations

import errno
import os
import stat

from .codes import Phrase, phrase
from .codes.load_codes import FILE_KINDS
from .errors import UsageError

#: Largest file read by default (bytes): a registry file, a policy file.
DEFAULT_LIMIT = 1024 * 1024

#: Largest single ``read`` call: a big limit must not allocate its whole size up front.
_CHUNK = 1024 * 1024

_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO opens at once instead of waiting for a writer
    | getattr(os, "O_NOCTTY", 0)  # a terminal device never becomes our controlling tty
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)

_KINDS = (
    (stat.S_ISDIR, "directory"),
    (stat.S_ISFIFO, "fifo"),
    (stat.S_ISCHR, "char_device"),
    (stat.S_ISBLK, "block_device"),
    (stat.S_ISSOCK, "socket"),
)


class UnreadableFile(UsageError):
    """A file that was not read; ``reason`` says why, without the path (a phrase, said
    in the language of the message it is part of).

    Examples:
        >>> err = FileMissing("p.yaml", phrase("part.no_such_file"))
        >>> err.path, str(err), err.in_lang("zh")
        ('p.yaml', "cannot read 'p.yaml': no such file", "无法读取 'p.yaml'：文件不存在")
    """

    def __init__(self, path: str, reason: Phrase) -> None:
        self.path = path
        self.reason = reason
        UsageError.__init__(self, "file.unreadable", path=path, reason=reason)


class FileMissing(UnreadableFile):
    """There is no file at the path (or a link there points nowhere)."""


class ReadDenied(UnreadableFile):
    """The user running powerreg may not read the file (or search its directory)."""


class NotRegularFile(UnreadableFile):
    """The path is a directory, FIFO, device or socket; ``kind`` says which, as a key of
    :data:`~powerreg.codes.load_codes.FILE_KINDS` (``fifo``, ``char_device``…)."""

    def __init__(self, path: str, kind: str) -> None:
        self.kind = kind
        super().__init__(path, phrase("part.not_regular", kind=FILE_KINDS[kind]))


class FileTooLarge(UnreadableFile):
    """The file holds more than ``limit`` bytes; ``size`` is its size when known.
    ``reason`` says so in a subclass's own words (a workbook's)."""

    def __init__(
        self, path: str, limit: int, size: int | None, reason: Phrase | None = None
    ) -> None:
        self.limit = limit
        self.size = size
        if reason is None and size is None:
            reason = phrase("part.over_limit", limit=f"{limit:,}")
        elif reason is None:
            reason = phrase("part.too_big", size=f"{size:,}", limit=f"{limit:,}")
        super().__init__(path, reason)


def file_kind(mode: int) -> str | None:
    """What a ``st_mode`` describes when it is not a regular file (a key of
    :data:`~powerreg.codes.load_codes.FILE_KINDS`), else ``None``.

    Examples:
        >>> import stat
        >>> file_kind(stat.S_IFIFO), file_kind(stat.S_IFREG)
        ('fifo', None)
    """
    if stat.S_ISREG(mode):
        return None
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return "other"


def _failed(name: str, err: OSError) -> UnreadableFile:
    """The refusal an ``OSError`` of opening or reading ``name`` amounts to."""
    if isinstance(err, FileNotFoundError):
        return FileMissing(name, phrase("part.no_such_file"))
    if err.errno in (errno.EACCES, errno.EPERM):
        return ReadDenied(name, phrase("part.permission_denied"))
    return UnreadableFile(name, phrase("part.os_reason", reason=err.strerror or str(err)))


def read_limited(
    path: str | os.PathLike[str], limit: int = DEFAULT_LIMIT, *, regular: bool = False
) -> bytes:
    """The bytes of the regular file at ``path``, if it holds at most ``limit`` of them.
    ``regular``: the caller knows ``path`` names a regular file, not a link (a directory
    listing's ``DirEntry.is_file(follow_symlinks=False)``), so no ``stat`` precedes the
    opening; what is opened is checked all the same.

    Raises:
        FileMissing: nothing is at ``path``.
        ReadDenied: the user may not read ``path``.
        NotRegularFile: ``path`` is a directory, FIFO, device or socket (a link to
            one counts as one); such a path is never read, and a device is not opened.
        FileTooLarge: the file holds more than ``limit`` bytes (at most ``limit + 1``
            are read to find out).
        UnreadableFile: any other failure to open or read (an I/O error).

    Examples:
        >>> try:
        ...     read_limited("/dev/zero", 10)
        ... except NotRegularFile as err:
        ...     print(err)
        cannot read '/dev/zero': it is a character device, not a regular file
    """
    name = os.fspath(path)
    try:
        # Refuse a special file before opening it: opening some devices has effects
        # of its own (a tape rewinds). The fstat below closes the race with a swap.
        if not regular:
            kind = file_kind(os.stat(name).st_mode)
            if kind is not None:
                raise NotRegularFile(name, kind)
        fd = os.open(name, _FLAGS)
    except OSError as err:
        raise _failed(name, err) from err
    try:
        info = os.fstat(fd)
        kind = file_kind(info.st_mode)
        if kind is not None:
            raise NotRegularFile(name, kind)
        if info.st_size > limit:
            raise FileTooLarge(name, limit, info.st_size)
        chunks: list[bytes] = []
        got = 0
        # Never trust st_size: read until end of file or one byte past the limit.
        while got <= limit:
            chunk = os.read(fd, min(limit + 1 - got, _CHUNK))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        if got > limit:
            raise FileTooLarge(name, limit, None)
        return b"".join(chunks)
    except OSError as err:
        raise _failed(name, err) from err
    finally:
        os.close(fd)
