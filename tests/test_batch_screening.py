"""A chunk's sources are screened together: same records as one by one, limits per file.

``screen_sources`` reads every source of a chunk, then screens the extracted texts as batches
(``Screener.screen_documents``). These tests hold it to the records of screening each source
alone, with bad files among good ones, batches of every size, a file over its time limit in
the middle of a batch, and what a worker's watchdog slot is told.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from crisis_screen import Screener
from crisis_screen.errors import TimeLimitExceededError
from crisis_screen.extract import ExtractionLimits
from crisis_screen.models import Document
from crisis_screen.runs.screen import screen_fetched, screen_sources, to_line
from crisis_screen.runs.sources import MemorySource, fetch
from test_batch_support import STRONG, WEAK, made_up_word


def _without_timings(record_json: str) -> dict[str, object]:
    record: dict[str, object] = json.loads(record_json)
    record.pop("timings")
    return record


def slow_text(lines: int, first: int) -> str:
    # Lines that pass the gate ("CIT") full of made-up words: each costs the typo pass a fuzzy
    # lookup the first time the screener sees it, so the text takes seconds to screen however
    # the engine bounds its evidence. ``first`` picks words no other test has shown it.
    words = (made_up_word(first + n) for n in range(lines * 80))
    body = ["CIT " + " ".join(next(words) for _ in range(80)) for _ in range(lines)]
    return "Pat Example\nEXPERIENCE\n" + "\n".join(body) + "\n"


def _mixed_sources(tmp_path: Path) -> list[str | MemorySource]:
    """Good resumes of both kinds with files that cannot be read among them."""
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02 not text \xff\xfe" * 50)
    long_resume = STRONG + "".join(f"- Shift report {i}: patrol, paperwork\n" for i in range(400))
    (tmp_path / "long.txt").write_text(long_resume, encoding="utf-8")
    sources: list[str | MemorySource] = []
    for i in range(9):
        path = tmp_path / f"cv{i}.txt"
        path.write_text(STRONG if i % 3 == 0 else WEAK, encoding="utf-8")
        sources.append(str(path))
    sources[2:2] = [str(tmp_path / "empty.txt"), str(tmp_path / "missing.txt")]
    sources[6:6] = [str(tmp_path / "long.txt"), str(tmp_path / "binary.txt")]
    sources.append(MemorySource("memory.md", b"# Dana Example\n\nCIT-trained crisis negotiator\n"))
    return sources


@pytest.mark.parametrize("batch_chars", [1, 300, 5_000, 1_000_000])
def test_batches_of_any_size_give_the_records_of_one_by_one(
    screener: Screener, tmp_path: Path, batch_chars: int
) -> None:
    sources = _mixed_sources(tmp_path)
    limits = ExtractionLimits()
    alone = [screen_fetched(screener, fetch(s, limits), limits) for s in sources]
    together = screen_sources(screener, sources, limits, batch_chars=batch_chars)
    assert [r.source for r in together] == [r.source for r in alone]
    assert [_without_timings(to_line(r).json) for r in together] == [
        _without_timings(to_line(r).json) for r in alone
    ]
    statuses = [r.status for r in together]
    assert statuses.count("error") == 3 and statuses.count("ok") == len(sources) - 3


def test_each_record_keeps_its_own_reading_time_and_a_share_of_the_batch(
    screener: Screener, tmp_path: Path
) -> None:
    sources = _mixed_sources(tmp_path)
    start = time.perf_counter()
    records = screen_sources(screener, sources)
    elapsed_ms = (time.perf_counter() - start) * 1000
    ok = [r for r in records if r.ok]
    assert all(r.timings.read_ms >= 0 and r.timings.screen_ms >= 0 for r in ok)
    # The shares and the reading add up to no more than the whole call took.
    assert sum(r.timings.read_ms + r.timings.screen_ms for r in ok) <= elapsed_ms


@pytest.mark.slow
def test_a_slow_file_in_a_batch_fails_alone_and_the_others_are_screened(
    screener: Screener, tmp_path: Path
) -> None:
    limit = 0.5
    slow = tmp_path / "b_slow.txt"
    # Slow enough to pass the limit twice: in the batch, then alone (where the words the batch
    # got through are already known and go fast).
    slow.write_text(slow_text(600, first=20_000_000), encoding="utf-8")
    sources: list[str | MemorySource] = []
    for i in range(6):
        path = tmp_path / f"a{i}.txt"
        path.write_text(STRONG if i % 2 else WEAK, encoding="utf-8")
        sources.append(str(path))
    sources.insert(3, str(slow))
    limits = ExtractionLimits(time_limit=limit)
    start = time.monotonic()
    records = screen_sources(screener, sources, limits)
    took = time.monotonic() - start

    assert [r.source for r in records] == sources
    (failed,) = [r for r in records if not r.ok]
    assert failed.source == str(slow)
    assert failed.error_type == "TimeLimitExceededError"
    assert failed.error == "screening ran past the time limit 0.5 s"
    # The record times the file's own attempt: at its limit, well before twice it.
    spent = (failed.timings.read_ms + failed.timings.screen_ms) / 1000
    assert limit <= spent < 2 * limit
    # The others are screened as if alone, and the chunk cost at most one extra limit.
    others = [s for s in sources if s != str(slow)]
    alone = [screen_fetched(screener, fetch(s, limits), limits) for s in others]
    assert [_without_timings(to_line(r).json) for r in records if r.ok] == [
        _without_timings(to_line(r).json) for r in alone
    ]
    assert took < 2 * limit + 2.0


class _Log:
    """A watchdog slot that writes down what it is told."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int | None]] = []

    def begin(self, index: int) -> None:
        self.calls.append(("begin", index))

    def screening(self) -> None:
        self.calls.append(("screening", None))

    def batch(self, seconds: float) -> None:
        assert seconds > 0
        self.calls.append(("batch", None))


