"""The manifest of a run: its space set aside when the run starts, written when it ends.

A run that fills the disk must still be able to say so: :func:`reserve_manifest` allocates
the manifest's space at the start (a temp file beside it), and :func:`write_run_manifest`
writes into that space at the end, or atomically, or, on a disk still full, over the previous
manifest in place.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from crisis_screen.errors import OutputWriteError
from crisis_screen.runs.records import Manifest
from crisis_screen.runs.sinks import atomic_output, write_all, writing

if TYPE_CHECKING:
    from crisis_screen.runs.scan import RunSummary, ScanOptions

__all__ = [
    "MANIFEST_RESERVE_BYTES",
    "ReservedFile",
    "reserve_manifest",
    "utc_now",
    "write_manifest",
    "write_run_manifest",
]

#: Space set aside for the manifest when a run starts (a manifest is 1-2 KB).
MANIFEST_RESERVE_BYTES = 16384

_DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def utc_now() -> str:
    """The current UTC time, ISO 8601 with milliseconds."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class ReservedFile:
    """A file written at the end of a run, whose disk space is set aside when the run starts.

    A temp file beside ``path`` is created and ``size`` bytes are allocated at once;
    :meth:`commit` writes the text over them and renames the temp file to ``path``. So the
    manifest of a run that filled the disk can still be written (into space it already
    holds), and says the run failed. :meth:`discard` removes the temp file.

    Args:
        path: The file to write in the end.
        size: Bytes to set aside.

    Raises:
        OSError: The temp file cannot be created.
    """

    def __init__(self, path: str | os.PathLike[str], size: int = MANIFEST_RESERVE_BYTES) -> None:
        self.path = Path(path)
        fd, tmp = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent or "."
        )
        self._fd: int | None = fd
        self._tmp = tmp
        with contextlib.suppress(OSError):  # best effort: without it, commit just needs space
            if hasattr(os, "posix_fallocate"):
                os.posix_fallocate(fd, 0, size)
            else:  # pragma: no cover - platforms without fallocate
                write_all(fd, bytes(size))

    def commit(self, text: str) -> None:
        """Write ``text`` into the reserved space and move the file into place.

        Raises:
            OSError: Writing or renaming failed (the temp file is removed).
        """
        if self._fd is None:
            raise ValueError(f"{self.path} was already committed or discarded")
        fd, data = self._fd, text.encode("utf-8")
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            write_all(fd, data)
            os.ftruncate(fd, len(data))
            os.fsync(fd)
            # mkstemp creates 0600; give the file the permissions a plain open() would.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(self._tmp, 0o666 & ~umask)
            os.replace(self._tmp, self.path)
        except BaseException:
            self.discard()
            raise
        os.close(fd)
        self._fd = None

    def discard(self) -> None:
        """Remove the temp file (nothing happens after :meth:`commit`)."""
        if self._fd is None:
            return
        os.close(self._fd)
        self._fd = None
        with contextlib.suppress(OSError):
            os.unlink(self._tmp)


def write_manifest(
    path: str | os.PathLike[str], text: str, reserved: ReservedFile | None = None
) -> None:
    """Write a run's manifest, even on a disk that filled up during the run.

    Into the space ``reserved`` when the run started, else atomically; when that finds the
    disk full, the previous manifest (a resumed run's) is overwritten in place, which needs
    no new space.

    Raises:
        OutputWriteError: It cannot be written at all.
    """
    with writing(path):
        try:
            if reserved is not None:
                reserved.commit(text)
            else:
                with atomic_output(path) as out:
                    out.write(text)
        except OSError as exc:
            if exc.errno not in _DISK_FULL or not os.path.isfile(path):
                raise
            with open(path, "r+b") as handle:
                data = text.encode("utf-8")
                handle.write(data)
                handle.truncate(len(data))


def reserve_manifest(path: Path | None, note: Callable[[str], None]) -> ReservedFile | None:
    """Set the manifest's space aside when a run starts (None: no manifest, or no space).

    Args:
        path: The manifest, or None when the run writes none.
        note: Told when no space could be set aside (the manifest is then written at the end).
    """
    if path is None:
        return None
    try:
        return ReservedFile(path)
    except OSError as exc:
        note(f"cannot set space aside for the manifest ({exc.strerror}); writing it at the end")
        return None


def write_run_manifest(
    reserved: ReservedFile | None,
    options: ScanOptions,
    summary: RunSummary,
    jobs: int,
    started: str,
    note: Callable[[str], None],
) -> None:
    """Write the manifest of a run that ended; failing to is a failure of the run.

    Args:
        reserved: The space set aside by :func:`reserve_manifest`, if any.
        options: The run's options (``manifest`` is the path; the settings are recorded).
        summary: The run's counts and status; ``failed`` if the manifest cannot be written
            (a run that failed already keeps its first failure, and ``note`` is told).
        jobs: Worker processes of the run.
        started: When the run started (:func:`utc_now`).
        note: Told of a second failure.
    """
    from crisis_screen import __version__

    assert options.manifest is not None
    manifest = Manifest(
        crisis_screen_version=__version__,
        status=summary.status,
        failure=summary.failure,
        started_at=started,
        finished_at=utc_now(),
        duration_s=round(summary.seconds, 3),
        inputs=summary.inputs,
        screened_this_run=summary.screened,
        skipped_already_done=summary.resumed,
        ok=summary.ok,
        error=summary.error,
        flagged=summary.flagged,
        versions=summary.versions,
        settings=options.settings(jobs),
    )
    try:
        write_manifest(options.manifest, manifest.dumps(), reserved)
    except OutputWriteError as exc:
        if summary.status == "failed":
            note(f"the manifest could not be written either: {exc}")
        else:
            summary.fail(exc)
