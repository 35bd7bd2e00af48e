"""Local executors: screen in this process, or in a pool of worker processes under a watchdog.

Workers fork from a fork server that has already built the run's screener
(:mod:`crisis_screen.runs.workers`), and send records back already serialised, so the main
process only writes lines. The pool watches every worker: one that runs past a file's time
limit is stopped and replaced, and that file gets a ``TimeLimitExceededError`` record; one
that dies takes only the file it was on (tried once more alone, then a ``WorkerCrashed``
record); the rest of its chunk is screened again by another worker. Every file gets exactly
one record, in input order.
"""

from __future__ import annotations

import contextlib
import multiprocessing.connection
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crisis_screen.errors import CrisisScreenError
from crisis_screen.extract.limits import ExtractionLimits
from crisis_screen.runs.engine import ChunkResult, Executor, run_lines
from crisis_screen.runs.records import ScanLine, ScanRecord
from crisis_screen.runs.screen import crash_line, screen_sources, stopped_line, to_line
from crisis_screen.runs.sources import Source, source_name, walk_paths
from crisis_screen.runs.workers import (
    BATCH,
    DEFAULT_WORKER_MEMORY,
    IDLE,
    STOP_FACTOR,
    Progress,
    default_jobs,
    mp_context,
    preload_spec,
    worker_main,
)

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from crisis_screen.models import Versions
    from crisis_screen.screener import Screener, ScreenerConfig

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "IN_PROCESS_CHUNK_SIZE",
    "InProcessExecutor",
    "ProcessPoolRunner",
    "default_jobs",
    "local_executor",
    "scan_lines",
    "screen_paths",
]

#: Files sent to a worker at once: large enough to amortise inter-process overhead, small
#: enough that an interrupted run loses little work and the progress bar moves smoothly.
DEFAULT_CHUNK_SIZE = 96
#: Files per chunk screened in this process (``--jobs 1``).
IN_PROCESS_CHUNK_SIZE = 16
#: Longest wait of the pool's loop before it looks at the workers' deadlines again.
_MAX_WAIT = 1.0


class InProcessExecutor(Executor[Callable[[], ChunkResult]]):
    """Screens in this process, lazily: a chunk is screened when its records are asked for.

    Only the readers' own time checks apply here (nothing can stop this process from
    outside); worker pools add the watchdog.
    """

    keep_records = True

    def __init__(
        self,
        screener: Screener,
        limits: ExtractionLimits | None = None,
        storage_options: dict[str, Any] | None = None,
    ) -> None:
        self.screener = screener
        self.limits = limits
        self.storage_options = storage_options
        # Chunks of a few files: their texts are screened together (about 0.7 of the CPU of
        # one at a time on small text resumes), and records still come every few milliseconds
        # for the progress bar and --fail-fast.
        self.chunk_size = IN_PROCESS_CHUNK_SIZE

    def submit(self, chunk: list[Source]) -> Callable[[], ChunkResult]:
        """Return the work to do; :meth:`result` does it."""

        def work() -> ChunkResult:
            records = screen_sources(self.screener, chunk, self.limits, self.storage_options)
            return self.screener.versions, [to_line(r, keep=True) for r in records]

        return work

    def result(self, handle: Callable[[], ChunkResult]) -> ChunkResult:
        """Screen the chunk now."""
        return handle()


# -- worker processes ---------------------------------------------------------------------------


@dataclass
class _Job:
    """Sources of one chunk sent to one worker, and where their lines go in the chunk."""

    chunk: int
    positions: list[int]
    sources: list[Source]
    alone: bool = False  # a source tried again by itself after its worker died


@dataclass
class _Chunk:
    lines: list[ScanLine | None]
    missing: int


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    progress: Progress
    job: _Job | None = None
    ready: bool = False


@dataclass
class PoolStats:
    """What the watchdog did in a run (for tests and benchmarks).

    Attributes:
        started: Worker processes started.
        preloaded: Workers that took the fork server's screener (the others built theirs).
        stopped: Files stopped for running past their time limit.
        crashed: Files whose worker died twice on them.
        lost: Worker processes that ended before the run did: died, stopped by the
            watchdog, or ended after running out of memory (each replaced when needed).
    """

    started: int = 0
    preloaded: int = 0
    stopped: int = 0
    crashed: int = 0
    lost: int = 0


