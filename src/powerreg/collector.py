"""Pausing Python's cycle collector around bulk construction of models.

Scanning millions of new, small objects is most of the time of building them (a load of
10,000 powers: 3.5 s with the collector on, about 1 s with it paused). Merely paused, the
collector scans them all at its next run after the build instead; with ``freeze=True``
everything alive at the end is moved to the permanent generation (``gc.freeze``), so no
later collection scans it. Registries hold no reference cycles, so frozen objects are
still freed by reference counting when dropped.

Examples:
    >>> import gc
    >>> with gc_paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: Bulk work of this many entities or more freezes what it built (see :func:`gc_paused`).
FREEZE_AT = 1000


@contextmanager
def gc_paused(freeze: bool = False) -> Iterator[None]:
    """Pause the cycle collector for the block; then, if ``freeze``, freeze what lives."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        if freeze:
            gc.freeze()
    finally:
        if was_enabled:
            gc.enable()
