"""Writing diagrams to files with one ``dot`` process per core, atomically.

A run writes a whole new directory beside the output and swaps it in at the end
(:func:`powerreg.atomic.new_directory`): a failed or killed run leaves the previous
diagrams as they were, never old and new mixed, and nothing inside the output. The
directory carries a marker, :data:`MARKER`, so that a later run replaces it and only it
(:func:`powerreg.atomic.check_output`); the marker also lists what each diagram was drawn
from, so that the next run draws only the charts whose DOT text changed and takes the
others from it (:mod:`.reuse`).
"""

from __future__ import annotations

import heapq
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from ..atomic import check_output, new_directory, written_by
from ..codes import phrase
from ..errors import UsageError
from ..machine import core_count, second_process
from ..model import Registry, expect_registry
from .chart import dot_source
from .overview import overview_sheets, overview_sources
from .reuse import PROBE, Kept, Previous, file_digest, source_digest, stamp, take
from .style import FORMATS

if TYPE_CHECKING:  # a graph given to write_diagrams: its DOT text is all that is read
    import graphviz

#: The file that marks a directory of diagrams written by powerreg.
MARKER = ".powerreg-render.json"

#: How a complete file of each format ends (dot exits 0 even when a full disk cut its
#: output short, so the end of every file is checked).
_ENDINGS = {"svg": b"</svg>", "png": b"IEND\xaeB`\x82", "pdf": b"%%EOF"}

#: Bytes of dot's standard error kept for the message when it fails.
_STDERR_KEEP = 16 * 1024

# ---------------------------------------------------------------------------- files


def _dot_executable() -> str:
    dot = shutil.which("dot")
    if dot is None:
        raise UsageError("render.no_graphviz")
    return dot


