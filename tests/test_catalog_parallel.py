"""The search indexes built on a second core (powerreg.catalog.searchworker): the catalog
is the same row for row whichever process built which index, a failing or dying worker
leaves the previous catalog as it was, and Ctrl-C or a killed export leaves no process
and, after the next export, no scratch file behind.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

import powerreg
from powerreg import Registry, UsageError
from powerreg.catalog import export_sqlite, search, searchprocess, searchworker, write
from powerreg.catalog.searchworker import SearchWorker
from powerreg.machine import WORKERS_ENV, process_stat
from powerreg.synth import generate

from .conftest import ROOT, wait_until

REFERENCE = ROOT / "src" / "powerreg" / "reference" / "liaoning-epd-2011"

#: Seconds a test waits for another process before it fails.
PATIENCE = 120.0


@pytest.fixture(scope="module")
def generated() -> Registry:
    return generate(300, seed=21)


def dump(path: Path) -> list[str]:
    """Every row of every table, FTS5's own included, as SQL text."""
    with closing(sqlite3.connect(path)) as conn:
        return list(conn.iterdump())


def files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def serial(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WORKERS_ENV, "0")


def parallel(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Hand every registry to a worker; the names of the indexes it built, per export."""
    monkeypatch.delenv(WORKERS_ENV, raising=False)
    monkeypatch.setattr(searchworker, "PARALLEL_AT", 0)
    built: list[list[str]] = []
    copy_into = SearchWorker.copy_into

    def recording(self: SearchWorker, conn: sqlite3.Connection, schema: str) -> list[str]:
        names = copy_into(self, conn, schema)
        built.append(names)
        return names

    monkeypatch.setattr(SearchWorker, "copy_into", recording)
    return built


def worker_has_taken(n: int) -> Callable[[SearchWorker], object]:
    """A claim() that first waits until the worker has started ``n`` indexes."""
    claim = SearchWorker.claim

    def waiting(self: SearchWorker) -> object:
        deadline = time.monotonic() + PATIENCE
        while searchprocess.read_claims(self._claims)[0] < n and self._process.poll() is None:
            assert time.monotonic() < deadline, "the worker never started"
            time.sleep(0.01)
        return claim(self)

    return waiting


#: A claim() that leaves every index to the worker.
never = worker_has_taken(3)


@pytest.mark.parametrize(
    ("split", "built_by_worker"),
    [
        ("the worker builds all", [["countermeasures_fts", "risk_points_fts", "powers_fts"]]),
        ("the worker builds the largest or more", None),
    ],
)
def test_parallel_and_serial_exports_are_the_same_catalog(
    generated: Registry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    split: str,
    built_by_worker: list[list[str]] | None,
) -> None:
    # A small FTS5 buffer, so that every index is written in many segments and merged.
    monkeypatch.setattr(write, "FTS_HASHSIZE", 64 * 1024)
    serial(monkeypatch)
    one = export_sqlite(generated, tmp_path / "serial.db")
    built = parallel(monkeypatch)
    monkeypatch.setattr(SearchWorker, "claim", never if built_by_worker else worker_has_taken(1))
    two = export_sqlite(generated, tmp_path / "parallel.db")
    if built_by_worker:
        assert built == built_by_worker
    else:
        assert len(built) == 1
        assert built[0][0] == "countermeasures_fts"
    assert dump(one) == dump(two)
    for query in ("审批", "自由裁量", "环境影响评价", "局长 审批"):
        assert search(one, query) == search(two, query)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "parallel.db",
        "parallel.metadata.json",
        "serial.db",
        "serial.metadata.json",
    ]


def test_the_export_builds_what_the_worker_has_not_started(
    generated: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial(monkeypatch)
    one = export_sqlite(generated, tmp_path / "serial.db")
    built = parallel(monkeypatch)
    claim = SearchWorker.claim
    claimed: list[str] = []

    def first_all(self: SearchWorker) -> object:
        index = claim(self)
        claimed.append("" if index is None else index.name)
        return index

    # Most often the export claims them all while the worker is still importing; however
    # the two meet, each index is built once.
    monkeypatch.setattr(SearchWorker, "claim", first_all)
    two = export_sqlite(generated, tmp_path / "parallel.db")
    assert sorted(claimed[:-1] + built[0]) == sorted(
        ["powers_fts", "risk_points_fts", "countermeasures_fts"]
    )
    assert claimed[-1] == ""
    assert dump(one) == dump(two)


def test_small_registries_start_no_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_process(*args: object, **kwargs: object) -> None:
        raise AssertionError("a process was started")

    monkeypatch.setattr(subprocess, "Popen", no_process)
    reference = powerreg.load(REFERENCE)
    export_sqlite(reference, tmp_path / "reference.db")
    texts = len(reference.powers) + sum(
        len(r.countermeasures) + 1 for p in reference.powers.values() for r in p.risk_points
    )
    assert texts < searchworker.PARALLEL_AT
    # POWERREG_WORKERS=0: never, however large
    serial(monkeypatch)
    monkeypatch.setattr(searchworker, "PARALLEL_AT", 0)
    export_sqlite(reference, tmp_path / "again.db")
    assert dump(tmp_path / "reference.db") == dump(tmp_path / "again.db")


def test_a_worker_that_cannot_start_leaves_the_work_to_the_export(
    generated: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial(monkeypatch)
    one = export_sqlite(generated, tmp_path / "serial.db")
    built = parallel(monkeypatch)

    def no_python(*args: object, **kwargs: object) -> None:
        raise FileNotFoundError(2, "No such file or directory", sys.executable)

    monkeypatch.setattr(subprocess, "Popen", no_python)
    two = export_sqlite(generated, tmp_path / "parallel.db")
    assert built == []  # no worker to copy from
    assert dump(one) == dump(two)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "parallel.db",
        "parallel.metadata.json",
        "serial.db",
        "serial.metadata.json",
    ]


# What the worker process runs instead of its own main(), to fail in one way or another.
FAILING = (
    "import json, sys; sys.path[:] = json.loads(sys.argv[1])['path']; "
    "from powerreg.catalog import searchprocess as w; "
)


@pytest.mark.parametrize(
    ("boot", "message"),
    [
        (
            FAILING + "w.index_text = lambda *texts: 1 / 0; w.main()",
            "the worker process building the search index failed \\(OperationalError: "
            "user-defined function raised exception\\); export with POWERREG_WORKERS=0",
        ),
        (
            FAILING + "import os; w.take_job(json.loads(sys.argv[1])['claims'], True); os._exit(9)",
            "the worker process building the search index ended before it finished "
            "\\(exit code 9\\); if it ran out of memory, export with POWERREG_WORKERS=0",
        ),
    ],
    ids=["fails", "dies"],
)
def test_a_failing_worker_leaves_the_previous_catalog(
    generated: Registry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    boot: str,
    message: str,
) -> None:
    previous = export_sqlite(powerreg.load(REFERENCE), tmp_path / "catalog.db")
    before = files(tmp_path)
    parallel(monkeypatch)
    monkeypatch.setattr(SearchWorker, "claim", worker_has_taken(1))
    monkeypatch.setattr(searchworker, "_BOOT", boot)
    with pytest.raises(UsageError, match=message):
        export_sqlite(generated, previous)
    assert files(tmp_path) == before  # the catalog, its metadata, and no scratch file


# An export of the minimal example that stops before the copy, saying its worker's process
# id, until it is interrupted or killed; the worker reads its input but builds nothing.
STOPPING = """
import signal, sys, time
# Ctrl-C as in a terminal, even where the tests run as a background job of a shell,
# which starts them with SIGINT ignored (and Python then leaves it ignored)
signal.signal(signal.SIGINT, signal.default_int_handler)
import powerreg
from powerreg.catalog import export_sqlite, searchworker
from powerreg.catalog.searchworker import SearchWorker

searchworker.PARALLEL_AT = 0
searchworker._BOOT = (
    "import json, sys; sys.path[:] = json.loads(sys.argv[1])['path']; "
    "from powerreg.catalog import searchprocess as w; import time; "
    "w._build = lambda *args: time.sleep(600); w.main()"
)

def stop(self, conn, schema):
    print(self._process.pid, flush=True)
    time.sleep(600)

SearchWorker.copy_into = stop
export_sqlite(powerreg.load(sys.argv[1]), sys.argv[2])
"""


def start_stopping_export(target: Path) -> tuple[subprocess.Popen[str], int]:
    env = {k: v for k, v in os.environ.items() if k != WORKERS_ENV}
    proc = subprocess.Popen(
        [sys.executable, "-c", STOPPING, str(ROOT / "examples" / "minimal"), str(target)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a process group of its own, as a shell gives a command
        env=env,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip().isdigit(), proc.communicate(timeout=PATIENCE)
    return proc, int(line)


def gone(pid: int) -> bool:
    """Whether the process has ended (a zombie nobody has reaped counts as ended)."""
    stat = process_stat(pid)
    return stat is None or stat[0] == "Z"


def wait_gone(pid: int) -> bool:
    return wait_until(lambda: gone(pid), PATIENCE)


def test_ctrl_c_ends_the_worker_and_leaves_the_previous_catalog(tmp_path: Path) -> None:
    previous = export_sqlite(powerreg.load(REFERENCE), tmp_path / "catalog.db")
    before = files(tmp_path)
    proc, worker = start_stopping_export(previous)
    assert not gone(worker)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    _, err = proc.communicate(timeout=PATIENCE)
    assert proc.returncode != 0
    assert "KeyboardInterrupt" in err
    assert gone(worker)  # ended and reaped by the export before it exited
    assert files(tmp_path) == before


def test_a_killed_export_leaves_no_worker_and_the_next_removes_its_scratch(
    tmp_path: Path,
) -> None:
    previous = export_sqlite(powerreg.load(REFERENCE), tmp_path / "catalog.db")
    before = files(tmp_path)
    proc, worker = start_stopping_export(previous)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=PATIENCE)
    assert wait_gone(worker)  # its input closed with the export: it ends by itself
    left = sorted(set(files(tmp_path)) - set(before))
    # the temporary files of the catalog, of the worker (two), and of the metadata
    assert [name.split(".powerreg-")[0] for name in left] == [".catalog.db"] * 3 + [
        ".catalog.metadata.json"
    ]
    assert {n: b for n, b in files(tmp_path).items() if n in before} == before
    export_sqlite(powerreg.load(REFERENCE), previous)
    assert files(tmp_path) == before  # the same registry again: the same bytes, nothing left


def test_the_worker_process_imports_neither_pydantic_nor_the_models() -> None:
    # what keeps its start at a fraction of a second
    code = "import sys, powerreg.catalog.searchprocess; print(*sys.modules, sep=chr(10))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    modules = set(out.split())
    assert "powerreg.catalog.searchprocess" in modules
    assert not {m for m in modules if m.split(".")[0] in ("pydantic", "yaml", "sqlite_utils")}
    assert not {m for m in modules if m.startswith(("powerreg.model", "powerreg.errors"))}