class ProcessPoolRunner(Executor[int]):
    """Local worker processes, each on one chunk at a time, watched and replaced as needed.

    Up to ``queue_depth`` chunks per worker wait in this process, so a worker that finishes
    gets its next chunk at once even when the chunk the run is waiting for is still out.

    Args:
        config: The screener workers use (the fork server's when equal, else built once
            per worker).
        workers: Worker processes.
        chunk_size: Most files sent to a worker at once.
        limits: Reading limits. A file still running at :data:`STOP_FACTOR` times its
            ``time_limit`` (plus ``ocr_page_time`` per OCR page) is stopped.
        memory_limit: Bytes of address space each worker may add to what it holds once
            ready (``RLIMIT_AS``, Linux); None for no ceiling. A file needing more gets a
            ``MemoryLimitExceededError`` record, or a ``WorkerCrashed`` one when the
            worker dies of it.
    """

    def __init__(
        self,
        config: ScreenerConfig,
        workers: int,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        limits: ExtractionLimits | None = None,
        memory_limit: int | None = DEFAULT_WORKER_MEMORY,
    ) -> None:
        self.config = config
        self.slots = workers
        self.queue_depth = 4
        self.chunk_size = chunk_size
        self.limits = limits or ExtractionLimits()
        self.memory_limit = memory_limit
        self.stats = PoolStats()
        self._context = mp_context(preload_spec(config))
        self._workers: list[_Worker] = []
        self._pending: deque[_Job] = deque()
        self._chunks: dict[int, _Chunk] = {}
        self._next_chunk = 0
        self._versions: Versions | None = None
        self._failed_starts = 0

    # -- Executor ------------------------------------------------------------------------------

    def submit(self, chunk: list[Source]) -> int:
        """Queue a chunk; return its handle."""
        handle = self._next_chunk
        self._next_chunk += 1
        self._chunks[handle] = _Chunk([None] * len(chunk), len(chunk))
        self._pending.append(_Job(handle, list(range(len(chunk))), list(chunk)))
        self._serve(wait=False)
        return handle

    def result(self, handle: int) -> ChunkResult:
        """Wait for a chunk's lines (never loses one: failures become error records).

        Raises:
            CrisisScreenError: No worker can start (a screener that cannot be built).
        """
        chunk = self._chunks[handle]
        while chunk.missing:
            self._serve(wait=True)
            if chunk.missing and not self._pending and all(w.job is None for w in self._workers):
                raise RuntimeError("the pool lost track of a chunk")  # pragma: no cover
        del self._chunks[handle]
        assert self._versions is not None  # a line came back, so a worker was ready
        return self._versions, [line for line in chunk.lines if line is not None]

    def cancel(self, handles: list[int]) -> None:
        """Drop chunks of a run that ended early (their workers are stopped by close)."""
        dropped = set(handles)
        self._pending = deque(j for j in self._pending if j.chunk not in dropped)
        for handle in dropped:
            self._chunks.pop(handle, None)

    def close(self) -> None:
        """Stop the workers: idle ones are told to exit, busy ones are killed."""
        for worker in self._workers:
            if worker.job is None:
                with contextlib.suppress(OSError):
                    worker.conn.send(None)
            else:
                _kill(worker.process)
        for worker in self._workers:
            worker.process.join(5.0)
            if worker.process.exitcode is None:
                _kill(worker.process)
                worker.process.join()
            worker.conn.close()
        self._workers.clear()
        self._pending.clear()

    # -- the loop ------------------------------------------------------------------------------

    def _serve(self, wait: bool) -> None:
        """Start workers, hand out jobs, take in messages, and stop workers past a deadline."""
        self._dispatch()
        waits: list[Any] = [w.conn for w in self._workers]
        waits += [w.process.sentinel for w in self._workers]
        timeout = self._next_deadline() if wait else 0.0
        ready = multiprocessing.connection.wait(waits, timeout)
        for worker in list(self._workers):
            alive = self._take_messages(worker) if worker.conn in ready else True
            if not alive or worker.process.sentinel in ready:
                self._take_messages(worker)  # whatever it sent before it exited
                self._lost(worker)
        self._watchdog()
        self._dispatch()

    def _dispatch(self) -> None:
        idle = [w for w in self._workers if w.job is None]
        while self._pending and not idle and len(self._workers) < self.slots:
            idle.append(self._spawn())
        while self._pending and idle:
            worker, job = idle.pop(), self._pending.popleft()
            worker.job = job
            # If it died, its sentinel tells the loop, which gives the job back.
            with contextlib.suppress(OSError):
                worker.conn.send(job.sources)

    def _spawn(self) -> _Worker:
        parent_end, child_end = self._context.Pipe(duplex=True)
        progress = Progress(self._context, STOP_FACTOR * self.limits.time_limit)
        try:
            process = self._start(child_end, progress)
        except OSError:
            # The fork server itself died (killed, out of memory): start a new one, once.
            self._context = mp_context(preload_spec(self.config))
            try:
                process = self._start(child_end, progress)
            except OSError as exc:
                raise CrisisScreenError(f"screening workers could not start ({exc})") from None
        finally:
            child_end.close()
        worker = _Worker(process, parent_end, progress)
        self._workers.append(worker)
        self.stats.started += 1
        return worker

    def _start(self, child_end: Connection, progress: Progress) -> BaseProcess:
        process = self._context.Process(  # type: ignore[attr-defined]
            target=worker_main,
            args=(child_end, progress, self.config, self.limits, self.memory_limit),
            name="crisis-screen-worker",
            daemon=True,
        )
        process.start()
        return process  # type: ignore[no-any-return]

    def _take_messages(self, worker: _Worker) -> bool:
        """Read what ``worker`` sent; False when its pipe is closed (it died)."""
        try:
            while worker.conn.poll():
                kind, value = worker.conn.recv()
                if kind == "ready":
                    versions, preloaded = value
                    worker.ready = True
                    self._failed_starts = 0
                    self._versions = self._versions or versions
                    self.stats.preloaded += int(preloaded)
                elif kind == "done" and worker.job is not None:
                    self._fill(worker.job, value)
                    worker.job = None
        except (EOFError, OSError):
            return False
        return True

    def _fill(self, job: _Job, lines: list[ScanLine]) -> None:
        chunk = self._chunks.get(job.chunk)
        if chunk is None:  # cancelled
            return
        for position, line in zip(job.positions, lines, strict=True):
            chunk.lines[position] = line
        chunk.missing -= len(lines)

    def _next_deadline(self) -> float:
        """Seconds until the earliest deadline of a busy worker (deadlines only move later)."""
        now = time.monotonic()
        soonest = _MAX_WAIT
        for worker in self._workers:
            if worker.job is not None:
                index, _, deadline, _ = worker.progress.read()
                if index != IDLE:
                    soonest = min(soonest, deadline - now)
        return max(soonest, 0.005)

    def _watchdog(self) -> None:
        now = time.monotonic()
        for worker in list(self._workers):
            if worker.job is None:
                continue
            index, started, deadline, screening = worker.progress.read()
            if index == IDLE or now <= deadline:
                continue
            if not self._take_messages(worker) or worker.job is None:
                continue  # it finished (or died) meanwhile: the loop sees to it
            if worker.progress.read()[0] != index:
                continue  # it moved on to the next file
            _kill(worker.process)
            worker.process.join()
            self.stats.stopped += 1
            if index == BATCH:
                # Stuck in a batch where no time check reaches: which file did it is not
                # known, so each file of the chunk is screened again alone (_lost).
                self._lost(worker)
                continue
            read_s = (screening or now) - started
            screen_s = now - screening if screening else 0.0
            allowed = (deadline - started) / STOP_FACTOR
            source = source_name(worker.job.sources[index])
            line = stopped_line(
                source, self._versions, read_s=read_s, screen_s=screen_s, limit_s=allowed
            )
            self._lost(worker, culprit=(index, line))

    def _lost(self, worker: _Worker, culprit: tuple[int, ScanLine] | None = None) -> None:
        """A worker died or was stopped: give its job back, minus the file that did it."""
        self._workers.remove(worker)
        worker.process.join()
        worker.conn.close()
        self.stats.lost += 1
        job, worker.job = worker.job, None
        if not worker.ready and culprit is None:
            self._failed_starts += 1
            if self._failed_starts >= max(2, self.slots):
                raise CrisisScreenError(
                    "screening workers could not start (check the lexicon and model)"
                )
            if job is not None:
                self._pending.appendleft(job)
            return
        if job is None:
            return  # it ended itself after a chunk (out of memory) or was told to stop
        if culprit is None:
            index = worker.progress.read()[0]
            if not 0 <= index < len(job.sources):
                # Died between files or in a batch: no way to tell which file did it; try
                # each alone.
                for i in reversed(range(len(job.sources))):
                    self._pending.appendleft(_part(job, [i], alone=True))
                return
            if job.alone:
                self.stats.crashed += 1
                name = source_name(job.sources[index])
                culprit = (index, crash_line(name, self._versions))
            else:
                rest = [i for i in range(len(job.sources)) if i != index]
                if rest:
                    self._pending.appendleft(_part(job, rest))
                self._pending.appendleft(_part(job, [index], alone=True))
                return
        index, line = culprit
        self._fill(_part(job, [index]), [line])
        rest = [i for i in range(len(job.sources)) if i != index]
        if rest:
            self._pending.appendleft(_part(job, rest))


