"""The audit of SPEC §4: is the registry sound, and is every risk covered?

Examples:
    >>> import powerreg
    >>> report = powerreg.audit(powerreg.load("examples/minimal"), lang="en")
    >>> report.ok, report.summary.by_code
    (True, {'A307': 1})
    >>> print(report.to_text().splitlines()[0])  # doctest: +ELLIPSIS
    powers/CF-001.yaml:18: A307 info decision CF-001/F1/S4 (案件审查) carries no risk point; ...
"""

from __future__ import annotations

import os

from ..errors import Problem, problem
from ..lang import Lang, checked_lang, default_lang
from ..model import Registry, expect_registry
from .policy import Policy, effective
from .report import AuditReport, FailOn, Summary, summarise
from .rulebook import RULES, Rule

#: An audit finding is the one diagnostic record, with an A code.
Finding = Problem

__all__ = ["RULES", "AuditReport", "FailOn", "Finding", "Policy", "Rule", "Summary", "audit"]


def audit(
    registry: Registry,
    policy: Policy | str | os.PathLike[str] | None = None,
    *,
    lang: Lang | None = None,
) -> AuditReport:
    """Run every rule that the policy leaves on; findings sorted by file, line and code.

    ``policy`` is a :class:`Policy`, the path of a policy YAML file, or ``None`` for
    SPEC §4's defaults. ``lang`` is ``en`` or ``zh`` (default: from the locale).
    """
    expect_registry(registry, "powerreg.audit")
    lang = checked_lang(lang) or default_lang()
    if policy is None:
        policy = Policy()
    elif not isinstance(policy, Policy):
        policy = Policy.from_file(policy)
    findings: list[Problem] = []
    for code in sorted(RULES):
        severity = effective(policy, code)
        if severity is None:
            continue
        for hit in RULES[code].check(registry, policy):
            where = registry.location(hit.at or hit.entity) or registry.location(
                hit.entity.rsplit("/", 1)[0]
            )  # a step without position: its chart
            findings.append(
                problem(
                    code,
                    where[0] if where else None,
                    where[1] if where else 0,
                    entity=hit.entity,
                    severity=severity,
                    **hit.params,
                )
            )
    findings.sort(key=lambda f: (f.file or "", f.line, f.code, f.entity or ""))
    return AuditReport(
        registry=registry.id,
        findings=findings,
        summary=summarise(registry, findings),
        source_root=registry.source_root,
        lang=lang,
    )
