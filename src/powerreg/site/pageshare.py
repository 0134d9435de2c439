"""The power pages left once the charts are drawn, shared with a forked child.

A big site's pages are made while ``dot`` draws (:mod:`.deferred`), three processes on
two cores; once the drawing ends, this process was left alone with the pages it had not
come to — at 10,000 powers about 15 s with the second core idle but for the search
index. :func:`start` forks a child there that writes pages from the last one back, while
this process writes them from the first on (and adds every power to the downloads and
the tallies, which are its own); the child first writes the pages given it as ``first``
(the site's listings, made from every power). Each takes :data:`BLOCK` pages at a time
and they stop where they meet, so both end together however the work is divided (a fixed
share left one core idle for the last 32 s of a 100,000-power build). :meth:`Share.finish`
takes the child's count of pages and bytes.

* The two take their blocks under a lock, and share two numbers: where this process's
  pages end and where the child's begin. A lock not had within :data:`LOCK_SECONDS` (its
  holder died holding it) ends the sharing: this process then writes every page left, and
  the child, if alive, stops.
* The child is forked only from a process of one thread (the drawing's threads have
  ended: a fork copies other threads' locks in whatever state they are), where a second
  process helps (:func:`powerreg.machine.second_process`), on Linux, and for at least
  :data:`MIN_PAGES` pages (a fork of a big process costs some milliseconds).
* It writes its pages into the same directory of work, which is swapped into place whole
  or not at all (:func:`powerreg.atomic.new_directory`), and ends with ``os._exit``
  (:func:`powerreg.machine.fork`).
* If it fails or dies, :meth:`Share.finish` writes its pages here (and fails here, with
  the same error, if it must); if this process fails first, :meth:`Share.stop` kills it.
  The site is the same, byte for byte, either way.

Examples:
    >>> import tempfile
    >>> from pathlib import Path
    >>> pages = Pages(Path(tempfile.mkdtemp()), {})
    >>> def write(pid: str) -> None:
    ...     pages.save(f"powers/{pid}.html", pid)
    >>> ids = [f"XK-{n:03d}" for n in range(MIN_PAGES)]
    >>> share = start(pages, ids, write)
    >>> for pid in ids:
    ...     if share is None or share.mine(pid):
    ...         write(pid)
    >>> if share is not None:
    ...     share.finish()
    >>> pages.count, len(list((pages.root / "powers").iterdir()))
    (200, 200)
"""

from __future__ import annotations

import mmap
import struct
from collections.abc import Callable, Sequence
from typing import Any

from ..machine import Child, fork, may_fork, second_process
from .pages import Pages

#: Pages taken at a time (~25 ms of work): the two processes end within a block.
BLOCK = 16

#: Fewest pages worth a child: below, a fork and a second pass over the ids cost more
#: than the pages (a power's page takes ~1.5 ms to make and write).
MIN_PAGES = 200

#: Longest wait for the lock (held for a microsecond, unless its holder died).
LOCK_SECONDS = 10.0

_BOUNDS = struct.Struct("=qq")  # this process's pages end, the child's begin


def forkable() -> bool:
    """Whether this process may fork the child now (one thread, Linux, a second core)."""
    return may_fork() and second_process()


