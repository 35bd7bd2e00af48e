"""Batch screening: walk files and folders, screen them in parallel, record every outcome.

The pieces the ``crisis-screen scan`` command is built from, usable on their own::

    from crisis_screen.batch import screen_paths

    for record in screen_paths(["resumes/"], n_process=4):
        print(record.source, record.status, record.score)

Every input gives exactly one :class:`ScanRecord`, in the order of the walked file list: a file
that cannot be read or screened gives an ``error`` record instead of raising, so one bad file
never stops a batch. Worker processes build their :class:`~crisis_screen.screener.Screener`
once, from the picklable :class:`~crisis_screen.screener.ScreenerConfig`, and return records
already serialised, so the main process only writes lines.

Nothing here logs or raises with resume text (personal data): only paths, hashes and reasons.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import fnmatch
import gc
import hashlib
import json
import math
import multiprocessing
import multiprocessing.connection
import os
import signal
import stat
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, model_validator

from crisis_screen.errors import CrisisScreenError, ExtractionError, LimitExceededError
from crisis_screen.models import Document, DocumentFormat, Evidence, ScreenResult, Summary, Versions
from crisis_screen.workers import mp_context

if TYPE_CHECKING:
    from crisis_screen.extract import ExtractionLimits
    from crisis_screen.screener import Screener, ScreenerConfig

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "ResumePlan",
    "ScanLine",
    "ScanRecord",
    "Timings",
    "WalkResult",
    "atomic_output",
    "default_jobs",
    "plan_resume",
    "rank_key",
    "record_json_schema",
    "scan_lines",
    "screen_paths",
    "sha256_file",
    "walk_paths",
    "write_record_schema",
]

#: Files sent to a worker at once: large enough to amortise inter-process overhead, small
#: enough that an interrupted run loses little work and the progress bar moves smoothly.
DEFAULT_CHUNK_SIZE = 96
#: Chunks queued per worker, so a worker never idles waiting for the main process.
_QUEUE_DEPTH = 2
_HASH_BLOCK = 1 << 20

#: Where the published JSON Schema of a record lives, relative to the repository root.
SCHEMA_PATH = Path("schemas") / "output_record.schema.json"


# -- records ------------------------------------------------------------------------------------


class Timings(BaseModel):
    """Time spent on one file.

    Attributes:
        read_ms: Reading, hashing and extracting the text, in milliseconds.
        screen_ms: Screening the extracted text, in milliseconds.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    read_ms: float = Field(ge=0.0)
    screen_ms: float = Field(ge=0.0)


# Conditional requirements JSON Schema can state but pydantic's generator cannot infer.
_RECORD_SCHEMA_EXTRA: dict[str, Any] = {
    "allOf": [
        {
            "if": {"properties": {"status": {"const": "ok"}}},
            "then": {
                "required": ["score", "flagged", "threshold", "summary"],
                "properties": {
                    "score": {"type": "number"},
                    "flagged": {"type": "boolean"},
                    "threshold": {"type": "number"},
                    "summary": {"type": "object"},
                },
            },
        },
        {
            "if": {"properties": {"status": {"const": "error"}}},
            "then": {
                "required": ["error_type", "error"],
                "properties": {"error_type": {"type": "string"}, "error": {"type": "string"}},
            },
        },
    ]
}


