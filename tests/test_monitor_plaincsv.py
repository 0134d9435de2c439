"""A plain CSV file (:mod:`powerreg.monitor.plaincsv`), its checks told a block of its
bytes at a time: what they say is what the same rules say of the whole file at once,
wherever the blocks begin and end (a line end, a byte-order mark, a character of
several bytes or the header cut in two)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from powerreg.monitor.plaincsv import (
    NotPlain,
    PlainCsv,
    Scan,
    csv_names,
    plain_blocks,
    plain_csv,
    read_plain,
)


def whole(data: bytes, limit: int) -> PlainCsv | None:
    """The rules of a plain file, on its bytes at once."""
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    if len(data) == bom or any(b in data for b in (b'"', b"\r", b"\x00")):
        return None
    lines = data[bom:].split(b"\n")
    if any(len(line) > limit for line in lines):
        return None
    try:
        header = lines[0].decode("utf-8").split(",")
    except UnicodeDecodeError:
        return None
    names = csv_names(header)
    if names is None:
        return None
    if len(names) < len(header):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return PlainCsv(header, names, data.count(b"\n") + (not data.endswith(b"\n")))


HEADERS = [
    b"case_id,power_id,step_id,timestamp",
    b"\xe5\x8a\x9e\xe4\xbb\xb6\xe7\xbc\x96\xe5\x8f\xb7,power_id,step_id,timestamp,x",  # 办件编号
    b"case_id,power_id,x,step_id,timestamp",  # a column unread: every byte UTF-8
    b"case_id,power_id,step_id",  # no timestamp
    b"case_id,power_id,step_id,timestamp,\xff",  # not UTF-8
]
#: pieces of rows: what a plain file holds, and what it may not (one at most a file)
PIECES = [b"A1,XK-001,S1,2011", b",", b"\n", b"\n", b"\n\n", b"x" * 25, b"\xe4\xb8\xad"]  # 中
SPOILERS = [b'"', b"\r", b"\x00", b"\xe4", b"\xb8", b"\xed\xa0\x80", b"\xc0\xaf"]


@st.composite
def files(draw: st.DrawFn) -> bytes:
    """A CSV file's bytes: a byte-order mark or not, a header, then pieces of rows, one
    of them maybe a byte a plain file may not hold (or not there)."""
    head = draw(st.sampled_from([b"", b"", b"\xef\xbb\xbf", b"\xef\xbb"]))
    header = draw(st.sampled_from([*HEADERS, *HEADERS[:3], b""]))
    pieces = draw(st.lists(st.sampled_from(PIECES), max_size=30))
    if draw(st.booleans()):
        pieces.insert(draw(st.integers(0, len(pieces))), draw(st.sampled_from(SPOILERS)))
    end = draw(st.sampled_from([b"\n", b"\n", b"\n", b""]))
    return head + header + end + b"".join(pieces)


@given(
    data=files(),
    cuts=st.lists(st.integers(0, 400), max_size=8),
    limit=st.integers(30, 70),  # the longest line, made small (most headers shorter)
)
@settings(max_examples=400, deadline=None)
def test_the_checks_told_a_block_at_a_time_say_what_the_rules_say_of_the_whole(
    data: bytes, cuts: list[int], limit: int
) -> None:
    scan = Scan(limit=limit)
    at = 0
    for cut in sorted(min(c, len(data)) for c in cuts):
        scan.feed(data[at:cut])
        at = max(at, cut)
    scan.feed(data[at:])
    assert scan.result() == whole(data, limit)


@pytest.mark.parametrize(
    ("blocks", "plain"),
    [
        # a character cut in two by the blocks, a column unread: UTF-8 all the same
        ([b"case_id,power_id,x,step_id,timestamp\nA1,XK-001,\xe4", b"\xb8\xad,S1,t\n"], True),
        # a character's first byte, then a block of ASCII, then the rest: not UTF-8
        ([b"case_id,power_id,x,step_id,timestamp\nA1,XK-001,\xe4", b"A", b"\xb8\xad\n"], False),
        # the byte-order mark is no part of the first line's length (the limit 36 here)
        ([b"\xef\xbb\xbfcase_id,power_id,step_id,timestamp,x\n"], True),
        ([b"\xef\xbb\xbf", b"case_id,power_id,step_id,timestamp,xx\n"], False),
        # a line running on over blocks, each short
        ([b"case_id,power_id,step_id,timestamp\nA1,", b"x" * 20, b"y" * 20, b"\n"], False),
    ],
)
def test_blocks_cut_anywhere(blocks: list[bytes], plain: bool) -> None:
    scan = Scan(limit=36)
    for block in blocks:
        scan.feed(block)
    assert (scan.result() is not None) == plain == (whole(b"".join(blocks), 36) is not None)


def test_a_file_read_in_blocks_of_a_few_bytes(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    text = "\ufeff办件编号,事项编码,环节编码,时间,附注\n" + "".join(
        f"A{i % 3},XK-001,S1,2011-10-10 09:00:00,中文{i}\n" for i in range(40)
    )
    path.write_text(text, encoding="utf-8")
    got = plain_csv(path, block=5)
    assert (
        got
        == plain_csv(path)
        == PlainCsv(
            ["\ufeff办件编号"[1:], "事项编码", "环节编码", "时间", "附注"],
            {"case_id": "c0", "power_id": "c1", "step_id": "c2", "timestamp": "c3"},
            41,
        )
    )
    assert got is not None
    # a block at a time, as the whole file is read: the same rows, the log's names
    tables = list(plain_blocks(path, got, block=128))
    assert len(tables) > 5
    assert tables[0].column_names == ["case_id", "power_id", "step_id", "timestamp"]
    at_once = read_plain(path, got).rename_columns(tables[0].column_names)
    assert pa.concat_tables(tables).to_pylist() == at_once.to_pylist()
    # blocks shorter than a line: each line whole all the same, the last without its end
    path.write_text(text.rstrip("\n"), encoding="utf-8")
    tables = list(plain_blocks(path, got, block=16))
    assert [t.num_rows for t in tables] == [1] * 40
    assert pa.concat_tables(tables).to_pylist() == at_once.to_pylist()


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("case_id,power_id,step_id,timestamp\nA1,XK-001,S1\n", "Expected 4 columns"),
        ("case_id,power_id,step_id,timestamp\nA1,XK-001,S1,x\n\nA2,XK-001,S1,x\n", "rows read"),
        ("case_id,power_id,step_id,timestamp\nA1,XK-001,S1,x\n\n", "rows read"),
    ],
)
def test_what_pyarrow_finds_as_it_reads(tmp_path: Path, text: str, why: str) -> None:
    path = tmp_path / "cases.csv"
    path.write_text(text, encoding="utf-8")
    plain = plain_csv(path)
    assert plain is not None  # (the checks do not look so far)
    with pytest.raises(NotPlain, match=why):
        read_plain(path, plain)
    with pytest.raises(NotPlain, match=why):
        list(plain_blocks(path, plain))