def start(
    pages: Pages,
    ids: Sequence[str],
    write: Callable[[str], None],
    first: Callable[[], None] | None = None,
) -> Share | None:
    """A child writing, with ``write``, pages of ``ids`` (power ids, in the order this
    process goes on writing them) from the last back, as many as it comes to before it
    meets this process (see the module); or ``None`` where no child is made: then this
    process writes them all. ``first``, if given, writes other pages: the child's first
    work (this process goes on meanwhile), done here should the child fail."""
    if len(ids) < MIN_PAGES or not forkable():
        return None
    import multiprocessing

    ids = tuple(ids)
    lock = multiprocessing.get_context("fork").Lock()
    bounds = mmap.mmap(-1, _BOUNDS.size)  # shared with the child: anonymous, MAP_SHARED
    _BOUNDS.pack_into(bounds, 0, BLOCK, len(ids) - BLOCK)  # a first block each
    count, size = pages.count, pages.bytes

    def work() -> dict[str, Any]:
        if first is not None:
            first()
        firsts = pages.count - count
        begin, end = len(ids) - BLOCK, len(ids)  # its first block, given at the start
        while begin < end:
            for pid in ids[begin:end]:
                write(pid)
            end = begin
            if not lock.acquire(timeout=LOCK_SECONDS):
                return {}  # the parent died holding it: no report, its pages redone
            try:
                mine, _ = _BOUNDS.unpack_from(bounds)
                begin = max(mine, end - BLOCK)
                _BOUNDS.pack_into(bounds, 0, mine, begin)
            finally:
                lock.release()
        return {
            "pages": pages.count - count,
            "bytes": pages.bytes - size,
            "from": end,
            "first": firsts,
        }

    try:
        child = fork(work)
    except OSError:  # no process: written here
        bounds.close()
        return None
    return Share(pages, ids, write, child, lock, bounds, first)


class Share:
    """The pages a child writes (see :func:`start`)."""

    def __init__(
        self,
        pages: Pages,
        ids: tuple[str, ...],
        write: Callable[[str], None],
        child: Child,
        lock: Any,
        bounds: mmap.mmap,
        first: Callable[[], None] | None = None,
    ) -> None:
        self._pages, self._write, self._first = pages, write, first
        self._child: Child | None = child
        self._ids = ids
        self._at = {pid: i for i, pid in enumerate(ids)}
        self._lock, self._bounds = lock, bounds
        self._mine = BLOCK  # this process's pages: ids[:_mine]
        self._rest = False  # the child has taken every page from _mine on
        #: where the sharing ended, if it did: this process writes every page from there
        self._alone: int | None = None

    def mine(self, pid: str) -> bool:
        """Whether this process is to write the page of ``pid`` (asked in the order of
        the ids given to :func:`start`, once each): a page the child has taken is not."""
        i = self._at.get(pid)
        if i is None or i < self._mine or self._alone is not None:
            return True
        if self._rest:
            return False
        if not self._lock.acquire(timeout=LOCK_SECONDS):
            self._alone = i  # the child died holding it: every page left is ours
            return True
        try:
            _, theirs = _BOUNDS.unpack_from(self._bounds)
            self._mine = max(self._mine, min(i + BLOCK, theirs))
            _BOUNDS.pack_into(self._bounds, 0, self._mine, theirs)
        finally:
            self._lock.release()
        self._rest = self._mine <= i  # we have met: the rest is the child's
        return not self._rest

    def finish(self) -> None:
        """Wait for the child: its pages and bytes counted into the pages; if it failed,
        or the sharing ended, the pages it took written here."""
        child, self._child = self._child, None
        if child is None:  # finished, or stopped
            return
        counted = None
        if self._alone is None:
            report = child.report() or {}
            _, theirs = _BOUNDS.unpack_from(self._bounds)
            pages, size = report.get("pages"), report.get("bytes")
            firsts = report.get("first")
            if (
                isinstance(pages, int)
                and isinstance(size, int)
                and isinstance(firsts, int)
                and report.get("from") == theirs
                and pages == len(self._ids) - theirs + firsts
            ):
                self._bounds.close()
                self._pages.count += pages
                self._pages.bytes += size
                return
        else:
            # this process has written, and counted, every page from where the sharing
            # ended; the child, stopped, may have left one of them cut short
            child.stop()
            theirs, counted = self._alone, (self._pages.count, self._pages.bytes)
        self._bounds.close()
        # the child's pages (and first work) written here
        for pid in self._ids[theirs:]:
            self._write(pid)
        if counted is not None:
            self._pages.count, self._pages.bytes = counted
        if self._first is not None:
            self._first()

    def stop(self) -> None:
        """Kill the child if it is still at work and wait for it (the caller failed)."""
        child, self._child = self._child, None
        if child is not None:
            child.stop()
            self._bounds.close()
