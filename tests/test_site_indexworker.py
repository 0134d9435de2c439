"""The site's search index built by a forked child while the pages are written
(:mod:`powerreg.site.indexworker`): the same site as without it, whatever the child does."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest

import powerreg
import powerreg.synth
from powerreg import machine, mainjob
from powerreg.site import PublishPolicy, early, indexworker, lookup, publish, publish_site
from powerreg.site.public import search_docs

from .conftest import child_processes, site_files

# forks only from a process of no other thread: not those an earlier test left
pytestmark = pytest.mark.usefixtures("own_threads")


@pytest.fixture(scope="module")
def serial_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("serial") / "site"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("POWERREG_WORKERS", "0")
        assert indexworker.start([], out / "unused") is None
        publish_site(powerreg.load_reference(), out)
    return out


def _started(monkeypatch: pytest.MonkeyPatch) -> list[indexworker.IndexJob | None]:
    """Record what indexworker.start gives the site, which forks whatever the machine's
    load or the test process's threads."""
    monkeypatch.setattr(indexworker, "wanted", lambda: True)
    jobs: list[indexworker.IndexJob | None] = []
    start = indexworker.start

    def recorded(docs: list[indexworker.Doc], out: Path) -> indexworker.IndexJob | None:
        jobs.append(start(docs, out))
        return jobs[-1]

    monkeypatch.setattr(indexworker, "start", recorded)
    return jobs


