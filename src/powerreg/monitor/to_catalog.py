"""Supervision results into a published catalog: tables ``cases``, ``case_events`` and
``alerts``, with their Datasette metadata.

:func:`add_to_catalog` adds the three tables to a catalog written by ``powerreg export``
(SPEC §7) — replacing them if an earlier run added them — with foreign keys to
``powers``, ``flowcharts`` and ``steps`` declared and enforced, the description of every
table and column in the catalog's ``_metadata`` table, and the same descriptions, facets
and canned queries merged into ``FILE.metadata.json`` beside the catalog. As ``export``
does, it writes a copy of the catalog beside it and moves the copy into place only when
it is complete (:func:`powerreg.atomic.new_file`): a run that fails — a full disk, a
corrupt metadata file, a kill — leaves the catalog as it was, with no journal beside it.
The tables are written by the catalog's own table writer
(:func:`powerreg.catalog.write.write_tables`).

``alerts`` holds every finding of the monitor: deviations (M101–M104, ``kind``
deviation) and deadline alerts (M201–M203, ``kind`` deadline), each with its message in
English and Chinese.

Examples:
    >>> import powerreg, sqlite3, tempfile
    >>> from pathlib import Path
    >>> from powerreg.catalog import export_sqlite
    >>> from powerreg.monitor import monitor
    >>> reg = powerreg.load_reference()
    >>> db = export_sqlite(reg, Path(tempfile.mkdtemp()) / "catalog.db")
    >>> add_to_catalog(monitor("examples/cases/cases.csv", reg), db).name
    'catalog.db'
    >>> conn = sqlite3.connect(db)
    >>> conn.execute("SELECT count(*) FROM cases").fetchone()[0]
    8
    >>> conn.execute("SELECT code, card, risk_level FROM alerts WHERE code = 'M203'").fetchall()
    [('M203', 'red', None)]
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..catalog.datasette import metadata_path_for
from ..catalog.tables import CATALOG_VERSION, Column, Table
from ..catalog.write import (
    catalog_files,
    check_catalog_output,
    check_metadata_output,
    write_tables,
)
from ..codes import phrase
from ..errors import UsageError
from .findings import CODES

if TYPE_CHECKING:
    from .findings import Alert, Deviation
    from .result import MonitorResult

Row = tuple[Any, ...]

_CODES = "; ".join(f"{c} {t}" for c, t in CODES.items() if c[1] != "0")

TABLES: tuple[Table, ...] = (
    Table(
        "cases",
        "Cases (办件) replayed on their flowcharts by electronic supervision (电子监察): "
        "one row per case of the log, with its status, elapsed working days and how many "
        "deviations and alerts it raised.",
        (
            Column("id", str, "Case id, as in the log (办件编号)", True),
            Column("power_id", str, "Power the case is an exercise of", True),
            Column("flowchart_id", str, "Flowchart the case was replayed on (global id)", True),
            Column(
                "flowchart_inferred",
                int,
                "1 if the log did not name the flowchart and the best-fitting chart of the "
                "power was chosen",
                True,
            ),
            Column(
                "status",
                str,
                "closed (办结), or open (in progress on the as_of date of the replay)",
                True,
            ),
            Column("started", str, "Time of the case's first event (China time)", True),
            Column("ended", str, "Time of the last event of a closed case"),
            Column("events", int, "Number of events of the case", True),
            Column(
                "elapsed_days",
                int,
                "Working days (工作日) the case took, steps that pause the clock left out; "
                "for an open case, up to the as_of date",
                True,
            ),
            Column(
                "limit_days",
                int,
                "Time limit of the case in working days: the promised one (承诺时限), or the "
                "statutory one (法定时限) if no promise is made",
            ),
            Column(
                "on_time", int, "For a closed case with a limit: 1 if it closed within it, else 0"
            ),
            Column("fits", int, "1 if the case followed its flowchart exactly", True),
            Column("deviations", int, "Number of deviations (M101–M104)", True),
            Column("alerts", int, "Number of deadline alerts (M201–M203)", True),
            Column("worst_card", str, "Gravest alert: red (红牌), yellow (黄牌) or warning (预警)"),
            Column("position", int, "Order of the case in the log, from 0", True),
        ),
        pk="id",
        foreign_keys=(("power_id", "powers", "id"), ("flowchart_id", "flowcharts", "id")),
    ),
    Table(
        "case_events",
        "Events of the cases (办件环节记录): the case arrived at a step at a time; the "
        "step lasted until the case's next event.",
        (
            Column("case_id", str, "Case of the event", True),
            Column("position", int, "Order of the event in its case, from 0", True),
            Column("power_id", str, "Power of the case", True),
            Column("flowchart_id", str, "Flowchart of the case (global id)", True),
            Column(
                "step_id",
                str,
                "Step of the event (global id); empty if the step is not on the chart",
            ),
            Column("step", str, "Step id as the log gives it, e.g. S3", True),
            Column("timestamp", str, "When the case arrived at the step (China time)", True),
            Column(
                "working_days",
                int,
                "Working days spent in the step (start day not counted); empty for the event "
                "that closed the case",
            ),
            Column(
                "pauses_clock",
                int,
                "1 if the step pauses the clock (补正, expert review, hearing, publicity): its "
                "time is left out of the case's elapsed days",
                True,
            ),
            Column("actor", str, "Who acted, as the log gives it"),
            Column("note", str, "Note of the event, as the log gives it"),
            Column("line", int, "Line of the event in the log file", True),
        ),
        pk=("case_id", "position"),
        foreign_keys=(
            ("case_id", "cases", "id"),
            ("power_id", "powers", "id"),
            ("flowchart_id", "flowcharts", "id"),
            ("step_id", "steps", "id"),
        ),
    ),
    Table(
        "alerts",
        "What electronic supervision found in each case: deviations from the flowchart "
        "and deadline alerts (预警, 黄牌, 红牌), with the risk points they touch. Codes: "
        + _CODES
        + ".",
        (
            Column("id", int, "Number of the finding, from 1", True),
            Column("case_id", str, "Case of the finding", True),
            Column("code", str, "M101–M104 (deviations) or M201–M203 (deadline alerts)", True),
            Column("kind", str, "deviation or deadline", True),
            Column("card", str, "Deadline alerts: warning (预警), yellow (黄牌) or red (红牌)"),
            Column("scope", str, "For a deadline alert: step (a step overran) or case"),
            Column("power_id", str, "Power of the case", True),
            Column("flowchart_id", str, "Flowchart of the case (global id)", True),
            Column(
                "step_id",
                str,
                "Step of the finding (global id): the step arrived at, where the case "
                "began or closed, or the step that overran; empty for the case as a whole "
                "or a step not on the chart",
            ),
            Column("step", str, "Local id of that step, as the log gives it"),
            Column("source_step", str, "For M102: the step the case moved from"),
            Column("move", str, "For M102: skip, back (reversed), jump (another branch) or repeat"),
            Column(
                "steps",
                str,
                "Steps skipped (M102, M103) or still due (M104): a JSON list of local ids",
            ),
            Column(
                "on_every_path",
                int,
                "1 if those steps lie on every path between the two steps; 0 if they are the "
                "shortest path's",
            ),
            Column("position", int, "Position of the event in its case, from 0"),
            Column("line", int, "Line of the event in the log file"),
            Column("elapsed_days", int, "For a deadline alert: working days used"),
            Column("limit_days", int, "For a deadline alert: the days allowed"),
            Column("date", str, "For a deadline alert: working day the threshold was passed"),
            Column(
                "risk_points", str, "Risk points the finding touches: a JSON list of global ids"
            ),
            Column("risk_level", str, "Highest level of those risk points: high, medium or low"),
            Column("message", str, "What was found, in English", True),
            Column("message_zh", str, "What was found, in Chinese", True),
        ),
        pk="id",
        foreign_keys=(
            ("case_id", "cases", "id"),
            ("power_id", "powers", "id"),
            ("flowchart_id", "flowcharts", "id"),
            ("step_id", "steps", "id"),
        ),
    ),
)

#: Datasette facets and sort orders of the three tables.
FACETS: dict[str, list[str]] = {
    "cases": ["power_id", "status", "worst_card", "fits"],
    "case_events": ["power_id", "pauses_clock"],
    "alerts": ["code", "card", "risk_level", "power_id"],
}
SORT: dict[str, dict[str, str]] = {
    "cases": {"sort_desc": "elapsed_days"},
    "case_events": {"sort": "timestamp"},
    "alerts": {"sort": "id"},
}
QUERIES: dict[str, dict[str, str]] = {
    "red_cards": {
        "title": "Red cards: cases over their statutory limit",
        "description": "Cases whose elapsed working days passed the statutory limit (M203), "
        "with their power and the day the limit was passed.",
        "sql": """SELECT
    a.case_id,
    p.name AS power,
    a.elapsed_days,
    a.limit_days,
    a.date AS overdue_from,
    c.status
