"""What the screener accepts: the input types, and checks every resume text passes first."""

from __future__ import annotations

import re
from typing import TypeAlias

from crisis_screen.errors import LimitExceededError
from crisis_screen.models import Document

__all__ = ["MAX_TEXT_CHARS", "ScreenInput", "as_document", "wrong_type"]

#: What :meth:`Screener.screen_many` takes: a text, a ``(source, text)`` pair or a Document.
ScreenInput: TypeAlias = "str | tuple[str, str] | Document"


def as_document(item: ScreenInput, n: int) -> Document:
    """Return the checked Document for one input of :meth:`Screener.screen_many`.

    Args:
        item: The input.
        n: Its 1-based position, for the error message and the default source.

    Raises:
        TypeError: For anything but a str, a pair of str or a Document.
        LimitExceededError: When the text exceeds :data:`MAX_TEXT_CHARS`.
    """
    if isinstance(item, Document):
        document = item
    elif isinstance(item, str):
        document = Document(text=item, source=f"<text {n}>")
    elif (
        isinstance(item, tuple)
        and len(item) == 2
        and isinstance(item[0], str)
        and isinstance(item[1], str)
    ):
        source, text = item
        document = Document(text=text, source=source)
    else:
        raise TypeError(
            f"screen_many item {n}: expected str, (source, text) of str or Document, "
            f"got {_type_name(item)}"
        )
    return _checked(document)


def _type_name(item: object) -> str:
    if isinstance(item, tuple):
        return "(" + ", ".join(type(x).__name__ for x in item) + ")"
    return type(item).__name__


def wrong_type(call: str, value: object) -> str:
    """Return the TypeError message for a non-str text given to ``call``."""
    hint = "; pass file contents to screen_bytes" if isinstance(value, (bytes, bytearray)) else ""
    return f"{call} expects str, not {type(value).__name__}{hint}"


#: Most characters of one resume's text: the cap files get from ``ExtractionLimits.max_chars``,
#: for text passed in directly too (beyond it spaCy's own limit would fail deep inside).
MAX_TEXT_CHARS = 2_000_000

# Lone surrogates (from ``surrogateescape`` decoding or a broken JSON "\ud800") cannot be
# encoded, and spaCy's string store encodes every word.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _checked(document: Document) -> Document:
    """Refuse text over the cap; replace lone surrogates (same length, so offsets hold)."""
    text = document.text
    if len(text) > MAX_TEXT_CHARS:
        raise LimitExceededError(
            document.source,
            f"text of {len(text):,} characters exceeds the {MAX_TEXT_CHARS:,}-character cap",
        )
    if text.isascii():
        return document
    try:
        # Encoding fails exactly on a lone surrogate, and runs about 8 times faster than a
        # regex search of the text for one (3 against 27 microseconds for a resume).
        text.encode("utf-8")
    except UnicodeEncodeError:
        return document.model_copy(update={"text": _SURROGATE.sub("\ufffd", text)})
    return document
