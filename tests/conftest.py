from __future__ import annotations

import pytest

from crisis_screen import Screener


@pytest.fixture(scope="session")
def screener() -> Screener:
    """One screener for the whole run: building it is the expensive part."""
    return Screener.default()
