"""The catalog's schema (SPEC §7), written once as data: tables, keys, descriptions, views.

Every table and column carries its description here, and the same text goes into the
catalog's ``_metadata`` table and into the Datasette metadata, so the three never
disagree. The order of :data:`TABLES` is the order of creation and of insertion: a table
comes after every table it references, so foreign keys can be enforced while rows go in.

Global ids are the primary keys (``XK-001/F1/S3``), each row keeps its ``local_id`` and
its ``position`` among its siblings, so the registry can be read back in its own order.

Examples:
    >>> [t.name for t in TABLES][:4]
    ['registry', 'categories', 'powers', 'flowcharts']
    >>> TABLE["steps"].foreign_keys
    (('flowchart_id', 'flowcharts', 'id'),)
    >>> TABLE["transitions"].pk
    ('flowchart_id', 'source', 'target')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..model import Level, MeasureKind, Stage
from .chinese import INDEX_ZH, TABLES_ZH
from .ngrams import NGRAM_MAX

#: ``PRAGMA user_version`` of the catalogs this version writes and reads.
CATALOG_VERSION = 3
#: ``PRAGMA user_version`` of a roll-up's combined catalog (:mod:`powerreg.rollup.combined`
#: writes it; the reader here recognises it, to say what it is).
ROLLUP_CATALOG_VERSION = 1


@dataclass(frozen=True)
class Column:
    """One column: name, SQLite type, whether it may be NULL, and what it holds."""

    name: str
    type: type[Any]
    description: str
    not_null: bool = False


@dataclass(frozen=True)
class Table:
    """One table: its columns in order, primary key, foreign keys and description."""

    name: str
    description: str
    columns: tuple[Column, ...]
    pk: str | tuple[str, ...]
    foreign_keys: tuple[tuple[str, str, str], ...] = ()
    #: column Datasette shows in place of this table's key where another table refers to it
    label_column: str | None = None

    @property
    def column_names(self) -> tuple[str, ...]:
        """Names of the columns, in order."""
        return tuple(c.name for c in self.columns)


def _position(what: str) -> Column:
    return Column("position", int, f"Order of the {what} among its siblings, from 0", True)


_SOURCE_LINE = Column(
    "source_line", int, "Line in the power's source file where this entity starts (1-based)"
)
_SOURCE_COLUMN = Column("source_column", int, "Column of that line (1-based)")

_LEVELS = ", ".join(m.value for m in Level)
_KINDS = ", ".join(m.value for m in MeasureKind)
_STAGES = ", ".join(m.value for m in Stage)

TABLES: tuple[Table, ...] = (
    Table(
        "registry",
        "The registry itself: one row naming the department, the edition year and the "
        "document the registry comes from.",
        (
            Column("id", str, "Registry id, e.g. liaoning-epd-2011", True),
            Column("schema_version", int, "Version of the registry source format (SPEC §2)", True),
            Column("department", str, "Department that holds the powers (部门)", True),
            Column("department_en", str, "English name of the department"),
            Column("year", int, "Edition year", True),
            Column("source", str, "Document the registry comes from", True),
            Column("license", str, "Licence of the published data"),
            Column(
                "risk_matrix",
                str,
                "Level of a risk point by likelihood (row, 1–3) and impact (column, 1–3): a "
                "JSON list of three lists, or empty",
            ),
            Column(
                "posts",
                str,
                "Posts of the department itself (厅长, 分管厅领导 …) that roles name bare: a JSON "
                "list, or empty; with the units table, the org chart roles refer to",
            ),
        ),
        pk="id",
        label_column="department",
    ),
    Table(
        "categories",
        "Categories of powers (职权类别) in display order, e.g. XK 行政许可 (licensing).",
        (
            Column("code", str, "Category code, e.g. XK", True),
            Column("name", str, "Name of the category (职权类别), e.g. 行政许可", True),
            Column("name_en", str, "English name of the category"),
            Column("position", int, "Display order of the category, from 0", True),
        ),
        pk="code",
        label_column="name",
    ),
    Table(
        "powers",
        "The power list (权力清单): one row per administrative power the department holds.",
        (
            Column("id", str, "Power id, e.g. XK-001 (the stem of powers/XK-001.yaml)", True),
            Column("category", str, "Category of the power (职权类别), a code of categories", True),
            Column("name", str, "Name of the power (事项名称)", True),
            Column("name_en", str, "English rendering of the name"),
            Column(
                "legal_basis",
                str,
                "Legal basis (设定依据): a JSON list of provisions, "
                "e.g. 《中华人民共和国环境影响评价法》第二十二条",
                True,
            ),
            Column("subject", str, "Body that exercises the power (实施主体)", True),
            Column("division", str, "Division that handles it (承办机构)", True),
            Column("statutory_limit", int, "Statutory time limit (法定时限): its amount"),
            Column(
                "statutory_unit",
                str,
                "Unit of the statutory limit: working_days (工作日), days (日) or months (个月)",
            ),
            Column("promised_limit", int, "Promised time limit (承诺时限): its amount"),
            Column("promised_unit", str, "Unit of the promised limit, as statutory_unit"),
            Column("fee", str, "Fee basis and standard (收费依据及标准), or 不收费"),
            Column("description", str, "Description of the power"),
            Column(
                "responsibilities",
                str,
                "What the handling division answers for (责任事项): a JSON list",
                True,
            ),
            Column(
                "accountability",
                str,
                "Cases in which officials are held to account (追责情形): a JSON list",
                True,
            ),
            Column(
                "public",
                int,
                "1 if the power is published on the public list (外网公开), 0 if withheld",
                True,
            ),
            Column(
                "disclosure_reason",
                str,
                "Legal reason a withheld power is not published (不予公开的理由), or a note on "
                "the disclosure of a public one",
            ),
            Column("reason", str, "Why this edition changed the power (调整理由), if it says"),
            Column("position", int, "Order of the power in the registry, from 0", True),
            Column("source_file", str, "Source file, relative to the registry root"),
            Column("source_line", int, "Line of source_file where the power's id is (1-based)"),
            _SOURCE_COLUMN,
        ),
        pk="id",
        foreign_keys=(("category", "categories", "code"),),
        label_column="name",
    ),
    Table(
        "flowcharts",
        "Power-operation flowcharts (权力运行流程图): one or more per power.",
        (
            Column("id", str, "Global id, e.g. XK-001/F1", True),
            Column("power_id", str, "Power the flowchart belongs to", True),
            Column("local_id", str, "Id of the flowchart within its power, e.g. F1", True),
            Column("title", str, "Title of the flowchart", True),
            _position("flowchart"),
            _SOURCE_LINE,
            _SOURCE_COLUMN,
        ),
        pk="id",
        foreign_keys=(("power_id", "powers", "id"),),
        label_column="title",
    ),
    Table(
        "steps",
        "Steps of the flowcharts, with the post (岗位) that acts and its time budget.",
        (
            Column("id", str, "Global id, e.g. XK-001/F1/S3", True),
            Column("flowchart_id", str, "Flowchart the step belongs to", True),
            Column("local_id", str, "Id of the step within its flowchart, e.g. S3", True),
            Column("kind", str, "start, task, decision or end", True),
            Column("label", str, "What happens at the step", True),
            Column("role", str, "Post that acts at the step (岗位)"),
            Column("days", int, "Time budget of the step in working days (工作日)"),
            Column(
                "pauses_clock",
                int,
                "1 if time at this step is left out of the time limits (补正, expert review, "
                "hearing, publicity), else 0",
                True,
            ),
            Column(
                "no_risk_reason",
                str,
                "Why a decision here carries no risk point (不设风险点的理由), if it has none",
            ),
            _position("step"),
            _SOURCE_LINE,
            _SOURCE_COLUMN,
        ),
        pk="id",
        foreign_keys=(("flowchart_id", "flowcharts", "id"),),
        label_column="label",
    ),
    Table(
        "transitions",
        "Moves from one step to another within a flowchart; condition labels a decision's branch.",
        (
            Column("flowchart_id", str, "Flowchart of the move", True),
            Column("source", str, "Step the move leaves (global step id)", True),
            Column("target", str, "Step the move enters (global step id)", True),
            Column("condition", str, "Branch label of a decision (when)"),
            _position("transition"),
        ),
        pk=("flowchart_id", "source", "target"),
        foreign_keys=(
            ("flowchart_id", "flowcharts", "id"),
            ("source", "steps", "id"),
            ("target", "steps", "id"),
        ),
    ),
    Table(
        "risk_points",
        "Integrity risk points (廉政风险点): where an official could abuse discretion, delay, "
        "take bribes or skip a check; each sits on one step of a flowchart.",
        (
            Column("id", str, "Global id, e.g. XK-001/R2", True),
            Column("power_id", str, "Power the risk point belongs to", True),
            Column("step_id", str, "Step the risk sits on (global step id)", True),
            Column("local_id", str, "Id of the risk point within its power, e.g. R2", True),
            Column("level", str, f"Risk level (风险等级): {_LEVELS} (高/中/低)", True),
            Column(
                "type",
                str,
                "Where the risk comes from (风险类别): ethics, duty, process, institution "
                "or external",
                True,
            ),
            Column("description", str, "The risk (风险点描述)", True),
            Column("likelihood", int, "Assessed likelihood of the abuse, 1 (low) to 3 (high)"),
            Column("impact", int, "Assessed gravity of the abuse, 1 (low) to 3 (high)"),
            Column("reason", str, "Why this edition set the level (调整理由), if it says"),
            _position("risk point"),
            _SOURCE_LINE,
            _SOURCE_COLUMN,
        ),
        pk="id",
        foreign_keys=(("power_id", "powers", "id"), ("step_id", "steps", "id")),
        label_column="description",
    ),
    Table(
        "countermeasures",
        "Countermeasures (防范措施) against each risk point: rules, disclosure, supervision, "
        "technology (电子监察) and education, before, during or after the act.",
        (
            Column("id", str, "Global id, e.g. XK-001/R2/M1", True),
            Column("risk_point_id", str, "Risk point the countermeasure guards", True),
            Column(
                "local_id", str, "Id of the countermeasure within its risk point, e.g. M1", True
            ),
            Column("kind", str, f"Class of the countermeasure (防控措施类别): {_KINDS}", True),
            Column("stage", str, f"When it acts: {_STAGES} (事前/事中/事后)", True),
            Column("description", str, "The countermeasure (防范措施)", True),
            Column("responsible", str, "Who carries it out (责任主体)"),
            _position("countermeasure"),
            _SOURCE_LINE,
            _SOURCE_COLUMN,
        ),
        pk="id",
        foreign_keys=(("risk_point_id", "risk_points", "id"),),
        label_column="description",
    ),
    Table(
        "units",
        "The department's org chart (机构): its internal divisions (处室), directly affiliated "
        "units (直属单位), dispatched bodies (派驻机构) and collective bodies (议事机构), each "
        "with its posts (岗位). Steps' role, powers' division and countermeasures' "
        "responsible name a unit, a unit followed by one of its posts (政策法规处处长), or a "
        "post of the department; empty when the registry declares no org chart.",
        (
            Column("name", str, "The one name of the unit, e.g. 政策法规处", True),
            Column("name_en", str, "English name of the unit"),
            Column(
                "kind",
                str,
                "division (处室), affiliated (直属单位), dispatched (派驻机构) or body (议事机构)",
                True,
            ),
            Column("posts", str, "Its posts (岗位), e.g. 处长: a JSON list", True),
            Column("position", int, "Order of the unit in the org chart, from 0", True),
        ),
        pk="name",
    ),
    Table(
        "_metadata",
        "This catalog's own metadata: title, source, licence, and a description of every "
        "table, view and column.",
        (
            Column("table_name", str, "Table or view described; empty for the catalog", True),
            Column("column_name", str, "Column described; empty for the table itself", True),
            Column("key", str, "What the value is: title, source, license, description, …", True),
            Column("value", str, "The value", True),
        ),
        pk=("table_name", "column_name", "key"),
    ),
)

TABLE: dict[str, Table] = {t.name: t for t in TABLES}


@dataclass(frozen=True)
class SearchIndex:
    """An FTS5 table over the character n-grams of some text columns of one table."""

    table: str
    columns: tuple[str, ...]
    #: the column a search hit shows
    text: str

    @property
    def name(self) -> str:
        """Name of the FTS5 table, after sqlite-utils' convention ``<table>_fts``."""
        return f"{self.table}_fts"

    @property
    def description(self) -> str:
        """What the index covers, for the metadata."""
        return (
            f"Search index (FTS5) over {self.table}.{', '.join(self.columns)}: the words and "
            f"the runs of 1 to {NGRAM_MAX} Chinese characters of the text, so that two-"
            "character words such as 审批 are found; used by ?_search= and powerreg.search."
        )


