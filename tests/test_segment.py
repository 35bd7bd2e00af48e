"""Segmentation corners: line offsets, lazily found sections, list and entry line shapes."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from crisis_screen.segment import (
    Layout,
    heading_table,
    is_list_line,
    is_term_only,
    line_bounds,
)

# Every line break str.splitlines knows, "\r\n" (the one of two characters) included.
_BREAKS = ["\n", "\r\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
_TEXT_PARTS = st.sampled_from(
    [*_BREAKS, "Skills", "EXPERIENCE:", "• CIT trained", "Counselor | 2019 - Present", " ", "é"]
)


def _reference_bounds(text: str) -> tuple[list[int], list[int]]:
    """Offsets by walking the lines with their breaks, one at a time."""
    starts, ends, offset = [], [], 0
    for with_break in text.splitlines(keepends=True):
        starts.append(offset)
        ends.append(offset + len(with_break.splitlines()[0]) if with_break.strip("\n") else offset)
        offset += len(with_break)
    return (starts, ends) if starts else ([0], [0])


@given(st.lists(_TEXT_PARTS, max_size=12))
@settings(max_examples=300, deadline=None)
def test_line_bounds_match_splitlines_for_every_kind_of_break(parts: list[str]) -> None:
    text = "".join(parts)
    starts, ends = line_bounds(text)
    assert (starts, ends) == _reference_bounds(text)
    assert [text[a:b] for a, b in zip(starts, ends, strict=True)] == (text.splitlines() or [""])


def test_line_bounds_corners() -> None:
    assert line_bounds("") == ([0], [0])
    assert line_bounds("\n") == ([0], [0])
    assert line_bounds("a\r\nb\rc\n") == ([0, 3, 5], [1, 4, 6])
    assert line_bounds("a\x0c\u2028b") == ([0, 2, 3], [1, 2, 4])


_TABLE = heading_table({"skills": ["Skills"], "experience": ["Experience", "Work History"]})
_HEADS = {"skills": "skills", "experience:": "experience", "work history": "experience"}
_LAYOUT_LINES = st.sampled_from(
    ["SKILLS", "Experience:", "Work History", "Counselor", "", "CIT trained", "x" * 60]
)


@given(st.lists(_LAYOUT_LINES, min_size=1, max_size=15), st.randoms(use_true_random=False))
@settings(max_examples=200, deadline=None)
def test_sections_do_not_depend_on_the_order_lines_are_asked_in(
    parts: list[str], rnd: random.Random
) -> None:
    text = "\n".join(parts)
    lines = text.splitlines() or [""]  # a last empty part is no line
    expected, section = [], "unknown"
    for line in lines:
        section = _HEADS.get(line.lower(), section)
        expected.append(section)
    order = list(range(len(lines)))
    rnd.shuffle(order)
    layout = Layout(text, _TABLE)
    got = {i: layout.line(i).section for i in order}
    assert [got[i] for i in range(len(lines))] == expected
    # Once every heading is known (positions need them), the answers stay the same.
    heads = layout.heading_lines()
    assert heads == [i + 1 for i, line in enumerate(lines) if line.lower() in _HEADS]
    assert [layout.line(i).section for i in range(len(lines))] == expected
    assert Layout(text, _TABLE).line(-1).section == "unknown"


_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
_LABEL = re.compile(r"^\W*(?:[A-Za-z&/]+ ){0,3}[A-Za-z&/]+\s*(?::|\s[-–—]\s)\s*")
_FUNCTION = {"a", "the", "to", "of", "for", "with", "in", "and", "or", "was"}


def _reference_term_only(line: str, spans: Sequence[tuple[int, int]]) -> bool:
    """Count every word, then decide: no word outside the terms describes anything."""
    if not spans:
        return False
    label = _LABEL.match(line)
    offset = label.end() if label else 0
    words = _WORD.findall(line)
    digits = sum(w.isdigit() for w in words)
    joins = sum(w.lower() in ("and", "or") for w in words)
    counted = term = function = 0
    for m in _WORD.finditer(line):
        if m.start() < offset:
            continue
        counted += 1
        if any(a <= m.start() and m.end() <= b for a, b in spans):
            term += 1
        elif m.group().lower() in _FUNCTION:
            function += 1
    rest = counted - term - function
    return counted > 0 and rest <= digits and function <= joins


_ENTRY_PARTS = st.sampled_from(
    [
        "CIT",
        " ",
        ", ",
        "2019",
        "and",
        "OR",
        "the",
        "to",
        "Skills: ",
        "Crisis Intervention",
        "(8",
        ")",
    ]
)


@given(st.lists(_ENTRY_PARTS, max_size=10), st.data())
@settings(max_examples=400, deadline=None)
def test_term_only_stops_early_but_decides_like_counting_everything(
    parts: list[str], data: st.DataObject
) -> None:
    line = "".join(parts)
    words = [m.span() for m in _WORD.finditer(line)]
    chosen = data.draw(st.lists(st.sampled_from(words), max_size=3)) if words else []
    spans = sorted(set(chosen), reverse=data.draw(st.booleans()))
    assert is_term_only(line, spans) == _reference_term_only(line, spans)


def test_term_only_corners() -> None:
    # A year and a join offset a word each; a function word inside a term is the term's.
    assert is_term_only("CIT, 2019", [(0, 3)])
    assert is_term_only("CIT and MHFA", [(0, 3), (8, 12)])
    assert not is_term_only("CIT with MHFA", [(0, 3), (9, 13)])
    assert is_term_only("Training of Trainers", [(0, 20)])
    assert not is_term_only("CIT trained officer", [(0, 3)])
    # The label's words are not counted, but its digits and joins are.
    assert is_term_only("Skills and more: CIT for", [(17, 20)])
    assert not is_term_only("Skills: CIT for", [(8, 11)])
    assert not is_term_only("", [(0, 0)])


def test_list_line_corners() -> None:
    assert is_list_line("Case management, Counseling, Crisis intervention, De-escalation")
    assert is_list_line("CIT | MHFA | De-escalation")  # strong separators: one item fewer
    assert not is_list_line("CIT, MHFA, De-escalation")
    assert not is_list_line("Counselor | Crisis Center | Hotline | 2019 - Present")
    assert not is_list_line("Services included triage, referrals, safety plans, and follow-up.")
    assert is_list_line("Core Qualifications: CIT; MHFA; QPR; ASIST")
    assert not is_list_line("")
