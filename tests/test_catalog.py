"""The SQLite catalog (SPEC §7, issue 6): schema, round trip, search, safety, Datasette.

The schema is kept as golden text in ``tests/golden/catalog_schema.sql``; after an
intended change, regenerate it with ``POWERREG_UPDATE_GOLDEN=1 pytest tests/test_catalog.py``
and review the diff.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import unicodedata
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import powerreg
from powerreg import Limit, Registry, RegistryError, UsageError, cli
from powerreg.catalog import (
    CATALOG_VERSION,
    SearchHit,
    datasette_metadata,
    export_sqlite,
    read_catalog,
    search,
)
from powerreg.catalog.ngrams import fold, fts_query, index_text
from powerreg.catalog.tables import SEARCH_INDEXES, TABLES, VIEWS
from powerreg.model.orgchart import references, split_reference
from powerreg.monitor import add_to_catalog, monitor
from powerreg.monitor import to_catalog as monitor_catalog

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EXAMPLE = ROOT / "examples" / "minimal"
CASES = ROOT / "examples" / "cases" / "cases.csv"
GOLDEN = HERE / "golden" / "catalog_schema.sql"

HOSTILE = [
    "'; DROP TABLE powers; --",
    'Robert"); DROP TABLE risk_points;--',
    "<script>alert('x')</script>",
    "{{ 7*7 }} ${x} %s %d \\ \\\\ \\n",
    "引号“”‘’「」和 \"双\" 'single'",
    "行1\n行2\t制表\r回车",
    "NUL\x00inside",
    "\u202eRTL override\u202c 🙂 𠀀",
    "审批 OR 处罚 NEAR(a b) * ^ : - ( )",
]


# ------------------------------------------------------------------------ factories


@pytest.fixture(scope="module")
def minimal() -> Registry:
    return powerreg.load(EXAMPLE)


@pytest.fixture
def catalog(minimal: Registry, tmp_path: Path) -> Path:
    return export_sqlite(minimal, tmp_path / "catalog.db")


_OPEN: list[sqlite3.Connection] = []


def connect(path: Path) -> sqlite3.Connection:
    """A read-only connection to a catalog, closed at the end of the test."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    _OPEN.append(conn)
    return conn


@pytest.fixture(autouse=True)
def _close_connections() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().close()


def registry(powers: list[dict[str, Any]], **meta: Any) -> Registry:
    """A registry built in code (no YAML), from power dicts."""
    data: dict[str, Any] = {
        "id": "test",
        "department": "测试局",
        "year": 2011,
        "source": "tests",
        "categories": [{"code": "XK", "name": "行政许可"}, {"code": "CF", "name": "行政处罚"}],
        **meta,
    }
    data["powers"] = {p["id"]: powerreg.Power.model_validate(p) for p in powers}
    return Registry.model_validate(data)


def power(
    pid: str = "XK-001",
    *,
    name: str = "建设项目环境影响报告表审批",
    risk: str = "违规审批",
    measure: str = "集体审议",
    **overrides: Any,
) -> dict[str, Any]:
    """A small valid power: start → decision → end, one risk point, one countermeasure."""
    data: dict[str, Any] = {
        "id": pid,
        "category": pid[:2],
        "name": name,
        "subject": "测试局",
        "division": "环评科",
        "flowcharts": [
            {
                "id": "F1",
                "title": "流程",
                "steps": [
                    {"id": "S1", "kind": "start", "label": "申请"},
                    {"id": "S2", "kind": "decision", "label": "审查"},
                    {"id": "S3", "kind": "end", "label": "办结"},
                ],
                "transitions": [
                    "S1 -> S2",
                    {"from": "S2", "to": "S3", "when": "符合"},
                    {"from": "S2", "to": "S1", "when": "补正"},
                ],
            }
        ],
        "risk_points": [
            {
                "id": "R1",
                "at": "F1/S2",
                "level": "高",
                "type": "业务流程",
                "description": risk,
                "countermeasures": [
                    {"id": "M1", "kind": "监督", "stage": "事中", "description": measure}
                ],
            }
        ],
    }
    data.update(overrides)
    return data


def rows(path: Path) -> list[str]:
    """Every row of a catalog, as SQL text (what 'same rows out' compares)."""
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


# ------------------------------------------------------------------------ schema


def schema_text(path: Path) -> str:
    """The catalog's schema as text: user_version, then every CREATE statement in order
    (without FTS5's own shadow tables, whose shape belongs to the SQLite version)."""
    conn = connect(path)
    fts = [i.name for i in SEARCH_INDEXES]
    lines = [f"PRAGMA user_version = {conn.execute('PRAGMA user_version').fetchone()[0]};"]
    for name, sql in conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid"
    ):
        if any(name.startswith(f"{f}_") for f in fts):
            continue
        lines.append(f"{sql};")
    conn.close()
    return "\n\n".join(lines) + "\n"


def test_schema_matches_the_golden_file(catalog: Path) -> None:
    text = schema_text(catalog)
    if os.environ.get("POWERREG_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    assert GOLDEN.exists(), (
        f"no golden schema; create it with POWERREG_UPDATE_GOLDEN=1 pytest {__file__}"
    )
    assert text == GOLDEN.read_text(encoding="utf-8"), (
        "the catalog schema changed; if intended, regenerate the golden file with "
        f"POWERREG_UPDATE_GOLDEN=1 pytest {__file__} and review the diff"
    )


def test_catalog_is_sound(catalog: Path) -> None:
    conn = connect(catalog)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("PRAGMA user_version").fetchone() == (CATALOG_VERSION,)
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert {t.name for t in TABLES} | set(VIEWS) | {i.name for i in SEARCH_INDEXES} <= names


def test_tables_keys_and_foreign_keys_as_specified(catalog: Path) -> None:
    conn = connect(catalog)
    pks = {}
    fks = {}
    for t in TABLES:
        info = conn.execute(f'PRAGMA table_info("{t.name}")').fetchall()
        pks[t.name] = tuple(r[1] for r in sorted(info, key=lambda r: r[5]) if r[5])
        fks[t.name] = sorted(
            (r[3], r[2], r[4]) for r in conn.execute(f'PRAGMA foreign_key_list("{t.name}")')
        )
    assert pks == {
        "registry": ("id",),
        "categories": ("code",),
        "powers": ("id",),
        "flowcharts": ("id",),
        "steps": ("id",),
        "transitions": ("flowchart_id", "source", "target"),
        "risk_points": ("id",),
        "countermeasures": ("id",),
        "units": ("name",),
        "_metadata": ("table_name", "column_name", "key"),
    }
    assert fks == {
        "registry": [],
        "categories": [],
        "powers": [("category", "categories", "code")],
        "flowcharts": [("power_id", "powers", "id")],
        "steps": [("flowchart_id", "flowcharts", "id")],
        "transitions": [
            ("flowchart_id", "flowcharts", "id"),
            ("source", "steps", "id"),
            ("target", "steps", "id"),
        ],
        "risk_points": [("power_id", "powers", "id"), ("step_id", "steps", "id")],
        "countermeasures": [("risk_point_id", "risk_points", "id")],
        "units": [],
        "_metadata": [],
    }


