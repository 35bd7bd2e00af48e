from __future__ import annotations

import os
import tempfile

import pytest

from crisis_screen import Screener
from crisis_screen.lexicon.cache import CACHE_DIR_ENV

# The lexicon start-up cache of this run (and of the CLI processes its tests start) lives in a
# folder of its own: tests never read or write the user's cache.
os.environ[CACHE_DIR_ENV] = tempfile.mkdtemp(prefix="crisis-screen-test-cache-")


@pytest.fixture(scope="session")
def screener() -> Screener:
    """One screener for the whole run: building it is the expensive part."""
    return Screener.default()