class ScanRecord(BaseModel):
    """The outcome of screening one file: one JSONL line of ``crisis-screen scan``.

    Attributes:
        source: The path as given or as walked.
        sha256: SHA-256 of the file's bytes (hex); None when the file could not be read.
        status: ``ok`` when screened, ``error`` when the file could not be read or screened.
        error_type: Exception class name (error records only).
        error: One-line reason, never resume text (error records only).
        format: The detected document format (ok records only).
        score: Resume-level score 0-100 (ok records only).
        flagged: True when ``score >= threshold`` (ok records only).
        threshold: The threshold used (ok records only).
        evidence: Every hit, counted or not, in document order.
        line_starts: For each evidence item, the offset of its line in the document text, so
            ``evidence.start - line_starts[i]`` locates the match inside ``evidence.line``.
        summary: Aggregates of the result (ok records only).
        timings: Time spent reading and screening.
        versions: Library, lexicon and scoring versions.
    """

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        title="ScanRecord",
        json_schema_extra=_RECORD_SCHEMA_EXTRA,
    )

    source: str
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    status: Literal["ok", "error"]
    error_type: str | None = None
    error: str | None = None
    format: DocumentFormat | None = None
    score: float | None = Field(default=None, ge=0.0, le=100.0)
    flagged: bool | None = None
    threshold: float | None = Field(default=None, ge=0.0, le=100.0)
    evidence: tuple[Evidence, ...] = ()
    line_starts: tuple[int, ...] = ()
    summary: Summary | None = None
    timings: Timings
    versions: Versions

    @model_validator(mode="after")
    def _consistent(self) -> ScanRecord:
        if self.status == "ok":
            if self.score is None or self.flagged is None or self.threshold is None:
                raise ValueError("an ok record needs score, flagged and threshold")
            if self.summary is None:
                raise ValueError("an ok record needs a summary")
            if self.error_type is not None or self.error is not None:
                raise ValueError("an ok record has no error fields")
        else:
            if self.error_type is None or self.error is None:
                raise ValueError("an error record needs error_type and error")
            if self.evidence:
                raise ValueError("an error record has no evidence")
        if self.line_starts and len(self.line_starts) != len(self.evidence):
            raise ValueError("line_starts must have one entry per evidence item")
        return self

    @property
    def ok(self) -> bool:
        """True when the file was screened."""
        return self.status == "ok"


def record_json_schema() -> dict[str, Any]:
    """Return the JSON Schema of one output record (a line of JSONL output)."""
    schema = ScanRecord.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://crisis-screen.invalid/schemas/output_record.schema.json"
    return schema


