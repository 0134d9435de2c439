"""The Datasette metadata of a catalog: what each table and column means, how to browse it.

:func:`datasette_metadata` gives the title, source and licence; a title and a description
of every table, view and column, in Chinese and then English (the same text as the
catalog's ``_metadata`` table); default facets on category, level, type, kind and stage;
label columns, so a foreign key shows the name of what it points at; sort orders; the
search index of each searchable table; and canned queries. Serve a catalog with
``datasette FILE.db -m FILE.metadata.json`` (add ``--static diagrams:DIR/diagrams`` for
the drawings that ``powerreg build`` writes beside it).

What the reader sees first, and why it is done this way. Datasette 0.65 lists a
database's tables in alphabetical order, shows every column of a table, links a cell only
when it holds a whole ``http(s)://`` URL, and quotes each word typed in a table's search
box as one token. Its metadata cannot reorder the list or hide a column. So:

* **The main tables first**: the database page opens with a list of the tables in the
  order a reader meets them — 权力事项, 流程图, 流程环节, 廉政风险点, 防范措施, then the
  rest — (``description_html``), above Datasette's own alphabetical list; the canned
  queries, which Datasette lists before the tables, start with the two that draw.
* **Internal columns out of the default view**: each link of that list opens the real
  table with Datasette's own ``?_nocol=`` for its source positions and sibling order
  (:data:`~powerreg.catalog.tables.INTERNAL_COLUMNS`). A SQL view without them would lose
  what makes the tables worth browsing — foreign keys shown by name, row pages, "links
  from other tables" — so the tables stay, complete (JSON, CSV and SQL still give every
  column), and the reader's way in leaves those columns out.
* **Each power and flowchart links to its drawing**: the canned queries ``power_diagrams``
  and ``flowchart_diagrams`` build each row's ``diagram`` as an absolute URL from the
  request's ``Host`` (Datasette's magic parameter ``:_header_host``), which Datasette
  renders as a link with no plugin; the file is ``diagrams/<power>/<chart>.svg``, served
  by ``--static diagrams:DIR/diagrams``.
* **A search of any length**: the search box finds a word of up to four Chinese
  characters (the n-grams the index holds, see :mod:`.ngrams`) but nothing longer. The
  canned query ``search_text`` (全文检索) cuts what is asked into the same n-grams in SQL,
  asks the index for the rows holding all of them, and keeps those that contain the text
  exactly: what a substring match finds, without reading every text (a query without
  Chinese characters is a scan).
* ``_metadata`` and the search indexes are hidden.

Examples:
    >>> import powerreg
    >>> meta = datasette_metadata(powerreg.load("examples/minimal"))
    >>> tables = meta["databases"]["catalog"]["tables"]
    >>> tables["risk_points"]["facets"], tables["steps"]["label_column"]
    (['level', 'type'], 'label')
    >>> tables["powers"]["title"], tables["_metadata"]["hidden"]
    ('权力事项（powers）', True)
    >>> list(meta["databases"]["catalog"]["queries"])  # doctest: +NORMALIZE_WHITESPACE
    ['power_diagrams', 'flowchart_diagrams', 'search_text', 'high_risks', 'below_policy',
     'powers_of_category']
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from ..model import Registry
from .tables import (
    INTERNAL_COLUMNS,
    SEARCH_INDEXES,
    TABLE,
    VIEWS,
    descriptions,
    titles,
)

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

#: The tables and views in the order a reader meets them (the database page's list).
READING_ORDER = (
    "powers",
    "flowcharts",
    "steps",
    "risk_points",
    "countermeasures",
    "power_overview",
    "risk_coverage",
    "categories",
    "units",
    "transitions",
    "registry",
)

#: Tables a reader never needs: the catalog's own metadata (the search indexes are
#: hidden as well).
HIDDEN = ("_metadata",)

_MIN_HIGH = "CAST(coalesce(nullif(:min_high_measures, ''), 3) AS INTEGER)"

#: Where the server is, as the request names it: the start of a drawing's URL. Datasette
#: links a cell only when it holds a whole http(s) URL, and SQL cannot see the request
#: but through these magic parameters (a proxy in front says its scheme).
_BASE = "coalesce(nullif(:_header_x_forwarded_proto, ''), 'http') || '://' || :_header_host"

#: Code points of the Chinese (and kana) characters ``search_text`` cuts into n-grams:
#: a subset of what the index cuts (:mod:`.ngrams`) that NFKC leaves as they are (the
#: index holds normalized text), so every n-gram asked for is one the index holds.
HAN_RANGES = (
    (0x3041, 0x3096),  # hiragana
    (0x30A1, 0x30FA),  # katakana
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0x20000, 0x2EBEF),  # extensions B-F (not the compatibility supplement at 2F800)
    (0x30000, 0x3134F),  # extension G
)


def _is_han(char: str) -> str:
    return "(" + " OR ".join(f"unicode({char}) BETWEEN {a} AND {b}" for a, b in HAN_RANGES) + ")"


#: The MATCH expression ``search_text`` gives the index: at each Chinese character of
#: :q, the run of up to four Chinese characters starting there, quoted, joined by AND
#: (every text containing :q holds every one of them); NULL when :q has none.
_GRAMS = f"""WITH RECURSIVE
    pos(i) AS (
        SELECT 1 WHERE length(:q) > 0
        UNION ALL SELECT i + 1 FROM pos WHERE i < length(:q)),
    han(i) AS (SELECT i FROM pos WHERE {_is_han("substr(:q, i, 1)")}),
    grams(g) AS (
        SELECT DISTINCT substr(:q, i, CASE
            WHEN i + 1 NOT IN (SELECT i FROM han) THEN 1
            WHEN i + 2 NOT IN (SELECT i FROM han) THEN 2
            WHEN i + 3 NOT IN (SELECT i FROM han) THEN 3
            ELSE 4 END)
        FROM han),
    fts(expr) AS (SELECT group_concat('"' || g || '"', ' AND ') FROM grams)"""


def _search_part(kind: str, table: str, columns: tuple[str, ...], power: str, n: int) -> str:
    """The rows of one table containing :q: through its index when :q has Chinese (the
    rows the index names, then checked), by a scan of the table when it has none."""
    index = f"{table}_fts"
    hit = " OR ".join(f"instr(coalesce(t.{c}, ''), :q)" for c in columns)
    row = f"""SELECT {n} AS part, t.rowid AS r, '{kind}' AS kind, t.id, {power} AS power_id,
        t.{columns[0]} AS text
    FROM {table} t"""
    return f"""{row}
    WHERE t.rowid IN (
        SELECT rowid FROM {index} WHERE {index} MATCH coalesce((SELECT expr FROM fts), '""'))
    AND ({hit})
    UNION ALL
    {row}
    WHERE (SELECT expr FROM fts) IS NULL AND :q <> '' AND ({hit})"""


_KINDS = {"powers": "power", "risk_points": "risk_point", "countermeasures": "countermeasure"}
_POWER_OF = {
    "powers": "t.id",
    "risk_points": "t.power_id",
    "countermeasures": "substr(t.id, 1, instr(t.id, '/') - 1)",
}
_SEARCH_SQL = (
    _GRAMS
    + "\nSELECT kind, id, power_id, text FROM (\n    "
    + "\n    UNION ALL\n    ".join(
        _search_part(_KINDS[i.table], i.table, i.columns, _POWER_OF[i.table], n)
        for n, i in enumerate(SEARCH_INDEXES)
    )
    + "\n)\nORDER BY part, r"
)

#: Canned queries: name → title, description, SQL; in the order Datasette lists them.
#: (``power_diagrams`` is made per database: see :func:`queries`.)
QUERIES: dict[str, dict[str, str]] = {
    "flowchart_diagrams": {
        "title": "流程图一览（附图） Flowcharts with their drawings",
        "description": "每张权力运行流程图一行，diagram 列链接到它的图"
        "（diagrams/<事项>/<流程图>.svg，以 --static diagrams:DIR/diagrams 提供）；"
        "填 power 只看一项权力的图。"
        "Every flowchart, each with a link to its drawing; give power (e.g. XK-001) for "
        "the charts of one power.",
        "sql": f"""SELECT
    f.id,
    f.power_id,
    p.name AS power_name,
    f.title,
    (SELECT count(*) FROM steps s WHERE s.flowchart_id = f.id) AS steps,
    (SELECT count(*) FROM risk_points r JOIN steps s ON s.id = r.step_id
     WHERE s.flowchart_id = f.id) AS risk_points,
    {_BASE} || '/diagrams/' || f.power_id || '/' || f.local_id || '.svg' AS diagram
