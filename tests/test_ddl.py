"""The catalog's DDL (:mod:`powerreg.catalog.ddl`) is what sqlite-utils writes.

The catalog creates its tables with the standard library's sqlite3 so that a build does
not import sqlite-utils (which imports pandas and numpy when they are installed). The
statements are meant to be sqlite-utils' own, byte for byte: here sqlite-utils, the
well-kept writer of such schemas, creates every table of the registry's catalog and of
the roll-up's, and the two schemas are compared.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

import pytest
import sqlite_utils

from powerreg.catalog.ddl import create_index_sql, create_table_sql
from powerreg.catalog.tables import TABLES, Table
from powerreg.rollup.combined import ROLLUP_TABLES


def _schema(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    return conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type, name"
    ).fetchall()


def _by_sqlite_utils(tables: Iterable[Table]) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(":memory:")
    db = sqlite_utils.Database(conn, execute_plugins=False)
    tables = list(tables)
    for t in tables:
        db.create_table(
            t.name,
            {c.name: c.type for c in t.columns},
            pk=t.pk,
            foreign_keys=list(t.foreign_keys),
            not_null={c.name for c in t.columns if c.not_null},
        )
    for t in tables:
        first = t.pk if isinstance(t.pk, str) else t.pk[0]
        for column, _, _ in t.foreign_keys:
            if column != first:  # the primary key's own index serves its first column
                db.table(t.name).create_index([column])
    return _schema(conn)


def _by_powerreg(tables: Iterable[Table]) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(":memory:")
    tables = list(tables)
    for t in tables:
        conn.execute(create_table_sql(t))
    for t in tables:
        for sql in create_index_sql(t):
            conn.execute(sql)
    return _schema(conn)


@pytest.mark.parametrize(
    "tables", [TABLES, ROLLUP_TABLES], ids=["registry catalog", "roll-up catalog"]
)
def test_tables_and_indexes_are_those_sqlite_utils_writes(tables: tuple[Table, ...]) -> None:
    ours = _by_powerreg(tables)
    assert len(ours) > len(tables)  # the tables and some foreign-key indexes
    assert ours == _by_sqlite_utils(tables)
