"""Flat memory over millions of resumes: spaCy memory zones, shared safely by threads.

spaCy interns every new word of every tokenised line in its vocabulary and never frees it:
about 0.65 KB per resume with one new word, 0.65 GB per million. Inside a memory zone
(``Language.memory_zone``, spaCy 3.8) the strings, lexemes and tokenizer-cache entries created
are freed when the zone closes; what existed before (the lexicon's words, the matchers' keys)
stays.

Inside a zone spaCy's tokenizer caches nothing (a cached entry would point at freed words), so
every word is split by the prefix, suffix and infix rules each time it is seen: that made
tokenising four times slower. So the first words a screener meets are kept for good, outside any
zone, up to a budget (:data:`DEFAULT_PERMANENT_STRINGS`): the common words of resumes come first
and are cached, and the rare ones met later are freed. The budget is checked as each batch
starts, so the batch that crosses it keeps its own words too; memory then stays flat.

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

__all__ = ["ZoneKeeper", "DEFAULT_PERMANENT_STRINGS", "DEFAULT_ZONE_STRINGS"]

#: Strings a screener interns for good before it screens inside zones: about 6 MB with their
#: lexemes and tokenizer-cache entries, and the tokenizer's cache holds at most 10,000 chunks.
DEFAULT_PERMANENT_STRINGS = 10_000

#: Strings a zone may gather before it is closed at the next moment no batch is in flight:
#: large enough that closing (which also empties the tokenizer cache of the new words) is rare,
#: small enough that memory stays within a few MB.
DEFAULT_ZONE_STRINGS = 10_000


class ZoneKeeper:
    """Holds one spaCy memory zone open across batches, closing it when it is idle and full."""

    def __init__(
        self,
        nlp: Language,
        *,
        max_strings: int = DEFAULT_ZONE_STRINGS,
        permanent_strings: int = DEFAULT_PERMANENT_STRINGS,
    ) -> None:
        """Keep zones on ``nlp``'s vocabulary.

        Args:
            nlp: The pipeline the screener owns (not one a caller passed in, who may use zones
                of their own: zones must not nest).
            max_strings: Strings gathered before the zone is closed when idle.
            permanent_strings: Strings batches may intern for good (outside any zone) before
                zones are used.
        """
        self._nlp = nlp
        self._max = max_strings
        self._lock = threading.Lock()
        self._active = 0
        self._zone: contextlib.ExitStack | None = None
        self._opened_at = 0
        # Until the vocabulary has grown this far, batches run outside zones (see above).
        self._zones_from = len(nlp.vocab.strings) + permanent_strings
        self._zoning = permanent_strings <= 0

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Run a batch inside the zone (opened if none is), or outside zones while in budget."""
        with self._lock:
            if not self._zoning and len(self._nlp.vocab.strings) >= self._zones_from:
                self._zoning = True
            # A batch already running outside the zone is safe: the zone frees only what is
            # interned after it opens, and only once no batch (zoned or not) is in flight.
            if self._zoning and self._zone is None:
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
