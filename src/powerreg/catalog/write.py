"""Registry → SQLite catalog, atomically.

The catalog is written to a new file beside the target and moved into place with
``os.replace`` only once it is complete and on disk, so an export that fails — a bad
registry, a full disk, an interrupted or killed process — leaves the previous catalog
byte for byte as it was. sqlite-utils creates the tables, indexes and views from
:mod:`.schema`; the rows go in with ``executemany`` on one connection in one transaction
(sqlite-utils' ``insert_all`` commits every batch and runs at a quarter of the speed),
every value as a bound parameter, so any text is stored verbatim.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from ..collector import gc_paused
from ..errors import Problem, RegistryError, UsageError
from ..model import Registry
from .datasette import catalog_description, catalog_title, datasette_metadata, metadata_path_for
from .ngrams import index_text
from .schema import CATALOG_VERSION, NGRAM_MAX, SEARCH_INDEXES, TABLES, VIEWS, descriptions

Row = tuple[Any, ...]

#: Bytes of pending search-index entries FTS5 holds in memory before it writes a segment.
FTS_HASHSIZE = 64 * 1024 * 1024


def export_sqlite(
    reg: Registry,
    path: str | os.PathLike[str],
    *,
    metadata_path: str | os.PathLike[str] | None = None,
) -> Path:
    """Write the registry as a SQLite catalog (SPEC §7) and its Datasette metadata.

    The metadata goes to ``FILE.metadata.json`` beside ``FILE.db`` unless
    ``metadata_path`` says where. Both files are replaced atomically: if anything fails,
    the previous files are left untouched. Read the catalog back with
    ``powerreg.load(path)``; serve it with ``datasette FILE.db -m FILE.metadata.json``.

    Returns:
        The path of the catalog.

    Raises:
        UsageError: the file cannot be written (no such directory, no permission, disk
            full, a directory in the way).
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
    target = Path(path)
    meta_target = Path(metadata_path) if metadata_path is not None else metadata_path_for(target)
    for p in (target, meta_target):
        _check_target(p)
    temps: list[Path] = []
    try:
        db_tmp = _new_temp(target)
        temps.append(db_tmp)
        _write_file(db_tmp, reg)
        meta = datasette_metadata(reg, database=target.stem)
        meta_tmp = _new_temp(meta_target)
        temps.append(meta_tmp)
        with meta_tmp.open("w", encoding="utf-8") as f:
            json.dump(meta, f, ensure_ascii=False, indent=2)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(db_tmp, target)
        os.replace(meta_tmp, meta_target)
        _sync_directory(target.parent)
    except sqlite3.Error as err:
        raise UsageError(f"cannot write the catalog '{target}': {err}") from err
    except OSError as err:
        where = f" ({err.filename})" if err.filename else ""
        raise UsageError(
            f"cannot write the catalog '{target}': {err.strerror or err}{where}"
        ) from err
    except OverflowError as err:
        raise UsageError(
            f"cannot write the catalog '{target}': a number in the registry is too large "
            f"for SQLite ({err})"
        ) from err
    finally:
        for tmp in temps:
            tmp.unlink(missing_ok=True)
    return target


def _check_target(path: Path) -> None:
    if path.is_dir():
        raise UsageError(f"'{path}' is a directory; give a file name, e.g. {path / 'catalog.db'}")
    parent = path.parent
    if not parent.is_dir():
        raise UsageError(f"cannot write '{path}': directory '{parent}' does not exist; create it")


def _new_temp(target: Path) -> Path:
    """A new empty file beside ``target`` (same file system, so the rename is atomic),
    created with the permissions a new file gets (not mkstemp's 0600: it is published)."""
    for _ in range(100):
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        except PermissionError as err:
            raise UsageError(
                f"cannot write '{target}': no permission to create files in '{target.parent}'"
            ) from err
        os.close(fd)
        return tmp
    raise UsageError(f"cannot create a temporary file beside '{target}'")  # pragma: no cover


def _sync_directory(directory: Path) -> None:
    """Make the renames durable; some file systems cannot sync a directory."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platform without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _write_file(path: Path, reg: Registry) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        # The file is new and private until the rename, so it needs no rollback journal
        # on disk nor a sync per commit: it is synced once, below, before it is renamed.
        conn.execute("PRAGMA journal_mode = MEMORY")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -65536")
        write_catalog(conn, reg)
    finally:
        conn.close()
    with path.open("rb") as f:
        os.fsync(f.fileno())


def write_catalog(conn: sqlite3.Connection, reg: Registry) -> None:
    """Create the catalog's schema in an empty database and fill it, in one transaction."""
    with gc_paused():
        _write_catalog(conn, reg)


