"""Which check answers for which audit code: the one place rules are registered.

The codes themselves — default severity, title and message templates — are in
:mod:`powerreg.codes.audit_codes`; the checks in :mod:`.rules`. A test keeps the two in
step: every audit code has exactly one check.

Examples:
    >>> RULES["A301"].severity, RULES["A301"].check.__name__
    ('error', 'countered')
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..codes import CODES, Severity
from ..model import Registry
from . import rules
from .policy import Policy
from .rules import Hit

Check = Callable[[Registry, Policy], Iterator[Hit]]

#: The check of each audit code.
CHECKS: dict[str, Check] = {
    "A101": rules.one_start,
    "A102": rules.has_end,
    "A103": rules.reachable,
    "A104": rules.can_finish,
    "A105": rules.decisions_branch,
    "A106": rules.no_flow_around_terminals,
    "A107": rules.charts_drawn,
    "A201": rules.promise_within_law,
    "A202": rules.path_within_limit,
    "A203": rules.promise_shorter,
    "A204": rules.limits_comparable,
    "A301": rules.countered,
    "A302": rules.high_doubly_countered,
    "A303": rules.high_watched,
    "A304": rules.stages_spread,
    "A305": rules.power_has_risks,
    "A306": rules.power_has_flowchart,
    "A307": rules.decisions_guarded,
    "A308": rules.clock_rule_consistent,
    "A309": rules.level_assessed,
    "A310": rules.risks_assessed,
    "A311": rules.withheld_with_reason,
    "A401": rules.has_legal_basis,
    "A402": rules.has_english_name,
}


@dataclass(frozen=True)
class Rule:
    """An audit rule: its code, default severity, one-line title and check."""

    code: str
    severity: Severity
    title: str
    check: Check

    @property
    def help(self) -> str:
        """Longer help: the check's docstring."""
        return " ".join((self.check.__doc__ or self.title).split())


#: Every audit rule, by code.
RULES: dict[str, Rule] = {
    code: Rule(code, CODES[code].severity, CODES[code].title["en"], check)
    for code, check in CHECKS.items()
}
