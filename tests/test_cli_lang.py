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


def _help_texts(group: click.Group) -> list[tuple[str, str]]:
    """``(where, English text)`` of every command's description and option's help."""
    found = []
    if group is main:
        found = [("powerreg", group.help or "")]
        found += [(f"powerreg {p.opts[-1]}", p.help) for p in group.params if p.help]  # type: ignore[attr-defined]
    for name, cmd in sorted(group.commands.items()):
        found.append((name, cmd.help or ""))
        found += [(f"{name} {p.opts[-1]}", p.help) for p in cmd.params if p.help]  # type: ignore[attr-defined]
        if isinstance(cmd, click.Group):
            found += [(f"{name} {w}", t) for w, t in _help_texts(cmd)]
    return found


def test_every_help_text_has_its_chinese() -> None:
    from powerreg.cli.helptext import chinese
    from powerreg.cli.helpwords import HELP_ZH

    texts = _help_texts(main)
    assert len(texts) > 60
    missing = [where for where, text in texts if chinese(text) is None]
    assert missing == []
    assert sorted(set(HELP_ZH) - {t for _, t in texts}) == []  # no translation of nothing
    for en, zh in HELP_ZH.items():
        assert en.count("\b") == zh.count("\b"), en[:40]


def test_help_is_said_in_the_language_asked() -> None:
    runner = CliRunner()
    zh = runner.invoke(main, ["build", "--help", "--lang", "zh"], prog_name="powerreg")
    en = runner.invoke(main, ["build", "--help", "--lang", "en"], prog_name="powerreg")
    assert zh.exit_code == en.exit_code == 0
    assert zh.output.startswith("用法：powerreg build [OPTIONS] [PATH]\n")
    assert "\n选项：\n" in zh.output
    assert "示例：" in zh.output
    assert "powerreg build -o build/ && datasette build/catalog.db" in zh.output  # verbatim
    assert "[默认：build]" in zh.output
    assert "显示本帮助并退出。" in zh.output
    assert "Options:" not in zh.output
    assert en.output.startswith("Usage: powerreg build [OPTIONS] [PATH]\n")
    assert "\nOptions:\n" in en.output
    assert "[default: build]" in en.output
    listed = runner.invoke(main, ["--help"], prog_name="powerreg", env={"LC_ALL": "zh_CN.UTF-8"})
    assert listed.exit_code == 0
    assert "\n命令：\n" in listed.output
    lines = {line.split()[0]: line for line in listed.output.splitlines()[1:] if line[:2] == "  "}
    assert any("\u4e00" <= ch <= "\u9fff" for ch in lines["validate"])  # its first line, in Chinese


def test_the_language_may_be_given_before_the_command() -> None:
    runner = CliRunner()
    said = runner.invoke(main, ["--lang", "zh", "validate", str(MINIMAL)])
    assert said.exit_code == 0
    assert said.output.startswith("通过：example-epb：")
    said = runner.invoke(main, ["--lang", "zh", "validate", str(MINIMAL), "--lang", "en"])
    assert said.output.startswith("ok: example-epb:")  # the command's own wins
    helped = runner.invoke(main, ["--lang", "zh", "--help"], prog_name="powerreg")
    assert helped.exit_code == 0
    assert helped.output.startswith("用法：powerreg [OPTIONS] COMMAND [ARGS]...")
