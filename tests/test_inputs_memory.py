"""Bad input to the public API gets a typed error; long runs keep spaCy's memory bounded."""

from __future__ import annotations

import threading

import pytest

from crisis_screen import Screener
from crisis_screen.errors import CrisisScreenError, LimitExceededError
from crisis_screen.inputs import MAX_TEXT_CHARS
from crisis_screen.models import Document
from crisis_screen.zones import DEFAULT_PERMANENT_STRINGS, DEFAULT_ZONE_STRINGS, ZoneKeeper


@pytest.mark.parametrize("bad", [None, b"CIT trained deputy", 42, ["CIT"]])
def test_screen_text_refuses_what_is_not_text(screener: Screener, bad: object) -> None:
    with pytest.raises(TypeError, match="screen_text expects str") as info:
        screener.screen_text(bad)  # type: ignore[arg-type]
    # The message names the type, never echoes the value (it may be resume content).
    assert "CIT trained" not in str(info.value)


def test_bytes_point_to_screen_bytes(screener: Screener) -> None:
    with pytest.raises(TypeError, match="screen_bytes"):
        screener.screen_text(b"Crisis line volunteer")  # type: ignore[arg-type]


def test_screen_many_names_the_bad_item(screener: Screener) -> None:
    items = ["Mobile crisis clinician", ("cv-2", b"bytes, not text"), "Line cook"]
    with pytest.raises(TypeError, match=r"item 2: .*\(str, bytes\)"):
        list(screener.screen_many(items))  # type: ignore[arg-type]


def test_screen_document_wants_a_document(screener: Screener) -> None:
    with pytest.raises(TypeError, match="Document"):
        screener.screen_document("just a string")  # type: ignore[arg-type]


def test_lone_surrogate_is_screened_with_offsets_kept(screener: Screener) -> None:
    # What `surrogateescape` decoding or a JSON "\ud800" escape leaves in a string.
    text = "Broken byte \udcff here\nCompleted forty hours of CIT training in 2019"
    result = screener.screen_text(text)
    assert result.flagged
    ev = next(e for e in result.evidence if e.counted)
    assert text[ev.start : ev.end] == ev.text  # one character replaced by one: offsets hold