def _part(job: _Job, indexes: list[int], alone: bool = False) -> _Job:
    """The job of some of ``job``'s sources (by index into its sources)."""
    return _Job(
        job.chunk,
        [job.positions[i] for i in indexes],
        [job.sources[i] for i in indexes],
        alone=alone or job.alone,
    )


def _kill(process: BaseProcess) -> None:
    """Kill a worker and whatever it runs (its own process group), at once."""
    if process.pid is None or process.exitcode is not None:
        return  # never started, or already reaped (its pid may belong to another process)
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (OSError, AttributeError):
        with contextlib.suppress(OSError):
            process.kill()


def local_executor(
    *,
    config: ScreenerConfig | None = None,
    screener: Screener | None = None,
    n_process: int = 1,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    limits: ExtractionLimits | None = None,
    n_sources: int = 0,
    memory_limit: int | None = DEFAULT_WORKER_MEMORY,
) -> Executor[Any]:
    """Return the local executor for a run: in this process, or a pool of ``n_process``.

    Raises:
        ValueError: ``n_process`` or ``chunk_size`` < 1, or a pool is needed but ``screener``
            was built from a Lexicon object (workers need a config to rebuild it).
    """
    from crisis_screen.screener import ScreenerConfig

    if n_process < 1:
        raise ValueError(f"n_process must be at least 1, got {n_process}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    if config is None and screener is not None:
        config = screener.config
        if config is None and n_process > 1:
            raise ValueError(
                "this screener was built from a Lexicon object and cannot be rebuilt in "
                "worker processes; pass a ScreenerConfig or use n_process=1"
            )
    if n_process == 1 or n_sources <= 1:
        return InProcessExecutor(screener or (config or ScreenerConfig()).build(), limits)
    workers = min(n_process, n_sources)
    return ProcessPoolRunner(
        config or ScreenerConfig(),
        workers,
        chunk_size=chunk_size,
        limits=limits,
        memory_limit=memory_limit,
    )


def scan_lines(
    files: Sequence[Source],
    *,
    config: ScreenerConfig | None = None,
    screener: Screener | None = None,
    n_process: int = 1,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    limits: ExtractionLimits | None = None,
    memory_limit: int | None = DEFAULT_WORKER_MEMORY,
) -> Iterator[ScanLine]:
    """Screen sources locally, yielding serialised records in input order.

    Args:
        files: Paths, URLs or in-memory sources (already walked).
        config: How to build the screener; the default screener when None (and no
            ``screener``).
        screener: A ready screener, used when ``n_process == 1``; its config is used for
            workers otherwise.
        n_process: Worker processes; 1 screens in this process without a pool.
        chunk_size: Most files sent to a worker at once.
        limits: Reading limits; the defaults when None. In worker processes a file still
            running at 1.5 times ``time_limit`` is stopped (a ``TimeLimitExceededError``
            record).
        memory_limit: Bytes of address space each worker may add once ready (default
            2 GiB; None: no ceiling).

    Yields:
        One :class:`~crisis_screen.runs.records.ScanLine` per file, in the order of ``files``.

    Raises:
        ValueError: ``n_process`` < 1, or a pool is needed but ``screener`` has no config.
        CrisisScreenError: The workers cannot build their screener.
    """
    executor = local_executor(
        config=config,
        screener=screener,
        n_process=n_process,
        chunk_size=chunk_size,
        limits=limits,
        n_sources=len(files),
        memory_limit=memory_limit,
    )
    try:
        yield from run_lines(files, executor)
    finally:
        executor.close()


def screen_paths(
    paths: Iterable[str | os.PathLike[str]],
    config: ScreenerConfig | None = None,
    n_process: int = 1,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    *,
    screener: Screener | None = None,
    limits: ExtractionLimits | None = None,
    memory_limit: int | None = DEFAULT_WORKER_MEMORY,
) -> Iterator[ScanRecord]:
    """Screen files and folders: one record per file, in walk order.

    Folders are walked recursively for supported files. A file that cannot be read gives an
    error record (``status="error"``, ``error_type``, ``error``) instead of an exception, so
    one bad file never stops the batch.

    Args:
        paths: Files and folders.
        config: How to build the screener (workers rebuild it from this).
        n_process: Worker processes; 1 screens in this process.
        chunk_size: Most files sent to a worker at once.
        screener: A ready screener for ``n_process == 1`` (and whose config workers use).
        limits: Reading limits (see :func:`scan_lines`).
        memory_limit: Bytes of address space each worker may add (see :func:`scan_lines`).

    Yields:
        One record per file, in walk order.
    """
    files = walk_paths(paths).files
    for line in scan_lines(
        files,
        config=config,
        screener=screener,
        n_process=n_process,
        chunk_size=chunk_size,
        limits=limits,
        memory_limit=memory_limit,
    ):
        yield line.to_record()
