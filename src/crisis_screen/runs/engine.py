"""The run loop, written once: bounded, ordered, crash-isolating.

An executor (:mod:`crisis_screen.runs.local`, :mod:`crisis_screen.runs.dask`, or a front end of
your own) only knows how to screen one chunk of sources somewhere. :func:`run_lines` cuts the
sources into chunks, keeps a bounded number in flight, yields their records in input order,
and when a worker dies screens the chunks it took down one source at a time, so the source
that kills workers gets a ``WorkerCrashed`` error record and every other source its own.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Generator, Sequence
from typing import Any, Generic, TypeVar

from crisis_screen.models import Versions
from crisis_screen.runs.records import ScanLine
from crisis_screen.runs.screen import crash_line
from crisis_screen.runs.sources import Source, source_name

__all__ = ["ChunkResult", "Executor", "WorkerLost", "chunk_size_for", "run_lines"]

#: What a chunk gives back: the versions its records carry, and the records.
ChunkResult = tuple[Versions, list[ScanLine]]
H = TypeVar("H")


class WorkerLost(Exception):
    """A worker died while screening a chunk (raised by :meth:`Executor.result`).

    Attributes:
        took_all: True when every chunk in flight was lost with it (a broken process pool),
            False when only this chunk was (Dask reschedules the others).
    """

    def __init__(self, took_all: bool) -> None:
        super().__init__("a worker died while screening")
        self.took_all = took_all


class Executor(ABC, Generic[H]):
    """Where chunks are screened. Subclasses are thin: submit, collect, recover, close.

    Attributes:
        slots: Chunks screened at the same time (worker processes or threads).
        queue_depth: Chunks in flight per slot, so no worker idles between chunks.
        chunk_size: Most sources per chunk.
        keep_records: Lines keep their record model (in-process: nothing to parse later).
    """

    slots: int = 1
    queue_depth: int = 2
    chunk_size: int = 96
    keep_records: bool = False

    @abstractmethod
    def submit(self, chunk: list[Source]) -> H:
        """Start screening a chunk; return a handle for :meth:`result`."""

    @abstractmethod
    def result(self, handle: H) -> ChunkResult:
        """Wait for a chunk's records.

        Raises:
            WorkerLost: The worker screening it died.
        """

    def recover(self, versions: Versions | None, took_all: bool) -> None:  # noqa: B027
        """Get ready for more work after a worker died (rebuild a pool); no-op by default.

        Raises:
            CrisisScreenError: No worker can start at all (a screener that cannot be built).
        """

    def crash_versions(self, versions: Versions | None) -> Versions | None:
        """The versions a crash record carries (``versions`` seen so far, by default)."""
        return versions

    def cancel(self, handles: list[H]) -> None:  # noqa: B027
        """Drop chunks still in flight when a run ends early (default: nothing to do)."""

    def close(self) -> None:  # noqa: B027
        """Release workers (default: nothing to release)."""


def chunk_size_for(n_sources: int, slots: int, chunk_size: int) -> int:
    """Chunk size of a run: at most ``chunk_size``, and small runs still reach every slot."""
    return max(1, min(chunk_size, math.ceil(n_sources / (slots * 4))))


def run_lines(
    sources: Sequence[Source], executor: Executor[Any]
) -> Generator[ScanLine, None, None]:
    """Screen sources on ``executor``, yielding one serialised record per source, in order.

    At most ``slots * queue_depth`` chunks are in flight, so memory stays bounded however many
    sources there are. Closing the generator early (``--fail-fast``, Ctrl-C) cancels what is
    in flight; the executor itself is closed by its owner.

    Args:
        sources: Paths, URLs or in-memory sources, already listed.
        executor: Where chunks are screened.

    Yields:
        One :class:`~crisis_screen.runs.records.ScanLine` per source, in input order.

    Raises:
        CrisisScreenError: The executor cannot start any worker.
    """
    size = chunk_size_for(len(sources), executor.slots, executor.chunk_size)
    todo = deque(list(sources[i : i + size]) for i in range(0, len(sources), size))
    in_flight: deque[tuple[list[Source], Any]] = deque()
    versions: Versions | None = None
    try:
        while todo or in_flight:
            while todo and len(in_flight) < executor.slots * executor.queue_depth:
                chunk = todo.popleft()
                in_flight.append((chunk, executor.submit(chunk)))
            chunk, handle = in_flight.popleft()
            try:
                versions, lines = executor.result(handle)
            except WorkerLost as lost:
                lost_chunks = [chunk]
                if lost.took_all:
                    lost_chunks += [c for c, _ in in_flight]
                    in_flight.clear()
                executor.recover(versions, lost.took_all)
                for source in (s for c in lost_chunks for s in c):
                    line, versions = _isolate(executor, source, versions)
                    yield line
                continue
            yield from lines
    finally:
        if in_flight:
            executor.cancel([h for _, h in in_flight])


def _isolate(
    executor: Executor[Any], source: Source, versions: Versions | None
) -> tuple[ScanLine, Versions | None]:
    """Screen one source alone after a worker died, to tell whether it is the one killing it."""
    try:
        versions, lines = executor.result(executor.submit([source]))
    except WorkerLost as lost:
        executor.recover(versions, lost.took_all)
        return crash_line(source_name(source), executor.crash_versions(versions)), versions
    return lines[0], versions
