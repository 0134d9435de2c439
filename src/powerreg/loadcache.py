"""The load cache: what loading a power file produced, kept on disk by the file's bytes.

Parsing YAML is nine tenths of loading a registry. A power file that loaded cleanly (no
problem of its own) is kept in one SQLite file, ``cache.db``, under a key made of the
file's bytes (BLAKE2b) and a *fingerprint* of this powerreg: its version, pydantic's, and
the source of every module whose work the entry holds (the models, the YAML reader, the
loader, this module). A changed file, a new powerreg or a changed model therefore never
finds an old entry. An entry holds the validated :class:`~powerreg.model.Power` (as plain
JSON, rebuilt without validating it twice), where its category was named, and the
line and column of the power and each of its entities, so a power read from the cache
gives the same registry, the same source map, and the same problems as a fresh read.
Files with problems are never stored: they are read again, so their messages are always
those of the parser.

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

import hashlib
import json
import os
import sqlite3
import time
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache as once
from importlib import metadata
from itertools import repeat
from pathlib import Path
from typing import Any, Union

import pydantic
from pydantic import BaseModel

from .model import Power

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
    "schemamessages.py",
    "loadpool.py",
    "directory.py",
    "loadcache.py",
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
    try:
        version = metadata.version("powerreg")
    except metadata.PackageNotFoundError:  # pragma: no cover - a bare source tree
        version = "0.0.0"
    return fingerprint_of(Path(__file__).resolve().parent, version)


def fingerprint_of(package: Path, version: str) -> bytes:
    """The fingerprint of the package's source in ``package`` at ``version``."""
    h = hashlib.blake2b(digest_size=32)
    h.update(f"powerreg {version}; pydantic {pydantic.VERSION}; cache 1\n".encode())
    for name in _SOURCES:
        path = package / name
        files = sorted(path.glob("*.py")) if path.is_dir() else [path]
        for file in files:
            if file.is_file():
                h.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return h.digest()


# ------------------------------------------------------------------ models as JSON


class Unencodable(ValueError):
    """A model holds a value the cache cannot write back exactly (it is not cached)."""


_Encode = Callable[[Any], Any]
_Decode = Callable[[Any], Any]
_PLAIN = (str, int, float, bool, type(None))


def _plain(value: Any) -> Any:
    if type(value) in _PLAIN:
        return value
    if type(value) is list and all(type(v) in _PLAIN for v in value):
        return value
    raise Unencodable(f"cannot keep a {type(value).__name__}")


def _strip(annotation: Any) -> tuple[Any, bool]:
    """The annotation without ``Annotated`` and ``Optional``; whether it was optional."""
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                raise Unencodable(f"union {annotation!r}")
            optional, annotation = True, args[0]
        else:
            return annotation, optional


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


class _Codec:
    """Writes models of one class as lists (fields in order, after a bit set of which
    fields were set) and builds them back without validating: they were valid when
    written, and the checksum and the fingerprint say they are what was written."""

    def __init__(self) -> None:
        self.encoders: dict[type[BaseModel], _Encode] = {}
        self.decoders: dict[type[BaseModel], _Decode] = {}

    def field(
        self, owner: type[BaseModel], annotation: Any
    ) -> tuple[_Encode, _Decode | None, bool]:
        """How to write and read back one field: encoder, decoder (``None``: the JSON
        value is the value), and whether the decoder applies to each item of a list."""
        tp, _ = _strip(annotation)
        if typing.get_origin(tp) is list:
            (item,) = typing.get_args(tp)
            item, _ = _strip(item)
            if _is_model(item):
                return (*self.model(item), True)
            return _plain, None, False
        if _is_model(tp):
            return (*self.model(tp), False)
        if isinstance(tp, type) and issubclass(tp, Enum):
            return _enum_encoder(tp), _enum_decoder(tp), False
        if tp in _PLAIN or tp is Any:
            return _plain, None, False
        raise Unencodable(f"{owner.__name__}: field type {tp!r}")

    def model(self, cls: type[BaseModel]) -> tuple[_Encode, _Decode]:
        if cls in self.encoders:
            return self.encoders[cls], self.decoders[cls]
        if cls.__private_attributes__ or cls.__pydantic_post_init__ or cls.__pydantic_root_model__:
            raise Unencodable(f"{cls.__name__} has private attributes or a post-init")
        names = tuple(cls.model_fields)
        # set before the fields are compiled, so a model that holds itself terminates
        self.encoders[cls] = lambda v: encode(v)
        self.decoders[cls] = lambda v: decode(v)
        fields = [self.field(cls, f.annotation) for f in cls.model_fields.values()]
        encode = _compile_encoder(cls, names, [(enc, many) for enc, _, many in fields])
        decode = _compile_decoder(cls, names, [(dec, many) for _, dec, many in fields])
        self.encoders[cls], self.decoders[cls] = encode, decode
        return encode, decode


