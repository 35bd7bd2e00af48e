"""Skills as data: a second skill (forklift operation) that no Python code knows, screened
through the API and the CLI; categories declared in data; several skills in one screen."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crisis_screen import Screener
from crisis_screen.errors import LexiconError
from crisis_screen.lexicon import default_lexicon_dir, load_lexicon

ROOT = Path(__file__).resolve().parents[1]
FORKLIFT = ROOT / "tests" / "data" / "lexicons" / "forklift"


@pytest.fixture(scope="module")
def forklift() -> Screener:
    return Screener(FORKLIFT)


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-m", "crisis_screen", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


# text, concept (or None for no counted evidence), kinds, adjustment kinds
FORKLIFT_CASES = [
    (
        "Certified forklift operator, three years accident-free on the night shift",
        "forklift_operation",
        ("credential", "safety_record"),
        ("evidence_kind", "evidence_kind"),
    ),
    ("Operated Class II lift trucks", "forklift_licence", ("mention",), ()),
    ("Reach truck driver at the warehouse", "reach_truck", ("mention",), ("supported",)),
    (
        "PIT certified, loading dock",
        "forklift_licence",
        ("credential",),
        ("supported", "evidence_kind"),
    ),
]


@pytest.mark.parametrize(("text", "concept", "kinds", "adjustments"), FORKLIFT_CASES)
def test_second_skill_counts_its_terms(
    forklift: Screener,
    text: str,
    concept: str,
    kinds: tuple[str, ...],
    adjustments: tuple[str, ...],
) -> None:
    result = forklift.screen_text(text)
    assert result.flagged
    [e] = result.evidence
    assert (e.concept, e.skill, e.counted) == (concept, "forklift", True)
    assert e.kinds == kinds
    assert tuple(a.kind for a in e.adjustments) == adjustments
    assert e.concept_name == forklift.lexicon.concept("forklift", concept).name
    assert result.summary.concept_names == (e.concept_name,)
    assert result.skills["forklift"].name == "Forklift Operation"
    assert result.skills["forklift"].score == result.score


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # the common file's negation and aspiration apply to a skill they were not written for
        ("Never worked as a forklift operator", "negated"),
        ("Hoping to become a forklift operator next year", "hypothetical"),
        # the skill's own voiding category, declared in its file
        ("Drove forklifts in a video game tournament", "simulated"),
        # a support category the term requires, absent
        ("Reach truck", "unsupported"),
    ],
)
def test_second_skill_context_voids(forklift: Screener, text: str, kind: str) -> None:
    result = forklift.screen_text(text)
    assert not result.flagged
    [e] = result.evidence
    assert not e.counted
    assert kind in [a.kind for a in e.adjustments]


def test_simulated_reason_comes_from_the_category(forklift: Screener) -> None:
    [e] = forklift.screen_text("Practised forklift operation on a simulator").evidence
    [adj] = [a for a in e.adjustments if a.kind == "simulated"]
    assert adj.reason == "simulated equipment, not real operation ('simulator')"
    assert e.line[adj.cue_start : adj.cue_end] == "simulator"


def test_second_skill_typo_in_a_later_word(forklift: Screener) -> None:
    [e] = forklift.screen_text("Licensed forklift opertor").evidence
    assert (e.concept, e.method, e.counted) == ("forklift_operation", "fuzzy", True)


def test_second_skill_through_the_cli(tmp_path: Path) -> None:
    resumes = tmp_path / "resumes"
    resumes.mkdir()
    (resumes / "a.txt").write_text(
        "Warehouse associate\nForklift operator, accident-free 2 years\n"
    )
    (resumes / "b.txt").write_text("Barista\nServed coffee to customers\n")
    proc = _run("scan", str(resumes), "--lexicon", str(FORKLIFT), "--format", "jsonl", cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    records = {Path(r["source"]).name: r for r in map(json.loads, proc.stdout.splitlines())}
    assert records["a.txt"]["flagged"] and not records["b.txt"]["flagged"]
    [e] = records["a.txt"]["evidence"]
    assert (e["concept"], e["concept_name"], e["skill"]) == (
        "forklift_operation",
        "Forklift operation",
        "forklift",
    )
    assert records["a.txt"]["versions"]["lexicon"] == "forklift@0.3.0+common@1.1.0"


def _copy_forklift(tmp_path: Path) -> Path:
    target = tmp_path / "forklift"
    shutil.copytree(FORKLIFT, target)
    return target / "skill.toml"


def test_misspelt_category_is_rejected_by_validate(tmp_path: Path) -> None:
    skill = _copy_forklift(tmp_path)
    text = skill.read_text()
    text = text.replace('category = "simulated"', 'category = "simulatd"')
    text = text.replace(
        'requires = ["warehouse_context"]\n\n[[concepts]]',
        'requires = ["warehouse"]\n\n[[concepts]]',
        1,
    )
    skill.write_text(text)
    proc = _run("lexicon", "validate", str(skill.parent), cwd=tmp_path)
    assert proc.returncode == 1
    assert f"{skill}: cue 'simulator': unknown category 'simulatd'" in proc.stderr
    assert (
        f"{skill}: concept 'reach_truck' terms[0]: requires unknown support category 'warehouse'"
        in proc.stderr
    )


def test_misspelt_negation_category_cannot_switch_negation_off(tmp_path: Path) -> None:
    skill = _copy_forklift(tmp_path)
    skill.write_text(
        skill.read_text()
        + '\n[[cues]]\nid = "my_negation"\ncategory = "negatd"\nliterals = ["nope"]\n'
    )
    with pytest.raises(LexiconError, match="unknown category 'negatd'"):
        load_lexicon(skill)


def test_a_category_declared_twice_differently_is_rejected(tmp_path: Path) -> None:
    skill = _copy_forklift(tmp_path)
    skill.write_text(skill.read_text() + '\n[categories.negated]\neffect = "support"\n')
    with pytest.raises(
        LexiconError, match=r"categories.negated: declared differently in .*context.toml"
    ):
        load_lexicon(skill)


def _copy_shipped_skill(tmp_path: Path) -> Path:
    """The shipped skill file, copied under the id ``mhr_copy``."""
    shipped = default_lexicon_dir() / "mental_health_response" / "skill.toml"
    copy = tmp_path / "mhr_copy" / "skill.toml"
    copy.parent.mkdir()
    copy.write_text(
        shipped.read_text().replace(
            'id = "mental_health_response"\nname = "Mental Health Response"',
            'id = "mhr_copy"\nname = "Mental Health Response (copy)"',
            1,
        )
    )
    return copy


def test_shipped_skill_and_a_copy_under_another_id_load_together(tmp_path: Path) -> None:
    copy = _copy_shipped_skill(tmp_path)
    both = Screener([default_lexicon_dir(), copy.parent])
    alone = Screener()
    text = "Completed 40-hour CIT training\nNo crisis intervention experience"
    result = both.screen_text(text)
    single = alone.screen_text(text)
    assert list(result.skills) == ["mental_health_response", "mhr_copy"]
    assert result.skills["mhr_copy"].name == "Mental Health Response (copy)"
    for skill in result.skills.values():
        assert skill.score == single.score and skill.flagged
        assert skill.summary.concepts == single.summary.concepts
    # every hit is reported once per skill, with the same context
    assert sorted((e.skill, e.concept, e.counted) for e in result.evidence) == sorted(
        (s, e.concept, e.counted) for s in result.skills for e in single.evidence
    )
    assert result.score == single.score  # top level: all evidence as one skill
    assert result.versions.lexicon == "mental_health_response@1.2.0+mhr_copy@1.2.0+common@1.1.0"


def test_shipped_and_forklift_skills_in_one_screen() -> None:
    screener = Screener([default_lexicon_dir(), FORKLIFT])
    result = screener.screen_text("CIT certified officer\nForklift operator in the warehouse")
    assert {s: r.flagged for s, r in result.skills.items()} == {
        "mental_health_response": True,
        "forklift": True,
    }
    assert {e.skill for e in result.evidence} == {"mental_health_response", "forklift"}
    assert set(result.summary.concept_names) == {
        "Crisis Intervention Team (CIT)",
        "Forklift operation",
    }
    # the forklift skill's domain cues never touch the shipped skill's hits
    voided = screener.screen_text("CIT certified; trained on a simulator")
    cit = [e for e in voided.evidence if e.concept == "cit"]
    assert cit and all(e.counted for e in cit)


SHARED = """
[skill]
id = "{id}"
name = "{name}"
version = "1"

