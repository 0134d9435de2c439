"""Hypothesis: generated registries load with unique global ids; mutations of them load or
raise RegistryError, never another exception."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from powerreg import RegistryError, load

from .conftest import META, dump

ids = st.from_regex(r"[A-Z][A-Za-z0-9-]{0,6}", fullmatch=True)
text = (
    st.text(
        alphabet=st.sampled_from("审批处罚受理决定送达材料核查现场abc 123，。"),
        min_size=1,
        max_size=12,
    )
    .map(str.strip)
    .filter(bool)
)


@st.composite
def flowcharts(draw: st.DrawFn, fc_id: str) -> dict[str, Any]:
    n = draw(st.integers(2, 7))
    steps = [
        {
            "id": f"S{i + 1}",
            "kind": "task",
            "label": draw(text),
            "role": draw(text),
            "days": draw(st.integers(0, 20)),
        }
        for i in range(n)
    ]
    steps[0]["kind"] = "start"
    steps[-1]["kind"] = "end"
    transitions: list[Any] = [f"S{i + 1} -> S{i + 2}" for i in range(n - 1)]
    extra = draw(st.lists(st.tuples(st.integers(1, n), st.integers(1, n)), max_size=3))
    transitions += [{"from": f"S{a}", "to": f"S{b}", "when": draw(text)} for a, b in extra]
    return {"id": fc_id, "title": draw(text), "steps": steps, "transitions": transitions}


@st.composite
def powers(draw: st.DrawFn, pid: str, category: str) -> dict[str, Any]:
    fcs = [draw(flowcharts(f"F{i + 1}")) for i in range(draw(st.integers(1, 2)))]
    risks = []
    for k in range(draw(st.integers(0, 3))):
        fc = draw(st.sampled_from(fcs))
        step = draw(st.sampled_from(fc["steps"]))
        measures = [
            {
                "id": f"M{j + 1}",
                "kind": draw(st.sampled_from(["制度", "supervision", "technology", "公开"])),
                "stage": draw(st.sampled_from(["before", "事中", "after"])),
                "description": draw(text),
            }
            for j in range(draw(st.integers(0, 3)))
        ]
        risks.append(
            {
                "id": f"R{k + 1}",
                "at": f"{fc['id']}/{step['id']}",
                "level": draw(st.sampled_from(["high", "中", "三级"])),
                "type": draw(st.sampled_from(["ethics", "duty", "业务流程"])),
                "description": draw(text),
                "countermeasures": measures,
            }
        )
    return {
        "id": pid,
        "category": category,
        "name": draw(text),
        "subject": draw(text),
        "division": draw(text),
        "legal_basis": [draw(text)],
        "flowcharts": fcs,
        "risk_points": risks,
    }


@st.composite
def registries(draw: st.DrawFn) -> dict[str, dict[str, Any]]:
    stems = draw(st.lists(ids, min_size=1, max_size=4, unique=True))
    return {s: draw(powers(s, draw(st.sampled_from(["XK", "CF"])))) for s in stems}


def write(files: dict[str, Any]) -> Path:
    root = Path(tempfile.mkdtemp(prefix="powerreg-hyp-"))
    (root / "powers").mkdir()
    (root / "registry.yaml").write_text(dump(META), encoding="utf-8")
    for stem, content in files.items():
        data = content if isinstance(content, (str, bytes)) else dump(content)
        path = root / "powers" / f"{stem}.yaml"
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    return root


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registries())
def test_generated_registries_load_with_unique_global_ids(files: dict[str, Any]) -> None:
    root = write(files)
    try:
        reg = load(root)
    finally:
        shutil.rmtree(root)
    gids = [reg.powers[pid].gid for pid in reg.powers]
    for p in reg.powers.values():
        for fc in p.flowcharts:
            gids += [fc.gid] + [s.gid for s in fc.steps]
        for r in p.risk_points:
            gids += [r.gid] + [m.gid for m in r.countermeasures]
    assert len(gids) == len(set(gids))
    assert all(reg.location(g) is not None for g in gids)


def _mutate(data: Any, draw: st.DrawFn) -> Any:
    """Replace, drop or add one value somewhere in the data."""
    if isinstance(data, dict) and data:
        key = draw(st.sampled_from(sorted(data)))
        action = draw(st.sampled_from(["replace", "drop", "add", "descend"]))
        if action == "drop":
            return {k: v for k, v in data.items() if k != key}
        if action == "add":
            return {**data, draw(st.sampled_from(["x", "id", "when", "级别"])): draw(junk)}
        if action == "replace":
            return {**data, key: draw(junk)}
        return {**data, key: _mutate(data[key], draw)}
    if isinstance(data, list) and data:
        i = draw(st.integers(0, len(data) - 1))
        return [*data[:i], _mutate(data[i], draw), *data[i + 1 :]]
    return draw(junk)


junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**20),
    st.floats(),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.sampled_from(["S1 -> S9", "F1/S1", "高", "->", "a/b/c", "XK-001"]),
)


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    files: dict[str, Any] = dict(draw(registries()))
    stem = draw(st.sampled_from(sorted(files)))
    how = draw(st.sampled_from(["data", "text", "bytes"]))
    if how == "data":
        files[stem] = _mutate(files[stem], draw)
    else:
        raw = dump(files[stem]).encode("utf-8")
        cut = draw(st.integers(0, len(raw)))
        insert = draw(
            st.sampled_from(
                [
                    b"",
                    b"\xff",
                    b"&a ",
                    b"*a",
                    b"!!python/object ",
                    b"]",
                    b": :",
                    b"\t",
                    b"\x00",
                    b"- ",
                    b"{",
                ]
            )
        )
        files[stem] = raw[:cut] + insert + raw[cut + draw(st.integers(0, 3)) :]
    return files


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutations_load_or_raise_registry_error(files: dict[str, Any]) -> None:
    root = write(files)
    problems = []
    try:
        load(root)
    except RegistryError as err:
        problems = err.problems
        assert problems
    finally:
        shutil.rmtree(root)
    assert all(p.code in {"E001", "E002", "E003", "E004", "E005", "E006", "E007"} for p in problems)
    assert all(p.file.startswith("powers/") or p.file == "registry.yaml" for p in problems)


def test_yaml_of_test_data_is_plain() -> None:
    # an object met twice must be written out twice: PyYAML would write an anchor and an
    # alias, which powerreg refuses (E006), and the properties above would prove little
    shared = {"code": "XK", "name": "行政许可"}
    text = dump({**META, "categories": [shared, shared]})
    assert "&" not in text
    assert "*" not in text
    assert yaml.safe_load(dump(META)) == META
