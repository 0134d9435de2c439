"""Powers, risk points and countermeasures, and :func:`generate` that puts them together."""

from __future__ import annotations

import random
from typing import Any

from ..collector import FREEZE_AT, gc_paused
from ..errors import UsageError
from ..model import (
    Category,
    Countermeasure,
    Level,
    Limit,
    MeasureKind,
    Power,
    Registry,
    RiskPoint,
    RiskType,
    Stage,
)
from .charts import ChartBuilder, Draft
from .kinds import CATEGORIES, KINDS, REFERENCE_COUNTS
from .phrases import (
    ACTORS,
    ACTS,
    CHANNELS,
    CHECKED,
    CHECKS,
    CN_DIGITS,
    DISCLOSED,
    DISCLOSURE_EXTRA,
    EDUCATORS,
    FEATURES,
    FOLLOW,
    FREQ,
    HARM,
    LAWS,
    LEADS,
    LESSON_EXTRA,
    LESSONS,
    MECHANISMS,
    MISCONDUCT,
    NORMS,
    RULES,
    SPLIT_RULES,
    SPLITS,
    SUPERVISORS,
    SYSTEMS,
    TOPICS,
)

DEPARTMENT = "示例省环境保护厅"

_FIELDS: dict[type[Any], set[str]] = {
    cls: set(cls.model_fields) for cls in (Countermeasure, RiskPoint, Power, Category, Registry)
}

#: stages a countermeasure of each kind acts at, as often as listed
_STAGES: dict[MeasureKind, tuple[Stage, ...]] = {
    MeasureKind.INSTITUTION: (Stage.BEFORE, Stage.BEFORE, Stage.DURING),
    MeasureKind.SEPARATION: (Stage.BEFORE, Stage.DURING),
    MeasureKind.DISCLOSURE: (Stage.AFTER, Stage.BEFORE, Stage.AFTER),
    MeasureKind.SUPERVISION: (Stage.DURING, Stage.AFTER),
    MeasureKind.TECHNOLOGY: (Stage.DURING, Stage.DURING, Stage.AFTER),
    MeasureKind.EDUCATION: (Stage.BEFORE,),
}
_STAGE_RANK = {Stage.BEFORE: 0, Stage.DURING: 1, Stage.AFTER: 2}
#: kinds of the countermeasures after the first, weighted about as in the reference
_MORE_KINDS = (
    [MeasureKind.SUPERVISION] * 6
    + [MeasureKind.TECHNOLOGY] * 4
    + [MeasureKind.DISCLOSURE] * 4
    + [MeasureKind.SEPARATION] * 3
    + [MeasureKind.INSTITUTION] * 2
    + [MeasureKind.EDUCATION] * 1
)
_WATCH = (MeasureKind.SUPERVISION, MeasureKind.TECHNOLOGY)
_RISK_TYPES = (
    [RiskType.DUTY] * 29
    + [RiskType.PROCESS] * 25
    + [RiskType.ETHICS] * 22
    + [RiskType.INSTITUTION] * 13
    + [RiskType.EXTERNAL] * 11
)
_ROUND_LIMITS = (3, 5, 7, 10, 12, 15, 20, 25, 30, 40, 45, 50, 60, 75, 90, 120)


# --------------------------------------------------------------------------- risk points


def _risk_points(x: Draft, charts: list[ChartBuilder]) -> list[RiskPoint]:
    """About 3 risk points on real steps: one on every decision, the rest on tasks;
    levels about 30 % high, 45 % medium, 25 % low."""
    rnd = x.rng.random
    places = [(i, j) for i, c in enumerate(charts) for j in c.decision_steps]
    r = rnd()
    want = 2 if r < 0.45 else 3 if r < 0.87 else 4 if r < 0.97 else 5
    if want > len(places):
        tasks = [(i, j) for i, c in enumerate(charts) for j in c.task_steps]
        places = sorted(places + x.rng.sample(tasks, min(want - len(places), len(tasks))))
    out = []
    for k, (i, j) in enumerate(places, 1):
        chart = charts[i]
        cls = chart.classes[j]
        r = rnd()
        level = Level.HIGH if r < 0.3 else Level.MEDIUM if r < 0.75 else Level.LOW
        act = x.pick(ACTS[cls]).replace("{o}", x.short)
        lead, actor, wrong = x.pick(LEADS).format(a=act), x.pick(ACTORS), x.pick(MISCONDUCT[cls])
        if wrong[0] == "=":  # the phrase names who does it
            actor, wrong = "", wrong[1:]
        text = f"{lead}{actor}{wrong}，{x.pick(HARM)}"
        out.append(
            RiskPoint.model_construct(
                _FIELDS[RiskPoint],
                id=f"R{k}",
                at=f"{chart.fid}/S{j + 1}",
                level=level,
                type=_RISK_TYPES[int(rnd() * len(_RISK_TYPES))],
                description=text,
                countermeasures=_countermeasures(x, level, cls, act),
            )
        )
    return out


