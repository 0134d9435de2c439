"""The result of an audit: findings, summary, and the formats people and machines read.

Findings are :class:`~powerreg.errors.Problem` records (A codes); their messages are
rendered in the report's language, or the one a format is asked for, when shown.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..codes import SEVERITY_RANK
from ..errors import Problem
from ..formats import json_items, markdown_item, sarif_log, text_lines
from ..lang import Lang, default_lang
from ..model import LABELS_ZH, Level
from ..textsafe import md_cell as _md
from .rulebook import RULES

if TYPE_CHECKING:
    from ..model import Registry

FailOn = Literal["error", "warning", "info", "never"]


class CoverageCell(BaseModel):
    """Risk coverage of one category at one level."""

    risk_points: int = 0
    countermeasures: int = 0
    uncountered: int = 0


class Summary(BaseModel):
    """Counts by code and severity; coverage by category and level."""

    model_config = ConfigDict(frozen=True)

    by_code: dict[str, int]
    by_severity: dict[str, int]
    coverage: dict[str, dict[str, CoverageCell]]


def summarise(reg: Registry, findings: list[Problem]) -> Summary:
    """Counts of findings, and the category × level coverage matrix of the registry."""
    by_code = Counter(f.code for f in findings)
    by_sev = Counter(f.severity for f in findings)
    cov: dict[str, dict[str, CoverageCell]] = {
        c.code: {lv.value: CoverageCell() for lv in Level} for c in reg.categories
    }
    for p, r in reg.iter_risk_points():
        cell = cov.setdefault(p.category, {lv.value: CoverageCell() for lv in Level})[r.level]
        cell.risk_points += 1
        cell.countermeasures += len(r.countermeasures)
        cell.uncountered += not r.countermeasures
    return Summary(
        by_code=dict(sorted(by_code.items())),
        by_severity={s: by_sev[s] for s in ("error", "warning", "info")},
        coverage=cov,
    )


class AuditReport(BaseModel):
    """Findings of one audit. ``ok`` is true when no finding is an error."""

    model_config = ConfigDict(frozen=True)

    registry: str
    findings: list[Problem]
    summary: Summary
    source_root: str | None = None
    #: the language of the messages unless a format is asked for another
    lang: Lang = Field(default_factory=default_lang)

    @property
    def ok(self) -> bool:
        """No finding of severity ``error``."""
        return self.summary.by_severity["error"] == 0

    def fails(self, fail_on: FailOn = "error") -> bool:
        """Whether any finding is at or above ``fail_on`` (never, for ``never``)."""
        if fail_on == "never":
            return False
        floor = SEVERITY_RANK[fail_on]
        return any(SEVERITY_RANK[f.severity] >= floor for f in self.findings)

    # ------------------------------------------------------------------ formats

    def to_pandas(self, lang: Lang | None = None) -> Any:
        """The findings as a ``pandas.DataFrame`` (extra ``notebook``)."""
        try:
            import pandas as pd
        except ImportError as err:  # pragma: no cover - depends on the extra
            from ..errors import UsageError

            raise UsageError("audit.report_needs_pandas") from err
        cols = ["code", "severity", "entity", "message", "file", "line"]
        return pd.DataFrame(json_items(self.findings, lang or self.lang), columns=cols)

    def to_json(self, lang: Lang | None = None) -> str:
        """``{"ok", "registry", "summary", "findings"}`` as JSON text."""
        return json.dumps(
            {
                "ok": self.ok,
                "registry": self.registry,
                "summary": self.summary.model_dump(),
                "findings": json_items(self.findings, lang or self.lang),
            },
            ensure_ascii=False,
            indent=2,
        )

    def to_text(self, lang: Lang | None = None) -> str:
        """One line per finding, then a summary line."""
        lines = text_lines(self.findings, lang or self.lang, severity=True)
        s = self.summary.by_severity
        verdict = "ok" if self.ok else "FAILED"
        lines.append(
            f"{verdict}: {_n(s['error'], 'error')}, {_n(s['warning'], 'warning')}, "
            f"{_n(s['info'], 'info')} in {self.registry}"
        )
        return "\n".join(lines)

    def to_markdown(self, lang: Lang | None = None) -> str:
        """A report a person reads: summary and coverage first, then findings by power."""
        lang = lang or self.lang
        s = self.summary
        out = [
            f"# Audit of {_md(self.registry)}",
            "",
            f"**{'Passed' if self.ok else 'Failed'}**: {_n(s.by_severity['error'], 'error')}, "
            f"{_n(s.by_severity['warning'], 'warning')}, {_n(s.by_severity['info'], 'info')}.",
            "",
            "| code | severity | rule | findings |",
            "|---|---|---|---:|",
        ]
        for code, n in s.by_code.items():
            rule = RULES[code]
            sev = next(f.severity for f in self.findings if f.code == code)
            out.append(f"| {code} | {sev} | {_md(rule.title)} | {n} |")
        if not s.by_code:
            out.append("| – | – | no findings | 0 |")
        out += [
            "",
            "## Risk coverage",
            "",
            "| category | "
            + " | ".join(f"{LABELS_ZH[lv.value]} ({lv.value})" for lv in Level)
            + " |",
            "|---|" + "---:|" * len(Level),
        ]
        for cat, row in s.coverage.items():
            cells = [
                f"{c.risk_points} risks / {c.countermeasures} measures"
                + (f" / **{c.uncountered} uncountered**" if c.uncountered else "")
                for c in row.values()
            ]
            out.append(f"| {_md(cat)} | " + " | ".join(cells) + " |")
        out += ["", "## Findings by power", ""]
        if not self.findings:
            out.append("None.")
        groups: dict[str, list[Problem]] = {}
        for f in self.findings:
            groups.setdefault((f.entity or "").split("/")[0], []).append(f)
        for owner in sorted(groups):
            out += [f"### {_md(owner)}", ""]
            out += [markdown_item(f, lang) for f in groups[owner]]
            out.append("")
        return "\n".join(out).rstrip() + "\n"

    def to_sarif(self, lang: Lang | None = None) -> str:
        """SARIF 2.1.0, as GitHub code scanning accepts: rules with ids and help text,
        results with file and line (paths relative to the working directory)."""
        from importlib.metadata import version  # ~40 ms: only SARIF needs it

        doc = sarif_log(
            self.findings,
            lang or self.lang,
            codes=RULES,
            names={c: r.check.__name__ for c, r in RULES.items()},
            helps={c: r.help for c, r in RULES.items()},
            source_root=self.source_root,
            version=version("powerreg"),
        )
        return json.dumps(doc, ensure_ascii=False, indent=2)


def _n(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"
