"""A whole registry: ``registry.yaml``'s fields, every power, counts and provenance."""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    model_validator,
)

from ..graph import registry_graph
from ..lang import Lang
from . import display
from .entities import Category, Flowchart, Power, RiskPoint, _Entity
from .enums import Level, LevelIn
from .ids import DEFER_REFERENCES, Id, Label, Name, Prose
from .integrity import Issue, _list_ids
from .orgchart import OrgChart, Unit, org_issues


def expect_registry(value: object, where: str) -> None:
    """Refuse, before any work, what a function taking a :class:`Registry` was given
    instead (a path, most often).

    Raises:
        TypeError: naming the function and what it got.

    Examples:
        >>> expect_registry("examples/minimal", "powerreg.audit")
        Traceback (most recent call last):
        ...
        TypeError: powerreg.audit takes a Registry, not str; load it first: powerreg.load(path)
    """
    if not isinstance(value, Registry):
        raise TypeError(
            f"{where} takes a Registry, not {type(value).__name__}; "
            "load it first: powerreg.load(path)"
        )


class RegistryMeta(_Entity):
    """What ``registry.yaml`` holds: who keeps the registry, when, and its categories."""

    schema_version: Literal[1] = Field(
        default=1,
        description="格式版本：清单源文件的格式版本，现为 1。"
        "The version of the source format, now 1.",
    )
    id: Id = Field(
        description="清单编号：如 liaoning-epd-2011。The registry's id, e.g. liaoning-epd-2011."
    )
    department: Name = Field(
        description="部门名称：行使这些权力的部门。The department that holds the powers."
    )
    department_en: Name | None = Field(
        default=None,
        description="部门英文名称：部门的英文名称（可选）。"
        "The department's English name (optional).",
    )
    year: int = Field(ge=1949, le=2200, description="年度：这一版清单的年份。The edition year.")
    source: Prose = Field(
        description="来源文件：清单所依据的文件。The document the registry comes from."
    )
    license: Name | None = Field(
        default=None,
        description="许可协议：公开数据的许可（可选）。"
        "The licence of the published data (optional).",
    )
    categories: list[Category] = Field(
        min_length=1,
        description="职权类别：按显示顺序列出。The categories of powers, in display order.",
    )
    #: the level of each assessed risk point: row = likelihood 1–3, column = impact 1–3
    risk_matrix: list[Annotated[list[LevelIn], Field(min_length=3, max_length=3)]] | None = Field(
        default=None,
        min_length=3,
        max_length=3,
        description="风险矩阵：按发生可能性（行，1–3）和影响程度（列，1–3）给出的风险等级。"
        "The level of an assessed risk point by likelihood (row, 1–3) and impact (column, 1–3).",
    )
    #: the org chart: posts of the department itself (厅长, 分管厅领导 …), named bare …
    posts: list[Label] | None = Field(
        default=None,
        min_length=1,
        description="部门岗位：部门本身的岗位，如 厅长、分管厅领导。"
        "Posts of the department itself, e.g. 厅长, 分管厅领导.",
    )
    #: … and its units (处室, 直属单位, 派驻机构, 议事机构) with their posts; once either
    #: is declared, every role, division and responsible must name them (E004)
    units: list[Unit] | None = Field(
        default=None,
        min_length=1,
        description="机构：处室、直属单位、派驻机构和议事机构及其岗位；"
        "声明后，岗位、承办机构和责任主体须用这些名称。"
        "The department's units and their posts; once declared, every role, division and "
        "responsible must name them.",
    )

    def assessed_level(self, likelihood: int | None, impact: int | None) -> Level | None:
        """The level the risk matrix gives a likelihood and an impact (None without a
        matrix or a score).

        Examples:
            >>> meta = RegistryMeta.model_validate({"id": "x", "department": "局",
            ...     "year": 2011, "source": "s", "categories": [{"code": "XK", "name": "许可"}],
            ...     "risk_matrix": [["低", "低", "中"], ["低", "中", "高"], ["中", "高", "高"]]})
            >>> meta.assessed_level(3, 2), meta.assessed_level(1, 1), meta.assessed_level(None, 2)
            (<Level.HIGH: 'high'>, <Level.LOW: 'low'>, None)
        """
        if self.risk_matrix is None or likelihood is None or impact is None:
            return None
        return Level(self.risk_matrix[likelihood - 1][impact - 1])

    def org_chart(self) -> OrgChart | None:
        """The declared units and posts, or ``None`` if the registry declares neither (its
        roles, divisions and responsibles are then not checked).

        Examples:
            >>> meta = RegistryMeta.model_validate({"id": "x", "department": "局",
            ...     "year": 2011, "source": "s", "categories": [{"code": "XK", "name": "许可"}],
            ...     "posts": ["局长"], "units": [{"name": "法规科", "posts": ["科长"]}]})
            >>> meta.org_chart().problems("法规科科长、局长"), meta.org_chart().names
            ([], ['局长', '法规科', '法规科科长'])
        """
        if self.units is None and self.posts is None:
            return None
        return OrgChart(self.units or [], self.posts or [])

    def org_issues(self) -> list[Issue]:
        """Units and posts declared twice (E003)."""
        return org_issues(self.units, self.posts)

    def category_issues(self) -> list[Issue]:
        """Duplicate category codes (E003)."""
        seen: set[str] = set()
        issues = []
        for i, c in enumerate(self.categories):
            if c.code in seen:
                issues.append(
                    Issue("E003.category", ("categories", i, "code"), c.code, {"id": c.code})
                )
            seen.add(c.code)
        return issues


