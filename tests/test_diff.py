"""The semantic diff of two editions (issue 18): changes found exactly, stable order,
positions in both editions, the notice's sentence, git editions, the command."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import powerreg
from powerreg.cli import main
from powerreg.diff import diff
from powerreg.model import Registry
from powerreg.synth.generator import generate
from powerreg.synth.yamlfiles import write_registry

MINIMAL = Path(__file__).parents[1] / "examples" / "minimal"


def _edit(reg: Registry, change: Any) -> Registry:
    data = reg.model_dump(by_alias=True)
    change(data)
    return Registry.model_validate(data)


def _codes(d: Any) -> list[tuple[str, str | None]]:
    return [(c.code, c.entity) for c in d.changes]


def test_an_edition_equals_itself() -> None:
    ref = powerreg.load_reference()
    assert diff(ref, ref).equal
    assert diff(MINIMAL, MINIMAL).changes == []


def test_field_changes_carry_both_values_and_positions(tmp_path: Path) -> None:
    new_dir = tmp_path / "new"
    shutil.copytree(MINIMAL, new_dir)
    path = new_dir / "powers" / "XK-001.yaml"
    path.write_text(path.read_text("utf-8").replace("promised_limit: 20", "promised_limit: 15"))
    d = diff(MINIMAL, new_dir)
    [change] = d.changes
    assert change.code == "D105"
    assert change.entity == "XK-001"
    assert change.params["field_name"] == "promised_limit"
    assert change.message("en") == "XK-001 promised limit: 20 working days → 15 working days"
    assert change.message("zh") == "XK-001 承诺时限：20 个工作日 → 15 个工作日"
    assert change.params["old_at"] == f"{MINIMAL}/powers/XK-001.yaml:10"  # the field's line
    assert change.params["new_at"] == f"{new_dir}/powers/XK-001.yaml:10"
    assert d.summary("zh") == "本次调整：变更行政权力1项。"


def test_a_renumbered_power_is_not_removed_and_added() -> None:
    old = powerreg.load(MINIMAL)

    def renumber(data: dict[str, Any]) -> None:
        power = data["powers"].pop("XK-001")
        power["id"] = "XK-009"
        data["powers"]["XK-009"] = power

    d = diff(old, _edit(old, renumber))
    assert _codes(d) == [("D104", "XK-009")]
    assert d.changes[0].params["old"] == "XK-001"


def test_a_risk_point_moved_is_one_move() -> None:
    old = powerreg.load(MINIMAL)

    def move(data: dict[str, Any]) -> None:
        data["powers"]["XK-001"]["risk_points"][0]["at"] = "F1/S5"

    d = diff(old, _edit(old, move))
    assert _codes(d) == [("D133", "XK-001/R1")]
    assert d.changes[0].message("en") == "risk point XK-001/R1 moved from step F1/S2 to F1/S5"


def test_review_warnings() -> None:
    old = powerreg.load(MINIMAL)
    high = next(r for r in old.powers["XK-001"].risk_points if r.level == "high")
    index = old.powers["XK-001"].risk_points.index(high)

    def lower(data: dict[str, Any]) -> None:
        data["powers"]["XK-001"]["risk_points"][index]["level"] = "medium"

    d = diff(old, _edit(old, lower))
    assert [c.code for c in d.changes] == ["D135", "D201"]
    assert [c.severity for c in d.warnings] == ["warning"]

    def drop(data: dict[str, Any]) -> None:
        del data["powers"]["XK-001"]["risk_points"][index]

    d = diff(old, _edit(old, drop))
    assert ("D203", high.gid) in _codes(d)
    assert ("D132", high.gid) in _codes(d)


def test_summary_sentence_in_both_languages() -> None:
    old = powerreg.load(MINIMAL)

    def many(data: dict[str, Any]) -> None:
        powers = data["powers"]
        del powers["CF-001"]
        copy = json.loads(json.dumps(powers["XK-001"]))
        copy["id"], copy["name"] = "XK-002", "建设项目环境影响登记表审批"
        powers["XK-002"] = copy
        risk = powers["XK-001"]["risk_points"][0]
        risk["countermeasures"].pop()
        risk["level"] = "high"

    d = diff(old, _edit(old, many))
    f = d.figures()
    assert (f["powers_added"], f["powers_removed"], f["powers_changed"]) == (1, 1, 1)
    assert d.summary("zh").startswith("本次调整：新增行政权力1项、取消1项、变更1项；")
    assert "风险等级上调1个" in d.summary("zh")
    assert "删除防范措施1条" in d.summary("zh")
    assert d.summary("en").startswith("This edition: 1 power added, 1 removed, 1 changed;")


# ------------------------------------------------------------------ random mutations


def _mutations(reg: Registry, rng: random.Random, k: int) -> tuple[Registry, set[tuple[str, str]]]:
    """Apply ``k`` independent mutations, each to a different power; return the new
    registry and the (code, entity) each must produce."""
    data = reg.model_dump(by_alias=True)
    expected: set[tuple[str, str]] = set()
    ids = sorted(data["powers"])
    rng.shuffle(ids)
    for pid in ids[:k]:
        p = data["powers"][pid]
        kind = rng.choice(
            ["limit", "relabel", "retime", "level", "add_measure", "drop_measure",
             "measure_text", "add_basis", "remove_power", "add_step", "rename"]
        )  # fmt: skip
        fc = p["flowcharts"][0] if p["flowcharts"] else None
        risk = p["risk_points"][0] if p["risk_points"] else None
        if kind == "limit":
            old = p.get("promised_limit")
            p["promised_limit"] = {
                "amount": 7 if old != {"amount": 7, "unit": "working_days"} else 8,
                "unit": "working_days",
            }
            expected.add(("D105", pid))
            if (
                old is not None
                and old["unit"] == "working_days"
                and p["promised_limit"]["amount"] > old["amount"]
            ):
                expected.add(("D202", pid))
        elif kind == "relabel" and fc:
            step = fc["steps"][-1]
            step["label"] += "（调整）"
            expected.add(("D116", f"{pid}/{fc['id']}/{step['id']}"))
        elif kind == "retime" and fc and any(s.get("days") for s in fc["steps"]):
            step = next(s for s in fc["steps"] if s.get("days"))
            step["days"] += 1
            expected.add(("D117", f"{pid}/{fc['id']}/{step['id']}"))
        elif kind == "level" and risk:
            old_level = risk["level"]
            risk["level"] = "low" if old_level != "low" else "high"
            gid = f"{pid}/{risk['id']}"
            expected.add(("D135" if risk["level"] == "low" else "D134", gid))
            if risk["level"] == "low":
                expected.add(("D201", gid))
        elif kind == "add_measure" and risk:
            risk["countermeasures"].append(
                {
                    "id": "M99",
                    "kind": "education",
                    "stage": "before",
                    "description": "新增的廉政教育措施",
                }
            )
            expected.add(("D141", f"{pid}/{risk['id']}/M99"))
        elif kind == "drop_measure" and risk and risk["countermeasures"]:
            m = risk["countermeasures"].pop()
            expected.add(("D142", f"{pid}/{risk['id']}/{m['id']}"))
        elif kind == "measure_text" and risk and risk["countermeasures"]:
            m = risk["countermeasures"][0]
            m["description"] += "，并留痕备查"
            expected.add(("D143", f"{pid}/{risk['id']}/{m['id']}"))
        elif kind == "add_basis":
            p["legal_basis"].append("《示例条例》（为测试而写）")
            expected.add(("D106", pid))
        elif kind == "remove_power":
            del data["powers"][pid]
            expected.add(("D102", pid))
            for r in p["risk_points"]:
                if r["level"] == "high":
                    expected.add(("D203", f"{pid}/{r['id']}"))
        elif kind == "add_step" and fc:
            fc["steps"].append({"id": "S99", "label": "新增环节", "kind": "task"})
            expected.add(("D114", f"{pid}/{fc['id']}/S99"))
        elif kind == "rename":
            p["name"] += "（调整）"
            expected.add(("D103", pid))
    return Registry.model_validate(data), expected


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), k=st.integers(1, 6))
def test_random_mutations_are_found_exactly(seed: int, k: int) -> None:
    reg = generate(12, seed=seed % 50)
    new, expected = _mutations(reg, random.Random(seed), k)
    found = set(_codes(diff(reg, new)))
    assert found == expected
    assert diff(new, new).equal


def test_order_is_stable() -> None:
    reg = generate(30, seed=3)
    new, _ = _mutations(reg, random.Random(5), 10)
    assert _codes(diff(reg, new)) == _codes(diff(reg, new))
    entities = [c.entity.split("/")[0] for c in diff(reg, new).changes if c.entity]
    assert entities == sorted(entities)


# ------------------------------------------------------------------ editions and command


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=cwd, check=True, capture_output=True,
    )  # fmt: skip


def committed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, link: str | None = None) -> Path:
    """A git repository holding examples/minimal as ``reg`` (with ``reg/powers/ZZ-001.yaml``
    a link to ``link``, if given), committed, and the working directory in it: what
    ``git:HEAD:reg`` names."""
    repo = tmp_path / "repo"
    shutil.copytree(MINIMAL, repo / "reg")
    if link is not None:
        (repo / "reg" / "powers" / "ZZ-001.yaml").symlink_to(link)
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "2011")
    monkeypatch.chdir(repo)  # git:REV:PATH is PATH in the work tree one is in
    return repo


def test_git_revision_edition(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(MINIMAL, repo / "registry")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "2011")
    power = repo / "registry" / "powers" / "CF-001.yaml"
    power.write_text(power.read_text("utf-8").replace("name: ", "name: 新", 1), "utf-8")
    d = diff("git:HEAD", repo / "registry")
    assert _codes(d) == [("D103", "CF-001")]
    assert d.old == "git:HEAD:registry"
    assert d.changes[0].params["old_at"] == "git:HEAD:registry/powers/CF-001.yaml:1"
    runner = CliRunner()
    bad = runner.invoke(main, ["diff", "git:no-such-rev", str(repo / "registry")])
    assert bad.exit_code == 2
    assert "'no-such-rev' is not a revision" in bad.output


@pytest.mark.parametrize("target", ["/etc/passwd", "../../../../../../../etc/passwd"])
def test_a_git_edition_holding_a_link_out_of_it_is_not_read(
    tmp_path: Path, target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a registry directory's link out of it (E007): never followed, exit 2, not a
    traceback (which exit 1, "the editions differ", hid from a CI job)."""
    repo = committed(tmp_path, monkeypatch, link=target)
    res = CliRunner().invoke(main, ["diff", "git:HEAD:reg", str(repo / "reg")])
    assert res.exit_code == 2, res.output
    assert "error: git:HEAD:reg holds 'reg/powers/ZZ-001.yaml', which is not read" in res.output
    assert "root:" not in res.output


