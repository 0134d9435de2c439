"""The scale generator: registries of any size with the reference registry's shape,
deterministic for a seed, clean under the default audit, and written as directories that
load back equal."""

from __future__ import annotations

import gc
import random
import re
import tempfile
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import powerreg
from powerreg import Registry, StepKind, UsageError
from powerreg.synth import CATEGORIES, REFERENCE_COUNTS, apportion, generate, write_registry
from powerreg.synth import generator as synth_build
from powerreg.synth import yamlfiles as synth_write


@pytest.fixture(scope="module")
def reg300() -> Registry:
    return generate(300, seed=11)


# ------------------------------------------------------------------ determinism and size


def test_same_seed_same_registry_other_seed_other_registry() -> None:
    assert generate(60, seed=5) == generate(60, seed=5)
    assert list(generate(60, seed=5).powers) == list(generate(60, seed=5).powers)
    assert generate(60, seed=5) != generate(60, seed=6)


def test_leaves_the_global_random_stream_alone() -> None:
    random.seed(1)
    expected = random.random()
    random.seed(1)
    generate(20, seed=3)
    assert random.random() == expected


@pytest.mark.parametrize("n", [0, 1, 6, 7, 13, 84])
def test_it_makes_n_powers(n: int) -> None:
    reg = generate(n)
    assert len(reg.powers) == n
    assert [(c.code, c.name, c.name_en) for c in reg.categories] == list(CATEGORIES)


def test_negative_size_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="0 or more"):
        generate(-1)


def test_about_three_risks_a_power_and_three_measures_a_risk(reg300: Registry) -> None:
    s = reg300.stats()
    assert 2.7 <= s.risk_points / s.powers <= 3.3  # reference: 247/84 = 2.94
    assert 2.8 <= s.countermeasures / s.risk_points <= 3.5  # reference: 779/247 = 3.15
    assert 1.25 <= s.flowcharts / s.powers <= 1.55  # reference: 118/84 = 1.40
    shares = {k: v / s.risk_points for k, v in s.risk_points_by_level.items()}
    assert shares == pytest.approx({"high": 0.30, "medium": 0.45, "low": 0.25}, abs=0.06)


def test_charts_and_steps_within_the_reference_ranges(reg300: Registry) -> None:
    assert {len(p.flowcharts) for p in reg300.powers.values()} == {1, 2, 3}
    sizes = Counter(len(fc.steps) for _, fc in reg300.iter_flowcharts())
    assert min(sizes) == 6
    assert max(sizes) == 12


# ------------------------------------------------------------------ categories and ids


def test_categories_are_the_reference_ones() -> None:
    ref = powerreg.load_reference()
    assert [(c.code, c.name, c.name_en) for c in ref.categories] == list(CATEGORIES)
    assert ref.stats().powers_by_category == REFERENCE_COUNTS


@pytest.mark.parametrize("n", [7, 8, 14, 20, 84, 300, 1001])
def test_every_category_present_in_the_reference_proportions(n: int) -> None:
    counts = apportion(n)
    assert sum(counts.values()) == n
    assert min(counts.values()) >= 1
    if n >= 84:
        for code, count in counts.items():
            assert abs(count - n * REFERENCE_COUNTS[code] / 84) < 1
    assert apportion(84) == REFERENCE_COUNTS
    assert all(
        count == 0 or code in ("XK", "SP", "CF", "QT") for code, count in apportion(5).items()
    )


def test_ids_are_numbered_within_their_category() -> None:
    reg = generate(20)
    assert all(re.fullmatch(r"(XK|SP|CF|QZ|ZS|JC|QT)-\d{6}", pid) for pid in reg.powers)
    assert all(p.id == pid and pid.startswith(p.category) for pid, p in reg.powers.items())
    assert reg.powers["CF-000001"].risk_points[0].countermeasures[0].gid == "CF-000001/R1/M1"
    assert reg.stats().powers_by_category == generate(20, seed=9).stats().powers_by_category


# ------------------------------------------------------------------ soundness


