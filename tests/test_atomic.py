"""The one write-then-rename helper (powerreg.atomic) and the one check of what an output
may replace, for itself and for every output that uses them: kill -9 midway, a full
disk, a failed swap, leftovers of killed runs, permissions, and targets that are not ours.
"""

from __future__ import annotations

import errno
import os
import select
import shutil
import signal
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from powerreg import atomic, cli
from powerreg.errors import UsageError

from .conftest import EXAMPLE, ROOT, wait_until

REFERENCE_REGISTRY = ROOT / "src" / "powerreg" / "reference" / "liaoning-epd-2011"
CASES = ROOT / "examples" / "cases" / "cases.csv"


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def dead_pid() -> int:
    """The id of a process that has ended (and been reaped)."""
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def tree(root: Path) -> dict[str, bytes | None]:
    """Every entry under ``root``: files with their bytes, directories as None."""
    return {
        p.relative_to(root).as_posix(): (p.read_bytes() if p.is_file() else None)
        for p in sorted(root.rglob("*"))
    }


def modes(root: Path) -> set[tuple[str, str]]:
    """``(kind, mode)`` of ``root`` and everything under it."""
    found = set()
    for p in [root, *root.rglob("*")]:
        kind = "dir" if p.is_dir() else "file"
        found.add((kind, oct(stat.S_IMODE(p.stat().st_mode))))
    return found


# ---------------------------------------------------------------------- kill -9 midway


def kill_midway(script: str, *args: str, timeout: float = 60) -> None:
    """Run ``script`` in a new Python process group, wait until it prints 'midway', then
    kill the whole group (the process and any child, such as dot) with SIGKILL."""
    proc = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], timeout)
        line = proc.stdout.readline().strip() if ready else "(nothing in time)"
        if line != "midway":
            proc.kill()
            _, err = proc.communicate(timeout=30)
            pytest.fail(f"the child did not reach its midpoint: {line!r}\n{err}")
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    assert proc.returncode == -signal.SIGKILL


KILLED_WRITE = """
import os, sys, time
from pathlib import Path
from powerreg import atomic

kind, target = sys.argv[1], Path(sys.argv[2])

def midway():
    print("midway", flush=True)
    time.sleep(300)

if kind == "file":
    with atomic.new_file(target) as tmp:
        tmp.write_bytes(b"new, half writ")
        midway()
elif kind == "directory":
    with atomic.new_directory(target) as tmp:
        (tmp / "new.txt").write_text("new")
        midway()
elif kind == "swap":  # killed between the two renames of a swap without renameat2
    atomic._exchange = lambda a, b: False
    rename = os.rename

    def stalling(a, b):
        rename(a, b)
        if str(b).endswith(".old"):
            midway()

    os.rename = stalling
    with atomic.new_directory(target) as tmp:
        (tmp / "new.txt").write_text("new")
"""


def test_a_file_write_killed_midway_leaves_the_target_and_is_cleaned_up(tmp_path: Path) -> None:
    target = atomic.write_text(tmp_path / "catalog.db", "old")
    kill_midway(KILLED_WRITE, "file", str(target))
    assert target.read_text() == "old"
    (left,) = atomic.leftovers(target)  # recognisable, and its owner is gone
    assert left.read_bytes() == b"new, half writ"
    atomic.write_text(target, "new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog.db"]
    assert target.read_text() == "new"


