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
from crisis_screen.report import chart as report_chart
from crisis_screen.report import common as report_common
from crisis_screen.report import csv as report_csv
from crisis_screen.report import html as report_html
from crisis_screen.report import page as report_page
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
        # Excel reads "- text" as a formula too (#NAME?, or a DDE payload after the dash).
        ("- Completed CIT training", "'- Completed CIT training"),
        ("-", "-"),
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
        # Offsets index the cell as written, formula guard included.
        assert row["line"][start:end] == row["text"]
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

_BLOCK = r'<script type="application/json" id="report-{}"[^>]*>(.*?)</script>'


def _block(page: str, name: str) -> object:
    """The JSON of one of the page's data blocks (uncompressed: the reports here are small)."""
    found = re.search(_BLOCK.format(name), page, re.S)
    assert found is not None
    return json.loads(found.group(1))


def _page_rows(page: str) -> list[dict[str, object]]:
    rows = _block(page, "rows")
    assert isinstance(rows, list)
    return rows


def test_html_is_self_contained_and_escapes_resume_text(records: list[ScanRecord]) -> None:
    page = report.render_html(report.rank_records(records), meta={"run": "<b>x</b>"})
    assert page.startswith("<!DOCTYPE html>")
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page
    # One script of ours; the others are data blocks the browser never runs.
    assert page.count("<script>") == 1
    assert page.count('<script type="application/json"') == 3
    assert not re.search(r"(src|href)=\"?(https?:)?//", page)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    # Resume text reaches the data blocks intact, and nothing in them can end the block.
    for name in ("head", "rows", "evidence"):
        found = re.search(_BLOCK.format(name), page, re.S)
        assert found is not None and "<" not in found.group(1)
    hostile = next(r for r in _page_rows(page) if str(r["src"]).endswith("hostile.txt"))
    evidence = _block(page, "evidence")
    assert isinstance(evidence, list)
    lines = evidence[int(str(hostile["r"])) - 1]
    assert any(INJECTION in "".join(p[0] for p in line["p"]) for line in lines)


def test_html_rows_are_in_rank_order_and_errors_listed(records: list[ScanRecord]) -> None:
    ranked = report.rank_records(records)
    page = report.render_html(ranked)
    rows = _page_rows(page)
    ok = [r for r in ranked if r.ok]
    assert [r["src"] for r in rows] == [r.source for r in ok]
    assert [r["r"] for r in rows] == list(range(1, len(ok) + 1))
    assert [r["score"] for r in rows] == [r.score for r in ok]
    head = _block(page, "head")
    assert isinstance(head, dict)
    assert head["rows"] == rows[: report_html.FIRST_ROWS] and head["total"] == len(ok)
    errors = re.search(r'<table id="errors">(.*?)</table>', page, re.S)
    assert errors is not None and errors.group(1).count("<tr>") == 1 + 2  # heading + 2 files
    assert "EmptyDocumentError" in errors.group(1)


def test_html_evidence_rebuilds_each_line_and_keeps_every_rule(records: list[ScanRecord]) -> None:
    ranked = [r for r in report.rank_records(records) if r.ok]
    page = report.render_html(ranked)
    evidence = _block(page, "evidence")
    assert isinstance(evidence, list)
    seen_quiet = seen_loud = 0
    for record, lines in zip(ranked, evidence, strict=True):
        if not record.evidence:
            assert lines == 0
            continue
        by_line = {ev.line_no: ev.line for ev in record.evidence}
        assert len(lines) == len(by_line)
        items = [item for line in lines for item in line["i"]]
        assert [i["t"] for i in items] == [
            ev.text for ev in sorted(record.evidence, key=lambda e: e.line_no)
        ]
        for line, text in zip(lines, by_line.values(), strict=True):
            assert "".join(p[0] for p in line["p"]) == text
            for piece, item in ((p[0], p[1]) for p in line["p"] if p[1] >= 0):
                assert piece == line["i"][item]["t"]
        for item, ev in zip(items, sorted(record.evidence, key=lambda e: e.line_no), strict=True):
            assert [a[:3] for a in item.get("a", [])] == [
                [a.kind, a.factor, a.reason] for a in ev.adjustments
            ]
            for a, adj in zip(item.get("a", []), ev.adjustments, strict=True):
                assert a[4] is report_common.changes_something(adj)
                seen_quiet += not a[4]
                seen_loud += a[4]
    assert seen_quiet and seen_loud


def test_html_rows_carry_tier_why_and_readable_concepts(records: list[ScanRecord]) -> None:
    ranked = [r for r in report.rank_records(records) if r.ok]
    rows = _page_rows(report.render_html(ranked))
    for record, row in zip(ranked, rows, strict=True):
        assert record.summary is not None
        assert row["tier"] == record.summary.tier
        assert row["why"] == report_common.why(record)
        assert row["concepts"] == list(record.summary.concept_names)
        assert all("_" not in str(c) for c in row["concepts"])  # names, not ids
        assert ("el" in row) is bool(record.evidence)


