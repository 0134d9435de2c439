"""SQLite catalog → registry: the inverse of ``export_sqlite``.

The registry read back equals the one exported (``==`` on the models), with its global
ids assigned and, where the catalog recorded them, the YAML positions of its entities,
so an audit of a catalog still points at the source lines.
"""

from __future__ import annotations

import json
import os
import sqlite3
import unicodedata
from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path, PureWindowsPath
from typing import Any

from pydantic import ValidationError

from ..codes import Phrase, localized, phrase, value_kind
from ..codes.load_codes import COLUMN_TYPES, FILE_KINDS, SCOPES
from ..collector import gc_paused
from ..errors import Problem, RegistryError, UsageError, problem
from ..model import DEFER_REFERENCES, Issue, Power, Registry, SourceMap
from ..readfile import file_kind
from ..textsafe import SNIPPET, excerpt, one_line
from .tables import CATALOG_VERSION, ROLLUP_CATALOG_VERSION, TABLE, TABLES, Column, Table

Position = tuple[str, int, int]

#: Most rows of one table named in one error: enough to see what was done to it.
_SHOWN = 20
#: Columns of ``powers`` that hold a JSON list of texts.
_JSON_LISTS = ("legal_basis", "responsibilities", "accountability")
#: What a position column holds (``{want}`` of E002.catalog_type); ``export`` writes 0
#: or NULL where the YAML position is unknown (a registry built in code).
_LINE = localized(
    "a line number, 1 or more (0 or NULL where unknown)",
    "行号，即不小于 1 的整数（未知时为 0 或 NULL）",
)
_COLUMN = localized(
    "a column number, 1 or more (0 or NULL where unknown)",
    "列号，即不小于 1 的整数（未知时为 0 或 NULL）",
)
_FILE = localized(
    "a path inside the registry's folder, relative to it, such as powers/XK-001.yaml "
    "(no '..', no leading '/', no '\\', no control character)",
    "清单目录内的相对路径，如 powers/XK-001.yaml（不含 ..、开头的 /、\\ 或控制字符）",
)
#: A unit named as one of the department's posts, which registry.yaml would refuse (E003).
_NOT_A_POST = localized(
    "a name that no post of the department has (table registry, column posts)",
    "部门岗位（表 registry 的 posts 列）中没有的名称",
)
_EACH_ONCE = localized("a JSON list naming each post once", "每个岗位只列一次的 JSON 列表")


