"""Diagrams (SPEC §8, issue 5): what a reader sees, Chinese that fits, safety, files.

The golden DOT text of the minimal example's XK-001 chart is ``tests/golden/XK-001-F1.dot``;
after an intended change of the drawing, regenerate it with
``POWERREG_UPDATE_GOLDEN=1 pytest tests/test_render.py`` and review the diff.
"""

from __future__ import annotations

import copy
import itertools
import os
import re
import shutil
import stat
import string
import threading
import time
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import powerreg
from powerreg.errors import UsageError
from powerreg.model import Registry
from powerreg.render import (
    FONT,
    LEVEL_COLORS,
    PANEL_NODE,
    SHEET_POWERS,
    WHEN_NODE,
    dot_source,
    escape,
    files,
    overview_sheets,
    render,
    render_all,
    render_category,
    render_overview,
    start_render_all,
    wrap,
    write_diagrams,
)
from powerreg.render.files import MARKER
from powerreg.render.overview import _plan
from powerreg.render.text import text_em

from .test_atomic import kill_midway, modes

HERE = Path(__file__).resolve().parent
MINIMAL = HERE.parent / "examples" / "minimal"
GOLDEN = HERE / "golden" / "XK-001-F1.dot"
SVG = "{http://www.w3.org/2000/svg}"
REAL_DOT = shutil.which("dot")


# ------------------------------------------------------------------------ factories


def power_data(pid: str = "XK-001", category: str = "XK", **fields: Any) -> dict[str, Any]:
    """A power with one chart: start → task → decision → (task | task) → end, and two
    risk points (high on the decision, low on the first task)."""
    data: dict[str, Any] = {
        "id": pid,
        "category": category,
        "name": "建设项目环境影响报告书审批",
        "legal_basis": ["《中华人民共和国环境影响评价法》第二十二条"],
        "subject": "测试局",
        "division": "审批科",
        "statutory_days": 60,
        "promised_days": 30,
        "flowcharts": [
            {
                "id": "F1",
                "title": "审批流程",
                "steps": [
                    {"id": "S1", "kind": "start", "label": "提交申请"},
                    {"id": "S2", "label": "受理", "role": "窗口", "days": 1},
                    {"id": "S3", "kind": "decision", "label": "审查", "role": "审批科", "days": 10},
                    {"id": "S4", "label": "批准", "role": "局长", "days": 2},
                    {"id": "S5", "label": "不予批准", "role": "局长", "days": 2},
                    {"id": "S6", "kind": "end", "label": "送达"},
                ],
                "transitions": [
                    "S1 -> S2",
                    "S2 -> S3",
                    {"from": "S3", "to": "S4", "when": "符合条件"},
                    {"from": "S3", "to": "S5", "when": "不符合条件"},
                    "S4 -> S6",
                    "S5 -> S6",
                ],
            }
        ],
        "risk_points": [
            risk("R1", "F1/S3", "high", "降低审批标准", measures=3),
            risk("R2", "F1/S2", "low", "拖延受理", measures=1),
        ],
    }
    data.update(fields)
    return data


def risk(rid: str, at: str, level: str, description: str, measures: int = 1) -> dict[str, Any]:
    return {
        "id": rid,
        "at": at,
        "level": level,
        "type": "process",
        "description": description,
        "countermeasures": [
            {"id": f"M{i}", "kind": "supervision", "stage": "during", "description": "监督"}
            for i in range(1, measures + 1)
        ],
    }


def make_registry(*powers: dict[str, Any]) -> Registry:
    return Registry.model_validate(
        {
            "id": "test-registry",
            "department": "测试局",
            "year": 2011,
            "source": "tests",
            "categories": [
                {"code": "XK", "name": "行政许可"},
                {"code": "CF", "name": "行政处罚"},
            ],
            "powers": {p["id"]: p for p in powers},
        }
    )


def many_powers(n: int) -> list[dict[str, Any]]:
    return [power_data(f"XK-{i:03d}") for i in range(1, n + 1)]


# ------------------------------------------------------------------------ SVG helpers


def svg_of(registry: Registry, power_id: str = "XK-001", chart: str = "F1") -> ET.Element:
    power = registry.powers[power_id]
    svg: bytes = render(power.flowchart(chart), power, registry).pipe(format="svg")
    return ET.fromstring(svg)


def nodes(root: ET.Element) -> dict[str, ET.Element]:
    """SVG groups of the graph's nodes by node name (their ``<title>``)."""
    found = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("class") == "node":
            title = g.find(f"{SVG}title")
            assert title is not None
            assert title.text is not None
            found[title.text] = g
    return found


def outline(node: ET.Element) -> ET.Element:
    """The node's own shape: the first polygon or path of its group."""
    return next(e for e in node if e.tag in (f"{SVG}polygon", f"{SVG}path"))


def points(shape: ET.Element) -> list[tuple[float, float]]:
    return [
        (float(x), float(y)) for x, y in (p.split(",") for p in shape.get("points", "").split())
    ]


def shape_of(node: ET.Element) -> str:
    shape = outline(node)
    if shape.tag == f"{SVG}path":
        return "rounded"
    corners = set(points(shape))
    xs = {x for x, _ in corners}
    return "box" if len(xs) == 2 else "diamond" if len(xs) == 3 else f"?{len(xs)}"


def texts(node: ET.Element) -> list[ET.Element]:
    return list(node.iter(f"{SVG}text"))


def text_of(element: ET.Element) -> str:
    """All text of an element, whitespace removed (wrapping breaks lines at spaces)."""
    return "".join("".join(t.itertext()) for t in element.iter(f"{SVG}text")).replace(" ", "")


# ------------------------------------------------------------------------ text


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("审批", "审批"),
        ("a & b", "a &amp; b"),
        ("<script>", "&lt;script&gt;"),
        ("\"q\" 'q'", "&quot;q&quot; &#39;q&#39;"),
        ("{x}", "&#123;x&#125;"),
        ("]; x [", "&#93;&#59; x &#91;"),
        ("a=b", "a&#61;b"),
        ("\\N \\G", "&#92;&#92;N &#92;&#92;G"),
        ("&amp;", "&amp;amp&#59;"),
        ("line\nbreak\ttab", "line break tab"),
        ("bell\x07 nul\x00", "bell\ufffd nul\ufffd"),
    ],
)
def test_escape(text: str, escaped: str) -> None:
    assert escape(text) == escaped


