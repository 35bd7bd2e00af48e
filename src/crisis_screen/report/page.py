"""The data of the HTML report: every record as JSON, drawn by the page's script on demand.

A page that lays out thousands of rows and evidence cards before its first paint takes tens of
times longer to show than a trivial page; one that embeds the data and draws what is on screen
(the first rows, then what is scrolled to, filtered or opened) shows almost as fast. So the
report carries its records as JSON in ``<script type="application/json">`` blocks, written by
:func:`data_json` so that nothing in them can end the block: the first screen's rows before
the page's script, which draws them at once, and every row and every row's evidence after it,
read once the page is parsed (evidence only when a card is opened or a search needs it). The
script puts every value into the page as text (never as markup).

Every string that comes from a resume has its bidirectional controls removed here
(:func:`~crisis_screen.report.common.strip_bidi`), and the script shows it inside ``<bdi>``.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from crisis_screen.models import Evidence
from crisis_screen.report.common import (
    TIER_LABELS,
    changes_something,
    line_start,
    match_span,
    strip_bidi,
    why,
)
from crisis_screen.report.decisions import Decision
from crisis_screen.runs.records import ScanRecord

__all__ = ["data_json", "page_data", "report_id"]


def _t(value: str | None) -> str:
    return strip_bidi(value or "")


def report_id(records: Sequence[ScanRecord]) -> str:
    """A short id of the set of resumes in a report: the key of its decisions in the browser.

    The same resumes (path and SHA-256) give the same id in every run, so decisions made in
    one report show again in a report rebuilt from the same files.
    """
    keys = sorted(f"{r.sha256 or ''}|{r.source}" for r in records)
    return hashlib.sha256("\n".join(keys).encode("utf-8", "replace")).hexdigest()[:16]


def _adjustments(ev: Evidence) -> list[list[Any]]:
    return [
        [_t(a.kind), a.factor, _t(a.reason), _t(a.cue), changes_something(a)]
        for a in ev.adjustments
    ]


def _item(ev: Evidence) -> dict[str, Any]:
    item: dict[str, Any] = {
        "t": _t(ev.text),
        "c": _t(ev.concept_name or ev.concept.replace("_", " ")),
        "id": ev.concept,
        "term": _t(ev.term),
        "m": ev.method,
        "conf": round(ev.confidence, 3),
        "base": round(ev.base, 3),
        "n": ev.counted,
    }
    if ev.method == "fuzzy":
        item["sim"] = round(ev.similarity)
    kinds = [k for k in ev.kinds if k != "mention"]
    if kinds:
        item["k"] = kinds
    if ev.adjustments:
        item["a"] = _adjustments(ev)
    return item


def _pieces(line: str, marks: list[tuple[int, int, int]]) -> list[list[Any]]:
    """The line cut into ``[text, item]`` runs; ``item`` is -1 outside a match."""
    out: list[list[Any]] = []
    pos = 0
    for start, end, item in sorted(marks, key=lambda m: (m[0], -m[1])):
        if start < pos:
            continue  # overlapping matches: the first one is highlighted, all are listed
        if start > pos:
            out.append([_t(line[pos:start]), -1])
        out.append([_t(line[start:end]), item])
        pos = end
    if pos < len(line):
        out.append([_t(line[pos:]), -1])
    return out


def _lines(record: ScanRecord) -> list[dict[str, Any]]:
    by_line: dict[int, list[int]] = {}
    for index, ev in enumerate(record.evidence):
        by_line.setdefault(ev.line_no, []).append(index)
    out: list[dict[str, Any]] = []
    for line_no, indices in by_line.items():
        first = record.evidence[indices[0]]
        marks: list[tuple[int, int, int]] = []
        for n, index in enumerate(indices):
            span = match_span(record.evidence[index], line_start(record, index))
            if span is not None:
                marks.append((span[0], span[1], n))
        where = f"line {line_no}" + (f", page {first.page}" if first.page else "")
        out.append(
            {
                "w": f"{where}, {first.section}",
                "p": _pieces(first.line, marks),
                "i": [_item(record.evidence[i]) for i in indices],
            }
        )
    return out


def _decision(decision: Decision) -> dict[str, Any]:
    return {
        "source": _t(decision.source),
        "sha256": decision.sha256,
        "decision": decision.decision,
        "reason": _t(decision.reason),
        "reviewer_note": _t(decision.reviewer_note),
        "decided_at": decision.decided_at,
    }


def _row(rank: int, record: ScanRecord, decision: Decision | None) -> dict[str, Any]:
    summary = record.summary
    assert summary is not None  # ok records have one
    names = {ev.concept: ev.concept_name for ev in record.evidence if ev.concept_name}
    row: dict[str, Any] = {
        "r": rank,
        "src": _t(record.source),
        "sha": record.sha256,
        "score": record.score,
        "tier": summary.tier,
        "flag": bool(record.flagged),
        "lines": summary.counted_lines,
        "concepts": [_t(names.get(c, c.replace("_", " "))) for c in summary.concepts],
        "why": _t(why(record)),
        "fmt": record.format or "",
    }
    if record.ocr:
        row["ocr"] = True
    if record.evidence:
        lines = {ev.line_no for ev in record.evidence}
        row["el"] = len(lines)
        row["cl"] = len({ev.line_no for ev in record.evidence if ev.counted})
        if summary.best_line:
            row["best"] = _t(summary.best_line)
    if decision is not None:
        row["d"] = _decision(decision)
    return row


def page_data(
    records: Sequence[ScanRecord],
    decisions: Mapping[int, Decision] | None = None,
    unmatched: Sequence[Decision] = (),
) -> dict[str, Any]:
    """Everything the page's script draws, as JSON-ready data.

    Args:
        records: Ranked records (screened first, best first; then errors).
        decisions: Decisions by index into ``records`` (``scan --decisions``).
        unmatched: Decisions that match no record, carried so the page exports them again.

    Returns:
        ``id``, ``threshold``, ``tiers`` (id and label), ``rows`` (one per screened record,
        in rank order), ``evidence`` (each row's evidence lines, or 0 for none), ``errors``
        and ``extra`` (the unmatched decisions).
    """
    decisions = decisions or {}
    rows: list[dict[str, Any]] = []
    evidence: list[Any] = []
    errors: list[dict[str, Any]] = []
    for index, record in enumerate(records):
        if record.ok:
            rows.append(_row(len(rows) + 1, record, decisions.get(index)))
            evidence.append(_lines(record) if record.evidence else 0)
        else:
            errors.append(
                {
                    "src": _t(record.source),
                    "sha": record.sha256,
                    "type": _t(record.error_type),
                    "error": _t(record.error),
                }
            )
    thresholds = Counter(r.threshold for r in records if r.ok and r.threshold is not None)
    return {
        "id": report_id(records),
        "threshold": thresholds.most_common(1)[0][0] if thresholds else None,
        "tiers": [[k, v] for k, v in TIER_LABELS.items()],
        "rows": rows,
        "evidence": evidence,
        "errors": errors,
        "extra": [_decision(d) for d in unmatched],
    }


# Characters that could end the script block or start a comment or markup inside it; JSON
# allows each as a \\u escape. U+2028/U+2029 are escaped too, for older JavaScript parsers.
_ESCAPES = str.maketrans(
    {
        "<": "\\u003c",
        ">": "\\u003e",
        "&": "\\u0026",
        "\u2028": "\\u2028",
        "\u2029": "\\u2029",
    }
)


def data_json(data: Mapping[str, Any]) -> str:
    """Serialise page data for a ``<script type="application/json">`` block."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    # A lone surrogate (a file name of undecodable bytes) cannot be written as UTF-8: it
    # becomes its JSON escape, which JSON.parse reads back as the same code unit.
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text.translate(_ESCAPES)
