"""The languages powerreg speaks, and the one rule for choosing one.

Every message (E, A and M codes, report headings, summary lines) exists in Chinese and
English; the language is chosen when the message is shown, never when it is found.

Examples:
    >>> import os
    >>> os.environ["LC_ALL"] = "zh_CN.UTF-8"; default_lang()
    'zh'
    >>> os.environ["LC_ALL"] = "C.UTF-8"; default_lang()
    'en'
    >>> del os.environ["LC_ALL"]
"""

from __future__ import annotations

import locale
import os
from typing import Literal

Lang = Literal["en", "zh"]

#: Every language, in the order help texts list them.
LANGS: tuple[Lang, ...] = ("zh", "en")


def checked_lang(lang: object) -> Lang | None:
    """``lang`` as a function of the library takes it: ``en``, ``zh`` or ``None`` (from
    the locale), checked before any work is done.

    Raises:
        ValueError: anything else.

    Examples:
        >>> checked_lang("zh"), checked_lang(None)
        ('zh', None)
        >>> checked_lang("fr")
        Traceback (most recent call last):
        ...
        ValueError: lang is 'en' or 'zh' (or None: from the locale), not 'fr'
    """
    if lang is None or lang == "en" or lang == "zh":
        return lang
    raise ValueError(f"lang is 'en' or 'zh' (or None: from the locale), not {lang!r}")


def default_lang() -> Lang:
    """``zh`` when the locale is Chinese (LC_ALL, LC_MESSAGES, LANG), else ``en``."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    loc = locale.getlocale()[0] or ""
    return "zh" if loc.lower().startswith("zh") else "en"
