"""Typo tolerance with rapidfuzz, one decision per distinct word.

Fuzzy-matching every line against every term is slow and imprecise (short lines match pieces
of terms). Instead, each unknown word of a candidate line is compared once against the words
of fuzzy-enabled terms; a close one ("Interventon" -> "intervention") gets that word as the
``NORM`` of that token in the line's own doc, so the ordinary NORM phrase matcher finds the
term. The correction is token-level: the pipeline's vocabulary (its lexeme norms) is never
written, so a pipeline passed in by the user is left as given for everything else it is used
for. The decision is kept per word in the corrector's own table, so the cost per resume is
close to zero once it is warm.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

if TYPE_CHECKING:
    from spacy.tokens import Doc

#: rapidfuzz ratio (0-100) a word needs to count as a typo of a lexicon word.
MIN_WORD_RATIO = 88.0
#: Shortest word considered for correction; shorter words have too many close neighbours.
MIN_WORD_CHARS = 5
#: Bound on the per-word decision cache (words seen), to keep memory flat on huge batches.
MAX_CACHE = 50_000


class TypoCorrector:
    """Correct misspelt words of candidate lines toward the lexicon's words."""

    def __init__(self, *, known: Iterable[str], targets: Iterable[str]) -> None:
        """Prepare the correction tables.

        Args:
            known: Every lower-case word of every term variant; these are never corrected.
            targets: Words of fuzzy-enabled terms that a typo may be corrected to.
        """
        from spacy.attrs import ORTH

        self._known = frozenset(known)
        self._targets = sorted(t for t in set(targets) if len(t) >= MIN_WORD_CHARS)
        self._cache: dict[str, str | None] = {}
        # word id (ORTH) -> the lexicon word it is a typo of, or None: the screener's own table
        self._by_id: dict[int, str | None] = {}
        # Held, not imported per call: an import statement costs 1.6 us a line.
        self._orth_attr = ORTH

    def correct(self, doc: Doc) -> set[int]:
        """Set the NORM of misspelt tokens of ``doc``; return the indices of corrected tokens.

        Only the tokens of this doc change (``Token.norm_``); the vocabulary's lexemes do not.

        Args:
            doc: A tokenised candidate line.

        Returns:
            Token indices whose NORM now names a lexicon word.
        """
        # Work on the array of word ids: creating a Token object per word costs more than the
        # whole decision for a known word.
        orths: list[int] = doc.to_array(self._orth_attr).tolist()
        typos: dict[int, str] = {}
        strings = doc.vocab.strings
        by_id = self._by_id
        for orth in set(orths):
            if orth in by_id:
                target = by_id[orth]
            else:
                lower = strings[orth].lower()
                target = None
                if len(lower) >= MIN_WORD_CHARS and lower not in self._known and lower.isalpha():
                    target = self._lookup(lower)
                if len(by_id) >= MAX_CACHE:
                    by_id.clear()
                by_id[orth] = target
            if target is not None:
                typos[orth] = target
        if not typos:
            return set()
        corrected = {i for i, orth in enumerate(orths) if orth in typos}
        for i in corrected:
            doc[i].norm_ = typos[orths[i]]
        return corrected

    def _lookup(self, word: str) -> str | None:
        if word in self._cache:
            return self._cache[word]
        if len(self._cache) >= MAX_CACHE:
            self._cache.clear()
        found = process.extractOne(
            word,
            self._targets,
            scorer=fuzz.ratio,
            processor=None,
            score_cutoff=MIN_WORD_RATIO,
        )
        target: str | None = None
        # Same first letter and nearly the same length: real words that merely resemble a
        # lexicon word ("escalation" vs "deescalation") are left alone.
        if found is not None:
            candidate = found[0]
            if candidate[0] == word[0] and abs(len(candidate) - len(word)) <= 2:
                target = candidate
        self._cache[word] = target
        return target

    @staticmethod
    def similarity(text: str, term: str) -> float:
        """Return the rapidfuzz ratio (0-100) of matched text and term, rounded to 0.1."""
        return round(fuzz.ratio(text, term, processor=None), 1)
