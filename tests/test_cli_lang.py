"""Every command speaks Chinese or English, as asked (issue 16.2)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from powerreg.cli import main

MINIMAL = Path(__file__).parents[1] / "examples" / "minimal"


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    out = []
    for name, cmd in sorted(group.commands.items()):
        if isinstance(cmd, click.Group):
            out += _commands(cmd, f"{prefix}{name} ")
            if cmd.invoke_without_command:  # a group that does something itself
                out.append((f"{prefix}{name}", cmd))
        else:
            out.append((f"{prefix}{name}", cmd))
    return out


@pytest.mark.parametrize(("name", "cmd"), _commands(main), ids=lambda v: str(v))
def test_every_command_takes_lang(name: str, cmd: click.Command) -> None:
    options = {opt for p in cmd.params for opt in getattr(p, "opts", [])}
    assert "--lang" in options, f"powerreg {name} has no --lang"


def test_validate_and_stats_in_chinese() -> None:
    runner = CliRunner()
    out = runner.invoke(main, ["validate", str(MINIMAL), "--lang", "zh"])
    assert out.exit_code == 0
    assert out.output.startswith("通过：example-epb：")
    out = runner.invoke(main, ["stats", str(MINIMAL), "--lang", "zh"])
    assert "行政权力" in out.output
    assert "廉政风险点按等级：" in out.output
    out = runner.invoke(main, ["stats", str(MINIMAL), "--lang", "en"])
    assert "risk points by level: high" in out.output


def test_problem_summary_and_errors_in_chinese(tmp_path: Path) -> None:
    (tmp_path / "registry.yaml").write_text("id: x\n", "utf-8")
    out = CliRunner().invoke(main, ["validate", str(tmp_path), "--lang", "zh"])
    assert out.exit_code == 1
    last = out.output.strip().splitlines()[-1]
    assert last.startswith("共 ")
    assert "个问题" in last
    target = tmp_path / "file.txt"
    target.write_text("not a catalog", "utf-8")
    out = CliRunner().invoke(main, ["export", str(MINIMAL), "-o", str(target), "--lang", "zh"])
    assert out.exit_code == 2
    assert out.output.startswith("错误：")


def test_markdown_title_follows_the_language() -> None:
    out = CliRunner().invoke(
        main, ["validate", str(MINIMAL), "--format", "markdown", "--lang", "zh"]
    )
    assert out.output.startswith("# example-epb 的校验结果")


def test_the_build_summary_in_chinese(tmp_path: Path) -> None:
    out = tmp_path / "b"
    said = CliRunner().invoke(main, ["build", str(MINIMAL), "-o", str(out), "--lang", "zh"])
    assert said.exit_code == 0, said.output
    lines = said.stdout.splitlines()
    assert lines[2].startswith("各等级的防范：高 ")
    assert lines[3].startswith("审计：通过——错误 0 个")
    assert (
        lines[4]
        == f"已写入 {out}/：audit.md、audit.json、diagrams/（2 张流程图）、catalog.db、metadata.json、site/"
    )
    assert lines[5].startswith("用时 ")
    assert lines[-1].startswith(f"公开网站：python -m http.server -d {out}/site，然后打开 ")
    english = ("coverage", "audit:", "wrote ", "time:", "browse:", "public website:")
    assert not [line for line in lines if line.startswith(english)]
