"""The machine powerreg runs on: its cores, its load, a process's peak memory and state,
and when powerreg uses a second process — one policy, one pair of switches.

Six jobs can hand work to another process while this one goes on: a cold load parses
files in a pool (:mod:`powerreg.loadpool`), an export builds its search indexes in a
worker (:mod:`powerreg.catalog.searchworker`), a build of a small registry writes its
catalog in a forked child (:mod:`powerreg.catalog.background`), the site builds its
search index in a child (:mod:`powerreg.site.indexworker`), a roll-up builds its members
in worker processes (:mod:`powerreg.rollup.worker`), and the supervision service settles
in a process of its own (:mod:`powerreg.service.settler`). They all ask here:

* ``POWERREG_WORKERS=0`` keeps every job in this process (for the roll-up,
  ``POWERREG_WORKERS=N`` is also its number of workers);
* ``POWERREG_PARALLEL=0`` does the same, ``POWERREG_PARALLEL=1`` uses a second process
  whatever the machine's load (on two cores or more);
* otherwise a second process is used where the machine has two cores or more and — for
  the jobs whose split is fixed in advance (``load_aware``) — while its load
  (:func:`load_average`) is below its cores: on a busy machine more processes only
  share the same cores and cost their start and their messages. The export's worker is
  not load-aware: the export takes over the indexes the worker has not started, so a slow
  worker costs little.

Examples:
    >>> second_process({"POWERREG_WORKERS": "0"}), second_process({"POWERREG_PARALLEL": "0"})
    (False, False)
    >>> second_process({"POWERREG_PARALLEL": "1"}, cores=2, load=9.0)
    True
    >>> second_process({"POWERREG_PARALLEL": "1"}, cores=1)
    False
    >>> second_process({}, cores=2, load=2.5), second_process({}, cores=2, load=0.5)
    (False, True)
    >>> second_process({}, cores=2, load=2.5, load_aware=False), second_process({}, cores=1)
    (True, False)
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import weakref
from collections.abc import Callable, Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any

#: Set to 0: every job in this process; for a roll-up, its number of workers.
WORKERS_ENV = "POWERREG_WORKERS"

#: Set to 0: every job in this process; set to 1: a second process whatever the load.
PARALLEL_ENV = "POWERREG_PARALLEL"

#: Registries of this many powers or more are not handed to a forked child that reads
#: every power (the build's catalog, :mod:`powerreg.catalog.background`, and its site's
#: search index, :mod:`powerreg.site.early`): a child shares the parent's memory only
#: until it touches it, and Python counts every reference it takes, so the child of a
#: big registry would copy it (a 10,000-power registry holds ~0.5 GB).
FORK_REGISTRY_POWERS = 1000


def core_count() -> int:
    """Cores this process may run on (a container's share, not the machine's)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def load_average() -> float:
    """The machine's load: the smaller of its load average over the last minute and the
    tasks running at this moment, this one included (0 where neither is known).

    The minute's average lags: after a stage that kept both cores busy with this job's
    own ``dot`` processes it still says "busy" for a minute, when the cores are free
    (a 10,000-power build then built its site's search index in one process, and the
    site stage grew faster than the registry). The tasks running now say what is free
    now; the average keeps a moment of quiet on a busy machine from counting as free.
    """
    try:
        average = os.getloadavg()[0]
    except (AttributeError, OSError):
        average = 0.0
    now = running_now()
    return average if now is None else min(average, float(now))


def process_stat(pid: int) -> list[str] | None:
    """The fields of Linux's ``/proc/<pid>/stat`` after the command (which may hold
    spaces and parentheses): ``[state, ppid, …, utime, stime, …]`` — fields 3 on, so
    ``stat[0]`` is the state (``Z``: ended, not yet reaped) and ``stat[1]`` the parent's
    id; None where the process is gone or there is no ``/proc``.

    Examples:
        >>> stat = process_stat(os.getpid())
        >>> stat is None or (stat[0] in "RS" and int(stat[1]) == os.getppid())
        True
    """
    try:
        text = Path(f"/proc/{pid}/stat").read_text(errors="replace")
    except OSError:
        return None
    return text[text.rfind(")") + 2 :].split()


def running_now(loadavg: Path = Path("/proc/loadavg")) -> int | None:
    """The tasks running or ready to run at this moment, the caller included (Linux's
    ``/proc/loadavg``, its fourth field ``running/total``); None where it is not known.

    Examples:
        >>> import tempfile
        >>> f = Path(tempfile.mkdtemp()) / "loadavg"
        >>> _ = f.write_text("2.50 1.90 1.20 1/345 4242")
        >>> running_now(f), running_now(f.with_name("missing"))
        (1, None)
    """
    try:
        return int(loadavg.read_text().split()[3].split("/")[0])
    except (OSError, IndexError, ValueError):
        return None


