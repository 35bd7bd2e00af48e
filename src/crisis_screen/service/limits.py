"""Size limits of the HTTP service: request bodies are bounded before they are held in memory.

A body whose ``Content-Length`` is over the limit is refused before any of it is read; a body
sent without one (chunked) is counted while it arrives and refused as soon as it passes the
limit. Either way the answer is 413, and the memory a request can hold stays bounded.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["BodyTooLarge", "body_limit", "declared_length", "limited_receive"]

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]

#: Room for the JSON or multipart framing around a file at the size limit.
FRAMING_BYTES = 64 * 1024


class BodyTooLarge(Exception):
    """A request body is over the limit (answered 413).

    Attributes:
        limit: The limit in bytes.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(f"the request body is more than {limit} bytes")
        self.limit = limit


def body_limit(max_file_bytes: int) -> int:
    """Default body limit: a file at ``max_file_bytes`` fits, base64-encoded, with framing."""
    return (max_file_bytes + 2) // 3 * 4 + FRAMING_BYTES


def declared_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    """The ``Content-Length`` of a request, or None when absent or malformed."""
    for name, value in headers:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def limited_receive(receive: Receive, limit: int) -> Receive:
    """Wrap an ASGI ``receive`` so that reading more than ``limit`` body bytes raises."""
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(limit)
        return message

    return wrapped
