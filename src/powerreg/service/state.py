"""The state database of the supervision service: SQLite in WAL mode, one file.

Tables:

* ``events`` — every event received, as sent, numbered in the order received (``seq``);
  ``event_id`` is the sender's id and unique: an event is stored once.
* ``findings`` — every deviation and alert the service has raised, once each, by its
  identity (:mod:`.feed`), with whether it still stands.
* ``feed`` — the supervision office's feed: each finding raised, withdrawn (later events
  showed it was not so) or restored, in order; ``cursor`` only grows
  (``AUTOINCREMENT``), and a finding is raised at most once (a unique index says so).
* ``tokens`` — who may post and read: a name, the SHA-256 of the token (never the token
  itself), the powers it is for, and whether it may post and read.
* ``meta`` — the registry the state belongs to and the day it was last brought up to.

Every write is one transaction committed with ``synchronous = FULL``: when a commit
returns, the events and the findings they raised are on disk together, and a reply is
sent only after it. A write the disk refuses (full, read-only, I/O error, locked too
long) raises :class:`StateUnavailable` after the transaction is rolled back: nothing of
it is kept, nothing before it is lost.

Examples:
    >>> import tempfile
    >>> from pathlib import Path
    >>> store = Store(Path(tempfile.mkdtemp()) / "state.db")
    >>> store.conn.execute("PRAGMA journal_mode").fetchone()[0]
    'wal'
    >>> with store.transaction():
    ...     store.set_meta("registry", "liaoning-epd-2011")
    >>> store.meta("registry")
    'liaoning-epd-2011'
    >>> store.close()
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import IO, Any

from ..codes import Phrase, phrase
from ..errors import PowerregError, UsageError

#: ``PRAGMA user_version`` of the state database.
STATE_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    case_id TEXT NOT NULL,
    power_id TEXT NOT NULL,
    flowchart_id TEXT,
    step_id TEXT NOT NULL,
    time INTEGER NOT NULL,
    timestamp TEXT NOT NULL,
    actor TEXT,
    note TEXT,
    sender TEXT NOT NULL,
    received TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS findings (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    case_id TEXT NOT NULL,
    power_id TEXT NOT NULL,
    standing INTEGER NOT NULL CHECK (standing IN (0, 1)),
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS feed (
    cursor INTEGER PRIMARY KEY AUTOINCREMENT,
    finding_id INTEGER NOT NULL REFERENCES findings (id),
    kind TEXT NOT NULL CHECK (kind IN ('raised', 'withdrawn', 'restored')),
    case_id TEXT NOT NULL,
    power_id TEXT NOT NULL,
    at TEXT NOT NULL,
    as_of TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS feed_raised_once ON feed (finding_id) WHERE kind = 'raised';
CREATE INDEX IF NOT EXISTS feed_by_power ON feed (power_id, cursor);
CREATE TABLE IF NOT EXISTS tokens (
    name TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    powers TEXT,
    send INTEGER NOT NULL,
    read INTEGER NOT NULL,
    created TEXT NOT NULL
);
"""

#: Columns of ``events``, in order.
EVENT_COLUMNS = (
    "seq",
    "event_id",
    "case_id",
    "power_id",
    "flowchart_id",
    "step_id",
    "time",
    "timestamp",
    "actor",
    "note",
    "sender",
    "received",
)

#: Positions in :data:`EVENT_COLUMNS` of the columns that may be NULL.
_NULLABLE = tuple(EVENT_COLUMNS.index(name) for name in ("flowchart_id", "actor", "note"))
#: Rows one INSERT of events writes, largest first: a request's rows go in by as few
#: statements of these sizes as add up to them (64 rows: 768 parameters, within the
#: 999 of any SQLite).
_ROWS_AN_INSERT = (64, 16, 4, 1)


@functools.cache
def _insert_of(nulls: tuple[bool, ...], rows: int) -> tuple[str, Callable[[Sequence[Any]], Any]]:
    """The INSERT of ``rows`` event rows whose columns :data:`_NULLABLE` are None where
    ``nulls`` says, and what it takes of each row.

    Many rows a statement: SQLite runs it once, where ``executemany`` runs one
    statement a row, letting go of the GIL and taking it back each time. NULL written
    in the statement, not bound: Python 3.11's sqlite3 binds None only after failing
    to find an adapter for it, an exception made and dropped for each.

    Examples:
        >>> sql, values = _insert_of((False, True, True), 2)
        >>> sql.split("VALUES ")[1]
        '(?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?), (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?)'
        >>> values(range(12))
        (0, 1, 2, 3, 4, 5, 6, 7, 10, 11)
    """
    null = {at for at, is_null in zip(_NULLABLE, nulls, strict=True) if is_null}
    kept = [at for at in range(len(EVENT_COLUMNS)) if at not in null]
    one = ", ".join("NULL" if at in null else "?" for at in range(len(EVENT_COLUMNS)))
    values = ", ".join([f"({one})"] * rows)
    return f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES {values}", itemgetter(*kept)


