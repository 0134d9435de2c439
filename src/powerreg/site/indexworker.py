"""The site's search index, built on the second core while the pages are written.

The pages and the search index (:mod:`.searchindex`) are both pure Python work over the
same registry, and neither needs the other until ``search.html``, which carries the
index's numbers; so :func:`start` has another process build and write the index while
this one writes the pages:

* a forked child where it can: the child already has the documents and every module it
  needs; it touches nothing but the index, writes only under ``search/`` of the site
  being made, and ends with ``os._exit``, so none of the parent's clean-up runs twice;
* a new Python (:func:`main`) where this process runs threads, which forking could
  leave the child's copies of locked (a build makes its site while its drawing feeds
  ``dot`` from threads: :mod:`powerreg.mainjob`): it imports the standard library and
  the index's modules only (not pydantic nor the models), and gets the documents
  pickled on its standard input, from a thread, so this process goes on at once;
* the child sends the index's size and numbers back on a pipe; :meth:`IndexJob.result`
  waits for them. If the child fails, dies or says nothing, the parent builds the index
  itself, so the site comes out the same, or fails with the same error, as without a
  child;
* if the parent fails before it has the result, the child is killed
  (:meth:`IndexJob.stop`); if the parent is killed, the child ends on its own, inside the
  site's temporary directory, which the next run removes.

As the loader's pool (:mod:`powerreg.loadpool`), a child is made only where it helps:
with two cores or more, and while the machine's load average is below its cores (on a
busy machine the child only shares the same cores: the site measured 0.89 s forked
against 0.79 s in one process at load 3.4 on two cores); it is forked on Linux only
(``fork`` elsewhere is absent or unsafe), from a process running a single thread.
``POWERREG_PARALLEL=0`` (or ``POWERREG_WORKERS=0``, as for the catalog's search worker
and the roll-up) turns it off, ``POWERREG_PARALLEL=1`` makes one whatever the load.
Otherwise :func:`start` gives ``None`` and the caller builds the index itself.

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
import pickle
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

from ..machine import Child, fork, may_fork, second_process
from .searchindex import SearchIndex

#: One power's entry: its id, name, category name and the texts its page shows.
Doc = tuple[str, str, str, Sequence[str]]

#: The documents, or what makes them (in the child, for a forked one: :func:`start`).
Docs = Sequence[Doc] | Callable[[], Sequence[Doc]]


def build(docs: Iterable[Doc], out: Path) -> tuple[int, dict[str, int]]:
    """Build and write the index of ``docs`` under ``out``, in this process: (bytes
    written, the numbers of ``meta.json``)."""
    index = SearchIndex()
    for power_id, name, category, fields in docs:
        index.add(power_id, name, category, fields)
    size = index.write(out)
    return size, index.meta


def wanted() -> bool:
    """Whether the index may be built in another process (see the module)."""
    return second_process()


def forkable() -> bool:
    """Whether this process may fork a child for the index (else it starts a new Python)."""
    return may_fork()


#: Most documents sent pickled to a new Python (a fork needs no copy): 2,000 powers are
#: ~3 MB pickled, 100,000 would be ~300 MB.
SPAWN_DOCS = 2000


def start(docs: Docs, out: Path) -> IndexJob | None:
    """A child process building the index of ``docs`` under ``out``, or ``None`` where
    the caller should build it itself (:func:`wanted` is false, no process could be
    made, or a new Python would have to be sent more than :data:`SPAWN_DOCS`).

    ``docs`` may be a function that makes them: a forked child calls it, so this
    process need not (the build starts the index so, before it has the pages'
    documents: :mod:`.early`); where no child can be forked, ``None``."""
    if not wanted():
        return None
    if not forkable() and (callable(docs) or not sys.executable or len(docs) > SPAWN_DOCS):
        return None
    try:
        return IndexJob(docs, out)
    except OSError:
        return None


#: What a new Python runs to build an index: the parent's ``sys.path``, then :func:`main`.
_BOOT = (
    "import json, sys; sys.path[:] = json.loads(sys.argv[1]); "
    "from powerreg.site.indexworker import main; main()"
)


def main() -> None:
    """A new Python's work (see :class:`IndexJob`): the documents pickled on standard
    input, the index written under ``sys.argv[2]``, the report on standard output."""
    status = 1
    try:
        gc.disable()  # a short life of many small objects and no cycles
        docs = pickle.load(sys.stdin.buffer)
        size, meta = build(docs, Path(sys.argv[2]))
        sys.stdout.buffer.write(json.dumps({"size": size, "meta": meta}).encode())
        sys.stdout.flush()
        status = 0
    finally:
        os._exit(status)


class IndexJob:
    """The index being built by another process (see the module): a forked child, or a
    new Python (:func:`main`) where this process runs threads, which a fork would copy
    in whatever state they are (a build's drawing feeds its ``dot`` processes from
    threads while the site is made): it imports the standard library and the index's
    module only, and gets the documents pickled on its standard input."""

    def __init__(self, docs: Docs, out: Path) -> None:
        self._docs = docs
        #: where the index is written
        self.out = out
        self._process: subprocess.Popen[bytes] | None = None
        if not forkable():
            self._child = self._spawn(self.docs(), out)
            return

        def work() -> dict[str, Any]:
            gc.disable()  # a short life of many small objects and no cycles
            size, meta = build(self.docs(), out)
            return {"size": size, "meta": meta}

        self._child = fork(work)

    def docs(self) -> Sequence[Doc]:
        """The documents (made once, if a function was given)."""
        if callable(self._docs):
            self._docs = self._docs()
        return self._docs

    def _spawn(self, docs: Sequence[Doc], out: Path) -> Child:
        process = subprocess.Popen(
            [sys.executable, "-c", _BOOT, json.dumps(sys.path), str(out)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,  # Ctrl-C goes to this process, which ends it
        )
        assert process.stdin is not None
        assert process.stdout is not None
        self._process = process
        read = os.dup(process.stdout.fileno())
        process.stdout.close()
        data = pickle.dumps([tuple(d) for d in docs])
        stdin = process.stdin

        def send() -> None:  # the child reads it once started: this process goes on
            with suppress(OSError):
                stdin.write(data)
            with suppress(OSError):
                stdin.close()

        threading.Thread(target=send, name="index documents", daemon=True).start()
        return Child(process.pid, read, process.wait)

    def result(self) -> tuple[int, dict[str, int]]:
        """Wait for the child: (bytes written, the numbers of ``meta.json``). If the
        child failed, the index is built here instead (and fails here, if it must)."""
        report = self._child.report()
        if report is None:
            shutil.rmtree(self.out, ignore_errors=True)  # whatever the child left
            return build(self.docs(), self.out)
        return int(report["size"]), {k: int(v) for k, v in report["meta"].items()}

    def stop(self) -> None:
        """Kill the child if it is still at work and wait for it (the caller failed);
        nothing once :meth:`result` has been had."""
        self._child.stop()