def _write_catalog(conn: sqlite3.Connection, reg: Registry) -> None:
    import sqlite_utils  # ~0.25 s of imports: only when a catalog is written

    conn.execute("PRAGMA foreign_keys = ON")
    conn.create_function("powerreg_index_text", -1, index_text, deterministic=True)
    db = sqlite_utils.Database(conn, execute_plugins=False)
    conn.execute("BEGIN")
    for table in TABLES:
        db.create_table(
            table.name,
            {c.name: c.type for c in table.columns},
            pk=table.pk,
            foreign_keys=list(table.foreign_keys),
            not_null={c.name for c in table.columns if c.not_null},
        )
    for table in TABLES:
        rows = _ROWS[table.name](reg)
        marks = ", ".join("?" * len(table.columns))
        names = ", ".join(f'"{c}"' for c in table.column_names)
        try:
            conn.executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', rows)
        except sqlite3.IntegrityError as err:
            # checked only when it fails: a check per row would slow every export down
            problems = duplicate_transitions(reg) if table.name == "transitions" else []
            if problems:
                raise RegistryError(problems) from err
            raise UsageError(
                f"the registry does not fit the catalog ({table.name}: {err}); "
                "check it with 'powerreg validate'"
            ) from err
    for table in TABLES:
        pk = (table.pk,) if isinstance(table.pk, str) else table.pk
        for column, _, _ in table.foreign_keys:
            if column != pk[0]:  # the primary key's index serves its first column
                db.table(table.name).create_index([column])
    for index in SEARCH_INDEXES:
        conn.execute(
            f'CREATE VIRTUAL TABLE "{index.name}" USING fts5('
            "grams, content='', tokenize='unicode61')"
        )
        # A larger in-memory buffer means fewer, larger segments: ~30% faster to build.
        conn.execute(
            f'INSERT INTO "{index.name}" ("{index.name}", rank) VALUES (\'hashsize\', ?)',
            (FTS_HASHSIZE,),
        )
        columns = ", ".join(f'"{c}"' for c in index.columns)
        conn.execute(
            f'INSERT INTO "{index.name}" (rowid, grams) '
            f'SELECT rowid, powerreg_index_text({columns}) FROM "{index.table}" ORDER BY rowid'
        )
    for name, (_, _, sql) in VIEWS.items():
        db.create_view(name, sql)
    conn.execute(f"PRAGMA user_version = {CATALOG_VERSION}")
    conn.execute("COMMIT")


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
    )


def _categories(reg: Registry) -> Iterator[Row]:
    for i, c in enumerate(reg.categories):
        yield c.code, c.name, c.name_en, i


def _list(values: list[str]) -> str:
    return json.dumps(values, ensure_ascii=False)


def _positions(reg: Registry) -> dict[str, tuple[str, int, int]]:
    """Where each entity was read from (empty for a registry built in code); read once
    here, not through ``reg.location`` per row, which costs more than the row."""
    return reg._sources.positions


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
            p.statutory_days,
            p.promised_days,
            p.fee,
            p.description,
            _list(p.responsibilities),
            _list(p.accountability),
            i,
            file,
            line,
            col,
        )


# Enumerations are StrEnum members: sqlite3 binds them as their text ('high').


def _flowcharts(reg: Registry) -> Iterator[Row]:
    where = _positions(reg)
    for p in reg.powers.values():
        for i, fc in enumerate(p.flowcharts):
            gid = f"{p.id}/{fc.id}"
            _, line, col = where.get(gid, _NOWHERE)
            yield gid, p.id, fc.id, fc.title, i, line, col


def _steps(reg: Registry) -> Iterator[Row]:
    where = _positions(reg)
    for p in reg.powers.values():
        for fc in p.flowcharts:
            fgid = f"{p.id}/{fc.id}"
            for i, s in enumerate(fc.steps):
                gid = f"{fgid}/{s.id}"
                _, line, col = where.get(gid, _NOWHERE)
                yield (
                    gid,
                    fgid,
                    s.id,
                    s.kind,
                    s.label,
                    s.role,
                    s.days,
                    int(s.pauses_clock),
                    i,
                    line,
                    col,
                )


def _transitions(reg: Registry) -> Iterator[Row]:
    for p in reg.powers.values():
        for fc in p.flowcharts:
            fgid = f"{p.id}/{fc.id}"
            for i, t in enumerate(fc.transitions):
                yield fgid, f"{fgid}/{t.source}", f"{fgid}/{t.target}", t.when, i


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
                        Problem(
                            code="E003",
                            file=file,
                            line=line,
                            column=col,
                            entity=fgid,
                            message=(
                                f"flowchart {fc.id} has two transitions {t.source} -> "
                                f"{t.target}; the catalog keys transitions by (flowchart, "
                                "source, target): merge them (one 'when') or remove one"
                            ),
                        )
                    )
                seen.add((t.source, t.target))
    return problems


def _risk_points(reg: Registry) -> Iterator[Row]:
    where = _positions(reg)
    for p in reg.powers.values():
        for i, r in enumerate(p.risk_points):
            gid = f"{p.id}/{r.id}"
            _, line, col = where.get(gid, _NOWHERE)
            yield gid, p.id, f"{p.id}/{r.at}", r.id, r.level, r.type, r.description, i, line, col


def _countermeasures(reg: Registry) -> Iterator[Row]:
    where = _positions(reg)
    for p in reg.powers.values():
        for r in p.risk_points:
            rgid = f"{p.id}/{r.id}"
            for i, m in enumerate(r.countermeasures):
                gid = f"{rgid}/{m.id}"
                _, line, col = where.get(gid, _NOWHERE)
                yield gid, rgid, m.id, m.kind, m.stage, m.description, m.responsible, i, line, col


def _metadata_rows(reg: Registry) -> Iterable[Row]:
    yield "", "", "title", catalog_title(reg)
    yield "", "", "description", catalog_description(reg)
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
    "_metadata": _metadata_rows,
}
