"""One record and one template per code: E, A and M codes render alike, in both languages,
and no registry text or log field can forge a diagnostic line or inject Markdown."""

from __future__ import annotations

import json
import re
import shutil
import string
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

import powerreg
from powerreg.audit.rulebook import CHECKS, RULES
from powerreg.cli import main
from powerreg.codes import CODES, render, template
from powerreg.errors import Problem, problem
from powerreg.rollup import CROSS_CHECKS
from powerreg.textsafe import md_cell, one_line

from .conftest import EXAMPLE, WriteRegistry, power_data

FIELDS = re.compile(r"{(\w+)}")

#: Text an attacker puts in a label, a key, a file name or a case id.
HOSTILE = st.lists(
    st.sampled_from(
        [
            "\n",
            "\r",
            "\r\n",
            "\x1b[31m",
            "\u2028",
            "\u2029",
            "\x85",
            "\x0b",
            "\x0c",
            "\x00",
            "![](http://evil/x.png)",
            "[a](http://e)",
            "# ",
            "|",
            "<script>",
            "`",
            "*",
            "\\",
            "a",
            "审批",
            ":",
            " E001 ",
            "powers/XK-001.yaml:1:1:",
        ]
    ),
    max_size=12,
).map("".join)


def test_every_code_has_both_languages_with_the_same_fields() -> None:
    for code in CODES.values():
        assert code.severity in ("error", "warning", "info"), code.code
        assert code.title["en"], code.code
        assert code.title["zh"], code.code
        for variant, t in code.templates.items():
            en, zh = set(FIELDS.findall(t["en"])), set(FIELDS.findall(t["zh"]))
            key = f"{code.code}.{variant}" if variant else code.code
            # Chinese may leave out an English-only word (A106's "into"), never add one
            assert zh <= en, key
            assert template(key, "zh") == t["zh"]


def test_every_audit_code_has_one_check_and_the_policy_knows_them() -> None:
    audit_codes = sorted(c for c in CODES if c.startswith("A"))
    # a registry's own rules, and a roll-up's cross-department ones (A5xx)
    assert sorted([*CHECKS, *CROSS_CHECKS]) == audit_codes
    assert sorted(CHECKS) == sorted(RULES)
    assert RULES["A302"].severity == "warning"
    assert RULES["A302"].check.__name__


def test_one_record_rendered_late() -> None:
    p = problem("E005", "powers/XK-2.yaml", 1, 5, entity="XK-002", stem="XK-2", id="XK-002")
    assert p.message("en").startswith("file stem 'XK-2' differs from the power id 'XK-002'")
    assert p.message("zh").startswith("文件名 XK-2 与事项编号 XK-002 不一致")
    assert str(p) == f"powers/XK-2.yaml:1:5: E005 {p.message('en')}"
    assert p.to_dict("zh")["message"] == p.message("zh")
    assert Problem.model_validate(json.loads(p.model_dump_json())) == p


def test_a_position_of_zero_is_not_printed() -> None:
    assert problem("E007.no_powers", "powers/", root="r").where == "powers/"
    assert problem("M003", "cases.csv", 12, power="X").where == "cases.csv:12"


@given(HOSTILE)
def test_one_line_never_breaks_a_line_nor_drives_a_terminal(text: str) -> None:
    shown = one_line(text)
    assert shown.splitlines() == [shown] or shown == ""
    assert "\x1b" not in shown
    assert "\x00" not in shown


@given(HOSTILE)
def test_md_cell_is_inert(text: str) -> None:
    cell = md_cell(text)
    assert cell.splitlines() == [cell] or cell == ""
    assert "<" not in cell
    assert ">" not in cell
    # every Markdown syntax character is escaped
    for ch in "[]()!#|`*_":
        assert re.search(rf"(?<!\\){re.escape(ch)}", cell.replace("\\\\", "")) is None, (ch, cell)


@given(HOSTILE, HOSTILE)
def test_no_parameter_or_file_forges_a_diagnostic_line(file: str, value: str) -> None:
    p = problem("E002.missing", file or "f", 3, 1, field=value)
    for lang in ("en", "zh"):
        line = p.as_line(lang)  # type: ignore[arg-type]
        assert len(line.splitlines()) == 1
        assert "\x1b" not in line


def test_quoted_values_are_excerpts() -> None:
    msg = render("E002.missing", "en", {"field": "x" * 100_000})
    assert len(msg) < 500
    assert "…" in msg


# ------------------------------------------------------------------ through the commands


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def _broken(write_registry: WriteRegistry) -> Path:
    text = (EXAMPLE / "powers" / "XK-001.yaml").read_text(encoding="utf-8")
    return write_registry({"XK-001": text.replace("S4 -> S5", "S4 -> S55")})


def test_validate_prints_json_markdown_and_sarif_like_audit(
    write_registry: WriteRegistry,
) -> None:
    root = _broken(write_registry)
    code, out, err = run("validate", str(root), "--format", "json", "--lang", "zh")
    assert code == 1
    assert err == ""
    doc = json.loads(out)
    assert doc["ok"] is False
    [p] = doc["problems"]
    assert (p["code"], p["file"], p["line"], p["column"]) == ("E004", "powers/XK-001.yaml", 30, 9)
    assert p["message"].startswith("流转终点 S55 不是流程图 F1 的步骤")
    code, out, _ = run("validate", str(root), "--format", "sarif", "--lang", "en")
    run_ = json.loads(out)["runs"][0]
    assert code == 1
    assert run_["results"][0]["ruleId"] == "E004"
    assert run_["results"][0]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 30,
        "startColumn": 9,
    }
    assert {r["id"] for r in run_["tool"]["driver"]["rules"]} == {
        c for c in CODES if c.startswith("E")
    }
    code, out, _ = run("validate", str(root), "--format", "markdown", "--lang", "en")
    assert code == 1
    assert "- **E004** error: transition to 'S55'" in out
    code, out, _ = run("validate", str(EXAMPLE), "--format", "json")
    assert code == 0
    assert json.loads(out)["problems"] == []


