"""Preloaded by the local workers' fork server; never imported by ``import crisis_screen``.

Building a screener costs about a second and a half (importing spaCy, then the matchers). The
fork server imports this module once and every worker process forks from it with the run's
screener already built, so a worker is ready in milliseconds instead of paying that cost
itself. Which screener: the one described by the ``CRISIS_SCREEN_PRELOAD`` environment
variable the server started with (JSON of the lexicon and overlay paths, the model and the
reference date; see :func:`crisis_screen.runs.workers.preload_spec`), else the default.
"""

from __future__ import annotations

import gc
import json
import os
from datetime import date

# What a worker imports to read and screen files, imported once here instead of per worker.
import crisis_screen.runs.cache
import crisis_screen.runs.screen  # noqa: F401
from crisis_screen.experience import find_positions
from crisis_screen.runs.workers import PRELOAD_ENV
from crisis_screen.screener import Screener, ScreenerConfig


def _config() -> ScreenerConfig:
    spec = os.environ.get(PRELOAD_ENV)
    if not spec:
        return ScreenerConfig()
    try:
        data = json.loads(spec)
        day = data.get("reference_date")
        return ScreenerConfig(
            lexicon=tuple(str(p) for p in data.get("lexicon") or ()),
            overlays=tuple(str(p) for p in data.get("overlays") or ()),
            model=data.get("model"),
            reference_date=date.fromisoformat(day) if day else None,
        )
    except (ValueError, TypeError, AttributeError):
        return ScreenerConfig()  # workers whose config differs build their own


def _warm_up(screener: Screener) -> None:
    """Screen one made-up resume, so parts built on first use exist before workers fork.

    The resume holds a dated position and one term of the screener's own lexicon; its dates
    are read too (the date reader is built on first use). The screener's caches are
    idempotent, so this changes no later result.
    """
    entry = next(iter(screener.lexicon.term_entries()), None)
    if entry is None:
        return
    today = date.today()
    text = f"Example Role, {today.year - 3} - {today.year}\n- {entry.term}\n"
    screener.screen_text(text, source="<warm-up>")
    find_positions(text, today)


#: The configuration ``SCREENER`` was built from (workers reuse it only for an equal config).
CONFIG = _config()
SCREENER: Screener | None
try:
    SCREENER = CONFIG.build()
    _warm_up(SCREENER)
except Exception:  # a broken lexicon: workers build (and report) it themselves
    SCREENER = None
# Everything built so far lives as long as the workers: keep their collectors from scanning
# it (and from touching its pages, which forked workers share copy-on-write).
gc.freeze()
