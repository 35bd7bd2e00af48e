"""The plain-text explanation of one resume (``crisis-screen explain``).

Resume text, file names and lexicon words are untrusted: every line of the explanation goes
through :func:`crisis_screen.safe_text.escape_controls` (tabs kept), so escape sequences and
bidi overrides show as visible escapes and the caret still stands under the match.
"""

from __future__ import annotations

from crisis_screen.report.common import (
    adjustment_text,
    counted_text,
    fmt_score,
    line_start,
    match_span,
)
from crisis_screen.runs.records import ScanRecord
from crisis_screen.safe_text import escape_controls


def _safe(text: str) -> str:
    return escape_controls(text, keep="\t")


__all__ = ["render_explain"]


def render_explain(record: ScanRecord) -> str:
    """Explain one resume's result in plain text: every match, why it counts, the score.

    Args:
        record: The record of the resume (see :func:`crisis_screen.batch.screen_file_record`).

    Returns:
        The explanation, ending with a newline.
    """
    out: list[str] = [record.source]
    if not record.ok:
        out.append(f"  not screened: {record.error_type}: {record.error}")
        return "\n".join(_safe(line) for line in out) + "\n"
    verdict = "FLAGGED" if record.flagged else "not flagged"
    out.append(
        f"  score {fmt_score(record.score)} / 100, threshold {fmt_score(record.threshold)}:"
        f" {verdict}"
    )
    v = record.versions
    out.append(
        f"  format {record.format}; lexicon {v.lexicon}; scoring {v.scoring}; "
        f"crisis_screen {v.library}"
    )
    counted = sum(1 for e in record.evidence if e.counted)
    out.append("")
    out.append(
        f"Evidence: {len(record.evidence)} match(es), {counted} counted"
        + ("" if record.evidence else " - nothing in this resume matches the skill")
    )
    for index, ev in enumerate(record.evidence):
        where = f"line {ev.line_no}" + (f", page {ev.page}" if ev.page else "") + f", {ev.section}"
        out.append("")
        out.append(f"  {where}:")
        out.append(f"    | {_safe(ev.line)}")
        span = match_span(ev, line_start(record, index))
        if span is not None:
            # Caret under the match, measured on the line as shown (escapes are wider than
            # what they stand for); tabs kept so the marker lines up with the line above.
            before, match = _safe(ev.line[: span[0]]), _safe(ev.line[span[0] : span[1]])
            pad = "".join("\t" if ch == "\t" else " " for ch in before)
            out.append(f"    | {pad}{'^' * max(1, len(match))}")
        similarity = f", similarity {ev.similarity:.0f}" if ev.method == "fuzzy" else ""
        out.append(f'    matched  "{ev.text}"')
        out.append(f"    concept  {ev.concept}  (term: {ev.term})")
        out.append(f"    method   {ev.method}{similarity}")
        if ev.kinds:
            out.append(f"    shows    {', '.join(ev.kinds)}")
        q = ev.quantities
        numbers = [f"{q.hours} hours"] if q.hours is not None else []
        if q.count is not None:
            rate = f" per {q.per}" if q.per else ""
            numbers.append(f"{q.count} {q.count_unit or ''}".rstrip() + rate)
        if numbers:
            out.append(f"    numbers  {', '.join(numbers)}")
        out.append(
            f"    confidence {ev.confidence:.2f} (base {ev.base:.2f}) -> {counted_text(ev).upper()}"
        )
        if ev.adjustments:
            out.append("    because:")
            out.extend(f"      - {adjustment_text(a)}" for a in ev.adjustments)
        else:
            out.append("    because: no context rule applied")
    summary = record.summary
    out.append("")
    out.append("Score:")
    if summary is None or not summary.score_parts:
        out.append("  no counted evidence: 0")
    else:
        width = max(len(k) for k in summary.score_parts)
        for concept, points in summary.score_parts.items():
            out.append(f"  {concept:<{width}}  {points:+7.2f}")
        total = sum(summary.score_parts.values())
        out.append(f"  {'sum of parts':<{width}}  {total:7.2f}")
        if abs(total - (record.score or 0.0)) > 0.05:
            out.append(f"  {'score (capped 0-100)':<{width}}  {record.score or 0.0:7.2f}")
        if summary.skills_list_only:
            out.append("  note: all counted evidence is in skills lists")
    if summary is not None and summary.best_line:
        out.append(f"  best line: {summary.best_line.strip()}")
    # Source, matched text, terms, cues and reasons: all escaped, once, here.
    return "\n".join(_safe(line) for line in out) + "\n"
