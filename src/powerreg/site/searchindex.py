"""The site's search: exact substring search of Chinese, offline, loaded in parts.

Chinese has no spaces between words, so an index of words (Pagefind's, a search
engine's) finds what its segmenter cut out and misses the rest: 环境影响评价 may be cut
环境 / 影响 / 评价 and 自由裁量权 not at all. A reader expects what the department's
own list would give: every power whose text contains the characters typed. So the
index answers exactly that — the powers where the query is a substring of one of the
texts its page shows (:func:`powerreg.site.public.search_fields`) — for a query of any
length, without a server:

* ``search/g1/<bucket>.json`` — each character → the powers that contain it
  (queries of one character);
* ``search/g2/<bucket>.json`` — each pair of neighbouring characters (a bigram) →
  for each power containing it, where it occurs (its positions: fields laid end to end
  with a gap between, so no bigram spans two fields);
* ``search/docs/<n>.json`` — the id, name and category of each power, 500 a file;
* ``search/meta.json`` — the number of buckets of each kind and of documents (the
  search page carries the same numbers, so the browser need not fetch it).

A query of *n* ≥ 2 characters looks up the bigrams at offsets 0, 2, 4, …, and *n*−2
(they cover every character), and keeps the powers where all of them occur at one
start *s* plus their offset: then every character of the query stands at *s* + its
offset in one field, which is what a substring is. No candidate needs checking against
the text, so the text is never downloaded. Bigrams are spread over buckets by a hash
of their two code points, the number of buckets chosen so that a bucket holds about
16 KiB: the browser fetches one bucket per looked-up bigram and the document files of the
results it shows. :func:`lookup` is the same algorithm in
Python (``static/search.js`` is the browser's): the tests compare it with plain
substring search, and count the bytes one query fetches.

Lists are delta-coded JSON arrays of integers — ``g1``: ``[doc, +doc, …]``; ``g2``:
``[+doc, count, pos, +pos, …, +doc, count, …]`` — which JSON.parse reads natively.

Examples:
    >>> import tempfile
    >>> w = SearchIndex()
    >>> w.add("XK-001", "许可", "行政许可", ["环境影响评价文件审批", "不予受理"])
    >>> w.add("CF-001", "处罚", "行政处罚", ["罚款", "环境影响评价法"])
    >>> out = Path(tempfile.mkdtemp())
    >>> _ = w.write(out / "search")
    >>> [h.id for h in lookup(out, "环境影响评价")], [h.id for h in lookup(out, "价文")]
    (['XK-001', 'CF-001'], ['XK-001'])
    >>> [h.id for h in lookup(out, "批不")], [h.id for h in lookup(out, "罚")]
    ([], ['CF-001'])
"""

from __future__ import annotations

import json
import math
import os
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import add, sub
from pathlib import Path
from typing import Any

from . import searchbatch

#: Documents per file of ``search/docs``.
DOCS_PER_FILE = 500

#: Bytes a bucket file should hold, about: a query fetches one per bigram it looks up.
BUCKET_BYTES = 16 * 1024

#: Most buckets of one kind (files in one directory).
MAX_BUCKETS = 4096


def bucket1(ch: str, buckets: int) -> int:
    """The bucket of a character (``static/search.js`` computes the same)."""
    return ord(ch) % buckets


def bucket2(gram: str, buckets: int) -> int:
    """The bucket of a bigram: a hash of its two code points (as ``search.js``)."""
    return (ord(gram[0]) * 65599 + ord(gram[1])) % buckets


def cover(n: int) -> list[int]:
    """Offsets of the bigrams a query of ``n`` ≥ 2 characters looks up: every second
    one, and the last, so that together they cover every character.

    Examples:
        >>> cover(2), cover(5), cover(6)
        ([0], [0, 2, 3], [0, 2, 4])
    """
    offsets = list(range(0, n - 1, 2))
    if offsets[-1] != n - 2:
        offsets.append(n - 2)
    return offsets


#: A character's or bigram's list as written (deltas taken), and the last document in it.
_Entry = list[Any]


@dataclass(frozen=True)
class Hit:
    """One power a query found."""

    id: str
    name: str
    category: str


