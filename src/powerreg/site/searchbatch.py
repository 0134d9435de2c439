"""The site's search index, many powers at a time: :class:`.searchindex.SearchIndex`'s
lists made with numpy (when it is installed: the extra ``fast``).

Power by power, the index costs a Python step for every character of every text (its
bigram's position) and another for every bigram of every power (its list grows): at
10,000 generated powers, eleven million characters, that was the biggest share of a
site's work in Python. Here the powers of a batch (about a quarter of a million
characters) are laid end to end in one array of code points; their bigrams are sorted by
value, each with its character's index in the low bits of the key, so that each bigram's
occurrences stay in the order of documents and positions; and each bigram's part of its
list — ``[+doc, count, pos, +pos, …]`` for each power of the batch that holds it — is made
by array operations, leaving a Python step for each distinct bigram and character of the
batch. The lists are the same numbers, in the same order, as the power-by-power path
makes (the tests compare the files written).

Examples:
    >>> g1, g2 = {}, {}
    >>> merge(g1, g2, [(0, ["环境评价", ""]), (1, ["环境"])])
    >>> {k: (v[0].tolist(), v[1]) for k, v in sorted(g2.items())}
    {'境评': ([0, 1, 1], 0), '环境': ([0, 1, 0, 1, 1, 0], 1), '评价': ([0, 1, 2], 0)}
    >>> g1["环"][0].tolist(), g1["价"][0].tolist()
    ([0, 1], [0])
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from functools import cache
from typing import Any

#: Characters of a batch: its arrays take ~130 bytes a character while it is made (a
#: batch of 250,000 adds ~35 MB to the peak; at 10,000 powers, batches of a million
#: were no faster and added ~125 MB).
BATCH_CHARS = 250_000

#: The bits of a bigram's value that hold its second character (a code point < 2**21).
_SHIFT = 21


@cache
def available() -> bool:
    """Whether numpy is installed (then :class:`.searchindex.SearchIndex` uses it)."""
    try:
        import numpy  # noqa: F401
    except ImportError:
        return False
    return True


def merge(
    g1: dict[str, list[Any]], g2: dict[str, list[Any]], batch: Sequence[tuple[int, Sequence[str]]]
) -> None:
    """Add the ``(doc, fields)`` of ``batch`` (documents in increasing order, each after
    every document already in ``g1`` and ``g2``) to the lists of characters ``g1`` and of
    bigrams ``g2``: ``key → [array("I") as written, the last document in it]``."""
    import numpy as np

    texts = [text for _, fields in batch for text in fields]
    if not texts:
        return
    codes = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype="<u4")
    if not len(codes):  # empty texts: no character, no bigram
        return
    size = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    fdoc = np.array([doc for doc, fields in batch for _ in fields], dtype=np.int64)
    start = np.cumsum(size) - size  # each field's first character, in the batch
    # each field's first position in its document: fields end to end, a gap between
    step = size + 1
    before = np.cumsum(step) - step
    first = np.ones(len(size), dtype=bool)
    first[1:] = fdoc[1:] != fdoc[:-1]
    base = before - np.maximum.accumulate(np.where(first, before, 0))
    field = np.repeat(np.arange(len(size)), size)  # each character's field
    cdoc = fdoc[field]
    cpos = base[field] + (np.arange(len(codes)) - start[field])

    # characters: each (character, document) once, by character then document
    # (a sort and a comparison: numpy's unique hashes, three times slower)
    pairs = np.sort((codes.astype(np.uint64) << np.uint64(32)) | cdoc.astype(np.uint64))
    pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]
    chars = (pairs >> np.uint64(32)).astype(np.int64)
    docs = (pairs & np.uint64(0xFFFFFFFF)).astype(np.int64)
    new = np.ones(len(chars), dtype=bool)
    new[1:] = chars[1:] != chars[:-1]
    deltas = np.where(new, docs, docs - np.concatenate(([0], docs[:-1])))
    heads = np.flatnonzero(new)  # each character's part: a run of documents
    names = [chr(c) for c in chars[heads].tolist()]
    _append(g1, names, heads, deltas, _lasts(docs, heads))

    # bigrams: two neighbouring characters of one field
    at = np.flatnonzero(field[:-1] == field[1:])  # each bigram's first character
    if not len(at):
        return
    grams = (codes[at].astype(np.int64) << _SHIFT) | codes[at + 1].astype(np.int64)
    # sorted by value, each value's occurrences in the order of documents and positions:
    # the character's index in the low bits of one key, which a plain sort orders
    bits = len(codes).bit_length()
    if 2 * _SHIFT + bits <= 63:
        key = (grams << bits) | at
        key.sort()
        grams, at = key >> bits, key & ((1 << bits) - 1)
    else:  # (a batch of millions of characters: one huge power)
        order = np.argsort(grams, kind="stable")
        grams, at = grams[order], at[order]
    gdoc, gpos = cdoc[at], cpos[at]
    new_gram = np.ones(len(grams), dtype=bool)
    new_gram[1:] = grams[1:] != grams[:-1]
    new_group = new_gram.copy()  # a (bigram, document) pair's first occurrence
    new_group[1:] |= gdoc[1:] != gdoc[:-1]
    heads = np.flatnonzero(new_group)
    groups = len(heads)
    group = np.cumsum(new_group) - 1
    # each group written [+doc, count, pos, +pos, …]: its items after two numbers
    out = np.empty(len(grams) + 2 * groups, dtype=np.int64)
    prev_pos = np.concatenate(([0], gpos[:-1]))
    out[np.arange(len(grams)) + 2 * (group + 1)] = np.where(new_group, gpos, gpos - prev_pos)
    at = heads + 2 * np.arange(groups)
    hdoc = gdoc[heads]
    opens = new_gram[heads]  # the group opens its bigram's part
    out[at] = np.where(opens, hdoc, hdoc - np.concatenate(([0], hdoc[:-1])))
    out[at + 1] = np.diff(np.append(heads, len(grams)))
    parts = np.flatnonzero(opens)  # each bigram's part: a run of groups
    mask = (1 << _SHIFT) - 1
    names = [chr(g >> _SHIFT) + chr(g & mask) for g in grams[heads[parts]].tolist()]
    _append(g2, names, at[parts], out, _lasts(hdoc, parts))


def _lasts(docs: Any, starts: Any) -> list[int]:
    """The last document of each run of ``docs`` that begins at ``starts``."""
    import numpy as np

    return docs[np.append(starts[1:], len(docs)) - 1].tolist()  # type: ignore[no-any-return]


def _append(
    lists: dict[str, list[Any]], names: list[str], starts: Any, values: Any, lasts: list[int]
) -> None:
    """Append ``values[starts[i]:starts[i + 1]]`` (the last part to the end) to the list
    of ``names[i]``, whose last document becomes ``lasts[i]``. Each part's first number
    is a document counted from 0, written counted from the list's last document."""
    import numpy as np

    data = values.astype(np.uint32).tobytes()
    firsts = values[starts].tolist()
    cuts = [*starts.tolist(), len(values)]
    for k, (name, head, last) in enumerate(zip(names, firsts, lasts, strict=True)):
        entry = lists.get(name)
        if entry is None:
            entry = lists[name] = [array("I"), 0]
        entry[0].append(head - entry[1])
        entry[0].frombytes(data[4 * cuts[k] + 4 : 4 * cuts[k + 1]])
        entry[1] = last
