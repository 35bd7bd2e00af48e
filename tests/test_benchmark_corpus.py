"""The benchmark corpus generator (benchmarks/corpus.py): determinism, shape and labels."""

from __future__ import annotations

import importlib.util
import random
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

CORPUS_PATH = Path(__file__).resolve().parent.parent / "benchmarks" / "corpus.py"


def _load_corpus() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_bench_corpus", CORPUS_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up by name
    spec.loader.exec_module(module)
    return module


corpus = _load_corpus()

# Substrings that must never appear in generic resume material (only in inserted lines).
SKILL_ANCHORS = (
    "crisis",
    "suicid",
    "sucide",
    "de-escalat",
    "deescalat",
    "psychiatr",
    "mental health",
    "mental heath",
    "mental helth",
    "5150",
    "baker act",
    "co-respond",
)


@pytest.fixture(scope="module")
def samples_1000() -> list:
    return list(corpus.iter_samples(1000, 0))


def test_same_seed_same_corpus() -> None:
    assert corpus.generate_corpus(50, seed=7) == corpus.generate_corpus(50, seed=7)
    assert corpus.generate_corpus_with_truth(50, 7) == corpus.generate_corpus_with_truth(50, 7)


def test_different_seeds_differ() -> None:
    a = corpus.generate_corpus(50, seed=1)
    b = corpus.generate_corpus(50, seed=2)
    assert a != b
    assert len(set(a) & set(b)) == 0


def test_all_entry_points_agree() -> None:
    texts = corpus.generate_corpus(30, seed=3)
    assert [t for t, _ in corpus.generate_corpus_with_truth(30, 3)] == texts
    assert list(corpus.iter_corpus(30, 3)) == texts
    rng = random.Random(3)
    assert [corpus.generate_resume(rng) for _ in range(30)] == texts
    assert corpus.generate_corpus(0) == []


def test_prefix_stable() -> None:
    """The first k resumes do not depend on n (so N and 4N runs share a prefix)."""
    assert corpus.generate_corpus(200, 5)[:40] == corpus.generate_corpus(40, 5)


def test_word_and_line_counts_in_range(samples_1000: list) -> None:
    lo_w, hi_w = corpus.WORD_RANGE
    lo_l, hi_l = corpus.LINE_RANGE
    assert (lo_w, hi_w, lo_l, hi_l) == (500, 700, 60, 80)
    for s in samples_1000:
        assert lo_w <= len(s.text.split()) <= hi_w
        assert lo_l <= len(s.text.splitlines()) <= hi_l


def test_resume_structure(samples_1000: list) -> None:
    for s in samples_1000[:200]:
        lines = s.text.splitlines()
        assert lines[0].strip() and "@" in lines[1]
        upper = [line.rstrip(":").upper() for line in lines]
        for heading in ("SUMMARY", "EXPERIENCE", "SKILLS", "CERTIFICATIONS", "EDUCATION"):
            assert heading in upper, heading
        assert any(line.startswith(("- ", "• ")) for line in lines)
        assert re.search(r"\b(19|20)\d\d\b", s.text)


def test_positive_and_negative_rates(samples_1000: list) -> None:
    positives = sum(s.positive for s in samples_1000) / len(samples_1000)
    negatives = sum(bool(s.negatives) for s in samples_1000) / len(samples_1000)
    assert abs(positives - corpus.POSITIVE_RATE) <= 0.045
    assert abs(negatives - corpus.NEGATIVE_RATE) <= 0.045
    truth = corpus.generate_corpus_with_truth(1000, 0)
    assert [label for _, label in truth] == [s.positive for s in samples_1000]


def test_every_form_and_negative_kind_occurs(samples_1000: list) -> None:
    forms = {f for s in samples_1000 for f in s.forms}
    kinds = {k for s in samples_1000 for k in s.negatives}
    assert forms == set(corpus.POSITIVE_FORMS)
    assert kinds == set(corpus.HARD_NEGATIVES)
    assert all(s.forms for s in samples_1000 if s.positive)
    assert not any(s.forms for s in samples_1000 if not s.positive)


def test_clean_negatives_hold_no_skill_text(samples_1000: list) -> None:
    """Generic material never contains the skill: only inserted lines do."""
    phrases, acronyms = corpus.baseline_patterns()
    for s in samples_1000:
        if s.positive or s.negatives:
            continue
        low = s.text.lower()
        assert phrases.search(low) is None, phrases.search(low)
        assert acronyms.search(s.text) is None, acronyms.search(s.text)
        for anchor in SKILL_ANCHORS:
            assert anchor not in low, anchor


def test_typos_present_and_missed_by_baseline() -> None:
    phrases, _ = corpus.baseline_patterns()
    for line in corpus.POSITIVE_FORMS["typo"]:
        assert phrases.search(line.lower()) is None, line


def test_phrase_lists() -> None:
    assert 45 <= len(corpus.SKILL_PHRASES) <= 60
    assert len(set(corpus.SKILL_PHRASES)) == len(corpus.SKILL_PHRASES)
    assert all(p == p.lower() == p.strip() for p in corpus.SKILL_PHRASES)
    assert {
        "crisis intervention",
        "de-escalation",
        "mental health first aid",
        "co-responder",
        "suicide prevention",
        "5150",
    } <= set(corpus.SKILL_PHRASES)
    assert set(corpus.SKILL_ACRONYMS) == {"CIT", "ASIST", "QPR", "MHFA", "EDP", "ICAT", "CPI"}


def test_baseline_patterns() -> None:
    phrases, acronyms = corpus.baseline_patterns()
    assert phrases.search("completed crisis intervention team training")
    assert phrases.search("de-escalated a standoff")
    assert not phrases.search("crisis interventon team")  # typo: re misses it
    assert acronyms.search("CIT-certified officer")
    assert not acronyms.search("city council")
    assert not acronyms.search("cit training")  # acronyms are case-sensitive
