"""One Screener from many threads, and from asyncio code without blocking the event loop."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from crisis_screen import Screener
from crisis_screen.errors import EmptyDocumentError

# Varied lines in my own words: typos (the fuzzy pass changes shared vocabulary state),
# negation, out-of-domain senses, abbreviations, skills lists, inflections.
LINES = [
    "Completed a 40-hour Crisis Intervntion Team course in 2017",
    "Answered over 300 calls on a suicide prevention hotline overnight",
    "No experience with psychiatric holds",
    "Handled crisis communications for a bank during the merger",
    "CIT officer and field training officer",
    "Skills: de-escalation, verbal judo, CPR, first aid",
    "Co-responded with licensed clinicians to people in mental health crises",
    "Deescalated agitated patients on an inpatient psych ward",
    "Plans to take Mental Health First Aid next spring",
    "Warehouse associate, forklift certified",
    "Taught suicde intervention skills (ASIST) to new dispatchers",
    "Placed 5150 holds with the mobile crisis unit",
]


def _resume(i: int) -> str:
    # Each resume a different selection and order of lines, and a unique word per resume so
    # the typo pass meets new words while other threads screen.
    picked = [LINES[(i * 7 + k * 5) % len(LINES)] for k in range(1 + i % 6)]
    return "\n".join([f"Candidate {i} Surnamexq{i}", "Experience", *picked, f"Hobbyz{i}ing"])


def test_eight_threads_give_sequential_results() -> None:
    texts = [_resume(i) for i in range(200)]
    # Cold screeners (empty caches) for both runs, so the threads race on fresh state.
    threaded_screener = Screener.default()
    sequential = [r.model_dump() for r in Screener.default().screen_many(texts)]
    barrier = threading.Barrier(8)

    def work(worker: int) -> list[tuple[int, dict[str, object]]]:
        barrier.wait()  # start together
        mine = range(worker, len(texts), 8)  # different texts per thread
        return [
            (i, threaded_screener.screen_text(texts[i], source=f"<text {i + 1}>").model_dump())
            for i in mine
        ]

    with ThreadPoolExecutor(max_workers=8) as pool:
        chunks = list(pool.map(work, range(8)))
    threaded = dict(pair for chunk in chunks for pair in chunk)
    assert len(threaded) == len(texts)
    assert [threaded[i] for i in range(len(texts))] == sequential
    assert sum(1 for r in sequential if r["flagged"]) > 50  # the texts exercise the screener


def _long_batch() -> list[str]:
    return [_resume(i) for i in range(300)]


async def _ticks_while(awaitable: object) -> tuple[object, list[float]]:
    """Await ``awaitable`` while a ticker runs every 5 ms; return its result and tick times."""
    ticks: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            ticks.append(time.perf_counter())
            await asyncio.sleep(0.005)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)  # let the ticker start
    start = len(ticks)
    try:
        result = await awaitable  # type: ignore[misc]
    finally:
        done.set()
        await task
    return result, ticks[start:]


def test_event_loop_keeps_ticking_while_a_long_batch_screens(screener: Screener) -> None:
    texts = _long_batch()
    expected = list(screener.screen_many(texts))

    async def blocking() -> list[object]:
        return list(screener.screen_many(texts))  # the mistake ascreen_many avoids

    async def main() -> tuple[tuple[object, list[float]], tuple[object, list[float]]]:
        off_loop = await _ticks_while(screener.ascreen_many(texts))
        on_loop = await _ticks_while(blocking())
        return off_loop, on_loop

    t0 = time.perf_counter()
    (results, ticks), (blocked_results, blocked_ticks) = asyncio.run(main())
    assert time.perf_counter() - t0 > 0.2  # long enough for ticks to mean something
    assert results == expected == blocked_results
    # Screening on the loop starves the ticker; screening in a thread lets it run.
    assert len(blocked_ticks) <= 1
    assert len(ticks) >= 10


def test_ascreen_text_and_bytes(screener: Screener) -> None:
    text = _resume(3)

    async def main() -> tuple[object, object]:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="cs-screen") as pool:
            from_text = await screener.ascreen_text(text, source="cv-3", executor=pool)
            names = {t.name for t in threading.enumerate()}
        assert any(n.startswith("cs-screen") for n in names)  # it ran on the given executor
        from_bytes = await screener.ascreen_bytes(text.encode("utf-16"), "cv-3.txt")
        return from_text, from_bytes

    from_text, from_bytes = asyncio.run(main())
    assert from_text == screener.screen_text(text, source="cv-3")
    assert from_bytes == screener.screen_bytes(text.encode("utf-16"), "cv-3.txt")


def test_async_errors_surface_to_the_caller(screener: Screener) -> None:
    async def main() -> None:
        await screener.ascreen_bytes(b"", "blank.txt")

    with pytest.raises(EmptyDocumentError, match="blank.txt"):
        asyncio.run(main())
