"""The SQL that creates a catalog table and indexes its foreign keys, made with the
standard library alone.

The statements are those sqlite-utils 4 writes for the same definitions (the golden
schema of the tests holds them), made here because importing sqlite-utils imports pandas
and numpy whenever they are installed: half a second of every build, for nothing a
catalog needs.
"""

from __future__ import annotations

from collections.abc import Iterator

from .tables import Table

#: SQLite type of each Python type a column may declare
_TYPES: dict[type, str] = {str: "TEXT", int: "INTEGER", float: "REAL", bytes: "BLOB"}


def quote(name: str) -> str:
    """A table, column or index name as an SQL identifier.

    Examples:
        >>> print(quote('say "yes" now'))
        "say ""yes"" now"
    """
    return '"' + name.replace('"', '""') + '"'


def create_table_sql(table: Table) -> str:
    """``CREATE TABLE`` of ``table``: its columns in order with their types, the primary
    key, ``NOT NULL`` and each foreign key as ``REFERENCES`` on its column.

    Examples:
        >>> from powerreg.catalog.tables import Column
        >>> t = Table("notes", "", (Column("id", str, "", True), Column("n", int, "")), "id",
        ...           (("n", "numbers", "value"),))
        >>> print(create_table_sql(t))
        CREATE TABLE "notes" (
           "id" TEXT PRIMARY KEY NOT NULL,
           "n" INTEGER REFERENCES "numbers"("value")
        )
    """
    single = table.pk if isinstance(table.pk, str) else None
    references = {column: (other, key) for column, other, key in table.foreign_keys}
    lines = []
    for c in table.columns:
        extras = ["PRIMARY KEY"] if c.name == single else []
        if c.not_null:
            extras.append("NOT NULL")
        if c.name in references:
            other, key = references[c.name]
            extras.append(f"REFERENCES {quote(other)}({quote(key)})")
        lines.append(f"   {quote(c.name)} {_TYPES[c.type]}{''.join(' ' + e for e in extras)}")
    if single is None:
        lines.append(f"   PRIMARY KEY ({', '.join(quote(k) for k in table.pk)})")
    return f"CREATE TABLE {quote(table.name)} (\n" + ",\n".join(lines) + "\n)"


def create_index_sql(table: Table) -> Iterator[str]:
    """``CREATE INDEX`` on each foreign key column of ``table`` but the first column of
    its primary key (which the key's own index serves).

    Examples:
        >>> from powerreg.catalog.tables import Column
        >>> t = Table("notes", "", (Column("id", str, "", True), Column("n", int, "")), "id",
        ...           (("n", "numbers", "value"),))
        >>> print(*create_index_sql(t))
        CREATE INDEX "idx_notes_n"
            ON "notes" ("n")
    """
    first = table.pk if isinstance(table.pk, str) else table.pk[0]
    for column, _, _ in table.foreign_keys:
        if column != first:
            name = f"idx_{table.name.replace(' ', '_')}_{column}"
            yield f"CREATE INDEX {quote(name)}\n    ON {quote(table.name)} ({quote(column)})"
