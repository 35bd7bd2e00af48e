"""API keys of the HTTP service: where the key comes from, and the bearer check.

With a key configured, every request but ``GET /health`` must carry
``Authorization: Bearer KEY``; the comparison takes the same time whatever the key sent, so
response times tell an attacker nothing about how much of a guess was right.
"""

from __future__ import annotations

import hmac
import os
from pathlib import Path

from crisis_screen.errors import CrisisScreenError

__all__ = ["API_KEY_ENV", "OPEN_PATHS", "authorized", "load_secret", "resolve_api_key"]

#: Environment variable holding the API key when no key file is given.
API_KEY_ENV = "CRISIS_SCREEN_API_KEY"
#: Paths answered without a key (load balancers and orchestrators probe them).
OPEN_PATHS = frozenset({"/health"})
#: Shortest key accepted: a short key can be guessed however it is compared.
MIN_KEY_CHARS = 16


def load_secret(path: str | os.PathLike[str], what: str) -> str:
    """Read a key or secret from a file (surrounding whitespace removed).

    Raises:
        CrisisScreenError: The file cannot be read, or holds an empty or short secret.
    """
    try:
        value = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "unreadable"
        raise CrisisScreenError(f"{path}: cannot read the {what} ({reason})") from None
    return check_secret(value, f"{path}: the {what}")


def check_secret(value: str, what: str) -> str:
    """Return ``value`` when it is long enough to be a key.

    Raises:
        CrisisScreenError: It is shorter than 16 characters or holds whitespace.
    """
    if len(value) < MIN_KEY_CHARS or any(c.isspace() for c in value):
        raise CrisisScreenError(
            f"{what} must be at least {MIN_KEY_CHARS} characters, without spaces"
        )
    return value


def resolve_api_key(key_file: str | None, environ: dict[str, str] | None = None) -> str | None:
    """The API key from ``key_file``, else from ``CRISIS_SCREEN_API_KEY``, else None (open).

    Raises:
        CrisisScreenError: The file or variable holds no usable key.
    """
    if key_file is not None:
        return load_secret(key_file, "API key")
    value = (os.environ if environ is None else environ).get(API_KEY_ENV, "").strip()
    return check_secret(value, API_KEY_ENV) if value else None


def authorized(header: bytes | None, key: bytes) -> bool:
    """Tell whether an ``Authorization`` header value carries the bearer ``key``."""
    if header is None:
        return False
    scheme, _, token = header.partition(b" ")
    if scheme.lower() != b"bearer":
        return False
    return hmac.compare_digest(token.strip(), key)
