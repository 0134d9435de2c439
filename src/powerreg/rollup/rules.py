"""The cross-department rules A501–A504: what no single department's audit can see.

Each check reads the members' summaries (:mod:`.summary`), never a registry, and yields
:class:`CrossHit` s; :func:`cross_findings` attaches code, severity (from the audit
policy: a rule may be turned ``off`` or given another severity) and position. The codes,
their default severities and templates are in :mod:`powerreg.codes.audit_codes`;
:data:`CROSS_CHECKS` says which check answers for which, as
:data:`powerreg.audit.rulebook.CHECKS` does for the registry's own rules.

Two powers are *the same* when their normalised names and legal bases are
(:func:`~powerreg.rollup.summary.name_key`, :func:`~powerreg.rollup.summary.basis_key`).
A finding about a power is placed at the first holder's power file, in rollup.yaml's
order, and names the others; a finding about a department at its entry in rollup.yaml.

Examples:
    >>> sorted(CROSS_CHECKS)
    ['A501', 'A502', 'A503', 'A504']
    >>> median([0.5, 1.0, 0.25]), median([1.0, 0.0])
    (0.5, 0.5)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..audit import Policy
from ..audit.policy import effective
from ..codes import localized
from ..errors import Problem, problem
from .spec import LEVEL_ZH, Department, Rollup
from .summary import KEY_SEPARATOR, MemberSummary, PowerMark

#: A power as held by one department: where it stands in rollup.yaml, and the power.
Holder = tuple[Department, PowerMark]


@dataclass(frozen=True)
class CrossHit:
    """What a cross-department check reports before code, severity and message."""

    entity: str
    file: str
    line: int
    column: int
    params: dict[str, Any]


@dataclass
class CrossContext:
    """What the cross-department rules read: the roll-up, the summary of every member
    that loaded, and the problems of every member that did not."""

    rollup: Rollup
    summaries: Mapping[str, MemberSummary]
    failures: Mapping[str, Sequence[Problem]] = field(default_factory=dict)

    @cached_property
    def holders(self) -> dict[str, list[Holder]]:
        """Every power key with the powers that have it, departments in file order."""
        index: dict[str, list[Holder]] = {}
        for d in self.rollup.departments:
            s = self.summaries.get(d.id)
            if s is None:
                continue
            for m in s.marks:
                index.setdefault(m.key, []).append((d, m))
        return index


def _hit(holders: Sequence[Holder], params: dict[str, Any]) -> CrossHit:
    d, m = holders[0]
    return CrossHit(f"{d.prefix}{m.pid}", d.where(f"powers/{m.pid}.yaml"), m.line, m.column, params)


def _ids(holders: Sequence[Holder]) -> str:
    return ", ".join(f"{d.prefix}{m.pid}" for d, m in holders)


def _names(holders: Sequence[Holder]) -> str:
    return "、".join(dict.fromkeys(d.name for d, _ in holders))


def _level(d: Department) -> dict[str, str]:
    region = d.region or ""
    en = d.level.value + (f", {region}" if region else "")
    return localized(en, f"{region}{LEVEL_ZH[d.level]}")


def departments_of(finding: Problem, ids: Sequence[str]) -> list[str]:
    """The departments a cross-department finding is about: its own, and those whose
    powers it names (``B:XK-001``), in the order of ``ids``.

    Examples:
        >>> from powerreg.errors import problem
        >>> f = problem("A501", "a.yaml", entity="A:XK-1", name="n", others="C:XK-1, B:XK-2",
        ...             departments="", level="")
        >>> departments_of(f, ["A", "B", "C", "D"])
        ['A', 'B', 'C']
    """
    text = " ".join(str(v) for v in finding.params.values())
    own = (finding.entity or "").split(":", 1)[0]
    named = set(_NAMED.findall(text))
    return [d for d in ids if d == own or d in named]


#: A department's id in front of a power id, as findings name the powers they are about.
_NAMED = re.compile(r"(?<![A-Za-z0-9-])([A-Za-z0-9][A-Za-z0-9-]*):(?=[A-Za-z0-9])")


def median(values: Sequence[float]) -> float:
    """The median of a non-empty list."""
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def _percent(share: float) -> str:
    return f"{share:.0%}"


# ----------------------------------------------------------------------------- checks


def same_power(ctx: CrossContext, policy: Policy) -> Iterator[CrossHit]:
    """The same power — the same name and legal basis, normalised — held by two or more
    departments of one level (and one region, where rollup.yaml gives regions): one of
    them holds it, or they hold two powers that should be told apart."""
    for holders in ctx.holders.values():
        if len({d.id for d, _ in holders}) < 2:
            continue
        peers: dict[tuple[str, str], list[Holder]] = {}
        for d, m in holders:
            peers.setdefault((d.level.value, d.region or ""), []).append((d, m))
        for group in peers.values():
            if len({d.id for d, _ in group}) < 2:
                continue
            first = group[0][0]
            others = [h for h in group if h[0].id != first.id]
            yield _hit(
                group,
                {
                    "name": group[0][1].name,
                    "others": _ids(others),
                    "departments": _names(others),
                    "level": _level(first),
                },
            )


_LIMITS = localized("statutory limits", "法定时限")
_CATEGORIES = localized("categories", "职权类别")


def _statutory(m: PowerMark) -> str | None:
    return m.statutory


def _category(m: PowerMark) -> str | None:
    return m.category


def one_basis(ctx: CrossContext, policy: Policy) -> Iterator[CrossHit]:
    """One power's legal basis given different statutory limits, or a different
    category, in different departments: the law sets one limit and one kind of power
    for all who apply it. Powers that state no statutory limit are not compared on it."""
    for holders in ctx.holders.values():
        if len({d.id for d, _ in holders}) < 2:
            continue
        for what, value in ((_LIMITS, _statutory), (_CATEGORIES, _category)):
            by_value: dict[str, list[Holder]] = {}
            for d, m in holders:
                v = value(m)
                if v is not None:
                    by_value.setdefault(v, []).append((d, m))
            departments = {d.id for group in by_value.values() for d, _ in group}
            if len(by_value) < 2 or len(departments) < 2:
                continue
            yield _hit(
                holders,
                {
                    "name": holders[0][1].name,
                    "basis": holders[0][1].key.split(KEY_SEPARATOR, 1)[1] or "-",
                    "what": what,
                    "values": "; ".join(f"{v}: {_ids(g)}" for v, g in by_value.items()),
                },
            )


def coverage_gap(ctx: CrossContext, policy: Policy) -> Iterator[CrossHit]:
    """A department whose high risk points a supervision or technology countermeasure
    guards less often than its peers' median, by more than the policy's
    ``peer_coverage_gap`` (default 0.2): the other departments of the roll-up that have
    high risk points are its peers."""
    shares = {
        d.id: s.coverage
        for d in ctx.rollup.departments
        if (s := ctx.summaries.get(d.id)) is not None and s.coverage is not None
    }
    for d in ctx.rollup.departments:
        share = shares.get(d.id)
        if share is None:
            continue
        peers = [v for k, v in shares.items() if k != d.id]
        if not peers:
            continue
        typical = median(peers)
        if share < typical - policy.peer_coverage_gap:
            s = ctx.summaries[d.id]
            yield CrossHit(
                d.id,
                ctx.rollup.name,
                d.line,
                d.column,
                {
                    "name": d.name,
                    "covered": s.high_covered,
                    "high": s.high_risks,
                    "share": _percent(share),
                    "peers": _percent(typical),
                    "n": len(peers),
                },
            )


def member_loads(ctx: CrossContext, policy: Policy) -> Iterator[CrossHit]:
    """A member registry that does not load: it is left out of the combined catalog and
    the website, and the other departments are still built. Its problems are listed
    with the report, each at its file and line."""
    for d in ctx.rollup.departments:
        problems = ctx.failures.get(d.id)
        if problems is None:
            continue
        first = problems[0] if problems else None
        yield CrossHit(
            d.id,
            ctx.rollup.name,
            d.path_line,
            d.path_column,
            {
                "name": d.name,
                "n": len(problems),
                "first": f"{first.where}: {first.code}" if first is not None else "-",
                "path": d.path,
            },
        )


CrossCheck = Callable[[CrossContext, Policy], Iterator[CrossHit]]

#: The check of each cross-department code.
CROSS_CHECKS: dict[str, CrossCheck] = {
    "A501": same_power,
    "A502": one_basis,
    "A503": coverage_gap,
    "A504": member_loads,
}


def cross_findings(ctx: CrossContext, policy: Policy | None = None) -> list[Problem]:
    """Every cross-department finding the policy leaves on, by code then rollup.yaml's
    order."""
    policy = policy or Policy()
    out: list[Problem] = []
    for code in sorted(CROSS_CHECKS):
        severity = effective(policy, code)
        if severity is None:
            continue
        for hit in CROSS_CHECKS[code](ctx, policy):
            out.append(
                problem(
                    code,
                    hit.file,
                    hit.line,
                    hit.column,
                    entity=hit.entity,
                    severity=severity,
                    **hit.params,
                )
            )
    return out