def test_validate_lang_zh_on_stderr(write_registry: WriteRegistry) -> None:
    code, _, err = run("validate", str(_broken(write_registry)), "--lang", "zh")
    assert code == 1
    assert err.splitlines()[0].startswith("powers/XK-001.yaml:30:9: E004 流转终点 S55")


def test_a_step_label_cannot_forge_a_heading_a_finding_or_an_image(
    write_registry: WriteRegistry,
) -> None:
    evil = "审查\r# Passed\n- **A301** error: forged ![](http://evil.example/x.png)\u2028x"
    data = power_data()
    data["flowcharts"][0]["steps"][1]["label"] = evil
    data["risk_points"] = []  # A307 then quotes the decision's label
    report = powerreg.audit(powerreg.load(write_registry({"XK-001": data})), lang="en")
    md = report.to_markdown()
    lines = md.splitlines()
    assert not any(line.startswith("# Passed") for line in lines)
    assert sum(line.startswith("- **A301**") for line in lines) == 0
    assert "](http" not in md
    assert "\r" not in md
    assert "\u2028" not in md
    text = report.to_text()
    assert len(text.splitlines()) == len(report.findings) + 1


def test_a_yaml_key_cannot_forge_a_validate_line(write_registry: WriteRegistry) -> None:
    forged = '"x\\nregistry.yaml:1:1: E001 forged\\e[2J": 1\n'
    text = (EXAMPLE / "powers" / "XK-001.yaml").read_text(encoding="utf-8")
    root = write_registry({"XK-001": text + forged})
    code, _, err = run("validate", str(root))
    assert code == 1
    lines = err.splitlines()
    assert len(lines) == 2, lines  # the problem and the count
    assert lines[0].startswith("powers/XK-001.yaml:")
    assert "\\n" in lines[0]
    assert "\x1b" not in err


def test_a_case_id_cannot_forge_a_monitor_line(tmp_path: Path) -> None:
    log = tmp_path / "cases.jsonl"
    row = {
        "case_id": "A\nfake.csv:1: M203 red card\x1b[2J",
        "power_id": "XK-404",
        "flowchart_id": "F1",
        "step_id": "S1",
        "timestamp": "2011-10-10 09:00",
    }
    # a row of a known power too: a log of unknown powers only is another registry's
    good = {**row, "case_id": "B1", "power_id": "XK-001"}
    log.write_text(json.dumps(row) + "\n" + json.dumps(good) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["monitor", str(log), "--lang", "en"])
    lines = result.stderr.splitlines()
    assert lines[0].startswith("cases.jsonl:1: M003")
    assert not any(line.startswith("fake.csv") for line in lines)
    assert "\x1b" not in result.stderr


def test_monitor_markdown_escapes_case_ids(tmp_path: Path) -> None:
    log = tmp_path / "cases.csv"
    rows = [
        "case_id,power_id,flowchart_id,step_id,timestamp",
        "![x](http://evil/i.png)\r# H,XK-001,F1,S1,2011-10-10 09:00",
        "![x](http://evil/i.png)\r# H,XK-001,F1,S9,2011-10-11 09:00",
    ]
    log.write_text("\n".join(rows) + "\n", encoding="utf-8")
    md = powerreg.monitor(log, lang="en").to_markdown()
    assert "](http" not in md
    assert "\r" not in md
    assert not any(line.startswith("# H") for line in md.splitlines())


@pytest.mark.parametrize("ch", list(string.printable[:10]))
def test_plain_text_is_untouched(ch: str) -> None:
    assert one_line(f"审批{ch}") == f"审批{ch}"


FORGED = "\nregistry.yaml:1:1: E001 forged\x1b[31m"


def no_forged_line(output: str) -> None:
    assert not any(line.startswith("registry.yaml:1:1") for line in output.splitlines())
    assert "\x1b" not in output
    assert "\\n" in output  # shown, escaped, on its line


def test_a_department_cannot_forge_a_line_of_stats_or_build(
    write_registry: WriteRegistry, tmp_path: Path
) -> None:
    from .conftest import META

    root = write_registry(meta={**META, "department": "测试局" + FORGED})
    code, out, _ = run("stats", str(root))
    assert code == 0
    no_forged_line(out)
    code, out, _ = run("build", str(root), "-o", str(tmp_path / "out"))
    assert code == 0, out
    no_forged_line(out)


def test_a_rollups_text_cannot_forge_a_line(tmp_path: Path) -> None:
    """A department's name, the title and a member's path, on stdout and stderr."""
    root = tmp_path / "province"
    (root / "members").mkdir(parents=True)
    shutil.copytree(EXAMPLE, root / "members" / "a")
    (root / "rollup.yaml").write_text(
        json.dumps(
            {
                "title": "省" + FORGED,
                "departments": [
                    {"id": "A", "name": "甲" + FORGED, "level": "city", "path": "members/a"},
                    {"id": "B", "name": "乙" + FORGED, "level": "city", "path": "x" + FORGED},
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    code, out, err = run("validate", str(root), "--lang", "en")
    assert code == 1
    no_forged_line(out)
    no_forged_line(err)
