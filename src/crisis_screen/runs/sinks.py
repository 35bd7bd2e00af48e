"""Where a run's records go: JSONL lines, evidence CSV rows, ranked reports; written safely.

A sink receives every kept :class:`~crisis_screen.runs.records.ScanLine` of a run with
:meth:`Sink.write`, then :meth:`Sink.finish` once the run ended normally. Files other than
JSONL are written with :func:`atomic_output`, so a reader never sees half a report and an
interrupted run leaves the previous file as it was. JSONL is written a whole line at a time;
a write that fails (disk full) is truncated back to the last complete line.

Before a run touches anything, :func:`locked_outputs` checks that every output can be
created and takes an exclusive lock on each (a hidden ``.<name>.lock`` file beside it), so a
second run writing the same output stops at once instead of interleaving records. Every
write error becomes an :class:`~crisis_screen.errors.OutputWriteError` naming the file.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import json
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING

from crisis_screen.errors import (
    OutputError,
    OutputInUseError,
    OutputNotWritableError,
    OutputWriteError,
)
from crisis_screen.runs.records import SCHEMA_PATH, ScanLine, ScanRecord, record_json_schema

if TYPE_CHECKING:
    from crisis_screen.report.decisions import Decision

__all__ = [
    "EvidenceCsvSink",
    "JsonlFileSink",
    "JsonlSink",
    "RankedSink",
    "Sink",
    "atomic_output",
    "check_writable",
    "lock_path",
    "locked_outputs",
    "write_all",
    "write_record_schema",
    "writing",
]

#: Descriptors of outputs are not inherited by programs a worker starts (antiword, tesseract).
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)

# Errors that mean "this output cannot be created here" (a usage error), not "writing failed".
_NOT_WRITABLE = {errno.ENOENT, errno.ENOTDIR, errno.EACCES, errno.EPERM, errno.EROFS, errno.EISDIR}


def _reason(exc: OSError) -> str:
    return " ".join((exc.strerror or type(exc).__name__).split())


@contextlib.contextmanager
def writing(path: str | os.PathLike[str]) -> Iterator[None]:
    """Turn an ``OSError`` raised while writing ``path`` into :class:`OutputWriteError`.

    A ``BrokenPipeError`` passes as it is: the reader of stdout went away, which a run treats
    as an interruption, not as a failure.

    Raises:
        OutputWriteError: Writing failed (disk full, file too large, I/O error...).
    """
    try:
        yield
    except (BrokenPipeError, OutputError):
        raise
    except OSError as exc:
        raise OutputWriteError(os.fspath(path), _reason(exc)) from exc


# -- checking and locking outputs ------------------------------------------------------------


def lock_path(path: str | os.PathLike[str]) -> Path:
    """The lock file of an output: ``.<name>.lock`` beside it (symlinks resolved first)."""
    real = Path(os.path.realpath(path))
    return real.with_name(f".{real.name}.lock")


def check_writable(path: str | os.PathLike[str]) -> None:
    """Check that ``path`` can be written: its folder exists and is writable, it is no folder.

    Raises:
        OutputNotWritableError: It cannot, and why.
    """
    name = os.fspath(path)
    real = os.path.realpath(name)
    folder = os.path.dirname(real)
    shown = os.path.dirname(name) or "."
    if os.path.isdir(real):
        raise OutputNotWritableError(name, "is a folder, not a file")
    if _is_device(real):
        if not os.access(real, os.W_OK):
            raise OutputNotWritableError(name, "is not writable")
        return
    if not os.path.isdir(folder):
        raise OutputNotWritableError(name, f"the folder {shown} does not exist")
    if os.path.exists(real) and not os.access(real, os.W_OK):
        raise OutputNotWritableError(name, "the file is read-only")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputNotWritableError(name, f"the folder {shown} is not writable")


def _is_device(path: str) -> bool:
    """True for an existing output that is no regular file (``/dev/null``, a FIFO)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _remove_stale_temps(path: str | os.PathLike[str]) -> None:
    """Remove temp files of ``path`` left by runs that were killed (their lock is gone).

    Only called with the output's lock held, so no live run is writing these.
    """
    real = Path(os.path.realpath(path))
    stale = re.compile(rf"\.{re.escape(real.name)}\.[a-z0-9_]{{8}}\.tmp")
    with contextlib.suppress(OSError), os.scandir(real.parent) as entries:
        for entry in entries:
            if stale.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _flock(fd: int) -> bool:
    """Take an exclusive lock on ``fd`` without waiting; False when another process holds it."""
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as exc:
        if exc.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS):
            return True  # a file system without locks: run unlocked rather than not at all
        raise
    return True


def _holder(fd: int) -> str:
    with contextlib.suppress(OSError, ValueError):
        os.lseek(fd, 0, os.SEEK_SET)
        pid = int(os.read(fd, 32).decode("ascii").strip())
        return f" (process {pid})"
    return ""


