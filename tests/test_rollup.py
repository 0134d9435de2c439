"""A province's registries in one (issue 19): rollup.yaml, the five commands on a roll-up,
the cross-department rules A501–A504, the combined catalog and site, synth --departments."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from powerreg import export_sqlite, load
from powerreg.audit import Policy
from powerreg.audit.rulebook import CHECKS
from powerreg.cli import main
from powerreg.codes import CODES
from powerreg.errors import RegistryError, UsageError
from powerreg.rollup import (
    CROSS_CHECKS,
    Department,
    DepartmentLevel,
    audit,
    export,
    find_rollup,
    read_rollup,
    site,
    validate,
    worker,
)
from powerreg.rollup.worker import MemberTask, worker_count
from powerreg.synth import write_province

from .conftest import EXAMPLE, META, dump, power_data, wait_until
from .test_catalog import schema_text

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden" / "rollup_catalog_schema.sql"

Make = Callable[..., Path]


def measures(p: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = p["risk_points"][0]["countermeasures"]
    return out


def write_member(root: Path, powers: list[dict[str, Any]], department: str = "测试局") -> None:
    """A registry directory of the given powers (conftest's factories)."""
    (root / "powers").mkdir(parents=True)
    (root / "registry.yaml").write_text(
        dump({**META, "id": root.name.lower(), "department": department}), "utf-8"
    )
    for p in powers:
        (root / "powers" / f"{p['id']}.yaml").write_text(dump(p), "utf-8")


@pytest.fixture
def make_rollup(tmp_path: Path) -> Make:
    """``make_rollup({"A": ("city", [power, …]), …}, regions={...})``: a roll-up of
    members written from power dicts (a ``str`` value copies that directory instead),
    in the dict's order; returns the roll-up's folder."""

    def make(
        members: dict[str, tuple[str, list[dict[str, Any]] | str]],
        *,
        regions: dict[str, str] | None = None,
        name: str = "province",
    ) -> Path:
        root = tmp_path / name
        lines = ["title: 测试省汇总", "departments:"]
        for did, (level, content) in members.items():
            path = root / "members" / did.lower()
            if isinstance(content, str):
                shutil.copytree(content, path)
            else:
                write_member(path, content, department=f"{did}局")
            region = f", region: {regions[did]}" if regions and did in regions else ""
            lines.append(
                f"  - {{id: {did}, name: {did}局, level: {level}, path: members/{did.lower()}"
                f"{region}}}"
            )
        root.mkdir(exist_ok=True)
        (root / "rollup.yaml").write_text("\n".join(lines) + "\n", "utf-8")
        return root

    return make


def cross(report: Any) -> list[tuple[str, str]]:
    return [(f.code, f.entity) for f in report.cross]


# ----------------------------------------------------------------------------- rollup.yaml


def write_yaml(tmp_path: Path, text: str) -> Path:
    (tmp_path / "a" / "powers").mkdir(parents=True, exist_ok=True)
    f = tmp_path / "rollup.yaml"
    f.write_text(text, "utf-8")
    return f


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # an unknown key, with a did-you-mean
            "title: t\ndepartments:\n  - {id: A, name: n, level: city, path: a, regoin: r}\n",
            [("E002", 3, "unknown field 'regoin'; did you mean 'region'?")],
        ),
        (  # a department without a path
            "title: t\ndepartments:\n  - id: A\n    name: n\n    level: city\n",
            [("E002", 3, "missing required field 'path'; add it")],
        ),
        (  # a path outside the roll-up's folder
            "title: t\ndepartments:\n  - {id: A, name: n, level: city, path: ../elsewhere}\n",
            [("E002", 3, "path '../elsewhere' leads outside the roll-up's folder")],
        ),
        (  # an absolute path
            "title: t\ndepartments:\n  - {id: A, name: n, level: city, path: /etc}\n",
            [("E002", 3, "path '/etc' is absolute")],
        ),
        (  # one id twice
            "title: t\ndepartments:\n  - {id: A, name: n, level: city, path: a}\n"
            "  - {id: A, name: m, level: county, path: b}\n",
            [("E003", 4, "department id 'A' is also on line 3")],
        ),
        (  # one path twice
            "title: t\ndepartments:\n  - {id: A, name: n, level: city, path: a}\n"
            "  - {id: B, name: m, level: county, path: ./a}\n",
            [("E003", 4, "path './a' is also the path of department A (line 3)")],
        ),
        (  # a level that is none
            "title: t\ndepartments:\n  - {id: A, name: n, level: 乡级, path: a}\n",
            [("E002", 3, "unknown department level '乡级'; use one of province")],
        ),
        (  # no title, no departments
            "departments: []\n",
            [
                ("E002", 1, "missing required field 'title'"),
                ("E002", 1, "'departments' needs at least 1 item(s)"),
            ],
        ),
        (  # a bad id and a YAML slip on another line are both found (the slip first)
            "title: t\ndepartments:\n  - {id: 'A B', name: n, level: city, path: a}\n",
            [("E002", 3, "bad id 'A B' in 'id'")],
        ),
        ("title: [t\n", [("E001", 2, "YAML syntax")]),
        ("- just\n- a list\n", [("E002", 1, "the file must hold a mapping of fields")]),
    ],
)
def test_rollup_file_problems_are_located(
    tmp_path: Path, text: str, expected: list[tuple[str, int, str]]
) -> None:
    f = write_yaml(tmp_path, text)
    with pytest.raises(RegistryError) as err:
        read_rollup(f)
    got = [(p.code, p.line, p.message("en")) for p in err.value.problems]
    assert [(c, ln) for c, ln, _ in got] == [(c, ln) for c, ln, _ in expected]
    for (_, _, message), (_, _, start) in zip(got, expected, strict=True):
        assert message.startswith(start), message
    assert all(p.file == "rollup.yaml" for p in err.value.problems)
    # the command line says the same, at the same place, and exits 1
    res = CliRunner().invoke(main, ["validate", str(f), "--lang", "en"])
    assert res.exit_code == 1
    assert f"rollup.yaml:{expected[0][1]}:" in res.output