@pytest.mark.parametrize(
    ("text", "width", "lines"),
    [
        ("审批", 11, ["审批"]),
        ("作出不予批准决定并说明理由", 8, ["作出不予批准决", "定并说明理由"]),
        # balanced: no line left with one character
        ("不予受理通知书送达申请人", 11, ["不予受理通知", "书送达申请人"]),
        # closing punctuation stays with the character before it
        ("一二三四五六七，八九", 7, ["一二三四五", "六七，八九"]),
        ("一二三四五六七，", 7, ["一二三四", "五六七，"]),
        # opening punctuation stays with the character after it
        ("一二三四五六（七）", 6, ["一二三四五", "六（七）"]),
        ("EIA report form", 5, ["EIA", "report", "form"]),
        ("ABCDEFGHIJKLMNOP", 5, ["ABCDEFGH", "IJKLMNOP"]),
        ("审批 EIA 报告", 20, ["审批 EIA 报告"]),
    ],
)
def test_wrap(text: str, width: float, lines: list[str]) -> None:
    assert wrap(text, width) == lines


def test_a_long_word_is_cut_into_full_lines() -> None:
    # one pass over the word (it was cut and re-measured once per line: 949 s at 10^6)
    word = "ABCDEFGHIJ" * 1000
    lines = wrap(word, 11)
    assert "".join(lines) == word
    assert {len(line) for line in lines[:-1]} == {18}  # 18 × 0.6 em fill 11 em
    assert 0 < len(lines[-1]) <= 18
    cjk = "审" * 200 + "EIA" + "批" * 5
    lines = wrap(cjk, 11)
    assert "".join(lines) == cjk
    assert all(text_em(line) <= 11 for line in lines)


_WRAP_TEXT = st.lists(
    st.sampled_from([*"审批，。（）《》abcXYZ-1 ()[],.", "\u3000", "  "]), max_size=300
).map("".join)


@given(_WRAP_TEXT, st.sampled_from([1, 1.5, 2, 3.5, 5, 7, 11, 14]))
def test_wrap_keeps_every_character_and_fits_every_line(text: str, width: float) -> None:
    lines = wrap(text, width)
    assert "".join("".join(lines).split()) == "".join(text.split())
    for line in lines:
        assert line
        assert line == line.strip()
        assert text_em(line) <= width + 1e-9


# ------------------------------------------------------------------------ what a reader sees


def test_steps_have_their_shapes_colours_and_risk_ids() -> None:
    root = svg_of(make_registry(power_data()))
    found = nodes(root)
    assert {name for name in found if not name.startswith("_")} == {f"S{i}" for i in range(1, 7)}
    shapes = {name: shape_of(found[name]) for name in ("S1", "S2", "S3", "S4", "S6")}
    assert shapes == {"S1": "rounded", "S2": "box", "S3": "diamond", "S4": "box", "S6": "rounded"}
    high_fill, high_border = LEVEL_COLORS[powerreg.Level.HIGH]
    low_fill, _ = LEVEL_COLORS[powerreg.Level.LOW]
    assert outline(found["S3"]).get("fill") == high_fill
    assert outline(found["S3"]).get("stroke") == high_border
    assert outline(found["S2"]).get("fill") == low_fill
    assert outline(found["S4"]).get("fill") == "white"
    assert "风险点R1" in text_of(found["S3"])
    assert "风险点R2" in text_of(found["S2"])
    assert "风险点" not in text_of(found["S4"])
    # tasks show their post and working days
    assert text_of(found["S3"]).startswith("审查审批科·10个工作日")
    assert "局长·2个工作日" in text_of(found["S4"])


def test_a_step_takes_the_colour_of_its_highest_risk() -> None:
    data = power_data()
    data["risk_points"] += [risk("R3", "F1/S3", "low", "x"), risk("R4", "F1/S3", "medium", "y")]
    data["risk_points"] += [risk("R5", "F1/S4", "low", "x"), risk("R6", "F1/S4", "medium", "y")]
    found = nodes(svg_of(make_registry(data)))
    assert outline(found["S3"]).get("fill") == LEVEL_COLORS[powerreg.Level.HIGH][0]
    assert outline(found["S4"]).get("fill") == LEVEL_COLORS[powerreg.Level.MEDIUM][0]
    assert "风险点R1、R3、R4" in text_of(found["S3"])


def test_branches_are_labelled_on_their_edges() -> None:
    root = svg_of(make_registry(power_data()))
    found = nodes(root)
    labels = {text_of(g): name for name, g in found.items() if name.startswith(WHEN_NODE)}
    assert set(labels) == {"符合条件", "不符合条件"}
    edges = {
        title.text
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "edge" and (title := g.find(f"{SVG}title")) is not None
    }
    yes, no = labels["符合条件"], labels["不符合条件"]
    assert {f"S3->{yes}", f"{yes}->S4", f"S3->{no}", f"{no}->S5", "S1->S2"} <= edges


def test_header_names_chart_power_and_time_limits() -> None:
    root = svg_of(make_registry(power_data()))
    in_nodes = {id(t) for g in nodes(root).values() for t in texts(g)}
    header = "".join(
        "".join(t.itertext()) for t in root.iter(f"{SVG}text") if id(t) not in in_nodes
    ).replace(" ", "")
    for part in ("审批流程", "XK-001", "建设项目环境影响报告书审批", "行政许可"):
        assert part in header
    assert "法定时限60个工作日" in header
    assert "承诺时限30个工作日" in header


def test_side_table_lists_risk_points_and_legend() -> None:
    root = svg_of(make_registry(power_data()))
    panel = nodes(root)[PANEL_NODE]
    rows = text_of(panel)
    assert "本流程廉政风险点（2个）" in rows
    assert "R1高降低审批标准3" in rows
    assert "R2低拖延受理1" in rows
    assert all(f"{word}风险" in rows for word in ("高", "中", "低"))
    fills = {e.get("fill") for e in panel.iter(f"{SVG}polygon")}
    assert {fill for fill, _ in LEVEL_COLORS.values()} <= fills
    # the table stands beside the chart, not over it
    chart_right = max(x for g in nodes(root).values() if g is not panel for x, _ in nodes_box(g))
    panel_left = min(x for x, _ in nodes_box(panel))
    assert panel_left > chart_right


