"""The notebooks run top to bottom with a real kernel."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from .conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks() -> None:
    assert [p.name for p in NOTEBOOKS] == ["risk_coverage_audit.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    ).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs)
    assert "梳理出7类、84项行政权力" in text
    html = "".join(str(o.get("data", {}).get("text/html", "")) for o in outputs)
    assert "countermeasures" in html  # the coverage matrix
    assert "<caption>辽宁省环境保护厅 2011：梳理出7类" in html  # the registry's summary table
    assert "风险点编号" in html  # a frame with Chinese labels
    assert any("image/png" in o.get("data", {}) for o in outputs)  # the matplotlib chart
    assert any("image/svg+xml" in o.get("data", {}) for o in outputs)  # the flowchart


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebooks_take_their_tables_from_the_library(path: Path) -> None:
    cells = nbformat.read(path, as_version=4).cells
    code = "\n".join(c.source for c in cells if c.cell_type == "code")
    assert ".to_pandas(" in code
    assert "powerreg.coverage(" in code
    # no table built by hand from the models
    assert re.search(r"pd\.DataFrame\(|iter_risk_points|\.countermeasures\b", code) is None


def test_the_notebook_extra_installs_what_running_a_notebook_needs() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extra = project["optional-dependencies"]["notebook"]
    names = {re.split(r"[<>=!~\[; ]", req, maxsplit=1)[0].lower() for req in extra}
    assert {"pandas", "matplotlib", "ipykernel", "nbclient", "nbformat"} <= names
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"pip install .*-e '\.\[[^\]]*\bnotebook\b", makefile)
