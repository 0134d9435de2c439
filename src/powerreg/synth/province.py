"""A made-up province: a roll-up of many departments' registries, with planted overlaps.

:func:`write_province` writes ``rollup.yaml`` and one registry directory per department
under ``members/`` — provincial departments (厅), then cities' and counties' bureaus
(局), each city or county its own region — ``n_powers`` made-up powers shared out among
them (:func:`powerreg.synth.generate` for each, one at a time: any size fits in memory),
and ``planted.json``: the cross-department findings planted, which the roll-up's audit
must find, no more and no fewer:

* **A501** the same power (name and legal basis) in two provincial departments, and in
  two bureaus of one city where a city has two;
* **A502** a power whose statutory limit differs between a provincial department and a
  city bureau, and one whose category differs between a provincial department and a
  county (or city) bureau;
* **A503** the last department with high risk points guards none of them with a
  supervision or technology countermeasure (they become rules, ``institution``).

Every other power cites, besides its laws, its department's own 三定 provision
(``《…主要职责内设机构和人员编制规定》``), so no two departments share a power by
chance. The data is made up; the same arguments give the same files.

Examples:
    >>> import tempfile, json
    >>> from pathlib import Path
    >>> out = write_province(Path(tempfile.mkdtemp()) / "p", 60, 6, seed=1)
    >>> sorted(p.name for p in out.iterdir())
    ['members', 'planted.json', 'rollup.yaml']
    >>> for p in json.loads((out / "planted.json").read_text())["planted"]:
    ...     print(p["code"], p["entity"], p.get("what", "-"))
    A501 P-EPD:CF-000001 -
    A502 P-EPD:CF-000002 statutory limits
    A502 P-LRD:CF-000003 categories
    A503 X01-WRB -
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..atomic import check_output, new_directory
from ..codes import Phrase, phrase
from ..errors import UsageError
from ..model import Level, Limit, MeasureKind, Power, Registry
from .generator import chinese_number, generate
from .yamlfiles import write_registry

#: The bureaus of a province, city or county: (code, name), as 厅 or 局 names them.
BUREAUS: tuple[tuple[str, str], ...] = (
    ("EP", "环境保护"),
    ("LR", "国土资源"),
    ("WR", "水利"),
    ("HC", "住房和城乡建设"),
    ("TR", "交通运输"),
    ("AG", "农业"),
    ("FO", "林业"),
    ("HE", "卫生"),
    ("SW", "安全生产监督管理"),
    ("QS", "质量技术监督"),
    ("DR", "发展和改革"),
    ("ED", "教育"),
    ("ST", "科学技术"),
    ("IT", "工业和信息化"),
    ("PS", "公安"),
    ("CA", "民政"),
    ("JU", "司法"),
    ("FI", "财政"),
    ("HR", "人力资源和社会保障"),
    ("CO", "商务"),
    ("CU", "文化"),
    ("AU", "审计"),
    ("IC", "工商行政管理"),
    ("FD", "食品药品监督管理"),
    ("SA", "统计"),
    ("PR", "物价"),
    ("OF", "海洋与渔业"),
    ("RT", "新闻出版广电"),
    ("SP", "体育"),
    ("TO", "旅游"),
    ("GR", "粮食"),
    ("CD", "人民防空"),
    ("EQ", "地震"),
    ("ME", "气象"),
)

#: Most bureaus of one city or county in the made-up province.
CITY_BUREAUS = 4
COUNTY_BUREAUS = 3

_WATCH = (MeasureKind.SUPERVISION, MeasureKind.TECHNOLOGY)


@dataclass(frozen=True)
class PlannedDepartment:
    """One department of the made-up province."""

    id: str
    name: str
    level: str
    region: str
    powers: int

    @property
    def path(self) -> str:
        """Its registry directory, relative to rollup.yaml."""
        return f"members/{self.id.lower()}"


def plan(n_powers: int, n_departments: int) -> list[PlannedDepartment]:
    """The departments: about a tenth provincial (at least two), a third of the rest
    city bureaus (four to a city), the others county bureaus (three to a county); the
    powers shared out evenly.

    Examples:
        >>> big = plan(200_000, 500)
        >>> len({d.id for d in big}), len({d.path for d in big}), big[-1].id, big[-1].name
        (500, 500, 'X100-WRB', '示例100县水利局')
        >>> [(d.id, d.region, d.powers) for d in plan(20, 6)]  # doctest: +NORMALIZE_WHITESPACE
        [('P-EPD', '示例省', 4), ('P-LRD', '示例省', 4), ('C01-EPB', '示例一市', 3),
         ('X01-EPB', '示例一县', 3), ('X01-LRB', '示例一县', 3), ('X01-WRB', '示例一县', 3)]
    """
    if n_departments < 3:
        raise UsageError("province.too_few_departments", n=n_departments)
    if n_powers < 2 * n_departments:
        raise UsageError(
            "province.too_few_powers",
            n=n_powers,
            departments=n_departments,
            least=2 * n_departments,
        )
    n_province = max(2, n_departments // 10)
    rest = n_departments - n_province
    n_city = max(1, rest // 3)
    n_county = rest - n_city
    out: list[tuple[str, str, str, str]] = []
    for i in range(n_province):
        turn, j = divmod(i, len(BUREAUS))  # past the list: a second 环境保护厅 is 环境保护二厅
        code, name = BUREAUS[j]
        more = chinese_number(turn + 1) if turn else ""
        out.append(
            (f"P-{code}D{turn + 1 if turn else ''}", f"示例省{name}{more}厅", "province", "示例省")
        )
    for level, n, size, mark, word in (
        ("city", n_city, CITY_BUREAUS, "C", "市"),
        ("county", n_county, COUNTY_BUREAUS, "X", "县"),
    ):
        for i in range(n):
            k, j = divmod(i, size)
            region = f"示例{chinese_number(k + 1) if k < 99 else k + 1}{word}"
            code, name = BUREAUS[j]
            out.append((f"{mark}{k + 1:02d}-{code}B", f"{region}{name}局", level, region))
    base, extra = divmod(n_powers, n_departments)
    return [
        PlannedDepartment(did, name, level, region, base + (i < extra))
        for i, (did, name, level, region) in enumerate(out)
    ]


def _own_provision(name: str) -> str:
    return f"《{name}主要职责内设机构和人员编制规定》"


def _department_registry(d: PlannedDepartment, seed: int) -> Registry:
    reg = generate(d.powers, seed=seed)
    own = _own_provision(d.name)
    powers = {
        pid: p.model_copy(update={"subject": d.name, "legal_basis": [*p.legal_basis, own]})
        for pid, p in reg.powers.items()
    }
    for p in powers.values():
        p.assign_global_ids()
    return reg.model_copy(
        update={
            "id": f"{d.id.lower()}-2011",
            "department": d.name,
            "department_en": None,
            "source": f"Made up by powerreg synth --departments: {reg.source}",
            "powers": powers,
        }
    )


def _copy(power: Power, pid: str, **update: Any) -> Power:
    p = power.model_copy(update={"id": pid, **update})
    p.assign_global_ids()
    return p


def _spare_id(reg: Registry, category: str) -> str:
    for n in range(900001, 999999):
        pid = f"{category}-{n}"
        if pid not in reg.powers:
            return pid
    raise AssertionError("no spare id")  # pragma: no cover - a million powers of a category


def _without_own(power: Power, own: str) -> list[str]:
    return [b for b in power.legal_basis if b != own]


def _unwatched(power: Power) -> Power:
    risks = []
    for r in power.risk_points:
        if r.level == Level.HIGH:
            measures = [
                m.model_copy(update={"kind": MeasureKind.INSTITUTION}) if m.kind in _WATCH else m
                for m in r.countermeasures
            ]
            r = r.model_copy(update={"countermeasures": measures})
        risks.append(r)
    p = power.model_copy(update={"risk_points": risks})
    p.assign_global_ids()
    return p


def _has_high(reg: Registry) -> bool:
    return any(r.level == Level.HIGH for p in reg.powers.values() for r in p.risk_points)


def write_province(
    out_dir: str | os.PathLike[str],
    n_powers: int,
    n_departments: int,
    *,
    seed: int = 0,
    progress: Callable[[int], object] | None = None,
) -> Path:
    """Write a made-up province of ``n_departments`` departments and ``n_powers`` powers
    into ``out_dir`` (replaced whole, atomically; see the module's description).
    ``progress`` is called with 1 after each department.

    Raises:
        UsageError: fewer than 3 departments or 2 powers a department; ``out_dir`` not a
            new or empty directory, nor one this function wrote.
    """
    departments = plan(n_powers, n_departments)
    out = Path(out_dir)
    check_output(
        out,
        directory=True,
        not_ours=_not_a_province,
        fix=phrase("fix.new_dir_of", command="synth --departments"),
    )
    province = [d for d in departments if d.level == "province"]
    cities = [d for d in departments if d.level == "city"]
    counties = [d for d in departments if d.level == "county"]
    same_city = [d for d in cities if d.region == cities[0].region] if cities else []
    # where each plant goes: (code, first holder, second holder)
    a501 = [(province[0], province[1])] + (
        [(same_city[0], same_city[1])] if len(same_city) > 1 else []
    )
    limit_pair = (province[0], (cities or counties)[0])
    category_pair = (province[1], (counties or cities)[-1] if counties else cities[-1])
    planted: list[dict[str, Any]] = []
    pending: dict[str, list[Power]] = {}
    with new_directory(out) as work:
        members = work / "members"
        members.mkdir()
        unwatched = _last_with_high(departments, seed)
        for i, d in enumerate(departments):
            reg = _department_registry(d, seed * 100_003 + i)
            own = _own_provision(d.name)
            powers = dict(reg.powers)
            ids = sorted(powers)  # its own powers, not the copies it is given
            for p in pending.pop(d.id, []):
                pid = _spare_id(reg, p.category)
                powers[pid] = _copy(p, pid)
            for k, (first, second) in enumerate(a501):
                if d is first:
                    p = powers[ids[k]]
                    p = _copy(p, p.id, legal_basis=_without_own(p, own))
                    powers[p.id] = p
                    pending.setdefault(second.id, []).append(p)
                    planted.append(_plant("A501", d, p, [first.id, second.id]))
            if d is limit_pair[0]:
                p = powers[ids[len(a501)]]
                statutory = p.statutory_limit or Limit(amount=60)
                p = _copy(p, p.id, legal_basis=_without_own(p, own), statutory_limit=statutory)
                powers[p.id] = p
                other = Limit(amount=statutory.amount * 2, unit=statutory.unit)
                pending.setdefault(limit_pair[1].id, []).append(
                    _copy(p, p.id, statutory_limit=other)
                )
                planted.append(
                    _plant("A502", d, p, [d.id, limit_pair[1].id], what="statutory limits")
                )
            if d is category_pair[0]:
                p = powers[ids[len(a501) + 1]]
                p = _copy(p, p.id, legal_basis=_without_own(p, own))
                powers[p.id] = p
                moved = next(c.code for c in reg.categories if c.code != p.category)
                pending.setdefault(category_pair[1].id, []).append(_copy(p, p.id, category=moved))
                planted.append(_plant("A502", d, p, [d.id, category_pair[1].id], what="categories"))
            if d.id == unwatched:
                powers = {pid: _unwatched(p) for pid, p in powers.items()}
                planted.append({"code": "A503", "entity": d.id, "departments": [d.id]})
            reg = reg.model_copy(update={"powers": dict(sorted(powers.items()))})
            write_registry(reg, members / d.path.removeprefix("members/"))
            if progress is not None:
                progress(1)
        (work / "rollup.yaml").write_text(_rollup_yaml(departments, n_powers), encoding="utf-8")
        (work / "planted.json").write_text(
            json.dumps(
                {
                    "departments": n_departments,
                    "powers": n_powers,
                    "seed": seed,
                    "planted": sorted(planted, key=lambda p: (p["code"], _order(departments, p))),
                },
                ensure_ascii=False,
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
    return out


def _order(departments: list[PlannedDepartment], plant: dict[str, Any]) -> int:
    first = plant["entity"].split(":", 1)[0]
    return next(i for i, d in enumerate(departments) if d.id == first)


def _plant(
    code: str, d: PlannedDepartment, p: Power, holders: list[str], **extra: str
) -> dict[str, Any]:
    return {"code": code, "entity": f"{d.id}:{p.id}", "departments": holders, **extra}


def _last_with_high(departments: list[PlannedDepartment], seed: int) -> str:
    """The last department whose generated registry has a high risk point."""
    for i in range(len(departments) - 1, -1, -1):
        if _has_high(generate(departments[i].powers, seed=seed * 100_003 + i)):
            return departments[i].id
    raise UsageError("province.no_high_risk")


def _rollup_yaml(departments: list[PlannedDepartment], n_powers: int) -> str:
    data = {
        "title": f"示例省行政权力清单汇总（虚构，{len(departments)} 个部门、{n_powers} 项）",
        "departments": [
            {"id": d.id, "name": d.name, "level": d.level, "region": d.region, "path": d.path}
            for d in departments
        ],
    }
    text: str = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1 << 16)
    return text


def _not_a_province(target: Path) -> Phrase | None:
    names = sorted(p.name for p in target.iterdir())
    if names == ["members", "planted.json", "rollup.yaml"]:
        return None
    return phrase("part.not_written_by_synth")
