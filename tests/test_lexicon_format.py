"""The lexicon format on mini lexicons of its own: categories and their effects, the common
file, derived gate anchors, inflections, and a user's spaCy pipeline left as given."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy

from crisis_screen import Screener
from crisis_screen.errors import LexiconError
from crisis_screen.lexicon import load_lexicon
from crisis_screen.lexicon.variants import uninflectable, word_forms

COMMON = """
[common]
version = "9"

[categories.negated]
effect = "void"
reason = "negated by {cue!r}"
terminators = ["but"]

[categories.pseudo]
effect = "pseudo"

[categories.historical]
effect = "void"
reason = "long ago ({cue!r})"
direction = "backward"
scope = 3

[categories.award]
effect = "evidence"

[categories.credential]
effect = "evidence"
quantity = "hours"

[lists]
separators = ["/"]
min_items = 3
max_words_per_item = 2

[sections]
skills = ["skills"]
hobbies = ["hobbies", "interests"]

[[cues]]
id = "neg"
category = "negated"
direction = "forward"
scope = 3
literals = ["no", "never"]

[[cues]]
id = "not_only"
category = "pseudo"
literals = ["no doubt"]

[[cues]]
id = "long_ago"
category = "historical"
literals = ["in 1990", "decades ago"]

[[cues]]
id = "prize"
category = "award"
literals = ["award", "medal"]

[[cues]]
id = "hours"
category = "credential"
patterns = [[{LIKE_NUM = true}, {LOWER = "hours"}]]
"""

SKILL = """
[skill]
id = "beekeeping"
name = "Beekeeping"
version = "2"

[categories.apiary_context]
effect = "support"

[[concepts]]
id = "hive_inspection"
name = "Hive inspection"
  [[concepts.terms]]
  lemmas = ["inspect hive"]
  phrases = ["hive inspection"]
  fuzzy = true

[[concepts]]
id = "queen_rearing"
name = "Queen rearing"
  [[concepts.terms]]
  phrases = ["queen rearing"]
  requires = ["apiary_context"]

