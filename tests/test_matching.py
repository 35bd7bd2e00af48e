"""Term matching: every method, the seed bullets, the skill's many names, hard negatives."""

from __future__ import annotations

import pytest

from crisis_screen import Screener
from crisis_screen.matchers import LineGate, _gate_text

# (text, concept, method, matched text)
MATCHES = [
    # exact phrases, any case
    ("Crisis Intervention", "crisis_intervention", "exact", "Crisis Intervention"),
    (
        "MENTAL HEALTH FIRST AID instructor",
        "mental_health_first_aid",
        "exact",
        "MENTAL HEALTH FIRST AID",
    ),
    ("Assigned to the co-responder team", "co_responder", "exact", "co-responder team"),
    ("Handled emergency custody orders", "psychiatric_hold", "exact", "emergency custody orders"),
    ("Completed Baker Act transports", "psychiatric_hold", "exact", "Baker Act"),
    (
        "Member of the crisis negotiation team",
        "crisis_negotiation",
        "exact",
        "crisis negotiation team",
    ),
    ("Placed inmates on suicide watch", "suicide_intervention", "exact", "suicide watch"),
    (
        "Responded to emotionally disturbed persons",
        "emotionally_disturbed_person",
        "exact",
        "emotionally disturbed persons",
    ),
    ("Volunteer on a crisis text line", "crisis_line", "exact", "crisis text line"),
    # generated spacing / hyphen / spelling variants ("pattern")
    (
        "Trained in deescalation of people in mental health crisis",
        "de_escalation",
        "pattern",
        "deescalation",
    ),
    ("Skilled in crisis-intervention.", "crisis_intervention", "pattern", "crisis-intervention"),
    (
        "Mental-Health Response Officer",
        "title_mental_health_response",
        "pattern",
        "Mental-Health Response Officer",
    ),
    (
        "Provided crisis counselling to survivors",
        "crisis_intervention",
        "pattern",
        "crisis counselling",
    ),
    ("Coresponder program clinician", "co_responder", "pattern", "Coresponder program"),
    # inflected forms ("lemma")
    ("Responded to crises in the community", "crisis_response", "lemma", "Responded to crises"),
    ("De-escalated agitated psychiatric patients", "de_escalation", "lemma", "De-escalated"),
    (
        "Certified in Nonviolent Crisis Interventions",
        "named_crisis_training",
        "lemma",
        "Nonviolent Crisis Interventions",
    ),
    # case-sensitive abbreviations
    ("CIT-certified patrol officer", "cit", "abbreviation", "CIT"),
    ("ASIST trained, 2021", "suicide_intervention", "abbreviation", "ASIST"),
    ("MHFA certified", "mental_health_first_aid", "abbreviation", "MHFA"),
    ("Completed ICAT training for officers", "named_crisis_training", "abbreviation", "ICAT"),
    ("Handled EDP calls on patrol", "emotionally_disturbed_person", "abbreviation", "EDP"),
    # token patterns (word order, coordination)
    (
        "Supported people in crisis at night",
        "mental_health_response",
        "pattern",
        "people in crisis",
    ),
    (
        "Provided crisis and suicide intervention",
        "crisis_intervention",
        "pattern",
        "crisis and suicide intervention",
    ),
    (
        "Talked a suicidal man off a bridge",
        "crisis_negotiation",
        "pattern",
        "Talked a suicidal man off a bridge",
    ),
    (
        "Placed subjects on 72-hour psychiatric holds",
        "psychiatric_hold",
        "pattern",
        "72-hour psychiatric holds",
    ),
    ("Worked with suicidal callers", "suicide_intervention", "pattern", "suicidal callers"),
    # typos ("fuzzy")
    ("Completed Crisis Interventon course", "crisis_intervention", "fuzzy", "Crisis Interventon"),
    (
        "Mental Heath Response Officer",
        "title_mental_health_response",
        "fuzzy",
        "Mental Heath Response Officer",
    ),
    (
        "Trained in Crisis Intervension techniques",
        "crisis_intervention",
        "fuzzy",
        "Crisis Intervension techniques",
    ),
]


@pytest.mark.parametrize(("text", "concept", "method", "span"), MATCHES)
def test_term_is_found_with_method_and_span(
    screener: Screener, text: str, concept: str, method: str, span: str
) -> None:
    result = screener.screen_text(text)
    found = [(e.concept, e.method, e.text) for e in result.evidence]
    assert (concept, method, span) in found
    ev = next(e for e in result.evidence if e.text == span)
    assert text[ev.start : ev.end] == span
    if method == "fuzzy":
        assert 80 <= ev.similarity < 100
    else:
        assert ev.similarity == 100


