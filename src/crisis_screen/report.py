"""Renderers of scan results: table, JSON, CSV, evidence CSV, HTML report and explain text.

Every renderer takes :class:`~crisis_screen.batch.ScanRecord` objects, so a report can be
rebuilt later from a JSONL file. Resume text is untrusted: the HTML report escapes every
value and forbids anything but its own inline style and script through a Content Security
Policy; CSV cells that a spreadsheet would run as a formula are neutralised; the terminal
table never interprets resume text as rich markup.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import html
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import IO

from crisis_screen.batch import ScanRecord, rank_key
from crisis_screen.models import Adjustment, Evidence

__all__ = [
    "CSV_COLUMNS",
    "EVIDENCE_CSV_COLUMNS",
    "evidence_rows",
    "match_span",
    "rank_records",
    "render_explain",
    "render_html",
    "render_json",
    "render_table",
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


# -- shared helpers -----------------------------------------------------------------------------


def rank_records(
    records: Iterable[ScanRecord], *, top: int | None = None, min_score: float | None = None
) -> list[ScanRecord]:
    """Order records for display: screened files by score (best first), then failures.

    Args:
        records: Records in any order.
        top: Keep only the best N screened files (failures are always kept).
        min_score: Keep only screened files scoring at least this (failures always kept).

    Returns:
        Screened records ranked, then error records in their input order.
    """
    ok: list[ScanRecord] = []
    errors: list[ScanRecord] = []
    for record in records:
        if not record.ok:
            errors.append(record)
        elif min_score is None or (record.score or 0.0) >= min_score:
            ok.append(record)
    ok.sort(key=lambda r: rank_key(r.score, r.source))
    if top is not None:
        ok = ok[:top]
    return ok + errors


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


def _fmt_score(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _adjustment_text(adj: Adjustment) -> str:
    cue = f' [cue: "{adj.cue}"]' if adj.cue else ""
    return f"{adj.kind} x{adj.factor:g}: {adj.reason}{cue}"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _counted_text(ev: Evidence) -> str:
    return "counted" if ev.counted else "not counted"


def _line_start(record: ScanRecord, index: int) -> int | None:
    return record.line_starts[index] if index < len(record.line_starts) else None


# -- terminal table -----------------------------------------------------------------------------


def render_table(
    records: Sequence[ScanRecord],
    out: IO[str],
    *,
    terminal: bool | None = None,
    width: int | None = None,
) -> None:
    """Print the ranking as a rich table, then a table of files that failed.

    Args:
        records: Ranked records (see :func:`rank_records`).
        out: Where to print.
        terminal: Force or forbid terminal styling; detected from ``out`` when None.
        width: Line width; the terminal's, or 120 when not a terminal.
    """
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    is_tty = out.isatty() if terminal is None else terminal
    console = Console(
        file=out,
        force_terminal=terminal,
        width=width if width is not None else (None if is_tty else 120),
        no_color=not is_tty,
        highlight=False,
        soft_wrap=False,
    )
    ok = [r for r in records if r.ok]
    failed = [r for r in records if not r.ok]
    table = Table(
        title=f"Mental Health Response screening: {len(ok)} resumes", title_justify="left"
    )
    # Fixed columns get minimum widths; the evidence column takes what is left and is cut
    # with an ellipsis rather than squeezing the rank and score away.
    table.add_column("#", justify="right", no_wrap=True, min_width=3)
    table.add_column("Score", justify="right", no_wrap=True, min_width=5)
    table.add_column("Flag", no_wrap=True, min_width=7)
    table.add_column("Resume", overflow="fold", min_width=16, max_width=48)
    table.add_column("Best evidence", overflow="fold", min_width=20)
    for rank, record in enumerate(ok, 1):
        best = record.summary.best_line if record.summary else None
        flag = Text("FLAGGED", style="bold green") if record.flagged else Text("-", style="dim")
        # Text objects, never markup strings: resume text may contain "[bold]" and the like.
        table.add_row(
            str(rank),
            _fmt_score(record.score),
            flag,
            Text(record.source),
            Text(_shorten((best or "").strip(), 100)),
        )
    console.print(table)
    if failed:
        errors = Table(title=f"Not screened: {len(failed)} files", title_justify="left")
        errors.add_column("Resume", overflow="fold", min_width=16, max_width=48)
        errors.add_column("Error", no_wrap=True, min_width=10)
        errors.add_column("Reason", overflow="fold", min_width=20)
        for record in failed:
            errors.add_row(
                Text(record.source), Text(record.error_type or ""), Text(record.error or "")
            )
        console.print(errors)


# -- JSON and CSV -------------------------------------------------------------------------------


def render_json(records: Sequence[ScanRecord]) -> str:
    """Return a JSON array of records (each as in JSONL output), with a final newline."""
    if not records:
        return "[]\n"
    body = ",\n".join(r.model_dump_json() for r in records)
    return "[\n" + body + "\n]\n"


_FORMULA_START = ("=", "+", "@", "\t", "\r", "\n")


def _cell(value: object) -> str:
    """Format a CSV cell; neutralise text a spreadsheet would evaluate as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}" if value != int(value) else f"{value:.1f}"
    text = str(value)
    # "- bullet" is ordinary resume text; "-2+3" or "=cmd|..." is a formula (CSV injection).
    if text.startswith(_FORMULA_START) or (text.startswith("-") and text[1:2] not in (" ", "")):
        return "'" + text
    return text


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
        span = match_span(ev, _line_start(record, index))
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
            " | ".join(_adjustment_text(a) for a in ev.adjustments),
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


