"""RTF reading with striprtf."""

from __future__ import annotations

import re

from crisis_screen.errors import CorruptDocumentError
from crisis_screen.extract.limits import Budget
from crisis_screen.extract.text import tidy_lines

__all__ = ["read_rtf"]

_ANSICPG_RE = re.compile(rb"\\ansicpg(\d{3,5})")


def read_rtf(data: bytes, budget: Budget) -> str:
    r"""Extract the text of an RTF document.

    RTF is 7-bit ASCII with ``\'xx`` escapes in the code page the header declares
    (``\ansicpg``, Windows-1252 when absent); ``\uN`` escapes carry other characters.

    Args:
        data: The RTF bytes.
        budget: Source name, limits and deadline.

    Returns:
        The text, one paragraph per line.

    Raises:
        CorruptDocumentError: striprtf cannot process the document.
    """
    from striprtf.striprtf import rtf_to_text

    match = _ANSICPG_RE.search(data[:4096])
    encoding = f"cp{int(match.group(1))}" if match else "cp1252"
    try:
        "".encode(encoding)
    except LookupError:
        encoding = "cp1252"
    raw = data.decode("latin-1")  # byte-transparent; striprtf applies the code page
    budget.check()
    try:
        text: str = rtf_to_text(raw, encoding=encoding, errors="replace")  # type: ignore[no-untyped-call]
    except (ValueError, IndexError, KeyError, UnicodeError, OverflowError):
        raise CorruptDocumentError(budget.source, "damaged RTF document") from None
    budget.check()
    return tidy_lines([text])
