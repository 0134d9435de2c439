"""Parsing on every core (issue 21.1): a load through the worker pool is the serial load.

The pool only forks from a process running one thread, and the test session may run
others (a Dask cluster, a server): the comparisons therefore run in a fresh process
(:func:`compare_everything`), with the pool's threshold lowered to one file so that every
registry below goes through it, and every load checked to have used it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from powerreg import RegistryError, directory, loadpool, machine
from powerreg.load import load

from .conftest import EXAMPLE, META, dump, in_fresh_process, power_data
from .test_load import CASES, MINI, ORG_META


def _outcome(
    root: Path, read: list[int] | None = None, **kwargs: Any
) -> tuple[Any, list[Any], dict[str, Any]]:
    """The registry, its problems and its source map, every place found (those a load
    leaves to be found when asked are found now; ``read``, a count of files read, does
    not count those second readings)."""
    try:
        reg = load(root, **kwargs)
    except RegistryError as err:
        return None, err.problems, {}
    at_load = None if read is None else read[0]
    positions = reg._sources.complete()
    if read is not None and at_load is not None:
        read[0] = at_load
    return reg, [], positions


@contextmanager
def _counting_jobs() -> Iterator[list[int]]:
    """Count the files handed to the workers while the block runs."""
    handed = [0]
    real = loadpool.ParsePool.submit

    def submit(self: loadpool.ParsePool, files: Any) -> Any:
        handed[0] += len(files)
        return real(self, files)

    loadpool.ParsePool.submit = submit  # type: ignore[method-assign]
    try:
        yield handed
    finally:
        loadpool.ParsePool.submit = real  # type: ignore[method-assign]


def _write(root: Path, powers: dict[str, Any], meta: Any = None) -> Path:
    (root / "powers").mkdir(parents=True)
    m = META if meta is None else meta
    (root / "registry.yaml").write_text(m if isinstance(m, str) else dump(m), encoding="utf-8")
    for stem, content in powers.items():
        text = content if isinstance(content, str) else dump(content)
        (root / "powers" / f"{stem}.yaml").write_text(text, encoding="utf-8")
    return root


def _registries(tmp: Path) -> Iterator[tuple[str, Path]]:
    """Every registry compared: the E-code table beside clean files, cross-file
    problems, the example, and generated registries."""
    from powerreg.synth import generate, write_registry

    clean = {f"XK-10{i}": MINI.replace("XK-001", f"XK-10{i}") for i in range(3)}
    for name, before, after, _ in CASES:
        broken = MINI.replace(before, after, 1)
        yield name, _write(tmp / name.replace(" ", "-"), {"XK-001": broken, **clean})
    twice = {**clean, "XK-104": clean["XK-101"]}  # E005 and E003
    yield "copied file", _write(tmp / "copied", twice)
    yield "org chart", _write(tmp / "org", clean, meta=ORG_META)
    undeclared = {**META, "categories": [{"code": "CF", "name": "行政处罚"}]}
    yield "undeclared category", _write(tmp / "undeclared", clean, meta=undeclared)
    many = {f"XK-{i:03d}": power_data(f"XK-{i:03d}") for i in range(1, 90)}
    yield "many", _write(tmp / "many", many)
    yield "example", EXAMPLE
    yield "generated", write_registry(generate(150, seed=3), tmp / "generated")


def compare_everything() -> dict[str, list[int]]:
    """Load every registry serially and through the pool (cache off, then the pool
    filling a cache and a warm load from it); fail on any difference. Run in a process
    of its own; returns, for each registry, how many files it handed to the workers and
    how many power files it has."""
    handed: dict[str, list[int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, root) in enumerate(_registries(Path(tmp))):
            os.environ["POWERREG_CACHE_DIR"] = str(Path(tmp) / f"cache-{i}")
            os.environ["POWERREG_PARALLEL"] = "0"
            serial = _outcome(root, cache=False)
            os.environ["POWERREG_PARALLEL"] = "1"
            directory.PARALLEL_AT = 1  # type: ignore[misc]
            with _counting_jobs() as jobs:
                parallel = _outcome(root, cache=False)
                filled = _outcome(root)
            warm = _outcome(root)
            for got in (parallel, filled, warm):
                assert got == serial, name
                assert got[2] == serial[2], name  # the source map too
            handed[name] = [jobs[0], len(list((root / "powers").glob("*.yaml")))]
            if serial[0] is not None:  # every place found while the files are parsed:
                # the cache's entries without them are parsed again, the same places found
                for located in (
                    load(root, cache=False, locate_all=True),
                    load(root, locate_all=True),
                ):
                    assert not located._sources.pending, name
                    assert located._sources.positions == serial[2], name
    return handed


def test_a_load_through_the_pool_is_the_serial_load() -> None:
    handed = in_fresh_process("test_loadpool", "compare_everything")
    assert len(handed) == len(CASES) + 6
    # every power file went to the workers twice (cache off, then filling the cache)
    assert {name: h for name, (h, _) in handed.items()} == {
        name: 2 * n for name, (_, n) in handed.items()
    }


def test_when_a_pool_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loadpool.threading, "active_count", lambda: 1)
    monkeypatch.setattr(machine, "load_average", lambda: 0.5)
    monkeypatch.setenv("POWERREG_PARALLEL", "0")
    assert loadpool.ParsePool.start(workers=2) is None  # turned off
    monkeypatch.delenv("POWERREG_PARALLEL")
    assert loadpool.ParsePool.start(workers=1) is None  # one core
    pool = loadpool.ParsePool.start(workers=2)  # a core to spare
    assert pool is not None
    pool.close()
    monkeypatch.setattr(machine, "load_average", lambda: 2.0)
    assert loadpool.ParsePool.start(workers=2) is None  # every core busy
    monkeypatch.setenv("POWERREG_PARALLEL", "1")
    pool = loadpool.ParsePool.start(workers=2)  # asked for, whatever the load
    assert pool is not None
    pool.close()
    monkeypatch.setattr(loadpool.threading, "active_count", lambda: 2)
    assert loadpool.ParsePool.start(workers=2) is None  # never forked from threads
    assert loadpool.PARALLEL_AT > 84  # the reference registry is parsed serially


def test_the_load_is_what_runs_now_when_the_minute_lags(monkeypatch: pytest.MonkeyPatch) -> None:
    """After a stage of this job's own ``dot`` processes the minute's average still says
    busy; the tasks running now say the second core is free."""
    monkeypatch.setattr(machine.os, "getloadavg", lambda: (2.4, 1.0, 0.5))
    monkeypatch.setattr(machine, "running_now", lambda: 1)
    assert machine.load_average() == 1.0
    assert machine.second_process({}, cores=2)
    monkeypatch.setattr(machine, "running_now", lambda: 3)  # others run now too
    assert machine.load_average() == 2.4
    assert not machine.second_process({}, cores=2)
    monkeypatch.setattr(machine.os, "getloadavg", lambda: (0.3, 1.0, 0.5))
    assert machine.load_average() == 0.3  # a quiet minute: a moment's crowd does not count
    monkeypatch.setattr(machine, "running_now", lambda: None)  # not Linux
    assert machine.load_average() == 0.3


@pytest.mark.parametrize("how", ["raises", "dies"])
def test_a_failing_worker_costs_nothing_but_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """A job that raises in its worker, or a worker that dies in the middle of one,
    leaves its files to the loader: the same registry, the same problems."""

    def broken(files: Any, payloads: bool, whole: bool) -> Any:
        if how == "dies":
            os._exit(3)
        raise RuntimeError("a surprise in the worker")

    monkeypatch.setattr(loadpool, "_job", broken)  # inherited by the forked worker
    monkeypatch.setattr(loadpool.threading, "active_count", lambda: 1)
    monkeypatch.setattr(loadpool, "core_count", lambda: 2)
    monkeypatch.setenv("POWERREG_PARALLEL", "1")
    monkeypatch.setattr(directory, "PARALLEL_AT", 1)
    root = _write(tmp_path / "reg", {"XK-001": MINI, "XK-002": MINI.replace("XK-001", "XK-002")})
    with _counting_jobs() as handed:
        reg = load(root, cache=False)
    assert handed[0] == 2  # the pool ran, and its worker failed
    assert sorted(reg.powers) == ["XK-001", "XK-002"]
    bad = _write(tmp_path / "bad", {"XK-001": MINI.replace("name: 审批", "name: [审批")})
    with pytest.raises(RegistryError) as info:
        load(bad, cache=False)
    assert info.value.codes == [("E001", "powers/XK-001.yaml", 4)]


def test_the_loader_takes_back_what_no_worker_started(monkeypatch: pytest.MonkeyPatch) -> None:
    """Jobs queued behind a busy worker are the loader's to do; a job sent is not."""
    monkeypatch.setattr(loadpool.threading, "active_count", lambda: 1)
    monkeypatch.setenv("POWERREG_PARALLEL", "1")
    pool = loadpool.ParsePool.start(workers=2, payloads=False)
    assert pool is not None
    try:
        raw = (EXAMPLE / "powers" / "XK-001.yaml").read_bytes()
        files = [("powers/XK-001.yaml", raw)] * (3 * loadpool.JOB)
        jobs = pool.submit(files)
        assert [j.state for j in jobs] == ["sent", "queued", "queued"]  # one job a worker
        taken = pool.take_back(jobs)
        assert taken == jobs[1:]
        assert [j.state for j in jobs] == ["sent", "taken", "taken"]
        made = pool.wait(jobs[0])
        assert made is not None
        assert len(made) == loadpool.JOB
        entry = loadpool.entry_of(made[0])  # type: ignore[arg-type]
        assert entry.power == loadpool.clean_entry(raw, "powers/XK-001.yaml").power  # type: ignore[union-attr]
        assert pool.wait(jobs[1]) is None  # taken back: the loader's
    finally:
        pool.close()


