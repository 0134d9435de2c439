"""Reading a tampered catalog (issue 12.8): every edit ends in an error that names the
table, the row and the column (E002, exit 1) or what keeps the file from being a catalog
(a usage error, exit 2), never a traceback."""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import powerreg
from powerreg import RegistryError
from powerreg.cli import main
from powerreg.errors import PowerregError, UsageError

from .conftest import EXAMPLE

DB = "catalog.db"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example's catalog, written once; each test edits a copy."""
    out = tmp_path_factory.mktemp("pristine") / DB
    return powerreg.export_sqlite(powerreg.load(EXAMPLE), out)


@pytest.fixture
def catalog(pristine: Path, tmp_path: Path) -> Path:
    return Path(shutil.copyfile(pristine, tmp_path / DB))


def edit(db: Path, *sql: str) -> Path:
    conn = sqlite3.connect(db)
    try:
        for statement in sql:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()
    return db


def validate(db: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", str(db)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stderr


# ------------------------------------------------------------------ rows (E002, exit 1)

ROWS = [
    (
        "legal_basis not JSON",
        ["UPDATE powers SET legal_basis = 'not json' WHERE id = 'XK-001'"],
        [
            "catalog.db: E002 table powers, row XK-001: column legal_basis is not JSON "
            "(Expecting value: line 1 column 1 (char 0))"
        ],
    ),
    (
        "responsibilities not a list",
        ["""UPDATE powers SET responsibilities = '{"a": 1}' WHERE id = 'CF-001'"""],
        [
            "catalog.db: E002 table powers, row CF-001: column responsibilities must be a "
            "JSON list, not a mapping"
        ],
    ),
    (
        "text in a number column",
        ["UPDATE steps SET days = 'five' WHERE id = 'XK-001/F1/S2'"],
        [
            "catalog.db: E002 table steps, row XK-001/F1/S2: column days must be a whole "
            "number, not the text 'five'"
        ],
    ),
    (
        "a fraction in a number column",
        ["UPDATE steps SET days = 2.5 WHERE id = 'XK-001/F1/S2'"],
        [
            "catalog.db: E002 table steps, row XK-001/F1/S2: column days must be a whole "
            "number, not the number 2.5"
        ],
    ),
    (
        "a blob",
        ["UPDATE countermeasures SET description = x'00ff' WHERE id = 'XK-001/R2/M1'"],
        [
            "catalog.db: E002 table countermeasures, row XK-001/R2/M1: column description "
            "must be text, not a blob of 2 bytes"
        ],
    ),
    (
        "a flowchart deleted under its steps",
        ["DELETE FROM transitions", "DELETE FROM flowcharts WHERE id = 'CF-001/F1'"],
        [
            f"catalog.db: E002 table steps, row CF-001/F1/S{i}: column flowchart_id refers "
            "to the text 'CF-001/F1', which the catalog does not hold"
            for i in range(1, 9)
        ],
    ),
    (
        "a transition to another chart's step",
        [
            "UPDATE transitions SET target = 'CF-001/F1/S2' "
            "WHERE flowchart_id = 'XK-001/F1' AND source = 'XK-001/F1/S1'"
        ],
        [
            "catalog.db: E002 table transitions, row XK-001/F1 XK-001/F1/S1 CF-001/F1/S2: "
            "column target refers to the text 'CF-001/F1/S2', which is not a step of this "
            "flowchart in the catalog"
        ],
    ),
    (
        "a risk point on another power's step",
        ["UPDATE risk_points SET step_id = 'CF-001/F1/S2' WHERE id = 'XK-001/R1'"],
        [
            "catalog.db: E002 table risk_points, row XK-001/R1: column step_id refers to the "
            "text 'CF-001/F1/S2', which is not a step of this power in the catalog"
        ],
    ),
    (
        "days past the bound",
        ["UPDATE powers SET statutory_limit = 1000000000000000000 WHERE id = 'XK-001'"],
        [
            "catalog.db: E002 catalog row of XK-001: statutory_limit.amount: Input should be "
            "less than or equal to 3650"
        ],
    ),
    (
        "a label past the bound",
        ["UPDATE steps SET label = printf('%.300c', 'x') WHERE id = 'XK-001/F1/S2'"],
        [
            "catalog.db: E002 catalog row of XK-001: flowcharts.0.steps.1.label: String "
            "should have at most 200 characters"
        ],
    ),
    (
        "a table rebuilt without its constraints: NULL and a shared key",
        [
            "DROP VIEW power_overview",
            "DROP VIEW risk_coverage",
            "CREATE TABLE s2 AS SELECT * FROM steps",
            "DROP TABLE steps",
            "ALTER TABLE s2 RENAME TO steps",
            "UPDATE steps SET label = NULL WHERE id = 'XK-001/F1/S3'",
            "INSERT INTO steps SELECT * FROM steps WHERE id = 'XK-001/F1/S4'",
        ],
        [
            "catalog.db: E002 table steps, row XK-001/F1/S3: column label is empty (NULL); "
            "it needs a value",
            "catalog.db: E002 table steps: id XK-001/F1/S4 is shared by 2 rows; it must be unique",
        ],
    ),
]


FOUND = [
    (
        "a negative line and column",
        ["UPDATE steps SET source_line = -7, source_column = -3 WHERE id = 'CF-001/F1/S4'"],
        [
            "catalog.db: E002 table steps, row CF-001/F1/S4: column source_line must be a line "
            "number, 1 or more (0 or NULL where unknown), not the number -7",
            "catalog.db: E002 table steps, row CF-001/F1/S4: column source_column must be a "
            "column number, 1 or more (0 or NULL where unknown), not the number -3",
        ],
    ),
    (
        "a source file outside the registry",
        ["UPDATE powers SET source_file = '../../etc/passwd' WHERE id = 'CF-001'"],
        [
            "catalog.db: E002 table powers, row CF-001: column source_file must be a path "
            "inside the registry's folder, relative to it, such as powers/XK-001.yaml (no "
            "'..', no leading '/', no '\\', no control character), not the text "
            "'../../etc/passwd'"
        ],
    ),
    (
        "a measure whose id contradicts its risk point",
        [
            "UPDATE countermeasures SET risk_point_id = 'XK-001/R1', local_id = 'M9' "
            "WHERE id = 'CF-001/R1/M1'"
        ],
        [
            "catalog.db: E002 table countermeasures, row CF-001/R1/M1: column id must be "
            "risk_point_id/local_id ('XK-001/R1/M9'), not the text 'CF-001/R1/M1'"
        ],
    ),
    (
        "a flowchart whose id contradicts its local id",
        ["UPDATE flowcharts SET local_id = 'F2' WHERE id = 'XK-001/F1'"],
        [
            "catalog.db: E002 table flowcharts, row XK-001/F1: column id must be "
            "power_id/local_id ('XK-001/F2'), not the text 'XK-001/F1'"
        ],
    ),
    (
        "a step whose id contradicts its flowchart",
        ["UPDATE steps SET flowchart_id = 'CF-001/F1' WHERE id = 'XK-001/F1/S2'"],
        [
            "catalog.db: E002 table steps, row XK-001/F1/S2: column id must be "
            "flowchart_id/local_id ('CF-001/F1/S2'), not the text 'XK-001/F1/S2'"
        ],
    ),
    (
        "a risk point whose id contradicts its power",
        ["UPDATE risk_points SET power_id = 'CF-001' WHERE id = 'XK-001/R1'"],
        [
            "catalog.db: E002 table risk_points, row XK-001/R1: column id must be "
            "power_id/local_id ('CF-001/R1'), not the text 'XK-001/R1'"
        ],
    ),
    (
        "a category the categories table does not hold",
        ["DELETE FROM categories WHERE code = 'XK'"],
        [
            "catalog.db: E002 table powers, row XK-001: column category refers to the text "
            "'XK', which the catalog does not hold"
        ],
    ),
]


@pytest.mark.parametrize(
    ("sql", "lines"), [r[1:] for r in ROWS + FOUND], ids=[r[0] for r in ROWS + FOUND]
)
def test_an_edited_row_is_named_by_table_row_and_column(
    catalog: Path, sql: list[str], lines: list[str]
) -> None:
    edit(catalog, "PRAGMA foreign_keys = OFF", *sql)
    with pytest.raises(RegistryError) as info:
        powerreg.load(catalog)
    assert [str(p) for p in info.value.problems] == lines
    for p in info.value.problems:
        assert p.message("zh"), p  # every variant has its Chinese
    code, err = validate(catalog)
    assert code == 1
    assert err.splitlines()[: len(lines)] == lines


def test_row_problems_read_in_chinese(catalog: Path) -> None:
    edit(catalog, "UPDATE steps SET days = 'five' WHERE id = 'XK-001/F1/S2'")
    with pytest.raises(RegistryError) as info:
        powerreg.load(catalog)
    assert info.value.problems[0].message("zh") == (
        "表 steps 的记录 XK-001/F1/S2：days 列应为整数，而不是文本“five”"
    )
    assert info.value.problems[0].entity == "XK-001/F1/S2"


# ------------------------------------------------------------------ shape (usage, exit 2)

SHAPES = [
    (
        "a dropped column",
        ["ALTER TABLE powers DROP COLUMN fee"],
        "(table powers has no column fee)",
    ),
    (
        "two dropped columns",
        ["ALTER TABLE steps DROP COLUMN label", "ALTER TABLE steps DROP COLUMN role"],
        "(table steps has no column label, role)",
    ),
    ("another user_version", ["PRAGMA user_version = 7"], "(user_version 7, not 3)"),
    (
        "a missing table",
        ["DROP VIEW risk_coverage", "DROP TABLE countermeasures"],
        "(no table countermeasures)",
    ),
]


@pytest.mark.parametrize(("sql", "why"), [s[1:] for s in SHAPES], ids=[s[0] for s in SHAPES])
def test_a_catalog_of_another_shape_says_what_is_missing(
    catalog: Path, sql: list[str], why: str
) -> None:
    edit(catalog, *sql)
    message = f"'{catalog}' is not a powerreg catalog of version 3 {why}; write it with "
    with pytest.raises(UsageError) as info:
        powerreg.load(catalog)
    assert str(info.value).startswith(message)
    code, err = validate(catalog)
    assert code == 2
    assert err.startswith(f"error: {message}")


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"id: not a database\n" * 100, "is not a SQLite database (file is not a database)"),
        (b"", "is not a powerreg catalog of version 3 (user_version 0, not 3; no table "),
        (b"SQLite format 3\x00" + b"\xff" * 200, "is not a SQLite database"),
    ],
    ids=["text", "empty", "a broken header"],
)
def test_a_file_named_db_that_is_no_catalog(tmp_path: Path, content: bytes, why: str) -> None:
    db = tmp_path / "x.db"
    db.write_bytes(content)
    with pytest.raises(UsageError) as info:
        powerreg.load(db)
    assert str(info.value).startswith(f"'{db}' {why}")
    code, err = validate(db)
    assert code == 2
    assert err.startswith(f"error: '{db}' {why}")


