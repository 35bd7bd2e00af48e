"""Models built without validation in the hot loop equal their validated counterparts."""

from __future__ import annotations

import pytest

from crisis_screen import Screener
from crisis_screen.models import Adjustment, Evidence, Quantities, ScreenResult, Summary, trusted


def test_every_result_model_round_trips_through_validation(screener: Screener) -> None:
    result = screener.screen_text(
        "Crisis Intervention Team (CIT) officer since 2015\n"
        "Responded to over 300 mental health calls, 2016 - 2022\n"
        "No formal suicide prevention training yet"
    )
    assert result.evidence and any(e.adjustments for e in result.evidence)
    again = ScreenResult.model_validate_json(result.model_dump_json())
    assert again == result
    assert repr(again.summary) == repr(result.summary)  # fields in declaration order


def test_defaults_filled_and_fields_set_like_model_construct() -> None:
    built = trusted(Adjustment, kind="negated", factor=0.0, reason="r")
    assert built == Adjustment(kind="negated", factor=0.0, reason="r")
    assert built.model_fields_set == {"kind", "factor", "reason"}
    assert trusted(Quantities) == Quantities()
    assert trusted(Summary).score_parts == {} and trusted(Summary).score_parts is not (
        trusted(Summary).score_parts
    )  # a fresh default_factory value each time


def test_missing_required_field_or_unknown_name_is_refused() -> None:
    with pytest.raises(TypeError, match="missing"):
        trusted(Evidence, line_no=1)
    with pytest.raises(TypeError, match="unknown"):
        trusted(Quantities, hours=1, minutes=3)


def test_unknown_name_in_place_of_a_field_is_refused() -> None:
    with pytest.raises(TypeError, match="unknown"):
        trusted(Quantities, hours=1, count=2, count_unit="calls", minutes=3)


def test_fields_given_in_any_order_come_out_in_declaration_order() -> None:
    # JSON and repr follow the stored order: a caller's keyword order must not leak into them.
    built = trusted(Adjustment, reason="r", factor=0.5, kind="negated", cue_end=4)
    validated = Adjustment(kind="negated", factor=0.5, reason="r", cue_end=4)
    assert list(built.__dict__) == list(Adjustment.model_fields)
    assert built.model_dump_json() == validated.model_dump_json()
    assert repr(built) == repr(validated)
    assert built.model_fields_set == {"kind", "factor", "reason", "cue_end"}


def test_a_given_value_of_a_defaulted_field_is_kept() -> None:
    parts = {"tier_none": 0.0}
    built = trusted(Summary, tier="none", score_parts=parts)
    assert built.score_parts is parts and built.concept_names == ()
    assert built == Summary(tier="none", score_parts=parts)
    assert built.model_fields_set == {"tier", "score_parts"}


def test_frozen_models_share_their_set_of_given_fields_and_copies_do_not() -> None:
    # One set per shape of call, not per model: fewer objects for the garbage collector.
    a = trusted(Adjustment, kind="negated", factor=0.0, reason="a")
    b = trusted(Adjustment, kind="negated", factor=0.5, reason="b")
    assert a.__pydantic_fields_set__ is b.__pydantic_fields_set__
    copied = a.model_copy(update={"cue_end": 3})
    assert copied.model_fields_set == {"kind", "factor", "reason", "cue_end"}
    assert a.model_fields_set == b.model_fields_set == {"kind", "factor", "reason"}
    assert a.model_dump(exclude_unset=True) == {"kind": "negated", "factor": 0.0, "reason": "a"}
    # Another order or another set of names is another shape.
    c = trusted(Adjustment, reason="c", kind="negated", factor=1.0, cue_end=4)
    assert c.model_fields_set == {"kind", "factor", "reason", "cue_end"}
    assert a.model_fields_set == {"kind", "factor", "reason"}


def test_unknown_and_missing_fields_are_still_refused() -> None:
    with pytest.raises(TypeError, match="unknown"):
        trusted(Adjustment, kind="negated", factor=0.0, reason="r", colour="red")
    with pytest.raises(TypeError, match="missing"):
        trusted(Adjustment, kind="negated")
