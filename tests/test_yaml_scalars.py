"""The YAML reader's fast path for scalars (issue 21.1): every plain scalar, key or value,
reads as :func:`powerreg.yamlsource.resolve_plain` says, wherever it sits."""

from __future__ import annotations

import math
from typing import Any

import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from powerreg.yamlsource import MAX_DIGITS, read_text, resolve_plain

#: Characters that make numbers, near-numbers and words (a non-ASCII digit among them).
_PIECES = st.text(alphabet="0123456789+-.eExXoObB_~nulTrFsa٣²漢", min_size=1, max_size=12)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


@given(_PIECES)
@example("+1")
@example("-0x1F")
@example("0o17")
@example(".5")
@example("٣")
@example("~")
@example("1" * (MAX_DIGITS + 1))
def test_plain_scalars_read_as_the_core_schema_says(piece: str) -> None:
    for source, where in (
        (f"{piece}: {piece}\n", lambda d: (next(iter(d)), *d.values())),
        (f"top:\n  - {piece}\n", lambda d: tuple(d["top"])),
        (f"- {piece}\n- [{piece}]\n", lambda d: (d[0], d[1][0])),
        (f"{piece}\n", lambda d: (d,)),
    ):
        try:
            raw = where(yaml.load(source, Loader=yaml.BaseLoader))  # the text of each scalar
        except (yaml.YAMLError, TypeError, KeyError, IndexError, AttributeError):
            continue
        if not all(isinstance(r, str) for r in raw):
            continue
        doc = read_text(source, "f.yaml")
        if doc.problems:  # only a number too long to read
            assert [p.key for p in doc.problems] == ["E002.long_number"] * len(doc.problems)
            continue
        got = where(doc.data)
        if source.startswith(f"{piece}: "):  # a key keeps its text
            assert got[0] == raw[0]
            got, raw = got[1:], raw[1:]
        for plain, value in zip(raw, got, strict=True):
            assert _same(value, resolve_plain(plain)), (source, plain, value)


def test_positions_of_keys_values_and_items() -> None:
    doc = read_text("a: 1\nb:\n  - x\n  - {c: 0x1F, d: ٣}\n", "f.yaml")
    assert doc.data == {"a": 1, "b": ["x", {"c": 31, "d": "٣"}]}
    assert doc.position(("a",)) == (1, 4)
    assert doc.position(("a",), key=True) == (1, 1)
    assert doc.position(("b", 0)) == (3, 5)
    assert doc.position(("b", 1, "d")) == (4, 18)


def test_a_long_number_is_refused_where_it_is() -> None:
    digits = "9" * (MAX_DIGITS + 1)
    doc = read_text(f"a: 1\nb: {digits}\n- x\n", "f.yaml")
    assert [(p.code, p.line, p.column) for p in doc.problems][:1] == [("E002", 2, 4)]
    doc = read_text(f"- {digits}\n", "f.yaml")
    assert [(p.code, p.line, p.column) for p in doc.problems] == [("E002", 1, 3)]
    assert doc.data == [None]