def test_a_git_edition_that_does_not_load_is_named_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not as the temporary directory it was unpacked into, gone by the time one reads."""
    repo = committed(tmp_path, monkeypatch)
    res = CliRunner().invoke(main, ["diff", "git:HEAD:reg/powers", str(repo / "reg")])
    assert res.exit_code == 2
    assert "no powers/ directory in 'git:HEAD:reg/powers'" in res.stderr
    assert "powerreg-diff-" not in res.output


def test_a_catalog_editions_positions_are_named_in_it(tmp_path: Path) -> None:
    """A catalog keeps the positions of the files it was exported from: they are named
    as in it, not as a path through the .db file, which does not exist."""
    new_dir = tmp_path / "new"
    shutil.copytree(MINIMAL, new_dir)
    power = new_dir / "powers" / "CF-001.yaml"
    power.write_text(power.read_text("utf-8").replace("name: ", "name: 新", 1), "utf-8")
    catalog = tmp_path / "c.db"
    powerreg.export_sqlite(powerreg.load(new_dir), catalog)
    res = CliRunner().invoke(main, ["diff", str(MINIMAL), str(catalog), "--lang", "en"])
    assert res.exit_code == 1
    first = res.stdout.splitlines()[0]
    assert first.startswith(f"powers/CF-001.yaml (in {catalog}):"), first
    assert f"{catalog}/" not in res.stdout


def test_a_git_edition_past_the_size_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The archive git writes goes to a file, measured there (not read into memory)."""
    from powerreg.diff import editions

    repo = committed(tmp_path, monkeypatch)
    monkeypatch.setattr(editions, "MAX_ARCHIVE", 1000)
    res = CliRunner().invoke(main, ["diff", "git:HEAD:reg", str(repo / "reg")])
    assert res.exit_code == 2
    assert "error: git:HEAD:reg is larger than 1,000 bytes" in res.output


