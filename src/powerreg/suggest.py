"""Did you mean …? The one close-match helper of every message that offers a correction.

An unknown field, category, unit or post is most often a typo of a declared one; the
messages that say so name the closest declared name, found here.

Examples:
    >>> closest("lable", ["label", "role", "days"])
    'label'
    >>> closest("环境监察局处长", ["环境监察局局长", "污染防治处处长"])
    '环境监察局局长'
    >>> closest("x", ["label"]) is None
    True
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

#: Longest word a correction is looked for: a paragraph pasted as a key is no typo, and
#: comparing it with every name would cost more than the message is worth.
LONGEST = 100


def closest(word: str, names: Iterable[str]) -> str | None:
    """The name ``word`` was probably meant to be, or ``None`` if none is close enough
    (:func:`difflib.get_close_matches`, its default cutoff of 0.6)."""
    if len(word) > LONGEST:
        return None
    found = difflib.get_close_matches(word, list(names), n=1)
    return found[0] if found else None
