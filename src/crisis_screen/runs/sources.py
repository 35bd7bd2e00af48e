"""Sources of a run: which inputs there are, and the one reader that turns each into bytes.

A source is a local path, a URL (``s3://``, ``gs://``, ``file://``... read with fsspec when it
is installed) or a :class:`MemorySource` (bytes already in memory). :func:`fetch` reads each
once, hashing in the same pass, within the reading limits, into bytes and their SHA-256 or a
typed :class:`~crisis_screen.errors.ExtractionError` with a fixed reason; local paths go
through :func:`crisis_screen.extract.files.load_file`, the reader ``read_document`` uses too.

Nothing here logs or raises with resume text: only paths, hashes and reasons.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import stat
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from crisis_screen.errors import ExtractionError, LimitExceededError, MemoryLimitExceededError
from crisis_screen.extract.files import HASH_BLOCK, load_file, sha256_file
from crisis_screen.extract.limits import ExtractionLimits

__all__ = [
    "Fetched",
    "MemorySource",
    "Source",
    "WalkResult",
    "expand_sources",
    "fetch",
    "is_url",
    "sha256_file",
    "source_name",
    "walk_paths",
]


@dataclass(frozen=True)
class MemorySource:
    """A resume already in memory (an upload, a database blob).

    Attributes:
        name: The label its record carries as ``source`` (also a format hint: ``cv.md``).
        data: The file's bytes.
    """

    name: str
    data: bytes = field(repr=False)


#: What a run screens: a path, a URL or bytes in memory.
Source: TypeAlias = "str | MemorySource"

# A protocol of two letters or more, so a Windows drive (C:\) is never taken for one.
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]+(://|::)")


def source_name(source: Source) -> str:
    """The label a source's record carries."""
    return source.name if isinstance(source, MemorySource) else source


def is_url(source: str) -> bool:
    """Tell whether ``source`` names a protocol (``s3://``, ``file://``...) for fsspec."""
    return _URL.match(source) is not None


def _fsspec() -> Any:
    try:
        import fsspec
    except ImportError:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            "reading URLs needs fsspec: pip install 'crisis_screen[dask]' (or fsspec)"
        ) from None
    return fsspec


@dataclass(frozen=True)
class Fetched:
    """The outcome of reading one source, and how long it took.

    Attributes:
        source: The source's label.
        data: The bytes, or None when they could not be read.
        sha256: SHA-256 of the bytes (or of an oversized file), or None.
        error: Why the source could not be read, or None.
        seconds: Time spent reading.
    """

    source: str
    data: bytes | None
    sha256: str | None
    error: ExtractionError | None
    seconds: float


def fetch(
    source: Source, limits: ExtractionLimits, storage_options: dict[str, Any] | None = None
) -> Fetched:
    """Read one source once, within ``limits`` (never raises for a bad source).

    Args:
        source: A path, a URL or a :class:`MemorySource`.
        limits: Reading limits (``max_file_bytes``).
        storage_options: fsspec options for URLs.

    Returns:
        The bytes and hash, or the error with its fixed reason.
    """
    t0 = time.perf_counter()
    name = source_name(source)
    if isinstance(source, MemorySource):
        data, sha, error = _from_memory(source, limits)
    elif is_url(source):
        data, sha, error = _read_url(source, limits, storage_options or {})
    else:
        data, sha, error = _read_local(source, limits)
    return Fetched(name, data, sha, error, time.perf_counter() - t0)


_Read: TypeAlias = "tuple[bytes | None, str | None, ExtractionError | None]"

# O_NONBLOCK: opening a FIFO named on the command line must not wait for a writer (it is then
# refused as "not a regular file"); reads of regular files are not affected by it.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)