# -- HTML report --------------------------------------------------------------------------------

_CSS = """
:root { --fg:#1d232a; --muted:#5b6570; --line:#d8dee4; --ok:#116329; --no:#8c959f;
  --hit:#fff1a8; --hit-no:#e6e8eb; --bg:#fff; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
  background: var(--bg); margin: 0 auto; max-width: 1200px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; }
.meta { color: var(--muted); font-size: 13px; margin: 0 0 16px; }
.controls { display: flex; gap: 16px; align-items: center; margin: 12px 0; }
.controls input[type=search] { padding: 4px 8px; min-width: 260px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { font-size: 13px; color: var(--muted); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.flag { font-weight: 600; color: var(--ok); } .noflag { color: var(--no); }
.best { color: var(--muted); font-size: 13px; }
section.resume { border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px;
  margin: 16px 0; }
section.resume h3 { margin: 0 0 6px; font-size: 16px; word-break: break-all; }
.ev-line { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 16px;
  border-top: 1px dashed var(--line); padding: 8px 0; }
.ev-text { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px;
  white-space: pre-wrap; word-break: break-word; }
.ln { color: var(--muted); user-select: none; margin-right: 8px; }
mark.hit { background: var(--hit); border-radius: 3px; padding: 0 1px; }
mark.hit.not-counted { background: var(--hit-no); text-decoration: line-through; }
ul.ev-why { margin: 0; padding-left: 18px; font-size: 13px; }
ul.ev-why ul { padding-left: 16px; color: var(--muted); }
.tag { display: inline-block; font-size: 11px; padding: 0 6px; border-radius: 8px;
  border: 1px solid var(--line); margin-left: 4px; }
.score-parts { font-size: 13px; color: var(--muted); }
.error { color: #a40e26; }
.hidden { display: none; }
"""

_JS = """
(function () {
  "use strict";
  var search = document.getElementById("filter");
  var flaggedOnly = document.getElementById("flagged-only");
  var rows = Array.prototype.slice.call(document.querySelectorAll("#ranking tbody tr"));
  function apply() {
    var q = search.value.toLowerCase();
    var shown = 0;
    rows.forEach(function (row) {
      var match = row.getAttribute("data-source").toLowerCase().indexOf(q) !== -1;
      var flagOk = !flaggedOnly.checked || row.getAttribute("data-flagged") === "true";
      var visible = match && flagOk;
      row.classList.toggle("hidden", !visible);
      var section = document.getElementById(row.getAttribute("data-target"));
      if (section) { section.classList.toggle("hidden", !visible); }
      if (visible) { shown += 1; }
    });
    document.getElementById("shown").textContent = String(shown);
  }
  search.addEventListener("input", apply);
  flaggedOnly.addEventListener("change", apply);
  apply();
})();
"""


def _csp_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


# Only this exact style and script may run; the report makes no network request at all.
_CSP = (
    "default-src 'none'; "
    f"style-src {_csp_hash(_CSS)}; "
    f"script-src {_csp_hash(_JS)}; "
    "img-src 'none'; base-uri 'none'; form-action 'none'"
)


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _evidence_title(ev: Evidence) -> str:
    parts = [
        f"concept: {ev.concept}",
        f"term: {ev.term}",
        f"method: {ev.method}"
        + (f" (similarity {ev.similarity:.0f})" if ev.method == "fuzzy" else ""),
        f"confidence: {ev.confidence:.2f} (base {ev.base:.2f}), {_counted_text(ev)}",
    ]
    parts += [_adjustment_text(a) for a in ev.adjustments]
    return "\n".join(parts)


