"""The load cache: what loading a power file produced, kept on disk by the file's bytes.

Parsing YAML is nine tenths of loading a registry. A power file that loaded cleanly (no
problem of its own) is kept in one SQLite file, ``cache.db``, under a key made of the
file's bytes (BLAKE2b) and a *fingerprint* of this powerreg: its version, pydantic's,
and the source of every module whose work the entry holds (the models, the YAML reader,
the loader, this module and :mod:`.loadentry`, which writes and reads an entry). A
changed file, a new powerreg or a changed model therefore never finds an old entry. An
entry holds the validated :class:`~powerreg.model.Power` (as plain JSON, rebuilt without
validating it twice), where its category was named, and the line and column of the power
and each of its entities, so a power read from the cache gives the same registry, the
same source map, and the same problems as a fresh read. Files with problems are never
stored: they are read again, so their messages are always those of the parser.

The cache is never required and never trusted: an entry carries a checksum over its
key and payload, and one that does not decode (corrupt, truncated, written by someone
else) is a miss and is overwritten. A cache directory that cannot be created or written
leaves loading uncached, silently. SQLite's write-ahead log lets several loaders read
and write at once.

Where: ``$POWERREG_CACHE_DIR``, else ``$XDG_CACHE_HOME/powerreg``, else
``~/.cache/powerreg``. ``POWERREG_CACHE=0`` (or ``load(..., cache=False)``) turns it off.
Deleting the directory is always safe (``powerreg cache clear`` does it). Entries not
used for :data:`KEEP_DAYS` days — an old version of an edited file, anything written by an
earlier powerreg — are removed, once a day, when the cache is opened.

Examples:
    >>> import tempfile
    >>> from powerreg import load
    >>> from powerreg.loadentry import CachedPower
    >>> reg = load("examples/minimal")
    >>> power = reg.powers["XK-001"]
    >>> cache = LoadCache.open(tempfile.mkdtemp())
    >>> key = cache.key(b"the file's bytes")
    >>> cache.put_many([(key, CachedPower.of(power, None, [("XK-001", 1, 5)]))])
    >>> hit = cache.get_many([key])[key]
    >>> hit.power == power, hit.power.flowcharts[0].steps[1].gid, hit.positions
    (True, 'XK-001/F1/S2', [('XK-001', 1, 5)])
    >>> cache.get_many([cache.key(b"other bytes")])
    {}
    >>> cache.close()
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Iterable, Mapping
from functools import cache as once
from pathlib import Path
from typing import TYPE_CHECKING

from .machine import mute

if TYPE_CHECKING:
    from .loadentry import CachedPower

#: Environment variable naming the cache directory.
CACHE_DIR_ENV = "POWERREG_CACHE_DIR"
#: Environment variable that turns the cache off when ``0`` (or ``false``, ``no``, ``off``).
CACHE_ENV = "POWERREG_CACHE"
#: The cache's SQLite file, in the cache directory.
CACHE_FILE = "cache.db"

#: Days an entry is kept after it was last written or found.
KEEP_DAYS = 30

#: Keys looked up (or written) in one statement.
_BATCH = 500
_DIGEST = 16
_OFF = {"0", "false", "no", "off"}

#: The modules whose behaviour an entry records: a change to any changes the fingerprint.
_SOURCES = (
    "model",
    "yamlsource.py",
    "fastyaml.py",
    "schemamessages.py",
    "loadpool.py",
    "directory.py",
    "loadcache.py",
    "loadentry.py",
    "readfile.py",
    "verdicts.py",
)


def cache_enabled(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the environment allows the cache (``POWERREG_CACHE`` is not ``0``).

    Examples:
        >>> cache_enabled({"POWERREG_CACHE": "0"}), cache_enabled({})
        (False, True)
    """
    return environ.get(CACHE_ENV, "").strip().lower() not in _OFF