#: Finds where a power's entities stand, from what :attr:`SourceMap.pending` keeps of it:
#: ``(key, (file, line, column))`` pairs (:func:`powerreg.lateplaces.find_places`).
Finder = Callable[[Any], Iterable[tuple[str, tuple[str, int, int]]]]

_FILLING = threading.Lock()


def _unlock_in_child() -> None:  # a fork while a thread fills: the child's lock is free
    global _FILLING
    _FILLING = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_unlock_in_child)


class SourceMap:
    """Where each entity was read from: global id → ``(file, line, column)``.

    Provenance, not content: it never makes two registries unequal, so a registry read
    back from a catalog equals the one read from YAML.

    A load may leave the positions of some powers' entities to be found when first
    asked (:mod:`powerreg.lateplaces`): :attr:`pending` keeps, by power id, what
    ``finder`` needs for them. Ask through :meth:`find` (one entity) or :meth:`complete`
    (all of them), not :attr:`positions`, which holds only those found so far.

    Examples:
        >>> found = SourceMap({"P1": ("p.yaml", 1, 5)}, pending={"P1": "p.yaml"},
        ...     finder=lambda file: [("P1/F1", (file, 3, 7))])
        >>> found.find("P1/F1"), found.find("P1/F2"), found.pending
        (('p.yaml', 3, 7), None, {})
    """

    __slots__ = ("finder", "pending", "positions", "root")

    def __init__(
        self,
        positions: dict[str, tuple[str, int, int]] | None = None,
        root: str | None = None,
        *,
        pending: dict[str, Any] | None = None,
        finder: Finder | None = None,
    ) -> None:
        self.positions: dict[str, tuple[str, int, int]] = {} if positions is None else positions
        #: the directory the files are relative to, when read from a directory
        self.root = root
        #: power id → what ``finder`` needs to find where that power's entities stand
        self.pending: dict[str, Any] = {} if pending is None else pending
        self.finder = finder

    def find(self, key: str) -> tuple[str, int, int] | None:
        """Where the entity of ``key`` (a global id, or a key of
        :mod:`powerreg.model.ids`) stands, found in its file if not yet known."""
        at = self.positions.get(key)
        if at is None and self.pending:
            pid = key.partition("/")[0].partition("#")[0]
            if pid in self.pending:
                self._fill(pid)
                at = self.positions.get(key)
        return at

    def complete(self) -> dict[str, tuple[str, int, int]]:
        """Every position, those still pending found first (a catalog records them
        all)."""
        while self.pending:
            self._fill(next(iter(self.pending)))
        return self.positions

    def _fill(self, pid: str) -> None:
        with _FILLING:  # a service's threads may ask at once: each file read once
            ask = self.pending.pop(pid, None)
            if ask is None or self.finder is None:
                return
            for key, place in self.finder(ask):
                self.positions.setdefault(key, place)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SourceMap)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"SourceMap({len(self.positions)} entities)"


