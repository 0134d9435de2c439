"""A run draws only the charts whose DOT text changed; the others come from the last run.

Each test compares with a drawing made from nothing, and counts what ``dot`` was given
(a ``dot`` on PATH that logs how many files each process wrote).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import powerreg.rollup
from powerreg.cli import main
from powerreg.mainjob import build
from powerreg.model import Registry
from powerreg.render import render_all, start_render_all
from powerreg.render.files import _PRIMED, MARKER
from powerreg.render.reuse import ENVIRONMENT_KEY
from powerreg.site import publish_site

from .test_render import MINIMAL, fake_dot, make_registry, many_powers

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="needs graphviz")


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` but the marker, by relative path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MARKER
    }


@pytest.fixture
def log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``dot`` on PATH that logs, for each process, how many files it wrote (its
    primer's included); the log."""
    log = tmp_path / "drawn.log"
    body = f'"$REAL" "$@" || exit $?\nls | wc -l >> "{log}"'
    monkeypatch.setenv("PATH", f"{fake_dot(tmp_path, body)}{os.pathsep}{os.environ['PATH']}")
    return log


def graphs_drawn(log: Path) -> int:
    """How many graphs the logged ``dot`` processes drew besides their primers; the log
    is emptied."""
    counts = [int(line) for line in log.read_text(encoding="utf-8").split()]
    log.write_text("", encoding="utf-8")
    return sum(n - _PRIMED for n in counts)


def retitled(registry: Registry, power_id: str, title: str) -> Registry:
    changed = registry.model_copy(deep=True)
    changed.powers[power_id].flowcharts[0].title = title
    return changed


def kept_run(registry: Registry, out: Path, **options: object) -> int:
    drawing = start_render_all(registry, out, **options)  # type: ignore[arg-type]
    drawing.result()
    return drawing.kept


def test_a_second_run_draws_only_what_changed(tmp_path: Path, log: Path) -> None:
    registry = make_registry(*many_powers(30))
    out = tmp_path / "out"
    assert kept_run(registry, out, previous=out) == 0
    assert graphs_drawn(log) == 30
    first = files_of(out)

    assert kept_run(registry, out, previous=out) == 30  # nothing changed: nothing drawn
    assert graphs_drawn(log) == 0
    assert files_of(out) == first

    changed = retitled(registry, "XK-007", "改过的标题")
    assert kept_run(changed, out, previous=out) == 29
    assert graphs_drawn(log) == 1
    fresh = tmp_path / "fresh"
    render_all(changed, fresh, redraw=True)
    assert files_of(out) == files_of(fresh)  # as if all were drawn afresh
    assert "改过的标题".encode() in files_of(out)["XK-007/F1.svg"]
    assert "改过的标题".encode() not in first["XK-007/F1.svg"]


def test_a_file_changed_since_is_drawn_again(tmp_path: Path, log: Path) -> None:
    registry = make_registry(*many_powers(4))
    out = tmp_path / "out"
    render_all(registry, out)
    first = files_of(out)
    graphs_drawn(log)
    (out / "XK-002" / "F1.svg").write_bytes(first["XK-002/F1.svg"].replace(b"</svg>", b""))
    (out / "XK-003" / "F1.svg").unlink()
    assert kept_run(registry, out, previous=out) == 2
    assert graphs_drawn(log) == 2
    assert files_of(out) == first