def cache_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """The directory the cache lives in (it may not exist yet).

    Examples:
        >>> str(cache_dir({"POWERREG_CACHE_DIR": "/tmp/somewhere"}))
        '/tmp/somewhere'
        >>> str(cache_dir({"XDG_CACHE_HOME": "/var/cache/me"}))
        '/var/cache/me/powerreg'
    """
    named = environ.get(CACHE_DIR_ENV)
    if named:
        return Path(named)
    xdg = environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "powerreg"


@once
def fingerprint() -> bytes:
    """What an entry depends on besides the file: powerreg's version, pydantic's, and the
    source text of the modules that read, validate and locate a power.

    Examples:
        >>> len(fingerprint())
        32
    """
    from ._version import __version__

    return fingerprint_of(Path(__file__).resolve().parent, __version__)


def _pydantic_version() -> bytes:
    """pydantic's version, as the text of its ``version`` module (its release and the
    pydantic-core it needs), found without importing pydantic (some 20 ms at start-up)."""
    import importlib.util

    spec = importlib.util.find_spec("pydantic")
    if spec is not None and spec.origin is not None:
        try:
            return (Path(spec.origin).parent / "version.py").read_bytes()
        except OSError:
            pass
    import pydantic  # pragma: no cover - an unusual install

    return pydantic.VERSION.encode()  # pragma: no cover


def fingerprint_of(package: Path, version: str) -> bytes:
    """The fingerprint of the package's source in ``package`` at ``version``."""
    h = hashlib.blake2b(digest_size=32)
    h.update(f"powerreg {version}; cache 1\n".encode())
    h.update(b"pydantic " + _pydantic_version() + b"\n")
    for name in _SOURCES:
        path = package / name
        files = sorted(path.glob("*.py")) if path.is_dir() else [path]
        for file in files:
            if file.is_file():
                h.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return h.digest()


def _checksum(key: bytes, payload: bytes) -> bytes:
    return hashlib.blake2b(payload, key=key[:64], digest_size=_DIGEST).digest()


# ------------------------------------------------------------------ the file


def content_digest(content: bytes, salt: bytes = b"") -> bytes:
    """BLAKE2b (32 bytes) of ``salt`` then ``content``: a cache entry's key
    (:meth:`LoadCache.key`), and what a load keeps of a file whose places it finds
    later (:mod:`powerreg.lateplaces`), one digest serving both.

    Examples:
        >>> content_digest(b"a") == content_digest(b"a") != content_digest(b"a", b"v2")
        True
    """
    h = hashlib.blake2b(salt, digest_size=32)
    h.update(content)
    return h.digest()


