"""The files of a registry directory: ``registry.yaml``, and one file a power in
``powers/``. Only names and paths here (nothing is read), so that a command can tell
what PATH is before it imports what reads it.

Examples:
    >>> is_registry_dir("examples/minimal"), is_registry_dir("examples/minimal/powers")
    (True, False)
    >>> is_power_file("examples/minimal/powers/XK-001.yaml"), is_power_file("README.md")
    (True, False)
    >>> kept_in("powers/XK-001.yaml", "b.db"), catalog_of("powers/XK-001.yaml (in b.db)")
    ('powers/XK-001.yaml (in b.db)', ('powers/XK-001.yaml', 'b.db'))
"""

from __future__ import annotations

import os
import re
from pathlib import Path

REGISTRY_FILE = "registry.yaml"
POWERS_DIR = "powers"
#: The file of a roll-up of many departments' registries (:mod:`powerreg.rollup`).
ROLLUP_FILE = "rollup.yaml"


def is_registry_dir(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a directory holding ``registry.yaml`` (a registry, and so no
    roll-up, whatever else it holds)."""
    p = Path(path)
    return p.is_dir() and (p / REGISTRY_FILE).exists()


#: A file named as a catalog keeps it: ``powers/XK-001.yaml (in members/b.db)``.
_KEPT_IN = re.compile(r"^(?P<file>.*) \(in (?P<catalog>[^()]+)\)$")


def kept_in(file: str, catalog: str) -> str:
    """How a registry's file is named when the registry was read from a catalog (whose
    positions are those of the files it was exported from): never a path through the
    catalog file, which does not exist (diff's editions, a roll-up's members)."""
    return f"{file} (in {catalog})"


def catalog_of(name: str) -> tuple[str, str] | None:
    """``(file, catalog)`` of a name :func:`kept_in` made, else ``None``."""
    named = _KEPT_IN.match(name)
    return None if named is None else (named["file"], named["catalog"])


def is_power_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a file in the ``powers/`` folder of a registry directory."""
    file = Path(path)
    return (
        file.is_file()
        and file.parent.name == POWERS_DIR
        and (file.parent.parent / REGISTRY_FILE).is_file()
    )