class Stats(BaseModel):
    """Counts of a registry, and the sentence the seed report uses for them.

    Examples:
        >>> Stats(categories=7, powers=84, powers_with_flowcharts=84, flowcharts=118,
        ...       risk_points=247, countermeasures=779).sentence
        '梳理出7类、84项行政权力，查找出247个廉政风险点，绘制权力运行流程图84项、118张，制定防范措施779条'
    """

    model_config = ConfigDict(frozen=True)

    categories: int = Field(description="职权类别数。Number of categories.")
    powers: int = Field(description="权力事项数。Number of powers.")
    powers_with_flowcharts: int = Field(
        description="绘有流程图的事项数。Number of powers with at least one flowchart."
    )
    flowcharts: int = Field(description="流程图张数。Number of flowcharts.")
    steps: int = Field(default=0, description="环节数。Number of steps over all flowcharts.")
    risk_points: int = Field(description="廉政风险点数。Number of integrity risk points.")
    countermeasures: int = Field(description="防范措施数。Number of countermeasures.")
    risk_points_by_level: dict[str, int] = Field(
        default_factory=dict, description="各等级风险点数。Risk points by level."
    )
    countermeasures_by_level: dict[str, int] = Field(
        default_factory=dict,
        description="各等级风险点的防范措施数。Countermeasures by the level of their risk point.",
    )
    powers_by_category: dict[str, int] = Field(
        default_factory=dict, description="各类别事项数。Powers by category code."
    )

    @property
    def sentence(self) -> str:
        """The report's sentence with these figures."""
        return (
            f"梳理出{self.categories}类、{self.powers}项行政权力，"
            f"查找出{self.risk_points}个廉政风险点，"
            f"绘制权力运行流程图{self.powers_with_flowcharts}项、{self.flowcharts}张，"
            f"制定防范措施{self.countermeasures}条"
        )


