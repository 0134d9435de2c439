"""The catalog written by a forked child while the build goes on
(powerreg.catalog.background): the same catalog as written in the process, whatever the
child does."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

import powerreg
from powerreg import machine
from powerreg.catalog import background, export_sqlite

from .conftest import EXAMPLE, child_processes

# forks only from a process of no other thread: not those an earlier test left
pytestmark = pytest.mark.usefixtures("own_threads")


@pytest.fixture
def parallel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POWERREG_WORKERS", raising=False)
    monkeypatch.setenv("POWERREG_PARALLEL", "1")  # a child whatever the machine's load


def written(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("here")
    export_sqlite(powerreg.load(EXAMPLE), out / "catalog.db", metadata_path=out / "meta.json")
    return written(out)


@pytest.mark.usefixtures("parallel")
def test_the_catalog_of_the_child_is_the_catalog(
    tmp_path: Path, expected: dict[str, bytes]
) -> None:
    export = background.start_export(
        powerreg.load(EXAMPLE), tmp_path / "catalog.db", metadata_path=tmp_path / "meta.json"
    )
    assert export.forked
    assert export.result() == tmp_path / "catalog.db"
    assert written(tmp_path) == expected
    assert export.seconds > 0


@pytest.mark.usefixtures("parallel")
def test_a_child_that_dies_leaves_the_catalog_to_the_parent(
    tmp_path: Path, expected: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    parent = os.getpid()
    here: list[int] = []

    def dies_in_the_child(*args: object, **kwargs: object) -> Path:
        if os.getpid() != parent:
            (tmp_path / ".catalog.db.half").write_bytes(b"SQLite")  # as a killed write leaves
            os.kill(os.getpid(), signal.SIGKILL)
        here.append(1)
        return export_sqlite(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(background, "export_sqlite", dies_in_the_child)
    export = background.start_export(
        powerreg.load(EXAMPLE), tmp_path / "catalog.db", metadata_path=tmp_path / "meta.json"
    )
    assert export.forked
    export.result()
    assert here == [1]
    (tmp_path / ".catalog.db.half").unlink()
    assert written(tmp_path) == expected


@pytest.mark.usefixtures("parallel")
def test_a_stopped_child_is_ended_and_waited_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def stalls(*args: object, **kwargs: object) -> Path:
        time.sleep(300)
        raise AssertionError("not stopped")

    before = child_processes()
    monkeypatch.setattr(background, "export_sqlite", stalls)
    export = background.start_export(powerreg.load(EXAMPLE), tmp_path / "catalog.db")
    assert export.forked
    export.stop()
    assert child_processes() <= before  # no child of the export left, running or not reaped


@pytest.mark.usefixtures("parallel")
def test_no_child_from_a_threaded_process(tmp_path: Path, expected: dict[str, bytes]) -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        export = background.start_export(
            powerreg.load(EXAMPLE), tmp_path / "catalog.db", metadata_path=tmp_path / "meta.json"
        )
        assert not export.forked
        assert list(tmp_path.iterdir()) == []  # written when waited for
        export.result()
    finally:
        stop.set()
        other.join()
    assert written(tmp_path) == expected


def test_no_child_when_told(
    tmp_path: Path, expected: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERREG_PARALLEL", "0")
    export = background.start_export(
        powerreg.load(EXAMPLE), tmp_path / "catalog.db", metadata_path=tmp_path / "meta.json"
    )
    assert not export.forked
    export.result()
    assert written(tmp_path) == expected


@pytest.mark.usefixtures("parallel")
def test_no_child_for_a_big_registry(
    tmp_path: Path, expected: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(machine, "FORK_REGISTRY_POWERS", 2)  # the example has two
    export = background.start_export(
        powerreg.load(EXAMPLE), tmp_path / "catalog.db", metadata_path=tmp_path / "meta.json"
    )
    assert not export.forked
    export.result()
    assert written(tmp_path) == expected
