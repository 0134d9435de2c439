"""``powerreg new power`` writes a starting file that validates (issue 16.5)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import powerreg
from powerreg.cli import main
from powerreg.errors import UsageError
from powerreg.starter import write_new_power

MINIMAL = Path(__file__).parents[1] / "examples" / "minimal"
REFERENCE = Path(powerreg.__file__).parent / "reference" / "liaoning-epd-2011"


@pytest.mark.parametrize("source", [MINIMAL, REFERENCE], ids=["minimal", "reference"])
def test_the_new_power_validates_and_audits_without_errors(tmp_path: Path, source: Path) -> None:
    root = tmp_path / "reg"
    shutil.copytree(source, root)
    before = powerreg.load(root)
    out = CliRunner().invoke(
        main, ["new", "power", "XK-099", "--category", "XK", "--registry", str(root)]
    )
    assert out.exit_code == 0, out.output
    reg = powerreg.load(root)
    assert len(reg.powers) == len(before.powers) + 1
    power = reg.powers["XK-099"]
    assert power.category == "XK"
    assert power.subject == reg.department
    assert "（待填写：事项名称）" in power.name
    report = powerreg.audit(reg)
    assert [f for f in report.findings if f.severity == "error"] == []
    if source == REFERENCE:  # the org chart's names, the category's usual posts
        roles = {s.role for _, s in power.iter_steps() if s.role}
        assert "行政审批服务窗口" in roles
        assert "分管厅领导" in roles
        text = (root / "powers" / "XK-099.yaml").read_text("utf-8")
        assert "promised_limit: 20\n" in text


def test_refusals(tmp_path: Path) -> None:
    root = tmp_path / "reg"
    shutil.copytree(MINIMAL, root)
    with pytest.raises(UsageError, match="already exists"):
        write_new_power(root, "XK-001", "XK")
    with pytest.raises(UsageError, match="did you mean 'XK'"):
        write_new_power(root, "XK-002", "XKK")
    with pytest.raises(UsageError, match="not a power id"):
        write_new_power(root, "XK 002", "XK")
    with pytest.raises(UsageError, match="not a registry directory"):
        write_new_power(tmp_path, "XK-002", "XK")
    out = CliRunner().invoke(
        main,
        ["new", "power", "XK-001", "--category", "XK", "--registry", str(root), "--lang", "zh"],
    )
    assert out.exit_code == 2
    assert out.output.startswith("错误：")
    assert "Traceback" not in out.output
