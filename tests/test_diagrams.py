"""``diagrams/`` holds the SVGs of the bundled registry and is not stale (issue 5).

Regenerate it with ``make diagrams`` (``scripts/make_diagrams.py``) after changing the
reference registry or the drawing.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import pytest

from powerreg.model import Registry
from powerreg.reference import load_reference
from powerreg.render import overview_sheets

DIAGRAMS = Path(__file__).resolve().parents[1] / "diagrams"
SVG = "{http://www.w3.org/2000/svg}"
REGENERATE = "diagrams/ is stale; run 'make diagrams' and commit the result"


@cache
def reference() -> Registry:
    return load_reference()


def node_texts(path: Path) -> dict[str, str]:
    """Text of each node of an SVG by node id (its <title>), spaces removed; the nodes
    that are not steps (names starting with '_') left out."""
    root = ET.parse(path).getroot()
    found = {}
    for g in root.iter(f"{SVG}g"):
        title = g.find(f"{SVG}title")
        name = title.text if title is not None else None
        if g.get("class") == "node" and name and not name.startswith("_"):
            text = "".join("".join(t.itertext()) for t in g.iter(f"{SVG}text"))
            found[name] = "".join(text.split())
    return found


def chart_ids() -> list[str]:
    return [f"{p.id}/{fc.id}" for p, fc in reference().iter_flowcharts()]


@pytest.mark.parametrize("chart", chart_ids())
def test_every_chart_has_an_up_to_date_svg(chart: str) -> None:
    power_id, chart_id = chart.split("/")
    power = reference().powers[power_id]
    flowchart = power.flowchart(chart_id)
    path = DIAGRAMS / power_id / f"{chart_id}.svg"
    assert path.is_file(), f"{path} is missing; {REGENERATE}"
    nodes = node_texts(path)
    assert set(nodes) == {s.id for s in flowchart.steps}, f"{path}: {REGENERATE}"
    for step in flowchart.steps:
        text = nodes[step.id]
        assert text.startswith("".join(step.label.split())), f"{path} {step.id}: {REGENERATE}"
        risks = [r.id for r in power.risk_points_at(chart_id, step.id)]
        if risks:
            assert f"风险点{'、'.join(risks)}" in text, f"{path} {step.id}: {REGENERATE}"
        else:
            assert "风险点" not in text, f"{path} {step.id}: {REGENERATE}"


def sheet_files() -> list[str]:
    """Every sheet of every category's overview, as a path under diagrams/."""
    registry = reference()
    return [f"{n}.svg" for c in registry.categories for n in overview_sheets(registry, c.code)]


def test_every_category_has_an_up_to_date_overview() -> None:
    registry = reference()
    for category in registry.categories:
        shown: list[str] = []
        for name in overview_sheets(registry, category.code):
            path = DIAGRAMS / f"{name}.svg"
            assert path.is_file(), f"{path} is missing; {REGENERATE}"
            shown += node_texts(path)
        expected = [p.id for p in registry.powers_of(category.code)]
        assert sorted(shown) == expected, f"{category.code}: {REGENERATE}"


def test_no_svg_of_a_chart_that_is_gone() -> None:
    expected = {f"{chart}.svg" for chart in chart_ids()} | set(sheet_files())
    present = {p.relative_to(DIAGRAMS).as_posix() for p in DIAGRAMS.rglob("*.svg")}
    assert present == expected, REGENERATE


def test_index_links_every_chart_and_overview() -> None:
    index = (DIAGRAMS / "README.md").read_text(encoding="utf-8")
    registry = reference()
    for category in registry.categories:
        assert f"({category.code})" in index, REGENERATE
    for sheet in sheet_files():
        assert f"]({sheet})" in index, f"{sheet}: {REGENERATE}"
    for chart in chart_ids():
        assert f"]({chart}.svg)" in index, f"{chart}: {REGENERATE}"
    assert registry.stats().sentence in index, REGENERATE
