"""The result of a roll-up's audit: departments ranked by coverage, and every finding.

A :class:`RollupReport` holds one :class:`DepartmentRow` per department (its counts, the
share of its high risk points guarded by a supervision or technology countermeasure, its
own audit's counts), the cross-department findings (A5xx), the problems of members that
do not load (E codes, each at the member's file and line) and — when ``powerreg audit``
asked for them — the members' own findings. The formats are those of a registry's audit:
text, JSON, Markdown (with the table of departments ranked by coverage) and SARIF.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..audit import RULES, FailOn
from ..codes import CODES, SEVERITY_RANK
from ..errors import Problem
from ..formats import json_items, markdown_item, sarif_log, text_lines
from ..lang import Lang, default_lang
from ..textsafe import md_cell as _md
from .rules import CROSS_CHECKS
from .spec import LEVEL_ZH, DepartmentLevel

_SEVERITIES = ("error", "warning", "info")


class DepartmentRow(BaseModel):
    """One department of a roll-up as its report shows it."""

    id: str
    name: str
    level: DepartmentLevel
    region: str | None = None
    path: str
    #: whether its registry loaded (else its problems are in the report)
    loaded: bool
    registry: str | None = None
    year: int | None = None
    powers: int = 0
    flowcharts: int = 0
    risk_points: int = 0
    countermeasures: int = 0
    high_risks: int = 0
    high_covered: int = 0
    #: its own audit: findings by severity and by code, as the policy set them
    by_severity: dict[str, int] = Field(default_factory=lambda: dict.fromkeys(_SEVERITIES, 0))
    by_code: dict[str, int] = Field(default_factory=dict)
    #: problems of a registry that does not load
    problems: int = 0
    #: whether its public website was published (``site`` and ``build``)
    published: bool | None = None

    @property
    def coverage(self) -> float | None:
        """Share of high risk points a supervision or technology measure guards."""
        return self.high_covered / self.high_risks if self.high_risks else None

    @property
    def level_zh(self) -> str:
        """The level in Chinese, with the region if given (示例市市级)."""
        return (self.region or "") + LEVEL_ZH[self.level]


def ranked(rows: list[DepartmentRow]) -> list[DepartmentRow]:
    """Departments by coverage, least covered first; those without high risk points,
    then those that do not load, last; rollup.yaml's order within a tie.

    Examples:
        >>> def row(i, high, covered):
        ...     return DepartmentRow(id=i, name=i, level="city", path=i, loaded=True,
        ...                          high_risks=high, high_covered=covered)
        >>> [r.id for r in ranked([row("A", 4, 4), row("B", 0, 0), row("C", 4, 1)])]
        ['C', 'A', 'B']
    """
    order = {r.id: i for i, r in enumerate(rows)}

    def key(r: DepartmentRow) -> tuple[int, float, int]:
        if not r.loaded:
            return (2, 0.0, order[r.id])
        c = r.coverage
        return (1, 0.0, order[r.id]) if c is None else (0, c, order[r.id])

    return sorted(rows, key=key)


class RollupReport(BaseModel):
    """The audit of a roll-up. ``ok`` is true when no finding is an error."""

    model_config = ConfigDict(frozen=True)

    title: str
    #: the roll-up file's name, and the folder every path is relative to
    file: str
    source_root: str
    departments: list[DepartmentRow]
    #: the cross-department findings (A5xx)
    cross: list[Problem]
    #: problems of the members that do not load (E codes), each at its member's file
    problems: list[Problem] = Field(default_factory=list)
    #: the members' own findings, their files and entities carrying the member
    #: (``None`` where only their counts were kept: build, export, site)
    findings: list[Problem] | None = None
    #: the severity the policy gives each audit code (its default where not set)
    severities: dict[str, str] = Field(default_factory=dict)
    lang: Lang = Field(default_factory=default_lang)

    # ------------------------------------------------------------------ counts

    @property
    def by_severity(self) -> dict[str, int]:
        """Findings by severity: the members' own and the cross-department ones."""
        c: Counter[str] = Counter(f.severity for f in self.cross)
        for r in self.departments:
            c.update(r.by_severity)
        return {s: c[s] for s in _SEVERITIES}

    @property
    def by_code(self) -> dict[str, int]:
        """Findings by code, sorted."""
        c: Counter[str] = Counter(f.code for f in self.cross)
        for r in self.departments:
            c.update(r.by_code)
        return dict(sorted(c.items()))

    @property
    def ok(self) -> bool:
        """No finding of severity ``error``."""
        return self.by_severity["error"] == 0

    def fails(self, fail_on: FailOn = "error") -> bool:
        """Whether any finding, of a member or across them, is at or above ``fail_on``."""
        if fail_on == "never":
            return False
        floor = SEVERITY_RANK[fail_on]
        return any(n and SEVERITY_RANK[s] >= floor for s, n in self.by_severity.items())

    @property
    def not_loaded(self) -> list[str]:
        """Ids of the departments whose registry does not load."""
        return [r.id for r in self.departments if not r.loaded]

    def all_findings(self) -> list[Problem]:
        """The members' findings kept (in rollup.yaml's order), then the cross ones."""
        return [*(self.findings or []), *self.cross]

    # ------------------------------------------------------------------ formats

    def to_text(self, lang: Lang | None = None) -> str:
        """One line per problem and finding, then a summary line."""
        lang = lang or self.lang
        lines = text_lines(self.problems, lang, severity=True)
        lines += text_lines(self.all_findings(), lang, severity=True)
        s = self.by_severity
        verdict = "ok" if self.ok else "FAILED"
        failed = len(self.not_loaded)
        lines.append(
            f"{verdict}: {_n(s['error'], 'error')}, {_n(s['warning'], 'warning')}, "
            f"{_n(s['info'], 'info')} in {self.title} ({_n(len(self.departments), 'department')}"
            + (f", {failed} not loaded" if failed else "")
            + ")"
        )
        return "\n".join(lines)

    def to_json(self, lang: Lang | None = None) -> str:
        """``{"ok", "rollup", "summary", "departments", "findings", "problems"}`` as JSON."""
        lang = lang or self.lang
        data: dict[str, Any] = {
            "ok": self.ok,
            "rollup": self.title,
            "summary": {
                "by_code": self.by_code,
                "by_severity": self.by_severity,
                "departments": len(self.departments),
                "not_loaded": self.not_loaded,
            },
            "departments": [
                {**r.model_dump(mode="json"), "coverage": r.coverage} for r in self.departments
            ],
            "findings": json_items(self.all_findings(), lang),
            "problems": json_items(self.problems, lang),
        }
        return json.dumps(data, ensure_ascii=False, indent=2)

    def coverage_table(self) -> list[str]:
        """The Markdown table of departments ranked by coverage, least covered first."""
        out = [
            "| rank | department | level | powers | high risks | guarded | coverage "
            "| errors | warnings |",
            "|---:|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        for i, r in enumerate(ranked(self.departments), 1):
            who = f"{_md(r.id)} {_md(r.name)}"
            level = _md(r.level.value + (f", {r.region}" if r.region else ""))
            if not r.loaded:
                out.append(f"| – | {who} | {level} | – | – | – | **does not load** | – | – |")
                continue
            cov = "–" if r.coverage is None else f"{r.coverage:.0%}"
            out.append(
                f"| {i} | {who} | {level} | {r.powers} | {r.high_risks} | {r.high_covered} "
                f"| {cov} | {r.by_severity['error']} | {r.by_severity['warning']} |"
            )
        return out

    def to_markdown(self, lang: Lang | None = None) -> str:
        """A report a person reads: summary, departments by coverage, the cross-department
        findings, the members that do not load, then each member's findings (or counts)."""
        lang = lang or self.lang
        s = self.by_severity
        out = [
            f"# Audit of {_md(self.title)}",
            "",
            f"**{'Passed' if self.ok else 'Failed'}**: {_n(s['error'], 'error')}, "
            f"{_n(s['warning'], 'warning')}, {_n(s['info'], 'info')} in "
            f"{_n(len(self.departments), 'department')}"
            + (f", {len(self.not_loaded)} of which do not load" if self.not_loaded else "")
            + ".",
            "",
            "| code | severity | rule | findings |",
            "|---|---|---|---:|",
        ]
        for code, n in self.by_code.items():
            title = CODES[code].title["en"] if code in CODES else code
            out.append(f"| {code} | {_md(_severity(self, code))} | {_md(title)} | {n} |")
        if not self.by_code:
            out.append("| – | – | no findings | 0 |")
        out += [
            "",
            "## Departments by coverage",
            "",
            "The share of each department's high risk points (高风险点) guarded by a "
            "supervision or technology countermeasure (监督、科技), least covered first.",
            "",
            *self.coverage_table(),
            "",
            "## Cross-department findings",
            "",
        ]
        out += [markdown_item(f, lang) for f in self.cross] or ["None."]
        if self.problems:
            out += ["", "## Departments that do not load", ""]
            out += [markdown_item(p, lang) for p in self.problems]
        out += ["", "## Findings by department", ""]
        kept: dict[str, list[Problem]] = {}
        for f in self.findings or []:
            kept.setdefault((f.entity or "").split(":", 1)[0], []).append(f)
        for r in self.departments:
            if not r.loaded:
                continue
            counts = ", ".join(f"{c} {n}" for c, n in r.by_code.items()) or "none"
            out += [f"### {_md(r.id)} {_md(r.name)}", "", f"Findings: {_md(counts)}.", ""]
            out += [markdown_item(f, lang) for f in kept.get(r.id, [])]
            if kept.get(r.id):
                out.append("")
        return "\n".join(out).rstrip() + "\n"

    def to_sarif(self, lang: Lang | None = None) -> str:
        """SARIF 2.1.0: the registry rules, the cross-department ones and every E code
        met; paths relative to the working directory."""
        from importlib.metadata import version  # ~40 ms: only SARIF needs it

        found = self.problems + self.all_findings()
        codes = sorted({*RULES, *CROSS_CHECKS, *(p.code for p in found)})
        doc = sarif_log(
            found,
            lang or self.lang,
            codes=codes,
            names={**{c: r.check.__name__ for c, r in RULES.items()}, **_cross_names()},
            helps={c: r.help for c, r in RULES.items()} | _cross_helps(),
            source_root=self.source_root,
            version=version("powerreg"),
        )
        return json.dumps(doc, ensure_ascii=False, indent=2)


def _cross_names() -> dict[str, str]:
    return {c: check.__name__ for c, check in CROSS_CHECKS.items()}


def _cross_helps() -> dict[str, str]:
    return {c: " ".join((check.__doc__ or c).split()) for c, check in CROSS_CHECKS.items()}


def _severity(report: RollupReport, code: str) -> str:
    if code in report.severities:
        return report.severities[code]
    return CODES[code].severity if code in CODES else "-"


def _n(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"
