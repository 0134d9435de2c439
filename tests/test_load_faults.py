"""Loading under hostile or broken input (issue 12): files and directories that cannot be
read, special files in a registry, values past every bound, whole files quoted back.

Every case ends in problems (E002, E007) naming the file, or a usage error (exit 2):
never an empty registry that passes, a hang, a read until memory runs out, or a message
that echoes a whole file.
"""

from __future__ import annotations

import errno
import json
import os
import resource
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import powerreg
from powerreg import RegistryError
from powerreg.audit.policy import Policy
from powerreg.cli import main
from powerreg.errors import Problem, UsageError
from powerreg.load import load
from powerreg.model.ids import DAYS_MAX, LABEL_MAX, NAME_MAX, PROSE_MAX
from powerreg.readfile import FileTooLarge, NotRegularFile, read_limited

from .conftest import EXAMPLE, META, WriteRegistry, dump, power_data

F = "powers/XK-001.yaml"
T = TypeVar("T")


def problems_of(root: Path, **kwargs: int) -> list[Problem]:
    with pytest.raises(RegistryError) as info:
        load(root, **kwargs)
    return info.value.problems


def lines_of(root: Path, **kwargs: int) -> list[str]:
    return [str(p) for p in problems_of(root, **kwargs)]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def within(seconds: float, work: Callable[[], T], *, fifo: Path | None = None) -> T:
    """``work()``, failed if it takes longer than ``seconds``: a regression that blocks on
    a FIFO fails the test instead of hanging the suite (the FIFO then gets a writer, so
    the blocked thread ends too)."""
    done: dict[str, Any] = {}

    def target() -> None:
        try:
            done["value"] = work()
        except BaseException as err:  # handed to the test's thread
            done["error"] = err

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        if fifo is not None:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail(f"still running after {seconds} s")
    if "error" in done:
        raise done["error"]
    return done["value"]  # type: ignore[no-any-return]