def test_rollup_file_in_chinese(tmp_path: Path) -> None:
    f = write_yaml(tmp_path, "title: t\ndepartments:\n  - {id: A, name: n, level: 乡, path: ..}\n")
    res = CliRunner().invoke(main, ["audit", str(f), "--lang", "zh"])
    assert res.exit_code == 1
    assert "部门层级 的取值 乡 不在可选范围" in res.output
    assert "指向汇总目录之外" in res.output


def test_levels_accept_chinese_words(tmp_path: Path) -> None:
    f = write_yaml(
        tmp_path,
        "title: t\ndepartments:\n  - {id: A, name: n, level: 省级, path: a}\n"
        "  - {id: B, name: m, level: 县, path: a/powers, region: 乙县}\n",
    )
    r = read_rollup(f)
    assert [(d.level.value, d.region, d.line) for d in r.departments] == [
        ("province", None, 3),
        ("county", "乙县", 4),
    ]


def test_what_is_a_rollup(tmp_path: Path, make_rollup: Make) -> None:
    root = make_rollup({"A": ("city", str(EXAMPLE))})
    assert find_rollup(root) == root / "rollup.yaml"
    assert find_rollup(root / "rollup.yaml") == root / "rollup.yaml"
    assert find_rollup(EXAMPLE) is None  # a registry directory
    other = tmp_path / "province-2011.yaml"
    other.write_text("title: t\n", "utf-8")
    assert find_rollup(other) is None
    other.write_text("title: t\ndepartments: []\n", "utf-8")
    assert find_rollup(other) == other  # a YAML file with departments: is one
    assert find_rollup(EXAMPLE / "registry.yaml") is None
    assert find_rollup(EXAMPLE / "powers" / "XK-001.yaml") is None
    (root / "registry.yaml").write_text("id: x\n", "utf-8")
    assert find_rollup(root) is None  # a directory with registry.yaml is a registry


# ----------------------------------------------------------------------------- the rules


def test_every_audit_code_has_one_check_across_the_rulebooks() -> None:
    codes = sorted(c for c in CODES if c.startswith("A"))
    assert sorted([*CHECKS, *CROSS_CHECKS]) == codes
    assert not set(CHECKS) & set(CROSS_CHECKS)
    assert sorted(CROSS_CHECKS) == ["A501", "A502", "A503", "A504"]


def test_readme_lists_the_cross_department_rules() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code in CROSS_CHECKS:
        c = CODES[code]
        assert f"| {code} | {c.severity} | {c.title['en']} |" in readme


def test_a501_same_power_same_level(make_rollup: Make) -> None:
    p = power_data()
    other = power_data(legal_basis=["《环境影响评价法》 第二十二条"])  # written differently
    root = make_rollup(
        {"A": ("city", [p]), "B": ("city", [other]), "C": ("county", [p])},
    )
    report = audit(root, lang="en", workers=0)
    assert cross(report) == [("A501", "A:XK-001")]
    [f] = report.cross
    assert f.where == "members/a/powers/XK-001.yaml:1:5"
    assert f.params["others"] == "B:XK-001"
    assert "same level (city)" in f.message("en")
    assert "同级（市级）的 B:XK-001（B局）" in f.message("zh")


def test_a501_regions_tell_peers_apart(make_rollup: Make) -> None:
    p = power_data()
    members = {"A": ("city", [p]), "B": ("city", [p]), "C": ("city", [p])}
    root = make_rollup(members, regions={"A": "甲市", "B": "乙市", "C": "甲市"})
    report = audit(root, lang="en", workers=0)
    assert cross(report) == [("A501", "A:XK-001")]
    assert report.cross[0].params["others"] == "C:XK-001"
    assert "city, 甲市" in report.cross[0].message("en")