def test_html_csp_hashes_match_the_inline_code() -> None:
    page = report.render_html([])
    style = re.search(r"<style>(.*?)</style>", page, re.S)
    script = re.search(r"<script>(.*?)</script>", page, re.S)
    assert style and script
    assert report_html.csp_hash(style.group(1)) in page
    assert report_html.csp_hash(script.group(1)) in page
    # The policy is written into the attribute unescaped.
    assert not any(c in report_html.content_security_policy() for c in '"<>&')


def test_html_summary_counts_each_tier_and_marks_the_threshold(records: list[ScanRecord]) -> None:
    ranked = report.rank_records(records)
    page = report.render_html(ranked)
    ok = [r for r in ranked if r.ok]
    for tier in report_common.TIER_LABELS:
        mine = [r for r in ok if r.summary is not None and r.summary.tier == tier]
        row = re.search(rf'<tr data-tier="{tier}"><th scope=row>[^<]+</th>(.*?)</tr>', page)
        assert row is not None
        assert re.findall(r'<td class="num">(\d+)</td>', row.group(1)) == [
            str(len(mine)),
            str(sum(1 for r in mine if r.flagged)),
        ]
    assert page.count('class="threshold"') == 1
    assert f"threshold {ok[0].threshold:g}" in page


@pytest.mark.parametrize(
    ("scores", "counts"),
    [
        ([], [0] * 20),
        ([0, 0, 4.99, 5, 100, 99.9, 95], [3, 1] + [0] * 17 + [3]),
        ([50.0, 54.9, 55.0], [0] * 10 + [2, 1] + [0] * 8),
    ],
)
def test_score_histogram_bins(scores: list[float], counts: list[int]) -> None:
    assert report_chart.score_histogram(scores) == counts


def test_chart_is_numbers_and_fixed_words_only() -> None:
    svg = report_chart.score_chart([0, 10, 35, 35, 80], 30)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count('<rect class="bar above"') == 2  # the 35-40 and 80-85 bins
    assert svg.count('<rect class="bar"') == 2
    assert "style=" not in svg  # the CSP allows no style attribute
    assert "threshold 30" in svg


def test_html_removes_bidi_controls_from_every_resume_value() -> None:
    rlo, lri, pdi = "\u202e", "\u2066", "\u2069"
    line = f"Completed {lri}40-hour CIT{pdi} training, see cv{rlo}fdp.exe"
    ev = _ev(line, "CIT", line.index("CIT"))
    record = _record(f"resume{rlo}txt.exe", 50.0).model_copy(
        update={
            "evidence": (ev,),
            "summary": Summary(tier="moderate", best_line=line, counted_lines=1),
        }
    )
    failed = _record(f"bad{rlo}name.pdf", None)
    page = report.render_html([record, failed])
    assert not any(c in page for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    row = _page_rows(page)[0]
    assert row["src"] == "resumetxt.exe" and row["best"] == line.replace(rlo, "").replace(
        lri, ""
    ).replace(pdi, "")
    assert "<bdi>badname.pdf</bdi>" in page


def test_data_json_cannot_end_its_block() -> None:
    value = {"x": "</script><!-- <script>&\u2028\u2029", "s": "\udcff"}
    text = report_page.data_json(value)
    assert not set(text) & set("<>&\u2028\u2029")
    assert json.loads(text) == value


@pytest.mark.parametrize(
    ("tier", "practice", "reasons", "evidence", "expected"),
    [
        ("strong", 3, (), True, "Describes crisis work in 3 experience line(s)."),
        ("moderate", 1, (), True, "Describes crisis work in one experience line."),
        (
            "moderate",
            0,
            ("training or credential: cit",),
            True,
            "Names training or a credential: Crisis Intervention Team.",
        ),
        ("moderate", 0, (), True, "Mentions crisis work without describing it."),
        (
            "claim_only",
            0,
            ("keyword stuffing: keyword block: a run of skill terms (line 4)",),
            True,
            "Only names the skill, in a stuffed keyword list.",
        ),
        (
            "claim_only",
            0,
            (),
            True,
            "Only names the skill (lists, keywords, summary), never describes it.",
        ),
        ("none", 0, (), True, "No counted evidence: 1 match(es) set aside by context."),
        ("none", 0, (), False, "No mention of the skill."),
    ],
)
def test_why_is_one_sentence_per_tier(
    tier: str, practice: int, reasons: tuple[str, ...], evidence: bool, expected: str
) -> None:
    ev = _ev("CIT officer", "CIT", 0).model_copy(
        update={"concept_name": "Crisis Intervention Team"}
    )
    record = _record("x.txt", 40.0).model_copy(
        update={
            "summary": Summary(tier=tier, practice_lines=practice, reasons=reasons),  # type: ignore[arg-type]
            "evidence": (ev,) if evidence else (),
        }
    )
    assert report_common.why(record) == expected


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
