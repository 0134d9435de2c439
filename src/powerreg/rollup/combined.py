"""The combined catalog of a roll-up: every member's catalog in one SQLite file.

The tables are the single-registry catalog's (:data:`powerreg.catalog.tables.TABLES`,
whose schema this module does not change), each with a ``department`` column first and
one row per entity of every department; ``registry`` becomes ``registries`` (one row per
member). Global ids carry the department — ``SEPD:XK-001/F1/S3`` — in every id column and
every column that refers to one, so they stay unique across the province and the
foreign keys still hold; ``source_file`` is relative to the roll-up's folder
(``members/sepd/powers/XK-001.yaml``). Categories and units are keyed by
``(department, code)`` and ``(department, name)``: each department has its own.

Added: ``departments`` (one row per member of rollup.yaml: level, region, whether it
loaded, its counts and the share of its high risk points guarded by a supervision or
technology measure) and ``findings`` (every member's audit findings and the
cross-department ones, with their messages in Chinese and English). The views
``risk_coverage`` and ``power_overview`` and the search indexes are those of a registry's
catalog, over all departments.

Rows are copied from each member's own catalog as it is finished (``ATTACH`` and
``INSERT … SELECT``, one transaction per member), so the parent process never holds a
registry. Foreign keys are declared, not checked while copying: every member catalog
was written with them enforced.

Examples:
    >>> [t.name for t in ROLLUP_TABLES][:4]
    ['departments', 'registries', 'categories', 'powers']
    >>> ROLLUP_TABLE["categories"].pk
    ('department', 'code')
    >>> ROLLUP_TABLE["steps"].foreign_keys  # doctest: +NORMALIZE_WHITESPACE
    (('department', 'departments', 'id'),
     ('flowchart_id', 'flowcharts', 'id'))
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..catalog.ddl import create_index_sql, create_table_sql
from ..catalog.tables import ROLLUP_CATALOG_VERSION, SEARCH_INDEXES, TABLES, VIEWS, Column, Table
from ..catalog.write import FTS_HASHSIZE, not_a_catalog
from ..codes import Phrase
from ..errors import Problem
from .report import DepartmentRow
from .spec import Department, Rollup

#: Tables every roll-up catalog has: what tells one of ours.
_OWN_TABLES = frozenset({"departments", "powers", "_metadata"})

#: Tables whose ``id`` is a global id (``XK-001/F1``), prefixed with the department.
_ID_TABLES = frozenset({"powers", "flowcharts", "steps", "risk_points", "countermeasures"})

DEPARTMENT = Column(
    "department", str, "Department the row belongs to: its id in the roll-up (departments)", True
)

DEPARTMENTS = Table(
    "departments",
    "The members of the roll-up, in rollup.yaml's order: each department's level and "
    "region, where its registry lies, whether it loaded, its counts and how well its "
    "high risk points are guarded.",
    (
        Column("id", str, "The department's id in the roll-up, e.g. SEPD", True),
        Column("name", str, "Name of the department (部门)", True),
        Column("name_en", str, "English name of the department"),
        Column("level", str, "Level of government: province (省), city (市) or county (县)", True),
        Column("region", str, "Region it governs, if rollup.yaml says (its peers share it)"),
        Column("path", str, "Its registry directory, relative to the roll-up's folder", True),
        Column("position", int, "Order of the department in rollup.yaml, from 0", True),
        Column("loaded", int, "1 if its registry loaded, 0 if not (audit A504)", True),
        Column("registry", str, "Id of its registry (registries.id)"),
        Column("year", int, "Edition year of its registry"),
        Column("powers", int, "Number of powers"),
        Column("flowcharts", int, "Number of flowcharts"),
        Column("risk_points", int, "Number of risk points"),
        Column("countermeasures", int, "Number of countermeasures"),
        Column("high_risks", int, "Number of high risk points (高)"),
        Column(
            "high_covered",
            int,
            "High risk points guarded by a supervision or technology countermeasure",
        ),
        Column("coverage", float, "high_covered / high_risks (empty without high risks)"),
        Column("errors", int, "Findings of severity error of its own audit"),
        Column("warnings", int, "Findings of severity warning, as errors"),
        Column("infos", int, "Findings of severity info, as errors"),
        Column("problems", int, "Problems of its registry if it does not load"),
    ),
    pk="id",
    label_column="name",
)

FINDINGS = Table(
    "findings",
    "Every finding: each department's own audit (A1xx–A4xx), the cross-department rules "
    "(A501–A504) and the problems of registries that do not load (E codes), each at its "
    "file and line relative to the roll-up's folder.",
    (
        Column("id", int, "Order of the finding, from 0", True),
        Column("department", str, "Department the finding is about", True),
        Column("code", str, "Code of the rule or problem, e.g. A501", True),
        Column("severity", str, "error, warning or info, as the audit policy set it", True),
        Column("entity", str, "The entity, its id carrying the department (SEPD:XK-001/R2)"),
        Column("file", str, "File, relative to the roll-up's folder"),
        Column("line", int, "Line of that file (1-based)"),
        Column("column", int, "Column of that line (1-based)"),
        Column("message", str, "The message in Chinese", True),
        Column("message_en", str, "The message in English", True),
    ),
    pk="id",
    foreign_keys=(("department", "departments", "id"),),
)

METADATA = next(t for t in TABLES if t.name == "_metadata")


def _prefixed_columns(t: Table) -> frozenset[str]:
    """Columns holding a global id: a table's own id, and every column referring to one."""
    names = {c for c, other, _ in t.foreign_keys if other in _ID_TABLES}
    if t.name in _ID_TABLES:
        names.add("id")
    return frozenset(names)


