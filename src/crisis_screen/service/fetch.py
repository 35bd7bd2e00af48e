"""URL input of the HTTP service: fetching ATS attachment links without opening an SSRF hole.

Off unless the server is given an allow-list of hosts. A link is fetched only when its scheme
is allowed (https; http only when configured), its host is on the allow-list, and every
address the host resolves to is a public one (private, loopback, link-local and other
special addresses are refused unless configured otherwise). The connection goes to the
address that was checked, not to a second lookup, so a DNS answer that changes between the
check and the connection (rebinding) cannot send the request inside the network. Redirects
are followed a few times, each hop checked the same way. The body is read within the
service's file-size limit and a time limit.

Reasons never hold the URL's query string: signed links carry their credentials there.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from crisis_screen import __version__
from crisis_screen.errors import ExtractionError, FetchRefusedError, LimitExceededError

__all__ = ["UrlPolicy", "address_allowed", "fetch_url", "host_allowed"]

_BLOCK = 64 * 1024
_REDIRECTS = {301, 302, 303, 307, 308}
_AGENT = f"crisis-screen/{__version__}"


@dataclass(frozen=True)
class UrlPolicy:
    """Which links the service fetches.

    Attributes:
        hosts: Allowed host names: ``files.example.com`` exactly, or ``*.example.com`` for
            any name below it. Compared case-insensitively.
        allow_private: Also connect to private, loopback and link-local addresses (for an
            ATS inside your own network).
        allow_http: Also fetch plain ``http://`` links (default: https only).
        timeout: Seconds for the whole fetch, redirects included.
        max_redirects: Redirects followed.
    """

    hosts: tuple[str, ...]
    allow_private: bool = False
    allow_http: bool = False
    timeout: float = 20.0
    max_redirects: int = 3

    def __post_init__(self) -> None:
        if not self.hosts:
            raise ValueError("a URL policy needs at least one allowed host")
        object.__setattr__(self, "hosts", tuple(h.strip().lower().rstrip(".") for h in self.hosts))


def host_allowed(host: str, hosts: tuple[str, ...]) -> bool:
    """Tell whether ``host`` is on the allow-list (exact names and ``*.suffix`` patterns)."""
    host = host.lower().rstrip(".")
    for allowed in hosts:
        if allowed.startswith("*."):
            if host.endswith(allowed[1:]) and len(host) > len(allowed) - 1:
                return True
        elif host == allowed:
            return True
    return False


def address_allowed(address: str, allow_private: bool) -> bool:
    """Tell whether a resolved address may be connected to.

    Only globally routable unicast addresses are, unless ``allow_private``; an IPv4 address
    written as IPv6 (``::ffff:127.0.0.1``) is judged as the IPv4 address it is.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_multicast or ip.is_unspecified:
        return False
    return allow_private or (ip.is_global and not ip.is_reserved)


def _label(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{parts.path}"


def _resolve(host: str, port: int, label: str, policy: UrlPolicy) -> str:
    """The address to connect to, after checking every address the host has."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise ExtractionError(label, "cannot resolve the URL's host") from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise ExtractionError(label, "cannot resolve the URL's host")
    for address in addresses:
        if not address_allowed(address, policy.allow_private):
            raise FetchRefusedError(
                label, "the URL's host has a private, loopback or reserved address"
            )
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Plain HTTP to an address checked beforehand (the Host header keeps the name)."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to an address checked beforehand; the certificate is checked for the name."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str
    port: int
    path: str
    label: str


def _check(url: str, policy: UrlPolicy) -> _Target:
    """Check a link against the policy (scheme, credentials, host) before resolving it."""
    parts = urlsplit(url)
    label = _label(url)
    scheme = parts.scheme.lower()
    schemes = ("https", "http") if policy.allow_http else ("https",)
    if scheme not in schemes:
        raise FetchRefusedError(label, f"only {' and '.join(schemes)} links are fetched")
    if parts.username is not None or parts.password is not None:
        raise FetchRefusedError(label, "links with a user name or password are refused")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise FetchRefusedError(label, "the URL's host or port is malformed") from None
    if not host:
        raise FetchRefusedError(label, "the URL has no host")
    if not host_allowed(host, policy.hosts):
        raise FetchRefusedError(label, "the URL's host is not on the allow-list")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _Target(scheme, host, port or (443 if scheme == "https" else 80), path, label)


def fetch_url(url: str, policy: UrlPolicy, max_bytes: int) -> bytes:
    """Fetch a link's body within the policy and ``max_bytes`` (blocking: run in a thread).

    Args:
        url: The link.
        policy: Hosts, addresses and schemes allowed.
        max_bytes: Largest body accepted.

    Returns:
        The body.

    Raises:
        FetchRefusedError: The policy forbids the link or a redirect.
        LimitExceededError: The body is over ``max_bytes``, or the time ran out.
        ExtractionError: The host cannot be reached or answered with an error.
    """
    deadline = time.monotonic() + policy.timeout
    for _ in range(policy.max_redirects + 1):
        target = _check(url, policy)
        address = _resolve(target.host, target.port, target.label, policy)
        remaining = max(deadline - time.monotonic(), 0.1)
        cls = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
        conn = cls(target.host, target.port, address, remaining)
        try:
            conn.request("GET", target.path, headers={"User-Agent": _AGENT})
            response = conn.getresponse()
            location = response.getheader("Location")
            if response.status in _REDIRECTS and location:
                url = urljoin(url, location)
                continue
            if response.status != 200:
                raise ExtractionError(target.label, f"the link answered HTTP {response.status}")
            return _read_body(response, target.label, max_bytes, deadline)
        except (OSError, http.client.HTTPException) as exc:
            kind = "timed out" if isinstance(exc, TimeoutError) else "failed"
            raise ExtractionError(target.label, f"fetching the link {kind}") from None
        finally:
            conn.close()
    raise FetchRefusedError(_label(url), f"more than {policy.max_redirects} redirects")


def _read_body(
    response: http.client.HTTPResponse, label: str, max_bytes: int, deadline: float
) -> bytes:
    length = response.getheader("Content-Length")
    if length is not None and length.isdigit() and int(length) > max_bytes:
        raise LimitExceededError(label, f"file is {int(length)} bytes, more than {max_bytes}")
    chunks: list[bytes] = []
    size = 0
    while block := response.read(_BLOCK):
        size += len(block)
        if size > max_bytes:
            raise LimitExceededError(label, f"file is more than {max_bytes} bytes")
        if time.monotonic() > deadline:
            raise LimitExceededError(label, "the link took too long to send the file")
        chunks.append(block)
    return b"".join(chunks)
