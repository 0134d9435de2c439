"""The load cache (issue 21.2): a warm load is the cold load, only faster.

Every test gets a cache directory of its own (``cache`` below); the session's cache of
the other tests (``conftest.py``) is never touched. Parses are counted by wrapping the
loader's ``read_bytes``, the one call that parses a power file.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from powerreg import (
    Registry,
    RegistryError,
    directory,
    fastyaml,
    loadcache,
    loadentry,
    loadpool,
    machine,
)
from powerreg.load import load
from powerreg.reference import reference_path
from powerreg.synth import generate
from powerreg.synth import write_registry as write_synth

from .conftest import EXAMPLE, META, WriteRegistry, dump, power_data
from .test_load import CASES, MINI, ORG_META

Parses = Callable[[], int]


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Parses:
    """``parses()``: power files parsed since the last call (by the careful reader, or
    by :func:`powerreg.loadpool.clean_entry` first; a file it turns down and the careful
    reader then parses is one parse)."""
    count = [0]
    turned_down: set[str] = set()
    careful, fast = directory.read_bytes, directory.clean_entry

    def counted(raw: bytes, file: str) -> Any:
        if file in turned_down:
            turned_down.discard(file)
        else:
            count[0] += 1
        return careful(raw, file)

    def counted_fast(raw: bytes, file: str, *, whole: bool = True) -> Any:
        count[0] += 1
        entry = fast(raw, file, whole=whole)
        if entry is None:
            turned_down.add(file)
        return entry

    monkeypatch.setattr(directory, "read_bytes", counted)
    monkeypatch.setattr(directory, "clean_entry", counted_fast)

    def taken() -> int:
        n, count[0] = count[0], 0
        return n

    return taken


def outcome(root: Path, **kwargs: Any) -> tuple[Registry | None, list[Any], dict[str, Any]]:
    """What loading gives: the registry (or ``None``), every problem, the source map."""
    try:
        reg = load(root, **kwargs)
    except RegistryError as err:
        return None, err.problems, {}
    return reg, [], reg._sources.positions


def assert_same_three_ways(
    root: Path, parses: Parses, *, cached: int, cached_before: int = 0
) -> None:
    """Cold (no cache), first (cache filling) and warm loads agree in everything, and
    the warm load parses all but ``cached`` power files (the first, all but
    ``cached_before``)."""
    total = len(list((root / "powers").glob("*.yaml")))
    parses()
    cold = outcome(root, cache=False)
    assert parses() == total
    first = outcome(root)
    assert parses() == total - cached_before
    warm = outcome(root)
    assert parses() == total - cached
    assert cold == first == warm
    for kept in (first, warm):  # the source map (never part of equality) too
        assert kept[2] == cold[2]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_warm_load_of_generated_powers_is_the_cold_load(
    tmp_path: Path, cache: Path, parses: Parses, seed: int
) -> None:
    root = write_synth(generate(60, seed=seed), tmp_path / "reg")
    assert_same_three_ways(root, parses, cached=60)
    warm = load(root)
    cold = load(root, cache=False)
    for pid, power in cold.powers.items():
        twin = warm.powers[pid]
        assert repr(twin) == repr(power)
        assert twin.model_fields_set == power.model_fields_set
        assert [s.gid for _, s in twin.iter_steps()] == [s.gid for _, s in power.iter_steps()]
        assert [m.gid for r in twin.risk_points for m in r.countermeasures] == [
            m.gid for r in power.risk_points for m in r.countermeasures
        ]
        assert twin.model_dump_json() == power.model_dump_json()


@pytest.mark.parametrize("root", [EXAMPLE, reference_path()], ids=["example", "reference"])
def test_the_bundled_registries_load_warm_as_cold(root: Path, cache: Path, parses: Parses) -> None:
    assert_same_three_ways(root, parses, cached=len(list((root / "powers").glob("*.yaml"))))


@pytest.mark.parametrize(("before", "after"), [c[1:3] for c in CASES], ids=[c[0] for c in CASES])
def test_every_load_problem_is_the_same_from_a_warm_cache(
    write_registry: WriteRegistry, cache: Path, parses: Parses, before: str, after: str
) -> None:
    """The E-code table of test_load beside a clean file: the clean one comes from the
    cache, the broken one is never stored and reports exactly as on a cold load (but an
    undeclared category, checked against registry.yaml on every load, warm or cold)."""
    clean = MINI.replace("XK-001", "XK-002")
    root = write_registry({"XK-001": MINI.replace(before, after, 1), "XK-002": clean})
    assert_same_three_ways(root, parses, cached=2 if before.startswith("category") else 1)
    assert outcome(root)[1]


def test_problems_across_files_are_found_for_cached_files(
    write_registry: WriteRegistry, cache: Path, parses: Parses
) -> None:
    """Checks that depend on more than a file's bytes run on a warm load, and report the
    cached file at the same line and column as a cold load does."""
    powers = {f"XK-00{i}": MINI.replace("XK-001", f"XK-00{i}") for i in (1, 2, 3)}
    root = write_registry(powers)
    load(root)
    assert parses() == 3
    # the category is no longer declared: E004 in every cached file
    meta = {**META, "categories": [{"code": "CF", "name": "行政处罚"}]}
    (root / "registry.yaml").write_text(dump(meta), encoding="utf-8")
    assert_same_three_ways(root, parses, cached=3, cached_before=3)
    cold = outcome(root, cache=False)[1]
    assert [(p.code, p.file, p.line, p.column) for p in cold] == [
        ("E004", f"powers/XK-00{i}.yaml", 2, 11) for i in (1, 2, 3)
    ]
    # a cached file copied under another name: E005 there, and the power twice (E003)
    (root / "registry.yaml").write_text(dump(META), encoding="utf-8")
    shutil.copy(root / "powers" / "XK-002.yaml", root / "powers" / "XK-004.yaml")
    # XK-004 has XK-002's bytes, so its entry, but its name does not match: read afresh
    assert_same_three_ways(root, parses, cached=3, cached_before=3)
    assert sorted(p.code for p in outcome(root)[1]) == ["E003", "E005"]
    # an org chart that knows none of the divisions: every cached file is checked
    (root / "powers" / "XK-004.yaml").unlink()
    (root / "registry.yaml").write_text(dump(ORG_META), encoding="utf-8")
    assert_same_three_ways(root, parses, cached=0, cached_before=0)
    assert {p.code for p in outcome(root)[1]} == {"E004"}


def test_a_one_file_edit_reparses_that_file_only(
    tmp_path: Path, cache: Path, parses: Parses
) -> None:
    root = write_synth(generate(30, seed=5), tmp_path / "reg")
    load(root)
    assert parses() == 30
    load(root)
    assert parses() == 0
    edited = sorted((root / "powers").glob("*.yaml"))[7]
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace("\nname: ", "\nname: 修改后的", 1), encoding="utf-8")
    reg = load(root)
    assert parses() == 1
    assert reg.powers[edited.stem].name.startswith("修改后的")
    assert reg == load(root, cache=False)
    parses()
    load(root)
    assert parses() == 0  # the edit was stored too


def _entries(cache: Path) -> list[tuple[bytes, bytes]]:
    with sqlite3.connect(cache / loadcache.CACHE_FILE) as db:
        return list(db.execute("SELECT key, value FROM entry ORDER BY key"))


def _rewrite(cache: Path, change: Callable[[list[tuple[bytes, bytes]]], list[Any]]) -> None:
    db = sqlite3.connect(cache / loadcache.CACHE_FILE)
    with db:
        rows = change(_entries(cache))
        db.execute("DELETE FROM entry")
        db.executemany("INSERT INTO entry VALUES (?, ?)", rows)
    db.close()


CORRUPTIONS: dict[str, Callable[[list[tuple[bytes, bytes]]], list[Any]]] = {
    "garbage": lambda rows: [(k, b"\x00garbage") for k, _ in rows],
    "truncated": lambda rows: [(k, v[: len(v) // 2]) for k, v in rows],
    "empty": lambda rows: [(k, b"") for k, _ in rows],
    "text": lambda rows: [(k, "not bytes") for k, _ in rows],
    "flipped byte": lambda rows: [(k, v[:-10] + bytes([v[-10] ^ 1]) + v[-9:]) for k, v in rows],
    # a well-formed entry of another file under this file's key (a foreign entry)
    "swapped": lambda rows: [(k, rows[(i + 1) % len(rows)][1]) for i, (k, _) in enumerate(rows)],
    # the checksum recomputed over a payload that is not an entry
    "valid checksum, bad payload": lambda rows: [
        (k, loadcache._checksum(k, b'[1, "x"]') + b'[1, "x"]') for k, _ in rows
    ],
}


@pytest.mark.parametrize("how", list(CORRUPTIONS))
def test_a_corrupt_entry_is_ignored_and_overwritten(
    write_registry: WriteRegistry, cache: Path, parses: Parses, how: str
) -> None:
    root = write_registry({f"XK-00{i}": power_data(f"XK-00{i}") for i in (1, 2, 3)})
    cold = load(root, cache=False)
    load(root)
    parses()
    _rewrite(cache, CORRUPTIONS[how])
    reg = load(root)
    assert parses() == 3  # nothing trusted
    assert reg == cold
    assert reg._sources.positions == cold._sources.positions
    load(root)
    assert parses() == 0  # and every entry written again


def test_a_cache_file_that_is_not_a_database_is_ignored(
    write_registry: WriteRegistry, cache: Path, parses: Parses
) -> None:
    root = write_registry()
    cache.mkdir()
    (cache / loadcache.CACHE_FILE).write_bytes(b"this is not SQLite" * 100)
    assert load(root) == load(root, cache=False)
    assert parses() == 2


def test_another_powerreg_never_reads_this_ones_entries(
    write_registry: WriteRegistry, cache: Path, parses: Parses, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_registry()
    load(root)
    load(root)
    assert parses() == 1
    monkeypatch.setattr(loadcache, "fingerprint", lambda: b"another powerreg, another model")
    load(root)
    assert parses() == 1  # a miss, then stored under the new key
    load(root)
    assert parses() == 0


def test_the_fingerprint_follows_the_version(monkeypatch: pytest.MonkeyPatch) -> None:
    before = loadcache.fingerprint.__wrapped__()
    assert loadcache.fingerprint.__wrapped__() == before
    from powerreg import _version

    monkeypatch.setattr(_version, "__version__", "99.0")
    assert loadcache.fingerprint.__wrapped__() != before
    monkeypatch.undo()
    monkeypatch.setattr(loadcache, "_pydantic_version", lambda: b"VERSION = '9.9'")
    assert loadcache.fingerprint.__wrapped__() != before  # and pydantic's


def test_the_fingerprint_follows_the_code_that_makes_an_entry(tmp_path: Path) -> None:
    """A change to any module whose work an entry holds (reading, locating, validating)
    changes the key of every entry; a change elsewhere does not."""
    package = Path(loadcache.__file__).parent
    copy = tmp_path / "powerreg"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__", "reference"))
    before = loadcache.fingerprint_of(copy, "1.0")
    assert loadcache.fingerprint_of(copy, "1.0") == before
    changed = {}
    for rel in (
        "yamlsource.py",
        "loadpool.py",
        "directory.py",
        "loadcache.py",
        "loadentry.py",
        "schemamessages.py",
        "model/entities.py",
        "model/enums.py",
        "render/__init__.py",
        "audit/__init__.py",
    ):
        path = copy / rel
        text = path.read_bytes()
        path.write_bytes(text + b"\n# changed\n")
        changed[rel] = loadcache.fingerprint_of(copy, "1.0") != before
        path.write_bytes(text)
    assert changed == {
        **dict.fromkeys(list(changed)[:-2], True),
        "render/__init__.py": False,
        "audit/__init__.py": False,
    }


@pytest.mark.parametrize("how", ["env", "argument"])
def test_a_disabled_cache_is_neither_read_nor_written(
    write_registry: WriteRegistry,
    cache: Path,
    parses: Parses,
    monkeypatch: pytest.MonkeyPatch,
    how: str,
) -> None:
    root = write_registry()
    kwargs: dict[str, Any] = {}
    if how == "env":
        monkeypatch.setenv("POWERREG_CACHE", "0")
    else:
        kwargs["cache"] = False
    first = load(root, **kwargs)
    assert load(root, **kwargs) == first
    assert parses() == 2
    assert not cache.exists()


@pytest.mark.parametrize("where", ["under a file", "a file", "database is a folder"])
def test_a_cache_that_cannot_be_written_leaves_loading_uncached(
    write_registry: WriteRegistry,
    tmp_path: Path,
    parses: Parses,
    monkeypatch: pytest.MonkeyPatch,
    where: str,
) -> None:
    root = write_registry()
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be", encoding="utf-8")
    if where == "under a file":
        target = blocker / "cache"
    elif where == "a file":
        target = blocker
    else:
        target = tmp_path / "cache"
        (target / loadcache.CACHE_FILE).mkdir(parents=True)
    monkeypatch.setenv("POWERREG_CACHE_DIR", str(target))
    assert load(root) == load(root, cache=False)
    assert load(root) == load(root, cache=False)
    assert parses() == 4


def test_clear_cache_deletes_it(write_registry: WriteRegistry, cache: Path, parses: Parses) -> None:
    root = write_registry()
    load(root)
    assert loadcache.clear_cache()
    assert not (cache / loadcache.CACHE_FILE).exists()
    load(root)
    assert parses() == 2


_LOADER = """
import sys
from powerreg import load
reg = load(sys.argv[1])
print(len(reg.powers), len(reg._sources.positions))
"""


def test_loaders_at_once_share_the_cache(tmp_path: Path, cache: Path) -> None:
    root = write_synth(generate(40, seed=9), tmp_path / "reg")
    expected = load(root, cache=False)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _LOADER, str(root)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err for _, err in outs]
    assert {out for out, _ in outs} == {
        f"{len(expected.powers)} {len(expected._sources.positions)}\n"
    }
    assert all(not err for _, err in outs)
    assert len(_entries(cache)) == 40
    warm = load(root)
    assert warm == expected
    assert warm._sources.positions == expected._sources.positions


class _Kind(StrEnum):
    A = "a"
    B = "b"


class _Inner(BaseModel):
    n: int
    tags: list[str] = []


class _Outer(BaseModel):
    kind: _Kind | None = None
    fixed: _Kind = _Kind.A
    inner: _Inner | None = None
    inners: list[_Inner] = []


@pytest.mark.parametrize(
    "model",
    [
        _Outer(),
        _Outer(kind="b", inner={"n": 1, "tags": ["x"]}, inners=[{"n": 2}, {"n": 3}]),
        _Outer.model_construct(fixed="b"),  # a bare value where a member belongs
    ],
    ids=["defaults", "everything set", "bare enum value"],
)
def test_the_codec_gives_back_what_it_was_given(model: _Outer) -> None:
    encode, decode = loadentry._Codec().model(_Outer)
    back = decode(json.loads(json.dumps(encode(model))))
    assert repr(back) == repr(model)
    assert back.model_fields_set == model.model_fields_set
    assert [type(v) for v in back.__dict__.values()] == [type(v) for v in model.__dict__.values()]


def test_the_codec_refuses_what_it_cannot_give_back() -> None:
    encode, _ = loadentry._Codec().model(_Outer)
    odd = _Outer.model_construct(inners=[(1, 2)])
    with pytest.raises(loadentry.Unencodable):
        encode(odd)


# ------------------------------------------------------------------ pruning


def test_entries_unused_for_a_month_are_pruned_and_used_ones_kept(
    cache: Path, parses: Parses, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An old version of an edited file is never found again: a month after it was last
    found it is removed when the cache is opened; the files still in use stay."""
    root = write_synth(generate(3, seed=5), cache.parent / "reg")
    load(root)  # fills the cache: three powers
    edited = sorted((root / "powers").glob("*.yaml"))[0]
    edited.write_text(edited.read_text("utf-8").replace("name:", "name: ", 1), "utf-8")
    load(root)  # the edited file stored again; its old entry stays, unused
    assert loadcache.cache_size(cache)[0] == 4
    today = loadcache._today()
    monkeypatch.setattr(loadcache, "_today", lambda: today + loadcache.KEEP_DAYS + 1)
    load(root)  # a month later: found again, the ones in use are kept
    assert loadcache.cache_size(cache)[0] == 3
    parses()
    load(root)
    assert parses() == 0  # every file still served from the cache


