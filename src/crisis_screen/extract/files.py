"""Reading a local file once, within its limits: the bytes and their SHA-256, or why not.

The one place that turns a path into bytes: :func:`crisis_screen.extract.read_document` and
the run engine (:mod:`crisis_screen.runs.sources`) both read through :func:`load_file`, so a
file gives the same bytes, hash and fixed error reason whichever way it is screened.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass

from crisis_screen.errors import ExtractionError, LimitExceededError
from crisis_screen.extract.limits import ExtractionLimits

__all__ = ["HASH_BLOCK", "Loaded", "load_file", "sha256_file"]

#: Block size of streamed hashing (a file over the size limit is hashed, never loaded).
HASH_BLOCK = 1 << 20


@dataclass(frozen=True)
class Loaded:
    """The outcome of reading one file.

    Attributes:
        data: The bytes, or None when the file could not be read.
        sha256: SHA-256 (hex) of the bytes; for a file over the size limit the hash of the
            whole file when ``hash_oversized`` was asked, so a resumed run recognises it.
        error: Why the file could not be read, or None.
    """

    data: bytes | None
    sha256: str | None
    error: ExtractionError | None


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Return the SHA-256 (hex) of a file's bytes, read in blocks.

    Raises:
        OSError: When the file cannot be read.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _failed(source: str, reason: str) -> Loaded:
    return Loaded(None, None, ExtractionError(source, reason))


def load_file(
    source: str, limits: ExtractionLimits, *, hash_oversized: bool = False, digest: bool = True
) -> Loaded:
    """Read a regular file in one pass, hashing what was read.

    Args:
        source: The path.
        limits: Only ``max_file_bytes`` is checked here (the rest applies to extraction).
        hash_oversized: Hash a file over the size limit (streamed, never loaded).
        digest: Hash the bytes read (turn off when nobody needs the hash).

    Returns:
        The bytes and hash, or the error with its fixed reason (never an exception).
    """
    try:
        info = os.stat(source)
    except FileNotFoundError:
        return _failed(source, "file not found")
    except (OSError, ValueError):
        return _failed(source, "cannot access file")
    if stat.S_ISDIR(info.st_mode):
        return _failed(source, "is a directory, not a file")
    if not stat.S_ISREG(info.st_mode):
        return _failed(source, "not a regular file")
    try:
        if info.st_size > limits.max_file_bytes:
            error = LimitExceededError(
                source, f"file is {info.st_size} bytes, more than {limits.max_file_bytes}"
            )
            return Loaded(None, sha256_file(source) if hash_oversized else None, error)
        with open(source, "rb") as handle:
            # One byte past the limit: the file may have grown since stat().
            data = handle.read(limits.max_file_bytes + 1)
    except FileNotFoundError:
        return _failed(source, "file not found")
    except OSError:
        return _failed(source, "cannot read file")
    return Loaded(data, hashlib.sha256(data).hexdigest() if digest else None, None)
