"""The fast reading of clean files through rapidyaml (issue 21.1): it gives the careful
reader's data and positions, or steps aside.

Every comparison here would pass vacuously if the fast reading stepped aside every
time, so each test also checks that it did read what it should (the reference
registry's files, the clean files beside the E-code table).
"""

from __future__ import annotations

import math
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from powerreg import fastyaml, machine
from powerreg.reference import reference_path
from powerreg.yamlsource import read_bytes

from .conftest import in_fresh_process
from .test_load import CASES

pytestmark = pytest.mark.skipif(not fastyaml.available(), reason="the fast extra is missing")


@pytest.fixture(autouse=True)
def _one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast reading steps aside while other threads run (the test session may run
    some: a Dask cluster's loop); here it is told there are none."""
    monkeypatch.setattr(fastyaml, "fd2_alone", lambda: True)


def _same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (1 is not 1.0 nor True)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def _paths(data: Any, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    yield prefix
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _paths(v, (*prefix, i))


def agree(raw: bytes) -> tuple[bool, int]:
    """Whether the fast reading of ``raw``, if it reads it, says what the careful one
    says: no problem, the same data, the same position of every value, key and item
    it vouches for. Returns (read fast, positions compared)."""
    careful = read_bytes(raw, "f.yaml")
    fast = fastyaml.read_clean(raw, "f.yaml")
    if fast is None:
        return False, 0
    assert careful.problems == [], [str(p) for p in careful.problems]
    assert _same(fast.data, careful.data), (fast.data, careful.data)
    compared = 0
    for loc in _paths(careful.data):
        for key in (False, True):
            if key and (not loc or isinstance(loc[-1], int)):
                continue
            try:
                got = fast.position(loc, key=key)
            except fastyaml.Unsure:
                continue
            assert got == careful.position(loc, key=key), (loc, key)
            compared += 1
        if isinstance(careful.data, dict) or loc:
            try:
                items = fast.items(loc)
            except fastyaml.Unsure:
                continue
            assert items == careful.items(loc), loc
    return True, compared


@pytest.mark.parametrize("windows", [False, True])
def test_the_reference_registry_is_read_fast_and_alike(windows: bool) -> None:
    files = sorted((reference_path() / "powers").glob("*.yaml"))
    raws = [f.read_bytes() for f in files]
    if windows:  # the same files saved with \r\n line ends
        raws = [raw.replace(b"\n", b"\r\n") for raw in raws]
    results = [agree(raw) for raw in raws]
    assert len(files) == 84
    assert all(fast for fast, _ in results)  # every file read fast
    assert sum(n for _, n in results) > 10_000  # and its positions compared


_TRICKY = st.sampled_from(
    [
        "True", "~", "null", "NULL", "", "012", "0x1F", "0o17", "1e3", ".5", "+5", "-0",
        "1_000", ".inf", "-.inf", ".nan", "2011-01-01", "1:30", "yes", "no", "on",
        "a: b", "a #b", "- x", "[x]", "{x}", "'q'", '"q"', "x\\y", "C:\\path", "it's",
        "中文：冒号", "全角　空格", "\u3000lead", "multi\nline", "trail ", " lead",
        "tab\there", "%x", "@x", "`x", "|", ">", "?", "-", ":", "#", ",", "&a", "*a", "!t",
    ]
)  # fmt: skip
_TEXT = st.text(
    alphabet=st.sampled_from([*"ab01.-+:#'\"\\ \n{}[],?|>%@`中文，：\u3000eE", "\u00b7"]),
    max_size=12,
)
_WORDS = st.text(alphabet="abxyz_-中文字段审批 ：，", min_size=1, max_size=10)
_SCALARS = st.one_of(
    _WORDS,
    _WORDS,
    _WORDS,
    _TRICKY,
    _TEXT,
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
)
_KEYS = st.one_of(_WORDS, _WORDS, _WORDS, _WORDS, _TRICKY, _TEXT, st.integers(0, 99))
_DATA = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_KEYS, inner, max_size=4)),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    _DATA,
    st.sampled_from([None, False, True]),
    st.sampled_from([2, 4]),
    st.sampled_from([20, 80, 1 << 16]),
    st.booleans(),
    st.booleans(),
)
@example(
    {"a": [{"id": "S1", "x": 1}, "s -> t", {"from": "a", "to": "b"}]}, None, 2, 80, True, False
)
@example({"a": [{"id": "S1", "x": "多行\n文本"}, "s -> t", {"to": "b"}]}, None, 2, 80, True, True)
@example({"a": {"b": [[{"c": 1}], []], "d": {}}}, False, 2, 80, True, False)
def test_generated_yaml_is_read_alike_or_carefully(
    data: Any, flow: bool | None, indent: int, width: int, canonical_quotes: bool, crlf: bool
) -> None:
    text = yaml.safe_dump(
        data,
        default_flow_style=flow,
        indent=indent,
        width=width,
        allow_unicode=True,
        default_style=None if canonical_quotes else '"',
        sort_keys=False,
    )
    if crlf:  # saved on Windows
        text = text.replace("\n", "\r\n")
    agree(text.encode("utf-8"))


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\nb: *x\n",  # an anchor and an alias
        "a: !!str 1\n",  # a tag
        "a: 1\na: 2\n",  # a duplicate key
        "a: 1\n---\nb: 2\n",  # a second document
        "%YAML 1.2\n---\na: 1\n",  # a directive
        "? [a]\n: 1\n",  # a complex key
        "a: 1\rb: 2\n",  # a carriage return alone
        "a:\tb\n",  # a tab
        "a: x\u0085y\n",  # a YAML line break that is not \n
        "a: x\x7fy\n",  # a control character
        "a: 'True'\n",  # text the core schema would type had it been plain
        "a: '012'\n",
        "\u3000a: 1\n",  # a key opening with a full-width space
        "a: " + "1" * 101 + "\n",  # a long number
        "a: [1\n",  # a syntax error
        "a: b: c\n",  # another
        "<<: {a: 1}\n",  # a merge key
        "a: 0x1F\n",
        "a: +5\n",
    ],
)
def test_what_the_fast_reading_leaves_to_the_careful_one(text: str) -> None:
    assert fastyaml.read_clean(text.encode("utf-8"), "f.yaml") is None