@pytest.mark.parametrize("kind", ["directory", "swap"])
def test_a_directory_swap_killed_midway_leaves_the_previous_one(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "site"
    with atomic.new_directory(target) as tmp:
        (tmp / "old.txt").write_text("old")
    kill_midway(KILLED_WRITE, kind, str(target))
    kinds = sorted(p.suffix for p in atomic.leftovers(target))
    assert kinds == ([".old", ".tmp"] if kind == "swap" else [".tmp"])
    if kind == "swap":
        assert not target.exists()  # moved aside, the new one not yet in: the next run...
    else:
        assert tree(target) == {"old.txt": b"old"}
    assert atomic.remove_leftovers(target)
    assert tree(target) == {"old.txt": b"old"}  # ...puts the previous one back
    with atomic.new_directory(target) as tmp:
        (tmp / "new.txt").write_text("new")
    assert tree(target) == {"new.txt": b"new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


# ---------------------------------------------------------------------- files


def test_new_file_replaces_the_target_with_normal_permissions(
    tmp_path: Path, umask_022: None
) -> None:
    target = tmp_path / "a.txt"
    target.write_text("old")
    target.chmod(0o600)
    atomic.write_text(target, "新")
    assert target.read_text(encoding="utf-8") == "新"
    assert oct(stat.S_IMODE(target.stat().st_mode)) == "0o644"  # not mkstemp's 0600
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_a_failing_block_leaves_the_target_and_no_temporary(tmp_path: Path) -> None:
    target = atomic.write_text(tmp_path / "a.txt", "old")

    def half_written() -> None:
        with atomic.new_file(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        half_written()
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_a_full_disk_leaves_the_target_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = atomic.write_text(tmp_path / "a.txt", "old")
    written = 0
    real_write = os.write

    def filling(fd: int, data: bytes) -> int:
        nonlocal written
        if written >= 4:
            raise OSError(errno.ENOSPC, "No space left on device")
        written += 4
        return real_write(fd, bytes(data[:4]))  # a short write, as a filling disk does

    monkeypatch.setattr(os, "write", filling)
    with pytest.raises(OSError, match="No space left on device"):
        atomic.write_text(target, "a longer text than fits")
    monkeypatch.undo()
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_the_file_and_its_directory_are_synced_before_and_after_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("fsync dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync file")
        real_fsync(fd)

    def replace(src: str, dst: str) -> None:
        events.append("rename")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    atomic.write_text(tmp_path / "a.txt", "x")
    assert events == ["fsync file", "rename", "fsync dir"]


# ---------------------------------------------------------------------- directories


def test_new_directory_replaces_the_target_whole(tmp_path: Path, umask_022: None) -> None:
    target = tmp_path / "site"
    for names in (["a", "b"], ["c"]):
        with atomic.new_directory(target) as tmp:
            for name in names:
                (tmp / name).mkdir()
                (tmp / name / "f.txt").write_text(name)
    assert tree(target) == {"c": None, "c/f.txt": b"c"}
    assert modes(target) == {("dir", "0o755"), ("file", "0o644")}  # not mkdtemp's 0700
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two renames"])
def test_a_failing_block_or_swap_leaves_the_previous_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exchange: bool
) -> None:
    target = tmp_path / "site"
    with atomic.new_directory(target) as tmp:
        (tmp / "old.txt").write_text("old")

    def half_written() -> None:
        with atomic.new_directory(target) as tmp:
            (tmp / "new.txt").write_text("new")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        half_written()
    assert tree(target) == {"old.txt": b"old"}
    if not exchange:
        monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    real_rename = os.rename

    def failing(src: str, dst: str) -> None:
        if Path(dst) == target and Path(src).suffix == ".tmp":  # the new one, not a restore
            raise OSError(errno.EIO, "Input/output error")
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", failing)
    if exchange:
        monkeypatch.setattr(atomic, "_exchange", lambda a, b: failing(str(a), str(b)))
    with pytest.raises(OSError, match="Input/output error"), atomic.new_directory(target) as tmp:
        (tmp / "new.txt").write_text("new")
    monkeypatch.undo()
    assert tree(target) == {"old.txt": b"old"}
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_the_swap_is_one_step_where_the_system_allows(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "in-a").touch()
    if not atomic._exchange(a, b):
        pytest.skip("no renameat2(RENAME_EXCHANGE) here")
    assert [p.name for p in b.iterdir()] == ["in-a"]
    assert list(a.iterdir()) == []


def big_previous(target: Path, files: int = 20_000) -> None:
    """A previous output of ``files`` empty files: removing it takes a while (≥ 0.1 s)."""
    with atomic.new_directory(target) as tmp:
        for i in range(files):
            os.close(os.open(tmp / f"{i}.txt", os.O_WRONLY | os.O_CREAT, 0o644))


def beside(target: Path) -> list[Path]:
    return [p for p in target.parent.iterdir() if p != target]


def test_a_replaced_directory_is_removed_by_a_process_of_its_own(tmp_path: Path) -> None:
    target = tmp_path / "out"
    big_previous(target)
    with atomic.new_directory(target, background_removal=True) as tmp:
        (tmp / "new.txt").write_text("new")
    # the new output is in place at once; the previous one is still being removed, under
    # a temporary name that carries the id of the live process removing it, not ours
    assert tree(target) == {"new.txt": b"new"}
    (previous,) = beside(target)
    owner = atomic.leftover_owner(previous)
    assert owner is not None
    assert owner != os.getpid()
    assert atomic._alive(owner)
    assert atomic.leftovers(target) == []  # not a leftover: another run leaves it alone
    assert wait_until(lambda: not beside(target))
    assert tree(target) == {"new.txt": b"new"}


def test_without_a_remover_process_the_previous_directory_is_removed_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out"
    big_previous(target, files=10)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))
    with atomic.new_directory(target, background_removal=True) as tmp:
        (tmp / "new.txt").write_text("new")
    assert beside(target) == []
    assert tree(target) == {"new.txt": b"new"}