SEARCH_INDEXES: tuple[SearchIndex, ...] = (
    SearchIndex("powers", ("name", "name_en"), "name"),
    SearchIndex("risk_points", ("description",), "description"),
    SearchIndex("countermeasures", ("description",), "description"),
)


def _order(column: str, codes: list[str]) -> str:
    """A CASE expression that sorts enumeration codes in their canonical order."""
    whens = " ".join(f"WHEN '{c}' THEN {i}" for i, c in enumerate(codes))
    return f"CASE {column} {whens} END"


_KIND_ORDER = _order("kind", [m.value for m in MeasureKind])
_STAGE_ORDER = _order("stage", [m.value for m in Stage])

#: Views: name → (description, column descriptions, SELECT).
VIEWS: dict[str, tuple[str, dict[str, str], str]] = {
    "risk_coverage": (
        "One row per risk point: its power, level and type, how many countermeasures guard "
        "it and which kinds and stages they cover.",
        {
            "id": "Global id of the risk point",
            "power_id": "Power the risk point belongs to",
            "power_name": "Name of that power",
            "category": "Category of that power",
            "step_id": "Step the risk sits on",
            "level": f"Risk level: {_LEVELS}",
            "type": "Where the risk comes from",
            "description": "The risk",
            "measures": "Number of countermeasures",
            "kinds": "Kinds of countermeasure present, comma-separated",
            "stages": "Stages covered, comma-separated",
            "supervised": "1 if a supervision or technology countermeasure guards the risk",
        },
        f"""SELECT
    r.id,
    r.power_id,
    p.name AS power_name,
    p.category,
    r.step_id,
    r.level,
    r.type,
    r.description,
    (SELECT count(*) FROM countermeasures m WHERE m.risk_point_id = r.id) AS measures,
    (SELECT group_concat(kind, ',') FROM (
        SELECT DISTINCT kind FROM countermeasures m
        WHERE m.risk_point_id = r.id ORDER BY {_KIND_ORDER})) AS kinds,
    (SELECT group_concat(stage, ',') FROM (
        SELECT DISTINCT stage FROM countermeasures m
        WHERE m.risk_point_id = r.id ORDER BY {_STAGE_ORDER})) AS stages,
    EXISTS (SELECT 1 FROM countermeasures m WHERE m.risk_point_id = r.id
            AND m.kind IN ('supervision', 'technology')) AS supervised
FROM risk_points r
JOIN powers p ON p.id = r.power_id
ORDER BY p.position, r.position""",
    ),
    "power_overview": (
        "One row per power: its category, flowcharts, steps, risk points by level and "
        "countermeasures.",
        {
            "id": "Power id",
            "category": "Category code",
            "category_name": "Name of the category",
            "name": "Name of the power",
            "flowcharts": "Number of flowcharts",
            "steps": "Number of steps over all its flowcharts",
            "risk_points": "Number of risk points",
            "high": "Risk points of level high",
            "medium": "Risk points of level medium",
            "low": "Risk points of level low",
            "countermeasures": "Number of countermeasures over all its risk points",
            "statutory_limit": "Statutory time limit: its amount",
            "statutory_unit": "Unit of the statutory limit",
            "promised_limit": "Promised time limit: its amount",
            "promised_unit": "Unit of the promised limit",
            "public": "1 if the power is published, 0 if withheld",
        },
        """SELECT
    p.id,
    p.category,
    c.name AS category_name,
    p.name,
    (SELECT count(*) FROM flowcharts f WHERE f.power_id = p.id) AS flowcharts,
    (SELECT count(*) FROM steps s JOIN flowcharts f ON f.id = s.flowchart_id
     WHERE f.power_id = p.id) AS steps,
    (SELECT count(*) FROM risk_points r WHERE r.power_id = p.id) AS risk_points,
    (SELECT count(*) FROM risk_points r WHERE r.power_id = p.id AND r.level = 'high') AS high,
    (SELECT count(*) FROM risk_points r
     WHERE r.power_id = p.id AND r.level = 'medium') AS medium,
    (SELECT count(*) FROM risk_points r WHERE r.power_id = p.id AND r.level = 'low') AS low,
    (SELECT count(*) FROM countermeasures m JOIN risk_points r ON r.id = m.risk_point_id
     WHERE r.power_id = p.id) AS countermeasures,
    p.statutory_limit,
    p.statutory_unit,
    p.promised_limit,
    p.promised_unit,
    p.public
FROM powers p
JOIN categories c ON c.code = p.category
ORDER BY p.position""",
    ),
}