def _highlighted_line(line: str, marks: Sequence[tuple[int, int, Evidence]]) -> str:
    out: list[str] = []
    pos = 0
    for start, end, ev in sorted(marks, key=lambda m: (m[0], -m[1])):
        if start < pos:
            continue  # overlapping matches: the first one is highlighted, all are listed
        classes = "hit" if ev.counted else "hit not-counted"
        out.append(_e(line[pos:start]))
        out.append(
            f'<mark class="{classes}" data-concept="{_e(ev.concept)}" '
            f'title="{_e(_evidence_title(ev))}">{_e(line[start:end])}</mark>'
        )
        pos = end
    out.append(_e(line[pos:]))
    return "".join(out)


def _evidence_item(ev: Evidence) -> str:
    adjustments = "".join(
        f"<li>{_e(a.kind)} &times;{a.factor:g}: {_e(a.reason)}"
        + (f" [cue: &ldquo;{_e(a.cue)}&rdquo;]" if a.cue else "")
        + "</li>"
        for a in ev.adjustments
    )
    similarity = f" ({ev.similarity:.0f})" if ev.method == "fuzzy" else ""
    return (
        f'<li title="{_e(_evidence_title(ev))}"><b>&ldquo;{_e(ev.text)}&rdquo;</b> '
        f"&rarr; {_e(ev.concept)} <span class=tag>{_e(ev.term)}</span> "
        f"<span class=tag>{_e(ev.method)}{similarity}</span> "
        f"confidence {ev.confidence:.2f} &mdash; <i>{_counted_text(ev)}</i>"
        + (f"<ul>{adjustments}</ul>" if adjustments else "")
        + "</li>"
    )


def _resume_section(anchor: str, rank: int | None, record: ScanRecord) -> str:
    head = f"#{rank} " if rank is not None else ""
    parts = [f'<section class="resume" id="{anchor}">']
    parts.append(f"<h3>{_e(head)}{_e(record.source)}</h3>")
    if not record.ok:
        parts.append(
            f'<p class="error">Not screened: {_e(record.error_type)}: {_e(record.error)}</p>'
        )
        parts.append("</section>")
        return "".join(parts)
    flag = (
        "<span class=flag>FLAGGED</span>"
        if record.flagged
        else "<span class=noflag>not flagged</span>"
    )
    parts.append(
        f"<p>Score <b>{_fmt_score(record.score)}</b> / 100 (threshold "
        f"{_fmt_score(record.threshold)}) {flag} &middot; format {_e(record.format)}</p>"
    )
    summary = record.summary
    if summary and summary.score_parts:
        points = ", ".join(f"{_e(k)} {v:+.1f}" for k, v in summary.score_parts.items())
        parts.append(f'<p class="score-parts">Score parts: {points}</p>')
    if not record.evidence:
        parts.append("<p class=noflag>No evidence of the skill.</p>")
    by_line: dict[int, list[tuple[int, Evidence]]] = {}
    for index, ev in enumerate(record.evidence):
        by_line.setdefault(ev.line_no, []).append((index, ev))
    for line_no, items in by_line.items():
        line = items[0][1].line
        marks: list[tuple[int, int, Evidence]] = []
        for index, ev in items:
            span = match_span(ev, _line_start(record, index))
            if span is not None:
                marks.append((span[0], span[1], ev))
        page = items[0][1].page
        where = f"line {line_no}" + (f", page {page}" if page else "") + f", {items[0][1].section}"
        parts.append(
            '<div class="ev-line">'
            f'<div class="ev-text"><span class="ln">{_e(where)}</span>'
            f"{_highlighted_line(line, marks)}</div>"
            '<ul class="ev-why">' + "".join(_evidence_item(ev) for _, ev in items) + "</ul>"
            "</div>"
        )
    parts.append("</section>")
    return "".join(parts)


