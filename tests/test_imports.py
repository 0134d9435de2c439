"""What importing powerreg costs: nothing heavy that the job at hand does not use.

Each check runs a fresh interpreter (this test process has imported everything), and
asserts on the modules it ends up with — behaviour, not timing (issue 22.4).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import powerreg
import powerreg.cli

from .conftest import EXAMPLE

#: Third-party packages that no plain import of powerreg, nor its build, may load.
HEAVY = (
    "pandas",
    "numpy",
    "networkx",
    "starlette",
    "uvicorn",
    "openpyxl",
    "python_calamine",
    "dask",
    "distributed",
    "pyarrow",
    "pm4py",
    "sqlite_utils",
    "chinese_calendar",
)


def _modules_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``code``."""
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    return set(json.loads(out.splitlines()[-1]))


def _top(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in names)


def test_import_powerreg_imports_none_of_its_modules() -> None:
    modules = _modules_after("import powerreg")
    assert _top(modules, (*HEAVY, "jinja2", "graphviz", "pydantic", "yaml", "click")) == []
    assert sorted(m for m in modules if m.startswith("powerreg.")) == ["powerreg.lazyface"]


def test_a_public_name_imports_its_own_module_only() -> None:
    modules = _modules_after("import powerreg; powerreg.Level")
    assert "powerreg.model" in modules
    ours = {m.split(".")[1] for m in modules if m.startswith("powerreg.")}
    assert not ours & {"site", "diff", "monitor", "service", "rollup", "workbook", "mainjob"}
    assert _top(modules, (*HEAVY, "jinja2", "graphviz")) == []


def test_the_build_command_imports_what_the_build_uses(tmp_path: Path) -> None:
    modules = _modules_after(
        "from powerreg.cli import main\n"
        "assert main.commands.get('build') is not None\n"
        "import powerreg.mainjob"
    )
    # the stages' modules come as the build reaches them, its dot processes drawing
    late = {"powerreg.site.publish", "powerreg.catalog.write", "jinja2", "sqlite3"}
    assert "powerreg.mainjob" in modules
    assert not late & modules
    built = _modules_after(
        "from powerreg.cli import main\n"
        f"main(['build', {str(EXAMPLE)!r}, '-o', {str(tmp_path / 'out')!r}, '-q'],"
        " standalone_mode=False)"
    )
    assert late <= built  # what the build uses
    assert _top(built, HEAVY) == []
    assert _top(built, ("graphviz",)) == []  # dot draws from DOT text the build writes
    for room in ("powerreg.diff", "powerreg.monitor", "powerreg.service"):
        assert not any(m == room or m.startswith(room + ".") for m in built), room
    assert "asyncio" not in built  # the service's


def test_every_public_name_is_the_object_of_its_module() -> None:
    for name in powerreg.__all__:
        value = getattr(powerreg, name)
        if name == "__version__":  # one home, which the installed metadata repeats
            assert value == importlib.metadata.version("powerreg")
            continue
        [where] = [m for m, names in powerreg._HOMES.items() if name in names]
        home = importlib.import_module(where, "powerreg")
        assert getattr(home, name) is value, name
    assert set(powerreg.__all__) <= set(dir(powerreg))
    assert powerreg.__all__ == sorted(powerreg.__all__)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        powerreg.nothing  # noqa: B018


@pytest.mark.parametrize("name", ["audit", "diff", "load", "monitor", "render"])
def test_a_function_keeps_its_name_over_the_module_that_holds_it(name: str) -> None:
    # importing powerreg.<name>.… binds the submodule on the package: the function
    # must stay what powerreg.<name> is, as when everything was imported eagerly
    probe = (
        "import importlib, powerreg, types\n"
        f"importlib.import_module('powerreg.{name}')\n"
        f"assert callable(powerreg.{name}), powerreg.{name}\n"
        f"assert not isinstance(powerreg.{name}, types.ModuleType)\n"
        f"from powerreg import {name} as f\n"
        "assert callable(f)\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True)


def test_every_command_is_found_by_its_name() -> None:
    # the map the command line imports a command's module from must name every
    # command each module registers
    for info in pkgutil.iter_modules(powerreg.cli.__path__):
        importlib.import_module(f"powerreg.cli.{info.name}")
    registered = dict(dict.items(powerreg.cli.main.commands))
    where = {
        name: cmd.callback.__module__.rsplit(".", 1)[1]
        for name, cmd in registered.items()
        if cmd.callback is not None
    }
    assert where == powerreg.cli.COMMAND_MODULES
    assert sorted(powerreg.cli.main.commands) == sorted(where)
