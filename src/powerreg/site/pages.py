"""The pages of the site: one Jinja2 environment, autoescaped, and what each page shows.

Every registry string reaches a page through a Jinja2 template with autoescape on, so
``<``, ``>``, ``&`` and quotes are text; the only markup inserted whole is a chart's
SVG, drawn by :mod:`powerreg.render` (which escapes its labels) and trimmed by
:func:`powerreg.site.charts.inline_svg`. Each page carries a Content-Security-Policy
that allows this site's own files and nothing else (:data:`CSP`): no inline script, no
style attribute, no other origin.

:class:`Pages` writes one page at a time (a 10,000-power site never holds its pages in
memory); the functions below build what each kind of page shows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NamedTuple

from jinja2 import Environment, FileSystemBytecodeCache, PackageLoader, StrictUndefined, Template
from jinja2.bccache import Bucket
from markupsafe import Markup

from ..loadcache import cache_dir, cache_enabled
from ..model import (
    FIELD_LABELS,
    LABELS_ZH,
    Category,
    Countermeasure,
    Flowchart,
    Level,
    Power,
    Registry,
    RiskPoint,
    RiskType,
    Stage,
    Step,
    StepKind,
)
from ..render import LEVEL_COLORS
from .charts import inline_svg
from .deferred import Marks, chart_svg
from .policy import OMITTABLE, PublishPolicy
from .public import withheld_reason

#: Only this site's own files: no inline script or style, nothing from another origin.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'"
)

#: The site's navigation: (key, address, text).
NAV_ITEMS = (
    ("home", "index.html", "首页"),
    ("risks", "risks.html", "风险点索引"),
    ("search", "search.html", "搜索"),
    ("downloads", "downloads.html", "数据下载"),
    ("about", "about.html", "关于"),
)

_KIND_ZH = {StepKind.START: "开始", StepKind.END: "结束", StepKind.DECISION: "判断"}


def _label(code: str) -> str:
    return LABELS_ZH.get(code, code)


class _TemplateCache(FileSystemBytecodeCache):
    """Compiled templates kept between runs (compiling them is a tenth of a reference
    site), keyed by each template's source: a changed template is compiled again. A
    cache that cannot be read or written is no cache, never an error."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, ValueError, EOFError):  # pragma: no cover - unreadable: compile
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        with suppress(OSError):
            super().dump_bytecode(bucket)


def template_cache() -> FileSystemBytecodeCache | None:
    """Where compiled templates are kept: ``jinja2/`` in powerreg's cache directory
    (:func:`powerreg.loadcache.cache_dir`), or ``None`` when the cache is off
    (``POWERREG_CACHE=0``) or the directory cannot be made.

    Examples:
        >>> import os, tempfile
        >>> os.environ["POWERREG_CACHE_DIR"] = tempfile.mkdtemp()
        >>> template_cache().directory.endswith("jinja2")
        True
        >>> os.environ["POWERREG_CACHE"] = "0"
        >>> template_cache() is None
        True
        >>> del os.environ["POWERREG_CACHE"], os.environ["POWERREG_CACHE_DIR"]
    """
    if not cache_enabled():
        return None
    folder = cache_dir() / "jinja2"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _TemplateCache(str(folder))


@cache
def environment() -> Environment:
    """The site's Jinja2 environment: templates from the package, autoescape on."""
    env = Environment(
        loader=PackageLoader("powerreg.site", "templates"),
        bytecode_cache=template_cache(),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # the package's templates do not change while a site is made: not looked at
        # again on disk each time a page extends, imports or includes one
        auto_reload=False,
    )
    # field: each field's label, its one name (powerreg.model.FIELD_LABELS), as
    # ``field.Power.name``: namespaces, which a template reads without the failed
    # attribute lookup a dict costs it (see StepRow)
    field = SimpleNamespace(**{m: SimpleNamespace(**f) for m, f in FIELD_LABELS.items()})
    env.globals.update(label=_label, field=field, levels=list(Level), nav_items=NAV_ITEMS, csp=CSP)
    return env


