"""Tests of the interview kit: bank validation, answer scoring, guides and the CLI."""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from crisis_screen.errors import LexiconError
from crisis_screen.interview import (
    AnswersFormatError,
    QuestionBank,
    UnknownQuestionError,
    build_guide,
    read_answers,
    render_guide,
    render_scores,
    score_answer,
)
from crisis_screen.interview.bank import DEFAULT_BANK_FILE
from crisis_screen.lexicon import default_skill_dir, load_lexicon

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

QUESTION_IDS = (
    "develop_program",
    "challenging_crisis",
    "de_escalation_strategies",
    "coordinate_professionals",
    "crisis_signs",
    "why_specialized_training",
)


@pytest.fixture(scope="module")
def bank() -> QuestionBank:
    return QuestionBank.default()


def _covered(question_id: str, answer: str, bank: QuestionBank) -> set[str]:
    return {kp.id for kp in score_answer(question_id, answer, bank).covered}


# -- the shipped bank ----------------------------------------------------------------------


def test_default_bank_has_the_six_questions(bank: QuestionBank) -> None:
    assert bank.ids == QUESTION_IDS
    q = bank.question("develop_program")
    assert q.text.startswith("How would you develop and implement")
    assert q.probes
    assert [kp.id for kp in q.key_points] == [
        "needs_assessment",
        "training_requirements",
        "mh_partnerships",
        "healthcare_facilities",
        "clear_protocols",
    ]
    assert all(kp.name for q in bank.questions for kp in q.key_points)


def test_default_is_cached(bank: QuestionBank) -> None:
    assert QuestionBank.default() is bank


def test_screener_built_once_per_question(bank: QuestionBank) -> None:
    assert bank.screener("crisis_signs") is bank.screener("crisis_signs")
    assert bank.screener("crisis_signs") is not bank.screener("develop_program")


def test_lexicon_loader_skips_companion_files() -> None:
    lexicon = load_lexicon()
    assert "needs_assessment" not in lexicon.concepts
    assert all("questions" not in s and "titles" not in s for s in lexicon.sources)


def test_bank_has_no_hypothetical_cue() -> None:
    raw = tomllib.loads((default_skill_dir() / DEFAULT_BANK_FILE).read_text("utf-8"))
    assert {c["category"] for c in raw["cues"]} == {"negated", "pseudo"}


def test_every_bank_term_matches_itself_in_a_carrier_sentence(bank: QuestionBank) -> None:
    failures = []
    for q in bank.questions:
        for kp in q.key_points:
            for group in kp.terms:
                for term in [*group.phrases, *group.lemmas, *group.abbreviations]:
                    covered = _covered(q.id, f"Well, {term} here.", bank)
                    if kp.id not in covered:
                        failures.append((q.id, kp.id, term))
    assert failures == []


# -- strong / partial / off-topic answers for every question --------------------------------

