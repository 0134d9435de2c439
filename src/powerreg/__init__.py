"""powerreg: registries of administrative powers, their integrity-risk points and the
countermeasures against them — validated, audited, drawn and published.

Examples:
    >>> import powerreg
    >>> powerreg.Level("high").rank
    2
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .audit import AuditReport, Finding, Policy, audit
from .catalog import export_sqlite, search
from .diff import Diff, diff
from .errors import PowerregError, Problem, RegistryError, UsageError
from .frames import Frames, coverage
from .load import load
from .mainjob import BuildResult, build
from .model import (
    Category,
    Countermeasure,
    Disclosure,
    Flowchart,
    Level,
    Limit,
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
from .monitor import MonitorResult, monitor, synth_cases
from .reference import load_reference
from .render import render_all, render_category
from .render.inline import PowerCharts, render
from .site import PublishPolicy, SiteResult, publish_site

if TYPE_CHECKING:
    from .workbook import read_workbook, write_workbook


def __getattr__(name: str) -> Any:
    # workbooks in and out need the extra 'workbook' (openpyxl, python-calamine): imported
    # when first asked for
    if name in ("read_workbook", "write_workbook"):
        from . import workbook

        return getattr(workbook, name)
    # the installed version, read when asked: importlib.metadata costs ~40 ms at import
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("powerreg")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            return "0.0.0"
    raise AttributeError(f"module 'powerreg' has no attribute {name!r}")


__all__ = [
    "AuditReport",
    "BuildResult",
    "Category",
    "Countermeasure",
    "Diff",
    "Disclosure",
    "Finding",
    "Flowchart",
    "Frames",
    "Level",
    "Limit",
    "MeasureKind",
    "MonitorResult",
    "Policy",
    "Power",
    "PowerCharts",
    "PowerregError",
    "Problem",
    "PublishPolicy",
    "Registry",
    "RegistryError",
    "RegistryMeta",
    "RiskPoint",
    "RiskType",
    "SiteResult",
    "Stage",
    "Stats",
    "Step",
    "StepKind",
    "Transition",
    "UsageError",
    "__version__",
    "audit",
    "build",
    "coverage",
    "diff",
    "export_sqlite",
    "load",
    "load_reference",
    "monitor",
    "publish_site",
    "read_workbook",
    "render",
    "render_all",
    "render_category",
    "search",
    "synth_cases",
    "write_workbook",
]