# ------------------------------------------------------------------ anything in a JSON column

JSONISH = st.one_of(
    st.text(max_size=40),
    st.lists(st.sampled_from(['"', "[", "]", "{", "}", ",", ":", "1", "null", "审", "\\"])).map(
        "".join
    ),
    st.just("[" * 100_000),  # nested past the JSON parser's recursion limit
    st.builds(json.dumps, st.lists(st.one_of(st.text(max_size=5), st.integers(), st.none()))),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSONISH)
def test_any_text_in_a_json_column_is_a_clean_error(pristine: Path, text: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        db = Path(shutil.copyfile(pristine, Path(d) / DB))
        conn = sqlite3.connect(db)
        conn.execute("UPDATE powers SET legal_basis = ? WHERE id = 'XK-001'", (text,))
        conn.commit()
        conn.close()
        try:
            powerreg.load(db)
        except RegistryError as err:
            for p in err.problems:
                assert len(p.as_line("en")) < 400
                assert len(p.as_line("en").splitlines()) == 1
        except PowerregError as err:  # pragma: no cover - a usage error would be a regression
            pytest.fail(f"not a row problem: {err}")


# ------------------------------------------------------------------ positions, ids, cross-row


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE steps SET source_line = 0, source_column = 0 WHERE id = 'CF-001/F1/S4'",
        "UPDATE steps SET source_line = NULL, source_column = NULL WHERE id = 'CF-001/F1/S4'",
        "UPDATE powers SET source_file = NULL WHERE id = 'CF-001'",
    ],
    ids=["zero", "NULL", "no file"],
)
def test_an_unknown_position_is_read(catalog: Path, sql: str) -> None:
    edit(catalog, sql)
    assert powerreg.load(catalog) == powerreg.load(EXAMPLE)


