"""The files of a registry directory: ``registry.yaml``, and one file a power in
``powers/``. Only names and paths here (nothing is read), so that a command can tell
what PATH is before it imports what reads it.

Examples:
    >>> is_registry_dir("examples/minimal"), is_registry_dir("examples/minimal/powers")
    (True, False)
    >>> is_power_file("examples/minimal/powers/XK-001.yaml"), is_power_file("README.md")
    (True, False)
"""

from __future__ import annotations

import os
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


def is_power_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a file in the ``powers/`` folder of a registry directory."""
    file = Path(path)
    return (
        file.is_file()
        and file.parent.name == POWERS_DIR
        and (file.parent.parent / REGISTRY_FILE).is_file()
    )
