"""The registry as DataFrames and its coverage matrices (issue 16.11)."""

from __future__ import annotations

from collections import Counter

import pandas as pd
import pytest

import powerreg
from powerreg import Registry, UsageError
from powerreg.frames import LABELS
from powerreg.model import LABELS_ZH, Level, MeasureKind, Stage


@pytest.fixture(scope="module")
def reference() -> Registry:
    return powerreg.load_reference()


@pytest.fixture(scope="module")
def frames(reference: Registry) -> powerreg.Frames:
    return reference.to_pandas()


def test_one_tidy_row_per_entity(reference: Registry, frames: powerreg.Frames) -> None:
    stats = reference.stats()
    sizes = {name: len(getattr(frames, name)) for name in powerreg.Frames._fields}
    assert sizes == {
        "powers": stats.powers,
        "flowcharts": stats.flowcharts,
        "steps": stats.steps,
        "risk_points": stats.risk_points,
        "countermeasures": stats.countermeasures,
    }
    assert (stats.powers, stats.flowcharts, stats.risk_points) == (84, 118, 247)
    for name in powerreg.Frames._fields:
        df = getattr(frames, name)
        assert df["id"].is_unique, name
        assert list(df.columns) == list(LABELS[name]), name
    # every child names its parent, and parents exist
    assert set(frames.flowcharts["power_id"]) <= set(frames.powers["id"])
    assert set(frames.steps["flowchart_id"]) <= set(frames.flowcharts["id"])
    assert set(frames.risk_points["step_id"]) <= set(frames.steps["id"])
    assert set(frames.countermeasures["risk_point_id"]) <= set(frames.risk_points["id"])


def test_frames_agree_with_the_registry(reference: Registry, frames: powerreg.Frames) -> None:
    p = reference.powers["XK-001"]
    row = frames.powers.set_index("id").loc["XK-001"]
    assert row["name"] == p.name
    assert row["category_name"] == reference.category(p.category).name
    assert row["risk_points"] == len(p.risk_points)
    assert row["high"] == sum(r.level is Level.HIGH for r in p.risk_points)
    assert row["countermeasures"] == sum(len(r.countermeasures) for r in p.risk_points)
    assert row["promised_limit"] == p.promised_limit.amount  # type: ignore[union-attr]
    risks = frames.risk_points
    assert risks["level"].value_counts().to_dict() == reference.stats().risk_points_by_level
    assert list(risks["level"].cat.categories) == ["high", "medium", "low"]
    measures = frames.countermeasures.groupby("risk_point_id").size()
    assert (risks.set_index("id")["countermeasures"][measures.index] == measures).all()
    chart = p.flowcharts[0]
    fc = frames.flowcharts.set_index("id").loc[chart.gid]
    assert fc["longest_days"] == chart.longest_path()[0]


def test_chinese_labels(reference: Registry, frames: powerreg.Frames) -> None:
    assert frames.powers.attrs["labels_zh"]["name"] == "事项名称"
    assert frames.risk_points.attrs["labels_zh"]["level"] == "风险等级"
    zh = reference.to_pandas(lang="zh")
    assert list(zh.risk_points.columns) == list(LABELS["risk_points"].values())
    assert list(zh.risk_points["风险等级"].cat.categories) == ["高", "中", "低"]
    assert set(zh.countermeasures["防控阶段"]) == {"事前", "事中", "事后"}
    assert set(zh.steps["环节类型"]) == {"开始", "环节", "判断", "结束"}
    # the same rows, only named in Chinese
    assert (zh.risk_points["风险点编号"] == frames.risk_points["id"]).all()


def _independent(reference: Registry, row: str, col: str) -> dict[tuple[str, str], int]:
    """Risk points per (row, column) value, counted without pandas."""
    found: Counter[tuple[str, str]] = Counter()
    for p, r in reference.iter_risk_points():
        risk = {"category": p.category, "power": p.id, "level": r.level, "type": r.type}
        if col in ("kind", "stage"):
            found.update({(risk[row], getattr(m, col).value) for m in r.countermeasures})
        else:
            found[risk[row], risk[col]] += 1
    return dict(found)


@pytest.mark.parametrize("by", [("level", "kind"), ("category", "stage"), ("category", "level")])
def test_coverage_counts_risk_points(reference: Registry, by: tuple[str, str]) -> None:
    matrix = powerreg.coverage(reference, by=by)
    expected = _independent(reference, *by)
    cells = {(i, c): int(matrix.loc[i, c]) for i in matrix.index for c in matrix.columns[:-1]}
    assert {k: v for k, v in cells.items() if v} == expected
    # total: the risk points of the row, which no cell exceeds
    per_row = Counter(
        {"category": p.category, "level": r.level.value}[by[0]]
        for p, r in reference.iter_risk_points()
    )
    assert matrix["total"].to_dict() == {i: per_row[i] for i in matrix.index}
    assert (matrix.iloc[:, :-1].le(matrix["total"], axis=0)).all().all()


def test_coverage_shows_every_value_in_order(reference: Registry) -> None:
    matrix = powerreg.coverage(reference, by=("level", "kind"))
    assert list(matrix.index) == [lv.value for lv in Level]
    assert list(matrix.columns) == [k.value for k in MeasureKind] + ["total"]
    assert matrix.loc["high", "supervision"] > 0
    by_stage = powerreg.coverage(reference, by=("category", "stage"), lang="zh")
    assert list(by_stage.index) == [c.name for c in reference.categories]
    assert list(by_stage.columns) == [LABELS_ZH[s.value] for s in Stage] + ["合计"]
    assert by_stage.index.name == "职权类别"


def test_coverage_of_countermeasures(reference: Registry) -> None:
    matrix = powerreg.coverage(reference, by=("level", "stage"), count="countermeasures")
    assert int(matrix["total"].sum()) == reference.stats().countermeasures
    assert matrix["total"].to_dict() == reference.stats().countermeasures_by_level


def test_a_hole_is_a_zero() -> None:
    reg = powerreg.load_reference()
    for p in reg.powers.values():
        for r in p.risk_points:
            r.countermeasures = [
                m for m in r.countermeasures if m.kind is not MeasureKind.EDUCATION
            ]
    matrix = powerreg.coverage(reg, by=("level", "kind"))
    assert (matrix["education"] == 0).all()
    assert isinstance(matrix, pd.DataFrame)


@pytest.mark.parametrize(
    "by", [("level",), ("level", "level"), ("level", "colour"), ("a", "b", "c")]
)
def test_coverage_says_what_it_can_count(reference: Registry, by: tuple[str, ...]) -> None:
    with pytest.raises(UsageError, match="category, power, level, type, kind, stage"):
        powerreg.coverage(reference, by=by)  # type: ignore[arg-type]