ANSWER_TABLE: list[tuple[str, str, str, set[str]]] = [
    (
        "develop_program",
        "strong",
        "I would start with a needs assessment: pull a year of call data on mental health calls. "
        "Then set training requirements, a 40-hour CIT course for patrol. I would partner with "
        "mental health professionals from the county, build relationships with the local "
        "hospitals and the crisis stabilization unit, and write clear protocols for officers.",
        {
            "needs_assessment",
            "training_requirements",
            "mh_partnerships",
            "healthcare_facilities",
            "clear_protocols",
        },
    ),
    (
        "develop_program",
        "partial",
        "I would get every officer trained and write a policy on how to handle these calls.",
        {"training_requirements", "clear_protocols"},
    ),
    (
        "develop_program",
        "off_topic",
        "I would buy new patrol cars and improve response times across the city.",
        set(),
    ),
    (
        "challenging_crisis",
        "strong",
        "A man was on a bridge railing. I took charge of the scene and decided to keep other "
        "units back. I built rapport, slowed things down and he went voluntarily to the "
        "hospital. The lesson I learned was patience; we debriefed afterwards. I won't use his "
        "name for confidentiality.",
        {"leadership", "decision_making", "de_escalation_used", "learning", "confidentiality"},
    ),
    (
        "challenging_crisis",
        "partial",
        "A woman was screaming in a store. I calmed her down and she agreed to go to the hospital.",
        {"de_escalation_used"},
    ),
    (
        "challenging_crisis",
        "off_topic",
        "I once chased a shoplifter for three blocks and caught him.",
        set(),
    ),
    (
        "de_escalation_strategies",
        "strong",
        "I keep a safe distance, use a calm voice, practise active listening, show empathy "
        "for what they are going through, and call for backup or the mobile crisis team when "
        "I need more help.",
        {"safe_distance", "calm_voice", "active_listening", "empathy", "additional_resources"},
    ),
    (
        "de_escalation_strategies",
        "partial",
        "I give them space and let them talk.",
        {"safe_distance", "active_listening"},
    ),
    (
        "de_escalation_strategies",
        "off_topic",
        "I make sure my paperwork is finished before the end of shift.",
        set(),
    ),
    (
        "coordinate_professionals",
        "strong",
        "We agree on communication protocols before we go in and brief each other on the way. "
        "My role is scene safety; the clinician's role is the assessment, and I defer to their "
        "clinical judgment. We work as a team.",
        {"communication_protocols", "understanding_roles", "respect_expertise", "teamwork"},
    ),
    (
        "coordinate_professionals",
        "partial",
        "We work together and I keep them updated on the radio.",
        {"teamwork", "communication_protocols"},
    ),
    (
        "coordinate_professionals",
        "off_topic",
        "I usually drive the car and handle the traffic stops.",
        set(),
    ),
    (
        "crisis_signs",
        "strong",
        "Confusion, extreme agitation, hearing voices or paranoia. But it is important not to "
        "jump to conclusions: it could be low blood sugar or a head injury.",
        {
            "confusion",
            "extreme_agitation",
            "disconnection_from_reality",
            "no_jumping_to_conclusions",
        },
    ),
    (
        "crisis_signs",
        "partial",
        "They might be disoriented or hallucinating.",
        {"confusion", "disconnection_from_reality"},
    ),
    (
        "crisis_signs",
        "off_topic",
        "Signs are posted at every intersection downtown.",
        set(),
    ),
    (
        "why_specialized_training",
        "strong",
        "Traditional police tactics like shouting commands can escalate a crisis, and these "
        "people need treatment rather than arrest.",
        {"traditional_response_limits", "help_versus_arrest"},
    ),
    (
        "why_specialized_training",
        "partial",
        "Because these people need to be connected to services.",
        {"help_versus_arrest"},
    ),
    (
        "why_specialized_training",
        "off_topic",
        "Training is required by the state for promotion.",
        set(),
    ),
]


@pytest.mark.parametrize(
    ("question_id", "label", "answer", "expected"),
    ANSWER_TABLE,
    ids=[f"{q}-{label}" for q, label, _, _ in ANSWER_TABLE],
)
def test_answer_table(
    bank: QuestionBank, question_id: str, label: str, answer: str, expected: set[str]
) -> None:
    score = score_answer(question_id, answer, bank)
    all_points = {kp.id for kp in bank.question(question_id).key_points}
    assert {kp.id for kp in score.covered} == expected
    assert set(score.missing_ids) == all_points - expected
    assert score.coverage == pytest.approx(len(expected) / len(all_points), abs=1e-4)
    if label == "strong":
        assert score.coverage == 1.0
    for kp in score.covered:
        for span in kp.spans:
            assert answer[span.start : span.end] == span.text


def test_every_question_has_three_table_rows() -> None:
    rows = {(q, label) for q, label, _, _ in ANSWER_TABLE}
    for qid in QUESTION_IDS:
        assert {(qid, x) for x in ("strong", "partial", "off_topic")} <= rows


# -- context: negation, pseudo-negation, "I would" -------------------------------------------

