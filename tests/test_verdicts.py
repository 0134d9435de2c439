"""A clean validation remembered (issue 21.2): the second ``powerreg validate`` of the
same bytes answers without loading, and any change to the bytes loads again.

Each test has a cache directory of its own; ``loads()`` counts the loads ``validate``
runs (by wrapping the command's loader), so a test sees whether an answer was recalled.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from powerreg import verdicts
from powerreg.cli import checking, main

from .conftest import EXAMPLE

Loads = Callable[[], int]


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLE, tmp_path / "registry"))


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> Loads:
    count = [0]
    real = checking._load

    def counted(path: Path | None) -> Any:
        count[0] += 1
        return real(path)

    monkeypatch.setattr(checking, "_load", counted)

    def taken() -> int:
        n, count[0] = count[0], 0
        return n

    return taken


def validate(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", *args, "--lang", "en"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def test_the_second_validate_of_the_same_bytes_is_recalled(
    cache: Path, registry: Path, loads: Loads
) -> None:
    first = validate(str(registry))
    assert first[0] == 0
    assert "example-epb" in first[1]
    assert loads() == 1
    assert validate(str(registry)) == first  # word for word
    assert loads() == 0
    for fmt in ("json", "markdown", "sarif"):  # every format answers from it too
        assert validate(str(registry), "--format", fmt)[0] == 0
    assert loads() == 0
    assert json.loads(validate(str(registry), "--format", "json")[1]) == {
        "ok": True,
        "registry": "example-epb",
        "problems": [],
    }


@pytest.mark.parametrize(
    "change",
    ["edit", "stray file", "new power", "removed power", "registry.yaml"],
)
def test_any_change_to_the_bytes_loads_again(
    cache: Path, registry: Path, loads: Loads, change: str
) -> None:
    assert validate(str(registry))[0] == 0
    loads()
    powers = registry / "powers"
    if change == "edit":  # a problem the verdict must not hide
        path = powers / "XK-001.yaml"
        path.write_text(path.read_text(encoding="utf-8") + "bogus: 1\n", encoding="utf-8")
    elif change == "stray file":
        (powers / "notes.txt").write_text("x", encoding="utf-8")
    elif change == "new power":
        text = (powers / "XK-001.yaml").read_text(encoding="utf-8")
        (powers / "XK-009.yaml").write_text(text, encoding="utf-8")  # id ≠ file name
    elif change == "removed power":
        next(iter(sorted(powers.glob("*.yaml")))).unlink()
    else:
        path = registry / "registry.yaml"
        path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    code, out = validate(str(registry))
    assert loads() == 1
    if change == "registry.yaml":
        assert code == 0
    elif change == "removed power":
        assert code == 0
        assert "1 power" in out
    else:
        assert code == 1


def test_a_directory_with_problems_is_never_remembered(
    cache: Path, registry: Path, loads: Loads
) -> None:
    path = registry / "powers" / "XK-001.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "bogus: 1\n", encoding="utf-8")
    for _ in range(2):
        assert validate(str(registry))[0] == 1
        assert loads() == 1
    assert verdicts.recall(registry)[1] is None


def test_a_corrupt_verdict_is_ignored(cache: Path, registry: Path, loads: Loads) -> None:
    first = validate(str(registry))
    key, known = verdicts.recall(registry)
    assert known is not None
    assert key is not None
    with sqlite3.connect(cache / "cache.db") as db:
        (value,) = db.execute("SELECT value FROM entry WHERE key = ?", (key,)).fetchone()
        forged = value[:16] + value[16:].replace(b'"powers": 2', b'"powers": 9')
        db.execute("UPDATE entry SET value = ? WHERE key = ?", (forged, key))
    loads()
    assert validate(str(registry)) == first  # the checksum fails: loaded afresh
    assert loads() == 1


def test_no_verdict_with_the_cache_off(
    cache: Path, registry: Path, loads: Loads, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERREG_CACHE", "0")
    for _ in range(2):
        assert validate(str(registry))[0] == 0
        assert loads() == 1
    assert not (cache / "cache.db").exists()


def test_a_directory_edited_while_it_loads_is_not_remembered(
    cache: Path, registry: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = checking._load

    def edited_meanwhile(path: Path | None) -> Any:
        reg = real(path)
        target = registry / "powers" / "XK-001.yaml"
        target.write_text(target.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        return reg

    monkeypatch.setattr(checking, "_load", edited_meanwhile)
    assert validate(str(registry))[0] == 0
    assert verdicts.recall(registry)[1] is None


def test_an_unreadable_file_has_no_digest(cache: Path, registry: Path) -> None:
    os.mkfifo(registry / "powers" / "pipe.yaml")
    assert verdicts.digest(registry) is None
    code, out = validate(str(registry))
    assert code == 1
    assert "E007" in out


def test_a_recalled_validate_imports_no_model(cache: Path, registry: Path) -> None:
    """What makes the answer fast: neither the models nor the YAML reader are imported,
    nor pydantic nor importlib.metadata (some 40 ms of start-up between them)."""
    code = (
        "import sys\n"
        "from powerreg.cli import main\n"
        "try:\n"
        "    main(['validate', sys.argv[1]])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('powerreg.model', 'yaml', 'pydantic', 'importlib.metadata')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    env = {**os.environ, "POWERREG_CACHE_DIR": str(cache)}
    runs = [
        subprocess.run(
            [sys.executable, "-c", code, str(registry)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
        for _ in range(2)
    ]
    assert {"powerreg.model", "pydantic", "yaml"} <= set(ast.literal_eval(runs[0][-1]))  # loads
    assert runs[1][-1] == "[]"  # the second answers from the verdict
    assert runs[0][0] == runs[1][0]  # word for word


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Loads:
    """How many files the digest read since last asked."""
    count = [0]
    real = verdicts.read_limited

    def counted(*args: Any, **kwargs: Any) -> bytes:
        count[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(verdicts, "read_limited", counted)

    def taken() -> int:
        n, count[0] = count[0], 0
        return n

    return taken


def test_a_settled_directory_is_recognised_by_its_files_status(
    cache: Path, registry: Path, loads: Loads, reads: Loads, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(verdicts, "SETTLED_NS", 0)  # every file older than now: settled
    first = validate(str(registry))
    assert loads() == 1
    assert reads() == 6  # the digest before the load and after it
    assert validate(str(registry)) == first
    assert loads() == 0
    assert reads() == 0  # not one file read: each one's status told it unchanged


def test_a_file_just_written_is_read_until_it_settles(
    cache: Path, registry: Path, loads: Loads, reads: Loads
) -> None:
    """Files written less than SETTLED_NS ago are not vouched for by their status: the
    answer reads their bytes (and is still recalled)."""
    first = validate(str(registry))
    assert loads() == 1
    reads()
    for _ in range(2):
        assert validate(str(registry)) == first
        assert loads() == 0
        assert reads() == 3  # registry.yaml and the two power files, each time


def test_an_edit_that_keeps_size_and_modification_time_is_still_seen(
    cache: Path, registry: Path, loads: Loads, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The change time moves with every write and cannot be set back: an edit of the
    same length with its modification time restored is not taken for no edit."""
    monkeypatch.setattr(verdicts, "SETTLED_NS", 0)
    validate(str(registry))
    validate(str(registry))
    assert loads() == 1
    power = registry / "powers" / "XK-001.yaml"
    before = power.stat()
    text = power.read_text(encoding="utf-8")
    edited = text.replace("id: XK-001", "id: XK-00X", 1)  # same length: E005 now
    assert len(edited.encode()) == len(text.encode())
    power.write_text(edited, encoding="utf-8")
    os.utime(power, ns=(before.st_atime_ns, before.st_mtime_ns))
    code, out = validate(str(registry))
    assert loads() == 1
    assert code == 1
    assert "E005" in out