def test_a_killed_background_removal_is_finished_by_the_next_run(tmp_path: Path) -> None:
    target = tmp_path / "out"
    big_previous(target)
    with atomic.new_directory(target, background_removal=True) as tmp:
        (tmp / "new.txt").write_text("new")
    (previous,) = beside(target)
    owner = atomic.leftover_owner(previous)
    assert owner is not None
    os.kill(owner, signal.SIGKILL)
    # dead, or a zombie no one reaps: either way at work on nothing
    assert wait_until(lambda: not atomic._alive(owner))
    assert previous.exists()  # killed midway: part of it is left
    assert atomic.leftovers(target) == [previous]
    with atomic.new_directory(target) as tmp:
        (tmp / "newer.txt").write_text("newer")
    assert beside(target) == []
    assert tree(target) == {"newer.txt": b"newer"}


# ---------------------------------------------------------------------- leftovers


def test_only_our_names_of_gone_processes_are_removed(tmp_path: Path) -> None:
    target = tmp_path / "site"
    target.mkdir()
    dead = dead_pid()
    gone = [atomic.temp_path(target, pid=dead), atomic.temp_path(target, "old", pid=dead)]
    kept = [
        atomic.temp_path(target, pid=os.getpid()),  # this process: a write in progress
        atomic.temp_path(target, pid=1),  # a live process
        atomic.temp_path(tmp_path / "other", pid=dead),  # another target's
        tmp_path / f".site.powerreg-{dead}-0123abcd.tmp.bak",
        tmp_path / f".site.powerreg-{dead}-nothex00.tmp",
        tmp_path / f"site.powerreg-{dead}-0123abcd.tmp",
        tmp_path / ".site.building-0123abcd",
        tmp_path / ".site.0123abcd.tmp",
    ]
    for path in [*gone, *kept]:
        path.mkdir() if path.name.endswith(".old") else path.write_text("x")
    assert atomic.leftovers(target) == sorted(gone)
    assert sorted(atomic.remove_leftovers(target)) == sorted(gone)
    assert sorted(tmp_path.iterdir()) == sorted([target, *kept])


def test_a_directory_moved_aside_by_a_killed_swap_is_put_back(tmp_path: Path) -> None:
    target = tmp_path / "site"
    aside = atomic.temp_path(target, "old", pid=dead_pid())
    aside.mkdir()
    (aside / "old.txt").write_text("old")
    atomic.remove_leftovers(target)
    assert tree(target) == {"old.txt": b"old"}
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_long_names_keep_temporary_names_within_the_limit(tmp_path: Path) -> None:
    target = tmp_path / ("长" * 80)  # 240 bytes of UTF-8
    atomic.write_text(target, "x")
    assert len(atomic.temp_path(target, pid=2**22).name.encode()) <= 255
    assert target.read_text() == "x"


# ---------------------------------------------------------------------- check_output


def not_ours(path: Path) -> str | None:
    return None if path.name.startswith("ours") else "is not ours"


