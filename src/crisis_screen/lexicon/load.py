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

import re
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from crisis_screen.errors import LexiconError
from crisis_screen.lexicon.cache import cached_forms, lexicon_key, store_checked
from crisis_screen.lexicon.check import cross_check
from crisis_screen.lexicon.compile import Lexicon, merge
from crisis_screen.lexicon.schema import LexiconFile
from crisis_screen.lexicon.variants import known_forms, seed_forms

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
#: Largest TOML data file read (the shipped skill file is under 60 KB).
MAX_TOML_BYTES = 4 * 1024 * 1024
#: Deepest nesting of arrays and inline tables accepted in a TOML data file (a token
#: pattern needs 5). The TOML parser recurses once per level.
MAX_TOML_DEPTH = 32
# What changes the nesting depth of TOML text: strings (which may hold brackets), comments,
# brackets and braces.
_TOML_SCAN_RE = re.compile(r"\"\"\"|'''|[\"'#\[\]{}]")
_BASIC_END_RE = re.compile(r'(?:[^"\\\n]|\\.)*"')
_MULTILINE_BASIC_END_RE = re.compile(r'(?:[^"\\]|\\.|"(?!""))*"""', re.DOTALL)


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


def _toml_depth_problem(text: str) -> str | None:
    """Say where a TOML text nests arrays or tables deeper than :data:`MAX_TOML_DEPTH`.

    One pass over the structural characters; strings and comments are skipped, so brackets
    inside them do not count. Unterminated strings are left to the parser to report.
    """
    depth = 0
    pos = 0
    while True:
        m = _TOML_SCAN_RE.search(text, pos)
        if m is None:
            return None
        token, pos = m.group(), m.end()
        if token == "#":
            newline = text.find("\n", pos)
            pos = len(text) if newline < 0 else newline
        elif token in ('"', '"""'):
            end = (_BASIC_END_RE if token == '"' else _MULTILINE_BASIC_END_RE).match(text, pos)
            pos = end.end() if end else len(text)
        elif token in ("'", "'''"):
            closing = text.find(token, pos)
            pos = len(text) if closing < 0 else closing + len(token)
        elif token in "[{":
            depth += 1
            if depth > MAX_TOML_DEPTH:
                line = text.count("\n", 0, m.start()) + 1
                return f"line {line}: nested deeper than {MAX_TOML_DEPTH} levels"
        else:
            depth = max(depth - 1, 0)


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML data file (lexicon, question bank, titles).

    Files are untrusted input: one larger than :data:`MAX_TOML_BYTES` or nested deeper than
    :data:`MAX_TOML_DEPTH` is refused before it is parsed.

    Raises:
        LexiconError: Naming the file and why it cannot be read or parsed.
    """
    p = Path(path)
    try:
        with p.open("rb") as handle:
            raw = handle.read(MAX_TOML_BYTES + 1)
    except FileNotFoundError:
        raise LexiconError([f"{p}: file not found"]) from None
    except IsADirectoryError:
        raise LexiconError([f"{p}: is a directory, not a file"]) from None
    except OSError as exc:
        raise LexiconError([f"{p}: cannot read: {exc.strerror or type(exc).__name__}"]) from None
    if len(raw) > MAX_TOML_BYTES:
        raise LexiconError([f"{p}: file is larger than {MAX_TOML_BYTES} bytes"])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LexiconError([f"{p}: cannot read: not UTF-8 (byte {exc.start})"]) from None
    problem = _toml_depth_problem(text)
    if problem is not None:
        raise LexiconError([f"{p}: {problem}"])
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError([f"{p}: invalid TOML: {exc}"]) from None
    except (RecursionError, MemoryError):
        raise LexiconError([f"{p}: too deeply nested or too large to parse"]) from None
    return data


def read_lexicon_file(path: Path, problems: list[str]) -> LexiconFile | None:
    """Parse and schema-validate one file, appending problems instead of raising.

    Returns:
        The parsed file, or None when it has any problem.
    """
    before = len(problems)
    parsed = read_partial_lexicon_file(path, problems)
    return parsed if len(problems) == before else None


def read_partial_lexicon_file(path: Path, problems: list[str]) -> LexiconFile | None:
    """Like :func:`read_lexicon_file`, but return what validates of a file with problems.

    Every schema problem is reported; then each offending entry is left out (an unknown
    key, a bad value, a table missing a required key) so that the rest can still be
    cross-checked, and every problem of a set is reported in one pass.

    Returns:
        The file without its offending entries, or None when it cannot be parsed at all.
    """
    try:
        data = read_toml(path)
    except LexiconError as exc:
        problems.extend(exc.problems)
        return None
    try:
        return LexiconFile.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
    for err in errors:
        where = ".".join(str(x) for x in err["loc"])
        problems.append(f"{path}: {where}: {err['msg']}")
    for _ in range(8):
        if not all(_leave_out(data, err) for err in _deepest_first(errors)):
            return None
        try:
            return LexiconFile.model_validate(data)
        except ValidationError as exc:
            errors = exc.errors()  # follow-on problems of what was left out: not reported
    return None


def _deepest_first(errors: Sequence[Any]) -> list[Any]:
    """Errors in reverse path order, so removing a list item never shifts a later one."""

    def key(err: Any) -> list[tuple[int, int, str]]:
        return [(0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in err["loc"]]

    return sorted(errors, key=key, reverse=True)


def _leave_out(data: Any, err: Any) -> bool:
    """Delete the entry an error points at (its table when a required key is missing)."""
    loc = tuple(err["loc"])
    if err["type"] == "missing":
        loc = loc[:-1]
    if not loc:
        return False  # the file as a whole: nothing to leave out
    parent = data
    try:
        for part in loc[:-1]:
            parent = parent[part]
        del parent[loc[-1]]
    except (KeyError, IndexError, TypeError):
        pass  # already left out with an enclosing entry
    return True


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
    use_cache: bool = True,
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
        use_cache: Skip the cross-checks and the inflection dictionary when these exact files
            passed them before (:mod:`crisis_screen.lexicon.cache`); False always checks.

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
    parsed_common = read_partial_lexicon_file(common_path, problems)
    base = [
        (f, x) for f in skill_files if (x := read_partial_lexicon_file(f, problems)) is not None
    ]
    extra: list[tuple[Path, LexiconFile]] = []
    overlay_files: list[Path] = []
    for o in overlays:
        for f in lexicon_files(o):
            overlay_files.append(f)
            parsed = read_partial_lexicon_file(f, problems)
            if parsed is not None:
                extra.append((f, parsed))
    if parsed_common is None:
        # Without the common rules every cue's category would be reported unknown.
        raise LexiconError(problems)
    key = lexicon_key(skill_files, overlay_files, common_path)
    cached = cached_forms(key) if use_cache and key and not problems else None
    if cached is not None:
        seed_forms(cached)
    # Cross-checked even when a file has schema problems (its bad entries left out), so
    # that every problem of the set is reported at once.
    try:
        lexicon = compile_lexicon(
            base, extra, common=(common_path, parsed_common), check=cached is None
        )
    except LexiconError as exc:
        problems.extend(p for p in exc.problems if p not in problems)
    if problems:
        raise LexiconError(problems)
    if cached is None and key is not None:
        # Passed every check: record it with the inflections its terms need.
        for _ in lexicon.term_entries():
            pass
        store_checked(key, known_forms())
    return lexicon


def compile_lexicon(
    files: Sequence[tuple[Path, LexiconFile]],
    overlays: Sequence[tuple[Path, LexiconFile]] = (),
    *,
    common: tuple[Path, LexiconFile] | None = None,
    check: bool = True,
) -> Lexicon:
    """Merge parsed lexicon files and cross-check them.

    Use this to build a lexicon from data made in code (the interview kit builds its key-point
    lexicons this way); :func:`~crisis_screen.lexicon.load_lexicon` reads files and calls it.

    Args:
        files: ``(path, parsed file)`` of each skill file; the path is used in messages.
        overlays: ``(path, parsed file)`` of each overlay.
        common: ``(path, parsed file)`` of the common rules, if any.
        check: Run the cross-checks (False only for files known to pass them).

    Returns:
        The validated lexicon.

    Raises:
        LexiconError: With every problem found, each naming its file and entry.
    """
    problems: list[str] = []
    lexicon, origins = merge(list(files), list(overlays), common, problems)
    # Term groups keep their identity through the merge: each is reported under its file.
    group_files = {
        id(group): path
        for path, parsed in [*files, *overlays]
        for concept in parsed.concepts
        for group in concept.terms
    }
    if check:
        cross_check(lexicon, origins, problems, group_files)
    if problems:
        raise LexiconError(problems)
    return lexicon
