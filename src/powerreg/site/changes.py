"""The notice of changes (变更公示): what changed since the previous edition, as the public
may read it.

A change is shown when the public may see what it is about: review warnings (``D2xx``)
are for the reviewers, not the public; a change to a field the publish policy leaves out
is left out with it; a withheld power shows only that it was added, removed, renamed or
re-numbered (its name is public, its content is not). The notice's sentence is made from
the changes shown, so it never counts what the page does not show.

Examples:
    >>> from powerreg.diff import Diff
    >>> from powerreg.errors import problem
    >>> from powerreg.site.policy import PublishPolicy
    >>> d = Diff([problem("D117", None, entity="XK-001/F1/S2", old=1, new=2, field_name="days"),
    ...           problem("D201", None, entity="XK-001/R2", old="高", new="中")])
    >>> [c.code for c in public_changes(d, None, PublishPolicy())]
    ['D117']
    >>> public_changes(d, None, PublishPolicy(omit={"days"}))
    []
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from ..errors import Problem
from ..model import Registry
from .policy import PublishPolicy

if TYPE_CHECKING:  # the caller made the diff: the site does not import the diff package
    from ..diff import Diff

#: Changes a withheld power still shows: its name is public.
_NAME_ONLY = frozenset({"D101", "D102", "D103", "D104"})
#: The field each step change concerns, where the code says it.
_CODE_FIELD = {"D117": "days"}


def public_changes(diff: Diff, public: Registry | None, rules: PublishPolicy) -> list[Problem]:
    """The changes of ``diff`` the public site shows (see the module's rules)."""
    shown = []
    for c in diff.changes:
        if c.severity == "warning":
            continue
        name = c.params.get("field_name") or _CODE_FIELD.get(c.code)
        if isinstance(name, str) and rules.omits(name):
            continue
        power_id = (c.entity or "").split("/")[0]
        power = public.powers.get(power_id) if public is not None else None
        if power is not None and not power.is_public and c.code not in _NAME_ONLY:
            continue
        shown.append(c)
    return shown


def changes_context(
    diff: Diff, public: Registry, rules: PublishPolicy, edition: date
) -> dict[str, Any]:
    """What the 变更公示 page shows: the edition's date, the sentence, one row per change."""
    shown = public_changes(diff, public, rules)
    rows = []
    for c in shown:
        power_id = (c.entity or "").split("/")[0]
        rows.append(
            {
                "power": power_id,
                "link": power_id in public.powers,
                "text": c.message("zh"),
                "code": c.code,
            }
        )
    return {
        "edition": edition,
        "previous": diff.old,
        "summary": type(diff)(shown).summary("zh"),  # a Diff of the shown changes
        "rows": rows,
    }
