"""The id grammar (SPEC §2), the transition shorthand, and the keys of a source map."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from ..textsafe import excerpt

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$"
_ID_RE = re.compile(ID_PATTERN)

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Text = Annotated[str, StringConstraints(min_length=1)]

#: Longest text of each kind (characters). Bounds keep one value from costing minutes
#: (wrapping a label), megabytes of diagram, or a page of a message: a label, title,
#: role or name is a line or two on a chart; prose is a paragraph or a legal citation.
LABEL_MAX = 200
NAME_MAX = 300
PROSE_MAX = 4000
#: Longest time limit in working days (about 14 years): larger is a typo, and would
#: overflow the catalog's integers long before it made sense.
DAYS_MAX = 3650

#: A step label, chart title, role, branch condition, division: one short line.
Label = Annotated[str, StringConstraints(min_length=1, max_length=LABEL_MAX)]
#: The name of a power, category or department, in Chinese or English.
Name = Annotated[str, StringConstraints(min_length=1, max_length=NAME_MAX)]
#: A description, legal basis, fee rule, responsibility or source: a paragraph.
Prose = Annotated[str, StringConstraints(min_length=1, max_length=PROSE_MAX)]
#: An assessment score of a risk point: 1 (low) to 3 (high).
Score = Annotated[int, Field(ge=1, le=3)]
#: A time limit or budget in working days.
Days = Annotated[int, Field(ge=0, le=DAYS_MAX)]
StepRef = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}/[A-Za-z0-9][A-Za-z0-9-]{0,63}$")
]

#: Validation context key: skip the cross-reference checks (the loader runs them itself,
#: so that every problem gets its own file position).
DEFER_REFERENCES = "powerreg.defer_references"


_SHORTHAND_PATTERN = r"^\s*[A-Za-z0-9][A-Za-z0-9-]*\s*->\s*[A-Za-z0-9][A-Za-z0-9-]*\s*$"
_ARROW = re.compile(r"^\s*([^\s>-][^\s]*?)\s*->\s*([^\s]+)\s*$")


def _parse_transition(value: Any) -> Any:
    """Accept the shorthand ``"S1 -> S2"`` for ``{from: S1, to: S2}``."""
    if isinstance(value, str):
        m = _ARROW.match(value)
        if m is None:
            shown = excerpt(value, 40)  # quote a short excerpt, never a whole file
            raise ValueError(f"transition '{shown}' is not of the form 'S1 -> S2'")
        return {"from": m.group(1), "to": m.group(2)}
    return value


def transition_key(flowchart_gid: str, index: int) -> str:
    """Key of a flowchart's transition in a source map (transitions have no id).

    Examples:
        >>> transition_key("XK-001/F1", 0)
        'XK-001/F1#T1'
    """
    return f"{flowchart_gid}#T{index + 1}"


def category_key(code: str) -> str:
    """Key of a category in a source map (category codes may equal power ids)."""
    return f"category:{code}"


def field_key(power_id: str, field: str) -> str:
    """Key of one field of a power in a source map, for messages about that field (the
    time limits: audit A201, A203, A204; ``powerreg diff``).

    Examples:
        >>> field_key("XK-001", "promised_limit")
        'XK-001#promised_limit'
    """
    return f"{power_id}#{field}"


#: Fields of a power whose own line is remembered when it is read (:func:`field_key`).
LOCATED_FIELDS = ("statutory_limit", "promised_limit")
#: The older keys still read for them.
FIELD_ALIASES = {"statutory_days": "statutory_limit", "promised_days": "promised_limit"}


def disclosure_key(power_id: str) -> str:
    """Key of a power's ``disclosure`` field in a source map (audit A311 points there).

    Examples:
        >>> disclosure_key("XK-001")
        'XK-001#disclosure'
    """
    return f"{power_id}#disclosure"


def is_id(value: str) -> bool:
    """Whether a string is a valid id (SPEC §2).

    Examples:
        >>> is_id("XK-001"), is_id("-x"), is_id("a/b")
        (True, False, False)
    """
    return _ID_RE.match(value) is not None
