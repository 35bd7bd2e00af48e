"""Benchmark of the HTTP service's front end: its own time per ``POST /v1/screen`` request.

Calls the ASGI application in this process, with no network and no workers: the pool's
``screen`` answers at once with a ready record, so what is timed is what the server's event
loop does for a request besides moving bytes (front door, routing, body, JSON item, response,
the request's log line, written to an in-memory stream). Two applications, timed in turns
(A B in one round, B A in the next):

- A: the route of the Starlette application (the path a JSON request took before the direct
  path; the log line is the same cheaper one as B's, so the ratio is the direct path's alone);
- B: the front door's direct path for JSON screening requests (what ``create_app`` serves).

Usage (from the repository root)::

    PYTHONPATH=src python benchmarks/bench_front_door.py [--n 5000] [--rounds 5]

Prints microseconds per request for each (median of the rounds) and the ratio B / A.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import logging
import statistics
import time
from typing import Any

from crisis_screen.models import Versions
from crisis_screen.runs.records import ScanLine
from crisis_screen.service.app import FrontDoor, create_app
from crisis_screen.service.logs import configure_logging
from crisis_screen.service.settings import ServiceSettings


class _ReadyPool:
    """Stands in for the worker pool: admits every request and answers with one record."""

    def __init__(self, line: ScanLine, versions: Versions) -> None:
        self.line = line
        self.versions = versions

    def admit(self) -> bool:
        return True

    def release(self) -> None:
        pass

    async def screen(self, items: list[Any]) -> list[ScanLine]:
        return [self.line for _ in items]


def _app(direct: bool) -> FrontDoor:
    front = create_app(ServiceSettings())
    service = front.service
    record = json.dumps({"source": "cv", "status": "ok", "score": 50.0, "pad": "x" * 4000})
    line = ScanLine("cv", None, "ok", 50.0, True, None, record, None)
    versions = Versions(library="0", lexicon="0", scoring="0")
    service.pool = _ReadyPool(line, versions)  # type: ignore[assignment]
    service.phase = "ok"

    return front if direct else FrontDoor(front.app, service)


async def _time(app: FrontDoor, body: bytes, n: int) -> float:
    headers = [
        (b"host", b"127.0.0.1"),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
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
        "headers": headers,
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
    }
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Any) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    t0 = time.perf_counter()
    for _ in range(n):
        await app(dict(scope), receive, send)
    elapsed = time.perf_counter() - t0
    if statuses.count(200) != n:
        raise SystemExit(f"expected {n} answers 200, got {sorted(set(statuses))}")
    return elapsed / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="requests per pass")
    parser.add_argument("--rounds", type=int, default=5, help="A B rounds")
    args = parser.parse_args()
    configure_logging()
    logging.getLogger().handlers[0].setStream(io.StringIO())  # type: ignore[attr-defined]
    text = "Responded to crisis calls as a CIT-trained deputy.\n" * 60
    body = json.dumps({"text": text, "source": "cv"}).encode()
    apps = {"starlette route": _app(direct=False), "direct path": _app(direct=True)}
    times: dict[str, list[float]] = {name: [] for name in apps}
    ratios: list[float] = []
    for k in range(args.rounds):
        order = list(apps.items()) if k % 2 == 0 else list(reversed(apps.items()))
        got = {name: asyncio.run(_time(app, body, args.n)) for name, app in order}
        for name, us in got.items():
            times[name].append(us)
        ratios.append(got["direct path"] / got["starlette route"])
    for name, values in times.items():
        print(
            f"{name:16} {statistics.median(values):7.1f} us per request (median of {args.rounds})"
        )
    print(
        f"direct / route   {statistics.median(ratios):.2f}x (per round: "
        + ", ".join(f"{r:.2f}" for r in ratios)
        + ")"
    )


if __name__ == "__main__":
    main()
