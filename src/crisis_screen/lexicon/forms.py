"""How the line gate and the pattern matcher see a term: shared by the lexicon and the matchers.

Pure functions on strings and token patterns, so the lexicon can derive its gate anchors and
check them without importing the matching stage (which imports the lexicon).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

_WORD = re.compile(r"\w+")
_TEXT_KEYS = ("LOWER", "ORTH", "NORM", "TEXT")


def gate_form(text: str) -> str:
    """Return text as the gate sees it: lower case, hyphens as spaces (same length).

    Used to check anchors against terms; the gate itself gets the same effect by holding every
    hyphenation of each anchor, which saves a copy of every resume.
    """
    return text.lower().replace("-", " ")


def pattern_trigger(pattern: Sequence[dict[str, Any]]) -> tuple[frozenset[str], ...]:
    """Return the word sets a line must intersect, every one of them, for ``pattern`` to match.

    Each mandatory token (no ``OP``, or ``OP: "+"``) whose LOWER/ORTH/NORM/TEXT value or ``IN``
    list names words gives one set (a value with no word character, such as ``"/"``, gives none).
    Tokens tested otherwise (``LIKE_NUM``, ``IS_PUNCT``) add no condition, so the test never
    rules out a line the pattern could match.
    """
    sets: list[frozenset[str]] = []
    for spec in pattern:
        if spec.get("OP") not in (None, "+"):
            continue
        for key in _TEXT_KEYS:
            value = spec.get(key)
            words: frozenset[str] | None = None
            if isinstance(value, str):
                words = frozenset({value.lower()})
            elif isinstance(value, dict) and isinstance(value.get("IN"), list):
                words = frozenset(str(v).lower() for v in value["IN"])
            if words is not None:
                # "self-harming" is never one token; its parts still bound the line's words.
                parts = [_WORD.findall(w) for w in words]
                if all(parts):
                    sets.append(frozenset(p for ps in parts for p in ps))
                break
    return tuple(sets)
