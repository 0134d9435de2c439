"""Power pages made while their charts are drawn (powerreg.site.deferred): the site a
build makes with its drawing still at work is the site made after it, byte for byte."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

import powerreg
from powerreg.render import render_all
from powerreg.site import deferred, indexworker, publish, publish_site
from powerreg.site.deferred import Deferred

from .conftest import EXAMPLE, child_processes
from .test_render import fake_dot

# forks only from a process of no other thread: not those an earlier test left
pytestmark = pytest.mark.usefixtures("own_threads")


def files_of(site: Path) -> dict[str, bytes]:
    """Every file of a site but its marker (which holds timings), by relative path."""
    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in sorted(site.rglob("*"))
        if p.is_file() and p.name != ".powerreg-site.json"
    }


def drawn_later(reg: powerreg.Registry, drawn: Path, seen: list[list[str]]) -> object:
    """A drawing that draws only when waited for, noting which pages were made by then."""

    def drawing() -> None:
        [work] = drawn.parent.glob(".site.powerreg-*.tmp")
        seen.append(sorted(p.relative_to(work).as_posix() for p in work.rglob("*.html")))
        render_all(reg, drawn, categories=True)

    return drawing


@pytest.mark.parametrize("registry", ["reference", "example"])
def test_a_site_made_while_its_charts_are_drawn_is_the_site_made_after(
    tmp_path: Path, registry: str
) -> None:
    reg = powerreg.load_reference() if registry == "reference" else powerreg.load(EXAMPLE)
    seen = while_drawn_as_after(reg, tmp_path)
    # waited for once, when every page that shows no chart was written, and no other
    [made] = seen
    assert {"index.html", "risks.html", "search.html", "about.html", "downloads.html"} <= set(made)
    assert not [p for p in made if p.startswith(("powers/", "categories/"))]


def render_all_into(reg: powerreg.Registry, drawn: Path) -> Path:
    render_all(reg, drawn, categories=True)
    return drawn


def while_drawn_as_after(reg: powerreg.Registry, tmp_path: Path) -> list[list[str]]:
    """The site of ``reg`` made while its charts are drawn (:func:`drawn_later`) is the
    site made after they were drawn (asserted); the pages made each time it waited."""
    before = tmp_path / "before"
    publish_site(reg, before / "site", drawn=render_all_into(reg, before / "drawn"))
    seen: list[list[str]] = []
    after = tmp_path / "after"
    after.mkdir()
    publish_site(
        reg, after / "site", drawn=after / "drawn", drawing=drawn_later(reg, after / "drawn", seen)
    )
    assert files_of(after / "site") == files_of(before / "site")
    return seen


def test_pages_past_the_limit_wait_for_the_charts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deferred, "MAX_BYTES", 1)  # the first page fills it
    seen = while_drawn_as_after(powerreg.load(EXAMPLE), tmp_path)
    assert seen == [[]]  # waited for at the first power's page, before any was written


def test_a_page_whose_mark_is_not_once_in_it_is_made_again(tmp_path: Path) -> None:
    (tmp_path / "F1.svg").write_text('<svg width="8pt"/>', encoding="utf-8")
    later = Deferred(tmp_path, lambda: None)
    twice, missing, once = later.marks(), later.marks(), later.marks()
    mark = twice.mark(tmp_path / "F1.svg", "图", "F1.")
    later.keep("twice.html", f"{mark}{mark}", twice, lambda: "made again")
    gone = missing.mark(tmp_path / "F2.svg", "图", "F2.")  # never drawn
    later.keep("missing.html", f"<p>{gone}</p>", missing, lambda: "<p></p>")
    later.keep("once.html", f"<p>{once.mark(tmp_path / 'F1.svg', '图', 'F1.')}</p>", once, str)
    written: dict[str, str] = {}
    later.finish(written.__setitem__)
    assert written == {
        "twice.html": "made again",
        "missing.html": "<p></p>",
        "once.html": '<p><svg role="img" aria-label="图" focusable="false" width="8pt"/></p>',
    }


def test_a_failed_drawing_fails_the_site_and_leaves_nothing(tmp_path: Path) -> None:
    def broken() -> None:
        raise powerreg.UsageError("render.dot_not_all", command="dot -Tsvg")

    out = tmp_path / "site"
    with pytest.raises(powerreg.UsageError, match="dot failed"):
        publish_site(powerreg.load(EXAMPLE), out, drawn=tmp_path / "drawn", drawing=broken)
    assert list(tmp_path.iterdir()) == []


def test_a_big_sites_index_is_started_once_the_charts_are_drawn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the charts are drawn from threads, a big registry's index would have to go
    pickled to a new Python: it is started when the drawing is done, and forked."""
    reg = powerreg.load(EXAMPLE)
    before = tmp_path / "before"
    publish_site(reg, before / "site", drawn=render_all_into(reg, before / "drawn"))
    monkeypatch.setenv("POWERREG_PARALLEL", "1")
    monkeypatch.setattr(indexworker, "SPAWN_DOCS", 1)  # the example has two powers
    events: list[str] = []
    start = indexworker.start

    def recorded(docs: list[indexworker.Doc], out: Path) -> indexworker.IndexJob | None:
        job = start(docs, out)
        events.append("forked" if job is not None and job._process is None else repr(job))
        return job

    monkeypatch.setattr(indexworker, "start", recorded)
    seen: list[list[str]] = []
    drawing = drawn_later(reg, tmp_path / "after" / "drawn", seen)

    def waited() -> None:
        events.append("drawn")
        drawing()

    (tmp_path / "after").mkdir()
    publish_site(
        reg, tmp_path / "after" / "site", drawn=tmp_path / "after" / "drawn", drawing=waited
    )
    assert events == ["drawn", "forked"]
    assert files_of(tmp_path / "after" / "site") == files_of(before / "site")


