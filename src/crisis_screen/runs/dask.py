"""Dask executor: screen on a Dask distributed cluster (optional extra ``crisis_screen[dask]``).

The client sends file paths or URLs only; every worker reads the bytes itself with the run's
one reader (:func:`crisis_screen.runs.sources.fetch`: plain paths as the local executors read
them, URLs with fsspec), screens them with the screener it builds once per process
(:mod:`crisis_screen.runs.cache`), and sends back records already serialised::

    from crisis_screen.runs.dask import connect, scan_records

    with connect("tcp://scheduler:8786") as client:
        for record in scan_records(["s3://bucket/resumes/a.pdf", ...], client):
            print(record.source, record.status, record.score)

Four ways to get results, all giving the same records as the local executors (timings aside):

- :func:`scan_lines` / :func:`scan_records`: stream records in input order to the client (the
  :class:`DaskExecutor` on the run engine, what ``crisis-screen scan --scheduler`` uses); a
  file that keeps killing workers gives a ``WorkerCrashed`` error record, like the local pool.
- :func:`screen_bag`: a lazy Dask bag of record dicts, in input order.
- :func:`screen_dataframe`: a lazy Dask dataframe, one flat row per record (with the full
  record as JSON in the ``record`` column).
- :func:`write_jsonl` / :func:`write_parquet`: partitioned output written by the workers.

Nothing here logs or raises with resume text: only paths, hashes and reasons.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import importlib.util
import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

try:
    import dask.bag as db
    import fsspec
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
    import dask.dataframe as dd
    import pandas as pd
    from distributed import Future, Worker

    from crisis_screen.extract.limits import ExtractionLimits

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "DEFAULT_RETRIES",
    "DaskExecutor",
    "FRAME_COLUMNS",
    "ScreenerPlugin",
    "connect",
    "expand_sources",
    "is_url",
    "scan_lines",
    "scan_records",
    "screen_bag",
    "screen_dataframe",
    "screen_source",
    "screeners_on",
    "screener_builds",
    "write_jsonl",
    "write_parquet",
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


def _dicts_task(
    sources: Iterable[str],
    config: ScreenerConfig,
    limits: ExtractionLimits | None,
    storage_options: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    records = _screen_sources(config, list(sources), limits, storage_options)
    return [r.model_dump(mode="json") for r in records]


def _json_task(
    sources: Iterable[str],
    config: ScreenerConfig,
    limits: ExtractionLimits | None,
    storage_options: dict[str, Any] | None,
) -> list[str]:
    records = _screen_sources(config, list(sources), limits, storage_options)
    return [r.model_dump_json() for r in records]


# -- the dataframe shape --------------------------------------------------------------------------

#: Columns of :func:`screen_dataframe` and their pandas dtypes. Nullable dtypes throughout, so
#: every partition has the same schema whatever it holds (an all-ok partition still has a
#: string ``error`` column), which Parquet needs.
FRAME_COLUMNS: dict[str, str] = {
    "source": "string",
    "sha256": "string",
    "status": "string",
    "error_type": "string",
    "error": "string",
    "format": "string",
    "score": "Float64",
    "flagged": "boolean",
    "threshold": "Float64",
    "evidence_count": "Int64",
    "counted_lines": "Int64",
    "concepts": "string",
    "read_ms": "Float64",
    "screen_ms": "Float64",
    "library_version": "string",
    "lexicon_version": "string",
    "scoring_version": "string",
    "record": "string",
}


def _row(record: ScanRecord) -> dict[str, Any]:
    summary = record.summary
    return {
        "source": record.source,
        "sha256": record.sha256,
        "status": record.status,
        "error_type": record.error_type,
        "error": record.error,
        "format": str(record.format) if record.format is not None else None,
        "score": record.score,
        "flagged": record.flagged,
        "threshold": record.threshold,
        "evidence_count": len(record.evidence),
        "counted_lines": summary.counted_lines if summary is not None else None,
        "concepts": " ".join(summary.concepts) if summary is not None else None,
        "read_ms": record.timings.read_ms,
        "screen_ms": record.timings.screen_ms,
        "library_version": record.versions.library,
        "lexicon_version": record.versions.lexicon,
        "scoring_version": record.versions.scoring,
        "record": record.model_dump_json(),
    }


def _frame(records: Sequence[ScanRecord]) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame([_row(r) for r in records], columns=list(FRAME_COLUMNS))
    return frame.astype(FRAME_COLUMNS)


def _frame_task(
    sources: list[str],
    config: ScreenerConfig,
    limits: ExtractionLimits | None,
    storage_options: dict[str, Any] | None,
) -> pd.DataFrame:
    return _frame(_screen_sources(config, sources, limits, storage_options))


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
        found: Versions = self.client.submit(_versions_task, self.config, pure=False).result()
        return found

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


def scan_records(
    files: Sequence[str],
    scheduler: str | Client,
    *,
    config: ScreenerConfig | None = None,
    limits: ExtractionLimits | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    retries: int = DEFAULT_RETRIES,
    storage_options: dict[str, Any] | None = None,
) -> Iterator[ScanRecord]:
    """Like :func:`scan_lines`, yielding :class:`~crisis_screen.runs.records.ScanRecord` models.

    Args:
        files: Paths or URLs, already walked (see :func:`expand_sources`).
        scheduler: A client, a scheduler address or ``"local"``.
        config: How to build the screener.
        limits: Reading limits.
        chunk_size: Most files per task.
        retries: Extra attempts for a task that raised.
        storage_options: fsspec options for URLs.

    Yields:
        One record per file, in input order.
    """
    for line in scan_lines(
        files,
        scheduler,
        config=config,
        limits=limits,
        chunk_size=chunk_size,
        retries=retries,
        storage_options=storage_options,
    ):
        yield line.to_record()


def _warm(client: Client | None, config: ScreenerConfig) -> None:
    if client is not None:
        plugin = ScreenerPlugin(config)
        client.register_plugin(plugin, name=plugin.name)


def screen_bag(
    sources: Sequence[str],
    *,
    config: ScreenerConfig | None = None,
    limits: ExtractionLimits | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    storage_options: dict[str, Any] | None = None,
    client: Client | None = None,
) -> db.Bag:
    """A lazy Dask bag of record dicts (``ScanRecord.model_dump(mode="json")``), in input order.

    Computing it screens on whatever scheduler computes it; each worker process builds the
    screener on first use and keeps it. With ``client``, the screener plugin is registered
    first so every worker builds it up front (and keeps doing so for workers that join later).

    Args:
        sources: Paths or URLs.
        config: How to build the screener.
        limits: Reading limits.
        chunk_size: Files per partition.
        storage_options: fsspec options for URLs.
        client: Build the screener on this cluster's workers now.

    Returns:
        The bag, one partition per chunk.
    """
    config = config or ScreenerConfig()
    _warm(client, config)
    return _source_bag(sources, chunk_size).map_partitions(
        _dicts_task, config, limits, storage_options
    )


def _source_bag(sources: Sequence[str], chunk_size: int) -> db.Bag:
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    if not sources:
        raise ValueError("no sources to screen")
    return db.from_sequence(list(sources), partition_size=chunk_size)


def screen_dataframe(
    sources: Sequence[str],
    *,
    config: ScreenerConfig | None = None,
    limits: ExtractionLimits | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    storage_options: dict[str, Any] | None = None,
    client: Client | None = None,
) -> dd.DataFrame:
    """A lazy Dask dataframe, one row per source in input order (columns: FRAME_COLUMNS).

    Needs ``dask[dataframe]`` (pandas). The nested parts of a record (evidence, summary) are
    in the ``record`` column as the JSON line; the other columns are flat and typed.

    Args:
        sources: Paths or URLs.
        config: How to build the screener.
        limits: Reading limits.
        chunk_size: Rows per partition.
        storage_options: fsspec options for URLs.
        client: Build the screener on this cluster's workers now.

    Returns:
        The dataframe.
    """
    import dask.dataframe as dd

    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    if not sources:
        raise ValueError("no sources to screen")
    config = config or ScreenerConfig()
    _warm(client, config)
    frame: dd.DataFrame = dd.from_map(
        _frame_task,
        _chunks(sources, chunk_size),
        args=(config, limits, storage_options),
        meta=_frame([]),
        label="crisis-screen",
        enforce_metadata=False,
    )
    return frame


def _part_name(index: int) -> str:
    # Zero-padded, so the names sort in input order.
    return f"{index:05d}"


def write_jsonl(
    sources: Sequence[str],
    output: str,
    scheduler: str | Client,
    *,
    config: ScreenerConfig | None = None,
    limits: ExtractionLimits | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    retries: int = DEFAULT_RETRIES,
    storage_options: dict[str, Any] | None = None,
    output_options: dict[str, Any] | None = None,
) -> list[str]:
    """Screen on the cluster; the workers write ``output/part-NNNNN.jsonl`` themselves.

    Each part holds one chunk's records as ``crisis-screen scan`` JSONL lines, in input order
    (concatenating the parts in name order gives the local output, timings aside). Nothing
    passes through the client. ``output`` may be any fsspec URL the workers can write to.

    Args:
        sources: Paths or URLs.
        output: A folder (created if needed) or URL prefix.
        scheduler: A client, a scheduler address or ``"local"``.
        config: How to build the screener.
        limits: Reading limits.
        chunk_size: Records per part file.
        retries: Extra attempts for a task that raised.
        storage_options: fsspec options for reading URLs.
        output_options: fsspec options for writing ``output``.

    Returns:
        The part files written, in order.
    """
    config = config or ScreenerConfig()
    bag = _source_bag(sources, chunk_size).map_partitions(
        _json_task, config, limits, storage_options
    )
    target = output.rstrip("/") + "/part-*.jsonl"
    fs, root = fsspec.core.url_to_fs(output, **(output_options or {}))
    fs.makedirs(root, exist_ok=True)
    with connect(scheduler) as client, screeners_on(client, config):
        writes = bag.to_textfiles(
            target,
            name_function=_part_name,
            compute=False,
            last_endline=True,
            storage_options=output_options,
        )
        client.compute(writes, retries=retries, sync=True)
    return [f"{output.rstrip('/')}/part-{_part_name(i)}.jsonl" for i in range(bag.npartitions)]


def write_parquet(
    sources: Sequence[str],
    output: str,
    scheduler: str | Client,
    *,
    config: ScreenerConfig | None = None,
    limits: ExtractionLimits | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    retries: int = DEFAULT_RETRIES,
    storage_options: dict[str, Any] | None = None,
    output_options: dict[str, Any] | None = None,
) -> str:
    """Screen on the cluster; the workers write a Parquet dataset (needs pyarrow).

    The rows are those of :func:`screen_dataframe`, one file per chunk, in input order.

    Args:
        sources: Paths or URLs.
        output: A folder or URL prefix for the dataset.
        scheduler: A client, a scheduler address or ``"local"``.
        config: How to build the screener.
        limits: Reading limits.
        chunk_size: Rows per part file.
        retries: Extra attempts for a task that raised.
        storage_options: fsspec options for reading URLs.
        output_options: fsspec options for writing ``output``.

    Returns:
        ``output``.

    Raises:
        CrisisScreenError: pyarrow is not installed.
    """
    if importlib.util.find_spec("pyarrow") is None:
        raise CrisisScreenError("Parquet output needs pyarrow: pip install pyarrow")
    config = config or ScreenerConfig()
    frame = screen_dataframe(
        sources,
        config=config,
        limits=limits,
        chunk_size=chunk_size,
        storage_options=storage_options,
    )
    with connect(scheduler) as client, screeners_on(client, config):
        write = frame.to_parquet(
            output,
            engine="pyarrow",
            write_index=False,
            compute=False,
            storage_options=output_options,
            name_function=lambda i: f"part-{_part_name(i)}.parquet",
        )
        client.compute(write, retries=retries, sync=True)
    return output
