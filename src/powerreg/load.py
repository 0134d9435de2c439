"""Where a registry comes from: a directory of YAML files, or a catalog written by
``export``; one entry point for both.

The directory is read by :mod:`.directory`, the catalog by :mod:`.catalog`; this module
sits above both and only chooses.

Examples:
    >>> reg = load("examples/minimal")
    >>> reg.id, len(reg.powers)
    ('example-epb', 2)
"""

from __future__ import annotations

import os
from pathlib import Path

from .catalog import read_catalog
from .directory import DEFAULT_MAX_BYTES, load_directory
from .model import Registry


def load(
    path: str | os.PathLike[str],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    cache: bool = True,
    locate_all: bool = False,
) -> Registry:
    """Load a registry directory, or a catalog ``.db`` written by ``export``.

    ``max_bytes`` bounds each file of a directory (E007 past it). ``cache=False`` reads
    every file afresh instead of taking unchanged ones from the load cache
    (:mod:`.loadcache`; ``POWERREG_CACHE=0`` does the same); the result is the same.
    ``locate_all=True`` finds where every entity of a directory stands as its files are
    read, for a caller that will ask for them all (an export: every catalog row has its
    line); otherwise an entity's place is found in its file when first asked
    (:meth:`~powerreg.Registry.location`, :mod:`.lateplaces`), and a load that asks
    for none is a quarter faster.

    Raises:
        RegistryError: with every problem found, if the registry does not load.
        UsageError: a catalog that is not one, or cannot be read.
    """
    p = Path(path)
    if p.suffix == ".db" and p.is_file():
        return read_catalog(p)
    return load_directory(p, max_bytes=max_bytes, cache=cache, locate_all=locate_all)