#: Source positions and sibling order: columns for programs (reading a catalog back, a
#: message pointing at a YAML line), not for a reader; the Datasette metadata keeps them
#: out of the reader's default view.
INTERNAL_COLUMNS = ("source_file", "source_line", "source_column", "position")


def _both(zh: str | None, en: str) -> str:
    """Chinese, then English: ``事项名称：对外公布的名称。Name of the power (事项名称)``."""
    return f"{zh}。{en}" if zh else en


def _zh(name: str) -> tuple[str, str, dict[str, str]]:
    """The Chinese title, description and column descriptions of a table, view or index."""
    if name in TABLES_ZH:
        return TABLES_ZH[name]
    for index in SEARCH_INDEXES:
        if index.name == name:
            return INDEX_ZH[0].format(table=index.table), INDEX_ZH[1], INDEX_ZH[2]
    return "", "", {}


def titles() -> dict[str, str]:
    """Every table, view and search index → its title, Chinese then its name.

    Examples:
        >>> titles()["powers"], titles()["powers_fts"]
        ('权力事项（powers）', '检索索引：powers（powers_fts）')
    """
    return {name: f"{_zh(name)[0]}（{name}）" for name in descriptions()}


def descriptions() -> dict[str, tuple[str, dict[str, str]]]:
    """Every table, view and search index → (description, column → description), each in
    Chinese (:mod:`.chinese`) and then English.

    Examples:
        >>> descriptions()["steps"][1]["role"]
        '承办岗位：在这一环节办理的机构或岗位。Post that acts at the step (岗位)'
    """
    out: dict[str, tuple[str, dict[str, str]]] = {
        t.name: (t.description, {c.name: c.description for c in t.columns}) for t in TABLES
    }
    for name, (description, columns, _) in VIEWS.items():
        out[name] = (description, dict(columns))
    for index in SEARCH_INDEXES:
        out[index.name] = (
            index.description,
            {"grams": "Words and Chinese character n-grams of the indexed text"},
        )
    both: dict[str, tuple[str, dict[str, str]]] = {}
    for name, (description, columns) in out.items():
        _, zh, zh_columns = _zh(name)
        both[name] = (
            _both(zh, description),
            {c: _both(zh_columns.get(c), text) for c, text in columns.items()},
        )
    return both
