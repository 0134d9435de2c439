"""Audit speed at growing sizes: the growth exponent (goal: linear, ≈ 1.0).

Registries come from the scale generator (``powerreg.synth.generator``). For each size the
audit is timed, and the exponent is the slope of log(time) against log(size) between the
smallest and the largest size, so it is a ratio within one run, not a number from another
day. Run: ``.venv/bin/python benchmarks/bench_audit.py [N ...]`` (default 1,000, 10,000
and 100,000).
"""

from __future__ import annotations

import math
import sys
import time

from powerreg import audit
from powerreg.synth import generate


def main(argv: list[str]) -> list[dict[str, object]]:
    sizes = [int(a) for a in argv] or [1_000, 10_000, 100_000]
    times = []
    for n in sizes:
        reg = generate(n, seed=1)
        t = time.perf_counter()
        report = audit(reg, lang="en")
        times.append(time.perf_counter() - t)
        print(f"audit {n:>7} powers: {times[-1]:.3f}s, {len(report.findings)} findings")
    exponent = math.log(times[-1] / times[0]) / math.log(sizes[-1] / sizes[0])
    print(f"growth exponent {exponent:.2f} (goal ≈ 1.0, linear)")
    return [
        {
            "case": f"audit {sizes[0]:,} → {sizes[-1]:,} powers (time ratio)",
            "baseline_s": times[0],
            "powerreg_s": times[-1],
            "ratio": times[-1] / times[0],
            "goal": f"exponent {exponent:.2f}, goal ≈ 1.0",
        }
    ]


if __name__ == "__main__":
    main(sys.argv[1:])
