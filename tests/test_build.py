"""`powerreg build`: every output, atomic replacement, refusal to clobber, summaries."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import powerreg
from powerreg.build import MARKER, AuditFailed, build
from powerreg.cli import main

from .conftest import EXAMPLE, WriteRegistry, power_data


def digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_build_writes_every_output(tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = build(powerreg.load(EXAMPLE), out, lang="en")
    files = digest(out)
    assert {"audit.md", "audit.json", "catalog.db", "metadata.json", MARKER} <= set(files)
    assert {
        "diagrams/XK-001/F1.svg",
        "diagrams/CF-001/F1.svg",
        "diagrams/categories/XK.svg",
        "diagrams/categories/CF.svg",
    } <= set(files)
    assert json.loads((out / "audit.json").read_text(encoding="utf-8"))["ok"] is True
    assert powerreg.load(out / "catalog.db") == powerreg.load(EXAMPLE)
    meta = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert "示例市环境保护局" in meta["title"]
    assert "powers" in meta["databases"]["catalog"]["tables"]
    assert result.browse_command == f"datasette {out}/catalog.db -m {out}/metadata.json"
    assert not [p for p in tmp_path.iterdir() if p.name != "site"]  # no temp left behind


def test_failing_audit_leaves_previous_build_untouched(
    tmp_path: Path, write_registry: WriteRegistry
) -> None:
    out = tmp_path / "site"
    build(powerreg.load(EXAMPLE), out, lang="en")
    before = digest(out)
    bad = power_data()
    bad["risk_points"][0]["countermeasures"] = []  # A301: an error
    with pytest.raises(AuditFailed):
        build(powerreg.load(write_registry({"XK-001": bad})), out, lang="en")
    assert digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reg", "site"]


def test_a_directory_not_written_by_build_is_never_replaced(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(powerreg.UsageError, match="refusing to replace"):
        build(powerreg.load(EXAMPLE), mine)
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_rebuild_replaces_the_previous_build(tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(powerreg.load(EXAMPLE), out, lang="en")
    (out / "stale.txt").write_text("old", encoding="utf-8")
    build(powerreg.load(EXAMPLE), out, lang="en")
    assert not (out / "stale.txt").exists()


def test_cli_build_text_json_quiet_and_failure(
    tmp_path: Path, write_registry: WriteRegistry
) -> None:
    runner = CliRunner()
    out = tmp_path / "b"
    res = runner.invoke(main, ["build", str(EXAMPLE), "-o", str(out), "--lang", "en"])
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert (
        lines[1]
        == "梳理出2类、2项行政权力，查找出4个廉政风险点，绘制权力运行流程图2项、2张，制定防范措施11条"
    )
    assert lines[-1] == f"browse: datasette {out}/catalog.db -m {out}/metadata.json"
    res = runner.invoke(main, ["build", str(EXAMPLE), "-o", str(out), "--format", "json"])
    data = json.loads(res.stdout)
    assert (data["stats"]["powers"], data["audit_ok"]) == (2, True)
    assert set(data["seconds"]) == {"load", "audit", "render", "export", "swap"}
    quiet = runner.invoke(main, ["build", str(EXAMPLE), "-o", str(out), "-q"])
    assert (quiet.exit_code, quiet.stdout) == (0, "")
    bad = power_data()
    bad["legal_basis"] = []
    res = runner.invoke(main, ["build", str(write_registry({"XK-001": bad})), "-o", str(out)])
    assert res.exit_code == 1
    assert "A401" in res.stderr
    assert "is unchanged" in res.stderr
