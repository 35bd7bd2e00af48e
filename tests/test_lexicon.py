"""The lexicon: shipped data, validation, overlays, several skills, gate completeness."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crisis_screen import Screener
from crisis_screen.errors import LexiconError
from crisis_screen.lexicon import default_lexicon_dir, load_lexicon
from crisis_screen.matchers import LineGate
from crisis_screen.schemas import SCHEMA_FILES, dump_schema

ROOT = Path(__file__).resolve().parents[1]
# Support cues for terms that need one; none of these words is a term on its own.
# The notes give every support category a term group may require (training, response,
# mental-health, victim-of-violence ...), so each term is judged on matching alone.
CARRIER = (
    "Listed: {term} | notes: certified officer responded 24-hour emotional"
    " | survivors of domestic violence"
)


def _entries() -> list[tuple[str, str, str]]:
    lex = load_lexicon()
    return sorted({(e.concept, e.variant, e.method) for e in lex.term_entries()})


def test_shipped_lexicon_loads_and_has_the_skill() -> None:
    lex = load_lexicon()
    assert lex.version.startswith("mental_health_response@")
    assert {"cit", "crisis_intervention", "psychiatric_hold", "suicide_intervention"} <= set(
        lex.concepts
    )
    assert default_lexicon_dir().joinpath("mental_health_response", "skill.toml").is_file()
    assert default_lexicon_dir().joinpath("common", "context.toml").is_file()


def test_every_shipped_term_matches_itself_in_a_carrier_sentence(screener: Screener) -> None:
    failures = []
    for concept, variant, method in _entries():
        text = CARRIER.format(term=variant)
        result = screener.screen_text(text)
        want = variant if method == "abbreviation" else variant.lower()
        ok = any(
            e.concept == concept
            and e.counted
            and want in (e.text if method == "abbreviation" else e.text.lower())
            for e in result.evidence
        )
        if not ok:
            failures.append(
                (concept, variant, [(e.concept, e.text, e.counted) for e in result.evidence])
            )
    assert not failures, failures[:10]


def test_gate_never_drops_a_term_variant(screener: Screener) -> None:
    gate: LineGate = screener.terms.gate
    for _concept, variant, _method in _entries():
        line = f"x {variant} y"
        assert gate.candidate_lines(f"first line\n{line}\nlast", [0, 11, 12 + len(line)]) == [1], (
            variant
        )


BAD_LEXICON = """
[skill]
id = "demo"
name = "Demo"
version = "0.1"

[gate]
anchors = ["crisis"]

[[concepts]]
id = "one"
name = "One"
colour = "red"
  [[concepts.terms]]
  phrases = ["crisis work"]

[[concepts]]
id = "two"
name = "Two"
  [[concepts.terms]]
  phrases = ["crisis work", "peer support"]
  abbreviations = ["cit", "Crisis Team"]
  fuzzy = true
  requires = ["nonexistent"]
  patterns = [[{LOWER = {NOT_A_KEY = 1}}]]

[[concepts]]
id = "two"
name = "Two again"
  [[concepts.terms]]
  phrases = ["crisis care"]
"""


def test_all_problems_are_reported_together(tmp_path: Path) -> None:
    bad = tmp_path / "demo.toml"
    bad.write_text(BAD_LEXICON.replace('colour = "red"\n', ""))
    with pytest.raises(LexiconError) as info:
        load_lexicon(bad)
    text = str(info.value)
    problems = info.value.problems
    assert all(str(bad) in p or "concept" in p for p in problems)
    for expected in (
        "duplicate id",
        "'crisis work' is also claimed by concept 'one'",
        "abbreviation 'cit' must be one upper-case token",
        "abbreviation 'Crisis Team' must be one upper-case token",
        "requires unknown support category 'nonexistent'",
        "invalid token pattern",
    ):
        assert expected in text, expected
    assert len(problems) >= 6


def test_unknown_keys_are_rejected_with_file_and_entry(tmp_path: Path) -> None:
    bad = tmp_path / "demo.toml"
    bad.write_text(BAD_LEXICON)
    with pytest.raises(LexiconError) as info:
        load_lexicon(bad)
    assert any(str(bad) in p and "concepts.0.colour" in p for p in info.value.problems)


def test_fuzzy_on_short_term_is_a_problem(tmp_path: Path) -> None:
    f = tmp_path / "demo.toml"
    f.write_text(
        '[skill]\nid = "demo"\nname = "D"\nversion = "1"\n[gate]\nanchors = ["crisis"]\n'
        '[[concepts]]\nid = "c"\nname = "C"\n  [[concepts.terms]]\n  fuzzy = true\n'
        '  phrases = ["crisis"]\n'
    )
    with pytest.raises(LexiconError, match="fuzzy matching on short term 'crisis'"):
        load_lexicon(f)


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    f = tmp_path / "broken.toml"
    f.write_text("[skill\nid=")
    with pytest.raises(LexiconError, match="broken.toml: invalid TOML"):
        load_lexicon(f)


def test_missing_path_is_reported(tmp_path: Path) -> None:
    with pytest.raises(LexiconError, match="no such file or directory"):
        load_lexicon(tmp_path / "nope")


OVERLAY = """
[overlay]
extends = "mental_health_response"
name = "acme-overlay"
version = "2"

[gate]
anchors = ["peer responder"]

[[concepts]]
id = "co_responder"
name = "Co-responder (extended)"
  [[concepts.terms]]
  phrases = ["peer responder program"]
"""


def test_overlay_extends_a_shipped_concept(tmp_path: Path) -> None:
    overlay = tmp_path / "acme.toml"
    overlay.write_text(OVERLAY)
    screener = Screener(overlays=[overlay])
    result = screener.screen_text("Coordinated the peer responder program")
    assert result.evidence[0].concept == "co_responder"
    assert result.flagged
    assert "acme-overlay@2" in result.versions.lexicon
    # the shipped terms still work
    assert screener.screen_text("CIT certified officer").flagged


SECOND_SKILL = """
[skill]
id = "naloxone"
name = "Overdose response"
version = "0.1.0"

[gate]
anchors = ["naloxone", "narcan"]

[[concepts]]
id = "naloxone_admin"
name = "Naloxone administration"
  [[concepts.terms]]
  phrases = ["naloxone", "narcan"]
"""


def test_several_skills_load_at_once(tmp_path: Path) -> None:
    second = tmp_path / "naloxone.toml"
    second.write_text(SECOND_SKILL)
    screener = Screener([default_lexicon_dir(), second])
    result = screener.screen_text("Administered Narcan; CIT certified")
    assert {e.concept for e in result.evidence} == {"naloxone_admin", "cit"}
    assert result.versions.lexicon == "mental_health_response@1.2.0+naloxone@0.1.0+common@1.1.0"


def test_companion_files_are_not_loaded_as_lexicons(tmp_path: Path) -> None:
    (tmp_path / "naloxone.toml").write_text(SECOND_SKILL)
    (tmp_path / "naloxone.questions.toml").write_text("this is not a lexicon = [")
    lex = load_lexicon(tmp_path)
    assert list(lex.concepts) == ["naloxone_admin"]


@pytest.mark.parametrize("name", sorted(SCHEMA_FILES))
def test_published_schemas_are_in_sync(name: str) -> None:
    published = ROOT / "schemas" / SCHEMA_FILES[name]
    assert json.loads(published.read_text()) == json.loads(dump_schema(name)), (
        f"regenerate with: crisis-screen schema {name} > schemas/{SCHEMA_FILES[name]}"
    )