[[cues]]
id = "apiary"
category = "apiary_context"
literals = ["apiary", "colonies"]
"""


@pytest.fixture(scope="module")
def bees(tmp_path_factory: pytest.TempPathFactory) -> Screener:
    root = tmp_path_factory.mktemp("lex")
    (root / "common").mkdir()
    (root / "common" / "context.toml").write_text(COMMON)
    (root / "beekeeping").mkdir()
    (root / "beekeeping" / "skill.toml").write_text(SKILL)
    return Screener(root)


def _one(screener: Screener, text: str) -> tuple[bool, list[str], tuple[str, ...]]:
    [e] = screener.screen_text(text).evidence
    return e.counted, [a.kind for a in e.adjustments], e.kinds


@pytest.mark.parametrize(
    ("text", "counted", "adjustments", "kinds"),
    [
        ("Inspected hives weekly", True, [], ("mention",)),
        # irregular-free but inflected: lemma forms come from the dictionary
        ("Inspecting hives weekly", True, [], ("mention",)),
        ("Never inspected hives", False, ["negated"], ("mention",)),
        # scope 3 tokens: too far for the negation
        ("Never once in those three summers inspected hives", True, [], ("mention",)),
        # the category's terminator ends the negation's scope
        ("No, but inspected hives", True, [], ("mention",)),
        # a pseudo cue cancels the cue inside it
        ("No doubt inspected hives", True, [], ("mention",)),
        # a voiding category of the lexicon's own, its direction and scope from the category
        ("Hive inspection in 1990", False, ["historical"], ("mention",)),
        ("In 1990 began hive inspection", True, [], ("mention",)),
        # an evidence kind declared as data; it applies to the whole line
        ("Hive inspection award from the county", True, ["evidence_kind"], ("award",)),
        (
            "Hive inspection, 12 hours course, medal",
            True,
            ["evidence_kind"] * 2,
            ("award", "credential"),
        ),
        # a bare entry on its own line is marked as such (factor 1), and stays unsupported
        ("Queen rearing", False, ["list_line", "unsupported"], ("mention",)),
        ("Queen rearing for 40 colonies", True, ["supported"], ("mention",)),
        # list shape from the common file: "/" separated, short items
        ("honey / wax / hive inspection / queens", True, ["list_line"], ("mention",)),
    ],
)
def test_mini_lexicon_context_and_scoring(
    bees: Screener, text: str, counted: bool, adjustments: list[str], kinds: tuple[str, ...]
) -> None:
    assert _one(bees, text) == (counted, adjustments, kinds)


def test_mini_lexicon_quantities_and_sections(bees: Screener) -> None:
    [e] = bees.screen_text("Hobbies\nHive inspection, 12 hours course").evidence
    assert e.section == "hobbies" and e.quantities.hours == 12
    result = bees.screen_text("Skills\nHive inspection")
    assert result.evidence[0].section == "skills"
    assert result.versions.lexicon == "beekeeping@2+common@9"


def test_kind_order_follows_the_declaration(bees: Screener) -> None:
    assert bees.lexicon.evidence_kinds == ("title", "award", "credential", "mention")
    result = bees.screen_text("Hive inspection: 12 hours, medal")
    assert result.summary.kinds == ("award", "credential")


def test_mini_lexicon_typo(bees: Screener) -> None:
    [e] = bees.screen_text("Routine hive inspecton").evidence
    assert (e.method, e.counted, e.concept_name) == ("fuzzy", True, "Hive inspection")


def test_gate_anchors_are_derived_from_the_terms(bees: Screener) -> None:
    anchors = set(bees.lexicon.anchors)
    assert {"hive inspection", "inspected hives", "queen rearing"} <= anchors
    gate = bees.terms.gate
    assert gate.positions("Inspected hives")
    # ordinary text holding a word of a term, but no term, is not a candidate line
    assert not gate.positions("The queen of the county fair; a hive of activity")


def test_extra_gate_anchors_stay_possible(tmp_path: Path) -> None:
    skill = tmp_path / "skill.toml"
    skill.write_text(SKILL + '\n[gate]\nanchors = ["smoker"]\n')
    lex = load_lexicon(skill)
    assert "smoker" in lex.anchors


@pytest.mark.parametrize(
    ("word", "forms"),
    [
        ("commit", {"committed", "committing", "commits"}),
        ("hold", {"held", "holding", "holds"}),
        ("teach", {"taught", "teaching", "teaches"}),
        ("counsel", {"counselled", "counseled", "counselling", "counseling"}),
        ("crisis", {"crises"}),
        ("calls", {"call", "called", "calling"}),
    ],
)
def test_inflections_are_dictionary_forms(word: str, forms: set[str]) -> None:
    got = word_forms(word)
    assert got[0] == word and forms <= set(got)
    assert not {"commited", "holded", "teached"} & set(got)


def test_a_lemma_the_inflector_cannot_inflect_is_reported(tmp_path: Path) -> None:
    assert uninflectable("zorbify hive") == ["zorbify"]
    skill = tmp_path / "skill.toml"
    skill.write_text(SKILL.replace('lemmas = ["inspect hive"]', 'lemmas = ["zorbify hive"]'))
    with pytest.raises(LexiconError, match="lemma term 'zorbify hive': cannot inflect 'zorbify'"):
        load_lexicon(skill)


def test_void_category_needs_a_reason(tmp_path: Path) -> None:
    skill = tmp_path / "skill.toml"
    skill.write_text(SKILL + '\n[categories.retired]\neffect = "void"\n')
    with pytest.raises(
        LexiconError, match=f"{skill}: categories.retired: a voiding category needs a reason"
    ):
        load_lexicon(skill)


def test_the_typo_corrector_leaves_a_users_pipeline_as_given() -> None:
    nlp = spacy.blank("en")
    before = nlp("Completed Crisis Interventon course")
    assert [t.norm_ for t in before] == ["completed", "crisis", "interventon", "course"]
    screener = Screener(nlp=nlp)
    [e] = screener.screen_text("Completed Crisis Interventon course").evidence
    assert e.method == "fuzzy" and e.counted
    # the pipeline's vocabulary still has the word's own norm, for everything else it does
    assert nlp.vocab["Interventon"].norm_ == "interventon"
    assert [t.norm_ for t in nlp("Crisis Interventon")] == ["crisis", "interventon"]
    # and the correction still works a second time (it lives in the screener's own table)
    [again] = screener.screen_text("Crisis Interventon techniques").evidence
    assert again.method == "fuzzy"


ORDINARY_LINES = [
    "Managed a team of five cashiers and the weekly rota",
    "Responded to customer emails within one business day",
    "Handled payroll for the regional sales office",
    "Health and safety officer for the distribution warehouse",
    "Emergency room nurse on the night shift",
    "Talked to suppliers about delivery schedules",
    "Line supervisor, packaging unit; first aid at work certificate",
    "Case manager for commercial insurance claims",
]


@pytest.mark.parametrize("line", ORDINARY_LINES)
def test_shipped_gate_skips_ordinary_lines(screener: Screener, line: str) -> None:
    # Words that shipped terms use ("team", "response", "officer", "emergency", "talked") are
    # not anchors on their own: the derived anchors are whole variants and selective pairs.
    assert screener.terms.gate.positions(line) == []


def test_matchers_and_cues_directly_on_the_mini_lexicon(bees: Screener) -> None:
    from crisis_screen.context import CueFinder
    from crisis_screen.matchers import TermMatcher

    nlp = spacy.blank("en")
    terms = TermMatcher(bees.lexicon, nlp)
    cues = CueFinder(bees.lexicon, nlp)
    doc = nlp.make_doc("Never inspected hives in 1990; hive inspection award")
    hits = terms.find(doc)
    assert [(h.skill, h.concept, h.method, doc[h.start : h.end].text) for h in hits] == [
        ("beekeeping", "hive_inspection", "lemma", "inspected hives"),
        ("beekeeping", "hive_inspection", "exact", "hive inspection"),
    ]
    found = cues.find(doc)
    assert {(m.cue.id, m.cue.effect) for m in found} == {
        ("neg", "void"),
        ("long_ago", "void"),
        ("prize", "evidence"),
    }
    first, second = (sorted(e.category for e in cues.effects(doc, h, found)) for h in hits)
    # the negation (forward, 3 tokens) and "in 1990" (backward, from its category) reach the
    # first hit; the second is too far from the negation and after "in 1990", so only the
    # award, an evidence kind that applies to the whole line, reaches it
    assert first == ["award", "historical", "negated"]
    assert second == ["award"]


_METHODS_SKILL = """
[skill]
id = "beekeeping"
name = "Beekeeping"
version = "2"

