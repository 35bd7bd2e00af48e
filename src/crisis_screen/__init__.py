"""crisis_screen: explainable resume screening for Mental Health Response.

Public API::

    from crisis_screen import Screener
    screener = Screener.default()
    result = screener.screen_text(text, source="cv.txt")

Importing the package is cheap and has no side effects: the screener, its models and spaCy
load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crisis_screen._lazy import lazy_attributes

__version__ = "0.3.0"

__all__ = [
    "CrisisScreenError",
    "Document",
    "Evidence",
    "ExtractionError",
    "LexiconError",
    "ScanRecord",
    "ScreenResult",
    "Screener",
    "__version__",
    "load_lexicon",
    "screen_paths",
]

if TYPE_CHECKING:
    from crisis_screen.errors import CrisisScreenError, ExtractionError, LexiconError
    from crisis_screen.lexicon import load_lexicon
    from crisis_screen.models import Document, Evidence, ScreenResult
    from crisis_screen.runs.local import screen_paths
    from crisis_screen.runs.records import ScanRecord
    from crisis_screen.screener import Screener

_LAZY = {
    "Screener": "crisis_screen.screener",
    "ScreenResult": "crisis_screen.models",
    "Evidence": "crisis_screen.models",
    "Document": "crisis_screen.models",
    "load_lexicon": "crisis_screen.lexicon",
    "ScanRecord": "crisis_screen.runs.records",
    "screen_paths": "crisis_screen.runs.local",
    "CrisisScreenError": "crisis_screen.errors",
    "ExtractionError": "crisis_screen.errors",
    "LexiconError": "crisis_screen.errors",
}


__getattr__ = lazy_attributes(__name__, _LAZY)
