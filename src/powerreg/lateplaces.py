"""Where a power's entities stand in its file, found when first asked.

A load takes at once where each power stands (its ``id``) and where it names its
category; where its flowcharts, steps, transitions, risk points, countermeasures and
time limits stand is found only when something asks for one of them — a problem, an
audit finding, a catalog row — by reading that one file again. Finding them costs a
quarter of a cold load (``benchmarks/RESULTS.md``), and most loads ask for none: a
``validate`` of a clean registry, an audit with few findings, a notebook. A command that
records every position (``export``, ``site``, ``build``: the catalog has a line and
column on every row) loads with ``locate_all=True`` and finds them all while the files
are parsed, on every core.

The file must be as it was loaded: its size and digest are kept, and a file changed or
removed since gives no positions (the power's own still stands; callers fall back to
it), never positions read from other bytes. The entities are found exactly as a load
with ``locate_all=True`` finds them (:func:`powerreg.loadpool.clean_entry`).

Examples:
    >>> import tempfile
    >>> from pathlib import Path
    >>> from powerreg import load
    >>> from powerreg.synth import generate, write_registry
    >>> root = write_registry(generate(20, seed=1), Path(tempfile.mkdtemp()) / "r")
    >>> reg = load(root, cache=False)
    >>> len(reg._sources.pending)  # clean files read fast: their entities' places later
    20
    >>> pid = min(reg.powers)
    >>> step = f"{pid}/F1/S2"
    >>> reg.location(step) == load(root, cache=False, locate_all=True).location(step)
    True
    >>> reg = load(root, cache=False)
    >>> file = root / "powers" / f"{pid}.yaml"
    >>> _ = file.write_text("\\n" + file.read_text(encoding="utf-8"), encoding="utf-8")
    >>> reg.location(step) is None, reg.location(pid)[1:]  # changed since: the power's own
    (True, (1, 5))
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from .loadcache import content_digest
from .loadpool import clean_entry
from .readfile import UnreadableFile, read_limited


class Later(NamedTuple):
    """What finding a power's positions later needs: its file (``rel``, under ``root``)
    and what its bytes were when loaded: their number, and their digest
    (:func:`powerreg.loadcache.content_digest` after ``salt``)."""

    root: str
    rel: str
    size: int
    salt: bytes
    digest: bytes


def later(root: str, rel: str, raw: bytes, key: bytes | None = None, salt: bytes = b"") -> Later:
    """What to keep of a file read now, to find its positions later; ``key``: its load
    cache key, already that digest after ``salt`` (the cache's), not computed again."""
    return Later(root, rel, len(raw), salt, content_digest(raw) if key is None else key)


def find_places(where: Later) -> Iterator[tuple[str, tuple[str, int, int]]]:
    """``(key, (file, line, column))`` of every entity of the file ``where`` names, as
    a load with ``locate_all=True`` finds them; nothing if the file changed since (or
    cannot be read, or no longer loads cleanly)."""
    try:
        raw = read_limited(Path(where.root) / where.rel, where.size)
    except UnreadableFile:  # gone, or grown past its size: changed
        return
    if len(raw) != where.size or content_digest(raw, where.salt) != where.digest:
        return
    entry = clean_entry(raw, where.rel)
    if entry is None:  # pragma: no cover - the same bytes loaded cleanly before
        return
    rel = where.rel
    for key, line, column in entry.positions:
        yield key, (rel, line, column)