def test_every_foreign_key_has_an_index(catalog: Path) -> None:
    conn = connect(catalog)
    for t in TABLES:
        first = {
            conn.execute(f'PRAGMA index_info("{idx[1]}")').fetchone()[2]
            for idx in conn.execute(f'PRAGMA index_list("{t.name}")')
        }
        for column, _, _ in t.foreign_keys:
            assert column in first, f"{t.name}.{column} has no index"


def test_foreign_keys_are_enforced_while_writing(minimal: Registry, tmp_path: Path) -> None:
    broken = minimal.model_copy(deep=True)
    broken.powers["XK-001"].risk_points[0].at = "F1/S404"  # past validation
    with pytest.raises(UsageError) as err:
        export_sqlite(broken, tmp_path / "c.db")
    assert str(err.value) == (
        "the registry does not fit the catalog (risk_points: FOREIGN KEY constraint failed: "
        "risk_points 'XK-001/R1' refers to steps 'XK-001/F1/S404' (step_id), which is not "
        "there); check it with 'powerreg validate'"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_broken_reference_fails_also_the_previous_catalog_stays(
    minimal: Registry, tmp_path: Path
) -> None:
    # Foreign keys are checked once after the rows are in: every kind of reference, and
    # the catalog already there is left as it was.
    out = tmp_path / "c.db"
    export_sqlite(minimal, out)
    before = out.read_bytes()
    cases = {
        "transitions": lambda r: setattr(
            r.powers["XK-001"].flowcharts[0].transitions[0], "target", "S404"
        ),
        "powers": lambda r: setattr(r.powers["XK-001"], "category", "ZZ"),
    }
    for table, breaks in cases.items():
        broken = minimal.model_copy(deep=True)
        breaks(broken)
        with pytest.raises(UsageError, match=f"{table}: FOREIGN KEY constraint failed: {table} '"):
            export_sqlite(broken, out)
        assert out.read_bytes() == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["c.db", "c.metadata.json"]


def test_views_of_the_minimal_example(catalog: Path) -> None:
    conn = connect(catalog)
    conn.row_factory = sqlite3.Row
    coverage = [dict(r) for r in conn.execute("SELECT * FROM risk_coverage")]
    assert [
        (r["id"], r["level"], r["measures"], r["kinds"], r["stages"], r["supervised"])
        for r in coverage
    ] == [
        ("CF-001/R1", "high", 3, "institution,supervision,technology", "during,after", 1),
        ("CF-001/R2", "high", 3, "institution,disclosure,supervision", "before,during,after", 1),
        ("XK-001/R1", "medium", 2, "disclosure,technology", "before,during", 1),
        ("XK-001/R2", "high", 3, "institution,disclosure,supervision", "before,during,after", 1),
    ]
    overview = [dict(r) for r in conn.execute("SELECT * FROM power_overview")]
    assert overview == [
        {
            "id": "CF-001",
            "category": "CF",
            "category_name": "行政处罚",
            "name": "对超标排放水污染物行为的行政处罚",
            "flowcharts": 1,
            "steps": 8,
            "risk_points": 2,
            "high": 2,
            "medium": 0,
            "low": 0,
            "countermeasures": 6,
            "statutory_limit": 90,
            "statutory_unit": "working_days",
            "promised_limit": None,
            "promised_unit": None,
            "public": 1,
        },
        {
            "id": "XK-001",
            "category": "XK",
            "category_name": "行政许可",
            "name": "建设项目环境影响报告表审批",
            "flowcharts": 1,
            "steps": 9,
            "risk_points": 2,
            "high": 1,
            "medium": 1,
            "low": 0,
            "countermeasures": 5,
            "statutory_limit": 30,
            "statutory_unit": "working_days",
            "promised_limit": 20,
            "promised_unit": "working_days",
            "public": 1,
        },
    ]


def test_rows_keep_global_ids_local_ids_and_sources(catalog: Path) -> None:
    conn = connect(catalog)
    assert conn.execute(
        "SELECT id, flowchart_id, local_id, kind, role, days FROM steps WHERE id = 'XK-001/F1/S2'"
    ).fetchone() == ("XK-001/F1/S2", "XK-001/F1", "S2", "decision", "行政审批窗口", 1)
    assert conn.execute(
        "SELECT source, target, condition FROM transitions WHERE flowchart_id = 'XK-001/F1' "
        "AND condition IS NOT NULL ORDER BY position"
    ).fetchall() == [
        ("XK-001/F1/S2", "XK-001/F1/S3", "不齐全"),
        ("XK-001/F1/S2", "XK-001/F1/S4", "齐全"),
        ("XK-001/F1/S6", "XK-001/F1/S7", "不符合条件"),
        ("XK-001/F1/S6", "XK-001/F1/S8", "符合条件"),
    ]
    assert conn.execute(
        "SELECT legal_basis, source_file, source_line FROM powers WHERE id = 'XK-001'"
    ).fetchone() == ('["《中华人民共和国环境影响评价法》第二十二条"]', "powers/XK-001.yaml", 1)
    assert conn.execute(
        "SELECT step_id, level, type FROM risk_points WHERE id = 'XK-001/R2'"
    ).fetchone() == ("XK-001/F1/S6", "high", "process")  # stored as canonical codes


# ------------------------------------------------------------------------ metadata


def test_catalog_describes_itself(catalog: Path, minimal: Registry) -> None:
    conn = connect(catalog)
    meta = {(t, c, k): v for t, c, k, v in conn.execute("SELECT * FROM _metadata")}
    assert meta["", "", "source"] == minimal.source
    assert meta["", "", "license"] == "CC0-1.0"
    assert meta["", "", "title"] == "示例市环境保护局 2011：权力清单与廉政风险防控"
    relations = [t.name for t in TABLES] + list(VIEWS) + [i.name for i in SEARCH_INDEXES]
    for name in relations:
        assert meta.get((name, "", "description")), name
        for column in (r[1] for r in conn.execute(f'PRAGMA table_info("{name}")')):
            assert meta.get((name, column, "description")), f"{name}.{column}"


def test_datasette_metadata_file(catalog: Path, minimal: Registry) -> None:
    written = json.loads(catalog.with_name("catalog.metadata.json").read_text(encoding="utf-8"))
    assert written == datasette_metadata(minimal, database="catalog")
    assert written["source"] == minimal.source
    assert written["license"] == "CC0-1.0"
    db = written["databases"]["catalog"]
    tables = db["tables"]
    conn = connect(catalog)
    for name in [t.name for t in TABLES] + list(VIEWS):
        columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{name}")')]
        assert tables[name]["description"], name
        assert sorted(tables[name]["columns"]) == sorted(columns), name
    facets = {c for t in tables.values() for c in t.get("facets", [])}
    assert {"category", "level", "type", "kind", "stage"} <= facets
    assert {n: t["label_column"] for n, t in tables.items() if "label_column" in t} == {
        "registry": "department",
        "categories": "name",
        "powers": "name",
        "flowcharts": "title",
        "steps": "label",
        "risk_points": "description",
        "countermeasures": "description",
    }
    assert {n: t["fts_table"] for n, t in tables.items() if "fts_table" in t} == {
        "powers": "powers_fts",
        "risk_points": "risk_points_fts",
        "countermeasures": "countermeasures_fts",
    }
    assert tables["categories"]["sort"] == "position"
    assert sorted(db["queries"]) == [
        "below_policy",
        "flowchart_diagrams",
        "high_risks",
        "power_diagrams",
        "powers_of_category",
        "search_text",
    ]
    params = {"category": "XK", "min_high_measures": "", "q": "", "power": ""}
    params |= {"_header_host": "localhost", "_header_x_forwarded_proto": ""}  # magic ones
    for q in db["queries"].values():
        conn.execute(f"EXPLAIN {q['sql']}", params)


def test_canned_queries_run(catalog: Path) -> None:
    conn = connect(catalog)
    queries = datasette_metadata(powerreg.load(EXAMPLE))["databases"]["catalog"]["queries"]

    def run(name: str, **params: str) -> list[tuple[Any, ...]]:
        return conn.execute(queries[name]["sql"], params).fetchall()

    assert [r[0] for r in run("powers_of_category", category="XK")] == ["XK-001"]
    assert [r[0] for r in run("powers_of_category", category="行政处罚")] == ["CF-001"]
    high = run("high_risks")
    assert {r[0] for r in high} == {"CF-001/R1", "CF-001/R2", "XK-001/R2"}
    assert len(high) == 9
    assert run("below_policy", min_high_measures="") == []
    assert [r[:2] for r in run("search_text", q="行政处罚自由裁量基准")] == [
        ("countermeasure", "CF-001/R2/M1")
    ]
    assert run("search_text", q="") == []
    flagged = run("below_policy", min_high_measures="4")
    assert [(r[0], r[-1]) for r in flagged] == [
        ("CF-001/R1", "A302 fewer than 4 countermeasures"),
        ("CF-001/R2", "A302 fewer than 4 countermeasures"),
        ("XK-001/R2", "A302 fewer than 4 countermeasures"),
    ]


def test_below_policy_finds_what_the_audit_finds(tmp_path: Path) -> None:
    bare = power("XK-001")
    bare["risk_points"][0]["countermeasures"] = []
    unwatched = power("XK-002")
    unwatched["risk_points"][0]["countermeasures"][0]["kind"] = "公开"
    reg = registry([bare, unwatched, power("XK-003")])
    db = export_sqlite(reg, tmp_path / "c.db")
    sql = datasette_metadata(reg)["databases"]["catalog"]["queries"]["below_policy"]["sql"]
    got = connect(db).execute(sql, {"min_high_measures": "1"}).fetchall()
    assert [(r[0], r[-1]) for r in got] == [
        ("XK-001/R1", "A301 no countermeasure"),
        ("XK-002/R1", "A303 no supervision or technology"),
    ]
    findings = {(f.code, f.entity) for f in powerreg.audit(reg).findings}
    assert {("A301", "XK-001/R1"), ("A303", "XK-002/R1")} <= findings


# ------------------------------------------------------------------------ round trip


def test_catalog_reads_back_equal_with_positions(minimal: Registry, catalog: Path) -> None:
    back = read_catalog(catalog)
    assert back == minimal
    assert powerreg.load(catalog) == minimal  # load() dispatches *.db to the catalog
    gids = [p.id for p in minimal.powers.values()]
    for p in minimal.powers.values():
        gids += [fc.gid for fc in p.flowcharts] + [s.gid for _, s in p.iter_steps()]
        gids += [r.gid for r in p.risk_points]
        gids += [m.gid for r in p.risk_points for m in r.countermeasures]
    assert [back.location(g) for g in gids] == [minimal.location(g) for g in gids]
    step = back.entity("XK-001/F1/S3")
    assert isinstance(step, powerreg.Step)
    assert step.gid == "XK-001/F1/S3"
    assert back.stats() == minimal.stats()


def test_disclosure_columns_and_read_back(tmp_path: Path) -> None:
    reason = "涉及国家秘密，依《中华人民共和国保守国家秘密法》第九条不予公开"
    reg = registry(
        [
            power("XK-001"),
            power("XK-002", disclosure={"public": False, "reason": reason}),
            power("XK-003", disclosure={"public": True}),  # the default, said aloud
            power("CF-001", disclosure={"public": False}),  # withheld, no reason (A311)
        ]
    )
    path = export_sqlite(reg, tmp_path / "c.db")
    got = connect(path).execute(
        "SELECT id, public, disclosure_reason FROM powers ORDER BY position"
    )
    assert got.fetchall() == [
        ("XK-001", 1, None),
        ("XK-002", 0, reason),
        ("XK-003", 1, None),
        ("CF-001", 0, None),
    ]
    overview = connect(path).execute("SELECT id, public FROM power_overview ORDER BY id")
    assert dict(overview.fetchall()) == {"CF-001": 0, "XK-001": 1, "XK-002": 0, "XK-003": 1}
    back = read_catalog(path)
    assert back == reg
    assert [p.is_public for p in back.powers.values()] == [True, False, True, False]
    assert back.powers["XK-002"].disclosure == powerreg.Disclosure(public=False, reason=reason)
    assert back.powers["XK-003"].disclosure is None


def test_the_org_chart_is_stored_and_read_back(tmp_path: Path) -> None:
    org = {
        "posts": ["局长"],
        "units": [
            {"name": "环评科", "name_en": "EIA Section", "posts": ["科长", "承办人"]},
            {"name": "局长办公会", "kind": "议事机构"},
        ],
    }
    p = power(division="环评科")
    p["flowcharts"][0]["steps"][1]["role"] = "环评科科长"
    reg = registry([p], **org)
    path = export_sqlite(reg, tmp_path / "c.db")
    conn = connect(path)
    assert conn.execute("SELECT * FROM units ORDER BY position").fetchall() == [
        ("环评科", "EIA Section", "division", '["科长", "承办人"]', 0),
        ("局长办公会", None, "body", "[]", 1),
    ]
    assert conn.execute("SELECT posts FROM registry").fetchall() == [('["局长"]',)]
    assert read_catalog(path) == reg
    no_chart = export_sqlite(registry([power()]), tmp_path / "none.db")
    assert connect(no_chart).execute("SELECT count(*) FROM units").fetchall() == [(0,)]
    assert connect(no_chart).execute("SELECT posts FROM registry").fetchall() == [(None,)]
    assert read_catalog(no_chart).units is None
    # a catalog whose org chart was edited so that a role no longer resolves
    edit = sqlite3.connect(path)
    edit.execute("UPDATE units SET posts = '[\"承办人\"]' WHERE name = '环评科'")
    edit.commit()
    edit.close()
    with pytest.raises(
        RegistryError,
        match="table steps, row XK-001/F1/S2: column role refers to the text '环评科科长'",
    ):
        read_catalog(path)


def test_exporting_twice_gives_identical_files(minimal: Registry, tmp_path: Path) -> None:
    a = export_sqlite(minimal, tmp_path / "a.db")
    b = export_sqlite(read_catalog(a), tmp_path / "b.db")
    assert rows(a) == rows(b)
    assert a.read_bytes() == b.read_bytes()


ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9-]{0,5}", fullmatch=True)
any_text = (
    st.text(
        st.one_of(
            st.sampled_from("审批处罚受理自由裁量监督公开电子监察 ，。、“”'\"<>&;-_%\\\n\t"),
            st.characters(codec="utf-8"),
        ),
        min_size=1,
        max_size=16,
    )
    .map(str.strip)
    .filter(bool)
)
maybe_text = st.none() | any_text
days = st.none() | st.integers(0, 3650)  # the model's bound on a time limit (~14 years)
#: time limits in every form: a number (working days), text with a unit, a mapping
limits = st.one_of(
    days,
    st.builds("{} 个月".format, st.integers(0, 120)),
    st.builds(
        lambda n, u: {"amount": n, "unit": u},
        st.integers(0, 3650),
        st.sampled_from(["working_days", "days"]),
    ),
)


