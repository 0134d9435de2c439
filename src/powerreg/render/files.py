"""Writing diagrams to files with one ``dot`` process per core, atomically."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from contextlib import suppress
from pathlib import Path

import graphviz

from ..errors import UsageError
from ..model import (
    Registry,
)
from .chart import dot_source
from .overview import render_category
from .style import FORMATS

# ---------------------------------------------------------------------------- files


def _dot_executable() -> str:
    dot = shutil.which("dot")
    if dot is None:
        raise UsageError(
            "graphviz is not installed: the 'dot' program is not on PATH; install graphviz "
            "and a CJK font (e.g. 'apt-get install graphviz fonts-noto-cjk'), "
            "or write DOT sources with --format dot"
        )
    return dot


def _busy_cores() -> float:
    """How many cores other processes keep busy now: the runnable tasks besides this one
    (Linux), else the one-minute load average (which counts our own recent work too)."""
    try:
        with open("/proc/loadavg", encoding="ascii") as f:
            return max(0, int(f.read().split()[3].partition("/")[0]) - 1)
    except (OSError, ValueError, IndexError):
        try:
            return os.getloadavg()[0]
        except (AttributeError, OSError):  # pragma: no cover - no load average here
            return 0.0


def _workers(jobs: int) -> int:
    """How many ``dot`` processes share the work: one per idle core, but only for enough
    charts that a second process's start-up (~30 ms) pays for itself."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, jobs // 24, round(cores - _busy_cores())))


def _run_dot(dot: str, fmt: str, workdir: Path, sources: Iterable[str], count: int) -> list[Path]:
    """Render ``count`` DOT sources with ``dot -T<fmt> -O``, one process per idle core,
    each reading its share of the graphs on its standard input as they are made (so that
    making the next graph overlaps drawing the last); the output of each, in order."""
    n = _workers(count)
    # bitmaps at 96 dpi, so that a PNG at 100% looks like the SVG in a browser (12 pt
    # text 16 px high); graphviz's default of 72 dpi makes small Chinese hard to read
    options = [f"-T{fmt}", *(["-Gdpi=96"] if fmt == "png" else []), "-O"]
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for i in range(n):
            (workdir / f"w{i}").mkdir()
            # stderr to a file: a pipe nobody reads while we write could fill and block
            with open(workdir / f"w{i}.err", "wb") as log:
                procs.append(
                    subprocess.Popen(
                        [dot, *options],
                        cwd=workdir / f"w{i}",
                        stdin=subprocess.PIPE,
                        stdout=subprocess.DEVNULL,
                        stderr=log,
                    )
                )
        for k, source in enumerate(sources):
            stdin = procs[k % n].stdin
            assert stdin is not None
            with suppress(BrokenPipeError):  # dot has stopped; its exit status says why
                stdin.write(source.encode("utf-8"))
    except BaseException:
        for proc in procs:
            proc.kill()
        raise
    finally:
        for proc in procs:
            with suppress(BrokenPipeError):
                proc.stdin.close()  # type: ignore[union-attr]
            proc.wait()
    failures = []
    for i, proc in enumerate(procs):
        if proc.returncode != 0:
            err = (workdir / f"w{i}.err").read_text(encoding="utf-8", errors="replace")
            lines = err.strip().splitlines()
            failures.append(f"exit {proc.returncode}: " + " | ".join(lines[-5:]))
    if failures:
        raise UsageError(
            f"graphviz 'dot -T{fmt}' failed ({'; '.join(failures)}); no diagram was changed"
        )
    # -O names the outputs of the graphs it reads NAME.fmt, NAME.2.fmt, NAME.3.fmt, ...
    numbered = re.compile(rf"\.(\d+)\.{fmt}\Z")
    made = []
    for i in range(n):
        files = sorted(
            (workdir / f"w{i}").glob(f"*.{fmt}"),
            key=lambda p: int(m.group(1)) if (m := numbered.search(p.name)) else 1,
        )
        if len(files) != len(range(i, count, n)):
            raise UsageError(
                f"graphviz 'dot -T{fmt}' wrote {len(files)} files for "
                f"{len(range(i, count, n))} graphs; no diagram was changed"
            )
        made.append(files)
    return [made[k % n][k // n] for k in range(count)]


def write_diagrams(
    diagrams: Mapping[str, graphviz.Digraph | str],
    out_dir: str | os.PathLike[str],
    format: str = "svg",
) -> list[Path]:
    """Write diagrams as ``out_dir/<name>.<format>`` with one ``dot`` run (one per core).

    ``diagrams`` maps a relative name such as ``XK-001/F1`` to a graph or its DOT text.
    Outputs are made in a temporary directory inside ``out_dir`` and moved into place
    only when every diagram rendered, so a failure leaves earlier files as they were.

    Raises:
        UsageError: unknown format, ``dot`` missing or failing, or ``out_dir`` unwritable.
    """
    sources = (g if isinstance(g, str) else str(g.source) for g in diagrams.values())
    return _write(list(diagrams), sources, out_dir, format)


def _write(
    names: list[str], sources: Iterable[str], out_dir: str | os.PathLike[str], format: str
) -> list[Path]:
    if format not in FORMATS:
        raise UsageError(f"unknown diagram format '{format}' (formats: {', '.join(FORMATS)})")
    out = Path(out_dir)
    for name in names:
        parts = name.split("/")
        if not all(parts) or any(p in (".", "..") or "\\" in p for p in parts):
            raise UsageError(f"diagram name '{name}' is not a relative path like 'XK-001/F1'")
    targets = [out / f"{name}.{format}" for name in names]
    dot = _dot_executable() if format != "dot" else ""
    try:
        out.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".powerreg-render-", dir=out))
    except OSError as err:
        raise UsageError(f"cannot write diagrams to '{out}': {err.strerror or err}") from err
    try:
        if format == "dot":
            made = [work / f"{i}.gv" for i in range(len(names))]
            for path, source in zip(made, sources, strict=True):
                path.write_text(source, encoding="utf-8")
        else:
            made = _run_dot(dot, format, work, sources, len(names)) if names else []
        folders: set[Path] = set()
        for path, target in zip(made, targets, strict=True):
            if target.parent not in folders:
                target.parent.mkdir(parents=True, exist_ok=True)
                folders.add(target.parent)
            os.replace(path, target)
    except OSError as err:
        raise UsageError(f"cannot write diagrams to '{out}': {err.strerror or err}") from err
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return targets


def render_all(
    registry: Registry,
    out_dir: str | os.PathLike[str],
    format: str = "svg",
    *,
    categories: bool = False,
) -> list[Path]:
    """Draw every flowchart of a registry to ``out_dir/<power id>/<flowchart id>.<ext>``,
    and with ``categories=True`` the overview of each category to
    ``out_dir/categories/<code>.<ext>`` in the same run.

    One ``dot`` process per core renders everything (a process per chart would pay
    graphviz's start-up each time); ``format="dot"`` writes the DOT sources only.

    Returns:
        The paths written: the charts, powers in id order, then the overviews.

    Raises:
        UsageError: as :func:`write_diagrams`.
    """
    charts = list(registry.iter_flowcharts())
    names = [f"{p.id}/{fc.id}" for p, fc in charts]
    sources: Iterable[str] = (dot_source(fc, p, registry) for p, fc in charts)
    if categories:
        codes = [c.code for c in registry.categories]
        names += [f"categories/{code}" for code in codes]
        overviews = (str(render_category(registry, code).source) for code in codes)
        sources = itertools.chain(sources, overviews)
    return _write(names, sources, out_dir, format)
