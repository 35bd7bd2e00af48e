"""Domain coverage and precision rules added from published occupational and training sources.

Every line is written for this test (invented, not copied from any evaluation data). Each table
is one general rule: the named trainings, the crisis places and roles, victim crisis advocacy,
psychiatric hospitalisation, people in crisis, clinical de-escalation, suicide assessment and
postvention; and the senses and contexts that must NOT count.
"""

from __future__ import annotations

import pytest

from crisis_screen import Screener
from crisis_screen.models import Evidence
from test_hard_cases import assert_line

CASES: dict[str, list[tuple[str, bool]]] = {
    "named_trainings": [
        ("Certified in Management of Aggressive Behaviour, renewed every year", True),
        ("MOAB certified trainer for the adolescent residential program", True),
        ("Dropped the MOAB during the 2017 campaign planning exercise", False),
        ("Completed Professional Assault Response Training for group-home staff", True),
        ("CIT Group loan servicing analyst", False),
        ("Safe Crisis Management instructor for the school district", True),
        ("AMSR training for outpatient clinicians, 6.5 hours", True),
        ("Assessing and Managing Suicide Risk workshop completed", True),
        ("Used the CAMS framework with suicidal outpatients", True),
        ("CAMS certified anti-money laundering analyst", False),
        ("Counseling on Access to Lethal Means certificate", True),
        ("CALM trained: counselled families on safe firearm storage for suicidal youth", True),
        ("Stayed CALM under pressure during audits", False),
        ("PMAB certified at a state psychiatric hospital", True),
        ("Completed LivingWorks Start online suicide-prevention module", True),
        ("NAPPI trained for work in a group home", True),
        ("Completed Kognito At-Risk training for faculty", True),
    ],
    "crisis_places_and_roles": [
        ("Overnight counselor at a crisis stabilization unit for adults", True),
        ("Supported residents of the crisis residential program through their first night", True),
        ("Volunteer counselor at the county crisis center on weekend shifts", True),
        ("Front desk receptionist at a crisis center, scheduling and phones", False),
        ("Admitted clients to the crisis stabilization unit", True),
        ("Peer crisis support specialist at a peer-run respite", True),
        ("Recruited and scheduled crisis line volunteers for the night shift", True),
    ],
    "victim_crisis_advocacy": [
        ("Answered the sexual assault hotline two nights a week", True),
        ("On-call advocate at the emergency department for survivors of sexual assault", True),
        ("Completed danger assessments with domestic violence survivors", True),
        ("Arranged emergency shelter for women fleeing domestic violence", True),
        ("Assessed survivors for danger before placing them in a DV shelter", True),
        ("Safety planning with survivors of intimate partner violence", True),
        ("Managed emergency shelter inventory and cots for the homeless program", False),
        ("Wrote the site safety plan for the construction crew", False),
    ],
    "psychiatric_hospitalisation": [
        ("Arranged inpatient psychiatric hospitalization for clients at imminent risk", True),
        ("Coordinated involuntary hospitalization when a client could not stay safe", True),
        ("Obtained stat psychiatric consults for agitated patients in the emergency room", True),
        ("Reviewed billing codes for psychiatric hospitalization claims", False),
    ],
    "people_in_crisis": [
        ("Supported families going through a crisis after a sudden loss", True),
        ("Listened to callers in the midst of an emotional crisis", True),
        ("Helped clients resolve crises and connected them with services", True),
        ("Resolved supply crises for the automotive plant", False),
    ],
    "clinical_de_escalation": [
        ("De-escalated combative patients using least restrictive interventions", True),
        ("De-escalated residents to avoid seclusion on the adolescent unit", True),
        ("De-escalated angry shoppers at the returns counter", False),
    ],
    "suicide_assessment_and_postvention": [
        ("Assessed each new admission for sleep, appetite and suicide risk", True),
        ("Screened every inmate at booking for suicide", True),
        ("Responded to suicide scenes and stayed with the family until the chaplain arrived", True),
        ("Delivered death notifications alongside grief counselors", True),
        ("Led suicide postvention for the school after a student death", True),
        ("Delivered death notifications for the coroner's office", False),
    ],
    "crisis_line_and_clinical_wording": [
        ("Answered chats and calls on the 988 line overnight", True),
        ("Took calls from veterans thinking about suicide", True),
        (
            "Sat with a resident experiencing acute psychosis until the on-call psychiatrist came",
            True,
        ),
        ("Initiated involuntary examinations under the Baker Act", True),
        ("Filed emergency petitions for involuntary evaluation of gravely disabled adults", True),
        ("Led critical incident debriefings for the dispatch floor", True),
        ("Filed an emergency petition for temporary custody in family court", False),
        ("Shipped 988 units to the warehouse in March", False),
        ("Recruited participants for a psychosis genetics study", False),
        ("Crisis management consultant for hospitality clients", False),
    ],
    "instruments_and_youth_mobile_crisis": [
        ("Used the Suicide Assessment Five-Step Evaluation and Triage with every walk-in", True),
        ("Screened pediatric ED patients with the Ask Suicide-Screening Questions", True),
        ("Completed Stanley-Brown safety plans before discharge", True),
        ("Clinician on a Mobile Response and Stabilization Services team for families", True),
        ("Charted on a pt in acute mania brought in by police", True),
    ],
    "suicide_with_violence_risk": [
        ("Performed suicide/homicide risk assessments at triage", True),
        ("Did suicide and homicide risk screenings for every admission", True),
        ("Asked about SI/HI at each visit and escalated positives", True),
        ("Moved two detainees to suicide observation cells", True),
        ("SI joint injection scheduling for the HI clinic", False),
    ],
    "state_hold_names_and_observation": [
        ("Completed section 12 paperwork for an actively suicidal patient", True),
        ("Put two clients on M-1 holds after they threatened to harm themselves", True),
        ("Pink-slipped a manic patient for emergency hospitalization", True),
        ("Got a pink slip when the plant closed", False),
        ("Kept a teenager who had attempted suicide on 1:1 observation", True),
        ("1:1 observation aide for a student with a seizure disorder", False),
        (
            "Placed an intoxicated man in emergency protective custody for a mental health evaluation",
            True,
        ),
    ],
    "new_terms_in_their_other_senses": [
        ("REMAINED CALM WITH DISTRESSED PATIENTS", False),
        ("Photographed suicide scenes for the medical examiner", False),
        ("Responded to suicide scenes with the county crisis team", True),
        ("Crisis triage of service desk tickets", False),
        ("Wrote grants for the rape crisis center", False),
        ("Answered the rape crisis line for survivors calling after an assault", True),
        ("Emergency psychiatric medication billing audit", False),
        ("Studied the 988 lifeline for my capstone", False),
        ("Monitored suicide statistics for the state report", False),
        ("Staffed the corporate crisis center during the product recall", False),
    ],
    "crisis_in_it_and_disaster_senses": [
        ("Wrote crisis response playbooks for a ransomware attack", False),
        ("Ran crisis management tabletop exercises for a data breach", False),
        ("Led crisis response for hurricane shelter operations with the Red Cross", False),
        ("Crisis management during flood damage assessments", False),
    ],
    "talking_about_self_harm_or_listing_it": [
        ("Gave a presentation to teachers on recognising self-harm", False),
        ("Presenting problems included grief, insomnia, self-injury and low mood", False),
        ("Supported a young person who was self-harming until the crisis team arrived", True),
    ],
    "aspirations_answers_and_outcomes": [
        ("Applying for a place on the crisis intervention team", False),
        ("Eligible for CIT certification next quarter", False),
        ("Interested in joining the mobile crisis team", False),
        ("Crisis intervention training: none", False),
        ("CIT: no", False),
        ("Never used force on a CIT call in six years", True),
        ("No injuries on any of my mental health calls", True),
    ],
    # A course acronym with another sense is read as the course beside a life-support course
    # or a present-tense "train in"; its price-index sense stays out with the market words.
    "course_acronyms_beside_care_certifications": [
        ("CPI, CPR and AED current through 2026", True),
        ("Train in CPI and first aid each spring with the residential staff", True),
        ("TCI and basic life support renewed annually", True),
        ("Tracked CPI and PPI prints for the rates desk", False),
        ("Modeled CPI revisions for the bond desk; CPR certified", False),
        ("Trains new analysts in CPI forecasting models", False),
    ],
    # A form's answer after a colon or dash: "not yet" and "not completed" void like "none".
    "answers_after_a_colon": [
        ("CIT: not yet trained", False),
        ("Crisis intervention training - not completed", False),
        ("MHFA: not yet certified", False),
        ("CIT: trained 2019, recertified 2023", True),
    ],
    # Seeing the person served through their crisis; a company or a market is no such person.
    "seeing_people_through_a_crisis": [
        ("Helped clients through crises", True),
        ("Guided families through an acute mental health crisis", True),
        ("Helped the company through the 2008 crisis", False),
        ("Supported clients through the financial crisis", False),
    ],
    # A hold named with setting words between "involuntary" and its head word.
    "hold_names_with_setting_words": [
        ("Evaluated patients for involuntary psychiatric commitment", True),
        ("Initiated involuntary civil commitment for a man threatening suicide", True),
        ("Researched the history of involuntary psychiatric hospitalization for a thesis", False),
        # A court clerk's files name the hold; handling the person does not come into it.
        ("Indexed involuntary commitment orders for the deputy clerk", False),
        ("Reassessed patients on emergency holds in the psychiatric ED each morning", True),
        ("Placed an emergency hold on the customer's account", False),
        ("Completed suicide checks every 15 minutes on the watch tier", True),
        ("Answered behavioral health emergencies with the community paramedic unit", True),
        ("Kept the court docket of emergency detention hearings", False),
    ],
    # An acronym's other sense (a college, a bank, a company) voids the acronym only; a
    # school's own police and counselling service are settings of the skill.
    "acronym_senses_void_only_the_acronym": [
        ("Crisis counselor, University Counseling Center", True),
        ("Provided suicide prevention training for the company's managers", True),
        ("CIT certified officer with the university police department", True),
        ("MHFA trainer for the university counseling center", True),
        ("Graduated from CIT with a degree in software engineering", False),
        ("CIT campus alumni association", False),
        ("CIT Coordinator, First National Bank", False),
        ("CIT Coordinator for the campus police", True),
        ("MHFA instructor for the county youth soccer league coaches", True),
        ("QPR FC academy coach", False),
    ],
    # Watching others work is not the work; an IT department's "crisis hotline" is a help desk.
    "watching_others_and_it_hotlines": [
        ("Shadowed mobile crisis clinicians for a week as a student", False),
        ("Completed ride-alongs with the co-responder team", False),
        ("Rode with a mental health clinician on the co-responder unit", True),
        ("Took calls on the IT crisis hotline during the outage", False),
        ("Crisis hotline for the county; IT liaison for the call system", True),
    ],
    "plans_in_the_past_tense": [
        ("Planned to complete Mental Health First Aid certification in 2027", False),
        ("Planning on CIT certification this fall", False),
        ("Planned and led CIT trainings for 40 officers", True),
    ],
    # A suicide screening named for what it rates.
    "screenings_named_for_what_they_rate": [
        ("Conducted Columbia suicide severity screenings on every new admission to the jail", True),
        ("Suicidal ideation assessments in the ED", True),
        ("Analyzed suicide severity screening data for a dashboard", False),
    ],
}
ROWS = [(cat, text, label) for cat, rows in CASES.items() for text, label in rows]


