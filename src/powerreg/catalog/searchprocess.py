"""What runs in the worker process that builds search indexes (:mod:`.searchworker`),
and what both sides of it share: the scratch database's settings, the claims on the
indexes, and the messages on the pipes.

It imports only the standard library and :mod:`.ngrams`, so that the worker starts in
a fraction of a second, not the second that pydantic and powerreg's models take.

Examples:
    >>> import tempfile
    >>> from pathlib import Path
    >>> claims = Path(tempfile.mkdtemp()) / "claims"
    >>> _ = claims.write_bytes(bytes([0, 3]))       # three jobs, none taken
    >>> take_job(claims, first=True), take_job(claims, first=False), read_claims(claims)
    (0, 2, (1, 2))
    >>> take_job(claims, first=False), take_job(claims, first=True)
    (1, None)
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pickle
import queue
import select
import signal
import sqlite3
import sys
import threading
from typing import IO, Any

from .ngrams import index_text

#: Chunks of texts the worker holds before it has built them.
_AHEAD = 4

#: Seconds between two looks at whether the export is still there, while the inbox is full.
_WATCH = 0.2


def connect_scratch(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """A connection set up for writing a new private file fast, as the export's own: no
    journal on disk, no sync (the catalog is synced once before its rename)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = MEMORY")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -65536")
    return conn


def create_index(conn: sqlite3.Connection, name: str, hashsize: int) -> None:
    """Create the FTS5 table ``name`` of a search index, empty, holding up to ``hashsize``
    bytes of pending entries in memory before it writes a segment."""
    conn.execute(
        f"CREATE VIRTUAL TABLE \"{name}\" USING fts5(grams, content='', tokenize='unicode61')"
    )
    conn.execute(f'INSERT INTO "{name}" ("{name}", rank) VALUES (\'hashsize\', ?)', (hashsize,))


def take_job(claims: str | os.PathLike[str], first: bool) -> int | None:
    """Claim the first (the worker) or the last (the export) job not yet claimed."""
    with open(claims, "r+b") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)  # released when the file is closed
        taken, left = f.read(2)
        if taken >= left:
            return None
        job = taken if first else left - 1
        f.seek(0)
        f.write(bytes([taken + 1, left] if first else [taken, left - 1]))
        return job


def read_claims(claims: str | os.PathLike[str]) -> tuple[int, int]:
    """(jobs the worker took, first job the export took)."""
    with open(claims, "rb") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_SH)
        taken, left = f.read(2)
    return taken, left


def write_message(stream: IO[bytes], data: bytes) -> None:
    """One message: its length in 8 bytes, then the bytes."""
    stream.write(len(data).to_bytes(8, "little"))
    stream.write(data)
    stream.flush()


def read_message(stream: IO[bytes]) -> Any:
    """The next message, unpickled; None at the end of the stream."""
    head = stream.read(8)
    if len(head) < 8:
        return None
    n = int.from_bytes(head, "little")
    data = stream.read(n)
    if len(data) < n:
        return None
    return pickle.loads(data)


# ------------------------------------------------------------------------- the worker


def main() -> None:
    """The worker process: build the indexes of the plan given in ``sys.argv[1]`` in
    order until the export has claimed the rest; write ``("done", names)`` or
    ``("failed", why)`` to standard output and end at once: the reader thread may be
    inside a read of standard input, which Python's shutdown would wait for and abort
    on ("could not acquire lock for <stdin>")."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the export ends it
    job = json.loads(sys.argv[1])
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to standard error, not into the answer
    # A few chunks ahead, no more: the rest wait in the export, not pickled yet.
    inbox: queue.Queue[Any] = queue.Queue(maxsize=_AHEAD)
    threading.Thread(target=_read, args=(sys.stdin.buffer, inbox), daemon=True).start()
    answer: tuple[str, object]
    try:
        built = _build(inbox, job["claims"], job["scratch"], job["plan"], job["hashsize"])
    except Exception as err:  # reported to the export, which raises
        answer = ("failed", f"{type(err).__name__}: {err}")
    else:
        answer = ("done", built)
    with contextlib.suppress(OSError):  # unless the export is gone
        write_message(out, pickle.dumps(answer))
        out.close()
    sys.stderr.flush()
    os._exit(0 if answer[0] == "done" else 1)


def _read(stream: IO[bytes], inbox: queue.Queue[Any]) -> None:
    """Take the messages off the input as the worker has room for them (``_AHEAD``); at
    its end the export has finished with this process (or died), so end it, whatever it
    is doing — also while the inbox is full."""
    try:
        while (message := read_message(stream)) is not None:
            while True:
                try:
                    inbox.put(message, timeout=_WATCH)
                    break
                except queue.Full:
                    if _hung_up(stream):
                        return
    finally:
        os._exit(1)


def _hung_up(stream: IO[bytes]) -> bool:
    """Whether the other end of the pipe ``stream`` reads from is closed."""
    poll = select.poll()
    poll.register(stream.fileno(), select.POLLIN)
    return any(events & select.POLLHUP for _, events in poll.poll(0))


def _build(
    inbox: queue.Queue[Any],
    claims: str,
    scratch: str,
    plan: list[tuple[str, int]],
    hashsize: int,
) -> list[str]:
    db = connect_scratch(scratch)
    try:
        db.create_function("powerreg_index_text", -1, index_text, deterministic=True)
        db.execute("BEGIN")
        built: list[str] = []
        while (job := take_job(claims, first=True)) is not None:
            name, width = plan[job]
            create_index(db, name, hashsize)
            marks = ", ".join("?" * width)
            sql = f'INSERT INTO "{name}" (rowid, grams) VALUES (?, powerreg_index_text({marks}))'
            rowid = 1
            while True:
                of, rows = inbox.get()
                if of != job:
                    raise ValueError(f"texts of index {of} while building index {job}")
                if rows is None:
                    break
                db.executemany(sql, [(rowid + i, *texts) for i, texts in enumerate(rows)])
                rowid += len(rows)
            built.append(name)
        db.execute("COMMIT")
        return built
    finally:
        db.close()
