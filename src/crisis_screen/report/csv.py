"""CSV output: one row per resume (``--format csv``), one per evidence item (``--evidence-csv``).

Cells are safe to open in a spreadsheet (:func:`crisis_screen.safe_text.csv_cell`): control
characters and bidi overrides are escaped, and cells a spreadsheet would run as a formula are
neutralised (CSV injection). Match offsets count in the line cell as written (escapes and
formula guard included), so ``line[match_start:match_end] == text`` holds in the file.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from typing import IO

from crisis_screen.report.common import adjustment_text, line_start, match_span
from crisis_screen.runs.records import ScanRecord
from crisis_screen.safe_text import csv_cell, escape_controls

__all__ = [
    "CSV_COLUMNS",
    "EVIDENCE_CSV_COLUMNS",
    "evidence_rows",
    "write_csv",
    "write_evidence_csv",
]

#: Columns of ``--format csv`` (one row per resume).
CSV_COLUMNS: tuple[str, ...] = (
    "rank",
    "source",
    "status",
    "score",
    "flagged",
    "threshold",
    "counted_lines",
    "concepts",
    "kinds",
    "titles",
    "sections",
    "skills_list_only",
    "best_line",
    "format",
    "sha256",
    "error_type",
    "error",
    "read_ms",
    "screen_ms",
    "library_version",
    "lexicon_version",
    "scoring_version",
)

#: Columns of ``--evidence-csv`` (one row per evidence item).
EVIDENCE_CSV_COLUMNS: tuple[str, ...] = (
    "source",
    "sha256",
    "score",
    "flagged",
    "line_no",
    "page",
    "section",
    "text",
    "match_start",
    "match_end",
    "concept",
    "term",
    "method",
    "similarity",
    "kinds",
    "base",
    "confidence",
    "counted",
    "adjustments",
    "line",
)


def _cell(value: object) -> str:
    """Format a CSV cell: controls escaped, text a spreadsheet would evaluate neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}" if value != int(value) else f"{value:.1f}"
    if isinstance(value, int):
        return str(value)
    # Excel reads even "- bullet" as a formula, so every leading "-" is neutralised.
    return csv_cell(str(value))


def _joined(values: Iterable[str]) -> str:
    return ";".join(values)


def _csv_row(rank: int | None, record: ScanRecord) -> list[str]:
    summary = record.summary
    values: list[object] = [
        rank,
        record.source,
        record.status,
        record.score,
        record.flagged,
        record.threshold,
        summary.counted_lines if summary else None,
        _joined(summary.concepts) if summary else None,
        _joined(summary.kinds) if summary else None,
        _joined(summary.titles) if summary else None,
        _joined(summary.sections) if summary else None,
        summary.skills_list_only if summary else None,
        summary.best_line if summary else None,
        record.format,
        record.sha256,
        record.error_type,
        record.error,
        record.timings.read_ms,
        record.timings.screen_ms,
        record.versions.library,
        record.versions.lexicon,
        record.versions.scoring,
    ]
    return [_cell(v) for v in values]


def write_csv(records: Sequence[ScanRecord], out: IO[str]) -> None:
    """Write one CSV row per resume, in the given (ranked) order.

    Args:
        records: Ranked records; errors have an empty rank.
        out: A text file opened with ``newline=""``.
    """
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    rank = 0
    for record in records:
        if record.ok:
            rank += 1
        writer.writerow(_csv_row(rank if record.ok else None, record))


def evidence_rows(record: ScanRecord) -> Iterator[list[str]]:
    """Yield the evidence-CSV rows of one record (none for errors or no evidence)."""
    for index, ev in enumerate(record.evidence):
        span = match_span(ev, line_start(record, index))
        if span is not None:
            # Offsets into the line cell as written: escapes lengthen what precedes the match,
            # and a formula guard (a leading "'") shifts everything by one.
            guard = 1 if csv_cell(ev.line).startswith("'") else 0
            start = guard + len(escape_controls(ev.line[: span[0]]))
            span = (start, start + len(escape_controls(ev.line[span[0] : span[1]])))
        values: list[object] = [
            record.source,
            record.sha256,
            record.score,
            record.flagged,
            ev.line_no,
            ev.page,
            ev.section,
            ev.text,
            span[0] if span else None,
            span[1] if span else None,
            ev.concept,
            ev.term,
            ev.method,
            ev.similarity,
            _joined(ev.kinds),
            ev.base,
            ev.confidence,
            ev.counted,
            " | ".join(adjustment_text(a) for a in ev.adjustments),
            ev.line,
        ]
        yield [_cell(v) for v in values]


def write_evidence_csv(records: Iterable[ScanRecord], out: IO[str]) -> None:
    """Write one CSV row per evidence item.

    Args:
        records: Records in any order (rows follow it).
        out: A text file opened with ``newline=""``.
    """
    writer = csv.writer(out)
    writer.writerow(EVIDENCE_CSV_COLUMNS)
    for record in records:
        writer.writerows(evidence_rows(record))