def _countermeasures(x: Draft, level: Level, cls: str, act: str) -> list[Countermeasure]:
    """About 3 countermeasures — high 3–5 with one that watches (supervision or
    technology), medium 3–4, low 2–3 — in two stages or more, before → during → after."""
    rnd = x.rng.random
    r = rnd()
    if level is Level.HIGH:
        n = 3 if r < 0.1 else 4 if r < 0.93 else 5
        kinds = [MeasureKind.INSTITUTION if rnd() < 0.75 else MeasureKind.SEPARATION]
        kinds.append(_WATCH[rnd() < 0.5])
    elif level is Level.MEDIUM:
        n = 3 if r < 0.9 else 4
        kinds = [MeasureKind.INSTITUTION if rnd() < 0.75 else MeasureKind.SEPARATION]
    else:
        n = 2 if r < 0.7 else 3
        kinds = [MeasureKind.INSTITUTION if rnd() < 0.7 else MeasureKind.DISCLOSURE]
    while len(kinds) < n:
        k = _MORE_KINDS[int(rnd() * len(_MORE_KINDS))]
        if k not in kinds:
            kinds.append(k)
    stages = [_STAGES[k][int(rnd() * len(_STAGES[k]))] for k in kinds]
    if len(set(stages)) == 1:  # all in one stage: move the last one that can move
        for i in range(n - 1, -1, -1):
            moved = [s for s in _STAGES[kinds[i]] if s is not stages[0]]
            if moved:
                stages[i] = moved[0]
                break
    out = []
    for m, i in enumerate(sorted(range(n), key=lambda i: _STAGE_RANK[stages[i]]), 1):
        text, responsible = _measure_text(x, kinds[i], cls, act)
        out.append(
            Countermeasure.model_construct(
                _FIELDS[Countermeasure],
                id=f"M{m}",
                kind=kinds[i],
                stage=stages[i],
                description=text,
                responsible=responsible,
            )
        )
    return out


def _measure_text(x: Draft, kind: MeasureKind, cls: str, act: str) -> tuple[str, str]:
    """Description and responsible post of a countermeasure of ``kind`` against a risk
    at a step of class ``cls`` about ``act``."""
    p, rnd = x.pick, x.rng.random
    if kind is MeasureKind.INSTITUTION:
        if rnd() < 0.5:
            return f"制定{x.short}{p(NORMS)}，{p(RULES)}", x.head
        return f"{act}实行{p(MECHANISMS)}", x.division
    if kind is MeasureKind.SEPARATION:
        pairs = SPLITS[cls]
        a, b = pairs[int(rnd() * len(pairs))]
        text = f"{act}实行{a}人员与{b}人员分设，{p(SPLIT_RULES)}"
        return text, x.head if rnd() < 0.5 else x.leader
    if kind is MeasureKind.DISCLOSURE:
        what = p(DISCLOSED).replace("{o}", x.short).replace("{a}", act)
        return f"{what}在{p(CHANNELS)}公开{p(DISCLOSURE_EXTRA)}", x.division
    if kind is MeasureKind.SUPERVISION:
        who = x.head if rnd() < 0.25 else p(SUPERVISORS)
        what = p(CHECKED).replace("{o}", x.short).replace("{a}", act)
        return f"{who}{p(FREQ)}{p(CHECKS)}{what}，{p(FOLLOW)}", who
    if kind is MeasureKind.TECHNOLOGY:
        if rnd() < 0.7:
            return f"{act}信息纳入{p(SYSTEMS)}，{p(FEATURES)}", "信息中心"
        return f"{act}全程录音录像，资料当日上传{p(SYSTEMS)}", "信息中心"
    who = p(EDUCATORS)
    return f"{who}{p(LESSONS)}对{x.short}相关岗位人员开展{p(TOPICS)}{p(LESSON_EXTRA)}", who


# --------------------------------------------------------------------------- powers


