"""Chinese text as search tokens: every run of 1 to ``NGRAM_MAX`` Chinese characters.

Why n-grams, and why in a shadow column. Chinese is written without spaces, so SQLite's
``unicode61`` tokenizer sees a whole clause (违规审批) as one token, and the ``trigram``
tokenizer finds nothing for a query under three characters — yet most Chinese words are
two (审批, 处罚, 受理). A custom tokenizer would need C (Python's ``sqlite3`` cannot
register one), and Datasette's search box must work with plain SQLite. So the text is
indexed, with the ordinary ``unicode61`` tokenizer, as space-separated tokens: each run of
Chinese characters becomes its characters, its bigrams, … up to its ``NGRAM_MAX``-grams,
and other text (words, numbers) stays as it is.

A query of up to ``NGRAM_MAX`` characters is then a single token and matches exactly
the texts that contain it. That is what Datasette's ``?_search=审批`` sends: it quotes each
space-separated term (``"审批"``), the tokenizer keeps it whole, and it meets the bigram
token. :func:`fts_query` does the same for the library's own search and handles longer
runs too: a run of n > ``NGRAM_MAX`` characters becomes its ``NGRAM_MAX``-grams (all must
occur), and the caller checks the candidates for the exact substring (:func:`fold`), so
a search never reports a text that does not contain what was asked for.

``NGRAM_MAX`` is 4 so that Datasette's box finds the words that matter — two-character
words and four-character terms such as 自由裁量 and 电子监察 — without a plugin. The
index holds about four tokens per character, the price of that: at 100,000 powers it is
more than half the work of an export, which therefore builds it on a second core
(:mod:`.searchworker`; ``benchmarks/bench_export.py``). Longer words are found by
:func:`~powerreg.catalog.search` and by the ``search_text`` canned query.

Examples:
    >>> index_text("违规审批")
    ' 违 规 审 批 违规 规审 审批 违规审 规审批 违规审批 '
    >>> index_text("GB3095标准", None)
    'GB3095 标 准 标准 '
    >>> fts_query("审批")
    FtsQuery(match='"审批"', verify=())
    >>> fts_query("环境影响评价")
    FtsQuery(match='"环境影响" AND "境影响评" AND "影响评价"', verify=('环境影响评价',))
    >>> fts_query('"; DROP TABLE powers; --').match  # FTS5 syntax is only text here
    '"DROP" AND "TABLE" AND "powers"'
"""

from __future__ import annotations

import re
import unicodedata
from operator import add, itemgetter
from typing import Any, NamedTuple

#: Longest run of Chinese characters indexed as one search token. This module imports
#: nothing of powerreg's, so that the search-index worker process starts at once.
NGRAM_MAX = 4

# Han ideographs (basic, extension A, compatibility, the supplementary planes) and kana:
# scripts written without spaces between words. Letters only (Unicode category Lo), so
# the unicode61 tokenizer keeps every n-gram whole.
_CJK = (
    "\u3041-\u3096\u30a1-\u30fa\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\U00020000-\U0002fa1f\U00030000-\U0003134f"
)
_CJK_RUN = re.compile(f"[{_CJK}]+")
# What unicode61 keeps as one token outside Chinese runs: letters and digits.
_WORD = re.compile(rf"[^\W_{_CJK}]+")


# The full-width punctuation of nearly every Chinese text, with its NFKC form (，→ ,).
_PUNCTUATION = [(c, unicodedata.normalize("NFKC", c)) for c in "，：；（）！？\u3000"]


def _normal(text: str) -> str:
    """``text`` in NFKC, which folds full-width forms (２０１１, ＡＢＣ, ，) into their
    ordinary ones.

    Chinese text is seldom NFKC only for its full-width punctuation, and replacing a few
    characters costs a fifth of ``unicodedata.normalize``. Replacing characters by their
    own NFKC form keeps the string's compatibility decomposition (NFKD), hence its NFKC;
    so if the result is in NFKC, it is NFKC of ``text``; otherwise normalize does it all.

    Examples:
        >>> _normal("审批（ＩＳＯ），ｶﾞ")
        '审批(ISO),ガ'
    """
    if unicodedata.is_normalized("NFKC", text):
        return text
    folded = text
    for wide, narrow in _PUNCTUATION:
        folded = folded.replace(wide, narrow)
    if unicodedata.is_normalized("NFKC", folded):
        return folded
    return unicodedata.normalize("NFKC", text)