def test_text_over_the_cap_is_a_typed_error_without_content(screener: Screener) -> None:
    text = "crisis counselor " * (MAX_TEXT_CHARS // 17 + 10)
    assert len(text) > MAX_TEXT_CHARS
    with pytest.raises(LimitExceededError) as info:
        screener.screen_text(text, source="huge.txt")
    assert isinstance(info.value, CrisisScreenError)
    assert "huge.txt" in str(info.value) and "counselor" not in str(info.value)


def test_text_at_the_cap_is_screened(screener: Screener) -> None:
    filler = "Stocked shelves and ran the register.\n"
    text = "Volunteer on a suicide hotline\n" + filler * ((MAX_TEXT_CHARS - 40) // len(filler))
    assert len(text) <= MAX_TEXT_CHARS
    assert screener.screen_document(Document(text=text, source="big.txt")).evidence


def _unique_resumes(n: int, tag: str) -> list[str]:
    # Two words per resume that no other resume has: what names and employers do in real data.
    return [f"Completed CIT training with Squad{tag}{i}q at Fort{tag}{i}z" for i in range(n)]


def test_vocabulary_stays_bounded_over_many_batches() -> None:
    screener = Screener()
    strings = screener.nlp.vocab.strings
    start = len(strings)
    # The default keeper: the first words are kept for good (they are cached by the tokenizer),
    # up to its budget; the words after it are freed.
    keeper = screener._zones
    assert keeper is not None
    list(screener.screen_many(_unique_resumes(300, "warm")))
    kept_early = len(strings) - start
    assert kept_early >= 600  # two new words a resume, interned for good: within the budget
    screener._zones = ZoneKeeper(screener.nlp, permanent_strings=1000, max_strings=1000)
    before = len(strings)
    for round_no in range(4):
        list(screener.screen_many(_unique_resumes(2000, f"r{round_no}")))
    screener._zones.close()
    # 16,000 new words went through; without zones every one stays interned.
    assert len(strings) - before < 1000 + 1000


def test_the_default_budget_keeps_memory_within_a_few_thousand_words() -> None:
    screener = Screener()
    strings = screener.nlp.vocab.strings
    start = len(strings)
    keeper = screener._zones
    assert keeper is not None
    for round_no in range(4):
        list(screener.screen_many(_unique_resumes(4000, f"d{round_no}")))
    keeper.close()
    # 32,000 new words: the budget's 10,000 stay, and what a closed zone gathered is freed.
    assert len(strings) - start < DEFAULT_PERMANENT_STRINGS + DEFAULT_ZONE_STRINGS


def test_results_identical_with_and_without_zones() -> None:
    texts = _unique_resumes(50, "same") + [
        "No formal crisis intervention training yet",
        "Crisis communications lead for a retail bank",
        "Answered overnight calls on a suicide prevention line, 2016 - 2020",
    ]
    zoned = Screener()
    # No budget: every batch in a zone that closes after it.
    keeper = ZoneKeeper(zoned.nlp, max_strings=1, permanent_strings=0)
    zoned._zones = keeper
    plain = Screener()
    plain._zones = None
    for _ in range(2):  # the second pass meets words freed by the first one's zone
        a = [r.model_dump() for r in zoned.screen_many(texts, batch_size=7)]
        b = [r.model_dump() for r in plain.screen_many(texts, batch_size=7)]
        assert a == b


@pytest.mark.parametrize("budget", [0, 50])
def test_zone_is_not_freed_while_another_thread_screens(budget: int) -> None:
    # With a budget of 50 words, threads switch from screening outside zones to inside them
    # while others are still screening.
    screener = Screener()
    assert screener._zones is not None
    screener._zones = ZoneKeeper(screener.nlp, max_strings=1, permanent_strings=budget)
    expected = [r.model_dump() for r in map(screener.screen_text, _unique_resumes(40, "t"))]
    failures: list[str] = []

    def work(k: int) -> None:
        for _ in range(3):
            got = [r.model_dump() for r in map(screener.screen_text, _unique_resumes(40, "t"))]
            if got != expected:
                failures.append(f"thread {k}")

    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


def test_caller_pipeline_gets_no_zone() -> None:
    import spacy

    nlp = spacy.blank("en")
    screener = Screener(nlp=nlp)
    assert screener._zones is None
    # The caller may open zones of their own around screening (zones must not nest).
    with nlp.memory_zone():
        assert screener.screen_text("Certified in Mental Health First Aid").evidence


def test_an_endless_line_is_screened_in_pieces_with_offsets_kept(screener: Screener) -> None:
    from crisis_screen.segment import MAX_LINE_CHARS

    filler = "stocked shelves and ran the register " * (3 * MAX_LINE_CHARS // 37)
    text = filler + "then completed CIT training in 2019 " + filler
    result = screener.screen_text(text)
    assert result.flagged
    ev = next(e for e in result.evidence if e.counted)
    assert text[ev.start : ev.end] == ev.text == "CIT" and ev.line_no == 1


def test_a_flood_of_skill_terms_is_bounded(screener: Screener) -> None:
    from crisis_screen.segment import MAX_EVIDENCE

    flood = "crisis intervention CIT de-escalation suicide prevention " * (3 * MAX_EVIDENCE)
    result = screener.screen_text(flood)
    assert len(result.evidence) == MAX_EVIDENCE
    assert result.summary.tier == "claim_only"  # a keyword flood is a claim, not practice


def test_a_long_run_without_spaces_is_cut(screener: Screener) -> None:
    # spaCy's tokenizer slows with the square of a word's length; the run is cut into short
    # pieces, and only the piece holding the term is screened with it.
    text = "- " + ")" * 5000 + " CIT training"
    result = screener.screen_text(text)
    assert [e.text for e in result.evidence] == ["CIT"]
