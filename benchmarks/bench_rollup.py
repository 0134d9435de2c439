"""A province in one build (issue 19.3): a roll-up of many departments, in bounded memory.

Generates a made-up province (``powerreg synth N --departments D``), then measures, in the
same run:

- **baseline**: every member's own build — ``powerreg.mainjob.build(powerreg.load(member),
  out)``, one member after another in one process (imports paid once) — summed. With
  ``--sample K`` only every K-th member is built and the sum is scaled by the powers of
  all members over those built (said in the row).
- **powerreg**: ``powerreg build ROLLUP -o OUT --format json`` in a fresh process (two
  worker processes), into an empty directory as the members' builds (with ``--keep``, the
  previous run's output is removed first, outside the timing, and that time printed), wall
  time; meanwhile a sampler reads ``/proc`` every 0.2 s and keeps
  the largest resident memory of any one process of the build (parent, workers, dot) and
  of all of them together.

Goals: peak memory under 2 GB (all processes together); time ≤ 0.7× the members' own
builds on two cores. The full size (500 departments, 200,000 powers) takes hours: run it
alone, with ``nohup``. Not in ``make bench`` at that size: ``main([])`` runs 20
departments of 4,000 powers in all.

With ``--one-core`` the sampled members are also built on one core (the process's
affinity: no helper process, one ``dot``), a row of its own: how much of the ratio is the
members' own builds already using the second core.

Run: ``.venv/bin/python benchmarks/bench_rollup.py [N] [D] [--sample K] [--keep DIR] [--one-core]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from treememory import TreeMemory

from powerreg.rollup import read_rollup
from powerreg.synth import write_province

BIN = Path(sys.executable).parent

_BASELINE = """
import json, sys, time
from pathlib import Path
import powerreg
from powerreg.mainjob import build
out = Path(sys.argv[1])
times = {}
for member in sys.argv[2:]:
    t = time.perf_counter()
    build(powerreg.load(member), out / Path(member).name, fail_on="never")
    times[member] = time.perf_counter() - t
print(json.dumps(times))
"""


def children_cpu() -> float:
    """CPU seconds (user and system) of this process's children that have ended, theirs
    included: a build's ``dot`` processes and workers are waited for by the build."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def baseline(members: list[Path], out: Path, *, one_core: bool = False) -> dict[str, float]:
    """Seconds of each member's own build, one after another in one fresh process; with
    ``one_core`` that process may run on one core only (its affinity: powerreg then
    starts no helper process and one ``dot``)."""
    first = min(os.sched_getaffinity(0))
    proc = subprocess.run(
        [sys.executable, "-c", _BASELINE, str(out), *map(str, members)],
        capture_output=True,
        text=True,
        check=True,
        preexec_fn=(lambda: os.sched_setaffinity(0, {first})) if one_core else None,
    )
    times: dict[str, float] = json.loads(proc.stdout.splitlines()[-1])
    return times


