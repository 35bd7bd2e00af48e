"""Options shared by several commands (kept import-light: click only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

#: Mirrors crisis_screen.scoring.DEFAULT_THRESHOLD without importing the scoring module.
DEFAULT_THRESHOLD = 20.0


def threshold_option(func: F) -> F:
    """Add ``--threshold`` (resume score 0-100 at which a resume is flagged)."""
    return click.option(
        "--threshold",
        type=click.FloatRange(0, 100),
        default=DEFAULT_THRESHOLD,
        show_default=True,
        help="Resume score (0-100) at or above which a resume is flagged.",
    )(func)


def lexicon_option(func: F) -> F:
    """Add ``--lexicon DIR`` (repeatable; default: the shipped lexicon)."""
    return click.option(
        "--lexicon",
        multiple=True,
        type=click.Path(exists=True, path_type=str),
        help="Lexicon file or folder to use instead of the shipped one (repeatable).",
    )(func)