SEED_BULLETS = [
    (
        "Completed 40-hour Mental Health Response certification and responded to over 200 crisis calls",
        {"Mental Health Response", "crisis calls"},
        {"credential", "volume"},
    ),
    (
        "Led Mental Health Response team coordination with local psychiatric facilities",
        {"Mental Health Response"},
        {"leadership", "partnership"},
    ),
    (
        "Trained junior officers in Mental Health Response and Crisis Intervention techniques",
        {"Mental Health Response", "Crisis Intervention techniques"},
        {"teaching"},
    ),
]


@pytest.mark.parametrize(("bullet", "spans", "kinds"), SEED_BULLETS)
def test_seed_bullets(screener: Screener, bullet: str, spans: set[str], kinds: set[str]) -> None:
    result = screener.screen_text(bullet)
    assert result.flagged
    counted = [e for e in result.evidence if e.counted]
    assert {e.text for e in counted} == spans
    assert kinds <= set(result.summary.kinds)


def test_seed_bullet_quantities(screener: Screener) -> None:
    result = screener.screen_text(SEED_BULLETS[0][0])
    q = result.evidence[0].quantities
    assert (q.hours, q.count, q.count_unit) == (40, 200, "calls")


OTHER_NAMES = [
    "Crisis Response Team member",
    "Completed CIT training (40 hours)",
    "Co-responder with a licensed clinician",
    "Crisis negotiator with the SWAT unit",
    "Initiated 5150 holds for gravely disabled subjects",
    "Baker Act initiations and transports",
    "Emergency detention of persons in psychiatric crisis",
    "Mental Health First Aid for Public Safety certified",
    "Suicide intervention (ASIST) certified",
    "Certified in Nonviolent Crisis Intervention (CPI)",
    "ICAT de-escalation training for officers",
    "Mobile crisis team clinician",
    "Responded to mental health calls",
    "Transported individuals for emergency psychiatric evaluation",
    "Talked a suicidal man off a bridge",
    "Mental Health Response Officer",
]


@pytest.mark.parametrize("text", OTHER_NAMES)
def test_other_names_of_the_skill_flag(screener: Screener, text: str) -> None:
    assert screener.screen_text(text).flagged, text


HARD_NEGATIVES = [
    "Managed crisis communications for Fortune 500 clients",
    "Led the cyber incident response team (NIST 800-61)",
    "Analysed the impact of the 2008 financial crisis on mortgage markets",
    "Graduated from CIT, Cork Institute of Technology",
    "Tracked CPI and inflation for the pricing team",
    "EDP auditor for mainframe systems",
    "Issued a citation for a traffic violation",
    "De-escalated customer complaints at the service desk",
    "No crisis intervention experience",
    "Seeking CIT certification",
    "Supported the CIT unit with scheduling",
    "Answered the employee relations hotline",
    "Crisis management plan for product recalls",
    "Moved to the city in 2015",
    "Specific skills: Excel, SQL",
    "Mental health worker providing medication management",
]


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_hard_negatives_do_not_count(screener: Screener, text: str) -> None:
    result = screener.screen_text(text)
    assert not any(e.counted for e in result.evidence), [
        (e.text, [a.reason for a in e.adjustments]) for e in result.evidence
    ]
    assert not result.flagged


def test_abbreviation_is_whole_token_and_case_sensitive(screener: Screener) -> None:
    for text in ("cit certified officer", "Citation issued", "CITY police", "licit trained"):
        assert not any(e.concept == "cit" for e in screener.screen_text(text).evidence), text


def test_longest_span_wins_over_contained_term(screener: Screener) -> None:
    result = screener.screen_text("Crisis Intervention Team training completed")
    assert [e.text for e in result.evidence] == ["Crisis Intervention Team training"]
    assert result.evidence[0].concept == "cit"


def test_fuzzy_needs_an_exact_anchor_word(screener: Screener) -> None:
    # Both words misspelt: too weak to call a match.
    result = screener.screen_text("Crissis Interventon")
    assert not result.evidence


def test_escalation_is_not_corrected_to_deescalation(screener: Screener) -> None:
    result = screener.screen_text("Handled ticket escalation for the help desk")
    assert not result.evidence


@pytest.mark.parametrize(
    "line",
    [
        "Followed emergency procedures and evacuation protocols",  # typo anchor on a common word
        "Stayed in the office during the audit",  # a pattern's function-word pair
    ],
)
def test_ordinary_lines_are_no_gate_candidates(screener: Screener, line: str) -> None:
    assert screener.terms.gate.positions(line) == []


def test_a_typo_after_a_distinctive_word_still_passes_the_gate(screener: Screener) -> None:
    assert screener.terms.gate.positions("Mental Heath Response Officer, 2019 - 2023")


@pytest.mark.parametrize(
    "text",
    [
        "Mobile crisis unit",
        "mobile-crisis-unit",
        "Mobile- crisis unit",
        "mobile  crisis  unit",
        "mobile\tcrisis\tunit",
        "Mobile\u00a0crisis\u00a0unit",
        "mobile\u200bcrisis unit",
        "Mobile\u2010crisis\u2011unit",
    ],
)
def test_the_gate_passes_a_multi_word_anchor_across_every_gap_form(text: str) -> None:
    gate = LineGate(["mobile crisis unit"], [])
    # Offsets index the original text whatever the gap characters were.
    assert gate.positions("x\n" + text) == [len("x\n" + text) - 1]


