"""Scale-out screening on a Dask distributed cluster (optional extra ``crisis_screen[dask]``).

The client sends file paths or URLs only; every worker reads the bytes itself (plain paths
with the same code as the local batch path, URLs with fsspec: ``file://``, ``s3://``,
``gs://``...), screens them with a :class:`~crisis_screen.screener.Screener` it builds once
per process, and sends back records already serialised::

    from crisis_screen.distributed import connect, scan_records

    with connect("tcp://scheduler:8786") as client:
        for record in scan_records(["s3://bucket/resumes/a.pdf", ...], client):
            print(record.source, record.status, record.score)

Four ways to get results, all giving the same records as :func:`crisis_screen.batch.scan_lines`
(timings aside):

- :func:`scan_lines` / :func:`scan_records`: stream records in input order to the client (what
  ``crisis-screen scan --scheduler`` uses); a lost worker's chunks are recomputed, a file that
  keeps killing workers gives a ``WorkerCrashed`` error record, like the local pool.
- :func:`screen_bag`: a lazy Dask bag of record dicts, in input order.
- :func:`screen_dataframe`: a lazy Dask dataframe, one flat row per record (with the full
  record as JSON in the ``record`` column).
- :func:`write_jsonl` / :func:`write_parquet`: partitioned output written by the workers.

Nothing here logs or raises with resume text: only paths, hashes and reasons.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import importlib.util
import math
import threading
import time
import uuid
from collections import Counter, OrderedDict, deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
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
from crisis_screen.batch import (
    ScanLine,
    ScanRecord,
    crash_line,
    error_record,
    ok_record,
    screen_file_record,
    to_line,
    walk_paths,
)
from crisis_screen.errors import CrisisScreenError, ExtractionError, LimitExceededError
from crisis_screen.models import Versions
from crisis_screen.screener import ScreenerConfig

if TYPE_CHECKING:
    import dask.dataframe as dd
    import pandas as pd
    from distributed import Future, Worker

    from crisis_screen.extract import ExtractionLimits
    from crisis_screen.screener import Screener

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "DEFAULT_RETRIES",
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
#: Screeners kept per worker process (one per ScreenerConfig, least recently used dropped).
_CACHE_SIZE = 2
#: Concurrent reads per worker process for URLs: object stores answer in tens of
#: milliseconds per request, so reads overlap while screening stays on one thread.
_URL_READ_THREADS = 16
_HASH_BLOCK = 1 << 20


# -- per-process screener cache -------------------------------------------------------------------


@dataclass
class _Slot:
    """A screener and the lock that serialises its use (a worker may run several threads)."""

    screener: Screener
    lock: threading.Lock = field(default_factory=threading.Lock)


_CACHE_LOCK = threading.Lock()
_SCREENERS: OrderedDict[ScreenerConfig, _Slot] = OrderedDict()
_BUILDS: Counter[ScreenerConfig] = Counter()
_READ_POOL: ThreadPoolExecutor | None = None


def _slot_for(config: ScreenerConfig) -> _Slot:
    """Return this process's screener for ``config``, building it on first use."""
    with _CACHE_LOCK:
        slot = _SCREENERS.get(config)
        if slot is None:
            # Built under the lock: two threads (the plugin and a task) never build twice.
            slot = _Slot(config.build())
            _BUILDS[config] += 1
            # The screener lives as long as the process: keep the collector from re-scanning
            # its objects on every collection (as the local pool's workers do).
            gc.freeze()
            _SCREENERS[config] = slot
            while len(_SCREENERS) > _CACHE_SIZE:
                _SCREENERS.popitem(last=False)
        else:
            _SCREENERS.move_to_end(config)
        return slot


def screener_builds(config: ScreenerConfig | None = None) -> int:
    """Count the screeners built in this process (for ``config``, or for every config).

    Meant for ``client.run(screener_builds)``: each worker process should build a screener
    once per config, however many tasks it runs.
    """
    with _CACHE_LOCK:
        return _BUILDS[config] if config is not None else sum(_BUILDS.values())


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
        await asyncio.get_running_loop().run_in_executor(None, _slot_for, self.config)


# -- reading and screening on the worker ----------------------------------------------------------


def is_url(source: str) -> bool:
    """Tell whether ``source`` names a protocol (``s3://``, ``file://``...) for fsspec."""
    protocol, _ = fsspec.core.split_protocol(source)
    return protocol is not None


class _ReadFailure(Exception):
    """A read failure, with the hash when the bytes could be hashed."""

    def __init__(self, error: ExtractionError, sha256: str | None) -> None:
        super().__init__(error.reason)
        self.error = error
        self.sha256 = sha256


