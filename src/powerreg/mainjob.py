"""The main job: validate, audit, draw and publish a registry into one directory.

``build`` writes, into a new directory beside the target
(:func:`powerreg.atomic.new_directory`)::

    audit.md  audit.json          the audit, for people and for programs
    diagrams/<power>/<chart>.svg  every flowchart, and diagrams/_categories/<code>.svg
                                  (with <code>_2.svg, … for a category of > 40 powers)
    catalog.db  metadata.json     the SQLite catalog and its Datasette metadata
    site/                         the public website (:func:`powerreg.site.publish_site`),
                                  made from the charts and the catalog above
    .powerreg-build.json          what was built, from what, and how long each stage took

and only when every stage succeeded swaps it into place, so a failed or killed build
leaves the previous output as it was (the next build removes what a killed one left).
The previous output of a registry of :data:`BACKGROUND_REMOVAL_AT` powers or more is
removed by a process of its own, which the build does not wait for.
A directory that was not written by ``build``, or one inside the registry being read, is
never replaced. The output is readable by others (directories 0755, files 0644 under
umask 022), e.g. by a web server.

The ``dot`` processes start drawing as soon as the build starts
(:func:`powerreg.render.start_render_all`), and draw while the audit is made and the
catalog written: drawing is nearly all ``dot``'s work, so the audit and the catalog take
the core time they leave; the stage seconds of ``render`` overlap those of ``audit`` and
``export``; the site's pages are made while they draw too, those that show a chart
finished as soon as ``dot`` has finished it (:mod:`powerreg.site.deferred`). Where a
second process helps, the catalog is written by a forked child meanwhile
(:func:`powerreg.catalog.background.start_export`), and the site waits for it only to
copy it into its downloads; and another forked child writes the site's search index
(:func:`powerreg.site.early.start_index`), which the site takes in. A failed stage stops
the drawing and the children.

Examples:
    >>> import tempfile, powerreg
    >>> from pathlib import Path
    >>> out = Path(tempfile.mkdtemp()) / "site"
    >>> result = build(powerreg.load("examples/minimal"), out, lang="en")
    >>> sorted(p.name for p in out.iterdir())  # doctest: +NORMALIZE_WHITESPACE
    ['.powerreg-build.json', 'audit.json', 'audit.md', 'catalog.db', 'diagrams',
     'metadata.json', 'site']
    >>> result.audit_ok, len(result.diagrams)
    (True, 2)
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

# catalog and site are lazy faces (powerreg.lazyface): their modules, SQLite's and
# Jinja2's are imported when the build comes to them, while dot draws, not before the
# drawing can start
from . import catalog, formats, site
from .atomic import check_output, new_directory, written_by
from .audit import AuditReport, FailOn, Policy, audit
from .codes import phrase
from .errors import PowerregError, UsageError
from .machine import peak_memory_mib
from .model import Registry, Stats, expect_registry
from .render import start_render_all
from .site.early import start_index
from .site.policy import as_policy

if TYPE_CHECKING:
    from .site import PublishPolicy

MARKER = ".powerreg-build.json"
STAGES = ("audit", "render", "export", "site", "swap")

#: Allocations between two collections of young objects while a build runs.
YOUNG_COLLECTION_EVERY = 100_000

#: Powers from which the previous output is removed by a process of its own once the new
#: one is in place (:func:`powerreg.atomic.new_directory`), not waited for: a registry of
#: 100,000 powers leaves some 400,000 files. A small output is removed at once.
BACKGROUND_REMOVAL_AT = 1_000


class AuditFailed(PowerregError):
    """The audit found what ``fail_on`` does not allow; the build stopped."""

    def __init__(self, report: AuditReport, fail_on: str) -> None:
        self.report = report
        super().__init__(f"the audit fails at --fail-on {fail_on}: {report.summary.by_severity}")


class BuildResult(BaseModel):
    """What a build produced, for the summary a person or a program reads."""

    registry: str
    department: str
    out_dir: str
    stats: Stats
    audit_ok: bool
    audit_counts: dict[str, int]
    audit_by_code: dict[str, int]
    diagrams: list[str]
    #: the charts and overview sheets taken unchanged from the previous build's diagrams
    #: (:mod:`powerreg.render.reuse`) rather than drawn
    diagrams_kept: int = 0
    catalog: str
    metadata: str
    #: the public website's directory
    site: str | None = None
    seconds: dict[str, float]
    #: the process's peak resident memory so far, in MiB (None where it cannot be read)
    peak_memory_mib: float | None = None

    @property
    def browse_command(self) -> str:
        """The one command that browses the catalog."""
        return f"datasette {self.catalog} -m {self.metadata}"

    @property
    def open_site_command(self) -> str | None:
        """The one command that serves the public website for a browser."""
        return f"python -m http.server -d {self.site}" if self.site else None


def build(
    registry: Registry,
    out_dir: str | os.PathLike[str],
    *,
    policy: Policy | str | os.PathLike[str] | None = None,
    fail_on: FailOn = "error",
    site_policy: PublishPolicy | str | os.PathLike[str] | None = None,
    lang: Any = None,
    on_stage: Callable[[str], None] | None = None,
    report: AuditReport | None = None,
    redraw: bool = False,
    drawn_before: str | os.PathLike[str] | None = None,
) -> BuildResult:
    """Audit, render and export ``registry`` into ``out_dir``, replacing it atomically.

    ``site_policy`` is the publish policy of the website (the fields it leaves out).
    ``on_stage`` is called with each stage's name as it starts (for progress display).
    ``report`` is the audit of ``registry`` under ``policy`` in ``lang`` if the caller
    has made it already (a roll-up audits each member for its summary): not made again.
    A chart whose DOT text has not changed since the build ``out_dir`` holds is taken
    from its ``diagrams/`` (or from ``drawn_before``, the diagrams of this registry's last
    build elsewhere: a roll-up's member) rather than drawn again
    (:mod:`powerreg.render.reuse`), unless ``redraw``.

    Raises:
        AuditFailed: a finding reaches ``fail_on``; nothing is replaced.
        UsageError: ``out_dir`` is not a build output, or cannot be written.
    """
    expect_registry(registry, "powerreg.build")
    out = Path(out_dir)
    check_output(
        out,
        directory=True,
        not_ours=_not_a_build,
        fix=phrase("fix.new_dir"),
        source=registry.source_root,
    )
    site_rules = as_policy(site_policy)  # read once, for the site and its early index
    seconds: dict[str, float] = {}
    try:
        big = len(registry.powers) >= BACKGROUND_REMOVAL_AT
        with _fewer_collections(), new_directory(out, background_removal=big) as work:
            # the catalog and the site's search index by forked children where they help
            # (before any thread is started: powerreg.catalog.background,
            # powerreg.site.early), dot's drawing from the start; this process audits and
            # makes the site meanwhile
            exporting = catalog.start_export(
                registry, work / "catalog.db", metadata_path=work / "metadata.json"
            )
            indexing = start_index(registry, site_rules, work / ".search")
            drawing = start_render_all(
                registry,
                work / "diagrams",
                categories=True,
                previous=None if redraw else (drawn_before or out / "diagrams"),
            )
            try:
                t = _stage("audit", on_stage)
                if report is None:
                    report = audit(registry, policy, lang=lang)
                if report.fails(fail_on):
                    raise AuditFailed(report, fail_on)
                (work / "audit.md").write_text(report.to_markdown(), encoding="utf-8")
                (work / "audit.json").write_text(report.to_json() + "\n", encoding="utf-8")
                seconds["audit"] = time.perf_counter() - t

                _stage("render", on_stage)
                seconds["render"] = 0.0  # known when the drawing ends
                _stage("export", on_stage)
                seconds["export"] = 0.0  # known when the catalog is written
                if not exporting.forked:
                    exporting.result()  # written here, now

                # from the catalog just made and the charts as they are drawn: the pages
                # are made meanwhile, those that show a chart finished when it is drawn
                t = _stage("site", on_stage)
                site.publish_site(
                    registry,
                    work / "site",
                    policy=site_rules,
                    drawn=work / "diagrams",
                    catalog=work / "catalog.db",
                    drawing=drawing.result,
                    progress=drawing,
                    exporting=exporting.result,
                    search=indexing,
                )
                seconds["site"] = time.perf_counter() - t
                drawn = drawing.result()
                exporting.result()  # had by the site, unless it published less than all
            finally:
                drawing.stop()  # a failed stage leaves no dot at work
                exporting.stop()  # nor a child writing the catalog
                if indexing is not None:
                    indexing.stop()  # nor one writing the search index
            seconds["render"] = drawing.seconds
            seconds["export"] = exporting.seconds
            n_charts = sum(len(p.flowcharts) for p in registry.powers.values())
            charts = drawn[:n_charts]  # the overview sheets come last

            t = _stage("swap", on_stage)
            result = BuildResult(
                registry=registry.id,
                department=registry.department,
                out_dir=str(out),
                stats=registry.stats(),
                audit_ok=report.ok,
                audit_counts=report.summary.by_severity,
                audit_by_code=report.summary.by_code,
                diagrams=[str(out / p.relative_to(work)) for p in charts],
                diagrams_kept=drawing.kept,
                catalog=str(out / "catalog.db"),
                metadata=str(out / "metadata.json"),
                site=str(out / "site"),
                seconds=seconds,
            )
            (work / MARKER).write_text(result.model_dump_json(indent=2) + "\n", encoding="utf-8")
        seconds["swap"] = time.perf_counter() - t
        return result.model_copy(update={"seconds": seconds, "peak_memory_mib": peak_memory_mib()})
    except OSError as err:
        raise UsageError("build.cannot_write", path=out, reason=err.strerror or str(err)) from err


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """The collector looks at young objects every 100,000 allocations instead of 700
    while a build runs: the stages make many objects that live to their end and hardly
    any cycles, and a collection walks them all (one in the catalog's rows took 0.08 s of
    a reference build). Cycles are still collected; the thresholds are restored after."""
    before = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _stage(name: str, on_stage: Callable[[str], None] | None) -> float:
    if on_stage is not None:
        on_stage(name)
    return time.perf_counter()


_not_a_build = written_by(MARKER, "powerreg build")


def summary_json(result: BuildResult) -> str:
    """The build summary as JSON."""
    return formats.summary_json(
        result,
        sentence=result.stats.sentence,
        browse=result.browse_command,
        open_site=result.open_site_command,
    )
