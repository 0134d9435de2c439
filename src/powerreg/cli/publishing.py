"""Publishing a registry: diagrams, the catalog, and the main job ``build``."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from .. import catalog  # a lazy face: the build imports the catalog's modules when it writes one
from ..lang import default_lang
from ..mainjob import STAGES, AuditFailed, summary_json
from ..mainjob import build as run_build
from ..render import start_render_all
from ..rollup import find_rollup
from ..textsafe import one_line
from . import (
    PATH_ARG,
    _load,
    fail_on_option,
    format_option,
    lang_option,
    main,
    output_option,
    policy_option,
    redraw_option,
    reports_errors,
    rollups,
)
from .words import say


@main.command()
@PATH_ARG
@output_option(
    "directory of the diagrams: DIR/<power id>/<flowchart id>.<ext>; new, empty, or "
    "written by render (replaced whole)",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["svg", "png", "pdf", "dot"]),
    default="svg",
    show_default=True,
    help="drawn by graphviz; dot writes the DOT sources only, for post-processing",
)
@redraw_option
@lang_option
@reports_errors
def render(path: Path | None, out: Path, fmt: str, redraw: bool, lang: str | None) -> None:
    """Draw every flowchart with its risk points: DIR/<power id>/<flowchart id>.<ext>.

    DIR is replaced whole when every chart is drawn: a failed run changes nothing. A
    chart whose DOT text is unchanged since DIR was drawn is taken from DIR, not drawn
    again (--redraw draws all).

    \b
    Example:
        powerreg render my-registry/ -o diagrams/ --format png
    """
    drawing = start_render_all(_load(path), out, format=fmt, previous=None if redraw else out)
    paths = drawing.result()
    said = lang or default_lang()
    click.echo(
        say("wrote_diagrams", said, n=len(paths), out=out)
        + (say("kept_diagrams", said, kept=drawing.kept) if drawing.kept else "")
    )


@main.command()
@PATH_ARG
@output_option(
    "catalog to write, e.g. catalog.db (new, or a catalog to replace); its Datasette "
    "metadata goes beside it",
    kind="file",
)
@lang_option
@reports_errors
def export(path: Path | None, out: Path, lang: str | None) -> None:
    """Write the SQLite catalog and FILE.metadata.json for Datasette (SPEC §7).

    The catalog is replaced atomically: a failed export leaves the previous one.

    \b
    Examples:
        powerreg export my-registry/ -o catalog.db
        datasette catalog.db -m catalog.metadata.json
        powerreg export province/rollup.yaml -o province.db   # every department in one
    """
    if (rollup := find_rollup(path)) is not None:
        rollups.export(rollup, out, lang)
        return
    reg = _load(path, locate_all=True)  # the catalog has every entity's line
    db = catalog.export_sqlite(reg, out)
    s = reg.stats()
    said = lang or default_lang()
    click.echo(
        say(
            "wrote_catalog",
            said,
            db=db,
            powers=s.powers,
            flowcharts=s.flowcharts,
            risks=s.risk_points,
            measures=s.countermeasures,
        )
    )
    meta = catalog.metadata_path_for(db)
    click.echo(say("serve_with", said, meta=meta, db=db))


@main.command()
@PATH_ARG
@output_option(
    "output directory (replaced atomically)",
    kind="any",
    default=Path("build"),
)
@policy_option
@fail_on_option("audit severity that stops the build")
@click.option(
    "--site-policy",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML publish policy of the website: 'omit: [responsible, …]'",
)
@lang_option
@format_option("text", "json")
@redraw_option
@click.option("-q", "--quiet", is_flag=True, help="print nothing on success")
@reports_errors
def build(
    path: Path | None,
    out: Path,
    policy: Path | None,
    fail_on: str,
    site_policy: Path | None,
    lang: str | None,
    fmt: str,
    redraw: bool,
    quiet: bool,
) -> None:
    """The main job: validate, audit, render every chart and export the catalog into DIR.

    Writes audit.md, audit.json, diagrams/, catalog.db, metadata.json and the public
    website site/; a failing step stops the build (exit 1) and leaves the previous DIR
    as it was.

    \b
    Example:
        powerreg build -o build/ && datasette build/catalog.db -m build/metadata.json
        powerreg build province/rollup.yaml -o build/   # a roll-up: each department, merged
    """
    if (rollup := find_rollup(path)) is not None:
        rollups.build(rollup, out, policy, fail_on, site_policy, lang, fmt, quiet, redraw)
        return
    t0 = time.perf_counter()
    said = lang or default_lang()
    reg = _load(path, locate_all=True)  # the catalog has every entity's line
    loaded = time.perf_counter() - t0
    show = not quiet and fmt == "text" and sys.stderr.isatty()
    building = say("building", said)
    bar = click.progressbar(length=len(STAGES), label=building, file=sys.stderr) if show else None

    def on_stage(name: str) -> None:
        if bar is not None:
            bar.label = f"{building}: {name}"
            bar.update(1 if name != STAGES[0] else 0)

    try:
        result = run_build(
            reg,
            out,
            policy=policy,
            fail_on=fail_on,  # type: ignore[arg-type]
            site_policy=site_policy,
            lang=lang,
            on_stage=on_stage,
            redraw=redraw,
        )
    except AuditFailed as err:
        click.echo(err.report.to_text(), err=True)
        click.echo(say("build_stopped", said, fail_on=fail_on, out=out), err=True)
        sys.exit(1)
    finally:
        if bar is not None:
            bar.render_finish()
    wall = time.perf_counter() - t0
    result.seconds = {"load": loaded, **result.seconds}
    if fmt == "json":
        click.echo(summary_json(result))
        return
    if quiet:
        return
    s = result.stats
    click.echo(f"{one_line(result.department)} — {result.registry}")
    click.echo(s.sentence)
    from ..model import LABELS_ZH  # loaded with the registry

    names = LABELS_ZH if said == "zh" else {}
    cover = ("；" if said == "zh" else "; ").join(
        say(
            "level_coverage",
            said,
            level=names.get(lv, lv),
            risks=s.risk_points_by_level[lv],
            measures=s.countermeasures_by_level[lv],
        )
        for lv in s.risk_points_by_level
    )
    click.echo(say("coverage_by_level", said, cover=cover))
    a = result.audit_counts
    verdict = say("audit_ok" if result.audit_ok else "audit_failed", said)
    click.echo(
        say(
            "build_audit",
            said,
            verdict=verdict,
            errors=a["error"],
            warnings=a["warning"],
            infos=a["info"],
        )
    )
    n, kept = len(result.diagrams), result.diagrams_kept
    charts = (
        say("build_charts_kept", said, n=n, kept=kept) if kept else say("build_charts", said, n=n)
    )
    click.echo(say("wrote_build", said, out=out, charts=charts))
    # the wall time: the stages overlap (dot draws beside the audit, the catalog and the
    # site), so their seconds add up to more than it
    stages = ", ".join(f"{k} {v:.2f}s" for k, v in result.seconds.items())
    mib = result.peak_memory_mib
    memory = say("build_memory", said, mib=mib) if mib else ""
    click.echo(say("build_time", said, wall=wall, stages=stages, memory=memory))
    click.echo(say("browse", said, command=result.browse_command))
    click.echo(say("open_public_site", said, command=result.open_site_command))