def test_rapidyaml_prints_nothing_of_a_broken_file(capfd: pytest.CaptureFixture[str]) -> None:
    assert fastyaml.read_clean(b"a: [1\nb: c: d\n", "f.yaml") is None
    assert fastyaml.read_clean(b"- " * 5000 + b"x\n", "f.yaml") is None  # too deep
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


def test_a_batch_read_quietly_prints_nothing_and_gives_fd_2_back(
    capfd: pytest.CaptureFixture[str],
) -> None:
    with fastyaml.quiet():
        assert fastyaml.read_clean(b"a: [1\nb: c: d\n", "f.yaml") is None
        assert fastyaml.read_clean(b"a: 1\n", "f.yaml") is not None
        with fastyaml.quiet():  # nested: still quiet, and fd 2 kept until the outer ends
            assert fastyaml.read_clean(b"- " * 5000 + b"x\n", "f.yaml") is None
        assert fastyaml.read_clean(b"a: [1\n", "f.yaml") is None
    os.write(2, b"after\n")
    assert capfd.readouterr() == ("", "after\n")


@pytest.mark.usefixtures("own_threads")  # the session's threads (a Dask loop) not counted
def test_it_steps_aside_while_other_threads_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastyaml, "fd2_alone", machine.fd2_alone)  # (the fixture's undone)
    done = threading.Event()
    other = threading.Thread(target=done.wait)
    other.start()
    try:
        assert fastyaml.read_clean(b"a: 1\n", "f.yaml") is None
        with fastyaml.quiet():  # nothing done: fd 2 is the other thread's too
            assert fastyaml.read_clean(b"a: [1\n", "f.yaml") is None
    finally:
        done.set()
        other.join()
    assert fastyaml.read_clean(b"a: 1\n", "f.yaml") is not None


def test_it_is_turned_off_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(fastyaml.FAST_ENV, "0")
    assert not fastyaml.available()
    assert fastyaml.read_clean(b"a: 1\n", "f.yaml") is None


@pytest.mark.parametrize(
    "text",
    [
        # a literal block holding a line like the item after it, at its indentation
        "a:\n- id: S1\n  t: |\n    - id: M1\n  ms:\n    - id: M1\n",
        # the same in a quoted scalar folded over lines
        'a:\n- id: S1\n  t: "x\n    - id: M1"\n  ms:\n    - id: M1\n',
        # an item whose content starts on the next line, beside one that looks like it
        "a:\n- id: S1\n  t: |\n    - id: S2\n  ms:\n    -\n      id: M1\n- id: S2\n",
        # items indented further than their key, and one after a comment
        "a:\n  - id: S1\n    b:\n      - x\n  # - id: S9\n  - id: S2\n",
    ],
)
def test_items_found_on_the_lines_are_the_parsed_items(text: str) -> None:
    """Where a list's items are found on the lines (no ``[`` in the file), a line
    inside a scalar is never taken for an item: the positions are the careful
    reader's, whichever way the fast reading finds them."""
    fast, _ = agree(text.encode("utf-8"))
    assert fast


