"""The resident memory of a process and of every process below it, sampled from /proc.

The benchmarks that report a peak of several processes (a build with its ``dot``
processes, an export with its search worker, a roll-up with its workers) share this
sampler. A child's ``ru_maxrss`` will not do: Linux counts in it the parent's memory the
child shared between its fork and its exec.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from powerreg.machine import process_stat

_TICK = os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    """Resident memory of ``pid`` in KiB (``VmRSS``); 0 if it has ended."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user and system) ``pid`` has used so far; 0 if it has ended."""
    stat = process_stat(pid)
    if stat is None:
        return 0.0
    return (int(stat[11]) + int(stat[12])) / _TICK  # utime, stime (fields 14 and 15)


def below(pid: int) -> list[int]:
    """Every process below ``pid`` (children of each of its threads, and theirs)."""
    out: list[int] = []
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                found = [int(c) for c in (task / "children").read_text().split()]
                out += found
                todo += found
        except (OSError, ValueError):
            pass
    return out


class TreeMemory(threading.Thread):
    """Samples ``pid`` and the processes below it every ``every`` seconds until
    :attr:`done` is set: the largest sum at one moment (:attr:`peak_kib`), the largest sum
    of the processes below (:attr:`peak_children_kib`) and the largest one process
    (:attr:`peak_one_kib`); and the CPU seconds of every process seen (:attr:`cpu_s`, the
    last sample of each: a lower bound, short of what a process used after its last
    sample)."""

    def __init__(self, pid: int, every: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.every = every
        self.peak_kib = 0
        self.peak_children_kib = 0
        self.peak_one_kib = 0
        self._cpu: dict[int, float] = {}
        self.done = threading.Event()

    @property
    def cpu_s(self) -> float:
        """CPU seconds of the process and those below it, as last sampled."""
        return sum(self._cpu.values())

    def run(self) -> None:
        while not self.done.is_set():
            own = rss_kib(self.pid)
            pids = below(self.pid)
            children = [rss_kib(p) for p in pids]
            for p in (self.pid, *pids):
                used = cpu_seconds(p)
                if used > self._cpu.get(p, 0.0):
                    self._cpu[p] = used
            self.peak_children_kib = max(self.peak_children_kib, sum(children))
            self.peak_kib = max(self.peak_kib, own + sum(children))
            self.peak_one_kib = max(self.peak_one_kib, own, *children)
            self.done.wait(self.every)