@pytest.mark.parametrize("spoil", ["environment", "unreadable", "no list", "nested"])
def test_nothing_is_taken_without_a_sound_marker(tmp_path: Path, log: Path, spoil: str) -> None:
    """Another graphviz or font (another drawing of the probe), or a marker that cannot
    be read: every chart is drawn, and the run is as a fresh one."""
    registry = make_registry(*many_powers(3))
    out = tmp_path / "out"
    render_all(registry, out)
    first = files_of(out)
    graphs_drawn(log)
    marker = out / MARKER
    data = json.loads(marker.read_text(encoding="utf-8"))
    assert isinstance(data[ENVIRONMENT_KEY], str)
    assert data["drawn"]
    if spoil == "environment":
        data[ENVIRONMENT_KEY] = "0" * 32
        marker.write_text(json.dumps(data), encoding="utf-8")
    elif spoil == "unreadable":
        marker.write_text('{"written_by": "powerreg render", "drawn": {', encoding="utf-8")
    elif spoil == "nested":  # past the JSON decoder's depth
        marker.write_text('{"drawn": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    else:
        data["drawn"] = dict.fromkeys(data["drawn"], "not a pair")
        marker.write_text(json.dumps(data), encoding="utf-8")
    assert kept_run(registry, out, previous=out) == 0
    assert graphs_drawn(log) == 3
    assert files_of(out) == first


def test_redraw_draws_everything(tmp_path: Path, log: Path) -> None:
    registry = make_registry(*many_powers(3))
    out = tmp_path / "out"
    render_all(registry, out)
    render_all(registry, out, redraw=True)
    assert graphs_drawn(log) == 6
    render_all(registry, out)
    assert graphs_drawn(log) == 0


def test_a_rebuild_takes_the_last_builds_charts_and_gives_the_same_output(
    tmp_path: Path, log: Path
) -> None:
    registry = make_registry(*many_powers(12))
    out = tmp_path / "out"
    first = build(registry, out, lang="en")
    drawn = graphs_drawn(log)
    assert first.diagrams_kept == 0
    assert drawn >= 12
    again = build(registry, out, lang="en")
    assert again.diagrams_kept == drawn
    assert graphs_drawn(log) == 0
    fresh = tmp_path / "fresh"
    build(registry, fresh, lang="en", redraw=True)
    assert graphs_drawn(log) == drawn

    def site(folder: Path) -> dict[str, bytes]:
        return {k: v for k, v in files_of(folder / "site").items() if not k.startswith(".")}

    assert files_of(out / "diagrams") == files_of(fresh / "diagrams")
    assert site(out) == site(fresh)  # every page, with its charts inlined


def test_the_command_line_says_what_it_did_not_draw(tmp_path: Path) -> None:
    out = tmp_path / "drawn"
    runner = CliRunner()
    first = runner.invoke(main, ["render", str(MINIMAL), "-o", str(out), "--lang", "en"])
    assert first.exit_code == 0, first.output
    assert "not drawn again" not in first.output
    again = runner.invoke(main, ["render", str(MINIMAL), "-o", str(out), "--lang", "en"])
    assert again.exit_code == 0, again.output
    assert "(2 unchanged since the last run, not drawn again)" in again.output
    forced = runner.invoke(
        main, ["render", str(MINIMAL), "-o", str(out), "--redraw", "--lang", "en"]
    )
    assert forced.exit_code == 0
    assert "not drawn again" not in forced.output
    built = tmp_path / "built"
    for _ in range(2):
        result = runner.invoke(main, ["build", str(MINIMAL), "-o", str(built)])
        assert result.exit_code == 0, result.output
    assert "unchanged, not drawn again" in result.output


def test_a_site_takes_its_last_charts_and_gives_the_same_site(tmp_path: Path, log: Path) -> None:
    """``powerreg site`` keeps what it drew in its own marker (not among the published
    charts) and draws next time only what changed; the site is the one drawn afresh."""
    registry = make_registry(*many_powers(12))
    out = tmp_path / "site"
    first = publish_site(registry, out)
    drawn = graphs_drawn(log)
    assert (first.charts_kept, drawn >= 12) == (0, True)
    assert not list((out / "charts").rglob(".*"))  # nothing hidden is published
    chart = out / "charts" / "XK-003" / "F1.svg"
    inode = chart.stat().st_ino

    again = publish_site(registry, out)
    assert again.charts_kept == drawn
    assert graphs_drawn(log) == 0
    assert chart.stat().st_ino == inode  # the last site's file, linked

    changed = retitled(registry, "XK-007", "改过的标题")
    third = publish_site(changed, out)
    assert graphs_drawn(log) == drawn - third.charts_kept
    assert 1 <= drawn - third.charts_kept <= 2  # its chart, and its category's sheet
    fresh = tmp_path / "fresh"
    publish_site(changed, fresh, redraw=True)
    assert graphs_drawn(log) == drawn

    def site(folder: Path) -> dict[str, bytes]:
        return {k: v for k, v in files_of(folder).items() if not k.startswith(".")}

    assert site(out) == site(fresh)
    assert "改过的标题".encode() in site(out)["charts/XK-007/F1.svg"]
    redrawn = publish_site(changed, out, redraw=True)
    assert redrawn.charts_kept == 0
    assert graphs_drawn(log) == drawn
    assert chart.stat().st_ino != inode


def test_a_site_whose_record_is_not_sound_draws_everything(tmp_path: Path, log: Path) -> None:
    registry = make_registry(*many_powers(3))
    out = tmp_path / "site"
    publish_site(registry, out)
    drawn = graphs_drawn(log)
    marker = out / ".powerreg-site.json"
    record = json.loads(marker.read_text("utf-8"))
    record["drawing"]["environment"] = "another graphviz"
    marker.write_text(json.dumps(record), "utf-8")
    assert publish_site(registry, out).charts_kept == 0
    assert graphs_drawn(log) == drawn
    marker.write_text("[", "utf-8")  # not even JSON: the site is replaced, all drawn
    assert publish_site(registry, out).charts_kept == 0
    assert graphs_drawn(log) == drawn


def test_a_rollups_site_takes_each_members_last_charts(tmp_path: Path, log: Path) -> None:
    rollup = tmp_path / "rollup"
    shutil.copytree(MINIMAL.parent / "rollup", rollup)
    out = tmp_path / "site"
    powerreg.rollup.site(rollup, out, workers=0)  # in this process: its dot is the logged one
    drawn = graphs_drawn(log)
    assert drawn >= 5  # the members' five charts, and their category sheets
    chart = out / "departments" / "SZ-EPB" / "charts" / "CF-001" / "F1.svg"
    inode = chart.stat().st_ino
    powerreg.rollup.site(rollup, out, workers=0)
    assert graphs_drawn(log) == 0
    assert chart.stat().st_ino == inode
    powerreg.rollup.site(rollup, out, workers=0, redraw=True)
    assert graphs_drawn(log) == drawn
    assert chart.stat().st_ino != inode
