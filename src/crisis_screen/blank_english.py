"""The blank English pipeline the screener tokenises with, built without slow special cases.

Imported only when a pipeline is built (it imports spaCy). ``spacy.blank("en")`` followed by
setting ``tokenizer.rules`` loads all of English's ~1,300 tokenizer special cases twice (the
setter reloads them); building the tokenizer from rules that already lack the slow ones takes
about half the time (0.15 s against 0.3 s measured here), a cost every screening process pays at
start-up. A subclass with its own ``Defaults`` is spaCy's documented way to change a language's
defaults; tokens and offsets are those of ``spacy.blank("en")``.
"""

from __future__ import annotations

from spacy.lang.en import English, EnglishDefaults

__all__ = ["SLOW_SPECIAL_CASES", "BlankEnglish", "BlankEnglishDefaults"]

# The stock English tokenizer has special cases for "\n" and "\t" that disable its cache for
# the rest of a document (explosion/spaCy#13950): multi-line text tokenises ~20x slower.
# Removing them leaves tokens and offsets unchanged (whitespace tokens are still produced).
SLOW_SPECIAL_CASES = ("\n", "\t")


class BlankEnglishDefaults(EnglishDefaults):
    """English defaults without the tokenizer special cases that defeat spaCy's cache."""

    tokenizer_exceptions = {
        key: value
        for key, value in EnglishDefaults.tokenizer_exceptions.items()
        if key not in SLOW_SPECIAL_CASES
    }


class BlankEnglish(English):  # type: ignore[no-untyped-call]  # spaCy's __init_subclass__
    """``spacy.blank("en")`` with :class:`BlankEnglishDefaults`."""

    Defaults = BlankEnglishDefaults
