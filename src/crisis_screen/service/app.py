"""The HTTP service's application: routes, and the front door every request passes.

``create_app(settings)`` returns an ASGI application (Starlette, the toolkit FastAPI is built
on: its routing costs a fraction of FastAPI's per request, and every request here is about a
millisecond of work in all) with:

- ``GET /health``: 200 once every worker has built its screener, 503 while starting or
  draining; open without the API key, for load balancers.
- ``POST /v1/screen``: one resume (multipart upload, or JSON text / base64 file / URL); the
  answer is the record ``crisis-screen scan`` writes for it (200, or 422 for a file that cannot
  be read).
- ``POST /v1/screen/batch``: up to 100 JSON items; their records in input order.
- ``GET /openapi.json`` and ``GET /docs``.

Every request first passes :class:`FrontDoor` (request id, API key, body size, structured log,
drain accounting). Screening requests are admitted while fewer than workers + queue are in
flight, else answered 503 with ``Retry-After``; the screening itself runs in worker processes
(:mod:`crisis_screen.service.pool`), so the event loop only parses and answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import posixpath
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any, Literal
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from crisis_screen.errors import CrisisScreenError, ExtractionError, LimitExceededError
from crisis_screen.runs.records import ScanLine
from crisis_screen.runs.screen import error_record, to_line
from crisis_screen.service.auth import OPEN_PATHS, authorized
from crisis_screen.service.fetch import fetch_url
from crisis_screen.service.items import (
    MAX_SOURCE_CHARS,
    Health,
    ItemPlan,
    Problem,
    parse_batch,
    parse_item,
    parse_json,
    plan_upload,
)
from crisis_screen.service.limits import BodyTooLarge, declared_length, limited_receive
from crisis_screen.service.logs import log_event
from crisis_screen.service.openapi import openapi_document, swagger_page
from crisis_screen.service.pool import ServicePool, WorkItem
from crisis_screen.service.settings import ServiceSettings
from crisis_screen.service.webhook import SIGNATURE_HEADER, verify_signature

__all__ = ["FrontDoor", "Refusal", "Service", "create_app", "json_screen_endpoint"]

Phase = Literal["starting", "ok", "draining", "failed"]
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
    Awaitable[None],
]

#: The routes, logged by name; any other path is logged as "<other>" (paths can hold names).
ROUTES = frozenset({"/health", "/v1/screen", "/v1/screen/batch", "/openapi.json", "/docs"})
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_JSON = "application/json"
_JSON_BYTES = _JSON.encode()
_SIGNATURE_KEY = SIGNATURE_HEADER.lower().encode()
# Request ids: a random prefix per process and a counter (uuid4 per request costs a syscall).
_ID_PREFIX = uuid.uuid4().hex[:12]
_ID_COUNTER = itertools.count(1)


class Refusal(Exception):
    """A request answered with a :class:`Problem` (400, 401, 413, 415, 503...)."""

    def __init__(
        self, status: int, error_type: str, error: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(error)
        self.status = status
        self.error_type = error_type
        self.error = error
        self.headers = headers or {}


def problem(status: int, error_type: str, error: str, request_id: str | None) -> Response:
    """A JSON :class:`Problem` response."""
    body = Problem(error_type=error_type, error=error, request_id=request_id)
    return Response(body.model_dump_json(), status_code=status, media_type=_JSON)


class Service:
    """What the routes share: settings, the worker pool, the phase, requests in progress.

    Attributes:
        settings: The service's settings.
        pool: The worker processes.
        phase: ``starting`` until every worker is ready, then ``ok``; ``draining`` after
            SIGTERM; ``failed`` when the workers cannot start.
        active: Requests being handled (``/health`` aside); draining ends when it reaches 0.
        on_failure: Called when the workers cannot start (the server then exits).
    """

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.pool = ServicePool(settings.config, settings.workers, settings.queue, settings.limits)
        self.phase: Phase = "starting"
        self.active = 0
        self.on_failure: Callable[[], None] | None = None

    async def start(self) -> None:
        """Start the workers; ``ok`` once each has built its screener."""
        t0 = time.perf_counter()
        try:
            versions = await self.pool.start(self.settings.start_timeout)
        except Exception as exc:
            self.phase = "failed"
            # A CrisisScreenError's message names the lexicon problem; anything else, its type.
            reason = str(exc) if isinstance(exc, CrisisScreenError) else type(exc).__name__
            log_event("workers_failed", logging.ERROR, error=reason)
            if self.on_failure is not None:
                self.on_failure()
            return
        if self.phase == "starting":
            self.phase = "ok"
        ms = round((time.perf_counter() - t0) * 1000, 1)
        log_event("ready", workers=self.pool.size, start_ms=ms, versions=versions.model_dump())

    def drain(self) -> None:
        """Stop admitting screening requests; the ones in flight finish."""
        self.phase = "draining"  # a plain assignment: this runs in a signal handler

    def health(self) -> Health:
        """The health answer."""
        versions = self.pool.versions
        return Health(
            status=self.phase,
            versions=versions.model_dump() if versions is not None else {},
            workers=self.pool.size,
            in_flight=self.pool.in_flight,
            capacity=self.pool.capacity,
        )

    def admit(self) -> None:
        """Take a place among the requests in flight, or refuse with 503 and Retry-After.

        The caller gives the place back with ``self.pool.release()``.
        """
        if self.phase != "ok":
            reason = (
                "the service is shutting down"
                if self.phase == "draining"
                else ("the service is starting")
            )
            raise Refusal(503, "Unavailable", reason, {"Retry-After": "1"})
        if not self.pool.admit():
            retry = {"Retry-After": str(self.pool.retry_after())}
            raise Refusal(503, "Overloaded", "every worker is busy; retry later", retry)

    # -- screening --------------------------------------------------------------------------

    async def run(self, plans: list[ItemPlan]) -> list[ScanLine]:
        """Fetch, screen or report each plan; one line per plan, in order."""
        t0 = time.perf_counter()
        versions = self.pool.versions
        assert versions is not None  # requests are admitted only once the workers are ready
        if any(p.url is not None for p in plans):
            fetched = list(await asyncio.gather(*(self._fetch(p) for p in plans)))
        else:
            fetched = plans
        work = [p.work for p in fetched if p.work is not None]
        screened = iter(await self.pool.screen(work))
        lines: list[ScanLine] = []
        for plan in fetched:
            if plan.work is not None:
                lines.append(next(screened))
            else:
                error = plan.error or ExtractionError(plan.label, "nothing to screen")
                lines.append(to_line(error_record(plan.label, None, error, t0, None, versions)))
        return lines

    async def _fetch(self, plan: ItemPlan) -> ItemPlan:
        policy = self.settings.url_policy
        if plan.url is None or policy is None:
            return plan
        max_bytes = self.settings.limits.max_file_bytes
        try:
            data = await asyncio.to_thread(fetch_url, plan.url, policy, max_bytes)
        except ExtractionError as exc:
            exc.source = plan.label
            return ItemPlan(plan.label, error=exc)
        name = posixpath.basename(urlsplit(plan.url).path) or "download"
        return ItemPlan(plan.label, work=WorkItem(plan.label, data=data, filename=name))


# -- the front door ---------------------------------------------------------------------------


class FrontDoor:
    """ASGI middleware every request passes: id, key, size, drain accounting, one log line.

    Answers 401 without the key and 413 for a declared body over the limit before the
    application sees the request; bounds undeclared (chunked) bodies while they are read;
    turns anything unexpected into a 500 :class:`Problem` logged by type only.

    ``POST /v1/screen`` with a JSON body, what an ATS integration sends on every resume, goes
    straight to ``screen_json`` when one is given: Starlette's routing, request object and
    exception layers cost about a third of the front end's own time per request
    (``benchmarks/bench_front_door.py``), and that request needs none of them. Every other
    request goes to ``app``.
    """

    def __init__(self, app: ASGIApp, service: Service, screen_json: ASGIApp | None = None) -> None:
        self.app = app
        self.service = service
        self.screen_json = screen_json
        key = service.settings.api_key
        self.key = key.encode("utf-8") if key is not None else None

    async def __call__(
        self,
        scope: Scope,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        """Handle one ASGI connection scope."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
        rid = _request_id(headers)
        path = scope.get("path", "")
        state = scope.setdefault("state", {})
        state["request_id"], state["log"] = rid, {}
        out = {"status": 500, "bytes": 0, "started": False}
        service = self.service

        async def send_logged(message: Message) -> None:
            if message["type"] == "http.response.start":
                out["status"], out["started"] = message["status"], True
                extra = [(b"x-request-id", rid.encode())]
                if service.phase == "draining":
                    extra.append((b"connection", b"close"))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            elif message["type"] == "http.response.body":
                out["bytes"] = int(out["bytes"]) + len(message.get("body", b""))
            await send(message)

        counted = path not in OPEN_PATHS
        service.active += counted
        length = declared_length(headers)
        try:
            refusal = self._refuse(path, headers, length, rid)
            if refusal is not None:
                await refusal(scope, receive, send_logged)
                return
            app = self.app
            if (
                self.screen_json is not None
                and path == "/v1/screen"
                and scope.get("method") == "POST"
                and _is_json(_media_of(headers))
            ):
                app = self.screen_json
            await app(scope, limited_receive(receive, self._limit()), send_logged)
        except Exception as exc:
            state["log"]["exc_type"] = type(exc).__name__
            if not out["started"]:
                await problem(500, "InternalError", "unexpected error", rid)(
                    scope, receive, send_logged
                )
        finally:
            service.active -= counted
            log_event(
                "request",
                request_id=rid,
                method=scope.get("method"),
                endpoint=path if path in ROUTES else "<other>",
                status=out["status"],
                ms=round((time.perf_counter() - t0) * 1000, 2),
                bytes_in=length,
                bytes_out=out["bytes"],
                **state["log"],
            )

    def _limit(self) -> int:
        return self.service.settings.body_bytes

    def _refuse(
        self, path: str, headers: list[tuple[bytes, bytes]], length: int | None, rid: str
    ) -> Response | None:
        if self.key is not None and path not in OPEN_PATHS:
            value = next((v for k, v in headers if k == b"authorization"), None)
            if not authorized(value, self.key):
                response = problem(401, "Unauthorized", "a valid bearer API key is needed", rid)
                response.headers["WWW-Authenticate"] = "Bearer"
                return response
        if length is not None and length > self._limit():
            error = f"the request body is {length} bytes, more than {self._limit()}"
            return problem(413, "PayloadTooLarge", error, rid)
        return None


