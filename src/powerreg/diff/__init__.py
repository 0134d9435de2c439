"""What changed between two editions of a registry (issue 18): a semantic diff for
review and for the notice of changes (变更公示).

:func:`diff` compares two registries (or the paths, catalogs or ``git:REV`` editions that
name them) and gives a :class:`Diff`: every change as a ``D1xx`` record with the global id,
the old and new value and both positions, the warnings a reviewer must answer (``D2xx``),
and the notice's sentence in Chinese and English. :mod:`.compare` holds the matching,
:mod:`.editions` the ways to name an edition, :mod:`.report` the forms.

Examples:
    >>> import powerreg
    >>> old = powerreg.load("examples/minimal")
    >>> diff(old, old).equal
    True
    >>> data = old.model_dump(by_alias=True)
    >>> data["powers"]["XK-001"]["risk_points"][0]["level"] = "low"
    >>> d = diff(old, type(old).model_validate(data))
    >>> [c.code for c in d.changes], d.summary("zh")
    (['D135', 'D201'], '本次调整：变更行政权力1项；风险等级下调1个。')
"""

from __future__ import annotations

import os

from ..model import Registry
from .compare import compare
from .editions import load_edition
from .report import Diff

__all__ = ["Diff", "compare", "diff", "load_edition"]

Edition = Registry | str | os.PathLike[str]


def diff(old: Edition, new: Edition) -> Diff:
    """The changes from ``old`` to ``new``: registries, or paths of directories or
    catalogs, or ``git:REV`` (the other edition's path at that revision).

    Raises:
        RegistryError: an edition does not load.
        UsageError: an edition cannot be found (a bad revision, a missing path).
    """
    old_spec = None if isinstance(old, Registry) else os.fspath(old)
    new_spec = None if isinstance(new, Registry) else os.fspath(new)
    if isinstance(old, Registry):
        a, a_label = old, None
    else:
        a, a_label = load_edition(os.fspath(old), new_spec)
    if isinstance(new, Registry):
        b, b_label = new, None
    else:
        b, b_label = load_edition(os.fspath(new), old_spec)
    changes = compare(a, b, old_label=a_label, new_label=b_label)
    return Diff(changes, old=a_label or a.id, new=b_label or b.id, old_registry=a, new_registry=b)