def _read_url(
    source: str, limits: ExtractionLimits, storage_options: dict[str, Any]
) -> tuple[bytes, str]:
    """Read a URL the way ``batch`` reads a local file: same checks, reasons and hash.

    Raises:
        _ReadFailure: Wrapping an ExtractionError, with the hash when it could be taken.
    """
    try:
        fs, path = fsspec.core.url_to_fs(source, **storage_options)
        info = fs.info(path)
    except FileNotFoundError:
        raise _ReadFailure(ExtractionError(source, "file not found"), None) from None
    except Exception:
        # Backends raise anything from ValueError to botocore errors; none of it is resume text
        # but it can hold credentials or endpoints, so only a fixed reason is kept.
        raise _ReadFailure(ExtractionError(source, "cannot access file"), None) from None
    kind = info.get("type")
    if kind == "directory":
        raise _ReadFailure(ExtractionError(source, "is a directory, not a file"), None)
    if kind != "file":
        raise _ReadFailure(ExtractionError(source, "not a regular file"), None)
    size = info.get("size")
    try:
        if isinstance(size, int) and size > limits.max_file_bytes:
            digest = hashlib.sha256()
            with fs.open(path, "rb") as handle:
                while block := handle.read(_HASH_BLOCK):
                    digest.update(block)
            error = LimitExceededError(
                source, f"file is {size} bytes, more than {limits.max_file_bytes}"
            )
            raise _ReadFailure(error, digest.hexdigest())
        # A ranged read: one byte past the limit, in case the object grew since info().
        data = b"" if size == 0 else fs.cat_file(path, start=0, end=limits.max_file_bytes + 1)
    except _ReadFailure:
        raise
    except FileNotFoundError:
        raise _ReadFailure(ExtractionError(source, "file not found"), None) from None
    except Exception:
        raise _ReadFailure(ExtractionError(source, "cannot read file"), None) from None
    return bytes(data), hashlib.sha256(data).hexdigest()


@dataclass
class _Fetched:
    """The outcome of reading one URL, and how long it took."""

    data: bytes | None
    sha256: str | None
    failure: _ReadFailure | None
    seconds: float


def _fetch(source: str, limits: ExtractionLimits, storage_options: dict[str, Any]) -> _Fetched:
    t0 = time.perf_counter()
    try:
        data, sha = _read_url(source, limits, storage_options)
    except _ReadFailure as failure:
        return _Fetched(None, failure.sha256, failure, time.perf_counter() - t0)
    return _Fetched(data, sha, None, time.perf_counter() - t0)


def _record_from_fetch(
    slot: _Slot, source: str, fetched: _Fetched, limits: ExtractionLimits
) -> ScanRecord:
    """Extract and screen bytes already read: ``batch.screen_file_record`` after its read."""
    from crisis_screen.extract import read_bytes

    screener = slot.screener
    versions = screener.versions
    # Reading happened earlier, concurrently; back-date t0 so read_ms includes it.
    t0 = time.perf_counter() - fetched.seconds
    if fetched.failure is not None:
        return error_record(source, fetched.sha256, fetched.failure.error, t0, None, versions)
    assert fetched.data is not None
    try:
        document = read_bytes(fetched.data, filename=source, limits=limits)
    except Exception as exc:  # read_bytes raises ExtractionError only; be safe anyway
        return error_record(source, fetched.sha256, exc, t0, None, versions)
    t1 = time.perf_counter()
    try:
        with slot.lock:
            result = screener.screen_document(document)
        return ok_record(source, fetched.sha256, document, result, t0, t1)
    except Exception as exc:
        return error_record(source, fetched.sha256, exc, t0, t1, versions)


def _read_pool() -> ThreadPoolExecutor:
    global _READ_POOL
    with _CACHE_LOCK:
        if _READ_POOL is None:
            _READ_POOL = ThreadPoolExecutor(_URL_READ_THREADS, thread_name_prefix="cs-read")
        return _READ_POOL


def _screen_sources(
    config: ScreenerConfig,
    sources: Sequence[str],
    limits: ExtractionLimits | None,
    storage_options: dict[str, Any] | None,
) -> list[ScanRecord]:
    """Screen sources in order on this worker; never raises for a bad file."""
    from crisis_screen.extract import ExtractionLimits

    slot = _slot_for(config)
    limits = limits or ExtractionLimits()
    options = storage_options or {}
    urls = [s for s in sources if is_url(s)]
    # URLs are read concurrently ahead of screening; local paths are read in line, exactly as
    # the local batch path reads them, so both give identical records.
    fetched = dict(
        zip(urls, _read_pool().map(lambda u: _fetch(u, limits, options), urls), strict=True)
    )
    records: list[ScanRecord] = []
    for source in sources:
        if source in fetched:
            records.append(_record_from_fetch(slot, source, fetched[source], limits))
        else:
            with slot.lock:
                records.append(screen_file_record(slot.screener, source, limits))
    return records


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
    return _slot_for(config).screener.versions, [to_line(r) for r in records]


