"""Registry text made safe to show: in a diagnostic line, and inside Markdown.

Registry text, file names, case ids and log fields are data. Shown raw, a newline in a
step label would print a second, forged ``FILE:LINE: CODE`` line; an ANSI escape would
reach the terminal; ``![](https://…)`` in a Markdown report would load a remote image,
and a carriage return would start a forged heading. Every message passes through
:func:`one_line`; every piece of Markdown built from data through :func:`md_cell`.

Examples:
    >>> one_line("S1\\nF.yaml:1:1: E001 forged\\x1b[31m")
    'S1\\\\nF.yaml:1:1: E001 forged\\\\x1b[31m'
    >>> md_cell("a | b <script> ![x](http://e/i.png)\\r# head")
    'a \\\\| b &lt;script&gt; \\\\!\\\\[x\\\\]\\\\(http://e/i.png\\\\) \\\\# head'
    >>> excerpt("x" * 100, 10)
    'xxxxxxxxx…'
"""

from __future__ import annotations

import re

#: Characters that end or rewrite a line, or drive a terminal: C0 and C1 controls (tab
#: aside), DEL, and Unicode's line and paragraph separators.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\x1b": "\\x1b", "\x00": "\\x00"}

#: Longest value a message quotes whole; longer ones are cut (with an ellipsis).
EXCERPT = 400

#: Most characters of a value that a message quotes: a whole file read as one string
#: (a text file in powers/, a link to /etc/passwd) must not come back inside a message.
SNIPPET = 60


def _escape(m: re.Match[str]) -> str:
    ch = m.group()
    return _NAMED.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")


def one_line(text: str) -> str:
    """``text`` with every control character and line break shown escaped (``\\n``,
    ``\\x1b``, ``\\u2028``), and lone surrogates (from a broken log) shown as ``\\udxxx``,
    so it prints as part of one line and cannot drive a terminal."""
    if text.isprintable():  # the common case: nothing to escape (both are unprintable)
        return text
    text = _CONTROL.sub(_escape, text)
    if _SURROGATE.search(text):
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """At most ``limit`` characters of ``text``, the last one an ellipsis if cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def snippet(value: object) -> str:
    """A value as a message quotes it: at most :data:`SNIPPET` characters, the last an
    ellipsis if it was cut.

    Examples:
        >>> snippet("root:x:0:0:root:/root:/bin/bash daemon:x:1:1:daemon:/usr/sbin:/bin/sh")
        'root:x:0:0:root:/root:/bin/bash daemon:x:1:1:daemon:/usr/sb…'
        >>> snippet(10**30)
        '1000000000000000000000000000000'
    """
    try:
        text = str(value)
    except ValueError:  # an int past Python's 4,300-digit limit of str()
        return "a number too long to show"
    return excerpt(text, SNIPPET)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")
_MD_BREAK = re.compile("[\r\n\x0b\x0c\x85\u2028\u2029]+")


def md_cell(text: str) -> str:
    """Text safe inside a Markdown table cell or list item: no line break of any kind,
    no link, image, emphasis, code or heading syntax, no HTML (``&``, ``<``, ``>`` as
    entities), no table cell break, and no control character."""
    text = _MD_BREAK.sub(" ", text)
    text = one_line(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)