class Drawn:
    """A drawing at work as the site sees it (deferred.Progress): the charts under
    ``charts``, made known ``step`` at a time; it ends once all are known."""

    def __init__(self, reg: powerreg.Registry, charts: Path, step: int) -> None:
        self.names = [f"{p.id}/{fc.id}" for p, fc in reg.iter_flowcharts()]
        self.charts, self.step, self.told = charts, step, 0
        self.unreadable: set[str] = set()

    def wait(self, timeout: float) -> bool:
        return self.told >= len(self.names)

    def newly_drawn(self) -> list[str]:
        new = self.names[self.told : self.told + self.step]
        self.told += len(new)
        return new

    def drawn_text(self, name: str) -> str | None:
        if name in self.unreadable:  # moved into place meanwhile
            return None
        return (self.charts / f"{name}.svg").read_text(encoding="utf-8")


@pytest.mark.parametrize("unreadable", [False, True])
def test_pages_whose_charts_are_drawn_are_written_while_the_drawing_goes_on(
    tmp_path: Path, unreadable: bool
) -> None:
    reg = powerreg.load_reference()
    before = tmp_path / "before"
    publish_site(reg, before / "site", drawn=render_all_into(reg, before / "drawn"))
    progress = Drawn(reg, before / "drawn", step=10)
    if unreadable:  # a chart the drawing has moved by the time its page asks: made after
        progress.unreadable = {"XK-001/F1"}
    seen: list[list[str]] = []
    after = tmp_path / "after"
    after.mkdir()
    publish_site(
        reg,
        after / "site",
        drawn=after / "drawn",
        drawing=drawn_later(reg, after / "drawn", seen),
        progress=progress,
    )
    assert files_of(after / "site") == files_of(before / "site")
    [made] = seen  # what was written when the drawing's end was waited for
    with_charts = {f"powers/{p.id}.html" for p in reg.powers.values() if p.flowcharts}
    assert with_charts - set(made) == ({"powers/XK-001.html"} if unreadable else set())


def test_a_page_waits_for_every_one_of_its_charts(tmp_path: Path) -> None:
    for name in ("F1", "F2"):
        (tmp_path / f"{name}.svg").write_text(f'<svg id="{name}"/>\n', encoding="utf-8")

    class Told:
        def __init__(self) -> None:
            self.batches = [["F1"], [], ["F2"]]

        def wait(self, timeout: float) -> bool:
            return not self.batches

        def newly_drawn(self) -> list[str]:
            return self.batches.pop(0)

        def drawn_text(self, name: str) -> str:
            return (tmp_path / f"{name}.svg").read_text(encoding="utf-8")

    later = Deferred(tmp_path, lambda: None)
    marks = later.marks()
    text = "".join(marks.mark(tmp_path / f"{n}.svg", "图", f"{n}.") for n in ("F1", "F2"))
    later.keep("p.html", text, marks, lambda: "never needed")
    told = Told()
    written: list[tuple[int, str]] = []
    later.finish(lambda path, page: written.append((len(told.batches), page)), told)
    # written once F2 was told, not after F1 alone
    assert [n for n, _ in written] == [0]
    assert written[0][1].count("<svg") == 2


def test_a_chart_outside_the_drawing_waits_for_its_end(tmp_path: Path) -> None:
    charts, elsewhere = tmp_path / "charts", tmp_path / "other"
    charts.mkdir()
    elsewhere.mkdir()
    (elsewhere / "F1.svg").write_text('<svg id="x"/>\n', encoding="utf-8")

    class Ended:
        def wait(self, timeout: float) -> bool:
            return True

        def newly_drawn(self) -> list[str]:
            raise AssertionError("not asked: the drawing has ended")

        def drawn_text(self, name: str) -> str | None:
            raise AssertionError("not asked: the drawing has ended")

    later = Deferred(charts, lambda: None)
    marks = later.marks()
    later.keep("p.html", marks.mark(elsewhere / "F1.svg", "图", "F1."), marks, str)
    written: dict[str, str] = {}
    later.finish(written.__setitem__, Ended())
    assert written == {"p.html": '<svg role="img" aria-label="图" focusable="false" id="F1.x"/>'}


def test_a_site_drawing_its_own_charts_writes_pages_as_they_are_drawn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``powerreg site`` draws in the background while it writes its pages, as a build."""
    reg = powerreg.load_reference()
    before = tmp_path / "before"
    publish_site(reg, before / "site", drawn=render_all_into(reg, before / "drawn"))
    bindir = fake_dot(tmp_path, 'sleep 1; exec "$REAL" "$@"')  # still drawing at the end
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    written_early: list[str] = []
    write_drawn = Deferred._write_drawn

    def recorded(self: Deferred, drawing: Any, write: Any) -> bool:
        def noted(path: str, text: str) -> None:
            written_early.append(path)
            write(path, text)

        return write_drawn(self, drawing, noted)

    monkeypatch.setattr(Deferred, "_write_drawn", recorded)
    result = publish_site(reg, tmp_path / "site")
    assert (result.charts_drawn, result.charts) == (True, 118)
    assert [p for p in written_early if p.startswith("powers/")]
    assert files_of(tmp_path / "site") == files_of(before / "site")


def test_a_failing_site_stops_its_own_drawing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    children = child_processes()

    def full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(publish.Downloads, "add", full)
    with pytest.raises(powerreg.UsageError, match="No space left"):
        publish_site(powerreg.load_reference(), tmp_path / "site")
    assert list(tmp_path.iterdir()) == []
    assert not [t for t in threading.enumerate() if t.name == "render_all"]
    assert child_processes() <= children  # no dot, no index child left