def test_the_gate_does_not_join_words_across_other_characters() -> None:
    gate = LineGate(["mobile crisis unit"], [])
    assert gate.positions("mobile_crisis unit, mobile/crisis unit, mobilecrisis unit") == []


@pytest.mark.parametrize(
    "text",
    ["mobile -crisis unit", "mobile--crisis unit", "mobile -crisis -unit", "mobile - crisis"],
)
def test_the_gate_reads_hyphens_as_spaces_only_where_an_anchor_form_has_them(text: str) -> None:
    # The automaton sees "mobile  crisis unit" in each; no exact form of the anchor has a space
    # before its hyphen or two hyphens, so none passes.
    assert LineGate(["mobile crisis unit"], []).positions(text) == []


def _exact_positions(gate: LineGate, text: str) -> list[int]:
    """The gate's rule by brute force: every occurrence of every exact form, no automaton."""
    lowered = _gate_text(text)  # lower-cased, rare gap characters as spaces or hyphens
    found = []
    for forms in gate._forms:
        for form, wanted in forms.items():
            start = lowered.find(form)
            while start != -1:
                end = start + len(form)
                if not wanted or (
                    text[start:end] in wanted
                    and (start == 0 or not text[start - 1].isalnum())
                    and (end >= len(text) or not text[end].isalnum())
                ):
                    found.append(end - 1)
                start = lowered.find(form, start + 1)
    return sorted(found)


_GATE_LINES = [
    "Trained in de-escalation, de escalation and de- escalation for the county",
    "Mobile crisis team; mobile-crisis outreach; mobile -crisis (not a form)",
    "Suicide inter- vention course, crisis counseling, crisis  line volunteer",
    "Certified CIT officer; the city council; CERTIFICATIONS; MHFA and mhfa",
    "Position description: record second communication application",
    "Co-responder and co responder programs, 5150 holds, Baker Act petitions",
]


@pytest.mark.parametrize(
    "text",
    [
        "\n".join(_GATE_LINES),
        # Not ASCII but for bullets, dashes and accents: lower-cased as bytes, those as "?".
        "\n".join(
            [
                *_GATE_LINES,
                "\u2022 CRISIS INTERVENTION \u2013 \u00c9quipe mobile de crise, \u00e9t\u00e9 2021",
                "\u2022De-Escalation\u2022CIT\u2022MHFA \u00b7 S\u00cd \u00b7 ECO\u00e9 \u00b7 \u00e9CIT",
                "Suicide Prevention \u2014 caf\u00e9 \u201cmobile crisis\u201d, crisis\tintervention",
            ]
        ),
        # Characters whose lower case is ASCII, and mapped gaps: the ordinary lower-casing.
        "\n".join([*_GATE_LINES, "\u2022 Ba\u212aer Act petitions (Kelvin sign for K)"]),
        "\n".join([*_GATE_LINES, "\u00c4rztliche Hilfe, SU\u0130C\u0130DE PREVENTION"]),
        "\n".join([*_GATE_LINES, "\u2022 mobile\u00a0crisis\u00a0unit, crisis\u2010line"]),
    ],
)
def test_the_shipped_gate_finds_exactly_the_occurrences_of_its_exact_forms(
    screener: Screener, text: str
) -> None:
    gate = screener.terms.gate
    assert sorted(gate.positions(text)) == _exact_positions(gate, text)


@pytest.mark.parametrize(
    "text",
    [
        "CIT",
        "CIT trained, then MHFA",
        "(CIT) and [ECO]; SI/ECO; CIT-trained; CIT_team; ends with CIT",
        "crisis, position, economy, ICATS, CITY, eCIT, CITe: no whole-word abbreviation here",
        "\u2022CIT \u2013 \u00e9CIT \u00b7 CIT\u00e9 \u00b7 \u0663CIT \u00b7 CIT\u00a0team",
    ],
)
def test_abbreviations_count_as_whole_words_at_any_boundary(screener: Screener, text: str) -> None:
    # The automaton holds an abbreviation between spaces and reads every other character as a
    # space; the result is still exactly the brute-force rule, at the text's ends too.
    gate = screener.terms.gate
    assert gate._ascii
    assert sorted(gate.positions(text)) == _exact_positions(gate, text)


def test_a_lexicon_with_a_form_ending_in_punctuation_keeps_the_plain_scan() -> None:
    gate = LineGate(["crisis line", "911!"], ["CIT"])
    assert not gate._ascii  # "911!" would fold to a trailing space, as whole words do
    text = "Took 911! calls; CIT member; crisis-line and crisis line; CITY"
    assert sorted(gate.positions(text)) == _exact_positions(gate, text)
    assert gate.positions("CIT") == [2]
