"""The front door's direct path for JSON ``POST /v1/screen`` answers as the Starlette route.

``create_app`` sends JSON screening requests from :class:`FrontDoor` straight to
``json_screen_endpoint``; a ``FrontDoor`` built without it sends them through Starlette's
route. Both are driven here in-process as ASGI applications, with the same requests, and must
give the same status, headers, body and log fields. The worker pool is replaced by a stand-in
that answers at once (the pool and the real server are tested in ``test_service.py``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("starlette")

from crisis_screen.models import Versions
from crisis_screen.runs.records import ScanLine
from crisis_screen.service.app import FrontDoor, create_app
from crisis_screen.service.settings import ServiceSettings
from crisis_screen.service.webhook import sign
from crisis_screen.service.worker import WorkItem

SECRET = b"shared-secret"


class _Pool:
    """Stands in for the worker pool: a record naming each item, or an error when told."""

    def __init__(self) -> None:
        self.versions = Versions(library="0", lexicon="0", scoring="0")
        self.open = True
        self.fail = False

    def admit(self) -> bool:
        return self.open

    def release(self) -> None:
        pass

    def retry_after(self) -> int:
        return 3

    async def screen(self, items: list[WorkItem]) -> list[ScanLine]:
        if self.fail:
            raise RuntimeError("a bug in the pool")
        return [
            ScanLine(item.label, None, "ok", 50.0, True, None, json.dumps({"source": item.label}))
            for item in items
        ]


def _apps(secret: bytes | None) -> tuple[FrontDoor, FrontDoor, _Pool]:
    direct = create_app(ServiceSettings(signature_secret=secret, max_body_bytes=2000))
    pool = _Pool()
    direct.service.pool = pool  # type: ignore[assignment]
    direct.service.phase = "ok"
    route = FrontDoor(direct.app, direct.service)  # no direct path: Starlette's route
    return direct, route, pool


def _call(app: FrontDoor, body: bytes, headers: dict[str, str], chunked: bool) -> dict[str, Any]:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    if not chunked:
        raw.append((b"content-length", str(len(body)).encode()))
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/screen",
        "raw_path": b"/v1/screen",
        "root_path": "",
        "query_string": b"",
        "headers": raw,
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
    }
    pieces = [body[:10], body[10:]] if chunked else [body]
    parts: Iterator[tuple[int, bytes]] = enumerate(pieces, 1)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        k, part = next(parts, (0, b""))
        if not k:
            return {"type": "http.disconnect"}
        return {"type": "http.request", "body": part, "more_body": k < len(pieces)}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    head = {k.decode(): v.decode() for k, v in start["headers"] if k != b"content-length"}
    return {
        "status": start["status"],
        "type": head.get("content-type", "").split(";")[0],
        "retry": head.get("retry-after"),
        "request_id": head.get("x-request-id"),
        "body": json.loads(content) if content.startswith(b"{") else content.decode(),
        "log": scope["state"]["log"],
    }


JSON = {"content-type": "application/json", "x-request-id": "req-7"}
CASES = {
    "text": (b'{"text": "Answered crisis calls", "source": "cv-1"}', JSON, 200),
    "charset and suffix": (
        b'{"text": "CIT"}',
        {**JSON, "content-type": "text/x+json; charset=utf-8"},
        200,
    ),
    "malformed JSON": (b'{"text": ', JSON, 400),
    "not an object": (b"[1, 2]", JSON, 400),
    "unknown field": (b'{"text": "CIT", "colour": "blue"}', JSON, 400),
    "bad base64": (b'{"filename": "cv.pdf", "data": "%%%"}', JSON, 400),
    "over the body limit": (b'{"text": "' + b"x" * 3000 + b'"}', JSON, 413),
}


@pytest.mark.parametrize("chunked", [False, True], ids=["declared", "chunked"])
@pytest.mark.parametrize("case", list(CASES))
def test_the_direct_path_answers_as_the_route(case: str, chunked: bool) -> None:
    body, headers, status = CASES[case]
    direct, route, _ = _apps(None)
    got, want = _call(direct, body, headers, chunked), _call(route, body, headers, chunked)
    assert got == want
    assert got["status"] == status
    if status == 200:
        assert got["log"] == {"items": 1, "errors": 0}
    else:
        assert got["type"] == "application/json" and got["body"]["status"] == "error"


def test_overload_and_signatures_answer_alike() -> None:
    body = b'{"text": "CIT officer"}'
    direct, route, pool = _apps(SECRET)
    good = {**JSON, "x-signature": sign(body, SECRET)}
    for headers, status in ((good, 200), (JSON, 401), ({**JSON, "x-signature": "sha256=0"}, 401)):
        got, want = _call(direct, body, headers, False), _call(route, body, headers, False)
        assert got == want and got["status"] == status
    pool.open = False
    got, want = _call(direct, body, good, False), _call(route, body, good, False)
    assert got == want and got["status"] == 503 and got["retry"] == "3"


def test_an_unexpected_error_is_a_json_problem_on_both_paths() -> None:
    direct, route, pool = _apps(None)
    pool.fail = True
    body = b'{"text": "CIT officer"}'
    got, want = _call(direct, body, JSON, False), _call(route, body, JSON, False)
    assert got == want
    assert got["status"] == 500 and got["type"] == "application/json"
    assert got["body"]["error_type"] == "InternalError" and got["body"]["request_id"] == "req-7"
    assert got["log"]["exc_type"] == "RuntimeError" and "a bug" not in json.dumps(got)
