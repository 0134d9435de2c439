"""The site's search index started with the build, before the build's threads.

``powerreg build`` makes its site last, while ``dot`` draws from threads of its own
(:mod:`powerreg.mainjob`); by then a forked child could copy those threads' locks in
whatever state they are, so the site's index worker had to be a new Python, given the
documents pickled: a start of some 0.05 s and the documents made by the build, on cores
the drawing needs. The index needs nothing but the registry and the publish policy, so
:func:`start_index` forks its child as the build starts, before any thread: the child
makes the documents itself (:func:`.public.search_docs`) and writes the index into a
directory of the build's; :func:`powerreg.site.publish_site` takes it from there
(``search=``) into the site, where it would have built it. The site is the same.
``publish_site`` itself starts its index so when it draws the charts itself (``powerreg
site``), before its drawing's threads.

For a registry of :data:`~powerreg.machine.FORK_REGISTRY_POWERS` powers or more the
documents are made here before the fork (0.2 s for 10,000 powers) and the child reads
only them: a child that read every power of a big registry would copy it (Python counts
every reference it takes). Where no second process helps (:func:`.indexworker.wanted`)
or none may be forked (this process runs threads: :func:`.indexworker.forkable`),
:func:`start_index` gives ``None`` and the site starts its index as before.

Examples:
    >>> import powerreg, tempfile
    >>> from pathlib import Path
    >>> reg = powerreg.load("examples/minimal")
    >>> work = Path(tempfile.mkdtemp())
    >>> early = start_index(reg, None, work / "search")
    >>> site = powerreg.site.publish_site(reg, work / "site", search=early)
    >>> (work / "site" / "search" / "meta.json").is_file(), (work / "search").exists()
    (True, False)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .. import machine
from ..model import Registry
from . import indexworker
from .policy import PublishPolicy, as_policy
from .public import public_registry, search_docs


@dataclass
class EarlyIndex:
    """An index being built for the site of a registry under ``policy``."""

    job: indexworker.IndexJob
    policy: PublishPolicy

    def stop(self) -> None:
        """Kill the child if it is still at work (the build failed first)."""
        self.job.stop()


def start_index(
    registry: Registry,
    policy: PublishPolicy | str | os.PathLike[str] | None,
    out: Path,
) -> EarlyIndex | None:
    """The search index of ``registry``'s site under ``policy``, being written under
    ``out`` by a forked child; ``None`` where none is started (see the module).

    Raises:
        UsageError: a bad policy file (as :func:`powerreg.site.publish_site` would).
    """
    if not (indexworker.wanted() and indexworker.forkable()):  # a core to spare, no thread
        return None
    rules = as_policy(policy)
    docs: indexworker.Docs
    if len(registry.powers) >= machine.FORK_REGISTRY_POWERS:  # made here: the child reads
        docs = search_docs(public_registry(registry, rules))  # them, not every power
    else:
        docs = lambda: search_docs(public_registry(registry, rules))  # noqa: E731
    job = indexworker.start(docs, out)
    return None if job is None else EarlyIndex(job, rules)
