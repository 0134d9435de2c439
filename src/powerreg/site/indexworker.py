"""The site's search index, built on the second core while the pages are written.

The pages and the search index (:mod:`.searchindex`) are both pure Python work over the
same registry, and neither needs the other until ``search.html``, which carries the
index's numbers. A build's site is written after the charts are drawn, when the second
core has nothing to do; so :func:`start` forks a child that builds and writes the index
while this process writes the pages:

* ``fork``, not a new interpreter: the child already has the registry and every module
  it needs (a new Python would import powerreg again and receive the registry pickled,
  which costs more than the index of a small registry); it touches nothing but the
  index, writes only under ``search/`` of the site being made, and ends with
  ``os._exit``, so none of the parent's clean-up runs twice;
* the child sends the index's size and numbers back on a pipe; :meth:`IndexJob.result`
  waits for them. If the child fails, dies or says nothing, the parent builds the index
  itself, so the site comes out the same, or fails with the same error, as without a
  child;
* if the parent fails before it has the result, the child is killed
  (:meth:`IndexJob.stop`); if the parent is killed, the child ends on its own, inside the
  site's temporary directory, which the next run removes.

As the loader's pool (:mod:`powerreg.loadpool`), a child is forked only where it helps
and is safe: on Linux (``fork`` elsewhere is absent or unsafe), from a process running a
single thread (forking a threaded process can deadlock the child), with two cores or
more, and while the machine's load average is below its cores (on a busy machine the
child only shares the same cores: the site measured 0.89 s forked against 0.79 s in one
process at load 3.4 on two cores). ``POWERREG_PARALLEL=0`` (or ``POWERREG_WORKERS=0``,
as for the catalog's search worker and the roll-up) turns it off,
``POWERREG_PARALLEL=1`` forks whatever the load. Otherwise :func:`start` gives ``None``
and the caller builds the index itself.

Examples:
    >>> import os, tempfile
    >>> from pathlib import Path
    >>> out = Path(tempfile.mkdtemp()) / "search"
    >>> docs = [("XK-001", "许可", "行政许可", ["环境影响评价文件审批"])]
    >>> job = start(docs, out)
    >>> size, meta = job.result() if job else build(docs, out)
    >>> meta["docs"], size == sum(f.stat().st_size for f in out.rglob("*.json"))
    (1, True)
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import signal
import sys
import threading
from collections.abc import Iterable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

from ..machine import second_process
from .searchindex import SearchIndex

#: One power's entry: its id, name, category name and the texts its page shows.
Doc = tuple[str, str, str, Sequence[str]]


def build(docs: Iterable[Doc], out: Path) -> tuple[int, dict[str, int]]:
    """Build and write the index of ``docs`` under ``out``, in this process: (bytes
    written, the numbers of ``meta.json``)."""
    index = SearchIndex()
    for power_id, name, category, fields in docs:
        index.add(power_id, name, category, fields)
    size = index.write(out)
    return size, index.meta


def wanted() -> bool:
    """Whether the index may be built in a child process (see the module)."""
    if sys.platform != "linux" or threading.active_count() != 1:
        return False
    return second_process()


def start(docs: Sequence[Doc], out: Path) -> IndexJob | None:
    """A child process building the index of ``docs`` under ``out``, or ``None`` where
    the caller should build it itself (:func:`wanted` is false, or fork failed)."""
    if not wanted():
        return None
    try:
        return IndexJob(docs, out)
    except OSError:
        return None


class IndexJob:
    """The index being built by a forked child (see the module)."""

    def __init__(self, docs: Sequence[Doc], out: Path) -> None:
        self._docs = docs
        self._out = out
        read, write = os.pipe()
        self._pid = os.fork()
        if self._pid == 0:  # the child: build, report, and end without any clean-up
            status = 1
            try:
                os.close(read)
                gc.disable()  # a short life of many small objects and no cycles
                size, meta = build(docs, out)
                os.write(write, json.dumps({"size": size, "meta": meta}).encode())
                status = 0
            finally:
                os._exit(status)
        os.close(write)
        self._read = read
        self._done = False

    def _collect(self) -> dict[str, Any] | None:
        """The child's report, once it has ended; ``None`` if it failed."""
        chunks = []
        with os.fdopen(self._read, "rb") as pipe:
            while chunk := pipe.read(65536):
                chunks.append(chunk)
        _, status = os.waitpid(self._pid, 0)
        self._done = True
        if status != 0 or not chunks:
            return None
        try:
            report: dict[str, Any] = json.loads(b"".join(chunks))
        except ValueError:
            return None
        return report

    def result(self) -> tuple[int, dict[str, int]]:
        """Wait for the child: (bytes written, the numbers of ``meta.json``). If the
        child failed, the index is built here instead (and fails here, if it must)."""
        report = self._collect()
        if report is None:
            shutil.rmtree(self._out, ignore_errors=True)  # whatever the child left
            return build(self._docs, self._out)
        return int(report["size"]), {k: int(v) for k, v in report["meta"].items()}

    def stop(self) -> None:
        """Kill the child if it is still at work and wait for it (the caller failed);
        nothing once :meth:`result` has been had."""
        if self._done:
            return
        self._done = True
        with suppress(ProcessLookupError):
            os.kill(self._pid, signal.SIGKILL)
        with suppress(OSError):
            os.close(self._read)
        with suppress(ChildProcessError):
            os.waitpid(self._pid, 0)
