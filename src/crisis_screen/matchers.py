"""Find lexicon terms in lines: the gate, the spaCy matchers and overlap resolution.

Three matchers are built once from the lexicon, on one vocabulary:

- a PhraseMatcher on ``NORM`` for phrase and lemma terms and their generated variants
  (``NORM`` is the lower-case form, except for words corrected by :mod:`crisis_screen.fuzzy`
  on the line's own doc);
- a PhraseMatcher on ``ORTH`` for abbreviations, so "CIT" never matches "cit" or "City";
- a Matcher for the lexicon's token patterns.

Most resume lines cannot hold a term, so an Aho-Corasick automaton over anchor substrings
derived from the terms (:meth:`~crisis_screen.lexicon.Lexicon.gate_anchors`) picks the
candidate lines first; only those are tokenised.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from crisis_screen.fuzzy import TypoCorrector
from crisis_screen.lexicon import Lexicon
from crisis_screen.lexicon.forms import gate_form, pattern_trigger
from crisis_screen.models import Hit, MatchMethod

__all__ = [
    "GatedMatcher",
    "Hit",
    "LineGate",
    "TermMatcher",
    "gate_form",
    "line_words",
    "lines_of",
    "pattern_trigger",
    "resolve",
]
from crisis_screen.normalize import LineNormalizer

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.matcher import Matcher
    from spacy.tokens import Doc
    from spacy.vocab import Vocab

#: Overlap preference after length: earlier is stronger.
METHOD_RANK: dict[str, int] = {
    "exact": 0,
    "pattern": 1,
    "lemma": 2,
    "abbreviation": 3,
    "fuzzy": 4,
}


# What may stand between two words of an anchor in raw text: a space or a hyphen, and the
# forms line normalisation (:mod:`crisis_screen.normalize`) repairs later: a PDF line-break
# hyphen ("de- escalation"), a double space, and the rarer gap characters of
# :data:`_GAP_CHARS`, which the gate maps to a space or a hyphen in its lower-cased copy of the
# text (one character each, so offsets still index the text) instead of holding every anchor
# in every one of their forms: four times fewer patterns, a faster automaton to build.
_GAPS = (" ", "-", "- ", "  ")
_BASIC_GAPS = (" ", "-", "- ")
_GAP_CHARS = {"\t": " ", "\u00a0": " ", "\u200b": " ", "\u2010": "-", "\u2011": "-"}
_GAP_TABLE = str.maketrans(_GAP_CHARS)
_NON_ASCII_GAPS = tuple(c for c in _GAP_CHARS if not c.isascii())


def _hyphenations(anchor: str) -> list[str]:
    """Return an anchor with each of its spaces in every raw form a word gap may take.

    Anchors of up to three words get every form of :data:`_GAPS` in each gap (at most 16),
    four words the basic ones (27), five words a space or a hyphen (16). A longer anchor is
    held by its first five words: as selective, and it finds "non-abusive ..." too.
    """
    parts = anchor.split(" ")
    if len(parts) == 1:
        return [anchor]
    parts = parts[:5]
    gaps = _GAPS if len(parts) <= 3 else _BASIC_GAPS if len(parts) == 4 else (" ", "-")
    return [
        parts[0] + "".join(sep + p for sep, p in zip(seps, parts[1:], strict=True))
        for seps in itertools.product(gaps, repeat=len(parts) - 1)
    ]


#: Characters that rule out :func:`_gate_text`'s quick path: the two whose lower case is an
#: ASCII letter ("İ" and the Kelvin sign) and the non-ASCII gap characters the gate maps.
_NOT_QUICK = ("\u0130", "\u212a", *_NON_ASCII_GAPS)


def _gate_text(text: str, ascii_patterns: bool = False) -> str:
    """Lower-case ``text`` for the gate, rare gap characters as a space or a hyphen.

    Every character stays one character, so offsets into the result index ``text``.

    Args:
        text: The text.
        ascii_patterns: The automaton's patterns are all ASCII without "?". Then a non-ASCII
            character can take part in no match whatever its lower case, and (but for those in
            :data:`_NOT_QUICK`) it stands as "?" in the result: most such resumes are ASCII
            but for bullets, dashes or accents, and ``str.lower`` on them costs 16 times what
            it costs on ASCII (24 against 1.5 us for 3.8 KB), lower-casing bytes 6 to 9 us.
    """
    if ascii_patterns and not text.isascii() and not any(c in text for c in _NOT_QUICK):
        quick = text.encode("ascii", "replace").lower().decode("ascii")
        return quick.replace("\t", " ") if "\t" in quick else quick
    lowered = text.lower()
    if len(lowered) != len(text):
        # Rare characters change length when lower-cased ("İ"); lower-case character by
        # character, keeping one character each.
        lowered = "".join(ch.lower()[:1] or ch for ch in text)
    # Most texts hold none of the rare gaps: a few C-speed searches rule them out.
    if "\t" in lowered or (not lowered.isascii() and any(c in lowered for c in _NON_ASCII_GAPS)):
        lowered = lowered.translate(_GAP_TABLE)
    return lowered


def _fold(text: str) -> str:
    """Read hyphens as spaces (the gate's automaton patterns and the text it scans)."""
    return text.replace("-", " ")


# Every byte but a-z and 0-9 as a space: what an all-ASCII gate's automaton reads.
_ASCII_FOLD = bytes(c if 97 <= c <= 122 or 48 <= c <= 57 else 32 for c in range(256))


def _fold_ascii(text: str) -> str:
    """A form as an all-ASCII gate's automaton holds it: all but a-z and 0-9 as spaces."""
    return text.encode("ascii").translate(_ASCII_FOLD).decode("ascii")


#: Shortest one-word anchor also held with a PDF line-break hyphen inside ("sui- cid").
MIN_BROKEN_ANCHOR = 6


def _broken_words(anchor: str) -> list[str]:
    """Return a one-word anchor broken by a line-break hyphen at each inner position.

    PDF text joined from lines keeps the hyphen and a space ("interven- tion"); line
    normalisation rejoins the word when the lexicon knows it, so the gate must let such a
    line through. Short anchors are left out: their broken forms would be noise.
    """
    if " " in anchor or len(anchor) < MIN_BROKEN_ANCHOR or not anchor.isalpha():
        return []
    return [f"{anchor[:i]}- {anchor[i:]}" for i in range(2, len(anchor) - 1)]


class LineGate:
    """Pick the lines that may hold a term, by anchor substrings, before any tokenising.

    One Aho-Corasick pass (a DFA, from the Rust aho-corasick crate) over the lower-cased text
    finds both the anchors and the abbreviations; an abbreviation then counts only where the
    original text has it in its exact case as a whole word ("CIT", not "city" or
    "CERTIFICATIONS").

    The automaton reads hyphens as spaces, so the forms of an anchor that differ only there
    ("de-escalation", "de escalation") are one pattern: for the shipped lexicon 4,166 patterns
    instead of 13,480, and a DFA of 5 MiB instead of 17, more of which stays in the processor's
    cache from one resume to the next. A match counts only when the lower-cased text there is
    one of the exact forms, so the offsets found are the same. When every form is ASCII the
    automaton reads every character but a-z and 0-9 as a space, and holds each abbreviation
    as a whole word: "si" and "eco" no longer match inside "crisis" and "economy" (the gate
    took 27 us a resume on the benchmark corpus, 21 us with whole-word abbreviations).
    """

    def __init__(self, anchors: Sequence[str], abbreviations: Sequence[str]) -> None:
        """Build the automaton.

        Args:
            anchors: Lower-case substrings; every term variant contains one (checked at load).
            abbreviations: Case-sensitive abbreviations, checked against the original text.
        """
        import ahocorasick_rs

        entries: dict[str, tuple[str, ...]] = {}
        for anchor in anchors:
            for form in _hyphenations(gate_form(anchor)):
                entries[form] = ()
            for form in _broken_words(gate_form(anchor)):
                entries.setdefault(form, ())
        for abbr in abbreviations:
            key = abbr.lower()
            if entries.get(key) == ():
                continue  # already a plain anchor: any case passes
            entries[key] = (*entries.get(key, ()), abbr)
        # When every form is ASCII the automaton reads a copy of the text with each character
        # but a-z and 0-9 as a space, between two spaces; an abbreviation is then held as a
        # whole word (" cit "), so it no longer matches inside every word that contains it
        # ("si" in "crisis": about 19 matches a resume to reject one by one before).
        # (Forms that start or end with another character would fold to a leading or trailing
        # space, as the whole-word patterns do: such a lexicon keeps the plain scan.)
        self._ascii = all(
            f.isascii() and "?" not in f and f[:1].isalnum() and f[-1:].isalnum() for f in entries
        )
        fold = _fold_ascii if self._ascii else _fold
        # Automaton pattern -> its exact forms -> the abbreviations each stands for (empty: any
        # case passes). Folding keeps one character for one, so offsets in the folded text
        # are offsets in the text (plus the leading space when it is padded).
        folded: dict[str, dict[str, tuple[str, ...]]] = {}
        for form, wanted in entries.items():
            pattern = f" {fold(form)} " if self._ascii and wanted else fold(form)
            folded.setdefault(pattern, {})[form] = wanted
        self._patterns = list(folded)
        self._forms = [folded[p] for p in self._patterns]
        # Where a match of each pattern starts and ends in the text, from where it starts and
        # ends in the automaton's input.
        pad = 1 if self._ascii else 0
        self._shifts = [
            (1 - pad, -1 - pad) if self._ascii and p.startswith(" ") else (-pad, -pad)
            for p in self._patterns
        ]
        self._automaton = (
            ahocorasick_rs.AhoCorasick(
                self._patterns, implementation=ahocorasick_rs.Implementation.DFA
            )
            if self._patterns
            else None
        )

    def positions(self, text: str) -> list[int]:
        """Return the end offsets of anchor and abbreviation occurrences in ``text``.

        Args:
            text: The document text.
        """
        if self._automaton is None:
            return []
        lowered = _gate_text(text, self._ascii)
        found: list[int] = []
        n = len(text)
        forms, shifts = self._forms, self._shifts
        if self._ascii:
            # A character that is not ASCII ("?" here) becomes a space: no pattern holds one,
            # and as a space it still ends a word for the abbreviations' whole-word patterns
            # (a bullet before "CIT"); a match such a space made fails the exact-form test.
            folded = lowered.encode("ascii", "replace").translate(_ASCII_FOLD)
            scanned = " " + folded.decode("ascii") + " "
        else:
            scanned = _fold(lowered)
        matches = self._automaton.find_matches_as_indexes(scanned, overlapping=True)
        for index, at, to in matches:
            shift_start, shift_end = shifts[index]
            start, end = at + shift_start, to + shift_end
            wanted = forms[index].get(lowered[start:end])
            if wanted is None:
                continue  # hyphens and spaces where no form of the anchor has them
            if not wanted or (
                text[start:end] in wanted
                and (start == 0 or not text[start - 1].isalnum())
                and (end >= n or not text[end].isalnum())
            ):
                found.append(end - 1)
        return found

    def candidate_lines(self, text: str, line_starts: Sequence[int]) -> list[int]:
        """Return the sorted indices of lines holding an anchor or an abbreviation.

        Args:
            text: The document text.
            line_starts: Start offset of every line, ascending.
        """
        return lines_of(self.positions(text), line_starts)


def lines_of(positions: Sequence[int], line_starts: Sequence[int]) -> list[int]:
    """Map text offsets to the sorted, distinct indices of the lines holding them."""
    return sorted({bisect_right(line_starts, p) - 1 for p in positions})


_WORD = re.compile(r"\w+")


def line_words(text: str) -> frozenset[str]:
    """Return the lower-case words of a line, for :class:`GatedMatcher` triggers."""
    return frozenset(_WORD.findall(text.lower()))


class GatedMatcher:
    """A spaCy Matcher that runs each token pattern only on lines holding its trigger words.

    spaCy's Matcher costs tens of microseconds per line per pattern with quantifiers; most
    lines cannot match most patterns, and a word-set test rules them out for almost nothing.
    """

    def __init__(self, vocab: Vocab) -> None:
        """Create an empty matcher on ``vocab``."""
        self._vocab = vocab
        self._always: Matcher | None = None
        self._gated: list[tuple[tuple[frozenset[str], ...], Matcher]] = []
        # Word -> patterns whose smallest trigger set holds it: a line looks only at the patterns
        # one of its words can start, not at every pattern.
        self._by_word: dict[str, list[int]] = defaultdict(list)

    def add(self, key: str, pattern: list[dict[str, Any]]) -> None:
        """Add one token pattern under ``key``."""
        from spacy.matcher import Matcher

        trigger = pattern_trigger(pattern)
        if not trigger:
            if self._always is None:
                self._always = Matcher(self._vocab)
            self._always.add(key, [pattern])
            return
        matcher = Matcher(self._vocab)
        matcher.add(key, [pattern])
        for word in min(trigger, key=len):
            self._by_word[word].append(len(self._gated))
        self._gated.append((trigger, matcher))

    def __call__(self, doc: Doc, words: frozenset[str]) -> list[tuple[int, int, int]]:
        """Return ``(match_id, start, end)`` of every pattern match on a line doc.

        Args:
            doc: The line doc.
            words: :func:`line_words` of the line.
        """
        found: list[tuple[int, int, int]] = []
        if self._always is not None:
            found.extend(self._always(doc))
        by_word = self._by_word
        candidates = {i for w in words if w in by_word for i in by_word[w]}
        for i in sorted(candidates):  # pattern order, as added
            trigger, matcher = self._gated[i]
            for alternatives in trigger:
                if alternatives.isdisjoint(words):
                    break
            else:  # every trigger position has a word on the line (a loop: no generator)
                found.extend(matcher(doc))
        return found


class TermMatcher:
    """All term matching of one lexicon, built once on one pipeline's vocabulary."""

    def __init__(self, lexicon: Lexicon, nlp: Language) -> None:
        """Build the matchers from the lexicon.

        Args:
            lexicon: The validated lexicon.
            nlp: The pipeline whose vocabulary and tokenizer are used.
        """
        from spacy.matcher import PhraseMatcher

        self.lexicon = lexicon
        self.nlp = nlp
        vocab = nlp.vocab
        self._phrases = PhraseMatcher(vocab, attr="NORM")
        self._abbreviations = PhraseMatcher(vocab, attr="ORTH")
        self._patterns = GatedMatcher(vocab)
        self._keys: dict[int, tuple[str, str, int, str, MatchMethod]] = {}
        by_key: dict[str, list[str]] = defaultdict(list)
        info: dict[str, tuple[str, str, int, str, MatchMethod]] = {}
        for e in lexicon.term_entries():
            by_key[e.key].append(e.variant)
            info[e.key] = (e.skill, e.concept, e.group, e.term, e.method)  # type: ignore[assignment]
        known_words: set[str] = set()
        fuzzy_words: set[str] = set()
        term_norms: list[tuple[tuple[int, ...], str, str, int, str]] = []
        for key, variants in by_key.items():
            skill, concept, group, term, method = info[key]
            docs = [nlp.make_doc(v) for v in variants]
            target = self._abbreviations if method == "abbreviation" else self._phrases
            target.add(key, docs)
            if method != "abbreviation":
                # The same NORM keys the phrase matcher compares, for rebuilt coordinations.
                term_norms.extend(
                    (tuple(d.to_array("NORM").tolist()), skill, concept, group, term) for d in docs
                )
            self._keys[vocab.strings[key]] = info[key]
            fuzzy_group = lexicon.group(concept, group, skill).fuzzy
            for d in docs:
                for t in d:
                    known_words.add(t.lower_)
                    if fuzzy_group and t.is_alpha:
                        fuzzy_words.add(t.lower_)
        for key, skill, concept, group, pattern in lexicon.pattern_entries():
            self._patterns.add(key, pattern)
            self._keys[vocab.strings[key]] = (
                skill,
                concept,
                group,
                key.rsplit("|", 1)[1],
                "pattern",
            )
        anchors, case_sensitive = lexicon.gate_anchors
        self.gate = LineGate(anchors, sorted(case_sensitive))
        self.typos = TypoCorrector(known=known_words, targets=fuzzy_words)
        self.normalize = LineNormalizer(known_words)
        from crisis_screen.coordination import Coordinator

        groups = [
            (skill, c.id, gi, g)
            for skill, concepts in lexicon.skill_concepts.items()
            for c in concepts.values()
            for gi, g in enumerate(c.terms)
        ]
        self._coordination = Coordinator(
            vocab,
            term_norms,
            lexicon_words=known_words,
            fuzzy_groups={(s, c, gi) for s, c, gi, g in groups if g.fuzzy},
            ambiguous_groups={(s, c, gi) for s, c, gi, g in groups if g.requires},
        )

    def find(
        self, doc: Doc, words: frozenset[str] | None = None, text: str | None = None
    ) -> list[Hit]:
        """Return the non-overlapping term hits of one line doc.

        Args:
            doc: A tokenised line.
            words: :func:`line_words` of the line (computed when not given).
            text: The line's text, ``doc.text`` (which spaCy rebuilds from the tokens on
                every access, so callers that hold it pass it).

        Returns:
            Hits in token order, overlaps resolved; a term rebuilt from a coordination (with a
            ``gap``) may overlap the hits of the conjuncts it spans.
        """
        if text is None:
            text = doc.text
        if words is None:
            words = line_words(text)
        corrected = self.typos.correct(doc)
        hits: list[Hit] = []
        # An empty spaCy matcher warns on every call (W036), so skip the ones without entries.
        phrase_matches = self._phrases(doc) if len(self._phrases) else []
        for match_id, start, end in phrase_matches:
            skill, concept, group, term, method = self._keys[match_id]
            similarity = 100.0
            if corrected and any(t.i in corrected for t in doc[start:end]):
                # A typo-corrected word took part: only fuzzy-enabled groups accept that, and
                # one correct word must anchor it (a lone corrected word is too noisy).
                span = doc[start:end]
                exact_words = [t for t in span if t.is_alpha and t.i not in corrected]
                if not self.lexicon.group(concept, group, skill).fuzzy or not exact_words:
                    continue
                method = "fuzzy"
                similarity = self.typos.similarity(span.text.lower(), term.lower())
            hits.append(Hit(concept, group, term, method, start, end, similarity, skill))
        abbreviation_matches = self._abbreviations(doc) if len(self._abbreviations) else []
        for match_id, start, end in abbreviation_matches:
            skill, concept, group, term, method = self._keys[match_id]
            hits.append(Hit(concept, group, term, method, start, end, 100.0, skill))
        for match_id, start, end in self._patterns(doc, words):
            skill, concept, group, term, method = self._keys[match_id]
            hits.append(Hit(concept, group, doc[start:end].text, method, start, end, 100.0, skill))
        if len(self.lexicon.skills) <= 1:
            kept = resolve(hits, doc)
        else:
            # Overlaps are resolved within each skill: two skills may share a term, and each
            # must keep its own hit on it.
            by_skill: dict[str, list[Hit]] = defaultdict(list)
            for h in hits:
                by_skill[h.skill].append(h)
            kept = [h for group_hits in by_skill.values() for h in resolve(group_hits, doc)]
            kept.sort(key=lambda h: (h.start, h.skill))
        if self._coordination and _has_joint(text, words):
            rebuilt = self._coordination.find(doc, kept, corrected)
            if rebuilt:
                # Rebuilt terms overlap the ordinary hits by nature (they span a conjunct).
                kept = sorted([*kept, *rebuilt], key=lambda h: (h.start, h.end))
        return kept


_JOINT_WORDS = frozenset({"and", "or"})


def _has_joint(text: str, words: frozenset[str]) -> bool:
    """Whether a line holds a conjunction, comma, slash or ampersand (cheap pre-check)."""
    return not words.isdisjoint(_JOINT_WORDS) or "," in text or "/" in text or "&" in text


def resolve(hits: list[Hit], doc: Doc) -> list[Hit]:
    """Keep non-overlapping hits: longest span first, then exact > ... > fuzzy.

    Args:
        hits: Hits of one doc, overlapping.
        doc: The doc, for character lengths.

    Returns:
        The kept hits in document order.
    """
    if len(hits) <= 1:
        return list(hits)  # most lines: one hit, nothing to resolve

    def rank(h: Hit) -> tuple[int, int, int]:
        # The span's characters from its two end tokens: cheaper than a spaCy Span per hit.
        last = doc[h.end - 1]
        return (-(last.idx + len(last) - doc[h.start].idx), METHOD_RANK[h.method], h.start)

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