def nodes_box(node: ET.Element) -> list[tuple[float, float]]:
    return [pt for e in node.iter(f"{SVG}polygon") for pt in points(e)] or [(0.0, 0.0)]


def test_long_risk_descriptions_are_shortened_in_the_table() -> None:
    data = power_data()
    data["risk_points"][0]["description"] = "长" * 80
    registry = make_registry(data)
    source = dot_source(registry.powers["XK-001"].flowcharts[0], registry.powers["XK-001"])
    assert "长" * 80 not in source
    assert "…" in source


def test_render_without_power_draws_the_chart_alone() -> None:
    registry = make_registry(power_data())
    chart = registry.powers["XK-001"].flowcharts[0]
    alone = render(chart).source
    assert "审批流程" in alone
    assert "建设项目环境影响报告书审批" not in alone
    assert "风险点 R" not in alone
    assert "本流程廉政风险点" not in alone
    assert "图例" in alone
    # with the registry, the power is found by the chart's global id
    assert (
        render(chart, registry=registry).source
        == render(chart, registry.powers["XK-001"], registry).source
    )


def test_digraph_shows_inline_in_jupyter() -> None:
    registry = make_registry(power_data())
    bundle = render(registry.powers["XK-001"].flowcharts[0])._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]


def test_fontname_is_set_on_graph_nodes_and_edges() -> None:
    registry = make_registry(power_data())
    g = render(registry.powers["XK-001"].flowcharts[0], registry.powers["XK-001"])
    assert g.graph_attr["fontname"] == g.node_attr["fontname"] == g.edge_attr["fontname"] == FONT


# ------------------------------------------------------------------------ Chinese text


CJK_NEED = 0.95  # of the font size per CJK character: Noto Sans CJK advances 1 em


def needed_width(text: ET.Element) -> float:
    content = "".join(text.itertext())
    size = float(text.get("font-size", "14"))
    wide = sum(unicodedata.east_asian_width(ch) in ("W", "F") for ch in content)
    return wide * size * CJK_NEED


@pytest.mark.parametrize(
    "label",
    [
        "对建设项目环境影响报告书进行技术审查并组织专家论证会",
        "审批",
        "组织召开局长办公会集体审议重大建设项目环境影响评价文件",
    ],
    ids=["long", "short", "longer"],
)
def test_chinese_labels_fit_their_boxes(label: str) -> None:
    data = power_data()
    data["flowcharts"][0]["steps"][3]["label"] = label
    data["flowcharts"][0]["steps"][3]["role"] = "环境工程评估中心技术审查组"
    node = nodes(svg_of(make_registry(data)))["S4"]
    xs = [x for x, _ in points(outline(node))]
    left, right = min(xs), max(xs)
    lines = [t for t in texts(node) if "".join(t.itertext()).strip()]
    assert "".join("".join(t.itertext()) for t in lines).startswith(label)
    center = (left + right) / 2
    for text in lines:
        content = "".join(text.itertext())
        need = needed_width(text)
        assert right - left >= need
        x = float(text.get("x", "0"))
        assert text.get("text-anchor") == "start"
        assert left <= x, f"{content!r} spills out of its box"
        assert x + need <= right, f"{content!r} spills out of its box"
        # graphviz centres each line in the box: its idea of the line's width is
        # 2 × (centre − x). With the CJK font that is 1 em a character; a fallback font
        # without CJK metrics makes it ~30% narrower, or wider (boxes for missing glyphs).
        if all(unicodedata.east_asian_width(ch) in ("W", "F") for ch in content):
            em = float(text.get("font-size", "14")) * len(content)
            assert 0.9 * em <= 2 * (center - x) <= 1.1 * em, f"{content!r}: no CJK metrics?"
        assert text.get("font-family") == FONT


def test_long_labels_wrap_instead_of_making_huge_boxes() -> None:
    data = power_data()
    data["flowcharts"][0]["steps"][3]["label"] = "审" * 60
    node = nodes(svg_of(make_registry(data)))["S4"]
    xs = [x for x, _ in points(outline(node))]
    assert max(xs) - min(xs) < 12 * 16  # about 11 characters of 12 pt a line
    assert len(texts(node)) >= 6


# ------------------------------------------------------------------------ safety


EVIL = {
    "name": 'Power "quoted" {braces} <script>alert(1)</script> & ]; x [',
    "title": "Title </TD></TR></TABLE>> ]; evil [shape=box] & \\N \\G",
    "label": "Step <b>bold</b> \"q\" 'q' {b} ]; x [ &amp; &lt; -->",
    "role": "Role <img src=x onerror=alert(1)> ]]> <![CDATA[x]]>",
    "when": 'Yes"]; S9 [label="injected"]; S3 -> S9 [label="',
    "description": "Risk <svg onload=alert(1)> & {x} \\L",
}


def evil_registry() -> Registry:
    data = power_data(name=EVIL["name"], division=EVIL["role"])
    chart = data["flowcharts"][0]
    chart["title"] = EVIL["title"]
    chart["steps"][1]["label"] = EVIL["label"]
    chart["steps"][1]["role"] = EVIL["role"]
    chart["transitions"][2]["when"] = EVIL["when"]
    data["risk_points"][0]["description"] = EVIL["description"]
    return make_registry(data)


