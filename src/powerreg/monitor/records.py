# ruff: noqa: E501  (the doctest shows a whole Chinese message)
"""Deviations and alerts as the one diagnostic record, :class:`~powerreg.errors.Problem`.

The replay keeps its findings as small slotted dataclasses (a million events make
hundreds of thousands of them); when they are shown, each becomes a ``Problem`` with an M
code whose parameters name the case, the steps with their labels and the risk points
touched, in both languages, and whose message is rendered late like every other.

Examples:
    >>> import powerreg
    >>> from powerreg.monitor.chartindex import ChartIndex
    >>> from powerreg.monitor.findings import Deviation, RiskRef
    >>> p = powerreg.load_reference().powers["XK-001"]
    >>> chart = ChartIndex(p, p.flowchart("F1"))
    >>> d = Deviation("M102", "A1", "XK-001", "F1", 2, 4, "S8", source="S6", kind="skip",
    ...               steps=("S7",), risk_points=(RiskRef("XK-001/R3", "high", "S8"),))
    >>> print(as_problem(d, chart, "cases.csv").message("zh"))
    办件 A1：从 S6 流转到 S8，流程图 XK-001/F1 无此流转；跳过了 S7 拟审批项目网上公示；涉及廉政风险点 XK-001/R3（高）
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..codes.monitor_codes import FRAGMENTS
from ..errors import Problem, problem
from ..lang import LANGS, Lang
from .chartindex import ChartIndex
from .findings import Alert, Deviation, RiskRef

_LEVEL = {
    "en": {"high": "high", "medium": "medium", "low": "low"},
    "zh": {"high": "高", "medium": "中", "low": "低"},
}


def _frag(name: str, lang: Lang, **params: Any) -> str:
    return FRAGMENTS[name][lang].format(**params)


def _both(build: Any) -> dict[str, str]:
    """A parameter in both languages: ``build(lang)`` for each."""
    return {lang: build(lang) for lang in LANGS}


def step_text(chart: ChartIndex, step: str | None) -> str:
    """``S5 技术评估和专家评审``: a step with its label, if the chart has it."""
    if step is None:
        return "-"
    label = chart.labels.get(step)
    return f"{step} {label}" if label else step


def _steps(chart: ChartIndex, steps: tuple[str, ...], lang: Lang) -> str:
    if not steps:
        return _frag("none", lang)
    return FRAGMENTS["sep"][lang].join(step_text(chart, s) for s in steps)


def _risks(risks: tuple[RiskRef, ...], lang: Lang) -> str:
    if not risks:
        return ""
    if lang == "zh":
        shown = "、".join(f"{r.id}（{_LEVEL['zh'][r.level]}）" for r in risks)
    else:
        shown = ", ".join(f"{r.id} ({r.level})" for r in risks)
    return _frag("risks", lang, risks=shown)


def _what(d: Deviation, chart: ChartIndex, lang: Lang) -> str:
    steps = _steps(chart, d.steps, lang)
    if d.kind == "skip":
        what = _frag("skip", lang, steps=steps)
        return what if d.on_every_path else what + _frag("shortest", lang)
    if d.kind == "repeat":
        if d.steps:
            return _frag("repeat_without", lang, target=d.step, steps=steps)
        return _frag("repeat", lang, target=d.step)
    return _frag(d.kind or "jump", lang)


def _lost(lines: tuple[int, ...], lang: Lang) -> str:
    """``line 4`` / ``lines 4, 7`` / ``第 4、7 行``: the rows a case lost, the first ten."""
    shown = [str(n) for n in lines[:10]] + (["…"] if len(lines) > 10 else [])
    if lang == "zh":
        return f"第 {'、'.join(shown)} 行"
    return f"line{'s' * (len(lines) != 1)} {', '.join(shown)}"


def as_problem(
    finding: Deviation | Alert,
    chart: ChartIndex,
    source: str,
    *,
    as_of: date | None = None,
    lost: tuple[int, ...] = (),
) -> Problem:
    """The record of a deviation or an alert, at its line of the log ``source``;
    ``as_of`` is given for an alert of a case still open, ``lost`` for a case whose rows
    at those lines were left out: the message says its record is incomplete.

    Examples:
        >>> import powerreg
        >>> from powerreg.monitor.chartindex import ChartIndex
        >>> p = powerreg.load_reference().powers["XK-001"]
        >>> d = Deviation("M104", "A1", "XK-001", "F1", 1, 3, "S2")
        >>> as_problem(d, ChartIndex(p, p.flowchart("F1")), "c.csv", lost=(4, 7)).message("en")[-65:]
        'incomplete: lines 4, 7 left out; check them before acting on this'
    """
    key, params = finding_params(finding, chart, as_of=as_of, lost=lost)
    return problem(key, source, finding.line or 0, entity=finding.case_id, **params)


def finding_params(
    finding: Deviation | Alert,
    chart: ChartIndex,
    *,
    as_of: date | None = None,
    lost: tuple[int, ...] = (),
    lang: Lang | None = None,
) -> tuple[str, dict[str, Any]]:
    """The template key and parameters of :func:`as_problem`'s record: those that
    differ by language in both languages, or in ``lang`` only if it is given (a message
    rendered at once, without the record: a million events' output)."""

    def both(build: Any) -> Any:
        return build(lang) if lang is not None else _both(build)

    base: dict[str, Any] = {
        "case": finding.case_id,
        "chart": chart.gid,
        "power": chart.power_id,
        "step": step_text(chart, finding.step),
        "risks": both(lambda lang: _risks(finding.risk_points, lang)),
        "incomplete": both(lambda lang: _frag("incomplete", lang, lines=_lost(lost, lang)))
        if lost
        else "",
    }
    if isinstance(finding, Deviation):
        d = finding
        params = {
            **base,
            "title": chart.chart.title,
            "steps": both(lambda lang: _steps(chart, d.steps, lang)),
            "start": step_text(chart, chart.start),
        }
        if d.code == "M102":
            params.update(
                source=d.source or "-",
                target=d.step or "-",
                what=both(lambda lang: _what(d, chart, lang)),
            )
        return d.code, params
    a = finding
    so_far = both(lambda lang: _frag("open", lang, as_of=as_of.isoformat())) if as_of else ""
    key = "M202.step" if a.scope == "step" else a.code
    return key, {
        **base,
        "elapsed": a.elapsed,
        "limit": a.limit,
        "date": a.date.isoformat(),
        "so_far": so_far,
    }
