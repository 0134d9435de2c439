"""The bundled reference registry: 辽宁省环境保护厅, 2011 (7/84/118/247/779).

Examples:
    >>> reg = load_reference()
    >>> reg.department
    '辽宁省环境保护厅'
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

from ..load import load
from ..model import Registry

#: Directory name of the bundled registry inside this package.
REFERENCE_ID = "liaoning-epd-2011"


def reference_path() -> Path:
    """Directory of the bundled registry (package data)."""
    return Path(str(files(__package__) / REFERENCE_ID))


@cache
def _cached() -> Registry:
    return load(reference_path())


def load_reference() -> Registry:
    """The bundled registry, loaded once per process; a deep copy each call, so callers
    may change what they get without affecting each other."""
    return _cached().model_copy(deep=True)
