"""Every output of powerreg is written beside its target and renamed into place.

One helper for files, one for directories, one temporary-name scheme, one check of what
may be replaced:

* :func:`new_file` gives a new empty file beside the target; when the ``with`` block
  ends it is synced to disk, renamed over the target, and the directory synced.
  :func:`write_bytes` and :func:`write_text` write one file that way.
* :func:`new_directory` gives a new empty directory beside the target; when the block
  ends it takes the target's place in one step (``renameat2(RENAME_EXCHANGE)`` where
  the system has it; else two renames, the previous directory put back if the second
  fails) and the previous directory is removed after (by a process of its own, which
  the caller does not wait for, with ``background_removal=True``: for big outputs).
* If the block raises, or the process is killed, the target is left as it was.
* Temporary names are ``.<target name>.powerreg-<pid>-<8 hex>.tmp`` (``.old`` for a
  directory moved aside during a swap). Before it writes, every helper removes what a
  killed run left beside the same target — only names of this scheme, and only if the
  process whose id they carry is gone — and puts a directory moved aside back if the
  target is missing.
* New files get the permissions of any new file (0644 under the usual umask 022), new
  directories 0755: outputs are published, not private like ``mkstemp``'s 0600.
* :func:`check_output` refuses to replace what this program did not write: special
  files, symbolic links, files or directories that are not outputs of the same kind,
  and anything inside the registry being read.

Only :mod:`powerreg.errors`, :mod:`powerreg.codes` (the refusals' words) and
:mod:`powerreg.machine` (whether a process is alive) are imported from powerreg: every
module that writes can use this one.

Examples:
    >>> import tempfile
    >>> from pathlib import Path
    >>> out = Path(tempfile.mkdtemp()) / "notes.txt"
    >>> write_text(out, "first\\n").read_text()
    'first\\n'
    >>> with new_file(out) as tmp:
    ...     _ = tmp.write_text("second\\n")
    ...     out.read_text()          # the target is unchanged until the block ends
    'first\\n'
    >>> out.read_text(), [p.name for p in out.parent.iterdir()]
    ('second\\n', ['notes.txt'])
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import secrets
import shutil
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Literal

from .codes import Phrase, phrase
from .errors import UsageError
from .machine import process_stat

#: The mark of powerreg's temporary names: ``.<name>.powerreg-<pid>-<token>.<kind>``.
TAG = "powerreg"

_TEMP = re.compile(
    rf"\A\.(?P<name>.+)\.{TAG}-(?P<pid>[1-9][0-9]*)-(?P<token>[0-9a-f]{{8}})\.(?P<kind>tmp|old)\Z",
    re.DOTALL,
)

#: Longest part of the target's name kept in a temporary name (file names end at 255 bytes).
_NAME_BYTES = 200


def _stem(target: Path) -> str:
    """The start of ``target``'s name, at most :data:`_NAME_BYTES` bytes as the file
    system takes them (a name that is not UTF-8 is kept as its bytes).

    Examples:
        >>> _stem(Path("结果" * 100))[-2:], _stem(Path(os.fsdecode(b"out\\xff")))
        ('结果', 'out\\udcff')
    """
    raw = os.fsencode(target.name)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:  # not UTF-8: its bytes, as the file system has them
        return os.fsdecode(raw[:_NAME_BYTES])
    return raw[:_NAME_BYTES].decode("utf-8", "ignore")  # cut between characters


def temp_path(
    target: str | os.PathLike[str], kind: Literal["tmp", "old"] = "tmp", *, pid: int | None = None
) -> Path:
    """A new temporary name beside ``target`` in the one scheme of powerreg.

    Examples:
        >>> p = temp_path("out/catalog.db", pid=4242)
        >>> p.parent.as_posix(), p.name[:26], p.suffix
        ('out', '.catalog.db.powerreg-4242-', '.tmp')
        >>> leftover_owner(p)
        4242
    """
    t = Path(target)
    token = secrets.token_hex(4)
    return t.with_name(f".{_stem(t)}.{TAG}-{pid or os.getpid()}-{token}.{kind}")


def leftover_owner(path: str | os.PathLike[str]) -> int | None:
    """The process id in a temporary name of powerreg's, or None for any other name.

    Examples:
        >>> leftover_owner(".site.powerreg-17-0123abcd.old"), leftover_owner("site.tmp")
        (17, None)
    """
    m = _TEMP.match(Path(path).name)
    return int(m["pid"]) if m else None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists, owned by someone else; anything else: keep it
        return True
    # a zombie has ended and waits to be reaped (a killed background removal's process,
    # say, where nothing reaps orphans): it is at work on nothing
    stat = process_stat(pid)
    return stat is None or stat[0] != "Z"


def leftovers(target: str | os.PathLike[str]) -> list[Path]:
    """Temporary files and directories that a killed run left beside ``target``: names
    of powerreg's scheme for this target whose process is gone, oldest name first.

    Examples:
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> (d / ".site.powerreg-999999999-0123abcd.tmp").mkdir()   # no such process
        >>> (d / ".site.powerreg-1-0123abcd.tmp").mkdir()           # init is alive
        >>> (d / ".site.building-0123abcd").mkdir()                  # not our scheme
        >>> [p.name for p in leftovers(d / "site")]
        ['.site.powerreg-999999999-0123abcd.tmp']
    """
    t = Path(target)
    stem = _stem(t)
    prefix = f".{stem}.{TAG}-"
    found = []
    try:
        entries = list(os.scandir(t.parent))
    except OSError:
        return []
    for entry in entries:
        if not entry.name.startswith(prefix):
            continue
        m = _TEMP.match(entry.name)
        if m and m["name"] == stem and not _alive(int(m["pid"])):
            found.append(t.parent / entry.name)
    return sorted(found)


def remove_leftovers(target: str | os.PathLike[str]) -> list[Path]:
    """Remove what killed runs left beside ``target`` (see :func:`leftovers`); if the
    target is missing and a killed swap moved the previous directory aside, put it back.

    Returns:
        The paths removed or put back.
    """
    t = Path(target)
    done = []
    for path in leftovers(t):
        with suppress(OSError):  # another run may be cleaning up too
            if path.name.endswith(".old") and not os.path.lexists(t):
                os.rename(path, t)
            elif path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            done.append(path)
    return done


# ----------------------------------------------------------------------------- files


def _sync_directory(directory: Path) -> None:
    """Make a rename durable; some file systems cannot sync a directory."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platform without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _sync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def new_file(target: str | os.PathLike[str]) -> Iterator[Path]:
    """A new empty file beside ``target`` that replaces it when the block ends.

    Write the yielded path in the block (any program may: SQLite, ``dot``); when the
    block ends the file is synced, renamed over ``target`` and the directory synced. If
    the block raises, the temporary file is removed and ``target`` is untouched. The
    file has the permissions of any new file (0644 under umask 022).

    Raises:
        OSError: the temporary file cannot be made (no directory, no permission, disk
            full), or the rename fails.

    Examples:
        >>> import tempfile
        >>> out = Path(tempfile.mkdtemp()) / "a.txt"
        >>> with new_file(out) as tmp:
        ...     _ = tmp.write_text("hello")
        ...     leftover_owner(tmp) == os.getpid()
        True
        >>> out.read_text(), [p.name for p in out.parent.iterdir()]
        ('hello', ['a.txt'])
    """
    t = Path(target)
    remove_leftovers(t)
    tmp = temp_path(t)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    os.close(fd)
    try:
        yield tmp
        _sync_file(tmp)
        os.replace(tmp, t)
    except BaseException:
        with suppress(OSError):
            tmp.unlink()
        raise
    _sync_directory(t.parent)