FROM flowcharts f
JOIN powers p ON p.id = f.power_id
WHERE coalesce(:power, '') = '' OR f.power_id = :power
ORDER BY p.position, f.position""",
    },
    "search_text": {
        "title": "全文检索（任意长度） Search all text, any length",
        "description": "事项名称、风险点和防范措施中包含 q 的全部条目，与逐条比对子串的结果相同，"
        "五个字以上也能找到（如 环境影响评价）；表格上方的搜索框只认四个字以内的词。"
        "Powers, risk points and countermeasures whose text contains :q exactly, however "
        "long — what a substring match finds, through the search index; the search box "
        "of a table finds words of up to four Chinese characters only.",
        "sql": _SEARCH_SQL,
    },
    "high_risks": {
        "title": "高风险点及其防范措施 High risk points and their countermeasures",
        "description": "每个高风险点，所在环节和防控它的每条措施；"
        "没有措施的风险点占一行，措施列为空。"
        "Every risk point of level high (高), with the step it sits on and each "
        "countermeasure that guards it; a risk point without any shows one row with "
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
        "title": "未达防控要求的风险点 Risk points below policy",
        "description": "默认审计规则标出的风险点：A301 没有防范措施；A302 高风险点措施少于 "
        "min_high_measures 条（默认 3）；A303 高风险点没有监督或科技措施。"
        "Risk points the default audit policy flags (SPEC §4): A301 without "
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
    "powers_of_category": {
        "title": "某一类别的权力事项 Powers of a category",
        "description": "一个职权类别的全部权力事项：填类别代码（XK）或名称（行政许可）。"
        "The powers of one category: give its code (XK) or its name (行政许可).",
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


def _sql_text(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def power_diagrams(database: str) -> dict[str, str]:
    """The canned query listing every power with a link to its (first) drawing and, for a
    power of several charts, to the list of them all (which needs the database's name)."""
    charts = f"/{quote(database)}/flowchart_diagrams?power="
    return {
        "title": "权力事项一览（附图） Powers with their drawings",
        "description": "每项权力一行：类别、承办机构、风险点和防范措施的数量；diagram 链接到它的"
        "（第一张）流程图，有几张图的，all_diagrams 链接到全部。填 category（代码或名称）只看一类。"
        "Every power with its counts; diagram links to its (first) flowchart's drawing, "
        "all_diagrams to every chart of a power that has several; give category (code or "
        "name) for one category.",
        "sql": f"""SELECT
    p.id,
    p.name,
    c.name AS category,
    p.division,
    (SELECT count(*) FROM flowcharts f WHERE f.power_id = p.id) AS flowcharts,
    (SELECT count(*) FROM risk_points r WHERE r.power_id = p.id) AS risk_points,
    (SELECT count(*) FROM risk_points r WHERE r.power_id = p.id AND r.level = 'high') AS high,
    (SELECT count(*) FROM countermeasures m JOIN risk_points r ON r.id = m.risk_point_id
     WHERE r.power_id = p.id) AS countermeasures,
    (SELECT {_BASE} || '/diagrams/' || f.power_id || '/' || f.local_id || '.svg'
     FROM flowcharts f WHERE f.power_id = p.id ORDER BY f.position LIMIT 1) AS diagram,
    CASE WHEN (SELECT count(*) FROM flowcharts f WHERE f.power_id = p.id) > 1
        THEN {_BASE} || {_sql_text(charts)} || p.id END AS all_diagrams
FROM powers p
JOIN categories c ON c.code = p.category
WHERE coalesce(:category, '') = '' OR p.category = :category OR c.name = :category
ORDER BY p.position""",
    }


def queries(database: str = "catalog") -> dict[str, dict[str, str]]:
    """Every canned query of a catalog served as ``database``, in the order listed."""
    return {"power_diagrams": power_diagrams(database), **{k: dict(v) for k, v in QUERIES.items()}}


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


def reader_url(database: str, table: str) -> str:
    """The link that opens a table for a reader: the table without its internal columns
    (relative to the database page, which links it).

    Examples:
        >>> reader_url("catalog", "flowcharts")
        'catalog/flowcharts?_nocol=position&_nocol=source_line&_nocol=source_column'
        >>> reader_url("catalog", "power_overview")
        'catalog/power_overview'
    """
    columns = descriptions()[table][1]
    hidden = [("_nocol", c) for c in columns if c in INTERNAL_COLUMNS]
    url = f"{quote(database)}/{quote(table)}"
    return f"{url}?{urlencode(hidden)}" if hidden else url


def directory_html(reg: Registry, database: str, description: str | None = None) -> str:
    """The top of the database page: what the catalog is (``description``, by default
    :func:`catalog_description`), then its tables in reading order, each linked without
    its internal columns; every registry text escaped."""
    described = descriptions()
    title = titles()
    items = []
    for name in READING_ORDER:
        zh = described[name][0].split("。", 1)[0]
        link = escape(reader_url(database, name))
        items.append(f'<li><a href="{link}">{escape(title[name])}</a>：{escape(zh)}</li>')
    q = quote(database)
    return "\n".join(
        [
            f"<p>{escape(catalog_description(reg) if description is None else description)}</p>",
            "<p>主要的表，按阅读顺序（链接里不显示内部列 "
            f"{escape('、'.join(INTERNAL_COLUMNS))}）The main tables, in reading order "
            "(their links leave out the internal columns):</p>",
            "<ol>",
            *items,
            "</ol>",
            f'<p>流程图：<a href="{q}/power_diagrams">权力事项一览（附图）</a>、'
            f'<a href="{q}/flowchart_diagrams">流程图一览（附图）</a>，每行链接到图。'
            "检索五个字以上的词（如 环境影响评价），用"
            f'<a href="{q}/search_text">全文检索</a>；表格上方的搜索框只认四个字以内的词。'
            "Drawings: the first two queries link each row to its drawing. Words longer "
            "than four Chinese characters: search_text.</p>",
        ]
    )


def datasette_metadata(reg: Registry, database: str = "catalog") -> dict[str, Any]:
    """Datasette metadata for the catalog of ``reg``, served as database ``database``
    (Datasette names a database after its file: ``catalog.db`` → ``catalog``)."""
    tables: dict[str, dict[str, Any]] = {}
    title = titles()
    for name, (description, columns) in descriptions().items():
        entry: dict[str, Any] = {
            "title": title[name],
            "description": description,
            "columns": columns,
        }
        if name in FACETS:
            entry["facets"] = FACETS[name]
        table = TABLE.get(name)
        if table is not None and table.label_column:
            entry["label_column"] = table.label_column
        entry.update(SORT.get(name, {}))
        if name in HIDDEN or (name not in TABLE and name not in VIEWS):  # or a search index
            entry["hidden"] = True
        tables[name] = entry
    for index in SEARCH_INDEXES:
        tables[index.table]["fts_table"] = index.name
        tables[index.table]["fts_pk"] = "rowid"
    description = catalog_description(reg)  # counts the whole registry: once
    about = {
        "title": catalog_title(reg),
        "description": description,
        "source": reg.source,
        **({"license": reg.license} if reg.license else {}),
    }
    return {
        **about,
        "databases": {
            database: {
                **about,
                "description_html": directory_html(reg, database, description),
                "tables": tables,
                "queries": queries(database),
            }
        },
    }
