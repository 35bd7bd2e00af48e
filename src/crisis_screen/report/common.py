"""Helpers every renderer shares: locating a match, wording a score change, tier and "why"."""

from __future__ import annotations

import re

from crisis_screen.models import Adjustment, Evidence
from crisis_screen.runs.records import ScanRecord

__all__ = [
    "TIER_LABELS",
    "adjustment_text",
    "changes_something",
    "counted_text",
    "fmt_score",
    "line_start",
    "match_span",
    "shorten",
    "strip_bidi",
    "why",
]

#: How each tier is named to a reader, strongest first.
TIER_LABELS: dict[str, str] = {
    "strong": "Strong",
    "moderate": "Moderate",
    "claim_only": "Keywords only",
    "none": "None",
}

#: Adjustments that decide a tier although their factor is 1: the line shapes of a claim.
_SHAPE_KINDS = frozenset({"claim", "keyword_block", "list_line"})

#: Bidirectional embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069):
#: in a report they can make a file name or a line read in another order than it is written.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


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


def strip_bidi(text: str) -> str:
    """Remove bidirectional embedding, override and isolate controls from ``text``."""
    return _BIDI.sub("", text)


def changes_something(adj: Adjustment) -> bool:
    """True when an adjustment changes the weight, or marks the claim shape of a line.

    ``evidence_kind``, ``supported`` and ``kind_voided`` with factor 1 only note what the
    evidence's kinds already say; a report leaves them out of its default view.
    """
    return adj.factor != 1.0 or adj.kind in _SHAPE_KINDS


def _names(record: ScanRecord) -> dict[str, str]:
    return {ev.concept: ev.concept_name for ev in record.evidence if ev.concept_name}


def why(record: ScanRecord) -> str:
    """One sentence saying why a screened record got its tier (empty for error records)."""
    summary = record.summary
    if summary is None:
        return ""
    if summary.tier == "strong":
        return f"Describes crisis work in {summary.practice_lines} experience line(s)."
    if summary.tier == "moderate":
        if summary.practice_lines:
            return "Describes crisis work in one experience line."
        trained = _training(record)
        if trained:
            return f"Names training or a credential: {trained}."
        return "Mentions crisis work without describing it."
    if summary.tier == "claim_only":
        if any(r.startswith("keyword stuffing") for r in summary.reasons):
            return "Only names the skill, in a stuffed keyword list."
        return "Only names the skill (lists, keywords, summary), never describes it."
    if record.evidence:
        return f"No counted evidence: {len(record.evidence)} match(es) set aside by context."
    return "No mention of the skill."


def _training(record: ScanRecord) -> str:
    """The concept names of the "training or credential" reason, in the lexicon's words."""
    reasons = record.summary.reasons if record.summary is not None else ()
    reason = next((r for r in reasons if r.startswith("training or credential: ")), None)
    if reason is None:
        return ""
    names = _names(record)
    ids = [c.strip() for c in reason.split(": ", 1)[1].split(",")]
    return ", ".join(names.get(c, c.replace("_", " ")) for c in ids)
