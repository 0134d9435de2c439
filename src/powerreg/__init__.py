"""powerreg: registries of administrative powers, their integrity-risk points and the
countermeasures against them — validated, audited, drawn and published.

Examples:
    >>> import powerreg
    >>> powerreg.Level("high").rank
    2
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .audit import AuditReport, Finding, Policy, audit
from .errors import PowerregError, Problem, RegistryError, UsageError
from .load import load
from .model import (
    Category,
    Countermeasure,
    Flowchart,
    Level,
    MeasureKind,
    Power,
    Registry,
    RegistryMeta,
    RiskPoint,
    RiskType,
    Stage,
    Stats,
    Step,
    StepKind,
    Transition,
)
from .reference import load_reference

try:
    __version__ = version("powerreg")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "AuditReport",
    "Category",
    "Countermeasure",
    "Finding",
    "Flowchart",
    "Level",
    "MeasureKind",
    "Policy",
    "Power",
    "PowerregError",
    "Problem",
    "Registry",
    "RegistryError",
    "RegistryMeta",
    "RiskPoint",
    "RiskType",
    "Stage",
    "Stats",
    "Step",
    "StepKind",
    "Transition",
    "UsageError",
    "__version__",
    "audit",
    "load",
    "load_reference",
]