def test_the_default_audit_finds_nothing(reg300: Registry) -> None:
    assert powerreg.audit(reg300, lang="en").findings == []


def test_it_validates_as_the_models_demand(reg300: Registry) -> None:
    data = reg300.model_dump(by_alias=True)
    assert Registry.model_validate(data) == reg300


def test_risks_sit_on_real_steps_and_every_decision_carries_one(reg300: Registry) -> None:
    for p in reg300.powers.values():
        kinds = {(fc.id, s.id): s.kind for fc in p.flowcharts for s in fc.steps}
        at = [(r.flowchart_id, r.step_id) for r in p.risk_points]
        assert {kinds[a] for a in at} <= {StepKind.TASK, StepKind.DECISION}
        assert {k for k, kind in kinds.items() if kind is StepKind.DECISION} <= set(at)


def test_step_days_fit_the_promise_and_the_promise_the_law(reg300: Registry) -> None:
    with_law = 0
    for p in reg300.powers.values():
        assert p.promised_limit is not None
        assert p.promised_limit.in_working_days
        assert all(fc.longest_path()[0] <= p.promised_limit.amount for fc in p.flowcharts)
        if p.statutory_limit is not None:
            with_law += 1
            assert 3 * p.promised_limit.amount <= 2 * p.statutory_limit.amount
    assert with_law > 0


def test_high_risks_are_watched_and_measures_spread_over_stages(reg300: Registry) -> None:
    for _, r in reg300.iter_risk_points():
        kinds = {m.kind.value for m in r.countermeasures}
        assert len({m.stage for m in r.countermeasures}) >= 2
        if r.level.value == "high":
            assert len(r.countermeasures) >= 3
            assert kinds & {"supervision", "technology"}


# ------------------------------------------------------------------ the reference's shapes


def _labels(reg: Registry, code: str) -> list[list[str]]:
    return [
        [s.label for s in p.flowcharts[0].steps] for p in reg.powers.values() if p.category == code
    ]


def _in_order(labels: list[str], words: list[str]) -> bool:
    text = "|".join(labels)
    pos = 0
    for w in words:
        pos = text.find(w, pos)
        if pos < 0:
            return False
    return True


def test_licensing_has_a_correction_loop_and_a_rejection_branch(reg300: Registry) -> None:
    for p in reg300.powers_of("XK"):
        fc = p.flowcharts[0]
        accept = fc.steps[1]
        assert accept.kind is StepKind.DECISION
        assert "受理" in accept.label
        assert not nx.is_directed_acyclic_graph(fc.graph())  # 补正 → 受理
        branches = [t for t in fc.transitions if t.source == accept.id]
        assert len(branches) == 3
        assert all(t.when for t in branches)
        assert sum(s.kind is StepKind.DECISION for s in fc.steps) == 2  # 受理, 决定


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("CF", ["立案", "调查取证", "审", "告知", "决定", "送达"]),
        ("ZS", ["申报", "核定", "缴", "稽查"]),
        ("JC", ["检查", "笔录", "处理意见", "归档"]),
        ("QZ", ["审批", "实施", "处理决定"]),
    ],
)
def test_other_categories_follow_their_procedure(
    reg300: Registry, code: str, words: list[str]
) -> None:
    charts = _labels(reg300, code)
    assert charts
    assert all(_in_order(labels, words) for labels in charts)


def test_texts_vary(reg300: Registry) -> None:
    risks = [r.description for _, r in reg300.iter_risk_points()]
    measures = [m.description for _, r in reg300.iter_risk_points() for m in r.countermeasures]
    names = {p.name for p in reg300.powers.values()}
    assert len(set(risks)) / len(risks) >= 0.9
    assert len(set(measures)) / len(measures) >= 0.6
    assert len(names) >= 40
    assert all(re.search(r"[\u4e00-\u9fff]", t) for t in risks + measures)


# ------------------------------------------------------------------ the collector


def test_collector_state_is_restored() -> None:
    gc.disable()
    try:
        generate(3)
        assert not gc.isenabled()
    finally:
        gc.enable()
    generate(3)
    assert gc.isenabled()


