"""Semantic diff speed, as a ratio to loading both editions in the same run (issue 18).

Two editions of N generated powers (default 10,000) are written as YAML directories: the
second is the first with about 1% of its powers mutated (a limit changed, a step
relabelled, a risk level lowered, a countermeasure added, a power removed and one added).
Then, in one run:

* baseline: ``powerreg.load`` of both directories;
* powerreg: ``powerreg.diff`` of the two directories (loading both, then comparing).

Goal (issue 18): diff ≤ 1.5× loading both.

Run: ``.venv/bin/python benchmarks/bench_diff.py [-n N]``.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import powerreg
from powerreg.model import Registry
from powerreg.synth import generate
from powerreg.synth.yamlfiles import write_registry

GOAL = 1.5


def mutate(reg: Registry, share: float = 0.01, seed: int = 18) -> Registry:
    """A new edition: about ``share`` of the powers changed in one way each."""
    rng = random.Random(seed)
    data: dict[str, Any] = reg.model_dump(by_alias=True)
    ids = sorted(data["powers"])
    for i, pid in enumerate(rng.sample(ids, max(1, int(len(ids) * share)))):
        p = data["powers"][pid]
        kind = i % 5
        if kind == 0:
            p["promised_limit"] = {"amount": 9, "unit": "working_days"}
        elif kind == 1 and p["flowcharts"]:
            p["flowcharts"][0]["steps"][-1]["label"] += "（调整）"
        elif kind == 2 and p["risk_points"]:
            p["risk_points"][0]["level"] = "low"
        elif kind == 3 and p["risk_points"]:
            p["risk_points"][0]["countermeasures"].append(
                {"id": "M99", "kind": "education", "stage": "before", "description": "新增措施"}
            )
        else:
            del data["powers"][pid]
    return Registry.model_validate(data)


def main(argv: list[str]) -> list[dict[str, object]]:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=10_000)
    args = parser.parse_args(argv)
    reg = generate(args.n, seed=2011)
    with tempfile.TemporaryDirectory() as tmp:
        old, new = Path(tmp) / "old", Path(tmp) / "new"
        write_registry(reg, old)
        write_registry(mutate(reg), new)
        t = time.perf_counter()
        powerreg.load(old)
        powerreg.load(new)
        baseline = time.perf_counter() - t
        t = time.perf_counter()
        result = powerreg.diff(old, new)
        took = time.perf_counter() - t
    return [
        {
            "case": f"diff two editions of {args.n:,} powers ({len(result.changes)} changes)"
            " vs loading both",
            "baseline_s": baseline,
            "powerreg_s": took,
            "ratio": took / baseline,
            "goal": f"≤ {GOAL}×",
        }
    ]


if __name__ == "__main__":
    for row in main(sys.argv[1:]):
        print(row)
