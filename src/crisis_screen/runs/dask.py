"""Dask executor: screen on a Dask distributed cluster (optional extra ``crisis_screen[dask]``).

The client sends file paths or URLs only; every worker reads the bytes itself with the run's
one reader (:func:`crisis_screen.runs.sources.fetch`: plain paths as the local executors read
them, URLs with fsspec), screens them with the screener it builds once per process
(:mod:`crisis_screen.runs.cache`), and sends back records already serialised::

    from crisis_screen.runs.dask import connect, scan_records

    with connect("tcp://scheduler:8786") as client:
        for record in scan_records(["s3://bucket/resumes/a.pdf", ...], client):
            print(record.source, record.status, record.score)

Several ways to get results, all giving the same records as the local executors (timings aside):

- :func:`scan_lines` / :func:`scan_records`: stream records in input order to the client (the
  :class:`DaskExecutor` on the run engine, what ``crisis-screen scan --scheduler`` uses); a
  file that keeps killing workers gives a ``WorkerCrashed`` error record, like the local pool.
- :mod:`crisis_screen.runs.dask_collections`: a lazy bag or dataframe of records, and
  partitioned JSONL or Parquet output written by the workers.

Nothing here logs or raises with resume text: only paths, hashes and reasons.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import uuid
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypedDict

from typing_extensions import Unpack

try:
    import fsspec  # noqa: F401  (workers read URLs with it; fail here, clearly, without it)
    from distributed import Client, KilledWorker, LocalCluster, WorkerPlugin
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "crisis_screen.distributed needs Dask distributed and fsspec: "
        "pip install 'crisis_screen[dask]'"
    ) from exc

from crisis_screen import __version__
from crisis_screen.errors import CrisisScreenError
from crisis_screen.models import Versions
from crisis_screen.runs.cache import screener_builds, screener_for
from crisis_screen.runs.engine import ChunkResult, Executor, WorkerLost, run_lines
from crisis_screen.runs.records import ScanLine, ScanRecord
from crisis_screen.runs.screen import screen_sources, to_line
from crisis_screen.runs.sources import Source, expand_sources, is_url
from crisis_screen.screener import ScreenerConfig

if TYPE_CHECKING:
    from distributed import Future, Worker

    from crisis_screen.extract.limits import ExtractionLimits

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "DEFAULT_RETRIES",
    "DaskExecutor",
    "RunSettings",
    "ScreenerPlugin",
    "connect",
    "expand_sources",
    "is_url",
    "scan_lines",
    "scan_records",
    "screen_source",
    "screeners_on",
    "screener_builds",
]

#: Files per task. A task carries ~50-150 ms of work at this size, which keeps the scheduler's
#: per-task overhead (about a millisecond, plus a network round trip) under a few percent.
DEFAULT_CHUNK_SIZE = 256
#: Extra attempts for a task that raised (per-file problems never raise: they are records).
DEFAULT_RETRIES = 2
#: Chunks in flight per worker thread in :func:`scan_lines`: enough that no worker idles while
#: the client collects results, few enough that finished results do not pile up in memory.
_QUEUE_DEPTH = 3


def _worker_version() -> str:
    """The crisis_screen version a worker runs (via ``client.run``)."""
    return __version__


class ScreenerPlugin(WorkerPlugin):  # type: ignore[misc,unused-ignore]
    """Builds the screener on every worker, existing and future, before tasks need it.

    Tasks would build it on first use anyway (per-process cache); the plugin does it up front
    and in parallel, so a bad lexicon fails registration with its real error instead of failing
    every task, and first tasks are not a second slower than the rest (which would mislead
    the scheduler's duration estimates).
    """

    #: Registering an equal plugin again (same name) is a no-op, not a rebuild.
    idempotent = True

    def __init__(self, config: ScreenerConfig) -> None:
        self.config = config

    @property
    def name(self) -> str:
        """Plugin name, one per config."""
        digest = hashlib.sha256(repr(self.config).encode()).hexdigest()[:16]
        return f"crisis-screen-screener-{digest}"

    async def setup(self, worker: Worker) -> None:
        """Build the screener off the event loop (a second of CPU would stall heartbeats)."""
        await asyncio.get_running_loop().run_in_executor(None, screener_for, self.config)


# -- screening on the worker ---------------------------------------------------------------------


def _screen_sources(
    config: ScreenerConfig,
    sources: Sequence[Source],
    limits: ExtractionLimits | None,
    storage_options: dict[str, Any] | None,
) -> list[ScanRecord]:
    """Screen sources in order on this worker; never raises for a bad file."""
    slot = screener_for(config)
    return screen_sources(slot.screener, sources, limits, storage_options, slot.lock)


def screen_source(
    config: ScreenerConfig,
    source: str,
    limits: ExtractionLimits | None = None,
    storage_options: dict[str, Any] | None = None,
) -> ScanRecord:
    """Screen one path or URL with this process's cached screener (never raises for bad files).

    Args:
        config: The screener to use (built once per process).
        source: A local path or any URL fsspec opens.
        limits: Reading limits; the defaults when None.
        storage_options: fsspec options for URLs (credentials are better left to the
            workers' environment: task arguments are visible on the scheduler).

    Returns:
        The record.
    """
    return _screen_sources(config, [source], limits, storage_options)[0]


def _chunk_task(
    sources: list[str],
    config: ScreenerConfig,
    limits: ExtractionLimits | None,
    storage_options: dict[str, Any] | None,
) -> tuple[Versions, list[ScanLine]]:
    """One task of :func:`scan_lines`: records serialised on the worker."""
    records = _screen_sources(config, sources, limits, storage_options)
    return screener_for(config).screener.versions, [to_line(r) for r in records]


def _versions_task(config: ScreenerConfig) -> Versions:
    """The versions a record of ``config`` carries (for crash records)."""
    return screener_for(config).screener.versions


# -- client side ----------------------------------------------------------------------------------


@contextlib.contextmanager
def connect(
    scheduler: str | Client, *, n_workers: int | None = None, timeout: float = 30.0
) -> Iterator[Client]:
    """Connect to a Dask scheduler, or start a local cluster, for the ``with`` block.

    Args:
        scheduler: A ready :class:`distributed.Client` (used as is and left open); a scheduler
            address (``tcp://host:8786``); or ``"local"`` for a :class:`LocalCluster` of
            single-threaded worker processes on this machine.
        n_workers: Worker processes of a ``"local"`` cluster (default: usable CPU cores).
        timeout: Seconds to wait for the scheduler.

    Yields:
        The client; a client or cluster made here is closed on exit.

    Raises:
        CrisisScreenError: The scheduler cannot be reached, or the workers cannot import
            crisis_screen or run another version of it than this process.
    """
    if isinstance(scheduler, Client):
        _check_workers(scheduler)
        yield scheduler
        return
    with contextlib.ExitStack() as stack:
        if scheduler == "local":
            from crisis_screen.runs.local import default_jobs

            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=n_workers or default_jobs(),
                    threads_per_worker=1,
                    processes=True,
                    # Any free port: the scheduler's HTTP server binds one even without the
                    # dashboard, and the default 8787 may belong to another cluster.
                    dashboard_address=":0",
                )
            )
            client = stack.enter_context(Client(cluster, set_as_default=False))
        else:
            try:
                client = stack.enter_context(
                    Client(scheduler, timeout=timeout, set_as_default=False)
                )
            except (OSError, TimeoutError, ValueError) as exc:
                raise CrisisScreenError(
                    f"cannot connect to the Dask scheduler at {scheduler!r}: {exc}"
                ) from None
        _check_workers(client)
        yield client


def _check_workers(client: Client) -> None:
    """Fail early, and clearly, when workers would produce different or no records."""
    try:
        versions: dict[str, str] = client.run(_worker_version)
    except Exception as exc:
        raise CrisisScreenError(
            f"the Dask workers cannot run crisis_screen (install it on every worker): {exc!r}"
        ) from None
    other = {v for v in versions.values() if v != __version__}
    if other:
        raise CrisisScreenError(
            f"the Dask workers run crisis_screen {', '.join(sorted(other))}, this process "
            f"{__version__}: install the same version everywhere"
        )


@contextlib.contextmanager
def screeners_on(client: Client, config: ScreenerConfig) -> Iterator[None]:
    """Register the screener plugin for the duration of a run."""
    plugin = ScreenerPlugin(config)
    try:
        client.register_plugin(plugin, name=plugin.name)
    except CrisisScreenError:
        raise
    except Exception as exc:
        raise CrisisScreenError(
            f"the Dask workers cannot build the screener: {type(exc).__name__}: {exc}"
        ) from None
    try:
        yield
    finally:
        # Unregistered so that workers joining later do not build screeners for finished
        # runs; screeners already built stay in each process's small cache for the next run.
        with contextlib.suppress(Exception):
            client.unregister_worker_plugin(plugin.name)


def _chunks(files: Sequence[str], size: int) -> list[list[str]]:
    return [list(files[i : i + size]) for i in range(0, len(files), size)]


class DaskExecutor(Executor["Future"]):
    """Chunks as Dask tasks on a connected client (the engine keeps a few per thread queued)."""

    queue_depth = _QUEUE_DEPTH

    def __init__(
        self,
        client: Client,
        config: ScreenerConfig,
        *,
        limits: ExtractionLimits | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        retries: int = DEFAULT_RETRIES,
        storage_options: dict[str, Any] | None = None,
    ) -> None:
        self.client = client
        self.config = config
        self.limits = limits
        self.chunk_size = chunk_size
        self.retries = retries
        self.storage_options = storage_options
        self.slots = max(1, int(sum(client.nthreads().values())))
        self._run = uuid.uuid4().hex[:12]
        self._counter = 0

    def submit(self, chunk: list[Source]) -> Future:
        """Submit one chunk as a task with a unique key."""
        self._counter += 1
        return self.client.submit(
            _chunk_task,
            chunk,
            self.config,
            self.limits,
            self.storage_options,
            key=f"crisis-screen-{self._run}-{self._counter}",
            retries=self.retries,
            pure=False,
        )

    def result(self, handle: Future) -> ChunkResult:
        """Wait for a task; a chunk that killed ``allowed-failures`` workers is lost alone."""
        try:
            result: ChunkResult = handle.result()
        except KilledWorker:
            raise WorkerLost(took_all=False) from None
        return result

    def crash_versions(self, versions: Versions | None) -> Versions | None:
        """Ask a worker for the versions when no chunk came back yet."""
        if versions is not None:
            return versions
        # The task can land on a worker that a crashing task is about to kill (a worker's
        # queued tasks die with it): try again on the restarted workers a few times.
        for _ in range(3):
            try:
                found: Versions = self.client.submit(
                    _versions_task, self.config, pure=False
                ).result()
            except KilledWorker:
                continue
            return found
        return None

    def cancel(self, handles: list[Future]) -> None:
        """Free the cluster for other work (``--fail-fast``, Ctrl-C)."""
        with contextlib.suppress(Exception):
            self.client.cancel(handles)


def scan_lines(
    files: Sequence[str],
    scheduler: str | Client,
    *,
    config: ScreenerConfig | None = None,
    limits: ExtractionLimits | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    retries: int = DEFAULT_RETRIES,
    storage_options: dict[str, Any] | None = None,
) -> Iterator[ScanLine]:
    """Screen files on a Dask cluster, yielding serialised records in input order.

    The same records (timings aside) as the local executors for the same files, bad files
    included. At most a few chunks per worker thread are in flight, so neither the client nor
    the workers hold more than that many results.

    A task that raises is retried ``retries`` times. Chunks of a worker that dies are
    rescheduled by the scheduler; a chunk that kills workers repeatedly (the scheduler's
    ``allowed-failures``) is screened again file by file, and a file that still kills its
    worker gets a ``WorkerCrashed`` error record, as with the local process pool.

    Args:
        files: Paths (as the workers see them) or URLs, already walked.
        scheduler: A client, a scheduler address or ``"local"`` (see :func:`connect`).
        config: How to build the screener; the default screener when None.
        limits: Reading limits; the defaults when None.
        chunk_size: Most files per task.
        retries: Extra attempts for a task that raised.
        storage_options: fsspec options for URLs.

    Yields:
        One :class:`~crisis_screen.runs.records.ScanLine` per file, in the order of ``files``.

    Raises:
        ValueError: ``chunk_size`` < 1 or ``retries`` < 0.
        CrisisScreenError: The cluster cannot be reached or cannot build the screener.
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    if retries < 0:
        raise ValueError(f"retries must be at least 0, got {retries}")
    if not files:
        return
    config = config or ScreenerConfig()
    with connect(scheduler) as client, screeners_on(client, config):
        executor = DaskExecutor(
            client,
            config,
            limits=limits,
            chunk_size=chunk_size,
            retries=retries,
            storage_options=storage_options,
        )
        yield from run_lines(files, executor)


class RunSettings(TypedDict, total=False):
    """The keyword options of :func:`scan_lines`, shared by the other Dask entry points.

    Attributes:
        config: How to build the screener; the default screener when None.
        limits: Reading limits; the defaults when None.
        chunk_size: Most files per task.
        retries: Extra attempts for a task that raised.
        storage_options: fsspec options for URLs.
    """

    config: ScreenerConfig | None
    limits: ExtractionLimits | None
    chunk_size: int
    retries: int
    storage_options: dict[str, Any] | None


def scan_records(
    files: Sequence[str], scheduler: str | Client, **settings: Unpack[RunSettings]
) -> Iterator[ScanRecord]:
    """Like :func:`scan_lines`, yielding :class:`~crisis_screen.runs.records.ScanRecord` models.

    Args:
        files: Paths or URLs, already walked (see :func:`expand_sources`).
        scheduler: A client, a scheduler address or ``"local"``.
        **settings: As for :func:`scan_lines` (:class:`RunSettings`).

    Yields:
        One record per file, in input order.
    """
    for line in scan_lines(files, scheduler, **settings):
        yield line.to_record()