def render_html(
    records: Sequence[ScanRecord],
    *,
    title: str = "crisis-screen report",
    meta: Mapping[str, str] | None = None,
) -> str:
    """Return a self-contained HTML report (inline CSS and JS, no network access).

    Args:
        records: Ranked records (see :func:`rank_records`).
        title: The page title.
        meta: Extra facts shown under the title (versions, settings, time).

    Returns:
        The HTML document.
    """
    ok = [r for r in records if r.ok]
    failed = [r for r in records if not r.ok]
    flagged = sum(1 for r in ok if r.flagged)
    facts = [f"{len(ok)} resumes screened", f"{flagged} flagged", f"{len(failed)} not screened"]
    facts += [f"{k}: {v}" for k, v in (meta or {}).items()]
    rows: list[str] = []
    sections: list[str] = []
    for rank, record in enumerate(ok, 1):
        anchor = f"r{rank}"
        best = (record.summary.best_line or "") if record.summary else ""
        concepts = ", ".join(record.summary.concepts) if record.summary else ""
        flag = (
            "<span class=flag>FLAGGED</span>" if record.flagged else "<span class=noflag>-</span>"
        )
        rows.append(
            f'<tr data-source="{_e(record.source)}" '
            f'data-flagged="{str(bool(record.flagged)).lower()}" '
            f'data-score="{record.score}" data-target="{anchor}">'
            f'<td class="num">{rank}</td><td class="num score">{_fmt_score(record.score)}</td>'
            f"<td>{flag}</td>"
            f'<td><a href="#{anchor}">{_e(record.source)}</a></td>'
            f'<td class="num">{record.summary.counted_lines if record.summary else 0}</td>'
            f"<td>{_e(concepts)}</td><td class=best>{_e(best.strip())}</td></tr>"
        )
        sections.append(_resume_section(anchor, rank, record))
    error_rows = "".join(
        f'<tr><td><a href="#e{i}">{_e(r.source)}</a></td><td>{_e(r.error_type)}</td>'
        f"<td>{_e(r.error)}</td></tr>"
        for i, r in enumerate(failed, 1)
    )
    sections += [_resume_section(f"e{i}", None, r) for i, r in enumerate(failed, 1)]
    errors_html = (
        "<h2>Not screened</h2><table id=errors><thead><tr><th>Resume</th><th>Error</th>"
        f"<th>Reason</th></tr></thead><tbody>{error_rows}</tbody></table>"
        if failed
        else ""
    )
    return (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        # _CSP is a constant free of characters needing escapes (a test checks it).
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{_e(title)}</h1>"
        f'<p class="meta">{" &middot; ".join(_e(f) for f in facts)}</p>'
        "<p class=meta>The tool flags and explains; a person decides. Hover a highlighted "
        "match for its method, confidence and context rules.</p>"
        '<div class="controls"><input type=search id=filter placeholder="Filter by file name" '
        'aria-label="Filter by file name"><label><input type=checkbox id="flagged-only"> '
        'Flagged only</label><span class=meta>showing <span id="shown">'
        f"{len(ok)}</span></span></div>"
        "<h2>Ranking</h2><table id=ranking><thead><tr><th>#</th><th>Score</th><th>Flag</th>"
        "<th>Resume</th><th>Lines</th><th>Concepts</th><th>Best evidence</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        f"{errors_html}<h2>Evidence</h2>{''.join(sections)}"
        f"<script>{_JS}</script></body></html>\n"
    )


# -- explain ------------------------------------------------------------------------------------


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
        return "\n".join(out) + "\n"
    verdict = "FLAGGED" if record.flagged else "not flagged"
    out.append(
        f"  score {_fmt_score(record.score)} / 100, threshold {_fmt_score(record.threshold)}:"
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
        out.append(f"    | {ev.line}")
        span = match_span(ev, _line_start(record, index))
        if span is not None:
            # Caret under the match; tabs kept so the marker lines up with the line above.
            pad = "".join("\t" if ch == "\t" else " " for ch in ev.line[: span[0]])
            out.append(f"    | {pad}{'^' * max(1, span[1] - span[0])}")
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
            f"    confidence {ev.confidence:.2f} (base {ev.base:.2f}) -> "
            f"{_counted_text(ev).upper()}"
        )
        if ev.adjustments:
            out.append("    because:")
            out.extend(f"      - {_adjustment_text(a)}" for a in ev.adjustments)
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
    return "\n".join(out) + "\n"


def records_from_jsonl(lines: Iterable[str]) -> Iterator[ScanRecord]:
    """Parse JSONL output back into records (blank lines ignored)."""
    for line in lines:
        if line.strip():
            yield ScanRecord.model_validate_json(line)


def dumps_manifest(manifest: Mapping[str, object]) -> str:
    """Serialise a run manifest (stable key order, trailing newline)."""
    return json.dumps(manifest, indent=2, sort_keys=True) + "\n"
