"""The registry as tidy pandas DataFrames, and its coverage matrices (extra ``notebook``).

:func:`to_pandas` (also ``registry.to_pandas()``) gives one DataFrame per kind of entity —
powers, flowcharts, steps, risk points, countermeasures — one row per entity, one column
per variable, each child row carrying the ids (and the category, the risk level) it is
usually grouped by. Enumerations are categoricals in their canonical order (high, medium,
low). Column names are English; the Chinese label of every column is in
``frame.attrs["labels_zh"]`` and in :data:`LABELS`, taken from the models' field labels
(:func:`powerreg.model.field_label`) where a column is a field; ``lang="zh"`` gives the
frames with Chinese column names and values (高, 事前 …).

:func:`coverage` is the matrix an audit of risk coverage starts from: e.g. risk level ×
countermeasure kind (how many high risk points have a supervision measure), or category ×
stage, as a DataFrame with every level, kind, stage or category present (a zero is a hole).

pandas is imported inside these functions only: ``import powerreg`` does not import it.
Importing this module registers :func:`to_pandas` as the model's frame builder
(:data:`powerreg.model.display.FRAMES`), so that ``Registry.to_pandas`` reaches it.

Examples:
    >>> import powerreg
    >>> reg = powerreg.load("examples/minimal")
    >>> f = reg.to_pandas()
    >>> print(f.risk_points[["id", "level", "countermeasures"]].to_string(index=False))
           id  level  countermeasures
    CF-001/R1   high                3
    CF-001/R2   high                3
    XK-001/R1 medium                2
    XK-001/R2   high                3
    >>> f.powers.attrs["labels_zh"]["promised_limit"]
    '承诺时限'
    >>> print(coverage(reg, by=("level", "stage")))  # doctest: +NORMALIZE_WHITESPACE
    stage   before  during  after  total
    level
    high         2       3      3      3
    medium       1       1      0      1
    low          0       0      0      0
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any, Literal, NamedTuple

from .errors import UsageError
from .lang import Lang, checked_lang
from .model import (
    ALIASES,
    LABELS_ZH,
    Countermeasure,
    Disclosure,
    Flowchart,
    Level,
    MeasureKind,
    Power,
    Registry,
    RiskPoint,
    RiskType,
    Stage,
    Step,
    StepKind,
    display,
    expect_registry,
    field_label,
)

#: What :func:`coverage` can put on its rows and columns: attributes of a risk point ...
RISK_DIMS = ("category", "power", "level", "type")
#: ... and of a countermeasure.
MEASURE_DIMS = ("kind", "stage")
Count = Literal["risk_points", "countermeasures"]

_ENUMS: dict[str, type[StrEnum]] = {
    "level": Level,
    "type": RiskType,
    "kind": MeasureKind,
    "stage": Stage,
}
#: The enumeration columns of each frame.
_FRAME_ENUMS: dict[str, dict[str, type[StrEnum]]] = {
    "steps": {"kind": StepKind, "top_level": Level},
    "risk_points": {"level": Level, "type": RiskType},
    "countermeasures": {"level": Level, "kind": MeasureKind, "stage": Stage},
}
#: Chinese names of the codes: LABELS_ZH, and a step kind's first Chinese word (开始 …).
_ZH = {**{v: k for k, v in reversed(ALIASES[StepKind].items())}, **LABELS_ZH}
#: One record of :func:`coverage`: a risk point, or one of its countermeasures.
_RECORD = ["risk", "power", "category", "level", "type", "kind", "stage"]


def _labels(model: type[Any], fields: Iterable[str], **extra: str) -> dict[str, str]:
    return {**{f: field_label(model, f) for f in fields}, **extra}


#: Frame name → column → Chinese label.
LABELS: dict[str, dict[str, str]] = {
    "powers": {
        **_labels(Power, ["id", "category"]),
        "category_name": "类别名称",
        **_labels(Power, ["name", "name_en", "subject", "division", "statutory_limit"]),
        "statutory_unit": "法定时限单位",
        "promised_limit": field_label(Power, "promised_limit"),
        "promised_unit": "承诺时限单位",
        "fee": field_label(Power, "fee"),
        "public": field_label(Disclosure, "public"),
        "flowcharts": "流程图数",
        "steps": "环节数",
        "risk_points": "风险点数",
        "high": "高风险点数",
        "medium": "中风险点数",
        "low": "低风险点数",
        "countermeasures": "防范措施数",
    },
    "flowcharts": {
        "id": field_label(Flowchart, "id"),
        "power_id": field_label(Power, "id"),
        "category": field_label(Power, "category"),
        "local_id": "本事项内编号",
        **_labels(Flowchart, ["title"]),
        "steps": "环节数",
        "transitions": "流转数",
        "decisions": "判断环节数",
        "risk_points": "风险点数",
        "longest_days": "最长路径工作日",
    },
    "steps": {
        "id": field_label(Step, "id"),
        "flowchart_id": "流程图编号",
        "power_id": field_label(Power, "id"),
        "category": field_label(Power, "category"),
        "local_id": "本流程图内编号",
        **_labels(Step, ["kind", "label", "role", "days", "pauses_clock"]),
        "risk_points": "风险点数",
        "top_level": "最高风险等级",
    },
    "risk_points": {
        "id": field_label(RiskPoint, "id"),
        "power_id": field_label(Power, "id"),
        "category": field_label(Power, "category"),
        "flowchart_id": "流程图编号",
        "step_id": field_label(RiskPoint, "at"),
        "local_id": "本事项内编号",
        **_labels(RiskPoint, ["level", "type", "description", "likelihood", "impact"]),
        "countermeasures": "防范措施数",
    },
    "countermeasures": {
        "id": field_label(Countermeasure, "id"),
        "risk_point_id": "风险点编号",
        "power_id": field_label(Power, "id"),
        "category": field_label(Power, "category"),
        "level": field_label(RiskPoint, "level"),
        "local_id": "本风险点内编号",
        **_labels(Countermeasure, ["kind", "stage", "description", "responsible"]),
    },
}

#: Chinese labels of :func:`coverage`'s dimensions and of its total column.
DIM_LABELS = {
    "category": "职权类别",
    "power": "权力事项",
    "level": "风险等级",
    "type": "风险类别",
    "kind": "措施类别",
    "stage": "防控阶段",
    "total": "合计",
}


class Frames(NamedTuple):
    """The registry's DataFrames, one per kind of entity."""

    powers: Any
    flowcharts: Any
    steps: Any
    risk_points: Any
    countermeasures: Any


