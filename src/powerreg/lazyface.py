"""Lazy package faces (PEP 562, as networkx's and ``lazy_loader``'s): a package re-exports
names from its modules, and each is imported when first asked for, so that a command
pays only for the modules it uses.

A package says where each of its names lives, and keeps ``__all__`` and, for mypy, the
same imports under ``if TYPE_CHECKING:``::

    __getattr__, __dir__ = attach(__name__, {".write": ("export_sqlite",), ...})

One thing the import system would otherwise change: importing a submodule binds it on
its package, and a public function may share its module's name (``powerreg.diff`` the
function and ``powerreg.diff`` the package, ``powerreg.catalog.search`` the function and
its module). When everything was imported eagerly, the function won; it still does: the
package's module type ignores a submodule bound over one of its lazy names (the
submodule stays in ``sys.modules``, and ``from powerreg.diff import Diff`` works).

Examples:
    >>> import powerreg.catalog, types
    >>> import powerreg.catalog.search  # the module: it does not replace the function
    >>> isinstance(powerreg.catalog.search, types.FunctionType)
    True
    >>> "export_sqlite" in dir(powerreg.catalog)
    True
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from importlib import import_module
from types import ModuleType
from typing import Any


class _Face(ModuleType):
    """A package whose lazy names keep their values over its submodules (see above)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, ModuleType) and name in self.__dict__.get("__lazy__", ()):
            return
        super().__setattr__(name, value)


def attach(
    package: str, homes: Mapping[str, Iterable[str]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``, whose names live in the
    modules ``homes`` maps them from (relative to the package, e.g. ``".write"``)."""
    home = {name: module for module, names in homes.items() for name in names}
    face = sys.modules[package]

    def __getattr__(name: str) -> Any:
        where = home.get(name)
        if where is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(where, package), name)
        face.__dict__[name] = value  # asked once: found directly from now on
        return value

    def __dir__() -> list[str]:
        return sorted(set(face.__dict__) | set(home))

    face.__dict__["__lazy__"] = frozenset(home)
    face.__class__ = _Face
    return __getattr__, __dir__
