"""The department's org chart (机构与岗位) and what a role, division or responsible names.

``registry.yaml`` may declare the department's own posts (``posts``: 厅长, 分管厅领导 …)
and its units (``units``: 处室, 直属单位, 派驻机构, 议事机构), each with its posts. Once it
does, every step's ``role``, every power's ``division`` and every countermeasure's
``responsible`` must name what is declared (E004 otherwise, with a did-you-mean); a
registry without ``units`` and ``posts`` is not checked.

A reference is written as people write it on a chart:

* a unit: ``政策法规处``;
* a post of a unit, the unit's name followed by the post's: ``政策法规处处长``,
  ``省环境监察局案件承办人`` (a space between the two is allowed: ``政策法规处 处长``);
* a post of the department itself, bare: ``厅长``, ``分管厅领导``;
* several of these joined by ``、``: ``污染防治处、人事处``;
* followed by one note in parentheses, which is not checked: ``省环境监察局现场执法人员
  （两人以上）``, ``污染防治处（会同市环境保护局）``.

Examples:
    >>> chart = OrgChart(
    ...     [Unit(name="政策法规处", posts=["处长", "承办人"]),
    ...      Unit(name="省环境监察局", kind="直属单位", posts=["局长", "案件承办人"])],
    ...     ["厅长", "分管厅领导"])
    >>> chart.problems("政策法规处处长、厅长（两人以上）")
    []
    >>> [(key, p["part"], p.get("close")) for key, p in chart.problems("省环境监察局处长")]
    [('E004.post_close', '省环境监察局处长', '省环境监察局局长')]
    >>> [(key, p["part"], p.get("close")) for key, p in chart.problems("法规处")]
    [('E004.unit_close', '法规处', '政策法规处')]
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from pydantic import Field

from ..suggest import closest
from .entities import Power, _Entity
from .enums import UnitKind, UnitKindIn
from .ids import Label, Name
from .integrity import Issue, _list_ids

#: What joins the parts of a reference to several units or posts.
SEPARATOR = "、"
#: One note in parentheses (full-width or ASCII) at the end of a reference.
_NOTE = re.compile(r"\s*[（(][^（）()]*[）)]\s*$")


class Unit(_Entity):
    """A unit of the department's org chart and the posts (岗位) in it.

    Examples:
        >>> Unit.model_validate({"name": "政策法规处", "kind": "处室", "posts": ["处长"]}).kind
        <UnitKind.DIVISION: 'division'>
    """

    #: the one name the registry uses for the unit, e.g. 政策法规处
    name: Label = Field(
        description="机构名称：清单中对这一机构的唯一称呼，如 政策法规处。"
        "The one name the registry uses for the unit, e.g. 政策法规处."
    )
    name_en: Name | None = Field(
        default=None,
        description="英文名称：机构的英文名称（可选）。The unit's English name (optional).",
    )
    kind: UnitKindIn = Field(
        default=UnitKind.DIVISION,
        description="机构类别：处室（默认）、直属单位、派驻机构或议事机构。"
        "What the unit is: division (the default), affiliated, dispatched or body.",
    )
    #: its posts, each named after the unit in a reference: 处长 → 政策法规处处长
    posts: list[Label] = Field(
        default_factory=list,
        description="岗位：机构内的岗位，引用时接在机构名后，如 处长 → 政策法规处处长。"
        "Its posts, named after the unit in a reference: 处长 → 政策法规处处长.",
    )


def split_reference(reference: str) -> list[str]:
    """The units and posts a reference names: its parts joined by ``、``, without the note
    in parentheses at its end.

    Examples:
        >>> split_reference("污染防治处、省环境工程评估中心（两人以上）")
        ['污染防治处', '省环境工程评估中心']
        >>> split_reference("政策法规处 处长")
        ['政策法规处 处长']
    """
    body = _NOTE.sub("", reference)
    return [part.strip() for part in body.split(SEPARATOR)]


class OrgChart:
    """The declared units and posts, and the check of one reference against them.

    Results are kept per reference text: a registry of 10,000 powers names a few hundred
    distinct posts, so each is resolved once.
    """

    def __init__(self, units: Sequence[Unit], posts: Sequence[str]) -> None:
        self.units: dict[str, Unit] = {}
        for u in units:
            self.units.setdefault(u.name, u)  # a unit declared twice (E003): the first
        self.posts = frozenset(posts)
        #: unit names, longest first: the unit a post reference starts with
        self._prefixes = sorted(self.units, key=len, reverse=True)
        #: every full name a reference part may be
        self.names = [
            *posts,
            *(name for u in units for name in (u.name, *(u.name + p for p in u.posts))),
        ]
        self._seen: dict[str, list[tuple[str, dict[str, Any]]]] = {}

    def problems(self, reference: str) -> list[tuple[str, dict[str, Any]]]:
        """``(template key, parameters)`` of each part of ``reference`` that names no
        declared unit or post (``[]`` if all do)."""
        found = self._seen.get(reference)
        if found is None:
            found = []
            for part in split_reference(reference):
                problem = self._part(part)
                if problem is not None:
                    found.append(problem)
            self._seen[reference] = found
        return found

    def _part(self, part: str) -> tuple[str, dict[str, Any]] | None:
        if part in self.posts or part in self.units:
            return None
        for name in self._prefixes:
            if part.startswith(name):
                unit = self.units[name]
                post = part[len(name) :].strip()
                if post in unit.posts:
                    return None
                full = [name + p for p in unit.posts]
                params: dict[str, Any] = {
                    "part": part,
                    "unit": name,
                    "post": post,
                    "posts": _list_ids(unit.posts) if unit.posts else "-",
                }
                return _with_close("E004.post", params, closest(part, full))
        params = {"part": part, "units": _list_ids(self.units)}
        return _with_close("E004.unit", params, closest(part, self.names))

    def issues(self, power: Power, prefix: tuple[str | int, ...] = ()) -> list[Issue]:
        """E004 of every role, division and responsible of ``power`` that names no
        declared unit or post; ``loc`` inside the power's data, after ``prefix``."""
        out: list[Issue] = []
        for loc, entity, field, value in references(power):
            for key, params in self.problems(value):
                out.append(Issue(key, (*prefix, *loc), entity, {"field": field, **params}))
        return out


