"""``publish_site``: the whole public website, written atomically."""

from __future__ import annotations

import gc
import json
import os
import shutil
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import date
from functools import partial
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from .. import formats
from ..atomic import check_output, new_directory, written_by
from ..audit import Policy, audit
from ..catalog import export_sqlite
from ..codes import phrase
from ..errors import Problem, RegistryError, UsageError
from ..machine import peak_memory_mib
from ..model import Category, Level, Power, Registry, expect_registry
from ..render import Drawing, start_render_all
from ..render.files import MARKER as DRAWING_MARKER
from ..render.reuse import Previous
from . import indexworker, pageshare
from .changes import changes_context
from .deferred import Deferred, Progress
from .downloads import Downloads
from .early import EarlyIndex, start_index
from .pages import (
    RISK_TYPES,
    CategoryTally,
    Pages,
    file_size,
    level_bars,
    level_counts,
    overview_svg,
    power_context,
    risk_rows,
    site_facts,
    source_paragraphs,
)
from .policy import OMITTABLE, PublishPolicy, as_policy
from .public import public_registry, search_docs, withheld_reason

if TYPE_CHECKING:  # a diff is made by the caller; the site only shows it
    from ..diff import Diff

#: The file that marks a directory written by ``publish_site``.
MARKER = ".powerreg-site.json"

#: The audit code of a power withheld without a reason: such a registry is not published.
WITHHELD_WITHOUT_REASON = "A311"

_STATIC = ("site.css", "search.js", "risks.js", "favicon.svg")


class NotPublishable(RegistryError):
    """The registry withholds a power without a stated reason (audit A311): no site."""


class SiteResult(BaseModel):
    """What ``publish_site`` wrote."""

    out_dir: str
    pages: int
    powers: int
    withheld: list[str]
    omitted: list[str]
    charts: int
    #: bytes of the search index (``search/``), and of all the pages
    search_bytes: int
    page_bytes: int
    #: whether the charts were drawn for the site (else taken from a build's drawing)
    charts_drawn: bool
    #: of the charts drawn for the site, those taken unchanged from the site it replaced
    #: (:mod:`powerreg.render.reuse`) rather than drawn again
    charts_kept: int = 0
    seconds: dict[str, float]
    peak_memory_mib: float | None = None

    @property
    def open_command(self) -> str:
        """The one command that serves the site for a browser."""
        return f"python -m http.server -d {self.out_dir}"


_not_a_site = written_by(MARKER, "powerreg site")


def check_publishable(registry: Registry) -> None:
    """Refuse a registry that withholds a power without a reason (audit A311).

    Raises:
        NotPublishable: with the audit's findings, each naming the file and line.
    """
    off = {code: "off" for code in _audit_codes() if code != WITHHELD_WITHOUT_REASON}
    report = audit(registry, Policy(severities=off))
    found: list[Problem] = [f for f in report.findings if f.code == WITHHELD_WITHOUT_REASON]
    if found:
        raise NotPublishable(found)


#: The key of the site's marker that keeps what its own drawing drew (the marker of
#: :mod:`powerreg.render.reuse`), so that the next site can take the charts unchanged.
DRAWING_KEY = "drawing"


