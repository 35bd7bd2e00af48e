"""The shipped sample resumes (described in scripts/sample_sources/README.md) read and rank."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crisis_screen.extract import is_candidate_file, read_document

SAMPLES = Path(__file__).resolve().parents[1] / "sample_resumes"
EXPECTED = {
    "police_officer_cit.pdf": ("pdf", "Placed individuals on 72-hour psychiatric holds (5150)"),
    "cit_trainer_sergeant.pdf": (
        "pdf",
        "\u2022 Trained over 250 officers in de-escalation of people in mental health crisis, "
        "suicide-by-cop awareness and 5150 criteria.",
    ),
    "corrections_suicide_watch.pdf": ("pdf", "suicide watch checks on the mental health unit"),
    "finance_analyst_2008.pdf": ("pdf", "Modeled default rates during the 2008 financial crisis"),
    "sheriff_deputy_coresponder.docx": ("docx", "- Ride with a licensed clinician"),
    "pr_crisis_communications.docx": ("docx", "- Led crisis response for two product recalls"),
    "corrections_use_of_force.docx": ("docx", "applied mechanical restraints"),
    "dispatcher_911.txt": ("text", "Handled suicidal callers"),
    "it_incident_response.txt": ("text", "Incident commander"),
    "coresponder_clinician.json": ("json_resume", "72-hour psychiatric hold"),
    "crisis_line_counsellor.md": ("markdown", "ASIST-certified"),
    "campus_police_mhfa.html": ("html", "- Certified in Mental Health First Aid"),
    "retail_manager_deescalation.rtf": ("rtf", "De-escalated customer complaints"),
    # Needs tesseract (OCR) and antiword (or catdoc); skipped, not failed, without them.
    "mobile_crisis_paramedic_scan.pdf": (
        "pdf",
        "Screen callers for suicide risk with the Columbia protocol and build safety plans",
    ),
    "warehouse_safety_lead.doc": ("doc", "Safety Lead, Example Logistics Distribution Centre\t"),
}
NEEDS_TOOL = {
    "mobile_crisis_paramedic_scan.pdf": "tesseract",
    "warehouse_safety_lead.doc": "antiword",
}


def _skip_without_tool(name: str) -> None:
    tool = NEEDS_TOOL.get(name)
    if tool is not None and shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed")


def test_every_sample_is_listed() -> None:
    found = {p.name for p in SAMPLES.iterdir() if p.is_file() and is_candidate_file(p)}
    assert found == set(EXPECTED)


@pytest.mark.parametrize(("name", "fmt", "snippet"), [(n, f, s) for n, (f, s) in EXPECTED.items()])
def test_sample_reads(name: str, fmt: str, snippet: str) -> None:
    _skip_without_tool(name)
    doc = read_document(SAMPLES / name)
    assert doc.format == fmt
    lines = [line for line in doc.text.splitlines() if snippet in line]
    assert len(lines) == 1, "the snippet's bullet should be on exactly one line"
    assert "Example" in doc.text


POSITIVE_SAMPLES = {
    "campus_police_mhfa.html",
    "cit_trainer_sergeant.pdf",
    "coresponder_clinician.json",
    "corrections_suicide_watch.pdf",
    "crisis_line_counsellor.md",
    "dispatcher_911.txt",
    "police_officer_cit.pdf",
    "sheriff_deputy_coresponder.docx",
    "mobile_crisis_paramedic_scan.pdf",
}


def test_samples_rank_every_positive_above_every_hard_negative() -> None:
    from crisis_screen import Screener

    for name in NEEDS_TOOL:
        _skip_without_tool(name)
    screener = Screener.default()
    scores = {p.name: screener.screen_file(p) for p in SAMPLES.iterdir() if p.is_file()}
    assert set(scores) == set(EXPECTED)
    flagged = {name for name, r in scores.items() if r.flagged}
    assert flagged == POSITIVE_SAMPLES
    lowest_positive = min(scores[n].score for n in POSITIVE_SAMPLES)
    highest_negative = max(r.score for n, r in scores.items() if n not in POSITIVE_SAMPLES)
    assert lowest_positive > highest_negative