@st.composite
def flowchart(draw: st.DrawFn, fc_id: str) -> dict[str, Any]:
    step_ids = draw(st.lists(ids, min_size=1, max_size=5, unique=True))
    steps = [
        {
            "id": s,
            "kind": draw(st.sampled_from(["start", "task", "decision", "end"])),
            "label": draw(any_text),
            "role": draw(maybe_text),
            "days": draw(st.none() | st.integers(0, 400)),
            "pauses_clock": draw(st.booleans()),
        }
        for s in step_ids
    ]
    pairs = draw(
        st.lists(
            st.tuples(st.sampled_from(step_ids), st.sampled_from(step_ids)), unique=True, max_size=6
        )
    )
    transitions = [{"from": a, "to": b, "when": draw(maybe_text)} for a, b in pairs]
    return {"id": fc_id, "title": draw(any_text), "steps": steps, "transitions": transitions}


@st.composite
def power_data(draw: st.DrawFn, pid: str, category: str) -> dict[str, Any]:
    fc_ids = draw(st.lists(ids, max_size=2, unique=True))
    charts = [draw(flowchart(f)) for f in fc_ids]
    spots = [f"{fc['id']}/{s['id']}" for fc in charts for s in fc["steps"]]
    risks = []
    if spots:
        # a risk point's id differs from the chart ids: both are <power>/<id> (E003)
        risk_ids = ids.filter(lambda r: r not in fc_ids)
        for rid in draw(st.lists(risk_ids, max_size=3, unique=True)):
            measures = [
                {
                    "id": mid,
                    "kind": draw(
                        st.sampled_from(
                            [
                                "institution",
                                "separation",
                                "公开",
                                "监督",
                                "technology",
                                "电子监察",
                                "education",
                            ]
                        )
                    ),
                    "stage": draw(st.sampled_from(["before", "事中", "after", "后期处置"])),
                    "description": draw(any_text),
                    "responsible": draw(maybe_text),
                }
                for mid in draw(st.lists(ids, max_size=3, unique=True))
            ]
            risks.append(
                {
                    "id": rid,
                    "at": draw(st.sampled_from(spots)),
                    "level": draw(st.sampled_from(["high", "medium", "low", "高", "三级"])),
                    "type": draw(
                        st.sampled_from(["ethics", "duty", "process", "制度机制", "external"])
                    ),
                    "description": draw(any_text),
                    "likelihood": draw(st.none() | st.integers(1, 3)),
                    "impact": draw(st.none() | st.integers(1, 3)),
                    "countermeasures": measures,
                }
            )
    statutory, promised = draw(limits), draw(limits)
    return {
        "id": pid,
        "category": category,
        "name": draw(any_text),
        "name_en": draw(maybe_text),
        "legal_basis": draw(st.lists(any_text, max_size=2)),
        "subject": draw(any_text),
        "division": draw(any_text),
        "statutory_limit": statutory,
        "promised_limit": promised,
        "fee": draw(maybe_text),
        "description": draw(maybe_text),
        "responsibilities": draw(st.lists(any_text, max_size=2)),
        "accountability": draw(st.lists(any_text, max_size=2)),
        "flowcharts": charts,
        "risk_points": risks,
        "disclosure": draw(
            st.none() | st.fixed_dictionaries({"public": st.booleans(), "reason": maybe_text})
        ),
    }


