"""Blind review (``--redact``): who the candidate is stays out of the HTML and CSV outputs."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from crisis_screen.cli import cli
from crisis_screen.models import Versions
from crisis_screen.report.common import line_start, match_span
from crisis_screen.report.redact import NAME_MASK, redact_record, redact_text
from crisis_screen.runs.records import ScanRecord, Timings
from crisis_screen.runs.screen import screen_source
from crisis_screen.runs.sources import MemorySource
from crisis_screen.screener import Screener
from test_batch_support import patch_build

# A resume whose identity sits where resumes put it: the file name, a headline, a contact
# line, and a web address further down.
NAME = "Dana_Whitfield_CV.txt"
RESUME = (
    "Dana Q. Whitfield | CIT Officer\n"
    "Oakridge, OR | (541) 555-0182 | dana.whitfield@mail.example.org | danawhitfield.dev\n"
    "\n"
    "EXPERIENCE\n"
    "Patrol Officer, Oakridge Police, 2014 - Present\n"
    "- Responded to over 300 mental health crisis calls with the mobile crisis team\n"
    "- Completed 40-hour Crisis Intervention Team training; notes at https://example.org/dw\n"
    "- Reach me on 541.555.0199 about the co-responder pilot\n"
)
IDENTITY = (
    "Dana",
    "Whitfield",
    "Oakridge, OR",
    "555-0182",
    "555.0199",
    "dana.whitfield@",
    "danawhitfield.dev",
    "example.org/dw",
)


@pytest.fixture(autouse=True)
def _fast_build(monkeypatch: pytest.MonkeyPatch) -> None:
    patch_build(monkeypatch)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to jo.ng+cv@uni.example.ac.uk today", "write to [email] today"),
        ("call (212) 555-0147 or 212-555-0148", "call [phone] or [phone]"),
        ("cell +44 20 7946 0958, desk 555-0100", "cell [phone], desk [phone]"),
        ("see https://example.net/a?b=1. Thanks", "see [url]. Thanks"),
        ("portfolio www.example.com/me, github.com/someone", "portfolio [url], [url]"),
        ("site: jane-roe.dev", "site: [url]"),
        # What is not identity stays: dates, spans of years, hours, counts, codes.
        (
            "Jan 2019 - Present, 03/2014 to 2016, 2014-2016",
            "Jan 2019 - Present, 03/2014 to 2016, 2014-2016",
        ),
        (
            "40-hour CIT, 300 calls, 5150 holds, 24/7 line",
            "40-hour CIT, 300 calls, 5150 holds, 24/7 line",
        ),
        (
            "dispatched 911 and 988 calls on 2021-06-30",
            "dispatched 911 and 988 calls on 2021-06-30",
        ),
    ],
)
def test_redact_text(text: str, expected: str) -> None:
    assert redact_text(text) == expected


@pytest.fixture(scope="module")
def record(screener: Screener) -> ScanRecord:
    found = screen_source(screener, MemorySource(name=NAME, data=RESUME.encode()))
    assert found.ok and found.evidence
    # The headline's title is evidence, so the name/contact block reaches the outputs.
    assert any(ev.line_no == 1 for ev in found.evidence)
    return found


def test_a_redacted_record_holds_no_identity_and_keeps_its_evidence(record: ScanRecord) -> None:
    blind = redact_record(record)
    dumped = blind.model_dump_json()
    for secret in IDENTITY:
        assert secret not in dumped, secret
    assert blind.source == f"resume-{record.sha256[:12]}.txt"  # type: ignore[index]
    assert blind.sha256 == record.sha256 and blind.score == record.score
    headline = next(ev for ev in blind.evidence if ev.line_no == 1)
    assert headline.line.startswith(NAME_MASK) and headline.text in headline.line
    assert headline.text == next(ev.text for ev in record.evidence if ev.line_no == 1)
    for i, (old, new) in enumerate(zip(record.evidence, blind.evidence, strict=True)):
        # Document offsets still point into the original; the match is found exactly in
        # the redacted line.
        assert (new.start, new.end, new.concept, new.counted) == (
            old.start,
            old.end,
            old.concept,
            old.counted,
        )
        span = match_span(new, line_start(blind, i))
        assert span is not None and new.line[span[0] : span[1]] == new.text
        if old.line_no > 2:
            assert new.text == old.text  # evidence below the header is unchanged
    assert blind.summary is not None and blind.summary.best_line is not None
    assert "[url]" in dumped and "[phone]" in dumped


def test_an_error_record_names_the_alias_not_the_file() -> None:
    failed = ScanRecord(
        source="in/Dana_Whitfield_CV.pdf",
        sha256=hashlib.sha256(b"x").hexdigest(),
        status="error",
        error_type="CorruptDocumentError",
        error="in/Dana_Whitfield_CV.pdf: not a PDF (Dana_Whitfield_CV.pdf)",
        timings=Timings(read_ms=0, screen_ms=0),
        versions=Versions(library="1", lexicon="l@1", scoring="s"),
    )
    blind = redact_record(failed)
    assert "Dana" not in blind.model_dump_json()
    assert blind.error == f"{blind.source}: not a PDF ({blind.source})"


def invoke(args: list[str]) -> Result:
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def test_scan_redacts_the_csv_the_evidence_csv_and_the_html(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / NAME).write_text(RESUME, encoding="utf-8")
    out = tmp_path / "ranking.csv"
    evidence = tmp_path / "evidence.csv"
    args = ["scan", str(folder), "--jobs", "1", "-q", "--redact"]
    assert invoke([*args, "-o", str(out), "--evidence-csv", str(evidence)]).exit_code == 0
    html = tmp_path / "report.html"
    assert invoke([*args, "-o", str(html)]).exit_code == 0
    for path in (out, evidence, html):
        text = path.read_text(encoding="utf-8")
        for secret in IDENTITY:
            assert secret not in text, (path.name, secret)
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    sha = hashlib.sha256(RESUME.encode()).hexdigest()
    assert [(r["source"], r["sha256"]) for r in rows] == [(f"resume-{sha[:12]}.txt", sha)]
    ev_rows = list(csv.DictReader(io.StringIO(evidence.read_text(encoding="utf-8"), newline="")))
    assert ev_rows and all(r["source"] == rows[0]["source"] for r in ev_rows)
    for row in ev_rows:
        start, end = int(row["match_start"]), int(row["match_end"])
        assert row["line"][start:end] == row["text"]
    # Without --redact the same run shows who it is: the test data really holds identity.
    plain = tmp_path / "plain.csv"
    assert invoke(["scan", str(folder), "--jobs", "1", "-q", "-o", str(plain)]).exit_code == 0
    assert "Whitfield" in plain.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_redact_refuses_the_machine_formats(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "cv.txt").write_text("CIT officer\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["scan", str(tmp_path), "--format", fmt, "--redact"])
    assert result.exit_code == 2
    assert "--redact works with --format html, csv or table" in result.output