def test_the_watchdog_slot_follows_reading_then_the_batch(
    screener: Screener, tmp_path: Path
) -> None:
    sources = [str(tmp_path / f"cv{i}.txt") for i in range(3)]
    for path in sources:
        Path(path).write_text(STRONG, encoding="utf-8")
    log = _Log()
    records = screen_sources(screener, sources, watch=log)
    assert all(r.ok for r in records)
    assert log.calls == [("begin", 0), ("begin", 1), ("begin", 2), ("batch", None)]

    # A source that is alone in its batch (the text limit) is watched as before.
    log = _Log()
    screen_sources(screener, sources, watch=log, batch_chars=1)
    assert log.calls == [
        ("begin", 0),
        ("begin", 1),
        ("begin", 0),
        ("screening", None),
        ("begin", 2),
        ("begin", 1),
        ("screening", None),
        ("begin", 2),
        ("screening", None),
    ]


def test_screen_documents_gives_the_results_of_screening_each(screener: Screener) -> None:
    docs = [
        Document(text=STRONG, source="a"),
        Document(text=WEAK, source="b"),
        Document(text="Mental Health First Aid certified; 5150 holds", source="c"),
    ]
    assert screener.screen_documents(docs) == [screener.screen_document(d) for d in docs]
    assert screener.screen_documents([]) == []
    with pytest.raises(TypeError, match="Documents, not str"):
        screener.screen_documents([STRONG])  # type: ignore[list-item]


def test_screen_documents_stops_a_batch_at_its_time_limit(screener: Screener) -> None:
    slow = slow_text(100, first=30_000_000)
    docs = [Document(text=WEAK, source="a"), Document(text=slow, source="slow")]
    start = time.monotonic()
    with pytest.raises(TimeLimitExceededError, match="0.2 s"):
        screener.screen_documents(docs, time_limit=0.2)
    assert time.monotonic() - start < 1.5
