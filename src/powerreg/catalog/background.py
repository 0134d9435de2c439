"""A catalog written by a forked child while the caller goes on (``powerreg build``).

The build's own thread is its slowest part: it audits, writes the catalog and makes the
site one after the other while ``dot`` draws on the other core. The catalog needs
nothing but the registry, and nothing needs the catalog until the site copies it into
its downloads; so :func:`start_export` forks a child that writes it, and the build
waits for it (:meth:`Export.result`) only there:

* forked, before the build starts any thread (a fork copies the other threads' locks in
  whatever state they are): the child has the registry and powerreg's modules already,
  writes only the catalog and its metadata (new files renamed into place, as ever:
  :func:`.write.export_sqlite`), reports how long it took on a pipe, and ends with
  ``os._exit``, so none of the parent's clean-up runs twice;
* if the child fails or dies, the parent writes the catalog itself when it waits for
  it, so the build comes out the same, or fails with the same error (a registry that
  does not fit the catalog, a full disk), as without a child;
* if the parent fails first, the child is killed and waited for
  (:meth:`Export.stop`), before the build's directory is removed.

A child is made where the machine's policy says a second process helps
(:func:`powerreg.machine.second_process`: two cores, a load below them;
``POWERREG_PARALLEL``, ``POWERREG_WORKERS``), on Linux, from a single thread, for a
registry of fewer than :data:`~powerreg.machine.FORK_REGISTRY_POWERS` powers: the child
shares the registry's memory with the parent only until it touches it, and writing the
catalog touches all of it (Python counts every reference), so a child of a big registry
would copy it (a 10,000-power registry holds ~0.5 GB); a big export builds its search
indexes in a worker of its own instead (:mod:`.searchworker`). Otherwise the catalog is
written when it is first waited for, in this process.

Examples:
    >>> import powerreg, tempfile
    >>> from pathlib import Path
    >>> out = Path(tempfile.mkdtemp())
    >>> export = start_export(powerreg.load("examples/minimal"), out / "c.db")
    >>> export.result().name, sorted(p.name for p in out.iterdir())
    ('c.db', ['c.db', 'c.metadata.json'])
"""

from __future__ import annotations

import os
import time
from contextlib import suppress
from pathlib import Path

from .. import machine
from ..machine import Child, fork, second_process
from ..model import Registry
from .write import export_sqlite


def forkable(registry: Registry | None = None) -> bool:
    """Whether the catalog (of ``registry``) may be written by a forked child (see the
    module)."""
    if registry is not None and len(registry.powers) >= machine.FORK_REGISTRY_POWERS:
        return False
    return machine.may_fork() and second_process()


def start_export(
    registry: Registry,
    path: str | os.PathLike[str],
    *,
    metadata_path: str | os.PathLike[str] | None = None,
) -> Export:
    """:func:`.write.export_sqlite` in a forked child where one helps (see the module);
    else when :meth:`Export.result` is first called, in this process."""
    return Export(registry, Path(path), None if metadata_path is None else Path(metadata_path))


class Export:
    """A catalog being written (see :func:`start_export`)."""

    def __init__(self, registry: Registry, path: Path, metadata_path: Path | None) -> None:
        self._registry, self._path, self._metadata_path = registry, path, metadata_path
        self._child: Child | None = None
        self._done: Path | None = None
        #: how long the writing took, once it is done
        self.seconds = 0.0
        if forkable(registry):
            with suppress(OSError):  # no child: written here, when waited for
                self._child = fork(self._in_child)
        #: whether a child writes the catalog (else :meth:`result` writes it)
        self.forked = self._child is not None

    def _in_child(self) -> dict[str, float]:
        t = time.perf_counter()
        export_sqlite(self._registry, self._path, metadata_path=self._metadata_path)
        return {"seconds": time.perf_counter() - t}

    def _write(self) -> None:
        t = time.perf_counter()
        self._done = export_sqlite(self._registry, self._path, metadata_path=self._metadata_path)
        self.seconds = time.perf_counter() - t

    def result(self) -> Path:
        """Wait for the catalog: its path. If the child failed, the catalog is written
        here instead (and fails here, with the export's own error, if it must).

        Raises:
            UsageError, RegistryError: as :func:`.write.export_sqlite`.
        """
        if self._done is not None:
            return self._done
        child, self._child = self._child, None
        report = None if child is None else child.report()
        if report is None:  # no child, or a child that failed
            self._write()
        else:
            self.seconds = float(report["seconds"])
            self._done = self._path
        assert self._done is not None
        return self._done

    def stop(self) -> None:
        """Kill the child if it is still at work and wait for it (the caller failed);
        nothing once :meth:`result` has been had, or where there was no child."""
        child, self._child = self._child, None
        if child is not None:
            child.stop()
