"""Screening one source into one record: ok, error and crash records are built here only.

Every executor (in-process, local process pool, Dask) screens a chunk of sources with
:func:`screen_sources`, so every front end gives the same records for the same inputs.
A bad source gives an ``error`` record, never an exception.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from crisis_screen.errors import ExtractionError, MemoryLimitExceededError, TimeLimitExceededError
from crisis_screen.extract.limits import ExtractionLimits
from crisis_screen.models import Document, Evidence, ScreenResult, Versions
from crisis_screen.runs.records import ScanLine, ScanRecord, Timings, screened_record
from crisis_screen.runs.sources import Fetched, MemorySource, Source, fetch, is_url

if TYPE_CHECKING:
    from crisis_screen.screener import Screener

__all__ = [
    "BATCH_CHARS",
    "Watch",
    "crash_line",
    "crash_record",
    "error_record",
    "ok_record",
    "screen_documents_into_records",
    "screen_fetched",
    "screen_source",
    "screen_sources",
    "stopped_line",
    "to_line",
]

#: Concurrent reads per process for URLs: object stores answer in tens of milliseconds per
#: request, so reads overlap while screening stays on one thread.
URL_READ_THREADS = 16
_READ_POOL: ThreadPoolExecutor | None = None
_READ_POOL_LOCK = threading.Lock()
_MEMORY_REASON = "needs more memory than this process may use"
#: Characters of extracted text a chunk screens together at most: about 200 generated
#: resumes. Screening the small resumes of a chunk as one batch took about 0.7 times the time
#: of one call each (benchmark corpus, chunks of 50); the bound keeps a batch's text and
#: tokens small beside a worker's memory ceiling. A larger text is screened alone.
BATCH_CHARS = 1_000_000


class Watch(Protocol):
    """Told where screening a chunk stands (a worker's watchdog slot reads it)."""

    def begin(self, index: int) -> None:
        """Source ``index`` of the chunk is being read now."""

    def screening(self) -> None:
        """The current source is read; screening it starts now."""

    def batch(self, seconds: float) -> None:
        """The sources read so far are screened together now, for at most ``seconds``."""


_DEFAULT_LIMITS = ExtractionLimits()


def elapsed_ms(seconds: float) -> float:
    """Seconds as milliseconds, rounded to the microsecond."""
    return round(seconds * 1000.0, 3)


def _one_line(text: str) -> str:
    return " ".join(text.split()) or "no reason given"


def evidence_line_starts(text: str, evidence: Sequence[Evidence]) -> tuple[int, ...]:
    """Offsets of each evidence line in ``text``.

    The screener numbers lines as ``str.splitlines`` does; the offsets are computed here
    rather than taken from the segmenter so that the record format does not depend on its
    internals, and each one is checked against the evidence before it is reported.
    """
    if not evidence:
        return ()
    last = max(ev.line_no for ev in evidence)
    line_offsets: list[int] = []
    pos = 0
    for chunk in text.splitlines(keepends=True):
        line_offsets.append(pos)
        if len(line_offsets) >= last:
            break
        pos += len(chunk)
    starts: list[int] = []
    for ev in evidence:
        start = line_offsets[ev.line_no - 1] if ev.line_no <= len(line_offsets) else -1
        if not (0 <= start <= ev.start <= ev.end <= start + len(ev.line)) or (
            text[start : start + len(ev.line)] != ev.line
        ):
            # Never report a wrong offset; -1 tells renderers to locate the text instead.
            start = -1
        starts.append(start)
    return tuple(starts)


def ok_record(
    source: str, sha: str | None, document: Document, result: ScreenResult, t0: float, t1: float
) -> ScanRecord:
    """Build the record of a screened file (``t0`` read started, ``t1`` screening started)."""
    line_starts = evidence_line_starts(document.text, result.evidence)
    t2 = time.perf_counter()
    return screened_record(
        source=source,
        sha256=sha,
        format=document.format,
        result=result,
        line_starts=line_starts,
        ocr=document.ocr,
        ocr_pages=document.ocr_pages,
        read_ms=elapsed_ms(t1 - t0),
        screen_ms=elapsed_ms(t2 - t1),
    )


def error_record(
    source: str,
    sha: str | None,
    exc: BaseException,
    t0: float,
    t1: float | None,
    versions: Versions,
) -> ScanRecord:
    """Build the error record of a file that could not be screened.

    The reason is the exception's one-line reason (never resume text); an unexpected exception
    is reported by its type only; running out of memory is a
    :class:`~crisis_screen.errors.MemoryLimitExceededError`.
    """
    now = time.perf_counter()
    if isinstance(exc, MemoryError):
        exc = MemoryLimitExceededError(source, _MEMORY_REASON)
    if isinstance(exc, ExtractionError):
        reason = _one_line(exc.reason)
    elif isinstance(exc, OSError) and exc.strerror:
        reason = _one_line(exc.strerror)
    else:
        # Messages of unexpected exceptions can quote the text being processed, so only the
        # type and the stage are reported.
        stage = "reading" if t1 is None else "screening"
        reason = f"unexpected {type(exc).__name__} while {stage} the file"
    return ScanRecord(
        source=source,
        sha256=sha,
        status="error",
        error_type=type(exc).__name__,
        error=reason,
        timings=Timings(
            read_ms=elapsed_ms((t1 if t1 is not None else now) - t0),
            screen_ms=elapsed_ms(now - t1) if t1 is not None else 0.0,
        ),
        versions=versions,
    )


def to_line(record: ScanRecord, keep: bool = False) -> ScanLine:
    """Serialise a record into the line the CLI writes (``keep`` also keeps the model)."""
    return ScanLine(
        source=record.source,
        sha256=record.sha256,
        status=record.status,
        score=record.score,
        flagged=bool(record.flagged),
        error=record.error,
        json=record.model_dump_json(),
        record=record if keep else None,
    )


def crash_record(source: str, versions: Versions | None) -> ScanRecord:
    """The record of a file whose screening killed its worker process."""
    return ScanRecord(
        source=source,
        status="error",
        error_type="WorkerCrashed",
        error="the worker process died while reading or screening this file",
        timings=Timings(read_ms=0.0, screen_ms=0.0),
        versions=versions or _UNKNOWN_VERSIONS,
    )


_UNKNOWN_VERSIONS = Versions(library="unknown", lexicon="unknown", scoring="unknown")


def crash_line(source: str, versions: Versions | None) -> ScanLine:
    """The serialised :func:`crash_record`."""
    return to_line(crash_record(source, versions))


def stopped_line(
    source: str,
    versions: Versions | None,
    *,
    read_s: float,
    screen_s: float,
    limit_s: float,
) -> ScanLine:
    """The serialised record of a file stopped by the watchdog for running past its limit.

    Args:
        source: The file.
        versions: Versions of the run's records (unknown when None).
        read_s: Seconds it had spent reading when it was stopped.
        screen_s: Seconds it had spent screening (0 when it was still being read).
        limit_s: The time it was allowed.

    Returns:
        A ``TimeLimitExceededError`` error record, serialised.
    """
    stage = "screening" if screen_s > 0 else "reading"
    took = read_s + screen_s
    reason = f"stopped after {took:.1f} s while {stage} the file (time limit {limit_s:g} s)"
    record = ScanRecord(
        source=source,
        status="error",
        error_type="TimeLimitExceededError",
        error=reason,
        timings=Timings(read_ms=elapsed_ms(read_s), screen_ms=elapsed_ms(screen_s)),
        versions=versions or _UNKNOWN_VERSIONS,
    )
    return to_line(record)


def screen_fetched(
    screener: Screener,
    fetched: Fetched,
    limits: ExtractionLimits | None = None,
    lock: threading.Lock | None = None,
    watch: Watch | None = None,
) -> ScanRecord:
    """Extract and screen a source already read; failures become an ``error`` record.

    Args:
        screener: The screener to use.
        fetched: The source's bytes (or why they could not be read), from :func:`fetch`.
        limits: Extraction limits; the defaults when None.
        lock: Held while screening (a screener is used by one thread at a time).
        watch: Told when screening starts (a worker's watchdog slot).

    Returns:
        The record (never raises for a bad source).
    """
    limits = limits or _DEFAULT_LIMITS
    read = _extract(fetched, limits, screener.versions)
    if isinstance(read, ScanRecord):
        return read
    return _screen_alone(screener, read, limits, lock, watch)


class _Extracted(NamedTuple):
    """A source read and extracted, waiting to be screened."""

    position: int  # in its chunk
    source: str
    sha256: str | None
    document: Document  # the file's bytes are not kept: a chunk may hold many large files
    read_s: float  # reading and extracting took this long


def _extract(
    fetched: Fetched, limits: ExtractionLimits, versions: Versions, position: int = 0
) -> _Extracted | ScanRecord:
    """Extract a source's text: the document to screen, or the source's error record."""
    from crisis_screen.extract import read_bytes

    source, sha = fetched.source, fetched.sha256
    # Reading may have happened earlier (concurrently): back-date t0 so read_ms includes it.
    t0 = time.perf_counter() - fetched.seconds
    if fetched.error is not None or fetched.data is None:
        error = fetched.error or ExtractionError(source, "cannot read file")
        return error_record(source, sha, error, t0, None, versions)
    try:
        document = read_bytes(fetched.data, filename=source, limits=limits)
    except Exception as exc:  # read_bytes promises ExtractionError only; be safe anyway
        return error_record(source, sha, exc, t0, None, versions)
    return _Extracted(position, source, sha, document, time.perf_counter() - t0)


def _allowed(limits: ExtractionLimits, document: Document) -> float:
    """A file's whole time: the limit, and the extra time of each page read by OCR."""
    return limits.time_limit + limits.ocr_page_time * len(document.ocr_pages)


def _remaining(limits: ExtractionLimits, read: _Extracted) -> float:
    """What reading left of a file's time for screening it."""
    return max(0.0, _allowed(limits, read.document) - read.read_s)


def _screen_alone(
    screener: Screener,
    read: _Extracted,
    limits: ExtractionLimits,
    lock: threading.Lock | None,
    watch: Watch | None,
) -> ScanRecord:
    """Screen one extracted source within what reading left of its time."""
    source, sha, versions = read.source, read.sha256, screener.versions
    document = read.document
    if watch is not None:
        watch.screening()
    t1 = time.perf_counter()
    t0 = t1 - read.read_s  # read_ms is the reading alone, however long the file waited
    # Screening gets what reading left of the file's time (and of its OCR pages' extra time);
    # in worker processes the watchdog stops a file at 1.5 times its limit, whatever it does.
    allowed = _allowed(limits, document)
    try:
        with lock or nullcontext():
            result = screener.screen_document(document, time_limit=_remaining(limits, read))
        return ok_record(source, sha, document, result, t0, t1)
    except TimeLimitExceededError:
        # Named by the file's whole limit (reading took the rest), as the watchdog names it.
        stopped = TimeLimitExceededError(source, f"screening ran past the time limit {allowed:g} s")
        return error_record(source, sha, stopped, t0, t1, versions)
    except Exception as exc:
        return error_record(source, sha, exc, t0, t1, versions)


def _screen_together(
    screener: Screener,
    group: list[_Extracted],
    limits: ExtractionLimits,
    lock: threading.Lock | None,
    watch: Watch | None,
    records: list[ScanRecord | None],
) -> None:
    """Screen a chunk's extracted sources as one batch, each alone if the batch fails.

    The batch may take the least time any of its files has left. When it runs past that, or
    raises, nothing says which file did it, so each is screened again alone with its own
    time: only the file at fault gets an error record, and a slow file costs at most one
    extra limit a chunk.
    """
    if len(group) == 1:
        if watch is not None:
            watch.begin(group[0].position)
        records[group[0].position] = _screen_alone(screener, group[0], limits, lock, watch)
        return
    remaining = min(_remaining(limits, r) for r in group)
    if watch is not None:
        watch.batch(remaining)
    t1 = time.perf_counter()
    try:
        with lock or nullcontext():
            results = screener.screen_documents([r.document for r in group], time_limit=remaining)
    except Exception:  # past its time, out of memory, a bug: find the file alone
        for read in group:
            if watch is not None:
                watch.begin(read.position)
            records[read.position] = _screen_alone(screener, read, limits, lock, watch)
        return
    # Each record's screen_ms is its share of the batch; its read_ms its own reading.
    share = (time.perf_counter() - t1) / len(group)
    for read, result in zip(group, results, strict=True):
        start = time.perf_counter() - share
        records[read.position] = ok_record(
            read.source, read.sha256, read.document, result, start - read.read_s, start
        )


def screen_source(
    screener: Screener,
    source: Source,
    limits: ExtractionLimits | None = None,
    storage_options: dict[str, Any] | None = None,
) -> ScanRecord:
    """Read and screen one path, URL or :class:`MemorySource` (never raises for bad input).

    Args:
        screener: The screener to use.
        source: What to screen.
        limits: Reading limits; the defaults when None.
        storage_options: fsspec options for URLs.

    Returns:
        The record.
    """
    limits = limits or _DEFAULT_LIMITS
    return screen_fetched(screener, fetch(source, limits, storage_options), limits)


def _read_pool() -> ThreadPoolExecutor:
    global _READ_POOL
    with _READ_POOL_LOCK:
        if _READ_POOL is None:
            _READ_POOL = ThreadPoolExecutor(URL_READ_THREADS, thread_name_prefix="cs-read")
        return _READ_POOL


def screen_sources(
    screener: Screener,
    sources: Sequence[Source],
    limits: ExtractionLimits | None = None,
    storage_options: dict[str, Any] | None = None,
    lock: threading.Lock | None = None,
    watch: Watch | None = None,
    batch_chars: int = BATCH_CHARS,
) -> list[ScanRecord]:
    """Screen sources in order (one chunk of a run); never raises for a bad source.

    URLs are read concurrently ahead of screening; paths and bytes are read in line. The
    extracted texts are screened together in batches of about ``batch_chars`` characters
    (each stage over all of them, as :meth:`Screener.screen_many` does): for small resumes
    about 0.7 times the time of screening each alone, with the same records.

    Args:
        screener: The screener to use.
        sources: The chunk.
        limits: Reading limits; the defaults when None.
        storage_options: fsspec options for URLs.
        lock: Held while screening each batch.
        watch: Told which source is being read, and when a batch is screened (a worker's
            watchdog slot).
        batch_chars: Characters of text screened together at most (a larger text alone).

    Returns:
        One record per source, in order.
    """
    limits = limits or _DEFAULT_LIMITS
    urls = [s for s in sources if not isinstance(s, MemorySource) and is_url(s)]
    ahead: dict[str, Fetched] = {}
    if urls:
        fetched = _read_pool().map(lambda u: fetch(u, limits, storage_options), urls)
        ahead = dict(zip(urls, fetched, strict=True))
    records: list[ScanRecord | None] = [None] * len(sources)
    batches = _Batches(screener, limits, lock, watch, records, batch_chars)
    for index, source in enumerate(sources):
        if watch is not None:
            watch.begin(index)
        done = ahead.get(source) if ahead and isinstance(source, str) else None
        done = done or fetch(source, limits, storage_options)
        read = _extract(done, limits, screener.versions, index)
        if isinstance(read, ScanRecord):
            records[index] = read
        else:
            batches.add(read)
    batches.flush()
    return [r for r in records if r is not None]


def screen_documents_into_records(
    screener: Screener,
    documents: Sequence[tuple[str, str | None, Document]],
    limits: ExtractionLimits | None = None,
) -> list[ScanRecord]:
    """Screen documents already extracted (texts sent as text) into their records, in order.

    Batched and time-limited as the files of :func:`screen_sources` are.

    Args:
        screener: The screener to use.
        documents: ``(source, sha256, document)`` of each.
        limits: ``time_limit`` applies to each document; the defaults when None.

    Returns:
        One record per document (never raises for a bad one).
    """
    limits = limits or _DEFAULT_LIMITS
    records: list[ScanRecord | None] = [None] * len(documents)
    batches = _Batches(screener, limits, None, None, records, BATCH_CHARS)
    for position, (source, sha, document) in enumerate(documents):
        batches.add(_Extracted(position, source, sha, document, 0.0))
    batches.flush()
    return [r for r in records if r is not None]


class _Batches:
    """Extracted sources gathered into batches of about ``batch_chars`` characters.

    A batch is screened as soon as the next source would overfill it, so a chunk of large
    files never holds more than one batch of text at a time.
    """

    def __init__(
        self,
        screener: Screener,
        limits: ExtractionLimits,
        lock: threading.Lock | None,
        watch: Watch | None,
        records: list[ScanRecord | None],
        batch_chars: int,
    ) -> None:
        self._screener, self._limits, self._lock, self._watch = screener, limits, lock, watch
        self._records = records
        self._batch_chars = batch_chars
        self._group: list[_Extracted] = []
        self._chars = 0

    def add(self, read: _Extracted) -> None:
        """Add a source, screening the batch first when it would overfill."""
        if self._group and self._chars + len(read.document.text) > self._batch_chars:
            self.flush()
        self._group.append(read)
        self._chars += len(read.document.text)

    def flush(self) -> None:
        """Screen the sources gathered so far."""
        if self._group:
            _screen_together(
                self._screener, self._group, self._limits, self._lock, self._watch, self._records
            )
            self._group, self._chars = [], 0
