"""Run every benchmark and write benchmarks/RESULTS.md (machine, versions, date, ratios).

Each benchmark module has ``main(argv) -> list[dict]`` whose rows carry ``case``,
``baseline_s``, ``powerreg_s``, ``ratio`` and ``goal``; every ratio is measured against
a baseline in the same run, never against a number from another day.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import platform
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

MODULES = [
    "bench_load",
    "bench_audit",
    "bench_render",
    "bench_export",
    "bench_build",
    "bench_site",
    "bench_monitor",
    "bench_scale",
    "bench_service",
    "bench_diff",
    "bench_rollup",
    "bench_workbook",
]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    dot = subprocess.run(["dot", "-V"], capture_output=True, text=True, check=False).stderr.strip()
    return (
        f"{os.cpu_count()} cores, {cpu}; Python {platform.python_version()}; "
        f"{dot}; "
        + ", ".join(
            f"{p} {version(p)}"
            for p in ("pydantic", "networkx", "PyYAML", "sqlite-utils", "graphviz")
        )
    )


def main() -> None:
    rows: list[dict[str, object]] = []
    for name in MODULES:
        rows += importlib.import_module(name).main([])
    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench` on {dt.date.today().isoformat()}.",
        "",
        f"Machine: {machine()}",
        "",
        "| case | baseline (s) | powerreg (s) | ratio | goal |",
        "|---|---:|---:|---:|---|",
    ]
    for r in rows:
        base = "–" if r["baseline_s"] is None else f"{r['baseline_s']:.3f}"
        ratio = "–" if r["ratio"] is None else f"{r['ratio']:.2f}×"
        lines.append(f"| {r['case']} | {base} | {r['powerreg_s']:.3f} | {ratio} | {r['goal']} |")
    (HERE / "RESULTS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
