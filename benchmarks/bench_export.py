"""Catalog export speed, as a ratio to raw ``sqlite3.executemany`` in the same run.

The scale generator (``powerreg.synth.generator``) builds, in memory, a registry of N powers
(default 100,000) in the reference registry's shape: about 1.4 flowcharts of 6–12 steps,
3 risk points and 9–10 countermeasures per power, with Chinese texts. Then, in one run:

* ``export_sqlite`` writes the catalog (timed from the registry to the file in place);
* baseline ``raw rows``: the same rows of the eight tables, computed beforehand, inserted
  with ``executemany`` on one connection in one transaction into the same tables;
* baseline ``raw all``: the same, plus everything else the catalog holds — the foreign-key
  indexes and the search-index rows (their n-gram text computed beforehand) — so the
  ratio to it is the cost of powerreg's own Python work.

From about 600 powers on (8,000 indexed texts), ``export_sqlite`` builds the search
indexes in a worker process on the second core while it writes the tables
(``powerreg.catalog.searchworker``); the baselines use one core, as a plain
``executemany`` does. So the ratio depends on the machine's load: on a busy machine the
worker gets less of the second core. The CPU time of the export (both processes) and of
``raw all`` is printed too: the work, whatever the load.

Goal (issue 21.4): the whole export ≤ 1.2× ``raw all`` (issue 6 asked for 1.5×). Peak
memory is the process's high-water mark (``resource.getrusage``), after building the
registry and after the export; with the worker, the resident memory of both sampled every
0.1 s during the first export (the largest sum at one moment); goal ≤ 3 GB.

Run: ``.venv/bin/python benchmarks/bench_export.py [-n N]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from treememory import TreeMemory

from powerreg.catalog import export_sqlite, write
from powerreg.catalog.ngrams import index_text
from powerreg.catalog.tables import SEARCH_INDEXES, TABLE, TABLES
from powerreg.catalog.write import _ROWS, FTS_HASHSIZE
from powerreg.model import Registry
from powerreg.synth import generate

GOAL = 1.2


def make_registry(n: int, seed: int = 2011) -> Registry:
    """A registry of ``n`` powers from the scale generator (the same for the same seed)."""
    return generate(n, seed=seed)


def _connect(path: Path) -> sqlite3.Connection:
    """A connection set up as export_sqlite sets up its own."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = MEMORY")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -65536")
    return conn


def catalog_tables() -> list[str]:
    """The CREATE TABLE statements of the catalog's eight tables and _metadata."""
    with tempfile.TemporaryDirectory() as d:
        export_sqlite(make_registry(0), Path(d) / "schema.db")
        conn = sqlite3.connect(Path(d) / "schema.db")
        create = [
            sql
            for (sql,) in conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL "
                "AND name NOT LIKE '%_fts%' ORDER BY rowid"
            )
        ]
        conn.close()
    return create


