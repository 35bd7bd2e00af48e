"""Renderers of scan results, one module per output; each takes ScanRecord objects.

``rank`` (ordering), ``table`` (terminal), ``json`` (JSON array, reading JSONL back), ``csv``
(one row per resume, one per evidence item), ``html`` (self-contained report from jinja2
templates, its data drawn by the page's script) and ``explain`` (one resume in plain text);
``render`` picks one by name. ``decisions`` reads the reviewer decisions a report exports,
``redact`` masks identity for blind review. A report can be rebuilt later from a JSONL file.
Resume text is untrusted: the HTML report sets every value as text under a Content Security
Policy, CSV cells a spreadsheet would run as a formula are neutralised, the terminal table
never reads resume text as markup.

Importing this package loads no renderer: names are imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crisis_screen._lazy import lazy_attributes

__all__ = [
    "CSV_COLUMNS",
    "EVIDENCE_CSV_COLUMNS",
    "FORMATS",
    "Decision",
    "evidence_rows",
    "match_decisions",
    "match_span",
    "rank_records",
    "read_decisions",
    "records_from_jsonl",
    "redact_record",
    "redact_records",
    "render",
    "render_explain",
    "render_html",
    "render_json",
    "render_table",
    "write_csv",
    "write_evidence_csv",
]

if TYPE_CHECKING:
    from crisis_screen.report.common import match_span
    from crisis_screen.report.csv import (
        CSV_COLUMNS,
        EVIDENCE_CSV_COLUMNS,
        evidence_rows,
        write_csv,
        write_evidence_csv,
    )
    from crisis_screen.report.decisions import Decision, match_decisions, read_decisions
    from crisis_screen.report.explain import render_explain
    from crisis_screen.report.formats import FORMATS, render
    from crisis_screen.report.html import render_html
    from crisis_screen.report.json import records_from_jsonl, render_json
    from crisis_screen.report.rank import rank_records
    from crisis_screen.report.redact import redact_record, redact_records
    from crisis_screen.report.table import render_table

_LAZY = {
    "CSV_COLUMNS": "crisis_screen.report.csv",
    "EVIDENCE_CSV_COLUMNS": "crisis_screen.report.csv",
    "evidence_rows": "crisis_screen.report.csv",
    "write_csv": "crisis_screen.report.csv",
    "write_evidence_csv": "crisis_screen.report.csv",
    "match_span": "crisis_screen.report.common",
    "rank_records": "crisis_screen.report.rank",
    "records_from_jsonl": "crisis_screen.report.json",
    "render_json": "crisis_screen.report.json",
    "render": "crisis_screen.report.formats",
    "FORMATS": "crisis_screen.report.formats",
    "render_explain": "crisis_screen.report.explain",
    "render_html": "crisis_screen.report.html",
    "render_table": "crisis_screen.report.table",
    "Decision": "crisis_screen.report.decisions",
    "match_decisions": "crisis_screen.report.decisions",
    "read_decisions": "crisis_screen.report.decisions",
    "redact_record": "crisis_screen.report.redact",
    "redact_records": "crisis_screen.report.redact",
}


__getattr__ = lazy_attributes(__name__, _LAZY)
