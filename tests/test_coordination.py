"""Coordination: a modifier or head shared by conjuncts rebuilds a lexicon term.

Engine cases run on a small lexicon of their own, so that which terms exist is explicit; a few
cases check the shipped lexicon's behaviour on look-alikes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crisis_screen import Screener
from crisis_screen.models import Evidence

JOINT = re.compile(r"\b(?:and|or)\b|[,/&]")

MINI = """
[skill]
id = "mini"
name = "Mini"
version = "0.1"

[gate]
anchors = ["psychiatric", "crisis", "suicide", "grief", "mental", "stabiliz"]

[spelling]
pairs = [["counselling", "counseling"]]

[[concepts]]
id = "emergency"
name = "Psychiatric emergencies"
  [[concepts.terms]]
  phrases = ["psychiatric emergency", "psychiatric emergencies"]

[[concepts]]
id = "counselling"
name = "Crisis counselling"
  [[concepts.terms]]
  phrases = ["crisis counselling"]

[[concepts]]
id = "grief"
name = "Grief counselling"
  [[concepts.terms]]
  phrases = ["grief counselling"]

[[concepts]]
id = "risk"
name = "Suicide risk"
  [[concepts.terms]]
  phrases = ["suicide risk"]

[[concepts]]
id = "prevention"
name = "Suicide prevention"
  [[concepts.terms]]
  phrases = ["suicide prevention"]

[[concepts]]
id = "postvention"
name = "Suicide postvention"
  [[concepts.terms]]
  phrases = ["suicide postvention"]

[[concepts]]
id = "evaluation"
name = "Mental health evaluations"
  [[concepts.terms]]
  phrases = ["emergency mental health evaluation", "emergency mental health evaluations"]

[[concepts]]
id = "stabilization"
name = "Crisis stabilization"
  [[concepts.terms]]
  fuzzy = true
  phrases = ["crisis stabilization"]

[[concepts]]
id = "mh_crisis"
name = "Mental health crisis"
  [[concepts.terms]]
  phrases = ["mental health crisis", "mental crisis"]

