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
``GET /health``            none      ``ok``, or ``degraded`` (503) after a failed write;
                                     ``problems`` (English) and ``problems_zh``
=========================  ========  =================================================

A request carries ``Authorization: Bearer TOKEN``: without a known token it gets 401;
with a token that lacks the right, 403. Every error is a JSON body saying what is wrong
in English and Chinese (``error``, ``error_zh``), with the events at fault by index,
``event_id`` and field (``problems``). A query parameter out of its range, not in ASCII
digits, or given twice is 400 naming it (``after`` 0 to :data:`~.supervisor.MAX_CURSOR`,
``limit`` 1 to :data:`~.supervisor.MAX_FEED`, ``lang`` ``en`` or ``zh``): a client's
mistake, never a failure of the server.

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
from ..textsafe import one_line, snippet
from .auth import Token, bearer
from .body import Refused, body_problem
from .clock import ticking
from .state import StateUnavailable
from .supervisor import MAX_CURSOR, MAX_FEED, Supervisor

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
        f"状态数据库暂时无法写入（{err.why.in_lang('zh')}）：本请求未保存任何内容，请稍后重发",
        **{"Retry-After": "30"},
    )


def _unreadable(err: StateUnavailable) -> JSONResponse:
    return _error(
        503,
        f"{err}; try again later",
        f"暂时无法读取（{err.why.in_lang('zh')}），请稍后再试",
        **{"Retry-After": "30"},
    )


class BadQuery(Exception):
    """A query parameter the request got wrong (400): what it should be, in English and
    Chinese."""

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.en = en
        self.zh = zh


def _given(request: Request, name: str) -> str | None:
    """The query parameter ``name`` as given (None if it is not).

    Raises:
        BadQuery: it is given more than once.
    """
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise BadQuery(
            f"{name} is given {len(values)} times; give it once",
            f"参数 {name} 出现了 {len(values)} 次：请只给一次",
        )
    return values[0] if values else None


def _whole(request: Request, name: str, default: int, low: int, high: int, what: str) -> int:
    """The query parameter ``name``: a whole number from ``low`` to ``high`` in ASCII
    digits (``default`` if not given); ``what`` says what it is (``(en, zh)``).

    Raises:
        BadQuery: it is not.
    """
    text = _given(request, name)
    if text is None:
        return default
    # ASCII digits only: int() would take "１" (a full-width digit), "1_0", " 1", "+1"
    if text.isascii() and text.isdigit() and len(text) <= len(str(high)):
        value = int(text)
        if low <= value <= high:
            return value
    shown = snippet(one_line(text))
    raise BadQuery(
        f"{name} must be a whole number from {low} to {high} in ASCII digits, "
        f"{what}; got '{shown}'",
        f"参数 {name} 应为 {low} 至 {high} 的整数（ASCII 数字），{_WHAT_ZH[name]}；收到 '{shown}'",
    )


#: What each whole-number parameter is, in Chinese (for :func:`_whole`).
_WHAT_ZH = {
    "after": "即已读到的最后一条的 cursor（上一页的 next；从头读为 0）",
    "limit": "即一次最多返回的条数",
}


def _lang(request: Request) -> Lang:
    """The query parameter ``lang``: ``en`` (the default) or ``zh``.

    Raises:
        BadQuery: it is something else.
    """
    text = _given(request, "lang")
    if text is None or text == "en":
        return "en"
    if text == "zh":
        return "zh"
    shown = snippet(one_line(text))
    raise BadQuery(
        f"lang must be en or zh; got '{shown}'", f"参数 lang 应为 en 或 zh；收到 '{shown}'"
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
            after = _whole(
                request,
                "after",
                0,
                0,
                MAX_CURSOR,
                "the cursor of the last entry read (the previous page's next; 0 from the start)",
            )
            limit = _whole(request, "limit", 1000, 1, MAX_FEED, "the most entries to return")
        except BadQuery as err:
            return _error(400, err.en, err.zh)

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
        try:
            lang = _lang(request)
        except BadQuery as err:
            return _error(400, err.en, err.zh)

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
