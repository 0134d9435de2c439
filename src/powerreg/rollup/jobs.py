"""The five commands on a roll-up: validate, audit, export, site and build.

Each reads rollup.yaml (:mod:`.spec`), sends every member to the workers (:mod:`.worker`)
with what the command needs done to it, and merges what comes back in rollup.yaml's
order: the departments' rows, the problems of members that do not load, the summaries
the cross-department rules read (:mod:`.rules`), and — for ``export`` and ``build`` —
each member catalog into the combined one (:mod:`.combined`) as soon as it is written.

Outputs are written as every output of powerreg is: into a new file or directory beside
the target that replaces it only when complete (:mod:`powerreg.atomic`); the previous
site or build (a province's: up to millions of files) is then removed by a process of its
own, which the command does not wait for. An output may not lie inside a member's
registry, nor hold one.

``build`` writes::

    audit.md  audit.json          the roll-up's audit: departments ranked by coverage,
                                  the cross-department findings, each member's counts
    catalog.db  metadata.json     the combined catalog and its Datasette metadata
    departments/<id>/             each member's own build (audit.md, audit.json,
                                  diagrams/, catalog.db, metadata.json), as
                                  ``powerreg build`` writes it, its site moved to …
    site/                         … the roll-up's website (:mod:`.portal`), the members'
                                  sites under site/departments/<id>/
    .powerreg-build.json          what was built, how long it took, peak memory
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..atomic import check_output, new_directory, remove_leftovers, temp_path, written_by
from ..audit import FailOn, Policy
from ..audit.policy import AUDIT_CODES
from ..catalog import metadata_path_for
from ..catalog.write import catalog_files
from ..codes import phrase
from ..errors import Problem, UsageError
from ..lang import Lang, default_lang
from ..machine import peak_memory_mib
from ..mainjob import MARKER as BUILD_MARKER
from ..site import MARKER as SITE_MARKER
from ..site import PublishPolicy
from ..site.policy import as_policy
from .combined import CombinedCatalog, not_a_rollup_catalog, write_metadata
from .portal import write_portal
from .report import DepartmentRow, RollupReport
from .results import (
    RollupBuild,
    RollupExport,
    RollupSite,
    RollupValidation,
    Totals,
)
from .rules import CrossContext, cross_findings
from .spec import Department, Rollup, find_rollup, read_rollup
from .summary import MemberSummary
from .worker import MemberOutcome, MemberTask, run_members, worker_count

OnMember = Callable[[MemberOutcome], None]


# ------------------------------------------------------------------------------ helpers


def _rollup(path: str | os.PathLike[str]) -> Rollup:
    return read_rollup(find_rollup(path) or path)


def _policy(policy: Policy | str | os.PathLike[str] | None) -> Policy:
    if policy is None:
        return Policy()
    return policy if isinstance(policy, Policy) else Policy.from_file(policy)


def _tasks(rollup: Rollup, **common: Any) -> list[MemberTask]:
    return [MemberTask(d, str(rollup.member_root(d)), **common) for d in rollup.departments]


def _row(d: Department, o: MemberOutcome) -> DepartmentRow:
    row = DepartmentRow(
        id=d.id,
        name=d.name,
        level=d.level,
        region=d.region,
        path=d.path,
        loaded=o.loaded,
        problems=len(o.problems),
        published=o.published,
    )
    if o.stats is not None and o.summary is not None:
        row = row.model_copy(
            update={
                "registry": o.summary.registry,
                "year": o.summary.year,
                "powers": o.stats.powers,
                "flowcharts": o.stats.flowcharts,
                "risk_points": o.stats.risk_points,
                "countermeasures": o.stats.countermeasures,
                "high_risks": o.summary.high_risks,
                "high_covered": o.summary.high_covered,
            }
        )
    if o.by_severity:
        row = row.model_copy(update={"by_severity": o.by_severity, "by_code": o.by_code})
    return row


class _Gathered:
    """What the parent keeps of the members as they come: never a registry."""

    def __init__(self, rollup: Rollup, keep_findings: bool) -> None:
        self.rollup = rollup
        self.keep = keep_findings
        self.rows: list[DepartmentRow] = []
        self.summaries: dict[str, MemberSummary] = {}
        self.failures: dict[str, list[Problem]] = {}
        self.problems: list[Problem] = []
        self.findings: list[Problem] = []
        self.member_seconds = 0.0
        self.worker_peak: float | None = None

    def add(self, d: Department, o: MemberOutcome) -> None:
        self.rows.append(_row(d, o))
        if o.summary is not None:
            self.summaries[d.id] = o.summary
        else:
            self.failures[d.id] = o.problems
            self.problems += o.problems
        if self.keep:
            self.findings += o.findings
        self.problems += o.output_problems
        self.member_seconds += sum(o.seconds.values())
        if o.peak_mib is not None:
            self.worker_peak = max(self.worker_peak or 0.0, o.peak_mib)

    def report(self, policy: Policy, lang: Lang | None) -> RollupReport:
        ctx = CrossContext(self.rollup, self.summaries, self.failures)
        return RollupReport(
            title=self.rollup.title,
            file=self.rollup.name,
            source_root=str(self.rollup.root),
            departments=self.rows,
            cross=cross_findings(ctx, policy),
            problems=self.problems,
            findings=self.findings if self.keep else None,
            severities={c: policy.severity(c) for c in AUDIT_CODES},
            lang=lang or default_lang(),
        )


def _merge(
    combined: CombinedCatalog, d: Department, o: MemberOutcome, catalog: Path, keep: bool = False
) -> None:
    """Copy a member's catalog into the combined one (removing it unless ``keep``), or
    only its problems and findings if it has none."""
    if o.loaded and catalog.is_file():
        combined.add(d, catalog, [*o.findings, *o.output_problems], o.grams)
        if not keep:
            catalog.unlink()
    else:
        combined.add_findings(d.id, [*o.problems, *o.findings, *o.output_problems])


def _check_target(target: Path, rollup: Rollup, *, directory: bool) -> None:
    """Refuse an output inside a member's registry, or one that holds a member or the
    roll-up file. (``realpath``: a member whose path is a link to itself is one that does
    not load, where ``Path.resolve`` raises.)"""
    full = Path(os.path.realpath(target))
    holds = [Path(os.path.realpath(rollup.file))]
    for d in rollup.departments:
        root = Path(os.path.realpath(rollup.member_root(d)))
        if full == root or root in full.parents:
            raise UsageError("rollup.inside_member", path=target, department=d.id, member=d.path)
        holds.append(root)
    if directory and any(full in h.parents for h in holds):
        raise UsageError("rollup.holds_rollup", path=target)


# ------------------------------------------------------------------------------ commands


def validate(path: str | os.PathLike[str], *, workers: int | None = None) -> RollupValidation:
    """Load every member of a roll-up and report each one's counts or problems.

    Raises:
        RegistryError: rollup.yaml itself has problems (each at its line).
    """
    rollup = _rollup(path)
    got = _Gathered(rollup, keep_findings=False)
    for d, o in zip(rollup.departments, run_members(_tasks(rollup), workers), strict=True):
        got.add(d, o)
    return RollupValidation(
        title=rollup.title,
        file=rollup.name,
        source_root=str(rollup.root),
        departments=got.rows,
        problems=got.problems,
        totals=Totals.of(got.rows),
    )


def audit(
    path: str | os.PathLike[str],
    policy: Policy | str | os.PathLike[str] | None = None,
    *,
    lang: Lang | None = None,
    workers: int | None = None,
) -> RollupReport:
    """Audit every member (its own rules, its findings kept) and the roll-up across them
    (A501–A504), under one policy.

    Raises:
        RegistryError: rollup.yaml itself has problems.
        UsageError: a bad policy file.
    """
    rollup = _rollup(path)
    rules = _policy(policy)
    lang = lang or default_lang()
    tasks = _tasks(rollup, policy=rules, lang=lang, audit=True, keep_findings=True)
    got = _Gathered(rollup, keep_findings=True)
    for d, o in zip(rollup.departments, run_members(tasks, workers), strict=True):
        got.add(d, o)
    return got.report(rules, lang)


def _about(rollup: Rollup, totals: Totals) -> dict[str, str]:
    return {
        "title": f"{rollup.title}：权力清单与廉政风险防控",
        "description": (
            f"汇总{totals.departments}个部门：{totals.sentence}。The power lists of "
            f"{totals.departments} departments in one catalog: every row carries its "
            "department (departments), global ids carry it too (SEPD:XK-001/F1/S3); "
            "findings holds each department's audit and the cross-department rules "
            "A501–A504. Written by powerreg."
        ),
        "source": "; ".join(f"{d.id}: {d.path}" for d in rollup.departments),
        "rollup": rollup.title,
    }


def export(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    policy: Policy | str | os.PathLike[str] | None = None,
    lang: Lang | None = None,
    workers: int | None = None,
) -> RollupExport:
    """Write the combined catalog of a roll-up (and ``FILE.metadata.json``), atomically.

    Each worker writes its member's catalog; this process copies it into the combined
    one as soon as it comes, then removes it.

    Raises:
        RegistryError: rollup.yaml itself has problems.
        UsageError: the output cannot be written, or is not a roll-up catalog of ours.
    """
    t0 = time.perf_counter()
    rollup = _rollup(path)
    rules = _policy(policy)
    target = Path(out)
    meta_target = metadata_path_for(target)
    _check_target(target, rollup, directory=False)
    check_output(
        target,
        directory=False,
        not_ours=not_a_rollup_catalog,
        fix=phrase("fix.rollup_catalog_file"),
    )
    parts_target = target.with_name(target.name + ".parts")
    remove_leftovers(parts_target)
    parts = temp_path(parts_target)
    parts.mkdir()
    seconds: dict[str, float] = {}
    try:
        with catalog_files(target, meta_target) as (db_tmp, meta_tmp):
            combined = CombinedCatalog(db_tmp, rollup)
            try:
                tasks = [
                    MemberTask(
                        d,
                        str(rollup.member_root(d)),
                        policy=rules,
                        lang=lang or default_lang(),
                        audit=True,
                        keep_findings=True,
                        export_to=str(parts / f"{d.id}.db"),
                        grams=True,
                    )
                    for d in rollup.departments
                ]
                got = _Gathered(rollup, keep_findings=False)
                for d, o in zip(rollup.departments, run_members(tasks, workers), strict=True):
                    got.add(d, o)
                    _merge(combined, d, o, parts / f"{d.id}.db")
                seconds["members"] = time.perf_counter() - t0
                t = time.perf_counter()
                report = got.report(rules, lang)
                totals = Totals.of(got.rows)
                about = _about(rollup, totals)
                combined.finish(got.rows, report.cross, about)
            except BaseException:
                combined.close()
                raise
            write_metadata(meta_tmp, about, target.stem)
            seconds["merge"] = time.perf_counter() - t
    finally:
        shutil.rmtree(parts, ignore_errors=True)
    return RollupExport(
        catalog=str(target),
        metadata=str(meta_target),
        report=report,
        totals=totals,
        seconds=seconds,
    )


_not_a_site = written_by(SITE_MARKER, "powerreg site")


def site(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    site_policy: PublishPolicy | str | os.PathLike[str] | None = None,
    policy: Policy | str | os.PathLike[str] | None = None,
    lang: Lang | None = None,
    workers: int | None = None,
    redraw: bool = False,
) -> RollupSite:
    """Write the roll-up's public website: each member's own site under
    ``departments/<id>/``, an index ranking the departments by coverage and the
    cross-department findings. A member that does not load, or withholds a power without
    a reason (A311), is listed without a site. A member's charts unchanged since the site
    ``out`` holds are taken from it, unless ``redraw`` (:mod:`powerreg.render.reuse`).

    Raises:
        RegistryError: rollup.yaml itself has problems.
        UsageError: a bad policy, or ``out`` not a site or not writable.
    """
    t0 = time.perf_counter()
    rollup = _rollup(path)
    rules = _policy(policy)
    publish = as_policy(site_policy)
    target = Path(out)
    _check_target(target, rollup, directory=True)
    check_output(
        target, directory=True, not_ours=_not_a_site, fix=phrase("fix.new_dir_of", command="site")
    )
    seconds: dict[str, float] = {}
    try:
        with new_directory(target, background_removal=True) as work:
            (work / "departments").mkdir()
            tasks = [
                replace(
                    t,
                    site_to=str(work / "departments" / t.department.id),
                    site_before=None if redraw else str(target / "departments" / t.department.id),
                )
                for t in _tasks(
                    rollup, policy=rules, lang=lang or default_lang(), site_policy=publish
                )
            ]
            got = _Gathered(rollup, keep_findings=False)
            for d, o in zip(rollup.departments, run_members(tasks, workers), strict=True):
                got.add(d, o)
            seconds["members"] = time.perf_counter() - t0
            t = time.perf_counter()
            report = got.report(rules, lang)
            totals = Totals.of(got.rows)
            write_portal(
                work,
                title=rollup.title,
                rows=got.rows,
                cross=report.cross,
                sentence=totals.sentence,
            )
            published = [r.id for r in got.rows if r.published]
            seconds["portal"] = time.perf_counter() - t
            marker = {"rollup": rollup.title, "departments": len(got.rows), "published": published}
            (work / SITE_MARKER).write_text(json.dumps(marker, ensure_ascii=False) + "\n", "utf-8")
    except OSError as err:
        raise UsageError("site.cannot_write", path=target, reason=err.strerror or str(err)) from err
    return RollupSite(
        out_dir=str(target), report=report, totals=totals, published=published, seconds=seconds
    )


_not_a_build = written_by(BUILD_MARKER, "powerreg build")


def build(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    policy: Policy | str | os.PathLike[str] | None = None,
    fail_on: FailOn = "error",
    site_policy: PublishPolicy | str | os.PathLike[str] | None = None,
    lang: Lang | None = None,
    workers: int | None = None,
    on_member: OnMember | None = None,
    redraw: bool = False,
) -> RollupBuild:
    """The main job for a roll-up: each member's own build, merged (see the module's
    description), written into ``out`` atomically. A member's charts that have not
    changed since the build ``out`` holds are taken from it, unless ``redraw``.

    A department does not stop the province: a member that does not load is A504, one
    whose audit fails is built all the same; the result's ``report.fails(fail_on)`` says
    whether the whole passes. ``on_member`` is called with each member's outcome as it
    is merged (for progress display).

    Raises:
        RegistryError: rollup.yaml itself has problems.
        UsageError: a bad policy, ``out`` not a build output or not writable.
    """
    t0 = time.perf_counter()
    rollup = _rollup(path)
    rules = _policy(policy)
    publish = as_policy(site_policy)
    lang = lang or default_lang()
    target = Path(out)
    _check_target(target, rollup, directory=True)
    check_output(
        target, directory=True, not_ours=_not_a_build, fix=phrase("fix.new_dir_of", command="build")
    )
    seconds: dict[str, float] = {}
    n_workers = worker_count(workers)
    try:
        with new_directory(target, background_removal=True) as work:
            members = work / "departments"
            members.mkdir()
            (work / "site" / "departments").mkdir(parents=True)
            drawn = target / "departments"  # the members' charts of the last build
            tasks = [
                MemberTask(
                    d,
                    str(rollup.member_root(d)),
                    policy=rules,
                    lang=lang,
                    keep_findings=True,
                    build_to=str(members / d.id),
                    site_to=str(work / "site" / "departments" / d.id),
                    site_policy=publish,
                    grams=True,
                    drawn_before=None if redraw else str(drawn / d.id / "diagrams"),
                )
                for d in rollup.departments
            ]
            combined = CombinedCatalog(work / "catalog.db", rollup)
            try:
                got = _Gathered(rollup, keep_findings=False)
                for d, o in zip(rollup.departments, run_members(tasks, n_workers), strict=True):
                    got.add(d, o)
                    _merge(combined, d, o, members / d.id / "catalog.db", keep=True)
                    if on_member is not None:
                        on_member(o)
                seconds["members"] = time.perf_counter() - t0
                t = time.perf_counter()
                report = got.report(rules, lang)
                totals = Totals.of(got.rows)
                about = _about(rollup, totals)
                seconds["cross"] = time.perf_counter() - t
                t = time.perf_counter()
                combined.finish(got.rows, report.cross, about)
            except BaseException:
                combined.close()
                raise
            write_metadata(work / "metadata.json", about, "catalog")
            seconds["catalog"] = time.perf_counter() - t
            t = time.perf_counter()
            (work / "audit.md").write_text(report.to_markdown(), encoding="utf-8")
            (work / "audit.json").write_text(report.to_json() + "\n", encoding="utf-8")
            write_portal(
                work / "site",
                title=rollup.title,
                rows=got.rows,
                cross=report.cross,
                sentence=totals.sentence,
            )
            (work / "site" / SITE_MARKER).write_text(
                json.dumps({"rollup": rollup.title}, ensure_ascii=False) + "\n", "utf-8"
            )
            seconds["reports"] = time.perf_counter() - t
            result = RollupBuild(
                rollup=rollup.title,
                out_dir=str(target),
                totals=totals,
                not_loaded=report.not_loaded,
                audit_ok=report.ok,
                audit_counts=report.by_severity,
                audit_by_code=report.by_code,
                catalog=str(target / "catalog.db"),
                metadata=str(target / "metadata.json"),
                site=str(target / "site"),
                seconds=seconds,
                member_seconds=got.member_seconds,
                workers=n_workers,
                worker_peak_memory_mib=got.worker_peak,
            )
            (work / BUILD_MARKER).write_text(result.model_dump_json(indent=2) + "\n", "utf-8")
    except sqlite3.Error as err:
        raise UsageError("rollup.cannot_write_catalog", path=target, reason=str(err)) from err
    except OSError as err:
        raise UsageError(
            "build.cannot_write", path=target, reason=err.strerror or str(err)
        ) from err
    seconds["total"] = time.perf_counter() - t0
    return result.model_copy(
        update={"seconds": seconds, "peak_memory_mib": peak_memory_mib(), "report": report}
    )
