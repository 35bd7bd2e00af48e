"""The service's worker pool: admission, dispatch in chunks, and crash isolation.

What a server needs beyond a batch run:

- **Admission.** At most ``workers + queue`` requests are in flight; the next one is told to
  retry (503 with ``Retry-After``), so the backlog, and the memory it holds, stay bounded.
- **Dispatch.** Items of every request wait in one queue that each worker's dispatchers empty
  in chunks (a fair share of what waits, at most :data:`MAX_CHUNK`), two chunks in flight per
  worker as in the run engine: under load several requests share a round trip, and a worker
  never idles while its last records travel back.
- **Crash isolation**, as in :mod:`crisis_screen.runs.engine`: when a worker dies (a reader
  crashed on a hostile file, the kernel killed it), it is replaced, and the items of the chunks
  it took down are screened again one at a time with nothing else on that worker, so only an
  item that kills workers gets a ``WorkerCrashed`` record and every other its own.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from crisis_screen.errors import CrisisScreenError
from crisis_screen.runs.engine import WorkerLost
from crisis_screen.runs.screen import crash_line
from crisis_screen.service.worker import Worker, WorkItem, spawn_worker

if TYPE_CHECKING:
    from crisis_screen.extract.limits import ExtractionLimits
    from crisis_screen.models import Versions
    from crisis_screen.runs.records import ScanLine
    from crisis_screen.screener import ScreenerConfig

__all__ = ["MAX_CHUNK", "ServicePool", "WorkItem"]

#: Most items sent to a worker at once: enough to share a round trip's cost under load, few
#: enough that a chunk's records come back within a few resumes' time.
MAX_CHUNK = 16
#: Chunks in flight per worker (the run engine's ``queue_depth``).
DEPTH = 2


@dataclass
class _Slot:
    """A place for one worker; the worker in it is replaced when it dies."""

    worker: Worker
    # Held while an item is screened alone after a crash: nothing else runs on the slot.
    exclusive: asyncio.Lock = field(default_factory=asyncio.Lock)
    replacing: asyncio.Lock = field(default_factory=asyncio.Lock)


class ServicePool:
    """Worker processes behind the HTTP service.

    Attributes:
        config: The screener each worker builds.
        limits: Reading limits of each file.
        size: Worker processes.
        capacity: Requests admitted at once: one per worker plus ``queue`` waiting.
        in_flight: Requests admitted and not yet answered.
        versions: What the workers screen with, known once :meth:`start` returned.
    """

    def __init__(
        self, config: ScreenerConfig, workers: int, queue: int, limits: ExtractionLimits
    ) -> None:
        if workers < 1 or queue < 0:
            raise ValueError("a service needs at least one worker and a queue of 0 or more")
        self.config = config
        self.limits = limits
        self.size = workers
        self.capacity = workers + queue
        self.in_flight = 0
        self.versions: Versions | None = None
        self.start_timeout = 600.0
        self._slots: list[_Slot] = []
        self._waiting: deque[tuple[WorkItem, asyncio.Future[ScanLine]]] = deque()
        self._wake = asyncio.Event()
        self._dispatchers: list[asyncio.Task[None]] = []
        self._reaping: set[asyncio.Task[None]] = set()

    @property
    def pids(self) -> list[int]:
        """Process ids of the workers now."""
        return [s.worker.pid for s in self._slots if s.worker.pid is not None]

    async def start(self, timeout: float = 600.0) -> Versions:
        """Start every worker, each ready once it has built its screener.

        Raises:
            CrisisScreenError: A worker cannot build its screener, or start-up timed out.
        """
        self.start_timeout = timeout
        workers = await asyncio.gather(
            *(spawn_worker(self.config, self.limits, timeout) for _ in range(self.size)),
            return_exceptions=True,
        )
        failed = [w for w in workers if isinstance(w, BaseException)]
        self._slots = [_Slot(w) for w in workers if isinstance(w, Worker)]
        if failed:
            await self.aclose()
            error = failed[0]
            raise (
                error
                if isinstance(error, CrisisScreenError)
                else CrisisScreenError("screening workers could not start")
            )
        self.versions = self._slots[0].worker.versions
        for slot in self._slots:
            for _ in range(DEPTH):
                self._dispatchers.append(asyncio.create_task(self._dispatch(slot)))
        return self.versions

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
        return max(1, math.ceil((self.in_flight - self.size + 1) / self.size))

    # -- screening --------------------------------------------------------------------------

    async def screen(self, items: list[WorkItem]) -> list[ScanLine]:
        """Screen items on the workers; one serialised record per item, in input order."""
        loop = asyncio.get_running_loop()
        futures: list[asyncio.Future[ScanLine]] = [loop.create_future() for _ in items]
        self._waiting.extend(zip(items, futures, strict=True))
        self._wake.set()
        if len(futures) == 1:
            return [await futures[0]]
        return list(await asyncio.gather(*futures))

    def _take(self) -> list[tuple[WorkItem, asyncio.Future[ScanLine]]]:
        """The next chunk: a fair share of what waits, so that every worker gets some."""
        size = min(MAX_CHUNK, max(1, math.ceil(len(self._waiting) / self.size)))
        taken = [self._waiting.popleft() for _ in range(min(size, len(self._waiting)))]
        return [(item, future) for item, future in taken if not future.done()]

    async def _dispatch(self, slot: _Slot) -> None:
        while True:
            while not self._waiting:
                self._wake.clear()
                await self._wake.wait()
            taken = self._take()
            if not taken:
                continue
            try:
                lines = await self._run_chunk(slot, [item for item, _ in taken])
            except Exception as exc:  # answer the requests (500) rather than leave them hanging
                for _, future in taken:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), line in zip(taken, lines, strict=True):
                if not future.done():
                    future.set_result(line)

    async def _run_chunk(self, slot: _Slot, items: list[WorkItem]) -> list[ScanLine]:
        async with slot.exclusive:
            pass  # wait while an item is screened alone on this slot
        worker = slot.worker
        try:
            versions, lines = await worker.run(items)
        except WorkerLost:
            await self._replace(slot, worker)
            return [await self._isolate(slot, item) for item in items]
        self.versions = versions
        return lines

    async def _isolate(self, slot: _Slot, item: WorkItem) -> ScanLine:
        """Screen one item with nothing else on the slot's worker, after a crash."""
        async with slot.exclusive:
            worker = slot.worker
            await worker.idle.wait()
            try:
                versions, lines = await worker.run([item])
            except WorkerLost:
                await self._replace(slot, worker)
                return crash_line(item.label, self.versions)
            self.versions = versions
            return lines[0]

    async def _replace(self, slot: _Slot, dead: Worker) -> None:
        """Put a new worker in the slot, once however many chunks saw the old one die."""
        async with slot.replacing:
            if slot.worker is not dead:
                return
            dead.kill()
            reaping = asyncio.create_task(dead.close())  # reap it without waiting here
            self._reaping.add(reaping)
            reaping.add_done_callback(self._reaping.discard)
            slot.worker = await spawn_worker(self.config, self.limits, self.start_timeout)

    async def aclose(self) -> None:
        """Stop dispatching and shut the workers down (after the last request was answered)."""
        for task in self._dispatchers:
            task.cancel()
        await asyncio.gather(*self._dispatchers, return_exceptions=True)
        self._dispatchers.clear()
        await asyncio.gather(*(slot.worker.close() for slot in self._slots))