@dataclass
class Pages:
    """Writes pages into a site directory, one at a time, counting them."""

    root: Path
    site: dict[str, Any]
    count: int = 0
    bytes: int = 0
    _templates: dict[str, Template] = field(default_factory=dict)
    _folders: set[Path] = field(default_factory=set)  # made already
    _site: SimpleNamespace = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._site = SimpleNamespace(**self.site)  # read as site.title: see StepRow

    def write(self, path: str, template: str, **context: Any) -> None:
        """Render ``template`` with ``context`` to ``path`` (relative to the site)."""
        self.save(path, self.render(path, template, **context))

    def render(self, path: str, template: str, **context: Any) -> str:
        """The page ``template`` makes with ``context`` for ``path``, not written."""
        tpl = self._templates.get(template)
        if tpl is None:
            tpl = self._templates[template] = environment().get_template(template)
        depth = path.count("/")
        context.setdefault("crumbs", [])
        context.setdefault("nav", "")
        return tpl.render(site=self._site, root="../" * depth, **context)

    def save(self, path: str, text: str) -> None:
        """Write a page made by :meth:`render` to ``path`` (relative to the site)."""
        data = text.encode("utf-8")
        target = self.root / path
        if target.parent not in self._folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(target.parent)
        target.write_bytes(data)
        self.count += 1
        self.bytes += len(data)


def site_facts(registry: Registry) -> dict[str, Any]:
    """What every page says of the registry (header, footer, title)."""
    return {
        "title": f"{registry.department}行政权力公开",
        "department": registry.department,
        "department_en": registry.department_en,
        "year": registry.year,
        "registry": registry.id,
        "license": registry.license,
        "changes": False,  # whether the site has a notice of changes (变更公示)
    }


def level_counts(power: Power) -> dict[str, int]:
    """Risk points of a power by level code."""
    counts = Counter(r.level.value for r in power.risk_points)
    return {lv.value: counts[lv.value] for lv in Level}


class NextStep(NamedTuple):
    """Where a step leads, in a chart's text version: the step's number and label, and
    the condition (``when``) if the way is one of several."""

    number: int
    label: str
    when: str | None


class StepRow(NamedTuple):
    """One step of a chart's text version.

    The rows a power's page shows are named tuples, not dicts: Jinja2 reads ``s.step``
    as an attribute first, which on a dict fails (an exception raised and caught) before
    it tries the key; at 2,000 powers those failures were a fifth of the pages' rendering.
    """

    step: Step
    kind: str
    risks: list[RiskPoint]
    next: list[NextStep]


class ChartRow(NamedTuple):
    """A flowchart on a power's page: the chart inlined (or ``None``), its file, its steps."""

    flowchart: Flowchart
    svg: Markup | None
    href: str
    steps: list[StepRow]


class RiskRow(NamedTuple):
    """A risk point on a power's page: where it lies, and its measures by stage."""

    risk: RiskPoint
    where: str
    by_stage: list[tuple[str, list[Countermeasure]]]


