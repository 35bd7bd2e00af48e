"""Coordination: terms whose modifier or head is shared by conjuncts.

"psychiatric and medical emergencies" shows the term "psychiatric emergencies", "suicide
prevention and intervention" shows "suicide intervention", "crisis, grief and trauma
counselling" shows "crisis counselling". The lexicon lists each term once; this stage rebuilds
the elided term from a coordination on the line and looks it up among the lexicon's phrase and
lemma variants by the same ``NORM`` keys the PhraseMatcher uses (typo corrections included), so
no combination is ever listed in the lexicon.

A coordination is a chain of short modifier runs (alphabetic or numeric words, hyphenated
compounds, no function words, no punctuation but the joining ones) joined by "and", "or", "&",
"/", "and/or" or commas:

- shared head: ``X CONJ Y H`` gives ``X H`` (``X`` ends a conjunct, ``Y`` is skipped);
- shared left modifier: ``X H1 CONJ H2`` gives ``X H2``.

A reconstructed hit spans from ``X`` to the end of its head, so its text is still an exact slice
of the document, and records the skipped tokens as its ``gap``; context cues inside the gap
apply to it (:func:`hit_effects`). Only a real lexicon term is ever produced, and a chain joined
by commas alone must have three conjuncts ("mood, suicide, safety risk") to count as one:
"crisis, customer services" is a list, not a shared head.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crisis_screen.fuzzy import TypoCorrector
from crisis_screen.models import Hit

if TYPE_CHECKING:
    from spacy.tokens import Doc
    from spacy.vocab import Vocab


#: Tokens that join conjuncts; the first five are real conjunctions, a comma alone is not.
CONJUNCTIONS = ("and", "or", "&", "/", "and/or", ",")
#: Longest modifier run (in words) that may stand as ``X``, as a skipped conjunct or as ``H1``.
MAX_WORDS = 3
#: How many conjuncts away from ``X`` its shared head or modifier may be found.
MAX_CONJUNCTS = 5
#: Stop words at least this long that are words of a lexicon term are modifiers here
#: ("first" in "first responder"); shorter ones ("in", "to", "with") never are.
_CONTENT_STOP_MIN = 5

# Tokens before a joint within which a rebuilt term must begin (X and H1, hyphens counted).
_REACH = 3 * MAX_WORDS
# Bound on the word-class cache, to keep memory flat on huge batches.
_MAX_CACHE = 200_000

# Token classes.
_MOD, _HYPHEN, _CONJ, _OTHER = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class _Segment:
    """A run of modifier words: ``words`` are ``(first token, one past last token)``."""

    words: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class _Chain:
    segments: tuple[_Segment, ...]
    real: bool  # joined by at least one real conjunction (not commas only)


@dataclass(frozen=True, slots=True)
class _Candidate:
    skill: str
    concept: str
    group: int
    term: str
    start: int
    end: int
    gap: tuple[int, int]
    rank: tuple[int, int]  # (words skipped, -term tokens): smaller is the closer reading


class Coordinator:
    """Rebuild lexicon terms elided by coordination on a line (built once per matcher)."""

    def __init__(
        self,
        vocab: Vocab,
        terms: Iterable[tuple[tuple[int, ...], str, str, int, str]],
        *,
        lexicon_words: Collection[str],
        fuzzy_groups: Collection[tuple[str, str, int]],
        ambiguous_groups: Collection[tuple[str, str, int]] = (),
    ) -> None:
        """Index the lexicon's term variants by their ``NORM`` keys.

        Args:
            vocab: The pipeline vocabulary (string hashes).
            terms: ``(norm keys, skill, concept, group, term)`` of every phrase and lemma variant.
            lexicon_words: Lower-case words of the lexicon's terms.
            fuzzy_groups: ``(skill, concept, group)`` of the fuzzy-enabled term groups.
            ambiguous_groups: ``(skill, concept, group)`` of the term groups that need a supporting
                cue (``requires``); a coordination overlapping one of their hits may be that
                other sense ("crisis management and response" in a business résumé), so no
                term is rebuilt over it.
        """
        from spacy.attrs import NORM
        from spacy.lang.en.stop_words import STOP_WORDS

        # Held, not imported per call: an import statement costs 1.6 us a line.
        self._norm_attr = NORM

        strings = vocab.strings
        self._terms: dict[tuple[int, ...], tuple[str, str, int, str]] = {}
        self._prefixes: set[tuple[int, ...]] = set()
        for norms, skill, concept, group, term in terms:
            if len(norms) < 2:
                continue  # a one-token term cannot be split by a coordination
            self._terms.setdefault(norms, (skill, concept, group, term))
            for k in range(1, len(norms)):
                self._prefixes.add(norms[:k])
        # First word of each term -> the words that follow it in some term: a rebuilt term needs
        # one before a joint and one after it, a test that rules out most lines at once.
        followers: dict[int, set[int]] = {}
        for key in self._terms:
            followers.setdefault(key[0], set()).update(key[1:])
        self._followers = {k: frozenset(v) for k, v in followers.items()}
        self._longest = max((len(k) for k in self._terms), default=0)
        self._conj = {strings.add(w) for w in CONJUNCTIONS}
        self._real = {strings.add(w) for w in CONJUNCTIONS if w != ","}
        content = {w for w in lexicon_words if len(w) >= _CONTENT_STOP_MIN}
        self._function = {strings.add(w) for w in STOP_WORDS if w not in content}
        self._fuzzy = frozenset(fuzzy_groups)
        self._strings = strings
        self._classes: dict[int, int] = {}
        self._ambiguous = frozenset(ambiguous_groups)

    def __bool__(self) -> bool:
        """Whether the lexicon has any term a coordination could elide."""
        return bool(self._terms)

    def find(self, doc: Doc, kept: Sequence[Hit], corrected: Collection[int]) -> list[Hit]:
        """Return the terms rebuilt from coordinations on a line, not already evidenced.

        Args:
            doc: The line doc (typo corrections already applied to its norms).
            kept: The line's ordinary hits, overlaps resolved.
            corrected: Indices of typo-corrected tokens.

        Returns:
            New hits (method ``pattern``, or ``fuzzy`` when a corrected word took part), in
            token order. A rebuilt term is dropped when an ordinary hit of the same concept
            overlaps it or an ordinary hit covers it: the line shows it already.
        """
        # One array of word ids serves every test: a joint's or a function word's NORM is its
        # lower-case form, and a corrected typo's NORM is the lexicon word it stands for.
        norms: list[int] = doc.to_array(self._norm_attr).tolist()
        conj = self._conj
        joints = [i for i, h in enumerate(norms) if h in conj]
        if not self._promising(norms, joints):
            return []
        classes = [self._class(h) for h in norms]
        real = {i for i in joints if norms[i] in self._real}
        candidates: list[_Candidate] = []
        for chain in _chains(classes, real):
            candidates.extend(self._shared_head(chain, norms))
            if chain.real:
                candidates.extend(self._shared_left(chain, norms))
        if not candidates:
            return []
        ambiguous = [h for h in kept if (h.skill, h.concept, h.group) in self._ambiguous]
        out: list[Hit] = []
        for c in sorted(candidates, key=lambda c: (c.rank, c.start)):
            if any(h.start < c.end and c.start < h.end for h in ambiguous):
                continue
            if any(
                (
                    h.concept == c.concept
                    and h.skill == c.skill
                    and h.start < c.end
                    and c.start < h.end
                )
                or (h.start <= c.start and c.end <= h.end)
                for h in (*kept, *out)
            ):
                continue
            hit = self._hit(doc, c, corrected)
            if hit is not None:
                out.append(hit)
        out.sort(key=lambda h: h.start)
        return out

    def _promising(self, norms: list[int], joints: list[int]) -> bool:
        """Whether a term's first word stands shortly before a joint and a later word after."""
        followers = self._followers
        for j in joints:
            after: set[int] | None = None
            for first in norms[max(0, j - _REACH) : j]:
                nexts = followers.get(first)
                if nexts is not None:
                    if after is None:
                        after = set(norms[j + 1 : j + 1 + 2 * _REACH])
                    if not nexts.isdisjoint(after):
                        return True
        return False

    def _class(self, norm: int) -> int:
        """Return the token class of a word id (cached: a line's words repeat across lines)."""
        cls = self._classes.get(norm)
        if cls is None:
            word = self._strings[norm]
            if norm in self._conj:
                cls = _CONJ
            elif word == "-":
                cls = _HYPHEN
            elif word.isalnum() and norm not in self._function:
                cls = _MOD
            else:
                cls = _OTHER
            if len(self._classes) >= _MAX_CACHE:
                self._classes.clear()
            self._classes[norm] = cls
        return cls

    def _shared_head(self, chain: _Chain, norms: list[int]) -> Iterable[_Candidate]:
        """``X CONJ Y H`` -> ``X H``: a suffix of a conjunct, the head after a later ``Y``."""
        segments = chain.segments
        if len(segments) < 3 and not chain.real:
            return
        for i, segment in enumerate(segments[:-1]):
            words = segment.words
            for n in range(1, min(MAX_WORDS, len(words)) + 1):
                x_start, x_end = words[-n][0], words[-1][1]
                best: _Candidate | None = None
                for later in segments[i + 1 : i + MAX_CONJUNCTS]:
                    last = later.words
                    for skip in range(1, min(MAX_WORDS, len(last) - 1) + 1):
                        head = last[skip][0]
                        found = self._extend(norms, x_start, x_end, head, len(norms))
                        if found is not None:
                            term, end = found
                            c = self._candidate(term, x_start, end, (x_end, head), skip)
                            if best is None or c.rank < best.rank:
                                best = c
                    if best is not None:
                        break  # the nearest conjunct with a head is the reading
                if best is not None:
                    yield best

    def _shared_left(self, chain: _Chain, norms: list[int]) -> Iterable[_Candidate]:
        """``X H1 CONJ H2`` -> ``X H2``: a modifier of the first conjunct, a later head.

        The first conjunct ``X H1`` must be a lexicon term itself: in "suicide prevention and
        postvention" the lexicon knows "suicide" as a modifier of such activities, while in
        "mental health and crisis services" "mental health" is a compound of its own and
        "mental" is not shared.
        """
        segments = chain.segments[:MAX_CONJUNCTS]
        first = segments[0].words
        first_end = first[-1][1]
        for n_h1 in range(1, min(MAX_WORDS, len(first) - 1) + 1):
            x_end = first[-n_h1][0]
            for n_x in range(1, min(MAX_WORDS, len(first) - n_h1) + 1):
                x_start = first[-n_h1 - n_x][0]
                if tuple(norms[x_start:first_end]) not in self._terms:
                    continue
                for segment in segments[1:]:
                    head, head_end = segment.words[0][0], segment.words[-1][1]
                    found = self._extend(norms, x_start, x_end, head, head_end)
                    if found is not None:
                        term, end = found
                        yield self._candidate(term, x_start, end, (x_end, head), n_h1)

    def _extend(
        self, norms: list[int], x_start: int, x_end: int, head: int, limit: int
    ) -> tuple[tuple[str, str, int, str], int] | None:
        """Return the longest term ``norms[x_start:x_end] + norms[head:k]`` (k <= limit)."""
        key = tuple(norms[x_start:x_end])
        if key not in self._prefixes:
            return None
        found: tuple[tuple[str, str, int, str], int] | None = None
        room = self._longest - len(key)
        for k in range(head, min(limit, head + room)):
            key = (*key, norms[k])
            entry = self._terms.get(key)
            if entry is not None:
                found = (entry, k + 1)
            if key not in self._prefixes:
                break
        return found

    @staticmethod
    def _candidate(
        entry: tuple[str, str, int, str],
        start: int,
        end: int,
        gap: tuple[int, int],
        skipped: int,
    ) -> _Candidate:
        skill, concept, group, term = entry
        size = (gap[0] - start) + (end - gap[1])
        return _Candidate(skill, concept, group, term, start, end, gap, (skipped, -size))

    def _hit(self, doc: Doc, c: _Candidate, corrected: Collection[int]) -> Hit | None:
        parts = [*range(c.start, c.gap[0]), *range(c.gap[1], c.end)]
        if not any(i in corrected for i in parts):
            return Hit(
                c.concept, c.group, c.term, "pattern", c.start, c.end, skill=c.skill, gap=c.gap
            )
        # As for phrase hits: a corrected word needs a fuzzy group and one exact word.
        if (c.skill, c.concept, c.group) not in self._fuzzy or not any(
            doc[i].is_alpha and i not in corrected for i in parts
        ):
            return None
        text = f"{doc[c.start : c.gap[0]].text} {doc[c.gap[1] : c.end].text}".lower()
        similarity = TypoCorrector.similarity(text, c.term.lower())
        return Hit(
            c.concept, c.group, c.term, "fuzzy", c.start, c.end, similarity, c.skill, gap=c.gap
        )