class LoadCache:
    """The open cache of one process: ``cache.db`` in a directory.

    Every method swallows SQLite's errors: a cache that fails is a cache that misses.
    """

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self._db: sqlite3.Connection | None = db
        self._path = path  # the database's file, for a writer's connection of its own
        self._prefix = fingerprint()
        self._behind: _WriteBehind | None = None

    @classmethod
    def open(cls, directory: str | os.PathLike[str] | None = None) -> LoadCache | None:
        """The cache in ``directory`` (default :func:`cache_dir`), created if need be;
        ``None`` if it cannot be opened or created."""
        where = Path(directory) if directory is not None else cache_dir()
        db = None
        try:
            where.mkdir(parents=True, exist_ok=True, mode=0o700)
            db = sqlite3.connect(where / CACHE_FILE, timeout=10, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS entry (key BLOB PRIMARY KEY, value BLOB NOT NULL)"
                " WITHOUT ROWID"
            )
            # the day (since 1970) each entry was last written or found, and when the
            # cache was last pruned (key b"")
            db.execute(
                "CREATE TABLE IF NOT EXISTS used (key BLOB PRIMARY KEY, day INTEGER NOT NULL)"
                " WITHOUT ROWID"
            )
            _prune(db, _today())
        except (OSError, sqlite3.Error):
            if db is not None:
                db.close()
            return None
        return cls(db, where / CACHE_FILE)

    def key(self, content: bytes) -> bytes:
        """The entry key of a file's bytes under this powerreg."""
        return content_digest(content, self._prefix)

    @property
    def salt(self) -> bytes:
        """What :meth:`key` digests before a file's bytes (this powerreg's fingerprint)."""
        return self._prefix

    def get_many(self, keys: Iterable[bytes]) -> dict[bytes, CachedPower]:
        """The entries found for ``keys``; one that is missing, corrupt or foreign is
        left out (and will be overwritten)."""
        from .loadentry import decode_payload  # (the models: not for a verdict's lookup)

        found: dict[bytes, CachedPower] = {}
        for key, payload in self.get_payloads(keys).items():
            try:
                found[key] = decode_payload(payload)
            except Exception:  # any entry that does not decode is a miss
                continue
        return found

    def get_payloads(self, keys: Iterable[bytes]) -> dict[bytes, bytes]:
        """The payloads stored under ``keys`` whose checksum holds (each found is kept
        for another :data:`KEEP_DAYS`)."""
        found: dict[bytes, bytes] = {}
        db = self._db
        if db is None:
            return found
        wanted = list(dict.fromkeys(keys))
        rows: list[tuple[bytes, bytes, int | None]] = []
        today = _today()
        try:
            for i in range(0, len(wanted), _BATCH):
                chunk = wanted[i : i + _BATCH]
                marks = ",".join("?" * len(chunk))
                rows += db.execute(
                    "SELECT entry.key, value, day FROM entry LEFT JOIN used USING (key)"
                    f" WHERE entry.key IN ({marks})",
                    chunk,
                )
            # found today: kept for another KEEP_DAYS (written once a day, not every load)
            stale = [(key, today) for key, _, day in rows if day != today]
            if stale:
                with db:
                    db.execute("BEGIN")
                    db.executemany("INSERT OR REPLACE INTO used (key, day) VALUES (?, ?)", stale)
        except sqlite3.Error:
            self.close()
            return found
        for key, value, _ in rows:
            if isinstance(value, bytes) and _checksum(key, value[_DIGEST:]) == value[:_DIGEST]:
                found[key] = value[_DIGEST:]
        return found

    def put_many(self, entries: Iterable[tuple[bytes, CachedPower]]) -> None:
        """Store entries (replacing any under the same key); entries that cannot be
        kept exactly are skipped."""
        from .loadentry import Unencodable, encode_payload

        db = self._db
        if db is None:
            return
        payloads = []
        for key, entry in entries:
            try:
                payloads.append((key, encode_payload(entry)))
            except (Unencodable, TypeError, ValueError):
                continue
        self.put_payloads(payloads)

    def put_payloads(self, payloads: Iterable[tuple[bytes, bytes]]) -> None:
        """Store entries already written as payloads (:func:`encode_payload`): now, or
        by the writer of :meth:`write_behind` if it runs."""
        if self._db is None:
            return
        rows = _rows(payloads)  # (the checksums here: see _store)
        if self._behind is not None:
            self._behind.hand(rows)
        elif not _store(self._db, rows):
            self.close()

    def write_behind(self) -> None:
        """From now on, have a thread of this cache's own (with its own connection) write
        what :meth:`put_payloads` is given, which then returns at once; :meth:`close`
        waits for it. SQLite writes with the interpreter lock released, so a first load
        of a big registry takes in its next files while the last are written (100,000
        powers: some 700 MB). A process that will fork must not call it (a fork copies
        a thread's locks, not the thread): the loader calls it once its workers run.

        Examples:
            >>> import tempfile
            >>> c = LoadCache.open(tempfile.mkdtemp())
            >>> c.write_behind()
            >>> c.put_payloads([(b"k", b"payload")])
            >>> c.close()  # written by now
        """
        if self._db is not None and self._behind is None:
            self._behind = _WriteBehind(self._path)
            self._behind.start()

    def close(self) -> None:
        """Wait for the writer of :meth:`write_behind`, if any, and close the database
        (the cache then misses and stores nothing)."""
        if self._behind is not None:
            self._behind.finish()
            self._behind = None
        if self._db is not None:
            self._db.close()
            self._db = None


