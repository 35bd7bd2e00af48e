"""Running the service under uvicorn, with a drain on SIGTERM.

The first SIGTERM (or Ctrl-C) does not stop the server at once: ``/health`` turns 503 so a
load balancer stops sending traffic, new screening requests get 503 with ``Retry-After``, and
the requests in flight are answered. When none is left (or ``drain_timeout`` has passed) the
server closes its connections, shuts the workers down and exits with status 0. A second
signal exits at once.
"""

from __future__ import annotations

import signal
import time
from types import FrameType
from typing import Any

import uvicorn

from crisis_screen.service.app import Service, create_app
from crisis_screen.service.logs import configure_logging, log_event
from crisis_screen.service.settings import ServiceSettings

__all__ = ["DrainingServer", "serve"]


class DrainingServer(uvicorn.Server):
    """A uvicorn server whose first SIGTERM/SIGINT drains the service before exiting."""

    def __init__(self, config: uvicorn.Config, service: Service) -> None:
        super().__init__(config)
        self.service = service
        self.exit_code = 0
        self._drain_deadline: float | None = None
        self._drain_logged = False
        service.on_failure = self.fail

    def fail(self) -> None:
        """Stop the server with status 1 (the workers cannot start)."""
        self.exit_code = 1
        self.should_exit = True

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        """First signal: drain. Second: exit now (status 1).

        Runs as a signal handler: it only sets flags (no logging, no tasks); the main loop's
        tick, every 0.1 s, does the rest.
        """
        if self._drain_deadline is not None or sig not in (signal.SIGTERM, signal.SIGINT):
            self.exit_code = 1
            self.should_exit = self.force_exit = True
            return
        self._drain_deadline = time.monotonic() + self.service.settings.drain_timeout
        self.service.drain()

    async def on_tick(self, counter: int) -> bool:
        """Exit once draining has answered every request in flight (or timed out)."""
        if await super().on_tick(counter):
            return True
        if self._drain_deadline is None:
            return False
        if not self._drain_logged:
            self._drain_logged = True
            log_event("draining", in_flight=self.service.active)
        if self.service.active == 0 or time.monotonic() > self._drain_deadline:
            log_event("drained", left=self.service.active)
            return True
        return False


def serve(
    settings: ServiceSettings,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    log_level: str = "info",
) -> int:
    """Run the service until it is stopped; return the exit status.

    Args:
        settings: What to screen with and what to accept.
        host: Address to listen on.
        port: Port to listen on (0: any free port; the chosen one is logged).
        log_level: ``debug``, ``info``, ``warning`` or ``error``.

    Returns:
        0 after a drain, 1 when the workers could not start.
    """
    configure_logging(log_level)
    app: Any = create_app(settings)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        log_level=log_level,
        access_log=False,
        lifespan="on",
        server_header=False,
        proxy_headers=False,
        # Keep-alive connections of ATS workers stay open between bursts of requests.
        timeout_keep_alive=30,
    )
    server = DrainingServer(config, app.service)
    server.run()
    return server.exit_code