def _pandas() -> Any:
    try:
        import pandas as pd
    except ImportError as err:  # pragma: no cover - depends on the extra
        raise UsageError("frames.need_pandas") from err
    return pd


def _limit(key: str, limit: Any) -> dict[str, Any]:
    """A time limit as two columns: ``<key>_limit`` (the amount) and ``<key>_unit``."""
    amount, unit = (None, None) if limit is None else (limit.amount, str(limit.unit))
    return {f"{key}_limit": amount, f"{key}_unit": unit}


def _rows(registry: Registry) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in LABELS}
    rank = {lv: lv.rank for lv in Level}
    names = {c.code: c.name for c in registry.categories}
    for pid in sorted(registry.powers):
        p = registry.powers[pid]
        levels = [r.level for r in p.risk_points]
        out["powers"].append(
            {
                "id": p.id,
                "category": p.category,
                "category_name": names.get(p.category),
                "name": p.name,
                "name_en": p.name_en,
                "subject": p.subject,
                "division": p.division,
                **_limit("statutory", p.statutory_limit),
                **_limit("promised", p.promised_limit),
                "fee": p.fee,
                "public": p.is_public,
                "flowcharts": len(p.flowcharts),
                "steps": sum(len(fc.steps) for fc in p.flowcharts),
                "risk_points": len(p.risk_points),
                **{lv.value: levels.count(lv) for lv in Level},
                "countermeasures": sum(len(r.countermeasures) for r in p.risk_points),
            }
        )
        for fc in p.flowcharts:
            risks = [r for r in p.risk_points if r.flowchart_id == fc.id]
            out["flowcharts"].append(
                {
                    "id": fc.gid,
                    "power_id": p.id,
                    "category": p.category,
                    "local_id": fc.id,
                    "title": fc.title,
                    "steps": len(fc.steps),
                    "transitions": len(fc.transitions),
                    "decisions": sum(s.kind is StepKind.DECISION for s in fc.steps),
                    "risk_points": len(risks),
                    "longest_days": fc.longest_path()[0],
                }
            )
            for s in fc.steps:
                here = [r.level for r in risks if r.step_id == s.id]
                out["steps"].append(
                    {
                        "id": s.gid,
                        "flowchart_id": fc.gid,
                        "power_id": p.id,
                        "category": p.category,
                        "local_id": s.id,
                        "kind": s.kind.value,
                        "label": s.label,
                        "role": s.role,
                        "days": s.days,
                        "pauses_clock": s.pauses_clock,
                        "risk_points": len(here),
                        "top_level": max(here, key=rank.__getitem__).value if here else None,
                    }
                )
        for r in p.risk_points:
            out["risk_points"].append(
                {
                    "id": r.gid,
                    "power_id": p.id,
                    "category": p.category,
                    "flowchart_id": f"{p.id}/{r.flowchart_id}",
                    "step_id": f"{p.id}/{r.at}",
                    "local_id": r.id,
                    "level": r.level.value,
                    "type": r.type.value,
                    "description": r.description,
                    "likelihood": r.likelihood,
                    "impact": r.impact,
                    "countermeasures": len(r.countermeasures),
                }
            )
            for m in r.countermeasures:
                out["countermeasures"].append(
                    {
                        "id": m.gid,
                        "risk_point_id": r.gid,
                        "power_id": p.id,
                        "category": p.category,
                        "level": r.level.value,
                        "local_id": m.id,
                        "kind": m.kind.value,
                        "stage": m.stage.value,
                        "description": m.description,
                        "responsible": m.responsible,
                    }
                )
    return out


