"""What the roll-up's commands give back (:mod:`.jobs`): the counts over the departments,
and what ``validate``, ``export``, ``site`` and ``build`` found and wrote.

Examples:
    >>> from powerreg.rollup.report import DepartmentRow
    >>> Totals.of([]).sentence
    '梳理出0项行政权力，查找出0个廉政风险点，绘制权力运行流程图0张，制定防范措施0条'
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from .. import formats
from ..errors import Problem
from .report import DepartmentRow, RollupReport


class Totals(BaseModel):
    """The roll-up's counts over the departments that loaded."""

    departments: int
    loaded: int
    powers: int = 0
    flowcharts: int = 0
    risk_points: int = 0
    countermeasures: int = 0

    @classmethod
    def of(cls, rows: Sequence[DepartmentRow]) -> Totals:
        """The counts of the departments in ``rows`` that loaded."""
        loaded = [r for r in rows if r.loaded]
        return cls(
            departments=len(rows),
            loaded=len(loaded),
            powers=sum(r.powers for r in loaded),
            flowcharts=sum(r.flowcharts for r in loaded),
            risk_points=sum(r.risk_points for r in loaded),
            countermeasures=sum(r.countermeasures for r in loaded),
        )

    @property
    def sentence(self) -> str:
        """The report's sentence for the whole roll-up."""
        return (
            f"梳理出{self.powers}项行政权力，查找出{self.risk_points}个廉政风险点，"
            f"绘制权力运行流程图{self.flowcharts}张，制定防范措施{self.countermeasures}条"
        )


class RollupValidation(BaseModel):
    """What ``validate`` found: each department's counts, or why it does not load."""

    title: str
    file: str
    source_root: str
    departments: list[DepartmentRow]
    problems: list[Problem]
    totals: Totals

    @property
    def ok(self) -> bool:
        """Every member loads."""
        return all(r.loaded for r in self.departments)


class RollupExport(BaseModel):
    """What ``export`` wrote."""

    catalog: str
    metadata: str
    report: RollupReport
    totals: Totals
    seconds: dict[str, float]


class RollupSite(BaseModel):
    """What ``site`` wrote."""

    out_dir: str
    report: RollupReport
    totals: Totals
    published: list[str]
    seconds: dict[str, float]

    @property
    def open_command(self) -> str:
        """The one command that serves the site for a browser."""
        return f"python -m http.server -d {self.out_dir}"


class RollupBuild(BaseModel):
    """What ``build`` wrote, and what it cost."""

    rollup: str
    out_dir: str
    totals: Totals
    not_loaded: list[str]
    audit_ok: bool
    audit_counts: dict[str, int]
    audit_by_code: dict[str, int]
    catalog: str
    metadata: str
    site: str
    seconds: dict[str, float]
    #: the sum of the members' own builds' times, each as its worker measured it
    member_seconds: float = 0.0
    workers: int = 0
    #: peak resident memory (MiB) of this process, and of the busiest worker
    peak_memory_mib: float | None = None
    worker_peak_memory_mib: float | None = None
    #: the roll-up's report, for the exit status (not written in the marker)
    report: RollupReport | None = Field(default=None, exclude=True)

    @property
    def browse_command(self) -> str:
        """The one command that browses the combined catalog."""
        return f"datasette {self.catalog} -m {self.metadata}"

    @property
    def open_site_command(self) -> str:
        """The one command that serves the roll-up's website."""
        return f"python -m http.server -d {self.site}"


def summary_json(result: RollupBuild) -> str:
    """The build summary as JSON."""
    return formats.summary_json(
        result,
        sentence=result.totals.sentence,
        browse=result.browse_command,
        open_site=result.open_site_command,
    )
