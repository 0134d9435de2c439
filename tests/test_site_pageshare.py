"""The power pages left once the charts are drawn, mostly written by a forked child
(:mod:`powerreg.site.pageshare`): the same site as one process writes, whatever the
child does."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import powerreg.synth
from powerreg.render import render_all
from powerreg.site import pageshare, publish, publish_site
from powerreg.site.pages import Pages

from .conftest import child_processes, site_files

# forks only from a process of no other thread: not those an earlier test left
pytestmark = pytest.mark.usefixtures("own_threads")

POWERS = pageshare.MIN_PAGES + 40


@pytest.fixture(scope="module")
def drawn(tmp_path_factory: pytest.TempPathFactory) -> tuple[powerreg.Registry, Path]:
    reg = powerreg.synth.generate(POWERS, seed=3)
    out = tmp_path_factory.mktemp("drawn") / "diagrams"
    render_all(reg, out, categories=True)
    return reg, out


@pytest.fixture(scope="module")
def one_process(
    drawn: tuple[powerreg.Registry, Path], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    reg, charts = drawn
    out = tmp_path_factory.mktemp("one") / "site"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("POWERREG_PARALLEL", "0")
        assert not pageshare.forkable()
        publish_site(reg, out, drawn=charts)
    return out


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[pageshare.Share | None]:
    monkeypatch.setenv("POWERREG_PARALLEL", "1")
    started: list[pageshare.Share | None] = []
    start = pageshare.start

    def spy(*args: object) -> pageshare.Share | None:
        started.append(start(*args))  # type: ignore[arg-type]
        return started[-1]

    monkeypatch.setattr(pageshare, "start", spy)
    return started


def _shared(
    drawn: tuple[powerreg.Registry, Path],
    out: Path,
    monkeypatch: pytest.MonkeyPatch,
    saving: Callable[[int], None],
) -> int:
    """The site published with a child sharing its pages, ``saving(pid)`` called as
    each process saves a power's page: its count of pages."""
    started = _spy(monkeypatch)
    save = Pages.save

    def saved(self: Pages, path: str, text: str) -> None:
        if path.startswith("powers/"):
            saving(os.getpid())
        save(self, path, text)

    monkeypatch.setattr(Pages, "save", saved)
    return _published_with_child(drawn, out, started)


def _published_with_child(
    drawn: tuple[powerreg.Registry, Path],
    out: Path,
    started: list[pageshare.Share | None],
) -> int:
    """The site published (``started``: :func:`_spy`'s list), a child made and waited
    for: its count of pages."""
    before = child_processes()
    result = publish_site(drawn[0], out, drawn=drawn[1])
    [share] = started
    assert share is not None
    assert child_processes() <= before  # the child waited for
    return result.pages