def test_an_org_chart_edited_names_the_rows_that_refer_to_it(catalog: Path) -> None:
    edit(catalog, """INSERT INTO units VALUES ('办公室', NULL, 'division', '["主任"]', 0)""")
    with pytest.raises(RegistryError) as info:
        powerreg.load(catalog)
    lines = [str(p) for p in info.value.problems]
    assert lines[:2] == [
        "catalog.db: E002 table powers, row CF-001: column division refers to the text "
        "'环境监察支队', which the catalog does not hold",
        "catalog.db: E002 table steps, row CF-001/F1/S2: column role refers to the text "
        "'环境监察支队', which the catalog does not hold",
    ]
    assert not [line for line in lines if "registry.yaml" in line or "Value error" in line]


def test_a_unit_named_as_a_post_and_a_post_twice(catalog: Path) -> None:
    edit(
        catalog,
        """UPDATE registry SET posts = '["局长", "局长"]'""",
        """INSERT INTO units VALUES ('局长', NULL, 'division', '["主任", "主任"]', 0)""",
    )
    with pytest.raises(RegistryError) as info:
        powerreg.load(catalog)
    assert [str(p) for p in info.value.problems][:3] == [
        "catalog.db: E002 table registry, row example-epb: column posts must be a JSON list "
        "naming each post once, not a list naming '局长' twice",
        "catalog.db: E002 table units, row 局长: column name must be a name that no post of "
        "the department has (table registry, column posts), not the text '局长'",
        "catalog.db: E002 table units, row 局长: column posts must be a JSON list naming each "
        "post once, not a list naming '主任' twice",
    ]


def test_a_rollup_catalog_is_named_as_one(tmp_path: Path) -> None:
    db = tmp_path / "ru.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE departments (id TEXT, path TEXT, position INTEGER)")
    conn.execute("CREATE TABLE registries (department TEXT)")
    conn.execute("INSERT INTO departments VALUES ('SEPD', 'members/sepd', 0), ('XX', 'x', 1)")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    message = (
        f"'{db}' is the combined catalog of a roll-up (2 departments: SEPD, XX), which is "
        "not read as one registry; give the roll-up's rollup.yaml instead, or one member's "
        "registry (such as members/sepd in the roll-up's folder)"
    )
    with pytest.raises(UsageError) as info:
        powerreg.load(db)
    assert str(info.value) == message
    code, err = validate(db)
    assert code == 2
    assert err == f"error: {message}\n"