@pytest.mark.parametrize(("category", "text", "shows_skill"), ROWS, ids=[r[1][:50] for r in ROWS])
def test_domain_case(screener: Screener, category: str, text: str, shows_skill: bool) -> None:
    assert_line(screener, text, shows_skill)


def _evidence(screener: Screener, text: str, term_text: str) -> Evidence:
    result = screener.screen_text(text)
    found = [e for e in result.evidence if e.text == term_text]
    assert found, [e.text for e in result.evidence]
    return found[0]


@pytest.mark.parametrize(
    ("text", "term_text"),
    [
        ("Placed two callers on 72-hour psychiatric holds", "72-hour psychiatric holds"),
        ("Initiated a 72-hour involuntary hold for a suicidal man", "suicidal man"),
        ("Worked 12-hour shifts on the crisis line", "crisis line"),
    ],
)
def test_a_hold_or_shift_length_is_not_a_course_credential(
    screener: Screener, text: str, term_text: str
) -> None:
    ev = _evidence(screener, text, term_text)
    assert ev.counted
    assert "credential" not in ev.kinds
    assert ev.quantities.hours is None


def test_a_course_length_is_still_a_credential(screener: Screener) -> None:
    ev = _evidence(screener, "Completed the 40-hour CIT course", "CIT")
    assert "credential" in ev.kinds
    assert ev.quantities.hours == 40