def test_pruning_happens_once_a_day(cache: Path) -> None:
    c = loadcache.LoadCache.open(cache)
    assert c is not None
    assert c._db is not None
    c.put_payloads([(b"a", b"1")])
    c._db.execute("UPDATE used SET day = day - 100 WHERE key = ?", (b"a",))
    assert loadcache._prune(c._db, loadcache._today()) == 0  # pruned when it was opened
    assert loadcache._prune(c._db, loadcache._today() + 1) == 1
    c.close()


def test_cache_command_shows_and_clears_the_cache(cache: Path) -> None:
    from click.testing import CliRunner

    from powerreg.cli import main

    runner = CliRunner()
    load(EXAMPLE)
    shown = runner.invoke(main, ["cache", "--lang", "en"])
    assert shown.exit_code == 0, shown.output
    assert f"load cache: {cache}: 2 entries" in shown.output
    cleared = runner.invoke(main, ["cache", "clear", "--lang", "zh"])
    assert cleared.exit_code == 0
    assert f"已删除 {cache} 中的载入缓存" in cleared.output
    assert loadcache.cache_size(cache) == (0, 0)
    again = runner.invoke(main, ["cache", "clear", "--lang", "en"])
    assert again.exit_code == 0
    assert f"no load cache in {cache}" in again.output


