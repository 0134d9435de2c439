"""A finding of the audit, and the rule catalogue that produces findings.

Examples:
    >>> f = Finding(code="A301", severity="error", entity="XK-001/R2",
    ...             message="risk point XK-001/R2 has no countermeasure", file="powers/XK-001.yaml",
    ...             line=40)
    >>> str(f)
    'powers/XK-001.yaml:40: A301 error risk point XK-001/R2 has no countermeasure'
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from ..model import Registry
    from .policy import Policy

Severity = Literal["error", "warning", "info"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}


class Finding(BaseModel):
    """One thing the audit found: which rule, how grave, about which entity, and where."""

    model_config = ConfigDict(frozen=True)

    code: str
    severity: Severity
    entity: str
    message: str
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: " if self.file else ""
        return f"{where}{self.code} {self.severity} {self.message}"


@dataclass(frozen=True)
class Hit:
    """What a rule reports before severity, message and position are attached: the
    entity and the values its message template needs."""

    entity: str
    params: dict[str, Any]
    #: key of the source position, if not the entity's own (e.g. a transition)
    at: str | None = None


Check = Callable[["Registry", "Policy"], Iterator[Hit]]


@dataclass(frozen=True)
class Rule:
    """An audit rule: code, default severity, a one-line title, and its check."""

    code: str
    severity: Severity
    title: str
    check: Check

    @property
    def help(self) -> str:
        """Longer help: the check's docstring."""
        return " ".join((self.check.__doc__ or self.title).split())


RULES: dict[str, Rule] = {}


def rule(code: str, severity: Severity, title: str) -> Callable[[Check], Check]:
    """Register a check function as the rule ``code``."""

    def register(check: Check) -> Check:
        RULES[code] = Rule(code, severity, title, check)
        return check

    return register
