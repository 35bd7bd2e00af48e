"""Screening for the HTTP service: the run engine's worker processes, awaited from asyncio.

The service screens in the same worker processes as ``crisis-screen scan --jobs N``
(:class:`~crisis_screen.runs.local.ProcessPoolRunner`: forked from the fork server that has
already built the default screener, one screener per process from
:func:`~crisis_screen.runs.cache.screener_for`) and builds its records with the same functions
(:func:`~crisis_screen.runs.screen.screen_fetched`, ``ok_record``, ``error_record``), so a
response is the JSONL line ``scan`` writes for the same file. What is added here is what a
server needs and a batch run does not: requests are admitted only while a bounded number are
in flight (the rest are told to retry), chunks are awaited instead of blocking, and a worker
that dies is replaced while its requests get their records one file at a time.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import os
import signal
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, NamedTuple

from crisis_screen.errors import CrisisScreenError, LimitExceededError
from crisis_screen.models import Document, Versions
from crisis_screen.runs.cache import screener_for
from crisis_screen.runs.engine import ChunkResult
from crisis_screen.runs.local import ProcessPoolRunner
from crisis_screen.runs.screen import crash_line, error_record, ok_record, screen_fetched, to_line
from crisis_screen.runs.sources import MemorySource, fetch
from crisis_screen.runs.workers import mp_context

if TYPE_CHECKING:
    from crisis_screen.extract.limits import ExtractionLimits
    from crisis_screen.runs.records import ScanLine, ScanRecord
    from crisis_screen.screener import Screener, ScreenerConfig

__all__ = ["ServicePool", "WorkItem", "screen_item", "screen_items"]

#: How long one start-up probe holds its worker, so that each worker answers one of them.
PROBE_PAUSE_S = 0.05
#: Most items sent to a worker at once: enough to share a round trip's cost under load,
#: few enough that a chunk's records come back in a few milliseconds.
MAX_CHUNK = 16


class WorkItem(NamedTuple):
    """One resume to screen in a worker (cheap to pickle).

    Attributes:
        label: The ``source`` its record carries.
        text: Plain text, screened as :meth:`Screener.screen_text` screens it; or None.
        data: A file's bytes, read like any file of ``scan`` (format detected by content).
        filename: The file's name, a hint for text-like formats (``cv.md``); None for text.
    """

    label: str
    text: str | None = None
    data: bytes | None = None
    filename: str | None = None


def screen_item(screener: Screener, item: WorkItem, limits: ExtractionLimits) -> ScanRecord:
    """Screen one item into its record (never raises for bad input).

    A file goes through the reader and record builder of ``scan`` (named by its filename so
    that the suffix can break format ties, then labelled with the item's source); text is
    screened as it is, like :meth:`~crisis_screen.screener.Screener.screen_text`.
    """
    if item.text is None:
        name = item.filename or item.label
        record = screen_fetched(
            screener, fetch(MemorySource(name, item.data or b""), limits), limits
        )
        return (
            record
            if record.source == item.label
            else record.model_copy(update={"source": item.label})
        )
    t0 = time.perf_counter()
    sha = hashlib.sha256(item.text.encode("utf-8")).hexdigest()
    if len(item.text) > limits.max_chars:
        reason = f"text is more than {limits.max_chars} characters"
        error = LimitExceededError(item.label, reason)
        return error_record(item.label, sha, error, t0, None, screener.versions)
    document = Document(text=item.text, source=item.label)
    t1 = time.perf_counter()
    try:
        return ok_record(item.label, sha, document, screener.screen_document(document), t0, t1)
    except Exception as exc:  # a screening bug must not take the request down with it
        return error_record(item.label, sha, exc, t0, t1, screener.versions)


def screen_items(
    config: ScreenerConfig, limits: ExtractionLimits, items: list[WorkItem]
) -> ChunkResult:
    """Screen a chunk of items in a worker process: its versions and serialised records."""
    screener = screener_for(config).screener
    return screener.versions, [to_line(screen_item(screener, item, limits)) for item in items]


def _probe(config: ScreenerConfig, pause: float) -> tuple[int, Versions]:
    """Answer from a worker whose screener is built: its pid and versions."""
    screener = screener_for(config).screener
    time.sleep(pause)  # hold this worker so the other probes reach the other workers
    return os.getpid(), screener.versions


def _init_service_worker(config: ScreenerConfig, limits: ExtractionLimits | None) -> None:
    """Initialise a worker like ``scan``'s, but let only the server decide when to stop.

    ``systemctl stop`` and ``kill -- -PGID`` signal the whole process group: the server then
    drains its requests and shuts the workers down itself, so they ignore SIGTERM.
    """
    from crisis_screen.runs.local import _init_worker

    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _init_worker(config, limits)


class ServicePool(ProcessPoolRunner):
    """Worker processes behind the HTTP service, with admission control.

    Attributes:
        capacity: Requests admitted at once: one per worker plus ``queue`` waiting.
        in_flight: Requests admitted and not yet answered.
        versions: What the workers screen with, known once :meth:`start` returned.
    """

    def __init__(
        self, config: ScreenerConfig, workers: int, queue: int, limits: ExtractionLimits
    ) -> None:
        if workers < 1 or queue < 0:
            raise ValueError("a service needs at least one worker and a queue of 0 or more")
        self.service_limits = limits
        super().__init__(config, workers, limits=limits)
        self.capacity = workers + queue
        self.in_flight = 0
        self.versions: Versions | None = None
        self._recovering = asyncio.Lock()
        self._waiting: deque[tuple[WorkItem, asyncio.Future[ScanLine]]] = deque()
        self._wake = asyncio.Event()
        self._dispatchers: list[asyncio.Task[None]] = []

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.slots,
            mp_context=mp_context(),
            initializer=_init_service_worker,
            initargs=(self.config, self.limits),
        )

    async def start(self, timeout: float = 600.0) -> Versions:
        """Start every worker and wait until each has built its screener.

        Raises:
            CrisisScreenError: A worker cannot build its screener, or start-up timed out.
        """
        deadline = time.monotonic() + timeout
        ready: set[int] = set()
        versions: Versions | None = None
        while len(ready) < self.slots:
            if time.monotonic() > deadline:
                raise CrisisScreenError("screening workers did not start in time")
            try:
                # Submitting starts the worker processes, which waits for the fork server to
                # finish building its screener: do it off the event loop, which keeps serving.
                probes = await asyncio.to_thread(self._probes)
                answers = await asyncio.gather(*(asyncio.wrap_future(p) for p in probes))
            except BrokenProcessPool:
                raise CrisisScreenError(
                    "screening workers could not start (check the lexicon and model)"
                ) from None
            ready.update(pid for pid, _ in answers)
            versions = answers[0][1]
        assert versions is not None  # at least one probe answered
        self.versions = versions
        self._start_dispatchers()
        return versions

    def _probes(self) -> list[Future[tuple[int, Versions]]]:
        return [self.executor.submit(_probe, self.config, PROBE_PAUSE_S) for _ in range(self.slots)]

    # -- admission --------------------------------------------------------------------------

    def admit(self) -> bool:
        """Take a place for one request; False when every place is taken (answer 503)."""
        if self.in_flight >= self.capacity:
            return False
        self.in_flight += 1
        return True

    def release(self) -> None:
        """Give back the place of an answered request."""
        self.in_flight = max(0, self.in_flight - 1)

    def retry_after(self) -> int:
        """Seconds a refused client should wait: about one round of the queue, at least 1."""
        return max(1, math.ceil((self.in_flight - self.slots + 1) / self.slots))

    # -- screening --------------------------------------------------------------------------

    async def screen(self, items: list[WorkItem]) -> list[ScanLine]:
        """Screen items on the workers; records in input order.

        Items wait in one queue that the dispatchers empty in chunks: under load several
        requests travel to a worker together, so the cost of a round trip is shared.
        """
        loop = asyncio.get_running_loop()
        futures: list[asyncio.Future[ScanLine]] = [loop.create_future() for _ in items]
        self._waiting.extend(zip(items, futures, strict=True))
        self._wake.set()
        return list(await asyncio.gather(*futures))

    def _start_dispatchers(self) -> None:
        # Two chunks per worker in flight (the engine's queue_depth), so that no worker idles
        # while its last records travel back.
        for _ in range(self.slots * self.queue_depth):
            self._dispatchers.append(asyncio.create_task(self._dispatch()))

    def _take(self) -> list[tuple[WorkItem, asyncio.Future[ScanLine]]]:
        """The next chunk: a fair share of what waits, so that every worker gets some."""
        size = min(MAX_CHUNK, max(1, math.ceil(len(self._waiting) / self.slots)))
        taken = [self._waiting.popleft() for _ in range(min(size, len(self._waiting)))]
        return [(item, future) for item, future in taken if not future.done()]

    async def _dispatch(self) -> None:
        while True:
            while not self._waiting:
                self._wake.clear()
                await self._wake.wait()
            taken = self._take()
            if not taken:
                continue
            try:
                lines = await self._screen_chunk([item for item, _ in taken])
            except Exception as exc:  # answer the requests (500) rather than leave them hanging
                for _, future in taken:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), line in zip(taken, lines, strict=True):
                if not future.done():
                    future.set_result(line)

    async def _screen_chunk(self, items: list[WorkItem]) -> list[ScanLine]:
        executor = self.executor
        try:
            versions, lines = await self._submit(executor, items)
        except BrokenProcessPool:
            # A worker died (a reader crashed on a hostile file, or it was killed): every chunk
            # in flight on that pool is lost. Rebuild it once, then screen this chunk's items
            # alone so that only the item that kills workers gets a crash record.
            await self._recover(executor)
            return [await self._isolate(item) for item in items]
        self.versions = versions
        return lines

    async def _submit(self, executor: ProcessPoolExecutor, items: list[WorkItem]) -> ChunkResult:
        future: Future[ChunkResult] = executor.submit(
            screen_items, self.config, self.service_limits, items
        )
        return await asyncio.wrap_future(future)

    async def _isolate(self, item: WorkItem) -> ScanLine:
        executor = self.executor
        try:
            versions, lines = await self._submit(executor, [item])
        except BrokenProcessPool:
            await self._recover(executor)
            return crash_line(item.label, self.versions)
        self.versions = versions
        return lines[0]

    async def _recover(self, broken: ProcessPoolExecutor) -> None:
        """Replace a broken pool, once however many requests saw it break."""
        async with self._recovering:
            if self.executor is broken:
                await asyncio.to_thread(self.rebuild)

    async def aclose(self) -> None:
        """Stop dispatching and shut the workers down (after the last request was answered)."""
        for task in self._dispatchers:
            task.cancel()
        await asyncio.gather(*self._dispatchers, return_exceptions=True)
        self._dispatchers.clear()
        await asyncio.to_thread(self.close)
