"""Helpers every renderer shares: locating a match in its line, and wording a score change."""

from __future__ import annotations

from crisis_screen.models import Adjustment, Evidence
from crisis_screen.runs.records import ScanRecord

__all__ = ["adjustment_text", "counted_text", "fmt_score", "line_start", "match_span", "shorten"]


def match_span(evidence: Evidence, line_start: int | None = None) -> tuple[int, int] | None:
    """Locate an evidence match inside its line.

    Args:
        evidence: The evidence.
        line_start: Offset of the line in the document (``ScanRecord.line_starts``), or
            None/-1 when unknown.

    Returns:
        ``(start, end)`` within ``evidence.line``, or None when the text cannot be found.
    """
    line, text = evidence.line, evidence.text
    if line_start is not None and line_start >= 0:
        start = evidence.start - line_start
        end = evidence.end - line_start
        if 0 <= start <= end <= len(line) and line[start:end] == text:
            return start, end
    if not text:
        return None
    # Offsets unknown: take the occurrence of the matched text (case-insensitively as a
    # last resort, since the match keeps the document's case).
    found = line.find(text)
    if found < 0:
        found = line.lower().find(text.lower())
    return (found, found + len(text)) if found >= 0 else None


def fmt_score(value: float | None) -> str:
    """A score with one decimal, or an empty string."""
    return "" if value is None else f"{value:.1f}"


def adjustment_text(adj: Adjustment) -> str:
    """One line saying how a context rule changed a match's weight, and why."""
    cue = f' [cue: "{adj.cue}"]' if adj.cue else ""
    return f"{adj.kind} x{adj.factor:g}: {adj.reason}{cue}"


def shorten(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def counted_text(ev: Evidence) -> str:
    """``counted`` or ``not counted``."""
    return "counted" if ev.counted else "not counted"


def line_start(record: ScanRecord, index: int) -> int | None:
    """The document offset of evidence ``index``'s line, when the record has it."""
    return record.line_starts[index] if index < len(record.line_starts) else None
