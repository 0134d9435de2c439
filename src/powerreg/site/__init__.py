"""The public website (外网公开): every power published as a static site citizens read.

:func:`publish_site` writes, into a new directory that replaces the target whole when
complete (:func:`powerreg.atomic.new_directory`)::

    index.html                 the department, the report's sentence, a card per
                               category, the risk levels as a small chart, a search box
    categories/<code>.html     a category's powers and its overview diagram
    powers/<id>.html           every public field of a power with a Chinese label, each
                               flowchart inline and as text, the risk points by level
                               with their countermeasures by stage, how to complain
    risks.html                 every risk point, filtered by level, type and category
                               in the browser (static/risks.js)
    search.html                exact substring search of any length (static/search.js
                               over search/, see :mod:`.searchindex`)
    about.html downloads.html  the provenance statement; the CSV, JSON and catalog
    charts/ static/ downloads/ search/

Design decisions, and why:

* **Static files only**, so the site can sit on any web server or intranet share; no
  CDN, web font or script from elsewhere, and a Content-Security-Policy that allows
  this site's files only (:data:`.pages.CSP`): no inline script (the JavaScript is in
  files) and no style attribute anywhere (the small charts are SVG).
* **Jinja2 with autoescape on** renders every page (:mod:`.pages`): registry text is
  escaped wherever it lands; the chart SVGs come from :mod:`powerreg.render`, which
  escapes its labels, and are only trimmed to be inlined (:mod:`.charts`).
* **What is not public stays out** (:mod:`.public`, :mod:`.policy`): a withheld power
  keeps its name and reason only, in the pages, the search, the charts and the
  downloads alike; a publish policy leaves out named fields. A power withheld without a
  reason (audit A311) stops the site: :class:`NotPublishable`.
* **Search by substring, not by word** (:mod:`.searchindex`): a positional bigram
  index, sharded so that the browser fetches only the parts a query needs, gives
  exactly the powers whose text contains the query — 审批 and 自由裁量权 alike —
  where a word index (Pagefind's) depends on how its segmenter cut the text.
* **One page at a time**: pages, the index and the downloads are written as the powers
  come, so a 10,000-power site does not hold its pages in memory.
* **A build draws once**: ``powerreg build`` passes the charts it drew and the catalog
  it exported; the site takes them whenever it publishes the registry whole (the charts
  as hard links where it can). It passes them still being made: the site waits for the
  charts only to finish the pages that show them (:mod:`.deferred`), and for the
  catalog only to copy it into its downloads.
* **Two cores**: where a core is free, the search index is built by another process
  while the pages are written (:mod:`.indexworker`; ``POWERREG_PARALLEL=0`` keeps it in
  the process), which ``powerreg build`` starts with the build (:mod:`.early`); the
  compiled templates are kept in powerreg's cache directory.

Examples:
    >>> import tempfile, powerreg
    >>> from pathlib import Path
    >>> from powerreg.site import PublishPolicy, publish_site
    >>> out = Path(tempfile.mkdtemp()) / "site"
    >>> result = publish_site(powerreg.load("examples/minimal"), out,
    ...                       policy=PublishPolicy(omit={"responsible"}))
    >>> (out / "powers" / "XK-001.html").is_file(), result.omitted
    (True, ['responsible'])
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazyface import attach

if TYPE_CHECKING:
    from .pages import CSP
    from .policy import CHART_FIELDS, OMITTABLE, PublishPolicy
    from .public import public_power, public_registry, search_fields
    from .publish import (
        MARKER,
        NotPublishable,
        SiteResult,
        check_publishable,
        publish_site,
        summary_json,
    )
    from .searchindex import Fetcher, Hit, SearchIndex, find, lookup

# each name imported with its module when first asked for (powerreg.lazyface): a build
# imports the site's modules and Jinja2 when it comes to the site, by which time its
# dot processes are drawing, not before it can start them
__getattr__, __dir__ = attach(
    __name__,
    {
        ".pages": ("CSP",),
        ".policy": ("CHART_FIELDS", "OMITTABLE", "PublishPolicy"),
        ".public": ("public_power", "public_registry", "search_fields"),
        ".publish": (
            "MARKER",
            "NotPublishable",
            "SiteResult",
            "check_publishable",
            "publish_site",
            "summary_json",
        ),
        ".searchindex": ("Fetcher", "Hit", "SearchIndex", "find", "lookup"),
    },
)

__all__ = [
    "CHART_FIELDS",
    "CSP",
    "MARKER",
    "OMITTABLE",
    "Fetcher",
    "Hit",
    "NotPublishable",
    "PublishPolicy",
    "SearchIndex",
    "SiteResult",
    "check_publishable",
    "find",
    "lookup",
    "public_power",
    "public_registry",
    "publish_site",
    "search_fields",
    "summary_json",
]
