"""Find and read lexicon files: the common rules, skills and overlays.

Layout of a lexicon folder (the shipped one is ``lexicon/`` in a checkout, package data
``crisis_screen/data/lexicon`` in a wheel)::

    common/context.toml            rules every skill needs, loaded once
    <skill_id>/skill.toml          one skill: concepts and domain cues
    <skill_id>/questions.toml      companion files (interview kit, titles): not lexicons
    <skill_id>/titles.toml

A path given to :func:`load_lexicon` may be such a folder (every skill in it), one skill folder,
one skill file, or a folder of flat ``<name>.toml`` skill files (the 0.1 layout).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from crisis_screen.errors import LexiconError
from crisis_screen.lexicon.check import cross_check
from crisis_screen.lexicon.compile import Lexicon, merge
from crisis_screen.lexicon.schema import LexiconFile

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

#: File name of a skill inside its folder, and of the common rules inside ``common/``.
SKILL_FILE = "skill.toml"
COMMON_DIR = "common"
COMMON_FILE = "context.toml"
#: Companion data files beside a skill file; never read as lexicons.
COMPANION_FILES = frozenset({"questions.toml", "titles.toml"})


def default_lexicon_dir() -> Path:
    """Return the folder of the shipped lexicon (``common/`` and one folder per skill).

    Inside an installed wheel the data is package data (``crisis_screen/data/lexicon``); in a
    source checkout (editable install or ``PYTHONPATH=src``) it is the top-level ``lexicon/``.
    """
    packaged = resources.files("crisis_screen").joinpath("data").joinpath("lexicon")
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[3] / "lexicon"
    if checkout.is_dir():
        return checkout
    raise LexiconError([f"{packaged}: shipped lexicon not found (broken installation?)"])


def default_skill_dir(skill: str = "mental_health_response") -> Path:
    """Return the folder of one shipped skill (its skill, questions and titles files)."""
    return default_lexicon_dir() / skill


def default_common_file() -> Path:
    """Return the shipped file of context rules every skill uses."""
    return default_lexicon_dir() / COMMON_DIR / COMMON_FILE


def _common_in(folder: Path) -> Path | None:
    d = folder / COMMON_DIR
    if not d.is_dir():
        return None
    if (d / COMMON_FILE).is_file():
        return d / COMMON_FILE
    found = sorted(d.glob("*.toml"))
    return found[0] if len(found) == 1 else d / COMMON_FILE


def resolve_path(path: str | Path) -> tuple[list[Path], Path | None]:
    """Return the skill files at ``path`` and the common file it brings, if any.

    Args:
        path: A skill file, a skill folder, a lexicon folder or a folder of flat skill files.
    """
    p = Path(path)
    if not p.is_dir():
        return [p], None
    if (p / SKILL_FILE).is_file():
        return [p / SKILL_FILE], None
    skills = sorted(d / SKILL_FILE for d in p.iterdir() if (d / SKILL_FILE).is_file())
    common = _common_in(p)
    if skills or common is not None:
        return skills, common
    flat = sorted(
        f for f in p.glob("*.toml") if f.name.count(".") == 1 and f.name not in COMPANION_FILES
    )
    return flat, None


def lexicon_files(path: str | Path) -> list[Path]:
    """Return the skill files at ``path`` (see :func:`resolve_path`); companions are skipped."""
    return resolve_path(path)[0]


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML data file (lexicon, question bank, titles).

    Raises:
        LexiconError: Naming the file and why it cannot be read or parsed.
    """
    p = Path(path)
    try:
        data: dict[str, Any] = tomllib.loads(p.read_text(encoding="utf-8"))
        return data
    except FileNotFoundError:
        raise LexiconError([f"{p}: file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LexiconError([f"{p}: cannot read: {exc}"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError([f"{p}: invalid TOML: {exc}"]) from None


def read_lexicon_file(path: Path, problems: list[str]) -> LexiconFile | None:
    """Parse and schema-validate one file, appending problems instead of raising."""
    try:
        data = read_toml(path)
    except LexiconError as exc:
        problems.extend(exc.problems)
        return None
    try:
        return LexiconFile.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            where = ".".join(str(x) for x in err["loc"])
            problems.append(f"{path}: {where}: {err['msg']}")
        return None


def load_common(path: str | Path | None = None) -> LexiconFile:
    """Read and schema-validate the common rules (the shipped ones when ``path`` is None).

    Raises:
        LexiconError: Naming the file and every problem.
    """
    p = Path(path) if path is not None else default_common_file()
    problems: list[str] = []
    parsed = read_lexicon_file(p, problems)
    if parsed is None:
        raise LexiconError(problems)
    return parsed


def load_lexicon(
    paths: str | Path | Sequence[str | Path] | None = None,
    *,
    overlays: Sequence[str | Path] = (),
    common: str | Path | None = None,
) -> Lexicon:
    """Load, merge and validate skills with the common rules.

    Args:
        paths: Lexicon folders, skill folders or skill files (several skills load at once).
            ``None`` loads the shipped lexicon.
        overlays: Extra files or folders whose concepts extend or add to the loaded ones.
            An overlay names the skill it extends in ``[overlay] extends = "..."``; a concept
            with an existing id gains the overlay's term groups.
        common: The file of shared context rules. Default: the ``common/`` of the first
            lexicon folder given, else the shipped one. It is loaded once whatever the number
            of skills.

    Returns:
        The validated lexicon.

    Raises:
        LexiconError: With every problem found, each naming file and entry.
    """
    if paths is None:
        path_list: list[Path] = [default_lexicon_dir()]
    elif isinstance(paths, (str, Path)):
        path_list = [Path(paths)]
    else:
        path_list = [Path(p) for p in paths]
    problems: list[str] = []
    skill_files: list[Path] = []
    found_common: Path | None = None
    for p in path_list:
        if not p.exists():
            problems.append(f"{p}: no such file or directory")
            continue
        files, folder_common = resolve_path(p)
        if not files:
            problems.append(f"{p}: no lexicon files (skill.toml or *.toml) found")
        skill_files.extend(files)
        if found_common is None:
            found_common = folder_common
    common_path = Path(common) if common is not None else found_common or default_common_file()
    parsed_common = read_lexicon_file(common_path, problems)
    base = [(f, x) for f in skill_files if (x := read_lexicon_file(f, problems)) is not None]
    extra: list[tuple[Path, LexiconFile]] = []
    for o in overlays:
        for f in lexicon_files(o):
            parsed = read_lexicon_file(f, problems)
            if parsed is not None:
                extra.append((f, parsed))
    if problems or parsed_common is None:
        # Do not cross-check a partial set: it would report follow-on noise.
        raise LexiconError(problems)
    return compile_lexicon(base, extra, common=(common_path, parsed_common))


def compile_lexicon(
    files: Sequence[tuple[Path, LexiconFile]],
    overlays: Sequence[tuple[Path, LexiconFile]] = (),
    *,
    common: tuple[Path, LexiconFile] | None = None,
) -> Lexicon:
    """Merge parsed lexicon files and cross-check them.

    Use this to build a lexicon from data made in code (the interview kit builds its key-point
    lexicons this way); :func:`~crisis_screen.lexicon.load_lexicon` reads files and calls it.

    Args:
        files: ``(path, parsed file)`` of each skill file; the path is used in messages.
        overlays: ``(path, parsed file)`` of each overlay.
        common: ``(path, parsed file)`` of the common rules, if any.

    Returns:
        The validated lexicon.

    Raises:
        LexiconError: With every problem found, each naming its file and entry.
    """
    problems: list[str] = []
    lexicon, origins = merge(list(files), list(overlays), common, problems)
    cross_check(lexicon, origins, problems)
    if problems:
        raise LexiconError(problems)
    return lexicon