def write_bytes(target: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` as the file ``target``, atomically (see :func:`new_file`).

    Examples:
        >>> import tempfile
        >>> out = Path(tempfile.mkdtemp()) / "a.bin"
        >>> write_bytes(out, b"\\x00\\x01").read_bytes()
        b'\\x00\\x01'
    """
    t = Path(target)
    with new_file(t) as tmp:
        fd = os.open(tmp, os.O_WRONLY)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
    return t


def write_text(target: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` as the file ``target``, atomically; no newline translation.

    Examples:
        >>> import tempfile
        >>> out = Path(tempfile.mkdtemp()) / "a.md"
        >>> write_text(out, "# 标题\\n").read_text(encoding="utf-8")
        '# 标题\\n'
    """
    return write_bytes(target, text.encode(encoding))


# ----------------------------------------------------------------------- directories

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step with Linux's ``renameat2(RENAME_EXCHANGE)``; False
    where the system or the file system cannot (the caller then renames twice)."""

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):  # pragma: no cover - not glibc ≥ 2.28
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _swap_in(tmp: Path, target: Path) -> Path | None:
    """Put the directory ``tmp`` in the place of ``target``; return where the previous
    one went (to be removed), or None if there was none."""
    if not os.path.lexists(target):
        os.rename(tmp, target)
        return None
    if _exchange(tmp, target):
        return tmp  # tmp now holds the previous directory
    old = temp_path(target, "old")
    os.rename(target, old)
    try:
        os.rename(tmp, target)
    except BaseException:
        os.rename(old, target)  # put the previous one back
        raise
    return old