def _pool_in_a_daemon(answer: Any) -> None:
    os.environ["POWERREG_PARALLEL"] = "1"
    answer.put(loadpool.ParsePool.start(workers=2) is None)


def test_a_daemon_process_loads_without_a_pool() -> None:
    """A daemon process (a Dask worker's, say) may not have children: the loader parses
    in it alone, rather than fail."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    answer = context.Queue()
    child = context.Process(target=_pool_in_a_daemon, args=(answer,), daemon=True)
    child.start()
    try:
        assert answer.get(timeout=60) is True
    finally:
        child.join(timeout=60)
    assert child.exitcode == 0


def test_a_workers_text_gives_the_entry_the_loader_makes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the cache off and places found when asked, a worker sends rapidyaml's JSON
    and the loader validates it (clean_text, entry_of): whatever that accepts is the
    entry the loader makes itself, for the E-code table, cross-file cases and generated
    powers; a text that does not validate raises (the loader then reads carefully)."""
    from powerreg import fastyaml

    monkeypatch.setattr(fastyaml, "fd2_alone", lambda: True)  # read fast here
    texts = refused = 0
    for _, root in _registries(tmp_path):
        for path in sorted((root / "powers").glob("*.yaml")):
            raw, rel = path.read_bytes(), f"powers/{path.name}"
            made = loadpool.clean_text(raw, rel)
            expected = loadpool.clean_entry(raw, rel, whole=False)
            if isinstance(made, tuple):
                texts += 1
                try:
                    got = loadpool.entry_of(made)
                except ValueError:  # pydantic's ValidationError among them
                    assert expected is None, rel
                    refused += 1
                    continue
                assert got == expected, rel
            elif made is None:
                assert expected is None, rel
            else:
                assert loadpool.entry_of(made) == expected, rel
    assert texts > 200
    assert refused > 0  # files whose only problem is the schema's: validated there
