"""One screening worker of the HTTP service: the process, and the connection the server holds.

A worker is a process forked from the run engine's fork server (which has already built the
default screener, :mod:`crisis_screen.runs.workers`), initialised like a worker of
``crisis-screen scan --jobs N``, screening with this process's screener from
:func:`~crisis_screen.runs.cache.screener_for` and building its records with the engine's own
functions (:func:`~crisis_screen.runs.screen.screen_fetched`, ``error_record``,
``to_line``), so a response is the JSONL line ``scan`` writes for the same file.

The server talks to it over a socket pair with length-prefixed pickles, read and written by the
event loop itself. A ``ProcessPoolExecutor`` would add two helper threads to the server (a
queue feeder and a result reader) that contend for the interpreter lock with the event loop on
every request: measured on loopback, about 0.33 ms of server CPU per round trip against
0.15 ms here, which is most of what a request may cost if the service is to keep up with
in-process screening.
"""

from __future__ import annotations

import asyncio
import atexit
import hashlib
import os
import pickle
import signal
import socket
import struct
import time
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from crisis_screen.errors import CrisisScreenError, LimitExceededError
from crisis_screen.models import Document, Versions
from crisis_screen.runs.cache import screener_for
from crisis_screen.runs.engine import ChunkResult, WorkerLost
from crisis_screen.runs.screen import (
    error_record,
    screen_documents_into_records,
    screen_fetched,
    to_line,
)
from crisis_screen.runs.sources import MemorySource, fetch
from crisis_screen.runs.workers import mp_context

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

    from crisis_screen.extract.limits import ExtractionLimits
    from crisis_screen.runs.records import ScanRecord
    from crisis_screen.screener import Screener, ScreenerConfig

__all__ = ["Worker", "WorkItem", "screen_item", "screen_items", "screen_texts", "spawn_worker"]

_HEADER = struct.Struct("!Q")


class WorkItem(NamedTuple):
    """One resume to screen in a worker (cheap to pickle).

    Attributes:
        label: The ``source`` its record carries.
        text: Plain text, screened as :meth:`Screener.screen_text` screens it; or None.
        data: A file's bytes, read like any file of ``scan`` (format detected by content).
        filename: The file's name, a hint for text-like formats (``cv.md``); None for text.
    """

    label: str
    text: str | None = None
    data: bytes | None = None
    filename: str | None = None


def screen_item(screener: Screener, item: WorkItem, limits: ExtractionLimits) -> ScanRecord:
    """Screen one item into its record (never raises for bad input).

    A file goes through the reader and record builder of ``scan`` (named by its filename so
    that the suffix can break format ties, then labelled with the item's source); text is
    screened as it is, like :meth:`~crisis_screen.screener.Screener.screen_text`.
    """
    if item.text is None:
        source = MemorySource(item.filename or item.label, item.data or b"")
        record = screen_fetched(screener, fetch(source, limits), limits)
        if record.source == item.label:
            return record
        return record.model_copy(update={"source": item.label})
    t0 = time.perf_counter()
    sha = hashlib.sha256(item.text.encode("utf-8")).hexdigest()
    if len(item.text) > limits.max_chars:
        reason = f"text is more than {limits.max_chars} characters"
        error = LimitExceededError(item.label, reason)
        return error_record(item.label, sha, error, t0, None, screener.versions)
    document = Document(text=item.text, source=item.label)
    return screen_documents_into_records(screener, [(item.label, sha, document)], limits)[0]


def screen_texts(
    screener: Screener, items: Sequence[WorkItem], limits: ExtractionLimits
) -> list[ScanRecord]:
    """Screen text items together, batched like the files of a chunk; one record per item.

    Under load a chunk holds several requests' texts: screening them in one batch keeps each
    stage's code and tables hot across the resumes and cost about 12% less per resume than one
    call each (measured with chunks of 2 to 4). Each text has the per-file time limit; a batch
    that fails or runs past it is screened again text by text, so only the text at fault gets
    an error record (:func:`~crisis_screen.runs.screen.screen_documents_into_records`).
    """
    records: list[ScanRecord | None] = [None] * len(items)
    texts: list[int] = []
    documents: list[tuple[str, str | None, Document]] = []
    for i, item in enumerate(items):
        if item.text is None or len(item.text) > limits.max_chars:
            records[i] = screen_item(screener, item, limits)  # a file, or a limit error
        else:
            sha = hashlib.sha256(item.text.encode("utf-8")).hexdigest()
            texts.append(i)
            documents.append((item.label, sha, Document(text=item.text, source=item.label)))
    screened = screen_documents_into_records(screener, documents, limits)
    for i, record in zip(texts, screened, strict=True):
        records[i] = record
    return [r for r in records if r is not None]


def screen_items(
    config: ScreenerConfig, limits: ExtractionLimits, items: list[WorkItem]
) -> ChunkResult:
    """Screen a chunk of items: the versions and the serialised records, in order."""
    screener = screener_for(config).screener
    return screener.versions, [to_line(r) for r in screen_texts(screener, items, limits)]


# -- the worker process -----------------------------------------------------------------------


