"""`powerreg build`: every output, atomic replacement, refusal to clobber, summaries."""

from __future__ import annotations

import gc
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import powerreg
from powerreg import mainjob
from powerreg.catalog import background
from powerreg.cli import main
from powerreg.errors import UsageError
from powerreg.mainjob import MARKER, AuditFailed, build
from powerreg.site import PublishPolicy, deferred

from .conftest import EXAMPLE, WriteRegistry, child_processes, power_data, wait_until
from .test_atomic import kill_midway, modes
from .test_render import fake_dot


def digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_build_writes_every_output(tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = build(powerreg.load(EXAMPLE), out, lang="en")
    files = digest(out)
    assert {"audit.md", "audit.json", "catalog.db", "metadata.json", MARKER} <= set(files)
    assert {
        "diagrams/XK-001/F1.svg",
        "diagrams/CF-001/F1.svg",
        "diagrams/_categories/XK.svg",
        "diagrams/_categories/CF.svg",
    } <= set(files)
    assert json.loads((out / "audit.json").read_text(encoding="utf-8"))["ok"] is True
    assert powerreg.load(out / "catalog.db") == powerreg.load(EXAMPLE)
    meta = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert "示例市环境保护局" in meta["title"]
    assert "powers" in meta["databases"]["catalog"]["tables"]
    assert result.browse_command == f"datasette {out}/catalog.db -m {out}/metadata.json"
    assert not [p for p in tmp_path.iterdir() if p.name != "site"]  # no temp left behind
    # the public website, from the charts and catalog of the build (drawn once)
    assert {"site/index.html", "site/powers/XK-001.html", "site/downloads/catalog.db"} <= set(files)
    assert files["site/charts/XK-001/F1.svg"] == files["diagrams/XK-001/F1.svg"]
    assert files["site/downloads/catalog.db"] == files["catalog.db"]
    site = json.loads((out / "site" / ".powerreg-site.json").read_text(encoding="utf-8"))
    assert (site["charts_drawn"], site["charts"]) == (False, 2)
    assert result.open_site_command == f"python -m http.server -d {out}/site"


def test_failing_audit_leaves_previous_build_untouched(
    tmp_path: Path, write_registry: WriteRegistry
) -> None:
    out = tmp_path / "site"
    build(powerreg.load(EXAMPLE), out, lang="en")
    before = digest(out)
    bad = power_data()
    bad["risk_points"][0]["countermeasures"] = []  # A301: an error
    with pytest.raises(AuditFailed):
        build(powerreg.load(write_registry({"XK-001": bad})), out, lang="en")
    assert digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reg", "site"]


def test_a_build_leaves_the_collector_as_it_found_it(
    tmp_path: Path, write_registry: WriteRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERREG_PARALLEL", "0")  # the catalog written in this process
    thresholds = gc.get_threshold()
    seen: list[tuple[int, int, int]] = []
    original = background.export_sqlite

    def export(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.get_threshold())
        return original(*args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(background, "export_sqlite", export)  # where the build finds it
        build(powerreg.load(EXAMPLE), tmp_path / "a", lang="en")
    assert seen == [(mainjob.YOUNG_COLLECTION_EVERY, *thresholds[1:])]  # during the build
    assert gc.get_threshold() == thresholds  # and after it, failed or not
    bad = power_data()
    bad["risk_points"][0]["countermeasures"] = []  # A301: an error
    with pytest.raises(AuditFailed):
        build(powerreg.load(write_registry({"XK-001": bad})), tmp_path / "b", lang="en")
    assert gc.get_threshold() == thresholds


def test_a_directory_not_written_by_build_is_never_replaced(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(powerreg.UsageError, match="refusing to replace"):
        build(powerreg.load(EXAMPLE), mine)
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_rebuild_replaces_the_previous_build(tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(powerreg.load(EXAMPLE), out, lang="en")
    (out / "stale.txt").write_text("old", encoding="utf-8")
    build(powerreg.load(EXAMPLE), out, lang="en")
    assert not (out / "stale.txt").exists()


def test_cli_build_text_json_quiet_and_failure(
    tmp_path: Path, write_registry: WriteRegistry
) -> None:
    runner = CliRunner()
    out = tmp_path / "b"
    res = runner.invoke(main, ["build", str(EXAMPLE), "-o", str(out), "--lang", "en"])
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert (
        lines[1]
        == "梳理出2类、2项行政权力，查找出4个廉政风险点，绘制权力运行流程图2项、2张，制定防范措施11条"
    )
    assert lines[-2] == f"browse: datasette {out}/catalog.db -m {out}/metadata.json"
    assert lines[-1].startswith(f"public website: python -m http.server -d {out}/site")
    res = runner.invoke(main, ["build", str(EXAMPLE), "-o", str(out), "--format", "json"])
    data = json.loads(res.stdout)
    assert (data["stats"]["powers"], data["audit_ok"]) == (2, True)
    assert set(data["seconds"]) == {"load", "audit", "render", "export", "site", "swap"}
    quiet = runner.invoke(main, ["build", str(EXAMPLE), "-o", str(out), "-q"])
    assert (quiet.exit_code, quiet.stdout) == (0, "")
    bad = power_data()
    bad["legal_basis"] = []
    res = runner.invoke(main, ["build", str(write_registry({"XK-001": bad})), "-o", str(out)])
    assert res.exit_code == 1
    assert "A401" in res.stderr
    assert "is unchanged" in res.stderr


def test_a_power_named_categories_keeps_its_chart(
    tmp_path: Path, write_registry: WriteRegistry
) -> None:
    data = power_data("categories")
    data["flowcharts"][0]["id"] = "XK"
    data["risk_points"][0]["at"] = "XK/S2"
    out = tmp_path / "site"
    result = build(powerreg.load(write_registry({"categories": data})), out, lang="en")
    assert result.diagrams == [str(out / "diagrams" / "categories" / "XK.svg")]
    chart = (out / "diagrams" / "categories" / "XK.svg").read_text(encoding="utf-8")
    overview = (out / "diagrams" / "_categories" / "XK.svg").read_text(encoding="utf-8")
    assert "<title>S2</title>" in chart  # a step of the chart, not the overview
    assert "<title>categories</title>" in overview  # the power, on its category's overview


def test_the_output_is_readable_by_others(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        build(powerreg.load(EXAMPLE), tmp_path / "site", lang="en")
    finally:
        os.umask(old)
    assert modes(tmp_path / "site") == {("dir", "0o755"), ("file", "0o644")}  # not 0700


def test_the_registry_being_read_is_never_replaced(
    tmp_path: Path, write_registry: WriteRegistry
) -> None:
    reg = write_registry()
    before = digest(reg)
    for out in (reg, reg / "build", tmp_path):
        with pytest.raises(powerreg.UsageError, match="the registry being read"):
            build(powerreg.load(reg), out)
    assert digest(reg) == before
    assert [p.name for p in tmp_path.iterdir()] == ["reg"]


KILLED_BUILD = """
import sys, time
import powerreg
import os
from powerreg import atomic, mainjob
from powerreg.catalog import background

os.environ["POWERREG_PARALLEL"] = "0"  # the catalog written in this process, which stalls
export = background.export_sqlite

def stalled(*args, **kwargs):
    path = export(*args, **kwargs)  # audit, diagrams and catalog written, not swapped in
    print("midway", flush=True)
    time.sleep(300)

background.export_sqlite = stalled  # build looks it up when it runs
mainjob.build(powerreg.load(sys.argv[1]), sys.argv[2], lang="en")
"""


def test_a_killed_build_leaves_the_previous_one_and_the_next_cleans_up(tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(powerreg.load(EXAMPLE), out, lang="en")
    before = digest(out)
    kill_midway(KILLED_BUILD, str(EXAMPLE), str(out))
    assert digest(out) == before
    assert len([p for p in tmp_path.iterdir() if p.name != "site"]) == 1  # the killed one's
    build(powerreg.load(EXAMPLE), out, lang="en")
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_build_refuses_a_bad_site(tmp_path: Path, write_registry: WriteRegistry) -> None:
    out = tmp_path / "out"
    policy = tmp_path / "publish.yaml"
    policy.write_text("omit: [posts]\n", encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(main, ["build", str(EXAMPLE), "-o", str(out), "--site-policy", str(policy)])
    assert res.exit_code == 2
    assert "publish.yaml:1:8: omit[0]: unknown field 'posts'" in res.stderr
    assert "Traceback" not in res.stderr
    secret = power_data("CF-001", "CF")
    secret["disclosure"] = {"public": False}  # withheld without a reason: A311
    root = write_registry({"XK-001": power_data(), "CF-001": secret})
    res = runner.invoke(main, ["build", str(root), "-o", str(out), "--fail-on", "never"])
    assert res.exit_code == 1
    assert "A311" in res.stderr
    assert not out.exists()


NOTHING_HEAVY = """
import json, sys
heavy = ("pandas", "numpy")
import powerreg
seen = {"import powerreg": [m for m in heavy if m in sys.modules]}
from powerreg.cli import main
main(["build", sys.argv[1], "-o", sys.argv[2], "-q"], standalone_mode=False)
seen["powerreg build"] = [m for m in heavy if m in sys.modules]
print(json.dumps(seen))
"""


def test_the_build_imports_nothing_it_does_not_use(tmp_path: Path) -> None:
    """pandas and numpy (0.4-0.5 s of imports, installed with the notebook extras) stay
    out of ``import powerreg`` and the whole build (issue 22.4)."""
    proc = subprocess.run(
        [sys.executable, "-c", NOTHING_HEAVY, str(EXAMPLE), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(proc.stdout) == {"import powerreg": [], "powerreg build": []}
    assert (tmp_path / "out" / "catalog.db").is_file()


@pytest.mark.usefixtures("own_threads")
@pytest.mark.parametrize("parallel", ["0", "1"])  # the catalog written here, or by a child
def test_a_failed_export_stops_the_drawing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parallel: str
) -> None:
    """dot draws while the catalog is written; when the catalog fails, nothing is left
    drawing or half-written, and the error is the export's own."""
    before = child_processes()
    monkeypatch.setenv("POWERREG_PARALLEL", parallel)
    assert background.forkable() is (parallel == "1")
    pids: list[int] = []

    def broken(*args: object, **kwargs: object) -> Path:
        pids.append(os.getpid())  # in the child, this list is the child's
        raise UsageError("catalog.cannot_write", path="catalog.db", reason="disk full")

    monkeypatch.setattr(background, "export_sqlite", broken)
    out = tmp_path / "site"
    with pytest.raises(UsageError, match="disk full"):
        build(powerreg.load(EXAMPLE), out, lang="en")
    assert pids == [os.getpid()]  # failed here (once more, after the child) or only here
    assert list(tmp_path.iterdir()) == []
    assert not [t for t in threading.enumerate() if t.name == "render_all"]
    assert child_processes() <= before  # no child of the build left, running or not reaped


@pytest.mark.parametrize("parallel", ["0", "1"])  # the catalog written here, or by a child
def test_a_build_whose_site_leaves_fields_out_has_the_whole_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parallel: str
) -> None:
    """The site exports its own catalog then and never waits for the build's: the build
    does, rather than stopping a child still writing it."""
    monkeypatch.setenv("POWERREG_PARALLEL", parallel)
    written: list[int] = []
    export = background.export_sqlite

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.5)  # still writing when the site is done
        written.append(os.getpid())
        return export(*args, **kwargs)

    monkeypatch.setattr(background, "export_sqlite", slow)
    reg = powerreg.load(EXAMPLE)
    out = tmp_path / "out"
    build(reg, out, site_policy=PublishPolicy(omit={"responsible"}), lang="en")
    assert written == ([] if parallel == "1" else [os.getpid()])  # a child's, or here
    expected = powerreg.export_sqlite(reg, tmp_path / "expected.db")
    assert (out / "catalog.db").read_bytes() == expected.read_bytes()


@pytest.mark.parametrize("powers_at", [2, 3])  # the example has 2 powers
def test_a_big_build_leaves_its_previous_output_to_a_process_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, powers_at: int, handed_to_remover: list[Path]
) -> None:
    """From BACKGROUND_REMOVAL_AT powers, the previous output is handed to a remover the
    build does not wait for; below it, removed at once (nothing is left beside)."""
    monkeypatch.setattr(mainjob, "BACKGROUND_REMOVAL_AT", powers_at)
    handed = handed_to_remover
    out = tmp_path / "site"
    reg = powerreg.load(EXAMPLE)
    build(reg, out, lang="en")
    assert handed == []  # nothing to replace yet
    build(reg, out, lang="en")
    if powers_at <= len(reg.powers):
        assert [p.parent for p in handed] == [tmp_path]
        assert wait_until(lambda: [p for p in tmp_path.iterdir() if p != out] == [])
    else:
        assert handed == []
        assert [p.name for p in tmp_path.iterdir()] == ["site"]
    assert (out / MARKER).is_file()


@pytest.mark.usefixtures("own_threads")
def test_pages_written_from_a_drawing_that_then_fails_are_not_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The site writes a power's page as soon as dot has finished its charts; if dot then
    fails, the build fails as ever and the previous output is as it was."""
    reg = powerreg.load_reference()
    out = tmp_path / "out"
    build(reg, out, lang="en")
    before = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    children = child_processes()
    monkeypatch.setenv("POWERREG_PARALLEL", "1")
    # draws every chart, then fails; a second after, so that the site has the time to
    # write pages from the charts even on a machine busy with other tests
    body = 'sleep 0.3; "$REAL" "$@"; sleep 1; exit 3'
    monkeypatch.setenv("PATH", f"{fake_dot(tmp_path, body)}{os.pathsep}{os.environ['PATH']}")
    written_early: list[str] = []
    write_drawn = deferred.Deferred._write_drawn

    def recorded(self: deferred.Deferred, drawing: Any, write: Any) -> bool:
        def noted(path: str, text: str) -> None:
            written_early.append(path)
            write(path, text)

        return write_drawn(self, drawing, noted)

    monkeypatch.setattr(deferred.Deferred, "_write_drawn", recorded)
    with pytest.raises(UsageError, match="graphviz dot failed"):
        build(reg, out, lang="en")
    assert written_early  # pages were written from what dot had drawn
    assert {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "calls.log", "out"]
    assert child_processes() <= children


def test_the_time_a_build_reports_is_its_wall_time_not_its_stages_summed(
    tmp_path: Path,
) -> None:
    """dot draws beside the audit, the catalog and the site, so the stages' seconds add
    up to more than the build took: the time line says how long it took."""
    runner = CliRunner()
    start = time.perf_counter()
    res = runner.invoke(main, ["build", "-o", str(tmp_path / "b"), "--lang", "en"])
    elapsed = time.perf_counter() - start
    assert res.exit_code == 0, res.output
    [line] = [x for x in res.stdout.splitlines() if x.startswith("time: ")]
    said, stages = line.removeprefix("time: ").split("s (stages, which overlap: ")
    seconds = dict(part.split() for part in stages.split(")")[0].split(", "))
    assert set(seconds) == {"load", "audit", "render", "export", "site", "swap"}
    assert float(said) <= elapsed
    assert float(said) >= max(float(v.removesuffix("s")) for v in seconds.values())
