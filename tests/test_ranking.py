"""Resume ranking: tiers, score bands, keyword stuffing, plans, negation, health disclosures.

Every resume here is invented for the test. The property under test is the order a recruiter
would put them in: described sustained practice above a training or one described activity,
that above keywords alone, keywords above nothing.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from crisis_screen import Screener
from crisis_screen.models import ScreenResult
from crisis_screen.scoring import BANDS, DEFAULT_THRESHOLD, WITHHELD
from crisis_screen.segment import is_keyword_block, is_list_line, is_term_only

STRONG_TEN_YEARS = """\
Jordan Reyes
EXPERIENCE
Co-Responder Deputy, Lakeview County Sheriff, 2014 - Present
- Paired with a county clinician on a co-responder unit; answered 1,200 mental health calls.
- Placed people in acute crisis on emergency psychiatric holds and arranged hospital evaluations.
- Talked down people threatening suicide on bridges and rooftops as a crisis negotiator.
- Trained new deputies in crisis intervention and led the county CIT steering group.
CERTIFICATIONS
- Crisis Intervention Team (CIT), 40 hours, 2014
"""

STRONG_TWO_LINES = """\
EXPERIENCE
Night Counselor, River Valley Crisis Center, 2021 - 2023
- Answered suicide hotline calls on overnight shifts.
- Assessed callers for suicide risk and built safety plans with them.
"""

MODERATE_ONE_COURSE = """\
Morgan Lee, RN
EXPERIENCE
Emergency Department Nurse, Mercy General, 2019 - Present
- Triage, IV starts and wound care for a busy adult emergency department.
TRAINING
- Completed an 8-hour Mental Health First Aid course, 2022
"""

MODERATE_ONE_ACTIVITY = """\
EXPERIENCE
Residence Hall Assistant, 2022 - 2024
- Responded to a student in a mental health crisis one night and stayed until help came.
"""

CLAIM_SKILLS_LIST = """\
Casey Park
EXPERIENCE
Office Coordinator, 2018 - 2024
- Scheduled meetings and kept the books for a small architecture firm.
SKILLS
Crisis intervention, De-escalation, Microsoft Office, Scheduling
"""

NONE_LOOKALIKE = """\
Riley Chen
EXPERIENCE
Communications Director, 2016 - 2024
- Led crisis communications for a regional bank during a data breach.
- Wrote the incident response runbook for the IT operations team.
"""

STUFF_ONE_LINE = """\
Avery Stone
EXPERIENCE
Front Desk Receptionist, Bright Smiles Dental, 2020 - 2024
- Checked patients in and handled insurance paperwork.
Keywords crisis intervention CIT crisis response de-escalation mental health first aid \
suicide prevention ASIST QPR co-responder mobile crisis
"""

STUFF_ONE_PER_LINE = """\
Avery Stone
EXPERIENCE
Front Desk Receptionist, Bright Smiles Dental, 2020 - 2024
- Checked patients in and handled insurance paperwork.
Areas of Strength
Crisis intervention
Suicide prevention
Mental health first aid
Mobile crisis
Co-responder
"""

STUFF_REPEATED = """\
Avery Stone
EXPERIENCE
Front Desk Receptionist, Bright Smiles Dental, 2020 - 2024
- Checked patients in and handled insurance paperwork.
Proficiencies
Crisis intervention
Crisis intervention | Suicide prevention | De-escalation of mental health crises
Crisis intervention
Crisis intervention
"""

STUFF_SUMMARY = """\
Avery Stone
PROFESSIONAL SUMMARY
Compassionate team player skilled in crisis intervention, suicide prevention and mental health \
first aid, with a passion for crisis response and for helping people in crisis.
EXPERIENCE
Front Desk Receptionist, Bright Smiles Dental, 2020 - 2024
- Checked patients in and handled insurance paperwork.
"""

ASPIRATION_AND_NEGATION = """\
Security officer applying for the co-responder program. I have no formal crisis intervention \
training yet.
EXPERIENCE
Security Officer, Downtown Mall, 2021 - Present
- Patrolled the mall and wrote incident reports.
"""

HEALTH_DISCLOSURE = """\
SUMMARY
My own recovery from depression is why I care about suicide prevention.
As a suicide-attempt survivor I know what a crisis line call feels like.
EXPERIENCE
Barista, Corner Cafe, 2022 - Present
- Made coffee and trained new baristas.
"""


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener.default()


def _screen(screener: Screener, text: str) -> ScreenResult:
    return screener.screen_text(text, source="invented")


def _in_band(result: ScreenResult) -> bool:
    low, high = BANDS[result.summary.tier]
    return low <= result.score <= high


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        (STRONG_TEN_YEARS, "strong"),
        (STRONG_TWO_LINES, "strong"),
        (MODERATE_ONE_COURSE, "moderate"),
        (MODERATE_ONE_ACTIVITY, "moderate"),
        (CLAIM_SKILLS_LIST, "claim_only"),
        (NONE_LOOKALIKE, "none"),
        (STUFF_ONE_LINE, "claim_only"),
        (STUFF_ONE_PER_LINE, "claim_only"),
        (STUFF_REPEATED, "claim_only"),
        (STUFF_SUMMARY, "claim_only"),
        (ASPIRATION_AND_NEGATION, "none"),
        (HEALTH_DISCLOSURE, "none"),
    ],
)
def test_tier_and_band(screener: Screener, text: str, tier: str) -> None:
    result = _screen(screener, text)
    assert result.summary.tier == tier, result.summary.reasons
    assert _in_band(result)
    # The parts explain every point of the score.
    assert sum(result.summary.score_parts.values()) == pytest.approx(result.score, abs=0.02)


def test_tiers_order_every_pair(screener: Screener) -> None:
    ordered = [
        [STRONG_TEN_YEARS, STRONG_TWO_LINES],
        [MODERATE_ONE_COURSE, MODERATE_ONE_ACTIVITY],
        [CLAIM_SKILLS_LIST, STUFF_ONE_LINE, STUFF_ONE_PER_LINE, STUFF_REPEATED, STUFF_SUMMARY],
        [NONE_LOOKALIKE, ASPIRATION_AND_NEGATION, HEALTH_DISCLOSURE],
    ]
    scores = [[_screen(screener, t).score for t in group] for group in ordered]
    for higher, lower in zip(scores, scores[1:], strict=False):
        assert min(higher) > max(lower)


def test_within_strong_more_practice_ranks_higher_and_nothing_saturates(
    screener: Screener,
) -> None:
    veteran = _screen(screener, STRONG_TEN_YEARS)
    short = _screen(screener, STRONG_TWO_LINES)
    assert veteran.score > short.score
    assert veteran.score < 100.0
    assert "volume" in veteran.summary.score_parts
    # The ten-year co-responder and a one-course nurse are far apart, not 8 points.
    assert veteran.score - _screen(screener, MODERATE_ONE_COURSE).score >= 30


def test_default_threshold_flags_moderate_and_strong_not_claims(screener: Screener) -> None:
    assert screener.threshold == DEFAULT_THRESHOLD
    assert _screen(screener, STRONG_TWO_LINES).flagged
    assert _screen(screener, MODERATE_ONE_COURSE).flagged
    claim = _screen(screener, CLAIM_SKILLS_LIST)
    assert not claim.flagged
    # Reported, not hidden: the claim keeps its tier, its evidence and a positive score.
    assert claim.score > 0 and claim.counted
    claims_too = Screener.default(threshold=BANDS["claim_only"][0])
    assert _screen(claims_too, CLAIM_SKILLS_LIST).flagged


@pytest.mark.parametrize(
    "text", [STUFF_ONE_LINE, STUFF_ONE_PER_LINE, STUFF_REPEATED, STUFF_SUMMARY]
)
def test_stuffing_never_beats_one_credential_and_says_so(screener: Screener, text: str) -> None:
    stuffed = _screen(screener, text)
    assert stuffed.score < _screen(screener, MODERATE_ONE_COURSE).score
    assert stuffed.summary.skills_list_only
    assert any(r.startswith("keyword stuffing") for r in stuffed.summary.reasons)
    # Stuffing earns no variety points.
    assert stuffed.score == BANDS["claim_only"][0]


def test_an_honest_short_skills_list_is_a_claim_but_not_stuffing(screener: Screener) -> None:
    result = _screen(screener, CLAIM_SKILLS_LIST)
    assert result.summary.tier == "claim_only"
    assert not any(r.startswith("keyword stuffing") for r in result.summary.reasons)


def test_keyword_block_is_marked_on_the_evidence(screener: Screener) -> None:
    stuffed = _screen(screener, STUFF_ONE_LINE)
    assert any("keyword stuffing" in r for r in stuffed.summary.reasons)
    assert all(
        any(a.kind == "keyword_block" for a in e.adjustments)
        for e in stuffed.counted
        if e.line_no == 5
    )
    # A stuffed block earns no variety: it scores no more than a single honest skill entry.
    single = _screen(screener, "SKILLS\nCrisis intervention\n")
    assert stuffed.score <= single.score


def test_repeated_claims_are_reported(screener: Screener) -> None:
    result = _screen(screener, STUFF_REPEATED)
    assert any("repeated" in r for r in result.summary.reasons)


def test_plan_and_negated_training_add_nothing(screener: Screener) -> None:
    result = _screen(screener, ASPIRATION_AND_NEGATION)
    assert result.score == 0.0 and not result.flagged
    # The negated "training" is not a credential of any hit on the line.
    assert all("credential" not in e.kinds for e in result.evidence)
    assert any(a.kind == "kind_voided" for e in result.evidence for a in e.adjustments)


def test_own_health_is_excluded_and_not_quoted(screener: Screener) -> None:
    result = _screen(screener, HEALTH_DISCLOSURE)
    assert result.score == 0.0 and not result.counted
    withheld = [e for e in result.evidence if e.line_no in (2, 3)]
    assert withheld
    for e in withheld:
        assert e.line == WITHHELD and e.text == WITHHELD
        health = [a for a in e.adjustments if a.kind == "health_disclosure"]
        assert health and health[0].cue is None and health[0].factor == 0.0
        assert "depression" not in e.model_dump_json()
    assert any("health" in r for r in result.summary.reasons)


def test_someone_elses_diagnosis_is_not_a_disclosure(screener: Screener) -> None:
    text = "EXPERIENCE\n- Provided crisis intervention to veterans diagnosed with PTSD.\n"
    result = _screen(screener, text)
    assert result.counted
    assert not any(a.kind == "health_disclosure" for e in result.evidence for a in e.adjustments)


def test_best_line_is_described_practice_not_the_certificate(screener: Screener) -> None:
    result = _screen(screener, STRONG_TEN_YEARS)
    best = result.summary.best_line or ""
    assert "CIT), 40 hours" not in best
    assert any(e.line == best and "practice" in e.kinds for e in result.counted)


def _crisis_worker(dates: str) -> str:
    return (
        "EXPERIENCE\n"
        f"Crisis Counselor, Harbor Crisis Line, {dates}\n"
        "- Answered crisis line calls from people thinking about suicide.\n"
        "- Assessed suicide risk and arranged mobile crisis visits.\n"
    )


def test_reference_date_is_recorded_and_dates_are_read() -> None:
    fixed = Screener(reference_date=date(2026, 6, 1))
    result = fixed.screen_text(_crisis_worker("Jan 2020 - Present"))
    assert result.summary.reference_date == "2026-06-01"
    assert result.summary.last_used == 2026
    assert result.summary.experience_months == 78  # Jan 2020 to Jun 2026, both ends included
    later = Screener(reference_date=date(2030, 6, 1)).screen_text(
        _crisis_worker("Jan 2020 - Present")
    )
    assert later.summary.experience_months == 126
    assert later.score > result.score  # more months of the same current practice


def test_practice_fifteen_years_ago_ranks_below_current_practice() -> None:
    screener = Screener(reference_date=date(2026, 6, 1))
    current = screener.screen_text(_crisis_worker("2021 - Present"))
    old = screener.screen_text(_crisis_worker("2006 - 2011"))
    assert current.summary.tier == old.summary.tier == "strong"
    assert old.summary.last_used == 2011
    assert old.score < current.score
    assert old.summary.score_parts.get("recency", 0.0) == 0.0
    # Without dates recency is neutral (half its points) and no months are claimed.
    undated = screener.screen_text(_crisis_worker("").replace(", \n", "\n"))
    assert undated.summary.last_used is None and undated.summary.experience_months is None
    assert undated.summary.score_parts["recency"] == 2.0
    assert undated.score < current.score


def test_list_shapes_without_known_headings() -> None:
    assert is_list_line("Core Qualifications: crisis intervention | triage | report writing")
    assert is_list_line("Crisis response\tCase notes\tScheduling")
    assert is_list_line("Filing, Typing, Crisis intervention, Scheduling, Payroll")
    # A job header with a date range is not a list of four items.
    assert not is_list_line("Crisis Counselor, Harbor Crisis Line, 2019 - Present")
    assert not is_list_line("Night Counselor | Crisis Center | Jan 2019 - Mar 2021")
    # A sentence that enumerates is not a list.
    assert not is_list_line("Daily duties included intake, triage, crisis intervention, and notes.")
    line = "Keywords suicide prevention crisis response mobile crisis"
    spans = [(9, 27), (28, 43), (44, 57)]
    assert is_keyword_block(line, spans)
    prose = "I sat with a caller during a crisis and stayed on the line with them."
    assert not is_keyword_block(prose, [(29, 35), (44, 48), (60, 64)])
    assert is_term_only("Crisis intervention, 2019", [(0, 19)])
    assert not is_term_only("Answered crisis calls for the county", [(9, 21)])


def _span(line: str, words: str) -> tuple[int, int]:
    start = line.index(words)
    return start, start + len(words)


def test_a_verb_makes_a_short_run_of_terms_a_sentence(screener: Screener) -> None:
    # Three terms over most of the words, but "Finished" and "calmed" make it a sentence.
    line = "Finished CIT week; calmed suicidal callers; mobile crisis"
    spans = [_span(line, t) for t in ("CIT", "suicidal callers", "mobile crisis")]
    assert not is_keyword_block(line, spans, kind_cues=[_span(line, "Finished")])
    assert is_keyword_block(line, spans)  # the same words with no verb found: a block
    # A cue inside a term span ("suicidal" read as a cue) is not a verb of its own.
    assert is_keyword_block(line, spans, kind_cues=[_span(line, "suicidal")])
    # Six terms behind one verb are still a run of terms.
    run = "Completed suicide prevention crisis response mobile crisis CIT QPR ASIST"
    terms = ("suicide prevention", "crisis response", "mobile crisis", "CIT", "QPR", "ASIST")
    assert is_keyword_block(run, [_span(run, t) for t in terms], [_span(run, "Completed")])
    sentence = _screen(
        screener,
        "EXPERIENCE\nPatrol Officer, 2018 - 2023\n"
        "Completed CIT course; de-escalated people in crisis.\n",
    )
    assert sentence.summary.tier != "claim_only"
    assert not any(a.kind == "keyword_block" for e in sentence.evidence for a in e.adjustments)


def test_evaluate_reports_tier_confusion_and_calibration(
    screener: Screener, tmp_path: Path
) -> None:
    import json

    from click.testing import CliRunner

    from crisis_screen.cli import cli
    from crisis_screen.evaluate import evaluate, load_labels

    files = {
        "strong.txt": (STRONG_TWO_LINES, {"relevant": 1, "grade": 3}),
        "course.txt": (MODERATE_ONE_COURSE, {"relevant": 1, "tier": "moderate"}),
        "stuffed.txt": (STUFF_ONE_LINE, {"relevant": 1, "grade": 1}),
        # Graded strong on purpose: a claim-only resume, so the table has one miss to show.
        "claimed.txt": (CLAIM_SKILLS_LIST, {"relevant": 1, "grade": 3}),
        "none.txt": (NONE_LOOKALIKE, {"relevant": 0, "grade": 0}),
    }
    for name, (text, _) in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    labels = {name: entry for name, (_, entry) in files.items()}
    (tmp_path / "labels.json").write_text(json.dumps(labels), encoding="utf-8")
    report = evaluate(screener, load_labels(tmp_path), calibrate=True)
    assert report.tiers is not None
    assert report.tiers.n == 5 and report.tiers.correct == 4
    assert report.tiers.table["strong"]["claim_only"] == 1
    assert report.tiers.wrong == (("claimed.txt", "strong", "claim_only"),)
    assert sum(b.n for b in report.calibration) == 5
    out = CliRunner().invoke(cli, ["evaluate", str(tmp_path), "--calibrate"])
    assert out.exit_code == 0, out.output
    assert "tiers: 4/5 correct" in out.output
    assert "expected strong, got claim_only" in out.output
    assert "reliability" in out.output

    lines = tmp_path / "lines.jsonl"
    rows = [
        {"text": "Answered crisis line calls every weekend", "label": 1},
        {"text": "Led crisis communications for a bank", "label": 0},
        {"text": "Filed invoices", "label": 0},
    ]
    lines.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    line_report = evaluate(screener, load_labels(lines), calibrate=True)
    assert line_report.tiers is None
    no_hit = [b for b in line_report.calibration if b.high == 0.0]
    assert no_hit and no_hit[0].observed == 0.0
    top = line_report.calibration[-1]
    assert top.observed == 1.0 and top.counted == 1


def test_bad_grade_is_a_labels_error(screener: Screener, tmp_path: Path) -> None:
    import json

    from crisis_screen.evaluate import LabelsError, evaluate, load_labels

    (tmp_path / "a.txt").write_text("Filed invoices", encoding="utf-8")
    (tmp_path / "labels.json").write_text(
        json.dumps({"a.txt": {"relevant": 0, "grade": 7}}), encoding="utf-8"
    )
    with pytest.raises(LabelsError, match="grade"):
        evaluate(screener, load_labels(tmp_path))


def test_readme_worked_example() -> None:
    text = (
        "EXPERIENCE\n"
        "Night Counselor, River Valley Crisis Center, 2021 - 2023\n"
        "- Answered suicide hotline calls on overnight shifts.\n"
        "- Assessed callers for suicide risk and built safety plans with them.\n"
        "TRAINING\n"
        "- ASIST (Applied Suicide Intervention Skills Training), 2021\n"
    )
    result = Screener(reference_date=date(2026, 12, 1)).screen_text(text)
    assert result.summary.tier == "strong"
    assert result.summary.score_parts == {
        "tier_strong": 60.0,
        "practice": 4.32,
        "activity": 0.4,
        "training": 0.8,
        "variety": 2.89,
        "volume": 2.32,
        "experience_months": 0.8,
        "recency": 3.2,
    }
    assert result.score == 74.73
    assert result.summary.best_line == "- Answered suicide hotline calls on overnight shifts."


def test_claim_phrasing_is_a_claim_even_in_experience(screener: Screener) -> None:
    claimed = _screen(
        screener,
        "EXPERIENCE\nWell versed in crisis intervention and knowledgeable about suicide prevention.",
    )
    assert claimed.summary.tier == "claim_only"
    assert any(a.kind == "claim" for e in claimed.counted for a in e.adjustments)
    # A claim word far from the term does not undo described work on the same line.
    described = _screen(
        screener,
        "EXPERIENCE\nAnswered crisis line calls every weekend night, praised for excellent notes.",
    )
    assert described.summary.tier in ("moderate", "strong")
    assert described.summary.practice_lines == 1
