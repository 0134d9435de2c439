"""The audit rules of SPEC §4, one small documented check each.

A check takes the registry and the policy and yields :class:`Hit` s: the entity and the
values its message needs. Code, severity, message and position are attached by the
runner; which check answers for which code is said in one place,
:mod:`powerreg.audit.rulebook`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..codes import localized
from ..model import (
    LABELS_ZH,
    Flowchart,
    Level,
    Limit,
    MeasureKind,
    Power,
    Registry,
    StepKind,
    category_key,
    disclosure_key,
    field_key,
    transition_key,
)
from ..workbook.placeholder import is_placeholder
from .policy import Policy


@dataclass(frozen=True)
class Hit:
    """What a check reports before code, severity, message and position are attached:
    the entity and the values its message template needs."""

    entity: str
    params: dict[str, Any]
    #: key of the source position, if not the entity's own (e.g. a transition)
    at: str | None = None


def _charts(reg: Registry) -> Iterator[tuple[Power, Flowchart]]:
    return reg.iter_flowcharts()


def _sound_ends(fc: Flowchart) -> bool:
    return len(fc.start_steps) == 1 and bool(fc.end_steps)


# ------------------------------------------------------------------ A1: flowchart soundness


def one_start(reg: Registry, policy: Policy) -> Iterator[Hit]:
    """A flowchart has exactly one step of kind ``start``: where every case begins."""
    for _, fc in _charts(reg):
        n = len(fc.start_steps)
        if n != 1:
            yield Hit(fc.gid, {"n": n, "starts": ", ".join(s.id for s in fc.start_steps)})


def has_end(reg: Registry, policy: Policy) -> Iterator[Hit]:
    """A flowchart has at least one step of kind ``end``: where a case is closed."""
    for _, fc in _charts(reg):
        if not fc.end_steps:
            yield Hit(fc.gid, {})


def reachable(reg: Registry, policy: Policy) -> Iterator[Hit]:
    """Every step can be reached from the start step along transitions. Checked only on
    charts with exactly one start (A101 reports the others)."""
    for _, fc in _charts(reg):
        if len(fc.start_steps) == 1:
            for sid in fc.unreachable_steps():
                yield Hit(f"{fc.gid}/{sid}", {"start": fc.start_steps[0].id})


def can_finish(reg: Registry, policy: Policy) -> Iterator[Hit]:
    """From every step some end step can be reached, so no case is stuck. Checked only on
    charts with an end step (A102 reports the others)."""
    for _, fc in _charts(reg):
        if fc.end_steps:
            for sid in fc.dead_end_steps():
                yield Hit(f"{fc.gid}/{sid}", {})


def decisions_branch(reg: Registry, policy: Policy) -> Iterator[Hit]:
    """A decision has at least two outgoing branches, each labelled with its ``when``."""
    for _, fc in _charts(reg):
        for s in fc.steps:
            if s.kind is not StepKind.DECISION:
                continue
            out = [t for t in fc.transitions if t.source == s.id]
            unlabelled = [t.target for t in out if not t.when]
            if len(out) < 2 or unlabelled:
                yield Hit(s.gid, {"n": len(out), "unlabelled": ", ".join(unlabelled) or "-"})


def no_flow_around_terminals(reg: Registry, policy: Policy) -> Iterator[Hit]:
    """Nothing leads back into the start, and nothing leaves an end."""
    for _, fc in _charts(reg):
        kinds = {s.id: s.kind for s in fc.steps}
        for j, t in enumerate(fc.transitions):
            if kinds.get(t.target) is StepKind.START:
                yield Hit(
                    f"{fc.gid}/{t.target}",
                    {"source": t.source, "target": t.target, "which": "into"},
                    at=transition_key(fc.gid, j),
                )
            if kinds.get(t.source) is StepKind.END:
                yield Hit(
                    f"{fc.gid}/{t.source}",
                    {"source": t.source, "target": t.target, "which": "out of"},
                    at=transition_key(fc.gid, j),
                )


def charts_drawn(reg: Registry, policy: Policy) -> Iterator[Hit]:
    """A power imported from a 一览表 without charts has a placeholder chart (开始 →
    流程环节待补 → 办结) whose middle step holds all its risk points: the power's real
    chart is still to be drawn, and each risk point moved to the step it sits at."""
    for p, fc in _charts(reg):
        for s in fc.steps:
            if is_placeholder(s):
                risks = [r.id for r in p.risk_points_at(fc.id, s.id)]
                params = {"chart": fc.gid, "name": p.name, "n": len(risks)}
                yield Hit(s.gid, {**params, "risks": ", ".join(risks) or "-"})


# ------------------------------------------------------------------ A2: time limits


def _shown(limit: Limit) -> dict[str, str]:
    return localized(limit.text("en"), limit.text("zh"))


def _compare(a: Limit, b: Limit, scale: Fraction = Fraction(1)) -> bool | None:
    """Whether ``a`` is longer than ``scale`` × ``b``: exact in one unit, through the
    working days each can hold otherwise; ``None`` where the bounds cannot tell."""
    if a.unit == b.unit:
        return Fraction(a.amount) > scale * b.amount
    a_lo, a_hi = a.working_days()
    b_lo, b_hi = b.working_days()
    if a_lo > scale * b_hi:
        return True
    if a_hi <= scale * b_lo:
        return False
    return None


def promise_within_law(reg: Registry, policy: Policy) -> Iterator[Hit]:
    """The promised limit (承诺时限) never exceeds the statutory one (法定时限); limits
    in different units are compared through the working days they can hold."""
    for p in reg.powers.values():
        promised, statutory = p.promised_limit, p.statutory_limit
        if promised is not None and statutory is not None and _compare(promised, statutory):
            yield Hit(
                p.id,
                {"promised": _shown(promised), "statutory": _shown(statutory)},
                at=field_key(p.id, "promised_limit"),
            )


def path_within_limit(reg: Registry, policy: Policy) -> Iterator[Hit]:
    """The slowest way through a chart fits the promised limit (the statutory one if no
    promise is made): step days along the longest path, each loop counted once. A limit
    in calendar days or months is compared through the working days it can hold."""
    for p, fc in _charts(reg):
        limit = p.promised_limit if p.promised_limit is not None else p.statutory_limit
        if limit is None or not _sound_ends(fc):
            continue
        days, path = fc.longest_path()
        over = _compare(Limit(amount=days), limit)
        if over:
            which = (
                localized("promised limit", "承诺时限")
                if p.promised_limit is not None
                else localized("statutory limit", "法定时限")
            )
            yield Hit(
                fc.gid,
                {"days": days, "limit": _shown(limit), "which": which, "path": " → ".join(path)},
            )


def promise_shorter(reg: Registry, policy: Policy) -> Iterator[Hit]:
    """The promised limit is at most ``promise_ratio`` (default 2/3) of the statutory one,
    the rule of the period for promised limits."""
    ratio = policy.ratio
    for p in reg.powers.values():
        promised, statutory = p.promised_limit, p.statutory_limit
        if promised is None or statutory is None or not statutory.amount:
            continue
        if _compare(promised, statutory) is not False:
            continue  # A201 says it, or A204 that it cannot be told
        if _compare(promised, statutory, ratio):
            top = ratio * statutory.amount
            shown = Limit(amount=int(top), unit=statutory.unit)
            yield Hit(
                p.id,
                {
                    "promised": _shown(promised),
                    "statutory": _shown(statutory),
                    "ratio": str(ratio),
                    "max": _shown(shown),
                },
                at=field_key(p.id, "promised_limit"),
            )


def limits_comparable(reg: Registry, policy: Policy) -> Iterator[Hit]:
    """Limits in different units are compared through the working days they can hold;
    where those bounds cannot tell (a promise of 60 working days against 3 months), the
    audit says so rather than guess."""
    what_law = localized("the promised and the statutory limit", "承诺时限与法定时限")
    what_path = localized("the longest path and the limit", "最长路径与时限")
    for p in reg.powers.values():
        promised, statutory = p.promised_limit, p.statutory_limit
        if promised is not None and statutory is not None:
            unknown = _compare(promised, statutory) is None or (
                _compare(promised, statutory) is False
                and _compare(promised, statutory, policy.ratio) is None
            )
            if unknown:
                yield Hit(
                    p.id,
                    {"what": what_law, "a": _shown(promised), "b": _shown(statutory)},
                    at=field_key(p.id, "promised_limit"),
                )
        limit = promised if promised is not None else statutory
        if limit is None or limit.in_working_days:
            continue
        for fc in p.flowcharts:
            if not _sound_ends(fc):
                continue
            days, _ = fc.longest_path()
            if _compare(Limit(amount=days), limit) is None:
                path_days = localized(f"{days} working days", f"{days} 个工作日")
                yield Hit(fc.gid, {"what": what_path, "a": path_days, "b": _shown(limit)})


# ------------------------------------------------------------------ A3: risk coverage


def countered(reg: Registry, policy: Policy) -> Iterator[Hit]:
    """Every risk point has at least one countermeasure."""
    for _, r in reg.iter_risk_points():
        if not r.countermeasures:
            yield Hit(r.gid, {"level": r.level.value})


def high_doubly_countered(reg: Registry, policy: Policy) -> Iterator[Hit]:
    """A high risk point has at least ``min_high_measures`` (default 3) countermeasures."""
    need = policy.min_high_measures
    for _, r in reg.iter_risk_points():
        if r.level is Level.HIGH and 0 < len(r.countermeasures) < need:
            yield Hit(r.gid, {"n": len(r.countermeasures), "min": need})


def high_watched(reg: Registry, policy: Policy) -> Iterator[Hit]:
    """A high risk point is watched: at least one supervision or technology measure
    (e.g. 纪检列席, 电子监察)."""
    watch = {MeasureKind.SUPERVISION, MeasureKind.TECHNOLOGY}
    for _, r in reg.iter_risk_points():
        if (
            r.level is Level.HIGH
            and r.countermeasures
            and not any(m.kind in watch for m in r.countermeasures)
        ):
            yield Hit(r.gid, {})


def stages_spread(reg: Registry, policy: Policy) -> Iterator[Hit]:
    """Countermeasures of a risk point act at more than one stage (before, during,
    after), so a failure of prevention is still caught."""
    for _, r in reg.iter_risk_points():
        stages = {m.stage for m in r.countermeasures}
        if len(stages) == 1:
            stage = next(iter(stages))
            yield Hit(
                r.gid,
                {
                    "stage": localized(stage.value, LABELS_ZH[stage.value]),
                    "n": len(r.countermeasures),
                },
            )


def power_has_risks(reg: Registry, policy: Policy) -> Iterator[Hit]:
    """Every power has at least one risk point: no power is free of risk."""
    for p in reg.powers.values():
        if not p.risk_points:
            yield Hit(p.id, {})


def power_has_flowchart(reg: Registry, policy: Policy) -> Iterator[Hit]:
    """Every power has at least one power-operation flowchart."""
    for p in reg.powers.values():
        if not p.flowcharts:
            yield Hit(p.id, {})


def decisions_guarded(reg: Registry, policy: Policy) -> Iterator[Hit]:
    """Decision steps are where discretion lies; each should carry a risk point."""
    for p, fc in _charts(reg):
        risky = {r.step_id for r in p.risk_points if r.flowchart_id == fc.id}
        for s in fc.steps:
            if s.kind is StepKind.DECISION and s.id not in risky and not s.no_risk_reason:
                yield Hit(s.gid, {"label": s.label})


@dataclass(frozen=True)
class _Timed:
    gid: str
    label: str
    pauses: bool


def _same_step(label: str) -> str:
    """Labels compared without spaces and punctuation: 一次性告知补正材料 = 一次性告知补正材料。"""
    return "".join(ch for ch in label if ch.isalnum())


def clock_rule_consistent(reg: Registry, policy: Policy) -> Iterator[Hit]:
    """Steps of the same kind and label either pause the clock in every chart or in
    none: a clock-pausing rule (补正, expert review, hearing, publicity, testing,
    identification …) is one rule of the procedure, applied the same way everywhere.
    The steps in the minority are flagged (on a tie, those that do not pause)."""
    groups: dict[tuple[StepKind, str], list[_Timed]] = {}
    for _, fc in _charts(reg):
        for s in fc.steps:
            if s.kind is StepKind.TASK:
                key = (s.kind, _same_step(s.label))
                groups.setdefault(key, []).append(_Timed(s.gid, s.label, s.pauses_clock))
    for steps in groups.values():
        pausing = [t for t in steps if t.pauses]
        counting = [t for t in steps if not t.pauses]
        if not pausing or not counting:
            continue
        odd, rest = (pausing, counting) if len(pausing) < len(counting) else (counting, pausing)
        for t in odd:
            shown = ", ".join(r.gid for r in rest[:3]) + (", …" if len(rest) > 3 else "")
            yield Hit(
                t.gid,
                {
                    "label": t.label,
                    "does": localized("does", "不计时")
                    if t.pauses
                    else localized("does not", "计时"),
                    "n": len(rest),
                    "other": localized("do not", "计时") if t.pauses else localized("do", "不计时"),
                    "examples": shown,
                },
            )


def level_assessed(reg: Registry, policy: Policy) -> Iterator[Hit]:
    """A risk point scored for likelihood and impact carries the level the registry's
    ``risk_matrix`` gives that pair: the declared level and the assessment agree."""
    for _, r in reg.iter_risk_points():
        assessed = reg.assessed_level(r.likelihood, r.impact)
        if assessed is not None and assessed is not r.level:
            yield Hit(
                r.gid,
                {
                    "level": localized(r.level.value, LABELS_ZH[r.level.value]),
                    "likelihood": r.likelihood,
                    "impact": r.impact,
                    "assessed": localized(assessed.value, LABELS_ZH[assessed.value]),
                },
            )


def risks_assessed(reg: Registry, policy: Policy) -> Iterator[Hit]:
    """Where the registry declares a ``risk_matrix``, every risk point is scored."""
    if reg.risk_matrix is None:
        return
    for _, r in reg.iter_risk_points():
        if r.likelihood is None or r.impact is None:
            yield Hit(r.gid, {})


def withheld_with_reason(reg: Registry, policy: Policy) -> Iterator[Hit]:
    """A power left off the public list (``disclosure: {public: false}``) states the
    legal reason it is withheld: in the practice of 2011 nothing is withheld without one."""
    for p in reg.powers.values():
        if p.disclosure is not None and not p.disclosure.public and not p.disclosure.reason:
            yield Hit(p.id, {"name": p.name}, at=disclosure_key(p.id))


# ------------------------------------------------------------------ A4: publication


def has_legal_basis(reg: Registry, policy: Policy) -> Iterator[Hit]:
    """Every power names its legal basis (设定依据): no power without law."""
    for p in reg.powers.values():
        if not p.legal_basis:
            yield Hit(p.id, {"name": p.name})


def has_english_name(reg: Registry, policy: Policy) -> Iterator[Hit]:
    """Powers and categories have an English name for publication."""
    for c in reg.categories:
        if not c.name_en:
            yield Hit(c.code, {"what": "category", "name": c.name}, at=category_key(c.code))
    for p in reg.powers.values():
        if not p.name_en:
            yield Hit(p.id, {"what": "power", "name": p.name})
