"""Workbook speed (issue 15.5), as ratios to a baseline measured in the same run.

* **Import:** ``read_workbook`` of a structured workbook of N generated powers (default
  10,000: about 330,000 rows on eight sheets) against python-calamine alone reading the
  same sheets' cells into Python lists (``to_python``): the fastest well-kept reader,
  and the floor under powerreg's reader, which uses it. Goal: at most 2×.
* **Export:** ``write_workbook`` of the bundled reference registry (84 powers, 247 risk
  points, 779 countermeasures; every sheet, the 一览表 and 说明 included) against
  openpyxl alone writing the same sheets' values in its write-only mode, without styles,
  widths, drop-downs or merged cells. Goal: under 1 s.

Runs are interleaved, best of ``--repeat``, so that a busy neighbour on the machine slows
all cases alike.

Run: ``.venv/bin/python benchmarks/bench_workbook.py [-n N] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from python_calamine import CalamineWorkbook

import powerreg
from powerreg.synth import generate
from powerreg.workbook import read_workbook, write_workbook
from powerreg.workbook.columns import SHEETS

READ_GOAL = 2.0
EXPORT_GOAL_S = 1.0


def calamine_cells(path: Path) -> int:
    """Read every cell of the structured sheets with python-calamine; the cell count."""
    book = CalamineWorkbook.from_path(str(path))
    n = 0
    for sheet in SHEETS:
        rows = book.get_sheet_by_name(sheet.name).to_python(skip_empty_area=False)
        n += sum(len(r) for r in rows)
    return n


def sheet_values(path: Path) -> dict[str, list[list[Any]]]:
    """The values of every sheet of a workbook (what the plain writer writes)."""
    book = CalamineWorkbook.from_path(str(path))
    return {
        name: [
            [v if v != "" else None for v in row]
            for row in book.get_sheet_by_name(name).to_python()
        ]
        for name in book.sheet_names
    }


def plain_write(values: dict[str, list[list[Any]]], path: Path) -> None:
    """openpyxl alone: the same values, write-only, nothing else."""
    book = Workbook(write_only=True)
    for name, rows in values.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    book.save(path)


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one call (the CPU time of a single-threaded call is
    what a busy neighbour on the machine disturbs least)."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main(argv: list[str]) -> list[dict[str, object]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=10_000, help="powers of the imported book")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    parser.add_argument(
        "--book", type=Path, help="the book of N powers (seed 2011) written before, to reuse"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(dir=Path.cwd()) as d:
        reg = generate(args.n, seed=2011)
        big = args.book or Path(d) / "big.xlsx"
        if args.book is None:
            t = time.perf_counter()
            write_workbook(reg, big)
            s = reg.stats()
            print(
                f"wrote {args.n:,} powers ({s.flowcharts:,} flowcharts, {s.steps:,} steps, "
                f"{s.risk_points:,} risk points, {s.countermeasures:,} countermeasures) in "
                f"{time.perf_counter() - t:.1f} s: {big.stat().st_size / 2**20:.1f} MiB"
            )
        cells = calamine_cells(big)
        reads, floors = [], []
        for _ in range(args.repeat):
            floors.append(timed(lambda: calamine_cells(big)))
            reads.append(timed(lambda: read_workbook(big)))
        assert read_workbook(big) == reg
        del reg

        ref = powerreg.load_reference()
        book = Path(d) / "ref.xlsx"
        write_workbook(ref, book)
        values = sheet_values(book)
        exports, plains = [], []
        for _ in range(args.repeat):
            plains.append(timed(lambda: plain_write(values, Path(d) / "plain.xlsx")))
            exports.append(timed(lambda: write_workbook(ref, book)))

    read_s, floor_s = min(w for w, _ in reads), min(w for w, _ in floors)
    read_cpu, floor_cpu = min(c for _, c in reads), min(c for _, c in floors)
    export_s, plain_s = min(w for w, _ in exports), min(w for w, _ in plains)
    export_cpu, plain_cpu = min(c for _, c in exports), min(c for _, c in plains)
    print(f"python-calamine, {cells:,} cells: {floor_s:.2f} s; read_workbook: {read_s:.2f} s")
    print(f"ratio import / calamine: {read_s / floor_s:.2f}×   (goal ≤ {READ_GOAL}×)")
    print(f"  in CPU time: {floor_cpu:.2f} s and {read_cpu:.2f} s: {read_cpu / floor_cpu:.2f}×")
    print(f"export in CPU time: {export_cpu:.2f} s; plain openpyxl {plain_cpu:.2f} s")
    print(
        f"export of the reference: {export_s:.2f} s (goal < {EXPORT_GOAL_S} s); "
        f"plain openpyxl {plain_s:.2f} s"
    )
    return [
        {
            "case": f"import a structured workbook of {args.n:,} powers ({cells:,} cells) vs "
            f"python-calamine reading the same cells (in CPU time: {read_cpu:.2f} s vs "
            f"{floor_cpu:.2f} s, {read_cpu / floor_cpu:.2f}×)",
            "baseline_s": floor_s,
            "powerreg_s": read_s,
            "ratio": read_s / floor_s,
            "goal": f"≤ {READ_GOAL:g}×",
        },
        {
            "case": "export-workbook of the reference (84 powers, every sheet, styled) vs "
            f"openpyxl writing the same values plain (in CPU time: {export_cpu:.2f} s vs "
            f"{plain_cpu:.2f} s)",
            "baseline_s": plain_s,
            "powerreg_s": export_s,
            "ratio": export_s / plain_s,
            "goal": f"< {EXPORT_GOAL_S:g} s",
        },
    ]


if __name__ == "__main__":
    main(sys.argv[1:])