FROM alerts a
JOIN cases c ON c.id = a.case_id
JOIN powers p ON p.id = a.power_id
WHERE a.code = 'M203'
ORDER BY a.date""",
    },
    "deviations_at_risk_points": {
        "title": "Deviations that touch a risk point",
        "description": "Deviations from the flowchart (M101–M104) at, or skipping, a step "
        "that carries an integrity risk point, gravest first.",
        "sql": """SELECT
    a.case_id,
    a.code,
    p.name AS power,
    a.step,
    a.risk_level,
    a.risk_points,
    a.message_zh
FROM alerts a
JOIN powers p ON p.id = a.power_id
WHERE a.kind = 'deviation' AND a.risk_level IS NOT NULL
ORDER BY CASE a.risk_level WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, a.id""",
    },
    "on_time_by_power": {
        "title": "On time, by power",
        "description": "Per power: cases, closed cases with a time limit, how many closed "
        "within it (the on-time rate of the monitor's summary), and red cards; the least "
        "punctual first.",
        "sql": """SELECT
    c.power_id,
    p.name AS power,
    count(*) AS cases,
    sum(c.status = 'closed') AS closed,
    sum(c.on_time IS NOT NULL) AS timed,
    sum(c.on_time) AS on_time,
    round(100.0 * sum(c.on_time) / nullif(sum(c.on_time IS NOT NULL), 0), 1) AS on_time_pct,
    sum(c.worst_card = 'red') AS red_cards
