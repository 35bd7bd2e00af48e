"""Context rules: negation, aspiration, other people's work, out-of-domain senses, support,
sections and keyword stuffing. The cases live in tests/data/context_cases.jsonl."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crisis_screen import Screener

CASES = [
    json.loads(line)
    for line in (Path(__file__).parent / "data" / "context_cases.jsonl").read_text().splitlines()
    if line.strip()
]


def _find(result: Any, case: dict[str, Any]) -> Any:
    for e in result.evidence:
        if e.text == case["term"] or (case.get("prefix") and e.text.startswith(case["term"])):
            return e
    return None


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:40] for c in CASES])
def test_context_case(screener: Screener, case: dict[str, Any]) -> None:
    result = screener.screen_text(case["text"])
    ev = _find(result, case)
    if ev is None and case.get("optional_term"):
        assert not any(e.counted for e in result.evidence)
        return
    assert ev is not None, [e.text for e in result.evidence]
    assert ev.counted is case["counted"]
    kinds = [a.kind for a in ev.adjustments]
    if case["adjustment"] is None:
        assert not {
            "negated",
            "hypothetical",
            "other_person",
            "out_of_domain",
            "unsupported",
        } & set(kinds)
    else:
        adjs = [a for a in ev.adjustments if a.kind == case["adjustment"]]
        assert adjs, kinds
        if case["cue"] is not None:
            adj = next(a for a in adjs if a.cue == case["cue"])
            assert case["text"][adj.cue_start : adj.cue_end] == case["cue"]
        assert all(a.reason for a in adjs)
    if not ev.counted:
        assert ev.confidence == 0.0
        assert not result.flagged


def test_negation_scope_ends_at_terminator(screener: Screener) -> None:
    result = screener.screen_text("No arrests needed; provided crisis intervention on scene")
    ev = next(e for e in result.evidence if e.text == "crisis intervention")
    assert ev.counted


def test_negation_is_forward_only(screener: Screener) -> None:
    result = screener.screen_text("Crisis intervention with no use of force")
    assert result.evidence[0].counted


def test_context_never_deletes_evidence(screener: Screener) -> None:
    result = screener.screen_text("No crisis intervention experience")
    assert len(result.evidence) == 1
    assert result.evidence[0].adjustments[0].kind == "negated"


RESUME = """Jordan Example
SUMMARY
Patrol officer with community policing background.
EXPERIENCE
- Responded to over 150 mental health calls as a CIT-certified officer
SKILLS
Crisis intervention, report writing, firearms
CERTIFICATIONS
Mental Health First Aid for Public Safety
"""


def test_sections_are_detected_and_weighted(screener: Screener) -> None:
    result = screener.screen_text(RESUME)
    by_text = {e.text: e for e in result.evidence}
    assert by_text["mental health calls"].section == "experience"
    assert by_text["Crisis intervention"].section == "skills"
    assert by_text["Mental Health First Aid for Public Safety"].section == "certifications"
    skills = by_text["Crisis intervention"]
    assert any(a.kind == "section" for a in skills.adjustments)
    assert skills.counted
    assert skills.confidence < by_text["mental health calls"].confidence
    assert not result.summary.skills_list_only


def test_keyword_stuffing_does_not_raise_the_score(screener: Screener) -> None:
    once = screener.screen_text("SKILLS\nCrisis intervention")
    stuffed = screener.screen_text("SKILLS\n" + ", ".join(["Crisis intervention"] * 20))
    many_lines = screener.screen_text("SKILLS\n" + "\n".join(["Crisis intervention"] * 20))
    assert stuffed.score == once.score
    assert many_lines.score == once.score
    assert once.summary.skills_list_only


def test_skills_list_only_scores_below_described_experience(screener: Screener) -> None:
    listed = screener.screen_text(
        "SKILLS\nCrisis intervention, CIT, suicide prevention, de-escalation, "
        "Mental Health First Aid, crisis negotiation, co-responder, 5150 holds"
    )
    described = screener.screen_text(
        "EXPERIENCE\nCompleted 40-hour CIT training and responded to over 200 crisis calls\n"
        "Coordinated with local psychiatric facilities on 5150 holds"
    )
    # The claim is reported with its tier and a score, but only described work is flagged.
    assert described.flagged and not listed.flagged
    assert listed.summary.tier == "claim_only" and listed.score > 0
    assert listed.score < described.score


def test_list_line_outside_skills_section_is_a_claim(screener: Screener) -> None:
    result = screener.screen_text(
        "Course sample: Anatomy & Physiology, Crisis Intervention, Pharmacology, Ethics"
    )
    ev = result.evidence[0]
    assert ev.counted
    assert [a.kind for a in ev.adjustments][0] == "list_line"