#: What removes a replaced directory in the background (:func:`_remove_later`): a new
#: Python (isolated, no ``site``: the standard library only) reads the job on its standard
#: input and forks; the grandchild renames the directory for its own process id, says so
#: on a pipe, and removes it, while the child ends as soon as the rename is done.
_REMOVER = """
import json, os, shutil, sys
job = json.loads(sys.stdin.buffer.read())
r, w = os.pipe()
if os.fork():
    os.close(w)
    os._exit(0 if os.read(r, 1) == b"1" else 1)
os.close(r)
os.chdir("/")
named = os.path.join(job["dir"], job["before"] + str(os.getpid()) + job["after"])
try:
    os.rename(job["path"], named)
except OSError:
    os._exit(1)
os.write(w, b"1")
os.close(w)
shutil.rmtree(named, ignore_errors=True)
os._exit(0)
"""


def _remove_later(previous: Path, target: Path) -> bool:
    """Have a process of its own remove ``previous`` (a directory just replaced beside
    ``target``); whether it took it. Its name then carries that process's id, as every
    temporary name does: while it removes, other runs leave it alone; if it is killed,
    the next run for the same target removes what is left (:func:`remove_leftovers`)."""
    import json
    import subprocess
    import sys

    if not sys.executable or not hasattr(os, "fork"):  # pragma: no cover - not POSIX
        return False
    job = {
        "path": os.fsdecode(previous),
        "dir": os.fsdecode(previous.parent),
        "before": f".{_stem(target)}.{TAG}-",
        "after": f"-{secrets.token_hex(4)}.tmp",
    }
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-S", "-c", _REMOVER],
            input=json.dumps(job).encode(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C at the caller does not stop the removal
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


@contextmanager
def new_directory(
    target: str | os.PathLike[str], *, background_removal: bool = False
) -> Iterator[Path]:
    """A new empty directory beside ``target`` that replaces it whole when the block ends.

    Fill the yielded directory in the block; when it ends, the directory takes the place
    of ``target`` (in one step where the system allows, else with the previous directory
    put back if the second rename fails), and the previous directory is removed. If the
    block raises, the new directory is removed and ``target`` is untouched; if the
    process is killed, the next call for the same target cleans up. Missing parent
    directories are created. The new directory is 0755 under umask 022.

    With ``background_removal`` the previous directory is removed by a process of its own
    (:func:`_remove_later`), so that the caller need not wait for it: removing a
    province's output (a million files) took minutes. It stays beside the target, under a
    temporary name, until that process is done; where no such process can be made, it is
    removed here.

    Raises:
        OSError: the directory cannot be made, or the swap fails.

    Examples:
        >>> import tempfile
        >>> out = Path(tempfile.mkdtemp()) / "site"
        >>> for text in ("old", "new"):
        ...     with new_directory(out) as tmp:
        ...         _ = (tmp / "index.html").write_text(text)
        >>> [p.name for p in out.iterdir()], (out / "index.html").read_text()
        (['index.html'], 'new')
        >>> [p.name for p in out.parent.iterdir()]    # nothing left beside it
        ['site']
    """
    t = Path(target)
    t.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(t)
    tmp = temp_path(t)
    os.mkdir(tmp, 0o777)
    try:
        yield tmp
        previous = _swap_in(tmp, t)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _sync_directory(t.parent)
    if previous is not None and not (background_removal and _remove_later(previous, t)):
        shutil.rmtree(previous, ignore_errors=True)


# ----------------------------------------------------------------------------- check

_SPECIAL = {
    stat.S_IFCHR: phrase("part.char_device"),
    stat.S_IFBLK: phrase("part.block_device"),
    stat.S_IFIFO: phrase("part.named_pipe"),
    stat.S_IFSOCK: phrase("part.socket"),
}


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def written_by(marker: str, command: str) -> Callable[[Path], Phrase | None]:
    """The ``not_ours`` of :func:`check_output` for a directory that ``command`` marks as
    its own with the file ``marker``: a directory without it is not replaced.

    Examples:
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> not_ours = written_by(".powerreg-site.json", "powerreg site")
        >>> not_ours(d).in_lang("en")
        "is not empty and was not written by 'powerreg site' (it has no .powerreg-site.json)"
        >>> _ = (d / ".powerreg-site.json").write_text("{}")
        >>> not_ours(d) is None
        True
    """

    def not_ours(out: Path) -> Phrase | None:
        if (out / marker).is_file():
            return None
        return phrase("part.not_written_by", command=command, marker=marker)

    return not_ours


def check_output(
    path: str | os.PathLike[str],
    *,
    directory: bool,
    not_ours: Callable[[Path], Phrase | None],
    fix: Phrase,
    source: str | os.PathLike[str] | None = None,
) -> Path:
    """Refuse an output path whose replacement would destroy something not ours.

    Refused, each with a :class:`UsageError` naming the path and saying what to do:

    * a path inside ``source``, the registry directory being read (or, for a directory
      output, one that holds it);
    * a symbolic link, a device, a named pipe or a socket;
    * a directory where a file goes, or anything else where a directory goes;
    * a non-empty file or directory for which ``not_ours`` gives a reason (a
      :func:`~powerreg.codes.phrase`, e.g. "is not a catalog written by powerreg"); empty
      ones are always replaced;
    * for a file, a parent directory that does not exist.

    ``fix`` ends each message: what to give instead (a :func:`~powerreg.codes.phrase`).

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Examples:
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> _ = (d / "notes.txt").write_text("mine")
        >>> def not_ours(p: Path) -> Phrase | None:
        ...     return None if p.suffix == ".db" else phrase("part.sqlite_not_ours", kind="catalog")
        >>> def check(path: str | Path) -> str:
        ...     try:
        ...         fix = phrase("fix.catalog_file")
        ...         return check_output(path, directory=False, not_ours=not_ours, fix=fix).name
        ...     except UsageError as err:
        ...         return str(err).replace(str(d), "D")
        >>> check(d / "new.db")
        'new.db'
        >>> print(check(d / "notes.txt").split(";")[0])
        'D/notes.txt' is a SQLite database but not a catalog written by powerreg
        >>> print(check("/dev/null").split(";")[0])
        '/dev/null' is a character device, not a file powerreg writes
    """
    p = Path(path)
    try:
        os.fspath(p).encode("utf-8")
    except UnicodeEncodeError:  # bytes the file system took that are not UTF-8
        raise UsageError("atomic.not_utf8", path=p, fix=fix) from None
    if source is not None:
        root = Path(source).resolve()
        full = p.resolve()
        if _inside(full, root):
            raise UsageError("atomic.inside_source", path=p, source=source, fix=fix)
        if directory and full in root.parents:
            raise UsageError("atomic.holds_source", path=p, source=source, fix=fix)
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        if not directory and not p.parent.is_dir():
            raise UsageError("atomic.no_parent", path=p, parent=p.parent) from None
        return p
    except NotADirectoryError:
        raise UsageError("atomic.part_not_dir", path=p) from None
    mode = st.st_mode
    if stat.S_ISLNK(mode):
        raise UsageError("atomic.symlink", path=p, target=os.readlink(p), fix=fix)
    kind = _SPECIAL.get(stat.S_IFMT(mode))
    if kind is not None:
        if directory:
            raise UsageError("atomic.special_not_dir", path=p, kind=kind, fix=fix)
        raise UsageError("atomic.special_not_file", path=p, kind=kind, fix=fix)
    if directory:
        if not stat.S_ISDIR(mode):
            raise UsageError("atomic.not_dir", path=p, fix=fix)
        if not any(p.iterdir()):
            return p
    else:
        if stat.S_ISDIR(mode):
            raise UsageError("atomic.is_dir", path=p, fix=fix)
        if st.st_size == 0:
            return p
    reason = not_ours(p)
    if reason is not None:
        raise UsageError("atomic.not_ours", path=p, reason=reason, fix=fix)
    return p