def rollup_build(rollup: Path, out: Path) -> tuple[float, dict[str, Any], TreeMemory]:
    """Wall seconds, the JSON summary and the memory sampler of one roll-up build."""
    t = time.perf_counter()
    proc = subprocess.Popen(
        [str(BIN / "powerreg"), "build", str(rollup), "-o", str(out), "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    sampler = TreeMemory(proc.pid, every=0.2)
    sampler.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t
    sampler.done.set()
    sampler.join()
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"powerreg build failed ({proc.returncode}): {stderr[-2000:]}")
    return wall, json.loads(stdout), sampler


def run(
    n: int, d: int, sample: int = 1, keep: Path | None = None, one_core: bool = False
) -> list[dict[str, object]]:
    tmp = Path(tempfile.mkdtemp(prefix="bench-rollup-")) if keep is None else keep
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        province = tmp / "province"
        t = time.perf_counter()
        if not (province / "rollup.yaml").is_file():
            write_province(province, n, d, seed=7)
        print(
            f"generated {d} departments, {n:,} powers: {time.perf_counter() - t:.0f}s", flush=True
        )
        rollup = read_rollup(province)
        members = [rollup.member_root(dep) for dep in rollup.departments]
        sizes = {m: len(list((m / "powers").iterdir())) for m in members}
        chosen = members[::sample]
        (tmp / "own").mkdir(exist_ok=True)
        cpu = children_cpu()
        t = time.perf_counter()
        times = baseline(chosen, tmp / "own")
        own_wall = time.perf_counter() - t
        own_cpu = children_cpu() - cpu
        shutil.rmtree(tmp / "own", ignore_errors=True)
        serial: float | None = None
        if one_core:  # the same members, each on one core: what two workers can halve
            (tmp / "own1").mkdir(exist_ok=True)
            serial = sum(baseline(chosen, tmp / "own1", one_core=True).values())
            shutil.rmtree(tmp / "own1", ignore_errors=True)
        built = sum(sizes[m] for m in chosen)
        base = sum(times.values()) * sum(sizes.values()) / built
        print(
            f"members' own builds: {sum(times.values()):.0f}s for {len(chosen)} members "
            f"({built:,} powers) → {base:.0f}s for all",
            flush=True,
        )
        # the members' own builds wrote into empty directories: so does the roll-up (a
        # kept directory's previous output is removed first, outside the timing, and the
        # time that takes is said: replacing a province's output is a cost of its own)
        t = time.perf_counter()
        had_output = (tmp / "out").exists()
        shutil.rmtree(tmp / "out", ignore_errors=True)
        if had_output:
            print(f"removed the previous run's output: {time.perf_counter() - t:.0f}s", flush=True)
        wall, summary, sampler = rollup_build(province, tmp / "out")
        # the workers are children of a forkserver no one waits for: sampled from /proc
        rollup_cpu = sampler.cpu_s
        # how many cores the members' own builds kept busy on average: two members built
        # side by side can at best share out what one left idle
        cores = own_cpu / own_wall
        cpu_ratio = rollup_cpu / (own_cpu * sum(sizes.values()) / built)
        print(
            f"CPU: the members' own builds {own_cpu:.0f}s in {own_wall:.0f}s wall "
            f"({cores:.2f} cores busy on average); the roll-up at least {rollup_cpu:.0f}s "
            f"({cpu_ratio:.2f}× theirs, scaled)",
            flush=True,
        )
        total_mib, one_mib = sampler.peak_kib / 1024, sampler.peak_one_kib / 1024
        print(
            f"roll-up build: {wall:.0f}s wall, {wall / base:.2f}× the members' own builds; "
            f"peak memory {total_mib:.0f} MiB all processes, {one_mib:.0f} MiB one process "
            f"(parent {summary['peak_memory_mib']:.0f}, busiest worker "
            f"{summary['worker_peak_memory_mib']:.0f}); stages {summary['seconds']}",
            flush=True,
        )
        how = f"every {sample}th member built, scaled by powers" if sample > 1 else "all members"
        stages = ", ".join(f"{k} {v:.0f}s" for k, v in summary["seconds"].items())
        rows: list[dict[str, object]] = []
        if serial is not None:
            base1 = serial * sum(sizes.values()) / built
            print(
                f"members' own builds on one core: {serial:.0f}s → {base1:.0f}s for all; "
                f"the roll-up {wall / base1:.2f}× those",
                flush=True,
            )
            rows.append(
                {
                    "case": f"the same roll-up vs the members' own builds on one core "
                    f"(affinity: no helper process, one dot; {how})",
                    "baseline_s": base1,
                    "powerreg_s": wall,
                    "ratio": wall / base1,
                    "goal": "(measured: the goal's baseline is the row above)",
                }
            )
        return [
            {
                "case": f"build a roll-up of {d} departments, {n:,} powers, 2 workers, vs the "
                f"sum of the members' own builds ({how}; {stages}); CPU seconds at "
                f"least {cpu_ratio:.2f}× theirs, who kept {cores:.2f} cores busy on average",
                "baseline_s": base,
                "powerreg_s": wall,
                "ratio": wall / base,
                "goal": "≤ 0.7× on 2 cores",
            },
            {
                "case": f"peak memory of that build: {total_mib:,.0f} MiB all its processes "
                f"together, {one_mib:,.0f} MiB the largest one (parent "
                f"{summary['peak_memory_mib']:,.0f} MiB, busiest worker "
                f"{summary['worker_peak_memory_mib']:,.0f} MiB)",
                "baseline_s": None,
                "powerreg_s": wall,
                "ratio": None,
                "goal": "< 2 GB",
            },
            *rows,
        ]
    finally:
        if keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str]) -> list[dict[str, object]]:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=4_000)
    parser.add_argument("d", type=int, nargs="?", default=20)
    parser.add_argument("--sample", type=int, default=1)
    parser.add_argument("--keep", type=Path, default=None)
    parser.add_argument(
        "--one-core",
        action="store_true",
        help="also time the sampled members' own builds on one core (the process's affinity)",
    )
    args = parser.parse_args(argv)
    rows = run(args.n, args.d, args.sample, args.keep, args.one_core)
    for r in rows:
        print(json.dumps(r, ensure_ascii=False))
    return rows


if __name__ == "__main__":
    main(sys.argv[1:])
