"""Screening a batch stage by stage gives each resume the result it gets alone.

The screener runs each stage (gate, tokenising, term matching, cues, judging) over a window of
candidate lines from several resumes before the next stage. These tests mix resumes so that
windows split inside a resume and the per-resume evidence bound (``MAX_EVIDENCE``) is crossed
in the middle of a window, and compare every result with the resume screened on its own.
"""

from __future__ import annotations

import pytest

import crisis_screen.screener as screener_module
from crisis_screen import Screener
from crisis_screen.segment import MAX_EVIDENCE

ORDINARY = [
    "Patrol officer, 2015 - 2021\n- Completed 40-hour CIT training\n- Drove a marked unit",
    "Barista\nMade coffee and kept the counter clean",
    "Crisis line volunteer, 2019 - Present\n- Answered calls from people thinking of suicide\n"
    "- Did not use de-escalation on every call",
    "Financial analyst\nModeled the 2008 financial crisis for the board",
    "Skills: Mental Health First Aid, CPR, Spanish\nInterested in joining the mobile crisis team",
]


def _flood(lines: int) -> str:
    # Three terms per line: the bound (not a multiple of 3) is passed part-way through a line.
    return "\n".join(
        f"Line {i}: crisis intervention, CIT and suicide prevention" for i in range(lines)
    )


def _batch() -> list[str]:
    flood = _flood(MAX_EVIDENCE // 3 + 40)
    return [*ORDINARY, flood, *ORDINARY[::-1], flood[: len(flood) // 3], *ORDINARY]


@pytest.mark.parametrize("window", [1, 3, 256])
def test_a_batch_gives_each_resume_its_own_result(
    screener: Screener, monkeypatch: pytest.MonkeyPatch, window: int
) -> None:
    monkeypatch.setattr(screener_module, "LINE_WINDOW", window)
    texts = _batch()
    alone = [screener.screen_text(t, source=f"r{i}") for i, t in enumerate(texts)]
    together = list(screener.screen_many([(f"r{i}", t) for i, t in enumerate(texts)]))
    assert together == alone
    flooded = together[len(ORDINARY)]
    assert len(flooded.evidence) == MAX_EVIDENCE  # the bound held inside the batch
    assert any(r.evidence for r in together[: len(ORDINARY)])
