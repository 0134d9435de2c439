"""The supervision service on two cores: the requests in one process, the settling in
another.

A Python process runs one thread at a time. Under a stream of posts the server spent
about two fifths of its CPU settling (replaying the cases the requests touched, making
the records of their findings, writing the feed) and the rest storing and answering
the requests; both took turns on one core while the second sat idle. So
``powerreg supervise`` on a machine with two cores or more (:func:`~powerreg.machine.
second_process`) splits them:

* the **front** (:class:`SettledApart`, the process that serves HTTP) checks each
  request's events, places them among their cases' (a case must keep its power and
  flowchart) and commits them — the reply still comes only after the commit — but
  replays nothing and writes no finding;
* the **settling process** is a :class:`~.supervisor.Supervisor` of the same state:
  before every step it takes the events the front committed since it last looked
  (:meth:`~.supervisor.Supervisor.catch_up`, from the state database), then settles
  as the service always has — by its own timer, beside the requests — and answers the
  reads (the feed, a case, the powers, the health), each settling first, so a read
  sees every event acknowledged before it.

Only the settling process writes findings and the feed: a finding is raised once as
before. It is started by the front (a new Python, ``python -c``, that imports
powerreg and nothing of the caller's: a caller's script is never run again in it) and
takes the state's settling lock (``flock`` on ``STATE.db-settling``), so that one left
running by a front that was killed ends its settling before a new one starts; it ends
when the front does (it sees its messages end), however the front ends. Messages are
pickled over a socket pair (:class:`multiprocessing.connection.Connection`): the
registry once, then a request and a reply at a time. If the settling process dies,
the next read starts another, which reads the state as a restarted service does;
nothing acknowledged is lost, as the events are in the state.

Where a second process is not wanted (one core, ``POWERREG_PARALLEL=0``), the service
settles in its own process, as :class:`~.supervisor.Supervisor` does.

Examples:
    >>> import json, powerreg, tempfile
    >>> from pathlib import Path
    >>> from .auth import Token
    >>> front = SettledApart(powerreg.load_reference(), Path(tempfile.mkdtemp()) / "s.db",
    ...                      today="2011-10-31")
    >>> sender = Token("xk", frozenset({"XK-001"}), send=True, read=False)
    >>> def event(n, step, at):
    ...     return {"event_id": n, "case_id": "A1", "power_id": "XK-001", "step_id": step,
    ...             "timestamp": at}
    >>> body = json.dumps([event("1", "S1", "2011-10-10 09:00"),
    ...                    event("2", "S6", "2011-10-10 10:00")]).encode()
    >>> front.post(body, sender).accepted  # stored here, not replayed
    2
    >>> [(e["entry"], e["code"]) for e in front.feed(0)["alerts"]]  # settled there first
    [('raised', 'M102'), ('raised', 'M202')]
    >>> front.close()
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any

from ..codes import Phrase, phrase
from ..collector import gc_paused
from ..errors import UsageError
from ..lang import Lang
from ..model import Registry
from ..monitor.findings import CaseResult
from .auth import Token
from .clock import clock_of
from .state import StateUnavailable
from .supervisor import Supervisor

log = logging.getLogger("powerreg.service")

#: Seconds the front waits for the settling process to start (it loads every event).
START_WAIT = 600.0
#: Seconds the front waits for it to end its last settling when the service stops.
END_WAIT = 60.0

#: What the settling process runs: the caller's module search path, then :func:`main`.
_BOOT = (
    "import json, sys; sys.path[:] = json.loads(sys.argv[1])['path']; "
    "from powerreg.service.settler import main; main()"
)


class SettledApart(Supervisor):
    """A :class:`~.supervisor.Supervisor` that stores the requests' events and leaves the
    settling and the reads to a process of its own (see the module). ``today`` is the
    clock as ``powerreg supervise --today`` gives it (each process makes its own);
    ``tick_every`` and ``settle_after`` are the settling process's timer (see
    :func:`~.app.create_app`).

    Raises:
        UsageError: as :class:`~.supervisor.Supervisor`; or the settling process
            could not start.
    """

    def __init__(
        self,
        registry: Registry,
        state: str | Path,
        *,
        today: str | None = None,
        tick_every: float = 60.0,
        settle_after: float = 1.0,
    ) -> None:
        self._trouble: Phrase | None = None
        super().__init__(
            registry, state, clock=clock_of(today), settle_after=settle_after, settling=False
        )
        try:
            self.settler = SettlingProcess(
                registry, self.store.path, today, tick_every, settle_after
            )
            day, _ = self.settler.started
        except BaseException:
            self.store.close()
            raise
        self.as_of = max(self.as_of, day)

    @property
    def trouble(self) -> Phrase | None:
        """Why the last write of either process failed, until one succeeds."""
        return self._trouble or self.settler_trouble

    @trouble.setter
    def trouble(self, why: Phrase | None) -> None:
        self._trouble = why

    @property
    def settler_trouble(self) -> Phrase | None:
        """Why the settling process's last write failed, as it last said."""
        settler = getattr(self, "settler", None)
        return None if settler is None else settler.trouble

    def tick(self, *, lag: float = 0.0) -> bool:
        """Nothing to do here: the settling process keeps its own timer, and settles
        before each read. Whether both processes' last writes succeeded."""
        return self.trouble is None

    def feed(self, after: int = 0, limit: int = 1000, token: Token | None = None) -> dict[str, Any]:
        """:meth:`Supervisor.feed`, from the settling process."""
        got: dict[str, Any] = self.settler.call("feed", after, limit, token)
        return got

    def case(self, case_id: str, token: Token | None = None, lang: Lang = "en") -> Any:
        """:meth:`Supervisor.case`, from the settling process."""
        return self.settler.call("case", case_id, token, lang)

    def results(self, token: Token | None = None) -> list[CaseResult]:
        """:meth:`Supervisor.results`, from the settling process."""
        got: list[CaseResult] = self.settler.call("results", token)
        return got

    def powers(self, token: Token | None = None) -> dict[str, Any]:
        """:meth:`Supervisor.powers`, from the settling process."""
        got: dict[str, Any] = self.settler.call("powers", token)
        return got

    def health(self) -> dict[str, Any]:
        """:meth:`Supervisor.health` of the settling process, with this one's trouble."""
        state: dict[str, Any] = self.settler.call("health")
        if self._trouble is not None:
            failed = phrase("service.health.write_failed", why=self._trouble)
            state["problems"].insert(0, failed.in_lang("en"))
            state["problems_zh"].insert(0, failed.in_lang("zh"))
            state["status"] = "degraded"
        return state

    def close(self) -> None:
        """End the settling process (it settles first), then close the state."""
        try:
            self.settler.close()
        finally:
            self.store.close()