def test_the_index_built_aside_gives_the_same_site(
    serial_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = _started(monkeypatch)
    publish_site(powerreg.load_reference(), tmp_path / "site")
    assert [type(j) for j in jobs] == [indexworker.IndexJob]
    assert site_files(tmp_path / "site") == site_files(serial_site)
    assert [h.id for h in lookup(tmp_path / "site", "环境影响评价")]


def test_the_index_built_by_a_new_python_gives_the_same_site(
    serial_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = _started(monkeypatch)
    monkeypatch.setattr(indexworker.threading, "active_count", lambda: 3)  # a drawing's
    built_here: list[int] = []
    build = indexworker.build
    monkeypatch.setattr(indexworker, "build", lambda *a: built_here.append(1) or build(*a))
    publish_site(powerreg.load_reference(), tmp_path / "site")
    [job] = jobs
    assert job is not None
    assert job._process is not None  # a new Python, not a fork
    assert built_here == []  # not here
    assert site_files(tmp_path / "site") == site_files(serial_site)


def test_a_failing_new_python_leaves_the_index_to_the_parent(
    serial_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = _started(monkeypatch)
    monkeypatch.setattr(indexworker.threading, "active_count", lambda: 3)
    monkeypatch.setattr(indexworker, "_BOOT", "import sys; sys.stdin.read(); sys.exit(3)")
    publish_site(powerreg.load_reference(), tmp_path / "site")
    [job] = jobs
    assert job is not None
    assert job._process is not None
    assert job._process.returncode == 3
    assert site_files(tmp_path / "site") == site_files(serial_site)


def test_a_failing_child_leaves_the_index_to_the_parent(
    serial_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parent = os.getpid()
    build = indexworker.build
    built_here: list[int] = []

    def fails_in_the_child(docs: list[indexworker.Doc], out: Path) -> tuple[int, dict[str, int]]:
        if os.getpid() != parent:
            (out / "g2").mkdir(parents=True)
            (out / "g2" / "0.json").write_text("{half", encoding="utf-8")  # a partial write
            raise OSError("the child's disk is full")
        built_here.append(len(docs))
        return build(docs, out)

    monkeypatch.setattr(indexworker, "build", fails_in_the_child)
    jobs = _started(monkeypatch)
    publish_site(powerreg.load_reference(), tmp_path / "site")
    assert [type(j) for j in jobs] == [indexworker.IndexJob]
    assert built_here == [84]  # the parent built it after the child failed
    assert site_files(tmp_path / "site") == site_files(serial_site)


def test_a_child_is_killed_when_the_parent_gives_up(tmp_path: Path) -> None:
    docs: list[indexworker.Doc] = [
        (f"P-{i}", "许可", "行政许可", ["环境影响评价文件审批" * 200]) for i in range(2000)
    ]
    job = indexworker.IndexJob(docs, tmp_path / "search")
    pid = job._child.pid
    job.stop()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped: no zombie left behind
    job.stop()  # a second stop does nothing


def test_an_error_in_the_parent_stops_the_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = _started(monkeypatch)

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(publish.Downloads, "add", broken)
    with pytest.raises(powerreg.UsageError, match="No space left"):
        publish_site(powerreg.load_reference(), tmp_path / "site")
    [job] = jobs
    assert job is not None
    with pytest.raises(ChildProcessError):
        os.waitpid(job._child.pid, os.WNOHANG)
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize(
    ("env", "threads", "load", "expected"),
    [
        ({}, 1, 0.5, True),  # a core to spare
        ({}, 1, 2.5, False),  # a busy machine: the child would only share the cores
        ({"POWERREG_PARALLEL": "1"}, 1, 2.5, True),  # forced
        ({"POWERREG_PARALLEL": "0"}, 1, 0.5, False),
        ({"POWERREG_WORKERS": "0"}, 1, 0.5, False),
        ({"POWERREG_PARALLEL": "1"}, 2, 0.5, True),  # from a threaded process: a new Python
    ],
)
def test_a_child_is_made_only_where_it_helps(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], threads: int, load: float, expected: bool
) -> None:
    monkeypatch.delenv("POWERREG_PARALLEL", raising=False)
    monkeypatch.delenv("POWERREG_WORKERS", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(indexworker.threading, "active_count", lambda: threads)
    monkeypatch.setattr(indexworker.os, "getloadavg", lambda: (load, load, load))
    # as many tasks running now as the average says (machine.load_average takes the less)
    monkeypatch.setattr(machine, "running_now", lambda: math.ceil(load))
    monkeypatch.setattr(indexworker.os, "sched_getaffinity", lambda pid: {0, 1})
    assert indexworker.wanted() is expected
    assert indexworker.forkable() is (threads == 1)  # never forked from a threaded process


def test_no_new_python_for_many_documents(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("POWERREG_PARALLEL", "1")
    monkeypatch.setattr(indexworker.threading, "active_count", lambda: 3)  # no fork
    monkeypatch.setattr(indexworker, "SPAWN_DOCS", 1)
    docs = [("A", "甲", "类", ["审批"]), ("B", "乙", "类", ["处罚"])]
    assert indexworker.start(docs, tmp_path / "search") is None  # built by the caller
    job = indexworker.start(docs[:1], tmp_path / "one")
    assert job is not None
    assert job._process is not None
    assert job.result()[1]["docs"] == 1


# -- the index started with the build, before its threads (powerreg.site.early) --------


def test_an_early_index_is_taken_into_the_same_site(
    serial_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(indexworker, "wanted", lambda: True)
    reg = powerreg.load_reference()
    made_here: list[int] = []
    monkeypatch.setattr(early, "search_docs", lambda r: made_here.append(1) or search_docs(r))
    started = early.start_index(reg, None, tmp_path / "early")
    assert started is not None
    assert started.job._process is None  # forked: no new Python
    publish_site(reg, tmp_path / "site", search=started)
    assert made_here == []  # the documents were made by the child, not here
    assert not (tmp_path / "early").exists()  # moved into the site
    assert site_files(tmp_path / "site") == site_files(serial_site)


def test_an_early_index_of_another_policy_is_not_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(indexworker, "wanted", lambda: True)
    reg = powerreg.load_reference()
    omit = PublishPolicy(omit={"responsible"})
    with monkeypatch.context() as serial:
        serial.setenv("POWERREG_WORKERS", "0")
        publish_site(reg, tmp_path / "serial", policy=omit)
    started = early.start_index(reg, None, tmp_path / "early")
    assert started is not None
    publish_site(reg, tmp_path / "site", policy=omit, search=started)
    assert not (tmp_path / "early").exists()
    with pytest.raises(ChildProcessError):
        os.waitpid(started.job._child.pid, os.WNOHANG)  # stopped and reaped
    assert site_files(tmp_path / "site") == site_files(tmp_path / "serial")


def test_a_killed_early_child_leaves_the_index_to_the_parent(
    serial_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(indexworker, "wanted", lambda: True)
    reg = powerreg.load_reference()
    monkeypatch.setattr(early, "search_docs", lambda r: os.kill(os.getpid(), 9))  # the child
    started = early.start_index(reg, None, tmp_path / "early")
    assert started is not None
    monkeypatch.setattr(early, "search_docs", search_docs)  # the parent's, after the fork
    publish_site(reg, tmp_path / "site", search=started)
    assert site_files(tmp_path / "site") == site_files(serial_site)


@pytest.mark.parametrize(
    ("env", "powers", "expected"),
    [
        ({}, 84, True),
        ({"POWERREG_PARALLEL": "0"}, 84, False),
        ({}, machine.FORK_REGISTRY_POWERS, True),  # its documents made before the fork
    ],
)
def test_an_early_index_only_where_a_fork_helps(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    powers: int,
    expected: bool,
) -> None:
    monkeypatch.setenv("POWERREG_PARALLEL", "1")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    reg = powerreg.load_reference()
    if powers > len(reg.powers):  # a big registry
        reg = powerreg.synth.generate(powers, seed=1)
    started = early.start_index(reg, None, tmp_path / "early")
    assert (started is not None) is expected
    if started is not None:
        started.stop()


def test_a_failed_build_stops_its_early_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERREG_PARALLEL", "1")
    started: list[early.EarlyIndex | None] = []
    start = early.start_index
    monkeypatch.setattr(mainjob, "start_index", lambda *a: started.append(start(*a)) or started[-1])

    def full(*args: object) -> None:
        raise OSError(28, "disk full")

    monkeypatch.setattr(publish.Downloads, "add", full)
    before = child_processes()
    with pytest.raises(powerreg.UsageError, match="disk full"):
        mainjob.build(powerreg.load_reference(), tmp_path / "out")
    [job] = started
    assert job is not None
    assert child_processes() <= before  # no child left, running or unreaped
    assert not (tmp_path / "out").exists()


def test_a_big_registrys_early_index_reads_documents_made_before_the_fork(
    tmp_path: Path, serial_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a child that made the documents of a big registry would read, and so copy, every
    # power: they are made before the fork, and the child's index is the same
    monkeypatch.setenv("POWERREG_PARALLEL", "1")
    monkeypatch.setattr(machine, "FORK_REGISTRY_POWERS", 2)
    reg = powerreg.load_reference()
    made: list[int] = []
    monkeypatch.setattr(early, "search_docs", lambda r: made.append(os.getpid()) or search_docs(r))
    started = early.start_index(reg, None, tmp_path / "early")
    assert started is not None
    assert made == [os.getpid()]  # here, once, before the child began
    publish_site(reg, tmp_path / "site", search=started)
    assert not (tmp_path / "early").exists()
    assert site_files(tmp_path / "site") == site_files(serial_site)