CONTEXT_TABLE: list[tuple[str, str, str, bool]] = [
    # (question, answer, key point, covered?)
    ("de_escalation_strategies", "I would call for backup.", "additional_resources", True),
    ("de_escalation_strategies", "I would not call for backup.", "additional_resources", False),
    ("de_escalation_strategies", "I'd never call for backup.", "additional_resources", False),
    ("de_escalation_strategies", "I don't call for backup.", "additional_resources", False),
    (
        "de_escalation_strategies",
        "I would not hesitate to call for backup.",
        "additional_resources",
        True,
    ),
    (
        "de_escalation_strategies",
        "I would not rush in, but I would call for backup.",
        "additional_resources",
        True,
    ),
    (
        "de_escalation_strategies",
        "Calling for backup is not necessary.",
        "additional_resources",
        False,
    ),
    ("de_escalation_strategies", "I will keep a safe distance.", "safe_distance", True),
    ("de_escalation_strategies", "I wouldn't crowd him.", "safe_distance", True),
    ("de_escalation_strategies", "I would not keep my distance.", "safe_distance", False),
    ("de_escalation_strategies", "I would never yell at them.", "calm_voice", True),
    ("de_escalation_strategies", "Empathy is not only kind, it works.", "empathy", True),
    (
        "crisis_signs",
        "It's important to not jump to conclusions.",
        "no_jumping_to_conclusions",
        True,
    ),
    ("crisis_signs", "I would jump to conclusions.", "no_jumping_to_conclusions", False),
    ("crisis_signs", "They are not confused.", "confusion", False),
    ("why_specialized_training", "It is not about arresting people.", "help_versus_arrest", True),
    (
        "why_specialized_training",
        "They should get treatment instead of jail.",
        "help_versus_arrest",
        True,
    ),
    ("why_specialized_training", "They do not need treatment.", "help_versus_arrest", False),
    ("challenging_crisis", "I would never share his name.", "confidentiality", True),
    ("challenging_crisis", "Honestly, I never learned anything from it.", "learning", False),
]


@pytest.mark.parametrize(("question_id", "answer", "key_point", "covered"), CONTEXT_TABLE)
def test_context_table(
    bank: QuestionBank, question_id: str, answer: str, key_point: str, covered: bool
) -> None:
    assert (key_point in _covered(question_id, answer, bank)) is covered


def test_negated_term_is_reported_with_reason(bank: QuestionBank) -> None:
    score = score_answer("de_escalation_strategies", "I would not call for backup.", bank)
    assert "Knowing when to call for additional resources" in score.missing
    (voided,) = score.not_counted
    assert voided.key_point == "additional_resources"
    assert voided.span.text == "call for backup"
    assert any("negated" in r and "not" in r for r in voided.reasons)


@pytest.mark.parametrize(
    ("question_id", "answer"),
    [
        ("de_escalation_strategies", "I would handle it appropriately and do my best."),
        ("crisis_signs", "You can just tell when something is off."),
        ("develop_program", "I would make it happen with good leadership."),
        ("coordinate_professionals", "It depends on the situation."),
        ("why_specialized_training", "It is important for many reasons."),
        ("challenging_crisis", "There have been many difficult calls over the years."),
    ],
)
def test_vague_answers_cover_nothing(bank: QuestionBank, question_id: str, answer: str) -> None:
    score = score_answer(question_id, answer, bank)
    assert score.coverage == 0.0
    assert score.covered == ()


def test_lemma_and_fuzzy_variants(bank: QuestionBank) -> None:
    # Inflection ("listened"), spelling pair ("analyse"), hyphenation ("back-up") and a typo.
    assert "active_listening" in _covered("de_escalation_strategies", "I listened to him.", bank)
    assert "additional_resources" in _covered(
        "de_escalation_strategies", "I requested back-up.", bank
    )
    score = score_answer("develop_program", "First a needs assesment of the county.", bank)
    (kp,) = score.covered
    assert kp.id == "needs_assessment"
    assert kp.spans[0].method == "fuzzy"
    assert 80 <= kp.spans[0].similarity < 100


