"""The result of an audit: findings, summary, and the formats people and machines read."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from ..mdtext import md_cell as _md
from ..model import LABELS_ZH, Level
from .findings import RULES, SEVERITY_RANK, Finding

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


def summarise(reg: Registry, findings: list[Finding]) -> Summary:
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
    findings: list[Finding]
    summary: Summary
    source_root: str | None = None

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

    def to_pandas(self) -> Any:
        """The findings as a ``pandas.DataFrame`` (extra ``notebook``)."""
        try:
            import pandas as pd
        except ImportError as err:  # pragma: no cover - depends on the extra
            from ..errors import UsageError

            raise UsageError("to_pandas needs pandas: pip install 'powerreg[notebook]'") from err
        cols = ["code", "severity", "entity", "message", "file", "line"]
        return pd.DataFrame([f.model_dump() for f in self.findings], columns=cols)

    def to_json(self) -> str:
        """``{"ok", "registry", "summary", "findings"}`` as JSON text."""
        return json.dumps(
            {
                "ok": self.ok,
                "registry": self.registry,
                "summary": self.summary.model_dump(),
                "findings": [f.model_dump() for f in self.findings],
            },
            ensure_ascii=False,
            indent=2,
        )

    def to_text(self) -> str:
        """One line per finding, then a summary line."""
        lines = [str(f) for f in self.findings]
        s = self.summary.by_severity
        verdict = "ok" if self.ok else "FAILED"
        lines.append(
            f"{verdict}: {_n(s['error'], 'error')}, {_n(s['warning'], 'warning')}, "
            f"{_n(s['info'], 'info')} in {self.registry}"
        )
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """A report a person reads: summary and coverage first, then findings by power."""
        s = self.summary
        out = [
            f"# Audit of {self.registry}",
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
            out.append(f"| {cat} | " + " | ".join(cells) + " |")
        out += ["", "## Findings by power", ""]
        if not self.findings:
            out.append("None.")
        groups: dict[str, list[Finding]] = {}
        for f in self.findings:
            groups.setdefault(f.entity.split("/")[0], []).append(f)
        for owner in sorted(groups):
            out += [f"### {owner}", ""]
            for f in groups[owner]:
                where = f" ({f.file}:{f.line})" if f.file else ""
                out.append(f"- **{f.code}** {f.severity}: {_md(f.message)}{where}")
            out.append("")
        return "\n".join(out).rstrip() + "\n"

    def to_sarif(self) -> str:
        """SARIF 2.1.0, as GitHub code scanning accepts: rules with ids and help text,
        results with file and line (paths relative to the working directory)."""
        level = {"error": "error", "warning": "warning", "info": "note"}
        codes = sorted(RULES)
        rules = [
            {
                "id": c,
                "name": RULES[c].check.__name__,
                "shortDescription": {"text": RULES[c].title},
                "fullDescription": {"text": RULES[c].help},
                "help": {"text": RULES[c].help},
                "defaultConfiguration": {"level": level[RULES[c].severity]},
            }
            for c in codes
        ]
        results = []
        for f in self.findings:
            res: dict[str, Any] = {
                "ruleId": f.code,
                "ruleIndex": codes.index(f.code),
                "level": level[f.severity],
                "message": {"text": f.message},
            }
            if f.file:
                loc: dict[str, Any] = {"artifactLocation": {"uri": self._uri(f.file)}}
                if f.line:
                    loc["region"] = {"startLine": f.line}
                res["locations"] = [
                    {
                        "physicalLocation": loc,
                        "logicalLocations": [{"fullyQualifiedName": f.entity}],
                    }
                ]
            results.append(res)
        from importlib.metadata import version

        doc = {
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "powerreg",
                            "version": version("powerreg"),
                            "rules": rules,
                        }
                    },
                    "results": results,
                }
            ],
        }
        return json.dumps(doc, ensure_ascii=False, indent=2)

    def _uri(self, file: str) -> str:
        if self.source_root is None:
            return file
        path = Path(self.source_root) / file
        try:
            return Path(os.path.relpath(path)).as_posix()
        except ValueError:  # another drive on Windows
            return path.as_posix()


def _n(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"
