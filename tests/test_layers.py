"""scripts/layers.py: the package keeps its layers, has no import circle and the README
draws it as it is; on a toy package, every kind of violation is reported."""

from __future__ import annotations

import doctest
import importlib.util
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("layers", ROOT / "scripts" / "layers.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["layers"] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


layers = _load_script()

# the toy package: 'low' below 'up' (a package), 'high' on top
TOY_LAYERS = [["low", "side"], ["up"], ["high"]]


def toy(tmp_path: Path, files: dict[str, str]) -> Path:
    """Write ``src/toy/<file>`` for each entry (and empty ``__init__.py`` files) under
    ``tmp_path``; return the package directory."""
    src = tmp_path / "src" / "toy"
    base = {"__init__.py": "", "low.py": "", "side.py": "", "up/__init__.py": "", "high.py": ""}
    for name, text in (base | files).items():
        path = src / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return src


def test_the_package_keeps_its_layers_and_the_readme_draws_them() -> None:
    assert layers.check() == []


def test_the_script_examples_hold() -> None:
    assert doctest.testmod(layers).failed == 0


def test_the_script_does_not_import_powerreg() -> None:
    source = (ROOT / "scripts" / "layers.py").read_text(encoding="utf-8")
    assert "import powerreg" not in source
    assert "from powerreg" not in source


CASES = {
    "downward imports are fine": (
        {"high.py": "from toy.up import impl\nfrom . import low\n", "up/impl.py": ""},
        [],
    ),
    "upward at the top": (
        {"low.py": "import os\nfrom .high import x\n"},
        ["src/toy/low.py:2: room 'low' (layer 0) imports 'high' (layer 2)"],
    ),
    "upward under TYPE_CHECKING": (
        {
            "low.py": """\
                from typing import TYPE_CHECKING
                if TYPE_CHECKING:
                    from toy.up import Thing
                """
        },
        ["src/toy/low.py:3: room 'low' (layer 0) imports 'up' (layer 1)"],
    ),
    "upward inside a function": (
        {
            "up/impl.py": """\
                def f():
                    import toy.high
                """
        },
        ["src/toy/up/impl.py:2: room 'up' (layer 1) imports 'high' (layer 2)"],
    ),
    "upward through a package face": (
        {
            "up/__init__.py": "from .impl import Thing\n",
            "up/impl.py": "Thing = 1\n",
            "low.py": "from toy.up import Thing\n",
        },
        ["src/toy/low.py:1: room 'low' (layer 0) imports 'up' (layer 1)"],
    ),
    "the package face imported from inside": (
        {"side.py": "import toy\n"},
        ["src/toy/side.py:1: room 'side' imports the package face 'toy'"],
    ),
    "a module circle inside one room": (
        {"up/rules.py": "from . import policy\n", "up/policy.py": "\n\nfrom .rules import R\n"},
        [
            "import circle among 2 modules (toy.up.policy, toy.up.rules): "
            "toy.up.policy -> toy.up.rules -> toy.up.policy "
            "(src/toy/up/policy.py:3, src/toy/up/rules.py:1)"
        ],
    ),
    "a module circle through a face, one import inside a function": (
        {
            "up/__init__.py": "from .impl import Thing\n",
            "up/impl.py": "from toy import high\nThing = 1\n",
            "high.py": "def f():\n    from toy.up import Thing\n",
        },
        [
            "import circle among 2 modules (toy.high, toy.up.impl): "
            "toy.high -> toy.up.impl -> toy.high (src/toy/high.py:2, src/toy/up/impl.py:1)",
            "src/toy/up/impl.py:1: room 'up' (layer 1) imports 'high' (layer 2)",
        ],
    ),
    "rooms of one layer in a circle": (
        {"low.py": "from . import side\n", "side.py": "from .low import x\n"},
        [
            "rooms of layer 0 import one another in a circle: "
            "low -> side -> low (src/toy/low.py:1, src/toy/side.py:1)",
            "import circle among 2 modules (toy.low, toy.side): "
            "toy.low -> toy.side -> toy.low (src/toy/low.py:1, src/toy/side.py:1)",
        ],
    ),
    "a package face importing its own modules is no circle": (
        {
            "up/__init__.py": "from .impl import Thing\nX = 1\n",
            "up/impl.py": "from toy.up import X\n",
        },
        [],
    ),
    "a room in no layer": (
        {"extra/__init__.py": "", "extra/more.py": "from toy import low\n"},
        ["src/toy/extra: room 'extra' is in no layer; add it to LAYERS in scripts/layers.py"],
    ),
    "an import of a module that is not there": (
        {"high.py": "\nfrom toy.gone import x\n"},
        ["src/toy/high.py:2: imports 'toy.gone', which is not a module of toy"],
    ),
    "a module that does not parse": (
        {"side.py": "def (\n"},
        ["src/toy/side.py: cannot be parsed, its imports are not checked"],
    ),
}


@pytest.mark.parametrize(("files", "expected"), CASES.values(), ids=CASES.keys())
def test_violations_are_reported(
    tmp_path: Path, files: dict[str, str], expected: list[str]
) -> None:
    src = toy(tmp_path, files)
    assert sorted(layers.check(src, TOY_LAYERS, readme=None)) == sorted(expected)


def test_a_room_in_two_layers_is_reported(tmp_path: Path) -> None:
    src = toy(tmp_path, {})
    assert layers.check(src, [*TOY_LAYERS, ["low"]], readme=None) == [
        "LAYERS: room 'low' is in more than one layer"
    ]


def test_the_picture_shows_layers_and_real_edges(tmp_path: Path) -> None:
    src = toy(
        tmp_path, {"high.py": "from toy.up import impl\nfrom . import low\n", "up/impl.py": ""}
    )
    assert layers.mermaid(src, [*TOY_LAYERS, ["gone"]]).splitlines()[:17] == [
        "<!-- layers:begin -->",
        "```mermaid",
        "flowchart BT",
        '  subgraph L0["layer 0"]',
        '    r_low["low"]',
        '    r_side["side"]',
        "  end",
        '  subgraph L1["layer 1"]',
        '    r_up["up"]',
        "  end",
        '  subgraph L2["layer 2"]',
        '    r_high["high"]',
        "  end",
        "  r_low --> r_high",
        "  r_up --> r_high",
        "```",
        "",
    ]
    assert layers.absent(src, [*TOY_LAYERS, ["gone"]]) == ["gone"]


def test_a_stale_or_missing_readme_block_is_reported(tmp_path: Path) -> None:
    src = toy(tmp_path, {"high.py": "from . import low\n"})
    block = layers.mermaid(src, TOY_LAYERS)
    readme = tmp_path / "README.md"
    readme.write_text("# Toy\n\nno picture yet\n", encoding="utf-8")
    assert layers.readme_problems(readme, block) == [
        "README.md: no <!-- layers:begin --> … <!-- layers:end --> block; "
        "add the markers to its layout section"
    ]
    readme.write_text(f"# Toy\n\n{layers.BEGIN}\nold\n{layers.END}\n\nafter\n", encoding="utf-8")
    assert layers.readme_problems(readme, block) == [
        "README.md: the layers picture is stale; run `python scripts/layers.py --readme README.md`"
    ]
    new = layers.replace_block(readme.read_text(encoding="utf-8"), block)
    assert new == f"# Toy\n\n{block}\n\nafter\n"
    readme.write_text(new, encoding="utf-8")
    assert layers.readme_problems(readme, block) == []


def test_the_command_redraws_and_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    src = toy(tmp_path, {"high.py": "from . import low\n"})
    readme = tmp_path / "README.md"
    readme.write_text(f"# Toy\n{layers.BEGIN}\n{layers.END}\n", encoding="utf-8")
    monkeypatch.setattr(layers, "LAYERS", TOY_LAYERS)
    assert layers.main(["--src", str(src), "--readme", str(readme)]) == 0
    assert layers.main(["--src", str(src), "--readme", str(readme), "--check"]) == 0
    drawn = readme.read_text(encoding="utf-8")
    assert layers.mermaid(src, TOY_LAYERS) in drawn
    (src / "low.py").write_text("from .high import x\n", encoding="utf-8")
    capsys.readouterr()
    assert layers.main(["--src", str(src), "--check", "--readme", str(readme)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "src/toy/low.py:1: room 'low' (layer 0) imports 'high' (layer 2)",
        "import circle among 2 modules (toy.high, toy.low): "
        "toy.high -> toy.low -> toy.high (src/toy/high.py:1, src/toy/low.py:1)",
        "README.md: the layers picture is stale; run `python scripts/layers.py --readme README.md`",
    ]
    assert readme.read_text(encoding="utf-8") == drawn  # --check writes nothing