def test_entries_written_behind_are_all_there_once_the_cache_is_closed(cache: Path) -> None:
    c = loadcache.LoadCache.open(cache)
    assert c is not None
    c.write_behind()
    batches = [
        [(f"k{b}-{i}".encode(), f"payload {b} {i}".encode()) for i in range(50)] for b in range(20)
    ]
    for batch in batches:  # more batches than the writer holds: put_payloads waits, then goes on
        c.put_payloads(batch)
    c.close()
    again = loadcache.LoadCache.open(cache)
    assert again is not None
    wanted = dict(pair for batch in batches for pair in batch)
    assert again.get_payloads(wanted) == wanted
    again.close()


def test_a_writer_that_fails_never_holds_the_loader_up(
    cache: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    def fails(db: sqlite3.Connection, payloads: Any) -> bool:
        raise sqlite3.OperationalError("disk I/O error")

    c = loadcache.LoadCache.open(cache)
    assert c is not None
    monkeypatch.setattr(loadcache, "_store", fails)
    c.write_behind()
    for b in range(3 * loadcache._BEHIND):  # handed on and dropped: never waits for ever
        c.put_payloads([(f"k{b}".encode(), b"payload")])
    c.close()
    monkeypatch.undo()
    again = loadcache.LoadCache.open(cache)
    assert again is not None
    assert again.get_payloads([b"k0", b"k1"]) == {}  # a miss, not an error
    again.close()
    # nor says a word: the fast reader may point fd 2 at /dev/null while it runs
    assert capfd.readouterr() == ("", "")


@pytest.mark.usefixtures("own_threads")  # the session's threads (a Dask loop) not counted
def test_the_fast_reader_reads_beside_the_writer_and_no_other_thread(cache: Path) -> None:
    """The write-behind thread is vouched for (it never writes to fd 2), so a first load
    reads its files fast while it writes; beside a thread that may print, the fast
    reader steps aside (its silencing of fd 2 would swallow that thread's messages)."""
    c = loadcache.LoadCache.open(cache)
    assert c is not None
    c.write_behind()
    try:
        assert threading.active_count() == 2  # this thread and the writer
        assert machine.fd2_alone()
        assert fastyaml.read_clean(b"a: 1\n", "f.yaml") is not None
        with fastyaml.quiet():
            assert fastyaml.read_clean(b"a: [1\n", "f.yaml") is None  # refused, quietly
    finally:
        c.close()
    done = threading.Event()
    other = threading.Thread(target=done.wait)
    other.start()
    try:
        assert fastyaml.read_clean(b"a: 1\n", "f.yaml") is None
    finally:
        done.set()
        other.join()


@pytest.mark.usefixtures("own_threads")  # the pool forks only from one thread
def test_a_parallel_first_load_fills_the_cache_from_its_writer(
    tmp_path: Path, cache: Path, parses: Parses, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERREG_PARALLEL", "1")  # workers, so the writer runs behind
    behind = []
    real = loadcache.LoadCache.write_behind

    def spied(self: loadcache.LoadCache) -> None:
        behind.append(True)
        real(self)

    monkeypatch.setattr(loadcache.LoadCache, "write_behind", spied)
    root = write_synth(generate(loadpool.PARALLEL_AT + 40, seed=5), tmp_path / "reg")
    cold = load(root, cache=False)
    first = load(root)
    assert behind == [True]
    parses()
    warm = load(root)
    assert parses() == 0  # every entry was written by the writer
    assert cold == first == warm
