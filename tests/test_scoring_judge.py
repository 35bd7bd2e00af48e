"""Adjustments without a cue are built once and shared: they must equal validated ones."""

from __future__ import annotations

from typing import Any

from crisis_screen.models import Adjustment, Quantities
from crisis_screen.scoring import OCR_FACTOR, apply_ocr, judge

ALL_FIELDS = {"kind", "factor", "reason", "cue", "cue_start", "cue_end"}


def _judge(**overrides: Any) -> Any:
    values: dict[str, Any] = {
        "method": "exact",
        "similarity": 100.0,
        "weight": 1.0,
        "is_title": False,
        "requires": ("mh_context",),
        "effects": (),
        "section": "skills",
        "section_support": frozenset(),
        "list_line": False,
        "cue_text": {},
        "cue_offsets": {},
        "quantities": Quantities(),
    }
    values.update(overrides)
    return judge(**values)


def test_cueless_adjustments_equal_their_validated_form_on_every_call() -> None:
    first, second = _judge(), _judge()
    expected = (
        Adjustment(kind="section", factor=0.75, reason="in the skills section: a listed claim"),
        Adjustment(
            kind="unsupported",
            factor=0.0,
            reason="ambiguous term without a supporting cue (mh_context)",
        ),
    )
    for verdict in (first, second):
        assert tuple(verdict.adjustments) == expected
        assert [a.model_dump_json() for a in verdict.adjustments] == [
            a.model_dump_json() for a in expected
        ]
        assert all(a.model_fields_set == ALL_FIELDS for a in verdict.adjustments)
    # A list of one judgement's adjustments is its own: adding to it leaves the next one alone.
    first.adjustments.append(expected[0])
    assert len(_judge().adjustments) == 2


def test_apply_ocr_adds_the_ocr_adjustment_and_recounts() -> None:
    verdict = _judge(requires=(), section="experience")
    assert verdict.adjustments == [] and verdict.counted
    scanned = apply_ocr(verdict)
    assert scanned.adjustments == [
        Adjustment(kind="ocr", factor=OCR_FACTOR, reason="read by OCR from a scanned page or image")
    ]
    assert scanned.adjustments[0].model_fields_set == ALL_FIELDS
    assert scanned.confidence == round(0.95 * OCR_FACTOR, 4)
    assert apply_ocr(_judge(requires=(), weight=0.45)).counted is False
