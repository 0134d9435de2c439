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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..collector import gc_paused
from ..errors import Problem, RegistryError, UsageError
from ..model import DEFER_REFERENCES, Power, Registry, SourceMap
from .schema import CATALOG_VERSION, TABLE, TABLES

Position = tuple[str, int, int]


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
    except sqlite3.Error as err:
        raise UsageError(f"cannot read the catalog '{p}': {err}") from err
    except KeyError as err:  # a row whose parent is gone: the catalog was edited
        raise UsageError(
            f"catalog '{p}' is inconsistent: {err} is referenced but missing "
            "(see PRAGMA foreign_key_check); export it again"
        ) from err
    finally:
        conn.close()


def open_catalog(path: Path) -> sqlite3.Connection:
    """A read-only connection to a powerreg catalog of this version.

    Raises:
        UsageError: if there is no such file, or it is not such a catalog.
    """
    if not path.is_file():
        raise UsageError(f"no catalog at '{path}': no such file")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as err:
        raise UsageError(f"cannot open the catalog '{path}': {err}") from err
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as err:
        conn.close()
        raise UsageError(f"'{path}' is not a SQLite database ({err})") from err
    missing = [t.name for t in TABLES if t.name not in names]
    if missing or version != CATALOG_VERSION:
        conn.close()
        why = f"no table {', '.join(missing)}" if missing else f"user_version {version}"
        raise UsageError(
            f"'{path}' is not a powerreg catalog of version {CATALOG_VERSION} ({why}); "
            "write it with 'powerreg export'"
        )
    return conn


class _Reader:
    def __init__(self, conn: sqlite3.Connection, name: str) -> None:
        self.conn = conn
        self.name = name
        self.positions: dict[str, Position] = {}

    def rows(self, table: str, order: str = "position") -> Iterator[sqlite3.Row]:
        cur = self.conn.cursor()
        cur.row_factory = sqlite3.Row
        names = ", ".join(f'"{c}"' for c in TABLE[table].column_names)
        yield from cur.execute(f'SELECT {names} FROM "{table}" ORDER BY {order}')

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
        for p in power_rows:
            files[p["id"]] = p["source_file"]
            self.remember(p["id"], p["source_file"], p)
        for f in self.rows("flowcharts"):
            chart = {"id": f["local_id"], "title": f["title"], "steps": [], "transitions": []}
            flowcharts[f["power_id"]].append(chart)
            charts[f["id"]] = chart
            self.remember(f["id"], files.get(f["power_id"]), f)
        for s in self.rows("steps"):
            charts[s["flowchart_id"]]["steps"].append(
                {
                    "id": s["local_id"],
                    "kind": s["kind"],
                    "label": s["label"],
                    "role": s["role"],
                    "days": s["days"],
                    "pauses_clock": bool(s["pauses_clock"]),
                }
            )
            self.remember(s["id"], files.get(s["id"].split("/", 1)[0]), s)
        for t in self.rows("transitions"):
            prefix = len(t["flowchart_id"]) + 1
            charts[t["flowchart_id"]]["transitions"].append(
                {"from": t["source"][prefix:], "to": t["target"][prefix:], "when": t["condition"]}
            )
        for r in self.rows("risk_points"):
            risk = {
                "id": r["local_id"],
                "at": r["step_id"][len(r["power_id"]) + 1 :],
                "level": r["level"],
                "type": r["type"],
                "description": r["description"],
                "countermeasures": [],
            }
            risks[r["power_id"]].append(risk)
            by_risk[r["id"]] = risk
            self.remember(r["id"], files.get(r["power_id"]), r)
        for m in self.rows("countermeasures"):
            by_risk[m["risk_point_id"]]["countermeasures"].append(
                {
                    "id": m["local_id"],
                    "kind": m["kind"],
                    "stage": m["stage"],
                    "description": m["description"],
                    "responsible": m["responsible"],
                }
            )
            self.remember(m["id"], files.get(m["id"].split("/", 1)[0]), m)
        context = {DEFER_REFERENCES: True}
        powers: dict[str, Power] = {}
        for p in power_rows:
            pid = p["id"]
            data = {
                "id": pid,
                "category": p["category"],
                "name": p["name"],
                "name_en": p["name_en"],
                "legal_basis": json.loads(p["legal_basis"]),
                "subject": p["subject"],
                "division": p["division"],
                "statutory_days": p["statutory_days"],
                "promised_days": p["promised_days"],
                "fee": p["fee"],
                "description": p["description"],
                "responsibilities": json.loads(p["responsibilities"]),
                "accountability": json.loads(p["accountability"]),
                "flowcharts": flowcharts.get(pid, []),
                "risk_points": risks.get(pid, []),
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
            where = ".".join(str(x) for x in e["loc"])
            problems.append(
                Problem(
                    code="E002",
                    file=self.name,
                    entity=power_id,
                    message=f"{power_id or 'registry'}: {where}: {e['msg']}",
                )
            )
        return RegistryError(problems)
