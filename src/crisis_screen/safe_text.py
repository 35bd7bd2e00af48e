r"""Text made safe to show: for terminals, spreadsheets and logs, and file names of any bytes.

Resume text and file names are untrusted. Printed raw, an escape sequence can retitle a window
(OSC 0), clear the screen (``ESC[2J``) or rewrite what a reviewer reads, and a bidi override
can reorder a line; in a spreadsheet, a cell starting with ``=`` runs as a formula. Every
renderer of crisis_screen passes text through this module first:

- :func:`escape_controls` writes each unsafe character as a visible escape (``\x1b``,
  ``\u202e``): C0 controls (tab and newline kept on request), DEL, C1 controls, the bidi
  embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) and lone surrogates. A
  surrogate U+DC80-U+DCFF is an undecodable byte of a file name (``os.fsdecode``): it is
  written as that byte, ``\xff``. Escaping rather than deleting keeps the evidence auditable.
- :func:`one_line` escapes tab and newline too: file names and warnings on one line.
- :func:`csv_cell` escapes controls and neutralises formulas (CSV injection).
- :func:`record_name` turns a path into what a JSON record can hold: the name with undecodable
  bytes escaped, and the exact bytes in hex when escaping was needed.

Escaping is idempotent: the escapes are plain ASCII, so text escaped twice reads the same.
"""

from __future__ import annotations

import functools
import os
import re

__all__ = [
    "CSV_FORMULA_START",
    "csv_cell",
    "escape_controls",
    "has_surrogates",
    "one_line",
    "record_name",
    "source_path",
]

#: First characters that make a spreadsheet read a cell as a formula (or run DDE); a cell
#: starting with one is prefixed with an apostrophe. ``-`` is among them: Excel reads
#: ``- item`` as a formula too.
CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")

# Everything escaped, as regex ranges: C0 and DEL/C1, bidi embeddings/overrides, isolates,
# surrogates. Tab and newline are removed from the class when the caller keeps them.
_UNSAFE_RANGES = "\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_SURROGATE = re.compile("[\ud800-\udfff]")


@functools.lru_cache(maxsize=8)
def _unsafe(keep: str) -> re.Pattern[str]:
    kept = "".join(re.escape(ch) for ch in keep)
    return re.compile(f"(?![{kept}])[{_UNSAFE_RANGES}]" if kept else f"[{_UNSAFE_RANGES}]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"  # the byte os.fsdecode could not decode
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str, *, keep: str = "\t\n") -> str:
    """Write every control, bidi and surrogate character of ``text`` as a visible escape.

    Args:
        text: Untrusted text (resume text, a file name, a reason).
        keep: Characters to leave as they are (tab and newline by default).

    Returns:
        The text, unchanged when it holds nothing unsafe.
    """
    pattern = _unsafe(keep)
    if pattern.search(text) is None:
        return text
    return pattern.sub(_escape, text)


def one_line(text: str) -> str:
    """:func:`escape_controls` keeping nothing: safe for one line of a terminal or a log."""
    return escape_controls(text, keep="")


def has_surrogates(text: str) -> bool:
    """Tell whether ``text`` holds lone surrogates (it then cannot be encoded as UTF-8)."""
    return not text.isascii() and _SURROGATE.search(text) is not None


def csv_cell(text: str) -> str:
    """A CSV cell safe to open in a spreadsheet: controls escaped, formulas neutralised.

    Tab and newline are kept (the CSV writer quotes them). A cell starting with ``=``, ``+``,
    ``-``, ``@``, a tab or a line break is prefixed with ``'`` so it reads as text; a lone
    ``-`` stays as it is.
    """
    cell = escape_controls(text)
    if cell.startswith(CSV_FORMULA_START) and cell != "-":
        return "'" + cell
    return cell


def record_name(path: str) -> tuple[str, str | None]:
    r"""What a JSON record holds for a path: ``(source, source_hex)``.

    A path that is valid Unicode is kept as it is, with no hex. A path holding undecodable
    bytes (lone surrogates from ``os.fsdecode``) is shown with each such byte as ``\xNN``
    (other lone surrogates as ``\uXXXX``), and its exact bytes are given in hex, so the file
    can still be found: ``os.fsdecode(bytes.fromhex(source_hex))`` is the original path.

    Args:
        path: The path as walked or given.

    Returns:
        The printable source and the hex of its bytes (None when nothing was escaped).
    """
    if not has_surrogates(path):
        return path, None
    shown = _SURROGATE.sub(_escape, path)
    try:
        raw: str | None = os.fsencode(path).hex()
    except UnicodeError:
        raw = None  # surrogates that are no bytes of a file name (a label given in memory)
    return shown, raw


def source_path(source: str, source_hex: str | None) -> str:
    """The path a record names: the inverse of :func:`record_name`.

    Args:
        source: The record's ``source``.
        source_hex: The record's ``source_hex`` (None for names that are valid Unicode).

    Returns:
        The path as ``os.fsdecode`` gives it (with surrogate escapes for undecodable bytes).
    """
    if source_hex is None:
        return source
    return os.fsdecode(bytes.fromhex(source_hex))