[categories.other_sense]
effect = "void"
reason = "another sense ({cue!r})"

[[concepts]]
id = "smoking_hives"
name = "Smoking hives"
  [[concepts.terms]]
  phrases = ["bee smoker"]
  abbreviations = ["BSM"]

[[cues]]
id = "degree_sense"
category = "other_sense"
applies_to_methods = [METHODS]
literals = ["degree"]
"""


def _methods_lexicon(tmp_path: Path, methods: str) -> Path:
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "context.toml").write_text(COMMON)
    (tmp_path / "bees").mkdir()
    (tmp_path / "bees" / "skill.toml").write_text(_METHODS_SKILL.replace("METHODS", methods))
    return tmp_path


def test_a_cue_can_void_only_the_hits_of_some_match_methods(tmp_path: Path) -> None:
    screener = Screener(_methods_lexicon(tmp_path, '"abbreviation"'))
    # The acronym's other sense voids the acronym; the full name keeps its meaning.
    assert _one(screener, "BSM degree, state college") == (False, ["other_sense"], ("mention",))
    assert _one(screener, "Bee smoker use, degree course") == (True, [], ("mention",))


def test_an_unknown_match_method_is_a_lexicon_error(tmp_path: Path) -> None:
    with pytest.raises(LexiconError, match="applies_to_methods"):
        load_lexicon(_methods_lexicon(tmp_path, '"acronym"'))