def test_score_fields_and_note(bank: QuestionBank) -> None:
    score = score_answer("crisis_signs", "Confusion.", bank)
    assert score.question_id == "crisis_signs"
    assert score.question == bank.question("crisis_signs").text
    assert "not a verdict" in score.note
    assert score.bank_version == bank.info.version
    span = score.covered[0].spans[0]
    assert (span.text, span.start, span.end, span.method) == ("Confusion", 0, 9, "exact")


def test_unknown_question_lists_known_ids(bank: QuestionBank) -> None:
    with pytest.raises(UnknownQuestionError) as info:
        score_answer("nope", "text", bank)
    message = str(info.value)
    assert "'nope'" in message
    assert all(qid in message for qid in QUESTION_IDS)
    assert isinstance(info.value, KeyError)


def test_score_answer_uses_default_bank() -> None:
    assert score_answer("crisis_signs", "paranoia").covered[0].id == "disconnection_from_reality"


# -- bank validation -----------------------------------------------------------------------


def _bank_toml(questions: str, extra: str = "") -> str:
    return (
        '[bank]\nskill = "s"\nname = "n"\nversion = "1"\nnote = "aid, not a verdict"\n'
        + extra
        + questions
    )


GOOD_QUESTION = """
[[questions]]
id = "q1"
text = "Q?"
probes = "p"
  [[questions.key_points]]
  id = "kp"
  name = "KP"
    [[questions.key_points.terms]]
    phrases = ["safe distance"]
"""


def test_minimal_bank_loads_and_scores(tmp_path: Path) -> None:
    path = tmp_path / "b.toml"
    path.write_text(_bank_toml(GOOD_QUESTION), encoding="utf-8")
    bank = QuestionBank.load(path)
    assert bank.ids == ("q1",)
    assert score_answer("q1", "Keep a safe distance", bank).coverage == 1.0
    # No cues at all, no token patterns: the empty spaCy Matchers must not warn (W036).
    assert score_answer("q1", "nothing", bank).coverage == 0.0


def test_bank_problems_reported_together(tmp_path: Path) -> None:
    questions = """
[[questions]]
id = "q1"
text = "Q?"
probes = "p"
colour = "red"
  [[questions.key_points]]
  id = "kp"
  name = "KP"
    [[questions.key_points.terms]]
    phrases = ["safe distance"]

[[questions]]
id = "q1"
text = "Again?"
probes = "p"
  [[questions.key_points]]
  id = "a"
  name = "A"
    [[questions.key_points.terms]]
    phrases = ["calm voice"]
  [[questions.key_points]]
  id = "a"
  name = "A again"
    [[questions.key_points.terms]]
    phrases = ["listening"]

[[questions]]
id = "q3"
text = "Empty?"
probes = "p"
  [[questions.key_points]]
  id = "empty"
  name = "Empty"
  terms = []
"""
    path = tmp_path / "bad.toml"
    path.write_text(_bank_toml(questions), encoding="utf-8")
    with pytest.raises(LexiconError) as info:
        QuestionBank.load(path)
    problems = info.value.problems
    text = "\n".join(problems)
    assert all(p.startswith(str(path)) for p in problems)
    assert re.search(r"questions\[0\] 'q1' > colour: unknown key", text)
    assert re.search(r"questions\[1\] 'q1': duplicate id", text)
    assert re.search(r"questions\[1\] 'q1' > key_points\[1\] 'a': duplicate id", text)
    assert re.search(r"questions\[2\] 'q3' > key_points\[0\] 'empty': key point has no terms", text)
    assert len(problems) == 4


def test_bank_cross_checks(tmp_path: Path) -> None:
    extra = """
[[cues]]
id = "would"
category = "hypothetical"
literals = ["would"]

[[follow_ups]]
id = "f1"
when = "volume"
question = "missing_q"
prompt = "{count} {nope}"
"""
    q = GOOD_QUESTION.replace(
        'phrases = ["safe distance"]',
        'phrases = ["safe distance"]\n    fuzzy = true\n    lemmas = ["calm"]',
    )
    path = tmp_path / "bad.toml"
    path.write_text(_bank_toml(q, extra), encoding="utf-8")
    with pytest.raises(LexiconError) as info:
        QuestionBank.load(path)
    text = "\n".join(info.value.problems)
    assert "cue 'would': category 'hypothetical' is not allowed" in text
    assert "follow_up 'f1': unknown question 'missing_q'" in text
    assert "follow_up 'f1': prompt uses unknown field {count}" in text
    assert "follow_up 'f1': prompt uses unknown field {nope}" in text
    assert len(info.value.problems) == 4


