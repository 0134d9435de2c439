"""Load + validate speed, as a ratio to a plain baseline measured in the same run.

Baseline: ``yaml.load`` with libyaml's CSafeLoader + pydantic ``model_validate`` of the
same files, without location tracking or cross-file checks. Goal (issue 7): ≤ 1.5×.

Registries: the example fixture, the bundled reference registry, and directories of N
generated powers (``powerreg.synth``). Run: ``.venv/bin/python benchmarks/bench_load.py
[N ...]`` (default 1000 and 10000).
"""

from __future__ import annotations

import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

from powerreg import Power, RegistryMeta, load
from powerreg.model import DEFER_REFERENCES
from powerreg.reference import reference_path
from powerreg.synth import generate, write_registry

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "minimal"


def make_generated(n: int, into: Path) -> Path:
    """A registry directory of ``n`` generated powers."""
    return write_registry(generate(n, seed=7), into / "registry")


def baseline(root: Path) -> None:
    loader = yaml.CSafeLoader
    RegistryMeta.model_validate(yaml.load((root / "registry.yaml").read_bytes(), Loader=loader))
    gc.disable()
    try:
        for path in sorted((root / "powers").glob("*.yaml")):
            data = yaml.load(path.read_bytes(), Loader=loader)
            Power.model_validate(data, context={DEFER_REFERENCES: True})
    finally:
        gc.enable()


def best_of(fn: object, arg: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn(arg)  # type: ignore[operator]
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def measure(name: str, root: Path, repeat: int) -> dict[str, object]:
    base = best_of(baseline, root, repeat)
    ours = best_of(load, root, repeat)
    n = len(list((root / "powers").glob("*.yaml")))
    return {
        "case": f"load {name} ({n} powers)",
        "baseline_s": base,
        "powerreg_s": ours,
        "ratio": ours / base,
        "goal": "≤ 1.5×",
    }


def main(argv: list[str]) -> list[dict[str, object]]:
    sizes = [int(a) for a in argv] or [1000, 10000]
    rows = [measure("example", EXAMPLE, 15)]
    ref = reference_path()
    if any((ref / "powers").glob("*.yaml")):
        rows.append(measure("reference", ref, 7))
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            rows.append(measure("generated", make_generated(n, Path(tmp)), 3))
    for r in rows:
        print(
            f"{r['case']:<36} baseline {r['baseline_s']:.3f}s  powerreg {r['powerreg_s']:.3f}s"
            f"  ratio {r['ratio']:.2f}× (goal {r['goal']})"
        )
    return rows


if __name__ == "__main__":
    main(sys.argv[1:])
