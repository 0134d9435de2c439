"""The public website (issue 14.7): its cost inside ``powerreg build``, and at scale.

- On the bundled registry: the seconds the ``site`` stage adds to ``powerreg build`` (a
  fresh process, as a person runs it; best of three), against rendering the same pages'
  templates with Jinja2 alone — the same contexts, no files written, no search index, no
  charts read — measured in this process in the same run. Goal: the stage ≤ 0.5 s.
- On N generated powers (default 10,000): ``powerreg site`` in a fresh process (it draws
  its own charts and exports its own catalog): wall time, the stages, the peak memory the
  process reports (VmHWM), and the bytes the browser fetches for one query (the bigram
  buckets and the document file of the first results; the numbers of buckets are in the
  search page). Goal: peak < 1 GB, and one query a small part of the index.

Run: ``.venv/bin/python benchmarks/bench_site.py [N] [--reference-only]`` (the generated
site takes minutes; ``--reference-only`` measures the bundled registry alone).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import powerreg
from powerreg.site import Fetcher, find, publish
from powerreg.site.pages import Pages, environment
from powerreg.site.policy import PublishPolicy
from powerreg.synth import generate, write_registry

BIN = Path(sys.executable).parent
QUERIES = ("审批", "环境影响评价", "自由裁量权")


def browser_bytes(site: Path, query: str) -> tuple[int, int, int]:
    """(hits, bytes, files) the browser fetches for one query: the bigram buckets, the
    first document file (fetched beside them) and those of the first 50 results."""
    fetch = Fetcher(site)
    docs = find(site, query, fetch=fetch)
    meta = fetch("meta.json")  # not counted: the search page holds its numbers
    assert isinstance(meta, dict)
    for k in sorted({0} | {d // meta["docs_per_file"] for d in docs[:50]}):
        fetch(f"docs/{k}.json")
    return len(docs), fetch.bytes, fetch.files


def powerreg_json(*args: str) -> dict[str, Any]:
    proc = subprocess.run(
        [str(BIN / "powerreg"), *args, "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


class _Recorded(Pages):
    """Pages that remember what they would render instead of rendering it."""

    calls: list[tuple[str, str, dict[str, Any]]]

    def write(self, path: str, template: str, **context: Any) -> None:
        self.calls.append((path, template, context))


def jinja_alone(reg: powerreg.Registry, site: Path, tmp: Path) -> float:
    """Seconds to render every page's template from ready contexts, best of three."""
    work = tmp / "contexts"
    work.mkdir()
    (work / "charts").symlink_to(site / "charts")
    (work / "downloads").symlink_to(site / "downloads")
    calls: list[tuple[str, str, dict[str, Any]]] = []
    _Recorded.calls = calls
    original = publish.Pages
    publish.Pages = _Recorded  # type: ignore[misc]
    try:
        publish._write_pages(reg, work, PublishPolicy(), [])
    finally:
        publish.Pages = original  # type: ignore[misc]
    env = environment()
    facts = publish.site_facts(reg)
    for _, template, _ in calls:
        env.get_template(template)  # compiled once, as the site does
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        for path, template, context in calls:
            context.setdefault("crumbs", [])
            context.setdefault("nav", "")
            env.get_template(template).render(site=facts, root="../" * path.count("/"), **context)
        best = min(best, time.perf_counter() - t)
    return best


def main(argv: list[str]) -> list[dict[str, object]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=10_000, help="generated powers")
    parser.add_argument("--reference-only", action="store_true", help="no generated site")
    args = parser.parse_args(argv)
    n = args.n
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        reg = powerreg.load_reference()
        stages = [powerreg_json("build", "-o", str(tmp / f"b{i}"))["seconds"] for i in range(3)]
        site_s = min(s["site"] for s in stages)
        base = jinja_alone(reg, tmp / "b0" / "site", tmp)
        _, ref_bytes, ref_files = browser_bytes(tmp / "b0" / "site", "环境影响评价")
        print(f"site in build (reference): {site_s:.3f}s; Jinja2 alone {base:.3f}s")
        rows.append(
            {
                "case": "site stage of build, reference (84 powers, 96 pages) vs the same "
                f"templates rendered by Jinja2 alone; 环境影响评价 fetches {ref_bytes:,} bytes "
                f"in {ref_files} files",
                "baseline_s": base,
                "powerreg_s": site_s,
                "ratio": site_s / base,
                "goal": "≤ 0.5 s",
            }
        )

        if args.reference_only:
            return rows
        reg_dir = write_registry(generate(n, seed=3), tmp / "gen")
        t = time.perf_counter()
        summary = powerreg_json("site", str(reg_dir), "-o", str(tmp / "gen-site"))
        wall = time.perf_counter() - t
        peak = summary["peak_memory_mib"]
        fetched = []
        for q in QUERIES:
            hits, size, files = browser_bytes(tmp / "gen-site", q)
            fetched.append(f"{q} {hits:,} hits, {size / 1024:.0f} KiB in {files} files")
        index_mib = summary["search_bytes"] / 1024 / 1024
        stages_text = ", ".join(f"{k} {v:.1f}s" for k, v in summary["seconds"].items())
        print(
            f"site of {n} generated powers: {wall:.1f}s wall, peak {peak:.0f} MiB ({stages_text})"
        )
        print(f"  index {index_mib:.1f} MiB; one query: {'; '.join(fetched)}")
        rows.append(
            {
                "case": f"site of {n:,} generated powers ({summary['pages']:,} pages; "
                f"{stages_text}; "
                f"peak memory {peak:.0f} MiB; index {index_mib:.1f} MiB, one query fetches: "
                f"{'; '.join(fetched)})",
                "baseline_s": None,  # no ratio: the goals are the peak memory and the bytes
                "powerreg_s": wall,
                "ratio": None,
                "goal": "peak < 1 GB; a query loads the index in parts",
            }
        )
    return rows


if __name__ == "__main__":
    main(sys.argv[1:])