def write_record_schema(path: str | os.PathLike[str] = SCHEMA_PATH) -> Path:
    """Write :func:`record_json_schema` to ``path`` (the published schema file).

    Args:
        path: Destination; ``schemas/output_record.schema.json`` relative to the working
            directory by default.

    Returns:
        The path written.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(target) as out:
        out.write(json.dumps(record_json_schema(), indent=2, sort_keys=True) + "\n")
    return target


class ScanLine(NamedTuple):
    """A record already serialised, with the few fields the main process needs.

    Workers send these (cheap to pickle) instead of models, so the main process never has to
    serialise records itself.

    Attributes:
        source: The path.
        sha256: SHA-256 of the file, or None.
        status: ``ok`` or ``error``.
        score: The score (ok records), else None.
        flagged: True when flagged.
        error: The one-line reason (error records), else None.
        json: The record as one JSON line (no trailing newline).
        record: The record itself when screened in this process, else None.
    """

    source: str
    sha256: str | None
    status: str
    score: float | None
    flagged: bool
    error: str | None
    json: str
    record: ScanRecord | None = None

    def to_record(self) -> ScanRecord:
        """Return the record, parsing the JSON line when it came from a worker."""
        if self.record is not None:
            return self.record
        return ScanRecord.model_validate_json(self.json)


def rank_key(score: float | None, source: str) -> tuple[float, str]:
    """Sort key of the ranking: highest score first, then path; unscored last."""
    return (-(score if score is not None else -1.0), source)


# -- walking ------------------------------------------------------------------------------------


@dataclass
class WalkResult:
    """Files found by :func:`walk_paths`, and what was left out on purpose.

    Attributes:
        files: The files to screen, in walk order: arguments in order; inside a folder its
            files first, then its subfolders, each in name order.
        skipped: ``(path, reason)`` for symlinks left unfollowed, unreadable folders and
            duplicates.
    """

    files: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def _matches(patterns: Sequence[str], rel: str, name: str) -> bool:
    return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(name, p) for p in patterns)


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def walk_paths(
    paths: Iterable[str | os.PathLike[str]],
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    follow_symlinks: bool = False,
) -> WalkResult:
    """List the resume files under the given files and folders.

    Files named directly are always kept (an unsupported or missing one later gives an
    error record). Inside folders, hidden entries are skipped and a file is kept when its
    suffix is a supported format, or, when ``include`` is given, when it matches one of
    those globs; ``exclude`` globs then remove files and prune folders. Globs are matched
    against the path relative to the folder given (``sub/cv.pdf``) and against the name.
    Symlinks are followed only when they stay inside the folder given, unless
    ``follow_symlinks``. A file reached twice (two arguments, a link) is listed once.

    Args:
        paths: Files and folders.
        include: Globs selecting files inside folders (default: supported suffixes).
        exclude: Globs removing files and folders found inside folders.
        follow_symlinks: Follow symlinks that lead outside the folder given.

    Returns:
        The files, and the entries skipped with a reason.
    """
    from crisis_screen.extract import is_candidate_file

    result = WalkResult()
    seen_files: set[tuple[int, int]] = set()

    def add(path: str, st: os.stat_result | None) -> None:
        if st is not None:
            key = (st.st_dev, st.st_ino)
            if key in seen_files:
                result.skipped.append((path, "same file already listed"))
                return
            seen_files.add(key)
        result.files.append(path)

    for given in paths:
        top = os.fspath(given)
        if not os.path.isdir(top):
            try:
                st: os.stat_result | None = os.stat(top)
            except OSError:
                st = None  # the worker reports why it cannot be read
            add(top, st)
            continue
        root_real = os.path.realpath(top)
        visited_dirs = {root_real}
        stack: list[tuple[str, str]] = [(top, "")]
        while stack:
            folder, rel = stack.pop()
            try:
                with os.scandir(folder) as scan:
                    entries = sorted(scan, key=lambda e: e.name)
            except OSError as exc:
                result.skipped.append((folder, f"cannot list folder ({exc.strerror})"))
                continue
            subdirs: list[tuple[str, str]] = []
            for entry in entries:
                name = entry.name
                entry_rel = rel + name
                if name.startswith("."):
                    continue
                try:
                    if entry.is_symlink():
                        real = os.path.realpath(entry.path)
                        if not follow_symlinks and not _inside(real, root_real):
                            result.skipped.append((entry.path, "symlink leads outside the folder"))
                            continue
                        st = os.stat(entry.path)
                    else:
                        real = ""
                        st = entry.stat(follow_symlinks=False)
                except OSError:
                    result.skipped.append((entry.path, "broken symlink or unreadable entry"))
                    continue
                if stat.S_ISDIR(st.st_mode):
                    if _matches(exclude, entry_rel, name):
                        continue
                    real = real or os.path.realpath(entry.path)
                    if real in visited_dirs:
                        continue  # a link back up the tree: following it would loop
                    visited_dirs.add(real)
                    subdirs.append((entry.path, entry_rel + "/"))
                elif stat.S_ISREG(st.st_mode):
                    wanted = (
                        _matches(include, entry_rel, name) if include else (is_candidate_file(name))
                    )
                    if wanted and not _matches(exclude, entry_rel, name):
                        add(entry.path, st)
                # Sockets, FIFOs and devices are never resumes (and opening a FIFO blocks).
            # Subfolders after the folder's files, in name order: push reversed, pop first.
            stack.extend(reversed(subdirs))
    return result


# -- reading and screening one file -------------------------------------------------------------


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Return the SHA-256 (hex) of a file's bytes, read in blocks.

    Raises:
        OSError: When the file cannot be read.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _read_file(source: str, limits: ExtractionLimits) -> tuple[bytes, str]:
    """Read a file once, returning its bytes and their hash.

    Raises:
        _HashedError: Wrapping an ExtractionError, with the hash when it could be taken.
    """
    try:
        info = os.stat(source)
    except FileNotFoundError:
        raise _HashedError(ExtractionError(source, "file not found"), None) from None
    except (OSError, ValueError):
        raise _HashedError(ExtractionError(source, "cannot access file"), None) from None
    if stat.S_ISDIR(info.st_mode):
        raise _HashedError(ExtractionError(source, "is a directory, not a file"), None)
    if not stat.S_ISREG(info.st_mode):
        raise _HashedError(ExtractionError(source, "not a regular file"), None)
    try:
        if info.st_size > limits.max_file_bytes:
            # Hash without loading it, so --resume recognises the file next time.
            error = LimitExceededError(
                source, f"file is {info.st_size} bytes, more than {limits.max_file_bytes}"
            )
            raise _HashedError(error, sha256_file(source))
        with open(source, "rb") as handle:
            # One byte past the limit: the file may have grown since stat().
            data = handle.read(limits.max_file_bytes + 1)
    except OSError:
        raise _HashedError(ExtractionError(source, "cannot read file"), None) from None
    return data, hashlib.sha256(data).hexdigest()


class _HashedError(Exception):
    def __init__(self, error: ExtractionError, sha256: str | None) -> None:
        super().__init__(error.reason)
        self.error = error
        self.sha256 = sha256


def elapsed_ms(seconds: float) -> float:
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


def screen_file_record(
    screener: Screener, source: str, limits: ExtractionLimits | None = None
) -> ScanRecord:
    """Read, hash and screen one file; failures become an ``error`` record.

    Args:
        screener: The screener to use.
        source: The file path.
        limits: Reading limits; the defaults when None.

    Returns:
        The record (never raises for a bad file).
    """
    from crisis_screen.extract import ExtractionLimits, read_bytes

    limits = limits or ExtractionLimits()
    versions = screener.versions
    t0 = time.perf_counter()
    sha: str | None = None
    try:
        data, sha = _read_file(source, limits)
        document = read_bytes(data, filename=source, limits=limits)
    except _HashedError as wrapped:
        return error_record(source, wrapped.sha256, wrapped.error, t0, None, versions)
    except ExtractionError as exc:
        return error_record(source, sha, exc, t0, None, versions)
    except Exception as exc:  # read_bytes promises ExtractionError only; be safe anyway
        return error_record(source, sha, exc, t0, None, versions)
    t1 = time.perf_counter()
    try:
        result = screener.screen_document(document)
        return ok_record(source, sha, document, result, t0, t1)
    except Exception as exc:
        return error_record(source, sha, exc, t0, t1, versions)


def ok_record(
    source: str, sha: str | None, document: Document, result: ScreenResult, t0: float, t1: float
) -> ScanRecord:
    """Build the record of a screened file (``t0`` read started, ``t1`` screening started).

    Used by the local pool and :mod:`crisis_screen.distributed`.
    """
    line_starts = evidence_line_starts(document.text, result.evidence)
    t2 = time.perf_counter()
    return ScanRecord(
        source=source,
        sha256=sha,
        status="ok",
        format=document.format,
        score=result.score,
        flagged=result.flagged,
        threshold=result.threshold,
        evidence=result.evidence,
        line_starts=line_starts,
        summary=result.summary,
        timings=Timings(read_ms=elapsed_ms(t1 - t0), screen_ms=elapsed_ms(t2 - t1)),
        versions=result.versions,
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
    is reported by its type only. Used by the local pool and :mod:`crisis_screen.distributed`.
    """
    now = time.perf_counter()
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


