"""Accuracy guards on the project's own labelled line sets (tests/data).

Both sets were written for this project from the labelling rules alone, by authors who had not
seen the lexicon or the development data; `heldout_lines.jsonl` was measured before any rule
was written from it (F1 0.883 then). The floors guard against regressions; they are below the
figures measured when the rules were written, so a real regression (not noise) trips them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crisis_screen import Screener
from crisis_screen.evaluate import evaluate, load_labels

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize(
    ("name", "min_precision", "min_recall", "max_hard_negative_rate"),
    [("challenge_lines.jsonl", 0.95, 0.92, 0.03), ("heldout_lines.jsonl", 0.95, 0.92, 0.03)],
)
def test_line_accuracy_floor(
    screener: Screener,
    name: str,
    min_precision: float,
    min_recall: float,
    max_hard_negative_rate: float,
) -> None:
    report = evaluate(screener, load_labels(DATA / name))
    assert report.counts.precision >= min_precision, report.counts
    assert report.counts.recall >= min_recall, report.counts
    hard = report.by_kind["hard_negative"]
    assert hard.predicted_positive / hard.n <= max_hard_negative_rate
    assert report.by_kind["easy_negative"].predicted_positive == 0