@contextlib.contextmanager
def _output_lock(path: str | os.PathLike[str]) -> Iterator[None]:
    if sys.platform == "win32":  # pragma: no cover - no flock there: outputs are not locked
        yield
        return
    name, lock = os.fspath(path), lock_path(path)
    for _ in range(10):
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | _CLOEXEC, 0o666)
        except OSError as exc:
            error = OutputNotWritableError if exc.errno in _NOT_WRITABLE else OutputWriteError
            raise error(name, f"cannot create its lock file ({_reason(exc)})") from None
        try:
            if not _flock(fd):
                raise OutputInUseError(
                    name,
                    f"another scan is writing this file{_holder(fd)}; wait for it to end or "
                    "choose another output",
                )
            # The previous holder removes the lock file as it ends: a lock taken on a file
            # that is no longer at that path locks nothing, so try again.
            st = os.fstat(fd)
            with contextlib.suppress(FileNotFoundError):
                current = os.stat(lock)
                if (current.st_dev, current.st_ino) == (st.st_dev, st.st_ino):
                    break
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
    else:  # pragma: no cover - only when lock files keep being replaced under us
        raise OutputInUseError(name, "its lock file keeps changing; another scan is starting")
    with contextlib.suppress(OSError):  # the holder's pid is only a courtesy
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
    _remove_stale_temps(path)
    try:
        yield
    finally:
        # Remove the file while still holding the lock, then release it (closing the fd).
        with contextlib.suppress(OSError):
            os.unlink(lock)
        os.close(fd)


@contextlib.contextmanager
def locked_outputs(paths: Iterable[str | os.PathLike[str] | None]) -> Iterator[None]:
    """Check that each output can be written and hold an exclusive lock on it meanwhile.

    Call it before any work: a missing or read-only location, or an output another run is
    writing, then stops the run before anything was screened or touched. The locks are
    advisory (``flock``), held by this process only, and removed when the block ends. Temp
    files of an output left behind by a killed run are removed once its lock is taken.

    Args:
        paths: The outputs of the run (None entries are skipped: stdout, no manifest).

    Raises:
        OutputNotWritableError: An output cannot be created there.
        OutputInUseError: Another run holds the lock of an output.
    """
    unique: dict[str, str | os.PathLike[str]] = {}
    for path in paths:
        if path is not None:
            unique.setdefault(os.path.realpath(path), path)
    for path in unique.values():  # all checked before the first lock file is created
        check_writable(path)
    with contextlib.ExitStack() as stack:
        for real, path in unique.items():
            if not _is_device(real):  # /dev/null needs no lock (and /dev no lock file)
                stack.enter_context(_output_lock(path))
        yield


# -- writing files ---------------------------------------------------------------------------


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


def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd``, continuing after a short write (errors raised)."""
    written = os.write(fd, data)
    if written < len(data):  # a short write: the disk filled up, or a signal came
        view = memoryview(data)[written:]
        while view:
            view = view[os.write(fd, view) :]


class Sink:
    """Receives the records of a run (base class: does nothing)."""

    def write(self, line: ScanLine) -> None:
        """Take one record."""

    def finish(self) -> None:
        """The run ended normally (not interrupted): complete the output."""

    def close(self) -> None:
        """Release the sink's file, whether the run ended normally or not."""


def _write_whole(fd: int, data: bytes, good: int) -> None:
    """Write all of ``data``; on an error, cut the file back to ``good`` (its last full line).

    A write can be partial (the disk fills up mid-line); the cut keeps every line whole, and
    truncating needs no free space.
    """
    try:
        write_all(fd, data)
    except OSError:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, good)
        raise


def _regular_file_fd(out: IO[str]) -> int | None:
    """The descriptor behind ``out`` when it is a regular file (stdout redirected to one)."""
    try:
        fd = out.fileno()
        return fd if stat.S_ISREG(os.fstat(fd).st_mode) else None
    except (OSError, ValueError):  # StringIO and other streams without a descriptor
        return None


class JsonlSink(Sink):
    """One JSON line per record on a stream (stdout), each written whole and flushed.

    When the stream is a regular file (``> out.jsonl``), lines go straight to its descriptor
    and a failed write is cut back to the last complete line, as :class:`JsonlFileSink` does.
    """

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.name = str(getattr(out, "name", "<stdout>"))
        self._fd = _regular_file_fd(out)
        if self._fd is not None:
            out.flush()
            self._good = os.lseek(self._fd, 0, os.SEEK_CUR)

    def write(self, line: ScanLine) -> None:
        """Write and flush the record's line."""
        text = line.json + "\n"
        with writing(self.name):
            if self._fd is None:
                self.out.write(text)
                self.out.flush()
                return
            _write_whole(self._fd, text.encode("utf-8", "backslashreplace"), self._good)
            self._good = os.lseek(self._fd, 0, os.SEEK_CUR)


