"""Electronic supervision (电子监察): replay the log of real cases (办件) on the
flowcharts of a registry, and say which cases left their chart, which steps ran late,
and which deviations touched a risk point.

Layout, one concept per module: :mod:`.run` (the replay, :func:`monitor`),
:mod:`.events` (reading CSV, JSON Lines, DataFrames), :mod:`.rows` (a file's rows, a
line at a time), :mod:`.reader` (the checks of each row), :mod:`.caseevents` (a case's
events kept compactly), :mod:`.calendar` (China's working days), :mod:`.chartindex` (a
flowchart compiled for replay), :mod:`.replay` (deviations M101–M104),
:mod:`.deadlines` (alerts M201–M203), :mod:`.findings` (the records and their codes),
:mod:`.records` (findings as problems), :mod:`.result` (summary and formats),
:mod:`.to_catalog` (results into a published catalog) and :mod:`.simulate` (logs with known
truth).

Examples:
    >>> import powerreg
    >>> from datetime import date
    >>> result = monitor("examples/cases/cases.csv", powerreg.load_reference(),
    ...                  as_of=date(2011, 12, 30), lang="en")
    >>> t = result.totals
    >>> t["cases"], t["fits"], t["deviations"], t["alerts"]
    (8, 5, {'M102': 4, 'M103': 1}, {'M201': 3, 'M202': 9, 'M203': 1})
    >>> d = result.case("2011-XK001-0003").deviations[0]
    >>> d.code, d.source, d.step, d.steps, [(r.id, r.level) for r in d.risk_points]
    ('M102', 'S6', 'S9', ('S7', 'S8'), [('XK-001/R3', 'high')])
"""

from __future__ import annotations

from .calendar import WorkCalendar, china_calendar
from .caseevents import CaseEvents
from .casereplay import replay_case
from .events import EventLog, read_log
from .findings import CODES, Alert, CaseResult, Deviation, Event, RiskRef
from .powersummary import PowerSummary, StepHits
from .result import MonitorResult
from .run import monitor
from .simulate import SynthLog, synth_cases
from .to_catalog import add_to_catalog

__all__ = [
    "CODES",
    "Alert",
    "CaseEvents",
    "CaseResult",
    "Deviation",
    "Event",
    "EventLog",
    "MonitorResult",
    "PowerSummary",
    "RiskRef",
    "StepHits",
    "SynthLog",
    "WorkCalendar",
    "add_to_catalog",
    "china_calendar",
    "monitor",
    "read_log",
    "replay_case",
    "synth_cases",
]