@st.composite
def org_chart(draw: st.DrawFn, powers: list[powerreg.Power]) -> dict[str, Any]:
    """No org chart, or one that declares every part of every reference the powers make as
    a post of the department, beside units of its own."""
    parts = {
        part for p in powers for _, _, _, value in references(p) for part in split_reference(value)
    }
    if not draw(st.booleans()) or not all(parts):
        return {}
    names = st.lists(any_text.filter(lambda n: n not in parts), max_size=3, unique=True)
    units = [
        {
            "name": name,
            "name_en": draw(maybe_text),
            "kind": draw(st.sampled_from(["division", "affiliated", "dispatched", "body"])),
            "posts": draw(st.lists(any_text, max_size=3, unique=True)),
        }
        for name in draw(names)
    ]
    return {"posts": sorted(parts) or None, "units": units or None}


@st.composite
def registries(draw: st.DrawFn) -> Registry:
    codes = draw(st.lists(ids, min_size=1, max_size=3, unique=True))
    categories = [{"code": c, "name": draw(any_text), "name_en": draw(maybe_text)} for c in codes]
    pids = draw(st.lists(ids, max_size=4, unique=True))
    powers = {}
    for pid in pids:
        data = draw(power_data(pid, draw(st.sampled_from(codes))))
        powers[pid] = powerreg.Power.model_validate(data)
    return Registry.model_validate(
        {
            **draw(org_chart(list(powers.values()))),
            "id": draw(ids),
            "department": draw(any_text),
            "department_en": draw(maybe_text),
            "year": draw(st.integers(1949, 2200)),
            "source": draw(any_text),
            "license": draw(maybe_text),
            "risk_matrix": draw(
                st.none()
                | st.lists(
                    st.lists(st.sampled_from(["high", "medium", "low"]), min_size=3, max_size=3),
                    min_size=3,
                    max_size=3,
                )
            ),
            "categories": categories,
            "powers": powers,
        }
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reg=registries())
def test_round_trip_of_generated_registries(
    reg: Registry, tmp_path_factory: pytest.TempPathFactory
) -> None:
    d = tmp_path_factory.mktemp("rt")
    a = export_sqlite(reg, d / "a.db")
    back = read_catalog(a)
    assert back == reg
    for p in reg.powers.values():
        for r in p.risk_points:
            entity = back.entity(r.gid)
            assert isinstance(entity, powerreg.RiskPoint)
            assert entity.gid == r.gid
    b = export_sqlite(reg, d / "b.db")
    assert rows(a) == rows(b)
    conn = connect(a)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