def test_registry_text_cannot_inject_dot_html_or_svg(tmp_path: Path) -> None:
    registry = evil_registry()
    (path,) = render_all(registry, tmp_path)
    svg = path.read_bytes()
    root = ET.fromstring(svg)  # well-formed
    found = nodes(root)
    # no extra nodes: the steps, the branch labels, the panel
    assert set(found) == {f"S{i}" for i in range(1, 7)} | {
        f"{WHEN_NODE}3",
        f"{WHEN_NODE}4",
        PANEL_NODE,
    }
    edges = [g for g in root.iter(f"{SVG}g") if g.get("class") == "edge"]
    assert len(edges) == 8
    # no markup: only graphviz's own elements and attributes
    allowed = {"svg", "g", "title", "polygon", "path", "text", "polyline", "ellipse"}
    assert {e.tag.removeprefix(SVG) for e in root.iter()} <= allowed
    attributes = {a for e in root.iter() for a in e.attrib}
    assert not {a for a in attributes if a.lower().startswith("on")}
    for markup in (b"<script", b"<img", b"<svg onload", b"<b>", b"<![CDATA["):
        assert markup not in svg
    assert b"&lt;script&gt;" in svg
    # the text is visible, as written
    everything = text_of(root)
    for text in EVIL.values():
        assert text.replace(" ", "") in everything, text
    # graphviz's escapes (\N, \G, \L) were not expanded
    assert "\\N\\G" in everything
    assert "\\L" in everything


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LABEL_TEXT = (
    st.lists(
        st.sampled_from(
            [
                *string.printable,
                *"审批，。、（）《》“”…—·\ufffd\x00\x07\x1b",
                "]; x [",
                "-->",
                "&amp;",
            ]
        ),
        min_size=1,
        max_size=20,
    )
    .map("".join)
    .filter(lambda t: t.strip() != "")
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(label=LABEL_TEXT, when=LABEL_TEXT)
def test_any_text_stays_text(label: str, when: str) -> None:
    data = power_data()
    data["flowcharts"][0]["steps"][1]["label"] = label
    data["flowcharts"][0]["transitions"][2]["when"] = when
    registry = make_registry(data)
    chart = registry.powers["XK-001"].flowcharts[0]
    label, when = chart.steps[1].label, chart.transitions[2].when or ""  # as validated
    root = svg_of(registry)  # well-formed whatever the text
    found = nodes(root)
    assert set(found) == {f"S{i}" for i in range(1, 7)} | {
        f"{WHEN_NODE}3",
        f"{WHEN_NODE}4",
        PANEL_NODE,
    }
    for text, node in ((label, "S2"), (when, f"{WHEN_NODE}3")):
        # whitespace runs break lines; what XML cannot carry shows as U+FFFD
        visible = _XML_INVALID.sub("\ufffd", "".join(text.split()))
        assert visible in text_of(found[node])


def test_dot_source_holds_registry_text_only_inside_escaped_labels() -> None:
    registry = evil_registry()
    source = dot_source(
        registry.powers["XK-001"].flowcharts[0], registry.powers["XK-001"], registry
    )
    for text in EVIL.values():
        assert text not in source
    assert "<script>" not in source
    assert source.count("label=<") == 1 + 6 + 2 + 1  # header, steps, branches, panel


def test_dot_source_is_the_source_of_render() -> None:
    minimal = powerreg.load(MINIMAL)
    evil = evil_registry()
    for registry in (minimal, evil, make_registry(power_data())):
        for power, chart in registry.iter_flowcharts():
            assert dot_source(chart, power, registry) == render(chart, power, registry).source
            assert dot_source(chart) == render(chart).source


# ------------------------------------------------------------------------ golden DOT


def test_golden_dot_of_the_minimal_example() -> None:
    registry = powerreg.load(MINIMAL)
    power = registry.powers["XK-001"]
    source = dot_source(power.flowcharts[0], power, registry)
    if os.environ.get("POWERREG_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(source, encoding="utf-8")
    assert GOLDEN.exists(), (
        f"no golden file; create it with POWERREG_UPDATE_GOLDEN=1 pytest {__file__}"
    )
    assert source == GOLDEN.read_text(encoding="utf-8"), (
        "the DOT of XK-001/F1 changed; if intended, regenerate with "
        "POWERREG_UPDATE_GOLDEN=1 pytest tests/test_render.py and review the diff"
    )


# ------------------------------------------------------------------------ category overview


def test_category_overview_lists_its_powers_with_risks_by_level() -> None:
    second = power_data("XK-002", name="排污许可证核发")
    second["risk_points"].append(risk("R3", "F1/S4", "medium", "x"))
    registry = make_registry(power_data(), second, power_data("CF-001", category="CF"))
    root = ET.fromstring(render_category(registry, "XK").pipe(format="svg"))
    found = nodes(root)
    assert set(found) == {"_category", "XK-001", "XK-002"}
    assert "排污许可证核发" in text_of(found["XK-002"])
    assert "高1中1低1" in text_of(found["XK-002"])
    assert "高1中0低1" in text_of(found["XK-001"])
    assert "2项权力·2张流程图" in text_of(found["_category"])
    assert "高2中1低2" in text_of(found["_category"])


def test_category_overview_of_an_unknown_category_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=r"no category 'ZZ' \(categories: XK, CF\)"):
        render_category(make_registry(power_data()), "ZZ")


def divided(divisions: list[str]) -> Registry:
    """XK-001, XK-002, … with these divisions, and one CF power."""
    return make_registry(
        *(power_data(f"XK-{i:03d}", division=d) for i, d in enumerate(divisions, start=1)),
        power_data("CF-001", category="CF"),
    )


def links(root: ET.Element) -> list[str]:
    return [a.get(XLINK) or "" for a in root.iter(f"{SVG}a")]


XLINK = "{http://www.w3.org/1999/xlink}href"


def test_a_big_category_is_an_index_and_sheets_grouped_by_division(tmp_path: Path) -> None:
    # 环评科 90 powers (paged into 3 sheets of 30), 监察科 25, 法规科 12, 办公室 3 (sharing
    # a sheet of 40), interleaved by id
    order = ["环评科"] * 90 + ["监察科"] * 25 + ["法规科"] * 12 + ["办公室"] * 3
    divisions = [order[(i * 7) % 130] for i in range(130)]
    assert sorted(divisions) == sorted(order)
    registry = divided(divisions)
    names = overview_sheets(registry, "XK")
    assert names == ["_categories/XK"] + [f"_categories/XK_{k}" for k in range(2, 6)]
    assert overview_sheets(registry, "CF") == ["_categories/CF"]  # small: one sheet, as ever
    sheets = render_overview(registry, "XK")
    assert list(sheets) == names
    paths = write_diagrams(sheets, tmp_path / "out")
    roots = [ET.fromstring(p.read_bytes()) for p in paths]
    index, numbered = roots[0], roots[1:]
    assert set(nodes(index)) == {"_category"}  # one table, laid out in linear time
    # a link to each sheet from each of its divisions' rows
    assert sorted(set(links(index))) == [f"XK_{k}.svg" for k in range(2, 6)]
    assert len(links(index)) == 4 + 2
    shown: list[str] = []
    for root in numbered:
        powers = [n for n in nodes(root) if not n.startswith("_")]
        assert len(powers) <= SHEET_POWERS
        of = {p: divisions[int(p[3:]) - 1] for p in powers}
        runs = [list(run) for _, run in itertools.groupby(powers, key=of.__getitem__)]
        assert len(runs) == len(set(of.values()))  # by division, each in id order
        assert all(run == sorted(run) for run in runs)
        assert set(of.values()) in (
            {"环评科"},
            {"监察科", "法规科", "办公室"},
        )
        assert links(root) == ["XK.svg"]  # the category box leads back to the index
        shown += powers
    assert sorted(shown) == sorted(registry.powers.keys() - {"CF-001"})  # each once
    sizes = sorted(len([n for n in nodes(r) if not n.startswith("_")]) for r in numbered)
    assert sizes == [30, 30, 30, 40]
    assert "第2张XK-001～" in text_of(nodes(index)["_category"])
    assert "130项权力" in text_of(nodes(index)["_category"])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["甲", "乙", "丙", "丁", "戊"]), min_size=1, max_size=300))
