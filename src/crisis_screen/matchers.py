"""Find lexicon terms in lines: the gate, the spaCy matchers and overlap resolution.

Three matchers are built once from the lexicon, on one vocabulary:

- a PhraseMatcher on ``NORM`` for phrase and lemma terms and their generated variants
  (``NORM`` is the lower-case form, except for words corrected by :mod:`crisis_screen.fuzzy`);
- a PhraseMatcher on ``ORTH`` for abbreviations, so "CIT" never matches "cit" or "City";
- a Matcher for the lexicon's token patterns.

Most resume lines cannot hold a term, so an Aho-Corasick automaton over the lexicon's anchor
substrings picks the candidate lines first; only those are tokenised.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import ahocorasick

from crisis_screen.fuzzy import TypoCorrector
from crisis_screen.lexicon import Lexicon
from crisis_screen.models import MatchMethod

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

#: Overlap preference after length: earlier is stronger.
METHOD_RANK: dict[str, int] = {
    "exact": 0, "pattern": 1, "lemma": 2, "abbreviation": 3, "fuzzy": 4,
}


@dataclass(frozen=True, slots=True)
class Hit:
    """A term found in one line doc, before context.

    Attributes:
        concept: Concept id.
        group: Index of the term group in the concept.
        term: The lexicon term (canonical form; ``#n`` for token pattern ``n``).
        method: How it matched.
        start: First token index in the line doc.
        end: One past the last token index.
        similarity: rapidfuzz ratio for fuzzy hits, else 100.
    """

    concept: str
    group: int
    term: str
    method: MatchMethod
    start: int
    end: int
    similarity: float = 100.0


class LineGate:
    """Pick the lines that may hold a term, by anchor substrings, before any tokenising."""

    def __init__(self, anchors: Sequence[str], abbreviations: Sequence[str]) -> None:
        """Build the automata.

        Args:
            anchors: Lower-case substrings; every term variant contains one (checked at load).
            abbreviations: Case-sensitive abbreviations, searched in the original text.
        """
        self._lower = _automaton(anchors)
        self._exact = _automaton(abbreviations)

    def candidate_lines(self, text: str, line_starts: Sequence[int]) -> list[int]:
        """Return the indices of lines holding an anchor or an abbreviation.

        Args:
            text: The document text.
            line_starts: Start offset of every line, ascending.

        Returns:
            Sorted line indices.
        """
        from bisect import bisect_right

        found: set[int] = set()
        lowered = text.lower()
        if len(lowered) != len(text):
            # Rare characters change length when lower-cased ("İ"): search line by line so
            # that positions still map to the right line.
            return self._per_line(text, line_starts)
        for automaton, haystack in ((self._lower, lowered), (self._exact, text)):
            if automaton is None:
                continue
            for end, _ in automaton.iter(haystack):
                found.add(bisect_right(line_starts, end) - 1)
        return sorted(found)

    def _per_line(self, text: str, line_starts: Sequence[int]) -> list[int]:
        out = []
        bounds = [*line_starts[1:], len(text)]
        for i, (start, end) in enumerate(zip(line_starts, bounds)):
            line = text[start:end]
            hit = self._lower is not None and next(self._lower.iter(line.lower()), None)
            hit = hit or (self._exact is not None and next(self._exact.iter(line), None))
            if hit:
                out.append(i)
        return out


def _automaton(words: Sequence[str]) -> ahocorasick.Automaton | None:
    if not words:
        return None
    automaton = ahocorasick.Automaton()
    for w in words:
        automaton.add_word(w, w)
    automaton.make_automaton()
    return automaton


class TermMatcher:
    """All term matching of one lexicon, built once on one pipeline's vocabulary."""

    def __init__(self, lexicon: Lexicon, nlp: Language) -> None:
        """Build the matchers from the lexicon.

        Args:
            lexicon: The validated lexicon.
            nlp: The pipeline whose vocabulary and tokenizer are used.
        """
        from spacy.matcher import Matcher, PhraseMatcher

        self.lexicon = lexicon
        self.nlp = nlp
        vocab = nlp.vocab
        self._phrases = PhraseMatcher(vocab, attr="NORM")
        self._abbreviations = PhraseMatcher(vocab, attr="ORTH")
        self._patterns = Matcher(vocab)
        self._keys: dict[int, tuple[str, int, str, MatchMethod]] = {}
        self._variant: dict[int, str] = {}
        by_key: dict[str, list[str]] = defaultdict(list)
        info: dict[str, tuple[str, int, str, MatchMethod]] = {}
        abbreviations: list[str] = []
        for e in lexicon.term_entries():
            by_key[e.key].append(e.variant)
            info[e.key] = (e.concept, e.group, e.term, e.method)  # type: ignore[assignment]
            if e.method == "abbreviation":
                abbreviations.append(e.variant)
        known_words: set[str] = set()
        fuzzy_words: set[str] = set()
        for key, variants in by_key.items():
            concept, group, term, method = info[key]
            docs = [nlp.make_doc(v) for v in variants]
            target = self._abbreviations if method == "abbreviation" else self._phrases
            target.add(key, docs)
            self._keys[vocab.strings[key]] = info[key]
            fuzzy_group = lexicon.group(concept, group).fuzzy
            for d in docs:
                for t in d:
                    known_words.add(t.lower_)
                    if fuzzy_group and t.is_alpha:
                        fuzzy_words.add(t.lower_)
        for key, concept, group, pattern in lexicon.pattern_entries():
            self._patterns.add(key, [pattern])
            self._keys[vocab.strings[key]] = (concept, group, key.rsplit("|", 1)[1], "pattern")
        self.gate = LineGate(lexicon.anchors, sorted(set(abbreviations)))
        self.typos = TypoCorrector(vocab, known=known_words, targets=fuzzy_words)

    def find(self, doc: Doc) -> list[Hit]:
        """Return the non-overlapping term hits of one line doc.

        Args:
            doc: A tokenised line.

        Returns:
            Hits in token order, overlaps resolved.
        """
        corrected = self.typos.correct(doc)
        hits: list[Hit] = []
        for match_id, start, end in self._phrases(doc):
            concept, group, term, method = self._keys[match_id]
            similarity = 100.0
            if corrected and any(t.i in corrected for t in doc[start:end]):
                # A typo-corrected word took part: only fuzzy-enabled groups accept that, and
                # one correct word must anchor it (a lone corrected word is too noisy).
                span = doc[start:end]
                exact_words = [t for t in span if t.is_alpha and t.i not in corrected]
                if not self.lexicon.group(concept, group).fuzzy or not exact_words:
                    continue
                method = "fuzzy"
                similarity = self.typos.similarity(span.text.lower(), term.lower())
            hits.append(Hit(concept, group, term, method, start, end, similarity))
        for match_id, start, end in self._abbreviations(doc):
            concept, group, term, method = self._keys[match_id]
            hits.append(Hit(concept, group, term, method, start, end))
        for match_id, start, end in self._patterns(doc):
            concept, group, term, method = self._keys[match_id]
            hits.append(Hit(concept, group, doc[start:end].text, method, start, end))
        return resolve(hits, doc)


def resolve(hits: list[Hit], doc: Doc) -> list[Hit]:
    """Keep non-overlapping hits: longest span first, then exact > ... > fuzzy.

    Args:
        hits: Hits of one doc, overlapping.
        doc: The doc, for character lengths.

    Returns:
        The kept hits in document order.
    """
    def rank(h: Hit) -> tuple[int, int, int]:
        span = doc[h.start : h.end]
        return (-(span.end_char - span.start_char), METHOD_RANK[h.method], h.start)

    taken: set[int] = set()
    kept: list[Hit] = []
    for h in sorted(hits, key=rank):
        tokens = range(h.start, h.end)
        if any(i in taken for i in tokens):
            continue
        taken.update(tokens)
        kept.append(h)
    kept.sort(key=lambda h: h.start)
    return kept
