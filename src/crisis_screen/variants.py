"""Surface variants of lexicon terms, generated once when a matcher is built.

Generating "crises", "de-escalated", "deescalation" and "counselling" up front, and matching
them on lower case, is both faster and more complete than lemmatising every resume token
(spaCy's lookup lemmatiser is case-sensitive and misses "Crisis Interventions").
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence

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
    ]
)
_HYPHEN_BETWEEN_LETTERS = re.compile(r"(?<=[a-z])-(?=[a-z])")
# Cap per term: a four-word lemma term has at most 4**4 forms; beyond that it is noise.
_MAX_INFLECTED = 128


def word_forms(word: str) -> list[str]:
    """Return the word and its regular English inflections (plural/3sg, past, gerund).

    Args:
        word: A lower-case word; hyphenated words are inflected on their last part.

    Returns:
        The distinct forms, the word itself first.
    """
    if "-" in word:
        head, _, last = word.rpartition("-")
        return [f"{head}-{form}" for form in word_forms(last)]
    if len(word) < 3 or word in _FUNCTION_WORDS or not word.isalpha():
        return [word]
    forms = [word]
    if word.endswith("sis"):  # crisis -> crises, psychosis -> psychoses
        forms.append(word[:-3] + "ses")
        return forms
    if word.endswith(("s", "x", "z", "ch", "sh")):
        forms.append(word + "es")
    elif word.endswith("y") and word[-2] not in "aeiou":
        forms.append(word[:-1] + "ies")
    else:
        forms.append(word + "s")
    if word.endswith("e"):
        forms += [word + "d", word[:-1] + "ing"]
    elif word.endswith("y") and word[-2] not in "aeiou":
        forms += [word[:-1] + "ied", word + "ing"]
    else:
        forms += [word + "ed", word + "ing"]
    return list(dict.fromkeys(forms))


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