def test_a_child_writes_its_share_of_the_pages_and_the_site_is_the_same(
    drawn: tuple[powerreg.Registry, Path],
    one_process: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    written: list[int] = []
    pages = _shared(drawn, tmp_path / "site", monkeypatch, written.append)
    # this process wrote the pages it came to first, the child the rest, counted back:
    # each at least the block it is given at the start
    assert pageshare.BLOCK <= written.count(os.getpid()) <= POWERS - pageshare.BLOCK
    assert pages == sum(1 for p in (tmp_path / "site").rglob("*.html"))
    assert site_files(tmp_path / "site") == site_files(one_process)


def test_a_child_that_dies_leaves_its_pages_to_this_process(
    drawn: tuple[powerreg.Registry, Path],
    one_process: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parent = os.getpid()

    def dies_in_child(pid: int) -> None:
        if pid != parent:
            os._exit(9)  # dies before it has written a page

    pages = _shared(drawn, tmp_path / "site", monkeypatch, dies_in_child)
    assert pages == sum(1 for p in (tmp_path / "site").rglob("*.html"))
    assert site_files(tmp_path / "site") == site_files(one_process)


def test_a_failed_site_stops_the_child(
    drawn: tuple[powerreg.Registry, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reg, charts = drawn
    started = _spy(monkeypatch)

    def full(*args: object) -> None:
        raise OSError(28, "disk full")

    monkeypatch.setattr(publish.Downloads, "add", full)
    before = child_processes()
    with pytest.raises(powerreg.UsageError, match="disk full"):
        publish_site(reg, tmp_path / "site", drawn=charts)
    [share] = started
    assert share is not None
    assert child_processes() <= before  # no child left, running or unreaped
    assert not (tmp_path / "site").exists()


def test_no_child_for_a_few_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERREG_PARALLEL", "1")
    pages = Pages(tmp_path, {})
    assert (
        pageshare.start(pages, [f"XK-{n:03d}" for n in range(pageshare.MIN_PAGES - 1)], print)
        is None
    )


@pytest.mark.parametrize("slow", ["parent", "child"])
def test_the_two_processes_meet_wherever_the_work_lies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slow: str
) -> None:
    monkeypatch.setenv("POWERREG_PARALLEL", "1")
    pages = Pages(tmp_path / "site", {})
    parent = os.getpid()
    log = tmp_path / "log"

    def write(pid: str) -> None:
        if (os.getpid() == parent) == (slow == "parent"):
            time.sleep(0.003)
        pages.save(f"powers/{pid}.html", pid)
        with log.open("a") as f:  # one short append a page: whole lines from both
            f.write(f"{os.getpid()} {pid}\n")

    ids = [f"XK-{n:03d}" for n in range(2 * pageshare.MIN_PAGES)]
    share = pageshare.start(pages, ids, write)
    assert share is not None
    for pid in ids:
        if share.mine(pid):
            write(pid)
    share.finish()
    lines = [line.split() for line in log.read_text().splitlines()]
    assert sorted(pid for _, pid in lines) == ids  # every page, once
    ours = sum(1 for who, _ in lines if int(who) == parent)
    # the faster takes most: no fixed share
    assert (ours < len(ids) // 3) if slow == "parent" else (ours > 2 * len(ids) // 3)
    assert pages.count == len(ids)


@pytest.mark.parametrize("page", ["risks.html", "categories/XK.html"])
def test_a_child_that_dies_in_its_listings_leaves_them_to_this_process(
    drawn: tuple[powerreg.Registry, Path],
    one_process: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    page: str,
) -> None:
    started = _spy(monkeypatch)
    parent = os.getpid()
    save = Pages.save

    def dies(self: Pages, path: str, text: str) -> None:
        if path == page and os.getpid() != parent:
            os._exit(9)  # the child's first work, cut short
        save(self, path, text)

    monkeypatch.setattr(Pages, "save", dies)
    pages = _published_with_child(drawn, tmp_path / "site", started)
    assert pages == sum(1 for p in (tmp_path / "site").rglob("*.html"))
    assert site_files(tmp_path / "site") == site_files(one_process)


def test_a_child_that_dies_placing_the_charts_leaves_them_to_this_process(
    drawn: tuple[powerreg.Registry, Path],
    one_process: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started = _spy(monkeypatch)
    parent = os.getpid()
    link = publish._link
    linked = [0]

    def dies(src: str, dst: str) -> None:
        linked[0] += 1
        if os.getpid() != parent and linked[0] == 5:
            os._exit(9)  # some charts linked, the rest not
        link(src, dst)

    monkeypatch.setattr(publish, "_link", dies)
    pages = _published_with_child(drawn, tmp_path / "site", started)
    assert linked[0] > 0  # placed by this process, the child's part removed first
    assert pages == sum(1 for p in (tmp_path / "site").rglob("*.html"))
    assert site_files(tmp_path / "site") == site_files(one_process)


def test_a_lock_not_had_ends_the_sharing_and_this_process_writes_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERREG_PARALLEL", "1")
    pages = Pages(tmp_path / "site", {})

    def write(pid: str) -> None:
        pages.save(f"powers/{pid}.html", pid)

    ids = [f"XK-{n:03d}" for n in range(2 * pageshare.MIN_PAGES)]
    share = pageshare.start(pages, ids, write)
    assert share is not None

    class Held:  # as if the child had died holding the lock
        def acquire(self, timeout: float) -> bool:
            return False

    share._lock = Held()
    for pid in ids:
        if share.mine(pid):
            write(pid)
    share.finish()
    assert pages.count == len(ids)  # each page counted once, the child's not twice
    assert [p.read_text() for p in sorted((tmp_path / "site" / "powers").iterdir())] == ids