def _drawn_before(out: Path) -> Previous | None:
    """The charts the site at ``out`` drew itself, as its marker records them (``None``
    where there is no such record: no site, one made by a build, a marker not ours)."""
    try:
        data = json.loads((out / MARKER).read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    return Previous.read_from(out / "charts", data.get(DRAWING_KEY))


def _taken_record(marker: Path) -> dict[str, Any]:
    """The drawing's marker, read and removed from the published charts."""
    try:
        data = json.loads(marker.read_bytes())
    except (OSError, ValueError):
        data = {}
    marker.unlink(missing_ok=True)
    return data if isinstance(data, dict) else {}


def _audit_codes() -> list[str]:
    from ..audit.policy import AUDIT_CODES

    return list(AUDIT_CODES)


def publish_site(
    registry: Registry,
    out_dir: str | os.PathLike[str],
    *,
    policy: PublishPolicy | str | os.PathLike[str] | None = None,
    drawn: str | os.PathLike[str] | None = None,
    catalog: str | os.PathLike[str] | None = None,
    changes: Diff | None = None,
    edition: date | None = None,
    drawing: Callable[[], object] | None = None,
    exporting: Callable[[], object] | None = None,
    search: EarlyIndex | None = None,
    progress: Progress | None = None,
    redraw: bool = False,
    drawn_before: str | os.PathLike[str] | None = None,
) -> SiteResult:
    """Write the public website of ``registry`` into ``out_dir``, replacing it atomically.

    ``policy`` says which fields the site leaves out (a :class:`PublishPolicy` or the
    path of a policy file). ``drawn`` is a directory where :func:`powerreg.render_all`
    drew this registry's charts with ``categories=True``, and ``catalog`` its SQLite
    catalog (with its Datasette metadata beside it), as ``powerreg build`` makes them:
    the site takes them when the published registry is the registry itself, instead of
    drawing and exporting again. Otherwise it draws the charts itself, in the background
    while its pages are made, each page finished as soon as its charts are drawn (and
    its search index forked first: :mod:`.early`). ``drawing``, if given, waits for the
    charts of ``drawn`` still being drawn (:meth:`powerreg.render.Drawing.result`, as
    the build passes it): the pages are made meanwhile, those that show a chart
    finished when it is drawn (:mod:`.deferred`); the site is the same. ``exporting``
    likewise waits for ``catalog`` still being written
    (:meth:`powerreg.catalog.background.Export.result`): it is copied into the downloads
    last. ``progress``, the drawing at work itself (a
    :class:`powerreg.render.Drawing`, as the build passes it with ``drawing``), lets the
    pages whose charts it has finished be written while it goes on (:mod:`.deferred`).
    ``search``, the search index of ``registry`` started by the build
    (:func:`powerreg.site.early.start_index`), is taken into the site instead of
    building one, if it was made under the same policy. ``changes``, the
    :func:`powerreg.diff` from the previous edition, adds the notice of changes
    (``changes.html``, 变更公示) dated ``edition`` (default: today). The charts the site
    draws itself are taken from the site ``out_dir`` holds (or ``drawn_before``, this
    registry's last site elsewhere: a roll-up's member) where their DOT text has not
    changed (its marker records what it drew; :mod:`powerreg.render.reuse`), unless
    ``redraw``.

    Raises:
        NotPublishable: a power is withheld without a reason (audit A311).
        UsageError: a bad policy, ``out_dir`` not a site or not writable, graphviz
            missing or failing.

    Examples:
        >>> import tempfile, powerreg
        >>> out = Path(tempfile.mkdtemp()) / "site"
        >>> result = publish_site(powerreg.load("examples/minimal"), out)
        >>> result.pages, result.charts, sorted(p.name for p in out.glob("*.html"))
        (9, 2, ['about.html', 'downloads.html', 'index.html', 'risks.html', 'search.html'])
        >>> from powerreg.site import lookup
        >>> [hit.id for hit in lookup(out, "环境影响")]
        ['XK-001']
    """
    t0 = time.perf_counter()
    expect_registry(registry, "powerreg.publish_site")
    rules = as_policy(policy)
    out = Path(out_dir)
    check_output(
        out,
        directory=True,
        not_ours=_not_a_site,
        fix=phrase("fix.new_dir"),
        source=registry.source_root,
    )
    check_publishable(registry)
    public = public_registry(registry, rules)
    withheld = sorted(p.id for p in public.powers.values() if not p.is_public)
    early = None
    if search is not None:
        if search.policy == rules:
            early = search.job
        else:  # made for another site: not this one's
            search.stop()
            shutil.rmtree(search.job.out, ignore_errors=True)
    seconds: dict[str, float] = {}
    own: Drawing | None = None  # the site's own drawing of its charts
    drawn_record: dict[str, Any] = {}  # what it drew, from its marker
    try:
        # what is left at work if a step fails is stopped before the directory goes
        with new_directory(out) as work, ExitStack() as at_work:
            t = time.perf_counter()
            charts = work / "charts"
            reuse = drawn is not None and not withheld and not rules.redraws_charts
            later: Deferred | None = None
            if reuse:
                assert drawn is not None
                source = Path(drawn)

                def take_charts() -> None:
                    t = time.perf_counter()
                    if drawing is not None:
                        drawing()
                    seconds["charts"] = time.perf_counter() - t

                def place_charts() -> None:
                    # linked (140,000 files at 100,000 powers: some 13 s of one core) by
                    # the pages' child where there is one, meanwhile the pages read the
                    # same files where they were drawn
                    shutil.rmtree(charts, ignore_errors=True)  # a failed child's part
                    shutil.copytree(
                        source, charts, ignore=shutil.ignore_patterns(".*"), copy_function=_link
                    )

                n_charts = sum(len(p.flowcharts) for p in public.powers.values())
                later = Deferred(source, take_charts)
                if drawing is None:
                    later.wait()
            else:
                # drawn here, in the background: the pages are made meanwhile, each
                # finished as soon as dot has finished its charts (.deferred), as in a
                # build; the search index forked first, before the drawing's threads
                if early is None and (started := start_index(registry, rules, work / "search")):
                    early = started.job
                    at_work.callback(started.stop)
                before = None if redraw else _drawn_before(Path(drawn_before or out))
                own = start_render_all(public, charts, categories=True, previous=before)
                at_work.callback(own.stop)  # nothing once it has ended

                def draw_charts() -> None:
                    t = time.perf_counter()
                    own.result()
                    # what was drawn, for the next site: kept in the site's own marker, not
                    # published among the charts
                    drawn_record.update(_taken_record(charts / DRAWING_MARKER))
                    seconds["charts"] = time.perf_counter() - t

                n_charts = sum(len(p.flowcharts) for p in public.powers.values())
                later = Deferred(charts, draw_charts)
                progress = own

            t = time.perf_counter()
            static = work / "static"
            static.mkdir()
            for name in _STATIC:
                (static / name).write_bytes(
                    files(__package__).joinpath("static", name).read_bytes()
                )
            downloads = work / "downloads"
            downloads.mkdir()

            def take_catalog() -> None:
                t = time.perf_counter()
                if catalog is not None and public is registry:
                    if exporting is not None:
                        exporting()
                    db = Path(catalog)
                    shutil.copyfile(db, downloads / "catalog.db")
                    meta = db.with_name("metadata.json")
                    meta = meta if meta.is_file() else db.with_name(f"{db.stem}.metadata.json")
                    shutil.copyfile(meta, downloads / "catalog.metadata.json")
                else:
                    export_sqlite(
                        public,
                        downloads / "catalog.db",
                        metadata_path=downloads / "catalog.metadata.json",
                    )
                seconds["catalog"] = time.perf_counter() - t

            if exporting is None:
                take_catalog()

            meanwhile = later is not None and not later.done  # the charts come in the pages
            t = time.perf_counter()
            result = _write_pages(
                public,
                work,
                rules,
                withheld,
                changes,
                edition,
                later,
                None if exporting is None else take_catalog,
                early,
                progress,
                place_charts if reuse else None,
            )
            seconds["pages"] = time.perf_counter() - t
            if meanwhile:
                seconds["pages"] -= seconds["charts"]
            if exporting is not None:  # and the catalog
                seconds["pages"] -= seconds["catalog"]
            kept = 0 if own is None else own.kept
            result.update(
                out_dir=str(out), charts=n_charts, charts_drawn=not reuse, charts_kept=kept
            )
            seconds["total"] = time.perf_counter() - t0
            done = SiteResult(seconds=seconds, **result)
            record = done.model_dump(mode="json")
            if drawn_record:
                record[DRAWING_KEY] = drawn_record
            text = json.dumps(record, ensure_ascii=False, indent=2)
            (work / MARKER).write_text(text + "\n", encoding="utf-8")
    except OSError as err:
        raise UsageError("site.cannot_write", path=out, reason=err.strerror or str(err)) from err
    seconds["total"] = time.perf_counter() - t0
    return done.model_copy(update={"seconds": seconds, "peak_memory_mib": peak_memory_mib()})


def _write_pages(
    public: Registry,
    work: Path,
    rules: PublishPolicy,
    withheld: list[str],
    changes: Diff | None = None,
    edition: date | None = None,
    later: Deferred | None = None,
    take_catalog: Callable[[], None] | None = None,
    search: indexworker.IndexJob | None = None,
    progress: Progress | None = None,
    place_charts: Callable[[], None] | None = None,
) -> dict[str, Any]:
    pages = Pages(work, {**site_facts(public), "changes": changes is not None})
    if changes is not None:
        pages.write(
            "changes.html",
            "changes.html",
            nav="changes",
            crumbs=[("首页", "index.html"), ("变更公示", "")],
            **changes_context(changes, public, rules, edition or date.today()),
        )
    docs: list[indexworker.Doc] = []
    jobs: list[indexworker.IndexJob | None] = []
    if search is not None:  # started by the build (.early)
        jobs.append(search)
    else:
        docs = search_docs(public)
        # the search index on the second core while the pages are written (.indexworker);
        # while the charts are drawn from threads, a big registry's index waits for the
        # drawing to end, to be forked rather than sent pickled to a new Python
        if later is None or later.done or len(docs) <= indexworker.SPAWN_DOCS:
            jobs.append(indexworker.start(docs, work / "search"))
    try:
        return _write_rest(
            public,
            work,
            rules,
            withheld,
            pages,
            docs,
            jobs,
            later,
            take_catalog,
            progress,
            place_charts,
        )
    finally:
        for job in jobs:
            if job is not None:
                job.stop()


def _write_rest(
    public: Registry,
    work: Path,
    rules: PublishPolicy,
    withheld: list[str],
    pages: Pages,
    docs: list[indexworker.Doc],
    jobs: list[indexworker.IndexJob | None],
    later: Deferred | None,
    take_catalog: Callable[[], None] | None,
    progress: Progress | None,
    place_charts: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """The pages, the downloads and the search index; the charts are waited for (``later``,
    if they are being drawn) only once everything that shows none is written, and the
    catalog (``take_catalog``, if it is being written) only for the downloads page. The
    index is started here once the charts are drawn if it was not (``jobs`` empty).
    The pages read the charts where ``later`` has them; ``place_charts``, if given, puts
    them into the site once they are drawn."""

    def drawn() -> None:
        assert later is not None
        later.finish(pages.save, progress)
        if not jobs:
            jobs.append(indexworker.start(docs, work / "search"))

    charts = later.charts if later is not None else work / "charts"
    categories = {c.code: c for c in public.categories}
    tallies = {c.code: CategoryTally(c.code, c.name, c.name_en) for c in public.categories}
    stats = public.stats()
    gc_was = gc.isenabled()
    gc.disable()  # many short-lived dicts and no cycles: the collector would only cost time

    def write_page(pid: str) -> None:
        power = public.powers[pid]
        template = "power.html" if power.is_public else "withheld.html"
        context = power_context(power, categories[power.category], charts, rules)
        pages.write(f"powers/{pid}.html", template, **context)

    order = sorted(public.powers)

    def listings() -> None:
        """The pages made from every power (at 100,000 powers some 13 s): the first
        work of the child of .pageshare, if one is made, while this process writes
        power pages; else written here, the risk index before the charts are waited
        for, the category pages (which show them) after. The charts are put into the
        site first, if they are to be."""
        if place_charts is not None:
            place_charts()
        _write_risk_index(pages, public, order)
        _write_categories(pages, public, order, charts)

    child_share: pageshare.Share | None = None  # the pages left once the charts are drawn
    tried = False  # whether a child was asked for (once)
    try:
        with Downloads(work / "downloads", public) as files_out:
            for at, pid in enumerate(order):
                power = public.powers[pid]
                category = categories[power.category]
                path = f"powers/{pid}.html"
                if later is None or later.done:
                    if not tried:  # a child, forked once (.pageshare), takes most of the rest
                        tried = True
                        child_share = pageshare.start(pages, order[at:], write_page, listings)
                    if child_share is None or child_share.mine(pid):
                        write_page(pid)
                elif not power.is_public:
                    write_page(pid)
                else:
                    marks = later.marks()
                    context = power_context(power, category, charts, rules, marks)
                    later.keep(
                        path,
                        pages.render(path, "power.html", **context),
                        marks,
                        partial(_power_page, pages, path, power, category, charts, rules),
                    )
                    if later.full:
                        drawn()
                files_out.add(power, category.name)
                if withheld_reason(power) is None:
                    tallies[power.category].add(power)
        if child_share is not None:
            child_share.finish()
    finally:
        if child_share is not None:
            child_share.stop()  # nothing once finished
        if gc_was:
            gc.enable()
    if not jobs:
        drawn()
    by_level = {lv.value: sum(t.by_level[lv.value] for t in tallies.values()) for lv in Level}
    pages.write(
        "index.html",
        "home.html",
        nav="home",
        stats=stats,
        withheld=len(withheld),
        categories=list(tallies.values()),
        bars=level_bars(by_level),
    )
    if child_share is None:  # else the child wrote it (listings)
        _write_risk_index(pages, public, order)
    # the index before search.html, which holds its numbers
    [job] = jobs
    if job is not None:
        search_bytes, meta = job.result()
        if job.out != work / "search":  # the build's (.early)
            shutil.move(job.out, work / "search")
    else:
        search_bytes, meta = indexworker.build(docs, work / "search")
    pages.write(
        "search.html",
        "search.html",
        nav="search",
        meta=meta,
        crumbs=[("首页", "index.html"), ("搜索", "")],
    )
    omitted = [OMITTABLE[name][1] for name in sorted(rules.omit)]
    pages.write(
        "about.html",
        "about.html",
        nav="about",
        source=source_paragraphs(public.source),
        stats=stats,
        withheld=[public.powers[pid] for pid in withheld],
        omitted=omitted,
        crumbs=[("首页", "index.html"), ("关于本网站", "")],
    )
    if take_catalog is not None:
        take_catalog()
    listing = [
        ("powers.csv", "事项一览表（CSV，可用电子表格打开），每行一项事项"),
        ("registry.json", "清单全部公开内容（JSON），与清单源文件的结构相同"),
        ("catalog.db", "SQLite 数据库，可用 Datasette 等工具浏览和查询"),
        ("catalog.metadata.json", "数据库各表和字段的说明（Datasette 元数据）"),
    ]
    pages.write(
        "downloads.html",
        "downloads.html",
        nav="downloads",
        files=[
            {
                "name": name,
                "href": f"downloads/{name}",
                "size": file_size((work / "downloads" / name).stat().st_size),
                "text": text,
            }
            for name, text in listing
        ],
        withheld=withheld,
        omitted=omitted,
        crumbs=[("首页", "index.html"), ("数据下载", "")],
    )
    # what shows the charts: once they are drawn
    if later is not None:
        later.finish(pages.save, progress)
    if child_share is None:  # else the child wrote them, and placed the charts (listings)
        if place_charts is not None:
            place_charts()
        _write_categories(pages, public, order, charts)
    return {
        "pages": pages.count,
        "page_bytes": pages.bytes,
        "powers": len(public.powers),
        "withheld": withheld,
        "omitted": sorted(rules.omit),
        "search_bytes": search_bytes,
    }


def _write_risk_index(pages: Pages, public: Registry, order: list[str]) -> None:
    """The risk-point index: the risk points of every public power in ``order``."""
    risks: list[dict[str, Any]] = []
    for pid in order:
        power = public.powers[pid]
        if withheld_reason(power) is None:
            risks.extend(risk_rows(power))
    pages.write(
        "risks.html",
        "risks.html",
        nav="risks",
        rows=risks,
        types=RISK_TYPES,
        categories=public.categories,
        crumbs=[("首页", "index.html"), ("廉政风险点索引", "")],
    )


def _write_categories(pages: Pages, public: Registry, order: list[str], charts: Path) -> None:
    """The category pages: each category's powers in ``order``, and its overview chart."""
    categories = {c.code: c for c in public.categories}
    by_category: dict[str, list[dict[str, Any]]] = {c: [] for c in categories}
    for pid in order:
        power = public.powers[pid]
        by_category[power.category].append(
            {"power": power, "withheld": withheld_reason(power), "by_level": level_counts(power)}
        )
    for code, category in categories.items():
        pages.write(
            f"categories/{code}.html",
            "category.html",
            category=category,
            rows=by_category[code],
            overview=overview_svg(charts, code, category.name),
            crumbs=[("首页", "index.html"), (category.name, "")],
        )


def _power_page(
    pages: Pages,
    path: str,
    power: Power,
    category: Category,
    charts: Path,
    rules: PublishPolicy,
) -> str:
    """A public power's page made the ordinary way, its charts read as they are drawn."""
    return pages.render(path, "power.html", **power_context(power, category, charts, rules))


def _link(src: str, dst: str) -> None:
    """Give the site a build's chart as a second name of the same file (a build's
    outputs are written once and replaced whole, never changed in place), or a copy
    where a link cannot be made (another file system)."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def summary_json(result: SiteResult) -> str:
    """The site summary as JSON, for programs."""
    return formats.summary_json(result, open=result.open_command)