@pytest.mark.parametrize("given", ["examples/rollup", "examples/rollup/rollup.yaml"])
def test_a_rollup_is_not_an_edition(given: str) -> None:
    """Said so (exit 2), not 'no powers/ directory'."""
    path = str(MINIMAL.parent.parent / given)
    res = CliRunner().invoke(main, ["diff", path, path])
    assert res.exit_code == 2
    assert "is a roll-up of many departments; diff compares two editions of one registry" in (
        res.output
    )


def test_command_exit_status_and_formats(tmp_path: Path) -> None:
    runner = CliRunner()
    same = runner.invoke(main, ["diff", str(MINIMAL), str(MINIMAL), "--lang", "en"])
    assert (same.exit_code, same.output) == (0, "No changes.\n")
    new_dir = tmp_path / "new"
    shutil.copytree(MINIMAL, new_dir)
    path = new_dir / "powers" / "XK-001.yaml"
    path.write_text(path.read_text("utf-8").replace("fee: 不收费", "fee: 不收费\n  ping"))
    text = path.read_text("utf-8").replace("fee: 不收费\n  ping", 'fee: "不收费\\nD999 forged"')
    path.write_text(text, "utf-8")
    out = runner.invoke(main, ["diff", str(MINIMAL), str(new_dir), "--lang", "en"])
    assert out.exit_code == 1
    lines = out.output.splitlines()
    assert lines[0].startswith(
        f"{new_dir}/powers/XK-001.yaml:1: D105 XK-001 fee: 不收费 → 不收费\\nD999"
    )
    assert not any(line.startswith("D999") for line in lines)  # no forged line
    js = runner.invoke(main, ["diff", str(MINIMAL), str(new_dir), "--format", "json"])
    data = json.loads(js.output)
    assert data["equal"] is False
    assert data["changes"][0]["params"]["old_at"].endswith("XK-001.yaml:1")
    md = runner.invoke(
        main, ["diff", str(MINIMAL), str(new_dir), "--format", "markdown", "--lang", "zh"]
    )
    assert md.output.startswith("# 变更说明")
    assert "本次调整：变更行政权力1项。" in md.output