def test_every_power_is_on_one_sheet_of_at_most_the_limit(divisions: list[str]) -> None:
    registry = divided(divisions)
    sheets = _plan(registry, "XK")
    assert [s.name for s in sheets] == overview_sheets(registry, "XK")
    numbered = sheets[1:] if len(sheets) > 1 else sheets
    assert len(sheets) == 1 or not sheets[0].powers
    ids = [p.id for s in numbered for p in s.powers]
    assert sorted(ids) == sorted(p for p in registry.powers if p.startswith("XK"))
    for s in numbered:
        assert 1 <= len(s.powers) <= SHEET_POWERS
        assert {p.division for p in s.powers} == set(s.divisions)
    for division in set(divisions):  # a division that fits one sheet is on one sheet
        on = [s.number for s in numbered if division in s.divisions]
        assert divisions.count(division) > SHEET_POWERS or len(on) == 1
    assert len(sheets) <= 2 + 2 * len(divisions) // SHEET_POWERS + len(set(divisions))


def test_overview_sheets_escape_registry_text(tmp_path: Path) -> None:
    hostile = 'x"]; evil [label="y" <b>&amp;</b> \\N {z}'
    registry = divided([hostile] * 45)
    paths = write_diagrams(render_overview(registry, "XK"), tmp_path / "out")
    for path in paths:  # well-formed SVG, the division's text shown as it is
        root = ET.fromstring(path.read_bytes())
        assert "evil" not in nodes(root)
    texts = "".join(text_of(n) for n in nodes(ET.fromstring(paths[1].read_bytes())).values())
    assert "".join(hostile.split()) in texts


def test_render_all_writes_every_sheet_after_the_charts(tmp_path: Path) -> None:
    registry = divided(["甲"] * 41)
    paths = render_all(registry, tmp_path / "out", format="dot", categories=True)
    names = [p.relative_to(tmp_path / "out").as_posix() for p in paths]
    assert names[-4:] == [
        "_categories/XK.dot",
        "_categories/XK_2.dot",
        "_categories/XK_3.dot",
        "_categories/CF.dot",
    ]
    assert len(names) == 42 + 4


# ------------------------------------------------------------------------ files


def leftovers(out: Path) -> list[str]:
    """Hidden names inside ``out`` and beside it, but the marker of a diagram directory."""
    inside = [p.name for p in out.iterdir() if p.name.startswith(".") and p.name != MARKER]
    return inside + [p.name for p in out.parent.iterdir() if p.name.startswith(".")]


def test_render_all_writes_every_chart(tmp_path: Path) -> None:
    registry = powerreg.load(MINIMAL)
    paths = render_all(registry, tmp_path / "out")
    assert [p.relative_to(tmp_path / "out").as_posix() for p in paths] == [
        "CF-001/F1.svg",
        "XK-001/F1.svg",
    ]
    for (power, chart), path in zip(registry.iter_flowcharts(), paths, strict=True):
        names = {n for n in nodes(ET.fromstring(path.read_bytes())) if not n.startswith("_")}
        assert names == {s.id for s in chart.steps}, power.id
    assert leftovers(tmp_path / "out") == []


@pytest.mark.parametrize(
    ("fmt", "magic"), [("svg", b"<?xml"), ("png", b"\x89PNG"), ("pdf", b"%PDF")]
)
def test_render_all_formats(tmp_path: Path, fmt: str, magic: bytes) -> None:
    (path,) = render_all(make_registry(power_data()), tmp_path, format=fmt)
    assert path == tmp_path / "XK-001" / f"F1.{fmt}"
    assert path.read_bytes().startswith(magic)