class SettlingProcess:
    """The settling process of a front (see the module), started at once; its day and
    cases as it started are :attr:`started`.

    Raises:
        UsageError: it could not start (the message says why).
    """

    def __init__(
        self,
        registry: Registry,
        state: Path,
        today: str | None,
        tick_every: float,
        settle_after: float,
    ) -> None:
        self._setup = (registry, str(state), today, tick_every, settle_after)
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None
        #: why its last write failed, as it last said
        self.trouble: Phrase | None = None
        self.started = self._start()

    def _start(self) -> Any:
        mine, theirs = socket.socketpair()
        with theirs:
            try:
                proc = subprocess.Popen(
                    [
                        sys.executable,
                        "-c",
                        _BOOT,
                        json.dumps({"path": sys.path, "fd": theirs.fileno()}),
                    ],
                    pass_fds=(theirs.fileno(),),
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                )
            except OSError as err:
                mine.close()
                raise UsageError("service.settler_cannot_start", reason=str(err)) from err
        conn = Connection(mine.detach())
        self._proc, self._conn = proc, conn
        try:
            conn.send(self._setup)
            if not conn.poll(START_WAIT):
                raise UsageError("service.settler_slow_start", seconds=f"{START_WAIT:.0f}")
            return self._reply(conn.recv())
        except (EOFError, OSError) as err:
            self._end()
            raise UsageError("service.settler_ended_at_start") from err
        except BaseException:
            self._end()
            raise

    def call(self, op: str, *args: Any) -> Any:
        """The settling process's answer to the read ``op`` (one at a time). If it has
        ended, another is started and asked.

        Raises:
            StateUnavailable: the settling process cannot be reached or started, or
                the read failed there (its log says why).
        """
        with self._lock:
            try:
                return self._ask(op, args)
            except (EOFError, OSError, UsageError) as err:
                self._end()
                log.warning("the settling process ended (%s)", type(err).__name__)
            try:
                return self._ask(op, args)  # a new one
            except (EOFError, OSError, UsageError) as err:
                self._end()
                raise StateUnavailable(phrase("service.why_no_settler")) from err

    def _ask(self, op: str, args: tuple[Any, ...]) -> Any:
        """Ask the settling process, starting one first if there is none."""
        if self._conn is None:
            self.started = self._start()
        assert self._conn is not None
        self._conn.send((op, args))
        return self._reply(self._conn.recv())

    def _reply(self, reply: tuple[str, Any, Phrase | None]) -> Any:
        kind, value, self.trouble = reply
        if kind == "ok":
            return value
        if kind == "unavailable" and isinstance(value, Phrase):
            raise StateUnavailable(value)
        if kind == "refused" and isinstance(value, UsageError):
            raise value  # the refusal itself (its key and parameters), said in either language
        raise StateUnavailable(phrase("service.why_settler_failed", kind=str(value)))

    def close(self) -> None:
        """Ask it to settle and end, and wait for it (then end it regardless)."""
        with self._lock:
            conn = self._conn
            if conn is not None:
                with contextlib.suppress(EOFError, OSError):
                    conn.send(("close", ()))
                    if conn.poll(END_WAIT):
                        conn.recv()
            self._end()

    def _end(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        proc, self._proc = self._proc, None
        if proc is not None:
            try:
                proc.wait(timeout=END_WAIT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# ------------------------------------------------------------------ the settling process


def main() -> None:
    """The settling process: take the setup, the state's settling lock and every event
    stored; then answer the front's reads and settle by the timer until the front ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the front ends it
    from .server import configure_logging  # its log goes where the front's goes

    configure_logging()
    conn = Connection(json.loads(sys.argv[1])["fd"])
    try:
        registry, state, today, tick_every, settle_after = conn.recv()
    except (EOFError, OSError):
        return
    with _settling_lock(Path(state)):
        try:
            sup = Supervisor(
                registry, state, clock=clock_of(today), settle_after=settle_after, hold=False
            )
        except UsageError as err:
            conn.send(("refused", err, None))  # pickled as its key and parameters
            return
        except StateUnavailable as err:
            conn.send(("unavailable", err.why, err.why.in_lang("en")))
            return
        conn.send(("ok", (sup.as_of, len(sup.cases)), sup.trouble))
        every = min(tick_every, settle_after / 2) if settle_after > 0 else tick_every
        try:
            _serve(sup, conn, every)
        finally:
            sup.close()


def _serve(sup: Supervisor, conn: Connection, every: float) -> None:
    """Answer the front until it ends; settle every ``every`` seconds meanwhile."""
    from .server import Survivors, collecting

    reads: dict[str, Callable[..., Any]] = {
        "feed": sup.feed,
        "case": sup.case,
        "powers": sup.powers,
        "results": sup.results,
        "health": lambda: (sup.tick(), sup.health())[1],
    }
    survivors = Survivors()
    with collecting():
        while True:
            try:
                asked = conn.poll(every)
                msg = conn.recv() if asked else None
            except (EOFError, OSError):
                return  # the front ended
            with gc_paused():
                sup.catch_up()
            if msg is None:
                sup.tick(lag=sup.settle_after)
                survivors()
                continue
            op, args = msg
            if op == "close":
                sup.tick()
                conn.send(("ok", None, sup.trouble))
                return
            try:
                value = reads[op](*args)  # a KeyError for a read there is not
            except StateUnavailable as err:
                conn.send(("unavailable", err.why, sup.trouble))
            except Exception as err:  # the front answers 503; the log says where
                log.error("the settling process failed: %s", type(err).__name__)
                conn.send(("failed", type(err).__name__, sup.trouble))
            else:
                conn.send(("ok", value, sup.trouble))


@contextlib.contextmanager
def _settling_lock(state: Path) -> Any:
    """The state's settling lock (``STATE.db-settling``), held while it is in use: a
    settling process of a front that was killed ends first."""
    side = state.with_name(state.name + "-settling")
    f: IO[str] = side.open("a")
    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        yield
    finally:
        f.close()
