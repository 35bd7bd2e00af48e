"""Local worker processes: how they start, and what each one does.

Workers fork from a fork server that has imported spaCy and built the run's screener once
(:mod:`crisis_screen.runs._preload`), so each worker is ready in milliseconds instead of paying
that cost itself. The command line starts that server first thing, and only for a scan that
will use workers (:func:`start_early`), so its preload runs while the main process is still
importing, walking folders and opening outputs; a scan of one file never pays for it.

Each worker screens one chunk at a time and keeps a slot of shared memory up to date
(:class:`Progress`: which source of the chunk it is on, since when, and until when it may run),
which the pool's watchdog (:class:`crisis_screen.runs.local.ProcessPoolRunner`) reads to stop a
worker stuck on one file. A worker may also be given a memory ceiling (``RLIMIT_AS``).

Kept import-light (multiprocessing only): the screening modules load inside the worker.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import multiprocessing.connection
import multiprocessing.context
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from crisis_screen.extract.limits import ExtractionLimits
    from crisis_screen.screener import ScreenerConfig

__all__ = [
    "BATCH",
    "DEFAULT_WORKER_MEMORY",
    "FILES_PER_DEFAULT_JOB",
    "IDLE",
    "PRELOAD",
    "PRELOAD_ENV",
    "STOP_FACTOR",
    "Progress",
    "default_jobs",
    "mp_context",
    "pool_likely",
    "preload_spec",
    "start_early",
    "worker_main",
]

#: Module the fork server imports before forking workers.
PRELOAD = "crisis_screen.runs._preload"
#: Environment variable telling the fork server which screener to build (JSON, see
#: :func:`preload_spec`); absent means the default screener.
PRELOAD_ENV = "CRISIS_SCREEN_PRELOAD"
#: Without ``jobs``, one worker per this many files (up to the available cores): starting
#: workers costs about as much as screening a few hundred resumes.
FILES_PER_DEFAULT_JOB = 300
#: Address space (bytes) a worker may add to what it holds once ready: 2 GiB.
DEFAULT_WORKER_MEMORY = 2 * 1024**3
#: A file still running at this multiple of its time limit is stopped by the watchdog. The
#: readers' own checks stop most slow files at the limit itself; the watchdog is the backstop
#: for a library call that never returns to them.
STOP_FACTOR = 1.5

_DECIDED: bool | None = None


def default_jobs() -> int:
    """Number of CPU cores this process may use (the affinity mask where there is one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def preload_spec(config: ScreenerConfig) -> str | None:
    """The fork server's screener for ``config``, as JSON; None when it cannot be described.

    Only a plain :class:`~crisis_screen.screener.ScreenerConfig` is described (a subclass
    may build something else); the threshold is left out, since workers set their own.
    """
    if type(config).__name__ != "ScreenerConfig" or type(config).__module__ != (
        "crisis_screen.screener"
    ):
        return None
    day = config.reference_date
    return json.dumps(
        {
            "lexicon": list(config.lexicon),
            "overlays": list(config.overlays),
            "model": config.model,
            "reference_date": day.isoformat() if day is not None else None,
        }
    )


def _spec_of(lexicon: Sequence[str], overlays: Sequence[str]) -> str:
    return json.dumps(
        {
            "lexicon": list(lexicon),
            "overlays": list(overlays),
            "model": None,
            "reference_date": None,
        }
    )


def mp_context(spec: str | None = None) -> multiprocessing.context.BaseContext:
    """Return the multiprocessing context for worker pools.

    ``forkserver`` where the platform has it; ``spawn`` elsewhere. Neither copies the main
    process's threads (the progress bar) or state, unlike ``fork``.

    Args:
        spec: The screener the fork server should build (:func:`preload_spec`), used only
            when this call starts the server; None keeps the default screener.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([PRELOAD])
    from multiprocessing import forkserver

    # The server reads its screener from the environment it starts with; later servers of
    # this process (after a crash) start the same way.
    previous = os.environ.get(PRELOAD_ENV)
    if spec is not None:
        os.environ[PRELOAD_ENV] = spec
    try:
        forkserver.ensure_running()
    finally:
        if previous is None:
            os.environ.pop(PRELOAD_ENV, None)
        else:
            os.environ[PRELOAD_ENV] = previous
    return context


def _count_files(paths: Sequence[str], enough: int) -> int:
    """Count visible files under ``paths``, stopping at ``enough`` (a cheap upper bound)."""
    count = 0
    stack = list(paths)
    while stack and count < enough:
        path = stack.pop()
        try:
            if not os.path.isdir(path):
                count += 1
                continue
            with os.scandir(path) as entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    if entry.is_dir():
                        stack.append(entry.path)
                    else:
                        count += 1
        except OSError:
            continue
    return count


def pool_likely(paths: Sequence[str], jobs: int | None) -> bool:
    """Tell whether a scan of ``paths`` with ``jobs`` will run local worker processes.

    The rule of ``crisis_screen.runs.scan``: ``jobs`` workers for two files or more; without
    ``jobs``, one worker per :data:`FILES_PER_DEFAULT_JOB` files, so a batch under twice that
    (or a machine with one core) is screened in the main process. Files are counted cheaply
    (every visible file, whatever its suffix), so the answer errs towards True.
    """
    if jobs is not None and jobs < 2:
        return False
    if jobs is None and default_jobs() < 2:
        return False
    enough = 2 if jobs is not None else 2 * FILES_PER_DEFAULT_JOB
    return _count_files(list(paths), enough) >= enough


def start_early(
    paths: Sequence[str] | None = None,
    *,
    jobs: int | None = None,
    lexicon: Sequence[str] = (),
    overlays: Sequence[str] = (),
) -> bool:
    """Start the fork server now when a scan will use workers (no-op where there is none).

    Pools started later reuse the server, and the screener it builds while this process
    goes on. Called without ``paths``, it starts the server unless this process already
    decided (the command line decides first thing, from its arguments).

    Args:
        paths: The scan's files and folders; None when not known.
        jobs: The scan's ``--jobs``.
        lexicon: The scan's ``--lexicon`` paths (the server builds that screener).
        overlays: The scan's ``--overlay`` paths.

    Returns:
        True when the server runs (or was started).
    """
    global _DECIDED
    if paths is None:
        if _DECIDED is not None:
            return _DECIDED
        wanted = True
    else:
        wanted = pool_likely(paths, jobs)
    _DECIDED = wanted
    if wanted and "forkserver" in multiprocessing.get_all_start_methods():
        mp_context(_spec_of(lexicon, overlays) if lexicon or overlays else None)
    return wanted


#: :meth:`Progress.read`'s index when a worker is between chunks.
IDLE = -1
#: :meth:`Progress.read`'s index while a worker screens the sources it read as one batch.
BATCH = -2


class Progress:
    """Where a worker stands, in shared memory: which source, since when, and its deadline.

    The worker writes (:meth:`begin`, :meth:`screening`, :meth:`batch`, :meth:`extend`,
    :meth:`idle`); the pool reads (:meth:`read`). Times are ``time.monotonic()``, which all
    processes share.

    Args:
        context: The multiprocessing context of the pool.
        allowed: Seconds each source may run before the watchdog stops it.
    """

    def __init__(self, context: multiprocessing.context.BaseContext, allowed: float) -> None:
        # index of the source (IDLE, BATCH), started, deadline, screening since (0: reading)
        self._slot: Any = context.RawArray("d", 4)
        self._slot[0] = float(IDLE)
        self.allowed = allowed

    def begin(self, index: int) -> None:
        """Source ``index`` of the chunk is being read from now on."""
        slot, now = self._slot, time.monotonic()
        slot[1], slot[2], slot[3] = now, now + self.allowed, 0.0
        slot[0] = float(index)  # written last: a reader never sees the new index too early

    def screening(self) -> None:
        """The current source is read: screening starts now."""
        self._slot[3] = time.monotonic()

    def batch(self, seconds: float) -> None:
        """The sources read so far are screened together now, for at most ``seconds``.

        The batch gets the backstop of one source (or :data:`STOP_FACTOR` times ``seconds``
        when that is later): its own time check stops it first.
        """
        slot, now = self._slot, time.monotonic()
        slot[1], slot[2], slot[3] = now, now + max(self.allowed, STOP_FACTOR * seconds), now
        slot[0] = float(BATCH)

    def extend(self, seconds: float) -> None:
        """Move the current source's deadline later (an OCR page gets its own time)."""
        self._slot[2] += seconds

    def idle(self) -> None:
        """The chunk is done."""
        self._slot[0] = float(IDLE)

    def read(self) -> tuple[int, float, float, float]:
        """Return ``(index, started, deadline, screening_since)``.

        The index is :data:`IDLE` between chunks and :data:`BATCH` while a batch is screened.
        """
        slot = self._slot
        index = int(slot[0])
        return index, slot[1], slot[2], slot[3]


# -- the worker process -------------------------------------------------------------------------


def worker_main(
    conn: Connection,
    progress: Progress,
    config: ScreenerConfig,
    limits: ExtractionLimits,
    memory: int | None,
) -> None:
    """Body of a worker process: get ready, then screen chunks until told to stop.

    Messages to the pool: ``("ready", (versions, preloaded))`` or ``("failed", error type)``
    once, then ``("done", lines)`` per chunk. A chunk that ran out of memory ends the worker
    after its lines are sent, so the next chunk starts in a fresh process.

    Args:
        conn: This worker's end of its pipe to the pool.
        progress: This worker's watchdog slot.
        config: The screener to use (taken from the fork server when it built this one).
        limits: Reading limits; ``time_limit`` and ``ocr_page_time`` also set the deadlines.
        memory: Bytes of address space this worker may add once ready (None: no ceiling).
    """
    # Ctrl-C goes to the whole process group; only the main process decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A group of its own: stopping the worker also stops the OCR or .doc converter it runs.
    with contextlib.suppress(OSError, AttributeError):
        os.setpgrp()
    _watch_parent()
    from crisis_screen.runs.cache import screener_builds, screener_for
    from crisis_screen.runs.screen import error_record, screen_sources, to_line

    try:
        screener = screener_for(config).screener
    except Exception as exc:
        conn.send(("failed", type(exc).__name__))
        os._exit(0)
    _extend_for_ocr(progress, limits)
    _limit_memory(memory)
    conn.send(("ready", (screener.versions, screener_builds() == 0)))
    while True:
        try:
            sources = conn.recv()
        except (EOFError, OSError):
            break
        if sources is None:
            break
        records = screen_sources(screener, sources, limits, watch=progress)
        progress.idle()
        lines = []
        for record in records:
            try:
                lines.append(to_line(record))
            except MemoryError as exc:
                t = time.perf_counter()
                failed = error_record(record.source, record.sha256, exc, t, t, screener.versions)
                lines.append(to_line(failed))
        conn.send(("done", lines))
        if any(r.error_type == "MemoryLimitExceededError" for r in records):
            break  # memory may be fragmented or held: the next chunk gets a fresh worker
    # Tearing down an interpreter holding spaCy takes a few hundred milliseconds, which the
    # main process would wait for; the results are sent, so skip it.
    conn.close()
    os._exit(0)


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


def _extend_for_ocr(progress: Progress, limits: ExtractionLimits) -> None:
    """Give every OCR page its own time, as the reader's budget does.

    The OCR reader extends a file's budget by ``ocr_page_time`` for each page it sends to
    Tesseract, one Tesseract process per page; the audit event of starting that process
    moves the watchdog's deadline by the same allowance (times :data:`STOP_FACTOR`).
    """
    extra = STOP_FACTOR * limits.ocr_page_time
    if extra <= 0:
        return

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event != "subprocess.Popen":
            return
        try:
            program = args[0] or (args[1] if isinstance(args[1], (str, bytes)) else args[1][0])
            name = os.path.basename(os.fsdecode(program))
        except Exception:  # an audit hook must never break the call it watches
            return
        if name.startswith("tesseract"):
            progress.extend(extra)

    sys.addaudithook(hook)


def _limit_memory(extra: int | None) -> None:
    """Cap this process's address space at its current size plus ``extra`` bytes (Linux).

    ``RLIMIT_AS`` makes an allocation beyond the cap fail (``MemoryError`` in Python) instead
    of the machine running out of memory. A lower limit already set is kept.
    """
    if not extra:
        return
    try:
        import resource

        with open("/proc/self/statm", encoding="ascii") as handle:
            size = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = size + extra
        for bound in (soft, hard):
            if bound != resource.RLIM_INFINITY:
                cap = min(cap, bound)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ImportError, OSError, ValueError):
        return  # no /proc or no RLIMIT_AS: this platform runs without the ceiling
