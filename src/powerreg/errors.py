"""Problems as data, and the one exception tree of powerreg.

Exception tree::

    PowerregError                 base of every error powerreg raises on purpose
     ├── RegistryError            a registry does not load; ``.problems`` lists them all
     └── UsageError               bad arguments or an I/O failure outside the registry

A :class:`Problem` is a small frozen record: code, message, file, line, column and the
entity it concerns. Loading collects every problem before it raises, so one run of
``powerreg validate`` shows them all.

Examples:
    >>> p = Problem(code="E004", file="powers/XK-001.yaml", line=14, column=7,
    ...             message="transition target 'S99' is not a step of flowchart F1")
    >>> str(p)
    "powers/XK-001.yaml:14:7: E004 transition target 'S99' is not a step of flowchart F1"
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict

Severity = Literal["error", "warning", "info"]

#: What each loading problem code means; the message of a problem says the specifics.
CODES: dict[str, str] = {
    "E001": "not readable as YAML (syntax error), or not UTF-8",
    "E002": "schema: missing/unknown field, wrong type, unknown enum value, bad id",
    "E003": "duplicate id in its scope",
    "E004": "dangling reference: category, transition endpoint, risk point `at`",
    "E005": "file stem differs from the power id",
    "E006": "YAML anchor, alias or tag (refused)",
    "E007": "file over the size limit, or no registry.yaml / powers/",
}


class Problem(BaseModel):
    """One thing wrong with a registry, with where it is and what to do about it.

    ``file`` is relative to the registry root; ``line`` and ``column`` are 1-based and 0
    when unknown (a missing directory has no line).
    """

    model_config = ConfigDict(frozen=True)

    code: str
    message: str
    file: str
    line: int = 0
    column: int = 0
    entity: str | None = None
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.code} {self.message}"

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        """Order problems by file, then position, then code."""
        return (self.file, self.line, self.column, self.code)


class PowerregError(Exception):
    """Base of every error that powerreg raises on purpose."""


class UsageError(PowerregError):
    """Bad arguments or an input/output failure that is not a registry problem."""


class RegistryError(PowerregError):
    """A registry that does not load; ``problems`` lists every problem found.

    Examples:
        >>> err = RegistryError([Problem(code="E007", file="registry.yaml",
        ...                              message="no registry.yaml in 'x'")])
        >>> err.problems[0].code
        'E007'
        >>> print(err)
        registry.yaml:0:0: E007 no registry.yaml in 'x'
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = sorted(problems, key=lambda p: p.sort_key)
        super().__init__("\n".join(str(p) for p in self.problems) or "invalid registry")

    @property
    def codes(self) -> list[tuple[str, str, int]]:
        """``(code, file, line)`` of every problem, the shape tests compare."""
        return [(p.code, p.file, p.line) for p in self.problems]