def _request_id(headers: list[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name == b"x-request-id":
            text = value.decode("latin-1")
            if _REQUEST_ID.match(text):
                return text
    return f"{_ID_PREFIX}-{next(_ID_COUNTER):x}"


# -- routes -----------------------------------------------------------------------------------


async def _read_body(request: Request, service: Service) -> bytes:
    try:
        body = await request.body()
    except BodyTooLarge as exc:
        raise Refusal(413, "PayloadTooLarge", str(exc)) from None
    _check_signature(body, request.headers.get(SIGNATURE_HEADER), service)
    return body


async def _receive_body(receive: Callable[[], Awaitable[Message]]) -> bytes:
    """Read a request body from ASGI ``receive`` (what Starlette's ``Request.body`` does)."""
    chunks: list[bytes] = []
    while True:
        try:
            message = await receive()
        except BodyTooLarge as exc:
            raise Refusal(413, "PayloadTooLarge", str(exc)) from None
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _check_signature(body: bytes, signature: str | None, service: Service) -> None:
    secret = service.settings.signature_secret
    if secret is not None and not verify_signature(body, signature, secret):
        raise Refusal(401, "BadSignature", f"a valid {SIGNATURE_HEADER} header is needed")


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    # Read from the raw headers: building Starlette's Headers object costs more than this.
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")
    return None


def _media_of(headers: list[tuple[bytes, bytes]]) -> str:
    value = _header(headers, b"content-type")
    return value.split(";", 1)[0].strip().lower() if value is not None else ""


def _media_type(request: Request) -> str:
    return _media_of(request.scope["headers"])


def _is_json(media: str) -> bool:
    return media == _JSON or media.endswith("+json")


async def _plan_form(request: Request, max_bytes: int) -> ItemPlan:
    form = await request.form(max_files=1, max_fields=8, max_part_size=MAX_SOURCE_CHARS * 4)
    try:
        upload = form.get("file")
        source = form.get("source")
        if not isinstance(upload, UploadFile):
            raise Refusal(400, "InvalidInputError", "the form needs a file field holding a file")
        if source is not None and (not isinstance(source, str) or len(source) > MAX_SOURCE_CHARS):
            raise Refusal(
                400, "InvalidInputError", "source must be text of at most 1024 characters"
            )
        data = await upload.read()
        return plan_upload(data, upload.filename, source or None, max_bytes)
    finally:
        await form.close()


def _refuse_plan(plan: ItemPlan) -> None:
    """A single item's request errors are answered 400 or 413, not as records."""
    error = plan.error
    if error is None:
        return
    if isinstance(error, LimitExceededError):
        raise Refusal(413, "PayloadTooLarge", error.reason)
    raise Refusal(400, type(error).__name__, error.reason)


def _json_response(content: str, status: int = 200) -> Response:
    return Response(content, status_code=status, media_type=_JSON)


async def _screen_json_body(service: Service, body: bytes) -> ScanLine:
    """Screen the one item of a JSON ``/v1/screen`` body (the caller holds an admission)."""
    settings = service.settings
    urls = settings.url_policy is not None
    plan = parse_item(parse_json(body), None, settings.limits.max_file_bytes, urls)
    _refuse_plan(plan)
    return (await service.run([plan]))[0]


def _refusal_response(exc: Refusal, request_id: str | None) -> Response:
    response = problem(exc.status, exc.error_type, exc.error, request_id)
    response.headers.update(exc.headers)
    return response


def json_screen_endpoint(service: Service) -> ASGIApp:
    """``POST /v1/screen`` with a JSON body as a bare ASGI application.

    The same steps and answers as the Starlette route (admission, body, signature, item,
    screening, 200 / 422 record or a :class:`Problem`), without its routing, ``Request`` and
    exception layers; :class:`FrontDoor` sends such requests here.
    """

    async def endpoint(
        scope: Scope,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        state = scope["state"]
        try:
            service.admit()
            try:
                body = await _receive_body(receive)
                _check_signature(body, _header(scope["headers"], _SIGNATURE_KEY), service)
                line = await _screen_json_body(service, body)
            finally:
                service.pool.release()
        except Refusal as exc:
            await _refusal_response(exc, state["request_id"])(scope, receive, send)
            return
        except ExtractionError as exc:
            await problem(400, type(exc).__name__, exc.reason, state["request_id"])(
                scope, receive, send
            )
            return
        state["log"].update(items=1, errors=int(line.status != "ok"))
        content = line.json.encode("utf-8")
        head = [(b"content-length", str(len(content)).encode()), (b"content-type", _JSON_BYTES)]
        status = 200 if line.status == "ok" else 422
        await send({"type": "http.response.start", "status": status, "headers": head})
        await send({"type": "http.response.body", "body": content})

    return endpoint


def _routes(service: Service, document: dict[str, Any]) -> list[Route]:
    settings = service.settings
    urls = settings.url_policy is not None
    max_bytes = settings.limits.max_file_bytes
    openapi = json.dumps(document)

    async def health(request: Request) -> Response:
        status = 200 if service.phase == "ok" else 503
        return _json_response(service.health().model_dump_json(), status)

    async def screen(request: Request) -> Response:
        service.admit()
        try:
            body = await _read_body(request, service)
            media = _media_type(request)
            if _is_json(media):
                line = await _screen_json_body(service, body)
            elif media == "multipart/form-data":
                plan = await _plan_form(request, max_bytes)
                _refuse_plan(plan)
                line = (await service.run([plan]))[0]
            else:
                raise Refusal(
                    415, "UnsupportedMediaType", "send multipart/form-data or application/json"
                )
        finally:
            service.pool.release()
        request.state.log.update(items=1, errors=int(line.status != "ok"))
        return _json_response(line.json, 200 if line.status == "ok" else 422)

    async def screen_batch(request: Request) -> Response:
        service.admit()
        try:
            body = await _read_body(request, service)
            media = _media_type(request)
            if not _is_json(media):
                raise Refusal(415, "UnsupportedMediaType", "send application/json")
            lines = await service.run(parse_batch(parse_json(body), max_bytes, urls))
        finally:
            service.pool.release()
        errors = sum(1 for line in lines if line.status != "ok")
        request.state.log.update(items=len(lines), errors=errors)
        return _json_response('{"records":[' + ",".join(line.json for line in lines) + "]}")

    async def openapi_json(request: Request) -> Response:
        return _json_response(openapi)

    async def docs(request: Request) -> Response:
        return HTMLResponse(swagger_page("/openapi.json"))

    return [
        Route("/v1/screen", screen, methods=["POST"]),
        Route("/v1/screen/batch", screen_batch, methods=["POST"]),
        Route("/health", health, methods=["GET"]),
        Route("/openapi.json", openapi_json, methods=["GET"]),
        Route("/docs", docs, methods=["GET"]),
    ]


def create_app(settings: ServiceSettings | None = None) -> FrontDoor:
    """Build the service's ASGI application.

    The workers start in the background when the server starts: ``/health`` answers 503
    until every worker has built its screener, then 200.

    Args:
        settings: What to screen with and what to accept; the defaults when None.

    Returns:
        The ASGI application (a :class:`FrontDoor` around the routes); its ``service``
        attribute is the :class:`Service`.
    """
    service = Service(settings or ServiceSettings())
    document = openapi_document(api_key=service.settings.api_key is not None)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        starting = asyncio.create_task(service.start())
        try:
            yield
        finally:
            starting.cancel()
            await asyncio.gather(starting, return_exceptions=True)
            await service.pool.aclose()

    def rid(request: Request) -> str | None:
        value = request.scope.get("state", {}).get("request_id")
        return value if isinstance(value, str) else None

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refusal)
        return _refusal_response(exc, rid(request))

    async def http_error(request: Request, exc: Exception) -> Response:
        # Starlette's own refusals (404, 405, a malformed multipart body) as Problems.
        assert isinstance(exc, HTTPException)
        names = {400: "InvalidInputError", 404: "NotFound", 405: "MethodNotAllowed"}
        error_type = names.get(exc.status_code, "HTTPError")
        response = problem(exc.status_code, error_type, exc.detail, rid(request))
        response.headers.update(exc.headers or {})
        return response

    async def bad_input(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ExtractionError)
        return problem(400, type(exc).__name__, exc.reason, rid(request))

    async def unexpected(request: Request, exc: Exception) -> Response:
        # Starlette's last resort (its 500 is plain text): the same Problem as the front door's.
        # The exception is raised again after this answer, and the front door logs its type.
        return problem(500, "InternalError", "unexpected error", rid(request))

    app = Starlette(
        routes=_routes(service, document),
        exception_handlers={
            Refusal: refused,
            HTTPException: http_error,
            ExtractionError: bad_input,
            Exception: unexpected,
        },
        lifespan=lifespan,
    )
    return FrontDoor(app, service, json_screen_endpoint(service))