FROM cases c
JOIN powers p ON p.id = c.power_id
GROUP BY c.power_id
ORDER BY on_time_pct IS NULL, on_time_pct, c.power_id""",
    },
}


def add_to_catalog(
    result: MonitorResult,
    path: str | os.PathLike[str],
    *,
    metadata_path: str | os.PathLike[str] | None = None,
) -> Path:
    """Add (or replace) the tables ``cases``, ``case_events`` and ``alerts`` of
    ``result`` in the catalog at ``path``, and merge their Datasette metadata into
    ``FILE.metadata.json`` (or ``metadata_path``).

    Nothing is changed unless everything succeeds: the catalog is copied beside itself,
    the copy changed and moved into place, then the metadata likewise.

    Raises:
        UsageError: no catalog at ``path``, not a powerreg catalog of this version, a
            catalog of another registry than the one the cases were replayed on, a
            metadata file that is not Datasette metadata, or the files cannot be
            written (the message says why, e.g. the disk is full).
    """
    target = Path(path)
    meta_target = Path(metadata_path) if metadata_path is not None else metadata_path_for(target)
    source = result.registry.source_root
    check_catalog_output(target, source)
    if not target.is_file():
        raise UsageError("monitor.catalog_missing", path=target)
    check_metadata_output(meta_target, source)
    meta = _merged_metadata(meta_target, target.stem)  # a bad file stops us before writing
    with catalog_files(target, meta_target) as (db_tmp, meta_tmp):
        try:
            _write_copy(target, db_tmp, result)
        except sqlite3.IntegrityError as err:
            raise UsageError("monitor.catalog_incomplete", path=target, reason=str(err)) from err
        meta_tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return target


def _write_copy(target: Path, copy: Path, result: MonitorResult) -> None:
    """Copy the catalog at ``target`` into the empty file ``copy`` and add the tables
    there; ``target`` is only read (a journal an older run left is rolled back)."""
    try:
        src = sqlite3.connect(target, isolation_level=None)
    except sqlite3.Error as err:
        raise UsageError("monitor.catalog_unopenable", path=target, reason=str(err)) from err
    try:
        _check_catalog(src, target, result)
        conn = sqlite3.connect(copy, isolation_level=None)
        try:
            src.backup(conn)
            # private until renamed, and synced once before: no journal, no sync per commit
            conn.execute("PRAGMA journal_mode = MEMORY")
            conn.execute("PRAGMA synchronous = OFF")
            _write(conn, result)
        finally:
            conn.close()
    finally:
        src.close()


def _check_catalog(conn: sqlite3.Connection, path: Path, result: MonitorResult) -> None:
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as err:
        raise UsageError("monitor.catalog_not_sqlite", path=path, reason=str(err)) from err
    if version != CATALOG_VERSION or not {"registry", "powers", "steps", "_metadata"} <= names:
        raise UsageError("monitor.catalog_version", path=path, version=CATALOG_VERSION)
    ids = [r[0] for r in conn.execute("SELECT id FROM registry")]
    if ids != [result.registry.id]:
        raise UsageError(
            "monitor.catalog_other_registry",
            path=path,
            found=", ".join(ids) or phrase("part.monitor_no_registry"),
            registry=result.registry.id,
        )


def _write(conn: sqlite3.Connection, result: MonitorResult) -> None:
    """Replace the three tables and their descriptions, in one transaction (of a copy:
    if it fails, the copy is thrown away)."""
    rows = {"cases": _cases, "case_events": _events, "alerts": _alerts}

    def rows_of(table: Table) -> Iterable[Row]:
        return rows[table.name](result)

    conn.execute("PRAGMA foreign_keys = OFF")  # write_tables checks them once, at the end
    conn.execute("BEGIN")
    for table in reversed(TABLES):
        conn.execute(f'DROP TABLE IF EXISTS "{table.name}"')
    write_tables(conn, TABLES, rows_of)
    conn.execute("DELETE FROM _metadata WHERE table_name IN (?, ?, ?)", [t.name for t in TABLES])
    conn.executemany(
        "INSERT OR REPLACE INTO _metadata (table_name, column_name, key, value) "
        "VALUES (?, ?, ?, ?)",
        _metadata_rows(result),
    )
    conn.execute("COMMIT")


def _cases(result: MonitorResult) -> Iterator[Row]:
    for i, c in enumerate(result.cases):
        yield (
            c.case_id,
            c.power_id,
            f"{c.power_id}/{c.flowchart_id}",
            int(c.inferred),
            c.status,
            c.started.isoformat(" "),
            c.ended.isoformat(" ") if c.ended else None,
            len(c.events),
            c.elapsed,
            c.limit,
            None if c.on_time is None else int(c.on_time),
            int(c.fits),
            len(c.deviations),
            len(c.alerts),
            c.worst,
            i,
        )


def _events(result: MonitorResult) -> Iterator[Row]:
    for c in result.cases:
        chart = result.chart_of(c)
        fgid = chart.gid
        for i, (ev, days) in enumerate(zip(c.events, c.step_days, strict=True)):
            on = ev.step_id in chart.steps
            yield (
                c.case_id,
                i,
                c.power_id,
                fgid,
                f"{fgid}/{ev.step_id}" if on else None,
                ev.step_id,
                ev.time.isoformat(" "),
                days,
                int(on and ev.step_id in chart.pauses),
                ev.actor,
                ev.note,
                ev.line,
            )


def _alerts(result: MonitorResult) -> Iterator[Row]:
    n = 0
    for c in result.cases:
        chart = result.chart_of(c)
        fgid = chart.gid
        findings: list[Deviation | Alert] = [*c.deviations, *c.alerts]
        for f in findings:
            n += 1
            on = f.step is not None and f.step in chart.steps
            risks = json.dumps([r.id for r in f.risk_points]) if f.risk_points else None
            common = (
                f.power_id,
                fgid,
                f"{fgid}/{f.step}" if on else None,
                f.step,
            )
            if f.code in ("M101", "M102", "M103", "M104"):
                d: Deviation = f  # type: ignore[assignment]
                yield (
                    n,
                    c.case_id,
                    d.code,
                    "deviation",
                    None,
                    None,
                    *common,
                    d.source if d.code == "M102" else None,
                    d.kind,
                    json.dumps(list(d.steps)),
                    int(d.on_every_path),
                    d.position,
                    d.line,
                    None,
                    None,
                    None,
                    risks,
                    d.risk_level,
                    *_messages(result, d),
                )
            else:
                a: Alert = f  # type: ignore[assignment]
                yield (
                    n,
                    c.case_id,
                    a.code,
                    "deadline",
                    a.card,
                    a.scope,
                    *common,
                    None,
                    None,
                    None,
                    None,
                    a.position,
                    a.line,
                    a.elapsed,
                    a.limit,
                    a.date.isoformat(),
                    risks,
                    a.risk_level,
                    *_messages(result, a),
                )


def _messages(result: MonitorResult, finding: Deviation | Alert) -> tuple[str, str]:
    """The finding's message in English and Chinese, from one record."""
    record = result.problem(finding)
    return record.message("en"), record.message("zh")