#: What a refused write says, by SQLite's primary result code.
_WHY = {
    sqlite3.SQLITE_FULL: phrase("service.why_full"),
    sqlite3.SQLITE_READONLY: phrase("service.why_read_only"),
    sqlite3.SQLITE_IOERR: phrase("service.why_io"),
    sqlite3.SQLITE_BUSY: phrase("service.why_busy"),
    sqlite3.SQLITE_LOCKED: phrase("service.why_locked"),
    sqlite3.SQLITE_CANTOPEN: phrase("service.why_cannot_open"),
    sqlite3.SQLITE_PERM: phrase("service.why_denied"),
}


class StateUnavailable(PowerregError):
    """The state database cannot be written now (a full disk, a read-only file, an I/O
    error): the service answers 503, and nothing of the refused write is kept. ``why``
    says why in either language (a phrase: it crosses from the settling process as is).

    Examples:
        >>> import pickle
        >>> err = pickle.loads(pickle.dumps(StateUnavailable(phrase("service.why_full"))))
        >>> str(err), err.why.in_lang("zh")
        ('the state database cannot be written: the disk is full', '磁盘已满')
    """

    def __init__(self, why: Phrase) -> None:
        self.why = why
        super().__init__(f"the state database cannot be written: {why.in_lang('en')}")


def _refused(err: sqlite3.Error) -> bool:
    """Whether SQLite refused a write for a reason of the disk or the file (not a bug)."""
    code = getattr(err, "sqlite_errorcode", None)
    return isinstance(code, int) and (code & 0xFF) in _WHY


def unavailable(err: sqlite3.Error) -> StateUnavailable:
    """The :class:`StateUnavailable` of a SQLite error, saying why in plain words."""
    code = getattr(err, "sqlite_errorcode", None)
    why = _WHY.get(code & 0xFF) if isinstance(code, int) else None
    return StateUnavailable(why or phrase("service.why_sqlite", kind=type(err).__name__))