@pytest.mark.parametrize(
    ("make", "directory", "message"),
    [
        (lambda p: p.mkdir(), False, "is a directory; give another"),
        (lambda p: p.write_text("x"), True, "exists and is not a directory; give another"),
        (lambda p: p.write_text("x"), False, "is not ours; refusing to replace it: give another"),
        (lambda p: (p.mkdir(), (p / "f").touch()), True, "is not ours; refusing to replace it"),
        (lambda p: os.mkfifo(p), False, "is a named pipe, not a file powerreg writes"),
        (lambda p: os.mkfifo(p), True, "is a named pipe, not a directory powerreg writes"),
        (lambda p: p.symlink_to(p.parent / "ours.db"), False, "is a symbolic link"),
        (lambda p: p.symlink_to(p.parent / "ours"), True, "is a symbolic link"),
    ],
)
def test_what_is_not_ours_is_refused(
    tmp_path: Path,
    make: Callable[[Path], object],
    directory: bool,
    message: str,
) -> None:
    (tmp_path / "ours.db").write_text("x")
    (tmp_path / "ours").mkdir()
    target = tmp_path / "target"
    make(target)
    with pytest.raises(UsageError, match=f"^'{target}' {message}"):
        atomic.check_output(target, directory=directory, not_ours=not_ours, fix="give another")


@pytest.mark.parametrize(
    ("make", "directory"),
    [
        (lambda p: None, False),
        (lambda p: None, True),
        (lambda p: p.touch(), False),  # an empty file holds nothing to lose
        (lambda p: p.mkdir(), True),
    ],
)
def test_new_or_empty_targets_pass(
    tmp_path: Path, make: Callable[[Path], object], directory: bool
) -> None:
    target = tmp_path / "target"
    make(target)
    assert atomic.check_output(target, directory=directory, not_ours=not_ours, fix="") == target


def test_device_files_are_refused() -> None:
    with pytest.raises(UsageError, match="'/dev/full' is a character device"):
        atomic.check_output("/dev/full", directory=False, not_ours=not_ours, fix="give another")


@pytest.mark.parametrize(
    ("target", "directory", "message"),
    [
        ("reg/registry.yaml", False, "is inside the registry being read"),
        ("reg/new.db", False, "is inside the registry being read"),
        ("reg", True, "is inside the registry being read"),
        ("reg/powers", True, "is inside the registry being read"),
        (".", True, "holds the registry being read"),
        ("missing/c.db", False, "directory '.*missing' does not exist; create it"),
        ("reg.txt/c.db", False, "a part of the path is not a directory"),
    ],
)
def test_the_registry_being_read_is_never_an_output(
    tmp_path: Path, target: str, directory: bool, message: str
) -> None:
    reg = tmp_path / "reg"
    shutil.copytree(EXAMPLE, reg)
    (tmp_path / "reg.txt").write_text("a file")
    with pytest.raises(UsageError, match=message):
        atomic.check_output(
            tmp_path / target, directory=directory, not_ours=lambda p: None, fix="", source=reg
        )


# ------------------------------------------------------------ every output, one rule

# Each output of the command line: how to write it to TARGET, reading the registry REG
# (a copy of examples/minimal, or of the reference registry for monitor), and whether it
# is a directory.
OUTPUTS: dict[str, tuple[list[str], bool]] = {
    "export": (["export", "REG", "-o", "TARGET"], False),
    "render": (["render", "REG", "-o", "TARGET", "--format", "dot"], True),
    "build": (["build", "REG", "-o", "TARGET", "-q"], True),
    "synth": (["synth", "3", "-o", "TARGET"], True),
    "schema": (["schema", "-o", "TARGET"], True),
    "monitor": (["monitor", str(CASES), "--registry", "REG", "--catalog", "TARGET"], False),
}


def run(output: str, reg: Path, target: Path) -> tuple[int, str]:
    args, _ = OUTPUTS[output]
    args = [str(reg) if a == "REG" else str(target) if a == "TARGET" else a for a in args]
    result = CliRunner().invoke(cli.main, args)
    return result.exit_code, result.stderr


def registry_copy(output: str, tmp_path: Path) -> Path:
    reg = tmp_path / "reg"
    shutil.copytree(REFERENCE_REGISTRY if output == "monitor" else EXAMPLE, reg)
    return reg


def symlink(reg: Path, tmp: Path) -> Path:
    (tmp / "elsewhere").write_text("theirs", encoding="utf-8")
    (tmp / "link").symlink_to(tmp / "elsewhere")
    return tmp / "link"