def _metadata_rows(result: MonitorResult) -> Iterator[Row]:
    for table in TABLES:
        yield table.name, "", "description", table.description
        for c in table.columns:
            yield table.name, c.name, "description", c.description
    yield "cases", "", "log", result.source
    if result.as_of is not None:
        yield "cases", "", "as_of", result.as_of.isoformat()


def datasette_tables() -> dict[str, dict[str, Any]]:
    """Datasette metadata of the three tables: description, columns, facets, sort.

    Examples:
        >>> datasette_tables()["alerts"]["facets"]
        ['code', 'card', 'risk_level', 'power_id']
    """
    return {
        t.name: {
            "description": t.description,
            "columns": {c.name: c.description for c in t.columns},
            "facets": FACETS[t.name],
            **SORT[t.name],
        }
        for t in TABLES
    }


def _merged_metadata(path: Path, database: str) -> dict[str, Any]:
    """The Datasette metadata at ``path`` with the tables and queries merged in."""
    meta: dict[str, Any] = {}
    if path.is_file():
        try:
            meta = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise UsageError("monitor.metadata_unreadable", path=path, reason=str(err)) from err
        if not isinstance(meta, dict):
            raise UsageError("monitor.metadata_not_object", path=path)
    db = meta.setdefault("databases", {}).setdefault(database, {})
    db.setdefault("tables", {}).update(datasette_tables())
    db.setdefault("queries", {}).update({k: dict(v) for k, v in QUERIES.items()})
    return meta