class Store:
    """The state database at ``path``, created if it does not exist.

    One connection, shared by the service's threads under :attr:`lock`; reads see what
    the open transaction wrote. ``readonly`` opens it for reading only (an export).
    """

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.lock = threading.RLock()
        self._held: IO[str] | None = None
        try:
            if readonly:
                if not self.path.is_file():
                    raise UsageError("service.no_state", path=self.path)
                uri = f"{self.path.resolve().as_uri()}?mode=ro"
                self.conn = sqlite3.connect(
                    uri, uri=True, isolation_level=None, check_same_thread=False
                )
            else:
                if self.path.is_dir():
                    raise UsageError("service.state_is_dir", path=self.path)
                self.conn = sqlite3.connect(
                    self.path, isolation_level=None, check_same_thread=False, timeout=5.0
                )
            self._check_and_create(readonly)
        except sqlite3.Error as err:
            raise UsageError("service.state_cannot_open", path=self.path, reason=str(err)) from err

    def _check_and_create(self, readonly: bool) -> None:
        conn = self.conn
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        except sqlite3.DatabaseError as err:
            raise UsageError("service.state_not_sqlite", path=self.path, reason=str(err)) from err
        if names and (version != STATE_VERSION or "events" not in names):
            raise UsageError("service.state_not_ours", path=self.path, version=STATE_VERSION)
        if readonly:
            return
        conn.execute("PRAGMA journal_mode = WAL")
        # every commit is on disk when it returns: a reply acknowledges stored events
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        if not names:
            conn.executescript(f"BEGIN; {SCHEMA} PRAGMA user_version = {STATE_VERSION}; COMMIT;")

    def hold(self) -> None:
        """Take the state for one service: a second ``powerreg supervise`` on the same
        file is refused (its memory of the cases would go stale). The hold is an
        ``flock`` on ``STATE.db-lock``, released when the process ends, however it ends.

        Raises:
            UsageError: another process holds the state.
        """
        side = self.path.with_name(self.path.name + "-lock")
        try:
            f = side.open("a")
        except OSError as err:
            raise UsageError(
                "service.lock_cannot_open", path=side, reason=err.strerror or str(err)
            ) from err
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            f.close()
            raise UsageError("service.state_held", path=self.path) from err
        self._held = f

    def close(self) -> None:
        """Close the connection (and let go of the state, if held)."""
        with self.lock:
            self.conn.close()
            if self._held is not None:
                self._held.close()
                self._held = None

    # ------------------------------------------------------------------ writing

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed (to disk) when the block ends, rolled back
        if it raises. A write SQLite refuses becomes :class:`StateUnavailable`."""
        with self.lock:
            conn = self.conn
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as err:
                if _refused(err):
                    raise unavailable(err) from err
                raise
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException as err:
                # SQLite may have rolled back already (e.g. after SQLITE_FULL)
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                if isinstance(err, sqlite3.Error) and _refused(err):
                    raise unavailable(err) from err
                raise

    def insert_events(self, rows: Iterable[Sequence[Any]]) -> None:
        """Add events (tuples in :data:`EVENT_COLUMNS` order); in a transaction.

        The rows go in by groups, one for each set of optional columns that are None,
        each group by statements of many rows (see :func:`_insert_of`).
        """
        a, b, c = _NULLABLE
        groups: dict[tuple[bool, bool, bool], list[Sequence[Any]]] = {}
        for row in rows:
            key = (row[a] is None, row[b] is None, row[c] is None)
            group = groups.get(key)
            if group is None:
                groups[key] = [row]
            else:
                group.append(row)
        execute, flat = self.conn.execute, chain.from_iterable
        for key, group in groups.items():
            at, left = 0, len(group)
            for size in _ROWS_AN_INSERT:
                if left < size:
                    continue
                sql, values = _insert_of(key, size)
                while left >= size:
                    execute(sql, list(flat(map(values, group[at : at + size]))))
                    at, left = at + size, left - size

    def add_findings(self, rows: Iterable[tuple[int, str, str, str, int, str]]) -> None:
        """Record findings raised for the first time: ``(id, key, case_id, power_id,
        standing, record)``; in a transaction."""
        self.conn.executemany(
            "INSERT INTO findings (id, key, case_id, power_id, standing, record) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )

    def set_standing(self, rows: Iterable[tuple[int, str, int]]) -> None:
        """Mark findings standing (1) or withdrawn (0), with their record as now found:
        ``(standing, record, id)``; in a transaction."""
        self.conn.executemany("UPDATE findings SET standing = ?, record = ? WHERE id = ?", rows)

    def append_feed(self, rows: Iterable[tuple[int, str, str, str, str, str, str]]) -> None:
        """Add entries to the feed, in order: ``(finding_id, kind, case_id, power_id, at,
        as_of, record)``; in a transaction."""
        self.conn.executemany(
            "INSERT INTO feed (finding_id, kind, case_id, power_id, at, as_of, record) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    def add_token(
        self, name: str, digest: str, powers: str | None, send: bool, read: bool, created: str
    ) -> None:
        """Store a token by the hash of its secret; in a transaction."""
        self.conn.execute(
            "INSERT INTO tokens (name, hash, powers, send, read, created) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (name, digest, powers, int(send), int(read), created),
        )

    def set_meta(self, key: str, value: str) -> None:
        """Set a meta value; in a transaction."""
        self.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # ------------------------------------------------------------------ reading

    def meta(self, key: str) -> str | None:
        """A meta value, or None."""
        with self.lock:
            row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def stored_events(self, ids: Sequence[str]) -> dict[str, tuple[Any, ...]]:
        """The stored events among ``ids``, by event id, as rows in
        :data:`EVENT_COLUMNS` order."""
        out: dict[str, tuple[Any, ...]] = {}
        cols = ", ".join(EVENT_COLUMNS)
        with self.lock:
            for start in range(0, len(ids), 900):
                chunk = ids[start : start + 900]
                marks = ", ".join("?" * len(chunk))
                for row in self.conn.execute(
                    f"SELECT {cols} FROM events WHERE event_id IN ({marks})", chunk
                ):
                    out[row[1]] = row
        return out

    def event_ids(self, seqs: Iterable[int]) -> dict[int, str]:
        """The event id of each of the events numbered ``seqs``."""
        wanted = sorted(set(seqs))
        out: dict[int, str] = {}
        with self.lock:
            for start in range(0, len(wanted), 900):
                chunk = wanted[start : start + 900]
                marks = ", ".join("?" * len(chunk))
                out.update(
                    self.conn.execute(
                        f"SELECT seq, event_id FROM events WHERE seq IN ({marks})", chunk
                    ).fetchall()
                )
        return out

    def all_events(self) -> Iterator[tuple[Any, ...]]:
        """Every event, case by case, each case's in time order (ties in the order
        received): ``(seq, case_id, power_id, flowchart_id, step_id, timestamp, actor,
        note)``."""
        cur = self.conn.execute(
            "SELECT seq, case_id, power_id, flowchart_id, step_id, timestamp, actor, note "
            "FROM events ORDER BY case_id, time, seq"
        )
        while rows := cur.fetchmany(10_000):
            yield from rows

    def events_from(self, seq: int, limit: int) -> list[tuple[Any, ...]]:
        """Up to ``limit`` events numbered ``seq`` and after, in the order received:
        ``(seq, event_id, case_id, power_id, flowchart_id, step_id, time, timestamp,
        actor, note)``."""
        with self.lock:
            return self.conn.execute(
                "SELECT seq, event_id, case_id, power_id, flowchart_id, step_id, time, "
                "timestamp, actor, note FROM events WHERE seq >= ? ORDER BY seq LIMIT ?",
                (seq, limit),
            ).fetchall()

    def finding_records(self, ids: Iterable[int]) -> dict[int, str]:
        """The record of each of the findings ``ids``, as last raised or restored."""
        wanted = sorted(set(ids))
        out: dict[int, str] = {}
        with self.lock:
            for start in range(0, len(wanted), 900):
                chunk = wanted[start : start + 900]
                marks = ", ".join("?" * len(chunk))
                out.update(
                    self.conn.execute(
                        f"SELECT id, record FROM findings WHERE id IN ({marks})", chunk
                    ).fetchall()
                )
        return out

    def findings(self) -> Iterator[tuple[int, str, str, int]]:
        """Every finding: ``(id, key, case_id, standing)``."""
        cur = self.conn.execute("SELECT id, key, case_id, standing FROM findings ORDER BY id")
        while rows := cur.fetchmany(10_000):
            yield from rows

    def feed_after(
        self, cursor: int, limit: int, powers: frozenset[str] | None = None
    ) -> list[tuple[int, int, str, str, str, str]]:
        """Up to ``limit`` feed entries after ``cursor``, of ``powers`` (all if None):
        ``(cursor, finding_id, kind, at, as_of, record)``."""
        cols = "cursor, finding_id, kind, at, as_of, record"
        with self.lock:
            if powers is None:
                rows = self.conn.execute(
                    f"SELECT {cols} FROM feed WHERE cursor > ? ORDER BY cursor LIMIT ?",
                    (cursor, limit),
                ).fetchall()
            else:
                chosen = sorted(powers)
                marks = ", ".join("?" * len(chosen))
                rows = self.conn.execute(
                    f"SELECT {cols} FROM feed WHERE cursor > ? AND power_id IN ({marks}) "
                    "ORDER BY cursor LIMIT ?",
                    (cursor, *chosen, limit),
                ).fetchall()
        return rows

    def token(self, digest: str) -> tuple[str, str, str | None, int, int] | None:
        """The token stored with hash ``digest``: ``(name, hash, powers, send, read)``."""
        with self.lock:
            row = self.conn.execute(
                "SELECT name, hash, powers, send, read FROM tokens WHERE hash = ?", (digest,)
            ).fetchone()
        return None if row is None else (row[0], row[1], row[2], row[3], row[4])

    def last_finding(self) -> int:
        """The id of the last finding raised (0 for none)."""
        with self.lock:
            row = self.conn.execute("SELECT coalesce(max(id), 0) FROM findings").fetchone()
        return int(row[0])

    def last_cursor(self) -> int:
        """The cursor of the last feed entry (0 for none)."""
        with self.lock:
            row = self.conn.execute("SELECT coalesce(max(cursor), 0) FROM feed").fetchone()
        return int(row[0])

    def count(self, table: str) -> int:
        """Rows of ``table`` (one of this module's)."""
        if table not in ("events", "findings", "feed", "tokens"):
            raise ValueError(table)
        with self.lock:
            return int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
