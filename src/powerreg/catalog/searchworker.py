"""The search indexes of a large catalog, built on a second core while the tables are written.

At 100,000 powers the Chinese search index is over half of an export: the n-grams of 1.3
million texts (:mod:`.ngrams`) and FTS5's work on them. Both are independent of the
tables, so from :data:`PARALLEL_AT` indexed texts on, :func:`start` hands them to a
worker process:

* the worker is a new Python (``python -c``) that imports :mod:`.searchprocess` (the
  standard library and :mod:`.ngrams`: 0.2 s) and nothing of the caller's — unlike
  :mod:`multiprocessing`'s ``spawn``, which would run the caller's script again in it
  (a script without ``if __name__ == "__main__"`` would export twice); it starts in a
  session of its own, so Ctrl-C reaches only the export, which ends it;
* the texts of each index go to it as compact tuples of strings, pickled in chunks, in
  the order of their table's rows (row *i* is rowid *i*), before the tables are written;
  a thread sends them, so the export never waits for the worker to be ready;
* the worker builds the indexes, largest first, in a scratch SQLite file beside the
  catalog (powerreg's temporary-name scheme, so a killed run's scratch is removed by the
  next export), with the statements and settings of the export's own connection, so
  every FTS5 row comes out as it would have there;
* once its tables are written, the export takes (:meth:`SearchWorker.claim`) the indexes
  the worker has not started, smallest first, and builds them itself, so neither core
  waits for long whatever the machine's load; a claim is a byte pair under ``flock`` in
  a second scratch file;
* last (:meth:`SearchWorker.copy_into`), the rows of the indexes the worker built —
  FTS5's own tables ``<index>_data``, ``_idx``, ``_docsize``, ``_config`` — are copied
  into the catalog, inside the export's one transaction.

A worker that fails or dies fails the export with a :class:`UsageError` before anything
is renamed into place, so the previous catalog stays as it was. The worker is ended and
the scratch files removed on every way out, Ctrl-C included; if the export itself is
killed, the worker sees its input close and exits. ``POWERREG_WORKERS=0`` (as for the
roll-up) builds everything in the export's own process, as do registries under
:data:`PARALLEL_AT` texts, where starting a process costs more than it saves.

Examples:
    >>> from .tables import SEARCH_INDEXES
    >>> texts = [[("审批", None)], [("违规审批",)], []]
    >>> start(SEARCH_INDEXES, [1, 1, 0], texts, "catalog.db", 2**20) is None  # too few
    True
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import pickle
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import IO, TYPE_CHECKING

from ..atomic import temp_path
from ..errors import UsageError
from ..machine import WORKERS_ENV, second_process
from .searchprocess import read_claims, read_message, take_job, write_message

if TYPE_CHECKING:
    from .tables import SearchIndex

#: From this many indexed texts on (about 600 powers), a worker builds the search
#: indexes. Measured on a busy 2-core machine: 300 generated powers (4,000 texts) export
#: as fast either way, 600 powers 25% faster with the worker; the reference registry
#: (1,110 texts) never starts one.
PARALLEL_AT = 8_000

#: Texts sent to the worker in one message.
CHUNK = 10_000


#: Seconds to wait for a worker to end after it was told to.
_END_TIMEOUT = 10.0

#: What the worker process runs: the caller's module search path, then its main().
_BOOT = (
    "import json, sys; sys.path[:] = json.loads(sys.argv[1])['path']; "
    "from powerreg.catalog.searchprocess import main; main()"
)

#: The texts of one row of a search index's table, one per column.
Row = tuple[str | None, ...]


def wanted() -> bool:
    """Whether a worker may build the search indexes (:func:`powerreg.machine.second_process`,
    whatever the load: the export takes over the indexes a slow worker has not started)."""
    return second_process(load_aware=False)


def start(
    indexes: Sequence[SearchIndex],
    counts: Sequence[int],
    texts: Sequence[Iterable[Row]],
    target: str | os.PathLike[str],
    hashsize: int,
) -> SearchWorker | None:
    """A worker building the search indexes, or None if the export should build them
    itself (fewer than :data:`PARALLEL_AT` texts, or no second process wanted:
    :func:`wanted`, e.g. ``POWERREG_WORKERS=0``, ``POWERREG_PARALLEL=0`` or one core).

    Args:
        indexes: the search indexes.
        counts: how many rows each index has.
        texts: for each index, the texts of its columns, row by row in rowid order; read
            by a thread of this process while the export goes on, so they must stay as
            they are until the worker is closed.
        target: the catalog's final path: the scratch files are named after it.
        hashsize: FTS5's in-memory buffer, as the export sets it (:func:`create_index`).

    If the scratch files or the process cannot be made (no ``sys.executable`` in an
    embedded Python, no room beside the catalog), the export builds the indexes itself.
    """
    if sum(counts) < PARALLEL_AT or not wanted() or not sys.executable:
        return None
    try:
        return SearchWorker(indexes, counts, texts, target, hashsize)
    except OSError:
        return None


class SearchWorker:
    """A process building some of the search indexes in a scratch file; see the module.

    The worker takes the indexes from the largest (most texts) down, the export from
    the smallest up, each under one lock, so every index is built exactly once.
    """

    def __init__(
        self,
        indexes: Sequence[SearchIndex],
        counts: Sequence[int],
        texts: Sequence[Iterable[Row]],
        target: str | os.PathLike[str],
        hashsize: int,
    ) -> None:
        order = sorted(range(len(indexes)), key=lambda i: -counts[i])
        #: the indexes, largest first: the worker's order
        self._indexes = [indexes[i] for i in order]
        self.scratch = temp_path(target)
        self._claims = temp_path(target)
        try:
            _create(self._claims, bytes([0, len(indexes)]))
            _create(self.scratch, b"")
        except BaseException:
            self._remove_scratch()
            raise
        job = {
            "path": sys.path,
            "scratch": str(self.scratch),
            "claims": str(self._claims),
            "plan": [(index.name, len(index.columns)) for index in self._indexes],
            "hashsize": hashsize,
        }
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-c", _BOOT, json.dumps(job)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                start_new_session=True,  # Ctrl-C goes to the export, which ends it
            )
        except BaseException:
            self._remove_scratch()
            raise
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        self._input: IO[bytes] = self._process.stdin
        self._output: IO[bytes] = self._process.stdout
        #: what went wrong reading or sending the texts, if anything
        self._send_error: BaseException | None = None
        # The texts are read, pickled and sent by a thread, a chunk at a time: the worker
        # has its first chunk at once, and no more than a chunk is held here.
        messages = _messages([texts[i] for i in order], self._claims)
        self._sender = threading.Thread(target=self._send, args=(messages,), daemon=True)
        self._sender.start()

    def _send(self, messages: Iterator[bytes]) -> None:
        try:
            for message in messages:
                write_message(self._input, message)
        except OSError:  # the worker ended: the export learns why from copy_into or close
            pass
        except BaseException as err:
            self._send_error = err
            with contextlib.suppress(OSError):
                self._input.close()  # the worker sees its input end, and ends

    def __enter__(self) -> SearchWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def claim(self) -> SearchIndex | None:
        """An index the worker has not started, for the export to build; None once the
        worker has started all the others."""
        job = take_job(self._claims, first=False)
        return None if job is None else self._indexes[job]

    def copy_into(self, conn: sqlite3.Connection, schema: str) -> list[str]:
        """Wait for the worker, then copy the indexes it built into ``conn``, whose FTS5
        tables for them exist and are empty; the scratch file is attached there as
        ``schema``. Call it once :meth:`claim` has returned None. Returns the names of
        the indexes copied.

        Raises:
            UsageError: the worker failed or died.
        """
        built = self._wait()
        for name in built:
            mine = _shadow_tables(conn, "main", name)
            theirs = _shadow_tables(conn, schema, name)
            if not mine or mine != theirs:
                raise UsageError(
                    "catalog.worker_tables", name=name, theirs=str(theirs), mine=str(mine)
                )
            for table in mine:
                conn.execute(f'DELETE FROM main."{table}"')
                conn.execute(f'INSERT INTO main."{table}" SELECT * FROM "{schema}"."{table}"')
        return built

    def _wait(self) -> list[str]:
        taken, left = read_claims(self._claims)
        if taken < left:
            raise RuntimeError("claim() every index the worker has not started first")
        if taken == 0:
            return []
        message = read_message(self._output)
        self._sender.join()  # done, or stopped by the end of the worker
        if self._send_error is not None:
            raise self._send_error
        if message is None:
            code = self._process.wait()
            raise UsageError("catalog.worker_died", code=code, env=WORKERS_ENV)
        status, detail = message
        if status != "done":
            raise UsageError("catalog.worker_failed", detail=str(detail), env=WORKERS_ENV)
        built: list[str] = detail
        expected = [index.name for index in self._indexes[:taken]]
        if built != expected:
            raise UsageError("catalog.worker_built", built=str(built), expected=str(expected))
        return built

    def close(self) -> None:
        """End the worker (if it still runs) and remove the scratch files."""
        process = self._process
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(_END_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._sender.join()  # a send to the ended worker fails at once
        with contextlib.suppress(OSError):  # what the sender could not send
            self._input.close()
        self._output.close()
        self._remove_scratch()

    def _remove_scratch(self) -> None:
        for path in (self.scratch, Path(f"{self.scratch}-journal"), self._claims):
            path.unlink(missing_ok=True)


def _create(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def _dumps(message: object) -> bytes:
    # Without the memo (fast mode) pickling tuples of strings takes a third of the time;
    # the texts hold no references to one another to remember.
    out = io.BytesIO()
    pickler = pickle.Pickler(out, pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    pickler.dump(message)
    return out.getvalue()


def _messages(texts: list[Iterable[Row]], claims: Path) -> Iterator[bytes]:
    """The messages that carry ``texts`` to the worker: chunks of each index's rows, the
    index by its number, and after each index its end; none for an index the export has
    claimed (the worker would never read them)."""
    for number, rows in enumerate(texts):
        it = iter(rows)
        while read_claims(claims)[1] > number and (chunk := list(islice(it, CHUNK))):
            yield _dumps((number, chunk))
        yield _dumps((number, None))


def _shadow_tables(conn: sqlite3.Connection, schema: str, index: str) -> list[str]:
    """The tables FTS5 keeps the index ``index`` in: ``<index>_data`` and the like."""
    prefix = f"{index}_"
    return [
        name
        for (name,) in conn.execute(
            f"SELECT name FROM \"{schema}\".sqlite_master WHERE type = 'table' "
            "AND substr(name, 1, ?) = ? ORDER BY name",
            (len(prefix), prefix),
        )
    ]
