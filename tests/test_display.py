"""How a ScreenResult shows itself: repr, notebook HTML, rich."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from rich.console import Console

from crisis_screen import Screener
from crisis_screen.display import match_offsets
from crisis_screen.models import ScreenResult, Summary

RESUME = (
    "Profile\n"
    "Deputy; CIT coordinator for the county and CIT instructor since 2021.\n"
    "Talked a man out of suicide on a bridge <script>alert('x')</script> with the mobile crisis team.\n"
    "Never took crisis intervention training online.\n"
)


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.marks: list[str] = []
        self.mark_styles: list[str] = []
        self.text: list[str] = []
        self._in_mark = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)
        if tag == "mark":
            self._in_mark = True
            self.marks.append("")
            self.mark_styles.append(dict(attrs).get("style") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "mark":
            self._in_mark = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_mark:
            self.marks[-1] += data


@pytest.fixture(scope="module")
def result(screener: Screener) -> ScreenResult:
    return screener.screen_text(RESUME, source="cv <b>7</b>")


def _parse(markup: str) -> _Collect:
    parser = _Collect()
    parser.feed(markup)
    parser.close()
    return parser


def test_html_marks_are_the_evidence_texts(result: ScreenResult) -> None:
    assert len(result.evidence) >= 4
    page = _parse(result._repr_html_())
    ordered = sorted(result.evidence, key=lambda e: (e.line_no, e.start))
    assert page.marks == [e.text for e in ordered]
    struck = ["line-through" in s for s in page.mark_styles]
    assert struck == [not e.counted for e in ordered]
    assert any(struck) and not all(struck)


def test_html_escapes_resume_text_and_runs_nothing(result: ScreenResult) -> None:
    markup = result._repr_html_()
    page = _parse(markup)
    assert "script" not in page.tags
    assert "<script" not in markup.lower()
    assert not [name for name, _ in page.attrs if name.startswith("on")]
    assert "b" not in page.tags  # the source's markup is text too
    text = "".join(page.text)
    assert "<script>alert('x')</script>" in text
    assert "cv <b>7</b>" in text


def test_html_header(result: ScreenResult, screener: Screener) -> None:
    text = "".join(_parse(result._repr_html_()).text)
    assert f"score {result.score:.1f}" in text
    assert "flagged" in text and "not flagged" not in text
    assert f"tier {result.summary.tier}" in text
    empty = screener.screen_text("Barista and shift lead.")
    assert "not flagged" in "".join(_parse(empty._repr_html_()).text)
    assert _parse(empty._repr_html_()).marks == []


def test_tier_is_shown_when_present(result: ScreenResult) -> None:
    tiered = result.model_copy(update={"summary": Summary(tier="strong")})
    assert "tier strong" in "".join(_parse(tiered._repr_html_()).text)
    assert "tier='strong'" in repr(tiered)


def test_matches_are_located_at_their_offsets(screener: Screener) -> None:
    texts = [
        RESUME,
        "CIT CIT CIT\nCIT-trained officer; CIT certified; took CIT",
        "Crisis line: crisis calls, more crisis calls, and crisis intervention",
    ]
    for text in texts:
        res = screener.screen_text(text)
        by_line: dict[int, list] = {}
        for ev in res.evidence:
            by_line.setdefault(ev.line_no, []).append(ev)
        for evidence in by_line.values():
            located = match_offsets(evidence)
            assert len(located) == len(evidence)
            for ev, start, end in located:
                line_start = text.rfind("\n", 0, ev.start) + 1
                assert (start, end) == (ev.start - line_start, ev.end - line_start)


def test_repr_is_one_readable_line(result: ScreenResult) -> None:
    text = repr(result)
    counted = len(result.counted)
    assert text.startswith("ScreenResult(source='cv <b>7</b>'")
    assert f"score={result.score:.2f}" in text and "flagged=True" in text
    assert f"evidence={len(result.evidence)} ({counted} counted)" in text
    assert "\n" not in text and len(text) < 300
    assert "adjustments" not in text  # not the field dump


def test_rich_table(result: ScreenResult) -> None:
    console = Console(record=True, width=200, color_system=None)
    console.print(result)
    out = console.export_text()
    assert "cv <b>7</b> · score" in out and "flagged" in out
    assert "<script>alert('x')</script>" in out
    for ev in result.evidence:
        assert ev.concept in out
