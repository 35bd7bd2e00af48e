"""Properties that must hold for any text (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crisis_screen import Screener
from crisis_screen.models import ScreenResult

PHRASES = [
    "Crisis Intervention Team (CIT) training",
    "responded to mental health calls",
    "no crisis intervention experience",
    "crisis communications",
    "Placed inmates on suicide watch",
    "CIT-certified",
    "Crisis Interventon",
    "de-escalated customers",
    "5150 holds",
    "•",
    "\t",
    "café naïve — “quoted”",
    "SKILLS",
    "EXPERIENCE",
    "Seeking CIT certification",
    # glued, hyphen-broken and invisible-character forms that line normalisation repairs
    "\u2022Crisis intervention",
    "\u25aaCIT trained",
    "crisis- hotline",
    "de- escalation",
    "crisis interven- tion",
    "sleep;suicide;appetite risk",
    "psychiatric /surgical emergencies",
    "Baker\u00a0Act",
    "crisis\u200bcalls",
    "inter\u00advention",
    "crisis  \t intervention",
    "\u2018crisis\u2019 team",
    # coordinations that rebuild a term over a conjunct
    "suicide/overdose risk",
    "crisis, marital and career counseling",
    "psychiatric and surgical emergencies",
]
pieces = st.one_of(st.sampled_from(PHRASES), st.text(max_size=30))
separators = st.sampled_from(
    [" ", "\n", "\r\n", "\t", " - ", ", ", "\u2028", "\x0c", "- ", " /", ",", "\u00a0", " and "]
)
resume_text = st.lists(st.tuples(pieces, separators), max_size=12).map(
    lambda parts: "".join(p + s for p, s in parts)
)

SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(text=resume_text)
def test_offsets_slice_back_to_evidence_text(screener: Screener, text: str) -> None:
    result = screener.screen_text(text)
    lines = text.splitlines()
    for e in result.evidence:
        assert text[e.start : e.end] == e.text
        assert lines[e.line_no - 1] == e.line
        assert e.text in e.line


@SETTINGS
@given(text=resume_text)
def test_score_and_confidence_bounds(screener: Screener, text: str) -> None:
    result = screener.screen_text(text)
    assert 0.0 <= result.score <= 100.0
    assert result.flagged == (result.score >= result.threshold and result.score > 0)
    for e in result.evidence:
        assert 0.0 <= e.confidence <= 1.0
        assert e.counted == (e.confidence >= 0.4)


@SETTINGS
@given(text=resume_text)
def test_deterministic_and_json_round_trip(screener: Screener, text: str) -> None:
    first = screener.screen_text(text, source="x")
    second = screener.screen_text(text, source="x")
    assert first == second
    assert ScreenResult.model_validate_json(first.model_dump_json()) == first


@SETTINGS
@given(text=resume_text, extra=resume_text)
def test_appending_a_new_line_never_changes_earlier_hits(
    screener: Screener, text: str, extra: str
) -> None:
    before = screener.screen_text(text)
    after = screener.screen_text(text + "\n" + extra)
    n_lines = len(text.splitlines()) or 1
    earlier = [e for e in after.evidence if e.line_no <= n_lines and e.end <= len(text)]
    # The last line of `text` may be continued only if `text` ended without a newline and
    # the appended text starts the same line; the "\n" we insert rules that out.
    assert [e for e in before.evidence] == earlier[: len(before.evidence)]
    assert len(earlier) == len(before.evidence)


@SETTINGS
@given(texts=st.lists(resume_text, max_size=6))
def test_screen_many_matches_screen_text_in_order(screener: Screener, texts: list[str]) -> None:
    many = list(screener.screen_many([(f"r{i}", t) for i, t in enumerate(texts)], batch_size=2))
    single = [screener.screen_text(t, source=f"r{i}") for i, t in enumerate(texts)]
    assert many == single


@given(st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=200))
@settings(max_examples=300, deadline=None)
def test_control_characters_are_counted_as_the_regex_counts_them(text: str) -> None:
    # The fast byte count behind the "binary content" test of text files is exact.
    from crisis_screen.extract.text import _CONTROL_RE, _control_count

    assert _control_count(text) == len(_CONTROL_RE.findall(text))


_HEADING_PARTS = st.sampled_from(
    ["Skills", "EXPERIENCE", "work", "History", "about", "me", "İNFO", "ΣΚΙΛΛΣ", "x", "2019"]
)
_HEADING_GLUE = st.sampled_from([" ", "  ", ":", " - ", "•", "3.", "_", "/", "\t", "²", ""])


@given(st.lists(st.one_of(_HEADING_PARTS, _HEADING_GLUE), max_size=8))
@settings(max_examples=500, deadline=None)
def test_the_quick_no_heading_answer_never_differs_from_the_full_lookup(parts: list[str]) -> None:
    from crisis_screen.segment import heading_section, heading_table

    table = heading_table(
        {
            "skills": ["Skills", "skills and abilities"],
            "experience": ["Work History"],
            "summary": ["About me"],
            "other": ["info", "σκιλλσ"],
        }
    )
    line = "".join(parts)
    assert heading_section(line, table) == heading_section(line, dict(table))