def power_context(
    power: Power,
    category: Category,
    charts: Path,
    policy: PublishPolicy,
    marks: Marks | None = None,
) -> dict[str, Any]:
    """What a power's page shows (its charts read from ``charts/<id>/<chart>.svg``, or
    with ``marks`` a mark where each goes, for charts still being drawn: :mod:`.deferred`).

    Examples:
        >>> import powerreg
        >>> from powerreg.site.policy import PublishPolicy
        >>> reg = powerreg.load("examples/minimal")
        >>> power = reg.powers["XK-001"]
        >>> ctx = power_context(power, reg.categories[0], Path("none"), PublishPolicy())
        >>> row = ctx["charts"][0].steps[0]
        >>> row.step.id, row.kind, row.next[0].number, ctx["omit"].fee
        ('S1', '开始', 2, False)
    """
    crumbs = [("首页", "index.html"), (category.name, f"categories/{category.code}.html")]
    crumbs.append((power.name, ""))
    reason = withheld_reason(power)
    if reason is not None:
        return {"power": power, "category": category, "reason": reason, "crumbs": crumbs}
    shown = []
    for fc in power.flowcharts:
        svg_path = charts / power.id / f"{fc.id}.svg"
        name, prefix = f"流程图：{fc.title}（文字版见图后）", f"{fc.id}."
        svg = (
            chart_svg(svg_path, name, prefix)
            if marks is None
            else marks.mark(svg_path, name, prefix)
        )
        number = {s.id: i for i, s in enumerate(fc.steps, start=1)}
        label = {s.id: s.label for s in fc.steps}
        steps = []
        for s in fc.steps:
            nxt = [
                NextStep(number[t.target], label[t.target], t.when)
                for t in fc.transitions
                if t.source == s.id and t.target in number
            ]
            steps.append(
                StepRow(s, _KIND_ZH.get(s.kind, ""), power.risk_points_at(fc.id, s.id), nxt)
            )
        shown.append(ChartRow(fc, svg, f"charts/{power.id}/{fc.id}.svg", steps))
    risks = []
    for r in power.risk_points:
        try:
            fc = power.flowchart(r.flowchart_id)
            where = f"{fc.title} · {fc.step(r.step_id).label}"
        except KeyError:
            where = r.at
        by_stage = [
            (LABELS_ZH[stage.value], [m for m in r.countermeasures if m.stage is stage])
            for stage in Stage
        ]
        risks.append(RiskRow(r, where, [x for x in by_stage if x[1]]))
    return {
        "power": power,
        "category": category,
        "charts": shown,
        "risks": risks,
        "omit": SimpleNamespace(**{name: policy.omits(name) for name in OMITTABLE}),
        "crumbs": crumbs,
    }


def risk_rows(power: Power) -> Iterable[dict[str, Any]]:
    """The rows of the risk-point index for one public power."""
    for r in power.risk_points:
        try:
            step = power.flowchart(r.flowchart_id).step(r.step_id).label
        except KeyError:
            step = r.at
        yield {
            "power_id": power.id,
            "power_name": power.name,
            "category": power.category,
            "risk_id": r.id,
            "level": r.level.value,
            "type": r.type.value,
            "step": step,
            "description": r.description,
            "measures": len(r.countermeasures),
        }


@dataclass
class CategoryTally:
    """The counts of one category, for its card on the home page."""

    code: str
    name: str
    name_en: str | None
    powers: int = 0
    flowcharts: int = 0
    risks: int = 0
    measures: int = 0
    by_level: dict[str, int] = field(default_factory=lambda: {lv.value: 0 for lv in Level})

    def add(self, power: Power) -> None:
        self.powers += 1
        self.flowcharts += len(power.flowcharts)
        for r in power.risk_points:
            self.risks += 1
            self.measures += len(r.countermeasures)
            self.by_level[r.level.value] += 1


def level_bars(by_level: dict[str, int]) -> dict[str, Any]:
    """The home page's small bar chart of risk points by level (drawn as SVG with
    presentation attributes: the CSP allows no style attribute)."""
    top = max(by_level.values(), default=0) or 1
    rows = []
    for i, lv in enumerate(Level):
        fill, stroke = LEVEL_COLORS[lv]
        n = by_level.get(lv.value, 0)
        rows.append(
            {
                "label": f"{LABELS_ZH[lv.value]}风险",
                "count": n,
                "width": round(200 * n / top),
                "y": 8 + 34 * i,
                "fill": fill,
                "stroke": stroke,
            }
        )
    return {"rows": rows, "width": 330, "height": 8 + 34 * len(rows)}


def overview_svg(charts: Path, code: str, name: str) -> dict[str, Any] | None:
    """A category's overview diagram, inlined, or ``None`` if it was not drawn."""
    path = charts / "_categories" / f"{code}.svg"
    if not path.is_file():
        return None
    svg = inline_svg(path.read_text(encoding="utf-8"), f"{name}事项概览图", "overview.")
    return {"svg": svg, "href": f"charts/_categories/{code}.svg"}


def source_paragraphs(text: str) -> list[str]:
    """The provenance statement as paragraphs (one per non-empty line)."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def file_size(n: int) -> str:
    """A file size as a reader reads it.

    Examples:
        >>> file_size(900), file_size(52_000), file_size(3_400_000)
        ('900 字节', '51 KB', '3.2 MB')
    """
    if n < 1024:
        return f"{n} 字节"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


#: The risk types in display order (the filter of the risk-point index).
RISK_TYPES = list(RiskType)
