"""Local executors: screen in this process, or in a pool of worker processes.

Workers fork from a fork server that has already built the default screener
(:mod:`crisis_screen.runs.workers`), build theirs once otherwise, and send records back
already serialised, so the main process only writes lines.
"""

from __future__ import annotations

import atexit
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

from crisis_screen.errors import CrisisScreenError
from crisis_screen.runs.cache import screener_for
from crisis_screen.runs.engine import ChunkResult, Executor, WorkerLost, run_lines
from crisis_screen.runs.records import ScanLine, ScanRecord
from crisis_screen.runs.screen import screen_sources, to_line
from crisis_screen.runs.sources import Source, walk_paths
from crisis_screen.runs.workers import mp_context

if TYPE_CHECKING:
    from crisis_screen.extract.limits import ExtractionLimits
    from crisis_screen.models import Versions
    from crisis_screen.screener import Screener, ScreenerConfig

__all__ = [
    "DEFAULT_CHUNK_SIZE",
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


def default_jobs() -> int:
    """Number of CPU cores this process may use (the affinity mask where there is one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


class InProcessExecutor(Executor[Callable[[], ChunkResult]]):
    """Screens in this process, lazily: a chunk is screened when its records are asked for."""

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
        self.chunk_size = 1  # records stream one by one (progress bar, --fail-fast)

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

_WORKER_CONFIG: ScreenerConfig | None = None
_WORKER_LIMITS: ExtractionLimits | None = None


def _init_worker(config: ScreenerConfig, limits: ExtractionLimits | None) -> None:
    """Build the worker's screener once (process pool initializer)."""
    global _WORKER_CONFIG, _WORKER_LIMITS
    # Ctrl-C goes to the whole process group; only the main process decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _watch_parent()
    screener_for(config)
    _WORKER_CONFIG, _WORKER_LIMITS = config, limits
    # Tearing down an interpreter holding spaCy takes a few hundred milliseconds, which the
    # main process waits for at the end of every run; results are already sent, so skip it.
    atexit.register(os._exit, 0)


def _watch_parent() -> None:
    """Exit when the main process dies (SIGKILL, OOM): orphaned workers would wait forever."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    sentinel = parent.sentinel

    def wait_then_exit() -> None:
        multiprocessing.connection.wait([sentinel])
        os._exit(1)

    threading.Thread(target=wait_then_exit, name="parent-watch", daemon=True).start()


def _run_chunk(sources: list[Source]) -> ChunkResult:
    if _WORKER_CONFIG is None:  # pragma: no cover - the initializer always ran first
        raise RuntimeError("worker used before its initializer ran")
    screener = screener_for(_WORKER_CONFIG).screener
    records = screen_sources(screener, sources, _WORKER_LIMITS)
    return screener.versions, [to_line(r) for r in records]


class ProcessPoolRunner(Executor["Future[ChunkResult]"]):
    """A pool of local worker processes, rebuilt after a worker dies."""

    def __init__(
        self,
        config: ScreenerConfig,
        workers: int,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        limits: ExtractionLimits | None = None,
    ) -> None:
        self.config = config
        self.slots = workers
        self.chunk_size = chunk_size
        self.limits = limits
        self.executor = self._new()

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.slots,
            mp_context=mp_context(),
            initializer=_init_worker,
            initargs=(self.config, self.limits),
        )

    def submit(self, chunk: list[Source]) -> Future[ChunkResult]:
        """Send a chunk to the pool."""
        return self.executor.submit(_run_chunk, chunk)

    def result(self, handle: Future[ChunkResult]) -> ChunkResult:
        """Wait for a chunk; a broken pool loses every chunk in flight."""
        try:
            return handle.result()
        except BrokenProcessPool:
            raise WorkerLost(took_all=True) from None

    def recover(self, versions: Versions | None, took_all: bool) -> None:
        """Rebuild the pool; before any result, tell a screener that cannot be built at all."""
        self.rebuild()
        if versions is None and self._startup_fails():
            raise CrisisScreenError(
                "screening workers could not start (check the lexicon and model)"
            )

    def _startup_fails(self) -> bool:
        probe = self.executor.submit(os.getpid)
        try:
            probe.result()
        except BrokenProcessPool:
            return True
        return False

    def rebuild(self) -> None:
        """Replace the pool with a fresh one."""
        self.executor.shutdown(wait=True, cancel_futures=True)
        self.executor = self._new()

    def close(self) -> None:
        """Shut the workers down."""
        self.executor.shutdown(wait=True, cancel_futures=True)


def local_executor(
    *,
    config: ScreenerConfig | None = None,
    screener: Screener | None = None,
    n_process: int = 1,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    limits: ExtractionLimits | None = None,
    n_sources: int = 0,
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
        config or ScreenerConfig(), workers, chunk_size=chunk_size, limits=limits
    )


def scan_lines(
    files: Sequence[Source],
    *,
    config: ScreenerConfig | None = None,
    screener: Screener | None = None,
    n_process: int = 1,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    limits: ExtractionLimits | None = None,
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
        limits: Reading limits; the defaults when None.

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
        limits: Reading limits.

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
    ):
        yield line.to_record()