def test_a_document_and_a_fast_one_answer_alike_for_every_shape() -> None:
    text = (
        "id: P1\n"
        'quoted: "x"\n'
        "'k': 1\n"
        "flow: {a: 1, b: [x, y]}\n"
        "block:\n"
        "- {id: S1}\n"
        "- id: S2\n"
        "  more: 1\n"
        "- plain item\n"
        "- 'quoted item'\n"
        "- - nested\n"
        "-\n"
        "  id: S3\n"
        "lit: |\n"
        "  text\n"
        "empty: []\n"
        "中文键: 中文值　x\n"
    )
    fast, compared = agree(text.encode("utf-8"))
    assert fast
    assert compared >= 20
    doc = fastyaml.read_clean(text.encode("utf-8"), "f.yaml")
    assert doc is not None
    with pytest.raises(fastyaml.Unsure):
        doc.position(("lit",))  # a block scalar's mark is its indicator: not vouched for
    with pytest.raises(fastyaml.Unsure):
        doc.position(("empty",))


# ----------------------------------------------------------------- whole loads


def compare_loads() -> dict[str, int]:
    """Load every registry of the pool's comparison (the E-code table beside clean
    files, cross-file problems, the example, generated ones) and the reference three
    ways: carefully, fast in one process, fast through the worker pool; fail on any
    difference (registry, problems, source map). Run in a process of its own (the
    pool forks from one thread only). Returns how many files each read fast in one
    process."""
    from powerreg import directory

    from .test_loadpool import _counting_jobs, _outcome, _registries

    fast_reads: dict[str, int] = {}
    real = fastyaml.read_clean

    def counting(raw: bytes, file: str) -> fastyaml.FastDocument | None:
        doc = real(raw, file)
        count[0] += doc is not None
        return doc

    from powerreg import loadpool

    loadpool.read_clean = counting  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as tmp:
        registries = [*_registries(Path(tmp)), ("reference", reference_path())]
        for name, root in registries:
            os.environ["POWERREG_PARALLEL"] = "0"
            os.environ[fastyaml.FAST_ENV] = "0"
            careful = _outcome(root, cache=False)
            os.environ[fastyaml.FAST_ENV] = "1"
            directory.FAST_AT = 0  # type: ignore[misc]
            count = [0]
            serial = _outcome(root, cache=False, read=count)
            fast_reads[name] = count[0]
            os.environ["POWERREG_PARALLEL"] = "1"
            directory.PARALLEL_AT = 1  # type: ignore[misc]
            with _counting_jobs() as jobs:
                pooled = _outcome(root, cache=False)
            assert jobs[0] > 0, name
            for got in (serial, pooled):
                assert got == careful, name
                assert got[2] == careful[2], name  # the source map too
    return fast_reads


def test_a_fast_load_is_the_careful_load() -> None:
    fast = in_fresh_process("test_rapidyaml", "compare_loads")
    assert len(fast) == len(CASES) + 7
    # the three clean files beside each E-code case were read fast, and only they
    for name, *_ in CASES:
        assert fast[name] >= 3, name
    assert fast["reference"] == 84
    assert fast["generated"] == 150


def test_whatever_the_fast_reading_raises_the_file_is_read_carefully(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from powerreg.loadpool import clean_entry

    raw = next((reference_path() / "powers").glob("*.yaml")).read_bytes()
    fast = clean_entry(raw, "powers/p.yaml")
    monkeypatch.setenv(fastyaml.FAST_ENV, "0")
    careful = clean_entry(raw, "powers/p.yaml")
    monkeypatch.delenv(fastyaml.FAST_ENV)

    def broken(self: fastyaml.FastDocument, loc: tuple[str | int, ...]) -> Any:
        raise RuntimeError("a surprise from the tree")

    monkeypatch.setattr(fastyaml.FastDocument, "items", broken)
    assert fast is not None
    assert careful is not None
    assert clean_entry(raw, "powers/p.yaml") == careful == fast
