"""Notebook display (issue 16.10): charts and powers show drawn, a registry its table."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter

import graphviz
import pytest
from IPython.core.formatters import DisplayFormatter

import powerreg
from powerreg import Registry
from powerreg.model import display
from powerreg.render import inline

from .conftest import EXAMPLE


@pytest.fixture(scope="module")
def reference() -> Registry:
    return powerreg.load_reference()


def shown(obj: object) -> dict[str, object]:
    """What Jupyter would put in the output of a cell ending with ``obj``."""
    data, _ = DisplayFormatter().format(obj)
    return data


def test_a_flowchart_shows_as_its_chart() -> None:
    reg = powerreg.load(EXAMPLE)
    fc = reg.powers["XK-001"].flowcharts[0]
    data = shown(fc)
    svg = data["image/svg+xml"]
    assert isinstance(svg, str)
    assert svg.startswith("<svg")
    assert {f"<title>{s.id}</title>" in svg for s in fc.steps} == {True}


def test_a_power_shows_every_chart_in_one_svg(reference: Registry) -> None:
    power = next(p for p in reference.powers.values() if len(p.flowcharts) >= 3)
    svg = shown(power)["image/svg+xml"]
    assert isinstance(svg, str)
    assert svg.startswith("<svg")
    assert svg.rstrip().endswith("</svg>")
    assert svg.count("<svg") == 1 + len(power.flowcharts)  # one nested document per chart
    ids = Counter(re.findall(r'\bid="([^"]+)"', svg))
    assert [i for i, n in ids.items() if n > 1] == []  # two charts in one page share no id
    for fc in power.flowcharts:
        assert f"<title>{fc.gid.replace('-', '&#45;')}</title>" in svg  # as Graphviz writes it
    assert all(f">{r.id}<" in svg for r in power.risk_points)  # and so are its risk points


def test_powerreg_render_accepts_a_power(reference: Registry) -> None:
    power = reference.powers["XK-001"]
    drawings = powerreg.render(power, registry=reference)
    assert isinstance(drawings, powerreg.PowerCharts)
    assert [g.name for g in drawings] == [fc.gid for fc in power.flowcharts]
    assert all(isinstance(g, graphviz.Digraph) for g in drawings)
    assert "image/svg+xml" in shown(drawings)
    one = powerreg.render(power.flowcharts[0], power, reference)
    assert one.source == drawings[0].source
    with pytest.raises(TypeError, match="Flowchart or a Power"):
        powerreg.render(reference)  # type: ignore[call-overload]


def test_a_power_without_charts_shows_as_text() -> None:
    power = powerreg.Power.model_validate(
        {"id": "P1", "category": "XK", "name": "n", "subject": "s", "division": "d"}
    )
    assert power._repr_svg_() is None
    assert "image/svg+xml" not in shown(power)
    assert len(powerreg.render(power)) == 0


def test_a_registry_shows_its_summary_table(reference: Registry) -> None:
    data = shown(reference)
    html = data["text/html"]
    assert isinstance(html, str)
    assert html.startswith("<table>")
    assert reference.stats().sentence in html
    stats = reference.stats()
    for c in reference.categories:
        assert (
            f"<td>{c.code}</td><td>{c.name}</td><td>{stats.powers_by_category[c.code]}</td>" in html
        )
    total = f"<th>{stats.powers}</th><th>{stats.flowcharts}</th><th>{stats.risk_points}</th>"
    assert total in html


def test_registry_text_is_escaped_in_the_table() -> None:
    reg = Registry.model_validate(
        {
            "id": "r",
            "department": '<script>alert("x")</script>',
            "year": 2011,
            "source": "s",
            "categories": [{"code": "XK", "name": "<b>许可</b>&"}],
        }
    )
    html = reg._repr_html_()
    assert "<script>" not in html
    assert "<b>" not in html
    assert "&lt;script&gt;" in html
    assert "&lt;b&gt;许可&lt;/b&gt;&amp;" in html


def test_the_render_package_registers_the_drawer(monkeypatch: pytest.MonkeyPatch) -> None:
    assert display.DRAW is inline.svg
    fc = powerreg.load(EXAMPLE).powers["XK-001"].flowcharts[0]
    monkeypatch.setattr(display, "DRAW", None)
    assert fc._repr_svg_() is None  # the model alone shows text: it cannot draw


def test_no_graphviz_programs_means_text_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(*args: object, **kwargs: object) -> str:
        raise graphviz.ExecutableNotFound(["dot"])

    monkeypatch.setattr(graphviz.Digraph, "pipe", missing)
    power = powerreg.load(EXAMPLE).powers["XK-001"]
    assert power._repr_svg_() is None
    assert power.flowcharts[0]._repr_svg_() is None
    assert "text/plain" in shown(power)


def test_a_notebook_that_only_imports_powerreg_gets_charts_and_frames() -> None:
    """``import powerreg`` imports nothing eagerly: the first chart or DataFrame asked for
    imports the package that draws or builds it."""
    code = (
        "import sys, powerreg\n"
        "reg = powerreg.load(sys.argv[1])\n"
        "assert 'powerreg.render' not in sys.modules and 'powerreg.frames' not in sys.modules\n"
        "svg = reg.powers['XK-001'].flowcharts[0]._repr_svg_()\n"
        "assert svg is not None and svg.lstrip().startswith('<svg'), svg\n"
        "print(sorted(reg.to_pandas()._fields)[:2])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(EXAMPLE)], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("['countermeasures', 'flowcharts']"), out.stdout
