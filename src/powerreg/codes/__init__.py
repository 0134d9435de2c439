"""Every diagnostic code of powerreg, with its severity, title and message templates.

One home for the three families, each in its own module:

* ``E0xx`` — :mod:`.load_codes`: a registry that does not load (SPEC §3);
* ``A1xx``–``A4xx`` — :mod:`.audit_codes`: findings of the audit (SPEC §4);
* ``M0xx``–``M2xx`` — :mod:`.monitor_codes`: rows left out, deviations and alerts of the
  electronic supervision;
* ``D1xx``–``D2xx`` — :mod:`.diff_codes`: changes between two editions of a registry;

and, without a published code, what a command says when it refuses (bad arguments, an
output it cannot write): :mod:`.usage_codes`, keyed ``area.what``
(:class:`~powerreg.errors.UsageError`, :func:`render_usage`).

A template is chosen by a key, the code itself or ``CODE.variant`` where one code says
different things (``E002.missing``, ``M202.step``), and exists in Chinese and English.
Messages are rendered only when shown (:func:`render`), so one
:class:`~powerreg.errors.Problem` prints in either language, as text, JSON, Markdown or
SARIF. A code, once published, keeps its meaning.

Examples:
    >>> render("E002.missing", "en", {"field": "label"})
    "missing required field 'label'; add it"
    >>> render("E002.missing", "zh", {"field": "label"})
    '缺少必填字段 label：请补上'
    >>> CODES["A302"].severity, CODES["A302"].title["en"]
    ('warning', 'high risk point with fewer than `min_high_measures` countermeasures')
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, Protocol, cast

from ..lang import Lang
from ..textsafe import excerpt, one_line, snippet
from .audit_codes import AUDIT
from .diff_codes import DIFF
from .load_codes import KINDS, LOAD
from .monitor_codes import MONITOR
from .usage_codes import USAGE

Severity = Literal["error", "warning", "info"]

#: Order of gravity: what ``--fail-on`` compares.
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}


@dataclass(frozen=True)
class Code:
    """A published code: default severity, a one-line title and its templates."""

    code: str
    severity: Severity
    title: Mapping[Lang, str]
    #: ``""`` for the code's own template, else the variant's name
    templates: Mapping[str, Mapping[Lang, str]]


def _codes(table: Mapping[str, Mapping[str, Any]]) -> dict[str, Code]:
    templates: dict[str, dict[str, Mapping[str, Any]]] = {}
    for key, entry in table.items():
        code, _, variant = key.partition(".")
        templates.setdefault(code, {})[variant] = entry
    return {
        code: Code(code, t[""]["severity"], t[""]["title"], cast(Any, t))
        for code, t in templates.items()
    }


#: Every code, by code.
CODES: dict[str, Code] = {**_codes(LOAD), **_codes(AUDIT), **_codes(MONITOR), **_codes(DIFF)}


def template(key: str, lang: Lang) -> str:
    """The template of ``key`` (``CODE`` or ``CODE.variant``) in ``lang``."""
    code, _, variant = key.partition(".")
    return CODES[code].templates[variant][lang]


class Localized(Protocol):
    """Anything that says itself in either language (a :class:`Phrase`, a
    :class:`~powerreg.errors.UsageError` given as another message's reason)."""

    def in_lang(self, lang: Lang) -> str: ...


def shown(value: Any, lang: Lang) -> str:
    """A message parameter as shown: a ``{"en": …, "zh": …}`` pair, a :class:`Phrase` or
    a refusal in ``lang``; text and paths on one line (control characters escaped) and cut to an
    excerpt."""
    if type(value) is str:  # the common case, without an abstract type's check
        return excerpt(one_line(value))
    if type(value) is int or type(value) is float:  # a count, a day: no type's check
        return str(value)
    if isinstance(value, Mapping) and "en" in value and "zh" in value:
        value = value[lang]
    elif isinstance(value, os.PathLike):
        value = os.fspath(value)
    elif callable(getattr(value, "in_lang", None)):
        return cast(Localized, value).in_lang(lang)  # made of shown parameters itself
    if isinstance(value, str):
        return excerpt(one_line(value))
    return str(value)


def render(key: str, lang: Lang, params: Mapping[str, Any]) -> str:
    """The message of ``key`` in ``lang`` with ``params`` filled in (each shown safely)."""
    return template(key, lang).format_map({k: shown(v, lang) for k, v in params.items()})


def render_usage(key: str, lang: Lang, params: Mapping[str, Any]) -> str:
    """What a refusal (:class:`~powerreg.errors.UsageError`) says: the template ``key``
    of :mod:`.usage_codes` in ``lang`` with ``params`` filled in (each shown safely).

    Examples:
        >>> render_usage("atomic.not_dir", "en", {"path": "out", "fix": phrase("fix.new_dir")})
        "'out' exists and is not a directory; choose a new or empty directory"
        >>> render_usage("atomic.not_dir", "zh", {"path": "out", "fix": phrase("fix.new_dir")})
        "'out' 已存在且不是目录；请选择新的目录或空目录"
    """
    return USAGE[key][lang].format_map({k: shown(v, lang) for k, v in params.items()})


class Phrase(NamedTuple):
    """A piece of a message that is itself a template of :mod:`.usage_codes` (``fix.*``,
    ``part.*``), said in the language of the message it is part of."""

    key: str
    params: Mapping[str, Any]

    def in_lang(self, lang: Lang) -> str:
        """The phrase in ``lang``."""
        return render_usage(self.key, lang, self.params)

    def both(self) -> dict[str, str]:
        """The phrase in both languages: a parameter of a problem (which keeps plain data)."""
        return {"en": self.in_lang("en"), "zh": self.in_lang("zh")}


def phrase(key: str, /, **params: Any) -> Phrase:
    """A message parameter said in the message's language: the template ``key`` of
    :mod:`.usage_codes` with ``params``.

    Examples:
        >>> phrase("fix.new_dir").in_lang("zh")
        '请选择新的目录或空目录'
    """
    if key not in USAGE:
        raise KeyError(f"no template {key!r} in powerreg.codes.usage_codes")
    return Phrase(key, params)


def value_kind(value: Any) -> dict[str, str]:
    """A value as a message names it when it is of the wrong type, in both languages:
    short, and its type visible (``the text '…'``, ``the number 3``, ``a mapping``).

    Examples:
        >>> value_kind(3)["en"], value_kind(None)["zh"], value_kind("x" * 99)["en"][-4:]
        ('the number 3', '空值', "xx…'")
    """
    if value is None:
        name, shown = "none", ""
    elif isinstance(value, bool):
        name, shown = "bool", str(value).lower()
    elif isinstance(value, dict):
        name, shown = "mapping", ""
    elif isinstance(value, list):
        name, shown = "list", ""
    elif isinstance(value, bytes):
        name, shown = "blob", f"{len(value):,}"
    elif isinstance(value, (int, float)):
        name, shown = "number", snippet(value)
    else:
        name, shown = "text", snippet(value)
    return {lang: KINDS[name][lang].format(value=shown) for lang in ("en", "zh")}


def localized(en: str, zh: str) -> dict[str, str]:
    """A message parameter that reads differently in each language."""
    return {"en": en, "zh": zh}


__all__ = [
    "CODES",
    "SEVERITY_RANK",
    "USAGE",
    "Code",
    "Localized",
    "Phrase",
    "Severity",
    "localized",
    "phrase",
    "render",
    "render_usage",
    "shown",
    "template",
    "value_kind",
]
