"""One message template per loading problem code, so every output says the same thing.

Examples:
    >>> problem("E006", "powers/X.yaml", 3, 5, construct="alias", name="*a").message
    "YAML alias '*a' is refused: write the value out in full (a registry is data, not a program)"
"""

from __future__ import annotations

from typing import Any

from .errors import Problem

TEMPLATES: dict[str, str] = {
    "E001": "{detail}",
    "E002": "{detail}",
    "E003": "{detail}",
    "E004": "{detail}",
    "E005": "file stem '{stem}' differs from the power id '{id}'; rename the file to "
    "'{id}.yaml' or set id: {stem}",
    "E006": "YAML {construct} '{name}' is refused: write the value out in full "
    "(a registry is data, not a program)",
    "E007": "{detail}",
}


def problem(
    code: str,
    file: str,
    line: int = 0,
    column: int = 0,
    *,
    entity: str | None = None,
    **params: Any,
) -> Problem:
    """A :class:`Problem` whose message comes from the template of its code."""
    return Problem(
        code=code,
        file=file,
        line=line,
        column=column,
        entity=entity,
        message=TEMPLATES[code].format(**params),
    )