class SearchIndex:
    """Builds the index one power at a time, holding only compact lists.

    Each list is an ``array`` of unsigned 32-bit numbers as it will write them (deltas
    already taken): at 10,000 powers (ten million characters) they take about 80 MB,
    where Python lists of integers would take a gigabyte.
    """

    def __init__(self, *, batched: bool | None = None) -> None:
        self.docs: list[tuple[str, str, str]] = []
        #: what ``meta.json`` says, once written
        self.meta: dict[str, int] = {}
        # each character or bigram → [its list, the last document added to it]
        self._g1: dict[str, _Entry] = {}
        self._g2: dict[str, _Entry] = {}
        #: whether the lists are made many powers at a time (:mod:`.searchbatch`, with
        #: numpy), else power by power; ``None`` (the default): power by power until the
        #: texts pass a batch's worth of characters, then in batches if numpy is
        #: installed (a small site does not import numpy; the two make the same lists)
        self.batched = batched
        self._batch: list[tuple[int, list[str]]] = []
        #: characters added since the last batch was merged (or, power by power, in all)
        self._chars = 0

    def add(self, power_id: str, name: str, category: str, fields: Iterable[str]) -> None:
        """Index one power's texts (each field on its own: no match spans two)."""
        doc = len(self.docs)
        self.docs.append((power_id, name, category))
        if self.batched:
            texts = list(fields)
            self._batch.append((doc, texts))
            self._chars += sum(map(len, texts))
            if self._chars >= searchbatch.BATCH_CHARS:
                self._flush()
            return
        chars: set[str] = set()
        # a bigram's position, or its positions once it occurs again (most occur once:
        # no list made for them)
        grams: dict[str, int | list[int]] = {}
        pos = 0
        for text in fields:
            chars.update(text)
            for i, gram in enumerate(map(add, text, text[1:]), pos):
                where = grams.get(gram)
                if where is None:
                    grams[gram] = i
                elif isinstance(where, int):
                    grams[gram] = [where, i]
                else:
                    where.append(i)
            pos += len(text) + 1  # the gap: no bigram across two fields
        if self.batched is None:
            self._chars += pos
            if self._chars >= searchbatch.BATCH_CHARS:
                self.batched = searchbatch.available()  # from the next power on
                self._chars = 0
        g1 = self._g1
        for ch in chars:
            entry = g1.get(ch)
            if entry is None:
                g1[ch] = [array("I", (doc,)), doc]
            else:
                entry[0].append(doc - entry[1])
                entry[1] = doc
        g2 = self._g2
        for gram, where in grams.items():
            entry = g2.get(gram)
            if entry is None:
                entry = g2[gram] = [array("I"), 0]
            # one extend a bigram, not an append a number
            if isinstance(where, int):
                entry[0].extend((doc - entry[1], 1, where))
            else:
                n = len(where)
                entry[0].extend((doc - entry[1], n, where[0], *map(sub, where[1:], where)))
            entry[1] = doc

    def _flush(self) -> None:
        """Add the powers waiting in the batch to the lists."""
        if self._batch:
            searchbatch.merge(self._g1, self._g2, self._batch)
        self._batch, self._chars = [], 0

    def write(self, out: Path) -> int:
        """Write the index under ``out`` (``meta.json``, ``g1/``, ``g2/``, ``docs/``);
        the bytes written."""
        self._flush()
        written = 0
        b1 = _buckets(self._g1)
        b2 = _buckets(self._g2)
        written += _write_buckets(out / "g1", self._g1, b1, lambda g: bucket1(g, b1))
        written += _write_buckets(out / "g2", self._g2, b2, lambda g: bucket2(g, b2))
        (out / "docs").mkdir(parents=True, exist_ok=True)
        for k in range(0, len(self.docs), DOCS_PER_FILE):
            part = [list(d) for d in self.docs[k : k + DOCS_PER_FILE]]
            data = json.dumps(part, ensure_ascii=False, separators=(",", ":")).encode()
            (out / "docs" / f"{k // DOCS_PER_FILE}.json").write_bytes(data)
            written += len(data)
        meta = self.meta = {
            "version": 1,
            "docs": len(self.docs),
            "docs_per_file": DOCS_PER_FILE,
            "buckets1": b1,
            "buckets2": b2,
        }
        data = json.dumps(meta).encode()
        (out / "meta.json").write_bytes(data)
        return written + len(data)


