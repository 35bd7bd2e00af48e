"""The hard cases of real resumes, by category (issue: accuracy on real resumes).

Each row is a general rule a practitioner would recognise, written for this test (not copied
from any evaluation data): (text, shows the skill?).
"""

from __future__ import annotations

import pytest

from crisis_screen import Screener

CASES = {
    "positive_without_the_usual_words": [
        ("Conducted suicide watch checks every 15 minutes on the mental health tier", True),
        ("Initiated 5150 evaluations for gravely disabled subjects", True),
        (
            "Placed two residents on involuntary psychiatric holds after they threatened suicide",
            True,
        ),
        ("Talked a suicidal man off a bridge during a three-hour standoff", True),
        ("Transported individuals for emergency psychiatric evaluation", True),
        ("Assessed callers for suicide risk and safety-planned with them", True),
        ("Worked nights on a warmline and crisis text line", True),
    ],
    "ambiguous_acronyms": [
        ("CIT-trained patrol officer (40 hours, 2019)", True),
        ("Completed the CIT program at the Institute of Technology, B.S. 2014", False),
        ("CPI certified (Nonviolent Crisis Intervention), 2022", True),
        ("Modelled CPI and inflation expectations for the treasury desk", False),
        ("Responded to EDP calls with the Emergency Service Unit", True),
        ("EDP auditor, data processing controls", False),
        ("ICAT instructor for the police academy", True),
        ("Shipping coordinator, ICAT Logistics", False),
    ],
    "crisis_in_other_senses": [
        ("Managed crisis communications and media relations for a retail brand", False),
        ("Wrote the corporate crisis management plan for product recalls", False),
        ("Restructured loans during the 2008 financial crisis", False),
        ("Led the cyber incident response team through a ransomware outage", False),
        (
            "Coordinated crisis response for a warehouse evacuation and supply chain disruption",
            False,
        ),
    ],
    "de_escalation": [
        ("De-escalated irate customers at the service desk", False),
        ("Used verbal de-escalation with combative inmates during cell extractions", False),
        ("De-escalated agitated patients experiencing psychosis on the inpatient unit", True),
        ("Verbally de-escalated a suicidal teen until the mobile crisis team arrived", True),
    ],
    "mental_health_work_that_is_not_crisis": [
        ("Provided weekly individual therapy for adults with anxiety and depression", False),
        ("Conducted intake assessments and case management for clients with mental illness", False),
        ("Medication management for patients with bipolar disorder", False),
        ("Organised a mental health awareness walk and fundraiser", False),
    ],
    "lists_negations_and_plans": [
        ("Skills: report writing, crisis intervention, firearms, CPR", True),
        ("Coursework: Abnormal Psychology, Crisis Intervention, Statistics, Ethics", True),
        ("No formal crisis intervention training", False),
        ("Will complete CIT training next year", False),
        ("Seeking a role where I can pursue Mental Health First Aid certification", False),
        ("Supported the CIT coordinator with scheduling and payroll", False),
        ("Able to handle crisis situations calmly", False),
    ],
    "variants": [
        ("Crisis/suicide intervention for callers", True),
        ("Crisis & suicide prevention training (ASIST)", True),
        ("crisis-intervention certified", True),
        ("Mental-Health Response team lead", True),
        ("Completed Crisis Interventon course", True),
    ],
}
ROWS = [(cat, text, label) for cat, rows in CASES.items() for text, label in rows]


def assert_line(screener: Screener, text: str, shows_skill: bool) -> None:
    """Assert whether one line shows the skill, explaining every hit when it does not."""
    result = screener.screen_text(text)
    counted = [e for e in result.evidence if e.counted]
    explain = [(e.text, e.concept, [a.reason for a in e.adjustments]) for e in result.evidence]
    assert bool(counted) is shows_skill, explain
    # A bare claim (a list entry) shows the skill but only as a claim: it keeps the claim_only
    # tier and its rank and is not flagged at the default threshold; anything more is flagged.
    assert (result.summary.tier != "none") is shows_skill
    assert result.flagged is (shows_skill and result.summary.tier != "claim_only")


@pytest.mark.parametrize(("category", "text", "shows_skill"), ROWS, ids=[r[1][:50] for r in ROWS])
def test_hard_case(screener: Screener, category: str, text: str, shows_skill: bool) -> None:
    assert_line(screener, text, shows_skill)


STUDY_AND_AWARENESS = [
    ("Wrote my thesis on suicide prevention among veterans", False),
    ("Research assistant on a study of crisis intervention outcomes", False),
    ("Lobbied for legislation funding mobile crisis teams", False),
    ("Raised awareness of the youth mental health crisis through school assemblies", False),
    ("Researched and implemented a co-responder program for the department", True),
]


@pytest.mark.parametrize(("text", "shows_skill"), STUDY_AND_AWARENESS)
def test_studying_lobbying_or_raising_awareness_is_not_the_skill(
    screener: Screener, text: str, shows_skill: bool
) -> None:
    assert screener.screen_text(text).flagged is shows_skill
