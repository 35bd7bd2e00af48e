"""``crisis-screen serve``: parse the options, run :func:`crisis_screen.service.serve`.

The web framework is imported inside the command only, so the rest of the command line (and
``import crisis_screen``) works without the ``server`` extra.

Exit codes: 0 after a drain (SIGTERM or Ctrl-C), 1 when the workers cannot start or a second
signal cut the drain short, 2 usage error (a bad option, a missing extra or key file).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from crisis_screen.cli.options import CONTEXT, library_errors, screener_config, screener_options

if TYPE_CHECKING:
    from crisis_screen.service.settings import ServiceSettings

_MB = 1024 * 1024


def _settings(
    lexicon: tuple[str, ...],
    overlays: tuple[str, ...],
    threshold: float | None,
    workers: int | None,
    queue: int,
    api_key_file: str | None,
    signature_secret_file: str | None,
    max_file_mb: float,
    max_body_mb: float | None,
    time_limit: float,
    url_hosts: tuple[str, ...],
    url_allow_private: bool,
    url_allow_http: bool,
    drain_timeout: float,
) -> ServiceSettings:
    """The service settings of the options (library errors become click errors)."""
    from crisis_screen.extract.limits import ExtractionLimits
    from crisis_screen.runs.local import default_jobs
    from crisis_screen.service.auth import load_secret, resolve_api_key
    from crisis_screen.service.fetch import UrlPolicy
    from crisis_screen.service.settings import ServiceSettings

    config = screener_config(lexicon, overlays, threshold)
    with library_errors(config):
        if config.lexicon or config.overlays:
            # Fail here with the lexicon's own message, not later in every worker.
            from crisis_screen.lexicon import load_lexicon

            load_lexicon(list(config.lexicon) or None, overlays=config.overlays)
        secret = signature_secret_file and load_secret(signature_secret_file, "signature secret")
        return ServiceSettings(
            config=config,
            workers=workers or default_jobs(),
            queue=queue,
            limits=ExtractionLimits(max_file_bytes=int(max_file_mb * _MB), time_limit=time_limit),
            max_body_bytes=int(max_body_mb * _MB) if max_body_mb else None,
            api_key=resolve_api_key(api_key_file),
            signature_secret=secret.encode("utf-8") if secret else None,
            url_policy=UrlPolicy(url_hosts, url_allow_private, url_allow_http)
            if url_hosts
            else None,
            drain_timeout=drain_timeout,
        )


#: What the server extra installs, by import name.
_EXTRA_MODULES = ("starlette", "uvicorn", "python_multipart")


def _check_extra() -> None:
    """Fail early, with what to install, when the server extra is missing."""
    import importlib.util

    from crisis_screen.errors import MissingExtraError

    for module in _EXTRA_MODULES:
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):  # ValueError: an entry of None in sys.modules
            found = False
        if not found:
            raise MissingExtraError("crisis-screen serve", module, "server")


@click.command(context_settings=CONTEXT)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option(
    "-w",
    "--workers",
    type=click.IntRange(min=1),
    help="Worker processes screening at once (default: the CPU cores available).",
)
@click.option(
    "--queue",
    type=click.IntRange(min=0),
    default=16,
    show_default=True,
    help="Requests waiting for a worker before new ones get 503 with Retry-After.",
)
@click.option(
    "--api-key-file",
    type=click.Path(exists=True, dir_okay=False, path_type=str),
    help="File holding the API key every request but /health must send as "
    "'Authorization: Bearer KEY' (default: $CRISIS_SCREEN_API_KEY; neither: no key).",
)
@click.option(
    "--signature-secret-file",
    type=click.Path(exists=True, dir_okay=False, path_type=str),
    help="Require X-Signature: sha256=HMAC-SHA256(body) with the secret in this file.",
)
@screener_options
@click.option(
    "--threshold",
    type=click.FloatRange(0, 100),
    help="Score (0-100) at or above which a resume is flagged.",
)
@click.option("--max-file-mb", type=click.FloatRange(min=0.001), default=20.0, show_default=True)
@click.option(
    "--max-body-mb",
    type=click.FloatRange(min=0.001),
    help="Largest request body (default: a file at --max-file-mb, base64-encoded).",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="Seconds allowed to read one file (more for each OCR'd page), as in scan.",
)
@click.option(
    "--url-host",
    "url_hosts",
    multiple=True,
    help='Allow {"url": ...} items from this host (repeatable; *.example.com for any name '
    "below it). Without it, URL input is off.",
)
@click.option(
    "--url-allow-private", is_flag=True, help="Let URL input reach private and loopback addresses."
)
@click.option("--url-allow-http", is_flag=True, help="Let URL input use plain http:// links.")
@click.option("--drain-timeout", type=click.FloatRange(min=0), default=30.0, show_default=True)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
)
def serve(host: str, port: int, log_level: str, **params: Any) -> None:
    """Serve screening over HTTP for ATS integrations (needs crisis_screen[server]).

    POST /v1/screen takes one resume (multipart file, or JSON text / base64 file) and answers
    the record `crisis-screen scan` writes for it; POST /v1/screen/batch takes up to 100.
    GET /health answers 200 once every worker has built its screener; /docs documents the
    API. SIGTERM answers the requests in flight, then exits.
    """
    from crisis_screen.runs.workers import start_early

    settings = _settings(**params)
    with library_errors(settings.config):
        _check_extra()
    # The fork server builds the screener the workers start from while this process imports
    # the web framework.
    start_early()
    from crisis_screen.service.server import serve as run_service

    sys.exit(run_service(settings, host, port, log_level=log_level))