def _read_local(source: str, limits: ExtractionLimits) -> _Read:
    """Read a local file in one open: ``fstat``, read its size, hash what was read.

    The common case (a regular file within the size limit) costs one open, one ``fstat``
    and a read of exactly the file's size. Anything else (missing, unreadable, not a regular
    file, too large) goes to :func:`~crisis_screen.extract.files.load_file`, the reader
    ``read_document`` uses, so every reason stays the same.
    """
    try:
        fd = os.open(source, _OPEN_FLAGS)
    except (OSError, ValueError):
        return _load(source, limits)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limits.max_file_bytes:
            return _load(source, limits)
        data = _read_fd(fd, info.st_size, limits.max_file_bytes + 1)
    except OSError:
        return _load(source, limits)
    except MemoryError:
        reason = "reading the file needs more memory than this process may use"
        return None, None, MemoryLimitExceededError(source, reason)
    finally:
        os.close(fd)
    return data, hashlib.sha256(data).hexdigest(), None


def _read_fd(fd: int, size: int, most: int) -> bytes:
    """Read up to ``most`` bytes: the ``size`` expected, then whatever the file grew by."""
    first = os.read(fd, min(size + 1, most))
    if len(first) <= size:  # a short read of a regular file is its end
        return first
    parts, total = [first], len(first)
    while total < most and (block := os.read(fd, min(HASH_BLOCK, most - total))):
        parts.append(block)
        total += len(block)
    return b"".join(parts)


def _load(source: str, limits: ExtractionLimits) -> _Read:
    loaded = load_file(source, limits, hash_oversized=True)
    return loaded.data, loaded.sha256, loaded.error


def _from_memory(source: MemorySource, limits: ExtractionLimits) -> _Read:
    data = bytes(source.data)
    sha = hashlib.sha256(data).hexdigest()
    if len(data) > limits.max_file_bytes:
        reason = f"file is {len(data)} bytes, more than {limits.max_file_bytes}"
        return None, sha, LimitExceededError(source.name, reason)
    return data, sha, None


def _read_url(source: str, limits: ExtractionLimits, storage_options: dict[str, Any]) -> _Read:
    """Read a URL the way a local file is read: same checks, reasons and hash."""
    fsspec = _fsspec()
    try:
        fs, path = fsspec.core.url_to_fs(source, **storage_options)
        info = fs.info(path)
    except FileNotFoundError:
        return None, None, ExtractionError(source, "file not found")
    except Exception:
        # Backends raise anything from ValueError to botocore errors; none of it is resume text
        # but it can hold credentials or endpoints, so only a fixed reason is kept.
        return None, None, ExtractionError(source, "cannot access file")
    kind = info.get("type")
    if kind == "directory":
        return None, None, ExtractionError(source, "is a directory, not a file")
    if kind != "file":
        return None, None, ExtractionError(source, "not a regular file")
    size = info.get("size")
    try:
        if isinstance(size, int) and size > limits.max_file_bytes:
            digest = hashlib.sha256()
            with fs.open(path, "rb") as handle:
                while block := handle.read(HASH_BLOCK):
                    digest.update(block)
            reason = f"file is {size} bytes, more than {limits.max_file_bytes}"
            return None, digest.hexdigest(), LimitExceededError(source, reason)
        # A ranged read: one byte past the limit, in case the object grew since info().
        data = b"" if size == 0 else fs.cat_file(path, start=0, end=limits.max_file_bytes + 1)
    except FileNotFoundError:
        return None, None, ExtractionError(source, "file not found")
    except Exception:
        return None, None, ExtractionError(source, "cannot read file")
    data = bytes(data)
    return data, hashlib.sha256(data).hexdigest(), None


# -- listing ---------------------------------------------------------------------------------


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
    from crisis_screen.extract.detect import is_candidate_file

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


def expand_sources(
    paths: Iterable[str], *, storage_options: dict[str, Any] | None = None
) -> list[str]:
    """List the resume files under local folders and URL prefixes, without reading them.

    Local paths are walked with :func:`walk_paths` defaults. A URL that
    is a folder or prefix (``s3://bucket/resumes/``) lists the supported files below it, in
    name order, hidden names skipped; a URL with glob characters is expanded; any other URL
    is kept as given (a missing one later gives an error record).

    Args:
        paths: Local paths and URLs.
        storage_options: fsspec options for listing.

    Returns:
        The files, in argument order, each listed once.
    """
    from crisis_screen.extract.detect import is_candidate_file

    options = storage_options or {}
    fsspec = _fsspec()
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