def test_render_all_dot_format_needs_no_graphviz(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = make_registry(power_data())
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    (path,) = render_all(registry, tmp_path / "out", format="dot")
    power = registry.powers["XK-001"]
    assert path.read_text(encoding="utf-8") == dot_source(power.flowcharts[0], power, registry)


def fake_dot(tmp_path: Path, body: str) -> Path:
    """A ``dot`` on PATH that runs ``body`` (sh), with the real dot as $REAL and every
    invocation logged to calls.log."""
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    script = bindir / "dot"
    log = tmp_path / "calls.log"
    script.write_text(
        f'#!/bin/sh\necho "$@" >> "{log}"\nREAL="{REAL_DOT}"\n{body}\n', encoding="utf-8"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return bindir


@pytest.mark.parametrize("charts", [2, 60])
def test_render_all_runs_one_dot_per_core_not_per_chart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, charts: int
) -> None:
    bindir = fake_dot(tmp_path, 'exec "$REAL" "$@"')
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    paths = render_all(make_registry(*many_powers(charts)), tmp_path / "out")
    assert len(paths) == charts
    assert all(p.exists() for p in paths)
    calls = (tmp_path / "calls.log").read_text(encoding="utf-8").splitlines()
    assert 1 <= len(calls) <= max(1, os.cpu_count() or 1)
    assert all(call.split() == ["-Tsvg", "-O"] for call in calls)  # graphs on stdin
    if charts <= 2:
        assert len(calls) == 1


def test_a_free_dot_takes_the_next_chart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Charts go to whichever dot is free, not in turn: a dot that is held back until the
    other has drawn everything it was given draws only what its pipe held (in turn it
    would draw half). No clock decides it: w0 waits for w1's line in the log (at most
    120 s, so a broken scheduler fails the test instead of hanging it)."""
    log = tmp_path / "drawn.log"
    body = (
        'case "$PWD" in */w0) n=0; while ! grep -q "^w1 " "' + str(log) + '" 2>/dev/null'
        " && [ $n -lt 2400 ]; do sleep 0.05; n=$((n+1)); done;; esac\n"
        '"$REAL" "$@" || exit $?\n'
        f'echo "$(basename "$PWD") $(ls | wc -l)" >> "{log}"  # with the primer\'s two'
    )
    monkeypatch.setenv("PATH", f"{fake_dot(tmp_path, body)}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(files, "_workers", lambda jobs: 2)
    registry = make_registry(*many_powers(240))
    paths = render_all(registry, tmp_path / "out")
    for (power, _), path in zip(registry.iter_flowcharts(), paths, strict=True):
        assert {n for n in nodes(ET.fromstring(path.read_bytes())) if n[0] == "S"} == {
            f"S{i}" for i in range(1, 7)
        }, power.id
        assert f"{power.id}" in "".join(ET.fromstring(path.read_bytes()).itertext())
    drawn = dict(line.split() for line in log.read_text(encoding="utf-8").splitlines())
    assert int(drawn["w0"]) + int(drawn["w1"]) == 2 * 2 + 240
    assert int(drawn["w0"]) < 240 // 3


def test_a_chart_is_drawn_the_same_by_any_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Which process draws a chart, and after which others, does not show in its file
    (graphviz names the first graph of a process differently)."""
    registry = make_registry(*many_powers(30))
    monkeypatch.setattr(files, "_workers", lambda jobs: 1)
    one = [p.read_bytes() for p in render_all(registry, tmp_path / "one")]
    monkeypatch.setattr(files, "_workers", lambda jobs: 2)
    two = [p.read_bytes() for p in render_all(registry, tmp_path / "two")]
    assert one == two


def test_a_fresh_dot_takes_over_every_so_many_graphs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """graphviz 2.43 holds on to every graph it drew: a process draws at most _RECYCLE."""
    registry = make_registry(*many_powers(30))
    monkeypatch.setattr(files, "_workers", lambda jobs: 2)
    once = [p.read_bytes() for p in render_all(registry, tmp_path / "once")]
    bindir = fake_dot(tmp_path, 'exec "$REAL" "$@"')
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(files, "_RECYCLE", 4)
    paths = render_all(registry, tmp_path / "out")
    assert [p.read_bytes() for p in paths] == once  # each chart its own drawing
    calls = (tmp_path / "calls.log").read_text(encoding="utf-8").splitlines()
    assert len(calls) >= 30 // 4


def test_a_drawing_in_the_background_can_be_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pids = tmp_path / "pids"
    bindir = fake_dot(tmp_path, f'echo $$ >> "{pids}"; sleep 0.5; exec "$REAL" "$@"')
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(files, "_workers", lambda jobs: 2)
    registry = make_registry(*many_powers(300))
    out = tmp_path / "out"
    drawing = start_render_all(registry, out)
    while not pids.exists() or len(pids.read_text(encoding="utf-8").split()) < 2:
        time.sleep(0.05)
    drawing.stop()
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "calls.log", "pids"]
    for pid in map(int, pids.read_text(encoding="utf-8").split()):
        with pytest.raises(ProcessLookupError):  # killed and reaped
            os.kill(pid, 0)
    with pytest.raises(UsageError, match="the drawing was stopped"):
        drawing.result()
    assert start_render_all(registry, out, format="dot").result()[0].exists()


def test_the_largest_graph_in_hand_is_drawn_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bindir = fake_dot(tmp_path, 'sleep 1; exec "$REAL" "$@"')
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(files, "_workers", lambda jobs: 1)
    kilobytes = [100, 3, 17, 5, 40, 1, 23, 8, 11, 2]  # the first fills the pipe
    sources = [
        f"digraph g{k} {{ n{k}\n{('// ' + 'x' * 997 + chr(10)) * size}}}\n"
        for k, size in enumerate(kilobytes)
    ]
    work = tmp_path / "work"
    work.mkdir()
    run = files._run_dot(REAL_DOT or "dot", "svg", work, iter(sources), len(sources))
    assert run.linked == set()
    assert not run.kept
    made = [path for path in run.made if path is not None]
    assert len(made) == len(sources)
    for k, path in enumerate(made):  # each source's own output
        assert nodes(ET.fromstring(path.read_bytes())).keys() == {f"n{k}"}
    # dot -O numbers its outputs as it draws them: noname.gv.svg, noname.gv.2.svg, …
    turn = [int(m.group(1)) if (m := re.search(r"\.(\d+)\.svg$", p.name)) else 1 for p in made]
    assert sorted(range(len(made)), key=turn.__getitem__) == sorted(
        range(len(made)), key=lambda k: -kilobytes[k]
    )


@pytest.mark.parametrize(
    "body",
    [
        'echo "Error: syntax error in line 1" >&2; exit 1',
        # renders every file, then fails: nothing of it may be kept
        '"$REAL" "$@"; exit 3',
    ],
)
def test_a_failing_run_leaves_previous_diagrams_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str
) -> None:
    out = tmp_path / "out"
    registry = make_registry(power_data(), power_data("XK-002"))
    before = {p: p.read_bytes() for p in render_all(registry, out)}
    changed = copy.deepcopy(registry)
    changed.powers["XK-001"].flowcharts[0].title = "改过的标题"
    monkeypatch.setenv("PATH", f"{fake_dot(tmp_path, body)}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(
        UsageError, match=r"graphviz dot failed \(dot -Tsvg\).*no diagram was changed"
    ):
        render_all(changed, out)
    assert {p: p.read_bytes() for p in before} == before
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == [
        MARKER,
        "XK-001",
        "XK-001/F1.svg",
        "XK-002",
        "XK-002/F1.svg",
    ]


