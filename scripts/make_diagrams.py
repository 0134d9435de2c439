"""Regenerate ``diagrams/`` for the bundled reference registry (``make diagrams``).

Writes ``diagrams/<power id>/<flowchart id>.svg`` for every chart, the overview of each
category at ``diagrams/_categories/<code>.svg`` (for a category of more than 40 powers the
index of its sheets ``_categories/<code>_2.svg``, … — see
:func:`powerreg.render.overview_sheets`), and ``diagrams/README.md``, an index by category
linking every chart and overview sheet. All diagrams are drawn by one ``dot`` run (one per core)
into a new directory that replaces ``diagrams/`` whole, so charts that are gone go with
it and a failure changes nothing. ``tests/test_diagrams.py`` fails when the directory is
stale.

Usage::

    .venv/bin/python scripts/make_diagrams.py [-o DIR]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from powerreg.atomic import write_text
from powerreg.errors import PowerregError
from powerreg.model import LABELS_ZH, Level, Registry
from powerreg.reference import REFERENCE_ID, load_reference
from powerreg.render import overview_sheets, render, render_overview, write_diagrams

REPO = Path(__file__).resolve().parents[1]
INDEX = "README.md"


def md(text: str) -> str:
    """Text for a Markdown table cell or link text: no markup, no line breaks."""
    text = " ".join(text.split())
    for ch in "\\`*_[]<>|#":
        text = text.replace(ch, "\\" + ch)
    return text


def _levels(counts: Counter[Level]) -> str:
    return " ".join(f"{LABELS_ZH[lv.value]}{counts[lv]}" for lv in Level)


def _sheets(registry: Registry, code: str) -> str:
    """Links to the sheets of a category's overview: the one sheet, or the index and
    its numbered sheets."""
    first, *numbered = overview_sheets(registry, code)
    link = f"[{first}.svg]({first}.svg)"
    if not numbered:
        return link
    pages = " ".join(f"[{name.rpartition('_')[2]}]({name}.svg)" for name in numbered)
    return f"{link} (index), sheets {pages}"


def index(registry: Registry) -> str:
    """``diagrams/README.md``: every chart and overview, by category."""
    s = registry.stats()
    out = [
        "# Diagrams of the reference registry",
        "",
        f"{md(registry.department)}（{registry.year}年）：{md(s.sentence)}。",
        "",
        f"Generated from `src/powerreg/reference/{REFERENCE_ID}` by `make diagrams` "
        "(`scripts/make_diagrams.py`); do not edit by hand — `tests/test_diagrams.py` "
        "fails when a diagram is stale. Each chart shows its steps with their post and "
        "working days; steps that carry integrity risk points are filled by their "
        "highest level (高 red, 中 orange, 低 yellow) and list the risk ids, which the "
        "table beside the chart describes.",
        "",
    ]
    for category in registry.categories:
        powers = registry.powers_of(category.code)
        counts: Counter[Level] = Counter(r.level for p in powers for r in p.risk_points)
        charts = sum(len(p.flowcharts) for p in powers)
        title = md(category.name) + (f" — {md(category.name_en)}" if category.name_en else "")
        out += [
            f"## {title} ({md(category.code)})",
            "",
            f"{len(powers)} powers · {charts} charts · {sum(counts.values())} risk points "
            f"({_levels(counts)}) · overview: {_sheets(registry, category.code)}",
            "",
            "| 事项 | 名称 | 流程图 | 风险点 |",
            "|---|---|---|---|",
        ]
        for p in powers:
            links = " · ".join(
                f"[{md(fc.id)} {md(fc.title)}]({p.id}/{fc.id}.svg)" for fc in p.flowcharts
            )
            risks = _levels(Counter(r.level for r in p.risk_points))
            out.append(f"| {md(p.id)} | {md(p.name)} | {links} | {risks} |")
        out.append("")
    return "\n".join(out)


def make_diagrams(registry: Registry, out: Path) -> list[Path]:
    """Write every diagram and the index into ``out``; return the files written."""
    diagrams = {f"{p.id}/{fc.id}": render(fc, p, registry) for p, fc in registry.iter_flowcharts()}
    for category in registry.categories:
        diagrams.update(render_overview(registry, category.code))
    written = write_diagrams(diagrams, out, "svg")
    return [*written, write_text(out / INDEX, index(registry))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--out", type=Path, default=REPO / "diagrams", help="directory")
    args = parser.parse_args(argv)
    try:
        registry = load_reference()
        written = make_diagrams(registry, args.out)
    except PowerregError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    s = registry.stats()
    print(
        f"wrote {len(written)} files to {args.out}: {s.flowcharts} charts, "
        f"{len(registry.categories)} category overviews and {INDEX}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
