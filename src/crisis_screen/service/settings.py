"""Settings of the HTTP service: what ``crisis-screen serve`` builds from its options."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from crisis_screen.extract.limits import ExtractionLimits
from crisis_screen.service.limits import body_limit

if TYPE_CHECKING:
    from crisis_screen.screener import ScreenerConfig
    from crisis_screen.service.fetch import UrlPolicy

__all__ = ["DEFAULT_QUEUE", "ServiceSettings"]

#: Requests waiting for a worker, beyond one per worker, before the service answers 503.
DEFAULT_QUEUE = 16


def _default_config() -> ScreenerConfig:
    from crisis_screen.screener import ScreenerConfig

    return ScreenerConfig()


@dataclass(frozen=True)
class ServiceSettings:
    """How the service screens and what it accepts.

    Attributes:
        config: The screener every worker builds (lexicon, overlays, threshold).
        workers: Worker processes screening at once.
        queue: Requests admitted beyond one per worker; more get 503 with ``Retry-After``.
        limits: Reading limits of each file (size, pages, time...), as in ``scan``.
        max_body_bytes: Largest request body (413 above it); default: a file at
            ``limits.max_file_bytes`` fits base64-encoded.
        api_key: Bearer key every request but ``/health`` must carry; None: open.
        signature_secret: When set, screening requests must carry ``X-Signature``, the
            HMAC-SHA256 of the body with this secret.
        url_policy: Links the service fetches (``{"url": ...}`` items); None: URL input off.
        drain_timeout: Seconds SIGTERM waits for requests in flight before exiting anyway.
        start_timeout: Seconds the workers have to build their screeners.
    """

    config: ScreenerConfig = field(default_factory=_default_config)
    workers: int = 1
    queue: int = DEFAULT_QUEUE
    limits: ExtractionLimits = field(default_factory=ExtractionLimits)
    max_body_bytes: int | None = None
    api_key: str | None = None
    signature_secret: bytes | None = None
    url_policy: UrlPolicy | None = None
    drain_timeout: float = 30.0
    start_timeout: float = 600.0

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise ValueError("workers must be at least 1")
        if self.queue < 0:
            raise ValueError("queue must be 0 or more")
        if self.max_body_bytes is None:
            object.__setattr__(self, "max_body_bytes", body_limit(self.limits.max_file_bytes))

    @property
    def body_bytes(self) -> int:
        """The request body limit in bytes."""
        assert self.max_body_bytes is not None  # set in __post_init__
        return self.max_body_bytes
