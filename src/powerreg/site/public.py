"""What the public reads of a power: withheld powers reduced, left-out fields removed.

:func:`public_power` is the one place that decides what of a power reaches the website
— its pages, its search index, its charts and its downloads all start from it:

* a power withheld from the public (``disclosure: {public: false, reason: …}``) keeps
  its id, category, name, 实施主体, 承办机构 and the reason, and nothing else: no
  flowchart, no risk point, no legal basis;
* a field the publish policy leaves out (:mod:`.policy`) is emptied wherever it occurs.

A power that loses nothing is returned as it is (no copy), so a registry published
whole costs no memory. :func:`search_fields` lists the texts of a public power as its
page shows them: what the search must find, and :func:`search_docs` a registry's.

Examples:
    >>> import powerreg
    >>> from powerreg.site.policy import PublishPolicy
    >>> power = powerreg.load("examples/minimal").powers["XK-001"]
    >>> public_power(power, PublishPolicy()) is power
    True
    >>> shown = public_power(power, PublishPolicy(omit={"responsible"}))
    >>> {m.responsible for r in shown.risk_points for m in r.countermeasures}
    {None}
    >>> {m.responsible for r in power.risk_points for m in r.countermeasures} != {None}
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..model import LABELS_ZH, Power, Registry
from .policy import PublishPolicy

_POWER_LISTS = ("legal_basis", "responsibilities", "accountability")
_POWER_OPTIONAL = ("name_en", "statutory_limit", "promised_limit", "fee", "description")


#: What a withheld power's subject and division say where a download or the catalog has
#: a cell for them (both are required: a catalog of the site is read back as a registry).
NOT_SAID = "不予公开"


def public_power(power: Power, policy: PublishPolicy) -> Power:
    """The power as the public site shows it (the power itself when nothing is left out)."""
    if not power.is_public:  # its name and reason only; who handles it, not said either
        return power.model_copy(
            update={
                "subject": NOT_SAID,
                "division": NOT_SAID,
                "name_en": None,
                "legal_basis": [],
                "statutory_limit": None,
                "promised_limit": None,
                "fee": None,
                "description": None,
                "responsibilities": [],
                "accountability": [],
                "flowcharts": [],
                "risk_points": [],
            }
        )
    update: dict[str, Any] = {}
    for name in _POWER_LISTS:
        if policy.omits(name) and getattr(power, name):
            update[name] = []
    for name in _POWER_OPTIONAL:
        if policy.omits(name) and getattr(power, name) is not None:
            update[name] = None
    steps = {n for n in ("role", "days") if policy.omits(n)}
    if steps and any(getattr(s, n) is not None for _, s in power.iter_steps() for n in steps):
        update["flowcharts"] = [
            fc.model_copy(
                update={"steps": [s.model_copy(update=dict.fromkeys(steps)) for s in fc.steps]}
            )
            for fc in power.flowcharts
        ]
    scores = {n for n in ("likelihood", "impact") if policy.omits(n)}
    who = policy.omits("responsible")
    if (scores and any(getattr(r, n) is not None for r in power.risk_points for n in scores)) or (
        who and any(m.responsible for r in power.risk_points for m in r.countermeasures)
    ):
        update["risk_points"] = [
            r.model_copy(
                update={
                    **dict.fromkeys(scores),
                    "countermeasures": [
                        m.model_copy(update={"responsible": None}) if who else m
                        for m in r.countermeasures
                    ],
                }
            )
            for r in power.risk_points
        ]
    if not update:
        return power
    shown = power.model_copy(update=update)
    shown.assign_global_ids()  # the copies of steps and risk points know their ids
    return shown


def public_registry(registry: Registry, policy: PublishPolicy) -> Registry:
    """The registry as published: every power through :func:`public_power`; the registry
    itself when no power loses anything."""
    powers = {pid: public_power(p, policy) for pid, p in registry.powers.items()}
    if all(powers[pid] is p for pid, p in registry.powers.items()):
        return registry
    return registry.model_copy(update={"powers": powers})


def withheld_reason(power: Power) -> str | None:
    """The reason a withheld power is not published; ``None`` for a public power."""
    if power.is_public or power.disclosure is None:
        return None
    return power.disclosure.reason or ""


def search_fields(power: Power, category_name: str) -> list[str]:
    """Every text a public power's page shows, field by field: what a search must find.

    A query matches a power when it is a substring of one of these texts; a match never
    runs from one field into the next.

    Examples:
        >>> import powerreg
        >>> reg = powerreg.load("examples/minimal")
        >>> fields = search_fields(reg.powers["XK-001"], "行政许可")
        >>> fields[:2], fields[3]
        (['XK-001', '建设项目环境影响报告表审批'], '行政许可')
    """
    reason = withheld_reason(power)
    if reason is not None:
        return [power.id, power.name, category_name, reason]
    out = [power.id, power.name, power.name_en or "", category_name, *power.legal_basis]
    out += [power.subject, power.division]
    for limit in (power.statutory_limit, power.promised_limit):
        if limit is not None:
            out.append(limit.text("zh"))
    out += [power.fee or "", power.description or "", *power.responsibilities]
    out += power.accountability
    for fc in power.flowcharts:
        out.append(fc.title)
        for s in fc.steps:
            out += [s.label, s.role or ""]
        out += [t.when or "" for t in fc.transitions]
    for r in power.risk_points:
        out += [r.description, LABELS_ZH[r.type.value]]
        for m in r.countermeasures:
            out += [m.description, m.responsible or ""]
    return [text for text in out if text]


def search_docs(public: Registry) -> list[tuple[str, str, str, Sequence[str]]]:
    """The search index's documents of a published registry (:func:`public_registry`),
    in the order of the power ids: each power's id, name, category name and
    :func:`search_fields`.

    Examples:
        >>> import powerreg
        >>> [doc[::2] for doc in search_docs(powerreg.load("examples/minimal"))]
        [('CF-001', '行政处罚'), ('XK-001', '行政许可')]
    """
    categories = {c.code: c.name for c in public.categories}
    docs: list[tuple[str, str, str, Sequence[str]]] = []
    for pid in sorted(public.powers):
        power = public.powers[pid]
        name = categories[power.category]
        docs.append((pid, power.name, name, search_fields(power, name)))
    return docs