def _chains(classes: Sequence[int], real: Collection[int]) -> list[_Chain]:
    """Split a line's token classes into coordination chains of two or more conjuncts.

    Args:
        classes: The class of every token (modifier, hyphen, conjunction, other).
        real: Indices of the tokens that are real conjunctions (not commas).
    """
    # Words first: a modifier, or modifiers joined by hyphens ("self-harm"); then runs of
    # conjunction tokens (", and", "and /or") as one joint.
    elements: list[tuple[int, int, int]] = []  # (class, start, end)
    n = len(classes)
    i = 0
    while i < n:
        cls = classes[i]
        j = i + 1
        if cls == _MOD:
            while j + 1 < n and classes[j] == _HYPHEN and classes[j + 1] == _MOD:
                j += 2
        elif cls == _CONJ:
            while j < n and classes[j] == _CONJ:
                j += 1
        else:
            cls = _OTHER
        elements.append((cls, i, j))
        i = j
    chains: list[_Chain] = []
    segments: list[_Segment] = []
    words: list[tuple[int, int]] = []
    joined_real = False
    joint: bool | None = None  # a joint seen after the last segment: is it a real one?

    def close() -> None:
        nonlocal segments, joined_real, joint
        if len(segments) >= 2:
            chains.append(_Chain(tuple(segments), joined_real))
        segments, joined_real, joint = [], False, None

    for cls, start, end in elements:
        if cls == _MOD:
            if not words and joint is not None:
                joined_real = joined_real or joint
                joint = None
            words.append((start, end))
        elif cls == _CONJ and words:
            segment = _Segment(tuple(words))
            words = []
            if segments and len(segment.words) > MAX_WORDS:
                # A long inner conjunct is no modifier run: it ends one chain and starts one.
                segments.append(segment)
                close()
            segments.append(segment)
            joint = any(k in real for k in range(start, end))
        else:
            # Punctuation, a function word or a joint with no conjunct before it ends a chain.
            if words:
                segments.append(_Segment(tuple(words)))
                words = []
            close()
    if words:
        segments.append(_Segment(tuple(words)))
    close()
    return chains
