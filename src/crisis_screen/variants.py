"""Compatibility path: term variants now live in :mod:`crisis_screen.lexicon.variants`."""

from __future__ import annotations

from crisis_screen.lexicon.variants import (
    expand,
    hyphen_variants,
    inflections,
    spelling_variants,
    uninflectable,
    word_forms,
)

__all__ = [
    "expand",
    "hyphen_variants",
    "inflections",
    "spelling_variants",
    "uninflectable",
    "word_forms",
]
