"""The HTTP face of the supervision service: a Starlette application (extra ``serve``).

=========================  ========  =================================================
route                      token     answer
=========================  ========  =================================================
``POST /events``           sender    stores a JSON array or JSON Lines of events, then
                                     replies (200); refused whole: 400, 403, 409, 413,
                                     422; 503 when the state cannot be written
``GET /alerts?after=N``    reader    the feed after cursor N (``limit``, at most
                                     10,000): raised, withdrawn, restored; ``next``
``GET /cases/{case_id}``   reader    the case as replayed, its findings and events
                                     (``lang=zh`` for Chinese messages)
``GET /powers``            reader    the monitor's per-power summary and totals
``GET /health``            none      ``ok``, or ``degraded`` (503) after a failed write
=========================  ========  =================================================

A request carries ``Authorization: Bearer TOKEN``: without a known token it gets 401;
with a token that lacks the right, 403. Every error is a JSON body saying what is wrong
in English and Chinese (``error``, ``error_zh``), with the events at fault by index,
``event_id`` and field (``problems``).

Starlette rather than FastAPI: the service reads its bodies itself — a size limit
checked while reading (413 before the rest is read), JSON arrays and JSON Lines alike,
and refusals in the codes of the monitor — where FastAPI's request models would answer
with errors of their own; Starlette is the small ASGI toolkit FastAPI is built on.

The log has one line per request: method, route (``/cases/{case_id}``, never the case),
status, time, and the token's *name*; never a token, a query string or a body.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..lang import Lang
from .auth import Token, bearer
from .body import Refused, body_problem
from .clock import ticking
from .state import StateUnavailable
from .supervisor import MAX_FEED, Supervisor

log = logging.getLogger("powerreg.service")

#: Largest request body, in bytes (about 40,000 events of a few hundred bytes).
MAX_BODY = 8 << 20

Handler = Callable[[Request], Awaitable[Response]]


def _error(status: int, en: str, zh: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": en, "error_zh": zh}, status_code=status, headers=headers)


def _unauthorized() -> JSONResponse:
    return _error(
        401,
        "a token is needed: send Authorization: Bearer TOKEN (see powerreg supervise add-token)",
        "需要令牌：请发送 Authorization: Bearer TOKEN（见 powerreg supervise add-token）",
        **{"WWW-Authenticate": "Bearer"},
    )


def _unavailable(err: StateUnavailable) -> JSONResponse:
    return _error(
        503,
        f"{err}; nothing of this request was stored: send it again later",
        f"状态数据库暂时无法写入（{err.why}）：本请求未保存任何内容，请稍后重发",
        **{"Retry-After": "30"},
    )


def _unreadable(err: StateUnavailable) -> JSONResponse:
    return _error(
        503,
        f"{err}; try again later",
        f"暂时无法读取（{err.why}），请稍后再试",
        **{"Retry-After": "30"},
    )


async def _reading(read: Callable[[], Any]) -> Any:
    """``read()`` in a worker thread; a state that cannot be read now is 503."""
    try:
        return await run_in_threadpool(read)
    except StateUnavailable as err:
        return _unreadable(err)


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, read no further than ``limit`` bytes (413 past it)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise body_problem("M015.too_large", limit=limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise body_problem("M015.too_large", limit=limit)
        chunks.append(chunk)
    return b"".join(chunks)


#: Seconds the feed may lag the events acknowledged while events stream in (see
#: :class:`~.supervisor.Supervisor`): the cases a stream touches are replayed about once
#: a second, not once a request, by the timer, beside the requests. Every read settles
#: first.
SETTLE_AFTER = 1.0


def create_app(
    supervisor: Supervisor,
    *,
    max_body: int = MAX_BODY,
    tick_every: float = 60.0,
    settle_after: float = SETTLE_AFTER,
    after_tick: Callable[[], object] | None = None,
) -> Starlette:
    """The application serving ``supervisor``; its clock ticks every ``tick_every``
    seconds while it runs (and on every request), and the cases posted are settled
    ``settle_after`` seconds after their events at the latest (it sets the supervisor's
    :attr:`~.supervisor.Supervisor.settle_after`). ``after_tick`` is called after each
    tick of the timer, in its thread (the server's collector: see
    :class:`~.server.Survivors`)."""
    supervisor.settle_after = settle_after

    def token_of(request: Request) -> Token | None:
        token = supervisor.tokens.check(bearer(request.headers.get("authorization")))
        if token is not None:
            request.state.token_name = token.name
        return token

    def reader(request: Request) -> Token | JSONResponse:
        token = token_of(request)
        if token is None:
            return _unauthorized()
        if not token.read:
            return _error(
                403,
                f"the token '{token.name}' may post events but not read the feed; use a "
                "reader token (add-token --reader)",
                f"令牌 {token.name} 可推送事件，但无权读取：请使用读取令牌（add-token --reader）",
            )
        return token

    async def post_events(request: Request) -> Response:
        token = token_of(request)
        if token is None:
            return _unauthorized()
        if not token.send:
            return _error(
                403,
                f"the token '{token.name}' may not post events (it is a reader token)",
                f"令牌 {token.name} 无权推送事件（它是读取令牌）",
            )
        try:
            body = await _read_body(request, max_body)
            receipt = await run_in_threadpool(supervisor.post, body, token)
        except Refused as err:
            return JSONResponse(err.to_dict(), status_code=err.status)
        except StateUnavailable as err:
            return _unavailable(err)
        return JSONResponse(receipt.to_dict())

    async def alerts(request: Request) -> Response:
        token = reader(request)
        if isinstance(token, Response):
            return token
        try:
            after = int(request.query_params.get("after", "0"))
            limit = int(request.query_params.get("limit", "1000"))
        except ValueError:
            return _error(
                400,
                f"after and limit are whole numbers (limit at most {MAX_FEED})",
                f"after 与 limit 应为整数（limit 至多 {MAX_FEED}）",
            )

        def read() -> JSONResponse:
            supervisor.tick()
            return JSONResponse(supervisor.feed(after, limit, token))

        answer: Response = await _reading(read)
        return answer

    async def case(request: Request) -> Response:
        token = reader(request)
        if isinstance(token, Response):
            return token
        case_id = request.path_params["case_id"]
        lang: Lang = "zh" if request.query_params.get("lang") == "zh" else "en"

        def read() -> JSONResponse:
            supervisor.tick()
            found = supervisor.case(case_id, token, lang)
            if found is None:
                return _error(
                    404,
                    "no such case among the powers this token may read",
                    "在该令牌可读取的事项中没有这个办件",
                )
            return JSONResponse(found)

        answer: Response = await _reading(read)
        return answer

    async def powers(request: Request) -> Response:
        token = reader(request)
        if isinstance(token, Response):
            return token

        def read() -> JSONResponse:
            supervisor.tick()
            return JSONResponse(supervisor.powers(token))

        answer: Response = await _reading(read)
        return answer

    async def health(request: Request) -> Response:
        def read() -> JSONResponse:
            supervisor.tick()
            state = supervisor.health()
            return JSONResponse(state, status_code=200 if supervisor.trouble is None else 503)

        answer: Response = await _reading(read)
        return answer

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # the timer settles the events stored, beside the requests (a request settles
        # itself only after a quiet spell: see Supervisor.settle_after)
        every = min(tick_every, settle_after / 2) if settle_after > 0 else tick_every

        def tick() -> None:
            supervisor.tick(lag=settle_after)
            if after_tick is not None:
                after_tick()

        timer = asyncio.create_task(ticking(tick, every))
        try:
            yield
        finally:
            timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timer

    routes = [
        Route("/events", _guarded(post_events), methods=["POST"]),
        Route("/alerts", _guarded(alerts), methods=["GET"]),
        Route("/cases/{case_id:path}", _guarded(case), methods=["GET"]),
        Route("/powers", _guarded(powers), methods=["GET"]),
        Route("/health", _guarded(health), methods=["GET"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.add_middleware(AccessLog)
    return app


def _guarded(handler: Handler) -> Handler:
    """``handler``, with any failure answered 500 and logged by its type and place only:
    an exception's message may quote a body."""

    async def guarded(request: Request) -> Response:
        try:
            return await handler(request)
        except Exception as err:
            tb = err.__traceback__
            while tb is not None and tb.tb_next is not None:
                tb = tb.tb_next
            where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb else "?"
            log.error("internal error: %s at %s", type(err).__name__, where)
            return _error(500, "internal error; see the server's log", "服务器内部错误")

    return guarded


#: Routes as the log names them (a path may hold a case id: the log shows the route).
_ROUTES = ("/events", "/alerts", "/powers", "/health")


def route_of(path: str) -> str:
    """The route a request path is logged as.

    Examples:
        >>> route_of("/cases/2011-XK001-0003"), route_of("/alerts"), route_of("/x?t=1")
        ('/cases/{case_id}', '/alerts', '-')
    """
    if path in _ROUTES:
        return path
    if path.startswith("/cases/"):
        return "/cases/{case_id}"
    return "-"


class AccessLog:
    """One log line per request: method, route, status, milliseconds, token name."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            name = scope.get("state", {}).get("token_name", "-")
            log.info(
                "%s %s %d %.1fms token=%s",
                scope.get("method", "-"),
                route_of(scope.get("path", "")),
                status,
                (time.perf_counter() - start) * 1000,
                name,
            )