# ------------------------------------------------------------------------ search


def test_search_finds_two_character_words(minimal: Registry, catalog: Path) -> None:
    hits = search(minimal, "审批")
    assert hits == [
        SearchHit("power", "XK-001", "XK-001", "建设项目环境影响报告表审批"),
        SearchHit(
            "risk_point",
            "XK-001/R2",
            "XK-001",
            "降低审批标准，对不符合产业政策或总量控制要求的项目违规审批",
        ),
        SearchHit(
            "countermeasure",
            "XK-001/R2/M1",
            "XK-001",
            "实行集体审议制度，审批意见须经局长办公会讨论",
        ),
        SearchHit("countermeasure", "XK-001/R2/M3", "XK-001", "审批结果在网站公示，接受社会监督"),
    ]
    assert search(catalog, "审批") == hits


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("自由裁量", ["CF-001/R2", "CF-001/R2/M1"]),
        ("自由裁量权", ["CF-001/R2"]),
        ("行政处罚自由裁量基准", ["CF-001/R2/M1"]),  # longer than an n-gram: checked exactly
        ("审批 局长", ["XK-001/R2/M1"]),  # every term
        ("电子监察", ["CF-001/R1/M2", "XK-001/R1/M2"]),
        ("罚", ["CF-001", "CF-001/R2", "CF-001/R2/M1", "CF-001/R2/M2", "CF-001/R2/M3"]),
        ("approval", ["XK-001"]),  # English names, whole words, any case
        ("APPROVAL", ["XK-001"]),
        ("审核", []),
        ("批审", []),
        ("裁量自由", []),
        ("审批局长", []),  # both words occur, but not together
        ("自由裁量基准审批", []),
        ("", []),
        ("，。！", []),
    ],
)
def test_search_is_exact(minimal: Registry, query: str, expected: list[str]) -> None:
    assert [h.id for h in search(minimal, query)] == expected


@pytest.mark.parametrize("query", [*HOSTILE, '"', '""', "*", "AND", "OR NOT", "(((", "a:b"])
def test_hostile_queries_are_just_text(catalog: Path, query: str) -> None:
    assert isinstance(search(catalog, query), list)


def test_search_of_words_and_mixed_terms(tmp_path: Path) -> None:
    reg = registry(
        [
            power("XK-001", risk="未执行GB3095-2012标准审批", measure="ISO14001认证"),
            power("XK-002", risk="执行GB 3095标准", measure="全角ＧＢ３０９５审批"),
        ]
    )
    db = export_sqlite(reg, tmp_path / "c.db")
    assert [h.id for h in search(db, "GB3095")] == ["XK-001/R1", "XK-002/R1/M1"]
    assert [h.id for h in search(db, "gb3095-2012标准")] == ["XK-001/R1"]
    assert [h.id for h in search(db, "GB3095标准")] == []  # not as one string
    assert [h.id for h in search(db, "ＧＢ３０９５审批")] == ["XK-002/R1/M1"]  # full width
    assert [h.id for h in search(db, "GB309")] == []  # words match whole


cjk = st.sampled_from("审批受理自由裁量处罚监督公开")


@settings(max_examples=80, deadline=None)
@given(
    texts=st.lists(
        st.text(st.one_of(cjk, st.sampled_from("，。 aZ1")), min_size=1, max_size=14)
        .map(str.strip)
        .filter(bool),
        min_size=1,
        max_size=6,
    ),
    query=st.text(cjk, min_size=1, max_size=7),
)
def test_search_agrees_with_substring_search(texts: list[str], query: str) -> None:
    reg = registry(
        [power(f"XK-{i:03d}", name=t, risk=t[::-1], measure=t + "审") for i, t in enumerate(texts)]
    )
    expected = []
    for kind in ("power", "risk_point", "countermeasure"):
        for p in reg.powers.values():
            r = p.risk_points[0]
            entity, text = {
                "power": (p.id, p.name),
                "risk_point": (r.gid, r.description),
                "countermeasure": (r.countermeasures[0].gid, r.countermeasures[0].description),
            }[kind]
            if query in text:
                expected.append(entity)
    assert [h.id for h in search(reg, query)] == expected


@given(st.text(max_size=30))
def test_any_query_builds_a_safe_match_expression(query: str) -> None:
    q = fts_query(query)
    if q is not None:
        conn = sqlite3.connect(":memory:")
        try:
            conn.execute("CREATE VIRTUAL TABLE t USING fts5(grams, content='')")
            conn.execute("SELECT rowid FROM t WHERE t MATCH ?", (q.match,)).fetchall()
        finally:
            conn.close()


def test_index_text_and_fold() -> None:
    assert index_text("审批") == " 审 批 审批 "
    assert index_text("A", None, "罚") == "A\n 罚 "
    assert fold("ＡＢ审批", "x") == "ab审批\nx"


# Full-width punctuation, the characters NFKC composes or reorders, and any character.
nfkc_text = st.text(
    st.one_of(
        st.sampled_from("，：；（）！？\u3000审批ＡａｶﾞﾊﾟA\u0301\u0327\u3099\u309a\u0e33ﬁ①"),
        st.characters(codec="utf-8"),
    ),
    max_size=12,
)


@given(st.text(cjk, min_size=1, max_size=150))
def test_index_text_gives_every_gram_of_a_chinese_run(run: str) -> None:
    n = len(run)
    grams = [run[i : i + k] for k in range(1, min(4, n) + 1) for i in range(n - k + 1)]
    assert index_text(run) == f" {' '.join(grams)} "