def crash_line(source: str, versions: Versions | None) -> ScanLine:
    """The record of a file whose screening killed its worker process."""
    record = ScanRecord(
        source=source,
        status="error",
        error_type="WorkerCrashed",
        error="the worker process died while reading or screening this file",
        timings=Timings(read_ms=0.0, screen_ms=0.0),
        versions=versions or Versions(library="unknown", lexicon="unknown", scoring="unknown"),
    )
    return to_line(record, keep=False)


# -- worker processes ---------------------------------------------------------------------------

_WORKER_SCREENER: Screener | None = None
_WORKER_LIMITS: ExtractionLimits | None = None


def _init_worker(config: ScreenerConfig, limits: ExtractionLimits | None) -> None:
    """Build the worker's screener once (process pool initializer)."""
    global _WORKER_SCREENER, _WORKER_LIMITS
    # Ctrl-C goes to the whole process group; only the main process decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _watch_parent()
    _WORKER_SCREENER = _preloaded_screener(config) or config.build()
    _WORKER_LIMITS = limits
    # The screener lives as long as the worker: keep the collector from re-scanning it.
    gc.freeze()
    # Tearing down an interpreter holding spaCy takes a few hundred milliseconds, which the
    # main process waits for at the end of every run; results are already sent, so skip it.
    atexit.register(os._exit, 0)


def _preloaded_screener(config: ScreenerConfig) -> Screener | None:
    """Return the screener the fork server built before forking, if it has this config."""
    preload = sys.modules.get("crisis_screen._preload")
    if preload is None or preload.SCREENER is None:
        return None
    # The threshold only decides `flagged`; any other difference needs a screener of its own.
    if dataclasses.replace(config, threshold=preload.CONFIG.threshold) != preload.CONFIG:
        return None
    screener: Screener = preload.SCREENER
    screener.threshold = config.threshold  # this worker's own forked copy
    return screener


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


def _run_chunk(paths: list[str]) -> tuple[Versions, list[ScanLine]]:
    screener = _WORKER_SCREENER
    if screener is None:  # pragma: no cover - the initializer always ran first
        raise RuntimeError("worker used before its initializer ran")
    lines = [to_line(screen_file_record(screener, p, _WORKER_LIMITS), keep=False) for p in paths]
    return screener.versions, lines