#: Columns of a member's ``registry`` table renamed in ``registries``: the roll-up's
#: ``department`` is the department's id, on every row of every table.
_RENAMED = {"department": "department_name"}
_SOURCE = {new: old for old, new in _RENAMED.items()}


def _member_table(t: Table) -> Table:
    if t.name == "registry":
        columns = tuple(
            Column(_RENAMED[c.name], c.type, c.description, c.not_null) if c.name in _RENAMED else c
            for c in t.columns
        )
        return Table(
            "registries",
            "The member registries: one row per department that loaded, as its own catalog's "
            "registry table has it (its department's name in department_name).",
            (DEPARTMENT, *columns),
            pk="department",
            foreign_keys=(("department", "departments", "id"),),
            label_column="department",
        )
    pk: str | tuple[str, ...] = t.pk
    if t.name not in _ID_TABLES and t.name != "transitions":  # categories, units
        pk = ("department", *((t.pk,) if isinstance(t.pk, str) else t.pk))
    return Table(
        t.name,
        f"{t.description} Rows of every department of the roll-up.",
        (DEPARTMENT, *t.columns),
        pk=pk,
        foreign_keys=(
            ("department", "departments", "id"),
            *(fk for fk in t.foreign_keys if fk[1] in _ID_TABLES),
        ),
        label_column=t.label_column,
    )


#: The members' tables in the roll-up, in the order of :data:`TABLES`.
MEMBER_TABLES: tuple[Table, ...] = tuple(_member_table(t) for t in TABLES if t.name != "_metadata")

#: Every table of a roll-up catalog, in the order of creation.
ROLLUP_TABLES: tuple[Table, ...] = (DEPARTMENTS, *MEMBER_TABLES, FINDINGS, METADATA)
ROLLUP_TABLE: dict[str, Table] = {t.name: t for t in ROLLUP_TABLES}


def every_department(select: str) -> str:
    r"""A view's ``SELECT`` of a registry's catalog (:data:`~powerreg.catalog.tables.VIEWS`)
    over every department of a roll-up: the row's department first, each department's
    own categories, and the rows in the order of the departments, then as before.

    The catalog's view is the one home of its columns and counts; this only puts the
    department in (a change of the catalog's views shows in the roll-up's golden schema).

    Examples:
        >>> print(every_department(
        ...     "SELECT\n    p.id\nFROM powers p\n"
        ...     "JOIN categories c ON c.code = p.category\nORDER BY p.position"))
        SELECT
            p.department,
            p.id
        FROM powers p
        JOIN categories c ON c.department = p.department AND c.code = p.category
        JOIN departments d ON d.id = p.department
        ORDER BY d.position, p.position
    """
    head, sep, rest = select.partition("\nFROM ")
    alias = rest.split("\n", 1)[0].split()[-1]  # FROM risk_points r → r
    body, order_sep, order = (sep + rest).rpartition("\nORDER BY ")
    if not (head.startswith("SELECT\n    ") and sep and order_sep):
        raise ValueError(f"not a catalog view's SELECT: {select[:40]!r}")
    head = head.replace("SELECT\n", f"SELECT\n    {alias}.department,\n", 1)
    body = body.replace(
        "JOIN categories c ON ", f"JOIN categories c ON c.department = {alias}.department AND "
    )
    body += f"\nJOIN departments d ON d.id = {alias}.department"
    return f"{head}{body}\nORDER BY d.position, {order}"


#: What a row of each view is (a new view of the catalog must say so here).
_ROW_OF = {"risk_coverage": "risk point", "power_overview": "power"}