#: Rows of one INSERT statement (two parameters each, under SQLite's old limit of 999).
_ROWS_PER_INSERT = 400


@once
def _insert(table: str, column: str, rows: int) -> str:
    """``INSERT OR REPLACE`` of ``rows`` rows of ``key`` and ``column`` into ``table``
    (names of ours, never data)."""
    values = ", ".join(["(?, ?)"] * rows)
    return f"INSERT OR REPLACE INTO {table} (key, {column}) VALUES {values}"


def _rows(payloads: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The ``(key, value)`` rows of payloads: each value the payload under its
    checksum, the rows in key order (the table is a B-tree on the key, and keys are
    hashes: inserted in their order a batch's entries go in next to each other, at
    random they split pages all over; 50,000 entries of 7 kB into an empty table took
    4.0 s at random, 1.9 s in order)."""
    return sorted((key, _checksum(key, payload) + payload) for key, payload in payloads)


def _store(db: sqlite3.Connection, rows: list[tuple[bytes, bytes]]) -> bool:
    """Write :func:`_rows` as entries in one transaction; whether SQLite took them.

    The write-behind thread does as little as it can while holding the interpreter
    lock: a thread that lets go of it (hashing a payload, an SQLite step) while another
    thread computes waits up to the switch interval (5 ms) to take it back. So the
    checksums are made by the thread that hands the rows over, and many rows go in one
    statement (with ``executemany``, one step a row, the writer of a 10,000-power first
    load wrote a row every 5 ms, and the loader waited on it for seconds).

    Examples:
        >>> db = sqlite3.connect(":memory:")
        >>> for t, c in (("entry", "value"), ("used", "day")):
        ...     _ = db.execute(f"CREATE TABLE {t} (key BLOB PRIMARY KEY, {c}) WITHOUT ROWID")
        >>> _store(db, _rows((bytes([i % 256, i // 256]), b"p") for i in range(1001)))
        True
        >>> db.execute("SELECT count(*) FROM entry").fetchone(), db.execute(
        ...     "SELECT count(*) FROM used").fetchone()
        ((1001,), (1001,))
    """
    if not rows:
        return True
    today = _today()
    step = _ROWS_PER_INSERT
    try:
        with db:
            db.execute("BEGIN")
            days = [(key, today) for key, _ in rows]
            for table, column, of in (("entry", "value", rows), ("used", "day", days)):
                for i in range(0, len(of), step):
                    part = of[i : i + step]
                    db.execute(_insert(table, column, len(part)), [v for r in part for v in r])
    except sqlite3.Error:
        return False
    return True


#: Batches of payloads a writer may hold before :meth:`LoadCache.put_payloads` waits.
_BEHIND = 8


class _WriteBehind(threading.Thread):
    """The writer of :meth:`LoadCache.write_behind`. A writer that fails stops writing
    (the cache misses those entries) but still takes what it is handed, so the loader
    never waits on it. It catches every exception and prints nothing: the fast reader
    may point fd 2 at /dev/null while it runs (:func:`powerreg.machine.mute`)."""

    def __init__(self, path: Path) -> None:
        super().__init__(name="powerreg-cache-writer", daemon=True)
        self.path = path
        self.batches: queue.Queue[list[tuple[bytes, bytes]] | None] = queue.Queue(_BEHIND)
        mute(self)

    def hand(self, rows: list[tuple[bytes, bytes]]) -> None:
        if rows:
            self.batches.put(rows)

    def finish(self) -> None:
        self.batches.put(None)
        self.join()

    def run(self) -> None:
        db: sqlite3.Connection | None = None
        try:
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            db.execute("PRAGMA synchronous=NORMAL")
        except Exception:  # (sqlite3.Error and the rest: nothing may be printed)
            db = _closed(db)
        while (rows := self.batches.get()) is not None:
            if db is None:
                continue
            try:
                stored = _store(db, rows)
            except Exception:  # a cache is never an error: those entries miss
                stored = False
            if not stored:
                db = _closed(db)
        _closed(db)


def _closed(db: sqlite3.Connection | None) -> sqlite3.Connection | None:
    """Close ``db`` if there is one, whatever fails; ``None``, the writer's connection
    from then on."""
    if db is not None:
        with contextlib.suppress(Exception):  # (the writer prints nothing)
            db.close()
    return None


def _today() -> int:
    """Days since 1970-01-01, UTC."""
    return int(time.time() // 86_400)


def _prune(db: sqlite3.Connection, today: int, keep: int = KEEP_DAYS) -> int:
    """Remove the entries not written or found for ``keep`` days, at most once a day
    (the day of the last pruning is kept under the empty key); the entries removed.

    Examples:
        >>> import sqlite3, tempfile
        >>> c = LoadCache.open(tempfile.mkdtemp())
        >>> c.put_payloads([(b"k1", b"one"), (b"k2", b"two")])
        >>> db = c._db
        >>> _ = db.execute("UPDATE used SET day = day - 31 WHERE key = ?", (b"k1",))
        >>> _prune(db, _today()), _prune(db, _today() + 1)  # once a day
        (0, 1)
        >>> [k for (k,) in db.execute("SELECT key FROM entry")]
        [b'k2']
        >>> c.close()
    """
    row = db.execute("SELECT day FROM used WHERE key = ?", (b"",)).fetchone()
    if row is not None and row[0] >= today:
        return 0
    with db:
        db.execute("BEGIN")
        # an entry without a day was written before days were kept: it goes too
        gone = db.execute(
            "DELETE FROM entry WHERE key NOT IN (SELECT key FROM used WHERE day >= ?)",
            (today - keep,),
        ).rowcount
        db.execute("DELETE FROM used WHERE day < ? AND key != ?", (today - keep, b""))
        db.execute("INSERT OR REPLACE INTO used (key, day) VALUES (?, ?)", (b"", today))
    return int(gone)


def cache_size(directory: str | os.PathLike[str] | None = None) -> tuple[int, int]:
    """The entries in the cache in ``directory`` (default :func:`cache_dir`) and the
    bytes its files take; ``(0, 0)`` where there is none.

    Examples:
        >>> import tempfile
        >>> d = tempfile.mkdtemp()
        >>> cache_size(d)
        (0, 0)
        >>> c = LoadCache.open(d)
        >>> c.put_payloads([(b"k", b"payload")])
        >>> c.close()
        >>> n, size = cache_size(d)
        >>> n, size > 0
        (1, True)
    """
    where = Path(directory) if directory is not None else cache_dir()
    files = [where / name for name in (CACHE_FILE, CACHE_FILE + "-wal", CACHE_FILE + "-shm")]
    size = sum(f.stat().st_size for f in files if f.is_file())
    if not files[0].is_file():
        return 0, size
    try:
        db = sqlite3.connect(f"{files[0].resolve().as_uri()}?mode=ro", uri=True)
        try:
            (n,) = db.execute("SELECT count(*) FROM entry").fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return 0, size
    return int(n), size


def clear_cache(directory: str | os.PathLike[str] | None = None) -> bool:
    """Delete the cache's files in ``directory`` (default :func:`cache_dir`); whether
    there was a cache to delete.

    Examples:
        >>> import tempfile
        >>> d = tempfile.mkdtemp()
        >>> LoadCache.open(d).close()
        >>> clear_cache(d), clear_cache(d)
        (True, False)
    """
    where = Path(directory) if directory is not None else cache_dir()
    found = False
    for name in (CACHE_FILE, CACHE_FILE + "-wal", CACHE_FILE + "-shm"):
        try:
            (where / name).unlink()
            found = True
        except FileNotFoundError:
            pass
    return found
