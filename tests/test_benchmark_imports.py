"""The benchmarks name only what powerreg has.

mypy checks ``src`` alone, and the benchmarks run by hand (``make bench``), so a name a
benchmark imports from powerreg could move without anything failing: ``bench_load.py``
imported ``PARALLEL_ENV`` from ``powerreg.loadpool`` for a session after it moved to
``powerreg.machine``. Each ``from powerreg… import NAME`` of a benchmark is checked here
without running the benchmark (which would import pm4py, Dask and the like).
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _imports(path: Path) -> list[tuple[str, str, int]]:
    """``(module, name, line)`` of each name the file imports from powerreg."""
    tree = ast.parse(path.read_text("utf-8"), str(path))
    return [
        (node.module, alias.name, node.lineno)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and node.module is not None
        and node.level == 0
        and (node.module == "powerreg" or node.module.startswith("powerreg."))
        for alias in node.names
    ]


@pytest.mark.parametrize("path", sorted(BENCHMARKS.glob("*.py")), ids=lambda p: p.name)
def test_every_name_a_benchmark_imports_from_powerreg_is_there(path: Path) -> None:
    missing = []
    for module, name, line in _imports(path):
        got = importlib.import_module(module)
        if name != "*" and not hasattr(got, name):
            try:  # a submodule not imported by its package
                importlib.import_module(f"{module}.{name}")
            except ImportError:
                missing.append(f"{path.name}:{line}: {module} has no {name}")
    assert not missing, "\n".join(missing)


def test_the_check_sees_the_imports_of_a_benchmark() -> None:
    names = {(module, name) for module, name, _ in _imports(BENCHMARKS / "bench_load.py")}
    assert ("powerreg.machine", "PARALLEL_ENV") in names
