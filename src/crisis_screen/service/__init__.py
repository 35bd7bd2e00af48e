"""The HTTP service: ``crisis-screen serve``, one more front end on the run engine.

Stages, one module each::

    settings.py   ServiceSettings: screener config, workers, queue, limits, key, URL policy
    app.py        routes, the front door (request id, key, size, log), OpenAPI
    items.py      request bodies: models, and parsing them into work items
    pool.py       worker processes of the run engine, admission control, crash isolation
    fetch.py      URL input with an allow-list and no SSRF (off by default)
    auth.py       API key from a file or CRISIS_SCREEN_API_KEY, bearer check
    webhook.py    HMAC-SHA256 webhook signatures (standard library only)
    limits.py     request body limits (413)
    logs.py       JSON-line logs without resume text
    server.py     uvicorn with a drain on SIGTERM

Needs the ``server`` extra (``pip install 'crisis_screen[server]'``) except
:mod:`crisis_screen.service.webhook`. Importing this package loads nothing: names are imported
on first use, and ``import crisis_screen`` never imports the web framework.

Example::

    from crisis_screen.service import ServiceSettings, serve

    serve(ServiceSettings(workers=2), host="127.0.0.1", port=8000)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crisis_screen._lazy import lazy_attributes

__all__ = ["ServiceSettings", "UrlPolicy", "create_app", "serve", "verify_signature"]

if TYPE_CHECKING:
    from crisis_screen.service.app import create_app
    from crisis_screen.service.fetch import UrlPolicy
    from crisis_screen.service.server import serve
    from crisis_screen.service.settings import ServiceSettings
    from crisis_screen.service.webhook import verify_signature

_LAZY = {
    "create_app": "crisis_screen.service.app",
    "UrlPolicy": "crisis_screen.service.fetch",
    "serve": "crisis_screen.service.server",
    "ServiceSettings": "crisis_screen.service.settings",
    "verify_signature": "crisis_screen.service.webhook",
}

__getattr__ = lazy_attributes(__name__, _LAZY)