def test_large_builds_are_frozen_out_of_the_collectors_sight(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(synth_build, "FREEZE_AT", 5)
    before = gc.get_freeze_count()
    try:
        generate(4)
        assert gc.get_freeze_count() == before
        generate(5)
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()


# ------------------------------------------------------------------ writing


def test_written_registry_loads_back_equal(tmp_path: Path) -> None:
    reg = generate(50, seed=4)
    out = write_registry(reg, tmp_path / "reg")
    assert out == tmp_path / "reg"
    assert sorted(p.name for p in out.iterdir()) == ["powers", "registry.yaml"]
    assert sorted(p.stem for p in (out / "powers").iterdir()) == sorted(reg.powers)
    back = powerreg.load(out)
    assert back == reg
    assert powerreg.audit(back).findings == []
    text = (out / "powers" / "XK-000001.yaml").read_text(encoding="utf-8")
    assert "- S1 -> S2\n" in text
    assert "kind: task" not in text
    assert re.search(r"^  - \{id: S1, kind: start, label: ", text, re.M)


def test_progress_is_reported_per_power(tmp_path: Path) -> None:
    steps: list[int] = []
    write_registry(generate(9), tmp_path / "reg", progress=steps.append)
    assert steps == [1] * 9


def test_an_existing_registry_is_replaced(tmp_path: Path) -> None:
    out = tmp_path / "reg"
    write_registry(generate(30, seed=1), out)
    second = generate(10, seed=2)
    write_registry(second, out)
    assert powerreg.load(out) == second
    assert len(list((out / "powers").iterdir())) == 10
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reg"]  # no temporary left over


def test_an_empty_directory_is_used(tmp_path: Path) -> None:
    (tmp_path / "reg").mkdir()
    write_registry(generate(3), tmp_path / "reg")
    assert powerreg.load(tmp_path / "reg") == generate(3)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: (d / "notes.txt").write_text("mine"), "not a registry directory"),
        (lambda d: (d / "powers").mkdir(), "not a registry directory"),
    ],
)
def test_other_directories_are_refused_untouched(
    tmp_path: Path, make: object, message: str
) -> None:
    target = tmp_path / "reg"
    target.mkdir()
    make(target)  # type: ignore[operator]
    before = sorted(p.name for p in target.iterdir())
    with pytest.raises(UsageError, match=message):
        write_registry(generate(3), target)
    assert sorted(p.name for p in target.iterdir()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reg"]


def test_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "reg"
    target.write_text("x")
    with pytest.raises(UsageError, match="not a directory"):
        write_registry(generate(3), target)
    assert target.read_text() == "x"


def test_a_failure_leaves_nothing_half_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "reg"
    first = generate(8, seed=1)
    write_registry(first, out)
    calls = 0

    def failing(power: powerreg.Power) -> str:
        nonlocal calls
        calls += 1
        if calls % 5 == 0:
            raise OSError(28, "No space left on device")
        return f"id: {power.id}\n"

    monkeypatch.setattr(synth_write, "power_yaml", failing)
    with pytest.raises(OSError, match="No space"):
        write_registry(generate(8, seed=2), out)
    assert powerreg.load(out) == first  # the previous registry, untouched
    with pytest.raises(OSError, match="No space"):
        write_registry(generate(8, seed=2), tmp_path / "new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reg"]  # no temporary left over


# ------------------------------------------------------------------ any size, any seed


@settings(max_examples=25, deadline=None)
@given(n=st.integers(0, 24), seed=st.integers(-(2**40), 2**40))
def test_generated_registries_always_load_and_audit_clean(n: int, seed: int) -> None:
    reg = generate(n, seed=seed)
    assert len(reg.powers) == n
    assert powerreg.audit(reg).findings == []
    with tempfile.TemporaryDirectory() as tmp:
        back = powerreg.load(write_registry(reg, Path(tmp) / "reg"))
    assert back == reg
    assert powerreg.audit(back).findings == []
