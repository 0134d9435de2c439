"""Registry text made safe for DOT HTML-like labels, and wrapped to fit its box."""

from __future__ import annotations

import re
from functools import lru_cache

# ---------------------------------------------------------------------------- text

#: Characters XML 1.0 forbids (graphviz parses HTML-like labels with expat) and lone
#: surrogates, which cannot be written as UTF-8.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")

_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "'": "&#39;",
        # graphviz expands \N, \G, \E, \T, \H, \L even in HTML-like labels; a doubled
        # backslash comes out as one.
        "\\": "&#92;&#92;",
        # DOT punctuation, as character references: inert inside an HTML string already,
        # and inert too should a label ever be moved out of one.
        "{": "&#123;",
        "}": "&#125;",
        "[": "&#91;",
        "]": "&#93;",
        ";": "&#59;",
        "=": "&#61;",
        "\n": " ",
        "\r": " ",
        "\t": " ",
    }
)


def escape(text: object) -> str:
    """Registry text as the content of a graphviz HTML-like label: the one escaping
    function of this module, applied to every text that comes from a registry.

    Examples:
        >>> escape('a "b" <script> & c]; x [')
        'a &quot;b&quot; &lt;script&gt; &amp; c&#93;&#59; x &#91;'
        >>> escape("\\\\N {x}")
        '&#92;&#92;N &#123;x&#125;'
    """
    return _XML_INVALID.sub("\ufffd", str(text)).translate(_ESCAPES)


_CLOSING = "，。、；：？！）》」』】〕〉”’…—,.;:?!)]}%"
_OPENING = "（《「『【〔〈“‘([{"

#: Characters laid out 1 em wide (East Asian Wide and Fullwidth: CJK, kana, hangul,
#: fullwidth forms); every other character counts 0.6 em.
_WIDE = (
    "\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
    "\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff01-\uff60"
    "\uffe0-\uffe6\U0001f300-\U0001f64f\U0001f900-\U0001f9ff\U00020000-\U0003fffd"
)
_WIDE_CHARS = re.compile(f"[{_WIDE}]")
_O, _C = re.escape(_OPENING), re.escape(_CLOSING)
#: What a line may not break inside: opening punctuation, then a CJK character or a
#: word of other characters, then closing punctuation; or a space.
_TOKEN = re.compile(
    f"[{_O}]*(?:(?![{_O}{_C}])[{_WIDE}]|[^\\s{_WIDE}{_O}]+)[{_C}]*|[{_O}]+[{_C}]*|[{_C}]+| |."
)


def text_em(text: str) -> float:
    """Approximate width of a text in em: 1 for a CJK character, 0.6 for others.

    Examples:
        >>> text_em("审批ab")
        3.2
    """
    return 0.6 * len(text) + 0.4 * len(_WIDE_CHARS.findall(text))


def _tokens(text: str) -> list[tuple[str, float]]:
    """Units a line may not break inside, with their widths."""
    return [(token, _token_em(token)) for token in _TOKEN.findall(text)]


@lru_cache(maxsize=1 << 14)
def _token_em(token: str) -> float:
    """:func:`text_em` of a token, remembered: most tokens are one CJK character, and the
    same few thousand recur in every chart of a registry."""
    return text_em(token)


def wrap(text: str, width: float, *, balance: bool = True) -> list[str]:
    """Break a text into lines of at most ``width`` em, between CJK characters or at
    spaces, never before closing or after opening punctuation; the lines are balanced,
    so that no line is left with a single character (unless not ``balance``: each line
    filled in turn, as a paragraph of running text).

    Examples:
        >>> wrap("不予受理通知书送达申请人", 11)
        ['不予受理通知', '书送达申请人']
        >>> wrap("不予受理通知书送达申请人", 11, balance=False)
        ['不予受理通知书送达申请', '人']
        >>> wrap("EIA report form", 5)
        ['EIA', 'report', 'form']
    """
    text = " ".join(text.split())
    total = text_em(text)
    if total <= width:
        return [text] if text else []
    tokens = _tokens(text)
    lines = _greedy(tokens, width)
    if not balance:
        return lines
    # Balance: the narrowest measure, in half-em steps from the average line, that needs
    # no more lines (usually the first or second one tried)
    measure = int(2 * total / len(lines)) / 2
    while measure < width:
        balanced = _greedy(tokens, measure)
        if len(balanced) <= len(lines):
            return balanced
        measure += 0.5
    return lines


def _greedy(tokens: list[tuple[str, float]], width: float) -> list[str]:
    """Fill lines up to ``width``, in one pass over the tokens (linear in the text:
    a line is joined once, a long word cut in one pass over its characters)."""
    lines: list[str] = []
    parts: list[str] = []
    used = 0.0
    for token, size in tokens:
        if token == " ":
            if parts:
                parts.append(token)
                used += size
            continue
        if parts and used + size > width:
            lines.append("".join(parts).rstrip())
            parts, used = [], 0.0
        if size > width and not parts:  # a word longer than a line: cut it
            pieces, token = _cut(token, width)
            lines += pieces
            size = text_em(token)
        parts.append(token)
        used += size
    line = "".join(parts)
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _cut(word: str, width: float) -> tuple[list[str], str]:
    """A word longer than a line as full lines and the rest (at least one character
    per line, should a single character be wider than ``width``)."""
    # widths in fifths of an em (0.6 em = 3, 1 em = 5): exact sums, no float drift
    limit = width * 5
    wide = {m.start() for m in _WIDE_CHARS.finditer(word)}
    pieces: list[str] = []
    start, used = 0, 0
    for i in range(len(word)):
        w = 5 if i in wide else 3
        if i > start and used + w > limit:
            pieces.append(word[start:i])
            start, used = i, 0
        used += w
    return pieces, word[start:]


@lru_cache(maxsize=1 << 16)
def _lines(text: str, width: float, max_lines: int | None = None) -> str:
    """Wrapped, escaped, joined with ``<BR/>``; cut with an ellipsis past ``max_lines``.

    Remembered for the last 65,536 texts (a few megabytes): roles, step labels and
    conditions recur across the charts of a registry, and wrapping is most of the cost
    of making a chart's DOT.
    """
    lines = wrap(text, width)
    if max_lines is not None and len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and text_em(last) + 1 > width:
            last = last[:-1]
        lines = [*lines[: max_lines - 1], last + "…"]
    return "<BR/>".join(escape(line) for line in lines)


def _font(content: str, size: int | None = None, color: str | None = None) -> str:
    attrs = (f' POINT-SIZE="{size}"' if size else "") + (f' COLOR="{color}"' if color else "")
    return f"<FONT{attrs}>{content}</FONT>" if attrs else content


def _html(table: str) -> str:
    """An HTML-like label (the graphviz library passes ``<…>`` through unquoted)."""
    return f"<{table}>"