# Forward only: it reaches hits after it, never the "crisis" before it.
[[cues]]
id = "debt_advice"
category = "out_of_domain"
direction = "forward"
literals = ["debt counselling"]
"""


@pytest.fixture(scope="module")
def mini(tmp_path_factory: pytest.TempPathFactory) -> Screener:
    path: Path = tmp_path_factory.mktemp("lex") / "mini.toml"
    path.write_text(MINI, encoding="utf-8")
    return Screener(lexicon=path)


def rebuilt(screener: Screener, text: str) -> list[Evidence]:
    """Evidence whose text is not the term itself: the coordination hits."""
    result = screener.screen_text(text)
    for e in result.evidence:
        assert text[e.start : e.end] == e.text
    return [e for e in result.evidence if JOINT.search(e.text)]


# (line, rebuilt term, concept, exact text of the evidence)
POSITIVES = [
    # shared head: X CONJ Y H -> X H
    (
        "Triaged psychiatric and surgical emergencies overnight",
        "psychiatric emergencies",
        "emergency",
        "psychiatric and surgical emergencies",
    ),
    (
        "Covered psychiatric or obstetric emergency calls",
        "psychiatric emergency",
        "emergency",
        "psychiatric or obstetric emergency",
    ),
    (
        "Offered crisis & family counselling",
        "crisis counselling",
        "counselling",
        "crisis & family counselling",
    ),
    (
        "Screened for suicide/overdose risk",
        "suicide risk",
        "risk",
        "suicide/overdose risk",
    ),
    (
        "Screened for suicide / self-neglect risk",
        "suicide risk",
        "risk",
        "suicide / self-neglect risk",
    ),
    (
        "Checked suicide and/or violence risk",
        "suicide risk",
        "risk",
        "suicide and/or violence risk",
    ),
    # three conjuncts, with and without a real conjunction
    (
        "Gave crisis, marital and career counseling",
        "crisis counselling",
        "counselling",
        "crisis, marital and career counseling",
    ),
    (
        "Charted appetite, suicide, fall risk daily",
        "suicide risk",
        "risk",
        "suicide, fall risk",
    ),
    # the head several words after the skipped conjunct ("X ... H")
    # (no "scheduled" here: the common aspiration cues read it as a plan in any skill)
    (
        "Completed emergency and routine outpatient mental health evaluations",
        "emergency mental health evaluations",
        "evaluation",
        "emergency and routine outpatient mental health evaluations",
    ),
    # shared left modifier: X H1 CONJ H2 -> X H2
    (
        "Led suicide prevention and postvention work",
        "suicide postvention",
        "postvention",
        "suicide prevention and postvention",
    ),
    (
        "Built suicide prevention, screening and postvention programs",
        "suicide postvention",
        "postvention",
        "suicide prevention, screening and postvention",
    ),
]


@pytest.mark.parametrize(("text", "term", "concept", "span"), POSITIVES)
def test_coordination_rebuilds_the_term(
    mini: Screener, text: str, term: str, concept: str, span: str
) -> None:
    hits = [e for e in rebuilt(mini, text) if e.term == term]
    assert len(hits) == 1, [(e.term, e.text) for e in mini.screen_text(text).evidence]
    e = hits[0]
    assert (e.concept, e.method, e.text) == (concept, "pattern", span)
    assert e.start == text.index(span)
    assert e.end == e.start + len(span)
    assert e.counted


def test_a_typo_in_a_conjunct_gives_a_fuzzy_rebuilt_hit(mini: Screener) -> None:
    text = "Provided crisis and medical stabilizaton"
    (e,) = rebuilt(mini, text)
    assert (e.term, e.method, e.text) == (
        "crisis stabilization",
        "fuzzy",
        "crisis and medical stabilizaton",
    )
    assert 90.0 <= e.similarity < 100.0


def test_the_other_conjuncts_keep_their_own_hits(mini: Screener) -> None:
    text = "Offered crisis and grief counselling"
    result = mini.screen_text(text)
    found = {(e.term, e.text) for e in result.evidence}
    assert found == {
        ("grief counselling", "grief counselling"),
        ("crisis counselling", "crisis and grief counselling"),
    }


def test_a_concept_already_shown_by_the_line_is_not_repeated(mini: Screener) -> None:
    # "psychiatric emergency" stands literally; rebuilding it again from the coordination
    # would add nothing but noise.
    text = "Handled psychiatric emergency and trauma cases"
    result = mini.screen_text(text)
    assert [(e.term, e.text) for e in result.evidence] == [
        ("psychiatric emergency", "psychiatric emergency")
    ]


# Lines that must give no rebuilt term: each breaks one condition of a coordination.
NEGATIVES = [
    # the rebuilt phrase is not a term of the lexicon
    "Filed mental health and medical records",
    "Kept psychiatric and dental records current",
    # two conjuncts joined by a comma only: a list, not a shared head
    "Skills: crisis, family counselling",
    # a function word or a verb phrase is not a modifier run
    "Calmed the crisis and then began family counselling",
    "Reported suicide and the overdose risk",
    # sentence punctuation between the parts
    "Managed a crisis. Family counselling followed",
    "Handled psychiatric; surgical emergencies",
    # the skipped conjunct is too long to be a modifier run
    "Gave crisis and extended weekly home family counselling",
    # nothing after the conjunction
    "Psychiatric and",
    # a second conjunct with a head of its own does not share the first one's modifier
    "Funded mental health and crisis programs",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_no_term_is_invented(mini: Screener, text: str) -> None:
    assert rebuilt(mini, text) == []


def test_shipped_lexicon_public_relations_coordination_stays_out(screener: Screener) -> None:
    text = "Ran crisis communications and media relations for a utility"
    result = screener.screen_text(text)
    assert not any(e.counted for e in result.evidence)
    assert not any(" and " in e.text for e in result.evidence)


def test_a_cue_inside_the_skipped_conjunct_applies(mini: Screener) -> None:
    # "debt counselling" overlaps the head, so an ordinary hit there would ignore it as part of
    # the term; for the rebuilt "crisis ... counselling" it is the skipped conjunct's sense.
    text = "Offered crisis and debt counselling"
    (e,) = rebuilt(mini, text)
    assert (e.term, e.text) == ("crisis counselling", "crisis and debt counselling")
    assert not e.counted
    (adj,) = [a for a in e.adjustments if a.kind == "out_of_domain"]
    assert adj.cue == "debt counselling"
    assert (adj.cue_start, adj.cue_end) == (text.index("debt"), len(text))


def test_shipped_lexicon_ambiguous_compound_blocks_the_rebuild(screener: Screener) -> None:
    # "crisis management" needs a mental-health element; the coordination may be the business
    # sense as well, so no "crisis response" is rebuilt over it.
    text = "Led crisis management and response for the bank"
    result = screener.screen_text(text)
    assert not any(e.counted for e in result.evidence)
    assert [e.term for e in result.evidence] == ["crisis management"]


def test_shipped_lexicon_shared_head_counts(screener: Screener) -> None:
    text = "Stabilised psychiatric and pediatric emergencies in the ER"
    result = screener.screen_text(text)
    (e,) = [e for e in result.evidence if e.counted]
    assert (e.term, e.text) == (
        "psychiatric emergencies",
        "psychiatric and pediatric emergencies",
    )