def fifo(reg: Path, tmp: Path) -> Path:
    os.mkfifo(tmp / "fifo")
    return tmp / "fifo"


def foreign(reg: Path, tmp: Path) -> Path:
    (tmp / "notes").write_text("mine", encoding="utf-8")
    return tmp / "notes"


HOSTILE: dict[str, Callable[[Path, Path], Path]] = {
    "the registry's own file": lambda reg, tmp: reg / "registry.yaml",
    "the registry directory": lambda reg, tmp: reg,
    "a named pipe": fifo,
    "a symbolic link": symlink,
    "a file of someone else's": foreign,
}


def _applies(output: str, hostile: str) -> bool:
    """The registry's own directory as a target: only for outputs that read a registry
    and write a directory (click itself refuses a directory where a file goes; schema
    reads no registry and adds to a directory, synth writes one)."""
    if hostile != "the registry directory":
        return True
    return bool(OUTPUTS[output][1]) and output not in ("schema", "synth")


@pytest.mark.parametrize(
    ("output", "hostile"),
    [(o, h) for o in OUTPUTS for h in HOSTILE if _applies(o, h)],
)
def test_every_output_refuses_what_it_did_not_write(
    tmp_path: Path, output: str, hostile: str
) -> None:
    reg = registry_copy(output, tmp_path)
    target = HOSTILE[hostile](reg, tmp_path)
    before = tree(tmp_path)
    code, err = run(output, reg, target)
    assert code == 2, err
    assert f"'{target}'" in err  # the message names the path...
    if "Invalid value" not in err:  # (click refuses a file where a directory goes itself)
        assert any(w in err for w in ("refusing", "give", "choose", "move")), err  # ...the fix
    assert "Traceback" not in err
    assert tree(tmp_path) == before


@pytest.mark.parametrize("output", list(OUTPUTS))
def test_every_output_cleans_up_after_a_killed_run_and_has_normal_permissions(
    tmp_path: Path, umask_022: None, output: str
) -> None:
    reg = registry_copy(output, tmp_path)
    directory = OUTPUTS[output][1]
    target = tmp_path / "out" / "target"
    target.parent.mkdir()
    if output == "monitor":  # a catalog to add to
        assert run("export", reg, target)[0] == 0
    # what a killed run of this output left: its temporary file or directory
    dead = dead_pid()
    if output == "schema":  # schemas are files in a directory
        target.mkdir()
        left = atomic.temp_path(target / "power.schema.json", pid=dead)
        left.write_text("half")
    elif directory:
        left = atomic.temp_path(target, pid=dead)
        left.mkdir()
        (left / "half").write_text("half")
    else:
        left = atomic.temp_path(target, pid=dead)
        left.write_text("half")
    code, err = run(output, reg, target)
    assert code in (0, 1), err  # monitor exits 1: its example log has rows left out
    assert not left.exists()
    assert [p.name for p in target.parent.iterdir() if p.name.startswith(".")] == []
    expected = {("dir", "0o755"), ("file", "0o644")} if directory else {("file", "0o644")}
    assert modes(target) == expected


@pytest.mark.parametrize(
    "command", ["render", "build", "site", "export", "export-workbook", "synth"]
)
def test_an_output_name_that_is_not_utf8_is_refused(tmp_path: Path, command: str) -> None:
    """A name of bytes that are not UTF-8 (as a file system may hold): the outputs record
    their paths (markers, catalogs, pages), so it is refused at once (exit 2), named with
    its bytes shown, never a traceback half-way."""
    out = Path(os.fsdecode(os.fsencode(tmp_path) + b"/out\xff\xfe"))
    if command in ("export", "export-workbook"):
        out = out.with_name(out.name + (".db" if command == "export" else ".xlsx"))
    source = ["5"] if command == "synth" else [str(EXAMPLE)]
    res = CliRunner().invoke(cli.main, [command, *source, "-o", str(out)])
    assert res.exit_code == 2, res.output
    assert "out\\udcff\\udcfe" in res.output
    assert "is not a name in UTF-8" in res.output
    assert os.listdir(tmp_path) == []