def second_process(
    environ: Mapping[str, str] = os.environ,
    *,
    cores: int | None = None,
    load: float | None = None,
    load_aware: bool = True,
) -> bool:
    """Whether a job may hand work to another process (see the module). ``cores`` and
    ``load`` default to this machine's."""
    parallel = environ.get(PARALLEL_ENV, "").strip()
    if parallel == "0" or environ.get(WORKERS_ENV, "").strip() == "0":
        return False
    n = core_count() if cores is None else cores
    if n < 2:
        return False
    if parallel == "1" or not load_aware:
        return True
    return (load_average() if load is None else load) < n


def peak_memory_mib() -> float | None:
    """Peak resident memory of this process in MiB (``VmHWM`` of /proc/self/status;
    ``None`` where there is none).

    Not ``getrusage``: on Linux its maximum includes the memory of the parent process a
    child was forked from before ``exec``, so a child of a big process would seem big.

    Examples:
        >>> peak = peak_memory_mib()
        >>> peak is None or peak > 1
        True
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


class Child:
    """Another process at work for this one (numbered ``pid``), whose report, a JSON
    object, comes on the pipe ``read`` as it ends; ``wait()`` waits for it to end and
    gives its status (0: it succeeded). :func:`fork` makes one; the site's index
    worker also starts a new Python and watches it so.

    Examples:
        >>> child = fork(lambda: {"n": 2})
        >>> child.report(), child.ended
        ({'n': 2}, True)
        >>> child.stop()  # nothing once reported
    """

    def __init__(self, pid: int, read: int, wait: Callable[[], int]) -> None:
        self.pid = pid
        self._read = read
        self._wait = wait
        #: whether it has ended and been waited for
        self.ended = False

    def report(self) -> dict[str, Any] | None:
        """Wait for it to end: its report, or ``None`` if it failed, died or said
        nothing readable."""
        chunks = []
        with os.fdopen(self._read, "rb") as pipe:
            while chunk := pipe.read(65536):
                chunks.append(chunk)
        status = self._wait()
        self.ended = True
        if status != 0 or not chunks:
            return None
        try:
            report = json.loads(b"".join(chunks))
        except ValueError:
            return None
        return report if isinstance(report, dict) else None

    def stop(self) -> None:
        """Kill it if it is still at work and wait for it (the caller failed); nothing
        once it has ended."""
        if self.ended:
            return
        self.ended = True
        with suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        with suppress(OSError):
            os.close(self._read)
        with suppress(ChildProcessError):
            self._wait()


def may_fork() -> bool:
    """Whether this process may fork a child now: on Linux, from a process of one thread
    (a fork copies the other threads' locks in whatever state they are). Whether a second
    process helps is :func:`second_process`'s to say.

    Examples:
        >>> may_fork() is (sys.platform == "linux" and threading.active_count() == 1)
        True
    """
    return sys.platform == "linux" and threading.active_count() == 1


#: The threads :func:`mute` vouches for.
_MUTE: weakref.WeakSet[threading.Thread] = weakref.WeakSet()


def mute(thread: threading.Thread) -> threading.Thread:
    """``thread``, counted from now on as one that never writes to fd 2 (it catches
    every exception and prints nothing), so that :func:`fd2_alone` allows pointing fd 2
    at /dev/null while it runs. The load cache's writer (:mod:`powerreg.loadcache`) is
    one: the fast reader (:mod:`powerreg.fastyaml`) silences fd 2 beside it.

    Examples:
        >>> import threading
        >>> done = threading.Event()
        >>> t = mute(threading.Thread(target=done.wait))
        >>> t.start(); fd2_alone() == (threading.active_count() == 2); done.set(); t.join()
        True
    """
    _MUTE.add(thread)
    return thread


def fd2_alone() -> bool:
    """Whether this thread is the only one that may write to fd 2: no other thread runs
    but those :func:`mute` vouches for (so fd 2 may point at /dev/null a while and no
    message of another thread is lost).

    Examples:
        >>> import threading
        >>> fd2_alone() is (threading.active_count() == 1)  # no thread vouched for
        True
        >>> done = threading.Event()
        >>> t = threading.Thread(target=done.wait); t.start()
        >>> fd2_alone()  # a thread that may print
        False
        >>> done.set(); t.join()
    """
    running = threading.active_count()
    if running == 1:
        return True
    me = threading.current_thread()
    return running == 1 + sum(1 for t in list(_MUTE) if t is not me and t.is_alive())


def fork(work: Callable[[], dict[str, Any]]) -> Child:
    """``work()`` in a forked child, its report (made JSON) back on a pipe (see
    :class:`Child`). The child ends with ``os._exit``: none of this process's clean-up
    runs twice. Fork only from a process of one thread (a fork copies the other
    threads' locks in whatever state they are).

    Raises:
        OSError: no pipe or no process could be made.
    """
    read, write = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        raise
    if pid == 0:  # the child: work, report, and end without any clean-up
        status = 1
        try:
            os.close(read)
            os.write(write, json.dumps(work()).encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write)
    return Child(pid, read, lambda: os.waitpid(pid, 0)[1])