[[concepts]]
id = "incident_reporting"
name = "Incident reporting ({name})"
  [[concepts.terms]]
  phrases = ["incident report", "incident reports"]
"""


def test_the_same_term_in_two_skills_gives_a_hit_for_each(tmp_path: Path) -> None:
    for sid, name in (("security_guard", "Security"), ("site_safety", "Site safety")):
        (tmp_path / sid).mkdir()
        (tmp_path / sid / "skill.toml").write_text(SHARED.format(id=sid, name=name))
    screener = Screener([tmp_path / "security_guard", tmp_path / "site_safety"])
    result = screener.screen_text("Wrote incident reports for every shift")
    assert sorted((e.skill, e.concept_name) for e in result.evidence) == [
        ("security_guard", "Incident reporting (Security)"),
        ("site_safety", "Incident reporting (Site safety)"),
    ]
    assert all(r.flagged for r in result.skills.values())


def test_one_scan_with_the_shipped_skill_and_a_copy_names_both_in_the_record(
    tmp_path: Path,
) -> None:
    copy = _copy_shipped_skill(tmp_path)
    resumes = tmp_path / "resumes"
    resumes.mkdir()
    (resumes / "cv.txt").write_text(
        "EXPERIENCE\nPatrol officer\n- Responded to crisis calls with the mobile crisis team.\n"
    )
    proc = _run(
        "scan",
        str(resumes),
        "--lexicon",
        str(default_lexicon_dir()),
        "--lexicon",
        str(copy.parent),
        "--format",
        "jsonl",
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    [record] = map(json.loads, proc.stdout.splitlines())
    assert list(record["skills"]) == ["mental_health_response", "mhr_copy"]
    assert record["skills"]["mhr_copy"]["name"] == "Mental Health Response (copy)"
    for skill in record["skills"].values():
        assert skill["flagged"] and skill["score"] == record["score"]
    assert {e["skill"] for e in record["evidence"]} == {"mental_health_response", "mhr_copy"}
    assert record["ocr"] is False and record["ocr_pages"] == []
