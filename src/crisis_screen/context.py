"""ConText-style context rules: cues found on a line and their effect on each hit.

Cues are lexicon data (category, literals or token patterns, direction, scope, terminators,
pseudo-cues), and what a category does is data too (its ``effect`` in ``[categories]``). A cue
affects a hit when it stands on the same line, on the side its direction names, within its
scope in tokens, with no terminator of its category in between; evidence-kind cues apply to the
whole line. A skill's cues affect that skill's hits only; common cues affect every skill's.
Pseudo cues ("not only", "without incident") cancel the cues inside them. Context never deletes
a hit: it adds an adjustment with the cue and the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from crisis_screen.lexicon import CueRule, Lexicon
from crisis_screen.matchers import GatedMatcher, Hit, line_words

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc


# CueMatch and Effect are made for every cue on every candidate line (about six per line) and
# read, never changed: plain slotted classes, because a frozen dataclass's __init__ costs three
# times as much (1.9 against 0.5 microseconds). They compare by identity, as the screener
# keys them (by ``id``).
@dataclass(slots=True, eq=False)
class CueMatch:
    """A cue found on a line (read-only by convention; compared by identity).

    Attributes:
        cue: The cue rule.
        start: First token index in the line doc.
        end: One past the last token index.
        start_char: Offset of the cue in the line text.
        end_char: End offset of the cue in the line text.
    """

    cue: CueRule
    start: int
    end: int
    start_char: int
    end_char: int


@dataclass(slots=True, eq=False)
class Effect:
    """One context effect on a hit (read-only by convention; compared by identity).

    Attributes:
        category: The cue category (``negated``, ``mh_context``, ``credential`` ...).
        match: The cue that caused it.
    """

    category: str
    match: CueMatch


def _terminator_table(words: Iterable[str]) -> tuple[frozenset[str], tuple[str, ...]]:
    """Split terminators into single tokens and (space-padded) multi-word phrases."""
    lowered = [w.lower() for w in words]
    return (
        frozenset(w for w in lowered if " " not in w),
        tuple(f" {w} " for w in lowered if " " in w),
    )


class CueFinder:
    """Find every cue of a lexicon on a line doc (built once per pipeline)."""

    def __init__(self, lexicon: Lexicon, nlp: Language) -> None:
        """Build the cue matchers.

        Args:
            lexicon: The validated lexicon.
            nlp: The pipeline whose vocabulary and tokenizer are used.
        """
        from spacy.attrs import IDX, LENGTH
        from spacy.matcher import PhraseMatcher

        # Held, not imported per call: an import statement costs 1.6 us a line.
        self._offset_attrs = [IDX, LENGTH]
        vocab = nlp.vocab
        self._literals = PhraseMatcher(vocab, attr="LOWER")
        self._exact = PhraseMatcher(vocab, attr="ORTH")
        self._patterns = GatedMatcher(vocab)
        self._cues: dict[int, CueRule] = {}
        for cue in lexicon.cues:
            key = cue.key
            self._cues[vocab.strings[key]] = cue
            if cue.literals:
                self._literals.add(key, [nlp.make_doc(x.lower()) for x in cue.literals])
            if cue.abbreviations:
                self._exact.add(key, [nlp.make_doc(x) for x in cue.abbreviations])
            for pattern in cue.patterns:
                self._patterns.add(key, pattern)
        self._phrase_matchers = [m for m in (self._literals, self._exact) if len(m)]
        self._terminators = {
            cat: _terminator_table(words) for cat, words in lexicon.terminators.items()
        }
        self._cue_terminators = {
            cue.key: _terminator_table(cue.terminators)
            for cue in lexicon.cues
            if cue.terminators is not None
        }

    def find(self, doc: Doc, words: frozenset[str] | None = None) -> list[CueMatch]:
        """Return the cues on a line, pseudo cues applied (they cancel the cues inside them).

        Args:
            doc: A tokenised line.
            words: :func:`~crisis_screen.matchers.line_words` of the line, if known.
        """
        if words is None:
            words = line_words(doc.text)
        found: list[CueMatch] = []
        # An empty spaCy matcher warns on every call (W036): call only those with patterns.
        matches = [m for pm in self._phrase_matchers for m in pm(doc)]
        matches.extend(self._patterns(doc, words))
        # Line order, longest first at one start: "mental health" is reported before "mental".
        matches.sort(key=lambda m: (m[1], m[1] - m[2]))
        if matches:
            # Character offsets from one array of (offset, length) per token: building a Span
            # per cue costs more than the whole array on a line with many cues.
            chars: list[list[int]] = doc.to_array(self._offset_attrs).tolist()
            for match_id, start, end in matches:
                last = chars[end - 1]
                found.append(CueMatch(self._cues[match_id], start, end, chars[start][0], sum(last)))
        pseudo = [m for m in found if m.cue.effect == "pseudo"]
        if not pseudo:
            return found
        return [
            m
            for m in found
            if m.cue.effect != "pseudo"
            and not any(p.start <= m.start and m.end <= p.end for p in pseudo)
        ]

    def terminated(self, doc: Doc, cue: CueRule, start: int, end: int) -> bool:
        """Return True when a terminator of ``cue`` stands in tokens ``[start, end)``.

        A cue's own ``terminators`` replace those of its category.
        """
        table = self._cue_terminators.get(cue.key) or self._terminators.get(cue.category)
        words, phrases = table or (frozenset(), ())
        if start >= end:
            return False
        gap = doc[start:end]
        if any(t.lower_ in words for t in gap):
            return True
        if phrases:
            text = f" {' '.join(t.lower_ for t in gap)} "
            return any(p in text for p in phrases)
        return False

    def effects(self, doc: Doc, hit: Hit, cues: Sequence[CueMatch]) -> list[Effect]:
        """Return the cues that affect one hit, in line order.

        Voiding and support cues that overlap the hit are part of the term itself ("crisis" in
        "crisis management") and are ignored; evidence-kind cues apply to the whole line
        ("Crisis Intervention Training" is a credential).

        Args:
            doc: The line doc.
            hit: The hit.
            cues: The cues of the line, from :meth:`find`.
        """
        out: list[Effect] = []
        for m in cues:
            cue = m.cue
            if cue.skill is not None and cue.skill != hit.skill:
                continue  # another skill's domain cue
            if cue.applies_to is not None and hit.concept not in cue.applies_to:
                continue
            if cue.applies_to_methods is not None and hit.method not in cue.applies_to_methods:
                continue
            if cue.effect in ("evidence", "withhold"):
                # Whole-line effects: an evidence kind, or a disclosure that withholds the line
                # (even a hit inside the disclosure's own words).
                out.append(Effect(cue.category, m))
                continue
            if m.start < hit.end and hit.start < m.end:
                continue
            if self._in_scope(doc, m, hit):
                out.append(Effect(cue.category, m))
        return out

    def _in_scope(self, doc: Doc, m: CueMatch, hit: Hit) -> bool:
        cue = m.cue
        before = m.end <= hit.start  # the cue precedes the hit
        if before and cue.direction == "backward":
            return False
        if not before and cue.direction == "forward":
            return False
        gap_start, gap_end = (m.end, hit.start) if before else (hit.end, m.start)
        if cue.scope is not None and gap_end - gap_start > cue.scope:
            return False
        if cue.effect == "void":
            return not self.terminated(doc, cue, gap_start, gap_end)
        return True


def hit_effects(finder: CueFinder, doc: Doc, hit: Hit, cues: Sequence[CueMatch]) -> list[Effect]:
    """Return the context effects on a hit; a rebuilt term is judged part by part.

    For an ordinary hit this is :meth:`CueFinder.effects`. For a term rebuilt from a
    coordination, the two parts are judged as hits of their own, and a cue inside the skipped
    conjunct applies even where it also overlaps a part: "crisis communications and
    de-escalation" keeps the out-of-domain cue on "crisis ... de-escalation".

    Args:
        finder: The screener's cue finder.
        doc: The line doc.
        hit: The hit.
        cues: The line's cues.
    """
    if hit.gap is None:
        return finder.effects(doc, hit, cues)
    g0, g1 = hit.gap
    order = {id(m): k for k, m in enumerate(cues)}
    chosen: dict[int, Effect] = {}

    def in_gap(m: CueMatch) -> bool:
        return m.start < g1 and g0 < m.end

    for part in (replace(hit, end=g0, gap=None), replace(hit, start=g1, gap=None)):
        for effect in finder.effects(doc, part, cues):
            m = effect.match
            on_term = (m.start < g0 and hit.start < m.end) or (m.start < hit.end and g1 < m.end)
            whole_line = m.cue.effect in ("evidence", "withhold")
            if on_term and not in_gap(m) and not whole_line:
                continue  # part of the term itself, as for an ordinary hit
            chosen.setdefault(id(m), effect)
    for m in cues:
        applies = (
            (m.cue.applies_to is None or hit.concept in m.cue.applies_to)
            and (m.cue.skill is None or m.cue.skill == hit.skill)
            and (m.cue.applies_to_methods is None or hit.method in m.cue.applies_to_methods)
        )
        if in_gap(m) and applies and id(m) not in chosen:
            chosen[id(m)] = Effect(m.cue.category, m)
    return sorted(chosen.values(), key=lambda e: order[id(e.match)])


def voided_cues(finder: CueFinder, doc: Doc, cues: Sequence[CueMatch]) -> frozenset[int]:
    """Evidence-kind and practice cues that a negation or plan covers ("no training yet").

    A cue is tested like a hit spanning it, so the same scopes and terminators apply.

    Returns:
        ``id()`` of each covered cue match.
    """
    if not any(m.cue.effect == "void" for m in cues):
        return frozenset()
    out = set()
    for m in cues:
        if m.cue.effect in ("void", "withhold"):
            continue
        probe = Hit(concept="", group=0, term="", method="exact", start=m.start, end=m.end)
        if any(
            e.match.cue.effect == "void" and e.match is not m
            for e in finder.effects(doc, probe, cues)
        ):
            out.add(id(m))
    return frozenset(out)