@given(nfkc_text)
def test_index_text_and_fold_see_text_in_nfkc(text: str) -> None:
    nfkc = unicodedata.normalize("NFKC", text)
    assert fold(text) == (nfkc.casefold() if text else "")
    assert index_text(text) == index_text(nfkc)


# ------------------------------------------------------------------------ safety


def test_hostile_text_is_stored_verbatim(tmp_path: Path) -> None:
    powers = [
        power(f"XK-{i:03d}", name=h, risk=h, measure=h, description=h, legal_basis=[h, h])
        for i, h in enumerate(HOSTILE)
    ]
    reg = registry(powers, department=HOSTILE[0], source=HOSTILE[2], license=HOSTILE[1])
    db = export_sqlite(reg, tmp_path / "c.db")
    conn = connect(db)
    got = conn.execute("SELECT name, description, legal_basis FROM powers ORDER BY id").fetchall()
    assert got == [
        (h.strip(), h.strip(), json.dumps([h.strip()] * 2, ensure_ascii=False)) for h in HOSTILE
    ]
    assert [r[0] for r in conn.execute("SELECT description FROM countermeasures")] == [
        h.strip() for h in HOSTILE
    ]
    assert conn.execute("SELECT department, source FROM registry").fetchone() == (
        HOSTILE[0],
        HOSTILE[2],
    )
    assert conn.execute("SELECT count(*) FROM powers").fetchone() == (len(HOSTILE),)
    assert read_catalog(db) == reg
    meta = json.loads(db.with_name("c.metadata.json").read_text(encoding="utf-8"))
    assert meta["license"] == HOSTILE[1]
    assert meta["source"] == HOSTILE[2]
    assert [h.id for h in search(db, "DROP")] == [
        "XK-000",
        "XK-001",
        "XK-000/R1",
        "XK-001/R1",
        "XK-000/R1/M1",
        "XK-001/R1/M1",
    ]