def _workers(jobs: int) -> int:
    """How many ``dot`` processes share the work: one per core, but only for enough
    charts that a second process's start-up (~30 ms) pays for itself. Cores that other
    programs keep busy are counted too: a process that gets less of its core takes
    less of the work (each takes the next diagram when it is free), and a share of a
    busy machine grows with the processes one runs. One where the job is kept to one
    core (``POWERREG_PARALLEL=0``, :func:`powerreg.machine.second_process`): a roll-up's
    worker, whose neighbour has the other core."""
    if not second_process(load_aware=False):
        return 1
    return max(1, min(core_count(), jobs // 24))


class _Stderr(threading.Thread):
    """Reads one ``dot``'s standard error as it comes, keeping the end: a pipe nobody
    read could fill and block dot, and a file for it could not be written on a full
    disk, which is when dot's own message matters most."""

    def __init__(self, stream: IO[bytes]) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.kept = b""

    def run(self) -> None:
        with suppress(OSError, ValueError):
            while chunk := self.stream.read1(65536):  # type: ignore[attr-defined]
                self.kept = (self.kept + chunk)[-_STDERR_KEEP:]

    def text(self) -> str:
        return self.kept.decode("utf-8", errors="replace")


def _failure(returncode: int, stderr: str) -> str:
    """What one failed ``dot`` said: its exit status or signal, then its last lines."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        why = f"killed by {name}"
        if -returncode == getattr(signal, "SIGXFSZ", None):
            why += " (a file grew past the size limit)"
    else:
        why = f"exit status {returncode}"
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    return f"{why}: {' | '.join(lines[-5:])}" if lines else f"{why}, no message"


#: Most DOT sources made ahead of the ``dot`` processes: the largest of them goes to the
#: next process that gets free; more would cost memory (a chart's DOT is ~5 kB, the
#: 140,000 charts of 100,000 powers ~700 MB), fewer would order less. When it is full,
#: making waits until half of it is taken, then makes the other half in one go.
_WINDOW = 256

#: Bytes of DOT a feeder takes at a time (at least one source): each take costs a turn
#: of Python's lock, which the thread making the DOT, or the build writing the catalog
#: meanwhile, then waits for. Beyond what it took, a process has what its pipe holds
#: (64 KiB), so the last process to finish ends at most ~20 charts after the other.
_TAKE = 16 * 1024

#: The graphs each ``dot`` draws first, whose output is no chart's: graphviz 2.43 writes
#: the SVG of the first graph a process draws with the id ``graph0`` and every later one
#: with ``page0,1_graph0``, so without them a chart's file would depend on which process
#: drew it and when. The first is :data:`.reuse.PROBE`, whose drawing says what draws
#: (graphviz's version, the fonts; the first process's is recorded in the marker); the
#: second, blank, makes ``dot`` draw the first at once (it draws a graph read from a pipe
#: when it sees the next one begin, or the pipe's end).
_PRIMER = PROBE.encode("utf-8") + b"digraph primer {}\n"
#: How many files the primer's graphs give before the charts'.
_PRIMED = 2


class _Queue:
    """DOT sources in hand, the largest given out first (see :data:`_WINDOW`)."""

    def __init__(self) -> None:
        self.heap: list[tuple[int, int, str]] = []
        self.ready = threading.Condition()
        self.closed = False  # no more will be put
        self.stopped = False  # give out nothing more: a feeder failed

    def put(self, k: int, source: str) -> None:
        with self.ready:
            if len(self.heap) >= _WINDOW:
                while len(self.heap) > _WINDOW // 2 and not self.stopped:
                    self.ready.wait()
            heapq.heappush(self.heap, (-len(source), k, source))
            if len(self.heap) == 1:  # a feeder may be waiting
                self.ready.notify_all()

    def take(self) -> list[tuple[int, str]]:
        """The largest sources in hand, up to :data:`_TAKE` bytes; none when all is done."""
        with self.ready:
            while not self.heap and not (self.closed or self.stopped):
                self.ready.wait()
            taken: list[tuple[int, str]] = []
            size = 0
            while self.heap and not self.stopped:
                if taken and size + len(self.heap[0][2]) > _TAKE:
                    break
                _, k, source = heapq.heappop(self.heap)
                taken.append((k, source))
                size += len(source)
            if len(self.heap) <= _WINDOW // 2:  # making may go on
                self.ready.notify_all()
            return taken

    def close(self, *, stop: bool = False) -> None:
        with self.ready:
            self.closed = True
            self.stopped = self.stopped or stop
            self.ready.notify_all()


#: Graphs one ``dot`` process draws before a fresh one takes over: graphviz 2.43 keeps
#: ~20 kB of every graph it drew until it exits (3,000 graphs: 80 MiB), which would be
#: gigabytes for the 140,000 charts of 100,000 powers; a start costs ~30 ms.
_RECYCLE = 2000


class _Dot:
    """One ``dot -O`` process drawing the graphs of its standard input into ``workdir``,
    the reader of its standard error, and the sources it was given, in order."""

    def __init__(self, dot: str, options: list[str], workdir: Path) -> None:
        workdir.mkdir()
        self.workdir = workdir
        self.proc = subprocess.Popen(
            [dot, *options],
            cwd=workdir,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        assert self.proc.stdin is not None
        assert self.proc.stderr is not None
        self.stdin: IO[bytes] = self.proc.stdin
        self.stderr = _Stderr(self.proc.stderr)
        self.stderr.start()
        self.given: list[int] = []
        with suppress(BrokenPipeError):  # dot has stopped; its exit status says why
            self.stdin.write(_PRIMER)
            self.stdin.flush()  # now: its drawing may be asked for before any chart is sent

    def close(self) -> None:
        """No more graphs: dot draws what it has and exits."""
        with suppress(OSError):
            self.stdin.close()

    def wait(self) -> None:
        self.proc.wait()
        self.stderr.join()
        self.stderr.stream.close()


class _Progress:
    """Which charts the ``dot`` processes have finished so far, while they draw (see
    :meth:`Drawing.newly_drawn`).

    A ``dot -O`` reading graphs on its standard input writes the n-th into
    ``noname.gv.<n>.<fmt>`` (the first of its primer into ``noname.gv.<fmt>``), one after
    the other: a graph's file is whole once the next one's exists, or the process has
    ended, or (the last it was given) it ends as graphviz ends an SVG, ``</svg>`` and a
    line break. Where a graphviz names or ends them otherwise, nothing is found so, and
    the caller waits for the end of the drawing as before.
    """

    def __init__(self) -> None:
        #: each chart's number, by name, and back (:meth:`expect`)
        self.numbers: dict[str, int] = {}
        self._names: dict[int, str] = {}
        self.fmt = ""
        #: the sources with links, which are changed once all are drawn
        self.linked: set[int] = set()
        self._where: dict[int, str] = {}  # a str: 140,000 Paths would take ~50 MB
        self._dots: list[tuple[_Dot, list[int]]] = []  # each with its cursor
        self._finished: set[int] = set()
        self._kept: list[int] = []  # taken from the previous run, not yet reported
        self._lock = threading.Lock()

    def expect(self, names: list[str]) -> None:
        """The charts to be drawn, in the order of their sources (as the drawing starts)."""
        self._names = dict(enumerate(names))
        self.numbers = {name: k for k, name in self._names.items()}

    def given(self, dot: _Dot, numbers: list[int]) -> None:
        """``dot`` takes ``numbers`` (called by its feeder before it writes them)."""
        with self._lock:
            if not dot.given:
                self._dots.append((dot, [0]))
            n = len(dot.given) + _PRIMED + 1  # the primer's are noname.gv.svg and .2
            folder = os.fspath(dot.workdir)
            for i, k in enumerate(numbers):
                self._where[k] = os.path.join(folder, f"noname.gv.{n + i}.{self.fmt}")

    def kept(self, k: int, path: Path) -> None:
        """Chart ``k`` is taken from the previous run's file ``path``: it is drawn."""
        with self._lock:
            self._where[k] = os.fspath(path)
            self._finished.add(k)
            self._kept.append(k)

    def newly_drawn(self) -> list[str]:
        """The charts finished since the last call, by name."""
        done: list[str] = []
        with self._lock:
            dots = list(self._dots)
            kept, self._kept = self._kept, []
        done += [self._names[k] for k in kept if k in self._names]
        for dot, cursor in dots:
            ended = dot.proc.poll() is not None
            given = dot.given
            while cursor[0] < len(given):
                k = given[cursor[0]]
                if not ended:
                    later = given[cursor[0] + 1] if cursor[0] + 1 < len(given) else None
                    if later is None:
                        if self.fmt != "svg" or not _complete(self._where[k], "svg", exact=True):
                            break
                    elif not os.path.exists(self._where[later]):
                        break
                cursor[0] += 1
                self._finished.add(k)
                if k not in self.linked and k in self._names:
                    done.append(self._names[k])
        return done

    def text(self, name: str) -> str | None:
        """The drawing of chart ``name`` as text if :meth:`newly_drawn` has found it
        whole and it is still where ``dot`` wrote it (the drawing moves it into place
        once all are drawn) or where the previous run kept it, else ``None``."""
        k = self.numbers.get(name)
        path = self._where.get(k) if k in self._finished else None
        if path is None or self.fmt != "svg":
            return None
        try:  # as the site reads a drawn chart (Path.read_text)
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError:
            return None
        return text if text.rstrip().endswith("</svg>") else None


class _Feeder(threading.Thread):
    """Writes the sources it takes from the queue to the standard input of one ``dot``
    at a time, taking more as soon as the pipe takes the last (that is, while ``dot``
    draws the ones before); every :data:`_RECYCLE` graphs it starts a fresh ``dot`` and
    lets the last one finish, and when the queue is done it closes the pipe."""

    def __init__(
        self, queue: _Queue, start: Callable[[], _Dot], progress: _Progress | None = None
    ) -> None:
        super().__init__(daemon=True)
        self.queue, self.start_dot = queue, start
        self.dots: list[_Dot] = [start()]
        self.error: BaseException | None = None
        self.progress = progress

    def run(self) -> None:
        try:
            while taken := self.queue.take():
                dot = self.dots[-1]
                if len(dot.given) >= _RECYCLE:
                    self.dots.append(self.start_dot())
                    dot.close()
                    dot = self.dots[-1]
                numbers = [k for k, _ in taken]
                if self.progress is not None:
                    self.progress.given(dot, numbers)
                dot.given += numbers
                dot.stdin.write("".join(source for _, source in taken).encode("utf-8"))
                dot.stdin.flush()  # now, not when more comes
        except BrokenPipeError:  # dot has stopped; its exit status says why
            self.queue.close(stop=True)
        except BaseException as err:  # pragma: no cover - reported by _run_dot
            self.error = err
            self.queue.close(stop=True)
        finally:
            self.dots[-1].close()


@dataclass
class _Run:
    """What :func:`_run_dot` did with each source (by its number)."""

    #: the file ``dot`` drew it into, or ``None`` for one taken from the previous run
    made: list[Path | None]
    #: the DOT digest of every source (:func:`.reuse.source_digest`)
    digests: list[str] = field(default_factory=list)
    #: the sources taken from the previous run: their file there
    kept: dict[int, Path] = field(default_factory=dict)
    #: the sources with links (:func:`_renumber_anchors`)
    linked: set[int] = field(default_factory=set)
    #: the digest of the first process's drawing of the primer (:data:`.reuse.PROBE`)
    environment: str | None = None


#: Seconds to wait for the first ``dot`` to draw its primer (it takes milliseconds).
_PRIMER_WAIT = 60.0


def _primer_digest(first: _Dot, fmt: str) -> str | None:
    """The digest of ``first``'s drawing of its primer, once whole (waiting for it), or
    ``None`` where the process ended without drawing it."""
    path = first.workdir / f"noname.gv.{fmt}"
    end = time.monotonic() + _PRIMER_WAIT
    while True:
        ended = first.proc.poll() is not None
        try:
            if _complete(path, fmt, exact=fmt == "svg" and not ended):
                return file_digest(path.read_bytes())
        except OSError:
            pass
        if ended or time.monotonic() > end:
            return None
        time.sleep(0.001)


def _run_dot(
    dot: str,
    fmt: str,
    workdir: Path,
    sources: Iterable[str],
    count: int,
    progress: _Progress | None = None,
    names: list[str] | None = None,
    previous: Previous | None = None,
) -> _Run:
    """Render ``count`` DOT sources with ``dot -T<fmt> -O``, one process per core, each
    reading graphs on its standard input: the sources are made here while the processes
    draw, and whichever process is free takes the largest of those made (so that both
    cores stay busy to the end). A source whose diagram (of ``names``) the ``previous``
    run drew from the same DOT text, with the same graphviz and fonts, is not drawn:
    its file there is taken (:mod:`.reuse`).

    Raises:
        UsageError: "graphviz dot failed", with dot's exit status or signal and its own
            message, or with how its output fell short.
    """
    # bitmaps at 96 dpi, so that a PNG at 100% looks like the SVG in a browser (12 pt
    # text 16 px high); graphviz's default of 72 dpi makes small Chinese hard to read
    options = [f"-T{fmt}", *(["-Gdpi=96"] if fmt == "png" else []), "-O"]
    command = f"dot -T{fmt}"
    started = itertools.count()
    feeders: list[_Feeder] = []
    run = _Run([None] * count, linked=set() if progress is None else progress.linked)
    linked, digests = run.linked, run.digests
    if progress is not None:
        progress.fmt = fmt
    queue = _Queue()
    asked = False  # whether the primer's drawing has been waited for

    def kept(k: int, digest: str) -> bool:
        nonlocal asked
        if previous is None or names is None or previous.drawn(names[k]) != digest:
            return False
        if not asked:
            asked = True
            run.environment = _primer_digest(feeders[0].dots[0], fmt)
        found = previous.file(names[k], digest, fmt, run.environment)
        if found is None:
            return False
        run.kept[k] = found
        if progress is not None:
            progress.kept(k, found)
        return True

    def start() -> _Dot:
        return _Dot(dot, options, workdir / f"w{next(started)}")

    def every_dot() -> list[_Dot]:
        return [d for feeder in feeders for d in feeder.dots]

    try:
        for _ in range(_workers(count)):
            feeders.append(_Feeder(queue, start, progress))
            feeders[-1].start()
        for k, source in enumerate(sources):
            if queue.stopped:
                break
            digests.append(source_digest(source))
            if kept(k, digests[-1]):
                continue
            if _LINK in source:
                linked.add(k)
            queue.put(k, source)
        queue.close()
    except BaseException:
        queue.close(stop=True)
        for d in every_dot():
            d.proc.kill()
        raise
    finally:
        queue.close()
        for feeder in feeders:
            feeder.join()
        for d in every_dot():
            d.wait()
    failures = [
        _failure(d.proc.returncode, d.stderr.text()) for d in every_dot() if d.proc.returncode != 0
    ]
    if failures:
        raise UsageError(
            "render.dot_failed", command=command, failures="; ".join(dict.fromkeys(failures))
        )
    for feeder in feeders:
        if feeder.error is not None:  # pragma: no cover - a pipe error but a broken one
            raise feeder.error
    if not asked and feeders:
        run.environment = _primer_digest(feeders[0].dots[0], fmt)
    # -O names the outputs of the graphs it reads NAME.fmt, NAME.2.fmt, NAME.3.fmt, ...
    numbered = re.compile(rf"\.(\d+)\.{fmt}\Z")
    made = run.made
    for d in every_dot():
        files = sorted(
            d.workdir.glob(f"*.{fmt}"),
            key=lambda p: int(m.group(1)) if (m := numbered.search(p.name)) else 1,
        )
        if len(files) != _PRIMED + len(d.given):  # the primer's and one per graph
            raise UsageError(
                "render.dot_silent",
                command=command,
                files=max(0, len(files) - _PRIMED),
                graphs=len(d.given),
            )
        for k, path in zip(d.given, files[_PRIMED:], strict=True):
            made[k] = path
    if len(digests) != count or any(  # pragma: no cover - every source was given or kept
        path is None and k not in run.kept for k, path in enumerate(made)
    ):
        raise UsageError("render.dot_not_all", command=command)
    return run


#: What a DOT source with a link holds (an overview's sheets: ``<TD HREF="…">``); no
#: registry text can, as :func:`.text.escape` writes ``=`` and ``"`` as references.
_LINK = 'HREF="'

#: The id graphviz gives a link in an HTML-like label: ``a_<object id>_<n>``.
_ANCHOR_ID = re.compile(rb'id="a_([^"]*)_(\d+)"')


def _renumber_anchors(path: Path) -> None:
    """Number the links of one drawn SVG from 0, as a fresh ``dot`` would.

    graphviz 2.43 numbers the links of HTML-like labels with one counter for the life
    of the process, so the ids in a sheet would depend on which ``dot`` drew it and how
    many links it had drawn before; a graph's links are numbered one after the other, so
    taking the first one's number off every one gives the ids of the graph drawn alone.
    """
    data = path.read_bytes()
    numbers = [int(m.group(2)) for m in _ANCHOR_ID.finditer(data)]
    first = min(numbers, default=0)
    if first:
        path.write_bytes(
            _ANCHOR_ID.sub(lambda m: b'id="a_%s_%d"' % (m[1], int(m[2]) - first), data)
        )


def _complete(path: str | os.PathLike[str], fmt: str, *, exact: bool = False) -> bool:
    """Whether a file ``dot`` wrote ends as a whole file of its format does; ``exact``:
    to the last byte, as graphviz ends an SVG (``</svg>`` and a line break), for a file
    it may still be writing (:class:`_Progress`), where a missing file is not whole."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 64))
            tail = f.read()
    except OSError:
        if exact:
            return False
        raise
    if exact:
        return tail.endswith(_ENDINGS[fmt] + b"\n")
    return tail.rstrip().endswith(_ENDINGS[fmt])


def write_diagrams(
    diagrams: Mapping[str, graphviz.Digraph | str],
    out_dir: str | os.PathLike[str],
    format: str = "svg",
    *,
    redraw: bool = False,
    sources: Iterable[str | os.PathLike[str]] = (),
) -> list[Path]:
    """Write diagrams as ``out_dir/<name>.<format>`` with one ``dot`` run (one per core).

    ``diagrams`` maps a relative name such as ``XK-001/F1`` to a graph or its DOT text.
    The diagrams are made in a new directory beside ``out_dir`` that replaces it whole
    only when every diagram rendered, so a failure or a kill leaves the previous
    diagrams as they were. ``out_dir`` must be new, empty, or written by this function
    (it holds :data:`MARKER`); anything else is refused. A diagram that ``out_dir`` holds
    drawn from the same DOT text by the same graphviz and fonts is taken from there, not
    drawn again (:mod:`.reuse`), unless ``redraw``. ``sources`` are the registry
    directories the diagrams come from: ``out_dir`` may not lie inside one.

    Raises:
        UsageError: unknown format, ``dot`` missing or failing, ``out_dir`` unwritable
            or not a directory of diagrams.

    Examples:
        >>> import tempfile
        >>> out = Path(tempfile.mkdtemp()) / "drawn"
        >>> paths = write_diagrams({"a/one": "digraph { x -> y }"}, out, format="dot")
        >>> [p.relative_to(out).as_posix() for p in paths], sorted(os.listdir(out))
        (['a/one.dot'], ['.powerreg-render.json', 'a'])
    """
    texts = (g if isinstance(g, str) else str(g.source) for g in diagrams.values())
    previous = None if redraw else Path(out_dir)
    read = [os.fspath(s) for s in sources]
    return _write(list(diagrams), texts, out_dir, format, read, previous=previous)[0]


_not_diagrams = written_by(MARKER, "powerreg render")


def _write(
    names: list[str],
    sources: Iterable[str],
    out_dir: str | os.PathLike[str],
    format: str,
    read: Sequence[str | None] = (),
    progress: _Progress | None = None,
    previous: Path | Previous | None = None,
) -> tuple[list[Path], int]:
    """The diagrams written, and how many were taken from ``previous`` (see :func:`_fill`);
    ``out_dir`` may not lie inside any of the registry directories ``read``."""
    if format not in FORMATS:
        raise UsageError("render.unknown_format", format=format, formats=", ".join(FORMATS))
    out = Path(out_dir)
    for name in names:
        parts = name.split("/")
        if not all(parts) or any(p in (".", "..") or "\\" in p for p in parts):
            raise UsageError("render.bad_name", name=name)
    dot = _dot_executable() if format != "dot" else ""
    for source in read or (None,):
        check_output(
            out,
            directory=True,
            not_ours=_not_diagrams,
            fix=phrase("fix.new_dir_of", command="render"),
            source=source,
        )
    try:
        with new_directory(out) as work:
            taken = _fill(work, names, sources, format, dot, progress, previous)
    except OSError as err:
        raise UsageError("render.cannot_write", path=out, reason=err.strerror or str(err)) from err
    return [out / f"{name}.{format}" for name in names], taken


def _fill(
    work: Path,
    names: list[str],
    sources: Iterable[str],
    format: str,
    dot: str,
    progress: _Progress | None = None,
    previous: Path | Previous | None = None,
) -> int:
    """Write the diagrams into the new directory ``work``, and the marker; how many were
    taken from the ``previous`` run's directory (:mod:`.reuse`), or from the drawings a
    :class:`~powerreg.render.reuse.Previous` lists (a record kept elsewhere than in the
    directory: the site's)."""
    targets = [work / f"{name}.{format}" for name in names]
    folders: set[Path] = set()
    marker: dict[str, object] = {
        "written_by": "powerreg render",
        "format": format,
        "diagrams": len(names),
    }
    taken = 0

    def place(path: Path | None, target: Path, text: str = "", *, old: bool = False) -> None:
        if target.parent not in folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            folders.add(target.parent)
        if path is None:
            target.write_text(text, encoding="utf-8")
        elif old:  # the previous run's file: it stays there too
            take(path, target)
        else:
            os.replace(path, target)

    if format == "dot":
        for target, text in zip(targets, sources, strict=True):
            place(None, target, text)
    elif names:
        scratch = work / ".dot"  # not a name an id can take
        scratch.mkdir()
        before = previous if isinstance(previous, Previous) else Previous.read(previous, MARKER)
        run = _run_dot(dot, format, scratch, sources, len(names), progress, names, before)
        for path, name in zip(run.made, names, strict=True):
            if path is not None and not _complete(path, format):
                raise UsageError("render.dot_cut_short", format=format, name=name)
        if format == "svg":
            for k in run.linked:
                _renumber_anchors(run.made[k])  # type: ignore[arg-type] # drawn, not kept
        kept = Kept(run.environment)
        for k, (path, target) in enumerate(zip(run.made, targets, strict=True)):
            if path is None:
                place(run.kept[k], target, old=True)
            else:
                place(path, target)
            kept.drawn[names[k]] = (run.digests[k], stamp(target))
        taken = len(run.kept)
        shutil.rmtree(scratch)
        marker.update(kept.as_json())
    (work / MARKER).write_text(json.dumps(marker, ensure_ascii=False) + "\n", encoding="utf-8")
    return taken


def render_all(
    registry: Registry,
    out_dir: str | os.PathLike[str],
    format: str = "svg",
    *,
    categories: bool = False,
    redraw: bool = False,
) -> list[Path]:
    """Draw every flowchart of a registry to ``out_dir/<power id>/<flowchart id>.<ext>``,
    and with ``categories=True`` the overview of each category, in the same run, to
    ``out_dir/_categories/<code>.<ext>`` and, for a category of more than
    :data:`~powerreg.render.overview.SHEET_POWERS` powers, its numbered sheets
    ``out_dir/_categories/<code>_<n>.<ext>`` (see
    :func:`~powerreg.render.overview.overview_sheets`; no id starts with ``_``).

    One ``dot`` process per core renders everything (a process per chart would pay
    graphviz's start-up each time), each taking the next diagram as it gets free;
    ``format="dot"`` writes the DOT sources only. ``out_dir`` is replaced whole, as by
    :func:`write_diagrams`; it may not lie inside the registry directory being drawn. A
    chart whose DOT text has not changed since ``out_dir`` was drawn is taken from there
    (:mod:`.reuse`), unless ``redraw``.

    Returns:
        The paths written: the charts, powers in id order, then the overview sheets,
        categories in order, each category's first sheet first.

    Raises:
        UsageError: as :func:`write_diagrams`.
    """
    previous = None if redraw else Path(out_dir)
    return _render_all(registry, out_dir, format, categories, None, previous=previous)[0]


def _render_all(
    registry: Registry,
    out_dir: str | os.PathLike[str],
    format: str,
    categories: bool,
    stop: threading.Event | None,
    progress: _Progress | None = None,
    previous: Path | Previous | None = None,
) -> tuple[list[Path], int]:
    expect_registry(registry, "powerreg.render_all")
    charts = list(registry.iter_flowcharts())
    names = [f"{p.id}/{fc.id}" for p, fc in charts]
    if progress is not None:
        progress.expect(names)
    sources: Iterable[str] = (dot_source(fc, p, registry) for p, fc in charts)
    if categories:
        codes = [c.code for c in registry.categories]
        names += [name for code in codes for name in overview_sheets(registry, code)]
        overviews = (text for code in codes for _, text in overview_sources(registry, code))
        sources = itertools.chain(sources, overviews)
    if stop is not None:
        sources = _until(stop, sources)
    read = (registry.source_root,)
    return _write(names, sources, out_dir, format, read, progress, previous)


def _until(stop: threading.Event, sources: Iterable[str]) -> Iterator[str]:
    for source in sources:
        if stop.is_set():
            raise UsageError("render.stopped")
        yield source


class Drawing:
    """:func:`render_all` at work in a thread of its own (see :func:`start_render_all`)."""

    def __init__(
        self,
        registry: Registry,
        out_dir: str | os.PathLike[str],
        format: str,
        categories: bool,
        previous: str | os.PathLike[str] | Previous | None = None,
    ) -> None:
        self._stop = threading.Event()
        self._paths: list[Path] = []
        self._error: BaseException | None = None
        self._progress = _Progress()
        #: how long the drawing took, once it is done
        self.seconds = 0.0
        #: how many diagrams were taken from the previous run, once it is done
        self.kept = 0
        before = previous if previous is None or isinstance(previous, Previous) else Path(previous)

        def run() -> None:
            start = time.perf_counter()
            try:
                self._paths, self.kept = _render_all(
                    registry, out_dir, format, categories, self._stop, self._progress, before
                )
            except BaseException as err:  # handed to the caller by result()
                self._error = err
            self.seconds = time.perf_counter() - start

        self._thread = threading.Thread(target=run, name="render_all", daemon=True)
        self._thread.start()

    def result(self) -> list[Path]:
        """Wait for the drawing to end; the paths :func:`render_all` returns.

        Raises:
            UsageError: as :func:`render_all`.
        """
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._paths

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the drawing to end; whether it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def newly_drawn(self) -> list[str]:
        """The flowcharts (``<power id>/<flowchart id>``) that ``dot`` has finished
        since the last call, while it draws: each one's :meth:`drawn_text` may be had
        before the drawing ends (the build's site inlines them meanwhile)."""
        return self._progress.newly_drawn()

    def drawn_text(self, name: str) -> str | None:
        """The SVG of flowchart ``name`` as ``dot`` wrote it, while the drawing is at
        work: the same text the drawing's file will hold; ``None`` where it is not whole
        yet, or has been moved into place (the drawing is ending: :meth:`result`)."""
        return self._progress.text(name)

    def stop(self) -> None:
        """Stop the drawing if it is still at work (its output is not made) and wait for
        it to end; nothing if it has ended."""
        self._stop.set()
        self._thread.join()


def start_render_all(
    registry: Registry,
    out_dir: str | os.PathLike[str],
    format: str = "svg",
    *,
    categories: bool = False,
    previous: str | os.PathLike[str] | Previous | None = None,
) -> Drawing:
    """:func:`render_all` in a thread of its own, so that the caller does other work
    while the ``dot`` processes draw (the build writes the catalog meanwhile): the
    Python part of drawing is a small share of the work, and the cores the processes
    leave are used. :meth:`Drawing.result` waits for the paths (or the error);
    :meth:`Drawing.stop` abandons the drawing, e.g. when the other work failed.
    ``previous`` is a directory of diagrams an earlier run drew (the build's last
    ``diagrams/``), or the record of such drawings (:class:`~powerreg.render.reuse.Previous`,
    where the directory keeps no marker: the site's ``charts/``): the charts whose DOT
    text has not changed are taken from it (:mod:`.reuse`).

    Examples:
        >>> import powerreg, tempfile
        >>> out = Path(tempfile.mkdtemp()) / "drawn"
        >>> drawing = start_render_all(powerreg.load("examples/minimal"), out, format="dot")
        >>> [p.relative_to(out).as_posix() for p in drawing.result()]
        ['CF-001/F1.dot', 'XK-001/F1.dot']
    """
    expect_registry(registry, "powerreg.render.start_render_all")  # here, not in its thread
    return Drawing(registry, out_dir, format, categories, previous)