@pytest.mark.parametrize(
    "text",
    [
        "Field training officer; CIT member since 2018",
        "Served as a field training officer and handled mental health calls",
    ],
)
def test_field_training_officer_is_not_teaching(screener: Screener, text: str) -> None:
    counted = [e for e in screener.screen_text(text).evidence if e.counted]
    assert counted
    assert all("teaching" not in e.kinds for e in counted)


def test_training_one_new_officer_is_teaching(screener: Screener) -> None:
    ev = _evidence(screener, "Trained a new deputy in crisis intervention", "crisis intervention")
    assert "teaching" in ev.kinds


@pytest.mark.parametrize(
    ("text", "count", "unit", "per"),
    [
        ("Handled about 20 mental health calls a week", 20, "calls", "week"),
        ("Answered 30 crisis calls per shift", 30, "calls", "shift"),
        ("Responded to over 300 mental health calls", 300, "calls", None),
    ],
)
def test_a_rate_keeps_its_unit_and_reports_its_period(
    screener: Screener, text: str, count: int, unit: str, per: str | None
) -> None:
    result = screener.screen_text(text)
    ev = next(e for e in result.evidence if e.counted)
    assert "volume" in ev.kinds
    q = ev.quantities
    assert (q.count, q.count_unit, q.per) == (count, unit, per)


@pytest.mark.parametrize(
    ("text", "term_text"),
    [
        ("Nonviolent Crisis Intervention de-escalation refresher", "de-escalation"),
        ("CPI de-escalation certified", "de-escalation"),
        ("Mandt de-escalation training for direct-care staff", "de-escalation training"),
    ],
)
def test_a_named_training_supports_the_de_escalation_it_names(
    screener: Screener, text: str, term_text: str
) -> None:
    ev = _evidence(screener, text, term_text)
    assert ev.counted, [a.reason for a in ev.adjustments]
    assert not any(a.kind == "unsupported" for a in ev.adjustments)


def test_a_named_training_does_not_rescue_customer_de_escalation(screener: Screener) -> None:
    ev = _evidence(screener, "CPI trained; de-escalated customers at the help desk", "de-escalated")
    assert not ev.counted