def _versions_task(config: ScreenerConfig) -> Versions:
    """The versions a record of ``config`` carries (for crash records)."""
    return _slot_for(config).screener.versions


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
            from crisis_screen.batch import default_jobs

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
def _screeners_on(client: Client, config: ScreenerConfig) -> Iterator[None]:
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


def _total_threads(client: Client) -> int:
    return max(1, int(sum(client.nthreads().values())))


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

    The drop-in counterpart of :func:`crisis_screen.batch.scan_lines` (what ``crisis-screen
    scan --scheduler`` calls): the same records (timings aside) for the same files, bad files
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
        One :class:`~crisis_screen.batch.ScanLine` per file, in the order of ``files``.

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
    with connect(scheduler) as client, _screeners_on(client, config):
        yield from _run(client, files, config, limits, chunk_size, retries, storage_options)


def _run(
    client: Client,
    files: Sequence[str],
    config: ScreenerConfig,
    limits: ExtractionLimits | None,
    chunk_size: int,
    retries: int,
    storage_options: dict[str, Any] | None,
) -> Iterator[ScanLine]:
    threads = _total_threads(client)
    # Small batches still spread over every worker: at least a few chunks per thread.
    size = max(1, min(chunk_size, math.ceil(len(files) / (threads * 4))))
    todo = deque(_chunks(files, size))
    run = uuid.uuid4().hex[:12]
    counter = 0

    def submit(chunk: list[str]) -> Future:
        nonlocal counter
        counter += 1
        return client.submit(
            _chunk_task,
            chunk,
            config,
            limits,
            storage_options,
            key=f"crisis-screen-{run}-{counter}",
            retries=retries,
            pure=False,
        )

    in_flight: deque[tuple[list[str], Future]] = deque()
    versions: Versions | None = None
    try:
        while todo or in_flight:
            while todo and len(in_flight) < threads * _QUEUE_DEPTH:
                chunk = todo.popleft()
                in_flight.append((chunk, submit(chunk)))
            chunk, future = in_flight.popleft()
            try:
                versions, lines = future.result()
            except KilledWorker:
                # This chunk took down `allowed-failures` workers: find the file(s) doing it.
                for path in chunk:
                    try:
                        versions, lines = submit([path]).result()
                    except KilledWorker:
                        if versions is None:
                            versions = client.submit(_versions_task, config, pure=False).result()
                        lines = [crash_line(path, versions)]
                    yield from lines
                continue
            yield from lines
    finally:
        # Closing early (--fail-fast, Ctrl-C): free the cluster for other work.
        pending = [f for _, f in in_flight]
        if pending:
            with contextlib.suppress(Exception):
                client.cancel(pending)


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
    """Like :func:`scan_lines`, yielding :class:`~crisis_screen.batch.ScanRecord` models.

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


def expand_sources(
    paths: Iterable[str], *, storage_options: dict[str, Any] | None = None
) -> list[str]:
    """List the resume files under local folders and URL prefixes, without reading them.

    Local paths are walked with :func:`crisis_screen.batch.walk_paths` defaults. A URL that
    is a folder or prefix (``s3://bucket/resumes/``) lists the supported files below it, in
    name order, hidden names skipped; a URL with glob characters is expanded; any other URL
    is kept as given (a missing one later gives an error record).

    Args:
        paths: Local paths and URLs.
        storage_options: fsspec options for listing.

    Returns:
        The files, in argument order, each listed once.
    """
    from crisis_screen.extract import is_candidate_file

    options = storage_options or {}
    seen: set[str] = set()
    out: list[str] = []

    def add(items: Iterable[str]) -> None:
        for item in items:
            if item not in seen:
                seen.add(item)
                out.append(item)

    for given in paths:
        if not is_url(given):
            add(walk_paths([given]).files)
            continue
        fs, path = fsspec.core.url_to_fs(given, **options)
        if fsspec.core.has_magic(path):
            found = sorted(p for p in fs.glob(path) if fs.isfile(p))
        elif fs.isdir(path):
            found = sorted(
                p
                for p in fs.find(path)
                if is_candidate_file(p.rsplit("/", 1)[-1])
                and not any(part.startswith(".") for part in p[len(path) :].split("/"))
            )
        else:
            add([given])
            continue
        add(fs.unstrip_protocol(p) for p in found)
    return out


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
    with connect(scheduler) as client, _screeners_on(client, config):
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
    with connect(scheduler) as client, _screeners_on(client, config):
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
