"""Webhook signatures: HMAC-SHA256 of the request body with a secret shared with the sender.

ATS webhooks (Greenhouse's ``Signature: sha256 <hex>``, GitHub-style ``sha256=<hex>``) sign
the raw body this way. :func:`verify_signature` checks one before anything is parsed or
screened; the service can require it on every screening request (``--signature-secret-file``).
Standard library only: a webhook handler can use it without the server extra.

Example::

    from crisis_screen.service.webhook import verify_signature

    if not verify_signature(body, request.headers.get("Signature"), secret):
        return 401
"""

from __future__ import annotations

import hashlib
import hmac
import re

__all__ = ["SIGNATURE_HEADER", "sign", "verify_signature"]

#: The header the service reads a signature from.
SIGNATURE_HEADER = "X-Signature"

_FORM = re.compile(r"^(?:sha256\s*[= ]\s*)?([0-9A-Fa-f]{64})$")


def sign(body: bytes, secret: bytes) -> str:
    """The signature header value for ``body``: ``sha256=<hex HMAC-SHA256>``."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, signature: str | None, secret: bytes) -> bool:
    """Tell whether ``signature`` is the HMAC-SHA256 of ``body`` under ``secret``.

    Accepts ``sha256=<hex>``, ``sha256 <hex>`` (Greenhouse) and bare ``<hex>``; the digest is
    compared in constant time.

    Args:
        body: The raw request body, exactly as received.
        signature: The header value (None when the header is missing).
        secret: The shared secret.

    Returns:
        True for a valid signature; False when it is missing, malformed or wrong.
    """
    if not signature or not secret:
        return False
    match = _FORM.match(signature.strip())
    if match is None:
        return False
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, match.group(1).lower())
