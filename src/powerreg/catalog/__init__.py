"""The SQLite catalog (SPEC §7): a registry published for Datasette, and read back.

Written and read with the standard library's sqlite3 (sqlite-utils is not needed to build).

* :func:`export_sqlite` writes ``FILE.db`` and ``FILE.metadata.json``, atomically;
  :func:`start_export` does it in a forked child while the caller goes on (the build).
* :func:`read_catalog` reads a catalog back into an equal registry (``powerreg.load``
  does this for any ``*.db`` path).
* :func:`search` finds powers, risk points and countermeasures by Chinese or other text,
  in a registry or a catalog.
* :func:`datasette_metadata` is the Datasette metadata of a registry's catalog.

Layout: :mod:`.tables` (tables, views, descriptions), :mod:`.write`, :mod:`.background`,
:mod:`.read`, :mod:`.ngrams` (how Chinese is indexed), :mod:`.search`, :mod:`.datasette`.

Examples:
    >>> import powerreg, tempfile
    >>> from pathlib import Path
    >>> from powerreg.catalog import export_sqlite, search
    >>> db = export_sqlite(powerreg.load("examples/minimal"), Path(tempfile.mkdtemp()) / "c.db")
    >>> [h.id for h in search(db, "审批 局长")]
    ['XK-001/R2/M1']
    >>> powerreg.load(db).stats().sentence
    '梳理出2类、2项行政权力，查找出4个廉政风险点，绘制权力运行流程图2项、2张，制定防范措施11条'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazyface import attach

if TYPE_CHECKING:
    from .background import start_export
    from .datasette import datasette_metadata, metadata_path_for
    from .read import read_catalog
    from .search import SearchHit, search
    from .tables import CATALOG_VERSION
    from .write import export_sqlite

# each name imported with its module when first asked for: loading a catalog needs
# .read only, a build .write and .datasette, neither the search (powerreg.lazyface)
__getattr__, __dir__ = attach(
    __name__,
    {
        ".background": ("start_export",),
        ".datasette": ("datasette_metadata", "metadata_path_for"),
        ".read": ("read_catalog",),
        ".search": ("SearchHit", "search"),
        ".tables": ("CATALOG_VERSION",),
        ".write": ("export_sqlite",),
    },
)

__all__ = [
    "CATALOG_VERSION",
    "SearchHit",
    "datasette_metadata",
    "export_sqlite",
    "metadata_path_for",
    "read_catalog",
    "search",
    "start_export",
]
