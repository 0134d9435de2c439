"""``powerreg build`` end to end, as a person runs it (a fresh process, imports included).

- On the bundled registry: wall time against the floor measured in the same run — a bare
  ``import powerreg`` process plus one plain ``dot -Tsvg -O`` over the same 118 DOT
  sources (the two costs no build can avoid). Goal: ≤ 1.5 s wall on 2 cores.
- On N generated powers (default 10,000): time by stage and peak memory of the build
  process. Goal: peak ≤ 1 GB.

Run: ``.venv/bin/python benchmarks/bench_build.py [N]``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import powerreg
from powerreg.render import dot_source
from powerreg.synth import generate, write_registry

BIN = Path(sys.executable).parent


def run_build(args: list[str]) -> tuple[float, dict[str, Any], float]:
    """(wall seconds, JSON summary, peak resident memory of the build process in MiB, as
    the process itself reports it: getrusage of children would count this benchmark's
    own memory, which a child has before it execs)."""
    t = time.perf_counter()
    proc = subprocess.run(
        [str(BIN / "powerreg"), "build", *args, "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - t
    summary = json.loads(proc.stdout)
    return wall, summary, summary["peak_memory_mib"]


def floor(tmp: Path) -> float:
    reg = powerreg.load_reference()
    srcs = tmp / "dot"
    srcs.mkdir()
    files = []
    for i, (p, fc) in enumerate(reg.iter_flowcharts()):
        f = srcs / f"{i}.gv"
        f.write_text(dot_source(fc, p, reg), encoding="utf-8")
        files.append(str(f))
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "import powerreg, powerreg.render, powerreg.catalog"], check=True
    )
    subprocess.run(["dot", "-Tsvg", "-O", *files], check=True)
    return time.perf_counter() - t


def main(argv: list[str]) -> list[dict[str, object]]:
    n = int(argv[0]) if argv else 10_000
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        base = min(floor(tmp) for _ in range(1))
        walls = []
        for i in range(3):
            wall, summary, _ = run_build(["-o", str(tmp / f"ref{i}")])
            walls.append((wall, summary))
        wall, summary = min(walls, key=lambda w: w[0])
        stages = ", ".join(f"{k} {v:.2f}s" for k, v in summary["seconds"].items())
        print(f"build reference: {wall:.2f}s wall (floor {base:.2f}s; {stages})")
        rows.append(
            {
                "case": f"build reference, wall ({stages})",
                "baseline_s": base,
                "powerreg_s": wall,
                "ratio": wall / base,
                "goal": "≤ 1.5 s wall",
            }
        )
        reg_dir = write_registry(generate(n, seed=3), tmp / "gen")
        wall, summary, peak = run_build([str(reg_dir), "-o", str(tmp / "gen-out")])
        stages = ", ".join(f"{k} {v:.1f}s" for k, v in summary["seconds"].items())
        print(f"build {n} generated powers: {wall:.1f}s wall, peak {peak:.0f} MiB ({stages})")
        rows.append(
            {
                "case": f"build {n:,} generated powers ({stages}; peak memory {peak:.0f} MiB)",
                "baseline_s": None,  # no ratio: the goal is the peak memory
                "powerreg_s": wall,
                "ratio": None,
                "goal": "peak ≤ 1 GB",
            }
        )
    return rows


if __name__ == "__main__":
    main(sys.argv[1:])
