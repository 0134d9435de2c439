"""Every refusal is said in Chinese and English from one template (errors as data).

A :class:`~powerreg.errors.UsageError` names a key of :mod:`powerreg.codes.usage_codes`
and gives its parameters; these tests read the source of powerreg to check that every
key it raises or passes as a phrase exists, with the parameters its templates name, and
that every template is used.
"""

from __future__ import annotations

import ast
import pickle
import string
from pathlib import Path

import pytest
from click.testing import CliRunner

from powerreg.cli import main
from powerreg.codes import USAGE, phrase, render_usage
from powerreg.errors import UsageError

SRC = Path(__file__).parents[1] / "src" / "powerreg"


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _calls() -> list[tuple[str, int, str | None, set[str], bool]]:
    """``(file, line, key, keyword names, takes **params)`` of every ``UsageError(…)``
    and ``phrase(…)`` in the source (``key`` None: not a literal)."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            args = node.args
            if isinstance(f, ast.Name) and f.id in ("UsageError", "phrase"):
                pass  # UsageError("key", …), phrase("key", …)
            elif isinstance(f, ast.Attribute) and f.attr == "__init__":
                if not (isinstance(f.value, ast.Name) and f.value.id == "UsageError"):
                    continue
                args = args[1:]  # UsageError.__init__(self, "key", …) of a subclass
            elif isinstance(f, ast.Attribute) and f.attr == "UsageError":
                if not (isinstance(f.value, ast.Name) and f.value.id == "errors"):
                    continue  # click.UsageError: click's own, said by the group
            else:
                continue
            first = args[0] if args else None
            key = (
                first.value
                if isinstance(first, ast.Constant) and isinstance(first.value, str)
                else None
            )
            names = {k.arg for k in node.keywords if k.arg is not None}
            spread = any(k.arg is None for k in node.keywords)
            found.append((str(path.relative_to(SRC)), node.lineno, key, names, spread))
    return found


CALLS = _calls()


def test_the_source_raises_refusals() -> None:
    assert len(CALLS) > 100  # the scan finds them


@pytest.mark.parametrize(
    ("file", "line", "key", "names", "spread"), CALLS, ids=[f"{c[0]}:{c[1]}" for c in CALLS]
)
def test_every_refusal_names_a_template_and_fills_it(
    file: str, line: int, key: str | None, names: set[str], spread: bool
) -> None:
    assert key is not None, f"{file}:{line}: the key must be a literal of usage_codes"
    assert key in USAGE, f"{file}:{line}: no template {key!r} in usage_codes"
    wanted = _fields(USAGE[key]["en"])
    if not spread:
        assert names == wanted, (
            f"{file}:{line}: {key} takes {sorted(wanted)}, given {sorted(names)}"
        )


def test_every_template_has_both_languages_with_the_same_fields() -> None:
    for key, t in USAGE.items():
        assert set(t) == {"en", "zh"}, key
        assert _fields(t["en"]) == _fields(t["zh"]), key
        assert t["en"].strip(), key
        assert t["zh"].strip(), key


def test_no_key_is_written_twice() -> None:
    # a dict literal keeps the last of two equal keys without a word
    tree = ast.parse((SRC / "codes" / "usage_codes.py").read_text("utf-8"))
    keys = [
        k.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Dict)
        for k in node.keys
        if isinstance(k, ast.Constant) and isinstance(k.value, str) and "." in k.value
    ]
    assert len(keys) == len(set(keys)) == len(USAGE)


def test_every_template_is_used() -> None:
    used = {c[2] for c in CALLS}
    assert sorted(set(USAGE) - used) == []


def test_a_refusal_is_rendered_late_and_travels_between_processes() -> None:
    err = UsageError("atomic.not_dir", path="out", fix=phrase("fix.new_dir"))
    assert str(err) == "'out' exists and is not a directory; choose a new or empty directory"
    assert err.in_lang("zh") == "'out' 已存在且不是目录；请选择新的目录或空目录"
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is UsageError
    assert back.in_lang("zh") == err.in_lang("zh")
    with pytest.raises(KeyError):
        UsageError("no.such_key")


def test_a_parameter_cannot_forge_a_line() -> None:
    said = render_usage(
        "atomic.is_dir", "zh", {"path": "o\nx.yaml:1:1: E001 forged", "fix": phrase("fix.new_dir")}
    )
    assert "\n" not in said


def test_a_refusal_is_said_in_chinese(tmp_path: Path) -> None:
    target = tmp_path / "notes.db"
    target.write_text("my notes", "utf-8")
    runner = CliRunner()
    zh = runner.invoke(main, ["export", "-o", str(target), "--lang", "zh"])
    en = runner.invoke(main, ["export", "-o", str(target), "--lang", "en"])
    assert zh.exit_code == en.exit_code == 2
    assert zh.output == (
        f"错误：'{target}' 不是 powerreg 写出的目录数据库（不是 SQLite 数据库），不予替换："
        "请给出新文件名（如 catalog.db），或由 'powerreg export' 写出的目录数据库\n"
    )
    assert en.output == (
        f"error: '{target}' is not a catalog written by powerreg (not a SQLite database); "
        "refusing to replace it: give a new file name (e.g. catalog.db), or a catalog written "
        "by 'powerreg export'\n"
    )
    assert target.read_text("utf-8") == "my notes"


def _required_output() -> list[str]:
    names = []
    for name in sorted(main.commands):
        cmd = main.commands[name]
        if any(p.name == "out" and p.required for p in cmd.params):
            names.append(name)
    return names


@pytest.mark.parametrize("name", _required_output())
def test_a_command_without_its_required_output_is_refused(name: str) -> None:
    # click 8.3+ took an explicit default=None as given: the command ran with no output
    out = CliRunner().invoke(main, [name, "--lang", "en"])
    assert out.exit_code == 2, out.output
    assert "Missing option '-o' / '--output'." in out.output or "Missing argument" in out.output
    assert out.exception is None or isinstance(out.exception, SystemExit)


@pytest.mark.parametrize(
    ("args", "zh", "en"),
    [
        (
            ["build", "--fromat", "x"],
            "错误：没有选项 '--fromat'。您是想用 '--format' 吗？",
            "Error: No such option '--fromat'. Did you mean '--format'?",
        ),
        (
            ["biuld"],
            "错误：没有命令 'biuld'。您是想用 'build' 吗？",
            "Error: No such command 'biuld'.",
        ),
        (
            ["render"],
            "错误：缺少选项 '-o' / '--output'。",
            "Error: Missing option '-o' / '--output'.",
        ),
        (
            ["build", "--format", "pdf"],
            "错误：'--format' 的值无效：'pdf' 不是可选值之一（可选：'text', ",
            "Error: Invalid value for '--format': 'pdf' is not one of 'text', ",
        ),
        # the reasons of click's types, each said in Chinese (click's words in English)
        (
            ["synth", "abc"],
            "错误：'N' 的值无效：'abc' 不是有效的整数。",
            "Error: Invalid value for 'N': 'abc' is not a valid integer range.",
        ),
        (
            ["synth", "--", "-5"],
            "错误：'N' 的值无效：-5 不在范围 0<=x<=1000000 内。",
            "Error: Invalid value for 'N': -5 is not in the range 0<=x<=1000000.",
        ),
        (
            ["supervise", "--tick", "0"],
            "错误：'--tick' 的值无效：0.0 不在范围 x>=0.1 内。",
            "Error: Invalid value for '--tick': 0.0 is not in the range x>=0.1.",
        ),
        (
            ["validate", "/no/such/dir"],
            "错误：'[PATH]' 的值无效：路径 '/no/such/dir' 不存在。",
            "Error: Invalid value for '[PATH]': Path '/no/such/dir' does not exist.",
        ),
        (
            ["monitor", "log.csv", "--as-of", "2011-13-45"],
            "错误：'--as-of' 的值无效：'2011-13-45' 不符合格式 '%Y-%m-%d'。",
            "Error: Invalid value for '--as-of': '2011-13-45' does not match the format",
        ),
    ],
)
def test_clicks_own_refusals_are_said_in_the_language_asked(
    args: list[str], zh: str, en: str
) -> None:
    runner = CliRunner()

    def asked(lang: str) -> list[str]:  # --lang last, or before a "--"
        cut = args.index("--") if "--" in args else len(args)
        return [*args[:cut], "--lang", lang, *args[cut:]]

    said_zh = runner.invoke(main, asked("zh"), prog_name="powerreg")
    said_en = runner.invoke(main, asked("en"), prog_name="powerreg")
    assert said_zh.exit_code == said_en.exit_code == 2
    assert said_zh.output.startswith(
        f"用法：powerreg {args[0] if args[0] != 'biuld' else ''}".rstrip()
    )
    assert "查看帮助。" in said_zh.output
    assert zh in said_zh.output
    assert "Usage: powerreg" in said_en.output
    assert en in said_en.output
    assert "Error:" not in said_zh.output


def test_a_policy_files_value_refused_by_its_check_is_said_in_chinese(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("severities: {A999: off}\n", "utf-8")
    zh = CliRunner().invoke(main, ["audit", "--policy", str(policy), "--lang", "zh"])
    en = CliRunner().invoke(main, ["audit", "--policy", str(policy), "--lang", "en"])
    assert zh.exit_code == en.exit_code == 2
    assert zh.output.startswith(f"错误：{policy}:1:13: severities：未知的规则 A999；规则有 A101, ")
    assert en.output.startswith(f"error: {policy}:1:13: severities: unknown rule(s) A999; rules")


@pytest.mark.parametrize(
    ("text", "zh"),
    [
        ("severities: {A101: loud}\n", "severities.A101：A101 应为 'error', "),
        ("min_high_measures: x\n", "min_high_measures：min_high_measures 应为整数，而不是文本“x”"),
        ("severities: 3\n", "severities：severities 应为映射（键: 值），而不是数字 3"),
    ],
)
def test_a_policy_files_value_refused_by_its_type_is_said_in_chinese(
    tmp_path: Path, text: str, zh: str
) -> None:
    """pydantic's own words (English) give way to the E002 message a registry's file
    would get, in the language asked."""
    policy = tmp_path / "policy.yaml"
    policy.write_text(text, "utf-8")
    said = CliRunner().invoke(main, ["audit", "--policy", str(policy), "--lang", "zh"])
    assert said.exit_code == 2
    assert zh in said.output
    assert "Input should" not in said.output