def test_a502_limits_and_categories(make_rollup: Make) -> None:
    p = power_data()
    longer = power_data(statutory_days=60)
    moved = power_data("XK-002", category="CF", name="建设项目环境影响报告表审批")
    moved["id"] = "CF-009"
    no_limit = power_data()
    del no_limit["statutory_days"]
    root = make_rollup(
        {
            "A": ("province", [p]),
            "B": ("city", [longer]),
            "C": ("county", [moved]),
            "D": ("county", [no_limit]),  # states no limit: not compared on it
        },
        regions={"C": "丙县", "D": "丁县"},
    )
    report = audit(root, lang="en", workers=0)
    assert cross(report) == [("A502", "A:XK-001"), ("A502", "A:XK-001")]
    limits, categories = report.cross
    assert limits.params["values"] == ("30 个工作日: A:XK-001, C:CF-009; 60 个工作日: B:XK-001")
    assert "statutory limits" in limits.message("en")
    assert categories.params["values"] == (
        "行政许可: A:XK-001, B:XK-001, D:XK-001; 行政处罚: C:CF-009"
    )
    assert "职权类别不同" in categories.message("zh")


def test_a502_needs_two_departments(make_rollup: Make) -> None:
    a, b = power_data(), power_data("XK-002", statutory_days=60)
    root = make_rollup({"A": ("city", [a, b]), "B": ("county", [power_data("XK-003")])})
    # A holds the same power twice with two limits: its own matter, not across departments
    assert [f.code for f in audit(root, lang="en", workers=0).cross] == ["A502"]
    root2 = make_rollup({"A": ("city", [a, b])}, name="one")
    assert audit(root2, lang="en", workers=0).cross == []


def unwatched(pid: str) -> dict[str, Any]:
    p = power_data(pid, name=f"事项{pid}")
    for m in measures(p):
        if m["kind"] == "supervision":
            m["kind"] = "institution"
    return p


def test_a503_coverage_gap_and_policy(make_rollup: Make, tmp_path: Path) -> None:
    def watched(pid: str, tag: str) -> dict[str, Any]:
        return power_data(pid, name=f"{tag}事项{pid}")

    root = make_rollup(
        {
            "A": ("city", [watched("XK-001", "A"), watched("XK-002", "A")]),
            "B": ("city", [watched("XK-001", "B"), unwatched("XK-002")]),  # 50%
            "C": ("county", [unwatched("XK-001"), unwatched("XK-003")]),  # 0%
            "D": ("county", [watched("XK-001", "D")]),
        }
    )
    report = audit(root, lang="en", workers=0)
    assert cross(report) == [("A503", "B"), ("A503", "C")]
    b = report.cross[0]
    assert (b.file, b.line) == ("rollup.yaml", 4)
    assert b.params == {
        "name": "B局",
        "covered": 1,
        "high": 2,
        "share": "50%",
        "peers": "100%",
        "n": 3,
    }
    # the ranking: least covered first
    assert [r.id for r in sorted(report.departments, key=lambda r: r.coverage or 0)][:2] == [
        "C",
        "B",
    ]
    md = report.to_markdown("en")
    table = md.split("## Departments by coverage")[1].split("## Cross-department")[0]
    assert [line.split("|")[2].split()[0] for line in table.splitlines() if line.startswith("| ")][
        1:
    ] == ["C", "B", "A", "D"]
    # policy: a wider gap spares B; off turns the rule off; another severity fails the audit
    assert cross(audit(root, Policy(peer_coverage_gap=0.6), lang="en", workers=0)) == [
        ("A503", "C")
    ]
    assert audit(root, Policy(severities={"A503": "off"}), workers=0).cross == []
    strict = audit(root, Policy(severities={"A503": "error"}), workers=0)
    assert strict.fails("error")
    assert not report.fails("error")
    policy = tmp_path / "policy.yaml"
    policy.write_text("severities: {A503: error}\npeer_coverage_gap: 0.6\n", "utf-8")
    res = CliRunner().invoke(main, ["audit", str(root), "--policy", str(policy), "--lang", "en"])
    assert res.exit_code == 1
    assert res.output.count(" A503 error ") == 1


def test_a504_member_that_does_not_load(make_rollup: Make, tmp_path: Path) -> None:
    bad = power_data()
    bad["flowcharts"][0]["steps"][1]["kind"] = "judge"
    root = make_rollup(
        {"A": ("city", str(EXAMPLE)), "B": ("county", [bad]), "C": ("county", [power_data()])}
    )
    (root / "rollup.yaml").write_text(
        (root / "rollup.yaml").read_text("utf-8")
        + "  - {id: D, name: 丁局, level: county, path: members/missing}\n",
        "utf-8",
    )
    report = audit(root, lang="en", workers=0)
    assert cross(report) == [("A504", "B"), ("A504", "D")]
    assert report.not_loaded == ["B", "D"]
    # every problem names the member's file and line
    assert [(p.code, p.where, p.entity) for p in report.problems] == [
        ("E002", "members/b/powers/XK-001.yaml:19:11", "B:XK-001/F1/S2"),
        ("E007", "members/missing", "D"),
    ]
    assert report.cross[0].where == "rollup.yaml:4:44"
    assert "the first at members/b/powers/XK-001.yaml:19:11: E002" in report.cross[0].message("en")
    assert report.fails("error")
    # the others are still audited
    assert [r.id for r in report.departments if r.loaded] == ["A", "C"]
    assert [f.entity for f in report.findings or []] == ["A:CF-001/F1/S4"]
    assert [(r.id, r.powers, r.by_severity["info"]) for r in report.departments] == [
        ("A", 2, 1),
        ("B", 0, 0),
        ("C", 1, 0),
        ("D", 0, 0),
    ]