def test_a_failed_export_leaves_the_previous_catalog(
    minimal: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = export_sqlite(minimal, tmp_path / "catalog.db")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    calls = 0

    def failing(*texts: str | None) -> str:
        nonlocal calls
        calls += 1
        if calls > 3:
            raise OSError(28, "No space left on device")
        return index_text(*texts)

    monkeypatch.setattr("powerreg.catalog.write.index_text", failing)
    changed = registry([power("XK-001"), power("CF-001")])
    with pytest.raises(UsageError, match="cannot write the catalog"):
        export_sqlite(changed, db)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # no temp left
    monkeypatch.undo()
    duplicate = power("XK-001")
    duplicate["flowcharts"][0]["transitions"].append({"from": "S2", "to": "S3", "when": "又"})
    with pytest.raises(RegistryError) as err:
        export_sqlite(registry([duplicate]), db)
    assert err.value.codes == [("E003", "?", 0)]
    assert "two transitions S2 -> S3" in str(err.value)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_a_failed_rename_or_a_huge_number_is_a_usage_error(
    minimal: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = export_sqlite(minimal, tmp_path / "catalog.db")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def full_disk(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device", str(dst))

    with monkeypatch.context() as m:
        m.setattr(os, "replace", full_disk)
        with pytest.raises(UsageError, match="No space left on device"):
            export_sqlite(minimal, db)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    huge = registry([power("XK-001")])
    huge.powers["XK-001"].statutory_limit = Limit.model_construct(amount=2**63)  # unchecked
    with pytest.raises(UsageError, match="too large for SQLite"):
        export_sqlite(huge, db)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


# The export's own kill -9 test is the helper's: tests/test_atomic.py.


def make_target(kind: str, tmp: Path, reg: Path, catalog: Path) -> Path:
    """A path ``export -o`` must refuse, made in ``tmp``."""
    if kind == "the registry's own file":
        return reg / "registry.yaml"
    if kind == "a new file in the registry":
        return reg / "catalog.db"
    target = tmp / "target.db"
    if kind == "a text file":
        target.write_text("my notes", encoding="utf-8")
    elif kind == "a SQLite database of someone else's":
        conn = sqlite3.connect(target)
        conn.execute("CREATE TABLE powers (id)")
        conn.commit()
        conn.close()
    elif kind == "a named pipe":
        os.mkfifo(target)
    elif kind == "a symbolic link to a catalog":
        target.symlink_to(catalog)
    elif kind == "metadata of someone else's":
        (tmp / "target.metadata.json").write_text('["mine"]', encoding="utf-8")
    return target


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("the registry's own file", "is inside the registry being read"),
        ("a new file in the registry", "is inside the registry being read"),
        ("a text file", "is not a catalog written by powerreg \\(not a SQLite database\\)"),
        ("a SQLite database of someone else's", "is a SQLite database but not a catalog"),
        ("a named pipe", "is a named pipe, not a file powerreg writes"),
        ("a symbolic link to a catalog", "is a symbolic link"),
        ("metadata of someone else's", "is not the Datasette metadata of a catalog"),
    ],
)
def test_export_replaces_only_catalogs_of_ours(
    minimal: Registry, tmp_path: Path, kind: str, message: str
) -> None:
    reg = tmp_path / "reg"
    shutil.copytree(EXAMPLE, reg)
    other = tmp_path / "other"
    other.mkdir()
    catalog = export_sqlite(minimal, other / "c.db")
    target = make_target(kind, tmp_path, reg, catalog)
    before = tree(tmp_path)
    with pytest.raises(UsageError, match=f"'.*'.* {message}.*; (refusing|give|move)"):
        export_sqlite(powerreg.load(reg), target)
    assert tree(tmp_path) == before
    res = CliRunner().invoke(cli.main, ["export", str(reg), "-o", str(target)])
    assert res.exit_code == 2
    assert res.stderr.startswith(f"error: '{target.parent if 'metadata' in kind else target}")
    assert tree(tmp_path) == before


def test_export_replaces_its_own_catalog_and_an_empty_file(
    minimal: Registry, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    for path in (export_sqlite(minimal, tmp_path / "c.db"), empty):
        assert read_catalog(export_sqlite(minimal, path)) == minimal


def tree(root: Path) -> dict[str, bytes | None]:
    """Every entry under ``root`` (symbolic links as their target), files with bytes."""
    return {
        p.relative_to(root).as_posix(): (
            os.readlink(p).encode() if p.is_symlink() else p.read_bytes() if p.is_file() else None
        )
        for p in sorted(root.rglob("*"))
    }


# ------------------------------------------------------- monitor --catalog (issue 12.10)

KILLED_MONITOR = """
import sys, time
import powerreg
from powerreg.monitor import monitor, to_catalog as catalog

alerts = catalog._alerts

def stalled(result):
    # called inside the transaction that adds the tables, after cases and case_events
    print("midway", flush=True)
    time.sleep(300)
    yield from alerts(result)

catalog._alerts = stalled
result = monitor(sys.argv[1], powerreg.load_reference())
catalog.add_to_catalog(result, sys.argv[2])
"""


@pytest.fixture(scope="module")
def reference() -> Registry:
    return powerreg.load_reference()


@pytest.fixture
def reference_catalog(reference: Registry, tmp_path: Path) -> Path:
    return export_sqlite(reference, tmp_path / "catalog.db")


def files_of(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in directory.iterdir()}


def test_a_killed_monitor_leaves_the_catalog_readable_without_a_journal(
    reference: Registry, reference_catalog: Path
) -> None:
    from .test_atomic import kill_midway

    db = reference_catalog
    before = files_of(db.parent)
    kill_midway(KILLED_MONITOR, str(CASES), str(db))
    assert not (db.parent / "catalog.db-journal").exists()
    after = {k: v for k, v in files_of(db.parent).items() if k in before}
    assert after == before
    assert powerreg.load(db) == reference  # read-only, as powerreg reads catalogs
    add_to_catalog(monitor(CASES, reference), db)  # the next run is not hindered...
    assert sorted(files_of(db.parent)) == sorted(before)  # ...and removes the leftover


class FillingDisk(sqlite3.Connection):
    """A connection to a database on a disk with room for ``room`` more pages once a
    transaction begins: SQLite fails with SQLITE_FULL as on a full disk, and, depending
    on where, rolls the whole transaction back itself."""

    room = 0

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql == "BEGIN":
            pages = super().execute("PRAGMA page_count").fetchone()[0]
            super().execute(f"PRAGMA max_page_count = {pages + self.room}")
        return super().execute(sql, *args)


def test_monitor_on_a_full_disk_says_so_and_changes_nothing(
    reference: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pristine").mkdir()
    pristine = export_sqlite(reference, tmp_path / "pristine" / "catalog.db")
    result = monitor(CASES, reference)

    class Sqlite3OnAFillingDisk:
        def __getattr__(self, name: str) -> Any:
            return getattr(sqlite3, name)

        def connect(self, *args: Any, **kwargs: Any) -> sqlite3.Connection:
            return sqlite3.connect(*args, factory=FillingDisk, **kwargs)

    monkeypatch.setattr(monitor_catalog, "sqlite3", Sqlite3OnAFillingDisk())
    errors: list[str] = []
    unchanged: list[bool] = []
    for room in range(60):  # fail at every point of the writing, until it fits
        d = tmp_path / f"room-{room}"
        shutil.copytree(pristine.parent, d)
        before = files_of(d)
        FillingDisk.room = room
        try:
            add_to_catalog(result, d / "catalog.db")
        except UsageError as err:
            errors.append(str(err))
            unchanged.append(files_of(d) == before)  # no journal, no temporary, no change
            continue
        break
    assert len(errors) > 10
    assert [e for e in errors if "database or disk is full" not in e] == []
    assert all(unchanged)
    assert powerreg.load(d / "catalog.db") == reference


def test_a_failing_monitor_commits_none_of_its_tables(
    reference: Registry, reference_catalog: Path
) -> None:
    db = reference_catalog
    meta = db.parent / "catalog.metadata.json"
    meta.write_text('{"databases": {"catalog": ', encoding="utf-8")  # cut short
    before = files_of(db.parent)
    with pytest.raises(UsageError, match=r"catalog\.metadata\.json"):
        add_to_catalog(monitor(CASES, reference), db)
    assert files_of(db.parent) == before
    conn = sqlite3.connect(db)
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert not names & {"cases", "case_events", "alerts"}


def test_monitor_tables_are_made_by_the_catalogs_table_writer(
    reference: Registry, reference_catalog: Path
) -> None:
    db = reference_catalog
    add_to_catalog(monitor(CASES, reference), db)
    conn = sqlite3.connect(db)
    sql = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    conn.close()
    # written like the catalog's own tables (sqlite-utils' layout), foreign keys indexed
    for name in ("cases", "powers"):
        assert sql[name].startswith(f'CREATE TABLE "{name}" (\n   "id" TEXT PRIMARY KEY NOT NULL,')
    assert '"case_id" TEXT NOT NULL REFERENCES "cases"("id")' in sql["alerts"]
    assert {"idx_alerts_case_id", "idx_case_events_step_id", "idx_cases_power_id"} <= indexes


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("missing/c.db", "directory '.*missing' does not exist"),
        (".", "is a directory"),
    ],
)
def test_unwritable_targets_are_usage_errors(
    minimal: Registry, tmp_path: Path, target: str, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        export_sqlite(minimal, tmp_path / target)


def test_files_that_are_not_catalogs_are_usage_errors(tmp_path: Path) -> None:
    text = tmp_path / "notes.db"
    text.write_text("not a database", encoding="utf-8")
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    for path, message in [
        (text, "not a SQLite database"),
        (other, "not a powerreg catalog"),
        (tmp_path / "missing.db", "no such file"),
    ]:
        with pytest.raises(UsageError, match=message):
            read_catalog(path)
        with pytest.raises(UsageError, match=message):
            search(path, "审批")


def test_cli_style_error_for_an_edited_catalog(catalog: Path) -> None:
    conn = sqlite3.connect(catalog)
    conn.execute("UPDATE risk_points SET level = 'severe' WHERE id = 'XK-001/R2'")
    conn.commit()
    conn.close()
    with pytest.raises(RegistryError) as err:
        read_catalog(catalog)
    assert err.value.codes == [("E002", "catalog.db", 0)]
    assert "XK-001" in str(err.value)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ("DELETE FROM registry", "has 0 rows in table registry"),
        # rows left without their parent: E002 naming each row, test_catalog_read_faults.py
        ("PRAGMA user_version = 99", "not a powerreg catalog of version 3"),
        ("DROP VIEW risk_coverage", None),  # views are for people; reading needs tables
    ],
)
def test_edited_catalogs(catalog: Path, edit: str, message: str | None) -> None:
    conn = sqlite3.connect(catalog)
    conn.execute(edit)
    conn.commit()
    conn.close()
    if message is None:
        assert read_catalog(catalog) == powerreg.load(EXAMPLE)
        return
    with pytest.raises(UsageError, match=message):
        read_catalog(catalog)


# ------------------------------------------------------------------------ Datasette


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read().decode("utf-8"))