def _recv_exactly(sock: socket.socket, n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(min(n - len(buf), 1 << 20))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def _send(sock: socket.socket, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(_HEADER.pack(len(data)) + data)


def worker_main(sock: socket.socket, config: ScreenerConfig, limits: ExtractionLimits) -> None:
    """Run one worker: build the screener, say ready, then screen chunks until EOF.

    Initialised like the workers of ``scan`` (Ctrl-C ignored, exit when the server dies); it
    also ignores SIGTERM: ``systemctl stop`` and ``kill -- -PGID`` signal the whole process
    group, and the server drains its requests before it shuts the workers down itself.
    """
    from crisis_screen.runs.workers import DEFAULT_WORKER_MEMORY, _limit_memory, _watch_parent

    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # Ctrl-C goes to the whole process group; only the server decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _watch_parent()
    # Tearing down an interpreter holding spaCy takes a few hundred milliseconds; the results
    # are sent by then, so skip it.
    atexit.register(os._exit, 0)
    try:
        versions = screener_for(config).screener.versions
    except CrisisScreenError as exc:
        _send(sock, ("failed", str(exc)))
        return
    # The memory ceiling of scan's workers (Linux): a resume needing more becomes a
    # MemoryLimitExceededError record instead of a server that runs the machine out of memory.
    _limit_memory(DEFAULT_WORKER_MEMORY)
    _send(sock, ("ready", os.getpid(), versions))
    while (head := _recv_exactly(sock, _HEADER.size)) is not None:
        frame = _recv_exactly(sock, _HEADER.unpack(head)[0])
        if frame is None:
            return
        _send(sock, screen_items(config, limits, pickle.loads(frame)))


# -- the server's side ------------------------------------------------------------------------


class Worker:
    """The server's connection to one worker process.

    Chunks are written in order and their results come back in order, so a FIFO of futures
    pairs them; several chunks may be in flight (the next one waits in the socket while the
    worker screens). When the worker dies every chunk in flight fails with
    :class:`~crisis_screen.runs.engine.WorkerLost`.

    Attributes:
        process: The worker process.
        pid: Its process id.
        versions: What it screens with.
        alive: False once its connection closed.
    """

    def __init__(
        self,
        process: BaseProcess,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        versions: Versions,
    ) -> None:
        self.process = process
        self.pid = process.pid
        self.versions = versions
        self.alive = True
        self.idle = asyncio.Event()
        self.idle.set()
        self._reader = reader
        self._writer = writer
        self._pending: deque[asyncio.Future[ChunkResult]] = deque()
        self._reading = asyncio.create_task(self._read_results())

    async def run(self, items: list[WorkItem]) -> ChunkResult:
        """Screen a chunk on this worker.

        Raises:
            WorkerLost: The worker died before answering.
        """
        if not self.alive:
            raise WorkerLost(took_all=False)
        data = pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL)
        future: asyncio.Future[ChunkResult] = asyncio.get_running_loop().create_future()
        self._pending.append(future)
        self.idle.clear()
        try:
            self._writer.write(_HEADER.pack(len(data)) + data)
            await self._writer.drain()  # a large chunk waits for the worker to read it
        except (ConnectionError, OSError):
            pass  # the reader sees the connection close and fails the future
        return await future

    async def _read_results(self) -> None:
        try:
            while True:
                head = await self._reader.readexactly(_HEADER.size)
                frame = await self._reader.readexactly(_HEADER.unpack(head)[0])
                future = self._pending.popleft()
                if not future.done():  # a request given up on still has its result read
                    future.set_result(pickle.loads(frame))
                if not self._pending:
                    self.idle.set()
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        finally:
            self.alive = False
            while self._pending:
                future = self._pending.popleft()
                if not future.done():
                    future.set_exception(WorkerLost(took_all=False))
            self.idle.set()

    async def close(self, timeout: float = 10.0) -> None:
        """Close the connection (the worker exits at EOF) and wait for the process."""
        self._writer.close()
        self._reading.cancel()
        await asyncio.gather(self._reading, return_exceptions=True)
        await asyncio.to_thread(self.process.join, timeout)
        if self.process.is_alive():
            self.process.kill()
            await asyncio.to_thread(self.process.join, timeout)

    def kill(self) -> None:
        """Kill the process (a worker that will not answer)."""
        if self.process.is_alive():
            self.process.kill()


async def spawn_worker(config: ScreenerConfig, limits: ExtractionLimits, timeout: float) -> Worker:
    """Start a worker and wait until it has built its screener.

    Raises:
        CrisisScreenError: It cannot build its screener, died, or took longer than ``timeout``.
    """
    ours, theirs = socket.socketpair()
    context: Any = mp_context()
    process = context.Process(
        target=worker_main, args=(theirs, config, limits), name="crisis-screen-worker"
    )
    process.daemon = True
    # Starting waits for the fork server, which may still be building its screener: do it off
    # the event loop, which keeps answering /health meanwhile.
    await asyncio.to_thread(process.start)
    theirs.close()
    reader, writer = await asyncio.open_connection(sock=ours)
    try:
        head = await asyncio.wait_for(reader.readexactly(_HEADER.size), timeout)
        hello = pickle.loads(await reader.readexactly(_HEADER.unpack(head)[0]))
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.TimeoutError):
        writer.close()
        process.kill()
        raise CrisisScreenError(
            "screening workers could not start (check the lexicon and model)"
        ) from None
    if hello[0] != "ready":
        writer.close()
        raise CrisisScreenError(f"screening workers could not start: {hello[1]}")
    return Worker(process, reader, writer, hello[2])
