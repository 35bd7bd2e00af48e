"""Tests of crisis_screen.report: ranking, table, JSON, CSV, evidence CSV, HTML, explain."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from crisis_screen import report
from crisis_screen import runs as batch
from crisis_screen.models import Evidence, Summary, Versions
from crisis_screen.report import csv as report_csv
from crisis_screen.report import html as report_html
from crisis_screen.runs.records import ScanRecord, Timings
from crisis_screen.runs.screen import screen_source
from crisis_screen.screener import Screener, ScreenerConfig
from test_batch_support import write_resumes

INJECTION = "<script>alert('pwned')</script><img src=x onerror=alert(2)>"
HOSTILE = (
    f"{INJECTION}\n"
    "EXPERIENCE\n"
    f"- {INJECTION} Completed 40-hour Crisis Intervention Team (CIT) training & more\n"
    '=HYPERLINK("http://evil") crisis intervention for 300 calls [bold]x[/bold]\n'
)


@pytest.fixture(scope="module")
def screener() -> Screener:
    return ScreenerConfig().build()


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory, screener: Screener) -> list[ScanRecord]:
    folder = tmp_path_factory.mktemp("resumes")
    write_resumes(folder)
    (folder / "hostile.txt").write_text(HOSTILE)
    return [screen_source(screener, p) for p in batch.walk_paths([folder]).files]


def _by_name(records: list[ScanRecord], name: str) -> ScanRecord:
    return next(r for r in records if Path(r.source).name == name)


_V = Versions(library="1", lexicon="l@1", scoring="s1")


def _record(source: str, score: float | None) -> ScanRecord:
    if score is None:
        return ScanRecord(
            source=source,
            status="error",
            error_type="EmptyDocumentError",
            error="empty file",
            timings=Timings(read_ms=0, screen_ms=0),
            versions=_V,
        )
    return ScanRecord(
        source=source,
        status="ok",
        score=score,
        flagged=score >= 40,
        threshold=40,
        summary=Summary(),
        timings=Timings(read_ms=0, screen_ms=0),
        versions=_V,
    )


# -- ranking --------------------------------------------------------------------------------------

_MIXED = [("c", 10.0), ("err1", None), ("a", 90.0), ("b", 90.0), ("d", 50.0), ("err2", None)]


@pytest.mark.parametrize(
    ("top", "min_score", "expected"),
    [
        (None, None, ["a", "b", "d", "c", "err1", "err2"]),
        (2, None, ["a", "b", "err1", "err2"]),
        (None, 50.0, ["a", "b", "d", "err1", "err2"]),
        (1, 95.0, ["err1", "err2"]),
        (10, 0.0, ["a", "b", "d", "c", "err1", "err2"]),
    ],
)
def test_rank_records(top: int | None, min_score: float | None, expected: list[str]) -> None:
    records = [_record(s, v) for s, v in _MIXED]
    ranked = report.rank_records(records, top=top, min_score=min_score)
    assert [r.source for r in ranked] == expected


# -- match spans ----------------------------------------------------------------------------------


def _ev(line: str, text: str, start: int) -> Evidence:
    return Evidence(
        line_no=1,
        line=line,
        start=start,
        end=start + len(text),
        text=text,
        concept="cit",
        term="CIT",
        method="exact",
        similarity=100,
        section="unknown",
        base=0.9,
        confidence=0.9,
        counted=True,
    )


@pytest.mark.parametrize(
    ("line", "text", "doc_start", "line_start", "expected"),
    [
        ("CIT and CIT again", "CIT", 108, 100, (8, 11)),  # offsets pick the second one
        ("CIT and CIT again", "CIT", 108, None, (0, 3)),  # unknown: first occurrence
        ("CIT and CIT again", "CIT", 108, -1, (0, 3)),
        ("cit training", "CIT", 5, 99, (0, 3)),  # bad offsets: case-insensitive search
        ("nothing here", "CIT", 5, None, None),
    ],
)
def test_match_span(
    line: str,
    text: str,
    doc_start: int,
    line_start: int | None,
    expected: tuple[int, int] | None,
) -> None:
    assert report.match_span(_ev(line, text, doc_start), line_start) == expected


def test_every_real_evidence_span_is_exact(records: list[ScanRecord]) -> None:
    spans = 0
    for record in records:
        for i, ev in enumerate(record.evidence):
            span = report.match_span(ev, record.line_starts[i])
            assert span is not None
            assert ev.line[span[0] : span[1]] == ev.text
            assert span[0] == ev.start - record.line_starts[i]
            spans += 1
    assert spans >= 5


# -- JSON and CSV ---------------------------------------------------------------------------------


def test_json_parses_back_to_the_same_records(records: list[ScanRecord]) -> None:
    ranked = report.rank_records(records)
    parsed = json.loads(report.render_json(ranked))
    assert [ScanRecord.model_validate(item) for item in parsed] == ranked
    assert json.loads(report.render_json([])) == []


def test_csv_has_one_row_per_resume_in_rank_order(records: list[ScanRecord]) -> None:
    ranked = report.rank_records(records)
    out = io.StringIO(newline="")
    report.write_csv(ranked, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert [r["source"] for r in rows] == [r.source for r in ranked]
    assert list(rows[0]) == list(report.CSV_COLUMNS)
    ok_rows = [r for r in rows if r["status"] == "ok"]
    assert [r["rank"] for r in ok_rows] == [str(i) for i in range(1, len(ok_rows) + 1)]
    scores = [float(r["score"]) for r in ok_rows]
    assert scores == sorted(scores, reverse=True)
    errors = [r for r in rows if r["status"] == "error"]
    assert {r["error_type"] for r in errors} == {"CorruptDocumentError", "EmptyDocumentError"}
    assert all(r["rank"] == "" and r["score"] == "" for r in errors)
    strong = next(r for r in rows if r["source"].endswith("strong.txt"))
    strong_record = _by_name(records, "strong.txt")
    assert strong_record.summary is not None
    assert strong["flagged"] == "true"
    assert strong["concepts"].split(";") == list(strong_record.summary.concepts)


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+1", "'+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("- Completed CIT training", "- Completed CIT training"),
        ("plain", "plain"),
        (None, ""),
        (True, "true"),
        (0.5, "0.5"),
        (40.0, "40.0"),
    ],
)
def test_csv_cells_neutralise_formulas(value: object, cell: str) -> None:
    assert report_csv._cell(value) == cell


def test_evidence_csv_has_one_row_per_evidence_item(records: list[ScanRecord]) -> None:
    out = io.StringIO(newline="")
    report.write_evidence_csv(records, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert len(rows) == sum(len(r.evidence) for r in records)
    assert list(rows[0]) == list(report.EVIDENCE_CSV_COLUMNS)
    for row in rows:
        start, end = int(row["match_start"]), int(row["match_end"])
        line = row["line"][1:] if row["line"].startswith("'") else row["line"]
        assert line[start:end] == row["text"].lstrip("'")
    adjusted = [r for r in rows if r["adjustments"]]
    assert adjusted and all(re.match(r"\w+ x[\d.]+: ", r["adjustments"]) for r in adjusted)
    hostile = [r for r in rows if r["source"].endswith("hostile.txt")]
    assert any(r["line"].startswith("'=HYPERLINK") for r in hostile)
    assert not any(r["line"].startswith("=") for r in rows)


# -- table ----------------------------------------------------------------------------------------


def test_table_ranks_and_prints_resume_text_literally(records: list[ScanRecord]) -> None:
    short = [r.model_copy(update={"source": Path(r.source).name}) for r in records]
    ranked = report.rank_records(short)
    out = io.StringIO()
    report.render_table(ranked, out, terminal=False, width=200)
    text = out.getvalue()
    lines = text.splitlines()
    order = [
        next(i for i, line in enumerate(lines) if f" {r.source} " in line) for r in ranked if r.ok
    ]
    assert order == sorted(order)
    assert "FLAGGED" in text and "Not screened: 2 files" in text
    assert "EmptyDocumentError" in text
    # No ANSI codes when not a terminal, and rich markup in resume text is not interpreted.
    assert "\x1b[" not in text
    marked = _record("[red]evil[/red].txt", 50.0).model_copy(
        update={"summary": Summary(best_line="[bold]crisis[/bold] intervention")}
    )
    out = io.StringIO()
    report.render_table([marked], out, terminal=True, width=200)
    assert "[red]evil[/red].txt" in out.getvalue()
    assert "[bold]crisis[/bold] intervention" in out.getvalue()


# -- HTML -----------------------------------------------------------------------------------------


def test_html_is_self_contained_and_escapes_resume_text(records: list[ScanRecord]) -> None:
    page = report.render_html(report.rank_records(records), meta={"run": "<b>x</b>"})
    assert page.startswith("<!DOCTYPE html>")
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;" in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page
    # Exactly one script (ours), no external resources, and a CSP that allows nothing else.
    assert page.count("<script") == 1
    assert not re.search(r"(src|href)=\"?(https?:)?//", page)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert '<mark class="hit' in page


def test_html_ranking_rows_are_in_score_order(records: list[ScanRecord]) -> None:
    ranked = report.rank_records(records)
    page = report.render_html(ranked)
    scores = [float(s) for s in re.findall(r'data-score="([\d.]+)"', page)]
    assert len(scores) == sum(1 for r in ranked if r.ok)
    assert scores == sorted(scores, reverse=True)
    assert 'id="e1"' in page and "Not screened" in page


def test_html_shows_adjustments_beside_and_on_hover(records: list[ScanRecord]) -> None:
    medium = _by_name(records, "medium.md")
    adjusted = [ev for ev in medium.evidence if ev.adjustments]
    assert adjusted
    page = report.render_html([medium])
    for ev in adjusted:
        for adj in ev.adjustments:
            reason = report_html.escape(adj.reason)
            # Once in a mark/li title attribute (hover) and once as list text (beside).
            assert page.count(reason) >= 2
            assert f"<li>{report_html.escape(adj.kind)} &times;" in page


def test_html_csp_hashes_match_the_inline_code() -> None:
    page = report.render_html([])
    style = re.search(r"<style>(.*?)</style>", page, re.S)
    script = re.search(r"<script>(.*?)</script>", page, re.S)
    assert style and script
    assert report_html.csp_hash(style.group(1)) in page
    assert report_html.csp_hash(script.group(1)) in page
    # The policy is written into the attribute unescaped.
    assert not any(c in report_html.content_security_policy() for c in '"<>&')


# -- explain --------------------------------------------------------------------------------------


def test_explain_shows_every_match_reason_and_score_parts(records: list[ScanRecord]) -> None:
    strong = _by_name(records, "strong.txt")
    text = report.render_explain(strong)
    assert text.startswith(strong.source + "\n")
    assert "FLAGGED" in text
    for ev in strong.evidence:
        assert f'matched  "{ev.text}"' in text
        assert f"concept  {ev.concept}  (term: {ev.term})" in text
        assert f"method   {ev.method}" in text
        assert f"confidence {ev.confidence:.2f}" in text
        for adj in ev.adjustments:
            assert adj.reason in text
    assert strong.summary is not None
    for concept in strong.summary.score_parts:
        assert re.search(rf"^  {re.escape(concept)}\s+[+-]\d", text, re.M)
    assert "sum of parts" in text


def test_explain_caret_sits_under_the_match(records: list[ScanRecord]) -> None:
    strong = _by_name(records, "strong.txt")
    lines = report.render_explain(strong).splitlines()
    ev = strong.evidence[0]
    i = lines.index(f"    | {ev.line}")
    caret = lines[i + 1]
    start = caret.index("^") - len("    | ")
    assert ev.line[start : start + len(ev.text)] == ev.text
    assert caret.count("^") == len(ev.text)


def test_explain_of_error_and_of_no_evidence() -> None:
    assert "not screened: EmptyDocumentError: empty file" in report.render_explain(
        _record("x.txt", None)
    )
    text = report.render_explain(_record("y.txt", 0.0))
    assert "nothing in this resume matches" in text and "no counted evidence: 0" in text


def test_records_from_jsonl_skips_blank_lines(records: list[ScanRecord]) -> None:
    text = "\n".join(r.model_dump_json() for r in records) + "\n\n"
    assert list(report.records_from_jsonl(text.splitlines())) == records


def test_strong_resume_is_the_top_of_the_ranking(records: list[ScanRecord]) -> None:
    ranked = report.rank_records(records)
    names = [Path(r.source).name for r in ranked]
    assert names.index("strong.txt") < names.index("medium.md") < names.index("weak.txt")
    assert ranked[0].flagged
    assert {Path(r.source).name for r in ranked[-2:]} == {"junk.pdf", "empty.txt"}