def _grams(run: str) -> str:
    """The 1- to NGRAM_MAX-grams of one run of Chinese characters, space-separated: the
    characters, then the bigrams, and so on, each from the left.

    Examples:
        >>> _grams("违规审批")
        '违 规 审 批 违规 规审 审批 违规审 规审批 违规审批'
    """
    n = len(run)
    if n == 1:
        return run
    cut = _CUTS.get(n)
    if cut is None:
        if n > _CUT_MAX:
            return _grams_of_a_long_run(run)
        cut = _CUTS[n] = itemgetter(
            *(slice(i, i + k) for k in range(1, min(NGRAM_MAX, n) + 1) for i in range(n - k + 1))
        )
    # one C call cuts every gram: half the time of building them gram by gram
    return " ".join(cut(run))


#: Longest run whose cuts are kept (``_CUTS``); longer ones are cut gram by gram.
_CUT_MAX = 64

#: For each length of a run up to ``_CUT_MAX``: the slices of all its n-grams, in order.
_CUTS: dict[int, itemgetter[Any]] = {}


def _grams_of_a_long_run(run: str) -> str:
    out = [" ".join(run)]
    grams: str | list[str] = run
    for k in range(1, min(NGRAM_MAX, len(run))):
        grams = list(map(add, grams, run[k:]))  # the (k+1)-grams
        out.append(" ".join(grams))
    return " ".join(out)


def _spaced(match: re.Match[str]) -> str:
    return f" {_grams(match.group())} "


def index_text(*texts: str | None) -> str:
    """The indexed form of some texts: words as they are, Chinese runs as n-grams."""
    joined = "\n".join(t for t in texts if t)
    return _CJK_RUN.sub(_spaced, _normal(joined))


def fold(*texts: str | None) -> str:
    """Texts in the form exact matches are checked in: NFKC, case-folded, one per line.

    Examples:
        >>> fold("ＩＳＯ 审批", None, "Abc")
        'iso 审批\\nabc'
    """
    return "\n".join(_normal(t).casefold() for t in texts if t)


class FtsQuery(NamedTuple):
    """An FTS5 MATCH expression, and the substrings every hit must contain as well."""

    match: str
    verify: tuple[str, ...]


def _pieces(term: str) -> tuple[list[str], bool]:
    """The tokens a term must match, and whether matching them proves the term occurs."""
    pieces: list[str] = []
    segments = 0
    exact = True
    pos = 0
    for m in _CJK_RUN.finditer(term):
        words = _WORD.findall(term, pos, m.start())
        pieces += words
        segments += len(words) + 1
        run = m.group()
        if len(run) <= NGRAM_MAX:
            pieces.append(run)
        else:
            exact = False
            grams = (run[i : i + NGRAM_MAX] for i in range(len(run) - NGRAM_MAX + 1))
            pieces += dict.fromkeys(grams)
        pos = m.end()
    words = _WORD.findall(term, pos)
    pieces += words
    segments += len(words)
    # several pieces must also be adjacent and in order, which the index cannot tell
    return pieces, exact and segments <= 1


def fts_query(query: str) -> FtsQuery | None:
    """The MATCH expression for a user's query; None if it has nothing to search for.

    Terms separated by spaces must all occur (AND). Each piece goes into the expression
    as a quoted string of letters and digits only, so no query can inject FTS5 syntax.
    """
    parts: list[str] = []
    verify: list[str] = []
    for term in _normal(query).split():
        pieces, exact = _pieces(term)
        if not pieces:
            continue
        parts += (f'"{p}"' for p in pieces)
        if not exact:
            verify.append(term.casefold())
    if not parts:
        return None
    return FtsQuery(" AND ".join(dict.fromkeys(parts)), tuple(dict.fromkeys(verify)))
