"""Corners of the resume-level aggregate, driven with hand-built evidence."""

from __future__ import annotations

from datetime import date
from typing import Any

from crisis_screen.models import Adjustment, Evidence
from crisis_screen.scoring import aggregate

DAY = date(2026, 12, 3)


def _evidence(line_no: int, concept: str, **overrides: Any) -> Evidence:
    values: dict[str, Any] = {
        "line_no": line_no,
        "line": f"line {line_no}",
        "start": line_no * 100,
        "end": line_no * 100 + 3,
        "text": concept.upper(),
        "concept": concept,
        "term": concept,
        "method": "exact",
        "similarity": 100.0,
        "section": "skills",
        "base": 0.95,
        "confidence": 0.95,
        "counted": True,
    }
    values.update(overrides)
    return Evidence(**values)


def _mark(kind: str, factor: float = 1.0) -> tuple[Adjustment, ...]:
    return (Adjustment(kind=kind, factor=factor, reason=kind),)


def test_a_keyword_block_in_a_certifications_section_is_a_claim_and_named_as_stuffing() -> None:
    block = _mark("keyword_block")
    evidence = [
        _evidence(7, "cit", section="certifications", adjustments=block, kinds=("credential",)),
        _evidence(3, "de_escalation", section="certifications", adjustments=block),
    ]
    score, summary = aggregate(evidence, set(), reference_date=DAY)
    assert summary.tier == "claim_only"
    assert "keyword stuffing: keyword block: a run of skill terms with no sentence (line 3, 7)" in (
        summary.reasons
    )
    assert summary.score_parts == {"tier_claim_only": 10.0}
    assert score == 10.0


def test_claims_repeated_on_three_lines_and_many_concepts_named_are_stuffing() -> None:
    evidence = [_evidence(n, "cit") for n in (1, 2, 3)]
    evidence += [_evidence(4, c) for c in ("a", "b", "c")]
    _, summary = aggregate(evidence, set(), reference_date=DAY)
    assert summary.reasons[-2:] == (
        "keyword stuffing: repeated claims: cit named on 3 or more lines",
        "keyword stuffing: 4 skill concepts named and none of them described",
    )
    assert summary.counted_lines == 4 and summary.concepts == ("a", "b", "c", "cit")
    # One described line and the concepts are no longer "none of them described".
    evidence.append(_evidence(9, "cit", section="experience", kinds=("practice",)))
    _, summary = aggregate(evidence, set(), reference_date=DAY)
    assert not any("none of them described" in r for r in summary.reasons)


def test_health_disclosures_are_counted_by_line_whether_or_not_anything_counts() -> None:
    withheld = _mark("health_disclosure", 0.0)
    hidden = [
        _evidence(n, "suicide", confidence=0.0, counted=False, adjustments=withheld)
        for n in (5, 5, 6)
    ]
    reason = "2 line(s) excluded: the candidate's own health history"
    _, summary = aggregate(hidden, set(), reference_date=DAY)
    assert summary.tier == "none" and summary.reasons == (reason,)
    _, summary = aggregate([_evidence(1, "cit"), *hidden], set(), reference_date=DAY)
    assert summary.tier == "claim_only" and summary.reasons[-1] == reason


def test_the_best_line_is_the_first_of_equally_strong_evidence() -> None:
    evidence = [
        _evidence(2, "cit", section="experience", kinds=("practice",), start=50, end=53),
        _evidence(1, "cit", section="experience", kinds=("practice",), start=50, end=53),
        _evidence(3, "cit", section="experience", kinds=("practice",), confidence=0.9),
    ]
    _, summary = aggregate(evidence, set(), reference_date=DAY, positions=lambda: [])
    assert summary.best_line == "line 2"
    assert summary.tier == "strong" and summary.practice_lines == 3
