"""Registry → SQLite catalog, atomically.

The catalog and its Datasette metadata are written to new files beside their targets
(:func:`powerreg.atomic.new_file`) and moved into place only once complete and on disk,
so an export that fails — a bad registry, a full disk, an interrupted or killed process
— leaves the previous catalog byte for byte as it was, and the next export removes what
a killed one left. Only an empty file, a catalog or the Datasette metadata of one is
replaced (:func:`powerreg.atomic.check_output`).

:func:`write_tables` is the one table writer of the catalog and of the tables the
monitor adds: sqlite-utils creates each table from its definition in :mod:`.tables`; the
rows go in with ``executemany`` on one connection in one transaction (sqlite-utils'
``insert_all`` commits every batch and runs at a quarter of the speed), every value as
a bound parameter, so any text is stored verbatim. The foreign keys of the tables it
writes are checked once, after all their rows are in (:func:`check_foreign_keys`): a row
that refers to nothing fails the write with the row, the column and the value it names.

The Chinese search indexes (:mod:`.ngrams`) are more than half the work of a large
export: from :data:`.searchworker.PARALLEL_AT` texts on, a worker process builds them
while the tables are written, and the export builds those the worker has not started
(:mod:`.searchworker`); the catalog is the same row for row either way.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from operator import attrgetter
from pathlib import Path
from typing import Any

from ..atomic import check_output, new_file
from ..codes import Phrase, phrase
from ..collector import gc_paused
from ..errors import Problem, RegistryError, UsageError, problem
from ..model import Limit, Registry, expect_registry
from ..readfile import FileTooLarge, UnreadableFile, read_limited
from . import searchworker
from .datasette import catalog_description, catalog_title, datasette_metadata, metadata_path_for
from .ddl import create_index_sql, create_table_sql, quote
from .ngrams import NGRAM_MAX, index_text
from .searchprocess import connect_scratch, create_index
from .tables import (
    CATALOG_VERSION,
    SEARCH_INDEXES,
    TABLES,
    VIEWS,
    SearchIndex,
    Table,
    descriptions,
)

Row = tuple[Any, ...]

#: Bytes of pending search-index entries FTS5 holds in memory before it writes a segment.
FTS_HASHSIZE = 64 * 1024 * 1024

#: Tables every catalog has, whatever its version: what tells a catalog of ours.
_OWN_TABLES = frozenset({"registry", "powers", "_metadata"})

#: Largest Datasette metadata file read to see whether it is ours.
_METADATA_MAX_BYTES = 64 * 1024 * 1024


def export_sqlite(
    registry: Registry,
    path: str | os.PathLike[str],
    *,
    metadata_path: str | os.PathLike[str] | None = None,
) -> Path:
    """Write the registry as a SQLite catalog (SPEC §7) and its Datasette metadata.

    The metadata goes to ``FILE.metadata.json`` beside ``FILE.db`` unless
    ``metadata_path`` says where. Both files are replaced atomically: if anything fails,
    the previous files are left untouched. Only a new or empty file, a catalog written
    by powerreg or its Datasette metadata is replaced, and nothing inside the registry
    directory being read. Read the catalog back with ``powerreg.load(path)``; serve it
    with ``datasette FILE.db -m FILE.metadata.json``.

    Returns:
        The path of the catalog.

    Raises:
        UsageError: the file cannot be written (no such directory, no permission, disk
            full, a directory or a file not ours in the way, a path in the registry).
        RegistryError: the registry cannot be stored (two transitions between the same
            steps of one flowchart).

    Examples:
        >>> import powerreg, sqlite3, tempfile
        >>> from contextlib import closing
        >>> from pathlib import Path
        >>> out = Path(tempfile.mkdtemp()) / "catalog.db"
        >>> export_sqlite(powerreg.load("examples/minimal"), out).name
        'catalog.db'
        >>> sorted(p.name for p in out.parent.iterdir())
        ['catalog.db', 'catalog.metadata.json']
        >>> with closing(sqlite3.connect(out)) as conn:
        ...     conn.execute("SELECT id, level FROM risk_points").fetchall()[:2]
        [('CF-001/R1', 'high'), ('CF-001/R2', 'high')]
    """
    expect_registry(registry, "powerreg.export_sqlite")
    target = Path(path)
    meta_target = Path(metadata_path) if metadata_path is not None else metadata_path_for(target)
    check_catalog_output(target, registry.source_root)
    check_metadata_output(meta_target, registry.source_root)
    meta = datasette_metadata(registry, database=target.stem)
    with catalog_files(target, meta_target) as (db_tmp, meta_tmp):
        try:
            _write_file(db_tmp, registry, target, meta["description"])
        except OverflowError as err:
            raise UsageError("catalog.number_too_large", path=target, reason=str(err)) from err
        meta_tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return target


#: The files SQLite keeps beside a database while it is written.
_JOURNALS = ("-wal", "-shm", "-journal")


@contextmanager
def catalog_files(target: Path, meta_target: Path) -> Iterator[tuple[Path, Path]]:
    """New files for a catalog and its Datasette metadata, renamed into place together
    when the block ends well (the catalog first, then its metadata); a SQLite or I/O
    error becomes a :class:`UsageError` naming the catalog, and nothing is replaced.

    The journal files SQLite may have left beside the catalog replaced (``-wal``, ``-shm``,
    ``-journal``: the old one was written in WAL mode by a process that died before a
    checkpoint) are removed before the new catalog takes its name: SQLite would replay
    the old transactions onto the new file."""
    try:
        with new_file(meta_target) as meta_tmp, new_file(target) as db_tmp:
            yield db_tmp, meta_tmp
            for suffix in _JOURNALS:  # the old catalog's, never the new one's
                Path(f"{target}{suffix}").unlink(missing_ok=True)
    except sqlite3.Error as err:
        raise UsageError("catalog.cannot_write", path=target, reason=str(err)) from err
    except OSError as err:
        reason = err.strerror or str(err)
        if err.filename:
            raise UsageError(
                "catalog.cannot_write_file", path=target, reason=reason, file=err.filename
            ) from err
        raise UsageError("catalog.cannot_write", path=target, reason=reason) from err


def check_catalog_output(path: Path, source: str | None = None) -> None:
    """Refuse to write a catalog over anything but a catalog of ours or an empty file,
    or inside the registry directory ``source`` (see :func:`powerreg.atomic.check_output`).
    """
    check_output(
        path,
        directory=False,
        not_ours=not_a_catalog,
        fix=phrase("fix.catalog_file"),
        source=source,
    )


def check_metadata_output(path: Path, source: str | None = None) -> None:
    """Refuse to write Datasette metadata over a file that is not such metadata."""
    check_output(
        path,
        directory=False,
        not_ours=not_datasette_metadata,
        fix=phrase("fix.move_away", name=path.name),
        source=source,
    )


def not_a_catalog(
    path: Path, *, rollup: bool = False, tables: frozenset[str] = _OWN_TABLES
) -> Phrase | None:
    """Why the file at ``path`` is not a catalog (a roll-up's combined catalog if
    ``rollup``) written by powerreg, or None if it is.

    A catalog of ours is a SQLite database with a ``PRAGMA user_version`` and the tables
    ``registry``, ``powers`` and ``_metadata`` (a roll-up's combined catalog, its own
    ``tables``). The file is read without locks and without its journal, and never
    changed.

    Examples:
        >>> import powerreg, tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> _ = (d / "notes.db").write_text("my notes")
        >>> not_a_catalog(d / "notes.db").in_lang("en")
        'is not a catalog written by powerreg (not a SQLite database)'
        >>> not_a_catalog(export_sqlite(powerreg.load("examples/minimal"), d / "c.db")) is None
        True
        >>> not_a_catalog(d / "c.db", rollup=True, tables=frozenset({"departments"})).in_lang("zh")
        '是 SQLite 数据库，但不是 powerreg 写出的汇总目录数据库'
    """
    kind = phrase("part.rollup_catalog") if rollup else phrase("part.catalog")
    try:
        with path.open("rb") as f:
            header = f.read(16)
    except OSError as err:
        return phrase("part.unreadable", reason=err.strerror or str(err))
    if header != b"SQLite format 3\x00":
        return phrase("part.not_our_sqlite", kind=kind, reason=phrase("part.not_sqlite"))
    try:
        # immutable: no lock taken, no journal read or written, nothing changed
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error as err:
        return phrase("part.unreadable", reason=str(err))
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.Error as err:
        return phrase("part.not_our_sqlite", kind=kind, reason=str(err))
    finally:
        conn.close()
    if not version or not names >= tables:
        return phrase("part.sqlite_not_ours", kind=kind)
    return None


def not_datasette_metadata(path: Path) -> Phrase | None:
    """Why the file at ``path`` is not Datasette metadata of a catalog, or None if it is:
    a JSON object with a ``databases`` object.

    Examples:
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> _ = (d / "a.json").write_text('{"databases": {}}')
        >>> _ = (d / "b.json").write_text("title: mine")
        >>> not_datasette_metadata(d / "a.json"), not_datasette_metadata(d / "b.json").in_lang("en")
        (None, 'is not the Datasette metadata of a catalog (not JSON)')
    """
    try:
        data = json.loads(read_limited(path, _METADATA_MAX_BYTES))
    except FileTooLarge:
        return phrase("part.not_metadata", reason=phrase("part.too_large"))
    except UnreadableFile as err:
        return phrase("part.unreadable", reason=err.reason)
    except ValueError:
        return phrase("part.not_metadata", reason=phrase("part.not_json"))
    if not isinstance(data, dict) or not isinstance(data.get("databases"), dict):
        return phrase("part.not_metadata", reason=phrase("part.no_databases"))
    return None


def _write_file(path: Path, reg: Registry, target: Path, description: str) -> None:
    # The file is new and private until the rename, so it needs no rollback journal on
    # disk nor a sync per commit: new_file syncs it once before the rename.
    conn = connect_scratch(path)
    try:
        worker = None
        if searchworker.wanted():
            indexes = SEARCH_INDEXES
            counts = [_search_count(reg, index) for index in indexes]
            texts = [_search_texts(reg, index) for index in indexes]
            worker = searchworker.start(indexes, counts, texts, target, FTS_HASHSIZE)
        if worker is None:
            write_catalog(conn, reg, description=description)
            return
        with worker:
            # ATTACH cannot happen inside the transaction: the scratch file is empty
            # until the worker commits, and read only after it has.
            conn.execute(f"ATTACH ? AS {_WORKER_SCHEMA}", (str(worker.scratch),))
            write_catalog(conn, reg, worker, description)
            conn.execute(f"DETACH {_WORKER_SCHEMA}")
    finally:
        conn.close()


_WORKER_SCHEMA = "search_worker"


def write_catalog(
    conn: sqlite3.Connection,
    reg: Registry,
    worker: searchworker.SearchWorker | None = None,
    description: str | None = None,
) -> None:
    """Create the catalog's schema in an empty database and fill it, in one transaction;
    with the search indexes the ``worker`` has not started built here, and those it
    has copied from its scratch file (attached to ``conn`` as ``search_worker``).
    ``description`` is the catalog's (:func:`.datasette.catalog_description`), if known.
    """
    with gc_paused():
        _write_catalog(conn, reg, worker, description)


def _write_catalog(
    conn: sqlite3.Connection,
    reg: Registry,
    worker: searchworker.SearchWorker | None,
    description: str | None,
) -> None:
    def rows(table: Table) -> Iterable[Row]:
        if table.name == "_metadata":
            return _metadata_rows(reg, description)
        return _ROWS[table.name](reg)

    # write_tables checks the foreign keys once, over all the rows: not row by row
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.create_function("powerreg_index_text", -1, index_text, deterministic=True)
    conn.execute("BEGIN")
    try:
        write_tables(conn, TABLES, rows)
    except sqlite3.IntegrityError as err:
        # checked only when it fails: a check per row would slow every export down
        problems = duplicate_transitions(reg) if str(err).startswith("transitions:") else []
        if problems:
            raise RegistryError(problems) from err
        raise UsageError("catalog.does_not_fit", reason=str(err)) from err
    for index in SEARCH_INDEXES:
        create_index(conn, index.name, FTS_HASHSIZE)
    for index in SEARCH_INDEXES if worker is None else iter(worker.claim, None):
        columns = ", ".join(f'"{c}"' for c in index.columns)
        conn.execute(
            f'INSERT INTO "{index.name}" (rowid, grams) '
            f'SELECT rowid, powerreg_index_text({columns}) FROM "{index.table}" ORDER BY rowid'
        )
    if worker is not None:
        # The worker numbered each index's texts 1, 2, …: the rowids SQLite gave the rows
        # of a new table written in that order (no INTEGER PRIMARY KEY, nothing deleted).
        worker.copy_into(conn, _WORKER_SCHEMA)
    for name, (_, _, sql) in VIEWS.items():
        conn.execute(f'CREATE VIEW "{name}" AS {sql}')
    conn.execute(f"PRAGMA user_version = {CATALOG_VERSION}")
    conn.execute("COMMIT")


def write_tables(
    conn: sqlite3.Connection,
    tables: Sequence[Table],
    rows: Callable[[Table], Iterable[Row]],
) -> None:
    """Create ``tables`` from their definitions, insert ``rows(table)`` into each, index
    every foreign key and check them all once (:func:`check_foreign_keys`), in one
    transaction: the caller's if one is open, else its own. The one table writer of the
    catalog and of the tables the monitor adds.

    A caller that turns SQLite's row-by-row check off (``PRAGMA foreign_keys = OFF``,
    before the transaction) is checked all the same, once, at a fifth of the cost; with
    it on, a table must come after those it references. An integrity error names its
    table.

    Raises:
        sqlite3.IntegrityError: a row breaks a key (the message starts with the table).

    Examples:
        >>> from powerreg.catalog.tables import Column
        >>> conn = sqlite3.connect(":memory:", isolation_level=None)
        >>> columns = (Column("id", str, "Id", True), Column("n", int, "N"))
        >>> t = Table("notes", "Notes.", columns, "id")
        >>> write_tables(conn, [t], lambda table: [("a", 1), ("b", None)])
        >>> conn.execute("SELECT * FROM notes").fetchall()
        [('a', 1), ('b', None)]
        >>> write_tables(conn, [Table("more", "", t.columns, "id")], lambda _: [("a", 1)] * 2)
        Traceback (most recent call last):
        ...
        sqlite3.IntegrityError: more: UNIQUE constraint failed: more.id
    """
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN")
    try:
        for table in tables:
            conn.execute(create_table_sql(table))
        for table in tables:
            marks = ", ".join("?" * len(table.columns))
            names = ", ".join(f'"{c}"' for c in table.column_names)
            try:
                conn.executemany(
                    f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', rows(table)
                )
            except sqlite3.IntegrityError as err:
                raise sqlite3.IntegrityError(f"{table.name}: {err}") from err
        for table in tables:
            for sql in create_index_sql(table):
                conn.execute(sql)
        check_foreign_keys(conn, [t.name for t in tables])
        if own:
            conn.execute("COMMIT")
    except BaseException:
        if own and conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def check_foreign_keys(
    conn: sqlite3.Connection, tables: Sequence[str] | None = None, most: int = 3
) -> None:
    """Check every foreign key of ``tables`` (default: of the whole database) at once
    (``PRAGMA foreign_key_check``).

    Raises:
        sqlite3.IntegrityError: a row refers to one that is not there; the message names
            the table, the row's key, the column and the value of up to ``most`` of them.

    Examples:
        >>> conn = sqlite3.connect(":memory:", isolation_level=None)
        >>> _ = conn.execute("CREATE TABLE a (id TEXT PRIMARY KEY)")
        >>> _ = conn.execute('CREATE TABLE b (id TEXT PRIMARY KEY, a_id TEXT REFERENCES a("id"))')
        >>> _ = conn.execute("INSERT INTO a VALUES ('x')")
        >>> _ = conn.execute("INSERT INTO b VALUES ('1', 'x'), ('2', 'y')")
        >>> try:
        ...     check_foreign_keys(conn)
        ... except sqlite3.IntegrityError as err:
        ...     print(err)
        b: FOREIGN KEY constraint failed: b '2' refers to a 'y' (a_id), which is not there
    """
    found: list[Any] = []
    for name in [None] if tables is None else tables:
        pragma = "PRAGMA foreign_key_check" + ("" if name is None else f"({quote(name)})")
        found += conn.execute(pragma).fetchmany(most + 1 - len(found))
        if len(found) > most:
            break
    if not found:
        return
    where = []
    for table, rowid, parent, fkid in found[:most]:
        keys = [r for r in conn.execute(f"PRAGMA foreign_key_list({quote(table)})") if r[0] == fkid]
        columns = [r[3] for r in keys]
        pk = [
            r[1]
            for r in sorted(conn.execute(f"PRAGMA table_info({quote(table)})"), key=lambda r: r[5])
            if r[5]
        ]
        row = conn.execute(
            f"SELECT {', '.join(quote(c) for c in pk + columns)} FROM {quote(table)} "
            "WHERE rowid = ?",
            (rowid,),
        ).fetchone()
        key = ", ".join(map(str, row[: len(pk)]))
        value = ", ".join(map(str, row[len(pk) :]))
        where.append(
            f"{table} {key!r} refers to {parent} {value!r} ({', '.join(columns)}), "
            "which is not there"
        )
    more = "; …" if len(found) > most else ""
    raise sqlite3.IntegrityError(
        f"{found[0][0]}: FOREIGN KEY constraint failed: {'; '.join(where)}{more}"
    )


# ------------------------------------------------------------------------------- rows


def _registry(reg: Registry) -> Iterator[Row]:
    yield (
        reg.id,
        reg.schema_version,
        reg.department,
        reg.department_en,
        reg.year,
        reg.source,
        reg.license,
        None if reg.risk_matrix is None else json.dumps(reg.risk_matrix),
        None if reg.posts is None else _list(reg.posts),
    )


def _units(reg: Registry) -> Iterator[Row]:
    for i, u in enumerate(reg.units or []):
        yield u.name, u.name_en, u.kind, _list(u.posts), i


def _categories(reg: Registry) -> Iterator[Row]:
    for i, c in enumerate(reg.categories):
        yield c.code, c.name, c.name_en, i


def _list(values: list[str]) -> str:
    return json.dumps(values, ensure_ascii=False)


def _positions(reg: Registry) -> dict[str, tuple[str, int, int]]:
    """Where each entity was read from (empty for a registry built in code); read once
    here, not through ``reg.location`` per row, which costs more than the row (those a
    load left to be found when asked are found now: :mod:`powerreg.lateplaces`)."""
    return reg._sources.complete()


_NOWHERE = (None, None, None)


def _powers(reg: Registry) -> Iterator[Row]:
    where = _positions(reg)
    for i, p in enumerate(reg.powers.values()):
        file, line, col = where.get(p.id, _NOWHERE)
        yield (
            p.id,
            p.category,
            p.name,
            p.name_en,
            _list(p.legal_basis),
            p.subject,
            p.division,
            *_limit(p.statutory_limit),
            *_limit(p.promised_limit),
            p.fee,
            p.description,
            _list(p.responsibilities),
            _list(p.accountability),
            int(p.is_public),
            None if p.disclosure is None else p.disclosure.reason,
            p.reason,
            i,
            file,
            line,
            col,
        )


#: An enumeration member (a StrEnum) as a plain ``str``, its value: sqlite3 binds an exact
#: ``str`` directly, a subclass only after looking for an adapter (a microsecond a value,
#: seconds over the millions of rows of a large export). A plain ``str`` stays as it is.
_text: Callable[[str], str] = str.__str__


def _flowcharts(reg: Registry) -> Iterator[Row]:
    where = _positions(reg)
    for p in reg.powers.values():
        prefix = p.id + "/"
        for i, fc in enumerate(p.flowcharts):
            gid = prefix + fc.id
            _, line, col = where.get(gid, _NOWHERE)
            yield gid, p.id, fc.id, fc.title, i, line, col


def _steps(reg: Registry) -> Iterator[Row]:
    where = _positions(reg)
    text = _text
    for p in reg.powers.values():
        prefix = p.id + "/"
        for fc in p.flowcharts:
            fgid = prefix + fc.id
            step = fgid + "/"
            for i, s in enumerate(fc.steps):
                gid = step + s.id
                _, line, col = where.get(gid, _NOWHERE)
                yield (
                    gid,
                    fgid,
                    s.id,
                    text(s.kind),
                    s.label,
                    s.role,
                    s.days,
                    int(s.pauses_clock),
                    s.no_risk_reason,
                    i,
                    line,
                    col,
                )


def _transitions(reg: Registry) -> Iterator[Row]:
    for p in reg.powers.values():
        prefix = p.id + "/"
        for fc in p.flowcharts:
            fgid = prefix + fc.id
            step = fgid + "/"
            for i, t in enumerate(fc.transitions):
                yield fgid, step + t.source, step + t.target, t.when, i


def duplicate_transitions(reg: Registry) -> list[Problem]:
    """Flowcharts with two transitions between the same two steps, which the catalog
    cannot store: it keys transitions by (flowchart, source, target)."""
    problems = []
    for p in reg.powers.values():
        for fc in p.flowcharts:
            seen: set[tuple[str, str]] = set()
            for t in fc.transitions:
                if (t.source, t.target) in seen:
                    fgid = f"{p.id}/{fc.id}"
                    file, line, col = reg.location(fgid) or reg.location(p.id) or ("?", 0, 0)
                    problems.append(
                        problem(
                            "E003.transition_twice",
                            file,
                            line,
                            col,
                            entity=fgid,
                            chart=fc.id,
                            source=t.source,
                            target=t.target,
                        )
                    )
                seen.add((t.source, t.target))
    return problems


def _risk_points(reg: Registry) -> Iterator[Row]:
    where = _positions(reg)
    text = _text
    for p in reg.powers.values():
        prefix = p.id + "/"
        for i, r in enumerate(p.risk_points):
            gid = prefix + r.id
            _, line, col = where.get(gid, _NOWHERE)
            yield (
                gid,
                p.id,
                prefix + r.at,
                r.id,
                text(r.level),
                text(r.type),
                r.description,
                r.likelihood,
                r.impact,
                r.reason,
                i,
                line,
                col,
            )


def _countermeasures(reg: Registry) -> Iterator[Row]:
    where = _positions(reg)
    text = _text
    for p in reg.powers.values():
        prefix = p.id + "/"
        for r in p.risk_points:
            rgid = prefix + r.id
            measure = rgid + "/"
            for i, m in enumerate(r.countermeasures):
                gid = measure + m.id
                _, line, col = where.get(gid, _NOWHERE)
                yield (
                    gid,
                    rgid,
                    m.id,
                    text(m.kind),
                    text(m.stage),
                    m.description,
                    m.responsible,
                    i,
                    line,
                    col,
                )


def _search_entities(reg: Registry, index: SearchIndex) -> Iterator[Any]:
    """The entities of a search index's table, in the order :data:`_ROWS` writes them."""
    powers = reg.powers.values()
    if index.table == "powers":
        return iter(powers)
    if index.table == "risk_points":
        return (r for p in powers for r in p.risk_points)
    if index.table == "countermeasures":
        return (m for p in powers for r in p.risk_points for m in r.countermeasures)
    # a new search index needs its rows here, in its table's order
    raise ValueError(f"no texts for a search index of the table {index.table}")


