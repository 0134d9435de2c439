"""YAML slips explained in the writer's terms, at the line of the slip (issue 16.3)."""

from __future__ import annotations

from pathlib import Path

import pytest

import powerreg
from powerreg.errors import RegistryError
from powerreg.yamlsource import read_text

SLIPS = [
    # (text, key, line, column)
    ("id: XK-1\nname: a\n  division: b\nsubject: c\n", "E001.indent", 3, 3),
    ("id: XK-1\nflowcharts:\n  - id: F1\n    title: t\n     steps: []\n", "E001.indent", 5, 6),
    ("id: XK-1\nname：foo\nsubject: c\n", "E001.fullwidth_colon", 2, 5),
    ("id: XK-1\nname：foo\n", "E001.fullwidth_colon", 2, 5),
    ("id: XK-1\nsteps:\n\u3000- a\n", "E001.fullwidth_space", 3, 1),
    ("a:\n  b: 1\n\u3000 c: 2\n", "E001.fullwidth_space", 3, 1),
    ("id: XK-1\nsteps:\n\t- a\n", "E001.tab", 3, 1),
    ("a:\n  b: 1\n\tc: 2\n", "E001.tab", 3, 1),
    ("id: XK-1\nname:foo\nsubject: c\n", "E001.colon_space", 2, 6),
    ("steps:\n  - id:S1\n    label: x\n", "E001.colon_space", 2, 8),
    ("a: 1\nb:\n  c:3\n  d: 4\n", "E001.colon_space", 3, 5),
]


@pytest.mark.parametrize(("text", "key", "line", "column"), SLIPS)
def test_slip_is_named_at_its_line(text: str, key: str, line: int, column: int) -> None:
    problems = read_text(text, "f.yaml").problems
    assert [(p.key, p.line, p.column) for p in problems] == [(key, line, column)]
    # both languages say it without parser jargon
    for lang in ("en", "zh"):
        message = problems[0].message(lang)
        assert "scanning" not in message
        assert "simple key" not in message


def test_messages_name_the_key_and_the_line_above() -> None:
    [p] = read_text("id: XK-1\nname：foo\n", "f.yaml").problems
    assert p.as_line("en") == (
        "f.yaml:2:5: E001 'name' is followed by a full-width colon '：'; "
        "a key ends with an ASCII colon and a space ('name: ')"
    )
    assert "全角冒号" in p.message("zh")
    [p] = read_text("id: XK-1\nname: a\n  division: b\n", "f.yaml").problems
    assert p.params == {"above": 2}
    assert "indented more than the key above it (line 2)" in p.message("en")
    assert "第 2 行" in p.message("zh")


def test_valid_text_with_colons_is_not_a_slip() -> None:
    doc = read_text("source: http://x.y\nnote: 说明：见附件\ntime: '10:30'\n", "f.yaml")
    assert doc.problems == []
    assert doc.data["note"] == "说明：见附件"


def test_other_syntax_errors_keep_the_parser_detail() -> None:
    [p] = read_text("a: [1, 2\n", "f.yaml").problems
    assert p.key == "E001"
    assert "expected" in p.params["detail"]


def test_the_loader_reports_the_slip_in_a_power_file(tmp_path: Path) -> None:
    root = Path(__file__).parent / "fixtures" / "minimal"
    if not root.is_dir():  # the project's own minimal registry
        root = Path(__file__).parents[1] / "examples" / "minimal"
    reg_dir = tmp_path / "reg"
    reg_dir.mkdir()
    (reg_dir / "registry.yaml").write_text((root / "registry.yaml").read_text("utf-8"), "utf-8")
    (reg_dir / "powers").mkdir()
    good = next((root / "powers").glob("*.yaml"))
    text = good.read_text("utf-8").replace("name: ", "name：", 1)
    (reg_dir / "powers" / good.name).write_text(text, "utf-8")
    with pytest.raises(RegistryError) as info:
        powerreg.load(reg_dir)
    slips = [p for p in info.value.problems if p.key == "E001.fullwidth_colon"]
    assert len(slips) == 1
    assert slips[0].file is not None
    assert slips[0].file.endswith(good.name)
    line = text.splitlines()[slips[0].line - 1]
    assert "name：" in line