@pytest.fixture(scope="module")
def datasette(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``datasette serve`` of the minimal example's catalog; its base URL."""
    pytest.importorskip("datasette")
    d = tmp_path_factory.mktemp("datasette")
    db = export_sqlite(powerreg.load(EXAMPLE), d / "catalog.db")
    port = _free_port()
    log = (d / "datasette.log").open("w", encoding="utf-8")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "datasette",
            "serve",
            str(db),
            "-m",
            str(d / "catalog.metadata.json"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=log,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                log.flush()
                pytest.fail(f"datasette exited: {(d / 'datasette.log').read_text()}")
            try:
                _get(f"{base}/-/versions.json")
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("datasette did not answer within 30 s")
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


def _q(path: str, **params: str) -> str:
    return f"{path}?{urllib.parse.urlencode(params)}"


def test_datasette_serves_the_power_list(datasette: str) -> None:
    data = _get(f"{datasette}/{_q('catalog/powers.json', _shape='objects')}")
    assert [r["id"] for r in data["rows"]] == ["CF-001", "XK-001"]
    assert data["rows"][1]["name"] == "建设项目环境影响报告表审批"


def test_datasette_facets_and_labels(datasette: str) -> None:
    data = _get(f"{datasette}/catalog/risk_points.json")
    levels = {r["value"]: r["count"] for r in data["facet_results"]["level"]["results"]}
    assert levels == {"high": 3, "medium": 1}
    powers = _get(f"{datasette}/catalog/powers.json")
    categories = powers["facet_results"]["category"]["results"]
    assert {(r["value"], r["label"], r["count"]) for r in categories} == {
        ("CF", "行政处罚", 1),
        ("XK", "行政许可", 1),
    }
    labelled = _get(f"{datasette}/{_q('catalog/risk_points.json', _labels='on', _shape='array')}")
    first = labelled[0]
    assert first["step_id"] == {"value": "CF-001/F1/S3", "label": "调查取证"}
    assert first["power_id"]["label"] == "对超标排放水污染物行为的行政处罚"


@pytest.mark.parametrize(
    ("table", "query", "expected"),
    [
        ("powers", "审批", ["XK-001"]),
        ("risk_points", "审批", ["XK-001/R2"]),
        ("countermeasures", "审批", ["XK-001/R2/M1", "XK-001/R2/M3"]),
        ("risk_points", "自由裁量", ["CF-001/R2"]),
        ("countermeasures", "自由裁量", ["CF-001/R2/M1"]),
        ("countermeasures", "审批 局长", ["XK-001/R2/M1"]),
        ("powers", "审核", []),
        ("powers", '"; DROP TABLE powers; --', []),
    ],
)
def test_datasette_search_box(datasette: str, table: str, query: str, expected: list[str]) -> None:
    url = f"{datasette}/{_q(f'catalog/{table}.json', _search=query, _shape='array')}"
    assert [r["id"] for r in _get(url)] == expected


def test_datasette_canned_queries(datasette: str) -> None:
    url = f"{datasette}/{_q('catalog/powers_of_category.json', category='XK', _shape='array')}"
    assert [r["id"] for r in _get(url)] == ["XK-001"]
    high = _get(f"{datasette}/{_q('catalog/high_risks.json', _shape='array')}")
    assert len(high) == 9
    assert {r["risk_point"] for r in high} == {
        "CF-001/R1",
        "CF-001/R2",
        "XK-001/R2",
    }
    below = f"{datasette}/{_q('catalog/below_policy.json', min_high_measures='4', _shape='array')}"
    assert [r["id"] for r in _get(below)] == ["CF-001/R1", "CF-001/R2", "XK-001/R2"]
    text = f"{datasette}/{_q('catalog/search_text.json', q='行政处罚自由裁量基准', _shape='array')}"
    assert [(r["kind"], r["id"]) for r in _get(text)] == [("countermeasure", "CF-001/R2/M1")]


# ------------------------------------------------------------------------ CLI and README


def test_cli_export_writes_the_catalog_and_its_metadata(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli.main, ["export", str(EXAMPLE), "-o", str(tmp_path / "c.db")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.db", "c.metadata.json"]
    assert read_catalog(tmp_path / "c.db") == powerreg.load(EXAMPLE)
    again = CliRunner().invoke(
        cli.main, ["export", str(tmp_path / "c.db"), "-o", str(tmp_path / "d.db")]
    )
    assert again.exit_code == 0, again.output  # a catalog is a PATH too
    assert rows(tmp_path / "c.db") == rows(tmp_path / "d.db")


def test_cli_export_errors_are_messages(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli.main, ["export", str(EXAMPLE), "-o", str(tmp_path / "missing" / "c.db")]
    )
    assert result.exit_code == 2
    assert "does not exist" in result.output
    assert "Traceback" not in result.output
    notes = tmp_path / "notes.db"
    notes.write_text("not a database", encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["export", str(notes), "-o", str(tmp_path / "c.db")])
    assert result.exit_code == 2
    assert "not a SQLite database" in result.output


def test_a_column_that_is_a_field_has_the_fields_one_name() -> None:
    """The catalog's Chinese for a column that holds a field of the models begins with the
    field's label (powerreg.model.field_label): one name for one field."""
    from powerreg.catalog.chinese import TABLES_ZH
    from powerreg.model import (
        Category,
        Countermeasure,
        Flowchart,
        Power,
        RegistryMeta,
        RiskPoint,
        Step,
        Transition,
        Unit,
        field_label,
    )

    models: dict[str, type[Any]] = {
        "registry": RegistryMeta,
        "categories": Category,
        "units": Unit,
        "powers": Power,
        "flowcharts": Flowchart,
        "steps": Step,
        "transitions": Transition,
        "risk_points": RiskPoint,
        "countermeasures": Countermeasure,
    }
    renamed = {("transitions", "condition"): "when", ("risk_points", "step_id"): "at"}
    checked = 0
    for table, model in models.items():
        for column, text in TABLES_ZH[table][2].items():
            name = renamed.get((table, column), column)
            if name in model.model_fields:
                assert text.split("：")[0] == field_label(model, name), (table, column)
                checked += 1
    assert checked > 40


def test_an_old_catalogs_journal_is_not_replayed_onto_the_new_one(tmp_path: Path) -> None:
    """A catalog edited in WAL mode by a process that died before a checkpoint leaves its
    -wal beside it: exported again, the catalog reads back as written, not as edited."""
    out = tmp_path / "c.db"
    reg = powerreg.load(EXAMPLE)
    powerreg.export_sqlite(reg, out)
    edit = (
        "import os, sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1]); c.execute('PRAGMA journal_mode=WAL')\n"
        "c.execute('PRAGMA wal_autocheckpoint=0')\n"
        "c.execute(\"UPDATE powers SET name = 'TAMPERED' WHERE id = 'XK-001'\")\n"
        "c.commit(); os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", edit, str(out)], check=True)
    assert Path(f"{out}-wal").stat().st_size > 0
    powerreg.export_sqlite(reg, out)
    assert not Path(f"{out}-wal").exists()
    assert powerreg.load(out).powers["XK-001"].name == reg.powers["XK-001"].name
