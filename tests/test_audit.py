"""The audit: one clean and one failing fixture per rule, policy, formats, CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import powerreg
from powerreg import Policy, Registry, audit
from powerreg.audit import RULES
from powerreg.cli import main

from .conftest import EXAMPLE, META, WriteRegistry, power_data

Mutation = Callable[[dict[str, Any]], None]


def steps(p: dict[str, Any]) -> list[dict[str, Any]]:
    return p["flowcharts"][0]["steps"]


def transitions(p: dict[str, Any]) -> list[Any]:
    return p["flowcharts"][0]["transitions"]


def measures(p: dict[str, Any]) -> list[dict[str, Any]]:
    return p["risk_points"][0]["countermeasures"]


def _set(**kw: Any) -> Mutation:
    return lambda p: p.update(kw)


CASES: list[tuple[str, Mutation, list[tuple[str, str]]]] = [
    (
        "A101",
        lambda p: (
            steps(p).append({"id": "S6", "kind": "start", "label": "另一开始"}),
            transitions(p).append("S6 -> S2"),
        ),
        [("A101", "XK-001/F1")],
    ),
    ("A102", lambda p: steps(p)[4].update(kind="task"), [("A102", "XK-001/F1")]),
    (
        "A103",
        lambda p: (
            steps(p).append({"id": "S6", "label": "孤立", "role": "r", "days": 1}),
            transitions(p).append("S6 -> S5"),
        ),
        [("A103", "XK-001/F1/S6")],
    ),
    (
        "A104",
        lambda p: (
            steps(p).append({"id": "S6", "label": "死路", "role": "r", "days": 1}),
            transitions(p).append({"from": "S2", "to": "S6", "when": "其他"}),
        ),
        [("A104", "XK-001/F1/S6")],
    ),
    ("A105", lambda p: transitions(p)[1].pop("when"), [("A105", "XK-001/F1/S2")]),
    ("A106", lambda p: transitions(p).append("S5 -> S2"), [("A106", "XK-001/F1/S5")]),
    ("A107", lambda p: steps(p)[2].update(label="流程环节待补"), [("A107", "XK-001/F1/S3")]),
    ("A201", _set(promised_days=40), [("A201", "XK-001")]),
    ("A202", lambda p: steps(p)[1].update(days=25), [("A202", "XK-001/F1")]),
    ("A203", _set(promised_days=25), [("A203", "XK-001")]),
    ("A204", _set(statutory_days="1 个月", promised_days=20), [("A204", "XK-001")]),
    ("A301", lambda p: measures(p).clear(), [("A301", "XK-001/R1")]),
    ("A302", lambda p: measures(p).pop(), [("A302", "XK-001/R1")]),
    ("A303", lambda p: measures(p)[1].update(kind="education"), [("A303", "XK-001/R1")]),
    ("A304", lambda p: [m.update(stage="during") for m in measures(p)], [("A304", "XK-001/R1")]),
    ("A305", _set(risk_points=[]), [("A305", "XK-001"), ("A307", "XK-001/F1/S2")]),
    ("A306", _set(flowcharts=[], risk_points=[]), [("A305", "XK-001"), ("A306", "XK-001")]),
    ("A307", lambda p: p["risk_points"][0].update(at="F1/S3"), [("A307", "XK-001/F1/S2")]),
    (
        "A308",
        lambda p: p["flowcharts"].append(
            {
                **p["flowcharts"][0],
                "id": "F2",
                "steps": [
                    {**s, "pauses_clock": True} if s["id"] == "S3" else s
                    for s in p["flowcharts"][0]["steps"]
                ],
            }
        ),
        [("A307", "XK-001/F2/S2"), ("A308", "XK-001/F1/S3")],  # a tie: the one that counts
    ),
    ("A309", lambda p: p["risk_points"][0].update(impact=1), [("A309", "XK-001/R1")]),
    ("A310", lambda p: p["risk_points"][0].pop("likelihood"), [("A310", "XK-001/R1")]),
    ("A311", _set(disclosure={"public": False}), [("A311", "XK-001")]),
    ("A401", _set(legal_basis=[]), [("A401", "XK-001")]),
    ("A402", lambda p: p.pop("name_en"), [("A402", "XK-001")]),
]


#: The registry of these tests assesses its risk points (A309, A310).
MATRIX = [["低", "低", "中"], ["低", "中", "高"], ["中", "高", "高"]]


def registry(power: dict[str, Any]) -> Registry:
    meta = {**META, "risk_matrix": MATRIX}
    return Registry.model_validate({**meta, "powers": {power["id"]: power}})


def found(reg: Registry, policy: Policy | None = None) -> list[tuple[str, str]]:
    return sorted((f.code, f.entity) for f in audit(reg, policy, lang="en").findings)


def test_every_rule_has_a_case() -> None:
    assert sorted(c[0] for c in CASES) == sorted(RULES)


def test_clean_fixture_has_no_finding() -> None:
    assert found(registry(power_data())) == []


@pytest.mark.parametrize(("mutate", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_rule_fires_exactly_where_it_should(
    mutate: Mutation, expected: list[tuple[str, str]]
) -> None:
    p = power_data()
    mutate(p)
    assert found(registry(p)) == sorted(expected)


def test_category_without_english_name() -> None:
    meta = {**META, "categories": [{"code": "XK", "name": "行政许可"}]}
    reg = Registry.model_validate({**meta, "powers": {"XK-001": power_data()}})
    assert found(reg) == [("A402", "XK")]


def test_findings_point_at_the_yaml_line(write_registry: WriteRegistry) -> None:
    p = power_data()
    transitions(p).append("S5 -> S2")
    p["risk_points"][0]["countermeasures"] = []
    root = write_registry({"XK-001": p})
    report = audit(powerreg.load(root), lang="en")
    text = (root / "powers" / "XK-001.yaml").read_text(encoding="utf-8").splitlines()
    where = {f.code: (f.file, f.line) for f in report.findings}
    assert where["A106"][0] == "powers/XK-001.yaml"
    assert text[where["A106"][1] - 1].strip() == "- S5 -> S2"
    assert text[where["A301"][1] - 1].strip() == "- id: R1"


def test_a_withheld_power_states_its_reason_at_the_disclosure_line(
    write_registry: WriteRegistry,
) -> None:
    reason = "涉及国家秘密，依《中华人民共和国保守国家秘密法》第九条不予公开"
    assert found(registry(power_data(disclosure={"public": False, "reason": reason}))) == []
    assert found(registry(power_data(disclosure={"public": True}))) == []
    root = write_registry({"XK-001": power_data(disclosure={"public": False})})
    report = audit(powerreg.load(root), lang="zh")
    (finding,) = report.findings
    assert (finding.code, finding.severity, report.ok) == ("A311", "error", False)
    text = (root / "powers" / "XK-001.yaml").read_text(encoding="utf-8").splitlines()
    assert text[finding.line - 1] == "disclosure:"
    assert "disclosure.reason" in finding.message("zh")
    assert "state the legal reason" in finding.message("en")


def test_policy_changes_severities_and_thresholds(tmp_path: Path) -> None:
    p = power_data()
    measures(p).pop()  # a high risk with 2 measures: A302 under the default of 3
    reg = registry(p)
    assert found(reg) == [("A302", "XK-001/R1")]
    assert found(reg, Policy(min_high_measures=2)) == []
    assert found(reg, Policy(severities={"A302": "off"})) == []
    report = audit(reg, Policy(severities={"A302": "error"}))
    assert (report.findings[0].severity, report.ok) == ("error", False)
    strict = Policy(promise_ratio="1/2")
    assert found(registry(power_data()), strict) == [("A203", "XK-001")]
    assert found(registry(power_data()), Policy(promise_ratio=0.7)) == []
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text("severities:\n  A302: off\nmin_high_measures: 5\n", encoding="utf-8")
    assert found(reg, Policy.from_file(policy_file)) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("severities: {A999: error}\n", "policy.yaml:1:13: severities: unknown rule(s) A999"),
        (
            "severities: {A301: fatal}\n",
            "policy.yaml:1:20: severities.A301: 'A301' must be 'error', 'warning', 'info' or 'off', not fatal",
        ),
        ("min_high_measures: -1\n", "policy.yaml:1:20: min_high_measures:"),
        ("promise_ratio: 3/2\n", "policy.yaml:1:16: promise_ratio: promise_ratio must be above 0"),
        ("thresholds: 1\n", "policy.yaml:1:1: thresholds: unknown key; a policy's keys are "),
        ("A307: off\n", "goes under severities, e.g. 'severities: {A307: off}'"),
        ("min_high_measure: 2\n", "(did you mean 'min_high_measures'?)"),
        ("a: [\n", "E001"),
        ("- A301\n", "policy.yaml:1:1: a policy file holds a mapping"),
    ],
)
def test_bad_policy_is_a_clear_usage_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(powerreg.UsageError) as info:
        Policy.from_file(path)
    assert message in str(info.value).replace(str(tmp_path) + "/", "")


def test_summary_counts_and_coverage() -> None:
    p = power_data()
    p["risk_points"].append(
        {
            "id": "R2",
            "at": "F1/S3",
            "level": "low",
            "type": "duty",
            "description": "d",
            "likelihood": 1,
            "impact": 1,
        }
    )
    report = audit(registry(p), lang="en")
    assert report.summary.by_code == {"A301": 1}
    assert report.summary.by_severity == {"error": 1, "warning": 0, "info": 0}
    xk = report.summary.coverage["XK"]
    assert (xk["high"].risk_points, xk["high"].countermeasures, xk["low"].uncountered) == (1, 3, 1)
    assert report.summary.coverage["CF"]["high"].risk_points == 0
    assert not report.ok
    assert report.fails("error")
    assert not report.fails("never")


def test_messages_in_both_languages() -> None:
    p = power_data(promised_days=40)
    report = audit(registry(p), lang="en")
    en = report.findings[0].message("en")
    zh = report.findings[0].message("zh")  # the same record, rendered late in Chinese
    assert report.to_text() != report.to_text("zh")
    assert en == (
        "power XK-001 promises 40 working days, more than the statutory 30 working days; "
        "promise no more than the law allows"
    )
    assert (
        zh == "事项 XK-001 承诺时限 40 个工作日，超过法定时限 30 个工作日：承诺时限不得长于法定时限"
    )


def test_formats() -> None:
    p = power_data()
    measures(p).clear()
    report = audit(registry(p), lang="en")
    data = json.loads(report.to_json())
    assert (data["ok"], data["summary"]["by_code"], data["findings"][0]["entity"]) == (
        False,
        {"A301": 1},
        "XK-001/R1",
    )
    md = report.to_markdown()
    assert md.index("| A301 | error |") < md.index("## Risk coverage") < md.index("### XK-001")
    sarif = json.loads(report.to_sarif())
    run = sarif["runs"][0]
    assert sarif["version"] == "2.1.0"
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == sorted(RULES)
    assert all(r["help"]["text"] for r in run["tool"]["driver"]["rules"])
    assert run["results"][0]["ruleId"] == "A301"
    assert run["tool"]["driver"]["rules"][run["results"][0]["ruleIndex"]]["id"] == "A301"


def test_sarif_locations_are_files_and_lines(
    write_registry: WriteRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = power_data()
    measures(p).clear()
    root = write_registry({"XK-001": p})
    monkeypatch.chdir(root.parent)
    sarif = json.loads(audit(powerreg.load(root)).to_sarif())
    loc = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "reg/powers/XK-001.yaml"
    assert loc["region"]["startLine"] > 1


def test_every_sarif_result_has_a_location(tmp_path: Path) -> None:
    """GitHub code scanning refuses a result without one: a registry made in Python, or
    read from a catalog (no positions for its categories), has its findings placed at
    the registry itself, on a line from 1."""
    p = power_data()
    measures(p).clear()
    p.pop("name_en")
    made = registry(p)  # in Python: no file at all
    catalog = tmp_path / "c.db"
    powerreg.export_sqlite(powerreg.load(EXAMPLE), catalog)
    for reg in (made, powerreg.load(catalog)):
        results = json.loads(audit(reg, lang="en").to_sarif())["runs"][0]["results"]
        assert results
        for result in results:
            [where] = result["locations"]
            assert where["physicalLocation"]["artifactLocation"]["uri"]
            assert where["physicalLocation"]["region"]["startLine"] >= 1


def test_markdown_escapes_registry_text() -> None:
    p = power_data()
    p.pop("name_en")
    p["name"] = "a | b <script>"
    p["legal_basis"] = []
    md = audit(registry(p), lang="en").to_markdown()
    assert "<script>" not in md
    assert "a \\| b &lt;script&gt;" in md


def test_cli_audit(write_registry: WriteRegistry) -> None:
    runner = CliRunner()
    ok = runner.invoke(main, ["audit", str(EXAMPLE), "--lang", "en"])
    assert ok.exit_code == 0
    assert ok.stdout.splitlines()[-1] == "ok: 0 errors, 0 warnings, 1 info in example-epb"
    assert runner.invoke(main, ["audit", str(EXAMPLE), "--fail-on", "info"]).exit_code == 1
    p = power_data()
    measures(p).clear()
    bad = write_registry({"XK-001": p})
    res = runner.invoke(main, ["audit", str(bad), "--format", "json"])
    assert res.exit_code == 1
    assert json.loads(res.stdout)["ok"] is False
    assert runner.invoke(main, ["audit", str(bad), "--fail-on", "never"]).exit_code == 0
    missing = runner.invoke(main, ["audit", str(bad), "--policy", str(bad / "nope.yaml")])
    assert missing.exit_code == 2


def test_readme_lists_every_rule_as_it_is() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for code, rule in RULES.items():
        assert f"| {code} | {rule.severity} | {rule.title} |" in readme


def test_a308_one_clock_rule_per_procedure(write_registry: WriteRegistry) -> None:
    def chart(pauses: bool, fid: str) -> dict[str, object]:
        return {
            "id": fid,
            "title": "审批流程",
            "steps": [
                {"id": "S1", "kind": "start", "label": "申请"},
                {"id": "S2", "label": "一次性告知补正材料", "days": 1, "pauses_clock": pauses},
                {"id": "S3", "kind": "end", "label": "办结"},
            ],
            "transitions": ["S1 -> S2", "S2 -> S3"],
        }

    data = power_data(flowcharts=[chart(True, "F1"), chart(True, "F2"), chart(False, "F3")])
    data["risk_points"][0]["at"] = "F1/S2"
    report = audit(powerreg.load(write_registry({"XK-001": data})), lang="en")
    a308 = [f for f in report.findings if f.code == "A308"]
    assert [f.entity for f in a308] == ["XK-001/F3/S2"]  # the one that differs
    assert a308[0].severity == "info"
    assert "XK-001/F1/S2, XK-001/F2/S2" in a308[0].message("en")
    assert "不计时" in a308[0].message("zh")


@pytest.mark.parametrize(
    ("statutory", "promised", "codes"),
    [
        ("3 个月", 30, []),  # 30 working days fit in any three months (at least 48)
        ("3 个月", 70, ["A201"]),  # more than three months can hold (at most 69)
        ("3 个月", 40, ["A204"]),  # within the law, but 2/3 of it? cannot tell
        ("3 个月", "2 个月", []),  # like with like: exactly 2/3
        ("90 日", "3 个月", ["A204"]),
        ("60 个工作日", "20 个工作日", []),
    ],
)
def test_limits_compare_like_with_like_or_say_they_cannot(
    statutory: object, promised: object, codes: list[str]
) -> None:
    data = power_data(statutory_limit=statutory, promised_limit=promised)
    del data["statutory_days"], data["promised_days"]
    found = [f.code for f in audit(registry(data)).findings if f.code.startswith("A2")]
    assert found == codes


def test_a_limit_shows_its_unit_in_messages() -> None:
    data = power_data(statutory_limit="3 个月", promised_limit="4 个月")
    del data["statutory_days"], data["promised_days"]
    [f] = [f for f in audit(registry(data)).findings if f.code == "A201"]
    assert "4 个月" in f.message("zh")
    assert "3 months" in f.message("en")