def _bounded_memory() -> None:  # pragma: no cover (runs in the child)
    limit = 2 * 1024**3
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def run_bounded(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``python -m powerreg ARGS`` in a child with 2 GiB of address space and a time
    limit: a regression that reads ``/dev/zero`` dies of MemoryError, one that blocks
    is killed, and the suite goes on either way."""
    return subprocess.run(
        [sys.executable, "-m", "powerreg", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=_bounded_memory,
        env={**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"},
        check=False,
    )


# ------------------------------------------------------------------ 12.2 unreadable


@pytest.fixture
def deny(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """``deny(path, call="scandir"|"open"|"stat", err=errno.EACCES)``: that call on that
    path fails as it does for a user without permission (tests run as root, where
    chmod 000 stops nothing)."""

    def deny(path: Path, call: str = "open", err: int = errno.EACCES) -> None:
        real = getattr(os, call)
        target = os.fspath(path)

        def refused(p: Any, *args: Any, **kwargs: Any) -> Any:
            if os.fspath(p) == target:
                raise OSError(err, os.strerror(err), target)
            return real(p, *args, **kwargs)

        monkeypatch.setattr(os, call, refused)

    return deny


def test_an_unreadable_powers_directory_is_not_an_empty_registry(
    write_registry: WriteRegistry, deny: Callable[..., None]
) -> None:
    root = write_registry()
    deny(root / "powers", "scandir")
    assert lines_of(root) == [
        "powers/: E007 cannot list the directory: permission denied; "
        "give the user who runs powerreg permission to read it"
    ]


def test_a_powers_directory_that_fails_to_list_names_the_error(
    write_registry: WriteRegistry, deny: Callable[..., None]
) -> None:
    root = write_registry()
    deny(root / "powers", "scandir", errno.EIO)
    assert lines_of(root) == ["powers/: E007 cannot list the directory: Input/output error"]


def test_powers_that_is_a_file(write_registry: WriteRegistry) -> None:
    root = write_registry(no_powers_dir=True)
    (root / "powers").write_text("not a directory", encoding="utf-8")
    [p] = problems_of(root)
    assert (p.code, p.file, p.template) == ("E007", "powers/", "powers_not_dir")


@pytest.mark.parametrize("name", ["registry.yaml", F])
def test_an_unreadable_file_is_e007_naming_it(
    write_registry: WriteRegistry, deny: Callable[..., None], name: str
) -> None:
    root = write_registry()
    deny(root / name, "open")
    assert lines_of(root) == [
        f"{name}: E007 cannot read the file: permission denied; "
        "give the user who runs powerreg permission to read it"
    ]


def test_a_file_that_fails_to_read_names_the_error(
    write_registry: WriteRegistry, deny: Callable[..., None]
) -> None:
    root = write_registry()
    deny(root / F, "open", errno.EIO)
    assert lines_of(root) == [f"{F}: E007 cannot read the file: Input/output error"]


def test_a_dangling_link_in_powers(write_registry: WriteRegistry) -> None:
    root = write_registry()
    (root / "powers" / "XK-002.yaml").symlink_to(root / "nowhere.yaml")
    assert lines_of(root) == [
        "powers/XK-002.yaml: E007 cannot read the file: no such file "
        "(a link to nothing, or removed while loading)"
    ]


def test_export_and_build_keep_the_good_outputs_when_powers_cannot_be_read(
    write_registry: WriteRegistry, deny: Callable[..., None], tmp_path: Path
) -> None:
    root = write_registry()
    catalog, site = tmp_path / "catalog.db", tmp_path / "site"
    assert run("export", str(root), "-o", str(catalog))[0] == 0
    assert run("build", str(root), "-o", str(site))[0] == 0
    before = {p: p.read_bytes() for p in [catalog, *site.rglob("*")] if p.is_file()}
    deny(root / "powers", "scandir")
    for command in (["validate"], ["export", "-o", str(catalog)], ["build", "-o", str(site)]):
        code, out, err = run(command[0], str(root), *command[1:])
        assert code == 1, command
        assert "powers/: E007 cannot list the directory: permission denied" in err
        assert "ok" not in out
    after = {p: p.read_bytes() for p in [catalog, *site.rglob("*")] if p.is_file()}
    assert after == before


# ------------------------------------------------------------------ 12.6 special files


def test_a_fifo_in_powers_is_e007_at_once(write_registry: WriteRegistry) -> None:
    root = write_registry()
    fifo = root / "powers" / "XK-002.yaml"
    os.mkfifo(fifo)
    problems = within(10, lambda: problems_of(root), fifo=fifo)
    assert [str(p) for p in problems] == [
        "powers/XK-002.yaml: E007 it is a FIFO (named pipe), not a regular file; "
        "a registry holds regular files only: put the YAML file itself here"
    ]
    assert problems[0].message("zh").startswith("此处是命名管道（FIFO），不是普通文件")


def test_a_fifo_as_registry_yaml(write_registry: WriteRegistry) -> None:
    root = write_registry(no_meta=True)
    os.mkfifo(root / "registry.yaml")
    problems = within(10, lambda: problems_of(root), fifo=root / "registry.yaml")
    assert [(p.code, p.file, p.template) for p in problems] == [
        ("E007", "registry.yaml", "not_regular")
    ]


# /dev/zero only in a child with bounded memory (below): a regression reads it until the
# machine runs out of memory, taking more than this test down with it
@pytest.mark.parametrize(
    ("target", "kind"), [("/dev/null", "a character device"), (".", "a directory")]
)
def test_links_to_devices_and_directories_are_not_read(
    write_registry: WriteRegistry, target: str, kind: str
) -> None:
    """A link out of the registry is not followed (a device is outside); one to a
    directory inside it is followed and refused for what it is."""
    root = write_registry()
    (root / "powers" / "XK-002.yaml").symlink_to(target if target != "." else root)
    lines = within(10, lambda: lines_of(root))
    assert lines == [
        f"powers/XK-002.yaml: E007 it is a link to '{target}', outside the registry, which "
        "is not read; a registry's files stay inside its directory: copy the file in"
        if target != "."
        else f"powers/XK-002.yaml: E007 it is {kind}, not a regular file; "
        "a registry holds regular files only: put the YAML file itself here"
    ]


def test_validate_a_link_to_dev_zero_in_a_bounded_child(write_registry: WriteRegistry) -> None:
    root = write_registry()
    (root / "powers" / "XK-002.yaml").symlink_to("/dev/zero")
    os.mkfifo(root / "powers" / "XK-003.yaml")
    done = run_bounded("validate", str(root))
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines()[:2] == [
        "powers/XK-002.yaml: E007 it is a link to '/dev/zero', outside the registry, which "
        "is not read; a registry's files stay inside its directory: copy the file in",
        "powers/XK-003.yaml: E007 it is a FIFO (named pipe), not a regular file; "
        "a registry holds regular files only: put the YAML file itself here",
    ]


def test_a_file_that_holds_more_than_stat_says_is_cut_at_the_limit(
    write_registry: WriteRegistry,
) -> None:
    status = Path("/proc/self/status")  # a regular file whose st_size is 0
    if not status.is_file() or status.stat().st_size != 0:
        pytest.skip("needs Linux /proc")
    # (a registry's link to it is one out of the registry, not read: the reader alone)
    with pytest.raises(FileTooLarge) as info:
        read_limited(status, 10)
    assert info.value.size is None


def test_read_limited_never_reads_past_the_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"x" * 5000)
    assert read_limited(big, 5000) == b"x" * 5000
    with pytest.raises(FileTooLarge, match="file is 5,000 bytes, over the limit of 4,999"):
        read_limited(big, 4999)
    with pytest.raises(NotRegularFile, match="it is a directory"):
        read_limited(tmp_path)


@pytest.fixture
def fifo_policy(tmp_path: Path) -> Path:
    path = tmp_path / "policy.yaml"
    os.mkfifo(path)
    return path


def test_a_fifo_policy_is_refused_at_once(fifo_policy: Path) -> None:
    with pytest.raises(UsageError) as info:
        within(10, lambda: Policy.from_file(fifo_policy), fifo=fifo_policy)
    assert str(info.value) == (
        f"cannot read policy {fifo_policy}: it is a FIFO (named pipe), not a regular file"
    )


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero", "too big", "missing"])
def test_audit_policy_that_cannot_be_read_exits_2(tmp_path: Path, kind: str) -> None:
    policy = tmp_path / "policy.yaml"
    if kind == "fifo":
        os.mkfifo(policy)
        why = "it is a FIFO (named pipe), not a regular file"
    elif kind == "/dev/zero":
        policy.symlink_to("/dev/zero")
        why = "it is a character device, not a regular file"
    elif kind == "too big":
        policy.write_text("# " + "x" * 2**20 + "\n", encoding="utf-8")
        why = "file is 1,048,579 bytes, over the limit of 1,048,576"
    else:  # a link to nothing: click's own check refuses it
        policy.symlink_to(tmp_path / "gone.yaml")
        why = ""
    done = run_bounded("audit", str(EXAMPLE), "--policy", str(policy))
    assert done.returncode == 2, done.stderr
    if why:
        assert done.stderr.strip() == f"error: cannot read policy {policy}: {why}"
    else:
        assert "does not exist" in done.stderr


# ------------------------------------------------------------------ 12.5 / 12.9 bounds


def _mini(**overrides: Any) -> dict[str, Any]:
    return power_data(**overrides)


def _with_step(field: str, value: Any) -> dict[str, Any]:
    data = power_data()
    data["flowcharts"][0]["steps"][1][field] = value
    return data


BOUNDS = [
    (
        "label",
        _with_step("label", "审" * (LABEL_MAX + 1)),
        f"'label' holds {LABEL_MAX + 1} characters, more than the {LABEL_MAX} it may hold; "
        "shorten it",
    ),
    (
        "name",
        _mini(name="名" * (NAME_MAX + 1)),
        f"'name' holds {NAME_MAX + 1} characters, more than the {NAME_MAX} it may hold; shorten it",
    ),
    (
        "legal basis",
        _mini(legal_basis=["法" * (PROSE_MAX + 1)]),
        f"'legal_basis[0]' holds {PROSE_MAX + 1:,} characters, more than the {PROSE_MAX:,} it may hold; "
        "shorten it",
    ),
    (
        "statutory days 10^30",
        _mini(statutory_days=10**30),
        f"'statutory_days' must be {DAYS_MAX} or less, not 1000000000000000000000000000000",
    ),
    (
        "step days",
        _with_step("days", DAYS_MAX + 1),
        f"'days' must be {DAYS_MAX} or less, not {DAYS_MAX + 1}",
    ),
    ("negative days", _with_step("days", -1), "'days' must be 0 or more, not -1"),
    (
        "4,000 digits",
        _mini(promised_days=int("9" * 4000)),
        "the number '" + "9" * 59 + "…' has 4,000 characters, more than a number may have "
        "(100); check the value",
    ),
    ("not a boolean", _with_step("pauses_clock", "maybe"), None),
]


@pytest.mark.parametrize(("data", "message"), [b[1:] for b in BOUNDS], ids=[b[0] for b in BOUNDS])
def test_every_field_is_bounded(
    write_registry: WriteRegistry, data: dict[str, Any], message: str | None
) -> None:
    [p] = problems_of(write_registry({"XK-001": data}))
    assert p.code == "E002"
    if message is None:
        assert p.message("en") == "'pauses_clock' must be true or false, not the text 'maybe'"
    else:
        assert p.message("en") == message
    assert p.message("zh")  # every variant has its Chinese


def test_a_number_past_pythons_own_limit_is_refused_as_it_is_read(
    write_registry: WriteRegistry,
) -> None:
    # int("9" * 5000) itself raises in Python (4,300 digits at most): the reader refuses
    # any integer of more than 100 characters before converting it
    text = dump(power_data()).replace("statutory_days: 30", "statutory_days: " + "9" * 5000)
    assert lines_of(write_registry({"XK-001": text})) == [
        f"{F}:9:17: E002 the number '" + "9" * 59 + "…' has 5,000 characters, more than a "
        "number may have (100); check the value"
    ]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("year", 10**30, "'year' must be 2200 or less, not 1000000000000000000000000000000"),
        ("year", 1000, "'year' must be 1949 or more, not 1000"),
        (
            "schema_version",
            10**30,
            "'schema_version' must be 1, not 1000000000000000000000000000000",
        ),
        ("department", "局" * (NAME_MAX + 1), None),
        ("source", "源" * (PROSE_MAX + 1), None),
    ],
)
def test_registry_yaml_is_bounded(
    write_registry: WriteRegistry, field: str, value: Any, message: str | None
) -> None:
    [p] = problems_of(write_registry(meta={**META, field: value}))
    assert (p.code, p.file) == ("E002", "registry.yaml")
    assert p.message("en") == message or p.template == "too_long"


def test_values_at_their_bounds_load_export_and_read_back(
    write_registry: WriteRegistry, tmp_path: Path
) -> None:
    data = power_data(
        name="名" * NAME_MAX,
        statutory_days=DAYS_MAX,
        promised_days=DAYS_MAX,
        description="述" * PROSE_MAX,
        legal_basis=["法" * PROSE_MAX],
    )
    data["flowcharts"][0]["steps"][1].update(label="审" * LABEL_MAX, days=DAYS_MAX)
    reg = load(write_registry({"XK-001": data}))
    db = powerreg.export_sqlite(reg, tmp_path / "catalog.db")
    assert load(db) == reg
    assert powerreg.render(reg.powers["XK-001"].flowcharts[0]).source


# ------------------------------------------------------------------ 12.15 whole files quoted


def _assert_short(problems: list[Problem], longest: int = 400) -> None:
    for p in problems:
        for lang in ("en", "zh"):
            line = p.as_line(lang)  # type: ignore[arg-type]
            assert len(line) <= longest, line
            assert len(line.splitlines()) == 1
        assert len(json.dumps(p.to_dict("en"), ensure_ascii=False)) <= 3 * longest


def test_a_text_file_in_powers_is_quoted_as_an_excerpt(write_registry: WriteRegistry) -> None:
    text = "".join(f"line {i} of somebody's notes, not a power at all\n" for i in range(250))
    assert len(text) > 10_000
    root = write_registry({"XK-001": text})
    [p] = problems_of(root)
    assert str(p) == (
        f"{F}:1:1: E002 the file must hold a mapping of fields (key: value), not the text "
        "'line 0 of somebody's notes, not a power at all line 1 of so…'"
    )
    _assert_short([p])


def test_long_ids_keys_and_references_are_quoted_as_excerpts(
    write_registry: WriteRegistry,
) -> None:
    long = "X" * 10_000
    data = power_data(category=long)
    chart = data["flowcharts"][0]
    chart["transitions"].append(f"S1 -> {long}")
    chart["transitions"].append({"from": "S1", "to": long})
    data["risk_points"][0]["at"] = f"{long}/S1"
    data["risk_points"].append({**data["risk_points"][0], "id": "F1"})
    data[long] = 1
    problems = problems_of(write_registry({"XK-001": data}))
    assert {p.code for p in problems} == {"E002", "E003", "E004"}
    _assert_short(problems)


HOSTILE_TEXT = st.lists(
    st.sampled_from(
        [
            "a",
            "审批",
            " ",
            "\n",
            ":",
            ": ",
            "- ",
            "[",
            "{",
            "#",
            "'",
            '"',
            "\t",
            "\x1b[2J",
            "x" * 300,
        ]
    ),
    max_size=60,
).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(HOSTILE_TEXT)
def test_no_file_content_comes_back_whole(text: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        (root / "registry.yaml").write_text(dump(META), encoding="utf-8")
        (root / "powers").mkdir()
        (root / "powers" / "XK-001.yaml").write_text(text * 20, encoding="utf-8")
        try:
            load(root)
        except RegistryError as err:
            _assert_short(err.problems)


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\ufffe"])
def test_a_control_character_is_located(write_registry: WriteRegistry, char: str) -> None:
    """libyaml's reader refuses it with an offset in bytes, not a mark: the line and
    column are counted from it, as an editor counts them (Chinese before it)."""
    text = dump(power_data()).replace("name: ", "name: 中文x" + char, 1)
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "中文x" in t)
    column = text.splitlines()[line - 1].index("中文x") + 4  # after 中文x, from 1
    root = write_registry({"XK-001": text})
    with pytest.raises(RegistryError) as info:
        load(root, cache=False)
    [p] = info.value.problems
    assert (p.code, p.file, p.line, p.column) == ("E001", "powers/XK-001.yaml", line, column)
    assert f"#x{ord(char):04x}" in p.message("en")


def test_a_quoted_number_is_said_to_be_text(write_registry: WriteRegistry) -> None:
    root = write_registry(meta={**META, "schema_version": "1"})
    with pytest.raises(RegistryError) as info:
        load(root, cache=False)
    [p] = info.value.problems
    assert p.message("en") == (
        "'schema_version' must be the number 1, not the text '1'; write it without quotes"
    )


def test_ids_that_differ_only_in_case_are_refused(write_registry: WriteRegistry) -> None:
    """Their files, pages and charts would be one file on Windows' and macOS' disks."""
    twin = power_data("xk-001")
    chart = power_data("XK-002")
    second = json.loads(json.dumps(chart["flowcharts"][0]))
    second["id"] = "f1"
    chart["flowcharts"].append(second)
    root = write_registry({"XK-001": power_data(), "xk-001": twin, "XK-002": chart})
    with pytest.raises(RegistryError) as info:
        load(root, cache=False)
    found = [(p.code, p.file, p.entity) for p in info.value.problems]
    assert found == [  # in the order of the files' names
        ("E003", "powers/XK-002.yaml", "XK-002/f1"),
        ("E003", "powers/xk-001.yaml", "xk-001"),
    ]
    messages = " ".join(p.message("en") for p in info.value.problems)
    assert "'xk-001' differs from 'XK-001' only in case" in messages
    assert "'XK-002/f1' differs from 'XK-002/F1' only in case" in messages
    assert all(p.line > 0 for p in info.value.problems)


@pytest.mark.parametrize("char", ["\x85", "\u2028", "\u2029"])
def test_a_yaml_only_line_break_does_not_shift_later_lines(
    write_registry: WriteRegistry, char: str
) -> None:
    """YAML counts NEL, LS and PS as line breaks, an editor does not: a problem after one
    is still at the line and column the keeper's editor shows."""
    text = dump(power_data()).replace("name: ", f"name: '甲{char}乙' # ", 1) + "nonsense: 1\n"
    lines = text.split("\n")
    line = next(n for n, t in enumerate(lines, 1) if t.startswith("nonsense:"))
    root = write_registry({"XK-001": text})
    with pytest.raises(RegistryError) as info:
        load(root, cache=False)
    assert [(p.code, p.line, p.column) for p in info.value.problems] == [("E002", line, 1)]


def test_a_link_out_of_the_registry_is_not_read(
    write_registry: WriteRegistry, tmp_path: Path
) -> None:
    """A message would quote the file it leads to (/etc/passwd, a key): refused by its
    path; a link that stays inside the registry is read as any file."""
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    root = write_registry({"XK-001": power_data()})
    (root / "powers" / "XK-002.yaml").symlink_to(secret)
    (root / "spare").mkdir()
    (root / "spare" / "XK-003.yaml").write_text(dump(power_data("XK-003")), encoding="utf-8")
    (root / "powers" / "XK-003.yaml").symlink_to(Path("..") / "spare" / "XK-003.yaml")
    with pytest.raises(RegistryError) as info:
        load(root, cache=False)
    [p] = info.value.problems
    assert (p.code, p.file) == ("E007", "powers/XK-002.yaml")
    assert str(secret) in p.message("en")
    assert "root:x" not in p.message("en")
    (root / "powers" / "XK-002.yaml").unlink()
    assert sorted(load(root, cache=False).powers) == ["XK-001", "XK-003"]
    (root / "registry.yaml").rename(tmp_path / "registry.yaml")
    (root / "registry.yaml").symlink_to(tmp_path / "registry.yaml")
    with pytest.raises(RegistryError) as info:
        load(root, cache=False)
    assert [(p.code, p.file) for p in info.value.problems] == [("E007", "registry.yaml")]


def test_a_registry_error_crosses_a_process_whole(tmp_path: Path) -> None:
    """Pickled (a worker process's failure reaching its parent), a RegistryError keeps
    its problems and its message: before, unpickling it raised AttributeError."""
    import pickle

    with pytest.raises(RegistryError) as caught:
        powerreg.load(tmp_path / "none")
    back = pickle.loads(pickle.dumps(caught.value))
    assert type(back) is RegistryError
    assert back.problems == caught.value.problems
    assert str(back) == str(caught.value)
