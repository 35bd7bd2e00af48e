"""Tests of job-title normalisation (crisis_screen.titles) and `crisis-screen title`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from crisis_screen.errors import LexiconError
from crisis_screen.titles import (
    TitleNormalizer,
    load_titles_file,
    normalize_title,
)

# (input, expanded, skill title?, canonical, method)
TITLE_TABLE: list[tuple[str, str, bool, str | None, str]] = [
    ("CIT Ofc.", "CIT Officer", True, "CIT Officer", "pattern"),
    ("cit officer", "CIT officer", True, "CIT Officer", "pattern"),
    ("Sgt., CIT Coord.", "Sergeant, CIT Coordinator", True, "CIT Coordinator", "pattern"),
    (
        "Crisis Int. Spec.",
        "Crisis Intervention Specialist",
        True,
        "Crisis Intervention Specialist",
        "exact",
    ),
    (
        "MH Resp. Ofcr",
        "Mental Health Response Officer",
        True,
        "Mental Health Response Officer",
        "exact",
    ),
    ("Crisis Cnslr", "Crisis Counselor", True, "Crisis Counselor", "exact"),
    ("Crisis Counsellor", "Crisis Counsellor", True, "Crisis Counselor", "pattern"),
    ("Co-Resp. Ofc.", "Co-Responder Officer", True, "Co-responder Officer", "exact"),
    ("Mobile Crisis Clin.", "Mobile Crisis Clinician", True, "Mobile Crisis Clinician", "exact"),
    (
        "Senior Crisis Intervention Specialist II",
        "Senior Crisis Intervention Specialist II",
        True,
        "Crisis Intervention Specialist",
        "exact",
    ),
    (
        "Crisis Intervension Specialist",
        "Crisis Intervension Specialist",
        True,
        "Crisis Intervention Specialist",
        "fuzzy",
    ),
    (
        "Crisis Interventionist",
        "Crisis Interventionist",
        True,
        "Crisis Intervention Specialist",
        "rapidfuzz",
    ),
    ("Senior Software Engineer", "Senior Software Engineer", False, None, "none"),
    ("PR Manager, Crisis Communications", "PR Manager, Crisis Communications", False, None, "none"),
    ("IT Crisis Manager", "IT Crisis Manager", False, None, "none"),
    ("Patrol Ofc.", "Patrol Officer", False, None, "none"),
    ("Dep. Sheriff", "Deputy Sheriff", False, None, "none"),
    ("CIT Coordinator, Citizens Bank", "CIT Coordinator, Citizens Bank", False, None, "none"),
]


@pytest.mark.parametrize(
    ("title", "expanded", "is_skill", "canonical", "method"),
    TITLE_TABLE,
    ids=[row[0] for row in TITLE_TABLE],
)
def test_title_table(
    title: str, expanded: str, is_skill: bool, canonical: str | None, method: str
) -> None:
    m = normalize_title(title)
    assert m.input == title
    assert m.expanded == expanded
    assert m.is_skill_title is is_skill
    assert m.canonical == canonical
    assert m.method == method
    assert 0.0 <= m.similarity <= 100.0
    if is_skill:
        assert m.concept == "title_mental_health_response"
        assert m.skill_title == "Mental Health Response Officer"
    else:
        assert m.concept is None and m.skill_title is None


def test_similarity_recorded() -> None:
    assert normalize_title("Crisis Int. Spec.").similarity == 100.0
    fuzzy = normalize_title("Crisis Interventionist")
    assert 84.0 <= fuzzy.similarity < 100.0
    far = normalize_title("PR Manager, Crisis Communications")
    assert far.similarity < 84.0 and "nearest" in far.reason


def test_voided_title_explains_why() -> None:
    m = normalize_title("CIT Coordinator, Citizens Bank")
    assert "out-of-domain" in m.reason


def test_crisis_negotiator_is_a_skill_title() -> None:
    m = normalize_title("Crisis Negotiator")
    assert m.is_skill_title and m.concept == "title_mental_health_response"


def test_empty_title() -> None:
    m = normalize_title("   ")
    assert not m.is_skill_title and m.reason == "empty title"


def test_default_normalizer_is_cached() -> None:
    assert TitleNormalizer.default() is TitleNormalizer.default()


def test_titles_file_validation(tmp_path: Path) -> None:
    path = tmp_path / "t.titles.toml"
    path.write_text(
        '[titles]\nskill = "s"\nconcept = "c"\nversion = "1"\ncolour = 1\n', encoding="utf-8"
    )
    with pytest.raises(LexiconError, match=r"titles\.colour: unknown key"):
        load_titles_file(path)
    path.write_text(
        '[titles]\nskill = "s"\nconcept = "c"\nversion = "1"\n'
        '[expansions]\n"Ofc." = "Officer"\n"mh" = " "\n',
        encoding="utf-8",
    )
    with pytest.raises(LexiconError) as info:
        load_titles_file(path)
    assert len(info.value.problems) == 2
    assert all(str(path) in p for p in info.value.problems)


def test_normalizer_needs_a_title_concept(tmp_path: Path) -> None:
    path = tmp_path / "t.titles.toml"
    path.write_text('[titles]\nskill = "s"\nconcept = "cit"\nversion = "1"\n', encoding="utf-8")
    with pytest.raises(LexiconError, match="not a title concept"):
        TitleNormalizer(load_titles_file(path), TitleNormalizer.default().screener)


def test_cli_title_text_and_json() -> None:
    from crisis_screen.cli import cli

    runner = CliRunner()
    result = runner.invoke(cli, ["title", "CIT Ofc."], catch_exceptions=False)
    assert result.exit_code == 0
    assert "CIT Officer" in result.output
    assert "Skill title            yes" in result.output
    result = runner.invoke(cli, ["title", "Senior Software Engineer", "--format", "json"])
    assert result.exit_code == 0
    doc = json.loads(result.output)
    assert doc["is_skill_title"] is False and doc["expanded"] == "Senior Software Engineer"