def _categorical(pd: Any, values: Any, codes: list[str], lang: Lang | None) -> Any:
    """Enumeration codes as a categorical in canonical order, in Chinese for ``zh``."""
    cat = pd.Categorical(values, categories=codes)
    return cat.rename_categories([_ZH.get(c, c) for c in codes]) if lang == "zh" else cat


def _frame(pd: Any, name: str, rows: list[dict[str, Any]], lang: Lang | None) -> Any:
    labels = LABELS[name]
    df = pd.DataFrame(rows, columns=list(labels))
    for col, enum in _FRAME_ENUMS.get(name, {}).items():
        df[col] = _categorical(pd, df[col], [m.value for m in enum], lang)
    for col in ("statutory_limit", "promised_limit", "days", "likelihood", "impact"):
        if col in df.columns:
            df[col] = df[col].astype("Int64")  # a count that may be missing
    if lang == "zh":
        df = df.rename(columns=labels)
    df.attrs["labels_zh"] = dict(labels)
    return df


def to_pandas(registry: Registry, lang: Lang | None = None) -> Frames:
    """The registry as tidy DataFrames: powers, flowcharts, steps, risk points and
    countermeasures, powers in id order and every child in its registry order.

    Args:
        registry: the registry.
        lang: ``"zh"`` for Chinese column names and enumeration values; English (the
            codes) otherwise. The Chinese labels are in ``frame.attrs["labels_zh"]``.

    Raises:
        UsageError: pandas is not installed (extra ``notebook``).
    """
    expect_registry(registry, "powerreg.to_pandas")
    lang = checked_lang(lang)
    pd = _pandas()
    rows = _rows(registry)
    return Frames(*(_frame(pd, name, rows[name], lang) for name in Frames._fields))


def _dim_values(registry: Registry, dim: str, lang: Lang | None) -> tuple[list[str], list[str]]:
    """The codes of a dimension in display order, and their labels."""
    if dim == "category":
        codes = [c.code for c in registry.categories]
        names = [c.name for c in registry.categories]
    elif dim == "power":
        codes = sorted(registry.powers)
        names = codes
    else:
        codes = [m.value for m in _ENUMS[dim]]
        names = [_ZH.get(c, c) for c in codes]
    return codes, names if lang == "zh" else codes