def _buckets(lists: dict[str, _Entry]) -> int:
    # about 3 bytes a number as written (digits and a comma)
    total = sum(8 + 3 * len(v[0]) for v in lists.values())
    return max(1, min(MAX_BUCKETS, math.ceil(total / BUCKET_BYTES)))


_DUMPS = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _write_buckets(
    folder: Path, lists: dict[str, _Entry], buckets: int, where: Callable[[str], int]
) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    shards: dict[int, list[str]] = {b: [] for b in range(buckets)}  # every one, even empty:
    for key in sorted(lists):  # a browser logs a missing file as an error
        shards[where(key)].append(key)
    written = 0
    for b, keys in shards.items():
        # the C encoder writes {"key":[n,n,…],…} as _key would, without a Python call per number
        text = _DUMPS({k: lists[k][0].tolist() for k in keys})
        data = text.encode("utf-8", "surrogatepass")
        (folder / f"{b}.json").write_bytes(data)
        written += len(data)
    return written


# ------------------------------------------------------------------------ reading


class Fetcher:
    """Reads the index's files from a site directory as a browser would fetch them,
    counting the files and the bytes (not ``meta.json``: the page holds its numbers)."""

    def __init__(self, site: str | os.PathLike[str]) -> None:
        self.root = Path(site) / "search"
        self.files = 0
        self.bytes = 0

    def __call__(self, name: str) -> object:
        path = self.root / name
        data = path.read_bytes()
        if name != "meta.json":
            self.files += 1
            self.bytes += len(data)
        return json.loads(data)


def lookup(site: str | os.PathLike[str], query: str, *, fetch: Fetcher | None = None) -> list[Hit]:
    """The powers a query finds, in document order: the algorithm of ``search.js``.

    The query is stripped of surrounding white space; an empty query finds nothing.
    """
    fetch = fetch or Fetcher(site)
    docs = find(site, query, fetch=fetch)
    meta = fetch("meta.json")
    assert isinstance(meta, dict)
    per = meta["docs_per_file"]
    hits = []
    table: dict[int, list[list[str]]] = {}
    for d in docs:
        if d // per not in table:
            part = fetch(f"docs/{d // per}.json")
            assert isinstance(part, list)
            table[d // per] = part
        hits.append(Hit(*table[d // per][d % per]))
    return hits


def find(site: str | os.PathLike[str], query: str, *, fetch: Fetcher | None = None) -> list[int]:
    """The document numbers a query finds (what the browser knows before it fetches the
    names of the results it shows)."""
    fetch = fetch or Fetcher(site)
    chars = list(query.strip())
    if not chars:
        return []
    meta = fetch("meta.json")
    assert isinstance(meta, dict)
    docs: list[int]
    if len(chars) == 1:
        shard = fetch(f"g1/{bucket1(chars[0], meta['buckets1'])}.json")
        assert isinstance(shard, dict)
        docs = list(_running(shard.get(chars[0], [])))
    else:
        starts: dict[int, set[int]] | None = None
        for off in cover(len(chars)):
            gram = chars[off] + chars[off + 1]
            shard = fetch(f"g2/{bucket2(gram, meta['buckets2'])}.json")
            assert isinstance(shard, dict)
            at = _positions(shard.get(gram, []))
            if starts is None:
                starts = {d: set(ps) for d, ps in at.items()}
            else:
                starts = {
                    d: kept
                    for d, s in starts.items()
                    if d in at and (kept := {p for p in s if p + off in at[d]})
                }
            if not starts:
                return []
        docs = sorted(starts or {})
    return docs


def _running(deltas: list[int]) -> Iterable[int]:
    total = 0
    for d in deltas:
        total += d
        yield total


def _positions(flat: list[int]) -> dict[int, set[int]]:
    """``[+doc, count, pos, +pos, …]`` → {doc: positions}."""
    out: dict[int, set[int]] = {}
    doc = i = 0
    while i < len(flat):
        doc += flat[i]
        n = flat[i + 1]
        ps: set[int] = set()
        p = 0
        for d in flat[i + 2 : i + 2 + n]:
            p += d
            ps.add(p)
        out[doc] = ps
        i += 2 + n
    return out
