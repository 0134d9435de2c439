"""The roll-up's public website: the members' own sites, an index and the findings.

A roll-up site is::

    index.html                  the roll-up: totals, and a table of departments ranked
                                by how well their high risk points are guarded, each
                                linking to its own site
    findings.html               the cross-department findings (A501–A504), by rule,
                                each linking to the power's page
    about.html                  the registries it holds
    departments/<id>/           each member's own site, as ``powerreg site`` writes it
    static/                     the site's stylesheet and icon

The pages reuse the website's templates (:mod:`powerreg.site`: ``base.html`` and its
stylesheet, Jinja2 with autoescape on, the same Content-Security-Policy), so registry
text is escaped here as everywhere on the site.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined

from ..codes import CODES
from ..errors import Problem
from ..model import LABELS_ZH, Level
from ..site import CSP
from .report import DepartmentRow, ranked
from .rules import departments_of
from .spec import LEVEL_ZH

#: The roll-up site's navigation: (key, address, text).
NAV_ITEMS = (
    ("home", "index.html", "首页"),
    ("findings", "findings.html", "跨部门发现"),
    ("about", "about.html", "关于"),
)

#: The website's static files a roll-up's own pages need.
_STATIC = ("site.css", "favicon.svg")

_SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}


@cache
def environment() -> Environment:
    """The roll-up pages' Jinja2 environment: its templates first, then the website's."""
    env = Environment(
        loader=ChoiceLoader(
            [
                PackageLoader("powerreg.rollup", "templates"),
                PackageLoader("powerreg.site", "templates"),
            ]
        ),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(
        label=lambda code: LABELS_ZH.get(code, code),
        levels=list(Level),
        nav_items=NAV_ITEMS,
        csp=CSP,
    )
    return env


@dataclass
class PortalResult:
    """What :func:`write_portal` wrote."""

    pages: int
    bytes: int


def _write(root: Path, path: str, template: str, site: dict[str, Any], **context: Any) -> int:
    context.setdefault("crumbs", [])
    context.setdefault("nav", "")
    html = environment().get_template(template).render(site=site, root="", **context)
    data = html.encode("utf-8")
    (root / path).write_bytes(data)
    return len(data)


def _power_href(f: Problem, published: set[str]) -> str | None:
    entity = f.entity or ""
    department, _, rest = entity.partition(":")
    if not rest or department not in published:
        return None
    return f"departments/{department}/powers/{rest.split('/')[0]}.html"


def write_portal(
    root: Path,
    *,
    title: str,
    rows: list[DepartmentRow],
    cross: list[Problem],
    sentence: str,
) -> PortalResult:
    """Write the roll-up's own pages and static files into ``root``, where the members'
    sites already are (``departments/<id>/``)."""
    static = root / "static"
    static.mkdir(exist_ok=True)
    for name in _STATIC:
        (static / name).write_bytes(files("powerreg.site").joinpath("static", name).read_bytes())
    years = [r.year for r in rows if r.year is not None]
    site = {
        "title": title,
        "department": title,
        "department_en": None,
        "year": max(years) if years else "",
        "registry": "",
        "license": None,
        "changes": False,
    }
    published = {r.id for r in rows if r.published}
    ids = [r.id for r in rows]
    involved = [departments_of(f, ids) for f in cross]
    about = Counter(d for ds in involved for d in ds)
    shown = []
    for r in ranked(rows):
        shown.append(
            {
                "id": r.id,
                "name": r.name,
                "level": r.level_zh,
                "loaded": r.loaded,
                "href": f"departments/{r.id}/index.html" if r.id in published else None,
                "powers": r.powers if r.loaded else "—",
                "risk_points": r.risk_points if r.loaded else "—",
                "high_risks": r.high_risks if r.loaded else "—",
                "high_covered": r.high_covered if r.loaded else "—",
                "coverage": "—" if r.coverage is None else f"{r.coverage:.0%}",
                "findings": about.get(r.id, 0),
            }
        )
    levels = Counter(LEVEL_ZH[r.level] for r in rows)
    size = _write(
        root,
        "index.html",
        "portal_home.html",
        site,
        nav="home",
        rows=rows,
        ranked=shown,
        by_level=list(levels.items()),
        sentence=sentence,
        not_loaded=[r for r in rows if not r.loaded],
        findings=len(cross),
    )
    groups: dict[str, list[dict[str, Any]]] = {}
    first_of: set[str] = set()
    for f, ds in zip(cross, involved, strict=True):
        new = [d for d in ds if d not in first_of]
        # the first finding about each department is where its count links
        first_of.update(new)
        groups.setdefault(f.code, []).append(
            {
                "severity": _SEVERITY_ZH[f.severity],
                "message": f.message("zh"),
                "href": _power_href(f, published),
                "where": f.where,
                "anchors": new,
            }
        )
    size += _write(
        root,
        "findings.html",
        "portal_findings.html",
        site,
        nav="findings",
        groups=[
            {"code": code, "title": CODES[code].title["zh"], "findings": items}
            for code, items in sorted(groups.items())
        ],
        crumbs=[("首页", "index.html"), ("跨部门发现", "")],
    )
    size += _write(
        root,
        "about.html",
        "portal_about.html",
        site,
        nav="about",
        rows=[
            {
                "id": r.id,
                "name": r.name,
                "level": r.level_zh,
                "registry": r.registry,
                "year": r.year,
            }
            for r in rows
        ],
        crumbs=[("首页", "index.html"), ("关于本网站", "")],
    )
    return PortalResult(pages=3, bytes=size)