def round_up(days: int) -> int:
    """The smallest usual time limit of at least ``days`` working days.

    Examples:
        >>> round_up(11), round_up(121)
        (12, 130)
    """
    for limit in _ROUND_LIMITS:
        if limit >= days:
            return limit
    return -(-days // 10) * 10


def chinese_number(n: int) -> str:
    """1–99 in Chinese numerals, as articles of a law are numbered.

    Examples:
        >>> chinese_number(7), chinese_number(10), chinese_number(22)
        ('七', '十', '二十二')
    """
    tens, units = divmod(n, 10)
    head = "" if tens == 0 else ("" if tens == 1 else CN_DIGITS[tens]) + "十"
    return head + (CN_DIGITS[units] if units else "")


def _power(rng: random.Random, code: str, pid: str) -> Power:
    kind = KINDS[code]
    rnd = rng.random
    obj = kind.objects[int(rnd() * len(kind.objects))]
    form_zh, form_en = kind.forms[int(rnd() * len(kind.forms))]
    name = form_zh.format(o=obj[0])
    name_en = form_en.format(o=obj[2], O=obj[2][0].upper() + obj[2][1:])
    division = kind.divisions[int(rnd() * len(kind.divisions))]
    x = Draft(rng, obj[1], division, kind.applicants[int(rnd() * len(kind.applicants))])
    r = rnd()  # 1–3 charts, 1.4 on average as 118/84
    charts = [
        ChartBuilder(f"F{i + 1}", kind.titles[i].format(n=name, s=x.short))
        for i in range(1 if r < 0.65 else 2 if r < 0.95 else 3)
    ]
    for i, chart in enumerate(charts):
        kind.shapes[i](chart, x)
    # the promise fits the slowest path; the law allows at least half as much again
    longest = max(c.longest for c in charts)
    promised = round_up(longest + int(rnd() * (longest // 3 + 1)))
    statutory = round_up(-(-3 * promised // 2)) if rnd() < kind.statutory else None
    law = x.pick(LAWS) + (f"第{chinese_number(1 + int(rnd() * 60))}条" if rnd() < 0.6 else "")
    laws = [law, x.pick(LAWS)] if rnd() < 0.5 else [law]
    power = Power.model_construct(
        _FIELDS[Power],
        id=pid,
        category=code,
        name=name,
        name_en=name_en,
        legal_basis=list(dict.fromkeys([*laws, *kind.laws])),
        subject=DEPARTMENT,
        division=division,
        statutory_limit=None if statutory is None else Limit(amount=statutory),
        promised_limit=Limit(amount=promised),
        fee=kind.fee,
        description=kind.describe.format(o=obj[0]) + f"承诺{promised}个工作日内办结。",
        responsibilities=[d.replace("{o}", x.short) for d in kind.duties],
        accountability=[b.replace("{o}", x.short) for b in kind.blame],
        flowcharts=[c.build() for c in charts],
        risk_points=_risk_points(x, charts),
    )
    power.assign_global_ids()
    return power


def apportion(n: int) -> dict[str, int]:
    """Powers per category in the reference's proportions (largest remainders); every
    category gets one at least once there are seven powers.

    Examples:
        >>> apportion(84) == REFERENCE_COUNTS
        True
        >>> apportion(7)
        {'XK': 1, 'SP': 1, 'CF': 1, 'QZ': 1, 'ZS': 1, 'JC': 1, 'QT': 1}
    """
    total = sum(REFERENCE_COUNTS.values())
    codes = list(REFERENCE_COUNTS)
    counts = {c: n * REFERENCE_COUNTS[c] // total for c in codes}
    by_remainder = sorted(
        codes, key=lambda c: (-(n * REFERENCE_COUNTS[c] % total), -REFERENCE_COUNTS[c])
    )
    for c in by_remainder[: n - sum(counts.values())]:
        counts[c] += 1
    if n >= len(codes):
        for c in codes:
            if counts[c] == 0:
                # from the category most over its quota that can spare one
                donor = max(
                    (d for d in codes if counts[d] > 1),
                    key=lambda d: counts[d] * total - n * REFERENCE_COUNTS[d],
                )
                counts[donor] -= 1
                counts[c] = 1
    return counts


def generate(n_powers: int, seed: int = 0) -> Registry:
    """A registry of ``n_powers`` made-up powers with the reference registry's shape.

    The same ``n_powers`` and ``seed`` give an equal registry; the default audit finds
    nothing in it. Power ids are numbered within their category: ``XK-000001``. Nothing
    is read or written. From :data:`FREEZE_AT` powers on, the objects alive at the end
    (the registry and whatever else the process holds) are moved out of the cycle
    collector's sight with ``gc.freeze()``; ``gc.unfreeze()`` undoes it.

    Raises:
        UsageError: if ``n_powers`` is negative.

    Examples:
        >>> reg = generate(7)
        >>> sorted(reg.powers)
        ['CF-000001', 'JC-000001', 'QT-000001', 'QZ-000001', 'SP-000001', 'XK-000001', 'ZS-000001']
        >>> [s.kind.value for s in reg.powers["XK-000001"].flowcharts[0].steps[:3]]
        ['start', 'decision', 'task']
    """
    if n_powers < 0:
        raise UsageError("synth.negative_powers", n=n_powers)
    rng = random.Random(seed)
    counts = apportion(n_powers)
    powers: dict[str, Power] = {}
    with gc_paused(freeze=n_powers >= FREEZE_AT):
        # in file-name order, as load() reads them
        for code in sorted(counts):
            width = max(6, len(str(counts[code])))
            for i in range(1, counts[code] + 1):
                pid = f"{code}-{i:0{width}d}"
                powers[pid] = _power(rng, code, pid)
        rid = f"synthetic-n{n_powers}-seed{seed}"
        return Registry.model_construct(
            _FIELDS[Registry],
            schema_version=1,
            id=rid if len(rid) <= 64 else f"synthetic-n{n_powers}",
            department=DEPARTMENT,
            department_en="Department of Environmental Protection of Example Province (made up)",
            year=2011,
            source=(
                f"Generated by powerreg.synth.generate(n_powers={n_powers}, seed={seed}): "
                "made-up powers in the shape of the bundled reference registry "
                "liaoning-epd-2011, not the register of any department."
            ),
            license="CC0-1.0",
            categories=[
                Category.model_construct(_FIELDS[Category], code=c, name=zh, name_en=en)
                for c, zh, en in CATEGORIES
            ],
            powers=powers,
        )
