"""The power pages left once the charts are drawn, shared with a forked child.

A big site's pages are made while ``dot`` draws (:mod:`.deferred`), three processes on
two cores; once the drawing ends, this process was left alone with the pages it had not
come to — at 10,000 powers about 15 s with the second core idle but for the search
index. :func:`start` forks a child there that writes the last of them
(:data:`CHILD_SHARE`) while this process writes the first (and the downloads, the
tallies and the risk index, which are its own); :meth:`Share.finish` takes the child's
count of pages and bytes.

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
    ...     if share is None or pid not in share:
    ...         write(pid)
    >>> if share is not None:
    ...     share.finish()
    >>> pages.count, len(list((pages.root / "powers").iterdir()))
    (200, 200)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..machine import Child, fork, may_fork, second_process
from .pages import Pages

#: The child's share of the pages left: this process also adds every power to the
#: downloads and the risk index (~0.3 of a page's cost each), so an even split left it
#: ~27 s of 74 s alone at the end of a 100,000-power build, its child done (traced
#: 2026-12-01); at this share both end together.
CHILD_SHARE = 0.64

#: Fewest pages worth a child: below, a fork and a second pass over the ids cost more
#: than the pages (a power's page takes ~1.5 ms to make and write).
MIN_PAGES = 200


def forkable() -> bool:
    """Whether this process may fork the child now (one thread, Linux, a second core)."""
    return may_fork() and second_process()


def start(pages: Pages, ids: Sequence[str], write: Callable[[str], None]) -> Share | None:
    """A child writing, with ``write``, the last :data:`CHILD_SHARE` of the pages of
    ``ids`` (power ids, in the order this process goes on writing the first), or ``None`` where
    no child is made (see the module): then this process writes them all."""
    if len(ids) < MIN_PAGES or not forkable():
        return None
    theirs = tuple(ids[len(ids) - round(len(ids) * CHILD_SHARE) :])
    count, size = pages.count, pages.bytes

    def work() -> dict[str, Any]:
        for pid in theirs:
            write(pid)
        return {"pages": pages.count - count, "bytes": pages.bytes - size}

    try:
        child = fork(work)
    except OSError:  # no process: written here
        return None
    return Share(pages, theirs, write, child)


class Share:
    """The pages a child writes (see :func:`start`)."""

    def __init__(
        self, pages: Pages, ids: tuple[str, ...], write: Callable[[str], None], child: Child
    ) -> None:
        self._pages, self._write = pages, write
        self._child: Child | None = child
        self._ids = frozenset(ids)
        self._order = ids

    def __contains__(self, pid: object) -> bool:
        """Whether the page of power ``pid`` is the child's to write."""
        return pid in self._ids

    def finish(self) -> None:
        """Wait for the child: its pages and bytes counted into the pages; if it failed,
        its pages written here instead."""
        child, self._child = self._child, None
        if child is None:  # finished, or stopped
            return
        report = child.report() or {}
        pages, size = report.get("pages"), report.get("bytes")
        if isinstance(pages, int) and isinstance(size, int) and pages == len(self._order):
            self._pages.count += pages
            self._pages.bytes += size
            return
        for pid in self._order:  # the child failed or died: its pages written here
            self._write(pid)

    def stop(self) -> None:
        """Kill the child if it is still at work and wait for it (the caller failed)."""
        child, self._child = self._child, None
        if child is not None:
            child.stop()