class Registry(RegistryMeta):
    """A whole registry: ``registry.yaml`` plus every power, keyed by power id."""

    powers: dict[str, Power] = Field(
        default_factory=dict,
        description="权力事项：按事项编号索引的全部权力事项。Every power, keyed by its id.",
    )
    _sources: SourceMap = PrivateAttr(default_factory=SourceMap)

    @model_validator(mode="after")
    def _check(self, info: ValidationInfo) -> Self:
        if info.context and info.context.get(DEFER_REFERENCES):
            return self
        issues = self.registry_issues()
        if issues:
            raise ValueError("; ".join(f"{i.code} {i.message}" for i in issues))
        return self

    def registry_issues(self) -> list[Issue]:
        """Problems across the registry: keys, duplicate codes and names, unknown
        categories, units and posts."""
        issues = self.category_issues() + self.org_issues()
        chart = self.org_chart()
        codes = {c.code for c in self.categories}
        for key, p in self.powers.items():
            if key != p.id:
                issues.append(
                    Issue("E005.key", ("powers", key, "id"), p.id, {"key": key, "id": p.id})
                )
            if p.category not in codes:
                issues.append(
                    Issue(
                        "E004.category",
                        ("powers", key, "category"),
                        p.id,
                        {"category": p.category, "categories": _list_ids(codes)},
                    )
                )
            if chart is not None:
                issues += chart.issues(p, ("powers", key))
        return issues

    # ------------------------------------------------------------------ navigation

    def category(self, code: str) -> Category:
        """The category with that code; ``KeyError`` if there is none."""
        for c in self.categories:
            if c.code == code:
                return c
        raise KeyError(code)

    def powers_of(self, code: str) -> list[Power]:
        """Powers of one category, in id order."""
        return sorted((p for p in self.powers.values() if p.category == code), key=lambda p: p.id)

    def iter_flowcharts(self) -> Iterator[tuple[Power, Flowchart]]:
        """Every ``(power, flowchart)`` pair, powers in id order."""
        for pid in sorted(self.powers):
            p = self.powers[pid]
            for fc in p.flowcharts:
                yield p, fc

    def iter_risk_points(self) -> Iterator[tuple[Power, RiskPoint]]:
        """Every ``(power, risk point)`` pair, powers in id order."""
        for pid in sorted(self.powers):
            p = self.powers[pid]
            for r in p.risk_points:
                yield p, r

    def entity(self, gid: str) -> BaseModel:
        """The entity with that global id (a power, flowchart, step, risk point or
        countermeasure); ``KeyError`` if there is none.

        Examples:
            >>> reg = Registry(id="r", department="d", year=2011, source="s",
            ...                categories=[Category(code="XK", name="行政许可")])
            >>> reg.entity("XK-404")
            Traceback (most recent call last):
            ...
            KeyError: 'XK-404'
        """
        parts = gid.split("/")
        try:
            power = self.powers[parts[0]]
            if len(parts) == 1:
                return power
            for fc in power.flowcharts:
                if fc.id == parts[1]:
                    return fc if len(parts) == 2 else fc.step(parts[2])
            for r in power.risk_points:
                if r.id == parts[1]:
                    if len(parts) == 2:
                        return r
                    for m in r.countermeasures:
                        if m.id == parts[2] and len(parts) == 3:
                            return m
        except KeyError:
            pass
        raise KeyError(gid)

    def graph(self) -> Any:
        """Every entity as a ``networkx.MultiDiGraph`` (see
        :func:`powerreg.graph.registry_graph`); built on demand, not on load."""
        return registry_graph(self)

    def covered_by(self, countermeasure_gid: str) -> dict[str, str]:
        """Everything one countermeasure covers: its risk point, the step the risk sits
        on, that step's flowchart and the power, as ``{kind: global id}``;
        ``KeyError`` if there is no such countermeasure.

        Examples:
            >>> reg = Registry.model_validate({"id": "r", "department": "d", "year": 2011,
            ...     "source": "s", "categories": [{"code": "XK", "name": "许可"}],
            ...     "powers": {"XK-1": {"id": "XK-1", "category": "XK", "name": "n",
            ...     "subject": "s", "division": "d", "flowcharts": [{"id": "F1", "title": "t",
            ...     "steps": [{"id": "S1", "label": "a"}]}], "risk_points": [{"id": "R1",
            ...     "at": "F1/S1", "level": "low", "type": "duty", "description": "d",
            ...     "countermeasures": [{"id": "M1", "kind": "公开", "stage": "事后",
            ...     "description": "d"}]}]}}})
            >>> reg.covered_by("XK-1/R1/M1")
            {'risk_point': 'XK-1/R1', 'step': 'XK-1/F1/S1', 'flowchart': 'XK-1/F1', 'power': 'XK-1'}
            >>> for gid in ("XK-1/R9/M1", "XK-1/R1", "XK-9/R1/M1"):
            ...     try:
            ...         reg.covered_by(gid)
            ...     except KeyError as err:
            ...         print(err)
            'XK-1/R9/M1'
            'XK-1/R1'
            'XK-9/R1/M1'
        """
        parts = countermeasure_gid.split("/") if isinstance(countermeasure_gid, str) else []
        power = self.powers.get(parts[0]) if len(parts) == 3 else None
        risk = next((r for r in power.risk_points if r.id == parts[1]), None) if power else None
        if risk is None or all(m.id != parts[2] for m in risk.countermeasures):
            raise KeyError(countermeasure_gid)  # none such (also: not POWER/RISK/MEASURE)
        pid = parts[0]
        return {
            "risk_point": risk.gid,
            "step": f"{pid}/{risk.at}",
            "flowchart": f"{pid}/{risk.flowchart_id}",
            "power": pid,
        }

    def location(self, gid: str) -> tuple[str, int, int] | None:
        """``(file, line, column)`` where an entity was read, if it was read from files;
        ``file`` is relative to :attr:`source_root`."""
        return self._sources.find(gid)

    def source_files(self) -> int:
        """How many files the registry was read from (``registry.yaml`` and each power
        file; a catalog counts as one), ``0`` for a registry built in code."""
        files = {file for file, _, _ in self._sources.positions.values()}
        return len(files)

    @property
    def source_root(self) -> str | None:
        """The directory the registry was read from, if any."""
        return self._sources.root

    # ------------------------------------------------------------------ notebooks

    def to_pandas(self, lang: Lang | None = None) -> Any:
        """The registry as tidy ``pandas.DataFrame`` s, one row per power, flowchart, step,
        risk point and countermeasure (see :func:`powerreg.frames.to_pandas`; extra
        ``notebook``); ``lang="zh"`` gives them Chinese column names and values."""
        return display.frames(self, lang)

    def _repr_html_(self) -> str:
        """The summary table Jupyter shows: per category, its powers, charts, risk points
        by level and countermeasures, with the report sentence as caption.

        Examples:
            >>> reg = Registry.model_validate({"id": "r", "department": "<局>", "year": 2011,
            ...     "source": "s", "categories": [{"code": "XK", "name": "许可"}]})
            >>> print(reg._repr_html_().splitlines()[1][:36])
            <caption>&lt;局&gt; 2011：梳理出1类、0项行政权力
        """
        rows: list[list[object]] = []
        for c in self.categories:
            powers = [p for p in self.powers.values() if p.category == c.code]
            risks = [r for p in powers for r in p.risk_points]
            rows.append(
                [
                    c.code,
                    c.name,
                    len(powers),
                    sum(len(p.flowcharts) for p in powers),
                    len(risks),
                    *(sum(r.level is lv for r in risks) for lv in Level),
                    sum(len(r.countermeasures) for r in risks),
                ]
            )
        stats = self.stats()
        header = ["代码 code", "职权类别 category", "事项 powers", "流程图 charts"]
        header += ["风险点 risks", "高 high", "中 medium", "低 low", "防范措施 measures"]
        total: list[object] = ["", "合计 total", stats.powers, stats.flowcharts, stats.risk_points]
        total += [*stats.risk_points_by_level.values(), stats.countermeasures]
        caption = f"{self.department} {self.year}：{stats.sentence}"
        return display.html_table(caption, header, rows, footer=total)

    def stats(self) -> Stats:
        """Counts, by level and by category, and the report sentence."""
        by_level: Counter[str] = Counter()
        m_by_level: Counter[str] = Counter()
        by_cat: Counter[str] = Counter(p.category for p in self.powers.values())
        n_fc = n_steps = n_m = 0
        with_fc = 0
        for p in self.powers.values():
            with_fc += bool(p.flowcharts)
            n_fc += len(p.flowcharts)
            n_steps += sum(len(fc.steps) for fc in p.flowcharts)
            for r in p.risk_points:
                by_level[r.level.value] += 1
                m_by_level[r.level.value] += len(r.countermeasures)
                n_m += len(r.countermeasures)
        order = [lv.value for lv in Level]
        return Stats(
            categories=len(self.categories),
            powers=len(self.powers),
            powers_with_flowcharts=with_fc,
            flowcharts=n_fc,
            steps=n_steps,
            risk_points=sum(by_level.values()),
            countermeasures=n_m,
            risk_points_by_level={k: by_level[k] for k in order},
            countermeasures_by_level={k: m_by_level[k] for k in order},
            powers_by_category={c.code: by_cat[c.code] for c in self.categories},
        )