#: The views, over every department: name → (description, columns, SELECT).
ROLLUP_VIEWS: dict[str, tuple[str, dict[str, str], str]] = {
    name: (
        f"{description} Every department's.",
        {"department": f"Department of the {_ROW_OF[name]}", **columns},
        every_department(select),
    )
    for name, (description, columns, select) in VIEWS.items()
}

#: Default facets of the roll-up's tables in Datasette.
FACETS: dict[str, list[str]] = {
    "departments": ["level", "region", "loaded"],
    "powers": ["department", "category"],
    "risk_points": ["department", "level", "type"],
    "countermeasures": ["department", "kind", "stage"],
    "findings": ["code", "severity", "department"],
    "risk_coverage": ["department", "level", "supervised"],
    "power_overview": ["department", "category"],
}


def _copy_sql(t: Table) -> str:
    source = "registry" if t.name == "registries" else t.name
    ids = _prefixed_columns(t)
    exprs = []
    for c in t.columns:
        q = f'"{_SOURCE.get(c.name, c.name) if source == "registry" else c.name}"'
        if c.name == "department":
            exprs.append(":department")
        elif c.name in ids:
            exprs.append(f":prefix || {q}")
        elif c.name == "source_file":
            exprs.append(f"CASE WHEN {q} IS NULL THEN NULL ELSE :path || {q} END")
        else:
            exprs.append(q)
    names = ", ".join(f'"{c}"' for c in t.column_names)
    return (
        f'INSERT INTO main."{t.name}" ({names}) SELECT {", ".join(exprs)} '
        f'FROM member."{source}" ORDER BY rowid'
    )


def descriptions() -> dict[str, tuple[str, dict[str, str]]]:
    """Every table, view and search index of a roll-up catalog → (description, columns)."""
    out = {
        t.name: (t.description, {c.name: c.description for c in t.columns}) for t in ROLLUP_TABLES
    }
    for name, (description, columns, _) in ROLLUP_VIEWS.items():
        out[name] = (description, dict(columns))
    for index in SEARCH_INDEXES:
        out[index.name] = (
            index.description,
            {"grams": "Words and Chinese character n-grams of the indexed text"},
        )
    return out


class CombinedCatalog:
    """A roll-up catalog being written into a new file: :meth:`add` each member's
    catalog, then :meth:`finish` once."""

    def __init__(self, path: Path, rollup: Rollup) -> None:
        self.path = path
        self.rollup = rollup
        self.findings = 0
        self.conn = sqlite3.connect(path, isolation_level=None)
        # a new private file until renamed into place: no journal, no sync per commit
        self.conn.execute("PRAGMA journal_mode = OFF")
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.execute("PRAGMA cache_size = -65536")
        self.conn.execute("BEGIN")
        for t in ROLLUP_TABLES:
            self.conn.execute(create_table_sql(t))
        for index in SEARCH_INDEXES:  # filled as the members come, from their workers' text
            self.conn.execute(
                f'CREATE VIRTUAL TABLE "{index.name}" USING fts5('
                "grams, content='', tokenize='unicode61')"
            )
            self.conn.execute(
                f'INSERT INTO "{index.name}" ("{index.name}", rank) VALUES (\'hashsize\', ?)',
                (FTS_HASHSIZE,),
            )
        self.conn.execute("COMMIT")
        self._copies = [(_copy_sql(t), t.name) for t in MEMBER_TABLES]

    def add(
        self,
        department: Department,
        catalog: Path,
        findings: Iterable[Problem],
        grams: Mapping[str, list[tuple[str, str]]],
    ) -> None:
        """Copy one member's catalog, its findings and the text of its rows in the search
        indexes (by global id, as :func:`~powerreg.rollup.worker.search_grams` gives it)."""
        params = {
            "department": department.id,
            "prefix": department.prefix,
            "path": "" if department.path == "." else department.path + "/",
        }
        conn = self.conn
        conn.execute("ATTACH DATABASE ? AS member", (str(catalog),))
        try:
            conn.execute("BEGIN")
            for sql, table in self._copies:
                start = conn.execute(f'SELECT coalesce(max(rowid), 0) FROM "{table}"').fetchone()[0]
                conn.execute(sql, params)
                if table in grams:
                    rowid = dict(
                        conn.execute(f'SELECT id, rowid FROM "{table}" WHERE rowid > ?', (start,))
                    )
                    conn.executemany(
                        f'INSERT INTO "{table}_fts" (rowid, grams) VALUES (?, ?)',
                        ((rowid[department.prefix + gid], text) for gid, text in grams[table]),
                    )
            self._insert_findings(department.id, findings)
            conn.execute("COMMIT")
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            conn.execute("DETACH DATABASE member")

    def add_findings(self, department: str, findings: Iterable[Problem]) -> None:
        """Findings of a department without a catalog (one that does not load)."""
        self.conn.execute("BEGIN")
        self._insert_findings(department, findings)
        self.conn.execute("COMMIT")

    def _insert_findings(self, department: str, findings: Iterable[Problem]) -> None:
        rows = []
        for f in findings:
            rows.append(
                (
                    self.findings,
                    department,
                    f.code,
                    f.severity,
                    f.entity,
                    f.file,
                    f.line or None,
                    f.column or None,
                    f.message("zh"),
                    f.message("en"),
                )
            )
            self.findings += 1
        self.conn.executemany(
            f"INSERT INTO findings VALUES ({', '.join('?' * len(FINDINGS.columns))})", rows
        )

    def finish(
        self, rows: list[DepartmentRow], cross: list[Problem], about: dict[str, str]
    ) -> None:
        """The departments, the cross-department findings, the indexes, the search
        indexes, the views and the metadata; then close the file."""
        conn = self.conn
        conn.execute("BEGIN")
        conn.executemany(
            f"INSERT INTO departments VALUES ({', '.join('?' * len(DEPARTMENTS.columns))})",
            [_department_row(i, r, self.rollup) for i, r in enumerate(rows)],
        )
        for f in cross:
            self._insert_findings((f.entity or "").split(":", 1)[0], [f])
        for t in ROLLUP_TABLES:
            for sql in create_index_sql(t):
                conn.execute(sql)
        for name, (_, _, sql) in ROLLUP_VIEWS.items():
            conn.execute(f'CREATE VIEW "{name}" AS {sql}')
        conn.executemany("INSERT INTO _metadata VALUES (?, ?, ?, ?)", _metadata_rows(about))
        conn.execute(f"PRAGMA user_version = {ROLLUP_CATALOG_VERSION}")
        conn.execute("COMMIT")
        self.close()

    def close(self) -> None:
        """Close the file (after :meth:`finish`, or to give up)."""
        self.conn.close()


