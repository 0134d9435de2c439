"""What the supervision service holds of a case, and what one change of its state
writes: the building blocks of :class:`~.supervisor.Supervisor`'s plans.

A change — a request's events, a settling — is first *planned*: each case it touches
gets a new :class:`CaseState` (the one in memory is not changed), with the feed entries
its replay makes; the plan is then written in one transaction, and only once it is
committed are its states put in memory. A failed write leaves memory as it was.

Examples:
    >>> plan = Plan()
    >>> (plan.cases, plan.changes, plan.rows)
    ({}, {}, [])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..monitor.caseevents import CaseEvents
from ..monitor.findings import CaseResult
from .feed import Finding, Kind, Mark


@dataclass
class CaseState:
    """A case as the service holds it: every event received (in time order, ties in the
    order received; an event's ``line`` is its number ``seq``), how many of them are
    dated on or before the service's day, their replay as of the calendar's last day
    (None while none is), the findings raised, and the first day after the service's
    day on which its findings change if no event arrives."""

    events: CaseEvents
    counted: int
    ahead: CaseResult | None
    marks: dict[str, Mark] = field(default_factory=dict)
    due: date = date.max
    #: the replay as of a day, once made: ``(day, result)``
    now: tuple[date, CaseResult | None] | None = None


@dataclass
class Plan:
    """What one change writes: the new state of each case touched, its feed changes,
    and the events stored."""

    cases: dict[str, CaseState] = field(default_factory=dict)
    changes: dict[str, list[tuple[Kind, str, Finding | None]]] = field(default_factory=dict)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