def test_bank_compile_problems_name_question_and_key_point(tmp_path: Path) -> None:
    q = GOOD_QUESTION.replace('phrases = ["safe distance"]', 'phrases = ["calm"]\n    fuzzy = true')
    path = tmp_path / "bad.toml"
    path.write_text(_bank_toml(q), encoding="utf-8")
    with pytest.raises(LexiconError) as info:
        QuestionBank.load(path)
    (problem,) = info.value.problems
    assert problem.startswith(f"{path}: question 'q1': key point 'kp'")
    assert "fuzzy matching on short term 'calm'" in problem


def test_pattern_without_literal_is_rejected(tmp_path: Path) -> None:
    q = GOOD_QUESTION.replace(
        'phrases = ["safe distance"]', "patterns = [[{LIKE_NUM = true}, {IS_PUNCT = false}]]"
    )
    path = tmp_path / "bad.toml"
    path.write_text(_bank_toml(q), encoding="utf-8")
    with pytest.raises(LexiconError, match=r"patterns\[0\]: needs a required token"):
        QuestionBank.load(path)


def test_bank_file_errors(tmp_path: Path) -> None:
    with pytest.raises(LexiconError, match="file not found"):
        QuestionBank.load(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[bank\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="invalid TOML"):
        QuestionBank.load(bad)


def test_question_shares_term_with_another_question(tmp_path: Path) -> None:
    # The same term in two questions is fine: each question is matched on its own.
    q2 = GOOD_QUESTION.replace('id = "q1"', 'id = "q2"')
    path = tmp_path / "b.toml"
    path.write_text(_bank_toml(GOOD_QUESTION + q2), encoding="utf-8")
    bank = QuestionBank.load(path)
    assert score_answer("q2", "a safe distance", bank).coverage == 1.0


# -- answers files ---------------------------------------------------------------------------


def test_read_answers_json_and_text(tmp_path: Path) -> None:
    j = tmp_path / "a.json"
    j.write_text(json.dumps({"crisis_signs": "Confusion."}), encoding="utf-8")
    assert read_answers(j) == {"crisis_signs": "Confusion."}
    t = tmp_path / "a.md"
    t.write_text("## crisis_signs\nConfusion.\n\n## develop_program\nA policy.\n", "utf-8")
    assert read_answers(t) == {"crisis_signs": "Confusion.", "develop_program": "A policy."}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.json", "[1, 2]", "expected a JSON object"),
        ("a.json", '{"q": 3}', "answers must be strings"),
        ("a.json", "{not json", "invalid JSON"),
        ("a.txt", "just some text", "no answers found"),
        ("a.txt", "intro\n## q\nx", "text before the first"),
        ("a.txt", "## q\nx\n## q\ny", "answered twice"),
    ],
)
def test_read_answers_errors(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(AnswersFormatError, match=message):
        read_answers(path)


def test_render_scores_formats(bank: QuestionBank) -> None:
    scores = [score_answer("de_escalation_strategies", "Keep a safe distance. Not backup.", bank)]
    text = render_scores(scores, "text")
    assert "coverage 20%" in text and "not a verdict" in text
    md = render_scores(scores, "markdown")
    assert md.startswith("## de\\_escalation\\_strategies: coverage 20%")
    doc = json.loads(render_scores(scores, "json"))
    assert doc["answers"][0]["coverage"] == 0.2
    assert "not a verdict" in doc["note"]


# -- the interview guide ---------------------------------------------------------------------

VOLUME_RESUME = """Jane Doe
EXPERIENCE
Patrol Officer, Springfield Police Department
Completed 40-hour Mental Health Response certification and responded to over 200 crisis calls
Trained junior officers in Crisis Intervention techniques
"""

LIST_RESUME = """John Roe
SKILLS
Crisis intervention, report writing, firearms, first aid
"""

NONE_RESUME = """Sam Poe
EXPERIENCE
Software engineer at Acme, built billing systems
"""


def _guide(text: str, bank: QuestionBank) -> Any:
    from crisis_screen.screener import Screener

    return build_guide(Screener.default().screen_text(text, source="cv.txt"), bank)


@pytest.fixture(scope="module")
def volume_guide(bank: QuestionBank) -> Any:
    return _guide(VOLUME_RESUME, bank)


def test_guide_volume_and_credential_prompts(volume_guide: Any) -> None:
    by_q = {q.id: q for q in volume_guide.questions}
    volume = [p for p in by_q["challenging_crisis"].follow_ups if p.trigger == "volume"]
    assert len(volume) == 1
    assert volume[0].template == "volume_count"
    assert "200 calls" in volume[0].prompt and volume[0].line_no == 4
    cred = [p for p in by_q["de_escalation_strategies"].follow_ups if p.trigger == "credential"]
    assert cred and "40-hour" in cred[0].prompt
    teach = [p for p in by_q["why_specialized_training"].follow_ups if p.trigger == "teaching"]
    assert teach and teach[0].line_no == 5
    assert volume_guide.has_evidence
    # With evidence the bank order is kept.
    assert tuple(q.id for q in volume_guide.questions) == QUESTION_IDS


def test_guide_list_only_prompt(bank: QuestionBank) -> None:
    guide = _guide(LIST_RESUME, bank)
    assert guide.skills_list_only
    prompts = [p for q in guide.questions for p in q.follow_ups]
    assert [p.trigger for p in prompts] == ["list_claim"]
    assert "concrete example" in prompts[0].prompt
    assert prompts[0].evidence == "Crisis intervention"


def test_guide_no_evidence_puts_baseline_first(bank: QuestionBank) -> None:
    guide = _guide(NONE_RESUME, bank)
    assert not guide.has_evidence
    assert [p.trigger for p in guide.general_follow_ups] == ["no_evidence"]
    baseline = [q.baseline for q in guide.questions]
    assert baseline == sorted(baseline, reverse=True) and baseline[0]


def test_guide_planned_prompt(bank: QuestionBank) -> None:
    guide = _guide("OBJECTIVE\nSeeking a CIT certification to join the crisis team.\n", bank)
    planned = [p for p in guide.general_follow_ups if p.trigger == "planned"]
    assert planned and "planned or sought" in planned[0].prompt


def test_guide_caps_prompts_per_trigger(bank: QuestionBank) -> None:
    text = "\n".join(f"Responded to over {n} crisis calls" for n in (100, 200, 300, 400))
    guide = _guide(text, bank)
    volume = [p for q in guide.questions for p in q.follow_ups if p.trigger == "volume"]
    assert len(volume) == bank.info.max_follow_ups_per_trigger == 2


def test_guide_renderings(volume_guide: Any) -> None:
    text = render_guide(volume_guide, "text")
    assert "Interview guide: cv.txt" in text and "not a verdict" in text
    assert "[ ] Needs assessment" in text and "[volume]" in text
    md = render_guide(volume_guide, "markdown")
    assert md.startswith("# Interview guide: cv.txt") and "- [ ] Needs assessment" in md


def test_guide_html_is_escaped_and_self_contained(bank: QuestionBank) -> None:
    guide = _guide(VOLUME_RESUME.replace("Jane Doe", "<script>alert(1)</script>"), bank)
    guide = guide.model_copy(update={"source": "<b>cv</b>.txt"})
    out = render_guide(guide, "html")
    assert out.startswith("<!DOCTYPE html>")
    assert "<script" not in out and "<b>cv" not in out
    assert html.escape("<b>cv</b>.txt") in out
    assert "http://" not in out and "https://" not in out and "<link" not in out


# -- CLI -------------------------------------------------------------------------------------


def _cli(args: list[str]) -> Any:
    from crisis_screen.cli import cli

    return CliRunner().invoke(cli, args, catch_exceptions=False)


def test_cli_score_text_and_json(tmp_path: Path) -> None:
    answers = tmp_path / "answers.md"
    answers.write_text(
        "## de_escalation_strategies\nI keep a safe distance. I would not call for backup.\n"
        "## crisis_signs\nConfusion and agitation.\n",
        encoding="utf-8",
    )
    result = _cli(["interview", "score", str(answers)])
    assert result.exit_code == 0, result.output
    assert "de_escalation_strategies: coverage 20%" in result.output
    assert "crisis_signs: coverage 50%" in result.output
    assert '"call for backup" (negated by' in result.output
    assert "not a verdict" in result.output
    data = tmp_path / "answers.json"
    data.write_text(json.dumps({"crisis_signs": "paranoia"}), encoding="utf-8")
    result = _cli(["interview", "score", str(data), "--format", "json"])
    assert result.exit_code == 0
    doc = json.loads(result.output)
    assert doc["answers"][0]["covered"][0]["id"] == "disconnection_from_reality"
    result = _cli(["interview", "score", str(data), "--format", "markdown"])
    assert result.output.startswith("## crisis\\_signs: coverage 25%")


def test_cli_score_unknown_question(tmp_path: Path) -> None:
    data = tmp_path / "answers.json"
    data.write_text(json.dumps({"bogus": "x"}), encoding="utf-8")
    result = _cli(["interview", "score", str(data)])
    assert result.exit_code == 1
    assert "unknown question id 'bogus'" in result.output
    assert "develop_program" in result.output


def test_cli_score_with_bad_bank(tmp_path: Path) -> None:
    data = tmp_path / "answers.json"
    data.write_text(json.dumps({"q1": "x"}), encoding="utf-8")
    bad = tmp_path / "bank.toml"
    bad.write_text("[bank]\nfoo = 1\n", encoding="utf-8")
    result = _cli(["interview", "score", str(data), "--bank", str(bad)])
    assert result.exit_code == 1
    assert "unknown key" in result.output


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_cli_guide_volume_resume(tmp_path: Path, fmt: str) -> None:
    resume = tmp_path / "cv.txt"
    resume.write_text(VOLUME_RESUME, encoding="utf-8")
    result = _cli(["interview", "guide", str(resume), "--format", fmt])
    assert result.exit_code == 0, result.output
    assert "200 calls" in result.output
    assert "not a verdict" in result.output
    if fmt == "html":
        assert result.output.startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_cli_guide_list_only_resume(tmp_path: Path, fmt: str) -> None:
    resume = tmp_path / "cv.txt"
    resume.write_text(LIST_RESUME, encoding="utf-8")
    result = _cli(["interview", "guide", str(resume), "--format", fmt])
    assert result.exit_code == 0, result.output
    assert "concrete example" in result.output
    assert "skills lists" in result.output


def test_cli_guide_unreadable_resume(tmp_path: Path) -> None:
    resume = tmp_path / "cv.txt"
    resume.write_bytes(b"")
    result = _cli(["interview", "guide", str(resume)])
    assert result.exit_code == 1
    assert "Error" in result.output


def test_cli_help_lists_interview_commands() -> None:
    result = _cli(["interview", "--help"])
    assert result.exit_code == 0
    assert "score" in result.output and "guide" in result.output


def test_guide_builds_nothing_on_a_negated_or_planned_credential(bank: QuestionBank) -> None:
    text = (
        "Warehouse guard hoping to move into the co-responder unit. I have not taken any "
        "crisis intervention training so far.\n"
        "EXPERIENCE\nResponded to mental health calls on the night patrol, no CIT course yet.\n"
    )
    guide = _guide(text, bank)
    prompts = [p for q in guide.questions for p in q.follow_ups] + list(guide.general_follow_ups)
    assert prompts  # the described calls still get their follow-up
    assert not [p for p in prompts if p.trigger == "credential"]