def _not_plain(cls: type[BaseModel]) -> Unencodable:
    return Unencodable(f"not a plain {cls.__name__}")


def _compile_encoder(
    cls: type[BaseModel], names: tuple[str, ...], fields: list[tuple[_Encode, bool]]
) -> _Encode:
    """A function that writes a ``cls`` as its row (the inverse of the decoder), or
    raises :class:`Unencodable` if it holds anything the row could not give back."""
    scope: dict[str, Any] = {
        "cls": cls,
        "P": _PLAIN,
        "plain": _plain,
        "bit": {name: 1 << i for i, name in enumerate(names)},
        "refuse": _not_plain,
    }
    items = []
    for i, (enc, many) in enumerate(fields):
        v = f"v{i}"
        if enc is _plain:
            items.append(f"{v} if type({v}) in P else plain({v})")
        else:
            scope[f"e{i}"] = enc
            call = f"[e{i}(x) for x in {v}]" if many else f"e{i}({v})"
            items.append(f"None if {v} is None else {call}")
    fetch = "".join(f"    v{i} = d[{name!r}]\n" for i, name in enumerate(names))
    source = (
        "def encode(obj):\n"
        "    if type(obj) is not cls or obj.__pydantic_extra__:\n"
        "        raise refuse(cls)\n"
        "    d = obj.__dict__\n"
        "    mask = 0\n"
        "    for name in obj.__pydantic_fields_set__:\n"
        "        mask |= bit[name]\n"
        f"{fetch}"
        f"    return [mask, {', '.join(items)}]\n"
    )
    exec(compile(source, f"<encode {cls.__name__}>", "exec"), scope)  # our own source
    encode: _Encode = scope["encode"]
    return encode


def _compile_decoder(
    cls: type[BaseModel], names: tuple[str, ...], fields: list[tuple[_Decode | None, bool]]
) -> _Decode:
    """A function that builds a ``cls`` from its row as ``model_construct`` would, but
    recursively and with the fields unrolled: the hot loop of a warm load."""
    sets: dict[int, frozenset[str]] = {}

    def fields_set(mask: int) -> frozenset[str]:
        if not 0 <= mask < 1 << len(names):
            raise ValueError("bad field set")
        found = sets[mask] = frozenset(n for i, n in enumerate(names) if mask >> i & 1)
        return found

    scope: dict[str, Any] = {
        "cls": cls,
        "new": object.__new__,
        "put": object.__setattr__,
        "sets": sets,
        "fields_set": fields_set,
    }
    items = []
    for i, (name, (dec, many)) in enumerate(zip(names, fields, strict=True)):
        v = f"v{i}"
        if dec is None:
            expr = v
        elif isinstance(dec, _EnumDecode) and not many:
            scope[f"m{i}"] = dec.members
            expr = f"None if {v} is None else {v}[0] if type({v}) is list else m{i}[{v}]"
        else:
            scope[f"d{i}"] = dec
            call = f"[d{i}(x) for x in {v}]" if many else f"d{i}({v})"
            expr = f"None if {v} is None else {call}"
        items.append(f"{name!r}: {expr}")
    unpack = ", ".join(["mask", *(f"v{i}" for i in range(len(names)))])
    source = (
        "def decode(row):\n"
        "    if row is None:\n"
        "        return None\n"
        f"    {unpack}, = row\n"
        "    obj = new(cls)\n"
        f"    put(obj, '__dict__', {{{', '.join(items)}}})\n"
        "    fs = sets.get(mask)\n"
        "    put(obj, '__pydantic_fields_set__', set(fields_set(mask) if fs is None else fs))\n"
        "    put(obj, '__pydantic_extra__', None)\n"
        "    put(obj, '__pydantic_private__', None)\n"
        "    return obj\n"
    )
    exec(compile(source, f"<decode {cls.__name__}>", "exec"), scope)  # our own source, built above
    decode: _Decode = scope["decode"]
    return decode


def _enum_encoder(cls: type[Enum]) -> _Encode:
    """A member as its value; a bare value (kept by ``use_enum_values``) in a list."""

    def encode(value: Any) -> Any:
        if type(value) is cls and type(value.value) in _PLAIN:
            return value.value
        if type(value) in _PLAIN and value in cls._value2member_map_:
            return [value]
        raise Unencodable(f"not a {cls.__name__}")

    return encode


class _EnumDecode:
    """Reads an enum field back: a value is its member, a one-item list a bare value.
    The decoders inline it (a call per enum field is a tenth of a warm load)."""

    def __init__(self, cls: type[Enum]) -> None:
        self.members = cls._value2member_map_

    def __call__(self, value: Any) -> Any:
        return value[0] if type(value) is list else self.members[value]