@pytest.mark.parametrize("command", ["validate", "audit", "build"])
def test_a504_a_member_whose_path_is_a_link_to_itself(
    make_rollup: Make, tmp_path: Path, command: str
) -> None:
    """A link that leads to itself is a member that does not load, as a missing one is:
    reported at its path, the others built, never a traceback."""
    root = make_rollup({"A": ("city", str(EXAMPLE))})
    loop = root / "members" / "loop"
    loop.symlink_to(loop)
    (root / "rollup.yaml").write_text(
        (root / "rollup.yaml").read_text("utf-8")
        + "  - {id: L, name: 环局, level: county, path: members/loop}\n",
        "utf-8",
    )
    args = [command, str(root), "--lang", "en"]
    if command == "build":
        args += ["-o", str(tmp_path / "out")]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 1, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert "Traceback" not in res.output
    said = res.stdout + res.stderr
    assert any(
        shown in said
        for shown in ("members/loop: E007", "FAILED: L (环局) does not load", "left out: L")
    ), said
    if command == "build":
        assert (tmp_path / "out" / "departments" / "A" / "catalog.db").is_file()


def test_a504_a_member_that_is_a_rollup_itself(make_rollup: Make) -> None:
    """Said so, not that its registry.yaml is missing (and then 'run validate', which a
    roll-up passes)."""
    inner = make_rollup({"A": ("city", str(EXAMPLE))}, name="inner")
    root = make_rollup({"B": ("county", str(EXAMPLE))})
    shutil.copytree(inner, root / "members" / "inner")
    (root / "rollup.yaml").write_text(
        (root / "rollup.yaml").read_text("utf-8")
        + "  - {id: IN, name: 内层, level: city, path: members/inner}\n",
        "utf-8",
    )
    report = audit(root, lang="en", workers=0)
    assert report.not_loaded == ["IN"]
    [p] = report.problems
    assert (p.code, p.file) == ("E007", "members/inner/rollup.yaml")
    assert p.message("en").startswith("'members/inner' is a roll-up itself (it holds rollup.yaml)")


# ----------------------------------------------------------------------------- commands


@pytest.fixture
def province(make_rollup: Make) -> Path:
    """Three departments: A a copy of the example, B the example with XK-001 given 60
    working days (A502), C whose registry does not load (A504)."""
    root = make_rollup({"A": ("city", str(EXAMPLE)), "B": ("county", str(EXAMPLE))})
    xk = root / "members" / "b" / "powers" / "XK-001.yaml"
    xk.write_text(xk.read_text("utf-8").replace("statutory_limit: 30", "statutory_limit: 60"))
    (root / "members" / "c").mkdir()
    (root / "rollup.yaml").write_text(
        (root / "rollup.yaml").read_text("utf-8")
        + "  - {id: C, name: 丙局, level: county, path: members/c}\n",
        "utf-8",
    )
    return root


def test_validate(province: Path) -> None:
    result = validate(province, workers=0)
    assert [(r.id, r.loaded, r.powers) for r in result.departments] == [
        ("A", True, 2),
        ("B", True, 2),
        ("C", False, 0),
    ]
    assert not result.ok
    assert [p.where for p in result.problems] == ["members/c/powers/", "members/c/registry.yaml"]
    res = CliRunner().invoke(main, ["validate", str(province), "--lang", "en"])  # in workers
    assert res.exit_code == 1
    assert res.stdout.splitlines() == [
        "ok: A (A局): 2 powers, 2 flowcharts, 4 risk points, 11 countermeasures",
        "ok: B (B局): 2 powers, 2 flowcharts, 4 risk points, 11 countermeasures",
        "测试省汇总: 2 of 3 departments load; 梳理出4项行政权力，查找出8个廉政风险点，"
        "绘制权力运行流程图4张，制定防范措施22条",
    ]
    assert "FAILED: C (丙局) does not load: 2 problems in members/c" in res.stderr
    as_json = CliRunner().invoke(main, ["validate", str(province), "--format", "json"])
    data = json.loads(as_json.stdout)
    assert [p["file"] for p in data["problems"]] == ["members/c/powers/", "members/c/registry.yaml"]
    sarif = CliRunner().invoke(main, ["validate", str(province), "--format", "sarif"])
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in json.loads(sarif.stdout)["runs"][0]["results"]
    }
    assert all(u.endswith(("members/c/powers", "members/c/registry.yaml")) for u in uris), uris