def _search_count(reg: Registry, index: SearchIndex) -> int:
    """The number of rows of a search index's table."""
    powers = reg.powers.values()
    if index.table == "countermeasures":
        return sum(len(r.countermeasures) for p in powers for r in p.risk_points)
    if index.table == "risk_points":
        return sum(len(p.risk_points) for p in powers)
    return sum(1 for _ in _search_entities(reg, index))


def _search_texts(reg: Registry, index: SearchIndex) -> Iterator[tuple[str | None, ...]]:
    """The texts of a search index's columns (the attributes of those names), row by
    row: rowid 1, 2, …"""
    entities = _search_entities(reg, index)
    if len(index.columns) == 1:
        get = attrgetter(index.columns[0])
        return ((get(e),) for e in entities)
    return map(attrgetter(*index.columns), entities)


def _metadata_rows(reg: Registry, description: str | None = None) -> Iterable[Row]:
    yield "", "", "title", catalog_title(reg)
    yield "", "", "description", catalog_description(reg) if description is None else description
    yield "", "", "source", reg.source
    if reg.license:
        yield "", "", "license", reg.license
    yield "", "", "registry", reg.id
    yield "", "", "catalog_version", str(CATALOG_VERSION)
    yield "", "", "search_ngram_max", str(NGRAM_MAX)
    for name, (description, columns) in descriptions().items():
        yield name, "", "description", description
        for column, text in columns.items():
            yield name, column, "description", text


_ROWS: dict[str, Callable[[Registry], Iterable[Row]]] = {
    "registry": _registry,
    "categories": _categories,
    "powers": _powers,
    "flowcharts": _flowcharts,
    "steps": _steps,
    "transitions": _transitions,
    "risk_points": _risk_points,
    "countermeasures": _countermeasures,
    "units": _units,
    "_metadata": _metadata_rows,
}


def _limit(limit: Limit | None) -> tuple[int | None, str | None]:
    """A time limit as the catalog's two columns: amount and unit."""
    return (None, None) if limit is None else (limit.amount, str(limit.unit))
