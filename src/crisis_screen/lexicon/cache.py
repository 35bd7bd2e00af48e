r"""Start-up cache: what loading a lexicon learned once, kept for the next process.

Building a screener used to spend most of its time on two things that give the same answer
every time for the same lexicon: the cross-checks (every concept, cue and pattern tested
against the rest) and the inflection tables (lemminflect's dictionary, loaded to inflect the
lemma terms). Both depend only on the lexicon files' bytes and on the code and library
versions, so the first load of a lexicon that passes every check writes a small JSON file:
its content key and the inflections of its words. A later load with the same key skips the
checks and the dictionary. Anything else (another lexicon, an edited file, a new version of
crisis_screen, spaCy or lemminflect, a missing or unreadable cache) simply builds as before.

Where: ``$CRISIS_SCREEN_CACHE_DIR`` if set, else the user's cache folder
(``$XDG_CACHE_HOME/crisis_screen`` or ``~/.cache/crisis_screen`` on Linux,
``~/Library/Caches/crisis_screen`` on macOS, ``%LOCALAPPDATA%\crisis_screen`` on Windows).
``CRISIS_SCREEN_NO_CACHE=1`` turns it off. ``crisis-screen lexicon validate`` always runs the
checks. The cache holds no resume data, only words of the lexicon.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path

logger = logging.getLogger(__name__)

CACHE_DIR_ENV = "CRISIS_SCREEN_CACHE_DIR"
NO_CACHE_ENV = "CRISIS_SCREEN_NO_CACHE"
#: Bumped when the file's layout changes; part of the key, so old files are never read.
FORMAT = 1
#: Largest cache file read (the shipped lexicon's is about 20 KB).
MAX_CACHE_BYTES = 8 * 1024 * 1024

Forms = dict[str, tuple[str, ...]]


def cache_dir() -> Path | None:
    """Return the cache folder, or None when the cache is turned off."""
    if os.environ.get(NO_CACHE_ENV, "").strip() not in ("", "0"):
        return None
    given = os.environ.get(CACHE_DIR_ENV)
    if given:
        return Path(given)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "crisis_screen"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "none"


def lexicon_key(skills: Sequence[Path], overlays: Sequence[Path], common: Path) -> str | None:
    """Return the content key of a set of lexicon files, or None when one cannot be read.

    The key covers each file's bytes in load order and role, the source of the lexicon
    package (the checks and the variant rules are code: a changed check must run again even
    before a version bump), and the versions of Python, spaCy and lemminflect.
    """
    digest = hashlib.sha256(f"crisis_screen-lexicon-cache {FORMAT}\0".encode())
    for name in ("spacy", "lemminflect"):
        digest.update(f"{name} {_version(name)}\0".encode())
    digest.update(f"python {sys.version_info[:2]}\0".encode())
    try:
        for source in sorted(Path(__file__).parent.glob("*.py")):
            digest.update(source.name.encode() + b"\0" + source.read_bytes())
        for role, paths in (("skill", skills), ("overlay", overlays), ("common", [common])):
            for path in paths:
                data = path.read_bytes()
                digest.update(f"{role} {len(data)}\0".encode() + data)
    except OSError:
        return None
    return digest.hexdigest()


def _file(folder: Path, key: str) -> Path:
    return folder / f"lexicon-{key[:40]}.json"


def cached_forms(key: str) -> Forms | None:
    """Return the inflections cached for a lexicon that passed its checks, or None.

    A missing, unreadable, oversized or malformed file is a miss, never an error.
    """
    folder = cache_dir()
    if folder is None:
        return None
    path = _file(folder, key)
    try:
        if path.stat().st_size > MAX_CACHE_BYTES:
            return None
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("key") != key or data.get("checked") is not True:
        return None
    forms = data.get("forms")
    if not isinstance(forms, dict):
        return None
    out: Forms = {}
    for word, found in forms.items():
        if not isinstance(found, list) or not all(isinstance(f, str) for f in found):
            return None
        out[word] = tuple(found)
    return out


def store_checked(key: str, forms: Mapping[str, Sequence[str]]) -> None:
    """Record that the lexicon with ``key`` passed its checks, with its words' inflections.

    Written to a temporary file and renamed, so a reader never sees half a file and two
    processes writing at once leave one whole file. A folder that cannot be written is
    skipped (the next start builds again).
    """
    folder = cache_dir()
    if folder is None:
        return
    payload = json.dumps(
        {"format": FORMAT, "key": key, "checked": True, "forms": dict(sorted(forms.items()))},
        ensure_ascii=False,
    ).encode()
    tmp: str | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".lexicon-", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
        os.replace(tmp, _file(folder, key))
        tmp = None
    except OSError as exc:
        logger.debug("lexicon cache not written in %s: %s", folder, exc.strerror or exc)
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
