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
    return load(reference_path(), locate_all=True)  # 84 files: every place at once


_given = False  # whether a caller has had a registry of its own


def load_reference() -> Registry:
    """The bundled registry: each caller gets one of its own, which it may change
    without affecting the others.

    The first caller gets the registry as loaded (a command loads it once: a copy
    would cost a quarter of the load); later callers, a deep copy of one kept for them.

    Examples:
        >>> a, b = load_reference(), load_reference()
        >>> a is not b and a == b and a.powers["XK-001"] is not b.powers["XK-001"]
        True
    """
    global _given
    if not _given:
        _given = True
        return load(reference_path(), locate_all=True)  # 84 files: every place at once
    return _cached().model_copy(deep=True)