def _with_close(key: str, params: dict[str, Any], close: str | None) -> tuple[str, dict[str, Any]]:
    return (f"{key}_close", {**params, "close": close}) if close else (key, params)


def references(power: Power) -> Iterator[tuple[tuple[str | int, ...], str, str, str]]:
    """``(loc, entity, field, value)`` of every field of ``power`` that names a unit or
    post: its division, each step's role, each countermeasure's responsible."""
    yield ("division",), power.gid, "division", power.division
    for i, fc in enumerate(power.flowcharts):
        for j, s in enumerate(fc.steps):
            if s.role is not None:
                yield ("flowcharts", i, "steps", j, "role"), s.gid, "role", s.role
    for i, r in enumerate(power.risk_points):
        for j, m in enumerate(r.countermeasures):
            if m.responsible is not None:
                loc = ("risk_points", i, "countermeasures", j, "responsible")
                yield loc, m.gid, "responsible", m.responsible


def org_issues(units: Sequence[Unit] | None, posts: Sequence[str] | None) -> list[Issue]:
    """Names declared twice (E003): a unit or department post, or a post within a unit."""
    issues: list[Issue] = []
    seen: set[str] = set()
    named: list[tuple[tuple[str | int, ...], str]]
    named = [(("posts", j), p) for j, p in enumerate(posts or [])]
    named += [(("units", i, "name"), u.name) for i, u in enumerate(units or [])]
    for loc, name in named:
        if name in seen:
            issues.append(Issue("E003.unit", loc, name, {"id": name}))
        seen.add(name)
    for i, u in enumerate(units or []):
        within: set[str] = set()
        for j, p in enumerate(u.posts):
            if p in within:
                issues.append(
                    Issue("E003.post", ("units", i, "posts", j), u.name, {"id": p, "unit": u.name})
                )
            within.add(p)
    return issues
