"""What the monitor says of each power: its cases, on-time rate, findings by code, and
the steps where findings gather (the riskiest), as a result's ``powers`` gives them.

Examples:
    >>> from powerreg.monitor.findings import RiskRef
    >>> h = StepHits("XK-001/F1/S3", "审查", 2, 1, (RiskRef("XK-001/R1", "medium", "S3"),))
    >>> h.hits, h.risk_level
    (3, 'medium')
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .findings import RiskRef, highest_level

#: How many of a power's riskiest steps the summary names.
RISKIEST = 3


@dataclass(frozen=True, slots=True)
class StepHits:
    """A step where deviations and alerts gather: how many touch it, and its risks."""

    step: str  # global id, e.g. XK-001/F1/S8
    label: str
    deviations: int
    alerts: int
    risk_points: tuple[RiskRef, ...]

    @property
    def hits(self) -> int:
        """Deviations and step alerts that touch the step."""
        return self.deviations + self.alerts

    @property
    def risk_level(self) -> str | None:
        """Highest level of the risk points on the step."""
        return highest_level(self.risk_points)


@dataclass(frozen=True, slots=True)
class PowerSummary:
    """Supervision figures of one power."""

    power_id: str
    name: str
    cases: int
    closed: int
    open: int
    fits: int
    #: closed cases that have a time limit, and how many of them closed within it
    timed: int
    on_time: int
    deviations: dict[str, int]
    alerts: dict[str, int]
    riskiest: tuple[StepHits, ...]

    @property
    def on_time_rate(self) -> float | None:
        """Share of closed cases with a limit that closed within it (None if none)."""
        return self.on_time / self.timed if self.timed else None

    def to_dict(self) -> dict[str, Any]:
        """Plain data, for JSON."""
        return {
            "power_id": self.power_id,
            "name": self.name,
            "cases": self.cases,
            "closed": self.closed,
            "open": self.open,
            "fits": self.fits,
            "timed": self.timed,
            "on_time": self.on_time,
            "on_time_rate": self.on_time_rate,
            "deviations": self.deviations,
            "alerts": self.alerts,
            "riskiest_steps": [
                {
                    "step": h.step,
                    "label": h.label,
                    "deviations": h.deviations,
                    "alerts": h.alerts,
                    "risk_points": [r.id for r in h.risk_points],
                    "risk_level": h.risk_level,
                }
                for h in self.riskiest
            ],
        }


@dataclass
class Tally:
    """The findings of a power counted: by code, and by step (``(flowchart, step)``)."""

    deviations: Counter[str] = field(default_factory=Counter)
    alerts: Counter[str] = field(default_factory=Counter)
    step_deviations: Counter[tuple[str, str]] = field(default_factory=Counter)
    step_alerts: Counter[tuple[str, str]] = field(default_factory=Counter)
