"""SQLite catalog → registry: the inverse of ``export_sqlite``.

The registry read back equals the one exported (``==`` on the models), with its global
ids assigned and, where the catalog recorded them, the YAML positions of its entities,
so an audit of a catalog still points at the source lines.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..codes import value_kind
from ..codes.load_codes import COLUMN_TYPES, FILE_KINDS, SCOPES
from ..collector import gc_paused
from ..errors import Problem, RegistryError, UsageError, problem
from ..model import DEFER_REFERENCES, Power, Registry, SourceMap
from ..readfile import file_kind
from ..textsafe import SNIPPET, excerpt
from .tables import CATALOG_VERSION, TABLE, TABLES, Column, Table

Position = tuple[str, int, int]

#: Most rows of one table named in one error: enough to see what was done to it.
_SHOWN = 20
#: Columns of ``powers`` that hold a JSON list of texts.
_JSON_LISTS = ("legal_basis", "responsibilities", "accountability")
#: What is at a path that is not a file, as an error names it.
_KIND_NAMES = {key: names["en"] for key, names in FILE_KINDS.items()}


def read_catalog(path: str | os.PathLike[str]) -> Registry:
    """Read a catalog written by ``export_sqlite`` back into a registry.

    Raises:
        UsageError: the file is missing, not SQLite, or not a powerreg catalog of this
            version.
        RegistryError: the catalog's rows do not make a valid registry (it was edited).

    Examples:
        >>> import powerreg, tempfile
        >>> from pathlib import Path
        >>> reg = powerreg.load("examples/minimal")
        >>> out = powerreg.catalog.export_sqlite(reg, Path(tempfile.mkdtemp()) / "c.db")
        >>> back = read_catalog(out)
        >>> back == reg, back.powers["XK-001"].risk_points[1].countermeasures[0].gid
        (True, 'XK-001/R2/M1')
        >>> back.location("XK-001/R2")
        ('powers/XK-001.yaml', 45, 5)
    """
    p = Path(path)
    conn = open_catalog(p)
    try:
        return _Reader(conn, p.name).registry()
    except sqlite3.Error as err:  # a damaged file: "database disk image is malformed"
        raise UsageError(f"cannot read the catalog '{p}': {err}") from err
    finally:
        conn.close()


def open_catalog(path: Path) -> sqlite3.Connection:
    """A read-only connection to a powerreg catalog of this version.

    Raises:
        UsageError: if there is no such file, or it is not such a catalog.
    """
    try:
        kind = file_kind(path.stat().st_mode)
    except FileNotFoundError as err:
        raise UsageError(f"no catalog at '{path}': no such file") from err
    except OSError as err:
        raise UsageError(f"no catalog at '{path}': {err.strerror or err}") from err
    if kind is not None:
        raise UsageError(f"no catalog at '{path}': it is {_KIND_NAMES[kind]}, not a file")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as err:
        raise UsageError(f"cannot open the catalog '{path}': {err}") from err
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        names = {
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")
        }
        wrong = _wrong_shape(conn, version, names)
    except sqlite3.DatabaseError as err:
        conn.close()
        raise UsageError(f"'{path}' is not a SQLite database ({err})") from err
    if wrong:
        conn.close()
        raise UsageError(
            f"'{path}' is not a powerreg catalog of version {CATALOG_VERSION} "
            f"({'; '.join(wrong)}); write it with 'powerreg export'"
        )
    return conn


def _wrong_shape(conn: sqlite3.Connection, version: Any, names: set[str]) -> list[str]:
    """What keeps a database from being a catalog this version reads: another
    ``user_version``, a table it needs that is missing, a column a table lacks.

    Examples:
        >>> conn = sqlite3.connect(":memory:")
        >>> _ = conn.execute("CREATE TABLE registry (id TEXT)")
        >>> for why in _wrong_shape(conn, 0, {"registry"}):
        ...     print(why[:44])
        user_version 0, not 3
        no table categories, powers, flowcharts, ste
        table registry has no column schema_version,
    """
    wrong = []
    if version != CATALOG_VERSION:
        wrong.append(f"user_version {excerpt(str(version), SNIPPET)}, not {CATALOG_VERSION}")
    missing = [t.name for t in TABLES if t.name not in names]
    if missing:
        wrong.append(f"no table {', '.join(missing)}")
    for t in TABLES:
        if t.name in missing:
            continue
        have = {r[1] for r in conn.execute(f'PRAGMA table_info("{t.name}")')}
        gone = [c for c in t.column_names if c not in have]
        if gone:
            wrong.append(f"table {t.name} has no column {', '.join(gone)}")
    return wrong


def _wrong_type_sql(column: Column) -> str:
    """An SQL test, true where ``column`` holds a value not of its type (or NULL where
    it needs a value)."""
    types = ["'integer'" if column.type is int else "'text'"]
    if not column.not_null:
        types.append("'null'")
    return f'typeof("{column.name}") NOT IN ({", ".join(types)})'


def _has_type(value: Any, kind: type[Any]) -> bool:
    return isinstance(value, kind) and not isinstance(value, bool)


def _key_of(table: Table, row: sqlite3.Row) -> tuple[Any, ...]:
    """The primary key of a row, as a tuple."""
    key = (table.pk,) if isinstance(table.pk, str) else table.pk
    return tuple(row[k] for k in key)


def _row_id(key: Any) -> str:
    """A row named by its key (``XK-001/F1``, or ``XK-001/F1 S1 S2`` for a transition)."""
    return " ".join(excerpt(str(k), SNIPPET) if k is not None else "NULL" for k in key)


class _Reader:
    def __init__(self, conn: sqlite3.Connection, name: str) -> None:
        self.conn = conn
        self.name = name
        self.positions: dict[str, Position] = {}
        #: what is wrong with the rows read so far (raised together, table by table)
        self.problems: list[Problem] = []
        #: global ids of the steps read
        self.step_ids: set[str] = set()

    def rows(self, table: str, order: str = "position") -> Iterator[sqlite3.Row]:
        """The rows of ``table`` in ``order``, once every value of the table is known to
        have its column's type and every key to be unique (else a RegistryError naming
        the rows)."""
        self.check(table)
        cur = self.conn.cursor()
        cur.row_factory = sqlite3.Row
        names = ", ".join(f'"{c}"' for c in TABLE[table].column_names)
        yield from cur.execute(f'SELECT {names} FROM "{table}" ORDER BY {order}')

    def check(self, table: str) -> None:
        """Raise every wrong value of ``table``: a NULL where a value is needed, text in a
        number column or a number in a text column, a key that two rows share. A catalog
        written by ``export`` has none (its constraints forbid them); one edited with
        the constraints dropped may."""
        spec = TABLE[table]
        key = (spec.pk,) if isinstance(spec.pk, str) else spec.pk
        keys = ", ".join(f'"{k}"' for k in key)
        names = ", ".join(f'"{c}"' for c in spec.column_names)
        wrong = " OR ".join(_wrong_type_sql(c) for c in spec.columns)
        # one pass over the table, in SQLite, whatever its size
        cur = self.conn.execute(
            f'SELECT {keys}, {names} FROM "{table}" WHERE {wrong} LIMIT {_SHOWN}'
        )
        for row in cur:
            ids = row[: len(key)]
            values = row[len(key) :]
            for column, value in zip(spec.columns, values, strict=True):
                if value is None and column.not_null:
                    self.bad("E002.catalog_null", table, ids, column.name)
                elif value is not None and not _has_type(value, column.type):
                    want = COLUMN_TYPES[column.type.__name__]
                    self.bad(
                        "E002.catalog_type",
                        table,
                        ids,
                        column.name,
                        want=want,
                        kind=value_kind(value),
                    )
        cur = self.conn.execute(
            f'SELECT {keys}, COUNT(*) FROM "{table}" GROUP BY {keys} '
            f"HAVING COUNT(*) > 1 LIMIT {_SHOWN}"
        )
        for *ids, n in cur:
            what = key[0] if len(key) == 1 else f"({', '.join(key)})"
            self.bad("E002.catalog_duplicate", table, ids, what, n=n)
        self.raise_problems()

    def bad(self, key: str, table: str, ids: Sequence[Any], column: str, **params: Any) -> None:
        """Note one wrong value (E002, as for a registry file): the template ``key``, the
        table, the key of its row (``ids``), its column and the template's other values.
        The entity is the row's global id (a transition's: its flowchart)."""
        row = _row_id(ids)
        entity = excerpt(str(ids[0]), SNIPPET) if ids and ids[0] is not None else None
        self.problems.append(
            problem(key, self.name, entity=entity, table=table, row=row, column=column, **params)
        )

    def raise_problems(self) -> None:
        if self.problems:
            raise RegistryError(self.problems)

    def parent(self, found: dict[str, Any], table: str, row: sqlite3.Row, column: str) -> Any:
        """The parent a row refers to in ``column``, or ``None`` (and a problem)."""
        value = row[column]
        parent = found.get(value)
        if parent is None:
            ids = _key_of(TABLE[table], row)
            self.bad("E002.catalog_orphan", table, ids, column, kind=value_kind(value))
        return parent

    def step_of(self, prefix: str, table: str, row: sqlite3.Row, column: str) -> str | None:
        """The local part of a step id a row refers to (``F1/S3`` of ``XK-001/F1/S3`` for a
        risk point, ``S3`` for a transition of ``XK-001/F1``), or ``None`` (and a problem)
        if it is no step of that power or chart."""
        value = row[column]
        if value in self.step_ids and value.startswith(prefix):
            return str(value[len(prefix) :])
        scope = SCOPES["power" if table == "risk_points" else "flowchart"]
        ids = _key_of(TABLE[table], row)
        self.bad("E002.catalog_step", table, ids, column, kind=value_kind(value), scope=scope)
        return None

    def json_list(self, row: sqlite3.Row, column: str) -> list[Any]:
        """A JSON list column of ``powers`` (legal basis, responsibilities, accountability)."""
        try:
            value = json.loads(row[column])
        except (ValueError, RecursionError) as err:  # RecursionError: [[[[…]]]] nested deep
            error = excerpt(str(err), 80)
            self.bad("E002.catalog_json", "powers", (row["id"],), column, error=error)
            return []
        if isinstance(value, list):
            return value
        self.bad("E002.catalog_json_list", "powers", (row["id"],), column, kind=value_kind(value))
        return []

    def json_value(self, table: str, column: str, text: str) -> Any:
        """The JSON of a column of the org chart or the risk matrix; a catalog whose JSON
        was edited into nonsense is a usage error naming the column."""
        try:
            return json.loads(text)
        except (ValueError, RecursionError) as err:
            raise UsageError(
                f"catalog '{self.name}': {table}.{column} is not JSON ({excerpt(str(err), 80)})"
            ) from err

    def remember(self, gid: str, file: str | None, row: sqlite3.Row) -> None:
        if file is not None and row["source_line"] is not None:
            self.positions[gid] = (file, row["source_line"], row["source_column"] or 0)

    def registry(self) -> Registry:
        metas = list(self.rows("registry", order="id"))
        if len(metas) != 1:
            raise UsageError(
                f"catalog '{self.name}' has {len(metas)} rows in table registry; it needs one"
            )
        meta = {k: metas[0][k] for k in TABLE["registry"].column_names}
        for column in ("risk_matrix", "posts"):
            if meta[column] is not None:
                meta[column] = self.json_value("registry", column, meta[column])
        units = [
            {
                "name": u["name"],
                "name_en": u["name_en"],
                "kind": u["kind"],
                "posts": self.json_value("units", "posts", u["posts"]),
            }
            for u in self.rows("units")
        ]
        meta["units"] = units or None
        meta["categories"] = [
            {"code": c["code"], "name": c["name"], "name_en": c["name_en"]}
            for c in self.rows("categories")
        ]
        with gc_paused():
            powers = self.powers()
        try:
            reg = Registry.model_validate({**meta, "powers": powers})
        except ValidationError as err:
            raise self.invalid(err, None) from err
        reg._sources = SourceMap(self.positions)
        return reg

    def powers(self) -> dict[str, Power]:
        files: dict[str, str | None] = {}
        flowcharts: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
        charts: dict[str, dict[str, Any]] = {}
        risks: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
        by_risk: dict[str, dict[str, Any]] = {}
        power_rows = list(self.rows("powers"))
        lists: dict[str, dict[str, list[Any]]] = {}
        for p in power_rows:
            files[p["id"]] = p["source_file"]
            self.remember(p["id"], p["source_file"], p)
            lists[p["id"]] = {c: self.json_list(p, c) for c in _JSON_LISTS}
        self.raise_problems()
        power_ids = {pid: pid for pid in files}
        for f in self.rows("flowcharts"):
            if self.parent(power_ids, "flowcharts", f, "power_id") is None:
                continue
            chart = {"id": f["local_id"], "title": f["title"], "steps": [], "transitions": []}
            flowcharts[f["power_id"]].append(chart)
            charts[f["id"]] = chart
            self.remember(f["id"], files.get(f["power_id"]), f)
        self.raise_problems()
        step_ids = self.step_ids
        for s in self.rows("steps"):
            chart = self.parent(charts, "steps", s, "flowchart_id")
            if chart is None:
                continue
            step_ids.add(s["id"])
            chart["steps"].append(
                {
                    "id": s["local_id"],
                    "kind": s["kind"],
                    "label": s["label"],
                    "role": s["role"],
                    "days": s["days"],
                    "pauses_clock": bool(s["pauses_clock"]),
                    "no_risk_reason": s["no_risk_reason"],
                }
            )
            self.remember(s["id"], files.get(s["id"].split("/", 1)[0]), s)
        self.raise_problems()
        for t in self.rows("transitions"):
            chart = self.parent(charts, "transitions", t, "flowchart_id")
            prefix = t["flowchart_id"] + "/"
            ends = [self.step_of(prefix, "transitions", t, end) for end in ("source", "target")]
            if chart is None or None in ends:
                continue
            chart["transitions"].append({"from": ends[0], "to": ends[1], "when": t["condition"]})
        self.raise_problems()
        for r in self.rows("risk_points"):
            if self.parent(power_ids, "risk_points", r, "power_id") is None:
                continue
            at = self.step_of(r["power_id"] + "/", "risk_points", r, "step_id")
            if at is None:
                continue
            risk = {
                "id": r["local_id"],
                "at": at,
                "level": r["level"],
                "type": r["type"],
                "description": r["description"],
                "likelihood": r["likelihood"],
                "impact": r["impact"],
                "reason": r["reason"],
                "countermeasures": [],
            }
            risks[r["power_id"]].append(risk)
            by_risk[r["id"]] = risk
            self.remember(r["id"], files.get(r["power_id"]), r)
        self.raise_problems()
        for m in self.rows("countermeasures"):
            risk = self.parent(by_risk, "countermeasures", m, "risk_point_id")
            if risk is None:
                continue
            risk["countermeasures"].append(
                {
                    "id": m["local_id"],
                    "kind": m["kind"],
                    "stage": m["stage"],
                    "description": m["description"],
                    "responsible": m["responsible"],
                }
            )
            self.remember(m["id"], files.get(m["id"].split("/", 1)[0]), m)
        self.raise_problems()
        context = {DEFER_REFERENCES: True}
        powers: dict[str, Power] = {}
        for p in power_rows:
            pid = p["id"]
            data = {
                "id": pid,
                "category": p["category"],
                "name": p["name"],
                "name_en": p["name_en"],
                "legal_basis": lists[pid]["legal_basis"],
                "subject": p["subject"],
                "division": p["division"],
                "statutory_limit": _limit(p["statutory_limit"], p["statutory_unit"]),
                "promised_limit": _limit(p["promised_limit"], p["promised_unit"]),
                "fee": p["fee"],
                "description": p["description"],
                "responsibilities": lists[pid]["responsibilities"],
                "accountability": lists[pid]["accountability"],
                "flowcharts": flowcharts.get(pid, []),
                "risk_points": risks.get(pid, []),
                "disclosure": {"public": bool(p["public"]), "reason": p["disclosure_reason"]},
                "reason": p["reason"],
            }
            try:
                powers[pid] = Power.model_validate(data, context=context)
            except ValidationError as err:
                raise self.invalid(err, pid) from err
        return powers

    def invalid(self, err: ValidationError, power_id: str | None) -> RegistryError:
        """A catalog whose rows were edited into an invalid registry."""
        problems = []
        for e in err.errors(include_url=False):
            where = excerpt(".".join(str(x) for x in e["loc"]), SNIPPET) or "(row)"
            # pydantic's own words: the row passed every check of its table, and only the
            # models' rules (an id's pattern, a bound) can still refuse it
            problems.append(
                problem(
                    "E002.catalog_row",
                    self.name,
                    entity=power_id or "registry",
                    field=where,
                    detail=e["msg"],
                )
            )
        return RegistryError(problems)


def _limit(amount: Any, unit: Any) -> dict[str, Any] | None:
    """A time limit from the catalog's amount and unit columns (checked by the model)."""
    return None if amount is None else {"amount": amount, "unit": unit}
