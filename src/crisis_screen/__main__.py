"""``python -m crisis_screen``: the ``crisis-screen`` command line."""

from __future__ import annotations

from crisis_screen.cli import run

if __name__ == "__main__":
    run()
