"""Line normalisation before tokenising, and the offset map back to the original text."""

from __future__ import annotations

import pytest

from crisis_screen import Screener
from crisis_screen.normalize import LineNormalizer

WORDS = {"crisis", "hotline", "intervention", "escalation", "de", "suicide"}

# (raw line, what the tokenizer sees)
NORMALISED = [
    ("plain words, nothing to do", "plain words, nothing to do"),
    ("crisis\u00a0intervention", "crisis intervention"),
    ("crisis\u200bintervention", "crisis intervention"),
    ("crisis \t intervention", "crisis intervention"),
    ("crisis    intervention", "crisis intervention"),
    ("inter\u00advention", "intervention"),
    ("crisis\u2010intervention", "crisis-intervention"),
    ("the officer\u2019s \u201ccrisis\u201d plan", 'the officer\'s "crisis" plan'),
    ("\u2022Crisis hotline", "\u2022 Crisis hotline"),
    ("\uf0b7Suicide watch", "\uf0b7 Suicide watch"),
    ("-Crisis hotline shifts", "- Crisis hotline shifts"),
    ("  -Crisis hotline", "  - Crisis hotline"),
    ("sleep;suicide;appetite", "sleep; suicide; appetite"),
    ("crisis|suicide", "crisis| suicide"),
    ("crisis&suicide", "crisis & suicide"),
    ("crisis,911 calls", "crisis, 911 calls"),
    ("911,crisis calls", "911, crisis calls"),
    ("1,500 calls", "1,500 calls"),
    ("24/7 hotline", "24/7 hotline"),
    ("crisis /suicide", "crisis/suicide"),
    ("crisis/ suicide", "crisis/suicide"),
    # PDF line-break hyphens: kept between two words, removed inside a lexicon word
    ("crisis- hotline", "crisis-hotline"),
    ("de- escalation", "de-escalation"),
    ("interven- tion", "intervention"),
    # suspended hyphens and spaced dashes stay
    ("pre- and post-test", "pre- and post-test"),
    ("crisis - hotline", "crisis - hotline"),
]


@pytest.mark.parametrize(("raw", "expected"), NORMALISED)
def test_normalised_text(raw: str, expected: str) -> None:
    assert LineNormalizer(WORDS)(raw).text == expected


@pytest.mark.parametrize(("raw", "expected"), NORMALISED)
def test_every_word_maps_back_to_its_original_characters(raw: str, expected: str) -> None:
    norm = LineNormalizer(WORDS)(raw)
    assert norm.original == raw
    pos = 0
    for word in norm.text.split():
        start = norm.text.index(word, pos)
        pos = start + len(word)
        a, b = norm.span(start, pos)
        original = raw[a:b]
        # The original stretch reads as the same word once the repaired spots are undone.
        assert LineNormalizer(WORDS)(original).text.strip() == word


# (raw line, normalised span, original span): exact offsets through the map
SPANS = [
    ("\u2022Crisis hotline", (2, 8), (1, 7)),
    ("crisis- hotline", (0, 14), (0, 15)),
    ("interven- tion work", (0, 12), (0, 14)),
    ("a\u00a0\u00a0b crisis", (4, 10), (5, 11)),
    ("x\u00adcrisis", (1, 7), (2, 8)),
    ("crisis&suicide", (9, 16), (7, 14)),
]


@pytest.mark.parametrize(("raw", "norm_span", "orig_span"), SPANS)
def test_span_map(raw: str, norm_span: tuple[int, int], orig_span: tuple[int, int]) -> None:
    assert LineNormalizer(WORDS)(raw).span(*norm_span) == orig_span


def test_unchanged_line_keeps_identity_map() -> None:
    norm = LineNormalizer(WORDS)("Responded to crisis calls")
    assert not norm.changed
    assert norm.span(3, 9) == (3, 9)


# (resume line, concept, exact evidence text) with the shipped lexicon
SCREENED = [
    ("\u2022Crisis intervention for walk-in clients", "crisis_intervention", "Crisis intervention"),
    ("\u25aaCIT trained patrol officer", "cit", "CIT"),
    ("Completed Baker\u00a0Act transports", "psychiatric_hold", "Baker\u00a0Act"),
    ("Partnered on street\ttriage shifts", "co_responder", "street\ttriage"),
    ("Provided crisis  intervention nightly", "crisis_intervention", "crisis  intervention"),
    ("Answered the crisis- hotline nightly", "crisis_line", "crisis- hotline"),
    ("Skilled in crisis interven- tion", "crisis_intervention", "crisis interven- tion"),
    ("Trained in crisis\u2010intervention", "crisis_intervention", "crisis\u2010intervention"),
    ("Took crisis\u200bcalls at dispatch", "crisis_response", "crisis\u200bcalls"),
    ("sleep;suicide watch rounds", "suicide_intervention", "suicide watch"),
    # a word broken by a line-break hyphen, the line holding no other anchor
    ("Kept inmates on sui- cide watch", "suicide_intervention", "sui- cide watch"),
]


@pytest.mark.parametrize(("text", "concept", "span"), SCREENED)
def test_screening_sees_through_the_mess(
    screener: Screener, text: str, concept: str, span: str
) -> None:
    result = screener.screen_text("Summary\n" + text)
    hits = [e for e in result.evidence if e.concept == concept]
    assert hits, [(e.concept, e.text) for e in result.evidence]
    e = hits[0]
    assert e.text == span
    assert e.start == len("Summary\n") + text.index(span)
    assert e.line == text


def test_cue_offsets_are_original_offsets(screener: Screener) -> None:
    # The support cue stands after a repaired spot, so its offsets go through the map.
    text = "\u2022De-escalation  of  patients in\u00a0psychiatric crisis"
    result = screener.screen_text(text)
    cues = [
        (adj.cue, adj.cue_start, adj.cue_end)
        for e in result.evidence
        for adj in e.adjustments
        if adj.cue is not None
    ]
    assert ("psychiatric", text.index("psychiatric"), text.index(" crisis")) in cues
    for cue, start, end in cues:
        assert start is not None and end is not None
        assert text[start:end] == cue


def test_the_gate_passes_broken_and_oddly_spaced_anchors(screener: Screener) -> None:
    gate = screener.terms.gate
    text = "\n".join(
        [
            "nothing here",
            "on sui- cide watch",
            "Baker\u00a0Act transport",
            "de- escalation",
            "street\ttriage",
            "nothing here either",
        ]
    )
    starts = [0]
    for line in text.split("\n")[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    assert gate.candidate_lines(text, starts) == [1, 2, 3, 4]
