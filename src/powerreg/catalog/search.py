"""Full-text search over powers, risk points and countermeasures, Chinese included.

The catalog indexes character n-grams (see :mod:`.ngrams` for why), so two-character
words such as 审批 are found, and so are longer ones such as 自由裁量, the same way
through :func:`search` and through Datasette's search box (``?_search=审批``).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Literal, NamedTuple

from ..model import Registry
from .ngrams import fold, fts_query
from .read import open_catalog
from .tables import SEARCH_INDEXES
from .write import write_catalog

Kind = Literal["power", "risk_point", "countermeasure"]

_KIND: dict[str, Kind] = {
    "powers": "power",
    "risk_points": "risk_point",
    "countermeasures": "countermeasure",
}


class SearchHit(NamedTuple):
    """One entity whose text contains every term of a search."""

    kind: Kind
    #: global id: ``XK-001``, ``XK-001/R2`` or ``XK-001/R2/M1``
    id: str
    power_id: str
    #: the text searched: the power's name, or the description
    text: str


def search(reg_or_db: Registry | str | os.PathLike[str], query: str) -> list[SearchHit]:
    """Powers, risk points and countermeasures whose text contains every term of
    ``query`` (terms are separated by spaces).

    Chinese terms match wherever they occur in the text (审批 in 违规审批); other terms
    match whole words, ignoring case. Hits come as powers, then risk points, then
    countermeasures, each in registry order. ``reg_or_db`` is a registry or the path of
    a catalog written by ``export_sqlite``.

    Raises:
        UsageError: ``reg_or_db`` is a path but not a powerreg catalog.

    Examples:
        >>> import powerreg
        >>> reg = powerreg.load("examples/minimal")
        >>> [(h.kind, h.id) for h in search(reg, "审批")][:3]
        [('power', 'XK-001'), ('risk_point', 'XK-001/R2'), ('countermeasure', 'XK-001/R2/M1')]
        >>> [h.text for h in search(reg, "自由裁量")]
        ['滥用自由裁量权，畸轻畸重或同案不同罚', '执行行政处罚自由裁量基准']
        >>> search(reg, "审核")
        []
    """
    if isinstance(reg_or_db, Registry):
        conn = sqlite3.connect(":memory:", isolation_level=None)
        try:
            write_catalog(conn, reg_or_db)
            return _search(conn, query)
        finally:
            conn.close()
    conn = open_catalog(Path(reg_or_db))
    try:
        return _search(conn, query)
    finally:
        conn.close()


def _search(conn: sqlite3.Connection, query: str) -> list[SearchHit]:
    q = fts_query(query)
    if q is None:
        return []
    conn.create_function("powerreg_fold", -1, fold, deterministic=True)
    hits: list[SearchHit] = []
    for index in SEARCH_INDEXES:
        columns = ", ".join(f't."{c}"' for c in index.columns)
        verify = "".join(f" AND instr(powerreg_fold({columns}), ?) > 0" for _ in q.verify)
        sql = (
            f"t.id, substr(t.id, 1, instr(t.id || '/', '/') - 1), t.\"{index.text}\""
            f' FROM "{index.table}" t WHERE t.rowid IN '
            f'(SELECT rowid FROM "{index.name}" WHERE "{index.name}" MATCH ?){verify} '
            "ORDER BY t.rowid"
        )
        kind = _KIND[index.table]
        for gid, power_id, text in conn.execute(f"SELECT {sql}", (q.match, *q.verify)):
            hits.append(SearchHit(kind, gid, power_id, text))
    return hits