def read_catalog(path: str | os.PathLike[str]) -> Registry:
    """Read a catalog written by ``export_sqlite`` back into a registry.

    Raises:
        UsageError: the file is missing, not SQLite, or not a powerreg catalog of this
            version.
        RegistryError: the catalog's rows do not make a valid registry (it was edited).

    Examples:
        >>> import powerreg, tempfile
        >>> from pathlib import Path, PureWindowsPath
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
        raise UsageError("catalog.unreadable", path=p, reason=str(err)) from err
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
        raise UsageError("catalog.no_such_file", path=path) from err
    except OSError as err:
        reason = err.strerror or str(err)
        raise UsageError("catalog.inaccessible", path=path, reason=reason) from err
    if kind is not None:
        raise UsageError("catalog.not_a_file", path=path, kind=FILE_KINDS[kind])
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as err:
        raise UsageError("catalog.cannot_open", path=path, reason=str(err)) from err
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        names = {
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")
        }
        wrong = _wrong_shape(conn, version, names)
    except sqlite3.DatabaseError as err:
        conn.close()
        raise UsageError("catalog.not_sqlite", path=path, reason=str(err)) from err
    if wrong:
        rollup = _rollup_catalog(conn, version, names, path)
        conn.close()
        if rollup is not None:
            raise rollup
        raise UsageError(
            "catalog.wrong_shape", path=path, version=CATALOG_VERSION, wrong=_joined(wrong)
        )
    return conn


def _rollup_catalog(
    conn: sqlite3.Connection, version: Any, names: set[str], path: Path
) -> UsageError | None:
    """The refusal of a roll-up's combined catalog at ``path``, or ``None`` if the
    database is not one: ``export`` of a roll-up marks it with its own ``user_version``
    and the tables ``departments`` and ``registries``.

    Examples:
        >>> conn = sqlite3.connect(":memory:")
        >>> _ = conn.execute("CREATE TABLE departments (id TEXT, path TEXT, position INTEGER)")
        >>> _ = conn.execute("INSERT INTO departments VALUES ('A', 'm/a', 0), ('B', 'm/b', 1)")
        >>> err = _rollup_catalog(conn, 1, {"departments", "registries", "powers"}, Path("r"))
        >>> str(err)[:63]
        "'r' is the combined catalog of a roll-up (2 departments: A, B),"
        >>> str(err)[-37:]
        "(such as m/a in the roll-up's folder)"
        >>> err.in_lang("zh")[:38]
        "'r' 是汇总（2 个部门：A, B）的合并目录数据库，不能作为一份清单读取"
        >>> _rollup_catalog(conn, 3, {"departments", "registries", "powers"}, Path("r")) is None
        True
    """
    if version != ROLLUP_CATALOG_VERSION or not {"departments", "registries"} <= names:
        return None
    member = phrase("part.catalog_member_path")
    try:
        rows = conn.execute("SELECT id, path FROM departments ORDER BY position").fetchall()
    except sqlite3.Error:  # an edited one: still a roll-up's
        what = phrase("part.catalog_a_rollup")
    else:
        ids = ", ".join(excerpt(one_line(str(r[0])), SNIPPET) for r in rows[:_SHOWN])
        if len(rows) > _SHOWN:
            ids += ", …"
        n = len(rows)
        if n == 1:
            what = phrase("part.catalog_rollup_of_one", n=n, ids=ids)
        else:
            what = phrase("part.catalog_rollup_of_many", n=n, ids=ids)
        if rows and isinstance(rows[0][1], str):
            shown = excerpt(one_line(rows[0][1]), SNIPPET)
            member = phrase("part.catalog_member_such_as", path=shown)
    return UsageError("catalog.rollup", path=path, rollup=what, member=member)


def _wrong_shape(conn: sqlite3.Connection, version: Any, names: set[str]) -> list[Phrase]:
    """What keeps a database from being a catalog this version reads: another
    ``user_version``, a table it needs that is missing, a column a table lacks.

    Examples:
        >>> conn = sqlite3.connect(":memory:")
        >>> _ = conn.execute("CREATE TABLE registry (id TEXT)")
        >>> for why in _wrong_shape(conn, 0, {"registry"}):
        ...     print(why.in_lang("en")[:44])
        user_version 0, not 3
        no table categories, powers, flowcharts, ste
        table registry has no column schema_version,
        >>> print(_joined(_wrong_shape(conn, 0, {"registry"})[:2]).in_lang("zh")[:37])
        user_version 为 0，而不是 3；缺少表 categories
    """
    wrong = []
    if version != CATALOG_VERSION:
        found = excerpt(str(version), SNIPPET)
        wrong.append(phrase("part.catalog_user_version", found=found, version=CATALOG_VERSION))
    missing = [t.name for t in TABLES if t.name not in names]
    if missing:
        wrong.append(phrase("part.catalog_no_table", tables=", ".join(missing)))
    for t in TABLES:
        if t.name in missing:
            continue
        have = {r[1] for r in conn.execute(f'PRAGMA table_info("{t.name}")')}
        gone = [c for c in t.column_names if c not in have]
        if gone:
            wrong.append(phrase("part.catalog_no_column", table=t.name, columns=", ".join(gone)))
    return wrong


def _joined(reasons: Sequence[Phrase]) -> Phrase:
    """``reasons`` (one or more) as one phrase, each after the other ("…; …")."""
    said = reasons[-1]
    for reason in reversed(reasons[:-1]):
        said = phrase("part.catalog_reasons", first=reason, rest=said)
    return said


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


def _inside(path: str) -> bool:
    """Whether ``path`` is a relative POSIX path that stays inside the folder it is
    relative to, with no control character: what ``export`` writes as a source file.

    Examples:
        >>> [_inside(p) for p in ("powers/XK-001.yaml", "registry.yaml", "权力/许可.yaml")]
        [True, True, True]
        >>> bad = ("../../etc/passwd", "/etc/passwd", "powers/../../x", "powers\\\\..\\\\x",
        ...        "C:x.yaml", "powers//x", "./x", "", "x\\n.yaml", "x\\u202e.yaml", "x\\u2028")
        >>> [_inside(p) for p in bad]
        [False, False, False, False, False, False, False, False, False, False, False]
    """
    return (
        all(part not in ("", ".", "..") for part in path.split("/"))
        and "\\" not in path
        and not PureWindowsPath(path).drive
        and not any(unicodedata.category(c)[0] == "C" or c in "\u2028\u2029" for c in path)
    )


def _twice(name: str) -> dict[str, str]:
    """A list that names ``name`` twice, as an error names it (``{kind}``)."""
    shown = excerpt(name, SNIPPET)
    return localized(f"a list naming '{shown}' twice", f"两次列出“{shown}”的列表")


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
            reason = excerpt(str(err), 80)
            raise UsageError(
                "catalog.not_json", name=self.name, table=table, column=column, reason=reason
            ) from err

    def remember(self, table: str, gid: str, file: str | None, row: sqlite3.Row) -> None:
        """Keep the YAML position of a row (``gid``, in the power's ``file``), once its
        line and column are known to be positions (else a problem each)."""
        line, column = row["source_line"], row["source_column"]
        good = True
        for name, value, want in (("source_line", line, _LINE), ("source_column", column, _COLUMN)):
            if value is not None and value < 0:
                ids = _key_of(TABLE[table], row)
                self.bad("E002.catalog_type", table, ids, name, want=want, kind=value_kind(value))
                good = False
        if good and file is not None and line is not None:
            self.positions[gid] = (file, line, column or 0)

    def source_file(self, row: sqlite3.Row) -> str | None:
        """The source file of a power's row, once known to be a path inside the registry
        (else ``None``, and a problem): a message and a SARIF log point at it."""
        file: str | None = row["source_file"]
        if file is None or _inside(file):
            return file
        kind = value_kind(file)
        self.bad("E002.catalog_type", "powers", (row["id"],), "source_file", want=_FILE, kind=kind)
        return None

    def own_id(self, table: str, row: sqlite3.Row, parent: str) -> bool:
        """Whether the global id of a row is its parent's id, ``/`` and its local id
        (``XK-001/R2/M1`` of ``XK-001/R2`` and ``M1``); else a problem: which of the three
        was edited cannot be told, and taking any one would move the entity silently."""
        gid, local = row["id"], row["local_id"]
        expected = f"{row[parent]}/{local}"
        if gid == expected:
            return True
        shown = excerpt(expected, SNIPPET)
        want = localized(f"{parent}/local_id ('{shown}')", f"{parent}/local_id（{shown}）")
        self.bad("E002.catalog_type", table, (gid,), "id", want=want, kind=value_kind(gid))
        return False

    def cross_row(self, issues: list[Issue], registry_id: str) -> None:
        """The problems across tables the registry model finds (a power's category that
        table categories lacks, a role naming no unit or post of the org chart, a unit
        named as a post), each named by its table, row and column; at most
        :data:`_SHOWN` per column."""
        shown: defaultdict[tuple[str, str], int] = defaultdict(int)
        for issue in issues:
            named = _cross_row(issue, registry_id)
            if named is None:  # none of these can come from a catalog's rows: as before
                where = excerpt(".".join(str(x) for x in issue.loc), SNIPPET)
                detail = f"{issue.code} {issue.message}"
                self.problems.append(
                    problem(
                        "E002.catalog_row",
                        self.name,
                        entity=issue.entity,
                        field=where,
                        detail=detail,
                    )
                )
                continue
            key, table, ids, column, params = named
            shown[table, column] += 1
            if shown[table, column] <= _SHOWN:
                self.bad(key, table, ids, column, **params)

    def registry(self) -> Registry:
        metas = list(self.rows("registry", order="id"))
        if len(metas) != 1:
            raise UsageError("catalog.registry_rows", name=self.name, n=len(metas))
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
            reg = Registry.model_validate(
                {**meta, "powers": powers}, context={DEFER_REFERENCES: True}
            )
        except ValidationError as err:
            raise self.invalid(err, None) from err
        self.cross_row(reg.registry_issues(), reg.id)
        self.raise_problems()
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
            files[p["id"]] = file = self.source_file(p)
            self.remember("powers", p["id"], file, p)
            lists[p["id"]] = {c: self.json_list(p, c) for c in _JSON_LISTS}
        self.raise_problems()
        power_ids = {pid: pid for pid in files}
        for f in self.rows("flowcharts"):
            if not self.own_id("flowcharts", f, "power_id"):
                continue
            if self.parent(power_ids, "flowcharts", f, "power_id") is None:
                continue
            chart = {"id": f["local_id"], "title": f["title"], "steps": [], "transitions": []}
            flowcharts[f["power_id"]].append(chart)
            charts[f["id"]] = chart
            self.remember("flowcharts", f["id"], files.get(f["power_id"]), f)
        self.raise_problems()
        step_ids = self.step_ids
        for s in self.rows("steps"):
            if not self.own_id("steps", s, "flowchart_id"):
                continue
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
            self.remember("steps", s["id"], files.get(s["id"].split("/", 1)[0]), s)
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
            if not self.own_id("risk_points", r, "power_id"):
                continue
            if self.parent(power_ids, "risk_points", r, "power_id") is None:
                continue
            if r["id"] in charts:  # XK-001/F1 a risk point and a flowchart (E003)
                kind = value_kind(r["local_id"])
                want = localized("an id no flowchart of its power has", "本事项流程图未用的编号")
                self.bad(
                    "E002.catalog_type", "risk_points", (r["id"],), "local_id", want=want, kind=kind
                )
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
            self.remember("risk_points", r["id"], files.get(r["power_id"]), r)
        self.raise_problems()
        for m in self.rows("countermeasures"):
            if not self.own_id("countermeasures", m, "risk_point_id"):
                continue
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
            self.remember("countermeasures", m["id"], files.get(m["id"].split("/", 1)[0]), m)
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


#: What a cross-table issue of the registry model is: template, table, row, column and
#: the template's other values.
_Named = tuple[str, str, tuple[Any, ...], str, dict[str, Any]]


def _cross_row(issue: Issue, registry_id: str) -> _Named | None:
    """The table, row and column of an issue :meth:`Registry.registry_issues` found (its
    ``loc`` is a path in the registry's data), and how a catalog's error names it; ``None``
    for one no catalog's rows can make (a category code twice: the key of categories)."""
    loc, params = issue.loc, issue.params
    orphan = "E002.catalog_orphan"
    if issue.code == "E004" and loc[0] == "powers":
        value = params.get("category") if issue.key.startswith("E004.category") else None
        if value is None:
            value = params.get("part")
        if len(loc) == 3:  # ("powers", id, "category" | "division")
            return orphan, "powers", (loc[1],), str(loc[2]), {"kind": value_kind(value)}
        table = "steps" if loc[2] == "flowcharts" else "countermeasures"
        return orphan, table, (issue.entity,), str(loc[-1]), {"kind": value_kind(value)}
    if issue.key == "E003.unit" and loc[0] == "units":  # a unit named as a post
        name = params["id"]
        params = {"want": _NOT_A_POST, "kind": value_kind(name)}
        return "E002.catalog_type", "units", (name,), "name", params
    if issue.key == "E003.unit" and loc[0] == "posts":  # a post twice
        params = {"want": _EACH_ONCE, "kind": _twice(params["id"])}
        return "E002.catalog_type", "registry", (registry_id,), "posts", params
    if issue.key == "E003.post":  # a post twice in a unit
        params = {"want": _EACH_ONCE, "kind": _twice(params["id"])}
        return "E002.catalog_type", "units", (issue.entity,), "posts", params
    return None


def _limit(amount: Any, unit: Any) -> dict[str, Any] | None:
    """A time limit from the catalog's amount and unit columns (checked by the model)."""
    return None if amount is None else {"amount": amount, "unit": unit}
