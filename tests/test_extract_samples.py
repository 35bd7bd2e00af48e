"""The shipped sample resumes are readable and look the way sample_resumes/README.md says."""

from __future__ import annotations

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
}


def test_every_sample_is_listed() -> None:
    found = {p.name for p in SAMPLES.iterdir() if p.is_file() and is_candidate_file(p)}
    assert found - {"README.md"} == set(EXPECTED)


@pytest.mark.parametrize(("name", "fmt", "snippet"), [(n, f, s) for n, (f, s) in EXPECTED.items()])
def test_sample_reads(name: str, fmt: str, snippet: str) -> None:
    doc = read_document(SAMPLES / name)
    assert doc.format == fmt
    lines = [line for line in doc.text.splitlines() if snippet in line]
    assert len(lines) == 1, "the snippet's bullet should be on exactly one line"
    assert "Example" in doc.text