def coverage(
    registry: Registry,
    by: tuple[str, str] = ("level", "kind"),
    *,
    count: Count = "risk_points",
    lang: Lang | None = None,
) -> Any:
    """The coverage matrix of a registry as a DataFrame: rows by ``by[0]``, columns by
    ``by[1]``, each of ``category``, ``power``, ``level``, ``type`` (of a risk point),
    ``kind`` or ``stage`` (of a countermeasure).

    With ``count="risk_points"`` (the default) a cell counts the risk points of its row
    that at least one countermeasure of its column guards (level × kind: the high risk
    points with a supervision measure); between two attributes of a risk point
    (category × level), the risk points. The last column, ``total``, counts the risk
    points of the row, so a cell short of it is a gap. With ``count="countermeasures"``
    a cell counts countermeasures and ``total`` is the row's sum. Every category, level,
    type, kind and stage has its row or column, in display order, zeros included.

    Args:
        registry: the registry.
        by: ``(rows, columns)``.
        count: what a cell counts.
        lang: ``"zh"`` labels rows and columns in Chinese (类别名称, 高, 监督 …).

    Raises:
        UsageError: ``by`` names something else, or one thing twice; pandas is missing.

    Examples:
        >>> import powerreg
        >>> reg = powerreg.load("examples/minimal")
        >>> m = coverage(reg, by=("category", "kind"), lang="zh")
        >>> m.loc["行政处罚", ["监督", "科技", "合计"]].tolist()
        [2, 1, 2]
    """
    expect_registry(registry, "powerreg.coverage")
    lang = checked_lang(lang)
    dims = RISK_DIMS + MEASURE_DIMS
    if len(by) != 2 or by[0] == by[1] or any(d not in dims for d in by):
        raise UsageError("frames.coverage_by", by=repr(by), dims=", ".join(dims))
    if count not in ("risk_points", "countermeasures"):
        raise UsageError("frames.coverage_count", count=repr(count))
    pd = _pandas()
    records = _records(registry, measures=count == "countermeasures" or _any_measure(by))
    row, col = by
    frame = pd.DataFrame(records, columns=_RECORD)
    if count == "risk_points":
        frame = frame.drop_duplicates(["risk", row, col])
    (row_codes, row_names), (col_codes, col_names) = (_dim_values(registry, d, lang) for d in by)
    table = pd.crosstab(frame[row], frame[col]).reindex(index=row_codes, columns=col_codes)
    table = table.fillna(0).astype(int)
    if count == "risk_points":
        risks = pd.DataFrame(_records(registry, measures=row in MEASURE_DIMS), columns=_RECORD)
        totals = risks.drop_duplicates(["risk", row]).groupby(row).size()
    else:
        totals = table.sum(axis=1)
    table["total"] = totals.reindex(row_codes).fillna(0).astype(int).to_numpy()
    table.index = pd.Index(row_names, name=DIM_LABELS[row] if lang == "zh" else row)
    total = DIM_LABELS["total"] if lang == "zh" else "total"
    table.columns = pd.Index([*col_names, total], name=DIM_LABELS[col] if lang == "zh" else col)
    return table


def _any_measure(by: Iterable[str]) -> bool:
    return any(d in MEASURE_DIMS for d in by)


def _records(registry: Registry, *, measures: bool) -> list[tuple[Any, ...]]:
    """One record per risk point, or per countermeasure with its risk point's attributes:
    ``(risk id, power, category, level, type, kind, stage)``."""
    out: list[tuple[Any, ...]] = []
    for p, r in registry.iter_risk_points():
        risk = (r.gid, p.id, p.category, r.level.value, r.type.value)
        if measures:
            out += [(*risk, m.kind.value, m.stage.value) for m in r.countermeasures]
        else:
            out.append((*risk, None, None))
    return out


display.FRAMES = to_pandas  # Registry.to_pandas reaches it (the model cannot import pandas)
