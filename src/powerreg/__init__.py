"""powerreg: registries of administrative powers, their integrity-risk points and the
countermeasures against them — validated, audited, drawn and published.

The package's face is lazy (PEP 562, as networkx's; :mod:`powerreg.lazyface`):
``import powerreg`` imports none of the modules that do the work, and each public name
imports its own module when first used, so a command pays only for what it runs
(``powerreg build`` never imports the service, the diff, the monitor or the roll-up's
jobs, nor pandas or networkx).

Examples:
    >>> import powerreg
    >>> powerreg.Level("high").rank
    2
    >>> "build" in dir(powerreg), powerreg.diff.__name__
    (True, 'diff')
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .lazyface import attach

if TYPE_CHECKING:
    from .audit import AuditReport, Finding, Policy, audit
    from .catalog import export_sqlite
    from .catalog.search import search
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
    from .workbook import read_workbook, write_workbook

#: Where each public name lives (imported when the name is first asked for).
_HOMES: dict[str, tuple[str, ...]] = {
    ".audit": ("AuditReport", "Finding", "Policy", "audit"),
    ".catalog": ("export_sqlite", "search"),
    ".diff": ("Diff", "diff"),
    ".errors": ("PowerregError", "Problem", "RegistryError", "UsageError"),
    ".frames": ("Frames", "coverage"),
    ".load": ("load",),
    ".mainjob": ("BuildResult", "build"),
    ".model": (
        "Category",
        "Countermeasure",
        "Disclosure",
        "Flowchart",
        "Level",
        "Limit",
        "MeasureKind",
        "Power",
        "Registry",
        "RegistryMeta",
        "RiskPoint",
        "RiskType",
        "Stage",
        "Stats",
        "Step",
        "StepKind",
        "Transition",
    ),
    ".monitor": ("MonitorResult", "monitor", "synth_cases"),
    ".reference": ("load_reference",),
    ".render": ("render_all", "render_category"),
    ".render.inline": ("PowerCharts", "render"),
    ".site": ("PublishPolicy", "SiteResult", "publish_site"),
    # workbooks in and out need the extra 'workbook' (openpyxl, python-calamine)
    ".workbook": ("read_workbook", "write_workbook"),
}
_lazy, _dir = attach(__name__, _HOMES)


def __getattr__(name: str) -> Any:
    if name == "__version__":  # (one home: powerreg._version, which pyproject.toml reads)
        from ._version import __version__

        return __version__
    return _lazy(name)


def __dir__() -> list[str]:
    return sorted(set(_dir()) | {"__version__"})


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