def test_missing_graphviz_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(UsageError, match="graphviz is not installed"):
        render_all(make_registry(power_data()), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_unknown_format_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(
        UsageError, match=r"unknown diagram format 'jpg' \(formats: svg, png, pdf, dot\)"
    ):
        render_all(make_registry(power_data()), tmp_path, format="jpg")


def test_unwritable_output_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(UsageError, match=r"'.*file' exists and is not a directory; choose"):
        render_all(make_registry(power_data()), tmp_path / "file", format="dot")


def test_write_diagrams_takes_graphs_and_sources(tmp_path: Path) -> None:
    registry = make_registry(power_data())
    paths = write_diagrams(
        {
            "_categories/XK": render_category(registry, "XK"),
            "XK-001/F1": dot_source(registry.powers["XK-001"].flowcharts[0]),
        },
        tmp_path,
    )
    assert [p.relative_to(tmp_path).as_posix() for p in paths] == [
        "_categories/XK.svg",
        "XK-001/F1.svg",
    ]
    assert all(ET.fromstring(p.read_bytes()).tag == f"{SVG}svg" for p in paths)


@pytest.mark.parametrize("name", ["../evil", "/abs/path", "a//b", "a/./b", ""])
def test_write_diagrams_stays_inside_its_directory(tmp_path: Path, name: str) -> None:
    with pytest.raises(UsageError, match="is not a relative path"):
        write_diagrams({name: "digraph { }"}, tmp_path / "out", format="dot")
    assert not (tmp_path / "out").exists()


def test_a_power_named_categories_keeps_its_chart(tmp_path: Path) -> None:
    """Overviews live under a name no id can take (ids start with a letter or digit)."""
    data = power_data("categories")
    data["flowcharts"][0]["id"] = "XK"
    for risk in data["risk_points"]:
        risk["at"] = risk["at"].replace("F1/", "XK/")
    registry = make_registry(data)
    out = tmp_path / "out"
    paths = render_all(registry, out, categories=True)
    assert [p.relative_to(out).as_posix() for p in paths] == [
        "categories/XK.svg",
        "_categories/XK.svg",
        "_categories/CF.svg",
    ]
    chart = {n for n in nodes(ET.fromstring(paths[0].read_bytes())) if not n.startswith("_")}
    assert chart == {s.id for s in registry.powers["categories"].flowcharts[0].steps}
    assert "categories" in nodes(ET.fromstring(paths[1].read_bytes()))  # the overview


def test_render_replaces_its_own_output_whole_and_nothing_else(tmp_path: Path) -> None:
    out = tmp_path / "out"
    render_all(make_registry(power_data(), power_data("XK-002")), out, format="dot")
    render_all(make_registry(power_data()), out, format="dot")
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == [
        MARKER,
        "XK-001",
        "XK-001/F1.dot",
    ]  # the chart of XK-002 is gone with the rest of the previous run
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(UsageError, match=r"was not written by 'powerreg render'.*refusing"):
        render_all(make_registry(power_data()), mine, format="dot")
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]


