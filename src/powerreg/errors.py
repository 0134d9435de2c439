"""The one exception tree of powerreg, and where its problems come from.

Exception tree::

    PowerregError                 base of every error powerreg raises on purpose
     ├── RegistryError            a registry does not load; ``.problems`` lists them all
     └── UsageError               bad arguments or an I/O failure outside the registry

A :class:`~powerreg.problems.Problem` is the one record of every diagnostic powerreg
reports (:mod:`powerreg.problems`). Loading collects every problem before it raises, so
one run of ``powerreg validate`` shows them all. ``Problem``, ``problem`` and
``sheet_ref`` are also read from here, imported when first asked for: the exceptions
need no pydantic, and a command that reports nothing does not pay for importing it.

Examples:
    >>> from powerreg.errors import problem
    >>> p = problem("E002.missing", "powers/XK-001.yaml", 14, 7, entity="XK-001/F1/S3",
    ...             field="label")
    >>> print(RegistryError([p]))
    powers/XK-001.yaml:14:7: E002 missing required field 'label'; add it
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .codes import USAGE, Phrase, Severity, render_usage
from .lang import Lang

if TYPE_CHECKING:
    from .problems import Problem, problem, sheet_ref

__all__ = [
    "PowerregError",
    "Problem",
    "RegistryError",
    "Severity",
    "UsageError",
    "problem",
    "sheet_ref",
]

_LAZY = frozenset({"Problem", "problem", "sheet_ref"})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from . import problems

        return getattr(problems, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class PowerregError(Exception):
    """Base of every error that powerreg raises on purpose.

    Pickled as its message and its attributes, whatever its own ``__init__`` takes, so
    that one raised in a worker process (a refusal, the service's settling process's
    :class:`~powerreg.service.StateUnavailable`) reaches its parent whole.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuilt, (type(self), self.args, self.__dict__))


def _rebuilt(cls: type[PowerregError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    """An error (of any subclass) as it was pickled: its message and attributes."""
    err = cls.__new__(cls)
    err.args = args
    err.__dict__.update(state)
    return err


class UsageError(PowerregError):
    """Bad arguments or an input/output failure that is not a registry problem.

    It carries a key of :mod:`powerreg.codes.usage_codes` and the message's parameters,
    and is said in either language when shown (:meth:`in_lang`); ``str()`` is English.
    A parameter may be a :func:`~powerreg.codes.phrase` (a piece said in the same
    language) or another refusal (its reason).

    Examples:
        >>> from powerreg.codes import phrase
        >>> err = UsageError("atomic.not_dir", path="out", fix=phrase("fix.new_dir"))
        >>> print(err)
        'out' exists and is not a directory; choose a new or empty directory
        >>> err.in_lang("zh")
        "'out' 已存在且不是目录；请选择新的目录或空目录"
        >>> import pickle; pickle.loads(pickle.dumps(err)).in_lang("zh") == err.in_lang("zh")
        True
    """

    def __init__(self, key: str, /, **params: Any) -> None:
        if key not in USAGE:
            raise KeyError(f"no template {key!r} in powerreg.codes.usage_codes")
        self.key = key
        self.params = params
        super().__init__(self.in_lang("en"))

    def in_lang(self, lang: Lang) -> str:
        """The message in ``lang``."""
        return render_usage(self.key, lang, self.params)


class ValueRefused(ValueError):
    """A value a model's check refuses, its reason a :func:`~powerreg.codes.phrase`:
    pydantic keeps the error as the cause of its own, and a settings file's refusal
    (:func:`powerreg.settingsfile.located`) says the reason in the message's language;
    ``str()`` is English, as pydantic's own messages are.

    Examples:
        >>> from powerreg.codes import phrase
        >>> err = ValueRefused(phrase("part.promise_ratio_range"))
        >>> str(err), err.said.in_lang("zh")
        ('promise_ratio must be above 0 and at most 1', 'promise_ratio 应大于 0 且不大于 1')
    """

    def __init__(self, said: Phrase) -> None:
        self.said = said
        super().__init__(said.in_lang("en"))


class RegistryError(PowerregError):
    """A registry that does not load; ``problems`` lists every problem found.

    Examples:
        >>> from powerreg.problems import problem
        >>> err = RegistryError([problem("E002.missing", "registry.yaml", 2, 1, field="year")])
        >>> err.problems[0].code
        'E002'
        >>> print(err)
        registry.yaml:2:1: E002 missing required field 'year'; add it
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = sorted(problems, key=lambda p: p.sort_key)
        super().__init__("\n".join(str(p) for p in self.problems) or "invalid registry")

    @property
    def codes(self) -> list[tuple[str, str, int]]:
        """``(code, file, line)`` of every problem, the shape tests compare."""
        return [(p.code, p.file or "", p.line) for p in self.problems]