@pytest.mark.parametrize("args", [["nowhere", "nowhere-else"], ["git:HEAD", "git:HEAD~1"]])
def test_bad_editions_are_usage_errors(args: list[str]) -> None:
    out = CliRunner().invoke(main, ["diff", *args])
    assert out.exit_code == 2
    assert "Traceback" not in out.output


def test_an_edition_that_does_not_load_is_not_a_difference(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(MINIMAL, broken)
    (broken / "powers" / "XK-001.yaml").write_text("id: XK-001\nname：x\n", "utf-8")
    out = CliRunner().invoke(main, ["diff", str(MINIMAL), str(broken), "--lang", "en"])
    assert out.exit_code == 2
    assert "XK-001.yaml:2:5: E001" in out.output


def test_changed_charts_are_drawn_with_marks(tmp_path: Path) -> None:
    old = powerreg.load(MINIMAL)
    hostile = 'a"]; evil [label="x"] <script>&'

    def edit(data: dict[str, Any]) -> None:
        fc = data["powers"]["XK-001"]["flowcharts"][0]
        fc["steps"].append({"id": "S10", "label": hostile, "days": 5})
        fc["transitions"] = [
            t for t in fc["transitions"] if t != {"from": "S7", "to": "S9", "when": None}
        ]
        fc["transitions"].append({"from": "S7", "to": "S10", "when": None})
        fc["steps"][3]["label"] = "技术评估（含现场踏勘）"

    d = diff(old, _edit(old, edit))
    assert d.changed_charts() == ["XK-001/F1"]
    out = tmp_path / "drawn"
    new_dir = tmp_path / "new"
    write_registry(_edit(old, edit), new_dir)
    result = CliRunner().invoke(main, ["diff", str(MINIMAL), str(new_dir), "--diagrams", str(out)])
    assert result.exit_code == 1, result.output
    svg = (out / "XK-001" / "F1.svg").read_text("utf-8")
    assert "新增" in svg  # the added step is marked
    assert "stroke-dasharray" in svg  # the removed move S7 -> S9 is dashed
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "技术评估（含现场踏勘）" in svg
    titles = {t.split("</title>")[0] for t in svg.split("<title>")[2:]}
    nodes = {t for t in titles if "&#45;&gt;" not in t}
    assert nodes == {f"S{i}" for i in range(1, 11)}  # no node injected by the label


@pytest.mark.parametrize("edition", ["old", "new"])
def test_change_diagrams_are_never_written_into_an_edition(tmp_path: Path, edition: str) -> None:
    old_dir, new_dir = tmp_path / "old", tmp_path / "new"
    shutil.copytree(MINIMAL, old_dir)
    shutil.copytree(MINIMAL, new_dir)
    power = new_dir / "powers" / "XK-001.yaml"
    power.write_text(power.read_text("utf-8").replace("title: ", "title: 改", 1), "utf-8")
    inside = (old_dir if edition == "old" else new_dir) / "powers" / "charts"
    args = ["diff", str(old_dir), str(new_dir), "--diagrams", str(inside)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert "inside the registry being read" in result.output
    assert not inside.exists()
    assert sorted(p.name for p in (new_dir / "powers").iterdir()) == ["CF-001.yaml", "XK-001.yaml"]


def test_a_reason_in_the_new_edition_answers_the_review() -> None:
    old = powerreg.load(MINIMAL)
    high = next(i for i, r in enumerate(old.powers["XK-001"].risk_points) if r.level == "high")

    def lower_with_reason(data: dict[str, Any]) -> None:
        risk = data["powers"]["XK-001"]["risk_points"][high]
        risk["level"], risk["reason"] = "medium", "实行集体审议后滥用职权的可能性降低"
        data["powers"]["XK-001"]["promised_limit"] = 25
        data["powers"]["XK-001"]["reason"] = "增加现场踏勘环节"

    d = diff(old, _edit(old, lower_with_reason))
    codes = [c.code for c in d.changes]
    assert "D135" in codes
    assert "D105" in codes
    assert "D201" not in codes
    assert "D202" not in codes


def test_a_git_edition_of_many_files_keeps_its_entities_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files enough to be read fast: the unpacked edition is gone once loaded, so every
    place is found while it is read (powerreg.lateplaces), not when a change asks."""
    repo = tmp_path / "repo"
    write_registry(generate(30, seed=4), repo / "reg")
    before = powerreg.load(repo / "reg", cache=False, locate_all=True)
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "2011")
    pid = min(before.powers)
    step = before.powers[pid].flowcharts[0].steps[1]
    file = repo / "reg" / "powers" / f"{pid}.yaml"
    text = file.read_text("utf-8")
    assert text.count(step.label) == 1
    file.write_text(text.replace(step.label, step.label + "（改）"), "utf-8")
    monkeypatch.chdir(repo)
    d = diff("git:HEAD:reg", repo / "reg")
    [change] = [c for c in d.changes if c.entity == step.gid]
    at = before.location(step.gid)
    assert at is not None
    assert at[1] > 1
    assert change.params["old_at"] == f"git:HEAD:reg/powers/{pid}.yaml:{at[1]}"
