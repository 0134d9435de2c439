"""Running the supervision service: the listening socket, the log, and uvicorn.

The service listens on ``127.0.0.1`` unless told otherwise: the systems that post
events and the supervision office reach it through whatever the department puts in
front of it (a reverse proxy with TLS), never directly from outside. Port 0 takes a
free port; :func:`bind` says which.

The log goes to stderr, one line per request (see :class:`~.app.AccessLog`), and says
nothing of tokens or bodies; uvicorn's own access log is off.

uvicorn parses HTTP with httptools and runs its loop on uvloop when they are installed
(the extra ``serve`` brings them; else h11 and asyncio): a post of 1,000 events costs
the server about a sixth less CPU.

The service keeps every case in memory, and each request and settling adds thousands
of objects that live on. Python's cycle collector, left as it is, walks them again and
again: with its first generation collected every 700 allocations it took a sixth of
the server's CPU under the benchmark's stream, and paused it for up to a third of a
second. While it serves, the collector looks at young objects every
:data:`YOUNG_COLLECTION_EVERY` allocations, what the start loaded (every stored event)
is frozen out of its sight (``gc.freeze``), and so is what lives after each tick of the
timer (:class:`Survivors`); cycles are still collected.

Examples:
    >>> parse_listen("127.0.0.1:8765"), parse_listen("[::1]:0"), parse_listen("8080")
    (('127.0.0.1', 8765), ('::1', 0), ('127.0.0.1', 8080))
"""

from __future__ import annotations

import contextlib
import gc
import logging
import socket
import sys
from collections.abc import Iterator

import uvicorn

from ..errors import UsageError
from .app import MAX_BODY, create_app
from .supervisor import Supervisor

#: Where the service listens unless told otherwise.
LISTEN = "127.0.0.1:8765"
#: Allocations between two collections of young objects while serving (Python: 700).
YOUNG_COLLECTION_EVERY = 100_000
#: Ticks of the timer between two full collections (ten minutes at two ticks a second).
FULL_COLLECTION_EVERY = 1200


class Survivors:
    """Called after each tick of the timer: every object alive then is frozen out of the
    collector's sight (``gc.freeze``: the cases' events and replays that a settling
    kept are not walked again while they live; a frozen object is still freed when its
    last reference goes). Every ``every`` ticks they are unfrozen and collected once, so
    that a cycle frozen while in use and dropped since is freed: the service makes few
    (44 objects were collected over a stream of 100,000 events).

    Examples:
        >>> import gc
        >>> survivors = Survivors(every=2)
        >>> survivors(); gc.get_freeze_count() > 0
        True
        >>> survivors(); survivors.ticks
        2
        >>> gc.unfreeze()
    """

    def __init__(self, every: int = FULL_COLLECTION_EVERY) -> None:
        self.every = every
        self.ticks = 0

    def __call__(self) -> None:
        self.ticks += 1
        if self.ticks % self.every == 0:
            gc.unfreeze()
            gc.collect()
        gc.freeze()


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6; a bare ``PORT`` is on 127.0.0.1).

    Raises:
        UsageError: not an address with a port.
    """
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = "127.0.0.1", text
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or int(port) > 65535:
        raise UsageError("service.bad_listen", listen=repr(text), example=LISTEN)
    return host, int(port)


def bind(listen: str = LISTEN) -> socket.socket:
    """A listening TCP socket at ``listen``.

    Raises:
        UsageError: the address cannot be bound (in use, not this machine's).
    """
    host, port = parse_listen(listen)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as err:
        sock.close()
        raise UsageError(
            "service.cannot_listen", listen=listen, reason=err.strerror or str(err)
        ) from err
    sock.set_inheritable(True)
    return sock


def address(sock: socket.socket) -> str:
    """``http://HOST:PORT`` of a bound socket."""
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def configure_logging(level: int = logging.INFO) -> None:
    """The service's log on stderr, with a time on each line."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in ("powerreg.service", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False
    logging.getLogger("uvicorn.access").disabled = True


def serve(
    supervisor: Supervisor,
    sock: socket.socket,
    *,
    max_body: int = MAX_BODY,
    tick_every: float = 60.0,
) -> None:
    """Serve ``supervisor`` on ``sock`` until stopped (SIGINT or SIGTERM end it
    gracefully; every reply already sent stands for stored events either way)."""
    app = create_app(supervisor, max_body=max_body, tick_every=tick_every, after_tick=Survivors())
    host, port = sock.getsockname()[:2]
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        lifespan="on",
        server_header=False,
        timeout_graceful_shutdown=10,
    )
    with collecting():
        uvicorn.Server(config).run(sockets=[sock])


@contextlib.contextmanager
def collecting() -> Iterator[None]:
    """The collector as a process of the service wants it (see the module): what is
    alive now frozen out of its sight, young objects collected every
    :data:`YOUNG_COLLECTION_EVERY` allocations; as it was again at the end (a caller's
    objects are its own to collect)."""
    gc.freeze()  # the cases loaded at the start: never walked again while they live
    before = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