def test_audit_formats(province: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(main, ["audit", str(province), "--lang", "en"])
    assert res.exit_code == 1  # A504 is an error
    lines = res.stdout.splitlines()
    assert (
        lines[-1]
        == "FAILED: 1 error, 1 warning, 2 infos in 测试省汇总 (3 departments, 1 not loaded)"
    )
    assert (
        "members/a/powers/XK-001.yaml:1:5: A502 warning A:XK-001 (建设项目环境影响报告表审批)"
        in res.stdout
    )
    assert "members/b/powers/CF-001.yaml:18: A307 info decision B:CF-001/F1/S4" in res.stdout
    md = runner.invoke(main, ["audit", str(province), "--format", "markdown", "--lang", "en"])
    assert "## Departments by coverage" in md.stdout
    assert "| – | C 丙局 | county | – | – | – | **does not load** | – | – |" in md.stdout
    assert "## Departments that do not load" in md.stdout
    data = json.loads(runner.invoke(main, ["audit", str(province), "--format", "json"]).stdout)
    assert data["summary"]["by_code"] == {"A307": 2, "A502": 1, "A504": 1}
    assert data["summary"]["not_loaded"] == ["C"]
    sarif = json.loads(runner.invoke(main, ["audit", str(province), "--format", "sarif"]).stdout)
    rules = [r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]]
    assert {"A501", "A504", "A101", "E007"} <= set(rules)
    never = runner.invoke(main, ["audit", str(province), "--fail-on", "never"])
    assert never.exit_code == 0


def test_export_combined_catalog(province: Path, tmp_path: Path) -> None:
    out = tmp_path / "province.db"
    result = export(province, out, lang="en", workers=0)
    assert result.totals.powers == 4
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("province.")) == [
        "province.db",
        "province.metadata.json",
    ]
    with closing(sqlite3.connect(out)) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"departments", "registries", "powers", "steps", "findings", "_metadata"} <= tables
        assert db.execute(
            "SELECT id, level, loaded, powers, coverage FROM departments"
        ).fetchall() == [
            ("A", "city", 1, 2, 1.0),
            ("B", "county", 1, 2, 1.0),
            ("C", "county", 0, None, None),
        ]
        # the department on every row, and in every global id
        for t in ("registries", "categories", "powers", "flowcharts", "steps", "transitions"):
            assert db.execute(f"SELECT count(*) FROM {t} WHERE department IS NULL").fetchone() == (
                0,
            )
        assert db.execute(
            "SELECT id, flowchart_id, department FROM steps ORDER BY rowid LIMIT 1"
        ).fetchone() == ("A:CF-001/F1/S1", "A:CF-001/F1", "A")
        assert db.execute("SELECT source_file FROM powers WHERE id = 'B:XK-001'").fetchone() == (
            "members/b/powers/XK-001.yaml",
        )
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert db.execute(
            "SELECT code, department, entity, file, line FROM findings ORDER BY id"
        ).fetchall() == [
            ("A307", "A", "A:CF-001/F1/S4", "members/a/powers/CF-001.yaml", 18),
            ("A307", "B", "B:CF-001/F1/S4", "members/b/powers/CF-001.yaml", 18),
            ("E007", "C", "C", "members/c/powers/", None),
            ("E007", "C", "C", "members/c/registry.yaml", None),
            ("A502", "A", "A:XK-001", "members/a/powers/XK-001.yaml", 1),
            ("A504", "C", "C", "rollup.yaml", 5),
        ]
        # views and the search index work across departments
        assert db.execute(
            "SELECT department, count(*) FROM risk_coverage GROUP BY department"
        ).fetchall() == [("A", 4), ("B", 4)]
        assert db.execute("SELECT count(*) FROM power_overview").fetchone() == (4,)
        # each department's rows of the views are those of its own catalog, id for id
        own = export_sqlite(load(EXAMPLE), tmp_path / "a.db")
        with closing(sqlite3.connect(own)) as alone:
            for view in ("risk_coverage", "power_overview"):
                mine = [
                    tuple(re.sub(r"^A:", "", v) if isinstance(v, str) else v for v in row[1:])
                    for row in db.execute(f"SELECT * FROM {view} WHERE department = 'A'")
                ]
                assert mine == alone.execute(f"SELECT * FROM {view}").fetchall(), view
        hits = db.execute(
            "SELECT p.id FROM powers_fts f JOIN powers p ON p.rowid = f.rowid "
            "WHERE powers_fts MATCH '审批' ORDER BY p.id"
        ).fetchall()
        assert hits == [("A:XK-001",), ("B:XK-001",)]
    meta = json.loads((tmp_path / "province.metadata.json").read_text("utf-8"))
    assert meta["databases"]["province"]["tables"]["powers"]["facets"] == ["department", "category"]
    # a second export replaces it; a file that is not a roll-up catalog is refused
    export(province, out, workers=0)
    notes = tmp_path / "notes.db"
    notes.write_text("mine", "utf-8")
    res = CliRunner().invoke(main, ["export", str(province), "-o", str(notes), "--lang", "en"])
    assert res.exit_code == 2
    assert "is not a roll-up catalog written by powerreg" in res.output
    inside = province / "members" / "a" / "out.db"
    res = CliRunner().invoke(main, ["export", str(province), "-o", str(inside)])
    assert res.exit_code == 2
    assert "inside the registry of department A" in res.output


def test_combined_schema_matches_the_golden_file(province: Path, tmp_path: Path) -> None:
    """The roll-up catalog's schema follows the registry catalog's (tables.py): a change
    there shows here too, to be reviewed."""
    export(province, tmp_path / "p.db", workers=0)
    text = schema_text(tmp_path / "p.db")
    if os.environ.get("POWERREG_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8"), (
        "the roll-up catalog's schema changed; if intended, regenerate the golden file with "
        f"POWERREG_UPDATE_GOLDEN=1 pytest {__file__} and review the diff"
    )


