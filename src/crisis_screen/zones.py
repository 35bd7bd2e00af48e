"""Flat memory over millions of resumes: spaCy memory zones, shared safely by threads.

spaCy interns every new word of every tokenised line in its vocabulary and never frees it:
about 0.65 KB per resume with one new word, 0.65 GB per million. Inside a memory zone
(``Language.memory_zone``, spaCy 3.8) the strings, lexemes and tokenizer-cache entries created
are freed when the zone closes; what existed before (the lexicon's words, the matchers' keys)
stays.

A zone is global to the vocabulary and zones must not nest, while one screener serves many
threads. So the screener holds one zone open while any batch is in flight and closes it only
when none is, once enough has been added to be worth freeing: memory stays bounded on a busy
service too (it is freed at the next quiet moment). Nothing made inside a zone may outlive it:
the screener copies what it reports out of spaCy's docs into plain strings and numbers.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

__all__ = ["ZoneKeeper", "DEFAULT_ZONE_STRINGS"]

#: Strings a zone may gather before it is closed at the next moment no batch is in flight:
#: large enough that closing (which also empties the tokenizer cache of the new words) is rare,
#: small enough that memory stays within a few MB.
DEFAULT_ZONE_STRINGS = 10_000


class ZoneKeeper:
    """Holds one spaCy memory zone open across batches, closing it when it is idle and full."""

    def __init__(self, nlp: Language, *, max_strings: int = DEFAULT_ZONE_STRINGS) -> None:
        """Keep zones on ``nlp``'s vocabulary.

        Args:
            nlp: The pipeline the screener owns (not one a caller passed in, who may use zones
                of their own: zones must not nest).
            max_strings: Strings gathered before the zone is closed when idle.
        """
        self._nlp = nlp
        self._max = max_strings
        self._lock = threading.Lock()
        self._active = 0
        self._zone: contextlib.ExitStack | None = None
        self._opened_at = 0

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Run a batch inside the zone (opened if none is)."""
        with self._lock:
            if self._zone is None:
                stack = contextlib.ExitStack()
                stack.enter_context(self._nlp.memory_zone())
                self._zone = stack
                self._opened_at = len(self._nlp.vocab.strings)
            self._active += 1
        try:
            yield
        finally:
            with self._lock:
                self._active -= 1
                grown = len(self._nlp.vocab.strings) - self._opened_at
                if self._active == 0 and self._zone is not None and grown >= self._max:
                    self._zone.close()
                    self._zone = None

    def close(self) -> None:
        """Close the zone if no batch is in flight (frees what it gathered)."""
        with self._lock:
            if self._active == 0 and self._zone is not None:
                self._zone.close()
                self._zone = None
