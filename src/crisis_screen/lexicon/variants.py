"""Surface variants of lexicon terms, generated once when a matcher is built.

Inflections come from lemminflect's English dictionary (irregular and doubled forms included);
hyphen, spacing and spelling variants from the rules below.

Generating "crises", "de-escalated", "deescalation" and "counselling" up front, and matching
them on lower case, is both faster and more complete than lemmatising every resume token
(spaCy's lookup lemmatiser is case-sensitive and misses "Crisis Interventions").
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence

# Function words are never inflected ("respond to crisis" -> "responded to crises").
_FUNCTION_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "by",
        "for",
        "from",
        "in",
        "into",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "within",
        "without",
        "about",
        "over",
        "under",
        "after",
        "before",
        "between",
        "through",
        "during",
        "upon",
        "onto",
        "than",
        "but",
        "nor",
        "so",
        "if",
        "not",
        "no",
        "my",
        "your",
        "his",
        "her",
        "its",
        "our",
        "their",
        "me",
        "him",
        "us",
        "them",
        "you",
        "they",
        "we",
        "he",
        "she",
        "it",
        "this",
        "that",
        "these",
        "those",
        "who",
        "whom",
        "whose",
        "which",
        "what",
        "i",
    ]
)
_HYPHEN_BETWEEN_LETTERS = re.compile(r"(?<=[a-z])-(?=[a-z])")
# Cap per term: a four-word lemma term has at most 4**4 forms; beyond that it is noise.
_MAX_INFLECTED = 128


# Inflections looked up so far, by word: a memo that the start-up cache
# (:mod:`crisis_screen.lexicon.cache`) also fills, so a cached lexicon never loads lemminflect's
# tables. Bounded like the lru_cache it replaces (a hostile lexicon may hold a million words).
_FORMS: dict[str, tuple[str, ...]] = {}
_MAX_FORMS = 65536


def seed_forms(forms: Mapping[str, tuple[str, ...]]) -> None:
    """Take inflections found earlier (the start-up cache) instead of looking them up again."""
    for word, found in forms.items():
        if len(_FORMS) >= _MAX_FORMS:
            break
        _FORMS.setdefault(word, found)


def known_forms() -> dict[str, tuple[str, ...]]:
    """Return every inflection looked up or seeded in this process, by word."""
    return dict(_FORMS)


def _dictionary_forms(word: str) -> tuple[str, ...]:
    """Return every inflection lemminflect's dictionary knows for ``word`` (all parts of speech).

    A dictionary, not suffix rules: irregular and doubled forms come out right (commit ->
    committed, hold -> held, teach -> taught, counsel -> counselled and counseled).
    """
    found = _FORMS.get(word)
    if found is None:
        found = _lookup_forms(word)
        if len(_FORMS) < _MAX_FORMS:
            _FORMS[word] = found
    return found


def _lookup_forms(word: str) -> tuple[str, ...]:
    import lemminflect  # lazy: its tables load on first use, never at import

    found = dict(lemminflect.getAllInflections(word))
    known = bool(found)  # "nonviolent" is known, as an adjective with no other form
    if {f for forms in found.values() for f in forms} <= {word}:
        # An inflected form in the term ("calls"): the forms of its lemma ("call", "called",
        # "calling"). Regular endings are undone first; lemminflect's lemma table (a second,
        # slower table to load) is read only for the irregular rest ("held").
        for lemma in _regular_lemmas(word):
            forms = lemminflect.getAllInflections(lemma)
            if any(word in f for f in forms.values()):
                found.update(forms)
        if not known and not found:
            for upos, lemmas in lemminflect.getAllLemmas(word).items():
                for lemma in lemmas:
                    found.update(lemminflect.getAllInflections(lemma, upos=upos))
    return tuple(dict.fromkeys(f for forms in found.values() for f in forms))


def _regular_lemmas(word: str) -> list[str]:
    """Candidate lemmas of a regularly inflected word (checked against the dictionary)."""
    out = []
    for suffix, repl in (
        ("ies", "y"),
        ("ied", "y"),
        ("es", ""),
        ("s", ""),
        ("ed", ""),
        ("ed", "e"),
        ("ing", ""),
        ("ing", "e"),
    ):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            out.append(word[: -len(suffix)] + repl)
    # doubled consonants: "committed" -> "commit"
    if word.endswith(("ed", "ing")):
        stem = word[:-2] if word.endswith("ed") else word[:-3]
        if len(stem) > 3 and stem[-1] == stem[-2]:
            out.append(stem[:-1])
    return list(dict.fromkeys(out))


def word_forms(word: str) -> list[str]:
    """Return the word and its English inflections (plural/3sg, past, participle, gerund).

    Args:
        word: A lower-case word; a hyphenated word the dictionary does not know is inflected on
            its last part ("de-escalate" is known; "co-respond" goes by "respond").

    Returns:
        The distinct forms, the word itself first. A word the dictionary does not know keeps
        only itself (:func:`uninflectable` reports those).
    """
    if len(word) < 3 or word in _FUNCTION_WORDS or not word.replace("-", "").isalpha():
        return [word]
    forms = _dictionary_forms(word)
    if not forms and "-" in word:
        head, _, last = word.rpartition("-")
        return [f"{head}-{form}" for form in word_forms(last)]
    return list(dict.fromkeys([word, *forms]))


def uninflectable(phrase: str) -> list[str]:
    """Return the words of a lemma term that the inflection dictionary does not know.

    Such a word is matched only as written, so a lexicon check reports it: list its forms as
    phrases instead, or fix the spelling.

    Args:
        phrase: A lower-case phrase.
    """
    out = []
    for word in phrase.split():
        if len(word) < 3 or word in _FUNCTION_WORDS or not word.replace("-", "").isalpha():
            continue
        if word_forms(word) == [word] and not _dictionary_forms(word):
            out.append(word)
    return out


def inflections(phrase: str) -> list[str]:
    """Return the phrase with every combination of its words' inflected forms.

    Args:
        phrase: A lower-case phrase such as ``"respond to crisis"``.

    Returns:
        Distinct forms, the phrase itself first, at most ``_MAX_INFLECTED`` of them.
    """
    per_word = [word_forms(w) for w in phrase.split()]
    out = [
        " ".join(combo) for combo in itertools.islice(itertools.product(*per_word), _MAX_INFLECTED)
    ]
    return list(dict.fromkeys(out))


def hyphen_variants(phrase: str, *, all_gaps: bool = True) -> list[str]:
    """Return spacing variants: hyphens joined or spaced, and spaces hyphenated.

    ``"de-escalation"`` gives ``"deescalation"`` and ``"de escalation"``;
    ``"mental health response"`` gives ``"mental-health response"``,
    ``"mental health-response"`` and ``"mental-health-response"``.

    Args:
        phrase: A lower-case phrase.
        all_gaps: Hyphenate every combination of gaps (phrases of up to four words); when
            False only the all-hyphen form is added (used for the many inflected forms).

    Returns:
        Distinct variants, the phrase itself first.
    """
    out = [phrase]
    if _HYPHEN_BETWEEN_LETTERS.search(phrase):
        out.append(_HYPHEN_BETWEEN_LETTERS.sub("", phrase))
        out.append(_HYPHEN_BETWEEN_LETTERS.sub(" ", phrase))
    words = phrase.split(" ")
    if 2 <= len(words) <= 4 and all(w.isalpha() for w in words):
        if all_gaps:
            for seps in itertools.product((" ", "-"), repeat=len(words) - 1):
                out.append(
                    words[0] + "".join(sep + w for sep, w in zip(seps, words[1:], strict=True))
                )
        else:
            out.append("-".join(words))
    return list(dict.fromkeys(out))


def spelling_variants(phrase: str, pairs: Sequence[tuple[str, str]]) -> list[str]:
    """Return the phrase with each spelling pair swapped in both directions, word by word.

    Args:
        phrase: A lower-case phrase.
        pairs: Spelling pairs such as ``("counselling", "counseling")``.

    Returns:
        Distinct variants, the phrase itself first.
    """
    table: dict[str, str] = {}
    for a, b in pairs:
        table[a] = b
        table[b] = a
    words = phrase.split(" ")
    swapped = [table.get(w, w) for w in words]
    return list(dict.fromkeys([phrase, " ".join(swapped)]))


def expand(phrase: str, pairs: Sequence[tuple[str, str]], *, inflect: bool) -> dict[str, str]:
    """Return every surface variant of a term with how it relates to the term.

    Args:
        phrase: The lower-case term.
        pairs: Spelling pairs.
        inflect: Whether to add inflected forms.

    Returns:
        Mapping of variant text to method: ``"exact"`` for the term itself, ``"pattern"`` for
        spacing and spelling variants, ``"lemma"`` for inflected forms.
    """
    found: dict[str, str] = {phrase: "exact"}
    bases: Iterable[str] = inflections(phrase) if inflect else [phrase]
    for base in bases:
        base_method = "exact" if base == phrase else "lemma"
        for spelled in spelling_variants(base, pairs):
            for variant in hyphen_variants(spelled, all_gaps=base == phrase):
                method = (
                    base_method
                    if variant == base
                    else ("lemma" if base_method == "lemma" else "pattern")
                )
                found.setdefault(variant, method)
    return found
