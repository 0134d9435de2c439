"""The Datasette metadata of a catalog: what each table and column means, how to browse it.

:func:`datasette_metadata` gives the title, source and licence; a description of every
table, view and column (the same text as the catalog's ``_metadata`` table); default
facets on category, level, type, kind and stage; label columns, so a foreign key shows
the name of what it points at; sort orders; the search index of each searchable table;
and canned queries. Serve a catalog with ``datasette FILE.db -m FILE.metadata.json``.

Examples:
    >>> import powerreg
    >>> meta = datasette_metadata(powerreg.load("examples/minimal"))
    >>> tables = meta["databases"]["catalog"]["tables"]
    >>> tables["risk_points"]["facets"], tables["steps"]["label_column"]
    (['level', 'type'], 'label')
    >>> sorted(meta["databases"]["catalog"]["queries"])
    ['below_policy', 'high_risks', 'powers_of_category', 'search_text']
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..model import Registry
from .tables import SEARCH_INDEXES, TABLE, VIEWS, descriptions

#: Default facets of each table or view.
FACETS: dict[str, list[str]] = {
    "powers": ["category"],
    "steps": ["kind"],
    "risk_points": ["level", "type"],
    "countermeasures": ["kind", "stage"],
    "risk_coverage": ["category", "level", "type"],
    "power_overview": ["category"],
}

#: Default sort of the tables and views where the primary key is not the best order.
SORT: dict[str, dict[str, str]] = {
    "categories": {"sort": "position"},
    "powers": {"sort": "id"},
    "risk_coverage": {"sort": "measures"},
    "power_overview": {"sort_desc": "high"},
}

_MIN_HIGH = "CAST(coalesce(nullif(:min_high_measures, ''), 3) AS INTEGER)"

#: Canned queries: name → title, description, SQL.
QUERIES: dict[str, dict[str, str]] = {
    "high_risks": {
        "title": "High risk points and their countermeasures",
        "description": "Every risk point of level high (高), with the step it sits on and "
        "each countermeasure that guards it; a risk point without any shows one row with "
        "empty countermeasure columns.",
        "sql": """SELECT
    r.id AS risk_point,
    p.name AS power,
    s.label AS step,
    r.type,
    r.description AS risk,
    m.local_id AS measure,
    m.kind,
    m.stage,
    m.description AS countermeasure,
    m.responsible
FROM risk_points r
JOIN powers p ON p.id = r.power_id
JOIN steps s ON s.id = r.step_id
LEFT JOIN countermeasures m ON m.risk_point_id = r.id
WHERE r.level = 'high'
ORDER BY p.position, r.position, m.position""",
    },
    "below_policy": {
        "title": "Risk points below policy",
        "description": "Risk points the default audit policy flags (SPEC §4): A301 without "
        "any countermeasure; A302 high with fewer than min_high_measures (default 3); "
        "A303 high without a supervision or technology countermeasure.",
        "sql": f"""SELECT * FROM (
    SELECT
        id,
        power_id,
        power_name,
        level,
        type,
        description,
        measures,
        kinds,
        stages,
        trim(
            CASE WHEN measures = 0 THEN 'A301 no countermeasure; ' ELSE '' END
            || CASE WHEN level = 'high' AND measures > 0 AND measures < {_MIN_HIGH}
                THEN 'A302 fewer than ' || {_MIN_HIGH} || ' countermeasures; ' ELSE '' END
            || CASE WHEN level = 'high' AND measures > 0 AND NOT supervised
                THEN 'A303 no supervision or technology; ' ELSE '' END,
            '; ') AS below_policy
    FROM risk_coverage
)
WHERE below_policy <> ''""",
    },
    "search_text": {
        "title": "Search all text (exact, any length)",
        "description": "Powers, risk points and countermeasures whose text contains :q "
        "exactly, however long: a scan, for words longer than the four characters the "
        "search box indexes (e.g. 环境影响评价).",
        "sql": """SELECT 'power' AS kind, id, id AS power_id, name AS text
FROM powers WHERE :q <> '' AND (instr(name, :q) OR instr(coalesce(name_en, ''), :q))
UNION ALL
SELECT 'risk_point', id, power_id, description
FROM risk_points WHERE :q <> '' AND instr(description, :q)
UNION ALL
SELECT 'countermeasure', m.id, r.power_id, m.description
FROM countermeasures m JOIN risk_points r ON r.id = m.risk_point_id
WHERE :q <> '' AND instr(m.description, :q)""",
    },
    "powers_of_category": {
        "title": "Powers of a category",
        "description": "The powers of one category: give its code (XK) or its name (行政许可).",
        "sql": """SELECT
    p.id,
    p.name,
    p.name_en,
    p.division,
    p.statutory_limit,
    p.statutory_unit,
    p.promised_limit,
    p.promised_unit,
    (SELECT count(*) FROM risk_points r WHERE r.power_id = p.id) AS risk_points
FROM powers p
JOIN categories c ON c.code = p.category
WHERE p.category = :category OR c.name = :category
ORDER BY p.position""",
    },
}


def metadata_path_for(catalog: Path) -> Path:
    """Where the Datasette metadata of a catalog goes: ``FILE.metadata.json``.

    Examples:
        >>> metadata_path_for(Path("out/catalog.db")).as_posix()
        'out/catalog.metadata.json'
    """
    return catalog.with_name(f"{catalog.stem}.metadata.json")


def catalog_title(reg: Registry) -> str:
    """Title of a registry's catalog.

    Examples:
        >>> import powerreg
        >>> catalog_title(powerreg.load("examples/minimal"))
        '示例市环境保护局 2011：权力清单与廉政风险防控'
    """
    return f"{reg.department} {reg.year}：权力清单与廉政风险防控"


def catalog_description(reg: Registry) -> str:
    """Description of a registry's catalog: the report sentence, and what it holds."""
    who = f"{reg.department} ({reg.department_en})" if reg.department_en else reg.department
    return (
        f"{reg.stats().sentence}。The power list (权力清单) of {who}, {reg.year}: every "
        "power with its flowcharts (权力运行流程图), the integrity risk points on them "
        "(廉政风险点) and the countermeasures against each (防范措施). "
        f"Registry {reg.id}, written by powerreg."
    )


def datasette_metadata(reg: Registry, database: str = "catalog") -> dict[str, Any]:
    """Datasette metadata for the catalog of ``reg``, served as database ``database``
    (Datasette names a database after its file: ``catalog.db`` → ``catalog``)."""
    tables: dict[str, dict[str, Any]] = {}
    for name, (description, columns) in descriptions().items():
        entry: dict[str, Any] = {"description": description, "columns": columns}
        if name in FACETS:
            entry["facets"] = FACETS[name]
        table = TABLE.get(name)
        if table is not None and table.label_column:
            entry["label_column"] = table.label_column
        entry.update(SORT.get(name, {}))
        if name not in TABLE and name not in VIEWS:  # a search index
            entry["hidden"] = True
        tables[name] = entry
    for index in SEARCH_INDEXES:
        tables[index.table]["fts_table"] = index.name
        tables[index.table]["fts_pk"] = "rowid"
    about = {
        "title": catalog_title(reg),
        "description": catalog_description(reg),
        "source": reg.source,
        **({"license": reg.license} if reg.license else {}),
    }
    return {
        **about,
        "databases": {
            database: {
                **about,
                "tables": tables,
                "queries": {name: dict(q) for name, q in QUERIES.items()},
            }
        },
    }