def default_jobs() -> int:
    """Number of CPU cores this process may use (the affinity mask where there is one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _chunk_size_for(n_files: int, n_process: int, chunk_size: int) -> int:
    # Small batches still spread over every worker: at least a few chunks per worker.
    return max(1, min(chunk_size, math.ceil(n_files / (n_process * 4))))


class _Pool:
    """A process pool that can be rebuilt after a worker dies."""

    def __init__(
        self, workers: int, config: ScreenerConfig, limits: ExtractionLimits | None
    ) -> None:
        self.workers = workers
        self.config = config
        self.limits = limits
        self.executor = self._new()

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=mp_context(),
            initializer=_init_worker,
            initargs=(self.config, self.limits),
        )

    def submit(self, paths: list[str]) -> Future[tuple[Versions, list[ScanLine]]]:
        return self.executor.submit(_run_chunk, paths)

    def rebuild(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
        self.executor = self._new()

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


def _pool_lines(
    files: Sequence[str],
    config: ScreenerConfig,
    n_process: int,
    chunk_size: int,
    limits: ExtractionLimits | None,
) -> Iterator[ScanLine]:
    size = _chunk_size_for(len(files), n_process, chunk_size)
    todo: deque[list[str]] = deque(list(files[i : i + size]) for i in range(0, len(files), size))
    workers = min(n_process, len(todo))
    pool = _Pool(workers, config, limits)
    versions: Versions | None = None
    in_flight: deque[tuple[list[str], Future[tuple[Versions, list[ScanLine]]]]] = deque()
    try:
        while todo or in_flight:
            while todo and len(in_flight) < workers * _QUEUE_DEPTH:
                chunk = todo.popleft()
                in_flight.append((chunk, pool.submit(chunk)))
            chunk, future = in_flight.popleft()
            try:
                versions, lines = future.result()
            except BrokenProcessPool:
                lost = [chunk] + [c for c, _ in in_flight]
                in_flight.clear()
                if versions is None:
                    # Nothing came back yet: tell a screener that cannot be built (every
                    # worker dies at start) from one file that crashed its worker.
                    if _startup_failed(pool):
                        raise CrisisScreenError(
                            "screening workers could not start (check the lexicon and model)"
                        ) from None
                else:
                    pool.rebuild()
                yield from _isolate(pool, [p for c in lost for p in c], versions)
                continue
            yield from lines
    finally:
        pool.close()


def _startup_failed(pool: _Pool) -> bool:
    """Tell whether the screener cannot be built at all (rather than one file crashing)."""
    pool.rebuild()
    probe = pool.executor.submit(os.getpid)
    try:
        probe.result()
    except BrokenProcessPool:
        return True
    return False


def _isolate(pool: _Pool, paths: list[str], versions: Versions | None) -> Iterator[ScanLine]:
    """Screen files one at a time after a worker died, to find the file that killed it."""
    for path in paths:
        try:
            versions, lines = pool.submit([path]).result()
        except BrokenProcessPool:
            pool.rebuild()
            yield crash_line(path, versions)
            continue
        yield from lines


def scan_lines(
    files: Sequence[str],
    *,
    config: ScreenerConfig | None = None,
    screener: Screener | None = None,
    n_process: int = 1,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    limits: ExtractionLimits | None = None,
) -> Iterator[ScanLine]:
    """Screen files, yielding serialised records in input order (the CLI's engine).

    Args:
        files: File paths (already walked).
        config: How to build the screener; the default screener when None (and no
            ``screener``).
        screener: A ready screener, used when ``n_process == 1``; its config is used for
            workers otherwise.
        n_process: Worker processes; 1 screens in this process without a pool.
        chunk_size: Most files sent to a worker at once.
        limits: Reading limits; the defaults when None.

    Yields:
        One :class:`ScanLine` per file, in the order of ``files``.

    Raises:
        ValueError: ``n_process`` < 1, or a pool is needed but ``screener`` has no config.
        CrisisScreenError: The workers cannot build their screener.
    """
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
    if n_process == 1 or len(files) <= 1:
        if screener is None:
            from crisis_screen.screener import ScreenerConfig

            screener = (config or ScreenerConfig()).build()
        for path in files:
            yield to_line(screen_file_record(screener, path, limits), keep=True)
        return
    from crisis_screen.screener import ScreenerConfig

    yield from _pool_lines(files, config or ScreenerConfig(), n_process, chunk_size, limits)


def screen_paths(
    paths: Iterable[str | os.PathLike[str]],
    config: ScreenerConfig | None = None,
    n_process: int = 1,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    *,
    screener: Screener | None = None,
    limits: ExtractionLimits | None = None,
) -> Iterator[ScanRecord]:
    """Screen files and folders (walked with :func:`walk_paths` defaults).

    Args:
        paths: Files and folders.
        config: How to build the screener (workers rebuild it from this).
        n_process: Worker processes; 1 screens in this process.
        chunk_size: Most files sent to a worker at once.
        screener: A ready screener for ``n_process == 1`` (and whose config workers use).
        limits: Reading limits.

    Yields:
        One record per file, in walk order; unreadable files give ``error`` records.
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


# -- output files -------------------------------------------------------------------------------


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str], *, newline: str | None = None) -> Iterator[IO[str]]:
    """Write a text file all at once: a temp file in the same folder, renamed on success.

    Readers never see a half-written file; on an exception the temp file is removed and the
    previous file (if any) is left as it was.

    Args:
        path: The destination.
        newline: Passed to :func:`open` (``""`` for CSV).

    Yields:
        The open temp file.
    """
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp creates 0600; give the file the permissions a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# -- resuming -----------------------------------------------------------------------------------


