"""The notebooks run top to bottom with a real kernel."""

from __future__ import annotations

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
    assert any("image/png" in o.get("data", {}) for o in outputs)  # the matplotlib chart
    assert any("image/svg+xml" in o.get("data", {}) for o in outputs)  # the flowchart