def _enum_decoder(cls: type[Enum]) -> _Decode:
    return _EnumDecode(cls)


@once
def _power_codec() -> tuple[_Encode, _Decode]:
    return _Codec().model(Power)


# ------------------------------------------------------------------ entries


@dataclass(frozen=True)
class CachedPower:
    """What a clean power file produced: the validated power, where its category was
    named (``(code, line, column, entity)``, ``None`` if it names none as text), and
    the key, line and column of each entity the source map records (three lists)."""

    power: Power
    category: tuple[str, int, int, str | None] | None
    keys: Sequence[str]
    lines: Sequence[int]
    columns: Sequence[int]

    @classmethod
    def of(
        cls,
        power: Power,
        category: tuple[str, int, int, str | None] | None,
        positions: Iterable[tuple[str, int, int]],
    ) -> CachedPower:
        """An entry from ``(key, line, column)`` of each located entity."""
        keys: list[str] = []
        lines: list[int] = []
        columns: list[int] = []
        for key, line, column in positions:
            keys.append(key)
            lines.append(line)
            columns.append(column)
        return cls(power, category, keys, lines, columns)

    @property
    def positions(self) -> list[tuple[str, int, int]]:
        """``(key, line, column)`` of each located entity."""
        return list(zip(self.keys, self.lines, self.columns, strict=True))

    def locate(self, file: str, into: dict[str, tuple[str, int, int]]) -> None:
        """Record in a source map that the entities sit in ``file``."""
        into.update(zip(self.keys, zip(repeat(file), self.lines, self.columns), strict=True))


def encode_payload(entry: CachedPower) -> bytes:
    """An entry as the bytes kept in the cache (compact JSON).

    Raises:
        Unencodable: the power holds a value the payload could not give back exactly.
    """
    encode, _ = _power_codec()
    body = [encode(entry.power), entry.category, entry.keys, entry.lines, entry.columns]
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def decode_payload(payload: bytes) -> CachedPower:
    """The entry of a payload; raises (anything) if it is not one."""
    _, decode = _power_codec()
    power_row, category, keys, lines, columns = json.loads(payload)
    if not (type(keys) is type(lines) is type(columns) is list) or not (
        len(keys) == len(lines) == len(columns)
    ):
        raise ValueError("bad positions")
    power = decode(power_row)
    power.assign_global_ids()
    if category is not None:
        code, line, column, entity = category
        category = (code, line, column, entity)
    return CachedPower(power, category, keys, lines, columns)


def _checksum(key: bytes, payload: bytes) -> bytes:
    return hashlib.blake2b(payload, key=key[:64], digest_size=_DIGEST).digest()


# ------------------------------------------------------------------ the file


class LoadCache:
    """The open cache of one process: ``cache.db`` in a directory.

    Every method swallows SQLite's errors: a cache that fails is a cache that misses.
    """

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db: sqlite3.Connection | None = db
        self._prefix = fingerprint()

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
        return cls(db)

    def key(self, content: bytes) -> bytes:
        """The entry key of a file's bytes under this powerreg."""
        return hashlib.blake2b(self._prefix + content, digest_size=32).digest()

    def get_many(self, keys: Iterable[bytes]) -> dict[bytes, CachedPower]:
        """The entries found for ``keys``; one that is missing, corrupt or foreign is
        left out (and will be overwritten)."""
        found: dict[bytes, CachedPower] = {}
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
            if not isinstance(value, bytes) or _checksum(key, value[_DIGEST:]) != value[:_DIGEST]:
                continue
            try:
                found[key] = decode_payload(value[_DIGEST:])
            except Exception:  # any entry that does not decode is a miss
                continue
        return found

    def put_many(self, entries: Iterable[tuple[bytes, CachedPower]]) -> None:
        """Store entries (replacing any under the same key); entries that cannot be
        kept exactly are skipped."""
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
        """Store entries already written as payloads (:func:`encode_payload`)."""
        db = self._db
        if db is None:
            return
        rows = [(key, _checksum(key, payload) + payload) for key, payload in payloads]
        if not rows:
            return
        today = _today()
        try:
            with db:
                db.execute("BEGIN")
                db.executemany("INSERT OR REPLACE INTO entry (key, value) VALUES (?, ?)", rows)
                db.executemany(
                    "INSERT OR REPLACE INTO used (key, day) VALUES (?, ?)",
                    zip((key for key, _ in rows), repeat(today)),
                )
        except sqlite3.Error:
            self.close()

    def close(self) -> None:
        """Close the database (the cache then misses and stores nothing)."""
        if self._db is not None:
            self._db.close()
            self._db = None


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