def test_render_output_is_readable_by_others(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        render_all(powerreg.load(MINIMAL), tmp_path / "out", categories=True)
    finally:
        os.umask(old)
    assert modes(tmp_path / "out") == {("dir", "0o755"), ("file", "0o644")}


def test_render_refuses_to_write_into_the_registry_it_draws(tmp_path: Path) -> None:
    reg = tmp_path / "reg"
    shutil.copytree(MINIMAL, reg)
    before = sorted(p.relative_to(reg).as_posix() for p in reg.rglob("*"))
    for out in (reg, reg / "powers", reg / "diagrams"):
        with pytest.raises(UsageError, match="inside the registry being read"):
            render_all(powerreg.load(reg), out, format="dot")
    assert sorted(p.relative_to(reg).as_posix() for p in reg.rglob("*")) == before


KILLED_RENDER = """
import os, sys, time
import powerreg
from powerreg.render import files

where, out = sys.argv[1], sys.argv[2]
reg = powerreg.load(sys.argv[3])
for power in reg.powers.values():
    power.flowcharts[0].title = "改过的标题"

def midway():
    print("midway", flush=True)
    time.sleep(300)

if where == "drawn":  # dot has drawn every chart; nothing is in place yet
    run_dot = files._run_dot

    def stalled(*args):
        made = run_dot(*args)
        midway()
        return made

    files._run_dot = stalled
else:  # one chart moved into place, the other not yet
    replace, calls = os.replace, []

    def stalling(src, dst):
        replace(src, dst)
        calls.append(dst)
        if len(calls) == 1:
            midway()

    os.replace = stalling
files.render_all(reg, out)
"""


@pytest.mark.parametrize("where", ["drawn", "moving"])
def test_a_killed_render_leaves_the_previous_diagrams_whole(tmp_path: Path, where: str) -> None:
    out = tmp_path / "out"
    render_all(powerreg.load(MINIMAL), out)
    before = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    kill_midway(KILLED_RENDER, where, str(out), str(MINIMAL))
    after = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before  # not old and new mixed, no temporary folder inside
    render_all(powerreg.load(MINIMAL), out)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # the killed run's folder is gone


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            'echo "Error: cannot write noname.gv.svg: No space left on device" >&2; exit 1',
            r"exit status 1: Error: cannot write noname.gv.svg: No space left on device;",
        ),
        ("kill -XFSZ $$", r"killed by SIGXFSZ \(a file grew past the size limit\), no message"),
        ("exit 2", r"exit status 2, no message"),
        # a full disk that dot does not notice: it exits 0 with its files cut short
        (
            '"$REAL" "$@"; for f in *.svg; do head -c 200 "$f" > x; mv x "$f"; done',
            r"its svg of XK-001/F1 is cut short and it said nothing \(is the disk full\?\)",
        ),
        ("exit 0", r"it wrote 0 files for 1 graphs and said nothing"),
    ],
)
def test_a_failing_dot_says_dot_failed_and_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, message: str
) -> None:
    monkeypatch.setenv("PATH", f"{fake_dot(tmp_path, body)}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(UsageError, match=r"^graphviz dot failed \(dot -Tsvg\)[:,] .*" + message):
        render_all(make_registry(power_data()), tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "calls.log"]
    from click.testing import CliRunner

    from powerreg import cli

    res = CliRunner().invoke(cli.main, ["render", str(MINIMAL), "-o", str(tmp_path / "out")])
    assert res.exit_code == 2
    assert res.stderr.startswith("error: graphviz dot failed (dot -Tsvg)")
    assert "Traceback" not in res.output


# ------------------------------------------------------------------------ command line


def test_cli_render(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from powerreg import cli

    runner = CliRunner()
    result = runner.invoke(
        cli.main, ["render", str(MINIMAL), "-o", str(tmp_path), "--format", "dot"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "XK-001" / "F1.dot").exists()
    bad = runner.invoke(cli.main, ["render", str(MINIMAL), "-o", str(tmp_path), "--format", "jpg"])
    assert bad.exit_code == 2
    assert "Traceback" not in bad.output


def test_render_all_draws_the_category_overviews_in_the_same_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bindir = fake_dot(tmp_path, 'exec "$REAL" "$@"')
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    reg = powerreg.load(MINIMAL)
    paths = render_all(reg, tmp_path / "out", categories=True)
    assert [p.relative_to(tmp_path / "out").as_posix() for p in paths] == [
        "CF-001/F1.svg",
        "XK-001/F1.svg",
        "_categories/XK.svg",
        "_categories/CF.svg",
    ]
    assert (tmp_path / "calls.log").read_text(encoding="utf-8").count("\n") == 1


def test_a_sheets_links_are_numbered_as_if_it_were_drawn_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """graphviz numbers the links of HTML-like labels for the life of a dot process: an
    overview's index drawn after other linked sheets would have other ids than drawn
    first, and a build's output would depend on which dot drew what, when."""
    monkeypatch.setattr(files, "_workers", lambda jobs: 1)  # one dot draws both

    def linked(name: str, links: int, padding: int) -> str:
        cells = "".join(f'<TD HREF="{name}{i}.svg">{i}</TD>' for i in range(links))
        pad = ("// " + "x" * 97 + "\n") * padding  # the bigger is drawn first
        return (
            f"digraph {name} {{\n{pad}n [shape=none label=<<TABLE><TR>{cells}</TR></TABLE>>]\n}}\n"
        )

    big, small = linked("big", 5, 50), linked("small", 3, 0)
    together = files.write_diagrams({"a/big": big, "a/small": small}, tmp_path / "together")
    alone = files.write_diagrams({"a/small": small}, tmp_path / "alone")
    ids = re.findall(rb'id="a_[^"]*"', together[1].read_bytes())
    assert len(ids) == 3
    assert together[1].read_bytes() == alone[0].read_bytes()
    assert re.findall(rb'id="a_[^"]*"', together[0].read_bytes())[0].endswith(b'_0"')


@pytest.mark.parametrize(
    ("env", "jobs", "dots"),
    [
        ({}, 118, 2),  # one a core
        ({}, 30, 1),  # too few charts for a second dot's start-up
        ({"POWERREG_PARALLEL": "0"}, 118, 1),  # kept to one core (a roll-up's worker)
        ({"POWERREG_WORKERS": "0"}, 118, 1),
    ],
)
def test_dot_processes_one_a_core_or_one(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], jobs: int, dots: int
) -> None:
    monkeypatch.delenv("POWERREG_PARALLEL", raising=False)
    monkeypatch.delenv("POWERREG_WORKERS", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(files, "core_count", lambda: 2)
    assert files._workers(jobs) == dots


def test_charts_drawn_so_far_are_had_while_the_drawing_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build's site inlines each chart as soon as dot has finished it: what
    Drawing.newly_drawn and drawn_text give then is what the drawing's files hold."""
    monkeypatch.setattr(files, "_workers", lambda jobs: 2)
    registry = make_registry(*many_powers(6))
    names = [f"{p.id}/{fc.id}" for p, fc in registry.iter_flowcharts()]
    sources = [dot_source(fc, p, registry) for p, fc in registry.iter_flowcharts()]
    go_on = threading.Event()

    def held(items: list[str]) -> Iterator[str]:  # the drawing waits for more at the 4th
        for k, source in enumerate(items):
            if k == 3:
                assert go_on.wait(60)
            yield source

    progress = files._Progress()
    progress.expect(names)
    work = tmp_path / "work"
    work.mkdir()
    made: list[files._Run] = []
    drawing = threading.Thread(
        target=lambda: made.append(
            files._run_dot(REAL_DOT or "dot", "svg", work, held(sources), 6, progress)
        )
    )
    drawing.start()
    seen: list[str] = []
    texts: dict[str, str | None] = {}
    deadline = time.monotonic() + 60
    while len(seen) < 3 and time.monotonic() < deadline:  # dot waits for the 4th meanwhile
        for name in progress.newly_drawn():
            seen.append(name)
            texts[name] = progress.text(name)
        time.sleep(0.01)
    assert sorted(seen) == sorted(names[:3])  # each once, and only those given so far
    assert progress.text(names[4]) is None  # not drawn yet
    go_on.set()
    drawing.join(60)
    [run] = made
    paths = [path for path in run.made if path is not None]
    for name in progress.newly_drawn():  # the rest, once their processes ended
        seen.append(name)
    assert sorted(seen) == sorted(names)
    for name, text in texts.items():
        assert text == paths[names.index(name)].read_text(encoding="utf-8")


def test_a_drawing_reports_nothing_of_a_sheet_with_links(tmp_path: Path) -> None:
    """An overview's sheets are changed once all are drawn (their link ids renumbered):
    what dot wrote first is not what the drawing gives, so it is not reported."""
    registry = make_registry(*many_powers(3))
    drawing = start_render_all(registry, tmp_path / "out", categories=True)
    seen: list[str] = []
    while not drawing.wait(0.01):
        seen += drawing.newly_drawn()
    drawing.result()
    seen += drawing.newly_drawn()
    charts = {f"{p.id}/{fc.id}" for p, fc in registry.iter_flowcharts()}
    assert set(seen) <= charts  # never a category's sheet
    assert len(seen) == len(set(seen))
    assert set(seen) == charts  # every chart, by the end