def _department_row(position: int, r: DepartmentRow, rollup: Rollup) -> tuple[Any, ...]:
    d = rollup.department(r.id)
    return (
        r.id,
        r.name,
        d.name_en,
        r.level.value,
        r.region,
        r.path,
        position,
        int(r.loaded),
        r.registry,
        r.year,
        *((r.powers, r.flowcharts, r.risk_points, r.countermeasures) if r.loaded else (None,) * 4),
        *((r.high_risks, r.high_covered, r.coverage) if r.loaded else (None,) * 3),
        r.by_severity.get("error", 0),
        r.by_severity.get("warning", 0),
        r.by_severity.get("info", 0),
        r.problems,
    )


def _metadata_rows(about: dict[str, str]) -> Iterable[tuple[str, str, str, str]]:
    for key, value in about.items():
        yield "", "", key, value
    yield "", "", "catalog_version", str(ROLLUP_CATALOG_VERSION)
    for name, (description, columns) in descriptions().items():
        yield name, "", "description", description
        for column, text in columns.items():
            yield name, column, "description", text


def datasette_metadata(about: dict[str, str], database: str = "catalog") -> dict[str, Any]:
    """Datasette metadata of a roll-up catalog served as ``database``."""
    tables: dict[str, dict[str, Any]] = {}
    for name, (description, columns) in descriptions().items():
        entry: dict[str, Any] = {"description": description, "columns": columns}
        if name in FACETS:
            entry["facets"] = FACETS[name]
        table = ROLLUP_TABLE.get(name)
        if table is not None and table.label_column:
            entry["label_column"] = table.label_column
        if table is None and name not in ROLLUP_VIEWS:
            entry["hidden"] = True  # a search index
        tables[name] = entry
    for index in SEARCH_INDEXES:
        tables[index.table]["fts_table"] = index.name
        tables[index.table]["fts_pk"] = "rowid"
    shown = {k: v for k, v in about.items() if k in ("title", "description", "source")}
    return {**shown, "databases": {database: {**shown, "tables": tables}}}


def write_metadata(path: Path, about: dict[str, str], database: str) -> None:
    """Write the Datasette metadata JSON of a roll-up catalog."""
    data = datasette_metadata(about, database)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def not_a_rollup_catalog(path: Path) -> Phrase | None:
    """Why the file at ``path`` is not a roll-up catalog written by powerreg, or None
    (:func:`~powerreg.catalog.write.not_a_catalog` with the roll-up's own tables)."""
    return not_a_catalog(path, rollup=True, tables=_OWN_TABLES)