def raw_insert(
    path: Path,
    rows: dict[str, list[tuple[Any, ...]]],
    extra: list[str],
    search: dict[str, list[tuple[int, str]]],
) -> float:
    """Seconds to create the tables and insert precomputed rows with executemany in one
    transaction (plus, if given, the index DDL and search rows), and to sync the file."""
    create = catalog_tables()
    path.unlink(missing_ok=True)
    t = time.perf_counter()
    conn = _connect(path)
    conn.execute("BEGIN")
    for sql in create:
        conn.execute(sql)
    for table in TABLES:
        marks = ", ".join("?" * len(table.columns))
        conn.executemany(f'INSERT INTO "{table.name}" VALUES ({marks})', rows[table.name])
    for sql in extra:
        conn.execute(sql)
    for name, values in search.items():
        conn.execute(
            f"CREATE VIRTUAL TABLE \"{name}\" USING fts5(grams, content='', tokenize='unicode61')"
        )
        conn.execute(
            f'INSERT INTO "{name}" ("{name}", rank) VALUES (\'hashsize\', ?)', (FTS_HASHSIZE,)
        )
        conn.executemany(f'INSERT INTO "{name}" (rowid, grams) VALUES (?, ?)', values)
    conn.execute("COMMIT")
    conn.close()
    with path.open("rb") as f:
        os.fsync(f.fileno())
    return time.perf_counter() - t


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def cpu_s() -> float:
    """CPU seconds of this process and of its children that have ended (the worker)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def main(argv: list[str]) -> list[dict[str, object]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=100_000, help="number of powers")
    parser.add_argument("--repeat", type=int, default=1, help="best of this many runs")
    args = parser.parse_args(argv)
    n, repeat = args.n, args.repeat

    t = time.perf_counter()
    reg = make_registry(n)
    build_s = time.perf_counter() - t
    s = reg.stats()
    print(
        f"registry: {s.powers:,} powers, {s.flowcharts:,} flowcharts, {s.steps:,} steps, "
        f"{s.risk_points:,} risk points, {s.countermeasures:,} countermeasures "
        f"(built in {build_s:.1f} s); peak {peak_mib():,.0f} MiB"
    )

    with tempfile.TemporaryDirectory(dir=Path.cwd()) as d:
        out = Path(d) / "catalog.db"
        memory = TreeMemory(os.getpid())
        memory.start()
        cpu = cpu_s()
        exports = [timed(lambda: export_sqlite(reg, out))]
        export_cpu = cpu_s() - cpu
        memory.done.set()
        memory.join()
        size = out.stat().st_size
        peak_export = peak_mib()  # before the baselines' rows are held in memory
        peak_worker = memory.peak_children_kib / 1024
        peak_both = max(memory.peak_kib / 1024, peak_export)
        print(
            f"export_sqlite: {exports[0]:.2f} s, {size / 2**20:,.0f} MiB; peak {peak_export:,.0f} "
            f"MiB, its worker {peak_worker:,.0f} MiB, both at once {peak_both:,.0f} MiB"
        )

        rows = {t.name: list(_ROWS[t.name](reg)) for t in TABLES}
        n_rows = sum(len(v) for v in rows.values())
        extra = []
        for table in TABLES:
            pk = (table.pk,) if isinstance(table.pk, str) else table.pk
            extra += [
                f'CREATE INDEX "idx_{table.name}_{c}" ON "{table.name}" ("{c}")'
                for c, _, _ in table.foreign_keys
                if c != pk[0]
            ]
        search: dict[str, list[tuple[int, str]]] = {}
        for index in SEARCH_INDEXES:
            names = TABLE[index.table].column_names
            position = [names.index(c) for c in index.columns]
            search[index.name] = [
                (i + 1, index_text(*(row[p] for p in position)))
                for i, row in enumerate(rows[index.table])
            ]

        # Interleaved, so that a busy neighbour on the machine slows all cases alike.
        raw_rows, raw_fk, raw_all, bare = [], [], [], []
        indexes = write.SEARCH_INDEXES  # type: ignore[attr-defined]
        for i in range(repeat):
            raw_rows.append(raw_insert(Path(d) / "raw_rows.db", rows, [], {}))
            raw_fk.append(raw_insert(Path(d) / "raw_fk.db", rows, extra, {}))
            cpu = cpu_s()
            raw_all.append(raw_insert(Path(d) / "raw_all.db", rows, extra, search))
            raw_all_cpu = cpu_s() - cpu
            if i:
                exports.append(timed(lambda: export_sqlite(reg, out)))
            # Breakdown only: the same export without the search indexes.
            setattr(write, "SEARCH_INDEXES", ())  # noqa: B010
            try:
                bare.append(timed(lambda: export_sqlite(reg, Path(d) / "bare.db")))
            finally:
                setattr(write, "SEARCH_INDEXES", indexes)  # noqa: B010
        raw_size = (Path(d) / "raw_all.db").stat().st_size
    export_s, bare_s = min(exports), min(bare)
    raw_rows_s, raw_fk_s, raw_all_s = min(raw_rows), min(raw_fk), min(raw_all)

    print(f"export_sqlite best of {repeat}: {export_s:.2f} s")
    print(f"  without the search indexes: {bare_s:.2f} s")
    print(
        f"raw rows:      {raw_rows_s:.2f} s for {n_rows:,} rows ({n_rows / raw_rows_s:,.0f} rows/s)"
    )
    print(
        f"raw all:       {raw_all_s:.2f} s, {raw_size / 2**20:,.0f} MiB "
        "(+ FK indexes and search rows, n-grams precomputed)"
    )
    print(f"ratio export / raw rows: {export_s / raw_rows_s:.2f}×")
    print(f"ratio export / raw all:  {export_s / raw_all_s:.2f}×   (goal ≤ {GOAL}×)")
    print(
        f"CPU time (both cores): first export {export_cpu:.1f} s with its worker, last raw all "
        f"{raw_all_cpu:.1f} s: {export_cpu / raw_all_cpu:.2f}× (the work; the wall time is "
        "less when the second core is free)"
    )
    print(f"ratio export without search indexes / raw rows + FK indexes: {bare_s / raw_fk_s:.2f}×")
    print(
        f"peak memory: {peak_mib():,.0f} MiB (registry built: see above; export: "
        f"{peak_export:,.0f} MiB)"
    )
    share = 1 - bare_s / export_s
    return [
        {
            "case": f"export {n:,} powers: the whole catalog vs raw executemany of all its rows "
            "(tables, FK indexes, search rows with n-grams precomputed); "
            f"peak memory {peak_both:,.0f} MiB with its worker (goal ≤ 3 GB)",
            "baseline_s": raw_all_s,
            "powerreg_s": export_s,
            "ratio": export_s / raw_all_s,
            "goal": f"≤ {GOAL}×",
        },
        {
            "case": f"export {n:,} powers without the search index vs raw executemany of the "
            "table rows and their FK indexes",
            "baseline_s": raw_fk_s,
            "powerreg_s": bare_s,
            "ratio": bare_s / raw_fk_s,
            "goal": f"≤ {GOAL}×",
        },
        {
            "case": f"for scale: the whole export vs the raw table rows alone (the Chinese "
            f"search index is {share:.0%} of the export)",
            "baseline_s": raw_rows_s,
            "powerreg_s": export_s,
            "ratio": export_s / raw_rows_s,
            "goal": "–",
        },
    ]


if __name__ == "__main__":
    main(sys.argv[1:])