@dataclass
class ResumePlan:
    """What an interrupted JSONL run already holds, and what is left to screen.

    Attributes:
        todo: Files still to screen, in walk order.
        done: Files skipped because a record with the same path and SHA-256 exists.
        prior: The kept record summaries of skipped inputs: ``(status, flagged)``.
        repaired: True when the output was rewritten (truncated or stale lines dropped).
    """

    todo: list[str]
    done: list[str]
    prior: dict[str, tuple[str, bool]]
    repaired: bool


def _parse_prior(raw: bytes) -> tuple[list[tuple[bytes, dict[str, Any]]], bool]:
    """Split an output file into its valid records; report whether anything was dropped."""
    body, sep, tail = raw.rpartition(b"\n")
    complete = body + sep
    dropped = bool(tail)  # no trailing newline: the last line was cut off mid-write
    records: list[tuple[bytes, dict[str, Any]]] = []
    for line in complete.splitlines():
        if not line.strip():
            dropped = True
            continue
        try:
            value = json.loads(line)
        except ValueError:
            dropped = True
            continue
        if not isinstance(value, dict) or not isinstance(value.get("source"), str):
            dropped = True
            continue
        records.append((line, value))
    return records, dropped


def plan_resume(output: str | os.PathLike[str], files: Sequence[str]) -> ResumePlan:
    """Prepare an interrupted JSONL output for appending, and decide what is left to do.

    A file is skipped when the output holds a record with the same path and SHA-256. The
    output is repaired in place first: a last line cut off by a kill is discarded, and
    records of inputs that changed (or could not be hashed) are dropped, because they are
    screened again and every input must appear exactly once.

    Args:
        output: The JSONL output of the interrupted run (missing means nothing done yet).
        files: This run's inputs, in walk order.

    Returns:
        The plan.
    """
    target = Path(output)
    try:
        raw = target.read_bytes()
    except FileNotFoundError:
        return ResumePlan(todo=list(files), done=[], prior={}, repaired=False)
    records, dropped = _parse_prior(raw)
    latest: dict[str, dict[str, Any]] = {}
    for _, value in records:
        latest[value["source"]] = value
    inputs = set(files)
    todo: list[str] = []
    done: list[str] = []
    prior: dict[str, tuple[str, bool]] = {}
    for path in files:
        found = latest.get(path)
        sha = found.get("sha256") if found is not None else None
        current: str | None = None
        if isinstance(sha, str):
            with contextlib.suppress(OSError):
                current = sha256_file(path)
        if found is not None and current is not None and current == sha:
            done.append(path)
            prior[path] = (str(found.get("status")), bool(found.get("flagged")))
        else:
            todo.append(path)
    redo = inputs.difference(done)
    keep: list[bytes] = []
    kept_sources: set[str] = set()
    # Walk backwards so the latest record of a source is the one kept.
    for line, value in reversed(records):
        source = value["source"]
        if source in redo or source in kept_sources:
            dropped = True
            continue
        kept_sources.add(source)
        keep.append(line)
    keep.reverse()
    if dropped:
        with atomic_output(target) as out:
            for line in keep:
                out.write(line.decode("utf-8") + "\n")
    return ResumePlan(todo=todo, done=done, prior=prior, repaired=dropped)