class JsonlFileSink(Sink):
    """One JSON line per record in a file (``--output``), each line written whole at once.

    Every line reaches the file with one ``write`` call (no buffer is left to flush later),
    so a killed run leaves complete lines only; a write that fails part-way is truncated back
    to the last complete line and raises :class:`OutputWriteError`.

    Args:
        path: The output.
        append: Add to the file (``--resume``) instead of starting it afresh.

    Raises:
        OutputWriteError: The file cannot be opened for writing.
    """

    def __init__(self, path: str | os.PathLike[str], *, append: bool = False) -> None:
        self.path = os.fspath(path)
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | _CLOEXEC
        with writing(self.path):
            self._fd: int | None = os.open(self.path, flags | (0 if append else os.O_TRUNC), 0o666)
            self._good = os.fstat(self._fd).st_size

    def write(self, line: ScanLine) -> None:
        """Write the record's line (one system call: nothing stays buffered)."""
        if self._fd is None:
            raise ValueError(f"{self.path} is closed")
        # JSON from pydantic is valid UTF-8; a serialiser letting a lone surrogate through
        # must still not stop the batch, and a JSON escape is what it then gets.
        data = (line.json + "\n").encode("utf-8", "backslashreplace")
        try:  # no context manager here: this runs once per record
            _write_whole(self._fd, data, self._good)
        except OSError as exc:
            raise OutputWriteError(self.path, _reason(exc)) from exc
        self._good += len(data)

    def close(self) -> None:
        """Close the file."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class EvidenceCsvSink(Sink):
    """One CSV row per evidence item (``--evidence-csv``); identity masked with ``redact``.

    Args:
        out: The open file (written atomically by the caller).
        name: The output's name, for error messages.
        redact: Mask identity in each record before writing its rows.
    """

    def __init__(self, out: IO[str], name: str = "evidence CSV", *, redact: bool = False) -> None:
        from crisis_screen.report.csv import EVIDENCE_CSV_COLUMNS

        self.name, self.redact = name, redact
        self.writer = csv.writer(out)
        with writing(self.name):
            self.writer.writerow(EVIDENCE_CSV_COLUMNS)

    def write(self, line: ScanLine) -> None:
        """Write the record's evidence rows."""
        self.write_record(line.to_record())

    def write_record(self, record: ScanRecord) -> None:
        """Write the evidence rows of a record (also those kept from a resumed run)."""
        from crisis_screen.report.csv import evidence_rows

        if self.redact:
            from crisis_screen.report.redact import redact_record

            record = redact_record(record)
        with writing(self.name):
            self.writer.writerows(evidence_rows(record))


class RankedSink(Sink):
    """Collects records, then renders them ranked (table, json, jsonl with --top, csv, html).

    Args:
        fmt: The output format.
        output: The file to write (atomically), or None for stdout.
        top: Keep only the N best.
        min_score: Keep only records scoring at least this (applied again when ranking).
        meta: Run details the HTML report shows in its header.
        redact: Mask identity in the records before rendering (blind review).
        decisions: Reviewer decisions the HTML report shows.
    """

    def __init__(
        self,
        fmt: str,
        output: Path | None,
        *,
        top: int | None = None,
        min_score: float | None = None,
        meta: Mapping[str, str] | None = None,
        redact: bool = False,
        decisions: Sequence[Decision] = (),
    ) -> None:
        self.fmt, self.output, self.top, self.min_score = fmt, output, top, min_score
        self.meta = dict(meta or {})
        self.redact, self.decisions = redact, decisions
        self.records: list[ScanRecord] = []

    def write(self, line: ScanLine) -> None:
        """Keep the record for ranking."""
        self.records.append(line.to_record())

    def finish(self) -> None:
        """Rank and render the records.

        Raises:
            OutputWriteError: The output could not be written (the previous file is kept).
        """
        with writing(self.output if self.output is not None else "<stdout>"):
            self._render()

    def _render(self) -> None:
        from crisis_screen.report.formats import render

        records = self._ranked()
        if self.redact:
            from crisis_screen.report.redact import redact_records

            records = redact_records(records)
        if self.fmt == "parquet":
            # Binary, one row per resume: written by the dataframe module (needs pyarrow).
            from crisis_screen.frames import write_parquet

            if self.output is None:
                raise ValueError("the parquet format needs an output file")
            write_parquet(records, self.output)
            return
        if self.output is None:
            render(self.fmt, records, sys.stdout, meta=self.meta, decisions=self.decisions)
            sys.stdout.flush()
            return
        with atomic_output(self.output, newline="" if self.fmt == "csv" else None) as out:
            render(self.fmt, records, out, meta=self.meta, decisions=self.decisions)

    def _ranked(self) -> list[ScanRecord]:
        from crisis_screen.report.rank import rank_records

        return rank_records(self.records, top=self.top, min_score=self.min_score)
