"""Preloaded by the local workers' fork server; never imported by ``import crisis_screen``.

Building a screener costs about 1.5 s (importing spaCy, then the matchers). The fork server
imports this module once and every worker process forks from it with the default screener
already built, so a worker is ready in milliseconds instead of paying that cost itself.
"""

from __future__ import annotations

from crisis_screen.errors import CrisisScreenError
from crisis_screen.screener import Screener, ScreenerConfig

#: The configuration ``SCREENER`` was built from (workers reuse it only for an equal config).
CONFIG = ScreenerConfig()
SCREENER: Screener | None
try:
    SCREENER = CONFIG.build()
except CrisisScreenError:  # a broken shipped lexicon: workers build (and report) it themselves
    SCREENER = None