def test_site_pages(province: Path, tmp_path: Path) -> None:
    hostile = province / "members" / "a" / "registry.yaml"
    hostile.write_text(
        hostile.read_text("utf-8").replace("示例市环境保护局", "示例<script>alert(1)</script>局"),
        "utf-8",
    )
    out = tmp_path / "site"
    result = site(province, out, workers=0)
    assert result.published == ["A", "B"]
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        ".powerreg-site.json",
        "about.html",
        "departments",
        "findings.html",
        "index.html",
        "static",
    ]
    assert (out / "departments" / "A" / "powers" / "XK-001.html").is_file()
    index = (out / "index.html").read_text("utf-8")
    assert '<a href="departments/A/index.html">A局</a>' in index
    # each department's findings: A's own A502, B named in it, C's A504
    assert [int(n) for n in re.findall(r'<a href="findings.html#[ABC]">(\d+)</a>', index)] == [
        1,
        1,
        1,
    ]
    assert '<span id="B"></span>' in (out / "findings.html").read_text("utf-8")
    assert '丙局 <span class="muted">C</span> <span class="tag">未能载入</span>' in index
    findings = (out / "findings.html").read_text("utf-8")
    assert "A502 同一设定依据在不同部门的法定时限或职权类别不同" in findings
    assert '<a href="departments/A/powers/XK-001.html">查看事项</a>' in findings
    # every link of the roll-up's own pages leads to a file of the site
    for page in ("index.html", "findings.html", "about.html"):
        html = (out / page).read_text("utf-8")
        for href in re.findall(r'href="([^"#]+)', html):
            assert (out / href).is_file(), (page, href)
    member_page = (out / "departments" / "A" / "index.html").read_text("utf-8")
    assert "<script>alert" not in member_page
    assert "&lt;script&gt;" in member_page
    res = CliRunner().invoke(main, ["site", str(province), "-o", str(out), "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert "the sites of 2 of 3 departments under departments/" in res.output


def test_build(province: Path, tmp_path: Path, handed_to_remover: list[Path]) -> None:
    out = tmp_path / "build"
    res = CliRunner().invoke(main, ["build", str(province), "-o", str(out), "--lang", "en"])
    assert res.exit_code == 1, res.output  # A504: the audit fails, the output is written
    assert "one department does not stop the province" in res.stderr
    assert "audit: FAILED — 1 errors, 1 warnings, 2 infos" in res.stdout
    assert sorted(p.name for p in out.iterdir()) == [
        ".powerreg-build.json",
        "audit.json",
        "audit.md",
        "catalog.db",
        "departments",
        "metadata.json",
        "site",
    ]
    # each member's part is its own build; its site moved under the roll-up's site
    assert sorted(p.name for p in (out / "departments" / "A").iterdir()) == [
        ".powerreg-build.json",
        "audit.json",
        "audit.md",
        "catalog.db",
        "diagrams",
        "metadata.json",
    ]
    assert (out / "site" / "departments" / "B" / "powers" / "CF-001.html").is_file()
    assert (out / "site" / "findings.html").is_file()
    audit_md = (out / "audit.md").read_text("utf-8")
    assert "## Departments by coverage" in audit_md
    with closing(sqlite3.connect(out / "catalog.db")) as db:
        assert db.execute("SELECT count(*) FROM powers").fetchone() == (4,)
        assert db.execute("SELECT count(*) FROM findings WHERE code = 'A504'").fetchone() == (1,)
    marker = json.loads((out / ".powerreg-build.json").read_text("utf-8"))
    assert marker["not_loaded"] == ["C"]
    assert marker["workers"] == 2
    # fixed, the next build replaces the output and passes; the previous output is handed
    # to a process of its own to remove, which the build does not wait for
    shutil.rmtree(province / "members" / "c")
    shutil.copytree(EXAMPLE, province / "members" / "c")
    again = CliRunner().invoke(
        main, ["build", str(province), "-o", str(out), "--format", "json", "--lang", "en"]
    )
    assert again.exit_code == 0, again.output
    summary = json.loads(again.stdout)
    assert summary["not_loaded"] == []
    assert summary["totals"]["powers"] == 6
    assert [p.parent for p in handed_to_remover] == [tmp_path]
    assert wait_until(lambda: not [p for p in tmp_path.iterdir() if p.name.startswith(".build.")])
    # a directory that is not a build output is refused, and left as it was
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep", "utf-8")
    res = CliRunner().invoke(main, ["build", str(province), "-o", str(mine)])
    assert res.exit_code == 2
    assert (mine / "notes.txt").read_text("utf-8") == "keep"
    res = CliRunner().invoke(main, ["build", str(province), "-o", str(province)])
    assert res.exit_code == 2
    assert "holds the roll-up being read" in res.output


def test_workers_are_replaced_and_outcomes_come_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pool is let go after TASKS_PER_CHILD members a worker and the next one takes over
    (not max_tasks_per_child, which deadlocks on Python 3.11: CPython gh-115634)."""
    monkeypatch.setattr(worker, "TASKS_PER_CHILD", 1)
    tasks = [
        worker.MemberTask(Department(f"D{i}", "局", DepartmentLevel.CITY, "m"), str(EXAMPLE))
        for i in range(7)
    ]
    outcomes = list(worker.run_members(tasks, workers=2))
    assert [o.department for o in outcomes] == [f"D{i}" for i in range(7)]
    assert all(o.stats is not None and o.stats.powers == 2 for o in outcomes)
    assert len({o.pid for o in outcomes}) >= 4  # pools of two workers, one member each


def inline_pool(on_start: Callable[[Any], None]) -> type:
    """A stand-in for ProcessPoolExecutor that runs each item at once, in this process;
    ``on_start`` is given each pool's initializer as the pool starts."""
    from concurrent.futures import Future

    class Pool:
        def __init__(self, max_workers: int, mp_context: Any, initializer: Any = None) -> None:
            on_start(initializer)

        def submit(self, fn: Callable[[Any], Any], item: Any) -> Future[Any]:
            future: Future[Any] = Future()
            future.set_result(fn(item))
            return future

        def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
            pass

    return Pool


def test_at_most_two_pools_run_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The next pool starts only on the newest pool's tail: a province of 500 members
    once had nine pools, 18 member builds, running at once (an older pool's last items,
    given while the newest ran, each started another pool). Pools here run their items
    at once, in this process: what is checked is when each pool is started."""
    given: list[int] = []  # the items given back so far
    started: list[int] = []  # how many items had been given back when each pool started
    monkeypatch.setattr(
        worker, "ProcessPoolExecutor", inline_pool(lambda _: started.append(len(given)))
    )
    for item in worker.in_pools(abs, list(range(12)), 2, None, 1):
        given.append(item)
    assert given == list(range(12))
    # pools of two items: the next starts as the newest gives its first, never earlier
    assert started == [0, 0, 2, 4, 6, 8]


def test_a_worker_keeps_its_member_to_one_core() -> None:
    """In a worker process (not in this one) POWERREG_PARALLEL is 0, so a member's build
    starts no helper process and one dot: the other worker has the other core."""
    import multiprocessing

    ctx = multiprocessing.get_context("forkserver")
    got = list(
        worker.in_pools(os.getenv, ["POWERREG_PARALLEL"], 1, ctx, 1, initializer=worker.one_core)
    )
    assert got == ["0"]
    assert os.environ.get("POWERREG_PARALLEL") != "0"  # this process is untouched


def test_run_members_starts_its_workers_on_one_core(monkeypatch: pytest.MonkeyPatch) -> None:
    initializers: list[Any] = []
    monkeypatch.setattr(worker, "ProcessPoolExecutor", inline_pool(initializers.append))
    d = Department("A", "甲局", DepartmentLevel.CITY, "members/a")
    tasks = [MemberTask(d, str(EXAMPLE), audit=True)] * 2
    assert [o.stats.powers for o in worker.run_members(tasks, workers=2) if o.stats] == [2, 2]
    assert initializers == [worker.one_core]


# ----------------------------------------------------------------------------- synth


def test_synth_departments_plants_exactly_what_is_found(tmp_path: Path) -> None:
    res = CliRunner().invoke(
        main, ["synth", "240", "--departments", "12", "-o", str(tmp_path / "p"), "--lang", "en"]
    )
    assert res.exit_code == 0, res.output
    planted = json.loads((tmp_path / "p" / "planted.json").read_text("utf-8"))
    want = sorted((p["code"], p["entity"]) for p in planted["planted"])
    assert [c for c, _ in want] == ["A501", "A501", "A502", "A502", "A503"]
    report = audit(tmp_path / "p", lang="en", workers=0)
    assert sorted(cross(report)) == want
    assert report.by_severity["error"] == 0
    rollup = read_rollup(tmp_path / "p")
    assert len(rollup.departments) == 12
    assert sum(r.powers for r in report.departments) == 240 + 4  # the planted copies


def test_write_province_refuses_too_few(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="needs 3 departments or more"):
        write_province(tmp_path / "p", 100, 2)
    res = CliRunner().invoke(main, ["synth", "10", "--departments", "8", "-o", str(tmp_path / "q")])
    assert res.exit_code == 2
    assert "10 powers are too few for 8 departments" in res.output


def test_members_whose_outputs_cannot_be_written(make_rollup: Make, tmp_path: Path) -> None:
    twice = power_data()
    twice["flowcharts"][0]["transitions"].append("S1 -> S2")  # the catalog keys (S1, S2)
    withheld = power_data(disclosure={"public": False})  # A311: its site is refused
    root = make_rollup(
        {"A": ("city", str(EXAMPLE)), "B": ("county", [twice]), "C": ("county", [withheld])},
        regions={"B": "乙县", "C": "丙县"},
    )
    result = export(root, tmp_path / "p.db", workers=0)
    assert [(p.code, p.where) for p in result.report.problems] == [
        ("E003", "members/b/powers/XK-001.yaml:12:3")
    ]
    with closing(sqlite3.connect(tmp_path / "p.db")) as db:
        assert db.execute("SELECT DISTINCT department FROM powers").fetchall() == [("A",), ("C",)]
        assert db.execute("SELECT code FROM findings WHERE department = 'B'").fetchall() == [
            ("E003",)
        ]
    built = site(root, tmp_path / "site", workers=0)
    assert built.published == ["A"]
    assert [p.code for p in built.report.problems] == ["E003", "A311"]
    index = (tmp_path / "site" / "index.html").read_text("utf-8")
    assert "C局</a>" not in index
    assert '<span class="tag">未发布</span>' in index


def test_number_of_workers_follows_the_one_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POWERREG_WORKERS", raising=False)
    monkeypatch.delenv("POWERREG_PARALLEL", raising=False)
    assert worker_count() == 2
    assert worker_count(3) == 3
    monkeypatch.setenv("POWERREG_PARALLEL", "0")  # one process for everything
    assert worker_count() == 0
    monkeypatch.setenv("POWERREG_WORKERS", "1")  # the number, when given, wins
    assert worker_count() == 1
    monkeypatch.setenv("POWERREG_WORKERS", "two")
    with pytest.raises(UsageError, match="POWERREG_WORKERS='two'"):
        worker_count()


def test_a_member_is_audited_once_in_a_build(
    province: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A member's audit, made for the roll-up's summary, is its build's audit too."""
    from powerreg import mainjob
    from powerreg.rollup import worker

    monkeypatch.setenv("POWERREG_WORKERS", "0")  # the members in this process
    audited: list[str] = []
    real = worker.audit

    def counted(reg: Any, *args: Any, **kwargs: Any) -> Any:
        audited.append(reg.source_root)  # the members may share an id
        return real(reg, *args, **kwargs)

    monkeypatch.setattr(worker, "audit", counted)
    monkeypatch.setattr(mainjob, "audit", counted)
    out = tmp_path / "build"
    res = CliRunner().invoke(main, ["build", str(province), "-o", str(out), "--lang", "en"])
    assert res.exit_code == 1, res.output  # as test_build: A504 fails the audit
    assert len(audited) == 2  # A and B load (C does not), each audited once
    assert len(set(audited)) == 2
    for member in ("A", "B"):  # and each member's own audit report is written
        assert (out / "departments" / member / "audit.md").is_file()


def test_a_rebuild_draws_only_the_members_charts_that_changed(
    province: Path, tmp_path: Path
) -> None:
    """A member's charts unchanged since the last build are linked from it (the same file,
    not drawn again: the same inode), a changed one is drawn, ``--redraw`` draws all."""
    out = tmp_path / "build"

    def inodes() -> dict[str, int]:
        return {
            p.relative_to(out).as_posix(): p.stat().st_ino
            for p in sorted((out / "departments").rglob("*.svg"))
        }

    def run(*extra: str) -> None:
        res = CliRunner().invoke(main, ["build", str(province), "-o", str(out), *extra])
        assert res.exit_code == 1, res.output  # A504: member C does not load

    run()
    first = inodes()
    changed = "departments/B/diagrams/XK-001/F1.svg"
    assert changed in first
    assert "departments/A/diagrams/XK-001/F1.svg" in first
    xk = province / "members" / "b" / "powers" / "XK-001.yaml"
    text = xk.read_text("utf-8")
    assert "title: " in text
    xk.write_text(text.replace("title: ", "title: 改过的", 1), "utf-8")
    run()
    second = inodes()
    assert second.keys() == first.keys()
    redrawn = {k for k in first if second[k] != first[k]}
    # the chart that changed, and its category's overview sheet (it names the power)
    assert changed in redrawn
    assert all(k.startswith("departments/B/") for k in redrawn), redrawn
    assert "改过的".encode() in (out / changed).read_bytes()
    run("--redraw")
    third = inodes()
    assert not {k for k in second if third[k] == second[k]}


def test_a_catalog_member_is_named_as_its_catalog_keeps_its_files(tmp_path: Path) -> None:
    """A member given as a catalog (.db) has its findings at the files the catalog keeps,
    in the catalog (as diff names them); SARIF places them at the .db itself."""
    folder = tmp_path / "province"
    shutil.copytree(ROOT / "examples" / "rollup", folder)
    export_sqlite(load(folder / "members" / "sz-epb"), folder / "members" / "sz.db")
    spec = folder / "rollup.yaml"
    spec.write_text(
        spec.read_text("utf-8").replace("path: members/sz-epb", "path: members/sz.db"), "utf-8"
    )
    said = CliRunner().invoke(main, ["audit", str(folder), "--lang", "en"])
    assert said.exit_code == 0, said.output
    assert "powers/CF-001.yaml (in members/sz.db):18: A307 info" in said.output
    assert "members/sz.db/powers" not in said.output
    sarif = CliRunner().invoke(main, ["audit", str(folder), "--format", "sarif"])
    [a307] = [r for r in json.loads(sarif.stdout)["runs"][0]["results"] if r["ruleId"] == "A307"]
    at = a307["locations"][0]["physicalLocation"]
    assert Path(at["artifactLocation"]["uri"]).resolve() == folder / "members" / "sz.db"
    assert at["properties"] == {"file": "powers/CF-001.yaml", "line": 18, "column": 0}
