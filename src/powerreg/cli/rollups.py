"""The commands on a roll-up: what ``validate``, ``audit``, ``export``, ``site`` and
``build`` print when PATH is a rollup.yaml (or a directory holding one).

Each command checks PATH with :func:`powerreg.rollup.find_rollup` first and, for a
roll-up, calls the function here with its own options; the single-registry paths are
untouched. Library errors reach the command's ``reports_errors`` as for a registry.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, cast

import click

from .. import rollup  # its jobs imported when a roll-up is run (a lazy package face)
from ..codes import CODES
from ..formats import json_items, markdown_list, sarif_log
from ..lang import Lang, default_lang
from . import show_report
from .words import say

if TYPE_CHECKING:
    from ..rollup.worker import MemberOutcome


def _lang(lang: str | None) -> Lang:
    return cast(Lang, lang or default_lang())


def validate(file: Path, fmt: str, lang: str | None) -> None:
    """``powerreg validate ROLLUP``: each department loads, or its problems."""
    said = _lang(lang)
    result = rollup.validate(file)
    if fmt == "text":
        for p in result.problems:
            click.echo(p.as_line(said), err=True)
        for r in result.departments:
            if r.loaded:
                click.echo(
                    say(
                        "rollup_member_ok",
                        said,
                        id=r.id,
                        name=r.name,
                        powers=r.powers,
                        flowcharts=r.flowcharts,
                        risks=r.risk_points,
                        measures=r.countermeasures,
                    )
                )
            else:
                click.echo(
                    say(
                        "rollup_member_failed",
                        said,
                        id=r.id,
                        name=r.name,
                        n=r.problems,
                        path=r.path,
                    ),
                    err=True,
                )
        t = result.totals
        click.echo(
            say(
                "rollup_summary",
                said,
                title=result.title,
                loaded=t.loaded,
                n=t.departments,
                sentence=t.sentence,
            )
        )
    elif fmt == "json":
        out = {
            "ok": result.ok,
            "rollup": result.title,
            "departments": [r.model_dump(mode="json") for r in result.departments],
            "problems": json_items(result.problems, said),
        }
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    elif fmt == "markdown":
        title = say("validation_of", said, name=result.title)
        click.echo(markdown_list(title, result.problems, said), nl=False)
    else:
        loading = [c for c in CODES if c.startswith("E")]
        log = sarif_log(result.problems, said, codes=loading, source_root=result.source_root)
        click.echo(json.dumps(log, ensure_ascii=False, indent=2))
    if not result.ok:
        sys.exit(1)


def audit(file: Path, policy: Path | None, fmt: str, fail_on: str, lang: str | None) -> None:
    """``powerreg audit ROLLUP``: every member's findings and the cross-department ones."""
    show_report(rollup.audit(file, policy, lang=_lang(lang)), fmt, fail_on)


def export(file: Path, out: Path, lang: str | None) -> None:
    """``powerreg export ROLLUP -o FILE.db``: the combined catalog."""
    said = _lang(lang)
    result = rollup.export(file, out, lang=said)
    t = result.totals
    click.echo(
        say(
            "wrote_rollup_catalog",
            said,
            db=result.catalog,
            n=t.departments,
            loaded=t.loaded,
            powers=t.powers,
            risks=t.risk_points,
            measures=t.countermeasures,
            findings=len(result.report.cross),
            files=len(result.report.cross),
        )
    )
    if result.report.not_loaded:
        click.echo(say("rollup_not_loaded", said, ids=", ".join(result.report.not_loaded)))
    click.echo(say("serve_with", said, meta=result.metadata, db=result.catalog))


def site(
    file: Path,
    out: Path,
    policy: Path | None,
    lang: str | None,
    fmt: str,
    quiet: bool,
    redraw: bool = False,
) -> None:
    """``powerreg site ROLLUP -o DIR``: the members' sites, an index and the findings."""
    said = _lang(lang)
    result = rollup.site(file, out, site_policy=policy, lang=said, redraw=redraw)
    if fmt == "json":
        click.echo(result.model_dump_json(indent=2))
        return
    if quiet:
        return
    for p in result.report.problems:
        click.echo(p.as_line(said), err=True)
    click.echo(
        say(
            "wrote_rollup_site",
            said,
            out=out,
            published=len(result.published),
            n=result.totals.departments,
            findings=len(result.report.cross),
            files=len(result.report.cross),
        )
    )
    click.echo(say("open_site", said, command=result.open_command))


def build(
    file: Path,
    out: Path,
    policy: Path | None,
    fail_on: str,
    site_policy: Path | None,
    lang: str | None,
    fmt: str,
    quiet: bool,
    redraw: bool = False,
) -> None:
    """``powerreg build ROLLUP -o DIR``: each member's own build, merged; exit 1 if the
    roll-up's audit fails at --fail-on (the output is written all the same)."""
    said = _lang(lang)
    show = not quiet and fmt == "text" and sys.stderr.isatty()
    bar = None
    if show:
        from ..rollup import read_rollup

        n = len(read_rollup(file).departments)
        bar = click.progressbar(length=n, label="building departments", file=sys.stderr)

    def on_member(outcome: MemberOutcome) -> None:
        if bar is not None:
            bar.label = f"building: {outcome.department}"
            bar.update(1)

    try:
        result = rollup.build(
            file,
            out,
            policy=policy,
            fail_on=fail_on,  # type: ignore[arg-type]
            site_policy=site_policy,
            lang=said,
            on_member=on_member,
            redraw=redraw,
        )
    finally:
        if bar is not None:
            bar.render_finish()
    report = result.report
    assert report is not None
    fails = report.fails(fail_on)  # type: ignore[arg-type]
    if fmt == "json":
        click.echo(rollup.summary_json(result))
    elif not quiet:
        t = result.totals
        click.echo(
            say(
                "rollup_summary",
                said,
                title=result.rollup,
                loaded=t.loaded,
                n=t.departments,
                sentence=t.sentence,
            )
        )
        if result.not_loaded:
            click.echo(say("rollup_not_loaded", said, ids=", ".join(result.not_loaded)))
        a = result.audit_counts
        cross = ", ".join(f"{f.code} {f.entity}" for f in report.cross[:5]) or "-"
        if len(report.cross) > 5:
            cross += f", … ({len(report.cross)})"
        click.echo(
            say(
                "rollup_audit",
                said,
                verdict="ok" if result.audit_ok else "FAILED",
                errors=a["error"],
                warnings=a["warning"],
                infos=a["info"],
                cross=cross,
            )
        )
        click.echo(say("wrote_rollup_build", said, out=out, n=t.loaded))
        peak = f"{result.peak_memory_mib:.0f}" if result.peak_memory_mib else "?"
        worker_peak = (
            f"{result.worker_peak_memory_mib:.0f}" if result.worker_peak_memory_mib else "?"
        )
        click.echo(
            say(
                "rollup_time",
                said,
                total=result.seconds.get("total", 0.0),
                workers=result.workers,
                ws="s" if result.workers != 1 else "",
                members=result.seconds.get("members", 0.0),
                summed=result.member_seconds,
                peak=peak,
                worker_peak=worker_peak,
            )
        )
        click.echo(say("browse", said, command=result.browse_command))
        click.echo(say("open_public_site", said, command=result.open_site_command))
    if fails:
        click.echo(say("rollup_fails", said, fail_on=fail_on, out=out), err=True)
        sys.exit(1)
